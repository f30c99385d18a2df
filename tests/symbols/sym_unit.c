/* SPDX-License-Identifier: MIT */
/*
 * The map semantics of symbols.h on this very program (its own ELF file,
 * its own mapping as the loader reports it, return addresses of its own
 * calls): provisional sites completed by a late statedump, final unknowns,
 * repeated statedumps keeping site identity, an object unloaded and another
 * loaded at its place, wrong and late build ids, overlaps, argument errors,
 * and the return-address rule (a call that does not return, last in its
 * function). Built -O1 -g.
 */
#define _GNU_SOURCE
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libgen.h>
#include <link.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "symbols.h"

static int failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);            \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static char exe[4096];
static uint64_t exe_base, exe_memsz;
static uint8_t exe_id[64];
static size_t exe_id_len;

/* The main program's mapping as LTTng-UST's statedump computes it: the
 * first PT_LOAD's address, the span of the PT_LOADs. */
static int phdr_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	int first = 1;

	(void)size;
	(void)data;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD) {
			continue;
		}
		if (first) {
			exe_base = info->dlpi_addr + ph->p_vaddr;
			first = 0;
		}
		lo = ph->p_vaddr < lo ? ph->p_vaddr : lo;
		hi = ph->p_vaddr + ph->p_memsz > hi ? ph->p_vaddr + ph->p_memsz : hi;
	}
	exe_memsz = hi - lo;
	return 1; /* the first entry is the main program */
}

static void own_facts(void)
{
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int fd;
	Elf *e;
	const void *id;
	ssize_t len;

	if (n <= 0) {
		perror("readlink");
		exit(1);
	}
	exe[n] = '\0';
	dl_iterate_phdr(phdr_cb, NULL);
	elf_version(EV_CURRENT);
	fd = open(exe, O_RDONLY);
	e = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
	len = e ? dwelf_elf_gnu_build_id(e, &id) : -1;
	if (len > 0 && len <= 64) {
		memcpy(exe_id, id, (size_t)len);
		exe_id_len = (size_t)len;
	}
	elf_end(e);
	if (fd >= 0) {
		close(fd);
	}
	if (!exe_base || !exe_memsz || !exe_id_len) {
		fprintf(stderr, "sym_unit: cannot find its own mapping or build id\n");
		exit(1);
	}
}

static __attribute__((noinline)) uint64_t ret_addr(void)
{
	return (uint64_t)(uintptr_t)__builtin_return_address(0);
}

/* A return address in the calling function and its line: one macro
 * invocation, so both are on the same line. */
#define HERE(a, line)                                                                              \
	uint64_t a = ret_addr();                                                                   \
	const unsigned line = __LINE__

static void map_exe(struct sym_table *t, int64_t vpid)
{
	CHECK(sym_add_object(t, vpid, exe_base, exe_memsz, exe) == 0);
	CHECK(sym_set_build_id(t, vpid, exe_base, exe_id, exe_id_len) == 0);
}

static int is_here(const struct sym_site *s, const char *fn, unsigned line)
{
	return s->object && strcmp(s->object, exe) == 0 && s->function &&
	       strcmp(s->function, fn) == 0 && s->file &&
	       strcmp(basename((char *)s->file), "sym_unit.c") == 0 && s->line == line;
}

static int is_unknown(const struct sym_site *s)
{
	return !s->object && !s->function && !s->file && s->line == 0 && s->offset == 0;
}

static __attribute__((noinline)) void t_basic(struct sym_table *t)
{
	HERE(a, line);
	const struct sym_site *s, *s2;
	struct sym_stats st;

	sym_statedump_begin(t, 1);
	map_exe(t, 1);
	sym_statedump_end(t, 1);
	CHECK(sym_resolve(t, 1, a, &s) == 0);
	CHECK(s->address == a);
	CHECK(is_here(s, "t_basic", line));
	CHECK(s->offset == a - exe_base);
	CHECK(sym_resolve(t, 1, a, &s2) == 0 && s2 == s);
	CHECK(sym_resolve(t, 1, 0, &s2) == 0 && is_unknown(s2) && s2->address == 0);
	CHECK(sym_resolve(t, 1, UINT64_MAX, &s2) == 0 && is_unknown(s2));
	/* another process, same address: not mapped there */
	CHECK(sym_resolve(t, 2, a, &s2) == 0 && is_unknown(s2));
	sym_get_stats(t, &st);
	CHECK(st.files_opened == 1 && st.lookups == 1);
	/* the same file mapped elsewhere by a third process: opened once */
	map_exe(t, 3);
	CHECK(sym_resolve(t, 3, a, &s2) == 0 && is_here(s2, "t_basic", line));
	sym_get_stats(t, &st);
	CHECK(st.files_opened == 1 && st.lookups == 1);
}

