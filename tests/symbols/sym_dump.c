/* SPDX-License-Identifier: MIT */
/*
 * sym_dump: reads an LTTng trace with libbabeltrace2, feeds its statedump
 * and dynamic-loader events to the symbolization module (symbols.h) as
 * symbols.h says an adapter must, resolves every rdv:mask_change `caller`
 * when its event is read, and prints each distinct (vpid, caller) once:
 *
 *   site <TAB> vpid <TAB> 0xaddress <TAB> object|- <TAB> 0xoffset <TAB>
 *        function|- <TAB> file|- <TAB> line
 *
 * then, per vpid, `probe` lines of the same form for addresses that no
 * process maps (0x10 and 0xfffffffffffff000), and a `stats` line.
 *
 * usage: sym_dump TRACE_DIR [--prefix DIR] [--debug-dir DIR] [--vpid N]...
 *                 [--bench N] [--decode-only]
 * --bench N: after the trace, N resolves of the trace's callers (the cache
 * hit path) and a cold table fed the same map resolving each once (the
 * miss path); prints `bench hit_resolves_per_s=… cold_resolves_per_s=…`.
 * --decode-only: decode the trace and look at event names, nothing more
 * (the floor the symbolization's cost is measured against); prints the
 * time taken as `decode_s=…` (with or without it).
 */
#define _GNU_SOURCE
#include <babeltrace2/babeltrace.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "symbols.h"

/* A map event as read, replayed into the cold table by --bench. */
enum map_op { OP_BEGIN, OP_END, OP_ADD, OP_BUILD_ID, OP_DEBUG_LINK, OP_REMOVE };
struct map_event {
	enum map_op op;
	int64_t vpid;
	uint64_t base, memsz;
	char *str;
	uint8_t id[64];
	size_t idlen;
	uint32_t crc;
};

struct seen {
	int64_t vpid;
	uint64_t addr;
	const struct sym_site *site;
};

#define SEEN_SLOTS 65536
struct dump {
	struct sym_table *t;
	struct seen *seen;
	size_t nseen, capseen;
	size_t slot[SEEN_SLOTS]; /* 1 + index in seen, 0: empty */
	struct map_event *map;
	size_t nmap, capmap;
	int64_t *vpids;
	size_t nvpids;
	int failed;
	int decode_only;
	uint64_t events;
};

static char *traces[64];
static size_t ntraces;

static int find_metadata(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	if (flag == FTW_F && strcmp(path + ftw->base, "metadata") == 0 && ntraces < 64) {
		traces[ntraces] = strndup(path, (size_t)(ftw->base - 1));
		ntraces++;
	}
	return 0;
}

static const bt_field *payload(const bt_event *ev, const char *name)
{
	const bt_field *p = bt_event_borrow_payload_field_const(ev);

	return p ? bt_field_structure_borrow_member_field_by_name_const(p, name) : NULL;
}

static uint64_t payload_u64(const bt_event *ev, const char *name, int *ok)
{
	const bt_field *f = payload(ev, name);

	if (!f) {
		*ok = 0;
		return 0;
	}
	if (bt_field_class_type_is(bt_field_get_class_type(f),
				   BT_FIELD_CLASS_TYPE_SIGNED_INTEGER)) {
		return (uint64_t)bt_field_integer_signed_get_value(f);
	}
	return bt_field_integer_unsigned_get_value(f);
}

static const char *payload_str(const bt_event *ev, const char *name)
{
	const bt_field *f = payload(ev, name);

	return f && bt_field_get_class_type(f) == BT_FIELD_CLASS_TYPE_STRING
		   ? bt_field_string_get_value(f)
		   : NULL;
}

static int event_vpid(const bt_event *ev, int64_t *vpid)
{
	const bt_field *ctx = bt_event_borrow_common_context_field_const(ev);
	const bt_field *f =
	    ctx ? bt_field_structure_borrow_member_field_by_name_const(ctx, "vpid") : NULL;

	if (!f) {
		return -1;
	}
	*vpid = bt_field_integer_signed_get_value(f);
	return 0;
}

