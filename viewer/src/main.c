/* SPDX-License-Identifier: MIT */
/*
 * rdv-view: the timeline GUI. One event loop shows what a frame source
 * provides: a timeline file (memory-mapped, opened before any window), a
 * trace directory analyzed in-process into a temporary timeline file (with a
 * progress bar), or the snapshots of a live session. --screenshot runs the
 * same loop on SDL's software renderer and a surface (no display needed),
 * saves the first complete frame and exits.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <SDL.h>
#include <SDL_image.h>

#include "input.h"
#include "model.h"
#include "render.h"
#include "view.h"

#ifdef RDV_VIEW_HAVE_ANALYSIS
#include "live.h"
#include "rdv-analyze.h"
#endif

#define PROG "rdv-view"
#ifndef RDV_VERSION_STRING
#define RDV_VERSION_STRING "unknown"
#endif

struct options {
	const char *input;
	const char *screenshot;
	int width, height;
	bool has_from, has_to, has_at;
	uint64_t from, to, at;
	long long select; /* -1: none, -2: worst */
	bool help_overlay;
	int hover_x, hover_y; /* -1: none */
	bool dump_view;
	/* --live */
	const char *live_url;
	double window_s;
	bool has_window;
	long live_pid;
	double live_dump_s;  /* 0: no dump lines */
	double exit_after_s; /* 0: until closed */
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " [OPTIONS] TRACE_DIR|FILE.timeline\n"
		"       " PROG " --live net://HOST[:PORT]/host/HOSTNAME/SESSION [OPTIONS]\n"
		"Shows the rdv thread states (running, harmless, idle, blocked, waiting,\n"
		"isolated) of a trace on a zoomable timeline, with the H/W/I masks at the\n"
		"cursor, the latency histograms and the table of isolations. A TRACE_DIR\n"
		"(what rdv-trace records) is analyzed first; a FILE.timeline (rdv-analyze\n"
		"--timeline) opens at once.\n"
		"\n"
		"Options:\n"
		"  --screenshot F.png  render one frame to F.png (no display needed) and exit\n"
		"  --size WxH          window or screenshot size (default 1280x800)\n"
		"  --from T --to T     visible time range, from the trace start\n"
		"  --at T              cursor time (the mask panel shows this instant)\n"
		"  --select N|worst    select isolation number N (in request order) or the\n"
		"                      one that waited longest; without --from/--to, zoom on it\n"
		"  --help-overlay      show the key help (screenshots)\n"
		"Live mode (an LTTng live session through lttng-relayd, e.g. what\n"
		"'rdv-trace live' prints; 'rdv-trace live --view' opens this for you):\n"
		"  --live URL          follow the session: the last --window seconds, updated\n"
		"                      4 times a second; Space pauses the view (reception\n"
		"                      goes on), - / + lengthen / shorten the window\n"
		"  --window S          rolling window, seconds (default 10, 0.1 to 600)\n"
		"  --pid PID           the traced process: say when it exits\n"
		"Test hooks:\n"
		"  --dump-view         after each frame that differs, print one line on stdout:\n"
		"                      the selected isolation, its requester, straggler and\n"
		"                      late threads, the lanes on screen\n"
		"  --hover X,Y         a pointer at X,Y (the tooltip, in screenshots)\n"
		"  --live-dump S       every S seconds print one line on stdout: the live\n"
		"                      state and what the shown model holds\n"
		"  --exit-after S      close the window after S seconds (with --screenshot\n"
		"                      F.png: save the last frame; SDL_VIDEODRIVER=offscreen\n"
		"                      needs no display)\n"
		"  -h, --help          this help\n"
		"  --version           the version\n"
		"Times T: a number and a unit, ns us ms s (no unit: seconds), e.g. 1.5ms.\n"
		"Keys: press ? in the window.\n");
}

/* A usage error: what is wrong, where to look, exit status 2. */
static int usage_error(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, PROG ": ");
	fprintf(stderr, fmt, a, b);
	fprintf(stderr, "\nTry '" PROG " --help'.\n");
	return -1;
}

static int parse_time(const char *s, uint64_t *out)
{
	char *end;
	double v;
	double mul = 1;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !(v >= 0)) {
		return -1;
	}
	if (!strcmp(end, "ns")) {
		mul = 1;
	} else if (!strcmp(end, "") || !strcmp(end, "s")) {
		mul = 1e9; /* no unit: seconds, as rdv-analyze's --from/--to */
	} else if (!strcmp(end, "us") || !strcmp(end, "µs")) {
		mul = 1e3;
	} else if (!strcmp(end, "ms")) {
		mul = 1e6;
	} else {
		return -1;
	}
	if (v * mul > 1.8e19) {
		return -1;
	}
	*out = (uint64_t)(v * mul);
	return 0;
}

/* Returns 0, 1 when the program is done (--help, --version), or -1 after a
 * usage error. */
