/* SPDX-License-Identifier: MIT */
#include "mini-json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MJ_MAX_DEPTH 64

struct mj_parser {
	const char *start;
	const char *p;
	const char *end;
	char *err;
	size_t errlen;
	int failed;
};

static void fail(struct mj_parser *ps, const char *what)
{
	if (!ps->failed) {
		snprintf(ps->err, ps->errlen, "%s at offset %zu", what,
			 (size_t)(ps->p - ps->start));
		ps->failed = 1;
	}
}

static void skip_ws(struct mj_parser *ps)
{
	while (ps->p < ps->end &&
	       (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) {
		ps->p++;
	}
}

static char *parse_string(struct mj_parser *ps)
{
	size_t cap = 16, n = 0;
	char *s;

	if (ps->p >= ps->end || *ps->p != '"') {
		fail(ps, "expected a string");
		return NULL;
	}
	ps->p++;
	s = malloc(cap);
	if (!s) {
		fail(ps, "out of memory");
		return NULL;
	}
	while (ps->p < ps->end && *ps->p != '"') {
		char c = *ps->p++;

		if (c == '\\') {
			if (ps->p >= ps->end) {
				break;
			}
			c = *ps->p++;
			switch (c) {
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'r':
				c = '\r';
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'u':
				/* kept as '?': reports only hold ASCII */
				if (ps->end - ps->p < 4) {
					fail(ps, "bad \\u escape");
					free(s);
					return NULL;
				}
				ps->p += 4;
				c = '?';
				break;
			default:
				break;
			}
		}
		if (n + 2 > cap) {
			char *ns = realloc(s, cap * 2);

			if (!ns) {
				free(s);
				fail(ps, "out of memory");
				return NULL;
			}
			s = ns;
			cap *= 2;
		}
		s[n++] = c;
	}
	if (ps->p >= ps->end) {
		free(s);
		fail(ps, "unterminated string");
		return NULL;
	}
	ps->p++;
	s[n] = '\0';
	return s;
}

static struct mj_value *parse_value(struct mj_parser *ps, int depth);

static int append(struct mj_parser *ps, struct mj_value *v, char *key, struct mj_value *item)
{
	struct mj_value **ni = realloc(v->items, (v->n + 1) * sizeof(*ni));

	if (ni) {
		v->items = ni;
	}
	if (ni && v->type == MJ_OBJECT) {
		char **nk = realloc(v->keys, (v->n + 1) * sizeof(*nk));

		if (!nk) {
			ni = NULL;
		} else {
			v->keys = nk;
			v->keys[v->n] = key;
		}
	}
	if (!ni) {
		fail(ps, "out of memory");
		free(key);
		mj_free(item);
		return -1;
	}
	v->items[v->n++] = item;
	return 0;
}

static struct mj_value *parse_container(struct mj_parser *ps, int depth, int object)
{
	struct mj_value *v = calloc(1, sizeof(*v));
	char close = object ? '}' : ']';

	if (!v) {
		fail(ps, "out of memory");
		return NULL;
	}
	v->type = object ? MJ_OBJECT : MJ_ARRAY;
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		return v;
	}
	for (;;) {
		char *key = NULL;
		struct mj_value *item;

		skip_ws(ps);
		if (object) {
			key = parse_string(ps);
			if (!key) {
				break;
			}
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				free(key);
				fail(ps, "expected ':'");
				break;
			}
			ps->p++;
		}
		item = parse_value(ps, depth + 1);
		if (!item) {
			free(key);
			break;
		}
		if (append(ps, v, key, item)) {
			break;
		}
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			return v;
		}
		fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
		break;
	}
	mj_free(v);
	return NULL;
}

static struct mj_value *parse_value(struct mj_parser *ps, int depth)
{
	struct mj_value *v;

	if (depth > MJ_MAX_DEPTH) {
		fail(ps, "nested too deep");
		return NULL;
	}
	skip_ws(ps);
	if (ps->p >= ps->end) {
		fail(ps, "unexpected end");
		return NULL;
	}
	if (*ps->p == '{' || *ps->p == '[') {
		return parse_container(ps, depth, *ps->p == '{');
	}
	v = calloc(1, sizeof(*v));
	if (!v) {
		fail(ps, "out of memory");
		return NULL;
	}
	if (*ps->p == '"') {
		v->type = MJ_STRING;
		v->string = parse_string(ps);
		if (!v->string) {
			free(v);
			return NULL;
		}
	} else if ((size_t)(ps->end - ps->p) >= 4 && strncmp(ps->p, "true", 4) == 0) {
		v->type = MJ_BOOL;
		v->number = 1;
		ps->p += 4;
	} else if ((size_t)(ps->end - ps->p) >= 5 && strncmp(ps->p, "false", 5) == 0) {
		v->type = MJ_BOOL;
		ps->p += 5;
	} else if ((size_t)(ps->end - ps->p) >= 4 && strncmp(ps->p, "null", 4) == 0) {
		v->type = MJ_NULL;
		ps->p += 4;
	} else {
		char buf[64];
		size_t n = 0;
		char *endp;

		while (ps->p + n < ps->end && n < sizeof(buf) - 1 &&
		       strchr("+-0123456789.eE", ps->p[n])) {
			buf[n] = ps->p[n];
			n++;
		}
		buf[n] = '\0';
		v->type = MJ_NUMBER;
		v->number = strtod(buf, &endp);
		if (n == 0 || *endp) {
			free(v);
			fail(ps, "bad value");
			return NULL;
		}
		ps->p += n;
	}
	return v;
}

struct mj_value *mj_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct mj_parser ps = {text, text, text + len, err, errlen, 0};
	struct mj_value *v = parse_value(&ps, 0);

	if (v) {
		skip_ws(&ps);
		if (ps.p != ps.end) {
			fail(&ps, "trailing data");
			mj_free(v);
			v = NULL;
		}
	}
	return v;
}

void mj_free(struct mj_value *v)
{
	if (!v) {
		return;
	}
	for (size_t i = 0; i < v->n; i++) {
		mj_free(v->items[i]);
		if (v->keys) {
			free(v->keys[i]);
		}
	}
	free(v->items);
	free(v->keys);
	free(v->string);
	free(v);
}

const struct mj_value *mj_get(const struct mj_value *v, const char *key)
{
	if (!v || v->type != MJ_OBJECT) {
		return NULL;
	}
	for (size_t i = 0; i < v->n; i++) {
		if (strcmp(v->keys[i], key) == 0) {
			return v->items[i];
		}
	}
	return NULL;
}

void mj_write_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			fprintf(f, "\\%c", c);
		} else if (c < 0x20 || c >= 0x7f) {
			fprintf(f, "\\u%04x", c);
		} else {
			fputc(c, f);
		}
	}
	fputc('"', f);
}
