/*
 * 0150-unit-log-cleaner — log compaction on a partition log in a tmpdir
 * (storage/log_cleaner.h), the cleaner's pass and the loop's install, on
 * real segment files written by plog_append_leader.
 *
 * - the offset map: latest offset per key, full at 90%, a new key refused
 *   when full, an old key still updated;
 * - a pass keeps exactly the latest record of every key, at its original
 *   offset; every batch read back passes rb_validate (CRC) and decodes;
 *   consecutive small segments are merged; the log reopens (with a
 *   recovery scan) to the same records; what was counted acknowledged is
 *   compared with what is read back;
 * - compressed batches (gzip, snappy, lz4, zstd) come back with their codec;
 * - a batch with gaps is valid for rb_validate, refused for a producer
 *   (record_validate);
 * - an idempotent producer whose records were all superseded keeps its last
 *   batch (empty), so its state survives a reopen without snapshots;
 * - tombstones stay until their batch is older than delete.retention.ms,
 *   then go (and the older values of their key with them);
 * - a map too small for the dirty range cleans in two passes, the first
 *   ending where the map filled, losing nothing;
 * - a truncation between hand-over and install drops the result (no .swap
 *   left, the log untouched);
 * - what is cleanable (high watermark, min.compaction.lag.ms, the dirty
 *   share from the clean point); the I/O throttle bounds a pass's rate;
 * - a SIGKILL at each swap step (FJORD_CLEANER_CRASH_AT, in a forked child)
 *   and a reopen: the old or the new segment set, every latest value there.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/record_batch.h"
#include "common/record_validate.h"
#include "storage/log_cleaner.h"
#include "storage/plog.h"
#include "test.h"

#define T150_KEYS 100
#define T150_ROUNDS 20

static char *t150_dir(void)
{
	static char path[600];
	snprintf(path, sizeof(path), "%s/s150-XXXXXX", test_tmpdir());
	ck_assert_ptr_nonnull(mkdtemp(path));
	return strdup(path);
}

static int64_t t150_clock_ms = 1700000000000LL;
static int64_t t150_clock(void *arg)
{
	(void)arg;
	return t150_clock_ms;
}

static plog_t *t150_open(const char *dir, int64_t segment_bytes, int needs_recovery)
{
	char errstr[512];
	plog_t *plog = NULL;
	log_config_t cfg;
	log_config_defaults(&cfg);
	cfg.segment_bytes = segment_bytes;
	cfg.index_interval_bytes = 256;
	ck_assert_msg(
	    plog_open(dir, "c", 0, &cfg, 0, -1, needs_recovery, &plog, errstr, sizeof(errstr)) == 0,
	    "%s", errstr);
	plog_set_clock(plog, t150_clock, NULL);
	return plog;
}

/* Appends one batch of n records: key "k<key0+i>" (or null with key0 < 0),
 * value "v<key>-<round>" or null (tombstone), timestamp ts. Returns the
 * first offset. */
static int64_t t150_append(plog_t *plog, int key0, int n, int round, int tombstone,
                           rb_codec_t codec, int64_t ts, int64_t pid, int32_t seq)
{
	rb_builder_t b;
	const uint8_t *batch;
	size_t len;
	rb_builder_init(&b, codec, -1);
	for (int i = 0; i < n; i++) {
		char key[32], val[64];
		int kl = snprintf(key, sizeof(key), "k%d", key0 + i);
		int vl = snprintf(val, sizeof(val), "v%d-%d", key0 + i, round);
		ck_assert_int_eq(rb_builder_add(&b, ts, key0 >= 0 ? key : NULL, (size_t)kl,
		                                tombstone ? NULL : val, (size_t)vl, NULL, 0),
		                 0);
	}
	if (pid >= 0)
		rb_builder_set_producer(&b, pid, 0, seq);
	ck_assert_int_eq(rb_builder_finish(&b, &batch, &len), 0);
	uint8_t *buf = malloc(len);
	memcpy(buf, batch, len);
	rb_builder_destroy(&b);
	record_scratch_t scratch;
	record_scratch_init(&scratch, 0);
	plog_append_info_t info;
	char why[256] = "";
	fjord_err_t err = plog_append_leader(plog, buf, len, 1, &scratch, &info, why, sizeof(why));
	ck_assert_msg(err == FJORD_ERR_NO_ERROR, "append: %s: %s", fjord_err2name(err), why);
	record_scratch_free(&scratch);
	free(buf);
	plog_set_high_watermark(plog, plog_log_end_offset(plog));
	return info.first_offset;
}

