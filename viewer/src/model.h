/* SPDX-License-Identifier: MIT */
/*
 * rdv-view's model: an opened timeline file, its display rows (lanes grouped
 * by process and domain), its level-of-detail queries and lookups, and the
 * isolations with what the analysis says about each. No SDL.
 * Everything here reads a const model; the model never changes after open.
 *
 * Isolations are read only through the functions below (timeline_isolation(),
 * timeline_isolation_late(), timeline_latency(), …): the timeline file's
 * records are touched in model.c alone, so a change of the file format
 * changes that file and nothing else of the viewer.
 */
#ifndef RDV_VIEW_MODEL_H
#define RDV_VIEW_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rdv-timeline.h"

#define TL_NO_STATE 0xff
#define TL_NO_LANE UINT32_MAX

/* One output of timeline_lod_query(): pixel columns [col0, col1) covering
 * [t0, t1), with the exact time per state inside, and the state that has
 * most of it. Adjacent columns of one dominant state are merged. */
struct tl_bucket {
	uint64_t t0, t1;
	uint32_t col0, col1;
	uint64_t state_ns[RDV_TL_NSTATES];
	uint8_t dominant; /* TL_NO_STATE: no interval there (not registered) */
	uint8_t nstates;  /* how many states have time in it */
};

enum tl_row_kind { TL_ROW_GROUP, TL_ROW_LANE };

/* A row of the trace's natural order: a group header (process + domain) or
 * a lane. The view builds what is shown from these. */
struct tl_row {
	enum tl_row_kind kind;
	uint32_t lane;	/* TL_ROW_LANE: the lane; TL_ROW_GROUP: its first lane */
	uint32_t group; /* index in model.groups */
};

struct tl_group {
	uint32_t vpid, domain;
	const char *procname; /* weak */
	uint32_t first_row;   /* its header row */
	uint32_t nlanes;
	uint32_t max_thread; /* highest thread index + 1 */
};

/* A thread that was the straggler of isolations, over the whole trace: the
 * analysis' per-thread totals (the timeline's lane table, the JSON report's
 * `stragglers`). */
struct tl_straggler {
	uint32_t lane;
	uint64_t count;	   /* isolations it was the straggler of */
	uint64_t delay_ns; /* sum of its request -> ready delays as the straggler */
};

struct tl_model {
	struct rdv_tl_reader *reader; /* owned */
	struct rdv_tl_info info;
	struct rdv_tl_lane *lanes; /* owned, info.nlanes */
	uint32_t *lane_row;	   /* owned: lane -> row */
	uint32_t *lane_group;	   /* owned: lane -> group */
	struct tl_row *rows;	   /* owned */
	uint32_t nrows;
	struct tl_group *groups; /* owned */
	uint32_t ngroups;
	uint64_t nisolations;
	struct tl_straggler *stragglers; /* owned, nstragglers, longest total delay first */
	uint32_t nstragglers;
	uint64_t t_min, t_max; /* the span to show when fitting */
	/* Which optional isolation facts the file carries (table columns). */
	bool has_grant_delay, has_sites, has_late_lists;

	/* Private to model.c: the file's isolation records and indexes. */
	const struct rdv_tl_isolation *raw_isolations; /* weak, sorted by request */
	uint32_t *lane_iso;	    /* owned: requested isolations grouped by lane */
	uint64_t *lane_iso_start;   /* owned: nlanes + 1 offsets into lane_iso */
	uint32_t *late_iso;	    /* owned: isolations each lane was late for */
	uint64_t *late_iso_start;   /* owned: nlanes + 1 offsets into late_iso */
	uint32_t *group_iso;	    /* owned: isolations grouped by group */
	uint64_t *group_iso_start;  /* owned: ngroups + 1 offsets */
	uint64_t *group_iso_maxend; /* owned: running max of the ends, per group */
	uint32_t *lane_late_count;  /* owned: times each lane was late */
	uint32_t *by_wait;	    /* owned: longest wait first */
	uint32_t *wait_rank;	    /* owned: inverse of by_wait */
	uint32_t *by_hold;	    /* owned: longest hold first, unreleased last */
	uint64_t nheld;		    /* released isolations (with a hold) */
};

/* Opens a timeline file. Returns 0 or a negative errno, with a reason. */
int timeline_model_open(struct tl_model *m, const char *path, char *errbuf, size_t errlen);
/* Same over a buffer (tests). */
int timeline_model_open_mem(struct tl_model *m, const void *buf, size_t len, char *errbuf,
			    size_t errlen);
void timeline_model_close(struct tl_model *m);

