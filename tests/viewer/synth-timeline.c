/* SPDX-License-Identifier: MIT */
/*
 * Writes synthetic timeline files through the writer API.
 *
 *   synth-timeline blocks FILE   7 lanes; lane i is in state (i + j) % 7
 *                                during [j * 10 us, (j + 1) * 10 us) from the
 *                                trace start (1 ms), j = 0..6: every state in
 *                                every lane at known places (screenshot
 *                                tests), plus two isolations.
 *   synth-timeline noiso FILE    the same blocks without any isolation.
 *   synth-timeline empty FILE    a valid timeline with no lane.
 *   synth-timeline big FILE LANES INTERVALS [SEED]
 *                                a busy rendez-vous pattern (benchmark);
 *                                up to 64 lanes, processes of 32 threads,
 *                                else domains of 1024 threads.
 *   synth-timeline poller FILE WORKERS ISOLATIONS
 *                                a poller-like run: workers running and
 *                                idle, a control thread isolating; during
 *                                each isolation one worker is late (the
 *                                straggler: running until just before the
 *                                grant) and some block. One isolation waits
 *                                4.67 ms, the others at most 21 us. Prints on
 *                                stdout what a viewer must find:
 *                                "worst=K requester=L straggler=S blocked=N
 *                                blocked_lanes=A,B,…" (lane numbers; N
 *                                workers blocked in it, which).
 *
 * The file stores what an analysis computed (timeline/FORMAT.md, version
 * 2); with no analysis here, this program plays its part for the data it
 * makes up: each isolation's wait and hold, each blocked interval, are
 * samples of the distributions written at the end (nearest-rank
 * percentiles), and the stragglers are counted per lane.
 */
#include "rdv-timeline.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_NS 10000u
#define T0 1000000u

static int check(int ret, const char *what)
{
	if (ret) {
		fprintf(stderr, "synth-timeline: %s: %s\n", what, strerror(-ret));
		exit(1);
	}
	return ret;
}

/* ---- The analysis' part: samples, distributions, stragglers ---- */

struct samples {
	uint64_t *v;
	size_t n, cap;
};

static struct samples lat[3]; /* isolate_wait, isolation_hold, blocked */
static struct rdv_tl_lane_stats stats[1u << 16];

static void sample(int kind, uint64_t v)
{
	struct samples *s = &lat[kind];

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 1024;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (!s->v) {
			check(-ENOMEM, "samples");
		}
	}
	s->v[s->n++] = v;
}

static uint32_t lanes_declared;

static int add_lane(struct rdv_tl_writer *w, uint32_t vpid, uint32_t domain, uint32_t thread,
		    int32_t os_tid, const char *procname, uint32_t *lane)
{
	lanes_declared++;
	return rdv_tl_writer_add_lane(w, vpid, domain, thread, os_tid, procname, lane);
}

static int add_interval(struct rdv_tl_writer *w, uint32_t lane, enum rdv_tl_state st, uint64_t b,
			uint64_t e)
{
	int ret = rdv_tl_writer_add_interval(w, lane, st, b, e);

	if (!ret && st == RDV_TL_BLOCKED) {
		sample(2, e - b);
	}
	return ret;
}

static int add_isolation(struct rdv_tl_writer *w, struct rdv_tl_isolation *x)
{
	x->flags =
	    RDV_TL_ISO_REQUEST_KNOWN | RDV_TL_ISO_WAIT | (x->release_ns ? RDV_TL_ISO_HOLD : 0);
	x->wait_ns = x->grant_ns - x->request_ns;
	x->hold_ns = x->release_ns ? x->release_ns - x->grant_ns : 0;
	sample(0, x->wait_ns);
	if (x->release_ns) {
		sample(1, x->hold_ns);
	}
	if (x->straggler_lane != RDV_TL_NO_LANE && x->straggler_lane < (1u << 16)) {
		stats[x->straggler_lane].straggler_count++;
		stats[x->straggler_lane].straggler_delay_ns +=
		    x->straggler_ns > x->request_ns ? x->straggler_ns - x->request_ns : 0;
	}
	return rdv_tl_writer_add_isolation(w, x);
}

