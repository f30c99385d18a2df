/* SPDX-License-Identifier: MIT */
#include "outputs.h"
#include "rdv-outfile.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mini-json.h"
#include "report.h"
#include "symbols.h"
#include "tl-output.h"

/* Isolations held back from the streamed CSV and Chrome outputs while a
 * site they name may still get its names (sym_site.pending: a trace that
 * starts on a running program, whose statedump comes after its first
 * events), so that they name it as the JSON report, written at the end,
 * does; in order, at most DEFER_CAP (then written as they are). */
#define DEFER_CAP 4096
struct deferred {
	struct analysis_isolation iso; /* iso.late points to late */
	struct analysis_late *late;    /* owned */
};

struct outputs {
	const struct analysis *a;			     /* weak */
	FILE *csv;					     /* owned */
	FILE *chrome;					     /* owned */
	FILE *isolations;				     /* owned */
	char *csv_path, *chrome_path, *isolations_path;	     /* owned */
	struct rdv_outfile csv_of, chrome_of, isolations_of; /* removed on failure */
	struct tl_output *tl;				     /* owned */
	int chrome_first;
	uint64_t flow_id;
	uint64_t origin;	    /* chrome timestamps are relative to the first event */
	struct outputs_extra extra; /* stalls owned (a temporary file), top owned */
	unsigned top;		    /* the longest waits to keep */
	size_t top_cap;		    /* allocated in extra.top */
	bool top_sorted;
	struct deferred *defer; /* owned: a ring of DEFER_CAP, allocated when needed */
	size_t defer_head, ndefer;
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int open_out(FILE **f, struct rdv_outfile *of, const char *path, char *err, size_t errlen)
{
	*f = fopen(path, "w");
	if (!*f) {
		int ret = -errno;

		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
		return ret;
	}
	rdv_outfile_note(of, path, fileno(*f));
	return 0;
}

int outputs_open(struct outputs **out, const struct outputs_options *opt, char *err, size_t errlen)
{
	struct outputs *o = calloc(1, sizeof(*o));
	int ret = 0;

	*out = NULL;
	if (!o) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	o->chrome_first = 1;
	o->csv_path = dup_or_null(opt->csv_path);
	o->chrome_path = dup_or_null(opt->chrome_path);
	o->isolations_path = dup_or_null(opt->isolations_path);
	if ((opt->csv_path && !o->csv_path) || (opt->chrome_path && !o->chrome_path) ||
	    (opt->isolations_path && !o->isolations_path)) {
		snprintf(err, errlen, "out of memory");
		outputs_free(o);
		return -ENOMEM;
	}
	if (opt->csv_path) {
		ret = open_out(&o->csv, &o->csv_of, o->csv_path, err, errlen);
		if (ret) {
			goto error;
		}
		fputs("vpid,domain,thread,state,begin_ns,end_ns\n", o->csv);
	}
	if (opt->chrome_path) {
		ret = open_out(&o->chrome, &o->chrome_of, o->chrome_path, err, errlen);
		if (ret) {
			goto error;
		}
		fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", o->chrome);
	}
	if (opt->isolations_path) {
		ret = open_out(&o->isolations, &o->isolations_of, o->isolations_path, err, errlen);
		if (ret) {
			goto error;
		}
		fputs("request_ns,grant_ns,release_ns,vpid,domain,thread,os_tid,site,kind,wait_ns,"
		      "hold_ns,grant_delay_ns,late,straggler,straggler_os_tid,straggler_delay_ns,"
		      "straggler_from,straggler_to\n",
		      o->isolations);
	}
	if (opt->keep_stalls) {
		o->extra.stalls = tmpfile();
		if (!o->extra.stalls) {
			ret = -errno;
			snprintf(err, errlen, "cannot create a temporary file: %s",
				 strerror(errno));
			goto error;
		}
	}
	o->top = opt->top; /* the list grows as isolations come, up to top */
	o->extra.want_top = opt->top > 0;
	if (opt->timeline_path) {
		ret = tl_output_open_file(opt->timeline_path, &o->tl, err, errlen);
		if (ret) {
			goto error;
		}
	} else if (opt->timeline_window) {
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

/* A CSV field: the label in double quotes (quotes doubled). */
static void csv_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"') {
			fputc('"', f);
		}
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_site(FILE *f, const struct analysis *a, uint32_t site)
{
	char label[REPORT_SITE_LABEL];

	if (site) {
		report_site_label(a, site, label, sizeof(label));
		csv_quoted(f, label);
	}
}

static const struct analysis_late *straggler_of(const struct analysis_isolation *iso)
{
	for (uint32_t i = 0; i < iso->nlate; i++) {
		if (iso->late[i].straggler) {
			return &iso->late[i];
		}
	}
	return NULL;
}

static void isolation_row(struct outputs *o, const struct analysis_isolation *iso)
{
	const struct analysis_thread *r = analysis_thread_at(o->a, iso->lane);
	const struct analysis_late *s = straggler_of(iso);
	FILE *f = o->isolations;

	/* a request a gap hid (or made unsure) has no time: request_ns would
	 * be the grant's, a wait of 0 that never was */
	if (iso->request_known) {
		fprintf(f, "%" PRIu64, iso->request_ns);
	}
	fprintf(f, ",%" PRIu64 ",", iso->grant_ns);
	if (iso->release_ns && !iso->end_unsure) {
		fprintf(f, "%" PRIu64, iso->release_ns);
	}
	fprintf(f, ",%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%" PRId32 ",", r->vpid, r->domain,
		r->thread, r->os_tid);
	csv_site(f, o->a, iso->request_site);
	fprintf(f, ",%s,", iso->full ? "full" : "plain");
	if (iso->has_wait) {
		fprintf(f, "%" PRIu64, iso->wait_ns);
	}
	fputc(',', f);
	if (iso->has_hold) {
		fprintf(f, "%" PRIu64, iso->hold_ns);
	}
	fputc(',', f);
	if (iso->has_grant_delay) {
		fprintf(f, "%" PRIu64, iso->grant_delay_ns);
	}
	fprintf(f, ",%" PRIu32 ",", iso->nlate);
	if (s) {
		const struct analysis_thread *st = analysis_thread_at(o->a, s->lane);

		fprintf(f, "%" PRIu32 ",%" PRId32 ",%" PRIu64 ",", st->thread, st->os_tid,
			s->delay_ns);
		csv_site(f, o->a, s->from_site);
		fputc(',', f);
		csv_site(f, o->a, s->to_site);
	} else {
		fputs(",,,,", f);
	}
	fputc('\n', f);
}

static void chrome_site_arg(struct outputs *o, const char *key, uint32_t site)
{
	char label[REPORT_SITE_LABEL];

	fprintf(o->chrome, "\"%s\":", key);
	if (site) {
		report_site_label(o->a, site, label, sizeof(label));
		mj_write_string(o->chrome, label);
	} else {
		fputs("null", o->chrome);
	}
}

/* The wait as a slice of the requester's track, its late threads and sites
 * in args, and a flow from each late thread's ready instant to the grant. */
static void chrome_isolation(struct outputs *o, const struct analysis_isolation *iso)
{
	const struct analysis_thread *r = analysis_thread_at(o->a, iso->lane);

	set_origin(o);
	chrome_sep(o);
	fprintf(o->chrome,
		"{\"name\":\"%s\",\"cat\":\"isolation\",\"ph\":\"X\",\"pid\":%" PRIu32
		",\"tid\":%" PRIu32 ",\"ts\":%.3f,\"dur\":%.3f,\"args\":{\"full\":%s,",
		iso->full ? "isolate_full wait" : "isolate wait", r->vpid, iso->lane + 1,
		us(o, iso->request_ns), (double)(iso->grant_ns - iso->request_ns) / 1000.0,
		iso->full ? "true" : "false");
	chrome_site_arg(o, "site", iso->request_site);
	fprintf(o->chrome, ",\"grant_delay_ns\":");
	if (iso->has_grant_delay) {
		fprintf(o->chrome, "%" PRIu64, iso->grant_delay_ns);
	} else {
		fputs("null", o->chrome);
	}
	fputs(",\"late\":[", o->chrome);
	for (uint32_t i = 0; i < iso->nlate; i++) {
		const struct analysis_late *l = &iso->late[i];
		const struct analysis_thread *t = analysis_thread_at(o->a, l->lane);

		fprintf(o->chrome,
			"%s{\"thread\":%" PRIu32 ",\"tid\":%" PRId32 ",\"straggler\":%s,"
			"\"delay_ns\":",
			i ? "," : "", t->thread, t->os_tid, l->straggler ? "true" : "false");
		if (l->has_delay) {
			fprintf(o->chrome, "%" PRIu64, l->delay_ns);
		} else {
			fputs("null", o->chrome);
		}
		fputc(',', o->chrome);
		chrome_site_arg(o, "from", l->from_site);
		fputc(',', o->chrome);
		chrome_site_arg(o, "to", l->to_site);
		fputc('}', o->chrome);
	}
	fputs("]}}", o->chrome);
	for (uint32_t i = 0; i < iso->nlate; i++) {
		const struct analysis_late *l = &iso->late[i];
		const struct analysis_thread *t = analysis_thread_at(o->a, l->lane);
		const char *name = l->straggler ? "straggler" : "late";

		if (!l->has_delay) {
			continue;
		}
		o->flow_id++;
		fprintf(o->chrome,
			",\n{\"name\":\"%s\",\"cat\":\"isolation\",\"ph\":\"s\",\"id\":%" PRIu64
			",\"pid\":%" PRIu32 ",\"tid\":%" PRIu32 ",\"ts\":%.3f},\n",
			name, o->flow_id, t->vpid, l->lane + 1, us(o, l->ready_ns));
		fprintf(o->chrome,
			"{\"name\":\"%s\",\"cat\":\"isolation\",\"ph\":\"f\",\"bp\":\"e\","
			"\"id\":%" PRIu64 ",\"pid\":%" PRIu32 ",\"tid\":%" PRIu32 ",\"ts\":%.3f}",
			name, o->flow_id, r->vpid, iso->lane + 1, us(o, iso->grant_ns));
	}
}

/* Keeps the `top` longest waits (the shortest kept is replaced). */
static int keep_top(struct outputs *o, const struct analysis_isolation *iso)
{
	struct outputs_wait *w = NULL;
	struct analysis_late *late = NULL;

	if (!iso->has_wait) {
		return 0;
	}
	if (o->extra.ntop < o->top) {
		if (o->extra.ntop == o->top_cap) {
			size_t ncap = o->top_cap ? o->top_cap * 2 : 16;
			struct outputs_wait *nt;

			ncap = ncap > o->top ? o->top : ncap;
			nt = realloc(o->extra.top, ncap * sizeof(*nt));
			if (!nt) {
				return -ENOMEM;
			}
			o->extra.top = nt;
			o->top_cap = ncap;
		}
		w = &o->extra.top[o->extra.ntop++];
		w->late = NULL;
	} else {
		for (size_t i = 0; i < o->extra.ntop; i++) {
			if (!w || o->extra.top[i].iso.wait_ns < w->iso.wait_ns) {
				w = &o->extra.top[i];
			}
		}
		if (w->iso.wait_ns >= iso->wait_ns) {
			return 0;
		}
	}
	if (iso->nlate) {
		late = malloc(iso->nlate * sizeof(*late));
		if (!late) {
			return -ENOMEM;
		}
		memcpy(late, iso->late, iso->nlate * sizeof(*late));
	}
	free(w->late);
	w->iso = *iso;
	w->late = late;
	w->iso.late = late;
	o->top_sorted = false;
	return 0;
}

static bool site_pending(const struct outputs *o, uint32_t id)
{
	const struct analysis_site *s = id ? analysis_site_at(o->a, id) : NULL;

	return s && s->sym && s->sym->pending;
}

static bool iso_pending(const struct outputs *o, const struct analysis_isolation *iso)
{
	if (site_pending(o, iso->request_site)) {
		return true;
	}
	for (uint32_t i = 0; i < iso->nlate; i++) {
		if (site_pending(o, iso->late[i].from_site) ||
		    site_pending(o, iso->late[i].to_site)) {
			return true;
		}
	}
	return false;
}

static void write_isolation(struct outputs *o, const struct analysis_isolation *iso)
{
	if (o->isolations) {
		isolation_row(o, iso);
	}
	if (o->chrome) {
		chrome_isolation(o, iso);
	}
}

/* Writes the held-back isolations from the oldest, while their sites are
 * final (all of them with all). */
static void flush_deferred(struct outputs *o, bool all)
{
	while (o->ndefer) {
		struct deferred *d = &o->defer[o->defer_head];

		if (!all && o->ndefer < DEFER_CAP && iso_pending(o, &d->iso)) {
			break;
		}
		write_isolation(o, &d->iso);
		free(d->late);
		d->late = NULL;
		o->defer_head = (o->defer_head + 1) % DEFER_CAP;
		o->ndefer--;
	}
}

static int defer_isolation(struct outputs *o, const struct analysis_isolation *iso)
{
	struct deferred *d;

	if (!o->defer) {
		o->defer = calloc(DEFER_CAP, sizeof(*o->defer));
		if (!o->defer) {
			return -ENOMEM;
		}
	}
	d = &o->defer[(o->defer_head + o->ndefer) % DEFER_CAP];
	d->iso = *iso;
	d->late = NULL;
	if (iso->nlate) {
		d->late = malloc(iso->nlate * sizeof(*d->late));
		if (!d->late) {
			return -ENOMEM;
		}
		memcpy(d->late, iso->late, iso->nlate * sizeof(*d->late));
	}
	d->iso.late = d->late;
	o->ndefer++;
	flush_deferred(o, false);
	return 0;
}

static int on_isolation(void *arg, const struct analysis_isolation *iso)
{
	struct outputs *o = arg;
	int ret = 0;

	if (o->isolations || o->chrome) {
		if (o->ndefer) {
			flush_deferred(o, false);
		}
		if (o->ndefer || iso_pending(o, iso)) {
			ret = defer_isolation(o, iso);
		} else {
			write_isolation(o, iso);
		}
	}
	if (!ret && o->top) {
		ret = keep_top(o, iso);
	}
	return ret ? ret : o->tl ? tl_output_isolation(o->tl, iso) : 0;
}

static int on_stall(void *arg, const struct analysis_stall *st)
{
	struct outputs *o = arg;

	if (o->extra.stalls) {
		const struct analysis_thread *r = analysis_thread_at(o->a, st->lane);

		fprintf(o->extra.stalls,
			"%s\n    { \"vpid\": %" PRIu32 ", \"domain\": %" PRIu32
			", \"thread\": %" PRIu32 ", \"time_ns\": %" PRIu64
			", \"waited_ns\": %" PRIu64 ", \"late\": [",
			o->extra.nstalls ? "," : "", r->vpid, r->domain, r->thread, st->ts,
			st->waited_ns);
		for (uint32_t i = 0; i < st->nlate_threads; i++) {
			fprintf(o->extra.stalls, "%s%" PRIu32, i ? ", " : "", st->late_threads[i]);
		}
		fputs("] }", o->extra.stalls);
		o->extra.nstalls++;
	}
	return o->tl ? tl_output_stall(o->tl, st) : 0;
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
	flush_deferred(o, true);
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
	if (!ret) {
		ret = close_file(&o->isolations, o->isolations_path, err, errlen);
	}
	if (o->tl) {
		int r = tl_output_close(o->tl, ret ? NULL : err, ret ? 0 : errlen);

		o->tl = NULL;
		ret = ret ? ret : r;
	}
	if (!ret && o->extra.stalls && (ferror(o->extra.stalls) || fflush(o->extra.stalls))) {
		snprintf(err, errlen, "cannot write a temporary file: %s",
			 strerror(errno ? errno : EIO));
		ret = -EIO;
	}
	if (ret) {
		outputs_abort(o);
	}
	return ret;
}

static int cmp_wait(const void *x, const void *y)
{
	const struct outputs_wait *a = x, *b = y;

	if (a->iso.wait_ns != b->iso.wait_ns) {
		return a->iso.wait_ns > b->iso.wait_ns ? -1 : 1;
	}
	return a->iso.request_ns < b->iso.request_ns ? -1 : a->iso.request_ns > b->iso.request_ns;
}

const struct outputs_extra *outputs_extra(struct outputs *o)
{
	if (!o->top_sorted) {
		qsort(o->extra.top, o->extra.ntop, sizeof(*o->extra.top), cmp_wait);
		o->top_sorted = true;
	}
	return &o->extra;
}

static void free_extra(struct outputs *o)
{
	if (o->extra.stalls) {
		fclose(o->extra.stalls);
	}
	for (size_t i = 0; i < o->extra.ntop; i++) {
		free(o->extra.top[i].late);
	}
	free(o->extra.top);
}

void outputs_free(struct outputs *o)
{
	if (!o) {
		return;
	}
	free_extra(o);
	for (size_t i = 0; i < o->ndefer; i++) {
		free(o->defer[(o->defer_head + i) % DEFER_CAP].late);
	}
	free(o->defer);
	rdv_outfile_forget(&o->csv_of); /* kept, or removed by outputs_abort() */
	rdv_outfile_forget(&o->chrome_of);
	rdv_outfile_forget(&o->isolations_of);
	free(o->csv_path);
	free(o->chrome_path);
	free(o->isolations_path);
	free(o);
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
	if (o->isolations) {
		fclose(o->isolations);
	}
	/* only what this run opened, and only regular files (never a device
	 * like /dev/null, a link, or a file not opened yet) */
	rdv_outfile_remove(&o->csv_of);
	rdv_outfile_remove(&o->chrome_of);
	rdv_outfile_remove(&o->isolations_of);
	tl_output_abort(o->tl);
	outputs_free(o);
}
