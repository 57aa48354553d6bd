/*
 * sasl.h — SASL mechanism names and the PLAIN message (RFC 4616), shared
 * by the broker (broker/sasl_server.c) and the SDK (client/bsasl.c). SCRAM
 * itself is common/scram.h.
 *
 * Thread: any; no state.
 */
#ifndef FJORD_COMMON_SASL_H
#define FJORD_COMMON_SASL_H

#include <stddef.h>
#include <stdint.h>

#include "common/scram.h"

typedef enum sasl_mech {
	SASL_MECH_PLAIN = 0,
	SASL_MECH_SCRAM_SHA_256 = 1,
	SASL_MECH_SCRAM_SHA_512 = 2,
} sasl_mech_t;
#define SASL_MECH_CNT 3

/* "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512". */
const char *sasl_mech_name(sasl_mech_t mech);
/* 0 and *out for a mechanism name; -1 for one fjord does not implement.
 * Exact (wire) or, with nocase, case-insensitive (configuration). */
int sasl_mech_parse(const char *name, int nocase, sasl_mech_t *out);
/* A comma-separated list of mechanism names (sasl.enabled.mechanisms) as a
 * bit mask (1 << sasl_mech_t); blanks around names are ignored. 0, or -1
 * with errstr naming the unknown entry or an empty list. */
int sasl_mech_list_parse(const char *list, unsigned *mask, char *errstr, size_t n);
/* The SCRAM variant of a mechanism: 0 and *out, or -1 for PLAIN. */
int sasl_mech_scram(sasl_mech_t mech, scram_mech_t *out);

/* Longest PLAIN message accepted: authzid, user and password, 255 each. */
#define SASL_PLAIN_FIELD_MAX 255
#define SASL_PLAIN_MAX (3 * SASL_PLAIN_FIELD_MAX + 2)

/* Parses "[authzid] NUL authcid NUL passwd" (not NUL-terminated): user and
 * password NUL-terminated into buffers of SASL_PLAIN_FIELD_MAX + 1 bytes.
 * An authzid must be empty or equal the user. 0, or -1 with errstr. */
int sasl_plain_parse(const uint8_t *msg, size_t len, char *user, char *password, char *errstr,
                     size_t n);
/* Builds "\0user\0password" into out; returns its length or -1 (too long). */
int sasl_plain_build(const char *user, const char *password, uint8_t *out, size_t n);

#endif /* FJORD_COMMON_SASL_H */
