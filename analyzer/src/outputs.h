/* SPDX-License-Identifier: MIT */
/*
 * Streamed outputs of an analysis, as analysis callbacks: the CSV of state
 * intervals, the Chrome/Perfetto Trace Event JSON and the timeline file of
 * rdv-view. Each is written as the analysis goes, so memory does not grow
 * with the trace. No Babeltrace2 here.
 */
#ifndef RDV_OUTPUTS_H
#define RDV_OUTPUTS_H

#include <stddef.h>

#include "analysis.h"

struct outputs;

/* Opens the files whose path is not NULL. Returns 0 or a negative errno with
 * a reason in err. */
int outputs_open(struct outputs **out, const char *csv_path, const char *chrome_path,
		 const char *timeline_path, char *err, size_t errlen);
/* The callbacks to give analysis_create(); then outputs_attach(). */
void outputs_callbacks(struct outputs *o, struct analysis_callbacks *cb);
void outputs_attach(struct outputs *o, const struct analysis *a);
/* After analysis_finish(): completes and closes the files. */
int outputs_close(struct outputs *o, char *err, size_t errlen);
/* On error: closes and removes the partial files. */
void outputs_abort(struct outputs *o);

#endif /* RDV_OUTPUTS_H */
