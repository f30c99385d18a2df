/* SPDX-License-Identifier: MIT */
/*
 * rdv-view view tests, on timelines written with the real writer (a
 * poller-like pattern: synth-timeline poller) and read with the real reader:
 * the isolations table's sort orders (against a brute-force check), worst and
 * next-worst, the threads pinned by a selection and focus mode, collapsing,
 * which isolation an instant belongs to, stepping through a histogram bucket,
 * the arithmetic of a measured range, and the layout (lane height, pinned
 * area, scrolling, the table's columns, the mask grid) at several window
 * sizes and lane counts. No SDL: text widths come from a fixed-width stub.
 * Usage: test-view SYNTH_TIMELINE_PROGRAM DIR
 */
#include "model.h"
#include "view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

/* 7 px per character (code point), as a DejaVu Sans 12 px digit. */
static int stub_width(void *ctx, enum tl_font f, const char *s)
{
	int n = 0;

	(void)ctx;
	for (; *s; s++) {
		n += ((unsigned char)*s & 0xc0) != 0x80;
	}
	return n * (f == TL_FONT_NORMAL ? 8 : f == TL_FONT_SMALL ? 7 : 6);
}

static const struct tl_metrics met = {{17, 15, 12}, stub_width, NULL};

/* Writes a poller-like timeline with synth-timeline; returns its facts. */
static int make(const char *synth, const char *path, unsigned workers, unsigned niso,
		unsigned *worst, unsigned *requester, unsigned *straggler, unsigned *blocked)
{
	char cmd[8192];
	FILE *p;
	int ok;

	snprintf(cmd, sizeof(cmd), "'%s' poller '%s' %u %u", synth, path, workers, niso);
	p = popen(cmd, "r");
	if (!p) {
		return -1;
	}
	ok = fscanf(p, "worst=%u requester=%u straggler=%u blocked=%u", worst, requester, straggler,
		    blocked) == 4;
	return pclose(p) == 0 && ok ? 0 : -1;
}

static uint64_t key_value(const struct tl_model *m, uint32_t k, enum tl_iso_key key, bool *has)
{
	struct tl_iso x;

	timeline_isolation(m, k, &x);
	*has = true;
	switch (key) {
	case TL_KEY_WAIT:
		return x.wait_ns;
	case TL_KEY_HOLD:
		*has = x.has_hold;
		return x.hold_ns;
	case TL_KEY_REQUESTER:
		return m->lanes[x.lane].thread;
	case TL_KEY_STRAGGLER:
		*has = x.straggler != TL_NO_LANE;
		return *has ? m->lanes[x.straggler].thread : 0;
	default:
		return k;
	}
}

static void test_sort(const struct tl_model *m)
{
	static const enum tl_iso_key keys[] = {TL_KEY_INDEX, TL_KEY_WAIT, TL_KEY_HOLD,
					       TL_KEY_REQUESTER, TL_KEY_STRAGGLER};
	uint32_t *perm = calloc(m->nisolations, sizeof(*perm));
	uint8_t *seen = calloc(m->nisolations, 1);

	for (size_t ki = 0; ki < sizeof(keys) / sizeof(keys[0]); ki++) {
		for (int desc = 0; desc < 2; desc++) {
			timeline_isolations_sort(m, keys[ki], desc, perm);
			memset(seen, 0, m->nisolations);
			for (uint64_t i = 0; i < m->nisolations; i++) {
				CHECK(perm[i] < m->nisolations && !seen[perm[i]]);
				seen[perm[i]] = 1;
				if (i == 0) {
					continue;
				}
				{
					bool ha, hb;
					uint64_t a = key_value(m, perm[i - 1], keys[ki], &ha);
					uint64_t b = key_value(m, perm[i], keys[ki], &hb);

					/* Without a value: last, either way. */
					CHECK(ha || !hb);
					if (ha && hb) {
						CHECK(desc ? a >= b : a <= b);
						/* Ties keep request order. */
						CHECK(a != b || perm[i - 1] < perm[i]);
					}
				}
			}
		}
	}
	/* The model's own wait order and ranks agree with it. */
	timeline_isolations_sort(m, TL_KEY_WAIT, true, perm);
	for (uint64_t r = 0; r < m->nisolations; r++) {
		CHECK(timeline_by_wait(m, r) == perm[r]);
		CHECK(timeline_wait_rank(m, perm[r]) == r);
	}
	CHECK(timeline_by_wait(m, m->nisolations) == -1);
	free(perm);
	free(seen);
}

