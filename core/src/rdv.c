/* SPDX-License-Identifier: MIT */
/*
 * librdv: the rendez-vous point. The contract is in include/rdv/rdv.h and
 * DESIGN.md §1; this comment says how the code keeps it.
 *
 * Shared words of a domain:
 *   harmless[], want_rdv[], idle[]  the traced masks (one bit per thread)
 *   members[]  threads taking part (set after H at register, cleared first
 *              at unregister): an isolation waits only for these
 *   parked[]   threads inside an rdv call that will not return before the
 *              current isolation is released (blocked, or queued for their
 *              own turn): they count as idle for rdv_isolate_full() (I7)
 *   slots[]    indexes in use (claimed by CAS, freed last)
 *   tickets    high 32 bits: next ticket; low 32 bits: ticket now served.
 *              A request is pending while they differ. FIFO turns make I2
 *              (only the served ticket may be granted) and I3 (fairness).
 *              Each half wraps on its own: a request adds 1 << 32 (the
 *              carry falls off the word), a release increments the low half
 *              with a CAS that never carries into the high one.
 *   seq        futex word, bumped on every change a waiter may wait for
 *
 * The one ordering argument everything rests on (a Dekker pair, every
 * operation below seq_cst):
 *   leaving harmless:  clear own H;           then load tickets
 *   requesting:        fetch_add tickets;     then load every H
 * In the single total order of seq_cst operations one of the two loads sees
 * the other side's write: either the leaving thread sees the request and
 * stays harmless (blocks), or the requester sees the thread not harmless and
 * waits for it. Hence I1 and I5. A thread that must wait sets H again before
 * waiting, so its brief clear is behaviour-invisible (the "blink" DESIGN.md
 * speaks of).
 *
 * Waking uses the same pattern: a waiter increments `sleepers`, reads seq,
 * re-checks its condition, then futex_wait(seq, value read); a thread whose
 * change may end a wait makes it, then increments seq, then wakes if
 * `sleepers` is non-zero. Nobody is woken when no request is pending, so a
 * thread sleeping in its poller never is.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rdv/rdv.h"

#define LTTNG_UST_TRACEPOINT_DEFINE
#include "trace.h"

#define RDV_CACHELINE 64
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Spin, then yield, then sleep: how many checks of each before the next. */
#define RDV_SPIN_CHECKS 256
#define RDV_YIELD_CHECKS 16

struct rdv_thread {
	struct rdv *dom;     /* weak: the domain outlives its handles */
	uint32_t index;      /* t */
	uint32_t word;       /* t / 64 */
	uint64_t bit;        /* 1 << t % 64 */
	_Atomic bool active; /* registered; written by the owner, read by anyone */
	bool isolated;       /* owner only: holds the isolation */
	int32_t os_tid;      /* latest registration's kernel tid */
#ifndef NDEBUG
	pthread_t owner; /* debug builds check the owner makes the calls */
#endif
} __attribute__((aligned(RDV_CACHELINE)));

struct rdv {
	/* Read-mostly after rdv_create(). */
	uint32_t id;
	uint32_t max_threads;
	uint32_t nwords;
	struct rdv_thread *threads; /* owned: max_threads handles */
	_Atomic uint64_t *harmless; /* owned: all the word arrays, one block */
	_Atomic uint64_t *want_rdv;
	_Atomic uint64_t *idle;
	_Atomic uint64_t *members;
	_Atomic uint64_t *parked;
	_Atomic uint64_t *slots;

	/* Read by every harmless_end, written by every request and release. */
	_Alignas(RDV_CACHELINE) _Atomic uint64_t tickets;

	/* Touched only while a request is pending. */
	_Alignas(RDV_CACHELINE) _Atomic uint32_t seq;
	_Atomic uint32_t sleepers;

