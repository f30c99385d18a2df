/* SPDX-License-Identifier: MIT */
/*
 * Promela model of the rdv rendez-vous protocol, core/src/rdv.c.
 *
 * Every separate seq_cst atomic operation of the C code is one Promela step
 * (a load, a fetch_or/fetch_and of a mask word, the fetch_add on `tickets`),
 * so SPIN explores every interleaving between them. Thread-local work
 * (t->isolated, the ticket value, branching on loaded values) rides along
 * with the neighbouring shared step. A wait (spin, yield, futex) is a guard:
 * the thread is stuck exactly while the condition it re-evaluates cannot
 * change, so a protocol deadlock is an invalid end state. MODEL_FUTEX models
 * the futex layer instead (seq, sleepers, futex_wait/FUTEX_WAKE).
 *
 * Abstracted (see README.md): the statistics counters, slot claiming (a
 * thread keeps its index), the width of `tickets` (one word with 4-bit
 * halves instead of 32-bit ones, carries included; TICKETS_START starts it
 * near the wrap), and mask arrays of several 64-bit words (N <= 8 threads
 * fit one word; see WORD_PER_THREAD for the many-word case).
 *
 * Ghost state (never read by the algorithm) states the invariants of
 * DESIGN.md §1 on behaviour, not on masks:
 *   phase[t]  RUN    registered, user code outside harmless sections
 *             HSEC   user code inside a harmless section
 *             IDLE   in the poller (between idle_now and idle_end)
 *             INRDV  inside an rdv call
 *             OUT    not registered
 *   isoer, isofull, niso: who holds the isolation, of which kind, how many.
 * A thread's phase changes in the same atomic step as the last (or first)
 * shared operation of the call, so no state hides a thread that already runs
 * user code behind an INRDV phase.
 *
 * Variants (spin -DNAME): SEED_RELEASE_BUG, NO_DEKKER_RECHECK, HAPROXY_I7,
 * NESTED_DEADLOCK re-introduce known bugs that the check must catch, and
 * NO_TURN (grant without waiting for the ticket's turn) and FULL_AS_PLAIN
 * (isolate_full waits for harmless only) break I2 and I1-full on purpose,
 * and EARLY_WAKE (with MODEL_FUTEX) loses a wake-up; TICKET_CARRY lets the
 * release's increment carry into the next-ticket half (the ticket wrap bug);
 * SCENARIO_I7 replaces the random programs by the I7 scenario; WITNESS_*
 * assert that an interesting state is never reached, to show it is (the
 * check is not vacuous). See check.sh.
 */

#ifndef N
#define N 3 /* threads; <= 8 (one byte per mask) */
#endif
#ifndef OPS
#define OPS 2 /* API operations per thread program (a section counts as one) */
#endif

#define NONE 255

/* ---- the shared words of a domain (one mask word: bit t = thread t) ---- */
byte H;       /* harmless */
byte W;       /* want_rdv */
byte I;       /* idle */
byte M;       /* members */
byte P;       /* parked */
/*
 * tickets: one word, high half the next ticket, low half the ticket now
 * served, as in rdv.c, but with 4-bit halves (the C code has 32-bit ones):
 * a request adds 1 << TBITS to the whole word (fetch_add: the carry falls
 * off the byte as it falls off the 64-bit word), a release increments the
 * low half alone (a CAS loop in C, one atomic read-modify-write when it
 * succeeds). TICKETS_START sets the initial word, e.g. 238 (0xEE) to start
 * two requests before the halves wrap (as a domain does after 2^32 - 2
 * isolations). TICKET_CARRY: the release adds 1 to the whole word, carrying
 * into the next-ticket half (the wrap bug the model found in an earlier
 * rdv.c, whose request carried into `serving` the same way).
 */
#define TBITS 4
#define TMASK 15
#ifndef TICKETS_START
#define TICKETS_START 0
#endif
byte tickets = TICKETS_START;

#define NEXT (tickets >> TBITS)
#define SERVING (tickets & TMASK)
#define PENDING (NEXT != SERVING)

#ifdef MODEL_FUTEX
/* The waiting layer of rdv.c: the futex word, the sleeper count, and who is
 * asleep in futex_wait() (woken by a FUTEX_WAKE of all). */
byte seq_changed; /* bit t: seq changed since thread t read it (and when
                   * the thread is not between that read and futex_wait(),
                   * kept set); stands for the value of seq, whose only use
                   * is futex_wait()'s comparison with the value read */
