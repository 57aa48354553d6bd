/*
 * 0012-unit-log-recovery — opening log dirs after crashes and clean stops.
 *
 * After an unclean close (no .clean-shutdown marker):
 * - garbage appended to the active segment, half a batch, or one flipped
 *   byte in the last batch is cut exactly, every earlier batch is kept and
 *   appends continue at the right offset;
 * a deleted or corrupt index is rebuilt (reads still find every offset);
 * after a clean close the scan is skipped (a flipped byte stays unnoticed
 * until the next unclean open) and the recovery point, log start and high
 * watermark come back from the checkpoints; a second logmgr on a locked
 * dir and a broker.id that does not match meta.properties are refused with
 * the dir or file named; flushing through plog_flush_begin/end advances
 * the recovery point; partitions spread over two log dirs; deletion
 * renames the dir and hands it to the deleter.
 *
 * Corruption that loses nothing: a CRC-breaking flip or a batchLength flip
 * in the middle of the active segment, damage in an older segment (in its
 * middle and at its very end), and damage followed by a torn tail: only
 * the torn tail is cut; each damaged range is reported with its byte and
 * offset range, reads of its offsets get CORRUPT_MESSAGE, every other
 * offset reads back as whole valid batches, appends continue at the old
 * log end offset, the range is still known after a clean restart
 * (corrupt-segments file), and truncation or retention removes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/logmgr.h"
#include "storage/offset_index.h"
#include "common/record_batch.h"
#include "test.h"

static char *st12_dir(void)
{
	static char path[600];
	snprintf(path, sizeof(path), "%s/s12-XXXXXX", test_tmpdir());
	ck_assert_ptr_nonnull(mkdtemp(path));
	return path;
}

static logmgr_t *st12_open(const char *dir, int32_t broker_id, log_config_t *cfg)
{
	char errstr[512];
	logmgr_t *mgr = NULL;
	const char *dirs[1] = { dir };
	ck_assert_msg(logmgr_open(dirs, 1, cfg, broker_id, &mgr, errstr, sizeof(errstr)) == 0, "%s",
	              errstr);
	return mgr;
}

static plog_t *st12_log(logmgr_t *mgr)
{
	char errstr[512];
	plog_t *plog = NULL;
	ck_assert_msg(logmgr_get_or_create(mgr, "rec", 0, NULL, &plog, errstr, sizeof(errstr)) == 0,
	              "%s", errstr);
	return plog;
}

/* One valid batch of nrec records (malloc'd). */
static uint8_t *st12_batch(int nrec, size_t *lenp)
{
	rb_builder_t b;
	rb_builder_init(&b, RB_CODEC_NONE, -1);
	for (int i = 0; i < nrec; i++)
		ck_assert_int_eq(rb_builder_add(&b, 1000 + i, "key", 3, "some value", 10, NULL, 0),
		                 0);
	const uint8_t *batch;
	ck_assert_int_eq(rb_builder_finish(&b, &batch, lenp), 0);
	uint8_t *copy = malloc(*lenp);
	memcpy(copy, batch, *lenp);
	rb_builder_destroy(&b);
	return copy;
}

static void st12_append(plog_t *plog, int batches)
{
	for (int i = 0; i < batches; i++) {
		size_t len;
		uint8_t *b = st12_batch(3, &len);
		ck_assert_int_eq(plog_append(plog, b, len, 2, 1, NULL), FJORD_ERR_NO_ERROR);
		free(b);
	}
}

static void st12_check_readable(plog_t *plog)
{
	int64_t leo = plog_log_end_offset(plog);
	for (int64_t o = plog_log_start_offset(plog); o < leo; o++) {
		plog_read_t rd;
		ck_assert_int_eq(plog_read(plog, o, 1, leo, &rd), FJORD_ERR_NO_ERROR);
		ck_assert_int_gt(rd.length, 0);
		uint8_t *buf = malloc(rd.length);
		ck_assert_int_eq(pread(rd.fd, buf, rd.length, rd.position), (ssize_t)rd.length);
		const char *msg;
		ck_assert_int_eq(rb_validate(buf, rd.length, &msg), FJORD_ERR_NO_ERROR);
		ck_assert_int_le(rb_base_offset(buf), o);
		ck_assert_int_ge(rb_last_offset(buf), o);
		free(buf);
	}
}

