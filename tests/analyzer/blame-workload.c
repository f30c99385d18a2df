/* SPDX-License-Identifier: MIT */
/*
 * Fault injection for the blame tests (DESIGN.md §4 rdv-analyze/2): one
 * thread runs a long harmful stretch between two known calls while the
 * others poll and a control thread isolates, so the analyzer must name that
 * thread as the straggler of every isolation, with the section
 * after_poll() (its rdv_idle_end()) -> before_poll() (its rdv_idle_now()).
 *
 *   blame-workload [--threads N] [--isolations K] [--mode plain|full|both]
 *                  [--stretch-us U] [--blink]
 *
 * Threads, in registration order: the control thread (index 0), the faulty
 * thread (1), with --blink a blinker (2), then pollers (idle in long
 * sleeps, waking now and then). Per isolation k: the control thread lets
 * the faulty thread leave its poller; as soon as it runs parse_config()
 * (U µs of harmful work) the control thread requests an isolation (plain,
 * full, or alternately); parse_config() ends, the faulty thread enters its
 * poller again, which makes the request grantable. With --blink, the
 * blinker sits idle (spinning inside its idle section) through the request
 * and leaves its poller right after the faulty thread is ready: its
 * rdv_idle_end() sees the request and blocks (its H bit blinks) before the
 * control thread, asleep in the kernel, wakes up to take the grant. The old
 * straggler rule ("whose bit was set last before the grant") names the
 * blinker; the thread that held the request back is the faulty one.
 *
 * Prints `faulty_tid=T blinker_tid=B control_tid=C sites=after_poll:L1,
 * before_poll:L2` (the source lines of the two calls) on stdout.
 *
 * Built with -g, without inlining of the two functions and without tail
 * calls from them, so that each call's return address lies in them.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <rdv/rdv.h>

/* Makes a call and notes its line (the invocation's: the call's line in
 * the debug information); the store after it also rules out a tail call. */
#define CALL_NOTING_LINE(call, line)                                                               \
	do {                                                                                       \
		call;                                                                              \
		(line) = __LINE__;                                                                 \
	} while (0)

static volatile int line_idle_end, line_idle_now;

static unsigned n_threads = 4, n_iso = 10, stretch_us = 3000;
static int mode; /* 0 plain, 1 full, 2 both */
static int blink;
static struct rdv *dom;

/* The two calls the section must name (their lines are printed). */
static __attribute__((noinline)) void after_poll(struct rdv_thread *me)
{
	CALL_NOTING_LINE(rdv_idle_end(me), line_idle_end);
}

static __attribute__((noinline)) void before_poll(struct rdv_thread *me)
{
	CALL_NOTING_LINE(rdv_idle_now(me), line_idle_now);
}

static volatile uint64_t config_sum;

/* The control thread isolates through an inlined wrapper, as HAProxy's
 * thread_isolate(): the requesting site must name main() (the function the
 * call is compiled into), the wrapper as "inlined". */
static inline __attribute__((always_inline)) void isolate_inline(struct rdv_thread *me, int full)
{
	if (full) {
		rdv_isolate_full(me);
	} else {
		rdv_isolate(me);
	}
}

static _Atomic unsigned go_faulty;   /* isolation k may start: the faulty thread leaves idle */
static _Atomic unsigned in_config;   /* k + 1: the faulty thread is in parse_config() */
static _Atomic unsigned faulty_done; /* k + 1: it is back in its poller */
static _Atomic unsigned blink_go;    /* k + 1: the blinker may leave idle */
static _Atomic unsigned blink_done;  /* k + 1: it left idle (blocked) and is back */
static _Atomic int stop;
static _Atomic int tids[3];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_us(unsigned us)
{
	struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000};

	nanosleep(&ts, NULL);
}

static _Atomic unsigned requesting; /* k + 1: the control thread calls rdv_isolate*() */

/* Harmful work: touches state no isolation may see changing. It lasts until
 * the control thread is about to request isolation k, then U µs more, so
 * that the request always finds it running. */
static __attribute__((noinline)) void parse_config(unsigned k)
{
	uint64_t end;

	while (atomic_load(&requesting) <= k) {
		config_sum++;
	}
	end = now_ns() + (uint64_t)stretch_us * 1000;

	while (now_ns() < end) {
		for (int i = 0; i < 1000; i++) {
			config_sum += (uint64_t)i * 2654435761u;
		}
	}
}

static struct rdv_thread *join_domain(int slot)
{
	struct rdv_thread *me = rdv_thread_register(dom);

	if (!me) {
		perror("blame-workload: rdv_thread_register");
		exit(1);
	}
	if (slot >= 0) {
		atomic_store(&tids[slot], (int)syscall(SYS_gettid));
	}
	return me;
}

