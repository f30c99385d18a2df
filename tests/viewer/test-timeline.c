/* SPDX-License-Identifier: MIT */
/*
 * Timeline file round trip: write random lanes through the writer API, read
 * them back and compare everything; then truncate and corrupt the file in
 * many ways and check the reader refuses each with -EINVAL or -EBADMSG and a
 * reason (never a crash: run under ASan in the sanitizer build).
 * Usage: test-timeline DIR
 */
#include "rdv-timeline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NLANES 5

static int failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static uint64_t rng = 88172645463325252ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

struct expect {
	uint64_t n;
	uint64_t state_ns[RDV_TL_NSTATES];
	uint64_t first_begin, last_end;
	uint64_t blocked;
};

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f) {
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static int write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f) {
		return -1;
	}
	ok = fwrite(buf, 1, len, f) == len;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* Must be refused with -EINVAL or -EBADMSG and a reason, both from memory
 * and from a file. */
static void expect_refused(const char *dir, const void *buf, size_t len, const char *what)
{
	struct rdv_tl_reader *r = NULL;
	char err[256] = "";
	char path[4096];
	int ret;

	ret = rdv_tl_reader_open_mem(buf, len, &r, err, sizeof(err));
	if (ret != -EINVAL && ret != -EBADMSG) {
		fprintf(stderr, "%s: open_mem returned %d, want -EINVAL or -EBADMSG\n", what, ret);
		failures++;
		if (ret == 0) {
			rdv_tl_reader_close(r);
		}
		return;
	}
	CHECK(err[0] != '\0');
	snprintf(path, sizeof(path), "%s/bad.timeline", dir);
	CHECK(write_file(path, buf, len) == 0);
	err[0] = '\0';
	ret = rdv_tl_reader_open(path, &r, err, sizeof(err));
	CHECK(ret == -EINVAL || ret == -EBADMSG);
	CHECK(err[0] != '\0');
	if (ret == 0) {
		rdv_tl_reader_close(r);
	}
}

