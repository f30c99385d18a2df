/* SPDX-License-Identifier: MIT */
/*
 * rdv-analyze: per-thread states and wait latencies of an rdv program, from
 * its LTTng trace (DESIGN.md §4, §5).
 */
#include <getopt.h>
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
	fprintf(f,
		"Usage: rdv-analyze TRACE... [--json F] [--csv F] [--chrome F] [--timeline F]\n"
		"                            [--compare OLD.json] [--quiet]\n"
		"       rdv-analyze --help | --version\n"
		"\n"
		"Rebuilds the state of every thread of an rdv domain (running, harmless, idle,\n"
		"blocked, waiting, isolated; unknown across lost events) from LTTng traces of\n"
		"the rdv provider, and reports time in state, isolate_wait, isolation_hold and\n"
		"blocked latencies and the stragglers that held isolations up.\n"
		"\n"
		"  TRACE             a trace directory as LTTng writes it (searched for CTF\n"
		"                    traces: per-UID, per-PID, several processes); several\n"
		"                    TRACEs are merged by time\n"
		"  --json F          the report as JSON (format rdv-analyze/1; '-': on stdout,\n"
		"                    instead of the human report)\n"
		"  --csv F           one row per state interval: "
		"vpid,domain,thread,state,begin_ns,end_ns\n"
		"  --chrome F        Chrome/Perfetto Trace Event JSON (open in ui.perfetto.dev)\n"
		"  --timeline F      the timeline file rdv-view loads\n"
		"  --compare OLD     compare latency percentiles with a previous --json report\n"
		"  -q, --quiet       no human report on stdout\n"
		"  -h, --help        this help\n"
		"      --version     the version\n"
		"\n"
		"The same analysis runs in babeltrace2 as a sink:\n"
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
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct rdv_analyze_options o;
	char err[1024];
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
