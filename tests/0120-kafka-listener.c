/*
 * 0120-kafka-listener — the Kafka-protocol listener spoken by hand
 * (tests/kproto.h), every advertised version of the translated APIs,
 * against real ZooKeeper and real brokers.
 *
 * t0120_api_versions: ApiVersions v0, v1 and v2 list the table (Produce
 * 0-7, Fetch 4-11, Metadata 0-4, ...); v3 is answered with a v0 body and
 * UNSUPPORTED_VERSION and the connection stays usable.
 * t0120_bad_requests: a size field below a header, an undecodable header,
 * an api the table lacks, a version it lacks, a truncated body and a name
 * with a NUL byte inside each
 * close that connection (others keep working); a fjord-protocol frame on
 * the Kafka port is refused the same way.
 * t0120_produce_fetch: CreateTopics v0-4 (manual assignment and
 * validate_only refused with a message), Produce v3-7 appends with acks=-1,
 * 1 and 0 (base offsets counted), Produce v0-2 answers
 * UNSUPPORTED_FOR_MESSAGE_FORMAT, Fetch v4-11 returns the batches byte for
 * byte with HW = LSO, an incremental fetch session is refused,
 * ListOffsets v1-2 earliest/latest, InitProducerId v0-1 (a transactional
 * id refused), an idempotent batch sent twice is stored once, DeleteTopics
 * v0-1.
 * t0120_metadata: Metadata v0-4 layouts; a broker without the Kafka
 * listener is left out and the partitions it leads answer
 * LEADER_NOT_AVAILABLE; auto-creation on v4 only with
 * allow_auto_topic_creation, always on v0-3, never with
 * auto.create.topics.enable=false.
 * t0120_config_errors: kafka.listener.names naming no listener, the
 * inter-broker listener or a SASL one exits 2 with the reason.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/bytes.h"
#include "harness_int.h"
#include "kproto.h"
#include "rawproto.h"
#include "test.h"

#define T0120_EXTRA                                                                                \
	"listeners=PLAINTEXT://127.0.0.1:0,KAFKA://127.0.0.1:0\n"                                  \
	"kafka.listener.names=KAFKA\n"

/* What a Metadata answer says, in any version. */
typedef struct t0120_md {
	int broker_cnt;
	int32_t broker_ids[8];
	int32_t broker_ports[8];
	int32_t controller;
	int16_t topic_err;
	int part_cnt;
	int16_t part_err[16];
	int32_t leader[16];
} t0120_md_t;

/* Metadata vN for one topic (NULL: all topics; then only brokers are kept). */
static void t0120_md_get(int fd, int16_t v, const char *topic, int allow_create, t0120_md_t *md)
{
	kw_writer_t w;
	kw_reader_t r;
	arena_t ar;
	uint8_t *resp;
	int32_t n, i, j, np;

	memset(md, 0, sizeof(*md));
	arena_init(&ar, 0);
	kww_init(&w);
	if (topic) {
		kww_i32(&w, 1);
		kww_str(&w, topic);
	} else {
		kww_i32(&w, v == 0 ? 0 : -1);
	}
	if (v >= 4)
		kww_i8(&w, (int8_t)allow_create);
	resp = kp_call(fd, 3, v, &w, &r);
	if (v >= 3)
		(void)kwr_i32(&r);
	n = kwr_array(&r, 8, 0);
	for (i = 0; i < n; i++) {
		int32_t id = kwr_i32(&r);
		char *host = kwr_str(&r, &ar, 0);
		int32_t port = kwr_i32(&r);
		if (v >= 1)
			(void)kwr_str(&r, &ar, 1);
		ck_assert_str_eq(host, "127.0.0.1");
		if (md->broker_cnt < 8) {
			md->broker_ids[md->broker_cnt] = id;
			md->broker_ports[md->broker_cnt++] = port;
		}
	}
	if (v >= 2)
		(void)kwr_str(&r, &ar, 1);
	md->controller = v >= 1 ? kwr_i32(&r) : -1;
	n = kwr_array(&r, 4, 0);
	for (i = 0; i < n; i++) {
		int16_t terr = kwr_i16(&r);
		char *name = kwr_str(&r, &ar, 0);
		if (v >= 1)
			ck_assert_int_eq(kwr_i8(&r), 0);
		np = kwr_array(&r, 4, 0);
		if (topic && name && !strcmp(name, topic)) {
			md->topic_err = terr;
			md->part_cnt = np;
		}
		for (j = 0; j < np; j++) {
			int16_t perr = kwr_i16(&r);
			int32_t idx = kwr_i32(&r), leader = kwr_i32(&r), k, m;
			for (k = 0; k < 2; k++) {
				m = kwr_array(&r, 4, 0);
				kwr_skip(&r, (size_t)(m > 0 ? m : 0) * 4);
			}
			if (topic && name && !strcmp(name, topic) && idx >= 0 && idx < 16) {
				md->part_err[idx] = perr;
				md->leader[idx] = leader;
			}
		}
	}
	ck_assert_msg(!r.err && kwr_left(&r) == 0, "Metadata v%d answer does not decode", v);
	free(resp);
	kww_free(&w);
	arena_free(&ar);
}

