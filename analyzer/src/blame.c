/* SPDX-License-Identifier: MIT */
/*
 * Blame (DESIGN.md §4, format rdv-analyze/2): for every granted request,
 * which threads held it back, for how long, and between which two calls of
 * their code. The rules, as implemented:
 *
 * Ready. For a request of thread R, another registered thread T is ready
 * as DESIGN §4 defines it: plain request: T's H bit set (harmless, idle,
 * blocked or waiting) and T not holding an isolation; full request: T's I
 * bit set (idle, registering, waiting in a full request) and T not holding
 * one. (librdv's rdv__others_ready() asks H and I for a full request; they
 * differ only inside idle_now(), register and idle_end(), which set I
 * before H and clear it after H.)
 * Holding (granted, W still set) is not ready whatever the bits say (an
 * isolated thread in a nested harmless section has H set, yet no other
 * isolation can be granted before it releases: I2).
 *
 * The request instant. Request time (isolate_wait's start, delays' origin)
 * is R's W set. Readiness at the request is read, for the threads of R's
 * own mask word, from the exact words of R's request events: a plain
 * request sets H then W, so T's H bit "at the request" is its bit in the
 * `old` word of R's H set (op isolate_request); a full request sets H, W,
 * then I, so T's I bit is its bit in the `old` word of R's I set. Event
 * timestamps are taken after the atomic operation, so two threads' events
 * on one word may be stamped in the opposite order to their atomic order;
 * the words are not. For threads of other words (and when R's bit was
 * already set, so that no event carries the word) the state in trace order
 * at the snapshot is used: across words only timestamps order events.
 * When the exact word and the trace order disagree about T, T's next event
 * on that mask settles which came first: a clear whose `old` word lacks
 * R's bit happened before R's set (T was not ready: that clear is its
 * from-site), one whose `old` has it happened after (T was ready by then,
 * its readiness event stamped early: not late).
 *
 * Late. T is late for R when it is not ready at the request and becomes
 * ready after the request time (DESIGN §4: ready is H set for a plain
 * request, I set for a full one). Refinements keep "not ready" to what
 * holds a request back, by behaviour (DESIGN §1 I1: a thread inside an rdv
 * call that blocks is harmless):
 * - a blink is not lateness: when T's last event before the request is an
 *   H clear inside an rdv call that may block (harmless_end, idle_end,
 *   register, release, isolate_timeout) and its next event is the
 *   harmless_wait H set of that call, T never left the call: not late;
 *   any other next event means it left: late;
 * - a thread ready at the request is never late for it, whatever it does
 *   afterwards (DESIGN §4), a thread waiting in its own request included:
 *   one that is granted before R (it was ahead in the queue) or withdraws
 *   by timeout is not late for R; R's wait then shows in its grant_delay.
 * - a thread that registers during the request (thread_register seen, its
 *   register H set not yet) is not a member yet: never late.
 *
 * Delay and sections. A late thread's delay runs from the request time to
 * its first ready instant after it: the event that makes it ready (its
 * to-site), or its unregistration (the first event of rdv_thread_unregister,
 * to-site that call, or none when only thread_unregister was traced: it
 * stops holding the request then). Its from-site is the event after which
 * it was last not ready before the request (the H clear, or for a full
 * request the I clear, that ended its ready state; the grant for a
 * thread holding an isolation). A ready instant stamped after R's grant
 * (the same stamping race) counts as the grant: librdv grants only when
 * every member is ready. A delay of 0 (ready by the request time) is no
 * lateness.
 *
 * Straggler and grant_delay. The straggler of a granted request is its
 * late thread that became ready last (ties: the later event in the trace);
 * grant_delay runs from that instant (the request when none was late) to
 * the grant, so wait = straggler delay + grant_delay.
 *
 * What the trace cannot tell is not invented: a thread whose state is
 * unknown at the request (a gap, or first seen without its registration)
 * is excluded and the request's straggler and grant_delay are not given
 * (straggler_skipped_gap, grant_delay skipped_gap); the same when a gap hits
 * a pending request or one of its late threads, or when a late thread's
 * ready instant is still not in the trace when the isolation ends or the
 * trace ends (the other late threads keep their delays). A same-word late
 * thread that the grant's exact words show not ready at the grant (a
 * version 1 librdv counted blocked threads as idle) makes the request's
 * blame unknown likewise. A request that times out, or is cut (the
 * requester leaves, the trace ends) before its grant, blames nobody.
 *
 * Memory: per thread its current readiness and last sites; per pending
 * request one entry per other thread that is not final yet (O(threads) per
 * pending request); sites, sections and requesters are O(distinct sites).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis-int.h"

enum {
	E_WAIT_CLEAR,  /* not ready by the exact word, ready in trace order: see above */
	E_AFTER_CLEAR, /* its last event is a blocking call's H clear: blink or leave */
	E_LATE,	       /* not ready: waits for its first ready instant */
	E_DONE,	       /* late, ready at ready_ts */
	E_NOT_LATE,
	E_UNRESOLVED, /* late, its ready instant not in the trace */
};

