/* SPDX-License-Identifier: MIT */
/*
 * The state of one rdv-trace run, passed to every step. Everything that
 * must be undone (the program and its descendants, the viewer, our relay,
 * the session, the session daemon we started, the output directory we
 * created) is recorded here as it is made, and trace_ctx_cleanup() undoes
 * what is still there, once, at main()'s single exit.
 */
#ifndef RDV_TRACE_H
#define RDV_TRACE_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "follow.h"
#include "options.h"
#include "session.h"

struct trace_relay {
	pid_t pid;	    /* the lttng-relayd we started, or 0 */
	char out[PATH_MAX]; /* its output directory, or "" */
	bool out_temporary; /* out is ours to remove at the end (no --save) */
	char url[64];	    /* its control/data URL, when started */
};

struct trace_ctx {
	struct trace_options opt;     /* owned by this */
	struct trace_session session; /* owned by this */
	struct trace_follow follow;   /* owned by this: the program and descendants */
	struct trace_relay relay;     /* owned by this */
	char *output_dir;	      /* owned by this: absolute, or NULL (relay) */
	bool output_created;	      /* we made it (else it existed, empty) */
	bool output_keep;	      /* the trace is the result; else removed at cleanup */
	bool program_started;	      /* record: the program was let exec (never killed then) */
	pid_t viewer_pid;	      /* rdv-view we started, or 0 */
	int signal_fd;		      /* signalfd: SIGINT, SIGTERM, SIGHUP, SIGCHLD; or -1 */
	sigset_t saved_mask;	      /* the mask to give back to children before exec */
	int stop_signal;	      /* the first stop signal received, or 0 */
	unsigned stop_signals;	      /* how many were received */
};

/* Prints "rdv-trace: MESSAGE" on stderr; returns -1 (so `return
 * trace_error(...)` reads as the failure it is). */
int trace_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Removes a directory and everything below it (no link followed). */
void trace_remove_tree(const char *dir);

/* Signals: blocks SIGINT, SIGTERM, SIGHUP and SIGCHLD and opens
 * ctx->signal_fd to read them (no handler, no global state). */
int trace_signals_open(struct trace_ctx *ctx);

/* Reads every pending signal: a stop signal is counted in ctx and, when it
 * was sent to rdv-trace alone (not by the terminal to the whole group),
 * forwarded to every followed process. Returns true when SIGCHLD was among
 * them. */
bool trace_signals_drain(struct trace_ctx *ctx);

/* A child that execs something must not inherit our blocked mask. */
void trace_signals_restore_in_child(const struct trace_ctx *ctx);

/* record.c: the commands. Each returns the process exit status. */
int trace_cmd_record(struct trace_ctx *ctx);
int trace_cmd_attach(struct trace_ctx *ctx);

/* relay.c: live without --relay: use the relay at the default ports when
 * one answers (not with --save), else start one of our own on free
 * loopback ports; sets ctx->opt.relay and ctx->opt.live_port. */
int trace_relay_prepare(struct trace_ctx *ctx);
void trace_relay_stop(struct trace_relay *r);

/* viewer.c: live --view. */
int trace_viewer_check(const struct trace_ctx *ctx);
int trace_viewer_spawn(struct trace_ctx *ctx, pid_t traced);
void trace_viewer_wait(struct trace_ctx *ctx);
void trace_viewer_stop(struct trace_ctx *ctx);
/* The viewer URL of the live session. */
void trace_live_url(const struct trace_ctx *ctx, char *buf, size_t len);

#endif /* RDV_TRACE_H */