/* What a read-back found. */
typedef struct t150_rec {
	int64_t offset;
	char key[32];
	char val[64]; /* "" for a tombstone */
	int tombstone;
} t150_rec_t;

typedef struct t150_read {
	t150_rec_t *recs;
	size_t cnt, cap;
	int batches, empty_batches;
	int codec_seen[5];
} t150_read_t;

/* Reads the whole log through plog_read: every batch CRC-checked and
 * decoded, offsets strictly increasing. */
static void t150_read_all(plog_t *plog, t150_read_t *out)
{
	memset(out, 0, sizeof(*out));
	int64_t off = plog_log_start_offset(plog), last = -1;
	rb_reader_t rr;
	rb_reader_init(&rr);
	for (;;) {
		plog_read_t r;
		ck_assert_int_eq(plog_read(plog, off, 1 << 20, plog_log_end_offset(plog), &r),
		                 FJORD_ERR_NO_ERROR);
		if (r.length == 0)
			break;
		uint8_t *buf = malloc(r.length);
		ck_assert_int_eq(pread(r.fd, buf, r.length, r.position), (ssize_t)r.length);
		rb_iter_t it;
		const uint8_t *batch;
		size_t size;
		int n;
		rb_iter_init(&it, buf, r.length, 1, 0);
		while ((n = rb_iter_next(&it, &batch, &size)) == 1) {
			rb_record_t rec;
			int m;
			out->batches++;
			if (rb_records_count(batch) == 0)
				out->empty_batches++;
			else
				out->codec_seen[rb_attributes(batch) & RB_ATTR_CODEC_MASK]++;
			ck_assert_int_gt(rb_base_offset(batch), last);
			ck_assert_int_eq(rb_reader_open(&rr, batch, size), 0);
			while ((m = rb_reader_next(&rr, &rec)) == 1) {
				ck_assert_int_gt(rec.offset, last);
				last = rec.offset;
				if (out->cnt == out->cap) {
					out->cap = out->cap ? out->cap * 2 : 256;
					out->recs =
					    realloc(out->recs, out->cap * sizeof(*out->recs));
				}
				t150_rec_t *t = &out->recs[out->cnt++];
				memset(t, 0, sizeof(*t));
				t->offset = rec.offset;
				if (rec.key)
					snprintf(t->key, sizeof(t->key), "%.*s", (int)rec.key_len,
					         rec.key);
				t->tombstone = rec.value == NULL;
				if (rec.value)
					snprintf(t->val, sizeof(t->val), "%.*s", (int)rec.value_len,
					         rec.value);
			}
			ck_assert_msg(m == 0, "record decode: %s", rr.errmsg);
			if (rb_last_offset(batch) > last)
				last = rb_last_offset(batch);
		}
		ck_assert_msg(n == 0, "batch: %s", it.errmsg ? it.errmsg : "?");
		free(buf);
		off = r.next_offset;
	}
	rb_reader_destroy(&rr);
}

/* One pass: job, clean, install. Returns the new clean point. */
static int64_t t150_pass(plog_t *plog, int64_t first_dirty, size_t map_bytes,
                         int64_t delete_retention_ms, cleaner_stats_t *stats)
{
	cleaner_job_t job;
	cleaner_result_t res;
	cleaner_map_t map;
	char errstr[512];
	int r = plog_cleaner_job(plog, t150_clock_ms, 0, first_dirty, delete_retention_ms, &job);
	ck_assert_int_ge(r, 0);
	if (r == 0)
		return first_dirty;
	ck_assert_int_eq(cleaner_map_init(&map, map_bytes), 0);
	ck_assert_msg(log_cleaner_clean(&job, &map, NULL, &res, errstr, sizeof(errstr)) == 0,
	              "clean: %s", errstr);
	ck_assert_int_eq(plog_cleaner_install(plog, &job, &res), 1);
	if (stats)
		*stats = res.stats;
	int64_t fd = res.first_dirty;
	cleaner_result_free(&res);
	cleaner_job_free(&job);
	cleaner_map_free(&map);
	return fd;
}

/* Writes T150_ROUNDS rounds over T150_KEYS keys, batches of 5 keys; latest
 * offset of each key in latest[]. Rolls at the end (everything cleanable). */
static void t150_changelog(plog_t *plog, int64_t latest[T150_KEYS], rb_codec_t codec)
{
	for (int round = 0; round < T150_ROUNDS; round++)
		for (int k = 0; k < T150_KEYS; k += 5) {
			int64_t first =
			    t150_append(plog, k, 5, round, 0, codec, t150_clock_ms, -1, -1);
			for (int i = 0; i < 5; i++)
				latest[k + i] = first + i;
		}
	ck_assert_int_eq(plog_roll(plog), 0);
}

