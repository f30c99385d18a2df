/* SPDX-License-Identifier: MIT */
/*
 * rdv-view's view state (what is shown: range, rows, scroll, cursor,
 * selection, measurement, markers, replay, panels) and the commands that
 * change it, plus the screen layout shared by input (pixel -> what is there)
 * and rendering. No SDL: text sizes come from a callback (struct tl_metrics).
 *
 * Rows: the model's rows (processes and their threads) shown in order, each
 * process collapsible; with an isolation selected, its threads are taken out
 * of their process and shown first: the requester and the late threads
 * (straggler first) pinned at the top of the lanes, then the threads that
 * waited or blocked meanwhile, then the rest (or, in focus mode, nothing
 * else).
 */
#ifndef RDV_VIEW_VIEW_H
#define RDV_VIEW_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define TL_MIN_SPAN_NS 20u /* zoom limit: 20 ns across the window */
/* A lane's height when there is room: a handful of threads fill the lanes
 * area (5 lanes at 1280x800: 96 px each); many get the readable minimum. */
#define TL_ROW_MAX 120
#define TL_MAX_MARKERS 16

enum tl_font { TL_FONT_NORMAL, TL_FONT_SMALL, TL_FONT_TINY, TL_NFONTS };

/* Text measures, from the renderer (or a test). */
struct tl_metrics {
	int height[TL_NFONTS]; /* line height per font */
	int (*text_w)(void *ctx, enum tl_font f, const char *s);
	void *ctx;
};

/* Where things are on screen, for a window size, a model and a view. */
struct tl_layout {
	struct tl_metrics met;
	int width, height;
	int header_h;	      /* top bar */
	int axis_y, axis_h;   /* time axis */
	int lanes_x, lanes_y; /* the lanes' timeline area */
	int lanes_w, lanes_h;
	int label_w;  /* label column left of the lanes */
	int row_h;    /* a lane */
	int hdr_h;    /* a header row (process, pinned isolation) */
	int sticky_h; /* pinned rows at the top of the lanes area */
	int legend_y, legend_h;
	int panel_y, panel_h; /* bottom panel: masks left, latency right */
	int mask_w;	      /* width of the mask panel */
	int side_x, side_w;   /* the isolations panel right of the lanes; 0: hidden */
	int info_y, info_h;   /* its info box (selection, range) */
	unsigned info_lines;  /* lines the info box has, info_shown of them fit */
	unsigned info_shown;
	int table_y, table_h; /* its table, header row included */
	int table_row_h;
};

enum tl_drow_kind {
	TL_DROW_PIN,	/* header of the pinned rows: the selected isolation */
	TL_DROW_OTHERS, /* header of the threads that waited or blocked */
	TL_DROW_GROUP,	/* a process (and domain) header */
	TL_DROW_LANE,
};

/* A displayed row. */
struct tl_drow {
	uint8_t kind;
	uint8_t role; /* enum tl_role, for a lane of the selected isolation */
	uint32_t lane;
	uint32_t group;
	uint64_t ns; /* role's time: delay, or time waiting / blocked */
};

/* A row on screen, as laid out by view_slots(). */
struct tl_slot {
	int y, h;
	uint32_t drow;
	bool sticky_header; /* a process header kept at the top while scrolled */
};

struct tl_view {
	uint64_t t0, t1;    /* visible range [t0, t1), t1 > t0 */
	uint64_t cursor_ns; /* the mask panel shows this instant */
	int64_t selected;   /* selected isolation, -1 if none */

	/* Rows (owned): [0, nsticky) pinned, then scrolled from first_row. */
	struct tl_drow *drows;
	uint32_t ndrows, nsticky, cap;
	uint32_t first_row; /* first scrolled row shown, >= nsticky */
	uint8_t *collapsed; /* owned, per model group */
	uint32_t ngroups;
	bool focus_only; /* only the selected isolation's threads */

	/* The isolations panel. */
	bool panel;
	enum tl_iso_key sort_key;
	bool sort_desc;
	uint32_t *table; /* owned: the isolations in table order */
	uint64_t ntable;
	uint64_t table_first;  /* first table row shown */
	uint64_t table_page;   /* rows shown, as of the last view_scroll_table() */
	unsigned info_first;   /* first info box line shown (it scrolls) */
	char site_sample[160]; /* the longest site label: the site column's width */