byte sleepers;
bool asleep[N];
#endif

/* ---- ghost state ---- */
#define RUN 0
#define HSEC 1
#define IDLE 2
#define INRDV 3
#define OUT 4

byte phase[N];
byte nrun;  /* threads in RUN (derived from phase[], kept for the monitor) */
byte nhsec; /* threads in HSEC */
byte isoer = NONE;
bool isofull;
byte niso;

/* Where a blocked thread was called from (ghost for the WITNESS_* runs). */
#define K_HEND 0 /* harmless_end closing a harmless section */
#define K_SAFE 1 /* harmless_end used as a safe point */
#define K_IEND 2 /* idle_end */
#define K_REG 3  /* register */
#define K_REL 4  /* release */
#if defined(WITNESS_I7) || defined(WITNESS_REGISTER) || defined(WITNESS_RELEASE)
#define WITNESS_BLOCK
byte nblk[5]; /* threads inside rdv__block(), by caller */
#endif

/*
 * I1: while a thread is isolated, no other thread runs user code outside a
 * harmless section, and for isolate_full none is in a non-idle harmless
 * section either (each is idle, inside an rdv call, or not registered).
 */
#define OTHERS_RUN (nrun - (phase[isoer] == RUN -> 1 : 0))
#define OTHERS_HSEC (nhsec - (phase[isoer] == HSEC -> 1 : 0))
#define I1_OK (isoer == NONE || (OTHERS_RUN == 0 && (!isofull || OTHERS_HSEC == 0)))

/*
 * Non-vacuity: each WITNESS_* run claims an interesting state is never
 * reached; check.sh expects SPIN to refute the claim.
 */
#if defined(WITNESS_I7)
/* a thread blocked ending a non-idle harmless section, during isolate_full */
#define WITNESS_OK (!(nblk[K_HEND] > 0 && isoer != NONE && isofull))
#elif defined(WITNESS_REGISTER)
/* a thread blocked in register during an isolation (I6) */
#define WITNESS_OK (!(nblk[K_REG] > 0 && isoer != NONE))
#elif defined(WITNESS_RELEASE)
/* a thread blocked in release while the next request is isolated */
#define WITNESS_OK (!(nblk[K_REL] > 0 && isoer != NONE))
#elif defined(WITNESS_NESTED)
/* an isolated thread inside a nested harmless or idle section (I4) */
#define WITNESS_OK (!(isoer != NONE && (phase[isoer] == HSEC || phase[isoer] == IDLE)))
#endif
#ifdef WITNESS_OK
bool witness_reached; /* always false: names the witness assertion */
#endif

/* I5 (and I6 for register): a call that returns to user code finds no other
 * thread isolated. */
#define I5_OK (isoer == NONE || isoer == t)

inline setphase(np)
{
	nrun = nrun + (np == RUN -> 1 : 0) - (phase[t] == RUN -> 1 : 0);
	nhsec = nhsec + (np == HSEC -> 1 : 0) - (phase[t] == HSEC -> 1 : 0);
	phase[t] = np
}

/* Returning from a call to user code in phase np (INRDV: not returning). */
inline ret_to(np)
{
	if
	:: np != INRDV -> assert(I5_OK)
	:: else -> skip
	fi;
	setphase(np)
}

#ifdef MODEL_FUTEX
#define W_MY_TURN 0
#define W_NO_REQUEST 1
#define W_OTHERS 2

#define ALL_THREADS ((1 << N) - 1)

/* rdv__wake(): seq++, then if anyone sleeps, FUTEX_WAKE them all. */
inline wake()
{
	seq_changed = ALL_THREADS;
	if
	:: sleepers != 0 ->
		atomic {
			w = 0;
			do
			:: w < N -> asleep[w] = false; w++
			:: else -> break
			od;
			w = 0
		}
	:: else -> skip
	fi
}

/* One evaluation of a wait condition, into ok. */
inline eval_cond(which)
{
	if
	:: which == W_MY_TURN -> ok = (SERVING == tk)
	:: which == W_NO_REQUEST -> ok = !PENDING
	:: which == W_OTHERS -> eval_others_ready()
	fi
}

/*
 * rdv__wait_until(): the spin and yield phases are checks (one is enough:
 * checks have no side effect), then sleepers++, read seq, check, and
 * futex_wait(seq, seen), which sleeps only if seq still equals seen (the
 * kernel compares and sleeps atomically) until a FUTEX_WAKE.
 */
