/* SPDX-License-Identifier: MIT */
/*
 * The summary of a recorded trace: a libbabeltrace2 graph
 * source.ctf.fs -> filter.utils.muxer -> a simple sink that counts. Reading
 * the library rather than parsing babeltrace2's text output keeps it exact
 * (discarded-event messages carry their count) and fast.
 */
#define _GNU_SOURCE
#include "summary.h"

#include <babeltrace2/babeltrace.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A set of 64-bit keys (vpid << 32 | vtid), open addressing. */
struct key_set {
	uint64_t *keys; /* owned by this; 0 is the empty slot, keys are + 1 */
	size_t cap, count;
};

static int key_set_add(struct key_set *set, uint64_t key)
{
	size_t i;

	key++;
	if (2 * (set->count + 1) > set->cap) {
		struct key_set bigger = {.cap = set->cap ? 2 * set->cap : 64};

		bigger.keys = calloc(bigger.cap, sizeof(*bigger.keys));
		if (!bigger.keys) {
			return -1;
		}
		for (i = 0; i < set->cap; i++) {
			if (set->keys[i]) {
				key_set_add(&bigger, set->keys[i] - 1);
			}
		}
		free(set->keys);
		*set = bigger;
	}
	for (i = (size_t)(key * 0x9e3779b97f4a7c15u) & (set->cap - 1); set->keys[i];
	     i = (i + 1) & (set->cap - 1)) {
		if (set->keys[i] == key) {
			return 0;
		}
	}
	set->keys[i] = key;
	set->count++;
	return 0;
}

struct counter {
	struct trace_summary *s;  /* weak */
	struct key_set threads;	  /* owned by this */
	struct key_set processes; /* owned by this */
	bool failed;
};

static int64_t integer_value(const bt_field *f)
{
	switch (bt_field_get_class_type(f)) {
	case BT_FIELD_CLASS_TYPE_SIGNED_INTEGER:
	case BT_FIELD_CLASS_TYPE_SIGNED_ENUMERATION:
		return bt_field_integer_signed_get_value(f);
	case BT_FIELD_CLASS_TYPE_UNSIGNED_INTEGER:
	case BT_FIELD_CLASS_TYPE_UNSIGNED_ENUMERATION:
		return (int64_t)bt_field_integer_unsigned_get_value(f);
	default:
		return -1;
	}
}

/* True when the enum field f has the label name. */
static bool enum_has_label(const bt_field *f, const char *name)
{
	bt_field_class_enumeration_mapping_label_array labels = NULL;
	uint64_t n = 0, i;

	if (!f) {
		return false;
	}
	if (bt_field_get_class_type(f) == BT_FIELD_CLASS_TYPE_UNSIGNED_ENUMERATION) {
		bt_field_enumeration_unsigned_get_mapping_labels(f, &labels, &n);
	} else if (bt_field_get_class_type(f) == BT_FIELD_CLASS_TYPE_SIGNED_ENUMERATION) {
		bt_field_enumeration_signed_get_mapping_labels(f, &labels, &n);
	}
	for (i = 0; i < n; i++) {
		if (strcmp(labels[i], name) == 0) {
			return true;
		}
	}
	return false;
}

