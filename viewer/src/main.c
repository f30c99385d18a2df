/* SPDX-License-Identifier: MIT */
/*
 * rdv-view: the timeline GUI. Opens a timeline file (memory-mapped), or
 * analyzes a trace directory in-process into a temporary timeline file with
 * a progress bar, then shows it. --screenshot renders one frame with SDL's
 * software renderer onto a surface (no display needed) and exits.
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

struct options {
	const char *input;
	const char *screenshot;
	int width, height;
	const char *from, *to, *at;
	long long select;
	bool help_overlay;
	int hover_x, hover_y; /* -1: none */
	/* --live */
	const char *live_url;
	double window_s;
	long live_pid;
	double live_dump_s;  /* 0: no dump lines */
	double exit_after_s; /* 0: until closed */
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: " PROG " [OPTIONS] TRACE_DIR|FILE.timeline\n"
		   "       " PROG " --live net://HOST[:PORT]/host/HOSTNAME/SESSION [OPTIONS]\n"
		   "Shows the rdv thread states (running, harmless, idle, blocked, waiting,\n"
		   "isolated) of a trace on a zoomable timeline, with the H/W/I masks at the\n"
		   "cursor and the latency histograms. A TRACE_DIR (what rdv-trace records) is\n"
		   "analyzed first; a FILE.timeline (rdv-analyze --timeline) opens at once.\n"
		   "\n"
		   "Options:\n"
		   "  --screenshot F.png  render one frame to F.png (no display needed) and exit\n"
		   "  --size WxH          window or screenshot size (default 1280x800)\n"
		   "  --from T --to T     visible time range, from the trace start\n"
		   "  --at T              cursor time (the mask panel shows this instant)\n"
		   "  --select N          select isolation number N (in request order) and,\n"
		   "                      without --from/--to, zoom on it\n"
		   "  --help-overlay      show the key help (screenshots)\n"
		   "Live mode (an LTTng live session through lttng-relayd, e.g. what\n"
		   "'rdv-trace live' prints; 'rdv-trace live --view' opens this for you):\n"
		   "  --live URL          follow the session: the last --window seconds, updated\n"
		   "                      4 times a second; Space pauses the view (reception\n"
		   "                      goes on), - / + lengthen / shorten the window\n"
		   "  --window S          rolling window, seconds (default 10, 0.1 to 600)\n"
		   "  --pid PID           the traced process: say when it exits\n"
		   "  --live-dump S       every S seconds print one line on stdout: the state\n"
		   "                      and what the shown model holds (tests, benchmarks)\n"
		   "  --exit-after S      close the window after S seconds (with --screenshot\n"
		   "                      F.png: save the last frame; SDL_VIDEODRIVER=offscreen\n"
		   "                      needs no display)\n"
		   "  -h, --help          this help\n"
		   "Times T: a number with a unit, ns us ms s (default ns), e.g. 1.5ms.\n"
		   "Keys: press ? in the window.\n");
}