/* Every key once, with its last round's value at its latest offset. */
static void t150_expect_latest(const t150_read_t *rd, const int64_t latest[T150_KEYS], int exact)
{
	int seen[T150_KEYS] = { 0 };
	for (size_t i = 0; i < rd->cnt; i++) {
		int k = atoi(rd->recs[i].key + 1);
		ck_assert_int_lt(k, T150_KEYS);
		if (rd->recs[i].offset != latest[k]) {
			ck_assert_msg(!exact, "key k%d at offset %lld survived, latest is %lld", k,
			              (long long)rd->recs[i].offset, (long long)latest[k]);
			continue;
		}
		char want[64];
		snprintf(want, sizeof(want), "v%d-%d", k, T150_ROUNDS - 1);
		ck_assert_str_eq(rd->recs[i].val, want);
		seen[k]++;
	}
	for (int k = 0; k < T150_KEYS; k++)
		ck_assert_msg(seen[k] == 1, "key k%d: latest value seen %d times", k, seen[k]);
}

static int t150_count_suffix(const char *dir, const char *suffix)
{
	int n = 0;
	DIR *d = opendir(dir);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t a = strlen(de->d_name), b = strlen(suffix);
		n += a >= b && strcmp(de->d_name + a - b, suffix) == 0;
	}
	closedir(d);
	return n;
}

START_TEST(t150_map)
{
	cleaner_map_t m;
	ck_assert_int_eq(cleaner_map_init(&m, 64 * CLEANER_MAP_SLOT_SIZE), 0);
	ck_assert_uint_eq(m.slot_cnt, 64);
	size_t i;
	for (i = 0;; i++) {
		char k[16];
		int n = snprintf(k, sizeof(k), "key%zu", i);
		if (cleaner_map_put(&m, k, (size_t)n, (int64_t)i) < 0)
			break;
	}
	ck_assert_uint_eq(i, m.max_used);
	ck_assert_uint_ge(i, 64 * 8 / 10);
	/* Full: a new key is refused, a known one still updated (never down). */
	ck_assert_int_eq(cleaner_map_put(&m, "new", 3, 5), -1);
	ck_assert_int_eq(cleaner_map_get(&m, "new", 3), -1);
	ck_assert_int_eq(cleaner_map_put(&m, "key3", 4, 1000), 0);
	ck_assert_int_eq(cleaner_map_get(&m, "key3", 4), 1000);
	ck_assert_int_eq(cleaner_map_put(&m, "key3", 4, 7), 0);
	ck_assert_int_eq(cleaner_map_get(&m, "key3", 4), 1000);
	ck_assert_int_eq(cleaner_map_get(&m, "key4", 4), 4);
	ck_assert_int_eq(cleaner_map_get(&m, "key", 3), -1);
	ck_assert_int_eq(cleaner_map_put(&m, "", 0, 9), -1); /* the empty key is a key too */
	cleaner_map_clear(&m);
	ck_assert_int_eq(cleaner_map_put(&m, "", 0, 9), 0);
	ck_assert_int_eq(cleaner_map_get(&m, "", 0), 9);
	ck_assert_int_eq(cleaner_map_get(&m, "key3", 4), -1);
	cleaner_map_free(&m);
}
END_TEST

