/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the analysis state machine, the JSON reader of
 * --compare and the metadata check on arbitrary input. Built by fuzz.sh
 * with clang -fsanitize=fuzzer,address,undefined. Besides memory errors it
 * checks that no thread is given more time than the trace spans, that
 * percentiles lie between min and max, that every latency start ends one
 * way (started = count + skipped + unfinished + timed out) and that every
 * grant gives one isolation record.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "metadata-check.h"
#include "mini-json.h"

static uint64_t isolations_reported;

static int on_isolation(void *arg, const struct analysis_isolation *iso)
{
	uint32_t stragglers = 0;

	(void)arg;
	if (iso->release_ns && iso->release_ns < iso->grant_ns) {
		abort();
	}
	if (iso->has_wait &&
	    (!iso->request_known || iso->wait_ns != iso->grant_ns - iso->request_ns)) {
		abort();
	}
	/* blame: delays within the wait, one straggler, the ready last, and
	 * wait = straggler delay + grant_delay */
	for (uint32_t i = 0; i < iso->nlate; i++) {
		const struct analysis_late *l = &iso->late[i];

		if (l->has_delay && (l->delay_ns == 0 || l->ready_ns > iso->grant_ns ||
				     l->ready_ns - l->delay_ns != iso->request_ns)) {
			abort();
		}
		if (l->straggler) {
			stragglers++;
			if (l->lane != iso->straggler_lane || l->ready_ns != iso->straggler_ns) {
				abort();
			}
		}
		if (l->has_delay && iso->straggler_lane != UINT32_MAX &&
		    l->ready_ns > iso->straggler_ns) {
			abort();
		}
	}
	if (stragglers > 1 || (iso->straggler_lane != UINT32_MAX && !stragglers)) {
		abort();
	}
	if (iso->has_grant_delay && iso->has_wait &&
	    iso->wait_ns !=
		iso->grant_delay_ns +
		    (iso->straggler_lane == UINT32_MAX ? 0 : iso->straggler_ns - iso->request_ns)) {
		abort();
	}
	isolations_reported++;
	return 0;
}

static int on_interval(void *arg, const struct analysis_thread *t, enum analysis_state s,
		       uint64_t b, uint64_t e)
{
	(void)arg;
	(void)t;
	if (b >= e || (unsigned)s >= AN_NSTATES) {
		abort();
	}
	return 0;
}

static void fuzz_analysis(const uint8_t *p, size_t n)
{
	struct analysis_callbacks cb = {.interval = on_interval, .isolation = on_isolation};
	static const uint32_t late[3] = {0, 1, 70};
	uint64_t grants = 0;
	struct analysis *a;
	struct analysis_summary s;
	uint64_t ts = 1000, words[2][2][3][3] = {{{{0}}}};

	if (analysis_create(&cb, &a)) {
		return;
	}
	isolations_reported = 0;
	for (; n >= 8; p += 8, n -= 8) {
		uint32_t vpid = p[0] & 1, dom = (p[0] >> 1) & 1, thread = p[1] % 140;
		uint32_t w = thread / 64 % 3;

		ts += (uint64_t)p[2] | (uint64_t)(p[3] & 0x0f) << 8;
		if ((p[3] & 0xf0) == 0xf0) {
			struct analysis_gap g = {.trace_id = p[4] & 1,
						 .has_times = p[4] & 2,
						 .begin_ns = ts - p[5],
						 .end_ns = ts + p[6],
						 .has_count = p[4] & 4,
						 .count = p[7],
						 .packets = p[4] & 8};

			analysis_feed_gap(a, &g);
			continue;
		}
		struct analysis_event ev = {
		    .ts = (p[3] & 0xf0) == 0xe0 ? ts - p[7] : ts, /* a few out of order */
		    .trace_id = (p[0] >> 2) & 1,
		    .vpid = vpid,
		    .vtid = p[1],
		    .procname = (p[0] & 8) ? "fuzz" : NULL,
		    .kind = (enum analysis_kind)(p[4] % 7),
		    .domain = dom,
		    .thread = thread,
		    .os_tid = p[5],
		    .op = (enum analysis_op)(p[6] % AN_NOPS),
		    .mask = (enum analysis_mask)(p[7] % 4),
		    .word = (p[0] & 16) ? p[5] : thread / 64,
		    .caller = p[5],
		    .waited_ns = p[6],
		    .late = late,
		    .nlate = p[5] % 4,
		};
		if (ev.kind == AN_EV_MASK_CHANGE && ev.mask < 3) {
			uint64_t *word = &words[vpid][dom][ev.mask][w];
			uint64_t bit = UINT64_C(1) << (thread % 64);

			ev.old_word = *word;
			if (p[0] & 32) {
				*word ^= (uint64_t)p[5] << (p[6] % 56); /* inconsistent */
			} else if (p[0] & 64) {
				*word |= bit;
			} else {
				*word &= ~bit;
			}
			ev.new_word = *word;
		}
		analysis_feed_event(a, &ev);
	}
	analysis_finish(a);
	analysis_get_summary(a, &s);
	for (size_t i = 0; i < analysis_thread_count(a); i++) {
		const struct analysis_thread *t = analysis_thread_at(a, i);
		uint64_t sum = 0;

		grants += t->isolations;
		for (int k = 0; k < AN_NSTATES; k++) {
			sum += t->state_ns[k];
		}
		if (sum > s.end_ns - s.begin_ns) {
			abort();
		}
	}
	for (int l = 0; l < AN_NLAT; l++) {
		const struct latency_dist *d = analysis_latency(a, l);
		uint64_t p99 = latency_dist_percentile(d, 99, 100);

		if (d->count && (p99 < d->min || p99 > d->max)) {
			abort();
		}
		if (d->started != d->count + d->skipped_gap + d->unfinished + d->timed_out) {
			abort();
		}
	}
	if (grants != isolations_reported) {
		abort(); /* one record per grant */
	}
	analysis_destroy(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[128];

	if (size == 0) {
		return 0;
	}
	if (data[0] == '{' || data[0] == '[') {
		mj_free(mj_parse((const char *)data, size, err, sizeof(err)));
	} else if (data[0] == 'M') {
		if (metadata_check_mem(data + 1, size - 1, err, sizeof(err)) && !err[0]) {
			abort(); /* refused without a reason */
		}
	} else {
		fuzz_analysis(data + 1, size - 1);
	}
	return 0;
}
