/*
 * numparse.c — decimal integers from text (numparse.h).
 */
#include "common/numparse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int num_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Parses [s, s + len) exactly. */
static int num_parse_span(const char *s, size_t len, int64_t min, int64_t max, int64_t *out)
{
	char buf[32], *end;
	long long v;
	size_t i = 0;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (buf[0] == '-' || buf[0] == '+')
		i = 1;
	if (buf[i] < '0' || buf[i] > '9') /* no blank, no second sign, not empty */
		return -1;
	errno = 0;
	v = strtoll(buf, &end, 10);
	/* end != buf + len: a NUL inside the span (a znode value may hold
	 * any byte) ends strtoll early; the rest is not a number. */
	if (errno || end != buf + len || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int num_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	return s ? num_parse_span(s, strlen(s), min, max, out) : -1;
}

int num_parse_i32(const char *s, int32_t min, int32_t max, int32_t *out)
{
	int64_t v;

	if (num_parse_i64(s, min, max, &v) < 0)
		return -1;
	*out = (int32_t)v;
	return 0;
}

int num_parse_i64_blanks_n(const char *s, size_t len, int64_t min, int64_t max, int64_t *out)
{
	if (!s)
		return -1;
	while (len > 0 && num_is_blank(*s)) {
		s++;
		len--;
	}
	while (len > 0 && num_is_blank(s[len - 1]))
		len--;
	return num_parse_span(s, len, min, max, out);
}

int num_parse_i64_blanks(const char *s, int64_t min, int64_t max, int64_t *out)
{
	return s ? num_parse_i64_blanks_n(s, strlen(s), min, max, out) : -1;
}
