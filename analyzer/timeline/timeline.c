/* SPDX-License-Identifier: MIT */
/*
 * The timeline file: writer and reader. Byte layout in FORMAT.md.
 *
 * Writer: intervals and isolations are appended to two unlinked staging files
 * next to the output (one small buffer each), so memory stays O(lanes) however
 * long the trace. rdv_tl_writer_close() makes one sequential pass over the
 * interval staging file, scattering each record to its lane's arrays in the
 * final file through small per-lane buffers, and emits the level-of-detail
 * checkpoints (cumulative time per state every RDV_TL_CHECKPOINT_STRIDE
 * intervals) in the same pass. Isolations are copied to their section and
 * heap-sorted in place through a file mapping (page cache, not heap). The
 * header, with the magic number, is written last: a writer that dies leaves
 * a file that no reader accepts.
 *
 * Reader: mmap, then validate every size, offset and count, and every
 * interval and checkpoint, before handing out pointers into the mapping.
 */
#include "rdv-timeline.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the timeline file is little-endian; this code reads it in place"
#endif

#define TL_MAGIC "rdvtline"
#define TL_VERSION 1u
#define TL_HEADER_SIZE 128u
#define TL_LANE_SIZE 136u
#define TL_HIST_SIZE ((4u + RDV_TL_HIST_BUCKETS) * 8u)
#define TL_ISO_SIZE 48u
#define TL_CK_ROW (RDV_TL_NSTATES * 8u)
#define K RDV_TL_CHECKPOINT_STRIDE

_Static_assert(sizeof(struct rdv_tl_isolation) == TL_ISO_SIZE, "isolation record is 48 bytes");
_Static_assert(sizeof(struct rdv_tl_histogram) == TL_HIST_SIZE, "histogram record size");

/* Header field offsets (FORMAT.md). */
enum {
	H_MAGIC = 0,
	H_VERSION = 8,
	H_HEADER_SIZE = 12,
	H_FILE_SIZE = 16,
	H_BEGIN = 24,
	H_END = 32,
	H_EVENTS = 40,
	H_DISCARDED = 48,
	H_NLANES = 56,
	H_STRIDE = 60,
	H_LANES_OFF = 64,
	H_STRINGS_OFF = 72,
	H_STRINGS_SIZE = 80,
	H_ISO_OFF = 88,
	H_NISO = 96,
	H_HIST_OFF = 104,
	H_NHIST = 112,
	H_NBUCKETS = 116,
	H_NSTATES = 120,
	H_FLAGS = 124,
};

/* Lane record field offsets. */
enum {
	L_VPID = 0,
	L_DOMAIN = 4,
	L_THREAD = 8,
	L_OS_TID = 12,
	L_NAME_OFF = 16,
	L_NAME_LEN = 20,
	L_NINTERVALS = 24,
	L_ISOLATIONS = 32,
	L_BEGINS_OFF = 40,
	L_ENDS_OFF = 48,
	L_STATES_OFF = 56,
	L_CK_OFF = 64,
	L_NCK = 72,
	L_STATE_NS = 80,
};

