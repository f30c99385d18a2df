/* SPDX-License-Identifier: MIT */
/*
 * The rdv analysis state machine: see analysis.h for what it promises.
 * States, latencies and the scope are here; blame (late threads,
 * stragglers, sections, requesting sites) is blame.c's, called at the
 * points where a request starts, is granted, ends and is reported.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis-int.h"

static const char *const state_names[AN_NSTATES] = {
    "running", "harmless", "idle", "blocked", "waiting", "isolated", "unknown",
};

static const char *const op_labels[AN_OP_OTHER] = {
    "register", "unregister",	   "harmless_now",    "harmless_end",	      "harmless_wait",
    "idle_now", "idle_end",	   "isolate_request", "isolate_full_request", "isolate_grant",
    "release",	"isolate_timeout",
};

const char *analysis_state_name(enum analysis_state s)
{
	return (unsigned)s < AN_NSTATES ? state_names[s] : "?";
}

const char *analysis_latency_name(enum analysis_latency l)
{
	static const char *const names[AN_NLAT] = {"isolate_wait", "isolation_hold", "blocked",
						   "grant_delay"};

	return (unsigned)l < AN_NLAT ? names[l] : "?";
}

enum analysis_op analysis_op_from_label(const char *label)
{
	for (int i = 0; i < AN_OP_OTHER; i++) {
		if (label && strcmp(label, op_labels[i]) == 0) {
			return (enum analysis_op)i;
		}
	}
	return AN_OP_OTHER;
}

enum analysis_mask analysis_mask_from_label(const char *label)
{
	if (!label) {
		return AN_MASK_OTHER;
	}
	if (strcmp(label, "harmless") == 0) {
		return AN_MASK_HARMLESS;
	}
	if (strcmp(label, "want_rdv") == 0) {
		return AN_MASK_WANT_RDV;
	}
	if (strcmp(label, "idle") == 0) {
		return AN_MASK_IDLE;
	}
	return AN_MASK_OTHER;
}

/* ---- small containers ---- */

int an_grow(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
	uint32_t ncap;
	void *np;

	if (need <= *cap) {
		return 0;
	}
	if (need > UINT32_MAX / 2) {
		return -ENOMEM;
	}
	ncap = *cap ? *cap : 8;
	while (ncap < need) {
		ncap *= 2;
	}
	np = realloc(*p, (size_t)ncap * elem);
	if (!np) {
		return -ENOMEM;
	}
	*p = np;
	*cap = ncap;
	return 0;
}

static uint32_t hash3(uint32_t a, uint32_t b, uint32_t c)
{
	uint64_t h = ((uint64_t)a << 32 | b) * UINT64_C(0x9E3779B97F4A7C15);

	h ^= (uint64_t)c * UINT64_C(0xC2B2AE3D27D4EB4F);
	h ^= h >> 29;
	return (uint32_t)(h ^ (h >> 32));
}

static void thread_key(const struct analysis *a, uint32_t idx, uint32_t k[3])
{
	k[0] = a->threads[idx].p.vpid;
	k[1] = a->threads[idx].p.domain;
	k[2] = a->threads[idx].p.thread;
}

static void domain_key(const struct analysis *a, uint32_t idx, uint32_t k[3])
{
	k[0] = a->domains[idx].vpid;
	k[1] = a->domains[idx].domain;
	k[2] = 0;
}

uint32_t an_map_find(const struct analysis *a, const struct an_map *m, an_key_fn key,
		     const uint32_t k[3])
{
	uint32_t i, kk[3];

	if (!m->cap) {
		return NO_LANE;
	}
	for (i = hash3(k[0], k[1], k[2]) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (m->slots[i] == NO_LANE) {
			return NO_LANE;
		}
		key(a, m->slots[i], kk);
		if (kk[0] == k[0] && kk[1] == k[1] && kk[2] == k[2]) {
			return m->slots[i];
		}
	}
}

static void map_place(const struct analysis *a, struct an_map *m, an_key_fn key, uint32_t idx)
{
	uint32_t k[3], i;

	key(a, idx, k);
	for (i = hash3(k[0], k[1], k[2]) & (m->cap - 1); m->slots[i] != NO_LANE;
	     i = (i + 1) & (m->cap - 1)) {
	}
	m->slots[i] = idx;
	m->used++;
}

int an_map_insert(const struct analysis *a, struct an_map *m, an_key_fn key, uint32_t idx)
{
	if ((uint64_t)(m->used + 1) * 2 > m->cap) {
		uint32_t ncap = m->cap ? m->cap * 2 : 64;
		uint32_t *old = m->slots, ocap = m->cap;

		if (ncap == 0 || ncap > (UINT32_MAX >> 2)) {
			return -ENOMEM;
		}
		m->slots = malloc((size_t)ncap * sizeof(*m->slots));
		if (!m->slots) {
			m->slots = old;
			return -ENOMEM;
		}
		memset(m->slots, 0xff, (size_t)ncap * sizeof(*m->slots));
		m->cap = ncap;
		m->used = 0;
		for (uint32_t i = 0; i < ocap; i++) {
			if (old[i] != NO_LANE) {
				map_place(a, m, key, old[i]);
			}
		}
		free(old);
	}
	map_place(a, m, key, idx);
	return 0;
}

/* ---- lifecycle ---- */

int analysis_create(const struct analysis_callbacks *cb, struct analysis **out)
{
	struct analysis *a = calloc(1, sizeof(*a));

	*out = NULL;
	if (!a) {
		return -ENOMEM;
	}
	if (cb) {
		a->cb = *cb;
	}
	a->cache_lane = NO_LANE;
	a->win_end = UINT64_MAX;
	for (int i = 0; i < AN_NLAT; i++) {
		a->lat[i] = malloc(sizeof(*a->lat[i]));
		if (!a->lat[i]) {
			analysis_destroy(a);
			return -ENOMEM;
		}
		latency_dist_init(a->lat[i]);
	}
	*out = a;
	return 0;
}

int analysis_set_scope(struct analysis *a, const struct analysis_scope *scope)
{
	if (a->now_set || a->nthreads || a->ndomains ||
	    (scope->has_from && scope->has_to && scope->from_ns > scope->to_ns)) {
		return -EINVAL;
	}
	a->scope = *scope;
	a->scoped = scope->has_from || scope->has_to || scope->has_vpid || scope->has_domain;
	return 0;
}