/* The same with late threads (blame): their delays end before the grant. */
static int add_isolation_late(struct rdv_tl_writer *w, struct rdv_tl_isolation *x,
			      const struct rdv_tl_late *late, uint32_t nlate)
{
	/* add_isolation()'s bookkeeping, then the record with its late list */
	x->flags =
	    RDV_TL_ISO_REQUEST_KNOWN | RDV_TL_ISO_WAIT | (x->release_ns ? RDV_TL_ISO_HOLD : 0);
	x->wait_ns = x->grant_ns - x->request_ns;
	x->hold_ns = x->release_ns ? x->release_ns - x->grant_ns : 0;
	sample(0, x->wait_ns);
	if (x->release_ns) {
		sample(1, x->hold_ns);
	}
	if (x->straggler_lane != RDV_TL_NO_LANE && x->straggler_lane < (1u << 16)) {
		stats[x->straggler_lane].straggler_count++;
		stats[x->straggler_lane].straggler_delay_ns +=
		    x->straggler_ns > x->request_ns ? x->straggler_ns - x->request_ns : 0;
	}
	return rdv_tl_writer_add_isolation_late(w, x, late, nlate);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t rank(const struct samples *s, uint64_t num, uint64_t den)
{
	uint64_t r = (num * s->n + den - 1) / den;

	return s->v[(r ? r : 1) - 1];
}

static void put_results(struct rdv_tl_writer *w, uint32_t nlanes)
{
	static const enum rdv_tl_latency_kind kinds[3] = {
	    RDV_TL_LAT_ISOLATE_WAIT, RDV_TL_LAT_ISOLATION_HOLD, RDV_TL_LAT_BLOCKED};

	for (int k = 0; k < 3; k++) {
		struct samples *s = &lat[k];
		struct rdv_tl_latency l = {.count = s->n, .started = s->n};
		double sum = 0;

		if (s->n) {
			qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
			for (size_t i = 0; i < s->n; i++) {
				sum += (double)s->v[i];
				l.buckets[rdv_tl_hist_bucket(s->v[i])]++;
			}
			l.min_ns = s->v[0];
			l.max_ns = s->v[s->n - 1];
			l.mean_ns = sum / (double)s->n;
			l.p50_ns = rank(s, 50, 100);
			l.p90_ns = rank(s, 90, 100);
			l.p99_ns = rank(s, 99, 100);
			l.p999_ns = rank(s, 999, 1000);
		}
		check(rdv_tl_writer_set_latency(w, kinds[k], &l), "set_latency");
		free(s->v);
	}
	for (uint32_t i = 0; i < nlanes && i < (1u << 16); i++) {
		check(rdv_tl_writer_set_lane_stats(w, i, &stats[i]), "set_lane_stats");
	}
}

static void blocks(struct rdv_tl_writer *w, bool isolations)
{
	struct rdv_tl_isolation x;

	for (uint32_t i = 0; i < 7; i++) {
		check(add_lane(w, 4242, 0, i, 5000 + (int)i, "synthetic", NULL), "add_lane");
	}
	for (uint32_t j = 0; j < 7; j++) {
		for (uint32_t i = 0; i < 7; i++) {
			check(add_interval(w, i, (enum rdv_tl_state)((i + j) % 7),
					   T0 + j * BLOCK_NS, T0 + (j + 1) * BLOCK_NS),
			      "add_interval");
		}
	}
	if (!isolations) {
		check(rdv_tl_writer_set_info(w, T0, T0 + 7 * BLOCK_NS, 98, 0), "set_info");
		return;
	}
	/* Lane 0 is waiting in block 4 and isolated in block 5 (state (0+4)%7,
	 * (0+5)%7): one isolation, lane 3 its straggler. */
	memset(&x, 0, sizeof(x));
	x.lane = 0;
	x.request_ns = T0 + 4 * BLOCK_NS;
	x.grant_ns = T0 + 5 * BLOCK_NS;
	x.release_ns = T0 + 6 * BLOCK_NS;
	x.straggler_lane = 3;
	x.straggler_ns = T0 + 5 * BLOCK_NS - 100;
	check(add_isolation(w, &x), "add_isolation");
	/* Lane 1: waiting in block 3, isolated in block 4, no straggler. */
	x.lane = 1;
	x.full = 1;
	x.request_ns = T0 + 3 * BLOCK_NS;
	x.grant_ns = T0 + 4 * BLOCK_NS;
	x.release_ns = T0 + 5 * BLOCK_NS;
	x.straggler_lane = RDV_TL_NO_LANE;
	x.straggler_ns = 0;
	check(add_isolation(w, &x), "add_isolation");
	check(rdv_tl_writer_set_info(w, T0, T0 + 7 * BLOCK_NS, 98, 0), "set_info");
}

static uint64_t rng_state;

static uint64_t next_rand(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Each lane loops: running, harmless (a syscall), running, idle (poll); now
 * and then one lane isolates: the others block or wait for it. Lanes are
 * interleaved in time order, as an analyzer would emit them. */
static void big(struct rdv_tl_writer *w, uint32_t nlanes, uint64_t nintervals)
{
	uint64_t *t = calloc(nlanes, sizeof(*t));
	uint64_t *count = calloc(nlanes, sizeof(*count));
	uint64_t per_lane = nintervals / nlanes, written = 0, isos = 0;

	if (!t || !count) {
		fprintf(stderr, "synth-timeline: out of memory\n");
		exit(1);
	}
	{
		uint32_t site;

		check(rdv_tl_writer_add_site(w, 0x401000, "/usr/bin/bench", "worker_main",
					     "/src/bench/server.c", 143, &site),
		      "add_site");
		check(rdv_tl_writer_add_site(w, 0x401040, "/usr/bin/bench", "worker_main",
					     "/src/bench/server.c", 141, &site),
		      "add_site");
		check(rdv_tl_writer_add_site(w, 0x402000, "/usr/bin/bench", "control_main",
					     "/src/bench/server.c", 235, &site),
		      "add_site");
	}
	for (uint32_t i = 0; i < nlanes; i++) {
		char name[32];

		/* Up to 64 lanes: processes of 32 threads in two domains; more: a
		 * domain of 1024 threads per process (a big machine). */
		uint32_t per = nlanes <= 64 ? 32 : 1024;

		snprintf(name, sizeof(name), "bench");
		check(add_lane(w, 100 + i / per, per == 32 ? (i / 32) % 2 : 0, i % per,
			       20000 + (int)i, name, NULL),
		      "add_lane");
		t[i] = T0 + next_rand() % 1000;
	}
	while (written < per_lane * nlanes) {
		for (uint32_t i = 0; i < nlanes; i++) {
			static const enum rdv_tl_state cycle[4] = {RDV_TL_RUNNING, RDV_TL_HARMLESS,
								   RDV_TL_RUNNING, RDV_TL_IDLE};
			uint64_t n = count[i];
			enum rdv_tl_state s;
			uint64_t d;

			if (n >= per_lane) {
				continue;
			}
			if (n % 500 == 498 && n + 2 <= per_lane) {
				/* An isolation: waiting, then isolated. */
				struct rdv_tl_isolation x;
				uint32_t per = nlanes <= 64 ? 32 : 1024;
				uint32_t base = i - i % per;
				uint32_t group = nlanes - base < per ? nlanes - base : per;
				uint32_t others = group > 1 ? group - 1 : 1;
				uint64_t wait = 200 + next_rand() % 3000,
					 hold = 100 + next_rand() % 2000;

				check(add_interval(w, i, RDV_TL_WAITING, t[i], t[i] + wait),
				      "add_interval");
				check(add_interval(w, i, RDV_TL_ISOLATED, t[i] + wait,
						   t[i] + wait + hold),
				      "add_interval");
				memset(&x, 0, sizeof(x));
				x.lane = i;
				x.request_ns = t[i];
				x.grant_ns = t[i] + wait;
				x.release_ns = t[i] + wait + hold;
				/* The straggler and the late threads: of the requester's
				 * domain (a group of `per` lanes), never itself. */
				x.straggler_lane =
				    base +
				    (i - base + 1 + (uint32_t)(next_rand() % others)) % group;
				x.straggler_ns = x.grant_ns - 50;
				x.request_site = 3;
				/* Blame: the straggler and up to 7 more late threads, each
				 * in a section between two known calls. */
				{
					struct rdv_tl_late late[8];
					uint32_t nl = 1 + (uint32_t)(next_rand() % 8);
					uint32_t r =
					    (x.straggler_lane - base + group - (i - base) - 1) %
					    group;

					nl = group < 2 ? 0 : nl < others ? nl : others;
					for (uint32_t k = 0; k < nl; k++) {
						/* distinct lanes, never the requester */
						late[k].lane =
						    base +
						    (i - base + 1 + (r + k) % others) % group;
						late[k].flags = RDV_TL_LATE_DELAY |
								(k ? 0 : RDV_TL_LATE_STRAGGLER);
						late[k].delay_ns = wait - 50 - k * (wait / 10);
						late[k].from_site = 1;
						late[k].to_site = 2;
					}
					check(add_isolation_late(w, &x, late, nl),
					      "add_isolation_late");
				}
				t[i] += wait + hold;
				count[i] += 2;
				written += 2;
				isos++;
				continue;
			}
			s = cycle[n % 4];
			if (n % 97 == 13) {
				s = RDV_TL_BLOCKED;
			}
			d = s == RDV_TL_IDLE ? 2000 + next_rand() % 20000
					     : 100 + next_rand() % 3000;
			check(add_interval(w, i, s, t[i], t[i] + d), "add_interval");
			t[i] += d + (n % 1000 == 999 ? 5000 : 0); /* rare gaps */
			count[i]++;
			written++;
		}
	}
	{
		uint64_t end = 0;

		for (uint32_t i = 0; i < nlanes; i++) {
			end = t[i] > end ? t[i] : end;
		}
		check(rdv_tl_writer_set_info(w, T0, end, written * 2, 0), "set_info");
	}
	free(t);
	free(count);
	(void)isos;
}

/* Running and idle stretches of 2 to 8 us filling [a, b) of a lane. */
static void fill_work(struct rdv_tl_writer *w, uint32_t lane, uint64_t a, uint64_t b)
{
	bool run = true;

	while (a < b) {
		uint64_t d = 2000 + next_rand() % 6000;

		if (b - a < d + 500) {
			d = b - a;
		}
		check(add_interval(w, lane, run ? RDV_TL_RUNNING : RDV_TL_IDLE, a, a + d),
		      "add_interval");
		a += d;
		run = !run;
	}
}

struct synth_iso {
	uint64_t request, grant, release, ready;
	uint32_t straggler;
};

static void poller(struct rdv_tl_writer *w, uint32_t workers, uint32_t niso)
{
	struct synth_iso *x = calloc(niso, sizeof(*x));
	uint64_t *blocked_from = calloc((size_t)niso * workers, sizeof(*blocked_from));
	uint32_t control = workers, worst = niso / 3, nblocked_worst = 0;
	uint64_t t = T0 + 20000, end;

	if (!x || !blocked_from) {
		fprintf(stderr, "synth-timeline: out of memory\n");
		exit(1);
	}
	for (uint32_t i = 0; i <= workers; i++) {
		check(add_lane(w, 4343, 0, i, 7000 + (int)i, "poller", NULL), "add_lane");
	}
	for (uint32_t j = 0; j < niso; j++) {
		uint64_t wait = j == worst ? 4670000 : 1000 + next_rand() % 20000;

		x[j].request = t + 10000;
		x[j].grant = x[j].request + wait;
		x[j].release = x[j].grant + 300 + next_rand() % 3000;
		x[j].ready = x[j].grant - 150;
		x[j].straggler = (uint32_t)(next_rand() % workers);
		for (uint32_t i = 0; i < workers; i++) {
			/* Half the others leave idle during the wait and block. */
			if (i != x[j].straggler && next_rand() % 2) {
				blocked_from[(size_t)j * workers + i] =
				    x[j].request + 1 + next_rand() % (wait - 200);
				nblocked_worst += j == worst;
			}
		}
		t = x[j].release + 20000 + next_rand() % 30000;
	}
	end = t;
	for (uint32_t i = 0; i < workers; i++) {
		uint64_t at = T0;

		for (uint32_t j = 0; j < niso; j++) {
			uint64_t bf = blocked_from[(size_t)j * workers + i];

			fill_work(w, i, at, x[j].request);
			if (i == x[j].straggler) {
				check(add_interval(w, i, RDV_TL_RUNNING, x[j].request, x[j].ready),
				      "add_interval");
				check(add_interval(w, i, RDV_TL_BLOCKED, x[j].ready, x[j].release),
				      "add_interval");
			} else if (bf) {
				check(add_interval(w, i, RDV_TL_IDLE, x[j].request, bf),
				      "add_interval");
				check(add_interval(w, i, RDV_TL_BLOCKED, bf, x[j].release),
				      "add_interval");
			} else {
				check(add_interval(w, i, RDV_TL_IDLE, x[j].request, x[j].release),
				      "add_interval");
			}
			at = x[j].release;
		}
		fill_work(w, i, at, end);
	}
	{
		uint64_t at = T0;

		for (uint32_t j = 0; j < niso; j++) {
			struct rdv_tl_isolation r;

			fill_work(w, control, at, x[j].request);
			check(add_interval(w, control, RDV_TL_WAITING, x[j].request, x[j].grant),
			      "add_interval");
			check(add_interval(w, control, RDV_TL_ISOLATED, x[j].grant, x[j].release),
			      "add_interval");
			at = x[j].release;
			memset(&r, 0, sizeof(r));
			r.lane = control;
			r.full = j % 2;
			r.request_ns = x[j].request;
			r.grant_ns = x[j].grant;
			r.release_ns = x[j].release;
			r.straggler_lane = x[j].straggler;
			r.straggler_ns = x[j].ready;
			check(add_isolation(w, &r), "add_isolation");
		}
		fill_work(w, control, at, end);
	}
	check(rdv_tl_writer_set_info(w, T0, end, 1000, 0), "set_info");
	printf("worst=%u requester=%u straggler=%u blocked=%u blocked_lanes=", worst, control,
	       x[worst].straggler, nblocked_worst);
	for (uint32_t i = 0, n = 0; i < workers; i++) {
		if (blocked_from[(size_t)worst * workers + i]) {
			printf("%s%u", n++ ? "," : "", i);
		}
	}
	printf("\n");
	free(x);
	free(blocked_from);
}

int main(int argc, char **argv)
{
	struct rdv_tl_writer *w;

	if (argc < 3) {
		fprintf(stderr, "usage: synth-timeline blocks|noiso|empty FILE | big FILE LANES "
				"INTERVALS [SEED] | "
				"poller FILE WORKERS ISOLATIONS\n");
		return 2;
	}
	check(rdv_tl_writer_open(argv[2], &w), argv[2]);
	if (!strcmp(argv[1], "blocks")) {
		blocks(w, true);
	} else if (!strcmp(argv[1], "noiso")) {
		blocks(w, false);
	} else if (!strcmp(argv[1], "poller") && argc >= 5) {
		uint32_t workers = (uint32_t)strtoul(argv[3], NULL, 0);
		uint32_t niso = (uint32_t)strtoul(argv[4], NULL, 0);

		rng_state = 88172645463325252ull;
		if (workers < 2 || niso < 1) {
			fprintf(stderr, "synth-timeline: want WORKERS >= 2 and ISOLATIONS >= 1\n");
			rdv_tl_writer_abort(w);
			return 2;
		}
		poller(w, workers, niso);
	} else if (!strcmp(argv[1], "empty")) {
		check(rdv_tl_writer_set_info(w, T0, T0, 0, 0), "set_info");
	} else if (!strcmp(argv[1], "big") && argc >= 5) {
		uint32_t lanes = (uint32_t)strtoul(argv[3], NULL, 0);
		uint64_t n = strtoull(argv[4], NULL, 0);

		rng_state = argc > 5 ? strtoull(argv[5], NULL, 0) | 1 : 88172645463325252ull;
		if (lanes == 0 || n < lanes) {
			fprintf(stderr, "synth-timeline: want LANES > 0 and INTERVALS >= LANES\n");
			rdv_tl_writer_abort(w);
			return 2;
		}
		big(w, lanes, n);
	} else {
		fprintf(stderr, "synth-timeline: unknown mode '%s'\n", argv[1]);
		rdv_tl_writer_abort(w);
		return 2;
	}
	put_results(w, lanes_declared);
	check(rdv_tl_writer_close(w), "close");
	return 0;
}
