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

/* Who held isolations back most: by total delay as the straggler (as_late:
 * every time late), then count, then key. */
static int cmp_blame(const struct analysis_thread *x, const struct analysis_thread *y, bool as_late)
{
	uint64_t dx = as_late ? x->late_delay_ns : x->straggler_delay_ns;
	uint64_t dy = as_late ? y->late_delay_ns : y->straggler_delay_ns;
	uint64_t cx = as_late ? x->late_count : x->straggler_count;
	uint64_t cy = as_late ? y->late_count : y->straggler_count;

	if (dx != dy) {
		return dx > dy ? -1 : 1;
	}
	if (cx != cy) {
		return cx > cy ? -1 : 1;
	}
	return cmp_key(x, y);
}

static int cmp_stragglers(const void *a, const void *b)
{
	return cmp_blame(*(const struct analysis_thread *const *)a,
			 *(const struct analysis_thread *const *)b, false);
}

static int cmp_late(const void *a, const void *b)
{
	return cmp_blame(*(const struct analysis_thread *const *)a,
			 *(const struct analysis_thread *const *)b, true);
}

enum which_threads { ALL_THREADS, STRAGGLERS, LATE_THREADS };

/* The threads, sorted by key (or by blame), as a new array. */
static const struct analysis_thread **sorted_threads(const struct analysis *a, size_t *n,
						     enum which_threads which)
{
	size_t total = analysis_thread_count(a), k = 0;
	const struct analysis_thread **v = malloc((total ? total : 1) * sizeof(*v));

	if (!v) {
		return NULL;
	}
	for (size_t i = 0; i < total; i++) {
		const struct analysis_thread *t = analysis_thread_at(a, i);

		if (which == ALL_THREADS || (which == STRAGGLERS && t->straggler_count) ||
		    (which == LATE_THREADS && t->late_count)) {
			v[k++] = t;
		}
	}
	qsort(v, k, sizeof(*v),
	      which == STRAGGLERS     ? cmp_stragglers
	      : which == LATE_THREADS ? cmp_late
				      : cmp_threads);
	*n = k;
	return v;
}

static int cmp_sections(const void *a, const void *b)
{
	const struct analysis_section *x = a, *y = b;

	if (x->delay_ns != y->delay_ns) {
		return x->delay_ns > y->delay_ns ? -1 : 1;
	}
	if (x->count != y->count) {
		return x->count > y->count ? -1 : 1;
	}
	if (x->from_site != y->from_site) {
		return x->from_site < y->from_site ? -1 : 1;
	}
	return x->to_site < y->to_site ? -1 : x->to_site > y->to_site;
}

