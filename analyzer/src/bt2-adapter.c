/* SPDX-License-Identifier: MIT */
#include "bt2-adapter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NO_INDEX UINT64_MAX
#define ENUM_TABLE 256 /* values below this are mapped by table */

enum {
	F_DOMAIN,
	F_THREAD,
	F_OS_TID,
	F_MAX_THREADS,
	F_OP,
	F_MASK,
	F_WORD,
	F_OLD,
	F_NEW,
	F_CALLER, /* provider version 2, optional */
	F_WAITED,
	F_LATE, /* a sequence of thread indices */
	F_N
};

static const char *const field_names[F_N] = {
    "domain", "thread", "os_tid", "max_threads", "op",	      "mask",
    "word",   "old",	"new",	  "caller",	 "waited_ns", "late",
};

/* The events that say what is mapped where (symbols.h). */
enum map_kind {
	MAP_NONE,
	MAP_BEGIN,
	MAP_END,
	MAP_ADD,
	MAP_BUILD_ID,
	MAP_DEBUG_LINK,
	MAP_REMOVE,
};

enum { M_BADDR, M_MEMSZ, M_PATH, M_BUILD_ID, M_FILENAME, M_CRC, M_N };

static const char *const map_field_names[M_N] = {
    "baddr", "memsz", "path", "build_id", "filename", "crc",
};

#define MAX_LATE 65536 /* a stall names at most this many late threads */

/* What each rdv event must carry (DESIGN.md §3). */
static const struct {
	const char *name;
	enum analysis_kind kind;
	unsigned fields; /* bit per F_* */
} rdv_events[] = {
    {"rdv:domain_create", AN_EV_DOMAIN_CREATE, 1u << F_DOMAIN | 1u << F_MAX_THREADS},
    {"rdv:domain_destroy", AN_EV_DOMAIN_DESTROY, 1u << F_DOMAIN},
    {"rdv:thread_register", AN_EV_THREAD_REGISTER,
     1u << F_DOMAIN | 1u << F_THREAD | 1u << F_OS_TID},
    {"rdv:thread_unregister", AN_EV_THREAD_UNREGISTER, 1u << F_DOMAIN | 1u << F_THREAD},
    {"rdv:mask_change", AN_EV_MASK_CHANGE,
     1u << F_DOMAIN | 1u << F_THREAD | 1u << F_OP | 1u << F_MASK | 1u << F_WORD | 1u << F_OLD |
	 1u << F_NEW},
    {"rdv:stall", AN_EV_STALL, 1u << F_DOMAIN | 1u << F_THREAD | 1u << F_WAITED | 1u << F_LATE},
};

/* Per event class, computed at its first event. */
struct ec_info {
	const bt_event_class *ec; /* weak: the key */
	int rdv;		  /* 0: not an rdv event (skipped) */
	int known;		  /* 1: one of rdv_events, 0: another rdv:* event */
	enum analysis_kind kind;
	uint64_t idx[F_N];
	uint8_t is_signed[F_N];
	uint64_t ctx_vpid, ctx_vtid, ctx_procname; /* NO_INDEX: absent or unusable */
	uint8_t ctx_vpid_signed, ctx_vtid_signed;
	uint8_t op_table[ENUM_TABLE];
	uint8_t mask_table[ENUM_TABLE];
	int op_slow, mask_slow; /* values beyond the table: look labels up */
	int has_caller;		/* an integer `caller` (provider version 2) */
	enum map_kind map;	/* a statedump / loader event (rdv 0) */
	uint64_t midx[M_N];
	uint8_t msigned[M_N];
};

struct trace_info {
	const bt_trace *trace; /* weak */
	int64_t env_vpid;      /* -1: none */
};

struct bt2_adapter {
	struct analysis *a;    /* weak */
	struct sym_table *sym; /* weak, may be NULL */
	struct ec_info *ecs;   /* owned: open addressing by ec pointer */
	size_t ec_cap, ec_used;
	struct ec_info *last;	   /* weak: cache */
	struct trace_info *traces; /* owned */
	size_t ntraces;
	const bt_stream *last_stream; /* weak: cache of trace_id_of() */
	uint32_t last_trace_id;
	int64_t last_ns;
	int missing_vpid;
	uint32_t *late; /* owned: a stall's late thread indices */
	size_t late_cap;
	/* The last answers of sym_resolve() (direct-mapped by address):
	 * consecutive events of a call share their caller. Emptied by every
	 * map event, so that an answer never outlives what was mapped. */
	struct {
		int64_t vpid;
		uint64_t caller;
		const struct sym_site *site;
	} sites[64];
	char err[512];
};