/* Waits until every partition of topic has a leader (Metadata v4). */
static void t0120_wait_leaders(int fd, const char *topic, int parts, t0120_md_t *md)
{
	int64_t end = test_now_ms() + (int64_t)(20000 * test_timeout_multiplier());
	for (;;) {
		int ok;
		t0120_md_get(fd, 4, topic, 0, md);
		ok = md->topic_err == 0 && md->part_cnt == parts;
		for (int i = 0; ok && i < parts; i++)
			ok = md->part_err[i] == 0 && md->leader[i] >= 0;
		if (ok)
			return;
		ck_assert_msg(test_now_ms() < end, "%s: no leaders after 20 s (topic error %d)",
		              topic, md->topic_err);
		usleep(100 * 1000);
	}
}

static int t0120_kafka_port(test_cluster_t *c, int i)
{
	return test_listener_port(c, i, "KAFKA");
}

/* The API versions of one ApiVersions answer: checks the ranges the table
 * must have. Returns its error code. */
static int16_t t0120_check_api_versions(kw_reader_t *r, int16_t v)
{
	static const int16_t want[][3] = { { 0, 0, 7 },  { 1, 4, 11 }, { 2, 1, 2 },  { 3, 0, 4 },
		                           { 18, 0, 2 }, { 19, 0, 4 }, { 20, 0, 1 }, { 22, 0, 1 } };
	int16_t err = kwr_i16(r);
	int32_t n = kwr_array(r, 6, 0), i;
	int found = 0;

	for (i = 0; i < n; i++) {
		int16_t key = kwr_i16(r), lo = kwr_i16(r), hi = kwr_i16(r);
		for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++)
			if (want[k][0] == key) {
				ck_assert_msg(lo == want[k][1] && hi == want[k][2],
				              "api %d advertised %d-%d, expected %d-%d", key, lo,
				              hi, want[k][1], want[k][2]);
				found++;
			}
	}
	ck_assert_int_eq(found, (int)(sizeof(want) / sizeof(want[0])));
	if (v >= 1 && v <= 2)
		(void)kwr_i32(r);
	ck_assert_msg(!r->err && kwr_left(r) == 0, "ApiVersions v%d answer does not decode", v);
	return err;
}

START_TEST(t0120_api_versions)
{
	test_cluster_t *c = test_cluster_new(1, T0120_EXTRA);
	int fd = raw_connect(t0120_kafka_port(c, 0));
	kw_reader_t r;
	uint8_t *b;

	ck_assert_int_ge(fd, 0);
	for (int16_t v = 0; v <= 3; v++) {
		b = kp_call(fd, 18, v, NULL, &r);
		int16_t err = t0120_check_api_versions(&r, v > 2 ? 0 : v);
		test_say("ApiVersions v%d: error %d", v, err);
		ck_assert_int_eq(err, v > 2 ? 35 : 0);
		free(b);
	}
	/* Still usable after the v3 refusal. */
	b = kp_call(fd, 18, 0, NULL, &r);
	ck_assert_int_eq(t0120_check_api_versions(&r, 0), 0);
	free(b);
	close(fd);
	test_cluster_destroy(c);
}
END_TEST

/* Sends raw bytes on a new connection; asserts the broker closes it. */
static void t0120_expect_close(int port, const void *bytes, size_t len, const char *what)
{
	int fd = raw_connect(port);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(raw_send(fd, bytes, len), 0);
	ck_assert_msg(raw_wait_closed(fd, 5000), "%s: the connection stayed open", what);
	test_say("%s: closed", what);
	close(fd);
}

