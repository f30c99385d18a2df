/* SPDX-License-Identifier: MIT */
/*
 * librdv 1.1 against workloads its own tests did not have (the review of
 * 2026-12-01). Each scenario is written as a user's program would meet it;
 * the first three failed on the 1.1 code:
 *  - fork_churn: fork() while other threads register and unregister. The
 *    child must have exactly the forking thread registered and be able to
 *    fill the domain. 1.1 kept the slot of a thread caught inside
 *    rdv_thread_register() (claimed, no generation yet) forever, and the
 *    registered count of a thread caught half-way in or out (0, 2, 3,
 *    4294967295 instead of 1), so rdv_destroy() failed with EBUSY.
 *  - stale_other_domain: a stale handle of a destroyed domain whose slot
 *    block a new domain reuses must not count misuse in the new domain
 *    (the header: counted "while the domain exists"). 1.1 counted it there.
 *  - handler_end_in_release: a signal handler bracketing its work with
 *    rdv_harmless_now()/rdv_harmless_end() (the header: inside an rdv call
 *    that waits, rdv_harmless_end() acts as rdv_harmless_end_sig()) that
 *    interrupts rdv_release() while it holds the domain lock. 1.1 waited
 *    there for the isolation being released, forever, holding the lock.
 * and coverage of what the header promises at the edges:
 *  - stall_many: 130 threads, some running, some harmless, some idle: one
 *    report per request, on the waiting thread (harmless meanwhile), whose
 *    late list is exactly the threads not ready (for a full request: not
 *    idle), past the 64 entries of the stack arrays.
 *  - timed_edges: timeouts 0, 1 ns and ~UINT64_MAX (granted, sleeping, no
 *    spinning); a timed request made inside a harmless section, counted by
 *    an isolation held meanwhile, returns only after its release, running.
 *  - stall_handler_changed: rdv_set_stall_handler() called while requests
 *    stall (1.1: a data race on the stamping start, seen by the
 *    ThreadSanitizer build of this test).
 *  - generation_wrap: a stale handle stays stale through the 2^24 - 2 next
 *    registrations of its slot (the header said 2^24 - 1: the 2^24 - 1st
 *    is handed the same handle).
 *  - fork_states: fork() while another thread holds an isolation, while one
 *    waits in rdv_isolate_full(), and from inside an isolation; the child
 *    registers new threads (held back while it is isolated: I6), isolates
 *    and full-isolates.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <rdv/rdv.h>

#include "check.h"

static struct rdv *dom;

/* ---- fork_churn ---- */

#define FC_SLOTS 8
#define FC_CHURNERS 3
#define FC_FORKS 300

static atomic_int fc_stop;

static void *fc_churn(void *arg)
{
	(void)arg;
	while (!atomic_load(&fc_stop)) {
		struct rdv_thread *t = rdv_thread_register(dom);

		if (t) {
			rdv_thread_unregister(t);
		}
	}
	return NULL;
}

/* The child: only the forking thread is registered; every other slot is
 * free; the domain can be destroyed once it leaves. Exit status: what went
 * wrong (0: nothing). */
static int fc_child(struct rdv_thread *me)
{
	struct rdv_thread *h[FC_SLOTS];
	struct rdv_stats st;
	int n = 0;

	rdv_get_stats(dom, &st);
	if (st.registered != 1) {
		return 10;
	}
	while (n < FC_SLOTS && (h[n] = rdv_thread_register(dom)) != NULL) {
		n++;
	}
	if (n != FC_SLOTS - 1) {
		return 11;
	}
	for (int i = 0; i < n; i++) {
		rdv_thread_unregister(h[i]);
	}
	rdv_isolate_full(me);
	rdv_release(me);
	rdv_thread_unregister(me);
	rdv_get_stats(dom, &st);
	if (st.registered != 0) {
		return 12;
	}
	errno = 0;
	rdv_destroy(dom);
	return errno == EBUSY ? 13 : 0;
}

