/* SPDX-License-Identifier: MIT */
/*
 * Garbage in, no crash, no leak, no wrong answer: a byte string drives the
 * symbols.h calls (statedumps, objects with real ELF files, truncated ones,
 * random bytes, a FIFO, a directory, /dev/zero, absurd bases and sizes,
 * random build ids and debug links) and resolves; a naive model of the
 * process maps checks every return code and which object every site names,
 * that a site keeps its answer once it has an object, and that a cache hit
 * gives the same site. Built with ASan and UBSan.
 *
 *   sym_fuzz INPUTS SEED...   random inputs (the CTest test)
 * With -DSYM_LIBFUZZER (clang -fsanitize=fuzzer), a libFuzzer target:
 *   sym_libfuzzer [-max_total_time=S] [CORPUS]
 * SYM_FUZZ_ELF names a real ELF with DWARF (default /proc/self/exe).
 */
#define _GNU_SOURCE
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symbols.h"

#define NPATHS 24
static const char *paths[NPATHS];
static size_t npaths;
static const char *links[8];
static size_t nlinks;
static uint8_t real_id[64];
static size_t real_id_len;
static uint64_t real_span;
static char tmpdir[64];
/* what the inputs reached, printed by the random mode */
static struct {
	unsigned long resolves, with_object, with_function, with_line, files_opened;
} reach;

/* ---- input ---- */

struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t get8(struct in *in)
{
	if (in->n == 0) {
		return 0;
	}
	in->n--;
	return *in->p++;
}

static uint64_t get64(struct in *in)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++) {
		v = v << 8 | get8(in);
	}
	return v;
}

/* ---- the model: what symbols.h promises, the naive way ---- */

struct mobj {
	uint64_t base, memsz;
	const char *path;
};

struct mproc {
	struct mobj live[256], pending[256];
	size_t nlive, npending;
	bool in_statedump;
};

#define NVPIDS 4
static struct mproc model[NVPIDS];

static struct mobj *mfind(struct mobj *v, size_t n, uint64_t a)
{
	for (size_t i = 0; i < n; i++) {
		if (a >= v[i].base && a - v[i].base < v[i].memsz) {
			return &v[i];
		}
	}
	return NULL;
}

static struct mobj *mat(struct mobj *v, size_t n, uint64_t base, size_t *pos)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i].base == base) {
			*pos = i;
			return &v[i];
		}
	}
	return NULL;
}

static void mremove(struct mobj *v, size_t *n, size_t i)
{
	memmove(&v[i], &v[i + 1], (*n - i - 1) * sizeof(v[0]));
	(*n)--;
}

static const struct mobj *model_find(struct mproc *m, uint64_t addr)
{
	const struct mobj *o;

	if (addr == 0) {
		return NULL;
	}
	o = mfind(m->live, m->nlive, addr - 1);
	if (!o && m->in_statedump) {
		o = mfind(m->pending, m->npending, addr - 1);
	}
	return o;
}

/* ---- checks ---- */

static void fail(const char *what, uint64_t a, uint64_t b)
{
	fprintf(stderr, "sym_fuzz: FAIL: %s (0x%llx, 0x%llx)\n", what, (unsigned long long)a,
		(unsigned long long)b);
	abort();
}

struct held {
	const struct sym_site *s;
	struct sym_site copy;
};

static void touch(const struct sym_site *s)
{
	/* ASan: the strings must be readable */
	if (s->object && strlen(s->object) == 0) {
		fail("empty object name", s->address, 0);
	}
	if (s->function && strlen(s->function) == 0) {
		fail("empty function name", s->address, 0);
	}
	if (s->file && strlen(s->file) == 0) {
		fail("empty file name", s->address, 0);
	}
	if (!s->object && (s->function || s->file || s->line || s->offset)) {
		fail("fields without an object", s->address, 0);
	}
}

/* ---- one input ---- */

static uint64_t pick_base(struct in *in, const uint64_t *recent, size_t nrecent)
{
	static const uint64_t fixed[] = {0,
					 0x1000,
					 0x400000,
					 UINT64_C(0x7f0000000000),
					 UINT64_C(0x7f0000010000),
					 UINT64_MAX - 0xfff,
					 UINT64_MAX};
	uint8_t k = get8(in);

	if (k < 64 && nrecent) {
		return recent[k % nrecent];
	}
	if (k < 128 && nrecent) {
		return recent[k % nrecent] + (uint64_t)get8(in) * 0x100;
	}
	if (k < 200) {
		return fixed[k % (sizeof(fixed) / sizeof(fixed[0]))];
	}
	return get64(in);
}

