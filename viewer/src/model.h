/* SPDX-License-Identifier: MIT */
/*
 * rdv-view's model: an opened timeline file, its display rows (lanes grouped
 * by process and domain), its level-of-detail queries and lookups. No SDL.
 * Everything here reads a const model; the model never changes after open.
 */
#ifndef RDV_VIEW_MODEL_H
#define RDV_VIEW_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rdv-timeline.h"

#define TL_NO_STATE 0xff

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

/* A display row: a group header (process + domain) or a lane. */
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

struct tl_straggler {
	uint32_t lane;
	uint64_t count;	   /* the analysis' (rdv_tl_lane.straggler_count) */
	uint64_t delay_ns; /* sum of request -> its bit set */
};

struct tl_model {
	struct rdv_tl_reader *reader; /* owned */
	struct rdv_tl_info info;
	struct rdv_tl_lane *lanes; /* owned, info.nlanes */
	uint32_t *lane_row;	   /* owned: lane -> row */
	struct tl_row *rows;	   /* owned */
	uint32_t nrows;
	struct tl_group *groups; /* owned */
	uint32_t ngroups;
	const struct rdv_tl_isolation *isolations; /* weak, sorted by request */
	uint64_t nisolations;
	uint32_t *lane_iso;		 /* owned: isolation indices grouped by lane */
	uint64_t *lane_iso_start;	 /* owned: nlanes + 1 offsets into lane_iso */
	struct tl_straggler *stragglers; /* owned, sorted by count, nstragglers */
	uint32_t nstragglers;
	uint64_t t_min, t_max; /* the span to show when fitting */
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

/* The isolation requested by `lane` whose request..release (or trace end)
 * span contains t, or -1. With slack_ns > 0, the nearest within slack. */
int64_t timeline_isolation_at(const struct tl_model *m, uint32_t lane, uint64_t t,
			      uint64_t slack_ns);

/* The release time of an isolation, or the trace end when not released. */
uint64_t timeline_isolation_end(const struct tl_model *m, const struct rdv_tl_isolation *x);

/* A latency distribution as the analysis computed it: the latency panel's
 * numbers (count, percentiles…), never derived from the plot's buckets.
 * NULL for a kind out of range. */
const struct rdv_tl_latency *timeline_latency(const struct tl_model *m,
					      enum rdv_tl_latency_kind kind);

/* The H / W / I mask bits a state implies (DESIGN.md §1). */
void timeline_state_bits(uint8_t state, bool *w, bool *h, bool *i);

#endif /* RDV_VIEW_MODEL_H */