static void test_fork_churn(void)
{
	pthread_t th[FC_CHURNERS];
	struct rdv_thread *me;
	int bad[16] = {0};

	check_current = "fork_churn: fork while threads register and unregister";
	dom = rdv_create(FC_SLOTS);
	me = rdv_thread_register(dom);
	for (int i = 0; i < FC_CHURNERS; i++) {
		th[i] = spawn(fc_churn, NULL);
	}
	for (int k = 0; k < FC_FORKS; k++) {
		int status = -1;
		pid_t pid = fork();

		if (pid == 0) {
			alarm(10);
			_exit(fc_child(me));
		}
		CHECK(pid > 0);
		CHECK_EQ(waitpid(pid, &status, 0), pid);
		if (!WIFEXITED(status)) {
			bad[15]++;
		} else if (WEXITSTATUS(status) != 0) {
			bad[WEXITSTATUS(status) % 15]++;
		}
	}
	atomic_store(&fc_stop, 1);
	for (int i = 0; i < FC_CHURNERS; i++) {
		pthread_join(th[i], NULL);
	}
	printf("fork_churn: %d forks: registered != 1: %d, slots lost: %d, not destroyable: %d, "
	       "crashed: %d\n",
	       FC_FORKS, bad[10], bad[11], bad[12] + bad[13], bad[15]);
	for (int i = 0; i < 16; i++) {
		CHECK_EQ(bad[i], 0);
	}
	rdv_thread_unregister(me);
	rdv_destroy(dom);
}

/* ---- stale_other_domain ---- */

static void test_stale_other_domain(void)
{
	struct rdv *a, *b;
	struct rdv_thread *old, *fresh, *gone;
	struct rdv_stats st;

	check_current = "stale_other_domain: misuse counted in its own domain only";
	a = rdv_create(4);
	old = rdv_thread_register(a);
	rdv_thread_unregister(old);
	rdv_destroy(a);
	b = rdv_create(4); /* takes a's slots from the pool */
	fresh = rdv_thread_register(b);
	CHECK(fresh != old);
	rdv_harmless_now(old); /* stale, of a destroyed domain */
	rdv_isolate(old);
	CHECK_EQ(rdv_isolate_timed(old, 0), EINVAL);
	rdv_release(old);
	CHECK(!rdv_is_harmless(fresh));
	CHECK(!rdv_is_isolated(fresh));
	CHECK_EQ(rdv_thread_index(old), RDV_NO_THREAD);
	rdv_get_stats(b, &st);
	CHECK_EQ(st.misuse, 0);
	/* A stale handle of b itself is still counted in b. */
	gone = rdv_thread_register(b);
	rdv_thread_unregister(gone);
	rdv_harmless_now(gone);
	rdv_get_stats(b, &st);
	CHECK_EQ(st.misuse, 1);
	CHECK(!rdv_is_harmless(fresh));
	rdv_thread_unregister(fresh);
	rdv_destroy(b);
}

/* ---- generation_wrap: how long a stale handle stays stale (the header
 * said 2^24 - 1 registrations of its slot; it is 2^24 - 2) ---- */

static void test_generation_wrap(void)
{
	const uint32_t distinct = (UINT32_C(1) << 24) - 2;
	struct rdv_thread *h0, *h = NULL;
	uint32_t k;

	check_current = "generation_wrap: a stale handle through 2^24 - 2 registrations";
	dom = rdv_create(1);
	h0 = rdv_thread_register(dom);
	rdv_thread_unregister(h0);
	for (k = 1; k <= distinct; k++) {
		h = rdv_thread_register(dom);
		if (h == h0) {
			break;
		}
		rdv_thread_unregister(h);
	}
	CHECK_EQ(k, distinct + 1); /* none of them was handed h0 */
	h = rdv_thread_register(dom);
	CHECK(h == h0); /* the documented limit: the 2^24 - 1st gets it again */
	rdv_thread_unregister(h);
	rdv_destroy(dom);
}

/* ---- handler_end_in_release ---- */

static struct rdv_thread *volatile her_h;
static atomic_ulong her_loops, her_signals;
static atomic_int her_stop;

static void her_handler(int sig)
{
	struct rdv_thread *t = her_h;
	int saved = errno;

	(void)sig;
	if (t) {
		rdv_harmless_now(t);
		rdv_harmless_end(t);
		atomic_fetch_add(&her_signals, 1);
	}
	errno = saved;
}

static void *her_looper(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);

	(void)arg;
	her_h = t;
	while (!atomic_load(&her_stop)) {
		rdv_isolate(t);
		rdv_release(t);
		atomic_fetch_add(&her_loops, 1);
	}
	her_h = NULL;
	rdv_thread_unregister(t);
	return NULL;
}