/* A thread's sections, longest total delay first, as a new array. */
static struct analysis_section *sorted_sections(const struct analysis *a,
						const struct analysis_thread *t, bool as_straggler,
						size_t *n)
{
	const struct analysis_section *s = analysis_thread_sections(a, t->lane, as_straggler, n);
	struct analysis_section *v = malloc((*n ? *n : 1) * sizeof(*v));

	if (!v) {
		return NULL;
	}
	if (*n) {
		memcpy(v, s, *n * sizeof(*v));
		qsort(v, *n, sizeof(*v), cmp_sections);
	}
	return v;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

void report_site_label(const struct analysis *a, uint32_t site, char *buf, size_t len)
{
	const struct analysis_site *s = analysis_site_at(a, site);
	const struct sym_site *y = s ? s->sym : NULL;
	struct analysis_site_place p;

	analysis_site_place(s, &p);
	if (!s) {
		snprintf(buf, len, "?");
	} else if (p.function && p.file && p.line) {
		snprintf(buf, len, "%s (%s:%u)", p.function, base_name(p.file), p.line);
	} else if (p.function && p.object) {
		snprintf(buf, len, "%s (%s+0x%" PRIx64 ")", p.function, base_name(p.object),
			 y->offset);
	} else if (p.object) {
		snprintf(buf, len, "%s+0x%" PRIx64, base_name(p.object), y->offset);
	} else {
		snprintf(buf, len, "0x%" PRIx64, s->address);
	}
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

static void json_string_or_null(FILE *f, const char *s)
{
	if (s) {
		mj_write_string(f, s);
	} else {
		fputs("null", f);
	}
}

/* A SITE of DESIGN.md §4: names null and line 0 when not resolved; its
 * function is the program's function that made the call (analysis.h), and
 * a call inside inlined code adds "inlined", that function's own place. */
static void json_site(FILE *f, const struct analysis *a, uint32_t id)
{
	const struct analysis_site *s = analysis_site_at(a, id);
	struct analysis_site_place p;

	if (!s) {
		fputs("null", f);
		return;
	}
	analysis_site_place(s, &p);
	fprintf(f, "{ \"address\": \"0x%" PRIx64 "\", \"object\": ", s->address);
	json_string_or_null(f, p.object);
	fputs(", \"function\": ", f);
	json_string_or_null(f, p.function);
	fputs(", \"file\": ", f);
	json_string_or_null(f, p.file);
	fprintf(f, ", \"line\": %u", p.line);
	if (p.inlined_function) {
		/* the call lies in inlined code: that function's own place */
		fputs(",\n          \"inlined\": { \"function\": ", f);
		json_string_or_null(f, p.inlined_function);
		fputs(", \"file\": ", f);
		json_string_or_null(f, p.inlined_file);
		fprintf(f, ", \"line\": %u }", p.inlined_line);
	}
	fputs(" }", f);
}

static int json_sections(FILE *f, const struct analysis *a, const struct analysis_thread *t,
			 bool as_straggler)
{
	size_t n;
	struct analysis_section *v = sorted_sections(a, t, as_straggler, &n);

	if (!v) {
		return -ENOMEM;
	}
	fputs("\"sections\": [", f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s\n        { \"from\": ", i ? "," : "");
		json_site(f, a, v[i].from_site);
		fputs(",\n          \"to\": ", f);
		json_site(f, a, v[i].to_site);
		fprintf(f,
			",\n          \"count\": %" PRIu64 ", \"delay_ns\": %" PRIu64
			", \"max_ns\": %" PRIu64 " }",
			v[i].count, v[i].delay_ns, v[i].max_ns);
	}
	fprintf(f, "%s]", n ? "\n      " : "");
	free(v);
	return 0;
}

static int cmp_requesters(const void *x, const void *y)
{
	const struct analysis_requester *a = *(const struct analysis_requester *const *)x;
	const struct analysis_requester *b = *(const struct analysis_requester *const *)y;

	if (a->vpid != b->vpid) {
		return a->vpid < b->vpid ? -1 : 1;
	}
	if (a->domain != b->domain) {
		return a->domain < b->domain ? -1 : 1;
	}
	if (a->count != b->count) {
		return a->count > b->count ? -1 : 1;
	}
	if (a->site != b->site) {
		return a->site < b->site ? -1 : 1;
	}
	return (int)a->full - (int)b->full;
}

/* The requesting sites with a request in scope, busiest first per domain. */
static const struct analysis_requester **sorted_requesters(const struct analysis *a, size_t *n)
{
	size_t total = analysis_requester_count(a), k = 0;
	const struct analysis_requester **v = malloc((total ? total : 1) * sizeof(*v));

	if (!v) {
		return NULL;
	}
	for (size_t i = 0; i < total; i++) {
		const struct analysis_requester *r = analysis_requester_at(a, i);

		if (r->wait->started) {
			v[k++] = r;
		}
	}
	qsort(v, k, sizeof(*v), cmp_requesters);
	*n = k;
	return v;
}

static void json_thread_key(FILE *f, const struct analysis_thread *t)
{
	fprintf(f,
		"\"vpid\": %" PRIu32 ", \"domain\": %" PRIu32 ", \"thread\": %" PRIu32
		", \"os_tid\": %" PRId32,
		t->vpid, t->domain, t->thread, t->os_tid);
}

static void json_scope(FILE *f, const struct analysis *a, const struct analysis_summary *s)
{
	const struct analysis_scope *sc = analysis_get_scope(a);

	if (!sc) {
		return;
	}
	fprintf(f, "  \"scope\": { \"trace_begin_ns\": %" PRIu64, s->trace_begin_ns);
	if (sc->has_from) {
		fprintf(f, ", \"from_ns\": %" PRIu64, sc->from_ns);
	}
	if (sc->has_to) {
		fprintf(f, ", \"to_ns\": %" PRIu64, sc->to_ns);
	}
	if (sc->has_vpid) {
		fprintf(f, ", \"vpid\": %" PRIu32, sc->vpid);
	}
	if (sc->has_domain) {
		fprintf(f, ", \"domain\": %" PRIu32, sc->domain);
	}
	fputs(" },\n", f);
}

static void json_wait(FILE *f, const struct analysis *a, const struct outputs_wait *w)
{
	const struct analysis_isolation *iso = &w->iso;

	fputs("\n    { ", f);
	json_thread_key(f, analysis_thread_at(a, iso->lane));
	fprintf(f,
		", \"full\": %s, \"request_ns\": %" PRIu64 ", \"grant_ns\": %" PRIu64
		", \"wait_ns\": %" PRIu64 ",\n      \"grant_delay_ns\": ",
		iso->full ? "true" : "false", iso->request_ns, iso->grant_ns, iso->wait_ns);
	if (iso->has_grant_delay) {
		fprintf(f, "%" PRIu64, iso->grant_delay_ns);
	} else {
		fputs("null", f);
	}
	fputs(", \"site\": ", f);
	json_site(f, a, iso->request_site);
	fputs(",\n      \"late\": [", f);
	for (uint32_t i = 0; i < iso->nlate; i++) {
		const struct analysis_late *l = &iso->late[i];

		fprintf(f, "%s\n        { ", i ? "," : "");
		json_thread_key(f, analysis_thread_at(a, l->lane));
		fprintf(f, ", \"straggler\": %s, \"delay_ns\": ", l->straggler ? "true" : "false");
		if (l->has_delay) {
			fprintf(f, "%" PRIu64, l->delay_ns);
		} else {
			fputs("null", f);
		}
		fputs(",\n          \"from\": ", f);
		json_site(f, a, l->from_site);
		fputs(",\n          \"to\": ", f);
		json_site(f, a, l->to_site);
		fputs(" }", f);
	}
	fprintf(f, "%s] }", iso->nlate ? "\n      " : "");
}

int report_write_json(const struct analysis *a, const struct outputs_extra *extra, FILE *f)
{
	struct analysis_summary s;
	const struct analysis_thread **v;
	const struct analysis_requester **req;
	size_t n;
	int ret = 0;

	analysis_get_summary(a, &s);
	v = sorted_threads(a, &n, ALL_THREADS);
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
	json_scope(f, a, &s);
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
			", \"blocked_count\": %" PRIu64 ", \"late_count\": %" PRIu64
			", \"straggler_count\": %" PRIu64 " }",
			t->isolations, t->registrations, t->blocked_count, t->late_count,
			t->straggler_count);
	}
	fprintf(f, "%s],\n  \"latency\": {", n ? "\n  " : "");
	for (int l = 0; l < AN_NLAT; l++) {
		fprintf(f, "%s\n    \"%s\": ", l ? "," : "", analysis_latency_name(l));
		json_latency(f, analysis_latency(a, l));
	}
	free(v);
	/* stragglers: by the blame rule, with their sections as the straggler */
	v = sorted_threads(a, &n, STRAGGLERS);
	if (!v) {
		return -ENOMEM;
	}
	fprintf(f, "\n  },\n  \"straggler_skipped_gap\": %" PRIu64 ",\n  \"stragglers\": [",
		s.straggler_skipped_gap);
	for (size_t i = 0; i < n && !ret; i++) {
		const struct analysis_thread *t = v[i];

		fprintf(f, "%s\n    { ", i ? "," : "");
		json_thread_key(f, t);
		fprintf(f,
			", \"count\": %" PRIu64 ", \"delay_ns\": %" PRIu64 ", \"max_ns\": %" PRIu64
			",\n      ",
			t->straggler_count, t->straggler_delay_ns, t->straggler_max_ns);
		ret = json_sections(f, a, t, true);
		fputs(" }", f);
	}
	fprintf(f, "%s],\n  \"late_threads\": [", n ? "\n  " : "");
	free(v);
	/* every thread that was late, with all its sections */
	v = sorted_threads(a, &n, LATE_THREADS);
	if (!v) {
		return -ENOMEM;
	}
	for (size_t i = 0; i < n && !ret; i++) {
		const struct analysis_thread *t = v[i];

		fprintf(f, "%s\n    { ", i ? "," : "");
		json_thread_key(f, t);
		fprintf(f,
			", \"count\": %" PRIu64 ", \"straggler_count\": %" PRIu64
			", \"delay_ns\": %" PRIu64 ", \"max_ns\": %" PRIu64 ",\n      ",
			t->late_count, t->straggler_count, t->late_delay_ns, t->late_max_ns);
		ret = json_sections(f, a, t, false);
		fputs(" }", f);
	}
	fprintf(f, "%s],\n  \"requesters\": [", n ? "\n  " : "");
	free(v);
	req = sorted_requesters(a, &n);
	if (!req) {
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const struct analysis_requester *r = req[i];

		fprintf(f, "%s\n    { \"vpid\": %" PRIu32 ", \"domain\": %" PRIu32 ", \"site\": ",
			i ? "," : "", r->vpid, r->domain);
		json_site(f, a, r->site);
		fprintf(f,
			",\n      \"full\": %s, \"count\": %" PRIu64 ",\n      \"isolate_wait\": ",
			r->full ? "true" : "false", r->count);
		json_latency(f, r->wait);
		fputs(",\n      \"isolation_hold\": ", f);
		json_latency(f, r->hold);
		fputs(",\n      \"grant_delay\": ", f);
		json_latency(f, r->grant_delay);
		fputs(" }", f);
	}
	fprintf(f, "%s],\n  \"stalls\": [", n ? "\n  " : "");
	free(req);
	if (extra && extra->stalls && extra->nstalls) {
		char buf[8192];
		size_t got;

		rewind(extra->stalls);
		while ((got = fread(buf, 1, sizeof(buf), extra->stalls)) > 0) {
			fwrite(buf, 1, got, f);
		}
		if (ferror(extra->stalls)) {
			ret = -EIO;
		}
	}
	fprintf(f, "%s]", extra && extra->nstalls ? "\n  " : "");
	if (extra && extra->want_top) {
		fputs(",\n  \"longest_waits\": [", f);
		for (size_t i = 0; i < extra->ntop; i++) {
			fputs(i ? "," : "", f);
			json_wait(f, a, &extra->top[i]);
		}
		fprintf(f, "%s]", extra->ntop ? "\n  " : "");
	}
	fputs("\n}\n", f);
	return ret ? ret : ferror(f) ? -EIO : 0;
}

