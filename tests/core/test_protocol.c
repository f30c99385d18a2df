/* SPDX-License-Identifier: MIT */
/*
 * Deterministic multi-thread scenarios: one per invariant of DESIGN.md §1,
 * and one regression test per bug HAProxy shipped in this design. Each
 * scenario makes threads meet at known points (sleeps long enough that the
 * order is certain on a loaded machine is avoided: the checks wait for
 * observable states instead) and fails on the buggy behaviour, either by a
 * check or by the watchdog (a deadlock).
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <rdv/rdv.h>

#include "check.h"

static struct rdv *dom;

/* ---- a9c0252b2: release must not leave the thread harmless ---- */

static atomic_int r1_phase;
static atomic_int r1_harmful; /* the releasing thread runs harmful code */
static atomic_int r1_violations;

static void *r1_isolator(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);

	(void)arg;
	rdv_isolate(t);
	rdv_release(t);
	/* Running, touching shared state, while another thread asks. */
	atomic_store(&r1_harmful, 1);
	atomic_store(&r1_phase, 1);
	sleep_ms(100);
	atomic_store(&r1_harmful, 0);
	rdv_harmless_now(t);
	WAIT_FOR(atomic_load(&r1_phase) == 2);
	rdv_harmless_end(t);
	rdv_thread_unregister(t);
	return NULL;
}

static void *r1_other(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);

	(void)arg;
	rdv_harmless_now(t); /* never hold the first isolation back */
	WAIT_FOR(atomic_load(&r1_phase) == 1);
	rdv_isolate(t);
	if (atomic_load(&r1_harmful)) {
		atomic_fetch_add(&r1_violations, 1);
	}
	rdv_release(t);
	atomic_store(&r1_phase, 2);
	rdv_thread_unregister(t);
	return NULL;
}

static void test_release_leaves_running(void)
{
	pthread_t a, b;

	check_current = "a9c0252b2 release leaves running";
	dom = rdv_create(4);
	a = spawn(r1_isolator, NULL);
	b = spawn(r1_other, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	CHECK_EQ(atomic_load(&r1_violations), 0);
	rdv_destroy(dom);
}

/* ---- a9a9e9aac / f63a18550: nested harmless/idle while isolated, with
 * another request queued behind, must not deadlock (I4) ---- */

static atomic_int r2_phase, r2_full;

static void *r2_waiter(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);

	(void)arg;
	rdv_harmless_now(t);
	atomic_store(&r2_phase, 1);
	WAIT_FOR(atomic_load(&r2_phase) == 2);
	/* queued behind the isolated main thread */
	if (atomic_load(&r2_full)) {
		rdv_isolate_full(t);
	} else {
		rdv_isolate(t);
	}
	rdv_release(t);
	rdv_thread_unregister(t);
	return NULL;
}

static void test_nested_while_isolated(bool full)
{
	struct rdv_thread *t;
	pthread_t w;
	struct rdv_stats st;

	check_current = full ? "a9a9e9aac/f63a18550 nesting while isolated, full waiter"
			     : "a9a9e9aac/f63a18550 nesting while isolated";
	atomic_store(&r2_phase, 0);
	atomic_store(&r2_full, full);
	dom = rdv_create(4);
	t = rdv_thread_register(dom);
	w = spawn(r2_waiter, NULL);
	WAIT_FOR(atomic_load(&r2_phase) == 1);
	rdv_isolate(t);
	atomic_store(&r2_phase, 2);
	sleep_ms(20); /* let the waiter queue up */
	for (int i = 0; i < 1000; i++) {
		rdv_harmless_now(t);
		rdv_harmless_end(t);
		rdv_idle_now(t);
		rdv_harmless_now(t);
		rdv_harmless_end(t);
		rdv_idle_end(t);
	}
	CHECK(rdv_is_isolated(t));
	/* The waiter sleeps: the nested sections must not wake it each time. */
	rdv_get_stats(dom, &st);
	CHECK(st.wakes < 100);
	/* A plain waiter: release blocks until its isolation is done. A full
	 * one needs us idle: release returns and we wait in an idle section. */
	rdv_release(t);
	if (full) {
		rdv_idle_now(t);
	}
	pthread_join(w, NULL);
	if (full) {
		rdv_idle_end(t);
	}
	rdv_get_stats(dom, &st);
	CHECK_EQ(st.isolations, 2);
	rdv_thread_unregister(t);
	rdv_destroy(dom);
}

