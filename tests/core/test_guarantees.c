/* SPDX-License-Identifier: MIT */
/*
 * librdv 1.1 guarantees, one scenario per bug that 1.0 had (issue 9), each
 * written as the user's program would meet it, and failing on 1.0:
 *  - full_vs_harmless: a worker holds a reference across a plain harmless
 *    section; a control thread's rdv_isolate_full() frees it. 1.0 granted
 *    the full isolation while the worker was blocked in rdv_harmless_end()
 *    (use-after-free); I1 says it must wait until the worker is idle.
 *  - i7_plain_under_full: a thread calls rdv_isolate() while a full request
 *    waits for it to be idle: served first, no deadlock (I7 b, I3).
 *  - stale_handle: after unregister, the old handle must not drive the
 *    thread that registers next in the same slot (I8).
 *  - thread_exit: a thread that exits registered (even isolated) does not
 *    hang later isolations nor keep its slot.
 *  - fork: in the child, only the forking thread stays registered.
 *  - signals: a handler bracketing its work with rdv_harmless_now() and
 *    rdv_harmless_end_sig() (or rdv_harmless_end()) while its thread waits
 *    in rdv_isolate() neither deadlocks nor makes the waiter harmful; a
 *    handler that interrupted running code waits out an isolation granted
 *    meanwhile.
 *  - full_while_plain: rdv_isolate_full() while holding rdv_isolate()
 *    aborts with one line on stderr.
 *  - storm: 128 threads reaching their safe point one at a time during one
 *    request: futex sleeps bounded by a small constant per thread.
 *  - timed / stall: rdv_isolate_timed() gives up and leaves the caller
 *    running; a stall handler names the thread that holds the request back;
 *    RDV_STALL_MS gives the default one-line report.
 *  - setuid: RDV_TRACEPOINTS is ignored by a set-user-ID program (run by
 *    tests/core/setuid.sh, which needs root).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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

/* ---- full_vs_harmless: the use-after-free of 1.0 ---- */

struct shared_server {
	atomic_int alive; /* 0 once "freed" */
};

static struct shared_server *_Atomic uaf_server;
static atomic_int uaf_phase, uaf_use_after_free, uaf_granted_in_section;
static atomic_int uaf_in_section; /* the worker holds a reference */

static void *uaf_worker(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);
	struct shared_server *ref;

	(void)arg;
	for (int round = 0; round < 3; round++) {
		/* Take a reference while running, then do slow private work in a
		 * harmless section, still holding it (HAProxy: a server while a
		 * connection is being set up). */
		ref = atomic_load(&uaf_server);
		atomic_store(&uaf_in_section, 1);
		rdv_harmless_now(t);
		atomic_store(&uaf_phase, 1);
		sleep_ms(40);
		rdv_harmless_end(t); /* 1.0: blocks here while the server is freed */
		if (!atomic_load(&ref->alive)) {
			atomic_fetch_add(&uaf_use_after_free, 1);
		}
		atomic_store(&uaf_in_section, 0);
		/* Drop the reference, go to the poller. */
		rdv_idle_now(t);
		sleep_ms(20);
		rdv_idle_end(t);
	}
	atomic_store(&uaf_phase, 9);
	rdv_thread_unregister(t);
	return NULL;
}

static void *uaf_control(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);

	(void)arg;
	while (atomic_load(&uaf_phase) != 9) {
		WAIT_FOR(atomic_load(&uaf_phase) >= 1);
		rdv_isolate_full(t);
		if (atomic_load(&uaf_in_section)) {
			atomic_fetch_add(&uaf_granted_in_section, 1);
		}
		/* Free the server everyone may reference, install a new one. */
		struct shared_server *old = atomic_load(&uaf_server);
		struct shared_server *fresh = calloc(1, sizeof(*fresh));

		atomic_store(&fresh->alive, 1);
		atomic_store(&uaf_server, fresh);
		atomic_store(&old->alive, 0); /* "free()": poisoned, kept for the check */
		rdv_release(t);
		rdv_idle_now(t);
		sleep_ms(5);
		rdv_idle_end(t);
	}
	rdv_thread_unregister(t);
	return NULL;
}