static uint64_t pick_memsz(struct in *in)
{
	switch (get8(in) % 8) {
	case 0:
		return get8(in) < 32 ? 0 : real_span;
	case 1:
		return 1;
	case 2:
		return 0x1000;
	case 3:
	case 4:
		return real_span;
	case 5:
		return UINT64_MAX;
	case 6:
		return 0x10000;
	default:
		return get64(in);
	}
}

static int run_one(const uint8_t *data, size_t size)
{
	struct in in = {data, size};
	static const char *prefixes[] = {NULL, "", "/nonexistent", "/"};
	struct sym_options opt = {0};
	struct sym_table *t;
	uint64_t recent[16] = {0};
	size_t nrecent = 0, nadded = 0;
	struct held held[32];
	size_t nheld = 0;
	uint8_t k = get8(&in);

	opt.target_prefix = prefixes[k % 4];
	opt.debug_dir = (k & 4) ? tmpdir : NULL;
	memset(model, 0, sizeof(model));
	t = sym_table_create(&opt);
	if (!t) {
		fail("sym_table_create", 0, 0);
	}
	for (int ops = 0; in.n > 0 && ops < 256; ops++) {
		uint8_t op = get8(&in);
		int v = get8(&in) % NVPIDS;
		int64_t vpid = v - 1; /* -1 included: vpids are signed */
		struct mproc *m = &model[v];
		int rc, want;
		size_t pos;

		switch (op % 8) {
		case 0: /* statedump begin */
			if (sym_statedump_begin(t, vpid) != 0) {
				fail("statedump_begin", 0, 0);
			}
			memcpy(m->pending, m->live, sizeof(m->live));
			m->npending = m->nlive;
			m->nlive = 0;
			m->in_statedump = true;
			break;
		case 1: /* statedump end */
			if (sym_statedump_end(t, vpid) != 0) {
				fail("statedump_end", 0, 0);
			}
			m->in_statedump = false;
			m->npending = 0;
			break;
		case 2: { /* add */
			uint64_t base = pick_base(&in, recent, nrecent);
			uint64_t memsz = pick_memsz(&in);
			uint8_t pk = get8(&in);
			/* half of them real ELF files (the first three paths) */
			const char *path =
			    pk == 255 ? NULL : paths[pk < 128 ? pk % 3 : pk % npaths];
			struct mobj *o;

			rc = sym_add_object(t, vpid, base, memsz, path);
			want = !path || !path[0] || base + memsz < base ? -EINVAL : 0;
			if (rc != want) {
				fail("add_object rc", (uint64_t)rc, (uint64_t)want);
			}
			if (rc != 0 || memsz == 0) {
				break;
			}
			recent[nadded++ % 16] = base;
			nrecent = nadded < 16 ? nadded : 16;
			o = mat(m->live, m->nlive, base, &pos);
			if (o && o->memsz == memsz && strcmp(o->path, path) == 0) {
				break;
			}
			o = m->in_statedump ? mat(m->pending, m->npending, base, &pos) : NULL;
			if (o && o->memsz == memsz && strcmp(o->path, path) == 0) {
				mremove(m->pending, &m->npending, pos);
			}
			for (size_t i = 0; i < m->nlive;) {
				struct mobj *l = &m->live[i];

				if (l->base < base + memsz && base < l->base + l->memsz) {
					mremove(m->live, &m->nlive, i);
				} else {
					i++;
				}
			}
			if (m->nlive == 256) {
				fail("model full", 0, 0); /* cannot happen: 256 ops at most */
			}
			m->live[m->nlive++] = (struct mobj){base, memsz, path};
			break;
		}
		case 3: { /* build id */
			uint64_t base = pick_base(&in, recent, nrecent);
			uint8_t id[80];
			uint8_t kind = get8(&in);
			size_t len;

			if (kind < 128 && real_id_len) {
				memcpy(id, real_id, real_id_len);
				len = real_id_len;
			} else {
				len = get8(&in) % 70;
				for (size_t i = 0; i < len; i++) {
					id[i] = get8(&in);
				}
			}
			rc = sym_set_build_id(t, vpid, base, kind == 255 ? NULL : id, len);
			want = kind == 255 || len == 0 || len > 64   ? -EINVAL
			       : !mat(m->live, m->nlive, base, &pos) ? -ENOENT
								     : 0;
			if (rc != want) {
				fail("set_build_id rc", (uint64_t)rc, (uint64_t)want);
			}
			break;
		}
		case 4: { /* debug link */
			uint64_t base = pick_base(&in, recent, nrecent);
			uint8_t lk = get8(&in);
			const char *link = lk == 255 ? NULL : links[lk % nlinks];
			uint32_t crc = (uint32_t)get64(&in);

			rc = sym_set_debug_link(t, vpid, base, link, crc);
			want = !link || !link[0] || strchr(link, '/') ? -EINVAL
			       : !mat(m->live, m->nlive, base, &pos)  ? -ENOENT
								      : 0;
			if (rc != want) {
				fail("set_debug_link rc", (uint64_t)rc, (uint64_t)want);
			}
			break;
		}
		case 5: { /* remove */
			uint64_t base = pick_base(&in, recent, nrecent);

			rc = sym_remove_object(t, vpid, base);
			want = mat(m->live, m->nlive, base, &pos) ? 0 : -ENOENT;
			if (rc != want) {
				fail("remove_object rc", (uint64_t)rc, (uint64_t)want);
			}
			if (rc == 0) {
				mremove(m->live, &m->nlive, pos);
			}
			break;
		}
		default: { /* resolve */
			uint8_t ak = get8(&in);
			uint64_t addr;

			if (ak < 8) {
				addr = ak;
			} else if (ak < 100) {
				addr = pick_base(&in, recent, nrecent) + get8(&in) * 8;
			} else if (ak < 220) {
				/* anywhere in a real object's span: code, mostly */
				addr =
				    pick_base(&in, recent, nrecent) + get64(&in) % (real_span + 1);
			} else {
				addr = get64(&in);
			}
			const struct sym_site *s = NULL, *s2 = NULL;
			const struct mobj *o;

			o = model_find(m, addr);
			if (sym_resolve(t, vpid, addr, &s) != 0 || !s) {
				fail("sym_resolve", addr, 0);
			}
			touch(s);
			if (s->address != addr) {
				fail("address", s->address, addr);
			}
			if (!o != !s->object || (o && strcmp(o->path, s->object) != 0)) {
				fail("object differs from the model's", addr, o ? o->base : 0);
			}
			if (o && s->offset != addr - o->base) {
				fail("offset", s->offset, addr - o->base);
			}
			if (sym_resolve(t, vpid, addr, &s2) != 0 || s2 != s) {
				fail("cache hit gave another site", addr, 0);
			}
			reach.resolves++;
			reach.with_object += s->object != NULL;
			reach.with_function += s->function != NULL;
			reach.with_line += s->line != 0;
			if (s->object && nheld < 32) {
				held[nheld].s = s;
				held[nheld].copy = *s;
				nheld++;
			}
			break;
		}
		}
	}
	for (size_t i = 0; i < nheld; i++) {
		if (memcmp(held[i].s, &held[i].copy, sizeof(held[i].copy)) != 0) {
			fail("a site with an object changed", held[i].copy.address, 0);
		}
	}
	{
		struct sym_stats st;

		sym_get_stats(t, &st);
		reach.files_opened += st.files_opened;
	}
	sym_table_destroy(t);
	return 0;
}