inline wait_until(which)
{
	eval_cond(which);
	do
	:: ok -> break
	:: else ->
		sleepers++;
		seq_changed = seq_changed & ~me; /* seen = seq */
		eval_cond(which);
		if
		:: ok -> atomic { sleepers--; seq_changed = seq_changed | me }
		:: else ->
			atomic {
				if
				:: (seq_changed & me) == 0 -> asleep[t] = true
				:: else -> skip
				fi
			};
			(!asleep[t]);
			atomic { sleepers--; seq_changed = seq_changed | me }
		fi
	od;
	ok = false
}

#define WAIT_MY_TURN wait_until(W_MY_TURN)
#define WAIT_NO_REQUEST wait_until(W_NO_REQUEST)
#define WAKE wake();
#define WAKE_IF_PENDING                                                       \
	if                                                                    \
	:: PENDING -> wake()                                                  \
	:: else -> skip                                                       \
	fi
/* harmless_now/idle_now: the isolated thread's own bits wake no one. */
#define WAKE_IF_PENDING_NOT_ISOLATED                                          \
	if                                                                    \
	:: PENDING && !isolated -> wake()                                     \
	:: else -> skip                                                       \
	fi
#else
#define WAIT_MY_TURN (SERVING == tk)
#define WAIT_NO_REQUEST (!PENDING)
#define WAKE /* nothing: a wake-up only ends a futex_wait() */
#define WAKE_IF_PENDING skip
#define WAKE_IF_PENDING_NOT_ISOLATED skip
#endif

/*
 * rdv__block(): H is clear, a request was seen pending, the thread is not
 * isolated. Park (counts as idle for isolate_full, I7), harmless again until
 * no request is pending, leave harmless, re-check.
 */
inline block(np, kind)
{
#ifndef HAPROXY_I7
	P = P | me;
#endif
#ifdef WITNESS_BLOCK
	nblk[kind]++;
#endif
	do
	:: H = H | me;             /* harmless_wait */
	   WAKE                    /* our H (and parked) may complete a grant */
	   WAIT_NO_REQUEST;
	   H = H & ~me;
#ifdef NO_DEKKER_RECHECK
	   break                   /* checked before the clear: no re-check */
#else
	   if
	   :: PENDING -> skip
	   :: !PENDING -> break
	   fi
#endif
	od;
#ifdef WITNESS_BLOCK
	nblk[kind]--;
#endif
#ifdef HAPROXY_I7
	atomic { skip; ret_to(np) }
#else
	atomic { P = P & ~me; ret_to(np) }
#endif
}

/*
 * rdv__leave_harmless(): clear own H, then load tickets (the Dekker side of
 * the thread); block if a request is pending and the thread is not isolated.
 */
inline leave_harmless(np, kind)
{
#ifdef NO_DEKKER_RECHECK
	/* 8fc707390: pending requests checked before H is cleared */
	if
	:: atomic { PENDING && !isolated -> setphase(INRDV) } ->
		H = H & ~me; /* the clear of the blocked path is not the bug */
		block(np, kind)
	:: atomic { (!PENDING || isolated) -> setphase(INRDV) } ->
		atomic { H = H & ~me; ret_to(np) }
	fi
#else
	atomic { setphase(INRDV); H = H & ~me };
	if
#ifdef NESTED_DEADLOCK
	/* a9a9e9aac: an isolated thread blocks on its own pending ticket */
	:: PENDING -> block(np, kind)
	:: atomic { !PENDING -> ret_to(np) }
#else
	:: atomic { PENDING && !isolated } -> block(np, kind)
	:: atomic { (!PENDING || isolated) -> ret_to(np) }
#endif
	fi
#endif
}

/* ---- the API, one inline per call ---- */

inline rdv_thread_register()
{
	atomic { setphase(INRDV); H = H | me };
	M = M | me;
	leave_harmless(RUN, K_REG)
}

inline rdv_thread_unregister()
{
	if
	:: isolated -> end_isolation() /* ends it first, never waits */
	:: else -> skip
	fi;
	atomic { setphase(INRDV); M = M & ~me };
	H = H & ~me;
	I = I & ~me;
	W = W & ~me;
	atomic { P = P & ~me; setphase(OUT) }
#ifdef MODEL_FUTEX
	;
	WAKE_IF_PENDING
#endif
}

