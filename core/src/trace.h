/* SPDX-License-Identifier: MIT */
/*
 * The one door between the algorithm and tracing. rdv.c calls
 * rdv_trace(event, args…) and rdv_trace_enabled(event), nothing else.
 *
 * With RDV_TRACING the call sites are LTTng-UST tracepoints with dynamic
 * probe linkage: a disabled one is a load and a predicted-not-taken branch,
 * and librdv does not link liblttng-ust (the probes live in librdv-tp.so,
 * loaded by rdv__trace_load_provider()). Without it, rdv_trace() compiles to
 * nothing: the arguments are type-checked against the event's signature but
 * never evaluated.
 */
#ifndef RDV_CORE_TRACE_H
#define RDV_CORE_TRACE_H

#include <stdint.h>

#include "rdv-tp-enums.h"

#ifdef RDV_TRACING

#define LTTNG_UST_TRACEPOINT_PROBE_DYNAMIC_LINKAGE
#include "rdv-tp.h"

#define rdv_trace(event, ...) lttng_ust_tracepoint(rdv, event, __VA_ARGS__)
#define rdv_trace_enabled(event) lttng_ust_tracepoint_enabled(rdv, event)

#else /* !RDV_TRACING */

/* Signatures of the events, for type checking only. */
static inline void rdv__tp_domain_create(uint32_t domain, uint32_t max_threads)
{
	(void)domain, (void)max_threads;
}
static inline void rdv__tp_domain_destroy(uint32_t domain)
{
	(void)domain;
}
static inline void rdv__tp_thread_register(uint32_t domain, uint32_t thread, int32_t os_tid)
{
	(void)domain, (void)thread, (void)os_tid;
}
static inline void rdv__tp_thread_unregister(uint32_t domain, uint32_t thread)
{
	(void)domain, (void)thread;
}
static inline void rdv__tp_mask_change(uint32_t domain, uint32_t thread, int op, int mask,
				       uint32_t word, uint64_t old_value, uint64_t new_value,
				       uint64_t caller)
{
	(void)domain, (void)thread, (void)op, (void)mask, (void)word, (void)old_value,
		(void)new_value, (void)caller;
}
static inline void rdv__tp_stall(uint32_t domain, uint32_t thread, uint64_t waited_ns,
				 const uint32_t *late, uint32_t n_late)
{
	(void)domain, (void)thread, (void)waited_ns, (void)late, (void)n_late;
}

#define rdv_trace(event, ...)                                                                      \
	do {                                                                                       \
		if (0) {                                                                           \
			rdv__tp_##event(__VA_ARGS__);                                              \
		}                                                                                  \
	} while (0)
#define rdv_trace_enabled(event) 0

#endif /* RDV_TRACING */

#endif /* RDV_CORE_TRACE_H */