static off_t st12_size(const char *path)
{
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	return st.st_size;
}

/* Path of the segment file with base offset base. */
static const char *st12_seg(const char *dir, int64_t base, const char *suffix)
{
	static char path[800];
	snprintf(path, sizeof(path), "%s/rec-0/%020lld%s", dir, (long long)base, suffix);
	return path;
}

typedef enum { ST12_GARBAGE, ST12_HALF_BATCH, ST12_FLIPPED_BYTE } st12_damage_t;

static void st12_torn_tail(st12_damage_t damage)
{
	log_config_t cfg;
	log_config_defaults(&cfg);
	char *dir = st12_dir();
	logmgr_t *mgr = st12_open(dir, 1, &cfg);
	plog_t *plog = st12_log(mgr);
	st12_append(plog, 20);
	int64_t leo = plog_log_end_offset(plog);
	logmgr_close(mgr, 0); /* a crash: no marker */
	const char *log = st12_seg(dir, 0, ".log");
	off_t good = st12_size(log);
	size_t blen;
	uint8_t *b = st12_batch(3, &blen);
	int fd = open(log, O_RDWR);
	ck_assert_int_ge(fd, 0);
	int64_t expect_leo = leo;
	off_t expect_size = good;
	switch (damage) {
	case ST12_GARBAGE:
		ck_assert_int_eq(pwrite(fd, "\x01\x02garbage that is not a batch at all", 36, good),
		                 36);
		break;
	case ST12_HALF_BATCH:
		ck_assert_int_eq(pwrite(fd, b, blen / 2, good), (ssize_t)(blen / 2));
		break;
	case ST12_FLIPPED_BYTE: {
		/* Inside the CRC range of the last batch: it must go, all of it. */
		uint8_t c;
		ck_assert_int_eq(pread(fd, &c, 1, good - 5), 1);
		c ^= 0x40;
		ck_assert_int_eq(pwrite(fd, &c, 1, good - 5), 1);
		expect_leo = leo - 3;
		expect_size = good - (off_t)blen;
		break;
	}
	}
	close(fd);
	mgr = st12_open(dir, 1, &cfg);
	plog = logmgr_get(mgr, "rec", 0);
	ck_assert_ptr_nonnull(plog);
	ck_assert_int_eq(plog_log_end_offset(plog), expect_leo);
	ck_assert_int_eq(st12_size(log), expect_size);
	st12_check_readable(plog);
	/* Appends continue at the cut. */
	ck_assert_int_eq(plog_append(plog, b, blen, 2, 1, NULL), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(plog_log_end_offset(plog), expect_leo + 3);
	st12_check_readable(plog);
	logmgr_close(mgr, 1);
	free(b);
}

START_TEST(st12_garbage_tail)
{
	st12_torn_tail(ST12_GARBAGE);
}
END_TEST

START_TEST(st12_half_batch_tail)
{
	st12_torn_tail(ST12_HALF_BATCH);
}
END_TEST

START_TEST(st12_flipped_byte_tail)
{
	st12_torn_tail(ST12_FLIPPED_BYTE);
}
END_TEST

START_TEST(st12_index_rebuilt)
{
	log_config_t cfg;
	log_config_defaults(&cfg);
	cfg.segment_bytes = 3000;
	cfg.index_interval_bytes = 200;
	char *dir = st12_dir();
	logmgr_t *mgr = st12_open(dir, 1, &cfg);
	plog_t *plog = st12_log(mgr);
	st12_append(plog, 60);
	ck_assert_int_gt(plog_segment_count(plog), 2);
	int64_t leo = plog_log_end_offset(plog);
	logmgr_close(mgr, 1);

	/* Missing index of the first segment, garbage in the second's (entries
	 * pointing past the end of the file), clean shutdown. */
	const char *idx0 = st12_seg(dir, 0, ".index");
	ck_assert_int_eq(unlink(idx0), 0);
	mgr = st12_open(dir, 1, &cfg);
	plog = logmgr_get(mgr, "rec", 0);
	ck_assert_int_eq(plog_log_end_offset(plog), leo);
	ck_assert_int_gt(st12_size(idx0), 0);
	st12_check_readable(plog);
	/* Find the second segment's base from the first read past segment 0. */
	offset_index_t oi;
	ck_assert_int_eq(offset_index_open(&oi, idx0, 0, 1 << 20), 0);
	ck_assert_int_gt(oi.entry_cnt, 1);
	offset_index_close(&oi);
	logmgr_close(mgr, 1);

	char cmd[900];
	snprintf(cmd, sizeof(cmd), "ls %s/rec-0/*.index | sed -n 2p", dir);
	FILE *p = popen(cmd, "r");
	char idx1[800];
	ck_assert_ptr_nonnull(fgets(idx1, sizeof(idx1), p));
	pclose(p);
	idx1[strcspn(idx1, "\n")] = '\0';
	int fd = open(idx1, O_WRONLY | O_APPEND);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "\x00\x00\x7f\x00\x00\x7f\x00\x00", 8), 8);
	close(fd);
	off_t bad = st12_size(idx1);
	mgr = st12_open(dir, 1, &cfg);
	plog = logmgr_get(mgr, "rec", 0);
	ck_assert_int_eq(plog_log_end_offset(plog), leo);
	ck_assert_int_ne(st12_size(idx1), bad);
	st12_check_readable(plog);
	logmgr_close(mgr, 1);
}
END_TEST

