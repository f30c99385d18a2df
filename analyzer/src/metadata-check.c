/* SPDX-License-Identifier: MIT */
#include "metadata-check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PACKET_MAGIC 0x75D11D57u
#define PACKET_HEADER 37u	  /* bytes: CTF 1.8 §7.1 metadata packet header */
#define MAX_METADATA (256u << 20) /* larger is no LTTng metadata */

static int bad(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

static uint32_t get32(const unsigned char *p, bool swap)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

/* The TSDL scanner: where a piece of text leaves it, so packets can be fed
 * one after the other. */
struct tsdl_scan {
	enum { IN_CODE, IN_STRING, IN_CHAR, IN_LINE_COMMENT, IN_BLOCK_COMMENT } mode;
	bool escape, star, slash;
	uint64_t depth;
	char last; /* last significant character in code */
};

static int scan(struct tsdl_scan *s, const unsigned char *p, size_t n, char *why, size_t whylen)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (c == '\0') {
			return bad(why, whylen, "corrupt metadata (a NUL byte in the text)");
		}
		switch (s->mode) {
		case IN_STRING:
		case IN_CHAR:
			if (s->escape) {
				s->escape = false;
			} else if (c == '\\') {
				s->escape = true;
			} else if (c == (s->mode == IN_STRING ? '"' : '\'')) {
				s->mode = IN_CODE;
				s->last = (char)c;
			}
			continue;
		case IN_LINE_COMMENT:
			if (c == '\n') {
				s->mode = IN_CODE;
			}
			continue;
		case IN_BLOCK_COMMENT:
			if (s->star && c == '/') {
				s->mode = IN_CODE;
			}
			s->star = c == '*';
			continue;
		case IN_CODE:
			break;
		}
		if (s->slash && (c == '*' || c == '/')) {
			s->slash = false;
			s->star = false;
			s->mode = c == '*' ? IN_BLOCK_COMMENT : IN_LINE_COMMENT;
			continue;
		}
		if (s->slash) {
			s->last = '/';
		}
		s->slash = c == '/';
		if (c == '"') {
			s->mode = IN_STRING;
		} else if (c == '\'') {
			s->mode = IN_CHAR;
		} else if (c == '{') {
			s->depth++;
		} else if (c == '}') {
			if (s->depth == 0) {
				return bad(why, whylen, "corrupt metadata (a '}' without its '{')");
			}
			s->depth--;
		}
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '/') {
			s->last = (char)c;
		}
	}
	return 0;
}

static int scan_end(const struct tsdl_scan *s, char *why, size_t whylen)
{
	if (s->mode == IN_STRING || s->mode == IN_CHAR || s->mode == IN_BLOCK_COMMENT) {
		return bad(why, whylen, "truncated metadata (it ends inside a %s)",
			   s->mode == IN_BLOCK_COMMENT ? "comment" : "string");
	}
	if (s->depth) {
		return bad(why, whylen,
			   "truncated metadata (%llu declaration%s not closed: a '}' is missing)",
			   (unsigned long long)s->depth, s->depth == 1 ? "" : "s");
	}
	if (s->last == '\0') {
		return bad(why, whylen, "empty metadata (no declaration)");
	}
	if (s->last != ';') {
		return bad(why, whylen, "truncated metadata (the last declaration has no ';')");
	}
	return 0;
}

static int check_packets(const unsigned char *buf, size_t len, bool swap, char *why, size_t whylen,
			 struct tsdl_scan *s)
{
	size_t off = 0;
	unsigned n = 0;

	while (off < len) {
		const unsigned char *h = buf + off;
		uint32_t content, packet;
		int ret;

		n++;
		if (len - off < PACKET_HEADER) {
			return bad(why, whylen,
				   "truncated metadata (packet %u: %zu bytes, its header is %u)", n,
				   len - off, PACKET_HEADER);
		}
		if (get32(h, swap) != PACKET_MAGIC) {
			return bad(why, whylen,
				   "corrupt metadata (packet %u at byte %zu: bad magic)", n, off);
		}
		content = get32(h + 24, swap);
		packet = get32(h + 28, swap);
		if (content % 8 || packet % 8 || content < PACKET_HEADER * 8 || packet < content) {
			return bad(why, whylen,
				   "corrupt metadata (packet %u: content size %u bits, packet size "
				   "%u bits)",
				   n, content, packet);
		}
		if (h[32] || h[33] || h[34]) {
			return bad(why, whylen,
				   "unsupported metadata (packet %u: compressed, encrypted or "
				   "checksummed)",
				   n);
		}
		if (h[35] != 1 || h[36] != 8) {
			return bad(why, whylen,
				   "unsupported metadata (packet %u: CTF %u.%u, not 1.8)", n, h[35],
				   h[36]);
		}
		if (content / 8 > len - off) {
			return bad(
			    why, whylen,
			    "truncated metadata (packet %u ends at byte %zu, the file has %zu)", n,
			    off + packet / 8, len);
		}
		ret = scan(s, h + PACKET_HEADER, content / 8 - PACKET_HEADER, why, whylen);
		if (ret) {
			return ret;
		}
		/* the last packet's padding may be missing: Babeltrace2 reads it */
		off += packet / 8 < len - off ? packet / 8 : len - off;
	}
	return 0;
}

int metadata_check_mem(const unsigned char *buf, size_t len, char *why, size_t whylen)
{
	struct tsdl_scan s = {.mode = IN_CODE};
	int ret;

	if (len == 0) {
		return bad(why, whylen, "empty metadata file");
	}
	if (len >= 4 && (get32(buf, false) == PACKET_MAGIC || get32(buf, true) == PACKET_MAGIC)) {
		ret = check_packets(buf, len, get32(buf, false) != PACKET_MAGIC, why, whylen, &s);
	} else {
		ret = scan(&s, buf, len, why, whylen);
	}
	return ret ? ret : scan_end(&s, why, whylen);
}

int metadata_check_file(const char *path, char *why, size_t whylen)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	struct stat st;
	size_t got;
	int ret;

	if (!f) {
		ret = -errno;
		snprintf(why, whylen, "cannot open '%s': %s", path, strerror(errno));
		return ret;
	}
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return bad(why, whylen, "'%s' is not a regular file", path);
	}
	if ((uint64_t)st.st_size > MAX_METADATA) {
		fclose(f);
		return bad(why, whylen, "metadata '%s' is too large (%lld bytes)", path,
			   (long long)st.st_size);
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		fclose(f);
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	got = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		ret = -EIO;
		snprintf(why, whylen, "cannot read '%s': %s", path, strerror(errno));
	} else {
		char reason[256];

		ret = metadata_check_mem(buf, got, reason, sizeof(reason));
		if (ret) {
			snprintf(why, whylen, "%s: %s", path, reason);
		}
	}
	fclose(f);
	free(buf);
	return ret;
}
