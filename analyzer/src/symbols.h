/* SPDX-License-Identifier: MIT */
/*
 * Symbolization: code addresses of traced processes -> object, function,
 * source file and line (DESIGN.md §4 SITE), with elfutils' libdwfl.
 *
 * No Babeltrace2 types: the adapter feeds what the LTTng-UST statedump and
 * dynamic-loader events say is mapped where in each process (vpid), then
 * asks for sites. Nothing is guessed: a field that cannot be known from the
 * objects and their debug information stays NULL (line 0).
 *
 * Feeding, in trace order, per vpid (event -> call):
 *
 *   lttng_ust_statedump:start                  sym_statedump_begin(vpid)
 *   lttng_ust_statedump:bin_info               sym_add_object(vpid, baddr, memsz, path)
 *   lttng_ust_lib:load, lttng_ust_dl:dlopen,
 *   lttng_ust_dl:dlmopen                       sym_add_object(vpid, baddr, memsz, path)
 *   *:build_id  (the three providers)          sym_set_build_id(vpid, baddr, build_id)
 *   *:debug_link                               sym_set_debug_link(vpid, baddr, filename, crc)
 *   lttng_ust_lib:unload                       sym_remove_object(vpid, baddr)
 *   lttng_ust_dl:dlclose                       (see sym_remove_object())
 *   lttng_ust_statedump:end                    sym_statedump_end(vpid)
 *
 * then, for each address (a `caller` field):
 *
 *   const struct sym_site *s;
 *   if (sym_resolve(t, vpid, caller, &s) == 0)
 *           ... s->function, s->file, s->line ...
 *
 * Resolve when the event is read (in trace order, after the map events
 * before it): the answer is then what was mapped at that moment, even when
 * an object is unloaded and another loaded at the same place later. A hit
 * costs one hash lookup.
 *
 * Return addresses. sym_resolve() takes a return address (what `caller`
 * holds: the instruction after a call), and looks up ADDR - 1, so that the
 * function and line are those of the call itself — the return address may
 * already belong to the next line or, after a call that does not return, to
 * the next function. The site reports ADDR exactly.
 *
 * Where debug information is found, in this order (what gdb and
 * babeltrace2's flt.lttng-utils.debug-info do):
 *   1. the object itself at TARGET_PREFIX + path (built with -g); a path
 *      that is not absolute ("[vdso]") names no file;
 *   2. DEBUG_DIR/.build-id/xx/yyyy.debug by the object's build id;
 *   3. its .gnu_debuglink file in the object's directory, its .debug/
 *      subdirectory, or DEBUG_DIR + the object's directory.
 * When the trace gives a build id, a file on disk whose build id differs is
 * not the traced object and is not used (a rebuilt binary must not lend its
 * names); a debug file with that build id is used instead when one exists
 * (it has the symbol table and DWARF, and the same program headers). When
 * the trace gives no build id, the file at the path is used if its loadable
 * segments span exactly the recorded memsz. Without DWARF, the function
 * comes from .symtab or .dynsym only when a sized function symbol contains
 * the address (file and line stay unknown). debuginfod servers are asked
 * only if the environment sets DEBUGINFOD_URLS (libdwfl's rule).
 *
 * Each object file is opened once per (path, build id), whatever the
 * number of processes that mapped it, and each (file, address) is looked up
 * in DWARF once.
 *
 * Threads: a table is used by one thread at a time.
 */
#ifndef RDV_SYMBOLS_H
#define RDV_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sym_table;

/* Where to look; every field may be NULL. The strings are copied. */
struct sym_options {
	/* Root of the traced machine's file system, prepended to every path
	 * the trace names (a sysroot); NULL or "" for this machine. */
	const char *target_prefix;
	/* Separate debug information (babeltrace2's debug-info-dir); NULL:
	 * TARGET_PREFIX/usr/lib/debug. */
	const char *debug_dir;
};

/*
 * A resolved address. Owned by the table, constant and valid until
 * sym_table_destroy(), with one exception: a site resolved while no known
 * object covered its address, before its vpid's next statedump ended (an
 * event emitted while the statedump was still being written, as when
 * tracing starts on a running program), is completed in place when an
 * object covering the address is added before that end: `object` and
 * `offset` at once, `function`, `file` and `line` at the next call that is
 * not that object's sym_set_build_id() or sym_set_debug_link() (so that
 * they are checked against its build id); after that it never changes
 * again. Within a vpid, the same address gives the same site pointer while
 * the object that covers it stays the same.
 */
