/*
 * fuzz_numparse — the one decimal integer parser (src/common/numparse.c)
 * against a reference written from its header's contract: an optional
 * sign and decimal digits, the whole text (the _blanks forms also allow
 * space, tab, CR and LF around it), inside the caller's range, at most 31
 * characters of number; anything else is refused and the output is left
 * alone.
 *
 * The first input byte picks a range from the table below, the rest is the
 * text: as a C string for num_parse_i64/i32/i64_blanks (cut at a NUL byte,
 * as a caller's string would be) and as len bytes for num_parse_i64_blanks_n
 * (a znode's value, which may hold any byte).
 *
 * FUZZ_OPTIONS: -max_len=64
 * FUZZ_SOURCES: src/common/numparse.c
 */
#include <stdlib.h>
#include <string.h>

#include "common/numparse.h"
#include "support.h"

static const struct {
	int64_t min, max;
} fuzz_ranges[] = {
	{ INT64_MIN, INT64_MAX },
	{ 0, INT64_MAX },
	{ INT32_MIN, INT32_MAX },
	{ 0, 65535 },
	{ 1, 1000 },
	{ -1, 0 },
	{ 0, 0 },
	{ 5, 4 },
};
#define FUZZ_RANGE_CNT (sizeof(fuzz_ranges) / sizeof(fuzz_ranges[0]))

static int fuzz_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The reference: [s, s + len) exactly, blanks around it when blanks. */
static int fuzz_ref(const char *s, size_t len, int blanks, int64_t min, int64_t max, int64_t *out)
{
	if (blanks) {
		while (len > 0 && fuzz_blank(*s))
			s++, len--;
		while (len > 0 && fuzz_blank(s[len - 1]))
			len--;
	}
	if (len == 0 || len > 31)
		return -1;
	size_t i = 0;
	int neg = 0;
	if (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == len)
		return -1;
	/* Accumulate as a negative number: INT64_MIN has no positive twin. */
	int64_t v = 0;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		int d = s[i] - '0';
		if (v < (INT64_MIN + d) / 10)
			return -1; /* out of int64_t range */
		v = v * 10 - d;
	}
	if (!neg) {
		if (v == INT64_MIN)
			return -1;
		v = -v;
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static void fuzz_compare(const char *what, const char *text, size_t len, int rc, int64_t got,
                         int ref_rc, int64_t want)
{
	FUZZ_CHECK(rc == ref_rc && (rc != 0 || got == want),
	           "%s(\"%.*s\", %zu bytes): answered %d (%lld), the contract says %d (%lld)", what,
	           (int)len, text, len, rc, (long long)got, ref_rc, (long long)want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const int64_t untouched = 0x5a5a5a5a5a5a5a5a;

	fuzz_init();
	if (size == 0)
		return 0;
	int64_t min = fuzz_ranges[data[0] % FUZZ_RANGE_CNT].min;
	int64_t max = fuzz_ranges[data[0] % FUZZ_RANGE_CNT].max;
	const char *raw = (const char *)data + 1;
	size_t len = size - 1;
	char *str = fuzz_strndup(data + 1, len);
	size_t slen = strlen(str);
	int64_t v, want;
	int rc, ref;

	v = untouched, want = untouched;
	rc = num_parse_i64(str, min, max, &v);
	ref = fuzz_ref(str, slen, 0, min, max, &want);
	fuzz_compare("num_parse_i64", str, slen, rc, v, ref, want);
	FUZZ_CHECK(rc == 0 || v == untouched, "num_parse_i64 changed the output on failure");

	int32_t min32 = min < INT32_MIN ? INT32_MIN : min > INT32_MAX ? INT32_MAX : (int32_t)min;
	int32_t max32 = max < INT32_MIN ? INT32_MIN : max > INT32_MAX ? INT32_MAX : (int32_t)max;
	int32_t v32 = 0x5a5a5a5a;
	rc = num_parse_i32(str, min32, max32, &v32);
	want = untouched;
	ref = fuzz_ref(str, slen, 0, min32, max32, &want);
	fuzz_compare("num_parse_i32", str, slen, rc, rc == 0 ? v32 : 0, ref, want);
	FUZZ_CHECK(rc == 0 || v32 == 0x5a5a5a5a, "num_parse_i32 changed the output on failure");

	v = untouched, want = untouched;
	rc = num_parse_i64_blanks(str, min, max, &v);
	ref = fuzz_ref(str, slen, 1, min, max, &want);
	fuzz_compare("num_parse_i64_blanks", str, slen, rc, v, ref, want);

	/* Exactly len bytes, no terminator, so ASan sees a read past them. */
	char *exact = (char *)fuzz_memdup(data + 1, len);
	v = untouched, want = untouched;
	rc = num_parse_i64_blanks_n(exact, len, min, max, &v);
	ref = fuzz_ref(raw, len, 1, min, max, &want);
	fuzz_compare("num_parse_i64_blanks_n", raw, len, rc, v, ref, want);
	FUZZ_CHECK(rc == 0 || v == untouched, "num_parse_i64_blanks_n changed the output");
	free(exact);
	free(str);
	return 0;
}
