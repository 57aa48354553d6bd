/*
 * 0025-poison-batches — a leader refuses, record by record, what a hostile
 * client produces with a correct CRC, and loses nothing around it.
 *
 * Shared cluster, raw Produce requests (tests/rawproto.h, raw_batch_build):
 * - for each poison kind (record length out of range, key length out of
 *   range, an absurd header count, a null header key, fewer and more records
 *   than recordsCount, trailing bytes, gzip/lz4/zstd attributes on
 *   uncompressed bytes, a malformed record inside a real zstd blob, the
 *   control bit, the transactional bit, an empty batch, offsetDelta out of
 *   sequence, timestamp overflow, a record timestamp below -1, maxTimestamp
 *   smaller than a record's timestamp, a bad batch after a good one in the
 *   same partition, and, as the unchanged reference, a bad CRC), between
 *   good batches: the answer has the expected error and an error_message
 *   naming the record, and the log end offset (ListOffsets latest) does not
 *   move. One request with a poison partition and a good partition on the
 *   same leader appends the good one only. Every kind's outcome is printed
 *   as a table before the first assertion, so a run on code that accepts
 *   some kinds lists which. The leader's fjord_produce_refused_total counts
 *   the refusals. A consumer reading every partition from the beginning gets
 *   exactly the acknowledged records (message verifier), and the log end
 *   offsets add up to them. The first good batch carries timestamps from
 *   2016: without message.timestamp.difference.max.ms (Kafka's default:
 *   unlimited) old timestamps are accepted.
 * - message.timestamp.difference.max.ms=3600000 on a topic: through the SDK
 *   producer a record 2 hours old and one 2 hours ahead each get a delivery
 *   report INVALID_TIMESTAMP (not retried: retries and message.timeout.ms
 *   are large) whose errstr is the broker's reason, status NOT_PERSISTED;
 *   records of now are acknowledged and consumed, nothing else.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/crc32c.h"
#include "common/record_batch.h"
#include "harness_int.h"
#include "rawproto.h"
#include "test.h"

#define T25_PARTS 4
#define T25_BUF 8192

/* The test's state: where to send, what was acknowledged. */
typedef struct t25 {
	test_cluster_t *c;
	const char *topic;
	fjord_t *meta;  /* for leaders and ListOffsets */
	int32_t pa, pb; /* two partitions with the same leader */
	int port;       /* their leader's client port */
	int http_port;
	int seq[T25_PARTS]; /* next msg=SEQ per partition */
	int acked;
} t25_t;

/* A good batch of n records to partition p, keys in the verifier's shape,
 * timestamps ts0, ts0 + 1, ... */
static size_t t25_good(t25_t *t, int32_t p, int n, int64_t ts0, uint8_t *buf, size_t cap)
{
	raw_rec_t recs[8];
	char keys[8][64];
	raw_batch_t spec;

	ck_assert_int_le(n, 8);
	memset(recs, 0, sizeof(recs));
	memset(&spec, 0, sizeof(spec));
	for (int i = 0; i < n; i++) {
		snprintf(keys[i], sizeof(keys[i]), "testid=0025, partition=%d, msg=%d", (int)p,
		         t->seq[p] + i);
		recs[i].key = keys[i];
		recs[i].value = "a good record between poison";
		recs[i].ts_delta = i;
	}
	spec.base_ts = ts0;
	spec.max_ts = ts0 + n - 1;
	return raw_batch_build(buf, cap, &spec, recs, n);
}

static int64_t t25_leo(t25_t *t, int32_t p)
{
	int64_t low = -1, high = -1;
	fjord_err_t err = fjord_query_watermark_offsets(t->meta, t->topic, p, &low, &high,
	                                                (int)(10000 * test_timeout_multiplier()));
	ck_assert_msg(err == FJORD_ERR_NO_ERROR, "ListOffsets %s [%d]: %s", t->topic, (int)p,
	              fjord_err2name(err));
	return high;
}