	_Alignas(RDV_CACHELINE) _Atomic uint64_t n_isolations;
	_Atomic uint64_t n_full;
	_Atomic uint64_t n_blocked;
	_Atomic uint64_t n_sleeps;
	_Atomic uint64_t n_wakes;
	_Atomic uint64_t n_misuse;
	_Atomic uint32_t n_registered;
};

static _Atomic uint32_t rdv__next_domain_id;

#define stat_inc(d, field) atomic_fetch_add_explicit(&(d)->field, 1, memory_order_relaxed)

/*
 * Misuse is ignored, counted, and asserted on in debug builds: a defined
 * result, never corruption (see the header).
 */
#define rdv_misuse(d, what)                                                                        \
	do {                                                                                       \
		if (d) {                                                                           \
			stat_inc(d, n_misuse);                                                     \
		}                                                                                  \
		assert(!"rdv misuse: " what);                                                      \
	} while (0)

#define RDV_TICKET_NEXT_ONE (UINT64_C(1) << 32)

static inline bool rdv__pending(uint64_t tickets)
{
	return (uint32_t)tickets != (uint32_t)(tickets >> 32);
}

static inline uint32_t rdv__serving(uint64_t tickets)
{
	return (uint32_t)tickets;
}

static inline bool rdv__request_pending(struct rdv *d)
{
	return rdv__pending(atomic_load(&d->tickets));
}

static inline _Atomic uint64_t *rdv__mask_word(struct rdv *d, int mask, uint32_t word)
{
	switch (mask) {
	case RDV_MASK_HARMLESS:
		return &d->harmless[word];
	case RDV_MASK_WANT_RDV:
		return &d->want_rdv[word];
	default:
		return &d->idle[word];
	}
}

/* The traced forms: out of line, so the untraced fast path stays small (no
 * register spills for the tracepoint's arguments). */
static __attribute__((noinline, cold)) void rdv__mask_set_traced(struct rdv_thread *t,
								 _Atomic uint64_t *w, int mask,
								 int op, const void *caller)
{
	uint64_t old = atomic_fetch_or(w, t->bit);

	if (!(old & t->bit)) {
		rdv_trace(mask_change, t->dom->id, t->index, op, mask, t->word, old, old | t->bit,
			  (uint64_t)(uintptr_t)caller);
	}
}

static __attribute__((noinline, cold)) void rdv__mask_clear_traced(struct rdv_thread *t,
								   _Atomic uint64_t *w, int mask,
								   int op, const void *caller)
{
	uint64_t old = atomic_fetch_and(w, ~t->bit);

	if (old & t->bit) {
		rdv_trace(mask_change, t->dom->id, t->index, op, mask, t->word, old, old & ~t->bit,
			  (uint64_t)(uintptr_t)caller);
	}
}

/*
 * Sets (or clears) the thread's bit in one traced mask, seq_cst. The exact
 * old value is only fetched while the event is enabled: unused, the
 * fetch_or/fetch_and result lets the compiler emit a plain `lock or/and`
 * instead of a cmpxchg loop (DESIGN.md §3).
 */
static inline void rdv__mask_set(struct rdv_thread *t, int mask, int op, const void *caller)
{
	_Atomic uint64_t *w = rdv__mask_word(t->dom, mask, t->word);

	if (unlikely(rdv_trace_enabled(mask_change))) {
		rdv__mask_set_traced(t, w, mask, op, caller);
	} else {
		atomic_fetch_or(w, t->bit);
	}
}

static inline void rdv__mask_clear(struct rdv_thread *t, int mask, int op, const void *caller)
{
	_Atomic uint64_t *w = rdv__mask_word(t->dom, mask, t->word);

	if (unlikely(rdv_trace_enabled(mask_change))) {
		rdv__mask_clear_traced(t, w, mask, op, caller);
	} else {
		atomic_fetch_and(w, ~t->bit);
	}
}

static inline bool rdv__valid(const struct rdv_thread *t)
{
	if (unlikely(!t || !atomic_load_explicit(&t->active, memory_order_relaxed))) {
		return false;
	}
#ifndef NDEBUG
	assert(pthread_equal(t->owner, pthread_self()) && "rdv: handle used by another thread");
#endif
	return true;
}

