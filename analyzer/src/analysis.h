/* SPDX-License-Identifier: MIT */
/*
 * The rdv analysis state machine (DESIGN.md §1 and §4). No Babeltrace2
 * types: it is fed plain C event structs (from the bt2 adapter, from unit
 * tests, from the fuzzer) in time order and rebuilds every thread's state,
 * keyed by (vpid, domain, thread), while accumulating the metrics of §4.
 *
 * Memory is O(threads + domains), never O(events): each thread keeps its
 * current state only, and latencies go to bounded distributions
 * (latency-dist.h). Intervals, isolations and counter changes are handed to
 * optional callbacks as soon as they are known, so outputs can stream.
 *
 * State of a thread, from its bits and the operation that set them:
 *
 *   W H  other                     state
 *   0 0                            running
 *   0 1  H set by harmless_wait    blocked (until the next H clear)
 *   0 1  I=1                       idle
 *   0 1  I=0                       harmless
 *   1 1  not granted since W set   waiting
 *   1 1  granted (nested harmless) isolated
 *   1 0                            isolated
 *
 * Gaps (discarded events) and threads first seen in mid-life: every input
 * of the function above (W, H, I, blocked, granted) has a "known" flag. A
 * gap in any stream of a trace clears them for every thread last seen in
 * that trace; the thread is `unknown` until its inputs are known again,
 * from its own events (with what each operation implies, e.g. harmless_wait
 * means W=0) or from the exact mask words other threads' events carry.
 * Latencies pending across a gap are counted in skipped_gap, not measured.
 *
 * Latency samples: each is taken in one place (end_sample() in analysis.c),
 * added to its distribution (and its requesting site's) and carried by the
 * isolation it belongs to.
 *
 * Blame (DESIGN.md §4, rdv-analyze/2; the rules are blame.c's top comment):
 * for every granted request, the threads that were late for it, each with
 * its delay and its harmful section (from-site -> to-site), the straggler
 * and grant_delay; per thread the times late and straggler with their
 * sections; per requesting site the wait, hold and grant_delay
 * distributions. Memory: O(threads + domains + distinct sites), plus, while
 * requests are pending, one record per thread late for each of them.
 *
 * Scope (analysis_set_scope()): a time window and a process / domain; the
 * state machine reads every event, but what it reports (threads, state
 * time clipped to the window, isolations and their samples selected by
 * request time, stalls, events) is the scope's.
 * Every start seen in the trace ends exactly one way, so that
 * started = count + skipped_gap + unfinished + timed_out after
 * analysis_finish() (latency-dist.h).
 *
 * Functions return 0 or a negative errno value and never print.
 */
#ifndef RDV_ANALYSIS_H
#define RDV_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "latency-dist.h"
#include "symbols.h" /* struct sym_site: names only, no libdw types */

