/* SPDX-License-Identifier: MIT */
/*
 * rdv-analyze: per-thread states and wait latencies of an rdv program, from
 * its LTTng trace (DESIGN.md §4, §5).
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rdv-analyze.h"

#ifndef RDV_VERSION_STRING
#error "RDV_VERSION_STRING comes from the build (CMake project version)"
#endif

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "Usage: rdv-analyze TRACE... [--json F] [--csv F] [--chrome F] [--timeline F]\n"
	    "                            [--isolations F] [--top N] [--compare OLD.json]\n"
	    "                            [--from T] [--to T] [--pid P] [--domain D]\n"
	    "                            [--debug-info-dir DIR] [--debug-info-target-prefix DIR]\n"
	    "                            [--quiet]\n"
	    "       rdv-analyze --help | --version\n"
	    "\n"
	    "Rebuilds the state of every thread of an rdv domain (running, harmless, idle,\n"
	    "blocked, waiting, isolated; unknown across lost events) from LTTng traces of\n"
	    "the rdv provider, and reports time in state, the isolate_wait, isolation_hold,\n"
	    "blocked and grant_delay latencies, and who held isolations back: the threads\n"
	    "that were late for each request, for how long, between which two calls of\n"
	    "their code (resolved from the trace's statedump), and per requesting site.\n"
	    "\n"
	    "  TRACE             a trace directory as LTTng writes it (searched for CTF\n"
	    "                    traces: per-UID, per-PID, several processes); several\n"
	    "                    TRACEs are merged by time\n"
	    "  --json F          the report as JSON (format rdv-analyze/2; '-': on stdout,\n"
	    "                    instead of the human report)\n"
	    "  --csv F           one row per state interval: "
	    "vpid,domain,thread,state,begin_ns,end_ns\n"
	    "  --chrome F        Chrome/Perfetto Trace Event JSON (open in ui.perfetto.dev)\n"
	    "  --timeline F      the timeline file rdv-view loads\n"
	    "  --isolations F    one CSV row per isolation: request, grant, release,\n"
	    "                    requester and its site, kind, wait, hold, grant_delay,\n"
	    "                    straggler, its delay and section\n"
	    "  --top N           the N longest waits in the report, with their late threads\n"
	    "  --compare OLD     compare latency percentiles with a previous --json report\n"
	    "  --from T, --to T  only [T, T) of the trace: T after its first rdv event, a\n"
	    "                    number and a unit (ns, us, ms, s; e.g. 1.5s, 200ms); state\n"
	    "                    times are clipped, isolations selected by request time\n"
	    "  --pid P           only process P (its vpid)\n"
	    "  --domain D        only domain D\n"
	    "  --debug-info-dir DIR\n"
	    "                    separate debug information (default: the target prefix's\n"
	    "                    /usr/lib/debug), as babeltrace2's --debug-info-dir\n"
	    "  --debug-info-target-prefix DIR\n"
	    "                    the traced machine's file system (a sysroot), prepended to\n"
	    "                    every path the trace names\n"
	    "  -q, --quiet       no human report on stdout\n"
	    "  -h, --help        this help\n"
	    "      --version     the version\n"
	    "\n"
	    "The same analysis runs in babeltrace2 as a sink (the same options as\n"
	    "parameters: json-path, isolations-path, top, from, to, pid, domain, ...):\n"
	    "  babeltrace2 --plugin-path=DIR TRACE -c sink.rdv.analyze -p "
	    "'json-path=\"r.json\"'\n"
	    "\n"
	    "Exit status: 0 done, 1 the analysis failed (one line on stderr), 2 bad usage.\n");
}

/* A usage error (COMMON conventions): what is wrong, where to look, 2. */
static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "rdv-analyze: %s%s%s%s\nTry 'rdv-analyze --help'.\n", what, arg ? " '" : "",
		arg ? arg : "", arg ? "'" : "");
	return 2;
}

/* A decimal number in [0, max]. */
static int parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || *s == '+') {
		return -1;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max) {
		return -1;
	}
	*out = v;
	return 0;
}