/* Produces a good batch of n records to p and counts them acknowledged. */
static void t25_produce_good(t25_t *t, int32_t p, int n, int64_t ts0)
{
	uint8_t buf[T25_BUF];
	char msg[256];
	size_t len = t25_good(t, p, n, ts0, buf, sizeof(buf));
	int rc = raw_produce_bytes(t->port, t->topic, p, buf, len, msg, sizeof(msg));
	ck_assert_msg(rc == 0, "good batch to [%d] refused: %d %s", (int)p, rc, msg);
	t->seq[p] += n;
	t->acked += n;
}

/* The foreign records of a poison batch (if one were stored, the verifier
 * would count them as foreign). */
static void t25_poison_recs(raw_rec_t r[3])
{
	memset(r, 0, 3 * sizeof(*r));
	r[0].key = "poison-0";
	r[0].value = "must never be stored";
	r[1].key = "poison-1";
	r[1].value = "must never be stored";
	r[1].ts_delta = 1;
	r[1].hdr_key = "h";
	r[1].hdr_value = "v";
	r[2].key = "poison-2";
	r[2].value = "must never be stored";
	r[2].ts_delta = 2;
}

typedef struct t25_kind {
	const char *name;
	int expect;       /* error code */
	const char *want; /* in error_message */
	int got;
	char msg[256];
	int64_t leo_before, leo_after;
} t25_kind_t;

/* Sends payload to t->pa between good batches; records the outcome. */
static void t25_try(t25_t *t, t25_kind_t *k, const uint8_t *payload, size_t len)
{
	t25_produce_good(t, t->pa, 2, fj_now_ms());
	k->leo_before = t25_leo(t, t->pa);
	k->got = raw_produce_bytes(t->port, t->topic, t->pa, payload, len, k->msg, sizeof(k->msg));
	k->leo_after = t25_leo(t, t->pa);
	test_say("%-36s -> %s (%d): %s; log end %" PRId64 " -> %" PRId64, k->name,
	         k->got >= -1 ? fjord_err2name((fjord_err_t)k->got) : "no answer", k->got, k->msg,
	         k->leo_before, k->leo_after);
}

/* One poison kind built from the three records and a spec the caller
 * edited. */
static void t25_kind(t25_t *t, t25_kind_t *k, const raw_batch_t *spec, const raw_rec_t *r, int n)
{
	uint8_t buf[T25_BUF];
	size_t len = raw_batch_build(buf, sizeof(buf), spec, r, n);
	t25_try(t, k, buf, len);
}

/* Value of a counter line "name{error=\"E\"} N" in a /metrics body; -1. */
static long long t25_metric(const char *body, const char *error)
{
	char pat[128];
	const char *p;

	snprintf(pat, sizeof(pat), "fjord_produce_refused_total{error=\"%s\"} ", error);
	p = body ? strstr(body, pat) : NULL;
	return p ? strtoll(p + strlen(pat), NULL, 10) : -1;
}

