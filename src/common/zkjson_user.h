/*
 * zkjson_user.h — the JSON codec of /config/users/<user>: a user's SCRAM
 * credentials in Kafka's format, and of the config change notification
 * Kafka's tools read.
 *
 *   /config/users/<user> =
 *     {"version":1,"config":{"SCRAM-SHA-256":"salt=<b64>,stored_key=<b64>,
 *       server_key=<b64>,iterations=<n>","SCRAM-SHA-512":"..."}}
 *   /config/changes/config_change_<seq> = {"version":2,"entity_path":"users/<user>"}
 *
 * Other keys of "config" (Kafka keeps quotas there too) are ignored; a
 * credential that does not parse makes the whole znode refused, so a typo
 * never half-applies.
 *
 * Threads: none; pure functions. Ownership: encoders return malloc'd
 * strings the caller frees.
 */
#ifndef FJORD_ZKJSON_USER_H
#define FJORD_ZKJSON_USER_H

#include <stddef.h>

#include "common/scram.h"

typedef struct zkjson_user {
	int has[SCRAM_MECH_CNT]; /* has[SCRAM_SHA_256]: cred[SCRAM_SHA_256] is set */
	scram_cred_t cred[SCRAM_MECH_CNT];
} zkjson_user_t;

/* NULL when out of memory or u has no credential. */
char *zkjson_user_encode(const zkjson_user_t *u);
/* 0, or -1 with errstr ("user credentials: ..."). */
int zkjson_user_decode(const char *buf, size_t len, zkjson_user_t *u, char *errstr, size_t n);
/* {"version":2,"entity_path":"users/<user>"}; NULL when out of memory. */
char *zkjson_user_change_encode(const char *user);

#endif /* FJORD_ZKJSON_USER_H */
