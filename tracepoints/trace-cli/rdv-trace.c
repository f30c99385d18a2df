/* SPDX-License-Identifier: MIT */
/*
 * rdv-trace — record the rdv:* events of a program with LTTng: from its
 * start (record), attached while it runs (attach), or live through
 * lttng-relayd (live). See usage() and session.c for the LTTng choices.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "session.h"
#include "summary.h"

/* Default channel: 8 sub-buffers of 4 MiB per CPU (32 MiB per CPU). The
 * samples at their defaults write about 7000 events/s (0.5 MB/s, 60 bytes an
 * event with the contexts); the consumer daemon empties each 4 MiB
 * sub-buffer as it fills, so it may be starved for a minute before one event
 * is lost, and even --rate 100000 leaves it seconds. */
#define DEFAULT_SUBBUF_SIZE (4u << 20)
#define DEFAULT_NUM_SUBBUF 8u
#define DEFAULT_LIVE_URL "net://127.0.0.1"
#define DEFAULT_LIVE_PORT 5344

enum command { CMD_RECORD, CMD_ATTACH, CMD_LIVE };

struct options {
	enum command cmd;
	const char *output;
	const char *name;
	const char *relay;
	double duration; /* attach: 0 = until Ctrl-C or exit */
	uint64_t subbuf_size, num_subbuf;
	bool autostart;
	unsigned live_port;
	pid_t pid;	  /* attach, live --attach */
	char **argv;	  /* record, live: the program and its arguments */
	bool view;	  /* live: open rdv-view on the session */
	const char *save; /* live: our own relay writes the trace there */
	char **view_opts; /* live --view: extra rdv-view arguments */
	size_t nview_opts;
};

static volatile sig_atomic_t got_signal;
static volatile pid_t child_pid;

/* What die() undoes: the program held before exec, the session, the
 * session daemon we started, the output directory we created (if still
 * empty). */
static struct trace_session *active_session; /* weak */
static char *created_output;		     /* owned, or NULL */

/* live --view: the lttng-relayd we started (0: none), its output directory
 * (removed at the end unless --save), and the viewer. */
static pid_t relay_pid;
static char relay_out[PATH_MAX];
static bool relay_out_temp;
static pid_t viewer_pid;
static char own_relay_url[64];

static void stop_own_relay(void);

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: rdv-trace record [OPTION]... -- PROGRAM [ARG]...\n"
		"       rdv-trace attach PID [OPTION]...\n"
		"       rdv-trace live [OPTION]... -- PROGRAM [ARG]...\n"
		"       rdv-trace live --attach PID [OPTION]...\n"
		"Record the rdv:* LTTng events (librdv's rendez-vous states) of a program.\n\n"
		"  record   run PROGRAM and trace it from its start; exits with its status\n"
		"  attach   trace the running process PID until --duration ends, Ctrl-C or\n"
		"           its exit (it must have loaded librdv with tracing, the default)\n"
		"  live     like record, streamed live to lttng-relayd (--relay, default %s)\n"
		"           for a live viewer, e.g. babeltrace2 --input-format=lttng-live;\n"
		"           with --view, opens rdv-view on it (and starts an lttng-relayd\n"
		"           on loopback when none answers)\n\n"
		"Options:\n"
		"  -o, --output DIR     trace directory (default ./rdv-trace-NAME-DATE); must\n"
		"                       be new or empty\n"
		"  -n, --name NAME      LTTng session name (default rdv-trace-PROGRAM-PID)\n"
		"      --relay URL      stream to lttng-relayd at URL instead of a local\n"
		"                       directory: net://HOST[:CONTROL_PORT:DATA_PORT]\n"
		"  -d, --duration S     attach: stop after S seconds\n"
		"      --subbuf-size N  channel sub-buffer size, bytes, K or M suffix, power\n"
		"                       of two (default 4M)\n"
		"      --num-subbuf N   sub-buffers per CPU, power of two (default 8)\n"
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
		"  -h, --help           this text\n\n"
		"The session records only the traced process (vpid tracker), with the vpid,\n"
		"vtid and procname contexts, in per-UID buffers. After recording it prints\n"
		"the trace path and one line: events, discarded events, threads.\n"
		"Read the trace with babeltrace2 DIR (or rdv-analyze DIR).\n",
		DEFAULT_LIVE_URL, DEFAULT_LIVE_PORT, DEFAULT_LIVE_URL);
}

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fputs("rdv-trace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (child_pid > 0) {
		kill(child_pid, SIGKILL);
		waitpid(child_pid, NULL, 0);
	}
	if (viewer_pid > 0) {
		kill(viewer_pid, SIGTERM);
		waitpid(viewer_pid, NULL, 0);
	}
	if (active_session) {
		trace_session_destroy(active_session);
		trace_sessiond_release(active_session);
	}
	stop_own_relay();
	if (created_output) {
		char ust[PATH_MAX + 8];

		/* only if empty (LTTng makes ust/ when the session starts) */
		snprintf(ust, sizeof(ust), "%s/ust", created_output);
		rmdir(ust);
		rmdir(created_output);
	}
	exit(1);
}

