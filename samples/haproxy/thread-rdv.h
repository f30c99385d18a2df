/* SPDX-License-Identifier: MIT */
/*
 * HAProxy's rendez-vous point on librdv (rdv samples/haproxy).
 *
 * build.sh copies this file to include/haproxy/thread-rdv.h of HAProxy 2.6's
 * source; the patch makes include/haproxy/thread.h include it, with
 * -DUSE_RDV, in place of HAProxy's own thread_harmless_now/end,
 * thread_idle_now/end, thread_isolate(_full), thread_release and
 * thread_isolated(). thread-rdv.c holds the domain and the registrations.
 *
 * One rdv domain for the process (thread_rdv_domain); each HAProxy thread
 * registers in its per-thread init and unregisters at its exit, so a thread
 * handle exists exactly while HAProxy runs that thread. Before a thread
 * registers (boot, config parsing, the master) and after it unregisters
 * (deinit), its handle is NULL and every call below does nothing, which is
 * what HAProxy's own functions amounted to while a single thread ran.
 *
 * Every wrapper is always inlined, so the return address that librdv
 * records as the `caller` of each state change (DESIGN.md §3) lies in the
 * HAProxy function that asked — cli_parse_delete_server(),
 * cli_io_handler_show_fd(), _do_poll() — not in a generic helper. The empty
 * asm after each call keeps the compiler from turning the call into a tail
 * jump, which would make the recorded address our caller's caller's.
 */
#ifndef _HAPROXY_THREAD_RDV_H
#define _HAPROXY_THREAD_RDV_H

#include <rdv/rdv.h>

#define THREAD_RDV_NO_TAILCALL() __asm__ volatile("" ::: "memory")

extern struct rdv *thread_rdv_domain;
/* Indexed by HAProxy's tid (rdv's own index may differ: threads register
 * in whatever order their init runs). Read by other threads only through
 * rdv_is_harmless()/rdv_is_isolated(), racy snapshots like HAProxy's own
 * reads of its masks were. */
extern struct rdv_thread *thread_rdv_handle[MAX_THREADS];
extern THREAD_LOCAL struct rdv_thread *thread_rdv_self;
/* thread_idle_now() was called and thread_idle_end() not yet. */
extern THREAD_LOCAL unsigned char thread_rdv_idle_asked;
/* An rdv idle section (rdv_idle_now() .. rdv_idle_end()) is open. */
extern THREAD_LOCAL unsigned char thread_rdv_in_idle;

unsigned long thread_rdv_harmless_mask(void);
unsigned long thread_rdv_isolated_mask(void);

/*
 * HAProxy's masks have no storage of their own any more: rdv's masks are
 * the only state, so nothing can disagree with them. The few readers left
 * (the watchdog, "show threads" and the debug signal handler) read rdv's
 * state through these names; they are expressions, so any code that would
 * still write them does not compile. threads_idle_mask and
 * threads_sync_mask had no reader outside thread.c and are gone.
 * threads_want_rdv_mask: rdv has no public query for a pending request,
 * so the debug dump's "wantrdv" shows the thread that holds an isolation
 * (a waiting thread shows harmless=1 wantrdv=0).
 */
#define threads_harmless_mask (thread_rdv_harmless_mask())
#define threads_want_rdv_mask (thread_rdv_isolated_mask())

/*
 * Idle and harmless. HAProxy's pollers call
 *	thread_idle_now(); thread_harmless_now(); poll(); thread_harmless_end(); thread_idle_end();
 * and HAProxy counts a thread idle for thread_isolate_full() only while both
 * its idle and harmless bits are set. rdv_idle_now() makes a thread idle and
 * harmless at once, and rdv_idle_end() ends both. So rdv's idle section is
 * exactly HAProxy's window where both bits are set: thread_idle_now() only
 * notes the wish, the next thread_harmless_now() opens rdv's idle section
 * (rdv_idle_now()), the next thread_harmless_end() closes it
 * (rdv_idle_end(), which blocks, still idle, while an isolation is pending),
 * and thread_idle_end() clears the wish. Between thread_harmless_end() and
 * thread_idle_end() HAProxy's thread had I=1 H=0, which no isolation
 * accepts: rdv's I=0 H=0 there means the same. A harmless section outside
 * thread_idle_now() .. thread_idle_end() is an rdv harmless section.
 */
static forceinline void thread_idle_now(void)
{
	thread_rdv_idle_asked = 1;
}

static forceinline void thread_idle_end(void)
{
	thread_rdv_idle_asked = 0;
}

static forceinline void thread_harmless_now(void)
{
	if (thread_rdv_idle_asked) {
		thread_rdv_in_idle = 1;
		rdv_idle_now(thread_rdv_self);
	} else {
		rdv_harmless_now(thread_rdv_self);
	}
	THREAD_RDV_NO_TAILCALL();
}

/*
 * HAProxy's thread_harmless_end() spun until no rendez-vous was requested,
 * full ones included, and so could wait for a thread_isolate_full() that
 * waited for it (DESIGN.md I7); rdv_harmless_end() and rdv_idle_end() wait
 * only for what they must.
 */
static forceinline void thread_harmless_end(void)
{
	if (thread_rdv_in_idle) {
		thread_rdv_in_idle = 0;
		rdv_idle_end(thread_rdv_self);
	} else {
		rdv_harmless_end(thread_rdv_self);
	}
	THREAD_RDV_NO_TAILCALL();
}

/*
 * Isolation. thread_isolate() is rdv_isolate(): returns when every other
 * thread is harmless. thread_isolate_full() is rdv_isolate_full(): every
 * other thread idle, i.e. in its poller between thread_harmless_now() and
 * thread_harmless_end() of an idle window (above), or itself waiting in
 * thread_isolate_full(). HAProxy's version also marked the caller idle
 * while it waited, so that two full requests would not wait for each
 * other; rdv promises the same of a thread waiting in rdv_isolate_full().
 * In rdv, calling it while holding a plain isolation aborts (HAProxy 2.6
 * never does: its only caller, "del server", runs from the CLI unisolated).
 * Requests are served in order (HAProxy's spin on a CAS let any waiter win).
 */
static forceinline void thread_isolate(void)
{
	rdv_isolate(thread_rdv_self);
	THREAD_RDV_NO_TAILCALL();
}

static forceinline void thread_isolate_full(void)
{
	rdv_isolate_full(thread_rdv_self);
	THREAD_RDV_NO_TAILCALL();
}

/*
 * HAProxy's thread_release() cleared want_rdv and returned running at once,
 * while the next requester still had to wait for this thread to become
 * harmless again. rdv_release() stays harmless while other requests are
 * pending and returns once they are served, so the next one does not wait
 * for it; that is also what thread_sync_release() was for (it has no
 * caller in 2.6), hence the same call.
 */
static forceinline void thread_release(void)
{
	rdv_release(thread_rdv_self);
	THREAD_RDV_NO_TAILCALL();
}

static forceinline void thread_sync_release(void)
{
	rdv_release(thread_rdv_self);
	THREAD_RDV_NO_TAILCALL();
}

/* Non-zero while the calling thread holds an isolation. */
static forceinline unsigned long thread_isolated(void)
{
	return rdv_is_isolated(thread_rdv_self);
}

#endif /* _HAPROXY_THREAD_RDV_H */
