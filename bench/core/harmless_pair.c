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
 *   before         the pair of the librdv before 1.1 (RDV_BENCH_BEFORE_COMMIT,
 *                  a module built from `git show` output and dlopen()ed, see
 *                  bench-before.h; tracing compiled out there), each thread
 *                  on its own handle of a domain of that library (figure
 *                  only: what 1.1's fast path costs more or less)
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
 * word. Targets: rdv <= rwlock, rdv <= 1.5 x atomic, judged on the median of
 * the per-repetition ratios (each repetition measures every implementation
 * back to back, so a ratio compares figures taken a few hundred ms apart:
 * the machine's drift, ±30 % between runs here, mostly cancels); the ratio
 * of the best figures is printed too (ratio_best_vs_*).
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

#include "bench-before.h"
#include "bench.h"
#include "rdv/rdv.h"

#define PROG "rdv-bench-harmless"
#define MAX_THREADS 64
#define MAX_REPS 101

enum impl { IMPL_RDV, IMPL_RWLOCK, IMPL_ATOMIC, IMPL_ATOMIC_OWN, IMPL_BEFORE, N_IMPL };

static const char *const impl_name[N_IMPL] = {"rdv", "rwlock", "atomic", "atomic_own", "before"};

struct worker {
	pthread_t thread;
	unsigned index;
	struct rdv_thread *handle;		/* weak: belongs to the domain */
	struct rdv_thread *before_handle;	/* weak: of B.before_dom */
	uint64_t elapsed_ns;			/* thread CPU time, last round */
	_Alignas(64) _Atomic uint64_t own_word; /* atomic_own: this thread's word */
} __attribute__((aligned(64)));

static struct {
	struct rdv *dom;	 /* owned */
	struct bench_rdv before; /* the "before" library, when loaded */
	struct rdv *before_dom;	 /* owned: a domain of that library, or NULL */
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
	case IMPL_BEFORE:
		for (long i = 0; i < pairs; i++) {
			B.before.harmless_now(w->before_handle);
			B.before.harmless_end(w->before_handle);
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
	if (B.before_dom) {
		w->before_handle = B.before.thread_register(B.before_dom);
		if (!w->before_handle) {
			fprintf(stderr, PROG ": cannot register a thread (before): %s\n",
				strerror(errno));
			exit(1);
		}
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
	if (B.before_dom) {
		B.before.thread_unregister(w->before_handle);
	}
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

/*
 * Median over the repetitions of ns[a][r] / ns[b][r]: the two figures of a
 * repetition were taken back to back. With several threads only the
 * repetitions where both were clean count (all of them when none was);
 * *kept says how many counted.
 */
static double paired_ratio(const double ns[][MAX_REPS], const double conc[][MAX_REPS], int a, int b,
			   long reps, unsigned nthreads, long *kept)
{
	double v[MAX_REPS], unused, med;
	long n = 0;

	for (long r = 0; r < reps; r++) {
		if (nthreads == 1 ||
		    (conc[a][r] >= 0.9 * nthreads && conc[b][r] >= 0.9 * nthreads)) {
			v[n++] = ns[a][r] / ns[b][r];
		}
	}
	*kept = n;
	if (n == 0) {
		for (long r = 0; r < reps; r++) {
			v[n++] = ns[a][r] / ns[b][r];
		}
	}
	bench_min_median(v, (size_t)n, &unused, &med);
	return med;
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
		"Usage: " PROG " [--reps N] [--only IMPL] [--before PATH|none] THREADS DURATION\n"
		"Cost of an rdv_harmless_now()+rdv_harmless_end() pair vs a pthread_rwlock\n"
		"read lock+unlock pair and a bare atomic fetch_or+fetch_and pair, each\n"
		"thread on its own handle. THREADS 1..%d; DURATION in seconds, the whole\n"
		"run's budget. --reps N: repetitions per implementation (default 11).\n"
		"--only IMPL: measure only rdv, rwlock, atomic, atomic_own or before (for\n"
		"perf). --before: the module of the librdv of commit %s (default: the one\n"
		"built; none: skip it). Prints one bench=harmless_pair line per figure.\n",
		MAX_THREADS, bench_before_commit());
}

static void print_verdict(const char *tp, const char *base, int b, long kept, long reps,
			  const double *best, const double ratio, double limit)
{
	printf("bench=harmless_pair impl=rdv threads=%u tp=%s concurrent=%s ns_per_op=%.2f "
	       "%s_ns=%.2f ratio_vs_%s=%.3f ratio_best_vs_%s=%.3f paired_reps=%ld/%ld "
	       "target=<=%.1f %s\n",
	       B.nthreads, tp, B.nthreads == 1 || kept ? "yes" : "no", best[IMPL_RDV], base,
	       best[b], base, ratio, base, best[IMPL_RDV] / best[b], kept, reps, limit,
	       bench_verdict(ratio, limit));
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"reps", required_argument, NULL, 'r'},
					     {"only", required_argument, NULL, 'o'},
					     {"before", required_argument, NULL, 'b'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	static double per_rep[N_IMPL][MAX_REPS], conc[N_IMPL][MAX_REPS];
	double best[N_IMPL], median[N_IMPL], best_conc[N_IMPL], unused, ratio;
	long clean[N_IMPL], kept;
	long reps = 11, nthreads, pairs[N_IMPL];
	double duration;
	bool tp_loaded = false, run_impl[N_IMPL];
	const char *before = bench_before_default(), *tp;
	char err[512];
	int c, only = -1, nrun = 0;

	while ((c = getopt_long(argc, argv, "r:o:b:h", opts, NULL)) != -1) {
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
					": cannot use --only '%s': expected rdv, rwlock, atomic, "
					"atomic_own or before\n",
					optarg);
				return 2;
			}
			break;
		case 'b':
			before = strcmp(optarg, "none") == 0 ? NULL : optarg;
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
	if (only == IMPL_BEFORE && !before) {
		fprintf(stderr, PROG ": cannot use --only before: no before library (--before)\n");
		return 2;
	}

	B.nthreads = (unsigned)nthreads;
	B.dom = rdv_create(B.nthreads);
	if (!B.dom) {
		fprintf(stderr, PROG ": cannot create an rdv domain: %s\n", strerror(errno));
		return 1;
	}
	if (before) {
		if (!bench_rdv_before(&B.before, before, err, sizeof(err))) {
			fprintf(stderr, PROG ": cannot load the before library '%s': %s\n", before,
				err);
			return 1;
		}
		B.before_dom = B.before.create(B.nthreads);
		if (!B.before_dom) {
			fprintf(stderr, PROG ": cannot create a before domain: %s\n",
				strerror(errno));
			return 1;
		}
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
	tp = tp_loaded ? "loaded" : "absent";
	for (int i = 0; i < N_IMPL; i++) {
		run_impl[i] = (only < 0 || only == i) && (i != IMPL_BEFORE || B.before_dom);
		nrun += run_impl[i];
	}

	/* Calibrate: pairs per round so that all rounds fill `duration`. */
	for (int i = 0; i < N_IMPL; i++) {
		double round_budget_ns = duration * 1e9 / (double)(reps * nrun);
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
	/* Every repetition measures each implementation once, back to back,
	 * starting with a different one each time. */
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
		       impl_name[i], B.nthreads, i == IMPL_BEFORE ? "compiled_out" : tp, best[i],
		       median[i], best_conc[i], clean[i], reps, pairs[i]);
	}
	if (only >= 0) {
		goto out; /* one implementation (for perf): no ratio */
	}
	/*
	 * concurrent=no: with several threads, no clean pair of rounds (the
	 * machine was too busy for them to run at once): the figures are
	 * uncontended ones.
	 */
	ratio = paired_ratio(per_rep, conc, IMPL_RDV, IMPL_RWLOCK, reps, B.nthreads, &kept);
	print_verdict(tp, "rwlock", IMPL_RWLOCK, kept, reps, best, ratio, 1.0);
	ratio = paired_ratio(per_rep, conc, IMPL_RDV, IMPL_ATOMIC, reps, B.nthreads, &kept);
	print_verdict(tp, "atomic", IMPL_ATOMIC, kept, reps, best, ratio, 1.5);
	if (run_impl[IMPL_BEFORE]) {
		/* A figure: how much 1.1's fast path costs over the one it replaced. */
		ratio = paired_ratio(per_rep, conc, IMPL_RDV, IMPL_BEFORE, reps, B.nthreads, &kept);
		printf("bench=harmless_pair impl=rdv threads=%u tp=%s ns_per_op=%.2f "
		       "before_ns=%.2f ratio_vs_before=%.3f paired_reps=%ld/%ld before_commit=%s\n",
		       B.nthreads, tp, best[IMPL_RDV], best[IMPL_BEFORE], ratio, kept, reps,
		       bench_before_commit());
	}
out:
	fflush(stdout);
	pthread_barrier_destroy(&B.start);
	pthread_barrier_destroy(&B.end);
	pthread_rwlock_destroy(&B.rwlock);
	rdv_destroy(B.dom);
	if (B.before_dom) {
		B.before.destroy(B.before_dom);
	}
	return 0;
}
