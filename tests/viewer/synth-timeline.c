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
 */
#include "rdv-timeline.h"

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

static void blocks(struct rdv_tl_writer *w, bool isolations)
{
	struct rdv_tl_isolation x;

	for (uint32_t i = 0; i < 7; i++) {
		check(rdv_tl_writer_add_lane(w, 4242, 0, i, 5000 + (int)i, "synthetic", NULL),
		      "add_lane");
	}
	for (uint32_t j = 0; j < 7; j++) {
		for (uint32_t i = 0; i < 7; i++) {
			check(rdv_tl_writer_add_interval(w, i, (enum rdv_tl_state)((i + j) % 7),
							 T0 + j * BLOCK_NS,
							 T0 + (j + 1) * BLOCK_NS),
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
	check(rdv_tl_writer_add_isolation(w, &x), "add_isolation");
	/* Lane 1: waiting in block 3, isolated in block 4, no straggler. */
	x.lane = 1;
	x.full = 1;
	x.request_ns = T0 + 3 * BLOCK_NS;
	x.grant_ns = T0 + 4 * BLOCK_NS;
	x.release_ns = T0 + 5 * BLOCK_NS;
	x.straggler_lane = RDV_TL_NO_LANE;
	x.straggler_ns = 0;
	check(rdv_tl_writer_add_isolation(w, &x), "add_isolation");
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
	for (uint32_t i = 0; i < nlanes; i++) {
		char name[32];

		/* Up to 64 lanes: processes of 32 threads in two domains; more: a
		 * domain of 1024 threads per process (a big machine). */
		uint32_t per = nlanes <= 64 ? 32 : 1024;

		snprintf(name, sizeof(name), "bench");
		check(rdv_tl_writer_add_lane(w, 100 + i / per, per == 32 ? (i / 32) % 2 : 0,
					     i % per, 20000 + (int)i, name, NULL),
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
				uint64_t wait = 200 + next_rand() % 3000,
					 hold = 100 + next_rand() % 2000;

				check(rdv_tl_writer_add_interval(w, i, RDV_TL_WAITING, t[i],
								 t[i] + wait),
				      "add_interval");
				check(rdv_tl_writer_add_interval(w, i, RDV_TL_ISOLATED, t[i] + wait,
								 t[i] + wait + hold),
				      "add_interval");
				memset(&x, 0, sizeof(x));
				x.lane = i;
				x.request_ns = t[i];
				x.grant_ns = t[i] + wait;
				x.release_ns = t[i] + wait + hold;
				x.straggler_lane =
				    (i + 1 +
				     (uint32_t)(next_rand() % (nlanes - 1 ? nlanes - 1 : 1))) %
				    nlanes;
				x.straggler_ns = x.grant_ns - 50;
				check(rdv_tl_writer_add_isolation(w, &x), "add_isolation");
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
			check(rdv_tl_writer_add_interval(w, i, s, t[i], t[i] + d), "add_interval");
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
		check(rdv_tl_writer_add_interval(w, lane, run ? RDV_TL_RUNNING : RDV_TL_IDLE, a,
						 a + d),
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
		check(rdv_tl_writer_add_lane(w, 4343, 0, i, 7000 + (int)i, "poller", NULL),
		      "add_lane");
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
				check(rdv_tl_writer_add_interval(w, i, RDV_TL_RUNNING, x[j].request,
								 x[j].ready),
				      "add_interval");
				check(rdv_tl_writer_add_interval(w, i, RDV_TL_BLOCKED, x[j].ready,
								 x[j].release),
				      "add_interval");
			} else if (bf) {
				check(
				    rdv_tl_writer_add_interval(w, i, RDV_TL_IDLE, x[j].request, bf),
				    "add_interval");
				check(rdv_tl_writer_add_interval(w, i, RDV_TL_BLOCKED, bf,
								 x[j].release),
				      "add_interval");
			} else {
				check(rdv_tl_writer_add_interval(w, i, RDV_TL_IDLE, x[j].request,
								 x[j].release),
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
			check(rdv_tl_writer_add_interval(w, control, RDV_TL_WAITING, x[j].request,
							 x[j].grant),
			      "add_interval");
			check(rdv_tl_writer_add_interval(w, control, RDV_TL_ISOLATED, x[j].grant,
							 x[j].release),
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
			check(rdv_tl_writer_add_isolation(w, &r), "add_isolation");
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
	check(rdv_tl_writer_close(w), "close");
	return 0;
}
