/* SPDX-License-Identifier: MIT */
/*
 * rdv — a thread rendez-vous point for multi-threaded event-loop programs.
 *
 * After HAProxy's "harmless / isolate" design: threads mark themselves
 * harmless while they poll, and a thread that needs to be alone calls
 * rdv_isolate(), waits until every other thread is harmless (or waiting for
 * its own turn), works alone, then rdv_release()s. Threads that sleep in
 * their poller are never woken by an isolation.
 *
 * A domain (struct rdv) is a set of registered threads that isolate against
 * each other. Each registered thread owns one bit, at index t, in three
 * masks stored as arrays of 64-bit words (word t/64, bit t%64):
 *
 *   harmless (H)  the thread promises not to touch unprotected shared state
 *   want_rdv (W)  the thread has asked for isolation, or holds it
 *   idle     (I)  the thread is in its poller (stronger than harmless)
 *
 * A thread only ever changes its own bits. Its state:
 *
 *   state      W H  meaning
 *   running    0 0  possibly touching shared state
 *   harmless   0 1  in a harmless section, I=0
 *   idle       0 1  harmless and I=1 (polling)
 *   blocked    0 1  inside an rdv call, held back by another thread's
 *                   rendez-vous (rdv_harmless_end(), rdv_idle_end(),
 *                   rdv_release(), rdv_thread_register())
 *   waiting    1 1  asked for isolation, waiting for the others (or its turn)
 *   isolated   1 0  running alone
 *
 * The event loop around a poller:
 *
 *     struct rdv_thread *me = rdv_thread_register(dom);   // me: running
 *     while (!stop) {
 *             rdv_idle_now(me);           // idle: isolations go on without us
 *             n = epoll_wait(ep, evs, 64, timeout);
 *             rdv_idle_end(me);           // running again (may block first)
 *             handle(evs, n);             // may touch shared state
 *             if (need_to_be_alone) {
 *                     rdv_isolate(me);    // returns when alone
 *                     mutate_shared_state();
 *                     rdv_release(me);    // running again
 *             }
 *     }
 *     rdv_thread_unregister(me);
 *
 * and around any other call that does not touch shared state (a blocking
 * write, a DNS lookup):
 *
 *     rdv_harmless_now(me);
 *     slow_private_work();
 *     rdv_harmless_end(me);
 *
 * Guarantees (the protocol invariants of DESIGN.md §1):
 *  - I1 isolation: while a thread is isolated, every other registered thread
 *    is harmless (for rdv_isolate_full(): idle), or inside an rdv call that
 *    will not return before the release.
 *  - I2 exclusivity: at most one thread of a domain is isolated.
 *  - I3 progress and fairness: requests are granted in the order they were
 *    made (a ticket queue), so no request waits while later ones are granted,
 *    provided isolated threads release and every thread eventually becomes
 *    harmless (for rdv_isolate_full(): idle).
 *  - I4 nesting: an isolated thread may call harmless_now/end and
 *    idle_now/end; these never block it.
 *  - I5 leaving: when rdv_harmless_end(), rdv_idle_end() or rdv_release()
 *    returns, no other thread is isolated, and none can be until the caller
 *    is harmless again.
 *  - I6 membership: a thread that registers during an isolation returns from
 *    rdv_thread_register() only after that isolation is released; a thread
 *    that unregisters never blocks an isolation (it leaves at once).
 *  - I7 no protocol deadlock: a thread that ends a harmless section that is
 *    not idle while another thread waits in rdv_isolate_full() parks inside
 *    rdv_harmless_end(), where it counts as idle for that request, instead of
 *    waiting for a grant that needs it idle.
 *
 * Waiting: a thread that waits (for its turn, for stragglers, or for a
 * rendez-vous to end) spins briefly, then yields, then sleeps on a futex; the
 * thread whose state change can end the wait wakes it. Nothing is done to
 * threads that sleep in their poller: an isolation never wakes them.
 *
 * Memory ordering: every transition is sequentially consistent with respect
 * to the masks. Shared data written while isolated is visible to every
 * thread after it returns from its next rdv_harmless_end(), rdv_idle_end()
 * or rdv_release(), and data written by a thread before it becomes harmless
 * is visible to the next isolated thread (the grant acquires what each
 * harmless_now/idle_now released).
 *
 * Which calls may run concurrently:
 *
 *   call                      from                    concurrently with
 *   rdv_create/rdv_destroy    any thread              nothing on that domain
 *   rdv_thread_register       any unregistered thread anything
 *   every rdv_thread call     the thread it names     anything on other threads
 *   rdv_is_*, rdv_thread_index any thread             anything (racy snapshot
 *                                                      when not the owner)
 *
 * Misuse (each has a defined result; debug builds — without NDEBUG — also
 * assert, so tests catch it early):
 *  - rdv_thread_register() on a full domain returns NULL with errno EBUSY;
 *    rdv_create(0) or above RDV_MAX_THREADS returns NULL with errno EINVAL.
 *  - rdv_isolate()/rdv_isolate_full() while isolated: no effect (the thread
 *    stays isolated; one release ends it). Counted in rdv_stats.misuse.
 *  - rdv_release() while not isolated: no effect. Counted.
 *  - any call on an unregistered handle (after rdv_thread_unregister()) or
 *    NULL: no effect, false or RDV_NO_THREAD. Counted when the handle is not
 *    NULL.
 *  - rdv_thread_unregister() while isolated ends the isolation first.
 *  - rdv_destroy() while threads are registered frees nothing (the handles
 *    stay valid) and sets errno to EBUSY; rdv_destroy(NULL) does nothing.
 *  - rdv_harmless_end()/rdv_idle_end() without a matching *_now() are not
 *    misuse: they act as a safe point (block if a rendez-vous is pending).
 *  - A thread registers once per domain: a second handle of the same thread
 *    would be "running" while the first waits in rdv_isolate(), which then
 *    waits for itself. Not detected.
 */