int bt2_adapter_create(struct analysis *a, struct sym_table *sym, struct bt2_adapter **out)
{
	struct bt2_adapter *ad = calloc(1, sizeof(*ad));

	*out = NULL;
	if (!ad) {
		return -ENOMEM;
	}
	ad->a = a;
	ad->sym = sym;
	*out = ad;
	return 0;
}

void bt2_adapter_destroy(struct bt2_adapter *ad)
{
	if (!ad) {
		return;
	}
	free(ad->ecs);
	free(ad->traces);
	free(ad->late);
	free(ad);
}

void bt2_adapter_forget(struct bt2_adapter *ad)
{
	free(ad->ecs);
	ad->ecs = NULL;
	ad->ec_cap = ad->ec_used = 0;
	ad->last = NULL;
	ad->last_stream = NULL;
	/* trace ids stay: the analysis keys gaps by them */
	for (size_t i = 0; i < ad->ntraces; i++) {
		ad->traces[i].trace = NULL;
	}
}

const char *bt2_adapter_error(const struct bt2_adapter *ad)
{
	return ad->err;
}

int64_t bt2_adapter_last_ns(const struct bt2_adapter *ad)
{
	return ad->last_ns;
}

int bt2_adapter_missing_vpid(const struct bt2_adapter *ad)
{
	return ad->missing_vpid;
}

static size_t ptr_hash(const void *p, size_t cap)
{
	uint64_t h = (uint64_t)(uintptr_t)p * UINT64_C(0x9E3779B97F4A7C15);

	return (size_t)(h >> 32) & (cap - 1);
}

static struct ec_info *ec_slot(struct bt2_adapter *ad, const bt_event_class *ec)
{
	size_t i;

	for (i = ptr_hash(ec, ad->ec_cap); ad->ecs[i].ec && ad->ecs[i].ec != ec;
	     i = (i + 1) & (ad->ec_cap - 1)) {
	}
	return &ad->ecs[i];
}

static int ec_grow(struct bt2_adapter *ad)
{
	size_t ocap = ad->ec_cap, ncap = ocap ? ocap * 2 : 64;
	struct ec_info *old = ad->ecs;

	ad->ecs = calloc(ncap, sizeof(*ad->ecs));
	if (!ad->ecs) {
		ad->ecs = old;
		return -ENOMEM;
	}
	ad->ec_cap = ncap;
	for (size_t i = 0; i < ocap; i++) {
		if (old[i].ec) {
			*ec_slot(ad, old[i].ec) = old[i];
		}
	}
	free(old);
	ad->last = NULL;
	return 0;
}

static uint64_t member_index(const bt_field_class *sfc, const char *name)
{
	uint64_t n;

	if (!sfc || bt_field_class_get_type(sfc) != BT_FIELD_CLASS_TYPE_STRUCTURE) {
		return NO_INDEX;
	}
	n = bt_field_class_structure_get_member_count(sfc);
	for (uint64_t i = 0; i < n; i++) {
		const bt_field_class_structure_member *m =
		    bt_field_class_structure_borrow_member_by_index_const(sfc, i);

		if (strcmp(bt_field_class_structure_member_get_name(m), name) == 0) {
			return i;
		}
	}
	return NO_INDEX;
}

static const bt_field_class *member_class(const bt_field_class *sfc, uint64_t i)
{
	return bt_field_class_structure_member_borrow_field_class_const(
	    bt_field_class_structure_borrow_member_by_index_const(sfc, i));
}

/* Fills table[value] with the analysis value of each label (op or mask);
 * returns 1 when some value is beyond the table (labels then looked up per
 * event). */
