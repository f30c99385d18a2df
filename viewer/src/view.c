/* SPDX-License-Identifier: MIT */
/* rdv-view's view state, commands and layout: see view.h. */
#include "view.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void site_sample(struct tl_view *v, const struct tl_model *m);

static uint64_t span_of(const struct tl_model *m)
{
	return m->t_max - m->t_min;
}

/* The view may go this far past either end of the trace (what fitting
 * shows), no further. */
static uint64_t margin_of(const struct tl_model *m)
{
	return span_of(m) / 100;
}

/* Keeps [t0, t1) a valid range, at least TL_MIN_SPAN_NS wide, inside the
 * trace and its fitting margin. */
static void clamp_range(struct tl_view *v, const struct tl_model *m)
{
	uint64_t span = v->t1 > v->t0 ? v->t1 - v->t0 : TL_MIN_SPAN_NS;
	uint64_t margin = margin_of(m);
	uint64_t lo = m->t_min > margin ? m->t_min - margin : 0;
	uint64_t hi = m->t_max + margin;

	if (span < TL_MIN_SPAN_NS) {
		span = TL_MIN_SPAN_NS;
	}
	if (span > hi - lo) {
		span = hi - lo;
	}
	if (v->t0 < lo) {
		v->t0 = lo;
	}
	if (v->t0 + span > hi) {
		v->t0 = hi - span;
	}
	v->t1 = v->t0 + span;
}

/* ---- Rows ----------------------------------------------------------------- */

static void push_row(struct tl_view *v, uint8_t kind, uint8_t role, uint32_t lane, uint32_t group,
		     uint64_t ns)
{
	if (v->ndrows < v->cap) {
		v->drows[v->ndrows++] = (struct tl_drow){kind, role, lane, group, ns};
	}
}

static void rebuild_rows(struct tl_view *v, const struct tl_model *m)
{
	uint32_t n = m->info.nlanes;
	struct tl_involved *inv = NULL;
	uint8_t *taken = NULL;
	unsigned ninv = 0;

	v->ndrows = 0;
	v->nsticky = 0;
	if (v->selected >= 0 && (uint64_t)v->selected < m->nisolations) {
		inv = calloc(n ? n : 1, sizeof(*inv));
		taken = calloc(n ? n : 1, 1);
		if (inv && taken) {
			ninv = timeline_isolation_involved(m, (uint64_t)v->selected, inv, n);
		}
	}
	if (ninv) {
		unsigned i = 0;

		push_row(v, TL_DROW_PIN, TL_ROLE_NONE, inv[0].lane, m->lane_group[inv[0].lane], 0);
		for (; i < ninv && inv[i].role <= TL_ROLE_LATE; i++) {
			push_row(v, TL_DROW_LANE, inv[i].role, inv[i].lane,
				 m->lane_group[inv[i].lane], inv[i].ns);
			taken[inv[i].lane] = 1;
		}
		v->nsticky = v->ndrows;
		if (i < ninv) {
			push_row(v, TL_DROW_OTHERS, TL_ROLE_NONE, inv[i].lane,
				 m->lane_group[inv[i].lane], ninv - i);
		}
		for (; i < ninv; i++) {
			push_row(v, TL_DROW_LANE, inv[i].role, inv[i].lane,
				 m->lane_group[inv[i].lane], inv[i].ns);
			taken[inv[i].lane] = 1;
		}
	}
	if (!(ninv && v->focus_only)) {
		for (uint32_t g = 0; g < m->ngroups; g++) {
			const struct tl_group *gr = &m->groups[g];

			push_row(v, TL_DROW_GROUP, TL_ROLE_NONE, m->rows[gr->first_row].lane, g, 0);
			if (g < v->ngroups && v->collapsed[g]) {
				continue;
			}
			for (uint32_t r = gr->first_row + 1; r <= gr->first_row + gr->nlanes; r++) {
				uint32_t lane = m->rows[r].lane;

				if (!taken || !taken[lane]) {
					push_row(v, TL_DROW_LANE, TL_ROLE_NONE, lane, g, 0);
				}
			}
		}
	}
	free(inv);
	free(taken);
}

static int row_height(const struct tl_layout *lo, const struct tl_drow *d)
{
	return d->kind == TL_DROW_LANE ? lo->row_h : lo->hdr_h;
}

/* ---- Layout ----------------------------------------------------------------- */

static int text_w(const struct tl_metrics *met, enum tl_font f, const char *s)
{
	return met->text_w ? met->text_w(met->ctx, f, s) : (int)strlen(s) * met->height[f] / 2;
}

