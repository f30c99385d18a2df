/* SPDX-License-Identifier: MIT */
/*
 * rdv-view's rendering: see render.h. Each lane is one level-of-detail query
 * (at most one bucket per pixel column), its rectangles batched per colour.
 * Where things go comes from view.h's layout functions, which input uses too;
 * a text that might not fit its place is drawn in the longest of its forms
 * that does, never cut in the middle of a number.
 */
#include "render.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COLUMNS 8192
#define MAX_SLOTS 512

static const SDL_Color bg = {0x1b, 0x1e, 0x23, 255};
static const SDL_Color bg_lane = {0x23, 0x27, 0x2e, 255};
static const SDL_Color bg_lane_alt = {0x20, 0x24, 0x2a, 255};
static const SDL_Color bg_group = {0x2e, 0x34, 0x3d, 255};
static const SDL_Color bg_pin = {0x3a, 0x33, 0x1c, 255};
static const SDL_Color bg_panel = {0x16, 0x19, 0x1d, 255};
static const SDL_Color bg_select = {0x3b, 0x4a, 0x5e, 255};
static const SDL_Color grid = {0x38, 0x3e, 0x47, 255};
static const SDL_Color fg = {0xdc, 0xe1, 0xe7, 255};
static const SDL_Color fg_dim = {0x93, 0x9c, 0xa8, 255};
static const SDL_Color accent = {0x6c, 0xc4, 0xff, 255};
static const SDL_Color fg_req = {0xf0, 0xd8, 0x70, 255};   /* the requester's lines */
static const SDL_Color fg_late = {0xa8, 0xd4, 0xf0, 255};  /* a late thread's */
static const SDL_Color fg_stall = {0xf0, 0x84, 0x8e, 255}; /* a stall report */
static const SDL_Color marker_c = {0xff, 0x7a, 0xd9, 255};
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

static const char *const lat_names[TL_NLAT] = {
    [TL_LAT_WAIT] = "isolate_wait",
    [TL_LAT_HOLD] = "isolation_hold",
    [TL_LAT_BLOCKED] = "blocked",
    [TL_LAT_GRANT_DELAY] = "grant_delay",
};
static const uint8_t lat_colors[TL_NLAT] = {
    [TL_LAT_WAIT] = RDV_TL_WAITING,
    [TL_LAT_HOLD] = RDV_TL_ISOLATED,
    [TL_LAT_BLOCKED] = RDV_TL_BLOCKED,
    [TL_LAT_GRANT_DELAY] = RDV_TL_HARMLESS,
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

static void clip(SDL_Renderer *r, int x, int y, int w, int h)
{
	SDL_Rect rc = {x, y, w, h};

	SDL_RenderSetClipRect(r, &rc);
}

/* ---- Text ------------------------------------------------------------------ */

static int tw(const struct tl_render *rd, enum tl_font f, const char *s)
{
	return text_width(&rd->fonts[f], s);
}

static int fh(const struct tl_render *rd, enum tl_font f)
{
	return rd->fonts[f].height;
}

static int draw(struct tl_render *rd, enum tl_font f, int x, int y, const char *s, SDL_Color c)
{
	return text_draw(&rd->fonts[f], rd->r, x, y, s, c);
}

/* Within max_w; cut with "…" (and counted) when it does not fit. */
static int draw_in(struct tl_render *rd, enum tl_font f, int x, int y, const char *s, SDL_Color c,
		   int max_w)
{
	if (tw(rd, f, s) > max_w) {
		rd->clipped++;
	}
	return text_draw_clip(&rd->fonts[f], rd->r, x, y, s, c, max_w);
}

/* Only when it fits whole (optional text). */
static int draw_opt(struct tl_render *rd, enum tl_font f, int x, int y, const char *s, SDL_Color c,
		    int max_w)
{
	return tw(rd, f, s) <= max_w ? draw(rd, f, x, y, s, c) : 0;
}

/* The first of the forms that fits in max_w; the last one, cut, otherwise. */
static int draw_fit(struct tl_render *rd, enum tl_font f, int x, int y, SDL_Color c, int max_w,
		    const char *const *forms, int n)
{
	for (int i = 0; i < n; i++) {
		if (forms[i] && tw(rd, f, forms[i]) <= max_w) {
			return draw(rd, f, x, y, forms[i], c);
		}
	}
	return draw_in(rd, f, x, y, forms[n - 1], c, max_w);
}

static int metric_text_w(void *ctx, enum tl_font f, const char *s)
{
	return tw(ctx, f, s);
}

void render_metrics(struct tl_render *rd, struct tl_metrics *out)
{
	memset(out, 0, sizeof(*out));
	for (int f = 0; f < TL_NFONTS; f++) {
		out->height[f] = rd->fonts[f].height;
	}
	out->text_w = metric_text_w;
	out->ctx = rd;
}

/* ---- Setup --------------------------------------------------------------------- */

int render_init(struct tl_render *rd, SDL_Renderer *r, char *errbuf, size_t errlen)
{
	static const int px[TL_NFONTS] = {14, 12, 10};
	char path[1024];

	memset(rd, 0, sizeof(*rd));
	rd->r = r;
	if (text_find_font(path, sizeof(path), errbuf, errlen) < 0) {
		return -1;
	}
	for (int f = 0; f < TL_NFONTS; f++) {
		if (text_font_open(&rd->fonts[f], r, path, px[f], errbuf, errlen) < 0) {
			render_fini(rd);
			return -1;
		}
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
	for (int f = 0; f < TL_NFONTS; f++) {
		text_font_close(&rd->fonts[f]);
	}
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

/* ---- Header and axis ------------------------------------------------------------ */

static void draw_header(struct tl_render *rd, const struct tl_model *m, const struct tl_view *v,
			const struct tl_layout *lo)
{
	char title[512], base[300], s1[300], s2[200], s3[100], span[32], vs[32], speed[32], d[64];
	char r1[160], r2[100];
	const char *title_forms[3], *stat_forms[3], *right_forms[3];
	const char *name = rd->title ? rd->title : "";
	const char *slash = strrchr(name, '/');
	int x = 8, right_w, y = (lo->header_h - fh(rd, TL_FONT_SMALL)) / 2;

	fill(rd->r, 0, 0, lo->width, lo->header_h, bg_panel);
	snprintf(title, sizeof(title), "rdv-view  %s", name);
	snprintf(base, sizeof(base), "rdv-view  %s", slash && slash[1] ? slash + 1 : name);
	title_forms[0] = title;
	title_forms[1] = base;
	title_forms[2] = "rdv-view";
	x += draw_fit(rd, TL_FONT_NORMAL, x, (lo->header_h - fh(rd, TL_FONT_NORMAL)) / 2, fg,
		      lo->width / 3, title_forms, 3);

	format_duration(vs, sizeof(vs), v->t1 - v->t0);
	format_duration(
	    speed, sizeof(speed),
	    (uint64_t)(v->playing || v->speed_set ? v->speed : (double)(v->t1 - v->t0) / 10.0));
	snprintf(r1, sizeof(r1), "view %s   %s %s/s   ? keys", vs,
		 v->playing ? "▶ playing" : "replay", speed);
	snprintf(r2, sizeof(r2), "view %s   ? keys", vs);
	right_forms[0] = v->live ? r2 : r1;
	right_forms[1] = r2;
	right_forms[2] = "? keys";
	right_w = 0;
	for (int i = 0; i < 3; i++) {
		if (tw(rd, TL_FONT_SMALL, right_forms[i]) <= lo->width / 4 || i == 2) {
			right_w = tw(rd, TL_FONT_SMALL, right_forms[i]);
			draw(rd, TL_FONT_SMALL, lo->width - right_w - 8, y, right_forms[i],
			     v->playing ? accent : fg_dim);
			break;
		}
	}

	format_duration(span, sizeof(span), m->t_max - m->t_min);
	d[0] = '\0';
	if (m->info.discarded_events) {
		snprintf(d, sizeof(d), " · %llu DISCARDED EVENTS",
			 (unsigned long long)m->info.discarded_events);
	}
	snprintf(s1, sizeof(s1),
		 "%u threads · %llu intervals · %llu isolations · %s traced · %llu events%s",
		 m->info.nlanes, (unsigned long long)m->info.nintervals,
		 (unsigned long long)m->nisolations, span, (unsigned long long)m->info.events, d);
	snprintf(s2, sizeof(s2), "%u threads · %llu isolations · %s%s", m->info.nlanes,
		 (unsigned long long)m->nisolations, span, d);
	snprintf(s3, sizeof(s3), "%u threads%s", m->info.nlanes,
		 m->info.discarded_events ? " · LOST EVENTS" : "");
	stat_forms[0] = s1;
	stat_forms[1] = s2;
	stat_forms[2] = s3;
	x += 16;
	if (lo->width - right_w - 24 - x > 40) {
		draw_fit(rd, TL_FONT_SMALL, x, y,
			 m->info.discarded_events ? state_colors[RDV_TL_UNKNOWN] : fg_dim,
			 lo->width - right_w - 24 - x, stat_forms, 3);
	}
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
	int decimals = 0, ty = lo->axis_y + (lo->axis_h - fh(rd, TL_FONT_SMALL)) / 2;
	char buf[64];

	fill(rd->r, 0, lo->axis_y, lo->lanes_x + lo->lanes_w, lo->axis_h, bg_panel);
	if (v->t0 > base && (v->t0 - base) / step > 2000) {
		const char *forms[2];

		origin = v->t0 - (v->t0 - base) % step;
		format_time(buf, sizeof(buf), m, origin);
		forms[0] = buf;
		forms[1] = "";
		draw_fit(rd, TL_FONT_SMALL, 6, ty, accent, lo->lanes_x - 10, forms, 2);
	} else {
		draw_opt(rd, TL_FONT_SMALL, 6, ty, "time from trace start", fg_dim,
			 lo->lanes_x - 10);
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

			if (xi >= lo->lanes_x && xi < lo->lanes_x + lo->lanes_w) {
				fill(rd->r, xi, lo->axis_y + lo->axis_h - 6, 1, 6, fg_dim);
				fill(rd->r, xi, lo->lanes_y, 1, lo->lanes_h, grid);
				snprintf(buf, sizeof(buf), "%s%.*f %s",
					 origin != base && t >= origin ? "+" : "", decimals, rel,
					 uname);
				if (xi + 3 + tw(rd, TL_FONT_SMALL, buf) <
				    lo->lanes_x + lo->lanes_w) {
					draw(rd, TL_FONT_SMALL, xi + 3, ty, buf, fg);
				}
			}
			if (t > UINT64_MAX - step) {
				break;
			}
		}
	}
}

/* ---- Lanes -------------------------------------------------------------------------- */

static void lane_box(const struct tl_layout *lo, int y, int *top, int *h)
{
	int pad = lo->row_h >= 16 ? 2 : 1;

	*top = y + pad;
	*h = lo->row_h - 2 * pad;
}

static void draw_lane(struct tl_render *rd, const struct tl_model *m, const struct tl_view *v,
		      const struct tl_layout *lo, uint32_t lane, int y)
{
	unsigned columns = (unsigned)lo->lanes_w;
	unsigned n;
	int top, h, mark;

	lane_box(lo, y, &top, &h);
	mark = h >= 12 ? 4 : h / 3 > 1 ? h / 3 : 1;
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
					push_rect(rd, rare[k], x, top + h - mark, w, mark);
					break;
				}
			}
		}
	}
}