inline rdv_harmless_now()
{
	atomic { H = H | me; setphase(HSEC) }
#ifdef MODEL_FUTEX
	;
	WAKE_IF_PENDING_NOT_ISOLATED /* (without MODEL_FUTEX this load decides nothing) */
#endif
}

inline rdv_harmless_end(kind)
{
	leave_harmless(RUN, kind)
}

inline rdv_idle_now()
{
	atomic { setphase(INRDV); I = I | me };
	atomic { H = H | me; setphase(IDLE) }
#ifdef MODEL_FUTEX
	;
	WAKE_IF_PENDING_NOT_ISOLATED
#endif
}

inline rdv_idle_end()
{
	leave_harmless(INRDV, K_IEND);
	atomic { I = I & ~me; ret_to(RUN) }
}

/*
 * rdv__others_ready(): one load of members, then (if any other member) one
 * of harmless, then for a full isolation one of idle and one of parked.
 * When it fails, re-evaluating it gives the same answer until one of the
 * words it loaded changes: that is the wait's guard.
 */
#if defined(MODEL_FUTEX) && defined(WORD_PER_THREAD)
#error "MODEL_FUTEX models one mask word"
#elif defined(MODEL_FUTEX)
/* One evaluation of rdv__others_ready(), into ok; the futex waits. */
inline eval_others_ready()
{
	lm = M;
	if
	:: (lm & ~me) == 0 -> ok = true
	:: else ->
		lh = H;
		if
		:: fullreq ->
			if
			:: li = I; lp = P
			:: lp = P; li = I
			fi;
			ok = (((lm & ~me) & ~(lh & (li | lp))) == 0)
		:: else -> ok = (((lm & ~me) & ~lh) == 0)
		fi
	fi;
	atomic { lm = 0; lh = 0; li = 0; lp = 0 }
}

inline others_ready()
{
	wait_until(W_OTHERS)
}
#elif defined(WORD_PER_THREAD)
/*
 * The same with every thread in its own mask word (a domain of more than 64
 * threads, at its most spread out): words are read in order, each with its
 * own loads, and the evaluation stops at the first word not ready. lm..lp
 * collect the bits read, rd/rdh/rdf which words each was read from.
 */
inline others_ready()
{
	do
	:: j = 0;
	   do
	   :: j == N -> break
	   :: j < N && j == t -> j++ /* own word: need is 0 once self is removed */
	   :: j < N && j != t ->
		atomic { lm = lm | (M & (1 << j)); rd = rd | (1 << j) };
		if
		:: (lm & (1 << j)) == 0 -> j++
		:: else ->
			atomic { lh = lh | (H & (1 << j)); rdh = rdh | (1 << j) };
			if
			:: fullreq ->
				if
				:: li = li | (I & (1 << j)); lp = lp | (P & (1 << j))
				:: lp = lp | (P & (1 << j)); li = li | (I & (1 << j))
				fi;
				rdf = rdf | (1 << j);
				if
				:: (lh & (li | lp) & (1 << j)) != 0 -> j++
				:: else -> break
				fi
			:: else ->
				if
				:: (lh & (1 << j)) != 0 -> j++
				:: else -> break
				fi
			fi
		fi
	   od;
	   if
	   :: j == N -> break
	   :: else ->
		(((M ^ lm) & rd) != 0 || ((H ^ lh) & rdh) != 0 ||
		 ((I ^ li) & rdf) != 0 || ((P ^ lp) & rdf) != 0);
		atomic { lm = 0; lh = 0; li = 0; lp = 0; rd = 0; rdh = 0; rdf = 0 }
	   fi
	od;
	atomic { lm = 0; lh = 0; li = 0; lp = 0; rd = 0; rdh = 0; rdf = 0; j = 0 }
}
#else
inline others_ready()
{
	do
	:: lm = M;
	   if
	   :: (lm & ~me) == 0 -> break
	   :: else -> skip
	   fi;
	   lh = H;
	   if
	   :: fullreq ->
		/* `load(idle) | load(parked)`: C leaves the order open */
		if
		:: li = I; lp = P
		:: lp = P; li = I
		fi;
		if
		:: ((lm & ~me) & ~(lh & (li | lp))) == 0 -> break
		:: else -> (M != lm || H != lh || I != li || P != lp)
		fi
	   :: else ->
		if
		:: ((lm & ~me) & ~lh) == 0 -> break
		:: else -> (M != lm || H != lh)
		fi
	   fi
	od;
	atomic { lm = 0; lh = 0; li = 0; lp = 0 }
}
#endif