static int clampi(int x, int lo, int hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

void view_lane_label(const struct tl_model *m, uint32_t lane, char *buf, size_t len)
{
	const struct rdv_tl_lane *l = &m->lanes[lane];

	snprintf(buf, len, "t%u  %d", l->thread, l->os_tid);
}

void view_lane_role(const struct tl_view *v, const struct tl_model *m, const struct tl_drow *d,
		    char *buf, size_t len)
{
	char t[32];

	(void)v;
	buf[0] = '\0';
	format_duration(t, sizeof(t), d->ns);
	switch (d->role) {
	case TL_ROLE_REQUESTER:
		snprintf(buf, len, "requester");
		return;
	case TL_ROLE_STRAGGLER:
		snprintf(buf, len, "straggler +%s", t);
		return;
	case TL_ROLE_LATE:
		snprintf(buf, len, "late +%s", t);
		return;
	case TL_ROLE_QUEUED:
		snprintf(buf, len, "waiting %s", t);
		return;
	case TL_ROLE_BLOCKED:
		snprintf(buf, len, "blocked %s", t);
		return;
	default:
		break;
	}
	if (d->lane < m->info.nlanes) {
		uint64_t req = m->lanes[d->lane].isolations;
		uint32_t late = m->lane_late_count[d->lane];

		if (req && late) {
			snprintf(buf, len, "req %llu · late %u", (unsigned long long)req, late);
		} else if (req) {
			snprintf(buf, len, "req %llu", (unsigned long long)req);
		} else if (late) {
			snprintf(buf, len, "late %u", late);
		}
	}
}

/* The label column: chip, "t12  4567", then the role; as wide as the
 * widest, within a share of the window. */
static int label_width(const struct tl_model *m, const struct tl_metrics *met, int width)
{
	char buf[96], widest[96] = "", role_widest[96] = "straggler +99.9 ms";
	size_t wl = 0, wr = strlen(role_widest);

	for (uint32_t i = 0; i < m->info.nlanes; i++) {
		struct tl_drow d = {TL_DROW_LANE, TL_ROLE_NONE, i, 0, 0};

		view_lane_label(m, i, buf, sizeof(buf));
		if (strlen(buf) > wl) {
			wl = strlen(buf);
			snprintf(widest, sizeof(widest), "%s", buf);
		}
		view_lane_role(NULL, m, &d, buf, sizeof(buf));
		if (strlen(buf) > wr) {
			wr = strlen(buf);
			snprintf(role_widest, sizeof(role_widest), "%s", buf);
		}
	}
	return clampi(22 + text_w(met, TL_FONT_SMALL, widest) + 12 +
			  text_w(met, TL_FONT_SMALL, role_widest) + 8,
		      110, width * 24 / 100);
}

static int min_row_h(const struct tl_metrics *met)
{
	return met->height[TL_FONT_TINY] + 2 > 10 ? met->height[TL_FONT_TINY] + 2 : 10;
}

void view_layout(struct tl_layout *lo, const struct tl_metrics *met, int width, int height,
		 const struct tl_view *v, const struct tl_model *m)
{
	int fh = met->height[TL_FONT_NORMAL], sh = met->height[TL_FONT_SMALL];
	int nl = 0, nh = 0, side_top, side_bottom;

	memset(lo, 0, sizeof(*lo));
	lo->met = *met;
	width = width < 320 ? 320 : width;
	height = height < 240 ? 240 : height;
	lo->width = width;
	lo->height = height;
	lo->header_h = fh + 10;
	lo->axis_y = lo->header_h;
	lo->axis_h = sh + 8;
	lo->legend_h = sh + 8;
	lo->panel_h = clampi(height * 30 / 100, 7 * sh, 300);
	lo->panel_y = height - lo->panel_h;
	lo->legend_y = lo->panel_y - lo->legend_h;
	lo->lanes_y = lo->axis_y + lo->axis_h;
	lo->lanes_h = lo->legend_y - lo->lanes_y;
	lo->label_w = label_width(m, met, width);
	if (v && v->panel && m->nisolations) {
		lo->side_w = clampi(width * 32 / 100, 240, 600);
	}
	lo->lanes_x = lo->label_w;
	lo->lanes_w = width - lo->label_w - (lo->side_w ? lo->side_w + 6 : 8);
	if (lo->lanes_w < 40) {
		lo->lanes_w = 40;
	}
	lo->mask_w = clampi(width * 40 / 100, 240, 760);

	/* Rows: lanes share the height left by the headers, within a readable
	 * minimum and a comfortable maximum. */
	lo->hdr_h = sh + 4;
	for (uint32_t i = 0; v && i < v->ndrows; i++) {
		if (v->drows[i].kind == TL_DROW_LANE) {
			nl++;
		} else {
			nh++;
		}
	}
	lo->row_h = nl ? (lo->lanes_h - nh * lo->hdr_h) / nl : TL_ROW_MAX;
	lo->row_h = clampi(lo->row_h, min_row_h(met), TL_ROW_MAX);
	if (lo->lanes_h < lo->row_h) {
		lo->lanes_h = lo->row_h;
	}
	/* Pinned rows: at most half the lanes area; the others scroll. */
	lo->sticky_h = 0;
	for (uint32_t i = 0; v && i < v->nsticky; i++) {
		int h = row_height(lo, &v->drows[i]);

		if (lo->sticky_h + h > lo->lanes_h / 2 && i > 1) {
			break;
		}
		lo->sticky_h += h;
	}

	/* The isolations panel: info box over the table, beside the lanes. The
	 * info box takes what its lines need, up to 60 % of the height (it
	 * scrolls beyond); the table the rest. */
	if (lo->side_w) {
		char lines[TL_INFO_MAX][TL_INFO_LEN];
		unsigned n = view_info_lines(v, m, met, lo->side_w - 14, lines, NULL, TL_INFO_MAX);
		int max_info;

		side_top = lo->axis_y;
		side_bottom = lo->legend_y;
		lo->side_x = lo->lanes_x + lo->lanes_w + 6;
		max_info = (side_bottom - side_top) * 60 / 100;
		lo->info_y = side_top;
		lo->info_h = n ? (int)n * sh + 10 : 0;
		if (lo->info_h > max_info) {
			lo->info_h = max_info - (max_info - 10) % sh;
		}
		lo->info_lines = n;
		lo->info_shown = lo->info_h > 10 ? (unsigned)((lo->info_h - 10) / sh) : 0;
		if (lo->info_shown > n) {
			lo->info_shown = n;
		}
		lo->table_row_h = sh + 3;
		lo->table_y = lo->info_y + lo->info_h + (lo->info_h ? 6 : 0);
		lo->table_h = side_bottom - lo->table_y - 2;
	}
}

/* How many pinned rows fit (view_layout() counted their height). */
static uint32_t sticky_shown(const struct tl_view *v, const struct tl_layout *lo)
{
	int h = 0;
	uint32_t i = 0;

	for (; i < v->nsticky; i++) {
		h += row_height(lo, &v->drows[i]);
		if (h > lo->sticky_h) {
			break;
		}
	}
	return i;
}

/* The header above scrolled row r (a process or the "meanwhile" header),
 * or UINT32_MAX. */
static uint32_t header_above(const struct tl_view *v, uint32_t r)
{
	for (uint32_t i = r; i-- > v->nsticky;) {
		if (v->drows[i].kind != TL_DROW_LANE) {
			return i;
		}
	}
	return UINT32_MAX;
}

/* First scrolled row shown: the view's, within [pinned shown, last]. */
static uint32_t scroll_start(const struct tl_view *v, const struct tl_layout *lo)
{
	uint32_t s = sticky_shown(v, lo);

	return v->first_row > s ? v->first_row : s;
}

unsigned view_slots(const struct tl_view *v, const struct tl_layout *lo, struct tl_slot *out,
		    unsigned max)
{
	unsigned n = 0;
	uint32_t ns = sticky_shown(v, lo), r;
	int y = lo->lanes_y, bottom = lo->lanes_y + lo->lanes_h;

	for (uint32_t i = 0; i < ns && n < max; i++) {
		int h = row_height(lo, &v->drows[i]);

		out[n++] = (struct tl_slot){y, h, i, false};
		y += h;
	}
	r = scroll_start(v, lo);
	/* A process header scrolled away stays on top of its lanes. */
	if (r < v->ndrows && v->drows[r].kind == TL_DROW_LANE && n < max) {
		uint32_t hd = header_above(v, r);

		if (hd != UINT32_MAX && y + lo->hdr_h <= bottom) {
			out[n++] = (struct tl_slot){y, lo->hdr_h, hd, true};
			y += lo->hdr_h;
		}
	}
	for (; r < v->ndrows && n < max && y < bottom; r++) {
		int h = row_height(lo, &v->drows[r]);

		out[n++] = (struct tl_slot){y, h, r, false};
		y += h;
	}
	return n;
}

int64_t view_y_to_drow(const struct tl_view *v, const struct tl_layout *lo, int y)
{
	struct tl_slot slots[512];
	unsigned n = view_slots(v, lo, slots, 512);

	if (y < lo->lanes_y || y >= lo->lanes_y + lo->lanes_h) {
		return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		if (y >= slots[i].y && y < slots[i].y + slots[i].h) {
			return slots[i].drow;
		}
	}
	return -1;
}

/* The largest first_row that still fills the lanes area. */
static uint32_t max_first_row(const struct tl_view *v, const struct tl_layout *lo)
{
	uint32_t ns = sticky_shown(v, lo);
	int avail = lo->lanes_h, h = 0;
	uint32_t r = v->ndrows;

	for (uint32_t i = 0; i < ns; i++) {
		avail -= row_height(lo, &v->drows[i]);
	}
	while (r > ns) {
		int rh = row_height(lo, &v->drows[r - 1]);
		/* With a lane first, its header is drawn on top. */
		int extra = v->drows[r - 1].kind == TL_DROW_LANE ? lo->hdr_h : 0;

		if (h + rh + extra > avail) {
			break;
		}
		h += rh;
		r--;
	}
	return r < ns ? ns : r;
}

void view_scroll_rows(struct tl_view *v, const struct tl_layout *lo, int delta)
{
	uint32_t ns = sticky_shown(v, lo), max = max_first_row(v, lo);
	int64_t first = (int64_t)scroll_start(v, lo) + delta;

	if (first > (int64_t)max) {
		first = max;
	}
	if (first < (int64_t)ns) {
		first = ns;
	}
	v->first_row = (uint32_t)first;
}

/* ---- Time range ---------------------------------------------------------------- */

void view_fit(struct tl_view *v, const struct tl_model *m)
{
	uint64_t margin = margin_of(m);

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
	if (nspan > (double)(span_of(m) + 2 * margin_of(m))) {
		nspan = (double)(span_of(m) + 2 * margin_of(m));
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

/* ---- Setup ------------------------------------------------------------------------- */

static int alloc_model_state(struct tl_view *v, const struct tl_model *m)
{
	uint32_t cap = m->info.nlanes + m->ngroups + 4;
	uint64_t ni = m->nisolations ? m->nisolations : 1;

	free(v->drows);
	free(v->table);
	free(v->range_lanes);
	v->drows = calloc(cap, sizeof(*v->drows));
	v->table = calloc(ni, sizeof(*v->table));
	v->range_lanes = calloc(m->info.nlanes ? m->info.nlanes : 1, sizeof(*v->range_lanes));
	v->cap = cap;
	v->ndrows = 0;
	v->ntable = m->nisolations;
	if (!v->drows || !v->table || !v->range_lanes) {
		return -ENOMEM;
	}
	return 0;
}

int view_init(struct tl_view *v, const struct tl_model *m)
{
	memset(v, 0, sizeof(*v));
	v->selected = -1;
	v->cycle_kind = -1;
	v->panel = true;
	v->sort_key = TL_KEY_WAIT;
	v->sort_desc = true;
	v->window_s = 10;
	if (alloc_model_state(v, m) < 0) {
		view_fini(v);
		return -ENOMEM;
	}
	v->ngroups = m->ngroups;
	v->collapsed = calloc(m->ngroups ? m->ngroups : 1, 1);
	if (!v->collapsed) {
		view_fini(v);
		return -ENOMEM;
	}
	timeline_isolations_sort(m, v->sort_key, v->sort_desc, v->table);
	site_sample(v, m);
	rebuild_rows(v, m);
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
	return 0;
}

void view_fini(struct tl_view *v)
{
	free(v->drows);
	free(v->collapsed);
	free(v->table);
	free(v->range_lanes);
	v->drows = NULL;
	v->collapsed = NULL;
	v->table = NULL;
	v->range_lanes = NULL;
	v->ndrows = v->cap = 0;
}

static int64_t lane_find(const struct tl_model *m, const struct rdv_tl_lane *key)
{
	for (uint32_t i = 0; i < m->info.nlanes; i++) {
		const struct rdv_tl_lane *l = &m->lanes[i];

		if (l->vpid == key->vpid && l->domain == key->domain && l->thread == key->thread) {
			return i;
		}
	}
	return -1;
}

int view_model_changed(struct tl_view *v, const struct tl_model *old_m, const struct tl_model *m)
{
	int64_t sel = -1;
	uint8_t *collapsed;
	uint32_t nrange = 0;

	if (v->selected >= 0 && old_m && (uint64_t)v->selected < old_m->nisolations) {
		struct tl_iso x;
		const struct rdv_tl_lane *l;

		timeline_isolation(old_m, (uint64_t)v->selected, &x);
		l = &old_m->lanes[x.lane];
		sel = timeline_isolation_find(m, l->vpid, l->domain, l->thread, x.request_ns);
	}
	collapsed = calloc(m->ngroups ? m->ngroups : 1, 1);
	if (!collapsed) {
		return -ENOMEM;
	}
	for (uint32_t g = 0; old_m && g < old_m->ngroups && g < v->ngroups; g++) {
		for (uint32_t h = 0; h < m->ngroups; h++) {
			if (m->groups[h].vpid == old_m->groups[g].vpid &&
			    m->groups[h].domain == old_m->groups[g].domain) {
				collapsed[h] = v->collapsed[g];
			}
		}
	}
	free(v->collapsed);
	v->collapsed = collapsed;
	v->ngroups = m->ngroups;
	/* The measured lanes, by thread. */
	{
		uint32_t *keep = calloc(v->nrange_lanes ? v->nrange_lanes : 1, sizeof(*keep));

		for (uint32_t i = 0; keep && old_m && i < v->nrange_lanes; i++) {
			int64_t l = lane_find(m, &old_m->lanes[v->range_lanes[i]]);

			if (l >= 0) {
				keep[nrange++] = (uint32_t)l;
			}
		}
		if (alloc_model_state(v, m) < 0) {
			free(keep);
			return -ENOMEM;
		}
		if (keep) {
			memcpy(v->range_lanes, keep, nrange * sizeof(*keep));
		}
		free(keep);
		v->nrange_lanes = nrange;
		if (!nrange) {
			v->range = false;
		}
	}
	timeline_isolations_sort(m, v->sort_key, v->sort_desc, v->table);
	site_sample(v, m);
	v->selected = sel;
	v->cycle_kind = -1;
	rebuild_rows(v, m);
	return 0;
}

/* ---- Selection ------------------------------------------------------------------ */

static void zoom_on(struct tl_view *v, const struct tl_model *m, uint64_t k)
{
	struct tl_iso x;
	uint64_t len, pad;

	timeline_isolation(m, k, &x);
	/* Request to release in the middle two thirds of the view. */
	len = x.end_ns - x.request_ns;
	pad = len / 4 + TL_MIN_SPAN_NS;
	view_set_range(v, m, x.request_ns > pad ? x.request_ns - pad : 0, x.end_ns + pad);
}

/* Brings isolation k into view, keeping the zoom unless it does not fit. */
static void show_isolation(struct tl_view *v, const struct tl_model *m, uint64_t k)
{
	struct tl_iso x;
	uint64_t span = v->t1 - v->t0;

	timeline_isolation(m, k, &x);
	if (x.end_ns - x.request_ns > span * 8 / 10) {
		zoom_on(v, m, k);
	} else if (x.request_ns < v->t0 || x.end_ns > v->t1) {
		uint64_t mid = x.request_ns / 2 + x.end_ns / 2;
		uint64_t t0 = mid > span / 2 ? mid - span / 2 : 0;

		view_set_range(v, m, t0, t0 + span);
	}
}

static void reveal_in_table(struct tl_view *v)
{
	for (uint64_t i = 0; i < v->ntable; i++) {
		if (v->table[i] == (uint64_t)v->selected) {
			/* view_scroll_table() keeps it on screen; start a few
			 * rows above so its neighbours show. */
			uint64_t page = v->table_page ? v->table_page : 8;

			if (i < v->table_first || i >= v->table_first + page) {
				v->table_first = i > 2 ? i - 2 : 0;
			}
			return;
		}
	}
}

void view_select(struct tl_view *v, const struct tl_model *m, int64_t k, bool zoom)
{
	if (k < 0 || (uint64_t)k >= m->nisolations) {
		if (v->selected >= 0) {
			v->selected = -1;
			rebuild_rows(v, m);
		}
		return;
	}
	v->selected = k;
	v->info_first = 0;
	rebuild_rows(v, m);
	v->first_row = 0; /* the threads that waited or blocked show next */
	if (zoom) {
		zoom_on(v, m, (uint64_t)k);
	} else {
		show_isolation(v, m, (uint64_t)k);
	}
	{
		struct tl_iso x;

		timeline_isolation(m, (uint64_t)k, &x);
		v->cursor_ns = x.request_ns;
	}
	reveal_in_table(v);
}

bool view_select_at(struct tl_view *v, const struct tl_model *m, uint32_t lane, uint64_t t,
		    uint64_t slack_ns)
{
	int64_t k = timeline_isolation_of(m, lane, t, slack_ns);
	uint64_t keep0 = v->t0, keep1 = v->t1, cursor = v->cursor_ns;

	if (k < 0) {
		view_select(v, m, -1, false);
		return false;
	}
	if (k == v->selected) {
		return true;
	}
	view_select(v, m, k, false);
	/* A click selects where one looks: the view and the cursor stay. */
	v->t0 = keep0;
	v->t1 = keep1;
	v->cursor_ns = cursor;
	return true;
}

void view_select_next(struct tl_view *v, const struct tl_model *m, int dir)
{
	int64_t n = (int64_t)m->nisolations, k;

	if (n == 0) {
		return;
	}
	if (v->selected < 0) {
		/* The first one requested at or after the cursor. */
		struct tl_iso x;

		k = 0;
		while (k < n) {
			timeline_isolation(m, (uint64_t)k, &x);
			if (x.request_ns >= v->cursor_ns) {
				break;
			}
			k++;
		}
		k = k < n ? k : n - 1;
	} else {
		k = v->selected + dir;
		k = k < 0 ? 0 : k >= n ? n - 1 : k;
	}
	view_select(v, m, k, false);
}

void view_select_table_next(struct tl_view *v, const struct tl_model *m, int dir)
{
	int64_t pos = -1;

	if (v->ntable == 0) {
		return;
	}
	for (uint64_t i = 0; v->selected >= 0 && i < v->ntable; i++) {
		if (v->table[i] == (uint64_t)v->selected) {
			pos = (int64_t)i;
			break;
		}
	}
	pos = pos < 0 ? 0 : pos + dir;
	pos = pos < 0 ? 0 : pos >= (int64_t)v->ntable ? (int64_t)v->ntable - 1 : pos;
	view_select(v, m, v->table[pos], true);
}

void view_select_worst(struct tl_view *v, const struct tl_model *m, int dir)
{
	int64_t rank = 0;

	if (m->nisolations == 0) {
		return;
	}
	if (v->selected >= 0 && dir != 0) {
		rank = (int64_t)timeline_wait_rank(m, (uint64_t)v->selected) + dir;
	}
	if (rank < 0) {
		rank = 0;
	}
	if ((uint64_t)rank >= m->nisolations) {
		rank = (int64_t)m->nisolations - 1;
	}
	view_select(v, m, timeline_by_wait(m, (uint64_t)rank), true);
	snprintf(v->status, sizeof(v->status), "longest wait no. %lld of %llu", (long long)rank + 1,
		 (unsigned long long)m->nisolations);
}

bool view_cycle_bucket(struct tl_view *v, const struct tl_model *m, enum tl_latency_kind kind,
		       unsigned b)
{
	bool again = v->cycle_kind == (int)kind && v->cycle_bucket == b;
	char lo_s[32], hi_s[32];

	format_duration(lo_s, sizeof(lo_s), b ? (uint64_t)1 << b : 0);
	format_duration(hi_s, sizeof(hi_s), b < 63 ? (uint64_t)2 << b : UINT64_MAX);
	if (kind == TL_LAT_BLOCKED) {
		uint32_t lane = again ? v->cycle_lane : TL_NO_LANE;
		uint64_t t = again ? v->cycle_t : 0;
		int64_t i;

		if (!timeline_blocked_next(m, b, &lane, &t)) {
			return false;
		}
		v->cycle_kind = kind;
		v->cycle_bucket = b;
		v->cycle_lane = lane;
		v->cycle_t = t;
		i = timeline_isolation_of(m, lane, t, 0);
		if (i >= 0) {
			view_select(v, m, i, true);
		} else {
			view_select(v, m, -1, false);
		}
		i = timeline_interval_at(m, lane, t);
		if (i >= 0) {
			const struct rdv_tl_lane *l = &m->lanes[lane];
			uint64_t b0 = l->begin_ns[i], b1 = l->end_ns[i];

			/* The blocked interval itself must be in view. */
			if (b0 < v->t0 || b1 > v->t1) {
				uint64_t pad = (b1 - b0) / 4 + TL_MIN_SPAN_NS;

				view_set_range(v, m, b0 > pad ? b0 - pad : 0, b1 + pad);
			}
		}
		v->cursor_ns = t;
		snprintf(v->status, sizeof(v->status), "blocked %s to %s: t%u at +%.6f ms", lo_s,
			 hi_s, m->lanes[lane].thread, (double)(t - m->t_min) / 1e6);
		return true;
	}
	{
		uint64_t first, count = timeline_isolations_in_bucket(m, kind, b, &first);
		uint64_t pos;

		if (count == 0) {
			return false;
		}
		pos = again ? (v->cycle_pos + 1) % count : 0;
		v->cycle_kind = kind;
		v->cycle_bucket = b;
		v->cycle_pos = pos;
		view_select(v, m, timeline_isolation_by_value(m, kind, first + pos), true);
		snprintf(v->status, sizeof(v->status), "%s %s to %s: %llu of %llu",
			 kind == TL_LAT_WAIT ? "isolate_wait" : "isolation_hold", lo_s, hi_s,
			 (unsigned long long)pos + 1, (unsigned long long)count);
		return true;
	}
}

void view_focus(struct tl_view *v, const struct tl_model *m)
{
	if (v->selected >= 0) {
		view_select(v, m, v->selected, true);
	} else if (v->range) {
		view_set_range(v, m, v->range_t0, v->range_t1);
	} else {
		view_fit(v, m);
	}
}

void view_toggle_focus_only(struct tl_view *v, const struct tl_model *m)
{
	v->focus_only = !v->focus_only;
	rebuild_rows(v, m);
}

void view_toggle_group(struct tl_view *v, const struct tl_model *m, uint32_t group)
{
	if (group < v->ngroups) {
		v->collapsed[group] = !v->collapsed[group];
		rebuild_rows(v, m);
	}
}

void view_toggle_all_groups(struct tl_view *v, const struct tl_model *m)
{
	bool any_open = false;

	for (uint32_t g = 0; g < v->ngroups; g++) {
		any_open |= !v->collapsed[g];
	}
	for (uint32_t g = 0; g < v->ngroups; g++) {
		v->collapsed[g] = any_open;
	}
	rebuild_rows(v, m);
}

/* ---- The isolations table ------------------------------------------------------------ */

void view_sort_table(struct tl_view *v, const struct tl_model *m, enum tl_iso_key key)
{
	if (key == v->sort_key) {
		v->sort_desc = !v->sort_desc;
	} else {
		v->sort_key = key;
		/* Durations: the longest first; names and numbers: ascending. */
		v->sort_desc =
		    key == TL_KEY_WAIT || key == TL_KEY_HOLD || key == TL_KEY_GRANT_DELAY;
	}
	timeline_isolations_sort(m, v->sort_key, v->sort_desc, v->table);
	v->table_first = 0;
	if (v->selected >= 0) {
		reveal_in_table(v);
	}
}

uint64_t view_table_rows(const struct tl_layout *lo)
{
	int h = lo->table_h - lo->table_row_h - 2;

	return h > 0 && lo->table_row_h > 0 ? (uint64_t)(h / lo->table_row_h) : 0;
}

void view_scroll_table(struct tl_view *v, const struct tl_layout *lo, int64_t delta)
{
	uint64_t rows = view_table_rows(lo);
	uint64_t max = v->ntable > rows ? v->ntable - rows : 0;
	int64_t first = (int64_t)v->table_first + delta;

	if (first < 0) {
		first = 0;
	}
	if ((uint64_t)first > max) {
		first = (int64_t)max;
	}
	v->table_first = (uint64_t)first;
	v->table_page = rows;
}

static const char *const key_titles[TL_NKEYS] = {
    [TL_KEY_INDEX] = "#",
    [TL_KEY_WAIT] = "wait",
    [TL_KEY_HOLD] = "hold",
    [TL_KEY_GRANT_DELAY] = "grant delay",
    [TL_KEY_REQUESTER] = "requester",
    [TL_KEY_SITE] = "site",
    [TL_KEY_STRAGGLER] = "straggler",
};

void view_table_cell(const struct tl_model *m, uint64_t k, enum tl_iso_key key, char *buf,
		     size_t len)
{
	struct tl_iso x;
	uint32_t lane;

	timeline_isolation(m, k, &x);
	buf[0] = '\0';
	switch (key) {
	case TL_KEY_INDEX:
		snprintf(buf, len, "%llu", (unsigned long long)k);
		break;
	case TL_KEY_WAIT:
		format_duration(buf, len, x.wait_ns);
		break;
	case TL_KEY_HOLD:
		if (x.has_hold) {
			format_duration(buf, len, x.hold_ns);
		} else {
			snprintf(buf, len, "–");
		}
		break;
	case TL_KEY_GRANT_DELAY:
		if (x.has_grant_delay) {
			format_duration(buf, len, x.grant_delay_ns);
		} else {
			snprintf(buf, len, "–");
		}
		break;
	case TL_KEY_REQUESTER:
	case TL_KEY_STRAGGLER:
		lane = key == TL_KEY_REQUESTER ? x.lane : x.straggler;
		if (lane == TL_NO_LANE) {
			snprintf(buf, len, "–");
		} else if (m->ngroups > 1) {
			snprintf(buf, len, "%u:t%u", m->lane_group[lane], m->lanes[lane].thread);
		} else {
			snprintf(buf, len, "t%u%s", m->lanes[lane].thread,
				 key == TL_KEY_REQUESTER && x.full ? " full" : "");
		}
		break;
	case TL_KEY_SITE:
		view_site_label(m, x.site, TL_SITE_PLACE, buf, len);
		break;
	default:
		break;
	}
}

/* The longest requesting-site label of the model: the site column's width
 * (sites are few: code addresses, not isolations). */
static void site_sample(struct tl_view *v, const struct tl_model *m)
{
	size_t best = 0;

	snprintf(v->site_sample, sizeof(v->site_sample), "?");
	for (uint64_t i = 1; i <= m->info.nsites && i < UINT32_MAX; i++) {
		char buf[sizeof(v->site_sample)];

		view_site_label(m, (uint32_t)i, TL_SITE_PLACE, buf, sizeof(buf));
		if (strlen(buf) > best) {
			best = strlen(buf);
			memcpy(v->site_sample, buf, sizeof(buf));
		}
	}
}

unsigned view_table_columns(const struct tl_view *v, const struct tl_model *m,
			    const struct tl_layout *lo, struct tl_column *out, unsigned max)
{
	enum tl_iso_key keys[TL_NKEYS];
	int widths[TL_NKEYS], want_site = 0;
	unsigned n = 0;
	int total = 0, avail = lo->side_w - 8, x, extra;
	char sample[200];
	uint32_t max_thread = 0;

	for (uint32_t g = 0; g < m->ngroups; g++) {
		max_thread =
		    m->groups[g].max_thread > max_thread ? m->groups[g].max_thread : max_thread;
	}
	keys[n++] = TL_KEY_INDEX;
	keys[n++] = TL_KEY_WAIT;
	keys[n++] = TL_KEY_HOLD;
	if (m->has_grant_delay) {
		keys[n++] = TL_KEY_GRANT_DELAY;
	}
	keys[n++] = TL_KEY_REQUESTER;
	keys[n++] = TL_KEY_STRAGGLER;
	if (m->has_sites) {
		keys[n++] = TL_KEY_SITE;
	}
	for (unsigned i = 0; i < n; i++) {
		int w;

		switch (keys[i]) {
		case TL_KEY_INDEX:
			snprintf(sample, sizeof(sample), "%llu",
				 (unsigned long long)(m->nisolations ? m->nisolations - 1 : 0));
			break;
		case TL_KEY_REQUESTER:
		case TL_KEY_STRAGGLER:
			snprintf(sample, sizeof(sample),
				 m->ngroups > 1 ? "%u:t%u full" : "t%u full", m->ngroups,
				 max_thread ? max_thread - 1 : 0);
			break;
		case TL_KEY_SITE: {
			/* At least the function (cells show as much of the place as
			 * fits), at best the longest place. */
			char fn[200];
			const char *paren = v ? strstr(v->site_sample, " (") : NULL;

			snprintf(fn, sizeof(fn), "%.*s", paren ? (int)(paren - v->site_sample) : 12,
				 v && paren ? v->site_sample : "function_xx");
			snprintf(sample, sizeof(sample), "%s", fn);
			want_site = text_w(&lo->met, TL_FONT_SMALL,
					   v && v->site_sample[0] ? v->site_sample : fn) +
				    10;
			break;
		}
		default:
			snprintf(sample, sizeof(sample), "8.88 ms");
			break;
		}
		w = text_w(&lo->met, TL_FONT_SMALL, sample);
		/* the title with its sort arrow */
		{
			char t[40];
			int tw;

			snprintf(t, sizeof(t), "%s ▾", key_titles[keys[i]]);
			tw = text_w(&lo->met, TL_FONT_SMALL, t);
			w = w > tw ? w : tw;
		}
		widths[i] = w + 10;
		if (keys[i] == TL_KEY_SITE && want_site < widths[i]) {
			want_site = widths[i];
		}
		total += widths[i];
	}
	/* Too narrow: leave out what matters least to the question "why did
	 * it wait" (the number is in the info box). */
	{
		static const enum tl_iso_key drop[] = {TL_KEY_INDEX, TL_KEY_HOLD, TL_KEY_SITE,
						       TL_KEY_GRANT_DELAY};

		for (size_t d = 0; d < sizeof(drop) / sizeof(drop[0]) && total > avail; d++) {
			for (unsigned i = 0; i < n; i++) {
				if (keys[i] == drop[d]) {
					total -= widths[i];
					memmove(&keys[i], &keys[i + 1],
						(n - i - 1) * sizeof(keys[0]));
					memmove(&widths[i], &widths[i + 1],
						(n - i - 1) * sizeof(widths[0]));
					n--;
					break;
				}
			}
		}
	}
	/* The site column short of its longest place: the number, then the
	 * hold, make room for it. */
	for (int d = 0; d < 2; d++) {
		enum tl_iso_key drop = d == 0 ? TL_KEY_INDEX : TL_KEY_HOLD;
		int site_w = -1;

		for (unsigned i = 0; i < n; i++) {
			site_w = keys[i] == TL_KEY_SITE ? widths[i] : site_w;
		}
		if (site_w < 0 || site_w + (avail - total) >= want_site) {
			break;
		}
		for (unsigned i = 0; i < n; i++) {
			if (keys[i] == drop) {
				total -= widths[i];
				memmove(&keys[i], &keys[i + 1], (n - i - 1) * sizeof(keys[0]));
				memmove(&widths[i], &widths[i + 1],
					(n - i - 1) * sizeof(widths[0]));
				n--;
				break;
			}
		}
	}
	/* Room left: first to the site column (up to its longest place), the
	 * rest shared. */
	extra = total < avail ? avail - total : 0;
	for (unsigned i = 0; i < n && extra > 0; i++) {
		if (keys[i] == TL_KEY_SITE && want_site > widths[i]) {
			int add = want_site - widths[i] < extra ? want_site - widths[i] : extra;

			widths[i] += add;
			extra -= add;
		}
	}
	x = lo->side_x + 4;
	for (unsigned i = 0; i < n && i < max; i++) {
		out[i].key = keys[i];
		out[i].x = x;
		out[i].w = widths[i] + (n ? extra / (int)n : 0);
		out[i].title = key_titles[keys[i]];
		x += out[i].w;
	}
	return n < max ? n : max;
}

/* ---- Measurement --------------------------------------------------------------------- */

void view_set_measure(struct tl_view *v, const struct tl_model *m, uint64_t t0, uint64_t t1,
		      const uint32_t *lanes, uint32_t nlanes)
{
	if (t1 < t0) {
		uint64_t t = t0;

		t0 = t1;
		t1 = t;
	}
	v->range = t1 > t0;
	v->range_t0 = t0;
	v->range_t1 = t1;
	v->nrange_lanes = 0;
	for (uint32_t i = 0; i < nlanes && i < m->info.nlanes; i++) {
		if (lanes[i] < m->info.nlanes) {
			v->range_lanes[v->nrange_lanes++] = lanes[i];
		}
	}
}

void view_clear_measure(struct tl_view *v)
{
	v->range = false;
	v->nrange_lanes = 0;
}

uint64_t view_measure_totals(const struct tl_view *v, const struct tl_model *m,
			     uint64_t out[RDV_TL_NSTATES])
{
	memset(out, 0, RDV_TL_NSTATES * sizeof(out[0]));
	if (!v->range) {
		return 0;
	}
	for (uint32_t i = 0; i < v->nrange_lanes; i++) {
		uint64_t st[RDV_TL_NSTATES];

		timeline_state_time(m, v->range_lanes[i], v->range_t0, v->range_t1, st);
		for (int s = 0; s < RDV_TL_NSTATES; s++) {
			out[s] += st[s];
		}
	}
	return v->range_t1 - v->range_t0;
}

void view_toggle_marker(struct tl_view *v, uint64_t t)
{
	unsigned i = 0;

	for (; i < v->nmarkers; i++) {
		if (v->markers[i] == t) {
			memmove(&v->markers[i], &v->markers[i + 1],
				(v->nmarkers - i - 1) * sizeof(v->markers[0]));
			v->nmarkers--;
			return;
		}
	}
	if (v->nmarkers == TL_MAX_MARKERS) {
		memmove(&v->markers[0], &v->markers[1],
			(TL_MAX_MARKERS - 1) * sizeof(v->markers[0]));
		v->nmarkers--;
	}
	for (i = 0; i < v->nmarkers && v->markers[i] < t; i++) {
	}
	memmove(&v->markers[i + 1], &v->markers[i], (v->nmarkers - i) * sizeof(v->markers[0]));
	v->markers[i] = t;
	v->nmarkers++;
}

/* ---- Code sites ---------------------------------------------------------------------- */

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash && slash[1] ? slash + 1 : path;
}

void view_site_label(const struct tl_model *m, uint32_t site, enum tl_site_form form, char *buf,
		     size_t len)
{
	struct tl_site s;
	char addr[40];

	if (!timeline_site(m, site, &s)) {
		snprintf(buf, len, "?");
		return;
	}
	snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)s.address);
	if (form == TL_SITE_PATH) {
		char place[600];

		if (s.function && s.file && s.line) {
			snprintf(place, sizeof(place), "%s (%s:%u)", s.function, s.file, s.line);
		} else if (s.function) {
			snprintf(place, sizeof(place), "%s (no line information)", s.function);
		} else {
			snprintf(place, sizeof(place), "? (not resolved)");
		}
		snprintf(buf, len, "%s%s%s · %s", place, s.object ? " in " : "",
			 s.object ? s.object : "", addr);
		return;
	}
	if (!s.function) {
		snprintf(buf, len, "? (%s)", addr);
	} else if (form == TL_SITE_FUNCTION) {
		snprintf(buf, len, "%s", s.function);
	} else if (s.file && s.line) {
		snprintf(buf, len, "%s (%s:%u)", s.function, base_name(s.file), s.line);
	} else {
		snprintf(buf, len, "%s (%s)", s.function, addr);
	}
}