static SDL_Color role_color(uint8_t role)
{
	switch (role) {
	case TL_ROLE_REQUESTER:
		return state_colors[RDV_TL_WAITING];
	case TL_ROLE_STRAGGLER:
	case TL_ROLE_LATE:
		return accent;
	case TL_ROLE_BLOCKED:
		return state_colors[RDV_TL_BLOCKED];
	case TL_ROLE_QUEUED:
		return state_colors[RDV_TL_WAITING];
	default:
		return fg_dim;
	}
}

static void draw_header_row(struct tl_render *rd, const struct tl_model *m, const struct tl_view *v,
			    const struct tl_layout *lo, const struct tl_drow *d,
			    const struct tl_slot *s)
{
	char f1[256], f2[160], f3[96], a[32];
	const char *forms[3] = {f1, f2, f3};
	int ty = s->y + (s->h - fh(rd, TL_FONT_SMALL)) / 2;
	int w = lo->lanes_x + lo->lanes_w;
	SDL_Color back = bg_group, c = fg;

	if (d->kind == TL_DROW_GROUP) {
		const struct tl_group *g = &m->groups[d->group];
		const char *arrow = d->group < v->ngroups && v->collapsed[d->group] ? "▸" : "▾";

		snprintf(f1, sizeof(f1), "%s pid %u %s · domain %u · %u threads", arrow, g->vpid,
			 g->procname, g->domain, g->nlanes);
		snprintf(f2, sizeof(f2), "%s pid %u · d%u · %u threads", arrow, g->vpid, g->domain,
			 g->nlanes);
		snprintf(f3, sizeof(f3), "%s pid %u", arrow, g->vpid);
	} else if (d->kind == TL_DROW_PIN) {
		struct tl_iso x;

		timeline_isolation(m, (uint64_t)v->selected, &x);
		format_duration(a, sizeof(a), x.wait_ns);
		snprintf(f1, sizeof(f1),
			 "isolation #%lld · wait %s · its requester and late threads",
			 (long long)v->selected, a);
		snprintf(f2, sizeof(f2), "isolation #%lld · wait %s", (long long)v->selected, a);
		snprintf(f3, sizeof(f3), "#%lld", (long long)v->selected);
		back = bg_pin;
		c = state_colors[RDV_TL_WAITING];
	} else {
		snprintf(f1, sizeof(f1), "meanwhile: %llu threads of its domain waited or blocked",
			 (unsigned long long)d->ns);
		snprintf(f2, sizeof(f2), "meanwhile: %llu waited or blocked",
			 (unsigned long long)d->ns);
		snprintf(f3, sizeof(f3), "meanwhile");
		back = bg_pin;
		c = fg_dim;
	}
	fill(rd->r, 0, s->y, w, s->h, back);
	if (s->sticky_header) {
		fill(rd->r, 0, s->y + s->h - 1, w, 1, grid);
	}
	draw_fit(rd, TL_FONT_SMALL, 6, ty, c, w - 12, forms, 3);
}

static void draw_lane_row(struct tl_render *rd, const struct tl_model *m, const struct tl_view *v,
			  const struct tl_layout *lo, const struct tl_drow *d,
			  const struct tl_slot *s, unsigned k)
{
	enum tl_font f = lo->row_h >= fh(rd, TL_FONT_SMALL) + 2 ? TL_FONT_SMALL : TL_FONT_TINY;
	int ty = s->y + (s->h - fh(rd, f)) / 2;
	int chip_h = lo->row_h - 8 < 4 ? 4 : lo->row_h - 8 > 12 ? 12 : lo->row_h - 8;
	uint8_t st = timeline_state_at(m, d->lane, v->cursor_ns);
	char label[96], role[96];
	SDL_Color c = d->role ? role_color(d->role) : fg;
	int x;

	fill(rd->r, 0, s->y, lo->lanes_x + lo->lanes_w, s->h, k % 2 ? bg_lane_alt : bg_lane);
	/* The lane's state at the cursor, as a chip by its label. */
	if (st != TL_NO_STATE) {
		fill(rd->r, 6, s->y + (s->h - chip_h) / 2, 10, chip_h, state_colors[st]);
	} else {
		outline(rd->r, 6, s->y + (s->h - chip_h) / 2, 10, chip_h, fg_dim);
	}
	view_lane_label(m, d->lane, label, sizeof(label));
	x = 22 + draw_in(rd, f, 22, ty, label, c, lo->lanes_x - 26);
	view_lane_role(v, m, d, role, sizeof(role));
	if (role[0]) {
		draw_opt(rd, f, x + 8, ty, role, d->role ? c : fg_dim, lo->lanes_x - x - 12);
	}
	draw_lane(rd, m, v, lo, d->lane, s->y);
}