static int parse_args(int argc, char **argv, struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->width = 1280;
	o->height = 800;
	o->select = -1;
	o->hover_x = o->hover_y = -1;
	o->window_s = 10;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_arg = i + 1 < argc;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 1;
		} else if (!strcmp(a, "--version")) {
			printf(PROG " (rdv) " RDV_VERSION_STRING "\n");
			return 1;
		} else if (!strcmp(a, "--screenshot") && has_arg) {
			o->screenshot = argv[++i];
		} else if (!strcmp(a, "--size") && has_arg) {
			char c;

			if (sscanf(argv[++i], "%dx%d%c", &o->width, &o->height, &c) != 2 ||
			    o->width < 320 || o->height < 240 || o->width > 8192 ||
			    o->height > 8192) {
				return usage_error(
				    "bad --size '%s'%s: want WxH, 320x240 to 8192x8192", argv[i],
				    "");
			}
		} else if ((!strcmp(a, "--from") || !strcmp(a, "--to") || !strcmp(a, "--at")) &&
			   has_arg) {
			uint64_t t;

			if (parse_time(argv[++i], &t) < 0) {
				return usage_error("bad time in %s '%s': want e.g. 1.5ms", a,
						   argv[i]);
			}
			if (a[2] == 'f') {
				o->from = t;
				o->has_from = true;
			} else if (a[3] == 'o') {
				o->to = t;
				o->has_to = true;
			} else {
				o->at = t;
				o->has_at = true;
			}
		} else if (!strcmp(a, "--select") && has_arg) {
			char *end;

			if (!strcmp(argv[++i], "worst")) {
				o->select = -2;
				continue;
			}
			errno = 0;
			o->select = strtoll(argv[i], &end, 10);
			if (errno || *end || end == argv[i] || o->select < 0) {
				return usage_error(
				    "bad --select '%s'%s: want an isolation number or "
				    "'worst'",
				    argv[i], "");
			}
		} else if (!strcmp(a, "--hover") && has_arg) {
			char c;

			if (sscanf(argv[++i], "%d,%d%c", &o->hover_x, &o->hover_y, &c) != 2 ||
			    o->hover_x < 0 || o->hover_y < 0) {
				return usage_error("bad --hover '%s'%s: want X,Y in pixels",
						   argv[i], "");
			}
		} else if (!strcmp(a, "--live") && has_arg) {
			o->live_url = argv[++i];
		} else if ((!strcmp(a, "--window") || !strcmp(a, "--live-dump") ||
			    !strcmp(a, "--exit-after")) &&
			   has_arg) {
			char *end;
			double d = strtod(argv[++i], &end);
			bool win = !strcmp(a, "--window");

			if (*end || end == argv[i] || !(d > 0) || (win && (d < 0.1 || d > 600))) {
				return usage_error(win ? "bad %s '%s': want seconds, 0.1 to 600"
						       : "bad %s '%s': want seconds > 0",
						   a, argv[i]);
			}
			if (win) {
				o->window_s = d;
				o->has_window = true;
			} else if (!strcmp(a, "--live-dump")) {
				o->live_dump_s = d;
			} else {
				o->exit_after_s = d;
			}
		} else if (!strcmp(a, "--pid") && has_arg) {
			char *end;

			o->live_pid = strtol(argv[++i], &end, 10);
			if (*end || end == argv[i] || o->live_pid <= 0) {
				return usage_error("bad --pid '%s'%s", argv[i], "");
			}
		} else if (!strcmp(a, "--help-overlay")) {
			o->help_overlay = true;
		} else if (!strcmp(a, "--dump-view")) {
			o->dump_view = true;
		} else if (a[0] == '-' && a[1]) {
			return usage_error("unknown option or missing argument '%s'%s", a, "");
		} else if (o->input) {
			return usage_error("only one TRACE_DIR or FILE.timeline, got '%s' and '%s'",
					   o->input, a);
		} else {
			o->input = a;
		}
	}
	if (o->live_url && o->input) {
		return usage_error("--live takes no TRACE_DIR or FILE.timeline ('%s')%s", o->input,
				   "");
	}
	if (o->live_url && (o->select != -1 || o->has_from || o->has_to || o->has_at)) {
		return usage_error("--select, --from, --to and --at are for a TRACE_DIR or "
				   "FILE.timeline, not --live%s%s",
				   "", "");
	}
	if (!o->live_url && (o->live_dump_s > 0 || o->live_pid || o->has_window)) {
		return usage_error("--window, --pid and --live-dump are for --live%s%s", "", "");
	}
	if (o->live_url && o->screenshot && !(o->exit_after_s > 0)) {
		return usage_error("--live --screenshot F needs --exit-after S (the frame shown "
				   "then is saved)%s%s",
				   "", "");
	}
	if (!o->input && !o->live_url) {
		return usage_error("no input given%s%s", "", "");
	}
	if (o->has_from && o->has_to && o->to <= o->from) {
		return usage_error("--to must be after --from%s%s", "", "");
	}
	return 0;
}

