/* SPDX-License-Identifier: MIT */
#include "tl-output.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rdv-timeline.h"

#define LANE_CAP (1u << 20) /* window mode: intervals kept per lane, at most */
#define ISO_CAP (1u << 20)  /* window mode: isolations kept */
#define STALL_CAP 4096u	    /* window mode: stall reports kept */

_Static_assert((int)AN_NSTATES == (int)RDV_TL_NSTATES, "one state numbering");
_Static_assert((int)AN_RUNNING == (int)RDV_TL_RUNNING && (int)AN_UNKNOWN == (int)RDV_TL_UNKNOWN,
	       "one state numbering");

/* Window mode: one lane's intervals [head, head + n) of a growing buffer. */
struct lane_buf {
	uint64_t *begin, *end; /* owned */
	uint8_t *state;	       /* owned */
	size_t head, n, cap;
};

/* Window mode: an isolation with its late threads. */
struct kept_iso {
	struct analysis_isolation iso;
	struct analysis_late *late; /* owned */
};

struct kept_stall {
	uint32_t lane;
	uint64_t ts, waited_ns;
	uint32_t *late; /* owned */
	uint32_t nlate;
};

/* The writer's index of each analysis site (0: not declared yet). */
struct site_index {
	uint32_t *v;	  /* owned */
	uint8_t *unnamed; /* owned: declared without a function name (yet) */
	size_t n;
};

struct tl_output {
	const struct analysis *a; /* weak */
	struct rdv_tl_writer *w;  /* owned: file mode */
	char *path;		  /* owned: file mode */
	struct site_index sites;  /* file mode */
	/* Window mode. */
	bool window;
	struct lane_buf *lanes; /* owned */
	size_t nlanes, lanes_cap;
	struct kept_iso *isos; /* owned: ring of ISO_CAP at most, by release */
	size_t iso_head, iso_n, iso_cap;
	struct kept_stall *stalls; /* owned: ring */
	size_t stall_head, stall_n;
	uint64_t dropped;
};

int tl_output_open_file(const char *path, struct tl_output **out, char *err, size_t errlen)
{
	struct tl_output *o = calloc(1, sizeof(*o));
	int ret;

	*out = NULL;
	if (!o || !(o->path = strdup(path))) {
		free(o);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = rdv_tl_writer_open(path, &o->w);
	if (ret) {
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(-ret));
		free(o->path);
		free(o);
		return ret;
	}
	*out = o;
	return 0;
}