static void draw_rows(struct tl_render *rd, const struct tl_model *m, const struct tl_view *v,
		      const struct tl_layout *lo, const struct tl_slot *slots, unsigned n)
{
	clip(rd->r, 0, lo->lanes_y, lo->lanes_x + lo->lanes_w, lo->lanes_h);
	for (unsigned k = 0; k < n; k++) {
		const struct tl_drow *d = &v->drows[slots[k].drow];

		if (d->kind == TL_DROW_LANE) {
			draw_lane_row(rd, m, v, lo, d, &slots[k], k);
		}
	}
	flush_rects(rd);
	for (unsigned k = 0; k < n; k++) {
		const struct tl_drow *d = &v->drows[slots[k].drow];

		if (d->kind != TL_DROW_LANE) {
			draw_header_row(rd, m, v, lo, d, &slots[k]);
		}
	}
	/* The pinned rows end with a line. */
	if (lo->sticky_h) {
		fill(rd->r, 0, lo->lanes_y + lo->sticky_h - 1, lo->lanes_x + lo->lanes_w, 1,
		     state_colors[RDV_TL_WAITING]);
	}
	SDL_RenderSetClipRect(rd->r, NULL);
}

/* The slot showing a lane, or NULL. */
static const struct tl_slot *slot_of(const struct tl_view *v, const struct tl_slot *slots,
				     unsigned n, uint32_t lane)
{
	for (unsigned k = 0; k < n; k++) {
		const struct tl_drow *d = &v->drows[slots[k].drow];

		if (d->kind == TL_DROW_LANE && !slots[k].sticky_header && d->lane == lane) {
			return &slots[k];
		}
	}
	return NULL;
}

static void draw_selection(struct tl_render *rd, const struct tl_model *m, const struct tl_view *v,
			   const struct tl_layout *lo, const struct tl_slot *slots, unsigned n)
{
	struct tl_iso x;
	struct tl_late *late;
	unsigned nlate;
	const struct tl_slot *s;
	double xr, xg, xe;

	if (v->selected < 0 || (uint64_t)v->selected >= m->nisolations) {
		return;
	}
	timeline_isolation(m, (uint64_t)v->selected, &x);
	xr = view_ns_to_x(v, lo, x.request_ns);
	xg = view_ns_to_x(v, lo, x.grant_ns);
	xe = view_ns_to_x(v, lo, x.end_ns);
	clip(rd->r, lo->lanes_x, lo->lanes_y, lo->lanes_w, lo->lanes_h);
	/* Request, grant and release lines across the lanes. */
	fill(rd->r, (int)xr, lo->lanes_y, 1, lo->lanes_h, state_colors[RDV_TL_WAITING]);
	fill(rd->r, (int)xg, lo->lanes_y, 1, lo->lanes_h, state_colors[RDV_TL_ISOLATED]);
	if (x.release_ns) {
		fill(rd->r, (int)xe, lo->lanes_y, 1, lo->lanes_h, fg_dim);
	}
	s = slot_of(v, slots, n, x.lane);
	if (s) {
		char w1[300], w2[64], site[TL_INFO_LEN], a[32];
		const char *forms[3] = {w1, w2, a};
		double x0 = xr < lo->lanes_x ? lo->lanes_x : xr;
		double x1 = xg > lo->lanes_x + lo->lanes_w ? lo->lanes_x + lo->lanes_w : xg;

		/* request -> grant bracket, grant -> release box */
		outline(rd->r, (int)xr, s->y, (int)(xg - xr) + 1, s->h, cursor_c);
		outline(rd->r, (int)xr - 1, s->y - 1, (int)(xg - xr) + 3, s->h + 2,
			state_colors[RDV_TL_WAITING]);
		outline(rd->r, (int)xg, s->y, (int)(xe - xg) + 1, s->h,
			state_colors[RDV_TL_ISOLATED]);
		/* In the wait: how long, and from where it was requested. */
		format_duration(a, sizeof(a), x.wait_ns);
		view_site_label(m, x.site, TL_SITE_PLACE, site, sizeof(site));
		snprintf(w1, sizeof(w1), "wait %s · from %s", a, site);
		snprintf(w2, sizeof(w2), "wait %s", a);
		if (x.site == TL_NO_SITE) {
			forms[0] = w2;
		}
		for (int i = 0; i < 3; i++) {
			if (tw(rd, TL_FONT_SMALL, forms[i]) <= (int)(x1 - x0) - 6) {
				draw(rd, TL_FONT_SMALL, (int)x0 + 3,
				     s->y + (s->h - fh(rd, TL_FONT_SMALL)) / 2, forms[i], bg);
				break;
			}
		}
	}
	/* Each late thread: request -> ready, and its harmful section's sites
	 * (as much as fits: function and file:line, then the function). */
	late = calloc(m->info.nlanes ? m->info.nlanes : 1, sizeof(*late));
	nlate = late ? timeline_isolation_late(m, (uint64_t)v->selected, late, m->info.nlanes) : 0;
	nlate = nlate < m->info.nlanes ? nlate : m->info.nlanes;
	for (unsigned i = 0; i < nlate; i++) {
		double xs = view_ns_to_x(v, lo, x.request_ns + late[i].delay_ns);
		char text[2][TL_INFO_LEN];
		enum tl_font f;
		unsigned nt;
		int bx, bw, bh, top;

		s = slot_of(v, slots, n, late[i].lane);
		if (!s) {
			continue;
		}
		outline(rd->r, (int)xr, s->y, (int)(xs - xr) + 1, s->h, accent);
		fill(rd->r, (int)xs - 1, s->y - 1, 3, s->h + 2, accent);
		view_late_box(v, lo, x.request_ns, &late[i], s, &bx, &bw, &bh);
		nt = view_section_text(m, &lo->met, &late[i], bw, bh, text, &f);
		top = s->y + (s->h - (int)nt * fh(rd, f)) / 2;
		for (unsigned t = 0; t < nt; t++) {
			draw(rd, f, bx, top + (int)t * fh(rd, f), text[t], fg);
		}
	}
	free(late);
	SDL_RenderSetClipRect(rd->r, NULL);
}

static void draw_measure(struct tl_render *rd, const struct tl_model *m, const struct tl_view *v,
			 const struct tl_layout *lo, const struct tl_slot *slots, unsigned n)
{
	SDL_Color band = {0x6c, 0xc4, 0xff, 40}, lane_band = {0x6c, 0xc4, 0xff, 60};
	uint8_t *in;
	double x0, x1;
	char d[48], buf[64];

	if (!v->range) {
		return;
	}
	x0 = view_ns_to_x(v, lo, v->range_t0);
	x1 = view_ns_to_x(v, lo, v->range_t1);
	if (x1 < lo->lanes_x || x0 > lo->lanes_x + lo->lanes_w) {
		return;
	}
	x0 = x0 < lo->lanes_x ? lo->lanes_x : x0;
	x1 = x1 > lo->lanes_x + lo->lanes_w ? lo->lanes_x + lo->lanes_w : x1;
	clip(rd->r, lo->lanes_x, lo->axis_y, lo->lanes_w, lo->lanes_h + lo->axis_h);
	fill(rd->r, (int)x0, lo->lanes_y, (int)(x1 - x0) + 1, lo->lanes_h, band);
	in = calloc(m->info.nlanes ? m->info.nlanes : 1, 1);
	for (uint32_t i = 0; in && i < v->nrange_lanes; i++) {
		in[v->range_lanes[i]] = 1;
	}
	for (unsigned k = 0; in && k < n; k++) {
		const struct tl_drow *dr = &v->drows[slots[k].drow];

		if (dr->kind == TL_DROW_LANE && !slots[k].sticky_header && in[dr->lane]) {
			fill(rd->r, (int)x0, slots[k].y, (int)(x1 - x0) + 1, slots[k].h, lane_band);
		}
	}
	free(in);
	fill(rd->r, (int)x0, lo->axis_y, 1, lo->lanes_h + lo->axis_h, accent);
	fill(rd->r, (int)x1, lo->axis_y, 1, lo->lanes_h + lo->axis_h, accent);
	format_duration(d, sizeof(d), v->range_t1 - v->range_t0);
	snprintf(buf, sizeof(buf), "Δt %s", d);
	{
		int w = tw(rd, TL_FONT_SMALL, buf) + 6, bx = (int)((x0 + x1) / 2) - w / 2;

		fill(rd->r, bx, lo->axis_y + 1, w, lo->axis_h - 2, accent);
		draw(rd, TL_FONT_SMALL, bx + 3,
		     lo->axis_y + (lo->axis_h - fh(rd, TL_FONT_SMALL)) / 2, buf, bg);
	}
	SDL_RenderSetClipRect(rd->r, NULL);
}

