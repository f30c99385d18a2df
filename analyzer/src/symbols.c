/* SPDX-License-Identifier: MIT */
/*
 * Symbolization with elfutils' libdwfl (symbols.h).
 *
 * Three levels, each a cache of the next:
 *   sites:   (vpid, address) -> struct sym_site, valid while the vpid's map
 *            generation is unchanged (and kept, re-validated, after);
 *   lookups: (file, address in the file) -> function, file, line, shared by
 *            every process that maps the file;
 *   files:   (path on disk, what it must match) -> one Dwfl holding that
 *            file alone, at its link-time addresses, opened once.
 * A process map (struct proc) is a sorted array of the objects it has
 * mapped; an object binds to a file on its first lookup.
 *
 * Nothing is freed before sym_table_destroy(): sites point into objects
 * (their paths) and into libdw's data (names), and callers keep sites.
 */
#define _GNU_SOURCE
#include "symbols.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define SYM_BUILD_ID_MAX 64

/* ---- a hash map from two u64 keys to a pointer (no removal) ---- */

struct hmap_slot {
	uint64_t a, b;
	void *value; /* NULL: empty */
};

struct hmap {
	struct hmap_slot *slots;
	size_t cap; /* a power of two, or 0 */
	size_t used;
};

static inline uint64_t mix64(uint64_t x)
{
	/* splitmix64's finalizer: every input bit moves every output bit */
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

static inline size_t hmap_index(const struct hmap *h, uint64_t a, uint64_t b)
{
	return (size_t)mix64(a * UINT64_C(0x9e3779b97f4a7c15) ^ mix64(b)) & (h->cap - 1);
}

static inline void *hmap_get(const struct hmap *h, uint64_t a, uint64_t b)
{
	if (h->cap == 0) {
		return NULL;
	}
	for (size_t i = hmap_index(h, a, b);; i = (i + 1) & (h->cap - 1)) {
		const struct hmap_slot *s = &h->slots[i];

		if (!s->value) {
			return NULL;
		}
		if (s->a == a && s->b == b) {
			return s->value;
		}
	}
}

static int hmap_grow(struct hmap *h)
{
	size_t cap = h->cap ? h->cap * 2 : 64;
	struct hmap_slot *slots = calloc(cap, sizeof(*slots));
	struct hmap old = *h;

	if (!slots) {
		return -ENOMEM;
	}
	h->slots = slots;
	h->cap = cap;
	for (size_t i = 0; i < old.cap; i++) {
		const struct hmap_slot *s = &old.slots[i];

		if (s->value) {
			size_t j = hmap_index(h, s->a, s->b);

			while (slots[j].value) {
				j = (j + 1) & (cap - 1);
			}
			slots[j] = *s;
		}
	}
	free(old.slots);
	return 0;
}

/* Inserts or replaces. VALUE must not be NULL. */
static int hmap_put(struct hmap *h, uint64_t a, uint64_t b, void *value)
{
	size_t i;

	if ((h->used + 1) * 2 > h->cap && hmap_grow(h) < 0) {
		return -ENOMEM;
	}
	for (i = hmap_index(h, a, b); h->slots[i].value; i = (i + 1) & (h->cap - 1)) {
		if (h->slots[i].a == a && h->slots[i].b == b) {
			h->slots[i].value = value;
			return 0;
		}
	}
	h->slots[i] = (struct hmap_slot){a, b, value};
	h->used++;
	return 0;
}

/* ---- the model ---- */

/* What a candidate file must match to be taken for the traced object. */
enum file_check {
	CHECK_BUILD_ID, /* its build id is the trace's */
	CHECK_MEMSZ,	/* no build id known: its loadable segments span memsz */
	CHECK_CRC,	/* no build id known: a debug link's CRC-32 */
};

/* One file on disk, opened (or refused) once. */
struct sym_file {
	struct sym_file *next; /* the chain of its key hash in sym_table.files */
	char *path;
	enum file_check check;
	uint8_t build_id[SYM_BUILD_ID_MAX];
	size_t build_id_len;
	uint64_t value; /* memsz or crc for CHECK_MEMSZ / CHECK_CRC */
	bool ok;
	Dwfl *dwfl;	  /* owned; NULL when refused */
	Dwfl_Module *mod; /* weak, in dwfl */
	/* address in the Dwfl = address - the object's base + to_dwfl */
	uint64_t to_dwfl;
};

/* What an object mapped in some process says about one address. */
struct sym_info {
	const char *function; /* weak, libdw's */
	const char *file;     /* weak, libdw's */
	unsigned line;
	const char *outer_function; /* weak, libdw's (struct sym_site) */
	const char *outer_file;
	unsigned outer_line;
};

/* An object mapped by one process. */
struct sym_object {
	struct sym_object *next_all; /* every object, for destruction */
	uint64_t base, memsz;
	char *path; /* as the trace names it; sites point at it */
	uint8_t build_id[SYM_BUILD_ID_MAX];
	size_t build_id_len;
	char *debug_link;
	uint32_t crc;
	bool bound;	       /* file looked for */
	struct sym_file *file; /* weak; NULL when no usable file */
};

struct site {
	struct sym_site pub;
	struct sym_object *obj; /* weak: the object that answered, or NULL */
	struct proc *proc;	/* weak */
	uint64_t gen;		/* proc->gen when last checked */
};

struct objvec {
	struct sym_object **v; /* sorted by base, ranges disjoint */
	size_t n, cap;
};

struct proc {
	struct proc *next_all;
	int64_t vpid;
	uint64_t gen; /* changes with every change of the map */
	struct objvec live;
	/* While a statedump is under way: the map before it, asked for
	 * addresses the new one does not cover yet. */
	struct objvec pending;
	bool in_statedump;
	/* Sites resolved to no object since the last statedump end. */
	struct site **provisional;
	size_t nprov, capprov;
};

#define SITE_CHUNK 256
struct site_chunk {
	struct site_chunk *next;
	size_t used;
	struct site sites[SITE_CHUNK];
};

struct sym_table {
	char *prefix;	     /* "" when none */
	char *debug_dir;     /* never NULL */
	char *dwfl_path;     /* libdwfl's debuginfo_path string */
	Dwfl_Callbacks dwcb; /* must outlive every Dwfl */
	struct hmap procs;   /* (vpid, 0) -> struct proc */
	struct hmap sites;   /* (vpid, address) -> struct site */
	struct hmap lookups; /* (file, address in the Dwfl) -> struct sym_info */
	struct hmap files;   /* (key hash, 0) -> chain of struct sym_file */
	struct proc *procs_all;
	struct sym_object *objects_all;
	struct site_chunk *chunks;
	struct sym_info **infos; /* owned, for destruction */
	size_t ninfos, capinfos;
	/* Provisional sites given an object, looked up at the next call that
	 * is not the object's own build id or debug link (which follow it). */
	struct site **completions;
	size_t ncompl, capcompl;
	struct sym_stats stats;
};

/* ---- small helpers ---- */

static int grow_array(void **v, size_t *cap, size_t need, size_t elem)
{
	size_t cap2;
	void *p;

	if (need <= *cap) {
		return 0;
	}
	cap2 = *cap ? *cap * 2 : 8;
	while (cap2 < need) {
		cap2 *= 2;
	}
	p = realloc(*v, cap2 * elem);
	if (!p) {
		return -ENOMEM;
	}
	*v = p;
	*cap = cap2;
	return 0;
}

static char *join3(const char *a, const char *b, const char *c)
{
	char *s;

	if (asprintf(&s, "%s%s%s", a, b, c) < 0) {
		return NULL;
	}
	return s;
}

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	/* FNV-1a */
	for (size_t i = 0; i < n; i++) {
		h = (h ^ c[i]) * UINT64_C(0x100000001b3);
	}
	return h;
}