static void test_handler_end_in_release(void)
{
	struct sigaction sa, old;
	uint64_t end, last_change;
	unsigned long last = 0;
	pthread_t th;

	check_current = "handler_end_in_release: rdv_harmless_end() in a handler";
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = her_handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, &old);
	dom = rdv_create(1); /* alone: its own isolation is all there is */
	th = spawn(her_looper, NULL);
	end = now_ns() + 2000000000ull;
	last_change = now_ns();
	while (now_ns() < end) {
		struct timespec ts = {0, 2000};
		unsigned long now;

		nanosleep(&ts, NULL);
		pthread_kill(th, SIGUSR1);
		now = atomic_load(&her_loops);
		if (now != last) {
			last = now;
			last_change = now_ns();
		} else if (now_ns() - last_change > 500000000ull) {
			break;
		}
	}
	printf("handler_end_in_release: %lu isolations, %lu signals, last progress %.0f ms ago\n",
	       atomic_load(&her_loops), atomic_load(&her_signals),
	       (double)(now_ns() - last_change) / 1e6);
	/* 1.1: the handler blocked inside rdv_release(), holding the lock. */
	CHECK(now_ns() - last_change < 500000000ull);
	if (now_ns() - last_change >= 500000000ull) {
		fflush(stdout);
		_exit(check_summary()); /* the looper is stuck: cannot join it */
	}
	atomic_store(&her_stop, 1);
	pthread_join(th, NULL);
	rdv_destroy(dom);
	sigaction(SIGUSR1, &old, NULL);
}

/* ---- stall_many ---- */

#define SM_THREADS 130

static atomic_int sm_go, sm_ready;
static int sm_kind[SM_THREADS]; /* 0 running, 1 harmless, 2 idle */
static atomic_uint sm_index[SM_THREADS];
static atomic_int sm_calls, sm_bad, sm_full;
static struct rdv_thread *sm_requester;

static void *sm_worker(void *arg)
{
	int i = (int)(intptr_t)arg;
	struct rdv_thread *t = rdv_thread_register(dom);

	atomic_store(&sm_index[i], rdv_thread_index(t));
	if (sm_kind[i] == 1) {
		rdv_harmless_now(t);
	} else if (sm_kind[i] == 2) {
		rdv_idle_now(t);
	}
	atomic_fetch_add(&sm_ready, 1);
	while (atomic_load(&sm_go) == 0) {
		sleep_ms(1);
	}
	if (sm_kind[i] == 1) {
		rdv_harmless_end(t);
	} else if (sm_kind[i] == 2) {
		rdv_idle_end(t);
	}
	rdv_idle_now(t);
	while (atomic_load(&sm_go) == 1) {
		sleep_ms(1);
	}
	rdv_idle_end(t);
	rdv_thread_unregister(t);
	return NULL;
}

static void sm_stall(const struct rdv_stall *s, void *arg)
{
	static char named[SM_THREADS + 8];
	int full = atomic_load(&sm_full), want = 0;

	(void)arg;
	atomic_fetch_add(&sm_calls, 1);
	memset(named, 0, sizeof(named));
	if (s->requester_tid != (int32_t)syscall(SYS_gettid) ||
	    s->requester != rdv_thread_index(sm_requester) || !rdv_is_harmless(sm_requester) ||
	    s->full != (bool)full || s->domain != rdv_domain_id(dom)) {
		atomic_fetch_add(&sm_bad, 1);
	}
	for (unsigned k = 0; k < s->n_late; k++) {
		if (s->late[k].index >= SM_THREADS + 8 || named[s->late[k].index]++ ||
		    s->late[k].os_tid <= 0) {
			atomic_fetch_add(&sm_bad, 1);
		}
	}
	for (int i = 0; i < SM_THREADS; i++) {
		int late = sm_kind[i] == 0 || (full && sm_kind[i] == 1);

		want += late;
		if (late != named[atomic_load(&sm_index[i])]) {
			atomic_fetch_add(&sm_bad, 1);
		}
	}
	if ((int)s->n_late != want) {
		atomic_fetch_add(&sm_bad, 1);
	}
}