static void test_full_vs_harmless(void)
{
	pthread_t w, c;
	struct shared_server *first = calloc(1, sizeof(*first));

	check_current = "full_vs_harmless (1.0 use-after-free)";
	atomic_store(&first->alive, 1);
	atomic_store(&uaf_server, first);
	dom = rdv_create(4);
	w = spawn(uaf_worker, NULL);
	c = spawn(uaf_control, NULL);
	pthread_join(w, NULL);
	pthread_join(c, NULL);
	CHECK_EQ(atomic_load(&uaf_use_after_free), 0);
	CHECK_EQ(atomic_load(&uaf_granted_in_section), 0);
	rdv_destroy(dom);
}

/* ---- i7_plain_under_full: rdv_isolate() while a full request needs us ---- */

static atomic_int pf_phase, pf_order;

static void *pf_full(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);

	(void)arg;
	WAIT_FOR(atomic_load(&pf_phase) == 1);
	rdv_isolate_full(t);
	atomic_store(&pf_order, atomic_load(&pf_order) * 10 + 2);
	rdv_release(t);
	rdv_thread_unregister(t);
	return NULL;
}

static void test_plain_under_full(void)
{
	struct rdv_thread *t;
	pthread_t f;

	check_current = "I7 b: rdv_isolate() while a full request waits for us";
	dom = rdv_create(4);
	t = rdv_thread_register(dom);
	f = spawn(pf_full, NULL);
	atomic_store(&pf_phase, 1);
	sleep_ms(50); /* the full request waits for us: we run */
	rdv_isolate(t); /* 1.0 (FIFO tickets): deadlock */
	CHECK(rdv_is_isolated(t));
	atomic_store(&pf_order, 1);
	rdv_release(t); /* returns: the full request needs us idle */
	CHECK(!rdv_is_isolated(t));
	rdv_idle_now(t);
	pthread_join(f, NULL);
	rdv_idle_end(t);
	CHECK_EQ(atomic_load(&pf_order), 12); /* ours first, then the full one */
	rdv_thread_unregister(t);
	rdv_destroy(dom);
}

/* ---- stale_handle (I8) ---- */

static atomic_int sh_phase;
static struct rdv_thread *_Atomic sh_new;

static void *sh_newcomer(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);

	(void)arg;
	atomic_store(&sh_new, t);
	atomic_store(&sh_phase, 1);
	WAIT_FOR(atomic_load(&sh_phase) == 2); /* running, touching shared state */
	CHECK(!rdv_is_harmless(t));
	CHECK(!rdv_is_isolated(t));
	WAIT_FOR(atomic_load(&sh_phase) == 3);
	rdv_harmless_now(t);
	atomic_store(&sh_phase, 4);
	WAIT_FOR(atomic_load(&sh_phase) == 5);
	rdv_harmless_end(t);
	rdv_thread_unregister(t);
	return NULL;
}

static void test_stale_handle(void)
{
	struct rdv_thread *a, *b;
	struct rdv_stats st;
	pthread_t n;
	uint64_t t0;

	check_current = "stale_handle (I8)";
	dom = rdv_create(2);
	b = rdv_thread_register(dom); /* slot 0: a requester */
	a = rdv_thread_register(dom); /* slot 1 */
	CHECK_EQ(rdv_thread_index(a), 1);
	rdv_thread_unregister(a);
	n = spawn(sh_newcomer, NULL); /* takes slot 1 */
	WAIT_FOR(atomic_load(&sh_phase) == 1);
	CHECK_EQ(rdv_thread_index(atomic_load(&sh_new)), 1);
	CHECK(atomic_load(&sh_new) != a); /* never handed out again */
	/* The stale handle must not make the newcomer look harmless: 1.0 set
	 * its H bit and granted an isolation while it ran. */
	CHECK_EQ(rdv_thread_index(a), RDV_NO_THREAD);
	rdv_harmless_now(a);
	rdv_idle_now(a);
	CHECK(!rdv_is_harmless(atomic_load(&sh_new)));
	CHECK(!rdv_is_isolated(a));
	t0 = now_ns();
	atomic_store(&sh_phase, 2);
	CHECK_EQ(rdv_isolate_timed(b, 100000000ull), ETIMEDOUT); /* it runs */
	CHECK(now_ns() - t0 >= 100000000ull);
	CHECK(!rdv_is_isolated(b));
	CHECK(!rdv_is_harmless(b));
	atomic_store(&sh_phase, 3);
	WAIT_FOR(atomic_load(&sh_phase) == 4);
	rdv_isolate(b); /* now it is harmless */
	rdv_release(a);		  /* stale: must not release b's isolation */
	rdv_thread_unregister(a); /* stale: must not unregister the newcomer */
	CHECK(rdv_is_isolated(b));
	CHECK_EQ(rdv_thread_index(atomic_load(&sh_new)), 1);
	rdv_release(b);
	rdv_get_stats(dom, &st);
	CHECK_EQ(st.misuse, 4);
	CHECK_EQ(st.registered, 2);
	atomic_store(&sh_phase, 5);
	pthread_join(n, NULL);
	rdv_thread_unregister(b);
	rdv_destroy(dom);
	/* A handle of a destroyed domain is stale too (no use-after-free). */
	CHECK_EQ(rdv_thread_index(b), RDV_NO_THREAD);
	rdv_harmless_now(b);
}