static void put32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(unsigned char *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static uint64_t align8(uint64_t v)
{
	return (v + 7) & ~(uint64_t)7;
}

unsigned rdv_tl_hist_bucket(uint64_t v)
{
	return v < 2 ? 0 : 63 - (unsigned)__builtin_clzll(v);
}

static void hist_add(struct rdv_tl_histogram *h, uint64_t v)
{
	if (h->count == 0 || v < h->min_ns) {
		h->min_ns = v;
	}
	if (v > h->max_ns) {
		h->max_ns = v;
	}
	h->count++;
	h->sum_ns += v;
	h->buckets[rdv_tl_hist_bucket(v)]++;
}

const char *rdv_tl_state_name(enum rdv_tl_state s)
{
	static const char *const names[RDV_TL_NSTATES] = {
	    "running", "harmless", "idle", "blocked", "waiting", "isolated", "unknown",
	};

	return (unsigned)s < RDV_TL_NSTATES ? names[s] : "?";
}

/* ---- Writer ------------------------------------------------------------- */

#define STAGE_BUF 65536u
#define IV_REC 24u    /* staging: u32 lane, u32 state, u64 begin, u64 end */
#define LANE_BUF 256u /* intervals buffered per lane while scattering */

struct lane_w {
	uint32_t vpid, domain, thread;
	int32_t os_tid;
	uint32_t name_off, name_len;
	uint64_t n;
	uint64_t last_end;
	uint64_t isolations;
	uint64_t state_ns[RDV_TL_NSTATES];
};

struct stage {
	int fd;
	uint64_t size; /* bytes written to fd */
	size_t len;    /* bytes pending in buf */
	unsigned char buf[STAGE_BUF];
};

struct rdv_tl_writer {
	char *path; /* owned */
	int fd;
	struct stage iv;      /* interval records */
	struct stage iso;     /* struct rdv_tl_isolation records */
	struct lane_w *lanes; /* owned */
	uint32_t nlanes, lanes_cap;
	char *strings; /* owned; procnames, NUL-terminated */
	size_t strings_len, strings_cap;
	uint64_t nintervals, nisolations;
	uint64_t begin_ns, end_ns, events, discarded;
	struct rdv_tl_histogram hist[RDV_TL_NHISTS];
};

static int write_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -errno;
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len, uint64_t off)
{
	unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -errno;
		}
		if (n == 0) {
			return -EIO;
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static int stage_flush(struct stage *s)
{
	int ret = write_all(s->fd, s->buf, s->len, s->size);

	if (ret == 0) {
		s->size += s->len;
		s->len = 0;
	}
	return ret;
}

static int stage_append(struct stage *s, const void *rec, size_t len)
{
	if (s->len + len > STAGE_BUF) {
		int ret = stage_flush(s);

		if (ret) {
			return ret;
		}
	}
	memcpy(s->buf + s->len, rec, len);
	s->len += len;
	return 0;
}

/* An unlinked temporary file next to path (same file system, so staging
 * never fills a small /tmp when the output lives on a big disk). */
static int stage_open(const char *path, struct stage *s)
{
	size_t len = strlen(path);
	char *tmpl = malloc(len + 16);
	int fd;

	if (!tmpl) {
		return -ENOMEM;
	}
	memcpy(tmpl, path, len);
	memcpy(tmpl + len, ".stage.XXXXXX", 14);
	fd = mkstemp(tmpl);
	if (fd < 0) {
		int err = -errno;

		free(tmpl);
		return err;
	}
	unlink(tmpl);
	free(tmpl);
	s->fd = fd;
	s->size = 0;
	s->len = 0;
	return 0;
}

static void writer_free(struct rdv_tl_writer *w)
{
	if (w->fd >= 0) {
		close(w->fd);
	}
	if (w->iv.fd >= 0) {
		close(w->iv.fd);
	}
	if (w->iso.fd >= 0) {
		close(w->iso.fd);
	}
	free(w->lanes);
	free(w->strings);
	free(w->path);
	free(w);
}

int rdv_tl_writer_open(const char *path, struct rdv_tl_writer **out)
{
	struct rdv_tl_writer *w;
	int ret;

	if (!path || !out) {
		return -EINVAL;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		return -ENOMEM;
	}
	w->fd = w->iv.fd = w->iso.fd = -1;
	w->path = strdup(path);
	if (!w->path) {
		ret = -ENOMEM;
		goto error;
	}
	w->fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		ret = -errno;
		goto error;
	}
	ret = stage_open(path, &w->iv);
	if (ret) {
		goto error_unlink;
	}
	ret = stage_open(path, &w->iso);
	if (ret) {
		goto error_unlink;
	}
	*out = w;
	return 0;

error_unlink:
	unlink(path);
error:
	writer_free(w);
	return ret;
}

int rdv_tl_writer_add_lane(struct rdv_tl_writer *w, uint32_t vpid, uint32_t domain, uint32_t thread,
			   int32_t os_tid, const char *procname, uint32_t *lane_out)
{
	struct lane_w *l;
	size_t nlen;

	if (!w) {
		return -EINVAL;
	}
	if (w->nlanes == UINT32_MAX - 1) {
		return -E2BIG;
	}
	if (!procname) {
		procname = "";
	}
	nlen = strnlen(procname, 255);
	if (w->strings_len + nlen + 1 > UINT32_MAX) {
		return -E2BIG;
	}
	if (w->nlanes == w->lanes_cap) {
		uint32_t cap = w->lanes_cap ? w->lanes_cap * 2 : 16;
		struct lane_w *nl = realloc(w->lanes, (size_t)cap * sizeof(*nl));

		if (!nl) {
			return -ENOMEM;
		}
		w->lanes = nl;
		w->lanes_cap = cap;
	}
	if (w->strings_len + nlen + 1 > w->strings_cap) {
		size_t cap = w->strings_cap ? w->strings_cap * 2 : 256;
		char *ns;

		while (cap < w->strings_len + nlen + 1) {
			cap *= 2;
		}
		ns = realloc(w->strings, cap);
		if (!ns) {
			return -ENOMEM;
		}
		w->strings = ns;
		w->strings_cap = cap;
	}
	l = &w->lanes[w->nlanes];
	memset(l, 0, sizeof(*l));
	l->vpid = vpid;
	l->domain = domain;
	l->thread = thread;
	l->os_tid = os_tid;
	l->name_off = (uint32_t)w->strings_len;
	l->name_len = (uint32_t)nlen;
	memcpy(w->strings + w->strings_len, procname, nlen);
	w->strings[w->strings_len + nlen] = '\0';
	w->strings_len += nlen + 1;
	if (lane_out) {
		*lane_out = w->nlanes;
	}
	w->nlanes++;
	return 0;
}

