/*
 * zkjson_int.h — the jansson helpers shared by fjord's znode codecs
 * (zkjson.c for cluster state and groups, zkjson_admin.c for the /admin
 * request znodes), so every codec reports errors the same way: "<kind>:
 * \"<field>\" must be ...". Internal to src/common.
 */
#ifndef FJORD_ZKJSON_INT_H
#define FJORD_ZKJSON_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Compact JSON with keys in insertion order; consumes root (NULL in, NULL
 * out). Caller frees the string. */
char *zkjson_dump(json_t *root);
/* Parses an object and checks "version" (optional, must be 1 if present);
 * kind names the value in errors. Caller json_decref()s the result. */
json_t *zkjson_load(const char *buf, size_t len, const char *kind, char *errstr, size_t n);
/* A required integer field within min..max. */
int zkjson_get_int(json_t *obj, const char *key, int64_t min, int64_t max, const char *kind,
                   int64_t *out, char *errstr, size_t n);
/* A required object field (borrowed from obj), or NULL with the message. */
json_t *zkjson_get_object(json_t *obj, const char *key, const char *kind, char *errstr, size_t n);
/* A required "timestamp": decimal milliseconds as a string, as Kafka writes it. */
int zkjson_get_timestamp(json_t *obj, const char *kind, int64_t *out, char *errstr, size_t n);
json_t *zkjson_timestamp_string(int64_t ts);

#endif /* FJORD_ZKJSON_INT_H */
