/* SPDX-License-Identifier: MIT */
/*
 * The "before" librdv (RDV_BENCH_BEFORE_COMMIT, built by CMakeLists.txt from
 * `git show` output) as a table of functions, so that a benchmark runs it in
 * the same process as the librdv it links, rounds interleaved.
 *
 * The module is dlopen()ed RTLD_LOCAL and was linked -Bsymbolic: its calls
 * bind to its own functions, ours to librdv 1.1's. Only the calls whose
 * signature and meaning did not change are taken (struct rdv_stats has the
 * same layout in both). A handle or domain of one library must never be
 * passed to the other.
 */
#ifndef RDV_BENCH_BEFORE_H
#define RDV_BENCH_BEFORE_H

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "rdv/rdv.h"

/* A librdv as a table: the linked one or the "before" module. */
struct bench_rdv {
	const char *name; /* "rdv" (1.1, linked) or "before" */
	struct rdv *(*create)(unsigned max_threads);
	void (*destroy)(struct rdv *d);
	struct rdv_thread *(*thread_register)(struct rdv *d);
	void (*thread_unregister)(struct rdv_thread *t);
	void (*harmless_now)(struct rdv_thread *t);
	void (*harmless_end)(struct rdv_thread *t);
	void (*isolate)(struct rdv_thread *t);
	void (*release)(struct rdv_thread *t);
	void (*get_stats)(const struct rdv *d, struct rdv_stats *st);
};

static inline void bench_rdv_linked(struct bench_rdv *r)
{
	r->name = "rdv";
	r->create = rdv_create;
	r->destroy = rdv_destroy;
	r->thread_register = rdv_thread_register;
	r->thread_unregister = rdv_thread_unregister;
	r->harmless_now = rdv_harmless_now;
	r->harmless_end = rdv_harmless_end;
	r->isolate = rdv_isolate;
	r->release = rdv_release;
	r->get_stats = rdv_get_stats;
}

/* The path the build gave, or NULL when it built no "before" module. */
static inline const char *bench_before_default(void)
{
#ifdef RDV_BENCH_BEFORE_LIB
	return RDV_BENCH_BEFORE_LIB;
#else
	return NULL;
#endif
}

static inline const char *bench_before_commit(void)
{
#ifdef RDV_BENCH_BEFORE_COMMIT
	return RDV_BENCH_BEFORE_COMMIT;
#else
	return "none";
#endif
}

#define BENCH_BEFORE_SYM(r, lib, field, sym)                                                       \
	do {                                                                                       \
		*(void **)&(r)->field = dlsym(lib, sym);                                           \
		if (!(r)->field) {                                                                 \
			snprintf(err, errlen, "no symbol %s", sym);                                \
			return false;                                                              \
		}                                                                                  \
	} while (0)

/* Loads the "before" module at path; false with a reason in err. */
static inline bool bench_rdv_before(struct bench_rdv *r, const char *path, char *err, size_t errlen)
{
	void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);

	if (!lib) {
		snprintf(err, errlen, "%s", dlerror());
		return false;
	}
	r->name = "before";
	BENCH_BEFORE_SYM(r, lib, create, "rdv_create");
	BENCH_BEFORE_SYM(r, lib, destroy, "rdv_destroy");
	BENCH_BEFORE_SYM(r, lib, thread_register, "rdv_thread_register");
	BENCH_BEFORE_SYM(r, lib, thread_unregister, "rdv_thread_unregister");
	BENCH_BEFORE_SYM(r, lib, harmless_now, "rdv_harmless_now");
	BENCH_BEFORE_SYM(r, lib, harmless_end, "rdv_harmless_end");
	BENCH_BEFORE_SYM(r, lib, isolate, "rdv_isolate");
	BENCH_BEFORE_SYM(r, lib, release, "rdv_release");
	BENCH_BEFORE_SYM(r, lib, get_stats, "rdv_get_stats");
	/* The module stays loaded: its threads' handles live until exit. */
	return true;
}

#undef BENCH_BEFORE_SYM

#endif /* RDV_BENCH_BEFORE_H */