static bool entry_final(uint8_t s)
{
	return s == E_DONE || s == E_NOT_LATE || s == E_UNRESOLVED;
}

static struct analysis_site ev_site(const struct analysis_event *ev)
{
	return (struct analysis_site){.address = ev->caller, .sym = ev->caller ? ev->site : NULL};
}

static bool holding(const struct an_thread *t)
{
	return t->known[B_W] && t->bit[B_W] && t->k_granted && t->granted;
}

/* An H clear after which the same call may set H again (harmless_wait). */
static bool blocking_op(uint8_t op)
{
	return op == AN_OP_HARMLESS_END || op == AN_OP_IDLE_END || op == AN_OP_REGISTER ||
	       op == AN_OP_RELEASE || op == AN_OP_ISOLATE_TIMEOUT;
}

static bool last_is_blocking_clear(const struct an_thread *t)
{
	return t->has_last && t->last_mask == H_BIT && !t->last_set && blocking_op(t->last_op);
}

static uint8_t word_bit(uint64_t word, const struct an_thread *t)
{
	return (uint8_t)((word >> (t->p.thread % 64)) & 1);
}

static bool same_word(const struct an_thread *x, const struct an_thread *y)
{
	return x->p.thread / 64 == y->p.thread / 64;
}

/* ---- sites, requesters, sections ---- */

static uint32_t site_hash(uint64_t address, const void *sym, uint32_t cap)
{
	uint64_t h = address * UINT64_C(0x9E3779B97F4A7C15) ^
		     (uint64_t)(uintptr_t)sym * UINT64_C(0xC2B2AE3D27D4EB4F);

	return (uint32_t)(h ^ (h >> 31)) & (cap - 1);
}

static int site_map_grow(struct analysis *a)
{
	uint32_t ncap = a->site_map.cap ? a->site_map.cap * 2 : 64;
	uint32_t *slots = calloc(ncap, sizeof(*slots));

	if (!slots) {
		return -ENOMEM;
	}
	for (uint32_t id = 1; id <= a->nsites; id++) {
		const struct analysis_site *s = &a->sites[id - 1];
		uint32_t i = site_hash(s->address, s->sym, ncap);

		while (slots[i]) {
			i = (i + 1) & (ncap - 1);
		}
		slots[i] = id;
	}
	free(a->site_map.slots);
	a->site_map.slots = slots;
	a->site_map.cap = ncap;
	return 0;
}