static int build_enum_table(const bt_field_class *fc, uint8_t *table, int is_op)
{
	int slow = 0;
	uint64_t n;

	memset(table, is_op ? AN_OP_OTHER : AN_MASK_OTHER, ENUM_TABLE);
	if (bt_field_class_get_type(fc) != BT_FIELD_CLASS_TYPE_UNSIGNED_ENUMERATION) {
		return 1;
	}
	n = bt_field_class_enumeration_get_mapping_count(fc);
	for (uint64_t i = 0; i < n; i++) {
		const bt_field_class_enumeration_unsigned_mapping *m =
		    bt_field_class_enumeration_unsigned_borrow_mapping_by_index_const(fc, i);
		const char *label = bt_field_class_enumeration_mapping_get_label(
		    bt_field_class_enumeration_unsigned_mapping_as_mapping_const(m));
		const bt_integer_range_set_unsigned *rs =
		    bt_field_class_enumeration_unsigned_mapping_borrow_ranges_const(m);
		uint64_t nr = bt_integer_range_set_get_range_count(
		    bt_integer_range_set_unsigned_as_range_set_const(rs));
		int v = is_op ? (int)analysis_op_from_label(label)
			      : (int)analysis_mask_from_label(label);

		for (uint64_t r = 0; r < nr; r++) {
			const bt_integer_range_unsigned *range =
			    bt_integer_range_set_unsigned_borrow_range_by_index_const(rs, r);
			uint64_t lo = bt_integer_range_unsigned_get_lower(range);
			uint64_t hi = bt_integer_range_unsigned_get_upper(range);

			if (hi >= ENUM_TABLE) {
				slow = 1;
				hi = ENUM_TABLE - 1;
			}
			for (uint64_t x = lo; x <= hi; x++) {
				table[x] = (uint8_t)v;
			}
		}
	}
	return slow;
}

static int is_integer_class(const bt_field_class *fc, uint8_t *is_signed)
{
	bt_field_class_type t = bt_field_class_get_type(fc);

	*is_signed = bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER);
	return bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_INTEGER);
}

static int is_sequence_of_integers(const bt_field_class *fc)
{
	uint8_t is_signed;

	return bt_field_class_type_is(bt_field_class_get_type(fc),
				      BT_FIELD_CLASS_TYPE_DYNAMIC_ARRAY) &&
	       is_integer_class(bt_field_class_array_borrow_element_field_class_const(fc),
				&is_signed);
}

static void describe_context(struct ec_info *info, const bt_field_class *ctx)
{
	info->ctx_vpid = member_index(ctx, "vpid");
	if (info->ctx_vpid != NO_INDEX &&
	    !is_integer_class(member_class(ctx, info->ctx_vpid), &info->ctx_vpid_signed)) {
		info->ctx_vpid = NO_INDEX;
	}
	info->ctx_vtid = member_index(ctx, "vtid");
	if (info->ctx_vtid != NO_INDEX &&
	    !is_integer_class(member_class(ctx, info->ctx_vtid), &info->ctx_vtid_signed)) {
		info->ctx_vtid = NO_INDEX;
	}
	info->ctx_procname = member_index(ctx, "procname");
	if (info->ctx_procname != NO_INDEX &&
	    bt_field_class_get_type(member_class(ctx, info->ctx_procname)) !=
		BT_FIELD_CLASS_TYPE_STRING) {
		info->ctx_procname = NO_INDEX;
	}
}

/* A statedump or loader event: which one, and where its fields are (the
 * field classes are checked: a field of another type is taken as absent,
 * and the event is then skipped). */
static void describe_map(struct ec_info *info, const char *name, const bt_field_class *payload,
			 const bt_field_class *ctx)
{
	const char *ev = strchr(name, ':');
	static const struct {
		const char *name;
		enum map_kind kind;
		unsigned need;
	} maps[] = {
	    {"lttng_ust_statedump:start", MAP_BEGIN, 0},
	    {"lttng_ust_statedump:end", MAP_END, 0},
	    {"lttng_ust_statedump:bin_info", MAP_ADD, 1u << M_BADDR | 1u << M_MEMSZ | 1u << M_PATH},
	    {"lttng_ust_lib:load", MAP_ADD, 1u << M_BADDR | 1u << M_MEMSZ | 1u << M_PATH},
	    {"lttng_ust_dl:dlopen", MAP_ADD, 1u << M_BADDR | 1u << M_MEMSZ | 1u << M_PATH},
	    {"lttng_ust_dl:dlmopen", MAP_ADD, 1u << M_BADDR | 1u << M_MEMSZ | 1u << M_PATH},
	    {"lttng_ust_lib:unload", MAP_REMOVE, 1u << M_BADDR},
	};
	enum map_kind kind = MAP_NONE;
	unsigned need = 0;

	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		if (strcmp(name, maps[i].name) == 0) {
			kind = maps[i].kind;
			need = maps[i].need;
		}
	}
	if (kind == MAP_NONE && ev && strcmp(ev, ":build_id") == 0) {
		kind = MAP_BUILD_ID;
		need = 1u << M_BADDR | 1u << M_BUILD_ID;
	} else if (kind == MAP_NONE && ev && strcmp(ev, ":debug_link") == 0) {
		kind = MAP_DEBUG_LINK;
		need = 1u << M_BADDR | 1u << M_FILENAME | 1u << M_CRC;
	}
	if (kind == MAP_NONE) {
		return;
	}
	for (int f = 0; f < M_N; f++) {
		const bt_field_class *fc;
		bt_field_class_type t;

		info->midx[f] = member_index(payload, map_field_names[f]);
		if (!(need & (1u << f))) {
			continue;
		}
		if (info->midx[f] == NO_INDEX) {
			return;
		}
		fc = member_class(payload, info->midx[f]);
		t = bt_field_class_get_type(fc);
		if (f == M_PATH || f == M_FILENAME) {
			if (t != BT_FIELD_CLASS_TYPE_STRING) {
				return;
			}
		} else if (f == M_BUILD_ID) {
			uint8_t sg;

			if (!bt_field_class_type_is(t, BT_FIELD_CLASS_TYPE_ARRAY) ||
			    !is_integer_class(
				bt_field_class_array_borrow_element_field_class_const(fc), &sg)) {
				return;
			}
		} else if (!is_integer_class(fc, &info->msigned[f])) {
			return;
		}
	}
	info->map = kind;
	describe_context(info, ctx);
}