struct sym_site {
	uint64_t address;     /* as given to sym_resolve() */
	const char *object;   /* the object's path as the trace names it, or NULL */
	uint64_t offset;      /* address - the object's base (`object+0x…`); 0 if no object */
	const char *function; /* innermost function (inlined ones included), or NULL */
	const char *file;     /* source file of the calling line, or NULL */
	unsigned line;	      /* its line, 0 when unknown */
	/* When the address lies in inlined code: the function it was compiled
	 * into and the source place, in that function, of the outermost
	 * inlined call (what a backtrace shows as the caller of the inline
	 * frames); NULL / 0 otherwise or when unknown. */
	const char *outer_function;
	const char *outer_file;
	unsigned outer_line;
	/* Provisional (above): its names may still come; false once final.
	 * Outputs written as the trace goes hold back what names it. */
	bool pending;
};

/* Counters, for tests and benchmarks. */
struct sym_stats {
	uint64_t resolves;	/* sym_resolve() calls */
	uint64_t cache_hits;	/* answered from the (vpid, address) cache */
	uint64_t lookups;	/* (file, address) looked up in libdwfl */
	uint64_t files_opened;	/* object files opened and accepted */
	uint64_t files_refused; /* missing, not ELF, or not the traced object */
	uint64_t objects;	/* objects ever added */
};

/* Returns NULL with errno ENOMEM. OPT may be NULL. */
struct sym_table *sym_table_create(const struct sym_options *opt);
/* Frees the table, every site and every file it opened. NULL is ignored. */
void sym_table_destroy(struct sym_table *t);

/*
 * A statedump of VPID begins: the objects it lists next replace that vpid's
 * map. Objects listed again unchanged (same base, size, path, build id)
 * keep their identity, so sites stay the same pointers; objects not listed
 * again by sym_statedump_end() are forgotten. A repeated statedump is fine.
 */
int sym_statedump_begin(struct sym_table *t, int64_t vpid);
/* The statedump of VPID is complete: see struct sym_site. */
int sym_statedump_end(struct sym_table *t, int64_t vpid);

/*
 * VPID has PATH mapped at [BASE, BASE + MEMSZ): BASE is the address of its
 * first loadable segment (the events' `baddr`), MEMSZ the span of its
 * loadable segments. Adding an object identical to a mapped one at the same
 * base is a no-op (lttng_ust_dl:dlopen and lttng_ust_lib:load both report a
 * dlopen()); an object overlapping others replaces them (they were unmapped
 * unseen). MEMSZ 0 (the vDSO: the statedump gives no size for it) is
 * accepted and covers nothing. Returns 0, -EINVAL (NULL or empty PATH,
 * BASE + MEMSZ overflows) or -ENOMEM.
 */
int sym_add_object(struct sym_table *t, int64_t vpid, uint64_t base, uint64_t memsz,
		   const char *path);
/*
 * The build id (LEN bytes, 1..64) of the object of VPID at BASE; it follows
 * the object's add event. Returns 0, -ENOENT (no object of VPID at BASE:
 * the add event was lost), -EINVAL or -ENOMEM.
 */
int sym_set_build_id(struct sym_table *t, int64_t vpid, uint64_t base, const uint8_t *id,
		     size_t len);
/* The .gnu_debuglink of the object of VPID at BASE: FILENAME (a base name)
 * and the CRC-32 of that file. Returns as sym_set_build_id(). */
int sym_set_debug_link(struct sym_table *t, int64_t vpid, uint64_t base, const char *filename,
		       uint32_t crc);
/*
 * The object of VPID at BASE is unmapped. Feed lttng_ust_lib:unload, which
 * LTTng-UST emits when the object really leaves the address space; prefer
 * it to lttng_ust_dl:dlclose, which is emitted for every dlclose() call,
 * even one that leaves the object mapped (another handle still holds it).
 * Returns 0 or -ENOENT.
 */
int sym_remove_object(struct sym_table *t, int64_t vpid, uint64_t base);

/*
 * Resolves return address ADDR of process VPID (see "Return addresses"
 * above). Always sets *OUT to a site on success, a site with only
 * `address` when ADDR is 0 or in no known object. Returns 0, -EINVAL (a
 * NULL argument) or -ENOMEM.
 */
int sym_resolve(struct sym_table *t, int64_t vpid, uint64_t addr, const struct sym_site **out);

void sym_get_stats(const struct sym_table *t, struct sym_stats *st);

#endif /* RDV_SYMBOLS_H */
