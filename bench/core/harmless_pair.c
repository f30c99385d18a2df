/* SPDX-License-Identifier: MIT */
/*
 * rdv-bench-harmless: the cost of an rdv_harmless_now() + rdv_harmless_end()
 * pair against its baselines, measured in the same run:
 *
 *   rdv            rdv_harmless_now(h); rdv_harmless_end(h);   (each thread
 *                  on its own handle of one domain: their bits share word 0)
 *   rwlock         pthread_rwlock_rdlock(&l); pthread_rwlock_unlock(&l);
 *                  (one lock shared by the threads)
 *   atomic         atomic_fetch_or(&w, bit); atomic_fetch_and(&w, ~bit);
 *                  results unused (a plain `lock or`/`lock and` on x86), on
 *                  one word shared by the threads, each with its own bit:
 *                  the same kind of word as rdv's harmless[0]
 *   atomic_own     the same on a word per thread, each on its own cache line
 *                  (figure only: shows what sharing the word costs)
 *
 * The implementations run in turn, `reps` times each (the starting one
 * rotates), every thread doing the same number of pairs between two
 * barriers; a thread's ns/pair is its own CPU time (CLOCK_THREAD_CPUTIME_ID:
 * time preempted by other jobs of a shared machine does not count) over its
 * pairs, a repetition's figure the mean over threads, the result the best
 * repetition (the median is printed too). With several threads only the
 * rounds where they all ran at once count ("clean": threads' CPU time >= 90%
 * of threads x wall time; printed as concurrency= and clean_rounds=): on a
 * loaded machine a round where one was preempted measures an uncontended
 * word. Targets: rdv <= rwlock, rdv <= 1.5 x atomic.
 *
 * Whether librdv's trace probes are loaded (RDV_TRACEPOINTS=0 keeps them
 * out) is detected and printed as tp=loaded|absent: the fast path is the
 * same load-and-branch either way, which is what the second run shows.
 * Atomic read-modify-writes are never elided by the compiler, and the rdv
 * and rwlock calls are to shared libraries: no loop can be optimized away.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <link.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "bench.h"
#include "rdv/rdv.h"

#define PROG "rdv-bench-harmless"
#define MAX_THREADS 64
#define MAX_REPS 101

enum impl { IMPL_RDV, IMPL_RWLOCK, IMPL_ATOMIC, IMPL_ATOMIC_OWN, N_IMPL };

static const char *const impl_name[N_IMPL] = {"rdv", "rwlock", "atomic", "atomic_own"};

struct worker {
	pthread_t thread;
	unsigned index;
	struct rdv_thread *handle;		/* weak: belongs to the domain */
	uint64_t elapsed_ns;			/* thread CPU time, last round */
	_Alignas(64) _Atomic uint64_t own_word; /* atomic_own: this thread's word */
} __attribute__((aligned(64)));

static struct {
	struct rdv *dom; /* owned */
	pthread_rwlock_t rwlock;
	pthread_barrier_t start, end;
	unsigned nthreads;
	enum impl impl; /* of the next round, written before `start` */
	long pairs;	/* per thread, idem */
	bool stop;
	struct worker workers[MAX_THREADS];
} B;

static _Alignas(64) _Atomic uint64_t shared_word;