static void fmt_ns(char *buf, size_t len, uint64_t ns)
{
	snprintf(buf, len, "%" PRIu64, ns);
}

/* The threads that held isolations back, with their top sections. */
static int print_blame(const struct analysis *a, FILE *f)
{
	size_t n;
	const struct analysis_thread **v = sorted_threads(a, &n, LATE_THREADS);
	char from[REPORT_SITE_LABEL], to[REPORT_SITE_LABEL];

	if (!v) {
		return -ENOMEM;
	}
	fprintf(f, "\nWho held isolations back (late: not ready at a request, until ready; "
		   "straggler: the last of them before the grant):\n");
	if (!n) {
		fprintf(f, "  none: every isolation found the other threads ready\n");
	} else {
		/* late_ns: every delay while late; straggler_ns: the delays as
		 * straggler (the JSON's stragglers[].delay_ns, rdv-view's list) */
		fprintf(f, "%8s %6s %6s %8s %-16s %6s %13s %13s %9s %13s\n", "vpid", "domain",
			"thread", "os_tid", "procname", "late", "late_ns", "late_max_ns",
			"straggler", "straggler_ns");
	}
	for (size_t i = 0; i < n && i < 10; i++) {
		const struct analysis_thread *t = v[i];
		struct analysis_section *sec;
		size_t ns;

		fprintf(f,
			"%8" PRIu32 " %6" PRIu32 " %6" PRIu32 " %8" PRId32 " %-16.16s %6" PRIu64
			" %13" PRIu64 " %13" PRIu64 " %9" PRIu64 " %13" PRIu64 "\n",
			t->vpid, t->domain, t->thread, t->os_tid, t->procname, t->late_count,
			t->late_delay_ns, t->late_max_ns, t->straggler_count,
			t->straggler_delay_ns);
		sec = sorted_sections(a, t, false, &ns);
		if (!sec) {
			free(v);
			return -ENOMEM;
		}
		for (size_t k = 0; k < ns && k < 3; k++) {
			report_site_label(a, sec[k].from_site, from, sizeof(from));
			report_site_label(a, sec[k].to_site, to, sizeof(to));
			fprintf(f,
				"%10s %s \u2192 %s: %" PRIu64 " times, %" PRIu64 " ns, max %" PRIu64
				" ns\n",
				"", from, to, sec[k].count, sec[k].delay_ns, sec[k].max_ns);
		}
		free(sec);
	}
	if (n > 10) {
		fprintf(f, "  (%zu more in the JSON report)\n", n - 10);
	}
	free(v);
	return 0;
}