START_TEST(t150_latest_survives)
{
	char *dir = t150_dir();
	plog_t *plog = t150_open(dir, 4096, 0);
	int64_t latest[T150_KEYS];
	t150_changelog(plog, latest, RB_CODEC_NONE);
	int segs_before = plog_segment_count(plog);
	int64_t leo = plog_log_end_offset(plog);
	ck_assert_int_eq(leo, T150_KEYS * T150_ROUNDS);
	t150_read_t rd;
	t150_read_all(plog, &rd);
	ck_assert_uint_eq(rd.cnt, (size_t)leo);
	free(rd.recs);

	cleaner_stats_t st;
	int64_t clean_point = t150_pass(plog, 0, 1 << 20, INT64_MAX, &st);
	ck_assert_int_eq(clean_point, leo);
	ck_assert_int_eq(st.records_read, leo);
	ck_assert_int_eq(st.records_removed, leo - T150_KEYS);
	ck_assert_int_lt(st.bytes_written, st.bytes_read);
	test_say("0150: %d segments of %lld records -> %d segments, %lld bytes read, %lld written",
	         segs_before, (long long)leo, plog_segment_count(plog), (long long)st.bytes_read,
	         (long long)st.bytes_written);
	ck_assert_int_eq(plog_log_end_offset(plog), leo);
	ck_assert_int_eq(plog_log_start_offset(plog), 0);
	t150_read_all(plog, &rd);
	ck_assert_uint_eq(rd.cnt, T150_KEYS);
	t150_expect_latest(&rd, latest, 1);
	free(rd.recs);

	/* A second pass over a clean log changes nothing. */
	ck_assert_int_eq(t150_pass(plog, clean_point, 1 << 20, INT64_MAX, NULL), clean_point);

	/* New updates, another pass from the clean point. */
	for (int k = 0; k < T150_KEYS; k += 5) {
		int64_t first = t150_append(plog, k, 5, T150_ROUNDS - 1, 0, RB_CODEC_NONE,
		                            t150_clock_ms, -1, -1);
		for (int i = 0; i < 5; i++)
			latest[k + i] = first + i;
	}
	ck_assert_int_eq(plog_roll(plog), 0);
	ck_assert_int_eq(t150_pass(plog, clean_point, 1 << 20, INT64_MAX, NULL),
	                 plog_log_end_offset(plog));
	/* Every pass rewrites from the log start: the small cleaned segments
	 * merge (segment.bytes 4096). */
	test_say("0150: second pass: %d segments", plog_segment_count(plog));
	ck_assert_int_lt(plog_segment_count(plog), segs_before / 2);
	t150_read_all(plog, &rd);
	ck_assert_uint_eq(rd.cnt, T150_KEYS);
	t150_expect_latest(&rd, latest, 1);
	free(rd.recs);

	/* Reopen with a full recovery scan (CRCs, indexes): the same. */
	plog_close(plog, 1);
	plog = t150_open(dir, 4096, 1);
	ck_assert_int_eq(plog_log_end_offset(plog), leo + T150_KEYS);
	plog_set_high_watermark(plog, plog_log_end_offset(plog));
	t150_read_all(plog, &rd);
	ck_assert_uint_eq(rd.cnt, T150_KEYS);
	t150_expect_latest(&rd, latest, 1);
	free(rd.recs);
	plog_close(plog, 0);
	free(dir);
}
END_TEST

START_TEST(t150_compressed)
{
	static const rb_codec_t codecs[] = { RB_CODEC_GZIP, RB_CODEC_SNAPPY, RB_CODEC_LZ4,
		                             RB_CODEC_ZSTD };
	for (size_t c = 0; c < 4; c++) {
		char *dir = t150_dir();
		plog_t *plog = t150_open(dir, 8192, 0);
		int64_t latest[T150_KEYS];
		t150_changelog(plog, latest, codecs[c]);
		t150_pass(plog, 0, 1 << 20, INT64_MAX, NULL);
		t150_read_t rd;
		t150_read_all(plog, &rd);
		ck_assert_uint_eq(rd.cnt, T150_KEYS);
		t150_expect_latest(&rd, latest, 1);
		/* Every batch with records is still in its codec. */
		ck_assert_int_gt(rd.codec_seen[codecs[c]], 0);
		ck_assert_int_eq(rd.codec_seen[RB_CODEC_NONE], 0);
		free(rd.recs);
		plog_close(plog, 0);
		free(dir);
	}
}
END_TEST