uint32_t blame_site_id(struct analysis *a, uint64_t caller, const struct sym_site *sym)
{
	uint32_t i;

	if (!caller) {
		return 0;
	}
	if ((a->nsites + 1) * 2 > a->site_map.cap && site_map_grow(a)) {
		return 0;
	}
	for (i = site_hash(caller, sym, a->site_map.cap); a->site_map.slots[i];
	     i = (i + 1) & (a->site_map.cap - 1)) {
		const struct analysis_site *s = &a->sites[a->site_map.slots[i] - 1];

		if (s->address == caller && s->sym == sym) {
			return a->site_map.slots[i];
		}
	}
	if (an_grow((void **)&a->sites, &a->cap_sites, a->nsites + 1, sizeof(*a->sites))) {
		return 0;
	}
	a->sites[a->nsites++] = (struct analysis_site){.address = caller, .sym = sym};
	a->site_map.slots[i] = a->nsites;
	return a->nsites;
}

static uint32_t site_of(struct analysis *a, const struct analysis_site *s)
{
	return blame_site_id(a, s->address, s->sym);
}

static void requester_key(const struct analysis *a, uint32_t idx, uint32_t k[3])
{
	const struct analysis_requester *r = &a->requesters[idx].p;

	k[0] = r->vpid;
	k[1] = r->domain;
	k[2] = r->site << 1 | (r->full ? 1 : 0);
}

uint32_t blame_requester(struct analysis *a, const struct an_thread *t, uint32_t site, bool full)
{
	uint32_t k[3] = {t->p.vpid, t->p.domain, site << 1 | (full ? 1 : 0)};
	uint32_t idx = an_map_find(a, &a->requester_map, requester_key, k);
	struct an_requester *r;

	if (idx != NO_LANE) {
		return idx;
	}
	if (an_grow((void **)&a->requesters, &a->cap_requesters, a->nrequesters + 1,
		    sizeof(*a->requesters))) {
		return NO_LANE;
	}
	r = &a->requesters[a->nrequesters];
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < 3; i++) {
		r->lat[i] = malloc(sizeof(*r->lat[i]));
		if (!r->lat[i]) {
			while (i-- > 0) {
				free(r->lat[i]);
			}
			return NO_LANE;
		}
		latency_dist_init(r->lat[i]);
	}
	r->p = (struct analysis_requester){.vpid = t->p.vpid,
					   .domain = t->p.domain,
					   .site = site,
					   .full = full,
					   .wait = r->lat[0],
					   .hold = r->lat[1],
					   .grant_delay = r->lat[2]};
	if (an_map_insert(a, &a->requester_map, requester_key, a->nrequesters)) {
		for (int i = 0; i < 3; i++) {
			free(r->lat[i]);
		}
		return NO_LANE;
	}
	return a->nrequesters++;
}

struct latency_dist *blame_requester_dist(struct analysis *a, uint32_t req, int which)
{
	return req < a->nrequesters ? a->requesters[req].lat[which] : NULL;
}

static int add_section(struct section_list *l, uint32_t from, uint32_t to, uint64_t delay)
{
	struct analysis_section *s = NULL;

	for (uint32_t i = 0; i < l->n && !s; i++) {
		if (l->v[i].from_site == from && l->v[i].to_site == to) {
			s = &l->v[i];
		}
	}
	if (!s) {
		int ret = an_grow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v));

		if (ret) {
			return ret;
		}
		s = &l->v[l->n++];
		*s = (struct analysis_section){.from_site = from, .to_site = to};
	}
	s->count++;
	s->delay_ns += delay;
	if (delay > s->max_ns) {
		s->max_ns = delay;
	}
	return 0;
}

/* ---- watches: which entries of which requests wait on a thread ---- */

static int watch_add(struct an_thread *t, uint32_t req, uint32_t entry)
{
	int ret = an_grow((void **)&t->watch, &t->cap_watch, t->nwatch + 1, sizeof(*t->watch));

	if (!ret) {
		t->watch[t->nwatch++] = (struct blame_watch){.req = req, .entry = entry};
	}
	return ret;
}

static void watch_remove(struct an_thread *t, uint32_t req, uint32_t entry)
{
	for (uint32_t i = 0; i < t->nwatch; i++) {
		if (t->watch[i].req == req && t->watch[i].entry == entry) {
			t->watch[i] = t->watch[--t->nwatch];
			return;
		}
	}
}