static void draw_markers(struct tl_render *rd, const struct tl_view *v, const struct tl_layout *lo)
{
	int prev = -1;

	clip(rd->r, lo->lanes_x, lo->axis_y, lo->lanes_w, lo->lanes_h + lo->axis_h);
	for (unsigned i = 0; i < v->nmarkers; i++) {
		int x = (int)view_ns_to_x(v, lo, v->markers[i]);

		for (int y = lo->lanes_y; y < lo->lanes_y + lo->lanes_h; y += 6) {
			fill(rd->r, x, y, 1, 3, marker_c);
		}
		fill(rd->r, x, lo->axis_y, 7, 6, marker_c);
		if (prev >= 0 && i > 0) {
			char d[48];
			int w;

			format_duration(d, sizeof(d), v->markers[i] - v->markers[i - 1]);
			w = tw(rd, TL_FONT_TINY, d);
			if (x - prev > w + 14) {
				fill(rd->r, prev + 1, lo->lanes_y + 2, x - prev - 1, 1, marker_c);
				draw(rd, TL_FONT_TINY, (prev + x) / 2 - w / 2, lo->lanes_y + 3, d,
				     marker_c);
			}
		}
		prev = x;
	}
	SDL_RenderSetClipRect(rd->r, NULL);
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
			int w = tw(rd, TL_FONT_SMALL, buf) + 6;
			int bx = xi + 3 + w < lo->lanes_x + lo->lanes_w ? xi + 3 : xi - w - 3;

			fill(rd->r, bx, lo->axis_y + 2, w, lo->axis_h - 4, cursor_c);
			draw(rd, TL_FONT_SMALL, bx + 3,
			     lo->axis_y + (lo->axis_h - fh(rd, TL_FONT_SMALL)) / 2, buf, bg);
		}
	}
}

static void draw_legend(struct tl_render *rd, const struct tl_model *m, const struct tl_view *v,
			const struct tl_layout *lo)
{
	int x = 8, y = lo->legend_y + (lo->legend_h - fh(rd, TL_FONT_SMALL)) / 2;
	int right = lo->width - 8;

	fill(rd->r, 0, lo->legend_y, lo->width, lo->legend_h, bg_panel);
	for (int s = 0; s < RDV_TL_NSTATES; s++) {
		const char *name = rdv_tl_state_name((enum rdv_tl_state)s);

		if (x + 18 + tw(rd, TL_FONT_SMALL, name) > right) {
			break;
		}
		fill(rd->r, x, y + 2, 14, fh(rd, TL_FONT_SMALL) - 4, state_colors[s]);
		x += 18;
		x += draw(rd, TL_FONT_SMALL, x, y, name, fg);
		x += 14;
	}
	/* The status, or the selection when its panel is hidden, or the
	 * explanation of the drawing. */
	if (v->status[0]) {
		const char *forms[1] = {v->status};

		draw_fit(rd, TL_FONT_SMALL, x + 6, y, accent, right - x - 6, forms, 1);
	} else if (!lo->side_w && v->selected >= 0 && (uint64_t)v->selected < m->nisolations) {
		struct tl_iso i;
		char a[32], f1[160], f2[96];
		const char *forms[2] = {f1, f2};

		timeline_isolation(m, (uint64_t)v->selected, &i);
		format_duration(a, sizeof(a), i.wait_ns);
		if (i.straggler != TL_NO_LANE) {
			snprintf(f1, sizeof(f1), "isolation #%lld · t%u waited %s · straggler t%u",
				 (long long)v->selected, m->lanes[i.lane].thread, a,
				 m->lanes[i.straggler].thread);
		} else {
			snprintf(f1, sizeof(f1), "isolation #%lld · t%u waited %s",
				 (long long)v->selected, m->lanes[i.lane].thread, a);
		}
		snprintf(f2, sizeof(f2), "#%lld · %s", (long long)v->selected, a);
		draw_fit(rd, TL_FONT_SMALL, x + 6, y, state_colors[RDV_TL_WAITING], right - x - 6,
			 forms, 2);
	} else {
		draw_opt(rd, TL_FONT_SMALL, x + 6, y,
			 "a column shows its dominant state; a bottom mark: a shorter isolated / "
			 "waiting / blocked / running state in it",
			 fg_dim, right - x - 6);
	}
}

/* ---- Mask panel ------------------------------------------------------------------------ */

static void draw_masks(struct tl_render *rd, const struct tl_model *m, const struct tl_view *v,
		       const struct tl_layout *lo)
{
	struct tl_mask_geom g;
	char buf[160], t[48], f2[96], f3[64];
	int y, x0 = 10, ty = lo->panel_y + 6;
	int index_w = tw(rd, TL_FONT_TINY, "1024") + 6;

	view_mask_geometry(m, lo, &g);
	format_time(t, sizeof(t), m, v->cursor_ns);
	{
		const char *forms[3] = {buf, "Masks at cursor", "Masks"};
		int w;

		snprintf(buf, sizeof(buf), "Masks at cursor %s", t);
		w = draw_fit(rd, TL_FONT_NORMAL, x0, ty, fg, lo->mask_w - 20, forms, 3);
		draw_opt(rd, TL_FONT_SMALL, x0 + w + 12, ty + 2,
			 g.compressed ? "a cell per thread: its state"
				      : "W want_rdv  H harmless  I idle",
			 fg_dim, lo->mask_w - 20 - w - 12);
	}
	clip(rd->r, 0, g.y, lo->mask_w, g.h);
	y = g.y - v->mask_scroll;
	for (uint32_t gi = 0; gi < m->ngroups; gi++) {
		const struct tl_group *gr = &m->groups[gi];
		int block = view_mask_group_h(m, lo, &g, gi);
		uint32_t nw = 0, nh = 0, ni = 0;

		if (y + block <= g.y) {
			y += block;
			continue;
		}
		if (y >= g.y + g.h) {
			break;
		}
		for (uint32_t k = 0; k < gr->nlanes; k++) {
			bool b[3];

			timeline_state_bits(
			    timeline_state_at(m, m->rows[gr->first_row + 1 + k].lane, v->cursor_ns),
			    &b[0], &b[1], &b[2]);
			nw += b[0];
			nh += b[1];
			ni += b[2];
		}
		snprintf(buf, sizeof(buf), "pid %u %s · domain %u · set: W %u  H %u  I %u",
			 gr->vpid, gr->procname, gr->domain, nw, nh, ni);
		snprintf(f2, sizeof(f2), "pid %u · d%u · W %u  H %u  I %u", gr->vpid, gr->domain,
			 nw, nh, ni);
		snprintf(f3, sizeof(f3), "d%u · W %u H %u I %u", gr->domain, nw, nh, ni);
		{
			const char *forms[3] = {buf, f2, f3};

			draw_fit(rd, TL_FONT_SMALL, x0, y, fg_dim, g.w, forms, 3);
		}
		for (uint32_t k = 0; k < gr->nlanes; k++) {
			uint32_t lane = m->rows[gr->first_row + 1 + k].lane;
			const struct rdv_tl_lane *l = &m->lanes[lane];
			uint8_t s = timeline_state_at(m, lane, v->cursor_ns);
			int line = (int)(l->thread / (uint32_t)g.cols);
			int cx = g.x + index_w + (int)(l->thread % (uint32_t)g.cols) * g.cell;
			int ly = y + fh(rd, TL_FONT_SMALL) + line * g.line_h;
			bool bits[3];

			if (ly + g.line_h < g.y || ly > g.y + g.h) {
				continue;
			}
			if (g.compressed) {
				fill(rd->r, cx, ly, g.cell - 1, g.cell, render_state_color(s));
				continue;
			}
			timeline_state_bits(s, &bits[0], &bits[1], &bits[2]);
			for (int b = 0; b < 3; b++) {
				int by = ly + b * (g.cell + 1);

				if (s == TL_NO_STATE || s == RDV_TL_UNKNOWN) {
					outline(rd->r, cx, by, g.cell - 1, g.cell,
						s == RDV_TL_UNKNOWN ? state_colors[RDV_TL_UNKNOWN]
								    : grid);
				} else if (bits[b]) {
					fill(rd->r, cx, by, g.cell - 1, g.cell, mask_colors[b]);
				} else {
					outline(rd->r, cx, by, g.cell - 1, g.cell, grid);
				}
			}
			/* The state under the bits. */
			fill(rd->r, cx, ly + 3 * (g.cell + 1), g.cell - 1, g.cell / 2 + 1,
			     render_state_color(s));
		}
		/* The first thread index of each grid row, and the bit names when
		 * they fit beside one row. */
		for (int line = 0; (uint32_t)line * (uint32_t)g.cols < gr->max_thread; line++) {
			int ly = y + fh(rd, TL_FONT_SMALL) + line * g.line_h;

			snprintf(buf, sizeof(buf), "%u", (unsigned)line * (unsigned)g.cols);
			if (!g.compressed && g.cell >= fh(rd, TL_FONT_TINY) && line == 0) {
				static const char *const names[3] = {"W", "H", "I"};

				for (int b = 0; b < 3; b++) {
					draw(rd, TL_FONT_TINY, g.x, ly + b * (g.cell + 1), names[b],
					     mask_colors[b]);
				}
				draw(rd, TL_FONT_TINY, g.x, ly + 3 * (g.cell + 1) - 2, buf, fg_dim);
			} else {
				draw(rd, TL_FONT_TINY, g.x,
				     ly + (g.line_h - fh(rd, TL_FONT_TINY)) / 2, buf, fg_dim);
			}
		}
		y += block;
	}
	SDL_RenderSetClipRect(rd->r, NULL);
	/* Scrolled: a bar says where. */
	if (g.total_h > g.h) {
		int bh = g.h * g.h / g.total_h, by = g.y + v->mask_scroll * g.h / g.total_h;

		fill(rd->r, lo->mask_w - 6, g.y, 3, g.h, grid);
		fill(rd->r, lo->mask_w - 6, by, 3, bh > 6 ? bh : 6, fg_dim);
	}
}

