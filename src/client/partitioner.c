/*
 * partitioner.c — choosing a partition for a record produced with
 * FJORD_PARTITION_UA.
 *
 * partitioner=murmur2_random (default, Kafka's Java client): keyed records go
 * to murmur2(key) & 0x7fffffff % partition_cnt (murmur2.h, bit-compatible
 * with Kafka); null keys stick to one random partition until a batch for it
 * is sent (the producer then clears *sticky), which keeps batches large.
 * consistent_random: same hash for keys, a fresh random partition for every
 * null-key record. random: a random partition for every record.
 * Thread: the I/O thread (the sticky state lives in the producer's topic).
 */
#include <stdlib.h>
#include <time.h>

#include "client/client_int.h"
#include "common/murmur2.h"

static __thread unsigned int partitioner_seed;

static int32_t partitioner_random(int part_cnt)
{
	if (!partitioner_seed)
		partitioner_seed =
		    (unsigned int)(uintptr_t)&partitioner_seed ^ (unsigned int)time(NULL);
	return (int32_t)(rand_r(&partitioner_seed) % part_cnt);
}

int32_t partitioner_pick(fjord_t *h, int part_cnt, const void *key, size_t key_len, int32_t *sticky)
{
	int kind = h->cv_conf->partitioner;
	if (part_cnt <= 0)
		return -1;
	if (kind == PARTITIONER_RANDOM)
		return partitioner_random(part_cnt);
	if (key)
		return murmur2_partition(key, key_len, part_cnt);
	if (kind == PARTITIONER_CONSISTENT_RANDOM)
		return partitioner_random(part_cnt);
	if (*sticky < 0 || *sticky >= part_cnt)
		*sticky = partitioner_random(part_cnt);
	return *sticky;
}