/* Entry e of r's request is final now. */
static void entry_close(struct analysis *a, struct an_thread *r, struct blame_entry *e,
			uint8_t state)
{
	e->state = state;
	watch_remove(&a->threads[e->idx], r->idx, (uint32_t)(e - r->br.e));
	if (r->br.open) {
		r->br.open--;
	}
}

/* e becomes ready at ts (its event's site): done, or not late at all. */
static void entry_ready(struct analysis *a, struct an_thread *r, struct blame_entry *e, uint64_t ts,
			const struct analysis_site *to)
{
	struct blame_req *br = &r->br;

	if (br->granted && ts > br->grant_ts) {
		ts = br->grant_ts; /* stamped late: librdv granted once it was ready */
	}
	if (ts <= br->req_ts) {
		entry_close(a, r, e, E_NOT_LATE);
		return;
	}
	e->ready_ts = ts;
	e->seq = a->seq;
	e->to = to ? *to : (struct analysis_site){0};
	entry_close(a, r, e, E_DONE);
}

/* A grant_delay start whose blame is given up (its isolation not reported
 * as its own: lost events without a notice) ends skipped. */
static void gd_skip(struct analysis *a, struct an_thread *r)
{
	struct latency_dist *site = blame_requester_dist(a, r->iso_requester, 2);

	if (!r->br.gd_started) {
		return;
	}
	a->lat[AN_LAT_GRANT_DELAY]->skipped_gap++;
	if (site) {
		site->skipped_gap++;
	}
	a->sum.straggler_skipped_gap++;
	r->br.gd_started = false;
}

static void drop_request(struct analysis *a, struct an_thread *r)
{
	struct blame_req *br = &r->br;

	gd_skip(a, r);
	for (uint32_t i = 0; i < br->n; i++) {
		if (!entry_final(br->e[i].state)) {
			watch_remove(&a->threads[br->e[i].idx], r->idx, i);
		}
	}
	br->active = br->snapshot_pending = br->snapped = br->granted = false;
	br->n = br->open = br->nlate = 0;
}

/* ---- the request's snapshot ---- */

/* The state T is in at R's request (the rules above); adds an entry when it
 * is not final at once. */
static int classify(struct an_thread *r, struct an_thread *t)
{
	struct blame_req *br = &r->br;
	int k = br->full ? K_FULL : K_PLAIN;
	bool same = same_word(r, t);
	uint8_t h0 = br->exact_h && same ? word_bit(br->hword, t) : t->bit[H_BIT];
	uint8_t i0 = br->exact_i && same ? word_bit(br->iword, t) : t->bit[B_I];
	uint8_t state = E_NOT_LATE, wait_mask = 0;
	struct blame_entry *e;
	int ret;

	if (holding(t)) {
		state = E_LATE;
	} else if (k == K_PLAIN) {
		if (h0) {
			state = E_NOT_LATE; /* harmless, idle, blocked or waiting */
		} else if (t->bit[H_BIT]) {
			state = E_WAIT_CLEAR;
			wait_mask = H_BIT;
		} else {
			state = last_is_blocking_clear(t) ? E_AFTER_CLEAR : E_LATE;
		}
	} else if (i0) {
		state = E_NOT_LATE; /* idle, registering or waiting in a full request */
	} else {
		state = t->bit[B_I] ? E_WAIT_CLEAR : E_LATE;
		wait_mask = B_I;
	}
	if (state == E_NOT_LATE) {
		return 0;
	}
	ret = an_grow((void **)&br->e, &br->cap, br->n + 1, sizeof(*br->e));
	if (!ret) {
		ret = watch_add(t, r->idx, br->n);
	}
	if (ret) {
		return ret;
	}
	e = &br->e[br->n++];
	*e = (struct blame_entry){.idx = t->idx, .state = state, .wait_mask = wait_mask};
	e->from = t->nr_site[k];
	br->open++;
	return 0;
}