/* Per requesting site: how long its requests waited, held, and how long
 * the grant took once the last late thread was ready. */
static int print_requesters(const struct analysis *a, FILE *f)
{
	size_t n;
	const struct analysis_requester **v = sorted_requesters(a, &n);
	char label[REPORT_SITE_LABEL];

	if (!v) {
		return -ENOMEM;
	}
	fprintf(f, "\nRequesting sites (ns):\n");
	if (!n) {
		fprintf(f, "  none\n");
	} else {
		fprintf(f, "%8s %6s %-5s %8s %11s %11s %11s %11s %11s %11s %11s  %s\n", "vpid",
			"domain", "kind", "count", "wait_p50", "wait_p99", "wait_max", "hold_p50",
			"hold_max", "gdelay_p50", "gdelay_p99", "site");
	}
	for (size_t i = 0; i < n; i++) {
		const struct analysis_requester *r = v[i];
		struct rdv_analyze_latency w, h, g;

		latency_dist_summarize(r->wait, &w);
		latency_dist_summarize(r->hold, &h);
		latency_dist_summarize(r->grant_delay, &g);
		report_site_label(a, r->site, label, sizeof(label));
		fprintf(f,
			"%8" PRIu32 " %6" PRIu32 " %-5s %8" PRIu64 " %11" PRIu64 " %11" PRIu64
			" %11" PRIu64 " %11" PRIu64 " %11" PRIu64 " %11" PRIu64 " %11" PRIu64
			"  %s\n",
			r->vpid, r->domain, r->full ? "full" : "plain", r->count, w.p50_ns,
			w.p99_ns, w.max_ns, h.p50_ns, h.max_ns, g.p50_ns, g.p99_ns,
			r->site ? label : "(no caller: provider version 1)");
	}
	free(v);
	return 0;
}

