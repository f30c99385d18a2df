/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the analysis state machine (analyzer/src/analysis.h) on
 * synthetic event sequences: every state transition, nesting, blocked,
 * blame (late threads, delays, sections, stragglers and grant_delay for
 * plain and full requests, blinks, stamping races on one word, requests
 * queued behind others, registering and unregistering threads, timeouts,
 * gaps, version 1 without callers), the scope (--from/--to/--pid), gaps,
 * slot reuse, time after unregister, the accounting of latency samples (every start ends one way;
 * one isolation record per grant, carrying the samples), timed requests
 * (isolate_timeout), stall reports and the caller of version 2, and the
 * nearest-rank percentiles of latency-dist.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

static int failures;

#define CHECK_EQ(what, got, want)                                                                  \
	do {                                                                                       \
		uint64_t g_ = (uint64_t)(got), w_ = (uint64_t)(want);                              \
		if (g_ != w_) {                                                                    \
			fprintf(stderr, "%s:%d: %s: got %" PRIu64 ", want %" PRIu64 "\n",          \
				__func__, __LINE__, what, g_, w_);                                 \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

/* ---- a tiny event builder ---- */

static struct analysis *an;
static const uint32_t VPID = 42, DOM = 1;

static void feed(struct analysis_event ev)
{
	ev.vpid = ev.vpid ? ev.vpid : VPID;
	if (analysis_feed_event(an, &ev)) {
		fprintf(stderr, "feed failed\n");
		failures++;
	}
}

static void reg(uint64_t ts, uint32_t t, int32_t tid)
{
	feed((struct analysis_event){.ts = ts,
				     .kind = AN_EV_THREAD_REGISTER,
				     .domain = DOM,
				     .thread = t,
				     .os_tid = tid,
				     .vtid = (uint32_t)tid});
}

static void unreg(uint64_t ts, uint32_t t)
{
	feed((struct analysis_event){
	    .ts = ts, .kind = AN_EV_THREAD_UNREGISTER, .domain = DOM, .thread = t});
}

/* The masks' words as the core would have them: tracked here. */
static uint64_t words[3];
static uint64_t caller; /* the `caller` of the next mask_change (version 2) */

static void mc(uint64_t ts, uint32_t t, enum analysis_op op, enum analysis_mask m, int set)
{
	uint64_t bit = UINT64_C(1) << (t % 64), old = words[m];

	words[m] = set ? old | bit : old & ~bit;
	feed((struct analysis_event){.ts = ts,
				     .kind = AN_EV_MASK_CHANGE,
				     .domain = DOM,
				     .thread = t,
				     .op = op,
				     .mask = m,
				     .word = t / 64,
				     .old_word = old,
				     .new_word = words[m],
				     .caller = caller});
}

static void gap(uint64_t b, uint64_t e, uint64_t n)
{
	struct analysis_gap g = {.trace_id = 0,
				 .has_times = true,
				 .begin_ns = b,
				 .end_ns = e,
				 .has_count = true,
				 .count = n};

	if (analysis_feed_gap(an, &g)) {
		failures++;
	}
}

/* Isolation records and stalls the analysis reported (start_cb()). */
static struct analysis_isolation isos[16];
static unsigned nisos;
static struct analysis_stall stall;
static uint32_t stall_late[8];
static unsigned nstalls;

static struct analysis_late iso_late[16][8];

static int on_isolation(void *arg, const struct analysis_isolation *iso)
{
	(void)arg;
	if (nisos < 16) {
		isos[nisos] = *iso;
		memcpy(iso_late[nisos], iso->late,
		       (iso->nlate < 8 ? iso->nlate : 8) * sizeof(*iso->late));
		isos[nisos].late = iso_late[nisos];
	}
	nisos++;
	return 0;
}

static int on_stall(void *arg, const struct analysis_stall *st)
{
	(void)arg;
	stall = *st;
	memcpy(stall_late, st->late_lanes, (st->nlate < 8 ? st->nlate : 8) * sizeof(uint32_t));
	nstalls++;
	return 0;
}

static void start_cb(const struct analysis_callbacks *cb)
{
	memset(words, 0, sizeof(words));
	caller = 0;
	nisos = nstalls = 0;
	if (analysis_create(cb, &an)) {
		abort();
	}
}

static void start(void)
{
	start_cb(NULL);
}

/* Every start seen ends one way (analysis.h). */
static void check_accounting(const char *what)
{
	for (int l = 0; l < AN_NLAT; l++) {
		const struct latency_dist *d = analysis_latency(an, l);

		if (d->started != d->count + d->skipped_gap + d->unfinished + d->timed_out) {
			fprintf(stderr, "%s: %s: %llu started, %llu + %llu + %llu + %llu ended\n",
				what, analysis_latency_name(l), (unsigned long long)d->started,
				(unsigned long long)d->count, (unsigned long long)d->skipped_gap,
				(unsigned long long)d->unfinished,
				(unsigned long long)d->timed_out);
			failures++;
		}
	}
}

static const struct analysis_thread *th(uint32_t t)
{
	for (size_t i = 0; i < analysis_thread_count(an); i++) {
		const struct analysis_thread *x = analysis_thread_at(an, i);

		if (x->thread == t && x->domain == DOM && x->vpid == VPID) {
			return x;
		}
	}
	fprintf(stderr, "no thread %u\n", t);
	abort();
}

#define H AN_MASK_HARMLESS
#define W AN_MASK_WANT_RDV
#define I AN_MASK_IDLE

/* register, harmless section, idle section, unregister; the register blink */
static void test_basic_states(void)
{
	start();
	reg(100, 0, 7);
	mc(105, 0, AN_OP_REGISTER, H, 1); /* harmless 5 */
	mc(110, 0, AN_OP_REGISTER, H, 0); /* running from 110 */
	mc(200, 0, AN_OP_HARMLESS_NOW, H, 1);
	mc(300, 0, AN_OP_HARMLESS_END, H, 0);
	mc(400, 0, AN_OP_IDLE_NOW, I, 1); /* running still (H=0) */
	mc(401, 0, AN_OP_IDLE_NOW, H, 1); /* idle */
	mc(600, 0, AN_OP_IDLE_END, H, 0); /* running, I still set */
	mc(602, 0, AN_OP_IDLE_END, I, 0);
	unreg(700, 0);
	analysis_finish(an);
	const struct analysis_thread *t = th(0);
	CHECK_EQ("running", t->state_ns[AN_RUNNING], 5 + (200 - 110) + (401 - 300) + (700 - 600));
	CHECK_EQ("harmless", t->state_ns[AN_HARMLESS], 5 + 100);
	CHECK_EQ("idle", t->state_ns[AN_IDLE], 199);
	CHECK_EQ("os_tid", t->os_tid, 7);
	CHECK_EQ("unknown", t->state_ns[AN_UNKNOWN], 0);
	analysis_destroy(an);
}

/* isolate: waiting, isolated, nested harmless/idle stays isolated, release */
static void test_isolation_and_nesting(void)
{
	const struct latency_dist *d;

	start();
	reg(0, 0, 1);
	mc(100, 0, AN_OP_ISOLATE_REQUEST, H, 1); /* harmless 100..110 */
	mc(110, 0, AN_OP_ISOLATE_REQUEST, W, 1); /* waiting */
	mc(150, 0, AN_OP_ISOLATE_GRANT, H, 0);	 /* isolated */
	mc(200, 0, AN_OP_HARMLESS_NOW, H, 1);	 /* nested: isolated */
	mc(210, 0, AN_OP_HARMLESS_END, H, 0);
	mc(220, 0, AN_OP_IDLE_NOW, I, 1);
	mc(221, 0, AN_OP_IDLE_NOW, H, 1);
	mc(230, 0, AN_OP_IDLE_END, H, 0);
	mc(231, 0, AN_OP_IDLE_END, I, 0);
	mc(300, 0, AN_OP_RELEASE, W, 0); /* running */
	/* isolate called inside a harmless section: H already set */
	mc(400, 0, AN_OP_HARMLESS_NOW, H, 1);
	mc(410, 0, AN_OP_ISOLATE_FULL_REQUEST, W, 1); /* waiting */
	mc(430, 0, AN_OP_ISOLATE_GRANT, H, 0);
	mc(470, 0, AN_OP_HARMLESS_NOW, H, 1); /* released while nested: harmless */
	mc(480, 0, AN_OP_RELEASE, W, 0);
	mc(490, 0, AN_OP_HARMLESS_END, H, 0);
	unreg(500, 0);
	analysis_finish(an);
	const struct analysis_thread *t = th(0);
	CHECK_EQ("waiting", t->state_ns[AN_WAITING], 40 + 20);
	CHECK_EQ("isolated", t->state_ns[AN_ISOLATED], 150 + 50);
	CHECK_EQ("harmless", t->state_ns[AN_HARMLESS], 10 + 10 + 10);
	CHECK_EQ("running", t->state_ns[AN_RUNNING], 100 + 100 + 10);
	CHECK_EQ("isolations", t->isolations, 2);
	d = analysis_latency(an, AN_LAT_ISOLATE_WAIT);
	CHECK_EQ("isolate_wait count", d->count, 2);
	CHECK_EQ("isolate_wait min", d->min, 20);
	CHECK_EQ("isolate_wait max", d->max, 40);
	d = analysis_latency(an, AN_LAT_ISOLATION_HOLD);
	CHECK_EQ("hold count", d->count, 2);
	CHECK_EQ("hold max", d->max, 150);
	CHECK_EQ("hold min", d->min, 50);
	analysis_destroy(an);
}

/* blocked: in harmless_end, in idle_end (still idle underneath), in release */
static void test_blocked(void)
{
	const struct latency_dist *d;

	start();
	reg(0, 0, 1);
	mc(10, 0, AN_OP_HARMLESS_NOW, H, 1);
	mc(20, 0, AN_OP_HARMLESS_END, H, 0);
	mc(21, 0, AN_OP_HARMLESS_WAIT, H, 1); /* blocked */
	mc(51, 0, AN_OP_HARMLESS_END, H, 0);  /* blocked 30 */
	mc(60, 0, AN_OP_IDLE_NOW, I, 1);
	mc(61, 0, AN_OP_IDLE_NOW, H, 1);
	mc(70, 0, AN_OP_IDLE_END, H, 0);
	mc(71, 0, AN_OP_HARMLESS_WAIT, H, 1); /* blocked (I=1 too) */
	mc(81, 0, AN_OP_IDLE_END, H, 0);      /* blocked 10 */
	mc(82, 0, AN_OP_HARMLESS_WAIT, H, 1); /* blocked again at once */
	mc(182, 0, AN_OP_IDLE_END, H, 0);     /* blocked 100 */
	mc(183, 0, AN_OP_IDLE_END, I, 0);
	unreg(200, 0);
	analysis_finish(an);
	const struct analysis_thread *t = th(0);
	CHECK_EQ("blocked", t->state_ns[AN_BLOCKED], 30 + 10 + 100);
	CHECK_EQ("idle", t->state_ns[AN_IDLE], 9);
	CHECK_EQ("blocked count", t->blocked_count, 3);
	d = analysis_latency(an, AN_LAT_BLOCKED);
	CHECK_EQ("blocked latency count", d->count, 3);
	CHECK_EQ("blocked min", d->min, 10);
	CHECK_EQ("blocked max", d->max, 100);
	CHECK_EQ("blocked p50", latency_dist_percentile(d, 50, 100), 30);
	analysis_destroy(an);
}

/* a gap makes the threads of its trace unknown until their state is known
 * again; latencies across it are skipped and counted */
static void test_gap(void)
{
	const struct latency_dist *d;
	struct analysis_summary s;

	start();
	reg(0, 0, 1);
	reg(0, 1, 2);
	mc(10, 0, AN_OP_ISOLATE_REQUEST, H, 1);
	mc(11, 0, AN_OP_ISOLATE_REQUEST, W, 1); /* t0 waiting */
	mc(12, 1, AN_OP_HARMLESS_NOW, H, 1);
	gap(20, 30, 5);			      /* both unknown from 20 */
	mc(40, 0, AN_OP_ISOLATE_GRANT, H, 0); /* t0: W=1 granted: isolated */
	mc(45, 1, AN_OP_HARMLESS_END, H, 0);  /* t1: W unknown: unknown */
	mc(50, 0, AN_OP_RELEASE, W, 0);	      /* hold measured: 10; the W word
					       * shows t1's W=0: t1 running */
	mc(60, 1, AN_OP_HARMLESS_NOW, H, 1);  /* t1: I unknown: unknown */
	mc(70, 0, AN_OP_ISOLATE_REQUEST, H, 1);
	mc(71, 0, AN_OP_ISOLATE_REQUEST, W, 1);
	mc(80, 1, AN_OP_HARMLESS_END, H, 0);  /* t1 running (W=0, H=0) */
	mc(81, 1, AN_OP_HARMLESS_WAIT, H, 1); /* blocked */
	mc(90, 0, AN_OP_ISOLATE_GRANT, H, 0);
	mc(95, 0, AN_OP_RELEASE, W, 0);
	mc(96, 1, AN_OP_HARMLESS_END, H, 0);
	unreg(100, 0);
	unreg(100, 1);
	analysis_finish(an);
	analysis_get_summary(an, &s);
	CHECK_EQ("discarded", s.discarded_events, 5);
	/* 20..40, then 70..71: H set by the request, I not known since the gap */
	CHECK_EQ("t0 unknown", th(0)->state_ns[AN_UNKNOWN], 20 + 1);
	CHECK_EQ("t0 waiting", th(0)->state_ns[AN_WAITING], 9 + 19);
	CHECK_EQ("t1 unknown", th(1)->state_ns[AN_UNKNOWN], 30 + 20);
	CHECK_EQ("t1 blocked", th(1)->state_ns[AN_BLOCKED], 15);
	CHECK_EQ("t1 harmless", th(1)->state_ns[AN_HARMLESS], 8);
	CHECK_EQ("t1 running", th(1)->state_ns[AN_RUNNING], 12 + 10 + 1 + 4);
	d = analysis_latency(an, AN_LAT_ISOLATE_WAIT);
	CHECK_EQ("wait count", d->count, 1);
	CHECK_EQ("wait skipped", d->skipped_gap, 1);
	CHECK_EQ("wait value", d->max, 19);
	d = analysis_latency(an, AN_LAT_ISOLATION_HOLD);
	CHECK_EQ("hold count (grant after the gap)", d->count, 2);
	/* the 1st request spans the gap; at the 2nd, t1's I is not known yet:
	 * excluded, and neither has a straggler or grant_delay */
	CHECK_EQ("straggler not attributed", s.straggler_skipped_gap, 2);
	CHECK_EQ("t1 no straggler (unknown at the request)", th(1)->straggler_count, 0);
	CHECK_EQ("grant_delay skipped", analysis_latency(an, AN_LAT_GRANT_DELAY)->skipped_gap, 2);
	check_accounting("gap");
	analysis_destroy(an);
}

/* a gap in another trace (another process with per-PID buffers) leaves the
 * threads of this one alone */
static void test_gap_other_trace(void)
{
	struct analysis_gap g = {.trace_id = 9,
				 .has_times = true,
				 .begin_ns = 20,
				 .end_ns = 30,
				 .has_count = true,
				 .count = 3};

	start();
	reg(0, 0, 1);
	analysis_feed_gap(an, &g);
	unreg(100, 0);
	analysis_finish(an);
	CHECK_EQ("unknown", th(0)->state_ns[AN_UNKNOWN], 0);
	CHECK_EQ("running", th(0)->state_ns[AN_RUNNING], 100);
	analysis_destroy(an);
}

/* slot reuse adds to one entry; time after unregister is not counted; a
 * thread still registered at the end counts up to its process' last event */
static void test_slot_reuse_and_end(void)
{
	start();
	reg(0, 0, 11);
	mc(10, 0, AN_OP_HARMLESS_NOW, H, 1);
	mc(20, 0, AN_OP_UNREGISTER, H, 0);
	unreg(30, 0);
	reg(0, 1, 12); /* ts clamped to 30 (not before the last event) */
	mc(50, 1, AN_OP_HARMLESS_NOW, H, 1);
	reg(100, 0, 13); /* slot 0 reused */
	mc(150, 0, AN_OP_HARMLESS_NOW, H, 1);
	unreg(200, 0);
	mc(300, 1, AN_OP_HARMLESS_END, H, 0);
	feed((struct analysis_event){.ts = 900, .vpid = 77, .kind = AN_EV_DOMAIN_CREATE});
	analysis_finish(an);
	const struct analysis_thread *t = th(0);
	CHECK_EQ("threads", analysis_thread_count(an), 2);
	CHECK_EQ("registrations", t->registrations, 2);
	CHECK_EQ("os_tid latest", t->os_tid, 13);
	CHECK_EQ("running", t->state_ns[AN_RUNNING], 10 + 10 + 50);
	CHECK_EQ("harmless", t->state_ns[AN_HARMLESS], 10 + 50);
	/* thread 1 never unregisters: counted to 300, its process' last event,
	 * not to 900 (another process) */
	CHECK_EQ("t1 total", th(1)->state_ns[AN_RUNNING] + th(1)->state_ns[AN_HARMLESS], 270);
	analysis_destroy(an);
}

/* a thread first seen mid-life is unknown until its state is established */
static void test_first_seen_midlife(void)
{
	start();
	mc(10, 3, AN_OP_HARMLESS_NOW, H, 1); /* unknown: W, I not known */
	mc(20, 3, AN_OP_HARMLESS_END, H, 0);
	mc(30, 3, AN_OP_HARMLESS_WAIT, H, 1); /* blocked: established (W=0) */
	mc(40, 3, AN_OP_HARMLESS_END, H, 0);  /* running */
	mc(50, 3, AN_OP_IDLE_NOW, I, 1);
	mc(51, 3, AN_OP_IDLE_NOW, H, 1);
	mc(60, 3, AN_OP_IDLE_END, H, 0);
	analysis_finish(an);
	const struct analysis_thread *t = th(3);
	CHECK_EQ("unknown", t->state_ns[AN_UNKNOWN], 20);
	CHECK_EQ("blocked", t->state_ns[AN_BLOCKED], 10);
	CHECK_EQ("running", t->state_ns[AN_RUNNING], 11);
	CHECK_EQ("idle", t->state_ns[AN_IDLE], 9);
	CHECK_EQ("blocked latency", analysis_latency(an, AN_LAT_BLOCKED)->count, 1);
	analysis_destroy(an);
}

/* threads beyond 64 live in other mask words: a straggler in word 1, and a
 * gap whose knowledge comes back from the word of the right index only */
static void test_many_words(void)
{
	start();
	reg(0, 0, 1);
	reg(0, 70, 2);
	reg(0, 130, 3);
	mc(0, 70, AN_OP_REGISTER, H, 1); /* members (a registering one is not) */
	mc(0, 70, AN_OP_REGISTER, H, 0);
	mc(0, 130, AN_OP_REGISTER, H, 1);
	mc(0, 130, AN_OP_REGISTER, H, 0);
	mc(10, 0, AN_OP_ISOLATE_REQUEST, H, 1);
	mc(11, 0, AN_OP_ISOLATE_REQUEST, W, 1);
	mc(20, 130, AN_OP_HARMLESS_NOW, H, 1);
	mc(30, 70, AN_OP_HARMLESS_NOW, H, 1); /* last: 19 */
	mc(40, 0, AN_OP_ISOLATE_GRANT, H, 0);
	mc(50, 0, AN_OP_RELEASE, W, 0);
	gap(60, 61, 1);
	mc(70, 0, AN_OP_ISOLATE_REQUEST, H, 1);
	mc(71, 0, AN_OP_ISOLATE_REQUEST, W, 1); /* word 0 only: 70, 130 keep W unknown */
	mc(80, 70, AN_OP_HARMLESS_END, H, 0);	/* W unknown: unknown */
	mc(81, 70, AN_OP_HARMLESS_WAIT, H, 1);	/* blocked: known */
	mc(90, 0, AN_OP_ISOLATE_GRANT, H, 0);
	mc(95, 0, AN_OP_RELEASE, W, 0);
	mc(96, 70, AN_OP_HARMLESS_END, H, 0);
	unreg(100, 70);
	analysis_finish(an);
	/* the 2nd request comes after the gap, with 70's and 130's W still
	 * unknown: they are excluded, and it has no straggler */
	CHECK_EQ("t70 straggler", th(70)->straggler_count, 1);
	CHECK_EQ("t70 delay", th(70)->straggler_delay_ns, 19);
	CHECK_EQ("t130 late", th(130)->late_count, 1);
	CHECK_EQ("t130 late delay", th(130)->late_delay_ns, 9);
	CHECK_EQ("t130 straggler", th(130)->straggler_count, 0);
	CHECK_EQ("t70 unknown", th(70)->state_ns[AN_UNKNOWN], 21);
	CHECK_EQ("t70 blocked", th(70)->state_ns[AN_BLOCKED], 15);
	CHECK_EQ("t70 running", th(70)->state_ns[AN_RUNNING], 30 + 4);
	/* thread 130 never shows its W again: unknown from the gap to the end
	 * of its process (its last event: 100) */
	CHECK_EQ("t130 unknown", th(130)->state_ns[AN_UNKNOWN], 40);
	analysis_destroy(an);
}

/* nearest rank: sorted[ceil(p * n) - 1], exact then within 1% */
static void test_percentiles(void)
{
	static struct latency_dist d;
	uint64_t *v;
	const uint64_t n = 100000;

	latency_dist_init(&d);
	for (uint64_t i = 1; i <= 100; i++) {
		latency_dist_add(&d, 101 - i);
	}
	CHECK_EQ("p50", latency_dist_percentile(&d, 50, 100), 50);
	CHECK_EQ("p90", latency_dist_percentile(&d, 90, 100), 90);
	CHECK_EQ("p99", latency_dist_percentile(&d, 99, 100), 99);
	CHECK_EQ("p99.9", latency_dist_percentile(&d, 999, 1000), 100);
	latency_dist_init(&d);
	latency_dist_add(&d, 7);
	CHECK_EQ("single p50", latency_dist_percentile(&d, 50, 100), 7);

	/* beyond the exact buffer: a heavy-tailed set, within 1% of the truth */
	latency_dist_init(&d);
	v = malloc(n * sizeof(*v));
	uint64_t x = 88172645463325252ull;
	for (uint64_t i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		v[i] = (x % 1000) * (x % 1000) * (1 + (x >> 60)) + 1;
		latency_dist_add(&d, v[i]);
	}
	static const uint64_t ps[][2] = {{50, 100}, {90, 100}, {99, 100}, {999, 1000}};
	for (size_t k = 0; k < 4; k++) {
		uint64_t rank = (ps[k][0] * n + ps[k][1] - 1) / ps[k][1];
		uint64_t got = latency_dist_percentile(&d, ps[k][0], ps[k][1]);
		uint64_t truth;

		/* the true value: the smallest v with #(<= v) >= rank */
		uint64_t lo = 0, hi = UINT64_MAX / 4;
		while (lo < hi) {
			uint64_t mid = lo + (hi - lo) / 2, c = 0;

			for (uint64_t i = 0; i < n; i++) {
				c += v[i] <= mid;
			}
			if (c >= rank) {
				hi = mid;
			} else {
				lo = mid + 1;
			}
		}
		truth = lo;
		if ((double)(got > truth ? got - truth : truth - got) > 0.01 * (double)truth) {
			fprintf(stderr,
				"percentile %" PRIu64 "/%" PRIu64 ": got %" PRIu64
				", truth %" PRIu64 "\n",
				ps[k][0], ps[k][1], got, truth);
			failures++;
		}
	}
	free(v);
}

/* skipped_gap counts the starts of the trace a gap hid the end of, and
 * only those: an end whose start may lie in the gap is no sample at all
 * (it used to be counted, so count + skipped exceeded the starts) */
static void test_sample_accounting(void)
{
	const struct latency_dist *d;

	start();
	reg(0, 0, 1);
	reg(0, 1, 2);
	mc(10, 0, AN_OP_HARMLESS_WAIT, H, 1); /* t0 blocked: a start */
	gap(20, 30, 5);			      /* t0's end is lost: skipped */
	mc(40, 0, AN_OP_HARMLESS_END, H, 0);
	mc(50, 1, AN_OP_HARMLESS_NOW, H, 1);  /* t1: nothing pending */
	mc(60, 1, AN_OP_HARMLESS_END, H, 0);  /* an H clear, no start seen: none */
	mc(70, 0, AN_OP_HARMLESS_WAIT, H, 1); /* measured */
	mc(75, 0, AN_OP_HARMLESS_END, H, 0);
	mc(80, 1, AN_OP_HARMLESS_WAIT, H, 1); /* still blocked at the end */
	analysis_finish(an);
	d = analysis_latency(an, AN_LAT_BLOCKED);
	CHECK_EQ("blocked started", d->started, 3);
	CHECK_EQ("blocked count", d->count, 1);
	CHECK_EQ("blocked skipped", d->skipped_gap, 1);
	CHECK_EQ("blocked unfinished", d->unfinished, 1);
	check_accounting("sample accounting");
	analysis_destroy(an);
}

/* one isolation record per grant, carrying the samples the distributions
 * got; an isolation cut by unregister is reported, not measured */
static void test_isolation_records(void)
{
	struct analysis_callbacks cb = {.isolation = on_isolation};
	const struct latency_dist *d;

	start_cb(&cb);
	reg(0, 0, 1);
	reg(0, 1, 2);
	caller = 0x401234;
	mc(10, 0, AN_OP_ISOLATE_REQUEST, H, 1);
	mc(11, 0, AN_OP_ISOLATE_REQUEST, W, 1);
	caller = 0;
	mc(30, 0, AN_OP_ISOLATE_GRANT, H, 0);
	mc(45, 0, AN_OP_RELEASE, W, 0);
	mc(50, 0, AN_OP_ISOLATE_FULL_REQUEST, H, 1);
	mc(51, 0, AN_OP_ISOLATE_FULL_REQUEST, W, 1);
	mc(60, 0, AN_OP_ISOLATE_GRANT, H, 0);
	unreg(70, 0); /* while isolated */
	analysis_finish(an);
	CHECK_EQ("records", nisos, 2);
	CHECK_EQ("grants", th(0)->isolations, 2);
	CHECK_EQ("1: request", isos[0].request_ns, 11);
	CHECK_EQ("1: wait", isos[0].has_wait && isos[0].wait_ns == 19, 1);
	CHECK_EQ("1: hold", isos[0].has_hold && isos[0].hold_ns == 15, 1);
	CHECK_EQ("1: release", isos[0].release_ns, 45);
	CHECK_EQ("1: sure", isos[0].end_unsure, 0);
	CHECK_EQ("1: caller",
		 isos[0].request_site ? analysis_site_at(an, isos[0].request_site)->address : 0,
		 0x401234);
	CHECK_EQ("2: full", isos[1].full, 1);
	CHECK_EQ("2: wait", isos[1].has_wait && isos[1].wait_ns == 9, 1);
	CHECK_EQ("2: no hold sample", isos[1].has_hold, 0);
	CHECK_EQ("2: cut at unregister", isos[1].release_ns == 70 && isos[1].end_unsure, 1);
	d = analysis_latency(an, AN_LAT_ISOLATION_HOLD);
	CHECK_EQ("hold count", d->count, 1);
	CHECK_EQ("hold unfinished", d->unfinished, 1);
	CHECK_EQ("wait count", analysis_latency(an, AN_LAT_ISOLATE_WAIT)->count, 2);
	check_accounting("isolation records");
	analysis_destroy(an);
}

/* a timed request that gives up (isolate_timeout, provider version 2)
 * ends without a grant: timed out, no sample, no isolation, and the thread
 * is never shown isolated while it withdraws (H cleared before W) */
static void test_timeout(void)
{
	struct analysis_callbacks cb = {.isolation = on_isolation};
	const struct latency_dist *d;

	start_cb(&cb);
	reg(0, 0, 1);
	reg(0, 1, 2);
	mc(10, 0, AN_OP_ISOLATE_REQUEST, H, 1);
	mc(11, 0, AN_OP_ISOLATE_REQUEST, W, 1); /* waiting */
	mc(50, 0, AN_OP_ISOLATE_TIMEOUT, H, 0); /* withdrawing: running */
	mc(52, 0, AN_OP_ISOLATE_TIMEOUT, W, 0); /* back where it called from */
	mc(60, 0, AN_OP_ISOLATE_REQUEST, W, 1); /* a second one, W first */
	mc(61, 0, AN_OP_ISOLATE_REQUEST, H, 1);
	mc(70, 0, AN_OP_ISOLATE_TIMEOUT, W, 0);
	mc(71, 0, AN_OP_ISOLATE_TIMEOUT, H, 0);
	unreg(100, 0);
	unreg(100, 1);
	analysis_finish(an);
	d = analysis_latency(an, AN_LAT_ISOLATE_WAIT);
	CHECK_EQ("timed out", d->timed_out, 2);
	CHECK_EQ("no wait sample", d->count, 0);
	CHECK_EQ("no isolation", nisos, 0);
	CHECK_EQ("no grant", th(0)->isolations, 0);
	CHECK_EQ("never isolated", th(0)->state_ns[AN_ISOLATED], 0);
	CHECK_EQ("waiting", th(0)->state_ns[AN_WAITING], 39 + 10);
	check_accounting("timeout");
	analysis_destroy(an);
}

/* rdv:stall: the requester and its late threads as lanes (an index never
 * seen is left out) */
static void test_stall(void)
{
	struct analysis_callbacks cb = {.stall = on_stall};
	static const uint32_t late[3] = {2, 1, 7};
	struct analysis_summary s;

	start_cb(&cb);
	reg(0, 0, 1);
	reg(0, 1, 2);
	reg(0, 2, 3);
	mc(10, 0, AN_OP_ISOLATE_REQUEST, H, 1);
	mc(11, 0, AN_OP_ISOLATE_REQUEST, W, 1);
	feed((struct analysis_event){.ts = 500,
				     .kind = AN_EV_STALL,
				     .domain = DOM,
				     .thread = 0,
				     .waited_ns = 489,
				     .late = late,
				     .nlate = 3});
	analysis_finish(an);
	analysis_get_summary(an, &s);
	CHECK_EQ("stalls", s.stalls, 1);
	CHECK_EQ("reported", nstalls, 1);
	CHECK_EQ("requester", stall.lane, th(0)->lane);
	CHECK_EQ("waited", stall.waited_ns, 489);
	CHECK_EQ("late known", stall.nlate, 2);
	CHECK_EQ("late 0", stall_late[0], th(2)->lane);
	CHECK_EQ("late 1", stall_late[1], th(1)->lane);
	analysis_destroy(an);
}

/* ---- blame (DESIGN.md §4 rdv-analyze/2; the rules are blame.c's) ---- */

/* Callers standing for the program's lines. */
enum {
	S_REQ = 0x1000,
	S_REQ2 = 0x1080,
	S_HNOW = 0x1100,
	S_HEND = 0x1200,
	S_INOW = 0x1300,
	S_IEND = 0x1400,
	S_REG = 0x1500,
	S_REL = 0x1600,
	S_UNREG = 0x1700,
};

static void at(uint64_t site)
{
	caller = site;
}

/* An event whose `old` word is given (a stamping race: its atomic
 * operation came at another place in the word's order than its time). */
static void mcw(uint64_t ts, uint32_t t, enum analysis_op op, enum analysis_mask m, uint64_t old,
		uint64_t new)
{
	feed((struct analysis_event){.ts = ts,
				     .kind = AN_EV_MASK_CHANGE,
				     .domain = DOM,
				     .thread = t,
				     .op = op,
				     .mask = m,
				     .word = t / 64,
				     .old_word = old,
				     .new_word = new,
				     .caller = caller});
}

/* The core's sequences (librdv 1.1), each bit changed only if it changes. */
static void set_bit(uint64_t ts, uint32_t t, enum analysis_op op, enum analysis_mask m, int set)
{
	uint64_t bit = UINT64_C(1) << (t % 64);

	if (((words[m] & bit) != 0) != (set != 0)) {
		mc(ts, t, op, m, set);
	}
}

static void member(uint64_t ts, uint32_t t)
{
	reg(ts, t, (int32_t)(100 + t));
	at(S_REG);
	set_bit(ts, t, AN_OP_REGISTER, I, 1);
	set_bit(ts, t, AN_OP_REGISTER, H, 1);
	set_bit(ts, t, AN_OP_REGISTER, H, 0);
	set_bit(ts, t, AN_OP_REGISTER, I, 0);
}

static void idle_now(uint64_t ts, uint32_t t)
{
	at(S_INOW);
	set_bit(ts, t, AN_OP_IDLE_NOW, I, 1);
	set_bit(ts, t, AN_OP_IDLE_NOW, H, 1);
}

static void idle_end(uint64_t ts, uint32_t t)
{
	at(S_IEND);
	set_bit(ts, t, AN_OP_IDLE_END, H, 0);
	set_bit(ts, t, AN_OP_IDLE_END, I, 0);
}

static void harmless_now(uint64_t ts, uint32_t t)
{
	at(S_HNOW);
	set_bit(ts, t, AN_OP_HARMLESS_NOW, H, 1);
}

static void harmless_end(uint64_t ts, uint32_t t)
{
	at(S_HEND);
	set_bit(ts, t, AN_OP_HARMLESS_END, H, 0);
}

static void request_at(uint64_t ts, uint32_t t, int full, uint64_t site)
{
	enum analysis_op op = full ? AN_OP_ISOLATE_FULL_REQUEST : AN_OP_ISOLATE_REQUEST;

	at(site);
	set_bit(ts, t, op, H, 1);
	set_bit(ts, t, op, W, 1);
	set_bit(ts, t, op, I, full);
}

static void request(uint64_t ts, uint32_t t, int full)
{
	request_at(ts, t, full, S_REQ);
}

static void grant_at(uint64_t ts, uint32_t t, uint64_t site)
{
	at(site);
	set_bit(ts, t, AN_OP_ISOLATE_GRANT, I, 0);
	set_bit(ts, t, AN_OP_ISOLATE_GRANT, H, 0);
}

static void grant(uint64_t ts, uint32_t t)
{
	grant_at(ts, t, S_REQ);
}

static void release(uint64_t ts, uint32_t t)
{
	at(S_REL);
	set_bit(ts, t, AN_OP_RELEASE, I, 0);
	set_bit(ts, t, AN_OP_RELEASE, H, 0);
	set_bit(ts, t, AN_OP_RELEASE, W, 0);
}

static uint64_t addr(uint32_t site)
{
	const struct analysis_site *s = analysis_site_at(an, site);

	return s ? s->address : 0;
}

/* Isolation k's late thread t: its record, or NULL. */
static const struct analysis_late *late_of(unsigned k, uint32_t t)
{
	for (uint32_t i = 0; i < isos[k].nlate && i < 8; i++) {
		if (isos[k].late[i].lane == th(t)->lane) {
			return &isos[k].late[i];
		}
	}
	return NULL;
}

static void check_late(const char *what, unsigned k, uint32_t t, uint64_t delay, uint64_t from,
		       uint64_t to, int straggler)
{
	const struct analysis_late *l = late_of(k, t);

	if (!l) {
		fprintf(stderr, "%s: thread %u not late for isolation %u\n", what, t, k);
		failures++;
		return;
	}
	CHECK_EQ(what, l->has_delay, 1);
	CHECK_EQ(what, l->delay_ns, delay);
	CHECK_EQ(what, addr(l->from_site), from);
	CHECK_EQ(what, addr(l->to_site), to);
	CHECK_EQ(what, l->straggler, straggler);
}

static void check_wait_sum(unsigned k)
{
	const struct analysis_isolation *x = &isos[k];
	uint64_t d = x->straggler_lane == UINT32_MAX ? 0 : x->straggler_ns - x->request_ns;

	/* wait = straggler delay + grant_delay */
	CHECK_EQ("wait = straggler delay + grant_delay", x->wait_ns, d + x->grant_delay_ns);
}

static struct analysis_callbacks iso_cb = {.isolation = on_isolation};

/* Plain: a running thread is late until it is harmless again, its section
 * from its harmless_end to its harmless_now; a harmless or idle one is
 * not, whatever it does afterwards; the straggler is the one ready last. */
static void test_blame_plain(void)
{
	size_t n;
	const struct analysis_section *sec;

	start_cb(&iso_cb);
	for (uint32_t t = 0; t < 4; t++) {
		member(0, t);
	}
	harmless_now(10, 1); /* ready */
	idle_now(10, 3);     /* ready */
	harmless_now(20, 2);
	harmless_end(30, 2); /* running: late */
	request(100, 0, 0);
	harmless_now(150, 2); /* ready: 50 */
	harmless_end(160, 1); /* left after the request: not late */
	grant(170, 0);
	release(200, 0);
	/* two late: ready at 320 and 350 */
	harmless_end(210, 2);
	request(300, 0, 0);
	harmless_now(320, 1);
	idle_now(350, 2);
	grant(360, 0);
	release(400, 0);
	analysis_finish(an);
	CHECK_EQ("records", nisos, 2);
	CHECK_EQ("1: late", isos[0].nlate, 1);
	check_late("1: t2", 0, 2, 50, S_HEND, S_HNOW, 1);
	CHECK_EQ("1: straggler", isos[0].straggler_lane, th(2)->lane);
	CHECK_EQ("1: straggler ready", isos[0].straggler_ns, 150);
	CHECK_EQ("1: grant_delay", isos[0].has_grant_delay && isos[0].grant_delay_ns == 20, 1);
	CHECK_EQ("1: known", isos[0].blame_known, 1);
	CHECK_EQ("1: site", addr(isos[0].request_site), S_REQ);
	check_wait_sum(0);
	CHECK_EQ("2: late", isos[1].nlate, 2);
	check_late("2: t1", 1, 1, 20, S_HEND, S_HNOW, 0);
	check_late("2: t2", 1, 2, 50, S_HEND, S_INOW, 1);
	CHECK_EQ("2: grant_delay", isos[1].grant_delay_ns, 10);
	check_wait_sum(1);
	CHECK_EQ("t2 late", th(2)->late_count, 2);
	CHECK_EQ("t2 late delay", th(2)->late_delay_ns, 100);
	CHECK_EQ("t2 straggler", th(2)->straggler_count, 2);
	CHECK_EQ("t2 straggler delay", th(2)->straggler_delay_ns, 100);
	CHECK_EQ("t2 straggler max", th(2)->straggler_max_ns, 50);
	CHECK_EQ("t1 late", th(1)->late_count, 1);
	CHECK_EQ("t1 straggler", th(1)->straggler_count, 0);
	CHECK_EQ("t3 late", th(3)->late_count, 0);
	sec = analysis_thread_sections(an, th(2)->lane, true, &n);
	CHECK_EQ("t2 sections", n, 2);
	for (size_t i = 0; i < n; i++) {
		CHECK_EQ("t2 section",
			 sec[i].count == 1 && sec[i].delay_ns == 50 &&
			     addr(sec[i].from_site) == S_HEND,
			 1);
	}
	CHECK_EQ("grant_delay count", analysis_latency(an, AN_LAT_GRANT_DELAY)->count, 2);
	CHECK_EQ("requesters", analysis_requester_count(an), 1);
	CHECK_EQ("requester site", addr(analysis_requester_at(an, 0)->site), S_REQ);
	CHECK_EQ("requester count", analysis_requester_at(an, 0)->count, 2);
	CHECK_EQ("requester wait", analysis_requester_at(an, 0)->wait->count, 2);
	CHECK_EQ("requester grant_delay max", analysis_requester_at(an, 0)->grant_delay->max, 20);
	check_accounting("blame plain");
	analysis_destroy(an);
}

/* Full: harmless is not enough, idle is; from its last ready state (its
 * registration, its idle_end) to its idle_now; one that blinks after the
 * request (blocked in idle_end, I set) is not late. */
static void test_blame_full(void)
{
	start_cb(&iso_cb);
	for (uint32_t t = 0; t < 4; t++) {
		member(0, t);
	}
	harmless_now(10, 1); /* harmless, not idle: late */
	idle_now(10, 2);     /* idle: ready */
	idle_now(10, 3);
	idle_end(20, 3); /* running: late */
	request(100, 0, 1);
	harmless_end(110, 1);
	idle_now(130, 1); /* ready: 30 */
	idle_now(150, 3); /* ready: 50 */
	at(S_IEND);
	mc(160, 2, AN_OP_IDLE_END, H, 0); /* after the request: a blink, not late */
	mc(161, 2, AN_OP_HARMLESS_WAIT, H, 1);
	grant(170, 0);
	release(180, 0);
	analysis_finish(an);
	CHECK_EQ("records", nisos, 1);
	CHECK_EQ("full", isos[0].full, 1);
	CHECK_EQ("late", isos[0].nlate, 2);
	check_late("t1", 0, 1, 30, S_REG, S_INOW, 0);
	check_late("t3", 0, 3, 50, S_IEND, S_INOW, 1);
	CHECK_EQ("t2 not late", late_of(0, 2) == NULL, 1);
	CHECK_EQ("grant_delay", isos[0].grant_delay_ns, 20);
	check_wait_sum(0);
	check_accounting("blame full");
	analysis_destroy(an);
}

/* A thread whose idle_end cleared H before the request blinks if its next
 * event is the harmless_wait of that call (never late); it left if not
 * (late from its idle_end); for a full request, one entering idle (I set,
 * H about to be) is not late. */
static void test_blame_blink(void)
{
	start_cb(&iso_cb);
	member(0, 0);
	member(0, 1);
	member(0, 2);
	idle_now(10, 1);
	idle_now(10, 2);
	at(S_IEND);
	mc(50, 2, AN_OP_IDLE_END, H, 0); /* before the request */
	request(100, 0, 0);
	at(S_IEND);
	mc(110, 2, AN_OP_HARMLESS_WAIT, H, 1); /* it saw a request: blocked */
	at(S_IEND);
	mc(120, 1, AN_OP_IDLE_END, H, 0); /* idle at the request: blinks after */
	mc(121, 1, AN_OP_HARMLESS_WAIT, H, 1);
	grant(130, 0);
	release(140, 0);
	at(S_IEND);
	mc(150, 1, AN_OP_IDLE_END, H, 0);
	mc(150, 1, AN_OP_IDLE_END, I, 0);
	mc(150, 2, AN_OP_IDLE_END, H, 0);
	mc(150, 2, AN_OP_IDLE_END, I, 0);
	/* 2: t2 leaves idle just before the request, without blocking */
	idle_now(200, 1);
	idle_now(200, 2);
	at(S_IEND);
	mc(250, 2, AN_OP_IDLE_END, H, 0);
	request(300, 0, 0);
	at(S_IEND);
	mc(310, 2, AN_OP_IDLE_END, I, 0); /* not a blink: it left */
	harmless_now(400, 2);		  /* ready: 100 */
	grant(410, 0);
	release(420, 0);
	/* 3: full, the same blink before the request: not late */
	harmless_end(430, 2);
	idle_now(500, 2);
	at(S_IEND);
	mc(550, 2, AN_OP_IDLE_END, H, 0);
	request(600, 0, 1);
	at(S_IEND);
	mc(610, 2, AN_OP_HARMLESS_WAIT, H, 1);
	grant(620, 0);
	release(630, 0);
	/* 4: full, t1 entering idle at the request (I set, then H) */
	idle_end(640, 1);
	at(S_INOW);
	mc(700, 1, AN_OP_IDLE_NOW, I, 1);
	request(710, 0, 1);
	at(S_INOW);
	mc(711, 1, AN_OP_IDLE_NOW, H, 1);
	grant(720, 0);
	release(730, 0);
	analysis_finish(an);
	CHECK_EQ("records", nisos, 4);
	CHECK_EQ("1: nobody late", isos[0].nlate, 0);
	CHECK_EQ("1: no straggler", isos[0].straggler_lane, UINT32_MAX);
	CHECK_EQ("1: grant_delay = wait", isos[0].grant_delay_ns, 30);
	CHECK_EQ("2: t2 late", isos[1].nlate, 1);
	check_late("2: t2", 1, 2, 100, S_IEND, S_HNOW, 1);
	CHECK_EQ("3: nobody late", isos[2].nlate, 0);
	CHECK_EQ("4: nobody late", isos[3].nlate, 0);
	CHECK_EQ("t1 never late", th(1)->late_count, 0);
	analysis_destroy(an);
}

/* Stamping races on one word: readiness at the request is the requester's
 * H-set `old` word, not the trace order. */
static void test_blame_exact_words(void)
{
	start_cb(&iso_cb);
	member(0, 0);
	member(0, 1);
	idle_now(10, 1);
	/* t1's idle_end H clear came first in the word, but is stamped after
	 * the request: late (in trace order it looks idle at the request) */
	words[H] &= ~UINT64_C(2);
	request(100, 0, 0); /* its H set: old = t1 clear */
	at(S_IEND);
	mcw(105, 1, AN_OP_IDLE_END, H, 0x2, 0x0); /* old without t0: before it */
	words[H] = 0x1;
	at(S_IEND);
	mc(106, 1, AN_OP_IDLE_END, I, 0);
	harmless_now(150, 1); /* ready: 50 */
	grant(160, 0);
	release(170, 0);
	/* t1's H clear came after the request's H set, but is stamped before
	 * it: ready at the request, whatever it does then */
	idle_now(200, 1); /* H word 0x2 */
	at(S_IEND);
	mcw(299, 1, AN_OP_IDLE_END, H, 0x3, 0x1); /* old with t0: after it */
	at(S_REQ);
	mcw(300, 0, AN_OP_ISOLATE_REQUEST, H, 0x2, 0x3); /* old: t1 still set */
	words[H] = 0x1;
	mc(300, 0, AN_OP_ISOLATE_REQUEST, W, 1);
	at(S_IEND);
	mc(310, 1, AN_OP_IDLE_END, I, 0);
	harmless_now(330, 1);
	grant(340, 0);
	release(350, 0);
	analysis_finish(an);
	CHECK_EQ("records", nisos, 2);
	CHECK_EQ("1: t1 late", isos[0].nlate, 1);
	check_late("1: t1", 0, 1, 50, S_IEND, S_HNOW, 1);
	CHECK_EQ("2: nobody late", isos[1].nlate, 0);
	analysis_destroy(an);
}

/* Requests queued behind others: a thread waiting in its own request at
 * the request, granted first, holds it back until it is ready again (its
 * section from its request site); one that stays waiting does not. */
static void test_blame_queued(void)
{
	start_cb(&iso_cb);
	member(0, 0);
	member(0, 1);
	member(0, 2);
	idle_now(10, 2);
	harmless_now(50, 1);
	request(100, 0, 0);	       /* R1 */
	request_at(120, 1, 0, S_REQ2); /* R2, behind R1: only W (H is set) */
	grant(130, 0);		       /* R1 first */
	release(160, 0);	       /* then blocks: R2 is pending */
	at(S_REL);
	mc(161, 0, AN_OP_HARMLESS_WAIT, H, 1);
	grant_at(170, 1, S_REQ2);
	release(180, 1);
	at(S_REL);
	mc(181, 0, AN_OP_RELEASE, H, 0);
	/* R3 while R4's requester holds: the holder is late from its grant */
	harmless_now(190, 0);
	request_at(200, 1, 0, S_REQ2);
	grant_at(205, 1, S_REQ2);
	harmless_end(210, 0);
	request(220, 0, 0); /* t1 holds: late */
	release(250, 1);
	at(S_REL);
	mc(251, 1, AN_OP_HARMLESS_WAIT, H, 1); /* ready: 31 */
	grant(260, 0);
	release(270, 0);
	analysis_finish(an);
	CHECK_EQ("records", nisos, 4);
	CHECK_EQ("R1: nobody late", isos[0].nlate, 0);
	/* t0 was waiting in its own request at R2's: ready, never late for
	 * it (DESIGN §4), though granted first: R2's wait is grant_delay */
	CHECK_EQ("R2: t0 not late", isos[1].nlate, 0);
	CHECK_EQ("R2: grant_delay", isos[1].grant_delay_ns, 50);
	check_wait_sum(1);
	CHECK_EQ("R2 site", addr(isos[1].request_site), S_REQ2);
	check_late("R4: t1 holding", 3, 1, 31, S_REQ2, S_REL, 1);
	CHECK_EQ("requesters", analysis_requester_count(an), 2);
	analysis_destroy(an);
}

/* For a full request, ready is the I bit (DESIGN §4): a thread caught
 * between its H clear and its I clear in rdv_idle_end() is ready, never
 * late; one running is late until its I set (idle_now sets I, then H). */
static void test_blame_full_ibit(void)
{
	start_cb(&iso_cb);
	member(0, 0);
	member(0, 1);
	idle_now(10, 1);
	at(S_IEND);
	set_bit(90, 1, AN_OP_IDLE_END, H, 0); /* leaving idle: I still set */
	request(100, 0, 1);
	at(S_IEND);
	set_bit(105, 1, AN_OP_IDLE_END, I, 0);
	idle_now(150, 1);
	grant(160, 0);
	release(170, 0);
	idle_end(180, 1); /* running */
	request(200, 0, 1);
	at(S_INOW);
	set_bit(250, 1, AN_OP_IDLE_NOW, I, 1); /* ready here: 50 */
	set_bit(255, 1, AN_OP_IDLE_NOW, H, 1);
	grant(260, 0);
	release(270, 0);
	analysis_finish(an);
	CHECK_EQ("records", nisos, 2);
	CHECK_EQ("1: I set at the request: not late", isos[0].nlate, 0);
	CHECK_EQ("1: grant_delay: the whole wait", isos[0].grant_delay_ns, 60);
	CHECK_EQ("2: t1 late", isos[1].nlate, 1);
	check_late("2: t1", 1, 1, 50, S_IEND, S_INOW, 1);
	CHECK_EQ("2: grant_delay", isos[1].grant_delay_ns, 10);
	analysis_destroy(an);
}

/* Membership: a thread registering during a request (or registered, not
 * yet a member) is not late; one that unregisters while late stops holding
 * the request there (its to-site the unregistering call, none when no
 * mask changed). */
static void test_blame_membership(void)
{
	start_cb(&iso_cb);
	member(0, 0);
	member(0, 1);
	reg(50, 2, 102); /* not a member before its register H set */
	request(100, 0, 0);
	at(S_REG);
	mc(110, 2, AN_OP_REGISTER, I, 1);
	mc(110, 2, AN_OP_REGISTER, H, 1);
	mc(111, 2, AN_OP_REGISTER, H, 0);
	mc(111, 2, AN_OP_REGISTER, I, 0);
	reg(120, 3, 103); /* registers during the request */
	unreg(150, 1);	  /* late (running), leaves: no mask change */
	grant(160, 0);
	release(170, 0);
	harmless_now(200, 2);
	request(300, 0, 1); /* t2 harmless, not idle: late; t3 not a member */
	at(S_UNREG);
	mc(350, 2, AN_OP_UNREGISTER, H, 0);
	unreg(351, 2);
	grant(360, 0);
	release(370, 0);
	analysis_finish(an);
	CHECK_EQ("records", nisos, 2);
	CHECK_EQ("1: only t1", isos[0].nlate, 1);
	check_late("1: t1 left", 0, 1, 50, S_REG, 0, 1);
	CHECK_EQ("2: only t2", isos[1].nlate, 1);
	check_late("2: t2 left", 1, 2, 50, S_REG, S_UNREG, 1);
	CHECK_EQ("t3 never late", th(3)->late_count, 0);
	analysis_destroy(an);
}

/* A request that times out blames nobody; a thread waiting in its own
 * request at a later request is ready for it, and stays not late when it
 * withdraws by timeout and returns running (DESIGN §4: whatever it does
 * afterwards). */
static void test_blame_timeout(void)
{
	const struct latency_dist *d;

	start_cb(&iso_cb);
	member(0, 0);
	member(0, 1);
	member(0, 2);
	idle_now(10, 2);
	request(100, 0, 0); /* t1 running: late */
	harmless_now(120, 1);
	at(S_REQ);
	mc(150, 0, AN_OP_ISOLATE_TIMEOUT, W, 0);
	mc(150, 0, AN_OP_ISOLATE_TIMEOUT, H, 0);
	request_at(200, 1, 0, S_REQ2); /* harmless: only W */
	request(210, 0, 0);	       /* t1 waiting: ready unless it leaves */
	at(S_REQ2);
	mc(230, 1, AN_OP_ISOLATE_TIMEOUT, W, 0);
	mc(230, 1, AN_OP_ISOLATE_TIMEOUT, H, 0); /* withdrawn, running */
	harmless_now(260, 1);			 /* ready: 50 */
	grant(270, 0);
	release(280, 0);
	analysis_finish(an);
	CHECK_EQ("records", nisos, 1);
	CHECK_EQ("t1 withdrew: not late", isos[0].nlate, 0);
	CHECK_EQ("t1 never late", th(1)->late_count, 0);
	CHECK_EQ("grant_delay: the whole wait", isos[0].grant_delay_ns, 60);
	d = analysis_latency(an, AN_LAT_ISOLATE_WAIT);
	CHECK_EQ("timed out", d->timed_out, 2);
	CHECK_EQ("grant_delay", analysis_latency(an, AN_LAT_GRANT_DELAY)->count, 1);
	check_accounting("blame timeout");
	analysis_destroy(an);
}

/* Gaps: a request a gap hits blames nobody; a thread unknown at the
 * request is excluded and the request has no straggler nor grant_delay
 * (the others' delays are kept). */
static void test_blame_gaps(void)
{
	struct analysis_summary s;
	const struct latency_dist *d;

	start_cb(&iso_cb);
	member(0, 0);
	member(0, 1);
	member(0, 2);
	idle_now(50, 2); /* after the gap: H, I, W from the words, not blocked */
	request(100, 0, 0);
	harmless_now(120, 1);
	gap(130, 140, 3);
	grant(160, 0);
	release(170, 0);
	unreg(200, 1);
	member(200, 1); /* known again; t2 is not */
	request(300, 0, 0);
	harmless_now(330, 1); /* ready: 30 */
	grant(340, 0);
	release(350, 0);
	analysis_finish(an);
	analysis_get_summary(an, &s);
	CHECK_EQ("records", nisos, 2);
	CHECK_EQ("1: no blame", isos[0].nlate, 0);
	CHECK_EQ("1: unknown", isos[0].blame_known, 0);
	CHECK_EQ("2: t1 late", isos[1].nlate, 1);
	CHECK_EQ("2: t1 delay kept", late_of(1, 1) && late_of(1, 1)->delay_ns == 30, 1);
	CHECK_EQ("2: no straggler", isos[1].straggler_lane, UINT32_MAX);
	CHECK_EQ("2: no grant_delay", isos[1].has_grant_delay, 0);
	CHECK_EQ("t1 late once", th(1)->late_count, 1);
	CHECK_EQ("t1 never straggler", th(1)->straggler_count, 0);
	CHECK_EQ("skipped", s.straggler_skipped_gap, 2);
	d = analysis_latency(an, AN_LAT_GRANT_DELAY);
	CHECK_EQ("grant_delay skipped", d->skipped_gap, 2);
	CHECK_EQ("grant_delay count", d->count, 0);
	check_accounting("blame gaps");
	analysis_destroy(an);
}

/* Threads first seen without their registration (rdv-trace attach, or
 * after a gap) that never request: their W bit is only ever learned from
 * the others' words, or implied (harmless_wait: a blocked thread is no
 * requester). W known 0 says they hold no isolation: their state is then
 * whole, and the requests after that get their blame. (It was not: "granted"
 * stayed unknown until the thread's own W changed, which a worker's never
 * does, so an attached trace, or any trace after its first lost event, had
 * no straggler and no grant_delay at all.) */
static void test_blame_attach(void)
{
	struct analysis_summary s;

	start_cb(&iso_cb);
	idle_now(10, 1); /* H, I, blocked known; W not */
	idle_now(20, 2);
	harmless_now(30, 3);
	harmless_end(40, 3);
	at(S_HEND);
	mc(50, 3, AN_OP_HARMLESS_WAIT, H, 1); /* W=0 implied */
	at(S_HEND);
	mc(60, 3, AN_OP_HARMLESS_END, H, 0);
	request(100, 0, 0); /* its W set's word: t1, t2 have W=0 */
	grant(110, 0);
	release(120, 0);
	idle_end(150, 1); /* running */
	request(300, 0, 0);
	idle_now(350, 1);     /* ready: 50 */
	harmless_now(355, 3); /* ready: 55, the straggler */
	grant(360, 0);
	release(400, 0);
	analysis_finish(an);
	analysis_get_summary(an, &s);
	CHECK_EQ("records", nisos, 2);
	CHECK_EQ("2: known", isos[1].blame_known, 1);
	CHECK_EQ("2: late", isos[1].nlate, 2);
	check_late("2: t1", 1, 1, 50, S_IEND, S_INOW, 0);
	check_late("2: t3", 1, 3, 55, S_HEND, S_HNOW, 1);
	CHECK_EQ("2: grant_delay", isos[1].has_grant_delay && isos[1].grant_delay_ns == 5, 1);
	check_wait_sum(1);
	CHECK_EQ("t3 straggler", th(3)->straggler_count, 1);
	check_accounting("blame attach");
	analysis_destroy(an);
}

/* A trace that starts while the program runs: a member not seen yet at a
 * request (t2 here, running then) may be what holds it back: its first
 * event comes before the grant (it is its ready instant), and the blame of
 * the pending request is then not known rather than complete without it.
 * (It said nobody was late: a grant_delay of 60, t2's delay.) */
static void test_blame_unseen_member(void)
{
	start_cb(&iso_cb);
	idle_now(10, 1);
	harmless_end(20, 0); /* t0, t1: seen; t0's W learned at its request */
	request(100, 0, 0);
	idle_end(110, 1);
	idle_now(120, 1); /* t1: late 20 */
	idle_now(150, 2); /* t2's first event: ready, late 50 */
	grant(160, 0);
	release(170, 0);
	idle_end(200, 2);
	request(300, 0, 0);
	idle_now(340, 2); /* t2 known: the straggler, 40 */
	grant(350, 0);
	release(360, 0);
	analysis_finish(an);
	CHECK_EQ("records", nisos, 2);
	CHECK_EQ("1: unknown", isos[0].blame_known, 0);
	CHECK_EQ("1: no straggler", isos[0].straggler_lane, UINT32_MAX);
	CHECK_EQ("2: known", isos[1].blame_known, 1);
	check_late("2: t2", 1, 2, 40, S_IEND, S_INOW, 1);
	check_accounting("blame unseen member");
	analysis_destroy(an);
}

/* What an event inside a gap's window tells may be stale before the
 * window ends: the lossy stream's lost events lie anywhere in it while the
 * other streams go on. Here t1's bits are all told by t0's words at 130,
 * inside the window [100, 200), and t1's idle_now at 150 is lost: t1 must
 * not be "running" from 130 on (it was not), nor late for t0's request. */
static void test_gap_window(void)
{
	const uint64_t b1 = UINT64_C(1) << 1;

	start_cb(&iso_cb);
	member(0, 0);
	member(0, 1); /* running */
	member(0, 2);
	idle_now(10, 2);
	gap(100, 200, 5);
	request(130, 0, 1); /* full: its H, W, I words tell t1 0, 0, 0 */
	words[I] |= b1;	    /* lost: t1's idle_now at 150 */
	words[H] |= b1;
	grant(300, 0);
	release(310, 0);
	analysis_finish(an);
	CHECK_EQ("t1 running", th(1)->state_ns[AN_RUNNING], 100);
	CHECK_EQ("t1 not late", th(1)->late_count, 0);
	CHECK_EQ("records", nisos, 1);
	CHECK_EQ("no late", isos[0].nlate, 0);
	CHECK_EQ("no blame", isos[0].blame_known, 0);
	check_accounting("gap window");
	analysis_destroy(an);
}

/* After a gap a thread's thread_unregister may be lost, and a free slot's
 * bits read as those of a running thread: the others' words say nothing
 * about it until its own next event. Here t1 unregistered in the gap: it
 * is not "running" after it, nor late for t0's request; t2, which acts
 * after the gap, is known again (then late, the straggler). */
static void test_gap_unregister_lost(void)
{
	start_cb(&iso_cb);
	member(0, 0);
	member(0, 1);
	member(0, 2);
	harmless_now(10, 1);
	gap(100, 200, 5);
	words[H] &= ~(UINT64_C(1) << 1); /* lost: t1's harmless_end, unregister */
	idle_now(300, 2);
	idle_end(310, 2);   /* running, H and I known */
	request(400, 0, 1); /* full: its words tell t1 and t2 0, 0, 0 */
	idle_now(450, 2);
	grant(460, 0);
	release(470, 0);
	analysis_finish(an);
	CHECK_EQ("t1 running", th(1)->state_ns[AN_RUNNING], 10);
	CHECK_EQ("t1 not late", th(1)->late_count, 0);
	CHECK_EQ("records", nisos, 1);
	CHECK_EQ("t2 late", isos[0].nlate == 1 && late_of(0, 2) && late_of(0, 2)->delay_ns == 50,
		 1);
	CHECK_EQ("no blame: t1 unknown", isos[0].blame_known, 0);
	check_accounting("gap unregister lost");
	analysis_destroy(an);
}

/* A ready instant stamped after the grant (librdv saw the bit before it
 * granted: the grant's word has it) counts as the grant; a late thread the
 * grant's word shows not ready makes the blame unknown (never invented). */
static void test_blame_grant_stamped_early(void)
{
	start_cb(&iso_cb);
	member(0, 0);
	member(0, 1);
	request(100, 0, 0);
	words[H] |= 2; /* t1's H set came before the grant ... */
	grant(120, 0); /* (old word 0x3) */
	at(S_HNOW);
	mcw(125, 1, AN_OP_HARMLESS_NOW, H, 0x1, 0x3); /* ... stamped after */
	release(130, 0);
	harmless_end(140, 1);
	idle_now(145, 1);
	idle_end(146, 1); /* running, not in a blocking call */
	request(200, 0, 0);
	grant(210, 0); /* t1 running by the grant's word */
	release(220, 0);
	harmless_now(300, 1);
	analysis_finish(an);
	CHECK_EQ("records", nisos, 2);
	check_late("1: t1 at the grant", 0, 1, 20, S_REG, S_HNOW, 1);
	CHECK_EQ("1: grant_delay 0", isos[0].has_grant_delay && isos[0].grant_delay_ns == 0, 1);
	CHECK_EQ("2: t1 late, delay unknown", isos[1].nlate == 1 && !isos[1].late[0].has_delay, 1);
	CHECK_EQ("2: blame unknown", isos[1].blame_known, 0);
	CHECK_EQ("t1 late once", th(1)->late_count, 1);
	analysis_destroy(an);
}

/* Provider version 1 (no caller): everything but the sites. */
static void test_blame_no_caller(void)
{
	start_cb(&iso_cb);
	member(0, 0);
	member(0, 1);
	request(100, 0, 0);
	caller = 0;
	harmless_now(110, 1);
	analysis_finish(an);
	CHECK_EQ("not granted: no record", nisos, 0);
	analysis_destroy(an);

	start_cb(&iso_cb);
	reg(0, 0, 1);
	reg(0, 1, 2);
	mc(0, 1, AN_OP_REGISTER, H, 1);
	mc(0, 1, AN_OP_REGISTER, H, 0);
	mc(100, 0, AN_OP_ISOLATE_REQUEST, H, 1);
	mc(100, 0, AN_OP_ISOLATE_REQUEST, W, 1);
	mc(110, 1, AN_OP_HARMLESS_NOW, H, 1);
	mc(120, 0, AN_OP_ISOLATE_GRANT, H, 0);
	mc(130, 0, AN_OP_RELEASE, W, 0);
	analysis_finish(an);
	CHECK_EQ("records", nisos, 1);
	CHECK_EQ("no site", isos[0].request_site, 0);
	CHECK_EQ("late", isos[0].nlate, 1);
	CHECK_EQ("no from", isos[0].late[0].from_site, 0);
	CHECK_EQ("no to", isos[0].late[0].to_site, 0);
	CHECK_EQ("delay", isos[0].late[0].delay_ns, 10);
	CHECK_EQ("requester without site", analysis_requester_at(an, 0)->site, 0);
	CHECK_EQ("sites", analysis_site_count(an), 0);
	analysis_destroy(an);
}

/* --from/--to/--pid: state time clipped to the window, isolations (and
 * their samples and blame) selected by request time, events counted in it. */
static void test_scope(void)
{
	struct analysis_scope sc = {.has_from = true, .from_ns = 100, .has_to = true, .to_ns = 300};
	struct analysis_summary s;
	uint64_t total = 0;

	start_cb(&iso_cb);
	CHECK_EQ("scope set", analysis_set_scope(an, &sc), 0);
	member(0, 0);
	member(0, 1);
	request(50, 0, 0);
	harmless_now(60, 1);
	grant(70, 0);
	release(80, 0);
	harmless_end(90, 1);
	request(150, 0, 0); /* in */
	harmless_now(170, 1);
	grant(180, 0);
	release(190, 0);
	request(350, 0, 0); /* out */
	grant(360, 0);
	release(370, 0);
	unreg(400, 0);
	unreg(400, 1);
	analysis_finish(an);
	analysis_get_summary(an, &s);
	CHECK_EQ("records", nisos, 1);
	CHECK_EQ("wait count", analysis_latency(an, AN_LAT_ISOLATE_WAIT)->count, 1);
	CHECK_EQ("t0 isolations", th(0)->isolations, 1);
	CHECK_EQ("t1 late", th(1)->late_count, 1);
	CHECK_EQ("begin", s.begin_ns, 100);
	CHECK_EQ("end", s.end_ns, 300);
	for (int k = 0; k < AN_NSTATES; k++) {
		total += th(0)->state_ns[k];
	}
	CHECK_EQ("t0 time clipped", total, 200);
	CHECK_EQ("events in the window", s.events, 5);
	check_accounting("scope");
	analysis_destroy(an);

	sc = (struct analysis_scope){.has_vpid = true, .vpid = VPID + 1};
	start_cb(&iso_cb);
	analysis_set_scope(an, &sc);
	member(0, 0);
	request(10, 0, 0);
	grant(20, 0);
	analysis_finish(an);
	analysis_get_summary(an, &s);
	CHECK_EQ("other pid: no thread", analysis_thread_count(an), 0);
	CHECK_EQ("other pid: no record", nisos, 0);
	CHECK_EQ("other pid: no event", s.events, 0);
	analysis_destroy(an);
}

int main(void)
{
	test_basic_states();
	test_isolation_and_nesting();
	test_blocked();
	test_blame_plain();
	test_blame_full();
	test_blame_blink();
	test_blame_exact_words();
	test_blame_queued();
	test_blame_full_ibit();
	test_blame_membership();
	test_blame_timeout();
	test_blame_gaps();
	test_blame_attach();
	test_blame_unseen_member();
	test_gap_window();
	test_gap_unregister_lost();
	test_blame_grant_stamped_early();
	test_blame_no_caller();
	test_scope();
	test_gap();
	test_gap_other_trace();
	test_slot_reuse_and_end();
	test_first_seen_midlife();
	test_many_words();
	test_percentiles();
	test_sample_accounting();
	test_isolation_records();
	test_timeout();
	test_stall();
	if (failures) {
		fprintf(stderr, "test-analysis: %d failures\n", failures);
		return 1;
	}
	printf("test-analysis: all passed\n");
	return 0;
}