/* Applies --from/--to/--at/--select to the first model shown. */
static int apply_view_options(const struct options *o, struct tl_view *v, const struct tl_model *m,
			      char *err, size_t errlen)
{
	if (o->has_from || o->has_to) {
		uint64_t from = o->has_from ? o->from : 0;
		uint64_t to = o->has_to ? o->to : m->t_max - m->t_min;

		if (to <= from) {
			snprintf(err, errlen, "--from %.6f ms is past the trace end",
				 (double)from / 1e6);
			return -1;
		}
		view_set_range(v, m, m->t_min + from, m->t_min + to);
	}
	if (o->select != -1) {
		int64_t k = o->select == -2 ? timeline_by_wait(m, 0) : o->select;

		if (k < 0 || (uint64_t)k >= m->nisolations) {
			snprintf(err, errlen, "--select %s: the trace has %llu isolations",
				 o->select == -2 ? "worst" : "N",
				 (unsigned long long)m->nisolations);
			if (o->select >= 0) {
				snprintf(err, errlen,
					 "--select %lld: the trace has %llu isolations", o->select,
					 (unsigned long long)m->nisolations);
			}
			return -1;
		}
		{
			uint64_t t0 = v->t0, t1 = v->t1;

			view_select(v, m, k, true);
			if (o->has_from || o->has_to) {
				view_set_range(v, m, t0, t1);
			}
		}
	}
	if (o->has_at) {
		view_set_cursor(v, m, m->t_min + o->at);
	}
	v->help = o->help_overlay;
	if (o->hover_x >= 0) {
		v->hover = true;
		v->hover_x = o->hover_x;
		v->hover_y = o->hover_y;
	}
	return 0;
}

/* ---- Frame sources -------------------------------------------------------------
 * What the loop shows: take() hands over a new model when there is one
 * (the caller then owns it: timeline_model_close(), free()); status() says
 * what to show meanwhile, and returns -1 once the source failed for good.
 */

struct frame_source {
	const char *what; /* for the title */
	bool live;
	struct tl_model *(*take)(struct frame_source *s);
	int (*status)(struct frame_source *s, char *title, size_t tlen, char *msg, size_t mlen,
		      double *fraction);
	/* live only: the rolling window, and a line for the header */
	void (*set_window)(struct frame_source *s, double seconds);
	void (*line)(struct frame_source *s, char *buf, size_t len, const struct tl_view *v,
		     const struct tl_model *m);
	void (*close)(struct frame_source *s);
	void *ctx;
};

/* A timeline file: opened before the window. */
struct file_source {
	struct tl_model *m; /* not yet taken */
};

static struct tl_model *file_take(struct frame_source *s)
{
	struct file_source *f = s->ctx;
	struct tl_model *m = f->m;

	f->m = NULL;
	return m;
}

static int file_status(struct frame_source *s, char *title, size_t tlen, char *msg, size_t mlen,
		       double *fraction)
{
	(void)s;
	snprintf(title, tlen, "Opening…");
	msg[0] = '\0';
	(void)mlen;
	*fraction = -1;
	return 0;
}

static void file_close(struct frame_source *s)
{
	struct file_source *f = s->ctx;

	if (f->m) {
		timeline_model_close(f->m);
		free(f->m);
	}
	free(f);
}

/* Opens and validates a timeline file into a new model; says why not. */
static struct tl_model *open_model(const char *path, const char *shown, char *err, size_t errlen)
{
	struct tl_model *m = calloc(1, sizeof(*m));
	char reason[400] = "";

	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (timeline_model_open(m, path, reason, sizeof(reason)) != 0) {
		snprintf(err, errlen, "cannot open '%s': %s", shown, reason);
		free(m);
		return NULL;
	}
	if (m->info.nlanes == 0 || m->info.nintervals == 0) {
		snprintf(err, errlen,
			 "cannot show '%s': no rdv thread in it (empty trace, or no rdv:* events)",
			 shown);
		timeline_model_close(m);
		free(m);
		return NULL;
	}
	return m;
}

static int file_source_open(struct frame_source *s, const char *path, char *err, size_t errlen)
{
	struct file_source *f = calloc(1, sizeof(*f));

	if (!f) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	f->m = open_model(path, path, err, errlen);
	if (!f->m) {
		free(f);
		return -1;
	}
	memset(s, 0, sizeof(*s));
	s->what = path;
	s->take = file_take;
	s->status = file_status;
	s->close = file_close;
	s->ctx = f;
	return 0;
}

/* A trace directory: rdv_analyze_run() in a thread writes a temporary
 * timeline file, then it is opened like a file. */
struct trace_source {
	const char *input;
	char tmp[4096];
	pthread_t thread;
	bool started, taken;
	atomic_bool done;
	atomic_uint_fast64_t events;
	_Atomic double fraction;
	int status; /* 0, or -1 with err */
	char err[512];
};

#ifdef RDV_VIEW_HAVE_ANALYSIS
static void on_progress(void *arg, uint64_t events, double fraction)
{
	struct trace_source *t = arg;

	atomic_store(&t->events, events);
	atomic_store(&t->fraction, fraction);
}

static void *analyze_thread(void *arg)
{
	struct trace_source *t = arg;
	struct rdv_analyze_options opts;
	const char *traces[1] = {t->input};

	memset(&opts, 0, sizeof(opts));
	opts.traces = traces;
	opts.ntraces = 1;
	opts.timeline_path = t->tmp;
	opts.progress = on_progress;
	opts.progress_arg = t;
	if (rdv_analyze_run(&opts, t->err, sizeof(t->err)) != 0) {
		t->status = -1;
		if (!t->err[0]) {
			snprintf(t->err, sizeof(t->err), "analysis failed");
		}
	}
	atomic_store(&t->done, true);
	return NULL;
}