static void test_stall_many(void)
{
	pthread_t th[SM_THREADS];

	check_current = "stall_many: late lists past 64 threads";
	dom = rdv_create(SM_THREADS + 3); /* 3 words, the last one partial */
	sm_requester = rdv_thread_register(dom);
	for (int i = 0; i < SM_THREADS; i++) {
		sm_kind[i] = i % 3;
		th[i] = spawn(sm_worker, (void *)(intptr_t)i);
	}
	WAIT_FOR(atomic_load(&sm_ready) == SM_THREADS);
	CHECK_EQ(rdv_set_stall_handler(dom, 20000000ull, sm_stall, NULL), 0);
	atomic_store(&sm_full, 1);
	CHECK_EQ(rdv_isolate_full_timed(sm_requester, 150000000ull), ETIMEDOUT);
	CHECK_EQ(atomic_load(&sm_calls), 1);
	atomic_store(&sm_full, 0);
	CHECK_EQ(rdv_isolate_timed(sm_requester, 150000000ull), ETIMEDOUT);
	CHECK_EQ(atomic_load(&sm_calls), 2);
	CHECK_EQ(atomic_load(&sm_bad), 0);
	CHECK_EQ(rdv_set_stall_handler(dom, 0, NULL, NULL), 0);
	atomic_store(&sm_go, 1);
	rdv_isolate_full(sm_requester); /* every worker reaches idle */
	rdv_release(sm_requester);
	atomic_store(&sm_go, 2);
	for (int i = 0; i < SM_THREADS; i++) {
		pthread_join(th[i], NULL);
	}
	CHECK_EQ(atomic_load(&sm_calls), 2);
	rdv_thread_unregister(sm_requester);
	rdv_destroy(dom);
}

/* ---- stall_handler_changed: rdv_set_stall_handler() "concurrently with
 * anything" (header): 1.1 read the stamping start of a report without
 * synchronization (a data race ThreadSanitizer reports) ---- */

static atomic_int shc_stop;
static atomic_ulong shc_calls, shc_requests;

static void shc_stall(const struct rdv_stall *s, void *arg)
{
	(void)s;
	(void)arg;
	atomic_fetch_add(&shc_calls, 1);
}

static void *shc_requester(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);

	(void)arg;
	while (!atomic_load(&shc_stop)) {
		if (rdv_isolate_timed(t, 300000) == 0) {
			rdv_release(t);
		}
		atomic_fetch_add(&shc_requests, 1);
	}
	rdv_thread_unregister(t);
	return NULL;
}

static void *shc_runner(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);

	(void)arg;
	while (!atomic_load(&shc_stop)) {
		struct timespec ts = {0, 200000};

		nanosleep(&ts, NULL); /* running: requests stall */
		rdv_harmless_now(t);
		rdv_harmless_end(t);
	}
	rdv_thread_unregister(t);
	return NULL;
}

static void test_stall_handler_changed(void)
{
	pthread_t th[3];

	check_current = "stall_handler_changed: the handler set while requests stall";
	dom = rdv_create(4);
	th[0] = spawn(shc_requester, NULL);
	th[1] = spawn(shc_requester, NULL);
	th[2] = spawn(shc_runner, NULL);
	for (int i = 0; i < 1000; i++) {
		struct timespec ts = {0, 200000};

		CHECK_EQ(rdv_set_stall_handler(dom, i % 2 ? 100000 : 0, shc_stall, NULL), 0);
		nanosleep(&ts, NULL);
	}
	atomic_store(&shc_stop, 1);
	for (int i = 0; i < 3; i++) {
		pthread_join(th[i], NULL);
	}
	printf("stall_handler_changed: %lu requests, %lu reports\n", atomic_load(&shc_requests),
	       atomic_load(&shc_calls));
	CHECK(atomic_load(&shc_calls) > 0);
	rdv_destroy(dom);
}

/* ---- timed_edges ---- */

static atomic_int te_phase;

static void *te_runner(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);

	atomic_store(&te_phase, 1);
	sleep_ms((unsigned)(intptr_t)arg); /* running: holds requests back */
	rdv_idle_now(t);
	WAIT_FOR(atomic_load(&te_phase) == 2);
	rdv_idle_end(t);
	rdv_thread_unregister(t);
	return NULL;
}

static double thread_cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static void *te_holder(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);

	(void)arg;
	WAIT_FOR(atomic_load(&te_phase) == 1);
	rdv_isolate(t); /* granted: the main thread is in a harmless section */
	atomic_store(&te_phase, 2);
	sleep_ms(100);
	atomic_store(&te_phase, 3);
	rdv_release(t);
	rdv_idle_now(t);
	WAIT_FOR(atomic_load(&te_phase) == 4);
	rdv_idle_end(t);
	rdv_thread_unregister(t);
	return NULL;
}