int rdv_tl_writer_set_lane_tid(struct rdv_tl_writer *w, uint32_t lane, int32_t os_tid)
{
	if (!w || lane >= w->nlanes) {
		return -EINVAL;
	}
	w->lanes[lane].os_tid = os_tid;
	return 0;
}

int rdv_tl_writer_add_interval(struct rdv_tl_writer *w, uint32_t lane, enum rdv_tl_state state,
			       uint64_t begin_ns, uint64_t end_ns)
{
	unsigned char rec[IV_REC];
	struct lane_w *l;
	int ret;

	if (!w || lane >= w->nlanes || (unsigned)state >= RDV_TL_NSTATES || begin_ns > end_ns) {
		return -EINVAL;
	}
	l = &w->lanes[lane];
	if (l->n > 0 && begin_ns < l->last_end) {
		return -EINVAL; /* out of order or overlapping */
	}
	put32(rec, lane);
	put32(rec + 4, (uint32_t)state);
	put64(rec + 8, begin_ns);
	put64(rec + 16, end_ns);
	ret = stage_append(&w->iv, rec, sizeof(rec));
	if (ret) {
		return ret;
	}
	l->n++;
	l->last_end = end_ns;
	l->state_ns[state] += end_ns - begin_ns;
	w->nintervals++;
	if (state == RDV_TL_BLOCKED) {
		hist_add(&w->hist[RDV_TL_HIST_BLOCKED], end_ns - begin_ns);
	}
	return 0;
}

int rdv_tl_writer_add_isolation(struct rdv_tl_writer *w, const struct rdv_tl_isolation *iso)
{
	struct rdv_tl_isolation rec;
	int ret;

	if (!w || !iso || iso->lane >= w->nlanes || iso->request_ns > iso->grant_ns ||
	    (iso->release_ns != 0 && iso->release_ns < iso->grant_ns) ||
	    (iso->straggler_lane != RDV_TL_NO_LANE && iso->straggler_lane >= w->nlanes)) {
		return -EINVAL;
	}
	rec = *iso;
	rec.full = rec.full ? 1 : 0;
	rec.reserved = 0;
	ret = stage_append(&w->iso, &rec, sizeof(rec));
	if (ret) {
		return ret;
	}
	w->nisolations++;
	w->lanes[iso->lane].isolations++;
	hist_add(&w->hist[RDV_TL_HIST_ISOLATE_WAIT], iso->grant_ns - iso->request_ns);
	if (iso->release_ns != 0) {
		hist_add(&w->hist[RDV_TL_HIST_ISOLATION_HOLD], iso->release_ns - iso->grant_ns);
	}
	return 0;
}

int rdv_tl_writer_set_info(struct rdv_tl_writer *w, uint64_t begin_ns, uint64_t end_ns,
			   uint64_t events, uint64_t discarded_events)
{
	if (!w || begin_ns > end_ns) {
		return -EINVAL;
	}
	w->begin_ns = begin_ns;
	w->end_ns = end_ns;
	w->events = events;
	w->discarded = discarded_events;
	return 0;
}

/* Per-lane scatter state while building the final arrays. */
struct lane_out {
	uint64_t begins_off, ends_off, states_off, ck_off, nck;
	uint64_t done;	  /* intervals of this lane flushed so far */
	uint64_t ck_done; /* checkpoint rows flushed so far */
	unsigned nbuf, nck_buf;
	uint64_t cum[RDV_TL_NSTATES];
	uint64_t begins[LANE_BUF], ends[LANE_BUF];
	uint8_t states[LANE_BUF];
	uint64_t ck[LANE_BUF / K + 1][RDV_TL_NSTATES];
};

static int lane_flush(int fd, struct lane_out *o)
{
	int ret = 0;

	if (o->nbuf) {
		ret = write_all(fd, o->begins, o->nbuf * 8u, o->begins_off + o->done * 8);
		if (!ret) {
			ret = write_all(fd, o->ends, o->nbuf * 8u, o->ends_off + o->done * 8);
		}
		if (!ret) {
			ret = write_all(fd, o->states, o->nbuf, o->states_off + o->done);
		}
		o->done += o->nbuf;
		o->nbuf = 0;
	}
	if (!ret && o->nck_buf) {
		ret = write_all(fd, o->ck, o->nck_buf * TL_CK_ROW,
				o->ck_off + o->ck_done * TL_CK_ROW);
		o->ck_done += o->nck_buf;
		o->nck_buf = 0;
	}
	return ret;
}

static int lane_push_checkpoint(int fd, struct lane_out *o)
{
	if (o->nck_buf == LANE_BUF / K + 1) {
		int ret = lane_flush(fd, o);

		if (ret) {
			return ret;
		}
	}
	memcpy(o->ck[o->nck_buf++], o->cum, sizeof(o->cum));
	return 0;
}

