/*
 * 0013-unit-epoch-checkpoint — leader-epoch cache and checkpoint files.
 *
 * - epoch cache: assign, OffsetForLeaderEpoch lookups (Kafka's rules),
 *   truncation from the end and from the start, persistence across reopen;
 * - plog keeps it: leader appends record their epoch, follower appends the
 *   epochs in the batches, truncation trims it;
 * - checkpoint files round-trip; missing is empty; malformed files (bad
 *   version, short, extra lines, non-numbers) are errors naming the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/checkpoint.h"
#include "storage/epoch_cache.h"
#include "storage/plog.h"
#include "common/record_batch.h"
#include "test.h"

static char *st13_dir(void)
{
	static char path[600];
	snprintf(path, sizeof(path), "%s/s13-XXXXXX", test_tmpdir());
	ck_assert_ptr_nonnull(mkdtemp(path));
	return path;
}

static void st13_expect(const epoch_cache_t *ec, int32_t req, int64_t leo, int32_t epoch,
                        int64_t end)
{
	int32_t e;
	int64_t o;
	epoch_cache_end_offset_for(ec, req, leo, &e, &o);
	ck_assert_msg(e == epoch && o == end, "epoch %d: got (%d, %lld), want (%d, %lld)", req, e,
	              (long long)o, epoch, (long long)end);
}

START_TEST(st13_epoch_cache)
{
	char errstr[512];
	char *dir = st13_dir();
	epoch_cache_t ec;
	ck_assert_int_eq(epoch_cache_open(&ec, dir, errstr, sizeof(errstr)), 0);
	st13_expect(&ec, 0, 10, EPOCH_UNDEFINED, -1);
	ck_assert_int_eq(epoch_cache_assign(&ec, 1, 0), 0);
	ck_assert_int_eq(epoch_cache_assign(&ec, 2, 10), 0);
	ck_assert_int_eq(epoch_cache_assign(&ec, 2, 15), 0); /* same epoch: ignored */
	ck_assert_int_eq(epoch_cache_assign(&ec, 1, 17), 0); /* older epoch: ignored */
	ck_assert_int_eq(epoch_cache_assign(&ec, 5, 20), 0);
	ck_assert_int_eq(ec.cnt, 3);
	ck_assert_int_eq(epoch_cache_latest_epoch(&ec), 5);
	st13_expect(&ec, 0, 30, 0, 0); /* below the first epoch */
	st13_expect(&ec, 1, 30, 1, 10);
	st13_expect(&ec, 2, 30, 2, 20);
	st13_expect(&ec, 3, 30, 2, 20); /* unknown epoch between: the floor */
	st13_expect(&ec, 5, 30, 5, 30); /* latest: the LEO */
	st13_expect(&ec, 6, 30, EPOCH_UNDEFINED, -1);
	epoch_cache_close(&ec);

	/* Persisted. */
	ck_assert_int_eq(epoch_cache_open(&ec, dir, errstr, sizeof(errstr)), 0);
	ck_assert_int_eq(ec.cnt, 3);
	ck_assert_int_eq(ec.entries[2].epoch, 5);
	ck_assert_int_eq(ec.entries[2].start_offset, 20);
	/* Truncation from the end drops epochs that start at or after it. */
	ck_assert_int_eq(epoch_cache_truncate_from_end(&ec, 20), 0);
	ck_assert_int_eq(ec.cnt, 2);
	st13_expect(&ec, 2, 18, 2, 18);
	/* A new leader epoch after a truncation below an old start. */
	ck_assert_int_eq(epoch_cache_assign(&ec, 6, 8), 0);
	ck_assert_int_eq(ec.cnt, 2);
	ck_assert_int_eq(ec.entries[1].epoch, 6);
	ck_assert_int_eq(ec.entries[1].start_offset, 8);
	/* Truncation from the start. */
	ck_assert_int_eq(epoch_cache_assign(&ec, 7, 30), 0);
	ck_assert_int_eq(epoch_cache_truncate_from_start(&ec, 12), 0);
	ck_assert_int_eq(ec.cnt, 2);
	ck_assert_int_eq(ec.entries[0].epoch, 6);
	ck_assert_int_eq(ec.entries[0].start_offset, 12);
	epoch_cache_close(&ec);
	ck_assert_int_eq(epoch_cache_open(&ec, dir, errstr, sizeof(errstr)), 0);
	ck_assert_int_eq(ec.cnt, 2);
	ck_assert_int_eq(ec.entries[0].start_offset, 12);
	ck_assert_int_eq(ec.entries[1].epoch, 7);
	epoch_cache_close(&ec);

	/* An out-of-order file is refused. */
	char path[700];
	snprintf(path, sizeof(path), "%s/%s", dir, EPOCH_CACHE_FILE);
	FILE *f = fopen(path, "w");
	fputs("0\n2\n5 10\n3 20\n", f);
	fclose(f);
	ck_assert_int_eq(epoch_cache_open(&ec, dir, errstr, sizeof(errstr)), -1);
	ck_assert_msg(strstr(errstr, EPOCH_CACHE_FILE) != NULL, "%s", errstr);
	epoch_cache_close(&ec);
}
END_TEST

