/*
 * 0002-unit-frame — the frame prefix parser and writer.
 *
 * Round trip of frame_write_prefix()/frame_parse(), FRAME_AGAIN for every
 * proper prefix of a frame, FRAME_ERROR for an oversized frame judged from
 * its first bytes alone, header_len > frame_len - 4, frame_len < 4, and a
 * zero-length header (legal: the protobuf decoder above decides).
 */
#include <string.h>

#include "common/bytes.h"
#include "common/frame.h"
#include "test.h"

START_TEST(frame_round_trip)
{
	uint8_t buf[64];
	frame_t f;
	const char *msg = "unset";

	frame_write_prefix(buf, 10, 20);
	ck_assert_uint_eq(be32_read(buf), 34);
	ck_assert_uint_eq(be32_read(buf + 4), 10);
	memset(buf + 8, 0xab, 30);
	ck_assert_int_eq(frame_parse(buf, 38, 1024, &f, &msg), FRAME_OK);
	ck_assert_ptr_null(msg);
	ck_assert_uint_eq(f.frame_len, 34);
	ck_assert_uint_eq(f.header_len, 10);
	ck_assert_uint_eq(f.total_len, 38);
	ck_assert_uint_eq(f.header_off, FRAME_PREFIX_SIZE);
	ck_assert_uint_eq(f.payload_off, 18);
	ck_assert_uint_eq(f.payload_len, 20);
	/* Extra bytes of the next frame do not matter. */
	ck_assert_int_eq(frame_parse(buf, 64, 1024, &f, &msg), FRAME_OK);
	ck_assert_uint_eq(f.total_len, 38);
	/* Exactly at the limit is allowed. */
	ck_assert_int_eq(frame_parse(buf, 38, 34, &f, &msg), FRAME_OK);
}
END_TEST

START_TEST(frame_again_on_partial)
{
	uint8_t buf[64];
	frame_t f;
	const char *msg;

	frame_write_prefix(buf, 5, 7);
	for (size_t len = 0; len < 8 + 5 + 7; len++) {
		msg = "unset";
		ck_assert_int_eq(frame_parse(buf, len, 1024, &f, &msg), FRAME_AGAIN);
		ck_assert_ptr_null(msg);
	}
	ck_assert_int_eq(frame_parse(buf, 20, 1024, &f, &msg), FRAME_OK);
}
END_TEST

START_TEST(frame_error_oversized_early)
{
	uint8_t buf[8];
	frame_t f;
	const char *msg = NULL;

	/* A 100 MiB frame against a 1 MiB limit: refused from 8 bytes, and
	 * already from the 4 bytes of frame_len. */
	frame_write_prefix(buf, 16, 100u * 1024 * 1024);
	ck_assert_int_eq(frame_parse(buf, 8, 1024 * 1024, &f, &msg), FRAME_ERROR);
	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(strstr(msg, "too large"));
	ck_assert_int_eq(frame_parse(buf, 4, 1024 * 1024, &f, &msg), FRAME_ERROR);
	/* One byte over the limit. */
	frame_write_prefix(buf, 4, 97);
	ck_assert_int_eq(frame_parse(buf, 8, 104, &f, &msg), FRAME_ERROR);
	ck_assert_int_eq(frame_parse(buf, 8, 105, &f, &msg), FRAME_AGAIN);
	/* 0xffffffff must not wrap anything. */
	memset(buf, 0xff, 8);
	ck_assert_int_eq(frame_parse(buf, 8, (size_t)-1, &f, &msg), FRAME_ERROR);
}
END_TEST

START_TEST(frame_error_bad_header_len)
{
	uint8_t buf[16];
	frame_t f;
	const char *msg = NULL;

	be32_write(buf, 10);
	be32_write(buf + 4, 7); /* only 6 bytes follow the header_len field */
	ck_assert_int_eq(frame_parse(buf, 8, 1024, &f, &msg), FRAME_ERROR);
	ck_assert_ptr_nonnull(strstr(msg, "header length exceeds frame"));
	be32_write(buf + 4, 6); /* exactly fills it: fine, no payload */
	memset(buf + 8, 0, 6);
	ck_assert_int_eq(frame_parse(buf, 14, 1024, &f, &msg), FRAME_OK);
	ck_assert_uint_eq(f.payload_len, 0);
	/* frame_len too small to hold header_len. */
	be32_write(buf, 3);
	ck_assert_int_eq(frame_parse(buf, 8, 1024, &f, &msg), FRAME_ERROR);
	ck_assert_ptr_nonnull(msg);
	be32_write(buf, 0);
	ck_assert_int_eq(frame_parse(buf, 4, 1024, &f, &msg), FRAME_ERROR);
}
END_TEST

START_TEST(frame_zero_length_header)
{
	uint8_t buf[16];
	frame_t f;
	const char *msg = NULL;

	frame_write_prefix(buf, 0, 3);
	memcpy(buf + 8, "xyz", 3);
	ck_assert_int_eq(frame_parse(buf, 11, 1024, &f, &msg), FRAME_OK);
	ck_assert_uint_eq(f.header_len, 0);
	ck_assert_uint_eq(f.payload_off, 8);
	ck_assert_uint_eq(f.payload_len, 3);
	/* No header and no payload: a 4-byte frame. */
	frame_write_prefix(buf, 0, 0);
	ck_assert_uint_eq(be32_read(buf), 4);
	ck_assert_int_eq(frame_parse(buf, 8, 1024, &f, &msg), FRAME_OK);
	ck_assert_uint_eq(f.total_len, 8);
}
END_TEST

void test_0002(TCase *tc);

void test_0002(TCase *tc)
{
	tcase_add_test(tc, frame_round_trip);
	tcase_add_test(tc, frame_again_on_partial);
	tcase_add_test(tc, frame_error_oversized_early);
	tcase_add_test(tc, frame_error_bad_header_len);
	tcase_add_test(tc, frame_zero_length_header);
}