static void print_longest(const struct analysis *a, const struct outputs_extra *extra, FILE *f)
{
	char label[REPORT_SITE_LABEL], from[REPORT_SITE_LABEL], to[REPORT_SITE_LABEL];
	struct analysis_summary s;

	analysis_get_summary(a, &s);
	fprintf(f, "\nLongest waits (ns; request time from the trace start):\n");
	if (!extra->ntop) {
		fprintf(f, "  none\n");
	}
	for (size_t i = 0; i < extra->ntop; i++) {
		const struct analysis_isolation *iso = &extra->top[i].iso;
		const struct analysis_thread *r = analysis_thread_at(a, iso->lane);

		report_site_label(a, iso->request_site, label, sizeof(label));
		fprintf(f,
			"%3zu. wait %" PRIu64 " at +%.6f s: vpid %" PRIu32 " domain %" PRIu32
			" thread %" PRIu32 " (tid %" PRId32 "), %s, %s; grant_delay ",
			i + 1, iso->wait_ns, (double)(iso->request_ns - s.trace_begin_ns) / 1e9,
			r->vpid, r->domain, r->thread, r->os_tid, iso->full ? "full" : "plain",
			iso->request_site ? label : "no caller");
		if (iso->has_grant_delay) {
			fprintf(f, "%" PRIu64 "\n", iso->grant_delay_ns);
		} else {
			fprintf(f, "unknown\n");
		}
		if (!iso->nlate) {
			fprintf(f, "       no thread late\n");
		}
		for (uint32_t k = 0; k < iso->nlate; k++) {
			const struct analysis_late *l = &iso->late[k];
			const struct analysis_thread *t = analysis_thread_at(a, l->lane);

			report_site_label(a, l->from_site, from, sizeof(from));
			report_site_label(a, l->to_site, to, sizeof(to));
			fprintf(f, "       %-9s thread %" PRIu32 " (tid %" PRId32 ") ",
				l->straggler ? "straggler" : "late", t->thread, t->os_tid);
			if (l->has_delay) {
				fprintf(f, "%" PRIu64, l->delay_ns);
			} else {
				fprintf(f, "?");
			}
			fprintf(f, "  %s \u2192 %s\n", from, to);
		}
	}
}

int report_print_text(const struct analysis *a, const struct outputs_extra *extra, FILE *f)
{
	struct analysis_summary s;
	const struct analysis_thread **v;
	size_t n;
	char b[32];
	int ret;

	analysis_get_summary(a, &s);
	v = sorted_threads(a, &n, ALL_THREADS);
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

	ret = print_blame(a, f);
	if (!ret) {
		ret = print_requesters(a, f);
	}
	if (!ret && extra && extra->want_top) {
		print_longest(a, extra, f);
	}
	if (s.straggler_skipped_gap) {
		fprintf(f,
			"  (%" PRIu64
			" grants without a straggler or grant_delay: the trace cannot "
			"tell them, a gap or an unknown state)\n",
			s.straggler_skipped_gap);
	}
	return ret ? ret : ferror(f) ? -EIO : 0;
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

		if (!o) {
			fprintf(f, "%-15s %-8s not in %s (an older format)\n",
				analysis_latency_name(l), "all", old_path);
			continue;
		}
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
