/*
 * 0139-log-dump — `fjord log dump` (like kafka-dump-log.sh) through the real
 * binary, on segment files a real broker of the shared cluster wrote
 * (issue 13).
 *
 *   1. A one-partition topic gets 4 batches of 10 records (test keys, 200-byte
 *      values) and one SDK batch of 3 records with a binary key and headers:
 *      43 records. `log dump` of its .log lists as many batches as the
 *      test's own walker (corrupt_util) counts, all valid, counts adding up
 *      to 43; --print prints 43 record lines, the escaped key and the headers.
 *   2. JSON with --print: offsets 0..42 in order, corrupt 0, the header and
 *      the non-UTF-8 key (as key_base64).
 *   3. .index and .timeindex: entries, first at offset 0, exit 0.
 *   4. Damage, on copies in the test's scratch dir (the broker's files are
 *      never touched): a flipped byte in batch 1 is reported (CRC-32C
 *      mismatch, isValid false, exit 1) and the dump goes on to the later
 *      batches (their records still printed); a copy cut inside the last
 *      batch reports "truncated batch", one cut 5 bytes into it "truncated
 *      tail"; an index with 3 stray bytes reports a partial entry.
 *   5. Errors: a non-segment name and a missing file exit 1 with a reason;
 *      no FILE and a bad --format exit 2.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "corrupt_util.h"
#include "test.h"

#define T0139_RECORDS 43

/* Runs `fjord <args>` (no cluster needed) and logs it. */
static char *t0139_run(int *exitp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *t0139_run(int *exitp, const char *fmt, ...)
{
	char *args = NULL, *full = NULL, *out;
	va_list ap;

	va_start(ap, fmt);
	ck_assert(vasprintf(&args, fmt, ap) > 0);
	va_end(ap);
	ck_assert(asprintf(&full, "%s %s", test_cli_path(), args) > 0);
	out = test_run(full, exitp);
	ck_assert_ptr_nonnull(out);
	test_say("$ %s\n=> exit %d\n%.3000s%s", full, *exitp, out,
	         strlen(out) > 3000 ? "...\n" : "");
	free(args);
	free(full);
	return out;
}

/* Lines of out starting with prefix. */
static int t0139_lines(const char *out, const char *prefix)
{
	const char *p = out;
	int n = 0;

	while (p && *p) {
		if (!strncmp(p, prefix, strlen(prefix)))
			n++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return n;
}

/* Sum of "count: N" over the batch lines. */
static int t0139_count_sum(const char *out)
{
	const char *p = out;
	int sum = 0;

	while ((p = strstr(p, " count: ")) != NULL) {
		sum += atoi(p + 8);
		p += 8;
	}
	return sum;
}

static void t0139_copy(const char *from, const char *to, long cut)
{
	char cmd[2200];
	int ex;
	char *out;

	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", from, to);
	out = test_run(cmd, &ex);
	ck_assert_int_eq(ex, 0);
	free(out);
	if (cut >= 0)
		ck_assert_int_eq(truncate(to, cut), 0);
}

static void t0139_produce_headers(test_cluster_t *c, const char *topic)
{
	fjord_t *p = test_producer_new(c, "linger.ms", "100", NULL);
	fjord_header_t h[2] = { { "h1", "v1", 2 }, { "h2", NULL, 0 } };
	int i;

	for (i = 0; i < 3; i++)
		ck_assert_int_eq(
		    fjord_produce(p, topic, 0, "k\xff", 2, "with headers", 12, h, 2, 0, NULL),
		    FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(fjord_flush(p, 30000), FJORD_ERR_NO_ERROR);
	fjord_destroy(p);
}

START_TEST(t0139_log_dump)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("dump");
	char **segs = NULL, dir[600], index[700], copy[700], copyidx[700];
	json_t *js, *batches;
	corrupt_batch_t b1, last;
	int nseg = 0, broker, i, k, ex, nbatch, expect_off, records;
	char *out;

	test_create_topic(c, topic, 1, 1);
	for (i = 0; i < 4; i++)
		test_produce_msgs(c, topic, 0, 10, 200);
	t0139_produce_headers(c, topic);
	for (broker = 0; broker < c->broker_cnt; broker++) {
		nseg = corrupt_segments(c, broker, topic, 0, &segs);
		if (nseg > 0)
			break;
		corrupt_free_paths(segs, nseg);
	}
	ck_assert_int_eq(nseg, 1);
	nbatch = corrupt_batch_count(segs[0]);
	ck_assert_int_ge(nbatch, 5);
	snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(segs[0], '/') - segs[0]), segs[0]);
	snprintf(index, sizeof(index), "%s/00000000000000000000.index", dir);

	/* 1. Batches, then records. */
	out = t0139_run(&ex, "log dump %s", segs[0]);
	ck_assert_int_eq(ex, 0);
	ck_assert_int_eq(t0139_lines(out, "baseOffset: "), nbatch);
	ck_assert(strstr(out, "isValid: false") == NULL);
	ck_assert_int_eq(t0139_count_sum(out), T0139_RECORDS);
	ck_assert(strstr(out, "baseOffset: 0 lastOffset: 9 count: 10 ") != NULL);
	ck_assert(strstr(out, "producerId: ") && strstr(out, "codec: none") &&
	          strstr(out, "position: 0 ") && strstr(out, "crc: "));
	free(out);
	out = t0139_run(&ex, "log dump --print %s", segs[0]);
	ck_assert_int_eq(ex, 0);
	ck_assert_int_eq(t0139_lines(out, "| offset: "), T0139_RECORDS);
	ck_assert(strstr(out, "| offset: 0 CreateTime: ") != NULL);
	ck_assert(strstr(out, "key: k\\xff value: with headers headers: h1=v1,h2=null") != NULL);
	ck_assert(strstr(out, "partition=0, msg=9") != NULL);
	free(out);

	/* 2. JSON. */
	out = t0139_run(&ex, "log dump --print --format json %s", segs[0]);
	ck_assert_int_eq(ex, 0);
	js = json_loads(out, 0, NULL);
	ck_assert_ptr_nonnull(js);
	ck_assert_str_eq(json_string_value(json_object_get(js, "kind")), "log");
	ck_assert_int_eq(json_integer_value(json_object_get(js, "base_offset")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(js, "corrupt")), 0);
	batches = json_object_get(js, "batches");
	ck_assert_int_eq((int)json_array_size(batches), nbatch);
	expect_off = 0;
	for (k = 0; k < nbatch; k++) {
		json_t *jb = json_array_get(batches, k), *recs = json_object_get(jb, "records");

		ck_assert(json_is_true(json_object_get(jb, "crc_valid")));
		ck_assert(json_is_null(json_object_get(jb, "error")));
		ck_assert_int_eq(json_integer_value(json_object_get(jb, "base_offset")),
		                 expect_off);
		for (i = 0; i < (int)json_array_size(recs); i++) {
			json_t *r = json_array_get(recs, i);

			ck_assert_int_eq(json_integer_value(json_object_get(r, "offset")),
			                 expect_off++);
			if (json_object_get(r, "key_base64")) {
				json_t *h = json_array_get(json_object_get(r, "headers"), 0);
				ck_assert_str_eq(
				    json_string_value(json_object_get(r, "key_base64")), "a/8=");
				ck_assert_str_eq(json_string_value(json_object_get(h, "key")),
				                 "h1");
				ck_assert_str_eq(json_string_value(json_object_get(h, "value")),
				                 "v1");
			}
		}
	}
	ck_assert_int_eq(expect_off, T0139_RECORDS);
	json_decref(js);
	free(out);

	/* 3. The indexes. */
	out = t0139_run(&ex, "log dump %s --format json", index);
	ck_assert_int_eq(ex, 0);
	js = json_loads(out, 0, NULL);
	ck_assert_ptr_nonnull(js);
	ck_assert_str_eq(json_string_value(json_object_get(js, "kind")), "index");
	ck_assert_int_ge((int)json_array_size(json_object_get(js, "entries")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(
	                     json_array_get(json_object_get(js, "entries"), 0), "file_position")),
	                 0);
	json_decref(js);
	free(out);
	out = t0139_run(&ex, "log dump %s/00000000000000000000.timeindex", dir);
	ck_assert_int_eq(ex, 0);
	ck_assert_int_ge(t0139_lines(out, "timestamp: "), 1);
	ck_assert(strstr(out, "error") == NULL);
	free(out);

	/* 4. Damage on copies. A flipped byte in batch 1's records. */
	snprintf(copy, sizeof(copy), "%s/00000000000000000000.log", test_tmpdir());
	t0139_copy(segs[0], copy, -1);
	corrupt_batch(copy, 1, &b1);
	corrupt_flip(copy, b1.pos + 70, 0x20);
	out = t0139_run(&ex, "log dump --print %s", copy);
	ck_assert_int_eq(ex, 1);
	ck_assert_int_eq(t0139_lines(out, "baseOffset: "), nbatch);
	ck_assert_int_eq(t0139_lines(out, "baseOffset: 10 lastOffset: 19"), 1);
	ck_assert(strstr(out, "isValid: false error: CRC-32C mismatch") != NULL);
	records = T0139_RECORDS - (int)(b1.last - b1.base + 1);
	ck_assert_int_eq(t0139_lines(out, "| offset: "), records);
	ck_assert(strstr(out, "1 problem(s) found") != NULL);
	free(out);

	/* A copy cut inside the last batch, and one cut in its first 12 bytes. */
	corrupt_batch(segs[0], nbatch - 1, &last);
	t0139_copy(segs[0], copy, (long)last.pos + 30);
	out = t0139_run(&ex, "log dump %s", copy);
	ck_assert_int_eq(ex, 1);
	ck_assert_int_eq(t0139_lines(out, "baseOffset: "), nbatch);
	ck_assert(strstr(out, "error: truncated batch: 30 of its") != NULL);
	free(out);
	t0139_copy(segs[0], copy, (long)last.pos + 5);
	out = t0139_run(&ex, "log dump --format json %s 2>/dev/null", copy);
	ck_assert_int_eq(ex, 1);
	js = json_loads(out, 0, NULL);
	ck_assert_ptr_nonnull(js);
	ck_assert_int_eq(json_integer_value(json_object_get(js, "corrupt")), 1);
	batches = json_object_get(js, "batches");
	ck_assert_int_eq((int)json_array_size(batches), nbatch);
	ck_assert(
	    strstr(json_string_value(json_object_get(json_array_get(batches, nbatch - 1), "error")),
	           "truncated tail") != NULL);
	json_decref(js);
	free(out);

	/* An index with a partial entry. */
	snprintf(copyidx, sizeof(copyidx), "%s/00000000000000000000.index", test_tmpdir());
	t0139_copy(index, copyidx, -1);
	{
		FILE *f = fopen(copyidx, "a");
		ck_assert_ptr_nonnull(f);
		fputs("abc", f);
		fclose(f);
	}
	out = t0139_run(&ex, "log dump %s", copyidx);
	ck_assert_int_eq(ex, 1);
	ck_assert(strstr(out, "partial entry at the end: 3 byte(s) of 8") != NULL);
	free(out);

	/* 5. Errors. */
	out = t0139_run(&ex, "log dump %s/meta.properties", c->brokers[broker].logdir);
	ck_assert_int_eq(ex, 1);
	ck_assert(strstr(out, "not a segment file") != NULL);
	free(out);
	out = t0139_run(&ex, "log dump %s/99999999999999999999.log", test_tmpdir());
	ck_assert_int_eq(ex, 1);
	ck_assert(strstr(out, "No such file") != NULL);
	free(out);
	out = t0139_run(&ex, "log dump");
	ck_assert_int_eq(ex, 2);
	free(out);
	out = t0139_run(&ex, "log dump --format xml %s", segs[0]);
	ck_assert_int_eq(ex, 2);
	free(out);
	corrupt_free_paths(segs, nseg);
}
END_TEST

void test_0139(TCase *tc)
{
	tcase_add_test(tc, t0139_log_dump);
}