/* Position of the first object whose base is > ADDR. */
static size_t objvec_upper(const struct objvec *ov, uint64_t addr)
{
	size_t lo = 0, hi = ov->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ov->v[mid]->base <= addr) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo;
}

static struct sym_object *objvec_find(const struct objvec *ov, uint64_t addr)
{
	size_t i = objvec_upper(ov, addr);
	struct sym_object *o;

	if (i == 0) {
		return NULL;
	}
	o = ov->v[i - 1];
	return addr - o->base < o->memsz ? o : NULL;
}

static struct sym_object *objvec_at(const struct objvec *ov, uint64_t base, size_t *pos)
{
	size_t i = objvec_upper(ov, base);

	if (i == 0 || ov->v[i - 1]->base != base) {
		return NULL;
	}
	if (pos) {
		*pos = i - 1;
	}
	return ov->v[i - 1];
}

static void objvec_remove(struct objvec *ov, size_t i)
{
	memmove(&ov->v[i], &ov->v[i + 1], (ov->n - i - 1) * sizeof(ov->v[0]));
	ov->n--;
}

/* ---- files ---- */

static int crc_of_fd(int fd, uint32_t *out)
{
	unsigned char buf[65536];
	uLong crc = crc32(0L, Z_NULL, 0);
	off_t off = 0;

	for (;;) {
		ssize_t n = pread(fd, buf, sizeof(buf), off);

		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -errno;
		}
		if (n == 0) {
			break;
		}
		crc = crc32(crc, buf, (uInt)n);
		off += n;
	}
	*out = (uint32_t)crc;
	return 0;
}

