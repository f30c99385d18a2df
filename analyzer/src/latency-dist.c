/* SPDX-License-Identifier: MIT */
#include "latency-dist.h"

#include <stdlib.h>
#include <string.h>

void latency_dist_init(struct latency_dist *d)
{
	memset(d, 0, sizeof(*d));
}

static unsigned bucket_of(uint64_t v)
{
	unsigned e;

	if (v < LATENCY_DIST_LINEAR) {
		return (unsigned)v;
	}
	e = 63u - (unsigned)__builtin_clzll(v); /* 8 .. 63 */
	return LATENCY_DIST_LINEAR + (e - 8) * 128 +
	       (unsigned)((v >> (e - LATENCY_DIST_SUB_BITS)) & 127);
}

/* The value a bucket stands for: its middle. */
static uint64_t bucket_value(unsigned b)
{
	unsigned e, sub;
	uint64_t lo, width;

	if (b < LATENCY_DIST_LINEAR) {
		return b;
	}
	e = (b - LATENCY_DIST_LINEAR) / 128 + 8;
	sub = (b - LATENCY_DIST_LINEAR) % 128;
	lo = (uint64_t)(128 + sub) << (e - LATENCY_DIST_SUB_BITS);
	width = UINT64_C(1) << (e - LATENCY_DIST_SUB_BITS);
	return lo + (width - 1) / 2;
}

void latency_dist_add(struct latency_dist *d, uint64_t v)
{
	if (d->count == 0 || v < d->min) {
		d->min = v;
	}
	if (v > d->max) {
		d->max = v;
	}
	d->count++;
	d->sum += v;
	if (d->nexact < LATENCY_DIST_EXACT) {
		d->exact[d->nexact++] = v;
	}
	d->buckets[bucket_of(v)]++;
}

double latency_dist_mean(const struct latency_dist *d)
{
	return d->count ? (double)d->sum / (double)d->count : 0.0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t latency_dist_percentile(const struct latency_dist *d, uint64_t num, uint64_t den)
{
	uint64_t rank, seen = 0, v = 0;

	if (d->count == 0 || den == 0) {
		return 0;
	}
	/* ceil(p * n), at least 1 */
	rank = (uint64_t)(((unsigned __int128)num * d->count + den - 1) / den);
	if (rank < 1) {
		rank = 1;
	}
	if (rank > d->count) {
		rank = d->count;
	}
	if (d->count <= LATENCY_DIST_EXACT) {
		uint64_t *sorted = malloc(d->count * sizeof(*sorted));

		if (sorted) {
			memcpy(sorted, d->exact, d->count * sizeof(*sorted));
			qsort(sorted, d->count, sizeof(*sorted), cmp_u64);
			v = sorted[rank - 1];
			free(sorted);
			return v;
		}
	}
	for (unsigned b = 0; b < LATENCY_DIST_BUCKETS; b++) {
		seen += d->buckets[b];
		if (seen >= rank) {
			v = bucket_value(b);
			break;
		}
	}
	if (v < d->min) {
		v = d->min;
	}
	if (v > d->max) {
		v = d->max;
	}
	return v;
}

void latency_dist_log2(const struct latency_dist *d, uint64_t out[64])
{
	memset(out, 0, 64 * sizeof(*out));
	for (unsigned b = 0; b < LATENCY_DIST_BUCKETS; b++) {
		unsigned k;

		if (!d->buckets[b]) {
			continue;
		}
		if (b < LATENCY_DIST_LINEAR) {
			k = b < 2 ? 0 : 31u - (unsigned)__builtin_clz(b);
		} else {
			k = (b - LATENCY_DIST_LINEAR) / 128 + 8; /* the bucket's exponent */
		}
		out[k] += d->buckets[b];
	}
}

void latency_dist_summarize(const struct latency_dist *d, struct rdv_analyze_latency *out)
{
	out->count = d->count;
	out->min_ns = d->count ? d->min : 0;
	out->max_ns = d->max;
	out->mean_ns = latency_dist_mean(d);
	out->p50_ns = latency_dist_percentile(d, 50, 100);
	out->p90_ns = latency_dist_percentile(d, 90, 100);
	out->p99_ns = latency_dist_percentile(d, 99, 100);
	out->p999_ns = latency_dist_percentile(d, 999, 1000);
	out->started = d->started;
	out->skipped_gap = d->skipped_gap;
	out->unfinished = d->unfinished;
	out->timed_out = d->timed_out;
}
