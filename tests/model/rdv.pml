/* SPDX-License-Identifier: MIT */
/*
 * Promela model of the rdv 1.1 rendez-vous protocol, core/src/rdv.c.
 *
 * Every separate seq_cst atomic operation of the C code is one Promela step
 * (a load, a fetch_or/fetch_and of a mask word, a fetch_add/fetch_sub of
 * `rq`, a store of `holder`, taking and dropping the lock), so SPIN explores
 * every interleaving between them. Thread-local work (t->isolated, branching
 * on loaded values, and what a thread does to the request queue while it
 * holds the lock: nobody else reads the queue without it) rides along with
 * the neighbouring shared step. A wait (spin, yield, futex) is a guard: the
 * thread is stuck exactly while the condition it re-evaluates cannot change,
 * so a protocol deadlock is an invalid end state. MODEL_FUTEX models the
 * futex layer of the two wake channels instead (seq, sleepers, futex_wait,
 * FUTEX_WAKE).
 *
 * Abstracted (see README.md): the statistics counters, stall reports and
 * time stamps (they only read), slot claiming and handle generations (a
 * thread keeps its index), signal handlers, the lock's own futex (taking it
 * is a guard on `lock == 0`), spurious futex wake-ups, and mask arrays of
 * several 64-bit words (one word, or with WORD_PER_THREAD one word per
 * thread).
 *
 * Ghost state (never read by the algorithm) states the invariants of
 * DESIGN.md §1 on behaviour, not on masks:
 *   phase[t]  RUN   registered, user code outside harmless sections
 *             HSEC  not running user code, not idle: in a harmless section
 *                   that is not idle, or inside an rdv call made from such
 *                   a place (harmless_end, release, a plain isolate,
 *                   unregister), blocked there or not
 *             IDLE  in an idle section (idle_now until idle_end returns),
 *                   in register, or in isolate_full (until it returns)
 *             OUT   not registered (also from the step that clears its
 *                   members bit in unregister)
 *   nrun, nni   threads in RUN, and in RUN or HSEC ("not idle")
 *   isoer, isofull, niso   who holds the isolation, of which kind, how many
 *   greq, gfull, gahead    pending requests, their kind, and which were
 *                          pending when each arrived (for the I3 order)
 * A thread's phase changes in the same atomic step as the shared operation
 * that decides it (the first of a call, or the one after which the call
 * returns whatever happens), so no state hides a thread that already runs
 * user code behind an rdv phase.
 *
 * Variants (spin -DNAME), each caught by check.sh:
 *   BLOCKED_IDLE          a blocked thread counts as idle (the 1.0 bug)
 *   I_BEFORE_H            a full requester reads I before H
 *   LEAVER_IGNORES_PLAIN  a non-idle leaver ignores plain requests
 *   NO_REVALIDATE         the grant is not validated again under the lock
 *   WITHDRAW_NO_LOCK      a timed request withdraws without the lock
 *   FIFO_BROKEN           a plain request may overtake a plain one
 *   STRICT_FIFO           a plain request may not overtake a full one (I7 b)
 *   NO_HOLDER_CHECK       a grant does not check that none is held (I2)
 *   LOST_WAKE_READY       harmless_now/idle_now wake before setting H
 *   LOST_WAKE_QUEUE       release wakes the queue before leaving it
 *   SEED_RELEASE_BUG      release returns running still harmless (the seed)
 *   NO_DEKKER_RECHECK     leaving harmless reads rq before clearing H
 *                         (HAProxy 8fc707390)
 *   HAPROXY_I7            a non-idle leaver waits for full requests too
 *   NESTED_DEADLOCK       an isolated thread blocks on its own request
 *                         (HAProxy a9a9e9aac)
 *   FULL_AS_PLAIN         isolate_full waits for harmless only
 * SCENARIO_I7A/SCENARIO_I7B replace the random programs by the I7 cases;
 * TIMED=mask makes the requests of those threads timed (they may time out
 * at any wait); WITNESS_* assert that an interesting state is never
 * reached, to show it is (the check is not vacuous).
 */

#ifndef N
#define N 3 /* threads; <= 8 (one byte per mask) */
#endif
#ifndef OPS
#define OPS 2 /* API operations per thread program (a section counts as one) */
#endif
#ifndef TIMED
#define TIMED 0 /* bit t: thread t's requests are timed */
#endif

#define NONE 255
#define timed (((TIMED >> t) & 1) != 0) /* in a thread: its requests are timed */
#define ALL_THREADS ((1 << N) - 1)

