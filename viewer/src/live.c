/* SPDX-License-Identifier: MIT */
/*
 * rdv-view --live: see live.h. The live thread owns the graph, the analysis
 * and the rolling window; the UI thread only ever touches what `mu`
 * protects (the published snapshot, the status, the window length).
 *
 * Memory is bounded: per lane, the intervals that end inside the rolling
 * window (and at most LANE_CAP of them: a lane busier than that keeps its
 * newest LANE_CAP intervals), the isolations released inside the window,
 * and one snapshot (about 17 bytes per interval it holds). Intervals that
 * leave the window are dropped; the time per state since the start of the
 * session stays in the analysis' per-thread totals (analysis.h), which do
 * not grow.
 */
#define _GNU_SOURCE
#include "live.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <babeltrace2/babeltrace.h>

#include "analysis.h"
#include "bt2-adapter.h"
#include "latency-dist.h"
#include "rdv-timeline.h"

#define LANE_CAP (1u << 20)	    /* intervals kept per lane, at most */
#define PUBLISH_MIN_NS 250000000ull /* a snapshot at most every 250 ms */
#define RETRY_NS 1000000000ull	    /* connecting: retry every second */
#define DELAY_SAMPLES 65536	    /* per snapshot (reservoir) */
#define IDLE_SLEEP_US 5000

struct lane_buf {
	uint32_t vpid, domain, thread;
	int32_t os_tid;
	char procname[32];
	uint64_t *begin, *end; /* owned, cap each */
	uint8_t *state;	       /* owned */
	size_t head, n, cap;   /* intervals [head, head + n) */
};

struct live {
	struct live_options opts;
	char url[1024];
	pthread_t thread;
	atomic_bool stop;
	bt_graph *graph;	     /* owned by the thread; the interrupter is set from stop */
	bt_interrupter *interrupter; /* owned: shared by every graph we make */

	/* Live thread only. */
	struct analysis *a;	/* owned */
	struct bt2_adapter *ad; /* owned */
	struct lane_buf *lanes; /* owned, nlanes */
	size_t nlanes, lanes_cap;
	struct rdv_tl_isolation *isos; /* owned: released isolations, by release */
	size_t iso_head, iso_n, iso_cap;
	uint64_t dropped;
	bool clock_monotonic; /* event clock is CLOCK_MONOTONIC in ns (LTTng's) */
	bool clock_checked;
	uint64_t *pending; /* owned: event times since the last snapshot */
	size_t npending;
	uint64_t pending_seen;
	uint64_t rng;
	struct latency_dist *delay; /* owned */
	uint64_t events_at_publish;
	uint64_t messages; /* received from the source, any type */
	char tmpdir[512];
	uint64_t serial;
	char err[512];

	/* Shared, under mu. */
	pthread_mutex_t mu;
	struct tl_model *snapshot; /* owned until taken */
	struct live_status status;
	uint64_t window_ns;
};

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

const char *live_state_name(enum live_state s)
{
	switch (s) {
	case LIVE_CONNECTING:
		return "connecting";
	case LIVE_RECEIVING:
		return "live";
	case LIVE_SESSION_ENDED:
		return "session-ended";
	case LIVE_RELAY_GONE:
		return "relay-gone";
	case LIVE_PROGRAM_EXITED:
		return "program-exited";
	}
	return "?";
}

/* ---- The rolling window (live thread) ----------------------------------- */

static void lane_pop_front(struct lane_buf *lb)
{
	lb->head++;
	lb->n--;
}

