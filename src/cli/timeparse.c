/*
 * timeparse.c — the one parser of points in time for the whole CLI
 * (`consume -o s@TIME` / `--from-time`, `group reset-offsets --to-datetime`).
 *
 * Accepted, as Kafka's tools accept them:
 *   1700000000000                     epoch milliseconds (digits only)
 *   2026-11-21T10:00                  ISO 8601 local date and time; seconds
 *   2026-11-21T10:00:30                and a fraction (1-9 digits, kept to
 *   2026-11-21T10:00:30.250            the millisecond) are optional
 * followed by a zone: `Z` (UTC), `+HH:MM`, `-HH:MM` or `+HHMM` / `-HHMM`.
 * Without a zone the time is local (the TZ environment variable, else the
 * system's zone), as kafka-consumer-groups.sh reads a datetime without one.
 *
 * Guarantees: the whole string is read (nothing trailing, no spaces); every
 * field is range-checked (month 1-12, the day exists in that month, hour
 * 0-23, minute and second 0-59, zone offset up to 18:00 as in Java's
 * ZoneOffset); times before the epoch are refused, since a record
 * timestamp is never negative. Nothing is printed: the caller gets one
 * line in errstr naming the accepted forms.
 *
 * Any thread (mktime reads the process's time zone: do not change TZ while
 * another thread parses).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

/* Reads exactly n decimal digits at *pp into *out and advances *pp.
 * Returns 0, or -1 when a character is not a digit. */
static int timeparse_digits(const char **pp, int n, int *out)
{
	const char *p = *pp;
	int v = 0, i;

	for (i = 0; i < n; i++, p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	*out = v;
	*pp = p;
	return 0;
}

/* Reads the character c at *pp and advances; -1 when it is something else. */
static int timeparse_expect(const char **pp, char c)
{
	if (**pp != c)
		return -1;
	(*pp)++;
	return 0;
}

static int timeparse_days_in_month(int year, int month)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

static int timeparse_fail(const char *s, char *errstr, size_t errstr_size, const char *why)
{
	if (errstr && errstr_size)
		snprintf(errstr, errstr_size, "invalid time '%s': %s; expected %s", s, why,
		         CLI_TIME_FORMS);
	return -1;
}

/* Parses the zone suffix at p (may be empty: local time). *local is set when
 * there is none, else *offset_s holds seconds east of UTC. Returns 0 or -1
 * with *why set. */
static int timeparse_zone(const char *p, int *local, long *offset_s, const char **why)
{
	int sign, hh, mm;

	*local = 0;
	*offset_s = 0;
	if (!*p) {
		*local = 1;
		return 0;
	}
	if (!strcmp(p, "Z"))
		return 0;
	if (*p != '+' && *p != '-') {
		*why = "unknown time zone";
		return -1;
	}
	sign = *p++ == '-' ? -1 : 1;
	if (timeparse_digits(&p, 2, &hh) < 0) {
		*why = "unknown time zone";
		return -1;
	}
	if (*p == ':')
		p++;
	if (timeparse_digits(&p, 2, &mm) < 0 || *p) {
		*why = "unknown time zone";
		return -1;
	}
	if (mm > 59 || hh * 60 + mm > 18 * 60) {
		*why = "zone offset out of range (at most 18:00)";
		return -1;
	}
	*offset_s = sign * (long)(hh * 3600 + mm * 60);
	return 0;
}

int cli_parse_time(const char *s, int64_t *msp, char *errstr, size_t errstr_size)
{
	const char *p = s, *why = "not a date and time";
	int year, mon, day, hour, min, sec = 0, frac_ms = 0, digits, local;
	long offset_s;
	struct tm tm;
	time_t t;

	if (!s || !*s)
		return timeparse_fail(s ? s : "", errstr, errstr_size, "empty");
	if (strspn(s, "0123456789") == strlen(s)) {
		long long v;

		errno = 0;
		v = strtoll(s, NULL, 10);
		if (errno == ERANGE)
			return timeparse_fail(s, errstr, errstr_size, "too large");
		*msp = v;
		return 0;
	}
	if (timeparse_digits(&p, 4, &year) < 0 || timeparse_expect(&p, '-') < 0 ||
	    timeparse_digits(&p, 2, &mon) < 0 || timeparse_expect(&p, '-') < 0 ||
	    timeparse_digits(&p, 2, &day) < 0 || timeparse_expect(&p, 'T') < 0 ||
	    timeparse_digits(&p, 2, &hour) < 0 || timeparse_expect(&p, ':') < 0 ||
	    timeparse_digits(&p, 2, &min) < 0)
		return timeparse_fail(s, errstr, errstr_size, why);
	if (*p == ':') {
		p++;
		if (timeparse_digits(&p, 2, &sec) < 0)
			return timeparse_fail(s, errstr, errstr_size, why);
		if (*p == '.') {
			for (p++, digits = 0; *p >= '0' && *p <= '9'; p++, digits++)
				if (digits < 3)
					frac_ms = frac_ms * 10 + (*p - '0');
			if (digits == 0 || digits > 9)
				return timeparse_fail(s, errstr, errstr_size,
				                      "a fraction of a second has 1 to 9 digits");
			for (; digits < 3; digits++)
				frac_ms *= 10;
		}
	}
	if (mon < 1 || mon > 12 || day < 1 || day > timeparse_days_in_month(year, mon) ||
	    hour > 23 || min > 59 || sec > 59)
		return timeparse_fail(s, errstr, errstr_size, "a field is out of range");
	if (timeparse_zone(p, &local, &offset_s, &why) < 0)
		return timeparse_fail(s, errstr, errstr_size, why);

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	if (local) {
		/* mktime decides whether daylight saving time applies. A local
		 * time skipped by a DST change is moved forward, as Java's
		 * LocalDateTime.atZone does. */
		tm.tm_isdst = -1;
		t = mktime(&tm);
	} else {
		t = timegm(&tm);
		if (t != (time_t)-1)
			t -= offset_s;
	}
	if (t == (time_t)-1 || t < 0)
		return timeparse_fail(s, errstr, errstr_size, "before 1970-01-01T00:00Z");
	*msp = (int64_t)t * 1000 + frac_ms;
	return 0;
}