static void test_timed_edges(void)
{
	struct rdv_thread *t;
	pthread_t r;
	double cpu;
	int rc;

	check_current = "timed_edges";
	dom = rdv_create(4);
	t = rdv_thread_register(dom);
	for (int full = 0; full < 2; full++) {
		/* ~forever: granted when the runner goes idle, asleep meanwhile */
		atomic_store(&te_phase, 0);
		r = spawn(te_runner, (void *)(intptr_t)200);
		WAIT_FOR(atomic_load(&te_phase) == 1);
		cpu = thread_cpu_ms();
		rc = full ? rdv_isolate_full_timed(t, UINT64_MAX)
			  : rdv_isolate_timed(t, UINT64_MAX - 1);
		cpu = thread_cpu_ms() - cpu;
		CHECK_EQ(rc, 0);
		CHECK(rdv_is_isolated(t));
		CHECK(cpu < 50.0);
		rdv_release(t);
		rdv_idle_now(t);
		atomic_store(&te_phase, 2);
		pthread_join(r, NULL);
		rdv_idle_end(t);
		/* tiny timeouts while the runner runs: withdrawn, running */
		atomic_store(&te_phase, 0);
		r = spawn(te_runner, (void *)(intptr_t)100);
		WAIT_FOR(atomic_load(&te_phase) == 1);
		for (uint64_t to = 0; to < 3; to++) {
			CHECK_EQ(full ? rdv_isolate_full_timed(t, to) : rdv_isolate_timed(t, to),
				 ETIMEDOUT);
			CHECK(!rdv_is_isolated(t) && !rdv_is_harmless(t));
			/* from inside sections: the section ends, running */
			rdv_harmless_now(t);
			CHECK_EQ(full ? rdv_isolate_full_timed(t, to) : rdv_isolate_timed(t, to),
				 ETIMEDOUT);
			CHECK(!rdv_is_isolated(t) && !rdv_is_harmless(t));
			rdv_idle_now(t);
			CHECK_EQ(full ? rdv_isolate_full_timed(t, to) : rdv_isolate_timed(t, to),
				 ETIMEDOUT);
			CHECK(!rdv_is_isolated(t) && !rdv_is_harmless(t));
		}
		rdv_idle_now(t);
		atomic_store(&te_phase, 2);
		pthread_join(r, NULL);
		rdv_idle_end(t);
	}
	/* Inside a harmless section, counted by an isolation held meanwhile:
	 * ETIMEDOUT only once it is released (the caller was harmless). */
	atomic_store(&te_phase, 0);
	r = spawn(te_holder, NULL);
	rdv_harmless_now(t);
	atomic_store(&te_phase, 1);
	WAIT_FOR(atomic_load(&te_phase) == 2);
	CHECK_EQ(rdv_isolate_timed(t, 1000000ull), ETIMEDOUT);
	CHECK(atomic_load(&te_phase) >= 3);
	CHECK(!rdv_is_isolated(t) && !rdv_is_harmless(t));
	atomic_store(&te_phase, 4);
	pthread_join(r, NULL);
	rdv_thread_unregister(t);
	rdv_destroy(dom);
}

/* ---- fork_states ---- */

static atomic_int fs_phase, fs_registered;

/* ThreadSanitizer cannot start threads in the child of a multi-threaded
 * fork(): there the child checks its own thread only. */
#if defined(__SANITIZE_THREAD__)
#define FS_CHILD_THREADS 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FS_CHILD_THREADS 0
#endif
#endif
#ifndef FS_CHILD_THREADS
#define FS_CHILD_THREADS 1
#endif

/* The other thread of the parent: holds a plain isolation (kind 0), waits
 * in rdv_isolate_full() (kind 1), or is harmless (kind 2). */
static void *fs_other(void *arg)
{
	int kind = (int)(intptr_t)arg;
	struct rdv_thread *t = rdv_thread_register(dom);

	if (kind == 2) {
		rdv_harmless_now(t);
		atomic_store(&fs_phase, 1);
		WAIT_FOR(atomic_load(&fs_phase) == 2);
		rdv_harmless_end(t);
	} else {
		atomic_store(&fs_phase, 1);
		if (kind == 0) {
			rdv_isolate(t);
		} else {
			rdv_isolate_full(t);
		}
		atomic_store(&fs_phase, 3);
		WAIT_FOR(atomic_load(&fs_phase) == 4);
		rdv_release(t);
	}
	rdv_thread_unregister(t);
	return NULL;
}

static void *fs_child_thread(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);

	(void)arg;
	atomic_fetch_add(&fs_registered, 1);
	rdv_idle_now(t);
	while (atomic_load(&fs_phase) != 99) {
		sleep_ms(1);
	}
	rdv_idle_end(t);
	rdv_thread_unregister(t);
	return NULL;
}