START_TEST(st12_clean_shutdown_skips_scan)
{
	log_config_t cfg;
	log_config_defaults(&cfg);
	char *dir = st12_dir();
	logmgr_t *mgr = st12_open(dir, 1, &cfg);
	plog_t *plog = st12_log(mgr);
	st12_append(plog, 10);
	int64_t leo = plog_log_end_offset(plog);
	plog_set_high_watermark(plog, leo - 3);
	logmgr_close(mgr, 1);
	char marker[700];
	snprintf(marker, sizeof(marker), "%s/%s", dir, LOGMGR_CLEAN_SHUTDOWN_FILE);
	ck_assert_int_eq(access(marker, F_OK), 0);

	/* Flip a byte in the last batch: a clean open does not scan. */
	const char *log = st12_seg(dir, 0, ".log");
	off_t size = st12_size(log);
	int fd = open(log, O_RDWR);
	uint8_t c;
	ck_assert_int_eq(pread(fd, &c, 1, size - 3), 1);
	c ^= 1;
	ck_assert_int_eq(pwrite(fd, &c, 1, size - 3), 1);
	close(fd);
	mgr = st12_open(dir, 1, &cfg);
	ck_assert_int_ne(access(marker, F_OK), 0); /* removed at open */
	plog = logmgr_get(mgr, "rec", 0);
	ck_assert_int_eq(plog_log_end_offset(plog), leo);
	ck_assert_int_eq(st12_size(log), size);
	ck_assert_int_eq(plog_high_watermark(plog), leo - 3);
	ck_assert_int_eq(plog_recovery_point(plog), leo);
	logmgr_close(mgr, 0);

	/* After a crash the same damage is found and cut: the segment holding
	 * the recovery point (here the LEO) is always scanned. */
	mgr = st12_open(dir, 1, &cfg);
	plog = logmgr_get(mgr, "rec", 0);
	ck_assert_int_eq(plog_log_end_offset(plog), leo - 3);
	ck_assert_int_eq(plog_high_watermark(plog), leo - 3);
	st12_check_readable(plog);
	logmgr_close(mgr, 0);
}
END_TEST

