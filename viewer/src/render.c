/* SPDX-License-Identifier: MIT */
/*
 * rdv-view's rendering: see render.h. Each lane is one level-of-detail query
 * (at most one bucket per pixel column), its rectangles batched per colour.
 */
#include "render.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COLUMNS 8192

static const SDL_Color bg = {0x1b, 0x1e, 0x23, 255};
static const SDL_Color bg_lane = {0x23, 0x27, 0x2e, 255};
static const SDL_Color bg_lane_alt = {0x20, 0x24, 0x2a, 255};
static const SDL_Color bg_group = {0x2e, 0x34, 0x3d, 255};
static const SDL_Color bg_panel = {0x16, 0x19, 0x1d, 255};
static const SDL_Color grid = {0x38, 0x3e, 0x47, 255};
static const SDL_Color fg = {0xdc, 0xe1, 0xe7, 255};
static const SDL_Color fg_dim = {0x93, 0x9c, 0xa8, 255};
static const SDL_Color accent = {0x6c, 0xc4, 0xff, 255};
static const SDL_Color cursor_c = {0xff, 0xff, 0xff, 255};

/* Chosen to be told apart on a dark background and by most colour-blind
 * viewers: warm colours for the states of a rendez-vous in progress. */
static const SDL_Color state_colors[RDV_TL_NSTATES] = {
    [RDV_TL_RUNNING] = {0x3d, 0x7e, 0xdb, 255},	 /* blue */
    [RDV_TL_HARMLESS] = {0x5c, 0xb8, 0x5c, 255}, /* green */
    [RDV_TL_IDLE] = {0x4f, 0x5b, 0x66, 255},	 /* slate */
    [RDV_TL_BLOCKED] = {0xe8, 0x8a, 0x2e, 255},	 /* orange */
    [RDV_TL_WAITING] = {0xf0, 0xd0, 0x30, 255},	 /* yellow */
    [RDV_TL_ISOLATED] = {0xe0, 0x3c, 0x4c, 255}, /* red */
    [RDV_TL_UNKNOWN] = {0xa0, 0x6c, 0xd8, 255},	 /* purple */
};

static const SDL_Color mask_colors[3] = {
    {0xf0, 0xd0, 0x30, 255}, /* W */
    {0x5c, 0xb8, 0x5c, 255}, /* H */
    {0x7f, 0xa7, 0xc9, 255}, /* I */
};

SDL_Color render_state_color(uint8_t state)
{
	static const SDL_Color none = {0x1b, 0x1e, 0x23, 255};

	return state < RDV_TL_NSTATES ? state_colors[state] : none;
}

/* Opaque fills without blending: the software renderer then uses a plain
 * fill, several times faster than its blending path. */
