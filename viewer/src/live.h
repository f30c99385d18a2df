/* SPDX-License-Identifier: MIT */
/*
 * rdv-view's live mode: a background thread drives the analyzer's live
 * analysis (rdv-analyze.h, rdv_live_*: the one Babeltrace2 front end over
 * source.ctf.lttng-live, the analysis and its rolling window) and now and
 * then publishes an immutable snapshot: a tl_model (model.h) over the
 * timeline file of the window that the analyzer writes. The UI thread
 * takes the newest snapshot when it likes; it never waits for reception.
 * No SDL here.
 *
 * Concurrency: live_start() and live_stop() from the UI thread only; every
 * other call may run in the UI thread while the live thread runs.
 */
#ifndef RDV_VIEW_LIVE_H
#define RDV_VIEW_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "model.h"

enum live_state {
	LIVE_CONNECTING,     /* no answer from the relay yet (retrying) */
	LIVE_RECEIVING,	     /* connected to the session */
	LIVE_SESSION_ENDED,  /* the relay says the session is over */
	LIVE_RELAY_GONE,     /* the connection was lost mid-session */
	LIVE_PROGRAM_EXITED, /* the traced process (--pid) is gone */
};

struct live_options {
	const char *url;    /* net://HOST[:PORT]/host/HOSTNAME/SESSION */
	uint64_t window_ns; /* what the snapshots keep (the rolling window) */
	pid_t pid;	    /* the traced process, 0: unknown */
	/* Called from the live thread after each new snapshot (to wake the
	 * UI); may be NULL. */
	void (*notify)(void *arg);
	void *notify_arg;
};

struct live_status {
	enum live_state state;
	char reason[256]; /* why connecting failed or the relay is gone */
	uint64_t events;  /* rdv events received */
	uint64_t discarded_events;
	uint64_t snapshots;
	uint64_t kept_intervals;    /* in memory now (the rolling window) */
	uint64_t dropped_intervals; /* left the window (their time stays in totals) */
	uint64_t last_event_ns;	    /* trace clock, ns from origin; 0: none yet */
	uint64_t snapshot_ns;	    /* what building the last snapshot took */
	/* Delay from an event (its timestamp, CLOCK_MONOTONIC) to the snapshot
	 * that holds it being published, over the whole session. */
	uint64_t delay_count, delay_p50_ns, delay_p99_ns, delay_max_ns;
	bool stream_over; /* reception ended (session end, relay gone, error) */
};

struct live;

/* Prepares the session (the URL checked, nothing connected yet). Returns
 * 0, or a negative errno with a reason in err: -EINVAL for a URL that is
 * not net://HOST[:PORT]/host/HOSTNAME/SESSION. */
int live_start(const struct live_options *o, struct live **out, char *err, size_t errlen);
/* Starts the thread (after live_start(); o->notify may be called from
 * then on). Returns 0, or -1 with a reason in err. */
int live_run(struct live *l, char *err, size_t errlen);
/* Interrupts the graph, joins the thread (if started), frees everything
 * (also a snapshot not taken). */
void live_stop(struct live *l);

/* The newest snapshot not yet taken, or NULL. The caller owns it:
 * timeline_model_close() then free(). */
struct tl_model *live_take_snapshot(struct live *l);

void live_get_status(struct live *l, struct live_status *out);
/* Changes the rolling window (takes effect at the next snapshot). */
void live_set_window(struct live *l, uint64_t window_ns);

const char *live_state_name(enum live_state s);

#endif /* RDV_VIEW_LIVE_H */