START_TEST(t0120_bad_requests)
{
	test_cluster_t *c = test_cluster_new(1, T0120_EXTRA);
	int port = t0120_kafka_port(c, 0), fd;
	uint8_t buf[64];
	kw_writer_t w;
	kw_reader_t r;
	uint8_t *b;

	/* A size below any header. */
	be32_write(buf, 5);
	memset(buf + 4, 0, 5);
	t0120_expect_close(port, buf, 9, "5-byte request");
	/* A client id length past the end. */
	be32_write(buf, 10);
	be16_write(buf + 4, 18);
	be16_write(buf + 6, 0);
	be32_write(buf + 8, 1);
	be16_write(buf + 12, 200);
	t0120_expect_close(port, buf, 14, "client id past the end");
	/* An api the table lacks, and a version it lacks. */
	fd = raw_connect(port);
	ck_assert_int_eq(kp_send(fd, 57, 0, 7, NULL), 0);
	ck_assert_msg(raw_wait_closed(fd, 5000), "api 57: the connection stayed open");
	close(fd);
	fd = raw_connect(port);
	ck_assert_int_eq(kp_send(fd, 3, 9, 7, NULL), 0);
	ck_assert_msg(raw_wait_closed(fd, 5000), "Metadata v9: the connection stayed open");
	close(fd);
	/* A Metadata body cut short (topic count 3, one topic). */
	kww_init(&w);
	kww_i32(&w, 3);
	kww_str(&w, "t");
	fd = raw_connect(port);
	ck_assert_int_eq(kp_send(fd, 3, 1, 8, &w), 0);
	ck_assert_msg(raw_wait_closed(fd, 5000), "truncated Metadata: the connection stayed open");
	close(fd);
	kww_free(&w);
	/* A name with a NUL byte inside (it would be cut at it). */
	kww_init(&w);
	kww_i32(&w, 1);
	kww_i16(&w, 3);
	kww_raw(&w, "a\0b", 3);
	fd = raw_connect(port);
	ck_assert_int_eq(kp_send(fd, 3, 1, 8, &w), 0);
	ck_assert_msg(raw_wait_closed(fd, 5000),
	              "a NUL in a topic name: the connection stayed open");
	close(fd);
	kww_free(&w);
	/* fjord's own framing on the Kafka port: its 8-byte prefix reads as
	 * a size and a header that does not decode. */
	fd = raw_connect(port);
	ck_assert_int_eq(raw_send_api_versions(fd, 9), 0);
	ck_assert_msg(raw_wait_closed(fd, 5000), "fjord frame: the connection stayed open");
	close(fd);
	/* The broker still answers. */
	fd = raw_connect(port);
	b = kp_call(fd, 18, 2, NULL, &r);
	ck_assert_int_eq(t0120_check_api_versions(&r, 2), 0);
	free(b);
	close(fd);
	test_cluster_destroy(c);
}
END_TEST

/* One record batch of n records "k<i>"/"v<i>". */
static size_t t0120_batch(uint8_t *buf, size_t cap, int n, int idem, int64_t pid, int32_t seq)
{
	raw_rec_t recs[16];
	char keys[16][16], vals[16][16];
	raw_batch_t spec = { 0 };

	ck_assert_int_le(n, 16);
	for (int i = 0; i < n; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
		snprintf(vals[i], sizeof(vals[i]), "v%d", i);
		memset(&recs[i], 0, sizeof(recs[i]));
		recs[i].key = keys[i];
		recs[i].value = vals[i];
		recs[i].ts_delta = i;
	}
	spec.base_ts = spec.max_ts = 1700000000000LL;
	spec.max_ts += n - 1;
	if (idem) {
		spec.idempotent = 1;
		spec.producer_id = pid;
		spec.producer_epoch = 0;
		spec.base_sequence = seq;
	}
	return raw_batch_build(buf, cap, &spec, recs, n);
}

/* Produce vN of one batch to topic/partition; returns the error, base
 * offset in *basep. acks 0: no answer is read (returns 0). */
static int16_t t0120_produce(int fd, int16_t v, const char *topic, int32_t part, int16_t acks,
                             const uint8_t *batch, size_t len, int64_t *basep, const char *txn)
{
	static int32_t corr = 50000;
	kw_writer_t w;
	kw_reader_t r;
	arena_t ar;
	uint8_t *resp;
	size_t rlen;
	int16_t err;

	kww_init(&w);
	if (v >= 3)
		kww_str(&w, txn);
	kww_i16(&w, acks);
	kww_i32(&w, 10000);
	kww_i32(&w, 1);
	kww_str(&w, topic);
	kww_i32(&w, 1);
	kww_i32(&w, part);
	kww_bytes(&w, batch, (int32_t)len);
	if (acks == 0) {
		ck_assert_int_eq(kp_send(fd, 0, v, ++corr, &w), 0);
		kww_free(&w);
		return 0;
	}
	ck_assert_int_eq(kp_send(fd, 0, v, ++corr, &w), 0);
	resp = kp_recv(fd, corr, &rlen, 15000);
	ck_assert_msg(resp, "Produce v%d: no answer", v);
	kwr_init(&r, resp, rlen);
	arena_init(&ar, 0);
	ck_assert_int_eq(kwr_array(&r, 6, 0), 1);
	ck_assert_str_eq(kwr_str(&r, &ar, 0), topic);
	ck_assert_int_eq(kwr_array(&r, 14, 0), 1);
	ck_assert_int_eq(kwr_i32(&r), part);
	err = kwr_i16(&r);
	*basep = kwr_i64(&r);
	if (v >= 2)
		(void)kwr_i64(&r);
	if (v >= 5)
		(void)kwr_i64(&r);
	if (v >= 1)
		(void)kwr_i32(&r);
	ck_assert_msg(!r.err && kwr_left(&r) == 0, "Produce v%d answer does not decode", v);
	free(resp);
	arena_free(&ar);
	kww_free(&w);
	return err;
}

