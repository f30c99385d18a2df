/* SPDX-License-Identifier: MIT */
/*
 * A workload for the tracing tests: THREADS threads in each of two domains
 * (the first sized so that indexes span two mask words when THREADS > 64)
 * run idle sections, harmless sections and isolations, then print how many
 * isolations they performed, per domain and in total, so the test can
 * compare with the trace.
 *
 * usage: trace_workload THREADS ISOLATIONS_PER_THREAD [GO_FILE]
 * With GO_FILE, the threads register, then wait until GO_FILE exists before
 * working (the attach test creates its session meanwhile).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <rdv/rdv.h>

static struct rdv *dom[2];
static unsigned per_thread;
static const char *go_file;
static atomic_ulong done[2];
static pthread_barrier_t all_registered;

struct arg {
	unsigned domain;
	unsigned id;
};

static void *worker(void *p)
{
	struct arg *a = p;
	struct rdv_thread *t = rdv_thread_register(dom[a->domain]);

	if (!t) {
		perror("rdv_thread_register");
		exit(2);
	}
	/* Everybody registered at once: indexes span two mask words. */
	rdv_idle_now(t);
	pthread_barrier_wait(&all_registered);
	rdv_idle_end(t);
	if (go_file) {
		rdv_idle_now(t);
		while (access(go_file, F_OK) != 0) {
			usleep(1000);
		}
		rdv_idle_end(t);
	}
	for (unsigned i = 0; i < per_thread; i++) {
		rdv_idle_now(t);
		usleep(50);
		rdv_idle_end(t);
		rdv_harmless_now(t);
		rdv_harmless_end(t);
		if ((i + a->id) % 3 == 0) {
			rdv_isolate_full(t);
		} else {
			rdv_isolate(t);
		}
		rdv_harmless_now(t); /* nested while isolated */
		rdv_harmless_end(t);
		rdv_release(t);
		atomic_fetch_add(&done[a->domain], 1);
	}
	rdv_thread_unregister(t);
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned n;
	pthread_t *th;
	struct arg *args;

	if (argc < 3) {
		fprintf(stderr, "usage: %s THREADS ISOLATIONS_PER_THREAD [GO_FILE]\n", argv[0]);
		return 2;
	}
	n = (unsigned)atoi(argv[1]);
	per_thread = (unsigned)atoi(argv[2]);
	go_file = argc > 3 ? argv[3] : NULL;
	dom[0] = rdv_create(n + 1);
	dom[1] = rdv_create(4);
	th = calloc(n + 2, sizeof(*th));
	args = calloc(n + 2, sizeof(*args));
	if (!dom[0] || !dom[1] || !th || !args) {
		perror("rdv_create");
		return 2;
	}
	pthread_barrier_init(&all_registered, NULL, n + 2);
	printf("pid %d\n", (int)getpid());
	fflush(stdout);
	for (unsigned i = 0; i < n + 2; i++) {
		args[i].domain = i < n ? 0 : 1;
		args[i].id = i;
		pthread_create(&th[i], NULL, worker, &args[i]);
	}
	for (unsigned i = 0; i < n + 2; i++) {
		pthread_join(th[i], NULL);
	}
	printf("domain %u isolations %lu\n", rdv_domain_id(dom[0]), atomic_load(&done[0]));
	printf("domain %u isolations %lu\n", rdv_domain_id(dom[1]), atomic_load(&done[1]));
	printf("isolations %lu\n", atomic_load(&done[0]) + atomic_load(&done[1]));
	rdv_destroy(dom[0]);
	rdv_destroy(dom[1]);
	free(th);
	free(args);
	return 0;
}