/* ---- 8fc707390: a thread leaving harmless while another wins the race
 * must not run while the other believes itself isolated (I1) ---- */

static atomic_int r3_stop, r3_harmful, r3_violations, r3_isolations;

static void *r3_flipper(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);

	(void)arg;
	while (!atomic_load(&r3_stop)) {
		atomic_fetch_add(&r3_harmful, 1);
		atomic_fetch_sub(&r3_harmful, 1);
		rdv_harmless_now(t);
		rdv_harmless_end(t);
	}
	rdv_thread_unregister(t);
	return NULL;
}

static void *r3_isolator(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);

	(void)arg;
	while (!atomic_load(&r3_stop)) {
		atomic_fetch_add(&r3_harmful, 1);
		atomic_fetch_sub(&r3_harmful, 1);
		rdv_isolate(t);
		for (int i = 0; i < 50; i++) {
			if (atomic_load(&r3_harmful) != 0) {
				atomic_fetch_add(&r3_violations, 1);
			}
		}
		atomic_fetch_add(&r3_isolations, 1);
		rdv_release(t);
	}
	rdv_thread_unregister(t);
	return NULL;
}

static void test_race_on_grant(void)
{
	pthread_t th[4];

	check_current = "8fc707390 race on grant";
	dom = rdv_create(4);
	th[0] = spawn(r3_flipper, NULL);
	th[1] = spawn(r3_flipper, NULL);
	th[2] = spawn(r3_isolator, NULL);
	th[3] = spawn(r3_isolator, NULL);
	sleep_ms(1500);
	atomic_store(&r3_stop, 1);
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
	}
	CHECK_EQ(atomic_load(&r3_violations), 0);
	CHECK(atomic_load(&r3_isolations) > 100);
	rdv_destroy(dom);
}

/* ---- I7 a: ending a non-idle harmless section while another thread waits
 * in isolate_full must not deadlock (HAProxy's thread_harmless_end() waits
 * for that request, which waits for the thread to be idle); and the full
 * isolation must not be granted while the thread is in its harmless section
 * or blocked leaving it (I1: it may hold references there) ---- */

static atomic_int i7_phase, i7_in_section, i7_violations;

static void *i7_full(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);

	(void)arg;
	WAIT_FOR(atomic_load(&i7_phase) == 1);
	rdv_isolate_full(t);
	if (atomic_load(&i7_in_section)) {
		atomic_fetch_add(&i7_violations, 1); /* granted with a non-idle thread */
	}
	atomic_store(&i7_phase, 3);
	rdv_release(t);
	rdv_thread_unregister(t);
	return NULL;
}

static void test_i7_harmless_end_vs_full(void)
{
	struct rdv_thread *t;
	pthread_t f;
	struct rdv_stats st;
	uint64_t t0;

	check_current = "I7 harmless_end vs isolate_full";
	dom = rdv_create(4);
	t = rdv_thread_register(dom);
	f = spawn(i7_full, NULL);
	atomic_store(&i7_in_section, 1); /* "holds a reference" from here */
	rdv_harmless_now(t);
	atomic_store(&i7_phase, 1);
	sleep_ms(100); /* the full request waits for us to be idle */
	CHECK(atomic_load(&i7_phase) == 1);
	t0 = now_ns();
	rdv_harmless_end(t); /* HAProxy hangs here; rdv returns running */
	CHECK(now_ns() - t0 < 50000000ull);
	sleep_ms(50);
	CHECK_EQ(atomic_load(&i7_phase), 1); /* still not granted: we run */
	atomic_store(&i7_in_section, 0); /* reference dropped, to the poller */
	rdv_idle_now(t);
	WAIT_FOR(atomic_load(&i7_phase) == 3);
	rdv_idle_end(t);
	pthread_join(f, NULL);
	CHECK_EQ(atomic_load(&i7_violations), 0);
	rdv_get_stats(dom, &st);
	CHECK_EQ(st.full, 1);
	rdv_thread_unregister(t);
	rdv_destroy(dom);
}

/* ---- I1 for isolate_full: idle threads and blocked threads let it go,
 * a thread in a plain harmless section does not ---- */

static atomic_int full_phase;

