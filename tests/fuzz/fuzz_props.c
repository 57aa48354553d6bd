/*
 * fuzz_props — the .properties reader (src/common/props_parse.c) and the
 * config-table engine (src/common/props.c) over arbitrary files.
 *
 * The input is a properties file. Each pair the reader hands out is:
 *   - written back as one escaped line and read again: the same key and
 *     value come back (the reader's unescaping agrees with a writer);
 *   - set by name in the SDK's real table (fjord_conf_set, src/client/
 *     conf.c) and, by name or else on the entry the key hashes to, in a
 *     small table of every property type (int, long, string, boolean, enum,
 *     double with wide and narrow bounds). A value that is accepted is read
 *     back with get, set again and read again: the two printed values are
 *     the same (what fjord_conf_get prints, fjord_conf_set accepts).
 * At the end both configs are copied (props_copy, fjord_conf_dup) and every
 * property of the copy prints as in the original; then all is freed.
 *
 * FUZZ_OPTIONS: -max_len=8192
 * FUZZ_SOURCES: src/common/props.c src/common/props_parse.c src/common/numparse.c
 * FUZZ_SOURCES: src/client/conf.c
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/props.h"
#include "fjord.h"
#include "support.h"

#define ERRSZ 512

typedef struct fuzz_conf {
	int i;
	int i_narrow;
	int64_t l;
	char *s;
	int b;
	int e;
	double d;
	double d_wide;
} fuzz_conf_t;

static const char *const fuzz_enum_values[] = { "none", "gzip", "lz4", "zstd", NULL };

#define OFF(f) offsetof(fuzz_conf_t, f)
static const prop_def_t fuzz_defs[] = {
	{ "int", PROP_INT, OFF(i), "5", INT32_MIN, INT32_MAX, NULL, 1, "an int" },
	{ "int.narrow", PROP_INT, OFF(i_narrow), "100", 1, 1000, NULL, 1, "a bounded int" },
	{ "long", PROP_INT64, OFF(l), "-1", INT64_MIN, INT64_MAX, NULL, 1, "a long" },
	{ "string", PROP_STR, OFF(s), NULL, 0, 0, NULL, 1, "a string" },
	{ "bool", PROP_BOOL, OFF(b), "true", 0, 0, NULL, 1, "a boolean" },
	{ "enum", PROP_ENUM, OFF(e), "none", 0, 0, fuzz_enum_values, 1, "an enum" },
	{ "double", PROP_DOUBLE, OFF(d), "0.5", 0, 1, NULL, 1, "a fraction" },
	{ "double.wide", PROP_DOUBLE, OFF(d_wide), "1e6", -2000000000, 2000000000, NULL, 1,
	  "a double with wide bounds" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL },
};
#define FUZZ_DEF_CNT (sizeof(fuzz_defs) / sizeof(fuzz_defs[0]) - 1)

typedef struct fuzz_ctx {
	fuzz_conf_t own;
	fjord_conf_t *sdk;
	int pairs;
	int last_line;
} fuzz_ctx_t;

/* The printed value of def in obj, malloc'd. */
static char *fuzz_get(const prop_def_t *def, const void *obj)
{
	size_t n = 0;
	props_get_def(def, obj, NULL, &n);
	char *s = malloc(n);
	FUZZ_CHECK(s != NULL, "out of memory");
	props_get_def(def, obj, s, &n);
	return s;
}

/* After value was accepted: get, set what get printed, get again. */
static void fuzz_own_stable(fuzz_ctx_t *ctx, const prop_def_t *def, const char *value)
{
	char errstr[ERRSZ];
	char *v1 = fuzz_get(def, &ctx->own);
	int rc = props_set_def(def, &ctx->own, v1, errstr, sizeof(errstr));
	FUZZ_CHECK(rc == PROPS_OK, "%s: set \"%s\" accepted, printed \"%s\", which is refused: %s",
	           def->name, value, v1, errstr);
	char *v2 = fuzz_get(def, &ctx->own);
	FUZZ_CHECK(strcmp(v1, v2) == 0, "%s: printed \"%s\", then \"%s\"", def->name, v1, v2);
	free(v1);
	free(v2);
}

static void fuzz_own(fuzz_ctx_t *ctx, const char *key, const char *value)
{
	char errstr[ERRSZ] = "";
	const prop_def_t *def = props_find(fuzz_defs, key);

	if (!def) {
		FUZZ_CHECK(props_set(fuzz_defs, &ctx->own, key, value, errstr, sizeof(errstr)) ==
		               PROPS_UNKNOWN,
		           "unknown key \"%s\" not refused as unknown", key);
		/* Every value still meets every type: the key picks the entry. */
		unsigned h = 0;
		for (const char *p = key; *p; p++)
			h = h * 31 + (unsigned char)*p;
		def = &fuzz_defs[h % FUZZ_DEF_CNT];
	}
	char *before = fuzz_get(def, &ctx->own);
	int rc = props_set_def(def, &ctx->own, value, errstr, sizeof(errstr));
	if (rc == PROPS_OK) {
		fuzz_own_stable(ctx, def, value);
	} else {
		FUZZ_CHECK(rc == PROPS_INVALID && errstr[0], "%s: refused without a message",
		           def->name);
		char *after = fuzz_get(def, &ctx->own);
		FUZZ_CHECK(strcmp(before, after) == 0, "%s: a refused value changed it", def->name);
		free(after);
	}
	free(before);
}

