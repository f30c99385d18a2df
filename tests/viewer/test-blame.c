/* SPDX-License-Identifier: MIT */
/*
 * rdv-view's blame as it is shown: a timeline written through the writer
 * API with known sites (resolved, function only, unresolved), isolations
 * with several late threads and a stall report, and stragglers whose counts
 * and total delays disagree on who matters most; checks what the model, the
 * info box, the lane texts, the table and the --dump-view line say.
 *
 *   test-blame DIR
 */
#include "model.h"
#include "view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);      \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

#define MS 1000000ull
#define US 1000ull

/* 7 px per character (code point), as a font would measure it. */
static int stub_w(void *ctx, enum tl_font f, const char *s)
{
	int n = 0;

	(void)ctx;
	(void)f;
	for (; *s; s++) {
		n += ((unsigned char)*s & 0xc0) != 0x80;
	}
	return 7 * n;
}

static const struct tl_metrics met = {{17, 15, 12}, stub_w, NULL};

enum { T_REQ, T_LONG, T_OFTEN, T_LATE, NLANES };
enum { S_REQ = 1, S_CONFIG, S_WORKER, S_UNRESOLVED, S_NOFILE, NSITES = 5 };

static void put_latency(struct rdv_tl_writer *w, enum rdv_tl_latency_kind kind, const uint64_t *v,
			unsigned n)
{
	struct rdv_tl_latency l = {.count = n, .started = n};
	double sum = 0;

	l.min_ns = n ? v[0] : 0;
	for (unsigned i = 0; i < n; i++) {
		l.min_ns = v[i] < l.min_ns ? v[i] : l.min_ns;
		l.max_ns = v[i] > l.max_ns ? v[i] : l.max_ns;
		l.buckets[rdv_tl_hist_bucket(v[i])]++;
		sum += (double)v[i];
	}
	l.mean_ns = n ? sum / n : 0;
	l.p50_ns = l.p90_ns = l.p99_ns = l.p999_ns = l.max_ns;
	if (rdv_tl_writer_set_latency(w, kind, &l)) {
		fprintf(stderr, "test-blame: set_latency %d\n", kind);
		exit(1);
	}
}

/* Isolation 0: t1 late 2 ms (the straggler, in parse_config), t3 late
 * 1 ms (unresolved sites), a stall report naming both; isolations 1-5: t2
 * late 4 µs each time; isolation 6: nobody late. */
