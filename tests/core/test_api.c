/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of every librdv call and every misuse, one thread at a time
 * (the concurrent behaviour is in test_protocol.c and test_stress.c). This
 * file is built against the library as built (NDEBUG) and as a Debug build
 * would be (test_api_nondebug): misuse must have its documented result, not
 * abort, in both. test_misuse_debug.c checks RDV_ASSERT_MISUSE's asserts.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>

#include <rdv/rdv.h>

#include "check.h"

static uint64_t misuse_count(struct rdv *d)
{
	struct rdv_stats st;

	rdv_get_stats(d, &st);
	return st.misuse;
}

static void test_create_sizes(void)
{
	static const unsigned sizes[] = { 1, 63, 64, 65, 128, 200, 1024, 4096 };

	check_current = "create_sizes";
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct rdv *d = rdv_create(sizes[i]);
		struct rdv_stats st;

		CHECK(d != NULL);
		if (!d) {
			continue;
		}
		rdv_get_stats(d, &st);
		CHECK_EQ(st.max_threads, sizes[i]);
		CHECK_EQ(st.registered, 0);
		rdv_destroy(d);
	}
	errno = 0;
	CHECK(rdv_create(0) == NULL);
	CHECK_EQ(errno, EINVAL);
	errno = 0;
	CHECK(rdv_create(RDV_MAX_THREADS + 1) == NULL);
	CHECK_EQ(errno, EINVAL);
	rdv_destroy(NULL); /* no effect */
}

static void test_domain_ids_unique(void)
{
	struct rdv *a = rdv_create(4), *b = rdv_create(4);

	check_current = "domain_ids_unique";
	CHECK(a && b);
	CHECK(rdv_domain_id(a) != rdv_domain_id(b));
	rdv_destroy(a);
	rdv_destroy(b);
}

/* Registering up to max_threads (from one OS thread: handles are per call),
 * the indexes are 0..n-1, then EBUSY; a freed index is reused first. Spans
 * several mask words for n > 64. */
static void test_register_until_full(unsigned n)
{
	struct rdv *d = rdv_create(n);
	struct rdv_thread **t = calloc(n, sizeof(*t));
	struct rdv_stats st;
	unsigned victim = n / 2;

	check_current = "register_until_full";
	CHECK(d && t);
	for (unsigned i = 0; i < n; i++) {
		t[i] = rdv_thread_register(d);
		CHECK(t[i] != NULL);
		CHECK_EQ(rdv_thread_index(t[i]), i);
		CHECK(!rdv_is_harmless(t[i])); /* registered threads run */
		CHECK(!rdv_is_isolated(t[i]));
	}
	errno = 0;
	CHECK(rdv_thread_register(d) == NULL);
	CHECK_EQ(errno, EBUSY);
	rdv_get_stats(d, &st);
	CHECK_EQ(st.registered, n);

	rdv_thread_unregister(t[victim]);
	CHECK_EQ(rdv_thread_index(t[victim]), RDV_NO_THREAD);
	t[victim] = rdv_thread_register(d);
	CHECK(t[victim] != NULL);
	CHECK_EQ(rdv_thread_index(t[victim]), victim);

	/* With everybody else registered but running, the last thread in the
	 * highest word can still be harmless and idle without blocking. */
	rdv_idle_now(t[n - 1]);
	CHECK(rdv_is_harmless(t[n - 1]));
	rdv_idle_end(t[n - 1]);
	CHECK(!rdv_is_harmless(t[n - 1]));

	for (unsigned i = 0; i < n; i++) {
		rdv_thread_unregister(t[i]);
	}
	rdv_get_stats(d, &st);
	CHECK_EQ(st.registered, 0);
	CHECK_EQ(st.misuse, 0);
	rdv_destroy(d);
	free(t);
}

static void test_sections(void)
{
	struct rdv *d = rdv_create(2);
	struct rdv_thread *t = rdv_thread_register(d);

	check_current = "sections";
	CHECK(!rdv_is_harmless(t));
	rdv_harmless_now(t);
	CHECK(rdv_is_harmless(t));
	rdv_harmless_now(t); /* idempotent */
	CHECK(rdv_is_harmless(t));
	rdv_harmless_end(t);
	CHECK(!rdv_is_harmless(t));
	rdv_harmless_end(t); /* a safe point while running: no effect alone */
	CHECK(!rdv_is_harmless(t));

	rdv_idle_now(t);
	CHECK(rdv_is_harmless(t));
	rdv_idle_end(t);
	CHECK(!rdv_is_harmless(t));

	/* HAProxy's order: idle then harmless inside, ended in reverse. */
	rdv_idle_now(t);
	rdv_harmless_now(t);
	CHECK(rdv_is_harmless(t));
	rdv_harmless_end(t);
	CHECK(!rdv_is_harmless(t));
	rdv_idle_end(t);
	CHECK(!rdv_is_harmless(t));
	CHECK_EQ(misuse_count(d), 0);
	rdv_thread_unregister(t);
	rdv_destroy(d);
}

/* Alone in its domain (or with only harmless/idle others), isolation is
 * granted at once, from running, harmless or idle. */