static void trace_join(struct trace_source *t)
{
	if (t->started) {
		pthread_join(t->thread, NULL);
		t->started = false;
	}
}

static struct tl_model *trace_take(struct frame_source *s)
{
	struct trace_source *t = s->ctx;
	struct tl_model *m;

	if (t->taken || t->status || !atomic_load(&t->done)) {
		return NULL;
	}
	trace_join(t);
	m = open_model(t->tmp, t->input, t->err, sizeof(t->err));
	unlink(t->tmp); /* the mapping stays valid */
	t->tmp[0] = '\0';
	t->taken = true;
	if (!m) {
		t->status = -1;
	}
	return m;
}

static int trace_status(struct frame_source *s, char *title, size_t tlen, char *msg, size_t mlen,
			double *fraction)
{
	struct trace_source *t = s->ctx;

	if (t->status) {
		snprintf(title, tlen, "rdv-view cannot show this input");
		snprintf(msg, mlen, "%s", t->err);
		*fraction = -1;
		return -1;
	}
	snprintf(title, tlen, "Analyzing the trace…");
	snprintf(msg, mlen, "%llu events read", (unsigned long long)atomic_load(&t->events));
	*fraction = atomic_load(&t->fraction) < 0 ? 0 : atomic_load(&t->fraction);
	return 0;
}

static void trace_close(struct frame_source *s)
{
	struct trace_source *t = s->ctx;

	/* The analysis cannot be interrupted: wait for it, then clean up. */
	trace_join(t);
	if (t->tmp[0]) {
		unlink(t->tmp);
	}
	free(t);
}

static int trace_source_open(struct frame_source *s, const char *dir, char *err, size_t errlen)
{
	struct trace_source *t = calloc(1, sizeof(*t));
	const char *tmpdir = getenv("TMPDIR");
	int fd;

	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* Not a trace at all (no CTF metadata, a truncated one): said now, in
	 * one line, before any window; what only the events tell (no rdv
	 * event) is said after the analysis. */
	{
		const char *traces[1] = {dir};

		if (rdv_analyze_check(traces, 1, err, errlen) < 0) {
			free(t);
			return -1;
		}
	}
	t->input = dir;
	atomic_store(&t->fraction, -1.0);
	snprintf(t->tmp, sizeof(t->tmp), "%s/rdv-view-XXXXXX",
		 tmpdir && tmpdir[0] ? tmpdir : "/tmp");
	fd = mkstemp(t->tmp);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create a temporary timeline in '%s': %s",
			 tmpdir && tmpdir[0] ? tmpdir : "/tmp", strerror(errno));
		free(t);
		return -1;
	}
	close(fd);
	if (pthread_create(&t->thread, NULL, analyze_thread, t) != 0) {
		unlink(t->tmp);
		snprintf(err, errlen, "cannot start the analysis thread");
		free(t);
		return -1;
	}
	t->started = true;
	memset(s, 0, sizeof(*s));
	s->what = dir;
	s->take = trace_take;
	s->status = trace_status;
	s->close = trace_close;
	s->ctx = t;
	return 0;
}
#else
static int trace_source_open(struct frame_source *s, const char *dir, char *err, size_t errlen)
{
	(void)s;
	snprintf(err, errlen,
		 "cannot analyze trace '%s': this rdv-view was built without the analyzer "
		 "(Babeltrace2); run rdv-analyze %s --timeline F and open F",
		 dir, dir);
	return -1;
}
#endif

#ifdef RDV_VIEW_HAVE_ANALYSIS
/* A live session: the live thread's snapshots. */
struct live_source {
	struct live *live;
	struct live_status st;
	enum live_state last_state;
	bool first;
};

static Uint32 live_event_type = (Uint32)-1;

/* From the live thread: wake the UI (SDL_PushEvent is thread-safe). */
static void live_wake(void *arg)
{
	SDL_Event e;

	(void)arg;
	memset(&e, 0, sizeof(e));
	e.type = live_event_type;
	SDL_PushEvent(&e);
}

static void live_status_line(char *buf, size_t len, const struct live_status *st, bool paused,
			     double window_s)
{
	char w[32];

	format_duration(w, sizeof(w), (uint64_t)(window_s * 1e9));
	switch (st->state) {
	case LIVE_CONNECTING:
		snprintf(buf, len, "connecting…%s%.120s", st->reason[0] ? " " : "", st->reason);
		break;
	case LIVE_RECEIVING:
		snprintf(buf, len, "%s · last %s · %llu events%s",
			 paused ? "PAUSED (receiving)" : "LIVE", w, (unsigned long long)st->events,
			 st->discarded_events ? " · events lost!" : "");
		break;
	case LIVE_SESSION_ENDED:
		snprintf(buf, len, "session ended · %llu events", (unsigned long long)st->events);
		break;
	case LIVE_RELAY_GONE:
		snprintf(buf, len, "relay gone (connection lost) · %llu events: %.80s",
			 (unsigned long long)st->events, st->reason);
		break;
	case LIVE_PROGRAM_EXITED:
		snprintf(buf, len, "traced program exited · %llu events",
			 (unsigned long long)st->events);
		break;
	}
}