/* Every lane shows once (outside focus mode); pinned rows first. */
static void check_rows(const struct tl_view *v, const struct tl_model *m, bool focus)
{
	uint8_t *count = calloc(m->info.nlanes, 1);

	for (uint32_t i = 0; i < v->ndrows; i++) {
		if (v->drows[i].kind == TL_DROW_LANE) {
			CHECK(v->drows[i].lane < m->info.nlanes);
			count[v->drows[i].lane]++;
		}
	}
	for (uint32_t l = 0; l < m->info.nlanes; l++) {
		CHECK(count[l] <= 1);
		if (!focus) {
			CHECK(count[l] == 1);
		}
	}
	free(count);
}

static void test_selection(const struct tl_model *m, unsigned worst, unsigned requester,
			   unsigned straggler, unsigned blocked)
{
	struct tl_view v;
	struct tl_layout lo;
	struct tl_iso x;
	uint32_t nblocked = 0;

	CHECK(view_init(&v, m) == 0);
	check_rows(&v, m, false);
	CHECK(v.nsticky == 0 && v.drows[0].kind == TL_DROW_GROUP);

	/* Worst, next-worst, back. */
	view_select_worst(&v, m, 0);
	CHECK(v.selected == (int64_t)worst);
	view_select_worst(&v, m, 1);
	CHECK(v.selected == timeline_by_wait(m, 1));
	view_select_worst(&v, m, 1);
	CHECK(v.selected == timeline_by_wait(m, 2));
	view_select_worst(&v, m, -1);
	CHECK(v.selected == timeline_by_wait(m, 1));
	view_select_worst(&v, m, -1);
	view_select_worst(&v, m, -1);
	CHECK(v.selected == (int64_t)worst);

	/* Pinned: the requester, then the straggler; then the blocked ones,
	 * longest first; the view spans the isolation. */
	timeline_isolation(m, worst, &x);
	CHECK(x.lane == requester && x.straggler == straggler);
	CHECK(v.t0 <= x.request_ns && v.t1 >= x.end_ns);
	CHECK(v.t1 - v.t0 < 2 * (x.end_ns - x.request_ns) + 2 * TL_MIN_SPAN_NS);
	CHECK(v.drows[0].kind == TL_DROW_PIN);
	CHECK(v.drows[1].lane == requester && v.drows[1].role == TL_ROLE_REQUESTER);
	CHECK(v.drows[2].lane == straggler && v.drows[2].role == TL_ROLE_STRAGGLER);
	CHECK(v.drows[2].ns == x.straggler_ready_ns - x.request_ns);
	CHECK(v.nsticky == 3);
	CHECK(v.drows[3].kind == TL_DROW_OTHERS && v.drows[3].ns == blocked);
	for (uint32_t i = 4; i < v.ndrows && v.drows[i].kind == TL_DROW_LANE; i++) {
		CHECK(v.drows[i].role == TL_ROLE_BLOCKED);
		CHECK(i == 4 || v.drows[i].ns <= v.drows[i - 1].ns);
		nblocked++;
	}
	CHECK(nblocked == blocked);
	check_rows(&v, m, false);

	/* On screen at 1280x800: requester and straggler pinned, visible. */
	view_layout(&lo, &met, 1280, 800, &v, m);
	{
		struct tl_slot s[256];
		unsigned n = view_slots(&v, &lo, s, 256);
		bool req = false, str = false;

		for (unsigned i = 0; i < n; i++) {
			const struct tl_drow *d = &v.drows[s[i].drow];

			CHECK(s[i].y >= lo.lanes_y && s[i].y < lo.lanes_y + lo.lanes_h);
			if (s[i].y + s[i].h <= lo.lanes_y + lo.lanes_h) {
				CHECK(view_y_to_drow(&v, &lo, s[i].y + s[i].h / 2) == s[i].drow);
			} else {
				CHECK(i == n - 1); /* only the last one is cut */
			}
			req |= d->kind == TL_DROW_LANE && d->lane == requester;
			str |= d->kind == TL_DROW_LANE && d->lane == straggler;
		}
		CHECK(req && str);
		/* Scrolling keeps the pinned rows, and the header of the rows
		 * scrolled into stays on top of them. */
		view_scroll_rows(&v, &lo, 5);
		n = view_slots(&v, &lo, s, 256);
		CHECK(n > 4 && s[1].drow == 1 && s[2].drow == 2);
		CHECK(s[3].sticky_header && v.drows[s[3].drow].kind == TL_DROW_OTHERS);
		CHECK(s[4].drow == 8 && v.drows[8].kind == TL_DROW_LANE);
		view_scroll_rows(&v, &lo, 1000);
		n = view_slots(&v, &lo, s, 256);
		CHECK(n > 3 && s[1].drow == 1 && s[2].drow == 2);
		/* The last row is reachable. */
		CHECK(s[n - 1].drow == v.ndrows - 1);
	}

	/* Focus mode: only its threads. */
	view_toggle_focus_only(&v, m);
	check_rows(&v, m, true);
	for (uint32_t i = 0; i < v.ndrows; i++) {
		CHECK(v.drows[i].kind != TL_DROW_GROUP);
		CHECK(v.drows[i].kind != TL_DROW_LANE || v.drows[i].role != TL_ROLE_NONE);
	}
	view_toggle_focus_only(&v, m);
	check_rows(&v, m, false);

	/* Collapsing every process leaves the pinned threads. */
	view_toggle_all_groups(&v, m);
	for (uint32_t i = 0; i < v.ndrows; i++) {
		CHECK(v.drows[i].kind != TL_DROW_LANE || v.drows[i].role != TL_ROLE_NONE);
	}
	view_toggle_all_groups(&v, m);
	check_rows(&v, m, false);

	/* Clicks that belong to the worst isolation: the requester waiting,
	 * the straggler running late, a blocked thread. */
	CHECK(timeline_isolation_of(m, requester, x.request_ns + 10, 0) == (int64_t)worst);
	CHECK(timeline_isolation_of(m, straggler, x.request_ns + (x.wait_ns / 2), 0) ==
	      (int64_t)worst);
	CHECK(timeline_isolation_of(m, v.drows[4].lane, x.grant_ns - 10, 0) == (int64_t)worst);
	/* A worker idle between isolations belongs to none. */
	{
		struct tl_iso prev;
		uint32_t lane = v.drows[4].lane;
		uint64_t t;

		timeline_isolation(m, worst - 1, &prev);
		t = prev.end_ns + (x.request_ns - prev.end_ns) / 2;
		CHECK(timeline_isolation_of(m, lane, t, 0) == -1);
		view_select(&v, m, -1, false);
		CHECK(!view_select_at(&v, m, lane, t, 0) && v.selected == -1);
		CHECK(view_select_at(&v, m, lane, x.grant_ns - 10, 0) &&
		      v.selected == (int64_t)worst);
	}

	/* Clearing the selection restores the natural rows. */
	view_select(&v, m, -1, false);
	CHECK(v.nsticky == 0 && v.drows[0].kind == TL_DROW_GROUP);
	check_rows(&v, m, false);

	/* The table: sorted by wait, longest first; a second click reverses. */
	CHECK(v.table[0] == worst);
	view_sort_table(&v, m, TL_KEY_WAIT);
	CHECK(!v.sort_desc && v.table[m->nisolations - 1] == worst);
	view_sort_table(&v, m, TL_KEY_INDEX);
	CHECK(!v.sort_desc && v.table[0] == 0);
	view_select_table_next(&v, m, 1);
	CHECK(v.selected == 0);
	view_select_table_next(&v, m, 1);
	CHECK(v.selected == 1);

	/* A live snapshot with the same isolation keeps the selection. */
	view_select(&v, m, (int64_t)worst, true);
	CHECK(view_model_changed(&v, m, m) == 0 && v.selected == (int64_t)worst && v.nsticky == 3);
	view_fini(&v);
}

