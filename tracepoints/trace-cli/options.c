/* SPDX-License-Identifier: MIT */
/* rdv-trace's command line (see options.h and usage()). */
#define _GNU_SOURCE
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef RDV_VERSION_STRING
#define RDV_VERSION_STRING "unknown"
#endif

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: rdv-trace record [OPTION]... -- PROGRAM [ARG]...\n"
		"       rdv-trace attach PID [OPTION]...\n"
		"       rdv-trace live [OPTION]... -- PROGRAM [ARG]...\n"
		"       rdv-trace live --attach PID [OPTION]...\n"
		"Record the rdv:* LTTng events (librdv's rendez-vous states) of a program.\n\n"
		"  record   run PROGRAM and trace it from its start, and every process it\n"
		"           forks or execs (a launcher script, sh -c), nothing else; ends\n"
		"           when they have all exited; exits with PROGRAM's status\n"
		"  attach   trace the running process PID until --duration ends, Ctrl-C or\n"
		"           its exit (it must have loaded librdv with tracing, the default)\n"
		"  live     like record, streamed live to lttng-relayd (--relay, default %s)\n"
		"           for a live viewer, e.g. babeltrace2 --input-format=lttng-live;\n"
		"           with --view, opens rdv-view on it (and starts an lttng-relayd\n"
		"           on loopback when none answers)\n\n"
		"Options:\n"
		"  -o, --output DIR     trace directory (default ./rdv-trace-NAME-DATE); must\n"
		"                       be new or hold no trace\n"
		"  -n, --name NAME      LTTng session name (default rdv-trace-PROGRAM-PID)\n"
		"      --relay URL      stream to lttng-relayd at URL instead of a local\n"
		"                       directory: net://HOST[:CONTROL_PORT:DATA_PORT]\n"
		"  -d, --duration S     attach: stop after S seconds\n"
		"      --subbuf-size N  channel sub-buffer size, bytes, K or M suffix, power\n"
		"                       of two (default 4M)\n"
		"      --num-subbuf N   sub-buffers per CPU, power of two (default 8)\n"
		"      --no-follow      record, live: trace PROGRAM's own process only, not\n"
		"                       the processes it starts (no ptrace)\n"
		"      --live-port P    live: the relay's live port, for the viewer URL\n"
		"                       printed (default %d)\n"
		"      --view           live: open rdv-view --live on the session; without\n"
		"                       --relay, use the relay at %s (ports 5342-5344)\n"
		"                       or, when none answers, start lttng-relayd on free\n"
		"                       loopback ports (stopped at the end)\n"
		"      --attach PID     live: trace the running process PID instead\n"
		"      --save DIR       live: start our own lttng-relayd writing the trace in\n"
		"                       DIR (kept for rdv-view DIR or rdv-analyze DIR)\n"
		"      --view-opt ARG   live --view: pass ARG to rdv-view (repeatable)\n"
		"      --no-autostart   do not start lttng-sessiond when none is reachable\n"
		"                       (also: RDV_TRACE_AUTOSTART=0)\n"
		"  -h, --help           this text\n"
		"      --version        the version\n\n"
		"The session records only the traced processes (vpid tracker), with the\n"
		"vpid, vtid and procname contexts, in per-UID buffers: the rdv:* events and\n"
		"the LTTng-UST statedump (lttng_ust_statedump:*, lttng_ust_dl:*) that maps\n"
		"code addresses to objects. After recording it prints the trace path and\n"
		"one line: events, discarded events, threads; and, when PROGRAM failed, its\n"
		"exit status or signal. Ctrl-C stops the program and keeps the trace; a\n"
		"second Ctrl-C stops recording at once (a program that ignores it runs on).\n"
		"A live relay started on loopback has no authentication: any local user can\n"
		"read the live trace. Read a trace with rdv-analyze DIR or babeltrace2 DIR.\n"
		"See rdv-trace(1).\n",
		TRACE_DEFAULT_LIVE_URL, TRACE_DEFAULT_LIVE_PORT, TRACE_DEFAULT_LIVE_URL);
}