	/* Clicking a histogram bucket again steps through what is in it. */
	int cycle_kind; /* enum tl_latency_kind, -1: none */
	unsigned cycle_bucket;
	uint64_t cycle_pos;
	uint32_t cycle_lane; /* blocked: the interval reached */
	uint64_t cycle_t;

	/* Measurement: a time range over some lanes (Shift+drag), markers. */
	bool range;
	uint64_t range_t0, range_t1;
	uint32_t *range_lanes; /* owned */
	uint32_t nrange_lanes;
	uint64_t markers[TL_MAX_MARKERS]; /* sorted */
	unsigned nmarkers;

	int mask_scroll; /* pixels the mask panel is scrolled by */

	bool playing;
	double speed;	 /* replay: trace ns per wall second */
	bool speed_set;	 /* by [ or ]; else Space sweeps the view in 10 s */
	bool help;	 /* '?' overlay */
	bool failed;	 /* an error is shown instead: any key or click closes */
	bool live;	 /* following a live session: Space pauses, - / + the window */
	bool paused;	 /* live: the shown snapshot stays */
	double window_s; /* live: the rolling window */
	/* The pointer (from input), for the tooltip: recomputed from these
	 * pixels at every frame, so it follows every change of the view. */
	bool hover;
	int hover_x, hover_y;
	/* A line for the status bar (errors, live state…). */
	char status[160];
};

/* Rows, table and selection for model m; view_fini() frees them. Returns 0
 * or -ENOMEM. */
int view_init(struct tl_view *v, const struct tl_model *m);
void view_fini(struct tl_view *v);
/* The model was replaced (a live snapshot): keeps the selection when the
 * same isolation is in the new model, the rest of the view as it is. */
int view_model_changed(struct tl_view *v, const struct tl_model *old_m, const struct tl_model *m);

void view_layout(struct tl_layout *lo, const struct tl_metrics *met, int width, int height,
		 const struct tl_view *v, const struct tl_model *m);

/* The rows on screen, top to bottom; returns how many (at most max). */
unsigned view_slots(const struct tl_view *v, const struct tl_layout *lo, struct tl_slot *out,
		    unsigned max);
/* The displayed row under y, or -1. */
int64_t view_y_to_drow(const struct tl_view *v, const struct tl_layout *lo, int y);

void view_fit(struct tl_view *v, const struct tl_model *m);
/* factor < 1 zooms in; the time under `around` stays put. */
void view_zoom(struct tl_view *v, const struct tl_model *m, double factor, uint64_t around);
/* Pans by a fraction of the visible span (negative: towards the past). */
void view_pan(struct tl_view *v, const struct tl_model *m, double fraction);
void view_pan_ns(struct tl_view *v, const struct tl_model *m, int64_t dt);
void view_home(struct tl_view *v, const struct tl_model *m);
void view_end(struct tl_view *v, const struct tl_model *m);
void view_set_range(struct tl_view *v, const struct tl_model *m, uint64_t t0, uint64_t t1);
void view_scroll_rows(struct tl_view *v, const struct tl_layout *lo, int delta);
void view_set_cursor(struct tl_view *v, const struct tl_model *m, uint64_t t);

/* Selection. view_select() pins the isolation's threads and scrolls to
 * them; with zoom, also zooms on it (request to release). k < 0 clears. */
void view_select(struct tl_view *v, const struct tl_model *m, int64_t k, bool zoom);
/* Selects the isolation the instant (lane, t) belongs to, within slack;
 * returns true if one was found (the selection is cleared otherwise). */
bool view_select_at(struct tl_view *v, const struct tl_model *m, uint32_t lane, uint64_t t,
		    uint64_t slack_ns);
/* Next / previous isolation in request order. */
void view_select_next(struct tl_view *v, const struct tl_model *m, int dir);
/* Next / previous row of the isolations table (its sort order). */
void view_select_table_next(struct tl_view *v, const struct tl_model *m, int dir);
/* The worst isolation (longest wait); when the selection is at wait rank r,
 * the one at rank r + dir (dir > 0: next-worst). */