void view_section_label(const struct tl_model *m, const struct tl_late *l, enum tl_site_form form,
			char *buf, size_t len)
{
	char a[300], b[300];

	view_site_label(m, l->from, form, a, sizeof(a));
	view_site_label(m, l->to, form, b, sizeof(b));
	snprintf(buf, len, "%s → %s", a, b);
}

unsigned view_section_text(const struct tl_model *m, const struct tl_metrics *met,
			   const struct tl_late *l, int w, int h, char (*lines)[TL_INFO_LEN],
			   enum tl_font *font)
{
	char place[2][TL_INFO_LEN], func[2][TL_INFO_LEN];
	enum tl_font f = h >= met->height[TL_FONT_SMALL] ? TL_FONT_SMALL : TL_FONT_TINY;
	bool two = h >= 2 * met->height[f];
	struct {
		const char *a, *b; /* b: a second line, or NULL */
	} forms[5];
	char one_place[2 * TL_INFO_LEN + 8], one_func[2 * TL_INFO_LEN + 8];
	char first[TL_INFO_LEN + 8], ffirst[TL_INFO_LEN + 8];

	*font = f;
	if (l->from == TL_NO_SITE && l->to == TL_NO_SITE) {
		return 0; /* the timeline names no site (no blame) */
	}
	view_site_label(m, l->from, TL_SITE_PLACE, place[0], sizeof(place[0]));
	view_site_label(m, l->to, TL_SITE_PLACE, place[1], sizeof(place[1]));
	view_site_label(m, l->from, TL_SITE_FUNCTION, func[0], sizeof(func[0]));
	view_site_label(m, l->to, TL_SITE_FUNCTION, func[1], sizeof(func[1]));
	snprintf(one_place, sizeof(one_place), "%s → %s", place[0], place[1]);
	snprintf(one_func, sizeof(one_func), "%s → %s", func[0], func[1]);
	snprintf(first, sizeof(first), "%s →", place[0]);
	forms[0].a = one_place, forms[0].b = NULL;
	forms[1].a = first, forms[1].b = place[1];
	forms[2].a = one_func, forms[2].b = NULL;
	snprintf(ffirst, sizeof(ffirst), "%s →", func[0]);
	forms[3].a = ffirst, forms[3].b = func[1];
	forms[4].a = func[0], forms[4].b = NULL;
	for (int i = 0; i < 5; i++) {
		if (forms[i].b && !two) {
			continue;
		}
		if (text_w(met, f, forms[i].a) > w ||
		    (forms[i].b && text_w(met, f, forms[i].b) > w)) {
			continue;
		}
		snprintf(lines[0], TL_INFO_LEN, "%s", forms[i].a);
		if (forms[i].b) {
			snprintf(lines[1], TL_INFO_LEN, "%s", forms[i].b);
			return 2;
		}
		return 1;
	}
	return 0;
}