static void *full_idle_worker(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);

	(void)arg;
	rdv_idle_now(t);
	atomic_fetch_add(&full_phase, 1);
	WAIT_FOR(atomic_load(&full_phase) >= 10);
	rdv_idle_end(t);
	rdv_thread_unregister(t);
	return NULL;
}

static void test_full_with_idle_threads(void)
{
	struct rdv_thread *t;
	pthread_t w[3];
	uint64_t t0;

	check_current = "isolate_full with idle threads";
	dom = rdv_create(8);
	t = rdv_thread_register(dom);
	for (int i = 0; i < 3; i++) {
		w[i] = spawn(full_idle_worker, NULL);
	}
	WAIT_FOR(atomic_load(&full_phase) == 3);
	t0 = now_ns();
	rdv_isolate_full(t);
	CHECK(now_ns() - t0 < 1000000000ull);
	CHECK(rdv_is_isolated(t));
	rdv_release(t);
	atomic_store(&full_phase, 10);
	for (int i = 0; i < 3; i++) {
		pthread_join(w[i], NULL);
	}
	rdv_thread_unregister(t);
	rdv_destroy(dom);
}

/* ---- I6: a thread registering during an isolation does not return
 * before the release; one unregistering never blocks an isolation ---- */

static atomic_int i6_registered;

static void *i6_newcomer(void *arg)
{
	struct rdv_thread *t;

	(void)arg;
	t = rdv_thread_register(dom);
	atomic_store(&i6_registered, 1);
	rdv_thread_unregister(t);
	return NULL;
}

static atomic_int i6_leave;

static void *i6_leaver(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);

	(void)arg;
	atomic_store(&i6_leave, 1);
	WAIT_FOR(atomic_load(&i6_leave) == 2);
	rdv_thread_unregister(t); /* while running: the isolation waits for it */
	return NULL;
}

static void test_membership(void)
{
	struct rdv_thread *t;
	pthread_t n, l;

	check_current = "I6 membership";
	dom = rdv_create(4);
	t = rdv_thread_register(dom);
	rdv_isolate(t);
	n = spawn(i6_newcomer, NULL);
	sleep_ms(100);
	CHECK_EQ(atomic_load(&i6_registered), 0);
	rdv_release(t);
	pthread_join(n, NULL);
	CHECK_EQ(atomic_load(&i6_registered), 1);

	/* A running thread holds an isolation back until it unregisters. */
	l = spawn(i6_leaver, NULL);
	WAIT_FOR(atomic_load(&i6_leave) == 1);
	atomic_store(&i6_leave, 2);
	rdv_isolate(t);
	CHECK(rdv_is_isolated(t));
	rdv_release(t);
	pthread_join(l, NULL);
	rdv_thread_unregister(t);
	rdv_destroy(dom);
}

/* ---- I3 fairness: FIFO grants. Between a request and its grant, at most
 * (threads - 1) other grants happen: one per thread queued ahead ---- */

#define FAIR_THREADS 6
static atomic_int fair_stop;
static atomic_ulong fair_grants;
static atomic_int fair_worst;

static void *fair_worker(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);

	(void)arg;
	while (!atomic_load(&fair_stop)) {
		unsigned long before = atomic_load(&fair_grants);

		rdv_isolate(t);
		int overtaken = (int)(atomic_load(&fair_grants) - before);

		if (overtaken > atomic_load(&fair_worst)) {
			atomic_store(&fair_worst, overtaken);
		}
		atomic_fetch_add(&fair_grants, 1);
		rdv_release(t);
		rdv_harmless_now(t);
		rdv_harmless_end(t);
	}
	rdv_thread_unregister(t);
	return NULL;
}

static void test_fairness(void)
{
	pthread_t th[FAIR_THREADS];

	check_current = "I3 fairness";
	dom = rdv_create(FAIR_THREADS);
	for (int i = 0; i < FAIR_THREADS; i++) {
		th[i] = spawn(fair_worker, NULL);
	}
	sleep_ms(1000);
	atomic_store(&fair_stop, 1);
	for (int i = 0; i < FAIR_THREADS; i++) {
		pthread_join(th[i], NULL);
	}
	CHECK(atomic_load(&fair_grants) > 1000);
	CHECK(atomic_load(&fair_worst) <= FAIR_THREADS - 1);
	printf("fairness: %lu grants, at most %d overtaken (bound %d)\n",
	       (unsigned long)atomic_load(&fair_grants), atomic_load(&fair_worst),
	       FAIR_THREADS - 1);
	rdv_destroy(dom);
}

