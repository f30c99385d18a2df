/* SPDX-License-Identifier: MIT */
/*
 * A librdv built with RDV_ASSERT_MISUSE asserts on misuse, so mistakes
 * surface in tests. Built against such a librdv (target rdv-debug): each case
 * runs in a child process that must die of SIGABRT; a correct sequence must
 * not.
 */
#include <pthread.h>
#include <sys/wait.h>

#include <rdv/rdv.h>

#include "check.h"

typedef void (*misuse_fn)(void);

static void release_not_isolated(void)
{
	struct rdv *d = rdv_create(2);

	rdv_release(rdv_thread_register(d));
}

static void isolate_twice(void)
{
	struct rdv_thread *t = rdv_thread_register(rdv_create(2));

	rdv_isolate(t);
	rdv_isolate(t);
}

static void use_after_unregister(void)
{
	struct rdv_thread *t = rdv_thread_register(rdv_create(2));

	rdv_thread_unregister(t);
	rdv_harmless_now(t);
}

static void destroy_with_threads(void)
{
	struct rdv *d = rdv_create(2);

	rdv_thread_register(d);
	rdv_destroy(d);
}

static struct rdv_thread *foreign;

static void *use_foreign(void *arg)
{
	(void)arg;
	rdv_harmless_now(foreign);
	return NULL;
}

static void handle_of_another_thread(void)
{
	pthread_t th;

	foreign = rdv_thread_register(rdv_create(2));
	pthread_create(&th, NULL, use_foreign, NULL);
	pthread_join(th, NULL);
}

static void correct_sequence(void)
{
	struct rdv *d = rdv_create(2);
	struct rdv_thread *t = rdv_thread_register(d);

	rdv_idle_now(t);
	rdv_idle_end(t);
	rdv_isolate(t);
	rdv_harmless_now(t);
	rdv_harmless_end(t);
	rdv_release(t);
	rdv_thread_unregister(t);
	rdv_destroy(d);
}

static const struct {
	const char *name;
	misuse_fn fn;
} cases[] = {
	{ "release_not_isolated", release_not_isolated },
	{ "isolate_twice", isolate_twice },
	{ "use_after_unregister", use_after_unregister },
	{ "destroy_with_threads", destroy_with_threads },
	{ "handle_of_another_thread", handle_of_another_thread },
	{ "correct_sequence", correct_sequence },
};

/* Each case runs in a fresh process (fork + exec of this program), so that
 * sanitizer runtimes, which do not support threads after fork, work too. */
static int run_child(const char *self, const char *name)
{
	pid_t pid = fork();
	int status = 0;

	if (pid == 0) {
		/* No assert noise in the test log. */
		if (!freopen("/dev/null", "w", stderr)) {
			_exit(2);
		}
		execl(self, self, name, (char *)NULL);
		_exit(2);
	}
	waitpid(pid, &status, 0);
	return status;
}

int main(int argc, char **argv)
{
	size_t n = sizeof(cases) / sizeof(cases[0]);

	if (argc > 1) {
		for (size_t i = 0; i < n; i++) {
			if (strcmp(argv[1], cases[i].name) == 0) {
				cases[i].fn();
				return 0;
			}
		}
		return 2;
	}
	check_watchdog(60);
	for (size_t i = 0; i < n; i++) {
		int st = run_child("/proc/self/exe", cases[i].name);

		check_current = cases[i].name;
		if (cases[i].fn == correct_sequence) {
			CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		} else {
			CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
		}
	}
	return check_summary();
}
