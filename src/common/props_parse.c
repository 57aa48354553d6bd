/*
 * props_parse.c — reader of Java .properties files (server.properties,
 * client property files), following java.util.Properties.load():
 *
 *   - natural lines end at \n, \r or \r\n; a logical line continues while a
 *     natural line ends in an odd number of backslashes, and the next
 *     line's leading blanks (space, \t, \f) are dropped;
 *   - a line whose first non-blank character is '#' or '!' is a comment
 *     (a trailing backslash does not continue a comment);
 *   - the key runs to the first unescaped '=', ':' or blank; blanks, then
 *     one '=' or ':', then blanks separate it from the value, which keeps
 *     its trailing blanks;
 *   - escapes: \t \n \r \f, \uXXXX (UTF-16, surrogate pairs joined, written
 *     as UTF-8), and a backslash before any other character yields it.
 *
 * The parser copies each logical line into one scratch buffer, then
 * unescapes key and value into a second (unescaped text is never longer
 * than its source); both are freed before returning. Stateless otherwise;
 * any thread.
 */
#include "common/props.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct props_sbuf {
	char *s;
	size_t len, cap;
} props_sbuf_t;

static int props_sbuf_reserve(props_sbuf_t *b, size_t need)
{
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	char *ns = realloc(b->s, cap);
	if (!ns)
		return -1;
	b->s = ns;
	b->cap = cap;
	return 0;
}

static int props_sbuf_add(props_sbuf_t *b, const char *s, size_t n)
{
	if (props_sbuf_reserve(b, b->len + n + 1) < 0)
		return -1;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

static void props_parse_err(char *errstr, size_t size, const char *name, int lineno,
                            const char *what)
{
	if (!errstr || size == 0)
		return;
	if (lineno > 0)
		snprintf(errstr, size, "%s:%d: %s", name, lineno, what);
	else
		snprintf(errstr, size, "%s: %s", name, what);
}

static int props_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\f';
}

static int props_hex4(const char *s, const char *end, unsigned *out)
{
	unsigned v = 0;

	if (end - s < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static char *props_put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xc0 | (cp >> 6));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | (cp >> 12));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | (cp >> 18));
		*o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/* Unescapes [s, end) into out (NUL-terminated). Returns -1 on a malformed
 * \u escape. */
static int props_unescape(const char *s, const char *end, char *out)
{
	char *o = out;

	while (s < end) {
		char c = *s++;
		if (c != '\\' || s == end) {
			*o++ = c;
			continue;
		}
		c = *s++;
		switch (c) {
		case 't':
			*o++ = '\t';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 'f':
			*o++ = '\f';
			break;
		case 'u': {
			unsigned cp, lo;
			if (props_hex4(s, end, &cp) < 0)
				return -1;
			s += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && end - s >= 6 && s[0] == '\\' &&
			    s[1] == 'u' && props_hex4(s + 2, end, &lo) == 0 && lo >= 0xdc00 &&
			    lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				s += 6;
			} else if (cp >= 0xd800 && cp < 0xe000) {
				cp = 0xfffd; /* lone surrogate: not encodable in UTF-8 */
			}
			o = props_put_utf8(o, cp);
			break;
		}
		default:
			*o++ = c;
			break;
		}
	}
	*o = '\0';
	return 0;
}

/* Splits one logical line and calls cb. Returns 0, cb's value, or -1. */
static int props_emit(const char *line, size_t len, const char *name, int lineno,
                      props_pair_cb_t cb, void *opaque, props_sbuf_t *out, char *errstr,
                      size_t errstr_size)
{
	const char *p = line, *end = line + len;
	const char *key_end, *val;

	while (p < end && !props_is_blank(*p) && *p != '=' && *p != ':') {
		if (*p == '\\' && p + 1 < end)
			p++;
		p++;
	}
	key_end = p;
	while (p < end && props_is_blank(*p))
		p++;
	if (p < end && (*p == '=' || *p == ':'))
		p++;
	while (p < end && props_is_blank(*p))
		p++;
	val = p;

	/* Key and value, each NUL-terminated, fit in len + 2 bytes. */
	if (props_sbuf_reserve(out, len + 2) < 0) {
		props_parse_err(errstr, errstr_size, name, lineno, "out of memory");
		return -1;
	}
	char *key = out->s;
	char *value = out->s + (key_end - line) + 1;
	if (props_unescape(line, key_end, key) < 0 || props_unescape(val, end, value) < 0) {
		props_parse_err(errstr, errstr_size, name, lineno, "malformed \\uXXXX escape");
		return -1;
	}
	return cb(key, value, lineno, opaque);
}

int props_parse_buf(const char *buf, size_t len, const char *name, props_pair_cb_t cb, void *opaque,
                    char *errstr, size_t errstr_size)
{
	props_sbuf_t line = { 0 }, out = { 0 };
	size_t pos = 0;
	int lineno = 1, r = 0;

	if (!name)
		name = "(properties)";
	while (pos < len) {
		/* Leading blanks of a natural line. */
		while (pos < len && props_is_blank(buf[pos]))
			pos++;
		if (pos >= len)
			break;
		if (buf[pos] == '\n' || buf[pos] == '\r') {
			pos += (buf[pos] == '\r' && pos + 1 < len && buf[pos + 1] == '\n') ? 2 : 1;
			lineno++;
			continue;
		}
		if (buf[pos] == '#' || buf[pos] == '!') {
			while (pos < len && buf[pos] != '\n' && buf[pos] != '\r')
				pos++;
			continue; /* the newline is counted above */
		}

		int start_line = lineno;
		line.len = 0;
		for (;;) {
			size_t s = pos;
			while (pos < len && buf[pos] != '\n' && buf[pos] != '\r')
				pos++;
			size_t e = pos, bs = 0;
			while (e - bs > s && buf[e - bs - 1] == '\\')
				bs++;
			int cont = bs % 2 == 1;
			if (props_sbuf_add(&line, buf + s, e - s - (cont ? 1 : 0)) < 0) {
				props_parse_err(errstr, errstr_size, name, start_line,
				                "out of memory");
				r = -1;
				goto out;
			}
			if (pos < len) {
				pos += (buf[pos] == '\r' && pos + 1 < len && buf[pos + 1] == '\n')
				           ? 2
				           : 1;
				lineno++;
			}
			if (!cont || pos >= len)
				break;
			while (pos < len && props_is_blank(buf[pos]))
				pos++;
		}
		r = props_emit(line.s, line.len, name, start_line, cb, opaque, &out, errstr,
		               errstr_size);
		if (r != 0)
			goto out;
	}
out:
	free(line.s);
	free(out.s);
	return r;
}

int props_parse_file(const char *path, props_pair_cb_t cb, void *opaque, char *errstr,
                     size_t errstr_size)
{
	props_sbuf_t data = { 0 };
	char chunk[8192];
	size_t n;
	int r = -1;
	FILE *fp = fopen(path, "rb");

	if (!fp) {
		props_parse_err(errstr, errstr_size, path, 0, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if (props_sbuf_add(&data, chunk, n) < 0) {
			props_parse_err(errstr, errstr_size, path, 0, "out of memory");
			goto out;
		}
	}
	if (ferror(fp)) {
		props_parse_err(errstr, errstr_size, path, 0, strerror(errno));
		goto out;
	}
	r = props_parse_buf(data.s ? data.s : "", data.len, path, cb, opaque, errstr, errstr_size);
out:
	fclose(fp);
	free(data.s);
	return r;
}
