/* SPDX-License-Identifier: MIT */
/*
 * rdv-view's view state (what is shown: range, scroll, cursor, selection,
 * replay) and the commands that change it, plus the screen layout shared by
 * input (pixel -> lane, time) and rendering. No SDL.
 */
#ifndef RDV_VIEW_VIEW_H
#define RDV_VIEW_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"

/* Where things are on screen, for a window size. */
struct tl_layout {
	int width, height;
	int header_h;	      /* top bar */
	int axis_y, axis_h;   /* time axis */
	int lanes_x, lanes_y; /* the lanes' timeline area */
	int lanes_w, lanes_h;
	int label_w; /* label column left of the lanes */
	int row_h;
	int legend_y, legend_h;
	int panel_y, panel_h; /* bottom panel: masks left, latency right */
	int mask_w;	      /* width of the mask panel */
};

struct tl_view {
	uint64_t t0, t1;    /* visible range [t0, t1), t1 > t0 */
	uint32_t first_row; /* lanes scroll: first row shown */
	uint64_t cursor_ns; /* the mask panel shows this instant */
	int64_t selected;   /* selected isolation, -1 if none */
	bool playing;
	double speed;	/* replay: trace ns per wall second */
	bool speed_set; /* by [ or ]; else Space sweeps the view in 10 s */
	bool help;	/* '?' overlay */
	bool live;	/* following a live session: Space pauses, - / + the window */
	/* Hover (from input), for the tooltip. */
	bool hover;
	uint32_t hover_row;
	uint64_t hover_ns;
	int hover_x, hover_y;
	/* A line for the status bar (errors, replay speed…). */
	char status[160];
};

#define TL_MIN_SPAN_NS 20u /* zoom limit: 20 ns across the window */

void view_layout(struct tl_layout *lo, int width, int height);

/* Rows that fit in the lanes area. */
uint32_t view_visible_rows(const struct tl_layout *lo);

void view_init(struct tl_view *v, const struct tl_model *m);
void view_fit(struct tl_view *v, const struct tl_model *m);
/* factor < 1 zooms in; the time under `around` stays put. */
void view_zoom(struct tl_view *v, const struct tl_model *m, double factor, uint64_t around);
/* Pans by a fraction of the visible span (negative: towards the past). */
void view_pan(struct tl_view *v, const struct tl_model *m, double fraction);
void view_pan_ns(struct tl_view *v, const struct tl_model *m, int64_t dt);
void view_home(struct tl_view *v, const struct tl_model *m);
void view_end(struct tl_view *v, const struct tl_model *m);
void view_set_range(struct tl_view *v, const struct tl_model *m, uint64_t t0, uint64_t t1);
void view_scroll_rows(struct tl_view *v, const struct tl_model *m, const struct tl_layout *lo,
		      int delta);
void view_set_cursor(struct tl_view *v, const struct tl_model *m, uint64_t t);
/* Selects the isolation at (lane, t), within a few pixels; returns true if
 * one was found. Clears the selection otherwise. */
bool view_select_at(struct tl_view *v, const struct tl_model *m, uint32_t lane, uint64_t t,
		    uint64_t slack_ns);
void view_select_next(struct tl_view *v, const struct tl_model *m, int dir);
/* Brings the selected isolation into view; with zoom, zooms on it. */
void view_show_isolation(struct tl_view *v, const struct tl_model *m, bool zoom);
void view_toggle_play(struct tl_view *v, const struct tl_model *m);
void view_speed(struct tl_view *v, double factor);
/* Advances the replay by `seconds` of wall time. Returns true when
 * something changed. */
bool view_replay_tick(struct tl_view *v, const struct tl_model *m, double seconds);

/* Pixel <-> time and row mapping. */
uint64_t view_x_to_ns(const struct tl_view *v, const struct tl_layout *lo, int x);
double view_ns_to_x(const struct tl_view *v, const struct tl_layout *lo, uint64_t t);
/* The row under y, or -1. */
int64_t view_y_to_row(const struct tl_view *v, const struct tl_model *m, const struct tl_layout *lo,
		      int y);

/* "12.3 µs"-style duration and "+1.234 ms"-style time. */
void format_duration(char *buf, size_t len, uint64_t ns);
void format_time(char *buf, size_t len, const struct tl_model *m, uint64_t t);
/* The axis tick step for `span` ns across `pixels` (~one label per
 * min_px): 1, 2 or 5 times a power of ten. */
uint64_t axis_step(uint64_t span, int pixels, int min_px);

#endif /* RDV_VIEW_VIEW_H */
