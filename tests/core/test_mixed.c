/* SPDX-License-Identifier: MIT */
/*
 * A second randomized stress, with what test_stress.c does not do:
 *  - requests made from every state: running, inside a harmless section
 *    and inside an idle section (the section ends, header), timed with
 *    timeouts from 0 to ~UINT64_MAX;
 *  - rdv_isolate() and rdv_isolate_timed() nested inside a full isolation
 *    (no misuse: already stronger);
 *  - signals from two timers at a high rate (setitimer(ITIMER_PROF) and a
 *    POSIX timer, process-directed, so they land wherever threads are),
 *    whose handler brackets its work with rdv_harmless_now() and, while the
 *    thread is inside an rdv call that may wait, sometimes rdv_harmless_end()
 *    (the header: it then acts as rdv_harmless_end_sig()), else
 *    rdv_harmless_end_sig() (1.1 hung when such a handler interrupted
 *    rdv_release());
 *  - registration churn.
 * Checked on behaviour with two counters kept outside the library: out_h,
 * threads that may run harmful code (set after a call that leaves harmless
 * returns, cleared before a call that enters it) and out_i, threads outside
 * the idle places of I1 (cleared before rdv_idle_now(), rdv_isolate_full*()
 * and unregister, set after rdv_idle_end(), register and requests return).
 * Both are conservative (late to count a thread, early to uncount it), so
 * inside a plain isolation out_h > 1, or inside a full one out_i > 1, is a
 * certain I1 violation; `iso` counts threads inside isolations (I2: never
 * 2; I5: 0 whenever a thread comes back to running). A handler that
 * interrupted running code must return with no isolation held (I1). No
 * progress for 10 s is a deadlock (I3, I7).
 *
 * usage: test_mixed THREADS SECONDS [SEED]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/time.h>
#include <time.h>

#include <rdv/rdv.h>

#include "check.h"

struct state {
	volatile int run;  /* counted in out_h (the signal handler reads it) */
	volatile int busy; /* counted in out_i */
	uint64_t rng;
};

static struct rdv *dom;
static atomic_int stop;
static atomic_int out_h, out_i, iso;
static atomic_ulong v_i1, v_full, v_i2, v_i5, v_sig, v_timed, v_nested;
static atomic_ulong progress, n_iso, n_full, n_nested, n_timeouts, n_signals, n_churn;

static __thread struct state *tls_st;
static __thread struct rdv_thread *volatile tls_h;
static __thread volatile int tls_isolated; /* holds an isolation (user view) */
static __thread volatile int tls_in_rdv;   /* inside an rdv call that may wait */

static uint32_t next_rand(struct state *s)
{
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return (uint32_t)((s->rng * 0x2545F4914F6CDD1Dull) >> 32);
}

/*
 * The counters lag behind on the safe side: counted after the flag is set,
 * uncounted before it is cleared. (Uncounting after the flag is cleared
 * would count a thread whose signal handler, run between the two, made it
 * harmless and waits there for the isolation granted on it.)
 */
static void set_flag(volatile int *flag, atomic_int *counter, int v)
{
	if (*flag == v) {
		return;
	}
	if (v) {
		*flag = 1;
		atomic_fetch_add(counter, 1);
	} else {
		atomic_fetch_sub(counter, 1);
		*flag = 0;
	}
}

static void set_run(struct state *s, int v)
{
	set_flag(&s->run, &out_h, v);
}

static void set_busy(struct state *s, int v)
{
	set_flag(&s->busy, &out_i, v);
}

/* Back to running: no other thread may be isolated (I5, I6). */
static void back_running(struct state *s)
{
	if (atomic_load(&iso) != 0) {
		atomic_fetch_add(&v_i5, 1);
	}
	set_run(s, 1);
}

static void pause_rand(struct state *s, unsigned max)
{
	unsigned n = next_rand(s) % max;

	for (volatile unsigned i = 0; i < n; i++) {
	}
}

static void on_signal(int sig)
{
	struct rdv_thread *h = tls_h;
	struct state *s = tls_st;
	int saved = errno, run;

	(void)sig;
	if (!h || !s) {
		return;
	}
	run = s->run;
	if (run) {
		atomic_fetch_sub(&out_h, 1);
	}
	s->run = 0;
	rdv_harmless_now(h);
	atomic_fetch_add(&n_signals, 1);
	for (volatile int i = 0; i < 300; i++) {
	}
	if (tls_in_rdv && next_rand(s) % 4 == 0) {
		rdv_harmless_end(h);
	} else {
		rdv_harmless_end_sig(h);
	}
	if (run && !tls_isolated && atomic_load(&iso) != 0) {
		atomic_fetch_add(&v_sig, 1);
	}
	s->run = run;
	if (run) {
		atomic_fetch_add(&out_h, 1);
	}
	errno = saved;
}