/* ---- Latency panel ------------------------------------------------------------------------ */

static void draw_histogram(struct tl_render *rd, const struct tl_model *m, const struct tl_view *v,
			   const struct tl_hist_geom *g)
{
	struct tl_latency lat;
	char n1[96], n2[64], p1[96], p2[64], p3[48], a[32], b[32];
	const char *le;
	int nb = g->hi_b - g->lo_b + 1, sh = fh(rd, TL_FONT_SMALL);
	uint64_t maxc = 0;
	SDL_Color c = state_colors[lat_colors[g->kind]];

	timeline_latency(m, g->kind, &lat);
	{
		const char *forms[1] = {lat_names[g->kind]};

		draw_fit(rd, TL_FONT_SMALL, g->x, g->y, fg, g->w, forms, 1);
	}
	if (lat.count == 0) {
		draw_opt(rd, TL_FONT_SMALL, g->x, g->y + sh, "no samples", fg_dim, g->w);
		return;
	}
	format_duration(a, sizeof(a), lat.max_ns);
	snprintf(n1, sizeof(n1), "n=%llu · max %s", (unsigned long long)lat.count, a);
	snprintf(n2, sizeof(n2), "max %s", a);
	{
		const char *forms[2] = {n1, n2};

		draw_fit(rd, TL_FONT_SMALL, g->x, g->y + sh, fg_dim, g->w, forms, 2);
	}
	le = lat.exact ? " " : "≤";
	format_duration(a, sizeof(a), lat.p50_ns);
	format_duration(b, sizeof(b), lat.p99_ns);
	snprintf(p1, sizeof(p1), "p50%s%s · p99%s%s", le, a, le, b);
	snprintf(p2, sizeof(p2), "p99%s%s", le, b);
	snprintf(p3, sizeof(p3), "%s", b);
	{
		const char *forms[3] = {p1, p2, p3};

		draw_fit(rd, TL_FONT_SMALL, g->x, g->y + 2 * sh, fg_dim, g->w, forms, 3);
	}
	if (g->plot_h < 10) {
		return;
	}
	for (int k = g->lo_b; k <= g->hi_b; k++) {
		maxc = lat.buckets[k] > maxc ? lat.buckets[k] : maxc;
	}
	fill(rd->r, g->plot_x, g->plot_y, g->plot_w, g->plot_h, bg_lane);
	for (int k = g->lo_b; k <= g->hi_b; k++) {
		int bx = g->plot_x + (k - g->lo_b) * g->plot_w / nb;
		int bw = (k - g->lo_b + 1) * g->plot_w / nb - (k - g->lo_b) * g->plot_w / nb - 1;
		/* Counts on a log scale too: a long tail of rare waits stays visible. */
		double f = lat.buckets[k] ? log1p((double)lat.buckets[k]) / log1p((double)maxc) : 0;
		int bh = (int)(f * (g->plot_h - 2));

		if (lat.buckets[k] && bh < 2) {
			bh = 2;
		}
		fill(rd->r, bx, g->plot_y + g->plot_h - bh, bw > 0 ? bw : 1, bh, c);
		if (v->cycle_kind == (int)g->kind && v->cycle_bucket == (unsigned)k) {
			outline(rd->r, bx - 1, g->plot_y, (bw > 0 ? bw : 1) + 2, g->plot_h,
				cursor_c);
		}
	}
	/* x axis: bucket lower edges, powers of two. */
	format_duration(a, sizeof(a), (uint64_t)1 << g->lo_b);
	format_duration(b, sizeof(b), (uint64_t)1 << g->hi_b);
	if (tw(rd, TL_FONT_SMALL, a) + tw(rd, TL_FONT_SMALL, b) + 6 <= g->plot_w) {
		draw(rd, TL_FONT_SMALL, g->plot_x, g->plot_y + g->plot_h + 1, a, fg_dim);
		draw(rd, TL_FONT_SMALL, g->plot_x + g->plot_w - tw(rd, TL_FONT_SMALL, b),
		     g->plot_y + g->plot_h + 1, b, fg_dim);
	}
}

static void draw_latency(struct tl_render *rd, const struct tl_model *m, const struct tl_view *v,
			 const struct tl_layout *lo)
{
	struct tl_hist_geom g[TL_NLAT];
	unsigned n = view_hist_geometry(m, lo, g, TL_NLAT);
	int x0 = lo->mask_w + 10, y = lo->panel_y + 6, w;

	fill(rd->r, lo->mask_w, lo->panel_y + 4, 1, lo->panel_h - 8, grid);
	w = draw(rd, TL_FONT_NORMAL, x0, y, "Latency", fg);
	draw_opt(rd, TL_FONT_SMALL, x0 + w + 12, y + 2,
		 "request→grant · grant→release · log2 buckets, log counts · click a bar", fg_dim,
		 lo->width - x0 - w - 22);
	for (unsigned i = 0; i < n; i++) {
		draw_histogram(rd, m, v, &g[i]);
	}
	/* Stragglers, when there is room for them: the analysis' totals, the
	 * longest total delay first. */
	{
		struct tl_strag_geom sg;
		const char *forms[3] = {"Stragglers by total delay: tid, total · times",
					"Stragglers by total delay", "By total delay"};

		if (!view_straggler_geometry(m, lo, &sg)) {
			return;
		}
		draw_fit(rd, TL_FONT_SMALL, sg.x, sg.y, fg, sg.w, forms, 3);
		if (m->nstragglers == 0) {
			draw(rd, TL_FONT_SMALL, sg.x, sg.rows_y, "none", fg_dim);
		}
		for (uint32_t k = 0; k < sg.rows; k++) {
			char rows[3][96];
			const char *f[3] = {rows[0], rows[1], rows[2]};
			bool sel = false;

			if (v->selected >= 0 && (uint64_t)v->selected < m->nisolations) {
				struct tl_iso x;

				timeline_isolation(m, (uint64_t)v->selected, &x);
				sel = x.straggler == m->stragglers[k].lane;
			}
			view_straggler_row(m, k, rows);
			draw_fit(rd, TL_FONT_SMALL, sg.x, sg.rows_y + (int)k * sg.row_h,
				 sel ? accent : fg_dim, sg.w, f, 3);
		}
	}
}

