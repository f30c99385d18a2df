/* SPDX-License-Identifier: MIT */
/*
 * Internals of the analysis state machine, shared by analysis.c (states,
 * latencies, scope) and blame.c (late threads, stragglers, sections,
 * requesting sites). Nothing outside these two files includes it.
 */
#ifndef RDV_ANALYSIS_INT_H
#define RDV_ANALYSIS_INT_H

#include "analysis.h"

#define NO_LANE UINT32_MAX

enum { H_BIT = 0, B_W = 1, B_I = 2 };
/* A pending latency: none, measuring (its start was seen), tainted (a gap
 * since its start: it will be skipped), maybe (a gap may have hidden its
 * start: it is not one of the trace's starts, so it is not counted). */
enum { P_NONE = 0, P_MEASURING = 1, P_TAINTED = 2, P_MAYBE = 3 };
/* How a pending latency ends. */
enum sample_end { END_DONE, END_TIMEOUT, END_CUT };
/* The two readiness rules of DESIGN.md §4: for isolate_request, for
 * isolate_full_request. */
enum { K_PLAIN = 0, K_FULL = 1 };

/* A thread another thread's request waits on (blame.c). */
struct blame_entry {
	uint32_t idx;	   /* the thread (internal index) */
	uint8_t state;	   /* E_* of blame.c */
	uint8_t wait_mask; /* E_WAIT_CLEAR: which mask's clear is awaited */
	uint64_t ready_ts;
	uint64_t seq; /* when it became ready, in feeding order (ties) */
	struct analysis_site from, to;
};

/* The blame of a thread's own request, from its request until its
 * isolation is reported. */
struct blame_req {
	bool active;	       /* a request is being blamed */
	bool snapshot_pending; /* full: the request's I set (its exact word) is next */
	bool snapped;	       /* the other threads were classified */
	bool full, granted;
	bool incomplete;       /* a state unknown at the request, or lost since */
	bool exact_h, exact_i; /* the snapshot's H (I) word is exact: the request set that bit */
	bool finalized;
	uint64_t req_ts, grant_ts;
	uint64_t hword, iword; /* the request's words (exact_h, exact_i) */
	struct blame_entry *e; /* owned */
	uint32_t n, cap;
	uint32_t open; /* entries not final yet */
	/* Results, once finalized, for the isolation record. */
	struct analysis_late *late; /* owned */
	uint32_t nlate, cap_late;
	uint32_t straggler; /* internal index, NO_LANE: none */
	uint64_t straggler_ts;
	bool has_grant_delay;
	uint64_t grant_delay_ns;
	bool gd_started; /* a grant_delay start is pending */
};

/* "Thread idx's entry `entry` in the request of thread req". */
struct blame_watch {
	uint32_t req, entry;
};

struct section_list {
	struct analysis_section *v; /* owned */
	uint32_t n, cap;
};

/* A thread: its results (analysis.h) and its current state. */
struct an_thread {
	struct analysis_thread p; /* p.lane: its public lane, NO_LANE until in scope */
	uint32_t idx;		  /* its index in analysis.threads */
	bool active;
	/* Since a gap: its thread_unregister may be lost, and a free slot's
	 * bits read as a running thread's: until its own next event, the
	 * others' words tell nothing about it. */
	bool member_unsure;
	bool key_in; /* its (vpid, domain) is in the scope */
	enum analysis_state state;
	uint64_t since;
	uint32_t trace_id;
	uint32_t dom_index;
	uint8_t bit[3], known[3]; /* H, W, I */
	uint8_t blocked, k_blocked, granted, k_granted;
	uint8_t req_status, hold_status, blk_status; /* P_* */
	bool req_in, hold_in, blk_in;		     /* their samples are in scope */
	uint8_t req_full;
	uint64_t req_ts, grant_ts, blk_ts;
	uint32_t req_site;	/* site id of the request */
	uint32_t req_requester; /* analysis.requesters index, NO_LANE: none */
	/* The isolation granted, until it is reported. */
	bool iso_full, iso_request_known, iso_has_wait;
	uint64_t iso_request_ts, iso_wait_ns;
	uint32_t iso_site, iso_requester;
	/* Blame (blame.c). */
	bool registering; /* registered, not yet a member (no register H set) */
	bool has_last;	  /* its last mask_change: */
	uint8_t last_mask, last_set, last_op;
	struct analysis_site nr_site[2];    /* the event after which it was last not ready */
	uint64_t q_hword, q_iword, g_iword; /* its request's and grant's exact words */
	bool q_hvalid, q_ivalid, g_ivalid;
	struct blame_req br;
	struct blame_watch *watch; /* owned: entries of others' requests on it */
	uint32_t nwatch, cap_watch;
	struct section_list sec[2]; /* [0] every time late, [1] as the straggler */
};

struct an_domain {
	uint32_t vpid;
	uint32_t domain;
	uint32_t *lanes; /* owned: the domain's threads (internal indexes) */
	uint32_t nlanes, cap_lanes;
	uint32_t harmless; /* active threads with H known set */
	uint32_t unknown;  /* active threads with a bit not known */
	uint64_t last_ts;
	bool in_scope; /* had an event in the scope */
};

/* Open addressing, keys (a, b, c), values are indexes. */
struct an_map {
	uint32_t *slots; /* owned */
	uint32_t cap;	 /* power of two, or 0 */
	uint32_t used;
};

struct an_requester {
	struct analysis_requester p;
	struct latency_dist *lat[3]; /* owned: wait, hold, grant_delay */
};

