/* SPDX-License-Identifier: MIT */
#include "report.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mini-json.h"

/* The six states of DESIGN.md §4, then unknown. */
static const enum analysis_state report_states[] = {
    AN_RUNNING, AN_HARMLESS, AN_IDLE, AN_BLOCKED, AN_WAITING, AN_ISOLATED, AN_UNKNOWN,
};

static int cmp_key(const struct analysis_thread *x, const struct analysis_thread *y)
{
	if (x->vpid != y->vpid) {
		return x->vpid < y->vpid ? -1 : 1;
	}
	if (x->domain != y->domain) {
		return x->domain < y->domain ? -1 : 1;
	}
	if (x->thread != y->thread) {
		return x->thread < y->thread ? -1 : 1;
	}
	return 0;
}

static int cmp_threads(const void *a, const void *b)
{
	return cmp_key(*(const struct analysis_thread *const *)a,
		       *(const struct analysis_thread *const *)b);
}

static int cmp_stragglers(const void *a, const void *b)
{
	const struct analysis_thread *x = *(const struct analysis_thread *const *)a;
	const struct analysis_thread *y = *(const struct analysis_thread *const *)b;

	if (x->straggler_delay_ns != y->straggler_delay_ns) {
		return x->straggler_delay_ns > y->straggler_delay_ns ? -1 : 1;
	}
	if (x->straggler_count != y->straggler_count) {
		return x->straggler_count > y->straggler_count ? -1 : 1;
	}
	return cmp_key(x, y);
}

/* The threads, sorted by key (or by straggler delay), as a new array. */
static const struct analysis_thread **sorted_threads(const struct analysis *a, size_t *n,
						     int stragglers_only)
{
	size_t total = analysis_thread_count(a), k = 0;
	const struct analysis_thread **v = malloc((total ? total : 1) * sizeof(*v));

	if (!v) {
		return NULL;
	}
	for (size_t i = 0; i < total; i++) {
		const struct analysis_thread *t = analysis_thread_at(a, i);

		if (!stragglers_only || t->straggler_count) {
			v[k++] = t;
		}
	}
	qsort(v, k, sizeof(*v), stragglers_only ? cmp_stragglers : cmp_threads);
	*n = k;
	return v;
}

/* A mean as a JSON number, three decimals at most. */
static void json_mean(FILE *f, double m)
{
	char buf[64];
	size_t n;

	snprintf(buf, sizeof(buf), "%.3f", m);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '0') {
		buf[--n] = '\0';
	}
	if (n > 0 && buf[n - 1] == '.') {
		buf[--n] = '\0';
	}
	fputs(buf, f);
}

static void json_latency(FILE *f, const struct latency_dist *d)
{
	struct rdv_analyze_latency l;

	latency_dist_summarize(d, &l);
	fprintf(f, "{ \"count\": %" PRIu64 ", \"min_ns\": %" PRIu64 ", \"mean_ns\": ", l.count,
		l.min_ns);
	json_mean(f, l.mean_ns);
	fprintf(f,
		", \"p50_ns\": %" PRIu64 ", \"p90_ns\": %" PRIu64 ", \"p99_ns\": %" PRIu64
		", \"p999_ns\": %" PRIu64 ", \"max_ns\": %" PRIu64 ",\n      \"started\": %" PRIu64
		", \"skipped_gap\": %" PRIu64 ", \"unfinished\": %" PRIu64
		", \"timed_out\": %" PRIu64 " }",
		l.p50_ns, l.p90_ns, l.p99_ns, l.p999_ns, l.max_ns, l.started, l.skipped_gap,
		l.unfinished, l.timed_out);
}

