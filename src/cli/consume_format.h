/*
 * consume_format.h — how `fjord consume` prints one record (consume_format.c):
 * text columns, one JSON object per line, or a kcat-style format string.
 *
 * Ownership: struct consume_format points at strings owned by the caller
 * (argv); nothing here allocates beyond one call. Main thread only.
 */
#ifndef FJORD_CLI_CONSUME_FORMAT_H
#define FJORD_CLI_CONSUME_FORMAT_H

#include <stddef.h>
#include <stdio.h>

#include "cli/cli.h"

struct consume_format {
	enum cli_format format; /* text or json; ignored when fmt is set */
	const char *fmt;        /* -F format string, or NULL */
	int print_key;          /* text: key column */
	int print_offset;       /* text: partition:offset column */
	int print_timestamp;    /* text: CreateTime:MS column */
	int print_headers;      /* text: headers column */
	int base64;             /* keys, values, header values in base64 */
};

/* The -F tokens, for --help and error messages. */
#define CONSUME_FORMAT_TOKENS                                                                      \
	"%t topic, %p partition, %o offset, %k key, %s value, %K key size, %S value size "         \
	"(-1: null), %T timestamp (ms), %h headers (k=v,...), %% a percent sign, \\n \\t "         \
	"\\r \\\\ escapes"

/* Checks a -F format string: every % and \ starts a known token. Returns 0,
 * or -1 with the reason in errstr. */
int consume_format_check(const char *fmt, char *errstr, size_t errstr_size);

/* Prints one record to out in the chosen form. Returns 0, or -1 after
 * printing why on stderr (out of memory; a record that cannot be JSON text
 * without --encoding base64): the caller stops with exit 1. */
int consume_format_print(const struct consume_format *f, const fjord_message_t *m, FILE *out);

#endif /* FJORD_CLI_CONSUME_FORMAT_H */