static void test_buckets(const struct tl_model *m)
{
	struct tl_view v;
	struct tl_latency lat;

	CHECK(view_init(&v, m) == 0);
	for (int kind = TL_LAT_WAIT; kind <= TL_LAT_HOLD; kind++) {
		timeline_latency(m, (enum tl_latency_kind)kind, &lat);
		CHECK(lat.present && lat.count > 0);
		for (unsigned b = 0; b < RDV_TL_HIST_BUCKETS; b++) {
			uint64_t first, n = timeline_isolations_in_bucket(
					    m, (enum tl_latency_kind)kind, b, &first);
			uint64_t prev = UINT64_MAX;

			/* As many as the histogram's bar says. */
			CHECK(n == lat.buckets[b]);
			CHECK(view_cycle_bucket(&v, m, (enum tl_latency_kind)kind, b) == (n > 0));
			for (uint64_t i = 0; i < n; i++) {
				struct tl_iso x;
				uint64_t val;

				CHECK(v.selected == timeline_isolation_by_value(
							m, (enum tl_latency_kind)kind, first + i));
				timeline_isolation(m, (uint64_t)v.selected, &x);
				val = kind == TL_LAT_WAIT ? x.wait_ns : x.hold_ns;
				CHECK(rdv_tl_hist_bucket(val) == b && val <= prev);
				prev = val;
				view_cycle_bucket(&v, m, (enum tl_latency_kind)kind, b);
			}
			if (n) {
				/* Round again: back to the longest. */
				CHECK(v.selected == timeline_isolation_by_value(
							m, (enum tl_latency_kind)kind, first));
			}
		}
	}
	/* Blocked: every blocked interval of a bucket once, in time order. */
	timeline_latency(m, TL_LAT_BLOCKED, &lat);
	for (unsigned b = 0; b < RDV_TL_HIST_BUCKETS; b++) {
		uint32_t lane = TL_NO_LANE, lane0 = 0;
		uint64_t t = 0, t0 = 0, n = 0, prev = 0;

		if (!timeline_blocked_next(m, b, &lane, &t)) {
			CHECK(lat.buckets[b] == 0);
			continue;
		}
		lane0 = lane;
		t0 = t;
		do {
			int64_t i = timeline_interval_at(m, lane, t);

			CHECK(i >= 0 && m->lanes[lane].state[i] == RDV_TL_BLOCKED &&
			      m->lanes[lane].begin_ns[i] == t);
			CHECK(t >= prev);
			prev = t;
			n++;
			CHECK(timeline_blocked_next(m, b, &lane, &t));
		} while ((lane != lane0 || t != t0) && n <= lat.buckets[b]);
		CHECK(n == lat.buckets[b]);
	}
	view_fini(&v);
}

