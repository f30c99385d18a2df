/* SPDX-License-Identifier: MIT */
/*
 * A small JSON reader, enough to read back an rdv-analyze report for
 * --compare: a tree of values, parsed from a string, with lookup by key.
 * Depth and size are bounded; bad input gives NULL and a reason. And the
 * string escaper of the JSON outputs.
 */
#ifndef RDV_MINI_JSON_H
#define RDV_MINI_JSON_H

#include <stddef.h>
#include <stdio.h>

enum mj_type { MJ_NULL, MJ_BOOL, MJ_NUMBER, MJ_STRING, MJ_ARRAY, MJ_OBJECT };

struct mj_value {
	enum mj_type type;
	double number;
	char *string;		 /* owned: MJ_STRING */
	char **keys;		 /* owned: MJ_OBJECT, n of them */
	struct mj_value **items; /* owned: MJ_ARRAY and MJ_OBJECT */
	size_t n;
};

/* NULL on error, with a reason in err. */
struct mj_value *mj_parse(const char *text, size_t len, char *err, size_t errlen);
void mj_free(struct mj_value *v);
/* Member of an object, NULL when absent or v is not an object. */
const struct mj_value *mj_get(const struct mj_value *v, const char *key);

/* Writes s as a JSON string, quoted: the one escaper of every JSON output
 * (report, Chrome trace). Bytes outside printable ASCII become \u00XX. */
void mj_write_string(FILE *f, const char *s);

#endif /* RDV_MINI_JSON_H */