/* ---- thread_exit: registered threads that exit ---- */

static void *te_exit_running(void *arg)
{
	(void)arg;
	rdv_thread_register(dom); /* and exit, running, without unregistering */
	return NULL;
}

static void *te_exit_isolated(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);

	(void)arg;
	rdv_isolate(t);
	pthread_exit(NULL); /* holding the isolation */
}

static void *te_exit_harmless(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);

	(void)arg;
	rdv_harmless_now(t);
	return NULL;
}

static void test_thread_exit(void)
{
	struct rdv_thread *t;
	struct rdv_stats st;
	pthread_t th;

	check_current = "thread_exit";
	dom = rdv_create(2);
	t = rdv_thread_register(dom);
	for (int i = 0; i < 20; i++) { /* more exits than slots */
		void *(*fn)(void *) = i % 3 == 0   ? te_exit_running
				      : i % 3 == 1 ? te_exit_isolated
						   : te_exit_harmless;

		th = spawn(fn, NULL);
		rdv_harmless_now(t); /* let the thread isolate if it asks */
		pthread_join(th, NULL);
		rdv_harmless_end(t); /* 1.0: hangs if it exited isolated */
		rdv_get_stats(dom, &st);
		CHECK_EQ(st.registered, 1);
		/* 1.0: hangs here, waiting for the dead thread to be harmless */
		CHECK_EQ(rdv_isolate_timed(t, 2000000000ull), 0);
		rdv_release(t);
	}
	rdv_get_stats(dom, &st);
	CHECK_EQ(st.isolations, 20 + 20 / 3 + 1);
	rdv_thread_unregister(t);
	rdv_destroy(dom);
}

/* ---- fork: the child keeps only the forking thread ---- */

static atomic_int fk_stop;

static void *fk_runner(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);

	(void)arg;
	atomic_fetch_add(&fk_stop, 1);
	while (atomic_load(&fk_stop) < 100) { /* running, never harmless */
		sleep_ms(1);
	}
	rdv_thread_unregister(t);
	return NULL;
}

static void test_fork(void)
{
	struct rdv_thread *t;
	pthread_t r[2];
	int status = -1;
	pid_t pid;

	check_current = "fork";
	dom = rdv_create(8);
	t = rdv_thread_register(dom);
	r[0] = spawn(fk_runner, NULL);
	r[1] = spawn(fk_runner, NULL);
	WAIT_FOR(atomic_load(&fk_stop) == 2);
	rdv_harmless_now(t);
	pid = fork();
	if (pid == 0) {
		struct rdv_stats st;
		int bad = 0;

		alarm(5);
		rdv_get_stats(dom, &st);
		bad |= st.registered != 1;
		bad |= !rdv_is_harmless(t) << 1; /* our own state is kept */
		rdv_harmless_end(t);
		rdv_isolate(t); /* 1.0: hangs on the threads that are not there */
		bad |= !rdv_is_isolated(t) << 2;
		rdv_release(t);
		/* A new thread in the child registers and isolates normally. */
		struct rdv_thread *again;

		rdv_thread_unregister(t);
		again = rdv_thread_register(dom);
		bad |= (again == NULL) << 3;
		rdv_isolate_full(again);
		rdv_release(again);
		rdv_thread_unregister(again);
		rdv_destroy(dom);
		_exit(bad);
	}
	CHECK(pid > 0);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
	rdv_harmless_end(t);
	atomic_store(&fk_stop, 100);
	pthread_join(r[0], NULL);
	pthread_join(r[1], NULL);
	rdv_thread_unregister(t);
	rdv_destroy(dom);
}