const struct analysis_scope *analysis_get_scope(const struct analysis *a)
{
	return a->scoped ? &a->scope : NULL;
}

void analysis_destroy(struct analysis *a)
{
	if (!a) {
		return;
	}
	for (uint32_t i = 0; i < a->ndomains; i++) {
		free(a->domains[i].lanes);
	}
	for (uint32_t i = 0; i < a->nthreads; i++) {
		blame_destroy_thread(&a->threads[i]);
	}
	blame_free(a);
	for (int i = 0; i < AN_NLAT; i++) {
		free(a->lat[i]);
	}
	free(a->domains);
	free(a->gap_windows);
	free(a->threads);
	free(a->lanes);
	free(a->thread_map.slots);
	free(a->domain_map.slots);
	free(a->scratch);
	free(a);
}

/* ---- scope ---- */

bool an_in_window(const struct analysis *a, uint64_t ts)
{
	return ts >= a->win_begin && ts < a->win_end;
}

static inline bool key_in_scope(const struct analysis *a, uint32_t vpid, uint32_t domain,
				bool has_domain)
{
	return !a->scoped || ((!a->scope.has_vpid || a->scope.vpid == vpid) &&
			      (!a->scope.has_domain || !has_domain || a->scope.domain == domain));
}

/* The first event fixes the window: the scope's times are from it. */
static void set_window(struct analysis *a, uint64_t first)
{
	a->sum.trace_begin_ns = first;
	if (a->scope.has_from) {
		a->win_begin =
		    first + a->scope.from_ns < first ? UINT64_MAX : first + a->scope.from_ns;
	}
	if (a->scope.has_to) {
		a->win_end = first + a->scope.to_ns < first ? UINT64_MAX : first + a->scope.to_ns;
	}
}

int an_make_visible(struct analysis *a, struct an_thread *t)
{
	int ret;

	if (t->p.lane != NO_LANE || !t->key_in) {
		return 0;
	}
	ret = an_grow((void **)&a->lanes, &a->cap_lanes, a->nlanes + 1, sizeof(*a->lanes));
	if (ret) {
		return ret;
	}
	t->p.lane = a->nlanes;
	a->lanes[a->nlanes++] = t->idx;
	return a->cb.thread_added ? a->cb.thread_added(a->cb.arg, &t->p) : 0;
}

/* ---- lookups ---- */

static int get_domain(struct analysis *a, uint32_t vpid, uint32_t domain, uint32_t *out)
{
	uint32_t k[3] = {vpid, domain, 0};
	uint32_t idx = an_map_find(a, &a->domain_map, domain_key, k);
	int ret;

	if (idx == NO_LANE) {
		ret = an_grow((void **)&a->domains, &a->cap_domains, a->ndomains + 1,
			      sizeof(*a->domains));
		if (ret) {
			return ret;
		}
		idx = a->ndomains;
		memset(&a->domains[idx], 0, sizeof(a->domains[idx]));
		a->domains[idx].vpid = vpid;
		a->domains[idx].domain = domain;
		ret = an_map_insert(a, &a->domain_map, domain_key, idx);
		if (ret) {
			return ret;
		}
		a->ndomains++;
	}
	*out = idx;
	return 0;
}

static uint32_t find_thread(struct analysis *a, uint32_t vpid, uint32_t domain, uint32_t thread)
{
	uint32_t k[3] = {vpid, domain, thread};
	uint32_t idx = a->cache_lane;

	if (idx != NO_LANE && a->threads[idx].p.vpid == vpid &&
	    a->threads[idx].p.domain == domain && a->threads[idx].p.thread == thread) {
		return idx;
	}
	idx = an_map_find(a, &a->thread_map, thread_key, k);
	if (idx != NO_LANE) {
		a->cache_lane = idx;
	}
	return idx;
}

/* Finds or creates the thread entry; *created tells which. */
static int get_thread(struct analysis *a, const struct analysis_event *ev, uint32_t *out,
		      bool *created)
{
	uint32_t idx, dom;
	struct an_thread *t;
	struct an_domain *d;
	int ret;

	*created = false;
	idx = find_thread(a, ev->vpid, ev->domain, ev->thread);
	if (idx != NO_LANE) {
		*out = idx;
		return 0;
	}
	ret = get_domain(a, ev->vpid, ev->domain, &dom);
	if (ret) {
		return ret;
	}
	d = &a->domains[dom];
	ret = an_grow((void **)&d->lanes, &d->cap_lanes, d->nlanes + 1, sizeof(*d->lanes));
	if (ret) {
		return ret;
	}
	ret = an_grow((void **)&a->threads, &a->cap_threads, a->nthreads + 1, sizeof(*a->threads));
	if (ret) {
		return ret;
	}
	idx = a->nthreads;
	t = &a->threads[idx];
	memset(t, 0, sizeof(*t));
	t->idx = idx;
	t->p.lane = NO_LANE;
	t->p.vpid = ev->vpid;
	t->p.domain = ev->domain;
	t->p.thread = ev->thread;
	t->p.os_tid = (int32_t)ev->vtid;
	t->key_in = key_in_scope(a, ev->vpid, ev->domain, true);
	t->dom_index = dom;
	t->req_requester = t->iso_requester = NO_LANE;
	t->br.straggler = NO_LANE;
	t->state = AN_UNKNOWN;
	if (ev->procname) {
		strncpy(t->p.procname, ev->procname, sizeof(t->p.procname) - 1);
	}
	ret = an_map_insert(a, &a->thread_map, thread_key, idx);
	if (ret) {
		return ret;
	}
	a->nthreads++;
	d->lanes[d->nlanes++] = idx;
	a->cache_lane = idx;
	*created = true;
	*out = idx;
	return 0;
}

/* ---- state ---- */

static enum analysis_state compute_state(const struct an_thread *t)
{
	const uint8_t *k = t->known, *b = t->bit;

