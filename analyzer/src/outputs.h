/* SPDX-License-Identifier: MIT */
/*
 * Streamed outputs of an analysis, as analysis callbacks: the CSV of state
 * intervals, the Chrome/Perfetto Trace Event JSON and the timeline of
 * rdv-view (a file, or the rolling window of a live view: tl-output.h).
 * Each is written as the analysis goes, so memory does not grow with the
 * trace. No Babeltrace2 here.
 */
#ifndef RDV_OUTPUTS_H
#define RDV_OUTPUTS_H

#include <stdbool.h>
#include <stddef.h>

#include "analysis.h"
#include "tl-output.h"

struct outputs;

/* Opens the files whose path is not NULL (timeline_window: no timeline
 * file, a rolling window instead). Returns 0 or a negative errno with a
 * reason in err. */
int outputs_open(struct outputs **out, const char *csv_path, const char *chrome_path,
		 const char *timeline_path, bool timeline_window, char *err, size_t errlen);
/* The callbacks to give analysis_create(); then outputs_attach(). */
void outputs_callbacks(struct outputs *o, struct analysis_callbacks *cb);
void outputs_attach(struct outputs *o, const struct analysis *a);
/* The rolling window, or NULL (weak). */
struct tl_output *outputs_window(struct outputs *o);
/* After analysis_finish(): completes and closes the files. */
int outputs_close(struct outputs *o, char *err, size_t errlen);
/* On error: closes and removes the partial files. */
void outputs_abort(struct outputs *o);

#endif /* RDV_OUTPUTS_H */
