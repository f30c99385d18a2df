/* SPDX-License-Identifier: MIT */
/*
 * Randomized stress test of the protocol, checked with bookkeeping kept
 * outside the library, on behaviour (DESIGN.md §1), never on mask values.
 * Each thread has a record (struct rec) that only it and its signal handler
 * write:
 *   run     1 while it runs user code outside any harmless section (set
 *           only between the return of a call that leaves harmless and the
 *           next call that enters it, so a 1 seen inside an isolation is
 *           certain, never a race of the bookkeeping)
 *   busy    1 while it is registered and outside the idle places of I1: set
 *           after rdv_thread_register(), rdv_idle_end() and
 *           rdv_isolate_full*() return, cleared before rdv_idle_now(),
 *           rdv_isolate_full*() and rdv_thread_unregister() are called
 *   ready   what it is sure to be (harmless, idle) and since when, for the
 *           stall reports (a seqlock)
 * and global counters:
 *   isolated        threads inside an isolation
 *   plain_harmless  threads inside a user harmless section that is not idle
 *   obj_gen         a fake object: a thread in a plain harmless section (or
 *                   waiting in rdv_isolate(), or blocked in rdv_release())
 *                   holds a reference (the generation it read); a full
 *                   isolation "frees" it (obj_gen++). A reference that sees
 *                   another generation when its section ends is a
 *                   use-after-free: what rdv_isolate_full() exists to stop.
 *   data[]          plain (non-atomic) words each thread writes while
 *                   running: they must not change while someone is isolated
 *   under_isolation a plain counter only isolated threads increment: lost
 *                   increments would show two isolations at once
 * Inside each isolation: no other record has run set (I1), isolated == 1
 * (I2); inside a full one no other record has busy set and plain_harmless
 * == 0 (I1 full); data[] unchanged across the section. When a thread comes
 * back to running (harmless_end, idle_end, release, register, a timed
 * request that gave up), isolated == 0 (I5, I6).
 *
 * In the mix: nested harmless/idle calls while isolated (I4); threads that
 * leave and join the domain (I6); timed requests with random short
 * timeouts (after ETIMEDOUT the thread is running, not isolated, not
 * harmless); a stall handler with a small threshold (it must run on the
 * waiting thread, for its own request, and name neither the requester nor
 * a thread that the test knows was ready all along); signals delivered at
 * random moments (pthread_kill) whose handler brackets its work with
 * rdv_harmless_now()/rdv_harmless_end_sig(), also while the thread waits
 * in an isolate call; short-lived threads that exit registered, running,
 * harmless, idle or isolated (their slot is reused, their handle goes
 * stale, and no isolation hangs). First, a short signal storm on a domain
 * of its own (signal_storm()). A monitor fails the test when no thread
 * makes progress for 10 s (I3/I7: deadlock); with RDV_STRESS_HOLD=1 in the
 * environment it then stops instead of exiting, for `gdb -p`. Built with
 * ThreadSanitizer in CI too.
 *
 * usage: test_stress THREADS SECONDS [SEED]
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>

#include <rdv/rdv.h>

#include "check.h"

#define MAX_CHILDREN 4	 /* short-lived threads that exit registered, at once */
#define STALL_NS 200000u /* stall report threshold: 0.2 ms */

/* What a thread's ready record says it is sure to be. */
#define R_NONE 0
#define R_HARMLESS 1 /* in a user harmless section (H set all along) */
#define R_IDLE 2     /* in an idle section (H and I set all along) */

struct rec {
	_Atomic int run;
	_Atomic int busy;
	_Atomic int used; /* child records: taken by a live child */
	uint64_t rng;
	uint64_t data; /* plain: written by its owner while running */
	unsigned id;
} __attribute__((aligned(64)));

