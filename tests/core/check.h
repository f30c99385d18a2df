/* SPDX-License-Identifier: MIT */
/*
 * A few checking helpers shared by the core tests: CHECK() counts and reports
 * failures with their place, a watchdog turns a hang (deadlock) into a
 * failure with a message, and the run ends with a "N passed, N failed" line.
 */
#ifndef RDV_TESTS_CHECK_H
#define RDV_TESTS_CHECK_H

#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_int check_passed, check_failed;
static const char *check_current = "";

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (cond) {                                                                        \
			atomic_fetch_add(&check_passed, 1);                                        \
		} else {                                                                           \
			atomic_fetch_add(&check_failed, 1);                                        \
			fprintf(stderr, "FAIL %s:%d [%s]: %s\n", __FILE__, __LINE__,               \
				check_current, #cond);                                             \
		}                                                                                  \
	} while (0)

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long long check_a_ = (long long)(a), check_b_ = (long long)(b);                    \
		if (check_a_ == check_b_) {                                                        \
			atomic_fetch_add(&check_passed, 1);                                        \
		} else {                                                                           \
			atomic_fetch_add(&check_failed, 1);                                        \
			fprintf(stderr, "FAIL %s:%d [%s]: %s == %s (%lld != %lld)\n", __FILE__,    \
				__LINE__, check_current, #a, #b, check_a_, check_b_);              \
		}                                                                                  \
	} while (0)

static void check_watchdog_fired(int sig)
{
	static const char msg[] = "FAIL: watchdog: the test hung (deadlock?)\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0) {
		_exit(3);
	}
	_exit(3);
}

/* The whole test must end within `seconds`, or it fails as a deadlock. */
static inline void check_watchdog(unsigned seconds)
{
	signal(SIGALRM, check_watchdog_fired);
	alarm(seconds);
}

static inline int check_summary(void)
{
	int p = atomic_load(&check_passed), f = atomic_load(&check_failed);

	printf("%d passed, %d failed\n", p, f);
	return f ? 1 : 0;
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0) {
	}
}

/* Wait (with sleeps) until cond holds, at most ~10 s; a failed CHECK if not. */
#define WAIT_FOR(cond)                                                                             \
	do {                                                                                       \
		for (int wait_i_ = 0; !(cond) && wait_i_ < 10000; wait_i_++) {                     \
			sleep_ms(1);                                                               \
		}                                                                                  \
		CHECK(cond);                                                                       \
	} while (0)

/* A thread, or the test ends (exit 2: it cannot run). */
static inline pthread_t spawn(void *(*fn)(void *), void *arg)
{
	pthread_t th;

	if (pthread_create(&th, NULL, fn, arg) != 0) {
		perror("pthread_create");
		exit(2);
	}
	return th;
}

#endif /* RDV_TESTS_CHECK_H */