START_TEST(t150_gaps)
{
	/* A batch of 5 records of which 2 are kept, built as the cleaner does. */
	rb_builder_t b, r;
	const uint8_t *orig, *nb;
	size_t olen, nlen;
	rb_builder_init(&b, RB_CODEC_NONE, -1);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(rb_builder_add(&b, 100 + i, "k", 1, "v", 1, NULL, 0), 0);
	ck_assert_int_eq(rb_builder_finish(&b, &orig, &olen), 0);
	rb_builder_init(&r, RB_CODEC_NONE, -1);
	ck_assert_int_eq(rb_builder_add_at(&r, 1, 101, "a", 1, "x", 1, NULL, 0), 0);
	ck_assert_int_eq(rb_builder_add_at(&r, 1, 102, "b", 1, "y", 1, NULL, 0), -1);
	ck_assert_int_eq(rb_builder_add_at(&r, 3, 103, "b", 1, "y", 1, NULL, 0), 0);
	ck_assert_int_eq(rb_builder_finish_like(&r, orig, &nb, &nlen), 0);
	ck_assert_int_eq(rb_validate(nb, nlen, NULL), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(rb_records_count(nb), 2);
	ck_assert_int_eq(rb_last_offset_delta(nb), 4);
	ck_assert_int_eq(rb_base_timestamp(nb), 101);
	ck_assert_int_eq(rb_max_timestamp(nb), 103);
	rb_reader_t rd;
	rb_record_t rec;
	rb_reader_init(&rd);
	ck_assert_int_eq(rb_reader_open(&rd, nb, nlen), 0);
	ck_assert_int_eq(rb_reader_next(&rd, &rec), 1);
	ck_assert_int_eq(rec.offset, 1);
	ck_assert_int_eq(rb_reader_next(&rd, &rec), 1);
	ck_assert_int_eq(rec.offset, 3);
	ck_assert_int_eq(rb_reader_next(&rd, &rec), 0);
	rb_reader_destroy(&rd);
	/* A producer may not send such a batch. */
	record_scratch_t sc;
	char why[256];
	record_scratch_init(&sc, 0);
	ck_assert_int_eq(record_validate(nb, nlen, &sc, NULL, why, sizeof(why)),
	                 FJORD_ERR_INVALID_RECORD);
	ck_assert_ptr_nonnull(strstr(why, "lastOffsetDelta"));
	record_scratch_free(&sc);
	/* Nothing kept: the empty batch still covers offsets 0-4. */
	rb_builder_reset(&r);
	ck_assert_int_eq(rb_builder_finish_like(&r, orig, &nb, &nlen), 0);
	ck_assert_uint_eq(nlen, RB_HEADER_SIZE);
	ck_assert_int_eq(rb_validate(nb, nlen, NULL), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(rb_last_offset(nb), 4);
	ck_assert_int_eq(rb_records_count(nb), 0);
	rb_builder_destroy(&r);
	rb_builder_destroy(&b);
}
END_TEST

static void t150_remove_snapshots(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".snapshot")) {
			char p[1024];
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			unlink(p);
		}
	closedir(d);
}

START_TEST(t150_producer_last_batch)
{
	char *dir = t150_dir();
	plog_t *plog = t150_open(dir, 4096, 0);
	/* Producer 7 writes keys 0-4 three times (sequences 0, 5, 10), then a
	 * plain producer supersedes all of them. */
	for (int i = 0; i < 3; i++)
		t150_append(plog, 0, 5, i, 0, RB_CODEC_NONE, t150_clock_ms, 7, i * 5);
	t150_append(plog, 0, 5, 9, 0, RB_CODEC_NONE, t150_clock_ms, -1, -1);
	ck_assert_int_eq(plog_roll(plog), 0);
	t150_pass(plog, 0, 1 << 20, INT64_MAX, NULL);
	t150_read_t rd;
	t150_read_all(plog, &rd);
	ck_assert_uint_eq(rd.cnt, 5);
	ck_assert_int_eq(rd.empty_batches, 1); /* producer 7's last */
	free(rd.recs);
	/* Without snapshots the state comes from the batch headers alone. */
	plog_close(plog, 1);
	t150_remove_snapshots(dir);
	plog = t150_open(dir, 4096, 1);
	plog_set_high_watermark(plog, plog_log_end_offset(plog));
	t150_append(plog, 10, 1, 0, 0, RB_CODEC_NONE, t150_clock_ms, 7, 15);
	plog_close(plog, 0);
	free(dir);
}
END_TEST