static void write_trace(const char *path)
{
	struct rdv_tl_writer *w;
	struct rdv_tl_lane_stats st[NLANES] = {{0}};
	uint64_t waits[8], holds[8], gdel[8];
	unsigned ni = 0;
	uint32_t lane, site;
	int ret = rdv_tl_writer_open(path, &w);

	for (uint32_t i = 0; i < NLANES && !ret; i++) {
		ret = rdv_tl_writer_add_lane(w, 10, 0, i, 100 + (int32_t)i, "app", &lane);
		ret = ret ? ret
			  : rdv_tl_writer_add_interval(w, lane, RDV_TL_RUNNING, MS / 2, 30 * MS);
	}
	ret = ret ? ret
		  : rdv_tl_writer_add_site(w, 0x1000, "/bin/app", "control_main",
					   "/src/app/server.c", 235, &site);
	ret = ret ? ret
		  : rdv_tl_writer_add_site(w, 0x1100, "/bin/app", "parse_config",
					   "/src/app/config.c", 210, &site);
	ret = ret ? ret
		  : rdv_tl_writer_add_site(w, 0x1200, "/bin/app", "worker_main",
					   "/src/app/server.c", 141, &site);
	ret = ret ? ret : rdv_tl_writer_add_site(w, 0xdead, "/bin/app", NULL, NULL, 0, &site);
	ret = ret ? ret : rdv_tl_writer_add_site(w, 0x2000, NULL, "inner", NULL, 0, &site);
	if (ret || site != NSITES) {
		fprintf(stderr, "test-blame: cannot write %s\n", path);
		exit(1);
	}
	for (unsigned k = 0; k < 7 && !ret; k++) {
		struct rdv_tl_isolation x = {0};
		struct rdv_tl_late late[2] = {{0}};
		uint32_t nl = 0;
		uint64_t ready;

		x.lane = T_REQ;
		x.full = k == 0;
		x.request_ns = k == 0 ? 1 * MS : k < 6 ? 10 * MS + k * MS : 20 * MS;
		x.request_site = k == 6 ? S_NOFILE : S_REQ;
		if (k == 0) {
			late[0] = (struct rdv_tl_late){T_LATE, RDV_TL_LATE_DELAY, 1 * MS,
						       S_UNRESOLVED, S_NOFILE};
			late[1] =
			    (struct rdv_tl_late){T_LONG, RDV_TL_LATE_DELAY | RDV_TL_LATE_STRAGGLER,
						 2 * MS, S_CONFIG, S_WORKER};
			nl = 2;
			x.straggler_lane = T_LONG;
			ready = x.request_ns + 2 * MS;
			x.grant_ns = ready + 10 * US;
		} else if (k < 6) {
			late[0] =
			    (struct rdv_tl_late){T_OFTEN, RDV_TL_LATE_DELAY | RDV_TL_LATE_STRAGGLER,
						 4 * US, S_WORKER, S_WORKER};
			nl = 1;
			x.straggler_lane = T_OFTEN;
			ready = x.request_ns + 4 * US;
			x.grant_ns = ready + 1 * US;
		} else {
			x.straggler_lane = RDV_TL_NO_LANE;
			ready = x.request_ns;
			x.grant_ns = ready + 1 * US;
		}
		x.straggler_ns = x.straggler_lane == RDV_TL_NO_LANE ? 0 : ready;
		x.release_ns = x.grant_ns + 1 * US;
		x.flags = RDV_TL_ISO_REQUEST_KNOWN | RDV_TL_ISO_WAIT | RDV_TL_ISO_HOLD |
			  RDV_TL_ISO_GRANT_DELAY;
		x.wait_ns = x.grant_ns - x.request_ns;
		x.hold_ns = x.release_ns - x.grant_ns;
		x.grant_delay_ns = x.grant_ns - ready;
		if (x.straggler_lane != RDV_TL_NO_LANE) {
			st[x.straggler_lane].straggler_count++;
			st[x.straggler_lane].straggler_delay_ns += ready - x.request_ns;
		}
		waits[ni] = x.wait_ns;
		holds[ni] = x.hold_ns;
		gdel[ni++] = x.grant_delay_ns;
		ret = rdv_tl_writer_add_isolation_late(w, &x, late, nl);
		if (!ret && k == 0) {
			uint32_t named[2] = {T_LONG, T_LATE};

			ret = rdv_tl_writer_add_stall(w, T_REQ, 2 * MS, 1 * MS, named, 2);
		}
	}
	for (uint32_t i = 0; i < NLANES && !ret; i++) {
		ret = rdv_tl_writer_set_lane_stats(w, i, &st[i]);
	}
	if (ret) {
		fprintf(stderr, "test-blame: cannot write %s\n", path);
		exit(1);
	}
	put_latency(w, RDV_TL_LAT_ISOLATE_WAIT, waits, ni);
	put_latency(w, RDV_TL_LAT_ISOLATION_HOLD, holds, ni);
	put_latency(w, RDV_TL_LAT_BLOCKED, NULL, 0);
	put_latency(w, RDV_TL_LAT_GRANT_DELAY, gdel, ni);
	if (rdv_tl_writer_set_info(w, 0, 30 * MS, 100, 0) || rdv_tl_writer_close(w)) {
		fprintf(stderr, "test-blame: cannot close %s\n", path);
		exit(1);
	}
}

static void label_is(const struct tl_model *m, uint32_t site, enum tl_site_form f, const char *want)
{
	char buf[400];

	view_site_label(m, site, f, buf, sizeof(buf));
	if (strcmp(buf, want) != 0) {
		fprintf(stderr, "site %u form %d: '%s', want '%s'\n", site, f, buf, want);
		failures++;
	}
}

/* The info box's text as one line: wrapped lines joined by one space. */
static void info_text(const struct tl_view *v, const struct tl_model *m, int max_w, char *out,
		      size_t len)
{
	char lines[TL_INFO_MAX][TL_INFO_LEN];
	uint8_t cls[TL_INFO_MAX];
	unsigned n = view_info_lines(v, m, &met, max_w, lines, cls, TL_INFO_MAX);
	size_t o = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < n; i++) {
		const char *s = lines[i];

		CHECK(stub_w(NULL, TL_FONT_SMALL, s) <= max_w); /* wrapped, never cut */
		while (*s == ' ') {
			s++;
		}
		o += (size_t)snprintf(out + o, len - o, "%s%s", i ? " " : "", s);
		if (o >= len) {
			break;
		}
	}
}

static void has(const char *text, const char *want)
{
	if (!strstr(text, want)) {
		fprintf(stderr, "missing '%s' in:\n  %s\n", want, text);
		failures++;
	}
}