static int parse_time(const char *s, uint64_t *out)
{
	char *end;
	double v;
	double mul = 1;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0) {
		return -1;
	}
	if (!strcmp(end, "") || !strcmp(end, "ns")) {
		mul = 1;
	} else if (!strcmp(end, "us") || !strcmp(end, "µs")) {
		mul = 1e3;
	} else if (!strcmp(end, "ms")) {
		mul = 1e6;
	} else if (!strcmp(end, "s")) {
		mul = 1e9;
	} else {
		return -1;
	}
	if (v * mul > 1.8e19) {
		return -1;
	}
	*out = (uint64_t)(v * mul);
	return 0;
}

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
			exit(0);
		} else if (!strcmp(a, "--screenshot") && has_arg) {
			o->screenshot = argv[++i];
		} else if (!strcmp(a, "--size") && has_arg) {
			if (sscanf(argv[++i], "%dx%d", &o->width, &o->height) != 2 ||
			    o->width < 320 || o->height < 240 || o->width > 8192 ||
			    o->height > 8192) {
				fprintf(stderr,
					PROG ": bad --size '%s': want WxH, 320x240 to 8192x8192\n",
					argv[i]);
				return -1;
			}
		} else if (!strcmp(a, "--from") && has_arg) {
			o->from = argv[++i];
		} else if (!strcmp(a, "--to") && has_arg) {
			o->to = argv[++i];
		} else if (!strcmp(a, "--at") && has_arg) {
			o->at = argv[++i];
		} else if (!strcmp(a, "--select") && has_arg) {
			o->select = atoll(argv[++i]);
		} else if (!strcmp(a, "--hover") && has_arg) {
			if (sscanf(argv[++i], "%d,%d", &o->hover_x, &o->hover_y) != 2 ||
			    o->hover_x < 0 || o->hover_y < 0) {
				fprintf(stderr, PROG ": bad --hover '%s': want X,Y in pixels\n",
					argv[i]);
				return -1;
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
				fprintf(stderr, PROG ": bad %s '%s': want seconds%s\n", a, argv[i],
					win ? ", 0.1 to 600" : " > 0");
				return -1;
			}
			if (win) {
				o->window_s = d;
			} else if (!strcmp(a, "--live-dump")) {
				o->live_dump_s = d;
			} else {
				o->exit_after_s = d;
			}
		} else if (!strcmp(a, "--pid") && has_arg) {
			char *end;

			o->live_pid = strtol(argv[++i], &end, 10);
			if (*end || end == argv[i] || o->live_pid <= 0) {
				fprintf(stderr, PROG ": bad --pid '%s'\n", argv[i]);
				return -1;
			}
		} else if (!strcmp(a, "--help-overlay")) {
			o->help_overlay = true;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr,
				PROG ": unknown option or missing argument '%s' (see --help)\n", a);
			return -1;
		} else if (o->input) {
			fprintf(stderr,
				PROG ": only one TRACE_DIR or FILE.timeline, got '%s' and '%s'\n",
				o->input, a);
			return -1;
		} else {
			o->input = a;
		}
	}
	if (o->live_url && o->input) {
		fprintf(stderr, PROG ": --live takes no TRACE_DIR or FILE.timeline ('%s')\n",
			o->input);
		return -1;
	}
	if (o->live_url && o->screenshot && !(o->exit_after_s > 0)) {
		fprintf(stderr,
			PROG ": --live --screenshot F needs --exit-after S (the frame shown "
			     "then is saved)\n");
		return -1;
	}
	if (!o->input && !o->live_url) {
		fprintf(stderr, PROG ": no input given (see --help)\n");
		return -1;
	}
	return 0;
}

/* Applies --from/--to/--at/--select; times relative to the trace start. */
static int apply_view_options(const struct options *o, struct tl_view *v, const struct tl_model *m,
			      char *err, size_t errlen)
{
	uint64_t from = 0, to = 0, at = 0;

	if ((o->from && parse_time(o->from, &from)) || (o->to && parse_time(o->to, &to)) ||
	    (o->at && parse_time(o->at, &at))) {
		snprintf(err, errlen, "bad time in --from/--to/--at (want e.g. 1.5ms)");
		return -1;
	}
	if (o->from || o->to) {
		if (!o->to) {
			to = m->t_max - m->t_min;
		}
		if (to <= from) {
			snprintf(err, errlen, "--to must be after --from");
			return -1;
		}
		view_set_range(v, m, m->t_min + from, m->t_min + to);
	}
	if (o->select >= 0) {
		if ((uint64_t)o->select >= m->nisolations) {
			snprintf(err, errlen, "--select %lld: the trace has %llu isolations",
				 o->select, (unsigned long long)m->nisolations);
			return -1;
		}
		v->selected = o->select;
		if (!o->from && !o->to) {
			view_show_isolation(v, m, true);
		}
		v->cursor_ns = m->isolations[o->select].request_ns;
	}
	if (o->at) {
		view_set_cursor(v, m, m->t_min + at);
	}
	v->help = o->help_overlay;
	return 0;
}

/* ---- Loading: a timeline file, or a trace analyzed in a thread --------- */

struct loader {
	const char *input;
	char tmp[4096]; /* the temporary timeline of a trace */
	bool is_trace;
	pthread_t thread;
	bool thread_started;
	atomic_bool done;
	atomic_uint_fast64_t events;
	_Atomic double fraction;
	int status; /* 0 or -1 with err */
	char err[512];
};

#ifdef RDV_VIEW_HAVE_ANALYSIS
static void on_progress(void *arg, uint64_t events, double fraction)
{
	struct loader *ld = arg;

	atomic_store(&ld->events, events);
	atomic_store(&ld->fraction, fraction);
}