/* In the child: the forking thread alone, isolated or harmless as it was. */
static int fs_child(struct rdv_thread *me, bool isolated)
{
	pthread_t c[3];
	struct rdv_stats st;
	int bad = 0;

	rdv_get_stats(dom, &st);
	bad |= (st.registered != 1) << 0;
	bad |= (rdv_is_isolated(me) != isolated) << 1;
	if (!FS_CHILD_THREADS) {
		if (isolated) {
			rdv_release(me);
		} else {
			rdv_harmless_end(me);
		}
		bad |= (rdv_isolate_full_timed(me, 2000000000ull) != 0) << 3;
		rdv_release(me);
		rdv_thread_unregister(me);
		rdv_destroy(dom);
		return bad;
	}
	atomic_store(&fs_phase, 0);
	c[0] = spawn(fs_child_thread, NULL);
	sleep_ms(50);
	/* I6: held back while the child's thread is isolated */
	bad |= (atomic_load(&fs_registered) != (isolated ? 0 : 1)) << 2;
	if (isolated) {
		rdv_release(me);
	} else {
		rdv_harmless_end(me); /* the parent's isolation is not here */
	}
	for (int i = 0; i < 1000 && atomic_load(&fs_registered) != 1; i++) {
		sleep_ms(1);
	}
	c[1] = spawn(fs_child_thread, NULL);
	c[2] = spawn(fs_child_thread, NULL);
	for (int i = 0; i < 1000 && atomic_load(&fs_registered) != 3; i++) {
		sleep_ms(1);
	}
	bad |= (rdv_isolate_full_timed(me, 2000000000ull) != 0) << 3;
	rdv_release(me);
	bad |= (rdv_isolate_timed(me, 2000000000ull) != 0) << 4;
	rdv_release(me);
	atomic_store(&fs_phase, 99);
	for (int i = 0; i < 3; i++) {
		pthread_join(c[i], NULL);
	}
	rdv_thread_unregister(me);
	errno = 0;
	rdv_destroy(dom);
	bad |= (errno == EBUSY) << 5;
	return bad;
}

static void test_fork_states(void)
{
	static const char *const names[] = {
	    "fork_states: another thread holds an isolation",
	    "fork_states: another thread waits in rdv_isolate_full()",
	    "fork_states: fork from inside an isolation",
	};

	for (int kind = 0; kind < 3; kind++) {
		struct rdv_thread *me;
		int status = -1;
		pthread_t o;
		pid_t pid;

		check_current = names[kind];
		dom = rdv_create(8);
		me = rdv_thread_register(dom);
		atomic_store(&fs_phase, 0);
		atomic_store(&fs_registered, 0);
		if (kind == 0) {
			rdv_harmless_now(me); /* let it isolate */
		}
		o = spawn(fs_other, (void *)(intptr_t)kind);
		WAIT_FOR(atomic_load(&fs_phase) >= 1);
		if (kind == 0) {
			WAIT_FOR(atomic_load(&fs_phase) == 3);
		} else if (kind == 1) {
			sleep_ms(20); /* it waits for us, running */
			rdv_harmless_now(me);
		} else {
			rdv_isolate(me);
		}
		pid = fork();
		if (pid == 0) {
			alarm(10);
			_exit(fs_child(me, kind == 2));
		}
		CHECK(pid > 0);
		CHECK_EQ(waitpid(pid, &status, 0), pid);
		CHECK(WIFEXITED(status));
		CHECK_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0);
		if (kind == 0) {
			atomic_store(&fs_phase, 4);
			rdv_harmless_end(me);
		} else if (kind == 1) {
			rdv_harmless_end(me);
			rdv_idle_now(me); /* the full request needs us idle */
			WAIT_FOR(atomic_load(&fs_phase) == 3);
			atomic_store(&fs_phase, 4);
			rdv_idle_end(me);
		} else {
			rdv_release(me);
			atomic_store(&fs_phase, 2);
		}
		pthread_join(o, NULL);
		rdv_thread_unregister(me);
		rdv_destroy(dom);
	}
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	check_watchdog(150);
	test_stale_other_domain();
	test_timed_edges();
	test_stall_many();
	test_stall_handler_changed();
	test_fork_states();
	test_fork_churn();
	if (!FS_CHILD_THREADS) {
		printf("generation_wrap: skipped under ThreadSanitizer (16.7 M registrations)\n");
	} else {
		test_generation_wrap();
	}
	test_handler_end_in_release();
	return check_summary();
}