	if (k[B_W] && b[B_W]) {
		if (t->k_granted && t->granted) {
			return AN_ISOLATED;
		}
		if (k[H_BIT] && !b[H_BIT]) {
			/* W without H and no grant since W was set: a timed request
			 * giving up (isolate_timeout cleared H before W) */
			return t->k_granted ? AN_RUNNING : AN_ISOLATED;
		}
		if (k[H_BIT] && b[H_BIT] && t->k_granted) {
			return AN_WAITING;
		}
		return AN_UNKNOWN;
	}
	if (k[B_W]) {
		if (!k[H_BIT]) {
			return AN_UNKNOWN;
		}
		if (!b[H_BIT]) {
			return AN_RUNNING;
		}
		if (!t->k_blocked) {
			return AN_UNKNOWN;
		}
		if (t->blocked) {
			return AN_BLOCKED;
		}
		if (!k[B_I]) {
			return AN_UNKNOWN;
		}
		return b[B_I] ? AN_IDLE : AN_HARMLESS;
	}
	/* blocked implies W=0 (the protocol never blocks a requester) */
	if (k[H_BIT] && b[H_BIT] && t->k_blocked && t->blocked) {
		return AN_BLOCKED;
	}
	return AN_UNKNOWN;
}

/* Accounts [since, ts) to the current state (the part inside the scope's
 * window); the state goes on from ts. */
static int close_interval(struct analysis *a, struct an_thread *t, uint64_t ts)
{
	uint64_t b = t->since, e = ts;
	int ret = 0;

	if (ts <= t->since) {
		return 0;
	}
	t->since = ts;
	if (!t->key_in) {
		return 0;
	}
	b = b < a->win_begin ? a->win_begin : b;
	e = e > a->win_end ? a->win_end : e;
	if (b >= e) {
		return 0;
	}
	ret = an_make_visible(a, t);
	if (ret) {
		return ret;
	}
	t->p.state_ns[t->state] += e - b;
	if (a->cb.interval) {
		ret = a->cb.interval(a->cb.arg, &t->p, t->state, b, e);
	}
	return ret;
}

/* Ends the current interval at ts and starts state s. */
static int set_state(struct analysis *a, struct an_thread *t, enum analysis_state s, uint64_t ts)
{
	int ret = 0;

	if (ts < t->since) {
		ts = t->since;
	}
	if (s == t->state) {
		return 0;
	}
	ret = close_interval(a, t, ts);
	t->state = s;
	t->since = ts;
	return ret;
}

/* ---- latency samples ---- */

/* Starts a latency (its start is in the trace); any pending one must have
 * been ended first. `in`: it belongs to the scope; site_d: the requesting
 * site's distribution, or NULL. */
static void start_sample(struct analysis *a, enum analysis_latency l, uint8_t *status, bool in,
			 struct latency_dist *site_d)
{
	*status = P_MEASURING;
	if (in) {
		a->lat[l]->started++;
		if (site_d) {
			site_d->started++;
		}
	}
}

/* Ends a pending latency: the one place where a sample is taken. Returns
 * true, with the value in *ns, when it was measured. */
bool an_end_sample(struct analysis *a, enum analysis_latency l, uint8_t *status, bool in,
		   struct latency_dist *site_d, uint64_t begin, uint64_t end, enum sample_end how,
		   uint64_t *ns)
{
	struct latency_dist *d = a->lat[l];
	uint8_t st = *status;

	*status = P_NONE;
	*ns = 0;
	if (st == P_TAINTED) {
		if (in) {
			d->skipped_gap++;
			if (site_d) {
				site_d->skipped_gap++;
			}
		}
		return false;
	}
	if (st != P_MEASURING) {
		return false; /* none, or its start may be in a gap: not one of ours */
	}
	if (how == END_TIMEOUT || how == END_CUT) {
		if (in) {
			uint64_t *c = how == END_TIMEOUT ? &d->timed_out : &d->unfinished;

			(*c)++;
			if (site_d) {
				(*(how == END_TIMEOUT ? &site_d->timed_out
						      : &site_d->unfinished))++;
			}
		}
		return false;
	}
	*ns = end > begin ? end - begin : 0;
	if (in) {
		latency_dist_add(d, *ns);
		if (site_d) {
			latency_dist_add(site_d, *ns);
		}
	}
	return true;
}

static void cut_sample(struct analysis *a, enum analysis_latency l, uint8_t *status, bool in,
		       struct latency_dist *site_d)
{
	uint64_t ignored;

	an_end_sample(a, l, status, in, site_d, 0, 0, END_CUT, &ignored);
}

static struct latency_dist *site_dist(struct analysis *a, uint32_t requester, int which)
{
	return requester == NO_LANE ? NULL : blame_requester_dist(a, requester, which);
}

/* Reports the isolation t held, in scope, with its blame (finished here
 * if it was not yet), then forgets its blame. */
static int report_isolation(struct analysis *a, struct an_thread *t, uint64_t release_ns,
			    bool end_unsure, bool has_hold, uint64_t hold_ns, bool at_end)
{
	struct blame_req *br = &t->br;
	bool mine = br->active && br->granted; /* else a request pending after it */
	struct analysis_isolation iso;
	int ret = mine ? blame_finalize(a, t, at_end) : 0;

	if (ret || !t->hold_in) {
		goto done;
	}
	ret = an_make_visible(a, t);
	for (uint32_t i = 0; mine && !ret && i < br->nlate; i++) {
		ret = an_make_visible(a, &a->threads[br->late[i].lane]);
	}
	if (ret) {
		goto done;
	}
	iso = (struct analysis_isolation){
	    .lane = t->p.lane,
	    .full = t->iso_full,
	    .request_known = t->iso_request_known,
	    .request_ns = t->iso_request_known ? t->iso_request_ts : t->grant_ts,
	    .grant_ns = t->grant_ts,
	    .release_ns = release_ns,
	    .end_unsure = end_unsure,
	    .has_wait = t->iso_has_wait,
	    .wait_ns = t->iso_wait_ns,
	    .has_hold = has_hold,
	    .hold_ns = hold_ns,
	    .has_grant_delay = mine && br->has_grant_delay,
	    .grant_delay_ns = mine ? br->grant_delay_ns : 0,
	    .straggler_lane =
		!mine || br->straggler == NO_LANE ? NO_LANE : a->threads[br->straggler].p.lane,
	    .straggler_ns = !mine || br->straggler == NO_LANE ? 0 : br->straggler_ts,
	    .request_site = t->iso_site,
	    .blame_known = mine && br->has_grant_delay,
	    .nlate = mine ? br->nlate : 0,
	};
	/* the late records name internal indexes until now: lanes for the
	 * callback, then back */
	for (uint32_t i = 0; i < iso.nlate; i++) {
		br->late[i].lane = a->threads[br->late[i].lane].p.lane;
	}
	iso.late = br->late;
	if (a->cb.isolation) {
		ret = a->cb.isolation(a->cb.arg, &iso);
	}
done:
	if (mine) {
		br->active = br->granted = br->finalized = false;
		br->n = br->nlate = br->open = 0;
		br->straggler = NO_LANE;
		br->has_grant_delay = false;
	}
	return ret;
}