static int ec_describe(struct bt2_adapter *ad, const bt_event_class *ec, struct ec_info *info)
{
	const char *name = bt_event_class_get_name(ec);
	const bt_field_class *payload = bt_event_class_borrow_payload_field_class_const(ec);
	const bt_stream_class *sc = bt_event_class_borrow_stream_class_const(ec);
	const bt_field_class *ctx =
	    bt_stream_class_borrow_event_common_context_field_class_const(sc);
	unsigned need = 0;

	memset(info, 0, sizeof(*info));
	info->ec = ec;
	if (name && strncmp(name, "lttng_ust_", 10) == 0) {
		describe_map(info, name, payload, ctx);
		return 0;
	}
	if (!name || strncmp(name, "rdv:", 4) != 0) {
		return 0;
	}
	info->rdv = 1;
	for (size_t i = 0; i < sizeof(rdv_events) / sizeof(rdv_events[0]); i++) {
		if (strcmp(name, rdv_events[i].name) == 0) {
			info->known = 1;
			info->kind = rdv_events[i].kind;
			need = rdv_events[i].fields;
		}
	}
	for (int f = 0; f < F_N; f++) {
		info->idx[f] = member_index(payload, field_names[f]);
		if (f == F_CALLER && info->idx[f] != NO_INDEX) {
			info->has_caller = is_integer_class(member_class(payload, info->idx[f]),
							    &info->is_signed[f]);
		}
		if (!(need & (1u << f))) {
			continue;
		}
		if (info->idx[f] == NO_INDEX) {
			snprintf(ad->err, sizeof(ad->err),
				 "event '%s' lacks field '%s' (not the rdv provider schema of "
				 "DESIGN.md §3; another provider version?)",
				 name, field_names[f]);
			return -EPROTO;
		}
		const bt_field_class *fc = member_class(payload, info->idx[f]);

		if (f == F_LATE) {
			if (!is_sequence_of_integers(fc)) {
				snprintf(ad->err, sizeof(ad->err),
					 "field 'late' of event '%s' is not a sequence of integers "
					 "(not the rdv provider schema of DESIGN.md §3)",
					 name);
				return -EPROTO;
			}
			continue;
		}
		if (!is_integer_class(fc, &info->is_signed[f])) {
			snprintf(ad->err, sizeof(ad->err),
				 "field '%s' of event '%s' is not an integer (not the rdv provider "
				 "schema of DESIGN.md §3)",
				 field_names[f], name);
			return -EPROTO;
		}
		if (f == F_OP || f == F_MASK) {
			if (!bt_field_class_type_is(bt_field_class_get_type(fc),
						    BT_FIELD_CLASS_TYPE_ENUMERATION)) {
				snprintf(ad->err, sizeof(ad->err),
					 "field '%s' of event '%s' is not an enumeration (not the "
					 "rdv provider schema of DESIGN.md §3)",
					 field_names[f], name);
				return -EPROTO;
			}
			if (f == F_OP) {
				info->op_slow = build_enum_table(fc, info->op_table, 1);
			} else {
				info->mask_slow = build_enum_table(fc, info->mask_table, 0);
			}
		}
	}
	describe_context(info, ctx);
	return 0;
}

static struct ec_info *ec_lookup(struct bt2_adapter *ad, const bt_event_class *ec, int *ret)
{
	struct ec_info *slot;