/* ---- The isolations panel ------------------------------------------------------------------ */

static void draw_side(struct tl_render *rd, const struct tl_model *m, const struct tl_view *v,
		      const struct tl_layout *lo)
{
	struct tl_column cols[TL_NKEYS];
	unsigned nc;
	uint64_t rows;
	int sh = fh(rd, TL_FONT_SMALL), y;

	if (!lo->side_w) {
		return;
	}
	fill(rd->r, lo->side_x - 3, lo->axis_y, lo->width - lo->side_x + 3,
	     lo->legend_y - lo->axis_y, bg_panel);
	fill(rd->r, lo->side_x - 3, lo->axis_y, 1, lo->legend_y - lo->axis_y, grid);
	/* Info box: the selection, the measurement (scrolled by the wheel when
	 * it holds more than fits). */
	if (lo->info_h) {
		char lines[TL_INFO_MAX][TL_INFO_LEN];
		uint8_t cls[TL_INFO_MAX];
		unsigned n =
		    view_info_lines(v, m, &lo->met, lo->side_w - 14, lines, cls, TL_INFO_MAX);
		unsigned first = v->info_first;

		if (first + lo->info_shown > n) {
			first = n > lo->info_shown ? n - lo->info_shown : 0;
		}
		fill(rd->r, lo->side_x, lo->info_y + 2, lo->side_w - 4, lo->info_h - 2, bg_group);
		for (unsigned i = 0; i < lo->info_shown && first + i < n; i++) {
			static const SDL_Color *const colors[] = {
			    [TL_INFO_TEXT] = &fg_dim,	   [TL_INFO_TITLE] = &fg,
			    [TL_INFO_REQUESTER] = &fg_req, [TL_INFO_STRAGGLER] = &accent,
			    [TL_INFO_LATE] = &fg_late,	   [TL_INFO_STALL] = &fg_stall,
			};
			uint8_t c = cls[first + i] < sizeof(colors) / sizeof(colors[0])
					? cls[first + i]
					: TL_INFO_TEXT;

			draw_in(rd, TL_FONT_SMALL, lo->side_x + 6, lo->info_y + 5 + (int)i * sh,
				lines[first + i], *colors[c], lo->side_w - 12);
		}
		if (n > lo->info_shown && n > 0) {
			int h = lo->info_h - 6;
			int bh = (int)((unsigned)h * lo->info_shown / n);
			int by = lo->info_y + 4 + (int)((unsigned)h * first / n);

			fill(rd->r, lo->width - 7, lo->info_y + 4, 3, h, grid);
			fill(rd->r, lo->width - 7, by, 3, bh > 6 ? bh : 6, fg_dim);
		}
	}
	/* The table. */
	nc = view_table_columns(v, m, lo, cols, TL_NKEYS);
	rows = view_table_rows(lo);
	y = lo->table_y;
	fill(rd->r, lo->side_x, y, lo->side_w - 4, lo->table_row_h, bg_group);
	for (unsigned c = 0; c < nc; c++) {
		char t[48];

		snprintf(t, sizeof(t), "%s%s", cols[c].title,
			 cols[c].key == v->sort_key ? (v->sort_desc ? " ▾" : " ▴") : "");
		draw_in(rd, TL_FONT_SMALL, cols[c].x + 2, y + 1, t,
			cols[c].key == v->sort_key ? accent : fg, cols[c].w - 4);
	}
	y += lo->table_row_h + 2;
	clip(rd->r, lo->side_x, y, lo->side_w, lo->table_h - lo->table_row_h - 2);
	for (uint64_t r = 0; r < rows && v->table_first + r < v->ntable; r++) {
		uint32_t k = v->table[v->table_first + r];
		int ry = y + (int)r * lo->table_row_h;

		if ((int64_t)k == v->selected) {
			fill(rd->r, lo->side_x, ry, lo->side_w - 4, lo->table_row_h, bg_select);
		} else if (r % 2) {
			fill(rd->r, lo->side_x, ry, lo->side_w - 4, lo->table_row_h, bg_lane_alt);
		}
		for (unsigned c = 0; c < nc; c++) {
			char cell[200];
			bool num = cols[c].key == TL_KEY_WAIT || cols[c].key == TL_KEY_HOLD ||
				   cols[c].key == TL_KEY_GRANT_DELAY || cols[c].key == TL_KEY_INDEX;
			int cw;

			view_table_cell(m, k, cols[c].key, cell, sizeof(cell));
			if (cols[c].key == TL_KEY_SITE &&
			    tw(rd, TL_FONT_SMALL, cell) > cols[c].w - 4) {
				struct tl_iso x;

				/* as much of the place as fits: the function */
				timeline_isolation(m, k, &x);
				view_site_label(m, x.site, TL_SITE_FUNCTION, cell, sizeof(cell));
			}
			cw = tw(rd, TL_FONT_SMALL, cell);
			draw_in(rd, TL_FONT_SMALL,
				num && cw < cols[c].w - 8 ? cols[c].x + cols[c].w - 8 - cw
							  : cols[c].x + 2,
				ry + 1, cell, (int64_t)k == v->selected ? fg : fg_dim,
				cols[c].w - 4);
		}
	}
	SDL_RenderSetClipRect(rd->r, NULL);
	/* Scrolled: a bar says where. */
	if (v->ntable > rows && rows > 0) {
		int h = lo->table_h - lo->table_row_h - 2;
		int bh = (int)((uint64_t)h * rows / v->ntable);
		int by = y + (int)((uint64_t)h * v->table_first / v->ntable);

		fill(rd->r, lo->width - 5, y, 3, h, grid);
		fill(rd->r, lo->width - 5, by, 3, bh > 6 ? bh : 6, fg_dim);
	}
}

/* ---- Overlays ---------------------------------------------------------------------------- */

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
	int w = 0, sh = fh(rd, TL_FONT_SMALL), h = n * sh + 10;

	for (int i = 0; i < n; i++) {
		int lw = tw(rd, TL_FONT_SMALL, lines[i]);

		w = lw > w ? lw : w;
	}
	w += 14;
	if (w > lo->width - 8) {
		w = lo->width - 8;
	}
	if (x + w > lo->width - 4) {
		x = lo->width - 4 - w;
	}
	if (y + h > lo->height - 4) {
		y = lo->height - 4 - h;
	}
	x = x < 4 ? 4 : x;
	y = y < 4 ? 4 : y;
	box(rd, x, y, w, h);
	for (int i = 0; i < n; i++) {
		draw_in(rd, TL_FONT_SMALL, x + 7, y + 5 + i * sh, lines[i], i == 0 ? fg : fg_dim,
			w - 14);
	}
}

#define TIP_LINES 12
#define TIP_LEN 400

/* Appends a tooltip line; returns the new count. */
static int tip(char (*l)[TIP_LEN], const char **lines, int n, const char *s)
{
	if (n < TIP_LINES) {
		snprintf(l[n], TIP_LEN, "%.*s", TIP_LEN - 1, s);
		lines[n] = l[n];
		n++;
	}
	return n;
}