static void run_pairs(struct worker *w, enum impl impl, long pairs)
{
	uint64_t bit = UINT64_C(1) << w->index;

	switch (impl) {
	case IMPL_RDV:
		for (long i = 0; i < pairs; i++) {
			rdv_harmless_now(w->handle);
			rdv_harmless_end(w->handle);
		}
		break;
	case IMPL_RWLOCK:
		for (long i = 0; i < pairs; i++) {
			pthread_rwlock_rdlock(&B.rwlock);
			pthread_rwlock_unlock(&B.rwlock);
		}
		break;
	case IMPL_ATOMIC:
		/* Results unused on purpose: the cheap `lock or`/`lock and` form. */
		for (long i = 0; i < pairs; i++) {
			atomic_fetch_or(&shared_word, bit);
			atomic_fetch_and(&shared_word, ~bit);
		}
		break;
	case IMPL_ATOMIC_OWN:
		for (long i = 0; i < pairs; i++) {
			atomic_fetch_or(&w->own_word, bit);
			atomic_fetch_and(&w->own_word, ~bit);
		}
		break;
	default:
		break;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	w->handle = rdv_thread_register(B.dom);
	if (!w->handle) {
		fprintf(stderr, PROG ": cannot register a thread: %s\n", strerror(errno));
		exit(1);
	}
	for (;;) {
		uint64_t t0;

		pthread_barrier_wait(&B.start);
		if (B.stop) {
			break;
		}
		t0 = bench_thread_cpu_ns();
		run_pairs(w, B.impl, B.pairs);
		w->elapsed_ns = bench_thread_cpu_ns() - t0;
		pthread_barrier_wait(&B.end);
	}
	rdv_thread_unregister(w->handle);
	return NULL;
}

/*
 * One round of `impl`: every thread does `pairs` pairs; mean ns per pair.
 * *concurrency: the threads' CPU time over the round's wall time, i.e. how
 * many of them ran at once on average (nthreads when none was preempted).
 */
static double round_ns(enum impl impl, long pairs, double *concurrency)
{
	double sum = 0, cpu = 0;
	uint64_t t0;

	B.impl = impl;
	B.pairs = pairs;
	t0 = bench_now_ns();
	pthread_barrier_wait(&B.start);
	pthread_barrier_wait(&B.end);
	t0 = bench_now_ns() - t0;
	for (unsigned i = 0; i < B.nthreads; i++) {
		sum += (double)B.workers[i].elapsed_ns / (double)pairs;
		cpu += (double)B.workers[i].elapsed_ns;
	}
	*concurrency = cpu / (double)(t0 ? t0 : 1);
	return sum / B.nthreads;
}

/*
 * Best and median over the rounds. With several threads, only the rounds
 * where they really ran at once count (concurrency >= 90% of nthreads): a
 * round where the others were preempted measures an uncontended word.
 * Returns how many rounds were clean; when none was, all of them count.
 */
static long select_rounds(const double *ns, const double *conc, long reps, unsigned nthreads,
			  double *best, double *median, double *best_conc)
{
	double kept[MAX_REPS], kept_conc[MAX_REPS];
	long n = 0, clean;

	for (long r = 0; r < reps; r++) {
		if (nthreads == 1 || conc[r] >= 0.9 * nthreads) {
			kept_conc[n] = conc[r];
			kept[n++] = ns[r];
		}
	}
	clean = n;
	if (n == 0) {
		for (long r = 0; r < reps; r++) {
			kept_conc[n] = conc[r];
			kept[n++] = ns[r];
		}
	}
	*best_conc = kept_conc[0];
	for (long r = 1, at = 0; r < n; r++) {
		if (kept[r] < kept[at]) {
			at = r;
			*best_conc = kept_conc[r];
		}
	}
	bench_min_median(kept, (size_t)n, best, median);
	return clean;
}

static int provider_seen(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	if (info->dlpi_name && strstr(info->dlpi_name, "librdv-tp.so")) {
		*(bool *)data = true;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [--reps N] THREADS DURATION\n"
		"Cost of an rdv_harmless_now()+rdv_harmless_end() pair vs a pthread_rwlock\n"
		"read lock+unlock pair and a bare atomic fetch_or+fetch_and pair, each\n"
		"thread on its own handle. THREADS 1..%d; DURATION in seconds, the whole\n"
		"run's budget. --reps N: repetitions per implementation (default 11).\n"
		"--only IMPL: measure only rdv, rwlock, atomic or atomic_own (for perf).\n"
		"Prints one bench=harmless_pair line per figure.\n",
		MAX_THREADS);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"reps", required_argument, NULL, 'r'},
					     {"only", required_argument, NULL, 'o'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	double per_rep[N_IMPL][MAX_REPS], conc[N_IMPL][MAX_REPS], best[N_IMPL], median[N_IMPL];
	double best_conc[N_IMPL], unused;
	long clean[N_IMPL];
	long reps = 11, nthreads, pairs[N_IMPL];
	double duration;
	bool tp_loaded = false, run_impl[N_IMPL];
	int c, only = -1;

	while ((c = getopt_long(argc, argv, "r:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (!bench_parse_long(PROG, "--reps", optarg, 1, MAX_REPS, &reps)) {
				return 2;
			}
			break;
		case 'o':
			for (int i = 0; i < N_IMPL; i++) {
				if (strcmp(optarg, impl_name[i]) == 0) {
					only = i;
				}
			}
			if (only < 0) {
				fprintf(stderr,
					PROG
					": cannot use --only '%s': expected rdv, rwlock, atomic "
					"or atomic_own\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, PROG ": cannot run: expected THREADS DURATION (see --help)\n");
		return 2;
	}
	if (!bench_parse_long(PROG, "THREADS", argv[optind], 1, MAX_THREADS, &nthreads) ||
	    !bench_parse_seconds(PROG, "DURATION", argv[optind + 1], 3600, &duration)) {
		return 2;
	}

	B.nthreads = (unsigned)nthreads;
	B.dom = rdv_create(B.nthreads);
	if (!B.dom) {
		fprintf(stderr, PROG ": cannot create an rdv domain: %s\n", strerror(errno));
		return 1;
	}
	pthread_rwlock_init(&B.rwlock, NULL);
	pthread_barrier_init(&B.start, NULL, B.nthreads + 1);
	pthread_barrier_init(&B.end, NULL, B.nthreads + 1);
	for (unsigned i = 0; i < B.nthreads; i++) {
		B.workers[i].index = i;
		if (pthread_create(&B.workers[i].thread, NULL, worker_main, &B.workers[i])) {
			fprintf(stderr, PROG ": cannot create a thread\n");
			return 1;
		}
	}
	dl_iterate_phdr(provider_seen, &tp_loaded);
	for (int i = 0; i < N_IMPL; i++) {
		run_impl[i] = only < 0 || only == i;
	}

	/* Calibrate: pairs per round so that all rounds fill `duration`. */
	for (int i = 0; i < N_IMPL; i++) {
		double round_budget_ns = duration * 1e9 / (double)(reps * (only < 0 ? N_IMPL : 1));
		double ns;

		if (!run_impl[i]) {
			continue;
		}
		round_ns((enum impl)i, 20000, &unused); /* warm, then measure */
		ns = round_ns((enum impl)i, 20000, &unused);
		pairs[i] = (long)(round_budget_ns / (ns > 0.1 ? ns : 0.1));
		if (pairs[i] < 1000) {
			pairs[i] = 1000;
		}
	}
	for (long r = 0; r < reps; r++) {
		for (int k = 0; k < N_IMPL; k++) {
			int i = (int)((r + k) % N_IMPL);

			if (run_impl[i]) {
				per_rep[i][r] = round_ns((enum impl)i, pairs[i], &conc[i][r]);
			}
		}
	}
	B.stop = true;
	pthread_barrier_wait(&B.start);
	for (unsigned i = 0; i < B.nthreads; i++) {
		pthread_join(B.workers[i].thread, NULL);
	}

	for (int i = 0; i < N_IMPL; i++) {
		if (!run_impl[i]) {
			continue;
		}
		clean[i] = select_rounds(per_rep[i], conc[i], reps, B.nthreads, &best[i],
					 &median[i], &best_conc[i]);
		printf("bench=harmless_pair impl=%s threads=%u tp=%s ns_per_op=%.2f median_ns=%.2f "
		       "concurrency=%.2f clean_rounds=%ld/%ld pairs_per_thread=%ld\n",
		       impl_name[i], B.nthreads, tp_loaded ? "loaded" : "absent", best[i],
		       median[i], best_conc[i], clean[i], reps, pairs[i]);
	}
	if (only >= 0) {
		goto out; /* one implementation (for perf): no ratio */
	}
	/*
	 * concurrent=no: with several threads, no clean round (the machine was
	 * too busy for them to run at once): the figures are uncontended ones.
	 */
	printf("bench=harmless_pair impl=rdv threads=%u tp=%s concurrent=%s ns_per_op=%.2f "
	       "rwlock_ns=%.2f ratio_vs_rwlock=%.3f target=<=1.0 %s\n",
	       B.nthreads, tp_loaded ? "loaded" : "absent",
	       clean[IMPL_RDV] && clean[IMPL_RWLOCK] ? "yes" : "no", best[IMPL_RDV],
	       best[IMPL_RWLOCK], best[IMPL_RDV] / best[IMPL_RWLOCK],
	       bench_verdict(best[IMPL_RDV] / best[IMPL_RWLOCK], 1.0));
	printf("bench=harmless_pair impl=rdv threads=%u tp=%s concurrent=%s ns_per_op=%.2f "
	       "atomic_ns=%.2f ratio_vs_atomic=%.3f target=<=1.5 %s\n",
	       B.nthreads, tp_loaded ? "loaded" : "absent",
	       clean[IMPL_RDV] && clean[IMPL_ATOMIC] ? "yes" : "no", best[IMPL_RDV],
	       best[IMPL_ATOMIC], best[IMPL_RDV] / best[IMPL_ATOMIC],
	       bench_verdict(best[IMPL_RDV] / best[IMPL_ATOMIC], 1.5));
out:
	fflush(stdout);
	pthread_barrier_destroy(&B.start);
	pthread_barrier_destroy(&B.end);
	pthread_rwlock_destroy(&B.rwlock);
	rdv_destroy(B.dom);
	return 0;
}