/* ---- the shared words of a domain (one mask word: bit t = thread t) ---- */
byte H; /* harmless */
byte W; /* want_rdv */
byte I; /* idle */
byte M; /* members */

/*
 * rq, one 64-bit word in C (plain count, full count, "full held" bit):
 * every read-modify-write of it is one step, every load reads all three.
 */
byte rqp;  /* plain requests, pending or held */
byte rqf;  /* full requests, pending or held */
bool rqh;  /* a full isolation is held */
#define RQ_NZ (rqp != 0 || rqf != 0 || rqh)

/* Must a thread that leaves harmless (idle: its I bit is set) wait? */
#if defined(HAPROXY_I7) || defined(BLOCKED_IDLE)
#define MUST_BLOCK(idle) RQ_NZ /* every request, whatever the thread */
#elif defined(LEAVER_IGNORES_PLAIN)
#define MUST_BLOCK(idle) ((idle) -> RQ_NZ : rqh)
#else
#define MUST_BLOCK(idle) ((idle) -> RQ_NZ : (rqp != 0 || rqh))
#endif

/* Under the lock: the queue (arrival order), the holder. */
byte lock;           /* 0 free, else owner t + 1 */
byte holder = NONE;  /* written under the lock, read without it too */
byte qa[N];          /* the queue, qa[0] first */
byte qn;
byte q_plain;        /* plain requests in the queue, the holder included */
bool q_full[N];
bool q_elig[N];      /* written under the lock, read by its owner */

#define READY 0 /* wake channels */
#define QUEUE 1

#ifdef MODEL_FUTEX
/*
 * The two channels of rdv.c: each a futex word (seq) and a sleeper count.
 * seqch[c] bit t: seq of channel c changed since thread t last read it;
 * that is all futex_wait() compares. asleep[t]: 0 awake, c + 1 asleep in
 * futex_wait() on channel c (woken by a FUTEX_WAKE of all).
 */
byte seqch[2];
byte sleepers[2];
byte asleep[N];
#endif

/* ---- ghost state ---- */
#define RUN 0
#define HSEC 1
#define IDLE 2
#define OUT 3
#define KEEP 4 /* setphase argument: no change */

byte phase[N];
byte nrun; /* threads in RUN */
byte nni;  /* threads in RUN or HSEC: registered, outside idle places */
byte isoer = NONE;
bool isofull;
byte niso;
byte greq;      /* bit t: thread t's request is pending (queued, not
                 * granted, not withdrawn) */
byte gfull;     /* bit t: ... and it is a full one */
byte gahead[N]; /* the pending requests that arrived before t's */

/* Where a blocked thread was called from (ghost for the witnesses). */
#define K_HEND 0 /* harmless_end closing a harmless section */
#define K_SAFE 1 /* harmless_end used as a safe point */
#define K_IEND 2 /* idle_end */
#define K_REG 3  /* register */
#define K_REL 4  /* release */
#define K_TOUT 5 /* a timed request that withdrew while an isolation was held */
#if defined(WITNESS_FULL_IDLE_BLOCKED) || defined(WITNESS_I7A) || defined(WITNESS_OVERTAKE) || \
	defined(WITNESS_WITHDRAW_HELD) || defined(WITNESS_REGISTER) || defined(WITNESS_RELEASE) || \
	defined(WITNESS_NESTED) || defined(WITNESS_SLEEP)
#define WITNESS /* the witness ghosts below are kept (else they would only add states) */
#endif
#ifdef WITNESS
byte nblk[6];   /* threads inside rdv__block(), by caller */
bool overtook;  /* a plain request was granted past an earlier full one */
bool wdheld;    /* a request withdrew while an isolation was held */
bool passed;    /* a non-idle harmless_end returned past a pending full request */
#define WIT(x) x
#else
#define WIT(x) skip
#endif

/*
 * I1: while a thread is isolated, no other thread runs user code outside a
 * harmless section, and for a full isolation every other registered thread
 * is in an idle place (none RUN or HSEC).
 */
#define OTHERS_RUN (nrun - ((phase[isoer] == RUN) -> 1 : 0))
#define OTHERS_NI (nni - ((phase[isoer] == RUN || phase[isoer] == HSEC) -> 1 : 0))
#define I1_PLAIN_OK (isoer == NONE || OTHERS_RUN == 0)
#define I1_FULL_OK (isoer == NONE || !isofull || OTHERS_NI == 0)
#define I1_OK (I1_PLAIN_OK && I1_FULL_OK)

