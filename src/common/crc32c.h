/*
 * crc32c.h — CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the
 * checksum of Kafka's record batch v2.
 *
 * Owner: common core. Thread-safe, no allocation. The value is chained like
 * zlib's crc32(): start with 0 and pass the previous result to continue, so
 * crc32c(crc32c(0, a, n), b, m) == crc32c(0, ab, n + m). "123456789" gives
 * 0xE3069283.
 *
 * crc32c() uses the SSE4.2 crc32 instruction when the CPU has it (checked
 * once at run time) and a slicing-by-8 table otherwise. Both paths are
 * exposed so tests can check they agree.
 */
#ifndef FJORD_CRC32C_H
#define FJORD_CRC32C_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

/* Software slicing-by-8 path; always available. */
uint32_t crc32c_sw(uint32_t crc, const void *buf, size_t len);
/* 1 if the SSE4.2 path can run on this CPU. */
int crc32c_hw_available(void);
/* SSE4.2 path; only call when crc32c_hw_available() returned 1. */
uint32_t crc32c_hw(uint32_t crc, const void *buf, size_t len);

#endif /* FJORD_CRC32C_H */