static void test_measure(const struct tl_model *m)
{
	struct tl_view v;
	uint64_t st[RDV_TL_NSTATES], sum = 0;
	uint32_t lanes[3] = {0, 5, 9};
	uint64_t a = m->t_min + 123457, b = m->t_min + 987654;

	CHECK(view_init(&v, m) == 0);
	/* No panning beyond the trace (and the margin fitting shows). */
	view_zoom(&v, m, 0.1, v.t0);
	for (int i = 0; i < 50; i++) {
		view_pan(&v, m, -1.0);
	}
	CHECK(v.t0 >= m->t_min - (m->t_max - m->t_min) / 100);
	for (int i = 0; i < 50; i++) {
		view_pan_ns(&v, m, (int64_t)(m->t_max - m->t_min));
	}
	CHECK(v.t1 <= m->t_max + (m->t_max - m->t_min) / 100);
	view_zoom(&v, m, 1000.0, v.t0);
	CHECK(v.t0 >= m->t_min - (m->t_max - m->t_min) / 100);
	CHECK(v.t1 <= m->t_max + (m->t_max - m->t_min) / 100);
	CHECK(view_measure_totals(&v, m, st) == 0);
	/* Backwards drag: the same range. */
	view_set_measure(&v, m, b, a, lanes, 3);
	CHECK(v.range && v.range_t0 == a && v.range_t1 == b && v.nrange_lanes == 3);
	CHECK(view_measure_totals(&v, m, st) == b - a);
	for (int s = 0; s < RDV_TL_NSTATES; s++) {
		uint64_t want = 0;

		for (int i = 0; i < 3; i++) {
			const struct rdv_tl_lane *l = &m->lanes[lanes[i]];

			for (uint64_t j = 0; j < l->nintervals; j++) {
				uint64_t x0 = l->begin_ns[j] > a ? l->begin_ns[j] : a;
				uint64_t x1 = l->end_ns[j] < b ? l->end_ns[j] : b;

				if (l->state[j] == s && x1 > x0) {
					want += x1 - x0;
				}
			}
		}
		CHECK(st[s] == want);
		sum += st[s];
	}
	/* These lanes are registered throughout: Δt per lane. */
	CHECK(sum == 3 * (b - a));
	/* Lanes out of range are dropped. */
	lanes[1] = 999999;
	view_set_measure(&v, m, a, b, lanes, 3);
	CHECK(v.nrange_lanes == 2);
	view_clear_measure(&v);
	CHECK(!v.range && view_measure_totals(&v, m, st) == 0);
	/* Markers: sorted, toggled. */
	view_toggle_marker(&v, 30);
	view_toggle_marker(&v, 10);
	view_toggle_marker(&v, 20);
	CHECK(v.nmarkers == 3 && v.markers[0] == 10 && v.markers[1] == 20 && v.markers[2] == 30);
	view_toggle_marker(&v, 20);
	CHECK(v.nmarkers == 2 && v.markers[1] == 30);
	for (uint64_t t = 100; t < 100 + 2 * TL_MAX_MARKERS; t++) {
		view_toggle_marker(&v, t);
	}
	CHECK(v.nmarkers == TL_MAX_MARKERS);
	view_fini(&v);
}

