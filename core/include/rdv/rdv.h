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
 *  - I1 isolation: while a thread holds an isolation from rdv_isolate(), no
 *    other registered thread runs harmful code: each is harmless (in a
 *    harmless or idle section, or waiting in an isolate call) or blocked
 *    inside an rdv call that will not return before the release. While a
 *    thread holds an isolation from rdv_isolate_full(), every other
 *    registered thread is idle: inside an idle section (from rdv_idle_now()
 *    until rdv_idle_end() returns, blocked there or not), inside
 *    rdv_thread_register(), or waiting in rdv_isolate_full() itself. A
 *    thread in a harmless section that is not idle — including one blocked
 *    in rdv_harmless_end() or rdv_release() — is not: it may hold references
 *    across its section, and rdv_isolate_full() is what you call to free
 *    what they point to.
 *  - I2 exclusivity: at most one thread of a domain is isolated.
 *  - I3 progress and fairness: if isolated threads release and every thread
 *    eventually becomes harmless (for a full request: idle), every request
 *    is granted. Requests are served in arrival order, except that a plain
 *    request may overtake full requests ahead of it: each of those waits for
 *    the plain requester to be idle anyway.
 *  - I4 nesting: an isolated thread may call harmless_now/end and
 *    idle_now/end; these never block it and wake no one.
 *  - I5 leaving: when rdv_harmless_end(), rdv_idle_end() or rdv_release()
 *    returns, no other thread is isolated, and none can be until the caller
 *    is harmless again.
 *  - I6 membership: a thread that registers during an isolation returns from
 *    rdv_thread_register() only after that isolation is released; a thread
 *    that unregisters never blocks an isolation (it leaves at once).
 *  - I7 no protocol deadlock: a thread ending a harmless section that is not
 *    idle does not wait for pending full requests (they need it idle, so it
 *    returns running and goes on to its poller), and a thread that calls
 *    rdv_isolate() while a full request that needs it idle is pending is
 *    served first.
 *  - I8 handles: a handle is valid from rdv_thread_register() until
 *    rdv_thread_unregister() and is never handed to a later registration:
 *    a call on a stale handle has no effect on any thread (counted as
 *    misuse). (A handle carries a 24-bit generation of its slot, never 0:
 *    it differs from the handles of the next 2^24 - 2 registrations of that
 *    slot; the 2^24 - 1st gets it again.) A registered thread that exits
 *    without unregistering is unregistered at its exit (ending its
 *    isolation, if it holds one). In
 *    the child of fork(), only the thread that called fork() stays
 *    registered in each domain, with its own state (an isolation it holds
 *    included); every other registration, request and isolation is dropped
 *    and their handles are stale.
 *
 * Waiting: a thread that waits (for its turn, for the others, or for a
 * rendez-vous to end) spins briefly, then yields, then sleeps on a futex. A
 * requester is woken only when another thread becomes harmless or idle (or
 * leaves); blocked threads only when a request leaves the queue. Nothing is
 * done to threads that sleep in their poller: an isolation never wakes them.
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
 *   call                       from                     concurrently with
 *   rdv_create/rdv_destroy     any thread               nothing on that domain
 *   rdv_set_stall_handler      any thread               anything
 *   rdv_thread_register        any thread not in d      anything
 *   every rdv_thread call      the thread it names      anything on other threads
 *   rdv_is_*, rdv_thread_index any thread               anything (racy snapshot
 *                                                        when not the owner)
 *
 * Signals. rdv_harmless_now() and rdv_harmless_end_sig() are
 * async-signal-safe: a handler may bracket its work with them, whatever
 * the interrupted code was doing (waiting in rdv_isolate(), blocked, idle,
 * running). rdv_harmless_end_sig() puts the harmless bit back as it was
 * before the handler's rdv_harmless_now(), so a handler that interrupted a
 * harmless, idle, blocked or waiting thread never waits and never makes it
 * harmful (the deadlock HAProxy's thread_harmless_end_sig() avoids). If the
 * handler interrupted running code, an isolation may have been granted on
 * the handler's harmlessness: then, and only then, it waits for that
 * isolation to end, because returning would let the interrupted code run
 * during it (I1). rdv_harmless_end() called by a handler while the thread
 * is inside an rdv call that may wait (rdv_isolate*(), rdv_release(),
 * blocked in rdv_harmless_end(), rdv_idle_end() or rdv_thread_register())
 * acts as rdv_harmless_end_sig(). No other call is async-signal-safe.
 * (Both stay so when tracing is turned on while the program runs:
 * rdv_thread_register() allocates LTTng-UST's per-thread state, which the
 * first tracepoint of a thread would otherwise allocate with malloc.)
 *
 * Stalls. rdv_isolate_timed() bounds a request; rdv_set_stall_handler() (or
 * RDV_STALL_MS=N in the environment, for every domain without a handler)
 * reports once per request that has waited longer than a threshold, naming
 * the threads that are not ready yet, like the JVM's
 * -XX:+SafepointTimeout. While a stall threshold is set, leaving harmless
 * also reads the clock (to say how long each late thread has been late).
 *
 * Environment (read with secure_getenv(): a set-user-ID or set-group-ID
 * program ignores it, as glibc ignores LD_PRELOAD there):
 *   RDV_TRACEPOINTS=0        do not load the trace probes
 *   RDV_TRACEPOINTS=/path    load the probes from that file
 *   RDV_STALL_MS=N           stall reports after N ms, default handler
 *
 * Misuse (each has a defined result, never corruption, in every build
 * type; "counted" means rdv_stats.misuse; a librdv built with
 * -DRDV_ASSERT_MISUSE=ON asserts instead, so a project's tests catch it
 * early):
 *
 *   misuse                                    result
 *   rdv_create(0) or > RDV_MAX_THREADS        NULL, errno EINVAL
 *   rdv_thread_register() on a full domain    NULL, errno EBUSY
 *   any call on a stale handle                no effect (false,
 *     (unregistered, dropped by fork, or       RDV_NO_THREAD, EINVAL for
 *     of a destroyed domain)                   the timed calls); counted
 *                                              while the domain exists,
 *                                              except for the queries
 *   rdv_isolate*() while holding a full       no effect (already isolated,
 *     isolation                                returns 0); not misuse for
 *                                              rdv_isolate(), counted for
 *                                              rdv_isolate_full()
 *   rdv_isolate() while holding a plain one   no effect, returns 0, counted
 *   rdv_isolate_full() while holding a plain  aborts the process with one
 *     isolation                                line on stderr: it cannot be
 *                                              upgraded without a release,
 *                                              and returning would let the
 *                                              caller free what others
 *                                              still reference
 *   rdv_release() while not isolated          no effect, counted
 *   rdv_harmless_end_sig() without a          ends the section as if a
 *     matching rdv_harmless_now()              handler had made the thread
 *                                              harmless from running (not
 *                                              detected)
 *   rdv_thread_unregister() while isolated    ends the isolation first
 *   rdv_destroy() with registered threads     frees nothing (handles stay
 *                                              valid), errno EBUSY
 *   rdv_harmless_end()/rdv_idle_end()         not misuse: a safe point
 *     without a matching *_now()               (blocks if a rendez-vous is
 *                                              pending)
 *
 * A thread may hold several handles of one domain (tests do, to fill it),
 * but each is a separate member: while one waits in rdv_isolate(), another
 * that is not harmless holds it back. Event-loop threads register once.
 *
 * Harmless sections do not nest: the first rdv_harmless_end() ends the
 * section, whatever number of rdv_harmless_now() calls started it (only
 * signal handlers' sections, ended with rdv_harmless_end_sig(), nest). Call
 * rdv_isolate*() running: called inside a harmless or idle section, the
 * section ends (the thread returns from rdv_release() running).
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
 * are registered, EINVAL when d is NULL. If an isolation is pending or held, returns only after it
 * is released (blocked meanwhile, counting as idle). The handle belongs to
 * the calling thread; once unregistered it is stale forever (I8). A thread
 * that exits registered is unregistered at its exit.
 */
RDV_PUBLIC struct rdv_thread *rdv_thread_register(struct rdv *d);

/*
 * Leaves the domain, from any state, without waiting: the thread's bits are
 * cleared and any waiting isolation stops counting it. An isolated thread's
 * isolation ends first (the next request is served; unlike rdv_release(),
 * nothing waits for pending requests). The index may be reused by a later
 * registration; the handle never is.
 */
RDV_PUBLIC void rdv_thread_unregister(struct rdv_thread *t);

/*
 * Starts a harmless section: until rdv_harmless_end(), the thread does not
 * touch unprotected shared state, so other threads may be isolated (but not
 * rdv_isolate_full(): the thread is harmless, not idle). Never blocks.
 * Needs to be terminated using rdv_harmless_end() (or, in a signal handler,
 * rdv_harmless_end_sig()). Async-signal-safe. Release ordering: what the
 * thread wrote before is visible to the next isolated thread.
 */
RDV_PUBLIC void rdv_harmless_now(struct rdv_thread *t);

/*
 * Ends a harmless section. If another thread holds an isolation or has
 * asked for a plain one, the thread stays harmless ("blocked") until none
 * is pending, then returns running. Pending rdv_isolate_full() requests do
 * not hold it: they need it idle, so it returns running and may go on to
 * its poller (I7). Inside an idle section (harmless_now/end nested in
 * idle_now/end) it waits for every request, full ones included. An
 * isolated thread never blocks here (I4). Called while running, it is a
 * safe point: it blocks the same way.
 */
RDV_PUBLIC void rdv_harmless_end(struct rdv_thread *t);

/*
 * Ends a harmless section that a signal handler started with
 * rdv_harmless_now(): the harmless bit goes back to what it was before that
 * call. Never waits when the interrupted code was harmless, idle, blocked,
 * waiting in rdv_isolate*() or isolated; when it was running, waits only
 * for an isolation that may have been granted meanwhile (see Signals
 * above). Async-signal-safe.
 */
RDV_PUBLIC void rdv_harmless_end_sig(struct rdv_thread *t);

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
 * domain runs harmful code until rdv_release(). Requests are served in
 * arrival order (a plain request may overtake full ones, see I3). While
 * waiting the caller is harmless. Needs to be terminated using
 * rdv_release(). Acquire ordering: what the others wrote before becoming
 * harmless is visible.
 */
RDV_PUBLIC void rdv_isolate(struct rdv_thread *t);

/*
 * Same as rdv_isolate(), but every other registered thread must be idle:
 * in an idle section, registering, or waiting in rdv_isolate_full() (I1).
 * Threads in plain harmless sections are waited for. Use it to free or
 * change what a thread may hold across a harmless section (close an fd,
 * free a server). While waiting the caller counts as idle: calling it
 * promises, like entering the poller, that the caller holds nothing a full
 * isolation may free.
 */
RDV_PUBLIC void rdv_isolate_full(struct rdv_thread *t);

/*
 * rdv_isolate() / rdv_isolate_full() bounded by timeout_ns. Returns 0 once
 * isolated; ETIMEDOUT when timeout_ns passed first: the request is
 * withdrawn and the caller is back running. If an isolation that counted
 * the caller is held at that moment, the call returns once it is released
 * (the caller was harmless meanwhile), so it may return later than
 * timeout_ns. EINVAL on a stale handle. Misuse while isolated: as the
 * untimed calls, returns 0.
 */
RDV_PUBLIC int rdv_isolate_timed(struct rdv_thread *t, uint64_t timeout_ns);
RDV_PUBLIC int rdv_isolate_full_timed(struct rdv_thread *t, uint64_t timeout_ns);

/*
 * Ends the isolation. If plain requests are pending, the caller stays
 * harmless ("blocked") until they are served, then returns running (past
 * pending full requests, which need it idle, it returns at once).
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

/* ---- stall reports (since 1.1) ---- */

struct rdv_stall_thread {
	unsigned index;	       /* thread index in the domain */
	int32_t os_tid;	       /* its kernel thread id */
	uint64_t not_ready_ns; /* since it last left its ready state (at least
				  since stall reports were turned on) */
};

struct rdv_stall {
	uint32_t domain;		     /* rdv_domain_id() */
	unsigned requester;		     /* index of the waiting thread */
	int32_t requester_tid;
	bool full;			     /* rdv_isolate_full() */
	uint64_t waited_ns;		     /* since the request */
	unsigned n_late;		     /* threads not ready yet (harmless; for full: idle) */
	const struct rdv_stall_thread *late; /* valid during the call only */
};

typedef void rdv_stall_fn(const struct rdv_stall *s, void *arg);

/*
 * Once per request that has waited threshold_ns, fn(s, arg) runs on the
 * waiting thread (which stays harmless, and for a full request idle,
 * meanwhile: fn must not call rdv functions on this domain nor touch
 * shared state) and rdv:stall is emitted. fn NULL: the default handler,
 * one line on stderr naming the late threads. threshold_ns 0: off. Replaces
 * what RDV_STALL_MS set. Returns 0, EINVAL when d is NULL.
 */
RDV_PUBLIC int rdv_set_stall_handler(struct rdv *d, uint64_t threshold_ns, rdv_stall_fn *fn,
				     void *arg);

#ifdef __cplusplus
}
#endif

#endif /* RDV_RDV_H */
