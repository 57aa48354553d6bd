/*
 * 0010-unit-segment-index — appends, the sparse offset index and reads.
 *
 * - leader appends assign consecutive offsets; the .index file holds
 *   increasing 8-byte big-endian entries;
 * - plog_read of every offset finds the batch that holds it (before and
 *   after a reopen that loads the index from disk);
 * - ranges are bounded by max_offset and max_bytes, the first batch comes
 *   whole even when larger than max_bytes, offset == max_offset is empty,
 *   out-of-range offsets are refused;
 * - bad appends (CRC, too large, empty, follower offsets) append nothing;
 * - offset_for_timestamp finds the first record at or after a timestamp.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/offset_index.h"
#include "storage/plog.h"
#include "common/bytes.h"
#include "common/record_batch.h"
#include "test.h"

/* A fresh scratch dir under the test's tmpdir. */
static char *st10_dir(void)
{
	static char path[600];
	snprintf(path, sizeof(path), "%s/s10-XXXXXX", test_tmpdir());
	ck_assert_ptr_nonnull(mkdtemp(path));
	return path;
}

/* One batch of nrec records with timestamps ts0, ts0+1, ... (malloc'd:
 * plog_append patches it in place). */
static uint8_t *st10_batch(int nrec, int64_t ts0, size_t value_size, size_t *lenp)
{
	rb_builder_t b;
	char *val = malloc(value_size + 1);
	ck_assert_ptr_nonnull(val);
	memset(val, 'v', value_size);
	rb_builder_init(&b, RB_CODEC_NONE, -1);
	for (int i = 0; i < nrec; i++)
		ck_assert_int_eq(rb_builder_add(&b, ts0 + i, "k", 1, val, value_size, NULL, 0), 0);
	const uint8_t *batch;
	size_t len;
	ck_assert_int_eq(rb_builder_finish(&b, &batch, &len), 0);
	uint8_t *copy = malloc(len);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, batch, len);
	rb_builder_destroy(&b);
	free(val);
	*lenp = len;
	return copy;
}

static void st10_config(log_config_t *cfg)
{
	log_config_defaults(cfg);
	cfg->index_interval_bytes = 512;
}

#define ST10_BATCHES 150

/* Batch i has 1 + i % 4 records with timestamps 100000 + 10 * i + j. */
static void st10_fill(plog_t *plog)
{
	int64_t expect = 0;
	for (int i = 0; i < ST10_BATCHES; i++) {
		size_t len;
		int n = 1 + i % 4;
		uint8_t *b = st10_batch(n, 100000 + 10 * i, 40, &len);
		plog_append_info_t info;
		ck_assert_int_eq(plog_append(plog, b, len, 3, 1, &info), FJORD_ERR_NO_ERROR);
		ck_assert_int_eq(info.first_offset, expect);
		ck_assert_int_eq(info.last_offset, expect + n - 1);
		ck_assert_int_eq(info.record_cnt, n);
		ck_assert_int_eq(info.bytes, len);
		expect += n;
		free(b);
	}
	ck_assert_int_eq(plog_log_end_offset(plog), expect);
}

/* Reads the batch range for offset; checks whole valid batches and that the
 * first one holds offset. Returns the number of batches. */
static int st10_check_read(plog_t *plog, int64_t offset, int32_t max_bytes, int64_t max_offset,
                           plog_read_t *rd)
{
	ck_assert_int_eq(plog_read(plog, offset, max_bytes, max_offset, rd), FJORD_ERR_NO_ERROR);
	if (rd->length == 0)
		return 0;
	uint8_t *buf = malloc(rd->length);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(pread(rd->fd, buf, rd->length, rd->position), (ssize_t)rd->length);
	rb_iter_t it;
	const uint8_t *batch;
	size_t bsize;
	int cnt = 0;
	int64_t last = -1;
	rb_iter_init(&it, buf, rd->length, 1, 0);
	while (rb_iter_next(&it, &batch, &bsize) == 1) {
		if (cnt == 0) {
			ck_assert_int_le(rb_base_offset(batch), offset);
			ck_assert_int_ge(rb_last_offset(batch), offset);
			ck_assert_int_eq(rb_base_offset(batch), rd->first_offset);
			ck_assert_int_eq(rb_leader_epoch(batch), 3);
		}
		ck_assert_int_lt(rb_last_offset(batch), max_offset);
		last = rb_last_offset(batch);
		cnt++;
	}
	ck_assert_int_eq(it.pos, rd->length); /* whole batches only, all valid */
	ck_assert_int_eq(rd->next_offset, last + 1);
	free(buf);
	return cnt;
}