static struct tl_model *live_take(struct frame_source *s)
{
	struct live_source *l = s->ctx;

	return live_take_snapshot(l->live);
}

static int live_src_status(struct frame_source *s, char *title, size_t tlen, char *msg, size_t mlen,
			   double *fraction)
{
	struct live_source *l = s->ctx;

	live_get_status(l->live, &l->st);
	snprintf(title, tlen, "%s",
		 l->st.state == LIVE_RECEIVING ? "Connected: waiting for rdv events…"
					       : "Live session");
	live_status_line(msg, mlen, &l->st, false, 0);
	*fraction = -1;
	return 0;
}

static void live_src_window(struct frame_source *s, double seconds)
{
	struct live_source *l = s->ctx;

	live_set_window(l->live, (uint64_t)(seconds * 1e9));
}

static void live_src_line(struct frame_source *s, char *buf, size_t len, const struct tl_view *v,
			  const struct tl_model *m)
{
	struct live_source *l = s->ctx;

	(void)m;
	live_get_status(l->live, &l->st);
	/* A state change is said once on stderr too. */
	if (l->st.state != l->last_state) {
		l->last_state = l->st.state;
		if (l->st.state != LIVE_RECEIVING && l->st.state != LIVE_CONNECTING) {
			char line[256];

			live_status_line(line, sizeof(line), &l->st, v->paused, v->window_s);
			fprintf(stderr, PROG ": %s\n", line);
		}
	}
	live_status_line(buf, len, &l->st, v->paused, v->window_s);
}

static void live_src_close(struct frame_source *s)
{
	struct live_source *l = s->ctx;

	live_stop(l->live);
	free(l);
}

static int live_source_open(struct frame_source *s, const struct options *o, char *err,
			    size_t errlen)
{
	struct live_source *l = calloc(1, sizeof(*l));
	struct live_options lo;
	int ret;

	if (!l) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (live_event_type == (Uint32)-1) {
		live_event_type = SDL_RegisterEvents(1);
	}
	memset(&lo, 0, sizeof(lo));
	lo.url = o->live_url;
	lo.window_ns = (uint64_t)(o->window_s * 1e9);
	lo.pid = (pid_t)o->live_pid;
	lo.notify = live_event_type != (Uint32)-1 ? live_wake : NULL;
	ret = live_start(&lo, &l->live, err, errlen);
	if (ret < 0) {
		free(l);
		return ret;
	}
	l->last_state = LIVE_CONNECTING;
	memset(s, 0, sizeof(*s));
	s->what = o->live_url;
	s->live = true;
	s->take = live_take;
	s->status = live_src_status;
	s->set_window = live_src_window;
	s->line = live_src_line;
	s->close = live_src_close;
	s->ctx = l;
	return 0;
}

/* Starts reception, once SDL can take the thread's wake-up events. */
static int live_source_run(struct frame_source *s, char *err, size_t errlen)
{
	struct live_source *l = s->ctx;

	return live_run(l->live, err, errlen);
}

/* The test and benchmark hook: one parseable line about the shown model. */
static void live_dump(struct frame_source *s, const struct tl_model *m, bool paused)
{
	struct live_source *l = s->ctx;
	struct live_status *st = &l->st;
	struct timespec rt;

	live_get_status(l->live, st);
	clock_gettime(CLOCK_REALTIME, &rt);
	printf("rdv-view: live state=%s paused=%d lanes=%u intervals=%llu model_end_ns=%llu "
	       "events=%llu discarded=%llu snapshots=%llu kept=%llu dropped=%llu "
	       "delay_count=%llu delay_p50_ns=%llu delay_p99_ns=%llu delay_max_ns=%llu "
	       "snapshot_ns=%llu realtime_ns=%llu stream=%s\n",
	       live_state_name(st->state), paused, m ? m->info.nlanes : 0,
	       (unsigned long long)(m ? m->info.nintervals : 0),
	       (unsigned long long)(m ? m->t_max : 0), (unsigned long long)st->events,
	       (unsigned long long)st->discarded_events, (unsigned long long)st->snapshots,
	       (unsigned long long)st->kept_intervals, (unsigned long long)st->dropped_intervals,
	       (unsigned long long)st->delay_count, (unsigned long long)st->delay_p50_ns,
	       (unsigned long long)st->delay_p99_ns, (unsigned long long)st->delay_max_ns,
	       (unsigned long long)st->snapshot_ns,
	       (unsigned long long)rt.tv_sec * 1000000000ull + (unsigned long long)rt.tv_nsec,
	       st->stream_over ? "over" : "open");
	fflush(stdout);
}
#else
static int live_source_open(struct frame_source *s, const struct options *o, char *err,
			    size_t errlen)
{
	(void)s;
	(void)o;
	snprintf(err, errlen,
		 "cannot follow a live session: this rdv-view was built without the "
		 "analyzer (Babeltrace2)");
	return -1;
}

static int live_source_run(struct frame_source *s, char *err, size_t errlen)
{
	(void)s;
	(void)err;
	(void)errlen;
	return -1;
}

static void live_dump(struct frame_source *s, const struct tl_model *m, bool paused)
{
	(void)s;
	(void)m;
	(void)paused;
}
#endif