/* Fetch vN of topic/partition from offset: returns the error; the records'
 * bytes (malloc'd) in *recp / *reclenp, HW and LSO in *hwp / *lsop. */
static int16_t t0120_fetch(int fd, int16_t v, const char *topic, int32_t part, int64_t offset,
                           uint8_t **recp, int32_t *reclenp, int64_t *hwp, int64_t *lsop)
{
	kw_writer_t w;
	kw_reader_t r;
	arena_t ar;
	uint8_t *resp;
	const uint8_t *rec;
	int16_t err;

	kww_init(&w);
	kww_i32(&w, -1);
	kww_i32(&w, 100);
	kww_i32(&w, 1);
	kww_i32(&w, 1 << 20);
	kww_i8(&w, 0);
	if (v >= 7) {
		kww_i32(&w, 0);
		kww_i32(&w, -1);
	}
	kww_i32(&w, 1);
	kww_str(&w, topic);
	kww_i32(&w, 1);
	kww_i32(&w, part);
	if (v >= 9)
		kww_i32(&w, -1);
	kww_i64(&w, offset);
	if (v >= 5)
		kww_i64(&w, -1);
	kww_i32(&w, 1 << 20);
	if (v >= 7)
		kww_i32(&w, 0);
	if (v >= 11)
		kww_str(&w, "");
	resp = kp_call(fd, 1, v, &w, &r);
	arena_init(&ar, 0);
	(void)kwr_i32(&r);
	if (v >= 7) {
		ck_assert_int_eq(kwr_i16(&r), 0);
		ck_assert_int_eq(kwr_i32(&r), 0);
	}
	ck_assert_int_eq(kwr_array(&r, 6, 0), 1);
	ck_assert_str_eq(kwr_str(&r, &ar, 0), topic);
	ck_assert_int_eq(kwr_array(&r, 30, 0), 1);
	ck_assert_int_eq(kwr_i32(&r), part);
	err = kwr_i16(&r);
	*hwp = kwr_i64(&r);
	*lsop = kwr_i64(&r);
	if (v >= 5)
		(void)kwr_i64(&r);
	ck_assert_int_eq(kwr_array(&r, 16, 1), 0);
	if (v >= 11)
		ck_assert_int_eq(kwr_i32(&r), -1);
	rec = kwr_bytes(&r, reclenp, 1);
	ck_assert_msg(!r.err && kwr_left(&r) == 0, "Fetch v%d answer does not decode", v);
	*recp = malloc((size_t)(*reclenp > 0 ? *reclenp : 1));
	if (*reclenp > 0)
		memcpy(*recp, rec, (size_t)*reclenp);
	free(resp);
	arena_free(&ar);
	kww_free(&w);
	return err;
}

/* ListOffsets vN of one partition at ts; returns the offset (error 0). */
static int64_t t0120_list_offset(int fd, int16_t v, const char *topic, int32_t part, int64_t ts)
{
	kw_writer_t w;
	kw_reader_t r;
	arena_t ar;
	uint8_t *resp;
	int64_t off;

	kww_init(&w);
	kww_i32(&w, -1);
	if (v >= 2)
		kww_i8(&w, 0);
	kww_i32(&w, 1);
	kww_str(&w, topic);
	kww_i32(&w, 1);
	kww_i32(&w, part);
	kww_i64(&w, ts);
	resp = kp_call(fd, 2, v, &w, &r);
	arena_init(&ar, 0);
	if (v >= 2)
		(void)kwr_i32(&r);
	ck_assert_int_eq(kwr_array(&r, 6, 0), 1);
	ck_assert_str_eq(kwr_str(&r, &ar, 0), topic);
	ck_assert_int_eq(kwr_array(&r, 22, 0), 1);
	ck_assert_int_eq(kwr_i32(&r), part);
	ck_assert_int_eq(kwr_i16(&r), 0);
	(void)kwr_i64(&r);
	off = kwr_i64(&r);
	ck_assert_msg(!r.err && kwr_left(&r) == 0, "ListOffsets v%d answer does not decode", v);
	free(resp);
	arena_free(&ar);
	kww_free(&w);
	return off;
}

