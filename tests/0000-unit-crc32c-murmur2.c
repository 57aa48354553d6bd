/*
 * 0000-unit-crc32c-murmur2 — checksums and the partitioner hash against
 * published vectors.
 *
 * CRC-32C: the standard check value ("123456789" -> 0xE3069283), RFC 3720's
 * iSCSI vectors, chaining, and agreement of the slicing-by-8 and SSE4.2
 * paths on random data at every length 0..300 and every start alignment.
 * murmur2: the vectors from Kafka's UtilsTest, the partition formula
 * (h & 0x7fffffff) % n, and the public fjord_partition_for_key().
 */
#include <stdlib.h>
#include <string.h>

#include "common/crc32c.h"
#include "common/murmur2.h"
#include "test.h"

START_TEST(crc32c_vectors)
{
	uint8_t buf[48];

	ck_assert_uint_eq(crc32c(0, "123456789", 9), 0xE3069283u);
	ck_assert_uint_eq(crc32c_sw(0, "123456789", 9), 0xE3069283u);
	ck_assert_uint_eq(crc32c(0, "", 0), 0);
	/* RFC 3720 B.4: 32 bytes of zeros, of 0xff, ascending, descending. */
	memset(buf, 0, 32);
	ck_assert_uint_eq(crc32c(0, buf, 32), 0x8A9136AAu);
	memset(buf, 0xff, 32);
	ck_assert_uint_eq(crc32c(0, buf, 32), 0x62A8AB43u);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	ck_assert_uint_eq(crc32c(0, buf, 32), 0x46DD794Eu);
	ck_assert_uint_eq(crc32c_sw(0, buf, 32), 0x46DD794Eu);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)(31 - i);
	ck_assert_uint_eq(crc32c(0, buf, 32), 0x113FDB5Cu);
	/* Chaining equals one pass. */
	ck_assert_uint_eq(crc32c(crc32c(0, "1234", 4), "56789", 5), 0xE3069283u);
	ck_assert_uint_eq(crc32c_sw(crc32c_sw(0, "12345", 5), "6789", 4), 0xE3069283u);
}
END_TEST

START_TEST(crc32c_sw_hw_agree)
{
	enum { MAXLEN = 300 };
	uint8_t *data = malloc(MAXLEN + 16);
	unsigned seed = 12345;

	ck_assert_ptr_nonnull(data);
	for (int i = 0; i < MAXLEN + 16; i++)
		data[i] = (uint8_t)(rand_r(&seed) >> 7);
	if (!crc32c_hw_available())
		test_say("SSE4.2 not available: checking the software path only");
	for (int align = 0; align < 8; align++) {
		for (size_t len = 0; len <= MAXLEN; len++) {
			uint32_t sw = crc32c_sw(0, data + align, len);
			/* A byte-at-a-time reference from the software path too. */
			uint32_t bytewise = 0;
			for (size_t i = 0; i < len; i++)
				bytewise = crc32c_sw(bytewise, data + align + i, 1);
			ck_assert_uint_eq(sw, bytewise);
			ck_assert_uint_eq(crc32c(0, data + align, len), sw);
			if (crc32c_hw_available())
				ck_assert_uint_eq(crc32c_hw(0, data + align, len), sw);
		}
	}
	free(data);
}
END_TEST

START_TEST(murmur2_kafka_vectors)
{
	/* Kafka's UtilsTest.testMurmur2. */
	ck_assert_int_eq(murmur2("21", 2), -973932308);
	ck_assert_int_eq(murmur2("foobar", 6), -790332482);
	ck_assert_int_eq(murmur2("a-little-bit-long-string", 24), -985981536);
	ck_assert_int_eq(murmur2("a-little-bit-longer-string", 26), -1486304829);
	ck_assert_int_eq(murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", 48),
	                 -58897971);
	ck_assert_int_eq(murmur2("abc", 3), 479470107);
}
END_TEST

START_TEST(murmur2_partitions)
{
	/* (h & 0x7fffffff) % n, computed from the vectors above. */
	ck_assert_int_eq(murmur2_partition("21", 2, 1), 0);
	ck_assert_int_eq(murmur2_partition("21", 2, 3), (int32_t)((-973932308 & 0x7fffffff) % 3));
	ck_assert_int_eq(murmur2_partition("foobar", 6, 10),
	                 (int32_t)((-790332482 & 0x7fffffff) % 10));
	ck_assert_int_eq(murmur2_partition("abc", 3, 7), 479470107 % 7);
	ck_assert_int_eq(fjord_partition_for_key("abc", 3, 7), 479470107 % 7);
	ck_assert_int_eq(fjord_partition_for_key("foobar", 6, 12),
	                 (int32_t)((-790332482 & 0x7fffffff) % 12));
	/* Every partition is in range, and the hash spreads keys. */
	int seen[16] = { 0 };
	for (int i = 0; i < 2000; i++) {
		char key[32];
		int n = snprintf(key, sizeof(key), "key-%d", i);
		int32_t p = fjord_partition_for_key(key, (size_t)n, 16);
		ck_assert_int_ge(p, 0);
		ck_assert_int_lt(p, 16);
		seen[p]++;
	}
	for (int p = 0; p < 16; p++)
		ck_assert_int_gt(seen[p], 50);
	/* Bad input is refused, not crashed on. */
	ck_assert_int_eq(fjord_partition_for_key("abc", 3, 0), -1);
	ck_assert_int_eq(fjord_partition_for_key("abc", 3, -4), -1);
	ck_assert_int_eq(fjord_partition_for_key(NULL, 5, 4), -1);
	ck_assert_int_ge(fjord_partition_for_key(NULL, 0, 4), 0);
}
END_TEST

void test_0000(TCase *tc);

void test_0000(TCase *tc)
{
	tcase_add_test(tc, crc32c_vectors);
	tcase_add_test(tc, crc32c_sw_hw_agree);
	tcase_add_test(tc, murmur2_kafka_vectors);
	tcase_add_test(tc, murmur2_partitions);
}
