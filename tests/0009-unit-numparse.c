/*
 * 0009-unit-numparse — the one decimal integer parser.
 *
 * Whole strings only, ranges inclusive at both ends, INT64 limits without
 * wrapping, no leading blanks in the strict form, blanks around the number
 * in the _blanks form, *out untouched on failure.
 */
#include <stdint.h>

#include "common/numparse.h"
#include "test.h"

START_TEST(numparse_strict)
{
	int64_t v = 77;
	int32_t w = 77;

	ck_assert_int_eq(num_parse_i64("0", 0, 10, &v), 0);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(num_parse_i64("10", 0, 10, &v), 0);
	ck_assert_int_eq(v, 10);
	ck_assert_int_eq(num_parse_i64("-5", -5, 5, &v), 0);
	ck_assert_int_eq(v, -5);
	ck_assert_int_eq(num_parse_i64("+7", 0, 10, &v), 0);
	ck_assert_int_eq(v, 7);
	ck_assert_int_eq(num_parse_i64("9223372036854775807", 0, INT64_MAX, &v), 0);
	ck_assert(v == INT64_MAX);
	ck_assert_int_eq(num_parse_i64("-9223372036854775808", INT64_MIN, 0, &v), 0);
	ck_assert(v == INT64_MIN);
	v = 77;
	const char *bad[] = { "",
		              " 1",
		              "1 ",
		              "1x",
		              "x",
		              "-",
		              "+",
		              "--1",
		              "+-1",
		              "0x10",
		              "1.0",
		              "9223372036854775808",
		              "-9223372036854775809",
		              "123456789012345678901234567890123" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(num_parse_i64(bad[i], INT64_MIN, INT64_MAX, &v) == -1,
		              "accepted \"%s\"", bad[i]);
		ck_assert_int_eq(v, 77);
	}
	ck_assert_int_eq(num_parse_i64(NULL, 0, 1, &v), -1);
	ck_assert_int_eq(num_parse_i64("11", 0, 10, &v), -1);
	ck_assert_int_eq(num_parse_i64("-1", 0, 10, &v), -1);
	ck_assert_int_eq(v, 77);

	ck_assert_int_eq(num_parse_i32("65535", 0, 65535, &w), 0);
	ck_assert_int_eq(w, 65535);
	w = 77;
	ck_assert_int_eq(num_parse_i32("65536", 0, 65535, &w), -1);
	ck_assert_int_eq(num_parse_i32("2147483648", 0, INT32_MAX, &w), -1);
	ck_assert_int_eq(w, 77);
}
END_TEST

START_TEST(numparse_blanks)
{
	int64_t v = 77;

	ck_assert_int_eq(num_parse_i64_blanks(" 42\n", 0, 100, &v), 0);
	ck_assert_int_eq(v, 42);
	ck_assert_int_eq(num_parse_i64_blanks("\t-3 \r\n", -10, 10, &v), 0);
	ck_assert_int_eq(v, -3);
	v = 77;
	ck_assert_int_eq(num_parse_i64_blanks("  ", 0, 100, &v), -1);
	ck_assert_int_eq(num_parse_i64_blanks("4 2", 0, 100, &v), -1);
	ck_assert_int_eq(num_parse_i64_blanks("- 2", -10, 100, &v), -1);
	ck_assert_int_eq(num_parse_i64_blanks(NULL, 0, 100, &v), -1);
	ck_assert_int_eq(v, 77);
	/* A znode value: not NUL-terminated, only len bytes count. */
	ck_assert_int_eq(num_parse_i64_blanks_n("12\n99", 3, 0, 100, &v), 0);
	ck_assert_int_eq(v, 12);
	v = 77;
	ck_assert_int_eq(num_parse_i64_blanks_n("12x", 3, 0, 100, &v), -1);
	ck_assert_int_eq(num_parse_i64_blanks_n("5", 0, 0, 100, &v), -1);
	ck_assert_int_eq(v, 77);
}
END_TEST

void test_0009(TCase *tc);

void test_0009(TCase *tc)
{
	tcase_add_test(tc, numparse_strict);
	tcase_add_test(tc, numparse_blanks);
}