	*ret = 0;
	if (ad->last && ad->last->ec == ec) {
		return ad->last;
	}
	if ((ad->ec_used + 1) * 2 > ad->ec_cap) {
		*ret = ec_grow(ad);
		if (*ret) {
			return NULL;
		}
	}
	slot = ec_slot(ad, ec);
	if (!slot->ec) {
		*ret = ec_describe(ad, ec, slot);
		if (*ret) {
			memset(slot, 0, sizeof(*slot));
			return NULL;
		}
		ad->ec_used++;
	}
	ad->last = slot;
	return slot;
}

static uint32_t trace_id_of(struct bt2_adapter *ad, const bt_stream *stream, int64_t *env_vpid)
{
	const bt_trace *trace;
	struct trace_info *ti;

	if (stream == ad->last_stream && ad->last_trace_id < ad->ntraces) {
		*env_vpid = ad->traces[ad->last_trace_id].env_vpid;
		return ad->last_trace_id;
	}
	ad->last_stream = stream;
	trace = bt_stream_borrow_trace_const(stream);
	for (size_t i = 0; i < ad->ntraces; i++) {
		if (ad->traces[i].trace == trace) {
			*env_vpid = ad->traces[i].env_vpid;
			ad->last_trace_id = (uint32_t)i;
			return (uint32_t)i;
		}
	}
	ti = realloc(ad->traces, (ad->ntraces + 1) * sizeof(*ti));
	if (!ti) {
		*env_vpid = -1;
		ad->last_stream = NULL;
		return 0;
	}
	ad->traces = ti;
	ti = &ad->traces[ad->ntraces];
	ti->trace = trace;
	ti->env_vpid = -1;
	{
		const bt_value *v =
		    bt_trace_borrow_environment_entry_value_by_name_const(trace, "vpid");

		if (v && bt_value_get_type(v) == BT_VALUE_TYPE_SIGNED_INTEGER) {
			ti->env_vpid = bt_value_integer_signed_get(v);
		}
	}
	*env_vpid = ti->env_vpid;
	ad->last_trace_id = (uint32_t)ad->ntraces;
	return (uint32_t)ad->ntraces++;
}

static uint64_t read_u(const bt_field *sf, uint64_t idx, uint8_t is_signed)
{
	const bt_field *f = bt_field_structure_borrow_member_field_by_index_const(sf, idx);

	return is_signed ? (uint64_t)bt_field_integer_signed_get_value(f)
			 : bt_field_integer_unsigned_get_value(f);
}

static int label_lookup(const bt_field *sf, uint64_t idx, int is_op)
{
	const bt_field *f = bt_field_structure_borrow_member_field_by_index_const(sf, idx);
	bt_field_class_enumeration_mapping_label_array labels;
	uint64_t n = 0;

	if (bt_field_get_class_type(f) == BT_FIELD_CLASS_TYPE_UNSIGNED_ENUMERATION) {
		if (bt_field_enumeration_unsigned_get_mapping_labels(f, &labels, &n)) {
			n = 0;
		}
	} else if (bt_field_enumeration_signed_get_mapping_labels(f, &labels, &n)) {
		n = 0;
	}
	for (uint64_t i = 0; i < n; i++) {
		int v = is_op ? (int)analysis_op_from_label(labels[i])
			      : (int)analysis_mask_from_label(labels[i]);

		if (v != (is_op ? AN_OP_OTHER : AN_MASK_OTHER)) {
			return v;
		}
	}
	return is_op ? AN_OP_OTHER : AN_MASK_OTHER;
}

/* A stall's sequence of late thread indices, into ad->late. */
static int read_late(struct bt2_adapter *ad, const bt_field *payload, uint64_t idx,
		     struct analysis_event *ev)
{
	const bt_field *seq = bt_field_structure_borrow_member_field_by_index_const(payload, idx);
	uint64_t n = bt_field_array_get_length(seq);

	if (n > MAX_LATE) {
		n = MAX_LATE;
	}
	if (n > ad->late_cap) {
		uint32_t *nl = realloc(ad->late, (size_t)n * sizeof(*nl));

		if (!nl) {
			snprintf(ad->err, sizeof(ad->err), "out of memory");
			return -ENOMEM;
		}
		ad->late = nl;
		ad->late_cap = (size_t)n;
	}
	for (uint64_t i = 0; i < n; i++) {
		const bt_field *f = bt_field_array_borrow_element_field_by_index_const(seq, i);

		ad->late[i] = bt_field_get_class_type(f) == BT_FIELD_CLASS_TYPE_SIGNED_INTEGER
				  ? (uint32_t)bt_field_integer_signed_get_value(f)
				  : (uint32_t)bt_field_integer_unsigned_get_value(f);
	}
	ev->late = ad->late;
	ev->nlate = (uint32_t)n;
	return 0;
}