START_TEST(st12_lock_and_meta)
{
	log_config_t cfg;
	log_config_defaults(&cfg);
	char *dir = st12_dir();
	char errstr[512];
	logmgr_t *mgr = st12_open(dir, 7, &cfg), *other = NULL;
	ck_assert_ptr_null(logmgr_cluster_id(mgr));
	ck_assert_int_eq(logmgr_write_meta(mgr, "cluster-abc", errstr, sizeof(errstr)), 0);
	ck_assert_str_eq(logmgr_cluster_id(mgr), "cluster-abc");
	const char *dirs[1] = { dir };
	ck_assert_int_eq(logmgr_open(dirs, 1, &cfg, 7, &other, errstr, sizeof(errstr)), -1);
	ck_assert_msg(strstr(errstr, dir) != NULL, "%s", errstr);
	test_say("second logmgr refused: %s", errstr);
	logmgr_close(mgr, 1);

	ck_assert_int_eq(logmgr_open(dirs, 1, &cfg, 8, &other, errstr, sizeof(errstr)), -1);
	ck_assert_msg(strstr(errstr, "meta.properties") != NULL && strstr(errstr, dir) != NULL,
	              "%s", errstr);
	test_say("broker.id mismatch refused: %s", errstr);
	/* The refused open released the lock: the right broker gets in. */
	mgr = st12_open(dir, 7, &cfg);
	ck_assert_str_eq(logmgr_cluster_id(mgr), "cluster-abc");
	logmgr_close(mgr, 1);
}
END_TEST

START_TEST(st12_flush_off_loop)
{
	log_config_t cfg;
	log_config_defaults(&cfg);
	cfg.flush_interval_messages = 10;
	cfg.segment_bytes = 600;
	char *dir = st12_dir();
	logmgr_t *mgr = st12_open(dir, 1, &cfg);
	plog_t *plog = st12_log(mgr);
	st12_append(plog, 3); /* 9 records */
	ck_assert_int_eq(plog_flush_due(plog, 0), 0);
	st12_append(plog, 4); /* 21 records, rolled at least once */
	ck_assert_int_gt(plog_segment_count(plog), 1);
	ck_assert_int_eq(plog_flush_due(plog, 0), 1);
	int fd, rounds = 0;
	int64_t upto, prev = plog_recovery_point(plog);
	int r;
	while ((r = plog_flush_begin(plog, &fd, &upto)) == 1) {
		ck_assert_int_gt(upto, prev);
		ck_assert_int_eq(fsync(fd), 0); /* what the background thread does */
		close(fd);
		plog_flush_end(plog, upto);
		ck_assert_int_eq(plog_recovery_point(plog), upto);
		prev = upto;
		rounds++;
	}
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(rounds, plog_segment_count(plog));
	ck_assert_int_eq(plog_recovery_point(plog), plog_log_end_offset(plog));
	ck_assert_int_eq(plog_flush_due(plog, 0), 0);
	/* The checkpoint carries the recovery point: after a crash only the
	 * active segment is scanned. */
	char errstr[512];
	ck_assert_int_eq(logmgr_checkpoint(mgr, errstr, sizeof(errstr)), 0);
	logmgr_close(mgr, 0);
	mgr = st12_open(dir, 1, &cfg);
	plog = logmgr_get(mgr, "rec", 0);
	ck_assert_int_eq(plog_recovery_point(plog), 21);
	logmgr_close(mgr, 1);
}
END_TEST

static char st12_deleted_path[800];

static void st12_deleter(const char *path, void *arg)
{
	(*(int *)arg)++;
	snprintf(st12_deleted_path, sizeof(st12_deleted_path), "%s", path);
}

