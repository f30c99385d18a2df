/* SPDX-License-Identifier: MIT */
/*
 * rdv-bench-isolate: request -> grant latency of an isolation while WORKERS
 * threads sleep in epoll_wait() with nothing to wake them, against the
 * baseline rdv replaces: HAProxy's old wake-every-thread sync point.
 *
 *   rdv       each worker: rdv_idle_now(); epoll_wait(); rdv_idle_end().
 *             The control thread (registered too) times rdv_isolate(), then
 *             rdv_release()s. Sleeping workers are idle, so the grant needs
 *             none of them: nobody is woken.
 *   wake_all  every worker also polls one shared eventfd. The requester
 *             writes it (waking every worker), each worker arrives at a
 *             barrier and waits there; the request is granted when all have
 *             arrived. The requester then reads the eventfd back to zero
 *             (before anyone may poll again, so nobody is woken twice),
 *             opens the barrier and waits until every worker is on its way
 *             back to epoll_wait(). Waits spin briefly, then sleep on a
 *             futex: a fair, not a straw-man, version of the old design
 *             (HAProxy's spun, which would be far worse with 64 threads on
 *             2 cores).
 *
 * The latency includes one clock read (clock_ns= gives two back-to-back
 * reads' p50, the floor of what can be measured).
 *
 * Both: N isolations (--iterations, bounded by DURATION seconds), a pause
 * between them (--pause-us), in R rounds (--rounds) that alternate the two
 * implementations (each round sets up its own workers; the first of a round
 * alternates), so that a drift of the machine hits both alike. Reported per
 * implementation, over all its rounds: p50/p99/max of
 * the latency (CLOCK_MONOTONIC around the request), the process CPU time
 * over the isolations (getrusage RUSAGE_SELF, user+sys; and how much of it
 * is the control thread's own, RUSAGE_THREAD: its requests and pauses, the
 * rest is the workers'), and the voluntary
 * context switches of the workers over the same window (read from
 * /proc/self/task/TID/status before and after): the wake-ups each
 * isolation caused. Targets: rdv p50 <= 2 us, <= 1/100 of wake_all's p50
 * (judged on the median over rounds of the ratio of the two p50s of a
 * round), and no worker wake-up.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"
#include "rdv/rdv.h"

#define PROG "rdv-bench-isolate"
#define MAX_WORKERS 1024
#define SPIN_CHECKS 200
#define MAX_ROUNDS 101

enum impl { IMPL_RDV, IMPL_WAKE_ALL };

struct worker {
	pthread_t thread;
	pid_t tid;
	struct rdv_thread *handle; /* weak: belongs to the domain */
	long vcsw, ivcsw;	   /* at the start of the window, then deltas */
};

static struct {
	enum impl impl;
	unsigned nworkers;
	int stop_fd; /* written once at the end: wakes every worker for good */
	int sync_fd; /* wake_all: the "please sync" eventfd */
	struct rdv *dom;
	_Atomic unsigned ready;	     /* workers about to enter their loop */
	_Atomic uint32_t arrived;    /* wake_all: workers at the barrier */
	_Atomic uint32_t departed;   /* wake_all: workers out of the barrier */
	_Atomic uint32_t generation; /* wake_all: bumped to open the barrier */
	struct worker *workers;
} S;