/* Follows the newest data: the last `window` of the model, cursor at its
 * end (the mask panel shows the latest state). */
static void live_follow(struct tl_view *v, const struct tl_model *m)
{
	uint64_t w = (uint64_t)(v->window_s * 1e9);

	view_set_range(v, m, m->t_max > w ? m->t_max - w : 0, m->t_max);
	/* intervals are [begin, end): the last instant with a state */
	view_set_cursor(v, m, m->t_max > m->t_min ? m->t_max - 1 : m->t_max);
}

/* ---- Display: a window, or a surface for --screenshot -------------------------- */

struct display {
	SDL_Window *win;   /* NULL: headless */
	SDL_Surface *surf; /* headless target */
	SDL_Renderer *r;
	struct tl_render rd;
	bool rd_ok;
};

static void display_close(struct display *d)
{
	if (d->rd_ok) {
		render_fini(&d->rd);
	}
	if (d->r) {
		SDL_DestroyRenderer(d->r);
	}
	if (d->win) {
		SDL_DestroyWindow(d->win);
	}
	if (d->surf) {
		SDL_FreeSurface(d->surf);
	}
	SDL_Quit();
	memset(d, 0, sizeof(*d));
}

/* Opens the window (or the surface), its renderer and the drawing
 * resources. Returns 0, or -1 after saying why (everything closed). */
