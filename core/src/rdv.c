/* SPDX-License-Identifier: MIT */
/*
 * librdv: the rendez-vous point. The contract is in include/rdv/rdv.h and
 * DESIGN.md §1; this comment says how the code keeps it.
 *
 * Words of a domain
 *   harmless[], want_rdv[], idle[]  the traced masks H, W, I (one bit each)
 *   members[]  threads an isolation waits for (set after H and I at
 *              register, cleared first at unregister)
 *   used[]     slots claimed (by CAS), freed last
 *   rq         pending requests: low 32 bits the plain ones, bits 32..61
 *              the full ones (queued or held), bit 63 "a full isolation is
 *              held", bit 62 "stall reports on". The one word every thread
 *              leaving harmless reads.
 *   lock       a small futex lock (owner index + 1, bit 31: sleepers) that
 *              serializes the request queue, grants and withdrawals. The
 *              harmless/idle fast paths never take it.
 *   queue      the requests in arrival order (intrusive list of slots, under
 *              lock), the holder among them until it releases.
 *
 * Readiness. For a plain request another member is ready while its H bit is
 * set; for a full one while H and I are both set. I is set by idle_now, by
 * registration, and by a full request (the three "idle" places of I1), and
 * cleared by idle_end, at the end of registration, and at the grant of or
 * withdrawal from a full request. A thread in a harmless section that is not
 * idle, or blocked in harmless_end()/release(), has I clear: it is never
 * counted for a full isolation (the use-after-free HAProxy's 88d1c5d3f
 * fixed).
 *
 * The ordering argument (a Dekker pair, every operation seq_cst):
 *   leaving harmless:  clear own H;          then load rq
 *   requesting:        add to rq (publish);  then load members, H, I
 * In the single total order one load sees the other side's write: either the
 * leaving thread sees the request and, if it may be counted for it, stays
 * harmless (blocks, setting H again: the "blink" of DESIGN §1), or the
 * requester sees the thread not ready and waits. A requester reads a word's
 * H before its I: a thread seen harmless and then seen idle was idle at the
 * second read or in idle_now() between its I and H sets, and any later leave
 * sees the request (so a non-idle thread that leaves harmless and comes back
 * to idle in between is caught at the I read, never missed).
 *
 * Whom a leaving thread waits for. A thread whose I bit is set (leaving an
 * idle section or a registration) may have been counted by any request: it
 * blocks while rq is non-zero. A thread whose I bit is clear can only have
 * been counted by plain requests: it blocks while a plain request is
 * pending or held (or, defensively, a full isolation is held), and returns
 * running past pending full requests, which cannot be granted before it
 * reaches idle (I7 a: HAProxy's thread_harmless_end() waits for those and
 * can hang).
 *
 * Grants. A requester may be granted when it is eligible, no isolation is
 * held, and every other member is ready; it checks this without the lock,
 * then again under the lock, and becomes the holder there (I2). Eligible:
 * first in the queue, or a plain request with only full requests ahead of
 * it — a full request waits for that requester to be idle, so it may be
 * overtaken by it (I3, I7 b); any other request waits its turn (FIFO).
 * Timed requests that give up withdraw under the lock, so a grant never
 * counts a thread that has withdrawn.
 *
 * Waking. Two futex channels, so that only threads whose condition changed
 * are woken: `ready` for requesters waiting for the others (bumped by a
 * thread that becomes harmless or idle, or leaves, while a request is
 * pending), `queue` for threads waiting for the queue to move (blocked
 * threads, requesters waiting for their turn or for the holder; bumped when
 * a request leaves the queue). A waiter registers as a sleeper, reads the
 * channel's sequence, re-checks its condition, then sleeps on that value; a
 * waker changes the state, bumps the sequence, then wakes when there are
 * sleepers. Nobody is woken when no request is pending, so a thread that
 * sleeps in its poller never is.
 *
 * Handles. A handle is not a pointer: it encodes a registry index (which
 * domain), a slot and a generation drawn for each registration. A call on a
 * handle whose generation is not the slot's current one (unregistered,
 * dropped by fork, or of a destroyed domain) has no effect.
 */
#define _GNU_SOURCE
#include <assert.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "rdv/rdv.h"

#define LTTNG_UST_TRACEPOINT_DEFINE
/* The tracepoint state is librdv's own: hidden, read without the GOT. */
#define LTTNG_UST_TRACEPOINT_HIDDEN_DEFINITION
#include "trace.h"

#define RDV_CACHELINE 64
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

_Static_assert(sizeof(uintptr_t) >= 8, "librdv handles need 64-bit pointers");

/* Spin, then yield, then sleep: how many checks of each before the next. */
#define RDV_SPIN_CHECKS 256
#define RDV_YIELD_CHECKS 16

/* Handle layout: generation (24 bits) | slot address / 256 (40 bits: user
 * addresses below 2^48). Slots are 256-byte aligned and never freed (a
 * destroyed domain's slots wait in a pool for the next domain), so decoding
 * a stale handle reads valid memory. */
#define RDV__SLOT_ALIGN 256
#define RDV__ADDR_SHIFT 8
#define RDV__ADDR_BITS 40
#define RDV__GEN_BITS 24
#define RDV__ADDR_MASK ((UINT64_C(1) << RDV__ADDR_BITS) - 1)
#define RDV__GEN_MASK ((UINT64_C(1) << RDV__GEN_BITS) - 1)

/* rq layout: the plain requests, the full ones, "a full isolation is held",
 * and "stall reports on" (leaves then read the clock), so the fast path's
 * one load of rq covers everything. */
#define RDV__RQ_PLAIN_ONE UINT64_C(1)
#define RDV__RQ_PLAIN_MASK UINT64_C(0xffffffff)
#define RDV__RQ_FULL_ONE (UINT64_C(1) << 32)
#define RDV__RQ_STAMP (UINT64_C(1) << 62)
#define RDV__RQ_FULL_HELD (UINT64_C(1) << 63)
#define RDV__RQ_PENDING (~RDV__RQ_STAMP)

/* Lock word: 0 free, else owner (slot index + 1, or RDV__LOCK_ANON). */
#define RDV__LOCK_SLEEPERS (UINT32_C(1) << 31)
#define RDV__LOCK_ANON UINT32_C(0x7fffffff)

#define RDV__NONE UINT32_MAX

/* The signal stack: one bit per rdv_harmless_now() not yet ended, "was H
 * already set"; a leading 1 marks the bottom. Below its first "set" entry
 * the stack is implicit: a rdv_harmless_now() that finds H clear and the
 * stack empty pushes nothing (the fast path stores nothing), and an
 * rdv_harmless_end_sig() that finds it empty ends a section that raised H
 * from clear. */
#define RDV__SIG_EMPTY UINT64_C(1)
#define RDV__SIG_FULL (UINT64_C(1) << 62)
/* In the same word (one load on the fast path): inside an rdv call that
 * waits (block, request). */
#define RDV__IN_RDV (UINT64_C(1) << 63)

struct rdv__chan {
	_Atomic uint32_t seq;
	_Atomic uint32_t sleepers;
} __attribute__((aligned(RDV_CACHELINE)));

/* One per thread index; a registration occupies it from register to
 * unregister. */
struct rdv__slot {
	/* Hot, read by the owner on every call. */
	_Atomic uint64_t gen; /* the live registration's generation, 0 when free */
	struct rdv *dom;      /* weak: NULL while the slot waits in the pool */
	_Atomic uint64_t *hword, *iword, *wword; /* this thread's mask words */
	uint32_t index;
	uint32_t word;
	uint32_t bitno;		    /* index % 64 */
	_Atomic bool isolated;	    /* holds an isolation (owner writes) */
	_Atomic bool in_request;    /* in rdv__isolate() until granted or withdrawn
				       (owner writes, its handlers read) */
	_Atomic bool sig_nowait;    /* owes wake-ups: its handlers must not wait
				       (owner writes, its handlers read) */
	_Atomic bool sig_raised;    /* a handler's H was up in a nowait window */
	bool full;		    /* that isolation is full (owner) */
	_Atomic uint64_t sigstk;    /* RDV__SIG_EMPTY, RDV__IN_RDV (owner, handlers) */
	_Atomic int32_t os_tid;	    /* atomic: stall reports read late threads' */
	struct rdv__slot *tls_next; /* the owner thread's registrations */
#ifdef RDV_ASSERT_MISUSE
	pthread_t owner; /* debug builds check that the owner makes the calls */
#endif
	/* Written by whoever holds the domain lock. */
	_Alignas(RDV_CACHELINE) uint32_t q_prev, q_next;
	bool q_in;			       /* in the queue (requesting or holding) */
	bool q_full;			       /* a full request */
	_Atomic bool q_eligible;	       /* may be granted (see top comment) */
	uint64_t q_time;		       /* request time, when stalls are reported */
	_Atomic uint64_t left_h_ns, left_i_ns; /* last H / I clear, when stamping */
	uint32_t next_gen;		       /* kept across domains: the slot's last generation */
	uint32_t base_gen;		       /* next_gen when the current domain took the slot */
} __attribute__((aligned(RDV__SLOT_ALIGN)));

