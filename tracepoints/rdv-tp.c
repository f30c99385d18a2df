/* SPDX-License-Identifier: MIT */
/* The rdv provider's probes: librdv-tp.so, dlopen()ed by librdv at start. */
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#include "rdv-tp.h"
