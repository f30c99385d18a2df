/* SPDX-License-Identifier: MIT */
/*
 * record (and live with a PROGRAM): start the program held before its exec,
 * follow it and its descendants, track it, start the session, let it exec,
 * wait for every followed process; attach (and live --attach): track a
 * running process. Both end with the same report. Every check that can
 * fail on the user's input runs before the first thing is started.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rdv-trace.h"
#include "summary.h"

/* ---- checks ---------------------------------------------------------- */

/* The program's path as execv() will run it, or NULL (said why). */
static char *resolve_program(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];
	struct stat st;
	int err = ENOENT;

	if (strchr(prog, '/')) {
		if (stat(prog, &st) < 0) {
			trace_error("cannot run '%s': %s", prog, strerror(errno));
			return NULL;
		}
		if (S_ISDIR(st.st_mode)) {
			trace_error("cannot run '%s': Is a directory", prog);
			return NULL;
		}
		if (access(prog, X_OK) < 0) {
			trace_error("cannot run '%s': %s", prog, strerror(errno));
			return NULL;
		}
		return strdup(prog);
	}
	while (path && *path) {
		const char *colon = strchr(path, ':');
		size_t dirlen = colon ? (size_t)(colon - path) : strlen(path);

		if ((size_t)snprintf(buf, sizeof(buf), "%.*s/%s", dirlen ? (int)dirlen : 1,
				     dirlen ? path : ".", prog) < sizeof(buf)) {
			if (access(buf, X_OK) == 0 && stat(buf, &st) == 0 && !S_ISDIR(st.st_mode)) {
				return strdup(buf);
			}
			if (errno == EACCES) {
				err = EACCES;
			}
		}
		path = colon ? colon + 1 : NULL;
	}
	trace_error("cannot run '%s': %s", prog,
		    err == EACCES ? strerror(EACCES) : "command not found");
	return NULL;
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

/* The process a thread id belongs to (its Tgid), or 0 when unknown. */
static pid_t thread_group(pid_t tid)
{
	char path[64], line[256];
	long tgid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	f = fopen(path, "r");
	if (!f) {
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Tgid: %ld", &tgid) == 1) {
			break;
		}
	}
	fclose(f);
	return (pid_t)tgid;
}

static bool name_starts(const char *path, const char *prefix)
{
	const char *slash = strrchr(path, '/');

	return strncmp(slash ? slash + 1 : path, prefix, strlen(prefix)) == 0;
}

/* Attach: the process runs and has rdv's probes mapped (librdv loads
 * librdv-tp.so at start), said at once rather than after a session that
 * records nothing. When its maps cannot be read (another user's process),
 * the session will tell. */
