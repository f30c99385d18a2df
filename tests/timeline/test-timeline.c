/* SPDX-License-Identifier: MIT */
/*
 * Timeline file round trip: write random lanes, isolations with late
 * records, sites, stalls and distributions through the writer API, read
 * them back and compare everything; then truncate and corrupt the file in
 * many ways and check the reader refuses each with -EINVAL or -EBADMSG and a
 * reason (never a crash: run under ASan in the sanitizer build); a file of
 * another version is refused with a reason that says so.
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
};

#define HEADER 256
#define LANE 168

/* A consistent distribution of n samples. */
static struct rdv_tl_latency make_latency(uint64_t n)
{
	struct rdv_tl_latency l;

	memset(&l, 0, sizeof(l));
	if (n == 0) {
		return l;
	}
	l.count = n;
	l.min_ns = 3;
	l.p50_ns = 700;
	l.p90_ns = 900;
	l.p99_ns = 1000;
	l.p999_ns = 1000;
	l.max_ns = 5000;
	l.mean_ns = 801.125;
	l.buckets[1] = 1;
	l.buckets[9] = n - 2;
	l.buckets[12] = 1;
	l.started = n + 7;
	l.skipped_gap = 3;
	l.unfinished = 2;
	l.timed_out = 2;
	return l;
}

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
	struct rdv_tl_late lates[200][3];
	struct rdv_tl_latency lat[RDV_TL_NLATENCIES];
	struct rdv_tl_trace trace = {.begin_ns = 1000,
				     .end_ns = 99999999,
				     .events = 12345,
				     .discarded_events = 7,
				     .discarded_packets = 2,
				     .gaps = 3,
				     .inconsistent_events = 1,
				     .straggler_skipped_gap = 4,
				     .domains = 2,
				     .processes = 2};
	char path[4096], err[256];
	uint64_t t[NLANES];
	uint64_t niso = 0;
	uint32_t lanes[NLANES], site[3];
	char *buf;
	size_t len;

	if (argc != 2) {
		fprintf(stderr, "usage: test-timeline DIR\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/rt.timeline", argv[1]);
	CHECK(rdv_tl_writer_open(path, &w) == 0);
	for (int i = 0; i < NLANES; i++) {
		struct rdv_tl_lane_stats st = {.registrations = 1 + i,
					       .blocked_count = 10 * i,
					       .straggler_count = 2 * i,
					       .straggler_delay_ns = 1000 * i};

		CHECK(rdv_tl_writer_add_lane(w, 100 + i / 3, i / 3, i % 3, 1000 + i,
					     i == 0 ? NULL : "proc", &lanes[i]) == 0);
		CHECK(lanes[i] == (uint32_t)i);
		CHECK(rdv_tl_writer_set_lane_stats(w, (uint32_t)i, &st) == 0);
		t[i] = 1000 + next_rand() % 100;
		ex[i].first_begin = t[i];
	}
	CHECK(rdv_tl_writer_set_lane_tid(w, 2, 4242) == 0);
	CHECK(rdv_tl_writer_set_lane_tid(w, NLANES, 1) == -EINVAL);
	CHECK(rdv_tl_writer_add_site(w, 0x401234, "/usr/bin/poller", "worker", "poller.c", 42,
				     &site[0]) == 0);
	CHECK(rdv_tl_writer_add_site(w, 0x7f0000001000, NULL, NULL, NULL, 0, &site[1]) == 0);
	CHECK(site[0] == 1 && site[1] == 2);
	/* a site declared before its names were known, named at the end */
	CHECK(rdv_tl_writer_add_site(w, 0x402000, "/usr/bin/poller", NULL, NULL, 0, &site[2]) == 0);
	CHECK(site[2] == 3);
	CHECK(rdv_tl_writer_set_site(w, 3, "/usr/bin/poller", "main", "poller.c", 7) == 0);
	CHECK(rdv_tl_writer_set_site(w, 4, NULL, NULL, NULL, 0) == -EINVAL);
	CHECK(rdv_tl_writer_set_site(w, RDV_TL_NO_SITE, NULL, NULL, NULL, 0) == -EINVAL);
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
		uint32_t nlate = (uint32_t)(k % 4);

		memset(x, 0, sizeof(*x));
		x->lane = (uint32_t)(next_rand() % NLANES);
		x->full = k % 2;
		x->request_ns = next_rand() % 100000;
		x->grant_ns = x->request_ns + next_rand() % 1000;
		x->release_ns = k % 7 == 0 ? 0 : x->grant_ns + next_rand() % 5000;
		x->straggler_lane = k % 3 == 0 ? RDV_TL_NO_LANE : (uint32_t)(next_rand() % NLANES);
		x->straggler_ns = x->grant_ns;
		x->request_site = k % 5 == 0 ? site[0] : RDV_TL_NO_SITE;
		x->flags = RDV_TL_ISO_REQUEST_KNOWN | RDV_TL_ISO_WAIT;
		x->wait_ns = x->grant_ns - x->request_ns;
		if (x->release_ns) {
			x->flags |= RDV_TL_ISO_HOLD;
			x->hold_ns = x->release_ns - x->grant_ns;
		}
		for (uint32_t j = 0; j < nlate; j++) {
			lates[k][j] = (struct rdv_tl_late){
			    .lane = j,
			    .flags = RDV_TL_LATE_DELAY | (j == 0 ? RDV_TL_LATE_STRAGGLER : 0),
			    .delay_ns = 10 + j,
			    .from_site = site[j % 2],
			    .to_site = RDV_TL_NO_SITE};
		}
		CHECK(rdv_tl_writer_add_isolation_late(w, x, lates[k], nlate) == 0);
		x->vpid = 100 + x->lane / 3;
		x->domain = x->lane / 3;
		x->thread = x->lane % 3;
		x->nlate = nlate;
		niso++;
	}
	{
		struct rdv_tl_isolation bad = isos[1];
		struct rdv_tl_late badlate = {
		    .lane = NLANES, .from_site = RDV_TL_NO_SITE, .to_site = RDV_TL_NO_SITE};

		bad.grant_ns = bad.request_ns - 1;
		CHECK(rdv_tl_writer_add_isolation(w, &bad) == -EINVAL);
		bad = isos[1];
		bad.straggler_lane = NLANES;
		CHECK(rdv_tl_writer_add_isolation(w, &bad) == -EINVAL);
		bad = isos[1];
		bad.request_site = 7;
		CHECK(rdv_tl_writer_add_isolation(w, &bad) == -EINVAL);
		CHECK(rdv_tl_writer_add_isolation_late(w, &isos[1], &badlate, 1) == -EINVAL);
	}
	{
		uint32_t late_lanes[2] = {1, 3};

		CHECK(rdv_tl_writer_add_stall(w, 2, 5000, 1000000, late_lanes, 2) == 0);
		CHECK(rdv_tl_writer_add_stall(w, 0, 6000, 2000000, NULL, 0) == 0);
		CHECK(rdv_tl_writer_add_stall(w, 0, 5999, 1, NULL, 0) == -EINVAL); /* order */
		late_lanes[0] = NLANES;
		CHECK(rdv_tl_writer_add_stall(w, 0, 7000, 1, late_lanes, 1) == -EINVAL);
	}
	for (int k = 0; k < RDV_TL_NLATENCIES; k++) {
		lat[k] = make_latency(k == RDV_TL_LAT_GRANT_DELAY ? 0 : 100 + (uint64_t)k);
		CHECK(rdv_tl_writer_set_latency(w, (enum rdv_tl_latency_kind)k, &lat[k]) == 0);
	}
	{
		struct rdv_tl_latency bad = make_latency(50);

		bad.buckets[9]++; /* buckets do not sum to count */
		CHECK(rdv_tl_writer_set_latency(w, RDV_TL_LAT_BLOCKED, &bad) == -EINVAL);
		bad = make_latency(50);
		bad.p90_ns = bad.p99_ns + 1; /* out of order */
		CHECK(rdv_tl_writer_set_latency(w, RDV_TL_LAT_BLOCKED, &bad) == -EINVAL);
		CHECK(rdv_tl_writer_set_latency(w, RDV_TL_NLATENCIES, &lat[0]) == -EINVAL);
	}
	CHECK(rdv_tl_writer_set_trace(w, &trace) == 0);
	CHECK(rdv_tl_writer_close(w) == 0);

	/* Read back. */
	err[0] = '\0';
	if (rdv_tl_reader_open(path, &r, err, sizeof(err)) != 0) {
		fprintf(stderr, "cannot read back: %s\n", err);
		return 1;
	}
	rdv_tl_reader_info(r, &info);
	CHECK(info.version == RDV_TL_VERSION);
	CHECK(info.nlanes == NLANES);
	CHECK(info.begin_ns == 1000 && info.end_ns == 99999999);
	CHECK(info.events == 12345 && info.discarded_events == 7);
	CHECK(info.discarded_packets == 2 && info.gaps == 3 && info.inconsistent_events == 1);
	CHECK(info.straggler_skipped_gap == 4 && info.domains == 2 && info.processes == 2);
	CHECK(info.nisolations == niso);
	CHECK(info.nsites == 3 && info.nstalls == 2);
	for (int i = 0; i < NLANES; i++) {
		struct rdv_tl_lane l;
		uint64_t sum[RDV_TL_NSTATES] = {0};

		CHECK(rdv_tl_reader_lane(r, (uint32_t)i, &l) == 0);
		CHECK(l.vpid == 100u + i / 3 && l.domain == (uint32_t)i / 3 &&
		      l.thread == (uint32_t)i % 3);
		CHECK(l.os_tid == (i == 2 ? 4242 : 1000 + i));
		CHECK(strcmp(l.procname, i == 0 ? "" : "proc") == 0);
		CHECK(l.registrations == 1u + i && l.blocked_count == 10u * i);
		CHECK(l.straggler_count == 2u * i && l.straggler_delay_ns == 1000u * i);
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
		uint64_t n, nl;
		const struct rdv_tl_isolation *x = rdv_tl_reader_isolations(r, &n);
		const struct rdv_tl_late *late = rdv_tl_reader_late(r, &nl);

		CHECK(n == niso);
		for (uint64_t k = 1; k < n; k++) {
			CHECK(x[k - 1].request_ns <= x[k].request_ns);
		}
		for (int k = 0; k < 200; k++) {
			int found = 0;

			for (uint64_t j = 0; j < n && !found; j++) {
				struct rdv_tl_isolation y = x[j];

				y.late_first = 0;
				found = memcmp(&y, &isos[k], sizeof(y)) == 0;
				for (uint32_t m = 0; found && m < y.nlate; m++) {
					CHECK(x[j].late_first + m < nl);
					CHECK(memcmp(&late[x[j].late_first + m], &lates[k][m],
						     sizeof(*late)) == 0);
				}
			}
			CHECK(found);
		}
	}
	{
		uint64_t n, nl;
		const struct rdv_tl_stall *st = rdv_tl_reader_stalls(r, &n);
		const struct rdv_tl_late *late = rdv_tl_reader_late(r, &nl);
		struct rdv_tl_site_info si;

		CHECK(n == 2 && st[0].lane == 2 && st[0].time_ns == 5000 &&
		      st[0].waited_ns == 1000000 && st[0].nlate == 2);
		CHECK(late[st[0].late_first].lane == 1 && late[st[0].late_first + 1].lane == 3);
		CHECK(st[1].lane == 0 && st[1].nlate == 0);
		CHECK(rdv_tl_reader_site(r, 1, &si) == 0 && si.address == 0x401234 &&
		      strcmp(si.object, "/usr/bin/poller") == 0 &&
		      strcmp(si.function, "worker") == 0 && strcmp(si.file, "poller.c") == 0 &&
		      si.line == 42);
		CHECK(rdv_tl_reader_site(r, 2, &si) == 0 && si.address == 0x7f0000001000 &&
		      !si.object && !si.function && !si.file && si.line == 0);
		CHECK(rdv_tl_reader_site(r, 3, &si) == 0 && si.address == 0x402000 &&
		      strcmp(si.function, "main") == 0 && strcmp(si.file, "poller.c") == 0 &&
		      si.line == 7);
		CHECK(rdv_tl_reader_site(r, 4, &si) == -ERANGE);
		CHECK(rdv_tl_reader_site(r, RDV_TL_NO_SITE, &si) == -ERANGE);
	}
	for (int k = 0; k < RDV_TL_NLATENCIES; k++) {
		const struct rdv_tl_latency *l =
		    rdv_tl_reader_latency(r, (enum rdv_tl_latency_kind)k);

		CHECK(l && memcmp(l, &lat[k], sizeof(*l)) == 0);
	}
	CHECK(rdv_tl_reader_latency(r, RDV_TL_NLATENCIES) == NULL);
	CHECK(strcmp(rdv_tl_latency_name(RDV_TL_LAT_ISOLATE_WAIT), "isolate_wait") == 0);
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
		/* Another version: refused, saying so. */
		memcpy(mod, buf, len);
		mod[8] = 1;
		expect_refused(argv[1], mod, len, "version");
		CHECK(rdv_tl_reader_open_mem(mod, len, &r, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "version 1") && strstr(err, "version 2"));
		/* Every header and lane-table byte flipped, one at a time, but
		 * those that hold free values. */
		for (size_t at = 8; at < HEADER + NLANES * LANE; at++) {
			size_t in_lane = (at - HEADER) % LANE;

			if ((at >= 24 && at < 56) || (at >= 128 && at < 144) ||
			    (at >= 192 && at < 200) || (at >= 224 && at < 240)) {
				continue; /* times, counts: free values */
			}
			if (at >= HEADER && (in_lane < 16 || in_lane >= 136)) {
				continue; /* the key (named by isolations or not), totals */
			}
			memcpy(mod, buf, len);
			mod[at] ^= 0x5a;
			{
				char what[64];

				snprintf(what, sizeof(what), "flipped header byte %zu", at);
				expect_refused(argv[1], mod, len, what);
			}
		}
		/* A corrupt distribution, isolation, late record, stall. */
		{
			struct rdv_tl_reader *ok;
			uint64_t n;
			const struct rdv_tl_isolation *x;
			const struct rdv_tl_late *late;
			const struct rdv_tl_stall *st;
			const struct rdv_tl_latency *l;

			CHECK(rdv_tl_reader_open_mem(buf, len, &ok, err, sizeof(err)) == 0);
			l = rdv_tl_reader_latency(ok, RDV_TL_LAT_BLOCKED);
			memcpy(mod, buf, len);
			mod[(const char *)&l->p50_ns - buf + 7] = 0x7f;
			expect_refused(argv[1], mod, len, "bad percentile");
			x = rdv_tl_reader_isolations(ok, &n);
			memcpy(mod, buf, len);
			mod[(const char *)&x[5].wait_ns - buf] ^= 1;
			expect_refused(argv[1], mod, len, "wait does not match");
			memcpy(mod, buf, len);
			mod[(const char *)&x[5].vpid - buf] ^= 1;
			expect_refused(argv[1], mod, len, "requester key");
			memcpy(mod, buf, len);
			mod[(const char *)&x[5].nlate - buf + 2] = 1;
			expect_refused(argv[1], mod, len, "late range");
			late = rdv_tl_reader_late(ok, &n);
			memcpy(mod, buf, len);
			mod[(const char *)&late[3].from_site - buf] = 9;
			expect_refused(argv[1], mod, len, "late site");
			st = rdv_tl_reader_stalls(ok, &n);
			memcpy(mod, buf, len);
			mod[(const char *)&st[1].time_ns - buf + 7] = 0; /* before stall 0 */
			memset(mod + ((const char *)&st[1].time_ns - buf), 0, 8);
			expect_refused(argv[1], mod, len, "stall order");
			rdv_tl_reader_close(ok);
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
