/*
 * 0026-poison-limits-consumer — the decompressed-size bound of a produced
 * batch, and what the SDK consumer does with a malformed batch already in a
 * log. Private one-broker cluster with socket.request.max.bytes=1048576.
 *
 * - Bound: a zstd batch whose one record decompresses to 2 MiB (a few KiB
 *   on the wire, well inside every request and batch limit) is refused with
 *   CORRUPT_MESSAGE naming the bound (1048576 bytes: socket.request.max.bytes),
 *   the log end does not move and fjord_produce_refused_total counts it; the
 *   same batch with a 512 KiB record is stored and read back whole.
 * - A poison batch on disk: the leader now refuses such batches, so older
 *   data (or a replica written before this check) is the only way one sits
 *   in a log. The test kills the broker (SIGKILL), appends to the partition's
 *   segment a batch with a correct CRC whose first record's timestamp
 *   (baseTimestamp + timestampDelta) overflows 64 bits, restarts the broker
 *   (recovery checks the CRC only, so the batch stays), and produces more
 *   records after it. The batch's first record is sound. A consumer reading
 *   from the beginning gets the 10 records before the batch and its sound
 *   first record, then exactly one event (err _BAD_MSG) at the malformed
 *   record's offset whose errstr names the offset and the batch, then
 *   nothing from that partition (it stopped; no record is skipped silently,
 *   none is returned twice) until the test seeks past the batch, after which
 *   it gets the 10 records produced later. Acknowledged 20 (+ the sound
 *   planted one), read 21, each side in order with contiguous offsets
 *   (message verifier). The consumer must not overflow on the way (the
 *   sanitizer build turns that into a failure).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/record_batch.h"
#include "harness_int.h"
#include "rawproto.h"
#include "test.h"

#define T26_PROPS "socket.request.max.bytes=1048576\n"

static long long t26_metric(test_broker_t *b, const char *error)
{
	char pat[128], *body = NULL;
	long long v = -1;

	ck_assert_int_eq(harness_http_get(b->http_port, "/metrics", &body, 5000), 200);
	snprintf(pat, sizeof(pat), "fjord_produce_refused_total{error=\"%s\"} ", error);
	const char *p = body ? strstr(body, pat) : NULL;
	if (p)
		v = strtoll(p + strlen(pat), NULL, 10);
	free(body);
	return v;
}

static int64_t t26_leo(fjord_t *fj, const char *topic)
{
	int64_t low = -1, high = -1;
	ck_assert_int_eq(fjord_query_watermark_offsets(fj, topic, 0, &low, &high,
	                                               (int)(10000 * test_timeout_multiplier())),
	                 FJORD_ERR_NO_ERROR);
	return high;
}

/* A zstd batch of one record whose value is `size` bytes of 'z'. */
static size_t t26_big_batch(uint8_t *buf, size_t cap, size_t size, const char *key)
{
	char *value = malloc(size + 1);
	raw_rec_t r;
	raw_batch_t b;

	ck_assert_ptr_nonnull(value);
	memset(value, 'z', size);
	value[size] = '\0';
	memset(&r, 0, sizeof(r));
	memset(&b, 0, sizeof(b));
	r.key = key;
	r.value = value;
	b.base_ts = b.max_ts = fj_now_ms();
	b.attributes = RB_CODEC_ZSTD;
	b.compress = RB_CODEC_ZSTD;
	size_t len = raw_batch_build(buf, cap, &b, &r, 1);
	free(value);
	return len;
}

