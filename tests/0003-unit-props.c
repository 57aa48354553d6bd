/*
 * 0003-unit-props — the config-table engine and the .properties reader.
 *
 * A small table of every type: defaults, valid and invalid values, range
 * limits, enums, booleans, unknown keys, get/copy/free, the Markdown
 * table; then properties text with comments, all three separators,
 * continuation lines, escapes (\t \n \uXXXX, escaped separators), CRLF,
 * line numbers, a malformed \u escape, a callback stop, and a real file.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/props.h"
#include "test.h"

typedef struct tconf {
	int linger_ms;
	int64_t retention_bytes;
	char *client_id;
	int enable;
	int codec;
	double ratio;
	char *nodefault;
} tconf_t;

static const char *const tconf_codecs[] = { "none", "gzip", "lz4", "zstd", NULL };
static const char *const tconf_scopes[] = { "producer", "consumer" };

static const prop_def_t tconf_defs[] = {
	{ "linger.ms", PROP_INT, offsetof(tconf_t, linger_ms), "5", 0, 900000, NULL, 1,
	  "Delay | to batch" },
	{ "retention.bytes", PROP_INT64, offsetof(tconf_t, retention_bytes), "-1", -1, INT64_MAX,
	  NULL, 3, "Size limit" },
	{ "client.id", PROP_STR, offsetof(tconf_t, client_id), "fjord", 0, 0, NULL, 3,
	  "Client name" },
	{ "enable.idempotence", PROP_BOOL, offsetof(tconf_t, enable), "false", 0, 1, NULL, 1,
	  "Idempotence" },
	{ "compression.type", PROP_ENUM, offsetof(tconf_t, codec), "none", 0, 0, tconf_codecs, 1,
	  "Codec" },
	{ "ratio", PROP_DOUBLE, offsetof(tconf_t, ratio), "0.5", 0, 1, NULL, 2, "A fraction" },
	{ "no.default", PROP_STR, offsetof(tconf_t, nodefault), NULL, 0, 0, NULL, 2, "Unset" },
	{ NULL, 0, 0, NULL, 0, 0, NULL, 0, NULL },
};

START_TEST(props_defaults_and_set)
{
	tconf_t c;
	char err[256];

	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(props_set_defaults(tconf_defs, &c, err, sizeof(err)), PROPS_OK);
	ck_assert_int_eq(c.linger_ms, 5);
	ck_assert_int_eq(c.retention_bytes, -1);
	ck_assert_str_eq(c.client_id, "fjord");
	ck_assert_int_eq(c.enable, 0);
	ck_assert_int_eq(c.codec, 0);
	ck_assert(c.ratio == 0.5);
	ck_assert_ptr_null(c.nodefault);

	/* Ints: valid, edges, out of range, not numbers. */
	ck_assert_int_eq(props_set(tconf_defs, &c, "linger.ms", "900000", err, sizeof(err)), 0);
	ck_assert_int_eq(c.linger_ms, 900000);
	ck_assert_int_eq(props_set(tconf_defs, &c, "linger.ms", "0", err, sizeof(err)), 0);
	ck_assert_int_eq(props_set(tconf_defs, &c, "linger.ms", "900001", err, sizeof(err)),
	                 PROPS_INVALID);
	ck_assert_ptr_nonnull(strstr(err, "linger.ms"));
	ck_assert_ptr_nonnull(strstr(err, "0..900000"));
	ck_assert_int_eq(c.linger_ms, 0); /* unchanged on failure */
	ck_assert_int_eq(props_set(tconf_defs, &c, "linger.ms", "-1", err, sizeof(err)),
	                 PROPS_INVALID);
	ck_assert_int_eq(props_set(tconf_defs, &c, "linger.ms", "12abc", err, sizeof(err)),
	                 PROPS_INVALID);
	ck_assert_int_eq(props_set(tconf_defs, &c, "linger.ms", "", err, sizeof(err)),
	                 PROPS_INVALID);
	ck_assert_int_eq(props_set(tconf_defs, &c, "linger.ms", " 42 ", err, sizeof(err)), 0);
	ck_assert_int_eq(c.linger_ms, 42);
	ck_assert_int_eq(
	    props_set(tconf_defs, &c, "retention.bytes", "9223372036854775807", err, sizeof(err)),
	    0);
	ck_assert_int_eq(c.retention_bytes, INT64_MAX);
	ck_assert_int_eq(
	    props_set(tconf_defs, &c, "retention.bytes", "9223372036854775808", err, sizeof(err)),
	    PROPS_INVALID);
	ck_assert_int_eq(props_set(tconf_defs, &c, "retention.bytes", "-2", err, sizeof(err)),
	                 PROPS_INVALID);

	/* Bools. */
	ck_assert_int_eq(props_set(tconf_defs, &c, "enable.idempotence", "TRUE", err, sizeof(err)),
	                 0);
	ck_assert_int_eq(c.enable, 1);
	ck_assert_int_eq(props_set(tconf_defs, &c, "enable.idempotence", "0", err, sizeof(err)), 0);
	ck_assert_int_eq(c.enable, 0);
	ck_assert_int_eq(
	    props_set(tconf_defs, &c, "enable.idempotence", "yes please", err, sizeof(err)),
	    PROPS_INVALID);
	ck_assert_ptr_nonnull(strstr(err, "true or false"));

	/* Enums. */
	ck_assert_int_eq(props_set(tconf_defs, &c, "compression.type", "zstd", err, sizeof(err)),
	                 0);
	ck_assert_int_eq(c.codec, 3);
	ck_assert_int_eq(props_set(tconf_defs, &c, "compression.type", "snappy", err, sizeof(err)),
	                 PROPS_INVALID);
	ck_assert_ptr_nonnull(strstr(err, "none, gzip, lz4, zstd"));
	ck_assert_int_eq(c.codec, 3);

	/* Doubles. */
	ck_assert_int_eq(props_set(tconf_defs, &c, "ratio", "0.25", err, sizeof(err)), 0);
	ck_assert(c.ratio == 0.25);
	ck_assert_int_eq(props_set(tconf_defs, &c, "ratio", "1.5", err, sizeof(err)),
	                 PROPS_INVALID);
	ck_assert_int_eq(props_set(tconf_defs, &c, "ratio", "nan", err, sizeof(err)),
	                 PROPS_INVALID);

	/* Strings. */
	ck_assert_int_eq(props_set(tconf_defs, &c, "client.id", "app-1", err, sizeof(err)), 0);
	ck_assert_str_eq(c.client_id, "app-1");
	ck_assert_int_eq(props_set(tconf_defs, &c, "client.id", "", err, sizeof(err)), 0);
	ck_assert_str_eq(c.client_id, "");

	/* Unknown key. */
	ck_assert_int_eq(props_set(tconf_defs, &c, "lingerms", "1", err, sizeof(err)),
	                 PROPS_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(err, "lingerms"));
	ck_assert_ptr_null(props_find(tconf_defs, "nope"));
	ck_assert_ptr_nonnull(props_find(tconf_defs, "ratio"));

	props_free(tconf_defs, &c);
	ck_assert_ptr_null(c.client_id);
}
END_TEST