START_TEST(t150_tombstones)
{
	char *dir = t150_dir();
	plog_t *plog = t150_open(dir, 4096, 0);
	int64_t t0 = t150_clock_ms;
	t150_append(plog, 0, 5, 0, 0, RB_CODEC_NONE, t0, -1, -1);      /* k0-k4 */
	t150_append(plog, 5, 5, 0, 0, RB_CODEC_NONE, t0, -1, -1);      /* k5-k9 */
	t150_append(plog, 0, 3, 1, 1, RB_CODEC_NONE, t0 + 10, -1, -1); /* k0-k2 deleted */
	t150_append(plog, 5, 5, 1, 0, RB_CODEC_NONE, t0 + 1000, -1, -1);
	ck_assert_int_eq(plog_roll(plog), 0);
	/* delete.retention.ms 500, now t0 + 100: the tombstones stay, the
	 * values they delete go. */
	t150_clock_ms = t0 + 100;
	int64_t cp = t150_pass(plog, 0, 1 << 20, 500, NULL);
	t150_read_t rd;
	t150_read_all(plog, &rd);
	ck_assert_uint_eq(rd.cnt, 10);
	int tomb = 0;
	for (size_t i = 0; i < rd.cnt; i++) {
		tomb += rd.recs[i].tombstone;
		if (atoi(rd.recs[i].key + 1) < 3)
			ck_assert_int_eq(rd.recs[i].tombstone, 1);
	}
	ck_assert_int_eq(tomb, 3);
	free(rd.recs);
	/* Later than delete.retention.ms after the tombstones' batch: they go,
	 * the rest stays (the batch at t0 + 1000 is not that old yet either,
	 * and holds no tombstone). */
	t150_clock_ms = t0 + 10 + 501;
	cleaner_stats_t st;
	t150_pass(plog, 0, 1 << 20, 500, &st);
	(void)cp;
	ck_assert_int_eq(st.tombstones_removed, 3);
	t150_read_all(plog, &rd);
	ck_assert_uint_eq(rd.cnt, 7);
	for (size_t i = 0; i < rd.cnt; i++) {
		ck_assert_int_eq(rd.recs[i].tombstone, 0);
		ck_assert_int_ge(atoi(rd.recs[i].key + 1), 3);
	}
	free(rd.recs);
	ck_assert_int_eq(plog_log_end_offset(plog), 18);
	plog_close(plog, 0);
	t150_clock_ms = t0;
	free(dir);
}
END_TEST

START_TEST(t150_map_bound)
{
	char *dir = t150_dir();
	plog_t *plog = t150_open(dir, 4096, 0);
	int64_t latest[T150_KEYS];
	/* Keys 0-49 ten times, then keys 50-99 ten times. */
	for (int half = 0; half < 2; half++)
		for (int round = 0; round < T150_ROUNDS; round++)
			for (int k = half * 50; k < half * 50 + 50; k += 5) {
				int64_t first = t150_append(plog, k, 5, round, 0, RB_CODEC_NONE,
				                            t150_clock_ms, -1, -1);
				for (int i = 0; i < 5; i++)
					latest[k + i] = first + i;
			}
	ck_assert_int_eq(plog_roll(plog), 0);
	int64_t leo = plog_log_end_offset(plog);
	/* 64 slots: 57 keys fit; the first half's 50 do, all 100 do not. */
	size_t bytes = 64 * CLEANER_MAP_SLOT_SIZE;
	int64_t cp = t150_pass(plog, 0, bytes, INT64_MAX, NULL);
	ck_assert_int_ge(cp, leo / 2 + 5);
	ck_assert_int_lt(cp, leo);
	t150_read_t rd;
	t150_read_all(plog, &rd);
	/* The first half is clean, the second not yet. */
	ck_assert_uint_gt(rd.cnt, T150_KEYS);
	ck_assert_uint_eq(rd.cnt, (size_t)leo / 2 + 50);
	t150_expect_latest(&rd, latest, 0);
	free(rd.recs);
	int64_t n = t150_pass(plog, cp, bytes, INT64_MAX, NULL);
	ck_assert_int_eq(n, leo);
	t150_read_all(plog, &rd);
	ck_assert_uint_eq(rd.cnt, T150_KEYS);
	t150_expect_latest(&rd, latest, 1);
	free(rd.recs);

	/* A map that cannot hold one batch's keys: refused, nothing changed. */
	cleaner_job_t job;
	cleaner_result_t res;
	cleaner_map_t map;
	char errstr[256];
	t150_append(plog, 0, 20, 99, 0, RB_CODEC_NONE, t150_clock_ms, -1, -1);
	ck_assert_int_eq(plog_roll(plog), 0);
	ck_assert_int_eq(plog_cleaner_job(plog, t150_clock_ms, 0, leo, INT64_MAX, &job), 1);
	ck_assert_int_eq(cleaner_map_init(&map, 16 * CLEANER_MAP_SLOT_SIZE), 0);
	ck_assert_int_eq(log_cleaner_clean(&job, &map, NULL, &res, errstr, sizeof(errstr)),
	                 -ENOSPC);
	ck_assert_ptr_nonnull(strstr(errstr, "log.cleaner.dedupe.buffer.size"));
	ck_assert_int_eq(t150_count_suffix(dir, ".swap"), 0);
	ck_assert_int_eq(t150_count_suffix(dir, ".cleaned"), 0);
	cleaner_job_free(&job);
	cleaner_map_free(&map);
	plog_close(plog, 0);
	free(dir);
}
END_TEST