/* ---- Info box ------------------------------------------------------------------------ */

/* Copies a line, cut at TL_INFO_LEN - 1 bytes (on a UTF-8 character
 * boundary). */
static void copy_line(char *dst, const char *src)
{
	size_t n = strlen(src);

	if (n > TL_INFO_LEN - 1) {
		n = TL_INFO_LEN - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80) {
			n--;
		}
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

struct info_out {
	char (*lines)[TL_INFO_LEN];
	uint8_t *cls;
	unsigned n, max;
	const struct tl_metrics *met;
	int max_w;
};

static void info_push(struct info_out *o, uint8_t cls, const char *s)
{
	if (o->n < o->max) {
		copy_line(o->lines[o->n], s);
		if (o->cls) {
			o->cls[o->n] = cls;
		}
		o->n++;
	}
}

/* Appends s, wrapped to max_w at " · " or spaces; the lines after the
 * first are indented. */
static void push_wrapped(struct info_out *o, uint8_t cls, const char *s)
{
	char rest[1024];

	snprintf(rest, sizeof(rest), "%s", s);
	while (o->n < o->max) {
		char *cut = NULL;
		size_t len = strlen(rest);

		if (!o->met ||
		    (text_w(o->met, TL_FONT_SMALL, rest) <= o->max_w && len < TL_INFO_LEN)) {
			info_push(o, cls, rest);
			return;
		}
		/* The longest head that fits: split at " · " first, else a space. */
		for (int pass = 0; pass < 2 && !cut; pass++) {
			for (size_t i = len; i-- > 1;) {
				char save;

				if (pass == 0 ? strncmp(rest + i, " · ", strlen(" · ")) != 0
					      : rest[i] != ' ') {
					continue;
				}
				if (i >= TL_INFO_LEN) {
					continue;
				}
				save = rest[i];
				rest[i] = '\0';
				if (text_w(o->met, TL_FONT_SMALL, rest) <= o->max_w) {
					cut = rest + i;
				}
				rest[i] = save;
				if (cut) {
					break;
				}
			}
		}
		if (!cut) {
			info_push(o, cls, rest); /* cannot wrap: drawn cut */
			return;
		}
		*cut = '\0';
		info_push(o, cls, rest);
		cut += strncmp(cut + 1, "· ", strlen("· ")) == 0 ? 1 + strlen("· ") : 1;
		{
			char tail[1024];

			snprintf(tail, sizeof(tail), "  %s", cut);
			snprintf(rest, sizeof(rest), "%s", tail);
		}
	}
}

static void thread_name(const struct tl_model *m, uint32_t lane, char *buf, size_t len)
{
	if (m->ngroups > 1) {
		snprintf(buf, len, "%u:t%u", m->lane_group[lane], m->lanes[lane].thread);
	} else {
		snprintf(buf, len, "t%u", m->lanes[lane].thread);
	}
}

/* The selected isolation's whole answer: who asked, from where, how long it
 * waited and why: each late thread by delay with the section it ran, the
 * grant delay (the requester's own wake-up), the stall reports. */
static void info_isolation(const struct tl_view *v, const struct tl_model *m, struct info_out *o)
{
	uint64_t k = (uint64_t)v->selected;
	struct tl_iso x;
	struct tl_late *late;
	struct tl_stall stalls[4];
	const struct rdv_tl_lane *r;
	unsigned nlate, nst, nwait = 0, nblock = 0;
	char req[32], a[48], b[48], site[400], line[1024];

	timeline_isolation(m, k, &x);
	r = &m->lanes[x.lane];
	thread_name(m, x.lane, req, sizeof(req));
	snprintf(line, sizeof(line), "Isolation #%llu%s · wait no. %llu of %llu",
		 (unsigned long long)k, x.full ? " (full)" : "",
		 (unsigned long long)timeline_wait_rank(m, k) + 1,
		 (unsigned long long)m->nisolations);
	push_wrapped(o, TL_INFO_TITLE, line);
	format_time(a, sizeof(a), m, x.request_ns);
	snprintf(line, sizeof(line), "%s (tid %d) requested it at %s", req, r->os_tid, a);
	push_wrapped(o, TL_INFO_REQUESTER, line);
	if (x.site != TL_NO_SITE) {
		view_site_label(m, x.site, TL_SITE_PLACE, site, sizeof(site));
		snprintf(line, sizeof(line), "  from %s", site);
		push_wrapped(o, TL_INFO_REQUESTER, line);
	}
	format_duration(a, sizeof(a), x.wait_ns);
	if (x.has_hold) {
		format_duration(b, sizeof(b), x.hold_ns);
		snprintf(line, sizeof(line), "waited %s for the grant · then held it %s", a, b);
	} else {
		snprintf(line, sizeof(line), "waited %s for the grant · not released", a);
	}
	push_wrapped(o, TL_INFO_TEXT, line);

	late = calloc(m->info.nlanes ? m->info.nlanes : 1, sizeof(*late));
	nlate = late ? timeline_isolation_late(m, k, late, m->info.nlanes) : 0;
	if (nlate == 0) {
		push_wrapped(o, TL_INFO_TEXT, "no thread was late: all were ready at the request");
	} else {
		snprintf(line, sizeof(line),
			 "%u thread%s late (not ready at the request), by delay:", nlate,
			 nlate == 1 ? "" : "s");
		push_wrapped(o, TL_INFO_TEXT, line);
	}
	for (unsigned i = 0; i < nlate && i < m->info.nlanes; i++) {
		bool strag = late[i].lane == x.straggler;
		char who[32], sec[900];

		/* Keep the last lines for what follows the list. */
		if (o->n + 5 >= o->max && i + 1 < nlate) {
			snprintf(line, sizeof(line), "… %u more late threads (pinned in the lanes)",
				 nlate - i);
			push_wrapped(o, TL_INFO_LATE, line);
			break;
		}
		thread_name(m, late[i].lane, who, sizeof(who));
		format_duration(a, sizeof(a), late[i].delay_ns);
		if (late[i].from == TL_NO_SITE && late[i].to == TL_NO_SITE) {
			sec[0] = '\0';
		} else {
			char s2[850];

			view_section_label(m, &late[i], TL_SITE_PLACE, s2, sizeof(s2));
			snprintf(sec, sizeof(sec), ": ran %s", s2);
		}
		snprintf(line, sizeof(line), "%s%s ready +%s%s", strag ? "straggler " : "late ",
			 who, a, sec);
		push_wrapped(o, strag ? TL_INFO_STRAGGLER : TL_INFO_LATE, line);
	}
	free(late);
	if (x.has_grant_delay) {
		format_duration(a, sizeof(a), x.grant_delay_ns);
		if (nlate) {
			snprintf(line, sizeof(line),
				 "grant delay %s: %s's own wake-up after the last late thread "
				 "was ready",
				 a, req);
		} else {
			snprintf(line, sizeof(line),
				 "grant delay %s: the whole wait was %s's own wake-up", a, req);
		}
		push_wrapped(o, TL_INFO_TEXT, line);
	}
	nst = timeline_isolation_stalls(m, k, stalls, 4);
	for (unsigned i = 0; i < nst && i < 4; i++) {
		int p;

		format_duration(a, sizeof(a), stalls[i].waited_ns);
		p = snprintf(line, sizeof(line), "stall reported after %s, not ready:", a);
		for (uint32_t j = 0; j < stalls[i].nlate && j < TL_STALL_LANES; j++) {
			char who[32];

			thread_name(m, stalls[i].lanes[j], who, sizeof(who));
			p += snprintf(line + p, sizeof(line) - (size_t)p, " %s", who);
		}
		if (stalls[i].nlate > TL_STALL_LANES) {
			snprintf(line + p, sizeof(line) - (size_t)p, " … (%u)", stalls[i].nlate);
		} else if (stalls[i].nlate == 0) {
			snprintf(line + p, sizeof(line) - (size_t)p, " none named");
		}
		push_wrapped(o, TL_INFO_STALL, line);
	}
	if (nst > 4) {
		snprintf(line, sizeof(line), "… %u stall reports in all", nst);
		push_wrapped(o, TL_INFO_STALL, line);
	}
	for (uint32_t i = v->nsticky; i < v->ndrows; i++) {
		nwait += v->drows[i].kind == TL_DROW_LANE && v->drows[i].role == TL_ROLE_QUEUED;
		nblock += v->drows[i].kind == TL_DROW_LANE && v->drows[i].role == TL_ROLE_BLOCKED;
	}
	if (nwait || nblock) {
		snprintf(line, sizeof(line),
			 "meanwhile %u waited for their own request, %u blocked", nwait, nblock);
		push_wrapped(o, TL_INFO_TEXT, line);
	}
}

unsigned view_info_lines(const struct tl_view *v, const struct tl_model *m,
			 const struct tl_metrics *met, int max_w, char (*lines)[TL_INFO_LEN],
			 uint8_t *cls, unsigned max)
{
	struct info_out o = {lines, cls, 0, max, met, max_w};
	char a[48], b[48], line[1024];

	if (!v) {
		return 0;
	}
	if (v->selected >= 0 && (uint64_t)v->selected < m->nisolations) {
		info_isolation(v, m, &o);
	}
	if (v->range) {
		uint64_t st[RDV_TL_NSTATES], tot = 0;
		uint64_t dt = view_measure_totals(v, m, st);
		int s0 = -1;

		format_duration(a, sizeof(a), dt);
		snprintf(line, sizeof(line), "Range Δt %s · %u thread%s", a, v->nrange_lanes,
			 v->nrange_lanes == 1 ? "" : "s");
		push_wrapped(&o, TL_INFO_TITLE, line);
		for (int s = 0; s < RDV_TL_NSTATES; s++) {
			tot += st[s];
		}
		/* Two states per line. */
		for (int s = 0; s < RDV_TL_NSTATES; s++) {
			if (!st[s]) {
				continue;
			}
			if (s0 < 0) {
				s0 = s;
				continue;
			}
			format_duration(a, sizeof(a), st[s0]);
			format_duration(b, sizeof(b), st[s]);
			snprintf(line, sizeof(line), "%s %s %.0f%% · %s %s %.0f%%",
				 rdv_tl_state_name(s0), a, 100.0 * (double)st[s0] / (double)tot,
				 rdv_tl_state_name(s), b, 100.0 * (double)st[s] / (double)tot);
			push_wrapped(&o, TL_INFO_TEXT, line);
			s0 = -1;
		}
		if (s0 >= 0) {
			format_duration(a, sizeof(a), st[s0]);
			snprintf(line, sizeof(line), "%s %s %.0f%%", rdv_tl_state_name(s0), a,
				 100.0 * (double)st[s0] / (double)tot);
			push_wrapped(&o, TL_INFO_TEXT, line);
		}
	}
	if (v->nmarkers > 1) {
		int p = snprintf(line, sizeof(line), "markers Δ");

		for (unsigned i = 1; i < v->nmarkers && p < 400; i++) {
			format_duration(a, sizeof(a), v->markers[i] - v->markers[i - 1]);
			p += snprintf(line + p, sizeof(line) - (size_t)p, " %s", a);
		}
		push_wrapped(&o, TL_INFO_TEXT, line);
	}
	return o.n;
}

void view_scroll_info(struct tl_view *v, const struct tl_layout *lo, int delta)
{
	int first = (int)v->info_first + delta;
	int max = lo->info_lines > lo->info_shown ? (int)(lo->info_lines - lo->info_shown) : 0;

	v->info_first = (unsigned)clampi(first, 0, max);
}

/* ---- Bottom panel geometry ------------------------------------------------------------- */

static int latency_x0(const struct tl_layout *lo)
{
	return lo->mask_w + 10;
}

unsigned view_hist_geometry(const struct tl_model *m, const struct tl_layout *lo,
			    struct tl_hist_geom *out, unsigned max)
{
	static const enum tl_latency_kind order[] = {TL_LAT_WAIT, TL_LAT_HOLD, TL_LAT_GRANT_DELAY,
						     TL_LAT_BLOCKED};
	int sh = lo->met.height[TL_FONT_SMALL], fh = lo->met.height[TL_FONT_NORMAL];
	int x0 = latency_x0(lo), y = lo->panel_y + 6 + fh + 4;
	int total_w = lo->width - x0 - 10, strag_w = total_w >= 640 ? total_w / 4 : 0;
	int hgt = lo->height - y - 4, hist_w;
	unsigned n = 0, nk = 0;
	struct tl_latency lat;

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		timeline_latency(m, order[i], &lat);
		nk += lat.present;
	}
	if (nk == 0) {
		return 0;
	}
	hist_w = (total_w - strag_w) / (int)nk - 12;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]) && n < max; i++) {
		struct tl_hist_geom *g = &out[n];

		timeline_latency(m, order[i], &lat);
		if (!lat.present) {
			continue;
		}
		g->kind = order[i];
		g->x = x0 + (int)n * (hist_w + 12);
		g->y = y;
		g->w = hist_w;
		g->h = hgt;
		g->plot_x = g->x;
		g->plot_y = y + 3 * sh + 4;
		g->plot_w = hist_w;
		g->plot_h = hgt - (g->plot_y - y) - sh - 2;
		g->lo_b = 0;
		g->hi_b = 7;
		if (lat.count) {
			int lo_b = (int)rdv_tl_hist_bucket(lat.min_ns);
			int hi_b = (int)rdv_tl_hist_bucket(lat.max_ns);

			if (hi_b - lo_b < 7) {
				/* At least 8 buckets wide, so one spike does not fill the
				 * plot. */
				lo_b -= (7 - (hi_b - lo_b)) / 2;
				if (lo_b < 0) {
					lo_b = 0;
				}
				hi_b = lo_b + 7 > 63 ? 63 : lo_b + 7;
				lo_b = hi_b - 7;
			}
			g->lo_b = lo_b;
			g->hi_b = hi_b;
		}
		n++;
	}
	return n;
}

