/* SPDX-License-Identifier: MIT */
/*
 * One LTTng recording session of the rdv provider, driven through
 * liblttng-ctl. Every function returns 0 on success, -1 with a one-line
 * reason in the session's `error` (no prefix, no newline).
 */
#ifndef RDV_TRACE_SESSION_H
#define RDV_TRACE_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define TRACE_CHANNEL "rdv"

struct lttng_process_attr_tracker_handle;

struct trace_session {
	/* Set by the caller before trace_session_create(). */
	char name[128];
	const char *output_dir; /* local trace directory (absolute), or NULL */
	const char *relay_url;	/* lttng-relayd URL, or NULL */
	bool live;		/* live session (needs relay_url) */
	uint64_t subbuf_size;	/* bytes, a power of two */
	uint64_t num_subbuf;	/* per CPU */
	pid_t track_vpid;	/* the first process recorded (more with trace_session_track()) */

	/* Kept by the functions below. */
	bool created, started;
	pid_t sessiond_pid;				   /* the session daemon we started, or 0 */
	struct lttng_process_attr_tracker_handle *tracker; /* owned by this: the vpid tracker */
	char error[512];
};

/* Makes sure a session daemon answers; when none does and autostart is set,
 * starts `lttng-sessiond --no-kernel` (found in PATH) and remembers it. */
int trace_sessiond_ensure(struct trace_session *s, bool autostart);

/* Stops the session daemon trace_sessiond_ensure() started, if any. */
void trace_sessiond_release(struct trace_session *s);

/* Creates the session, its channel, the rules (rdv:*, and the statedump
 * events that resolve `caller` addresses: lttng_ust_statedump:*,
 * lttng_ust_dl:*), the vpid/vtid/procname contexts and the vpid tracker,
 * which holds track_vpid only. */
int trace_session_create(struct trace_session *s);

/* Adds a process to the vpid tracker, or removes one. Synchronous: once
 * trace_session_track() returns, a process with that vpid that registers
 * with the session daemon is recorded from its first event. Adding a vpid
 * already tracked (or removing one that is not) succeeds. */
int trace_session_track(struct trace_session *s, pid_t vpid);
int trace_session_untrack(struct trace_session *s, pid_t vpid);

int trace_session_start(struct trace_session *s);

/* Stops (waiting until every buffered event is written), reads LTTng's own
 * discarded-event counter of the channel into *discarded (a cross-check
 * only: the trace's packets hold the count that is reported). */
int trace_session_stop(struct trace_session *s, uint64_t *discarded);

/* Destroys the session (after stop: the trace on disk is complete) and
 * frees what the session holds. Safe to call more than once. */
int trace_session_destroy(struct trace_session *s);

#endif /* RDV_TRACE_SESSION_H */