static void t26_bound(test_cluster_t *c, const char *topic, fjord_t *meta)
{
	test_broker_t *b = &c->brokers[0];
	uint8_t *buf = malloc(256 * 1024);
	char msg[512];
	long long before = t26_metric(b, "CORRUPT_MESSAGE");
	int64_t leo = t26_leo(meta, topic);

	size_t len = t26_big_batch(buf, 256 * 1024, 2 * 1024 * 1024, "bomb");
	int rc = raw_produce_bytes(b->port, topic, 0, buf, len, msg, sizeof(msg));
	test_say("%zu-byte zstd batch of a 2 MiB record: %s: %s", len,
	         fjord_err2name((fjord_err_t)rc), msg);
	ck_assert_int_eq(rc, FJORD_ERR_CORRUPT_MESSAGE);
	ck_assert_ptr_nonnull(strstr(msg, "at most 1048576 bytes"));
	ck_assert_int_eq(t26_leo(meta, topic), leo);
	long long after = t26_metric(b, "CORRUPT_MESSAGE");
	test_say("fjord_produce_refused_total{error=\"CORRUPT_MESSAGE\"} %lld -> %lld", before,
	         after);
	ck_assert_int_eq(after, before + 1);

	len = t26_big_batch(buf, 256 * 1024, 512 * 1024, "half-mib");
	rc = raw_produce_bytes(b->port, topic, 0, buf, len, msg, sizeof(msg));
	ck_assert_msg(rc == 0, "512 KiB record refused: %d %s", rc, msg);
	ck_assert_int_eq(t26_leo(meta, topic), leo + 1);
	free(buf);

	/* Read back whole. */
	fjord_t *cons = test_consumer_new(c, NULL);
	fjord_topic_partition_list_t *parts = fjord_topic_partition_list_new(1);
	fjord_topic_partition_list_add(parts, topic, 0)->offset = leo;
	ck_assert_int_eq(fjord_assign(cons, parts), FJORD_ERR_NO_ERROR);
	fjord_topic_partition_list_destroy(parts);
	fjord_message_t *got = NULL;
	int64_t deadline = test_now_ms() + (int64_t)(30000 * test_timeout_multiplier());
	while (!got && test_now_ms() < deadline) {
		fjord_message_t *m = fjord_consumer_poll(cons, 200);
		if (m && m->err)
			ck_abort_msg("consumer event: %s %s", fjord_err2name(m->err),
			             m->errstr ? m->errstr : "");
		got = m;
	}
	ck_assert_msg(got, "the 512 KiB record was not read back");
	ck_assert_int_eq(got->offset, leo);
	ck_assert_uint_eq(got->value_len, 512 * 1024);
	ck_assert_int_eq(((const char *)got->value)[512 * 1024 - 1], 'z');
	fjord_message_destroy(got);
	fjord_destroy(cons);
}

/* Appends a CRC-valid batch of 3 records at the end of the partition's only
 * segment; its second record's timestamp overflows. Returns its base
 * offset. */