static void count_event(struct counter *c, const bt_event *ev)
{
	const char *name = bt_event_class_get_name(bt_event_borrow_class_const(ev));
	const bt_field *ctx = bt_event_borrow_common_context_field_const(ev);
	const bt_field *payload = bt_event_borrow_payload_field_const(ev);
	int64_t vpid = -1, vtid = -1;

	if (!name || strncmp(name, "rdv:", 4) != 0) {
		return;
	}
	c->s->events++;
	if (strcmp(name, "rdv:mask_change") == 0 && payload &&
	    enum_has_label(bt_field_structure_borrow_member_field_by_name_const(payload, "op"),
			   "isolate_grant") &&
	    enum_has_label(bt_field_structure_borrow_member_field_by_name_const(payload, "mask"),
			   "harmless")) {
		c->s->grants++;
	}
	if (ctx && bt_field_get_class_type(ctx) == BT_FIELD_CLASS_TYPE_STRUCTURE) {
		const bt_field *f =
		    bt_field_structure_borrow_member_field_by_name_const(ctx, "vpid");

		vpid = f ? integer_value(f) : -1;
		f = bt_field_structure_borrow_member_field_by_name_const(ctx, "vtid");
		vtid = f ? integer_value(f) : -1;
	}
	if (key_set_add(&c->threads, (uint64_t)(uint32_t)vpid << 32 | (uint32_t)vtid) < 0 ||
	    key_set_add(&c->processes, (uint32_t)vpid) < 0) {
		c->failed = true;
	}
}

static bt_graph_simple_sink_component_consume_func_status consume(bt_message_iterator *it,
								  void *data)
{
	struct counter *c = data;
	bt_message_array_const msgs;
	uint64_t n, i;

	switch (bt_message_iterator_next(it, &msgs, &n)) {
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK:
		break;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_END:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_AGAIN;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_MEMORY_ERROR:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_MEMORY_ERROR;
	default:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
	}
	for (i = 0; i < n; i++) {
		uint64_t lost = 0;

		switch (bt_message_get_type(msgs[i])) {
		case BT_MESSAGE_TYPE_EVENT:
			count_event(c, bt_message_event_borrow_event_const(msgs[i]));
			break;
		case BT_MESSAGE_TYPE_DISCARDED_EVENTS:
			if (bt_message_discarded_events_get_count(msgs[i], &lost) ==
			    BT_PROPERTY_AVAILABILITY_AVAILABLE) {
				c->s->discarded += lost;
			}
			break;
		default:
			break;
		}
		bt_message_put_ref(msgs[i]);
	}
	return c->failed ? BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_MEMORY_ERROR
			 : BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK;
}

/* The CTF traces under a directory: each directory that holds a `metadata`
 * file (source.ctf.fs of babeltrace2 2.0 does not search; its CLI does). */
static char **trace_dirs; /* owned by trace_summary_read() */
static size_t trace_dir_count;

static int find_trace_dir(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	char **grown;

	(void)sb;
	if (type != FTW_F || strcmp(path + ftw->base, "metadata") != 0) {
		return 0;
	}
	grown = realloc(trace_dirs, (trace_dir_count + 1) * sizeof(*trace_dirs));
	if (!grown) {
		return -1;
	}
	trace_dirs = grown;
	trace_dirs[trace_dir_count] = strndup(path, (size_t)(ftw->base ? ftw->base - 1 : 0));
	if (!trace_dirs[trace_dir_count]) {
		return -1;
	}
	trace_dir_count++;
	return 0;
}

static const bt_component_class_source *find_source(const bt_plugin **plugin)
{
	if (bt_plugin_find("ctf", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE, plugin) !=
	    BT_PLUGIN_FIND_STATUS_OK) {
		return NULL;
	}
	return bt_plugin_borrow_source_component_class_by_name_const(*plugin, "fs");
}

static const bt_component_class_filter *find_muxer(const bt_plugin **plugin)
{
	if (bt_plugin_find("utils", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE, plugin) !=
	    BT_PLUGIN_FIND_STATUS_OK) {
		return NULL;
	}
	return bt_plugin_borrow_filter_component_class_by_name_const(*plugin, "muxer");
}