static int scatter_intervals(struct rdv_tl_writer *w, struct lane_out *outs)
{
	enum { CHUNK = IV_REC * 43690 }; /* ~1 MiB, whole records */
	unsigned char *chunk = malloc(CHUNK);
	uint64_t off = 0;
	int ret = 0;

	if (!chunk) {
		return -ENOMEM;
	}
	while (off < w->iv.size && !ret) {
		size_t len = w->iv.size - off < CHUNK ? (size_t)(w->iv.size - off) : CHUNK;

		ret = read_all(w->iv.fd, chunk, len, off);
		for (size_t i = 0; !ret && i + IV_REC <= len; i += IV_REC) {
			uint32_t lane = get32(chunk + i);
			uint32_t state = get32(chunk + i + 4);
			uint64_t b = get64(chunk + i + 8), e = get64(chunk + i + 16);
			struct lane_out *o = &outs[lane];
			uint64_t index = o->done + o->nbuf;

			if (index % K == 0) {
				ret = lane_push_checkpoint(w->fd, o);
				if (ret) {
					break;
				}
			}
			if (o->nbuf == LANE_BUF) {
				ret = lane_flush(w->fd, o);
				if (ret) {
					break;
				}
			}
			o->begins[o->nbuf] = b;
			o->ends[o->nbuf] = e;
			o->states[o->nbuf] = (uint8_t)state;
			o->nbuf++;
			o->cum[state] += e - b;
		}
		off += len;
	}
	for (uint32_t l = 0; !ret && l < w->nlanes; l++) {
		/* The last row, time of all intervals, when n is a multiple of K
		 * (otherwise it was pushed before interval n / K * K). */
		if (w->lanes[l].n % K == 0) {
			ret = lane_push_checkpoint(w->fd, &outs[l]);
		}
		if (!ret) {
			ret = lane_flush(w->fd, &outs[l]);
		}
	}
	free(chunk);
	return ret;
}

static int iso_before(const struct rdv_tl_isolation *a, const struct rdv_tl_isolation *b)
{
	if (a->request_ns != b->request_ns) {
		return a->request_ns < b->request_ns;
	}
	if (a->lane != b->lane) {
		return a->lane < b->lane;
	}
	return a->grant_ns < b->grant_ns;
}

static void iso_sift(struct rdv_tl_isolation *a, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;
		struct rdv_tl_isolation tmp;

		if (child >= n) {
			return;
		}
		if (child + 1 < n && iso_before(&a[child], &a[child + 1])) {
			child++;
		}
		if (!iso_before(&a[root], &a[child])) {
			return;
		}
		tmp = a[root];
		a[root] = a[child];
		a[child] = tmp;
		root = child;
	}
}

/* In place, no extra memory: the array lives in a file mapping. */
static void iso_heapsort(struct rdv_tl_isolation *a, size_t n)
{
	for (size_t i = n / 2; i-- > 0;) {
		iso_sift(a, i, n);
	}
	for (size_t end = n; end-- > 1;) {
		struct rdv_tl_isolation tmp = a[0];

		a[0] = a[end];
		a[end] = tmp;
		iso_sift(a, 0, end);
	}
}

static int write_isolations(struct rdv_tl_writer *w, uint64_t iso_off)
{
	enum { CHUNK = TL_ISO_SIZE * 21845 };
	unsigned char *chunk;
	uint64_t off = 0, len = w->nisolations * TL_ISO_SIZE;
	long page = sysconf(_SC_PAGESIZE);
	uint64_t map_off, skip;
	void *map;
	int ret = 0;

	if (w->nisolations == 0) {
		return 0;
	}
	chunk = malloc(CHUNK);
	if (!chunk) {
		return -ENOMEM;
	}
	while (off < len && !ret) {
		size_t n = len - off < CHUNK ? (size_t)(len - off) : CHUNK;

		ret = read_all(w->iso.fd, chunk, n, off);
		if (!ret) {
			ret = write_all(w->fd, chunk, n, iso_off + off);
		}
		off += n;
	}
	free(chunk);
	if (ret) {
		return ret;
	}
	map_off = iso_off & ~((uint64_t)page - 1);
	skip = iso_off - map_off;
	map = mmap(NULL, (size_t)(len + skip), PROT_READ | PROT_WRITE, MAP_SHARED, w->fd,
		   (off_t)map_off);
	if (map == MAP_FAILED) {
		return -errno;
	}
	iso_heapsort((struct rdv_tl_isolation *)((unsigned char *)map + skip), w->nisolations);
	munmap(map, (size_t)(len + skip));
	return 0;
}