void view_select_worst(struct tl_view *v, const struct tl_model *m, int dir);
/* A click on bucket b of a latency histogram: the isolations in it one
 * after the other, longest first (blocked: the blocked intervals in time
 * order, each selecting the isolation it belongs to). Returns false when the
 * bucket is empty. */
bool view_cycle_bucket(struct tl_view *v, const struct tl_model *m, enum tl_latency_kind kind,
		       unsigned b);
/* Zooms on the selection and brings its threads to the top (F). */
void view_focus(struct tl_view *v, const struct tl_model *m);
void view_toggle_focus_only(struct tl_view *v, const struct tl_model *m);
void view_toggle_group(struct tl_view *v, const struct tl_model *m, uint32_t group);
void view_toggle_all_groups(struct tl_view *v, const struct tl_model *m);

/* The isolations table. */
void view_sort_table(struct tl_view *v, const struct tl_model *m, enum tl_iso_key key);
void view_scroll_table(struct tl_view *v, const struct tl_layout *lo, int64_t delta);
uint64_t view_table_rows(const struct tl_layout *lo); /* rows that fit */

struct tl_column {
	enum tl_iso_key key;
	int x, w;
	const char *title;
};
/* The table's columns at this width; returns how many. */
unsigned view_table_columns(const struct tl_view *v, const struct tl_model *m,
			    const struct tl_layout *lo, struct tl_column *out, unsigned max);
/* Text of one cell. */
void view_table_cell(const struct tl_model *m, uint64_t k, enum tl_iso_key key, char *buf,
		     size_t len);

/* Measurement. */
void view_set_measure(struct tl_view *v, const struct tl_model *m, uint64_t t0, uint64_t t1,
		      const uint32_t *lanes, uint32_t nlanes);
void view_clear_measure(struct tl_view *v);
/* Time per state summed over the measured lanes in the range; returns the
 * range's length (0: no range). */
uint64_t view_measure_totals(const struct tl_view *v, const struct tl_model *m,
			     uint64_t out[RDV_TL_NSTATES]);
/* Adds a marker at t, or removes the one there. */
void view_toggle_marker(struct tl_view *v, uint64_t t);

/* Lines of the info box (selection, measurement), each within max_w pixels
 * (a long one is wrapped at a " · " or a space, never cut); returns how
 * many (at most max). cls (may be NULL) gets each line's kind. */
#define TL_INFO_LEN 200
#define TL_INFO_MAX 64
enum tl_info_class {
	TL_INFO_TEXT,
	TL_INFO_TITLE,
	TL_INFO_REQUESTER,
	TL_INFO_STRAGGLER,
	TL_INFO_LATE,
	TL_INFO_STALL,
};
unsigned view_info_lines(const struct tl_view *v, const struct tl_model *m,
			 const struct tl_metrics *met, int max_w, char (*lines)[TL_INFO_LEN],
			 uint8_t *cls, unsigned max);
/* Scrolls the info box by delta lines (within what it holds). */
void view_scroll_info(struct tl_view *v, const struct tl_layout *lo, int delta);

/* ---- Code sites, as shown ----
 * PLACE: "worker_main (server.c:143)" (the file's basename); FUNCTION:
 * "worker_main"; PATH (tooltips): "worker_main (/src/server.c:143) in
 * /bin/poller · 0x55e295eb36d5". A site not resolved shows its address and
 * "?" ("? (0x55e295eb36d5)"), one not known at all "?": never a guess. */
enum tl_site_form { TL_SITE_PLACE, TL_SITE_FUNCTION, TL_SITE_PATH };
void view_site_label(const struct tl_model *m, uint32_t site, enum tl_site_form form, char *buf,
		     size_t len);
/* A late thread's harmful section, "from → to", in a form. */
void view_section_label(const struct tl_model *m, const struct tl_late *l, enum tl_site_form form,
			char *buf, size_t len);
/* The text drawn in a late thread's request -> ready stretch, w x h pixels:
 * the longest of its forms that fits (places on one line, on two lines,
 * functions on one, on two, the first function), in font *font; returns
 * the number of lines (0: nothing fits, or no site known). */