/* Never asked: every module is reported with its file. */
static int find_no_elf(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
		       char **file_name, Elf **elfp)
{
	(void)mod;
	(void)userdata;
	(void)modname;
	(void)base;
	(void)file_name;
	*elfp = NULL;
	return -1;
}

/*
 * Opens PATH as a Dwfl of its own and checks it is the traced object (or
 * its debug file) by F's check. Fills F; F->ok says the outcome.
 */
static void file_open(struct sym_table *t, struct sym_file *f)
{
	struct stat st;
	Dwfl_Module *mod;
	Dwarf_Addr bias;
	Elf *elf;
	size_t phnum;
	uint64_t lo = UINT64_MAX, hi = 0, first = 0;
	bool have_load = false;
	/* O_NONBLOCK: a FIFO named by a bogus trace must not hang us */
	int fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		return;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return;
	}
	if (f->check == CHECK_CRC) {
		uint32_t crc;

		if (crc_of_fd(fd, &crc) < 0 || crc != (uint32_t)f->value) {
			close(fd);
			return;
		}
	}
	/* libdwfl opens the file itself (fd -1): who owns which descriptor
	 * is then never in doubt, on success or failure. */
	close(fd);
	f->dwfl = dwfl_begin(&t->dwcb);
	if (!f->dwfl) {
		return;
	}
	dwfl_report_begin(f->dwfl);
	/* At base 0: link-time addresses, whatever process maps it where. */
	mod = dwfl_report_elf(f->dwfl, f->path, f->path, -1, 0, false);
	if (!mod || dwfl_report_end(f->dwfl, NULL, NULL) != 0) {
		goto refuse;
	}
	if (f->check == CHECK_BUILD_ID) {
		const unsigned char *bits;
		GElf_Addr vaddr;
		int n = dwfl_module_build_id(mod, &bits, &vaddr);

		if (n <= 0 || (size_t)n != f->build_id_len ||
		    memcmp(bits, f->build_id, f->build_id_len) != 0) {
			goto refuse;
		}
	}
	elf = dwfl_module_getelf(mod, &bias);
	if (!elf || elf_getphdrnum(elf, &phnum) != 0) {
		goto refuse;
	}
	/* The trace's base is the first PT_LOAD's address and its memsz the
	 * span of all of them (LTTng-UST's rule). */
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD) {
			continue;
		}
		if (!have_load) {
			first = ph.p_vaddr;
			have_load = true;
		}
		if (ph.p_vaddr < lo) {
			lo = ph.p_vaddr;
		}
		if (ph.p_vaddr + ph.p_memsz > hi) {
			hi = ph.p_vaddr + ph.p_memsz;
		}
	}
	if (!have_load || hi < lo) {
		goto refuse;
	}
	if (f->check == CHECK_MEMSZ && hi - lo != f->value) {
		goto refuse;
	}
	f->mod = mod;
	f->to_dwfl = first + bias;
	f->ok = true;
	t->stats.files_opened++;
	return;
refuse:
	dwfl_end(f->dwfl);
	f->dwfl = NULL;
	f->mod = NULL;
}

/* The file at PATH checked as CHECK says against OBJ, opened once. */
static struct sym_file *file_get(struct sym_table *t, const char *path, enum file_check check,
				 const struct sym_object *obj)
{
	uint64_t value = check == CHECK_MEMSZ ? obj->memsz : check == CHECK_CRC ? obj->crc : 0;
	size_t idlen = check == CHECK_BUILD_ID ? obj->build_id_len : 0;
	uint64_t h = hash_bytes(UINT64_C(0xcbf29ce484222325), path, strlen(path) + 1);
	struct sym_file *head, *f;

	h = hash_bytes(h, &check, sizeof(check));
	h = hash_bytes(h, obj->build_id, idlen);
	h = hash_bytes(h, &value, sizeof(value));
	head = hmap_get(&t->files, h, 0);
	for (f = head; f; f = f->next) {
		if (f->check == check && f->value == value && f->build_id_len == idlen &&
		    memcmp(f->build_id, obj->build_id, idlen) == 0 && strcmp(f->path, path) == 0) {
			return f;
		}
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		return NULL;
	}
	f->path = strdup(path);
	if (!f->path) {
		free(f);
		return NULL;
	}
	f->check = check;
	f->value = value;
	f->build_id_len = idlen;
	memcpy(f->build_id, obj->build_id, idlen);
	/* Every file is in exactly one chain: destruction walks them. */
	f->next = head;
	if (hmap_put(&t->files, h, 0, f) < 0) {
		free(f->path);
		free(f);
		return NULL;
	}
	file_open(t, f);
	if (!f->ok) {
		t->stats.files_refused++;
	}
	return f;
}