/* Non-vacuity: each WITNESS_* run claims a state is never reached. */
#if defined(WITNESS_FULL_IDLE_BLOCKED)
/* a full isolation held while a thread is blocked in idle_end */
#define WITNESS_OK (!(nblk[K_IEND] > 0 && isoer != NONE && isofull))
#elif defined(WITNESS_I7A)
/* a non-idle harmless section ended, running, past a pending full request */
#define WITNESS_OK (!passed)
#elif defined(WITNESS_OVERTAKE)
/* a plain request granted before an earlier full one */
#define WITNESS_OK (!overtook)
#elif defined(WITNESS_WITHDRAW_HELD)
/* a timed request withdrew while an isolation was held (and waited for it) */
#define WITNESS_OK (!(wdheld && nblk[K_TOUT] > 0))
#elif defined(WITNESS_REGISTER)
/* a thread blocked in register during an isolation (I6) */
#define WITNESS_OK (!(nblk[K_REG] > 0 && isoer != NONE))
#elif defined(WITNESS_RELEASE)
/* a thread blocked in release while the next request is isolated */
#define WITNESS_OK (!(nblk[K_REL] > 0 && isoer != NONE))
#elif defined(WITNESS_NESTED)
/* an isolated thread inside a nested harmless or idle section (I4) */
#define WITNESS_OK (!(isoer != NONE && (phase[isoer] == HSEC || phase[isoer] == IDLE)))
#elif defined(WITNESS_SLEEP)
/* one thread asleep on each channel at once */
#define ASLEEP_ON(c) (asleep[0] == c + 1 || asleep[1] == c + 1 || asleep[2] == c + 1) /* N = 3 */
#define WITNESS_OK (!(ASLEEP_ON(READY) && ASLEEP_ON(QUEUE)))
#endif
#ifdef WITNESS_OK
bool witness_reached; /* always false: names the witness assertion */
#endif

/* I5 (and I6 for register, and a timed request that gave up): a call that
 * returns to user code finds no other thread isolated. */
#define I5_OK (isoer == NONE || isoer == t)

inline setphase(np)
{
	nrun = nrun + ((np == RUN) -> 1 : 0) - ((np != KEEP && phase[t] == RUN) -> 1 : 0);
	nni = nni + ((np == RUN || np == HSEC) -> 1 : 0) -
	      ((np != KEEP && (phase[t] == RUN || phase[t] == HSEC)) -> 1 : 0);
	phase[t] = ((np == KEEP) -> phase[t] : np)
}

/* Returning from a call to user code in phase np (KEEP: not returning). */
inline ret_to(np)
{
	assert(np == KEEP || I5_OK);
	setphase(np)
}

/* A full request (ghost) is pending: for the I7 a witness. */
#define FULL_PENDING ((greq & gfull) != 0)

/* ---- the futex layer ---- */
#ifdef MODEL_FUTEX
/* rdv__chan_wake(): seq++, then if anyone sleeps, FUTEX_WAKE them all. */
inline chan_wake(c)
{
	seqch[c] = ALL_THREADS;
	if
	:: sleepers[c] == 0
	:: sleepers[c] != 0 ->
		atomic {
			w = 0;
			do
			:: w < N ->
				if
				:: asleep[w] == c + 1 -> asleep[w] = 0
				:: else -> skip
				fi;
				w++
			:: else -> break
			od;
			w = 0
		}
	fi
}

/* rdv__wake_ready(): a load of rq, then the ready channel's wake. */
inline wake_ready()
{
	if
	:: RQ_NZ -> chan_wake(READY)
	:: !RQ_NZ /* no request pending: no wake, not even a seq++ */
	fi
}
#else
#define chan_wake(c) skip
#define wake_ready() skip
#endif

/* ---- rdv__others_ready(), one evaluation, into ok ---- */

/*
 * Words are read in order; in each: members, then H, then (full) I, and
 * the evaluation stops at the first word not ready. lm, lh, li collect the
 * bits read, rdm, rdh, rdi which bits each load covered (for the guard of
 * the wait without MODEL_FUTEX: the thread re-evaluates only when one of
 * them changed).
 */
#ifdef WORD_PER_THREAD
#define NW N
#define WORD(j) (1 << (j))
#else
#define NW 1
#define WORD(j) ALL_THREADS
#endif