/* Layout at a window size: what every size must give. */
static void check_layout(const struct tl_model *m, struct tl_view *v, int w, int h)
{
	struct tl_layout lo;
	struct tl_slot s[512];
	unsigned n, nlanes = 0;
	uint32_t lanes_rows = 0;
	char lines[TL_INFO_MAX][TL_INFO_LEN];

	view_layout(&lo, &met, w, h, v, m);
	CHECK(lo.row_h >= met.height[TL_FONT_TINY] + 2); /* readable */
	CHECK(lo.row_h <= TL_ROW_MAX);
	CHECK(lo.lanes_w >= 200);
	CHECK(lo.sticky_h <= lo.lanes_h / 2 || v->nsticky <= 2);
	n = view_slots(v, &lo, s, 512);
	for (unsigned i = 0; i < n; i++) {
		CHECK(s[i].y >= lo.lanes_y && s[i].y < lo.lanes_y + lo.lanes_h);
		nlanes += v->drows[s[i].drow].kind == TL_DROW_LANE && !s[i].sticky_header &&
			  s[i].y + s[i].h <= lo.lanes_y + lo.lanes_h;
	}
	for (uint32_t i = 0; i < v->ndrows; i++) {
		lanes_rows += v->drows[i].kind == TL_DROW_LANE;
	}
	/* Few lanes fill the area (up to the maximum height); many get the
	 * readable minimum, and as many show as fit. */
	if (lanes_rows * TL_ROW_MAX + (v->ndrows - lanes_rows) * lo.hdr_h <= (uint32_t)lo.lanes_h) {
		CHECK(lo.row_h == TL_ROW_MAX && nlanes == lanes_rows);
	} else if (lo.row_h > met.height[TL_FONT_TINY] + 2) {
		CHECK(nlanes == lanes_rows);
		CHECK((int)(lanes_rows * (uint32_t)(lo.row_h + 1) +
			    (v->ndrows - lanes_rows) * (uint32_t)lo.hdr_h) > lo.lanes_h);
	} else {
		CHECK(nlanes >= (unsigned)((lo.lanes_h - lo.hdr_h * 4) / lo.row_h));
	}
	/* Panels: the table's columns and the info box within their width. */
	if (lo.side_w) {
		struct tl_column c[TL_NKEYS];
		unsigned nc = view_table_columns(v, m, &lo, c, TL_NKEYS);
		bool wait = false, req = false;

		for (unsigned i = 0; i < nc; i++) {
			CHECK(c[i].x >= lo.side_x && c[i].x + c[i].w <= lo.side_x + lo.side_w);
			wait |= c[i].key == TL_KEY_WAIT;
			req |= c[i].key == TL_KEY_REQUESTER;
		}
		CHECK(wait && req);
		n = view_info_lines(v, m, &met, lo.side_w - 14, lines, NULL, TL_INFO_MAX);
		for (unsigned i = 0; i < n; i++) {
			CHECK(stub_width(NULL, TL_FONT_SMALL, lines[i]) <= lo.side_w - 14);
		}
		CHECK(lo.table_y + lo.table_h <= lo.legend_y);
	}
	/* The mask panel: every domain reachable, cells inside. */
	{
		struct tl_mask_geom g;
		int total = 0;

		view_mask_geometry(m, &lo, &g);
		CHECK(g.cell >= 3 && g.cols >= 1 && g.cols * g.cell <= g.w);
		for (uint32_t gi = 0; gi < m->ngroups; gi++) {
			uint32_t lines_needed =
			    (m->groups[gi].max_thread + (uint32_t)g.cols - 1) / (uint32_t)g.cols;

			CHECK(view_mask_group_h(m, &lo, &g, gi) >= (int)lines_needed * g.line_h);
			total += view_mask_group_h(m, &lo, &g, gi);
		}
		CHECK(total == g.total_h);
		view_scroll_masks(v, m, &lo, 1 << 20);
		CHECK(v->mask_scroll == (g.total_h > g.h ? g.total_h - g.h : 0));
		view_scroll_masks(v, m, &lo, -(1 << 20));
		CHECK(v->mask_scroll == 0);
	}
	/* Histograms inside the panel, side by side. */
	{
		struct tl_hist_geom g[TL_NLAT];
		unsigned nh = view_hist_geometry(m, &lo, g, TL_NLAT);

		CHECK(nh == 3);
		for (unsigned i = 0; i < nh; i++) {
			CHECK(g[i].x >= lo.mask_w && g[i].x + g[i].w <= lo.width);
			CHECK(i == 0 || g[i].x >= g[i - 1].x + g[i - 1].w);
			CHECK(g[i].plot_y + g[i].plot_h <= lo.height);
		}
	}
}