/* Ends the isolation t holds (its grant was seen): released at ts (how ==
 * END_DONE), or cut, or lost in a gap; reports it. */
static int end_hold(struct analysis *a, struct an_thread *t, uint64_t ts, enum sample_end how)
{
	uint64_t hold = 0;
	bool tainted = t->hold_status == P_TAINTED, measured;

	if (t->hold_status != P_MEASURING && !tainted) {
		t->hold_status = P_NONE;
		return 0;
	}
	measured = an_end_sample(a, AN_LAT_ISOLATION_HOLD, &t->hold_status, t->hold_in,
				 site_dist(a, t->iso_requester, 1), t->grant_ts, ts, how, &hold);
	return report_isolation(a, t, ts, tainted || how != END_DONE, measured, hold, false);
}

/* ---- bits ---- */

static void track_unknown(struct analysis *a, struct an_thread *t, bool was_known)
{
	struct an_domain *d = &a->domains[t->dom_index];
	bool now_known = an_fully_known(t);

	if (was_known && !now_known) {
		d->unknown++;
	} else if (!was_known && now_known && d->unknown) {
		d->unknown--;
	}
}

static int set_h(struct analysis *a, struct an_thread *t, uint8_t known, uint8_t bit, uint64_t ts)
{
	struct an_domain *d = &a->domains[t->dom_index];
	bool before = t->known[H_BIT] && t->bit[H_BIT];
	bool after = known && bit;

	t->known[H_BIT] = known;
	t->bit[H_BIT] = bit;
	if (before == after) {
		return 0;
	}
	if (after) {
		d->harmless++;
	} else if (d->harmless) {
		d->harmless--;
	}
	if (a->cb.harmless_count) {
		return a->cb.harmless_count(a->cb.arg, d->vpid, d->domain, ts, d->harmless);
	}
	return 0;
}

static void forget_bits(struct analysis *a, struct an_thread *t, uint64_t ts)
{
	bool was = an_fully_known(t);

	(void)set_h(a, t, 0, 0, ts);
	memset(t->known, 0, sizeof(t->known));
	t->k_blocked = 0;
	t->k_granted = 0;
	track_unknown(a, t, was);
}

/* Ends the request t is waiting on (how: why); its blame goes with it. */
static void end_request(struct analysis *a, struct an_thread *t, enum sample_end how, uint64_t ts)
{
	uint64_t ignored;

	blame_request_ended(a, t);
	an_end_sample(a, AN_LAT_ISOLATE_WAIT, &t->req_status, t->req_in,
		      site_dist(a, t->req_requester, 0), t->req_ts, ts, how, &ignored);
}

/* Every pending latency of t ends, cut at ts (the thread leaves, or
 * registers again, or the trace ends). */
static int cut_pending(struct analysis *a, struct an_thread *t, uint64_t ts, bool still_held)
{
	int ret = 0;

	end_request(a, t, END_CUT, ts);
	if (still_held && (t->hold_status == P_MEASURING || t->hold_status == P_TAINTED)) {
		/* still held when the trace ends: unfinished (or skipped),
		 * reported as such */
		bool tainted = t->hold_status == P_TAINTED;

		cut_sample(a, AN_LAT_ISOLATION_HOLD, &t->hold_status, t->hold_in,
			   site_dist(a, t->iso_requester, 1));
		ret = report_isolation(a, t, 0, tainted, false, 0, true);
	} else {
		ret = end_hold(a, t, ts, END_CUT);
	}
	cut_sample(a, AN_LAT_BLOCKED, &t->blk_status, t->blk_in, NULL);
	return ret;
}

/* A latency pending across a gap (tainted) or that may have started inside
 * it (maybe) is resolved once the state is known again: it is still pending
 * only if the thread is in the matching state. */
static int resolve_pending(struct analysis *a, struct an_thread *t, enum analysis_state s,
			   uint64_t ts)
{
	if (s == AN_UNKNOWN) {
		return 0;
	}
	if (s != AN_WAITING && t->req_status >= P_TAINTED) {
		cut_sample(a, AN_LAT_ISOLATE_WAIT, &t->req_status, t->req_in,
			   site_dist(a, t->req_requester, 0));
	}
	if (s != AN_BLOCKED && t->blk_status >= P_TAINTED) {
		cut_sample(a, AN_LAT_BLOCKED, &t->blk_status, t->blk_in, NULL);
	}
	if (s != AN_ISOLATED && t->hold_status >= P_TAINTED) {
		return end_hold(a, t, ts, END_CUT); /* it ended inside the gap */
	}
	return 0;
}

static int update_state(struct analysis *a, struct an_thread *t, uint64_t ts)
{
	enum analysis_state s = compute_state(t);
	int ret = resolve_pending(a, t, s, ts);

	return ret ? ret : set_state(a, t, s, ts);
}