/* ---- signals ---- */

static struct rdv_thread *_Atomic sig_handle;
static atomic_int sig_handled, sig_use_end;
static atomic_int sig_phase, sig_violations;
static atomic_int sig_other_isolated;

static void sig_handler(int sig)
{
	struct rdv_thread *t = atomic_load(&sig_handle);

	(void)sig;
	rdv_harmless_now(t);
	/* the handler's work: harmless */
	if (atomic_load(&sig_use_end)) {
		rdv_harmless_end(t);
	} else {
		rdv_harmless_end_sig(t);
	}
	if (atomic_load(&sig_other_isolated)) {
		atomic_fetch_add(&sig_violations, 1); /* returning into running code */
	}
	atomic_fetch_add(&sig_handled, 1);
}

static void *sig_requester(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);

	(void)arg;
	atomic_store(&sig_handle, t);
	atomic_store(&sig_phase, 1);
	rdv_isolate(t); /* waits for the main thread, which runs */
	CHECK(!atomic_load(&sig_other_isolated));
	atomic_store(&sig_phase, 3);
	rdv_release(t);
	rdv_thread_unregister(t);
	return NULL;
}

static void *sig_isolator(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);

	(void)arg;
	WAIT_FOR(atomic_load(&sig_phase) == 1);
	rdv_isolate(t); /* granted while the other thread's handler is harmless */
	atomic_store(&sig_other_isolated, 1);
	atomic_store(&sig_phase, 2);
	sleep_ms(100);
	atomic_store(&sig_other_isolated, 0);
	rdv_release(t);
	rdv_thread_unregister(t);
	return NULL;
}

static void *sig_runner(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);

	(void)arg;
	atomic_store(&sig_handle, t);
	atomic_store(&sig_phase, 1);
	while (atomic_load(&sig_phase) < 4) { /* running code, interrupted */
		__asm__ __volatile__("" ::: "memory");
	}
	rdv_thread_unregister(t);
	return NULL;
}

static void test_signals(bool use_end)
{
	struct rdv_thread *me;
	pthread_t req, iso;
	struct sigaction sa = { .sa_handler = sig_handler };

	check_current = use_end ? "signals: handler uses rdv_harmless_end()"
				: "signals: handler uses rdv_harmless_end_sig()";
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	atomic_store(&sig_use_end, use_end);
	atomic_store(&sig_phase, 0);
	atomic_store(&sig_handled, 0);
	dom = rdv_create(4);
	me = rdv_thread_register(dom); /* running: holds the request back */
	req = spawn(sig_requester, NULL);
	WAIT_FOR(atomic_load(&sig_phase) == 1);
	sleep_ms(20);
	/* Signals while the requester waits in rdv_isolate(): 1.0 deadlocked
	 * (the handler's harmless_end waited for its own request). */
	for (int i = 0; i < 50; i++) { /* one at a time: SIGUSR1 does not queue */
		pthread_kill(req, SIGUSR1);
		WAIT_FOR(atomic_load(&sig_handled) == i + 1);
	}
	CHECK_EQ(atomic_load(&sig_phase), 1); /* still waiting for us */
	rdv_harmless_now(me);
	WAIT_FOR(atomic_load(&sig_phase) == 3);
	rdv_harmless_end(me);
	pthread_join(req, NULL);
	rdv_thread_unregister(me);
	rdv_destroy(dom);

	/* A handler that interrupts running code: an isolation granted on its
	 * harmlessness must be waited out before the code resumes (I1). */
	dom = rdv_create(4);
	atomic_store(&sig_phase, 0);
	atomic_store(&sig_handled, 0);
	atomic_store(&sig_violations, 0);
	req = spawn(sig_runner, NULL);
	WAIT_FOR(atomic_load(&sig_phase) == 1);
	iso = spawn(sig_isolator, NULL);
	sleep_ms(20); /* the isolator waits for the runner */
	while (atomic_load(&sig_phase) == 1) {
		pthread_kill(req, SIGUSR1);
		sleep_ms(2);
	}
	pthread_join(iso, NULL);
	CHECK_EQ(atomic_load(&sig_violations), 0);
	atomic_store(&sig_phase, 4);
	pthread_join(req, NULL);
	rdv_destroy(dom);
	signal(SIGUSR1, SIG_DFL);
}