/* Per thread index: written by the thread registered there. */
struct ready {
	_Atomic uint64_t seq; /* odd while being written */
	_Atomic int kind;
	_Atomic uint64_t since; /* CLOCK_MONOTONIC ns, taken after the state began */
} __attribute__((aligned(64)));

static struct rdv *dom;
static unsigned nthreads, max_threads;
static atomic_int stop, stop_signals, joined;
static atomic_int isolated, plain_harmless;
static _Atomic unsigned long obj_gen;
static atomic_ulong progress;
static atomic_ulong violations_i1, violations_i2, violations_full, violations_data, violations_i5,
    violations_uaf, violations_timed, violations_stall, violations_stale, violations_sig;
static atomic_ulong n_isolations, n_full, n_churn, n_timeouts, n_timed, n_stalls, n_stall_named,
    n_signals, n_children, n_child_isolated, n_reused;
static unsigned long under_isolation; /* plain: only isolated threads touch it */

static struct rec *workers;		  /* nthreads */
static struct rec children[MAX_CHILDREN]; /* exiting threads */
static struct ready *ready_at;		  /* max_threads */
static _Atomic uint32_t *ever_exited;	  /* index used by a child that exited */
static pthread_t *worker_th;

/* The thread's own record, handle, index and request (handlers read them). */
static __thread struct rec *tls_rec;
static __thread struct rdv_thread *volatile tls_h;
static __thread unsigned tls_index;
static __thread volatile int tls_in_request, tls_req_full;
static __thread uint64_t tls_req_start;

static uint32_t next_rand(struct rec *w)
{
	/* xorshift64*: reproducible per seed and thread */
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return (uint32_t)((w->rng * 0x2545F4914F6CDD1Dull) >> 32);
}

static void short_pause(struct rec *w)
{
	unsigned n = next_rand(w) % 200;

	for (volatile unsigned i = 0; i < n; i++) {
	}
}

/* Longer than the stall threshold, so that stall reports happen and have
 * threads that stay ready (or not) across them. */
static void long_pause(void)
{
	struct timespec ts = {0, 3 * STALL_NS / 2};

	nanosleep(&ts, NULL);
}

/* ---- the ready records (stall reports) ---- */

static void ready_set(int kind)
{
	struct ready *r = &ready_at[tls_index];

	atomic_fetch_add(&r->seq, 1);
	atomic_store(&r->kind, kind);
	atomic_store(&r->since, kind == R_NONE ? 0 : now_ns());
	atomic_fetch_add(&r->seq, 1);
}

/*
 * Was thread index `l` surely ready for the request when the library read
 * the masks? The masks were read after the request's start plus waited_ns
 * (lb); a record that began before lb (taken after the state began) and
 * has not changed since (the state ends only after its record does) means
 * the thread was ready all along that read.
 */
static bool surely_ready(unsigned l, bool full, uint64_t lb)
{
	struct ready *r = &ready_at[l];
	uint64_t s1 = atomic_load(&r->seq), since;
	int kind;

	if (s1 & 1) {
		return false;
	}
	kind = atomic_load(&r->kind);
	since = atomic_load(&r->since);
	if (!(kind == R_IDLE || (kind == R_HARMLESS && !full)) || since >= lb) {
		return false;
	}
	return atomic_load(&r->seq) == s1;
}

/* The stall handler: on the waiting thread, for its own request. */
static void on_stall(const struct rdv_stall *s, void *arg)
{
	uint64_t lb = tls_req_start + s->waited_ns;

	(void)arg;
	atomic_fetch_add(&n_stalls, 1);
	if (!tls_rec || !tls_in_request || s->requester != tls_index ||
	    s->requester_tid != (int32_t)syscall(SYS_gettid) || s->full != (bool)tls_req_full ||
	    s->domain != rdv_domain_id(dom)) {
		fprintf(stderr, "stall: report on the wrong thread or request (requester %u)\n",
			s->requester);
		atomic_fetch_add(&violations_stall, 1);
	}
	for (unsigned i = 0; i < s->n_late; i++) {
		unsigned l = s->late[i].index;

		atomic_fetch_add(&n_stall_named, 1);
		if (l == s->requester || l >= max_threads) {
			fprintf(stderr, "stall: names the requester or no thread (%u)\n", l);
			atomic_fetch_add(&violations_stall, 1);
		} else if (surely_ready(l, s->full, lb)) {
			fprintf(stderr, "stall: names thread %u, ready all along (%s request)\n", l,
				s->full ? "full" : "plain");
			atomic_fetch_add(&violations_stall, 1);
		}
	}
}