/* Makes t a fresh registration: all bits known clear, running. */
static int do_register(struct analysis *a, struct an_thread *t, const struct analysis_event *ev,
		       uint64_t ts)
{
	bool was = t->active && an_fully_known(t);
	int ret = 0;

	if (t->active) {
		ret = blame_thread_leaves(a, t, ts, NULL);
		if (!ret) {
			ret = cut_pending(a, t, ts, false);
		}
		(void)set_h(a, t, 0, 0, ts);
	} else {
		t->state = AN_UNKNOWN;
		t->since = ts;
	}
	if (ret) {
		return ret;
	}
	memset(t->bit, 0, sizeof(t->bit));
	memset(t->known, 1, sizeof(t->known));
	t->blocked = 0;
	t->k_blocked = 1;
	t->granted = 0;
	t->k_granted = 1;
	if (t->active && !was && a->domains[t->dom_index].unknown) {
		a->domains[t->dom_index].unknown--;
	}
	t->active = true;
	t->member_unsure = false;
	t->registering = true; /* a member once its register H set is seen */
	t->has_last = false;
	memset(t->nr_site, 0, sizeof(t->nr_site));
	if (t->key_in && an_in_window(a, ts)) {
		t->p.registrations++;
	}
	t->p.os_tid = ev->os_tid;
	if (ev->procname && ev->procname[0]) {
		strncpy(t->p.procname, ev->procname, sizeof(t->p.procname) - 1);
	}
	t->trace_id = ev->trace_id;
	ret = set_state(a, t, AN_RUNNING, ts);
	if (!ret && a->cb.thread_changed && t->p.lane != NO_LANE && t->p.registrations > 1) {
		ret = a->cb.thread_changed(a->cb.arg, &t->p);
	}
	return ret;
}

/* First event of a thread whose registration we did not see. */
static void activate_unknown(struct analysis *a, struct an_thread *t,
			     const struct analysis_event *ev, uint64_t ts)
{
	t->active = true;
	t->state = AN_UNKNOWN;
	t->since = ts;
	memset(t->known, 0, sizeof(t->known));
	t->k_blocked = 0;
	t->k_granted = 0;
	t->req_status = t->hold_status = t->blk_status = P_NONE;
	t->registering = false;
	t->has_last = false;
	t->trace_id = ev->trace_id;
	a->domains[t->dom_index].unknown++;
	blame_member_appeared(a, t);
}

static int do_unregister(struct analysis *a, struct an_thread *t, uint64_t ts)
{
	struct an_domain *d = &a->domains[t->dom_index];
	int ret;

	if (!t->active) {
		return 0;
	}
	ret = blame_thread_leaves(a, t, ts, NULL);
	if (!ret) {
		ret = cut_pending(a, t, ts, false);
	}
	if (!ret) {
		ret = set_h(a, t, 0, 0, ts);
	}
	if (!an_fully_known(t) && d->unknown) {
		d->unknown--;
	}
	if (!ret) {
		ret = set_state(a, t, AN_UNKNOWN, ts); /* closes the interval */
	}
	t->active = false;
	t->registering = false;
	return ret;
}

/* W known clear: no request, so no isolation held or granted either (a
 * thread whose own W never changes — a worker first seen mid-life, after
 * attach or a gap — learns its W bit only from the others' words or from
 * what its operations imply; its "granted" must then not stay unknown, or
 * its state is never whole and every later request's blame is given up). */
static void w_known_clear(struct an_thread *t)
{
	t->known[B_W] = 1;
	t->bit[B_W] = 0;
	t->granted = 0;
	t->k_granted = 1;
}

/* Other threads of the word whose bit in this mask is not known learn it from
 * the exact word value the event carries. */
static int learn_from_word(struct analysis *a, struct an_thread *self,
			   const struct analysis_event *ev, int m, uint64_t ts)
{
	struct an_domain *d = &a->domains[self->dom_index];
	int ret = 0;

	for (uint32_t i = 0; i < d->nlanes && d->unknown && !ret; i++) {
		struct an_thread *t = &a->threads[d->lanes[i]];
		bool was;

		if (t == self || !t->active || t->known[m] || t->p.thread / 64 != ev->word ||
		    t->member_unsure) {
			continue;
		}
		was = an_fully_known(t);
		if (m == H_BIT) {
			uint8_t h = (uint8_t)((ev->old_word >> (t->p.thread % 64)) & 1);

			ret = set_h(a, t, 1, h, ts);
			if (!h) {
				t->blocked = 0;
				t->k_blocked = 1;
			}
		} else {
			t->known[m] = 1;
			t->bit[m] = (uint8_t)((ev->old_word >> (t->p.thread % 64)) & 1);
			if (m == B_W && !t->bit[m]) {
				w_known_clear(t);
			}
		}
		track_unknown(a, t, was);
		if (!ret) {
			ret = update_state(a, t, ts);
		}
	}
	return ret;
}

static int on_grant(struct analysis *a, struct an_thread *t, const struct analysis_event *ev,
		    uint64_t ts)
{
	bool known, seen, in;
	uint64_t wait = 0;
	int ret;

	/* A hold still pending (its end was lost without a notice) is cut. */
	ret = end_hold(a, t, ts, END_CUT);
	if (ret) {
		return ret;
	}
	known = t->req_status == P_MEASURING;
	seen = known || t->req_status == P_TAINTED;
	/* isolations are in scope by their request time */
	in = seen ? t->req_in : t->key_in && an_in_window(a, ts);
	if (in) {
		t->p.isolations++;
		if (!known && t->req_status != P_NONE) {
			a->sum.straggler_skipped_gap++; /* its request spans a gap */
		}
	}
	t->iso_full = t->req_full;
	t->iso_request_known = known;
	t->iso_request_ts = t->req_ts;
	t->iso_site = known ? t->req_site : 0;
	t->iso_requester = seen ? t->req_requester : NO_LANE;
	t->hold_in = in;
	t->iso_has_wait =
	    an_end_sample(a, AN_LAT_ISOLATE_WAIT, &t->req_status, t->req_in,
			  site_dist(a, t->req_requester, 0), t->req_ts, ts, END_DONE, &wait);
	t->iso_wait_ns = wait;
	t->grant_ts = ts;
	if (in && t->iso_requester != NO_LANE) {
		a->requesters[t->iso_requester].p.count++;
	}
	/* grant_delay: one start per grant whose request was seen */
	if (seen && in) {
		struct latency_dist *gd = site_dist(a, t->iso_requester, 2);

		a->lat[AN_LAT_GRANT_DELAY]->started++;
		if (gd) {
			gd->started++;
		}
		if (known && t->br.active) {
			t->br.gd_started = true; /* ended by the blame (blame.c) */
		} else {
			a->lat[AN_LAT_GRANT_DELAY]->skipped_gap++;
			if (gd) {
				gd->skipped_gap++;
			}
		}
	}
	ret = blame_granted(a, t, ev, ts);
	start_sample(a, AN_LAT_ISOLATION_HOLD, &t->hold_status, in,
		     site_dist(a, t->iso_requester, 1));
	return ret;
}