START_TEST(st10_append_index_read)
{
	log_config_t cfg;
	char errstr[512];
	plog_t *plog = NULL;
	char *dir = st10_dir();
	st10_config(&cfg);
	ck_assert_msg(plog_open(dir, "t", 0, &cfg, 0, -1, 0, &plog, errstr, sizeof(errstr)) == 0,
	              "%s", errstr);
	st10_fill(plog);
	int64_t leo = plog_log_end_offset(plog);

	/* The index file: several increasing entries. */
	char path[700];
	snprintf(path, sizeof(path), "%s/%020d.index", dir, 0);
	offset_index_t oi;
	ck_assert_int_eq(offset_index_open(&oi, path, 0, 1 << 20), 0);
	ck_assert_int_gt(oi.entry_cnt, 5);
	for (size_t i = 1; i < oi.entry_cnt; i++) {
		ck_assert_uint_gt(oi.entries[i].rel_offset, oi.entries[i - 1].rel_offset);
		ck_assert_uint_gt(oi.entries[i].position, oi.entries[i - 1].position);
	}
	ck_assert_int_eq(oi.entries[0].rel_offset, 0);
	ck_assert_int_eq(oi.entries[0].position, 0);
	offset_index_close(&oi);

	for (int pass = 0; pass < 2; pass++) {
		plog_read_t rd;
		/* Every offset: max_bytes 1 gives exactly the batch holding it. */
		for (int64_t o = 0; o < leo; o++)
			ck_assert_int_eq(st10_check_read(plog, o, 1, leo, &rd), 1);
		/* Backwards too (no reliance on the position cache). */
		for (int64_t o = leo - 1; o >= 0; o -= 7)
			ck_assert_int_eq(st10_check_read(plog, o, 1, leo, &rd), 1);
		/* Everything. */
		ck_assert_int_eq(st10_check_read(plog, 0, 1 << 20, leo, &rd), ST10_BATCHES);
		ck_assert_int_eq(rd.next_offset, leo);
		/* Bounded by max_offset (a "high watermark" in the middle). */
		int64_t hw = leo / 2;
		st10_check_read(plog, 0, 1 << 20, hw, &rd);
		ck_assert_int_le(rd.next_offset, hw);
		ck_assert_int_gt(rd.next_offset, hw - 5);
		/* Bounded by max_bytes. */
		int n = st10_check_read(plog, 10, 1000, leo, &rd);
		ck_assert_int_gt(n, 1);
		ck_assert_int_le(rd.length, 1000);
		/* Empty at max_offset and at the LEO; refused outside. */
		ck_assert_int_eq(st10_check_read(plog, hw, 1 << 20, hw, &rd), 0);
		ck_assert_int_eq(rd.length, 0);
		ck_assert_int_eq(st10_check_read(plog, leo, 1 << 20, leo, &rd), 0);
		ck_assert_int_eq(plog_read(plog, leo + 1, 100, leo + 5, &rd),
		                 FJORD_ERR_OFFSET_OUT_OF_RANGE);
		ck_assert_int_eq(plog_read(plog, -1, 100, leo, &rd), FJORD_ERR_OFFSET_OUT_OF_RANGE);
		ck_assert_int_eq(rd.log_end_offset, leo);
		/* Reopen: the index now comes from disk (clean: no scan). */
		plog_close(plog, 1);
		ck_assert_int_eq(
		    plog_open(dir, "t", 0, &cfg, leo, -1, 0, &plog, errstr, sizeof(errstr)), 0);
		ck_assert_int_eq(plog_log_end_offset(plog), leo);
	}
	plog_close(plog, 0);
}
END_TEST

START_TEST(st10_first_batch_whole)
{
	log_config_t cfg;
	char errstr[512];
	plog_t *plog = NULL;
	st10_config(&cfg);
	ck_assert_int_eq(
	    plog_open(st10_dir(), "big", 1, &cfg, 0, -1, 0, &plog, errstr, sizeof(errstr)), 0);
	size_t len;
	for (int i = 0; i < 3; i++) {
		uint8_t *b = st10_batch(2, 1000, 5000, &len);
		ck_assert_int_eq(plog_append(plog, b, len, 3, 1, NULL), FJORD_ERR_NO_ERROR);
		free(b);
	}
	plog_read_t rd;
	ck_assert_int_eq(st10_check_read(plog, 2, 100, 6, &rd), 1);
	ck_assert_int_eq(rd.length, len);
	ck_assert_int_eq(rd.first_offset, 2);
	/* A batch straddling max_offset is not returned. */
	ck_assert_int_eq(st10_check_read(plog, 2, 1 << 20, 3, &rd), 0);
	ck_assert_int_eq(st10_check_read(plog, 0, 1 << 20, 6, &rd), 3);
	plog_close(plog, 0);
}
END_TEST