/* ---- signals ---- */

/* A handler that does harmless work at a random moment, whatever the
 * thread was doing (waiting in an isolate call included). */
static void on_signal(int sig)
{
	int saved = errno;
	struct rec *r = tls_rec;
	struct rdv_thread *h = tls_h;

	(void)sig;
	if (r && h) {
		int run = atomic_load(&r->run);

		/* not running user code from here (before H is set) ... */
		atomic_store(&r->run, 0);
		rdv_harmless_now(h);
		atomic_fetch_add(&n_signals, 1);
		/* harmless work, long enough for an isolation to be granted
		 * on it (then rdv_harmless_end_sig() must wait for it) */
		for (volatile unsigned i = 0; i < 2000; i++) {
		}
		rdv_harmless_end_sig(h);
		/* The handler made running code harmless: an isolation granted
		 * meanwhile was waited for (I1, I5). */
		if (run && atomic_load(&isolated) != 0) {
			atomic_fetch_add(&violations_sig, 1);
		}
		/* ... not running user code until rdv_harmless_end_sig() has
		 * returned */
		atomic_store(&r->run, run);
	}
	errno = saved;
}

static void *signaller_main(void *arg)
{
	struct rec r = {.rng = (uintptr_t)arg | 1};

	while (!atomic_load(&stop_signals)) {
		struct timespec ts = {0, 10000 + (long)(next_rand(&r) % 100000)};

		nanosleep(&ts, NULL);
		pthread_kill(worker_th[next_rand(&r) % nthreads], SIGUSR1);
	}
	return NULL;
}

/* ---- checks ---- */

/* Another thread has `run` (or, full, `busy`) set. */
static bool others_set(const struct rec *self, bool busy)
{
	for (unsigned i = 0; i < nthreads + MAX_CHILDREN; i++) {
		struct rec *r = i < nthreads ? &workers[i] : &children[i - nthreads];

		if (r != self && atomic_load(busy ? &r->busy : &r->run)) {
			return true;
		}
	}
	return false;
}

/* Back to running: no other thread can be isolated (I5, I6). */
static void back_running(struct rec *w)
{
	if (atomic_load(&isolated) != 0) {
		atomic_fetch_add(&violations_i5, 1);
	}
	atomic_store(&w->run, 1);
}

static void nested_calls(struct rdv_thread *t, struct rec *w)
{
	switch (next_rand(w) % 4) {
	case 0:
		rdv_harmless_now(t);
		rdv_harmless_end(t);
		break;
	case 1:
		rdv_idle_now(t);
		rdv_idle_end(t);
		break;
	case 2:
		rdv_idle_now(t);
		rdv_harmless_now(t);
		rdv_harmless_end(t);
		rdv_idle_end(t);
		break;
	default:
		break;
	}
}

