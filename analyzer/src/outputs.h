/* SPDX-License-Identifier: MIT */
/*
 * Streamed outputs of an analysis, as analysis callbacks: the CSV of state
 * intervals, the CSV of isolations, the Chrome/Perfetto Trace Event JSON
 * and the timeline of rdv-view (a file, or the rolling window of a live
 * view: tl-output.h); and what the reports need that the analysis does not
 * keep: the stall reports (in a temporary file, so memory does not grow
 * with them) and the N longest waits. Each file is written as the analysis
 * goes, so memory does not grow with the trace. No Babeltrace2 here.
 */
#ifndef RDV_OUTPUTS_H
#define RDV_OUTPUTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "analysis.h"
#include "tl-output.h"

struct outputs;

struct outputs_options {
	const char *csv_path; /* NULL: not written */
	const char *chrome_path;
	const char *timeline_path;
	const char *isolations_path;
	bool timeline_window; /* no timeline file, a rolling window instead */
	bool keep_stalls;     /* for the JSON report */
	unsigned top;	      /* keep the N longest waits */
};

/* One of the N longest waits: the isolation record with its late threads
 * (lanes, sites as the analysis numbers them). */
struct outputs_wait {
	struct analysis_isolation iso; /* iso.late points to late */
	struct analysis_late *late;    /* owned */
};

/* What the reports read besides the analysis. */
struct outputs_extra {
	FILE *stalls;		  /* JSON objects, comma-separated; NULL when not kept */
	uint64_t nstalls;	  /* in it */
	bool want_top;		  /* --top was given */
	struct outputs_wait *top; /* longest wait first */
	size_t ntop;
};

/* Opens the files. Returns 0 or a negative errno with a reason in err. */
int outputs_open(struct outputs **out, const struct outputs_options *opt, char *err, size_t errlen);
/* The callbacks to give analysis_create(); then outputs_attach(). */
void outputs_callbacks(struct outputs *o, struct analysis_callbacks *cb);
void outputs_attach(struct outputs *o, const struct analysis *a);
/* The rolling window, or NULL (weak). */
struct tl_output *outputs_window(struct outputs *o);
/* After analysis_finish(): completes and closes the files (on error they
 * are removed and o is freed). The extras stay until outputs_free(). */
int outputs_close(struct outputs *o, char *err, size_t errlen);
/* Valid until outputs_free(); the top list sorted. */
const struct outputs_extra *outputs_extra(struct outputs *o);
void outputs_free(struct outputs *o);
/* On error: closes and removes the files, frees o. */
void outputs_abort(struct outputs *o);

#endif /* RDV_OUTPUTS_H */