/* Finds two partitions led by one broker (4 partitions, 3 brokers). */
static void t25_pick_partitions(t25_t *t)
{
	fjord_metadata_t *md = NULL;
	int32_t leaders[T25_PARTS];

	ck_assert_int_eq(fjord_metadata(t->meta, t->topic, &md, 10000), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(md->topics[0].partition_cnt, T25_PARTS);
	for (int i = 0; i < T25_PARTS; i++)
		leaders[i] = md->topics[0].partitions[i].leader;
	fjord_metadata_destroy(md);
	t->pa = t->pb = -1;
	for (int i = 0; i < T25_PARTS && t->pa < 0; i++)
		for (int j = i + 1; j < T25_PARTS; j++)
			if (leaders[i] == leaders[j]) {
				t->pa = i;
				t->pb = j;
				break;
			}
	ck_assert_msg(t->pa >= 0, "no two of %d partitions share a leader", T25_PARTS);
	for (int i = 0; i < t->c->broker_cnt; i++)
		if (t->c->brokers[i].id == leaders[t->pa]) {
			t->port = t->c->brokers[i].port;
			t->http_port = t->c->brokers[i].http_port;
		}
	ck_assert_int_gt(t->port, 0);
	test_say("partitions %d and %d are led by broker %d", (int)t->pa, (int)t->pb,
	         (int)leaders[t->pa]);
}

/* One request: poison for pa, a good batch for pb (same leader). */
static void t25_two_partitions(t25_t *t)
{
	uint8_t poison[T25_BUF], good[T25_BUF], payload[2 * T25_BUF];
	raw_rec_t r[3];
	raw_batch_t spec;
	Fjord__Request req = FJORD__REQUEST__INIT;
	Fjord__ProduceRequest pr = FJORD__PRODUCE_REQUEST__INIT;
	Fjord__ProduceTopicData td = FJORD__PRODUCE_TOPIC_DATA__INIT;
	Fjord__ProducePartitionData pd[2] = { FJORD__PRODUCE_PARTITION_DATA__INIT,
		                              FJORD__PRODUCE_PARTITION_DATA__INIT };
	Fjord__ProduceTopicData *tds[1] = { &td };
	Fjord__ProducePartitionData *pds[2] = { &pd[0], &pd[1] };

	t25_poison_recs(r);
	memset(&spec, 0, sizeof(spec));
	spec.base_ts = spec.max_ts = fj_now_ms();
	spec.max_ts += 2;
	r[0].key_len = 4000;
	size_t plen = raw_batch_build(poison, sizeof(poison), &spec, r, 3);
	size_t glen = t25_good(t, t->pb, 3, fj_now_ms(), good, sizeof(good));
	memcpy(payload, poison, plen);
	memcpy(payload + plen, good, glen);
	pd[0].partition = t->pa;
	pd[0].records_len = (uint32_t)plen;
	pd[1].partition = t->pb;
	pd[1].records_len = (uint32_t)glen;
	td.topic = (char *)t->topic;
	td.n_partitions = 2;
	td.partitions = pds;
	pr.acks = 1;
	pr.timeout_ms = 10000;
	pr.n_topics = 1;
	pr.topics = tds;
	req.correlation_id = 25;
	req.api = FJORD__API_KEY__PRODUCE;
	req.client_id = "fjord-tests-0025";
	req.body_case = FJORD__REQUEST__BODY_PRODUCE;
	req.produce = &pr;

	int64_t leo_a = t25_leo(t, t->pa), leo_b = t25_leo(t, t->pb);
	int fd = raw_connect(t->port);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(raw_send_request(fd, &req, payload, plen + glen), 0);
	Fjord__Response *resp = raw_recv_response(fd, 10000);
	close(fd);
	ck_assert_msg(
	    resp && resp->error == 0 && resp->body_case == FJORD__RESPONSE__BODY_PRODUCE &&
	        resp->produce->n_topics == 1 && resp->produce->topics[0]->n_partitions == 2,
	    "no per-partition answer to the two-partition produce");
	for (size_t i = 0; i < 2; i++) {
		Fjord__ProducePartitionResponse *ppr = resp->produce->topics[0]->partitions[i];
		test_say("two-partition request: [%d] %s %s", (int)ppr->partition,
		         fjord_err2name((fjord_err_t)ppr->error), ppr->error_message);
		if (ppr->partition == t->pa) {
			ck_assert_int_eq(ppr->error, FJORD_ERR_INVALID_RECORD);
			ck_assert_ptr_nonnull(
			    strstr(ppr->error_message, "record 0: key length 4000"));
		} else {
			ck_assert_int_eq(ppr->partition, t->pb);
			ck_assert_int_eq(ppr->error, 0);
			ck_assert_int_eq(ppr->base_offset, leo_b);
		}
	}
	fjord__response__free_unpacked(resp, NULL);
	t->seq[t->pb] += 3;
	t->acked += 3;
	ck_assert_int_eq(t25_leo(t, t->pa), leo_a);
	ck_assert_int_eq(t25_leo(t, t->pb), leo_b + 3);
}

START_TEST(t0025_poison_kinds)
{
	t25_t t;
	t25_kind_t kinds[32];
	int nk = 0;
	raw_rec_t r[3];
	raw_batch_t b;
	uint8_t buf[T25_BUF];
	char *body = NULL;
	int64_t now = fj_now_ms();

	memset(&t, 0, sizeof(t));
	memset(kinds, 0, sizeof(kinds));
	t.c = test_shared_cluster();
	t.topic = test_topic_name("poison");
	test_create_topic(t.c, t.topic, T25_PARTS, 1);
	t.meta = test_producer_new(t.c, NULL);
	t25_pick_partitions(&t);
	ck_assert_int_eq(harness_http_get(t.http_port, "/metrics", &body, 5000), 200);
	long long refused_before = t25_metric(body, "INVALID_RECORD");
	long long ts_refused_before = t25_metric(body, "INVALID_TIMESTAMP");
	free(body);
	body = NULL;

	/* 2016: old timestamps pass without a difference limit. */
	t25_produce_good(&t, t.pa, 3, 1451606400000LL);

#define T25_BASE()                                                                                 \
	(t25_poison_recs(r), memset(&b, 0, sizeof(b)), b.base_ts = now, b.max_ts = now + 2)
#define T25_KIND(nm, code, w)                                                                      \
	(kinds[nk].name = (nm), kinds[nk].expect = (code), kinds[nk].want = (w), &kinds[nk++])

	T25_BASE(), r[1].len_adj = 500;
	t25_kind(
	    &t,
	    T25_KIND("record length out of range", FJORD_ERR_INVALID_RECORD, "record 1: length"),
	    &b, r, 3);
	T25_BASE(), r[1].key_len = 900;
	t25_kind(&t,
	         T25_KIND("key length out of range", FJORD_ERR_INVALID_RECORD,
	                  "record 1: key length 900 exceeds the record"),
	         &b, r, 3);
	T25_BASE(), r[1].hdr_cnt = 100000000;
	t25_kind(&t,
	         T25_KIND("absurd header count", FJORD_ERR_INVALID_RECORD,
	                  "record 1: header count 100000000"),
	         &b, r, 3);
	T25_BASE(), r[1].hdr_key_len = -1;
	t25_kind(
	    &t,
	    T25_KIND("null header key", FJORD_ERR_INVALID_RECORD, "record 1: header 0 key is null"),
	    &b, r, 3);
	T25_BASE(), b.count_adj = 2;
	t25_kind(&t,
	         T25_KIND("fewer records than recordsCount", FJORD_ERR_INVALID_RECORD,
	                  "record 3: missing"),
	         &b, r, 3);
	T25_BASE(), b.count_adj = -1;
	t25_kind(&t,
	         T25_KIND("more records than recordsCount", FJORD_ERR_INVALID_RECORD,
	                  "after the last of 2 records"),
	         &b, r, 3);
	T25_BASE(), b.trailer_len = 7;
	t25_kind(&t,
	         T25_KIND("trailing bytes", FJORD_ERR_INVALID_RECORD,
	                  "7 bytes after the last of 3 records"),
	         &b, r, 3);
	T25_BASE(), b.attributes = RB_CODEC_GZIP;
	t25_kind(&t, T25_KIND("gzip attribute, plain bytes", FJORD_ERR_CORRUPT_MESSAGE, "gzip"), &b,
	         r, 3);
	T25_BASE(), b.attributes = RB_CODEC_LZ4;
	t25_kind(&t, T25_KIND("lz4 attribute, plain bytes", FJORD_ERR_CORRUPT_MESSAGE, "lz4"), &b,
	         r, 3);
	T25_BASE(), b.attributes = RB_CODEC_ZSTD;
	t25_kind(&t, T25_KIND("zstd attribute, plain bytes", FJORD_ERR_CORRUPT_MESSAGE, "zstd"), &b,
	         r, 3);
	T25_BASE(), b.attributes = RB_CODEC_ZSTD, b.compress = RB_CODEC_ZSTD, r[2].key_len = 50;
	t25_kind(&t,
	         T25_KIND("zstd blob, bad record inside", FJORD_ERR_INVALID_RECORD,
	                  "record 2: key length 50"),
	         &b, r, 3);
	T25_BASE(), b.attributes = RB_ATTR_CONTROL;
	t25_kind(&t, T25_KIND("control bit", FJORD_ERR_INVALID_RECORD, "control"), &b, r, 3);
	T25_BASE(), b.attributes = RB_ATTR_TRANSACTIONAL;
	t25_kind(&t, T25_KIND("transactional bit", FJORD_ERR_INVALID_RECORD, "transactional"), &b,
	         r, 3);
	T25_BASE();
	t25_kind(&t, T25_KIND("empty batch", FJORD_ERR_INVALID_RECORD, "no records"), &b, r, 0);
	T25_BASE(), r[2].off_delta = 7;
	t25_kind(&t,
	         T25_KIND("offsetDelta out of sequence", FJORD_ERR_INVALID_RECORD,
	                  "record 2: offsetDelta 7, expected 2"),
	         &b, r, 3);
	T25_BASE(), b.base_ts = INT64_MAX - 1, b.max_ts = INT64_MAX;
	t25_kind(&t,
	         T25_KIND("timestamp overflow", FJORD_ERR_INVALID_TIMESTAMP,
	                  "record 2: baseTimestamp 9223372036854775806 + timestampDelta 2 "
	                  "overflows"),
	         &b, r, 3);
	T25_BASE(), b.base_ts = 0, b.max_ts = 2, r[1].ts_delta = -100;
	t25_kind(&t,
	         T25_KIND("timestamp below -1", FJORD_ERR_INVALID_TIMESTAMP,
	                  "record 1: timestamp -100 is below -1"),
	         &b, r, 3);
	T25_BASE(), b.max_ts = now + 1;
	t25_kind(&t,
	         T25_KIND("maxTimestamp below a record's", FJORD_ERR_INVALID_TIMESTAMP,
	                  "after the batch's maxTimestamp"),
	         &b, r, 3);
	{
		/* A good batch, then a bad one, for the same partition. */
		size_t glen = t25_good(&t, t.pa, 2, now, buf, sizeof(buf));
		T25_BASE(), r[0].len_adj = -4;
		size_t plen = raw_batch_build(buf + glen, sizeof(buf) - glen, &b, r, 3);
		t25_try(&t,
		        T25_KIND("good batch, then a bad one", FJORD_ERR_INVALID_RECORD,
		                 "batch 1, record 0:"),
		        buf, glen + plen);
	}
	{
		/* The reference: a bad CRC was refused before this change too. */
		T25_BASE();
		size_t len = raw_batch_build(buf, sizeof(buf), &b, r, 3);
		buf[len - 3] ^= 0x10;
		t25_try(&t, T25_KIND("bad CRC (reference)", FJORD_ERR_CORRUPT_MESSAGE, "CRC"), buf,
		        len);
	}
#undef T25_KIND
#undef T25_BASE
	t25_produce_good(&t, t.pa, 2, fj_now_ms());

	/* The table first, so a failing run shows every kind's outcome. */
	int bad = 0, invalid_record = 0, invalid_ts = 0;
	test_say("%-36s %-22s %-22s %s", "KIND", "EXPECTED", "GOT", "LOG END");
	for (int i = 0; i < nk; i++) {
		t25_kind_t *k = &kinds[i];
		int ok =
		    k->got == k->expect && strstr(k->msg, k->want) && k->leo_after == k->leo_before;
		test_say("%-36s %-22s %-22s %s%s", k->name, fjord_err2name((fjord_err_t)k->expect),
		         k->got >= -1 ? fjord_err2name((fjord_err_t)k->got) : "no answer",
		         k->leo_after == k->leo_before ? "unchanged" : "MOVED (stored!)",
		         ok ? "" : "   <-- WRONG");
		bad += !ok;
		invalid_record += k->got == FJORD_ERR_INVALID_RECORD;
		invalid_ts += k->got == FJORD_ERR_INVALID_TIMESTAMP;
	}
	for (int i = 0; i < nk; i++) {
		t25_kind_t *k = &kinds[i];
		ck_assert_msg(k->got == k->expect,
		              "%s: answered %d (%s), expected %s; %d of %d kinds wrong", k->name,
		              k->got, k->msg, fjord_err2name((fjord_err_t)k->expect), bad, nk);
		ck_assert_msg(strstr(k->msg, k->want), "%s: error_message '%s' lacks '%s'", k->name,
		              k->msg, k->want);
		ck_assert_msg(k->leo_after == k->leo_before,
		              "%s: log end moved from %" PRId64 " to %" PRId64, k->name,
		              k->leo_before, k->leo_after);
	}

	t25_two_partitions(&t);
	invalid_record++;

	/* The leader counted its refusals. */
	ck_assert_int_eq(harness_http_get(t.http_port, "/metrics", &body, 5000), 200);
	long long refused_after = t25_metric(body, "INVALID_RECORD");
	long long ts_refused_after = t25_metric(body, "INVALID_TIMESTAMP");
	free(body);
	test_say("fjord_produce_refused_total INVALID_RECORD %lld -> %lld, INVALID_TIMESTAMP %lld "
	         "-> %lld",
	         refused_before, refused_after, ts_refused_before, ts_refused_after);
	ck_assert_int_ge(refused_after - refused_before, invalid_record);
	ck_assert_int_ge(ts_refused_after - ts_refused_before, invalid_ts);

	/* Exactly the acknowledged records are in the logs and read back. */
	int64_t leo_sum = 0;
	for (int p = 0; p < T25_PARTS; p++)
		leo_sum += t25_leo(&t, p);
	fjord_destroy(t.meta);
	test_say("acknowledged %d records, log end offsets add up to %" PRId64, t.acked, leo_sum);
	ck_assert_int_eq(leo_sum, t.acked);
	test_msgver_t *mv = test_msgver_new(T25_PARTS);
	int got =
	    test_consume_msgs(t.c, t.topic, T25_PARTS, FJORD_OFFSET_BEGINNING, t.acked, mv, 60000);
	test_say("consumed %d of %d acknowledged records", got, t.acked);
	test_msgver_verify(mv, "poison topic", t.acked);
}
END_TEST

/* ------------------------------------------------------------ timestamps */

typedef struct t25_dr {
	atomic_int cnt;
	atomic_int err;
	atomic_int status;
	char errstr[512];
} t25_dr_t;

static void t25_dr_cb(fjord_t *fj, const fjord_message_t *msg, void *opaque)
{
	t25_dr_t *d = opaque;
	(void)fj;
	atomic_store(&d->err, (int)msg->err);
	atomic_store(&d->status, (int)msg->status);
	snprintf(d->errstr, sizeof(d->errstr), "%s", msg->errstr ? msg->errstr : "");
	atomic_fetch_add(&d->cnt, 1);
}

/* Produces one record with timestamp ts through p, waits for its report. */
static fjord_err_t t25_produce_at(fjord_t *p, t25_dr_t *d, const char *topic, int seq, int64_t ts)
{
	char key[64];
	int klen = snprintf(key, sizeof(key), "testid=0025, partition=0, msg=%d", seq);
	int before = atomic_load(&d->cnt);

	ck_assert_int_eq(fjord_produce(p, topic, 0, key, (size_t)klen, "v", 1, NULL, 0, ts, NULL),
	                 FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(fjord_flush(p, (int)(30000 * test_timeout_multiplier())),
	                 FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(atomic_load(&d->cnt), before + 1);
	return (fjord_err_t)atomic_load(&d->err);
}

/* One record "probe" stamped now, to whichever broker leads partition 0. */
static int t25_topic_ready(void *arg)
{
	void **a = arg;
	test_cluster_t *c = a[0];
	uint8_t buf[256];
	raw_rec_t r;
	raw_batch_t b;

	memset(&r, 0, sizeof(r));
	memset(&b, 0, sizeof(b));
	r.key = "probe";
	r.value = "x";
	b.base_ts = b.max_ts = fj_now_ms();
	size_t len = raw_batch_build(buf, sizeof(buf), &b, &r, 1);
	for (int i = 0; i < c->broker_cnt; i++)
		if (raw_produce_bytes(c->brokers[i].port, a[1], 0, buf, len, NULL, 0) == 0)
			return 1;
	return 0;
}

START_TEST(t0025_timestamp_difference)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("tsdiff");
	const char *configs[] = { "message.timestamp.difference.max.ms", "3600000", NULL };
	char errstr[256] = "";
	t25_dr_t d;

	fjord_t *admin = test_producer_new(c, NULL);
	fjord_err_t err = fjord_admin_create_topic(admin, topic, 1, 1, configs,
	                                           (int)(30000 * test_timeout_multiplier()), errstr,
	                                           sizeof(errstr));
	fjord_destroy(admin);
	ck_assert_msg(err == FJORD_ERR_NO_ERROR, "create %s: %s", topic, errstr);
	/* Ready once its leader takes a (foreign, not verified) probe record. */
	void *arg[2] = { c, (void *)topic };
	ck_assert(test_wait_until(t25_topic_ready, arg, 30000));

	memset(&d, 0, sizeof(d));
	fjord_conf_t *conf = test_conf(c, "retries", "1000", "retry.backoff.ms", "1000",
	                               "message.timeout.ms", "300000", "linger.ms", "0", NULL);
	fjord_conf_set_dr_msg_cb(conf, t25_dr_cb);
	fjord_conf_set_opaque(conf, &d);
	fjord_t *p = fjord_new(FJORD_PRODUCER, conf, errstr, sizeof(errstr));
	ck_assert_msg(p, "%s", errstr);

	int64_t t0 = test_now_ms();
	ck_assert_int_eq(t25_produce_at(p, &d, topic, 0, fj_now_ms()), FJORD_ERR_NO_ERROR);
	err = t25_produce_at(p, &d, topic, 1, fj_now_ms() - 2 * 3600 * 1000);
	test_say("2 h old: %s (%s), status %d", fjord_err2name(err), d.errstr,
	         atomic_load(&d.status));
	ck_assert_int_eq(err, FJORD_ERR_INVALID_TIMESTAMP);
	ck_assert_ptr_nonnull(strstr(d.errstr, "message.timestamp.difference.max.ms"));
	ck_assert_ptr_nonnull(strstr(d.errstr, "before the broker's time"));
	ck_assert_int_eq(atomic_load(&d.status), FJORD_MSG_STATUS_NOT_PERSISTED);
	err = t25_produce_at(p, &d, topic, 2, fj_now_ms() + 2 * 3600 * 1000);
	test_say("2 h ahead: %s (%s)", fjord_err2name(err), d.errstr);
	ck_assert_int_eq(err, FJORD_ERR_INVALID_TIMESTAMP);
	ck_assert_ptr_nonnull(strstr(d.errstr, "after the broker's time"));
	ck_assert_int_eq(t25_produce_at(p, &d, topic, 3, 0 /* now */), FJORD_ERR_NO_ERROR);
	/* Not retried: a retry would wait retry.backoff.ms (1 s) at least
	 * once; only warn, timing is no assertion. */
	if (test_now_ms() - t0 > 2000 * test_timeout_multiplier())
		test_say("WARNING: four produce round trips took %lld ms",
		         (long long)(test_now_ms() - t0));
	fjord_destroy(p);

	/* Only the two acknowledged records (and the probe before them). */
	fjord_t *cons = test_consumer_new(c, NULL);
	fjord_topic_partition_list_t *parts = fjord_topic_partition_list_new(1);
	fjord_topic_partition_list_add(parts, topic, 0)->offset = FJORD_OFFSET_BEGINNING;
	ck_assert_int_eq(fjord_assign(cons, parts), FJORD_ERR_NO_ERROR);
	fjord_topic_partition_list_destroy(parts);
	test_msgver_t *mv = test_msgver_new(1);
	int probes = 0, got = 0;
	int64_t deadline = test_now_ms() + (int64_t)(30000 * test_timeout_multiplier());
	while (got < 2 && test_now_ms() < deadline) {
		fjord_message_t *m = fjord_consumer_poll(cons, 200);
		if (!m)
			continue;
		ck_assert_msg(!m->err, "consumer event: %s %s", fjord_err2name(m->err),
		              m->errstr ? m->errstr : "");
		if (m->key_len == 5 && !memcmp(m->key, "probe", 5)) {
			probes++;
		} else {
			test_msgver_add(mv, m);
			got++;
		}
		fjord_message_destroy(m);
	}
	int64_t low = -1, high = -1;
	ck_assert_int_eq(fjord_query_watermark_offsets(cons, topic, 0, &low, &high, 10000), 0);
	fjord_destroy(cons);
	test_say("log end %" PRId64 ": %d probe(s), %d records", high, probes, got);
	ck_assert_int_eq(probes, 1);
	ck_assert_int_eq(high, probes + 2);
	/* msg=0 and msg=3, at consecutive offsets after the probe. */
	test_msgver_verify(mv, "timestamp topic", 2);
}
END_TEST

void test_0025(TCase *tc)
{
	tcase_add_test(tc, t0025_poison_kinds);
	tcase_add_test(tc, t0025_timestamp_difference);
}