/* ---- fixtures: files of every kind ---- */

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static char *tmp_path(const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", tmpdir, name) < 0) {
		exit(1);
	}
	return p;
}

static void real_elf_facts(const char *path)
{
	int fd = open(path, O_RDONLY);
	Elf *e;
	const void *id;
	ssize_t n;
	size_t phnum;
	uint64_t lo = UINT64_MAX, hi = 0;

	elf_version(EV_CURRENT);
	if (fd < 0) {
		return;
	}
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (e) {
		n = dwelf_elf_gnu_build_id(e, &id);
		if (n > 0 && n <= 64) {
			memcpy(real_id, id, (size_t)n);
			real_id_len = (size_t)n;
		}
		if (elf_getphdrnum(e, &phnum) == 0) {
			for (size_t i = 0; i < phnum; i++) {
				GElf_Phdr ph;

				if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD) {
					lo = ph.p_vaddr < lo ? ph.p_vaddr : lo;
					hi = ph.p_vaddr + ph.p_memsz > hi ? ph.p_vaddr + ph.p_memsz
									  : hi;
				}
			}
		}
		real_span = hi > lo ? hi - lo : 0x1000;
		elf_end(e);
	}
	close(fd);
}

static void cleanup_fixtures(void)
{
	static const char *names[] = {"trunc.so", "half.so",	"garbage", "elfhead",
				      "empty",	  "x.so.debug", "fifo"};
	char *p;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		p = tmp_path(names[i]);
		unlink(p);
		free(p);
	}
	p = tmp_path("dir");
	rmdir(p);
	free(p);
	p = tmp_path(".build-id");
	rmdir(p);
	free(p);
	rmdir(tmpdir);
	for (size_t i = 0; i < npaths; i++) {
		if (strncmp(paths[i], tmpdir, strlen(tmpdir)) == 0) {
			free((char *)paths[i]);
		}
	}
}