/* What the operation implies about the thread's other inputs. */
static int apply_bits(struct analysis *a, struct an_thread *t, const struct analysis_event *ev,
		      int m, uint8_t set, uint64_t ts)
{
	int ret = 0;

	if (m == H_BIT) {
		ret = set_h(a, t, 1, set, ts);
	} else {
		t->known[m] = 1;
		t->bit[m] = set;
	}
	if (m == H_BIT && set) {
		t->blocked = ev->op == AN_OP_HARMLESS_WAIT;
		t->k_blocked = 1;
		/* a blocked thread is no requester; a request sets H before W
		 * (when W is already known set, the core set W first) */
		if (ev->op == AN_OP_HARMLESS_WAIT ||
		    ((ev->op == AN_OP_ISOLATE_REQUEST || ev->op == AN_OP_ISOLATE_FULL_REQUEST) &&
		     !(t->known[B_W] && t->bit[B_W]))) {
			w_known_clear(t);
		}
		if (ev->op == AN_OP_IDLE_NOW) {
			t->known[B_I] = 1;
			t->bit[B_I] = 1;
		}
	} else if (m == H_BIT) {
		t->blocked = 0;
		t->k_blocked = 1;
		if (ev->op == AN_OP_ISOLATE_GRANT) {
			t->known[B_W] = 1;
			t->bit[B_W] = 1;
			t->granted = 1;
			t->k_granted = 1;
		} else if (ev->op == AN_OP_REGISTER) {
			w_known_clear(t);
		}
	} else if (m == B_W) {
		t->granted = 0;
		t->k_granted = 1;
		if (set &&
		    (ev->op == AN_OP_ISOLATE_REQUEST || ev->op == AN_OP_ISOLATE_FULL_REQUEST)) {
			/* the request sets H first (or H was already set) */
			if (!t->known[H_BIT]) {
				t->blocked = 0;
				t->k_blocked = 1;
			}
			if (!ret) {
				ret = set_h(a, t, 1, 1, ts);
			}
		}
	}
	return ret;
}

/* The latencies an event starts or ends. */
static int apply_latencies(struct analysis *a, struct an_thread *t, const struct analysis_event *ev,
			   int m, uint8_t set, uint64_t ts)
{
	uint64_t ignored;
	int ret = 0;

	if (m == B_W && set) {
		end_request(a, t, END_CUT, ts);
		if (ev->op == AN_OP_ISOLATE_REQUEST || ev->op == AN_OP_ISOLATE_FULL_REQUEST) {
			t->req_ts = ts;
			t->req_full = ev->op == AN_OP_ISOLATE_FULL_REQUEST;
			t->req_in = t->key_in && an_in_window(a, ts);
			t->req_site = blame_site_id(a, ev->caller, ev->site);
			t->req_requester =
			    t->req_in ? blame_requester(a, t, t->req_site, t->req_full) : NO_LANE;
			start_sample(a, AN_LAT_ISOLATE_WAIT, &t->req_status, t->req_in,
				     site_dist(a, t->req_requester, 0));
			blame_request_started(a, t);
		}
	} else if (m == B_W) {
		end_request(a, t, ev->op == AN_OP_ISOLATE_TIMEOUT ? END_TIMEOUT : END_CUT, ts);
		ret = end_hold(a, t, ts, ev->op == AN_OP_RELEASE ? END_DONE : END_CUT);
	} else if (m == H_BIT && !set) {
		an_end_sample(a, AN_LAT_BLOCKED, &t->blk_status, t->blk_in, NULL, t->blk_ts, ts,
			      END_DONE, &ignored);
		if (ev->op == AN_OP_ISOLATE_GRANT) {
			ret = on_grant(a, t, ev, ts);
		}
	} else if (m == H_BIT && set && ev->op == AN_OP_HARMLESS_WAIT) {
		cut_sample(a, AN_LAT_BLOCKED, &t->blk_status, t->blk_in, NULL);
		t->blk_in = t->key_in && an_in_window(a, ts);
		start_sample(a, AN_LAT_BLOCKED, &t->blk_status, t->blk_in, NULL);
		t->blk_ts = ts;
		if (t->blk_in) {
			t->p.blocked_count++;
		}
	}
	return ret;
}

static int mask_change(struct analysis *a, struct an_thread *t, const struct analysis_event *ev,
		       uint64_t ts)
{
	struct an_domain *d = &a->domains[t->dom_index];
	uint64_t bit = UINT64_C(1) << (t->p.thread % 64);
	bool before[2];
	int m, ret = 0;
	uint8_t set;
	bool was;

	t->member_unsure = false; /* its own event: still registered */

	switch (ev->mask) {
	case AN_MASK_HARMLESS:
		m = H_BIT;
		break;
	case AN_MASK_WANT_RDV:
		m = B_W;
		break;
	case AN_MASK_IDLE:
		m = B_I;
		break;
	default:
		a->sum.unknown_ops++;
		return 0;
	}
	if (ev->op == AN_OP_OTHER) {
		a->sum.unknown_ops++;
	}
	if ((ev->old_word ^ ev->new_word) != bit || ev->word != t->p.thread / 64) {
		a->sum.inconsistent_events++;
	}
	set = (ev->new_word & bit) != 0;

	if (d->unknown) {
		ret = learn_from_word(a, t, ev, m, ts);
		if (ret) {
			return ret;
		}
	}
	before[K_PLAIN] = blame_ready(t, K_PLAIN);
	before[K_FULL] = blame_ready(t, K_FULL);
	was = an_fully_known(t);
	ret = apply_bits(a, t, ev, m, set, ts);
	track_unknown(a, t, was);
	if (!ret) {
		ret = apply_latencies(a, t, ev, m, set, ts);
	}
	if (!ret) {
		ret = update_state(a, t, ts);
	}
	if (!ret) {
		ret = blame_mask_change(a, t, ev, m, set, ts, before);
	}
	return ret;
}

