/* SPDX-License-Identifier: MIT */
/* rdv-view's view state and commands: see view.h. */
#include "view.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void view_layout(struct tl_layout *lo, int width, int height)
{
	memset(lo, 0, sizeof(*lo));
	if (width < 320) {
		width = 320;
	}
	if (height < 240) {
		height = 240;
	}
	lo->width = width;
	lo->height = height;
	lo->header_h = 26;
	lo->axis_y = lo->header_h;
	lo->axis_h = 22;
	lo->label_w = width >= 900 ? 210 : 150;
	lo->row_h = 18;
	lo->panel_h = height * 30 / 100;
	if (lo->panel_h < 120) {
		lo->panel_h = 120;
	}
	if (lo->panel_h > 300) {
		lo->panel_h = 300;
	}
	lo->panel_y = height - lo->panel_h;
	lo->legend_h = 22;
	lo->legend_y = lo->panel_y - lo->legend_h;
	lo->lanes_x = lo->label_w;
	lo->lanes_y = lo->axis_y + lo->axis_h;
	lo->lanes_w = width - lo->lanes_x - 8;
	lo->lanes_h = lo->legend_y - lo->lanes_y;
	if (lo->lanes_h < lo->row_h) {
		lo->lanes_h = lo->row_h;
	}
	lo->mask_w = width * 44 / 100;
}

uint32_t view_visible_rows(const struct tl_layout *lo)
{
	return (uint32_t)(lo->lanes_h / lo->row_h);
}

static uint64_t span_of(const struct tl_model *m)
{
	return m->t_max - m->t_min;
}

/* Keeps [t0, t1) a valid range, at least TL_MIN_SPAN_NS wide, within the
 * trace plus a margin of one span either side (so one can pan a bit past the
 * ends, as in Perfetto, but not get lost). */
static void clamp_range(struct tl_view *v, const struct tl_model *m)
{
	uint64_t span = v->t1 > v->t0 ? v->t1 - v->t0 : TL_MIN_SPAN_NS;
	uint64_t total = span_of(m);
	uint64_t lo, hi;

	if (span < TL_MIN_SPAN_NS) {
		span = TL_MIN_SPAN_NS;
	}
	if (span > total * 2 + TL_MIN_SPAN_NS) {
		span = total * 2 + TL_MIN_SPAN_NS;
	}
	lo = m->t_min > span / 2 ? m->t_min - span / 2 : 0;
	hi = m->t_max + span / 2;
	if (v->t0 < lo) {
		v->t0 = lo;
	}
	if (v->t0 + span > hi) {
		v->t0 = hi > span ? hi - span : 0;
		if (v->t0 < lo && span > total) {
			v->t0 = lo;
		}
	}
	v->t1 = v->t0 + span;
}

void view_init(struct tl_view *v, const struct tl_model *m)
{
	memset(v, 0, sizeof(*v));
	v->selected = -1;
	view_fit(v, m);
	/* The cursor starts where every thread has appeared, so the mask panel
	 * shows them all. */
	v->cursor_ns = m->t_min;
	for (uint32_t i = 0; i < m->info.nlanes; i++) {
		const struct rdv_tl_lane *l = &m->lanes[i];

		if (l->nintervals && l->begin_ns[0] > v->cursor_ns && l->begin_ns[0] < m->t_max) {
			v->cursor_ns = l->begin_ns[0];
		}
	}
	v->speed = (double)span_of(m) / 20.0; /* the whole trace in 20 s */
	if (v->speed < 1) {
		v->speed = 1;
	}
}

void view_fit(struct tl_view *v, const struct tl_model *m)
{
	uint64_t margin = span_of(m) / 100;

	v->t0 = m->t_min > margin ? m->t_min - margin : 0;
	v->t1 = m->t_max + margin;
	clamp_range(v, m);
}

void view_set_range(struct tl_view *v, const struct tl_model *m, uint64_t t0, uint64_t t1)
{
	v->t0 = t0;
	v->t1 = t1 > t0 ? t1 : t0 + TL_MIN_SPAN_NS;
	clamp_range(v, m);
}

void view_zoom(struct tl_view *v, const struct tl_model *m, double factor, uint64_t around)
{
	double span = (double)(v->t1 - v->t0), nspan;
	double rel;

	if (around < v->t0) {
		around = v->t0;
	}
	if (around > v->t1) {
		around = v->t1;
	}
	rel = (double)(around - v->t0) / span;
	nspan = span * factor;
	if (nspan < TL_MIN_SPAN_NS) {
		nspan = TL_MIN_SPAN_NS;
	}
	if (nspan > (double)span_of(m) * 2 + TL_MIN_SPAN_NS) {
		nspan = (double)span_of(m) * 2 + TL_MIN_SPAN_NS;
	}
	{
		double t0 = (double)around - rel * nspan;

		v->t0 = t0 < 0 ? 0 : (uint64_t)llround(t0);
	}
	v->t1 = v->t0 + (uint64_t)llround(nspan);
	clamp_range(v, m);
}