START_TEST(t150_stale_generation)
{
	char *dir = t150_dir();
	plog_t *plog = t150_open(dir, 4096, 0);
	int64_t latest[T150_KEYS];
	t150_changelog(plog, latest, RB_CODEC_NONE);
	int64_t leo = plog_log_end_offset(plog);
	cleaner_job_t job;
	cleaner_result_t res;
	cleaner_map_t map;
	char errstr[256];
	ck_assert_int_eq(plog_cleaner_job(plog, t150_clock_ms, 0, 0, INT64_MAX, &job), 1);
	ck_assert_int_eq(cleaner_map_init(&map, 1 << 20), 0);
	ck_assert_int_eq(log_cleaner_clean(&job, &map, NULL, &res, errstr, sizeof(errstr)), 0);
	ck_assert_int_gt(t150_count_suffix(dir, ".log.swap"), 0);
	/* A follower's truncation meanwhile: the pass's .swap files go at once
	 * (a crash now must not let recovery finish a stale swap). */
	ck_assert_int_eq(plog_truncate_to(plog, leo - 10), 0);
	ck_assert_int_eq(t150_count_suffix(dir, ".swap"), 0);
	ck_assert_int_eq(plog_cleaner_install(plog, &job, &res), 0);
	ck_assert_int_eq(t150_count_suffix(dir, ".swap"), 0);
	plog_set_high_watermark(plog, plog_log_end_offset(plog));
	t150_read_t rd;
	t150_read_all(plog, &rd);
	ck_assert_uint_eq(rd.cnt, (size_t)(leo - 10));
	free(rd.recs);
	cleaner_result_free(&res);
	cleaner_job_free(&job);
	cleaner_map_free(&map);
	plog_close(plog, 0);
	free(dir);
}
END_TEST

START_TEST(t150_crash_at_each_step)
{
	static const char *const steps[] = { "cleaned", "swap", "deleted", "installed" };
	for (size_t s = 0; s < 4; s++) {
		char *dir = t150_dir();
		plog_t *plog = t150_open(dir, 4096, 0);
		int64_t latest[T150_KEYS];
		t150_changelog(plog, latest, RB_CODEC_LZ4);
		int64_t leo = plog_log_end_offset(plog);
		plog_close(plog, 1);
		fflush(NULL);
		pid_t pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			setenv("FJORD_CLEANER_CRASH_AT", steps[s], 1);
			plog = t150_open(dir, 4096, 0);
			plog_set_high_watermark(plog, plog_log_end_offset(plog));
			t150_pass(plog, 0, 1 << 20, INT64_MAX, NULL);
			_exit(3); /* the crash point was not reached */
		}
		int status = 0;
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		              "step %s: the child was not killed there (status 0x%x)", steps[s],
		              status);
		/* Restart: recovery finishes or drops the swap. */
		plog = t150_open(dir, 4096, 1);
		ck_assert_int_eq(plog_log_end_offset(plog), leo);
		ck_assert_int_eq(t150_count_suffix(dir, ".swap"), 0);
		ck_assert_int_eq(t150_count_suffix(dir, ".cleaned"), 0);
		plog_set_high_watermark(plog, leo);
		t150_read_t rd;
		t150_read_all(plog, &rd);
		test_say("0150: SIGKILL at \"%s\": %zu records after recovery", steps[s], rd.cnt);
		/* The old set (every record) before the swap is durable, the
		 * new one (one per key) after: never something between. */
		if (s == 0)
			ck_assert_uint_eq(rd.cnt, (size_t)leo);
		else
			ck_assert_uint_eq(rd.cnt, T150_KEYS);
		t150_expect_latest(&rd, latest, s != 0);
		free(rd.recs);
		plog_close(plog, 0);
		free(dir);
	}
}
END_TEST