static struct sym_file *try_file(struct sym_table *t, char *path, enum file_check check,
				 const struct sym_object *obj)
{
	struct sym_file *f = NULL;

	if (path) {
		f = file_get(t, path, check, obj);
		free(path);
	}
	return f && f->ok ? f : NULL;
}

/* Finds the file to answer for OBJ, in the order symbols.h gives. */
static void object_bind(struct sym_table *t, struct sym_object *obj)
{
	bool have_id = obj->build_id_len > 0;
	struct sym_file *f = NULL;
	char *dir = NULL, *slash;

	obj->bound = true;
	/* "[vdso]", "[linux-vdso.so.1]": no file; LTTng-UST names every
	 * file by its absolute path, so a relative one (a bogus trace) must
	 * not open files of our working directory */
	if (obj->path[0] != '/') {
		return;
	}
	/* 1. The object itself; libdwfl then finds its DWARF in it, by
	 * build id or by its own debug link (the dwfl_path). */
	f = try_file(t, join3(t->prefix, obj->path, ""), have_id ? CHECK_BUILD_ID : CHECK_MEMSZ,
		     obj);
	/* 2. The object is not here (or not this build): its debug file by
	 * build id. */
	if (!f && have_id) {
		char hex[2 * SYM_BUILD_ID_MAX + 1];

		for (size_t i = 0; i < obj->build_id_len; i++) {
			snprintf(&hex[2 * i], 3, "%02x", obj->build_id[i]);
		}
		if (obj->build_id_len >= 2) {
			char *p;

			if (asprintf(&p, "%s/.build-id/%.2s/%s.debug", t->debug_dir, hex,
				     hex + 2) >= 0) {
				f = try_file(t, p, CHECK_BUILD_ID, obj);
			}
		}
	}
	/* 3. Its debug link, where gdb looks. */
	if (!f && obj->debug_link) {
		enum file_check c = have_id ? CHECK_BUILD_ID : CHECK_CRC;
		char *pdir;

		dir = strdup(obj->path);
		if (!dir) {
			return;
		}
		slash = strrchr(dir, '/');
		if (slash) {
			*slash = '\0';
		} else {
			dir[0] = '\0';
		}
		pdir = join3(t->prefix, dir, "/");
		if (pdir) {
			f = try_file(t, join3(pdir, "", obj->debug_link), c, obj);
			if (!f) {
				f = try_file(t, join3(pdir, ".debug/", obj->debug_link), c, obj);
			}
			free(pdir);
		}
		if (!f) {
			pdir = join3(t->debug_dir, dir, "/");
			if (pdir) {
				f = try_file(t, join3(pdir, "", obj->debug_link), c, obj);
				free(pdir);
			}
		}
		free(dir);
	}
	obj->file = f;
}

/* ---- lookups ---- */

/* The first child of parent (descending through lexical blocks, and for
 * a CU through namespaces and classes) with one of the two tags whose
 * ranges hold pc; false when none. */
static bool child_at(Dwarf_Die *parent, Dwarf_Addr pc, int want, int through, int depth,
		     Dwarf_Die *out)
{
	Dwarf_Die c;

	if (depth > 16 || dwarf_child(parent, &c) != 0) {
		return false;
	}
	do {
		int tag = dwarf_tag(&c);

		if (tag == want && dwarf_haspc(&c, pc) == 1) {
			*out = c;
			return true;
		}
		if ((tag == through || tag == DW_TAG_lexical_block) &&
		    (tag != DW_TAG_lexical_block || dwarf_haspc(&c, pc) == 1) &&
		    child_at(&c, pc, want, through, depth + 1, out)) {
			return true;
		}
	} while (dwarf_siblingof(&c, &c) == 0);
	return false;
}

/* The innermost function at pc (an inlined function's own name, as gdb's
 * frame 0) into info->function; when pc lies in inlined code, the function
 * it was compiled into (the concrete DW_TAG_subprogram holding pc: the
 * scopes of dwarf_getscopes() go through the inlined function's abstract
 * definition instead) and the place of the outermost inlined call in it
 * (its DW_AT_call_file / DW_AT_call_line) into info->outer_*. */
