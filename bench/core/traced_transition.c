/* SPDX-License-Identifier: MIT */
/*
 * rdv-bench-traced: the cost of one traced rdv transition while an LTTng
 * session records rdv:*, against a bare LTTng-UST event of the same shape.
 *
 *   rdv    rdv_harmless_now(h); rdv_harmless_end(h);  two transitions, each
 *          an atomic RMW whose old value is used + one rdv:mask_change
 *   bare   old = atomic_fetch_or(&w, bit);  rdvbench:mask_change(…, old, new,
 *                                                                caller)
 *          old = atomic_fetch_and(&w, ~bit); rdvbench:mask_change(…)
 *          the same atomic operations on the same kind of word, and an event
 *          with the same fields (bench-tp.h, `caller` included: a return
 *          address, as rdv records), without rdv around them
 *
 * Both providers must be recorded by the same session, in channels with the
 * same configuration and contexts (run.sh sets it up). Rounds alternate,
 * each followed by a pause that lets the consumer daemon drain the buffers,
 * and the total number of events stays below --max-events so the trace stays
 * small. Times are each thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so
 * preemption by other jobs does not count. Figures are the best round's
 * ns per transition (and the median); the target, rdv <= 1.2 x bare, is
 * judged on the median over rounds of rdv's round over the bare round next
 * to it (the ratio of the best rounds is printed too). The line also gives the events each side
 * emitted, so that run.sh checks the trace holds them all (nothing discarded, rdv's probes really
 * enabled).
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <unistd.h>

#include "bench-tp.h"
#include "bench.h"
#include "rdv/rdv.h"

#define PROG "rdv-bench-traced"
#define MAX_THREADS 64
#define MAX_REPS 101

enum impl { IMPL_RDV, IMPL_BARE, N_IMPL };

static const char *const impl_name[N_IMPL] = {"rdv", "bare"};

struct worker {
	pthread_t thread;
	unsigned index;
	struct rdv_thread *handle; /* weak: belongs to the domain */
	uint64_t elapsed_ns;	   /* thread CPU time, last round */
} __attribute__((aligned(64)));

static struct {
	struct rdv *dom; /* owned */
	pthread_barrier_t start, end;
	unsigned nthreads;
	enum impl impl; /* of the next round, written before `start` */
	long pairs;	/* per thread, idem */
	bool stop;
	struct worker workers[MAX_THREADS];
} B;

/* bare: the threads' bits share one word, as in rdv's harmless[0]. */
static _Alignas(64) _Atomic uint64_t shared_word;