void view_pan_ns(struct tl_view *v, const struct tl_model *m, int64_t dt)
{
	uint64_t span = v->t1 - v->t0;

	if (dt < 0 && (uint64_t)-dt > v->t0) {
		v->t0 = 0;
	} else {
		v->t0 = (uint64_t)((int64_t)v->t0 + dt);
	}
	v->t1 = v->t0 + span;
	clamp_range(v, m);
}

void view_pan(struct tl_view *v, const struct tl_model *m, double fraction)
{
	view_pan_ns(v, m, (int64_t)llround((double)(v->t1 - v->t0) * fraction));
}

void view_home(struct tl_view *v, const struct tl_model *m)
{
	uint64_t span = v->t1 - v->t0;

	v->t0 = m->t_min;
	v->t1 = m->t_min + span;
	clamp_range(v, m);
	v->cursor_ns = m->t_min;
}

void view_end(struct tl_view *v, const struct tl_model *m)
{
	uint64_t span = v->t1 - v->t0;

	v->t0 = m->t_max > span ? m->t_max - span : 0;
	v->t1 = v->t0 + span;
	clamp_range(v, m);
	v->cursor_ns = m->t_max;
}

void view_scroll_rows(struct tl_view *v, const struct tl_model *m, const struct tl_layout *lo,
		      int delta)
{
	int64_t first = (int64_t)v->first_row + delta;
	int64_t max = (int64_t)m->nrows - (int64_t)view_visible_rows(lo);

	if (first > max) {
		first = max;
	}
	if (first < 0) {
		first = 0;
	}
	v->first_row = (uint32_t)first;
}

void view_set_cursor(struct tl_view *v, const struct tl_model *m, uint64_t t)
{
	if (t < m->t_min) {
		t = m->t_min;
	}
	if (t > m->t_max) {
		t = m->t_max;
	}
	v->cursor_ns = t;
}

bool view_select_at(struct tl_view *v, const struct tl_model *m, uint32_t lane, uint64_t t,
		    uint64_t slack_ns)
{
	v->selected = timeline_isolation_at(m, lane, t, slack_ns);
	return v->selected >= 0;
}

void view_select_next(struct tl_view *v, const struct tl_model *m, int dir)
{
	int64_t n = (int64_t)m->nisolations;

	if (n == 0) {
		return;
	}
	if (v->selected < 0) {
		/* The first one requested at or after the cursor. */
		int64_t k = 0;

		while (k < n && m->isolations[k].request_ns < v->cursor_ns) {
			k++;
		}
		v->selected = k < n ? k : n - 1;
	} else {
		v->selected += dir;
		if (v->selected < 0) {
			v->selected = 0;
		}
		if (v->selected >= n) {
			v->selected = n - 1;
		}
	}
	view_show_isolation(v, m, false);
}

void view_show_isolation(struct tl_view *v, const struct tl_model *m, bool zoom)
{
	if (v->selected < 0 || (uint64_t)v->selected >= m->nisolations) {
		return;
	}
	{
		const struct rdv_tl_isolation *x = &m->isolations[v->selected];
		uint64_t end = timeline_isolation_end(m, x);
		uint64_t span = v->t1 - v->t0;

		if (zoom) {
			/* Request to release in the middle third of the view. */
			uint64_t len = end - x->request_ns + TL_MIN_SPAN_NS;

			view_set_range(v, m, x->request_ns > len ? x->request_ns - len : 0,
				       end + len);
			v->cursor_ns = x->request_ns;
			return;
		}

		/* Bring it into view, keeping the zoom unless it does not fit. */
		if (end - x->request_ns > span * 8 / 10) {
			uint64_t pad = (end - x->request_ns) / 4 + TL_MIN_SPAN_NS;

			view_set_range(v, m, x->request_ns > pad ? x->request_ns - pad : 0,
				       end + pad);
		} else if (x->request_ns < v->t0 || end > v->t1) {
			uint64_t mid = x->request_ns / 2 + end / 2;

			view_set_range(v, m, mid > span / 2 ? mid - span / 2 : 0,
				       (mid > span / 2 ? mid - span / 2 : 0) + span);
		}
		v->cursor_ns = x->request_ns;
	}
}