inline others_ready()
{
	ok = true;
	j = 0;
	do
	:: j == NW -> break
#ifdef WORD_PER_THREAD
	:: j < NW && j == t -> j++ /* own word: need is 0 once self is removed */
	:: j < NW && j != t ->
#else
	:: j < NW ->
#endif
		atomic { lm = lm | (M & WORD(j)); rdm = rdm | WORD(j) };
		if
		:: (lm & WORD(j) & ~me) == 0 -> j++
		:: else ->
#ifdef I_BEFORE_H
			if
			:: fullchk -> atomic { li = li | (I & WORD(j)); rdi = rdi | WORD(j) }
			:: else -> skip
			fi;
			atomic { lh = lh | (H & WORD(j)); rdh = rdh | WORD(j) };
#else
			atomic { lh = lh | (H & WORD(j)); rdh = rdh | WORD(j) };
			if
			:: fullchk -> atomic { li = li | (I & WORD(j)); rdi = rdi | WORD(j) }
			:: else -> skip
			fi;
#endif
			if
			:: (lm & WORD(j) & ~me & ~(lh & (fullchk -> li : ALL_THREADS))) != 0 ->
				ok = false;
				break
			:: else -> j++
			fi
		fi
	od;
	j = 0
}

#define FORGET atomic { lm = 0; lh = 0; li = 0; rdm = 0; rdh = 0; rdi = 0; le = false; lo = 0; rde = false; rdo = false }
/* Something the last evaluation read has changed since. */
#define CHANGED (((M ^ lm) & rdm) != 0 || ((H ^ lh) & rdh) != 0 || ((I ^ li) & rdi) != 0 || \
		 (rde && q_elig[t] != le) || (rdo && holder != lo))

/* rdv__request_ready(): eligible, then no holder, then the others. */
inline request_ready()
{
	atomic { le = q_elig[t]; rde = true };
	if
	:: !le -> ok = false; ch = QUEUE
	:: else ->
		atomic { lo = holder; rdo = true };
		if
#ifdef NO_HOLDER_CHECK
		:: false -> skip
#else
		:: lo != NONE -> ok = false; ch = QUEUE
#endif
		:: else -> ch = READY; others_ready()
		fi
	fi
}

/* rdv__grantable() under the lock: eligibility and holder are written only
 * under it, so reading them is local; the masks are loaded. */
inline grantable()
{
#ifdef NO_HOLDER_CHECK
	if
	:: q_elig[t] -> others_ready()
	:: else -> ok = false
	fi
#else
	if
	:: q_elig[t] && holder == NONE -> others_ready()
	:: else -> ok = false
	fi
#endif
}

/* rdv__must_block() as the wait condition of rdv__block(). */
#define BLOCK_OVER (!MUST_BLOCK(bidle))

#ifdef MODEL_FUTEX
/*
 * rdv__wait(): the spin and yield phases are checks (one is enough: checks
 * have no side effect), then sleepers++ on the channel the check named,
 * read seq, check again, and futex_wait(seq, seen), which sleeps only if
 * seq still equals seen (the kernel compares and sleeps atomically) until
 * a FUTEX_WAKE. A timed request may time out at any point of its wait.
 * which: 0 the block condition (channel QUEUE), 1 request_ready().
 */
inline eval_cond(which)
{
	if
	:: which == 0 -> atomic { ok = BLOCK_OVER; ch = QUEUE }
	:: which == 1 -> request_ready()
	fi;
	FORGET
}

inline wait_until(which)
{
	eval_cond(which);
	do
	:: ok -> break
	:: !ok && which == 1 && timed -> tout = true; break
	:: !ok ->
		c = ch;
		sleepers[c]++;
		seqch[c] = seqch[c] & ~me; /* seen = seq */
		eval_cond(which);
		if
		:: ok -> sleepers[c]--; break
		:: !ok && ch != c -> sleepers[c]--; eval_cond(which)
		:: !ok && ch == c ->
			atomic {
				if
				:: (seqch[c] & me) == 0 -> asleep[t] = c + 1
				:: else -> skip
				fi
			};
			if
			:: asleep[t] == 0 -> skip
			:: which == 1 && timed -> asleep[t] = 0 /* the futex timeout */
			fi;
			sleepers[c]--;
			eval_cond(which)
		fi
	od;
	atomic { c = 0; ch = 0 }
}

#define WAIT_BLOCK wait_until(0)
#define WAIT_REQUEST wait_until(1)
#else
#define WAIT_BLOCK BLOCK_OVER

inline wait_request()
{
	do
	:: request_ready();
	   if
	   :: ok -> FORGET; ch = 0; break
	   :: !ok ->
		if
		:: CHANGED -> FORGET
		:: timed -> FORGET; ch = 0; tout = true; break
		fi
	   fi
	od
}

