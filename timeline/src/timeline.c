/* SPDX-License-Identifier: MIT */
/*
 * The timeline file: writer and reader. Byte layout in timeline/FORMAT.md.
 *
 * Writer: intervals, isolations and late records are appended to unlinked
 * staging files next to the output (one small buffer each), so memory stays
 * O(lanes + sites + stalls) however long the trace. rdv_tl_writer_close()
 * makes one sequential pass over the interval staging file, scattering each
 * record to its lane's arrays in the final file through small per-lane
 * buffers, and emits the level-of-detail checkpoints (cumulative time per
 * state every RDV_TL_CHECKPOINT_STRIDE intervals) in the same pass.
 * Isolations are copied to their section and heap-sorted in place through a
 * file mapping (page cache, not heap). The header, with the magic number, is
 * written last: a writer that dies leaves a file that no reader accepts.
 *
 * Reader: mmap, then validate every size, offset and count, and every
 * record, before handing out pointers into the mapping.
 */
#include "rdv-outfile.h"
#include "rdv-timeline.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
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
#define TL_HEADER_SIZE 256u
#define TL_LANE_SIZE 168u
#define TL_LAT_SIZE 608u
#define TL_SITE_SIZE 24u
#define TL_ISO_SIZE 104u
#define TL_LATE_SIZE 24u
#define TL_STALL_SIZE 32u
#define TL_CK_ROW (RDV_TL_NSTATES * 8u)
#define TL_NO_STRING UINT32_MAX
#define K RDV_TL_CHECKPOINT_STRIDE

_Static_assert(sizeof(struct rdv_tl_isolation) == TL_ISO_SIZE, "isolation record size");
_Static_assert(sizeof(struct rdv_tl_latency) == TL_LAT_SIZE, "latency record size");
_Static_assert(sizeof(struct rdv_tl_late) == TL_LATE_SIZE, "late record size");
_Static_assert(sizeof(struct rdv_tl_stall) == TL_STALL_SIZE, "stall record size");
_Static_assert(sizeof(double) == 8, "IEEE 754 binary64 mean");

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
	H_LAT_OFF = 104,
	H_NLAT = 112,
	H_NBUCKETS = 116,
	H_NSTATES = 120,
	H_FLAGS = 124,
	H_DISCARDED_PACKETS = 128,
	H_GAPS = 136,
	H_LATE_OFF = 144,
	H_NLATE = 152,
	H_STALL_OFF = 160,
	H_NSTALL = 168,
	H_SITE_OFF = 176,
	H_NSITE = 184,
	H_DOMAINS = 192,
	H_PROCESSES = 196,
	H_LANE_SIZE = 200,
	H_ISO_SIZE = 204,
	H_LAT_SIZE = 208,
	H_LATE_SIZE = 212,
	H_STALL_SIZE = 216,
	H_SITE_SIZE = 220,
	H_INCONSISTENT = 224,
	H_STRAGGLER_SKIPPED = 232,
	H_RESERVED = 240, /* 16 bytes, zero */
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
	L_REGISTRATIONS = 136,
	L_BLOCKED = 144,
	L_STRAGGLER_COUNT = 152,
	L_STRAGGLER_DELAY = 160,
};

