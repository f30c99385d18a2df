/* SPDX-License-Identifier: MIT */
/*
 * rdv_analyze_check() and rdv_analyze_run() (rdv-analyze.h): the checks,
 * then the front end (frontend.h) over a session (session.h). The graph is
 * the one `babeltrace2 TRACE… -c sink.rdv.analyze` would build.
 */
#include "rdv-analyze.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend.h"
#include "latency-dist.h"
#include "session.h"

int rdv_analyze_check(const char *const *traces, size_t ntraces, char *errbuf, size_t errlen)
{
	struct trace_list list;
	int ret = frontend_find_traces(traces, ntraces, &list, errbuf, errlen);

	trace_list_free(&list);
	return ret;
}

int rdv_analyze_run(const struct rdv_analyze_options *opts, char *errbuf, size_t errlen)
{
	struct session_options so = {
	    .json_path = opts->json_path,
	    .csv_path = opts->csv_path,
	    .chrome_path = opts->chrome_path,
	    .timeline_path = opts->timeline_path,
	    .compare_path = opts->compare_path,
	    .print_report = opts->print_report != 0,
	    .accept_empty = opts->accept_empty != 0,
	    .finish_at_end = true,
	    .progress = opts->progress,
	    .progress_arg = opts->progress_arg,
	    .isolations_path = opts->isolations_path,
	    .top = opts->top,
	    .debug_info_dir = opts->debug_info_dir,
	    .target_prefix = opts->target_prefix,
	    .scope = {.has_from = opts->has_from != 0,
		      .has_to = opts->has_to != 0,
		      .from_ns = opts->from_ns,
		      .to_ns = opts->to_ns,
		      .has_vpid = opts->has_pid != 0,
		      .vpid = opts->pid,
		      .has_domain = opts->has_domain != 0,
		      .domain = opts->domain},
	};
	struct trace_list traces = {0};
	struct session *s = NULL;
	struct frontend *f = NULL;
	int ret;

	errbuf[0] = '\0';
	if (opts->totals) {
		memset(opts->totals, 0, sizeof(*opts->totals));
	}
	ret = frontend_find_traces(opts->traces, opts->ntraces, &traces, errbuf, errlen);
	if (ret == -ENODATA && opts->accept_empty) {
		return 0; /* nothing was recorded: all counts zero */
	}
	if (!ret) {
		ret = session_create(&so, &s, errbuf, errlen);
	}
	if (!ret) {
		ret = frontend_open_traces(&traces, s, opts->progress != NULL, &f, errbuf, errlen);
	}
	if (!ret && frontend_run(f, errbuf, errlen)) {
		ret = session_status(s) ? session_status(s) : -EPROTO;
	}
	frontend_close(f); /* finalizes the sink before the session goes */
	if (!ret && opts->totals) {
		session_totals(s, opts->totals);
	}
	session_destroy(s);
	trace_list_free(&traces);
	return ret;
}

int rdv_analyze_parse_time(const char *text, uint64_t *ns)
{
	static const struct {
		const char *unit;
		uint64_t ns;
	} units[] = {{"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000}, {"", 1000000000}};
	uint64_t whole = 0, frac = 0, scale = 1;
	const char *p = text;
	bool digits = false;

	if (!text) {
		return -EINVAL;
	}
	for (; *p >= '0' && *p <= '9'; p++, digits = true) {
		if (whole > (UINT64_MAX - 9) / 10) {
			return -ERANGE;
		}
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits = true) {
			if (scale < UINT64_C(1000000000)) { /* digits past 1 ns are dropped */
				frac = frac * 10 + (uint64_t)(*p - '0');
				scale *= 10;
			}
		}
	}
	if (!digits) {
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		uint64_t u = units[i].ns;

		if (strcmp(p, units[i].unit) != 0) {
			continue;
		}
		if (whole > UINT64_MAX / u) {
			return -ERANGE;
		}
		*ns = whole * u + (uint64_t)((unsigned __int128)frac * u / scale);
		return *ns < whole * u ? -ERANGE : 0;
	}
	return -EINVAL;
}

/* ---- The public latency distribution ------------------------------------ */

struct rdv_latency_dist {
	struct latency_dist d;
};

struct rdv_latency_dist *rdv_latency_dist_create(void)
{
	struct rdv_latency_dist *d = malloc(sizeof(*d));

	if (d) {
		latency_dist_init(&d->d);
	}
	return d;
}

void rdv_latency_dist_destroy(struct rdv_latency_dist *d)
{
	free(d);
}

void rdv_latency_dist_add(struct rdv_latency_dist *d, uint64_t ns)
{
	latency_dist_add(&d->d, ns);
}

uint64_t rdv_latency_dist_count(const struct rdv_latency_dist *d)
{
	return d->d.count;
}

uint64_t rdv_latency_dist_max(const struct rdv_latency_dist *d)
{
	return d->d.max;
}

uint64_t rdv_latency_dist_percentile(const struct rdv_latency_dist *d, uint64_t num, uint64_t den)
{
	return latency_dist_percentile(&d->d, num, den);
}