bool view_hist_hit(const struct tl_model *m, const struct tl_layout *lo, int x, int y,
		   enum tl_latency_kind *kind, unsigned *bucket)
{
	struct tl_hist_geom g[TL_NLAT];
	unsigned n = view_hist_geometry(m, lo, g, TL_NLAT);

	for (unsigned i = 0; i < n; i++) {
		int nb = g[i].hi_b - g[i].lo_b + 1;

		if (g[i].plot_h < 10 || x < g[i].plot_x || x >= g[i].plot_x + g[i].plot_w ||
		    y < g[i].plot_y || y >= g[i].plot_y + g[i].plot_h) {
			continue;
		}
		*kind = g[i].kind;
		*bucket = (unsigned)(g[i].lo_b + (x - g[i].plot_x) * nb / g[i].plot_w);
		return true;
	}
	return false;
}

bool view_straggler_geometry(const struct tl_model *m, const struct tl_layout *lo,
			     struct tl_strag_geom *g)
{
	struct tl_hist_geom h[TL_NLAT];
	unsigned n = view_hist_geometry(m, lo, h, TL_NLAT);
	int sh = lo->met.height[TL_FONT_SMALL];

	memset(g, 0, sizeof(*g));
	if (n == 0) {
		return false;
	}
	g->x = h[n - 1].x + h[n - 1].w + 16;
	g->w = lo->width - g->x - 6;
	if (g->w < 110) {
		return false;
	}
	g->y = h[0].y;
	g->rows_y = g->y + sh + 2;
	g->row_h = sh;
	while (g->rows < m->nstragglers && g->rows_y + (int)(g->rows + 1) * sh < lo->height - 4) {
		g->rows++;
	}
	return true;
}