static void scope_function(Dwarf_Die *cu, Dwarf_Addr pc, struct sym_info *info)
{
	Dwarf_Die *scopes = NULL, sub, call;
	int n = dwarf_getscopes(cu, pc, &scopes);
	Dwarf_Attribute attr;
	bool inlined = false;

	for (int i = 0; i < n && !info->function; i++) {
		int tag = dwarf_tag(&scopes[i]);

		if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine) {
			info->function =
			    dwarf_formstring(dwarf_attr_integrate(&scopes[i], DW_AT_name, &attr));
			inlined = tag == DW_TAG_inlined_subroutine;
		}
	}
	free(scopes);
	if (!inlined || !child_at(cu, pc, DW_TAG_subprogram, DW_TAG_namespace, 0, &sub)) {
		return;
	}
	info->outer_function = dwarf_formstring(dwarf_attr_integrate(&sub, DW_AT_name, &attr));
	if (info->outer_function && child_at(&sub, pc, DW_TAG_inlined_subroutine, 0, 0, &call)) {
		Dwarf_Word file = 0, line = 0;
		Dwarf_Files *files;
		size_t nfiles;

		if (dwarf_formudata(dwarf_attr(&call, DW_AT_call_file, &attr), &file) == 0 &&
		    dwarf_formudata(dwarf_attr(&call, DW_AT_call_line, &attr), &line) == 0 &&
		    line > 0 && dwarf_getsrcfiles(cu, &files, &nfiles) == 0 && file < nfiles) {
			info->outer_file = dwarf_filesrc(files, file, NULL, NULL);
			info->outer_line = info->outer_file ? (unsigned)line : 0;
		}
	}
}

static void lookup_dwfl(struct sym_file *f, Dwarf_Addr a, struct sym_info *info)
{
	Dwarf_Addr bias;
	Dwarf_Die *cu = dwfl_module_addrdie(f->mod, a, &bias);
	Dwfl_Line *line;

	if (cu) {
		scope_function(cu, a - bias, info);
		line = dwfl_module_getsrc(f->mod, a);
		if (line) {
			int lineno = 0;
			const char *src = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL);

			if (src && lineno > 0) {
				info->file = src;
				info->line = (unsigned)lineno;
			}
		}
	}
	if (!info->function) {
		/* The symbol table: only a sized function symbol containing
		 * the address names it (a nearest preceding symbol would name
		 * a neighbour of a stripped static function). */
		GElf_Off off = 0;
		GElf_Sym sym;
		GElf_Word shndx;
		Elf *elf;
		Dwarf_Addr sbias;
		const char *name =
		    dwfl_module_addrinfo(f->mod, a, &off, &sym, &shndx, &elf, &sbias);

		if (name && name[0] &&
		    (GELF_ST_TYPE(sym.st_info) == STT_FUNC ||
		     GELF_ST_TYPE(sym.st_info) == STT_GNU_IFUNC) &&
		    off < sym.st_size) {
			info->function = name;
		}
	}
}

static struct sym_info *lookup(struct sym_table *t, struct sym_file *f, uint64_t a)
{
	struct sym_info *info = hmap_get(&t->lookups, (uint64_t)(uintptr_t)f, a);

	if (info) {
		return info;
	}
	if (grow_array((void **)&t->infos, &t->capinfos, t->ninfos + 1, sizeof(t->infos[0])) < 0) {
		return NULL;
	}
	info = calloc(1, sizeof(*info));
	if (!info) {
		return NULL;
	}
	if (hmap_put(&t->lookups, (uint64_t)(uintptr_t)f, a, info) < 0) {
		free(info);
		return NULL;
	}
	t->infos[t->ninfos++] = info;
	t->stats.lookups++;
	lookup_dwfl(f, a, info);
	return info;
}

/* Fills S (address set) from OBJ, which covers its address. */
static int site_fill(struct sym_table *t, struct site *s, struct sym_object *obj)
{
	uint64_t addr = s->pub.address;

	s->obj = obj;
	s->pub.object = obj->path;
	s->pub.offset = addr - obj->base;
	if (!obj->bound) {
		object_bind(t, obj);
	}
	if (obj->file) {
		/* addr - 1: the call instruction (symbols.h) */
		struct sym_info *info =
		    lookup(t, obj->file, addr - 1 - obj->base + obj->file->to_dwfl);

		if (!info) {
			return -ENOMEM;
		}
		s->pub.function = info->function;
		s->pub.file = info->file;
		s->pub.line = info->line;
		s->pub.outer_function = info->outer_function;
		s->pub.outer_file = info->outer_file;
		s->pub.outer_line = info->outer_line;
	}
	return 0;
}

/* ---- processes ---- */

