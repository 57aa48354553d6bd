/*
 * props.h — the one configuration-table engine of fjord, and a reader of
 * Kafka-style .properties files.
 *
 * Owner: common core. The broker's config (server.properties) and the SDK's
 * fjord_conf_t are each one table of prop_def_t describing fields of a
 * caller struct; this engine sets defaults, parses and validates values by
 * name, prints them back, copies and frees them, and writes the table as
 * Markdown for docs/configuration.md. A property is stored in the caller's
 * struct at def->offset with a C type fixed by def->type:
 *
 *   PROP_INT     int        decimal, within [min, max]
 *   PROP_INT64   int64_t    decimal, within [min, max]
 *   PROP_STR     char *     owned copy (strdup), NULL if the default is NULL
 *   PROP_BOOL    int        "true"/"false" (also 1/0), any case
 *   PROP_ENUM    int        index into def->enum_values, matched in any case
 *   PROP_DOUBLE  double     decimal, within [min, max]
 *
 * A table is an array of prop_def_t ended by an entry whose name is NULL.
 * Ownership: strings in the caller struct belong to it and are released by
 * props_free(). Functions touch only the struct they are given; callers
 * serialise access to one struct. Errors go to a caller's errstr buffer and
 * always name the key and what would have been accepted.
 */
#ifndef FJORD_PROPS_H
#define FJORD_PROPS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PROPS_OK 0
#define PROPS_INVALID (-1) /* == FJORD_CONF_INVALID */
#define PROPS_UNKNOWN (-2) /* == FJORD_CONF_UNKNOWN */

typedef enum prop_type {
	PROP_INT,
	PROP_INT64,
	PROP_STR,
	PROP_BOOL,
	PROP_ENUM,
	PROP_DOUBLE,
} prop_type_t;

typedef struct prop_def {
	const char *name;
	prop_type_t type;
	size_t offset;                  /* offsetof(caller struct, field) */
	const char *defval;             /* default, as a string; NULL: unset STR */
	int64_t min, max;               /* INT, INT64, DOUBLE bounds (inclusive) */
	const char *const *enum_values; /* ENUM: NULL-terminated allowed values */
	unsigned scope;                 /* caller-defined bits (producer, ...) */
	const char *doc;
} prop_def_t;

/* Looks a property up by exact name; NULL if unknown. */
const prop_def_t *props_find(const prop_def_t *defs, const char *name);

/* Sets every property to its default. Strings already held are freed, so
 * obj must be zeroed or hold its own strings. Returns PROPS_OK, or
 * PROPS_INVALID if a default does not parse (a bug in the table). */
int props_set_defaults(const prop_def_t *defs, void *obj, char *errstr, size_t errstr_size);

/* Parses and stores one value. PROPS_UNKNOWN: no property of that name;
 * PROPS_INVALID: the value does not parse or is out of range (errstr says
 * which values are allowed); the stored value is unchanged on failure. */
int props_set(const prop_def_t *defs, void *obj, const char *name, const char *value, char *errstr,
              size_t errstr_size);
int props_set_def(const prop_def_t *def, void *obj, const char *value, char *errstr,
                  size_t errstr_size);

/* Prints the current value into dest (truncated to *dest_size, always
 * NUL-terminated when *dest_size > 0; dest may be NULL to ask the size) and
 * writes the needed size including the NUL back into *dest_size.
 * PROPS_UNKNOWN for an unknown name. A NULL string prints as "". */
int props_get(const prop_def_t *defs, const void *obj, const char *name, char *dest,
              size_t *dest_size);
int props_get_def(const prop_def_t *def, const void *obj, char *dest, size_t *dest_size);

/* Frees owned strings and sets them to NULL. */
void props_free(const prop_def_t *defs, void *obj);

/* Copies every property from src to dst, duplicating strings; dst's own
 * strings are freed first (so dst must be zeroed or hold its own strings).
 * Returns PROPS_OK, or PROPS_INVALID on out of memory (dst then holds
 * NULL in the strings not copied). */
int props_copy(const prop_def_t *defs, void *dst, const void *src);

/* Writes a Markdown table (property, type, default, range, scope,
 * description) of the table. scope_names[i] names bit i (NULL or missing
 * entries are skipped); scope_cnt entries. With scope_cnt 0 the table has
 * no Scope column. */
void props_write_markdown(const prop_def_t *defs, FILE *fp, const char *const *scope_names,
                          int scope_cnt);

/* ------------------------------------------------------------ .properties */

/* Called once per key/value pair, with the 1-based line on which the pair
 * starts. Return 0 to go on; any other value stops the parse and is
 * returned by the parser. */
typedef int (*props_pair_cb_t)(const char *key, const char *value, int lineno, void *opaque);

/*
 * Java's Properties.load() format: `key=value`, `key: value` or
 * `key value`; blank lines and lines starting with `#` or `!` are skipped;
 * a line ending in an odd number of backslashes continues on the next line
 * (whose leading whitespace is dropped); escapes \t \n \r \f \uXXXX (written
 * as UTF-8) and \<any> (that character) in keys and values.
 * Returns 0, the callback's non-zero value, or -1 with errstr set for a
 * malformed \u escape ("<name>:<line>: ...") or an unreadable file.
 * `name` is used in messages only.
 */
int props_parse_buf(const char *buf, size_t len, const char *name, props_pair_cb_t cb, void *opaque,
                    char *errstr, size_t errstr_size);
int props_parse_file(const char *path, props_pair_cb_t cb, void *opaque, char *errstr,
                     size_t errstr_size);

/* One item of a comma- (or otherwise) separated list value, cut out with
 * strtok_r: drops the spaces around it in place and returns where it now
 * starts ("" when it was only spaces). */
char *props_list_item(char *tok);

#endif /* FJORD_PROPS_H */
