/* SPDX-License-Identifier: MIT */
/*
 * Babeltrace2 messages -> analysis events (analysis.h). Fields are found by
 * name and enumeration values by label (the §3 schema), once per event
 * class; an rdv event class without the §3 fields is an error that names
 * the missing field.
 *
 * The LTTng-UST statedump and dynamic-loader events feed the symbol table
 * in trace order (symbols.h: lttng_ust_statedump:start / end, bin_info,
 * lttng_ust_lib:load, lttng_ust_dl:dlopen / dlmopen, *:build_id,
 * *:debug_link, lttng_ust_lib:unload), and each non-zero `caller` is
 * resolved when its event is read, so that it names what was mapped then.
 */
#ifndef RDV_BT2_ADAPTER_H
#define RDV_BT2_ADAPTER_H

#include <babeltrace2/babeltrace.h>
#include <stdint.h>

#include "analysis.h"
#include "symbols.h"

struct bt2_adapter;

/* sym (weak) may be NULL: callers are then not resolved. */
int bt2_adapter_create(struct analysis *a, struct sym_table *sym, struct bt2_adapter **out);
void bt2_adapter_destroy(struct bt2_adapter *ad);
/* The graph the messages came from is gone: forgets every pointer into it
 * (event classes, traces, streams), which a new graph may reuse. */
void bt2_adapter_forget(struct bt2_adapter *ad);

/* Feeds one message. Returns 0, or a negative errno value with a one-line
 * reason in bt2_adapter_error(). */
int bt2_adapter_feed(struct bt2_adapter *ad, const bt_message *msg);
const char *bt2_adapter_error(const struct bt2_adapter *ad);

/* Timestamp (ns from origin) of the last message with one. */
int64_t bt2_adapter_last_ns(const struct bt2_adapter *ad);
/* True when rdv events came without a vpid context (and no vpid in the
 * trace environment): processes cannot be told apart. */
int bt2_adapter_missing_vpid(const struct bt2_adapter *ad);

#endif /* RDV_BT2_ADAPTER_H */