START_TEST(props_get_copy_markdown)
{
	tconf_t a, b;
	char err[256], buf[64];
	size_t sz;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	ck_assert_int_eq(props_set_defaults(tconf_defs, &a, err, sizeof(err)), 0);
	ck_assert_int_eq(props_set(tconf_defs, &a, "compression.type", "lz4", err, sizeof(err)), 0);
	ck_assert_int_eq(props_set(tconf_defs, &a, "no.default", "x", err, sizeof(err)), 0);

	sz = sizeof(buf);
	ck_assert_int_eq(props_get(tconf_defs, &a, "compression.type", buf, &sz), 0);
	ck_assert_str_eq(buf, "lz4");
	ck_assert_uint_eq(sz, 4);
	sz = sizeof(buf);
	ck_assert_int_eq(props_get(tconf_defs, &a, "enable.idempotence", buf, &sz), 0);
	ck_assert_str_eq(buf, "false");
	sz = sizeof(buf);
	ck_assert_int_eq(props_get(tconf_defs, &a, "retention.bytes", buf, &sz), 0);
	ck_assert_str_eq(buf, "-1");
	/* Size query and truncation. */
	sz = 0;
	ck_assert_int_eq(props_get(tconf_defs, &a, "client.id", NULL, &sz), 0);
	ck_assert_uint_eq(sz, 6);
	sz = 3;
	ck_assert_int_eq(props_get(tconf_defs, &a, "client.id", buf, &sz), 0);
	ck_assert_str_eq(buf, "fj");
	ck_assert_uint_eq(sz, 6);
	sz = sizeof(buf);
	ck_assert_int_eq(props_get(tconf_defs, &a, "what", buf, &sz), PROPS_UNKNOWN);

	/* Copy duplicates strings: freeing one leaves the other intact. */
	ck_assert_int_eq(props_copy(tconf_defs, &b, &a), 0);
	ck_assert_ptr_ne(a.client_id, b.client_id);
	props_free(tconf_defs, &a);
	ck_assert_str_eq(b.client_id, "fjord");
	ck_assert_str_eq(b.nodefault, "x");
	ck_assert_int_eq(b.codec, 2);

	/* Markdown reference. */
	char *md = NULL;
	size_t mdlen = 0;
	FILE *fp = open_memstream(&md, &mdlen);
	props_write_markdown(tconf_defs, fp, tconf_scopes, 2);
	fclose(fp);
	ck_assert_ptr_nonnull(
	    strstr(md, "| Property | Type | Default | Range | Scope | Description |"));
	ck_assert_ptr_nonnull(strstr(
	    md, "| `linger.ms` | int | `5` | 0 .. 900000 | producer | Delay \\| to batch |"));
	ck_assert_ptr_nonnull(
	    strstr(md, "| `compression.type` | enum | `none` | none, gzip, lz4, zstd |"));
	ck_assert_ptr_nonnull(strstr(md, "| producer, consumer |"));
	free(md);
	props_free(tconf_defs, &b);
}
END_TEST