static void *analyze_thread(void *arg)
{
	struct loader *ld = arg;
	struct rdv_analyze_options opts;
	const char *traces[1] = {ld->input};

	memset(&opts, 0, sizeof(opts));
	opts.traces = traces;
	opts.ntraces = 1;
	opts.timeline_path = ld->tmp;
	opts.progress = on_progress;
	opts.progress_arg = ld;
	if (rdv_analyze_run(&opts, ld->err, sizeof(ld->err)) != 0) {
		ld->status = -1;
		if (!ld->err[0]) {
			snprintf(ld->err, sizeof(ld->err), "analysis failed");
		}
	}
	atomic_store(&ld->done, true);
	return NULL;
}
#endif

/* Starts loading; for a trace, the analysis runs in a thread (or inline when
 * `inline_run`). Returns -1 with ld->err on an immediate failure. */
static int loader_start(struct loader *ld, const char *input, bool inline_run)
{
	struct stat st;

	memset(ld, 0, sizeof(*ld));
	ld->input = input;
	atomic_store(&ld->fraction, -1.0);
	if (stat(input, &st) < 0) {
		snprintf(ld->err, sizeof(ld->err), "cannot open '%s': %s", input, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		atomic_store(&ld->done, true);
		return 0;
	}
	ld->is_trace = true;
#ifdef RDV_VIEW_HAVE_ANALYSIS
	{
		const char *tmpdir = getenv("TMPDIR");
		int fd;

		snprintf(ld->tmp, sizeof(ld->tmp), "%s/rdv-view-XXXXXX",
			 tmpdir && tmpdir[0] ? tmpdir : "/tmp");
		fd = mkstemp(ld->tmp);
		if (fd < 0) {
			snprintf(ld->err, sizeof(ld->err), "cannot create a temporary timeline: %s",
				 strerror(errno));
			return -1;
		}
		close(fd);
		if (inline_run) {
			analyze_thread(ld);
			return 0;
		}
		if (pthread_create(&ld->thread, NULL, analyze_thread, ld) != 0) {
			unlink(ld->tmp);
			snprintf(ld->err, sizeof(ld->err), "cannot start the analysis thread");
			return -1;
		}
		ld->thread_started = true;
		return 0;
	}
#else
	(void)inline_run;
	snprintf(ld->err, sizeof(ld->err),
		 "cannot analyze trace '%s': this rdv-view was built without the analyzer "
		 "(Babeltrace2); run rdv-analyze %s --timeline F and open F",
		 input, input);
	return -1;
#endif
}

/* After ld->done: opens the model. Returns 0 or -1 with ld->err. */
static int loader_finish(struct loader *ld, struct tl_model *m)
{
	char reason[400] = "";
	const char *path = ld->is_trace ? ld->tmp : ld->input;
	int ret;

	if (ld->thread_started) {
		pthread_join(ld->thread, NULL);
		ld->thread_started = false;
	}
	if (ld->status) {
		if (ld->is_trace) {
			unlink(ld->tmp);
		}
		return -1;
	}
	ret = timeline_model_open(m, path, reason, sizeof(reason));
	if (ld->is_trace) {
		unlink(ld->tmp); /* the mapping stays valid */
	}
	if (ret) {
		snprintf(ld->err, sizeof(ld->err), "cannot open '%s': %s", ld->input, reason);
		return -1;
	}
	if (m->info.nlanes == 0 || m->info.nintervals == 0) {
		snprintf(ld->err, sizeof(ld->err),
			 "cannot show '%s': no rdv thread in it (empty trace, or no rdv:* events)",
			 ld->input);
		timeline_model_close(m);
		return -1;
	}
	return 0;
}

/* ---- Headless screenshot ------------------------------------------------ */

static int screenshot(const struct options *o)
{
	struct loader ld;
	struct tl_model m;
	struct tl_view v;
	struct tl_layout lo;
	struct tl_render rd;
	SDL_Surface *s = NULL;
	SDL_Renderer *r = NULL;
	char err[512];
	int ret = 1;

	if (loader_start(&ld, o->input, true) < 0 || loader_finish(&ld, &m) < 0) {
		fprintf(stderr, PROG ": %s\n", ld.err);
		return 1;
	}
	view_init(&v, &m);
	if (apply_view_options(o, &v, &m, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		goto end_model;
	}
	if (SDL_Init(0) < 0) {
		fprintf(stderr, PROG ": cannot initialize SDL: %s\n", SDL_GetError());
		goto end_model;
	}
	s = SDL_CreateRGBSurfaceWithFormat(0, o->width, o->height, 32, SDL_PIXELFORMAT_ARGB8888);
	r = s ? SDL_CreateSoftwareRenderer(s) : NULL;
	if (!r) {
		fprintf(stderr, PROG ": cannot create a software renderer: %s\n", SDL_GetError());
		goto end_sdl;
	}
	if (render_init(&rd, r, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		goto end_sdl;
	}
	rd.title = o->input;
	view_layout(&lo, o->width, o->height);
	if (o->hover_x >= 0) {
		int64_t row = view_y_to_row(&v, &m, &lo, o->hover_y);

		v.hover =
		    row >= 0 && o->hover_x >= lo.lanes_x && o->hover_x < lo.lanes_x + lo.lanes_w;
		v.hover_row = row >= 0 ? (uint32_t)row : 0;
		v.hover_x = o->hover_x;
		v.hover_y = o->hover_y;
		v.hover_ns = view_x_to_ns(&v, &lo, o->hover_x);
	}
	render_frame(&rd, &m, &v, &lo);
	SDL_RenderPresent(r);
	if (IMG_SavePNG(s, o->screenshot) < 0) {
		fprintf(stderr, PROG ": cannot write '%s': %s\n", o->screenshot, IMG_GetError());
	} else {
		ret = 0;
	}
	render_fini(&rd);
end_sdl:
	if (r) {
		SDL_DestroyRenderer(r);
	}
	if (s) {
		SDL_FreeSurface(s);
	}
	SDL_Quit();
end_model:
	timeline_model_close(&m);
	return ret;
}

/* ---- The window --------------------------------------------------------- */

/* Shows an error in the window until a key, a click or 30 s. */
static void show_error(struct tl_render *rd, SDL_Renderer *r, struct tl_layout *lo, const char *msg)
{
	Uint64 until = SDL_GetTicks64() + 30000;
	bool dirty = true;

	while (SDL_GetTicks64() < until) {
		SDL_Event e;

		if (dirty) {
			render_message(rd, lo, "rdv-view cannot show this input", msg, -1);
			SDL_RenderPresent(r);
			dirty = false;
		}
		if (!SDL_WaitEventTimeout(&e, 200)) {
			continue;
		}
		if (e.type == SDL_QUIT || e.type == SDL_KEYDOWN || e.type == SDL_MOUSEBUTTONDOWN) {
			return;
		}
		if (e.type == SDL_WINDOWEVENT) {
			if (e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
				view_layout(lo, e.window.data1, e.window.data2);
			}
			dirty = true;
		}
	}
}

/* Opens the window, its renderer and the drawing resources. Returns 0, or
 * 1 after saying why (everything closed). */
static int window_open(const struct options *o, const char *what, SDL_Window **winp,
		       SDL_Renderer **rp, struct tl_render *rd, struct tl_layout *lo)
{
	SDL_Window *win;
	SDL_Renderer *r;
	char err[512], title[512];

	if (SDL_Init(SDL_INIT_VIDEO) < 0) {
		fprintf(stderr,
			PROG ": cannot open a window: %s (use --screenshot without a display)\n",
			SDL_GetError());
		return 1;
	}
	{
		/* Without a display SDL falls back to its offscreen driver: a
		 * window nobody sees, waiting for input that never comes. */
		const char *drv = SDL_GetCurrentVideoDriver();
		const char *want = SDL_getenv("SDL_VIDEODRIVER");

		if (drv && (!strcmp(drv, "offscreen") || !strcmp(drv, "dummy")) &&
		    !(want && !strcmp(want, drv))) {
			fprintf(stderr,
				PROG ": cannot open a window: no display (set DISPLAY, or use "
				     "--screenshot)\n");
			SDL_Quit();
			return 1;
		}
	}
	snprintf(title, sizeof(title), "rdv-view — %s", what);
	win = SDL_CreateWindow(title, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, o->width,
			       o->height, SDL_WINDOW_RESIZABLE);
	if (!win) {
		fprintf(stderr, PROG ": cannot open a window: %s\n", SDL_GetError());
		SDL_Quit();
		return 1;
	}
	SDL_SetWindowMinimumSize(win, 640, 480);
	r = SDL_CreateRenderer(win, -1, SDL_RENDERER_ACCELERATED);
	if (!r) {
		r = SDL_CreateRenderer(win, -1, SDL_RENDERER_SOFTWARE);
	}
	if (!r) {
		fprintf(stderr, PROG ": cannot create a renderer: %s\n", SDL_GetError());
		goto error_window;
	}
	if (render_init(rd, r, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		goto error_renderer;
	}
	rd->title = what;
	{
		int w, h;

		SDL_GetRendererOutputSize(r, &w, &h);
		view_layout(lo, w, h);
	}
	*winp = win;
	*rp = r;
	return 0;
error_renderer:
	SDL_DestroyRenderer(r);
error_window:
	SDL_DestroyWindow(win);
	SDL_Quit();
	return 1;
}

static void window_close(SDL_Window *win, SDL_Renderer *r, struct tl_render *rd)
{
	render_fini(rd);
	SDL_DestroyRenderer(r);
	SDL_DestroyWindow(win);
	SDL_Quit();
}

static int run_window(const struct options *o)
{
	struct loader ld;
	struct tl_model m;
	struct tl_view v;
	struct tl_layout lo;
	struct tl_render rd;
	struct tl_input in = {0};
	SDL_Window *win;
	SDL_Renderer *r;
	char err[512];
	bool loaded = false, dirty = true;
	Uint64 last;
	int ret = 1;

	memset(&m, 0, sizeof(m));
	if (window_open(o, o->input, &win, &r, &rd, &lo)) {
		return 1;
	}
	if (loader_start(&ld, o->input, false) < 0) {
		fprintf(stderr, PROG ": %s\n", ld.err);
		show_error(&rd, r, &lo, ld.err);
		goto end_render;
	}
	/* Progress while a trace is analyzed. */
	while (!atomic_load(&ld.done) && !in.quit) {
		SDL_Event e;
		char msg[128];

		snprintf(msg, sizeof(msg), "%llu events read",
			 (unsigned long long)atomic_load(&ld.events));
		render_message(&rd, &lo, "Analyzing the trace…", msg,
			       atomic_load(&ld.fraction) < 0 ? 0 : atomic_load(&ld.fraction));
		SDL_RenderPresent(r);
		while (SDL_WaitEventTimeout(&e, 50)) {
			if (e.type == SDL_QUIT) {
				in.quit = true;
			} else if (e.type == SDL_WINDOWEVENT &&
				   e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
				view_layout(&lo, e.window.data1, e.window.data2);
			}
		}
	}
	if (in.quit) {
		/* The analysis cannot be interrupted: wait for it, then leave. */
		loader_finish(&ld, &m);
		if (m.reader) {
			timeline_model_close(&m);
		}
		ret = 0;
		goto end_render;
	}
	if (loader_finish(&ld, &m) < 0) {
		fprintf(stderr, PROG ": %s\n", ld.err);
		show_error(&rd, r, &lo, ld.err);
		goto end_render;
	}
	loaded = true;
	view_init(&v, &m);
	if (apply_view_options(o, &v, &m, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		show_error(&rd, r, &lo, err);
		goto end_render;
	}
	last = SDL_GetTicks64();
	while (!in.quit) {
		SDL_Event e;
		Uint64 now;

		if (SDL_WaitEventTimeout(&e, v.playing ? 10 : 500)) {
			do {
				if (e.type == SDL_WINDOWEVENT &&
				    e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
					int w, h;

					SDL_GetRendererOutputSize(r, &w, &h);
					view_layout(&lo, w, h);
					view_scroll_rows(&v, &m, &lo, 0);
					dirty = true;
				}
				if (e.type == SDL_KEYDOWN && e.key.keysym.sym == SDLK_q &&
				    (e.key.keysym.mod & KMOD_CTRL)) {
					in.quit = true;
				}
				dirty |= input_handle(&in, &e, &v, &m, &lo);
			} while (SDL_PollEvent(&e));
		}
		now = SDL_GetTicks64();
		if (v.playing) {
			dirty |= view_replay_tick(&v, &m, (double)(now - last) / 1000.0);
		}
		last = now;
		if (dirty) {
			render_frame(&rd, &m, &v, &lo);
			SDL_RenderPresent(r);
			dirty = false;
		}
	}
	ret = 0;
end_render:
	if (loaded) {
		timeline_model_close(&m);
	}
	window_close(win, r, &rd);
	return ret;
}

/* ---- Live mode ------------------------------------------------------------ */

#ifdef RDV_VIEW_HAVE_ANALYSIS
static Uint32 live_event_type;

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
		snprintf(buf, len, "connecting…%s%.200s", st->reason[0] ? " " : "", st->reason);
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

/* The test and benchmark hook: one parseable line about the shown model. */
static void live_dump(const struct tl_model *m, const struct live_status *st, bool paused)
{
	struct timespec rt;

	clock_gettime(CLOCK_REALTIME, &rt);
	printf("rdv-view: live state=%s paused=%d lanes=%u intervals=%llu model_end_ns=%llu "
	       "events=%llu discarded=%llu snapshots=%llu kept=%llu dropped=%llu "
	       "delay_count=%llu delay_p50_ns=%llu delay_p99_ns=%llu delay_max_ns=%llu "
	       "snapshot_ns=%llu realtime_ns=%llu\n",
	       live_state_name(st->state), paused, m ? m->info.nlanes : 0,
	       (unsigned long long)(m ? m->info.nintervals : 0),
	       (unsigned long long)(m ? m->t_max : 0), (unsigned long long)st->events,
	       (unsigned long long)st->discarded_events, (unsigned long long)st->snapshots,
	       (unsigned long long)st->kept_intervals, (unsigned long long)st->dropped_intervals,
	       (unsigned long long)st->delay_count, (unsigned long long)st->delay_p50_ns,
	       (unsigned long long)st->delay_p99_ns, (unsigned long long)st->delay_max_ns,
	       (unsigned long long)st->snapshot_ns,
	       (unsigned long long)rt.tv_sec * 1000000000ull + (unsigned long long)rt.tv_nsec);
	fflush(stdout);
}

/* Follows the newest data: the last `window` of the model, cursor at its
 * end (the mask panel shows the latest state). */
static void live_follow(struct tl_view *v, const struct tl_model *m, double window_s)
{
	uint64_t w = (uint64_t)(window_s * 1e9);

	view_set_range(v, m, m->t_max > w ? m->t_max - w : 0, m->t_max);
	/* intervals are [begin, end): the last instant with a state */
	view_set_cursor(v, m, m->t_max > m->t_min ? m->t_max - 1 : m->t_max);
}

static int run_live(const struct options *o)
{
	struct live_options lo_opts;
	struct live *live = NULL;
	struct live_status st;
	struct tl_model *m = NULL;
	struct tl_view v;
	struct tl_layout lo;
	struct tl_render rd;
	struct tl_input in = {0};
	SDL_Window *win;
	SDL_Renderer *r;
	char err[512], line[256];
	bool dirty = true, paused = false;
	double window_s = o->window_s;
	Uint64 start, next_dump;
	enum live_state last_state = LIVE_CONNECTING;

	memset(&v, 0, sizeof(v));
	if (window_open(o, o->live_url, &win, &r, &rd, &lo)) {
		return 1;
	}
	live_event_type = SDL_RegisterEvents(1);
	memset(&lo_opts, 0, sizeof(lo_opts));
	lo_opts.url = o->live_url;
	lo_opts.window_ns = (uint64_t)(window_s * 1e9);
	lo_opts.pid = (pid_t)o->live_pid;
	lo_opts.notify = live_event_type != (Uint32)-1 ? live_wake : NULL;
	if (live_start(&lo_opts, &live, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		window_close(win, r, &rd);
		return 1;
	}
	start = SDL_GetTicks64();
	next_dump = start + (Uint64)(o->live_dump_s * 1000);
	while (!in.quit) {
		SDL_Event e;
		Uint64 now;
		struct tl_model *snap;

		if (SDL_WaitEventTimeout(&e, 100)) {
			do {
				if (e.type == live_event_type) {
					continue;
				}
				if (e.type == SDL_WINDOWEVENT) {
					int w, h;

					SDL_GetRendererOutputSize(r, &w, &h);
					view_layout(&lo, w, h);
					if (m) {
						view_scroll_rows(&v, m, &lo, 0);
					}
					dirty = true;
				}
				if (e.type == SDL_QUIT ||
				    (e.type == SDL_KEYDOWN && e.key.keysym.sym == SDLK_q)) {
					in.quit = true;
					continue;
				}
				if (e.type == SDL_KEYDOWN && e.key.keysym.sym == SDLK_SPACE) {
					paused = !paused;
					dirty = true;
					continue;
				}
				if (e.type == SDL_KEYDOWN && (e.key.keysym.sym == SDLK_MINUS ||
							      e.key.keysym.sym == SDLK_KP_MINUS ||
							      e.key.keysym.sym == SDLK_EQUALS ||
							      e.key.keysym.sym == SDLK_PLUS ||
							      e.key.keysym.sym == SDLK_KP_PLUS)) {
					bool longer = e.key.keysym.sym == SDLK_MINUS ||
						      e.key.keysym.sym == SDLK_KP_MINUS;

					window_s = longer ? window_s * 2 : window_s / 2;
					window_s = window_s < 0.1   ? 0.1
						   : window_s > 600 ? 600
								    : window_s;
					live_set_window(live, (uint64_t)(window_s * 1e9));
					if (m && !paused) {
						live_follow(&v, m, window_s);
					}
					dirty = true;
					continue;
				}
				if (m) {
					dirty |= input_handle(&in, &e, &v, m, &lo);
				}
			} while (SDL_PollEvent(&e));
		}
		/* Paused: the shown snapshot stays; newer ones replace each other
		 * in the live thread until Space. */
		if (!paused && (snap = live_take_snapshot(live))) {
			bool first = !m;

			if (m) {
				timeline_model_close(m);
				free(m);
			}
			m = snap;
			if (first) {
				view_init(&v, m);
				v.live = true;
			}
			v.selected = -1;
			v.hover = false;
			v.playing = false;
			view_scroll_rows(&v, m, &lo, 0);
			live_follow(&v, m, window_s);
			dirty = true;
		}
		live_get_status(live, &st);
		if (st.state != last_state) {
			last_state = st.state;
			dirty = true;
			if (st.state != LIVE_RECEIVING && st.state != LIVE_CONNECTING) {
				live_status_line(line, sizeof(line), &st, paused, window_s);
				fprintf(stderr, PROG ": %s\n", line);
			}
		}
		live_status_line(v.status, sizeof(v.status), &st, paused, window_s);
		now = SDL_GetTicks64();
		if (o->live_dump_s > 0 && now >= next_dump) {
			live_dump(m, &st, paused);
			next_dump = now + (Uint64)(o->live_dump_s * 1000);
		}
		if (o->exit_after_s > 0 && now - start >= (Uint64)(o->exit_after_s * 1000)) {
			in.quit = true;
		}
		if (dirty) {
			if (m) {
				render_frame(&rd, m, &v, &lo);
			} else {
				render_message(&rd, &lo,
					       st.state == LIVE_RECEIVING
						   ? "Connected: waiting for rdv events…"
						   : "Live session",
					       v.status, -1);
			}
			SDL_RenderPresent(r);
			dirty = false;
		}
	}
	if (o->screenshot) {
		/* the last frame, as shown */
		int w, h;
		SDL_Surface *shot;

		SDL_GetRendererOutputSize(r, &w, &h);
		shot = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
		if (m) {
			render_frame(&rd, m, &v, &lo);
		}
		if (!shot ||
		    SDL_RenderReadPixels(r, NULL, SDL_PIXELFORMAT_ARGB8888, shot->pixels,
					 shot->pitch) < 0 ||
		    IMG_SavePNG(shot, o->screenshot) < 0) {
			fprintf(stderr, PROG ": cannot write '%s': %s\n", o->screenshot,
				SDL_GetError());
		}
		SDL_FreeSurface(shot);
	}
	live_stop(live);
	if (o->live_dump_s > 0) {
		live_dump(m, &st, paused);
	}
	if (m) {
		timeline_model_close(m);
		free(m);
	}
	window_close(win, r, &rd);
	return 0;
}
#else
static int run_live(const struct options *o)
{
	(void)o;
	fprintf(stderr, PROG ": cannot follow a live session: this rdv-view was built without "
			     "the analyzer (Babeltrace2)\n");
	return 1;
}
#endif

int main(int argc, char **argv)
{
	struct options o;

	if (parse_args(argc, argv, &o) < 0) {
		return 2;
	}
	if (o.live_url) {
		return run_live(&o);
	}
	if (o.screenshot) {
		return screenshot(&o);
	}
	return run_window(&o);
}
