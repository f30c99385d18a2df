/* SPDX-License-Identifier: MIT */
/*
 * Workloads the analyzer was not built on, for the adversarial tests
 * (tests/analyzer/scenario.sh): each SCENARIO makes a trace shape that the
 * blame reference (blame-check.py), the state reference (check-report.py)
 * and every tool (consistency.py) must agree on.
 *
 *   scenario-workload SCENARIO [--threads N] [--iterations K] [--seed S]
 *
 *   many      N (default 100) workers in one domain (more than one mask
 *             word), each running, harmless, idle at random; two
 *             requesters isolating plain and full at once (queueing)
 *   domains   two domains in one process; every worker is registered in
 *             both, requesters in each
 *   fork      the process forks a child that creates its own domain
 *             (the same domain id in another vpid) and isolates in it,
 *             while the parent does the same
 *   forkreg   the main thread, registered, forks while the others run; the
 *             child keeps it registered, starts new threads in the
 *             inherited domain and isolates there
 *   timeout   timed requests (plain and full) that mostly give up on a
 *             worker that runs long, and a stall handler
 *   churn     workers that register late (during isolations), unregister
 *             while others isolate, and exit without unregistering
 *   one       a single isolation
 *   none      registered threads going harmless and idle, no isolation
 *   regonly   threads that only register and unregister
 *
 * Randomness is seeded (--seed), but the interleavings are the machine's.
 * With SCENARIO_PIDFILE=F in the environment, the process id is written to
 * F first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rdv/rdv.h>

static unsigned n_threads, n_iter = 200, seed = 1;
static atomic_int stop;
static struct rdv *doms[2];
static unsigned n_doms = 1;

static void spin_us(unsigned us)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do {
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < (long)us * 1000);
}

static void sleep_us(unsigned us)
{
	struct timespec ts = {us / 1000000, (us % 1000000) * 1000L};

	nanosleep(&ts, NULL);
}

static void die(const char *what)
{
	fprintf(stderr, "scenario-workload: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* One step of a worker in one domain: run, be harmless, or poll. */
static void worker_step(struct rdv_thread *me, unsigned *rs, unsigned long_run_us)
{
	unsigned r = rand_r(rs) % 8;

	if (r < 3) {
		spin_us(long_run_us ? long_run_us : 1 + (unsigned)rand_r(rs) % 40);
	} else if (r < 5) {
		rdv_harmless_now(me);
		spin_us(1 + (unsigned)rand_r(rs) % 30);
		rdv_harmless_end(me);
	} else {
		rdv_idle_now(me);
		sleep_us(1 + (unsigned)rand_r(rs) % 200);
		rdv_idle_end(me);
	}
}

struct worker_arg {
	unsigned i;
	int exit_unregistered; /* churn: exits without rdv_thread_unregister */
	unsigned start_delay_us;
	unsigned long_run_us;
};

static void *worker(void *p)
{
	struct worker_arg *a = p;
	struct rdv_thread *me[2] = {NULL, NULL};
	unsigned rs = seed * 7919 + a->i;
	unsigned d;

	sleep_us(a->start_delay_us);
	for (d = 0; d < n_doms; d++) {
		me[d] = rdv_thread_register(doms[d]);
		if (!me[d]) {
			die("rdv_thread_register");
		}
		if (n_doms == 2 && d == 0) {
			/* registered in domain 0 while registering in domain 1:
			 * harmless in domain 0 meanwhile (a registration may
			 * wait for an isolation) */
			rdv_idle_now(me[0]);
		}
	}
	if (n_doms == 2 && a->i % 3 != 0) {
		/* a worker of one domain is idle in the other for its life */
		if (a->i % 2 == 0) {
			rdv_idle_now(me[1]);
			rdv_idle_end(me[0]);
		}
	} else if (n_doms == 2) {
		rdv_idle_end(me[0]);
	}
	while (!atomic_load(&stop)) {
		if (n_doms == 2 && a->i % 3 == 0) {
			/* in both domains: only polls, nested, so that no wait in
			 * one domain holds the other back (a cross-domain cycle) */
			rdv_idle_now(me[0]);
			rdv_idle_now(me[1]);
			sleep_us(1 + (unsigned)rand_r(&rs) % 100);
			rdv_idle_end(me[1]);
			rdv_idle_end(me[0]);
			spin_us(1 + (unsigned)rand_r(&rs) % 10);
			continue;
		}
		for (d = 0; d < n_doms; d++) {
			if (n_doms == 2 && d != a->i % 2) {
				continue;
			}
			worker_step(me[d], &rs, a->long_run_us);
		}
		if (a->exit_unregistered && rand_r(&rs) % 50 == 0) {
			return NULL; /* librdv unregisters it at its exit (I8) */
		}
		if (a->start_delay_us && rand_r(&rs) % 60 == 0) {
			break; /* unregisters early, while others isolate */
		}
	}
	if (n_doms == 2 && a->i % 3 != 0) {
		rdv_idle_end(me[1 - a->i % 2]);
	}
	for (d = 0; d < n_doms; d++) {
		rdv_thread_unregister(me[d]);
	}
	return NULL;
}