static void run_pairs(struct worker *w, enum impl impl, long pairs)
{
	const uint32_t domain = rdv_domain_id(B.dom);
	const uint64_t bit = UINT64_C(1) << w->index;
	/* rdv records its public call's return address: so does bare. */
	const uint64_t caller = (uint64_t)(uintptr_t)__builtin_return_address(0);

	if (impl == IMPL_RDV) {
		for (long i = 0; i < pairs; i++) {
			rdv_harmless_now(w->handle);
			rdv_harmless_end(w->handle);
		}
		return;
	}
	for (long i = 0; i < pairs; i++) {
		uint64_t old = atomic_fetch_or(&shared_word, bit);

		lttng_ust_tracepoint(rdvbench, mask_change, domain, w->index, 0, 0, 0, old,
				     old | bit, caller);
		old = atomic_fetch_and(&shared_word, ~bit);
		lttng_ust_tracepoint(rdvbench, mask_change, domain, w->index, 1, 0, 0, old,
				     old & ~bit, caller);
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

/* One round of `impl`; mean ns per transition (half a pair) over threads. */
static double round_ns(enum impl impl, long pairs, long events[N_IMPL])
{
	double sum = 0;

	B.impl = impl;
	B.pairs = pairs;
	pthread_barrier_wait(&B.start);
	pthread_barrier_wait(&B.end);
	for (unsigned i = 0; i < B.nthreads; i++) {
		sum += (double)B.workers[i].elapsed_ns / (double)(2 * pairs);
	}
	events[impl] += 2 * pairs * (long)B.nthreads;
	return sum / B.nthreads;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [--reps N] [--max-events N] [--drain-ms MS] [--wait-enabled S]\n"
		"       THREADS DURATION\n"
		"Cost of one traced rdv transition (harmless_now or harmless_end) with an\n"
		"LTTng session recording rdv:* and rdvbench:*, vs a bare LTTng-UST event of\n"
		"the same shape plus the same atomic operation. Needs the session: see\n"
		"run.sh. THREADS 1..%d, each on its own handle; DURATION in seconds, the\n"
		"budget of the timed rounds. --reps N rounds per side (default 11);\n"
		"--max-events N caps the events of the run (default 2000000);\n"
		"--drain-ms MS pause after each round for the consumer (default 40);\n"
		"--wait-enabled S waits up to S seconds for the session to enable the\n"
		"events (default 0: they must be enabled at start).\n",
		MAX_THREADS);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"reps", required_argument, NULL, 'r'},
					     {"max-events", required_argument, NULL, 'm'},
					     {"drain-ms", required_argument, NULL, 'd'},
					     {"wait-enabled", required_argument, NULL, 'w'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	double per_rep[N_IMPL][MAX_REPS], best[N_IMPL], median[N_IMPL], duration, ratio;
	double ratios[MAX_REPS], unused;
	long reps = 11, max_events = 2000000, drain_ms = 40, wait_s = 0, nthreads, pairs[N_IMPL];
	long events[N_IMPL] = {0, 0};
	int c;

	while ((c = getopt_long(argc, argv, "r:m:d:w:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (!bench_parse_long(PROG, "--reps", optarg, 1, MAX_REPS, &reps)) {
				return 2;
			}
			break;
		case 'm':
			if (!bench_parse_long(PROG, "--max-events", optarg, 10000, 1000000000,
					      &max_events)) {
				return 2;
			}
			break;
		case 'd':
			if (!bench_parse_long(PROG, "--drain-ms", optarg, 0, 10000, &drain_ms)) {
				return 2;
			}
			break;
		case 'w':
			if (!bench_parse_long(PROG, "--wait-enabled", optarg, 0, 600, &wait_s)) {
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
	/*
	 * With --wait-enabled, run.sh starts us first and then adds our pid to
	 * the session's tracker (so that only our events are recorded): wait for
	 * the session's events to reach us, then a little more for every
	 * provider of the process (rdv's, dlopen()ed) to be enabled too.
	 */
	for (long ms = 0; !lttng_ust_tracepoint_enabled(rdvbench, mask_change); ms += 10) {
		if (ms >= wait_s * 1000) {
			fprintf(stderr,
				PROG ": cannot measure: no LTTng session records rdvbench:* "
				     "(bench/core/run.sh sets one up)\n");
			return 1;
		}
		usleep(10000);
	}
	if (wait_s) {
		usleep(200000);
	}

	B.nthreads = (unsigned)nthreads;
	B.dom = rdv_create(B.nthreads);
	if (!B.dom) {
		fprintf(stderr, PROG ": cannot create an rdv domain: %s\n", strerror(errno));
		return 1;
	}
	pthread_barrier_init(&B.start, NULL, B.nthreads + 1);
	pthread_barrier_init(&B.end, NULL, B.nthreads + 1);
	for (unsigned i = 0; i < B.nthreads; i++) {
		B.workers[i].index = i;
		if (pthread_create(&B.workers[i].thread, NULL, worker_main, &B.workers[i])) {
			fprintf(stderr, PROG ": cannot create a thread\n");
			return 1;
		}
	}

	/*
	 * Pairs per round: what fills the duration, capped so that the whole
	 * run stays under max_events (the calibration's own events included).
	 */
	for (int i = 0; i < N_IMPL; i++) {
		double budget_ns = duration * 1e9 / (double)(reps * N_IMPL);
		long cap =
		    (max_events - 4 * 2000 * N_IMPL * nthreads) / (2 * reps * N_IMPL * nthreads);
		double ns;

		round_ns((enum impl)i, 2000, events);
		ns = round_ns((enum impl)i, 2000, events);
		pairs[i] = (long)(budget_ns / (2 * (ns > 1 ? ns : 1)));
		if (pairs[i] > cap) {
			pairs[i] = cap;
		}
		if (pairs[i] < 100) {
			pairs[i] = 100;
		}
	}
	usleep((useconds_t)drain_ms * 1000);
	for (long r = 0; r < reps; r++) {
		for (int k = 0; k < N_IMPL; k++) {
			int i = (int)((r + k) % N_IMPL);

			per_rep[i][r] = round_ns((enum impl)i, pairs[i], events);
			usleep((useconds_t)drain_ms * 1000);
		}
	}
	B.stop = true;
	pthread_barrier_wait(&B.start);
	for (unsigned i = 0; i < B.nthreads; i++) {
		pthread_join(B.workers[i].thread, NULL);
	}

	/* Paired before the sort below reorders each side's rounds. */
	for (long r = 0; r < reps; r++) {
		ratios[r] = per_rep[IMPL_RDV][r] / per_rep[IMPL_BARE][r];
	}
	bench_min_median(ratios, (size_t)reps, &unused, &ratio);
	for (int i = 0; i < N_IMPL; i++) {
		bench_min_median(per_rep[i], (size_t)reps, &best[i], &median[i]);
		printf("bench=traced_transition impl=%s threads=%u ns_per_op=%.2f median_ns=%.2f "
		       "pairs_per_round=%ld reps=%ld events=%ld\n",
		       impl_name[i], B.nthreads, best[i], median[i], pairs[i], reps, events[i]);
	}
	printf("bench=traced_transition impl=rdv threads=%u ns_per_op=%.2f bare_ns=%.2f "
	       "ratio_vs_bare=%.3f ratio_best_vs_bare=%.3f target=<=1.2 %s\n",
	       B.nthreads, best[IMPL_RDV], best[IMPL_BARE], ratio, best[IMPL_RDV] / best[IMPL_BARE],
	       bench_verdict(ratio, 1.2));
	fflush(stdout);

	pthread_barrier_destroy(&B.start);
	pthread_barrier_destroy(&B.end);
	rdv_destroy(B.dom);
	return 0;
}
