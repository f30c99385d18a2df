/* SPDX-License-Identifier: MIT */
/*
 * Randomized stress test of the protocol, checked with counters kept outside
 * the library:
 *   harmful        threads running user code outside any harmless section
 *                  (counted only between the return of a call that leaves
 *                  harmless and the next call that enters it, so a count
 *                  above zero is certain, never a race of the bookkeeping)
 *   plain_harmless threads inside a user harmless section that is not idle
 *   isolated       threads inside an isolation
 *   data[]         plain (non-atomic) words each thread writes while running:
 *                  they must not change while someone is isolated
 *   under_isolation a plain counter only isolated threads increment: lost
 *                  increments would show two isolations at once
 * Inside each isolation: harmful == 0 (I1), isolated == 1 (I2), for a full
 * isolation plain_harmless == 0 too; data[] unchanged across the section.
 * Nested harmless/idle calls are made while isolated (I4); threads leave and
 * join the domain (I6). A monitor fails the test when no thread makes
 * progress for 10 s (I3/I7: deadlock). Built with ThreadSanitizer in CI too.
 *
 * usage: test_stress THREADS SECONDS [SEED]
 */
#include <pthread.h>
#include <stdint.h>

#include <rdv/rdv.h>

#include "check.h"

static struct rdv *dom;
static unsigned nthreads;
static atomic_int stop;
static atomic_int harmful, plain_harmless, isolated;
static atomic_ulong progress;
static atomic_ulong violations_i1, violations_i2, violations_full, violations_data;
static atomic_ulong n_isolations, n_full, n_churn;
static unsigned long under_isolation; /* plain: only isolated threads touch it */

struct worker {
	unsigned id;
	uint64_t rng;
	uint64_t data; /* plain: written by its owner while running */
	char pad[64 - 2 * sizeof(uint64_t) - sizeof(unsigned)];
};

static struct worker *workers;

static uint32_t next_rand(struct worker *w)
{
	/* xorshift64*: reproducible per seed and thread */
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return (uint32_t)((w->rng * 0x2545F4914F6CDD1Dull) >> 32);
}

static void running(void)
{
	atomic_fetch_add(&harmful, 1);
}

static void not_running(void)
{
	atomic_fetch_sub(&harmful, 1);
}

static void short_pause(struct worker *w)
{
	unsigned n = next_rand(w) % 200;

	for (volatile unsigned i = 0; i < n; i++) {
	}
}

static void nested_calls(struct rdv_thread *t, struct worker *w)
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

static void isolated_section(struct rdv_thread *t, struct worker *w, bool full)
{
	uint64_t snap[8];
	unsigned base = next_rand(w) % nthreads;

	if (atomic_fetch_add(&isolated, 1) != 0) {
		atomic_fetch_add(&violations_i2, 1);
	}
	if (atomic_load(&harmful) != 0) {
		atomic_fetch_add(&violations_i1, 1);
	}
	if (full && atomic_load(&plain_harmless) != 0) {
		atomic_fetch_add(&violations_full, 1);
	}
	for (unsigned i = 0; i < 8; i++) {
		snap[i] = workers[(base + i) % nthreads].data;
	}
	nested_calls(t, w);
	short_pause(w);
	under_isolation++;
	for (unsigned i = 0; i < 8; i++) {
		if (snap[i] != workers[(base + i) % nthreads].data) {
			atomic_fetch_add(&violations_data, 1);
		}
	}
	if (atomic_load(&harmful) != 0) {
		atomic_fetch_add(&violations_i1, 1);
	}
	atomic_fetch_sub(&isolated, 1);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct rdv_thread *t = rdv_thread_register(dom);

	if (!t) {
		fprintf(stderr, "register failed\n");
		exit(2);
	}
	running();
	while (!atomic_load(&stop)) {
		uint32_t r = next_rand(w) % 1000;

		w->data++; /* harmful work on shared-visible data */
		short_pause(w);
		if (r < 350) {
			not_running();
			rdv_harmless_now(t);
			atomic_fetch_add(&plain_harmless, 1);
			short_pause(w);
			atomic_fetch_sub(&plain_harmless, 1);
			rdv_harmless_end(t);
			running();
		} else if (r < 800) {
			not_running();
			rdv_idle_now(t);
			if (next_rand(w) % 8 == 0) {
				sched_yield(); /* "polling" */
			}
			rdv_idle_end(t);
			running();
		} else if (r < 940) {
			bool full = r >= 910;

			not_running();
			if (full) {
				rdv_isolate_full(t);
			} else {
				rdv_isolate(t);
			}
			isolated_section(t, w, full);
			atomic_fetch_add(&n_isolations, 1);
			if (full) {
				atomic_fetch_add(&n_full, 1);
			}
			rdv_release(t);
			running();
		} else if (r < 950) {
			not_running();
			rdv_thread_unregister(t);
			atomic_fetch_add(&n_churn, 1);
			sched_yield();
			t = rdv_thread_register(dom);
			if (!t) {
				fprintf(stderr, "re-register failed\n");
				exit(2);
			}
			running();
		} else {
			not_running();
			rdv_harmless_end(t); /* a safe point while running */
			running();
		}
		atomic_fetch_add(&progress, 1);
	}
	not_running();
	rdv_thread_unregister(t);
	return NULL;
}