int rdv_tl_writer_close(struct rdv_tl_writer *w)
{
	unsigned char hdr[TL_HEADER_SIZE] = {0};
	struct lane_out *outs = NULL;
	unsigned char *lanes = NULL;
	uint64_t off, lanes_off, strings_off, strings_size, hist_off, iso_off;
	int ret;

	if (!w) {
		return -EINVAL;
	}
	ret = stage_flush(&w->iv);
	if (!ret) {
		ret = stage_flush(&w->iso);
	}
	if (ret) {
		goto error;
	}

	/* Layout: header, lanes, strings, histograms, isolations, then each
	 * lane's begins, ends, checkpoints and states. */
	lanes_off = TL_HEADER_SIZE;
	strings_off = lanes_off + (uint64_t)w->nlanes * TL_LANE_SIZE;
	strings_size = align8(w->strings_len);
	hist_off = strings_off + strings_size;
	iso_off = hist_off + RDV_TL_NHISTS * TL_HIST_SIZE;
	off = iso_off + w->nisolations * TL_ISO_SIZE;

	outs = calloc(w->nlanes ? w->nlanes : 1, sizeof(*outs));
	lanes = calloc(w->nlanes ? w->nlanes : 1, TL_LANE_SIZE);
	if (!outs || !lanes) {
		ret = -ENOMEM;
		goto error;
	}
	for (uint32_t i = 0; i < w->nlanes; i++) {
		const struct lane_w *l = &w->lanes[i];
		struct lane_out *o = &outs[i];
		unsigned char *rec = lanes + (size_t)i * TL_LANE_SIZE;

		o->nck = l->n / K + 1;
		o->begins_off = off;
		off += l->n * 8;
		o->ends_off = off;
		off += l->n * 8;
		o->ck_off = off;
		off += o->nck * TL_CK_ROW;
		o->states_off = off;
		off = align8(off + l->n);

		put32(rec + L_VPID, l->vpid);
		put32(rec + L_DOMAIN, l->domain);
		put32(rec + L_THREAD, l->thread);
		put32(rec + L_OS_TID, (uint32_t)l->os_tid);
		put32(rec + L_NAME_OFF, l->name_off);
		put32(rec + L_NAME_LEN, l->name_len);
		put64(rec + L_NINTERVALS, l->n);
		put64(rec + L_ISOLATIONS, l->isolations);
		put64(rec + L_BEGINS_OFF, o->begins_off);
		put64(rec + L_ENDS_OFF, o->ends_off);
		put64(rec + L_STATES_OFF, o->states_off);
		put64(rec + L_CK_OFF, o->ck_off);
		put64(rec + L_NCK, o->nck);
		for (int s = 0; s < RDV_TL_NSTATES; s++) {
			put64(rec + L_STATE_NS + 8 * s, l->state_ns[s]);
		}
	}
	if (ftruncate(w->fd, (off_t)off) < 0) {
		ret = -errno;
		goto error;
	}
	ret = write_all(w->fd, lanes, (size_t)w->nlanes * TL_LANE_SIZE, lanes_off);
	if (!ret && w->strings_len) {
		ret = write_all(w->fd, w->strings, w->strings_len, strings_off);
	}
	if (!ret) {
		ret = write_all(w->fd, w->hist, sizeof(w->hist), hist_off);
	}
	if (!ret) {
		ret = scatter_intervals(w, outs);
	}
	if (!ret) {
		ret = write_isolations(w, iso_off);
	}
	if (ret) {
		goto error;
	}

	memcpy(hdr + H_MAGIC, TL_MAGIC, 8);
	put32(hdr + H_VERSION, TL_VERSION);
	put32(hdr + H_HEADER_SIZE, TL_HEADER_SIZE);
	put64(hdr + H_FILE_SIZE, off);
	put64(hdr + H_BEGIN, w->begin_ns);
	put64(hdr + H_END, w->end_ns);
	put64(hdr + H_EVENTS, w->events);
	put64(hdr + H_DISCARDED, w->discarded);
	put32(hdr + H_NLANES, w->nlanes);
	put32(hdr + H_STRIDE, K);
	put64(hdr + H_LANES_OFF, lanes_off);
	put64(hdr + H_STRINGS_OFF, strings_off);
	put64(hdr + H_STRINGS_SIZE, strings_size);
	put64(hdr + H_ISO_OFF, iso_off);
	put64(hdr + H_NISO, w->nisolations);
	put64(hdr + H_HIST_OFF, hist_off);
	put32(hdr + H_NHIST, RDV_TL_NHISTS);
	put32(hdr + H_NBUCKETS, RDV_TL_HIST_BUCKETS);
	put32(hdr + H_NSTATES, RDV_TL_NSTATES);
	put32(hdr + H_FLAGS, 0);
	ret = write_all(w->fd, hdr, sizeof(hdr), 0);
	if (ret) {
		goto error;
	}
	if (close(w->fd) < 0) {
		w->fd = -1;
		ret = -errno;
		goto error;
	}
	w->fd = -1;
	free(outs);
	free(lanes);
	writer_free(w);
	return 0;

error:
	free(outs);
	free(lanes);
	unlink(w->path);
	writer_free(w);
	return ret;
}

void rdv_tl_writer_abort(struct rdv_tl_writer *w)
{
	if (!w) {
		return;
	}
	unlink(w->path);
	writer_free(w);
}

/* ---- Reader ------------------------------------------------------------- */

struct rdv_tl_reader {
	const unsigned char *base; /* the mapping, or the aligned copy */
	size_t size;
	void *map;  /* owned mapping (file), else NULL */
	void *copy; /* owned aligned copy (unaligned buffer), else NULL */
	struct rdv_tl_info info;
	struct rdv_tl_lane *lanes; /* owned */
	const struct rdv_tl_isolation *isolations;
	const struct rdv_tl_histogram *hist;
};