static int snapshot(struct analysis *a, struct an_thread *r)
{
	struct an_domain *d = &a->domains[r->dom_index];
	struct blame_req *br = &r->br;
	int ret = 0;

	br->snapshot_pending = false;
	br->snapped = true;
	for (uint32_t i = 0; i < d->nlanes && !ret; i++) {
		struct an_thread *t = &a->threads[d->lanes[i]];

		if (t == r || !t->active || t->registering) {
			continue; /* registering: not a member before its register H set */
		}
		if (!an_fully_known(t)) {
			br->incomplete = true; /* excluded: its state would be invented */
			continue;
		}
		ret = classify(r, t);
	}
	return ret;
}

void blame_request_started(struct analysis *a, struct an_thread *r)
{
	struct blame_req *br = &r->br;

	if (br->active) {
		drop_request(a, r);
	}
	br->active = true;
	br->full = r->req_full;
	br->granted = br->incomplete = br->finalized = br->snapped = false;
	br->exact_i = false;
	br->gd_started = br->has_grant_delay = false;
	br->straggler = NO_LANE;
	br->req_ts = r->req_ts;
	br->exact_h = r->q_hvalid;
	br->hword = r->q_hword;
	r->q_hvalid = false;
	/* a full request sets I after W: its word is the exact one */
	if (br->full && r->known[B_I] && !r->bit[B_I]) {
		br->snapshot_pending = true;
	} else if (snapshot(a, r)) {
		br->incomplete = true;
	}
}

void blame_request_ended(struct analysis *a, struct an_thread *r)
{
	if (r->br.active && !r->br.granted) {
		drop_request(a, r);
	}
}

/* ---- finishing a request's blame ---- */

static int finalize(struct analysis *a, struct an_thread *r, bool force)
{
	struct blame_req *br = &r->br;
	struct blame_entry *best = NULL;
	bool in = r->hold_in;
	int ret = 0;

	if (!br->active || br->finalized) {
		return 0;
	}
	if (!br->snapped) {
		br->incomplete = true; /* never classified (out of memory) */
	}
	for (uint32_t i = 0; i < br->n; i++) {
		struct blame_entry *e = &br->e[i];

		if (entry_final(e->state)) {
			continue;
		}
		if (!force) {
			return 0;
		}
		/* its ready instant is not in the trace */
		br->incomplete = true;
		entry_close(a, r, e, e->state == E_LATE ? E_UNRESOLVED : E_NOT_LATE);
	}
	br->finalized = true;
	br->nlate = 0;
	for (uint32_t i = 0; i < br->n; i++) {
		struct blame_entry *e = &br->e[i];

		if (e->state != E_DONE && e->state != E_UNRESOLVED) {
			continue;
		}
		if (e->state == E_DONE && (!best || e->ready_ts > best->ready_ts ||
					   (e->ready_ts == best->ready_ts && e->seq > best->seq))) {
			best = e;
		}
		ret = an_grow((void **)&br->late, &br->cap_late, br->nlate + 1, sizeof(*br->late));
		if (ret) {
			return ret;
		}
		br->late[br->nlate++] = (struct analysis_late){
		    .lane = e->idx,
		    .has_delay = e->state == E_DONE,
		    .delay_ns = e->state == E_DONE ? e->ready_ts - br->req_ts : 0,
		    .ready_ns = e->state == E_DONE ? e->ready_ts : 0,
		    .from_site = site_of(a, &e->from),
		    .to_site = site_of(a, &e->to),
		};
	}
	if (br->incomplete) {
		best = NULL;
	}
	br->straggler = best ? best->idx : NO_LANE;
	br->straggler_ts = best ? best->ready_ts : 0;
	if (!br->granted) {
		return 0;
	}
	br->has_grant_delay = !br->incomplete && br->gd_started && in;
	br->grant_delay_ns = br->grant_ts - (best ? best->ready_ts : br->req_ts);
	if (!in) {
		return 0;
	}
	for (uint32_t i = 0; i < br->nlate && !ret; i++) {
		struct analysis_late *l = &br->late[i];
		struct an_thread *t = &a->threads[l->lane];

		if (!l->has_delay) {
			continue;
		}
		l->straggler = best && l->lane == best->idx;
		t->p.late_count++;
		t->p.late_delay_ns += l->delay_ns;
		if (l->delay_ns > t->p.late_max_ns) {
			t->p.late_max_ns = l->delay_ns;
		}
		ret = add_section(&t->sec[0], l->from_site, l->to_site, l->delay_ns);
		if (!ret && l->straggler) {
			t->p.straggler_count++;
			t->p.straggler_delay_ns += l->delay_ns;
			if (l->delay_ns > t->p.straggler_max_ns) {
				t->p.straggler_max_ns = l->delay_ns;
			}
			ret = add_section(&t->sec[1], l->from_site, l->to_site, l->delay_ns);
		}
	}
	if (br->gd_started) {
		struct latency_dist *gd[2] = {a->lat[AN_LAT_GRANT_DELAY],
					      blame_requester_dist(a, r->iso_requester, 2)};

		for (int i = 0; i < 2; i++) {
			if (!gd[i]) {
				continue;
			}
			if (br->has_grant_delay) {
				latency_dist_add(gd[i], br->grant_delay_ns);
			} else {
				gd[i]->skipped_gap++;
			}
		}
		if (!br->has_grant_delay) {
			a->sum.straggler_skipped_gap++;
		}
		br->gd_started = false;
	}
	return ret;
}

