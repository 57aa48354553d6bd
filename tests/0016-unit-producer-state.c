/*
 * 0016-unit-producer-state — the idempotent producer's state of a
 * partition log (storage/producer_state.h) and its use by plog.
 *
 * - the module's rules: a new producer starts at sequence 0, else
 *   UNKNOWN_PRODUCER_ID; a retry of one of the last five batches is a
 *   duplicate carrying the original offsets, an older one is not; a gap is
 *   OUT_OF_ORDER_SEQUENCE_NUMBER; an older epoch INVALID_PRODUCER_EPOCH, a
 *   newer one must restart at 0; sequences wrap from INT32_MAX to 0;
 *   expiry drops idle producers only;
 * - plog: a leader's retry of a stored batch appends nothing and answers
 *   the original offsets; a gap, a stale epoch or an idempotent batch that
 *   is not alone in the payload appends nothing; a follower's append teaches
 *   the state (its retry is then a duplicate there too); after close and
 *   reopen (clean or recovering) the state is rebuilt from the segments;
 *   truncation forgets the batches above the cut; retention keeps the
 *   producers whose batches it deleted.
 * - snapshots: encode/decode round trip, a flipped or missing byte refused;
 *   a roll writes "<base>.snapshot"; reopening loads the newest valid one
 *   (a corrupt newest one is skipped for an older one) and replays the rest;
 *   a producer whose every batch retention deleted is still known after a
 *   restart; truncation removes the snapshots above the cut, retention
 *   those of deleted segments but the newest.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/crc32c.h"
#include "common/record_batch.h"
#include "storage/plog.h"
#include "storage/producer_snapshot.h"
#include "storage/producer_state.h"
#include "test.h"

static char *st16_dir(void)
{
	static char path[600];
	snprintf(path, sizeof(path), "%s/s16-XXXXXX", test_tmpdir());
	ck_assert_ptr_nonnull(mkdtemp(path));
	return path;
}

static plog_t *st16_open(const char *dir, const log_config_t *cfg, int needs_recovery)
{
	char errstr[512];
	plog_t *plog = NULL;
	ck_assert_msg(
	    plog_open(dir, "p", 0, cfg, 0, -1, needs_recovery, &plog, errstr, sizeof(errstr)) == 0,
	    "%s", errstr);
	return plog;
}

/* A batch of nrec records of producer pid (pid < 0: not idempotent),
 * malloc'd into *bufp; returns its size. */
static size_t st16_batch(uint8_t **bufp, int64_t pid, int16_t epoch, int32_t seq, int nrec)
{
	rb_builder_t b;
	const uint8_t *batch;
	size_t len;
	rb_builder_init(&b, RB_CODEC_NONE, -1);
	for (int i = 0; i < nrec; i++) {
		char val[32];
		int n = snprintf(val, sizeof(val), "v-%d-%d", seq, i);
		ck_assert_int_eq(rb_builder_add(&b, 1000 + i, NULL, 0, val, (size_t)n, NULL, 0), 0);
	}
	if (pid >= 0)
		rb_builder_set_producer(&b, pid, epoch, seq);
	ck_assert_int_eq(rb_builder_finish(&b, &batch, &len), 0);
	*bufp = malloc(len);
	ck_assert_ptr_nonnull(*bufp);
	memcpy(*bufp, batch, len);
	rb_builder_destroy(&b);
	return len;
}

/* The leader's append of one fresh batch; returns the error, info filled. */
static fjord_err_t st16_append(plog_t *plog, int64_t pid, int16_t epoch, int32_t seq, int nrec,
                               plog_append_info_t *info)
{
	uint8_t *buf;
	size_t len = st16_batch(&buf, pid, epoch, seq, nrec);
	char why[256] = "";
	record_scratch_t scratch;
	record_scratch_init(&scratch, 0);
	fjord_err_t err = plog_append_leader(plog, buf, len, 3, &scratch, info, why, sizeof(why));
	if (err)
		fprintf(stderr, "0016: append pid %lld seq %d: %s: %s\n", (long long)pid, (int)seq,
		        fjord_err2name(err), why);
	record_scratch_free(&scratch);
	free(buf);
	return err;
}

