/* SPDX-License-Identifier: MIT */
/*
 * A latency distribution in bounded memory: exact count, min, max and mean;
 * percentiles by nearest rank (sorted[ceil(p*n)-1]), exact while at most
 * LATENCY_DIST_EXACT samples were added, then from log-linear buckets
 * (values below 256 exact, above that 128 buckets per power of two, each
 * reported at its middle): relative error at most 1/256, well within 1%.
 * About 100 KiB per distribution, whatever the number of samples.
 */
#ifndef RDV_LATENCY_DIST_H
#define RDV_LATENCY_DIST_H

#include <stdint.h>

#include "rdv-analyze.h"

#define LATENCY_DIST_EXACT 4096
#define LATENCY_DIST_SUB_BITS 7
#define LATENCY_DIST_LINEAR 256 /* 2 << SUB_BITS */
#define LATENCY_DIST_BUCKETS (LATENCY_DIST_LINEAR + (64 - 8) * 128)

struct latency_dist {
	uint64_t count;
	uint64_t min;
	uint64_t max;
	unsigned __int128 sum;
	/* What became of the starts seen (maintained by analysis.c): each ends
	 * as one sample (count), or skipped across a gap, or unfinished (the
	 * trace ended, the thread left), or timed out (a timed request). */
	uint64_t started;
	uint64_t skipped_gap;
	uint64_t unfinished;
	uint64_t timed_out;
	uint32_t nexact;
	uint64_t exact[LATENCY_DIST_EXACT];
	uint64_t buckets[LATENCY_DIST_BUCKETS];
};

void latency_dist_init(struct latency_dist *d);
void latency_dist_add(struct latency_dist *d, uint64_t v);
double latency_dist_mean(const struct latency_dist *d);
/* Nearest-rank percentile num/den (e.g. 999/1000); 0 when empty. */
uint64_t latency_dist_percentile(const struct latency_dist *d, uint64_t num, uint64_t den);
/* How many samples fall in [2^k, 2^(k+1)) for k = 0..63 (0 and 1 in 0): the
 * shape of the distribution for a plot, exact from its buckets. */
void latency_dist_log2(const struct latency_dist *d, uint64_t out[64]);

/* The numbers every output shows for a distribution (the public struct of
 * rdv-analyze.h), computed once. */
void latency_dist_summarize(const struct latency_dist *d, struct rdv_analyze_latency *out);

#endif /* RDV_LATENCY_DIST_H */
