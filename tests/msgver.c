/*
 * msgver.c — the message verifier and a consume-until-count helper.
 *
 * Records produced by test_produce_msgs() carry keys
 *   "testid=NNNN, partition=P, msg=SEQ"
 * where P is the partition asked for (-1: the partitioner chose) and SEQ
 * counts from 0 per produce call. The verifier keeps, per partition the
 * record was read from, the last offset and the last SEQ per asked-for P,
 * plus one seen-bit per (P, SEQ), and reports: foreign records, duplicates,
 * SEQ going backwards within a partition, offset gaps, and the total count.
 *
 * Runs in a test child; the verifier is malloc'd by test_msgver_new() and
 * freed by test_msgver_verify() (or test_msgver_destroy() without a verdict).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_int.h"
#include "test.h"

#define MSGVER_ERR_MAX 8 /* errors kept for the report */
#define MSGVER_GAPS 4

struct test_msgver {
	int partition_cnt;
	int cnt;
	int foreign;
	int dups;
	int reorders;
	int gaps;
	int64_t *last_offset; /* [partition_cnt], -1 = none yet */
	int *last_seq;        /* [partition_cnt][partition_cnt + 1] */
	unsigned char **seen; /* [partition_cnt + 1] bitmaps over SEQ */
	size_t *seen_size;    /* bytes per bitmap */
	char errs[MSGVER_ERR_MAX][200];
	int err_cnt;
	int gap_cnt; /* expected holes (test_msgver_expect_gap) */
	int gap_p[MSGVER_GAPS];
	int64_t gap_from[MSGVER_GAPS], gap_to[MSGVER_GAPS];
};

void test_msgver_expect_gap(test_msgver_t *mv, int partition, int64_t from, int64_t to)
{
	ck_assert_msg(mv->gap_cnt < MSGVER_GAPS, "test_msgver_expect_gap: too many gaps");
	mv->gap_p[mv->gap_cnt] = partition;
	mv->gap_from[mv->gap_cnt] = from;
	mv->gap_to[mv->gap_cnt] = to;
	mv->gap_cnt++;
}

/* Is a jump from offset last to next exactly over an expected hole? */
static int msgver_gap_expected(const test_msgver_t *mv, int p, int64_t last, int64_t next)
{
	for (int i = 0; i < mv->gap_cnt; i++)
		if (mv->gap_p[i] == p && mv->gap_from[i] == last + 1 && mv->gap_to[i] + 1 == next)
			return 1;
	return 0;
}

test_msgver_t *test_msgver_new(int partition_cnt)
{
	test_msgver_t *mv = calloc(1, sizeof(*mv));
	ck_assert_ptr_nonnull(mv);
	ck_assert_msg(partition_cnt > 0, "test_msgver_new: partition_cnt %d", partition_cnt);
	mv->partition_cnt = partition_cnt;
	mv->last_offset = malloc(sizeof(*mv->last_offset) * (size_t)partition_cnt);
	mv->last_seq =
	    malloc(sizeof(*mv->last_seq) * (size_t)partition_cnt * (size_t)(partition_cnt + 1));
	mv->seen = calloc((size_t)partition_cnt + 1, sizeof(*mv->seen));
	mv->seen_size = calloc((size_t)partition_cnt + 1, sizeof(*mv->seen_size));
	ck_assert(mv->last_offset && mv->last_seq && mv->seen && mv->seen_size);
	for (int i = 0; i < partition_cnt; i++)
		mv->last_offset[i] = -1;
	for (int i = 0; i < partition_cnt * (partition_cnt + 1); i++)
		mv->last_seq[i] = -1;
	return mv;
}