struct req_arg {
	unsigned dom;
	int kind; /* 0 plain, 1 full, 2 alternate, 3 timed */
	unsigned iters;
};

static void *requester(void *p)
{
	struct req_arg *a = p;
	struct rdv_thread *me = rdv_thread_register(doms[a->dom]);
	unsigned rs = seed * 31 + a->dom * 3 + (unsigned)a->kind;
	unsigned k;

	if (!me) {
		die("rdv_thread_register");
	}
	for (k = 0; k < a->iters; k++) {
		int full = a->kind == 1 || (a->kind >= 2 && (k & 1));

		if (a->kind == 3) {
			uint64_t to = (rand_r(&rs) % 4 ? 50 : 20000) * 1000ULL;
			int rc = full ? rdv_isolate_full_timed(me, to) : rdv_isolate_timed(me, to);

			if (rc == 0) {
				spin_us(5);
				rdv_release(me);
			}
		} else {
			if (full) {
				rdv_isolate_full(me);
			} else {
				rdv_isolate(me);
			}
			spin_us(1 + (unsigned)rand_r(&rs) % 20);
			rdv_release(me);
		}
		rdv_idle_now(me);
		sleep_us(100 + (unsigned)rand_r(&rs) % 400);
		rdv_idle_end(me);
	}
	rdv_thread_unregister(me);
	return NULL;
}

static pthread_t *start(unsigned nw, struct worker_arg *wa, unsigned nr, struct req_arg *ra)
{
	pthread_t *w = calloc(nw + nr, sizeof(*w));
	unsigned i;

	if (!w) {
		die("calloc");
	}
	atomic_store(&stop, 0);
	for (i = 0; i < nw; i++) {
		if (pthread_create(&w[i], NULL, worker, &wa[i])) {
			die("pthread_create");
		}
	}
	sleep_us(2000);
	for (i = 0; i < nr; i++) {
		if (pthread_create(&w[nw + i], NULL, requester, &ra[i])) {
			die("pthread_create");
		}
	}
	return w;
}

static void finish(pthread_t *w, unsigned nw, unsigned nr)
{
	unsigned i;

	for (i = 0; i < nr; i++) {
		pthread_join(w[nw + i], NULL);
	}
	atomic_store(&stop, 1);
	for (i = 0; i < nw; i++) {
		pthread_join(w[i], NULL);
	}
	free(w);
}

static void run(unsigned nw, struct worker_arg *wa, unsigned nr, struct req_arg *ra)
{
	finish(start(nw, wa, nr, ra), nw, nr);
}

/* forkreg: the main thread, registered, forks while the others run; in the
 * child it stays registered (no event says so: librdv emits none there) and
 * new threads register in the inherited domain and isolate. */
static void forkreg(unsigned nw, struct worker_arg *wa, struct req_arg *ra)
{
	struct rdv_thread *me = rdv_thread_register(doms[0]);
	pthread_t *w;
	pid_t pid;
	int st, k;

	if (!me) {
		die("rdv_thread_register");
	}
	w = start(nw, wa, 1, ra);
	for (k = 0; k < 10; k++) {
		rdv_idle_now(me);
		sleep_us(1000);
		rdv_idle_end(me);
	}
	pid = fork();
	if (pid < 0) {
		die("fork");
	}
	if (pid == 0) {
		pthread_t *cw = start(nw, wa, 1, ra);

		for (k = 0; k < 20; k++) {
			rdv_idle_now(me);
			sleep_us(1000);
			rdv_idle_end(me);
			spin_us(20);
		}
		rdv_idle_now(me);
		finish(cw, nw, 1);
		rdv_idle_end(me);
		rdv_thread_unregister(me);
		_exit(0);
	}
	rdv_idle_now(me);
	finish(w, nw, 1);
	rdv_idle_end(me);
	rdv_thread_unregister(me);
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "scenario-workload: the child failed\n");
		exit(1);
	}
}

static int stall_seen;

static void on_stall(const struct rdv_stall *s, void *arg)
{
	(void)s;
	(void)arg;
	stall_seen++;
}

