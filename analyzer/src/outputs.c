/* SPDX-License-Identifier: MIT */
#include "outputs.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mini-json.h"
#include "tl-output.h"

struct outputs {
	const struct analysis *a;     /* weak */
	FILE *csv;		      /* owned */
	FILE *chrome;		      /* owned */
	char *csv_path, *chrome_path; /* owned */
	struct tl_output *tl;	      /* owned */
	int chrome_first;
	uint64_t flow_id;
	uint64_t origin; /* chrome timestamps are relative to the first event */
	int error;	 /* first write error (negative errno) */
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

int outputs_open(struct outputs **out, const char *csv_path, const char *chrome_path,
		 const char *timeline_path, bool timeline_window, char *err, size_t errlen)
{
	struct outputs *o = calloc(1, sizeof(*o));
	int ret;

	*out = NULL;
	if (!o) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	o->chrome_first = 1;
	o->csv_path = dup_or_null(csv_path);
	o->chrome_path = dup_or_null(chrome_path);
	if (csv_path) {
		o->csv = fopen(csv_path, "w");
		if (!o->csv) {
			ret = -errno;
			snprintf(err, errlen, "cannot write '%s': %s", csv_path, strerror(errno));
			goto error;
		}
		fputs("vpid,domain,thread,state,begin_ns,end_ns\n", o->csv);
	}
	if (chrome_path) {
		o->chrome = fopen(chrome_path, "w");
		if (!o->chrome) {
			ret = -errno;
			snprintf(err, errlen, "cannot write '%s': %s", chrome_path,
				 strerror(errno));
			goto error;
		}
		fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", o->chrome);
	}
	if (timeline_path) {
		ret = tl_output_open_file(timeline_path, &o->tl, err, errlen);
		if (ret) {
			goto error;
		}
	} else if (timeline_window) {
		ret = tl_output_open_window(&o->tl);
		if (ret) {
			snprintf(err, errlen, "out of memory");
			goto error;
		}
	}
	*out = o;
	return 0;
error:
	outputs_abort(o);
	return ret;
}

/* Chrome wants microseconds; relative times keep ns precision in a double. */
static double us(const struct outputs *o, uint64_t ns)
{
	return (double)(ns - o->origin) / 1000.0;
}

static void chrome_sep(struct outputs *o)
{
	fputs(o->chrome_first ? "\n" : ",\n", o->chrome);
	o->chrome_first = 0;
}

static void set_origin(struct outputs *o)
{
	struct analysis_summary s;

	if (o->a && !o->origin) {
		analysis_get_summary(o->a, &s);
		o->origin = s.begin_ns;
	}
}

static int on_thread_added(void *arg, const struct analysis_thread *t)
{
	struct outputs *o = arg;

	if (o->chrome) {
		char name[64];

		chrome_sep(o);
		snprintf(name, sizeof(name), "%s (vpid %" PRIu32 ")",
			 t->procname[0] ? t->procname : "process", t->vpid);
		fprintf(o->chrome,
			"{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%" PRIu32
			",\"args\":{\"name\":",
			t->vpid);
		mj_write_string(o->chrome, name);
		fprintf(o->chrome, "}},\n");
		fprintf(o->chrome,
			"{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%" PRIu32
			",\"tid\":%" PRIu32 ",\"args\":{\"name\":\"domain %" PRIu32
			" thread %" PRIu32 " (tid %" PRId32 ")\"}},\n",
			t->vpid, t->lane + 1, t->domain, t->thread, t->os_tid);
		fprintf(o->chrome,
			"{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":%" PRIu32
			",\"tid\":%" PRIu32 ",\"args\":{\"sort_index\":%" PRIu32 "}}",
			t->vpid, t->lane + 1, t->lane);
	}
	return o->tl ? tl_output_thread_added(o->tl, t) : 0;
}

static int on_thread_changed(void *arg, const struct analysis_thread *t)
{
	struct outputs *o = arg;

	return o->tl ? tl_output_thread_changed(o->tl, t) : 0;
}

static int on_interval(void *arg, const struct analysis_thread *t, enum analysis_state s,
		       uint64_t b, uint64_t e)
{
	struct outputs *o = arg;

	if (o->csv) {
		fprintf(o->csv, "%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%s,%" PRIu64 ",%" PRIu64 "\n",
			t->vpid, t->domain, t->thread, analysis_state_name(s), b, e);
	}
	if (o->chrome) {
		set_origin(o);
		chrome_sep(o);
		fprintf(o->chrome,
			"{\"name\":\"%s\",\"cat\":\"state\",\"ph\":\"X\",\"pid\":%" PRIu32
			",\"tid\":%" PRIu32 ",\"ts\":%.3f,\"dur\":%.3f}",
			analysis_state_name(s), t->vpid, t->lane + 1, us(o, b),
			(double)(e - b) / 1000.0);
	}
	return o->tl ? tl_output_interval(o->tl, t, s, b, e) : 0;
}

static int on_isolation(void *arg, const struct analysis_isolation *iso)
{
	struct outputs *o = arg;

	return o->tl ? tl_output_isolation(o->tl, iso) : 0;
}

static int on_stall(void *arg, const struct analysis_stall *st)
{
	struct outputs *o = arg;

	return o->tl ? tl_output_stall(o->tl, st) : 0;
}

static int on_straggler(void *arg, const struct analysis_thread *r, uint64_t request_ns,
			const struct analysis_thread *s, uint64_t set_ns)
{
	struct outputs *o = arg;

	if (o->chrome) {
		set_origin(o);
		o->flow_id++;
		chrome_sep(o);
		fprintf(o->chrome,
			"{\"name\":\"straggler\",\"cat\":\"isolation\",\"ph\":\"s\",\"id\":%" PRIu64
			",\"pid\":%" PRIu32 ",\"tid\":%" PRIu32 ",\"ts\":%.3f},\n",
			o->flow_id, r->vpid, r->lane + 1, us(o, request_ns));
		fprintf(o->chrome,
			"{\"name\":\"straggler\",\"cat\":\"isolation\",\"ph\":\"f\",\"bp\":\"e\","
			"\"id\":%" PRIu64 ",\"pid\":%" PRIu32 ",\"tid\":%" PRIu32 ",\"ts\":%.3f}",
			o->flow_id, s->vpid, s->lane + 1, us(o, set_ns));
	}
	return 0;
}

static int on_harmless_count(void *arg, uint32_t vpid, uint32_t domain, uint64_t ts, uint32_t count)
{
	struct outputs *o = arg;

	if (o->chrome) {
		set_origin(o);
		chrome_sep(o);
		fprintf(o->chrome,
			"{\"name\":\"harmless threads (domain %" PRIu32
			")\",\"ph\":\"C\",\"pid\":%" PRIu32
			",\"ts\":%.3f,\"args\":{\"harmless\":%" PRIu32 "}}",
			domain, vpid, us(o, ts), count);
	}
	return 0;
}

void outputs_callbacks(struct outputs *o, struct analysis_callbacks *cb)
{
	memset(cb, 0, sizeof(*cb));
	cb->arg = o;
	if (!o) {
		return;
	}
	cb->thread_added = on_thread_added;
	cb->thread_changed = on_thread_changed;
	if (o->csv || o->chrome || o->tl) {
		cb->interval = on_interval;
	}
	cb->isolation = on_isolation;
	cb->stall = on_stall;
	if (o->chrome) {
		cb->straggler = on_straggler;
		cb->harmless_count = on_harmless_count;
	}
}

void outputs_attach(struct outputs *o, const struct analysis *a)
{
	o->a = a;
	if (o->tl) {
		tl_output_attach(o->tl, a);
	}
}

struct tl_output *outputs_window(struct outputs *o)
{
	return o->tl;
}

static int close_file(FILE **f, const char *path, char *err, size_t errlen)
{
	int bad;

	if (!*f) {
		return 0;
	}
	bad = ferror(*f);
	bad |= fclose(*f) != 0;
	*f = NULL;
	if (bad) {
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno ? errno : EIO));
		return -EIO;
	}
	return 0;
}

