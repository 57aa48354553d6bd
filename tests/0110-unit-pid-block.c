/*
 * 0110-unit-pid-block — the JSON of /latest_producer_id_block
 * (common/pid_block.h): what fjord writes is Kafka's shape (the ids as
 * strings) and reads back equal, the largest ids survive, and every bad
 * value (not JSON, not an object, a field missing, of the wrong type,
 * negative, out of range, block_end before block_start, another version)
 * is refused with a message naming the problem and leaves the block zeroed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/pid_block.h"
#include "common/zkpath.h"
#include "test.h"

START_TEST(pid_block_round_trip)
{
	const pid_block_t in[] = { { 1, 0, 999 },
		                   { 0, 1000, 1000 },
		                   { 7, 3, 5 },
		                   { INT32_MAX, INT64_MAX - 999, INT64_MAX } };
	char errstr[256];

	ck_assert_str_eq(ZKPATH_LATEST_PRODUCER_ID_BLOCK, "/latest_producer_id_block");
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		pid_block_t out;
		char *s = pid_block_encode(&in[i]);

		ck_assert_ptr_nonnull(s);
		test_say("encoded: %s", s);
		ck_assert_msg(pid_block_decode(s, strlen(s), &out, errstr, sizeof(errstr)) == 0,
		              "%s refused: %s", s, errstr);
		ck_assert_int_eq(out.broker, in[i].broker);
		ck_assert(out.block_start == in[i].block_start);
		ck_assert(out.block_end == in[i].block_end);
		free(s);
	}
	/* Kafka's exact shape: the ids are strings. */
	char *s = pid_block_encode(&in[0]);
	ck_assert_ptr_nonnull(strstr(s, "\"version\":1"));
	ck_assert_ptr_nonnull(strstr(s, "\"broker\":1"));
	ck_assert_ptr_nonnull(strstr(s, "\"block_start\":\"0\""));
	ck_assert_ptr_nonnull(strstr(s, "\"block_end\":\"999\""));
	free(s);
	/* As Kafka writes it, with spaces and in another order. */
	const char *kafka =
	    "{\"version\": 1, \"block_end\": \"1999\", \"broker\": 2, \"block_start\": \"1000\"}";
	pid_block_t out;
	ck_assert_msg(pid_block_decode(kafka, strlen(kafka), &out, errstr, sizeof(errstr)) == 0,
	              "%s", errstr);
	ck_assert(out.broker == 2 && out.block_start == 1000 && out.block_end == 1999);
}
END_TEST

START_TEST(pid_block_rejects)
{
	static const struct {
		const char *json, *says;
	} bad[] = {
		{ "", "empty" },
		{ "not json", "invalid JSON" },
		{ "[1,2]", "object" },
		{ "{\"broker\":1,\"block_start\":\"0\",\"block_end\":\"9\"}", "version" },
		{ "{\"version\":2,\"broker\":1,\"block_start\":\"0\",\"block_end\":\"9\"}",
		  "version" },
		{ "{\"version\":1,\"block_start\":\"0\",\"block_end\":\"9\"}", "broker" },
		{ "{\"version\":1,\"broker\":-1,\"block_start\":\"0\",\"block_end\":\"9\"}",
		  "broker" },
		{ "{\"version\":1,\"broker\":\"1\",\"block_start\":\"0\",\"block_end\":\"9\"}",
		  "broker" },
		{ "{\"version\":1,\"broker\":1,\"block_end\":\"9\"}", "block_start" },
		{ "{\"version\":1,\"broker\":1,\"block_start\":\"0\"}", "block_end" },
		{ "{\"version\":1,\"broker\":1,\"block_start\":0,\"block_end\":\"9\"}",
		  "block_start" },
		{ "{\"version\":1,\"broker\":1,\"block_start\":\"-1\",\"block_end\":\"9\"}",
		  "block_start" },
		{ "{\"version\":1,\"broker\":1,\"block_start\":\"+1\",\"block_end\":\"9\"}",
		  "block_start" },
		{ "{\"version\":1,\"broker\":1,\"block_start\":\"0\",\"block_end\":\"9x\"}",
		  "block_end" },
		{ "{\"version\":1,\"broker\":1,\"block_start\":\"0\",\"block_end\":\"\"}",
		  "block_end" },
		{ "{\"version\":1,\"broker\":1,\"block_start\":\"0\","
		  "\"block_end\":\"9223372036854775808\"}",
		  "block_end" },
		{ "{\"version\":1,\"broker\":1,\"block_start\":\"10\",\"block_end\":\"9\"}",
		  "is before" },
		{ "{\"version\":1,\"broker\":1,\"broker\":2,\"block_start\":\"0\",\"block_end\":"
		  "\"9\"}",
		  "invalid JSON" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pid_block_t out = { 5, 5, 5 };
		char errstr[256] = "";

		ck_assert_msg(pid_block_decode(bad[i].json, strlen(bad[i].json), &out, errstr,
		                               sizeof(errstr)) < 0,
		              "accepted: %s", bad[i].json);
		test_say("%s -> %s", bad[i].json, errstr);
		ck_assert_msg(strstr(errstr, "producer id block") && strstr(errstr, bad[i].says),
		              "%s: the message does not say \"%s\": %s", bad[i].json, bad[i].says,
		              errstr);
		ck_assert(out.broker == 0 && out.block_start == 0 && out.block_end == 0);
	}
	/* NULL with a length of 0 (a znode without data). */
	pid_block_t out;
	char errstr[256] = "";
	ck_assert_int_lt(pid_block_decode(NULL, 0, &out, errstr, sizeof(errstr)), 0);
	ck_assert_ptr_nonnull(strstr(errstr, "empty"));
}
END_TEST

void test_0110(TCase *tc);

void test_0110(TCase *tc)
{
	tcase_add_test(tc, pid_block_round_trip);
	tcase_add_test(tc, pid_block_rejects);
}