/* CreateTopics vN of one topic; returns the error and its message (v1+). */
static int16_t t0120_create_topic(int fd, int16_t v, const char *topic, int32_t parts, int16_t rf,
                                  int manual, int validate_only, char *msg, size_t msgsz)
{
	kw_writer_t w;
	kw_reader_t r;
	arena_t ar;
	uint8_t *resp;
	int16_t err;

	kww_init(&w);
	kww_i32(&w, 1);
	kww_str(&w, topic);
	kww_i32(&w, manual ? -1 : parts);
	kww_i16(&w, manual ? -1 : rf);
	if (manual) {
		kww_i32(&w, 1);
		kww_i32(&w, 0);
		kww_i32(&w, 1);
		kww_i32(&w, 1);
	} else {
		kww_i32(&w, 0);
	}
	kww_i32(&w, 1);
	kww_str(&w, "retention.ms");
	kww_str(&w, "3600000");
	kww_i32(&w, 10000);
	if (v >= 1)
		kww_i8(&w, (int8_t)validate_only);
	resp = kp_call(fd, 19, v, &w, &r);
	arena_init(&ar, 0);
	if (v >= 2)
		(void)kwr_i32(&r);
	ck_assert_int_eq(kwr_array(&r, 4, 0), 1);
	ck_assert_str_eq(kwr_str(&r, &ar, 0), topic);
	err = kwr_i16(&r);
	msg[0] = '\0';
	if (v >= 1) {
		char *m = kwr_str(&r, &ar, 1);
		snprintf(msg, msgsz, "%s", m ? m : "");
	}
	ck_assert_msg(!r.err && kwr_left(&r) == 0, "CreateTopics v%d answer does not decode", v);
	free(resp);
	arena_free(&ar);
	kww_free(&w);
	return err;
}

/* InitProducerId vN; returns the error, the id in *pidp. */
static int16_t t0120_init_pid(int fd, int16_t v, const char *txn, int64_t *pidp)
{
	kw_writer_t w;
	kw_reader_t r;
	uint8_t *resp;
	int16_t err;

	kww_init(&w);
	kww_str(&w, txn);
	kww_i32(&w, 60000);
	resp = kp_call(fd, 22, v, &w, &r);
	(void)kwr_i32(&r);
	err = kwr_i16(&r);
	*pidp = kwr_i64(&r);
	ck_assert_int_eq(kwr_i16(&r), err ? -1 : 0);
	ck_assert_msg(!r.err && kwr_left(&r) == 0, "InitProducerId answer does not decode");
	free(resp);
	kww_free(&w);
	return err;
}