struct rdv {
	/* Read-mostly after rdv_create(). */
	uint32_t id;
	uint32_t max_threads;
	uint32_t nwords;
	uint32_t capacity;	    /* slots in the block (>= max_threads) */
	struct rdv *next;	    /* the live domains (under rdv__domains_lock) */
	struct rdv__slot *slots;    /* owned, from the pool: capacity slots */
	_Atomic uint64_t *harmless; /* owned: all the word arrays, one block */
	_Atomic uint64_t *want_rdv;
	_Atomic uint64_t *idle;
	_Atomic uint64_t *members;
	_Atomic uint64_t *used;

	/* Read by every leave, written by every request and release. */
	_Alignas(RDV_CACHELINE) _Atomic uint64_t rq;

	/* Under lock (holder and eligibility also read without it). */
	_Alignas(RDV_CACHELINE) _Atomic uint32_t lock;
	_Atomic uint32_t holder; /* slot index + 1 of the isolated thread, or 0 */
	uint32_t q_head, q_tail;
	uint32_t q_plain;  /* plain requests in the queue, the holder included */
	uint64_t stall_ns; /* 0: no stall reports */
	rdv_stall_fn *stall_fn;
	void *stall_arg;
	/* When stamping started: written under the lock, read by stall
	 * reports out of it (rdv_set_stall_handler() may run meanwhile). */
	_Atomic uint64_t stamp_since;

	struct rdv__chan ready, queue;

	_Alignas(RDV_CACHELINE) _Atomic uint64_t n_isolations;
	_Atomic uint64_t n_full;
	_Atomic uint64_t n_blocked;
	_Atomic uint64_t n_sleeps;
	_Atomic uint64_t n_wakes;
	_Atomic uint64_t n_misuse;
	_Atomic uint32_t n_registered;
};

/* Slot blocks of destroyed domains, for the next ones (never freed). */
struct rdv__pool_block {
	struct rdv__pool_block *next;
	struct rdv__slot *slots;
	uint32_t capacity;
};

static struct rdv *rdv__domains; /* live domains, for fork() */
static struct rdv__pool_block *rdv__pool;
static pthread_mutex_t rdv__domains_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic uint32_t rdv__next_domain_id;
static pthread_once_t rdv__once = PTHREAD_ONCE_INIT;
static pthread_key_t rdv__exit_key;
static uint64_t rdv__env_stall_ns; /* RDV_STALL_MS, read once */
static __thread struct rdv__slot *rdv__tls_head;

#define stat_inc(d, field) atomic_fetch_add_explicit(&(d)->field, 1, memory_order_relaxed)

/*
 * Misuse is ignored and counted: a defined result, never corruption (see
 * the header), whatever NDEBUG says, so a user's debug build behaves as the
 * header promises. Built with RDV_ASSERT_MISUSE (cmake -DRDV_ASSERT_MISUSE=ON),
 * it asserts instead, to catch mistakes early in tests.
 */
#ifdef RDV_ASSERT_MISUSE
#define rdv_misuse_assert(what) assert(!"rdv misuse: " what)
#else
#define rdv_misuse_assert(what) ((void)0)
#endif
#define rdv_misuse(d, what)                                                                        \
	do {                                                                                       \
		if (d) {                                                                           \
			stat_inc(d, n_misuse);                                                     \
		}                                                                                  \
		rdv_misuse_assert(what);                                                           \
	} while (0)

static uint64_t rdv__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- handles ---- */

static inline struct rdv_thread *rdv__handle(const struct rdv__slot *s)
{
	uint64_t v = (atomic_load_explicit(&((struct rdv__slot *)s)->gen, memory_order_relaxed)
		      << RDV__ADDR_BITS) |
		     ((uint64_t)(uintptr_t)s >> RDV__ADDR_SHIFT);

	return (struct rdv_thread *)(uintptr_t)v;
}

static inline struct rdv__slot *rdv__handle_slot(const struct rdv_thread *h)
{
	return (struct rdv__slot *)(uintptr_t)(((uint64_t)(uintptr_t)h & RDV__ADDR_MASK)
					       << RDV__ADDR_SHIFT);
}

/* The domain a stale handle was given by, if it still exists (for
 * counting misuse): the domain that uses the handle's slot now, if the
 * handle's generation is one that domain handed out. A handle of a
 * destroyed domain whose slot block a later domain reuses counts nowhere
 * (the header: "counted while the domain exists"). Generations run
 * 1 .. RDV__GEN_MASK, so they are compared modulo RDV__GEN_MASK. */
static struct rdv *rdv__handle_domain(const struct rdv_thread *h)
{
	struct rdv__slot *s = rdv__handle_slot(h);
	uint64_t g = (uint64_t)(uintptr_t)h >> RDV__ADDR_BITS;
	uint64_t base, age, span;

	if (!s) {
		return NULL;
	}
	/* How many registrations of the slot after the domain took it: the
	 * handle's, and the last one's. */
	base = s->base_gen % RDV__GEN_MASK;
	age = (g % RDV__GEN_MASK + RDV__GEN_MASK - base) % RDV__GEN_MASK;
	span = (__atomic_load_n(&s->next_gen, __ATOMIC_RELAXED) % RDV__GEN_MASK + RDV__GEN_MASK -
		base) %
	       RDV__GEN_MASK;
	if (age == 0 || age > span) {
		return NULL;
	}
	return __atomic_load_n(&s->dom, __ATOMIC_RELAXED);
}

/* The slot of a live registration, or NULL (NULL or stale handle).
 * `owner`: the caller must be the registered thread (checked in debug
 * builds); queries may come from any thread. One load (the generation)
 * before the slot's words can be used. */
static inline struct rdv__slot *rdv__lookup_from(const struct rdv_thread *h, bool owner)
{
	struct rdv__slot *s = rdv__handle_slot(h);

	if (unlikely(!s)) {
		return NULL;
	}
	/* Free slots have generation 0, handles never. */
	if (unlikely(atomic_load_explicit(&s->gen, memory_order_relaxed) !=
		     (uint64_t)(uintptr_t)h >> RDV__ADDR_BITS)) {
		return NULL;
	}
#ifdef RDV_ASSERT_MISUSE
	assert((!owner || pthread_equal(s->owner, pthread_self())) &&
	       "rdv: handle used by another thread");
#else
	(void)owner;
#endif
	return s;
}

static inline struct rdv__slot *rdv__lookup(const struct rdv_thread *h)
{
	return rdv__lookup_from(h, true);
}

/* ---- masks ---- */

static inline uint64_t rdv__bit(const struct rdv__slot *s)
{
	return UINT64_C(1) << (s->bitno & 63);
}

static inline _Atomic uint64_t *rdv__mask_word(struct rdv__slot *s, int mask)
{
	switch (mask) {
	case RDV_MASK_HARMLESS:
		return s->hword;
	case RDV_MASK_WANT_RDV:
		return s->wword;
	default:
		return s->iword;
	}
}

/* The traced forms: out of line, so the untraced fast path stays small. */
static __attribute__((noinline, cold)) bool rdv__mask_set_traced(struct rdv__slot *s, int mask,
								 int op, const void *caller)
{
	uint64_t bit = rdv__bit(s);
	uint64_t old = atomic_fetch_or(rdv__mask_word(s, mask), bit);

	if (!(old & bit)) {
		rdv_trace(mask_change, s->dom->id, s->index, op, mask, s->word, old, old | bit,
			  (uint64_t)(uintptr_t)caller);
	}
	return (old & bit) != 0;
}

static __attribute__((noinline, cold)) bool rdv__mask_clear_traced(struct rdv__slot *s, int mask,
								   int op, const void *caller)
{
	uint64_t bit = rdv__bit(s);
	uint64_t old = atomic_fetch_and(rdv__mask_word(s, mask), ~bit);

	if (old & bit) {
		rdv_trace(mask_change, s->dom->id, s->index, op, mask, s->word, old, old & ~bit,
			  (uint64_t)(uintptr_t)caller);
	}
	return (old & bit) != 0;
}

/*
 * Sets (clears) the thread's bit in one traced mask, seq_cst, and returns
 * whether it was set before. Untraced, gcc makes this one `lock bts`
 * (`lock btr`); the exact old word (a cmpxchg loop) is fetched only while
 * the event is enabled (DESIGN.md §3).
 */
static inline bool rdv__mask_set(struct rdv__slot *s, int mask, int op, const void *caller)
{
	uint64_t bit = rdv__bit(s);

	if (unlikely(rdv_trace_enabled(mask_change))) {
		return rdv__mask_set_traced(s, mask, op, caller);
	}
	return (atomic_fetch_or(rdv__mask_word(s, mask), bit) & bit) != 0;
}

static inline bool rdv__mask_clear(struct rdv__slot *s, int mask, int op, const void *caller)
{
	uint64_t bit = rdv__bit(s);

	if (unlikely(rdv_trace_enabled(mask_change))) {
		return rdv__mask_clear_traced(s, mask, op, caller);
	}
	return (atomic_fetch_and(rdv__mask_word(s, mask), ~bit) & bit) != 0;
}

static inline bool rdv__bit_is_set(struct rdv__slot *s, int mask)
{
	return (atomic_load(rdv__mask_word(s, mask)) & rdv__bit(s)) != 0;
}

/* ---- the signal stack ---- */

