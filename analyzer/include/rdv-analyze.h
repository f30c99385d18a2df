/* SPDX-License-Identifier: MIT */
/*
 * The rdv analysis library (DESIGN.md §4), public part: what rdv-analyze,
 * rdv-view (a trace directory, live mode) and rdv-trace (its summary) call.
 * Everything goes through one front end: every CTF trace under the inputs
 * (or one lttng-live session) -> flt.utils.muxer -> the rdv sink -> one
 * analysis; so every tool shows the numbers that one analysis computed.
 * Before Babeltrace2 reads a trace its metadata is checked (complete
 * packets, balanced TSDL): Babeltrace2 2.0 loops forever on some truncated
 * metadata files.
 *
 * Functions return 0 or a negative errno value, with a one-line reason in
 * the caller's buffer ("cannot read trace 'x': ..."); none prints or exits.
 *
 *   struct rdv_analyze_options o = {.traces = paths, .ntraces = 1,
 *                                   .json_path = "r.json"};
 *   if (rdv_analyze_run(&o, err, sizeof(err)) < 0)
 *           fprintf(stderr, "tool: %s\n", err);
 */
#ifndef RDV_ANALYZE_H
#define RDV_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Called now and then while reading: events read so far, and the fraction
 * of the trace's time span covered (0..1, or -1 when unknown). */
typedef void (*rdv_analyze_progress_fn)(void *arg, uint64_t events, double fraction);

/* One latency distribution, as the JSON report has it. */
struct rdv_analyze_latency {
	uint64_t count, min_ns, max_ns;
	double mean_ns;
	uint64_t p50_ns, p90_ns, p99_ns, p999_ns;
	uint64_t started, skipped_gap, unfinished, timed_out;
};

enum rdv_analyze_latency_kind {
	RDV_ANALYZE_ISOLATE_WAIT,
	RDV_ANALYZE_ISOLATION_HOLD,
	RDV_ANALYZE_BLOCKED,
	RDV_ANALYZE_GRANT_DELAY, /* last late thread ready (or the request) -> grant */
	RDV_ANALYZE_NLATENCIES,
};

/* What a whole trace holds, by the one definition of each: `threads` are
 * the registered threads, one per (vpid, domain, thread index); `events`
 * the rdv:* events; `discarded_events` what the trace's own packets say was
 * lost (summed modulo 2^64, as LTTng's counters are). */
struct rdv_analyze_totals {
	uint64_t events;
	uint64_t discarded_events, discarded_packets, gaps;
	uint64_t threads;
	uint64_t processes; /* distinct vpids that used librdv */
	uint64_t domains;
	uint64_t isolations; /* grants */
	uint64_t begin_ns, end_ns;
	struct rdv_analyze_latency latency[RDV_ANALYZE_NLATENCIES];
};

struct rdv_analyze_options {
	const char *const *traces; /* trace paths (directories LTTng wrote) */
	size_t ntraces;
	const char *json_path; /* NULL: not written; "-": stdout */
	const char *csv_path;
	const char *chrome_path;
	const char *timeline_path;
	const char *compare_path;	  /* a previous --json report to compare with */
	int print_report;		  /* non-zero: human report on stdout */
	rdv_analyze_progress_fn progress; /* may be NULL */
	void *progress_arg;
	/* Non-zero: a trace without rdv events (or a directory without any
	 * trace) is no error, the totals are then zero. */
	int accept_empty;
	struct rdv_analyze_totals *totals; /* filled when not NULL */
	/* rdv-analyze/2 (blame): one CSV row per isolation; the N longest
	 * waits in the report (and in the JSON as "longest_waits"). */
	const char *isolations_path;
	unsigned top;
	/* What every output is restricted to: a window of the trace, [from,
	 * to) in ns after its first rdv event (rdv_analyze_parse_time()), and
	 * a process and a domain. */
	int has_from, has_to;
	uint64_t from_ns, to_ns;
	int has_pid, has_domain;
	uint32_t pid, domain;
	/* Where debug information is looked for (babeltrace2's
	 * --debug-info-dir and --debug-info-target-prefix); NULL: the
	 * defaults of symbols.h (TARGET_PREFIX/usr/lib/debug, this machine). */
	const char *debug_info_dir;
	const char *target_prefix;
};

