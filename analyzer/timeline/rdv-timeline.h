/* SPDX-License-Identifier: MIT */
/*
 * The timeline file: what rdv-analyze --timeline writes and rdv-view reads.
 * Per-thread state intervals, isolations with their straggler, latency
 * histograms and a level-of-detail summary built once at close, so a viewer
 * can draw any time range with about one rectangle per pixel column per lane.
 * The byte layout, with its magic number and version, is documented in
 * analyzer/timeline/FORMAT.md. No Babeltrace2 and no SDL types here.
 *
 * Writer: bounded memory (O(lanes + LOD), not O(intervals)); intervals are
 * streamed to the file as they come and organised at close.
 * Functions return 0 or a negative errno value; none prints.
 */
#ifndef RDV_TIMELINE_H
#define RDV_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The states of DESIGN.md §1, plus unknown (a gap: discarded events). */
enum rdv_tl_state {
	RDV_TL_RUNNING = 0,
	RDV_TL_HARMLESS = 1,
	RDV_TL_IDLE = 2,
	RDV_TL_BLOCKED = 3,
	RDV_TL_WAITING = 4,
	RDV_TL_ISOLATED = 5,
	RDV_TL_UNKNOWN = 6,
	RDV_TL_NSTATES = 7,
};

#define RDV_TL_NO_LANE UINT32_MAX

/* One granted isolation request. */
struct rdv_tl_isolation {
	uint32_t lane;           /* the requesting thread's lane */
	uint32_t full;           /* 1: rdv_isolate_full() */
	uint64_t request_ns;     /* W set */
	uint64_t grant_ns;       /* isolate_grant */
	uint64_t release_ns;     /* release; 0 when the trace ends first */
	uint32_t straggler_lane; /* RDV_TL_NO_LANE when all were ready */
	uint32_t reserved;
	uint64_t straggler_ns;   /* when the straggler's bit was set */
};

struct rdv_tl_writer;

/* Creates (truncates) path. */
int rdv_tl_writer_open(const char *path, struct rdv_tl_writer **out);

/* Declares a lane (a (vpid, domain, thread) key); lanes are numbered 0, 1, …
 * in the order declared. procname may be NULL. */
int rdv_tl_writer_add_lane(struct rdv_tl_writer *w, uint32_t vpid, uint32_t domain,
			   uint32_t thread, int32_t os_tid, const char *procname,
			   uint32_t *lane_out);

/* Updates a lane's OS tid (a slot reused by a later registration). */
int rdv_tl_writer_set_lane_tid(struct rdv_tl_writer *w, uint32_t lane, int32_t os_tid);

/* Appends [begin_ns, end_ns) in `state` to a lane. Within a lane intervals
 * come in time order and do not overlap; lanes may interleave freely. */
int rdv_tl_writer_add_interval(struct rdv_tl_writer *w, uint32_t lane, enum rdv_tl_state state,
			       uint64_t begin_ns, uint64_t end_ns);

/* Records a granted isolation (any order). */
int rdv_tl_writer_add_isolation(struct rdv_tl_writer *w, const struct rdv_tl_isolation *iso);

/* Trace-wide facts for the header. */
int rdv_tl_writer_set_info(struct rdv_tl_writer *w, uint64_t begin_ns, uint64_t end_ns,
			   uint64_t events, uint64_t discarded_events);

/* Builds the level-of-detail summary and histograms, writes everything,
 * closes and frees w (also on error). */
int rdv_tl_writer_close(struct rdv_tl_writer *w);

/* Frees w and removes the partial file. */
void rdv_tl_writer_abort(struct rdv_tl_writer *w);

#ifdef __cplusplus
}
#endif

#endif /* RDV_TIMELINE_H */
