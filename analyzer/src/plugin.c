/* SPDX-License-Identifier: MIT */
/*
 * The Babeltrace2 plugin `rdv`: only declarations. sink.rdv.analyze is the
 * sink of every rdv tool (sink.c); source.rdv.check only answers
 * babeltrace2's source discovery, to refuse a trace Babeltrace2 would loop
 * on (trace-check.h).
 *
 *   babeltrace2 --plugin-path=DIR TRACE -c sink.rdv.analyze \
 *       -p 'json-path="r.json",csv-path="r.csv"'
 */
#include <babeltrace2/babeltrace.h>

#include "sink.h"
#include "trace-check.h"

BT_PLUGIN_MODULE();
BT_PLUGIN(rdv);
BT_PLUGIN_DESCRIPTION("rdv rendez-vous point: per-thread states and wait latencies");
BT_PLUGIN_AUTHOR("rdv");
BT_PLUGIN_LICENSE("MIT");

BT_PLUGIN_SINK_COMPONENT_CLASS(analyze, rdv__sink_consume);
BT_PLUGIN_SINK_COMPONENT_CLASS_DESCRIPTION(
    analyze, "Rebuild rdv thread states and report wait latencies (rdv-analyze).");
BT_PLUGIN_SINK_COMPONENT_CLASS_HELP(
    analyze, "Parameters (all optional; as rdv-analyze's options): json-path, csv-path, "
	     "chrome-path, timeline-path, isolations-path, compare-path (strings: files to "
	     "write or read), top (integer: the N longest waits), from, to (strings: a time "
	     "after the trace's first rdv event, e.g. \"1.5s\", \"200ms\"), pid, domain "
	     "(integers: restrict every output), debug-info-dir, target-prefix (strings: where "
	     "debug information is looked for, as flt.lttng-utils.debug-info), print-report "
	     "(boolean, default true).");
BT_PLUGIN_SINK_COMPONENT_CLASS_INITIALIZE_METHOD(analyze, rdv__sink_initialize);
BT_PLUGIN_SINK_COMPONENT_CLASS_FINALIZE_METHOD(analyze, rdv__sink_finalize);
BT_PLUGIN_SINK_COMPONENT_CLASS_GRAPH_IS_CONFIGURED_METHOD(analyze, rdv__sink_graph_is_configured);

BT_PLUGIN_SOURCE_COMPONENT_CLASS(check, rdv__check_next);
BT_PLUGIN_SOURCE_COMPONENT_CLASS_DESCRIPTION(
    check, "Refuses a CTF trace whose metadata is truncated or corrupt, before "
	   "source.ctf.fs reads it (automatic source discovery; produces nothing).");
BT_PLUGIN_SOURCE_COMPONENT_CLASS_QUERY_METHOD(check, rdv__check_query);
