/* SPDX-License-Identifier: MIT */
/*
 * rdv-bench-storm: the wake-up storm of issue 9. One requester waits in
 * rdv_isolate() while THREADS other registered threads, running, reach
 * their safe point one at a time:
 *
 *   --mode end (default)  each calls rdv_harmless_now() then at once
 *                         rdv_harmless_end(), which blocks until the
 *                         isolation is released: while arrivals go on, the
 *                         earlier ones sleep blocked inside librdv
 *   --mode now            each calls rdv_harmless_now() and stays harmless
 *                         (asleep on a private futex) until the release,
 *                         then calls rdv_harmless_end()
 *
 * The main thread (not registered) conducts: it lets one thread arrive,
 * waits until the process is quiet again (every thread asleep: the CPU
 * time of the other threads stops growing), then lets the next one arrive,
 * so that each arrival is a separate event. Between isolations the threads
 * wait on private futexes, "running" as far as librdv knows.
 *
 * Per isolation (from the request to the last thread out of librdv, quiet
 * again): futex sleeps (rdv_get_stats().sleeps), wake calls, blocked
 * leaves, the CPU time of every thread but the conductor (CPU clocks:
 * exact) and an estimate of its system part (getrusage RUSAGE_SELF minus
 * the conductor's RUSAGE_THREAD, whose user/system split the kernel
 * samples at each tick: see summarize()),
 * their voluntary context switches (which include one private wait per
 * thread per isolation, two in --mode now), the requester's own (its
 * sleeps in rdv_isolate(), from its RUSAGE_THREAD), and the wall time.
 *
 * Both librdv 1.1 (linked) and "before" (the librdv of
 * RDV_BENCH_BEFORE_COMMIT, a module built from `git show` output, see
 * bench-before.h) run in this process, rounds interleaved (the first of a
 * round alternates); each figure is the median over isolations, ratios are
 * of the medians. Target: librdv 1.1's futex sleeps per isolation, per
 * thread that reaches its safe point, <= 4 (issue 9: "bounded by a small
 * constant per thread"; before, every arrival woke every sleeper).
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench-before.h"
#include "bench.h"

#define PROG "rdv-bench-storm"
#define MAX_THREADS 1024
#define MAX_SAMPLES 1000
#define STOP UINT32_MAX
#define POLL_NS 100000	  /* quiet detection: one look every 100 us */
#define QUIET_LOOKS 2	  /* that many looks in a row ... */
#define QUIET_FRACTION 20 /* ... with others' CPU < 1/20 of wall time */
#define TARGET_SLEEPS_PER_THREAD 4.0
#define STUCK_S 120 /* one library's isolations take a few seconds at most */

enum mode { MODE_END, MODE_NOW };

struct worker {
	pthread_t thread;
	_Atomic uint32_t go;	  /* conductor: the isolation to arrive for, or STOP */
	_Atomic uint32_t arrived; /* worker: its harmless_now() for `go` returned */
	_Atomic uint32_t done;	  /* worker: out of librdv for `go` */
} __attribute__((aligned(64)));

static struct {
	const struct bench_rdv *lib;
	enum mode mode;
	struct rdv *dom;
	unsigned nworkers;
	struct worker *workers;
	struct worker requester;     /* go / arrived: requesting / done: released */
	long requester_vcsw;	     /* its voluntary switches in the last isolation */
	_Atomic uint32_t round_over; /* --mode now: harmless sections may end */
	_Atomic unsigned registered;
	uint64_t deadline; /* poll_until() gives up then */
} S;

/* One isolation's figures. */
struct sample {
	double sleeps, wakes, blocked;
	double cpu_ms;	       /* precise: CPU clocks */
	double sys_ms, all_ms; /* getrusage: system, user+system (see summarize()) */
	double vcsw, requester_vcsw, wall_ms;
	double gap_us; /* median wait for quiet after an arrival */
	unsigned overlapped;
};