/* Sites are interned by (address, sym): 64-bit keys, own map. */
struct site_map {
	uint32_t *slots; /* owned: site id, 0 empty */
	uint32_t cap, used;
};

struct analysis {
	struct analysis_callbacks cb;
	struct an_thread *threads; /* owned */
	uint32_t nthreads, cap_threads;
	uint32_t *lanes; /* owned: public lane -> internal index */
	uint32_t nlanes, cap_lanes;
	struct an_domain *domains; /* owned */
	uint32_t ndomains, cap_domains;
	struct an_map thread_map;
	struct an_map domain_map;
	uint32_t cache_lane;		   /* last thread looked up */
	struct latency_dist *lat[AN_NLAT]; /* owned */
	uint32_t *scratch;		   /* owned: a stall's late lanes */
	uint32_t cap_scratch;
	struct analysis_summary sum;
	uint64_t now;
	bool now_set; /* an event was fed */
	bool finished;
	/* Scope. */
	struct analysis_scope scope;
	bool scoped;		      /* some restriction is set */
	uint64_t win_begin, win_end;  /* absolute window, once the first event is seen */
	bool key_seen;		      /* an event of the scope's key was seen */
	uint64_t key_first, key_last; /* its first and last */
	/* Blame. */
	struct analysis_site *sites; /* owned: id 1.. at [id - 1] */
	uint32_t nsites, cap_sites;
	struct site_map site_map;
	struct an_requester *requesters; /* owned */
	uint32_t nrequesters, cap_requesters;
	struct an_map requester_map;
	uint64_t seq; /* feeding order */
	/* Gaps still open: until `until`, any event of the trace may have
	 * been lost after what its other streams show (analysis_feed_gap()). */
	struct an_gap_window {
		uint32_t trace_id;
		uint64_t until;
	} * gap_windows; /* owned */
	uint32_t ngap_windows, cap_gap_windows;
};

/* analysis.c, for blame.c */
int an_grow(void **p, uint32_t *cap, uint32_t need, size_t elem);
typedef void (*an_key_fn)(const struct analysis *a, uint32_t idx, uint32_t k[3]);
uint32_t an_map_find(const struct analysis *a, const struct an_map *m, an_key_fn key,
		     const uint32_t k[3]);
int an_map_insert(const struct analysis *a, struct an_map *m, an_key_fn key, uint32_t idx);
bool an_in_window(const struct analysis *a, uint64_t ts);
/* The thread becomes one of the reported ones (a lane), if in scope. */
int an_make_visible(struct analysis *a, struct an_thread *t);
static inline bool an_fully_known(const struct an_thread *t)
{
	return t->known[H_BIT] && t->known[B_W] && t->known[B_I] && t->k_blocked && t->k_granted;
}
/* Ends / starts a latency (the one place samples are taken). */
bool an_end_sample(struct analysis *a, enum analysis_latency l, uint8_t *status, bool in,
		   struct latency_dist *site_d, uint64_t begin, uint64_t end, enum sample_end how,
		   uint64_t *ns);

/* blame.c, called by analysis.c */
void blame_destroy_thread(struct an_thread *t);
void blame_free(struct analysis *a);
/* Site id of (caller, site) (0 for caller 0); 0 also when out of memory. */
uint32_t blame_site_id(struct analysis *a, uint64_t caller, const struct sym_site *site);
/* The requester entry of a request (NO_LANE when out of memory). */
uint32_t blame_requester(struct analysis *a, const struct an_thread *t, uint32_t site, bool full);
struct latency_dist *blame_requester_dist(struct analysis *a, uint32_t req, int which);
/* A thread is about to register again or to leave: its requests and the
 * entries on it end (unregister: site of the call, 0 when none). */
int blame_thread_leaves(struct analysis *a, struct an_thread *t, uint64_t ts,
			const struct analysis_site *site);
/* After a mask_change of t has been applied (bits, latencies, state):
 * before_ready[k] is t's readiness before it. */
int blame_mask_change(struct analysis *a, struct an_thread *t, const struct analysis_event *ev,
		      int m, uint8_t set, uint64_t ts, const bool before_ready[2]);
/* The request of t started (W set by a request op). */
void blame_request_started(struct analysis *a, struct an_thread *t);
/* The request of t was withdrawn (timeout) or cut: no blame. */
void blame_request_ended(struct analysis *a, struct an_thread *t);
/* t was granted at ts (the H clear event ev). */
int blame_granted(struct analysis *a, struct an_thread *t, const struct analysis_event *ev,
		  uint64_t ts);
/* t is first seen without its registration (a trace that starts while the
 * program runs): it was a member already, unseen, at the requests pending
 * in its domain, which cannot know whether it held them back. */
void blame_member_appeared(struct analysis *a, struct an_thread *t);
/* A gap hides t's state: requests and entries that depend on it. */
int blame_gap(struct analysis *a, struct an_thread *t);
/* Before t's isolation is reported: finishes its blame (forced). */
int blame_finalize(struct analysis *a, struct an_thread *t, bool at_end);
/* t's readiness for a request of kind k (blame.c's rules), from its
 * current bits: H set, not holding an isolation, and for a full request I
 * set. Inline: it is asked twice per kind for every event. */
static inline bool blame_ready(const struct an_thread *t, int k)
{
	int m = k == K_PLAIN ? H_BIT : B_I; /* DESIGN §4: H, for a full request I */

	return t->active && t->known[m] && t->bit[m] &&
	       !(t->known[B_W] && t->bit[B_W] && t->k_granted && t->granted);
}

#endif /* RDV_ANALYSIS_INT_H */