/* The vpid of an event (context, else the trace's environment); -1 when
 * neither says. */
static int64_t event_vpid(struct bt2_adapter *ad, const struct ec_info *info, const bt_event *event,
			  int64_t env_vpid)
{
	const bt_field *ctx = bt_event_borrow_common_context_field_const(event);

	if (ctx && info->ctx_vpid != NO_INDEX) {
		return (int64_t)(uint32_t)read_u(ctx, info->ctx_vpid, info->ctx_vpid_signed);
	}
	(void)ad;
	return env_vpid;
}

/* A statedump or loader event -> the symbol table (symbols.h). Only an
 * allocation failure is an error: a map event the table refuses (an
 * object it does not know, a bad size) leaves names unresolved, no more. */
static int feed_map(struct bt2_adapter *ad, const struct ec_info *info, const bt_event *event,
		    int64_t vpid)
{
	const bt_field *p = bt_event_borrow_payload_field_const(event);
	uint64_t baddr = 0, memsz = 0;
	int ret = 0;

	if (!ad->sym || vpid < 0 || !p) {
		return 0;
	}
	if (info->midx[M_BADDR] != NO_INDEX) {
		baddr = read_u(p, info->midx[M_BADDR], info->msigned[M_BADDR]);
	}
	switch (info->map) {
	case MAP_BEGIN:
		ret = sym_statedump_begin(ad->sym, vpid);
		break;
	case MAP_END:
		ret = sym_statedump_end(ad->sym, vpid);
		break;
	case MAP_ADD:
		memsz = read_u(p, info->midx[M_MEMSZ], info->msigned[M_MEMSZ]);
		ret = sym_add_object(
		    ad->sym, vpid, baddr, memsz,
		    bt_field_string_get_value(bt_field_structure_borrow_member_field_by_index_const(
			p, info->midx[M_PATH])));
		break;
	case MAP_BUILD_ID: {
		const bt_field *f = bt_field_structure_borrow_member_field_by_index_const(
		    p, info->midx[M_BUILD_ID]);
		uint64_t n = bt_field_array_get_length(f);
		uint8_t id[64];

		if (n == 0 || n > sizeof(id)) {
			return 0;
		}
		for (uint64_t i = 0; i < n; i++) {
			const bt_field *e =
			    bt_field_array_borrow_element_field_by_index_const(f, i);

			id[i] = bt_field_class_type_is(bt_field_get_class_type(e),
						       BT_FIELD_CLASS_TYPE_SIGNED_INTEGER)
				    ? (uint8_t)bt_field_integer_signed_get_value(e)
				    : (uint8_t)bt_field_integer_unsigned_get_value(e);
		}
		ret = sym_set_build_id(ad->sym, vpid, baddr, id, (size_t)n);
		break;
	}
	case MAP_DEBUG_LINK:
		ret = sym_set_debug_link(
		    ad->sym, vpid, baddr,
		    bt_field_string_get_value(bt_field_structure_borrow_member_field_by_index_const(
			p, info->midx[M_FILENAME])),
		    (uint32_t)read_u(p, info->midx[M_CRC], info->msigned[M_CRC]));
		break;
	case MAP_REMOVE:
		/* lttng_ust_dl:dlclose is not fed: see sym_remove_object() */
		ret = sym_remove_object(ad->sym, vpid, baddr);
		break;
	default:
		break;
	}
	memset(ad->sites, 0, sizeof(ad->sites));
	if (ret == -ENOMEM) {
		snprintf(ad->err, sizeof(ad->err), "out of memory");
		return ret;
	}
	return 0;
}

/* `caller` of process vpid -> its site (symbols.h), through the cache. */
static int resolve(struct bt2_adapter *ad, int64_t vpid, uint64_t caller,
		   const struct sym_site **site)
{
	unsigned i = (unsigned)((caller ^ caller >> 7) & 63);
	int ret;

	if (ad->sites[i].caller == caller && ad->sites[i].vpid == vpid && ad->sites[i].site) {
		*site = ad->sites[i].site;
		return 0;
	}
	ret = sym_resolve(ad->sym, vpid, caller, site);
	if (!ret) {
		ad->sites[i].vpid = vpid;
		ad->sites[i].caller = caller;
		ad->sites[i].site = *site;
	}
	return ret;
}

