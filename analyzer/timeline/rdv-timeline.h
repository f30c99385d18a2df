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

/* ---- Reader ------------------------------------------------------------
 * The file is memory-mapped and validated whole before anything is returned
 * (sizes, offsets, counts, version, and every interval and checkpoint), so
 * the pointers handed out below can be trusted: states < RDV_TL_NSTATES,
 * begin <= end <= next begin within a lane, isolations sorted by request
 * time with valid lanes. Pointers stay valid until rdv_tl_reader_close().
 */

/* Cumulative time per state is stored every RDV_TL_CHECKPOINT_STRIDE
 * intervals of a lane: the level-of-detail summary (see FORMAT.md). */
#define RDV_TL_CHECKPOINT_STRIDE 16
/* Histograms: bucket k counts values v with 2^k <= v < 2^(k+1) (v = 0 and
 * v = 1 go to bucket 0). */
#define RDV_TL_HIST_BUCKETS 64

enum rdv_tl_hist_kind {
	RDV_TL_HIST_ISOLATE_WAIT = 0,   /* request -> grant */
	RDV_TL_HIST_ISOLATION_HOLD = 1, /* grant -> release */
	RDV_TL_HIST_BLOCKED = 2,        /* blocked intervals */
	RDV_TL_NHISTS = 3,
};

struct rdv_tl_histogram {
	uint64_t count;
	uint64_t min_ns; /* 0 when count == 0 */
	uint64_t max_ns;
	uint64_t sum_ns;
	uint64_t buckets[RDV_TL_HIST_BUCKETS];
};

struct rdv_tl_info {
	uint32_t version;
	uint32_t nlanes;
	uint64_t begin_ns, end_ns;
	uint64_t events, discarded_events;
	uint64_t nintervals;  /* all lanes */
	uint64_t nisolations;
	uint64_t file_size;
};

struct rdv_tl_lane {
	uint32_t vpid, domain, thread;
	int32_t os_tid;
	const char *procname;    /* never NULL ("" when unknown); weak */
	uint64_t nintervals;
	uint64_t isolations;     /* granted requests made by this lane */
	uint64_t state_ns[RDV_TL_NSTATES];
	/* Struct of arrays, nintervals each; weak (point into the mapping). */
	const uint64_t *begin_ns;
	const uint64_t *end_ns;
	const uint8_t *state;
	/* ncheckpoints = nintervals / STRIDE + 1 rows of RDV_TL_NSTATES values:
	 * row j = time per state of intervals [0, j * STRIDE). */
	const uint64_t *checkpoints;
	uint64_t ncheckpoints;
};

struct rdv_tl_reader;

/* Maps and validates path. Returns 0, or -errno for a file that cannot be
 * opened, -EINVAL (not a timeline file, or truncated) or -EBADMSG (corrupt
 * content), with a one-line reason in errbuf (may be NULL). */
int rdv_tl_reader_open(const char *path, struct rdv_tl_reader **out, char *errbuf,
		       size_t errlen);

/* Same on a caller's buffer (must stay valid and unchanged until close; any
 * alignment). Used by the fuzzer. */
int rdv_tl_reader_open_mem(const void *buf, size_t len, struct rdv_tl_reader **out,
			   char *errbuf, size_t errlen);

void rdv_tl_reader_close(struct rdv_tl_reader *r);

void rdv_tl_reader_info(const struct rdv_tl_reader *r, struct rdv_tl_info *out);

/* Returns -ERANGE for a lane out of range. */
int rdv_tl_reader_lane(const struct rdv_tl_reader *r, uint32_t lane, struct rdv_tl_lane *out);

/* Granted isolations, sorted by request_ns (then lane). */
const struct rdv_tl_isolation *rdv_tl_reader_isolations(const struct rdv_tl_reader *r,
							 uint64_t *count);

const struct rdv_tl_histogram *rdv_tl_reader_histogram(const struct rdv_tl_reader *r,
							enum rdv_tl_hist_kind kind);

/* Index of the histogram bucket a value falls in. */
unsigned rdv_tl_hist_bucket(uint64_t v);

const char *rdv_tl_state_name(enum rdv_tl_state s);

#ifdef __cplusplus
}
#endif

#endif /* RDV_TIMELINE_H */