static void progress(void *arg, uint64_t events, double fraction)
{
	(void)arg;
	if (fraction >= 0) {
		fprintf(stderr, "\rrdv-analyze: %llu events, %5.1f%%", (unsigned long long)events,
			100.0 * fraction);
	} else {
		fprintf(stderr, "\rrdv-analyze: %llu events", (unsigned long long)events);
	}
	if (fraction >= 1.0) {
		fprintf(stderr, "\r\033[K");
	}
	fflush(stderr);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"json", required_argument, NULL, 'j'},
	    {"csv", required_argument, NULL, 'c'},
	    {"chrome", required_argument, NULL, 'C'},
	    {"timeline", required_argument, NULL, 't'},
	    {"compare", required_argument, NULL, 'm'},
	    {"isolations", required_argument, NULL, 'i'},
	    {"top", required_argument, NULL, 'T'},
	    {"from", required_argument, NULL, 'f'},
	    {"to", required_argument, NULL, 'u'},
	    {"pid", required_argument, NULL, 'p'},
	    {"domain", required_argument, NULL, 'd'},
	    {"debug-info-dir", required_argument, NULL, 'D'},
	    {"debug-info-target-prefix", required_argument, NULL, 'P'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct rdv_analyze_options o;
	char err[1024];
	uint64_t v;
	int c;

	memset(&o, 0, sizeof(o));
	o.print_report = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o.json_path = optarg;
			break;
		case 'c':
			o.csv_path = optarg;
			break;
		case 'C':
			o.chrome_path = optarg;
			break;
		case 't':
			o.timeline_path = optarg;
			break;
		case 'm':
			o.compare_path = optarg;
			break;
		case 'i':
			o.isolations_path = optarg;
			break;
		case 'T':
			if (parse_uint(optarg, 1000000, &v)) {
				return usage_error("--top wants a number of isolations, not",
						   optarg);
			}
			o.top = (unsigned)v;
			break;
		case 'f':
		case 'u':
			if (rdv_analyze_parse_time(optarg, c == 'f' ? &o.from_ns : &o.to_ns)) {
				return usage_error(
				    c == 'f' ? "--from wants a time (e.g. 1.5s, 200ms), not"
					     : "--to wants a time (e.g. 1.5s, 200ms), not",
				    optarg);
			}
			*(c == 'f' ? &o.has_from : &o.has_to) = 1;
			break;
		case 'p':
		case 'd':
			if (parse_uint(optarg, UINT32_MAX, &v)) {
				return usage_error(c == 'p' ? "--pid wants a process id, not"
							    : "--domain wants a domain number, not",
						   optarg);
			}
			if (c == 'p') {
				o.has_pid = 1;
				o.pid = (uint32_t)v;
			} else {
				o.has_domain = 1;
				o.domain = (uint32_t)v;
			}
			break;
		case 'D':
			o.debug_info_dir = optarg;
			break;
		case 'P':
			o.target_prefix = optarg;
			break;
		case 'q':
			o.print_report = 0;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("rdv-analyze (rdv) %s\n", RDV_VERSION_STRING);
			return 0;
		case ':':
			return usage_error("missing argument to", argv[optind - 1]);
		default:
			return usage_error("unknown option", argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		return usage_error("no trace given", NULL);
	}
	if (o.has_from && o.has_to && o.from_ns > o.to_ns) {
		return usage_error("--from is after --to", NULL);
	}
	if (o.json_path && strcmp(o.json_path, "-") == 0) {
		o.print_report = 0; /* stdout is the JSON */
	}
	o.traces = (const char *const *)&argv[optind];
	o.ntraces = (size_t)(argc - optind);
	if (isatty(STDERR_FILENO)) {
		o.progress = progress;
	}
	if (rdv_analyze_run(&o, err, sizeof(err))) {
		if (o.progress) {
			fprintf(stderr, "\r\033[K");
		}
		fprintf(stderr, "rdv-analyze: %s\n", err);
		return 1;
	}
	return 0;
}
