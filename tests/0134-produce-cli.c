/*
 * 0134-produce-cli — the record options of `fjord produce` through the real
 * binary against the shared cluster, read back with the SDK.
 *
 *   1. stdin lines with --key K, two -H headers (one value holding '='),
 *      --timestamp and --null-marker: 4 lines give 4 records, each with key
 *      K, both headers in order, the timestamp (CreateTime); the marker line
 *      is a null value, the empty line an empty (not null) value.
 *   2. -Z with -k: "k2:c" is key k2 value c, "k3:" key k3 with a null value.
 *   3. --value-file with a 3000-byte binary file (newlines, NUL bytes): one
 *      record whose value is the file, byte for byte; --key-file: a binary
 *      key (a NUL, a newline) from a file on a stdin line.
 *   4. Usage errors exit 2 (-H without '=', --key with -k, a bad
 *      --timestamp, --value-file with -Z, --key-file with --key); a missing
 *      file exits 1; nothing is produced by any of them.
 * Every record the four runs acknowledged (8) is read back, no more.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"

#define T0134_TS 1600000000123LL
#define T0134_BINKEY "k\0e\ny"

static void t0134_expect_header(const fjord_message_t *m, size_t i, const char *name,
                                const char *value)
{
	ck_assert_msg(m->header_cnt > i, "offset %lld has %zu headers", (long long)m->offset,
	              m->header_cnt);
	ck_assert_str_eq(m->headers[i].name, name);
	ck_assert_ptr_nonnull(m->headers[i].value);
	ck_assert_uint_eq(m->headers[i].value_len, strlen(value));
	ck_assert(!memcmp(m->headers[i].value, value, strlen(value)));
}

static void t0134_expect_kv(const fjord_message_t *m, const char *key, const char *value)
{
	ck_assert_ptr_nonnull(m->key);
	ck_assert_uint_eq(m->key_len, strlen(key));
	ck_assert(!memcmp(m->key, key, m->key_len));
	if (!value) {
		ck_assert_msg(m->value == NULL, "offset %lld: value is not null",
		              (long long)m->offset);
		return;
	}
	ck_assert_msg(m->value != NULL, "offset %lld: value is null", (long long)m->offset);
	ck_assert_uint_eq(m->value_len, strlen(value));
	ck_assert(!memcmp(m->value, value, m->value_len));
}

START_TEST(t0134_produce)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("produce_cli");
	char path[600], kpath[600], filedata[3000];
	fjord_topic_partition_list_t *parts;
	fjord_message_t *msgs[16] = { 0 };
	int64_t low = -1, high = -1, deadline;
	fjord_t *fj;
	FILE *f;
	char *out;
	int ex, got = 0, i;

	test_create_topic(c, topic, 1, 2);

	/* 1. key, headers, timestamp, null marker. */
	out = test_cli_sh(c, &ex,
	                  "printf 'a\\n__NULL__\\n\\nb\\n' | $F produce %s --key K1 -H h1=v1 "
	                  "-H 'h2=x=y' --timestamp %lld --null-marker __NULL__",
	                  topic, T0134_TS);
	ck_assert_int_eq(ex, 0);
	free(out);

	/* 2. -Z with a key separator. */
	out = test_cli_sh(c, &ex, "printf 'k2:c\\nk3:\\n' | $F produce %s -k : -Z", topic);
	ck_assert_int_eq(ex, 0);
	free(out);

	/* 3. a binary file as one value. */
	for (i = 0; i < (int)sizeof(filedata); i++)
		filedata[i] = (char)(i % 7 == 0 ? '\n' : i % 11 == 0 ? '\0' : 'a' + i % 26);
	snprintf(path, sizeof(path), "%s/t0134.bin", test_tmpdir());
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(filedata, 1, sizeof(filedata), f), sizeof(filedata));
	fclose(f);
	out = test_cli_sh(c, &ex, "$F produce %s --value-file %s --key F", topic, path);
	ck_assert_int_eq(ex, 0);
	free(out);

	/* 3b. a binary key from a file (a NUL and a newline in it), values from
	 * stdin. */
	snprintf(kpath, sizeof(kpath), "%s/t0134.key", test_tmpdir());
	f = fopen(kpath, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(T0134_BINKEY, 1, sizeof(T0134_BINKEY) - 1, f),
	                  sizeof(T0134_BINKEY) - 1);
	fclose(f);
	out = test_cli_sh(c, &ex, "echo v8 | $F produce %s --key-file %s", topic, kpath);
	ck_assert_int_eq(ex, 0);
	free(out);

	/* 4. usage errors and a missing file: exit 2 / 1, nothing produced. */
	out = test_cli_sh(c, &ex, "echo x | $F produce %s -H novalue 2>&1", topic);
	ck_assert_int_eq(ex, 2);
	ck_assert_ptr_nonnull(strstr(out, "NAME=VALUE"));
	free(out);
	out = test_cli_sh(c, &ex, "echo x | $F produce %s --key K -k : 2>&1", topic);
	ck_assert_int_eq(ex, 2);
	free(out);
	out = test_cli_sh(c, &ex, "echo x | $F produce %s --timestamp yesterday 2>&1", topic);
	ck_assert_int_eq(ex, 2);
	free(out);
	out = test_cli_sh(c, &ex, "$F produce %s --value-file %s -Z 2>&1", topic, path);
	ck_assert_int_eq(ex, 2);
	free(out);
	out = test_cli_sh(c, &ex, "$F produce %s --value-file %s.missing 2>&1", topic, path);
	ck_assert_int_eq(ex, 1);
	ck_assert_ptr_nonnull(strstr(out, "cannot open"));
	free(out);
	out =
	    test_cli_sh(c, &ex, "echo x | $F produce %s --key-file %s --key K 2>&1", topic, kpath);
	ck_assert_int_eq(ex, 2);
	free(out);
	out =
	    test_cli_sh(c, &ex, "echo x | $F produce %s --key-file %s.missing 2>&1", topic, kpath);
	ck_assert_int_eq(ex, 1);
	ck_assert_ptr_nonnull(strstr(out, "cannot open"));
	free(out);
	out = test_cli_sh(c, &ex, "$F produce --help");
	ck_assert_int_eq(ex, 0);
	ck_assert_ptr_nonnull(strstr(out, "--header"));
	ck_assert_ptr_nonnull(strstr(out, "--value-file"));
	free(out);

	/* Read back: 8 acknowledged records, the high watermark says no more. */
	fj = test_consumer_new(c, "auto.offset.reset", "earliest", NULL);
	ck_assert_int_eq(fjord_query_watermark_offsets(fj, topic, 0, &low, &high, 10000), 0);
	ck_assert_int_eq(high - low, 8);
	parts = fjord_topic_partition_list_new(1);
	fjord_topic_partition_list_add(parts, topic, 0)->offset = FJORD_OFFSET_BEGINNING;
	ck_assert_int_eq(fjord_assign(fj, parts), 0);
	fjord_topic_partition_list_destroy(parts);
	deadline = test_now_ms() + (int64_t)(30000 * test_timeout_multiplier());
	while (got < 8 && test_now_ms() < deadline) {
		fjord_message_t *m = fjord_consumer_poll(fj, 200);
		if (!m)
			continue;
		if (m->err) {
			fjord_message_destroy(m);
			continue;
		}
		ck_assert_int_eq(m->offset, got);
		msgs[got++] = m;
	}
	ck_assert_int_eq(got, 8);

	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(msgs[i]->timestamp, T0134_TS);
		ck_assert_int_eq(msgs[i]->timestamp_type, FJORD_TIMESTAMP_CREATE_TIME);
		ck_assert_uint_eq(msgs[i]->header_cnt, 2);
		t0134_expect_header(msgs[i], 0, "h1", "v1");
		t0134_expect_header(msgs[i], 1, "h2", "x=y");
	}
	t0134_expect_kv(msgs[0], "K1", "a");
	t0134_expect_kv(msgs[1], "K1", NULL);
	t0134_expect_kv(msgs[2], "K1", "");
	t0134_expect_kv(msgs[3], "K1", "b");
	t0134_expect_kv(msgs[4], "k2", "c");
	t0134_expect_kv(msgs[5], "k3", NULL);
	ck_assert_uint_eq(msgs[4]->header_cnt, 0);
	ck_assert_int_ne(msgs[4]->timestamp, T0134_TS);
	ck_assert_uint_eq(msgs[6]->key_len, 1);
	ck_assert(!memcmp(msgs[6]->key, "F", 1));
	ck_assert_uint_eq(msgs[6]->value_len, sizeof(filedata));
	ck_assert(!memcmp(msgs[6]->value, filedata, sizeof(filedata)));
	ck_assert_uint_eq(msgs[7]->key_len, sizeof(T0134_BINKEY) - 1);
	ck_assert(!memcmp(msgs[7]->key, T0134_BINKEY, sizeof(T0134_BINKEY) - 1));
	ck_assert_uint_eq(msgs[7]->value_len, 2);
	ck_assert(!memcmp(msgs[7]->value, "v8", 2));

	for (i = 0; i < got; i++)
		fjord_message_destroy(msgs[i]);
	fjord_destroy(fj);
	unlink(path);
	unlink(kpath);
}
END_TEST

void test_0134(TCase *tc)
{
	tcase_add_test(tc, t0134_produce);
}
