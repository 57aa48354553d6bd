/*
 * murmur2.h — Kafka's default partitioner hash.
 *
 * Owner: common core. murmur2() is bit-for-bit Kafka's Utils.murmur2 (MurmurHash2,
 * seed 0x9747b28c, little-endian 4-byte blocks), returning the same signed
 * int Java returns, so a key lands on the same partition from fjord and from
 * Kafka's Java client. Pure functions; any thread.
 */
#ifndef FJORD_MURMUR2_H
#define FJORD_MURMUR2_H

#include <stddef.h>
#include <stdint.h>

int32_t murmur2(const void *key, size_t len);
/* (murmur2(key) & 0x7fffffff) % partition_cnt; -1 if partition_cnt <= 0 or
 * key is NULL with len > 0. */
int32_t murmur2_partition(const void *key, size_t len, int32_t partition_cnt);

#endif /* FJORD_MURMUR2_H */
