/* SPDX-License-Identifier: MIT */
/*
 * rdv_analyze_run(): the graph `babeltrace2 TRACE… -c sink.rdv.analyze`
 * would build, in-process: one source.ctf.fs per CTF trace found under the
 * inputs (a directory holding a `metadata` file, as LTTng writes them per
 * UID/bitness or per PID), a flt.utils.muxer merging them by time, and our
 * sink (sink.c).
 */
#include "rdv-analyze.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <babeltrace2/babeltrace.h>

#include "session.h"
#include "sink.h"

#define MAX_DEPTH 8
#define MAX_TRACES 4096

struct dirlist {
	char **v;
	size_t n, cap;
};

static int dirlist_add(struct dirlist *l, const char *path)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 8;
		char **nv = realloc(l->v, ncap * sizeof(*nv));

		if (!nv) {
			return -ENOMEM;
		}
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n] = strdup(path);
	if (!l->v[l->n]) {
		return -ENOMEM;
	}
	l->n++;
	return 0;
}

static void dirlist_free(struct dirlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i]);
	}
	free(l->v);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds every directory under path (included) that holds a `metadata` file.
 * *entries counts what was seen, to tell an empty directory apart, *found
 * the traces (also those already listed). */
static int find_traces(const char *path, int depth, struct dirlist *out, size_t *entries,
		       size_t *found)
{
	char meta[4096];
	struct stat st;
	DIR *d;
	struct dirent *de;
	struct dirlist subs = {0};
	int ret = 0;

	snprintf(meta, sizeof(meta), "%s/metadata", path);
	if (stat(meta, &st) == 0 && S_ISREG(st.st_mode)) {
		char *real = realpath(path, NULL);

		(*entries)++;
		(*found)++;
		/* the same trace given twice (or through a link) is read once */
		for (size_t i = 0; real && i < out->n; i++) {
			char *other = realpath(out->v[i], NULL);
			int same = other && strcmp(other, real) == 0;

			free(other);
			if (same) {
				free(real);
				return 0;
			}
		}
		free(real);
		return out->n < MAX_TRACES ? dirlist_add(out, path) : 0;
	}
	if (depth >= MAX_DEPTH) {
		return 0;
	}
	d = opendir(path);
	if (!d) {
		return depth == 0 ? -errno : 0;
	}
	while ((de = readdir(d))) {
		char sub[4096];

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
			continue;
		}
		(*entries)++;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) >= sizeof(sub)) {
			continue;
		}
		if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
			ret = dirlist_add(&subs, sub);
			if (ret) {
				break;
			}
		}
	}
	closedir(d);
	/* sorted: the same graph whatever the directory order */
	qsort(subs.v, subs.n, sizeof(*subs.v), cmp_str);
	for (size_t i = 0; i < subs.n && !ret; i++) {
		ret = find_traces(subs.v[i], depth + 1, out, entries, found);
	}
	dirlist_free(&subs);
	return ret;
}