static long futex(_Atomic uint32_t *addr, int op, uint32_t val)
{
	return syscall(SYS_futex, addr, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/* Spins briefly, then sleeps, until *word != seen. */
static void wait_change(_Atomic uint32_t *word, uint32_t seen)
{
	for (int i = 0; i < SPIN_CHECKS; i++) {
		if (atomic_load(word) != seen) {
			return;
		}
		cpu_relax();
	}
	while (atomic_load(word) == seen) {
		futex(word, FUTEX_WAIT, seen);
	}
}

/* Spins briefly, then sleeps, until *word == want (woken by whoever sets it). */
static void wait_value(_Atomic uint32_t *word, uint32_t want)
{
	uint32_t v;

	for (int i = 0; i < SPIN_CHECKS; i++) {
		if (atomic_load(word) == want) {
			return;
		}
		cpu_relax();
	}
	while ((v = atomic_load(word)) != want) {
		futex(word, FUTEX_WAIT, v);
	}
}

/* The old sync point, worker side: arrive, wait for the barrier to open. */
static void wake_all_arrive(void)
{
	uint32_t gen = atomic_load(&S.generation); /* before arriving: cannot miss the bump */

	if (atomic_fetch_add(&S.arrived, 1) + 1 == S.nworkers) {
		futex(&S.arrived, FUTEX_WAKE, 1);
	}
	wait_change(&S.generation, gen);
	if (atomic_fetch_add(&S.departed, 1) + 1 == S.nworkers) {
		futex(&S.departed, FUTEX_WAKE, 1);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event ev = {.events = EPOLLIN};
	int ep = epoll_create1(EPOLL_CLOEXEC);

	w->tid = (pid_t)syscall(SYS_gettid);
	ev.data.fd = S.stop_fd;
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, S.stop_fd, &ev)) {
		fprintf(stderr, PROG ": cannot set up epoll: %s\n", strerror(errno));
		exit(1);
	}
	if (S.impl == IMPL_WAKE_ALL) {
		ev.data.fd = S.sync_fd;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, S.sync_fd, &ev)) {
			fprintf(stderr, PROG ": cannot set up epoll: %s\n", strerror(errno));
			exit(1);
		}
	} else {
		w->handle = rdv_thread_register(S.dom);
		if (!w->handle) {
			fprintf(stderr, PROG ": cannot register a worker: %s\n", strerror(errno));
			exit(1);
		}
	}
	atomic_fetch_add(&S.ready, 1);

	for (bool stop = false; !stop;) {
		struct epoll_event evs[4];
		int n;

		if (S.impl == IMPL_RDV) {
			rdv_idle_now(w->handle);
		}
		n = epoll_wait(ep, evs, 4, -1);
		if (S.impl == IMPL_RDV) {
			rdv_idle_end(w->handle);
		}
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == S.stop_fd) {
				stop = true;
			} else if (evs[i].data.fd == S.sync_fd) {
				wake_all_arrive();
			}
		}
	}
	if (S.impl == IMPL_RDV) {
		rdv_thread_unregister(w->handle);
	}
	close(ep);
	return NULL;
}

/* Reads a task's state letter and context-switch counts; false if gone. */
static bool task_read(pid_t tid, char *state, long *vcsw, long *ivcsw)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)tid);
	f = fopen(path, "r");
	if (!f) {
		return false;
	}
	while (fgets(line, sizeof(line), f)) {
		if (state && strncmp(line, "State:", 6) == 0) {
			sscanf(line + 6, " %c", state);
		} else if (vcsw && strncmp(line, "voluntary_ctxt_switches:", 24) == 0) {
			*vcsw = strtol(line + 24, NULL, 10);
		} else if (ivcsw && strncmp(line, "nonvoluntary_ctxt_switches:", 27) == 0) {
			*ivcsw = strtol(line + 27, NULL, 10);
		}
	}
	fclose(f);
	return true;
}

/* Waits (up to ~2 s) until every worker sleeps; false if some never did. */
static bool workers_asleep(void)
{
	for (int tries = 0; tries < 200; tries++) {
		unsigned sleeping = 0;

		for (unsigned i = 0; i < S.nworkers; i++) {
			char st = '?';

			if (task_read(S.workers[i].tid, &st, NULL, NULL) && st == 'S') {
				sleeping++;
			}
		}
		if (sleeping == S.nworkers) {
			return true;
		}
		usleep(10000);
	}
	return false;
}