#ifndef RDV_RDV_H
#define RDV_RDV_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define RDV_PUBLIC __attribute__((visibility("default")))
#else
#define RDV_PUBLIC
#endif

#define RDV_VERSION_MAJOR 1
#define RDV_VERSION_MINOR 1

/* Largest max_threads rdv_create() accepts. */
#define RDV_MAX_THREADS 65536u

/* rdv_thread_index() of NULL or of an unregistered handle. */
#define RDV_NO_THREAD (~0u)

struct rdv;        /* a domain */
struct rdv_thread; /* a registered thread's handle */

/*
 * Creates a domain for up to max_threads registered threads (1 ..
 * RDV_MAX_THREADS). Returns NULL with errno set (EINVAL, ENOMEM).
 * Emits rdv:domain_create.
 */
RDV_PUBLIC struct rdv *rdv_create(unsigned max_threads);

/*
 * Destroys a domain that has no registered thread (see Misuse above).
 * Emits rdv:domain_destroy.
 */
RDV_PUBLIC void rdv_destroy(struct rdv *d);

/*
 * Registers the calling thread in d, at the lowest free index. Returns the
 * thread's handle, running; NULL with errno EBUSY when max_threads threads
 * are registered, EINVAL when d is NULL. If an isolation is pending or held,
 * returns only after it is released (blocked meanwhile). The handle belongs
 * to the calling thread; it stays readable (and inert) after unregistering,
 * until rdv_destroy().
 */
RDV_PUBLIC struct rdv_thread *rdv_thread_register(struct rdv *d);

/*
 * Leaves the domain, from any state, without waiting: the thread's bits are
 * cleared and any waiting isolation stops counting it. An isolated thread's
 * isolation ends first (the next request is served; unlike rdv_release(),
 * nothing waits for pending requests). The index may be reused by a later
 * registration.
 */
