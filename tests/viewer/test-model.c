/* SPDX-License-Identifier: MIT */
/*
 * rdv-view model tests: the level-of-detail query never returns more buckets
 * than columns and preserves the time per state of any range exactly (checked
 * against a brute-force sum over the intervals), lookups and view commands.
 * Usage: test-model DIR
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

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void brute(const struct tl_model *m, uint32_t lane, uint64_t t0, uint64_t t1,
		  uint64_t out[RDV_TL_NSTATES])
{
	const struct rdv_tl_lane *l = &m->lanes[lane];
	uint64_t lo = 0, hi = l->nintervals;

	/* Start at the first interval ending after t0 (ends are sorted too),
	 * then sum interval by interval. */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (l->end_ns[mid] <= t0) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	memset(out, 0, RDV_TL_NSTATES * sizeof(out[0]));
	for (uint64_t j = lo; j < l->nintervals && l->begin_ns[j] < t1; j++) {
		uint64_t b = l->begin_ns[j] > t0 ? l->begin_ns[j] : t0;
		uint64_t e = l->end_ns[j] < t1 ? l->end_ns[j] : t1;

		if (e > b) {
			out[l->state[j]] += e - b;
		}
	}
}

int main(int argc, char **argv)
{
	enum { NLANES = 4, MAXCOL = 3000 };
	static struct tl_bucket buckets[MAXCOL];
	struct rdv_tl_writer *w;
	struct tl_model m;
	char path[4096], err[256];
	uint64_t t[NLANES];
	uint64_t queries = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: test-model DIR\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/model.timeline", argv[1]);
	if (rdv_tl_writer_open(path, &w) != 0) {
		fprintf(stderr, "cannot write %s\n", path);
		return 1;
	}
	/* Lanes in a scrambled order to test the grouping: (vpid, domain). */
	for (int i = 0; i < NLANES; i++) {
		rdv_tl_writer_add_lane(w, i % 2 ? 7 : 3, 0, (uint32_t)(NLANES - i), 100 + i, "p",
				       NULL);
		t[i] = 1000;
	}
	/* Lane 0: tiny intervals (many per pixel), lane 1: long ones, lane 2:
	 * mixed with gaps, lane 3: nothing. */
	for (int k = 0; k < 40000; k++) {
		for (int i = 0; i < 3; i++) {
			uint64_t d = i == 0   ? 1 + next_rand() % 7
				     : i == 1 ? 1000 + next_rand() % 100000
					      : next_rand() % 3000;
			uint64_t gap = i == 2 && next_rand() % 5 == 0 ? next_rand() % 2000 : 0;

			if (i == 1 && k > 2000) {
				continue;
			}
			rdv_tl_writer_add_interval(
			    w, (uint32_t)i, (enum rdv_tl_state)(next_rand() % RDV_TL_NSTATES),
			    t[i] + gap, t[i] + gap + d);
			t[i] += gap + d;
		}
	}
	{
		struct rdv_tl_isolation x = {0};

		x.lane = 2;
		x.request_ns = 5000;
		x.grant_ns = 6000;
		x.release_ns = 9000;
		x.straggler_lane = 1;
		x.straggler_ns = 5900;
		rdv_tl_writer_add_isolation(w, &x);
		x.request_ns = 20000;
		x.grant_ns = 21000;
		x.release_ns = 0;
		x.straggler_lane = 1;
		x.straggler_ns = 20500;
		rdv_tl_writer_add_isolation(w, &x);
	}
	rdv_tl_writer_set_info(w, 1000, 1000, 1, 0);
	if (rdv_tl_writer_close(w) != 0 || timeline_model_open(&m, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "cannot open the model: %s\n", err);
		return 1;
	}

	/* Rows: one group header per (vpid, domain), lanes sorted by thread. */
	CHECK(m.ngroups == 2 && m.nrows == NLANES + 2);
	CHECK(m.rows[0].kind == TL_ROW_GROUP && m.groups[0].vpid == 3);
	CHECK(m.rows[1].kind == TL_ROW_LANE &&
	      m.lanes[m.rows[1].lane].thread < m.lanes[m.rows[2].lane].thread);
	for (uint32_t l = 0; l < NLANES; l++) {
		CHECK(m.rows[m.lane_row[l]].lane == l);
	}

	/* LOD queries over random ranges and column counts. */
	for (int q = 0; q < 3000; q++) {
		uint32_t lane = (uint32_t)(next_rand() % NLANES);
		uint64_t span = m.t_max - m.t_min;
		uint64_t a = m.t_min - 500 + next_rand() % (span + 1000);
		uint64_t len =
		    q % 3 == 0 ? span + 2000 : 1 + next_rand() % (q % 3 == 1 ? 5000 : span);
		uint64_t b = a + len;
		unsigned columns = 1 + (unsigned)(next_rand() % (q % 2 ? 2000 : 40));
		uint64_t want[RDV_TL_NSTATES], got[RDV_TL_NSTATES] = {0}, direct[RDV_TL_NSTATES];
		unsigned n;

		if (q % 3 == 0) {
			a = m.t_min - 1000;
		}
		n = timeline_lod_query(&m, lane, a, b, columns, buckets);
		queries++;
		CHECK(n <= columns);
		for (unsigned k = 0; k < n; k++) {
			uint64_t tot = 0, best = 0;

			CHECK(buckets[k].col0 < buckets[k].col1 && buckets[k].col1 <= columns);
			CHECK(k == 0 || buckets[k].col0 >= buckets[k - 1].col1);
			CHECK(buckets[k].t0 < buckets[k].t1 || a == b);
			for (int s = 0; s < RDV_TL_NSTATES; s++) {
				got[s] += buckets[k].state_ns[s];
				tot += buckets[k].state_ns[s];
				if (buckets[k].state_ns[s] > best) {
					best = buckets[k].state_ns[s];
				}
			}
			CHECK(tot > 0 && buckets[k].dominant < RDV_TL_NSTATES);
			CHECK(buckets[k].state_ns[buckets[k].dominant] == best);
			/* Each bucket: inside the range, after the previous one, and
			 * exact for its own [t0, t1). */
			CHECK(buckets[k].t0 >= a && buckets[k].t1 <= b);
			CHECK(k == 0 || buckets[k].t0 >= buckets[k - 1].t1);
			{
				uint64_t own[RDV_TL_NSTATES];

				brute(&m, lane, buckets[k].t0, buckets[k].t1, own);
				if (memcmp(own, buckets[k].state_ns, sizeof(own)) != 0) {
					fprintf(stderr,
						"query %d bucket %u [%llu, %llu): not exact\n", q,
						k, (unsigned long long)buckets[k].t0,
						(unsigned long long)buckets[k].t1);
					failures++;
				}
			}
		}
		brute(&m, lane, a, b, want);
		timeline_state_time(&m, lane, a, b, direct);
		if (memcmp(want, got, sizeof(want)) != 0 ||
		    memcmp(want, direct, sizeof(want)) != 0) {
			fprintf(
			    stderr,
			    "query %d lane %u [%llu, %llu) %u columns: time per state differs\n", q,
			    lane, (unsigned long long)a, (unsigned long long)b, columns);
			failures++;
		}
		if (lane == 3) {
			CHECK(n == 0);
		}
	}
	/* A pixel per interval or less: many intervals, still <= columns. */
	CHECK(timeline_lod_query(&m, 0, m.t_min, m.t_max, 100, buckets) <= 100);
	CHECK(timeline_lod_query(&m, 0, m.t_min, m.t_max, 0, buckets) == 0);

	/* Lookups. */
	{
		const struct rdv_tl_lane *l = &m.lanes[1];
		int64_t i = timeline_interval_at(&m, 1, l->begin_ns[5]);

		CHECK(i == 5);
		CHECK(timeline_interval_at(&m, 1, l->end_ns[5] - 1) == 5);
		CHECK(timeline_state_at(&m, 1, l->begin_ns[7]) == l->state[7]);
		CHECK(timeline_interval_at(&m, 1, 0) == -1);
		CHECK(timeline_interval_at(&m, 3, 5000) == -1);
		CHECK(timeline_isolation_at(&m, 2, 5500, 0) == 0);
		CHECK(timeline_isolation_at(&m, 2, 9500, 0) == -1);
		CHECK(timeline_isolation_at(&m, 2, 9500, 600) == 0);
		CHECK(timeline_isolation_at(&m, 2, 4000000, 0) == 1); /* not released */
		CHECK(timeline_isolation_at(&m, 1, 5500, 0) == -1);
		CHECK(m.nstragglers == 1 && m.stragglers[0].lane == 1 &&
		      m.stragglers[0].count == 2 && m.stragglers[0].delay_ns == 900 + 500);
	}
	{
		bool wb, hb, ib;

		timeline_state_bits(RDV_TL_RUNNING, &wb, &hb, &ib);
		CHECK(!wb && !hb && !ib);
		timeline_state_bits(RDV_TL_IDLE, &wb, &hb, &ib);
		CHECK(!wb && hb && ib);
		timeline_state_bits(RDV_TL_WAITING, &wb, &hb, &ib);
		CHECK(wb && hb && !ib);
		timeline_state_bits(RDV_TL_ISOLATED, &wb, &hb, &ib);
		CHECK(wb && !hb && !ib);
		timeline_state_bits(RDV_TL_BLOCKED, &wb, &hb, &ib);
		CHECK(!wb && hb && !ib);
	}

	/* View commands. */
	{
		struct tl_view v;
		struct tl_layout lo;
		uint64_t anchor, span;

		struct tl_metrics met = {{17, 15, 12}, NULL, NULL};

		CHECK(view_init(&v, &m) == 0);
		view_layout(&lo, &met, 1280, 800, &v, &m);
		CHECK(v.t0 <= m.t_min && v.t1 >= m.t_max);
		anchor = v.t0 + (v.t1 - v.t0) / 3;
		span = v.t1 - v.t0;
		view_zoom(&v, &m, 0.5, anchor);
		CHECK(v.t1 - v.t0 < span && v.t1 - v.t0 >= span / 2 - 2);
		/* The anchor stays at the same fraction of the view. */
		CHECK(llabs((long long)(anchor - v.t0) - (long long)(v.t1 - v.t0) / 3) < 4);
		for (int k = 0; k < 200; k++) {
			view_zoom(&v, &m, 0.5, anchor);
		}
		CHECK(v.t1 - v.t0 == TL_MIN_SPAN_NS);
		for (int k = 0; k < 200; k++) {
			view_zoom(&v, &m, 2, anchor);
		}
		CHECK(v.t1 - v.t0 <= 4 * (m.t_max - m.t_min) + TL_MIN_SPAN_NS);
		view_fit(&v, &m);
		for (int k = 0; k < 100; k++) {
			view_pan(&v, &m, 1.0);
		}
		CHECK(v.t0 < m.t_max); /* cannot get lost past the end */
		view_zoom(&v, &m, 0.5, v.t0);
		view_home(&v, &m);
		CHECK(v.t0 == m.t_min && v.cursor_ns == m.t_min);
		view_scroll_rows(&v, &lo, 1000);
		CHECK(v.first_row == 0); /* everything fits at 800 px */
		CHECK(view_x_to_ns(&v, &lo, lo.lanes_x) == v.t0);
		CHECK(view_y_to_drow(&v, &lo, lo.lanes_y + lo.hdr_h + 1) == 1);
		view_speed(&v, 1e-30);
		CHECK(v.speed == 1);
		v.cursor_ns = m.t_min;
		view_toggle_play(&v, &m);
		CHECK(v.playing);
		CHECK(view_replay_tick(&v, &m, 5.0) && v.cursor_ns == m.t_min + 5);
		CHECK(view_select_at(&v, &m, 2, 5500, 0) && v.selected == 0);
		view_select_next(&v, &m, 1);
		CHECK(v.selected == 1);
		CHECK(axis_step(1000000, 1000, 100) == 100000);
		CHECK(axis_step(7000, 700, 100) == 1000);
		view_fini(&v);
	}
	timeline_model_close(&m);
	if (failures) {
		fprintf(stderr, "test-model: %d checks failed\n", failures);
		return 1;
	}
	printf("test-model: ok (%llu queries)\n", (unsigned long long)queries);
	return 0;
}