static int feed_event(struct bt2_adapter *ad, const bt_message *msg)
{
	const bt_event *event = bt_message_event_borrow_event_const(msg);
	const bt_event_class *ec = bt_event_borrow_class_const(event);
	struct analysis_event ev;
	const bt_field *payload, *ctx;
	const bt_clock_snapshot *cs;
	struct ec_info *info;
	int64_t ns, env_vpid;
	int ret;

	info = ec_lookup(ad, ec, &ret);
	if (!info) {
		return ret;
	}
	if (info->map) {
		int64_t env;

		(void)trace_id_of(ad, bt_event_borrow_stream_const(event), &env);
		return feed_map(ad, info, event, event_vpid(ad, info, event, env));
	}
	if (!info->rdv) {
		return 0;
	}
	if (!bt_stream_class_borrow_default_clock_class_const(
		bt_event_class_borrow_stream_class_const(ec))) {
		snprintf(ad->err, sizeof(ad->err),
			 "rdv events have no timestamps (no default clock)");
		return -EPROTO;
	}
	cs = bt_message_event_borrow_default_clock_snapshot_const(msg);
	if (bt_clock_snapshot_get_ns_from_origin(cs, &ns) !=
	    BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK) {
		snprintf(ad->err, sizeof(ad->err),
			 "an event timestamp overflows 64-bit ns from origin");
		return -ERANGE;
	}
	ad->last_ns = ns;
	memset(&ev, 0, sizeof(ev));
	ev.ts = ns < 0 ? 0 : (uint64_t)ns;
	ev.trace_id = trace_id_of(ad, bt_event_borrow_stream_const(event), &env_vpid);
	if (!info->known) {
		ev.kind = AN_EV_OTHER;
		return analysis_feed_event(ad->a, &ev);
	}
	ev.kind = info->kind;
	ctx = bt_event_borrow_common_context_field_const(event);
	if (ctx && info->ctx_vpid != NO_INDEX) {
		ev.vpid = (uint32_t)read_u(ctx, info->ctx_vpid, info->ctx_vpid_signed);
	} else if (env_vpid >= 0) {
		ev.vpid = (uint32_t)env_vpid;
	} else {
		ad->missing_vpid = 1;
	}
	if (ctx && info->ctx_vtid != NO_INDEX) {
		ev.vtid = (uint32_t)read_u(ctx, info->ctx_vtid, info->ctx_vtid_signed);
	}
	if (ctx && info->ctx_procname != NO_INDEX) {
		const bt_field *pf =
		    bt_field_structure_borrow_member_field_by_index_const(ctx, info->ctx_procname);

		if (bt_field_get_class_type(pf) == BT_FIELD_CLASS_TYPE_STRING) {
			ev.procname = bt_field_string_get_value(pf);
		}
	}
	payload = bt_event_borrow_payload_field_const(event);
	ev.domain = (uint32_t)read_u(payload, info->idx[F_DOMAIN], info->is_signed[F_DOMAIN]);
	switch (ev.kind) {
	case AN_EV_DOMAIN_CREATE:
		ev.max_threads = (uint32_t)read_u(payload, info->idx[F_MAX_THREADS],
						  info->is_signed[F_MAX_THREADS]);
		break;
	case AN_EV_THREAD_REGISTER:
		ev.os_tid =
		    (int32_t)read_u(payload, info->idx[F_OS_TID], info->is_signed[F_OS_TID]);
		/* fall through */
	case AN_EV_THREAD_UNREGISTER:
		ev.thread =
		    (uint32_t)read_u(payload, info->idx[F_THREAD], info->is_signed[F_THREAD]);
		break;
	case AN_EV_MASK_CHANGE: {
		uint64_t op, mask;

		ev.thread =
		    (uint32_t)read_u(payload, info->idx[F_THREAD], info->is_signed[F_THREAD]);
		op = read_u(payload, info->idx[F_OP], info->is_signed[F_OP]);
		mask = read_u(payload, info->idx[F_MASK], info->is_signed[F_MASK]);
		ev.op = op < ENUM_TABLE && !info->is_signed[F_OP]
			    ? (enum analysis_op)info->op_table[op]
			    : AN_OP_OTHER;
		if (ev.op == AN_OP_OTHER && info->op_slow) {
			ev.op = (enum analysis_op)label_lookup(payload, info->idx[F_OP], 1);
		}
		ev.mask = mask < ENUM_TABLE && !info->is_signed[F_MASK]
			      ? (enum analysis_mask)info->mask_table[mask]
			      : AN_MASK_OTHER;
		if (ev.mask == AN_MASK_OTHER && info->mask_slow) {
			ev.mask = (enum analysis_mask)label_lookup(payload, info->idx[F_MASK], 0);
		}
		ev.word = (uint32_t)read_u(payload, info->idx[F_WORD], info->is_signed[F_WORD]);
		ev.old_word = read_u(payload, info->idx[F_OLD], info->is_signed[F_OLD]);
		ev.new_word = read_u(payload, info->idx[F_NEW], info->is_signed[F_NEW]);
		if (info->has_caller) {
			ev.caller = read_u(payload, info->idx[F_CALLER], info->is_signed[F_CALLER]);
		}
		/* resolved now: the names of what is mapped at this moment (one
		 * hash lookup once the address was seen) */
		if (ev.caller && ad->sym &&
		    resolve(ad, (int64_t)ev.vpid, ev.caller, &ev.site) == -ENOMEM) {
			snprintf(ad->err, sizeof(ad->err), "out of memory");
			return -ENOMEM;
		}
		break;
	}
	case AN_EV_STALL:
		ev.thread =
		    (uint32_t)read_u(payload, info->idx[F_THREAD], info->is_signed[F_THREAD]);
		ev.waited_ns = read_u(payload, info->idx[F_WAITED], info->is_signed[F_WAITED]);
		ret = read_late(ad, payload, info->idx[F_LATE], &ev);
		if (ret) {
			return ret;
		}
		break;
	default:
		break;
	}
	ret = analysis_feed_event(ad->a, &ev);
	if (ret) {
		snprintf(ad->err, sizeof(ad->err), "analysis failed: %s", strerror(-ret));
	}
	return ret;
}