static enum trace_parse_status __attribute__((format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("rdv-trace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'rdv-trace --help'.\n", stderr);
	return TRACE_PARSE_USAGE_ERROR;
}

/* A power of two in 1..2^32, with an optional K or M suffix. */
static int parse_power_of_two(const char *arg, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (*end == 'k' || *end == 'K') {
		v <<= 10, end++;
	} else if (*end == 'm' || *end == 'M') {
		v <<= 20, end++;
	}
	if (errno || end == arg || *end || arg[0] == '-' || v == 0 || (v & (v - 1)) ||
	    v > (1ull << 32)) {
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_pid(const char *arg, pid_t *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v <= 0 || v > INT_MAX) {
		return -1;
	}
	*out = (pid_t)v;
	return 0;
}

static int parse_port(const char *arg, size_t len, unsigned *out)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 5) {
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (arg[i] < '0' || arg[i] > '9') {
			return -1;
		}
		v = v * 10 + (unsigned long)(arg[i] - '0');
	}
	if (v == 0 || v > 65535) {
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

/* net://HOST[:CONTROL_PORT[:DATA_PORT]] or net6://[ADDR][:…], the forms
 * LTTng takes for a relay. Reaching it is checked later (session.c). */
static int relay_url_valid(const char *url)
{
	const char *host, *end;
	unsigned port;
	int ports = 0;

	if (strncmp(url, "net://", 6) == 0) {
		host = url + 6;
	} else if (strncmp(url, "net6://", 7) == 0) {
		host = url + 7;
	} else {
		return 0;
	}
	if (*host == '[') {
		end = strchr(host, ']');
		if (!end || end == host + 1) {
			return 0;
		}
		end++;
	} else {
		end = host + strcspn(host, ":/");
		if (end == host) {
			return 0;
		}
	}
	while (*end == ':' && ports < 2) {
		size_t len = strcspn(end + 1, ":/");

		if (parse_port(end + 1, len, &port) < 0) {
			return 0;
		}
		end += 1 + len;
		ports++;
	}
	return *end == '\0' && ports != 1;
}

static int session_name_valid(const char *name)
{
	/* LTTng's limit (LTTNG_NAME_MAX is 255, our buffer 128) and no '/':
	 * the name becomes a directory on the relay's host. */
	return name[0] && strlen(name) < 128 && !strchr(name, '/') && name[0] != '.';
}

enum option_key {
	OPT_RELAY = 256,
	OPT_SUBBUF_SIZE,
	OPT_NUM_SUBBUF,
	OPT_LIVE_PORT,
	OPT_NO_AUTOSTART,
	OPT_NO_FOLLOW,
	OPT_VIEW,
	OPT_ATTACH,
	OPT_SAVE,
	OPT_VIEW_OPT,
	OPT_VERSION,
};

/* One option and its value into *o. */
static enum trace_parse_status take_option(struct trace_options *o, int key, const char *arg)
{
	char **grown;
	char *end;

	switch (key) {
	case 'o':
		o->output = arg;
		break;
	case 'n':
		if (!session_name_valid(arg)) {
			return usage_error("invalid session name '%s': 1 to 127 characters, no "
					   "'/', not starting with '.'",
					   arg);
		}
		o->name = arg;
		break;
	case OPT_RELAY:
		if (!relay_url_valid(arg)) {
			return usage_error("invalid relay URL '%s' (expected "
					   "net://HOST[:CONTROL_PORT:DATA_PORT])",
					   arg);
		}
		o->relay = arg;
		break;
	case 'd':
		errno = 0;
		o->duration = strtod(arg, &end);
		if (errno || end == arg || *end || !(o->duration > 0) || o->duration > 1e9) {
			return usage_error("invalid --duration '%s': expected seconds > 0", arg);
		}
		break;
	case OPT_SUBBUF_SIZE:
		if (parse_power_of_two(arg, &o->subbuf_size) < 0 || o->subbuf_size < 4096) {
			return usage_error("invalid --subbuf-size '%s': expected a power of two, "
					   "4K or more",
					   arg);
		}
		break;
	case OPT_NUM_SUBBUF:
		if (parse_power_of_two(arg, &o->num_subbuf) < 0 || o->num_subbuf < 2) {
			return usage_error("invalid --num-subbuf '%s': expected a power of two, "
					   "2 or more",
					   arg);
		}
		break;
	case OPT_LIVE_PORT:
		if (parse_port(arg, strlen(arg), &o->live_port) < 0) {
			return usage_error("invalid --live-port '%s': expected 1..65535", arg);
		}
		break;
	case OPT_NO_AUTOSTART:
		o->autostart = false;
		break;
	case OPT_NO_FOLLOW:
		o->follow = false;
		break;
	case OPT_VIEW:
		o->view = true;
		break;
	case OPT_ATTACH:
		if (parse_pid(arg, &o->pid) < 0) {
			return usage_error("live --attach: invalid PID '%s'", arg);
		}
		break;
	case OPT_SAVE:
		o->save = arg;
		break;
	case OPT_VIEW_OPT:
		grown = realloc(o->view_opts, (o->nview_opts + 1) * sizeof(*grown));
		if (!grown) {
			fputs("rdv-trace: out of memory\n", stderr);
			return TRACE_PARSE_ERROR;
		}
		o->view_opts = grown;
		o->view_opts[o->nview_opts++] = (char *)arg;
		break;
	default:
		return TRACE_PARSE_ERROR; /* not reached: every key is above */
	}
	return TRACE_PARSE_RUN;
}

/* The operands after the options: attach's PID, record's and live's
 * program. */
static enum trace_parse_status take_operands(struct trace_options *o, int argc, char **argv)
{
	if (o->cmd == TRACE_CMD_ATTACH) {
		if (optind >= argc) {
			return usage_error("attach: missing PID");
		}
		if (parse_pid(argv[optind], &o->pid) < 0) {
			return usage_error("attach: invalid PID '%s'", argv[optind]);
		}
		if (optind + 1 < argc) {
			return usage_error("attach: unexpected argument '%s'", argv[optind + 1]);
		}
		return TRACE_PARSE_RUN;
	}
	if (o->cmd == TRACE_CMD_LIVE && o->pid) {
		if (optind < argc) {
			return usage_error(
			    "live --attach: unexpected argument '%s' (no PROGRAM with --attach)",
			    argv[optind]);
		}
		return TRACE_PARSE_RUN;
	}
	if (optind >= argc) {
		const char *cmd = o->cmd == TRACE_CMD_LIVE ? "live" : "record";

		return usage_error("%s: missing program to run (rdv-trace %s [OPTION]... -- "
				   "PROGRAM [ARG]...)",
				   cmd, cmd);
	}
	if (!argv[optind][0]) {
		return usage_error("%s: empty program name",
				   o->cmd == TRACE_CMD_LIVE ? "live" : "record");
	}
	o->argv = &argv[optind];
	return TRACE_PARSE_RUN;
}

/* Options that only make sense together, or not at all together. */
static enum trace_parse_status check_combination(struct trace_options *o)
{
	bool attaching = trace_options_attaching(o);

	if (o->duration > 0 && !attaching) {
		return usage_error("--duration is for attach only");
	}
	if (o->cmd != TRACE_CMD_LIVE &&
	    (o->view || o->save || o->nview_opts || (o->pid && o->cmd != TRACE_CMD_ATTACH))) {
		return usage_error("--view, --save, --view-opt and --attach are for live only");
	}
	if (!o->follow && attaching) {
		return usage_error("--no-follow is for a PROGRAM rdv-trace starts (attach "
				   "follows no descendant)");
	}
	if (o->save && o->relay) {
		return usage_error("--save and --relay are exclusive: --save starts a relay of "
				   "our own that writes the trace there");
	}
	if (o->nview_opts && !o->view) {
		return usage_error("--view-opt needs --view");
	}
	if (o->relay && o->output) {
		return usage_error("-o and --relay are exclusive: with --relay the trace is "
				   "written by the relay daemon");
	}
	if (o->cmd == TRACE_CMD_LIVE && o->output) {
		return usage_error("-o is not for live: the relay writes the trace (use --save "
				   "DIR to keep it)");
	}
	if (o->cmd == TRACE_CMD_LIVE && !o->relay && !o->view && !o->save) {
		o->relay = TRACE_DEFAULT_LIVE_URL;
	}
	return TRACE_PARSE_RUN;
}

enum trace_parse_status trace_options_parse(int argc, char **argv, struct trace_options *o)
{
	static const struct option longopts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"name", required_argument, NULL, 'n'},
	    {"relay", required_argument, NULL, OPT_RELAY},
	    {"duration", required_argument, NULL, 'd'},
	    {"subbuf-size", required_argument, NULL, OPT_SUBBUF_SIZE},
	    {"num-subbuf", required_argument, NULL, OPT_NUM_SUBBUF},
	    {"live-port", required_argument, NULL, OPT_LIVE_PORT},
	    {"no-autostart", no_argument, NULL, OPT_NO_AUTOSTART},
	    {"no-follow", no_argument, NULL, OPT_NO_FOLLOW},
	    {"view", no_argument, NULL, OPT_VIEW},
	    {"attach", required_argument, NULL, OPT_ATTACH},
	    {"save", required_argument, NULL, OPT_SAVE},
	    {"view-opt", required_argument, NULL, OPT_VIEW_OPT},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, OPT_VERSION},
	    {NULL, 0, NULL, 0},
	};
	const char *env = getenv("RDV_TRACE_AUTOSTART");
	enum trace_parse_status st;
	int c;

	*o = (struct trace_options){
	    .subbuf_size = TRACE_DEFAULT_SUBBUF_SIZE,
	    .num_subbuf = TRACE_DEFAULT_NUM_SUBBUF,
	    .autostart = !(env && strcmp(env, "0") == 0),
	    .follow = true,
	    .live_port = TRACE_DEFAULT_LIVE_PORT,
	};
	if (argc < 2) {
		return usage_error("missing command: record, attach or live");
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return TRACE_PARSE_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("rdv-trace (rdv) %s\n", RDV_VERSION_STRING);
		return TRACE_PARSE_EXIT_OK;
	}
	if (strcmp(argv[1], "record") == 0) {
		o->cmd = TRACE_CMD_RECORD;
	} else if (strcmp(argv[1], "attach") == 0) {
		o->cmd = TRACE_CMD_ATTACH;
	} else if (strcmp(argv[1], "live") == 0) {
		o->cmd = TRACE_CMD_LIVE;
	} else {
		return usage_error("unknown command '%s' (expected record, attach or live)",
				   argv[1]);
	}
	argc--, argv++;
	optind = 1;
	opterr = 0; /* one line of our own instead of getopt's */
	/* record, live: "+" stops at the program name (its options are its
	 * own); attach takes options before or after the PID. */
	while ((c = getopt_long(argc, argv, o->cmd == TRACE_CMD_ATTACH ? ":o:n:d:h" : "+:o:n:d:h",
				longopts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return TRACE_PARSE_EXIT_OK;
		}
		if (c == OPT_VERSION) {
			printf("rdv-trace (rdv) %s\n", RDV_VERSION_STRING);
			return TRACE_PARSE_EXIT_OK;
		}
		if (c == ':') {
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		}
		if (c == '?') {
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
		st = take_option(o, c, optarg);
		if (st != TRACE_PARSE_RUN) {
			return st;
		}
	}
	st = take_operands(o, argc, argv);
	return st == TRACE_PARSE_RUN ? check_combination(o) : st;
}

void trace_options_free(struct trace_options *o)
{
	free(o->view_opts);
	o->view_opts = NULL;
	o->nview_opts = 0;
}