static void check_alone(bool full)
{
	if (atomic_load(&out_h) > 1) {
		atomic_fetch_add(&v_i1, 1);
	}
	if (full && atomic_load(&out_i) > 1) {
		atomic_fetch_add(&v_full, 1);
	}
}

static void isolated_section(struct state *s, struct rdv_thread *t, bool full)
{
	if (atomic_fetch_add(&iso, 1) != 0) {
		atomic_fetch_add(&v_i2, 1);
	}
	check_alone(full);
	switch (next_rand(s) % 8) {
	case 0: /* I4 */
		rdv_harmless_now(t);
		pause_rand(s, 100);
		rdv_harmless_end(t);
		break;
	case 1:
		rdv_idle_now(t);
		pause_rand(s, 100);
		rdv_idle_end(t);
		break;
	case 2: /* already stronger: no effect, no misuse */
		if (full) {
			rdv_isolate(t);
			atomic_fetch_add(&n_nested, 1);
			if (!rdv_is_isolated(t)) {
				atomic_fetch_add(&v_nested, 1);
			}
		}
		break;
	case 3:
		if (full) {
			atomic_fetch_add(&n_nested, 1);
			if (rdv_isolate_timed(t, next_rand(s) % 1000) != 0) {
				atomic_fetch_add(&v_nested, 1);
			}
		}
		break;
	default:
		break;
	}
	pause_rand(s, 500);
	check_alone(full);
	atomic_fetch_add(&n_iso, 1);
	if (full) {
		atomic_fetch_add(&n_full, 1);
	}
	atomic_fetch_sub(&iso, 1);
}

/* A request of a random kind, from where the thread is (running, or inside
 * a harmless or idle section: the section ends), its section, the release. */
static void request(struct state *s, struct rdv_thread *t)
{
	static const uint64_t timeouts[] = {0, 1, 100, 10000, 100000, 1000000, UINT64_MAX};
	uint32_t r = next_rand(s);
	bool full = r % 4 == 0, timed = (r >> 4) % 2;
	uint64_t timeout = timeouts[(r >> 8) % 7];
	int ret = 0;

	set_run(s, 0);
	if (full) {
		set_busy(s, 0); /* waiting in rdv_isolate_full() is idle */
	}
	tls_in_rdv = 1;
	if (timed) {
		ret = full ? rdv_isolate_full_timed(t, timeout) : rdv_isolate_timed(t, timeout);
	} else if (full) {
		rdv_isolate_full(t);
	} else {
		rdv_isolate(t);
	}
	tls_in_rdv = 0;
	if (ret == ETIMEDOUT) {
		atomic_fetch_add(&n_timeouts, 1);
		if (rdv_is_isolated(t) || rdv_is_harmless(t)) {
			atomic_fetch_add(&v_timed, 1);
		}
		set_busy(s, 1);
		back_running(s);
		return;
	}
	if (ret != 0 || !rdv_is_isolated(t)) {
		atomic_fetch_add(&v_timed, 1);
		set_busy(s, 1);
		back_running(s);
		return;
	}
	tls_isolated = 1;
	set_busy(s, 1);
	set_run(s, 1);
	isolated_section(s, t, full);
	set_run(s, 0);
	tls_isolated = 0;
	tls_in_rdv = 1;
	rdv_release(t);
	tls_in_rdv = 0;
	back_running(s);
}

static struct rdv_thread *enter(struct state *s)
{
	struct rdv_thread *t = rdv_thread_register(dom);

	if (!t) {
		fprintf(stderr, "register failed\n");
		exit(2);
	}
	set_busy(s, 1);
	back_running(s);
	atomic_signal_fence(memory_order_seq_cst);
	tls_h = t;
	return t;
}

static void leave(struct state *s, struct rdv_thread *t)
{
	tls_h = NULL;
	atomic_signal_fence(memory_order_seq_cst);
	set_run(s, 0);
	set_busy(s, 0);
	rdv_thread_unregister(t);
}