int main(int argc, char **argv)
{
	char path[4096], err[256], text[8192];
	struct tl_model m;
	struct tl_view v;

	if (argc != 2) {
		fprintf(stderr, "usage: test-blame DIR\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/blame.timeline", argv[1]);
	write_trace(path);
	if (timeline_model_open(&m, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "test-blame: %s: %s\n", path, err);
		return 1;
	}

	/* Sites: the place, the function, the full path; never a guess. */
	{
		struct tl_site s;

		CHECK(timeline_site(&m, S_REQ, &s) && s.address == 0x1000 && s.line == 235 &&
		      !strcmp(s.function, "control_main") && !strcmp(s.file, "/src/app/server.c"));
		CHECK(!timeline_site(&m, TL_NO_SITE, &s) && !timeline_site(&m, NSITES + 1, &s));
		CHECK(timeline_site(&m, S_UNRESOLVED, &s) && !s.function && !s.file);
	}
	label_is(&m, S_REQ, TL_SITE_PLACE, "control_main (server.c:235)");
	label_is(&m, S_REQ, TL_SITE_FUNCTION, "control_main");
	label_is(&m, S_REQ, TL_SITE_PATH,
		 "control_main (/src/app/server.c:235) in /bin/app · 0x1000");
	label_is(&m, S_UNRESOLVED, TL_SITE_PLACE, "? (0xdead)");
	label_is(&m, S_UNRESOLVED, TL_SITE_FUNCTION, "? (0xdead)");
	label_is(&m, S_UNRESOLVED, TL_SITE_PATH, "? (not resolved) in /bin/app · 0xdead");
	label_is(&m, S_NOFILE, TL_SITE_PLACE, "inner (0x2000)");
	label_is(&m, S_NOFILE, TL_SITE_FUNCTION, "inner");
	label_is(&m, TL_NO_SITE, TL_SITE_PLACE, "?");

	/* Late threads by delay, the straggler first; the stall of the request. */
	{
		struct tl_late late[4];
		struct tl_stall stall[2];
		struct tl_iso x;

		timeline_isolation(&m, 0, &x);
		CHECK(x.site == S_REQ && x.straggler == T_LONG && x.grant_delay_ns == 10 * US);
		CHECK(timeline_isolation_late(&m, 0, late, 4) == 2);
		CHECK(late[0].lane == T_LONG && late[0].delay_ns == 2 * MS &&
		      late[0].from == S_CONFIG && late[0].to == S_WORKER);
		CHECK(late[1].lane == T_LATE && late[1].delay_ns == 1 * MS);
		CHECK(timeline_isolation_stalls(&m, 0, stall, 2) == 1);
		CHECK(stall[0].waited_ns == 1 * MS && stall[0].nlate == 2 &&
		      stall[0].lanes[0] == T_LONG && stall[0].lanes[1] == T_LATE);
		CHECK(timeline_isolation_stalls(&m, 1, stall, 2) == 0);
		CHECK(timeline_isolation_stalls(&m, 6, stall, 2) == 0);
	}
	/* Stragglers by total delay: once for 2 ms before five times 4 µs. */
	CHECK(m.nstragglers == 2);
	CHECK(m.stragglers[0].lane == T_LONG && m.stragglers[0].count == 1 &&
	      m.stragglers[0].delay_ns == 2 * MS);
	CHECK(m.stragglers[1].lane == T_OFTEN && m.stragglers[1].count == 5 &&
	      m.stragglers[1].delay_ns == 20 * US);
	{
		char forms[3][96];

		view_straggler_row(&m, 0, forms);
		CHECK(!strcmp(forms[0], "t1 (101) 2 ms · 1×"));
		view_straggler_row(&m, 1, forms);
		CHECK(!strcmp(forms[0], "t2 (102) 20 µs · 5×"));
	}

	CHECK(view_init(&v, &m) == 0);
	/* Lane labels: the analysis' late counts. */
	{
		struct tl_drow d = {TL_DROW_LANE, TL_ROLE_NONE, T_OFTEN, 0, 0};
		char role[96];

		view_lane_role(&v, &m, &d, role, sizeof(role));
		CHECK(!strcmp(role, "late 5"));
		d.lane = T_REQ;
		view_lane_role(&v, &m, &d, role, sizeof(role));
		CHECK(!strcmp(role, "req 7"));
	}

	/* The info box tells the whole answer, at every width, wrapped. */
	view_select(&v, &m, 0, true);
	for (int wpx = 230; wpx <= 600; wpx += 37) {
		info_text(&v, &m, wpx, text, sizeof(text));
		has(text, "Isolation #0 (full)");
		has(text, "wait no. 1 of 7");
		has(text, "t0 (tid 100) requested it at");
		has(text, "from control_main (server.c:235)");
		has(text, "waited 2.01 ms for the grant");
		has(text, "2 threads late");
		has(text, "straggler t1 ready +2 ms: ran parse_config (config.c:210) → worker_main "
			  "(server.c:141)");
		has(text, "late t3 ready +1 ms: ran ? (0xdead) → inner (0x2000)");
		CHECK(strstr(text, "straggler t1") < strstr(text, "late t3"));
		has(text,
		    "grant delay 10 µs: t0's own wake-up after the last late thread was ready");
		has(text, "stall reported after 1 ms, not ready: t1 t3");
	}
	view_select(&v, &m, 6, true);
	info_text(&v, &m, 400, text, sizeof(text));
	has(text, "no thread was late");
	has(text, "grant delay 1 µs: the whole wait was t0's own wake-up");
	has(text, "from inner (0x2000)");
	CHECK(!strstr(text, "stall"));

	/* The section drawn in a late stretch: as much as fits. */
	{
		struct tl_late l = {T_LONG, 2 * MS, S_CONFIG, S_WORKER};
		char lines[2][TL_INFO_LEN];
		enum tl_font f;
		const char *one = "parse_config (config.c:210) → worker_main (server.c:141)";

		CHECK(view_section_text(&m, &met, &l, 1000, 14, lines, &f) == 1 &&
		      !strcmp(lines[0], one) && f == TL_FONT_TINY);
		CHECK(view_section_text(&m, &met, &l, stub_w(NULL, 0, one) - 1, 40, lines, &f) ==
			  2 &&
		      !strcmp(lines[0], "parse_config (config.c:210) →") &&
		      !strcmp(lines[1], "worker_main (server.c:141)") && f == TL_FONT_SMALL);
		CHECK(view_section_text(&m, &met, &l, stub_w(NULL, 0, one) - 1, 14, lines, &f) ==
			  1 &&
		      !strcmp(lines[0], "parse_config → worker_main"));
		CHECK(view_section_text(&m, &met, &l, 7 * 13, 14, lines, &f) == 1 &&
		      !strcmp(lines[0], "parse_config"));
		CHECK(view_section_text(&m, &met, &l, 20, 14, lines, &f) == 0);
		l.from = l.to = TL_NO_SITE;
		CHECK(view_section_text(&m, &met, &l, 1000, 14, lines, &f) == 0);
	}

	/* The table's site column: the place when there is room; sorted by
	 * function. */
	{
		struct tl_layout lo;
		struct tl_column c[TL_NKEYS];
		unsigned nc;
		bool site = false;
		char cell[200];

		view_layout(&lo, &met, 1920, 1080, &v, &m);
		nc = view_table_columns(&v, &m, &lo, c, TL_NKEYS);
		for (unsigned i = 0; i < nc; i++) {
			if (c[i].key == TL_KEY_SITE) {
				site = true;
				CHECK(c[i].w >= stub_w(NULL, 0, "control_main (server.c:235)"));
			}
		}
		CHECK(site);
		view_table_cell(&m, 0, TL_KEY_SITE, cell, sizeof(cell));
		CHECK(!strcmp(cell, "control_main (server.c:235)"));
		view_sort_table(&v, &m, TL_KEY_SITE);
		CHECK(v.table[0] == 0 && v.table[6] == 6); /* control_main < inner */
		view_sort_table(&v, &m, TL_KEY_SITE);
		CHECK(v.table[0] == 6);
	}

	/* --dump-view: the sections and the straggler list as shown. */
	{
		struct tl_layout lo;
		static char dump[1 << 16];

		view_select(&v, &m, 0, true);
		view_layout(&lo, &met, 1920, 1080, &v, &m);
		view_dump(&v, &m, &lo, dump, sizeof(dump));
		has(dump, " requester_tid=100 straggler_tid=101 late=1,3 late_tids=101,103 "
			  "late_delays=2000000,1000000 ");
		has(dump, " places=1:parse_config_(config.c:210)_→_worker_main_(server.c:141),"
			  "3:?_(0xdead)_→_inner_(0x2000) ");
		has(dump, " sections=1:parse_config_(config.c:210)_→_worker_main_(server.c:141),");
		has(dump, " site=control_main_(server.c:235) ");
		has(dump, " stragglers=1:1:2000000,2:5:20000 ");
		has(dump, " info=Isolation #0 (full)");
	}
	view_fini(&v);
	timeline_model_close(&m);
	if (failures) {
		fprintf(stderr, "test-blame: %d checks failed\n", failures);
		return 1;
	}
	printf("test-blame: ok\n");
	return 0;
}