int main(int argc, char **argv)
{
	struct expect ex[NLANES] = {{0}};
	struct rdv_tl_writer *w;
	struct rdv_tl_reader *r;
	struct rdv_tl_info info;
	struct rdv_tl_isolation isos[200];
	char path[4096], err[256];
	uint64_t t[NLANES];
	uint64_t niso = 0;
	uint32_t lanes[NLANES];
	char *buf;
	size_t len;

	if (argc != 2) {
		fprintf(stderr, "usage: test-timeline DIR\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/rt.timeline", argv[1]);
	CHECK(rdv_tl_writer_open(path, &w) == 0);
	for (int i = 0; i < NLANES; i++) {
		CHECK(rdv_tl_writer_add_lane(w, 100 + i / 3, i / 3, i % 3, 1000 + i,
					     i == 0 ? NULL : "proc", &lanes[i]) == 0);
		CHECK(lanes[i] == (uint32_t)i);
		t[i] = 1000 + next_rand() % 100;
		ex[i].first_begin = t[i];
	}
	CHECK(rdv_tl_writer_set_lane_tid(w, 2, 4242) == 0);
	CHECK(rdv_tl_writer_set_lane_tid(w, NLANES, 1) == -EINVAL);
	/* Lane i gets a count that hits the checkpoint edge cases (0, K, K+1…). */
	for (uint64_t step = 0; step < 20000; step++) {
		int i = (int)(next_rand() % NLANES);
		uint64_t want[NLANES] = {0, 16, 17, 3000, 20000};
		enum rdv_tl_state s = (enum rdv_tl_state)(next_rand() % RDV_TL_NSTATES);
		uint64_t gap = next_rand() % 4 == 0 ? next_rand() % 50 : 0;
		uint64_t d = next_rand() % 1000;

		if (ex[i].n >= want[i]) {
			continue;
		}
		CHECK(rdv_tl_writer_add_interval(w, (uint32_t)i, s, t[i] + gap, t[i] + gap + d) ==
		      0);
		ex[i].state_ns[s] += d;
		ex[i].n++;
		if (s == RDV_TL_BLOCKED) {
			ex[i].blocked++;
		}
		t[i] += gap + d;
		ex[i].last_end = t[i];
	}
	/* Refused: overlap, bad state, bad lane, end before begin. */
	CHECK(rdv_tl_writer_add_interval(w, 4, RDV_TL_RUNNING, t[4] - 1, t[4] + 5) == -EINVAL);
	CHECK(rdv_tl_writer_add_interval(w, 4, RDV_TL_NSTATES, t[4], t[4] + 5) == -EINVAL);
	CHECK(rdv_tl_writer_add_interval(w, NLANES, RDV_TL_RUNNING, t[4], t[4] + 5) == -EINVAL);
	CHECK(rdv_tl_writer_add_interval(w, 4, RDV_TL_RUNNING, t[4] + 5, t[4]) == -EINVAL);
	for (int k = 0; k < 200; k++) {
		struct rdv_tl_isolation *x = &isos[k];

		memset(x, 0, sizeof(*x));
		x->lane = (uint32_t)(next_rand() % NLANES);
		x->full = k % 2;
		x->request_ns = next_rand() % 100000;
		x->grant_ns = x->request_ns + next_rand() % 1000;
		x->release_ns = k % 7 == 0 ? 0 : x->grant_ns + next_rand() % 5000;
		x->straggler_lane = k % 3 == 0 ? RDV_TL_NO_LANE : (uint32_t)(next_rand() % NLANES);
		x->straggler_ns = x->grant_ns;
		CHECK(rdv_tl_writer_add_isolation(w, x) == 0);
		niso++;
	}
	{
		struct rdv_tl_isolation bad = isos[1];

		bad.grant_ns = bad.request_ns - 1;
		CHECK(rdv_tl_writer_add_isolation(w, &bad) == -EINVAL);
		bad = isos[1];
		bad.straggler_lane = NLANES;
		CHECK(rdv_tl_writer_add_isolation(w, &bad) == -EINVAL);
	}
	CHECK(rdv_tl_writer_set_info(w, 1000, 99999999, 12345, 7) == 0);
	CHECK(rdv_tl_writer_close(w) == 0);

	/* Read back. */
	err[0] = '\0';
	if (rdv_tl_reader_open(path, &r, err, sizeof(err)) != 0) {
		fprintf(stderr, "cannot read back: %s\n", err);
		return 1;
	}
	rdv_tl_reader_info(r, &info);
	CHECK(info.nlanes == NLANES);
	CHECK(info.begin_ns == 1000 && info.end_ns == 99999999);
	CHECK(info.events == 12345 && info.discarded_events == 7);
	CHECK(info.nisolations == niso);
	for (int i = 0; i < NLANES; i++) {
		struct rdv_tl_lane l;
		uint64_t sum[RDV_TL_NSTATES] = {0};

		CHECK(rdv_tl_reader_lane(r, (uint32_t)i, &l) == 0);
		CHECK(l.vpid == 100u + i / 3 && l.domain == (uint32_t)i / 3 &&
		      l.thread == (uint32_t)i % 3);
		CHECK(l.os_tid == (i == 2 ? 4242 : 1000 + i));
		CHECK(strcmp(l.procname, i == 0 ? "" : "proc") == 0);
		CHECK(l.nintervals == ex[i].n);
		CHECK(l.ncheckpoints == ex[i].n / RDV_TL_CHECKPOINT_STRIDE + 1);
		CHECK(memcmp(l.state_ns, ex[i].state_ns, sizeof(l.state_ns)) == 0);
		for (uint64_t j = 0; j < l.nintervals; j++) {
			if (j % RDV_TL_CHECKPOINT_STRIDE == 0) {
				CHECK(memcmp(sum,
					     l.checkpoints +
						 j / RDV_TL_CHECKPOINT_STRIDE * RDV_TL_NSTATES,
					     sizeof(sum)) == 0);
			}
			sum[l.state[j]] += l.end_ns[j] - l.begin_ns[j];
		}
		if (l.nintervals) {
			CHECK(l.begin_ns[0] >= ex[i].first_begin);
			CHECK(l.end_ns[l.nintervals - 1] == ex[i].last_end);
		}
		CHECK(memcmp(sum, ex[i].state_ns, sizeof(sum)) == 0);
	}
	{
		uint64_t n, blocked = 0, wait_count = 0, hold_count = 0;
		const struct rdv_tl_isolation *x = rdv_tl_reader_isolations(r, &n);
		const struct rdv_tl_histogram *h;

		CHECK(n == niso);
		for (uint64_t k = 1; k < n; k++) {
			CHECK(x[k - 1].request_ns <= x[k].request_ns);
		}
		for (int k = 0; k < 200; k++) {
			int found = 0;

			for (uint64_t j = 0; j < n && !found; j++) {
				found = memcmp(&x[j], &isos[k], sizeof(*x)) == 0;
			}
			CHECK(found);
			wait_count++;
			hold_count += isos[k].release_ns != 0;
		}
		for (int i = 0; i < NLANES; i++) {
			blocked += ex[i].blocked;
		}
		h = rdv_tl_reader_histogram(r, RDV_TL_HIST_BLOCKED);
		CHECK(h->count == blocked);
		h = rdv_tl_reader_histogram(r, RDV_TL_HIST_ISOLATE_WAIT);
		CHECK(h->count == wait_count);
		h = rdv_tl_reader_histogram(r, RDV_TL_HIST_ISOLATION_HOLD);
		CHECK(h->count == hold_count);
		CHECK(rdv_tl_reader_histogram(r, RDV_TL_NHISTS) == NULL);
	}
	CHECK(rdv_tl_hist_bucket(0) == 0 && rdv_tl_hist_bucket(1) == 0 &&
	      rdv_tl_hist_bucket(2) == 1 && rdv_tl_hist_bucket(1023) == 9 &&
	      rdv_tl_hist_bucket(UINT64_MAX) == 63);
	rdv_tl_reader_close(r);

	/* Bad files. */
	buf = read_file(path, &len);
	CHECK(buf != NULL);
	if (buf) {
		char *mod = malloc(len + 16);

		/* Truncated at many lengths, including inside the header. */
		for (size_t cut = 0; cut < len; cut += cut < 512 ? 1 : 997) {
			expect_refused(argv[1], buf, cut, "truncated");
		}
		/* Trailing bytes. */
		memcpy(mod, buf, len);
		memset(mod + len, 0, 8);
		expect_refused(argv[1], mod, len + 8, "trailing");
		/* Not a timeline at all. */
		expect_refused(argv[1], "hello world, this is not a timeline file at all", 48,
			       "text");
		/* Wrong version. */
		memcpy(mod, buf, len);
		mod[8] = 2;
		expect_refused(argv[1], mod, len, "version");
		/* Every header and lane-table byte flipped, one at a time. */
		for (size_t at = 8; at < 128 + NLANES * 136; at++) {
			if (at >= 24 && at < 56) {
				continue; /* begin/end/events: free values, checked below */
			}
			memcpy(mod, buf, len);
			mod[at] ^= 0x5a;
			if (at >= 128 && (at - 128) % 136 < 16) {
				continue; /* vpid, domain, thread, os_tid: any value is valid */
			}
			expect_refused(argv[1], mod, len, "flipped header byte");
		}
		/* begin after end. */
		memcpy(mod, buf, len);
		memset(mod + 24, 0xff, 8);
		expect_refused(argv[1], mod, len, "begin after end");
		/* A state out of range and an interval out of order, lane 4. */
		{
			struct rdv_tl_reader *ok;
			struct rdv_tl_lane l;

			CHECK(rdv_tl_reader_open_mem(buf, len, &ok, err, sizeof(err)) == 0);
			CHECK(rdv_tl_reader_lane(ok, 4, &l) == 0);
			memcpy(mod, buf, len);
			mod[(const char *)l.state - buf + 10] = 9;
			expect_refused(argv[1], mod, len, "bad state");
			memcpy(mod, buf, len);
			memset(mod + ((const char *)&l.begin_ns[100] - buf), 0xff, 8);
			expect_refused(argv[1], mod, len, "bad interval");
			memcpy(mod, buf, len);
			mod[(const char *)&l.checkpoints[RDV_TL_NSTATES * 3] - buf] ^= 1;
			expect_refused(argv[1], mod, len, "bad checkpoint");
			rdv_tl_reader_close(ok);
		}
		/* Unaligned buffer is accepted (copied). */
		memcpy(mod + 1, buf, len);
		CHECK(rdv_tl_reader_open_mem(mod + 1, len, &r, err, sizeof(err)) == 0);
		rdv_tl_reader_close(r);
		free(mod);
		free(buf);
	}
	/* Missing file. */
	snprintf(path, sizeof(path), "%s/missing.timeline", argv[1]);
	CHECK(rdv_tl_reader_open(path, &r, err, sizeof(err)) == -ENOENT);
	/* A directory. */
	CHECK(rdv_tl_reader_open(argv[1], &r, err, sizeof(err)) == -EISDIR);
	/* Abort removes the partial file. */
	snprintf(path, sizeof(path), "%s/aborted.timeline", argv[1]);
	CHECK(rdv_tl_writer_open(path, &w) == 0);
	rdv_tl_writer_abort(w);
	CHECK(access(path, F_OK) != 0);
	/* An empty timeline (no lanes) round-trips. */
	snprintf(path, sizeof(path), "%s/empty.timeline", argv[1]);
	CHECK(rdv_tl_writer_open(path, &w) == 0);
	CHECK(rdv_tl_writer_close(w) == 0);
	CHECK(rdv_tl_reader_open(path, &r, err, sizeof(err)) == 0);
	rdv_tl_reader_close(r);

	if (failures) {
		fprintf(stderr, "test-timeline: %d checks failed\n", failures);
		return 1;
	}
	printf("test-timeline: ok\n");
	return 0;
}
