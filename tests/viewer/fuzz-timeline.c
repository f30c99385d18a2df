/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the timeline reader: any input must be refused with a
 * reason or accepted with every pointer it hands out inside the buffer (the
 * reads below touch every byte a viewer would, so ASan sees any escape).
 * An accepted file then goes through rdv-view's model: grouping, level-of-
 * detail queries, lookups and view commands at several zooms.
 * Built with clang -fsanitize=fuzzer,address by tests/viewer/fuzz.sh.
 */
#include "model.h"
#include "rdv-timeline.h"
#include "view.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rdv_tl_reader *r;
	struct rdv_tl_info info;
	char err[256];
	volatile uint64_t sink = 0;
	uint64_t n;
	int ret;

	err[0] = '\0';
	ret = rdv_tl_reader_open_mem(data, size, &r, err, sizeof(err));
	if (ret) {
		if ((ret != -EINVAL && ret != -EBADMSG) || err[0] == '\0') {
			abort(); /* refused without the promised status or reason */
		}
		return 0;
	}
	rdv_tl_reader_info(r, &info);
	for (uint32_t i = 0; i < info.nlanes; i++) {
		struct rdv_tl_lane l;

		if (rdv_tl_reader_lane(r, i, &l) != 0) {
			abort();
		}
		sink += strlen(l.procname);
		for (uint64_t j = 0; j < l.nintervals; j++) {
			sink += l.begin_ns[j] + l.end_ns[j] + l.state[j];
		}
		for (uint64_t j = 0; j < l.ncheckpoints * RDV_TL_NSTATES; j++) {
			sink += l.checkpoints[j];
		}
	}
	{
		const struct rdv_tl_isolation *x = rdv_tl_reader_isolations(r, &n);
		uint64_t nl;
		const struct rdv_tl_late *late = rdv_tl_reader_late(r, &nl);
		const struct rdv_tl_stall *st;
		struct rdv_tl_site_info si;

		for (uint64_t j = 0; j < n; j++) {
			sink += x[j].request_ns + x[j].straggler_lane;
			for (uint32_t k = 0; k < x[j].nlate; k++) {
				sink += late[x[j].late_first + k].delay_ns;
			}
		}
		st = rdv_tl_reader_stalls(r, &n);
		for (uint64_t j = 0; j < n; j++) {
			for (uint32_t k = 0; k < st[j].nlate; k++) {
				sink += late[st[j].late_first + k].lane;
			}
		}
		for (uint32_t j = 1; j <= info.nsites; j++) {
			if (rdv_tl_reader_site(r, j, &si) != 0) {
				abort();
			}
			sink += si.object ? strlen(si.object) : 0;
			sink += si.function ? strlen(si.function) : 0;
			sink += si.file ? strlen(si.file) : 0;
		}
	}
	for (int k = 0; k < RDV_TL_NLATENCIES; k++) {
		sink += rdv_tl_reader_latency(r, (enum rdv_tl_latency_kind)k)->buckets[63];
	}
	(void)sink;
	rdv_tl_reader_close(r);

	{
		static struct tl_bucket buckets[64];
		struct tl_model m;
		struct tl_view v;
		struct tl_layout lo;

		if (timeline_model_open_mem(&m, data, size, err, sizeof(err)) != 0) {
			return 0;
		}
		struct tl_metrics met = {{17, 15, 12}, NULL, NULL};
		struct tl_involved inv[16];
		struct tl_late late[16];
		uint64_t st[RDV_TL_NSTATES];

		if (view_init(&v, &m) != 0) {
			timeline_model_close(&m);
			return 0;
		}
		view_layout(&lo, &met, 1280, 800, &v, &m);
		for (int z = 0; z < 40; z++) {
			for (uint32_t i = 0; i < m.info.nlanes && i < 8; i++) {
				unsigned n = timeline_lod_query(&m, i, v.t0, v.t1, 64, buckets);

				if (n > 64) {
					abort();
				}
				sink += timeline_state_at(&m, i, v.t0 + (v.t1 - v.t0) / 2);
				sink += (uint64_t)timeline_isolation_at(&m, i, v.t0, v.t1 - v.t0);
				sink += (uint64_t)timeline_isolation_of(&m, i, v.t0, v.t1 - v.t0);
			}
			view_zoom(&v, &m, z < 30 ? 0.5 : 3.0, v.t0 + (v.t1 - v.t0) / 3);
			view_pan(&v, &m, z % 2 ? 0.7 : -0.3);
			if (v.t1 <= v.t0) {
				abort();
			}
		}
		view_select_next(&v, &m, 1);
		view_select_next(&v, &m, 1);
		view_select_worst(&v, &m, 1);
		view_select_worst(&v, &m, 1);
		if (m.nisolations > UINT32_MAX / 2 ||
		    (v.selected >= 0 && (uint64_t)v.selected >= m.nisolations)) {
			abort();
		}
		if (v.selected >= 0) {
			struct tl_stall stalls[4];
			static char dump[1 << 16];
			char site[256];

			sink += timeline_isolation_involved(&m, (uint64_t)v.selected, inv, 16);
			sink += timeline_isolation_late(&m, (uint64_t)v.selected, late, 16);
			sink += timeline_isolation_stalls(&m, (uint64_t)v.selected, stalls, 4);
			for (uint32_t j = 0; j <= m.info.nsites + 1 && j < 64; j++) {
				for (int f = TL_SITE_PLACE; f <= TL_SITE_PATH; f++) {
					view_site_label(&m, j, (enum tl_site_form)f, site,
							sizeof(site));
					sink += strlen(site);
				}
			}
			/* The info box, the sections, the straggler list, the
			 * table, as a frame and the dump line see them. */
			view_layout(&lo, &met, 1280, 800, &v, &m);
			view_scroll_info(&v, &lo, 3);
			view_dump(&v, &m, &lo, dump, sizeof(dump));
			sink += strlen(dump);
		}
		for (unsigned b = 0; b < RDV_TL_HIST_BUCKETS; b += 7) {
			view_cycle_bucket(&v, &m, TL_LAT_WAIT, b);
			view_cycle_bucket(&v, &m, TL_LAT_HOLD, b);
			view_cycle_bucket(&v, &m, TL_LAT_BLOCKED, b);
		}
		for (int k = 0; k < TL_NKEYS; k++) {
			view_sort_table(&v, &m, (enum tl_iso_key)k);
		}
		view_toggle_focus_only(&v, &m);
		view_toggle_all_groups(&v, &m);
		view_layout(&lo, &met, 800, 500, &v, &m);
		view_set_measure(&v, &m, v.t0, v.t1, &v.drows[0].lane, 1);
		sink += view_measure_totals(&v, &m, st);
		view_home(&v, &m);
		view_end(&v, &m);
		view_scroll_rows(&v, &lo, 5);
		v.playing = true;
		v.speed = 1e12;
		view_replay_tick(&v, &m, 0.5);
		view_fini(&v);
		timeline_model_close(&m);
	}
	return 0;
}