void view_toggle_play(struct tl_view *v, const struct tl_model *m)
{
	v->playing = !v->playing;
	if (v->playing && !v->speed_set) {
		v->speed = (double)(v->t1 - v->t0) / 10.0;
		if (v->speed < 1) {
			v->speed = 1;
		}
	}
	if (v->playing && v->cursor_ns >= m->t_max) {
		v->cursor_ns = m->t_min;
	}
	if (v->playing && (v->cursor_ns < v->t0 || v->cursor_ns >= v->t1)) {
		v->cursor_ns = v->t0 > m->t_min ? v->t0 : m->t_min;
	}
}

void view_speed(struct tl_view *v, double factor)
{
	v->speed *= factor;
	v->speed_set = true;
	if (v->speed < 1) {
		v->speed = 1; /* 1 ns per second: one isolation step by step */
	}
	if (v->speed > 1e13) {
		v->speed = 1e13;
	}
}

bool view_replay_tick(struct tl_view *v, const struct tl_model *m, double seconds)
{
	double adv;
	uint64_t span;

	if (!v->playing) {
		return false;
	}
	adv = v->speed * seconds;
	if (adv < 1 && adv > 0) {
		adv = 1;
	}
	v->cursor_ns += (uint64_t)adv;
	if (v->cursor_ns >= m->t_max) {
		v->cursor_ns = m->t_max;
		v->playing = false;
	}
	/* Follow the cursor: page forward when it leaves the view. */
	span = v->t1 - v->t0;
	if (v->cursor_ns >= v->t1 || v->cursor_ns < v->t0) {
		v->t0 = v->cursor_ns > span / 10 ? v->cursor_ns - span / 10 : 0;
		v->t1 = v->t0 + span;
		clamp_range(v, m);
	}
	return true;
}

uint64_t view_x_to_ns(const struct tl_view *v, const struct tl_layout *lo, int x)
{
	double rel = (double)(x - lo->lanes_x) / (double)lo->lanes_w;
	double t = (double)v->t0 + rel * (double)(v->t1 - v->t0);

	return t <= 0 ? 0 : (uint64_t)t;
}

double view_ns_to_x(const struct tl_view *v, const struct tl_layout *lo, uint64_t t)
{
	double rel = ((double)t - (double)v->t0) / (double)(v->t1 - v->t0);

	return lo->lanes_x + rel * lo->lanes_w;
}

int64_t view_y_to_row(const struct tl_view *v, const struct tl_model *m, const struct tl_layout *lo,
		      int y)
{
	int64_t row;

	if (y < lo->lanes_y || y >= lo->lanes_y + lo->lanes_h) {
		return -1;
	}
	row = v->first_row + (y - lo->lanes_y) / lo->row_h;
	return row < (int64_t)m->nrows ? row : -1;
}

void format_duration(char *buf, size_t len, uint64_t ns)
{
	if (ns < 1000) {
		snprintf(buf, len, "%llu ns", (unsigned long long)ns);
	} else if (ns < 1000000) {
		snprintf(buf, len, "%.3g µs", (double)ns / 1e3);
	} else if (ns < 1000000000) {
		snprintf(buf, len, "%.3g ms", (double)ns / 1e6);
	} else {
		snprintf(buf, len, "%.4g s", (double)ns / 1e9);
	}
}

void format_time(char *buf, size_t len, const struct tl_model *m, uint64_t t)
{
	uint64_t base = m->t_min;
	uint64_t d = t >= base ? t - base : base - t;
	const char *sign = t >= base ? "+" : "-";

	if (d < 1000) {
		snprintf(buf, len, "%s%llu ns", sign, (unsigned long long)d);
	} else if (d < 1000000) {
		snprintf(buf, len, "%s%.3f µs", sign, (double)d / 1e3);
	} else if (d < 1000000000) {
		snprintf(buf, len, "%s%.6f ms", sign, (double)d / 1e6);
	} else {
		snprintf(buf, len, "%s%.9f s", sign, (double)d / 1e9);
	}
}

uint64_t axis_step(uint64_t span, int pixels, int min_px)
{
	double want = (double)span * min_px / (pixels > 0 ? pixels : 1);
	uint64_t step = 1;

	for (;;) {
		if ((double)step >= want) {
			return step;
		}
		if ((double)(step * 2) >= want) {
			return step * 2;
		}
		if ((double)(step * 5) >= want) {
			return step * 5;
		}
		if (step > UINT64_MAX / 100) {
			return step;
		}
		step *= 10;
	}
}