/* CPU time (user+sys) of the process (RUSAGE_SELF) or the calling thread. */
static double cpu_seconds(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* One isolation of the wake_all baseline; returns when granted. */
static void wake_all_request(void)
{
	uint64_t one = 1;

	atomic_store(&S.departed, 0);
	if (write(S.sync_fd, &one, sizeof(one)) != sizeof(one)) {
		fprintf(stderr, PROG ": cannot write the sync eventfd: %s\n", strerror(errno));
		exit(1);
	}
	wait_value(&S.arrived, S.nworkers);
}

static void wake_all_release(void)
{
	uint64_t v;

	/* Everyone has left epoll_wait(): reset the eventfd before they poll again. */
	if (read(S.sync_fd, &v, sizeof(v)) != sizeof(v)) {
		fprintf(stderr, PROG ": cannot read the sync eventfd: %s\n", strerror(errno));
		exit(1);
	}
	atomic_store(&S.arrived, 0);
	atomic_fetch_add(&S.generation, 1);
	futex(&S.generation, FUTEX_WAKE, INT_MAX);
	/* Let them get back to epoll_wait() before the next request. */
	wait_value(&S.departed, S.nworkers);
}

/* One implementation's figures, summed over its rounds. */
struct result {
	long isolations;
	uint64_t p50, p99, max; /* over every isolation of every round */
	double cpu_s;		/* the process */
	double control_cpu_s;	/* of which the control thread (requests, pauses) */
	long vcsw, ivcsw;	/* workers, over the windows */
	uint64_t *lat;		/* owned: every round's latencies */
	int rounds;
	double round_p50[MAX_ROUNDS];
};

static int run(enum impl impl, unsigned nworkers, long iterations, double duration, long pause_us,
	       struct result *res)
{
	struct rdv_thread *me = NULL;
	struct timespec pause = {.tv_sec = pause_us / 1000000,
				 .tv_nsec = (pause_us % 1000000) * 1000};
	uint64_t *lat = calloc((size_t)iterations, sizeof(*lat));
	uint64_t deadline, one = 1;
	double cpu0, control_cpu0;
	long n = 0;
	uint64_t p50;

	memset(&S, 0, sizeof(S));
	S.impl = impl;
	S.nworkers = nworkers;
	S.workers = calloc(nworkers, sizeof(*S.workers));
	S.stop_fd = eventfd(0, EFD_CLOEXEC);
	S.sync_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!lat || !S.workers || S.stop_fd < 0 || S.sync_fd < 0) {
		fprintf(stderr, PROG ": cannot set up: %s\n", strerror(errno));
		return -1;
	}
	if (impl == IMPL_RDV) {
		S.dom = rdv_create(nworkers + 1);
		me = S.dom ? rdv_thread_register(S.dom) : NULL;
		if (!me) {
			fprintf(stderr, PROG ": cannot set up an rdv domain: %s\n",
				strerror(errno));
			return -1;
		}
	}
	for (unsigned i = 0; i < nworkers; i++) {
		if (pthread_create(&S.workers[i].thread, NULL, worker_main, &S.workers[i])) {
			fprintf(stderr, PROG ": cannot create worker %u\n", i);
			exit(1);
		}
	}
	while (atomic_load(&S.ready) != nworkers) {
		usleep(1000);
	}
	if (!workers_asleep()) {
		fprintf(stderr, PROG ": cannot run: workers did not all go to sleep\n");
		exit(1);
	}

	for (unsigned i = 0; i < nworkers; i++) {
		task_read(S.workers[i].tid, NULL, &S.workers[i].vcsw, &S.workers[i].ivcsw);
	}
	cpu0 = cpu_seconds(RUSAGE_SELF);
	control_cpu0 = cpu_seconds(RUSAGE_THREAD);
	deadline = bench_now_ns() + (uint64_t)(duration * 1e9);
	for (n = 0; n < iterations; n++) {
		uint64_t t0, t1;

		if (n > 0 && bench_now_ns() > deadline) {
			break;
		}
		if (impl == IMPL_RDV) {
			t0 = bench_now_ns();
			rdv_isolate(me);
			t1 = bench_now_ns();
			rdv_release(me);
		} else {
			t0 = bench_now_ns();
			wake_all_request();
			t1 = bench_now_ns();
			wake_all_release();
		}
		lat[n] = t1 - t0;
		nanosleep(&pause, NULL);
	}
	res->cpu_s += cpu_seconds(RUSAGE_SELF) - cpu0;
	res->control_cpu_s += cpu_seconds(RUSAGE_THREAD) - control_cpu0;
	for (unsigned i = 0; i < nworkers; i++) {
		long v = 0, iv = 0;

		task_read(S.workers[i].tid, NULL, &v, &iv);
		res->vcsw += v - S.workers[i].vcsw;
		res->ivcsw += iv - S.workers[i].ivcsw;
	}

	if (write(S.stop_fd, &one, sizeof(one)) != sizeof(one)) {
		fprintf(stderr, PROG ": cannot stop the workers: %s\n", strerror(errno));
		exit(1);
	}
	for (unsigned i = 0; i < nworkers; i++) {
		pthread_join(S.workers[i].thread, NULL);
	}
	if (impl == IMPL_RDV) {
		rdv_thread_unregister(me);
		rdv_destroy(S.dom);
	}
	close(S.stop_fd);
	close(S.sync_fd);
	free(S.workers);

	memcpy(res->lat + res->isolations, lat, (size_t)n * sizeof(*lat));
	res->isolations += n;
	qsort(lat, (size_t)n, sizeof(*lat), bench_cmp_u64);
	p50 = bench_percentile(lat, (size_t)n, 0.50);
	res->round_p50[res->rounds++] = (double)p50;
	free(lat);
	return 0;
}