static int wanted(const struct dump *d, int64_t vpid)
{
	if (d->nvpids == 0) {
		return 1;
	}
	for (size_t i = 0; i < d->nvpids; i++) {
		if (d->vpids[i] == vpid) {
			return 1;
		}
	}
	return 0;
}

static void apply(struct sym_table *t, const struct map_event *m)
{
	switch (m->op) {
	case OP_BEGIN:
		sym_statedump_begin(t, m->vpid);
		break;
	case OP_END:
		sym_statedump_end(t, m->vpid);
		break;
	case OP_ADD:
		sym_add_object(t, m->vpid, m->base, m->memsz, m->str);
		break;
	case OP_BUILD_ID:
		sym_set_build_id(t, m->vpid, m->base, m->id, m->idlen);
		break;
	case OP_DEBUG_LINK:
		sym_set_debug_link(t, m->vpid, m->base, m->str, m->crc);
		break;
	case OP_REMOVE:
		sym_remove_object(t, m->vpid, m->base);
		break;
	}
}

static void map_event(struct dump *d, const struct map_event *m)
{
	if (d->nmap == d->capmap) {
		d->capmap = d->capmap ? 2 * d->capmap : 256;
		d->map = realloc(d->map, d->capmap * sizeof(*d->map));
		if (!d->map) {
			abort();
		}
	}
	d->map[d->nmap] = *m;
	if (m->str) {
		d->map[d->nmap].str = strdup(m->str);
	}
	d->nmap++;
	apply(d->t, m);
}

/* The statedump, lttng_ust_lib and lttng_ust_dl events -> symbols.h. */
static void feed_map(struct dump *d, const char *name, const bt_event *ev, int64_t vpid)
{
	struct map_event m = {.vpid = vpid};
	const char *prov = strchr(name, ':');
	int ok = 1;

	if (!prov) {
		return;
	}
	prov++;
	if (strcmp(name, "lttng_ust_statedump:start") == 0) {
		m.op = OP_BEGIN;
	} else if (strcmp(name, "lttng_ust_statedump:end") == 0) {
		m.op = OP_END;
	} else if (strcmp(name, "lttng_ust_statedump:bin_info") == 0 ||
		   strcmp(name, "lttng_ust_lib:load") == 0 ||
		   strcmp(name, "lttng_ust_dl:dlopen") == 0 ||
		   strcmp(name, "lttng_ust_dl:dlmopen") == 0) {
		m.op = OP_ADD;
		m.base = payload_u64(ev, "baddr", &ok);
		m.memsz = payload_u64(ev, "memsz", &ok);
		m.str = (char *)payload_str(ev, "path");
		if (!ok || !m.str) {
			return;
		}
	} else if (strcmp(prov, "build_id") == 0) {
		const bt_field *f = payload(ev, "build_id");
		uint64_t n;

		m.op = OP_BUILD_ID;
		m.base = payload_u64(ev, "baddr", &ok);
		if (!ok || !f ||
		    !bt_field_class_type_is(bt_field_get_class_type(f),
					    BT_FIELD_CLASS_TYPE_DYNAMIC_ARRAY)) {
			return;
		}
		n = bt_field_array_get_length(f);
		if (n == 0 || n > sizeof(m.id)) {
			return;
		}
		for (uint64_t i = 0; i < n; i++) {
			m.id[i] = (uint8_t)bt_field_integer_unsigned_get_value(
			    bt_field_array_borrow_element_field_by_index_const(f, i));
		}
		m.idlen = (size_t)n;
	} else if (strcmp(prov, "debug_link") == 0) {
		m.op = OP_DEBUG_LINK;
		m.base = payload_u64(ev, "baddr", &ok);
		m.crc = (uint32_t)payload_u64(ev, "crc", &ok);
		m.str = (char *)payload_str(ev, "filename");
		if (!ok || !m.str) {
			return;
		}
	} else if (strcmp(name, "lttng_ust_lib:unload") == 0) {
		/* (lttng_ust_dl:dlclose is left out: see sym_remove_object()) */
		m.op = OP_REMOVE;
		m.base = payload_u64(ev, "baddr", &ok);
		if (!ok) {
			return;
		}
	} else {
		return;
	}
	map_event(d, &m);
}