static void test_layout(const char *synth, const char *dir)
{
	static const int sizes[][2] = {{800, 500}, {1280, 800}, {1920, 1080}, {640, 400}};
	static const unsigned workers[] = {4, 64, 200, 1023};

	for (size_t wi = 0; wi < sizeof(workers) / sizeof(workers[0]); wi++) {
		char path[4096];
		unsigned worst, req, str, blk;
		struct tl_model m;
		struct tl_view v;
		char err[256];

		snprintf(path, sizeof(path), "%s/layout-%u.timeline", dir, workers[wi]);
		if (make(synth, path, workers[wi], workers[wi] > 500 ? 6 : 20, &worst, &req, &str,
			 &blk) < 0 ||
		    timeline_model_open(&m, path, err, sizeof(err)) != 0) {
			fprintf(stderr, "test-view: cannot make %s\n", path);
			failures++;
			continue;
		}
		CHECK(view_init(&v, &m) == 0);
		for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
			check_layout(&m, &v, sizes[si][0], sizes[si][1]);
			view_select_worst(&v, &m, 0);
			check_layout(&m, &v, sizes[si][0], sizes[si][1]);
			view_toggle_focus_only(&v, &m);
			check_layout(&m, &v, sizes[si][0], sizes[si][1]);
			view_toggle_focus_only(&v, &m);
			view_select(&v, &m, -1, false);
		}
		/* With 5 lanes at 1280x800 and at 1920x1080 the lanes fill the
		 * area (no fixed height, no empty half): one more pixel per
		 * lane would not fit. The pinned lanes of the worst isolation
		 * are as tall. */
		if (workers[wi] == 4) {
			static const int sz[][2] = {{1280, 800}, {1920, 1080}};

			for (int k = 0; k < 4; k++) {
				struct tl_layout lo;
				int hdr = 0;

				if (k == 2) {
					view_select_worst(&v, &m, 0);
				}
				view_layout(&lo, &met, sz[k % 2][0], sz[k % 2][1], &v, &m);
				for (uint32_t i = 0; i < v.ndrows; i++) {
					hdr += v.drows[i].kind != TL_DROW_LANE ? lo.hdr_h : 0;
				}
				CHECK(v.ndrows - (uint32_t)(hdr / lo.hdr_h) == 5);
				CHECK(lo.row_h > 44);
				CHECK(5 * lo.row_h + hdr <= lo.lanes_h);
				CHECK(5 * (lo.row_h + 1) + hdr > lo.lanes_h ||
				      lo.row_h == TL_ROW_MAX);
			}
			view_select(&v, &m, -1, false);
		}
		/* 1024 threads in one domain: the mask grid compresses to a cell
		 * per thread, and still fits at 1280x800. */
		if (workers[wi] == 1023) {
			struct tl_layout lo;
			struct tl_mask_geom g;

			view_layout(&lo, &met, 1280, 800, &v, &m);
			view_mask_geometry(&m, &lo, &g);
			CHECK(m.groups[0].max_thread == 1024);
			CHECK(g.total_h <= g.h);
		}
		view_fini(&v);
		timeline_model_close(&m);
	}
}

int main(int argc, char **argv)
{
	char path[4096], err[256];
	unsigned worst, requester, straggler, blocked;
	struct tl_model m;

	if (argc != 3) {
		fprintf(stderr, "usage: test-view SYNTH_TIMELINE DIR\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/poller64.timeline", argv[2]);
	if (make(argv[1], path, 64, 300, &worst, &requester, &straggler, &blocked) < 0 ||
	    timeline_model_open(&m, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "test-view: cannot make or open %s: %s\n", path, err);
		return 1;
	}
	test_sort(&m);
	test_selection(&m, worst, requester, straggler, blocked);
	test_buckets(&m);
	test_measure(&m);
	timeline_model_close(&m);
	test_layout(argv[1], argv[2]);
	if (failures) {
		fprintf(stderr, "test-view: %d checks failed\n", failures);
		return 1;
	}
	printf("test-view: ok\n");
	return 0;
}