/* Fills at most `columns` buckets for [t0, t1) of a lane split into
 * `columns` equal pixel columns, and returns how many. Each bucket holds the
 * exact time per state of its own [t0, t1); buckets follow each other in
 * time; together they hold exactly the lane's time per state in [t0, t1).
 * A bucket's edges are the column's, except when zoomed out (a column holds
 * 64 intervals or more), where an edge may move back by at most a quarter of
 * a column to the start of a checkpoint block (FORMAT.md), so that it costs
 * one checkpoint row and no interval. Columns with no interval produce no
 * bucket. Cost: O(columns * (log n + RDV_TL_CHECKPOINT_STRIDE)), whatever
 * the number of intervals. */
unsigned timeline_lod_query(const struct tl_model *m, uint32_t lane, uint64_t t0, uint64_t t1,
			    unsigned columns, struct tl_bucket *out);

/* Exact time per state of a lane in [t0, t1). */
void timeline_state_time(const struct tl_model *m, uint32_t lane, uint64_t t0, uint64_t t1,
			 uint64_t out[RDV_TL_NSTATES]);

/* The interval of a lane containing t: its index, or -1 (not registered). */
int64_t timeline_interval_at(const struct tl_model *m, uint32_t lane, uint64_t t);

/* The state of a lane at t, TL_NO_STATE when none. */
uint8_t timeline_state_at(const struct tl_model *m, uint32_t lane, uint64_t t);

/* The H / W / I mask bits a state implies (DESIGN.md §1). */
void timeline_state_bits(uint8_t state, bool *w, bool *h, bool *i);

/* ---- Code sites -------------------------------------------------------------
 * A `caller` address of the trace, as the analysis resolved it from the
 * statedump (DWARF): numbered 1 .. info.nsites; TL_NO_SITE names none.
 */
#define TL_NO_SITE 0u

struct tl_site {
	uint64_t address;
	const char *object;   /* the ELF object's path, NULL when unknown; weak */
	const char *function; /* NULL when not resolved */
	const char *file;     /* the source file's path, NULL when unknown */
	uint32_t line;	      /* 0: unknown */
};

/* Fills out and returns true for a site of the file; false for TL_NO_SITE
 * or an index out of range (out zeroed). */
bool timeline_site(const struct tl_model *m, uint32_t index, struct tl_site *out);

/* ---- Isolations ----------------------------------------------------------
 * Numbered 0 .. nisolations - 1 in request order (the file's order).
 */

/* What the timeline says about one granted isolation request. */
struct tl_iso {
	uint32_t lane; /* the requester */
	bool full;     /* rdv_isolate_full() */
	uint64_t request_ns, grant_ns;
	uint64_t release_ns; /* 0: the trace ended before the release */
	uint64_t end_ns;     /* release, or the trace end */
	uint64_t wait_ns;    /* request -> grant */
	bool has_hold;
	uint64_t hold_ns; /* grant -> release */
	bool has_grant_delay;
	uint64_t grant_delay_ns; /* last late thread ready -> grant */
	uint32_t straggler;	 /* the late thread ready last, TL_NO_LANE: none late */
	uint64_t straggler_ready_ns;
	uint32_t site; /* requesting site (timeline_site()), TL_NO_SITE: unknown */
};

void timeline_isolation(const struct tl_model *m, uint64_t k, struct tl_iso *out);

/* The release time of an isolation, or the trace end when not released. */
uint64_t timeline_isolation_end(const struct tl_model *m, uint64_t k);

/* A thread late for an isolation: not ready at the request (DESIGN §4). */
struct tl_late {
	uint32_t lane;
	uint64_t delay_ns; /* request -> ready */
	uint32_t from;	   /* its harmful section's sites (timeline_site()), */
	uint32_t to;	   /* TL_NO_SITE when unknown */
};

/* A stall report (rdv:stall) made while an isolation was requested. */
#define TL_STALL_LANES 8
struct tl_stall {
	uint64_t time_ns, waited_ns;
	uint32_t nlate;			/* threads it named as not ready */
	uint32_t lanes[TL_STALL_LANES]; /* the first of them */
};

/* The stall reports of isolation k's requester between its request and its
 * grant, in time order; at most max. Returns how many there are. */
unsigned timeline_isolation_stalls(const struct tl_model *m, uint64_t k, struct tl_stall *out,
				   unsigned max);

/* The late threads of isolation k, longest delay first (the straggler, ready
 * last, comes first); at most max of them. Returns how many there are. */
unsigned timeline_isolation_late(const struct tl_model *m, uint64_t k, struct tl_late *out,
				 unsigned max);

