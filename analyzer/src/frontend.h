/* SPDX-License-Identifier: MIT */
/*
 * The one Babeltrace2 front end: finds the CTF traces under the inputs
 * (one trace-directory search for every tool), checks their metadata
 * (metadata-check.h), and builds the graph
 *
 *   source.ctf.fs per trace (or one source.ctf.lttng-live) -> flt.utils.muxer
 *   -> the rdv sink (sink.c) feeding a session (session.h)
 *
 * then runs it, to the end or one step at a time (live). Errors come back
 * as one line naming the trace. No output of its own.
 */
#ifndef RDV_FRONTEND_H
#define RDV_FRONTEND_H

#include <babeltrace2/babeltrace.h>
#include <stdbool.h>
#include <stddef.h>

#include "session.h"

struct trace_list {
	char **v; /* owned: trace directories, in search order */
	size_t n, cap;
};

void trace_list_free(struct trace_list *l);

/* Every directory under each path (included, 8 levels deep) that holds a
 * `metadata` file, each once, sorted; each metadata checked. 0, or -ENOENT
 * / -ENOTDIR (a path), -ENODATA (nothing under it), -EBADMSG (bad metadata)
 * with a reason naming the path. */
int frontend_find_traces(const char *const *paths, size_t n, struct trace_list *out, char *err,
			 size_t errlen);

struct frontend;

/* A graph over traces found by frontend_find_traces(). want_range: query
 * the traces' time range (for a progress fraction). */
int frontend_open_traces(const struct trace_list *traces, struct session *s, bool want_range,
			 struct frontend **out, char *err, size_t errlen);
/* A graph over an lttng-live session; interrupter (borrowed, may be NULL)
 * stops a step from any thread. */
int frontend_open_live(const char *url, struct session *s, bt_interrupter *interrupter,
		       struct frontend **out, char *err, size_t errlen);
void frontend_close(struct frontend *f);

/* Runs to the end of the input. 0, or -1 with a reason. */
int frontend_run(struct frontend *f, char *err, size_t errlen);

enum frontend_step {
	FRONTEND_OK,
	FRONTEND_AGAIN,
	FRONTEND_END,
	FRONTEND_ERROR, /* reason in err */
};
enum frontend_step frontend_run_once(struct frontend *f, char *err, size_t errlen);

#endif /* RDV_FRONTEND_H */
