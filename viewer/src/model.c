/* SPDX-License-Identifier: MIT */
/*
 * rdv-view's model: see model.h. The level-of-detail query works on the
 * checkpoints of the timeline file (FORMAT.md): F(t), the time per state of
 * a lane up to t, costs one binary search and at most RDV_TL_CHECKPOINT_STRIDE
 * additions, and the time per state of a pixel column is F(right) - F(left),
 * so the columns of a query add up exactly to the time of the whole range.
 *
 * This is the only file of the viewer that reads the timeline's isolation
 * records (struct rdv_tl_isolation): everything else asks the functions of
 * model.h.
 */
#define _GNU_SOURCE /* qsort_r */
#include "model.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void fail_msg(char *errbuf, size_t errlen, const char *msg)
{
	if (errbuf && errlen) {
		size_t n = strlen(msg);

		if (n >= errlen) {
			n = errlen - 1;
		}
		memcpy(errbuf, msg, n);
		errbuf[n] = '\0';
	}
}

static int lane_order(const void *a, const void *b, void *arg)
{
	const struct tl_model *m = arg;
	const struct rdv_tl_lane *x = &m->lanes[*(const uint32_t *)a];
	const struct rdv_tl_lane *y = &m->lanes[*(const uint32_t *)b];

	if (x->vpid != y->vpid) {
		return x->vpid < y->vpid ? -1 : 1;
	}
	if (x->domain != y->domain) {
		return x->domain < y->domain ? -1 : 1;
	}
	if (x->thread != y->thread) {
		return x->thread < y->thread ? -1 : 1;
	}
	return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

/* The analysis' straggler totals, the one that cost most first: a thread
 * late once for 2 ms matters more than one late five times for 4 µs. */
static int straggler_order(const void *a, const void *b)
{
	const struct tl_straggler *x = a, *y = b;

	if (x->delay_ns != y->delay_ns) {
		return x->delay_ns > y->delay_ns ? -1 : 1;
	}
	if (x->count != y->count) {
		return x->count > y->count ? -1 : 1;
	}
	return x->lane < y->lane ? -1 : 1;
}

/* ---- The file's isolation records ----------------------------------------
 * Format 2 (timeline/FORMAT.md) stores, per isolation, the requester,
 * request, grant, release, the analysis' wait / hold / grant_delay samples
 * (a flag each: a sample across a gap is none), the straggler, and its late
 * threads as late records with their sites. Until the analysis lists late
 * threads (blame), an isolation's only late thread is its straggler.
 */

static const struct rdv_tl_isolation *raw(const struct tl_model *m, uint64_t k)
{
	return &m->raw_isolations[k];
}

bool timeline_site(const struct tl_model *m, uint32_t index, struct tl_site *out)
{
	struct rdv_tl_site_info si;

	memset(out, 0, sizeof(*out));
	if (index == TL_NO_SITE || rdv_tl_reader_site(m->reader, index, &si) != 0) {
		return false;
	}
	out->address = si.address;
	out->object = si.object;
	out->function = si.function;
	out->file = si.file;
	out->line = si.line;
	return true;
}

uint64_t timeline_isolation_end(const struct tl_model *m, uint64_t k)
{
	const struct rdv_tl_isolation *x = raw(m, k);

	if (x->release_ns) {
		return x->release_ns;
	}
	return m->t_max > x->grant_ns ? m->t_max : x->grant_ns;
}

void timeline_isolation(const struct tl_model *m, uint64_t k, struct tl_iso *out)
{
	const struct rdv_tl_isolation *x = raw(m, k);

	memset(out, 0, sizeof(*out));
	out->lane = x->lane;
	out->full = x->full != 0;
	out->request_ns = x->request_ns;
	out->grant_ns = x->grant_ns;
	out->release_ns = x->release_ns;
	out->end_ns = timeline_isolation_end(m, k);
	out->wait_ns = x->flags & RDV_TL_ISO_WAIT ? x->wait_ns : x->grant_ns - x->request_ns;
	out->has_hold = (x->flags & RDV_TL_ISO_HOLD) != 0;
	out->hold_ns = out->has_hold ? x->hold_ns : 0;
	out->has_grant_delay = (x->flags & RDV_TL_ISO_GRANT_DELAY) != 0;
	out->grant_delay_ns = out->has_grant_delay ? x->grant_delay_ns : 0;
	out->straggler = x->straggler_lane == RDV_TL_NO_LANE ? TL_NO_LANE : x->straggler_lane;
	out->straggler_ready_ns = x->straggler_ns;
	out->site = x->request_site;
}

/* The late threads of k in the file's order (not sorted). */
static unsigned raw_late(const struct tl_model *m, uint64_t k, struct tl_late *out, unsigned max)
{
	const struct rdv_tl_isolation *x = raw(m, k);
	const struct rdv_tl_late *late;
	uint64_t nlate;

	if (x->nlate) {
		late = rdv_tl_reader_late(m->reader, &nlate) + x->late_first;
		for (unsigned i = 0; i < x->nlate && i < max; i++) {
			out[i].lane = late[i].lane;
			out[i].delay_ns = late[i].delay_ns;
			out[i].from = late[i].from_site;
			out[i].to = late[i].to_site;
		}
		return x->nlate;
	}
	if (x->straggler_lane == RDV_TL_NO_LANE) {
		return 0;
	}
	if (max > 0) {
		out[0].lane = x->straggler_lane;
		out[0].delay_ns =
		    x->straggler_ns > x->request_ns ? x->straggler_ns - x->request_ns : 0;
		out[0].from = TL_NO_SITE;
		out[0].to = TL_NO_SITE;
	}
	return 1;
}

/* The largest number of late threads one isolation can have. */
static unsigned max_late(const struct tl_model *m)
{
	return m->info.nlanes;
}

static int late_order(const void *a, const void *b)
{
	const struct tl_late *x = a, *y = b;

	if (x->delay_ns != y->delay_ns) {
		return x->delay_ns > y->delay_ns ? -1 : 1;
	}
	return x->lane < y->lane ? -1 : x->lane > y->lane;
}

unsigned timeline_isolation_late(const struct tl_model *m, uint64_t k, struct tl_late *out,
				 unsigned max)
{
	unsigned n;

	if (k >= m->nisolations) {
		return 0;
	}
	n = raw_late(m, k, out, max);
	qsort(out, n < max ? n : max, sizeof(*out), late_order);
	return n;
}

unsigned timeline_isolation_stalls(const struct tl_model *m, uint64_t k, struct tl_stall *out,
				   unsigned max)
{
	const struct rdv_tl_stall *st;
	const struct rdv_tl_late *late;
	const struct rdv_tl_isolation *x;
	uint64_t nst, nlate, lo = 0, hi;
	unsigned n = 0;

	if (k >= m->nisolations) {
		return 0;
	}
	x = raw(m, k);
	st = rdv_tl_reader_stalls(m->reader, &nst);
	late = rdv_tl_reader_late(m->reader, &nlate);
	hi = nst;
	while (lo < hi) { /* the first report at or after the request */
		uint64_t mid = lo + (hi - lo) / 2;

		if (st[mid].time_ns < x->request_ns) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	/* A requester has one request at a time: its reports until the grant
	 * are this request's. */
	for (uint64_t i = lo; i < nst && st[i].time_ns <= x->grant_ns; i++) {
		if (st[i].lane != x->lane) {
			continue;
		}
		if (n < max) {
			struct tl_stall *o = &out[n];

			memset(o, 0, sizeof(*o));
			o->time_ns = st[i].time_ns;
			o->waited_ns = st[i].waited_ns;
			o->nlate = st[i].nlate;
			for (uint32_t j = 0; j < st[i].nlate && j < TL_STALL_LANES; j++) {
				o->lanes[j] = late[st[i].late_first + j].lane;
			}
		}
		n++;
	}
	return n;
}

/* ---- Opening --------------------------------------------------------------- */

struct sort_ctx {
	const struct tl_model *m;
	enum tl_iso_key key;
	bool descending;
};

static int iso_compare(const void *a, const void *b, void *arg);

static int build_isolation_indexes(struct tl_model *m)
{
	uint32_t n = m->info.nlanes;
	uint64_t niso = m->nisolations, nlate = 0;
	uint64_t *fill = calloc((size_t)n + m->ngroups + 1, sizeof(*fill));
	struct tl_late *late = calloc(max_late(m) ? max_late(m) : 1, sizeof(*late));
	struct tl_straggler *all = calloc(n ? n : 1, sizeof(*all));
	int ret = -ENOMEM;

	m->lane_iso_start = calloc((size_t)n + 1, sizeof(*m->lane_iso_start));
	m->lane_iso = calloc(niso ? niso : 1, sizeof(*m->lane_iso));
	m->late_iso_start = calloc((size_t)n + 1, sizeof(*m->late_iso_start));
	m->group_iso_start = calloc((size_t)m->ngroups + 1, sizeof(*m->group_iso_start));
	m->group_iso = calloc(niso ? niso : 1, sizeof(*m->group_iso));
	m->group_iso_maxend = calloc(niso ? niso : 1, sizeof(*m->group_iso_maxend));
	m->lane_late_count = calloc(n ? n : 1, sizeof(*m->lane_late_count));
	m->by_wait = calloc(niso ? niso : 1, sizeof(*m->by_wait));
	m->wait_rank = calloc(niso ? niso : 1, sizeof(*m->wait_rank));
	m->by_hold = calloc(niso ? niso : 1, sizeof(*m->by_hold));
	if (!fill || !late || !all || !m->lane_iso_start || !m->lane_iso || !m->late_iso_start ||
	    !m->group_iso_start || !m->group_iso || !m->group_iso_maxend || !m->lane_late_count ||
	    !m->by_wait || !m->wait_rank || !m->by_hold) {
		goto end;
	}
	/* Counting sorts keep request order within each lane and group. */
	for (uint64_t j = 0; j < niso; j++) {
		const struct rdv_tl_isolation *x = raw(m, j);
		unsigned nl = raw_late(m, j, late, max_late(m));

		nl = nl < max_late(m) ? nl : max_late(m);
		m->lane_iso_start[x->lane + 1]++;
		m->group_iso_start[m->lane_group[x->lane] + 1]++;
		for (unsigned i = 0; i < nl; i++) {
			m->late_iso_start[late[i].lane + 1]++;
			m->lane_late_count[late[i].lane]++;
			nlate++;
		}
		m->has_late_lists |= x->nlate > 0;
	}
	m->late_iso = calloc(nlate ? nlate : 1, sizeof(*m->late_iso));
	if (!m->late_iso) {
		goto end;
	}
	/* The stragglers as the analysis counted them (the lanes' totals). */
	for (uint32_t i = 0; i < n; i++) {
		m->lane_iso_start[i + 1] += m->lane_iso_start[i];
		m->late_iso_start[i + 1] += m->late_iso_start[i];
		all[i].lane = i;
		all[i].count = m->lanes[i].straggler_count;
		all[i].delay_ns = m->lanes[i].straggler_delay_ns;
	}
	for (uint32_t g = 0; g < m->ngroups; g++) {
		m->group_iso_start[g + 1] += m->group_iso_start[g];
	}
	for (uint32_t i = 0; i < n; i++) {
		fill[i] = m->lane_iso_start[i];
	}
	for (uint64_t j = 0; j < niso; j++) {
		m->lane_iso[fill[raw(m, j)->lane]++] = (uint32_t)j;
	}
	for (uint32_t i = 0; i < n; i++) {
		fill[i] = m->late_iso_start[i];
	}
	for (uint64_t j = 0; j < niso; j++) {
		unsigned nl = raw_late(m, j, late, max_late(m));

		nl = nl < max_late(m) ? nl : max_late(m);
		for (unsigned i = 0; i < nl; i++) {
			m->late_iso[fill[late[i].lane]++] = (uint32_t)j;
		}
	}
	for (uint32_t g = 0; g < m->ngroups; g++) {
		fill[g] = m->group_iso_start[g];
	}
	for (uint64_t j = 0; j < niso; j++) {
		uint32_t g = m->lane_group[raw(m, j)->lane];
		uint64_t end = timeline_isolation_end(m, j);
		uint64_t pos = fill[g]++;

		m->group_iso[pos] = (uint32_t)j;
		m->group_iso_maxend[pos] =
		    pos > m->group_iso_start[g] && m->group_iso_maxend[pos - 1] > end
			? m->group_iso_maxend[pos - 1]
			: end;
	}
	qsort(all, n, sizeof(*all), straggler_order);
	while (m->nstragglers < n && all[m->nstragglers].count > 0) {
		m->nstragglers++;
	}
	m->stragglers = all;
	all = NULL;

	timeline_isolations_sort(m, TL_KEY_WAIT, true, m->by_wait);
	for (uint64_t r = 0; r < niso; r++) {
		m->wait_rank[m->by_wait[r]] = (uint32_t)r;
	}
	timeline_isolations_sort(m, TL_KEY_HOLD, true, m->by_hold);
	for (uint64_t j = 0; j < niso; j++) {
		m->nheld += (raw(m, j)->flags & RDV_TL_ISO_HOLD) != 0;
	}
	ret = 0;
end:
	free(fill);
	free(late);
	free(all);
	return ret;
}

static int build(struct tl_model *m)
{
	uint32_t n = m->info.nlanes;
	uint32_t *order = NULL;
	int ret = -ENOMEM;

	m->lanes = calloc(n ? n : 1, sizeof(*m->lanes));
	m->lane_row = calloc(n ? n : 1, sizeof(*m->lane_row));
	m->lane_group = calloc(n ? n : 1, sizeof(*m->lane_group));
	m->rows = calloc(2 * (size_t)n + 1, sizeof(*m->rows));
	m->groups = calloc(n ? n : 1, sizeof(*m->groups));
	order = calloc(n ? n : 1, sizeof(*order));
	if (!m->lanes || !m->lane_row || !m->lane_group || !m->rows || !m->groups || !order) {
		goto end;
	}
	m->t_min = m->info.begin_ns;
	m->t_max = m->info.end_ns;
	for (uint32_t i = 0; i < n; i++) {
		rdv_tl_reader_lane(m->reader, i, &m->lanes[i]);
		order[i] = i;
		if (m->lanes[i].nintervals) {
			const struct rdv_tl_lane *l = &m->lanes[i];

			if (m->t_min == m->t_max && m->t_min == 0) {
				m->t_min = l->begin_ns[0];
				m->t_max = l->end_ns[l->nintervals - 1];
			}
			if (l->begin_ns[0] < m->t_min) {
				m->t_min = l->begin_ns[0];
			}
			if (l->end_ns[l->nintervals - 1] > m->t_max) {
				m->t_max = l->end_ns[l->nintervals - 1];
			}
		}
	}
	if (m->t_max <= m->t_min) {
		m->t_max = m->t_min + 1000;
	}
	qsort_r(order, n, sizeof(*order), lane_order, m);

	for (uint32_t k = 0; k < n; k++) {
		const struct rdv_tl_lane *l = &m->lanes[order[k]];
		struct tl_group *g = m->ngroups ? &m->groups[m->ngroups - 1] : NULL;

		if (!g || g->vpid != l->vpid || g->domain != l->domain) {
			g = &m->groups[m->ngroups];
			g->vpid = l->vpid;
			g->domain = l->domain;
			g->procname = l->procname;
			g->first_row = m->nrows;
			m->rows[m->nrows].kind = TL_ROW_GROUP;
			m->rows[m->nrows].lane = order[k];
			m->rows[m->nrows].group = m->ngroups;
			m->nrows++;
			m->ngroups++;
		}
		if (!g->procname[0] && l->procname[0]) {
			g->procname = l->procname;
		}
		g->nlanes++;
		if (l->thread >= g->max_thread) {
			g->max_thread = l->thread == UINT32_MAX ? UINT32_MAX : l->thread + 1;
		}
		m->lane_row[order[k]] = m->nrows;
		m->lane_group[order[k]] = m->ngroups - 1;
		m->rows[m->nrows].kind = TL_ROW_LANE;
		m->rows[m->nrows].lane = order[k];
		m->rows[m->nrows].group = m->ngroups - 1;
		m->nrows++;
	}
	ret = build_isolation_indexes(m);
end:
	free(order);
	return ret;
}

static int model_init(struct tl_model *m, char *errbuf, size_t errlen)
{
	int ret;

	rdv_tl_reader_info(m->reader, &m->info);
	m->raw_isolations = rdv_tl_reader_isolations(m->reader, &m->nisolations);
	m->has_sites = m->info.nsites > 0;
	m->has_grant_delay = rdv_tl_reader_latency(m->reader, RDV_TL_LAT_GRANT_DELAY)->started > 0;
	if (m->nisolations >= UINT32_MAX) {
		fail_msg(errbuf, errlen, "too many isolations");
		timeline_model_close(m);
		return -E2BIG;
	}
	/* Times up to 2^62 ns (146 years: monotonic and epoch clocks alike), so
	 * that view arithmetic (a span either side of the trace) cannot wrap. */
	{
		const uint64_t limit = (uint64_t)1 << 62;
		bool ok = m->info.end_ns < limit;

		for (uint32_t i = 0; ok && i < m->info.nlanes; i++) {
			struct rdv_tl_lane l;

			rdv_tl_reader_lane(m->reader, i, &l);
			ok = l.nintervals == 0 || l.end_ns[l.nintervals - 1] < limit;
		}
		for (uint64_t j = 0; ok && j < m->nisolations; j++) {
			ok = raw(m, j)->release_ns < limit && raw(m, j)->grant_ns < limit &&
			     raw(m, j)->straggler_ns < limit;
		}
		if (!ok) {
			fail_msg(errbuf, errlen, "times beyond 2^62 ns are not supported");
			timeline_model_close(m);
			return -EINVAL;
		}
	}
	ret = build(m);
	if (ret) {
		fail_msg(errbuf, errlen, "out of memory");
		timeline_model_close(m);
	}
	return ret;
}

int timeline_model_open(struct tl_model *m, const char *path, char *errbuf, size_t errlen)
{
	int ret;

	memset(m, 0, sizeof(*m));
	ret = rdv_tl_reader_open(path, &m->reader, errbuf, errlen);
	if (ret) {
		return ret;
	}
	return model_init(m, errbuf, errlen);
}

int timeline_model_open_mem(struct tl_model *m, const void *buf, size_t len, char *errbuf,
			    size_t errlen)
{
	int ret;

	memset(m, 0, sizeof(*m));
	ret = rdv_tl_reader_open_mem(buf, len, &m->reader, errbuf, errlen);
	if (ret) {
		return ret;
	}
	return model_init(m, errbuf, errlen);
}

void timeline_model_close(struct tl_model *m)
{
	rdv_tl_reader_close(m->reader);
	free(m->lanes);
	free(m->lane_row);
	free(m->lane_group);
	free(m->rows);
	free(m->groups);
	free(m->stragglers);
	free(m->lane_iso);
	free(m->lane_iso_start);
	free(m->late_iso);
	free(m->late_iso_start);
	free(m->group_iso);
	free(m->group_iso_start);
	free(m->group_iso_maxend);
	free(m->lane_late_count);
	free(m->by_wait);
	free(m->wait_rank);
	free(m->by_hold);
	memset(m, 0, sizeof(*m));
}

/* Number of items that begin before t, an item being every `stride`-th
 * interval (1: every interval, K: the first of each checkpoint block). `floor` is a lower bound of
 * the answer (an answer for a smaller t) and `guess` a likely answer: the search gallops from the
 * guess, forward or back, then bisects, so successive columns that advance by about the same count
 * touch few cache lines. */
static uint64_t strided_before(const struct rdv_tl_lane *l, uint64_t t, uint64_t floor,
			       uint64_t guess, uint64_t stride)
{
	uint64_t n = (l->nintervals + stride - 1) / stride, lo, hi, step = 1;

	if (floor > n) {
		floor = n;
	}
	if (floor > 0 && l->begin_ns[(floor - 1) * stride] >= t) {
		floor = 0; /* not a lower bound after all: start over */
	}
	if (guess < floor) {
		guess = floor;
	}
	if (guess > n) {
		guess = n;
	}
	if (guess > floor && l->begin_ns[(guess - 1) * stride] >= t) {
		/* The answer is below the guess, at least floor. */
		hi = guess - 1;
		lo = floor;
		for (;;) {
			uint64_t p = hi - floor > step ? hi - step : floor;

			if (p == floor || l->begin_ns[(p - 1) * stride] < t) {
				lo = p;
				break;
			}
			hi = p - 1;
			step *= 2;
		}
	} else {
		/* All of [0, guess) begin before t. */
		lo = guess;
		hi = lo;
		while (hi < n && l->begin_ns[hi * stride] < t) {
			lo = hi + 1;
			hi += step;
			step *= 2;
		}
		if (hi > n) {
			hi = n;
		}
	}
	/* The answer is in [lo, hi]. */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (l->begin_ns[mid * stride] < t) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo;
}

static uint64_t begins_before(const struct rdv_tl_lane *l, uint64_t t, uint64_t floor,
			      uint64_t guess)
{
	return strided_before(l, t, floor, guess, 1);
}

/* F(t): time per state of the lane's intervals up to t. Returns the number
 * of intervals beginning before t (the next hint). */
static uint64_t cumulative(const struct rdv_tl_lane *l, uint64_t t, uint64_t floor, uint64_t guess,
			   uint64_t out[RDV_TL_NSTATES])
{
	uint64_t idx = begins_before(l, t, floor, guess);
	uint64_t last, row;

	if (idx == 0) {
		memset(out, 0, RDV_TL_NSTATES * sizeof(out[0]));
		return 0;
	}
	last = idx - 1;
	row = last / RDV_TL_CHECKPOINT_STRIDE;
	memcpy(out, l->checkpoints + row * RDV_TL_NSTATES, RDV_TL_NSTATES * sizeof(out[0]));
	for (uint64_t j = row * RDV_TL_CHECKPOINT_STRIDE; j < last; j++) {
		out[l->state[j]] += l->end_ns[j] - l->begin_ns[j];
	}
	out[l->state[last]] += (l->end_ns[last] < t ? l->end_ns[last] : t) - l->begin_ns[last];
	return idx;
}

void timeline_state_time(const struct tl_model *m, uint32_t lane, uint64_t t0, uint64_t t1,
			 uint64_t out[RDV_TL_NSTATES])
{
	uint64_t a[RDV_TL_NSTATES], b[RDV_TL_NSTATES];

	memset(out, 0, RDV_TL_NSTATES * sizeof(out[0]));
	if (lane >= m->info.nlanes || t1 <= t0) {
		return;
	}
	cumulative(&m->lanes[lane], t0, 0, 0, a);
	cumulative(&m->lanes[lane], t1, 0, 0, b);
	for (int s = 0; s < RDV_TL_NSTATES; s++) {
		out[s] = b[s] - a[s];
	}
}

static uint64_t column_edge(uint64_t t0, uint64_t t1, unsigned c, unsigned columns)
{
	return t0 + (uint64_t)((unsigned __int128)(t1 - t0) * c / columns);
}

unsigned timeline_lod_query(const struct tl_model *m, uint32_t lane, uint64_t t0, uint64_t t1,
			    unsigned columns, struct tl_bucket *out)
{
	const uint64_t K = RDV_TL_CHECKPOINT_STRIDE;
	const struct rdv_tl_lane *l;
	uint64_t prev[RDV_TL_NSTATES], cur[RDV_TL_NSTATES];
	uint64_t hint, advance = 0, block = 0, block_adv = 0, edge_prev = t0;
	unsigned nout = 0;

	if (lane >= m->info.nlanes || t1 <= t0 || columns == 0) {
		return 0;
	}
	l = &m->lanes[lane];
	if (l->nintervals == 0 || l->end_ns[l->nintervals - 1] <= t0 || l->begin_ns[0] >= t1) {
		return 0;
	}
	hint = cumulative(l, t0, 0, 0, prev);
	for (unsigned c = 0; c < columns; c++) {
		uint64_t b = column_edge(t0, t1, c + 1, columns);
		uint64_t width = b - column_edge(t0, t1, c, columns);
		uint64_t edge = b, best = 0, total = 0;
		uint8_t dominant = TL_NO_STATE, nstates = 0;
		struct tl_bucket *last = nout ? &out[nout - 1] : NULL;
		bool snapped = false;

		/* Zoomed out (many intervals per column), the column edge may move
		 * back to the start of the checkpoint block holding it, when that
		 * is within a quarter of a column: F there is one checkpoint row,
		 * no interval is read. Each bucket stays exact for its own
		 * [t0, t1), the edges stay increasing, and the last edge is t1. */
		if (advance >= 4 * K && c + 1 < columns) {
			uint64_t nb = strided_before(l, b, block, block + block_adv, K);

			if (nb > 0) {
				uint64_t j = nb - 1, e = l->begin_ns[j * K];

				if (b - e <= width / 4 && e > edge_prev) {
					memcpy(cur, l->checkpoints + j * RDV_TL_NSTATES,
					       sizeof(cur));
					block_adv = nb - block;
					block = nb;
					advance = j * K - hint;
					hint = j * K;
					edge = e;
					snapped = true;
				}
			}
		}
		if (!snapped) {
			uint64_t g = hint + 3 * advance;
			uint64_t next;

			if (advance > 4 && g < l->nintervals) {
				/* Columns far apart in memory: fetch what a later
				 * column will read while this one is computed. */
				__builtin_prefetch(&l->begin_ns[g]);
				__builtin_prefetch(&l->end_ns[g]);
				__builtin_prefetch(&l->state[g]);
				__builtin_prefetch(&l->checkpoints[g / K * RDV_TL_NSTATES]);
			}
			next = cumulative(l, b, hint, hint + advance, cur);
			advance = next - hint;
			hint = next;
			block = hint / K;
		}
		for (int s = 0; s < RDV_TL_NSTATES; s++) {
			uint64_t d = cur[s] - prev[s];

			total += d;
			if (d > 0) {
				nstates++;
			}
			if (d > best) {
				best = d;
				dominant = (uint8_t)s;
			}
		}
		if (total > 0) {
			/* Merge runs of pure columns only: a mixed column keeps its own
			 * bucket, so its mix is not smeared over its neighbours. */
			if (last && last->dominant == dominant && last->col1 == c &&
			    last->nstates == 1 && nstates == 1) {
				for (int s = 0; s < RDV_TL_NSTATES; s++) {
					last->state_ns[s] += cur[s] - prev[s];
				}
				last->t1 = edge;
				last->col1 = c + 1;
			} else {
				struct tl_bucket *o = &out[nout++];

				o->t0 = edge_prev;
				o->t1 = edge;
				o->col0 = c;
				o->col1 = c + 1;
				o->dominant = dominant;
				o->nstates = nstates;
				for (int s = 0; s < RDV_TL_NSTATES; s++) {
					o->state_ns[s] = cur[s] - prev[s];
				}
			}
		}
		memcpy(prev, cur, sizeof(prev));
		edge_prev = edge;
		if (edge >= l->end_ns[l->nintervals - 1]) {
			break; /* nothing further right */
		}
	}
	return nout;
}

int64_t timeline_interval_at(const struct tl_model *m, uint32_t lane, uint64_t t)
{
	const struct rdv_tl_lane *l;
	uint64_t idx;

	if (lane >= m->info.nlanes || t == UINT64_MAX) {
		return -1;
	}
	l = &m->lanes[lane];
	idx = begins_before(l, t + 1, 0, 0); /* intervals beginning at or before t */
	if (idx == 0 || l->end_ns[idx - 1] <= t) {
		return -1;
	}
	return (int64_t)(idx - 1);
}

uint8_t timeline_state_at(const struct tl_model *m, uint32_t lane, uint64_t t)
{
	int64_t i = timeline_interval_at(m, lane, t);

	return i < 0 ? TL_NO_STATE : m->lanes[lane].state[i];
}

void timeline_state_bits(uint8_t state, bool *w, bool *h, bool *i)
{
	*w = state == RDV_TL_WAITING || state == RDV_TL_ISOLATED;
	*h = state == RDV_TL_HARMLESS || state == RDV_TL_IDLE || state == RDV_TL_BLOCKED ||
	     state == RDV_TL_WAITING;
	*i = state == RDV_TL_IDLE;
}

/* ---- Isolation lookups ------------------------------------------------------ */

/* Distance from t to [a, b]. */
static uint64_t distance(uint64_t t, uint64_t a, uint64_t b)
{
	return t < a ? a - t : t > b ? t - b : 0;
}

/* In idx[lo, hi) (isolation indices in request order), the end of the ones
 * requested at or before `limit`. */
static uint64_t requested_by(const struct tl_model *m, const uint32_t *idx, uint64_t lo,
			     uint64_t hi, uint64_t limit)
{
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (raw(m, idx[mid])->request_ns <= limit) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo;
}

static uint64_t plus(uint64_t t, uint64_t d)
{
	return t > UINT64_MAX - d ? UINT64_MAX : t + d;
}

int64_t timeline_isolation_at(const struct tl_model *m, uint32_t lane, uint64_t t,
			      uint64_t slack_ns)
{
	uint64_t lo, hi, best_d = UINT64_MAX;
	int64_t best = -1;

	if (lane >= m->info.nlanes) {
		return -1;
	}
	lo = m->lane_iso_start[lane];
	hi = requested_by(m, m->lane_iso, lo, m->lane_iso_start[lane + 1], plus(t, slack_ns));
	/* A lane's isolations do not overlap (one request at a time), so the
	 * few just before are the only candidates. */
	for (uint64_t k = hi; k > lo && hi - k < 4; k--) {
		uint32_t j = m->lane_iso[k - 1];
		uint64_t d = distance(t, raw(m, j)->request_ns, timeline_isolation_end(m, j));

		if (d <= slack_ns && d < best_d) {
			best_d = d;
			best = j;
		}
	}
	return best;
}

/* The delay of `lane` for isolation k, or UINT64_MAX when it was not late. */
static uint64_t late_delay(const struct tl_model *m, uint64_t k, uint32_t lane,
			   struct tl_late *scratch, unsigned max)
{
	unsigned n = raw_late(m, k, scratch, max);

	for (unsigned i = 0; i < n && i < max; i++) {
		if (scratch[i].lane == lane) {
			return scratch[i].delay_ns;
		}
	}
	return UINT64_MAX;
}

/* An isolation lane was late for, whose request -> ready stretch holds t. */
static int64_t late_isolation_at(const struct tl_model *m, uint32_t lane, uint64_t t,
				 uint64_t slack_ns)
{
	struct tl_late scratch[16];
	uint64_t lo = m->late_iso_start[lane], hi, best_d = UINT64_MAX;
	int64_t best = -1;

	hi = requested_by(m, m->late_iso, lo, m->late_iso_start[lane + 1], plus(t, slack_ns));
	/* Requests of several threads may be pending at once, each with this
	 * lane late: look a little further back than for requesters. */
	for (uint64_t k = hi; k > lo && hi - k < 64; k--) {
		uint32_t j = m->late_iso[k - 1];
		uint64_t delay = late_delay(m, j, lane, scratch, 16);
		uint64_t req = raw(m, j)->request_ns, d;

		if (delay == UINT64_MAX) {
			continue;
		}
		d = distance(t, req, req + delay);
		if (d <= slack_ns && d < best_d) {
			best_d = d;
			best = j;
		}
	}
	return best;
}

/* The isolation of group g in progress at t: granted at t if one is, else
 * the earliest requested among those pending at t; -1 when none. */
static int64_t group_isolation_at(const struct tl_model *m, uint32_t g, uint64_t t)
{
	uint64_t lo = m->group_iso_start[g], hi;
	int64_t granted = -1, pending = -1;

	hi = requested_by(m, m->group_iso, lo, m->group_iso_start[g + 1], t);
	/* The running max of the ends bounds the walk back; a cap keeps one
	 * isolation never released from making it linear. */
	for (uint64_t k = hi; k > lo && hi - k < 4096 && m->group_iso_maxend[k - 1] >= t; k--) {
		uint32_t j = m->group_iso[k - 1];
		const struct rdv_tl_isolation *x = raw(m, j);

		if (t > timeline_isolation_end(m, j)) {
			continue;
		}
		if (t >= x->grant_ns) {
			granted = j;
			break;
		}
		pending = j; /* walking back: the last one seen was requested first */
	}
	return granted >= 0 ? granted : pending;
}

int64_t timeline_isolation_of(const struct tl_model *m, uint32_t lane, uint64_t t,
			      uint64_t slack_ns)
{
	const struct rdv_tl_lane *l;
	int64_t k, i;

	if (lane >= m->info.nlanes) {
		return -1;
	}
	k = timeline_isolation_at(m, lane, t, slack_ns);
	if (k < 0) {
		k = late_isolation_at(m, lane, t, slack_ns);
	}
	if (k >= 0) {
		return k;
	}
	/* A blocked (or waiting) interval at t, or within the slack: one that
	 * is thinner than a pixel is still clickable. */
	l = &m->lanes[lane];
	i = timeline_interval_at(m, lane, t);
	if (i < 0) {
		uint64_t idx = 0, a = 0, b = l->nintervals;

		while (a < b) { /* first interval beginning after t */
			uint64_t mid = a + (b - a) / 2;

			if (l->begin_ns[mid] <= t) {
				a = mid + 1;
			} else {
				b = mid;
			}
		}
		idx = a;
		i = (int64_t)idx;
	}
	for (int64_t j = i - 2; j <= i + 2; j++) {
		uint8_t s;
		uint64_t at;

		if (j < 0 || (uint64_t)j >= l->nintervals) {
			continue;
		}
		s = l->state[j];
		if (s != RDV_TL_BLOCKED && s != RDV_TL_WAITING) {
			continue;
		}
		if (distance(t, l->begin_ns[j], l->end_ns[j]) > slack_ns) {
			continue;
		}
		at = t < l->begin_ns[j] ? l->begin_ns[j] : t >= l->end_ns[j] ? l->end_ns[j] - 1 : t;
		k = group_isolation_at(m, m->lane_group[lane], at);
		if (k >= 0) {
			return k;
		}
	}
	return -1;
}

int64_t timeline_isolation_find(const struct tl_model *m, uint32_t vpid, uint32_t domain,
				uint32_t thread, uint64_t request_ns)
{
	for (uint32_t i = 0; i < m->info.nlanes; i++) {
		const struct rdv_tl_lane *l = &m->lanes[i];
		uint64_t lo, hi;

		if (l->vpid != vpid || l->domain != domain || l->thread != thread) {
			continue;
		}
		lo = m->lane_iso_start[i];
		hi = requested_by(m, m->lane_iso, lo, m->lane_iso_start[i + 1], request_ns);
		if (hi > lo && raw(m, m->lane_iso[hi - 1])->request_ns == request_ns) {
			return m->lane_iso[hi - 1];
		}
	}
	return -1;
}

static int involved_order(const void *a, const void *b)
{
	const struct tl_involved *x = a, *y = b;

	if (x->role != y->role) {
		return x->role < y->role ? -1 : 1;
	}
	if (x->ns != y->ns) {
		return x->ns > y->ns ? -1 : 1;
	}
	return x->lane < y->lane ? -1 : x->lane > y->lane;
}

unsigned timeline_isolation_involved(const struct tl_model *m, uint64_t k, struct tl_involved *out,
				     unsigned max)
{
	struct tl_iso x;
	struct tl_late *late;
	const struct tl_group *g;
	unsigned n = 0, nlate, rest;

	if (k >= m->nisolations || max == 0) {
		return 0;
	}
	timeline_isolation(m, k, &x);
	out[n++] = (struct tl_involved){x.lane, TL_ROLE_REQUESTER, x.wait_ns};
	late = calloc(max_late(m) ? max_late(m) : 1, sizeof(*late));
	nlate = late ? timeline_isolation_late(m, k, late, max_late(m)) : 0;
	nlate = nlate < max_late(m) ? nlate : max_late(m); /* what was filled */
	for (unsigned i = 0; i < nlate && n < max; i++) {
		out[n++] = (struct tl_involved){
		    late[i].lane, late[i].lane == x.straggler ? TL_ROLE_STRAGGLER : TL_ROLE_LATE,
		    late[i].delay_ns};
	}
	free(late);
	/* The straggler first among the late, then by delay. */
	qsort(out + 1, n - 1, sizeof(*out), involved_order);
	rest = n;
	g = &m->groups[m->lane_group[x.lane]];
	for (uint32_t r = g->first_row + 1; r <= g->first_row + g->nlanes && n < max; r++) {
		uint32_t lane = m->rows[r].lane;
		uint64_t st[RDV_TL_NSTATES];
		bool seen = false;

		for (unsigned i = 0; i < rest && !seen; i++) {
			seen = out[i].lane == lane;
		}
		if (seen) {
			continue;
		}
		timeline_state_time(m, lane, x.request_ns, x.end_ns, st);
		if (st[RDV_TL_WAITING]) {
			out[n++] = (struct tl_involved){lane, TL_ROLE_QUEUED, st[RDV_TL_WAITING]};
		} else if (st[RDV_TL_BLOCKED]) {
			out[n++] = (struct tl_involved){lane, TL_ROLE_BLOCKED, st[RDV_TL_BLOCKED]};
		}
	}
	qsort(out + rest, n - rest, sizeof(*out), involved_order);
	return n;
}

/* ---- Orders ------------------------------------------------------------------ */

/* A sort value of k, or false when it has none (sorted last). */
static bool sort_value(const struct tl_model *m, uint64_t k, enum tl_iso_key key, uint64_t *v)
{
	struct tl_iso x;

	timeline_isolation(m, k, &x);
	switch (key) {
	case TL_KEY_INDEX:
		*v = k;
		return true;
	case TL_KEY_WAIT:
		*v = x.wait_ns;
		return true;
	case TL_KEY_HOLD:
		*v = x.hold_ns;
		return x.has_hold;
	case TL_KEY_GRANT_DELAY:
		*v = x.grant_delay_ns;
		return x.has_grant_delay;
	case TL_KEY_REQUESTER: {
		const struct rdv_tl_lane *l = &m->lanes[x.lane];

		*v = ((uint64_t)m->lane_group[x.lane] << 32) | l->thread;
		return true;
	}
	case TL_KEY_SITE:
		*v = x.site;
		return x.site != TL_NO_SITE;
	case TL_KEY_STRAGGLER:
		if (x.straggler == TL_NO_LANE) {
			return false;
		}
		*v = ((uint64_t)m->lane_group[x.straggler] << 32) | m->lanes[x.straggler].thread;
		return true;
	default:
		return false;
	}
}

/* Sites in reading order: function, file, line (unresolved ones, by
 * address, after the resolved ones). */
static int site_compare(const struct tl_model *m, uint32_t a, uint32_t b)
{
	struct tl_site x, y;
	int d;

	if (a == b) {
		return 0;
	}
	timeline_site(m, a, &x);
	timeline_site(m, b, &y);
	if (!x.function != !y.function) {
		return x.function ? -1 : 1;
	}
	if (x.function && (d = strcmp(x.function, y.function)) != 0) {
		return d;
	}
	if (!x.file != !y.file) {
		return x.file ? -1 : 1;
	}
	if (x.file && (d = strcmp(x.file, y.file)) != 0) {
		return d;
	}
	if (x.line != y.line) {
		return x.line < y.line ? -1 : 1;
	}
	if (x.address != y.address) {
		return x.address < y.address ? -1 : 1;
	}
	return a < b ? -1 : 1;
}

static int iso_compare(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *c = arg;
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
	uint64_t vi = 0, vj = 0;
	bool hi = sort_value(c->m, i, c->key, &vi);
	bool hj = sort_value(c->m, j, c->key, &vj);
	int d = 0;

	if (hi != hj) {
		return hi ? -1 : 1; /* without a value: last */
	}
	if (hi) {
		if (c->key == TL_KEY_SITE) {
			d = site_compare(c->m, (uint32_t)vi, (uint32_t)vj);
		} else if (vi != vj) {
			d = vi < vj ? -1 : 1;
		}
		if (c->descending) {
			d = -d;
		}
	}
	if (d == 0) {
		d = i < j ? -1 : i > j; /* request order */
	}
	return d;
}

void timeline_isolations_sort(const struct tl_model *m, enum tl_iso_key key, bool descending,
			      uint32_t *perm)
{
	struct sort_ctx c = {m, key, descending};

	for (uint64_t j = 0; j < m->nisolations; j++) {
		perm[j] = (uint32_t)j;
	}
	qsort_r(perm, m->nisolations, sizeof(*perm), iso_compare, &c);
}

uint64_t timeline_wait_rank(const struct tl_model *m, uint64_t k)
{
	return k < m->nisolations ? m->wait_rank[k] : UINT64_MAX;
}

int64_t timeline_by_wait(const struct tl_model *m, uint64_t rank)
{
	return rank < m->nisolations ? (int64_t)m->by_wait[rank] : -1;
}

/* ---- Latency distributions --------------------------------------------------- */

void timeline_latency(const struct tl_model *m, enum tl_latency_kind kind, struct tl_latency *out)
{
	static const enum rdv_tl_latency_kind file_kind[TL_NLAT] = {
	    [TL_LAT_WAIT] = RDV_TL_LAT_ISOLATE_WAIT,
	    [TL_LAT_HOLD] = RDV_TL_LAT_ISOLATION_HOLD,
	    [TL_LAT_BLOCKED] = RDV_TL_LAT_BLOCKED,
	    [TL_LAT_GRANT_DELAY] = RDV_TL_LAT_GRANT_DELAY,
	};
	const struct rdv_tl_latency *h;

	memset(out, 0, sizeof(*out));
	if ((unsigned)kind >= TL_NLAT) {
		return;
	}
	h = rdv_tl_reader_latency(m->reader, file_kind[kind]);
	/* grant_delay is there once the analysis measures it (blame) */
	if (!h || (kind == TL_LAT_GRANT_DELAY && h->started == 0)) {
		return;
	}
	/* The analysis' own numbers (format 2): shown as they are. */
	out->present = true;
	out->exact = true;
	out->count = h->count;
	out->min_ns = h->min_ns;
	out->max_ns = h->max_ns;
	out->mean_ns = (uint64_t)llround(h->mean_ns);
	out->p50_ns = h->p50_ns;
	out->p90_ns = h->p90_ns;
	out->p99_ns = h->p99_ns;
	out->p999_ns = h->p999_ns;
	out->buckets = h->buckets;
}

static bool by_value(const struct tl_model *m, enum tl_latency_kind kind, const uint32_t **order,
		     uint64_t *n)
{
	if (kind == TL_LAT_WAIT) {
		*order = m->by_wait;
		*n = m->nisolations;
		return true;
	}
	if (kind == TL_LAT_HOLD) {
		*order = m->by_hold;
		*n = m->nheld;
		return true;
	}
	return false;
}

static uint64_t value_of(const struct tl_model *m, enum tl_latency_kind kind, uint64_t k)
{
	struct tl_iso x;

	timeline_isolation(m, k, &x);
	return kind == TL_LAT_WAIT ? x.wait_ns : x.hold_ns;
}

int64_t timeline_isolation_by_value(const struct tl_model *m, enum tl_latency_kind kind,
				    uint64_t pos)
{
	const uint32_t *order;
	uint64_t n;

	if (!by_value(m, kind, &order, &n) || pos >= n) {
		return -1;
	}
	return order[pos];
}

/* First position in the longest-first order whose bucket is below b + 1
 * (with below = true: below b). */
static uint64_t bucket_edge(const struct tl_model *m, enum tl_latency_kind kind,
			    const uint32_t *order, uint64_t n, unsigned b, bool below)
{
	uint64_t lo = 0, hi = n;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		unsigned mb = rdv_tl_hist_bucket(value_of(m, kind, order[mid]));

		if (below ? mb >= b : mb > b) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo;
}

uint64_t timeline_isolations_in_bucket(const struct tl_model *m, enum tl_latency_kind kind,
				       unsigned b, uint64_t *first)
{
	const uint32_t *order;
	uint64_t n, a, z;

	*first = 0;
	if (!by_value(m, kind, &order, &n)) {
		return 0;
	}
	a = bucket_edge(m, kind, order, n, b, false);
	z = bucket_edge(m, kind, order, n, b, true);
	*first = a;
	return z > a ? z - a : 0;
}

bool timeline_blocked_next(const struct tl_model *m, unsigned b, uint32_t *lane, uint64_t *t)
{
	for (int pass = 0; pass < 2; pass++) {
		uint64_t after_t = pass ? 0 : *t;
		int64_t after_lane = pass ? -1 : (int64_t)*lane;
		uint64_t best_t = UINT64_MAX;
		uint32_t best_lane = TL_NO_LANE;

		for (uint32_t i = 0; i < m->info.nlanes; i++) {
			const struct rdv_tl_lane *l = &m->lanes[i];
			/* (begin, lane) after (after_t, after_lane): begin > after_t, or
			 * equal for a later lane. The first pass on the wrap is
			 * inclusive of time 0. */
			uint64_t bound = (int64_t)i > after_lane || pass ? after_t : after_t + 1;
			uint64_t a = 0, z = l->nintervals;

			while (a < z) {
				uint64_t mid = a + (z - a) / 2;

				if (l->begin_ns[mid] < bound) {
					a = mid + 1;
				} else {
					z = mid;
				}
			}
			for (uint64_t j = a; j < l->nintervals && l->begin_ns[j] <= best_t; j++) {
				if (l->state[j] != RDV_TL_BLOCKED ||
				    rdv_tl_hist_bucket(l->end_ns[j] - l->begin_ns[j]) != b) {
					continue;
				}
				if (l->begin_ns[j] < best_t ||
				    (l->begin_ns[j] == best_t && i < best_lane)) {
					best_t = l->begin_ns[j];
					best_lane = i;
				}
				break;
			}
		}
		if (best_lane != TL_NO_LANE) {
			*lane = best_lane;
			*t = best_t;
			return true;
		}
	}
	return false;
}
