/* SPDX-License-Identifier: MIT */
/*
 * The timeline file: what rdv-analyze --timeline writes and rdv-view reads.
 * Per-thread state intervals with a level-of-detail summary (built once at
 * close, so a viewer draws any time range with about one rectangle per pixel
 * column per lane), and what the analysis computed, stored as computed: the
 * latency distributions (count, min, mean, percentiles: the numbers of the
 * JSON report), the trace-wide counts, per-thread totals and one record per
 * granted isolation, with a variable-length part for blame (late threads
 * with their delay and code sites) and stall records. The byte layout, with
 * its magic number and version, is timeline/FORMAT.md. No Babeltrace2 and no
 * SDL types here.
 *
 * Writer: bounded memory (O(lanes + sites + stalls), not O(intervals));
 * intervals, isolations and late records are streamed to staging files and
 * organised at close. Functions return 0 or a negative errno value; none
 * prints.
 *
 *   rdv_tl_writer_open(path, &w);
 *   rdv_tl_writer_add_lane(w, ...);              // for each thread
 *   rdv_tl_writer_add_interval(w, lane, ...);    // any lane order
 *   rdv_tl_writer_add_isolation(w, &iso);        // any order
 *   rdv_tl_writer_set_trace(w, &trace);          // before close
 *   rdv_tl_writer_set_latency(w, kind, &lat);    // as the analysis has them
 *   rdv_tl_writer_close(w);                      // or rdv_tl_writer_abort(w)
 */
#ifndef RDV_TIMELINE_H
#define RDV_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The file format version this library writes and the only one it reads. */
#define RDV_TL_VERSION 2

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
/* Sites are numbered from 1: 0 names none (so a zeroed record names none). */
#define RDV_TL_NO_SITE 0u

/* rdv_tl_isolation.flags */
#define RDV_TL_ISO_REQUEST_KNOWN 0x1u /* request_ns is the request (else = grant_ns) */
#define RDV_TL_ISO_WAIT 0x2u	      /* wait_ns is an isolate_wait sample */
#define RDV_TL_ISO_HOLD 0x4u	      /* hold_ns is an isolation_hold sample */
#define RDV_TL_ISO_GRANT_DELAY 0x8u   /* grant_delay_ns is a grant_delay sample */
/* The end lies in a gap (lost events) or was cut (the thread unregistered):
 * release_ns is when the isolation was known to be over, not a release. */
#define RDV_TL_ISO_END_UNSURE 0x10u
#define RDV_TL_ISO_FLAGS 0x1fu

/* One granted isolation request (104 bytes, read in place). The wait, hold
 * and grant_delay values are the analysis' samples (present when their flag
 * is set: a sample across a gap is not one). */
struct rdv_tl_isolation {
	uint32_t lane;		       /* the requesting thread's lane */
	uint32_t full;		       /* 1: rdv_isolate_full() */
	uint64_t request_ns;	       /* W set */
	uint64_t grant_ns;	       /* isolate_grant */
	uint64_t release_ns;	       /* release; 0 when the trace ends first */
	uint32_t straggler_lane;       /* RDV_TL_NO_LANE: none (all were ready, or a gap) */
	uint32_t flags;		       /* RDV_TL_ISO_* */
	uint64_t straggler_ns;	       /* when the straggler became ready */
	uint32_t vpid, domain, thread; /* the requester (the lane's key) */
	uint32_t request_site;	       /* RDV_TL_NO_SITE: unknown (provider version 1) */
	uint64_t wait_ns;	       /* isolate_wait: request -> grant */
	uint64_t hold_ns;	       /* isolation_hold: grant -> release */
	uint64_t grant_delay_ns;       /* last late thread ready (or request) -> grant */
	/* Its late threads: records [late_first, late_first + nlate) of
	 * rdv_tl_reader_late(); set by the writer. */
	uint64_t late_first;
	uint32_t nlate;
	uint32_t reserved; /* 0 */
};

/* rdv_tl_late.flags */
#define RDV_TL_LATE_STRAGGLER 0x1u /* the isolation's straggler */
#define RDV_TL_LATE_DELAY 0x2u	   /* delay_ns is known */
#define RDV_TL_LATE_FLAGS 0x3u

/* A thread that held a request back (blame), or one named by a stall. */
struct rdv_tl_late {
	uint32_t lane;
	uint32_t flags;	    /* RDV_TL_LATE_* */
	uint64_t delay_ns;  /* request -> first ready after it */
	uint32_t from_site; /* where it was last not ready before the request */
	uint32_t to_site;   /* the call that made it ready */
};

/* A request that waited past the stall threshold (rdv:stall). */
struct rdv_tl_stall {
	uint32_t lane;	/* the requester */
	uint32_t nlate; /* late records [late_first, late_first + nlate) */
	uint64_t time_ns;
	uint64_t waited_ns;
	uint64_t late_first; /* set by the writer */
};