static uint64_t parse_size(const char *opt, const char *arg)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (*end == 'k' || *end == 'K') {
		v <<= 10, end++;
	} else if (*end == 'm' || *end == 'M') {
		v <<= 20, end++;
	}
	if (errno || end == arg || *end || v == 0 || (v & (v - 1)) || v > (1ull << 32)) {
		die("invalid %s '%s': expected a power of two", opt, arg);
	}
	return v;
}

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"name", required_argument, NULL, 'n'},
	    {"relay", required_argument, NULL, 'R'},
	    {"duration", required_argument, NULL, 'd'},
	    {"subbuf-size", required_argument, NULL, 'S'},
	    {"num-subbuf", required_argument, NULL, 'N'},
	    {"live-port", required_argument, NULL, 'L'},
	    {"no-autostart", no_argument, NULL, 'A'},
	    {"view", no_argument, NULL, 'V'},
	    {"attach", required_argument, NULL, 'P'},
	    {"save", required_argument, NULL, 'O'},
	    {"view-opt", required_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *env = getenv("RDV_TRACE_AUTOSTART");
	char *end;
	int c;

	if (argc < 2) {
		die("missing command: record, attach or live (see --help)");
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		exit(0);
	}
	if (strcmp(argv[1], "record") == 0) {
		o->cmd = CMD_RECORD;
	} else if (strcmp(argv[1], "attach") == 0) {
		o->cmd = CMD_ATTACH;
	} else if (strcmp(argv[1], "live") == 0) {
		o->cmd = CMD_LIVE;
	} else {
		die("unknown command '%s' (expected record, attach or live; see --help)", argv[1]);
	}
	o->subbuf_size = DEFAULT_SUBBUF_SIZE;
	o->num_subbuf = DEFAULT_NUM_SUBBUF;
	o->autostart = !(env && strcmp(env, "0") == 0);
	o->live_port = DEFAULT_LIVE_PORT;
	argc--, argv++;
	opterr = 0; /* one line of our own instead of getopt's two */
	/* record, live: "+" stops at the program name (its options are its
	 * own); attach takes options before or after the PID. */
	while ((c = getopt_long(argc, argv, o->cmd == CMD_ATTACH ? "o:n:d:h" : "+o:n:d:h", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'o':
			o->output = optarg;
			break;
		case 'n':
			o->name = optarg;
			break;
		case 'R':
			o->relay = optarg;
			break;
		case 'd':
			errno = 0;
			o->duration = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o->duration > 0)) {
				die("invalid --duration '%s': expected seconds > 0", optarg);
			}
			break;
		case 'S':
			o->subbuf_size = parse_size("--subbuf-size", optarg);
			break;
		case 'N':
			o->num_subbuf = parse_size("--num-subbuf", optarg);
			break;
		case 'L':
			o->live_port = (unsigned)strtoul(optarg, &end, 10);
			if (*end || o->live_port == 0 || o->live_port > 65535) {
				die("invalid --live-port '%s'", optarg);
			}
			break;
		case 'A':
			o->autostart = false;
			break;
		case 'V':
			o->view = true;
			break;
		case 'O':
			o->save = optarg;
			break;
		case 'v': {
			char **nv = realloc(o->view_opts, (o->nview_opts + 1) * sizeof(*nv));

			if (!nv) {
				die("out of memory");
			}
			o->view_opts = nv;
			o->view_opts[o->nview_opts++] = optarg;
			break;
		}
		case 'P': {
			long pid;

			errno = 0;
			pid = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || pid <= 0 || pid > INT_MAX) {
				die("live --attach: invalid PID '%s'", optarg);
			}
			o->pid = (pid_t)pid;
			break;
		}
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr,
				"rdv-trace: unknown option or missing value '%s' (see --help)\n",
				argv[optind - 1]);
			exit(2);
		}
	}
	if (o->cmd == CMD_ATTACH) {
		long pid;

		if (optind >= argc) {
			die("attach: missing PID (see --help)");
		}
		errno = 0;
		pid = strtol(argv[optind], &end, 10);
		if (errno || end == argv[optind] || *end || pid <= 0 || pid > INT_MAX) {
			die("attach: invalid PID '%s'", argv[optind]);
		}
		o->pid = (pid_t)pid;
		if (optind + 1 < argc) {
			die("attach: unexpected argument '%s'", argv[optind + 1]);
		}
	} else if (o->cmd == CMD_LIVE && o->pid) {
		if (optind < argc) {
			die("live --attach: unexpected argument '%s' (no PROGRAM with --attach)",
			    argv[optind]);
		}
	} else {
		if (optind >= argc) {
			die("%s: missing program to run (rdv-trace %s [OPTION]... -- PROGRAM "
			    "[ARG]...)",
			    o->cmd == CMD_LIVE ? "live" : "record",
			    o->cmd == CMD_LIVE ? "live" : "record");
		}
		o->argv = &argv[optind];
		if (o->duration > 0) {
			die("--duration is for attach only");
		}
	}
	if (o->cmd != CMD_LIVE &&
	    (o->view || o->save || o->nview_opts || (o->pid && o->cmd != CMD_ATTACH))) {
		die("--view, --save, --view-opt and --attach are for live only");
	}
	if (o->save && o->relay) {
		die("--save and --relay are exclusive: --save starts a relay of our own that "
		    "writes the trace there");
	}
	if (o->nview_opts && !o->view) {
		die("--view-opt needs --view");
	}
	if (o->cmd == CMD_LIVE && !o->relay && !o->view && !o->save) {
		o->relay = DEFAULT_LIVE_URL;
	}
	if (o->relay && o->output) {
		die("-o and --relay are exclusive: with --relay the trace is written by the relay "
		    "daemon");
	}
}