#ifdef __cplusplus
extern "C" {
#endif

/* Same numbering as enum rdv_tl_state (timeline/include/rdv-timeline.h). */
enum analysis_state {
	AN_RUNNING = 0,
	AN_HARMLESS = 1,
	AN_IDLE = 2,
	AN_BLOCKED = 3,
	AN_WAITING = 4,
	AN_ISOLATED = 5,
	AN_UNKNOWN = 6,
	AN_NSTATES = 7,
};

enum analysis_kind {
	AN_EV_DOMAIN_CREATE,
	AN_EV_DOMAIN_DESTROY,
	AN_EV_THREAD_REGISTER,
	AN_EV_THREAD_UNREGISTER,
	AN_EV_MASK_CHANGE,
	AN_EV_STALL, /* rdv:stall (provider version 2) */
	AN_EV_OTHER, /* another rdv:* event: counted, otherwise ignored */
};

/* The `op` labels of DESIGN.md §3 (isolate_timeout: provider version 2). */
enum analysis_op {
	AN_OP_REGISTER,
	AN_OP_UNREGISTER,
	AN_OP_HARMLESS_NOW,
	AN_OP_HARMLESS_END,
	AN_OP_HARMLESS_WAIT,
	AN_OP_IDLE_NOW,
	AN_OP_IDLE_END,
	AN_OP_ISOLATE_REQUEST,
	AN_OP_ISOLATE_FULL_REQUEST,
	AN_OP_ISOLATE_GRANT,
	AN_OP_RELEASE,
	AN_OP_ISOLATE_TIMEOUT,
	AN_OP_OTHER, /* a label this analyzer does not know */
	AN_NOPS,
};

/* The `mask` labels. */
enum analysis_mask {
	AN_MASK_HARMLESS,
	AN_MASK_WANT_RDV,
	AN_MASK_IDLE,
	AN_MASK_OTHER,
};

/* One rdv:* event. Only the fields of its kind are read. */
struct analysis_event {
	uint64_t ts;	   /* trace clock, ns from origin */
	uint32_t trace_id; /* which trace it came from (the scope of a gap) */
	uint32_t vpid;
	uint32_t vtid;
	const char *procname; /* weak, may be NULL */
	enum analysis_kind kind;
	uint32_t domain;
	uint32_t thread;      /* the thread, or a stall's requester */
	int32_t os_tid;	      /* thread_register */
	uint32_t max_threads; /* domain_create */
	enum analysis_op op;  /* mask_change */
	enum analysis_mask mask;
	uint32_t word;
	uint64_t old_word;
	uint64_t new_word;
	uint64_t caller; /* mask_change: the public call's return address; 0: none */
	/* mask_change: `caller` resolved when the event was read (symbols.h);
	 * weak, must stay valid until analysis_destroy(); NULL: not resolved */
	const struct sym_site *site;
	uint64_t waited_ns;   /* stall */
	const uint32_t *late; /* stall: thread indices, weak */
	uint32_t nlate;
};

/* "Discarded N events (or packets) in a stream of trace X between t0 and t1". */
struct analysis_gap {
	uint32_t trace_id;
	bool has_times;
	uint64_t begin_ns;
	uint64_t end_ns;
	bool has_count;
	uint64_t count;
	bool packets; /* discarded packets, not events */
};

/* A thread's results (one per (vpid, domain, thread index): DESIGN.md §4's
 * one definition of a thread). `lane` is its index, in order of first
 * appearance. Its current state is the analysis' own (analysis.c). */
struct analysis_thread {
	uint32_t lane;
	uint32_t vpid;
	uint32_t domain;
	uint32_t thread;
	int32_t os_tid; /* the latest registration's */
	char procname[32];
	uint64_t state_ns[AN_NSTATES];
	uint64_t isolations; /* grants */
	uint64_t registrations;
	uint64_t blocked_count;
	/* Blame, over the isolations in scope (blame.c). */
	uint64_t late_count; /* requests it was late for (with a known delay) */
	uint64_t late_delay_ns, late_max_ns;
	uint64_t straggler_count; /* grants it was the straggler of */
	uint64_t straggler_delay_ns, straggler_max_ns;
};

/* A code site: a `caller` address and, when symbolized, its names. The
 * analysis numbers the sites it names from 1 (0: none). */
struct analysis_site {
	uint64_t address;
	const struct sym_site *sym; /* weak; NULL: not symbolized */
};

/* Where a site is, as every output names it: the function the code was
 * compiled into and the line of the call in it (for a call inside inlined
 * code, the outermost inlined call: the program's own function, as a
 * backtrace's caller frame), and the inlined function it lies in, if any
 * (its own name, file and line). Names NULL and lines 0 when unknown. */
struct analysis_site_place {
	const char *object, *function, *file;
	unsigned line;
	const char *inlined_function, *inlined_file; /* NULL: not inlined */
	unsigned inlined_line;
};

void analysis_site_place(const struct analysis_site *s, struct analysis_site_place *out);

/* A harmful stretch of a thread: from the call after which it was not
 * ready to the call that made it ready, with how often it made the thread
 * late (or the straggler), the total and the longest delay. */
struct analysis_section {
	uint32_t from_site, to_site; /* 0: unknown */
	uint64_t count, delay_ns, max_ns;
};

/* Per (vpid, domain, requesting site, full or not). */
struct analysis_requester {
	uint32_t vpid, domain;
	uint32_t site; /* 0: no caller (provider version 1) */
	bool full;
	uint64_t count; /* grants */
	const struct latency_dist *wait, *hold, *grant_delay;
};

/* A thread that held a request back (blame, DESIGN.md §4 rdv-analyze/2). */
struct analysis_late {
	uint32_t lane;
	bool straggler;
	bool has_delay; /* false: its ready instant is not in the trace */
	uint64_t delay_ns;
	uint64_t ready_ns;	     /* its first ready instant after the request */
	uint32_t from_site, to_site; /* its section (analysis_site_at()), 0: unknown */
};

/* A granted isolation, reported once when it is over (released, cut, lost
 * in a gap) or at the end of the trace. Every grant seen gives exactly one. */
struct analysis_isolation {
	uint32_t lane;
	bool full;
	bool request_known; /* request_ns is the request (else = grant_ns) */
	uint64_t request_ns;
	uint64_t grant_ns;
	uint64_t release_ns; /* 0: still held at the end of the trace */
	bool end_unsure;     /* release_ns is when it was known over (gap, unregister) */
	/* The samples the distributions got (absent across a gap). */
	bool has_wait, has_hold, has_grant_delay;
	uint64_t wait_ns, hold_ns, grant_delay_ns;
	uint32_t straggler_lane; /* UINT32_MAX: none late, or not known (blame_known false) */
	uint64_t straggler_ns;	 /* when the straggler became ready */
	uint32_t request_site;	 /* analysis_site_at(), 0: unknown (provider version 1) */
	/* The straggler and grant_delay are known: no gap, and every other
	 * thread's state known at the request and resolved before the end. */
	bool blame_known;
	const struct analysis_late *late; /* weak, valid during the callback */
	uint32_t nlate;
};

/* An rdv:stall report, its late threads as lanes (those seen so far). */
struct analysis_stall {
	uint32_t lane; /* the requester */
	uint64_t ts;
	uint64_t waited_ns;
	const uint32_t *late_lanes; /* weak, valid during the callback */
	uint32_t nlate;
	const uint32_t *late_threads; /* the event's thread indices, weak */
	uint32_t nlate_threads;
};

/* Streaming outputs; any may be NULL. Callbacks return 0 or a negative
 * errno, which stops the analysis and is returned by the feeding call. */
struct analysis_callbacks {
	void *arg;
	int (*thread_added)(void *arg, const struct analysis_thread *t);
	int (*thread_changed)(void *arg, const struct analysis_thread *t); /* os_tid */
	int (*interval)(void *arg, const struct analysis_thread *t, enum analysis_state s,
			uint64_t begin_ns, uint64_t end_ns);
	int (*isolation)(void *arg, const struct analysis_isolation *iso);
	/* Number of threads of (vpid, domain) with H set changed at ts. */
	int (*harmless_count)(void *arg, uint32_t vpid, uint32_t domain, uint64_t ts,
			      uint32_t count);
	int (*stall)(void *arg, const struct analysis_stall *s);
};

enum analysis_latency {
	AN_LAT_ISOLATE_WAIT,
	AN_LAT_ISOLATION_HOLD,
	AN_LAT_BLOCKED,
	AN_LAT_GRANT_DELAY,
	AN_NLAT,
};

/* What the analysis reports (analysis_set_scope()): times are ns after the
 * first rdv event fed (the trace's start), [from, to). */
struct analysis_scope {
	bool has_from, has_to;
	uint64_t from_ns, to_ns;
	bool has_vpid, has_domain;
	uint32_t vpid, domain;
};

struct analysis;

int analysis_create(const struct analysis_callbacks *cb, struct analysis **out);
void analysis_destroy(struct analysis *a);
/* Before the first event; -EINVAL after it (or from > to). */
int analysis_set_scope(struct analysis *a, const struct analysis_scope *scope);
/* The scope set, NULL when nothing is restricted. */
const struct analysis_scope *analysis_get_scope(const struct analysis *a);

/* Events must come in non-decreasing ts order (as a Babeltrace2 muxer gives
 * them); an older one is treated as happening at the latest time seen. */
int analysis_feed_event(struct analysis *a, const struct analysis_event *ev);
int analysis_feed_gap(struct analysis *a, const struct analysis_gap *gap);

/* Closes the open intervals (at the last event of each process) and
 * reports the isolations still held. Call once, after the last event. */
int analysis_finish(struct analysis *a);

/* Results, valid after analysis_finish() until analysis_destroy() (and,
 * for a live view, as they stand while feeding). */
struct analysis_summary {
	uint64_t events;     /* in the scope */
	uint64_t events_fed; /* all rdv events fed, whatever the scope */
	uint64_t discarded_events;
	uint64_t discarded_packets;
	uint64_t gaps;
	uint64_t inconsistent_events; /* old ^ new is not the thread's bit */
	uint64_t unknown_ops;
	uint64_t straggler_skipped_gap; /* grants whose blame is not known (blame_known) */
	bool has_time;
	uint64_t begin_ns; /* the first and last rdv events of the scope, within its window */
	uint64_t end_ns;
	uint64_t trace_begin_ns; /* the first rdv event fed: the origin of the scope's times */
	uint32_t domains;
	uint32_t processes; /* distinct vpids of the domains */
	uint64_t stalls;
};

void analysis_get_summary(const struct analysis *a, struct analysis_summary *s);
/* The threads in scope, numbered by lane in order of first appearance. */
size_t analysis_thread_count(const struct analysis *a);
/* By lane. */
const struct analysis_thread *analysis_thread_at(const struct analysis *a, size_t lane);
/* A thread's sections (as the straggler, or every time it was late), in no
 * order; NULL when none. */
const struct analysis_section *analysis_thread_sections(const struct analysis *a, size_t lane,
							bool as_straggler, size_t *n);
/* Sites 1 .. analysis_site_count(); NULL for 0 or out of range. */
size_t analysis_site_count(const struct analysis *a);
const struct analysis_site *analysis_site_at(const struct analysis *a, uint32_t id);
size_t analysis_requester_count(const struct analysis *a);
const struct analysis_requester *analysis_requester_at(const struct analysis *a, size_t i);
const struct latency_dist *analysis_latency(const struct analysis *a, enum analysis_latency which);
/* The state a thread is in now, since when; false when it is not
 * registered (for a live view: the interval still open). */
bool analysis_thread_now(const struct analysis *a, size_t lane, enum analysis_state *state,
			 uint64_t *since);

const char *analysis_state_name(enum analysis_state s);
const char *analysis_latency_name(enum analysis_latency l);
/* AN_OP_OTHER when unknown. */
enum analysis_op analysis_op_from_label(const char *label);
enum analysis_mask analysis_mask_from_label(const char *label);

#ifdef __cplusplus
}
#endif

#endif /* RDV_ANALYSIS_H */