inline isolate(is_full)
{
#ifdef FULL_AS_PLAIN
	fullreq = false; /* isolate_full waits for harmless only */
	fullg = is_full;
#else
	fullreq = is_full;
	fullg = is_full;
#endif
	atomic { setphase(INRDV); P = P | me };
	H = H | me;
	W = W | me;
	atomic { tk = NEXT; tickets = tickets + (1 << TBITS) }; /* fetch_add(&tickets, 1 << 32) */
	WAKE
#ifndef NO_TURN
	WAIT_MY_TURN;
#endif
	others_ready();
	P = P & ~me;
	atomic {
		H = H & ~me; /* grant */
		isolated = true;
		tk = 0;
		assert(niso == 0); /* I2 */
		niso++;
		isoer = t;
		isofull = fullg;
		setphase(RUN);
		assert(I1_OK) /* I1, checked at every state by monitor too */
	}
}

/* rdv__end_isolation(): clear W, serving + 1, wake (rdv_release() and
 * rdv_thread_unregister() while isolated). */
inline end_isolation()
{
	atomic { setphase(INRDV); W = W & ~me; isolated = false };
#ifdef EARLY_WAKE
	WAKE /* woken before the change they wait for: a lost wake-up */
#endif
#ifdef TICKET_CARRY
	atomic { tickets = tickets + 1; niso--; isoer = NONE; isofull = false; fullreq = false; fullg = false };
#else
	atomic { tickets = (tickets & ~TMASK) | ((tickets + 1) & TMASK); niso--; isoer = NONE; isofull = false; fullreq = false; fullg = false };
#endif
#ifndef EARLY_WAKE
	WAKE
#endif
}

inline rdv_release()
{
	end_isolation();
#ifdef SEED_RELEASE_BUG
	/* the seed's thread_release(): back to running code, still harmless */
	atomic { H = H | me; ret_to(RUN) }
#else
	leave_harmless(RUN, K_REL)
#endif
}

/* Nested sections while isolated (I4). */
inline nested()
{
	if
	:: skip
	:: rdv_harmless_now(); rdv_harmless_end(K_HEND)
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

proctype thread(byte t; bool registered)
{
	byte me = 1 << t;
	byte ops = OPS;
	bool isolated; /* t->isolated */
	bool fullreq; /* rdv__grant.full */
	bool fullg;   /* ghost: isolate_full was called */
	byte tk; /* my ticket */
	byte lm, lh, li, lp; /* words loaded by others_ready() */
#ifdef WORD_PER_THREAD
	byte j, rd, rdh, rdf;
#endif
#ifdef MODEL_FUTEX
	bool ok; /* a wait condition held */
	byte w;
#endif

#ifdef SCENARIO_I7
	/*
	 * I7: thread 0 ends a non-idle harmless section while thread 1 waits
	 * in isolate_full; thread 2 takes a plain isolation meanwhile.
	 */
	if
	:: t == 0 -> rdv_harmless_now(); rdv_harmless_end(K_HEND)
	:: t == 1 -> isolate(true); rdv_release()
	:: t == 2 -> isolate(false); rdv_release()
	:: else -> skip
	fi;
#else
	do
	:: ops == 0 -> break
	:: ops > 0 && registered ->
		ops--;
		if
		:: rdv_harmless_now(); end_or_leave(rdv_harmless_end(K_HEND))
		:: rdv_idle_now(); end_or_leave(rdv_idle_end())
		:: rdv_harmless_end(K_SAFE) /* a safe point: harmless_end while running */
		:: isolate(false); nested(); end_or_leave(rdv_release())
		:: isolate(true); nested(); end_or_leave(rdv_release())
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
	atomic { !I1_OK -> assert(I1_OK) }
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
	seq_changed = ALL_THREADS;
#endif
	/* Thread 0 starts unregistered and registers on its first operation;
	 * the others start registered and running. */
	atomic {
		i = 0;
		do
		:: i < N ->
			if
#ifndef SCENARIO_I7
			:: i == 0 -> phase[i] = OUT
#endif
			:: else -> phase[i] = RUN; M = M | (1 << i); nrun++
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
