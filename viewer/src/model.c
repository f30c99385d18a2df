/* SPDX-License-Identifier: MIT */
/*
 * rdv-view's model: see model.h. The level-of-detail query works on the
 * checkpoints of the timeline file (FORMAT.md): F(t), the time per state of
 * a lane up to t, costs one binary search and at most RDV_TL_CHECKPOINT_STRIDE
 * additions, and the time per state of a pixel column is F(right) - F(left),
 * so the columns of a query add up exactly to the time of the whole range.
 */
#include "model.h"

#include <errno.h>
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

static const struct tl_model *sort_model; /* qsort has no context argument */

static int lane_order(const void *a, const void *b)
{
	const struct rdv_tl_lane *x = &sort_model->lanes[*(const uint32_t *)a];
	const struct rdv_tl_lane *y = &sort_model->lanes[*(const uint32_t *)b];

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

static int straggler_order(const void *a, const void *b)
{
	const struct tl_straggler *x = a, *y = b;

	if (x->count != y->count) {
		return x->count > y->count ? -1 : 1;
	}
	if (x->delay_ns != y->delay_ns) {
		return x->delay_ns > y->delay_ns ? -1 : 1;
	}
	return x->lane < y->lane ? -1 : 1;
}

static int build(struct tl_model *m)
{
	uint32_t n = m->info.nlanes;
	uint32_t *order = NULL;
	uint64_t *fill = NULL;
	struct tl_straggler *all = NULL;
	int ret = -ENOMEM;

	m->lanes = calloc(n ? n : 1, sizeof(*m->lanes));
	m->lane_row = calloc(n ? n : 1, sizeof(*m->lane_row));
	m->rows = calloc(2 * (size_t)n + 1, sizeof(*m->rows));
	m->groups = calloc(n ? n : 1, sizeof(*m->groups));
	m->lane_iso_start = calloc((size_t)n + 1, sizeof(*m->lane_iso_start));
	m->lane_iso = calloc(m->nisolations ? m->nisolations : 1, sizeof(*m->lane_iso));
	order = calloc(n ? n : 1, sizeof(*order));
	fill = calloc((size_t)n + 1, sizeof(*fill));
	all = calloc(n ? n : 1, sizeof(*all));
	if (!m->lanes || !m->lane_row || !m->rows || !m->groups || !m->lane_iso_start ||
	    !m->lane_iso || !order || !fill || !all) {
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
	sort_model = m;
	qsort(order, n, sizeof(*order), lane_order);
	sort_model = NULL;

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
		m->rows[m->nrows].kind = TL_ROW_LANE;
		m->rows[m->nrows].lane = order[k];
		m->rows[m->nrows].group = m->ngroups - 1;
		m->nrows++;
	}

	/* Isolations by lane (counting sort keeps request order); stragglers
	 * as the analysis counted them (the lanes' totals). */
	for (uint64_t j = 0; j < m->nisolations; j++) {
		m->lane_iso_start[m->isolations[j].lane + 1]++;
	}
	for (uint32_t i = 0; i < n; i++) {
		m->lane_iso_start[i + 1] += m->lane_iso_start[i];
		fill[i] = m->lane_iso_start[i];
		all[i].lane = i;
		all[i].count = m->lanes[i].straggler_count;
		all[i].delay_ns = m->lanes[i].straggler_delay_ns;
	}
	for (uint64_t j = 0; j < m->nisolations; j++) {
		m->lane_iso[fill[m->isolations[j].lane]++] = (uint32_t)j;
	}
	qsort(all, n, sizeof(*all), straggler_order);
	while (m->nstragglers < n && all[m->nstragglers].count > 0) {
		m->nstragglers++;
	}
	m->stragglers = all;
	all = NULL;
	ret = 0;
end:
	free(order);
	free(fill);
	free(all);
	return ret;
}

static int model_init(struct tl_model *m, char *errbuf, size_t errlen)
{
	int ret;

	rdv_tl_reader_info(m->reader, &m->info);
	m->isolations = rdv_tl_reader_isolations(m->reader, &m->nisolations);
	if (m->nisolations > UINT32_MAX) {
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
			ok = m->isolations[j].release_ns < limit &&
			     m->isolations[j].grant_ns < limit &&
			     m->isolations[j].straggler_ns < limit;
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

const struct rdv_tl_latency *timeline_latency(const struct tl_model *m,
					      enum rdv_tl_latency_kind kind)
{
	return rdv_tl_reader_latency(m->reader, kind);
}

void timeline_model_close(struct tl_model *m)
{
	rdv_tl_reader_close(m->reader);
	free(m->lanes);
	free(m->lane_row);
	free(m->rows);
	free(m->groups);
	free(m->lane_iso);
	free(m->lane_iso_start);
	free(m->stragglers);
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

uint64_t timeline_isolation_end(const struct tl_model *m, const struct rdv_tl_isolation *x)
{
	if (x->release_ns) {
		return x->release_ns;
	}
	return m->t_max > x->grant_ns ? m->t_max : x->grant_ns;
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
	hi = m->lane_iso_start[lane + 1];
	/* First isolation of the lane requested after t + slack. */
	{
		uint64_t a = lo, b = hi;
		uint64_t limit = t > UINT64_MAX - slack_ns ? UINT64_MAX : t + slack_ns;

		while (a < b) {
			uint64_t mid = a + (b - a) / 2;

			if (m->isolations[m->lane_iso[mid]].request_ns <= limit) {
				a = mid + 1;
			} else {
				b = mid;
			}
		}
		hi = a;
	}
	/* A lane's isolations do not overlap (one request at a time), so the
	 * few just before are the only candidates. */
	for (uint64_t k = hi; k > lo && hi - k < 4; k--) {
		const struct rdv_tl_isolation *x = &m->isolations[m->lane_iso[k - 1]];
		uint64_t end = timeline_isolation_end(m, x), d;

		if (t >= x->request_ns && t <= end) {
			d = 0;
		} else if (t < x->request_ns) {
			d = x->request_ns - t;
		} else {
			d = t - end;
		}
		if (d <= slack_ns && d < best_d) {
			best_d = d;
			best = m->lane_iso[k - 1];
		}
	}
	return best;
}

void timeline_state_bits(uint8_t state, bool *w, bool *h, bool *i)
{
	*w = state == RDV_TL_WAITING || state == RDV_TL_ISOLATED;
	*h = state == RDV_TL_HARMLESS || state == RDV_TL_IDLE || state == RDV_TL_BLOCKED ||
	     state == RDV_TL_WAITING;
	*i = state == RDV_TL_IDLE;
}
