/* SPDX-License-Identifier: MIT */
/*
 * The analysis -> timeline file (timeline/FORMAT.md): the one place that
 * turns what the analysis emits into a timeline. Two modes:
 * - file: everything is streamed to the writer as the analysis goes
 *   (rdv-analyze --timeline, rdv-view on a trace directory);
 * - window: the intervals that end in a rolling window are kept (bounded
 *   per lane), and a snapshot file of the window is written on demand
 *   (rdv-view --live).
 * Either way the file gets the analysis' own distributions, totals and
 * isolation records, so the viewer draws the numbers the JSON report has.
 * No Babeltrace2 here.
 */
#ifndef RDV_TL_OUTPUT_H
#define RDV_TL_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "analysis.h"

struct tl_output;

/* 0, or a negative errno with a reason. */
int tl_output_open_file(const char *path, struct tl_output **out, char *err, size_t errlen);
int tl_output_open_window(struct tl_output **out);
/* The analysis whose totals go in the file (weak). */
void tl_output_attach(struct tl_output *o, const struct analysis *a);

/* The analysis callbacks it consumes (analysis.h). */
int tl_output_thread_added(struct tl_output *o, const struct analysis_thread *t);
int tl_output_thread_changed(struct tl_output *o, const struct analysis_thread *t);
int tl_output_interval(struct tl_output *o, const struct analysis_thread *t, enum analysis_state s,
		       uint64_t begin_ns, uint64_t end_ns);
int tl_output_isolation(struct tl_output *o, const struct analysis_isolation *iso);
int tl_output_stall(struct tl_output *o, const struct analysis_stall *st);

/* File mode, after analysis_finish(): completes the file and frees o (also
 * on error, then removing the file). */
int tl_output_close(struct tl_output *o, char *err, size_t errlen);
/* Frees o; in file mode removes the partial file. */
void tl_output_abort(struct tl_output *o);

/* Window mode: writes the last window_ns (up to the latest event) to path.
 * *kept: intervals written; *dropped: intervals that left the window so
 * far. */
int tl_output_snapshot(struct tl_output *o, const char *path, uint64_t window_ns, uint64_t *kept,
		       uint64_t *dropped, char *err, size_t errlen);

#endif /* RDV_TL_OUTPUT_H */
