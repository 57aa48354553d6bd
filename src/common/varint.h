/*
 * varint.h — zigzag variable-length integers of Kafka's record format
 * (the encoding of protobuf's sint32/sint64).
 *
 * Owner: common core. Zigzag maps 0,-1,1,-2,... to 0,1,2,3,... so small
 * negative numbers (the -1 of a null key) take one byte; the result is
 * written 7 bits per byte, least significant group first, high bit set on
 * every byte but the last. A varint takes at most 5 bytes, a varlong 10.
 *
 * Encoders return the number of bytes written, or -1 if `size` is too small
 * (nothing useful is written then). Decoders are bounds-checked: they return
 * the bytes consumed, or -1 on truncated input or an over-long/overflowing
 * encoding, and never read past buf + len. Pure inline functions.
 */
#ifndef FJORD_VARINT_H
#define FJORD_VARINT_H

#include <stddef.h>
#include <stdint.h>

#define VARINT_MAX_SIZE 5
#define VARLONG_MAX_SIZE 10

static inline uint32_t zigzag32_encode(int32_t v)
{
	return ((uint32_t)v << 1) ^ (uint32_t)(v >> 31);
}

static inline int32_t zigzag32_decode(uint32_t u)
{
	return (int32_t)((u >> 1) ^ (~(u & 1) + 1));
}

static inline uint64_t zigzag64_encode(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t zigzag64_decode(uint64_t u)
{
	return (int64_t)((u >> 1) ^ (~(u & 1) + 1));
}

/* Unsigned base-128 encoding of u. */
static inline int uvarint_encode(uint8_t *buf, size_t size, uint64_t u)
{
	size_t n = 0;
	do {
		if (n >= size)
			return -1;
		uint8_t b = (uint8_t)(u & 0x7f);
		u >>= 7;
		buf[n++] = u ? (uint8_t)(b | 0x80) : b;
	} while (u);
	return (int)n;
}

/* Bytes the unsigned encoding of u takes. */
static inline int uvarint_size(uint64_t u)
{
	int n = 1;
	while (u >= 0x80) {
		u >>= 7;
		n++;
	}
	return n;
}

/* Decodes at most max_bytes bytes; the last byte may only carry the bits
 * that still fit in `bits`. */
static inline int uvarint_decode(const uint8_t *buf, size_t len, int max_bytes, int bits,
                                 uint64_t *out)
{
	uint64_t u = 0;
	/* Most record fields take one or two bytes: decode those without the
	 * loop (both fit any width, bits >= 14). */
	if (len >= 1 && !(buf[0] & 0x80)) {
		*out = buf[0];
		return 1;
	}
	if (len >= 2 && !(buf[1] & 0x80)) {
		*out = (uint64_t)(buf[0] & 0x7f) | (uint64_t)buf[1] << 7;
		return 2;
	}
	for (int i = 0; i < max_bytes; i++) {
		if ((size_t)i >= len)
			return -1;
		uint8_t b = buf[i];
		int shift = 7 * i;
		if (shift + 7 > bits && (b & 0x7f) >> (bits - shift) != 0)
			return -1; /* value does not fit */
		u |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = u;
			return i + 1;
		}
	}
	return -1; /* too many continuation bytes */
}

static inline int varint_encode(uint8_t *buf, size_t size, int32_t v)
{
	return uvarint_encode(buf, size, zigzag32_encode(v));
}

static inline int varint_size(int32_t v)
{
	return uvarint_size(zigzag32_encode(v));
}

static inline int varint_decode(const uint8_t *buf, size_t len, int32_t *out)
{
	uint64_t u;
	int n = uvarint_decode(buf, len, VARINT_MAX_SIZE, 32, &u);
	if (n > 0)
		*out = zigzag32_decode((uint32_t)u);
	return n;
}

static inline int varlong_encode(uint8_t *buf, size_t size, int64_t v)
{
	return uvarint_encode(buf, size, zigzag64_encode(v));
}

static inline int varlong_size(int64_t v)
{
	return uvarint_size(zigzag64_encode(v));
}

static inline int varlong_decode(const uint8_t *buf, size_t len, int64_t *out)
{
	uint64_t u;
	int n = uvarint_decode(buf, len, VARLONG_MAX_SIZE, 64, &u);
	if (n > 0)
		*out = zigzag64_decode(u);
	return n;
}

#endif /* FJORD_VARINT_H */
