/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the analysis state machine (analyzer/src/analysis.h) on
 * synthetic event sequences: every state transition, nesting, blocked,
 * straggler choice (isolate and isolate_full), gaps, slot reuse, time after
 * unregister, the accounting of latency samples (every start ends one way;
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

static int on_isolation(void *arg, const struct analysis_isolation *iso)
{
	(void)arg;
	if (nisos < 16) {
		isos[nisos] = *iso;
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

/* the straggler is the other thread whose H (full: H or I) was set last
 * after the request and before the grant; none when all were ready */
static void test_stragglers(void)
{
	start();
	reg(0, 0, 1);
	reg(0, 1, 2);
	reg(0, 2, 3);
	mc(1, 1, AN_OP_REGISTER, H, 1);
	mc(2, 1, AN_OP_REGISTER, H, 0);
	/* thread 2 is already harmless before the request */
	mc(5, 2, AN_OP_HARMLESS_NOW, H, 1);
	mc(10, 0, AN_OP_ISOLATE_REQUEST, H, 1);
	mc(11, 0, AN_OP_ISOLATE_REQUEST, W, 1);
	mc(50, 1, AN_OP_HARMLESS_NOW, H, 1); /* last: delay 50 - 11 = 39 */
	mc(60, 0, AN_OP_ISOLATE_GRANT, H, 0);
	mc(70, 0, AN_OP_RELEASE, W, 0);
	/* all ready: no straggler */
	mc(80, 0, AN_OP_ISOLATE_REQUEST, H, 1);
	mc(81, 0, AN_OP_ISOLATE_REQUEST, W, 1);
	mc(82, 0, AN_OP_ISOLATE_GRANT, H, 0);
	mc(83, 0, AN_OP_RELEASE, W, 0);
	/* full: thread 1 harmless but not idle; thread 2 blinks H (blocked
	 * path) early, then thread 1 sets I last */
	mc(90, 2, AN_OP_HARMLESS_END, H, 0);
	mc(100, 0, AN_OP_ISOLATE_FULL_REQUEST, H, 1);
	mc(101, 0, AN_OP_ISOLATE_FULL_REQUEST, W, 1);
	mc(110, 2, AN_OP_HARMLESS_WAIT, H, 1);
	mc(130, 1, AN_OP_IDLE_NOW, I, 1); /* last for a full request: 29 */
	mc(140, 0, AN_OP_ISOLATE_GRANT, H, 0);
	mc(150, 0, AN_OP_RELEASE, W, 0);
	/* non-full: an I set does not count, the earlier H set does */
	mc(160, 1, AN_OP_IDLE_END, H, 0);
	mc(161, 1, AN_OP_IDLE_END, I, 0);
	mc(170, 0, AN_OP_ISOLATE_REQUEST, H, 1);
	mc(171, 0, AN_OP_ISOLATE_REQUEST, W, 1);
	mc(180, 1, AN_OP_IDLE_NOW, I, 1);
	mc(181, 1, AN_OP_IDLE_NOW, H, 1); /* last H set: 10 */
	mc(190, 1, AN_OP_IDLE_NOW, I, 0); /* (an I clear: nothing) */
	mc(191, 1, AN_OP_IDLE_NOW, I, 1); /* I set again: not for non-full */
	mc(200, 0, AN_OP_ISOLATE_GRANT, H, 0);
	analysis_finish(an);
	CHECK_EQ("t1 straggler count", th(1)->straggler_count, 3);
	CHECK_EQ("t1 straggler delay", th(1)->straggler_delay_ns, 39 + 29 + 10);
	CHECK_EQ("t2 straggler count", th(2)->straggler_count, 0);
	CHECK_EQ("t0 isolations", th(0)->isolations, 4);
	analysis_destroy(an);
}

/* two requesters queued: the second one's H set makes it the first's
 * straggler; the first, blocked in release, is the second's */
static void test_queued_requests(void)
{
	start();
	reg(0, 0, 1);
	reg(0, 1, 2);
	mc(10, 0, AN_OP_ISOLATE_REQUEST, H, 1);
	mc(11, 0, AN_OP_ISOLATE_REQUEST, W, 1);
	mc(20, 1, AN_OP_ISOLATE_REQUEST, H, 1); /* t1 straggler of t0: 9 */
	mc(21, 1, AN_OP_ISOLATE_REQUEST, W, 1);
	mc(30, 0, AN_OP_ISOLATE_GRANT, H, 0);
	mc(40, 0, AN_OP_RELEASE, W, 0);
	mc(41, 0, AN_OP_HARMLESS_WAIT, H, 1); /* t0 straggler of t1: 20 */
	mc(50, 1, AN_OP_ISOLATE_GRANT, H, 0);
	mc(60, 1, AN_OP_RELEASE, W, 0);
	mc(61, 0, AN_OP_RELEASE, H, 0);
	analysis_finish(an);
	CHECK_EQ("t1 straggler delay", th(1)->straggler_delay_ns, 9);
	CHECK_EQ("t0 straggler delay", th(0)->straggler_delay_ns, 20);
	CHECK_EQ("t0 blocked", th(0)->state_ns[AN_BLOCKED], 20);
	CHECK_EQ("t1 waiting", th(1)->state_ns[AN_WAITING], 29);
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
	CHECK_EQ("straggler not attributed", s.straggler_skipped_gap, 1);
	CHECK_EQ("t0 straggler of 2nd request", th(1)->straggler_count, 1);
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
	/* the 2nd request comes after the gap: all of it is seen */
	CHECK_EQ("t70 straggler", th(70)->straggler_count, 2);
	CHECK_EQ("t70 delay", th(70)->straggler_delay_ns, 19 + 10);
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
	CHECK_EQ("1: caller", isos[0].request_caller, 0x401234);
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

int main(void)
{
	test_basic_states();
	test_isolation_and_nesting();
	test_blocked();
	test_stragglers();
	test_queued_requests();
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