/* ---- Waiters use no CPU during a long isolation; pollers asleep in
 * epoll_wait are never woken by isolations ---- */

static atomic_int cpu_phase;
static atomic_llong cpu_waiter_ns, cpu_blocked_ns;

static long long thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static void *cpu_requester(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);
	long long c0;

	(void)arg;
	rdv_harmless_now(t);
	WAIT_FOR(atomic_load(&cpu_phase) == 1);
	c0 = thread_cpu_ns();
	rdv_isolate(t); /* waits ~300 ms for the holder */
	atomic_store(&cpu_waiter_ns, thread_cpu_ns() - c0);
	rdv_release(t);
	rdv_thread_unregister(t);
	return NULL;
}

static void *cpu_blocked(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);
	long long c0;

	(void)arg;
	rdv_harmless_now(t);
	WAIT_FOR(atomic_load(&cpu_phase) == 1);
	c0 = thread_cpu_ns();
	rdv_harmless_end(t); /* blocked ~300 ms */
	atomic_store(&cpu_blocked_ns, thread_cpu_ns() - c0);
	rdv_thread_unregister(t);
	return NULL;
}

static long voluntary_switches(pid_t tid)
{
	char path[64], line[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)tid);
	f = fopen(path, "r");
	if (!f) {
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &v) == 1) {
			break;
		}
	}
	fclose(f);
	return v;
}

static atomic_int poller_tid, poller_stop;

static void *cpu_poller(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);
	int ep = epoll_create1(0), efd = *(int *)arg;
	struct epoll_event ev = { .events = EPOLLIN }, out;

	epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
	atomic_store(&poller_tid, (int)syscall(SYS_gettid));
	while (!atomic_load(&poller_stop)) {
		rdv_idle_now(t);
		epoll_wait(ep, &out, 1, -1);
		rdv_idle_end(t);
	}
	close(ep);
	rdv_thread_unregister(t);
	return NULL;
}

static void test_no_cpu_no_wakeups(void)
{
	struct rdv_thread *t;
	pthread_t r, b, p;
	int efd = eventfd(0, 0);
	long sw0, sw1;
	uint64_t one = 1;

	check_current = "waiters sleep, pollers stay asleep";
	dom = rdv_create(8);
	t = rdv_thread_register(dom);
	p = spawn(cpu_poller, &efd);
	WAIT_FOR(atomic_load(&poller_tid) != 0);
	sleep_ms(50); /* asleep in epoll_wait */
	sw0 = voluntary_switches(atomic_load(&poller_tid));
	for (int i = 0; i < 2000; i++) {
		rdv_isolate(t);
		rdv_release(t);
		rdv_isolate_full(t);
		rdv_release(t);
	}
	sw1 = voluntary_switches(atomic_load(&poller_tid));
	CHECK(sw0 >= 0);
	CHECK_EQ(sw1 - sw0, 0);

	r = spawn(cpu_requester, NULL);
	b = spawn(cpu_blocked, NULL);
	sleep_ms(50);
	rdv_isolate(t);
	atomic_store(&cpu_phase, 1);
	sleep_ms(300);
	rdv_release(t);
	pthread_join(r, NULL);
	pthread_join(b, NULL);
	printf("cpu while waiting 300 ms: requester %lld us, blocked %lld us\n",
	       atomic_load(&cpu_waiter_ns) / 1000, atomic_load(&cpu_blocked_ns) / 1000);
	CHECK(atomic_load(&cpu_waiter_ns) < 30000000ll);
	CHECK(atomic_load(&cpu_blocked_ns) < 30000000ll);

	atomic_store(&poller_stop, 1);
	if (write(efd, &one, sizeof(one)) != sizeof(one)) {
		CHECK(!"eventfd write");
	}
	pthread_join(p, NULL);
	close(efd);
	rdv_thread_unregister(t);
	rdv_destroy(dom);
}

int main(void)
{
	check_watchdog(90);
	test_release_leaves_running();
	test_nested_while_isolated(false);
	test_nested_while_isolated(true);
	test_race_on_grant();
	test_i7_harmless_end_vs_full();
	test_full_with_idle_threads();
	test_membership();
	test_fairness();
	test_no_cpu_no_wakeups();
	return check_summary();
}