static long futex(_Atomic uint32_t *addr, int op, uint32_t val)
{
	return syscall(SYS_futex, addr, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

/* Sleeps until *word != seen; returns the new value. No spinning: a
 * waiting thread costs no CPU, which quiet detection relies on. */
static uint32_t wait_change(_Atomic uint32_t *word, uint32_t seen)
{
	uint32_t v;

	while ((v = atomic_load(word)) == seen) {
		futex(word, FUTEX_WAIT, seen);
	}
	return v;
}

static void post(_Atomic uint32_t *word, uint32_t v, int nwake)
{
	atomic_store(word, v);
	futex(word, FUTEX_WAKE, (uint32_t)nwake);
}

static void register_or_die(struct rdv_thread **h)
{
	*h = S.lib->thread_register(S.dom);
	if (!*h) {
		fprintf(stderr, PROG ": cannot register a thread: %s\n", strerror(errno));
		exit(1);
	}
	atomic_fetch_add(&S.registered, 1);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct rdv_thread *h;
	uint32_t g = 0;

	register_or_die(&h);
	while ((g = wait_change(&w->go, g)) != STOP) {
		S.lib->harmless_now(h); /* the safe point: one arrival */
		atomic_store(&w->arrived, g);
		if (S.mode == MODE_NOW) {
			uint32_t r = atomic_load(&S.round_over);

			while (r != g) {
				r = wait_change(&S.round_over, r);
			}
		}
		S.lib->harmless_end(h); /* --mode end: blocks until the release */
		atomic_store(&w->done, g);
	}
	S.lib->thread_unregister(h);
	return NULL;
}

static void *requester_main(void *arg)
{
	struct worker *w = arg;
	struct rdv_thread *h;
	uint32_t g = 0;

	register_or_die(&h);
	while ((g = wait_change(&w->go, g)) != STOP) {
		struct rusage a, b;

		getrusage(RUSAGE_THREAD, &a);
		atomic_store(&w->arrived, g);
		S.lib->isolate(h);
		S.lib->release(h);
		getrusage(RUSAGE_THREAD, &b);
		S.requester_vcsw = b.ru_nvcsw - a.ru_nvcsw; /* read after `done` */
		atomic_store(&w->done, g);
	}
	S.lib->thread_unregister(h);
	return NULL;
}

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CPU time of every thread of the process but the calling one. */
static uint64_t others_cpu_ns(void)
{
	uint64_t all = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	uint64_t mine = clock_ns(CLOCK_THREAD_CPUTIME_ID);

	return all > mine ? all - mine : 0;
}

static void nap(long ns)
{
	struct timespec ts = {.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};

	nanosleep(&ts, NULL);
}

/*
 * Returns once the other threads have used less than 1/QUIET_FRACTION of
 * the wall time for QUIET_LOOKS looks in a row (all asleep), true; false
 * when max_ns passed first (then the next arrival overlaps this one).
 */
static bool wait_quiet(uint64_t max_ns)
{
	uint64_t start = bench_now_ns(), wall = start, cpu = others_cpu_ns();
	int quiet = 0;

	while (quiet < QUIET_LOOKS) {
		uint64_t w, c;

		nap(POLL_NS);
		w = bench_now_ns();
		c = others_cpu_ns();
		quiet = (c - cpu) * QUIET_FRACTION < w - wall ? quiet + 1 : 0;
		wall = w;
		cpu = c;
		if (quiet < QUIET_LOOKS && w - start > max_ns) {
			return false;
		}
	}
	return true;
}

/* Polls (cheaply: the wait is short) until *word == want. A library that
 * never lets a thread through ends the run, rather than hanging it. */
static void poll_until(_Atomic uint32_t *word, uint32_t want)
{
	while (atomic_load(word) != want) {
		if (bench_now_ns() > S.deadline) {
			fprintf(stderr, PROG ": cannot finish: %s stuck for %d s (a deadlock?)\n",
				S.lib->name, STUCK_S);
			exit(1);
		}
		nap(20000);
	}
}

struct usage {
	struct rusage self, me;
	struct rdv_stats st;
	uint64_t wall, cpu;
};

static void usage_now(struct usage *u)
{
	S.lib->get_stats(S.dom, &u->st);
	getrusage(RUSAGE_SELF, &u->self);
	getrusage(RUSAGE_THREAD, &u->me);
	u->cpu = others_cpu_ns();
	u->wall = bench_now_ns();
}

static double tv_ms(const struct timeval *a, const struct timeval *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_usec - a->tv_usec) / 1e3;
}

/* One isolation, number g, with the threads set up and asleep. */
static void isolate_once(uint32_t g, uint64_t max_gap_ns, struct sample *out)
{
	struct usage a, b;
	double gaps[MAX_THREADS];
	double unused;

	out->overlapped = 0;
	usage_now(&a);
	post(&S.requester.go, g, 1);
	poll_until(&S.requester.arrived, g);
	if (!wait_quiet(max_gap_ns)) { /* the requester sleeps in rdv_isolate() */
		out->overlapped++;
	}
	for (unsigned i = 0; i < S.nworkers; i++) {
		struct worker *w = &S.workers[i];
		uint64_t t0 = bench_now_ns();

		post(&w->go, g, 1);
		poll_until(&w->arrived, g);
		if (!wait_quiet(max_gap_ns)) {
			out->overlapped++;
		}
		gaps[i] = (double)(bench_now_ns() - t0) / 1e3;
	}
	if (S.mode == MODE_NOW) {
		poll_until(&S.requester.done, g);
		post(&S.round_over, g, INT_MAX);
	}
	poll_until(&S.requester.done, g);
	for (unsigned i = 0; i < S.nworkers; i++) {
		poll_until(&S.workers[i].done, g);
	}
	wait_quiet(max_gap_ns);
	usage_now(&b);

	out->sleeps = (double)(b.st.sleeps - a.st.sleeps);
	out->wakes = (double)(b.st.wakes - a.st.wakes);
	out->blocked = (double)(b.st.blocked - a.st.blocked);
	out->cpu_ms = (double)(b.cpu - a.cpu) / 1e6;
	out->sys_ms =
	    tv_ms(&a.self.ru_stime, &b.self.ru_stime) - tv_ms(&a.me.ru_stime, &b.me.ru_stime);
	out->all_ms = out->sys_ms + tv_ms(&a.self.ru_utime, &b.self.ru_utime) -
		      tv_ms(&a.me.ru_utime, &b.me.ru_utime);
	out->vcsw = (double)((b.self.ru_nvcsw - a.self.ru_nvcsw) - (b.me.ru_nvcsw - a.me.ru_nvcsw));
	out->requester_vcsw = (double)S.requester_vcsw;
	out->wall_ms = (double)(b.wall - a.wall) / 1e6;
	bench_min_median(gaps, S.nworkers, &unused, &out->gap_us);
}

/* Sets up lib's domain and threads, runs n isolations, tears down. */
static int run_lib(const struct bench_rdv *lib, unsigned nworkers, enum mode mode, int n,
		   uint64_t max_gap_ns, struct sample *out)
{
	pthread_attr_t attr;
	int ret = 0;

	memset(&S, 0, sizeof(S));
	S.lib = lib;
	S.mode = mode;
	S.nworkers = nworkers;
	S.deadline = bench_now_ns() + STUCK_S * UINT64_C(1000000000);
	S.workers = calloc(nworkers, sizeof(*S.workers));
	S.dom = lib->create(nworkers + 1);
	if (!S.workers || !S.dom) {
		fprintf(stderr, PROG ": cannot set up %s: %s\n", lib->name, strerror(errno));
		free(S.workers);
		return -1;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	if (pthread_create(&S.requester.thread, &attr, requester_main, &S.requester)) {
		fprintf(stderr, PROG ": cannot create the requester thread\n");
		exit(1);
	}
	for (unsigned i = 0; i < nworkers; i++) {
		if (pthread_create(&S.workers[i].thread, &attr, worker_main, &S.workers[i])) {
			fprintf(stderr, PROG ": cannot create thread %u of %u\n", i, nworkers);
			exit(1);
		}
	}
	pthread_attr_destroy(&attr);
	while (atomic_load(&S.registered) != nworkers + 1) {
		nap(1000000);
	}
	if (!wait_quiet(2000000000)) {
		fprintf(stderr, PROG ": warning: the threads did not settle before the first "
				     "isolation\n");
	}
	for (int k = 0; k < n; k++) {
		isolate_once((uint32_t)k + 1, max_gap_ns, &out[k]);
	}
	post(&S.requester.go, STOP, 1);
	for (unsigned i = 0; i < nworkers; i++) {
		post(&S.workers[i].go, STOP, 1);
	}
	pthread_join(S.requester.thread, NULL);
	for (unsigned i = 0; i < nworkers; i++) {
		pthread_join(S.workers[i].thread, NULL);
	}
	lib->destroy(S.dom);
	free(S.workers);
	return ret;
}

struct summary {
	double sleeps, wakes, blocked, cpu_ms, sys_ms, vcsw, requester_vcsw, wall_ms, gap_us;
	unsigned overlapped, arrivals;
};

static double median_of(const struct sample *s, int n, size_t offset)
{
	double v[MAX_SAMPLES], unused, med;

	for (int i = 0; i < n; i++) {
		v[i] = *(const double *)((const char *)&s[i] + offset);
	}
	bench_min_median(v, (size_t)n, &unused, &med);
	return med;
}

static void summarize(const struct sample *s, int n, unsigned nworkers, struct summary *m)
{
	m->sleeps = median_of(s, n, offsetof(struct sample, sleeps));
	m->wakes = median_of(s, n, offsetof(struct sample, wakes));
	m->blocked = median_of(s, n, offsetof(struct sample, blocked));
	m->cpu_ms = median_of(s, n, offsetof(struct sample, cpu_ms));
	/*
	 * With tick-based accounting the kernel splits a thread's exact CPU
	 * time into user and system by sampling at each tick (4 ms at HZ=250),
	 * and the conductor's own share is subtracted: one isolation's system
	 * time, or a small one, is noise (even negative). So the system share
	 * is taken over all the isolations of the run (clamped to [0, 1]) and
	 * applied to the exact CPU time: an estimate, good to a few ms.
	 */
	double sys = 0, all = 0, share;

	for (int i = 0; i < n; i++) {
		sys += s[i].sys_ms;
		all += s[i].all_ms;
	}
	share = all > 0 ? sys / all : 0;
	m->sys_ms = m->cpu_ms * (share < 0 ? 0 : share > 1 ? 1 : share);
	m->vcsw = median_of(s, n, offsetof(struct sample, vcsw));
	m->requester_vcsw = median_of(s, n, offsetof(struct sample, requester_vcsw));
	m->wall_ms = median_of(s, n, offsetof(struct sample, wall_ms));
	m->gap_us = median_of(s, n, offsetof(struct sample, gap_us));
	m->overlapped = 0;
	for (int i = 0; i < n; i++) {
		m->overlapped += s[i].overlapped;
	}
	m->arrivals = (unsigned)n * (nworkers + 1);
}

static void print_summary(const char *impl, unsigned nworkers, const char *mode, int n,
			  const struct summary *m)
{
	printf("bench=storm impl=%s threads=%u mode=%s isolations=%d sleeps_per_isolation=%.0f "
	       "sleeps_per_thread=%.3f wakes_per_isolation=%.0f blocked_per_isolation=%.0f "
	       "cpu_ms_per_isolation=%.3f sys_ms_per_isolation=%.3f vcsw_per_isolation=%.0f "
	       "requester_vcsw_per_isolation=%.0f wall_ms_per_isolation=%.1f gap_us_p50=%.0f "
	       "overlapped=%u/%u\n",
	       impl, nworkers, mode, n, m->sleeps, m->sleeps / nworkers, m->wakes, m->blocked,
	       m->cpu_ms, m->sys_ms, m->vcsw, m->requester_vcsw, m->wall_ms, m->gap_us,
	       m->overlapped, m->arrivals);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [--mode end|now] [--rounds R] [--isolations K]\n"
		"       [--before PATH|none] [--max-gap-ms MS] THREADS\n"
		"The wake-up storm: a requester waits in rdv_isolate() while THREADS running\n"
		"threads (1..%d) reach their safe point one at a time (--mode end:\n"
		"rdv_harmless_now() then rdv_harmless_end(), which blocks; --mode now:\n"
		"rdv_harmless_now(), harmless until the release). Futex sleeps, CPU time and\n"
		"context switches per isolation, librdv vs the librdv of commit %s\n"
		"(--before: its module, default the one built; none: skip it). R rounds\n"
		"(default 5) of K isolations (default 1) per library, interleaved; medians.\n"
		"--max-gap-ms: longest wait for quiet after an arrival (default 500).\n"
		"Prints bench=storm lines.\n",
		MAX_THREADS, bench_before_commit());
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"mode", required_argument, NULL, 'm'},
					     {"rounds", required_argument, NULL, 'r'},
					     {"isolations", required_argument, NULL, 'k'},
					     {"before", required_argument, NULL, 'b'},
					     {"max-gap-ms", required_argument, NULL, 'g'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	struct bench_rdv libs[2];
	static struct sample samples[2][MAX_SAMPLES];
	struct summary sum[2];
	const char *before = bench_before_default();
	long rounds = 5, per = 1, nworkers, max_gap_ms = 500;
	enum mode mode = MODE_END;
	int nlibs = 1, n = 0, c;
	char err[512];
	double per_thread;

	while ((c = getopt_long(argc, argv, "m:r:k:b:g:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (strcmp(optarg, "end") == 0) {
				mode = MODE_END;
			} else if (strcmp(optarg, "now") == 0) {
				mode = MODE_NOW;
			} else {
				fprintf(stderr,
					PROG ": cannot use --mode '%s': expected end or now\n",
					optarg);
				return 2;
			}
			break;
		case 'r':
			if (!bench_parse_long(PROG, "--rounds", optarg, 1, 100, &rounds)) {
				return 2;
			}
			break;
		case 'k':
			if (!bench_parse_long(PROG, "--isolations", optarg, 1, 10, &per)) {
				return 2;
			}
			break;
		case 'b':
			before = strcmp(optarg, "none") == 0 ? NULL : optarg;
			break;
		case 'g':
			if (!bench_parse_long(PROG, "--max-gap-ms", optarg, 1, 60000,
					      &max_gap_ms)) {
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
	if (argc - optind != 1) {
		fprintf(stderr, PROG ": cannot run: expected THREADS (see --help)\n");
		return 2;
	}
	if (!bench_parse_long(PROG, "THREADS", argv[optind], 1, MAX_THREADS, &nworkers)) {
		return 2;
	}
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0); /* 100 us looks, not 150 */

	bench_rdv_linked(&libs[0]);
	if (before) {
		if (!bench_rdv_before(&libs[1], before, err, sizeof(err))) {
			fprintf(stderr, PROG ": cannot load the before library '%s': %s\n", before,
				err);
			return 1;
		}
		nlibs = 2;
	}
	for (long r = 0; r < rounds; r++) {
		for (int k = 0; k < nlibs; k++) {
			int i = (int)((r + k) % nlibs);

			if (run_lib(&libs[i], (unsigned)nworkers, mode, (int)per,
				    (uint64_t)max_gap_ms * 1000000u, &samples[i][n])) {
				return 1;
			}
		}
		n += (int)per;
	}
	for (int i = 0; i < nlibs; i++) {
		summarize(samples[i], n, (unsigned)nworkers, &sum[i]);
		print_summary(libs[i].name, (unsigned)nworkers, mode == MODE_END ? "end" : "now", n,
			      &sum[i]);
	}
	if (nlibs == 2) {
		printf("bench=storm impl=rdv threads=%ld mode=%s sleeps_per_isolation=%.0f "
		       "before_sleeps_per_isolation=%.0f sleeps_ratio_vs_before=%.4f "
		       "cpu_ms_per_isolation=%.3f before_cpu_ms_per_isolation=%.3f "
		       "cpu_ratio_vs_before=%.4f sys_ms_per_isolation=%.3f "
		       "before_sys_ms_per_isolation=%.3f before_commit=%s\n",
		       nworkers, mode == MODE_END ? "end" : "now", sum[0].sleeps, sum[1].sleeps,
		       sum[1].sleeps > 0 ? sum[0].sleeps / sum[1].sleeps : 0.0, sum[0].cpu_ms,
		       sum[1].cpu_ms, sum[1].cpu_ms > 0 ? sum[0].cpu_ms / sum[1].cpu_ms : 0.0,
		       sum[0].sys_ms, sum[1].sys_ms, bench_before_commit());
	}
	per_thread = sum[0].sleeps / (double)nworkers;
	printf("bench=storm impl=rdv threads=%ld mode=%s sleeps_per_thread=%.3f "
	       "separate_arrivals=%s target=<=%.0f %s\n",
	       nworkers, mode == MODE_END ? "end" : "now", per_thread,
	       sum[0].overlapped ? "no" : "yes", TARGET_SLEEPS_PER_THREAD,
	       bench_verdict(per_thread, TARGET_SLEEPS_PER_THREAD));
	return 0;
}
