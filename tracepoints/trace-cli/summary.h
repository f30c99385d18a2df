/* SPDX-License-Identifier: MIT */
/* What a recorded trace holds, read with libbabeltrace2: the one-line
 * summary rdv-trace prints after recording. */
#ifndef RDV_TRACE_SUMMARY_H
#define RDV_TRACE_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

struct trace_summary {
	uint64_t events;    /* rdv:* events */
	uint64_t grants;    /* of which mask_change with op isolate_grant */
	uint64_t discarded; /* events the tracer discarded (ring buffer full) */
	uint64_t threads;   /* distinct (vpid, vtid) that emitted rdv:* events */
	uint64_t processes; /* distinct vpid */
};

/*
 * Reads the CTF trace(s) under dir. Returns 0 and fills *s; 0 with all
 * counts zero when dir holds no trace (no process produced any event); -1
 * with a reason in err when the trace cannot be read.
 */
int trace_summary_read(const char *dir, struct trace_summary *s, char *err, size_t errlen);

#endif /* RDV_TRACE_SUMMARY_H */