static int64_t t26_plant_poison(test_cluster_t *c, const char *topic)
{
	char path[1024];
	struct stat st;
	uint8_t *seg, poison[1024];
	const uint8_t *bp;
	size_t bl;
	int64_t next = 0;
	int32_t epoch = 0;
	rb_iter_t it;
	raw_rec_t r[3];
	raw_batch_t spec;

	ck_assert(harness_path(path, sizeof(path), "%s/%s-0/%020d.log", c->brokers[0].logdir, topic,
	                       0) == 0);
	int fd = open(path, O_RDWR);
	ck_assert_msg(fd >= 0, "open %s", path);
	ck_assert_int_eq(fstat(fd, &st), 0);
	seg = malloc((size_t)st.st_size + 1);
	ck_assert_int_eq(pread(fd, seg, (size_t)st.st_size, 0), st.st_size);
	rb_iter_init(&it, seg, (size_t)st.st_size, 1, 0);
	while (rb_iter_next(&it, &bp, &bl) == 1) {
		next = rb_last_offset(bp) + 1;
		epoch = rb_leader_epoch(bp);
	}
	ck_assert_msg(it.err == 0, "segment %s does not parse: %s", path,
	              it.errmsg ? it.errmsg : "");
	free(seg);

	memset(r, 0, sizeof(r));
	memset(&spec, 0, sizeof(spec));
	/* Record 0 is sound (the verifier's shape, msg=10, right after the
	 * produced 0..9); record 1's timestamp, now + INT64_MAX, overflows. */
	r[0].key = "testid=0026, partition=0, msg=10";
	r[0].value = "sound record before the malformed one";
	for (int i = 1; i < 3; i++) {
		r[i].key = "poison-on-disk";
		r[i].value = "v";
	}
	r[1].ts_delta = INT64_MAX;
	spec.base_ts = fj_now_ms();
	spec.max_ts = INT64_MAX;
	size_t len = raw_batch_build(poison, sizeof(poison), &spec, r, 3);
	rb_set_base_offset(poison, next);
	rb_set_leader_epoch(poison, epoch);
	ck_assert_int_eq(rb_validate(poison, len, NULL), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(pwrite(fd, poison, len, st.st_size), (ssize_t)len);
	close(fd);
	test_say("planted a %zu-byte poison batch at offset %" PRId64 " (epoch %d) in %s", len,
	         next, (int)epoch, path);
	return next;
}

/* Polls until want records were added to mv or an event arrives; returns
 * the event (caller destroys) or NULL. */
static fjord_message_t *t26_read(fjord_t *cons, test_msgver_t *mv, int want, int timeout_ms)
{
	int64_t deadline = test_now_ms() + (int64_t)(timeout_ms * test_timeout_multiplier());
	while (test_msgver_cnt(mv) < want && test_now_ms() < deadline) {
		fjord_message_t *m = fjord_consumer_poll(cons, 200);
		if (!m)
			continue;
		if (m->err)
			return m;
		test_msgver_add(mv, m);
		fjord_message_destroy(m);
	}
	return NULL;
}

START_TEST(t0026_bound_and_stored_poison)
{
	test_cluster_t *c = test_cluster_new(1, T26_PROPS);
	const char *topic = test_topic_name("limits");

	test_create_topic(c, topic, 1, 1);
	fjord_t *meta = test_producer_new(c, NULL);
	t26_bound(c, topic, meta);
	fjord_destroy(meta);

	/* A second topic for the stored poison (the first holds the big
	 * records). */
	const char *ptopic = test_topic_name("stored");
	test_create_topic(c, ptopic, 1, 1);
	test_produce_msgs(c, ptopic, 0, 10, 20);
	test_broker_kill(c, 0, SIGKILL);
	int64_t poison_at = t26_plant_poison(c, ptopic);
	test_broker_restart(c, 0);
	test_produce_msgs(c, ptopic, 0, 10, 20); /* msg=0..9 again, after the poison */
	meta = test_producer_new(c, NULL);
	int64_t leo = t26_leo(meta, ptopic);
	fjord_destroy(meta);
	test_say("log end %" PRId64 ": 10 records, 3 poison, 10 records", leo);
	ck_assert_int_eq(leo, poison_at + 3 + 10);

	fjord_t *cons = test_consumer_new(c, NULL);
	fjord_topic_partition_list_t *parts = fjord_topic_partition_list_new(1);
	fjord_topic_partition_list_add(parts, ptopic, 0)->offset = FJORD_OFFSET_BEGINNING;
	ck_assert_int_eq(fjord_assign(cons, parts), FJORD_ERR_NO_ERROR);
	fjord_topic_partition_list_destroy(parts);

	test_msgver_t *before = test_msgver_new(1);
	fjord_message_t *ev = t26_read(cons, before, 11, 30000);
	if (!ev) /* the event follows the 10 + 1 records */
		ev = t26_read(cons, before, 12, 30000);
	ck_assert_msg(ev, "no error event for the poison batch (%d records read)",
	              test_msgver_cnt(before));
	test_say("event: %s at offset %" PRId64 ": %s", fjord_err2name(ev->err), ev->offset,
	         ev->errstr ? ev->errstr : "");
	ck_assert_int_eq(ev->err, FJORD_ERR__BAD_MSG);
	ck_assert_int_eq(ev->offset, poison_at + 1);
	ck_assert_int_eq(ev->partition, 0);
	ck_assert_ptr_nonnull(ev->errstr);
	ck_assert_ptr_nonnull(strstr(ev->errstr, "timestamp"));
	char want[128];
	snprintf(want, sizeof(want), "batch %" PRId64 "..%" PRId64, poison_at, poison_at + 2);
	ck_assert_msg(strstr(ev->errstr, want), "'%s' lacks '%s'", ev->errstr, want);
	fjord_message_destroy(ev);
	/* The sound record of the poison batch came once, before the event. */
	test_msgver_verify(before, "before the poison", 11);

	/* Stopped: nothing more from the partition (no skipped record, no
	 * repeated event) while the test waits. */
	test_msgver_t *after = test_msgver_new(1);
	ev = t26_read(cons, after, 1, 3000);
	ck_assert_msg(!ev, "a second event while stopped: %s %s", ev ? fjord_err2name(ev->err) : "",
	              ev && ev->errstr ? ev->errstr : "");
	ck_assert_msg(test_msgver_cnt(after) == 0,
	              "%d record(s) read past the poison batch without a seek",
	              test_msgver_cnt(after));

	/* Seeking past the batch resumes. */
	ck_assert_int_eq(fjord_seek(cons, ptopic, 0, poison_at + 3, 10000), FJORD_ERR_NO_ERROR);
	ev = t26_read(cons, after, 10, 30000);
	ck_assert_msg(!ev, "event after the seek: %s %s", ev ? fjord_err2name(ev->err) : "",
	              ev && ev->errstr ? ev->errstr : "");
	fjord_destroy(cons);
	test_msgver_verify(after, "after the poison", 10);
	test_cluster_destroy(c);
}
END_TEST

void test_0026(TCase *tc)
{
	tcase_add_test(tc, t0026_bound_and_stored_poison);
}
