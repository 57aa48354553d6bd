/*
 * 0011-unit-log-roll-retention — segment rolling and retention.
 *
 * - roll by size (segment.bytes), by time (segment.ms, clock injected) and
 *   by a full index (segment.index.bytes); segments are contiguous and
 *   every offset stays readable across them;
 * - retention by time and by size deletes whole old segments only, never
 *   the active one nor data at or above the high watermark, advances the
 *   log start offset (reads below it are out of range) and hands the
 *   renamed *.deleted files to the deleter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/plog.h"
#include "common/record_batch.h"
#include "test.h"

static char *st11_dir(void)
{
	static char path[600];
	snprintf(path, sizeof(path), "%s/s11-XXXXXX", test_tmpdir());
	ck_assert_ptr_nonnull(mkdtemp(path));
	return path;
}

/* Appends one batch of nrec records at timestamp ts (leader). */
static void st11_append(plog_t *plog, int nrec, int64_t ts, size_t value_size)
{
	rb_builder_t b;
	char val[4096];
	ck_assert_uint_le(value_size, sizeof(val));
	memset(val, 'x', value_size);
	rb_builder_init(&b, RB_CODEC_NONE, -1);
	for (int i = 0; i < nrec; i++)
		ck_assert_int_eq(rb_builder_add(&b, ts, NULL, 0, val, value_size, NULL, 0), 0);
	const uint8_t *batch;
	size_t len;
	ck_assert_int_eq(rb_builder_finish(&b, &batch, &len), 0);
	uint8_t *copy = malloc(len);
	memcpy(copy, batch, len);
	ck_assert_int_eq(plog_append(plog, copy, len, 1, 1, NULL), FJORD_ERR_NO_ERROR);
	free(copy);
	rb_builder_destroy(&b);
}

static int64_t st11_clock_ms;

static int64_t st11_clock(void *arg)
{
	(void)arg;
	return st11_clock_ms;
}

/* Every offset in [start, leo) is readable, and segments chain. */
static void st11_check_readable(plog_t *plog)
{
	int64_t leo = plog_log_end_offset(plog);
	for (int64_t o = plog_log_start_offset(plog); o < leo; o++) {
		plog_read_t rd;
		ck_assert_int_eq(plog_read(plog, o, 1, leo, &rd), FJORD_ERR_NO_ERROR);
		ck_assert_int_gt(rd.length, 0);
		ck_assert_int_le(rd.first_offset, o);
		ck_assert_int_gt(rd.next_offset, o);
	}
}

static plog_t *st11_open(const char *dir, log_config_t *cfg)
{
	char errstr[512];
	plog_t *plog = NULL;
	ck_assert_msg(plog_open(dir, "r", 0, cfg, 0, -1, 0, &plog, errstr, sizeof(errstr)) == 0,
	              "%s", errstr);
	st11_clock_ms = 1000000;
	plog_set_clock(plog, st11_clock, NULL);
	return plog;
}