int outputs_close(struct outputs *o, char *err, size_t errlen)
{
	int ret = 0;

	if (!o) {
		return 0;
	}
	if (o->chrome) {
		struct analysis_summary s;

		memset(&s, 0, sizeof(s));
		if (o->a) {
			analysis_get_summary(o->a, &s);
		}
		fprintf(o->chrome,
			"\n],\"otherData\":{\"generator\":\"rdv-analyze\",\"origin_ns\":%" PRIu64
			",\"discarded_events\":%" PRIu64 "}}\n",
			o->origin ? o->origin : s.begin_ns, s.discarded_events);
	}
	ret = close_file(&o->csv, o->csv_path, err, errlen);
	if (!ret) {
		ret = close_file(&o->chrome, o->chrome_path, err, errlen);
	}
	if (o->tl) {
		int r = tl_output_close(o->tl, ret ? NULL : err, ret ? 0 : errlen);

		o->tl = NULL;
		ret = ret ? ret : r;
	}
	if (ret) {
		outputs_abort(o);
		return ret;
	}
	free(o->csv_path);
	free(o->chrome_path);
	free(o);
	return 0;
}

void outputs_abort(struct outputs *o)
{
	if (!o) {
		return;
	}
	if (o->csv) {
		fclose(o->csv);
	}
	if (o->chrome) {
		fclose(o->chrome);
	}
	if (o->csv_path) {
		unlink(o->csv_path);
	}
	if (o->chrome_path) {
		unlink(o->chrome_path);
	}
	tl_output_abort(o->tl);
	free(o->csv_path);
	free(o->chrome_path);
	free(o);
}