static int on_stall(struct analysis *a, const struct analysis_event *ev, uint64_t ts)
{
	struct analysis_stall st = {.ts = ts,
				    .waited_ns = ev->waited_ns,
				    .late_threads = ev->late,
				    .nlate_threads = ev->nlate};
	uint32_t idx = find_thread(a, ev->vpid, ev->domain, ev->thread);
	int ret;

	if (!key_in_scope(a, ev->vpid, ev->domain, true) || !an_in_window(a, ts)) {
		return 0;
	}
	a->sum.stalls++;
	if (idx == NO_LANE || !a->cb.stall) {
		return 0; /* a requester never seen: nothing to attach it to */
	}
	ret = an_grow((void **)&a->scratch, &a->cap_scratch, ev->nlate + 1, sizeof(*a->scratch));
	if (!ret) {
		ret = an_make_visible(a, &a->threads[idx]);
	}
	for (uint32_t i = 0; !ret && i < ev->nlate; i++) {
		uint32_t l = find_thread(a, ev->vpid, ev->domain, ev->late[i]);

		if (l != NO_LANE) {
			ret = an_make_visible(a, &a->threads[l]);
			a->scratch[st.nlate++] = a->threads[l].p.lane;
		}
	}
	if (ret) {
		return ret;
	}
	st.lane = a->threads[idx].p.lane;
	st.late_lanes = a->scratch;
	return a->cb.stall(a->cb.arg, &st);
}

static int feed_event(struct analysis *a, const struct analysis_event *ev, uint64_t *at,
		      struct an_thread **thread);
static int taint_thread(struct analysis *a, struct an_thread *t, uint64_t begin);
static int taint_trace(struct analysis *a, uint32_t trace_id, uint64_t begin);

/*
 * A gap's window. Babeltrace2 delivers a discarded-events (or -packets)
 * notice at the gap's beginning, but what was lost lies anywhere up to its
 * end (LTTng counts losses per packet: from the previous packet's end to
 * this one's), while the trace's other streams (other CPUs) go on showing
 * events meanwhile. A thread seen on one of them during the window may have
 * had a lost event right after it, on the lossy stream: what an event of
 * the window tells (its own bits, the other threads' bits in its word) may
 * be stale before the window ends. So every event of the trace inside the
 * window is followed by the gap's taint again: no state, latency or blame
 * is taken from the window; knowledge starts again with the first event
 * after it. (Without this, a worker whose H bit a word showed clear in the
 * window, and whose lost idle_now came later in it, stayed "running" for as
 * long as it slept.)
 */
static int after_gap_window(struct analysis *a, struct an_thread *t, uint32_t trace_id, uint64_t ts)
{
	bool open = false;
	uint32_t n = 0;

	for (uint32_t i = 0; i < a->ngap_windows; i++) {
		if (a->gap_windows[i].until <= ts) {
			continue; /* over */
		}
		open |= a->gap_windows[i].trace_id == trace_id;
		a->gap_windows[n++] = a->gap_windows[i];
	}
	a->ngap_windows = n;
	/* Only the event's own thread can have learned something: the others
	 * of the trace are unsure members since the gap, which their word
	 * tells nothing about (learn_from_word()), and their requests were
	 * dropped with it. */
	return open && t && t->active && t->trace_id == trace_id ? taint_thread(a, t, ts) : 0;
}

int analysis_feed_event(struct analysis *a, const struct analysis_event *ev)
{
	struct an_thread *t = NULL;
	uint64_t ts = 0;
	int ret = feed_event(a, ev, &ts, &t);

	if (!ret && a->ngap_windows) {
		ret = after_gap_window(a, t, ev->trace_id, ts);
	}
	return ret;
}

static int feed_event(struct analysis *a, const struct analysis_event *ev, uint64_t *at,
		      struct an_thread **thread)
{
	struct an_thread *t;
	uint32_t lane, dom;
	uint64_t ts;
	bool created, key, in;
	int ret;

	if (a->finished) {
		return -EINVAL;
	}
	ts = ev->ts;
	if (a->now_set && ts < a->now) {
		ts = a->now; /* out of order: treat as now */
	}
	if (!a->now_set) {
		a->now_set = true;
		set_window(a, ts);
	}
	a->now = ts;
	*at = ts;
	a->seq++;
	a->sum.events_fed++;
	key = key_in_scope(a, ev->vpid, ev->domain, ev->kind != AN_EV_OTHER);
	in = key && (!a->scoped || an_in_window(a, ts));
	if (key) {
		if (!a->key_seen) {
			a->key_seen = true;
			a->key_first = ts;
		}
		a->key_last = ts;
		a->sum.events += in;
	}

	switch (ev->kind) {
	case AN_EV_DOMAIN_CREATE:
	case AN_EV_DOMAIN_DESTROY:
		ret = get_domain(a, ev->vpid, ev->domain, &dom);
		if (!ret) {
			a->domains[dom].last_ts = ts;
			a->domains[dom].in_scope |= in;
		}
		return ret;
	case AN_EV_STALL:
		return on_stall(a, ev, ts);
	case AN_EV_THREAD_REGISTER:
	case AN_EV_THREAD_UNREGISTER:
	case AN_EV_MASK_CHANGE:
		break;
	default:
		return 0;
	}
	ret = get_thread(a, ev, &lane, &created);
	if (ret) {
		return ret;
	}
	t = &a->threads[lane];
	*thread = t;
	a->domains[t->dom_index].last_ts = ts;
	a->domains[t->dom_index].in_scope |= in;
	if (created) {
		if (ev->kind == AN_EV_THREAD_REGISTER) {
			t->p.os_tid = ev->os_tid;
		}
		/* without a scope, every thread is reported from its first event */
		ret = a->scoped ? 0 : an_make_visible(a, t);
		if (ret) {
			return ret;
		}
	}
	switch (ev->kind) {
	case AN_EV_THREAD_REGISTER:
		return do_register(a, t, ev, ts);
	case AN_EV_THREAD_UNREGISTER:
		return do_unregister(a, t, ts);
	default:
		break;
	}
	if (!t->active) {
		activate_unknown(a, t, ev, ts);
	}
	t->trace_id = ev->trace_id;
	return mask_change(a, t, ev, ts);
}