/* Lines about isolation k for a pointer on `lane` at t. */
static int tooltip_isolation(const struct tl_model *m, const struct tl_view *v, uint64_t k,
			     uint32_t lane, uint64_t t, uint64_t slack, char (*l)[TIP_LEN],
			     const char **lines, int n)
{
	struct tl_iso x;
	struct tl_late *late;
	unsigned nlate;
	char a[48], b[48], line[TIP_LEN + 64], site[TIP_LEN];
	const char *sel = (int64_t)k == v->selected ? " (selected)" : " (click: select)";

	timeline_isolation(m, k, &x);
	format_duration(a, sizeof(a), x.wait_ns);
	if (lane == x.lane && t + slack >= x.request_ns && t <= x.grant_ns + slack) {
		snprintf(line, sizeof(line), "isolation #%llu%s: t%u waited %s for the grant%s",
			 (unsigned long long)k, x.full ? " (full)" : "", m->lanes[x.lane].thread, a,
			 sel);
		n = tip(l, lines, n, line);
		view_site_label(m, x.site, TL_SITE_PATH, site, sizeof(site));
		snprintf(line, sizeof(line), "requested from %s", site);
		n = tip(l, lines, n, line);
		if (x.has_grant_delay) {
			format_duration(b, sizeof(b), x.grant_delay_ns);
			snprintf(
			    line, sizeof(line),
			    "grant delay %s: its own wake-up after the last late thread was ready",
			    b);
			n = tip(l, lines, n, line);
		}
		return n;
	}
	late = calloc(m->info.nlanes ? m->info.nlanes : 1, sizeof(*late));
	nlate = late ? timeline_isolation_late(m, k, late, m->info.nlanes) : 0;
	nlate = nlate < m->info.nlanes ? nlate : m->info.nlanes;
	for (unsigned i = 0; i < nlate; i++) {
		if (late[i].lane != lane || t + slack < x.request_ns ||
		    t > x.request_ns + late[i].delay_ns + slack) {
			continue;
		}
		format_duration(b, sizeof(b), late[i].delay_ns);
		snprintf(line, sizeof(line),
			 "%s for isolation #%llu by t%u: ready +%s of its %s wait%s",
			 lane == x.straggler ? "straggler" : "late", (unsigned long long)k,
			 m->lanes[x.lane].thread, b, a, sel);
		n = tip(l, lines, n, line);
		if (late[i].from != TL_NO_SITE || late[i].to != TL_NO_SITE) {
			view_site_label(m, late[i].from, TL_SITE_PATH, site, sizeof(site));
			snprintf(line, sizeof(line), "ran from %s", site);
			n = tip(l, lines, n, line);
			view_site_label(m, late[i].to, TL_SITE_PATH, site, sizeof(site));
			snprintf(line, sizeof(line), "to %s", site);
			n = tip(l, lines, n, line);
		}
		free(late);
		return n;
	}
	free(late);
	snprintf(line, sizeof(line), "isolation #%llu%s by t%u: wait %s%s", (unsigned long long)k,
		 x.full ? " (full)" : "", m->lanes[x.lane].thread, a, sel);
	return tip(l, lines, n, line);
}

/* Over the isolations panel: the full place of the sites named there. */
static bool tooltip_side(struct tl_render *rd, const struct tl_model *m, const struct tl_view *v,
			 const struct tl_layout *lo)
{
	char l[TIP_LINES][TIP_LEN], site[TIP_LEN];
	const char *lines[TIP_LINES];
	int n = 0;
	int x = v->hover_x, y = v->hover_y;

	if (!lo->side_w || x < lo->side_x || x >= lo->side_x + lo->side_w) {
		return false;
	}
	if (y >= lo->info_y && y < lo->info_y + lo->info_h && v->selected >= 0 &&
	    (uint64_t)v->selected < m->nisolations) {
		struct tl_iso is;
		struct tl_late *late = calloc(m->info.nlanes ? m->info.nlanes : 1, sizeof(*late));
		unsigned nlate =
		    late ? timeline_isolation_late(m, (uint64_t)v->selected, late, m->info.nlanes)
			 : 0;
		uint32_t seen[TIP_LINES];
		unsigned nseen = 0;

		timeline_isolation(m, (uint64_t)v->selected, &is);
		n = tip(l, lines, n, "sites of this isolation:");
		seen[nseen++] = is.site;
		nlate = nlate < m->info.nlanes ? nlate : m->info.nlanes;
		for (unsigned i = 0; i < nlate; i++) {
			uint32_t two[2] = {late[i].from, late[i].to};

			for (int j = 0; j < 2; j++) {
				bool dup = false;

				for (unsigned q = 0; q < nseen; q++) {
					dup |= seen[q] == two[j];
				}
				if (!dup && nseen < TIP_LINES - 1) {
					seen[nseen++] = two[j];
				}
			}
		}
		free(late);
		for (unsigned q = 0; q < nseen; q++) {
			if (seen[q] == TL_NO_SITE) {
				continue;
			}
			view_site_label(m, seen[q], TL_SITE_PATH, site, sizeof(site));
			n = tip(l, lines, n, site);
		}
		if (n == 1) {
			return true; /* no site known: no tooltip */
		}
		draw_lines_box(rd, lo, x - 20, y + 16, lines, n);
		return true;
	}
	if (y >= lo->table_y + lo->table_row_h + 2 && y < lo->table_y + lo->table_h) {
		struct tl_column cols[TL_NKEYS];
		unsigned nc = view_table_columns(v, m, lo, cols, TL_NKEYS);
		uint64_t row = (uint64_t)(y - lo->table_y - lo->table_row_h - 2) /
			       (uint64_t)(lo->table_row_h ? lo->table_row_h : 1);
		uint64_t pos = v->table_first + row;

		if (row >= view_table_rows(lo) || pos >= v->ntable) {
			return true;
		}
		for (unsigned c = 0; c < nc; c++) {
			struct tl_iso is;

			if (cols[c].key != TL_KEY_SITE || x < cols[c].x ||
			    x >= cols[c].x + cols[c].w) {
				continue;
			}
			timeline_isolation(m, v->table[pos], &is);
			view_site_label(m, is.site, TL_SITE_PATH, site, sizeof(site));
			n = tip(l, lines, n, "requested from");
			n = tip(l, lines, n, site);
			draw_lines_box(rd, lo, x - 200, y + 16, lines, n);
		}
		return true;
	}
	return false;
}

