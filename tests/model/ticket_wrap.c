/* SPDX-License-Identifier: MIT */
/*
 * The model's ticket_wrap finding, on the real code: rdv.c is included so
 * that a domain can start just before the 32-bit halves of `tickets` wrap
 * (a domain gets there after 2^32 - 2 isolations; doing them takes
 * minutes). Two checks, each bounded in time:
 *  - hang: with next = serving = 0xFFFFFFFF, rdv_isolate() must return;
 *  - I2: with next = serving = 0xFFFFFFFE, thread A isolated (in a nested
 *    harmless section), thread B's rdv_isolate() must not return before
 *    A's release.
 * Exits 0 when both hold, 1 otherwise (the process is left to exit with
 * its stuck threads).
 */
#include "rdv.c"

#include <time.h>

static int failures;

static void fail(const char *what)
{
	printf("ticket_wrap: FAIL: %s\n", what);
	failures++;
}

/* Waits up to ms for *flag to become non-zero. */
static bool wait_flag(_Atomic int *flag, int ms)
{
	struct timespec tick = { 0, 1000000 };

	for (int i = 0; i < ms; i++) {
		if (atomic_load(flag)) {
			return true;
		}
		nanosleep(&tick, NULL);
	}
	return atomic_load(flag) != 0;
}

/* ---- hang: the request whose fetch_add wraps the low half ---- */

struct hang_arg {
	struct rdv *dom;
	_Atomic int done;
};

static void *hang_thread(void *p)
{
	struct hang_arg *a = p;
	struct rdv_thread *t = rdv_thread_register(a->dom);

	atomic_store(&a->dom->tickets, UINT64_C(0xFFFFFFFFFFFFFFFF));
	rdv_isolate(t);
	rdv_release(t);
	rdv_thread_unregister(t);
	atomic_store(&a->done, 1);
	return NULL;
}

static void check_hang(void)
{
	static struct hang_arg a;
	pthread_t th;

	a.dom = rdv_create(4);
	pthread_create(&th, NULL, hang_thread, &a);
	if (!wait_flag(&a.done, 2000)) {
		fail("rdv_isolate() with tickets 0xffffffff/0xffffffff did not return in 2 s");
		return;
	}
	pthread_join(th, NULL);
}

/* ---- I2: a request that wraps while another thread is isolated ---- */

struct pair_arg {
	struct rdv *dom;
	_Atomic int b_harmless;
	_Atomic int go;
	_Atomic int b_isolated;
	_Atomic int b_done;
};

static void *pair_thread_b(void *p)
{
	struct pair_arg *a = p;
	struct rdv_thread *b = rdv_thread_register(a->dom);

	rdv_harmless_now(b);
	atomic_store(&a->b_harmless, 1);
	wait_flag(&a->go, 2000);
	rdv_isolate(b); /* A holds the isolation: must wait for its release */
	atomic_store(&a->b_isolated, 1);
	rdv_release(b);
	rdv_thread_unregister(b);
	atomic_store(&a->b_done, 1);
	return NULL;
}

static void check_exclusive(void)
{
	static struct pair_arg a;
	struct rdv_thread *ta;
	pthread_t th;

	a.dom = rdv_create(4);
	ta = rdv_thread_register(a.dom);
	atomic_store(&a.dom->tickets, UINT64_C(0xFFFFFFFEFFFFFFFE));
	pthread_create(&th, NULL, pair_thread_b, &a);
	wait_flag(&a.b_harmless, 2000);
	rdv_isolate(ta);
	rdv_harmless_now(ta); /* nested section (I4): A is harmless, still isolated */
	atomic_store(&a.go, 1);
	if (wait_flag(&a.b_isolated, 500)) {
		fail("thread B isolated while thread A holds the isolation (I2), ticket 0xffffffff");
		return;
	}
	rdv_harmless_end(ta);
	rdv_release(ta);
	rdv_thread_unregister(ta);
	if (!wait_flag(&a.b_done, 2000)) {
		fail("thread B not isolated within 2 s of A's release");
		return;
	}
	pthread_join(th, NULL);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	check_hang();
	check_exclusive();
	if (failures) {
		printf("ticket_wrap: %d check(s) failed: a ticket half's increment carries "
		       "into the other (tests/model/README.md)\n",
		       failures);
		fflush(stdout);
		_exit(1); /* threads stuck in rdv calls stay stuck */
	}
	printf("ticket_wrap: OK\n");
	return 0;
}
