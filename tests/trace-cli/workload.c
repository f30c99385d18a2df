/* SPDX-License-Identifier: MIT */
/*
 * Small librdv programs for the rdv-trace tests:
 *   workload burst N   one thread, N harmless_now/harmless_end pairs as fast
 *                      as it can: far more events than a small channel's
 *                      consumer can drain, the same events every run
 *   workload fork      an isolation, then fork(): the child makes its own
 *                      domain and 3 isolations, the parent waits for it and
 *                      isolates once more; prints "parent=P child=C"
 *   workload sleep S   an isolation, prints "ready", then S seconds without
 *                      any rdv call
 *   workload dlopen F  an isolation, dlopen(F), another isolation: F is
 *                      loaded after the statedump
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rdv/rdv.h>

static void isolations(struct rdv_thread *me, int n)
{
	for (int i = 0; i < n; i++) {
		rdv_isolate(me);
		rdv_release(me);
	}
}

static int burst(long n)
{
	struct rdv *d = rdv_create(1);
	struct rdv_thread *me = rdv_thread_register(d);

	for (long i = 0; i < n; i++) {
		rdv_harmless_now(me);
		rdv_harmless_end(me);
	}
	rdv_thread_unregister(me);
	rdv_destroy(d);
	return 0;
}

static int forked(void)
{
	struct rdv *d = rdv_create(1);
	struct rdv_thread *me = rdv_thread_register(d);
	int status;
	pid_t child;

	isolations(me, 1);
	fflush(stdout);
	child = fork();
	if (child < 0) {
		perror("workload: fork");
		return 1;
	}
	if (child == 0) {
		struct rdv *cd = rdv_create(1);
		struct rdv_thread *cme = rdv_thread_register(cd);

		isolations(cme, 3);
		rdv_thread_unregister(cme);
		rdv_destroy(cd);
		_exit(0);
	}
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "workload: the child failed\n");
		return 1;
	}
	isolations(me, 1);
	rdv_thread_unregister(me);
	rdv_destroy(d);
	printf("parent=%d child=%d\n", (int)getpid(), (int)child);
	return 0;
}

static int sleeper(unsigned seconds)
{
	struct rdv *d = rdv_create(1);
	struct rdv_thread *me = rdv_thread_register(d);

	isolations(me, 1);
	printf("ready\n");
	fflush(stdout);
	sleep(seconds);
	rdv_thread_unregister(me);
	rdv_destroy(d);
	return 0;
}

static int load(const char *file)
{
	struct rdv *d = rdv_create(1);
	struct rdv_thread *me = rdv_thread_register(d);
	void *h;

	isolations(me, 1);
	h = dlopen(file, RTLD_NOW);
	if (!h) {
		fprintf(stderr, "workload: %s\n", dlerror());
		return 1;
	}
	isolations(me, 1);
	rdv_thread_unregister(me);
	rdv_destroy(d);
	dlclose(h);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "burst") == 0) {
		return burst(atol(argv[2]));
	}
	if (argc == 2 && strcmp(argv[1], "fork") == 0) {
		return forked();
	}
	if (argc == 3 && strcmp(argv[1], "sleep") == 0) {
		return sleeper((unsigned)atoi(argv[2]));
	}
	if (argc == 3 && strcmp(argv[1], "dlopen") == 0) {
		return load(argv[2]);
	}
	fprintf(stderr, "usage: workload burst N | fork | sleep S | dlopen FILE\n");
	return 2;
}