START_TEST(t0120_produce_fetch)
{
	test_cluster_t *c = test_cluster_new(1, T0120_EXTRA);
	const char *topic = test_topic_name("pf");
	int fd = raw_connect(t0120_kafka_port(c, 0));
	uint8_t batch[2048], *rec;
	size_t blen;
	int64_t base, hw, lso, next = 0, pid;
	int32_t rlen;
	t0120_md_t md;
	char msg[400];
	int16_t v, err;

	ck_assert_int_ge(fd, 0);
	/* CreateTopics: manual assignment and validate_only are refused. */
	err = t0120_create_topic(fd, 4, "t0120_manual", 1, 1, 1, 0, msg, sizeof(msg));
	test_say("manual assignment: %d %s", err, msg);
	ck_assert_int_eq(err, 42);
	ck_assert_ptr_nonnull(strstr(msg, "manual replica assignments"));
	err = t0120_create_topic(fd, 1, "t0120_validate", 1, 1, 0, 1, msg, sizeof(msg));
	ck_assert_int_eq(err, 42);
	ck_assert_ptr_nonnull(strstr(msg, "validate_only"));
	for (v = 0; v <= 4; v++) {
		char name[200];
		snprintf(name, sizeof(name), "%s_v%d", topic, v);
		err = t0120_create_topic(fd, v, name, 2, 1, 0, 0, msg, sizeof(msg));
		test_say("CreateTopics v%d %s: %d %s", v, name, err, msg);
		ck_assert_int_eq(err, 0);
	}
	err = t0120_create_topic(fd, 2, topic, 2, 1, 0, 0, msg, sizeof(msg));
	ck_assert_int_eq(err, 0);
	err = t0120_create_topic(fd, 2, topic, 2, 1, 0, 0, msg, sizeof(msg));
	ck_assert_int_eq(err, 36); /* TOPIC_ALREADY_EXISTS */
	t0120_wait_leaders(fd, topic, 2, &md);

	/* Produce v0-2: the old message formats are not stored. */
	blen = t0120_batch(batch, sizeof(batch), 3, 0, 0, 0);
	for (v = 0; v <= 2; v++) {
		err = t0120_produce(fd, v, topic, 0, 1, batch, blen, &base, NULL);
		ck_assert_int_eq(err, 43);
		ck_assert_int_eq(base, -1);
	}
	/* Produce v3-7, acks -1 and 1: three records each, offsets in order. */
	for (v = 3; v <= 7; v++) {
		err = t0120_produce(fd, v, topic, 0, v % 2 ? -1 : 1, batch, blen, &base, NULL);
		test_say("Produce v%d: error %d base offset %lld", v, err, (long long)base);
		ck_assert_int_eq(err, 0);
		ck_assert_int_eq(base, next);
		next += 3;
	}
	/* acks=0: no answer; the next request's answer comes next. */
	(void)t0120_produce(fd, 7, topic, 0, 0, batch, blen, &base, NULL);
	next += 3;
	/* A transactional id is refused. */
	err = t0120_produce(fd, 7, topic, 0, 1, batch, blen, &base, "txn-1");
	ck_assert_int_eq(err, 53);
	/* An unknown partition. */
	err = t0120_produce(fd, 5, topic, 9, 1, batch, blen, &base, NULL);
	ck_assert_int_eq(err, 3);

	/* Fetch v4-11: the batches come back whole, HW = LSO = records. */
	for (v = 4; v <= 11; v++) {
		int64_t off = 0;
		int batches = 0;
		err = t0120_fetch(fd, v, topic, 0, 0, &rec, &rlen, &hw, &lso);
		ck_assert_int_eq(err, 0);
		ck_assert_int_eq(hw, next);
		ck_assert_int_eq(lso, hw);
		for (int32_t pos = 0; pos + 61 <= rlen;) {
			int32_t blen2 = be32_read_i(rec + pos + 8);
			ck_assert_int_eq(be64_read_i(rec + pos), off);
			ck_assert_int_eq(be32_read_i(rec + pos + 57), 3);
			off += 3;
			batches++;
			pos += 12 + blen2;
		}
		test_say("Fetch v%d: %d bytes, %d batches, HW %lld", v, rlen, batches,
		         (long long)hw);
		ck_assert_int_eq(off, next);
		free(rec);
	}
	/* An empty fetch at the end, and one past it. */
	err = t0120_fetch(fd, 11, topic, 0, next, &rec, &rlen, &hw, &lso);
	ck_assert_int_eq(err, 0);
	ck_assert_int_eq(rlen, 0);
	free(rec);
	err = t0120_fetch(fd, 6, topic, 0, next + 100, &rec, &rlen, &hw, &lso);
	ck_assert_int_eq(err, 1); /* OFFSET_OUT_OF_RANGE */
	free(rec);

	/* An incremental fetch of a session never created. */
	{
		kw_writer_t w;
		kw_reader_t r;
		uint8_t *resp;
		kww_init(&w);
		kww_i32(&w, -1);
		kww_i32(&w, 100);
		kww_i32(&w, 1);
		kww_i32(&w, 1 << 20);
		kww_i8(&w, 0);
		kww_i32(&w, 77); /* session id */
		kww_i32(&w, 1);  /* session epoch */
		kww_i32(&w, 0);  /* no topics: only what changed */
		kww_i32(&w, 0);  /* nothing forgotten */
		resp = kp_call(fd, 1, 7, &w, &r);
		(void)kwr_i32(&r);
		ck_assert_int_eq(kwr_i16(&r), 70); /* FETCH_SESSION_ID_NOT_FOUND */
		ck_assert_int_eq(kwr_i32(&r), 0);
		ck_assert_int_eq(kwr_array(&r, 0, 0), 0);
		ck_assert(!r.err && kwr_left(&r) == 0);
		free(resp);
		kww_free(&w);
	}

	/* ListOffsets v1-2. */
	for (v = 1; v <= 2; v++) {
		ck_assert_int_eq(t0120_list_offset(fd, v, topic, 0, -2), 0);
		ck_assert_int_eq(t0120_list_offset(fd, v, topic, 0, -1), next);
		ck_assert_int_eq(t0120_list_offset(fd, v, topic, 1, -1), 0);
	}

	/* InitProducerId, then an idempotent batch sent twice is stored once. */
	ck_assert_int_eq(t0120_init_pid(fd, 0, "txn-1", &pid), 53);
	ck_assert_int_eq(t0120_init_pid(fd, 1, NULL, &pid), 0);
	ck_assert_int_eq(t0120_init_pid(fd, 0, NULL, &pid), 0);
	ck_assert_int_ge(pid, 0);
	blen = t0120_batch(batch, sizeof(batch), 4, 1, pid, 0);
	ck_assert_int_eq(t0120_produce(fd, 7, topic, 1, -1, batch, blen, &base, NULL), 0);
	ck_assert_int_eq(base, 0);
	ck_assert_int_eq(t0120_produce(fd, 7, topic, 1, -1, batch, blen, &base, NULL), 0);
	ck_assert_int_eq(base, 0);
	ck_assert_int_eq(t0120_list_offset(fd, 2, topic, 1, -1), 4);

	/* DeleteTopics v0 and v1. */
	for (v = 0; v <= 1; v++) {
		kw_writer_t w;
		kw_reader_t r;
		arena_t ar;
		char name[200];
		uint8_t *resp;
		snprintf(name, sizeof(name), "%s_v%d", topic, v);
		kww_init(&w);
		kww_i32(&w, 2);
		kww_str(&w, name);
		kww_str(&w, "t0120_never_created");
		kww_i32(&w, 10000);
		resp = kp_call(fd, 20, v, &w, &r);
		arena_init(&ar, 0);
		if (v >= 1)
			(void)kwr_i32(&r);
		ck_assert_int_eq(kwr_array(&r, 4, 0), 2);
		ck_assert_str_eq(kwr_str(&r, &ar, 0), name);
		ck_assert_int_eq(kwr_i16(&r), 0);
		ck_assert_str_eq(kwr_str(&r, &ar, 0), "t0120_never_created");
		ck_assert_int_eq(kwr_i16(&r), 3);
		ck_assert(!r.err && kwr_left(&r) == 0);
		free(resp);
		arena_free(&ar);
		kww_free(&w);
	}
	close(fd);
	test_cluster_destroy(c);
}
END_TEST