static struct proc *proc_get(struct sym_table *t, int64_t vpid)
{
	struct proc *p = hmap_get(&t->procs, (uint64_t)vpid, 0);

	if (p) {
		return p;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		return NULL;
	}
	p->vpid = vpid;
	p->gen = 1;
	if (hmap_put(&t->procs, (uint64_t)vpid, 0, p) < 0) {
		free(p);
		return NULL;
	}
	p->next_all = t->procs_all;
	t->procs_all = p;
	return p;
}

/* The object that answers for ADDR - 1 in P now, or NULL. */
static struct sym_object *proc_find(const struct proc *p, uint64_t addr)
{
	struct sym_object *o;

	if (addr == 0) {
		return NULL;
	}
	o = objvec_find(&p->live, addr - 1);
	if (!o && p->in_statedump) {
		o = objvec_find(&p->pending, addr - 1);
	}
	return o;
}

static struct site *site_new(struct sym_table *t)
{
	struct site_chunk *c = t->chunks;

	if (!c || c->used == SITE_CHUNK) {
		c = calloc(1, sizeof(*c));
		if (!c) {
			return NULL;
		}
		c->next = t->chunks;
		t->chunks = c;
	}
	return &c->sites[c->used++];
}

/* Gives OBJ to P's provisional sites it covers (symbols.h, sym_site); their
 * function and line wait for flush_completions(). */
static void proc_complete(struct sym_table *t, struct proc *p, struct sym_object *obj)
{
	size_t k = 0;

	for (size_t i = 0; i < p->nprov; i++) {
		struct site *s = p->provisional[i];

		if (s->pub.address - 1 - obj->base < obj->memsz &&
		    grow_array((void **)&t->completions, &t->capcompl, t->ncompl + 1,
			       sizeof(t->completions[0])) == 0) {
			s->obj = obj;
			s->pub.object = obj->path;
			s->pub.offset = s->pub.address - obj->base;
			t->completions[t->ncompl++] = s;
			continue;
		}
		p->provisional[k++] = s;
	}
	p->nprov = k;
}

static void flush_completions(struct sym_table *t)
{
	for (size_t i = 0; i < t->ncompl; i++) {
		struct site *s = t->completions[i];

		site_fill(t, s, s->obj); /* on ENOMEM: names stay unknown */
		s->pub.pending = false;
	}
	t->ncompl = 0;
}

static struct sym_object *object_new(struct sym_table *t, uint64_t base, uint64_t memsz,
				     const char *path)
{
	struct sym_object *o = calloc(1, sizeof(*o));

	if (!o) {
		return NULL;
	}
	o->path = strdup(path);
	if (!o->path) {
		free(o);
		return NULL;
	}
	o->base = base;
	o->memsz = memsz;
	o->next_all = t->objects_all;
	t->objects_all = o;
	t->stats.objects++;
	return o;
}

/* Puts O in P's live map, replacing the objects it overlaps. */
static int proc_insert(struct sym_table *t, struct proc *p, struct sym_object *o)
{
	size_t i;

	if (grow_array((void **)&p->live.v, &p->live.cap, p->live.n + 1, sizeof(p->live.v[0])) <
	    0) {
		return -ENOMEM;
	}
	/* the objects overlapping [base, base + memsz): they were unmapped */
	i = objvec_upper(&p->live, o->base);
	if (i > 0 && o->base - p->live.v[i - 1]->base < p->live.v[i - 1]->memsz) {
		i--;
	}
	while (i < p->live.n && p->live.v[i]->base < o->base + o->memsz) {
		objvec_remove(&p->live, i);
	}
	memmove(&p->live.v[i + 1], &p->live.v[i], (p->live.n - i) * sizeof(p->live.v[0]));
	p->live.v[i] = o;
	p->live.n++;
	p->gen++;
	proc_complete(t, p, o);
	return 0;
}

/* The live object of VPID at BASE, or NULL. */
static struct sym_object *live_at(struct sym_table *t, int64_t vpid, uint64_t base, size_t *pos,
				  struct proc **pp)
{
	struct proc *p = hmap_get(&t->procs, (uint64_t)vpid, 0);

	*pp = p;
	return p ? objvec_at(&p->live, base, pos) : NULL;
}

/* A fresh copy of the bound object O (a changed identity must not change
 * what sites already answered), put in its place. */
static struct sym_object *object_rebind(struct sym_table *t, struct proc *p, size_t pos,
					struct sym_object *o)
{
	struct sym_object *n = object_new(t, o->base, o->memsz, o->path);