RDV_PUBLIC void rdv_thread_unregister(struct rdv_thread *t);

/*
 * Starts a harmless section: until rdv_harmless_end(), the thread does not
 * touch unprotected shared state, so other threads may be isolated. Never
 * blocks. Needs to be terminated using rdv_harmless_end(). Release ordering:
 * what the thread wrote before is visible to the next isolated thread.
 */
RDV_PUBLIC void rdv_harmless_now(struct rdv_thread *t);

/*
 * Ends a harmless section. If another thread has asked for isolation or
 * holds it, the thread stays harmless ("blocked") until no isolation is
 * pending, then returns running. An isolated thread never blocks here (I4).
 * Called while running, it is a safe point: it blocks the same way.
 */
RDV_PUBLIC void rdv_harmless_end(struct rdv_thread *t);

/*
 * Marks the thread idle and harmless: it is about to sleep in its poller.
 * rdv_isolate_full() needs every other thread idle. Never blocks, never
 * wakes anyone but a thread waiting for this one. Terminated by
 * rdv_idle_end().
 */
RDV_PUBLIC void rdv_idle_now(struct rdv_thread *t);

/*
 * Ends an idle section: the harmless part ends like rdv_harmless_end()
 * (possibly blocked, still idle, until no isolation is pending), then the
 * idle bit is cleared. Returns running.
 */
RDV_PUBLIC void rdv_idle_end(struct rdv_thread *t);

/*
 * Waits until every other registered thread is harmless (or blocked in an
 * rdv call), then returns with the caller isolated: no other thread of the
 * domain runs harmful code until rdv_release(). Requests are served first
 * come, first served. While waiting the caller is harmless. Needs to be
 * terminated using rdv_release(). Acquire ordering: what the others wrote
 * before becoming harmless is visible.
 */
RDV_PUBLIC void rdv_isolate(struct rdv_thread *t);

/*
 * Same as rdv_isolate(), but every other registered thread must be idle (in
 * its poller) or blocked in an rdv call: use it to change what a thread may
 * hold across a harmless section (close an fd, free a server).
 */
RDV_PUBLIC void rdv_isolate_full(struct rdv_thread *t);

/*
 * Ends the isolation. If other isolations are pending, the caller stays
 * harmless ("blocked") until they are all served, then returns running.
 * Release ordering: what was written while isolated is visible to every
 * thread that leaves harmless after this.
 */
RDV_PUBLIC void rdv_release(struct rdv_thread *t);

/* True while the thread holds an isolation (between grant and release). */
RDV_PUBLIC bool rdv_is_isolated(const struct rdv_thread *t);

/* True while the thread's harmless bit is set. */
RDV_PUBLIC bool rdv_is_harmless(const struct rdv_thread *t);

/* The thread's index in its domain, RDV_NO_THREAD when not registered. */
RDV_PUBLIC unsigned rdv_thread_index(const struct rdv_thread *t);

/* The domain's id, unique within the process (the `domain` trace field). */
RDV_PUBLIC uint32_t rdv_domain_id(const struct rdv *d);

/* Counters, per domain, kept with relaxed atomics (cheap, approximate while
 * threads run, exact once they are quiescent). */
struct rdv_stats {
	uint64_t isolations;  /* grants, rdv_isolate() and rdv_isolate_full() */
	uint64_t full;        /* of which rdv_isolate_full() */
	uint64_t blocked;     /* times a thread blocked leaving harmless */
	uint64_t sleeps;      /* futex sleeps of waiting threads */
	uint64_t wakes;       /* futex wake calls issued */
	uint64_t misuse;      /* misuse calls ignored (see Misuse above) */
	uint32_t registered;  /* threads registered now */
	uint32_t max_threads; /* as given to rdv_create() */
};

/* Fills *st with the domain's counters. */
RDV_PUBLIC void rdv_get_stats(const struct rdv *d, struct rdv_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* RDV_RDV_H */