/* The program's path as execvp() would find it; dies when there is none. */
static char *resolve_program(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];
	int err = ENOENT;

	if (strchr(prog, '/')) {
		if (access(prog, X_OK) == 0) {
			struct stat st;

			if (stat(prog, &st) == 0 && S_ISDIR(st.st_mode)) {
				die("cannot run '%s': Is a directory", prog);
			}
			return strdup(prog);
		}
		die("cannot run '%s': %s", prog, strerror(errno));
	}
	if (!path) {
		path = "/usr/local/bin:/usr/bin:/bin";
	}
	while (*path) {
		const char *colon = strchr(path, ':');
		size_t len = colon ? (size_t)(colon - path) : strlen(path);
		struct stat st;

		if ((size_t)snprintf(buf, sizeof(buf), "%.*s/%s", (int)(len ? len : 1),
				     len ? path : ".", prog) < sizeof(buf)) {
			if (access(buf, X_OK) == 0 && stat(buf, &st) == 0 && S_ISREG(st.st_mode)) {
				return strdup(buf);
			}
			if (errno == EACCES) {
				err = EACCES;
			}
		}
		if (!colon) {
			break;
		}
		path = colon + 1;
	}
	die("cannot run '%s': %s", prog, err == ENOENT ? "command not found" : strerror(err));
}

static int mkdir_p(const char *dir)
{
	char buf[PATH_MAX];
	char *p;

	if ((size_t)snprintf(buf, sizeof(buf), "%s", dir) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			if (mkdir(buf, 0775) < 0 && errno != EEXIST) {
				return -1;
			}
			*p = '/';
		}
	}
	return mkdir(buf, 0775) < 0 && errno != EEXIST ? -1 : 0;
}

/* Creates the output directory (new or empty), checks it is writable (by
 * writing: access() says yes to root on a read-only file system) and
 * returns its absolute path, which LTTng requires. */
