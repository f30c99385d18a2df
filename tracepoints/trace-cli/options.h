/* SPDX-License-Identifier: MIT */
/*
 * rdv-trace's command line: what the user asked for, checked as a whole
 * before anything starts (no session, no directory, no child yet).
 */
#ifndef RDV_TRACE_OPTIONS_H
#define RDV_TRACE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Default channel: 8 sub-buffers of 4 MiB per CPU (32 MiB per CPU). The
 * samples at their defaults write about 7000 events/s (0.5 MB/s, 60 bytes an
 * event with the contexts); the consumer daemon empties each 4 MiB
 * sub-buffer as it fills, so it may be starved for a minute before one event
 * is lost, and even --rate 100000 leaves it seconds. */
#define TRACE_DEFAULT_SUBBUF_SIZE (4u << 20)
#define TRACE_DEFAULT_NUM_SUBBUF 8u
#define TRACE_DEFAULT_LIVE_URL "net://127.0.0.1"
#define TRACE_DEFAULT_CONTROL_PORT 5342
#define TRACE_DEFAULT_LIVE_PORT 5344

enum trace_command { TRACE_CMD_RECORD, TRACE_CMD_ATTACH, TRACE_CMD_LIVE };

struct trace_options {
	enum trace_command cmd;
	const char *output; /* -o, weak (argv) */
	const char *name;   /* --name, weak */
	const char *relay;  /* --relay, weak; or TRACE_DEFAULT_LIVE_URL */
	double duration;    /* attach: 0 = until Ctrl-C or exit */
	uint64_t subbuf_size, num_subbuf;
	bool autostart;
	bool follow; /* record, live: follow descendants (not --no-follow) */
	unsigned live_port;
	pid_t pid;	  /* attach, live --attach; 0 otherwise */
	char **argv;	  /* record, live: the program and its arguments, weak */
	bool view;	  /* live: open rdv-view on the session */
	const char *save; /* live: our own relay writes the trace there, weak */
	char **view_opts; /* live --view: extra rdv-view arguments, owned */
	size_t nview_opts;
};

enum trace_parse_status {
	TRACE_PARSE_RUN,	 /* run the command */
	TRACE_PARSE_EXIT_OK,	 /* --help or --version was printed: exit 0 */
	TRACE_PARSE_USAGE_ERROR, /* printed the two usage-error lines: exit 2 */
	TRACE_PARSE_ERROR,	 /* printed one runtime error line (out of memory): exit 1 */
};

/* Parses and checks argv into *o (which trace_options_free() releases). */
enum trace_parse_status trace_options_parse(int argc, char **argv, struct trace_options *o);

void trace_options_free(struct trace_options *o);

/* Is o attaching to a running process (attach, live --attach)? */
static inline bool trace_options_attaching(const struct trace_options *o)
{
	return o->cmd == TRACE_CMD_ATTACH || (o->cmd == TRACE_CMD_LIVE && o->pid);
}

#endif /* RDV_TRACE_OPTIONS_H */