static int feed_discarded(struct bt2_adapter *ad, const bt_message *msg, int packets)
{
	const bt_stream *stream = packets ? bt_message_discarded_packets_borrow_stream_const(msg)
					  : bt_message_discarded_events_borrow_stream_const(msg);
	const bt_stream_class *sc = bt_stream_borrow_class_const(stream);
	struct analysis_gap gap;
	int64_t env_vpid, b, e;
	uint64_t count = 0;
	int ret;

	memset(&gap, 0, sizeof(gap));
	gap.packets = packets;
	gap.trace_id = trace_id_of(ad, stream, &env_vpid);
	if (packets) {
		gap.has_count = bt_message_discarded_packets_get_count(msg, &count) ==
				BT_PROPERTY_AVAILABILITY_AVAILABLE;
	} else {
		gap.has_count = bt_message_discarded_events_get_count(msg, &count) ==
				BT_PROPERTY_AVAILABILITY_AVAILABLE;
	}
	gap.count = count;
	if (packets ? bt_stream_class_discarded_packets_have_default_clock_snapshots(sc)
		    : bt_stream_class_discarded_events_have_default_clock_snapshots(sc)) {
		const bt_clock_snapshot *cb, *ce;

		if (packets) {
			cb =
			    bt_message_discarded_packets_borrow_beginning_default_clock_snapshot_const(
				msg);
			ce = bt_message_discarded_packets_borrow_end_default_clock_snapshot_const(
			    msg);
		} else {
			cb =
			    bt_message_discarded_events_borrow_beginning_default_clock_snapshot_const(
				msg);
			ce = bt_message_discarded_events_borrow_end_default_clock_snapshot_const(
			    msg);
		}
		if (bt_clock_snapshot_get_ns_from_origin(cb, &b) ==
			BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK &&
		    bt_clock_snapshot_get_ns_from_origin(ce, &e) ==
			BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK) {
			gap.has_times = true;
			gap.begin_ns = b < 0 ? 0 : (uint64_t)b;
			gap.end_ns = e < 0 ? 0 : (uint64_t)e;
		}
	}
	ret = analysis_feed_gap(ad->a, &gap);
	if (ret) {
		snprintf(ad->err, sizeof(ad->err), "analysis failed: %s", strerror(-ret));
	}
	return ret;
}

int bt2_adapter_feed(struct bt2_adapter *ad, const bt_message *msg)
{
	switch (bt_message_get_type(msg)) {
	case BT_MESSAGE_TYPE_EVENT:
		return feed_event(ad, msg);
	case BT_MESSAGE_TYPE_DISCARDED_EVENTS:
		return feed_discarded(ad, msg, 0);
	case BT_MESSAGE_TYPE_DISCARDED_PACKETS:
		return feed_discarded(ad, msg, 1);
	case BT_MESSAGE_TYPE_STREAM_BEGINNING:
	case BT_MESSAGE_TYPE_STREAM_END:
		/* a stream may be freed after its end and its address reused */
		ad->last_stream = NULL;
		return 0;
	default:
		return 0;
	}
}
