/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the core benchmarks: clocks, argument parsing, order
 * statistics and the one-line result format.
 *
 * Every result is one line of `key=value` tokens starting with `bench=`.
 * A line that checks a target ends with `target=<op><value> PASS|FAIL`;
 * the others are figures only. run.sh and readers grep for `^bench=`.
 */
#ifndef RDV_BENCH_H
#define RDV_BENCH_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * CPU time of the calling thread: unlike the wall clock it does not count
 * the time the thread spends preempted, so that tight loops measure the same
 * on a machine shared with other jobs.
 */
static inline uint64_t bench_thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Parses a whole decimal number in [min, max]; false (with a message) else. */
static inline int bench_parse_long(const char *prog, const char *what, const char *s, long min,
				   long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "%s: cannot use %s '%s': expected an integer in [%ld, %ld]\n", prog,
			what, s, min, max);
		return 0;
	}
	*out = v;
	return 1;
}

/* Parses a duration in seconds (a decimal number, > 0 and ≤ max). */
static inline int bench_parse_seconds(const char *prog, const char *what, const char *s, double max,
				      double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > max) {
		fprintf(stderr, "%s: cannot use %s '%s': expected seconds in (0, %g]\n", prog, what,
			s, max);
		return 0;
	}
	*out = v;
	return 1;
}

static inline int bench_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array: sorted[ceil(p*n)-1]. */
static inline uint64_t bench_percentile(const uint64_t *sorted, size_t n, double p)
{
	size_t rank = (size_t)(p * (double)n);

	if ((double)rank < p * (double)n) {
		rank++;
	}
	if (rank == 0) {
		rank = 1;
	}
	return sorted[rank > n ? n - 1 : rank - 1];
}

/* Minimum and median of n doubles (sorts them). */
static inline void bench_min_median(double *v, size_t n, double *min, double *median)
{
	qsort(v, n, sizeof(*v), bench_cmp_double);
	*min = v[0];
	*median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* "PASS" when value <= limit. */
static inline const char *bench_verdict(double value, double limit)
{
	return value <= limit ? "PASS" : "FAIL";
}

#endif /* RDV_BENCH_H */