/* A code site (a `caller` address); names NULL when not resolved. */
struct rdv_tl_site_info {
	uint64_t address;
	const char *object; /* weak */
	const char *function;
	const char *file;
	uint32_t line; /* 0: unknown */
};

enum rdv_tl_latency_kind {
	RDV_TL_LAT_ISOLATE_WAIT = 0,   /* request -> grant */
	RDV_TL_LAT_ISOLATION_HOLD = 1, /* grant -> release */
	RDV_TL_LAT_BLOCKED = 2,	       /* harmless_wait -> next H clear */
	RDV_TL_LAT_GRANT_DELAY = 3,    /* DESIGN.md §4 (filled by blame) */
	RDV_TL_NLATENCIES = 4,
};

/* Histogram shape for drawing: bucket k counts samples v with
 * 2^k <= v < 2^(k+1) (v = 0 and 1 in bucket 0). */
#define RDV_TL_HIST_BUCKETS 64

/* A latency distribution as the analysis computed it (608 bytes). The
 * numbers are the JSON report's; a reader shows them, it does not derive
 * them from the buckets. started = count + skipped_gap + unfinished +
 * timed_out once the trace has ended (less while samples are pending). */
struct rdv_tl_latency {
	uint64_t count; /* samples measured */
	uint64_t min_ns, max_ns;
	double mean_ns;
	uint64_t p50_ns, p90_ns, p99_ns, p999_ns;
	uint64_t started;     /* starts seen in the trace */
	uint64_t skipped_gap; /* not measured: a gap (lost events) */
	uint64_t unfinished;  /* not measured: the trace ended, or the thread left */
	uint64_t timed_out;   /* isolate_wait: requests that gave up */
	uint64_t buckets[RDV_TL_HIST_BUCKETS]; /* sum to count */
};

/* Trace-wide facts, as the analysis has them. */
struct rdv_tl_trace {
	uint64_t begin_ns, end_ns;
	uint64_t events; /* rdv:* events read */
	uint64_t discarded_events;
	uint64_t discarded_packets;
	uint64_t gaps;
	uint64_t inconsistent_events;
	uint64_t straggler_skipped_gap;
	uint32_t domains;
	uint32_t processes;
};

/* Per-lane totals of the analysis (the time per state comes from the
 * intervals themselves). */
struct rdv_tl_lane_stats {
	uint64_t registrations;
	uint64_t blocked_count;
	uint64_t straggler_count;
	uint64_t straggler_delay_ns;
};

struct rdv_tl_writer;

/* Creates (truncates) path. */
int rdv_tl_writer_open(const char *path, struct rdv_tl_writer **out);

/* Declares a lane (a (vpid, domain, thread) key); lanes are numbered 0, 1, …
 * in the order declared. procname may be NULL. */
int rdv_tl_writer_add_lane(struct rdv_tl_writer *w, uint32_t vpid, uint32_t domain, uint32_t thread,
			   int32_t os_tid, const char *procname, uint32_t *lane_out);

/* Updates a lane's OS tid (a slot reused by a later registration). */
int rdv_tl_writer_set_lane_tid(struct rdv_tl_writer *w, uint32_t lane, int32_t os_tid);

int rdv_tl_writer_set_lane_stats(struct rdv_tl_writer *w, uint32_t lane,
				 const struct rdv_tl_lane_stats *stats);

/* Appends [begin_ns, end_ns) in `state` to a lane. Within a lane intervals
 * come in time order and do not overlap; lanes may interleave freely. */
int rdv_tl_writer_add_interval(struct rdv_tl_writer *w, uint32_t lane, enum rdv_tl_state state,
			       uint64_t begin_ns, uint64_t end_ns);

/* Declares a code site; *index (1, 2, …) is what isolations and late
 * records name. The strings may be NULL (not resolved). */
int rdv_tl_writer_add_site(struct rdv_tl_writer *w, uint64_t address, const char *object,
			   const char *function, const char *file, uint32_t line, uint32_t *index);
/* Names site `index` anew (before rdv_tl_writer_close()): a site declared
 * before its object's symbols were known (a trace that starts while the
 * program runs: its statedump comes after its first events). */
int rdv_tl_writer_set_site(struct rdv_tl_writer *w, uint32_t index, const char *object,
			   const char *function, const char *file, uint32_t line);

/* Records a granted isolation (any order) with its late threads (nlate may
 * be 0). vpid/domain/thread are taken from the lane; late_first and nlate
 * are set by the writer. */
int rdv_tl_writer_add_isolation_late(struct rdv_tl_writer *w, const struct rdv_tl_isolation *iso,
				     const struct rdv_tl_late *late, uint32_t nlate);
int rdv_tl_writer_add_isolation(struct rdv_tl_writer *w, const struct rdv_tl_isolation *iso);

/* Records a stall report naming the lanes of its late threads. */
int rdv_tl_writer_add_stall(struct rdv_tl_writer *w, uint32_t lane, uint64_t time_ns,
			    uint64_t waited_ns, const uint32_t *late_lanes, uint32_t nlate);

