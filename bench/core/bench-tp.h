/* SPDX-License-Identifier: MIT */
/*
 * The benchmark's own LTTng-UST provider `rdvbench`: one event shaped
 * exactly like rdv:mask_change of provider version 2 (DESIGN.md §3) — u32
 * domain, u32 thread, two u8-container enums, u32 word, three u64 hex (old,
 * new, caller) — so that rdv-bench-traced can compare rdv's traced
 * transition with a bare event of the same size.
 * Linked statically into the benchmark (probes in bench-tp.c).
 */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER rdvbench

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "bench-tp.h"

#if !defined(RDV_BENCH_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define RDV_BENCH_TP_H

#include <stdint.h>
#include <lttng/tracepoint.h>

LTTNG_UST_TRACEPOINT_ENUM(rdvbench, op,
	LTTNG_UST_TP_ENUM_VALUES(
		lttng_ust_field_enum_value("set", 0)
		lttng_ust_field_enum_value("clear", 1)
	)
)

LTTNG_UST_TRACEPOINT_ENUM(rdvbench, mask,
	LTTNG_UST_TP_ENUM_VALUES(
		lttng_ust_field_enum_value("harmless", 0)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(rdvbench, mask_change,
	LTTNG_UST_TP_ARGS(uint32_t, domain, uint32_t, thread, int, op, int, mask,
			  uint32_t, word, uint64_t, old_value, uint64_t, new_value,
			  uint64_t, caller),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint32_t, domain, domain)
		lttng_ust_field_integer(uint32_t, thread, thread)
		lttng_ust_field_enum(rdvbench, op, uint8_t, op, op)
		lttng_ust_field_enum(rdvbench, mask, uint8_t, mask, mask)
		lttng_ust_field_integer(uint32_t, word, word)
		lttng_ust_field_integer_hex(uint64_t, old, old_value)
		lttng_ust_field_integer_hex(uint64_t, new, new_value)
		lttng_ust_field_integer_hex(uint64_t, caller, caller)
	)
)

#endif /* RDV_BENCH_TP_H */

#include <lttng/tracepoint-event.h>
