/* SPDX-License-Identifier: MIT */
#include "session.h"
#include "rdv-outfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis.h"
#include "bt2-adapter.h"
#include "mini-json.h"
#include "outputs.h"
#include "report.h"
#include "symbols.h"

#define PROGRESS_EVERY 65536

struct session {
	struct session_options o;   /* strings owned */
	struct analysis *a;	    /* owned */
	struct bt2_adapter *ad;	    /* owned */
	struct sym_table *sym;	    /* owned: callers -> sites, alive until the reports are out */
	struct outputs *out;	    /* owned until session_end() */
	FILE *json;		    /* owned (not stdout) */
	struct rdv_outfile json_of; /* removed if the run fails */
	struct mj_value *compare;   /* owned: the report to compare with */
	uint64_t nmsg;
	int64_t range_begin, range_end;
	const bt_clock_class *clock; /* weak: the last event clock classified */
	bool monotonic;
	bool ended;
	int status; /* why it failed: a negative errno, 0 */
	char err[512];
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

int session_create(const struct session_options *o, struct session **out, char *err, size_t errlen)
{
	struct session *s = calloc(1, sizeof(*s));
	struct analysis_callbacks cb;
	int ret;

	*out = NULL;
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->o = *o;
	s->o.json_path = dup_or_null(o->json_path);
	s->o.csv_path = dup_or_null(o->csv_path);
	s->o.chrome_path = dup_or_null(o->chrome_path);
	s->o.timeline_path = dup_or_null(o->timeline_path);
	s->o.compare_path = dup_or_null(o->compare_path);
	s->o.isolations_path = dup_or_null(o->isolations_path);
	s->o.debug_info_dir = NULL; /* copied by sym_table_create() */
	s->o.target_prefix = NULL;
	if (o->compare_path) {
		ret = report_read(o->compare_path, &s->compare, err, errlen);
		if (ret) {
			goto error;
		}
	}
	if (o->json_path && strcmp(o->json_path, "-") != 0) {
		if (!s->o.json_path) {
			ret = -ENOMEM;
			snprintf(err, errlen, "out of memory");
			goto error;
		}
		s->json = fopen(s->o.json_path, "w");
		if (s->json) {
			rdv_outfile_note(&s->json_of, s->o.json_path, fileno(s->json));
		} else {
			ret = -errno;
			snprintf(err, errlen, "cannot write '%s': %s", o->json_path,
				 strerror(errno));
			goto error;
		}
	}
	{
		struct outputs_options oo = {
		    .csv_path = o->csv_path,
		    .chrome_path = o->chrome_path,
		    .timeline_path = o->timeline_path,
		    .isolations_path = o->isolations_path,
		    .timeline_window = o->timeline_window,
		    .keep_stalls = o->json_path != NULL,
		    .top = o->top,
		};

		ret = outputs_open(&s->out, &oo, err, errlen);
	}
	if (ret) {
		goto error;
	}
	{
		struct sym_options so = {.target_prefix = o->target_prefix,
					 .debug_dir = o->debug_info_dir};

		s->sym = sym_table_create(&so);
	}
	outputs_callbacks(s->out, &cb);
	ret = s->sym ? analysis_create(&cb, &s->a) : -ENOMEM;
	if (!ret) {
		ret = analysis_set_scope(s->a, &o->scope);
		if (ret) {
			snprintf(err, errlen, "bad time window (--from after --to)");
			goto error;
		}
	}
	if (!ret) {
		ret = bt2_adapter_create(s->a, s->sym, &s->ad);
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
	if (s->json) {
		fclose(s->json);
	}
	if (!s->ended) {
		rdv_outfile_remove(&s->json_of); /* only a regular file it opened */
	}
	rdv_outfile_forget(&s->json_of);
	mj_free(s->compare);
	bt2_adapter_destroy(s->ad);
	analysis_destroy(s->a);
	sym_table_destroy(s->sym); /* after the analysis: its sites point into it */
	free((char *)s->o.json_path);
	free((char *)s->o.csv_path);
	free((char *)s->o.chrome_path);
	free((char *)s->o.timeline_path);
	free((char *)s->o.compare_path);
	free((char *)s->o.isolations_path);
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

int session_status(const struct session *s)
{
	return s->status ? s->status : s->err[0] ? -EPROTO : 0;
}

bool session_ended(const struct session *s)
{
	return s->ended;
}

bool session_finishes_at_end(const struct session *s)
{
	return s->o.finish_at_end;
}

uint64_t session_messages(const struct session *s)
{
	return s->nmsg;
}

void session_graph_gone(struct session *s)
{
	bt2_adapter_forget(s->ad);
	s->clock = NULL;
}

struct tl_output *session_window(struct session *s)
{
	return s->out ? outputs_window(s->out) : NULL;
}

void session_totals(const struct session *s, struct rdv_analyze_totals *t)
{
	report_totals(s->a, t);
}

void session_counts(const struct session *s, uint64_t *events, uint64_t *discarded,
		    uint64_t *last_ns)
{
	struct analysis_summary sum;

	analysis_get_summary(s->a, &sum);
	*events = sum.events;
	*discarded = sum.discarded_events;
	*last_ns = sum.end_ns;
}

/* An event's time for o.event_time: LTTng-UST's clock is CLOCK_MONOTONIC in
 * ns ("monotonic"), its raw value compares with clock_gettime(); another
 * clock is taken as ns from the Epoch. */
static void event_time(struct session *s, const bt_message *msg)
{
	const bt_clock_class *cc =
	    bt_message_event_borrow_stream_class_default_clock_class_const(msg);
	const bt_clock_snapshot *cs;
	int64_t ns;

	if (!cc) {
		return;
	}
	if (cc != s->clock) {
		const char *name = bt_clock_class_get_name(cc);

		s->clock = cc;
		s->monotonic = name && !strcmp(name, "monotonic") &&
			       bt_clock_class_get_frequency(cc) == 1000000000ull;
	}
	cs = bt_message_event_borrow_default_clock_snapshot_const(msg);
	if (s->monotonic) {
		s->o.event_time(s->o.event_time_arg, bt_clock_snapshot_get_value(cs), true);
	} else if (bt_clock_snapshot_get_ns_from_origin(cs, &ns) ==
		       BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK &&
		   ns > 0) {
		s->o.event_time(s->o.event_time_arg, (uint64_t)ns, false);
	}
}

int session_feed(struct session *s, const bt_message *msg)
{
	s->nmsg++;
	if (s->o.event_time && bt_message_get_type(msg) == BT_MESSAGE_TYPE_EVENT) {
		event_time(s, msg);
	}
	if (bt2_adapter_feed(s->ad, msg)) {
		snprintf(s->err, sizeof(s->err), "cannot analyze trace: %s",
			 bt2_adapter_error(s->ad));
		return -1;
	}
	if (s->o.progress && s->nmsg % PROGRESS_EVERY == 0) {
		struct analysis_summary sum;
		double fraction = -1;

		analysis_get_summary(s->a, &sum);
		if (s->range_end > s->range_begin) {
			fraction = (double)(bt2_adapter_last_ns(s->ad) - s->range_begin) /
				   (double)(s->range_end - s->range_begin);
			fraction = fraction < 0 ? 0 : fraction > 1 ? 1 : fraction;
		}
		s->o.progress(s->o.progress_arg, sum.events_fed, fraction);
	}
	return 0;
}

static int write_json(struct session *s)
{
	FILE *f = s->json ? s->json : stdout;
	int ret = report_write_json(s->a, outputs_extra(s->out), f);

	if (s->json) {
		ret |= fclose(s->json);
		s->json = NULL;
	} else {
		ret |= fflush(f);
	}
	if (ret) {
		snprintf(s->err, sizeof(s->err), "cannot write '%s': %s", s->o.json_path,
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
	if (s->o.progress) {
		analysis_get_summary(s->a, &sum);
		s->o.progress(s->o.progress_arg, sum.events_fed, 1.0);
	}
	ret = analysis_finish(s->a);
	if (ret) {
		snprintf(s->err, sizeof(s->err), "cannot analyze trace: %s", strerror(-ret));
		return -1;
	}
	analysis_get_summary(s->a, &sum);
	if (sum.events_fed == 0 && !s->o.accept_empty) {
		s->status = -ENODATA;
		snprintf(s->err, sizeof(s->err),
			 "no rdv events in the trace (record with: lttng enable-event -u 'rdv:*')");
		return -1;
	}
	if (s->o.timeline_window) {
		s->ended = true; /* a live view: snapshots only */
		return 0;
	}
	ret = outputs_close(s->out, s->err, sizeof(s->err));
	if (ret) {
		s->out = NULL; /* freed, its files removed */
		return -1;
	}
	if (s->o.json_path && write_json(s)) {
		return -1;
	}
	if (s->o.print_report) {
		if (bt2_adapter_missing_vpid(s->ad)) {
			printf("WARNING: rdv events carry no vpid context: processes are not told "
			       "apart (record with: lttng add-context -u -t vpid -t vtid)\n");
		}
		report_print_text(s->a, outputs_extra(s->out), stdout);
	}
	outputs_free(s->out);
	s->out = NULL;
	if (s->compare) {
		report_compare(s->a, s->compare, s->o.compare_path, stdout);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		snprintf(s->err, sizeof(s->err), "cannot write the report: %s",
			 strerror(errno ? errno : EIO));
		return -1;
	}
	s->ended = true;
	return 0;
}
