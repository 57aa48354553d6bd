/*
 * sasl.c — SASL mechanism names and PLAIN messages (see sasl.h).
 *
 * PLAIN (RFC 4616): message = [authzid] NUL authcid NUL passwd, each part
 * 1..255 UTF-8 bytes without NUL (authzid may be empty). fjord, like
 * Kafka, refuses an authzid other than the user itself: there is no
 * impersonation.
 *
 * Thread: any; pure functions.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/sasl.h"

static const char *const sasl_mech_names[SASL_MECH_CNT] = { "PLAIN", "SCRAM-SHA-256",
	                                                    "SCRAM-SHA-512" };

const char *sasl_mech_name(sasl_mech_t mech)
{
	return (unsigned)mech < SASL_MECH_CNT ? sasl_mech_names[mech] : "?";
}

int sasl_mech_parse(const char *name, int nocase, sasl_mech_t *out)
{
	for (int i = 0; i < SASL_MECH_CNT; i++) {
		if ((nocase ? strcasecmp(name, sasl_mech_names[i])
		            : strcmp(name, sasl_mech_names[i])) == 0) {
			*out = (sasl_mech_t)i;
			return 0;
		}
	}
	return -1;
}

int sasl_mech_list_parse(const char *list, unsigned *mask, char *errstr, size_t n)
{
	const char *p = list ? list : "";
	unsigned m = 0;

	while (*p) {
		const char *start, *end;
		char name[32];
		sasl_mech_t mech;

		while (*p == ' ' || *p == '\t')
			p++;
		start = p;
		while (*p && *p != ',')
			p++;
		end = p;
		if (*p == ',')
			p++;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (end == start)
			continue;
		if ((size_t)(end - start) >= sizeof(name)) {
			snprintf(errstr, n, "unknown SASL mechanism \"%.*s...\"", 20, start);
			return -1;
		}
		memcpy(name, start, (size_t)(end - start));
		name[end - start] = '\0';
		if (sasl_mech_parse(name, 1, &mech) < 0) {
			snprintf(errstr, n,
			         "unknown SASL mechanism \"%s\" (fjord has PLAIN, SCRAM-SHA-256, "
			         "SCRAM-SHA-512)",
			         name);
			return -1;
		}
		m |= 1u << mech;
	}
	if (!m) {
		snprintf(errstr, n, "no SASL mechanism listed");
		return -1;
	}
	*mask = m;
	return 0;
}

int sasl_mech_scram(sasl_mech_t mech, scram_mech_t *out)
{
	if (mech == SASL_MECH_SCRAM_SHA_256)
		*out = SCRAM_SHA_256;
	else if (mech == SASL_MECH_SCRAM_SHA_512)
		*out = SCRAM_SHA_512;
	else
		return -1;
	return 0;
}

/* One NUL-free field of at most SASL_PLAIN_FIELD_MAX bytes. */
static int sasl_plain_field(const uint8_t *p, size_t len, char *out, const char *what,
                            int may_be_empty, char *errstr, size_t n)
{
	if ((!may_be_empty && len == 0) || len > SASL_PLAIN_FIELD_MAX) {
		snprintf(errstr, n, "SASL/PLAIN: %s length %zu outside %d..%d", what, len,
		         may_be_empty ? 0 : 1, SASL_PLAIN_FIELD_MAX);
		return -1;
	}
	if (out) {
		memcpy(out, p, len);
		out[len] = '\0';
	}
	return 0;
}

int sasl_plain_parse(const uint8_t *msg, size_t len, char *user, char *password, char *errstr,
                     size_t n)
{
	const uint8_t *nul1, *nul2;
	char authz[SASL_PLAIN_FIELD_MAX + 1];

	if (len > SASL_PLAIN_MAX) {
		snprintf(errstr, n, "SASL/PLAIN: message of %zu bytes (at most %d)", len,
		         SASL_PLAIN_MAX);
		return -1;
	}
	nul1 = len ? memchr(msg, 0, len) : NULL;
	nul2 = nul1 ? memchr(nul1 + 1, 0, len - (size_t)(nul1 + 1 - msg)) : NULL;
	if (!nul1 || !nul2 || memchr(nul2 + 1, 0, len - (size_t)(nul2 + 1 - msg))) {
		snprintf(errstr, n, "SASL/PLAIN: expected [authzid] NUL user NUL password");
		return -1;
	}
	if (sasl_plain_field(msg, (size_t)(nul1 - msg), authz, "authzid", 1, errstr, n) < 0 ||
	    sasl_plain_field(nul1 + 1, (size_t)(nul2 - nul1 - 1), user, "user", 0, errstr, n) < 0 ||
	    sasl_plain_field(nul2 + 1, len - (size_t)(nul2 + 1 - msg), password, "password", 0,
	                     errstr, n) < 0)
		return -1;
	if (authz[0] && strcmp(authz, user) != 0) {
		snprintf(errstr, n, "SASL/PLAIN: authzid differs from the user name");
		return -1;
	}
	return 0;
}

int sasl_plain_build(const char *user, const char *password, uint8_t *out, size_t n)
{
	size_t ul = strlen(user), pl = strlen(password);

	if (ul == 0 || ul > SASL_PLAIN_FIELD_MAX || pl == 0 || pl > SASL_PLAIN_FIELD_MAX ||
	    n < ul + pl + 2)
		return -1;
	out[0] = 0;
	memcpy(out + 1, user, ul);
	out[1 + ul] = 0;
	memcpy(out + 2 + ul, password, pl);
	return (int)(ul + pl + 2);
}