START_TEST(t0120_metadata)
{
	test_cluster_t *c = test_cluster_new(2, T0120_EXTRA);
	const char *topic = test_topic_name("md");
	int fd = raw_connect(t0120_kafka_port(c, 0)), i, led_by_2 = -1;
	char auto4[200], auto0[200], name[240];
	t0120_md_t md;
	int16_t v;

	ck_assert_int_ge(fd, 0);
	test_create_topic(c, topic, 4, 1);
	t0120_wait_leaders(fd, topic, 4, &md);
	for (v = 0; v <= 4; v++) {
		t0120_md_get(fd, v, topic, 0, &md);
		ck_assert_int_eq(md.broker_cnt, 2);
		ck_assert_int_eq(md.topic_err, 0);
		ck_assert_int_eq(md.part_cnt, 4);
		for (i = 0; i < 2; i++) {
			int k = md.broker_ids[i] == c->brokers[0].id ? 0 : 1;
			ck_assert_int_eq(md.broker_ports[i], t0120_kafka_port(c, k));
		}
		if (v >= 1)
			ck_assert_int_ge(md.controller, 0);
	}
	/* All topics (v0: empty array; v1+: null). */
	t0120_md_get(fd, 0, NULL, 0, &md);
	ck_assert_int_eq(md.broker_cnt, 2);

	/* Auto-creation: v4 only when allowed; v0-3 always. */
	snprintf(auto4, sizeof(auto4), "%s_auto4", topic);
	snprintf(auto0, sizeof(auto0), "%s_auto0", topic);
	t0120_md_get(fd, 4, auto4, 0, &md);
	ck_assert_int_eq(md.topic_err, 3);
	usleep(500 * 1000);
	t0120_md_get(fd, 4, auto4, 0, &md);
	ck_assert_int_eq(md.topic_err, 3);
	t0120_md_get(fd, 4, auto4, 1, &md);
	t0120_wait_leaders(fd, auto4, 1, &md);
	t0120_md_get(fd, 1, auto0, 0, &md);
	t0120_wait_leaders(fd, auto0, 1, &md);
	test_say("auto-created %s and %s", auto4, auto0);

	/* Broker 2 restarted without the Kafka listener: left out, and the
	 * partitions it leads have no leader a Kafka client can reach. */
	test_broker_kill(c, 1, SIGTERM);
	snprintf(c->brokers[1].extra, sizeof(c->brokers[1].extra), "%s", "");
	test_broker_restart(c, 1);
	{
		int64_t end = test_now_ms() + (int64_t)(20000 * test_timeout_multiplier());
		for (;;) {
			int has_leaders = 1;
			t0120_md_get(fd, 4, topic, 0, &md);
			for (i = 0; i < 4; i++)
				has_leaders &= md.part_err[i] == 0 || md.part_err[i] == 5;
			if (md.broker_cnt == 1 && has_leaders) {
				/* Which partitions broker 2 leads, from fjord's view. */
				break;
			}
			ck_assert_msg(test_now_ms() < end, "broker 2 still listed");
			usleep(100 * 1000);
		}
	}
	ck_assert_int_eq(md.broker_ids[0], c->brokers[0].id);
	{
		fjord_t *h = test_producer_new(c, NULL);
		fjord_metadata_t *fm = NULL;
		int64_t end = test_now_ms() + (int64_t)(20000 * test_timeout_multiplier());
		for (;;) {
			int all_led = 1;
			ck_assert_int_eq(fjord_metadata(h, topic, &fm, 5000), FJORD_ERR_NO_ERROR);
			for (i = 0; i < fm->topic_cnt; i++) {
				if (strcmp(fm->topics[i].topic, topic))
					continue;
				for (int p = 0; p < fm->topics[i].partition_cnt; p++) {
					int32_t l = fm->topics[i].partitions[p].leader;
					all_led &= l >= 0;
					if (l == c->brokers[1].id)
						led_by_2 = fm->topics[i].partitions[p].id;
				}
			}
			fjord_metadata_destroy(fm);
			if (all_led && led_by_2 >= 0)
				break;
			if (test_now_ms() > end)
				break;
			usleep(200 * 1000);
		}
		fjord_destroy(h);
	}
	ck_assert_msg(led_by_2 >= 0, "broker 2 leads none of the 4 partitions");
	t0120_md_get(fd, 4, topic, 0, &md);
	test_say("partition %d led by broker 2: error %d leader %d", led_by_2,
	         md.part_err[led_by_2], md.leader[led_by_2]);
	ck_assert_int_eq(md.part_err[led_by_2], 5);
	ck_assert_int_eq(md.leader[led_by_2], -1);
	close(fd);
	test_cluster_destroy(c);

	/* auto.create.topics.enable=false: never. */
	c = test_cluster_new(1, T0120_EXTRA "auto.create.topics.enable=false\n");
	fd = raw_connect(t0120_kafka_port(c, 0));
	snprintf(name, sizeof(name), "%s_never", topic);
	t0120_md_get(fd, 4, name, 1, &md);
	t0120_md_get(fd, 0, name, 0, &md);
	usleep(700 * 1000);
	t0120_md_get(fd, 4, name, 1, &md);
	ck_assert_int_eq(md.topic_err, 3);
	close(fd);
	test_cluster_destroy(c);
}
END_TEST