START_TEST(st12_logmgr_dirs)
{
	log_config_t cfg;
	log_config_defaults(&cfg);
	char errstr[512];
	char d1[700], d2[700];
	snprintf(d1, sizeof(d1), "%s/a", st12_dir());
	snprintf(d2, sizeof(d2), "%s/b/c", st12_dir()); /* created with parents */
	const char *dirs[2] = { d1, d2 };
	logmgr_t *mgr = NULL;
	ck_assert_msg(logmgr_open(dirs, 2, &cfg, 3, &mgr, errstr, sizeof(errstr)) == 0, "%s",
	              errstr);
	int deleted = 0;
	logmgr_set_deleter(mgr, st12_deleter, &deleted);
	plog_t *plog;
	for (int p = 0; p < 6; p++)
		ck_assert_int_eq(
		    logmgr_get_or_create(mgr, "spread", p, NULL, &plog, errstr, sizeof(errstr)), 0);
	ck_assert_int_eq(logmgr_partition_count(mgr), 6);
	/* Balanced: three partitions in each dir. */
	char path[800];
	int in_d1 = 0;
	for (int p = 0; p < 6; p++) {
		snprintf(path, sizeof(path), "%s/spread-%d", d1, p);
		in_d1 += access(path, F_OK) == 0;
	}
	ck_assert_int_eq(in_d1, 3);
	ck_assert_int_eq(
	    logmgr_get_or_create(mgr, "bad/name", 0, NULL, &plog, errstr, sizeof(errstr)), -1);
	ck_assert_int_eq(logmgr_get_or_create(mgr, "..", 0, NULL, &plog, errstr, sizeof(errstr)),
	                 -1);
	plog = logmgr_get(mgr, "spread", 4);
	ck_assert_ptr_nonnull(plog);
	st12_append(plog, 2);
	/* Delete: renamed to <t>-<p>.<hex>-delete and handed to the deleter. */
	ck_assert_int_eq(logmgr_delete(mgr, "spread", 4), 0);
	ck_assert_int_eq(deleted, 1);
	ck_assert_ptr_nonnull(strstr(st12_deleted_path, "/spread-4."));
	ck_assert_str_eq(st12_deleted_path + strlen(st12_deleted_path) - 7, "-delete");
	ck_assert_int_eq(access(st12_deleted_path, F_OK), 0);
	ck_assert_ptr_null(logmgr_get(mgr, "spread", 4));
	ck_assert_int_eq(logmgr_delete(mgr, "spread", 4), -ENOENT);
	ck_assert_int_eq(logmgr_partition_count(mgr), 5);
	logmgr_close(mgr, 1);
	/* Reopen: the leftover -delete dir goes, the other logs come back. */
	ck_assert_int_eq(logmgr_open(dirs, 2, &cfg, 3, &mgr, errstr, sizeof(errstr)), 0);
	ck_assert_int_ne(access(st12_deleted_path, F_OK), 0);
	ck_assert_int_eq(logmgr_partition_count(mgr), 5);
	ck_assert_ptr_nonnull(logmgr_get(mgr, "spread", 5));
	logmgr_close(mgr, 1);
}
END_TEST

/* ------------------------------------------------ corrupt ranges (kept) */

/* File position of batch number k (0-based) of a segment file. */
static off_t st12_batch_pos(const char *log, int k)
{
	int fd = open(log, O_RDONLY);
	uint8_t hdr[RB_HEADER_SIZE];
	off_t pos = 0;
	ck_assert_int_ge(fd, 0);
	for (int i = 0; i < k; i++) {
		ck_assert_int_eq(pread(fd, hdr, sizeof(hdr), pos), (ssize_t)sizeof(hdr));
		pos += (off_t)rb_total_size(hdr);
	}
	close(fd);
	return pos;
}

static void st12_flip(const char *log, off_t pos, uint8_t mask)
{
	int fd = open(log, O_RDWR);
	uint8_t c;
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &c, 1, pos), 1);
	c ^= mask;
	ck_assert_int_eq(pwrite(fd, &c, 1, pos), 1);
	close(fd);
}

/* Every offset outside [bad_first, bad_last] reads back as whole, valid
 * batches (all of them, not only the first, so no read spans the damage);
 * every offset inside gets CORRUPT_MESSAGE. */
