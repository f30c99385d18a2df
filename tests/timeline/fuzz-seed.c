/* SPDX-License-Identifier: MIT */
/* Writes a small valid timeline, every kind of record in it: the seed
 * corpus of the reader fuzzer (tests/viewer/fuzz.sh).
 * Usage: fuzz-seed FILE [LANES] */
#include "rdv-timeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct rdv_tl_writer *w;
	unsigned nlanes = argc > 2 ? (unsigned)atoi(argv[2]) : 3;
	int ret;

	if (argc < 2 || rdv_tl_writer_open(argv[1], &w) != 0) {
		fprintf(stderr, "usage: fuzz-seed FILE [LANES]\n");
		return 2;
	}
	for (unsigned i = 0; i < nlanes; i++) {
		uint64_t t = 100;

		rdv_tl_writer_add_lane(w, 1, 0, i, 10 + (int)i, "seed", NULL);
		for (unsigned j = 0; j < 20 + i; j++) {
			rdv_tl_writer_add_interval(
			    w, i, (enum rdv_tl_state)((i + j) % RDV_TL_NSTATES), t, t + 10 + j);
			t += 10 + j;
		}
	}
	uint32_t site = RDV_TL_NO_SITE;

	rdv_tl_writer_add_site(w, 0x1234, "seed", "f", "seed.c", 7, &site);
	for (unsigned k = 0; nlanes && k < 4; k++) {
		struct rdv_tl_late late = {.lane = 0,
					   .flags = RDV_TL_LATE_DELAY,
					   .delay_ns = 5,
					   .from_site = site,
					   .to_site = RDV_TL_NO_SITE};
		struct rdv_tl_isolation x;

		memset(&x, 0, sizeof(x));
		x.lane = k % nlanes;
		x.request_ns = 300 - 10 * k;
		x.grant_ns = 320;
		x.release_ns = k == 3 ? 0 : 400;
		x.straggler_lane = k % 2 ? RDV_TL_NO_LANE : (k + 1) % nlanes;
		x.straggler_ns = 310;
		x.request_site = k == 1 ? site : RDV_TL_NO_SITE;
		x.flags = RDV_TL_ISO_REQUEST_KNOWN | RDV_TL_ISO_WAIT;
		x.wait_ns = x.grant_ns - x.request_ns;
		rdv_tl_writer_add_isolation_late(w, &x, &late, k % 2);
	}
	if (nlanes) {
		uint32_t late_lane = 0;
		struct rdv_tl_latency lat = {.count = 2,
					     .min_ns = 3,
					     .max_ns = 9,
					     .mean_ns = 6,
					     .p50_ns = 3,
					     .p90_ns = 9,
					     .p99_ns = 9,
					     .p999_ns = 9,
					     .started = 3,
					     .unfinished = 1};

		lat.buckets[1] = 1;
		lat.buckets[3] = 1;
		rdv_tl_writer_add_stall(w, 0, 350, 50, &late_lane, 1);
		rdv_tl_writer_set_latency(w, RDV_TL_LAT_ISOLATE_WAIT, &lat);
	}
	rdv_tl_writer_set_info(w, 100, 1000, 500, 0);
	ret = rdv_tl_writer_close(w);
	if (ret) {
		fprintf(stderr, "fuzz-seed: cannot write '%s': %s\n", argv[1], strerror(-ret));
		return 1;
	}
	return 0;
}