static inline void rdv__sig_push(struct rdv__slot *s, bool was)
{
	uint64_t v = atomic_load_explicit(&s->sigstk, memory_order_relaxed);
	uint64_t stk = v & ~RDV__IN_RDV;

	if (stk & RDV__SIG_FULL) {
		return; /* 62 open sections: deeper ones are not tracked */
	}
	atomic_store_explicit(&s->sigstk, (stk << 1) | was | (v & RDV__IN_RDV),
			      memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
}

/* Pops one entry: was H set before that rdv_harmless_now()? (An empty
 * stack answers no: see RDV__SIG_EMPTY.) */
static inline bool rdv__sig_pop(struct rdv__slot *s)
{
	uint64_t v = atomic_load_explicit(&s->sigstk, memory_order_relaxed);
	uint64_t stk = v & ~RDV__IN_RDV;

	if (stk == RDV__SIG_EMPTY) {
		return false;
	}
	atomic_store_explicit(&s->sigstk, (stk >> 1) | (v & RDV__IN_RDV), memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
	return stk & 1;
}

/* Ends every open section of the stack. */
static inline void rdv__sig_reset(struct rdv__slot *s)
{
	uint64_t v = atomic_load_explicit(&s->sigstk, memory_order_relaxed);

	if (unlikely(v != RDV__SIG_EMPTY) && (v & ~RDV__IN_RDV) != RDV__SIG_EMPTY) {
		atomic_store_explicit(&s->sigstk, RDV__SIG_EMPTY | (v & RDV__IN_RDV),
				      memory_order_relaxed);
	}
	atomic_signal_fence(memory_order_seq_cst);
}

/* Marks the thread inside a waiting rdv call; returns whether it already
 * was (nested: a signal handler's call inside a wait). */
static inline bool rdv__in_rdv_enter(struct rdv__slot *s)
{
	uint64_t v = atomic_load_explicit(&s->sigstk, memory_order_relaxed);

	atomic_store_explicit(&s->sigstk, v | RDV__IN_RDV, memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
	return v & RDV__IN_RDV;
}

static inline void rdv__in_rdv_leave(struct rdv__slot *s, bool was_in)
{
	atomic_signal_fence(memory_order_seq_cst);
	if (!was_in) {
		atomic_store_explicit(&s->sigstk,
				      atomic_load_explicit(&s->sigstk, memory_order_relaxed) &
					  ~RDV__IN_RDV,
				      memory_order_relaxed);
	}
}

/*
 * A window in which the thread owes other threads a wake-up (the lock's,
 * the queue's, the ready channel's) that it issues only after the window:
 * a signal handler that waited there for a request could wait for a
 * thread that sleeps until that very wake-up, and hang the domain. In the
 * window rdv_harmless_end_sig() does not wait; it notes that its H was up
 * (an isolation may have been granted on it), for the code after the
 * window to wait in its place if it returns to user code.
 */
static inline void rdv__nowait_enter(struct rdv__slot *s)
{
	atomic_store_explicit(&s->sig_raised, false, memory_order_relaxed);
	atomic_store_explicit(&s->sig_nowait, true, memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
}

/* Ends the window; returns whether a handler's H was up in it. */
static inline bool rdv__nowait_leave(struct rdv__slot *s)
{
	atomic_signal_fence(memory_order_seq_cst);
	atomic_store_explicit(&s->sig_nowait, false, memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
	return atomic_load_explicit(&s->sig_raised, memory_order_relaxed);
}

/* ---- futexes: channels and the lock ---- */

static long rdv__futex(_Atomic uint32_t *addr, int op, uint32_t val, const struct timespec *rel)
{
	return syscall(SYS_futex, addr, op | FUTEX_PRIVATE_FLAG, val, rel, NULL, 0);
}

static void rdv__chan_wake(struct rdv *d, struct rdv__chan *c)
{
	atomic_fetch_add(&c->seq, 1);
	if (atomic_load(&c->sleepers) != 0) {
		stat_inc(d, n_wakes);
		rdv__futex(&c->seq, FUTEX_WAKE, INT_MAX, NULL);
	}
}

/* A thread became ready for some request (or left the domain): wake the
 * requesters that wait for the others, if any request is pending. */
static inline void rdv__wake_ready(struct rdv *d)
{
	if (unlikely(atomic_load(&d->rq) & RDV__RQ_PENDING)) {
		rdv__chan_wake(d, &d->ready);
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

static void rdv__lock(struct rdv *d, uint32_t me)
{
	uint32_t cur = 0;

	if (likely(atomic_compare_exchange_strong(&d->lock, &cur, me))) {
		return;
	}
	for (unsigned i = 0; i < 128; i++) {
		rdv__cpu_relax();
		cur = 0;
		if (atomic_load_explicit(&d->lock, memory_order_relaxed) == 0 &&
		    atomic_compare_exchange_strong(&d->lock, &cur, me)) {
			return;
		}
	}
	for (;;) {
		cur = atomic_load(&d->lock);
		if (cur == 0) {
			/* Others may sleep: take it with the sleepers bit. */
			if (atomic_compare_exchange_strong(&d->lock, &cur,
							   me | RDV__LOCK_SLEEPERS)) {
				return;
			}
			continue;
		}
		if (!(cur & RDV__LOCK_SLEEPERS) &&
		    !atomic_compare_exchange_strong(&d->lock, &cur, cur | RDV__LOCK_SLEEPERS)) {
			continue;
		}
		rdv__futex(&d->lock, FUTEX_WAIT, cur | RDV__LOCK_SLEEPERS, NULL);
	}
}

static void rdv__unlock(struct rdv *d)
{
	if (atomic_exchange(&d->lock, 0) & RDV__LOCK_SLEEPERS) {
		rdv__futex(&d->lock, FUTEX_WAKE, 1, NULL);
	}
}

static inline bool rdv__holds_lock(struct rdv *d, const struct rdv__slot *s)
{
	return (atomic_load(&d->lock) & ~RDV__LOCK_SLEEPERS) == s->index + 1;
}

/*
 * Waits until pred(s, arg, &chan) is true: spins, yields, then sleeps on the
 * channel pred names. Returns 0, or ETIMEDOUT once deadline (CLOCK_MONOTONIC
 * ns, 0: none) has passed with pred still false.
 */
typedef bool rdv__pred_fn(struct rdv__slot *s, void *arg, struct rdv__chan **chan);

static int rdv__wait(struct rdv__slot *s, rdv__pred_fn *pred, void *arg, uint64_t deadline)
{
	struct rdv *d = s->dom;
	struct rdv__chan *chan = &d->queue;

	for (unsigned i = 0; i < RDV_SPIN_CHECKS; i++) {
		if (pred(s, arg, &chan)) {
			return 0;
		}
		if (deadline && (i & 63) == 63 && rdv__now_ns() >= deadline) {
			return ETIMEDOUT;
		}
		rdv__cpu_relax();
	}
	for (unsigned i = 0; i < RDV_YIELD_CHECKS; i++) {
		if (pred(s, arg, &chan)) {
			return 0;
		}
		if (deadline && rdv__now_ns() >= deadline) {
			return ETIMEDOUT;
		}
		sched_yield();
	}
	for (;;) {
		struct timespec rel, *relp = NULL;
		uint32_t seen;
		struct rdv__chan *c;

		if (pred(s, arg, &chan)) {
			return 0;
		}
		c = chan;
		atomic_fetch_add(&c->sleepers, 1);
		seen = atomic_load(&c->seq);
		if (pred(s, arg, &chan)) {
			atomic_fetch_sub(&c->sleepers, 1);
			return 0;
		}
		if (chan != c) { /* the reason changed: sleep on the other channel */
			atomic_fetch_sub(&c->sleepers, 1);
			continue;
		}
		if (deadline) {
			uint64_t now = rdv__now_ns();

			if (now >= deadline) {
				atomic_fetch_sub(&c->sleepers, 1);
				return ETIMEDOUT;
			}
			rel.tv_sec = (time_t)((deadline - now) / 1000000000u);
			rel.tv_nsec = (long)((deadline - now) % 1000000000u);
			relp = &rel;
		}
		stat_inc(d, n_sleeps);
		rdv__futex(&c->seq, FUTEX_WAIT, seen, relp);
		atomic_fetch_sub(&c->sleepers, 1);
	}
}

/* ---- leaving harmless ---- */

/* Must a thread that leaves harmless wait, given rq and its own I bit? */
static inline bool rdv__must_block(uint64_t rq, bool idle)
{
	return idle ? (rq & RDV__RQ_PENDING) != 0
		    : (rq & (RDV__RQ_PLAIN_MASK | RDV__RQ_FULL_HELD)) != 0;
}

struct rdv__block_arg {
	bool idle;
};

static bool rdv__block_over(struct rdv__slot *s, void *arg, struct rdv__chan **chan)
{
	const struct rdv__block_arg *b = arg;

	*chan = &s->dom->queue;
	return !rdv__must_block(atomic_load(&s->dom->rq), b->idle);
}

static inline void rdv__stamp(struct rdv *d, _Atomic uint64_t *where)
{
	if (unlikely(atomic_load_explicit(&d->rq, memory_order_relaxed) & RDV__RQ_STAMP)) {
		atomic_store_explicit(where, rdv__now_ns(), memory_order_relaxed);
	}
}

/*
 * The thread cleared its H bit and saw a request it may have been counted
 * for: it stays harmless ("blocked", H set again with op harmless_wait)
 * until no such request is pending, then leaves again, checked the same way.
 * `op` names the call for the final H clear. Returns with H clear (I5).
 */
static __attribute__((noinline)) void rdv__block(struct rdv__slot *s, int op, const void *caller)
{
	struct rdv *d = s->dom;
	struct rdv__block_arg b = {.idle = rdv__bit_is_set(s, RDV_MASK_IDLE)};
	bool was_in;

	stat_inc(d, n_blocked);
	was_in = rdv__in_rdv_enter(s);
	do {
		rdv__mask_set(s, RDV_MASK_HARMLESS, RDV_OP_HARMLESS_WAIT, caller);
		rdv__wake_ready(d); /* our H may complete a grant */
		rdv__wait(s, rdv__block_over, &b, 0);
		rdv__mask_clear(s, RDV_MASK_HARMLESS, op, caller);
	} while (rdv__must_block(atomic_load(&d->rq), b.idle));
	rdv__in_rdv_leave(s, was_in);
	rdv__stamp(d, &s->left_h_ns);
}

/* The slow part of a leave: a request is pending, or stall reports are on. */
static __attribute__((noinline)) void rdv__leave_slow(struct rdv__slot *s, int op,
						      const void *caller, bool was, uint64_t rq)
{
	if ((rq & RDV__RQ_PENDING) && !atomic_load_explicit(&s->isolated, memory_order_relaxed) &&
	    rdv__must_block(rq, rdv__bit_is_set(s, RDV_MASK_IDLE))) {
		rdv__block(s, op, caller);
	} else if (was) {
		rdv__stamp(s->dom, &s->left_h_ns);
	}
}

/* Leaves harmless for `op`: the Dekker side of the thread (top comment). */
static inline __attribute__((always_inline)) void rdv__leave_harmless(struct rdv__slot *s, int op,
								      const void *caller)
{
	bool was = rdv__mask_clear(s, RDV_MASK_HARMLESS, op, caller);
	uint64_t rq = atomic_load(&s->dom->rq);

	if (unlikely(rq != 0)) {
		rdv__leave_slow(s, op, caller, was, rq);
	}
}

/* ---- the request queue (under the lock) ---- */

static void rdv__queue_update(struct rdv *d)
{
	bool all_full = true;

	for (uint32_t i = d->q_head; i != RDV__NONE; i = d->slots[i].q_next) {
		struct rdv__slot *q = &d->slots[i];
		bool eligible = i == d->q_head || (!q->q_full && all_full);

		atomic_store_explicit(&q->q_eligible, eligible, memory_order_release);
		all_full = all_full && q->q_full;
	}
}

static void rdv__enqueue(struct rdv *d, struct rdv__slot *s, bool full)
{
	s->q_full = full;
	s->q_in = true;
	s->q_next = RDV__NONE;
	s->q_prev = d->q_tail;
	if (d->q_tail != RDV__NONE) {
		d->slots[d->q_tail].q_next = s->index;
	} else {
		d->q_head = s->index;
	}
	d->q_tail = s->index;
	/* Eligible now: first, or plain behind full requests only. */
	atomic_store_explicit(&s->q_eligible, d->q_head == s->index || (!full && d->q_plain == 0),
			      memory_order_release);
	if (!full) {
		d->q_plain++;
	}
}

static void rdv__dequeue(struct rdv *d, struct rdv__slot *s)
{
	if (!s->q_in) {
		return;
	}
	if (s->q_prev != RDV__NONE) {
		d->slots[s->q_prev].q_next = s->q_next;
	} else {
		d->q_head = s->q_next;
	}
	if (s->q_next != RDV__NONE) {
		d->slots[s->q_next].q_prev = s->q_prev;
	} else {
		d->q_tail = s->q_prev;
	}
	s->q_in = false;
	atomic_store_explicit(&s->q_eligible, false, memory_order_relaxed);
	if (!s->q_full) {
		d->q_plain--;
	}
	rdv__queue_update(d);
}

/*
 * True when every other member is ready for the request (top comment: H,
 * and for a full request H then I, per word). A thread seen ready that
 * leaves afterwards sees the request and, if it may be counted, blocks.
 */
static bool rdv__others_ready(struct rdv *d, const struct rdv__slot *self, bool full)
{
	for (uint32_t w = 0; w < d->nwords; w++) {
		uint64_t need = atomic_load(&d->members[w]);

		if (w == self->word) {
			need &= ~rdv__bit(self);
		}
		if (!need) {
			continue;
		}
		uint64_t ok = atomic_load(&d->harmless[w]);

		if (full) {
			ok &= atomic_load(&d->idle[w]);
		}
		if (need & ~ok) {
			return false;
		}
	}
	return true;
}

static inline bool rdv__grantable(struct rdv *d, struct rdv__slot *s)
{
	return atomic_load_explicit(&s->q_eligible, memory_order_acquire) &&
	       atomic_load(&d->holder) == 0 && rdv__others_ready(d, s, s->q_full);
}

/* Under the lock, the request validated: the caller becomes isolated. */
static void rdv__commit_grant(struct rdv *d, struct rdv__slot *s, const void *caller)
{
	atomic_store(&d->holder, s->index + 1);
	if (s->q_full) {
		atomic_fetch_or(&d->rq, RDV__RQ_FULL_HELD);
	}
	s->full = s->q_full;
	atomic_store_explicit(&s->isolated, true, memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
	atomic_store_explicit(&s->in_request, false, memory_order_relaxed);
	/* I before H: the thread reads `waiting`, then `isolated`. */
	if (s->q_full && rdv__mask_clear(s, RDV_MASK_IDLE, RDV_OP_ISOLATE_GRANT, caller)) {
		rdv__stamp(d, &s->left_i_ns);
	}
	rdv__mask_clear(s, RDV_MASK_HARMLESS, RDV_OP_ISOLATE_GRANT, caller);
	rdv__stamp(d, &s->left_h_ns);
	stat_inc(d, n_isolations);
	if (s->q_full) {
		stat_inc(d, n_full);
	}
}

/* Ends the caller's isolation under the lock; returns with W clear, the
 * thread running (H and I clear), the turn passed on. */
static void rdv__end_isolation_locked(struct rdv *d, struct rdv__slot *s, const void *caller)
{
	if (rdv__mask_clear(s, RDV_MASK_IDLE, RDV_OP_RELEASE, caller)) {
		rdv__stamp(d, &s->left_i_ns); /* a nested idle section left open */
	}
	if (rdv__mask_clear(s, RDV_MASK_HARMLESS, RDV_OP_RELEASE, caller)) {
		rdv__stamp(d, &s->left_h_ns); /* a nested harmless section */
	}
	rdv__mask_clear(s, RDV_MASK_WANT_RDV, RDV_OP_RELEASE, caller);
	atomic_store_explicit(&s->isolated, false, memory_order_relaxed);
	rdv__dequeue(d, s);
	atomic_store(&d->holder, 0);
	atomic_fetch_sub(&d->rq,
			 s->full ? RDV__RQ_FULL_ONE | RDV__RQ_FULL_HELD : RDV__RQ_PLAIN_ONE);
	s->full = false;
}

/* ---- stall reports ---- */

struct rdv__stall_cfg {
	uint64_t threshold_ns;
	rdv_stall_fn *fn;
	void *arg;
};

/* Appends to a bounded line; returns false once it is full. */
static bool rdv__append(char *buf, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool rdv__append(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*len >= cap) {
		return false;
	}
	va_start(ap, fmt);
	k = vsnprintf(buf + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= cap - *len) {
		*len = cap;
		return false;
	}
	*len += (size_t)k;
	return true;
}

/* The default stall handler: one line on stderr, written at once. */
static void rdv__stall_default(const struct rdv_stall *st, void *arg)
{
	char line[1024];
	size_t n = 0, cap = sizeof(line) - 40; /* room for "and N more" */

	(void)arg;
	rdv__append(line, cap, &n,
		    "rdv: stall: domain %u: thread %u (tid %d) has waited %.3f ms for %s "
		    "isolation; %u not %s yet:",
		    (unsigned)st->domain, st->requester, (int)st->requester_tid,
		    (double)st->waited_ns / 1e6, st->full ? "a full" : "an", st->n_late,
		    st->full ? "idle" : "harmless");
	for (unsigned i = 0; i < st->n_late; i++) {
		size_t before = n;

		if (!rdv__append(line, cap, &n, "%s thread %u (tid %d, late %.3f ms)", i ? "," : "",
				 st->late[i].index, (int)st->late[i].os_tid,
				 (double)st->late[i].not_ready_ns / 1e6)) {
			n = before;
			line[n] = '\0';
			rdv__append(line, sizeof(line) - 1, &n, " and %u more", st->n_late - i);
			break;
		}
	}
	if (n > sizeof(line) - 1) {
		n = sizeof(line) - 1;
	}
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0) {
		return; /* nothing better to do with a failed diagnostic */
	}
}

/* Runs on the requester, harmless (and, for a full request, idle), out of
 * the lock: names the threads that hold the request back. */
static void rdv__report_stall(struct rdv__slot *s, const struct rdv__stall_cfg *cfg, uint64_t now)
{
	struct rdv *d = s->dom;
	struct rdv_stall_thread stack_late[64], *late = stack_late;
	uint32_t stack_idx[64], *idx = stack_idx;
	unsigned n = 0, cap = 64;
	struct rdv_stall st;

	for (uint32_t w = 0; w < d->nwords; w++) {
		uint64_t need = atomic_load(&d->members[w]);
		uint64_t h, i, late_bits;

		if (w == s->word) {
			need &= ~rdv__bit(s);
		}
		if (!need) {
			continue;
		}
		h = atomic_load(&d->harmless[w]);
		i = atomic_load(&d->idle[w]);
		late_bits = need & ~(s->q_full ? h & i : h);
		while (late_bits) {
			struct rdv__slot *o =
			    &d->slots[w * 64 + (uint32_t)__builtin_ctzll(late_bits)];
			uint64_t left,
			    since = atomic_load_explicit(&d->stamp_since, memory_order_relaxed);

			late_bits &= late_bits - 1;
			if (n == cap) {
				unsigned ncap = cap * 2;
				struct rdv_stall_thread *nl = malloc(ncap * sizeof(*nl));
				uint32_t *ni = malloc(ncap * sizeof(*ni));

				if (!nl || !ni) {
					free(nl);
					free(ni);
					goto report; /* what fits is reported */
				}
				memcpy(nl, late, n * sizeof(*nl));
				memcpy(ni, idx, n * sizeof(*ni));
				if (late != stack_late) {
					free(late);
					free(idx);
				}
				late = nl;
				idx = ni;
				cap = ncap;
			}
			left = atomic_load_explicit(s->q_full && !(i & rdv__bit(o)) ? &o->left_i_ns
										    : &o->left_h_ns,
						    memory_order_relaxed);
			if (left < since) {
				left = since; /* left before reports were on: at least this */
			}
			late[n].index = o->index;
			/* The slot may be taken again meanwhile: a racy snapshot. */
			late[n].os_tid = atomic_load_explicit(&o->os_tid, memory_order_relaxed);
			late[n].not_ready_ns = now > left ? now - left : 0;
			idx[n] = o->index;
			n++;
		}
	}
report:
	st.domain = d->id;
	st.requester = s->index;
	st.requester_tid = atomic_load_explicit(&s->os_tid, memory_order_relaxed);
	st.full = s->q_full;
	st.waited_ns = now - s->q_time;
	st.n_late = n;
	st.late = late;
	rdv_trace(stall, d->id, s->index, st.waited_ns, idx,
		  n < RDV_TP_STALL_MAX_LATE ? n : RDV_TP_STALL_MAX_LATE);
	(cfg->fn ? cfg->fn : rdv__stall_default)(&st, cfg->arg);
	if (late != stack_late) {
		free(late);
		free(idx);
	}
}

/* ---- isolation ---- */

static bool rdv__request_ready(struct rdv__slot *s, void *arg, struct rdv__chan **chan)
{
	struct rdv *d = s->dom;

	(void)arg;
	if (!atomic_load_explicit(&s->q_eligible, memory_order_acquire) ||
	    atomic_load(&d->holder) != 0) {
		*chan = &d->queue;
		return false;
	}
	*chan = &d->ready;
	return rdv__others_ready(d, s, s->q_full);
}

/*
 * Withdraws a request that timed out, under the lock: the thread leaves the
 * queue and its W (and I) bits; it returns running unless an isolation is
 * held (one that counted it), which it then waits out harmless. Returns
 * whether H is still set.
 */
static bool rdv__withdraw_locked(struct rdv *d, struct rdv__slot *s, const void *caller)
{
	bool held = atomic_load(&d->holder) != 0;

	/* Under the lock, before H goes: a handler from here on waits like
	 * any leave (the thread is about to run user code). */
	atomic_store_explicit(&s->in_request, false, memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
	rdv__dequeue(d, s);
	atomic_fetch_sub(&d->rq, s->q_full ? RDV__RQ_FULL_ONE : RDV__RQ_PLAIN_ONE);
	/* I, then W, then H: waiting → harmless → running, never `isolated`. */
	if (rdv__mask_clear(s, RDV_MASK_IDLE, RDV_OP_ISOLATE_TIMEOUT, caller)) {
		rdv__stamp(d, &s->left_i_ns);
	}
	rdv__mask_clear(s, RDV_MASK_WANT_RDV, RDV_OP_ISOLATE_TIMEOUT, caller);
	if (!held) {
		rdv__mask_clear(s, RDV_MASK_HARMLESS, RDV_OP_ISOLATE_TIMEOUT, caller);
		rdv__stamp(d, &s->left_h_ns);
	}
	return held;
}

/*
 * 1. Under the lock: join the queue, publish the request in rq (the Dekker
 *    write), then set H, W (and I for a full request): `waiting`.
 * 2. If eligible, no isolation held and every other member ready: granted
 *    at once (still under the lock).
 * 3. Otherwise wait (spin, yield, sleep on the channel of the reason),
 *    re-validate under the lock when the condition looks true, and commit.
 * 4. A deadline passed: withdraw (rdv__withdraw_locked). A stall threshold
 *    passed: report once, go on waiting.
 */
static int rdv__isolate(struct rdv__slot *s, bool full, uint64_t timeout_ns, bool timed,
			const void *caller)
{
	struct rdv *d = s->dom;
	int op = full ? RDV_OP_ISOLATE_FULL_REQUEST : RDV_OP_ISOLATE_REQUEST;
	uint64_t start = 0, deadline = 0, stall_at = 0, prev_rq;
	struct rdv__stall_cfg cfg = {0};
	bool was_in;
	int ret = 0;

	if (atomic_load_explicit(&s->isolated, memory_order_relaxed)) {
		if (full && !s->full) {
			static const char msg[] =
			    "rdv: rdv_isolate_full() called while holding a plain isolation "
			    "(it cannot be upgraded without a release): aborting\n";

			if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
				abort();
			}
			abort();
		}
		if (full || !s->full) {
			rdv_misuse(d, "rdv_isolate() while isolated");
		}
		return 0; /* already isolated, at least as strongly */
	}
	rdv__sig_reset(s); /* a request ends any harmless section */
	was_in = rdv__in_rdv_enter(s);
	/* From here the thread returns to user code only isolated or after
	 * a withdrawal under the lock: a signal handler's harmless section
	 * need not (and, while waiting for the lock, must not) wait. */
	atomic_store_explicit(&s->in_request, true, memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
	rdv__lock(d, s->index + 1);
	cfg.threshold_ns = d->stall_ns;
	cfg.fn = d->stall_fn;
	cfg.arg = d->stall_arg;
	if (timed || cfg.threshold_ns) {
		start = rdv__now_ns();
		deadline =
		    timed ? (timeout_ns > UINT64_MAX - start ? UINT64_MAX : start + timeout_ns) : 0;
		stall_at = cfg.threshold_ns ? start + cfg.threshold_ns : 0;
	}
	s->q_time = start;
	rdv__enqueue(d, s, full);
	prev_rq = atomic_fetch_add(&d->rq, full ? RDV__RQ_FULL_ONE : RDV__RQ_PLAIN_ONE);
	rdv__mask_set(s, RDV_MASK_HARMLESS, op, caller);
	rdv__mask_set(s, RDV_MASK_WANT_RDV, op, caller);
	if (full) {
		rdv__mask_set(s, RDV_MASK_IDLE, op, caller);
	} else if (rdv__mask_clear(s, RDV_MASK_IDLE, op, caller)) {
		rdv__stamp(d, &s->left_i_ns); /* called inside an idle section: it ends */
	}
	if (rdv__grantable(d, s)) {
		rdv__commit_grant(d, s, caller);
		rdv__unlock(d);
		goto end;
	}
	rdv__unlock(d);
	if (prev_rq & RDV__RQ_PENDING) {
		rdv__chan_wake(d, &d->ready); /* our H (and I) may complete another grant */
	}

	for (;;) {
		uint64_t until = deadline;
		int r;

		if (stall_at && (!until || stall_at < until)) {
			until = stall_at;
		}
		r = rdv__wait(s, rdv__request_ready, NULL, until);
		if (r == 0) {
			rdv__lock(d, s->index + 1);
			if (rdv__grantable(d, s)) {
				rdv__commit_grant(d, s, caller);
				rdv__unlock(d);
				goto end;
			}
			rdv__unlock(d);
			continue;
		}
		uint64_t now = rdv__now_ns();

		if (stall_at && now >= stall_at) {
			stall_at = 0;
			rdv__report_stall(s, &cfg, now);
		}
		if (deadline && now >= deadline) {
			bool held;

			rdv__lock(d, s->index + 1);
			if (rdv__grantable(d, s)) { /* ready at the deadline: granted */
				rdv__commit_grant(d, s, caller);
				rdv__unlock(d);
				goto end;
			}
			/* From the withdrawal (in_request ends) until the
			 * lock's and the queue's wake-ups are out. */
			rdv__nowait_enter(s);
			held = rdv__withdraw_locked(d, s, caller);
			rdv__unlock(d);
			rdv__chan_wake(d, &d->queue);
			/* A handler's H up meanwhile may have been counted by
			 * an isolation granted since: as if held. */
			if (rdv__nowait_leave(s)) {
				held = true;
			}
			if (held) {
				/* Counted by the isolation now held: wait for it harmless. */
				rdv__leave_harmless(s, RDV_OP_ISOLATE_TIMEOUT, caller);
			}
			ret = ETIMEDOUT;
			goto end;
		}
	}
end:
	rdv__in_rdv_leave(s, was_in);
	return ret;
}

/* The thread ends its isolation; if plain requests are pending it blocks,
 * harmless, until they are served, so the next one need not wait for it
 * (I5). Past full requests it returns running (it is not idle). Marked
 * inside an rdv call throughout: a signal handler's rdv_harmless_end()
 * then acts as rdv_harmless_end_sig(), which does not wait while the
 * thread holds the lock (its own isolation, half ended, is still counted
 * in rq there: waiting for it would hang the domain). */
static void rdv__release(struct rdv__slot *s, const void *caller)
{
	struct rdv *d = s->dom;
	bool was_in = rdv__in_rdv_enter(s);

	/* Owes the lock's and the queue's wake-ups until after the wake: a
	 * handler does not wait meanwhile. The check below (rq loaded after
	 * the window) waits for what a handler's H may have let in. */
	rdv__nowait_enter(s);
	rdv__lock(d, s->index + 1);
	rdv__end_isolation_locked(d, s, caller);
	rdv__unlock(d);
	rdv__chan_wake(d, &d->queue);
	rdv__nowait_leave(s);
	if (unlikely(rdv__must_block(atomic_load(&d->rq), false))) {
		rdv__block(s, RDV_OP_RELEASE, caller);
	}
	rdv__in_rdv_leave(s, was_in);
}

/* ---- start-up: provider, environment, thread exit, fork ---- */

#ifdef RDV_TRACING
/* librdv-tp.so, the probes, is looked up next to librdv, then by name.
 * RDV_TRACEPOINTS is read with secure_getenv(): a set-user-ID or
 * set-group-ID program ignores it, as glibc ignores LD_PRELOAD there. */
static void *rdv__provider;
/* LTTng-UST's per-thread state is global-dynamic TLS, allocated (with
 * malloc) by the first tracepoint a thread hits; a first hit in a signal
 * handler that interrupted malloc deadlocks. lttng_ust_init_thread()
 * allocates it beforehand: every registration calls it, so that
 * rdv_harmless_now() and rdv_harmless_end_sig() stay async-signal-safe
 * when tracing is turned on later (lttng/ust-thread.h). */
static void (*rdv__ust_init_thread)(void);
static __thread bool rdv__ust_thread_ready;

static void rdv__trace_open_provider(void)
{
	const char *env = secure_getenv("RDV_TRACEPOINTS");
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

static void __attribute__((constructor)) rdv__trace_load_provider(void)
{
	void *sym;

	rdv__trace_open_provider();
	if (rdv__provider && (sym = dlsym(rdv__provider, "lttng_ust_init_thread")) != NULL) {
		memcpy(&rdv__ust_init_thread, &sym, sizeof(sym));
	}
}

/* Called by each registration, in normal context. */
static void rdv__trace_init_thread(void)
{
	if (rdv__ust_init_thread && !rdv__ust_thread_ready) {
		rdv__ust_thread_ready = true;
		rdv__ust_init_thread();
	}
}
#else
static void rdv__trace_init_thread(void)
{
}
#endif

static void rdv__unregister(struct rdv__slot *s, const void *caller);

/* A registered thread exits without unregistering: unregister it. */
static void rdv__thread_exit(void *value)
{
	(void)value;
	while (rdv__tls_head) {
		rdv__unregister(rdv__tls_head, NULL);
	}
}

/* The forking thread's signal mask, while it holds every domain lock
 * anonymously (see rdv_set_stall_handler()). */
static sigset_t rdv__fork_mask;

static void rdv__fork_prepare(void)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &rdv__fork_mask);
	pthread_mutex_lock(&rdv__domains_lock);
	for (struct rdv *d = rdv__domains; d; d = d->next) {
		rdv__lock(d, RDV__LOCK_ANON);
	}
}

static void rdv__fork_parent(void)
{
	for (struct rdv *d = rdv__domains; d; d = d->next) {
		rdv__unlock(d);
	}
	pthread_mutex_unlock(&rdv__domains_lock);
	pthread_sigmask(SIG_SETMASK, &rdv__fork_mask, NULL);
}

static bool rdv__mine(const struct rdv__slot *s)
{
	for (const struct rdv__slot *m = rdv__tls_head; m; m = m->tls_next) {
		if (m == s) {
			return true;
		}
	}
	return false;
}

/*
 * In the child of fork() only the calling thread exists: every other
 * registration of each domain is dropped (its handle goes stale, its bits
 * are cleared), with its requests and its isolation. No event is emitted:
 * the child's tracer state is not re-established yet at this point.
 */
static void rdv__fork_child_domain(struct rdv *d)
{
	uint64_t rq = atomic_load(&d->rq) & RDV__RQ_STAMP;
	uint32_t kept = 0;

	/* Every slot that is not the forking thread's is freed, whatever its
	 * state: one in the middle of rdv_thread_register() (slot claimed,
	 * generation not yet set) or of rdv_thread_unregister() (generation
	 * cleared, slot not yet freed, count not yet decremented) included.
	 * The words and the count are rebuilt from the slots kept, not
	 * adjusted: the parent's other threads may have left them half-way. */
	for (uint32_t w = 0; w < d->nwords; w++) {
		atomic_store(&d->used[w], 0);
	}
	for (uint32_t i = 0; i < d->max_threads; i++) {
		struct rdv__slot *s = &d->slots[i];
		uint64_t bit = rdv__bit(s);

		if (atomic_load(&s->gen) && rdv__mine(s)) {
			atomic_fetch_or(&d->used[s->word], bit);
			kept++;
			continue;
		}
		if (s->q_in) {
			rdv__dequeue(d, s);
		}
		if (atomic_load(&d->holder) == i + 1) {
			atomic_store(&d->holder, 0);
		}
		atomic_fetch_and(&d->members[s->word], ~bit);
		atomic_fetch_and(&d->harmless[s->word], ~bit);
		atomic_fetch_and(&d->want_rdv[s->word], ~bit);
		atomic_fetch_and(&d->idle[s->word], ~bit);
		atomic_store(&s->gen, 0);
		atomic_store(&s->isolated, false);
	}
	atomic_store(&d->n_registered, kept);
	for (uint32_t i = d->q_head; i != RDV__NONE; i = d->slots[i].q_next) {
		rq += d->slots[i].q_full ? RDV__RQ_FULL_ONE : RDV__RQ_PLAIN_ONE;
	}
	if (atomic_load(&d->holder) && d->slots[atomic_load(&d->holder) - 1].full) {
		rq |= RDV__RQ_FULL_HELD;
	}
	atomic_store(&d->rq, rq);
	atomic_store(&d->ready.sleepers, 0);
	atomic_store(&d->queue.sleepers, 0);
	atomic_store(&d->lock, 0);
}

static void rdv__fork_child(void)
{
	for (struct rdv *d = rdv__domains; d; d = d->next) {
		rdv__fork_child_domain(d);
	}
	pthread_mutex_unlock(&rdv__domains_lock);
	pthread_sigmask(SIG_SETMASK, &rdv__fork_mask, NULL);
}

static void rdv__init_once(void)
{
	const char *env = secure_getenv("RDV_STALL_MS");

	if (env && *env) {
		char *end;
		unsigned long long ms = strtoull(env, &end, 10);

		if (*end == '\0' && ms > 0 && ms < UINT64_MAX / 1000000u) {
			rdv__env_stall_ns = ms * 1000000u;
		}
	}
	pthread_key_create(&rdv__exit_key, rdv__thread_exit);
	pthread_atfork(rdv__fork_prepare, rdv__fork_parent, rdv__fork_child);
}

/* ---- domains ---- */

/* A block of at least n slots: the smallest pooled one that fits, or a new
 * one (under rdv__domains_lock). */
static struct rdv__slot *rdv__slots_get(uint32_t n, uint32_t *capacity)
{
	struct rdv__pool_block **best = NULL;
	struct rdv__slot *slots = NULL;

	for (struct rdv__pool_block **p = &rdv__pool; *p; p = &(*p)->next) {
		if ((*p)->capacity >= n && (!best || (*p)->capacity < (*best)->capacity)) {
			best = p;
		}
	}
	if (best) {
		struct rdv__pool_block *b = *best;

		*best = b->next;
		slots = b->slots;
		*capacity = b->capacity;
		free(b);
		return slots;
	}
	if (posix_memalign((void **)&slots, RDV__SLOT_ALIGN, (size_t)n * sizeof(*slots))) {
		return NULL;
	}
	/* The handle keeps 40 bits of the slot's address / 256. */
	if (((uintptr_t)slots + (size_t)n * sizeof(*slots)) >> (RDV__ADDR_BITS + RDV__ADDR_SHIFT)) {
		free(slots);
		return NULL;
	}
	memset(slots, 0, (size_t)n * sizeof(*slots));
	*capacity = n;
	return slots;
}

/* Gives a destroyed domain's slots back (under rdv__domains_lock). A
 * handle of the domain stays decodable: its slot is free (generation 0) or
 * used by a later registration with another generation. */
static int rdv__slots_put(struct rdv__slot *slots, uint32_t capacity)
{
	struct rdv__pool_block *b = malloc(sizeof(*b));

	if (!b) {
		return -ENOMEM; /* kept by nobody: leaked, still valid memory */
	}
	b->slots = slots;
	b->capacity = capacity;
	b->next = rdv__pool;
	rdv__pool = b;
	return 0;
}

struct rdv *rdv_create(unsigned max_threads)
{
	struct rdv *d = NULL;
	uint32_t nwords;
	size_t words;

	if (max_threads == 0 || max_threads > RDV_MAX_THREADS) {
		errno = EINVAL;
		return NULL;
	}
	pthread_once(&rdv__once, rdv__init_once);
	nwords = (max_threads + 63) / 64;
	/* Each array on its own cache lines. */
	words = ((size_t)nwords + 7) / 8 * 8;

	if (posix_memalign((void **)&d, RDV_CACHELINE, sizeof(*d))) {
		goto nomem;
	}
	memset(d, 0, sizeof(*d));
	if (posix_memalign((void **)&d->harmless, RDV_CACHELINE, 5 * words * sizeof(uint64_t))) {
		goto nomem;
	}
	memset((void *)d->harmless, 0, 5 * words * sizeof(uint64_t));
	d->want_rdv = d->harmless + words;
	d->idle = d->want_rdv + words;
	d->members = d->idle + words;
	d->used = d->members + words;
	d->max_threads = max_threads;
	d->nwords = nwords;
	d->q_head = d->q_tail = RDV__NONE;
	if (rdv__env_stall_ns) {
		d->stall_ns = rdv__env_stall_ns;
		atomic_store_explicit(&d->stamp_since, rdv__now_ns(), memory_order_relaxed);
		atomic_store(&d->rq, RDV__RQ_STAMP);
	}

	pthread_mutex_lock(&rdv__domains_lock);
	d->slots = rdv__slots_get(max_threads, &d->capacity);
	if (!d->slots) {
		pthread_mutex_unlock(&rdv__domains_lock);
		goto nomem;
	}
	for (uint32_t i = 0; i < max_threads; i++) {
		struct rdv__slot *s = &d->slots[i];
		uint32_t next_gen = s->next_gen;

		memset(s, 0, sizeof(*s));
		s->next_gen = next_gen;
		s->base_gen = next_gen;
		s->index = i;
		s->word = i / 64;
		s->bitno = i % 64;
		s->hword = &d->harmless[s->word];
		s->wword = &d->want_rdv[s->word];
		s->iword = &d->idle[s->word];
		s->q_prev = s->q_next = RDV__NONE;
		atomic_store(&s->sigstk, RDV__SIG_EMPTY);
		__atomic_store_n(&s->dom, d, __ATOMIC_RELAXED);
	}
	d->id = atomic_fetch_add(&rdv__next_domain_id, 1);
	d->next = rdv__domains;
	rdv__domains = d;
	pthread_mutex_unlock(&rdv__domains_lock);
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
	pthread_mutex_lock(&rdv__domains_lock);
	for (struct rdv **p = &rdv__domains; *p; p = &(*p)->next) {
		if (*p == d) {
			*p = d->next;
			break;
		}
	}
	for (uint32_t i = 0; i < d->max_threads; i++) {
		__atomic_store_n(&d->slots[i].dom, NULL, __ATOMIC_RELAXED);
	}
	rdv__slots_put(d->slots, d->capacity);
	pthread_mutex_unlock(&rdv__domains_lock);
	rdv_trace(domain_destroy, d->id);
	free((void *)d->harmless);
	free(d);
}

uint32_t rdv_domain_id(const struct rdv *d)
{
	return d ? d->id : RDV_NO_THREAD;
}

int rdv_set_stall_handler(struct rdv *d, uint64_t threshold_ns, rdv_stall_fn *fn, void *arg)
{
	sigset_t all, old;

	if (!d) {
		return EINVAL;
	}
	/* A signal handler of this thread calling rdv_harmless_end_sig()
	 * while we wait for or hold the lock anonymously could wait for a
	 * request that needs the lock: no handler runs meanwhile. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rdv__lock(d, RDV__LOCK_ANON);
	d->stall_ns = threshold_ns;
	d->stall_fn = fn;
	d->stall_arg = arg;
	if (threshold_ns && !(atomic_load(&d->rq) & RDV__RQ_STAMP)) {
		atomic_store_explicit(&d->stamp_since, rdv__now_ns(), memory_order_relaxed);
	}
	if (threshold_ns) {
		atomic_fetch_or(&d->rq, RDV__RQ_STAMP);
	} else {
		atomic_fetch_and(&d->rq, ~RDV__RQ_STAMP);
	}
	rdv__unlock(d);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return 0;
}

/* ---- membership ---- */

static int rdv__claim_slot(struct rdv *d)
{
	for (uint32_t w = 0; w < d->nwords; w++) {
		uint64_t cur = atomic_load(&d->used[w]);
		uint32_t n = d->max_threads - w * 64;
		uint64_t all = n >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << n) - 1;

		while ((cur & all) != all) {
			uint64_t bit = ~cur & all & -(~cur & all); /* lowest free */

			if (atomic_compare_exchange_weak(&d->used[w], &cur, cur | bit)) {
				return (int)(w * 64 + __builtin_ctzll(bit));
			}
		}
	}
	return -1;
}

struct rdv_thread *rdv_thread_register(struct rdv *d)
{
	const void *caller = __builtin_return_address(0);
	struct rdv__slot *s;
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
	rdv__trace_init_thread(); /* before any of its signal handlers traces */
	s = &d->slots[index];
	atomic_store_explicit(&s->isolated, false, memory_order_relaxed);
	atomic_store_explicit(&s->in_request, false, memory_order_relaxed);
	/* (A slot dropped by fork() may have been left inside a window.) */
	atomic_store_explicit(&s->sig_nowait, false, memory_order_relaxed);
	atomic_store_explicit(&s->sig_raised, false, memory_order_relaxed);
	s->full = false;
	atomic_store_explicit(&s->os_tid, (int32_t)syscall(SYS_gettid), memory_order_relaxed);
	atomic_store(&s->sigstk, RDV__SIG_EMPTY);
	atomic_store(&s->left_h_ns, 0);
	atomic_store(&s->left_i_ns, 0);
#ifdef RDV_ASSERT_MISUSE
	s->owner = pthread_self();
#endif
	/* The slot's next generation (never 0): a handle of an earlier
	 * registration of this slot, in this domain or an earlier one, differs
	 * until 2^24 - 1 registrations of the slot later. */
	__atomic_store_n(&s->next_gen, s->next_gen % (uint32_t)RDV__GEN_MASK + 1, __ATOMIC_RELAXED);
	atomic_store(&s->gen, s->next_gen);
	atomic_fetch_add(&d->n_registered, 1);
	s->tls_next = rdv__tls_head;
	rdv__tls_head = s;
	pthread_setspecific(rdv__exit_key, (void *)1);
	rdv_trace(thread_register, d->id, s->index,
		  atomic_load_explicit(&s->os_tid, memory_order_relaxed));

	/*
	 * Enter idle (I, then H), become a member, then leave like
	 * rdv_idle_end(): an isolation already granted or requested is seen by
	 * the Dekker check and the new thread blocks until it is served (I6);
	 * one requested afterwards sees the member not harmless and waits.
	 */
	rdv__mask_set(s, RDV_MASK_IDLE, RDV_OP_REGISTER, caller);
	rdv__mask_set(s, RDV_MASK_HARMLESS, RDV_OP_REGISTER, caller);
	atomic_fetch_or(&d->members[s->word], rdv__bit(s));
	rdv__leave_harmless(s, RDV_OP_REGISTER, caller);
	rdv__mask_clear(s, RDV_MASK_IDLE, RDV_OP_REGISTER, caller);
	rdv__stamp(d, &s->left_i_ns);
	return rdv__handle(s);
}

static void rdv__unregister(struct rdv__slot *s, const void *caller)
{
	struct rdv *d = s->dom;
	uint64_t bit = rdv__bit(s);

	/* The thread leaves without returning to user code as a member, and
	 * owes wake-ups until the end (the lock's, the queue's, and the ready
	 * channel's for requesters that wait for it to leave): its handlers
	 * never wait here (their rdv_harmless_end() acts as
	 * rdv_harmless_end_sig(): inside an rdv call). */
	bool was_in = rdv__in_rdv_enter(s);

	rdv__nowait_enter(s);

	if (atomic_load_explicit(&s->isolated, memory_order_relaxed) || s->q_in) {
		/* Leaving ends the isolation (or withdraws a request) without
		 * waiting for anyone. */
		rdv__lock(d, s->index + 1);
		if (atomic_load_explicit(&s->isolated, memory_order_relaxed)) {
			rdv__end_isolation_locked(d, s, caller);
		} else if (s->q_in) {
			rdv__withdraw_locked(d, s, caller);
		}
		rdv__unlock(d);
		rdv__chan_wake(d, &d->queue);
	}
	/* Not a member first: from here no isolation waits for this thread. */
	atomic_fetch_and(&d->members[s->word], ~bit);
	rdv__mask_clear(s, RDV_MASK_HARMLESS, RDV_OP_UNREGISTER, caller);
	rdv__mask_clear(s, RDV_MASK_IDLE, RDV_OP_UNREGISTER, caller);
	rdv__mask_clear(s, RDV_MASK_WANT_RDV, RDV_OP_UNREGISTER, caller);
	rdv_trace(thread_unregister, d->id, s->index);
	atomic_store(&s->gen, 0); /* every handle of this registration is stale */
	for (struct rdv__slot **p = &rdv__tls_head; *p; p = &(*p)->tls_next) {
		if (*p == s) {
			*p = s->tls_next;
			break;
		}
	}
	if (!rdv__tls_head) {
		pthread_setspecific(rdv__exit_key, NULL);
	}
	atomic_fetch_sub(&d->n_registered, 1);
	rdv__wake_ready(d);
	/* Done with the slot before it is freed: a registration may take it
	 * at once. */
	rdv__nowait_leave(s);
	rdv__in_rdv_leave(s, was_in);
	atomic_fetch_and(&d->used[s->word], ~bit);
}

void rdv_thread_unregister(struct rdv_thread *t)
{
	const void *caller = __builtin_return_address(0);
	struct rdv__slot *s = rdv__lookup(t);

	if (!s) {
		rdv_misuse(t ? rdv__handle_domain(t) : NULL,
			   "rdv_thread_unregister() on an unregistered handle");
		return;
	}
	rdv__unregister(s, caller);
}

/* ---- harmless and idle sections ---- */

void rdv_harmless_now(struct rdv_thread *t)
{
	const void *caller = __builtin_return_address(0);
	struct rdv__slot *s = rdv__lookup(t);
	bool was;

	if (unlikely(!s)) {
		rdv_misuse(t ? rdv__handle_domain(t) : NULL,
			   "rdv_harmless_now() on an unregistered handle");
		return;
	}
	was = rdv__mask_set(s, RDV_MASK_HARMLESS, RDV_OP_HARMLESS_NOW, caller);
	if (unlikely(was) ||
	    unlikely(atomic_load_explicit(&s->sigstk, memory_order_relaxed) != RDV__SIG_EMPTY)) {
		rdv__sig_push(s, was);
	}
	/* Nobody waits for the isolated thread's bits: its nested sections
	 * wake no one. */
	if (!was && unlikely(atomic_load(&s->dom->rq) & RDV__RQ_PENDING) &&
	    !atomic_load_explicit(&s->isolated, memory_order_relaxed)) {
		rdv__chan_wake(s->dom, &s->dom->ready);
	}
}

/* Ends the section a signal handler's rdv_harmless_now() started: puts H
 * back as it was before that call. */
static void rdv__harmless_end_sig(struct rdv__slot *s, const void *caller)
{
	if (rdv__sig_pop(s)) {
		return; /* the interrupted code was harmless: it stays so */
	}
	if (atomic_load_explicit(&s->isolated, memory_order_relaxed) ||
	    rdv__holds_lock(s->dom, s) ||
	    atomic_load_explicit(&s->in_request, memory_order_relaxed)) {
		/* No isolation can have been granted on the handler's H, or
		 * the interrupted code (a request) returns to user code only
		 * isolated or after a withdrawal that waits for a held one.
		 * Waiting here could hang the domain: the thread may hold the
		 * lock's wake-up (woken from rdv__lock(), not yet retaken). */
		rdv__mask_clear(s, RDV_MASK_HARMLESS, RDV_OP_HARMLESS_END, caller);
		return;
	}
	if (atomic_load_explicit(&s->sig_nowait, memory_order_relaxed)) {
		/* The interrupted code owes wake-ups (rdv__nowait_enter()):
		 * it waits in the handler's place after its window. */
		atomic_store_explicit(&s->sig_raised, true, memory_order_relaxed);
		atomic_signal_fence(memory_order_seq_cst);
		rdv__mask_clear(s, RDV_MASK_HARMLESS, RDV_OP_HARMLESS_END, caller);
		return;
	}
	/* The handler made a running thread harmless: an isolation granted
	 * meanwhile must be waited for, or the interrupted code would run
	 * during it (I1). */
	rdv__leave_harmless(s, RDV_OP_HARMLESS_END, caller);
}

void rdv_harmless_end_sig(struct rdv_thread *t)
{
	const void *caller = __builtin_return_address(0);
	struct rdv__slot *s = rdv__lookup(t);

	if (unlikely(!s)) {
		rdv_misuse(t ? rdv__handle_domain(t) : NULL,
			   "rdv_harmless_end_sig() on an unregistered handle");
		return;
	}
	rdv__harmless_end_sig(s, caller);
}

void rdv_harmless_end(struct rdv_thread *t)
{
	const void *caller = __builtin_return_address(0);
	struct rdv__slot *s = rdv__lookup(t);

	if (unlikely(!s)) {
		rdv_misuse(t ? rdv__handle_domain(t) : NULL,
			   "rdv_harmless_end() on an unregistered handle");
		return;
	}
	if (unlikely(atomic_load_explicit(&s->sigstk, memory_order_relaxed) != RDV__SIG_EMPTY)) {
		if (atomic_load_explicit(&s->sigstk, memory_order_relaxed) & RDV__IN_RDV) {
			/* A signal handler interrupted an rdv call that waits
			 * (the thread is waiting in rdv_isolate*() or blocked):
			 * ending the handler's section may not end the
			 * interrupted one. */
			rdv__harmless_end_sig(s, caller);
			return;
		}
		rdv__sig_reset(s);
	}
	rdv__leave_harmless(s, RDV_OP_HARMLESS_END, caller);
}

void rdv_idle_now(struct rdv_thread *t)
{
	const void *caller = __builtin_return_address(0);
	struct rdv__slot *s = rdv__lookup(t);

	if (unlikely(!s)) {
		rdv_misuse(t ? rdv__handle_domain(t) : NULL,
			   "rdv_idle_now() on an unregistered handle");
		return;
	}
	/* I before H: when the thread turns harmless it is already idle. */
	rdv__mask_set(s, RDV_MASK_IDLE, RDV_OP_IDLE_NOW, caller);
	rdv__mask_set(s, RDV_MASK_HARMLESS, RDV_OP_IDLE_NOW, caller);
	rdv__sig_reset(s);
	if (!atomic_load_explicit(&s->isolated, memory_order_relaxed)) {
		rdv__wake_ready(s->dom);
	}
}

void rdv_idle_end(struct rdv_thread *t)
{
	const void *caller = __builtin_return_address(0);
	struct rdv__slot *s = rdv__lookup(t);

	if (unlikely(!s)) {
		rdv_misuse(t ? rdv__handle_domain(t) : NULL,
			   "rdv_idle_end() on an unregistered handle");
		return;
	}
	rdv__sig_reset(s);
	/* Still idle while blocked: a pending full isolation may go on. */
	rdv__leave_harmless(s, RDV_OP_IDLE_END, caller);
	if (rdv__mask_clear(s, RDV_MASK_IDLE, RDV_OP_IDLE_END, caller)) {
		rdv__stamp(s->dom, &s->left_i_ns);
	}
}

/* ---- isolation ---- */

void rdv_isolate(struct rdv_thread *t)
{
	const void *caller = __builtin_return_address(0);
	struct rdv__slot *s = rdv__lookup(t);

	if (unlikely(!s)) {
		rdv_misuse(t ? rdv__handle_domain(t) : NULL,
			   "rdv_isolate() on an unregistered handle");
		return;
	}
	rdv__isolate(s, false, 0, false, caller);
}

void rdv_isolate_full(struct rdv_thread *t)
{
	const void *caller = __builtin_return_address(0);
	struct rdv__slot *s = rdv__lookup(t);

	if (unlikely(!s)) {
		rdv_misuse(t ? rdv__handle_domain(t) : NULL,
			   "rdv_isolate_full() on an unregistered handle");
		return;
	}
	rdv__isolate(s, true, 0, false, caller);
}

int rdv_isolate_timed(struct rdv_thread *t, uint64_t timeout_ns)
{
	const void *caller = __builtin_return_address(0);
	struct rdv__slot *s = rdv__lookup(t);

	if (unlikely(!s)) {
		rdv_misuse(t ? rdv__handle_domain(t) : NULL,
			   "rdv_isolate_timed() on an unregistered handle");
		return EINVAL;
	}
	return rdv__isolate(s, false, timeout_ns, true, caller);
}

int rdv_isolate_full_timed(struct rdv_thread *t, uint64_t timeout_ns)
{
	const void *caller = __builtin_return_address(0);
	struct rdv__slot *s = rdv__lookup(t);

	if (unlikely(!s)) {
		rdv_misuse(t ? rdv__handle_domain(t) : NULL,
			   "rdv_isolate_full_timed() on an unregistered handle");
		return EINVAL;
	}
	return rdv__isolate(s, true, timeout_ns, true, caller);
}

void rdv_release(struct rdv_thread *t)
{
	const void *caller = __builtin_return_address(0);
	struct rdv__slot *s = rdv__lookup(t);

	if (unlikely(!s)) {
		rdv_misuse(t ? rdv__handle_domain(t) : NULL,
			   "rdv_release() on an unregistered handle");
		return;
	}
	if (!atomic_load_explicit(&s->isolated, memory_order_relaxed)) {
		rdv_misuse(s->dom, "rdv_release() while not isolated");
		return;
	}
	rdv__release(s, caller);
}

/* ---- queries ---- */

bool rdv_is_isolated(const struct rdv_thread *t)
{
	struct rdv__slot *s = rdv__lookup_from(t, false);

	return s && atomic_load_explicit(&s->isolated, memory_order_relaxed);
}

bool rdv_is_harmless(const struct rdv_thread *t)
{
	struct rdv__slot *s = rdv__lookup_from(t, false);

	return s && rdv__bit_is_set(s, RDV_MASK_HARMLESS);
}

unsigned rdv_thread_index(const struct rdv_thread *t)
{
	struct rdv__slot *s = rdv__lookup_from(t, false);

	return s ? s->index : RDV_NO_THREAD;
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
