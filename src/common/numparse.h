/*
 * numparse.h — the one decimal integer parser.
 *
 * Owner: common core. Ports, broker ids, config values, offsets written by
 * an operator with zkCli.sh, znode sequence numbers: every integer fjord
 * reads from text goes through here, so all of them agree on what a number
 * is: an optional sign and decimal digits, the whole string, inside the
 * caller's range. strtoll's quirks stay out: no leading blanks, no empty
 * string, no silent clamping on overflow.
 *
 * Threads: any; no state.
 */
#ifndef FJORD_NUMPARSE_H
#define FJORD_NUMPARSE_H

#include <stddef.h>
#include <stdint.h>

/* Parses s as a whole decimal integer within min..max into *out (left
 * alone on failure). Returns 0, or -1 when s is NULL, empty, not a number,
 * has anything after the digits, or is out of range. */
int num_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);

/* The same for an int32_t. */
int num_parse_i32(const char *s, int32_t min, int32_t max, int32_t *out);

/* The same, but blanks (space, tab, CR, LF) around the number are allowed:
 * for values people type or files end with a newline (zkCli.sh writes
 * what it is given, a properties file may pad a value). */
int num_parse_i64_blanks(const char *s, int64_t min, int64_t max, int64_t *out);

/* num_parse_i64_blanks of the len bytes at s (not NUL-terminated: a znode's
 * value as ZooKeeper returns it). */
int num_parse_i64_blanks_n(const char *s, size_t len, int64_t min, int64_t max, int64_t *out);

#endif