/* Trace-wide facts for the header. */
int rdv_tl_writer_set_trace(struct rdv_tl_writer *w, const struct rdv_tl_trace *trace);
/* The same with only these facts (the other counts 0). */
int rdv_tl_writer_set_info(struct rdv_tl_writer *w, uint64_t begin_ns, uint64_t end_ns,
			   uint64_t events, uint64_t discarded_events);

/* Stores a distribution (refused with -EINVAL when inconsistent: buckets
 * not summing to count, percentiles out of order or outside [min, max]). */
int rdv_tl_writer_set_latency(struct rdv_tl_writer *w, enum rdv_tl_latency_kind kind,
			      const struct rdv_tl_latency *lat);

/* Builds the level-of-detail summary, writes everything, closes and frees w
 * (also on error). */
int rdv_tl_writer_close(struct rdv_tl_writer *w);

/* Frees w and removes the partial file. */
void rdv_tl_writer_abort(struct rdv_tl_writer *w);

/* ---- Reader ------------------------------------------------------------
 * The file is memory-mapped and validated whole before anything is returned
 * (version, sizes, offsets, counts, and every interval, checkpoint,
 * isolation, late record, stall, site and distribution), so the pointers
 * handed out below can be trusted: states < RDV_TL_NSTATES, begin <= end <=
 * next begin within a lane, isolations sorted by request time with valid
 * lanes, sites and late ranges. Pointers stay valid until
 * rdv_tl_reader_close().
 */

/* Cumulative time per state is stored every RDV_TL_CHECKPOINT_STRIDE
 * intervals of a lane: the level-of-detail summary (see FORMAT.md). */
#define RDV_TL_CHECKPOINT_STRIDE 16

struct rdv_tl_info {
	uint32_t version;
	uint32_t nlanes;
	uint64_t begin_ns, end_ns;
	uint64_t events, discarded_events;
	uint64_t discarded_packets, gaps;
	uint64_t inconsistent_events, straggler_skipped_gap;
	uint32_t domains, processes;
	uint64_t nintervals; /* all lanes */
	uint64_t nisolations;
	uint64_t nlate, nstalls, nsites;
	uint64_t file_size;
};

struct rdv_tl_lane {
	uint32_t vpid, domain, thread;
	int32_t os_tid;
	const char *procname; /* never NULL ("" when unknown); weak */
	uint64_t nintervals;
	uint64_t isolations; /* granted requests made by this lane */
	uint64_t registrations, blocked_count;
	uint64_t straggler_count, straggler_delay_ns;
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
 * opened, -EINVAL (not a timeline file, another version, or truncated) or
 * -EBADMSG (corrupt content), with a one-line reason in errbuf (may be
 * NULL). */
int rdv_tl_reader_open(const char *path, struct rdv_tl_reader **out, char *errbuf, size_t errlen);

/* Same on a caller's buffer (must stay valid and unchanged until close; any
 * alignment). Used by the fuzzer. */
int rdv_tl_reader_open_mem(const void *buf, size_t len, struct rdv_tl_reader **out, char *errbuf,
			   size_t errlen);

void rdv_tl_reader_close(struct rdv_tl_reader *r);

void rdv_tl_reader_info(const struct rdv_tl_reader *r, struct rdv_tl_info *out);

/* Returns -ERANGE for a lane out of range. */
int rdv_tl_reader_lane(const struct rdv_tl_reader *r, uint32_t lane, struct rdv_tl_lane *out);

/* Granted isolations, sorted by request_ns (then lane). */
const struct rdv_tl_isolation *rdv_tl_reader_isolations(const struct rdv_tl_reader *r,
							uint64_t *count);

/* All late records; an isolation's or a stall's are [late_first,
 * late_first + nlate). */
const struct rdv_tl_late *rdv_tl_reader_late(const struct rdv_tl_reader *r, uint64_t *count);

/* Stall reports, in time order. */
const struct rdv_tl_stall *rdv_tl_reader_stalls(const struct rdv_tl_reader *r, uint64_t *count);

/* Sites are 1 .. info.nsites; -ERANGE otherwise (RDV_TL_NO_SITE included). */
int rdv_tl_reader_site(const struct rdv_tl_reader *r, uint32_t index, struct rdv_tl_site_info *out);

/* NULL for a kind out of range. */
const struct rdv_tl_latency *rdv_tl_reader_latency(const struct rdv_tl_reader *r,
						   enum rdv_tl_latency_kind kind);

/* Index of the histogram bucket a value falls in. */
unsigned rdv_tl_hist_bucket(uint64_t v);

const char *rdv_tl_state_name(enum rdv_tl_state s);
const char *rdv_tl_latency_name(enum rdv_tl_latency_kind k);

#ifdef __cplusplus
}
#endif

#endif /* RDV_TIMELINE_H */