/* Site record field offsets. */
enum {
	S_ADDRESS = 0,
	S_OBJECT = 8,
	S_FUNCTION = 12,
	S_FILE = 16,
	S_LINE = 20,
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

const char *rdv_tl_state_name(enum rdv_tl_state s)
{
	static const char *const names[RDV_TL_NSTATES] = {
	    "running", "harmless", "idle", "blocked", "waiting", "isolated", "unknown",
	};

	return (unsigned)s < RDV_TL_NSTATES ? names[s] : "?";
}

const char *rdv_tl_latency_name(enum rdv_tl_latency_kind k)
{
	static const char *const names[RDV_TL_NLATENCIES] = {
	    "isolate_wait",
	    "isolation_hold",
	    "blocked",
	    "grant_delay",
	};

	return (unsigned)k < RDV_TL_NLATENCIES ? names[k] : "?";
}

/* A distribution is consistent: what both the writer and the reader check. */
static bool latency_ok(const struct rdv_tl_latency *l)
{
	uint64_t sum = 0;

	for (int b = 0; b < RDV_TL_HIST_BUCKETS; b++) {
		if (l->buckets[b] > UINT64_MAX - sum) {
			return false;
		}
		sum += l->buckets[b];
	}
	if (sum != l->count || !isfinite(l->mean_ns) || l->mean_ns < 0) {
		return false;
	}
	if (l->count == 0) {
		return l->min_ns == 0 && l->max_ns == 0 && l->mean_ns == 0 && l->p50_ns == 0 &&
		       l->p90_ns == 0 && l->p99_ns == 0 && l->p999_ns == 0;
	}
	/* a mean of doubles may round a little past max */
	return l->min_ns <= l->p50_ns && l->p50_ns <= l->p90_ns && l->p90_ns <= l->p99_ns &&
	       l->p99_ns <= l->p999_ns && l->p999_ns <= l->max_ns &&
	       l->mean_ns <= (double)l->max_ns * (1 + 1e-9) + 1;
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
	struct rdv_tl_lane_stats stats;
};

struct stage {
	int fd;
	uint64_t size; /* bytes written to fd */
	size_t len;    /* bytes pending in buf */
	unsigned char buf[STAGE_BUF];
};

struct site_w {
	uint64_t address;
	uint32_t object, function, file, line; /* string offsets, TL_NO_STRING */
};

struct rdv_tl_writer {
	char *path; /* owned */
	int fd;
	struct rdv_outfile out; /* what fd is at path: removed on failure */
	struct stage iv;	/* interval records */
	struct stage iso;	/* struct rdv_tl_isolation records */
	struct stage late;	/* struct rdv_tl_late records */
	struct lane_w *lanes;	/* owned */
	uint32_t nlanes;
	size_t lanes_cap;
	char *strings; /* owned; NUL-terminated names */
	size_t strings_len, strings_cap;
	struct site_w *sites; /* owned */
	uint32_t nsites;
	size_t sites_cap;
	struct rdv_tl_stall *stalls; /* owned */
	uint64_t nstalls;
	size_t stalls_cap;
	uint64_t nintervals, nisolations, nlate;
	struct rdv_tl_trace trace;
	struct rdv_tl_latency lat[RDV_TL_NLATENCIES];
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

/* Copies a staging file to [off, off + size) of the output. */
static int stage_copy(struct stage *s, int fd, uint64_t off)
{
	enum { CHUNK = 1 << 20 };
	unsigned char *chunk = malloc(CHUNK);
	uint64_t done = 0;
	int ret = 0;

	if (!chunk) {
		return -ENOMEM;
	}
	while (done < s->size && !ret) {
		size_t n = s->size - done < CHUNK ? (size_t)(s->size - done) : CHUNK;

		ret = read_all(s->fd, chunk, n, done);
		if (!ret) {
			ret = write_all(fd, chunk, n, off + done);
		}
		done += n;
	}
	free(chunk);
	return ret;
}

/* Makes room for `need` elements of `elem` bytes in *p (capacity *cap,
 * doubled from `first`). */
static int grow(void *p, size_t *cap, size_t need, size_t elem, size_t first)
{
	size_t ncap = *cap ? *cap : first;
	void *np;

	if (need <= *cap) {
		return 0;
	}
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / elem) {
			return -ENOMEM;
		}
		ncap *= 2;
	}
	np = realloc(*(void **)p, ncap * elem);
	if (!np) {
		return -ENOMEM;
	}
	*(void **)p = np;
	*cap = ncap;
	return 0;
}

static void writer_free(struct rdv_tl_writer *w)
{
	rdv_outfile_forget(&w->out); /* kept or removed by now */
	if (w->fd >= 0) {
		close(w->fd);
	}
	if (w->iv.fd >= 0) {
		close(w->iv.fd);
	}
	if (w->iso.fd >= 0) {
		close(w->iso.fd);
	}
	if (w->late.fd >= 0) {
		close(w->late.fd);
	}
	free(w->lanes);
	free(w->strings);
	free(w->sites);
	free(w->stalls);
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
	w->fd = w->iv.fd = w->iso.fd = w->late.fd = -1;
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
	rdv_outfile_note(&w->out, w->path, w->fd);
	ret = stage_open(path, &w->iv);
	if (!ret) {
		ret = stage_open(path, &w->iso);
	}
	if (!ret) {
		ret = stage_open(path, &w->late);
	}
	if (ret) {
		goto error_unlink;
	}
	*out = w;
	return 0;

error_unlink:
	rdv_outfile_remove(&w->out);
error:
	writer_free(w);
	return ret;
}

#define MAX_NAME 255  /* a process name */
#define MAX_SITE 4095 /* a path or a (demangled) function name */

/* Appends a NUL-terminated copy of s (at most max bytes of it) to the
 * strings; *off is where it starts, TL_NO_STRING for NULL. */
static int add_string(struct rdv_tl_writer *w, const char *s, size_t max, uint32_t *off,
		      uint32_t *len)
{
	size_t n;

	if (!s) {
		*off = TL_NO_STRING;
		if (len) {
			*len = 0;
		}
		return 0;
	}
	n = strnlen(s, max);
	if (w->strings_len + n + 1 >= UINT32_MAX) {
		return -E2BIG;
	}
	if (grow(&w->strings, &w->strings_cap, w->strings_len + n + 1, 1, 256)) {
		return -ENOMEM;
	}
	memcpy(w->strings + w->strings_len, s, n);
	w->strings[w->strings_len + n] = '\0';
	*off = (uint32_t)w->strings_len;
	if (len) {
		*len = (uint32_t)n;
	}
	w->strings_len += n + 1;
	return 0;
}