/* Adds one source.ctf.fs per trace directory, all into the muxer. */
static int add_sources(bt_graph *graph, const bt_component_class_source *fs_class,
		       const bt_component_filter *mux, uint64_t *mux_ports)
{
	size_t t;

	for (t = 0; t < trace_dir_count; t++) {
		const bt_component_source *src;
		bt_value *params = bt_value_map_create(), *inputs = NULL;
		char name[32];
		uint64_t i, n;
		int failed;

		snprintf(name, sizeof(name), "trace-%zu", t);
		failed = !params ||
			 bt_value_map_insert_empty_array_entry(params, "inputs", &inputs) ||
			 bt_value_array_append_string_element(inputs, trace_dirs[t]) ||
			 bt_graph_add_source_component(graph, fs_class, name, params,
						       BT_LOGGING_LEVEL_NONE, &src);
		bt_value_put_ref(params);
		if (failed) {
			return -1;
		}
		n = bt_component_source_get_output_port_count(src);
		for (i = 0; i < n; i++) {
			if (bt_graph_connect_ports(
				graph,
				bt_component_source_borrow_output_port_by_index_const(src, i),
				bt_component_filter_borrow_input_port_by_index_const(mux,
										     *mux_ports),
				NULL)) {
				return -1;
			}
			(*mux_ports)++; /* the muxer grows one input port per connection */
		}
	}
	return 0;
}

int trace_summary_read(const char *dir, struct trace_summary *s, char *err, size_t errlen)
{
	const bt_plugin *ctf = NULL, *utils = NULL;
	const bt_component_class_source *fs_class;
	const bt_component_class_filter *muxer_class;
	const bt_component_filter *mux;
	const bt_component_sink *sink;
	struct counter c = {.s = s};
	bt_graph *graph = NULL;
	bt_graph_run_status run;
	uint64_t mux_ports = 0;
	size_t t;
	int ret = -1;

	memset(s, 0, sizeof(*s));
	trace_dirs = NULL;
	trace_dir_count = 0;
	if (nftw(dir, find_trace_dir, 16, FTW_PHYS) < 0) {
		snprintf(err, errlen, "cannot search it for traces");
		goto end;
	}
	if (trace_dir_count == 0) {
		ret = 0; /* nothing was recorded: no stream was ever created */
		goto end;
	}
	fs_class = find_source(&ctf);
	muxer_class = find_muxer(&utils);
	if (!fs_class || !muxer_class) {
		snprintf(err, errlen, "babeltrace2 plugins ctf and utils not found");
		goto end;
	}
	graph = bt_graph_create(0);
	if (!graph ||
	    bt_graph_add_filter_component(graph, muxer_class, "muxer", NULL, BT_LOGGING_LEVEL_NONE,
					  &mux) ||
	    bt_graph_add_simple_sink_component(graph, "count", NULL, consume, NULL, &c, &sink)) {
		snprintf(err, errlen, "cannot build a babeltrace2 graph");
		goto end;
	}
	if (add_sources(graph, fs_class, mux, &mux_ports) < 0) {
		snprintf(err, errlen, "not a readable CTF trace (run 'babeltrace2 %s' for details)",
			 dir);
		goto end;
	}
	if (bt_graph_connect_ports(
		graph, bt_component_filter_borrow_output_port_by_index_const(mux, 0),
		bt_component_sink_borrow_input_port_by_index_const(sink, 0), NULL)) {
		snprintf(err, errlen, "cannot connect its streams");
		goto end;
	}
	do {
		run = bt_graph_run(graph);
		if (run == BT_GRAPH_RUN_STATUS_AGAIN) {
			usleep(1000);
		}
	} while (run == BT_GRAPH_RUN_STATUS_AGAIN);
	if (run != BT_GRAPH_RUN_STATUS_OK) {
		snprintf(err, errlen,
			 "babeltrace2 cannot read it (run 'babeltrace2 %s' for details)", dir);
		goto end;
	}
	s->threads = c.threads.count;
	s->processes = c.processes.count;
	ret = 0;
end:
	bt_current_thread_clear_error();
	bt_graph_put_ref(graph);
	bt_plugin_put_ref(ctf);
	bt_plugin_put_ref(utils);
	free(c.threads.keys);
	free(c.processes.keys);
	for (t = 0; t < trace_dir_count; t++) {
		free(trace_dirs[t]);
	}
	free(trace_dirs);
	trace_dirs = NULL;
	return ret;
}