#define WAIT_REQUEST wait_request()
#endif

/* ---- leaving harmless ---- */

/*
 * rdv__block(): H is clear, a request the thread may have been counted for
 * was seen. Harmless again (harmless_wait) until none is pending, leave
 * harmless, check again. np: the phase the call returns to (KEEP: the call
 * goes on after).
 */
inline block(np, kind)
{
#ifdef BLOCKED_IDLE
	/* 1.0: a blocked thread is "parked", counted as idle, and waits for
	 * every request */
	atomic { pk = ((I & me) == 0); bidle = true; WIT(nblk[kind]++); I = I | me };
	H = H | me;
#else
	/* bidle: the thread's own I bit, a local read */
	atomic { bidle = ((I & me) != 0); WIT(nblk[kind]++); H = H | me };
#endif
	do
	:: wake_ready(); /* our H may complete a grant */
	   WAIT_BLOCK;
	   H = H & ~me;
	   if
	   :: atomic { MUST_BLOCK(bidle) } -> H = H | me
	   :: atomic { !MUST_BLOCK(bidle) ->
#ifdef BLOCKED_IDLE
		if
		:: pk -> I = I & ~me; pk = false
		:: else -> skip
		fi;
#endif
		WIT(nblk[kind]--); bidle = false; ret_to(np) } -> break
	   fi
	od
}

/*
 * rdv__leave_harmless(): clear own H, then load rq (the thread's side of the
 * Dekker pair); block if a request it may be counted for is pending and the
 * thread is not isolated. ep: the phase from the first step.
 */
inline leave_harmless(ep, np, kind)
{
#ifdef NO_DEKKER_RECHECK
	/* 8fc707390: pending requests checked before H is cleared */
	if
	:: atomic { RQ_NZ && !isolated && MUST_BLOCK((I & me) != 0) -> setphase(ep) } ->
		H = H & ~me;
		block(np, kind)
	:: atomic { !(RQ_NZ && !isolated && MUST_BLOCK((I & me) != 0)) -> setphase(ep) } ->
		atomic { H = H & ~me; ret_to(np) }
	fi
#else
	atomic { setphase(ep); H = H & ~me };
	if
#ifdef NESTED_DEADLOCK
	/* a9a9e9aac: an isolated thread blocks on its own request */
	:: atomic { RQ_NZ && MUST_BLOCK((I & me) != 0) } -> block(np, kind)
	:: atomic { !(RQ_NZ && MUST_BLOCK((I & me) != 0)) -> ret_to(np) }
#else
	:: atomic { RQ_NZ && !isolated && MUST_BLOCK((I & me) != 0) } -> block(np, kind)
	:: atomic { !(RQ_NZ && !isolated && MUST_BLOCK((I & me) != 0)) ->
		if
		:: kind == K_HEND && (I & me) == 0 && FULL_PENDING -> WIT(passed = true)
		:: else -> skip
		fi;
		ret_to(np) }
#endif
	fi
#endif
}

/* ---- the request queue (under the lock) ---- */

/* Eligible: first, or a plain request with only full requests ahead. */
#if defined(FIFO_BROKEN)
#define ELIGIBLE(pos, full, allfull) ((pos) == 0 || !(full))
#elif defined(STRICT_FIFO)
#define ELIGIBLE(pos, full, allfull) ((pos) == 0)
#else
#define ELIGIBLE(pos, full, allfull) ((pos) == 0 || (!(full) && (allfull)))
#endif

/* rdv__enqueue() (inside an atomic step under the lock) */
inline enqueue(is_full)
{
	qa[qn] = t;
	q_full[t] = is_full;
	q_elig[t] = ELIGIBLE(qn, is_full, q_plain == 0);
	qn++;
	if
	:: !is_full -> q_plain++
	:: else -> skip
	fi;
	gahead[t] = greq;
	greq = greq | me;
	gfull = (is_full -> gfull | me : gfull & ~me)
}