static void st12_check_around(plog_t *plog, int64_t bad_first, int64_t bad_last)
{
	int64_t leo = plog_log_end_offset(plog);
	for (int64_t o = plog_log_start_offset(plog); o < leo; o++) {
		plog_read_t rd;
		fjord_err_t err = plog_read(plog, o, 1 << 20, leo, &rd);
		if (o >= bad_first && o <= bad_last) {
			ck_assert_msg(err == FJORD_ERR_CORRUPT_MESSAGE, "offset %lld: %s",
			              (long long)o, fjord_err2name(err));
			continue;
		}
		ck_assert_msg(err == FJORD_ERR_NO_ERROR, "offset %lld: %s", (long long)o,
		              fjord_err2name(err));
		ck_assert_int_gt(rd.length, 0);
		uint8_t *buf = malloc(rd.length);
		ck_assert_int_eq(pread(rd.fd, buf, rd.length, rd.position), (ssize_t)rd.length);
		rb_iter_t it;
		const uint8_t *batch;
		size_t bsize;
		int n = 0, r;
		rb_iter_init(&it, buf, rd.length, 1, 0);
		while ((r = rb_iter_next(&it, &batch, &bsize)) == 1) {
			if (n++ == 0)
				ck_assert_int_le(rb_base_offset(batch), o);
			ck_assert(rb_last_offset(batch) < bad_first ||
			          rb_base_offset(batch) > bad_last);
		}
		ck_assert_msg(r == 0, "offset %lld: %s", (long long)o, it.errmsg ? it.errmsg : "");
		ck_assert_int_ge(rd.next_offset, o + 1);
		free(buf);
	}
}

typedef enum { ST12_CRC_FLIP, ST12_LENGTH_FLIP } st12_flip_t;

/* 20 batches of 3 records in one (active) segment; batch 5 (offsets 15-17)
 * is damaged, then a crash. Recovery keeps everything else, appends go on
 * at the old LEO, and the range is still known after a clean restart. */
