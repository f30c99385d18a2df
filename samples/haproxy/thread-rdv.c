/* SPDX-License-Identifier: MIT */
/*
 * HAProxy's rendez-vous point on librdv: the domain and the registrations
 * (rdv samples/haproxy). build.sh copies this file to src/thread-rdv.c of
 * HAProxy 2.6's source and builds it with EXTRA_OBJS=src/thread-rdv.o; the
 * calls themselves are the inline wrappers of include/haproxy/thread-rdv.h.
 */
#include <errno.h>
#include <string.h>

#include <haproxy/api.h>
#include <haproxy/errors.h>
#include <haproxy/global.h>
#include <haproxy/init.h>
#include <haproxy/thread.h>

struct rdv *thread_rdv_domain;
struct rdv_thread *thread_rdv_handle[MAX_THREADS];
THREAD_LOCAL struct rdv_thread *thread_rdv_self;
THREAD_LOCAL unsigned char thread_rdv_idle_asked;
THREAD_LOCAL unsigned char thread_rdv_in_idle;

/*
 * One domain for the process, created once the configuration is parsed
 * (post-check: before any thread starts, and before a daemon's fork, which
 * keeps a domain with no registration) and sized for MAX_THREADS, HAProxy's
 * own bound on nbthread, so that its size does not depend on when nbthread
 * gets its final value.
 */
static int thread_rdv_create(void)
{
	thread_rdv_domain = rdv_create(MAX_THREADS);
	if (!thread_rdv_domain) {
		ha_alert("rdv: cannot create the rendez-vous domain: %s\n", strerror(errno));
		return ERR_ALERT | ERR_FATAL;
	}
	return ERR_NONE;
}

/*
 * Per-thread init runs on each thread before it enters its poll loop (one
 * thread at a time, under HAProxy's init mutex). The thread registers
 * running, as HAProxy's threads start: not harmless until their first
 * poll. Returns 1 on success, 0 makes HAProxy exit.
 */
static int thread_rdv_register(void)
{
	struct rdv_thread *self = rdv_thread_register(thread_rdv_domain);

	if (!self) {
		ha_alert("rdv: thread %u cannot register: %s\n", tid, strerror(errno));
		return 0;
	}
	thread_rdv_self = self;
	HA_ATOMIC_STORE(&thread_rdv_handle[tid], self);
	return 1;
}

/*
 * Per-thread free is the last hook a thread runs after its poll loop, so
 * nothing it does afterwards polls or isolates: it leaves the domain, and
 * from then on no isolation waits for it. The shared slot is cleared first,
 * so other threads stop reading the handle before it goes stale.
 */
static void thread_rdv_unregister(void)
{
	struct rdv_thread *self = thread_rdv_self;

	if (!self) {
		return;
	}
	HA_ATOMIC_STORE(&thread_rdv_handle[tid], NULL);
	thread_rdv_self = NULL;
	rdv_thread_unregister(self);
}

/* After every thread has left (deinit on the main thread). */
static void thread_rdv_destroy(void)
{
	rdv_destroy(thread_rdv_domain);
	thread_rdv_domain = NULL;
}

/* Bit tid set for each thread whose rdv harmless bit is set. Async-signal
 * safe (the watchdog calls it from its signal handler): atomic loads only. */
unsigned long thread_rdv_harmless_mask(void)
{
	unsigned long mask = 0;
	int thr;

	for (thr = 0; thr < global.nbthread && thr < MAX_THREADS; thr++) {
		if (rdv_is_harmless(HA_ATOMIC_LOAD(&thread_rdv_handle[thr]))) {
			mask |= 1UL << thr;
		}
	}
	return mask;
}

/* Bit tid set for the thread that holds an isolation, if any. */
unsigned long thread_rdv_isolated_mask(void)
{
	unsigned long mask = 0;
	int thr;

	for (thr = 0; thr < global.nbthread && thr < MAX_THREADS; thr++) {
		if (rdv_is_isolated(HA_ATOMIC_LOAD(&thread_rdv_handle[thr]))) {
			mask |= 1UL << thr;
		}
	}
	return mask;
}

REGISTER_POST_CHECK(thread_rdv_create);
REGISTER_PER_THREAD_INIT(thread_rdv_register);
REGISTER_PER_THREAD_FREE(thread_rdv_unregister);
REGISTER_POST_DEINIT(thread_rdv_destroy);
