/* SPDX-License-Identifier: MIT */
/*
 * The source component class `check` of the plugin: never a source of
 * messages, only the `babeltrace.support-info` query that babeltrace2's
 * automatic source discovery asks every source class about each input
 * before it creates any component. It claims nothing (weight 0), but it
 * fails the query, with the reason, for a CTF trace directory whose
 * metadata is truncated or corrupt (metadata-check.h): babeltrace2 then
 * stops with that reason instead of looping forever in source.ctf.fs, and
 * `babeltrace2 --plugin-path=DIR TRACE -c sink.rdv.analyze` gets the
 * protection rdv-analyze has.
 */
#ifndef RDV_TRACE_CHECK_H
#define RDV_TRACE_CHECK_H

#include <babeltrace2/babeltrace.h>

bt_component_class_query_method_status rdv__check_query(bt_self_component_class_source *cls,
							bt_private_query_executor *qe,
							const char *object, const bt_value *params,
							void *method_data, const bt_value **result);
bt_message_iterator_class_next_method_status rdv__check_next(bt_self_message_iterator *it,
							     bt_message_array_const msgs,
							     uint64_t capacity, uint64_t *count);

#endif /* RDV_TRACE_CHECK_H */