/* ---- full_while_plain: abort with one line ---- */

static void test_full_while_plain(void)
{
	int pipefd[2], status = -1;
	char buf[512] = "";
	ssize_t n;
	pid_t pid;

	check_current = "rdv_isolate_full() while holding rdv_isolate()";
	CHECK_EQ(pipe(pipefd), 0);
	pid = fork();
	if (pid == 0) {
		struct rdv *d = rdv_create(2);
		struct rdv_thread *t = rdv_thread_register(d);

		dup2(pipefd[1], 2);
		rdv_isolate(t);
		rdv_isolate_full(t); /* 1.0: silently only the plain guarantee */
		_exit(0);
	}
	close(pipefd[1]);
	n = read(pipefd[0], buf, sizeof(buf) - 1);
	close(pipefd[0]);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	CHECK(n > 0 && strstr(buf, "rdv_isolate_full()") != NULL);
	CHECK(n > 0 && strchr(buf, '\n') == buf + n - 1); /* exactly one line */
}

/* ---- storm: threads reach their safe point one at a time ---- */

#define STORM_THREADS 128

static atomic_int storm_go, storm_arrived, storm_done;

static void *storm_worker(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);
	int me = (int)(intptr_t)arg;

	atomic_fetch_add(&storm_done, 1);
	WAIT_FOR(atomic_load(&storm_go) == 1);
	while (atomic_load(&storm_arrived) != me) { /* one at a time */
		sleep_ms(1);
	}
	atomic_fetch_add(&storm_arrived, 1);
	rdv_harmless_now(t);
	rdv_harmless_end(t); /* blocks until the isolation is over */
	rdv_thread_unregister(t);
	return NULL;
}

static void test_storm(void)
{
	pthread_t w[STORM_THREADS];
	struct rdv_thread *t;
	struct rdv_stats st;

	check_current = "storm: 128 threads reach their safe point one at a time";
	dom = rdv_create(STORM_THREADS + 1);
	t = rdv_thread_register(dom);
	for (int i = 0; i < STORM_THREADS; i++) {
		w[i] = spawn(storm_worker, (void *)(intptr_t)i);
	}
	WAIT_FOR(atomic_load(&storm_done) == STORM_THREADS);
	atomic_store(&storm_go, 1);
	rdv_isolate(t);
	CHECK_EQ(atomic_load(&storm_arrived), STORM_THREADS);
	rdv_release(t);
	for (int i = 0; i < STORM_THREADS; i++) {
		pthread_join(w[i], NULL);
	}
	rdv_get_stats(dom, &st);
	printf("storm: %d threads, %llu futex sleeps, %llu wakes for one isolation\n",
	       STORM_THREADS, (unsigned long long)st.sleeps, (unsigned long long)st.wakes);
	/* 1.0: ~n^2/2 sleeps (every arrival woke every sleeper). */
	CHECK(st.sleeps <= 4 * STORM_THREADS);
	rdv_thread_unregister(t);
	rdv_destroy(dom);
}

/* ---- timed requests and stall reports ---- */

static atomic_int st_calls, st_late_ok, st_phase;
static atomic_uint st_runner_index;

static void stall_fn(const struct rdv_stall *s, void *arg)
{
	unsigned *requester = arg;

	atomic_fetch_add(&st_calls, 1);
	if (s->n_late == 1 && s->late[0].index == atomic_load(&st_runner_index) &&
	    s->requester == *requester && s->waited_ns >= 20000000ull &&
	    s->late[0].not_ready_ns >= s->waited_ns && !s->full &&
	    s->late[0].os_tid > 0) {
		atomic_fetch_add(&st_late_ok, 1);
	}
}

