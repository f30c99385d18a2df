/* SPDX-License-Identifier: MIT */
/*
 * One analysis run, Babeltrace2 side: the adapter, the state machine, the
 * streamed outputs and, at the end, the reports. The sink component (both
 * in the rdv-analyze CLI and in the sink.rdv.analyze plugin) feeds it every
 * message it consumes, so both front ends give the same results.
 */
#ifndef RDV_SESSION_H
#define RDV_SESSION_H

#include <babeltrace2/babeltrace.h>

#include "rdv-analyze.h"

struct session;

/* Opens the output files of opts (its `traces` are not used). */
int session_create(const struct rdv_analyze_options *opts, struct session **out, char *err,
		   size_t errlen);
void session_destroy(struct session *s);
/* The time range of the input, when known, for the progress fraction. */
void session_set_range(struct session *s, int64_t begin_ns, int64_t end_ns);
/* 0, or -1 with a reason in session_error(). */
int session_feed(struct session *s, const bt_message *msg);
/* After the last message: finishes the analysis, writes the reports. */
int session_end(struct session *s);
int session_ended(const struct session *s);
const char *session_error(const struct session *s);

#endif /* RDV_SESSION_H */