void view_straggler_row(const struct tl_model *m, uint32_t k, char (*forms)[96])
{
	const struct tl_straggler *s = &m->stragglers[k];
	const struct rdv_tl_lane *l = &m->lanes[s->lane];
	char who[32], d[32];

	thread_name(m, s->lane, who, sizeof(who));
	format_duration(d, sizeof(d), s->delay_ns);
	snprintf(forms[0], 96, "%s (%d) %s · %llu×", who, l->os_tid, d,
		 (unsigned long long)s->count);
	snprintf(forms[1], 96, "%s %s · %llu×", who, d, (unsigned long long)s->count);
	snprintf(forms[2], 96, "%s %s", who, d);
}

static int mask_lines(const struct tl_group *gr, int cols)
{
	uint32_t t = gr->max_thread ? gr->max_thread : 1;

	return (int)((t + (uint32_t)cols - 1) / (uint32_t)cols);
}

static int mask_block_h(const struct tl_layout *lo, const struct tl_group *gr, int cols, int line_h)
{
	return lo->met.height[TL_FONT_SMALL] + mask_lines(gr, cols) * line_h + 4;
}

void view_mask_geometry(const struct tl_model *m, const struct tl_layout *lo,
			struct tl_mask_geom *g)
{
	int fh = lo->met.height[TL_FONT_NORMAL];
	int index_w = text_w(&lo->met, TL_FONT_TINY, "1024") + 6;