int blame_finalize(struct analysis *a, struct an_thread *t, bool at_end)
{
	(void)at_end; /* an end cut by the trace or by the hold: the same unknowns */
	return finalize(a, t, true);
}

int blame_granted(struct analysis *a, struct an_thread *r, const struct analysis_event *ev,
		  uint64_t ts)
{
	struct blame_req *br = &r->br;
	int ret = 0;

	if (!br->active) {
		return 0;
	}
	if (br->snapshot_pending && snapshot(a, r)) {
		br->incomplete = true;
	}
	br->granted = true;
	br->grant_ts = ts;
	for (uint32_t i = 0; i < br->n; i++) {
		struct blame_entry *e = &br->e[i];
		struct an_thread *t = &a->threads[e->idx];
		bool ready_h, ready_i;

		switch (e->state) {
		case E_WAIT_CLEAR: /* no clear before the request came: ready */
			entry_close(a, r, e, E_NOT_LATE);
			break;
		case E_LATE:
		case E_AFTER_CLEAR:
			if (!same_word(r, t)) {
				break; /* its ready event may come later: clamped to the grant */
			}
			/* the grant's words say whether librdv saw it ready */
			ready_h = word_bit(ev->old_word, t);
			ready_i =
			    !br->full || (r->g_ivalid ? word_bit(r->g_iword, t) : t->bit[B_I]);
			if (!(ready_h && ready_i) && !holding(t)) {
				br->incomplete = true;
				entry_close(a, r, e,
					    e->state == E_LATE ? E_UNRESOLVED : E_NOT_LATE);
			}
			break;
		default:
			break;
		}
	}
	if (br->open == 0) {
		ret = finalize(a, r, false);
	}
	return ret;
}

/* ---- events ---- */