static void *worker_main(void *arg)
{
	struct state s = {.rng = (uintptr_t)arg};
	struct rdv_thread *t;

	tls_st = &s;
	t = enter(&s);
	while (!atomic_load(&stop)) {
		uint32_t r = next_rand(&s) % 100;

		pause_rand(&s, 200);
		if (r < 30) {
			set_run(&s, 0);
			rdv_harmless_now(t);
			pause_rand(&s, 300);
			if (next_rand(&s) % 6 == 0) {
				request(&s, t);
			} else {
				tls_in_rdv = 1;
				rdv_harmless_end(t);
				tls_in_rdv = 0;
				back_running(&s);
			}
		} else if (r < 65) {
			set_run(&s, 0);
			set_busy(&s, 0);
			rdv_idle_now(t);
			if (next_rand(&s) % 4 == 0) {
				sched_yield();
			} else {
				pause_rand(&s, 300);
			}
			if (next_rand(&s) % 6 == 0) {
				request(&s, t);
			} else {
				tls_in_rdv = 1;
				rdv_idle_end(t);
				tls_in_rdv = 0;
				set_busy(&s, 1);
				back_running(&s);
			}
		} else if (r < 90) {
			request(&s, t);
		} else if (r < 93) {
			leave(&s, t);
			atomic_fetch_add(&n_churn, 1);
			t = enter(&s);
		} else {
			set_run(&s, 0);
			tls_in_rdv = 1;
			rdv_harmless_end(t); /* a safe point while running */
			tls_in_rdv = 0;
			back_running(&s);
		}
		atomic_fetch_add(&progress, 1);
	}
	leave(&s, t);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct itimerval prof = {{0, 50}, {0, 50}}, off = {{0, 0}, {0, 0}};
	struct itimerspec its = {{0, 20000}, {0, 20000}}, its_off = {{0, 0}, {0, 0}};
	struct sigevent sev;
	struct rdv_stats st;
	unsigned nthreads, seconds;
	unsigned long last = 0;
	pthread_t *th;
	uint64_t seed;
	timer_t timer;
	int still = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: %s THREADS SECONDS [SEED]\n", argv[0]);
		return 2;
	}
	nthreads = (unsigned)strtoul(argv[1], NULL, 0);
	seconds = (unsigned)strtoul(argv[2], NULL, 0);
	seed = argc > 3 ? strtoull(argv[3], NULL, 0) : now_ns();
	if (nthreads < 1 || nthreads > 4096) {
		fprintf(stderr, "THREADS must be 1..4096\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("mixed: threads=%u seconds=%u seed=%llu\n", nthreads, seconds,
	       (unsigned long long)seed);
	check_current = "mixed";
	check_watchdog(seconds + 60);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPROF, &sa, NULL);
	sigaction(SIGRTMIN, &sa, NULL);
	dom = rdv_create(nthreads + 3); /* not a multiple of 64: a partial word */
	th = calloc(nthreads, sizeof(*th));
	if (!dom || !th) {
		return 2;
	}
	for (unsigned i = 0; i < nthreads; i++) {
		uint64_t rng = (seed + i + 1) * 0x9E3779B97F4A7C15ull;

		if (pthread_create(&th[i], NULL, worker_main, (void *)(uintptr_t)(rng | 1)) != 0) {
			perror("pthread_create");
			return 2;
		}
	}
	setitimer(ITIMER_PROF, &prof, NULL);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGRTMIN;
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) != 0) {
		perror("timer_create");
		return 2;
	}
	timer_settime(timer, 0, &its, NULL);
	for (unsigned k = 0; k < seconds * 10; k++) {
		sleep_ms(100);
		unsigned long now = atomic_load(&progress);

		still = now == last ? still + 1 : 0;
		last = now;
		if (still >= 100) {
			fprintf(stderr, "FAIL: no progress for 10 s (deadlock): iso=%d\n",
				atomic_load(&iso));
			_exit(3);
		}
	}
	setitimer(ITIMER_PROF, &off, NULL);
	timer_settime(timer, 0, &its_off, NULL);
	atomic_store(&stop, 1);
	for (unsigned i = 0; i < nthreads; i++) {
		pthread_join(th[i], NULL);
	}
	timer_delete(timer);
	rdv_get_stats(dom, &st);
	printf("mixed: ops=%lu isolations=%lu (full %lu, nested %lu) timeouts=%lu signals=%lu "
	       "churn=%lu blocked=%llu sleeps=%llu\n",
	       atomic_load(&progress), atomic_load(&n_iso), atomic_load(&n_full),
	       atomic_load(&n_nested), atomic_load(&n_timeouts), atomic_load(&n_signals),
	       atomic_load(&n_churn), (unsigned long long)st.blocked,
	       (unsigned long long)st.sleeps);
	CHECK_EQ(atomic_load(&v_i1), 0);
	CHECK_EQ(atomic_load(&v_full), 0);
	CHECK_EQ(atomic_load(&v_i2), 0);
	CHECK_EQ(atomic_load(&v_i5), 0);
	CHECK_EQ(atomic_load(&v_sig), 0);
	CHECK_EQ(atomic_load(&v_timed), 0);
	CHECK_EQ(atomic_load(&v_nested), 0);
	CHECK_EQ(st.isolations, atomic_load(&n_iso));
	CHECK_EQ(st.misuse, 0);
	CHECK_EQ(st.registered, 0);
	CHECK(atomic_load(&n_iso) > 0);
	CHECK(atomic_load(&n_signals) > 0);
	rdv_destroy(dom);
	free(th);
	return check_summary();
}