START_TEST(t150_range)
{
	/* What is cleanable: closed segments below the high watermark whose
	 * newest record is min.compaction.lag.ms old; dirty bytes from the
	 * segment holding the clean point. */
	char *dir = t150_dir();
	plog_t *plog = t150_open(dir, 4096, 0);
	int64_t t0 = t150_clock_ms;
	int64_t cleanable, dirty, oldest;
	t150_append(plog, 0, 5, 0, 0, RB_CODEC_NONE, t0 - 10000, -1, -1);
	ck_assert_int_eq(plog_roll(plog), 0);
	t150_append(plog, 0, 5, 1, 0, RB_CODEC_NONE, t0 - 5000, -1, -1);
	ck_assert_int_eq(plog_roll(plog), 0);
	t150_append(plog, 0, 5, 2, 0, RB_CODEC_NONE, t0 - 100, -1, -1);
	ck_assert_int_eq(plog_roll(plog), 0);
	t150_append(plog, 0, 5, 3, 0, RB_CODEC_NONE, t0, -1, -1); /* active */
	ck_assert_uint_eq(plog_cleaner_range(plog, t0, 0, 0, &cleanable, &dirty, &oldest), 3);
	ck_assert_int_eq(cleanable, dirty);
	ck_assert_int_eq(oldest, t0 - 10000);
	/* min.compaction.lag.ms 1000: the segment at t0 - 100 is too young. */
	ck_assert_uint_eq(plog_cleaner_range(plog, t0, 1000, 0, &cleanable, &dirty, &oldest), 2);
	/* From the clean point 5 (the second segment) on: half is dirty. */
	ck_assert_uint_eq(plog_cleaner_range(plog, t0, 1000, 5, &cleanable, &dirty, &oldest), 2);
	ck_assert_int_eq(dirty * 2, cleanable);
	ck_assert_int_eq(oldest, t0 - 5000);
	/* Below the high watermark only. */
	plog_set_high_watermark(plog, 7);
	ck_assert_uint_eq(plog_cleaner_range(plog, t0, 0, 0, &cleanable, &dirty, &oldest), 1);
	/* A job over a lag-bounded range leaves the young segment alone. */
	plog_set_high_watermark(plog, plog_log_end_offset(plog));
	cleaner_job_t job;
	ck_assert_int_eq(plog_cleaner_job(plog, t0, 1000, 0, INT64_MAX, &job), 1);
	ck_assert_uint_eq(job.seg_cnt, 2);
	/* One pass per log at a time. */
	cleaner_job_t again;
	ck_assert_int_eq(plog_cleaner_job(plog, t0, 1000, 0, INT64_MAX, &again), 0);
	/* Turning compaction off makes the pass stale. */
	log_config_t cfg = *plog_config(plog);
	cfg.cleanup_policy = LOG_CLEANUP_COMPACT;
	plog_set_config(plog, &cfg);
	cfg.cleanup_policy = LOG_CLEANUP_DELETE;
	plog_set_config(plog, &cfg);
	ck_assert_int_eq(job.token->stale, 1);
	cleaner_job_free(&job);
	plog_close(plog, 0);
	free(dir);
}
END_TEST

START_TEST(t150_throttle)
{
	/* log.cleaner.io.max.bytes.per.second: a pass at 100 kB/s over about
	 * 110 KB takes at least that long (a lower bound: the throttle sleeps,
	 * and sleeps do not end early). */
	char *dir = t150_dir();
	plog_t *plog = t150_open(dir, 4096, 0);
	int64_t latest[T150_KEYS];
	t150_changelog(plog, latest, RB_CODEC_NONE);
	cleaner_job_t job;
	cleaner_result_t res;
	cleaner_map_t map;
	cleaner_throttle_t th;
	char errstr[256];
	cleaner_throttle_init(&th, 1e5);
	ck_assert_int_eq(plog_cleaner_job(plog, t150_clock_ms, 0, 0, INT64_MAX, &job), 1);
	ck_assert_int_eq(cleaner_map_init(&map, 1 << 20), 0);
	int64_t t0 = test_now_ms();
	ck_assert_int_eq(log_cleaner_clean(&job, &map, &th, &res, errstr, sizeof(errstr)), 0);
	int64_t took = test_now_ms() - t0;
	int64_t bytes = res.stats.bytes_read + res.stats.bytes_written;
	test_say("0150: %lld bytes at 100 kB/s took %lld ms", (long long)bytes, (long long)took);
	ck_assert_int_ge(took * 100, bytes * 9 / 10);
	ck_assert_int_eq(plog_cleaner_install(plog, &job, &res), 1);
	cleaner_throttle_destroy(&th);
	cleaner_result_free(&res);
	cleaner_job_free(&job);
	cleaner_map_free(&map);
	plog_close(plog, 0);
	free(dir);
}
END_TEST

void test_0150(TCase *tc)
{
	tcase_add_test(tc, t150_throttle);
	tcase_add_test(tc, t150_range);
	tcase_add_test(tc, t150_map);
	tcase_add_test(tc, t150_latest_survives);
	tcase_add_test(tc, t150_compressed);
	tcase_add_test(tc, t150_gaps);
	tcase_add_test(tc, t150_producer_last_batch);
	tcase_add_test(tc, t150_tombstones);
	tcase_add_test(tc, t150_map_bound);
	tcase_add_test(tc, t150_stale_generation);
	tcase_add_test(tc, t150_crash_at_each_step);
}