	memset(g, 0, sizeof(*g));
	g->x = 10;
	g->y = lo->panel_y + 6 + fh + 4;
	g->w = lo->mask_w - 20;
	g->h = lo->height - g->y - 4;
	/* The biggest cells with which every domain fits: first with the bits
	 * drawn (W, H, I and the state), then the state alone. */
	for (int pass = 0; pass < 2; pass++) {
		bool comp = pass == 1;

		for (int cell = comp ? 8 : 16; cell >= (comp ? 3 : 6); cell--) {
			int cols = (g->w - index_w) / cell, total = 0;
			int line_h = comp ? cell + 2 : 3 * (cell + 1) + cell / 2 + 3;

			if (cols < 1) {
				continue;
			}
			for (uint32_t gi = 0; gi < m->ngroups; gi++) {
				total += mask_block_h(lo, &m->groups[gi], cols, line_h);
			}
			g->cell = cell;
			g->cols = cols;
			g->compressed = comp;
			g->line_h = line_h;
			g->total_h = total;
			if (total <= g->h) {
				return;
			}
		}
	}
	/* Even so too tall: the smallest cells, and the panel scrolls. */
}

int view_mask_group_h(const struct tl_model *m, const struct tl_layout *lo,
		      const struct tl_mask_geom *g, uint32_t group)
{
	return mask_block_h(lo, &m->groups[group], g->cols, g->line_h);
}

void view_scroll_masks(struct tl_view *v, const struct tl_model *m, const struct tl_layout *lo,
		       int delta_px)
{
	struct tl_mask_geom g;
	int max;

	view_mask_geometry(m, lo, &g);
	max = g.total_h > g.h ? g.total_h - g.h : 0;
	v->mask_scroll = clampi(v->mask_scroll + delta_px, 0, max);
}

/* ---- Replay ------------------------------------------------------------------------------ */

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

/* ---- Mapping and formatting ---------------------------------------------------------------- */

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

void view_late_box(const struct tl_view *v, const struct tl_layout *lo, uint64_t request_ns,
		   const struct tl_late *l, const struct tl_slot *s, int *x, int *w, int *h)
{
	double xr = view_ns_to_x(v, lo, request_ns);
	double xs = view_ns_to_x(v, lo, request_ns + l->delay_ns);
	double x0 = xr < lo->lanes_x ? lo->lanes_x : xr;
	double x1 = xs > lo->lanes_x + lo->lanes_w ? lo->lanes_x + lo->lanes_w : xs;
	int pad = lo->row_h >= 16 ? 2 : 1;

	*x = (int)x0 + 3;
	*w = x1 - x0 - 6 > 0 ? (int)(x1 - x0) - 6 : 0;
	*h = s->h - 2 * pad;
}