unsigned view_section_text(const struct tl_model *m, const struct tl_metrics *met,
			   const struct tl_late *l, int w, int h, char (*lines)[TL_INFO_LEN],
			   enum tl_font *font);

/* Where a late thread's request -> ready stretch of the selected isolation
 * has room for text on the slot of its lane: x, width, height in pixels. */
void view_late_box(const struct tl_view *v, const struct tl_layout *lo, uint64_t request_ns,
		   const struct tl_late *l, const struct tl_slot *s, int *x, int *w, int *h);

/* The straggler list of the latency panel: the analysis' stragglers
 * (m->stragglers: longest total delay first), as many as fit. */
struct tl_strag_geom {
	int x, y, w;   /* title at (x, y) */
	int rows_y;    /* first row */
	int row_h;     /* one row */
	unsigned rows; /* rows shown (at most m->nstragglers) */
};
bool view_straggler_geometry(const struct tl_model *m, const struct tl_layout *lo,
			     struct tl_strag_geom *g);
/* The forms of straggler k's row, longest first (3 of them). */
void view_straggler_row(const struct tl_model *m, uint32_t k, char (*forms)[96]);

/* Latency panel geometry: the histograms shown and where. */
struct tl_hist_geom {
	enum tl_latency_kind kind;
	int x, y, w, h; /* the whole cell */
	int plot_x, plot_y, plot_w, plot_h;
	int lo_b, hi_b; /* buckets drawn */
};
unsigned view_hist_geometry(const struct tl_model *m, const struct tl_layout *lo,
			    struct tl_hist_geom *out, unsigned max);
/* The bucket of a histogram under (x, y), or false. */
bool view_hist_hit(const struct tl_model *m, const struct tl_layout *lo, int x, int y,
		   enum tl_latency_kind *kind, unsigned *bucket);

/* Mask panel geometry: one grid per domain, a row of cells per `cols`
 * threads; each cell the W, H, I bits and the state (full), or the state
 * alone (compressed: many threads). */
struct tl_mask_geom {
	int x, y, w, h; /* the panel area under its title */
	int cell;	/* cell width, px */
	int cols;	/* threads per grid row */
	bool compressed;
	int line_h;  /* one grid row */
	int total_h; /* all domains, unscrolled */
};
void view_mask_geometry(const struct tl_model *m, const struct tl_layout *lo,
			struct tl_mask_geom *g);
/* Height of group g's block in the mask panel. */
int view_mask_group_h(const struct tl_model *m, const struct tl_layout *lo,
		      const struct tl_mask_geom *g, uint32_t group);
void view_scroll_masks(struct tl_view *v, const struct tl_model *m, const struct tl_layout *lo,
		       int delta_px);

void view_toggle_play(struct tl_view *v, const struct tl_model *m);
void view_speed(struct tl_view *v, double factor);
/* Advances the replay by `seconds` of wall time. Returns true when
 * something changed. */
bool view_replay_tick(struct tl_view *v, const struct tl_model *m, double seconds);

/* Pixel <-> time mapping. */
uint64_t view_x_to_ns(const struct tl_view *v, const struct tl_layout *lo, int x);
double view_ns_to_x(const struct tl_view *v, const struct tl_layout *lo, uint64_t t);

/* The label of a lane: "t3 21754", and its role ("requester", "late
 * +1.2 ms", "req 12 · late 3" for the trace). */
void view_lane_label(const struct tl_model *m, uint32_t lane, char *buf, size_t len);
void view_lane_role(const struct tl_view *v, const struct tl_model *m, const struct tl_drow *d,
		    char *buf, size_t len);

/* The test hook (--dump-view): one line saying what is selected and which
 * lanes are on screen. */
void view_dump(const struct tl_view *v, const struct tl_model *m, const struct tl_layout *lo,
	       char *buf, size_t len);

/* "12.3 µs"-style duration and "+1.234 ms"-style time. */
void format_duration(char *buf, size_t len, uint64_t ns);
void format_time(char *buf, size_t len, const struct tl_model *m, uint64_t t);
/* The axis tick step for `span` ns across `pixels` (~one label per
 * min_px): 1, 2 or 5 times a power of ten. */
uint64_t axis_step(uint64_t span, int pixels, int min_px);

#endif /* RDV_VIEW_VIEW_H */