/* After the last round: the percentiles over every isolation. */
static void finish(struct result *r)
{
	qsort(r->lat, (size_t)r->isolations, sizeof(*r->lat), bench_cmp_u64);
	r->p50 = bench_percentile(r->lat, (size_t)r->isolations, 0.50);
	r->p99 = bench_percentile(r->lat, (size_t)r->isolations, 0.99);
	r->max = r->lat[r->isolations - 1];
}

/* Median over rounds of rdv's p50 over wake_all's p50 in the same round. */
static double paired_ratio(const struct result *a, const struct result *b)
{
	double v[MAX_ROUNDS], unused, med;

	for (int i = 0; i < a->rounds; i++) {
		v[i] = a->round_p50[i] / b->round_p50[i];
	}
	bench_min_median(v, (size_t)a->rounds, &unused, &med);
	return med;
}

/* p50 of two back-to-back clock reads: the floor under every latency here. */
static uint64_t clock_floor_ns(void)
{
	uint64_t d[1001];

	for (int i = 0; i < 1001; i++) {
		uint64_t t0 = bench_now_ns();

		d[i] = bench_now_ns() - t0;
	}
	qsort(d, 1001, sizeof(*d), bench_cmp_u64);
	return d[500];
}

static void print_result(const char *impl, unsigned nworkers, const struct result *r,
			 uint64_t clock_ns)
{
	printf(
	    "bench=isolate_latency impl=%s workers=%u isolations=%ld p50_ns=%llu p99_ns=%llu "
	    "clock_ns=%llu max_ns=%llu cpu_ms=%.1f cpu_us_per_isolation=%.2f control_cpu_ms=%.1f "
	    "others_cpu_ms=%.1f worker_vcsw=%ld worker_vcsw_per_isolation=%.3f "
	    "vcsw_per_worker_per_isolation=%.3f worker_ivcsw=%ld\n",
	    impl, nworkers, r->isolations, (unsigned long long)r->p50, (unsigned long long)r->p99,
	    (unsigned long long)clock_ns, (unsigned long long)r->max, r->cpu_s * 1e3,
	    r->cpu_s * 1e6 / (double)r->isolations, r->control_cpu_s * 1e3,
	    r->cpu_s > r->control_cpu_s ? (r->cpu_s - r->control_cpu_s) * 1e3 : 0.0, r->vcsw,
	    (double)r->vcsw / (double)r->isolations,
	    (double)r->vcsw / (double)r->isolations / nworkers, r->ivcsw);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: " PROG " [--iterations N] [--pause-us U] [--rounds R] WORKERS DURATION\n"
		   "Isolation request->grant latency with WORKERS threads asleep in epoll_wait(),\n"
		   "rdv vs a wake-every-thread sync point (eventfd + barrier). Each\n"
		   "implementation runs N isolations (default 2000) or for DURATION seconds,\n"
		   "whichever ends first, pausing U microseconds between them (default 50),\n"
		   "split into R rounds (default 5) that alternate the implementations.\n"
		   "Prints bench=isolate_latency lines: p50/p99, CPU time, worker wake-ups.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"iterations", required_argument, NULL, 'n'},
					     {"pause-us", required_argument, NULL, 'p'},
					     {"rounds", required_argument, NULL, 'r'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	long iterations = 2000, pause_us = 50, rounds = 5, nworkers;
	static struct result rdv, base;
	double duration, ratio, wake_per_iso;
	uint64_t clock_ns;
	int c;

	while ((c = getopt_long(argc, argv, "n:p:r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (!bench_parse_long(PROG, "--iterations", optarg, 1, 10000000,
					      &iterations)) {
				return 2;
			}
			break;
		case 'p':
			if (!bench_parse_long(PROG, "--pause-us", optarg, 0, 1000000, &pause_us)) {
				return 2;
			}
			break;
		case 'r':
			if (!bench_parse_long(PROG, "--rounds", optarg, 1, MAX_ROUNDS, &rounds)) {
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
		fprintf(stderr, PROG ": cannot run: expected WORKERS DURATION (see --help)\n");
		return 2;
	}
	if (!bench_parse_long(PROG, "WORKERS", argv[optind], 1, MAX_WORKERS, &nworkers) ||
	    !bench_parse_seconds(PROG, "DURATION", argv[optind + 1], 3600, &duration)) {
		return 2;
	}
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0); /* a 50 us pause, not 100 */

	if (rounds > iterations) {
		rounds = iterations;
	}
	rdv.lat = calloc((size_t)iterations, sizeof(*rdv.lat));
	base.lat = calloc((size_t)iterations, sizeof(*base.lat));
	if (!rdv.lat || !base.lat) {
		fprintf(stderr, PROG ": cannot allocate: %s\n", strerror(errno));
		return 1;
	}
	for (long r = 0; r < rounds; r++) {
		/* The last round takes what the others left. */
		long n = r < rounds - 1 ? iterations / rounds
					: iterations - (rounds - 1) * (iterations / rounds);
		double d = duration / (double)rounds;

		for (int k = 0; k < 2; k++) {
			enum impl i = (r + k) % 2 ? IMPL_WAKE_ALL : IMPL_RDV;

			if (run(i, (unsigned)nworkers, n, d, pause_us,
				i == IMPL_RDV ? &rdv : &base)) {
				return 1;
			}
		}
	}
	finish(&rdv);
	finish(&base);
	clock_ns = clock_floor_ns();
	print_result("rdv", (unsigned)nworkers, &rdv, clock_ns);
	print_result("wake_all", (unsigned)nworkers, &base, clock_ns);

	ratio = paired_ratio(&rdv, &base);
	wake_per_iso = (double)rdv.vcsw / (double)rdv.isolations;
	printf("bench=isolate_latency impl=rdv workers=%ld p50_ns=%llu target=<=2000 %s\n",
	       nworkers, (unsigned long long)rdv.p50, bench_verdict((double)rdv.p50, 2000));
	printf("bench=isolate_latency impl=rdv workers=%ld p50_ns=%llu wake_all_p50_ns=%llu "
	       "ratio_vs_wake_all=%.5f rounds=%d target=<=0.01 %s\n",
	       nworkers, (unsigned long long)rdv.p50, (unsigned long long)base.p50, ratio,
	       rdv.rounds, bench_verdict(ratio, 0.01));
	printf("bench=isolate_latency impl=rdv workers=%ld worker_wakeups_per_isolation=%.3f "
	       "wake_all_wakeups_per_isolation=%.3f target=<=0.01 %s\n",
	       nworkers, wake_per_iso, (double)base.vcsw / (double)base.isolations,
	       bench_verdict(wake_per_iso, 0.01));
	return 0;
}