enum tl_role {
	TL_ROLE_NONE = 0,
	TL_ROLE_REQUESTER,
	TL_ROLE_STRAGGLER, /* late, ready last */
	TL_ROLE_LATE,
	TL_ROLE_QUEUED,	 /* waiting in its own request meanwhile */
	TL_ROLE_BLOCKED, /* blocked (left harmless) meanwhile */
};

struct tl_involved {
	uint32_t lane;
	uint8_t role;
	uint64_t ns; /* late: delay; queued / blocked: time so in the isolation */
};

/* The threads isolation k concerns, in the order to show them: the
 * requester, the late threads by delay, then the threads of its domain that
 * waited or blocked during [request, end), longest first. At most max
 * (nlanes is always enough); returns how many were written. */
unsigned timeline_isolation_involved(const struct tl_model *m, uint64_t k, struct tl_involved *out,
				     unsigned max);

/* The isolation requested by `lane` whose request..release (or trace end)
 * span contains t, or -1. With slack_ns > 0, the nearest within slack. */
int64_t timeline_isolation_at(const struct tl_model *m, uint32_t lane, uint64_t t,
			      uint64_t slack_ns);

/* The isolation an instant of a lane belongs to, or -1: one it requested
 * (waiting or isolated), one it was late for (request -> ready), or, when
 * the lane is blocked or waiting at t, the isolation of its domain in
 * progress then (granted at t, else the earliest pending). */
int64_t timeline_isolation_of(const struct tl_model *m, uint32_t lane, uint64_t t,
			      uint64_t slack_ns);

/* The isolation of thread (vpid, domain, thread) requested at request_ns,
 * or -1 (live mode keeps a selection across snapshots with it). */
int64_t timeline_isolation_find(const struct tl_model *m, uint32_t vpid, uint32_t domain,
				uint32_t thread, uint64_t request_ns);

/* Rank of an isolation by wait (0: the longest), and the isolation of a rank
 * (-1 out of range). */
uint64_t timeline_wait_rank(const struct tl_model *m, uint64_t k);
int64_t timeline_by_wait(const struct tl_model *m, uint64_t rank);

/* Sort orders of the isolations table. */
enum tl_iso_key {
	TL_KEY_INDEX,
	TL_KEY_WAIT,
	TL_KEY_HOLD,
	TL_KEY_GRANT_DELAY,
	TL_KEY_REQUESTER,
	TL_KEY_SITE,
	TL_KEY_STRAGGLER,
	TL_NKEYS,
};

/* Fills perm (nisolations entries) with the isolations sorted by key;
 * descending puts the largest first. Ties keep request order. Isolations
 * without the value (not released: no hold) go last either way. */
void timeline_isolations_sort(const struct tl_model *m, enum tl_iso_key key, bool descending,
			      uint32_t *perm);

/* ---- Latency distributions ---------------------------------------------- */

enum tl_latency_kind {
	TL_LAT_WAIT,	    /* isolate_wait: request -> grant */
	TL_LAT_HOLD,	    /* isolation_hold: grant -> release */
	TL_LAT_BLOCKED,	    /* blocked intervals */
	TL_LAT_GRANT_DELAY, /* last late thread ready -> grant */
	TL_NLAT,
};

struct tl_latency {
	bool present; /* the file carries this distribution */
	bool exact;   /* percentiles computed by the analysis (always, with
		       * format 2; else the upper edge of a bucket, shown "≤") */
	uint64_t count, min_ns, max_ns, mean_ns;
	uint64_t p50_ns, p90_ns, p99_ns, p999_ns;
	const uint64_t *buckets; /* RDV_TL_HIST_BUCKETS log2 buckets; weak */
};

void timeline_latency(const struct tl_model *m, enum tl_latency_kind kind, struct tl_latency *out);

/* Isolations whose TL_LAT_WAIT / TL_LAT_HOLD value is in histogram bucket
 * b: returns how many, and the first one's position in the by-value order
 * (longest first) that timeline_isolation_by_value() reads. */
uint64_t timeline_isolations_in_bucket(const struct tl_model *m, enum tl_latency_kind kind,
				       unsigned b, uint64_t *first);
int64_t timeline_isolation_by_value(const struct tl_model *m, enum tl_latency_kind kind,
				    uint64_t pos);

/* The next blocked interval whose length is in histogram bucket b, after
 * (*lane, *t) in (begin time, lane) order, wrapping around; updates *lane and
 * *t to it and returns true, or false when there is none. Scans the lanes:
 * O(intervals) at worst, for a click. */
bool timeline_blocked_next(const struct tl_model *m, unsigned b, uint32_t *lane, uint64_t *t);

#endif /* RDV_VIEW_MODEL_H */