static uint8_t *st13_batch(int nrec, size_t *lenp)
{
	rb_builder_t b;
	rb_builder_init(&b, RB_CODEC_NONE, -1);
	for (int i = 0; i < nrec; i++)
		ck_assert_int_eq(rb_builder_add(&b, 1000, NULL, 0, "v", 1, NULL, 0), 0);
	const uint8_t *batch;
	ck_assert_int_eq(rb_builder_finish(&b, &batch, lenp), 0);
	uint8_t *copy = malloc(*lenp);
	memcpy(copy, batch, *lenp);
	rb_builder_destroy(&b);
	return copy;
}

START_TEST(st13_plog_epochs)
{
	char errstr[512];
	log_config_t cfg;
	log_config_defaults(&cfg);
	plog_t *plog = NULL;
	char *dir = st13_dir();
	ck_assert_int_eq(plog_open(dir, "ep", 0, &cfg, 0, -1, 0, &plog, errstr, sizeof(errstr)), 0);
	size_t len;
	uint8_t *b = st13_batch(4, &len);
	ck_assert_int_eq(plog_append(plog, b, len, 3, 1, NULL), FJORD_ERR_NO_ERROR); /* 0-3 */
	ck_assert_int_eq(plog_append(plog, b, len, 3, 1, NULL), FJORD_ERR_NO_ERROR); /* 4-7 */
	/* A follower append carrying epoch 4 at offset 8. */
	rb_set_base_offset(b, 8);
	rb_set_leader_epoch(b, 4);
	ck_assert_int_eq(plog_append(plog, b, len, -1, 0, NULL), FJORD_ERR_NO_ERROR); /* 8-11 */
	ck_assert_int_eq(plog_append(plog, b, len, 6, 1, NULL), FJORD_ERR_NO_ERROR);  /* 12-15 */
	epoch_cache_t *ec = plog_epoch_cache(plog);
	ck_assert_int_eq(ec->cnt, 3);
	st13_expect(ec, 3, 16, 3, 8);
	st13_expect(ec, 4, 16, 4, 12);
	st13_expect(ec, 6, 16, 6, 16);
	/* Follower truncation to 10 cuts the whole batch 8-11 and epoch 6. */
	ck_assert_int_eq(plog_truncate_to(plog, 10), 0);
	ck_assert_int_eq(plog_log_end_offset(plog), 8);
	ck_assert_int_eq(ec->cnt, 1);
	st13_expect(ec, 3, 8, 3, 8);
	plog_close(plog, 0);
	ck_assert_int_eq(plog_open(dir, "ep", 0, &cfg, 0, -1, 1, &plog, errstr, sizeof(errstr)), 0);
	ck_assert_int_eq(plog_log_end_offset(plog), 8);
	ck_assert_int_eq(plog_epoch_cache(plog)->cnt, 1);
	/* Truncate fully and start at 100: empty cache, empty log at 100. */
	ck_assert_int_eq(plog_truncate_fully_and_start_at(plog, 100), 0);
	ck_assert_int_eq(plog_log_start_offset(plog), 100);
	ck_assert_int_eq(plog_log_end_offset(plog), 100);
	ck_assert_int_eq(plog_epoch_cache(plog)->cnt, 0);
	ck_assert_int_eq(plog_append(plog, b, len, 9, 1, NULL), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(plog_log_end_offset(plog), 104);
	plog_read_t rd;
	ck_assert_int_eq(plog_read(plog, 50, 100, 104, &rd), FJORD_ERR_OFFSET_OUT_OF_RANGE);
	ck_assert_int_eq(plog_read(plog, 100, 100, 104, &rd), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(rd.length, len);
	plog_close(plog, 0);
	free(b);
}
END_TEST

START_TEST(st13_checkpoint_files)
{
	char errstr[512], path[700];
	char *dir = st13_dir();
	snprintf(path, sizeof(path), "%s/replication-offset-checkpoint", dir);
	checkpoint_entry_t in[3] = { { "orders", 0, 42 },
		                     { "orders", 7, 0 },
		                     { "my.topic_with-dash", 2, 1234567890123LL } };
	ck_assert_int_eq(checkpoint_write(path, in, 3, errstr, sizeof(errstr)), 0);
	checkpoint_entry_t *out;
	size_t n;
	ck_assert_int_eq(checkpoint_read(path, &out, &n, errstr, sizeof(errstr)), 0);
	ck_assert_int_eq(n, 3);
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(out[i].topic, in[i].topic);
		ck_assert_int_eq(out[i].partition, in[i].partition);
		ck_assert_int_eq(out[i].value, in[i].value);
	}
	checkpoint_free(out, n);
	/* The exact text, as Kafka writes it. */
	FILE *f = fopen(path, "r");
	char text[256] = { 0 };
	ck_assert_uint_gt(fread(text, 1, sizeof(text) - 1, f), 0);
	fclose(f);
	ck_assert_str_eq(text,
	                 "0\n3\norders 0 42\norders 7 0\nmy.topic_with-dash 2 1234567890123\n");
	char tmp[720];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	ck_assert_int_ne(access(tmp, F_OK), 0);

	/* Empty and missing. */
	ck_assert_int_eq(checkpoint_write(path, NULL, 0, errstr, sizeof(errstr)), 0);
	ck_assert_int_eq(checkpoint_read(path, &out, &n, errstr, sizeof(errstr)), 0);
	ck_assert_int_eq(n, 0);
	unlink(path);
	ck_assert_int_eq(checkpoint_read(path, &out, &n, errstr, sizeof(errstr)), 0);
	ck_assert_int_eq(n, 0);

	static const char *const bad[] = {
		"",                     /* empty */
		"1\n1\nt 0 5\n",        /* unknown version */
		"0\n2\nt 0 5\n",        /* fewer lines than the count */
		"0\n1\nt 0 5\nt 1 6\n", /* more lines than the count */
		"0\n1\nt zero 5\n",     /* not a number */
		"0\n1\nt 0\n",          /* missing field */
		"0\n1\nt 0 5 extra\n",  /* extra field */
		"0\n-1\n",              /* negative count */
		"0\nlots\n",            /* count not a number */
		"\x01\x02\x03 binary",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f = fopen(path, "w");
		fputs(bad[i], f);
		fclose(f);
		errstr[0] = '\0';
		ck_assert_msg(checkpoint_read(path, &out, &n, errstr, sizeof(errstr)) == -1,
		              "bad file %zu accepted", i);
		ck_assert_msg(strstr(errstr, path) != NULL, "%s", errstr);
		int64_t(*pairs)[2];
		ck_assert_int_eq(checkpoint_read_pairs(path, &pairs, &n, errstr, sizeof(errstr)),
		                 -1);
	}

	/* Pairs round trip. */
	int64_t pin[2][2] = { { 0, 0 }, { 3, 77 } };
	ck_assert_int_eq(
	    checkpoint_write_pairs(path, (const int64_t(*)[2])pin, 2, errstr, sizeof(errstr)), 0);
	int64_t(*pout)[2];
	ck_assert_int_eq(checkpoint_read_pairs(path, &pout, &n, errstr, sizeof(errstr)), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(pout[1][0], 3);
	ck_assert_int_eq(pout[1][1], 77);
	free(pout);
}
END_TEST

START_TEST(st13_log_config)
{
	log_config_t cfg;
	char errstr[256];
	log_config_defaults(&cfg);
	ck_assert_int_eq(cfg.segment_bytes, 1073741824LL);
	ck_assert_int_eq(cfg.retention_ms, 168LL * 3600 * 1000);
	ck_assert_int_eq(cfg.max_message_bytes, 1048588);
	ck_assert_int_eq(log_config_set(&cfg, "log.retention.hours", "2", errstr, sizeof(errstr)),
	                 0);
	ck_assert_int_eq(cfg.retention_ms, 2 * 3600 * 1000);
	ck_assert_int_eq(log_config_set(&cfg, "segment.bytes", "4096", errstr, sizeof(errstr)), 0);
	ck_assert_int_eq(cfg.segment_bytes, 4096);
	ck_assert_int_eq(log_config_set(&cfg, "retention.ms", "-1", errstr, sizeof(errstr)), 0);
	ck_assert_int_eq(cfg.retention_ms, -1);
	ck_assert_int_eq(log_config_set(&cfg, "segment.bytes", "12x", errstr, sizeof(errstr)), -1);
	ck_assert_ptr_nonnull(strstr(errstr, "segment.bytes"));
	ck_assert_int_eq(log_config_set(&cfg, "retention.bytes", "-5", errstr, sizeof(errstr)), -1);
	ck_assert_int_eq(
	    log_config_set(&cfg, "max.message.bytes", "99999999999", errstr, sizeof(errstr)), -1);
	ck_assert_int_eq(log_config_set(&cfg, "cleanup.policy", "delete", errstr, sizeof(errstr)),
	                 0);
	ck_assert_int_eq(cfg.cleanup_policy, LOG_CLEANUP_DELETE);
	ck_assert_int_eq(
	    log_config_set(&cfg, "cleanup.policy", "compact,delete", errstr, sizeof(errstr)), 0);
	ck_assert_int_eq(cfg.cleanup_policy, LOG_CLEANUP_DELETE | LOG_CLEANUP_COMPACT);
	ck_assert_int_eq(log_config_set(&cfg, "cleanup.policy", "none", errstr, sizeof(errstr)),
	                 -1);
	ck_assert_int_eq(
	    log_config_set(&cfg, "min.cleanable.dirty.ratio", "0.25", errstr, sizeof(errstr)), 0);
	ck_assert(cfg.min_cleanable_dirty_ratio == 0.25);
	ck_assert_int_eq(
	    log_config_set(&cfg, "min.cleanable.dirty.ratio", "x", errstr, sizeof(errstr)), -1);
	ck_assert_int_eq(log_config_set(&cfg, "delete.retention.ms", "10", errstr, sizeof(errstr)),
	                 0);
	ck_assert_int_eq(cfg.delete_retention_ms, 10);
	ck_assert_int_eq(log_config_validate(&cfg, errstr, sizeof(errstr)), 0);
}
END_TEST

void test_0013(TCase *tc)
{
	tcase_add_test(tc, st13_epoch_cache);
	tcase_add_test(tc, st13_plog_epochs);
	tcase_add_test(tc, st13_checkpoint_files);
	tcase_add_test(tc, st13_log_config);
}
