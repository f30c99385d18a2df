/* SPDX-License-Identifier: MIT */
/*
 * Prints, as JSON, the numbers rdv-view shows for an input: the trace
 * totals and lanes of its model, what its latency panel draws
 * (timeline_latency(): count, percentiles, max; the mean rounded to the ns),
 * its straggler list, and per isolation what its panel shows of the blame
 * (timeline_isolation(), timeline_isolation_late()). The input is a timeline
 * file, or a trace directory analyzed in-process to a temporary timeline as
 * rdv-view does it (rdv_analyze_run()). Used by the analyzer's consistency
 * test, which compares these numbers with every other tool's.
 * Usage: model-numbers TIMELINE|TRACE_DIR
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model.h"
#include "rdv-analyze.h"

static int open_input(struct tl_model *m, const char *input, char *err, size_t errlen)
{
	const char *traces[1] = {input};
	struct rdv_analyze_options o = {.traces = traces, .ntraces = 1};
	char tmp[] = "/tmp/rdv-model-numbers-XXXXXX";
	struct stat st;
	int fd, ret;

	if (stat(input, &st) == 0 && !S_ISDIR(st.st_mode)) {
		return timeline_model_open(m, input, err, errlen);
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create a temporary timeline");
		return -1;
	}
	close(fd);
	o.timeline_path = tmp;
	ret = rdv_analyze_run(&o, err, errlen);
	if (!ret) {
		ret = timeline_model_open(m, tmp, err, errlen);
	}
	unlink(tmp);
	return ret;
}

/* A site's function name, "" when not resolved (the JSON's function). */
static const char *fn(const struct tl_model *m, uint32_t site)
{
	struct tl_site s;

	return timeline_site(m, site, &s) && s.function ? s.function : "";
}

int main(int argc, char **argv)
{
	static const struct {
		enum tl_latency_kind kind;
		const char *name;
	} kinds[] = {
	    {TL_LAT_WAIT, "isolate_wait"},
	    {TL_LAT_HOLD, "isolation_hold"},
	    {TL_LAT_BLOCKED, "blocked"},
	    {TL_LAT_GRANT_DELAY, "grant_delay"},
	};
	struct tl_model m;
	char err[1024];
	uint64_t isolations = 0;

	if (argc != 2) {
		fprintf(stderr, "Usage: model-numbers TIMELINE|TRACE_DIR\n");
		return 2;
	}
	if (open_input(&m, argv[1], err, sizeof(err)) != 0) {
		fprintf(stderr, "model-numbers: %s\n", err);
		return 1;
	}
	for (uint32_t i = 0; i < m.info.nlanes; i++) {
		isolations += m.lanes[i].isolations;
	}
	printf("{ \"events\": %" PRIu64 ", \"discarded_events\": %" PRIu64 ", \"threads\": %" PRIu32
	       ", \"isolations\": %" PRIu64 ", \"nisolations\": %" PRIu64 ",\n  \"latency\": {",
	       m.info.events, m.info.discarded_events, m.info.nlanes, isolations, m.nisolations);
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct tl_latency l;

		timeline_latency(&m, kinds[k].kind, &l);
		/* The viewer shows no grant_delay until a grant measured one:
		 * with no isolation at all, that is the analysis' count 0. */
		if (!l.present && kinds[k].kind == TL_LAT_GRANT_DELAY && m.nisolations == 0) {
			l = (struct tl_latency){.present = true, .exact = true};
		}
		if (!l.present || !l.exact) {
			fprintf(stderr, "model-numbers: %s: not the analysis' numbers\n",
				kinds[k].name);
			return 1;
		}
		printf("%s\n    \"%s\": { \"count\": %" PRIu64 ", \"min_ns\": %" PRIu64
		       ", \"mean_ns\": %" PRIu64 ", \"p50_ns\": %" PRIu64 ", \"p90_ns\": %" PRIu64
		       ", \"p99_ns\": %" PRIu64 ", \"p999_ns\": %" PRIu64 ", \"max_ns\": %" PRIu64
		       " }",
		       k ? "," : "", kinds[k].name, l.count, l.min_ns, l.mean_ns, l.p50_ns,
		       l.p90_ns, l.p99_ns, l.p999_ns, l.max_ns);
	}
	printf(" },\n  \"stragglers\": [");
	for (uint32_t k = 0; k < m.nstragglers; k++) {
		const struct tl_straggler *s = &m.stragglers[k];
		const struct rdv_tl_lane *l = &m.lanes[s->lane];

		printf("%s\n    { \"vpid\": %" PRIu32 ", \"domain\": %" PRIu32
		       ", \"thread\": %" PRIu32 ", \"count\": %" PRIu64 ", \"delay_ns\": %" PRIu64
		       " }",
		       k ? "," : "", l->vpid, l->domain, l->thread, s->count, s->delay_ns);
	}
	printf("\n],\n  \"blame\": [");
	for (uint64_t k = 0; k < m.nisolations; k++) {
		struct tl_late late[64];
		struct tl_iso x;
		unsigned n;

		timeline_isolation(&m, k, &x);
		n = timeline_isolation_late(&m, k, late, 64);
		printf("%s\n    { \"lane\": %" PRIu32 ", \"request_ns\": %" PRIu64
		       ", \"straggler\": %" PRId64 ", \"grant_delay_ns\": ",
		       k ? "," : "", x.lane, x.request_ns,
		       x.straggler == TL_NO_LANE ? -1 : (int64_t)x.straggler);
		if (x.has_grant_delay) {
			printf("%" PRIu64, x.grant_delay_ns);
		} else {
			printf("null");
		}
		printf(", \"site\": \"%s\", \"late\": [", fn(&m, x.site));
		for (unsigned i = 0; i < n && i < 64; i++) {
			printf("%s{ \"lane\": %" PRIu32 ", \"delay_ns\": %" PRIu64
			       ", \"from\": \"%s\", \"to\": \"%s\" }",
			       i ? ", " : "", late[i].lane, late[i].delay_ns, fn(&m, late[i].from),
			       fn(&m, late[i].to));
		}
		printf("] }");
	}
	printf("\n] }\n");
	timeline_model_close(&m);
	return 0;
}
