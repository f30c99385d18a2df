/* SPDX-License-Identifier: MIT */
/*
 * Prints what a timeline file holds, as JSON, with the reference reader of
 * analyzer/timeline/: per lane its key, time per state and isolations; the
 * trace-wide facts. run-test.sh compares it with the JSON report.
 */
#include <inttypes.h>
#include <stdio.h>

#include "rdv-timeline.h"

int main(int argc, char **argv)
{
	struct rdv_tl_reader *r;
	struct rdv_tl_info info;
	char err[256];

	if (argc != 2) {
		fprintf(stderr, "Usage: check-timeline FILE\n");
		return 2;
	}
	if (rdv_tl_reader_open(argv[1], &r, err, sizeof(err))) {
		fprintf(stderr, "check-timeline: cannot read '%s': %s\n", argv[1], err);
		return 1;
	}
	rdv_tl_reader_info(r, &info);
	printf("{ \"events\": %" PRIu64 ", \"discarded_events\": %" PRIu64
	       ", \"begin_ns\": %" PRIu64 ", \"end_ns\": %" PRIu64 ", \"nisolations\": %" PRIu64
	       ", \"lanes\": [",
	       info.events, info.discarded_events, info.begin_ns, info.end_ns, info.nisolations);
	for (uint32_t i = 0; i < info.nlanes; i++) {
		struct rdv_tl_lane l;

		if (rdv_tl_reader_lane(r, i, &l)) {
			return 1;
		}
		printf("%s\n { \"vpid\": %" PRIu32 ", \"domain\": %" PRIu32 ", \"thread\": %" PRIu32
		       ", \"os_tid\": %" PRId32 ", \"isolations\": %" PRIu64 ", \"state_ns\": [",
		       i ? "," : "", l.vpid, l.domain, l.thread, l.os_tid, l.isolations);
		for (int s = 0; s < RDV_TL_NSTATES; s++) {
			printf("%s%" PRIu64, s ? ", " : "", l.state_ns[s]);
		}
		printf("] }");
	}
	printf("\n] }\n");
	rdv_tl_reader_close(r);
	return 0;
}