/* Appends s with its spaces as '_' (a dump field is one word). */
static size_t dump_word(char *buf, size_t len, size_t o, const char *s)
{
	for (; *s && o + 1 < len; s++) {
		buf[o++] = *s == ' ' ? '_' : *s;
	}
	if (o < len) {
		buf[o] = '\0';
	}
	return o;
}

void view_dump(const struct tl_view *v, const struct tl_model *m, const struct tl_layout *lo,
	       char *buf, size_t len)
{
	struct tl_slot slots[1024];
	unsigned ns = view_slots(v, lo, slots, 1024);
	size_t o = 0;
	struct tl_iso x;
	bool have = v->selected >= 0 && (uint64_t)v->selected < m->nisolations;
	int64_t worst = timeline_by_wait(m, 0);

#define OUT(...)                                                                                   \
	do {                                                                                       \
		if (o < len) {                                                                     \
			int w_ = snprintf(buf + o, len - o, __VA_ARGS__);                          \
			o += w_ > 0 ? (size_t)w_ : 0;                                              \
		}                                                                                  \
	} while (0)
	if (have) {
		timeline_isolation(m, (uint64_t)v->selected, &x);
	}
	OUT("rdv-view: view selected=%lld worst=%lld rank=%lld t0=%llu t1=%llu",
	    (long long)v->selected, (long long)worst,
	    have ? (long long)timeline_wait_rank(m, (uint64_t)v->selected) : -1LL,
	    (unsigned long long)v->t0, (unsigned long long)v->t1);
	OUT(" span_visible=%d", have && x.request_ns >= v->t0 && x.end_ns <= v->t1);
	OUT(" width=%d height=%d row_h=%d rows=%u pinned=%u first_row=%u panel=%d", lo->width,
	    lo->height, lo->row_h, v->ndrows, v->nsticky, v->first_row, lo->side_w > 0);
	OUT(" requester=%lld straggler=%lld", have ? (long long)x.lane : -1LL,
	    have && x.straggler != TL_NO_LANE ? (long long)x.straggler : -1LL);
	OUT(" requester_tid=%d straggler_tid=%d", have ? m->lanes[x.lane].os_tid : -1,
	    have && x.straggler != TL_NO_LANE ? m->lanes[x.straggler].os_tid : -1);
	if (have) {
		struct tl_late *late = calloc(m->info.nlanes ? m->info.nlanes : 1, sizeof(*late));
		unsigned nl =
		    late ? timeline_isolation_late(m, (uint64_t)v->selected, late, m->info.nlanes)
			 : 0;

		nl = nl < m->info.nlanes ? nl : m->info.nlanes;
		OUT(" late=");
		for (unsigned i = 0; i < nl; i++) {
			OUT("%s%u", i ? "," : "", late[i].lane);
		}
		OUT(" late_tids=");
		for (unsigned i = 0; i < nl; i++) {
			OUT("%s%d", i ? "," : "", m->lanes[late[i].lane].os_tid);
		}
		OUT(" late_delays=");
		for (unsigned i = 0; i < nl; i++) {
			OUT("%s%llu", i ? "," : "", (unsigned long long)late[i].delay_ns);
		}
		/* The section text drawn on each late thread's lane on screen
		 * (lines joined by '/'), as render.c draws it. */
		OUT(" sections=");
		for (unsigned i = 0, first = 1; i < nl; i++) {
			char text[2][TL_INFO_LEN];
			enum tl_font f;
			unsigned nt = 0;
			int bx, bw, bh;

			for (unsigned j = 0; j < ns; j++) {
				const struct tl_drow *d = &v->drows[slots[j].drow];

				if (d->kind != TL_DROW_LANE || slots[j].sticky_header ||
				    d->lane != late[i].lane) {
					continue;
				}
				view_late_box(v, lo, x.request_ns, &late[i], &slots[j], &bx, &bw,
					      &bh);
				nt = view_section_text(m, &lo->met, &late[i], bw, bh, text, &f);
				break;
			}
			OUT("%s%u:", first ? "" : ",", late[i].lane);
			first = 0;
			for (unsigned t = 0; t < nt; t++) {
				if (t) {
					OUT("/");
				}
				o = o < len ? dump_word(buf, len, o, text[t]) : o;
			}
		}
		/* The same sections in full (function and file:line). */
		OUT(" places=");
		for (unsigned i = 0; i < nl; i++) {
			char sec[TL_INFO_LEN * 2];

			view_section_label(m, &late[i], TL_SITE_PLACE, sec, sizeof(sec));
			OUT("%s%u:", i ? "," : "", late[i].lane);
			o = o < len ? dump_word(buf, len, o, sec) : o;
		}
		free(late);
		{
			char site[TL_INFO_LEN];

			view_site_label(m, x.site, TL_SITE_PLACE, site, sizeof(site));
			OUT(" site=");
			o = o < len ? dump_word(buf, len, o, site) : o;
		}
	} else {
		OUT(" late=");
	}
	/* The straggler list as the panel shows it. */
	{
		struct tl_strag_geom g;

		OUT(" stragglers=");
		if (view_straggler_geometry(m, lo, &g)) {
			for (unsigned i = 0; i < g.rows; i++) {
				const struct tl_straggler *st = &m->stragglers[i];

				OUT("%s%u:%llu:%llu", i ? "," : "", m->lanes[st->lane].thread,
				    (unsigned long long)st->count,
				    (unsigned long long)st->delay_ns);
			}
		}
	}
	OUT(" info_lines=%u info_shown=%u info_first=%u", lo->info_lines, lo->info_shown,
	    v->info_first);
	OUT(" range=%llu", v->range ? (unsigned long long)(v->range_t1 - v->range_t0) : 0ull);
	if (have) {
		OUT(" sel_request=%llu sel_grant=%llu sel_end=%llu",
		    (unsigned long long)x.request_ns, (unsigned long long)x.grant_ns,
		    (unsigned long long)x.end_ns);
	}
	/* Where things are, for a script that clicks them. */
	OUT(" lanes_area=%d,%d,%d,%d", lo->lanes_x, lo->lanes_y, lo->lanes_w, lo->lanes_h);
	OUT(" table=%d,%d,%d,%d,%d", lo->side_x, lo->table_y, lo->side_w, lo->table_row_h,
	    lo->table_row_h ? lo->table_y + lo->table_row_h + 2 + lo->table_row_h / 2 : 0);
	OUT(" hists=");
	{
		struct tl_hist_geom g[TL_NLAT];
		unsigned nh = view_hist_geometry(m, lo, g, TL_NLAT);

		for (unsigned i = 0; i < nh; i++) {
			OUT("%s%d:%d:%d:%d:%d:%d:%d", i ? ";" : "", (int)g[i].kind, g[i].plot_x,
			    g[i].plot_y, g[i].plot_w, g[i].plot_h, g[i].lo_b, g[i].hi_b);
		}
	}
	{
		int64_t r = v->hover ? view_y_to_drow(v, lo, v->hover_y) : -1;

		OUT(" hover_lane=%lld", r >= 0 && v->drows[r].kind == TL_DROW_LANE &&
						v->hover_x >= lo->lanes_x &&
						v->hover_x < lo->lanes_x + lo->lanes_w
					    ? (long long)v->drows[r].lane
					    : -1LL);
	}
	/* Last, as they are long: the lanes fully on screen, and their middle. */
	for (int pass = 0; pass < 2; pass++) {
		bool first = true;

		OUT(pass ? " visible_y=" : " visible=");
		for (unsigned i = 0; i < ns; i++) {
			const struct tl_drow *d = &v->drows[slots[i].drow];

			if (d->kind != TL_DROW_LANE || slots[i].sticky_header ||
			    slots[i].y + slots[i].h > lo->lanes_y + lo->lanes_h) {
				continue;
			}
			if (pass) {
				OUT("%s%d", first ? "" : ",", slots[i].y + slots[i].h / 2);
			} else {
				OUT("%s%u", first ? "" : ",", d->lane);
			}
			first = false;
		}
	}
	/* The role texts of the lanes on screen that have one, as labelled. */
	{
		bool first = true;

		OUT(" roles=");
		for (unsigned i = 0; i < ns; i++) {
			const struct tl_drow *d = &v->drows[slots[i].drow];
			char role[96];

			if (d->kind != TL_DROW_LANE || slots[i].sticky_header ||
			    slots[i].y + slots[i].h > lo->lanes_y + lo->lanes_h) {
				continue;
			}
			view_lane_role(v, m, d, role, sizeof(role));
			if (!role[0]) {
				continue;
			}
			OUT("%s%u:", first ? "" : ",", d->lane);
			o = o < len ? dump_word(buf, len, o, role) : o;
			first = false;
		}
	}
	/* Last of all: the info box's text (spaces kept, lines joined by " | "). */
	{
		char lines[TL_INFO_MAX][TL_INFO_LEN];
		unsigned n = lo->side_w ? view_info_lines(v, m, &lo->met, lo->side_w - 14, lines,
							  NULL, TL_INFO_MAX)
					: 0;

		OUT(" info=");
		for (unsigned i = 0; i < n; i++) {
			OUT("%s%s", i ? " | " : "", lines[i]);
		}
	}
#undef OUT
	if (o >= len && len > 0) {
		buf[len - 1] = '\0';
	}
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