/* ---- waiting and waking (slow path, out of line) ---- */

static long rdv__futex(_Atomic uint32_t *addr, int op, uint32_t val)
{
	return syscall(SYS_futex, addr, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

/* Called after a change that may end someone's wait (see the top comment). */
static __attribute__((noinline)) void rdv__wake(struct rdv *d)
{
	atomic_fetch_add(&d->seq, 1);
	if (atomic_load(&d->sleepers) != 0) {
		stat_inc(d, n_wakes);
		rdv__futex(&d->seq, FUTEX_WAKE, INT_MAX);
	}
}

static inline void rdv__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

typedef bool (*rdv__cond_fn)(struct rdv *d, const void *arg);

/* Returns once cond(d, arg) holds: spin, then yield, then futex sleep. */
static void rdv__wait_until(struct rdv *d, rdv__cond_fn cond, const void *arg)
{
	for (unsigned i = 0; i < RDV_SPIN_CHECKS; i++) {
		if (cond(d, arg)) {
			return;
		}
		rdv__cpu_relax();
	}
	for (unsigned i = 0; i < RDV_YIELD_CHECKS; i++) {
		if (cond(d, arg)) {
			return;
		}
		sched_yield();
	}
	for (;;) {
		uint32_t seen;

		atomic_fetch_add(&d->sleepers, 1);
		seen = atomic_load(&d->seq);
		if (cond(d, arg)) {
			atomic_fetch_sub(&d->sleepers, 1);
			return;
		}
		stat_inc(d, n_sleeps);
		rdv__futex(&d->seq, FUTEX_WAIT, seen);
		atomic_fetch_sub(&d->sleepers, 1);
	}
}

static bool rdv__no_request(struct rdv *d, const void *arg)
{
	(void)arg;
	return !rdv__request_pending(d);
}

struct rdv__turn {
	uint32_t ticket;
};

static bool rdv__my_turn(struct rdv *d, const void *arg)
{
	const struct rdv__turn *turn = arg;

	return rdv__serving(atomic_load(&d->tickets)) == turn->ticket;
}

struct rdv__grant {
	const struct rdv_thread *self;
	bool full;
};

/*
 * True when every other member is harmless and, for a full isolation, idle
 * or parked in an rdv call. Words are read one at a time: a thread seen
 * ready and leaving harmless afterwards sees our pending ticket and blocks.
 */
static bool rdv__others_ready(struct rdv *d, const void *arg)
{
	const struct rdv__grant *g = arg;

	for (uint32_t w = 0; w < d->nwords; w++) {
		uint64_t need = atomic_load(&d->members[w]);

		if (w == g->self->word) {
			need &= ~g->self->bit;
		}
		if (!need) {
			continue;
		}
		uint64_t ok = atomic_load(&d->harmless[w]);

		if (g->full) {
			ok &= atomic_load(&d->idle[w]) | atomic_load(&d->parked[w]);
		}
		if (need & ~ok) {
			return false;
		}
	}
	return true;
}

/*
 * The thread is out of harmless (H clear, seen a pending request) and not
 * isolated: it parks, harmless again, until no request is pending, then
 * leaves harmless once more, checked the same way. `op` names the call for
 * the final H clear. Returns with H clear and no request pending (I5).
 */
static __attribute__((noinline)) void rdv__block(struct rdv_thread *t, int op, const void *caller)
{
	struct rdv *d = t->dom;

	stat_inc(d, n_blocked);
	atomic_fetch_or(&d->parked[t->word], t->bit);
	do {
		rdv__mask_set(t, RDV_MASK_HARMLESS, RDV_OP_HARMLESS_WAIT, caller);
		rdv__wake(d); /* our H (and parked) may complete a grant */
		rdv__wait_until(d, rdv__no_request, NULL);
		rdv__mask_clear(t, RDV_MASK_HARMLESS, op, caller);
	} while (rdv__request_pending(d));
	atomic_fetch_and(&d->parked[t->word], ~t->bit);
}

/* Leaves harmless for `op`: the Dekker side of the thread (top comment). */
static inline void rdv__leave_harmless(struct rdv_thread *t, int op, const void *caller)
{
	rdv__mask_clear(t, RDV_MASK_HARMLESS, op, caller);
	if (unlikely(rdv__request_pending(t->dom)) && !t->isolated) {
		rdv__block(t, op, caller);
	}
}

/* ---- domains ---- */

/* librdv-tp.so, the probes, is looked up next to librdv, then by name. */
#ifdef RDV_TRACING
static void *rdv__provider;

static void __attribute__((constructor)) rdv__trace_load_provider(void)
{
	const char *env = getenv("RDV_TRACEPOINTS");
	Dl_info info;

	if (env && strcmp(env, "0") == 0) {
		return;
	}
	if (env && env[0] == '/') {
		rdv__provider = dlopen(env, RTLD_NOW | RTLD_GLOBAL);
		return;
	}
	if (dladdr((void *)rdv_create, &info) && info.dli_fname) {
		char path[4096];
		const char *slash = strrchr(info.dli_fname, '/');

		if (slash && (size_t)(slash - info.dli_fname) + 20 < sizeof(path)) {
			snprintf(path, sizeof(path), "%.*s/librdv-tp.so.1",
				 (int)(slash - info.dli_fname), info.dli_fname);
			rdv__provider = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
		}
	}
	if (!rdv__provider) {
		rdv__provider = dlopen("librdv-tp.so.1", RTLD_NOW | RTLD_GLOBAL);
	}
}
#endif

struct rdv *rdv_create(unsigned max_threads)
{
	struct rdv *d = NULL;
	uint32_t nwords;
	size_t words;

	if (max_threads == 0 || max_threads > RDV_MAX_THREADS) {
		errno = EINVAL;
		return NULL;
	}
	nwords = (max_threads + 63) / 64;
	/* Each array on its own cache lines. */
	words = ((size_t)nwords + 7) / 8 * 8;

	if (posix_memalign((void **)&d, RDV_CACHELINE, sizeof(*d))) {
		goto nomem;
	}
	memset(d, 0, sizeof(*d));
	if (posix_memalign((void **)&d->harmless, RDV_CACHELINE, 6 * words * sizeof(uint64_t))) {
		goto nomem;
	}
	memset((void *)d->harmless, 0, 6 * words * sizeof(uint64_t));
	d->want_rdv = d->harmless + words;
	d->idle = d->want_rdv + words;
	d->members = d->idle + words;
	d->parked = d->members + words;
	d->slots = d->parked + words;
	if (posix_memalign((void **)&d->threads, RDV_CACHELINE,
			   (size_t)max_threads * sizeof(struct rdv_thread))) {
		goto nomem;
	}
	memset(d->threads, 0, (size_t)max_threads * sizeof(struct rdv_thread));
	for (uint32_t i = 0; i < max_threads; i++) {
		struct rdv_thread *t = &d->threads[i];

		t->dom = d;
		t->index = i;
		t->word = i / 64;
		t->bit = UINT64_C(1) << (i % 64);
	}
	d->max_threads = max_threads;
	d->nwords = nwords;
	d->id = atomic_fetch_add(&rdv__next_domain_id, 1);
	rdv_trace(domain_create, d->id, d->max_threads);
	return d;

nomem:
	if (d) {
		free((void *)d->harmless);
		free(d);
	}
	errno = ENOMEM;
	return NULL;
}

void rdv_destroy(struct rdv *d)
{
	if (!d) {
		return;
	}
	if (atomic_load(&d->n_registered) != 0) {
		rdv_misuse(d, "rdv_destroy() with registered threads");
		errno = EBUSY;
		return;
	}
	rdv_trace(domain_destroy, d->id);
	free(d->threads);
	free((void *)d->harmless);
	free(d);
}

uint32_t rdv_domain_id(const struct rdv *d)
{
	return d ? d->id : RDV_NO_THREAD;
}

/* ---- membership ---- */

static void rdv__end_isolation(struct rdv_thread *t, const void *caller);

static int rdv__claim_slot(struct rdv *d)
{
	for (uint32_t w = 0; w < d->nwords; w++) {
		uint64_t cur = atomic_load(&d->slots[w]);
		uint32_t n = d->max_threads - w * 64;
		uint64_t all = n >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << n) - 1;

		while ((cur & all) != all) {
			uint64_t bit = ~cur & all & -(~cur & all); /* lowest free */

			if (atomic_compare_exchange_weak(&d->slots[w], &cur, cur | bit)) {
				return (int)(w * 64 + __builtin_ctzll(bit));
			}
		}
	}
	return -1;
}

struct rdv_thread *rdv_thread_register(struct rdv *d)
{
	const void *caller = __builtin_return_address(0);
	struct rdv_thread *t;
	int index;

	if (!d) {
		errno = EINVAL;
		return NULL;
	}
	index = rdv__claim_slot(d);
	if (index < 0) {
		errno = EBUSY;
		return NULL;
	}
	t = &d->threads[index];
	t->isolated = false;
	t->os_tid = (int32_t)syscall(SYS_gettid);
#ifndef NDEBUG
	t->owner = pthread_self();
#endif
	atomic_store(&t->active, true);
	atomic_fetch_add(&d->n_registered, 1);
	rdv_trace(thread_register, d->id, t->index, t->os_tid);

	/*
	 * Enter harmless, become a member, then leave harmless like any thread:
	 * an isolation already granted is seen by the Dekker check and the new
	 * thread blocks until it is released (I6); one that starts afterwards
	 * sees the member not harmless and waits for it.
	 */
	rdv__mask_set(t, RDV_MASK_HARMLESS, RDV_OP_REGISTER, caller);
	atomic_fetch_or(&d->members[t->word], t->bit);
	rdv__leave_harmless(t, RDV_OP_REGISTER, caller);
	return t;
}

void rdv_thread_unregister(struct rdv_thread *t)
{
	const void *caller = __builtin_return_address(0);
	struct rdv *d;

	if (!rdv__valid(t)) {
		rdv_misuse(t ? t->dom : NULL, "rdv_thread_unregister() on an unregistered handle");
		return;
	}
	d = t->dom;
	if (t->isolated) {
		rdv__end_isolation(t, caller); /* not rdv_release(): leaving, it never waits */
	}
	/* Not a member first: from here no isolation waits for this thread. */
	atomic_fetch_and(&d->members[t->word], ~t->bit);
	rdv__mask_clear(t, RDV_MASK_HARMLESS, RDV_OP_UNREGISTER, caller);
	rdv__mask_clear(t, RDV_MASK_IDLE, RDV_OP_UNREGISTER, caller);
	rdv__mask_clear(t, RDV_MASK_WANT_RDV, RDV_OP_UNREGISTER, caller);
	atomic_fetch_and(&d->parked[t->word], ~t->bit);
	rdv_trace(thread_unregister, d->id, t->index);
	atomic_store(&t->active, false);
	atomic_fetch_sub(&d->n_registered, 1);
	atomic_fetch_and(&d->slots[t->word], ~t->bit);
	if (rdv__request_pending(d)) {
		rdv__wake(d);
	}
}

/* ---- harmless and idle sections ---- */

void rdv_harmless_now(struct rdv_thread *t)
{
	const void *caller = __builtin_return_address(0);
	if (unlikely(!rdv__valid(t))) {
		rdv_misuse(t ? t->dom : NULL, "rdv_harmless_now() on an unregistered handle");
		return;
	}
	rdv__mask_set(t, RDV_MASK_HARMLESS, RDV_OP_HARMLESS_NOW, caller);
	/* Nobody waits for the isolated thread's bits: its nested sections
	 * wake no one. */
	if (unlikely(rdv__request_pending(t->dom)) && !t->isolated) {
		rdv__wake(t->dom);
	}
}

void rdv_harmless_end(struct rdv_thread *t)
{
	const void *caller = __builtin_return_address(0);
	if (unlikely(!rdv__valid(t))) {
		rdv_misuse(t ? t->dom : NULL, "rdv_harmless_end() on an unregistered handle");
		return;
	}
	rdv__leave_harmless(t, RDV_OP_HARMLESS_END, caller);
}

void rdv_idle_now(struct rdv_thread *t)
{
	const void *caller = __builtin_return_address(0);
	if (unlikely(!rdv__valid(t))) {
		rdv_misuse(t ? t->dom : NULL, "rdv_idle_now() on an unregistered handle");
		return;
	}
	/* I before H: when the thread turns harmless it is already idle. */
	rdv__mask_set(t, RDV_MASK_IDLE, RDV_OP_IDLE_NOW, caller);
	rdv__mask_set(t, RDV_MASK_HARMLESS, RDV_OP_IDLE_NOW, caller);
	if (unlikely(rdv__request_pending(t->dom)) && !t->isolated) {
		rdv__wake(t->dom);
	}
}

void rdv_idle_end(struct rdv_thread *t)
{
	const void *caller = __builtin_return_address(0);
	if (unlikely(!rdv__valid(t))) {
		rdv_misuse(t ? t->dom : NULL, "rdv_idle_end() on an unregistered handle");
		return;
	}
	/* Still idle while blocked: a pending full isolation may go on. */
	rdv__leave_harmless(t, RDV_OP_IDLE_END, caller);
	rdv__mask_clear(t, RDV_MASK_IDLE, RDV_OP_IDLE_END, caller);
}

/* ---- isolation ---- */

/*
 * 1. Become parked (a queued requester counts as idle for the thread served
 *    before it) and take a ticket: the request's place in line, and the
 *    Dekker write. Taken while still running, so no grant can slip in
 *    between the call and the ticket (none can be granted while we run).
 * 2. Set H, then W: the thread is `waiting` (H first: W alone would read as
 *    isolated). Wake whoever waits for this thread to be harmless.
 * 3. Wait for the ticket to be served: FIFO among requesters.
 * 4. Wait until every other member is harmless (full: idle or parked).
 * 5. Clear H: isolated. Only the served ticket may reach this step (I2);
 *    any thread leaving harmless from now on sees the ticket and blocks (I1).
 */
static void rdv__isolate(struct rdv_thread *t, bool full, const void *caller)
{
	struct rdv *d = t->dom;
	int op = full ? RDV_OP_ISOLATE_FULL_REQUEST : RDV_OP_ISOLATE_REQUEST;
	struct rdv__turn turn;
	struct rdv__grant grant = { .self = t, .full = full };

	if (t->isolated) {
		rdv_misuse(d, "rdv_isolate() while isolated");
		return;
	}
	atomic_fetch_or(&d->parked[t->word], t->bit);
	turn.ticket = (uint32_t)(atomic_fetch_add(&d->tickets, RDV_TICKET_NEXT_ONE) >> 32);
	rdv__mask_set(t, RDV_MASK_HARMLESS, op, caller);
	rdv__mask_set(t, RDV_MASK_WANT_RDV, op, caller);
	rdv__wake(d);

	if (!rdv__my_turn(d, &turn)) {
		rdv__wait_until(d, rdv__my_turn, &turn);
	}
	if (!rdv__others_ready(d, &grant)) {
		rdv__wait_until(d, rdv__others_ready, &grant);
	}

	atomic_fetch_and(&d->parked[t->word], ~t->bit);
	t->isolated = true;
	rdv__mask_clear(t, RDV_MASK_HARMLESS, RDV_OP_ISOLATE_GRANT, caller);
	stat_inc(d, n_isolations);
	if (full) {
		stat_inc(d, n_full);
	}
}

void rdv_isolate(struct rdv_thread *t)
{
	const void *caller = __builtin_return_address(0);
	if (unlikely(!rdv__valid(t))) {
		rdv_misuse(t ? t->dom : NULL, "rdv_isolate() on an unregistered handle");
		return;
	}
	rdv__isolate(t, false, caller);
}

void rdv_isolate_full(struct rdv_thread *t)
{
	const void *caller = __builtin_return_address(0);
	if (unlikely(!rdv__valid(t))) {
		rdv_misuse(t ? t->dom : NULL, "rdv_isolate_full() on an unregistered handle");
		return;
	}
	rdv__isolate(t, true, caller);
}

/* Ends the caller's isolation: clear W, pass the turn on (serving + 1) and
 * wake the next requester and the blocked threads. */
static void rdv__end_isolation(struct rdv_thread *t, const void *caller)
{
	struct rdv *d = t->dom;
	uint64_t cur;

	rdv__mask_clear(t, RDV_MASK_WANT_RDV, RDV_OP_RELEASE, caller);
	t->isolated = false;
	/* serving + 1, wrapping within the low half (a fetch_add would carry
	 * into the next-ticket half once every 2^32 isolations). */
	cur = atomic_load(&d->tickets);
	while (!atomic_compare_exchange_weak(&d->tickets, &cur,
					     (cur & ~UINT64_C(0xffffffff)) | (uint32_t)(cur + 1))) {
	}
	rdv__wake(d);
}

/*
 * The thread is running (H clear since the grant, unless it sits in a nested
 * harmless section); if requests are still pending it blocks until they are
 * served, so the next one need not wait for it (I5).
 */
void rdv_release(struct rdv_thread *t)
{
	const void *caller = __builtin_return_address(0);
	if (unlikely(!rdv__valid(t))) {
		rdv_misuse(t ? t->dom : NULL, "rdv_release() on an unregistered handle");
		return;
	}
	if (!t->isolated) {
		rdv_misuse(t->dom, "rdv_release() while not isolated");
		return;
	}
	rdv__end_isolation(t, caller);
	rdv__leave_harmless(t, RDV_OP_RELEASE, caller);
}

/* ---- queries ---- */

bool rdv_is_isolated(const struct rdv_thread *t)
{
	return t && atomic_load_explicit(&t->active, memory_order_relaxed) && t->isolated;
}

bool rdv_is_harmless(const struct rdv_thread *t)
{
	if (!t || !atomic_load_explicit(&t->active, memory_order_relaxed)) {
		return false;
	}
	return (atomic_load(&t->dom->harmless[t->word]) & t->bit) != 0;
}

unsigned rdv_thread_index(const struct rdv_thread *t)
{
	if (!t || !atomic_load_explicit(&t->active, memory_order_relaxed)) {
		return RDV_NO_THREAD;
	}
	return t->index;
}

void rdv_get_stats(const struct rdv *d, struct rdv_stats *st)
{
	struct rdv *m = (struct rdv *)d; /* C11 atomics loads take non-const */

	memset(st, 0, sizeof(*st));
	if (!d) {
		return;
	}
	st->isolations = atomic_load_explicit(&m->n_isolations, memory_order_relaxed);
	st->full = atomic_load_explicit(&m->n_full, memory_order_relaxed);
	st->blocked = atomic_load_explicit(&m->n_blocked, memory_order_relaxed);
	st->sleeps = atomic_load_explicit(&m->n_sleeps, memory_order_relaxed);
	st->wakes = atomic_load_explicit(&m->n_wakes, memory_order_relaxed);
	st->misuse = atomic_load_explicit(&m->n_misuse, memory_order_relaxed);
	st->registered = atomic_load_explicit(&m->n_registered, memory_order_relaxed);
	st->max_threads = d->max_threads;
}
