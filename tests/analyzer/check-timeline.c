/* SPDX-License-Identifier: MIT */
/*
 * Prints what a timeline file holds, as JSON, with the reference reader of
 * timeline/: the trace-wide facts, per lane its key, totals and time per
 * state, the latency distributions, the isolation records' samples, and
 * each isolation's blame (its late records with their sites).
 * run-test.sh and consistency.py compare it with the JSON report.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "rdv-timeline.h"

static void print_latency(const struct rdv_tl_latency *l)
{
	printf("{ \"count\": %" PRIu64 ", \"min_ns\": %" PRIu64 ", \"mean_ns\": %.17g"
	       ", \"p50_ns\": %" PRIu64 ", \"p90_ns\": %" PRIu64 ", \"p99_ns\": %" PRIu64
	       ", \"p999_ns\": %" PRIu64 ", \"max_ns\": %" PRIu64 ", \"started\": %" PRIu64
	       ", \"skipped_gap\": %" PRIu64 ", \"unfinished\": %" PRIu64
	       ", \"timed_out\": %" PRIu64 " }",
	       l->count, l->min_ns, l->mean_ns, l->p50_ns, l->p90_ns, l->p99_ns, l->p999_ns,
	       l->max_ns, l->started, l->skipped_gap, l->unfinished, l->timed_out);
}

static void print_str(const char *s)
{
	if (!s) {
		printf("null");
		return;
	}
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\') {
			putchar('\\');
		}
		putchar(*s);
	}
	putchar('"');
}

static void print_site(const struct rdv_tl_reader *r, uint32_t id)
{
	struct rdv_tl_site_info si;

	if (id == RDV_TL_NO_SITE || rdv_tl_reader_site(r, id, &si)) {
		printf("null");
		return;
	}
	printf("{ \"address\": %" PRIu64 ", \"function\": ", si.address);
	print_str(si.function);
	printf(", \"file\": ");
	print_str(si.file);
	printf(", \"line\": %" PRIu32 " }", si.line);
}

int main(int argc, char **argv)
{
	struct rdv_tl_reader *r;
	struct rdv_tl_info info;
	const struct rdv_tl_isolation *iso;
	uint64_t niso, waits = 0, holds = 0;
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
	iso = rdv_tl_reader_isolations(r, &niso);
	for (uint64_t i = 0; i < niso; i++) {
		waits += (iso[i].flags & RDV_TL_ISO_WAIT) != 0;
		holds += (iso[i].flags & RDV_TL_ISO_HOLD) != 0;
	}
	printf("{ \"version\": %" PRIu32 ", \"events\": %" PRIu64 ", \"discarded_events\": %" PRIu64
	       ", \"discarded_packets\": %" PRIu64 ", \"gaps\": %" PRIu64 ", \"begin_ns\": %" PRIu64
	       ", \"end_ns\": %" PRIu64 ", \"domains\": %" PRIu32 ", \"processes\": %" PRIu32
	       ", \"straggler_skipped_gap\": %" PRIu64 ", \"nisolations\": %" PRIu64
	       ", \"isolation_waits\": %" PRIu64 ", \"isolation_holds\": %" PRIu64
	       ", \"nstalls\": %" PRIu64 ", \"nsites\": %" PRIu64 ",\n  \"latency\": {",
	       info.version, info.events, info.discarded_events, info.discarded_packets, info.gaps,
	       info.begin_ns, info.end_ns, info.domains, info.processes, info.straggler_skipped_gap,
	       info.nisolations, waits, holds, info.nstalls, info.nsites);
	for (int k = 0; k < RDV_TL_NLATENCIES; k++) {
		printf("%s\n    \"%s\": ", k ? "," : "", rdv_tl_latency_name(k));
		print_latency(rdv_tl_reader_latency(r, (enum rdv_tl_latency_kind)k));
	}
	printf(" },\n  \"lanes\": [");
	for (uint32_t i = 0; i < info.nlanes; i++) {
		struct rdv_tl_lane l;

		if (rdv_tl_reader_lane(r, i, &l)) {
			return 1;
		}
		printf("%s\n    { \"vpid\": %" PRIu32 ", \"domain\": %" PRIu32
		       ", \"thread\": %" PRIu32 ", \"os_tid\": %" PRId32
		       ", \"isolations\": %" PRIu64 ", \"registrations\": %" PRIu64
		       ", \"blocked_count\": %" PRIu64 ", \"straggler_count\": %" PRIu64
		       ", \"straggler_delay_ns\": %" PRIu64 ", \"state_ns\": [",
		       i ? "," : "", l.vpid, l.domain, l.thread, l.os_tid, l.isolations,
		       l.registrations, l.blocked_count, l.straggler_count, l.straggler_delay_ns);
		for (int s = 0; s < RDV_TL_NSTATES; s++) {
			printf("%s%" PRIu64, s ? ", " : "", l.state_ns[s]);
		}
		printf("] }");
	}
	printf("\n],\n  \"isolations\": [");
	{
		uint64_t nlate;
		const struct rdv_tl_late *late = rdv_tl_reader_late(r, &nlate);

		for (uint64_t i = 0; i < niso; i++) {
			const struct rdv_tl_isolation *x = &iso[i];

			printf("%s\n    { \"lane\": %" PRIu32 ", \"request_ns\": %" PRIu64
			       ", \"grant_ns\": %" PRIu64 ", \"full\": %" PRIu32
			       ", \"flags\": %" PRIu32 ", \"grant_delay_ns\": %" PRIu64
			       ", \"straggler_lane\": %" PRId64 ", \"straggler_ns\": %" PRIu64
			       ", \"site\": ",
			       i ? "," : "", x->lane, x->request_ns, x->grant_ns, x->full, x->flags,
			       x->grant_delay_ns,
			       x->straggler_lane == RDV_TL_NO_LANE ? -1
								   : (int64_t)x->straggler_lane,
			       x->straggler_ns);
			print_site(r, x->request_site);
			printf(",\n      \"late\": [");
			for (uint32_t k = 0; k < x->nlate; k++) {
				const struct rdv_tl_late *l = &late[x->late_first + k];

				printf("%s{ \"lane\": %" PRIu32 ", \"flags\": %" PRIu32
				       ", \"delay_ns\": %" PRIu64 ", \"from\": ",
				       k ? ", " : "", l->lane, l->flags, l->delay_ns);
				print_site(r, l->from_site);
				printf(", \"to\": ");
				print_site(r, l->to_site);
				printf(" }");
			}
			printf("] }");
		}
	}
	printf("\n] }\n");
	rdv_tl_reader_close(r);
	return 0;
}