static char *prepare_output(const char *dir)
{
	char probe[PATH_MAX + 32];
	struct stat st;
	bool existed = stat(dir, &st) == 0;
	char *abs;
	int fd;

	if (mkdir_p(dir) < 0) {
		die("cannot create output directory '%s': %s", dir, strerror(errno));
	}
	abs = realpath(dir, NULL);
	if (!abs) {
		die("cannot use output directory '%s': %s", dir, strerror(errno));
	}
	if (!existed) {
		created_output = strdup(abs);
	}
	snprintf(probe, sizeof(probe), "%s/.rdv-trace-XXXXXX", abs);
	fd = mkstemp(probe);
	if (fd < 0) {
		die("cannot write to output directory '%s': %s", dir, strerror(errno));
	}
	close(fd);
	unlink(probe);
	/* An old trace in it would be mixed with the new one. */
	snprintf(probe, sizeof(probe), "%s/ust", abs);
	if (stat(probe, &st) == 0) {
		die("cannot write the trace to '%s': it already holds a trace (choose a new "
		    "directory)",
		    dir);
	}
	return abs;
}

static void on_signal(int sig, siginfo_t *info, void *ctx)
{
	(void)ctx;
	got_signal = sig;
	/* The terminal already sent its Ctrl-C to the whole foreground group,
	 * child included (si_code SI_KERNEL); forward only signals sent to us
	 * alone (kill, a supervisor). */
	if (child_pid > 0 && info->si_code != SI_KERNEL) {
		kill(child_pid, sig);
	}
}