static void feed_caller(struct dump *d, const bt_event *ev, int64_t vpid)
{
	const struct sym_site *s;
	int ok = 1;
	uint64_t caller = payload_u64(ev, "caller", &ok);

	if (!ok || caller == 0) {
		return;
	}
	if (sym_resolve(d->t, vpid, caller, &s) != 0 || !s || s->address != caller) {
		fprintf(stderr, "sym_dump: sym_resolve failed at 0x%" PRIx64 "\n", caller);
		d->failed = 1;
		return;
	}
	/* (vpid, caller) -> index in seen, open addressing: the bookkeeping of
	 * this tool must not weigh in the benchmark */
	{
		size_t h =
		    (size_t)((caller ^ (uint64_t)vpid * 0x9e3779b97f4a7c15) * 0xff51afd7ed558ccd >>
			     40) %
		    SEEN_SLOTS;

		while (d->slot[h]) {
			struct seen *e = &d->seen[d->slot[h] - 1];

			if (e->vpid == vpid && e->addr == caller) {
				e->site = s; /* the latest answer */
				return;
			}
			h = (h + 1) % SEEN_SLOTS;
		}
		if (d->nseen == SEEN_SLOTS / 2) {
			fprintf(stderr, "sym_dump: too many distinct callers\n");
			d->failed = 1;
			return;
		}
		if (d->nseen == d->capseen) {
			d->capseen = d->capseen ? 2 * d->capseen : 64;
			d->seen = realloc(d->seen, d->capseen * sizeof(*d->seen));
			if (!d->seen) {
				abort();
			}
		}
		d->seen[d->nseen++] = (struct seen){vpid, caller, s};
		d->slot[h] = d->nseen;
	}
}

static bt_graph_simple_sink_component_initialize_func_status sink_init(bt_message_iterator *it,
								       void *data)
{
	(void)it;
	(void)data;
	return BT_GRAPH_SIMPLE_SINK_COMPONENT_INITIALIZE_FUNC_STATUS_OK;
}

static bt_graph_simple_sink_component_consume_func_status sink_consume(bt_message_iterator *it,
								       void *data)
{
	struct dump *d = data;
	bt_message_array_const msgs;
	uint64_t n;

	switch (bt_message_iterator_next(it, &msgs, &n)) {
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK:
		break;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_END:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_AGAIN;
	default:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
	}
	for (uint64_t i = 0; i < n; i++) {
		if (bt_message_get_type(msgs[i]) == BT_MESSAGE_TYPE_EVENT) {
			const bt_event *ev = bt_message_event_borrow_event_const(msgs[i]);
			const char *name = bt_event_class_get_name(bt_event_borrow_class_const(ev));
			int64_t vpid;

			if (name && event_vpid(ev, &vpid) == 0) {
				d->events++;
				if (d->decode_only) {
					/* nothing */
				} else if (strcmp(name, "rdv:mask_change") == 0) {
					feed_caller(d, ev, vpid);
				} else if (strncmp(name, "lttng_ust_", 10) == 0) {
					feed_map(d, name, ev, vpid);
				}
			}
		}
		bt_message_put_ref(msgs[i]);
	}
	return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK;
}