/* Tracing started on a running program: events before the statedump. */
static __attribute__((noinline)) void t_provisional(struct sym_table *t)
{
	HERE(a, line);
	const struct sym_site *s, *s2;

	CHECK(sym_resolve(t, 5, a, &s) == 0 && is_unknown(s));
	CHECK(sym_statedump_begin(t, 5) == 0);
	map_exe(t, 5);
	CHECK(s->object && strcmp(s->object, exe) == 0); /* completed in place */
	CHECK(sym_statedump_end(t, 5) == 0);
	/* names looked up once its build id had come */
	CHECK(is_here(s, "t_provisional", line));
	CHECK(sym_resolve(t, 5, a, &s2) == 0 && s2 == s);
}

/* Unknown after a complete statedump stays unknown. */
static __attribute__((noinline)) void t_final(struct sym_table *t)
{
	HERE(a, line);
	const struct sym_site *s, *s2;

	CHECK(sym_resolve(t, 6, a, &s) == 0 && is_unknown(s));
	sym_statedump_begin(t, 6);
	sym_statedump_end(t, 6); /* a map without it */
	map_exe(t, 6);		 /* loaded later */
	CHECK(is_unknown(s));
	CHECK(sym_resolve(t, 6, a, &s2) == 0 && s2 != s && is_here(s2, "t_final", line));
}

static __attribute__((noinline)) void t_repeated(struct sym_table *t)
{
	HERE(a, line);
	const struct sym_site *s, *s2;

	sym_statedump_begin(t, 7);
	map_exe(t, 7);
	sym_statedump_end(t, 7);
	CHECK(sym_resolve(t, 7, a, &s) == 0 && is_here(s, "t_repeated", line));
	sym_statedump_begin(t, 7);
	/* not listed again yet: the previous map answers */
	CHECK(sym_resolve(t, 7, a, &s2) == 0 && s2 == s);
	map_exe(t, 7);
	CHECK(sym_resolve(t, 7, a, &s2) == 0 && s2 == s);
	sym_statedump_end(t, 7);
	CHECK(sym_resolve(t, 7, a, &s2) == 0 && s2 == s);
	/* a statedump without it: gone */
	sym_statedump_begin(t, 7);
	sym_statedump_end(t, 7);
	CHECK(sym_resolve(t, 7, a, &s2) == 0 && is_unknown(s2));
	CHECK(is_here(s, "t_repeated", line)); /* a held site never changes */
}

/* dlclose(), then another object at the same place. */
static __attribute__((noinline)) void t_reuse(struct sym_table *t)
{
	HERE(a, line);
	const struct sym_site *s, *s2;

	map_exe(t, 8);
	CHECK(sym_resolve(t, 8, a, &s) == 0 && is_here(s, "t_reuse", line));
	CHECK(sym_remove_object(t, 8, exe_base) == 0);
	CHECK(sym_remove_object(t, 8, exe_base) == -ENOENT);
	CHECK(sym_resolve(t, 8, a, &s2) == 0 && is_unknown(s2));
	CHECK(sym_add_object(t, 8, exe_base, exe_memsz, "/nonexistent/other.so") == 0);
	CHECK(sym_resolve(t, 8, a, &s2) == 0 && s2->object &&
	      strcmp(s2->object, "/nonexistent/other.so") == 0 && !s2->function && !s2->file &&
	      s2->line == 0);
	CHECK(is_here(s, "t_reuse", line));
	/* an object overlapping it replaces it (unmapped unseen) */
	CHECK(sym_add_object(t, 8, exe_base - 0x1000, 0x2000, exe) == 0);
	CHECK(sym_resolve(t, 8, exe_base + exe_memsz - 1, &s2) == 0 && is_unknown(s2));
}