static void install_signal_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static void default_output(char *buf, size_t len, const char *name)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	snprintf(buf, len, "rdv-trace-%s-%04d%02d%02d-%02d%02d%02d", name, tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void session_name(struct trace_session *s, const struct options *o, const char *what)
{
	if (o->name) {
		if (strlen(o->name) >= sizeof(s->name) || strchr(o->name, '/') || !o->name[0]) {
			die("invalid session name '%s'", o->name);
		}
		snprintf(s->name, sizeof(s->name), "%s", o->name);
	} else {
		snprintf(s->name, sizeof(s->name), "rdv-trace-%.60s-%d", what, (int)getpid());
	}
}

/* Stops and destroys the session, prints the trace path and the summary.
 * Returns 0, or -1 when the trace is unusable or (attach) empty. */
static int finish(struct trace_session *s, const struct options *o, const char *out_dir)
{
	struct trace_summary sum;
	uint64_t discarded = 0;
	char err[512];
	int ret = 0;

	if (trace_session_stop(s, &discarded) < 0 || trace_session_destroy(s) < 0) {
		fprintf(stderr, "rdv-trace: %s\n", s->error);
		trace_session_destroy(s);
		trace_sessiond_release(s);
		return -1;
	}
	trace_sessiond_release(s);
	if (o->relay) {
		char host[256] = "HOST";

		gethostname(host, sizeof(host));
		fprintf(stderr,
			"rdv-trace: trace streamed to %s: on the relay host, under its output "
			"directory, %s/%s-DATE\n"
			"rdv-trace: %llu events discarded (channel %s: %llu x %llu KiB per CPU, "
			"per-UID buffers)\n",
			o->relay, host, s->name, (unsigned long long)discarded, TRACE_CHANNEL,
			(unsigned long long)o->num_subbuf,
			(unsigned long long)(o->subbuf_size >> 10));
		return 0;
	}
	if (trace_summary_read(out_dir, &sum, err, sizeof(err)) < 0) {
		fprintf(stderr, "rdv-trace: cannot read the trace in '%s': %s\n", out_dir, err);
		return -1;
	}
	/* The trace's own count (packet contexts) and the channel's should
	 * agree; report the larger, never hide a loss. */
	if (discarded > sum.discarded) {
		sum.discarded = discarded;
	}
	if (o->cmd == CMD_ATTACH && sum.events == 0) {
		fprintf(
		    stderr,
		    "rdv-trace: no rdv events from PID %d: it does not use librdv, or runs with "
		    "RDV_TRACEPOINTS=0, or made no rdv call while attached\n",
		    (int)o->pid);
		if (created_output) {
			rmdir(created_output); /* only if empty */
		}
		return -1;
	}
	fprintf(stderr, "rdv-trace: trace: %s\n", out_dir);
	fprintf(stderr,
		"rdv-trace: %llu events, %llu discarded, %llu threads in %llu process%s, %llu "
		"isolations granted (channel %s: %llu x %llu KiB per CPU, per-UID buffers)\n",
		(unsigned long long)sum.events, (unsigned long long)sum.discarded,
		(unsigned long long)sum.threads, (unsigned long long)sum.processes,
		sum.processes == 1 ? "" : "es", (unsigned long long)sum.grants, TRACE_CHANNEL,
		(unsigned long long)o->num_subbuf, (unsigned long long)(o->subbuf_size >> 10));
	if (sum.events == 0) {
		fprintf(stderr,
			"rdv-trace: warning: no rdv events: the program does not use librdv, "
			"or runs with RDV_TRACEPOINTS=0\n");
	}
	if (sum.discarded) {
		fprintf(stderr,
			"rdv-trace: warning: %llu events were lost: use a larger channel "
			"(--subbuf-size, --num-subbuf)\n",
			(unsigned long long)sum.discarded);
	}
	return ret;
}

static void ensure_sessiond(struct trace_session *s, const struct options *o)
{
	active_session = s; /* to stop a daemon we start, should a step fail */
	if (trace_sessiond_ensure(s, o->autostart) < 0) {
		die("%s", s->error);
	}
}

static void setup_session(struct trace_session *s, const struct options *o, const char *out)
{
	s->output_dir = out;
	s->relay_url = o->relay;
	s->live = o->cmd == CMD_LIVE;
	s->subbuf_size = o->subbuf_size;
	s->num_subbuf = o->num_subbuf;
	active_session = s;
	if (trace_session_create(s) < 0) {
		die("%s", s->error);
	}
}

/* ---- live --view: our own relay, the viewer ------------------------------ */

/* Does something accept TCP connections on 127.0.0.1:port? */
static bool port_answers(unsigned port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0) {
		return false;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

static int remove_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

static void stop_own_relay(void)
{
	if (relay_pid > 0) {
		kill(relay_pid, SIGTERM);
		waitpid(relay_pid, NULL, 0);
		relay_pid = 0;
	}
	if (relay_out_temp && relay_out[0]) {
		nftw(relay_out, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
		relay_out[0] = '\0';
	}
}

/* live --view or --save without --relay: the relay at the default ports if
 * one answers (not with --save: its output directory is not ours), else
 * an lttng-relayd of our own on free loopback ports, in its own process
 * group (a Ctrl-C must not take it away before the session is destroyed). */
static void prepare_relay(struct options *o)
{
	char ctrl[48], data[48], live[48];

	if (!o->save && port_answers(5342) && port_answers(DEFAULT_LIVE_PORT)) {
		o->relay = DEFAULT_LIVE_URL;
		o->live_port = DEFAULT_LIVE_PORT;
		return;
	}
	if (o->save) {
		char *abs = prepare_output(o->save);

		snprintf(relay_out, sizeof(relay_out), "%s", abs);
		free(abs);
	} else {
		const char *tmp = getenv("TMPDIR");

		snprintf(relay_out, sizeof(relay_out), "%s/rdv-trace-relay-XXXXXX",
			 tmp && tmp[0] ? tmp : "/tmp");
		if (!mkdtemp(relay_out)) {
			relay_out[0] = '\0';
			die("cannot create a directory for the relay: %s", strerror(errno));
		}
		relay_out_temp = true;
	}
	for (unsigned attempt = 0; attempt < 8; attempt++) {
		unsigned base =
		    20000 + (unsigned)((getpid() * 7919u + attempt * 3571u + (unsigned)time(NULL)) %
				       30000u);
		pid_t pid;

		snprintf(ctrl, sizeof(ctrl), "tcp://127.0.0.1:%u", base);
		snprintf(data, sizeof(data), "tcp://127.0.0.1:%u", base + 1);
		snprintf(live, sizeof(live), "tcp://127.0.0.1:%u", base + 2);
		if (port_answers(base) || port_answers(base + 1) || port_answers(base + 2)) {
			continue;
		}
		pid = fork();
		if (pid < 0) {
			die("cannot fork: %s", strerror(errno));
		}
		if (pid == 0) {
			int null = open("/dev/null", O_RDWR);

			setpgid(0, 0);
			if (null >= 0) {
				dup2(null, 0);
				dup2(null, 1);
				dup2(null, 2);
			}
			signal(SIGPIPE, SIG_DFL);
			execlp("lttng-relayd", "lttng-relayd", "-C", ctrl, "-D", data, "-L", live,
			       "-o", relay_out, (char *)NULL);
			_exit(127);
		}
		relay_pid = pid;
		for (int i = 0; i < 100; i++) {
			struct timespec tick = {0, 50000000};

			if (waitpid(pid, NULL, WNOHANG) == pid) {
				relay_pid = 0;
				break;
			}
			if (port_answers(base) && port_answers(base + 2)) {
				snprintf(own_relay_url, sizeof(own_relay_url),
					 "net://127.0.0.1:%u:%u", base, base + 1);
				o->relay = own_relay_url;
				o->live_port = base + 2;
				fprintf(stderr,
					"rdv-trace: started lttng-relayd (PID %d) on 127.0.0.1 "
					"ports %u-%u, writing to %s\n",
					(int)pid, base, base + 2, relay_out);
				return;
			}
			nanosleep(&tick, NULL);
		}
		if (relay_pid) {
			kill(relay_pid, SIGTERM);
			waitpid(relay_pid, NULL, 0);
			relay_pid = 0;
		}
	}
	die("cannot start lttng-relayd on loopback (is lttng-tools installed? is lttng-relayd "
	    "in PATH?)");
}

/* The viewer URL of a live session. */
static void live_url(const struct options *o, const struct trace_session *s, char *buf, size_t len)
{
	char host[256] = "HOST";
	const char *h = strstr(o->relay, "://");

	gethostname(host, sizeof(host));
	h = h ? h + 3 : o->relay;
	snprintf(buf, len, "net://%.*s:%u/host/%s/%s", (int)strcspn(h, ":/"), h, o->live_port, host,
		 s->name);
}

/* rdv-view --live URL --pid PID: the one next to this program, else the
 * one in PATH. */
static void spawn_viewer(const struct options *o, const struct trace_session *s, pid_t traced)
{
	char url[700], exe[PATH_MAX], pidbuf[32];
	const char *path = "rdv-view";
	char **argv = calloc(o->nview_opts + 6, sizeof(*argv));
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 16);
	size_t k = 0;
	pid_t pid;

	if (!argv) {
		die("out of memory");
	}
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			strcpy(slash + 1, "rdv-view");
			if (access(exe, X_OK) == 0) {
				path = exe;
			}
		}
	}
	live_url(o, s, url, sizeof(url));
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)traced);
	argv[k++] = (char *)path;
	argv[k++] = "--live";
	argv[k++] = url;
	argv[k++] = "--pid";
	argv[k++] = pidbuf;
	for (size_t i = 0; i < o->nview_opts; i++) {
		argv[k++] = o->view_opts[i];
	}
	argv[k] = NULL;
	pid = fork();
	if (pid < 0) {
		die("cannot fork: %s", strerror(errno));
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		execvp(path, argv);
		fprintf(stderr, "rdv-trace: cannot run rdv-view: %s\n", strerror(errno));
		_exit(127);
	}
	free(argv);
	viewer_pid = pid;
}