/* Counts files in dir ending with suffix. */
static int st11_count(const char *dir, const char *suffix)
{
	char cmd[800];
	snprintf(cmd, sizeof(cmd), "ls %s | grep -c '[0-9]%s$'", dir, suffix);
	FILE *p = popen(cmd, "r");
	int n = -1;
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

START_TEST(st11_roll_by_size)
{
	log_config_t cfg;
	log_config_defaults(&cfg);
	cfg.segment_bytes = 2000;
	char *dir = st11_dir();
	plog_t *plog = st11_open(dir, &cfg);
	for (int i = 0; i < 40; i++)
		st11_append(plog, 2, 5000 + i, 100); /* ~300 bytes per batch */
	int segs = plog_segment_count(plog);
	ck_assert_int_ge(segs, 40 * 300 / 2000);
	ck_assert_int_eq(st11_count(dir, ".log"), segs);
	ck_assert_int_eq(st11_count(dir, ".index"), segs);
	ck_assert_int_eq(st11_count(dir, ".timeindex"), segs);
	/* No segment passes segment.bytes. */
	char cmd[800];
	snprintf(cmd, sizeof(cmd), "find %s -name '*.log' -size +2000c | wc -l", dir);
	FILE *p = popen(cmd, "r");
	int big = -1;
	ck_assert_int_eq(fscanf(p, "%d", &big), 1);
	pclose(p);
	ck_assert_int_eq(big, 0);
	ck_assert_int_eq(plog_log_end_offset(plog), 80);
	st11_check_readable(plog);
	/* An explicit roll of an empty active segment does nothing. */
	int before = plog_segment_count(plog);
	ck_assert_int_eq(plog_roll(plog), 0);
	ck_assert_int_eq(plog_roll(plog), 0);
	ck_assert_int_eq(plog_segment_count(plog), before + 1);
	plog_close(plog, 0);
}
END_TEST

START_TEST(st11_roll_by_time)
{
	log_config_t cfg;
	log_config_defaults(&cfg);
	cfg.roll_ms = 1000;
	plog_t *plog = st11_open(st11_dir(), &cfg);
	st11_append(plog, 1, 1, 10);
	st11_clock_ms += 999;
	st11_append(plog, 1, 2, 10);
	ck_assert_int_eq(plog_segment_count(plog), 1);
	st11_clock_ms += 1;
	st11_append(plog, 1, 3, 10);
	ck_assert_int_eq(plog_segment_count(plog), 2);
	st11_clock_ms += 500;
	st11_append(plog, 1, 4, 10);
	ck_assert_int_eq(plog_segment_count(plog), 2);
	st11_clock_ms += 600;
	st11_append(plog, 1, 5, 10);
	ck_assert_int_eq(plog_segment_count(plog), 3);
	/* Lowering segment.ms live takes effect. */
	cfg.roll_ms = 1;
	plog_set_config(plog, &cfg);
	st11_clock_ms += 1;
	st11_append(plog, 1, 6, 10);
	ck_assert_int_eq(plog_segment_count(plog), 4);
	st11_check_readable(plog);
	plog_close(plog, 0);
}
END_TEST

START_TEST(st11_roll_by_index_full)
{
	log_config_t cfg;
	log_config_defaults(&cfg);
	cfg.index_interval_bytes = 0; /* an index entry per batch */
	cfg.segment_index_bytes = 40; /* 5 offset entries, 3 time entries */
	plog_t *plog = st11_open(st11_dir(), &cfg);
	for (int i = 0; i < 12; i++)
		st11_append(plog, 1, 100 + i, 10); /* timestamps grow: a time entry each */
	/* 3 batches fill the time index, the 4th rolls: 12 batches, 4 segments. */
	ck_assert_int_eq(plog_segment_count(plog), 4);
	st11_check_readable(plog);
	plog_close(plog, 0);
}
END_TEST

#define ST11_MAX_DELETED 64
static char *st11_deleted[ST11_MAX_DELETED];
static int st11_deleted_cnt;

static void st11_deleter(const char *path, void *arg)
{
	ck_assert_ptr_eq(arg, &st11_deleted_cnt);
	ck_assert_int_lt(st11_deleted_cnt, ST11_MAX_DELETED);
	st11_deleted[st11_deleted_cnt++] = strdup(path);
}

static void st11_check_deleted(int segments)
{
	ck_assert_int_eq(st11_deleted_cnt, 3 * segments);
	for (int i = 0; i < st11_deleted_cnt; i++) {
		const char *p = st11_deleted[i];
		size_t n = strlen(p);
		ck_assert_msg(n > 8 && strcmp(p + n - 8, ".deleted") == 0, "%s", p);
		ck_assert_int_eq(access(p, F_OK), 0); /* renamed, not yet removed */
		ck_assert_int_eq(unlink(p), 0);
		free(st11_deleted[i]);
	}
	st11_deleted_cnt = 0;
}

START_TEST(st11_retention_by_time)
{
	log_config_t cfg;
	log_config_defaults(&cfg);
	cfg.segment_bytes = 1000;
	cfg.retention_ms = 60000;
	char *dir = st11_dir();
	plog_t *plog = st11_open(dir, &cfg);
	plog_set_deleter(plog, st11_deleter, &st11_deleted_cnt);
	/* 30 batches, record timestamps 1000 s apart. */
	for (int i = 0; i < 30; i++)
		st11_append(plog, 1, 1000000LL * (i + 1), 200);
	int segs = plog_segment_count(plog);
	ck_assert_int_gt(segs, 5);
	int64_t leo = plog_log_end_offset(plog);

	/* Nothing below the high watermark yet: nothing may go. */
	ck_assert_int_eq(plog_apply_retention(plog, 1LL << 50), 0);
	plog_set_high_watermark(plog, leo);
	/* now = the 10th record's time + retention: segments whose newest record
	 * is older than that go. */
	int deleted = plog_apply_retention(plog, 10000000LL + 60000 + 1);
	ck_assert_int_gt(deleted, 0);
	ck_assert_int_eq(deleted, segs - plog_segment_count(plog));
	st11_check_deleted(deleted);
	int64_t start = plog_log_start_offset(plog);
	ck_assert_int_gt(start, 0);
	ck_assert_int_le(start, 10);              /* offset 10 (ts 11000 s) is too new to go */
	ck_assert_int_gt(start, 10 - 1000 / 200); /* a segment holds < 5 batches */
	/* The offset just below the start is gone, the start is readable. */
	plog_read_t rd;
	ck_assert_int_eq(plog_read(plog, start - 1, 100, leo, &rd), FJORD_ERR_OFFSET_OUT_OF_RANGE);
	ck_assert_int_eq(plog_read(plog, start, 100, leo, &rd), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(rd.first_offset, start);
	int64_t off;
	ck_assert_int_eq(plog_offset_for_timestamp(plog, -2, &off, NULL), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(off, start);

	/* Far future: every segment is past retention, the active one too: it
	 * is rolled and goes, leaving one empty segment at the log end. */
	segs = plog_segment_count(plog);
	ck_assert_int_eq(plog_apply_retention(plog, 1LL << 50), segs);
	st11_check_deleted(segs);
	ck_assert_int_eq(plog_segment_count(plog), 1);
	ck_assert_int_eq(plog_apply_retention(plog, 1LL << 50), 0);
	ck_assert_int_eq(plog_log_end_offset(plog), leo);
	ck_assert_int_eq(plog_log_start_offset(plog), leo);
	ck_assert_int_eq(plog_read(plog, leo - 1, 100, leo, &rd), FJORD_ERR_OFFSET_OUT_OF_RANGE);
	ck_assert_int_eq(st11_count(dir, ".log"), 1);
	/* New records after that are kept until they too are old. */
	st11_append(plog, 2, (1LL << 50) - 1000, 200);
	plog_set_high_watermark(plog, plog_log_end_offset(plog));
	ck_assert_int_eq(plog_apply_retention(plog, 1LL << 50), 0);
	ck_assert_int_eq(plog_log_start_offset(plog), leo);
	st11_check_readable(plog);
	plog_close(plog, 0);
}
END_TEST

START_TEST(st11_retention_by_size)
{
	log_config_t cfg;
	log_config_defaults(&cfg);
	cfg.segment_bytes = 1000;
	cfg.retention_bytes = 2500;
	cfg.retention_ms = -1;
	plog_t *plog = st11_open(st11_dir(), &cfg);
	plog_set_deleter(plog, st11_deleter, &st11_deleted_cnt);
	for (int i = 0; i < 40; i++)
		st11_append(plog, 1, 1000 + i, 200);
	plog_set_high_watermark(plog, plog_log_end_offset(plog));
	int64_t total = plog_size_bytes(plog);
	ck_assert_int_gt(total, 5000);
	int segs = plog_segment_count(plog);
	int deleted = plog_apply_retention(plog, 0);
	ck_assert_int_gt(deleted, 0);
	ck_assert_int_eq(plog_segment_count(plog), segs - deleted);
	st11_check_deleted(deleted);
	/* At least retention.bytes remain, and not a whole old segment more. */
	ck_assert_int_ge(plog_size_bytes(plog), 2500);
	ck_assert_int_lt(plog_size_bytes(plog), 2500 + 1000);
	ck_assert_int_eq(plog_apply_retention(plog, 0), 0);
	st11_check_readable(plog);
	plog_close(plog, 0);
}
END_TEST

void test_0011(TCase *tc)
{
	tcase_add_test(tc, st11_roll_by_size);
	tcase_add_test(tc, st11_roll_by_time);
	tcase_add_test(tc, st11_roll_by_index_full);
	tcase_add_test(tc, st11_retention_by_time);
	tcase_add_test(tc, st11_retention_by_size);
}