/* The tooltip, from the pointer's pixels and the view as it is now. */
static void draw_tooltip(struct tl_render *rd, const struct tl_model *m, const struct tl_view *v,
			 const struct tl_layout *lo)
{
	char l[TIP_LINES][TIP_LEN], a[48], b[48];
	const char *lines[TIP_LINES];
	int n = 0;
	int64_t r;
	enum tl_latency_kind kind;
	unsigned bucket;

	if (!v->hover) {
		return;
	}
	if (tooltip_side(rd, m, v, lo)) {
		return;
	}
	if (view_hist_hit(m, lo, v->hover_x, v->hover_y, &kind, &bucket)) {
		struct tl_latency lat;

		timeline_latency(m, kind, &lat);
		format_duration(a, sizeof(a), bucket ? (uint64_t)1 << bucket : 0);
		format_duration(b, sizeof(b), bucket < 63 ? (uint64_t)2 << bucket : UINT64_MAX);
		snprintf(l[n], sizeof(l[n]), "%s %s to %s: %llu", lat_names[kind], a, b,
			 (unsigned long long)(lat.buckets ? lat.buckets[bucket] : 0));
		lines[n] = l[n];
		n++;
		if (lat.buckets && lat.buckets[bucket]) {
			snprintf(l[n], sizeof(l[n]), "click: %s one after the other",
				 kind == TL_LAT_BLOCKED ? "the blocked intervals"
							: "their isolations, longest first");
			lines[n] = l[n];
			n++;
		}
		draw_lines_box(rd, lo, v->hover_x + 14, v->hover_y - 40, lines, n);
		return;
	}
	if (v->hover_x < lo->lanes_x || v->hover_x >= lo->lanes_x + lo->lanes_w) {
		return;
	}
	r = view_y_to_drow(v, lo, v->hover_y);
	if (r < 0 || v->drows[r].kind != TL_DROW_LANE) {
		return;
	}
	{
		const struct tl_drow *d = &v->drows[r];
		const struct rdv_tl_lane *ln = &m->lanes[d->lane];
		uint64_t t = view_x_to_ns(v, lo, v->hover_x);
		int64_t i = timeline_interval_at(m, d->lane, t);
		char role[96];

		snprintf(l[n], sizeof(l[n]), "thread %u · tid %d · pid %u %s · domain %u",
			 ln->thread, ln->os_tid, ln->vpid, ln->procname, ln->domain);
		lines[n] = l[n];
		n++;
		view_lane_role(v, m, d, role, sizeof(role));
		if (role[0]) {
			snprintf(l[n], sizeof(l[n]), "%s%s", role,
				 d->role ? " in the selected isolation" : " (isolations)");
			lines[n] = l[n];
			n++;
		}
		if (i >= 0) {
			format_time(a, sizeof(a), m, ln->begin_ns[i]);
			format_duration(b, sizeof(b), ln->end_ns[i] - ln->begin_ns[i]);
			snprintf(l[n], sizeof(l[n]), "%s · start %s · duration %s",
				 rdv_tl_state_name((enum rdv_tl_state)ln->state[i]), a, b);
		} else {
			snprintf(l[n], sizeof(l[n]), "not registered here");
		}
		lines[n] = l[n];
		n++;
		{
			/* What the pixel column under the pointer holds, when it is
			 * more than one interval. */
			uint64_t t0 = view_x_to_ns(v, lo, v->hover_x),
				 t1 = view_x_to_ns(v, lo, v->hover_x + 1);
			uint64_t st[RDV_TL_NSTATES], tot = 0;
			int used = 0;

			timeline_state_time(m, d->lane, t0, t1, st);
			for (int s = 0; s < RDV_TL_NSTATES; s++) {
				tot += st[s];
				used += st[s] > 0;
			}
			if (used > 1 && tot) {
				int o = snprintf(l[n], sizeof(l[n]), "this pixel:");

				for (int s = 0; s < RDV_TL_NSTATES && o < (int)sizeof(l[n]) - 24;
				     s++) {
					if (st[s]) {
						o += snprintf(
						    l[n] + o, sizeof(l[n]) - (size_t)o,
						    " %s %.0f%%",
						    rdv_tl_state_name((enum rdv_tl_state)s),
						    100.0 * (double)st[s] / (double)tot);
					}
				}
				lines[n] = l[n];
				n++;
			}
		}
		{
			/* The isolation this instant belongs to (within 4 px), and
			 * this thread's part in it: its wait and where it asked
			 * from, or its late stretch and the section it ran. */
			uint64_t slack = (v->t1 - v->t0) * 4 / (uint64_t)lo->lanes_w;
			int64_t k = timeline_isolation_of(m, d->lane, t, slack);

			if (k >= 0) {
				n = tooltip_isolation(m, v, (uint64_t)k, d->lane, t, slack, l,
						      lines, n);
			}
		}
	}
	draw_lines_box(rd, lo, v->hover_x + 14, v->hover_y + 16, lines, n);
}

static void draw_help(struct tl_render *rd, const struct tl_layout *lo, bool live)
{
	static const char *const live_keys[][2] = {
	    {"Space", "pause / follow the live session (reception goes on)"},
	    {"- / +", "longer / shorter rolling window (x2, 0.1 to 600 s)"},
	};
	static const char *const keys[][2] = {
	    {"W / S, wheel", "zoom in / out around the pointer"},
	    {"A / D, ← / →, drag", "pan (Shift: half a screen)"},
	    {"Shift+drag", "measure a time range: Δt, time per state of its threads"},
	    {"↑ / ↓, PgUp / PgDn", "scroll the lanes (also Shift+wheel)"},
	    {"X / Shift+X", "worst isolation (longest wait), next-worst / back"},
	    {"Tab / Shift+Tab", "next / previous isolation in the table's order"},
	    {"N / P", "next / previous isolation in time"},
	    {"click", "cursor; on a lane, the isolation that instant belongs to"},
	    {"click table, bar", "select a row / sort by a column; step through a bucket"},
	    {"F", "focus the selection (or the range); Shift+F, 0: fit all"},
	    {"O", "only the selected isolation's threads / all"},
	    {"I", "show / hide the isolations panel"},
	    {"C, click a process", "collapse / expand processes"},
	    {"M / Shift+M", "marker at the cursor (again: remove) / clear markers"},
	    {"Home / End", "go to the start / end"},
	    {"Space, [ / ]", "replay: play / pause, slower / faster"},
	    {"Esc", "close this help, clear the range, then the selection"},
	    {"? / F1, Q", "this help, quit"},
	};
	int n = (int)(sizeof(keys) / sizeof(keys[0])), nl = live ? 2 : 0;
	int kw = 0, dw = 0, lh = fh(rd, TL_FONT_SMALL) + 2;
	int w, h, x, y;

	for (int i = 0; i < n + nl; i++) {
		const char *const *k = i < nl ? live_keys[i] : keys[i - nl];
		int a = tw(rd, TL_FONT_SMALL, k[0]), b = tw(rd, TL_FONT_SMALL, k[1]);

		kw = a > kw ? a : kw;
		dw = b > dw ? b : dw;
	}
	w = kw + dw + 40;
	h = (n + nl + 1) * lh + 16;
	x = (lo->width - w) / 2;
	y = (lo->height - h) / 2;
	box(rd, x < 2 ? 2 : x, y < 2 ? 2 : y, w, h);
	x = x < 2 ? 2 : x;
	y = y < 2 ? 2 : y;
	draw(rd, TL_FONT_NORMAL, x + 12, y + 6, live ? "Keys and mouse (live)" : "Keys and mouse",
	     fg);
	for (int i = 0; i < n + nl; i++) {
		const char *const *k = i < nl ? live_keys[i] : keys[i - nl];
		int ly = y + 8 + (i + 1) * lh;

		draw(rd, TL_FONT_SMALL, x + 12, ly, k[0], accent);
		draw_in(rd, TL_FONT_SMALL, x + 28 + kw, ly, k[1], fg, lo->width - x - 40 - kw);
	}
}

void render_frame(struct tl_render *rd, const struct tl_model *m, const struct tl_view *v,
		  const struct tl_layout *lo)
{
	struct tl_slot slots[MAX_SLOTS];
	unsigned n = view_slots(v, lo, slots, MAX_SLOTS);

	rd->clipped = 0;
	set_color(rd->r, bg);
	SDL_RenderClear(rd->r);
	draw_axis(rd, m, v, lo);
	draw_rows(rd, m, v, lo, slots, n);
	draw_measure(rd, m, v, lo, slots, n);
	draw_selection(rd, m, v, lo, slots, n);
	draw_markers(rd, v, lo);
	draw_cursor(rd, m, v, lo);
	draw_header(rd, m, v, lo);
	draw_side(rd, m, v, lo);
	draw_legend(rd, m, v, lo);
	fill(rd->r, 0, lo->panel_y, lo->width, lo->panel_h, bg_panel);
	draw_masks(rd, m, v, lo);
	draw_latency(rd, m, v, lo);
	draw_tooltip(rd, m, v, lo);
	if (v->help) {
		draw_help(rd, lo, v->live);
	}
}

void render_message(struct tl_render *rd, int width, int height, const char *title, const char *msg,
		    double fraction)
{
	int cx = width / 2, y = height / 2 - 40;

	set_color(rd->r, bg);
	SDL_RenderClear(rd->r);
	draw(rd, TL_FONT_NORMAL, cx - tw(rd, TL_FONT_NORMAL, title) / 2, y, title, fg);
	y += fh(rd, TL_FONT_NORMAL) + 10;
	if (msg) {
		int mw = tw(rd, TL_FONT_SMALL, msg);

		text_draw_clip(&rd->fonts[TL_FONT_SMALL], rd->r,
			       cx - mw / 2 > 10 ? cx - mw / 2 : 10, y, msg,
			       fraction >= 0 ? fg_dim : state_colors[RDV_TL_ISOLATED], width - 20);
		y += fh(rd, TL_FONT_SMALL) + 10;
	}
	if (fraction >= 0) {
		int w = width / 2;

		outline(rd->r, cx - w / 2, y, w, 16, fg_dim);
		fill(rd->r, cx - w / 2 + 2, y + 2, (int)((w - 4) * (fraction > 1 ? 1 : fraction)),
		     12, accent);
	}
}