/* After the session: waits for the viewer to be closed, stops our relay. */
static void end_live_view(const struct options *o)
{
	if (viewer_pid > 0) {
		fprintf(stderr, "rdv-trace: session over; close the viewer to finish\n");
		while (waitpid(viewer_pid, NULL, 0) < 0 && errno == EINTR) {
		}
		viewer_pid = 0;
	}
	stop_own_relay();
	if (o->save) {
		fprintf(stderr, "rdv-trace: trace saved in %s (open it with rdv-view %s)\n",
			o->save, o->save);
	}
}

/* record and live: fork the program held at a pipe, track its pid, start,
 * then let it exec, so its first event is recorded. */
static int cmd_record(const struct options *o)
{
	struct trace_session s = {0};
	char out_buf[PATH_MAX], *out = NULL;
	char *prog = resolve_program(o->argv[0]);
	int go[2], exec_err[2], status, err = 0;
	pid_t pid;
	ssize_t n;

	session_name(&s, o, base_name(o->argv[0]));
	if (!o->relay) {
		if (!o->output) {
			default_output(out_buf, sizeof(out_buf), base_name(o->argv[0]));
		}
		out = prepare_output(o->output ? o->output : out_buf);
	}
	ensure_sessiond(&s, o);
	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(exec_err, O_CLOEXEC) < 0) {
		die("cannot create a pipe: %s", strerror(errno));
	}
	install_signal_handlers();
	pid = fork();
	if (pid < 0) {
		die("cannot fork: %s", strerror(errno));
	}
	if (pid == 0) {
		char byte;

		close(go[1]);
		close(exec_err[0]);
		signal(SIGPIPE, SIG_DFL);
		if (read(go[0], &byte, 1) != 1) {
			_exit(127); /* rdv-trace gave up */
		}
		execv(prog, o->argv);
		err = errno;
		if (write(exec_err[1], &err, sizeof(err)) < 0) {
			_exit(127);
		}
		_exit(127);
	}
	child_pid = pid;
	close(go[0]);
	close(exec_err[1]);
	s.track_vpid = pid;
	setup_session(&s, o, out);
	if (trace_session_start(&s) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		die("%s", s.error);
	}
	if (o->cmd == CMD_LIVE) {
		char url[700];

		live_url(o, &s, url, sizeof(url));
		fprintf(stderr,
			"rdv-trace: live session %s: view with babeltrace2 "
			"--input-format=lttng-live %s\n",
			s.name, url);
		if (o->view) {
			spawn_viewer(o, &s, pid);
		}
	}
	if (write(go[1], "g", 1) != 1) {
		err = errno;
	}
	close(go[1]);
	n = read(exec_err[0], &err, sizeof(err)); /* EOF: exec succeeded */
	close(exec_err[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	child_pid = 0;
	if (n > 0) {
		char why[600];

		snprintf(why, sizeof(why), "cannot run '%s': %s", o->argv[0], strerror(err));
		die("%s", why);
	}
	if (finish(&s, o, out) < 0) {
		end_live_view(o);
		free(out);
		free(prog);
		return 1;
	}
	end_live_view(o);
	free(out);
	free(prog);
	if (WIFSIGNALED(status)) {
		return 128 + WTERMSIG(status);
	}
	return WEXITSTATUS(status);
}

/* Is pid still running (not gone, not a zombie)? */
static bool process_alive(pid_t pid)
{
	char path[64], buf[512];
	const char *paren;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f) {
		return false;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
}

static int cmd_attach(const struct options *o)
{
	struct trace_session s = {0};
	char what[32], out_buf[PATH_MAX], *out = NULL;
	struct timespec start, now;
	int ret;

	if (!process_alive(o->pid)) {
		die("cannot attach to PID %d: no such process", (int)o->pid);
	}
	snprintf(what, sizeof(what), "pid%d", (int)o->pid);
	session_name(&s, o, what);
	if (!o->relay) {
		if (!o->output) {
			default_output(out_buf, sizeof(out_buf), what);
		}
		out = prepare_output(o->output ? o->output : out_buf);
	}
	ensure_sessiond(&s, o);
	install_signal_handlers();
	s.track_vpid = o->pid;
	setup_session(&s, o, out);
	if (trace_session_start(&s) < 0) {
		die("%s", s.error);
	}
	fprintf(stderr, "rdv-trace: attached to PID %d (session %s); Ctrl-C to stop\n", (int)o->pid,
		s.name);
	if (o->cmd == CMD_LIVE) {
		char url[700];

		live_url(o, &s, url, sizeof(url));
		fprintf(stderr,
			"rdv-trace: live session %s: view with babeltrace2 "
			"--input-format=lttng-live %s\n",
			s.name, url);
		if (o->view) {
			spawn_viewer(o, &s, o->pid);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!got_signal && process_alive(o->pid)) {
		/* live --attach --view: closing the viewer detaches */
		if (viewer_pid > 0 && waitpid(viewer_pid, NULL, WNOHANG) == viewer_pid) {
			viewer_pid = 0;
			break;
		}
		struct timespec tick = {0, 50000000};

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (o->duration > 0 && (double)(now.tv_sec - start.tv_sec) +
					       (double)(now.tv_nsec - start.tv_nsec) / 1e9 >=
					   o->duration) {
			break;
		}
		nanosleep(&tick, NULL);
	}
	ret = finish(&s, o, out) < 0 ? 1 : 0;
	end_live_view(o);
	free(out);
	return ret;
}

int main(int argc, char **argv)
{
	struct options o = {0};

	parse_options(argc, argv, &o);
	/* A session daemon that goes away must give an error, not kill us
	 * (liblttng-ctl writes to its socket); the program gets SIG_DFL back
	 * before exec. */
	signal(SIGPIPE, SIG_IGN);
	if (o.cmd == CMD_LIVE && o.pid && !process_alive(o.pid)) {
		die("cannot attach to PID %d: no such process", (int)o.pid);
	}
	if (o.cmd == CMD_LIVE && !o.relay) {
		prepare_relay(&o);
	}
	if (o.cmd == CMD_ATTACH || (o.cmd == CMD_LIVE && o.pid)) {
		return cmd_attach(&o);
	}
	return cmd_record(&o);
}