static void st12_mid_segment(st12_flip_t how)
{
	log_config_t cfg;
	log_config_defaults(&cfg);
	cfg.index_interval_bytes = 150;
	char *dir = st12_dir();
	logmgr_t *mgr = st12_open(dir, 1, &cfg);
	plog_t *plog = st12_log(mgr);
	st12_append(plog, 20);
	int64_t leo = plog_log_end_offset(plog);
	logmgr_close(mgr, 0);
	const char *log = st12_seg(dir, 0, ".log");
	off_t size = st12_size(log), at = st12_batch_pos(log, 5), next = st12_batch_pos(log, 6);
	if (how == ST12_CRC_FLIP)
		st12_flip(log, at + RB_HEADER_SIZE + 4, 0x20); /* inside a record */
	else
		st12_flip(log, at + 10, 0x01); /* batchLength: resync must find batch 6 */
	mgr = st12_open(dir, 1, &cfg);
	plog = logmgr_get(mgr, "rec", 0);
	ck_assert_int_eq(plog_log_end_offset(plog), leo);
	ck_assert_int_eq(st12_size(log), size);
	ck_assert_int_eq(plog_corrupt_range_count(plog), 1);
	plog_corrupt_range_t cr;
	ck_assert_int_eq(plog_corrupt_ranges(plog, &cr, 1), 1);
	ck_assert_int_eq(cr.first_offset, 15);
	ck_assert_int_eq(cr.last_offset, 17);
	ck_assert_int_eq(cr.pos, at);
	ck_assert_int_eq(cr.end, next);
	ck_assert_str_eq(cr.segment_path, log);
	int64_t f, l;
	ck_assert_int_eq(plog_corrupt_range_at(plog, 16, &f, &l), 1);
	ck_assert_int_eq(plog_corrupt_range_at(plog, 18, &f, &l), 0);
	st12_check_around(plog, 15, 17);
	/* ListOffsets by time still works across the range. */
	int64_t off;
	ck_assert_int_eq(plog_offset_for_timestamp(plog, 1001, &off, NULL), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(off, 1);
	size_t blen;
	uint8_t *b = st12_batch(3, &blen);
	ck_assert_int_eq(plog_append(plog, b, blen, 2, 1, NULL), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(plog_log_end_offset(plog), leo + 3);
	free(b);
	logmgr_close(mgr, 1);

	/* A clean restart does not scan, yet the range is remembered. */
	mgr = st12_open(dir, 1, &cfg);
	plog = logmgr_get(mgr, "rec", 0);
	ck_assert_int_eq(plog_corrupt_range_count(plog), 1);
	ck_assert_int_eq(plog_log_end_offset(plog), leo + 3);
	st12_check_around(plog, 15, 17);
	/* Truncating into the range (a follower's repair) removes it and the
	 * file that remembers it. */
	ck_assert_int_eq(plog_truncate_to(plog, 15), 0);
	ck_assert_int_eq(plog_log_end_offset(plog), 15);
	ck_assert_int_eq(plog_corrupt_range_count(plog), 0);
	char hint[800];
	snprintf(hint, sizeof(hint), "%s/rec-0/corrupt-segments", dir);
	ck_assert_int_ne(access(hint, F_OK), 0);
	st12_check_readable(plog);
	logmgr_close(mgr, 0);
	mgr = st12_open(dir, 1, &cfg);
	plog = logmgr_get(mgr, "rec", 0);
	ck_assert_int_eq(plog_corrupt_range_count(plog), 0);
	ck_assert_int_eq(plog_log_end_offset(plog), 15);
	logmgr_close(mgr, 1);
}

START_TEST(st12_mid_segment_crc_flip)
{
	st12_mid_segment(ST12_CRC_FLIP);
}
END_TEST

START_TEST(st12_mid_segment_length_flip)
{
	st12_mid_segment(ST12_LENGTH_FLIP);
}
END_TEST

/* Several segments; damage in the middle of segment 0 and at the very end
 * of segment 1 (its last batch): after a crash every later segment is
 * kept, both ranges are reported, and every other offset reads back. */
START_TEST(st12_older_segments)
{
	log_config_t cfg;
	log_config_defaults(&cfg);
	cfg.segment_bytes = 3000;
	cfg.index_interval_bytes = 200;
	char *dir = st12_dir();
	logmgr_t *mgr = st12_open(dir, 1, &cfg);
	plog_t *plog = st12_log(mgr);
	st12_append(plog, 60);
	int segs = plog_segment_count(plog);
	ck_assert_int_ge(segs, 3);
	int64_t leo = plog_log_end_offset(plog);
	logmgr_close(mgr, 0);

	char cmd[900], seg1[800];
	snprintf(cmd, sizeof(cmd), "ls %s/rec-0/*.log | sed -n 2p", dir);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(fgets(seg1, sizeof(seg1), p));
	pclose(p);
	seg1[strcspn(seg1, "\n")] = '\0';
	const char *seg0 = st12_seg(dir, 0, ".log");
	int64_t base1 = strtoll(strrchr(seg1, '/') + 1, NULL, 10);
	int per_seg = (int)(base1 / 3); /* batches in segment 0 */
	st12_flip(seg0, st12_batch_pos(seg0, 2) + RB_HEADER_SIZE + 2, 0x08);
	off_t last1 = st12_batch_pos(seg1, per_seg - 1), size1 = st12_size(seg1);
	st12_flip(seg1, last1 + RB_HEADER_SIZE + 1, 0x80);

	mgr = st12_open(dir, 1, &cfg);
	plog = logmgr_get(mgr, "rec", 0);
	ck_assert_int_eq(plog_segment_count(plog), segs);
	ck_assert_int_eq(plog_log_end_offset(plog), leo);
	ck_assert_int_eq(st12_size(seg1), size1);
	plog_corrupt_range_t cr[4];
	ck_assert_int_eq(plog_corrupt_ranges(plog, cr, 4), 2);
	ck_assert_int_eq(cr[0].first_offset, 6);
	ck_assert_int_eq(cr[0].last_offset, 8);
	ck_assert_int_eq(cr[1].first_offset, base1 + 3 * (per_seg - 1));
	ck_assert_int_eq(cr[1].last_offset, base1 + 3 * per_seg - 1);
	ck_assert_int_eq(cr[1].end, size1);
	ck_assert_int_eq(plog_corrupt_bytes(plog),
	                 (cr[0].end - cr[0].pos) + (cr[1].end - cr[1].pos));
	/* Both ranges: check reads around each (offsets of the other one fail
	 * too, so check them with one pass per range set). */
	int64_t leo2 = plog_log_end_offset(plog);
	for (int64_t o = 0; o < leo2; o++) {
		plog_read_t rd;
		fjord_err_t err = plog_read(plog, o, 1 << 20, leo2, &rd);
		int bad = (o >= 6 && o <= 8) || (o >= cr[1].first_offset && o <= cr[1].last_offset);
		ck_assert_msg(err == (bad ? FJORD_ERR_CORRUPT_MESSAGE : FJORD_ERR_NO_ERROR),
		              "offset %lld: %s", (long long)o, fjord_err2name(err));
	}
	/* Retention of segment 0 forgets its range. */
	plog_set_high_watermark(plog, leo);
	log_config_t c2 = cfg;
	c2.retention_bytes = plog_size_bytes(plog) - st12_size(seg0);
	plog_set_config(plog, &c2);
	ck_assert_int_eq(plog_apply_retention(plog, 0), 1);
	ck_assert_int_eq(plog_corrupt_range_count(plog), 1);
	logmgr_close(mgr, 1);
	mgr = st12_open(dir, 1, &cfg);
	plog = logmgr_get(mgr, "rec", 0);
	ck_assert_int_eq(plog_corrupt_range_count(plog), 1);
	logmgr_close(mgr, 1);
}
END_TEST

/* The active segment: damage followed by intact batches is kept, a partial
 * batch after the last intact one is cut. */
START_TEST(st12_active_corrupt_and_torn)
{
	log_config_t cfg;
	log_config_defaults(&cfg);
	char *dir = st12_dir();
	logmgr_t *mgr = st12_open(dir, 1, &cfg);
	plog_t *plog = st12_log(mgr);
	st12_append(plog, 10);
	int64_t leo = plog_log_end_offset(plog);
	logmgr_close(mgr, 0);
	const char *log = st12_seg(dir, 0, ".log");
	off_t good = st12_size(log);
	st12_flip(log, st12_batch_pos(log, 3) + RB_HEADER_SIZE + 6, 0x10);
	size_t blen;
	uint8_t *b = st12_batch(3, &blen);
	int fd = open(log, O_RDWR);
	ck_assert_int_eq(pwrite(fd, b, blen - 7, good), (ssize_t)(blen - 7));
	close(fd);
	mgr = st12_open(dir, 1, &cfg);
	plog = logmgr_get(mgr, "rec", 0);
	ck_assert_int_eq(plog_log_end_offset(plog), leo);
	ck_assert_int_eq(st12_size(log), good);
	ck_assert_int_eq(plog_corrupt_range_count(plog), 1);
	st12_check_around(plog, 9, 11);
	free(b);
	logmgr_close(mgr, 1);
}
END_TEST

void test_0012(TCase *tc)
{
	tcase_add_test(tc, st12_garbage_tail);
	tcase_add_test(tc, st12_half_batch_tail);
	tcase_add_test(tc, st12_flipped_byte_tail);
	tcase_add_test(tc, st12_index_rebuilt);
	tcase_add_test(tc, st12_clean_shutdown_skips_scan);
	tcase_add_test(tc, st12_lock_and_meta);
	tcase_add_test(tc, st12_flush_off_loop);
	tcase_add_test(tc, st12_logmgr_dirs);
	tcase_add_test(tc, st12_mid_segment_crc_flip);
	tcase_add_test(tc, st12_mid_segment_length_flip);
	tcase_add_test(tc, st12_older_segments);
	tcase_add_test(tc, st12_active_corrupt_and_torn);
}
