/* SPDX-License-Identifier: MIT */
#include "frontend.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metadata-check.h"
#include "sink.h"

#define MAX_DEPTH 8
#define MAX_TRACES 4096

struct frontend {
	bt_graph *graph;		   /* owned */
	bt_component_class_sink *sink_cls; /* owned */
	const bt_plugin *ctf, *utils;	   /* owned */
	struct session *session;	   /* weak */
	const char *single;		   /* weak: the only trace, named in errors */
	bool live;
};

/* ---- The trace-directory search ----------------------------------------- */

static int list_add(struct trace_list *l, const char *path)
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

void trace_list_free(struct trace_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i]);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool listed(const struct trace_list *l, const char *path)
{
	char *real = realpath(path, NULL);
	bool same = false;

	for (size_t i = 0; real && i < l->n && !same; i++) {
		char *other = realpath(l->v[i], NULL);

		same = other && strcmp(other, real) == 0;
		free(other);
	}
	free(real);
	return same;
}

/* Adds every directory under path (included) that holds a `metadata` file.
 * *entries counts what was seen, to tell an empty directory apart, *found
 * the traces (also those already listed). */
static int find_traces(const char *path, int depth, struct trace_list *out, size_t *entries,
		       size_t *found)
{
	char meta[4096];
	struct stat st;
	DIR *d;
	struct dirent *de;
	struct trace_list subs = {0};
	int ret = 0;

	snprintf(meta, sizeof(meta), "%s/metadata", path);
	if (stat(meta, &st) == 0 && S_ISREG(st.st_mode)) {
		(*entries)++;
		(*found)++;
		/* the same trace given twice (or through a link) is read once */
		if (listed(out, path) || out->n >= MAX_TRACES) {
			return 0;
		}
		return list_add(out, path);
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
			ret = list_add(&subs, sub);
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
	trace_list_free(&subs);
	return ret;
}

int frontend_find_traces(const char *const *paths, size_t n, struct trace_list *out, char *err,
			 size_t errlen)
{
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (n == 0) {
		snprintf(err, errlen, "no trace given");
		return -EINVAL;
	}
	for (size_t i = 0; i < n && !ret; i++) {
		const char *path = paths[i];
		size_t entries = 0, found = 0, first = out->n;
		struct stat st;

		if (stat(path, &st) != 0) {
			ret = -errno;
			snprintf(err, errlen, "cannot read trace '%s': %s", path, strerror(errno));
		} else if (!S_ISDIR(st.st_mode)) {
			ret = -ENOTDIR;
			snprintf(err, errlen,
				 "cannot read trace '%s': not a directory (a CTF trace is a "
				 "directory with a 'metadata' file)",
				 path);
		} else if ((ret = find_traces(path, 0, out, &entries, &found)) != 0) {
			snprintf(err, errlen, "cannot read trace '%s': %s", path, strerror(-ret));
		} else if (found == 0) {
			ret = -ENODATA;
			snprintf(err, errlen, "cannot read trace '%s': %s", path,
				 entries ? "no CTF trace found (no 'metadata' file)"
					 : "empty directory");
		}
		/* Babeltrace2 2.0 spins on some truncated metadata: check first. */
		for (size_t k = first; k < out->n && !ret; k++) {
			char meta[4200], why[512];

			snprintf(meta, sizeof(meta), "%s/metadata", out->v[k]);
			ret = metadata_check_file(meta, why, sizeof(why));
			if (ret) {
				snprintf(err, errlen, "cannot read trace '%s': %s", path, why);
			}
		}
	}
	if (ret) {
		trace_list_free(out);
	}
	return ret;
}

/* ---- The graph ---------------------------------------------------------- */

/* The first `quoted` path in a cause message, or NULL. */
static const char *quoted_path(const char *msg, size_t *len)
{
	const char *a = strchr(msg, '`'), *b = a ? strchr(a + 1, '`') : NULL;

	if (!a || !b || a[1] != '/') {
		return NULL;
	}
	*len = (size_t)(b - a - 1);
	return a + 1;
}

static bool contains(const char *s, const char *part, size_t len)
{
	for (; *s; s++) {
		if (strncmp(s, part, len) == 0) {
			return true;
		}
	}
	return false;
}

/* The deepest cause (the root) of the current thread's error, on one line,
 * with the file it names when a cause names one (Babeltrace2's root cause
 * says what, an outer one where); "" when there is none. Clears the
 * error. */
static void take_bt_error(char *buf, size_t len)
{
	const bt_error *err = bt_current_thread_take_error();
	uint64_t n;

	buf[0] = '\0';
	if (!err) {
		return;
	}
	n = bt_error_get_cause_count(err);
	if (n > 0) {
		const char *root =
		    bt_error_cause_get_message(bt_error_borrow_cause_by_index(err, 0));
		const char *path = NULL;
		size_t plen = 0;

		for (uint64_t i = 0; i < n && !path; i++) {
			path = quoted_path(
			    bt_error_cause_get_message(bt_error_borrow_cause_by_index(err, i)),
			    &plen);
		}
		if (path && !strstr(root, "`/") && !contains(root, path, plen)) {
			snprintf(buf, len, "%s (in '%.*s')", root, (int)plen, path);
		} else {
			snprintf(buf, len, "%s", root);
		}
		for (char *p = buf; *p; p++) {
			if (*p == '\n') {
				*p = ' ';
			}
		}
	}
	bt_error_release(err);
}

static const bt_plugin *find_plugin(const char *name)
{
	const bt_plugin *plugin = NULL;

	if (bt_plugin_find(name, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE, &plugin) !=
	    BT_PLUGIN_FIND_STATUS_OK) {
		bt_current_thread_clear_error();
		return NULL;
	}
	return plugin;
}

void frontend_close(struct frontend *f)
{
	if (!f) {
		return;
	}
	bt_graph_put_ref(f->graph); /* finalizes the sink */
	session_graph_gone(f->session);
	bt_component_class_sink_put_ref(f->sink_cls);
	bt_plugin_put_ref(f->ctf);
	bt_plugin_put_ref(f->utils);
	free(f);
}

/* The graph with its muxer and sink, no source yet. */
static int open_graph(struct session *s, struct frontend **out, const bt_component_filter **mux,
		      char *err, size_t errlen)
{
	struct frontend *f = calloc(1, sizeof(*f));
	const bt_component_class_filter *mux_cls = NULL;
	const bt_component_sink *sink = NULL;
	char why[400];

	*out = NULL;
	if (!f) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	f->session = s;
	f->ctf = find_plugin("ctf");
	f->utils = find_plugin("utils");
	if (f->utils) {
		mux_cls = bt_plugin_borrow_filter_component_class_by_name_const(f->utils, "muxer");
	}
	if (!f->ctf || !mux_cls) {
		snprintf(err, errlen,
			 "cannot find the Babeltrace2 plugins ctf and utils (package babeltrace2)");
		frontend_close(f);
		return -ENOENT;
	}
	f->sink_cls = rdv__sink_class_create();
	f->graph = bt_graph_create(0);
	if (!f->sink_cls || !f->graph) {
		snprintf(err, errlen, "out of memory");
		frontend_close(f);
		return -ENOMEM;
	}
	if (bt_graph_add_filter_component(f->graph, mux_cls, "muxer", NULL, BT_LOGGING_LEVEL_NONE,
					  mux) != BT_GRAPH_ADD_COMPONENT_STATUS_OK ||
	    bt_graph_add_sink_component_with_initialize_method_data(
		f->graph, f->sink_cls, "rdv", NULL, s, BT_LOGGING_LEVEL_NONE, &sink) !=
		BT_GRAPH_ADD_COMPONENT_STATUS_OK ||
	    bt_graph_connect_ports(f->graph,
				   bt_component_filter_borrow_output_port_by_index_const(*mux, 0),
				   bt_component_sink_borrow_input_port_by_index_const(sink, 0),
				   NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
		take_bt_error(why, sizeof(why));
		snprintf(err, errlen, "cannot build the Babeltrace2 graph: %s", why);
		frontend_close(f);
		return -EPROTO;
	}
	*out = f;
	return 0;
}

/* Adds a source (one trace, or the live session) and connects all its
 * ports to the muxer. */
static int add_source(struct frontend *f, const bt_component_filter *mux,
		      const bt_component_class_source *cls, const char *name, bt_value *params,
		      const char *what, char *err, size_t errlen)
{
	const bt_component_source *src = NULL;
	char why[400];

	if (bt_graph_add_source_component(f->graph, cls, name, params, BT_LOGGING_LEVEL_NONE,
					  &src) != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		take_bt_error(why, sizeof(why));
		/* source.ctf.fs gives no cause for a metadata parse error */
		snprintf(err, errlen, "cannot read trace '%s': %s%s", what,
			 strstr(why, "Cannot create trace") || !why[0]
			     ? "invalid CTF trace (corrupt metadata?): "
			     : "",
			 why[0] ? why : "no reason given");
		return -EPROTO;
	}
	for (uint64_t p = 0; p < bt_component_source_get_output_port_count(src); p++) {
		uint64_t nin = bt_component_filter_get_input_port_count(mux);

		if (bt_graph_connect_ports(
			f->graph, bt_component_source_borrow_output_port_by_index_const(src, p),
			bt_component_filter_borrow_input_port_by_index_const(mux, nin - 1),
			NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
			take_bt_error(why, sizeof(why));
			snprintf(err, errlen, "cannot read trace '%s': cannot connect: %s", what,
				 why);
			return -EPROTO;
		}
	}
	return 0;
}

static bt_value *inputs_params(const char *input)
{
	bt_value *params = bt_value_map_create(), *inputs = NULL;

	if (!params || bt_value_map_insert_empty_array_entry(params, "inputs", &inputs) ||
	    bt_value_array_append_string_element(inputs, input)) {
		bt_value_put_ref(params);
		return NULL;
	}
	return params;
}

/* The time range of a trace from the `babeltrace.trace-infos` query, to
 * turn timestamps into a progress fraction. Best effort. */
static void query_range(const bt_component_class_source *fs, const char *dir, int64_t *begin,
			int64_t *end)
{
	bt_value *params = inputs_params(dir);
	bt_query_executor *q = NULL;
	const bt_value *res = NULL;

	if (!params) {
		return;
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

int frontend_open_traces(const struct trace_list *traces, struct session *s, bool want_range,
			 struct frontend **out, char *err, size_t errlen)
{
	const bt_component_class_source *fs_cls;
	const bt_component_filter *mux;
	struct frontend *f;
	int64_t begin = 0, end = 0;
	int ret = open_graph(s, &f, &mux, err, errlen);

	*out = NULL;
	if (ret) {
		return ret;
	}
	fs_cls = bt_plugin_borrow_source_component_class_by_name_const(f->ctf, "fs");
	if (!fs_cls) {
		snprintf(err, errlen, "cannot find the Babeltrace2 component class source.ctf.fs");
		frontend_close(f);
		return -ENOENT;
	}
	f->single = traces->n == 1 ? traces->v[0] : NULL;
	for (size_t i = 0; i < traces->n && !ret; i++) {
		bt_value *params = inputs_params(traces->v[i]);
		char name[32];

		snprintf(name, sizeof(name), "source-%zu", i);
		if (!params) {
			snprintf(err, errlen, "out of memory");
			ret = -ENOMEM;
			break;
		}
		ret = add_source(f, mux, fs_cls, name, params, traces->v[i], err, errlen);
		bt_value_put_ref(params);
		if (!ret && want_range) {
			query_range(fs_cls, traces->v[i], &begin, &end);
		}
	}
	if (ret) {
		frontend_close(f);
		return ret;
	}
	session_set_range(s, begin, end);
	*out = f;
	return 0;
}

int frontend_open_live(const char *url, struct session *s, bt_interrupter *interrupter,
		       struct frontend **out, char *err, size_t errlen)
{
	const bt_component_class_source *cls;
	const bt_component_filter *mux;
	struct frontend *f;
	bt_value *params;
	int ret = open_graph(s, &f, &mux, err, errlen);

	*out = NULL;
	if (ret) {
		return ret;
	}
	f->live = true;
	f->single = url;
	cls = bt_plugin_borrow_source_component_class_by_name_const(f->ctf, "lttng-live");
	params = inputs_params(url);
	/* "end", so that the session's end ends the graph ("continue" waits for a
	 * session of that name forever); a session not there yet is asked for
	 * again by the caller */
	if (!cls || !params ||
	    bt_value_map_insert_string_entry(params, "session-not-found-action", "end")) {
		snprintf(err, errlen,
			 cls ? "out of memory"
			     : "cannot find the Babeltrace2 plugin source.ctf.lttng-live");
		bt_value_put_ref(params);
		frontend_close(f);
		return -ENOENT;
	}
	if (interrupter) {
		bt_graph_add_interrupter(f->graph, interrupter);
	}
	ret = add_source(f, mux, cls, "live", params, url, err, errlen);
	bt_value_put_ref(params);
	if (ret) {
		frontend_close(f);
		return ret;
	}
	*out = f;
	return 0;
}

/* Why the graph failed: the session's reason first (ours), else
 * Babeltrace2's deepest cause. */
static void run_error(struct frontend *f, char *err, size_t errlen)
{
	char why[400];

	take_bt_error(why, sizeof(why));
	if (session_error(f->session)[0]) {
		snprintf(err, errlen, "%s", session_error(f->session));
	} else if (f->single) {
		snprintf(err, errlen, "cannot read trace '%s': %s", f->single,
			 why[0] ? why : "decoding failed");
	} else {
		snprintf(err, errlen, "cannot read traces: %s", why[0] ? why : "decoding failed");
	}
}

enum frontend_step frontend_run_once(struct frontend *f, char *err, size_t errlen)
{
	switch (bt_graph_run_once(f->graph)) {
	case BT_GRAPH_RUN_ONCE_STATUS_OK:
		return FRONTEND_OK;
	case BT_GRAPH_RUN_ONCE_STATUS_AGAIN:
		return FRONTEND_AGAIN;
	case BT_GRAPH_RUN_ONCE_STATUS_END:
		return FRONTEND_END;
	default:
		run_error(f, err, errlen);
		return FRONTEND_ERROR;
	}
}

int frontend_run(struct frontend *f, char *err, size_t errlen)
{
	for (;;) {
		bt_graph_run_status st = bt_graph_run(f->graph);

		if (st == BT_GRAPH_RUN_STATUS_OK) {
			break;
		}
		if (st == BT_GRAPH_RUN_STATUS_AGAIN) {
			usleep(1000);
			continue;
		}
		run_error(f, err, errlen);
		return -1;
	}
	if (session_finishes_at_end(f->session) && !session_ended(f->session)) {
		snprintf(err, errlen, "the graph ended before the end of the trace");
		return -1;
	}
	return 0;
}