START_TEST(t0120_config_errors)
{
	static const struct {
		const char *props, *want;
	} cases[] = {
		{ "listeners=PLAINTEXT://127.0.0.1:0\nkafka.listener.names=KAFKA\n",
		  "kafka.listener.names: \"KAFKA\" is not a listener" },
		{ "listeners=PLAINTEXT://127.0.0.1:0,KAFKA://127.0.0.1:0\n"
		  "kafka.listener.names=PLAINTEXT\n",
		  "is the inter-broker listener" },
		{ "listeners=PLAINTEXT://127.0.0.1:0,KAFKA://127.0.0.1:0\n"
		  "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,KAFKA:SASL_PLAINTEXT\n"
		  "kafka.listener.names=KAFKA\n",
		  "serves PLAINTEXT or SSL" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[600], *out = NULL, *text = NULL;
		ck_assert(harness_path(path, sizeof(path), "%s/t0120-%zu.properties", test_tmpdir(),
		                       i) == 0);
		ck_assert(
		    asprintf(
		        &text,
		        "broker.id=1\nlog.dirs=%s/t0120-%zu\nzookeeper.connect=127.0.0.1:1\n%s",
		        test_tmpdir(), i, cases[i].props) > 0);
		ck_assert_int_eq(harness_write_file(path, text), 0);
		int st = test_fjordd_run_expect_exit(path, NULL, &out, 10000);
		test_say("case %zu: exit %d: %s", i, st, out ? out : "");
		ck_assert_int_eq(st, 2);
		ck_assert_msg(out && strstr(out, cases[i].want), "case %zu: expected \"%s\" in: %s",
		              i, cases[i].want, out ? out : "");
		free(out);
		free(text);
	}
}
END_TEST

void test_0120(TCase *tc)
{
	tcase_add_test(tc, t0120_api_versions);
	tcase_add_test(tc, t0120_bad_requests);
	tcase_add_test(tc, t0120_produce_fetch);
	tcase_add_test(tc, t0120_metadata);
	tcase_add_test(tc, t0120_config_errors);
}
