/*
 * 0130-unit-timeparse — the CLI's one parser of points in time
 * (src/cli/timeparse.c, compiled into the runner): `consume -o s@TIME`,
 * `consume --from-time`, `group reset-offsets --to-datetime`.
 *
 * Epoch milliseconds; ISO 8601 with and without seconds and fractions; the
 * zones Z, +HH:MM, -HH:MM, +HHMM; no zone = local time from TZ (a fixed
 * offset, and a zone with daylight saving time on both sides of the change,
 * given as POSIX TZ strings so no tzdata is needed). Malformed and
 * out-of-range input is refused with one line naming the accepted forms,
 * and the output is left untouched. Check forks each test, so setting TZ
 * here does not leak into others.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "test.h"

/* 2026-11-21T10:00:00Z */
#define T0130_BASE 1795255200000LL

static int64_t t0130_ok(const char *s)
{
	char errstr[512] = "";
	int64_t v = -7;

	ck_assert_msg(cli_parse_time(s, &v, errstr, sizeof(errstr)) == 0, "refused \"%s\": %s", s,
	              errstr);
	return v;
}

START_TEST(timeparse_utc_and_offsets)
{
	ck_assert(t0130_ok("1700000000000") == 1700000000000LL);
	ck_assert(t0130_ok("0") == 0);
	ck_assert(t0130_ok("2026-11-21T10:00:00Z") == T0130_BASE);
	ck_assert(t0130_ok("2026-11-21T10:00Z") == T0130_BASE);
	ck_assert(t0130_ok("2026-11-21T10:00:07Z") == T0130_BASE + 7000);
	ck_assert(t0130_ok("2026-11-21T10:00:00.5Z") == T0130_BASE + 500);
	ck_assert(t0130_ok("2026-11-21T10:00:00.25Z") == T0130_BASE + 250);
	ck_assert(t0130_ok("2026-11-21T10:00:00.123Z") == T0130_BASE + 123);
	ck_assert(t0130_ok("2026-11-21T10:00:00.123456789Z") == T0130_BASE + 123);
	ck_assert(t0130_ok("2026-11-21T11:30:00+01:30") == T0130_BASE);
	ck_assert(t0130_ok("2026-11-21T05:00-05:00") == T0130_BASE);
	ck_assert(t0130_ok("2026-11-21T15:30:00.001+0530") == T0130_BASE + 1);
	ck_assert(t0130_ok("2026-11-21T00:00:00-1000") == T0130_BASE);
	ck_assert(t0130_ok("2026-11-21T10:00+00:00") == T0130_BASE);
	ck_assert(t0130_ok("2024-02-29T00:00Z") == 1709164800000LL);
	ck_assert(t0130_ok("1970-01-01T00:00:00.000Z") == 0);
}
END_TEST

START_TEST(timeparse_local)
{
	/* UTC+05:30 all year (POSIX TZ counts west, hence the minus). */
	ck_assert_int_eq(setenv("TZ", "FJT-05:30", 1), 0);
	tzset();
	ck_assert(t0130_ok("2026-11-21T15:30:00") == T0130_BASE);
	ck_assert(t0130_ok("2026-11-21T15:30") == T0130_BASE);
	ck_assert(t0130_ok("2026-11-21T15:30:00.750") == T0130_BASE + 750);
	/* An explicit zone wins over TZ. */
	ck_assert(t0130_ok("2026-11-21T10:00Z") == T0130_BASE);
	/* Central Europe: UTC+1 in winter, UTC+2 in summer. */
	ck_assert_int_eq(setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1), 0);
	tzset();
	ck_assert(t0130_ok("2026-01-01T12:00") == 1767265200000LL);
	ck_assert(t0130_ok("2026-07-01T12:00") == 1782900000000LL);
	ck_assert(t0130_ok("2026-11-21T11:00:00") == T0130_BASE);
}
END_TEST

START_TEST(timeparse_refused)
{
	const char *bad[] = {
		"",
		"-5",
		"+5",
		"99999999999999999999",
		"12ab",
		"2026-11-21",
		"2026-11-21T10",
		"2026-11-21 10:00Z",
		"2026-11-21t10:00Z",
		"2026-1-21T10:00Z",
		"26-11-21T10:00Z",
		"2026-13-01T00:00Z",
		"2026-00-01T00:00Z",
		"2026-11-00T00:00Z",
		"2026-11-31T00:00Z",
		"2026-02-29T00:00Z",
		"2026-11-21T24:00Z",
		"2026-11-21T10:60Z",
		"2026-11-21T10:00:60Z",
		"2026-11-21T10:00:00.Z",
		"2026-11-21T10:00:00.1234567890Z",
		"2026-11-21T10:00.5Z",
		"2026-11-21T10:00 Z",
		"2026-11-21T10:00Z ",
		" 2026-11-21T10:00Z",
		"2026-11-21T10:00z",
		"2026-11-21T10:00UTC",
		"2026-11-21T10:00+05",
		"2026-11-21T10:00+05:3",
		"2026-11-21T10:00+05:",
		"2026-11-21T10:00+5:30",
		"2026-11-21T10:00+05:60",
		"2026-11-21T10:00+19:00",
		"2026-11-21T10:00+05:30Z",
		"1969-12-31T23:59:59Z",
		"1970-01-01T00:30+01:00",
	};
	char errstr[512];
	int64_t v = 77;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errstr[0] = '\0';
		ck_assert_msg(cli_parse_time(bad[i], &v, errstr, sizeof(errstr)) == -1,
		              "accepted \"%s\"", bad[i]);
		ck_assert(v == 77);
		ck_assert_msg(strstr(errstr, "epoch milliseconds") && strstr(errstr, "+HH:MM") &&
		                  strstr(errstr, "local time"),
		              "\"%s\": error does not name the forms: %s", bad[i], errstr);
		ck_assert_msg(strchr(errstr, '\n') == NULL, "more than one line: %s", errstr);
	}
	ck_assert_int_eq(cli_parse_time(NULL, &v, errstr, sizeof(errstr)), -1);
	ck_assert(v == 77);
	/* The error names what was given. */
	ck_assert_int_eq(cli_parse_time("2026-11-31T00:00Z", &v, errstr, sizeof(errstr)), -1);
	ck_assert_msg(strstr(errstr, "'2026-11-31T00:00Z'") && strstr(errstr, "out of range"), "%s",
	              errstr);
}
END_TEST

void test_0130(TCase *tc);

void test_0130(TCase *tc)
{
	tcase_add_test(tc, timeparse_utc_and_offsets);
	tcase_add_test(tc, timeparse_local);
	tcase_add_test(tc, timeparse_refused);
}