static void setup_fixtures(void)
{
	const char *elf = getenv("SYM_FUZZ_ELF");
	static char longpath[5000];
	unsigned char *buf;
	struct stat st;
	int fd;

	if (!elf || !elf[0]) {
		elf = "/proc/self/exe";
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/rdv-sym-fuzz.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		exit(1);
	}
	real_elf_facts(elf);
	fd = open(elf, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) != 0) {
		perror(elf);
		exit(1);
	}
	buf = malloc((size_t)st.st_size);
	if (!buf || read(fd, buf, (size_t)st.st_size) != st.st_size) {
		perror(elf);
		exit(1);
	}
	close(fd);
	paths[npaths++] = elf;
	paths[npaths++] = "/usr/lib/x86_64-linux-gnu/libc.so.6";
	paths[npaths++] = "/usr/lib/x86_64-linux-gnu/libdw.so.1";
	paths[npaths++] = tmp_path("trunc.so");
	write_file(paths[npaths - 1], buf, st.st_size > 3000 ? 3000 : (size_t)st.st_size);
	paths[npaths++] = tmp_path("half.so");
	write_file(paths[npaths - 1], buf, (size_t)st.st_size / 2);
	paths[npaths++] = tmp_path("x.so.debug"); /* a debug link target: the whole ELF */
	write_file(paths[npaths - 1], buf, (size_t)st.st_size);
	for (off_t i = 0; i < 4096 && i < st.st_size; i++) {
		buf[i] = (unsigned char)(i * 7919 >> 3);
	}
	paths[npaths++] = tmp_path("garbage");
	write_file(paths[npaths - 1], buf, 4096);
	memcpy(buf, "\177ELF\002\001\001", 7);
	paths[npaths++] = tmp_path("elfhead");
	write_file(paths[npaths - 1], buf, 4096);
	paths[npaths++] = tmp_path("empty");
	write_file(paths[npaths - 1], buf, 0);
	paths[npaths++] = tmp_path("dir");
	mkdir(paths[npaths - 1], 0700);
	paths[npaths++] = tmp_path("fifo");
	if (mkfifo(paths[npaths - 1], 0600) != 0) {
		perror("mkfifo");
		exit(1);
	}
	{
		/* an empty .build-id tree: lookups by build id find nothing */
		char *p = tmp_path(".build-id");

		mkdir(p, 0700);
		free(p);
	}
	free(buf);
	paths[npaths++] = "/dev/null";
	paths[npaths++] = "/dev/zero";
	paths[npaths++] = "/nonexistent/x.so";
	paths[npaths++] = "[vdso]";
	paths[npaths++] = "[linux-vdso.so.1]";
	paths[npaths++] = "relative.so";
	paths[npaths++] = "";
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	paths[npaths++] = longpath;
	links[nlinks++] = "x.so.debug";
	links[nlinks++] = "garbage";
	links[nlinks++] = "fifo";
	links[nlinks++] = "../../etc/passwd";
	links[nlinks++] = "";
	links[nlinks++] = "none.debug";
	links[nlinks++] = "dir";
	links[nlinks++] = "trunc.so";
}

#ifdef SYM_LIBFUZZER
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setup_fixtures();
	atexit(cleanup_fixtures);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return run_one(data, size);
}
#else
int main(int argc, char **argv)
{
	long inputs = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
	uint8_t buf[4096];

	if (argc < 3) {
		fprintf(stderr, "usage: sym_fuzz INPUTS SEED...\n");
		return 2;
	}
	setup_fixtures();
	for (int a = 2; a < argc; a++) {
		unsigned seed = (unsigned)strtoul(argv[a], NULL, 10);

		srandom(seed);
		for (long i = 0; i < inputs; i++) {
			size_t n = (size_t)random() % sizeof(buf);

			for (size_t k = 0; k < n; k++) {
				buf[k] = (uint8_t)random();
			}
			run_one(buf, n);
		}
		printf("sym_fuzz: seed %u: %ld inputs ok (so far: %lu resolves, %lu in an object, "
		       "%lu with a function, %lu with a line; %lu files opened)\n",
		       seed, inputs, reach.resolves, reach.with_object, reach.with_function,
		       reach.with_line, reach.files_opened);
	}
	cleanup_fixtures();
	return 0;
}
#endif