static int read_trace(struct dump *d, const char *dir)
{
	const bt_plugin *ctf = NULL, *utils = NULL;
	bt_graph *graph = bt_graph_create(0);
	const bt_component_filter *mux = NULL;
	const bt_component_sink *sink = NULL;
	int rc = -1;

	if (nftw(dir, find_metadata, 16, FTW_PHYS) != 0 || ntraces == 0) {
		fprintf(stderr, "sym_dump: no CTF trace under '%s'\n", dir);
		goto end;
	}
	if (!graph ||
	    bt_plugin_find("ctf", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE, &ctf) !=
		BT_PLUGIN_FIND_STATUS_OK ||
	    bt_plugin_find("utils", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE, &utils) !=
		BT_PLUGIN_FIND_STATUS_OK) {
		fprintf(stderr, "sym_dump: cannot find the ctf and utils plugins\n");
		goto end;
	}
	if (bt_graph_add_filter_component(
		graph, bt_plugin_borrow_filter_component_class_by_name_const(utils, "muxer"), "mux",
		NULL, BT_LOGGING_LEVEL_NONE, &mux) != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		goto end;
	}
	for (size_t i = 0; i < ntraces; i++) {
		bt_value *params = bt_value_map_create(), *inputs = NULL;
		const bt_component_source *src = NULL;
		char name[32];

		snprintf(name, sizeof(name), "src%zu", i);
		if (!params || bt_value_map_insert_empty_array_entry(params, "inputs", &inputs) ||
		    bt_value_array_append_string_element(inputs, traces[i]) ||
		    bt_graph_add_source_component(
			graph, bt_plugin_borrow_source_component_class_by_name_const(ctf, "fs"),
			name, params, BT_LOGGING_LEVEL_NONE,
			&src) != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
			bt_value_put_ref(params);
			fprintf(stderr, "sym_dump: cannot open trace '%s'\n", traces[i]);
			goto end;
		}
		bt_value_put_ref(params);
		for (uint64_t p = 0; p < bt_component_source_get_output_port_count(src); p++) {
			char in[32];

			snprintf(in, sizeof(in), "in%zu_%" PRIu64, i, p);
			if (bt_graph_connect_ports(
				graph,
				bt_component_source_borrow_output_port_by_index_const(src, p),
				bt_component_filter_borrow_input_port_by_index_const(
				    mux, bt_component_filter_get_input_port_count(mux) - 1),
				NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
				goto end;
			}
		}
	}
	if (bt_graph_add_simple_sink_component(graph, "sink", sink_init, sink_consume, NULL, d,
					       &sink) != BT_GRAPH_ADD_COMPONENT_STATUS_OK ||
	    bt_graph_connect_ports(graph,
				   bt_component_filter_borrow_output_port_by_index_const(mux, 0),
				   bt_component_sink_borrow_input_port_by_index_const(sink, 0),
				   NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
		goto end;
	}
	for (;;) {
		bt_graph_run_status st = bt_graph_run(graph);

		if (st == BT_GRAPH_RUN_STATUS_OK) {
			break;
		}
		if (st != BT_GRAPH_RUN_STATUS_AGAIN) {
			fprintf(stderr, "sym_dump: cannot decode the trace\n");
			goto end;
		}
		usleep(1000);
	}
	rc = 0;
end:
	bt_graph_put_ref(graph);
	bt_plugin_put_ref(ctf);
	bt_plugin_put_ref(utils);
	return rc;
}

static void print_site(const char *kind, int64_t vpid, const struct sym_site *s)
{
	printf("%s\t%" PRId64 "\t0x%" PRIx64 "\t%s\t0x%" PRIx64 "\t%s\t%s\t%u\n", kind, vpid,
	       s->address, s->object ? s->object : "-", s->offset, s->function ? s->function : "-",
	       s->file ? s->file : "-", s->line);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void bench(struct dump *d, const struct sym_options *opt, long n)
{
	const struct sym_site *s;
	volatile unsigned sink = 0;
	double t0, hit, cold;
	struct sym_table *t;

	if (d->nseen == 0) {
		printf("bench none\n");
		return;
	}
	t0 = now_s();
	for (long i = 0; i < n; i++) {
		const struct seen *e = &d->seen[(size_t)i % d->nseen];

		if (sym_resolve(d->t, e->vpid, e->addr, &s) == 0) {
			sink += s->line;
		}
	}
	hit = now_s() - t0;
	/* cold: a new table, the same map, every caller resolved once
	 * (opening files and reading DWARF included) */
	t0 = now_s();
	t = sym_table_create(opt);
	for (size_t i = 0; t && i < d->nmap; i++) {
		apply(t, &d->map[i]);
	}
	for (size_t i = 0; t && i < d->nseen; i++) {
		if (sym_resolve(t, d->seen[i].vpid, d->seen[i].addr, &s) == 0) {
			sink += s->line;
		}
	}
	cold = now_s() - t0;
	sym_table_destroy(t);
	printf("bench hit_resolves=%ld hit_ns_per_resolve=%.1f hit_resolves_per_s=%.0f "
	       "cold_sites=%zu cold_ms=%.2f cold_resolves_per_s=%.0f\n",
	       n, hit * 1e9 / (double)n, (double)n / hit, d->nseen, cold * 1e3,
	       (double)d->nseen / cold);
	(void)sink;
}

int main(int argc, char **argv)
{
	struct sym_options opt = {0};
	static struct dump d;
	struct sym_stats st;
	const char *dir = NULL;
	long bench_n = 0;
	double t0;
	int rc = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--prefix") == 0 && i + 1 < argc) {
			opt.target_prefix = argv[++i];
		} else if (strcmp(argv[i], "--debug-dir") == 0 && i + 1 < argc) {
			opt.debug_dir = argv[++i];
		} else if (strcmp(argv[i], "--vpid") == 0 && i + 1 < argc) {
			d.vpids = realloc(d.vpids, (d.nvpids + 1) * sizeof(*d.vpids));
			if (!d.vpids) {
				return 1;
			}
			d.vpids[d.nvpids++] = strtoll(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--decode-only") == 0) {
			d.decode_only = 1;
		} else if (strcmp(argv[i], "--bench") == 0 && i + 1 < argc) {
			bench_n = strtol(argv[++i], NULL, 10);
		} else if (argv[i][0] != '-' && !dir) {
			dir = argv[i];
		} else {
			fprintf(stderr,
				"usage: sym_dump TRACE_DIR [--prefix DIR] [--debug-dir DIR] "
				"[--vpid N]... [--bench N]\n");
			return 2;
		}
	}
	if (!dir) {
		fprintf(stderr, "sym_dump: no trace directory\n");
		return 2;
	}
	d.t = sym_table_create(&opt);
	t0 = now_s();
	if (!d.t || read_trace(&d, dir) != 0) {
		goto end;
	}
	printf("decode_s=%.3f events=%" PRIu64 "%s\n", now_s() - t0, d.events,
	       d.decode_only ? " (decode only)" : "");
	for (size_t i = 0; i < d.nseen; i++) {
		if (wanted(&d, d.seen[i].vpid)) {
			print_site("site", d.seen[i].vpid, d.seen[i].site);
		}
	}
	for (size_t i = 0; i < d.nvpids; i++) {
		static const uint64_t probes[] = {0x10, UINT64_C(0xfffffffffffff000)};

		for (size_t k = 0; k < 2; k++) {
			const struct sym_site *s;

			if (sym_resolve(d.t, d.vpids[i], probes[k], &s) != 0) {
				d.failed = 1;
				continue;
			}
			print_site("probe", d.vpids[i], s);
		}
	}
	if (bench_n > 0) {
		bench(&d, &opt, bench_n);
	}
	sym_get_stats(d.t, &st);
	printf("stats\tevents=%" PRIu64 " resolves=%" PRIu64 " cache_hits=%" PRIu64
	       " lookups=%" PRIu64 " files_opened=%" PRIu64 " files_refused=%" PRIu64
	       " objects=%" PRIu64 "\n",
	       d.events, st.resolves, st.cache_hits, st.lookups, st.files_opened, st.files_refused,
	       st.objects);
	rc = d.failed;
end:
	sym_table_destroy(d.t);
	for (size_t i = 0; i < d.nmap; i++) {
		free(d.map[i].str);
	}
	free(d.map);
	free(d.seen);
	free(d.vpids);
	for (size_t i = 0; i < ntraces; i++) {
		free(traces[i]);
	}
	return rc;
}
