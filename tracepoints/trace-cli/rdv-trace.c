/* SPDX-License-Identifier: MIT */
/*
 * rdv-trace — record the rdv:* events of a program with LTTng: from its
 * start and through its descendants (record), attached while it runs
 * (attach), or live through lttng-relayd (live).
 *
 * Layout: options.c parses and checks the command line; record.c runs the
 * commands; follow.c follows the program's descendants; session.c drives
 * LTTng; relay.c and viewer.c are live's relay and rdv-view; summary.c
 * reads the trace back. This file holds main(), the signal handling and the
 * one cleanup path: every step records what it made in the trace_ctx, and
 * trace_ctx_cleanup() undoes what is left, at main()'s single exit.
 */
#define _GNU_SOURCE
#include "rdv-trace.h"

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int trace_error(const char *fmt, ...)
{
	va_list ap;

	fputs("rdv-trace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* ---- signals: a signalfd, no handler ---------------------------------- */

static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGCHLD);
}

int trace_signals_open(struct trace_ctx *ctx)
{
	sigset_t set;

	stop_signals(&set);
	if (sigprocmask(SIG_BLOCK, &set, &ctx->saved_mask) < 0) {
		return trace_error("cannot block signals: %s", strerror(errno));
	}
	ctx->signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (ctx->signal_fd < 0) {
		return trace_error("cannot read signals: %s", strerror(errno));
	}
	return 0;
}

void trace_signals_restore_in_child(const struct trace_ctx *ctx)
{
	sigprocmask(SIG_SETMASK, &ctx->saved_mask, NULL);
}

bool trace_signals_drain(struct trace_ctx *ctx)
{
	struct signalfd_siginfo si;
	bool child = false;

	while (read(ctx->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			child = true;
			continue;
		}
		if (!ctx->stop_signal) {
			ctx->stop_signal = (int)si.ssi_signo;
		}
		ctx->stop_signals++;
		/* The terminal sends its Ctrl-C to the whole foreground group,
		 * the followed processes included (SI_KERNEL); what was sent
		 * to us alone (kill, a supervisor) goes to each of them, as a
		 * service manager stops a whole process tree. */
		if (si.ssi_code != SI_KERNEL) {
			for (size_t i = 0; i < ctx->follow.count; i++) {
				kill(ctx->follow.procs[i].pid, (int)si.ssi_signo);
			}
		}
	}
	return child;
}

/* ---- cleanup ----------------------------------------------------------- */

static int remove_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

void trace_remove_tree(const char *dir)
{
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A run that produced no trace leaves no directory: ours goes entirely
 * (only LTTng wrote in it), an existing empty one gets back to empty. */
static void discard_output(struct trace_ctx *ctx)
{
	char ust[PATH_MAX + 8];

	if (ctx->output_created) {
		trace_remove_tree(ctx->output_dir);
		return;
	}
	snprintf(ust, sizeof(ust), "%s/ust", ctx->output_dir);
	trace_remove_tree(ust);
}

static void trace_ctx_cleanup(struct trace_ctx *ctx)
{
	struct trace_follow *f = &ctx->follow;

	/* A program still held before its exec (a step failed); one let go
	 * at a second stop signal runs on. */
	if (f->main_pid > 0 && !f->main_exited && !ctx->program_started) {
		kill(f->main_pid, SIGKILL);
		while (waitpid(f->main_pid, NULL, __WALL) < 0 && errno == EINTR) {
		}
	}
	trace_viewer_stop(ctx);
	trace_session_destroy(&ctx->session);
	trace_sessiond_release(&ctx->session);
	trace_relay_stop(&ctx->relay);
	if (ctx->output_dir && !ctx->output_keep) {
		discard_output(ctx);
	}
	free(ctx->output_dir);
	if (ctx->signal_fd >= 0) {
		close(ctx->signal_fd);
	}
	trace_follow_free(f);
	trace_options_free(&ctx->opt);
}

int main(int argc, char **argv)
{
	struct trace_ctx ctx = {.signal_fd = -1};
	int status = 1;

	switch (trace_options_parse(argc, argv, &ctx.opt)) {
	case TRACE_PARSE_RUN:
		break;
	case TRACE_PARSE_EXIT_OK:
		/* --help, --version: a stdout that cannot take them (a full
		 * disk, a closed pipe) is an error, not a silent success. */
		status = 0;
		if (fflush(stdout) != 0 || ferror(stdout)) {
			trace_error("cannot write to standard output: %s", strerror(errno));
			status = 1;
		}
		goto end;
	case TRACE_PARSE_USAGE_ERROR:
		status = 2;
		goto end;
	case TRACE_PARSE_ERROR:
		goto end;
	}
	/* A session daemon that goes away must give an error, not kill us
	 * (liblttng-ctl writes to its socket); children get SIG_DFL back. */
	signal(SIGPIPE, SIG_IGN);
	if (trace_signals_open(&ctx) < 0) {
		goto end;
	}
	status =
	    trace_options_attaching(&ctx.opt) ? trace_cmd_attach(&ctx) : trace_cmd_record(&ctx);
end:
	trace_ctx_cleanup(&ctx);
	return status;
}