static void fuzz_sdk(fuzz_ctx_t *ctx, const char *key, const char *value)
{
	char errstr[ERRSZ] = "";
	char v1[4096], v2[4096];
	size_t n1 = sizeof(v1), n2 = sizeof(v2);

	if (fjord_conf_set(ctx->sdk, key, value, errstr, sizeof(errstr)) != FJORD_CONF_OK)
		return;
	FUZZ_CHECK(fjord_conf_get(ctx->sdk, key, v1, &n1) == FJORD_CONF_OK, "%s: set but get fails",
	           key);
	if (n1 > sizeof(v1))
		return; /* a long string: compared by props_copy below */
	FUZZ_CHECK(fjord_conf_set(ctx->sdk, key, v1, errstr, sizeof(errstr)) == FJORD_CONF_OK,
	           "%s: set \"%s\" accepted, printed \"%s\", which is refused: %s", key, value, v1,
	           errstr);
	FUZZ_CHECK(fjord_conf_get(ctx->sdk, key, v2, &n2) == FJORD_CONF_OK && strcmp(v1, v2) == 0,
	           "%s: printed \"%s\", then \"%s\"", key, v1, v2);
}

/* One escaped "key=value" line, as a writer of .properties files does it. */
static char *fuzz_write_line(const char *key, const char *value)
{
	size_t klen = strlen(key), vlen = strlen(value);
	char *out = malloc(2 * (klen + vlen) + 2), *o = out;
	FUZZ_CHECK(out != NULL, "out of memory");
	for (int part = 0; part < 2; part++) {
		for (const char *p = part ? value : key; *p; p++) {
			switch (*p) {
			case '\t':
				*o++ = '\\', *o++ = 't';
				break;
			case '\n':
				*o++ = '\\', *o++ = 'n';
				break;
			case '\r':
				*o++ = '\\', *o++ = 'r';
				break;
			case '\f':
				*o++ = '\\', *o++ = 'f';
				break;
			case '\\':
			case ' ':
			case '=':
			case ':':
			case '#':
			case '!':
				*o++ = '\\', *o++ = *p;
				break;
			default:
				*o++ = *p;
				break;
			}
		}
		if (!part)
			*o++ = '=';
	}
	*o = '\0';
	return out;
}

typedef struct fuzz_reread {
	const char *key, *value;
	int pairs;
} fuzz_reread_t;

static int fuzz_reread_cb(const char *key, const char *value, int lineno, void *opaque)
{
	fuzz_reread_t *rr = opaque;

	FUZZ_CHECK(lineno == 1, "one written line read as line %d", lineno);
	FUZZ_CHECK(strcmp(key, rr->key) == 0, "key \"%s\" read back as \"%s\"", rr->key, key);
	FUZZ_CHECK(strcmp(value, rr->value) == 0, "value \"%s\" read back as \"%s\"", rr->value,
	           value);
	rr->pairs++;
	return 0;
}

static int fuzz_pair_cb(const char *key, const char *value, int lineno, void *opaque)
{
	fuzz_ctx_t *ctx = opaque;
	char errstr[ERRSZ];

	FUZZ_CHECK(lineno >= 1 && lineno >= ctx->last_line, "line %d after line %d", lineno,
	           ctx->last_line);
	ctx->last_line = lineno;
	ctx->pairs++;

	char *line = fuzz_write_line(key, value);
	fuzz_reread_t rr = { key, value, 0 };
	FUZZ_CHECK(props_parse_buf(line, strlen(line), "rewritten", fuzz_reread_cb, &rr, errstr,
	                           sizeof(errstr)) == 0,
	           "rewritten line \"%s\" refused: %s", line, errstr);
	FUZZ_CHECK(rr.pairs == 1, "rewritten line \"%s\" gave %d pairs", line, rr.pairs);
	free(line);

	fuzz_own(ctx, key, value);
	fuzz_sdk(ctx, key, value);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_ctx_t ctx;
	char errstr[ERRSZ];

	fuzz_init();
	memset(&ctx, 0, sizeof(ctx));
	FUZZ_CHECK(props_set_defaults(fuzz_defs, &ctx.own, errstr, sizeof(errstr)) == PROPS_OK,
	           "defaults: %s", errstr);
	ctx.sdk = fjord_conf_new();
	FUZZ_CHECK(ctx.sdk != NULL, "fjord_conf_new failed");

	char *buf = (char *)fuzz_memdup(data, size);
	int rc = props_parse_buf(buf, size, "fuzz", fuzz_pair_cb, &ctx, errstr, sizeof(errstr));
	FUZZ_CHECK(rc == 0 || (rc == -1 && errstr[0]), "parse answered %d", rc);
	free(buf);

	fuzz_conf_t copy;
	memset(&copy, 0, sizeof(copy));
	FUZZ_CHECK(props_copy(fuzz_defs, &copy, &ctx.own) == PROPS_OK, "props_copy failed");
	for (const prop_def_t *d = fuzz_defs; d->name; d++) {
		char *a = fuzz_get(d, &ctx.own), *b = fuzz_get(d, &copy);
		FUZZ_CHECK(strcmp(a, b) == 0, "%s: copy prints \"%s\", original \"%s\"", d->name, b,
		           a);
		free(a);
		free(b);
	}
	props_free(fuzz_defs, &copy);
	props_free(fuzz_defs, &ctx.own);

	fjord_conf_t *dup = fjord_conf_dup(ctx.sdk);
	FUZZ_CHECK(dup != NULL, "fjord_conf_dup failed");
	fjord_conf_destroy(dup);
	fjord_conf_destroy(ctx.sdk);
	return 0;
}