static void *st_runner(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);

	(void)arg;
	atomic_store(&st_runner_index, rdv_thread_index(t));
	atomic_store(&st_phase, 1);
	sleep_ms(150); /* running: the request waits */
	rdv_idle_now(t);
	WAIT_FOR(atomic_load(&st_phase) == 2);
	rdv_idle_end(t);
	rdv_thread_unregister(t);
	return NULL;
}

static void test_timed_and_stall(void)
{
	struct rdv_thread *t;
	unsigned me;
	pthread_t r;
	uint64_t t0;

	check_current = "timed requests and stall reports";
	dom = rdv_create(4);
	t = rdv_thread_register(dom);
	me = rdv_thread_index(t);
	CHECK_EQ(rdv_set_stall_handler(dom, 20000000ull, stall_fn, &me), 0);
	CHECK_EQ(rdv_set_stall_handler(NULL, 1, NULL, NULL), EINVAL);
	r = spawn(st_runner, NULL);
	WAIT_FOR(atomic_load(&st_phase) == 1);
	/* Timed out: back running, the request withdrawn. */
	t0 = now_ns();
	CHECK_EQ(rdv_isolate_full_timed(t, 10000000ull), ETIMEDOUT);
	CHECK(now_ns() - t0 >= 10000000ull);
	CHECK(!rdv_is_isolated(t));
	CHECK(!rdv_is_harmless(t));
	/* Untimed: granted when the runner goes idle; the stall handler ran
	 * once, naming the runner only. */
	atomic_store(&st_calls, 0);
	rdv_isolate(t);
	CHECK(rdv_is_isolated(t));
	rdv_release(t);
	CHECK_EQ(atomic_load(&st_calls), 1);
	CHECK_EQ(atomic_load(&st_late_ok), 1);
	/* The runner is idle now: a full timed request is granted at once. */
	CHECK_EQ(rdv_isolate_full_timed(t, 0), 0);
	rdv_release(t);
	atomic_store(&st_phase, 2);
	pthread_join(r, NULL);
	rdv_thread_unregister(t);
	rdv_destroy(dom);
}

/* RDV_STALL_MS: the default handler's one line, in a child process that
 * reads the variable at its first rdv_create(). */
static void test_stall_env(const char *self)
{
	int pipefd[2], status = -1;
	char buf[2048] = "";
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	check_current = "RDV_STALL_MS default handler";
	CHECK_EQ(pipe(pipefd), 0);
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], 2);
		setenv("RDV_STALL_MS", "30", 1);
		execl(self, self, "--stall-child", (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	while ((n = read(pipefd[0], buf + got, sizeof(buf) - 1 - got)) > 0) {
		got += (size_t)n;
	}
	close(pipefd[0]);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(strstr(buf, "rdv: stall: domain") != NULL);
	CHECK(strstr(buf, "not harmless yet: thread 1 (tid") != NULL);
	CHECK(got > 0 && strchr(buf, '\n') == buf + got - 1); /* one line, once */
}

static void *stall_child_runner(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);

	(void)arg;
	atomic_store(&st_phase, 1);
	sleep_ms(200);
	rdv_harmless_now(t);
	WAIT_FOR(atomic_load(&st_phase) == 2);
	rdv_harmless_end(t);
	rdv_thread_unregister(t);
	return NULL;
}

static int stall_child(void)
{
	struct rdv_thread *t;
	pthread_t r;

	dom = rdv_create(4);
	t = rdv_thread_register(dom); /* index 0; the runner gets 1 */
	atomic_store(&st_phase, 0);
	r = spawn(stall_child_runner, NULL);
	WAIT_FOR(atomic_load(&st_phase) == 1);
	rdv_isolate(t);
	rdv_release(t);
	atomic_store(&st_phase, 2);
	pthread_join(r, NULL);
	rdv_thread_unregister(t);
	rdv_destroy(dom);
	return atomic_load(&check_failed) ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--stall-child") == 0) {
		return stall_child();
	}
	check_watchdog(120);
	test_full_vs_harmless();
	test_plain_under_full();
	test_stale_handle();
	test_thread_exit();
	test_fork();
	test_signals(false);
	test_signals(true);
	test_full_while_plain();
	test_storm();
	test_timed_and_stall();
	test_stall_env(argv[0]);
	return check_summary();
}