int report_write_json(const struct analysis *a, FILE *f)
{
	struct analysis_summary s;
	const struct analysis_thread **v;
	size_t n;

	analysis_get_summary(a, &s);
	v = sorted_threads(a, &n, 0);
	if (!v) {
		return -ENOMEM;
	}
	fprintf(f,
		"{\n  \"format\": \"%s\",\n  \"events\": %" PRIu64
		",\n  \"discarded_events\": %" PRIu64 ",\n  \"discarded_packets\": %" PRIu64
		",\n  \"gaps\": %" PRIu64 ",\n  \"begin_ns\": %" PRIu64 ",\n  \"end_ns\": %" PRIu64
		",\n",
		REPORT_FORMAT, s.events, s.discarded_events, s.discarded_packets, s.gaps,
		s.begin_ns, s.end_ns);
	fprintf(f, "  \"inconsistent_events\": %" PRIu64 ",\n", s.inconsistent_events);
	fprintf(f, "  \"threads\": [");
	for (size_t i = 0; i < n; i++) {
		const struct analysis_thread *t = v[i];

		fprintf(f,
			"%s\n    { \"vpid\": %" PRIu32 ", \"domain\": %" PRIu32
			", \"thread\": %" PRIu32 ", \"os_tid\": %" PRId32 ", \"procname\": ",
			i ? "," : "", t->vpid, t->domain, t->thread, t->os_tid);
		mj_write_string(f, t->procname);
		fprintf(f, ",\n      \"state_ns\": {");
		for (size_t k = 0; k < AN_NSTATES; k++) {
			fprintf(f, "%s \"%s\": %" PRIu64, k ? "," : "",
				analysis_state_name(report_states[k]),
				t->state_ns[report_states[k]]);
		}
		fprintf(f,
			" },\n      \"isolations\": %" PRIu64 ", \"registrations\": %" PRIu64
			", \"blocked_count\": %" PRIu64 " }",
			t->isolations, t->registrations, t->blocked_count);
	}
	fprintf(f, "%s],\n  \"latency\": {", n ? "\n  " : "");
	for (int l = 0; l < AN_NLAT; l++) {
		fprintf(f, "%s\n    \"%s\": ", l ? "," : "", analysis_latency_name(l));
		json_latency(f, analysis_latency(a, l));
	}
	free(v);
	v = sorted_threads(a, &n, 1);
	if (!v) {
		return -ENOMEM;
	}
	fprintf(f, "\n  },\n  \"straggler_skipped_gap\": %" PRIu64 ",\n  \"stragglers\": [",
		s.straggler_skipped_gap);
	for (size_t i = 0; i < n; i++) {
		const struct analysis_thread *t = v[i];

		fprintf(f,
			"%s\n    { \"vpid\": %" PRIu32 ", \"domain\": %" PRIu32
			", \"thread\": %" PRIu32 ", \"count\": %" PRIu64 ", \"delay_ns\": %" PRIu64
			" }",
			i ? "," : "", t->vpid, t->domain, t->thread, t->straggler_count,
			t->straggler_delay_ns);
	}
	fprintf(f, "%s]\n}\n", n ? "\n  " : "");
	free(v);
	return ferror(f) ? -EIO : 0;
}

static void fmt_ns(char *buf, size_t len, uint64_t ns)
{
	snprintf(buf, len, "%" PRIu64, ns);
}

