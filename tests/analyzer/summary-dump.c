/* SPDX-License-Identifier: MIT */
/*
 * Prints what rdv-trace's summary (tracepoints/trace-cli/summary.c, the
 * function rdv-trace calls after recording) says of a trace directory, as
 * JSON, for the consistency and bad-input tests on traces rdv-trace did not
 * just record. Exit 1 with rdv-trace's error line when it cannot read it.
 */
#include <inttypes.h>
#include <stdio.h>

#include "summary.h"

int main(int argc, char **argv)
{
	struct trace_summary s;
	char err[1024];

	if (argc != 2) {
		fprintf(stderr, "Usage: summary-dump TRACE_DIR\n");
		return 2;
	}
	if (trace_summary_read(argv[1], &s, err, sizeof(err)) < 0) {
		fprintf(stderr, "rdv-trace: cannot read the trace in '%s': %s\n", argv[1], err);
		return 1;
	}
	printf("{ \"events\": %" PRIu64 ", \"discarded_events\": %" PRIu64 ", \"threads\": %" PRIu64
	       ", \"processes\": %" PRIu64 ", \"domains\": %" PRIu64 ", \"isolations\": %" PRIu64
	       ", \"isolate_wait\": { \"count\": %" PRIu64 ", \"p50_ns\": %" PRIu64
	       ", \"p99_ns\": %" PRIu64 " } }\n",
	       s.events, s.discarded, s.threads, s.processes, s.domains, s.grants, s.wait_count,
	       s.wait_p50_ns, s.wait_p99_ns);
	return 0;
}
