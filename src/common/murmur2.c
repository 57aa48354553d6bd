/*
 * murmur2.c — MurmurHash2 exactly as Kafka's Java client computes it, and
 * the public fjord_partition_for_key() built on it.
 *
 * Java does the arithmetic in 32-bit signed ints with wrap-around and
 * unsigned shifts (>>>); here the same is done in uint32_t, which has the
 * same bit results without C's signed-overflow undefined behaviour. The
 * tail switch falls through on purpose, as in the original.
 */
#include "common/murmur2.h"

#include "fjord.h"

#define MURMUR2_SEED 0x9747b28cu
#define MURMUR2_M 0x5bd1e995u
#define MURMUR2_R 24

int32_t murmur2(const void *key, size_t len)
{
	const uint8_t *data = key;
	/* Java's length is an int: only the low 32 bits take part. */
	uint32_t h = MURMUR2_SEED ^ (uint32_t)len;
	size_t blocks = len / 4;

	for (size_t i = 0; i < blocks; i++) {
		const uint8_t *b = data + i * 4;
		uint32_t k = (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) |
		             ((uint32_t)b[3] << 24);
		k *= MURMUR2_M;
		k ^= k >> MURMUR2_R;
		k *= MURMUR2_M;
		h *= MURMUR2_M;
		h ^= k;
	}

	const uint8_t *tail = data + (len & ~(size_t)3);
	switch (len & 3) {
	case 3:
		h ^= (uint32_t)tail[2] << 16;
		/* fall through */
	case 2:
		h ^= (uint32_t)tail[1] << 8;
		/* fall through */
	case 1:
		h ^= tail[0];
		h *= MURMUR2_M;
		break;
	default:
		break;
	}

	h ^= h >> 13;
	h *= MURMUR2_M;
	h ^= h >> 15;
	return (int32_t)h;
}

int32_t murmur2_partition(const void *key, size_t len, int32_t partition_cnt)
{
	if (partition_cnt <= 0 || (key == NULL && len > 0))
		return -1;
	uint32_t positive = (uint32_t)murmur2(key, len) & 0x7fffffffu;
	return (int32_t)(positive % (uint32_t)partition_cnt);
}

int32_t fjord_partition_for_key(const void *key, size_t key_len, int32_t partition_cnt)
{
	return murmur2_partition(key, key_len, partition_cnt);
}