int report_print_text(const struct analysis *a, FILE *f)
{
	struct analysis_summary s;
	const struct analysis_thread **v;
	size_t n;
	char b[32];

	analysis_get_summary(a, &s);
	v = sorted_threads(a, &n, 0);
	if (!v) {
		return -ENOMEM;
	}
	fprintf(f, "rdv-analyze: %" PRIu64 " rdv events, %zu threads, %" PRIu32 " domains",
		s.events, n, s.domains);
	if (s.has_time) {
		fprintf(f, ", %.6f s (%" PRIu64 " .. %" PRIu64 " ns)",
			(double)(s.end_ns - s.begin_ns) / 1e9, s.begin_ns, s.end_ns);
	}
	fprintf(f, "\n");
	if (s.discarded_events || s.gaps) {
		fprintf(f,
			"WARNING: %" PRIu64 " events discarded (%" PRIu64 " packets) in %" PRIu64
			" gaps: affected threads show `unknown` time, latencies across a gap are "
			"skipped\n",
			s.discarded_events, s.discarded_packets, s.gaps);
	} else {
		fprintf(f, "No discarded events.\n");
	}
	if (s.inconsistent_events) {
		fprintf(f,
			"WARNING: %" PRIu64
			" mask_change events whose old/new differ by more than the thread's bit\n",
			s.inconsistent_events);
	}

	fprintf(f, "\nTime in state per thread (ns, %% of registered time):\n");
	fprintf(f, "%8s %6s %6s %8s %-16s", "vpid", "domain", "thread", "os_tid", "procname");
	for (size_t k = 0; k < AN_NSTATES; k++) {
		fprintf(f, " %22s", analysis_state_name(report_states[k]));
	}
	fprintf(f, " %10s\n", "isolations");
	for (size_t i = 0; i < n; i++) {
		const struct analysis_thread *t = v[i];
		uint64_t total = 0;

		for (size_t k = 0; k < AN_NSTATES; k++) {
			total += t->state_ns[k];
		}
		fprintf(f, "%8" PRIu32 " %6" PRIu32 " %6" PRIu32 " %8" PRId32 " %-16.16s", t->vpid,
			t->domain, t->thread, t->os_tid, t->procname);
		for (size_t k = 0; k < AN_NSTATES; k++) {
			uint64_t ns = t->state_ns[report_states[k]];

			fmt_ns(b, sizeof(b), ns);
			fprintf(f, " %14s (%5.1f%%)", b,
				total ? 100.0 * (double)ns / (double)total : 0.0);
		}
		fprintf(f, " %10" PRIu64 "\n", t->isolations);
	}
	free(v);

	fprintf(f, "\nLatencies (ns):\n%-15s %9s %11s %13s %11s %11s %11s %11s %11s %8s\n", "",
		"count", "min", "mean", "p50", "p90", "p99", "p99.9", "max", "skipped");
	for (int l = 0; l < AN_NLAT; l++) {
		struct rdv_analyze_latency d;

		latency_dist_summarize(analysis_latency(a, l), &d);
		fprintf(f,
			"%-15s %9" PRIu64 " %11" PRIu64 " %13.1f %11" PRIu64 " %11" PRIu64
			" %11" PRIu64 " %11" PRIu64 " %11" PRIu64 " %8" PRIu64 "\n",
			analysis_latency_name(l), d.count, d.min_ns, d.mean_ns, d.p50_ns, d.p90_ns,
			d.p99_ns, d.p999_ns, d.max_ns, d.skipped_gap);
	}
	for (int l = 0; l < AN_NLAT; l++) {
		const struct latency_dist *d = analysis_latency(a, l);

		if (d->unfinished || d->timed_out) {
			fprintf(f,
				"  %s: %" PRIu64 " started, %" PRIu64 " measured, %" PRIu64
				" skipped (gaps), %" PRIu64 " unfinished (trace end, thread left)",
				analysis_latency_name(l), d->started, d->count, d->skipped_gap,
				d->unfinished);
			if (l == AN_LAT_ISOLATE_WAIT) {
				fprintf(f, ", %" PRIu64 " timed out", d->timed_out);
			}
			fprintf(f, "\n");
		}
	}

	v = sorted_threads(a, &n, 1);
	if (!v) {
		return -ENOMEM;
	}
	fprintf(f, "\nTop stragglers (the thread whose bit was set last before a grant):\n");
	if (!n) {
		fprintf(f, "  none: every isolation found the other threads ready\n");
	} else {
		fprintf(f, "%8s %6s %6s %8s %-16s %9s %15s %13s\n", "vpid", "domain", "thread",
			"os_tid", "procname", "count", "total_delay_ns", "mean_delay_ns");
	}
	for (size_t i = 0; i < n && i < 10; i++) {
		const struct analysis_thread *t = v[i];

		fprintf(f,
			"%8" PRIu32 " %6" PRIu32 " %6" PRIu32 " %8" PRId32 " %-16.16s %9" PRIu64
			" %15" PRIu64 " %13.1f\n",
			t->vpid, t->domain, t->thread, t->os_tid, t->procname, t->straggler_count,
			t->straggler_delay_ns,
			(double)t->straggler_delay_ns / (double)t->straggler_count);
	}
	if (s.straggler_skipped_gap) {
		fprintf(f, "  (%" PRIu64 " grants not attributed: their request spans a gap)\n",
			s.straggler_skipped_gap);
	}
	free(v);
	return ferror(f) ? -EIO : 0;
}

static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		size_t got;

		if (n + 4096 > cap) {
			char *nb;

			if (cap > ((size_t)256 << 20)) {
				snprintf(err, errlen, "cannot read '%s': too large", path);
				goto error;
			}
			nb = realloc(buf, cap ? cap * 2 : 65536);
			if (!nb) {
				snprintf(err, errlen, "cannot read '%s': out of memory", path);
				goto error;
			}
			buf = nb;
			cap = cap ? cap * 2 : 65536;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			break;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		goto error;
	}
	fclose(f);
	*len = n;
	return buf;