static void isolated_section(struct rdv_thread *t, struct rec *w, bool full)
{
	uint64_t snap[8];
	unsigned base = next_rand(w) % nthreads;

	if (atomic_fetch_add(&isolated, 1) != 0) {
		atomic_fetch_add(&violations_i2, 1);
	}
	if (others_set(w, false)) {
		atomic_fetch_add(&violations_i1, 1);
	}
	if (full) {
		if (others_set(w, true) || atomic_load(&plain_harmless) != 0) {
			atomic_fetch_add(&violations_full, 1);
		}
		atomic_fetch_add(&obj_gen, 1); /* free what harmless threads may hold */
	}
	for (unsigned i = 0; i < 8; i++) {
		snap[i] = workers[(base + i) % nthreads].data;
	}
	nested_calls(t, w);
	short_pause(w);
	if (next_rand(w) % 8 == 0) {
		for (volatile unsigned i = 0; i < 3000; i++) {
		}
	}
	under_isolation++;
	for (unsigned i = 0; i < 8; i++) {
		if (snap[i] != workers[(base + i) % nthreads].data) {
			atomic_fetch_add(&violations_data, 1);
		}
	}
	if (others_set(w, false)) {
		atomic_fetch_add(&violations_i1, 1);
	}
	if (full && (others_set(w, true) || atomic_load(&plain_harmless) != 0)) {
		atomic_fetch_add(&violations_full, 1);
	}
	atomic_fetch_add(&n_isolations, 1);
	if (full) {
		atomic_fetch_add(&n_full, 1);
	}
	atomic_fetch_sub(&isolated, 1);
}

/* A use of the fake object: the generation must not have changed. */
static void use_ref(unsigned long ref)
{
	if (atomic_load(&obj_gen) != ref) {
		atomic_fetch_add(&violations_uaf, 1);
	}
}

/* ---- requests ---- */

/*
 * One request of a random kind (plain or full, timed or not), from a
 * running thread (run already 0). Returns 0 once isolated, ETIMEDOUT when
 * a timed request gave up (then checked: running, not isolated).
 */
static int request(struct rdv_thread *t, struct rec *w, bool full)
{
	uint32_t r = next_rand(w);
	bool timed = r % 3 == 0;
	uint64_t timeout = (r >> 8) % 4 == 0 ? 0 : (r >> 12) % ((r >> 10) % 2 ? 20000 : 200000);
	unsigned long ref = atomic_load(&obj_gen);
	int ret = 0;

	if (full) {
		atomic_store(&w->busy, 0); /* waiting in isolate_full: idle */
	}
	tls_req_full = full;
	tls_req_start = now_ns();
	atomic_signal_fence(memory_order_seq_cst);
	tls_in_request = 1;
	atomic_signal_fence(memory_order_seq_cst);
	if (timed) {
		atomic_fetch_add(&n_timed, 1);
		ret = full ? rdv_isolate_full_timed(t, timeout) : rdv_isolate_timed(t, timeout);
	} else if (full) {
		rdv_isolate_full(t);
	} else {
		rdv_isolate(t);
	}
	atomic_signal_fence(memory_order_seq_cst);
	tls_in_request = 0;
	if (full) {
		atomic_store(&w->busy, 1);
	} else {
		use_ref(ref); /* a plain requester is not idle: nothing was freed */
	}
	if (ret == ETIMEDOUT) {
		atomic_fetch_add(&n_timeouts, 1);
		if (rdv_is_isolated(t) || rdv_is_harmless(t)) {
			atomic_fetch_add(&violations_timed, 1);
		}
	} else if (ret != 0 || !rdv_is_isolated(t)) {
		fprintf(stderr, "request: returned %d, isolated %d\n", ret, rdv_is_isolated(t));
		atomic_fetch_add(&violations_timed, 1);
	}
	return ret;
}

/* An isolation, its section and the release. */
static void isolation(struct rdv_thread *t, struct rec *w, bool full)
{
	unsigned long ref;

	atomic_store(&w->run, 0);
	if (request(t, w, full) != 0) {
		back_running(w);
		return;
	}
	isolated_section(t, w, full);
	ref = atomic_load(&obj_gen); /* held across the release */
	rdv_release(t);
	use_ref(ref);
	back_running(w);
}

/* ---- threads that exit registered ---- */

