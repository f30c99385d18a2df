/* SPDX-License-Identifier: MIT */
/* The probes of the benchmark's `rdvbench` provider (see bench-tp.h). */
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "bench-tp.h"
