/* SPDX-License-Identifier: MIT */
/* What a recorded trace holds: the one-line summary rdv-trace prints after
 * recording, computed by the analysis library (analyzer/, rdv-analyze.h),
 * so it says what rdv-analyze says. */
#ifndef RDV_TRACE_SUMMARY_H
#define RDV_TRACE_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

struct trace_summary {
	uint64_t events;    /* rdv:* events */
	uint64_t grants;    /* isolations granted */
	uint64_t discarded; /* events lost, as the trace's packets say */
	uint64_t threads;   /* registered threads: one per (vpid, domain, index) */
	uint64_t processes; /* distinct vpids that used librdv */
	uint64_t domains;
	/* isolate_wait (request -> grant) as rdv-analyze reports it */
	uint64_t wait_count, wait_p50_ns, wait_p99_ns;
};

/*
 * Analyzes the CTF trace(s) under dir. Returns 0 and fills *s; 0 with all
 * counts zero when dir holds no trace (no process produced any event) or
 * no rdv event; -1 with a reason in err when the trace cannot be read.
 */
int trace_summary_read(const char *dir, struct trace_summary *s, char *err, size_t errlen);

#endif /* RDV_TRACE_SUMMARY_H */