static void *child_main(void *arg)
{
	struct rec *c = arg;
	struct rdv_thread *t = rdv_thread_register(dom);
	unsigned idx;

	if (!t) {
		return NULL; /* the domain is full: fine, nothing to check */
	}
	idx = rdv_thread_index(t);
	tls_rec = c;
	tls_index = idx;
	ready_set(R_NONE);
	atomic_store(&c->busy, 1);
	back_running(c);
	if (atomic_exchange(&ever_exited[idx], 0)) {
		atomic_fetch_add(&n_reused, 1);
	}
	switch (next_rand(c) % 5) {
	case 0: /* exits running */
		break;
	case 1: /* exits inside a harmless section */
		atomic_store(&c->run, 0);
		rdv_harmless_now(t);
		break;
	case 2: /* exits idle */
		atomic_store(&c->run, 0);
		atomic_store(&c->busy, 0);
		rdv_idle_now(t);
		break;
	default: { /* exits isolated: its exit ends the isolation */
		bool full = next_rand(c) % 2;

		atomic_store(&c->run, 0);
		if (request(t, c, full) == 0) {
			atomic_fetch_add(&n_child_isolated, 1);
			isolated_section(t, c, full);
		} else {
			back_running(c);
		}
		break;
	}
	}
	ready_set(R_NONE);
	atomic_store(&c->run, 0);
	atomic_store(&c->busy, 0);
	atomic_store(&ever_exited[idx], 1);
	c->data = (uintptr_t)t; /* the handle, for the parent's stale checks */
	tls_rec = NULL;
	return NULL; /* registered: unregistered by the library at exit */
}

/* Runs one child to its end, idle meanwhile (the child may isolate). */
static void spawn_child(struct rdv_thread *t, struct rec *w)
{
	struct rec *c = NULL;
	pthread_t th;

	for (unsigned i = 0; i < MAX_CHILDREN; i++) {
		int expected = 0;

		if (atomic_compare_exchange_strong(&children[i].used, &expected, 1)) {
			c = &children[i];
			break;
		}
	}
	if (!c) {
		return;
	}
	c->rng = w->rng ^ 0x5851F42D4C957F2Dull;
	c->data = 0;
	atomic_store(&w->run, 0);
	atomic_store(&w->busy, 0);
	ready_set(R_NONE);
	rdv_idle_now(t);
	ready_set(R_IDLE);
	if (pthread_create(&th, NULL, child_main, c) == 0) {
		pthread_join(th, NULL);
		atomic_fetch_add(&n_children, 1);
		if (c->data) {
			struct rdv_thread *ch = (struct rdv_thread *)(uintptr_t)c->data;

			/* unregistered at its exit: the handle is stale */
			if (rdv_thread_index(ch) != RDV_NO_THREAD || rdv_is_isolated(ch)) {
				atomic_fetch_add(&violations_stale, 1);
			}
		}
	}
	atomic_store(&c->used, 0);
	ready_set(R_NONE);
	rdv_idle_end(t);
	atomic_store(&w->busy, 1);
	back_running(w);
}

/* ---- the signal storm: handlers that interrupt lock waits ---- */

/*
 * A short focused phase on a domain of its own: lockers loop on
 * rdv_isolate_timed(t, 0) (each one takes the domain lock and, most of the
 * time, withdraws), one thread loops on rdv_isolate()/rdv_release(), and
 * the lockers get signals every few microseconds; the handler brackets
 * nothing with rdv_harmless_now()/rdv_harmless_end_sig(). The handler may
 * run in a locker woken from the lock's futex and not yet holding it. It
 * must not wait there for the plain request (which needs the lock):
 * progress must go on (the monitor of this phase fails after 2 s without).
 */
#define STORM_LOCKERS 4

static struct rdv *storm_dom;
static atomic_int storm_stop;
static atomic_ulong storm_progress;
static atomic_uint storm_done; /* threads that have unregistered */
static __thread struct rdv_thread *volatile storm_h;