static void test_isolate_alone(void)
{
	struct rdv *d = rdv_create(3);
	struct rdv_thread *t = rdv_thread_register(d);
	struct rdv_stats st;

	check_current = "isolate_alone";
	rdv_isolate(t);
	CHECK(rdv_is_isolated(t));
	CHECK(!rdv_is_harmless(t));
	rdv_release(t);
	CHECK(!rdv_is_isolated(t));
	CHECK(!rdv_is_harmless(t)); /* a9c0252b2: release must not leave H set */

	rdv_isolate_full(t);
	CHECK(rdv_is_isolated(t));
	rdv_release(t);
	CHECK(!rdv_is_isolated(t));

	rdv_harmless_now(t);
	rdv_isolate(t); /* from a harmless section */
	CHECK(rdv_is_isolated(t));
	CHECK(!rdv_is_harmless(t));
	rdv_release(t);
	CHECK(!rdv_is_harmless(t));

	/* I4: nested sections while isolated never block. */
	rdv_isolate(t);
	rdv_harmless_now(t);
	CHECK(rdv_is_harmless(t));
	CHECK(rdv_is_isolated(t));
	rdv_harmless_end(t);
	rdv_idle_now(t);
	rdv_idle_end(t);
	CHECK(rdv_is_isolated(t));
	CHECK(!rdv_is_harmless(t));
	rdv_release(t);

	rdv_get_stats(d, &st);
	CHECK_EQ(st.isolations, 4);
	CHECK_EQ(st.full, 1);
	CHECK_EQ(st.misuse, 0);
	CHECK_EQ(st.blocked, 0);
	rdv_thread_unregister(t);
	rdv_destroy(d);
}

static void test_misuse(void)
{
	struct rdv *d = rdv_create(2);
	struct rdv_thread *t = rdv_thread_register(d);
	struct rdv_stats st;

	check_current = "misuse";
	/* release while not isolated: no effect */
	rdv_release(t);
	CHECK_EQ(misuse_count(d), 1);
	CHECK(!rdv_is_isolated(t));

	/* isolate while isolated: stays isolated, one release ends it
	 * (isolate_full while plain-isolated aborts: test_guarantees) */
	rdv_isolate(t);
	rdv_isolate(t);
	rdv_isolate(t);
	CHECK_EQ(misuse_count(d), 3);
	CHECK(rdv_is_isolated(t));
	rdv_release(t);
	CHECK(!rdv_is_isolated(t));
	rdv_release(t);
	CHECK_EQ(misuse_count(d), 4);
	rdv_get_stats(d, &st);
	CHECK_EQ(st.isolations, 1);

	/* destroy with a registered thread: refused, nothing freed */
	errno = 0;
	rdv_destroy(d);
	CHECK_EQ(errno, EBUSY);
	CHECK_EQ(misuse_count(d), 5);
	rdv_harmless_now(t); /* the domain is still alive */
	CHECK(rdv_is_harmless(t));
	rdv_harmless_end(t);

	/* unregister while isolated releases first */
	rdv_isolate(t);
	rdv_thread_unregister(t);
	rdv_get_stats(d, &st);
	CHECK_EQ(st.registered, 0);
	CHECK_EQ(st.misuse, 5);

	/* every call on the unregistered handle: no effect, counted */
	rdv_harmless_now(t);
	rdv_harmless_end(t);
	rdv_idle_now(t);
	rdv_idle_end(t);
	rdv_isolate(t);
	rdv_isolate_full(t);
	rdv_release(t);
	rdv_thread_unregister(t);
	CHECK_EQ(misuse_count(d), 13);
	CHECK(!rdv_is_harmless(t));
	CHECK(!rdv_is_isolated(t));
	CHECK_EQ(rdv_thread_index(t), RDV_NO_THREAD);

	/* a new registration after a misused handle works normally */
	t = rdv_thread_register(d);
	CHECK(t != NULL);
	rdv_isolate(t);
	CHECK(rdv_is_isolated(t));
	rdv_release(t);
	rdv_thread_unregister(t);

	/* NULL everywhere: no effect, no crash */
	rdv_harmless_now(NULL);
	rdv_harmless_end(NULL);
	rdv_idle_now(NULL);
	rdv_idle_end(NULL);
	rdv_isolate(NULL);
	rdv_isolate_full(NULL);
	rdv_release(NULL);
	rdv_thread_unregister(NULL);
	CHECK(!rdv_is_harmless(NULL));
	CHECK(!rdv_is_isolated(NULL));
	CHECK_EQ(rdv_thread_index(NULL), RDV_NO_THREAD);
	errno = 0;
	CHECK(rdv_thread_register(NULL) == NULL);
	CHECK_EQ(errno, EINVAL);
	rdv_get_stats(NULL, &st);
	CHECK_EQ(st.max_threads, 0);

	errno = 0;
	rdv_destroy(d);
	CHECK_EQ(errno, 0);
}

int main(void)
{
	check_watchdog(60);
	test_create_sizes();
	test_domain_ids_unique();
	test_register_until_full(1);
	test_register_until_full(64);
	test_register_until_full(65);
	test_register_until_full(200);
	test_register_until_full(1024);
	test_sections();
	test_isolate_alone();
	test_misuse();
	return check_summary();
}
