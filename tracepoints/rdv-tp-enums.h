/* SPDX-License-Identifier: MIT */
/*
 * Values of the `op` and `mask` enumerations of the rdv LTTng-UST provider
 * (DESIGN.md §3). Shared by the core (which emits them) and the provider
 * (which names them). The labels, not these numbers, are the stable schema:
 * readers match the enum labels found in the trace metadata.
 */
#ifndef RDV_TP_ENUMS_H
#define RDV_TP_ENUMS_H

enum rdv__op {
	RDV_OP_REGISTER = 0,
	RDV_OP_UNREGISTER = 1,
	RDV_OP_HARMLESS_NOW = 2,
	RDV_OP_HARMLESS_END = 3,
	RDV_OP_HARMLESS_WAIT = 4, /* H set again while blocked in an rdv call */
	RDV_OP_IDLE_NOW = 5,
	RDV_OP_IDLE_END = 6,
	RDV_OP_ISOLATE_REQUEST = 7,
	RDV_OP_ISOLATE_FULL_REQUEST = 8,
	RDV_OP_ISOLATE_GRANT = 9,
	RDV_OP_RELEASE = 10,
	RDV_OP_ISOLATE_TIMEOUT = 11, /* a timed request gave up (provider version 2) */
};

/* rdv:stall lists at most this many late threads (the rest are counted in
 * the stall report given to the handler, not in the event). */
#define RDV_TP_STALL_MAX_LATE 1024

enum rdv__mask {
	RDV_MASK_HARMLESS = 0,
	RDV_MASK_WANT_RDV = 1,
	RDV_MASK_IDLE = 2,
};

#endif /* RDV_TP_ENUMS_H */
