/* SPDX-License-Identifier: MIT */
/*
 * rdv-analyze: per-thread states and wait latencies of an rdv program, from
 * its LTTng trace (DESIGN.md §4, §5).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rdv-analyze.h"
#include "rdv-outfile.h"

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

/*
 * Memory guard. Babeltrace2 2.0 trusts a sequence length read from a
 * stream file: one corrupt length field (two bytes of a statedump event's
 * build id length) makes it allocate element after element, 7 GB in 5 s,
 * until the machine runs out (babeltrace2 itself does so). The analysis
 * is bounded (per thread state, distributions of ≈100 KiB, sites), and so
 * is Babeltrace2's decoding of a sound trace (tens of MiB at a million
 * events): past RDV_ANALYZE_MAX_MB (default 2048; 0: no guard) of
 * resident memory the run stops with one line, as for any unreadable
 * trace, and removes what it wrote.
 */
static struct {
	const struct rdv_analyze_options *o;
	uint64_t max_pages;
	long page_size;
} guard;

static uint64_t resident_pages(int fd)
{
	char buf[128];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	unsigned long long size, rss;

	if (n <= 0) {
		return 0;
	}
	buf[n] = 0;
	return sscanf(buf, "%llu %llu", &size, &rss) == 2 ? rss : 0;
}

static void *guard_main(void *arg)
{
	const struct rdv_analyze_options *o = guard.o;
	struct timespec tick = {0, 20 * 1000 * 1000};
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);

	(void)arg;
	if (fd < 0) {
		return NULL;
	}
	while (resident_pages(fd) <= guard.max_pages) {
		nanosleep(&tick, NULL);
	}
	rdv_outfile_remove_all(); /* the regular files this run opened, no other */
	if (o->ntraces == 1) {
		dprintf(STDERR_FILENO,
			"rdv-analyze: cannot read trace '%s': Babeltrace2 took more than %llu MiB "
			"decoding it (a corrupt stream file?)\n",
			o->traces[0],
			(unsigned long long)(guard.max_pages * (uint64_t)guard.page_size >> 20));
	} else {
		dprintf(STDERR_FILENO,
			"rdv-analyze: cannot read the traces: Babeltrace2 took more than %llu MiB "
			"decoding them (a corrupt stream file?)\n",
			(unsigned long long)(guard.max_pages * (uint64_t)guard.page_size >> 20));
	}
	_exit(1);
}

static void start_guard(const struct rdv_analyze_options *o)
{
	const char *env = getenv("RDV_ANALYZE_MAX_MB");
	uint64_t mb = 2048;
	pthread_t th;
	pthread_attr_t attr;

	if (env && *env) {
		char *end;

		errno = 0;
		mb = strtoull(env, &end, 10);
		if (errno || *end) {
			mb = 2048;
		}
	}
	guard.page_size = sysconf(_SC_PAGESIZE);
	if (!mb || guard.page_size <= 0) {
		return;
	}
	guard.o = o;
	guard.max_pages = (mb << 20) / (uint64_t)guard.page_size;
	if (pthread_attr_init(&attr)) {
		return;
	}
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_create(&th, &attr, guard_main, NULL);
	pthread_attr_destroy(&attr);
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
	start_guard(&o);
	if (rdv_analyze_run(&o, err, sizeof(err))) {
		if (o.progress) {
			fprintf(stderr, "\r\033[K");
		}
		fprintf(stderr, "rdv-analyze: %s\n", err);
		return 1;
	}
	return 0;
}