static void *faulty_main(void *arg)
{
	struct rdv_thread *me = join_domain(1);

	(void)arg;
	rdv_idle_now(me);
	for (unsigned k = 0; k < n_iso; k++) {
		while (atomic_load(&go_faulty) <= k) {
			sleep_us(50); /* idle, in the poller */
		}
		after_poll(me);
		atomic_store(&in_config, k + 1);
		parse_config(k);
		before_poll(me);
		if (blink) {
			atomic_store(&blink_go, k + 1);
		}
		atomic_store(&faulty_done, k + 1);
	}
	rdv_idle_end(me);
	rdv_thread_unregister(me);
	return NULL;
}

static void *blinker_main(void *arg)
{
	struct rdv_thread *me = join_domain(2);

	(void)arg;
	for (unsigned k = 0; k < n_iso; k++) {
		rdv_idle_now(me);
		/* idle through the request: spinning, so that it wakes at once */
		while (atomic_load(&blink_go) <= k) {
			__builtin_ia32_pause();
		}
		rdv_idle_end(me); /* a request is pending: blocks, H blinks */
		atomic_store(&blink_done, k + 1);
	}
	rdv_thread_unregister(me);
	return NULL;
}

static void *poller_main(void *arg)
{
	struct rdv_thread *me = join_domain(-1);
	unsigned seed = (unsigned)(uintptr_t)arg * 2654435761u;

	while (!atomic_load(&stop)) {
		rdv_idle_now(me);
		seed = seed * 1103515245u + 12345u;
		sleep_us(20000 + seed % 20000); /* a quiet poller */
		rdv_idle_end(me);
		for (volatile int i = 0; i < 200; i++) {
		}
	}
	rdv_thread_unregister(me);
	return NULL;
}

static void usage(void)
{
	fprintf(stderr, "usage: blame-workload [--threads N] [--isolations K] "
			"[--mode plain|full|both] [--stretch-us U] [--blink]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"threads", required_argument, NULL, 't'}, {"isolations", required_argument, NULL, 'k'},
	    {"mode", required_argument, NULL, 'm'},    {"stretch-us", required_argument, NULL, 's'},
	    {"blink", no_argument, NULL, 'b'},	       {NULL, 0, NULL, 0},
	};
	unsigned first_poller;
	pthread_t *th;
	struct rdv_thread *me;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			n_threads = (unsigned)atoi(optarg);
			break;
		case 'k':
			n_iso = (unsigned)atoi(optarg);
			break;
		case 'm':
			mode = !strcmp(optarg, "plain") ? 0 : !strcmp(optarg, "full") ? 1 : 2;
			break;
		case 's':
			stretch_us = (unsigned)atoi(optarg);
			break;
		case 'b':
			blink = 1;
			break;
		default:
			usage();
		}
	}
	first_poller = blink ? 3 : 2;
	if (n_threads < first_poller || n_iso == 0) {
		usage();
	}
	dom = rdv_create(n_threads);
	th = calloc(n_threads, sizeof(*th));
	if (!dom || !th) {
		perror("blame-workload");
		return 1;
	}
	me = join_domain(0); /* index 0: registered first */
	pthread_create(&th[1], NULL, faulty_main, NULL);
	while (!atomic_load(&tids[1])) {
		sleep_us(100);
	}
	if (blink) {
		pthread_create(&th[2], NULL, blinker_main, NULL);
		while (!atomic_load(&tids[2])) {
			sleep_us(100);
		}
	}
	for (unsigned i = first_poller; i < n_threads; i++) {
		pthread_create(&th[i], NULL, poller_main, (void *)(uintptr_t)i);
	}
	sleep_us(20000); /* every poller in its poller */
	for (unsigned k = 0; k < n_iso; k++) {
		int full = mode == 2 ? (int)(k & 1) : mode;

		atomic_store(&go_faulty, k + 1);
		while (atomic_load(&in_config) <= k) {
			sched_yield();
		}
		atomic_store(&requesting, k + 1);
		isolate_inline(me, full);
		rdv_release(me);
		while (atomic_load(&faulty_done) <= k || (blink && atomic_load(&blink_done) <= k)) {
			sleep_us(100);
		}
		sleep_us(2000);
	}
	atomic_store(&stop, 1);
	pthread_join(th[1], NULL);
	if (blink) {
		pthread_join(th[2], NULL);
	}
	for (unsigned i = first_poller; i < n_threads; i++) {
		pthread_join(th[i], NULL);
	}
	rdv_thread_unregister(me);
	rdv_destroy(dom);
	printf("faulty_tid=%d blinker_tid=%d control_tid=%d sites=after_poll:%d,before_poll:%d\n",
	       atomic_load(&tids[1]), blink ? atomic_load(&tids[2]) : 0, atomic_load(&tids[0]),
	       line_idle_end, line_idle_now);
	free(th);
	return 0;
}