static void on_storm_signal(int sig)
{
	int saved = errno;
	struct rdv_thread *h = storm_h;

	(void)sig;
	if (h) {
		rdv_harmless_now(h);
		rdv_harmless_end_sig(h);
	}
	errno = saved;
}

static void *storm_locker(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(storm_dom);

	(void)arg;
	storm_h = t;
	while (!atomic_load(&storm_stop)) {
		if (rdv_isolate_timed(t, 0) == 0) {
			rdv_release(t);
		}
		atomic_fetch_add(&storm_progress, 1);
	}
	storm_h = NULL;
	rdv_thread_unregister(t);
	atomic_fetch_add(&storm_done, 1);
	return NULL;
}

static void *storm_plain(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(storm_dom);

	(void)arg;
	while (!atomic_load(&storm_stop)) {
		rdv_isolate(t);
		rdv_release(t);
		atomic_fetch_add(&storm_progress, 1);
	}
	rdv_thread_unregister(t);
	atomic_fetch_add(&storm_done, 1);
	return NULL;
}

static void signal_storm(unsigned ms)
{
	pthread_t th[STORM_LOCKERS + 1];
	struct sigaction sa, old;
	unsigned long last = 0;
	uint64_t end = now_ns() + (uint64_t)ms * 1000000u, last_change = now_ns();
	unsigned k = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_storm_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, &old);
	storm_dom = rdv_create(STORM_LOCKERS + 1);
	if (!storm_dom) {
		exit(2);
	}
	for (unsigned i = 0; i < STORM_LOCKERS + 1; i++) {
		pthread_create(&th[i], NULL, i < STORM_LOCKERS ? storm_locker : storm_plain, NULL);
	}
	/* Signals until the end, then until every thread is done. */
	while (atomic_load(&storm_done) < STORM_LOCKERS + 1) {
		struct timespec ts = {0, 5000};
		unsigned long now;

		nanosleep(&ts, NULL);
		if (now_ns() >= end) {
			atomic_store(&storm_stop, 1);
		}
		if (!atomic_load(&storm_stop)) {
			pthread_kill(th[k++ % STORM_LOCKERS], SIGUSR2);
		}
		now = atomic_load(&storm_progress) + atomic_load(&storm_done);
		if (now != last) {
			last = now;
			last_change = now_ns();
		} else if (now_ns() - last_change > 2000000000u) {
			fprintf(stderr,
				"FAIL: signal storm: no progress for 2 s (deadlock) after %lu "
				"requests\n",
				now);
			if (getenv("RDV_STRESS_HOLD")) {
				for (;;) { /* stopped for a debugger: gdb -p PID */
					pause();
				}
			}
			_exit(3);
		}
	}
	for (unsigned i = 0; i < STORM_LOCKERS + 1; i++) {
		pthread_join(th[i], NULL);
	}
	printf("stress: signal storm: %lu requests\n", atomic_load(&storm_progress));
	CHECK(atomic_load(&storm_progress) > 0);
	rdv_destroy(storm_dom);
	sigaction(SIGUSR2, &old, NULL);
}

/* ---- the workers ---- */

static struct rdv_thread *enter(struct rec *w)
{
	struct rdv_thread *t = rdv_thread_register(dom);

	if (!t) {
		fprintf(stderr, "register failed\n");
		exit(2);
	}
	tls_index = rdv_thread_index(t);
	ready_set(R_NONE);
	atomic_store(&w->busy, 1);
	back_running(w);
	atomic_signal_fence(memory_order_seq_cst);
	tls_h = t;
	return t;
}

static void leave(struct rdv_thread *t, struct rec *w)
{
	tls_h = NULL;
	atomic_signal_fence(memory_order_seq_cst);
	ready_set(R_NONE);
	atomic_store(&w->run, 0);
	atomic_store(&w->busy, 0);
	rdv_thread_unregister(t);
}