/* The deepest cause (the root) of the current thread's error, on one line. */
static void take_bt_error(char *buf, size_t len)
{
	const bt_error *err = bt_current_thread_take_error();
	uint64_t n;

	if (!err) {
		return;
	}
	n = bt_error_get_cause_count(err);
	if (n > 0) {
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

static void fail(char *errbuf, size_t errlen, const char *trace, const char *fmt, const char *why)
{
	char reason[400];

	snprintf(reason, sizeof(reason), fmt, why);
	if (trace) {
		snprintf(errbuf, errlen, "cannot read trace '%s': %s", trace, reason);
	} else {
		snprintf(errbuf, errlen, "%s", reason);
	}
}

static const bt_plugin *find_plugin(const char *name)
{
	const bt_plugin *plugin = NULL;

	if (bt_plugin_find(name, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE, &plugin) !=
	    BT_PLUGIN_FIND_STATUS_OK) {
		return NULL;
	}
	return plugin;
}

/* The time range of a trace from the `babeltrace.trace-infos` query, to
 * turn timestamps into a progress fraction. Best effort. */
static void query_range(const bt_component_class_source *fs, const char *dir, int64_t *begin,
			int64_t *end)
{
	bt_value *params = bt_value_map_create(), *inputs = NULL;
	bt_query_executor *q = NULL;
	const bt_value *res = NULL;

	if (!params || bt_value_map_insert_empty_array_entry(params, "inputs", &inputs) ||
	    bt_value_array_append_string_element(inputs, dir)) {
		goto end;
	}
	q = bt_query_executor_create(bt_component_class_source_as_component_class_const(fs),
				     "babeltrace.trace-infos", params);
	if (!q || bt_query_executor_query(q, &res) != BT_QUERY_EXECUTOR_QUERY_STATUS_OK) {
		bt_current_thread_clear_error();
		goto end;
	}
	for (uint64_t i = 0; i < bt_value_array_get_length(res); i++) {
		const bt_value *ti = bt_value_array_borrow_element_by_index_const(res, i);
		const bt_value *ss = bt_value_map_borrow_entry_value_const(ti, "stream-infos");

		for (uint64_t j = 0; ss && j < bt_value_array_get_length(ss); j++) {
			const bt_value *si = bt_value_array_borrow_element_by_index_const(ss, j);
			const bt_value *r = bt_value_map_borrow_entry_value_const(si, "range-ns");
			const bt_value *b =
			    r ? bt_value_map_borrow_entry_value_const(r, "begin") : NULL;
			const bt_value *e =
			    r ? bt_value_map_borrow_entry_value_const(r, "end") : NULL;

			if (b && e && bt_value_is_signed_integer(b) &&
			    bt_value_is_signed_integer(e)) {
				int64_t bv = bt_value_integer_signed_get(b);
				int64_t ev = bt_value_integer_signed_get(e);

				if (*begin == 0 || bv < *begin) {
					*begin = bv;
				}
				if (ev > *end) {
					*end = ev;
				}
			}
		}
	}
end:
	bt_value_put_ref(res);
	bt_query_executor_put_ref(q);
	bt_value_put_ref(params);
}

int rdv_analyze_run(const struct rdv_analyze_options *opts, char *errbuf, size_t errlen)
{
	struct dirlist traces = {0};
	const bt_plugin *ctf = NULL, *utils = NULL;
	const bt_component_class_source *fs_cls = NULL;
	const bt_component_class_filter *mux_cls = NULL;
	bt_component_class_sink *sink_cls = NULL;
	bt_graph *graph = NULL;
	const bt_component_filter *mux = NULL;
	const bt_component_sink *sink = NULL;
	struct session *session = NULL;
	int64_t range_begin = 0, range_end = 0;
	int ret = -1;
	char why[400] = "";

	errbuf[0] = '\0';
	if (!opts || opts->ntraces == 0) {
		fail(errbuf, errlen, NULL, "%s", "no trace given");
		return -1;
	}
	for (size_t i = 0; i < opts->ntraces; i++) {
		const char *path = opts->traces[i];
		struct stat st;
		size_t entries = 0, found = 0;
		int r;

		if (stat(path, &st) != 0) {
			fail(errbuf, errlen, path, "%s", strerror(errno));
			goto end;
		}
		if (!S_ISDIR(st.st_mode)) {
			fail(errbuf, errlen, path, "%s",
			     "not a directory (a CTF trace is a directory with a 'metadata' file)");
			goto end;
		}
		r = find_traces(path, 0, &traces, &entries, &found);
		if (r) {
			fail(errbuf, errlen, path, "%s", strerror(-r));
			goto end;
		}
		if (entries == 0) {
			fail(errbuf, errlen, path, "%s", "empty directory");
			goto end;
		}
		if (found == 0) {
			fail(errbuf, errlen, path, "%s", "no CTF trace found (no 'metadata' file)");
			goto end;
		}
	}

	ctf = find_plugin("ctf");
	utils = find_plugin("utils");
	if (ctf) {
		fs_cls = bt_plugin_borrow_source_component_class_by_name_const(ctf, "fs");
	}
	if (utils) {
		mux_cls = bt_plugin_borrow_filter_component_class_by_name_const(utils, "muxer");
	}
	if (!fs_cls || !mux_cls) {
		bt_current_thread_clear_error();
		fail(errbuf, errlen, NULL, "%s",
		     "cannot find the Babeltrace2 plugins source.ctf.fs and flt.utils.muxer");
		goto end;
	}
	if (session_create(opts, &session, errbuf, errlen)) {
		goto end;
	}
	sink_cls = rdv__sink_class_create();
	graph = bt_graph_create(0);
	if (!sink_cls || !graph) {
		fail(errbuf, errlen, NULL, "%s", "out of memory");
		goto end;
	}
	if (bt_graph_add_filter_component(graph, mux_cls, "muxer", NULL, BT_LOGGING_LEVEL_NONE,
					  &mux) != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		take_bt_error(why, sizeof(why));
		fail(errbuf, errlen, NULL, "cannot create the muxer: %s", why);
		goto end;
	}
	for (size_t i = 0; i < traces.n; i++) {
		bt_value *params = bt_value_map_create(), *inputs = NULL;
		const bt_component_source *src = NULL;
		char name[32];
		bt_graph_add_component_status st;

		if (!params || bt_value_map_insert_empty_array_entry(params, "inputs", &inputs) ||
		    bt_value_array_append_string_element(inputs, traces.v[i])) {
			bt_value_put_ref(params);
			fail(errbuf, errlen, NULL, "%s", "out of memory");
			goto end;
		}
		snprintf(name, sizeof(name), "source-%zu", i);
		st = bt_graph_add_source_component(graph, fs_cls, name, params,
						   BT_LOGGING_LEVEL_NONE, &src);
		bt_value_put_ref(params);
		if (st != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
			take_bt_error(why, sizeof(why));
			/* source.ctf.fs gives no cause for a metadata parse error */
			fail(errbuf, errlen, traces.v[i],
			     strstr(why, "Cannot create trace")
				 ? "invalid CTF trace (corrupt metadata?): %s"
				 : "%s",
			     why[0] ? why : "invalid CTF trace");
			goto end;
		}
		for (uint64_t p = 0; p < bt_component_source_get_output_port_count(src); p++) {
			const bt_port_output *out =
			    bt_component_source_borrow_output_port_by_index_const(src, p);
			uint64_t nin = bt_component_filter_get_input_port_count(mux);
			const bt_port_input *in =
			    bt_component_filter_borrow_input_port_by_index_const(mux, nin - 1);

			if (bt_graph_connect_ports(graph, out, in, NULL) !=
			    BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
				take_bt_error(why, sizeof(why));
				fail(errbuf, errlen, traces.v[i], "cannot connect: %s", why);
				goto end;
			}
		}
		if (opts->progress) {
			query_range(fs_cls, traces.v[i], &range_begin, &range_end);
		}
	}
	session_set_range(session, range_begin, range_end);
	if (bt_graph_add_sink_component_with_initialize_method_data(
		graph, sink_cls, "rdv", NULL, session, BT_LOGGING_LEVEL_NONE, &sink) !=
		BT_GRAPH_ADD_COMPONENT_STATUS_OK ||
	    bt_graph_connect_ports(graph,
				   bt_component_filter_borrow_output_port_by_index_const(mux, 0),
				   bt_component_sink_borrow_input_port_by_index_const(sink, 0),
				   NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
		take_bt_error(why, sizeof(why));
		fail(errbuf, errlen, NULL, "cannot build the graph: %s", why);
		goto end;
	}
	for (;;) {
		bt_graph_run_status st = bt_graph_run(graph);

		if (st == BT_GRAPH_RUN_STATUS_OK) {
			break;
		}
		if (st == BT_GRAPH_RUN_STATUS_AGAIN) {
			usleep(1000);
			continue;
		}
		if (session_error(session)[0]) {
			bt_current_thread_clear_error();
			snprintf(errbuf, errlen, "%s", session_error(session));
		} else {
			take_bt_error(why, sizeof(why));
			fail(errbuf, errlen, traces.n == 1 ? traces.v[0] : NULL,
			     traces.n == 1 ? "%s" : "cannot read traces: %s",
			     why[0] ? why : "decoding failed");
		}
		goto end;
	}
	if (!session_ended(session)) {
		fail(errbuf, errlen, NULL, "%s", "the graph ended before the end of the trace");
		goto end;
	}
	ret = 0;
end:
	bt_graph_put_ref(graph); /* finalizes the sink before the session goes */
	session_destroy(session);
	bt_component_class_sink_put_ref(sink_cls);
	bt_plugin_put_ref(ctf);
	bt_plugin_put_ref(utils);
	dirlist_free(&traces);
	return ret;
}