static int lane_push(struct live *l, struct lane_buf *lb, uint8_t s, uint64_t b, uint64_t e)
{
	if (lb->n == LANE_CAP) {
		lane_pop_front(lb);
		l->dropped++;
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

static int on_thread_added(void *arg, const struct analysis_thread *t)
{
	struct live *l = arg;
	struct lane_buf *lb;

	if (t->lane >= l->lanes_cap) {
		size_t ncap = l->lanes_cap ? l->lanes_cap * 2 : 16;
		struct lane_buf *nl;

		while (ncap <= t->lane) {
			ncap *= 2;
		}
		nl = realloc(l->lanes, ncap * sizeof(*nl));
		if (!nl) {
			return -ENOMEM;
		}
		memset(nl + l->lanes_cap, 0, (ncap - l->lanes_cap) * sizeof(*nl));
		l->lanes = nl;
		l->lanes_cap = ncap;
	}
	if (t->lane >= l->nlanes) {
		l->nlanes = t->lane + 1;
	}
	lb = &l->lanes[t->lane];
	lb->vpid = t->vpid;
	lb->domain = t->domain;
	lb->thread = t->thread;
	lb->os_tid = t->os_tid;
	snprintf(lb->procname, sizeof(lb->procname), "%s", t->procname);
	return 0;
}

static int on_thread_changed(void *arg, const struct analysis_thread *t)
{
	struct live *l = arg;

	if (t->lane < l->nlanes) {
		l->lanes[t->lane].os_tid = t->os_tid;
		snprintf(l->lanes[t->lane].procname, sizeof(l->lanes[t->lane].procname), "%s",
			 t->procname);
	}
	return 0;
}

static int on_interval(void *arg, const struct analysis_thread *t, enum analysis_state s,
		       uint64_t begin_ns, uint64_t end_ns)
{
	struct live *l = arg;

	if (t->lane >= l->nlanes) {
		return 0;
	}
	return lane_push(l, &l->lanes[t->lane], (uint8_t)s, begin_ns, end_ns);
}

static int on_isolation(void *arg, const struct analysis_isolation *iso)
{
	struct live *l = arg;
	struct rdv_tl_isolation *x;

	if (l->iso_head + l->iso_n == l->iso_cap) {
		if (l->iso_head > 0 && l->iso_head >= l->iso_cap / 2) {
			memmove(l->isos, l->isos + l->iso_head, l->iso_n * sizeof(*l->isos));
			l->iso_head = 0;
		} else {
			size_t ncap = l->iso_cap ? l->iso_cap * 2 : 256;
			struct rdv_tl_isolation *ni = realloc(l->isos, ncap * sizeof(*ni));

			if (!ni) {
				return -ENOMEM;
			}
			l->isos = ni;
			l->iso_cap = ncap;
		}
	}
	if (l->iso_n == LANE_CAP) {
		l->iso_head++;
		l->iso_n--;
	}
	x = &l->isos[l->iso_head + l->iso_n++];
	memset(x, 0, sizeof(*x));
	x->lane = iso->lane;
	x->full = iso->full;
	x->grant_ns = iso->grant_ns;
	x->request_ns = iso->request_known ? iso->request_ns : iso->grant_ns;
	x->release_ns = iso->release_ns;
	x->straggler_lane = iso->straggler_lane;
	x->straggler_ns = x->straggler_lane == RDV_TL_NO_LANE ? 0 : iso->straggler_ns;
	return 0;
}

/* Drops what ended before the window. */
static void trim(struct live *l, uint64_t cutoff)
{
	for (size_t i = 0; i < l->nlanes; i++) {
		struct lane_buf *lb = &l->lanes[i];

		while (lb->n && lb->end[lb->head] < cutoff) {
			lane_pop_front(lb);
			l->dropped++;
		}
		if (lb->n == 0) {
			lb->head = 0;
		}
	}
	while (l->iso_n && l->isos[l->iso_head].release_ns < cutoff) {
		l->iso_head++;
		l->iso_n--;
	}
	if (l->iso_n == 0) {
		l->iso_head = 0;
	}
}

/* ---- Snapshots ---------------------------------------------------------- */

static int write_snapshot(struct live *l, const char *path, uint64_t cutoff, uint64_t latest,
			  uint64_t *kept)
{
	struct rdv_tl_writer *w;
	struct analysis_summary sum;
	int ret = rdv_tl_writer_open(path, &w);

	if (ret) {
		return ret;
	}
	*kept = 0;
	for (size_t i = 0; i < l->nlanes && !ret; i++) {
		const struct lane_buf *lb = &l->lanes[i];
		uint32_t lane;

		ret = rdv_tl_writer_add_lane(w, lb->vpid, lb->domain, lb->thread, lb->os_tid,
					     lb->procname, &lane);
	}
	for (size_t i = 0; i < l->nlanes && !ret; i++) {
		const struct lane_buf *lb = &l->lanes[i];
		const struct analysis_thread *t = analysis_thread_at(l->a, i);
		uint64_t last_end = 0;

		for (size_t k = lb->head; k < lb->head + lb->n && !ret; k++) {
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
		if (!ret && t && t->active && t->since <= latest) {
			uint64_t b = t->since < cutoff ? cutoff : t->since;

			if (b < last_end) {
				b = last_end;
			}
			if (b < latest) {
				ret = rdv_tl_writer_add_interval(
				    w, (uint32_t)i, (enum rdv_tl_state)t->state, b, latest);
			}
		}
	}
	for (size_t k = l->iso_head; k < l->iso_head + l->iso_n && !ret; k++) {
		struct rdv_tl_isolation x = l->isos[k];

		if (x.lane >= l->nlanes ||
		    (x.straggler_lane != RDV_TL_NO_LANE && x.straggler_lane >= l->nlanes)) {
			continue;
		}
		ret = rdv_tl_writer_add_isolation(w, &x);
	}
	analysis_get_summary(l->a, &sum);
	if (!ret) {
		uint64_t begin = sum.begin_ns > cutoff ? sum.begin_ns : cutoff;

		ret = rdv_tl_writer_set_info(w, begin > latest ? latest : begin, latest, sum.events,
					     sum.discarded_events);
	}
	if (ret) {
		rdv_tl_writer_abort(w);
		return ret;
	}
	return rdv_tl_writer_close(w);
}

static void set_state(struct live *l, enum live_state s, const char *reason)
{
	pthread_mutex_lock(&l->mu);
	l->status.state = s;
	snprintf(l->status.reason, sizeof(l->status.reason), "%.250s", reason ? reason : "");
	pthread_mutex_unlock(&l->mu);
	if (l->opts.notify) {
		l->opts.notify(l->opts.notify_arg);
	}
}

/* Builds and publishes a snapshot of the window. Returns its cost in ns. */
static uint64_t publish(struct live *l)
{
	struct analysis_summary sum;
	uint64_t t_start = now_ns(CLOCK_MONOTONIC), t_pub, window, cutoff, kept = 0;
	struct tl_model *m;
	char path[600], reason[400];
	int ret;

	analysis_get_summary(l->a, &sum);
	if (!sum.has_time || l->nlanes == 0) {
		return 0;
	}
	pthread_mutex_lock(&l->mu);
	window = l->window_ns;
	pthread_mutex_unlock(&l->mu);
	cutoff = sum.end_ns > window ? sum.end_ns - window : 0;
	trim(l, cutoff);
	snprintf(path, sizeof(path), "%s/snapshot-%llu.rdvtl", l->tmpdir,
		 (unsigned long long)l->serial++);
	ret = write_snapshot(l, path, cutoff, sum.end_ns, &kept);
	m = ret ? NULL : calloc(1, sizeof(*m));
	if (m && timeline_model_open(m, path, reason, sizeof(reason)) != 0) {
		free(m);
		m = NULL;
	}
	unlink(path); /* the mapping stays valid */
	if (!m) {
		return now_ns(CLOCK_MONOTONIC) - t_start;
	}
	/* Every event received so far is in this snapshot: its delay. */
	t_pub = now_ns(l->clock_monotonic ? CLOCK_MONOTONIC : CLOCK_REALTIME);
	for (size_t i = 0; i < l->npending; i++) {
		latency_dist_add(l->delay, t_pub > l->pending[i] ? t_pub - l->pending[i] : 0);
	}
	l->npending = 0;
	l->pending_seen = 0;
	pthread_mutex_lock(&l->mu);
	if (l->snapshot) {
		timeline_model_close(l->snapshot);
		free(l->snapshot);
	}
	l->snapshot = m;
	l->status.events = sum.events;
	l->status.discarded_events = sum.discarded_events;
	l->status.snapshots++;
	l->status.kept_intervals = kept;
	l->status.dropped_intervals = l->dropped;
	l->status.last_event_ns = sum.end_ns;
	l->status.snapshot_ns = now_ns(CLOCK_MONOTONIC) - t_start;
	l->status.delay_count = l->delay->count;
	l->status.delay_p50_ns = latency_dist_percentile(l->delay, 50, 100);
	l->status.delay_p99_ns = latency_dist_percentile(l->delay, 99, 100);
	l->status.delay_max_ns = l->delay->max;
	pthread_mutex_unlock(&l->mu);
	l->events_at_publish = sum.events;
	if (l->opts.notify) {
		l->opts.notify(l->opts.notify_arg);
	}
	return now_ns(CLOCK_MONOTONIC) - t_start;
}

/* ---- The sink: messages -> adapter (and event times for the delay) ------ */

static void note_event_time(struct live *l, const bt_message *msg)
{
	const bt_clock_class *cc =
	    bt_message_event_borrow_stream_class_default_clock_class_const(msg);
	const bt_clock_snapshot *cs;
	uint64_t t;
	int64_t ns;

	if (!cc) {
		return;
	}
	if (!l->clock_checked) {
		const char *name = bt_clock_class_get_name(cc);

		/* LTTng-UST's clock is CLOCK_MONOTONIC in ns ("monotonic"); its
		 * raw value compares with our own clock_gettime() exactly. */
		l->clock_monotonic = name && !strcmp(name, "monotonic") &&
				     bt_clock_class_get_frequency(cc) == 1000000000ull;
		l->clock_checked = true;
	}
	cs = bt_message_event_borrow_default_clock_snapshot_const(msg);
	if (l->clock_monotonic) {
		t = bt_clock_snapshot_get_value(cs);
	} else if (bt_clock_snapshot_get_ns_from_origin(cs, &ns) ==
		       BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK &&
		   ns > 0) {
		t = (uint64_t)ns; /* epoch-based: compared with CLOCK_REALTIME */
	} else {
		return;
	}
	l->pending_seen++;
	if (l->npending < DELAY_SAMPLES) {
		l->pending[l->npending++] = t;
	} else {
		/* reservoir sampling: each event of the period equally likely */
		l->rng = l->rng * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t j = (l->rng >> 16) % l->pending_seen;

		if (j < DELAY_SAMPLES) {
			l->pending[j] = t;
		}
	}
}

struct live_sink {
	struct live *l;		   /* weak */
	bt_message_iterator *iter; /* owned */
};

static bt_component_class_initialize_method_status
sink_init(bt_self_component_sink *self, bt_self_component_sink_configuration *config,
	  const bt_value *params, void *init_data)
{
	struct live_sink *s = calloc(1, sizeof(*s));

	(void)config;
	(void)params;
	if (!s) {
		return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_MEMORY_ERROR;
	}
	s->l = init_data;
	if (bt_self_component_sink_add_input_port(self, "in", NULL, NULL) !=
	    BT_SELF_COMPONENT_ADD_PORT_STATUS_OK) {
		free(s);
		return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_ERROR;
	}
	bt_self_component_set_data(bt_self_component_sink_as_self_component(self), s);
	return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_OK;
}

static void sink_finalize(bt_self_component_sink *self)
{
	struct live_sink *s =
	    bt_self_component_get_data(bt_self_component_sink_as_self_component(self));

	if (s) {
		bt_message_iterator_put_ref(s->iter);
		free(s);
	}
}

static bt_component_class_sink_graph_is_configured_method_status
sink_configured(bt_self_component_sink *self)
{
	struct live_sink *s =
	    bt_self_component_get_data(bt_self_component_sink_as_self_component(self));

	if (bt_message_iterator_create_from_sink_component(
		self, bt_self_component_sink_borrow_input_port_by_name(self, "in"), &s->iter) !=
	    BT_MESSAGE_ITERATOR_CREATE_FROM_SINK_COMPONENT_STATUS_OK) {
		return BT_COMPONENT_CLASS_SINK_GRAPH_IS_CONFIGURED_METHOD_STATUS_ERROR;
	}
	return BT_COMPONENT_CLASS_SINK_GRAPH_IS_CONFIGURED_METHOD_STATUS_OK;
}

static bt_component_class_sink_consume_method_status sink_consume(bt_self_component_sink *self)
{
	struct live_sink *s =
	    bt_self_component_get_data(bt_self_component_sink_as_self_component(self));
	bt_message_array_const msgs;
	uint64_t count = 0;
	int failed = 0;

	switch (bt_message_iterator_next(s->iter, &msgs, &count)) {
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK:
		break;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_END:
		return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_END;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN:
		return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_AGAIN;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_MEMORY_ERROR:
		return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_MEMORY_ERROR;
	default:
		return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR;
	}
	s->l->messages += count;
	for (uint64_t i = 0; i < count; i++) {
		if (!failed) {
			if (bt_message_get_type(msgs[i]) == BT_MESSAGE_TYPE_EVENT) {
				note_event_time(s->l, msgs[i]);
			}
			if (bt2_adapter_feed(s->l->ad, msgs[i])) {
				snprintf(s->l->err, sizeof(s->l->err), "%s",
					 bt2_adapter_error(s->l->ad));
				failed = 1;
			}
		}
		bt_message_put_ref(msgs[i]);
	}
	return failed ? BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR
		      : BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_OK;
}

/* ---- The graph ---------------------------------------------------------- */

/* The deepest cause of the current thread's error, on one line. */
static void take_bt_error(char *buf, size_t len)
{
	const bt_error *err = bt_current_thread_take_error();

	buf[0] = '\0';
	if (!err) {
		return;
	}
	if (bt_error_get_cause_count(err) > 0) {
		const bt_error_cause *c = bt_error_borrow_cause_by_index(err, 0);

		snprintf(buf, len, "%s", bt_error_cause_get_message(c));
		for (char *p = buf; *p; p++) {
			if (*p == '\n') {
				*p = ' ';
			}
		}
	}
	bt_error_release(err);
}

static int build_graph(struct live *l, char *why, size_t whylen)
{
	const bt_plugin *ctf = NULL;
	const bt_component_class_source *src_cls = NULL;
	bt_component_class_sink *sink_cls = NULL;
	const bt_component_source *src = NULL;
	const bt_component_sink *sink = NULL;
	bt_value *params = NULL, *inputs = NULL;
	int ret = -1;

	if (bt_plugin_find("ctf", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE, &ctf) ==
	    BT_PLUGIN_FIND_STATUS_OK) {
		src_cls = bt_plugin_borrow_source_component_class_by_name_const(ctf, "lttng-live");
	}
	if (!src_cls) {
		bt_current_thread_clear_error();
		snprintf(why, whylen, "cannot find the Babeltrace2 plugin source.ctf.lttng-live");
		goto end;
	}
	sink_cls = bt_component_class_sink_create("rdv-live", sink_consume);
	l->graph = bt_graph_create(0);
	params = bt_value_map_create();
	if (!sink_cls || !l->graph || !params ||
	    bt_component_class_sink_set_initialize_method(sink_cls, sink_init) ||
	    bt_component_class_sink_set_finalize_method(sink_cls, sink_finalize) ||
	    bt_component_class_sink_set_graph_is_configured_method(sink_cls, sink_configured) ||
	    bt_value_map_insert_empty_array_entry(params, "inputs", &inputs) ||
	    bt_value_array_append_string_element(inputs, l->url) ||
	    /* "end", so that the session's end ends the graph ("continue" waits
	     * for a session of that name forever); a session not there yet is
	     * asked for again by the live thread */
	    bt_value_map_insert_string_entry(params, "session-not-found-action", "end")) {
		snprintf(why, whylen, "out of memory");
		goto end;
	}
	bt_graph_add_interrupter(l->graph, l->interrupter);
	if (bt_graph_add_source_component(l->graph, src_cls, "live", params, BT_LOGGING_LEVEL_NONE,
					  &src) != BT_GRAPH_ADD_COMPONENT_STATUS_OK ||
	    bt_graph_add_sink_component_with_initialize_method_data(
		l->graph, sink_cls, "rdv", NULL, l, BT_LOGGING_LEVEL_NONE, &sink) !=
		BT_GRAPH_ADD_COMPONENT_STATUS_OK ||
	    bt_graph_connect_ports(l->graph,
				   bt_component_source_borrow_output_port_by_index_const(src, 0),
				   bt_component_sink_borrow_input_port_by_index_const(sink, 0),
				   NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
		take_bt_error(why, whylen);
		if (!why[0]) {
			snprintf(why, whylen, "cannot build the Babeltrace2 graph");
		}
		goto end;
	}
	ret = 0;
end:
	if (ret) {
		bt_graph_put_ref(l->graph);
		l->graph = NULL;
	}
	bt_value_put_ref(params);
	bt_component_class_sink_put_ref(sink_cls);
	bt_plugin_put_ref(ctf);
	return ret;
}

static bool process_alive(pid_t pid)
{
	char path[64], buf[512];
	const char *paren;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f) {
		return false;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull)};

	nanosleep(&ts, NULL);
}

static void *live_thread(void *arg)
{
	struct live *l = arg;
	uint64_t next_publish = 0, cost;
	bool connected = false, exited = false;
	char why[400];

	while (!atomic_load(&l->stop)) {
		bt_graph_run_once_status st;
		uint64_t now;

		if (!l->graph) {
			if (build_graph(l, why, sizeof(why))) {
				set_state(l, LIVE_RELAY_GONE, why);
				break;
			}
		}
		st = bt_graph_run_once(l->graph);
		now = now_ns(CLOCK_MONOTONIC);
		if (st == BT_GRAPH_RUN_ONCE_STATUS_ERROR ||
		    st == BT_GRAPH_RUN_ONCE_STATUS_MEMORY_ERROR) {
			if (atomic_load(&l->stop)) {
				break;
			}
			take_bt_error(why, sizeof(why));
			if (l->err[0]) {
				snprintf(why, sizeof(why), "%.390s", l->err);
			}
			bt_graph_put_ref(l->graph);
			l->graph = NULL;
			if (l->messages == 0 && !l->err[0]) {
				/* no relay (yet) at that address: try again */
				set_state(l, LIVE_CONNECTING, why);
				for (uint64_t t = 0; t < RETRY_NS && !atomic_load(&l->stop);
				     t += 50000000ull) {
					sleep_ns(50000000ull);
				}
				continue;
			}
			publish(l);
			set_state(l, LIVE_RELAY_GONE, why[0] ? why : "connection lost");
			break;
		}
		if (st == BT_GRAPH_RUN_ONCE_STATUS_END && l->messages == 0) {
			/* the relay does not know the session (yet): ask again */
			bt_graph_put_ref(l->graph);
			l->graph = NULL;
			set_state(l, LIVE_CONNECTING, "no such session on the relay (yet)");
			for (uint64_t t = 0; t < RETRY_NS && !atomic_load(&l->stop);
			     t += 50000000ull) {
				sleep_ns(50000000ull);
			}
			continue;
		}
		if (st == BT_GRAPH_RUN_ONCE_STATUS_END) {
			publish(l);
			set_state(l,
				  l->opts.pid && !process_alive(l->opts.pid) ? LIVE_PROGRAM_EXITED
									     : LIVE_SESSION_ENDED,
				  NULL);
			break;
		}
		if (!connected && l->messages > 0) {
			connected = true;
			set_state(l, LIVE_RECEIVING, NULL);
		}
		if (now >= next_publish) {
			struct analysis_summary sum;

			analysis_get_summary(l->a, &sum);
			cost = sum.events != l->events_at_publish ? publish(l) : 0;
			/* at most ~20% of a core on snapshots, at least 4 a second */
			next_publish =
			    now + (cost * 4 > PUBLISH_MIN_NS ? cost * 4 : PUBLISH_MIN_NS);
			if (l->opts.pid && !exited && !process_alive(l->opts.pid)) {
				exited = true;
				set_state(l, LIVE_PROGRAM_EXITED, NULL);
			}
		}
		if (st == BT_GRAPH_RUN_ONCE_STATUS_AGAIN) {
			usleep(IDLE_SLEEP_US);
		}
	}
	return NULL;
}

/* ---- API --------------------------------------------------------------- */

static void live_free(struct live *l)
{
	if (!l) {
		return;
	}
	bt_graph_put_ref(l->graph);
	bt_interrupter_put_ref(l->interrupter);
	bt2_adapter_destroy(l->ad);
	analysis_destroy(l->a);
	for (size_t i = 0; i < l->nlanes; i++) {
		free(l->lanes[i].begin);
		free(l->lanes[i].end);
		free(l->lanes[i].state);
	}
	free(l->lanes);
	free(l->isos);
	free(l->pending);
	free(l->delay);
	if (l->snapshot) {
		timeline_model_close(l->snapshot);
		free(l->snapshot);
	}
	if (l->tmpdir[0]) {
		rmdir(l->tmpdir);
	}
	pthread_mutex_destroy(&l->mu);
	free(l);
}

int live_start(const struct live_options *o, struct live **out, char *err, size_t errlen)
{
	struct live *l = calloc(1, sizeof(*l));
	struct analysis_callbacks cb;
	const char *tmp = getenv("TMPDIR");

	*out = NULL;
	if (!l) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pthread_mutex_init(&l->mu, NULL);
	l->opts = *o;
	if (strncmp(o->url, "net://", 6) != 0 && strncmp(o->url, "net4://", 7) != 0 &&
	    strncmp(o->url, "net6://", 7) != 0) {
		snprintf(err, errlen,
			 "bad live URL '%s': want net://HOST[:PORT]/host/HOSTNAME/SESSION", o->url);
		goto error;
	}
	if (!strstr(o->url, "/host/")) {
		snprintf(err, errlen,
			 "bad live URL '%s': no /host/HOSTNAME/SESSION part (list the sessions "
			 "with: babeltrace2 --input-format=lttng-live net://HOST)",
			 o->url);
		goto error;
	}
	snprintf(l->url, sizeof(l->url), "%s", o->url);
	l->opts.url = l->url;
	l->window_ns = o->window_ns;
	l->rng = (uint64_t)getpid() * 2654435761u + 1;
	snprintf(l->tmpdir, sizeof(l->tmpdir), "%s/rdv-view-live-XXXXXX",
		 tmp && tmp[0] ? tmp : "/tmp");
	if (!mkdtemp(l->tmpdir)) {
		snprintf(err, errlen, "cannot create a temporary directory: %s", strerror(errno));
		l->tmpdir[0] = '\0';
		goto error;
	}
	memset(&cb, 0, sizeof(cb));
	cb.arg = l;
	cb.thread_added = on_thread_added;
	cb.thread_changed = on_thread_changed;
	cb.interval = on_interval;
	cb.isolation = on_isolation;
	l->pending = malloc(DELAY_SAMPLES * sizeof(*l->pending));
	l->delay = malloc(sizeof(*l->delay));
	l->interrupter = bt_interrupter_create();
	if (!l->pending || !l->delay || !l->interrupter || analysis_create(&cb, &l->a) ||
	    bt2_adapter_create(l->a, &l->ad)) {
		snprintf(err, errlen, "out of memory");
		goto error;
	}
	latency_dist_init(l->delay);
	l->status.state = LIVE_CONNECTING;
	if (pthread_create(&l->thread, NULL, live_thread, l) != 0) {
		snprintf(err, errlen, "cannot start the live thread");
		goto error;
	}
	*out = l;
	return 0;
error:
	live_free(l);
	return -1;
}

void live_stop(struct live *l)
{
	if (!l) {
		return;
	}
	atomic_store(&l->stop, true);
	bt_interrupter_set(l->interrupter);
	pthread_join(l->thread, NULL);
	live_free(l);
}

struct tl_model *live_take_snapshot(struct live *l)
{
	struct tl_model *m;

	pthread_mutex_lock(&l->mu);
	m = l->snapshot;
	l->snapshot = NULL;
	pthread_mutex_unlock(&l->mu);
	return m;
}

void live_get_status(struct live *l, struct live_status *out)
{
	pthread_mutex_lock(&l->mu);
	*out = l->status;
	pthread_mutex_unlock(&l->mu);
}

void live_set_window(struct live *l, uint64_t window_ns)
{
	pthread_mutex_lock(&l->mu);
	l->window_ns = window_ns;
	pthread_mutex_unlock(&l->mu);
}