static __attribute__((noinline)) void t_build_ids(struct sym_table *t)
{
	HERE(a, line);
	const struct sym_site *s, *s2;
	uint8_t wrong[20];

	/* a build id that is not the file's: the file is not the traced
	 * object, nothing is taken from it */
	memset(wrong, 0x5a, sizeof(wrong));
	CHECK(sym_add_object(t, 9, exe_base, exe_memsz, exe) == 0);
	CHECK(sym_set_build_id(t, 9, exe_base, wrong, sizeof(wrong)) == 0);
	CHECK(sym_resolve(t, 9, a, &s) == 0 && s->object && !s->function && !s->file &&
	      s->line == 0 && s->offset == a - exe_base);
	/* no build id: the file is taken when its segments span memsz */
	CHECK(sym_add_object(t, 10, exe_base, exe_memsz, exe) == 0);
	CHECK(sym_resolve(t, 10, a, &s) == 0 && is_here(s, "t_build_ids", line));
	CHECK(sym_add_object(t, 11, exe_base, exe_memsz + 0x1000, exe) == 0);
	CHECK(sym_resolve(t, 11, a, &s2) == 0 && s2->object && !s2->function);
	/* a build id arriving after a resolve: a new answer, the held one
	 * unchanged */
	CHECK(sym_set_build_id(t, 10, exe_base, wrong, sizeof(wrong)) == 0);
	CHECK(sym_resolve(t, 10, a, &s2) == 0 && s2 != s && s2->object && !s2->function);
	CHECK(is_here(s, "t_build_ids", line));
}

static void t_errors(struct sym_table *t)
{
	const struct sym_site *s;
	uint8_t id[65] = {1};

	CHECK(sym_add_object(t, 12, 0x1000, 0x1000, NULL) == -EINVAL);
	CHECK(sym_add_object(t, 12, 0x1000, 0x1000, "") == -EINVAL);
	CHECK(sym_add_object(t, 12, UINT64_MAX - 10, 0x1000, "/x") == -EINVAL);
	CHECK(sym_add_object(t, 12, 0x1000, 0, "[vdso]") == 0); /* covers nothing */
	CHECK(sym_set_build_id(t, 12, 0x1000, id, 4) == -ENOENT);
	CHECK(sym_add_object(t, 12, 0x1000, 0x1000, "/x") == 0);
	CHECK(sym_set_build_id(t, 12, 0x1000, id, 0) == -EINVAL);
	CHECK(sym_set_build_id(t, 12, 0x1000, id, 65) == -EINVAL);
	CHECK(sym_set_build_id(t, 12, 0x1000, NULL, 4) == -EINVAL);
	CHECK(sym_set_build_id(t, 12, 0x1000, id, 64) == 0);
	CHECK(sym_set_debug_link(t, 12, 0x1000, "../x.debug", 0) == -EINVAL);
	CHECK(sym_set_debug_link(t, 12, 0x1000, "", 0) == -EINVAL);
	CHECK(sym_set_debug_link(t, 12, 0x2000, "x.debug", 0) == -ENOENT);
	CHECK(sym_set_debug_link(t, 12, 0x1000, "x.debug", 0) == 0);
	CHECK(sym_remove_object(t, 12, 0x1001) == -ENOENT);
	CHECK(sym_resolve(t, 12, 0x1800, &s) == 0 && s->object && strcmp(s->object, "/x") == 0 &&
	      s->offset == 0x800 && !s->function);
	CHECK(sym_resolve(NULL, 12, 0x1800, &s) == -EINVAL);
	CHECK(sym_resolve(t, 12, 0x1800, NULL) == -EINVAL);
	sym_table_destroy(NULL);
}

/* The return-address rule: a call that never returns, last in its
 * function, has its return address at the function's end (often the next
 * function's first byte); it must still name the calling function. */
static jmp_buf out;
static uint64_t noreturn_addr;

static __attribute__((noinline, noreturn)) void leave(void)
{
	noreturn_addr = (uint64_t)(uintptr_t)__builtin_return_address(0);
	longjmp(out, 1);
}

static __attribute__((noinline)) void calls_leave_last(int x)
{
	if (x) {
		leave();
	}
}

static __attribute__((noinline)) void t_return_address(struct sym_table *t)
{
	const struct sym_site *s;

	map_exe(t, 13);
	if (setjmp(out) == 0) {
		calls_leave_last(1);
	}
	CHECK(noreturn_addr != 0);
	CHECK(sym_resolve(t, 13, noreturn_addr, &s) == 0 && s->function &&
	      strcmp(s->function, "calls_leave_last") == 0 && s->address == noreturn_addr);
	if (s->function && strcmp(s->function, "calls_leave_last") != 0) {
		fprintf(stderr, "  0x%llx named %s\n", (unsigned long long)noreturn_addr,
			s->function);
	}
}

int main(void)
{
	struct sym_table *t;

	own_facts();
	t = sym_table_create(NULL);
	if (!t) {
		perror("sym_table_create");
		return 1;
	}
	t_basic(t);
	t_provisional(t);
	t_final(t);
	t_repeated(t);
	t_reuse(t);
	t_build_ids(t);
	t_errors(t);
	t_return_address(t);
	sym_table_destroy(t);
	if (failures) {
		fprintf(stderr, "sym_unit: %d failures\n", failures);
		return 1;
	}
	printf("sym_unit: ok\n");
	return 0;
}