int rdv_tl_writer_add_lane(struct rdv_tl_writer *w, uint32_t vpid, uint32_t domain, uint32_t thread,
			   int32_t os_tid, const char *procname, uint32_t *lane_out)
{
	struct lane_w *l;
	uint32_t off, len;
	int ret;

	if (!w) {
		return -EINVAL;
	}
	if (w->nlanes == UINT32_MAX - 1) {
		return -E2BIG;
	}
	if (grow(&w->lanes, &w->lanes_cap, (size_t)w->nlanes + 1, sizeof(*w->lanes), 16)) {
		return -ENOMEM;
	}
	ret = add_string(w, procname ? procname : "", MAX_NAME, &off, &len);
	if (ret) {
		return ret;
	}
	l = &w->lanes[w->nlanes];
	memset(l, 0, sizeof(*l));
	l->vpid = vpid;
	l->domain = domain;
	l->thread = thread;
	l->os_tid = os_tid;
	l->name_off = off;
	l->name_len = len;
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

int rdv_tl_writer_set_lane_stats(struct rdv_tl_writer *w, uint32_t lane,
				 const struct rdv_tl_lane_stats *stats)
{
	if (!w || !stats || lane >= w->nlanes) {
		return -EINVAL;
	}
	w->lanes[lane].stats = *stats;
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
	return 0;
}

int rdv_tl_writer_add_site(struct rdv_tl_writer *w, uint64_t address, const char *object,
			   const char *function, const char *file, uint32_t line, uint32_t *index)
{
	struct site_w *s;
	int ret;

	if (!w || !index) {
		return -EINVAL;
	}
	if (w->nsites == UINT32_MAX - 1) {
		return -E2BIG;
	}
	if (grow(&w->sites, &w->sites_cap, (size_t)w->nsites + 1, sizeof(*w->sites), 64)) {
		return -ENOMEM;
	}
	s = &w->sites[w->nsites];
	s->address = address;
	s->line = line;
	ret = add_string(w, object, MAX_SITE, &s->object, NULL);
	if (!ret) {
		ret = add_string(w, function, MAX_SITE, &s->function, NULL);
	}
	if (!ret) {
		ret = add_string(w, file, MAX_SITE, &s->file, NULL);
	}
	if (ret) {
		return ret;
	}
	*index = ++w->nsites; /* numbered from 1 */
	return 0;
}

int rdv_tl_writer_set_site(struct rdv_tl_writer *w, uint32_t index, const char *object,
			   const char *function, const char *file, uint32_t line)
{
	struct site_w *s;
	int ret;

	if (!w || index == RDV_TL_NO_SITE || index > w->nsites) {
		return -EINVAL;
	}
	s = &w->sites[index - 1];
	ret = add_string(w, object, MAX_SITE, &s->object, NULL);
	if (!ret) {
		ret = add_string(w, function, MAX_SITE, &s->function, NULL);
	}
	if (!ret) {
		ret = add_string(w, file, MAX_SITE, &s->file, NULL);
	}
	if (!ret) {
		s->line = line;
	}
	return ret;
}

static bool site_ok(const struct rdv_tl_writer *w, uint32_t site)
{
	return site == RDV_TL_NO_SITE || site <= w->nsites;
}

/* Appends late records after checking them; *first is the first's index. */
static int add_late(struct rdv_tl_writer *w, const struct rdv_tl_late *late, uint32_t n,
		    uint64_t *first)
{
	for (uint32_t i = 0; i < n; i++) {
		if (late[i].lane >= w->nlanes || (late[i].flags & ~RDV_TL_LATE_FLAGS) ||
		    !site_ok(w, late[i].from_site) || !site_ok(w, late[i].to_site)) {
			return -EINVAL;
		}
	}
	*first = w->nlate;
	for (uint32_t i = 0; i < n; i++) {
		int ret = stage_append(&w->late, &late[i], sizeof(late[i]));

		if (ret) {
			return ret;
		}
		w->nlate++;
	}
	return 0;
}

int rdv_tl_writer_add_isolation_late(struct rdv_tl_writer *w, const struct rdv_tl_isolation *iso,
				     const struct rdv_tl_late *late, uint32_t nlate)
{
	struct rdv_tl_isolation rec;
	int ret;

	if (!w || !iso || (nlate && !late) || iso->lane >= w->nlanes ||
	    iso->request_ns > iso->grant_ns ||
	    (iso->release_ns != 0 && iso->release_ns < iso->grant_ns) ||
	    (iso->straggler_lane != RDV_TL_NO_LANE && iso->straggler_lane >= w->nlanes) ||
	    (iso->flags & ~RDV_TL_ISO_FLAGS) || !site_ok(w, iso->request_site)) {
		return -EINVAL;
	}
	rec = *iso;
	rec.full = rec.full ? 1 : 0;
	rec.vpid = w->lanes[iso->lane].vpid;
	rec.domain = w->lanes[iso->lane].domain;
	rec.thread = w->lanes[iso->lane].thread;
	rec.nlate = nlate;
	rec.reserved = 0;
	ret = add_late(w, late, nlate, &rec.late_first);
	if (!ret) {
		ret = stage_append(&w->iso, &rec, sizeof(rec));
	}
	if (ret) {
		return ret;
	}
	w->nisolations++;
	w->lanes[iso->lane].isolations++;
	return 0;
}

int rdv_tl_writer_add_isolation(struct rdv_tl_writer *w, const struct rdv_tl_isolation *iso)
{
	return rdv_tl_writer_add_isolation_late(w, iso, NULL, 0);
}

int rdv_tl_writer_add_stall(struct rdv_tl_writer *w, uint32_t lane, uint64_t time_ns,
			    uint64_t waited_ns, const uint32_t *late_lanes, uint32_t nlate)
{
	struct rdv_tl_stall *s;
	int ret = 0;

	if (!w || lane >= w->nlanes || (nlate && !late_lanes) ||
	    (w->nstalls && time_ns < w->stalls[w->nstalls - 1].time_ns)) {
		return -EINVAL;
	}
	for (uint32_t i = 0; i < nlate; i++) {
		if (late_lanes[i] >= w->nlanes) {
			return -EINVAL;
		}
	}
	if (grow(&w->stalls, &w->stalls_cap, (size_t)w->nstalls + 1, sizeof(*w->stalls), 16)) {
		return -ENOMEM;
	}
	s = &w->stalls[w->nstalls];
	s->lane = lane;
	s->nlate = nlate;
	s->time_ns = time_ns;
	s->waited_ns = waited_ns;
	s->late_first = w->nlate;
	for (uint32_t i = 0; i < nlate && !ret; i++) {
		struct rdv_tl_late l = {
		    .lane = late_lanes[i], .from_site = RDV_TL_NO_SITE, .to_site = RDV_TL_NO_SITE};

		ret = stage_append(&w->late, &l, sizeof(l));
		w->nlate++;
	}
	if (ret) {
		return ret;
	}
	w->nstalls++;
	return 0;
}

int rdv_tl_writer_set_trace(struct rdv_tl_writer *w, const struct rdv_tl_trace *trace)
{
	if (!w || !trace || trace->begin_ns > trace->end_ns) {
		return -EINVAL;
	}
	w->trace = *trace;
	return 0;
}

int rdv_tl_writer_set_info(struct rdv_tl_writer *w, uint64_t begin_ns, uint64_t end_ns,
			   uint64_t events, uint64_t discarded_events)
{
	struct rdv_tl_trace t = {.begin_ns = begin_ns,
				 .end_ns = end_ns,
				 .events = events,
				 .discarded_events = discarded_events};

	return rdv_tl_writer_set_trace(w, &t);
}

int rdv_tl_writer_set_latency(struct rdv_tl_writer *w, enum rdv_tl_latency_kind kind,
			      const struct rdv_tl_latency *lat)
{
	if (!w || !lat || (unsigned)kind >= RDV_TL_NLATENCIES || !latency_ok(lat)) {
		return -EINVAL;
	}
	w->lat[kind] = *lat;
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
	uint64_t len = w->nisolations * TL_ISO_SIZE;
	long page = sysconf(_SC_PAGESIZE);
	uint64_t map_off, skip;
	void *map;
	int ret;

	if (w->nisolations == 0) {
		return 0;
	}
	ret = stage_copy(&w->iso, w->fd, iso_off);
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

static void put_lane(unsigned char *rec, const struct lane_w *l, const struct lane_out *o)
{
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
	put64(rec + L_REGISTRATIONS, l->stats.registrations);
	put64(rec + L_BLOCKED, l->stats.blocked_count);
	put64(rec + L_STRAGGLER_COUNT, l->stats.straggler_count);
	put64(rec + L_STRAGGLER_DELAY, l->stats.straggler_delay_ns);
}

static void put_header(unsigned char *hdr, const struct rdv_tl_writer *w, uint64_t file_size,
		       const uint64_t off[8])
{
	const struct rdv_tl_trace *t = &w->trace;

	memcpy(hdr + H_MAGIC, TL_MAGIC, 8);
	put32(hdr + H_VERSION, RDV_TL_VERSION);
	put32(hdr + H_HEADER_SIZE, TL_HEADER_SIZE);
	put64(hdr + H_FILE_SIZE, file_size);
	put64(hdr + H_BEGIN, t->begin_ns);
	put64(hdr + H_END, t->end_ns);
	put64(hdr + H_EVENTS, t->events);
	put64(hdr + H_DISCARDED, t->discarded_events);
	put32(hdr + H_NLANES, w->nlanes);
	put32(hdr + H_STRIDE, K);
	put64(hdr + H_LANES_OFF, off[0]);
	put64(hdr + H_STRINGS_OFF, off[1]);
	put64(hdr + H_STRINGS_SIZE, off[2] - off[1]);
	put64(hdr + H_LAT_OFF, off[2]);
	put32(hdr + H_NLAT, RDV_TL_NLATENCIES);
	put32(hdr + H_NBUCKETS, RDV_TL_HIST_BUCKETS);
	put32(hdr + H_NSTATES, RDV_TL_NSTATES);
	put32(hdr + H_FLAGS, 0);
	put64(hdr + H_SITE_OFF, off[3]);
	put64(hdr + H_NSITE, w->nsites);
	put64(hdr + H_ISO_OFF, off[4]);
	put64(hdr + H_NISO, w->nisolations);
	put64(hdr + H_LATE_OFF, off[5]);
	put64(hdr + H_NLATE, w->nlate);
	put64(hdr + H_STALL_OFF, off[6]);
	put64(hdr + H_NSTALL, w->nstalls);
	put64(hdr + H_DISCARDED_PACKETS, t->discarded_packets);
	put64(hdr + H_GAPS, t->gaps);
	put32(hdr + H_DOMAINS, t->domains);
	put32(hdr + H_PROCESSES, t->processes);
	put32(hdr + H_LANE_SIZE, TL_LANE_SIZE);
	put32(hdr + H_ISO_SIZE, TL_ISO_SIZE);
	put32(hdr + H_LAT_SIZE, TL_LAT_SIZE);
	put32(hdr + H_LATE_SIZE, TL_LATE_SIZE);
	put32(hdr + H_STALL_SIZE, TL_STALL_SIZE);
	put32(hdr + H_SITE_SIZE, TL_SITE_SIZE);
	put64(hdr + H_INCONSISTENT, t->inconsistent_events);
	put64(hdr + H_STRAGGLER_SKIPPED, t->straggler_skipped_gap);
}

static int write_sites(const struct rdv_tl_writer *w, uint64_t off)
{
	unsigned char *buf;
	int ret;

	if (!w->nsites) {
		return 0;
	}
	buf = calloc(w->nsites, TL_SITE_SIZE);
	if (!buf) {
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < w->nsites; i++) {
		unsigned char *rec = buf + (size_t)i * TL_SITE_SIZE;

		put64(rec + S_ADDRESS, w->sites[i].address);
		put32(rec + S_OBJECT, w->sites[i].object);
		put32(rec + S_FUNCTION, w->sites[i].function);
		put32(rec + S_FILE, w->sites[i].file);
		put32(rec + S_LINE, w->sites[i].line);
	}
	ret = write_all(w->fd, buf, (size_t)w->nsites * TL_SITE_SIZE, off);
	free(buf);
	return ret;
}

int rdv_tl_writer_close(struct rdv_tl_writer *w)
{
	unsigned char hdr[TL_HEADER_SIZE] = {0};
	struct lane_out *outs = NULL;
	unsigned char *lanes = NULL;
	/* lanes, strings, latencies, sites, isolations, late, stalls, arrays */
	uint64_t off[8], end;
	int ret;

	if (!w) {
		return -EINVAL;
	}
	ret = stage_flush(&w->iv);
	if (!ret) {
		ret = stage_flush(&w->iso);
	}
	if (!ret) {
		ret = stage_flush(&w->late);
	}
	if (ret) {
		goto error;
	}

	off[0] = TL_HEADER_SIZE;
	off[1] = off[0] + (uint64_t)w->nlanes * TL_LANE_SIZE;
	off[2] = off[1] + align8(w->strings_len);
	off[3] = off[2] + RDV_TL_NLATENCIES * TL_LAT_SIZE;
	off[4] = off[3] + (uint64_t)w->nsites * TL_SITE_SIZE;
	off[5] = off[4] + w->nisolations * TL_ISO_SIZE;
	off[6] = off[5] + w->nlate * TL_LATE_SIZE;
	off[7] = off[6] + w->nstalls * TL_STALL_SIZE;
	end = off[7];

	outs = calloc(w->nlanes ? w->nlanes : 1, sizeof(*outs));
	lanes = calloc(w->nlanes ? w->nlanes : 1, TL_LANE_SIZE);
	if (!outs || !lanes) {
		ret = -ENOMEM;
		goto error;
	}
	for (uint32_t i = 0; i < w->nlanes; i++) {
		const struct lane_w *l = &w->lanes[i];
		struct lane_out *o = &outs[i];

		o->nck = l->n / K + 1;
		o->begins_off = end;
		end += l->n * 8;
		o->ends_off = end;
		end += l->n * 8;
		o->ck_off = end;
		end += o->nck * TL_CK_ROW;
		o->states_off = end;
		end = align8(end + l->n);
		put_lane(lanes + (size_t)i * TL_LANE_SIZE, l, o);
	}
	if (ftruncate(w->fd, (off_t)end) < 0) {
		ret = -errno;
		goto error;
	}
	ret = write_all(w->fd, lanes, (size_t)w->nlanes * TL_LANE_SIZE, off[0]);
	if (!ret && w->strings_len) {
		ret = write_all(w->fd, w->strings, w->strings_len, off[1]);
	}
	if (!ret) {
		ret = write_all(w->fd, w->lat, sizeof(w->lat), off[2]);
	}
	if (!ret) {
		ret = write_sites(w, off[3]);
	}
	if (!ret) {
		ret = write_isolations(w, off[4]);
	}
	if (!ret) {
		ret = stage_copy(&w->late, w->fd, off[5]);
	}
	if (!ret && w->nstalls) {
		ret = write_all(w->fd, w->stalls, (size_t)w->nstalls * TL_STALL_SIZE, off[6]);
	}
	if (!ret) {
		ret = scatter_intervals(w, outs);
	}
	if (ret) {
		goto error;
	}
	put_header(hdr, w, end, off);
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
	rdv_outfile_forget(&w->out);
	writer_free(w);
	return 0;

error:
	free(outs);
	free(lanes);
	rdv_outfile_remove(&w->out);
	writer_free(w);
	return ret;
}

void rdv_tl_writer_abort(struct rdv_tl_writer *w)
{
	if (!w) {
		return;
	}
	rdv_outfile_remove(&w->out);
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
	const char *strings;	   /* weak: the strings section */
	uint64_t strings_size;
	const unsigned char *sites; /* weak */
	const struct rdv_tl_isolation *isolations;
	const struct rdv_tl_late *late;
	const struct rdv_tl_stall *stalls;
	const struct rdv_tl_latency *lat;
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

/* A string offset names a NUL-terminated string inside the section. */
static bool string_ok(const struct rdv_tl_reader *r, uint32_t off)
{
	return off == TL_NO_STRING ||
	       (off < r->strings_size && memchr(r->strings + off, '\0', r->strings_size - off));
}

static const char *string_at(const struct rdv_tl_reader *r, uint32_t off)
{
	return off == TL_NO_STRING ? NULL : r->strings + off;
}

static int validate_lane(struct rdv_tl_reader *r, uint32_t i, const unsigned char *rec,
			 uint64_t *cursor, char *errbuf, size_t errlen)
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
	l->registrations = get64(rec + L_REGISTRATIONS);
	l->blocked_count = get64(rec + L_BLOCKED);
	l->straggler_count = get64(rec + L_STRAGGLER_COUNT);
	l->straggler_delay_ns = get64(rec + L_STRAGGLER_DELAY);
	for (int s = 0; s < RDV_TL_NSTATES; s++) {
		l->state_ns[s] = get64(rec + L_STATE_NS + 8 * s);
	}
	if ((uint64_t)name_off + name_len >= r->strings_size ||
	    r->strings[(uint64_t)name_off + name_len] != '\0' ||
	    memchr(r->strings + name_off, '\0', name_len)) {
		return fail(errbuf, errlen, -EBADMSG, "lane %u: process name out of bounds", i);
	}
	l->procname = r->strings + name_off;
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

static bool site_index_ok(const struct rdv_tl_reader *r, uint32_t site)
{
	return site == RDV_TL_NO_SITE || site <= r->info.nsites;
}

static bool late_range_ok(const struct rdv_tl_reader *r, uint64_t first, uint64_t n)
{
	return first <= r->info.nlate && n <= r->info.nlate - first;
}

static int validate_records(struct rdv_tl_reader *r, char *errbuf, size_t errlen)
{
	uint32_t nlanes = r->info.nlanes;

	for (uint32_t i = 0; i < r->info.nsites; i++) {
		const unsigned char *s = r->sites + (size_t)i * TL_SITE_SIZE;

		if (!string_ok(r, get32(s + S_OBJECT)) || !string_ok(r, get32(s + S_FUNCTION)) ||
		    !string_ok(r, get32(s + S_FILE))) {
			return fail(errbuf, errlen, -EBADMSG, "site %u: names out of bounds", i);
		}
	}
	for (uint64_t j = 0; j < r->info.nlate; j++) {
		const struct rdv_tl_late *x = &r->late[j];

		if (x->lane >= nlanes || (x->flags & ~RDV_TL_LATE_FLAGS) ||
		    !site_index_ok(r, x->from_site) || !site_index_ok(r, x->to_site)) {
			return fail(errbuf, errlen, -EBADMSG, "late record %llu is corrupt",
				    (unsigned long long)j);
		}
	}
	for (uint64_t j = 0; j < r->info.nisolations; j++) {
		const struct rdv_tl_isolation *x = &r->isolations[j];
		const struct rdv_tl_lane *l = x->lane < nlanes ? &r->lanes[x->lane] : NULL;

		if (!l || x->full > 1 || x->request_ns > x->grant_ns ||
		    (x->release_ns != 0 && x->release_ns < x->grant_ns) ||
		    (x->straggler_lane != RDV_TL_NO_LANE && x->straggler_lane >= nlanes) ||
		    (x->flags & ~RDV_TL_ISO_FLAGS) || x->vpid != l->vpid ||
		    x->domain != l->domain || x->thread != l->thread ||
		    !site_index_ok(r, x->request_site) ||
		    !late_range_ok(r, x->late_first, x->nlate) || x->reserved != 0) {
			return fail(errbuf, errlen, -EBADMSG, "isolation %llu is corrupt",
				    (unsigned long long)j);
		}
		/* The samples are the analysis', over these very times. */
		if (((x->flags & RDV_TL_ISO_WAIT) && (!(x->flags & RDV_TL_ISO_REQUEST_KNOWN) ||
						      x->wait_ns != x->grant_ns - x->request_ns)) ||
		    ((x->flags & RDV_TL_ISO_HOLD) &&
		     (x->release_ns == 0 || x->hold_ns != x->release_ns - x->grant_ns))) {
			return fail(errbuf, errlen, -EBADMSG,
				    "isolation %llu: its latencies do not match its times",
				    (unsigned long long)j);
		}
		if (j > 0 && iso_before(x, &r->isolations[j - 1])) {
			return fail(errbuf, errlen, -EBADMSG,
				    "isolation %llu is not sorted by request time",
				    (unsigned long long)j);
		}
	}
	for (uint64_t j = 0; j < r->info.nstalls; j++) {
		const struct rdv_tl_stall *x = &r->stalls[j];

		if (x->lane >= nlanes || !late_range_ok(r, x->late_first, x->nlate) ||
		    (j > 0 && x->time_ns < r->stalls[j - 1].time_ns)) {
			return fail(errbuf, errlen, -EBADMSG, "stall %llu is corrupt",
				    (unsigned long long)j);
		}
	}
	for (int k = 0; k < RDV_TL_NLATENCIES; k++) {
		if (!latency_ok(&r->lat[k])) {
			return fail(errbuf, errlen, -EBADMSG, "latency distribution %s is corrupt",
				    rdv_tl_latency_name((enum rdv_tl_latency_kind)k));
		}
	}
	return 0;
}

static int reader_validate(struct rdv_tl_reader *r, char *errbuf, size_t errlen)
{
	const unsigned char *h = r->base;
	uint64_t file_size, lanes_off, strings_off, strings_size, lat_off, site_off, iso_off;
	uint64_t late_off, stall_off, nsite, niso, nlate, nstall;
	uint64_t total = 0, iso_per_lane_sum = 0, cursor;
	uint32_t nlanes, version;
	int ret;

	if (r->size < 8 || memcmp(h, TL_MAGIC, 8) != 0) {
		return fail(errbuf, errlen, -EINVAL, "not an rdv timeline file (bad magic number)");
	}
	if (r->size < 12) {
		return fail(errbuf, errlen, -EINVAL, "truncated: %zu bytes", r->size);
	}
	version = get32(h + H_VERSION);
	if (version != RDV_TL_VERSION) {
		return fail(errbuf, errlen, -EINVAL,
			    "timeline format version %u, this rdv reads version %u only (write it "
			    "again with this rdv-analyze --timeline)",
			    version, RDV_TL_VERSION);
	}
	if (r->size < TL_HEADER_SIZE) {
		return fail(errbuf, errlen, -EINVAL, "truncated: %zu bytes, the header alone is %u",
			    r->size, TL_HEADER_SIZE);
	}
	file_size = get64(h + H_FILE_SIZE);
	if (file_size != r->size) {
		return fail(errbuf, errlen, -EINVAL,
			    "%s: the header says %llu bytes, the file has %zu",
			    file_size > r->size ? "truncated" : "trailing bytes",
			    (unsigned long long)file_size, r->size);
	}
	if (get32(h + H_HEADER_SIZE) != TL_HEADER_SIZE || get32(h + H_STRIDE) != K ||
	    get32(h + H_NLAT) != RDV_TL_NLATENCIES ||
	    get32(h + H_NBUCKETS) != RDV_TL_HIST_BUCKETS ||
	    get32(h + H_NSTATES) != RDV_TL_NSTATES || get32(h + H_LANE_SIZE) != TL_LANE_SIZE ||
	    get32(h + H_ISO_SIZE) != TL_ISO_SIZE || get32(h + H_LAT_SIZE) != TL_LAT_SIZE ||
	    get32(h + H_LATE_SIZE) != TL_LATE_SIZE || get32(h + H_STALL_SIZE) != TL_STALL_SIZE ||
	    get32(h + H_SITE_SIZE) != TL_SITE_SIZE) {
		return fail(errbuf, errlen, -EBADMSG, "corrupt header (unexpected constants)");
	}
	if (get32(h + H_FLAGS) != 0) {
		return fail(errbuf, errlen, -EBADMSG, "corrupt header (unknown flags)");
	}
	for (unsigned k = H_RESERVED; k < TL_HEADER_SIZE; k++) {
		if (h[k] != 0) {
			return fail(errbuf, errlen, -EBADMSG, "corrupt header (reserved bytes)");
		}
	}
	nlanes = get32(h + H_NLANES);
	lanes_off = get64(h + H_LANES_OFF);
	strings_off = get64(h + H_STRINGS_OFF);
	strings_size = get64(h + H_STRINGS_SIZE);
	lat_off = get64(h + H_LAT_OFF);
	site_off = get64(h + H_SITE_OFF);
	nsite = get64(h + H_NSITE);
	iso_off = get64(h + H_ISO_OFF);
	niso = get64(h + H_NISO);
	late_off = get64(h + H_LATE_OFF);
	nlate = get64(h + H_NLATE);
	stall_off = get64(h + H_STALL_OFF);
	nstall = get64(h + H_NSTALL);
	if (!section_ok(r->size, lanes_off, nlanes, TL_LANE_SIZE) ||
	    !section_ok(r->size, strings_off, strings_size, 1) ||
	    !section_ok(r->size, lat_off, RDV_TL_NLATENCIES, TL_LAT_SIZE) ||
	    !section_ok(r->size, site_off, nsite, TL_SITE_SIZE) ||
	    !section_ok(r->size, iso_off, niso, TL_ISO_SIZE) ||
	    !section_ok(r->size, late_off, nlate, TL_LATE_SIZE) ||
	    !section_ok(r->size, stall_off, nstall, TL_STALL_SIZE) || nsite >= UINT32_MAX) {
		return fail(errbuf, errlen, -EBADMSG,
			    "corrupt header (a section lies outside the file)");
	}
	/* Version 2 has one layout: the sections follow each other in the order
	 * of FORMAT.md, with no gap and no overlap. */
	if (lanes_off != TL_HEADER_SIZE ||
	    strings_off != lanes_off + (uint64_t)nlanes * TL_LANE_SIZE || strings_size % 8 != 0 ||
	    lat_off != strings_off + strings_size ||
	    site_off != lat_off + RDV_TL_NLATENCIES * TL_LAT_SIZE ||
	    iso_off != site_off + nsite * TL_SITE_SIZE ||
	    late_off != iso_off + niso * TL_ISO_SIZE ||
	    stall_off != late_off + nlate * TL_LATE_SIZE) {
		return fail(errbuf, errlen, -EBADMSG, "corrupt header (sections out of place)");
	}
	if (get64(h + H_BEGIN) > get64(h + H_END)) {
		return fail(errbuf, errlen, -EBADMSG, "corrupt header (begin after end)");
	}
	r->strings = (const char *)r->base + strings_off;
	r->strings_size = strings_size;

	cursor = stall_off + nstall * TL_STALL_SIZE;
	r->lanes = calloc(nlanes ? nlanes : 1, sizeof(*r->lanes));
	if (!r->lanes) {
		return fail(errbuf, errlen, -ENOMEM, "out of memory");
	}
	for (uint32_t i = 0; i < nlanes; i++) {
		ret = validate_lane(r, i, r->base + lanes_off + (uint64_t)i * TL_LANE_SIZE, &cursor,
				    errbuf, errlen);
		if (ret) {
			return ret;
		}
		total += r->lanes[i].nintervals;
		iso_per_lane_sum += r->lanes[i].isolations;
	}
	if (cursor != r->size) {
		return fail(errbuf, errlen, -EBADMSG, "corrupt file (bytes after the last lane)");
	}
	if (iso_per_lane_sum != niso) {
		return fail(errbuf, errlen, -EBADMSG,
			    "isolation counts of the lanes do not add up");
	}

	r->info.version = version;
	r->info.nlanes = nlanes;
	r->info.begin_ns = get64(h + H_BEGIN);
	r->info.end_ns = get64(h + H_END);
	r->info.events = get64(h + H_EVENTS);
	r->info.discarded_events = get64(h + H_DISCARDED);
	r->info.discarded_packets = get64(h + H_DISCARDED_PACKETS);
	r->info.gaps = get64(h + H_GAPS);
	r->info.inconsistent_events = get64(h + H_INCONSISTENT);
	r->info.straggler_skipped_gap = get64(h + H_STRAGGLER_SKIPPED);
	r->info.domains = get32(h + H_DOMAINS);
	r->info.processes = get32(h + H_PROCESSES);
	r->info.nintervals = total;
	r->info.nisolations = niso;
	r->info.nlate = nlate;
	r->info.nstalls = nstall;
	r->info.nsites = nsite;
	r->info.file_size = file_size;
	r->sites = r->base + site_off;
	r->isolations = (const struct rdv_tl_isolation *)(r->base + iso_off);
	r->late = (const struct rdv_tl_late *)(r->base + late_off);
	r->stalls = (const struct rdv_tl_stall *)(r->base + stall_off);
	r->lat = (const struct rdv_tl_latency *)(r->base + lat_off);
	return validate_records(r, errbuf, errlen);
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

const struct rdv_tl_late *rdv_tl_reader_late(const struct rdv_tl_reader *r, uint64_t *count)
{
	*count = r->info.nlate;
	return r->late;
}

const struct rdv_tl_stall *rdv_tl_reader_stalls(const struct rdv_tl_reader *r, uint64_t *count)
{
	*count = r->info.nstalls;
	return r->stalls;
}

int rdv_tl_reader_site(const struct rdv_tl_reader *r, uint32_t index, struct rdv_tl_site_info *out)
{
	const unsigned char *s;

	if (index == RDV_TL_NO_SITE || index > r->info.nsites) {
		return -ERANGE;
	}
	s = r->sites + (size_t)(index - 1) * TL_SITE_SIZE;
	out->address = get64(s + S_ADDRESS);
	out->object = string_at(r, get32(s + S_OBJECT));
	out->function = string_at(r, get32(s + S_FUNCTION));
	out->file = string_at(r, get32(s + S_FILE));
	out->line = get32(s + S_LINE);
	return 0;
}

const struct rdv_tl_latency *rdv_tl_reader_latency(const struct rdv_tl_reader *r,
						   enum rdv_tl_latency_kind kind)
{
	if ((unsigned)kind >= RDV_TL_NLATENCIES) {
		return NULL;
	}
	return &r->lat[kind];
}