/* A pending latency across a gap is tainted; with none pending, one may
 * start inside the gap unseen. */
static void taint(uint8_t *status)
{
	*status = *status == P_NONE ? P_MAYBE : *status == P_MEASURING ? P_TAINTED : *status;
}

int analysis_feed_gap(struct analysis *a, const struct analysis_gap *gap)
{
	uint64_t begin = gap->has_times ? gap->begin_ns : a->now;
	uint64_t end = gap->has_times ? gap->end_ns : a->now;
	int ret = 0;

	if (a->finished) {
		return -EINVAL;
	}
	/* a gap names no process: the scope's window alone selects it */
	if (!a->now_set || (end >= a->win_begin && begin < a->win_end)) {
		a->sum.gaps++;
		if (gap->packets) {
			a->sum.discarded_packets += gap->has_count ? gap->count : 1;
		} else {
			a->sum.discarded_events += gap->has_count ? gap->count : 0;
		}
	}
	/* The time up to the gap is accounted: it is part of the trace. */
	if (a->key_seen && begin > a->key_last && !a->scope.has_vpid && !a->scope.has_domain) {
		a->key_last = begin;
	}
	if (end > begin) {
		uint32_t i;

		for (i = 0; i < a->ngap_windows; i++) {
			if (a->gap_windows[i].trace_id == gap->trace_id) {
				break;
			}
		}
		if (i == a->ngap_windows) {
			ret = an_grow((void **)&a->gap_windows, &a->cap_gap_windows, i + 1,
				      sizeof(*a->gap_windows));
			if (ret) {
				return ret;
			}
			a->gap_windows[a->ngap_windows++] =
			    (struct an_gap_window){.trace_id = gap->trace_id, .until = end};
		} else if (a->gap_windows[i].until < end) {
			a->gap_windows[i].until = end;
		}
	}
	return taint_trace(a, gap->trace_id, begin);
}

/* Every thread last seen in the trace: unknown from begin (or from its
 * last change, when later), its pending latencies and blame given up. */
static int taint_thread(struct analysis *a, struct an_thread *t, uint64_t begin)
{
	uint64_t at = begin > t->since ? begin : t->since;
	int ret = blame_gap(a, t);

	if (ret) {
		return ret;
	}
	forget_bits(a, t, at);
	taint(&t->req_status);
	taint(&t->hold_status);
	taint(&t->blk_status);
	t->registering = false;
	t->has_last = false;
	/* the call that last made it not ready may be lost: its from-site is
	 * unknown until it is seen leaving a ready state again */
	memset(t->nr_site, 0, sizeof(t->nr_site));
	t->member_unsure = true;
	return set_state(a, t, AN_UNKNOWN, at);
}

static int taint_trace(struct analysis *a, uint32_t trace_id, uint64_t begin)
{
	int ret = 0;

	for (uint32_t i = 0; i < a->nthreads && !ret; i++) {
		struct an_thread *t = &a->threads[i];

		if (t->active && t->trace_id == trace_id) {
			ret = taint_thread(a, t, begin);
		}
	}
	return ret;
}

int analysis_finish(struct analysis *a)
{
	int ret = 0;

	if (a->finished) {
		return 0;
	}
	a->finished = true;
	for (uint32_t i = 0; i < a->nthreads && !ret; i++) {
		struct an_thread *t = &a->threads[i];
		uint64_t end = 0;

		if (!t->active) {
			continue;
		}
		/* The last event of the thread's process: no state is assumed
		 * after it (the process may have exited). */
		for (uint32_t j = 0; j < a->ndomains; j++) {
			if (a->domains[j].vpid == t->p.vpid && a->domains[j].last_ts > end) {
				end = a->domains[j].last_ts;
			}
		}
		ret = cut_pending(a, t, end, true);
		if (!ret) {
			ret = close_interval(a, t, end);
		}
	}
	return ret;
}

static bool domain_counted(const struct analysis *a, const struct an_domain *d)
{
	return !a->scoped || d->in_scope;
}

static uint32_t count_processes(const struct analysis *a)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < a->ndomains; i++) {
		uint32_t j = 0;

		if (!domain_counted(a, &a->domains[i])) {
			continue;
		}
		while (j < i && (a->domains[j].vpid != a->domains[i].vpid ||
				 !domain_counted(a, &a->domains[j]))) {
			j++;
		}
		n += j == i;
	}
	return n;
}

void analysis_get_summary(const struct analysis *a, struct analysis_summary *s)
{
	*s = a->sum;
	s->domains = 0;
	for (uint32_t i = 0; i < a->ndomains; i++) {
		s->domains += domain_counted(a, &a->domains[i]);
	}
	s->processes = count_processes(a);
	s->has_time = a->key_seen;
	if (a->key_seen) {
		s->begin_ns = a->key_first < a->win_begin ? a->win_begin : a->key_first;
		s->end_ns = a->key_last > a->win_end ? a->win_end : a->key_last;
		if (s->end_ns < s->begin_ns) {
			s->end_ns = s->begin_ns; /* the window holds none of its events */
		}
	}
}

size_t analysis_thread_count(const struct analysis *a)
{
	return a->nlanes;
}

const struct analysis_thread *analysis_thread_at(const struct analysis *a, size_t lane)
{
	return lane < a->nlanes ? &a->threads[a->lanes[lane]].p : NULL;
}

bool analysis_thread_now(const struct analysis *a, size_t lane, enum analysis_state *state,
			 uint64_t *since)
{
	const struct an_thread *t;

	if (lane >= a->nlanes) {
		return false;
	}
	t = &a->threads[a->lanes[lane]];
	if (!t->active) {
		return false;
	}
	*state = t->state;
	*since = t->since;
	return true;
}

const struct latency_dist *analysis_latency(const struct analysis *a, enum analysis_latency which)
{
	return (unsigned)which < AN_NLAT ? a->lat[which] : NULL;
}