START_TEST(st10_bad_appends)
{
	log_config_t cfg;
	char errstr[512];
	plog_t *plog = NULL;
	st10_config(&cfg);
	cfg.max_message_bytes = 2000;
	char *dir = st10_dir();
	ck_assert_int_eq(plog_open(dir, "bad", 0, &cfg, 0, -1, 0, &plog, errstr, sizeof(errstr)),
	                 0);
	size_t l1, l2;
	uint8_t *good = st10_batch(3, 1000, 10, &l1);
	ck_assert_int_eq(plog_append(plog, good, l1, 0, 1, NULL), FJORD_ERR_NO_ERROR);
	int64_t leo = plog_log_end_offset(plog), size = plog_size_bytes(plog);

	/* good + corrupt: nothing of either is appended. */
	uint8_t *two = malloc(2 * l1);
	memcpy(two, good, l1);
	memcpy(two + l1, good, l1);
	two[l1 + 70] ^= 0xff;
	ck_assert_int_eq(plog_append(plog, two, 2 * l1, 0, 1, NULL), FJORD_ERR_CORRUPT_MESSAGE);
	/* A truncated batch. */
	ck_assert_int_eq(plog_append(plog, good, l1 - 5, 0, 1, NULL), FJORD_ERR_CORRUPT_MESSAGE);
	/* Empty. */
	ck_assert_int_eq(plog_append(plog, good, 0, 0, 1, NULL), FJORD_ERR_CORRUPT_MESSAGE);
	/* Larger than max.message.bytes. */
	uint8_t *big = st10_batch(1, 1000, 3000, &l2);
	ck_assert_int_eq(plog_append(plog, big, l2, 0, 1, NULL), FJORD_ERR_MESSAGE_TOO_LARGE);
	/* Follower data must start at the LEO. */
	rb_set_base_offset(good, leo + 5);
	ck_assert_int_eq(plog_append(plog, good, l1, 0, 0, NULL), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(plog_log_end_offset(plog), leo + 5 + 3);
	rb_set_base_offset(good, 1);
	ck_assert_int_eq(plog_append(plog, good, l1, 0, 0, NULL), FJORD_ERR_CORRUPT_MESSAGE);
	ck_assert_int_eq(plog_log_end_offset(plog), leo + 8);
	ck_assert_int_eq(plog_size_bytes(plog), size + (int64_t)l1);
	/* A read inside the offset gap returns the next batch. */
	plog_read_t rd;
	ck_assert_int_eq(plog_read(plog, leo + 1, 1 << 20, leo + 8, &rd), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(rd.first_offset, leo + 5);
	ck_assert_int_eq(rd.length, l1);
	free(two);
	free(big);
	free(good);
	plog_close(plog, 0);
}
END_TEST

START_TEST(st10_offset_for_timestamp)
{
	log_config_t cfg;
	char errstr[512];
	plog_t *plog = NULL;
	st10_config(&cfg);
	ck_assert_int_eq(
	    plog_open(st10_dir(), "ts", 0, &cfg, 0, -1, 0, &plog, errstr, sizeof(errstr)), 0);
	st10_fill(plog);
	int64_t leo = plog_log_end_offset(plog), off, ts;
	/* Base offset of batch i: sum of 1 + k % 4 for k < i. */
	int64_t base = 0;
	for (int i = 0; i < ST10_BATCHES; i++) {
		int n = 1 + i % 4;
		for (int j = 0; j < n; j++) {
			ck_assert_int_eq(
			    plog_offset_for_timestamp(plog, 100000 + 10 * i + j, &off, &ts),
			    FJORD_ERR_NO_ERROR);
			ck_assert_int_eq(off, base + j);
			ck_assert_int_eq(ts, 100000 + 10 * i + j);
		}
		/* Between batches: the next batch's first record. */
		if (i + 1 < ST10_BATCHES) {
			ck_assert_int_eq(
			    plog_offset_for_timestamp(plog, 100000 + 10 * i + 8, &off, NULL),
			    FJORD_ERR_NO_ERROR);
			ck_assert_int_eq(off, base + n);
		}
		base += n;
	}
	ck_assert_int_eq(plog_offset_for_timestamp(plog, 0, &off, NULL), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(off, 0);
	ck_assert_int_eq(plog_offset_for_timestamp(plog, 1LL << 50, &off, NULL),
	                 FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(off, -1);
	ck_assert_int_eq(plog_offset_for_timestamp(plog, -2, &off, NULL), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(off, 0);
	ck_assert_int_eq(plog_offset_for_timestamp(plog, -1, &off, NULL), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(off, leo);
	plog_close(plog, 0);
}
END_TEST

void test_0010(TCase *tc)
{
	tcase_add_test(tc, st10_append_index_read);
	tcase_add_test(tc, st10_first_batch_whole);
	tcase_add_test(tc, st10_bad_appends);
	tcase_add_test(tc, st10_offset_for_timestamp);
}