static int check_attach_target(pid_t pid)
{
	bool rdv = false, probes = false, ust = false;
	char path[64], line[PATH_MAX + 256];
	FILE *f;

	if (!process_alive(pid)) {
		return trace_error("cannot attach to PID %d: no such process", (int)pid);
	}
	/* A thread id (what top -H, rdv-analyze and rdv-view show as tid) also
	 * has a /proc entry, but the session tracks processes: say whose. */
	{
		pid_t tgid = thread_group(pid);

		if (tgid > 0 && tgid != pid) {
			return trace_error("cannot attach to PID %d: it is a thread of process %d "
					   "(attach to %d)",
					   (int)pid, (int)tgid, (int)tgid);
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "r");
	if (!f) {
		/* Another user's process (or a protected one): only a session
		 * daemon allowed to trace it records it; say so now rather
		 * than after a session that may record nothing. */
		fprintf(stderr,
			"rdv-trace: warning: cannot read %s (%s): cannot check that PID %d uses "
			"librdv; it is recorded only if it does and this session daemon may trace "
			"it (a process of another user: root's)\n",
			path, strerror(errno), (int)pid);
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		const char *file = strchr(line, '/');

		if (!file) {
			continue;
		}
		line[strcspn(line, "\n")] = '\0';
		rdv = rdv || name_starts(file, "librdv.so");
		probes = probes || name_starts(file, "librdv-tp.so");
		ust = ust || name_starts(file, "liblttng-ust.so");
	}
	fclose(f);
	if (probes || (rdv && ust)) {
		return 0; /* ust: a provider of its own, through RDV_TRACEPOINTS */
	}
	if (rdv) {
		return trace_error("no rdv events from PID %d: it loaded librdv without its trace "
				   "provider (RDV_TRACEPOINTS=0, or LTTng-UST missing)",
				   (int)pid);
	}
	return trace_error("no rdv events from PID %d: it does not use librdv (no librdv.so in "
			   "/proc/%d/maps)",
			   (int)pid, (int)pid);
}

/* ---- the output directory ------------------------------------------------ */

static int mkdir_p(const char *dir)
{
	char buf[PATH_MAX];
	char *p;

	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf)) {
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

/* Creates the output directory (new, or without a trace), checks that it
 * is writable (by writing: access() says yes to root on a read-only file
 * system), keeps its absolute path (LTTng requires one) in the context. */
static int prepare_output(struct trace_ctx *ctx, const char *dir)
{
	char probe[PATH_MAX + 32];
	struct stat st;
	bool existed = stat(dir, &st) == 0;
	int fd;

	if (existed && !S_ISDIR(st.st_mode)) {
		return trace_error("cannot use output directory '%s': %s", dir, strerror(ENOTDIR));
	}
	if (mkdir_p(dir) < 0) {
		return trace_error("cannot create output directory '%s': %s", dir, strerror(errno));
	}
	ctx->output_created = !existed;
	ctx->output_dir = realpath(dir, NULL);
	if (!ctx->output_dir) {
		return trace_error("cannot use output directory '%s': %s", dir, strerror(errno));
	}
	snprintf(probe, sizeof(probe), "%s/.rdv-trace-XXXXXX", ctx->output_dir);
	fd = mkstemp(probe);
	if (fd < 0) {
		return trace_error("cannot write to output directory '%s': %s", dir,
				   strerror(errno));
	}
	close(fd);
	unlink(probe);
	/* An old trace in it would be mixed with the new one. */
	snprintf(probe, sizeof(probe), "%s/ust", ctx->output_dir);
	if (stat(probe, &st) == 0) {
		return trace_error("cannot write the trace to '%s': it already holds a trace "
				   "(choose a new directory)",
				   dir);
	}
	return 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static void default_output(char *buf, size_t len, const char *what)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	snprintf(buf, len, "rdv-trace-%s-%04d%02d%02d-%02d%02d%02d", what, tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Where the trace goes: -o DIR or a default local directory; --save DIR
 * (our own relay writes there); nothing with --relay. */
static int choose_output(struct trace_ctx *ctx, const char *what)
{
	char buf[PATH_MAX];

	if (ctx->opt.save) {
		return prepare_output(ctx, ctx->opt.save);
	}
	if (ctx->opt.relay || ctx->opt.cmd == TRACE_CMD_LIVE) {
		return 0;
	}
	if (ctx->opt.output) {
		return prepare_output(ctx, ctx->opt.output);
	}
	default_output(buf, sizeof(buf), what);
	return prepare_output(ctx, buf);
}

/* ---- session --------------------------------------------------------- */

static void on_other_exit(void *arg, pid_t pid, int status)
{
	struct trace_ctx *ctx = arg;

	(void)status;
	if (pid == ctx->viewer_pid) {
		ctx->viewer_pid = 0;
	} else if (pid == ctx->relay.pid) {
		ctx->relay.pid = 0;
	} else if (pid == ctx->session.sessiond_pid) {
		ctx->session.sessiond_pid = 0;
	}
}

/* The session daemon, the session (tracking pid), then live's URL; before
 * the program runs. */
static int open_session(struct trace_ctx *ctx, const char *what, pid_t pid)
{
	struct trace_session *s = &ctx->session;

	if (ctx->opt.name) {
		snprintf(s->name, sizeof(s->name), "%s", ctx->opt.name);
	} else {
		snprintf(s->name, sizeof(s->name), "rdv-trace-%.60s-%d", what, (int)getpid());
	}
	s->output_dir = ctx->opt.save ? NULL : ctx->output_dir;
	s->relay_url = ctx->opt.relay;
	s->live = ctx->opt.cmd == TRACE_CMD_LIVE;
	s->subbuf_size = ctx->opt.subbuf_size;
	s->num_subbuf = ctx->opt.num_subbuf;
	s->track_vpid = pid;
	if (trace_session_create(s) < 0 || trace_session_start(s) < 0) {
		/* live with no relay named and none at the default ports: say
		 * how rdv-trace starts one of its own. */
		bool default_relay = ctx->opt.cmd == TRACE_CMD_LIVE && ctx->opt.relay &&
				     !strcmp(ctx->opt.relay, TRACE_DEFAULT_LIVE_URL) &&
				     strstr(s->error, "cannot reach the relay daemon");

		return trace_error("%s%s", s->error,
				   default_relay ? "; or let rdv-trace start one: live --view, or "
						   "live --save DIR"
						 : "");
	}
	return 0;
}

static int announce_live(struct trace_ctx *ctx, pid_t traced)
{
	char url[700];

	if (ctx->opt.cmd != TRACE_CMD_LIVE) {
		return 0;
	}
	trace_live_url(ctx, url, sizeof(url));
	fprintf(stderr,
		"rdv-trace: live session %s: view with babeltrace2 --input-format=lttng-live %s\n",
		ctx->session.name, url);
	return ctx->opt.view ? trace_viewer_spawn(ctx, traced) : 0;
}

/* Stops and destroys the session, then prints the trace path and the
 * summary. The discarded count is the trace's own (its packets, as
 * rdv-analyze reads them); LTTng's channel counter is a cross-check. Returns
 * 0, or -1 when the trace is unusable or holds no rdv event from an
 * attached process. */
static int report(struct trace_ctx *ctx)
{
	struct trace_session *s = &ctx->session;
	const struct trace_options *o = &ctx->opt;
	struct trace_summary sum;
	uint64_t counter = 0;
	char err[512];

	if (trace_session_stop(s, &counter) < 0 || trace_session_destroy(s) < 0) {
		return trace_error("%s", s->error);
	}
	trace_sessiond_release(s);
	if (ctx->follow.followed > 1) {
		fprintf(stderr,
			"rdv-trace: followed %llu processes (%s and the processes it started)\n",
			(unsigned long long)ctx->follow.followed, base_name(o->argv[0]));
	}
	if (o->relay && !o->save) {
		char host[256] = "HOST";

		gethostname(host, sizeof(host));
		fprintf(stderr,
			"rdv-trace: trace streamed to %s: on the relay host, under its output "
			"directory, %s/%s-DATE\n"
			"rdv-trace: LTTng's channel counter says %llu events discarded (channel "
			"%s: %llu x %llu KiB per CPU, per-UID buffers); the exact count is in the "
			"trace: rdv-analyze it on the relay host\n",
			o->relay, host, s->name, (unsigned long long)counter, TRACE_CHANNEL,
			(unsigned long long)o->num_subbuf,
			(unsigned long long)(o->subbuf_size >> 10));
		return 0;
	}
	ctx->output_keep = true; /* even unreadable: it is what LTTng wrote */
	if (trace_summary_read(ctx->output_dir, &sum, err, sizeof(err)) < 0) {
		return trace_error("cannot read the trace in '%s': %s", ctx->output_dir, err);
	}
	if (trace_options_attaching(o) && sum.events == 0) {
		ctx->output_keep = false; /* a statedump alone: nothing to keep */
		return trace_error("no rdv events from PID %d: it made no rdv call while attached, "
				   "or runs with RDV_TRACEPOINTS=0",
				   (int)o->pid);
	}
	fprintf(stderr, "rdv-trace: trace: %s\n", ctx->output_dir);
	fprintf(stderr,
		"rdv-trace: %llu events, %llu discarded, %llu threads in %llu process%s, %llu "
		"isolations granted (channel %s: %llu x %llu KiB per CPU, per-UID buffers)\n",
		(unsigned long long)sum.events, (unsigned long long)sum.discarded,
		(unsigned long long)sum.threads, (unsigned long long)sum.processes,
		sum.processes == 1 ? "" : "es", (unsigned long long)sum.grants, TRACE_CHANNEL,
		(unsigned long long)o->num_subbuf, (unsigned long long)(o->subbuf_size >> 10));
	if (sum.events == 0) {
		fprintf(stderr, "rdv-trace: warning: no rdv events: the program does not use "
				"librdv, or runs with RDV_TRACEPOINTS=0\n");
	}
	if (sum.discarded) {
		fprintf(stderr,
			"rdv-trace: warning: %llu events were lost: use a larger channel "
			"(--subbuf-size, --num-subbuf)\n",
			(unsigned long long)sum.discarded);
	}
	if (counter != sum.discarded) {
		fprintf(stderr,
			"rdv-trace: note: LTTng's channel counter says %llu discarded; the "
			"trace's packets, which rdv-analyze reads, say %llu\n",
			(unsigned long long)counter, (unsigned long long)sum.discarded);
	}
	return 0;
}

/* ---- record ------------------------------------------------------------- */

/*
 * LD_PRELOAD for the program: LTTng-UST's fork wrapper, so that a child a
 * librdv program forks registers as its own process (its own vpid) instead
 * of writing as its parent, and its dlopen wrapper, so that objects loaded
 * later are in the trace (lttng_ust_dl:*) for `caller` addresses. Both are
 * part of Debian's liblttng-ust1. Returns a new string, or NULL when
 * neither is installed (said once).
 */
static char *preload_value(void)
{
#ifdef RDV_LTTNG_UST_LIBDIR
	static const char *const libs[] = {"liblttng-ust-fork.so.1", "liblttng-ust-dl.so.1"};
	const char *old = getenv("LD_PRELOAD");
	size_t len = (old ? strlen(old) : 0) + 2;
	char *value, path[PATH_MAX];

	for (size_t i = 0; i < 2; i++) {
		len += strlen(RDV_LTTNG_UST_LIBDIR) + strlen(libs[i]) + 2;
	}
	value = calloc(1, len);
	if (!value) {
		return NULL;
	}
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", RDV_LTTNG_UST_LIBDIR, libs[i]);
		if (access(path, R_OK) < 0) {
			fprintf(stderr, "rdv-trace: warning: %s is missing: %s\n", path,
				i == 0 ? "the processes a librdv program forks are recorded "
					 "under its own pid"
				       : "objects loaded after start are not in the statedump");
			continue;
		}
		strcat(value[0] ? strcat(value, ":") : value, path);
	}
	if (old && old[0]) {
		strcat(value[0] ? strcat(value, ":") : value, old);
	}
	if (!value[0]) {
		free(value);
		return NULL;
	}
	return value;
#else
	return NULL;
#endif
}

/* The program: forked now, blocked on `go` until the session records it.
 * exec_err gets errno when its exec fails. */
struct program {
	int go[2], exec_err[2];
	char *path, *preload;
};

static pid_t fork_program(struct trace_ctx *ctx, struct program *p)
{
	pid_t pid;

	if (pipe2(p->go, O_CLOEXEC) < 0 || pipe2(p->exec_err, O_CLOEXEC) < 0) {
		trace_error("cannot create a pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		trace_error("cannot fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		char byte;
		int err;

		close(p->go[1]);
		close(p->exec_err[0]);
		signal(SIGPIPE, SIG_DFL);
		trace_signals_restore_in_child(ctx);
		if (read(p->go[0], &byte, 1) != 1) {
			_exit(127); /* rdv-trace gave up */
		}
		if (p->preload) {
			setenv("LD_PRELOAD", p->preload, 1);
		}
		execv(p->path, ctx->opt.argv);
		err = errno;
		if (write(p->exec_err[1], &err, sizeof(err)) < 0) {
			_exit(127);
		}
		_exit(127);
	}
	close(p->go[0]);
	close(p->exec_err[1]);
	p->go[0] = p->exec_err[1] = -1;
	fcntl(p->exec_err[0], F_SETFL, O_NONBLOCK);
	return pid;
}

static void close_program(struct program *p)
{
	for (int i = 0; i < 2; i++) {
		if (p->go[i] >= 0) {
			close(p->go[i]);
		}
		if (p->exec_err[i] >= 0) {
			close(p->exec_err[i]);
		}
	}
	free(p->path);
	free(p->preload);
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* After a stop signal, once the program is gone, how long the processes it
 * started get to finish (their last events are the end of the trace); a
 * second signal ends the wait. */
#define STOP_GRACE_S 3.0

/* "SIGINT" for SIGINT; "signal N" when the C library has no name. */
static const char *signal_name(int sig, char *buf, size_t len)
{
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev) {
		snprintf(buf, len, "SIG%s", abbrev);
	} else {
		snprintf(buf, len, "signal %d", sig);
	}
	return buf;
}

/* How long the program may take to exit after a stop signal before
 * rdv-trace says that it waits, and how a second signal ends the wait. */
#define STOP_HINT_S 2.0

/* Until every followed process has exited, or, after a stop signal, the
 * program and then the others within STOP_GRACE_S; a second stop signal
 * ends the wait at once, even while the program runs on (it ignores the
 * signal). The processes left are let go when rdv-trace exits. */
static void wait_followed(struct trace_ctx *ctx)
{
	struct trace_follow *f = &ctx->follow;
	struct timespec stop_at = {0, 0}, signal_at = {0, 0};
	bool said = false, stopping = false, signalled = false, hinted = false;
	char sig[32];

	for (;;) {
		struct pollfd pfd = {.fd = ctx->signal_fd, .events = POLLIN};

		trace_follow_reap(f, &ctx->session, on_other_exit, ctx);
		if (trace_follow_done(f)) {
			return;
		}
		if (ctx->stop_signal && !signalled) {
			clock_gettime(CLOCK_MONOTONIC, &signal_at);
			signalled = true;
		}
		if (!f->main_exited && ctx->stop_signals > 1) {
			fprintf(
			    stderr,
			    "rdv-trace: stopped recording at the second %s; %s (PID %d) and the "
			    "processes it started run on, no longer recorded\n",
			    signal_name(ctx->stop_signal, sig, sizeof(sig)),
			    base_name(ctx->opt.argv[0]), (int)f->main_pid);
			return;
		}
		if (!f->main_exited && signalled && !hinted &&
		    seconds_since(&signal_at) >= STOP_HINT_S) {
			fprintf(stderr,
				"rdv-trace: %s is still running after %s; waiting for it "
				"(Ctrl-C again: stop recording now and leave it running)\n",
				base_name(ctx->opt.argv[0]),
				signal_name(ctx->stop_signal, sig, sizeof(sig)));
			hinted = true;
		}
		if (f->main_exited && ctx->stop_signal) {
			if (!stopping) {
				clock_gettime(CLOCK_MONOTONIC, &stop_at);
				stopping = true;
				fprintf(stderr,
					"rdv-trace: waiting up to %.0f s for the %zu process%s %s "
					"started (Ctrl-C again: stop now)\n",
					STOP_GRACE_S, f->count, f->count == 1 ? "" : "es",
					base_name(ctx->opt.argv[0]));
			}
			if (ctx->stop_signals > 1 || seconds_since(&stop_at) >= STOP_GRACE_S) {
				return;
			}
		} else if (f->main_exited && !said) {
			fprintf(stderr,
				"rdv-trace: %s exited; waiting for the %zu process%s it started "
				"(Ctrl-C to stop)\n",
				base_name(ctx->opt.argv[0]), f->count, f->count == 1 ? "" : "es");
			said = true;
		}
		/* SIGCHLD wakes us; the timeout only guards a lost wake-up
		 * (and times the hint after a stop signal). */
		poll(&pfd, 1, stopping || (signalled && !hinted) ? 100 : 1000);
		trace_signals_drain(ctx);
	}
}

/* rdv-trace's exit status: the program's, 128+N after signal N, said in
 * one line when it is not 0 (the summary lines above would hide it); the
 * program still running (let go at a second stop signal): 128+N of that
 * signal, as a shell says of an interrupted command. */
static int program_status(const struct trace_ctx *ctx)
{
	const struct trace_follow *f = &ctx->follow;
	const char *what = base_name(ctx->opt.argv[0]);
	char sig[32];
	int st = f->main_status;

	if (!f->main_exited) {
		return 128 + ctx->stop_signal;
	}
	if (WIFSIGNALED(st)) {
		fprintf(stderr, "rdv-trace: %s was killed by %s (%s)%s; exit status %d\n", what,
			signal_name(WTERMSIG(st), sig, sizeof(sig)), strsignal(WTERMSIG(st)),
			WCOREDUMP(st) ? ", core dumped" : "", 128 + WTERMSIG(st));
		return 128 + WTERMSIG(st);
	}
	if (WEXITSTATUS(st) != 0) {
		fprintf(stderr, "rdv-trace: %s exited with status %d\n", what, WEXITSTATUS(st));
	}
	return WEXITSTATUS(st);
}

int trace_cmd_record(struct trace_ctx *ctx)
{
	struct program prog = {.go = {-1, -1}, .exec_err = {-1, -1}};
	const char *what = base_name(ctx->opt.argv[0]);
	int status = 1, err = 0, ret;
	pid_t pid;

	prog.path = resolve_program(ctx->opt.argv[0]);
	if (!prog.path || trace_viewer_check(ctx) < 0 || choose_output(ctx, what) < 0) {
		goto end;
	}
	if (ctx->opt.cmd == TRACE_CMD_LIVE && !ctx->opt.relay && trace_relay_prepare(ctx) < 0) {
		goto end;
	}
	if (trace_sessiond_ensure(&ctx->session, ctx->opt.autostart) < 0) {
		trace_error("%s", ctx->session.error);
		goto end;
	}
	prog.preload = preload_value();
	pid = fork_program(ctx, &prog);
	if (pid < 0) {
		goto end;
	}
	ret = trace_follow_start(&ctx->follow, pid, ctx->opt.follow);
	if (ret == -ENOMEM) {
		trace_error("out of memory");
		goto end;
	}
	if (ret < 0) {
		fprintf(stderr,
			"rdv-trace: warning: cannot follow the processes %s starts (ptrace: %s): "
			"recording %s's own process only\n",
			what, strerror(-ret), what);
	}
	if (open_session(ctx, what, pid) < 0 || announce_live(ctx, pid) < 0) {
		goto end;
	}
	if (write(prog.go[1], "g", 1) != 1) {
		trace_error("cannot start '%s': %s", ctx->opt.argv[0], strerror(errno));
		goto end;
	}
	ctx->program_started = true;
	wait_followed(ctx);
	if (read(prog.exec_err[0], &err, sizeof(err)) == (ssize_t)sizeof(err)) {
		trace_error("cannot run '%s': %s", ctx->opt.argv[0], strerror(err));
		goto end; /* the cleanup removes the session and the empty directory */
	}
	if (report(ctx) < 0) {
		goto end;
	}
	trace_viewer_wait(ctx);
	if (ctx->opt.save) {
		fprintf(stderr, "rdv-trace: trace saved in %s (open it with rdv-view %s)\n",
			ctx->opt.save, ctx->opt.save);
	}
	status = program_status(ctx);
end:
	close_program(&prog);
	return status;
}

/* ---- attach ------------------------------------------------------------- */

int trace_cmd_attach(struct trace_ctx *ctx)
{
	const struct trace_options *o = &ctx->opt;
	struct timespec start;
	char what[32];
	bool viewing;

	snprintf(what, sizeof(what), "pid%d", (int)o->pid);
	if (check_attach_target(o->pid) < 0 || trace_viewer_check(ctx) < 0 ||
	    choose_output(ctx, what) < 0) {
		return 1;
	}
	if (o->cmd == TRACE_CMD_LIVE && !o->relay && trace_relay_prepare(ctx) < 0) {
		return 1;
	}
	if (trace_sessiond_ensure(&ctx->session, o->autostart) < 0) {
		trace_error("%s", ctx->session.error);
		return 1;
	}
	if (open_session(ctx, what, o->pid) < 0) {
		return 1;
	}
	fprintf(stderr, "rdv-trace: attached to PID %d (session %s); Ctrl-C to stop\n", (int)o->pid,
		ctx->session.name);
	if (announce_live(ctx, o->pid) < 0) {
		return 1;
	}
	viewing = ctx->viewer_pid > 0;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!ctx->stop_signal && process_alive(o->pid)) {
		struct pollfd pfd = {.fd = ctx->signal_fd, .events = POLLIN};

		trace_follow_reap(&ctx->follow, &ctx->session, on_other_exit, ctx);
		if (viewing && ctx->viewer_pid == 0) {
			break; /* live --attach --view: closing the viewer detaches */
		}
		if (o->duration > 0 && seconds_since(&start) >= o->duration) {
			break;
		}
		poll(&pfd, 1, 50);
		trace_signals_drain(ctx);
	}
	if (report(ctx) < 0) {
		return 1;
	}
	trace_viewer_wait(ctx);
	if (o->save) {
		fprintf(stderr, "rdv-trace: trace saved in %s (open it with rdv-view %s)\n",
			o->save, o->save);
	}
	return 0;
}