int tl_output_open_window(struct tl_output **out)
{
	struct tl_output *o = calloc(1, sizeof(*o));

	*out = o;
	if (!o) {
		return -ENOMEM;
	}
	o->window = true;
	o->stalls = calloc(STALL_CAP, sizeof(*o->stalls));
	if (!o->stalls) {
		free(o);
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

void tl_output_attach(struct tl_output *o, const struct analysis *a)
{
	o->a = a;
}

static void free_window(struct tl_output *o)
{
	for (size_t i = 0; i < o->nlanes; i++) {
		free(o->lanes[i].begin);
		free(o->lanes[i].end);
		free(o->lanes[i].state);
	}
	for (size_t k = 0; k < o->iso_n; k++) {
		free(o->isos[(o->iso_head + k) % o->iso_cap].late);
	}
	for (size_t k = 0; o->stalls && k < o->stall_n; k++) {
		free(o->stalls[(o->stall_head + k) % STALL_CAP].late);
	}
	free(o->lanes);
	free(o->isos);
	free(o->stalls);
}

void tl_output_abort(struct tl_output *o)
{
	if (!o) {
		return;
	}
	rdv_tl_writer_abort(o->w);
	free_window(o);
	free(o->sites.v);
	free(o->sites.unnamed);
	free(o->path);
	free(o);
}

/* ---- From the analysis to writer records -------------------------------- */

static int add_lane(struct rdv_tl_writer *w, const struct analysis_thread *t, uint32_t want)
{
	uint32_t lane;
	int ret = rdv_tl_writer_add_lane(w, t->vpid, t->domain, t->thread, t->os_tid,
					 t->procname[0] ? t->procname : NULL, &lane);

	return ret ? ret : lane != want ? -EPROTO : 0;
}

/* The writer's index of analysis site id (declared at its first use). */
static int site_of(struct rdv_tl_writer *w, const struct analysis *a, struct site_index *si,
		   uint32_t id, uint32_t *out)
{
	const struct analysis_site *s = analysis_site_at(a, id);
	int ret;

	*out = RDV_TL_NO_SITE;
	if (!s) {
		return 0;
	}
	if (id >= si->n) {
		size_t n = si->n ? si->n : 64;
		uint32_t *v;

		while (n <= id) {
			n *= 2;
		}
		uint8_t *u;

		v = realloc(si->v, n * sizeof(*v));
		if (!v) {
			return -ENOMEM;
		}
		memset(v + si->n, 0, (n - si->n) * sizeof(*v));
		si->v = v;
		u = realloc(si->unnamed, n);
		if (!u) {
			return -ENOMEM;
		}
		memset(u + si->n, 0, n - si->n);
		si->unnamed = u;
		si->n = n;
	}
	if (!si->v[id]) {
		struct analysis_site_place p;

		analysis_site_place(s, &p);
		ret = rdv_tl_writer_add_site(w, s->address, p.object, p.function, p.file, p.line,
					     &si->v[id]);
		if (ret) {
			return ret;
		}
		si->unnamed[id] = !p.function;
	}
	*out = si->v[id];
	return 0;
}

/* An isolation with its blame: late records and sites. */
static int add_isolation(struct rdv_tl_writer *w, const struct analysis *a, struct site_index *si,
			 const struct analysis_isolation *iso)
{
	struct rdv_tl_late stack[64], *late = stack;
	struct rdv_tl_isolation x = {
	    .lane = iso->lane,
	    .full = iso->full,
	    .request_ns = iso->request_ns,
	    .grant_ns = iso->grant_ns,
	    .release_ns = iso->release_ns,
	    .straggler_lane = iso->straggler_lane,
	    .straggler_ns = iso->straggler_lane == RDV_TL_NO_LANE ? 0 : iso->straggler_ns,
	    .wait_ns = iso->has_wait ? iso->wait_ns : 0,
	    .hold_ns = iso->has_hold ? iso->hold_ns : 0,
	    .grant_delay_ns = iso->has_grant_delay ? iso->grant_delay_ns : 0,
	};
	int ret = site_of(w, a, si, iso->request_site, &x.request_site);

	x.flags = (iso->request_known ? RDV_TL_ISO_REQUEST_KNOWN : 0) |
		  (iso->has_wait ? RDV_TL_ISO_WAIT : 0) | (iso->has_hold ? RDV_TL_ISO_HOLD : 0) |
		  (iso->has_grant_delay ? RDV_TL_ISO_GRANT_DELAY : 0) |
		  (iso->end_unsure ? RDV_TL_ISO_END_UNSURE : 0);
	if (iso->nlate > 64) {
		late = malloc(iso->nlate * sizeof(*late));
		if (!late) {
			return -ENOMEM;
		}
	}
	for (uint32_t i = 0; !ret && i < iso->nlate; i++) {
		const struct analysis_late *l = &iso->late[i];

		late[i] = (struct rdv_tl_late){
		    .lane = l->lane,
		    .flags = (l->straggler ? RDV_TL_LATE_STRAGGLER : 0) |
			     (l->has_delay ? RDV_TL_LATE_DELAY : 0),
		    .delay_ns = l->has_delay ? l->delay_ns : 0,
		};
		ret = site_of(w, a, si, l->from_site, &late[i].from_site);
		if (!ret) {
			ret = site_of(w, a, si, l->to_site, &late[i].to_site);
		}
	}
	if (!ret) {
		ret = rdv_tl_writer_add_isolation_late(w, &x, late, iso->nlate);
	}
	if (late != stack) {
		free(late);
	}
	return ret;
}

static void to_tl_latency(const struct latency_dist *d, struct rdv_tl_latency *out)
{
	struct rdv_analyze_latency s;

	latency_dist_summarize(d, &s);
	memset(out, 0, sizeof(*out));
	out->count = s.count;
	out->min_ns = s.min_ns;
	out->max_ns = s.max_ns;
	out->mean_ns = s.mean_ns;
	out->p50_ns = s.p50_ns;
	out->p90_ns = s.p90_ns;
	out->p99_ns = s.p99_ns;
	out->p999_ns = s.p999_ns;
	out->started = s.started;
	out->skipped_gap = s.skipped_gap;
	out->unfinished = s.unfinished;
	out->timed_out = s.timed_out;
	latency_dist_log2(d, out->buckets);
}

/* What the analysis has computed so far: trace facts, per-lane totals,
 * distributions. begin/end: the span the file covers. */
static int put_results(struct rdv_tl_writer *w, const struct analysis *a, uint64_t begin,
		       uint64_t end)
{
	static const enum rdv_tl_latency_kind kinds[AN_NLAT] = {
	    RDV_TL_LAT_ISOLATE_WAIT, RDV_TL_LAT_ISOLATION_HOLD, RDV_TL_LAT_BLOCKED,
	    RDV_TL_LAT_GRANT_DELAY};
	struct analysis_summary s;
	struct rdv_tl_trace tr;
	struct rdv_tl_latency lat;
	int ret;

	analysis_get_summary(a, &s);
	tr = (struct rdv_tl_trace){
	    .begin_ns = begin,
	    .end_ns = end,
	    .events = s.events,
	    .discarded_events = s.discarded_events,
	    .discarded_packets = s.discarded_packets,
	    .gaps = s.gaps,
	    .inconsistent_events = s.inconsistent_events,
	    .straggler_skipped_gap = s.straggler_skipped_gap,
	    .domains = s.domains,
	    .processes = s.processes,
	};
	ret = rdv_tl_writer_set_trace(w, &tr);
	for (size_t i = 0; !ret && i < analysis_thread_count(a); i++) {
		const struct analysis_thread *t = analysis_thread_at(a, i);
		struct rdv_tl_lane_stats st = {
		    .registrations = t->registrations,
		    .blocked_count = t->blocked_count,
		    .straggler_count = t->straggler_count,
		    .straggler_delay_ns = t->straggler_delay_ns,
		};

		ret = rdv_tl_writer_set_lane_stats(w, (uint32_t)i, &st);
	}
	for (int l = 0; !ret && l < AN_NLAT; l++) {
		to_tl_latency(analysis_latency(a, (enum analysis_latency)l), &lat);
		ret = rdv_tl_writer_set_latency(w, kinds[l], &lat);
	}
	return ret;
}

/* ---- Window mode -------------------------------------------------------- */

static int lane_push(struct tl_output *o, struct lane_buf *lb, uint8_t s, uint64_t b, uint64_t e)
{
	if (lb->n == LANE_CAP) {
		lb->head++;
		lb->n--;
		o->dropped++;
	}
	if (lb->head + lb->n == lb->cap) {
		if (lb->head > 0 && lb->head >= lb->cap / 2) {
			memmove(lb->begin, lb->begin + lb->head, lb->n * sizeof(*lb->begin));
			memmove(lb->end, lb->end + lb->head, lb->n * sizeof(*lb->end));
			memmove(lb->state, lb->state + lb->head, lb->n);
			lb->head = 0;
		} else {
			size_t ncap = lb->cap ? lb->cap * 2 : 1024;
			uint64_t *nb = realloc(lb->begin, ncap * sizeof(*nb));
			uint64_t *ne = nb ? realloc(lb->end, ncap * sizeof(*ne)) : NULL;
			uint8_t *ns;

			if (nb) {
				lb->begin = nb;
			}
			if (ne) {
				lb->end = ne;
			}
			ns = ne ? realloc(lb->state, ncap) : NULL;
			if (!ns) {
				return -ENOMEM;
			}
			lb->state = ns;
			lb->cap = ncap;
		}
	}
	lb->begin[lb->head + lb->n] = b;
	lb->end[lb->head + lb->n] = e;
	lb->state[lb->head + lb->n] = s;
	lb->n++;
	return 0;
}

static int window_add_lane(struct tl_output *o, uint32_t lane)
{
	if (lane >= o->lanes_cap) {
		size_t ncap = o->lanes_cap ? o->lanes_cap * 2 : 16;
		struct lane_buf *nl;

		while (ncap <= lane) {
			ncap *= 2;
		}
		nl = realloc(o->lanes, ncap * sizeof(*nl));
		if (!nl) {
			return -ENOMEM;
		}
		memset(nl + o->lanes_cap, 0, (ncap - o->lanes_cap) * sizeof(*nl));
		o->lanes = nl;
		o->lanes_cap = ncap;
	}
	if (lane >= o->nlanes) {
		o->nlanes = lane + 1;
	}
	return 0;
}

static int window_keep_isolation(struct tl_output *o, const struct analysis_isolation *iso)
{
	struct kept_iso *k;

	if (o->iso_n == o->iso_cap) {
		size_t ncap = o->iso_cap ? o->iso_cap * 2 : 256;
		struct kept_iso *ni;

		if (o->iso_cap >= ISO_CAP) {
			free(o->isos[o->iso_head].late); /* the oldest goes */
			o->iso_head = (o->iso_head + 1) % o->iso_cap;
			o->iso_n--;
		} else {
			ni = malloc(ncap * sizeof(*ni));
			if (!ni) {
				return -ENOMEM;
			}
			for (size_t i = 0; i < o->iso_n; i++) {
				ni[i] = o->isos[(o->iso_head + i) % o->iso_cap];
			}
			free(o->isos);
			o->isos = ni;
			o->iso_cap = ncap;
			o->iso_head = 0;
		}
	}
	k = &o->isos[(o->iso_head + o->iso_n) % o->iso_cap];
	k->iso = *iso;
	k->late = NULL;
	if (iso->nlate) {
		k->late = malloc(iso->nlate * sizeof(*k->late));
		if (!k->late) {
			return -ENOMEM;
		}
		memcpy(k->late, iso->late, iso->nlate * sizeof(*k->late));
	}
	k->iso.late = k->late;
	o->iso_n++;
	return 0;
}

static int window_keep_stall(struct tl_output *o, const struct analysis_stall *st)
{
	struct kept_stall *k;

	if (o->stall_n == STALL_CAP) {
		free(o->stalls[o->stall_head].late);
		o->stall_head = (o->stall_head + 1) % STALL_CAP;
		o->stall_n--;
	}
	k = &o->stalls[(o->stall_head + o->stall_n) % STALL_CAP];
	k->lane = st->lane;
	k->ts = st->ts;
	k->waited_ns = st->waited_ns;
	k->nlate = st->nlate;
	k->late = malloc((st->nlate ? st->nlate : 1) * sizeof(*k->late));
	if (!k->late) {
		return -ENOMEM;
	}
	memcpy(k->late, st->late_lanes, st->nlate * sizeof(*k->late));
	o->stall_n++;
	return 0;
}

/* Drops what ended before the window. */
static void window_trim(struct tl_output *o, uint64_t cutoff)
{
	for (size_t i = 0; i < o->nlanes; i++) {
		struct lane_buf *lb = &o->lanes[i];

		while (lb->n && lb->end[lb->head] < cutoff) {
			lb->head++;
			lb->n--;
			o->dropped++;
		}
		if (lb->n == 0) {
			lb->head = 0;
		}
	}
	while (o->iso_n && o->isos[o->iso_head].iso.release_ns &&
	       o->isos[o->iso_head].iso.release_ns < cutoff) {
		free(o->isos[o->iso_head].late);
		o->iso_head = (o->iso_head + 1) % o->iso_cap;
		o->iso_n--;
	}
	while (o->stall_n && o->stalls[o->stall_head].ts < cutoff) {
		free(o->stalls[o->stall_head].late);
		o->stall_head = (o->stall_head + 1) % STALL_CAP;
		o->stall_n--;
	}
}

static int write_window(struct tl_output *o, struct rdv_tl_writer *w, uint64_t cutoff,
			uint64_t latest, uint64_t *kept)
{
	size_t nthreads = analysis_thread_count(o->a);
	struct site_index si = {0};
	int ret = 0;

	*kept = 0;
	for (size_t i = 0; i < nthreads && !ret; i++) {
		ret = add_lane(w, analysis_thread_at(o->a, i), (uint32_t)i);
	}
	for (size_t i = 0; i < nthreads && !ret; i++) {
		const struct lane_buf *lb = i < o->nlanes ? &o->lanes[i] : NULL;
		enum analysis_state now;
		uint64_t last_end = 0, since;

		for (size_t k = lb ? lb->head : 0; lb && k < lb->head + lb->n && !ret; k++) {
			uint64_t b = lb->begin[k] < cutoff ? cutoff : lb->begin[k];

			if (lb->end[k] < cutoff) {
				continue;
			}
			ret =
			    rdv_tl_writer_add_interval(w, (uint32_t)i, lb->state[k], b, lb->end[k]);
			last_end = lb->end[k];
			(*kept)++;
		}
		/* The state the thread is in now, up to the latest event. */
		if (!ret && analysis_thread_now(o->a, i, &now, &since) && since <= latest) {
			uint64_t b = since < cutoff ? cutoff : since;

			if (b < last_end) {
				b = last_end;
			}
			if (b < latest) {
				ret = rdv_tl_writer_add_interval(w, (uint32_t)i,
								 (enum rdv_tl_state)now, b, latest);
			}
		}
	}
	for (size_t k = 0; k < o->iso_n && !ret; k++) {
		ret = add_isolation(w, o->a, &si, &o->isos[(o->iso_head + k) % o->iso_cap].iso);
	}
	free(si.v);
	free(si.unnamed);
	for (size_t k = 0; k < o->stall_n && !ret; k++) {
		const struct kept_stall *st = &o->stalls[(o->stall_head + k) % STALL_CAP];

		ret = rdv_tl_writer_add_stall(w, st->lane, st->ts, st->waited_ns, st->late,
					      st->nlate);
	}
	return ret;
}

int tl_output_snapshot(struct tl_output *o, const char *path, uint64_t window_ns, uint64_t *kept,
		       uint64_t *dropped, char *err, size_t errlen)
{
	struct rdv_tl_writer *w;
	struct analysis_summary s;
	uint64_t cutoff, begin;
	int ret;

	if (!o->window || !o->a) {
		snprintf(err, errlen, "not a live analysis");
		return -EINVAL;
	}
	analysis_get_summary(o->a, &s);
	cutoff = s.end_ns > window_ns ? s.end_ns - window_ns : 0;
	window_trim(o, cutoff);
	ret = rdv_tl_writer_open(path, &w);
	if (!ret) {
		ret = write_window(o, w, cutoff, s.end_ns, kept);
		begin = s.begin_ns > cutoff ? s.begin_ns : cutoff;
		if (!ret) {
			ret = put_results(w, o->a, begin > s.end_ns ? s.end_ns : begin, s.end_ns);
		}
		if (ret) {
			rdv_tl_writer_abort(w);
		} else {
			ret = rdv_tl_writer_close(w);
		}
	}
	*dropped = o->dropped;
	if (ret) {
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(-ret));
	}
	return ret;
}

/* ---- The callbacks ------------------------------------------------------ */

int tl_output_thread_added(struct tl_output *o, const struct analysis_thread *t)
{
	return o->window ? window_add_lane(o, t->lane) : add_lane(o->w, t, t->lane);
}

int tl_output_thread_changed(struct tl_output *o, const struct analysis_thread *t)
{
	return o->window ? 0 : rdv_tl_writer_set_lane_tid(o->w, t->lane, t->os_tid);
}

int tl_output_interval(struct tl_output *o, const struct analysis_thread *t, enum analysis_state s,
		       uint64_t begin_ns, uint64_t end_ns)
{
	if (o->window) {
		return t->lane < o->nlanes
			   ? lane_push(o, &o->lanes[t->lane], (uint8_t)s, begin_ns, end_ns)
			   : 0;
	}
	return rdv_tl_writer_add_interval(o->w, t->lane, (enum rdv_tl_state)s, begin_ns, end_ns);
}

int tl_output_isolation(struct tl_output *o, const struct analysis_isolation *iso)
{
	return o->window ? window_keep_isolation(o, iso)
			 : add_isolation(o->w, o->a, &o->sites, iso);
}

int tl_output_stall(struct tl_output *o, const struct analysis_stall *st)
{
	return o->window ? window_keep_stall(o, st)
			 : rdv_tl_writer_add_stall(o->w, st->lane, st->ts, st->waited_ns,
						   st->late_lanes, st->nlate);
}

/* Sites declared before their object's symbols were read (a trace that
 * starts on a running program: its statedump comes after its first
 * events) are named now as the JSON report names them, at the end. */
static int name_sites(struct tl_output *o)
{
	for (size_t id = 1; id < o->sites.n; id++) {
		const struct analysis_site *s;
		struct analysis_site_place p;
		int ret;

		if (!o->sites.v[id] || !o->sites.unnamed[id]) {
			continue;
		}
		s = analysis_site_at(o->a, (uint32_t)id);
		if (!s) {
			continue;
		}
		analysis_site_place(s, &p);
		if (!p.function) {
			continue;
		}
		ret = rdv_tl_writer_set_site(o->w, o->sites.v[id], p.object, p.function, p.file,
					     p.line);
		if (ret) {
			return ret;
		}
	}
	return 0;
}

int tl_output_close(struct tl_output *o, char *err, size_t errlen)
{
	struct analysis_summary s;
	int ret;

	if (!o) {
		return 0;
	}
	analysis_get_summary(o->a, &s);
	ret = name_sites(o);
	if (!ret) {
		ret = put_results(o->w, o->a, s.begin_ns, s.end_ns);
	}
	if (ret) {
		rdv_tl_writer_abort(o->w);
	} else {
		ret = rdv_tl_writer_close(o->w);
	}
	o->w = NULL;
	if (ret) {
		snprintf(err, errlen, "cannot write '%s': %s", o->path, strerror(-ret));
	}
	free(o->sites.v);
	free(o->sites.unnamed);
	free(o->path);
	free(o);
	return ret;
}
