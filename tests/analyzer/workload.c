/* SPDX-License-Identifier: MIT */
/*
 * A tiny traced workload for the analyzer tests: `threads` threads in one rdv
 * domain (two domains with --domains 2) loop `iterations` times through an
 * idle section (a short sleep: the poller), some work, a harmless section
 * with a blocking call, and now and then rdv_isolate() or rdv_isolate_full().
 *
 *   rdv-analyzer-workload [--threads N] [--iterations N] [--domains N]
 *                         [--sleep-us N] [--busy]
 *
 * --busy: no sleeps at all (many events quickly: discarded events with tiny
 * LTTng sub-buffers, and benchmark traces).
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rdv/rdv.h>

static unsigned n_threads = 4, n_iter = 200, n_domains = 1, sleep_us = 50;
static int busy;
static struct rdv *domains[8];

struct worker {
	pthread_t tid;
	unsigned id;
};

static void spin(unsigned loops)
{
	for (volatile unsigned i = 0; i < loops; i++) {
	}
}

static void *run(void *arg)
{
	struct worker *w = arg;
	struct rdv *d = domains[w->id % n_domains];
	struct rdv_thread *me = rdv_thread_register(d);
	unsigned seed = w->id * 7919u + 1;

	if (!me) {
		perror("rdv_thread_register");
		return NULL;
	}
	for (unsigned i = 0; i < n_iter; i++) {
		seed = seed * 1103515245u + 12345u;
		rdv_idle_now(me);
		if (!busy) {
			usleep(sleep_us);
		}
		rdv_idle_end(me);
		spin(busy ? 50 : 2000);
		rdv_harmless_now(me);
		if (!busy) {
			usleep(sleep_us / 4 + 1);
		}
		rdv_harmless_end(me);
		if ((seed >> 16) % 8 == 0) {
			rdv_isolate(me);
			spin(busy ? 20 : 5000);
			if ((seed >> 20) % 4 == 0) {
				rdv_harmless_now(me); /* nesting (I4) */
				rdv_harmless_end(me);
			}
			rdv_release(me);
		} else if ((seed >> 16) % 23 == 1) {
			rdv_isolate_full(me);
			spin(busy ? 20 : 3000);
			rdv_release(me);
		}
	}
	rdv_thread_unregister(me);
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"threads", required_argument, NULL, 't'},
	    {"iterations", required_argument, NULL, 'i'},
	    {"domains", required_argument, NULL, 'd'},
	    {"sleep-us", required_argument, NULL, 's'},
	    {"busy", no_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct worker *ws;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			n_threads = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'i':
			n_iter = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'd':
			n_domains = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 's':
			sleep_us = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'b':
			busy = 1;
			break;
		case 'h':
			printf("Usage: rdv-analyzer-workload [--threads N] [--iterations N] "
			       "[--domains N] [--sleep-us N] [--busy]\n");
			return 0;
		default:
			fprintf(stderr, "rdv-analyzer-workload: bad option (see --help)\n");
			return 2;
		}
	}
	if (n_threads == 0 || n_threads > 256 || n_domains == 0 || n_domains > 8) {
		fprintf(stderr,
			"rdv-analyzer-workload: cannot run: 1..256 threads, 1..8 domains\n");
		return 2;
	}
	for (unsigned i = 0; i < n_domains; i++) {
		domains[i] = rdv_create(64);
		if (!domains[i]) {
			perror("rdv-analyzer-workload: rdv_create");
			return 1;
		}
	}
	ws = calloc(n_threads, sizeof(*ws));
	if (!ws) {
		return 1;
	}
	for (unsigned i = 0; i < n_threads; i++) {
		ws[i].id = i;
		if (pthread_create(&ws[i].tid, NULL, run, &ws[i])) {
			fprintf(stderr, "rdv-analyzer-workload: cannot create a thread\n");
			return 1;
		}
	}
	for (unsigned i = 0; i < n_threads; i++) {
		pthread_join(ws[i].tid, NULL);
	}
	for (unsigned i = 0; i < n_domains; i++) {
		rdv_destroy(domains[i]);
	}
	free(ws);
	return 0;
}