typedef struct pairs {
	int cnt;
	char key[16][64];
	char value[16][128];
	int line[16];
	int stop_at;
} pairs_t;

static int pairs_cb(const char *key, const char *value, int lineno, void *opaque)
{
	pairs_t *p = opaque;

	if (p->cnt >= 16)
		return -1;
	snprintf(p->key[p->cnt], sizeof(p->key[0]), "%s", key);
	snprintf(p->value[p->cnt], sizeof(p->value[0]), "%s", value);
	p->line[p->cnt] = lineno;
	p->cnt++;
	return p->stop_at && p->cnt == p->stop_at ? 42 : 0;
}

START_TEST(props_parse_text)
{
	const char *text = "# a comment\n"                     /* 1 */
	                   "   ! another comment \\\n"         /* 2: no continuation for comments */
	                   "broker.id=1\n"                     /* 3 */
	                   "\n"                                /* 4 */
	                   "log.dirs : /var/lib/fjord  \n"     /* 5: trailing blanks kept */
	                   "  listeners   PLAINTEXT://:9092\n" /* 6 */
	                   "long.value = one, \\\n"            /* 7 */
	                   "      two, \\\n"                   /* 8 */
	                   "      three\n"                     /* 9 */
	                   "esc\\=key=tab\\there\\nnl\r\n"     /* 10: CRLF */
	                   "unicode=caf\\u00e9 \\u20ac \\uD83D\\uDE00\n" /* 11 */
	                   "empty=\n"                                    /* 12 */
	                   "lonely\n"                                    /* 13 */
	                   "back\\\\slash=a\\\\\n" /* 14: even backslashes: no continuation */
	                   "last=x";               /* 15: no final newline */
	pairs_t p;
	char err[256];

	memset(&p, 0, sizeof(p));
	ck_assert_int_eq(props_parse_buf(text, strlen(text), "server.properties", pairs_cb, &p, err,
	                                 sizeof(err)),
	                 0);
	ck_assert_int_eq(p.cnt, 10);
	ck_assert_str_eq(p.key[0], "broker.id");
	ck_assert_str_eq(p.value[0], "1");
	ck_assert_int_eq(p.line[0], 3);
	ck_assert_str_eq(p.key[1], "log.dirs");
	ck_assert_str_eq(p.value[1], "/var/lib/fjord  ");
	ck_assert_int_eq(p.line[1], 5);
	ck_assert_str_eq(p.key[2], "listeners");
	ck_assert_str_eq(p.value[2], "PLAINTEXT://:9092");
	ck_assert_int_eq(p.line[2], 6);
	ck_assert_str_eq(p.key[3], "long.value");
	ck_assert_str_eq(p.value[3], "one, two, three");
	ck_assert_int_eq(p.line[3], 7);
	ck_assert_str_eq(p.key[4], "esc=key");
	ck_assert_str_eq(p.value[4], "tab\there\nnl");
	ck_assert_int_eq(p.line[4], 10);
	ck_assert_str_eq(p.key[5], "unicode");
	ck_assert_str_eq(p.value[5], "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	ck_assert_int_eq(p.line[5], 11);
	ck_assert_str_eq(p.key[6], "empty");
	ck_assert_str_eq(p.value[6], "");
	ck_assert_str_eq(p.key[7], "lonely");
	ck_assert_str_eq(p.value[7], "");
	ck_assert_int_eq(p.line[7], 13);
	ck_assert_str_eq(p.key[8], "back\\slash");
	ck_assert_str_eq(p.value[8], "a\\");
	ck_assert_int_eq(p.line[8], 14);
	ck_assert_str_eq(p.key[9], "last");
	ck_assert_str_eq(p.value[9], "x");
	ck_assert_int_eq(p.line[9], 15);

	/* A malformed \u escape names the file and line. */
	const char *bad = "a=1\nb=\\u12G4\n";
	memset(&p, 0, sizeof(p));
	ck_assert_int_eq(
	    props_parse_buf(bad, strlen(bad), "x.properties", pairs_cb, &p, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "x.properties:2: malformed \\uXXXX escape");
	ck_assert_int_eq(p.cnt, 1);

	/* The callback's non-zero return stops the parse and is returned. */
	memset(&p, 0, sizeof(p));
	p.stop_at = 2;
	ck_assert_int_eq(props_parse_buf(text, strlen(text), "s", pairs_cb, &p, err, sizeof(err)),
	                 42);
	ck_assert_int_eq(p.cnt, 2);

	/* Empty input and a lone backslash do nothing harmful. */
	memset(&p, 0, sizeof(p));
	ck_assert_int_eq(props_parse_buf("", 0, "s", pairs_cb, &p, err, sizeof(err)), 0);
	ck_assert_int_eq(props_parse_buf("\\", 1, "s", pairs_cb, &p, err, sizeof(err)), 0);
	ck_assert_int_eq(p.cnt, 1);
	ck_assert_str_eq(p.key[0], "");
}
END_TEST

/* Feeds a properties file into the table, as fjordd does with its config. */
typedef struct apply_ctx {
	tconf_t *conf;
	char err[256];
} apply_ctx_t;

static int apply_cb(const char *key, const char *value, int lineno, void *opaque)
{
	apply_ctx_t *a = opaque;
	char e[200];

	if (props_set(tconf_defs, a->conf, key, value, e, sizeof(e)) != PROPS_OK) {
		snprintf(a->err, sizeof(a->err), "line %d: %s", lineno, e);
		return 1;
	}
	return 0;
}

START_TEST(props_parse_real_file)
{
	char path[512], err[256];
	tconf_t c;
	apply_ctx_t a;

	snprintf(path, sizeof(path), "%s/t.properties", test_tmpdir());
	FILE *fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("linger.ms=20\ncompression.type: gzip\n# x\nclient.id   svc\nfoo=bar\n", fp);
	fclose(fp);

	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(props_set_defaults(tconf_defs, &c, err, sizeof(err)), 0);
	memset(&a, 0, sizeof(a));
	a.conf = &c;
	ck_assert_int_eq(props_parse_file(path, apply_cb, &a, err, sizeof(err)), 1);
	ck_assert_int_eq(c.linger_ms, 20);
	ck_assert_int_eq(c.codec, 1);
	ck_assert_str_eq(c.client_id, "svc");
	ck_assert_str_eq(a.err, "line 5: No such configuration property: \"foo\"");
	props_free(tconf_defs, &c);

	snprintf(path, sizeof(path), "%s/missing.properties", test_tmpdir());
	ck_assert_int_eq(props_parse_file(path, apply_cb, &a, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "missing.properties"));
}
END_TEST

void test_0003(TCase *tc);

void test_0003(TCase *tc)
{
	tcase_add_test(tc, props_defaults_and_set);
	tcase_add_test(tc, props_get_copy_markdown);
	tcase_add_test(tc, props_parse_text);
	tcase_add_test(tc, props_parse_real_file);
}
