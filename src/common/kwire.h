/*
 * kwire.h — the primitives of Apache Kafka's binary protocol (the
 * non-flexible versions): big-endian integers, int16-length strings,
 * int32-length bytes and arrays, -1 for null.
 *
 * Owner: common core. Used by the broker's Kafka listener
 * (src/broker/kafka/) and its tests; pure, no I/O, so its fuzz target runs
 * it as is.
 *
 * Reading: a kw_reader_t is a cursor over bytes that are all there (a whole
 * frame). Every read past the end, every negative length other than the
 * null -1, and every array count that could not fit in the bytes left
 * (count * the smallest element size) sets r->err and returns a zero
 * value; later reads return zero too, so a decoder reads a whole structure
 * and checks err once. A count therefore never sizes an allocation larger
 * than the frame could describe.
 *
 * Writing: a kw_writer_t appends to a growing buffer it owns (kww_free).
 * Out of memory sets w->err; later writes do nothing. kww_reserve32 leaves
 * room for a length or count written later with kww_patch32 (a frame's
 * size, an array whose entries are filtered while written).
 *
 * Thread: any; a reader or writer belongs to one thread.
 */
#ifndef FJORD_KWIRE_H
#define FJORD_KWIRE_H

#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"

typedef struct kw_reader {
	const uint8_t *p, *end;
	int err; /* a read failed; every later one returns 0 */
} kw_reader_t;

void kwr_init(kw_reader_t *r, const uint8_t *buf, size_t len);
size_t kwr_left(const kw_reader_t *r);
int8_t kwr_i8(kw_reader_t *r);
int16_t kwr_i16(kw_reader_t *r);
int32_t kwr_i32(kw_reader_t *r);
int64_t kwr_i64(kw_reader_t *r);
/* Skips n bytes (err when fewer are left). */
void kwr_skip(kw_reader_t *r, size_t n);

/* A string (int16 length): a NUL-terminated copy in ar. NULL for a null
 * string (-1); with nullable 0 that is an error too. "" for empty. A NUL
 * byte inside is an error: the name would be cut at it (a group "a\0b"
 * read as "a"). */
char *kwr_str(kw_reader_t *r, arena_t *ar, int nullable);
/* The bytes (int32 length) in place: *len their length; NULL with *len -1
 * for null (an error unless nullable). */
const uint8_t *kwr_bytes(kw_reader_t *r, int32_t *len, int nullable);
/* An array's count (int32): -1 for null (an error unless nullable); an
 * error when count * min_elem bytes are not left. */
int32_t kwr_array(kw_reader_t *r, size_t min_elem, int nullable);

typedef struct kw_writer {
	uint8_t *buf;
	size_t len, cap;
	int err; /* out of memory; later writes do nothing */
} kw_writer_t;

void kww_init(kw_writer_t *w);
void kww_free(kw_writer_t *w);
/* Empties the buffer (keeps its memory). */
void kww_reset(kw_writer_t *w);
void kww_raw(kw_writer_t *w, const void *p, size_t n);
void kww_i8(kw_writer_t *w, int8_t v);
void kww_i16(kw_writer_t *w, int16_t v);
void kww_i32(kw_writer_t *w, int32_t v);
void kww_i64(kw_writer_t *w, int64_t v);
/* A string; NULL writes the null string (-1). */
void kww_str(kw_writer_t *w, const char *s);
/* Bytes; NULL writes null bytes (-1). */
void kww_bytes(kw_writer_t *w, const void *p, int32_t len);
/* Reserves 4 bytes for a value patched later; returns their position. */
size_t kww_reserve32(kw_writer_t *w);
void kww_patch32(kw_writer_t *w, size_t pos, int32_t v);

#endif /* FJORD_KWIRE_H */
