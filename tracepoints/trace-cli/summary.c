/* SPDX-License-Identifier: MIT */
/*
 * The summary of a recorded trace: the analyzer's own run (the one
 * Babeltrace2 front end, its trace-directory search, its metadata check and
 * its definition of a thread), with no output but the totals.
 */
#include "summary.h"

#include <stdio.h>
#include <string.h>

#include "rdv-analyze.h"

int trace_summary_read(const char *dir, struct trace_summary *s, char *err, size_t errlen)
{
	const char *traces[1] = {dir};
	struct rdv_analyze_totals t;
	struct rdv_analyze_options o = {
	    .traces = traces,
	    .ntraces = 1,
	    .accept_empty = 1,
	    .totals = &t,
	};
	const struct rdv_analyze_latency *w = &t.latency[RDV_ANALYZE_ISOLATE_WAIT];

	char prefix[4200];
	size_t n;

	memset(s, 0, sizeof(*s));
	if (rdv_analyze_run(&o, err, errlen) < 0) {
		/* rdv-trace names the directory itself: the reason only */
		n = (size_t)snprintf(prefix, sizeof(prefix), "cannot read trace '%s': ", dir);
		if (n < sizeof(prefix) && strncmp(err, prefix, n) == 0) {
			memmove(err, err + n, strlen(err + n) + 1);
		}
		return -1;
	}
	s->events = t.events;
	s->grants = t.isolations;
	s->discarded = t.discarded_events;
	s->threads = t.threads;
	s->processes = t.processes;
	s->domains = t.domains;
	s->wait_count = w->count;
	s->wait_p50_ns = w->p50_ns;
	s->wait_p99_ns = w->p99_ns;
	return 0;
}
