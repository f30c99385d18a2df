/* SPDX-License-Identifier: MIT */
/*
 * rdv_harmless_now() and rdv_harmless_end_sig() are async-signal-safe
 * (header), also once tracing is turned on while the program runs.
 * LTTng-UST's per-thread state is global-dynamic TLS, allocated with
 * malloc by the first tracepoint a thread hits: 1.1 let that first hit
 * happen in a signal handler, and a handler that interrupted malloc
 * deadlocked there (20 of 24 threads here). Threads register with tracing
 * off, then run malloc/free in a loop; a recording session (its own name,
 * per-UID buffers, filtered on our vpid) enables rdv:*; each thread gets
 * one signal whose handler brackets nothing with the two calls. Every
 * handler must return. Needs a running lttng-sessiond: exit 77 without.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>

#include <rdv/rdv.h>

#include "check.h"

#define NTHREADS 24

static struct rdv *dom;
static __thread struct rdv_thread *volatile tls_h;
static __thread int tls_me;
static atomic_int handled[NTHREADS], started, stop;

static void on_signal(int sig)
{
	int saved = errno;

	(void)sig;
	if (tls_h) {
		rdv_harmless_now(tls_h);
		rdv_harmless_end_sig(tls_h);
		atomic_fetch_add(&handled[tls_me], 1);
	}
	errno = saved;
}

static void *worker(void *arg)
{
	struct rdv_thread *t = rdv_thread_register(dom);
	void *p[16] = {0};
	unsigned r;

	tls_me = (int)(intptr_t)arg;
	r = (unsigned)tls_me * 7919u + 1;
	tls_h = t;
	atomic_fetch_add(&started, 1);
	while (!atomic_load(&stop)) { /* mostly inside malloc() */
		unsigned k;

		r = r * 1103515245u + 12345u;
		k = (r >> 8) % 16;
		free(p[k]);
		p[k] = malloc(16 + (r >> 12) % 4000);
	}
	for (int k = 0; k < 16; k++) {
		free(p[k]);
	}
	tls_h = NULL;
	rdv_thread_unregister(t);
	return NULL;
}

extern char **environ;

/* A shell command, run with posix_spawn(): no fork handlers, so it works
 * while stuck threads hold malloc's locks (system() would hang there). */
static int lttng(const char *fmt, int pid)
{
	char cmd[512];
	char *argv[] = {"sh", "-c", cmd, NULL};
	int status = -1;
	pid_t child;

	snprintf(cmd, sizeof(cmd), fmt, pid, pid, pid, pid, pid);
	if (posix_spawn(&child, "/bin/sh", NULL, NULL, argv, environ) != 0 ||
	    waitpid(child, &status, 0) != child) {
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(void)
{
	struct sigaction sa;
	pthread_t th[NTHREADS];
	int pid = getpid(), stuck = 0;

	check_current = "signal handlers' first tracepoint";
	check_watchdog(60);
	setvbuf(stdout, NULL, _IONBF, 0);
	if (lttng("lttng list >/dev/null 2>&1", pid) != 0) {
		printf("no lttng-sessiond: skipped\n");
		return 77;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	dom = rdv_create(NTHREADS + 1);
	for (int i = 0; i < NTHREADS; i++) {
		pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i);
	}
	while (atomic_load(&started) != NTHREADS) {
		sleep_ms(1);
	}
	/* Tracing turned on now, after every registration. */
	if (lttng("lttng create rdv-core-sigtrace-%d --output=/tmp/rdv-core-sigtrace-%d >/dev/null "
		  "&& lttng enable-event -s rdv-core-sigtrace-%d -u 'rdv:*' "
		  "--filter '$ctx.vpid == %d' >/dev/null "
		  "&& lttng start rdv-core-sigtrace-%d >/dev/null",
		  pid) != 0) {
		lttng("lttng destroy rdv-core-sigtrace-%d >/dev/null 2>&1", pid);
		printf("cannot set up a recording session: skipped\n");
		return 77;
	}
	sleep_ms(1000); /* the session daemon enables our probes */
	for (int i = 0; i < NTHREADS; i++) {
		pthread_kill(th[i], SIGUSR1);
	}
	for (int k = 0; k < 300; k++) {
		sleep_ms(10);
		stuck = 0;
		for (int i = 0; i < NTHREADS; i++) {
			stuck += atomic_load(&handled[i]) == 0;
		}
		if (!stuck) {
			break;
		}
	}
	lttng("lttng destroy rdv-core-sigtrace-%d >/dev/null 2>&1; "
	      "rm -rf /tmp/rdv-core-sigtrace-%d",
	      pid);
	printf("%d of %d handlers stuck in their first tracepoint\n", stuck, NTHREADS);
	CHECK_EQ(stuck, 0);
	if (stuck) {
		fflush(stdout);
		_exit(check_summary()); /* stuck threads cannot be joined */
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
	}
	rdv_destroy(dom);
	return check_summary();
}