	if (!n) {
		return NULL;
	}
	memcpy(n->build_id, o->build_id, o->build_id_len);
	n->build_id_len = o->build_id_len;
	if (o->debug_link) {
		n->debug_link = strdup(o->debug_link);
		if (!n->debug_link) {
			return NULL; /* n stays in objects_all, freed at the end */
		}
		n->crc = o->crc;
	}
	p->live.v[pos] = n;
	return n;
}

/* ---- the API ---- */

struct sym_table *sym_table_create(const struct sym_options *opt)
{
	struct sym_table *t = calloc(1, sizeof(*t));
	const char *prefix = opt && opt->target_prefix ? opt->target_prefix : "";

	if (!t) {
		errno = ENOMEM;
		return NULL;
	}
	t->prefix = strdup(prefix);
	if (opt && opt->debug_dir && opt->debug_dir[0]) {
		t->debug_dir = strdup(opt->debug_dir);
	} else {
		t->debug_dir = join3(prefix, "/usr/lib/debug", "");
	}
	/* libdwfl's search: the object's own directory, its .debug/, then
	 * the debug directory (by build id, then by debug link name); '+':
	 * a debug link found without build id must match its CRC. */
	if (t->debug_dir) {
		t->dwfl_path = join3("+:.debug:", t->debug_dir, "");
	}
	if (!t->prefix || !t->debug_dir || !t->dwfl_path) {
		sym_table_destroy(t);
		errno = ENOMEM;
		return NULL;
	}
	t->dwcb.find_elf = find_no_elf;
	t->dwcb.find_debuginfo = dwfl_standard_find_debuginfo;
	t->dwcb.section_address = dwfl_offline_section_address;
	t->dwcb.debuginfo_path = &t->dwfl_path;
	return t;
}

void sym_table_destroy(struct sym_table *t)
{
	if (!t) {
		return;
	}
	for (struct proc *p = t->procs_all, *n; p; p = n) {
		n = p->next_all;
		free(p->live.v);
		free(p->pending.v);
		free(p->provisional);
		free(p);
	}
	for (struct sym_object *o = t->objects_all, *n; o; o = n) {
		n = o->next_all;
		free(o->path);
		free(o->debug_link);
		free(o);
	}
	for (size_t i = 0; i < t->files.cap; i++) {
		for (struct sym_file *f = t->files.slots[i].value, *n; f; f = n) {
			n = f->next;
			if (f->dwfl) {
				dwfl_end(f->dwfl);
			}
			free(f->path);
			free(f);
		}
	}
	for (struct site_chunk *c = t->chunks, *n; c; c = n) {
		n = c->next;
		free(c);
	}
	for (size_t i = 0; i < t->ninfos; i++) {
		free(t->infos[i]);
	}
	free(t->infos);
	free(t->completions);
	free(t->procs.slots);
	free(t->sites.slots);
	free(t->lookups.slots);
	free(t->files.slots);
	free(t->prefix);
	free(t->debug_dir);
	free(t->dwfl_path);
	free(t);
}

int sym_statedump_begin(struct sym_table *t, int64_t vpid)
{
	struct proc *p;
	struct objvec tmp;

	if (!t) {
		return -EINVAL;
	}
	flush_completions(t);
	p = proc_get(t, vpid);
	if (!p) {
		return -ENOMEM;
	}
	if (p->in_statedump) {
		/* a statedump that never ended: its objects are the map now */
		p->pending.n = 0;
	}
	/* the live map becomes the pending one; the new map starts empty */
	tmp = p->pending;
	p->pending = p->live;
	p->live = tmp;
	p->live.n = 0;
	p->in_statedump = true;
	p->gen++;
	return 0;
}

int sym_statedump_end(struct sym_table *t, int64_t vpid)
{
	struct proc *p;

	if (!t) {
		return -EINVAL;
	}
	flush_completions(t);
	p = proc_get(t, vpid);
	if (!p) {
		return -ENOMEM;
	}
	p->in_statedump = false;
	p->pending.n = 0; /* not listed again: unmapped */
	for (size_t i = 0; i < p->nprov; i++) {
		p->provisional[i]->pub.pending = false;
	}
	p->nprov = 0; /* the map is complete: unknown is final */
	p->gen++;
	return 0;
}