static void *worker_main(void *arg)
{
	struct rec *w = arg;
	struct rdv_thread *t;

	tls_rec = w;
	t = enter(w);
	while (!atomic_load(&stop)) {
		uint32_t r = next_rand(w) % 1000;

		w->data++; /* harmful work on shared-visible data */
		short_pause(w);
		if (r < 330) {
			unsigned long ref = atomic_load(&obj_gen);

			atomic_store(&w->run, 0);
			rdv_harmless_now(t);
			ready_set(R_HARMLESS);
			atomic_fetch_add(&plain_harmless, 1);
			use_ref(ref);
			short_pause(w);
			if (next_rand(w) % 64 == 0) {
				long_pause(); /* slow private work: full requests stall */
			}
			atomic_fetch_sub(&plain_harmless, 1);
			ready_set(R_NONE);
			rdv_harmless_end(t);
			use_ref(ref); /* the 1.0 bug: freed while blocked here */
			back_running(w);
		} else if (r < 760) {
			atomic_store(&w->run, 0);
			atomic_store(&w->busy, 0);
			rdv_idle_now(t);
			ready_set(R_IDLE);
			if (next_rand(w) % 8 == 0) {
				sched_yield(); /* "polling" */
			} else if (next_rand(w) % 16 == 0) {
				long_pause(); /* a long poll: named by no stall report */
			}
			ready_set(R_NONE);
			rdv_idle_end(t);
			atomic_store(&w->busy, 1);
			back_running(w);
		} else if (r < 940) {
			isolation(t, w, r >= 900);
		} else if (r < 950) {
			leave(t, w);
			atomic_fetch_add(&n_churn, 1);
			sched_yield();
			t = enter(w);
		} else if (r < 953) {
			spawn_child(t, w);
		} else {
			atomic_store(&w->run, 0);
			rdv_harmless_end(t); /* a safe point while running */
			back_running(w);
		}
		atomic_fetch_add(&progress, 1);
	}
	leave(t, w);
	return NULL;
}

