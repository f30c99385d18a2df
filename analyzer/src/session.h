/* SPDX-License-Identifier: MIT */
/*
 * One analysis, Babeltrace2 side: the adapter, the state machine, the
 * streamed outputs and, at the end, the reports. The rdv sink (sink.c)
 * feeds it every message it consumes, whoever built the graph (the front
 * end for rdv-analyze, rdv-view and rdv-trace; babeltrace2 for the plugin),
 * so every tool gets the same numbers.
 */
#ifndef RDV_SESSION_H
#define RDV_SESSION_H

#include <babeltrace2/babeltrace.h>
#include <stdbool.h>

#include "rdv-analyze.h"
#include "tl-output.h"

struct session_options {
	const char *json_path; /* "-": stdout */
	const char *csv_path;
	const char *chrome_path;
	const char *timeline_path;
	const char *compare_path;
	const char *isolations_path; /* one CSV row per isolation */
	unsigned top;		     /* the N longest waits in the reports */
	const char *debug_info_dir;  /* symbols.h's options (NULL: defaults) */
	const char *target_prefix;
	struct analysis_scope scope; /* what the outputs are restricted to */
	bool print_report;
	bool accept_empty;    /* no rdv event is no error */
	bool timeline_window; /* a live view: keep a rolling window (tl-output.h) */
	bool finish_at_end;   /* the sink ends the session at the end of its input */
	rdv_analyze_progress_fn progress;
	void *progress_arg;
	void (*event_time)(void *arg, uint64_t ns, bool monotonic);
	void *event_time_arg;
};

struct session;

/* Opens the output files and reads the report to compare with: what can
 * fail before the analysis runs fails here. */
int session_create(const struct session_options *o, struct session **out, char *err, size_t errlen);
/* Removes the outputs of a session that did not end. */
void session_destroy(struct session *s);
/* The time range of the input, when known, for the progress fraction. */
void session_set_range(struct session *s, int64_t begin_ns, int64_t end_ns);
/* 0, or -1 with a reason in session_error(). */
int session_feed(struct session *s, const bt_message *msg);
/* After the last message: finishes the analysis, writes the reports. */
int session_end(struct session *s);
bool session_ended(const struct session *s);
bool session_finishes_at_end(const struct session *s);
const char *session_error(const struct session *s);
/* Why it failed: -ENODATA (no rdv event), another negative errno, or 0. */
int session_status(const struct session *s);
uint64_t session_messages(const struct session *s);
/* A graph that fed it is gone: forget what pointed into it. */
void session_graph_gone(struct session *s);
/* Everything the run computed (the distributions' percentiles included:
 * not for a loop). */
void session_totals(const struct session *s, struct rdv_analyze_totals *t);
/* The counts so far, cheap: events, discarded events, last event time. */
void session_counts(const struct session *s, uint64_t *events, uint64_t *discarded,
		    uint64_t *last_ns);
/* The rolling window (timeline_window), or NULL. */
struct tl_output *session_window(struct session *s);

#endif /* RDV_SESSION_H */