/* rdv__dequeue() and rdv__queue_update() (inside an atomic step) */
inline dequeue()
{
	k = 0;
	do
	:: k < qn && qa[k] != t -> k++
	:: k < qn && qa[k] == t -> break
	:: k == qn -> break
	od;
	if
	:: k < qn ->
		do
		:: k + 1 < qn -> qa[k] = qa[k + 1]; k++
		:: else -> break
		od;
		qn--;
		qa[qn] = 0;
		q_elig[t] = false;
		if
		:: !q_full[t] -> q_plain--
		:: else -> skip
		fi;
		allf = true;
		k = 0;
		do
		:: k < qn ->
			q_elig[qa[k]] = ELIGIBLE(k, q_full[qa[k]], allf);
			allf = allf && q_full[qa[k]];
			k++
		:: else -> break
		od
	:: else -> skip
	fi;
	k = 0;
	allf = false
}

/* Ghost: t's request is no longer pending (granted or withdrawn). */
inline gone()
{
	greq = greq & ~me;
	k = 0;
	do
	:: k < N -> gahead[k] = gahead[k] & ~me; k++
	:: else -> break
	od;
	k = 0;
	gahead[t] = 0
}

/*
 * Ghost checks at a grant: I2, and the fairness rule of I3 (a request may
 * be overtaken only by one it waits for: a full request by a plain one).
 */
inline ghost_grant()
{
	assert(niso == 0); /* I2 */
	/* I3: FIFO, but for plain requests past full ones */
	assert((gahead[t] & greq & ~gfull) == 0 && ((gahead[t] & greq) == 0 || (gfull & me) == 0));
	WIT(overtook = overtook || (gahead[t] & greq) != 0);
	gone()
}

/* ---- the API, one inline per call ---- */

inline rdv_harmless_now()
{
#ifdef LOST_WAKE_READY
	wake_ready(); /* before the change a waiter waits for */
	atomic { H = H | me; setphase(HSEC) }
#else
#ifdef MODEL_FUTEX
	atomic { H = H | me; setphase(HSEC) };
	if
	:: !isolated -> wake_ready()
	:: else -> skip
	fi
#else
	atomic { H = H | me; setphase(HSEC) }
#endif
#endif
}

inline rdv_harmless_end(ep, kind)
{
	leave_harmless(ep, RUN, kind)
}

inline rdv_idle_now()
{
	/* In the idle section from the call (DESIGN §1), I before H. */
	atomic { setphase(IDLE); I = I | me };
#ifdef LOST_WAKE_READY
	wake_ready();
	H = H | me
#else
#ifdef MODEL_FUTEX
	H = H | me;
	if
	:: !isolated -> wake_ready()
	:: else -> skip
	fi
#else
	H = H | me
#endif
#endif
}

inline rdv_idle_end()
{
	leave_harmless(KEEP, KEEP, K_IEND);
	atomic { I = I & ~me; ret_to(RUN) }
}

inline rdv_thread_register()
{
	atomic { setphase(IDLE); I = I | me }; /* from OUT */
	H = H | me;
	M = M | me;
	leave_harmless(KEEP, KEEP, K_REG);
	atomic { I = I & ~me; ret_to(RUN) }
}

/* rdv__commit_grant() and the unlock after it. */
inline commit_grant()
{
	atomic { holder = t; ghost_grant() };
	if
	:: fullreq -> rqh = true
	:: else -> skip
	fi;
	isolated = true;
	if
	:: fullreq -> I = I & ~me
	:: else -> skip
	fi;
	atomic {
		H = H & ~me; /* grant */
		niso++;
		isoer = t;
		isofull = fullreq;
		setphase(RUN);
		assert(I1_PLAIN_OK); /* I1, checked at every state by the monitor too */
		assert(I1_FULL_OK)
	};
	lock = 0
}

/*
 * rdv__withdraw_locked(), the unlock, the wake and what follows: the
 * request leaves the queue and rq, then I, W and (no isolation held) H.
 * W is never read by the protocol (only traced): its changes ride along.
 */
inline withdraw()
{
#ifdef WITHDRAW_NO_LOCK
	/* the lock was dropped: every step below races with grants */
	atomic { held = (holder != NONE) };
	atomic { dequeue(); gone(); WIT(wdheld = wdheld || held) };
#else
	atomic { held = (holder != NONE); dequeue(); gone(); WIT(wdheld = wdheld || held) };
#endif
	atomic {
		if
		:: fullreq -> rqf--
		:: else -> rqp--; W = W & ~me
		fi
	};
	if
	:: atomic { fullreq -> I = I & ~me; W = W & ~me }
	:: else -> skip
	fi;
	if
#ifdef WITHDRAW_NO_LOCK
	:: atomic { !held -> H = H & ~me; ret_to(RUN) }; chan_wake(QUEUE)
	:: atomic { held -> held = false }; chan_wake(QUEUE);
#else
	:: atomic { !held -> H = H & ~me };
		atomic { lock = 0; ret_to(RUN) }; /* nothing can stop the return now */
		chan_wake(QUEUE)
	:: atomic { held -> lock = 0; held = false };
		chan_wake(QUEUE);
#endif
		leave_harmless(KEEP, RUN, K_TOUT) /* counted: wait it out */
	fi
}