static void *monitor_main(void *arg)
{
	unsigned long last = 0;
	int still = 0;

	(void)arg;
	/* Until every worker has been joined: a thread that hangs after the
	 * stop (in its last call, or in unregister) is caught too. */
	while (!atomic_load(&joined)) {
		sleep_ms(100);
		unsigned long now = atomic_load(&progress);

		still = now == last ? still + 1 : 0;
		last = now;
		if (still >= 100) {
			fprintf(
			    stderr,
			    "FAIL: no progress for 10 s (deadlock): isolated=%d plain_harmless=%d "
			    "isolations=%lu\n",
			    atomic_load(&isolated), atomic_load(&plain_harmless),
			    atomic_load(&n_isolations));
			if (getenv("RDV_STRESS_HOLD")) {
				for (;;) { /* stopped for a debugger: gdb -p PID */
					pause();
				}
			}
			_exit(3);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned seconds;
	uint64_t seed;
	pthread_t mon, sigth;
	struct rdv_stats st;
	struct sigaction sa;

	if (argc < 3) {
		fprintf(stderr, "usage: %s THREADS SECONDS [SEED]\n", argv[0]);
		return 2;
	}
	nthreads = (unsigned)strtoul(argv[1], NULL, 0);
	seconds = (unsigned)strtoul(argv[2], NULL, 0);
	seed = argc > 3 ? strtoull(argv[3], NULL, 0) : (uint64_t)now_ns();
	if (nthreads < 1 || nthreads > 4096) {
		fprintf(stderr, "THREADS must be 1..4096\n");
		return 2;
	}
	printf("stress: threads=%u seconds=%u seed=%llu\n", nthreads, seconds,
	       (unsigned long long)seed);
	check_current = "stress";
	check_watchdog(seconds + 60);

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal_storm(1000);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);

	/* Spare slots, so churn moves threads across indexes and words, and
	 * children can register. */
	max_threads = nthreads + MAX_CHILDREN + 3;
	dom = rdv_create(max_threads);
	workers = calloc(nthreads, sizeof(*workers));
	worker_th = calloc(nthreads, sizeof(*worker_th));
	ready_at = calloc(max_threads, sizeof(*ready_at));
	ever_exited = calloc(max_threads, sizeof(*ever_exited));
	if (!dom || !workers || !worker_th || !ready_at || !ever_exited) {
		return 2;
	}
	CHECK_EQ(rdv_set_stall_handler(dom, STALL_NS, on_stall, NULL), 0);
	for (unsigned i = 0; i < MAX_CHILDREN; i++) {
		children[i].id = nthreads + i;
	}
	for (unsigned i = 0; i < nthreads; i++) {
		workers[i].id = i;
		workers[i].rng = seed * 0x9E3779B97F4A7C15ull + i + 1;
		if (pthread_create(&worker_th[i], NULL, worker_main, &workers[i]) != 0) {
			perror("pthread_create");
			return 2;
		}
	}
	pthread_create(&mon, NULL, monitor_main, NULL);
	pthread_create(&sigth, NULL, signaller_main, (void *)(uintptr_t)seed);
	sleep_ms(seconds * 1000);
	/* The signaller stops before the workers exit (it names them). */
	atomic_store(&stop_signals, 1);
	pthread_join(sigth, NULL);
	atomic_store(&stop, 1);
	for (unsigned i = 0; i < nthreads; i++) {
		pthread_join(worker_th[i], NULL);
	}
	atomic_store(&joined, 1);
	pthread_join(mon, NULL);

	rdv_get_stats(dom, &st);
	printf("stress: ops=%lu isolations=%lu (full %lu) churn=%lu timed=%lu timeouts=%lu "
	       "stalls=%lu (named %lu) signals=%lu children=%lu (isolated %lu, slots reused "
	       "%lu) blocked=%llu sleeps=%llu wakes=%llu\n",
	       atomic_load(&progress), atomic_load(&n_isolations), atomic_load(&n_full),
	       atomic_load(&n_churn), atomic_load(&n_timed), atomic_load(&n_timeouts),
	       atomic_load(&n_stalls), atomic_load(&n_stall_named), atomic_load(&n_signals),
	       atomic_load(&n_children), atomic_load(&n_child_isolated), atomic_load(&n_reused),
	       (unsigned long long)st.blocked, (unsigned long long)st.sleeps,
	       (unsigned long long)st.wakes);
	CHECK_EQ(atomic_load(&violations_i1), 0);
	CHECK_EQ(atomic_load(&violations_i2), 0);
	CHECK_EQ(atomic_load(&violations_full), 0);
	CHECK_EQ(atomic_load(&violations_uaf), 0);
	CHECK_EQ(atomic_load(&violations_data), 0);
	CHECK_EQ(atomic_load(&violations_i5), 0);
	CHECK_EQ(atomic_load(&violations_timed), 0);
	CHECK_EQ(atomic_load(&violations_stall), 0);
	CHECK_EQ(atomic_load(&violations_stale), 0);
	CHECK_EQ(atomic_load(&violations_sig), 0);
	CHECK_EQ(under_isolation, atomic_load(&n_isolations));
	CHECK_EQ(st.isolations, atomic_load(&n_isolations));
	CHECK_EQ(st.full, atomic_load(&n_full));
	CHECK_EQ(st.misuse, 0);
	CHECK_EQ(st.registered, 0);
	CHECK(atomic_load(&n_isolations) > 0);
	CHECK(atomic_load(&n_timed) > 0);
	CHECK(atomic_load(&n_signals) > 0);
	CHECK(atomic_load(&n_children) > 0);
	CHECK(atomic_load(&n_stalls) > 0);
	rdv_destroy(dom);
	free(workers);
	free(worker_th);
	free(ready_at);
	free(ever_exited);
	return check_summary();
}