/* T's event for entry e of R's request. */
static void advance(struct analysis *a, struct an_thread *r, struct blame_entry *e,
		    struct an_thread *t, const struct analysis_event *ev, int m, uint8_t set,
		    uint64_t ts)
{
	struct blame_req *br = &r->br;
	int k = br->full ? K_FULL : K_PLAIN;
	struct analysis_site site = ev_site(ev);

	switch (e->state) {
	case E_WAIT_CLEAR:
		if (m != e->wait_mask || set) {
			return;
		}
		if (ev->old_word & (UINT64_C(1) << (r->p.thread % 64))) {
			/* after the request: it was ready by then */
			entry_close(a, r, e, E_NOT_LATE);
			return;
		}
		e->from = site; /* before the request: what made it not ready */
		e->state = m == H_BIT && blocking_op(ev->op) ? E_AFTER_CLEAR : E_LATE;
		return;
	case E_AFTER_CLEAR:
		if (m == H_BIT && set && ev->op == AN_OP_HARMLESS_WAIT) {
			entry_close(a, r, e, E_NOT_LATE); /* a blink: it never left the call */
			return;
		}
		e->state = E_LATE;
		break;
	case E_LATE:
		break;
	default:
		return;
	}
	if (blame_ready(t, k)) {
		entry_ready(a, r, e, ts, &site);
	}
}

/* T leaves (unregisters, or registers anew): what it held it holds no more. */
static int leave_entries(struct analysis *a, struct an_thread *t, uint64_t ts,
			 const struct analysis_site *site)
{
	while (t->nwatch) {
		struct blame_watch w = t->watch[--t->nwatch]; /* popped: closing finds none */
		struct an_thread *r = &a->threads[w.req];
		struct blame_entry *e = &r->br.e[w.entry];

		if (e->state == E_LATE || e->state == E_AFTER_CLEAR) {
			entry_ready(a, r, e, ts, site);
		} else {
			entry_close(a, r, e, E_NOT_LATE);
		}
		if (r->br.granted && r->br.open == 0) {
			int ret = finalize(a, r, false);

			if (ret) {
				return ret;
			}
		}
	}
	return 0;
}

int blame_thread_leaves(struct analysis *a, struct an_thread *t, uint64_t ts,
			const struct analysis_site *site)
{
	return leave_entries(a, t, ts, site);
}

int blame_mask_change(struct analysis *a, struct an_thread *t, const struct analysis_event *ev,
		      int m, uint8_t set, uint64_t ts, const bool before_ready[2])
{
	struct analysis_site site = ev_site(ev);
	struct blame_req *br = &t->br;
	int ret = 0;

	/* its own ready state: where it was last left */
	for (int k = 0; k < 2; k++) {
		if (before_ready[k] && !blame_ready(t, k)) {
			t->nr_site[k] = site;
		}
	}
	if (!(m == B_I && set && ev->op == AN_OP_REGISTER)) {
		t->registering = false; /* a member from its register H set */
	}
	/* the requests it is late (or maybe late) for */
	for (uint32_t i = t->nwatch; i-- > 0 && !ret;) {
		struct blame_watch w;
		struct an_thread *r;

		if (i >= t->nwatch) {
			continue; /* removed by a finalization meanwhile */
		}
		w = t->watch[i];
		r = &a->threads[w.req];
		advance(a, r, &r->br.e[w.entry], t, ev, m, set, ts);
		if (r->br.granted && r->br.open == 0) {
			ret = finalize(a, r, false);
		}
	}
	if (!ret && ev->op == AN_OP_UNREGISTER) {
		ret = leave_entries(a, t, ts, &site);
	}
	/* its own request's words */
	if (m == H_BIT && set &&
	    (ev->op == AN_OP_ISOLATE_REQUEST || ev->op == AN_OP_ISOLATE_FULL_REQUEST)) {
		t->q_hvalid = true;
		t->q_hword = ev->old_word;
	} else {
		t->q_hvalid = false;
	}
	if (br->active && br->snapshot_pending && !(m == B_W && set)) {
		if (m == B_I && set && ev->op == AN_OP_ISOLATE_FULL_REQUEST) {
			br->exact_i = true;
			br->iword = ev->old_word;
		}
		if (snapshot(a, t)) {
			br->incomplete = true;
		}
	}
	if (m == B_I && !set && ev->op == AN_OP_ISOLATE_GRANT) {
		t->g_ivalid = true;
		t->g_iword = ev->old_word;
		/* R's I bit leaves the word: it tells nothing any more */
		for (uint32_t i = 0; br->active && i < br->n; i++) {
			if (br->e[i].state == E_WAIT_CLEAR && br->e[i].wait_mask == B_I) {
				entry_close(a, t, &br->e[i], E_NOT_LATE);
			}
		}
	} else {
		t->g_ivalid = false;
	}
	t->has_last = true;
	t->last_mask = (uint8_t)m;
	t->last_set = set;
	t->last_op = (uint8_t)ev->op;
	return ret;
}