/*
 * rdv__isolate(): under the lock, join the queue, publish the request in
 * rq (the Dekker write), set H, W (and I for a full request): `waiting`;
 * granted at once if eligible, none held and every other member ready;
 * else unlock, wake the ready channel if other requests were pending, wait,
 * validate again under the lock and commit. A timed request that times out
 * takes the lock, is granted if it can be, else withdraws.
 */
inline isolate(is_full)
{
	atomic {
		lock == 0 -> lock = t + 1;
		fullreq = is_full;
#ifdef FULL_AS_PLAIN
		fullchk = false; /* isolate_full waits for harmless only */
#else
		fullchk = is_full;
#endif
		if
		:: is_full -> setphase(IDLE)
		:: else -> setphase(HSEC)
		fi;
		enqueue(is_full)
	};
	atomic {
		prev = RQ_NZ;
		if
		:: is_full -> rqf++
		:: else -> rqp++
		fi
	};
	atomic { H = H | me; W = W | me };
	if
	:: is_full -> I = I | me
	:: else -> skip /* the fetch_and of I changes nothing: I is clear */
	fi;
	grantable();
	if
	:: ok -> commit_grant(); ok = false; prev = false
	:: else ->
		lock = 0;
		if
		:: atomic { prev -> prev = false }; chan_wake(READY) /* our H (and I) may complete another grant */
		:: else -> skip
		fi;
		do
		:: WAIT_REQUEST;
		   atomic { lock == 0 -> lock = t + 1 };
		   if
		   :: tout ->
			grantable();
			if
			:: ok -> commit_grant(); ok = false; tout = false; break
			:: else ->
#ifdef WITHDRAW_NO_LOCK
				lock = 0;
#endif
				withdraw(); break
			fi
		   :: else ->
#ifdef NO_REVALIDATE
			ok = true;
#else
			grantable();
#endif
			if
			:: ok -> commit_grant(); ok = false; break
			:: else -> lock = 0
			fi
		   fi
		od
	fi;
	FORGET
}

/* rdv__end_isolation_locked(): the lock is held; I, H (left open by a
 * nested section), W, the queue, holder, then rq. */
inline end_isolation()
{
	if
	:: (I & me) != 0 -> I = I & ~me
	:: else -> skip
	fi;
	if
	:: (H & me) != 0 -> H = H & ~me
	:: else -> skip
	fi;
	atomic { W = W & ~me; isolated = false; dequeue() }; /* W: never read */
	atomic { holder = NONE; niso--; isoer = NONE; isofull = false };
	atomic {
		if
		:: fullreq -> rqf--; rqh = false
		:: else -> rqp--
		fi;
		fullreq = false;
		fullchk = false
	}
}

inline rdv_release()
{
#ifdef LOST_WAKE_QUEUE
	chan_wake(QUEUE); /* before the change the queue waiters wait for */
#endif
	atomic { lock == 0 -> lock = t + 1; setphase(HSEC) };
	end_isolation();
	lock = 0;
#ifndef LOST_WAKE_QUEUE
	chan_wake(QUEUE);
#endif
#ifdef SEED_RELEASE_BUG
	/* the seed's thread_release(): back to running code, still harmless */
	atomic { H = H | me; ret_to(RUN) }
#else
	/* rdv__release(): blocks past plain requests (and a held full one) */
	if
	:: atomic { MUST_BLOCK(false) } -> block(RUN, K_REL)
	:: atomic { !MUST_BLOCK(false) -> ret_to(RUN) }
	fi
#endif
}

inline rdv_thread_unregister()
{
	if
	:: isolated ->
		/* ends the isolation first, never waits */
		atomic { lock == 0 -> lock = t + 1 };
		end_isolation();
		lock = 0;
		chan_wake(QUEUE)
	:: else -> skip
	fi;
	atomic { M = M & ~me; setphase(OUT) };
	if
	:: (H & me) != 0 -> H = H & ~me
	:: else -> skip
	fi;
	if
	:: (I & me) != 0 -> I = I & ~me
	:: else -> skip
	fi;
	wake_ready()
}