error:
	fclose(f);
	free(buf);
	return NULL;
}

int report_read(const char *path, struct mj_value **out, char *err, size_t errlen)
{
	char perr[128];
	size_t len;
	char *text = read_file(path, &len, err, errlen);
	struct mj_value *root;
	const struct mj_value *fmt, *lat;

	*out = NULL;
	if (!text) {
		return -EINVAL;
	}
	root = mj_parse(text, len, perr, sizeof(perr));
	free(text);
	if (!root) {
		snprintf(err, errlen, "cannot compare with '%s': not JSON (%s)", path, perr);
		return -EINVAL;
	}
	fmt = mj_get(root, "format");
	lat = mj_get(root, "latency");
	if (!fmt || fmt->type != MJ_STRING || strncmp(fmt->string, "rdv-analyze/", 12) != 0 ||
	    !lat || lat->type != MJ_OBJECT) {
		snprintf(err, errlen, "cannot compare with '%s': not an rdv-analyze JSON report",
			 path);
		mj_free(root);
		return -EINVAL;
	}
	*out = root;
	return 0;
}

int report_compare(const struct analysis *a, const struct mj_value *old, const char *old_path,
		   FILE *f)
{
	static const char *const keys[] = {"count",  "min_ns", "mean_ns", "p50_ns",
					   "p90_ns", "p99_ns", "p999_ns", "max_ns"};
	const struct mj_value *lat = mj_get(old, "latency");

	fprintf(f, "\nComparison with %s (before -> now; moved: beyond 1%% and 1 ns):\n", old_path);
	fprintf(f, "%-15s %-8s %14s %14s %14s %9s\n", "latency", "metric", "before", "now", "delta",
		"change");
	for (int l = 0; l < AN_NLAT; l++) {
		const struct mj_value *o = mj_get(lat, analysis_latency_name(l));
		struct rdv_analyze_latency d;
		double now[8];
		int moved = 0;

		latency_dist_summarize(analysis_latency(a, l), &d);
		now[0] = (double)d.count;
		now[1] = (double)d.min_ns;
		now[2] = d.mean_ns;
		now[3] = (double)d.p50_ns;
		now[4] = (double)d.p90_ns;
		now[5] = (double)d.p99_ns;
		now[6] = (double)d.p999_ns;
		now[7] = (double)d.max_ns;
		for (size_t k = 0; k < 8; k++) {
			const struct mj_value *ov = mj_get(o, keys[k]);
			double before, delta, rel;

			if (!ov || ov->type != MJ_NUMBER) {
				fprintf(f, "%-15s %-8s %14s %14.0f\n", analysis_latency_name(l),
					keys[k], "-", now[k]);
				continue;
			}
			before = ov->number;
			delta = now[k] - before;
			rel = before != 0 ? delta / before : (delta != 0 ? INFINITY : 0);
			if (fabs(rel) > 0.01 && fabs(delta) >= 1) {
				moved++;
				fprintf(f, "%-15s %-8s %14.0f %14.0f %+14.0f %+8.1f%% %s\n",
					analysis_latency_name(l), keys[k], before, now[k], delta,
					100 * rel, delta > 0 ? "up" : "down");
			}
		}
		if (!moved) {
			fprintf(f, "%-15s %-8s unchanged (within 1%%)\n", analysis_latency_name(l),
				"all");
		}
	}
	return ferror(f) ? -EIO : 0;
}

void report_totals(const struct analysis *a, struct rdv_analyze_totals *t)
{
	struct analysis_summary s;

	analysis_get_summary(a, &s);
	memset(t, 0, sizeof(*t));
	t->events = s.events;
	t->discarded_events = s.discarded_events;
	t->discarded_packets = s.discarded_packets;
	t->gaps = s.gaps;
	t->threads = analysis_thread_count(a);
	t->processes = s.processes;
	t->domains = s.domains;
	t->begin_ns = s.begin_ns;
	t->end_ns = s.end_ns;
	for (size_t i = 0; i < analysis_thread_count(a); i++) {
		t->isolations += analysis_thread_at(a, i)->isolations;
	}
	for (int l = 0; l < AN_NLAT && l < RDV_ANALYZE_NLATENCIES; l++) {
		latency_dist_summarize(analysis_latency(a, l), &t->latency[l]);
	}
}
