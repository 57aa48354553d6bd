/*
 * kwire.c — Kafka protocol primitives: the bounded reader and the growing
 * writer (kwire.h says what each guarantees).
 *
 * Thread: any.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/kwire.h"

void kwr_init(kw_reader_t *r, const uint8_t *buf, size_t len)
{
	r->p = buf;
	r->end = buf + len;
	r->err = 0;
}

size_t kwr_left(const kw_reader_t *r)
{
	return r->err ? 0 : (size_t)(r->end - r->p);
}

/* The next n bytes, or NULL (and err) when fewer are left. */
static const uint8_t *kwr_take(kw_reader_t *r, size_t n)
{
	const uint8_t *p = r->p;

	if (r->err || (size_t)(r->end - r->p) < n) {
		r->err = 1;
		return NULL;
	}
	r->p += n;
	return p;
}

int8_t kwr_i8(kw_reader_t *r)
{
	const uint8_t *p = kwr_take(r, 1);
	return p ? (int8_t)p[0] : 0;
}

int16_t kwr_i16(kw_reader_t *r)
{
	const uint8_t *p = kwr_take(r, 2);
	return p ? be16_read_i(p) : 0;
}

int32_t kwr_i32(kw_reader_t *r)
{
	const uint8_t *p = kwr_take(r, 4);
	return p ? be32_read_i(p) : 0;
}

int64_t kwr_i64(kw_reader_t *r)
{
	const uint8_t *p = kwr_take(r, 8);
	return p ? be64_read_i(p) : 0;
}

void kwr_skip(kw_reader_t *r, size_t n)
{
	(void)kwr_take(r, n);
}

char *kwr_str(kw_reader_t *r, arena_t *ar, int nullable)
{
	int16_t n = kwr_i16(r);
	const uint8_t *p;
	char *s;

	if (r->err)
		return NULL;
	if (n < 0) {
		if (n != -1 || !nullable)
			r->err = 1;
		return NULL;
	}
	p = kwr_take(r, (size_t)n);
	if (!p)
		return NULL;
	if (memchr(p, '\0', (size_t)n)) {
		r->err = 1; /* a C string would silently be cut at it */
		return NULL;
	}
	s = arena_alloc(ar, (size_t)n + 1);
	if (!s) {
		r->err = 1;
		return NULL;
	}
	memcpy(s, p, (size_t)n);
	s[n] = '\0';
	return s;
}

const uint8_t *kwr_bytes(kw_reader_t *r, int32_t *len, int nullable)
{
	int32_t n = kwr_i32(r);

	*len = -1;
	if (r->err)
		return NULL;
	if (n < 0) {
		if (n != -1 || !nullable)
			r->err = 1;
		return NULL;
	}
	*len = n;
	return kwr_take(r, (size_t)n);
}

int32_t kwr_array(kw_reader_t *r, size_t min_elem, int nullable)
{
	int32_t n = kwr_i32(r);

	if (r->err)
		return 0;
	if (n < 0) {
		if (n != -1 || !nullable)
			r->err = 1;
		return r->err ? 0 : -1;
	}
	if (min_elem > 0 && (size_t)n > (size_t)(r->end - r->p) / min_elem) {
		r->err = 1;
		return 0;
	}
	return n;
}

void kww_init(kw_writer_t *w)
{
	memset(w, 0, sizeof(*w));
}

void kww_free(kw_writer_t *w)
{
	free(w->buf);
	kww_init(w);
}

void kww_reset(kw_writer_t *w)
{
	w->len = 0;
	w->err = 0;
}

/* Room for n more bytes; NULL (and err) when out of memory. */
static uint8_t *kww_room(kw_writer_t *w, size_t n)
{
	if (w->err)
		return NULL;
	if (w->cap - w->len < n) {
		size_t cap = w->cap ? w->cap : 256;
		uint8_t *nb;
		while (cap - w->len < n) {
			if (cap > SIZE_MAX / 2) {
				w->err = 1;
				return NULL;
			}
			cap *= 2;
		}
		nb = realloc(w->buf, cap);
		if (!nb) {
			w->err = 1;
			return NULL;
		}
		w->buf = nb;
		w->cap = cap;
	}
	w->len += n;
	return w->buf + w->len - n;
}

void kww_raw(kw_writer_t *w, const void *p, size_t n)
{
	uint8_t *d = kww_room(w, n);
	if (d && n)
		memcpy(d, p, n);
}

void kww_i8(kw_writer_t *w, int8_t v)
{
	uint8_t *d = kww_room(w, 1);
	if (d)
		d[0] = (uint8_t)v;
}

void kww_i16(kw_writer_t *w, int16_t v)
{
	uint8_t *d = kww_room(w, 2);
	if (d)
		be16_write(d, (uint16_t)v);
}

void kww_i32(kw_writer_t *w, int32_t v)
{
	uint8_t *d = kww_room(w, 4);
	if (d)
		be32_write(d, (uint32_t)v);
}

void kww_i64(kw_writer_t *w, int64_t v)
{
	uint8_t *d = kww_room(w, 8);
	if (d)
		be64_write(d, (uint64_t)v);
}

void kww_str(kw_writer_t *w, const char *s)
{
	size_t n;

	if (!s) {
		kww_i16(w, -1);
		return;
	}
	n = strlen(s);
	if (n > INT16_MAX)
		n = INT16_MAX; /* names are bounded far below; never a bad frame */
	kww_i16(w, (int16_t)n);
	kww_raw(w, s, n);
}

void kww_bytes(kw_writer_t *w, const void *p, int32_t len)
{
	if (!p || len < 0) {
		kww_i32(w, -1);
		return;
	}
	kww_i32(w, len);
	kww_raw(w, p, (size_t)len);
}

size_t kww_reserve32(kw_writer_t *w)
{
	size_t pos = w->len;
	kww_i32(w, 0);
	return pos;
}

void kww_patch32(kw_writer_t *w, size_t pos, int32_t v)
{
	if (!w->err && pos + 4 <= w->len)
		be32_write(w->buf + pos, (uint32_t)v);
}
