/* SPDX-License-Identifier: MIT */
#include "session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "bt2-adapter.h"
#include "outputs.h"
#include "report.h"

#define PROGRESS_EVERY 65536

struct session {
	struct rdv_analyze_options opts; /* strings owned */
	struct analysis *a;		 /* owned */
	struct bt2_adapter *ad;		 /* owned */
	struct outputs *out;		 /* owned until session_end() */
	uint64_t nmsg;
	int64_t range_begin, range_end;
	int ended;
	char err[512];
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

int session_create(const struct rdv_analyze_options *opts, struct session **out, char *err,
		   size_t errlen)
{
	struct session *s = calloc(1, sizeof(*s));
	struct analysis_callbacks cb;
	int ret;

	*out = NULL;
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->opts = *opts;
	s->opts.traces = NULL;
	s->opts.ntraces = 0;
	s->opts.json_path = dup_or_null(opts->json_path);
	s->opts.csv_path = dup_or_null(opts->csv_path);
	s->opts.chrome_path = dup_or_null(opts->chrome_path);
	s->opts.timeline_path = dup_or_null(opts->timeline_path);
	s->opts.compare_path = dup_or_null(opts->compare_path);
	ret = outputs_open(&s->out, opts->csv_path, opts->chrome_path, opts->timeline_path, err,
			   errlen);
	if (ret) {
		goto error;
	}
	outputs_callbacks(s->out, &cb);
	ret = analysis_create(&cb, &s->a);
	if (!ret) {
		ret = bt2_adapter_create(s->a, &s->ad);
	}
	if (ret) {
		snprintf(err, errlen, "out of memory");
		goto error;
	}
	outputs_attach(s->out, s->a);
	*out = s;
	return 0;
error:
	session_destroy(s);
	return ret;
}

void session_destroy(struct session *s)
{
	if (!s) {
		return;
	}
	outputs_abort(s->out);
	bt2_adapter_destroy(s->ad);
	analysis_destroy(s->a);
	free((char *)s->opts.json_path);
	free((char *)s->opts.csv_path);
	free((char *)s->opts.chrome_path);
	free((char *)s->opts.timeline_path);
	free((char *)s->opts.compare_path);
	free(s);
}

void session_set_range(struct session *s, int64_t begin_ns, int64_t end_ns)
{
	s->range_begin = begin_ns;
	s->range_end = end_ns;
}

const char *session_error(const struct session *s)
{
	return s->err;
}

int session_ended(const struct session *s)
{
	return s->ended;
}

int session_feed(struct session *s, const bt_message *msg)
{
	if (bt2_adapter_feed(s->ad, msg)) {
		snprintf(s->err, sizeof(s->err), "cannot analyze trace: %s",
			 bt2_adapter_error(s->ad));
		return -1;
	}
	if (s->opts.progress && ++s->nmsg % PROGRESS_EVERY == 0) {
		struct analysis_summary sum;
		double fraction = -1;

		analysis_get_summary(s->a, &sum);
		if (s->range_end > s->range_begin) {
			fraction = (double)(bt2_adapter_last_ns(s->ad) - s->range_begin) /
				   (double)(s->range_end - s->range_begin);
			fraction = fraction < 0 ? 0 : fraction > 1 ? 1 : fraction;
		}
		s->opts.progress(s->opts.progress_arg, sum.events, fraction);
	}
	return 0;
}

static int write_json(struct session *s)
{
	FILE *f = strcmp(s->opts.json_path, "-") == 0 ? stdout : fopen(s->opts.json_path, "w");
	int ret;

	if (!f) {
		snprintf(s->err, sizeof(s->err), "cannot write '%s': %s", s->opts.json_path,
			 strerror(errno));
		return -1;
	}
	ret = report_write_json(s->a, f);
	if (f != stdout) {
		ret |= fclose(f);
	} else {
		fflush(f);
	}
	if (ret) {
		snprintf(s->err, sizeof(s->err), "cannot write '%s': %s", s->opts.json_path,
			 strerror(errno ? errno : EIO));
		return -1;
	}
	return 0;
}

int session_end(struct session *s)
{
	struct analysis_summary sum;
	int ret;

	if (s->ended) {
		return 0;
	}
	s->ended = 1;
	if (s->opts.progress) {
		analysis_get_summary(s->a, &sum);
		s->opts.progress(s->opts.progress_arg, sum.events, 1.0);
	}
	ret = analysis_finish(s->a);
	if (ret) {
		snprintf(s->err, sizeof(s->err), "cannot analyze trace: %s", strerror(-ret));
		return -1;
	}
	analysis_get_summary(s->a, &sum);
	if (sum.events == 0) {
		snprintf(s->err, sizeof(s->err),
			 "no rdv events in the trace (record with: lttng enable-event -u 'rdv:*')");
		return -1;
	}
	ret = outputs_close(s->out, s->err, sizeof(s->err));
	s->out = NULL;
	if (ret) {
		return -1;
	}
	if (s->opts.json_path && write_json(s)) {
		return -1;
	}
	if (s->opts.print_report) {
		if (bt2_adapter_missing_vpid(s->ad)) {
			printf("WARNING: rdv events carry no vpid context: processes are not told "
			       "apart (record with: lttng add-context -u -t vpid -t vtid)\n");
		}
		report_print_text(s->a, stdout);
	}
	if (s->opts.compare_path &&
	    report_compare(s->a, s->opts.compare_path, stdout, s->err, sizeof(s->err))) {
		return -1;
	}
	fflush(stdout);
	return 0;
}