static pstate_append_t st16_a(int64_t pid, int16_t epoch, int32_t first, int32_t last)
{
	pstate_append_t a = {
		.producer_id = pid, .epoch = epoch, .first_seq = first, .last_seq = last
	};
	return a;
}

static fjord_err_t st16_check(const producer_state_t *ps, int64_t pid, int16_t epoch, int32_t first,
                              int32_t last, const pstate_batch_t **dup)
{
	char why[256];
	pstate_append_t a = st16_a(pid, epoch, first, last);
	return pstate_check(ps, &a, dup, why, sizeof(why));
}

START_TEST(st16_rules)
{
	producer_state_t ps;
	const pstate_batch_t *dup = NULL;
	pstate_init(&ps);

	/* Unknown producer: only sequence 0 starts it. */
	ck_assert_int_eq(st16_check(&ps, 7, 0, 0, 4, &dup), FJORD_ERR_NO_ERROR);
	ck_assert_ptr_null(dup);
	ck_assert_int_eq(st16_check(&ps, 7, 0, 5, 9, &dup), FJORD_ERR_UNKNOWN_PRODUCER_ID);
	ck_assert_int_eq(st16_check(&ps, 7, -1, 0, 4, &dup), FJORD_ERR_INVALID_RECORD);

	/* Six batches of five: the last five are retained. */
	for (int i = 0; i < 6; i++) {
		pstate_append_t a = st16_a(7, 0, i * 5, i * 5 + 4);
		ck_assert_int_eq(pstate_update(&ps, &a, 100 + i * 5, 104 + i * 5, 5000 + i), 0);
	}
	ck_assert_uint_eq(ps.cnt, 1);
	ck_assert_int_eq(pstate_find(&ps, 7)->batch_cnt, PSTATE_RETAINED_BATCHES);
	for (int i = 1; i < 6; i++) {
		ck_assert_int_eq(st16_check(&ps, 7, 0, i * 5, i * 5 + 4, &dup), FJORD_ERR_NO_ERROR);
		ck_assert_ptr_nonnull(dup);
		ck_assert_int_eq(dup->first_offset, 100 + i * 5);
		ck_assert_int_eq(dup->last_offset, 104 + i * 5);
	}
	/* The first batch fell out: its retry is out of order now. */
	ck_assert_int_eq(st16_check(&ps, 7, 0, 0, 4, &dup), FJORD_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
	ck_assert_ptr_null(dup);
	/* Next in sequence, and a gap. A range that only overlaps a retained
	 * batch is not a duplicate. */
	ck_assert_int_eq(st16_check(&ps, 7, 0, 30, 34, &dup), FJORD_ERR_NO_ERROR);
	ck_assert_ptr_null(dup);
	ck_assert_int_eq(st16_check(&ps, 7, 0, 31, 34, &dup),
	                 FJORD_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
	ck_assert_int_eq(st16_check(&ps, 7, 0, 25, 27, &dup),
	                 FJORD_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);

	/* Epochs: a newer one restarts at 0 and fences the older. */
	ck_assert_int_eq(st16_check(&ps, 7, 1, 30, 34, &dup),
	                 FJORD_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
	ck_assert_int_eq(st16_check(&ps, 7, 1, 0, 0, &dup), FJORD_ERR_NO_ERROR);
	ck_assert_ptr_null(dup);
	pstate_append_t a1 = st16_a(7, 1, 0, 0);
	ck_assert_int_eq(pstate_update(&ps, &a1, 200, 200, 6000), 0);
	ck_assert_int_eq(pstate_find(&ps, 7)->batch_cnt, 1);
	ck_assert_int_eq(st16_check(&ps, 7, 0, 30, 34, &dup), FJORD_ERR_INVALID_PRODUCER_EPOCH);
	/* The old epoch's batches are gone: same sequences, new epoch, no dup. */
	ck_assert_int_eq(st16_check(&ps, 7, 1, 25, 29, &dup),
	                 FJORD_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
	ck_assert_int_eq(st16_check(&ps, 7, 1, 0, 0, &dup), FJORD_ERR_NO_ERROR);
	ck_assert_ptr_nonnull(dup);
	ck_assert_int_eq(dup->first_offset, 200);

	/* Wrap: after a batch ending at INT32_MAX the next starts at 0. */
	pstate_append_t w = st16_a(3, 0, INT32_MAX - 1, INT32_MAX);
	ck_assert_int_eq(pstate_update(&ps, &w, 300, 301, 7000), 0);
	ck_assert_int_eq(st16_check(&ps, 3, 0, 0, 2, &dup), FJORD_ERR_NO_ERROR);
	ck_assert_ptr_null(dup);
	ck_assert_int_eq(st16_check(&ps, 3, 0, 1, 2, &dup), FJORD_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
	ck_assert_int_eq(st16_check(&ps, 3, 0, INT32_MAX - 1, INT32_MAX, &dup), FJORD_ERR_NO_ERROR);
	ck_assert_ptr_nonnull(dup);
	/* Entries stay sorted: producer 3 went in front of 7. */
	ck_assert_uint_eq(ps.cnt, 2);
	ck_assert_int_eq(ps.entries[0].producer_id, 3);
	ck_assert_ptr_nonnull(pstate_find(&ps, 7));

	/* Expiry drops only the idle one (3 last appended at 7000, 7 at 6000). */
	ck_assert_uint_eq(pstate_expire(&ps, 6600, 1000), 0);
	ck_assert_uint_eq(pstate_expire(&ps, 7500, 1000), 1);
	ck_assert_ptr_null(pstate_find(&ps, 7));
	ck_assert_ptr_nonnull(pstate_find(&ps, 3));
	ck_assert_int_eq(st16_check(&ps, 7, 1, 1, 1, &dup), FJORD_ERR_UNKNOWN_PRODUCER_ID);
	pstate_destroy(&ps);
}
END_TEST

/* The leader's retry of the batch at seq is a duplicate with these offsets. */
static void st16_assert_dup(plog_t *plog, int64_t pid, int16_t epoch, int32_t seq, int nrec,
                            int64_t first, int64_t last)
{
	plog_append_info_t info;
	int64_t leo = plog_log_end_offset(plog);
	ck_assert_int_eq(st16_append(plog, pid, epoch, seq, nrec, &info), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(info.duplicate, 1);
	ck_assert_int_eq(info.first_offset, first);
	ck_assert_int_eq(info.last_offset, last);
	ck_assert_int_eq(info.record_cnt, 0);
	ck_assert_int_eq(plog_log_end_offset(plog), leo);
}

START_TEST(st16_plog)
{
	log_config_t cfg;
	plog_append_info_t info;
	log_config_defaults(&cfg);
	cfg.segment_bytes = 400;        /* a few batches per segment: rebuilds span segments */
	char *dir = strdup(st16_dir()); /* st16_dir's buffer is reused below */
	plog_t *plog = st16_open(dir, &cfg, 0);

	/* Producer 42: seq 0-1, a non-idempotent batch, 2-3, 4-5, 6-7. */
	ck_assert_int_eq(st16_append(plog, 42, 0, 0, 2, &info), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(info.duplicate, 0);
	ck_assert_int_eq(info.first_offset, 0);
	ck_assert_int_eq(st16_append(plog, -1, -1, -1, 3, &info), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(info.first_offset, 2);
	for (int i = 1; i < 4; i++) {
		ck_assert_int_eq(st16_append(plog, 42, 0, i * 2, 2, &info), FJORD_ERR_NO_ERROR);
		ck_assert_int_eq(info.first_offset, 5 + (i - 1) * 2);
	}
	ck_assert_int_eq(plog_log_end_offset(plog), 11);
	ck_assert_int_gt(plog_segment_count(plog), 1);
	/* Retries of stored batches: nothing appended, original offsets. */
	st16_assert_dup(plog, 42, 0, 6, 2, 9, 10);
	st16_assert_dup(plog, 42, 0, 0, 2, 0, 1);
	/* Non-idempotent batches are never checked: a "retry" is stored. */
	ck_assert_int_eq(st16_append(plog, -1, -1, -1, 3, &info), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(info.first_offset, 11);
	/* Refusals append nothing. */
	ck_assert_int_eq(st16_append(plog, 42, 0, 9, 2, &info),
	                 FJORD_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
	ck_assert_int_eq(st16_append(plog, 43, 0, 5, 1, &info), FJORD_ERR_UNKNOWN_PRODUCER_ID);
	ck_assert_int_eq(plog_log_end_offset(plog), 14);
	/* Two batches of a producer in one payload: INVALID_RECORD, nothing. */
	{
		uint8_t *b1, *b2;
		size_t l1 = st16_batch(&b1, 42, 0, 8, 1), l2 = st16_batch(&b2, 42, 0, 9, 1);
		uint8_t *both = malloc(l1 + l2);
		memcpy(both, b1, l1);
		memcpy(both + l1, b2, l2);
		char why[256] = "";
		ck_assert_int_eq(
		    plog_append_leader(plog, both, l1 + l2, 3, NULL, &info, why, sizeof(why)),
		    FJORD_ERR_INVALID_RECORD);
		ck_assert_ptr_nonnull(strstr(why, "one batch per partition"));
		ck_assert_int_eq(plog_log_end_offset(plog), 14);
		free(b1);
		free(b2);
		free(both);
	}

	/* A follower learns from what it replicates (no checks there). */
	{
		char *fdir = strdup(st16_dir());
		plog_t *fol = st16_open(fdir, &cfg, 0);
		uint8_t *b;
		size_t l = st16_batch(&b, 77, 2, 0, 3);
		rb_set_base_offset(b, 0);
		ck_assert_int_eq(plog_append(fol, b, l, 0, 0, &info), FJORD_ERR_NO_ERROR);
		free(b);
		st16_assert_dup(fol, 77, 2, 0, 3, 0, 2);
		ck_assert_int_eq(st16_append(fol, 77, 1, 3, 1, &info),
		                 FJORD_ERR_INVALID_PRODUCER_EPOCH);
		plog_close(fol, 0);
		free(fdir);
	}

	/* Reopen, clean then recovering: the state comes back from the
	 * segments. */
	for (int recovering = 0; recovering < 2; recovering++) {
		plog_close(plog, 1);
		plog = st16_open(dir, &cfg, recovering);
		ck_assert_int_eq(plog_log_end_offset(plog), 14);
		st16_assert_dup(plog, 42, 0, 6, 2, 9, 10);
		st16_assert_dup(plog, 42, 0, 2, 2, 5, 6);
		ck_assert_int_eq(st16_append(plog, 42, 0, 9, 1, &info),
		                 FJORD_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
	}

	/* Truncation below the last batch forgets it: its "retry" is the next
	 * batch in sequence and is stored again, at the cut. */
	ck_assert_int_eq(plog_truncate_to(plog, 9), 0);
	ck_assert_int_eq(plog_log_end_offset(plog), 9);
	st16_assert_dup(plog, 42, 0, 4, 2, 7, 8);
	ck_assert_int_eq(st16_append(plog, 42, 0, 6, 2, &info), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(info.duplicate, 0);
	ck_assert_int_eq(info.first_offset, 9);
	ck_assert_int_eq(plog_log_end_offset(plog), 11);

	/* Retention deleting the producer's old batches keeps the producer:
	 * the next batch is still in sequence, a retry still a duplicate. */
	for (int i = 0; i < 12; i++)
		ck_assert_int_eq(st16_append(plog, -1, -1, -1, 2, &info), FJORD_ERR_NO_ERROR);
	plog_set_high_watermark(plog, plog_log_end_offset(plog));
	log_config_t rcfg = cfg;
	rcfg.retention_bytes = 1;
	rcfg.retention_ms = -1;
	plog_set_config(plog, &rcfg);
	ck_assert_int_gt(plog_apply_retention(plog, 0), 0);
	ck_assert_int_gt(plog_log_start_offset(plog), 11);
	st16_assert_dup(plog, 42, 0, 6, 2, 9, 10);
	ck_assert_int_eq(st16_append(plog, 42, 0, 8, 1, &info), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(info.duplicate, 0);

	/* Expiry through the plog: producer 42's last batch had maxTimestamp
	 * 1000 (st16_batch); producer 43 starts now with a later one. */
	{
		uint8_t *b;
		size_t l = st16_batch(&b, 43, 0, 0, 1);
		be64_write(b + RB_OFF_MAX_TIMESTAMP, 50000);
		be32_write(b + RB_OFF_CRC, crc32c(0, b + RB_OFF_ATTRIBUTES, l - RB_OFF_ATTRIBUTES));
		char why[256] = "";
		ck_assert_msg(plog_append_leader(plog, b, l, 3, NULL, &info, why, sizeof(why)) ==
		                  FJORD_ERR_NO_ERROR,
		              "%s", why);
		free(b);
	}
	ck_assert_uint_eq(plog_expire_producers(plog, 20000, 10000), 1);
	ck_assert_int_eq(st16_append(plog, 42, 0, 9, 1, &info), FJORD_ERR_UNKNOWN_PRODUCER_ID);
	ck_assert_int_eq(st16_append(plog, 43, 0, 5, 1, &info),
	                 FJORD_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);

	/* Truncating everything forgets every producer. */
	ck_assert_int_eq(plog_truncate_fully_and_start_at(plog, 100), 0);
	ck_assert_int_eq(st16_append(plog, 42, 0, 9, 1, &info), FJORD_ERR_UNKNOWN_PRODUCER_ID);
	plog_close(plog, 0);
	free(dir);
}
END_TEST

/* The offsets of dir's snapshots: count, and the newest in *newestp. */
/* producer.id.max.per.partition: a partition remembers at most 3 producers;
 * a new one evicts the producer whose last batch lies lowest in the log,
 * which then gets UNKNOWN_PRODUCER_ID; the others still dedupe. */
START_TEST(st16_max_producers)
{
	log_config_t cfg;
	plog_append_info_t info;
	log_config_defaults(&cfg);
	cfg.max_producer_ids = 3;
	char *dir = strdup(st16_dir());
	plog_t *plog = st16_open(dir, &cfg, 0);

	for (int64_t pid = 1; pid <= 3; pid++)
		ck_assert_int_eq(st16_append(plog, pid, 0, 0, 1, &info), FJORD_ERR_NO_ERROR);
	/* Producer 1 writes again: now producer 2's batch is the oldest. */
	ck_assert_int_eq(st16_append(plog, 1, 0, 1, 1, &info), FJORD_ERR_NO_ERROR);
	ck_assert_uint_eq(plog_take_producers_evicted(plog), 0);
	ck_assert_int_eq(st16_append(plog, 4, 0, 0, 1, &info), FJORD_ERR_NO_ERROR);
	ck_assert_uint_eq(plog_take_producers_evicted(plog), 1);
	ck_assert_uint_eq(plog_take_producers_evicted(plog), 0);
	ck_assert_int_eq(st16_append(plog, 2, 0, 1, 1, &info), FJORD_ERR_UNKNOWN_PRODUCER_ID);
	st16_assert_dup(plog, 1, 0, 1, 1, 3, 3);
	st16_assert_dup(plog, 3, 0, 0, 1, 2, 2);
	st16_assert_dup(plog, 4, 0, 0, 1, 4, 4);
	/* A limit lowered live applies at the next new producer. */
	cfg.max_producer_ids = 1;
	plog_set_config(plog, &cfg);
	ck_assert_int_eq(st16_append(plog, 5, 0, 0, 1, &info), FJORD_ERR_NO_ERROR);
	ck_assert_uint_eq(plog_take_producers_evicted(plog), 3);
	st16_assert_dup(plog, 5, 0, 0, 1, 5, 5);
	ck_assert_int_eq(st16_append(plog, 4, 0, 1, 1, &info), FJORD_ERR_UNKNOWN_PRODUCER_ID);
	plog_close(plog, 0);
	free(dir);
}
END_TEST

static size_t st16_snapshots(const char *dir, int64_t *newestp)
{
	char cmd[800];
	snprintf(cmd, sizeof(cmd), "ls %s | grep '^[0-9]*\\.snapshot$' | sort", dir);
	FILE *p = popen(cmd, "r");
	long long off;
	size_t n = 0;
	ck_assert_ptr_nonnull(p);
	*newestp = -1;
	while (fscanf(p, "%lld.snapshot\n", &off) == 1) {
		*newestp = off;
		n++;
	}
	pclose(p);
	return n;
}

START_TEST(st16_snapshot_codec)
{
	producer_state_t ps, back;
	uint8_t *buf;
	size_t len;
	int64_t at = -1;
	char why[256];
	pstate_init(&ps);
	pstate_init(&back);
	for (int64_t pid = 5; pid < 8; pid++)
		for (int i = 0; i < (int)pid; i++) {
			pstate_append_t a = st16_a(pid, (int16_t)pid, i * 2, i * 2 + 1);
			ck_assert_int_eq(pstate_update(&ps, &a, pid * 100 + i * 2,
			                               pid * 100 + i * 2 + 1, pid * 1000 + i),
			                 0);
		}
	ck_assert_int_eq(psnap_encode(&ps, 4242, &buf, &len), 0);
	ck_assert_int_eq(psnap_decode(buf, len, &back, &at, why, sizeof(why)), 0);
	ck_assert_int_eq(at, 4242);
	ck_assert_uint_eq(back.cnt, 3);
	ck_assert_int_eq(memcmp(back.entries, ps.entries, 3 * sizeof(ps.entries[0])), 0);
	/* Any flipped byte, and any cut, is refused whole. */
	for (size_t i = 0; i < len; i++) {
		buf[i] ^= 0x10;
		ck_assert_int_eq(psnap_decode(buf, len, &back, &at, why, sizeof(why)), -1);
		ck_assert_uint_eq(back.cnt, 0);
		buf[i] ^= 0x10;
		ck_assert_int_eq(psnap_decode(buf, i, &back, &at, why, sizeof(why)), -1);
	}
	/* An empty state is a valid snapshot. */
	free(buf);
	pstate_clear(&ps);
	ck_assert_int_eq(psnap_encode(&ps, 0, &buf, &len), 0);
	ck_assert_int_eq(psnap_decode(buf, len, &back, &at, why, sizeof(why)), 0);
	ck_assert_uint_eq(back.cnt, 0);
	free(buf);
	pstate_destroy(&ps);
	pstate_destroy(&back);
}
END_TEST

START_TEST(st16_snapshot_plog)
{
	log_config_t cfg;
	plog_append_info_t info;
	int64_t newest;
	log_config_defaults(&cfg);
	cfg.segment_bytes = 300;
	char *dir = strdup(st16_dir());
	plog_t *plog = st16_open(dir, &cfg, 0);

	/* Producer 1 writes two batches, then producer 2 many: rolls. */
	ck_assert_int_eq(st16_append(plog, 1, 0, 0, 2, &info), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(st16_append(plog, 1, 0, 2, 2, &info), FJORD_ERR_NO_ERROR);
	for (int i = 0; i < 20; i++)
		ck_assert_int_eq(st16_append(plog, 2, 0, i * 2, 2, &info), FJORD_ERR_NO_ERROR);
	int segs = plog_segment_count(plog);
	ck_assert_int_gt(segs, 4);
	/* One snapshot per roll, at each new segment's base. */
	ck_assert_uint_eq(st16_snapshots(dir, &newest), (size_t)segs - 1);
	ck_assert_int_lt(newest, plog_log_end_offset(plog));

	/* Corrupt the newest snapshot: the open falls back to an older one
	 * and loses nothing. */
	plog_close(plog, 1);
	{
		char path[900];
		snprintf(path, sizeof(path), "%s/%020lld.snapshot", dir, (long long)newest);
		FILE *f = fopen(path, "r+b");
		ck_assert_ptr_nonnull(f);
		ck_assert_int_eq(fseek(f, 20, SEEK_SET), 0);
		ck_assert_int_eq(fputc('X', f), 'X');
		fclose(f);
	}
	plog = st16_open(dir, &cfg, 0);
	st16_assert_dup(plog, 2, 0, 38, 2, 42, 43);
	st16_assert_dup(plog, 1, 0, 2, 2, 2, 3);

	/* Retention deletes every batch of producer 1; after a restart the
	 * snapshots still know it: its next batch is in sequence. */
	plog_set_high_watermark(plog, plog_log_end_offset(plog));
	log_config_t rcfg = cfg;
	rcfg.retention_bytes = 1;
	rcfg.retention_ms = -1;
	plog_set_config(plog, &rcfg);
	ck_assert_int_gt(plog_apply_retention(plog, 0), 0);
	ck_assert_int_gt(plog_log_start_offset(plog), 4);
	/* Snapshots of deleted segments are gone, the newest stays. */
	ck_assert_uint_le(st16_snapshots(dir, &newest), (size_t)plog_segment_count(plog));
	ck_assert_int_ge(newest, 0);
	int64_t log_start = plog_log_start_offset(plog);
	plog_close(plog, 1);
	plog_t *reopened = NULL;
	char errstr[512];
	ck_assert_msg(
	    plog_open(dir, "p", 0, &cfg, 0, log_start, 1, &reopened, errstr, sizeof(errstr)) == 0,
	    "%s", errstr);
	plog = reopened;
	ck_assert_int_eq(st16_append(plog, 1, 0, 4, 1, &info), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(info.duplicate, 0);

	/* Truncation removes the snapshots above the cut (and the state
	 * forgets what was cut). */
	int64_t leo = plog_log_end_offset(plog);
	ck_assert_int_eq(plog_roll(plog), 0);
	ck_assert_int_eq(st16_append(plog, 2, 0, 40, 2, &info), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(plog_roll(plog), 0);
	ck_assert_int_eq(st16_snapshots(dir, &newest) > 0, 1);
	ck_assert_int_eq(newest, leo + 2);
	ck_assert_int_eq(plog_truncate_to(plog, leo), 0);
	st16_snapshots(dir, &newest);
	ck_assert_int_le(newest, leo);
	ck_assert_int_eq(st16_append(plog, 2, 0, 40, 2, &info), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(info.duplicate, 0);
	ck_assert_int_eq(info.first_offset, leo);
	ck_assert_int_eq(plog_truncate_fully_and_start_at(plog, 1000), 0);
	ck_assert_uint_eq(st16_snapshots(dir, &newest), 0);
	plog_close(plog, 0);
	free(dir);
}
END_TEST

void test_0016(TCase *tc)
{
	tcase_add_test(tc, st16_snapshot_codec);
	tcase_add_test(tc, st16_snapshot_plog);
	tcase_add_test(tc, st16_rules);
	tcase_add_test(tc, st16_plog);
	tcase_add_test(tc, st16_max_producers);
}
