/* SPDX-License-Identifier: MIT */
/*
 * The symbolization tests' workload: one thread calls librdv from known
 * functions at known lines, then dlopen()s each PLUGIN given and calls its
 * plugin_run(), so that some callers lie in objects loaded after the
 * statedump (recorded by lttng_ust_dl when liblttng-ust-dl.so is preloaded).
 *
 * Every line that calls librdv carries a marker comment naming the function
 * the call is in; the test reads them to know which function, file and line
 * each traced `caller` must resolve to. Keep one rdv call per marked line,
 * and mark only calls that change a mask (an unchanged mask emits nothing).
 *
 * usage: sym_workload [PLUGIN.so...]   (prints its pid first)
 * SYM_REPEAT=N in the environment runs the calls N times (a big trace with
 * few distinct callers, for the benchmark).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <rdv/rdv.h>

static __attribute__((noinline)) void poll_once(struct rdv_thread *me)
{
	rdv_harmless_now(me); /* @site poll_once */
	rdv_harmless_end(me); /* @site poll_once */
}

/* Inlined into main(): the innermost function is reported (as gdb's frame
 * 0 and addr2line -i's first line). */
static inline __attribute__((always_inline)) void idle_inlined(struct rdv_thread *me)
{
	rdv_idle_now(me); /* @site idle_inlined */
	rdv_idle_end(me); /* @site idle_inlined */
}

static __attribute__((noinline)) void isolate_once(struct rdv_thread *me)
{
	rdv_isolate(me);      /* @site isolate_once */
	rdv_release(me);      /* @site isolate_once */
	rdv_isolate_full(me); /* @site isolate_once */
	rdv_release(me);      /* @site isolate_once */
}

int main(int argc, char **argv)
{
	struct rdv *dom = rdv_create(4);
	struct rdv_thread *me;
	const char *repeat = getenv("SYM_REPEAT");
	long n = repeat ? strtol(repeat, NULL, 10) : 1;
	int rc = 0;

	printf("%d\n", (int)getpid());
	fflush(stdout);
	if (!dom) {
		perror("rdv_create");
		return 1;
	}
	me = rdv_thread_register(dom); /* @site main */
	if (!me) {
		perror("rdv_thread_register");
		return 1;
	}
	for (long i = 0; i < n; i++) {
		poll_once(me);
		idle_inlined(me);
		isolate_once(me);
	}
	for (int i = 1; i < argc; i++) {
		void *h = dlopen(argv[i], RTLD_NOW | RTLD_LOCAL);
		void (*run)(struct rdv_thread *);

		if (!h) {
			fprintf(stderr, "sym_workload: cannot load '%s': %s\n", argv[i], dlerror());
			rc = 1;
			break;
		}
		*(void **)&run = dlsym(h, "plugin_run");
		if (!run) {
			fprintf(stderr, "sym_workload: no plugin_run in '%s'\n", argv[i]);
			rc = 1;
			break;
		}
		run(me);
		/* Not dlclose()d: the objects stay mapped until exit, so every
		 * caller is inside a live object when the trace is read. */
	}
	rdv_thread_unregister(me);
	rdv_destroy(dom);
	return rc;
}
