/*
 * fuzz_timeparse — the CLI's one parser of points in time
 * (src/cli/timeparse.c: consume -o s@TIME, --from-time, offsets --time,
 * group reset-offsets --to-datetime) on any text.
 *
 * What it promises: a refusal leaves the output as it was and says, in
 * errstr, which forms are accepted; an accepted time is not before the
 * epoch; and a canonical UTC form (YYYY-MM-DDTHH:MM:SSZ) comes back as the
 * same text when the result is formatted with gmtime (the local zone is UTC
 * here, so a time without a zone must give the same instant as with Z).
 *
 * FUZZ_OPTIONS: -max_len=64
 * FUZZ_SOURCES: src/cli/timeparse.c
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "support.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("TZ", "UTC0", 1);
	tzset();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const int64_t untouched = 0x5a5a5a5a5a5a5a5a;
	char *s, errstr[256], back[64];
	int64_t ms = untouched;
	int rc;

	fuzz_init();
	s = fuzz_strndup(data, size);
	errstr[0] = '\0';
	rc = cli_parse_time(s, &ms, errstr, sizeof(errstr));
	if (rc != 0) {
		FUZZ_CHECK(rc == -1, "answered %d", rc);
		FUZZ_CHECK(ms == untouched, "a refusal of \"%s\" changed the output", s);
		FUZZ_CHECK(strstr(errstr, "epoch milliseconds"),
		           "the refusal of \"%s\" does not name the forms: %s", s, errstr);
		free(s);
		return 0;
	}
	FUZZ_CHECK(ms >= 0, "\"%s\" gave %lld, before the epoch", s, (long long)ms);
	if (strlen(s) == 20 && s[19] == 'Z' && s[10] == 'T') {
		time_t t = (time_t)(ms / 1000);
		struct tm tm;

		FUZZ_CHECK(gmtime_r(&t, &tm) != NULL, "gmtime of %lld", (long long)ms);
		strftime(back, sizeof(back), "%Y-%m-%dT%H:%M:%SZ", &tm);
		FUZZ_CHECK(ms % 1000 == 0 && !strcmp(back, s), "\"%s\" gave %lld, which is %s", s,
		           (long long)ms, back);
		/* Without the zone: local time, which is UTC here. */
		int64_t ms2 = untouched;
		s[19] = '\0';
		FUZZ_CHECK(cli_parse_time(s, &ms2, errstr, sizeof(errstr)) == 0 && ms2 == ms,
		           "\"%s\" (local = UTC) gave %lld, with Z %lld", s, (long long)ms2,
		           (long long)ms);
	}
	free(s);
	return 0;
}