static int display_open(struct display *d, const struct options *o, bool headless, const char *what)
{
	char err[512], title[512];

	memset(d, 0, sizeof(*d));
	if (headless) {
		if (SDL_Init(0) < 0) {
			fprintf(stderr, PROG ": cannot initialize SDL: %s\n", SDL_GetError());
			return -1;
		}
		d->surf = SDL_CreateRGBSurfaceWithFormat(0, o->width, o->height, 32,
							 SDL_PIXELFORMAT_ARGB8888);
		d->r = d->surf ? SDL_CreateSoftwareRenderer(d->surf) : NULL;
		if (!d->r) {
			fprintf(stderr, PROG ": cannot create a software renderer: %s\n",
				SDL_GetError());
			display_close(d);
			return -1;
		}
	} else {
		const char *drv, *want;

		/* No Wayland display named: SDL's Wayland driver would still
		 * try, and libwayland then prints its own line on stderr when
		 * XDG_RUNTIME_DIR is unset (a second line for one error). X11
		 * first, then the console; offscreen last, refused below. */
		if (!SDL_getenv("SDL_VIDEODRIVER") && !SDL_getenv("WAYLAND_DISPLAY")) {
			SDL_SetHint(SDL_HINT_VIDEODRIVER, "x11,kmsdrm,offscreen");
		}
		if (SDL_Init(SDL_INIT_VIDEO) < 0) {
			fprintf(stderr,
				PROG ": cannot open a window: %s (use --screenshot without a "
				     "display)\n",
				SDL_GetError());
			return -1;
		}
		/* Without a display SDL falls back to its offscreen driver: a
		 * window nobody sees, waiting for input that never comes. */
		drv = SDL_GetCurrentVideoDriver();
		want = SDL_getenv("SDL_VIDEODRIVER");
		if (drv && (!strcmp(drv, "offscreen") || !strcmp(drv, "dummy")) &&
		    !(want && !strcmp(want, drv))) {
			fprintf(stderr, PROG ": cannot open a window: no display (set DISPLAY, or "
					     "use --screenshot)\n");
			SDL_Quit();
			return -1;
		}
		snprintf(title, sizeof(title), "rdv-view — %s", what);
		d->win = SDL_CreateWindow(title, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED,
					  o->width, o->height, SDL_WINDOW_RESIZABLE);
		if (!d->win) {
			fprintf(stderr, PROG ": cannot open a window: %s\n", SDL_GetError());
			display_close(d);
			return -1;
		}
		SDL_SetWindowMinimumSize(d->win, 640, 400);
		d->r = SDL_CreateRenderer(d->win, -1, SDL_RENDERER_ACCELERATED);
		if (!d->r) {
			d->r = SDL_CreateRenderer(d->win, -1, SDL_RENDERER_SOFTWARE);
		}
		if (!d->r) {
			fprintf(stderr, PROG ": cannot create a renderer: %s\n", SDL_GetError());
			display_close(d);
			return -1;
		}
	}
	if (render_init(&d->rd, d->r, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		display_close(d);
		return -1;
	}
	d->rd_ok = true;
	d->rd.title = what;
	return 0;
}

static void display_size(struct display *d, int *w, int *h)
{
	SDL_GetRendererOutputSize(d->r, w, h);
}

static int save_png(struct display *d, const char *path)
{
	int w, h, ret = -1;
	SDL_Surface *shot;

	if (d->surf) {
		if (IMG_SavePNG(d->surf, path) == 0) {
			return 0;
		}
		fprintf(stderr, PROG ": cannot write '%s': %s\n", path, IMG_GetError());
		return -1;
	}
	display_size(d, &w, &h);
	shot = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
	if (shot &&
	    SDL_RenderReadPixels(d->r, NULL, SDL_PIXELFORMAT_ARGB8888, shot->pixels, shot->pitch) ==
		0 &&
	    IMG_SavePNG(shot, path) == 0) {
		ret = 0;
	} else {
		fprintf(stderr, PROG ": cannot write '%s': %s\n", path, SDL_GetError());
	}
	SDL_FreeSurface(shot);
	return ret;
}

/* ---- The event loop ----------------------------------------------------------------- */

struct loop {
	const struct options *o;
	struct frame_source *src;
	struct display *d;
	struct tl_model *m; /* owned: what is shown, NULL until the first */
	struct tl_view v;
	bool view_ok;
	struct tl_layout lo;
	struct tl_metrics met;
	struct tl_input in;
	char last_dump[1 << 16];
	char dump_line[1 << 16];
};

static void layout(struct loop *l)
{
	int w, h;

	display_size(l->d, &w, &h);
	if (l->m) {
		view_layout(&l->lo, &l->met, w, h, &l->v, l->m);
		view_scroll_rows(&l->v, &l->lo, 0);
		view_scroll_table(&l->v, &l->lo, 0);
		view_scroll_masks(&l->v, l->m, &l->lo, 0);
	} else {
		memset(&l->lo, 0, sizeof(l->lo));
		l->lo.width = w;
		l->lo.height = h;
	}
}

/* Takes a new model from the source, if any. Returns -1 on a fatal error
 * (said in err), 1 when a model was taken. */
static int take_model(struct loop *l, char *err, size_t errlen)
{
	struct tl_model *nm = l->src->take(l->src);

	if (!nm) {
		return 0;
	}
	if (!l->m) {
		/* What keys set while nothing was shown yet stays. */
		double window_s = l->v.window_s;
		bool help = l->v.help, paused = l->v.paused;

		if (view_init(&l->v, nm) < 0) {
			snprintf(err, errlen, "out of memory");
			timeline_model_close(nm);
			free(nm);
			return -1;
		}
		l->view_ok = true;
		l->v.live = l->src->live;
		l->v.window_s = window_s;
		l->v.help = help;
		l->v.paused = paused;
		l->m = nm;
		layout(l);
		if (!l->src->live && apply_view_options(l->o, &l->v, l->m, err, errlen) < 0) {
			return -1;
		}
	} else {
		if (view_model_changed(&l->v, l->m, nm) < 0) {
			snprintf(err, errlen, "out of memory");
			timeline_model_close(nm);
			free(nm);
			return -1;
		}
		timeline_model_close(l->m);
		free(l->m);
		l->m = nm;
	}
	l->v.playing = l->v.playing && !l->src->live;
	if (l->src->live && !l->v.paused) {
		live_follow(&l->v, l->m);
	}
	return 1;
}

static void draw_frame(struct loop *l)
{
	if (l->m) {
		render_frame(&l->d->rd, l->m, &l->v, &l->lo);
	} else {
		char title[128], msg[512];
		double fraction;

		l->src->status(l->src, title, sizeof(title), msg, sizeof(msg), &fraction);
		render_message(&l->d->rd, l->lo.width, l->lo.height, title, msg, fraction);
	}
	SDL_RenderPresent(l->d->r);
	if (l->o->dump_view && l->m) {
		char *line = l->dump_line;
		size_t n;

		view_dump(&l->v, l->m, &l->lo, line, sizeof(l->dump_line) - 24);
		n = strlen(line);
		snprintf(line + n, sizeof(l->dump_line) - n, " clipped=%u", l->d->rd.clipped);
		if (strcmp(line, l->last_dump)) {
			printf("%s\n", line);
			fflush(stdout);
			snprintf(l->last_dump, sizeof(l->last_dump), "%s", line);
		}
	}
}

static int run(struct loop *l)
{
	const struct options *o = l->o;
	bool headless = !l->d->win, dirty = true, quit = false;
	Uint64 start = SDL_GetTicks64(), last = start, next_dump = start, fail_until = 0;
	char err[600];
	int ret = 0;

	render_metrics(&l->d->rd, &l->met);
	layout(l);
	while (!quit) {
		SDL_Event e;
		unsigned flags = 0;
		int got;
		Uint64 now;

		if (!headless) {
			int wait = l->v.playing ? 10 : l->m && !l->src->live ? 500 : 50;

			if (SDL_WaitEventTimeout(&e, wait)) {
				do {
					flags |= input_handle(&l->in, &e, &l->v, l->m, &l->lo);
					if (flags & INPUT_RESIZE) {
						layout(l);
						flags &= ~(unsigned)INPUT_RESIZE;
					}
				} while (SDL_PollEvent(&e));
			}
		} else if (!l->m) {
			SDL_Delay(20); /* a trace being analyzed */
		}
		if (flags & INPUT_QUIT) {
			quit = true;
		}
		if (l->v.failed) {
			/* The error stays on screen until a key, a click or 30 s. */
			if (dirty || (flags & INPUT_REDRAW)) {
				render_message(&l->d->rd, l->lo.width, l->lo.height,
					       "rdv-view cannot show this input", err, -1);
				SDL_RenderPresent(l->d->r);
				dirty = false;
			}
			quit |= SDL_GetTicks64() >= fail_until;
			quit |= o->exit_after_s > 0 &&
				SDL_GetTicks64() - start >= (Uint64)(o->exit_after_s * 1000);
			continue;
		}
		if (l->src->live && (flags & INPUT_WINDOW)) {
			l->src->set_window(l->src, l->v.window_s);
		}
		/* Paused (live): the shown snapshot stays; newer ones replace each
		 * other in the live thread until Space. */
		got = l->v.paused ? 0 : take_model(l, err, sizeof(err));
		if (got < 0) {
			fprintf(stderr, PROG ": %s\n", err);
			ret = 1;
			if (headless) {
				break;
			}
			l->v.failed = true;
			fail_until = SDL_GetTicks64() + 30000;
			dirty = true;
			continue;
		}
		dirty |= got > 0 || (flags & INPUT_REDRAW);
		if (l->m && l->src->live && (flags & INPUT_FOLLOW)) {
			live_follow(&l->v, l->m);
		}
		if (!l->m) {
			char title[128], msg[512];
			double fraction;

			if (l->src->status(l->src, title, sizeof(title), msg, sizeof(msg),
					   &fraction) < 0) {
				fprintf(stderr, PROG ": %s\n", msg);
				ret = 1;
				if (headless) {
					break;
				}
				snprintf(err, sizeof(err), "%s", msg);
				l->v.failed = true;
				fail_until = SDL_GetTicks64() + 30000;
				dirty = true;
				continue;
			}
			dirty = true; /* progress */
		}
		now = SDL_GetTicks64();
		if (l->m && l->v.playing) {
			dirty |= view_replay_tick(&l->v, l->m, (double)(now - last) / 1000.0);
		}
		last = now;
		if (l->src->live && l->src->line) {
			char line[160];

			l->src->line(l->src, line, sizeof(line), &l->v, l->m);
			if (strcmp(line, l->v.status)) {
				snprintf(l->v.status, sizeof(l->v.status), "%s", line);
				dirty = true;
			}
		}
		if (o->live_dump_s > 0 && now >= next_dump) {
			live_dump(l->src, l->m, l->v.paused);
			next_dump = now + (Uint64)(o->live_dump_s * 1000);
		}
		if (o->exit_after_s > 0 && now - start >= (Uint64)(o->exit_after_s * 1000)) {
			quit = true;
		}
		if (dirty || (headless && l->m)) {
			layout(l);
			draw_frame(l);
			dirty = false;
		}
		if (headless && l->m) {
			break; /* --screenshot: the first complete frame */
		}
	}
	if (ret == 0 && o->screenshot && !l->v.failed) {
		if (l->m) {
			layout(l);
			draw_frame(l);
		}
		if (save_png(l->d, o->screenshot) < 0) {
			ret = 1;
		}
	}
	if (o->live_dump_s > 0) {
		live_dump(l->src, l->m, l->v.paused);
	}
	return ret;
}

int main(int argc, char **argv)
{
	struct options o;
	struct frame_source src;
	struct display d;
	struct loop *l;
	char err[600];
	int ret, pa = parse_args(argc, argv, &o);
	bool headless;

	if (pa < 0) {
		return 2;
	}
	if (pa > 0) {
		/* --help, --version: a stdout that cannot take them (a full
		 * disk) is an error, not a silent success. */
		if (fflush(stdout) != 0 || ferror(stdout)) {
			fprintf(stderr, PROG ": cannot write to standard output: %s\n",
				strerror(errno));
			return 1;
		}
		return 0;
	}
	headless = o.screenshot && !o.live_url;
	/* The input first: a missing or bad file is said before any display. */
	if (!o.live_url) {
		struct stat st;

		if (stat(o.input, &st) < 0) {
			fprintf(stderr, PROG ": cannot open '%s': %s\n", o.input, strerror(errno));
			return 1;
		}
		if (S_ISDIR(st.st_mode) ? trace_source_open(&src, o.input, err, sizeof(err))
					: file_source_open(&src, o.input, err, sizeof(err))) {
			fprintf(stderr, PROG ": %s\n", err);
			return 1;
		}
	}
	/* Live: the URL is checked before any display too (a bad one is a
	 * usage error); reception starts once SDL can take its wake-up
	 * events. */
	if (o.live_url) {
		int lr = live_source_open(&src, &o, err, sizeof(err));

		if (lr == -EINVAL) {
			usage_error("%s%s", err, "");
			return 2;
		}
		if (lr < 0) {
			fprintf(stderr, PROG ": %s\n", err);
			return 1;
		}
	}
	if (display_open(&d, &o, headless, o.live_url ? o.live_url : o.input) < 0) {
		src.close(&src);
		return 1;
	}
	if (o.live_url && live_source_run(&src, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		src.close(&src);
		display_close(&d);
		return 1;
	}
	l = calloc(1, sizeof(*l));
	if (!l) {
		fprintf(stderr, PROG ": out of memory\n");
		src.close(&src);
		display_close(&d);
		return 1;
	}
	l->o = &o;
	l->src = &src;
	l->d = &d;
	l->v.selected = -1;
	l->v.live = src.live;
	l->v.window_s = o.window_s;
	ret = run(l);
	if (l->view_ok) {
		view_fini(&l->v);
	}
	if (l->m) {
		timeline_model_close(l->m);
		free(l->m);
	}
	src.close(&src);
	display_close(&d);
	free(l);
	return ret;
}