/* Nested sections while isolated (I4). */
inline nested()
{
	if
	:: skip
	:: rdv_harmless_now(); rdv_harmless_end(KEEP, K_HEND)
	:: rdv_idle_now(); rdv_idle_end()
	fi
}

/* A section ends normally, or the thread unregisters from inside it
 * ("from any state"). */
#ifdef NO_CHURN_ANY
#define end_or_leave(normal_end) normal_end
#else
#define end_or_leave(normal_end)                                              \
	if                                                                    \
	:: normal_end                                                         \
	:: rdv_thread_unregister(); registered = false                        \
	fi
#endif

/* isolate, and if granted (a timed request may give up) a nested section
 * and the release. */
inline isolation(is_full)
{
	isolate(is_full);
	if
	:: tout -> tout = false
	:: else -> nested(); end_or_leave(rdv_release())
	fi
}

proctype thread(byte t; bool registered)
{
	byte me = 1 << t;
	byte ops = OPS;
	bool isolated; /* t->isolated */
	bool fullreq;  /* s->q_full / s->full */
	bool fullchk;  /* the readiness check of the request is the full one */
	bool tout, held, prev, bidle, pk, ok, allf;
	bool le, rde, rdo; /* eligibility read, and whether holder was */
	byte lo;           /* holder read */
	byte lm, lh, li, rdm, rdh, rdi; /* words read by others_ready() */
	byte j, k, ch; /* ch: the channel the last check named */
#ifdef MODEL_FUTEX
	byte c, w;
#endif

#if defined(SCENARIO_I7A)
	/*
	 * I7 a: thread 0 ends a non-idle harmless section while thread 1 waits
	 * in isolate_full; thread 2 takes a plain isolation meanwhile.
	 */
	if
	:: t == 0 -> rdv_harmless_now(); rdv_harmless_end(KEEP, K_HEND)
	:: t == 1 -> isolation(true)
	:: t == 2 -> isolation(false)
	:: else -> skip
	fi;
#elif defined(SCENARIO_I7B)
	/*
	 * I7 b: thread 0 calls isolate (plain) while thread 1 waits in
	 * isolate_full for it to be idle; thread 2 goes through a harmless
	 * section and an idle one.
	 */
	if
	:: t == 0 -> isolation(false)
	:: t == 1 -> isolation(true)
	:: t == 2 -> rdv_harmless_now(); rdv_harmless_end(KEEP, K_HEND); rdv_idle_now(); rdv_idle_end()
	:: else -> skip
	fi;
#else
	do
	:: ops == 0 -> break
	:: ops > 0 && registered ->
		ops--;
		if
		:: rdv_harmless_now(); end_or_leave(rdv_harmless_end(KEEP, K_HEND))
		:: rdv_idle_now(); end_or_leave(rdv_idle_end())
		:: rdv_harmless_end(HSEC, K_SAFE) /* a safe point: harmless_end while running */
		:: isolation(false)
		:: isolation(true)
		:: rdv_thread_unregister(); registered = false
		fi
	:: ops > 0 && !registered ->
		ops--;
		rdv_thread_register();
		registered = true
	od;
#endif
	/* The end of a program: leave, or sleep in the poller for good (I3
	 * only promises progress when every thread eventually is idle). */
	if
	:: registered -> rdv_idle_now()
	:: registered -> rdv_thread_unregister()
	:: else -> skip
	fi
}

/* I1 at every state, not only at the grant. */
active proctype monitor()
{
end_monitor:
	atomic { !I1_OK -> assert(I1_PLAIN_OK); assert(I1_FULL_OK) }
}

#ifdef WITNESS_OK
active proctype witness()
{
end_witness:
	atomic { !WITNESS_OK -> assert(WITNESS_OK || witness_reached) }
}
#endif

init
{
	byte i;

#ifdef MODEL_FUTEX
	seqch[0] = ALL_THREADS;
	seqch[1] = ALL_THREADS;
#endif
	/* Thread 0 starts unregistered and registers on its first operation
	 * (in the scenarios every thread starts registered); the others start
	 * registered and running. */
	atomic {
		i = 0;
		do
		:: i < N ->
			if
#if !defined(SCENARIO_I7A) && !defined(SCENARIO_I7B)
			:: i == 0 -> phase[i] = OUT
#endif
			:: else -> phase[i] = RUN; M = M | (1 << i); nrun++; nni++
			fi;
			i++
		:: else -> break
		od;
		i = 0;
		do
		:: i < N -> run thread(i, phase[i] != OUT); i++
		:: else -> break
		od
	}
}
