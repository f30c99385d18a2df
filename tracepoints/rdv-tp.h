/* SPDX-License-Identifier: MIT */
/*
 * The LTTng-UST provider `rdv` (DESIGN.md §3, schema version 2).
 *
 * Version 2 (additive): rdv:mask_change gains `caller`, the return address
 * of the public rdv call that made the change (0 for a change with no
 * caller: a thread exit); op `isolate_timeout`; event rdv:stall. Readers
 * tell the versions apart by the presence of the `caller` field.
 *
 * Every atomic change of a mask word emits rdv:mask_change with the word's
 * exact value before and after the change; lifecycle events frame it. The
 * events carry no context of their own: record them with the vpid and vtid
 * contexts (rdv-trace does) to key states by (vpid, domain, thread).
 *
 * Built as a separate shared object (librdv-tp.so, from rdv-tp.c) loaded by
 * librdv at start with dlopen(), so that librdv needs no LTTng at link time
 * (LTTNG_UST_TRACEPOINT_PROBE_DYNAMIC_LINKAGE on the call-site side).
 */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER rdv

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "rdv-tp.h"

#if !defined(RDV_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define RDV_TP_H

#include <stdint.h>
#include <lttng/tracepoint.h>

#include "rdv-tp-enums.h"

LTTNG_UST_TRACEPOINT_ENUM(rdv, op,
	LTTNG_UST_TP_ENUM_VALUES(
		lttng_ust_field_enum_value("register", RDV_OP_REGISTER)
		lttng_ust_field_enum_value("unregister", RDV_OP_UNREGISTER)
		lttng_ust_field_enum_value("harmless_now", RDV_OP_HARMLESS_NOW)
		lttng_ust_field_enum_value("harmless_end", RDV_OP_HARMLESS_END)
		lttng_ust_field_enum_value("harmless_wait", RDV_OP_HARMLESS_WAIT)
		lttng_ust_field_enum_value("idle_now", RDV_OP_IDLE_NOW)
		lttng_ust_field_enum_value("idle_end", RDV_OP_IDLE_END)
		lttng_ust_field_enum_value("isolate_request", RDV_OP_ISOLATE_REQUEST)
		lttng_ust_field_enum_value("isolate_full_request", RDV_OP_ISOLATE_FULL_REQUEST)
		lttng_ust_field_enum_value("isolate_grant", RDV_OP_ISOLATE_GRANT)
		lttng_ust_field_enum_value("release", RDV_OP_RELEASE)
		lttng_ust_field_enum_value("isolate_timeout", RDV_OP_ISOLATE_TIMEOUT)
	)
)

LTTNG_UST_TRACEPOINT_ENUM(rdv, mask,
	LTTNG_UST_TP_ENUM_VALUES(
		lttng_ust_field_enum_value("harmless", RDV_MASK_HARMLESS)
		lttng_ust_field_enum_value("want_rdv", RDV_MASK_WANT_RDV)
		lttng_ust_field_enum_value("idle", RDV_MASK_IDLE)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(rdv, domain_create,
	LTTNG_UST_TP_ARGS(uint32_t, domain, uint32_t, max_threads),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint32_t, domain, domain)
		lttng_ust_field_integer(uint32_t, max_threads, max_threads)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(rdv, domain_destroy,
	LTTNG_UST_TP_ARGS(uint32_t, domain),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint32_t, domain, domain)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(rdv, thread_register,
	LTTNG_UST_TP_ARGS(uint32_t, domain, uint32_t, thread, int32_t, os_tid),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint32_t, domain, domain)
		lttng_ust_field_integer(uint32_t, thread, thread)
		lttng_ust_field_integer(int32_t, os_tid, os_tid)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(rdv, thread_unregister,
	LTTNG_UST_TP_ARGS(uint32_t, domain, uint32_t, thread),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint32_t, domain, domain)
		lttng_ust_field_integer(uint32_t, thread, thread)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(rdv, mask_change,
	LTTNG_UST_TP_ARGS(uint32_t, domain, uint32_t, thread, int, op, int, mask,
			  uint32_t, word, uint64_t, old_value, uint64_t, new_value,
			  uint64_t, caller),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint32_t, domain, domain)
		lttng_ust_field_integer(uint32_t, thread, thread)
		lttng_ust_field_enum(rdv, op, uint8_t, op, op)
		lttng_ust_field_enum(rdv, mask, uint8_t, mask, mask)
		lttng_ust_field_integer(uint32_t, word, word)
		lttng_ust_field_integer_hex(uint64_t, old, old_value)
		lttng_ust_field_integer_hex(uint64_t, new, new_value)
		lttng_ust_field_integer_hex(uint64_t, caller, caller)
	)
)

/* A request that waited past its domain's stall threshold (rdv.h,
 * rdv_set_stall_handler()): `thread` is the requester, `late` the indexes
 * of the threads not ready yet (at most RDV_TP_STALL_MAX_LATE of them). */
LTTNG_UST_TRACEPOINT_EVENT(rdv, stall,
	LTTNG_UST_TP_ARGS(uint32_t, domain, uint32_t, thread, uint64_t, waited_ns,
			  const uint32_t *, late, uint32_t, n_late),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint32_t, domain, domain)
		lttng_ust_field_integer(uint32_t, thread, thread)
		lttng_ust_field_integer(uint64_t, waited_ns, waited_ns)
		lttng_ust_field_sequence(uint32_t, late, late, uint32_t, n_late)
	)
)

#endif /* RDV_TP_H */

#include <lttng/tracepoint-event.h>