static void set_color(SDL_Renderer *r, SDL_Color c)
{
	SDL_SetRenderDrawBlendMode(r, c.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
	SDL_SetRenderDrawColor(r, c.r, c.g, c.b, c.a);
}

static void fill(SDL_Renderer *r, int x, int y, int w, int h, SDL_Color c)
{
	SDL_Rect rc = {x, y, w, h};

	set_color(r, c);
	SDL_RenderFillRect(r, &rc);
}

static void outline(SDL_Renderer *r, int x, int y, int w, int h, SDL_Color c)
{
	SDL_Rect rc = {x, y, w, h};

	set_color(r, c);
	SDL_RenderDrawRect(r, &rc);
}

int render_init(struct tl_render *rd, SDL_Renderer *r, char *errbuf, size_t errlen)
{
	char path[1024];

	memset(rd, 0, sizeof(*rd));
	rd->r = r;
	if (text_find_font(path, sizeof(path), errbuf, errlen) < 0) {
		return -1;
	}
	if (text_font_open(&rd->font, r, path, 14, errbuf, errlen) < 0) {
		return -1;
	}
	if (text_font_open(&rd->small, r, path, 12, errbuf, errlen) < 0) {
		text_font_close(&rd->font);
		return -1;
	}
	rd->cap = MAX_COLUMNS;
	rd->buckets = calloc(rd->cap, sizeof(*rd->buckets));
	rd->rects_cap = MAX_COLUMNS * 64;
	for (int i = 0; i <= RDV_TL_NSTATES; i++) {
		rd->rects[i] = calloc(rd->rects_cap, sizeof(SDL_Rect));
		if (!rd->rects[i]) {
			break;
		}
	}
	if (!rd->buckets || !rd->rects[RDV_TL_NSTATES]) {
		snprintf(errbuf, errlen, "out of memory");
		render_fini(rd);
		return -1;
	}
	SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
	return 0;
}

void render_fini(struct tl_render *rd)
{
	text_font_close(&rd->font);
	text_font_close(&rd->small);
	free(rd->buckets);
	for (int i = 0; i <= RDV_TL_NSTATES; i++) {
		free(rd->rects[i]);
	}
	memset(rd, 0, sizeof(*rd));
}

static void push_rect(struct tl_render *rd, int k, int x, int y, int w, int h)
{
	if (rd->nrects[k] == rd->rects_cap) {
		set_color(rd->r, k < RDV_TL_NSTATES ? state_colors[k] : fg);
		SDL_RenderFillRects(rd->r, rd->rects[k], (int)rd->nrects[k]);
		rd->nrects[k] = 0;
	}
	rd->rects[k][rd->nrects[k]++] = (SDL_Rect){x, y, w, h};
}

static void flush_rects(struct tl_render *rd)
{
	for (int k = 0; k <= RDV_TL_NSTATES; k++) {
		if (rd->nrects[k]) {
			set_color(rd->r, k < RDV_TL_NSTATES ? state_colors[k] : fg);
			SDL_RenderFillRects(rd->r, rd->rects[k], (int)rd->nrects[k]);
			rd->nrects[k] = 0;
		}
	}
}

/* ---- Header and axis ---------------------------------------------------- */

static void draw_header(struct tl_render *rd, const struct tl_model *m, const struct tl_view *v,
			const struct tl_layout *lo)
{
	char buf[512], span[32], speed[32];
	int x = 8;

	fill(rd->r, 0, 0, lo->width, lo->header_h, bg_panel);
	snprintf(buf, sizeof(buf), "rdv-view  %s", rd->title ? rd->title : "");
	x += text_draw_clip(&rd->font, rd->r, x, 4, buf, fg, lo->width / 3);
	format_duration(span, sizeof(span), m->t_max - m->t_min);
	snprintf(buf, sizeof(buf),
		 "   %u threads · %llu intervals · %llu isolations · %s traced · %llu events%s",
		 m->info.nlanes, (unsigned long long)m->info.nintervals,
		 (unsigned long long)m->nisolations, span, (unsigned long long)m->info.events,
		 m->info.discarded_events ? " · DISCARDED EVENTS" : "");
	if (m->info.discarded_events) {
		char d[64];

		snprintf(d, sizeof(d), " (%llu)", (unsigned long long)m->info.discarded_events);
		strncat(buf, d, sizeof(buf) - strlen(buf) - 1);
	}
	text_draw_clip(&rd->small, rd->r, x, 6, buf, fg_dim, lo->width - x - 330);

	format_duration(span, sizeof(span), v->t1 - v->t0);
	format_duration(
	    speed, sizeof(speed),
	    (uint64_t)(v->playing || v->speed_set ? v->speed : (double)(v->t1 - v->t0) / 10.0));
	snprintf(buf, sizeof(buf), "view %s   %s %s/s   ? keys", span,
		 v->playing ? "▶ playing" : "replay", speed);
	text_draw(&rd->small, rd->r, lo->width - text_width(&rd->small, buf) - 8, 6, buf,
		  v->playing ? accent : fg_dim);
}

/* Tick labels: relative to the trace start, or, when that would need too
 * many digits, relative to an origin printed at the left of the axis. */
static void draw_axis(struct tl_render *rd, const struct tl_model *m, const struct tl_view *v,
		      const struct tl_layout *lo)
{
	uint64_t span = v->t1 - v->t0;
	uint64_t step = axis_step(span, lo->lanes_w, 110);
	uint64_t base = m->t_min, origin = base;
	uint64_t unit;
	const char *uname;
	int decimals = 0;
	char buf[64];

	fill(rd->r, 0, lo->axis_y, lo->width, lo->axis_h, bg_panel);
	if (v->t0 > base && (v->t0 - base) / step > 2000) {
		origin = v->t0 - (v->t0 - base) % step;
		format_time(buf, sizeof(buf), m, origin);
		text_draw(&rd->small, rd->r, 6, lo->axis_y + 4, buf, accent);
	} else {
		text_draw(&rd->small, rd->r, 6, lo->axis_y + 4, "time from trace start", fg_dim);
	}
	/* The unit suits the largest label, the decimals the step: 100.5 ms
	 * rather than 100500 µs. */
	{
		uint64_t mag = v->t1 > origin ? v->t1 - origin : 0;

		if (mag < 10000) {
			unit = 1, uname = "ns";
		} else if (mag < 10000000) {
			unit = 1000, uname = "µs";
		} else if (mag < 10000000000ull) {
			unit = 1000000, uname = "ms";
		} else {
			unit = 1000000000, uname = "s";
		}
	}
	for (uint64_t u = unit; u > step; u /= 10) {
		decimals++;
	}
	{
		uint64_t first = v->t0 <= origin
				     ? origin - ((origin - v->t0) / step) * step
				     : origin + ((v->t0 - origin + step - 1) / step) * step;

		for (uint64_t t = first; t < v->t1; t += step) {
			double x = view_ns_to_x(v, lo, t);
			double rel = t >= origin ? (double)(t - origin) / (double)unit
						 : -(double)(origin - t) / (double)unit;
			int xi = (int)x;

			if (xi < lo->lanes_x || xi >= lo->lanes_x + lo->lanes_w) {
				continue;
			}
			fill(rd->r, xi, lo->axis_y + lo->axis_h - 6, 1, 6, fg_dim);
			fill(rd->r, xi, lo->lanes_y, 1, lo->lanes_h, grid);
			snprintf(buf, sizeof(buf), "%s%.*f %s",
				 origin != base && t >= origin ? "+" : "", decimals, rel, uname);
			if (xi + 3 + text_width(&rd->small, buf) < lo->lanes_x + lo->lanes_w) {
				text_draw(&rd->small, rd->r, xi + 3, lo->axis_y + 3, buf, fg);
			}
			if (t > UINT64_MAX - step) {
				break;
			}
		}
	}
}

/* ---- Lanes -------------------------------------------------------------- */

static void lane_label(const struct tl_model *m, uint32_t lane, char *buf, size_t len)
{
	const struct rdv_tl_lane *l = &m->lanes[lane];

	snprintf(buf, len, "t%u  tid %d", l->thread, l->os_tid);
}

static void draw_lane(struct tl_render *rd, const struct tl_model *m, const struct tl_view *v,
		      const struct tl_layout *lo, uint32_t lane, int y)
{
	unsigned columns = (unsigned)lo->lanes_w;
	unsigned n;
	int top = y + 2, h = lo->row_h - 4;

	if (columns > rd->cap) {
		columns = rd->cap;
	}
	n = timeline_lod_query(m, lane, v->t0, v->t1, columns, rd->buckets);
	for (unsigned i = 0; i < n; i++) {
		const struct tl_bucket *b = &rd->buckets[i];
		int x = lo->lanes_x + (int)b->col0;
		int w = (int)(b->col1 - b->col0);

		push_rect(rd, b->dominant, x, top, w, h);
		/* A column holding a rare state that is not dominant gets a mark at
		 * the bottom, so short isolations stay visible when zoomed out. */
		if (b->nstates > 1) {
			static const uint8_t rare[] = {RDV_TL_ISOLATED, RDV_TL_WAITING,
						       RDV_TL_BLOCKED, RDV_TL_UNKNOWN,
						       RDV_TL_RUNNING};

			for (size_t k = 0; k < sizeof(rare); k++) {
				if (rare[k] != b->dominant && b->state_ns[rare[k]] > 0) {
					push_rect(rd, rare[k], x, top + h - 4, w, 4);
					break;
				}
			}
		}
	}
}

static void draw_selection(struct tl_render *rd, const struct tl_model *m, const struct tl_view *v,
			   const struct tl_layout *lo)
{
	const struct rdv_tl_isolation *x;
	uint32_t vis = view_visible_rows(lo);
	int64_t row;
	double xr, xg, xe;
	int y;

	if (v->selected < 0 || (uint64_t)v->selected >= m->nisolations) {
		return;
	}
	x = &m->isolations[v->selected];
	xr = view_ns_to_x(v, lo, x->request_ns);
	xg = view_ns_to_x(v, lo, x->grant_ns);
	xe = view_ns_to_x(v, lo, timeline_isolation_end(m, x));
	SDL_RenderSetClipRect(rd->r,
			      &(SDL_Rect){lo->lanes_x, lo->lanes_y, lo->lanes_w, lo->lanes_h});
	/* Request, grant and release lines across the lanes. */
	fill(rd->r, (int)xr, lo->lanes_y, 1, lo->lanes_h, state_colors[RDV_TL_WAITING]);
	fill(rd->r, (int)xg, lo->lanes_y, 1, lo->lanes_h, state_colors[RDV_TL_ISOLATED]);
	if (x->release_ns) {
		fill(rd->r, (int)xe, lo->lanes_y, 1, lo->lanes_h, fg_dim);
	}
	row = m->lane_row[x->lane];
	if (row >= v->first_row && row < (int64_t)v->first_row + vis) {
		y = lo->lanes_y + (int)(row - v->first_row) * lo->row_h;
		/* request -> grant bracket, grant -> release box */
		outline(rd->r, (int)xr, y, (int)(xg - xr) + 1, lo->row_h, cursor_c);
		outline(rd->r, (int)xr - 1, y - 1, (int)(xg - xr) + 3, lo->row_h + 2,
			state_colors[RDV_TL_WAITING]);
		outline(rd->r, (int)xg, y, (int)(xe - xg) + 1, lo->row_h,
			state_colors[RDV_TL_ISOLATED]);
	}
	if (x->straggler_lane != RDV_TL_NO_LANE) {
		row = m->lane_row[x->straggler_lane];
		if (row >= v->first_row && row < (int64_t)v->first_row + vis) {
			double xs = view_ns_to_x(v, lo, x->straggler_ns);

			y = lo->lanes_y + (int)(row - v->first_row) * lo->row_h;
			outline(rd->r, (int)xr, y, (int)(xs - xr) + 1, lo->row_h, accent);
			fill(rd->r, (int)xs - 1, y - 2, 3, lo->row_h + 4, accent);
		}
	}
	SDL_RenderSetClipRect(rd->r, NULL);
}

static void draw_rows(struct tl_render *rd, const struct tl_model *m, const struct tl_view *v,
		      const struct tl_layout *lo)
{
	uint32_t vis = view_visible_rows(lo);
	int64_t sel_lane = -1, strag_lane = -1;
	char buf[256];

	if (v->selected >= 0 && (uint64_t)v->selected < m->nisolations) {
		sel_lane = m->isolations[v->selected].lane;
		strag_lane = m->isolations[v->selected].straggler_lane;
		if (strag_lane == RDV_TL_NO_LANE) {
			strag_lane = -1;
		}
	}
	for (uint32_t k = 0; k < vis && v->first_row + k < m->nrows; k++) {
		const struct tl_row *row = &m->rows[v->first_row + k];
		int y = lo->lanes_y + (int)k * lo->row_h;

		if (row->kind == TL_ROW_GROUP) {
			const struct tl_group *g = &m->groups[row->group];

			fill(rd->r, 0, y, lo->width, lo->row_h, bg_group);
			snprintf(buf, sizeof(buf), "pid %u %s · domain %u · %u threads", g->vpid,
				 g->procname[0] ? g->procname : "", g->domain, g->nlanes);
			text_draw_clip(&rd->small, rd->r, 6, y + 2, buf, fg, lo->width - 12);
			continue;
		}
		fill(rd->r, 0, y, lo->lanes_x, lo->row_h, k % 2 ? bg_lane_alt : bg_lane);
		fill(rd->r, lo->lanes_x, y, lo->lanes_w, lo->row_h, k % 2 ? bg_lane_alt : bg_lane);
		{
			uint8_t s = timeline_state_at(m, row->lane, v->cursor_ns);
			SDL_Color c = fg;

			/* The lane's state at the cursor, as a chip by its label. */
			if (s != TL_NO_STATE) {
				fill(rd->r, 6, y + 4, 10, lo->row_h - 8, state_colors[s]);
			} else {
				outline(rd->r, 6, y + 4, 10, lo->row_h - 8, fg_dim);
			}
			if ((int64_t)row->lane == sel_lane) {
				c = state_colors[RDV_TL_WAITING];
			} else if ((int64_t)row->lane == strag_lane) {
				c = accent;
			}
			lane_label(m, row->lane, buf, sizeof(buf));
			if ((int64_t)row->lane == strag_lane) {
				strncat(buf, "  straggler", sizeof(buf) - strlen(buf) - 1);
			}
			text_draw_clip(&rd->small, rd->r, 22, y + 2, buf, c, lo->lanes_x - 26);
		}
		draw_lane(rd, m, v, lo, row->lane, y);
	}
	flush_rects(rd);
	/* Grid lines over the lanes, faint, so they stay readable. */
}

static void draw_cursor(struct tl_render *rd, const struct tl_model *m, const struct tl_view *v,
			const struct tl_layout *lo)
{
	double x = view_ns_to_x(v, lo, v->cursor_ns);
	char buf[64];

	if (x >= lo->lanes_x && x < lo->lanes_x + lo->lanes_w) {
		int xi = (int)x;

		if (v->playing) {
			/* The future, dimmed, while replaying. */
			SDL_Color shade = {0x10, 0x12, 0x15, 150};

			fill(rd->r, xi + 1, lo->lanes_y, lo->lanes_x + lo->lanes_w - xi - 1,
			     lo->lanes_h, shade);
		}
		fill(rd->r, xi, lo->axis_y, 1, lo->lanes_h + lo->axis_h, cursor_c);
		format_time(buf, sizeof(buf), m, v->cursor_ns);
		{
			int w = text_width(&rd->small, buf) + 6;
			int bx = xi + 3 + w < lo->width ? xi + 3 : xi - w - 3;

			fill(rd->r, bx, lo->axis_y + 2, w, lo->axis_h - 4, cursor_c);
			text_draw(&rd->small, rd->r, bx + 3, lo->axis_y + 3, buf, bg);
		}
	}
}

static void draw_legend(struct tl_render *rd, const struct tl_layout *lo)
{
	int x = 8, y = lo->legend_y + 3;

	fill(rd->r, 0, lo->legend_y, lo->width, lo->legend_h, bg_panel);
	for (int s = 0; s < RDV_TL_NSTATES; s++) {
		fill(rd->r, x, y + 2, 14, 12, state_colors[s]);
		x += 18;
		x +=
		    text_draw(&rd->small, rd->r, x, y, rdv_tl_state_name((enum rdv_tl_state)s), fg);
		x += 16;
	}
	text_draw_clip(&rd->small, rd->r, x + 10, y,
		       "a column shows its dominant state; a bottom mark: a shorter isolated / "
		       "waiting / blocked / running state in it",
		       fg_dim, lo->width - x - 20);
}

/* ---- Mask panel --------------------------------------------------------- */

static void draw_masks(struct tl_render *rd, const struct tl_model *m, const struct tl_view *v,
		       const struct tl_layout *lo)
{
	static const char *const names[3] = {"W", "H", "I"};
	int x0 = 10, y = lo->panel_y + 6;
	int bottom = lo->height - 6;
	char buf[128], t[48];

	format_time(t, sizeof(t), m, v->cursor_ns);
	snprintf(buf, sizeof(buf), "Masks at cursor %s", t);
	text_draw(&rd->font, rd->r, x0, y, buf, fg);
	text_draw(&rd->small, rd->r, x0 + text_width(&rd->font, buf) + 12, y + 2,
		  "W want_rdv  H harmless  I idle", fg_dim);
	y += rd->font.height + 4;
	for (uint32_t gi = 0; gi < m->ngroups; gi++) {
		const struct tl_group *g = &m->groups[gi];
		int avail = lo->mask_w - x0 - 40;
		/* Thread indexes that fit at 4 px a cell; the rest are left out. */
		uint32_t shown =
		    g->max_thread < (uint32_t)avail / 4 ? g->max_thread : (uint32_t)avail / 4;
		int cell = shown ? avail / (int)shown : 14;
		int need;

		if (cell > 16) {
			cell = 16;
		}
		if (cell < 4) {
			cell = 4;
		}
		need = rd->small.height + 4 * (cell + 2) + 4;
		if (y + need > bottom) {
			snprintf(buf, sizeof(buf), "… %u more domains", m->ngroups - gi);
			text_draw(&rd->small, rd->r, x0, y, buf, fg_dim);
			break;
		}
		snprintf(buf, sizeof(buf), "pid %u %s · domain %u%s", g->vpid, g->procname,
			 g->domain,
			 shown < g->max_thread ? " (the highest threads do not fit)" : "");
		text_draw_clip(&rd->small, rd->r, x0, y, buf, fg_dim, lo->mask_w - 20);
		y += rd->small.height;
		for (int b = 0; b < 3; b++) {
			text_draw(&rd->small, rd->r, x0 + 4,
				  y + b * (cell + 2) + (cell - rd->small.height) / 2, names[b],
				  mask_colors[b]);
		}
		/* One column per thread index of the domain: the mask words' bits. */
		for (uint32_t k = 0; k < g->nlanes; k++) {
			uint32_t lane = m->rows[g->first_row + 1 + k].lane;
			const struct rdv_tl_lane *l = &m->lanes[lane];
			uint8_t s;
			int cx;
			bool bits[3];

			if (l->thread >= shown) {
				continue;
			}
			s = timeline_state_at(m, lane, v->cursor_ns);
			cx = x0 + 24 + (int)l->thread * cell;

			if (s == TL_NO_STATE || s == RDV_TL_UNKNOWN) {
				for (int b = 0; b < 3; b++) {
					outline(rd->r, cx, y + b * (cell + 2), cell - 1, cell,
						s == RDV_TL_UNKNOWN ? state_colors[RDV_TL_UNKNOWN]
								    : grid);
				}
			} else {
				timeline_state_bits(s, &bits[0], &bits[1], &bits[2]);
				for (int b = 0; b < 3; b++) {
					if (bits[b]) {
						fill(rd->r, cx, y + b * (cell + 2), cell - 1, cell,
						     mask_colors[b]);
					} else {
						outline(rd->r, cx, y + b * (cell + 2), cell - 1,
							cell, grid);
					}
				}
			}
			/* The state row under the bits. */
			fill(rd->r, cx, y + 3 * (cell + 2), cell - 1, cell / 2 + 1,
			     render_state_color(s));
		}
		for (uint32_t th = 0; th < shown; th += 8) {
			snprintf(buf, sizeof(buf), "%u", th);
			if (cell * 8 > text_width(&rd->small, buf) + 2) {
				text_draw(&rd->small, rd->r, x0 + 24 + (int)th * cell,
					  y + 3 * (cell + 2) + cell / 2 + 2, buf, fg_dim);
			}
		}
		y += need + 4;
	}
}

/* ---- Latency panel ------------------------------------------------------ */

/* The analysis' numbers (timeline_latency()); the buckets only shape the
 * plot. */
static void draw_histogram(struct tl_render *rd, const struct rdv_tl_latency *h, const char *name,
			   SDL_Color c, int x, int y, int w, int hgt)
{
	char buf[128], a[32], b[32];
	int lo_b = 0, hi_b = 0, nb, plot_y, plot_h;
	uint64_t maxc = 0;

	text_draw_clip(&rd->small, rd->r, x, y, name, fg, w);
	if (h->count == 0) {
		text_draw(&rd->small, rd->r, x, y + rd->small.height + 4, "no samples", fg_dim);
		return;
	}
	format_duration(a, sizeof(a), h->max_ns);
	snprintf(buf, sizeof(buf), "n=%llu · max %s", (unsigned long long)h->count, a);
	text_draw_clip(&rd->small, rd->r, x, y + rd->small.height, buf, fg_dim, w);
	format_duration(a, sizeof(a), h->p50_ns);
	format_duration(b, sizeof(b), h->p99_ns);
	snprintf(buf, sizeof(buf), "p50 %s p99 %s", a, b);
	text_draw_clip(&rd->small, rd->r, x, y + 2 * rd->small.height, buf, fg_dim, w);
	lo_b = rdv_tl_hist_bucket(h->min_ns);
	hi_b = rdv_tl_hist_bucket(h->max_ns);
	if (hi_b - lo_b < 7) {
		/* At least 8 buckets wide, so one spike does not fill the plot. */
		lo_b -= (7 - (hi_b - lo_b)) / 2;
		if (lo_b < 0) {
			lo_b = 0;
		}
		hi_b = lo_b + 7 > 63 ? 63 : lo_b + 7;
		lo_b = hi_b - 7;
	}
	nb = hi_b - lo_b + 1;
	for (int k = lo_b; k <= hi_b; k++) {
		if (h->buckets[k] > maxc) {
			maxc = h->buckets[k];
		}
	}
	plot_y = y + 3 * rd->small.height + 4;
	plot_h = hgt - (plot_y - y) - rd->small.height - 2;
	if (plot_h < 10) {
		return;
	}
	fill(rd->r, x, plot_y, w, plot_h, bg_lane);
	for (int k = lo_b; k <= hi_b; k++) {
		int bx = x + (k - lo_b) * w / nb;
		int bw = (k - lo_b + 1) * w / nb - (k - lo_b) * w / nb - 1;
		/* Counts on a log scale too: a long tail of rare waits stays visible. */
		double f = h->buckets[k] ? log1p((double)h->buckets[k]) / log1p((double)maxc) : 0;
		int bh = (int)(f * (plot_h - 2));

		if (h->buckets[k] && bh < 2) {
			bh = 2;
		}
		fill(rd->r, bx, plot_y + plot_h - bh, bw > 0 ? bw : 1, bh, c);
	}
	/* x axis: bucket lower edges, powers of two. */
	format_duration(a, sizeof(a), (uint64_t)1 << lo_b);
	format_duration(b, sizeof(b), (uint64_t)1 << hi_b);
	text_draw(&rd->small, rd->r, x, plot_y + plot_h + 1, a, fg_dim);
	text_draw(&rd->small, rd->r, x + w - text_width(&rd->small, b), plot_y + plot_h + 1, b,
		  fg_dim);
}

static void draw_latency(struct tl_render *rd, const struct tl_model *m, const struct tl_layout *lo)
{
	/* The three distributions of the JSON report (grant_delay: blame). */
	enum { NPANELS = 3 };
	static const enum rdv_tl_latency_kind kinds[NPANELS] = {
	    RDV_TL_LAT_ISOLATE_WAIT, RDV_TL_LAT_ISOLATION_HOLD, RDV_TL_LAT_BLOCKED};
	static const uint8_t colors[NPANELS] = {RDV_TL_WAITING, RDV_TL_ISOLATED, RDV_TL_BLOCKED};
	int x0 = lo->mask_w + 10, y = lo->panel_y + 6;
	int total_w = lo->width - x0 - 10;
	int strag_w = total_w * 30 / 100;
	int hist_w = (total_w - strag_w) / NPANELS - 12;
	int hgt = lo->height - y - rd->font.height - 10;
	char buf[160], d[32];

	fill(rd->r, lo->mask_w, lo->panel_y + 4, 1, lo->panel_h - 8, grid);
	text_draw(&rd->font, rd->r, x0, y, "Latency", fg);
	text_draw_clip(&rd->small, rd->r, x0 + text_width(&rd->font, "Latency") + 12, y + 2,
		       "isolate_wait: request→grant · isolation_hold: grant→release · log2 "
		       "buckets, log counts",
		       fg_dim, lo->width - x0 - 90);
	y += rd->font.height + 4;
	for (int k = 0; k < NPANELS; k++) {
		draw_histogram(rd, timeline_latency(m, kinds[k]), rdv_tl_latency_name(kinds[k]),
			       state_colors[colors[k]], x0 + k * (hist_w + 12), y, hist_w, hgt);
	}
	x0 += NPANELS * (hist_w + 12) + 4;
	text_draw_clip(&rd->small, rd->r, x0, y, "Top stragglers: times, mean delay", fg,
		       lo->width - x0 - 6);
	y += rd->small.height + 2;
	if (m->nstragglers == 0) {
		text_draw(&rd->small, rd->r, x0, y, "none", fg_dim);
	}
	for (uint32_t k = 0; k < m->nstragglers && y + rd->small.height < lo->height - 4; k++) {
		const struct tl_straggler *s = &m->stragglers[k];
		const struct rdv_tl_lane *l = &m->lanes[s->lane];

		format_duration(d, sizeof(d), s->count ? s->delay_ns / s->count : 0);
		snprintf(buf, sizeof(buf), "t%u (%d) %llu× %s", l->thread, l->os_tid,
			 (unsigned long long)s->count, d);
		text_draw_clip(&rd->small, rd->r, x0, y, buf, fg_dim, lo->width - x0 - 6);
		y += rd->small.height;
	}
}

/* ---- Overlays ----------------------------------------------------------- */

static void box(struct tl_render *rd, int x, int y, int w, int h)
{
	SDL_Color shadow = {0, 0, 0, 120};
	SDL_Color face = {0x2a, 0x2f, 0x37, 245};

	fill(rd->r, x + 3, y + 3, w, h, shadow);
	fill(rd->r, x, y, w, h, face);
	outline(rd->r, x, y, w, h, grid);
}

static void draw_lines_box(struct tl_render *rd, const struct tl_layout *lo, int x, int y,
			   const char *const *lines, int n)
{
	int w = 0, h = n * rd->small.height + 10;

	for (int i = 0; i < n; i++) {
		int lw = text_width(&rd->small, lines[i]);

		if (lw > w) {
			w = lw;
		}
	}
	w += 14;
	if (x + w > lo->width - 4) {
		x = lo->width - 4 - w;
	}
	if (y + h > lo->height - 4) {
		y = lo->height - 4 - h;
	}
	if (x < 4) {
		x = 4;
	}
	if (y < 4) {
		y = 4;
	}
	box(rd, x, y, w, h);
	for (int i = 0; i < n; i++) {
		text_draw(&rd->small, rd->r, x + 7, y + 5 + i * rd->small.height, lines[i],
			  i == 0 ? fg : fg_dim);
	}
}

static void draw_tooltip(struct tl_render *rd, const struct tl_model *m, const struct tl_view *v,
			 const struct tl_layout *lo)
{
	char l0[160], l1[96], l2[96], l3[96], l4[200], l5[200], a[48], b[48];
	const char *lines[6];
	int n = 0;
	const struct tl_row *row;
	int64_t i;

	if (!v->hover || v->hover_row >= m->nrows) {
		return;
	}
	row = &m->rows[v->hover_row];
	if (row->kind != TL_ROW_LANE) {
		return;
	}
	{
		const struct rdv_tl_lane *l = &m->lanes[row->lane];

		snprintf(l0, sizeof(l0), "thread %u · tid %d · pid %u %s · domain %u", l->thread,
			 l->os_tid, l->vpid, l->procname, l->domain);
		lines[n++] = l0;
		i = timeline_interval_at(m, row->lane, v->hover_ns);
		if (i >= 0) {
			format_time(a, sizeof(a), m, l->begin_ns[i]);
			format_duration(b, sizeof(b), l->end_ns[i] - l->begin_ns[i]);
			snprintf(l1, sizeof(l1), "%s",
				 rdv_tl_state_name((enum rdv_tl_state)l->state[i]));
			snprintf(l2, sizeof(l2), "start %s", a);
			snprintf(l3, sizeof(l3), "duration %s", b);
			lines[n++] = l1;
			lines[n++] = l2;
			lines[n++] = l3;
		} else {
			snprintf(l1, sizeof(l1), "not registered here");
			lines[n++] = l1;
		}
	}
	{
		/* What the pixel column under the pointer holds, when it is more
		 * than one interval. */
		uint64_t t0 = view_x_to_ns(v, lo, v->hover_x),
			 t1 = view_x_to_ns(v, lo, v->hover_x + 1);
		uint64_t st[RDV_TL_NSTATES], tot = 0;
		int used = 0;

		timeline_state_time(m, row->lane, t0, t1, st);
		for (int s = 0; s < RDV_TL_NSTATES; s++) {
			tot += st[s];
			used += st[s] > 0;
		}
		if (used > 1 && tot) {
			int o = snprintf(l4, sizeof(l4), "this pixel:");

			for (int s = 0; s < RDV_TL_NSTATES && o < (int)sizeof(l4) - 24; s++) {
				if (st[s]) {
					o += snprintf(l4 + o, sizeof(l4) - (size_t)o, " %s %.0f%%",
						      rdv_tl_state_name((enum rdv_tl_state)s),
						      100.0 * (double)st[s] / (double)tot);
				}
			}
			lines[n++] = l4;
		}
	}
	{
		/* An isolation of this thread under the pointer (within 4 px). */
		uint64_t slack = (v->t1 - v->t0) * 4 / (uint64_t)lo->lanes_w;
		int64_t k = timeline_isolation_at(m, row->lane, v->hover_ns, slack);

		if (k >= 0) {
			const struct rdv_tl_isolation *x = &m->isolations[k];

			format_duration(a, sizeof(a), x->grant_ns - x->request_ns);
			if (x->release_ns) {
				format_duration(b, sizeof(b), x->release_ns - x->grant_ns);
			} else {
				snprintf(b, sizeof(b), "not released");
			}
			snprintf(l5, sizeof(l5),
				 "isolation #%lld%s: wait %s, hold %s (click: select)",
				 (long long)k, x->full ? " (full)" : "", a, b);
			lines[n++] = l5;
		}
	}
	draw_lines_box(rd, lo, v->hover_x + 14, v->hover_y + 16, lines, n);
}

static void draw_selection_info(struct tl_render *rd, const struct tl_model *m,
				const struct tl_view *v, const struct tl_layout *lo)
{
	const struct rdv_tl_isolation *x;
	char l0[160], l1[96], l2[96], l3[160], a[32], b[32];
	const char *lines[4];

	if (v->selected < 0 || (uint64_t)v->selected >= m->nisolations) {
		return;
	}
	x = &m->isolations[v->selected];
	snprintf(l0, sizeof(l0), "isolation #%lld by t%u (tid %d)%s", (long long)v->selected,
		 m->lanes[x->lane].thread, m->lanes[x->lane].os_tid, x->full ? " · full" : "");
	format_duration(a, sizeof(a), x->grant_ns - x->request_ns);
	snprintf(l1, sizeof(l1), "request → grant  %s (yellow)", a);
	if (x->release_ns) {
		format_duration(b, sizeof(b), x->release_ns - x->grant_ns);
	} else {
		snprintf(b, sizeof(b), "not released");
	}
	snprintf(l2, sizeof(l2), "grant → release  %s (red)", b);
	if (x->straggler_lane != RDV_TL_NO_LANE) {
		format_duration(a, sizeof(a),
				x->straggler_ns > x->request_ns ? x->straggler_ns - x->request_ns
								: 0);
		snprintf(l3, sizeof(l3), "straggler t%u (tid %d), ready %s after request (blue)",
			 m->lanes[x->straggler_lane].thread, m->lanes[x->straggler_lane].os_tid, a);
	} else {
		snprintf(l3, sizeof(l3), "no straggler: all were ready");
	}
	lines[0] = l0;
	lines[1] = l1;
	lines[2] = l2;
	lines[3] = l3;
	/* Bottom right of the lanes: the top rows are the ones people read. */
	draw_lines_box(rd, lo, lo->width - 440, lo->legend_y - 4 * rd->small.height - 18, lines, 4);
}

static void draw_help(struct tl_render *rd, const struct tl_layout *lo, bool live)
{
	static const char *const live_keys[][2] = {
	    {"Space", "pause / follow the live session (reception goes on)"},
	    {"- / +", "longer / shorter rolling window (x2, 0.1 to 600 s)"},
	    {"W S A D, drag, click", "zoom, pan, cursor (paused; else the next update follows)"},
	    {"↑ / ↓, PgUp / PgDn", "scroll the lanes (also Shift+wheel)"},
	    {"N / P", "next / previous isolation"},
	    {"hover", "thread, state, start, duration"},
	    {"Esc", "close this help, clear the selection"},
	    {"? / F1", "this help"},
	    {"Q, Ctrl+Q", "quit"},
	};
	static const char *const keys[][2] = {
	    {"W / S, mouse wheel", "zoom in / out around the pointer"},
	    {"A / D, ← / →, drag", "pan (Shift: half a screen)"},
	    {"↑ / ↓, PgUp / PgDn", "scroll the lanes (also Shift+wheel)"},
	    {"F", "fit the whole trace"},
	    {"Home / End", "go to the start / end"},
	    {"click", "move the cursor; on a lane, select the isolation there"},
	    {"N / P", "next / previous isolation"},
	    {"Space", "play / pause the replay (the cursor sweeps time)"},
	    {"[ / ]", "replay slower / faster (down to 1 ns/s)"},
	    {"hover", "thread, state, start, duration"},
	    {"Esc", "close this help, clear the selection"},
	    {"? / F1", "this help"},
	    {"Q, Ctrl+Q", "quit"},
	};
	const char *const(*k)[2] = live ? live_keys : keys;
	int n = live ? (int)(sizeof(live_keys) / sizeof(live_keys[0]))
		     : (int)(sizeof(keys) / sizeof(keys[0]));
	int kw = 0, dw = 0, lh = rd->small.height + 2;
	int w, h, x, y;

	for (int i = 0; i < n; i++) {
		int a = text_width(&rd->small, k[i][0]), b = text_width(&rd->small, k[i][1]);

		kw = a > kw ? a : kw;
		dw = b > dw ? b : dw;
	}
	w = kw + dw + 40;
	h = (n + 1) * lh + 16;
	x = (lo->width - w) / 2;
	y = (lo->height - h) / 2;
	box(rd, x, y, w, h);
	text_draw(&rd->font, rd->r, x + 12, y + 6, "Keys and mouse", fg);
	for (int i = 0; i < n; i++) {
		int ly = y + 8 + (i + 1) * lh;

		text_draw(&rd->small, rd->r, x + 12, ly, k[i][0], accent);
		text_draw(&rd->small, rd->r, x + 28 + kw, ly, k[i][1], fg);
	}
}

void render_frame(struct tl_render *rd, const struct tl_model *m, const struct tl_view *v,
		  const struct tl_layout *lo)
{
	set_color(rd->r, bg);
	SDL_RenderClear(rd->r);
	draw_axis(rd, m, v, lo);
	draw_rows(rd, m, v, lo);
	draw_selection(rd, m, v, lo);
	draw_cursor(rd, m, v, lo);
	draw_header(rd, m, v, lo);
	draw_legend(rd, lo);
	fill(rd->r, 0, lo->panel_y, lo->width, lo->panel_h, bg_panel);
	draw_masks(rd, m, v, lo);
	draw_latency(rd, m, lo);
	draw_selection_info(rd, m, v, lo);
	if (v->status[0]) {
		int w = text_width(&rd->small, v->status) + 12;

		fill(rd->r, lo->width - w - 8, lo->legend_y - 22, w, 20, bg_group);
		text_draw(&rd->small, rd->r, lo->width - w - 2, lo->legend_y - 20, v->status, fg);
	}
	draw_tooltip(rd, m, v, lo);
	if (v->help) {
		draw_help(rd, lo, v->live);
	}
}

void render_message(struct tl_render *rd, const struct tl_layout *lo, const char *title,
		    const char *msg, double fraction)
{
	int cx = lo->width / 2, y = lo->height / 2 - 40;

	set_color(rd->r, bg);
	SDL_RenderClear(rd->r);
	text_draw(&rd->font, rd->r, cx - text_width(&rd->font, title) / 2, y, title, fg);
	y += rd->font.height + 10;
	if (msg) {
		text_draw_clip(
		    &rd->small, rd->r,
		    cx - text_width(&rd->small, msg) / 2 > 10 ? cx - text_width(&rd->small, msg) / 2
							      : 10,
		    y, msg, fraction >= 0 ? fg_dim : state_colors[RDV_TL_ISOLATED], lo->width - 20);
		y += rd->small.height + 10;
	}
	if (fraction >= 0) {
		int w = lo->width / 2;

		outline(rd->r, cx - w / 2, y, w, 16, fg_dim);
		fill(rd->r, cx - w / 2 + 2, y + 2, (int)((w - 4) * (fraction > 1 ? 1 : fraction)),
		     12, accent);
	}
}