static void *monitor_main(void *arg)
{
	unsigned long last = 0;
	int still = 0;

	(void)arg;
	while (!atomic_load(&stop)) {
		sleep_ms(100);
		unsigned long now = atomic_load(&progress);

		still = now == last ? still + 1 : 0;
		last = now;
		if (still >= 100) {
			fprintf(stderr,
				"FAIL: no progress for 10 s (deadlock): harmful=%d isolated=%d "
				"plain_harmless=%d isolations=%lu\n",
				atomic_load(&harmful), atomic_load(&isolated),
				atomic_load(&plain_harmless), atomic_load(&n_isolations));
			_exit(3);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned seconds;
	uint64_t seed;
	pthread_t *th, mon;
	struct rdv_stats st;

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

	/* A few spare slots, so churn moves threads across indexes and words. */
	dom = rdv_create(nthreads + 3);
	workers = calloc(nthreads, sizeof(*workers));
	th = calloc(nthreads, sizeof(*th));
	if (!dom || !workers || !th) {
		return 2;
	}
	for (unsigned i = 0; i < nthreads; i++) {
		workers[i].id = i;
		workers[i].rng = seed * 0x9E3779B97F4A7C15ull + i + 1;
		if (pthread_create(&th[i], NULL, worker_main, &workers[i]) != 0) {
			perror("pthread_create");
			return 2;
		}
	}
	pthread_create(&mon, NULL, monitor_main, NULL);
	sleep_ms(seconds * 1000);
	atomic_store(&stop, 1);
	for (unsigned i = 0; i < nthreads; i++) {
		pthread_join(th[i], NULL);
	}
	pthread_join(mon, NULL);

	rdv_get_stats(dom, &st);
	printf("stress: ops=%lu isolations=%lu (full %lu) churn=%lu blocked=%llu sleeps=%llu "
	       "wakes=%llu\n",
	       atomic_load(&progress), atomic_load(&n_isolations), atomic_load(&n_full),
	       atomic_load(&n_churn), (unsigned long long)st.blocked,
	       (unsigned long long)st.sleeps, (unsigned long long)st.wakes);
	CHECK_EQ(atomic_load(&violations_i1), 0);
	CHECK_EQ(atomic_load(&violations_i2), 0);
	CHECK_EQ(atomic_load(&violations_full), 0);
	CHECK_EQ(atomic_load(&violations_data), 0);
	CHECK_EQ(under_isolation, atomic_load(&n_isolations));
	CHECK_EQ(st.isolations, atomic_load(&n_isolations));
	CHECK_EQ(st.full, atomic_load(&n_full));
	CHECK_EQ(st.misuse, 0);
	CHECK_EQ(st.registered, 0);
	CHECK(atomic_load(&n_isolations) > 0);
	rdv_destroy(dom);
	free(workers);
	free(th);
	return check_summary();
}