int sym_add_object(struct sym_table *t, int64_t vpid, uint64_t base, uint64_t memsz,
		   const char *path)
{
	struct proc *p;
	struct sym_object *o;
	size_t pos;

	if (!t || !path || !path[0] || base + memsz < base) {
		return -EINVAL;
	}
	flush_completions(t);
	if (memsz == 0) {
		return 0; /* the vDSO: covers nothing */
	}
	p = proc_get(t, vpid);
	if (!p) {
		return -ENOMEM;
	}
	o = objvec_at(&p->live, base, NULL);
	if (o && o->memsz == memsz && strcmp(o->path, path) == 0) {
		return 0; /* dl:dlopen then lib:load, or listed twice */
	}
	o = p->in_statedump ? objvec_at(&p->pending, base, &pos) : NULL;
	if (o && o->memsz == memsz && strcmp(o->path, path) == 0) {
		objvec_remove(&p->pending, pos); /* unchanged since the last statedump */
	} else {
		o = object_new(t, base, memsz, path);
		if (!o) {
			return -ENOMEM;
		}
	}
	return proc_insert(t, p, o);
}

int sym_set_build_id(struct sym_table *t, int64_t vpid, uint64_t base, const uint8_t *id,
		     size_t len)
{
	struct proc *p;
	struct sym_object *o;
	size_t pos;

	if (!t || !id || len == 0 || len > SYM_BUILD_ID_MAX) {
		return -EINVAL;
	}
	o = live_at(t, vpid, base, &pos, &p);
	if (!o) {
		return -ENOENT;
	}
	if (o->build_id_len == len && memcmp(o->build_id, id, len) == 0) {
		return 0;
	}
	if (o->bound) {
		o = object_rebind(t, p, pos, o);
		if (!o) {
			return -ENOMEM;
		}
	}
	memcpy(o->build_id, id, len);
	o->build_id_len = len;
	p->gen++;
	return 0;
}

int sym_set_debug_link(struct sym_table *t, int64_t vpid, uint64_t base, const char *filename,
		       uint32_t crc)
{
	struct proc *p;
	struct sym_object *o;
	size_t pos;
	char *link;

	/* a base name: a path here would let a trace name any file */
	if (!t || !filename || !filename[0] || strchr(filename, '/')) {
		return -EINVAL;
	}
	o = live_at(t, vpid, base, &pos, &p);
	if (!o) {
		return -ENOENT;
	}
	if (o->debug_link && o->crc == crc && strcmp(o->debug_link, filename) == 0) {
		return 0;
	}
	link = strdup(filename);
	if (!link) {
		return -ENOMEM;
	}
	if (o->bound) {
		o = object_rebind(t, p, pos, o);
		if (!o) {
			free(link);
			return -ENOMEM;
		}
	}
	free(o->debug_link);
	o->debug_link = link;
	o->crc = crc;
	p->gen++;
	return 0;
}

int sym_remove_object(struct sym_table *t, int64_t vpid, uint64_t base)
{
	struct proc *p;
	size_t pos;

	if (!t) {
		return -EINVAL;
	}
	flush_completions(t);
	if (!live_at(t, vpid, base, &pos, &p)) {
		return -ENOENT;
	}
	objvec_remove(&p->live, pos);
	p->gen++;
	return 0;
}

int sym_resolve(struct sym_table *t, int64_t vpid, uint64_t addr, const struct sym_site **out)
{
	struct site *s;
	struct proc *p;
	struct sym_object *o;
	int rc;

	if (!t || !out) {
		return -EINVAL;
	}
	flush_completions(t);
	t->stats.resolves++;
	s = hmap_get(&t->sites, (uint64_t)vpid, addr);
	if (s && s->gen == s->proc->gen) {
		t->stats.cache_hits++;
		*out = &s->pub;
		return 0;
	}
	p = s ? s->proc : proc_get(t, vpid);
	if (!p) {
		return -ENOMEM;
	}
	o = proc_find(p, addr);
	if (s && s->obj == o) {
		/* the map changed elsewhere: same answer, same site */
		s->gen = p->gen;
		t->stats.cache_hits++;
		*out = &s->pub;
		return 0;
	}
	s = site_new(t);
	if (!s) {
		return -ENOMEM;
	}
	s->pub.address = addr;
	s->proc = p;
	s->gen = p->gen;
	if (o) {
		rc = site_fill(t, s, o);
		if (rc < 0) {
			return rc;
		}
	} else if (addr != 0) {
		if (grow_array((void **)&p->provisional, &p->capprov, p->nprov + 1,
			       sizeof(p->provisional[0])) < 0) {
			return -ENOMEM;
		}
		p->provisional[p->nprov++] = s;
		s->pub.pending = true;
	}
	if (hmap_put(&t->sites, (uint64_t)vpid, addr, s) < 0) {
		return -ENOMEM;
	}
	*out = &s->pub;
	return 0;
}

void sym_get_stats(const struct sym_table *t, struct sym_stats *st)
{
	if (t && st) {
		*st = t->stats;
	}
}
