/*
 * bytes.h — big-endian integer access and clocks.
 *
 * Owner: common core. Every wire and disk format in fjord is big-endian
 * (Kafka's convention); these inline helpers read and write 16/32/64-bit
 * integers at any alignment, so codecs never cast a byte pointer to a wider
 * type. They neither allocate nor check bounds: callers check lengths first.
 *
 * Clocks: fj_now_ms() is wall-clock time (ms since the Unix epoch) for
 * record timestamps and log lines; fj_mono_ms()/fj_mono_us() are monotonic
 * and are what every timeout and deadline must use. All are thread-safe.
 */
#ifndef FJORD_BYTES_H
#define FJORD_BYTES_H

#include <stdint.h>
#include <time.h>

static inline uint16_t be16_read(const uint8_t *p)
{
	return (uint16_t)(((uint16_t)p[0] << 8) | p[1]);
}

static inline uint32_t be32_read(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) |
	       (uint32_t)p[3];
}

static inline uint64_t be64_read(const uint8_t *p)
{
	return ((uint64_t)be32_read(p) << 32) | be32_read(p + 4);
}

static inline void be16_write(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void be32_write(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void be64_write(uint8_t *p, uint64_t v)
{
	be32_write(p, (uint32_t)(v >> 32));
	be32_write(p + 4, (uint32_t)v);
}

/* Signed variants: two's complement, as Java's DataOutput writes them. */
static inline int16_t be16_read_i(const uint8_t *p)
{
	return (int16_t)be16_read(p);
}

static inline int32_t be32_read_i(const uint8_t *p)
{
	return (int32_t)be32_read(p);
}

static inline int64_t be64_read_i(const uint8_t *p)
{
	return (int64_t)be64_read(p);
}

/* Wall clock, ms since the Unix epoch. */
static inline int64_t fj_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Monotonic clock in ms (arbitrary origin): use for timeouts. */
static inline int64_t fj_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Monotonic clock in µs (arbitrary origin): use for latencies. */
static inline int64_t fj_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

#endif /* FJORD_BYTES_H */