void blame_member_appeared(struct analysis *a, struct an_thread *t)
{
	struct an_domain *d = &a->domains[t->dom_index];

	for (uint32_t i = 0; i < d->nlanes; i++) {
		struct an_thread *r = &a->threads[d->lanes[i]];

		if (r != t && r->br.active && !r->br.finalized) {
			r->br.incomplete = true; /* t may have been late for it */
		}
	}
}

int blame_gap(struct analysis *a, struct an_thread *t)
{
	struct blame_req *br = &t->br;
	int ret = 0;

	if (br->active && !br->granted) {
		drop_request(a, t); /* its request is tainted: no blame */
	} else if (br->active && !br->finalized) {
		br->incomplete = true;
		ret = finalize(a, t, true);
	}
	/* the requests that wait on it cannot know when it became ready */
	while (!ret && t->nwatch) {
		struct blame_watch w = t->watch[--t->nwatch];
		struct an_thread *r = &a->threads[w.req];
		struct blame_entry *e = &r->br.e[w.entry];

		r->br.incomplete = true;
		entry_close(a, r, e, e->state == E_LATE ? E_UNRESOLVED : E_NOT_LATE);
		if (r->br.granted && r->br.open == 0) {
			ret = finalize(a, r, false);
		}
	}
	return ret;
}

void blame_destroy_thread(struct an_thread *t)
{
	free(t->br.e);
	free(t->br.late);
	free(t->watch);
	free(t->sec[0].v);
	free(t->sec[1].v);
}

void blame_free(struct analysis *a)
{
	for (uint32_t i = 0; i < a->nrequesters; i++) {
		for (int k = 0; k < 3; k++) {
			free(a->requesters[i].lat[k]);
		}
	}
	free(a->requesters);
	free(a->requester_map.slots);
	free(a->sites);
	free(a->site_map.slots);
}

/* ---- results ---- */

const struct analysis_section *analysis_thread_sections(const struct analysis *a, size_t lane,
							bool as_straggler, size_t *n)
{
	const struct an_thread *t;

	*n = 0;
	if (lane >= a->nlanes) {
		return NULL;
	}
	t = &a->threads[a->lanes[lane]];
	*n = t->sec[as_straggler ? 1 : 0].n;
	return *n ? t->sec[as_straggler ? 1 : 0].v : NULL;
}

void analysis_site_place(const struct analysis_site *s, struct analysis_site_place *out)
{
	const struct sym_site *y = s ? s->sym : NULL;

	memset(out, 0, sizeof(*out));
	if (!y) {
		return;
	}
	out->object = y->object;
	if (y->outer_function) {
		out->function = y->outer_function;
		out->file = y->outer_file;
		out->line = y->outer_file ? y->outer_line : 0;
		out->inlined_function = y->function;
		out->inlined_file = y->file;
		out->inlined_line = y->file ? y->line : 0;
	} else {
		out->function = y->function;
		out->file = y->file;
		out->line = y->file ? y->line : 0;
	}
}

size_t analysis_site_count(const struct analysis *a)
{
	return a->nsites;
}

const struct analysis_site *analysis_site_at(const struct analysis *a, uint32_t id)
{
	return id >= 1 && id <= a->nsites ? &a->sites[id - 1] : NULL;
}

size_t analysis_requester_count(const struct analysis *a)
{
	return a->nrequesters;
}

const struct analysis_requester *analysis_requester_at(const struct analysis *a, size_t i)
{
	return i < a->nrequesters ? &a->requesters[i].p : NULL;
}