static void scenario(const char *name)
{
	struct worker_arg wa[256];
	struct req_arg ra[4];
	unsigned i, nw = n_threads;

	memset(wa, 0, sizeof(wa));
	for (i = 0; i < nw; i++) {
		wa[i].i = i;
	}
	if (!strcmp(name, "many") || !strcmp(name, "fork-child")) {
		ra[0] = (struct req_arg){0, 0, n_iter};
		ra[1] = (struct req_arg){0, 1, n_iter};
		run(nw, wa, 2, ra);
	} else if (!strcmp(name, "domains")) {
		ra[0] = (struct req_arg){0, 2, n_iter};
		ra[1] = (struct req_arg){1, 2, n_iter};
		ra[2] = (struct req_arg){1, 0, n_iter / 2};
		run(nw, wa, 3, ra);
	} else if (!strcmp(name, "timeout")) {
		rdv_set_stall_handler(doms[0], 30000, on_stall, NULL);
		wa[0].long_run_us = 300;
		ra[0] = (struct req_arg){0, 3, n_iter};
		ra[1] = (struct req_arg){0, 2, n_iter / 4};
		run(nw, wa, 2, ra);
	} else if (!strcmp(name, "churn")) {
		for (i = 0; i < nw; i++) {
			wa[i].start_delay_us = i % 3 ? 0 : 3000 + 1000 * i;
			wa[i].exit_unregistered = i % 4 == 1;
		}
		ra[0] = (struct req_arg){0, 2, n_iter};
		run(nw, wa, 1, ra);
	} else if (!strcmp(name, "forkreg")) {
		ra[0] = (struct req_arg){0, 2, n_iter};
		forkreg(nw, wa, ra);
	} else if (!strcmp(name, "one")) {
		ra[0] = (struct req_arg){0, 0, 1};
		run(nw, wa, 1, ra);
	} else if (!strcmp(name, "none")) {
		run(nw, wa, 0, ra);
	} else if (!strcmp(name, "regonly")) {
		struct rdv_thread *t[256];

		for (i = 0; i < nw; i++) {
			t[i] = rdv_thread_register(doms[0]);
		}
		for (i = 0; i < nw; i++) {
			rdv_thread_unregister(t[i]);
		}
	} else {
		fprintf(stderr, "scenario-workload: unknown scenario '%s'\n", name);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"threads", 1, NULL, 't'},
					     {"iterations", 1, NULL, 'k'},
					     {"seed", 1, NULL, 's'},
					     {NULL, 0, NULL, 0}};
	const char *name;
	unsigned i;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			n_threads = (unsigned)atoi(optarg);
			break;
		case 'k':
			n_iter = (unsigned)atoi(optarg);
			break;
		case 's':
			seed = (unsigned)atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr,
			"usage: scenario-workload SCENARIO [--threads N] [--iterations K]\n");
		return 2;
	}
	name = argv[optind];
	if (getenv("SCENARIO_PIDFILE")) {
		/* for a session attached while it runs (scenario.sh attach) */
		FILE *pf = fopen(getenv("SCENARIO_PIDFILE"), "w");

		if (!pf || fprintf(pf, "%d\n", (int)getpid()) < 0 || fclose(pf)) {
			die("SCENARIO_PIDFILE");
		}
	}
	if (!n_threads) {
		n_threads = !strcmp(name, "many") ? 100 : 8;
	}
	if (n_threads > 200) {
		n_threads = 200;
	}
	if (!strcmp(name, "domains")) {
		n_doms = 2;
	}
	for (i = 0; i < n_doms; i++) {
		doms[i] = rdv_create(n_threads + 4);
		if (!doms[i]) {
			die("rdv_create");
		}
	}
	if (!strcmp(name, "fork")) {
		pid_t pid = fork();
		int st;

		if (pid < 0) {
			die("fork");
		}
		if (pid == 0) {
			/* the child's own domain: the same id, another vpid */
			rdv_destroy(doms[0]);
			doms[0] = rdv_create(n_threads + 4);
			if (!doms[0]) {
				die("rdv_create");
			}
			scenario("fork-child");
			rdv_destroy(doms[0]);
			_exit(0);
		}
		scenario("fork-child");
		if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "scenario-workload: the child failed\n");
			return 1;
		}
	} else {
		scenario(name);
	}
	for (i = 0; i < n_doms; i++) {
		rdv_destroy(doms[i]);
	}
	printf("scenario=%s threads=%u stalls=%d\n", name, n_threads, stall_seen);
	return 0;
}