/* A time of --from / --to: a decimal number and a unit, ns, us, ms or s
 * ("1.5s", "250ms", "40us", "1000ns"; no unit: seconds). 0, or -EINVAL
 * (not such a number) or -ERANGE (beyond 2^64 - 1 ns). */
int rdv_analyze_parse_time(const char *text, uint64_t *ns);

/* Checks the inputs without reading the events: each path exists, is a
 * directory, holds CTF traces, and their metadata is complete. 0, or
 * -ENOENT (a path), -ENOTDIR, -ENODATA (no trace under it), -EBADMSG
 * (metadata truncated or corrupt) with the reason. */
int rdv_analyze_check(const char *const *traces, size_t ntraces, char *errbuf, size_t errlen);

/* Checks the inputs and the other options (the files to write can be
 * created, --compare names a report), then runs the analysis and writes the
 * outputs. Returns 0, or a negative errno with a one-line reason (the
 * outputs are then removed). -ENODATA: no trace, or no rdv event in it. */
int rdv_analyze_run(const struct rdv_analyze_options *opts, char *errbuf, size_t errlen);

/* ---- A latency distribution (the analysis' own: nearest-rank
 * percentiles within 1%, bounded memory) for numbers a tool measures
 * itself, e.g. rdv-view's live delay. */
struct rdv_latency_dist;
struct rdv_latency_dist *rdv_latency_dist_create(void);
void rdv_latency_dist_destroy(struct rdv_latency_dist *d);
void rdv_latency_dist_add(struct rdv_latency_dist *d, uint64_t ns);
uint64_t rdv_latency_dist_count(const struct rdv_latency_dist *d);
uint64_t rdv_latency_dist_max(const struct rdv_latency_dist *d);
/* Nearest rank: num/den, e.g. 99/100. */
uint64_t rdv_latency_dist_percentile(const struct rdv_latency_dist *d, uint64_t num, uint64_t den);

/* ---- Live: the same analysis on an lttng-live session -----------------
 * One thread drives it (rdv_live_step() in a loop); rdv_live_interrupt()
 * may come from any thread. Memory is bounded: the state intervals that end
 * inside the rolling window (at most 2^20 per lane), the isolations
 * released inside it, and the analysis' per-thread totals. */
struct rdv_live;

struct rdv_live_options {
	const char *url; /* net://HOST[:PORT]/host/HOSTNAME/SESSION */
	/* Called for every event received, with its time: CLOCK_MONOTONIC ns
	 * when the trace clock is LTTng's monotonic clock (monotonic true),
	 * else ns from the Epoch. May be NULL. */
	void (*event_time)(void *arg, uint64_t ns, bool monotonic);
	void *arg;
};

enum rdv_live_step {
	RDV_LIVE_OK,	  /* messages were consumed */
	RDV_LIVE_AGAIN,	  /* nothing for now: step again later */
	RDV_LIVE_NOT_YET, /* no relay, or no such session there (yet): the next
			   * step tries again (reason in why) */
	RDV_LIVE_END,	  /* the session ended */
	RDV_LIVE_ERROR,	  /* connection lost, or a bad trace (reason in why) */
};

struct rdv_live_info {
	bool has_time;
	uint64_t events, discarded_events;
	uint64_t last_event_ns;	    /* trace clock, ns from origin */
	uint64_t messages;	    /* received, any type */
	uint64_t kept_intervals;    /* in the last snapshot */
	uint64_t dropped_intervals; /* left the window (their time stays in totals) */
};

int rdv_live_open(const struct rdv_live_options *o, struct rdv_live **out, char *errbuf,
		  size_t errlen);
/* One step of the graph (the thread that steps is the only one that may
 * call the functions below but rdv_live_interrupt()). */
enum rdv_live_step rdv_live_step(struct rdv_live *l, char *why, size_t whylen);
void rdv_live_interrupt(struct rdv_live *l);
void rdv_live_close(struct rdv_live *l);
/* Cheap: for every step. */
void rdv_live_get_info(const struct rdv_live *l, struct rdv_live_info *out);
/* Writes a timeline file (timeline/FORMAT.md) of the last window_ns of the
 * session: the intervals and isolations of the window, the distributions
 * and totals since the start. */
int rdv_live_write_snapshot(struct rdv_live *l, const char *path, uint64_t window_ns, char *errbuf,
			    size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* RDV_ANALYZE_H */