static int fail(char *errbuf, size_t errlen, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *errbuf, size_t errlen, int err, const char *fmt, ...)
{
	if (errbuf && errlen) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(errbuf, errlen, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* [off, off + count * elsize) lies inside the file and off is 8-aligned. */
static bool section_ok(uint64_t size, uint64_t off, uint64_t count, uint64_t elsize)
{
	if (off % 8 != 0 || off > size) {
		return false;
	}
	if (elsize != 0 && count > (size - off) / elsize) {
		return false;
	}
	return true;
}

static int validate_lane(struct rdv_tl_reader *r, uint32_t i, const unsigned char *rec,
			 uint64_t strings_off, uint64_t strings_size, uint64_t *cursor,
			 char *errbuf, size_t errlen)
{
	struct rdv_tl_lane *l = &r->lanes[i];
	uint32_t name_off = get32(rec + L_NAME_OFF), name_len = get32(rec + L_NAME_LEN);
	uint64_t n = get64(rec + L_NINTERVALS);
	uint64_t begins = get64(rec + L_BEGINS_OFF), ends = get64(rec + L_ENDS_OFF);
	uint64_t states = get64(rec + L_STATES_OFF), ck = get64(rec + L_CK_OFF);
	uint64_t nck = get64(rec + L_NCK);
	uint64_t cum[RDV_TL_NSTATES] = {0};
	uint64_t prev_end = 0;

	l->vpid = get32(rec + L_VPID);
	l->domain = get32(rec + L_DOMAIN);
	l->thread = get32(rec + L_THREAD);
	l->os_tid = (int32_t)get32(rec + L_OS_TID);
	l->isolations = get64(rec + L_ISOLATIONS);
	for (int s = 0; s < RDV_TL_NSTATES; s++) {
		l->state_ns[s] = get64(rec + L_STATE_NS + 8 * s);
	}
	if ((uint64_t)name_off + name_len >= strings_size ||
	    r->base[strings_off + name_off + name_len] != '\0') {
		return fail(errbuf, errlen, -EBADMSG, "lane %u: process name out of bounds", i);
	}
	l->procname = (const char *)r->base + strings_off + name_off;
	if (!section_ok(r->size, begins, n, 8) || !section_ok(r->size, ends, n, 8) ||
	    states > r->size || n > r->size - states) {
		return fail(errbuf, errlen, -EBADMSG,
			    "lane %u: %llu intervals do not fit in the file", i,
			    (unsigned long long)n);
	}
	if (nck != n / K + 1 || !section_ok(r->size, ck, nck, TL_CK_ROW)) {
		return fail(errbuf, errlen, -EBADMSG,
			    "lane %u: level-of-detail checkpoints out of bounds", i);
	}
	/* Canonical layout: begins, ends, checkpoints, states (padded to 8). */
	if (begins != *cursor || ends != begins + n * 8 || ck != ends + n * 8 ||
	    states != ck + nck * TL_CK_ROW) {
		return fail(errbuf, errlen, -EBADMSG, "lane %u: arrays out of place", i);
	}
	*cursor = align8(states + n);
	l->nintervals = n;
	l->begin_ns = (const uint64_t *)(r->base + begins);
	l->end_ns = (const uint64_t *)(r->base + ends);
	l->state = r->base + states;
	l->checkpoints = (const uint64_t *)(r->base + ck);
	l->ncheckpoints = nck;

	/* Every interval and checkpoint: the queries rely on order and on the
	 * checkpoints summing their intervals. */
	for (uint64_t j = 0; j < n; j++) {
		uint64_t b = l->begin_ns[j], e = l->end_ns[j];
		uint8_t s = l->state[j];

		if (j % K == 0 &&
		    memcmp(cum, l->checkpoints + (j / K) * RDV_TL_NSTATES, sizeof(cum)) != 0) {
			return fail(
			    errbuf, errlen, -EBADMSG,
			    "lane %u: level-of-detail checkpoint %llu does not match its intervals",
			    i, (unsigned long long)(j / K));
		}
		if (s >= RDV_TL_NSTATES) {
			return fail(errbuf, errlen, -EBADMSG, "lane %u: interval %llu has state %u",
				    i, (unsigned long long)j, s);
		}
		if (b > e || (j > 0 && b < prev_end)) {
			return fail(errbuf, errlen, -EBADMSG,
				    "lane %u: interval %llu is out of order", i,
				    (unsigned long long)j);
		}
		cum[s] += e - b;
		prev_end = e;
	}
	if ((n % K == 0 &&
	     memcmp(cum, l->checkpoints + (n / K) * RDV_TL_NSTATES, sizeof(cum)) != 0) ||
	    memcmp(cum, l->state_ns, sizeof(cum)) != 0) {
		return fail(errbuf, errlen, -EBADMSG,
			    "lane %u: time per state does not match its intervals", i);
	}
	return 0;
}

static int reader_validate(struct rdv_tl_reader *r, char *errbuf, size_t errlen)
{
	const unsigned char *h = r->base;
	uint64_t file_size, lanes_off, strings_off, strings_size, iso_off, niso, hist_off;
	uint64_t total = 0, iso_per_lane_sum = 0, cursor;
	uint32_t nlanes, version;
	int ret;

	if (r->size < 8 || memcmp(h, TL_MAGIC, 8) != 0) {
		return fail(errbuf, errlen, -EINVAL, "not an rdv timeline file (bad magic number)");
	}
	if (r->size < TL_HEADER_SIZE) {
		return fail(errbuf, errlen, -EINVAL, "truncated: %zu bytes, the header alone is %u",
			    r->size, TL_HEADER_SIZE);
	}
	version = get32(h + H_VERSION);
	if (version != TL_VERSION) {
		return fail(errbuf, errlen, -EINVAL,
			    "unsupported timeline version %u (this reader knows %u)", version,
			    TL_VERSION);
	}
	file_size = get64(h + H_FILE_SIZE);
	if (file_size != r->size) {
		return fail(errbuf, errlen, -EINVAL,
			    "%s: the header says %llu bytes, the file has %zu",
			    file_size > r->size ? "truncated" : "trailing bytes",
			    (unsigned long long)file_size, r->size);
	}
	if (get32(h + H_HEADER_SIZE) != TL_HEADER_SIZE || get32(h + H_STRIDE) != K ||
	    get32(h + H_NHIST) != RDV_TL_NHISTS || get32(h + H_NBUCKETS) != RDV_TL_HIST_BUCKETS ||
	    get32(h + H_NSTATES) != RDV_TL_NSTATES) {
		return fail(errbuf, errlen, -EBADMSG, "corrupt header (unexpected constants)");
	}
	nlanes = get32(h + H_NLANES);
	lanes_off = get64(h + H_LANES_OFF);
	strings_off = get64(h + H_STRINGS_OFF);
	strings_size = get64(h + H_STRINGS_SIZE);
	iso_off = get64(h + H_ISO_OFF);
	niso = get64(h + H_NISO);
	hist_off = get64(h + H_HIST_OFF);
	if (!section_ok(r->size, lanes_off, nlanes, TL_LANE_SIZE) ||
	    !section_ok(r->size, strings_off, strings_size, 1) ||
	    !section_ok(r->size, hist_off, RDV_TL_NHISTS, TL_HIST_SIZE) ||
	    !section_ok(r->size, iso_off, niso, TL_ISO_SIZE)) {
		return fail(errbuf, errlen, -EBADMSG,
			    "corrupt header (a section lies outside the file)");
	}
	/* Version 1 has one layout: the sections follow each other in the order
	 * of FORMAT.md, with no gap and no overlap. */
	if (lanes_off != TL_HEADER_SIZE ||
	    strings_off != lanes_off + (uint64_t)nlanes * TL_LANE_SIZE ||
	    hist_off != strings_off + strings_size ||
	    iso_off != hist_off + RDV_TL_NHISTS * TL_HIST_SIZE) {
		return fail(errbuf, errlen, -EBADMSG, "corrupt header (sections out of place)");
	}
	if (get32(h + H_FLAGS) != 0) {
		return fail(errbuf, errlen, -EBADMSG, "corrupt header (unknown flags)");
	}
	if (get64(h + H_BEGIN) > get64(h + H_END)) {
		return fail(errbuf, errlen, -EBADMSG, "corrupt header (begin after end)");
	}

	cursor = iso_off + niso * TL_ISO_SIZE;
	r->lanes = calloc(nlanes ? nlanes : 1, sizeof(*r->lanes));
	if (!r->lanes) {
		return fail(errbuf, errlen, -ENOMEM, "out of memory");
	}
	for (uint32_t i = 0; i < nlanes; i++) {
		ret = validate_lane(r, i, r->base + lanes_off + (uint64_t)i * TL_LANE_SIZE,
				    strings_off, strings_size, &cursor, errbuf, errlen);
		if (ret) {
			return ret;
		}
		total += r->lanes[i].nintervals;
		iso_per_lane_sum += r->lanes[i].isolations;
	}

	r->isolations = (const struct rdv_tl_isolation *)(r->base + iso_off);
	for (uint64_t j = 0; j < niso; j++) {
		const struct rdv_tl_isolation *x = &r->isolations[j];

		if (x->lane >= nlanes || x->full > 1 || x->request_ns > x->grant_ns ||
		    (x->release_ns != 0 && x->release_ns < x->grant_ns) ||
		    (x->straggler_lane != RDV_TL_NO_LANE && x->straggler_lane >= nlanes)) {
			return fail(errbuf, errlen, -EBADMSG, "isolation %llu is corrupt",
				    (unsigned long long)j);
		}
		if (j > 0 && iso_before(x, &r->isolations[j - 1])) {
			return fail(errbuf, errlen, -EBADMSG,
				    "isolation %llu is not sorted by request time",
				    (unsigned long long)j);
		}
	}
	if (cursor != r->size) {
		return fail(errbuf, errlen, -EBADMSG, "corrupt file (bytes after the last lane)");
	}
	if (iso_per_lane_sum != niso) {
		return fail(errbuf, errlen, -EBADMSG,
			    "isolation counts of the lanes do not add up");
	}

	r->hist = (const struct rdv_tl_histogram *)(r->base + hist_off);
	for (int k = 0; k < RDV_TL_NHISTS; k++) {
		const struct rdv_tl_histogram *x = &r->hist[k];
		uint64_t sum = 0;

		for (int b = 0; b < RDV_TL_HIST_BUCKETS; b++) {
			sum += x->buckets[b];
		}
		if (sum != x->count || (x->count && x->min_ns > x->max_ns)) {
			return fail(errbuf, errlen, -EBADMSG, "histogram %d is corrupt", k);
		}
	}

	r->info.version = version;
	r->info.nlanes = nlanes;
	r->info.begin_ns = get64(h + H_BEGIN);
	r->info.end_ns = get64(h + H_END);
	r->info.events = get64(h + H_EVENTS);
	r->info.discarded_events = get64(h + H_DISCARDED);
	r->info.nintervals = total;
	r->info.nisolations = niso;
	r->info.file_size = file_size;
	return 0;
}

void rdv_tl_reader_close(struct rdv_tl_reader *r)
{
	if (!r) {
		return;
	}
	if (r->map) {
		munmap(r->map, r->size);
	}
	free(r->copy);
	free(r->lanes);
	free(r);
}

int rdv_tl_reader_open_mem(const void *buf, size_t len, struct rdv_tl_reader **out, char *errbuf,
			   size_t errlen)
{
	struct rdv_tl_reader *r;
	int ret;

	if (!out || (!buf && len)) {
		return fail(errbuf, errlen, -EINVAL, "invalid argument");
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		return fail(errbuf, errlen, -ENOMEM, "out of memory");
	}
	if ((uintptr_t)buf % 8 != 0) {
		r->copy = malloc(len ? len : 1);
		if (!r->copy) {
			free(r);
			return fail(errbuf, errlen, -ENOMEM, "out of memory");
		}
		memcpy(r->copy, buf, len);
		buf = r->copy;
	}
	r->base = buf;
	r->size = len;
	ret = reader_validate(r, errbuf, errlen);
	if (ret) {
		rdv_tl_reader_close(r);
		return ret;
	}
	*out = r;
	return 0;
}

int rdv_tl_reader_open(const char *path, struct rdv_tl_reader **out, char *errbuf, size_t errlen)
{
	struct rdv_tl_reader *r = NULL;
	struct stat st;
	void *map;
	int fd, ret;

	if (!path || !out) {
		return fail(errbuf, errlen, -EINVAL, "invalid argument");
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		return fail(errbuf, errlen, ret, "%s", strerror(-ret));
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		close(fd);
		return fail(errbuf, errlen, ret, "%s", strerror(-ret));
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return fail(errbuf, errlen, -EISDIR, "is a directory");
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return fail(errbuf, errlen, -EINVAL, "not a regular file");
	}
	if (st.st_size < 8) {
		close(fd);
		return fail(errbuf, errlen, -EINVAL, "not an rdv timeline file (%lld bytes)",
			    (long long)st.st_size);
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	ret = -errno;
	close(fd);
	if (map == MAP_FAILED) {
		return fail(errbuf, errlen, ret, "cannot map: %s", strerror(-ret));
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		munmap(map, (size_t)st.st_size);
		return fail(errbuf, errlen, -ENOMEM, "out of memory");
	}
	r->map = map;
	r->base = map;
	r->size = (size_t)st.st_size;
	ret = reader_validate(r, errbuf, errlen);
	if (ret) {
		rdv_tl_reader_close(r);
		return ret;
	}
	*out = r;
	return 0;
}

void rdv_tl_reader_info(const struct rdv_tl_reader *r, struct rdv_tl_info *out)
{
	*out = r->info;
}

int rdv_tl_reader_lane(const struct rdv_tl_reader *r, uint32_t lane, struct rdv_tl_lane *out)
{
	if (lane >= r->info.nlanes) {
		return -ERANGE;
	}
	*out = r->lanes[lane];
	return 0;
}

const struct rdv_tl_isolation *rdv_tl_reader_isolations(const struct rdv_tl_reader *r,
							uint64_t *count)
{
	*count = r->info.nisolations;
	return r->isolations;
}

const struct rdv_tl_histogram *rdv_tl_reader_histogram(const struct rdv_tl_reader *r,
						       enum rdv_tl_hist_kind kind)
{
	if ((unsigned)kind >= RDV_TL_NHISTS) {
		return NULL;
	}
	return &r->hist[kind];
}