static void msgver_err(test_msgver_t *mv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void msgver_err(test_msgver_t *mv, const char *fmt, ...)
{
	va_list ap;
	if (mv->err_cnt < MSGVER_ERR_MAX) {
		va_start(ap, fmt);
		vsnprintf(mv->errs[mv->err_cnt], sizeof(mv->errs[0]), fmt, ap);
		va_end(ap);
	}
	mv->err_cnt++;
}

/* Marks (kp, seq) seen; returns 1 if it already was. */
static int msgver_mark(test_msgver_t *mv, int kp, int seq)
{
	size_t byte = (size_t)seq / 8;
	if (byte >= mv->seen_size[kp]) {
		size_t n = mv->seen_size[kp] ? mv->seen_size[kp] : 1024;
		while (n <= byte)
			n *= 2;
		unsigned char *p = realloc(mv->seen[kp], n);
		ck_assert_ptr_nonnull(p);
		memset(p + mv->seen_size[kp], 0, n - mv->seen_size[kp]);
		mv->seen[kp] = p;
		mv->seen_size[kp] = n;
	}
	int was = (mv->seen[kp][byte] >> (seq % 8)) & 1;
	mv->seen[kp][byte] |= (unsigned char)(1u << (seq % 8));
	return was;
}

void test_msgver_add(test_msgver_t *mv, const fjord_message_t *msg)
{
	char key[128], testid[16];
	int kp = 0, seq = 0;
	int p = msg->partition;

	mv->cnt++;
	if (!msg->key || msg->key_len >= sizeof(key)) {
		mv->foreign++;
		msgver_err(mv, "partition %d: record without a test key at offset %lld", p,
		           (long long)msg->offset);
		return;
	}
	memcpy(key, msg->key, msg->key_len);
	key[msg->key_len] = '\0';
	if (sscanf(key, "testid=%15[^,], partition=%d, msg=%d", testid, &kp, &seq) != 3 ||
	    strcmp(testid, harness_current.num ? harness_current.num : "0000") || kp < -1 ||
	    kp >= mv->partition_cnt || seq < 0 || p < 0 || p >= mv->partition_cnt) {
		mv->foreign++;
		msgver_err(mv, "partition %d: foreign record '%s' at offset %lld", p, key,
		           (long long)msg->offset);
		return;
	}
	if (msgver_mark(mv, kp + 1, seq)) {
		mv->dups++;
		msgver_err(mv, "partition %d: duplicate msg=%d at offset %lld", p, seq,
		           (long long)msg->offset);
	}
	int *last = &mv->last_seq[p * (mv->partition_cnt + 1) + kp + 1];
	if (*last >= 0 && seq <= *last) {
		mv->reorders++;
		msgver_err(mv, "partition %d: msg=%d after a later one, at offset %lld", p, seq,
		           (long long)msg->offset);
	}
	*last = seq;
	if (mv->last_offset[p] >= 0 && msg->offset != mv->last_offset[p] + 1 &&
	    !msgver_gap_expected(mv, p, mv->last_offset[p], msg->offset)) {
		mv->gaps++;
		msgver_err(mv, "partition %d: offset jumps from %lld to %lld", p,
		           (long long)mv->last_offset[p], (long long)msg->offset);
	}
	mv->last_offset[p] = msg->offset;
}

int test_msgver_cnt(const test_msgver_t *mv)
{
	return mv->cnt;
}

void test_msgver_verify(test_msgver_t *mv, const char *what, int expected_cnt)
{
	char report[2048];
	size_t off = 0;
	int ok = mv->cnt == expected_cnt && !mv->foreign && !mv->dups && !mv->reorders && !mv->gaps;

	off += (size_t)snprintf(report + off, sizeof(report) - off,
	                        "%s: %d records (expected %d), %d foreign, %d duplicates, "
	                        "%d out of order, %d offset gaps",
	                        what, mv->cnt, expected_cnt, mv->foreign, mv->dups, mv->reorders,
	                        mv->gaps);
	for (int i = 0; i < mv->err_cnt && i < MSGVER_ERR_MAX && off < sizeof(report); i++)
		off += (size_t)snprintf(report + off, sizeof(report) - off, "; %s", mv->errs[i]);
	test_say("%s", report);
	test_msgver_destroy(mv);
	ck_assert_msg(ok, "%s", report);
}

void test_msgver_destroy(test_msgver_t *mv)
{
	if (!mv)
		return;
	for (int i = 0; i <= mv->partition_cnt; i++)
		free(mv->seen[i]);
	free(mv->seen);
	free(mv->seen_size);
	free(mv->last_seq);
	free(mv->last_offset);
	free(mv);
}

int test_consume_msgs(test_cluster_t *c, const char *topic, int partition_cnt, int64_t start_offset,
                      int expected_cnt, test_msgver_t *mv, int timeout_ms)
{
	fjord_t *fj = test_consumer_new(c, "auto.offset.reset", "earliest", NULL);
	fjord_topic_partition_list_t *parts = fjord_topic_partition_list_new(partition_cnt);
	int got = 0;
	int64_t deadline = test_now_ms() + (int64_t)(timeout_ms * test_timeout_multiplier());
	int64_t next_say = test_now_ms() + 5000;

	for (int i = 0; i < partition_cnt; i++)
		fjord_topic_partition_list_add(parts, topic, i)->offset = start_offset;
	fjord_err_t err = fjord_assign(fj, parts);
	fjord_topic_partition_list_destroy(parts);
	ck_assert_msg(err == FJORD_ERR_NO_ERROR, "assign %s: %s", topic, fjord_err2name(err));
	while (got < expected_cnt && test_now_ms() < deadline) {
		fjord_message_t *m = fjord_consumer_poll(fj, 200);
		if (!m)
			continue;
		if (m->err == FJORD_ERR_NO_ERROR) {
			test_msgver_add(mv, m);
			got++;
		} else if (m->err != FJORD_ERR__PARTITION_EOF) {
			test_say("consumer event on %s [%d]: %s %s", topic, (int)m->partition,
			         fjord_err2name(m->err), m->errstr ? m->errstr : "");
		}
		fjord_message_destroy(m);
		if (test_now_ms() >= next_say) {
			test_say("consumed %d of %d from %s", got, expected_cnt, topic);
			next_say = test_now_ms() + 5000;
		}
	}
	fjord_destroy(fj);
	test_say("consumed %d records from %s (expected %d)", got, topic, expected_cnt);
	return got;
}
