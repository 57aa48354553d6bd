/*
 * make_seeds — writes the seed corpora of the fuzz targets,
 * tests/fuzz/corpus/<target>/<name>: small meaningful inputs built with
 * fjord's own code (record batches with rb_builder, request frames with the
 * generated protobuf code and frame_write_prefix, segment files with
 * plog_append), and the text inputs (znode JSON from docs/zookeeper.md,
 * properties files, endpoints, numbers, ZooKeeper paths).
 *
 * Usage: tests/fuzz/make_seeds <corpus-dir>   (in a build-fuzz/ tree)
 *
 * The output is deterministic (fixed timestamps, no clock), so running it
 * again rewrites the same files; the corpus is committed for review and
 * stability. It only writes the seeds it knows; inputs added by hand (the
 * regression inputs of fixed bugs, named after the bug) are left alone.
 */
#include <errno.h>
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/crc32c.h"
#include "common/frame.h"
#include "common/kwire.h"
#include "common/record_batch.h"
#include "fjord.pb-c.h"
#include "storage/plog.h"
#include "storage/storage_remove.h"

#define TS0 1700000000000LL

static const char *seeds_root;
static int seeds_written;

static void seeds_die(const char *what)
{
	fprintf(stderr, "make_seeds: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void seeds_write(const char *target, const char *name, const void *data, size_t len)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", seeds_root, target);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		seeds_die(path);
	snprintf(path, sizeof(path), "%s/%s/%s", seeds_root, target, name);
	if (!(fp = fopen(path, "wb")) || (len && fwrite(data, 1, len, fp) != len) || fclose(fp))
		seeds_die(path);
	seeds_written++;
}

static void seeds_text(const char *target, const char *name, const char *text)
{
	seeds_write(target, name, text, strlen(text));
}

/* A growable byte buffer. */
typedef struct seeds_buf {
	uint8_t *p;
	size_t len, cap;
} seeds_buf_t;

static void seeds_add(seeds_buf_t *b, const void *data, size_t len)
{
	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2;
		if (!(b->p = realloc(b->p, b->cap)))
			seeds_die("realloc");
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

/* ------------------------------------------------------------ batches */

/* A batch of three records (keys, values, a header, a null value) in codec;
 * appended to out. */
static void seeds_batch(seeds_buf_t *out, rb_codec_t codec, int nrec, int log_append_time)
{
	static const char value[] = "the quick brown fox jumps over the lazy dog, twice over";
	rb_builder_t b;
	const uint8_t *batch;
	size_t len;
	char key[32];

	rb_builder_init(&b, codec, -1);
	b.log_append_time = log_append_time;
	for (int i = 0; i < nrec; i++) {
		fjord_header_t h[2] = { { "trace-id", "abc123", 6 }, { "empty", NULL, 0 } };
		snprintf(key, sizeof(key), "key-%d", i);
		if (i % 3 == 2) /* a tombstone with a null key */
			rb_builder_add(&b, TS0 + i, NULL, 0, NULL, 0, NULL, 0);
		else
			rb_builder_add(&b, TS0 + 10 * i, key, strlen(key), value, sizeof(value) - 1,
			               h, i % 3 == 1 ? 2 : 0);
	}
	if (rb_builder_finish(&b, &batch, &len) != 0) {
		fprintf(stderr, "make_seeds: building a %s batch failed\n", rb_codec_name(codec));
		exit(1);
	}
	seeds_add(out, batch, len);
	rb_builder_destroy(&b);
}

/* Recomputes the CRC of the batch at b (after patching its header). */
static void seeds_fix_crc(uint8_t *b)
{
	size_t total = rb_total_size(b);
	be32_write(b + RB_OFF_CRC, crc32c(0, b + RB_OFF_ATTRIBUTES, total - RB_OFF_ATTRIBUTES));
}

/* The batch of nrec records seeds_batch builds uncompressed, with its
 * records in the xerial/snappy-java framing the Java client sends (16-byte
 * header, then big-endian int32 length + raw snappy block per `block` bytes)
 * and codec 2; appended to out. */
static void seeds_batch_xerial(seeds_buf_t *out, int nrec, size_t block)
{
	static const uint8_t magic[8] = { 0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0 };
	seeds_buf_t plain = { 0 };
	uint8_t hdr[16], blen[4];
	size_t start = out->len;

	seeds_batch(&plain, RB_CODEC_NONE, nrec, 0);
	seeds_add(out, plain.p, RB_HEADER_SIZE);
	memcpy(hdr, magic, 8);
	be32_write(hdr + 8, 1);
	be32_write(hdr + 12, 1);
	seeds_add(out, hdr, sizeof(hdr));
	for (size_t off = RB_HEADER_SIZE; off < plain.len; off += block) {
		size_t n = plain.len - off < block ? plain.len - off : block;
		size_t clen = snappy_max_compressed_length(n);
		char *c = malloc(clen);
		if (!c || snappy_compress((const char *)plain.p + off, n, c, &clen) != SNAPPY_OK)
			seeds_die("snappy_compress");
		be32_write(blen, (uint32_t)clen);
		seeds_add(out, blen, 4);
		seeds_add(out, c, clen);
		free(c);
	}
	uint8_t *b = out->p + start;
	be32_write(b + RB_OFF_BATCH_LENGTH, (uint32_t)(out->len - start - RB_LOG_OVERHEAD));
	be16_write(b + RB_OFF_ATTRIBUTES, RB_CODEC_SNAPPY);
	seeds_fix_crc(b);
	free(plain.p);
}

static void seeds_record_batch(void)
{
	static const rb_codec_t codecs[] = { RB_CODEC_NONE, RB_CODEC_GZIP, RB_CODEC_SNAPPY,
		                             RB_CODEC_LZ4, RB_CODEC_ZSTD };
	seeds_buf_t all = { 0 };
	char name[64];

	for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++) {
		seeds_buf_t one = { 0 };
		seeds_batch(&one, codecs[i], 3, 0);
		snprintf(name, sizeof(name), "batch-%s", rb_codec_name(codecs[i]));
		seeds_write("record_batch", name, one.p, one.len);
		seeds_write("record_validate", name, one.p, one.len);
		/* As a fetch response carries them: consecutive offsets. */
		rb_set_base_offset(one.p, (int64_t)(3 * i));
		seeds_add(&all, one.p, one.len);
		free(one.p);
	}
	seeds_write("record_batch", "fetch-5-codecs", all.p, all.len);
	/* A fetch response cut inside its last batch. */
	seeds_write("record_batch", "fetch-partial-tail", all.p, all.len - 25);

	seeds_buf_t b = { 0 };
	seeds_batch(&b, RB_CODEC_NONE, 1, 0);
	seeds_write("record_batch", "batch-one-record", b.p, b.len);
	b.len = 0;
	seeds_batch(&b, RB_CODEC_NONE, 5, 1);
	seeds_write("record_batch", "batch-log-append-time", b.p, b.len);
	b.len = 0;
	/* A control batch (transaction marker): no application records. */
	seeds_batch(&b, RB_CODEC_NONE, 1, 0);
	be16_write(b.p + RB_OFF_ATTRIBUTES, (uint16_t)(rb_attributes(b.p) | RB_ATTR_CONTROL));
	seeds_fix_crc(b.p);
	seeds_write("record_batch", "batch-control", b.p, b.len);
	b.len = 0;
	/* At the edge of the offset and timestamp ranges: the last record's
	 * offset is INT64_MAX - 1 (the largest a log can hold: the next offset
	 * must exist), its timestamp INT64_MAX. */
	seeds_batch(&b, RB_CODEC_NONE, 3, 0);
	rb_set_base_offset(b.p, INT64_MAX - 3);
	be64_write(b.p + RB_OFF_BASE_TIMESTAMP, (uint64_t)(INT64_MAX - 10));
	be64_write(b.p + RB_OFF_MAX_TIMESTAMP, (uint64_t)INT64_MAX);
	seeds_fix_crc(b.p);
	seeds_write("record_batch", "batch-largest-offsets-timestamps", b.p, b.len);
	b.len = 0;
	/* Many small records in one zstd batch. */
	seeds_batch(&b, RB_CODEC_ZSTD, 40, 0);
	seeds_write("record_batch", "batch-zstd-40-records", b.p, b.len);
	b.len = 0;
	/* Snappy as the Java client frames it: 40 records in 256-byte xerial
	 * blocks (several blocks, each a raw snappy block). */
	seeds_batch_xerial(&b, 40, 256);
	seeds_write("record_batch", "batch-snappy-xerial", b.p, b.len);
	seeds_write("record_validate", "batch-snappy-xerial", b.p, b.len);
	free(b.p);
	free(all.p);
}

/* ------------------------------------------------------------ frames */

static void seeds_frame(seeds_buf_t *out, const Fjord__Request *req, const void *payload,
                        size_t plen)
{
	size_t hlen = fjord__request__get_packed_size(req);
	uint8_t prefix[FRAME_PREFIX_SIZE], *h = malloc(hlen ? hlen : 1);

	if (!h)
		seeds_die("malloc");
	fjord__request__pack(req, h);
	frame_write_prefix(prefix, hlen, plen);
	seeds_add(out, prefix, sizeof(prefix));
	seeds_add(out, h, hlen);
	if (plen)
		seeds_add(out, payload, plen);
	free(h);
}

static void seeds_frame_file(const char *name, const Fjord__Request *req, const void *payload,
                             size_t plen)
{
	seeds_buf_t f = { 0 };
	seeds_frame(&f, req, payload, plen);
	seeds_write("frame_request", name, f.p, f.len);
	free(f.p);
}

static void seeds_frame_request(void)
{
	Fjord__Request req = FJORD__REQUEST__INIT;
	char *topics[] = { "orders" };

	/* ApiVersions */
	Fjord__ApiVersionsRequest av = FJORD__API_VERSIONS_REQUEST__INIT;
	req.correlation_id = 1;
	req.api = FJORD__API_KEY__API_VERSIONS;
	req.client_id = "fjord";
	req.body_case = FJORD__REQUEST__BODY_API_VERSIONS;
	req.api_versions = &av;
	seeds_frame_file("api-versions", &req, NULL, 0);
	seeds_buf_t pipeline = { 0 };
	seeds_frame(&pipeline, &req, NULL, 0);

	/* Metadata of one topic, then of all. */
	Fjord__MetadataRequest md = FJORD__METADATA_REQUEST__INIT;
	md.n_topics = 1;
	md.topics = topics;
	req.correlation_id = 2;
	req.api = FJORD__API_KEY__METADATA;
	req.body_case = FJORD__REQUEST__BODY_METADATA;
	req.metadata = &md;
	seeds_frame_file("metadata", &req, NULL, 0);
	seeds_frame(&pipeline, &req, NULL, 0);
	md.n_topics = 0;
	md.topics = NULL;
	md.all_topics = 1;
	seeds_frame_file("metadata-all-topics", &req, NULL, 0);

	/* Produce: partition 0 an uncompressed batch, partition 1 a zstd one. */
	seeds_buf_t payload = { 0 };
	seeds_batch(&payload, RB_CODEC_NONE, 3, 0);
	uint32_t len0 = (uint32_t)payload.len;
	seeds_batch(&payload, RB_CODEC_ZSTD, 3, 0);
	Fjord__ProducePartitionData pd0 = FJORD__PRODUCE_PARTITION_DATA__INIT,
	                            pd1 = FJORD__PRODUCE_PARTITION_DATA__INIT;
	pd0.partition = 0;
	pd0.records_len = len0;
	pd1.partition = 1;
	pd1.records_len = (uint32_t)payload.len - len0;
	Fjord__ProducePartitionData *pds[] = { &pd0, &pd1 };
	Fjord__ProduceTopicData td = FJORD__PRODUCE_TOPIC_DATA__INIT;
	td.topic = "orders";
	td.n_partitions = 2;
	td.partitions = pds;
	Fjord__ProduceTopicData *tds[] = { &td };
	Fjord__ProduceRequest pr = FJORD__PRODUCE_REQUEST__INIT;
	pr.acks = -1;
	pr.timeout_ms = 30000;
	pr.n_topics = 1;
	pr.topics = tds;
	req.correlation_id = 3;
	req.api = FJORD__API_KEY__PRODUCE;
	req.body_case = FJORD__REQUEST__BODY_PRODUCE;
	req.produce = &pr;
	seeds_frame_file("produce-2-partitions", &req, payload.p, payload.len);
	/* records_len that do not add up to the payload: INVALID_REQUEST. */
	pd1.records_len += 7;
	seeds_frame_file("produce-lengths-mismatch", &req, payload.p, payload.len);
	pd1.records_len -= 7;
	free(payload.p);

	/* Fetch */
	Fjord__FetchPartition fp = FJORD__FETCH_PARTITION__INIT;
	fp.partition = 0;
	fp.fetch_offset = 42;
	fp.partition_max_bytes = 1048576;
	fp.current_leader_epoch = 4;
	Fjord__FetchPartition *fps[] = { &fp };
	Fjord__FetchTopic ft = FJORD__FETCH_TOPIC__INIT;
	ft.topic = "orders";
	ft.n_partitions = 1;
	ft.partitions = fps;
	Fjord__FetchTopic *fts[] = { &ft };
	Fjord__FetchRequest fr = FJORD__FETCH_REQUEST__INIT;
	fr.replica_id = -1;
	fr.max_wait_ms = 500;
	fr.min_bytes = 1;
	fr.max_bytes = 52428800;
	fr.n_topics = 1;
	fr.topics = fts;
	req.correlation_id = 4;
	req.api = FJORD__API_KEY__FETCH;
	req.body_case = FJORD__REQUEST__BODY_FETCH;
	req.fetch = &fr;
	seeds_frame_file("fetch", &req, NULL, 0);
	seeds_frame(&pipeline, &req, NULL, 0);
	seeds_write("frame_request", "pipeline-3-requests", pipeline.p, pipeline.len);
	free(pipeline.p);

	/* ListOffsets: latest and earliest. */
	Fjord__ListOffsetsPartition lp0 = FJORD__LIST_OFFSETS_PARTITION__INIT,
	                            lp1 = FJORD__LIST_OFFSETS_PARTITION__INIT;
	lp0.partition = 0;
	lp0.timestamp = -1;
	lp0.current_leader_epoch = -1;
	lp1.partition = 1;
	lp1.timestamp = -2;
	lp1.current_leader_epoch = -1;
	Fjord__ListOffsetsPartition *lps[] = { &lp0, &lp1 };
	Fjord__ListOffsetsTopic lt = FJORD__LIST_OFFSETS_TOPIC__INIT;
	lt.topic = "orders";
	lt.n_partitions = 2;
	lt.partitions = lps;
	Fjord__ListOffsetsTopic *lts[] = { &lt };
	Fjord__ListOffsetsRequest lr = FJORD__LIST_OFFSETS_REQUEST__INIT;
	lr.replica_id = -1;
	lr.n_topics = 1;
	lr.topics = lts;
	req.correlation_id = 5;
	req.api = FJORD__API_KEY__LIST_OFFSETS;
	req.body_case = FJORD__REQUEST__BODY_LIST_OFFSETS;
	req.list_offsets = &lr;
	seeds_frame_file("list-offsets", &req, NULL, 0);

	/* OffsetForLeaderEpoch, as a follower asks it. */
	Fjord__OffsetForLeaderEpochPartition op = FJORD__OFFSET_FOR_LEADER_EPOCH_PARTITION__INIT;
	op.partition = 0;
	op.current_leader_epoch = 5;
	op.leader_epoch = 4;
	Fjord__OffsetForLeaderEpochPartition *ops[] = { &op };
	Fjord__OffsetForLeaderEpochTopic ot = FJORD__OFFSET_FOR_LEADER_EPOCH_TOPIC__INIT;
	ot.topic = "orders";
	ot.n_partitions = 1;
	ot.partitions = ops;
	Fjord__OffsetForLeaderEpochTopic *ots[] = { &ot };
	Fjord__OffsetForLeaderEpochRequest orq = FJORD__OFFSET_FOR_LEADER_EPOCH_REQUEST__INIT;
	orq.replica_id = 2;
	orq.n_topics = 1;
	orq.topics = ots;
	req.correlation_id = 6;
	req.api = FJORD__API_KEY__OFFSET_FOR_LEADER_EPOCH;
	req.body_case = FJORD__REQUEST__BODY_OFFSET_FOR_LEADER_EPOCH;
	req.offset_for_leader_epoch = &orq;
	seeds_frame_file("offset-for-leader-epoch", &req, NULL, 0);

	/* CreateTopics (two topics, one with a config) and DeleteTopics. */
	Fjord__CreatableTopicConfig cc = FJORD__CREATABLE_TOPIC_CONFIG__INIT;
	cc.name = "retention.ms";
	cc.value = "60000";
	Fjord__CreatableTopicConfig *ccs[] = { &cc };
	Fjord__CreatableTopic ct1 = FJORD__CREATABLE_TOPIC__INIT,
	                      ct2 = FJORD__CREATABLE_TOPIC__INIT;
	ct1.name = "orders";
	ct1.num_partitions = 3;
	ct1.replication_factor = 2;
	ct1.n_configs = 1;
	ct1.configs = ccs;
	ct2.name = "audit";
	ct2.num_partitions = -1;
	ct2.replication_factor = -1;
	Fjord__CreatableTopic *cts[] = { &ct1, &ct2 };
	Fjord__CreateTopicsRequest ctr = FJORD__CREATE_TOPICS_REQUEST__INIT;
	ctr.n_topics = 2;
	ctr.topics = cts;
	req.correlation_id = 8;
	req.api = FJORD__API_KEY__CREATE_TOPICS;
	req.body_case = FJORD__REQUEST__BODY_CREATE_TOPICS;
	req.create_topics = &ctr;
	seeds_frame_file("create-topics", &req, NULL, 0);
	char *dnames[] = { "orders", "audit" };
	Fjord__DeleteTopicsRequest dtr = FJORD__DELETE_TOPICS_REQUEST__INIT;
	dtr.n_topics = 2;
	dtr.topics = dnames;
	req.correlation_id = 9;
	req.api = FJORD__API_KEY__DELETE_TOPICS;
	req.body_case = FJORD__REQUEST__BODY_DELETE_TOPICS;
	req.delete_topics = &dtr;
	seeds_frame_file("delete-topics", &req, NULL, 0);
	Fjord__InitProducerIdRequest ipr = FJORD__INIT_PRODUCER_ID_REQUEST__INIT;
	ipr.producer_id = 4711;
	ipr.producer_epoch = 3;
	req.correlation_id = 10;
	req.api = FJORD__API_KEY__INIT_PRODUCER_ID;
	req.body_case = FJORD__REQUEST__BODY_INIT_PRODUCER_ID;
	req.init_producer_id = &ipr;
	seeds_frame_file("init-producer-id", &req, NULL, 0);

	/* Refused before a handler: a body that is not the api's, a version
	 * the broker does not speak. */
	req.correlation_id = 7;
	req.api = FJORD__API_KEY__FETCH;
	req.body_case = FJORD__REQUEST__BODY_METADATA;
	req.metadata = &md;
	seeds_frame_file("body-api-mismatch", &req, NULL, 0);
	req.api = FJORD__API_KEY__METADATA;
	req.api_version = 7;
	seeds_frame_file("unsupported-version", &req, NULL, 0);
}

/* ------------------------------------------------------------ segments */

static void seeds_file(const char *path, seeds_buf_t *out)
{
	FILE *fp = fopen(path, "rb");
	uint8_t chunk[4096];
	size_t n;

	if (!fp)
		seeds_die(path);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		seeds_add(out, chunk, n);
	fclose(fp);
}

static void seeds_segment_recovery(void)
{
	char tmpl[] = "/tmp/fjord-make-seeds-XXXXXX", dir[4200], path[4300], errstr[256];
	static const rb_codec_t codecs[] = { RB_CODEC_NONE, RB_CODEC_NONE, RB_CODEC_GZIP,
		                             RB_CODEC_LZ4, RB_CODEC_ZSTD };
	log_config_t cfg;
	plog_t *plog = NULL;
	seeds_buf_t seg = { 0 };

	if (!mkdtemp(tmpl))
		seeds_die("mkdtemp");
	snprintf(dir, sizeof(dir), "%s/orders-0", tmpl);
	log_config_defaults(&cfg);
	if (plog_open(dir, "orders", 0, &cfg, 0, -1, 0, &plog, errstr, sizeof(errstr)) < 0) {
		fprintf(stderr, "make_seeds: plog_open: %s\n", errstr);
		exit(1);
	}
	/* Two leader epochs, every codec: what a leader's log holds. */
	for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++) {
		seeds_buf_t b = { 0 };
		seeds_batch(&b, codecs[i], 3, 0);
		if (plog_append(plog, b.p, b.len, i < 2 ? 1 : 2, 1, NULL) != FJORD_ERR_NO_ERROR) {
			fprintf(stderr, "make_seeds: plog_append failed\n");
			exit(1);
		}
		free(b.p);
	}
	plog_close(plog, 0);
	snprintf(path, sizeof(path), "%s/%020d.log", dir, 0);
	seeds_file(path, &seg);
	storage_remove_path(tmpl);

	seeds_write("segment_recovery", "segment-5-batches", seg.p, seg.len);
	/* What crashes leave behind. */
	seeds_write("segment_recovery", "torn-tail", seg.p, seg.len - 20);
	/* Cut inside the last batch's 61-byte header. */
	rb_iter_t it;
	const uint8_t *batch, *last = seg.p;
	size_t bsize;
	rb_iter_init(&it, seg.p, seg.len, 0, 0);
	while (rb_iter_next(&it, &batch, &bsize) == 1)
		last = batch;
	seeds_write("segment_recovery", "torn-header", seg.p, (size_t)(last - seg.p) + 30);
	uint8_t *flipped = malloc(seg.len);
	if (!flipped)
		seeds_die("malloc");
	memcpy(flipped, seg.p, seg.len);
	flipped[seg.len - 10] ^= 0x40;
	seeds_write("segment_recovery", "flipped-byte-last-batch", flipped, seg.len);
	free(flipped);
	static const uint8_t garbage[37] = { 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab };
	seeds_add(&seg, garbage, sizeof(garbage));
	seeds_write("segment_recovery", "garbage-tail", seg.p, seg.len);
	seeds_write("segment_recovery", "empty", "", 0);
	free(seg.p);
}

/* ------------------------------------------------------------ text */

static void seeds_acl(void)
{
	/* /kafka-acl/<Type>/<name> values (docs/security.md, "Authorization"). */
	seeds_text("acl", "allow-read",
	           "{\"version\":1,\"acls\":[{\"principal\":\"User:alice\",\"permissionType\":"
	           "\"Allow\",\"operation\":\"Read\",\"host\":\"*\"}]}");
	seeds_text("acl", "deny-wins",
	           "{\"version\":1,\"acls\":[{\"principal\":\"User:*\",\"permissionType\":"
	           "\"Allow\",\"operation\":\"All\",\"host\":\"*\"},{\"principal\":\"User:bob\","
	           "\"permissionType\":\"Deny\",\"operation\":\"Write\",\"host\":\"10.0.0.1\"}]}");
	seeds_text("acl", "loose-case",
	           "{\"acls\":[{\"principal\":\"User:a\",\"permissionType\":\"allow\","
	           "\"operation\":\"clusteraction\",\"host\":\"*\",\"x\":1}]}");
	seeds_text("acl", "bad-fields",
	           "{\"version\":1,\"acls\":[{\"principal\":\"alice\",\"permissionType\":"
	           "\"Allow\",\"operation\":\"Reed\",\"host\":\"\"}]}");
}

static void seeds_zkjson(void)
{
	/* Tag byte + the value, as docs/zookeeper.md shows each znode. */
	seeds_text("zkjson", "cluster-id", "i{\"version\":1,\"id\":\"9Em-CfKR4cPE5lty39h6rA\"}");
	seeds_text("zkjson", "broker",
	           "b{\"version\":1,\"host\":\"broker1\",\"port\":9092,\"rack\":null,"
	           "\"timestamp\":\"1700000000123\","
	           "\"endpoints\":[\"INTERNAL://broker1:9092\",\"EXTERNAL://localhost:19092\"],"
	           "\"listener_security_protocol_map\":{\"INTERNAL\":\"PLAINTEXT\","
	           "\"EXTERNAL\":\"PLAINTEXT\"}}");
	seeds_text("zkjson", "broker-legacy",
	           "b{\"version\":1,\"host\":\"10.0.0.7\",\"port\":9092,\"timestamp\":\"1\"}");
	seeds_text("zkjson", "broker-ipv6-rack",
	           "b{\"host\":\"::1\",\"port\":19092,\"rack\":\"r1\",\"timestamp\":\"17\","
	           "\"endpoints\":[\"PLAINTEXT://[::1]:19092\"]}");
	seeds_text("zkjson", "topic-assignment",
	           "t{\"version\":1,\"partitions\":{\"0\":[1,2],\"1\":[2,1]}}");
	seeds_text("zkjson", "partition-state",
	           "s{\"version\":1,\"leader\":1,\"leader_epoch\":4,\"isr\":[1,2],"
	           "\"controller_epoch\":7}");
	seeds_text("zkjson", "partition-state-offline",
	           "s{\"version\":1,\"leader\":-1,\"leader_epoch\":9,\"isr\":[],"
	           "\"controller_epoch\":7}");
	seeds_text("zkjson", "controller",
	           "c{\"version\":1,\"brokerid\":1,\"timestamp\":\"1700000000456\"}");
	seeds_text("zkjson", "controller-epoch", "e7");
	seeds_text("zkjson", "topic-config",
	           "f{\"version\":1,\"config\":{\"retention.ms\":\"60000\","
	           "\"cleanup.policy\":\"delete\"}}");
	seeds_text("zkjson", "group-member",
	           "m{\"version\":1,\"subscription\":{\"orders\":1,\"^logs-.*\":1},"
	           "\"client_id\":\"app\",\"host\":\"h1\",\"timestamp\":\"1700000000789\"}");
	seeds_text("zkjson", "group-assignment",
	           "g{\"version\":1,\"generation\":12,\"leader\":\"app-0000000003\","
	           "\"strategy\":\"range\",\"timestamp\":\"1700000000800\","
	           "\"reason\":\"member joined: app-0000000007\","
	           "\"partitions\":{\"orders\":{\"0\":\"app-0000000003\","
	           "\"1\":\"app-0000000007\"}}}");

	seeds_text("zkjson_admin", "controlled-shutdown",
	           "d{\"version\":1,\"broker\":2,\"timestamp\":\"1700000000999\"}");
	seeds_text("zkjson_admin", "preferred-election",
	           "p{\"version\":1,\"partitions\":[{\"topic\":\"orders\",\"partition\":0},"
	           "{\"topic\":\"orders\",\"partition\":1}]}");
	seeds_text("zkjson_admin", "reassign",
	           "r{\"version\":1,\"partitions\":[{\"topic\":\"orders\",\"partition\":0,"
	           "\"replicas\":[3,1,2]},{\"topic\":\"logs\",\"partition\":2,"
	           "\"replicas\":[1]}]}");
}

/* One Kafka request (size, header v1, body) as the listener reads it. */
static void seeds_kafka(const char *name, int16_t api, int16_t v, const kw_writer_t *body)
{
	kw_writer_t w;
	size_t pos;

	kww_init(&w);
	pos = kww_reserve32(&w);
	kww_i16(&w, api);
	kww_i16(&w, v);
	kww_i32(&w, 7);
	kww_str(&w, "seed");
	kww_raw(&w, body->buf, body->len);
	kww_patch32(&w, pos, (int32_t)(w.len - 4));
	if (w.err)
		seeds_die("kafka seed");
	seeds_write("kafka_request", name, w.buf, w.len);
	kww_free(&w);
}

/* A ConsumerProtocol assignment (v1): orders [0, 2], payments [1], user
 * data null. A subscription (v1): orders, payments, user data null, owned
 * partitions orders [0]. */
static void seeds_consumer_assignment(kw_writer_t *a)
{
	kww_i16(a, 1);
	kww_i32(a, 2);
	kww_str(a, "orders");
	kww_i32(a, 2);
	kww_i32(a, 0);
	kww_i32(a, 2);
	kww_str(a, "payments");
	kww_i32(a, 1);
	kww_i32(a, 1);
	kww_bytes(a, NULL, -1);
}

static void seeds_consumer_subscription(kw_writer_t *a)
{
	kww_i16(a, 1);
	kww_i32(a, 2);
	kww_str(a, "orders");
	kww_str(a, "payments");
	kww_bytes(a, NULL, -1);
	kww_i32(a, 1);
	kww_str(a, "orders");
	kww_i32(a, 1);
	kww_i32(a, 0);
}

/* The group coordinator's requests (kafka_group_codec.c's layouts). */
static void seeds_kafka_group(void)
{
	kw_writer_t b, a;

	kww_init(&b);
	kww_init(&a);
	/* FindCoordinator v2: the group "g1". */
	kww_str(&b, "g1");
	kww_i8(&b, 0);
	seeds_kafka("find-coordinator-v2", 10, 2, &b);
	/* JoinGroup v5: a new member (empty id), static id null, two
	 * protocols with subscriptions. */
	kww_reset(&b);
	seeds_consumer_subscription(&a);
	kww_str(&b, "g1");
	kww_i32(&b, 10000);
	kww_i32(&b, 300000);
	kww_str(&b, "");
	kww_str(&b, NULL);
	kww_str(&b, "consumer");
	kww_i32(&b, 2);
	kww_str(&b, "range");
	kww_bytes(&b, a.buf, (int32_t)a.len);
	kww_str(&b, "roundrobin");
	kww_bytes(&b, a.buf, (int32_t)a.len);
	seeds_kafka("join-group-v5", 11, 5, &b);
	/* JoinGroup v0: a known member, one protocol, empty metadata. */
	kww_reset(&b);
	kww_str(&b, "g1");
	kww_i32(&b, 10000);
	kww_str(&b, "seed-1");
	kww_str(&b, "consumer");
	kww_i32(&b, 1);
	kww_str(&b, "range");
	kww_bytes(&b, "", 0);
	seeds_kafka("join-group-v0", 11, 0, &b);
	/* SyncGroup v3: the leader's assignments for two members. */
	kww_reset(&b);
	kww_reset(&a);
	seeds_consumer_assignment(&a);
	kww_str(&b, "g1");
	kww_i32(&b, 3);
	kww_str(&b, "seed-1");
	kww_str(&b, "instance-1");
	kww_i32(&b, 2);
	kww_str(&b, "seed-1");
	kww_bytes(&b, a.buf, (int32_t)a.len);
	kww_str(&b, "seed-2");
	kww_bytes(&b, "", 0);
	seeds_kafka("sync-group-v3", 14, 3, &b);
	/* A follower's SyncGroup v1: no assignments. */
	kww_reset(&b);
	kww_str(&b, "g1");
	kww_i32(&b, 3);
	kww_str(&b, "seed-2");
	kww_i32(&b, 0);
	seeds_kafka("sync-group-v1", 14, 1, &b);
	/* Heartbeat v3, LeaveGroup v1. */
	kww_reset(&b);
	kww_str(&b, "g1");
	kww_i32(&b, 3);
	kww_str(&b, "seed-1");
	kww_str(&b, NULL);
	seeds_kafka("heartbeat-v3", 12, 3, &b);
	kww_reset(&b);
	kww_str(&b, "g1");
	kww_str(&b, "seed-1");
	seeds_kafka("leave-group-v1", 13, 1, &b);
	/* ListGroups v0 (an empty body), DescribeGroups v0 of two groups. */
	kww_reset(&b);
	seeds_kafka("list-groups-v0", 16, 0, &b);
	kww_reset(&b);
	kww_i32(&b, 2);
	kww_str(&b, "g1");
	kww_str(&b, "g2");
	seeds_kafka("describe-groups-v0", 15, 0, &b);
	/* OffsetCommit v7: two partitions of orders, one of payments. */
	kww_reset(&b);
	kww_str(&b, "g1");
	kww_i32(&b, 3);
	kww_str(&b, "seed-1");
	kww_str(&b, NULL);
	kww_i32(&b, 2);
	kww_str(&b, "orders");
	kww_i32(&b, 2);
	kww_i32(&b, 0);
	kww_i64(&b, 42);
	kww_i32(&b, -1);
	kww_str(&b, "");
	kww_i32(&b, 1);
	kww_i64(&b, 7);
	kww_i32(&b, 5);
	kww_str(&b, NULL);
	kww_str(&b, "payments");
	kww_i32(&b, 1);
	kww_i32(&b, 0);
	kww_i64(&b, 0);
	kww_i32(&b, -1);
	kww_str(&b, "meta");
	seeds_kafka("offset-commit-v7", 8, 7, &b);
	/* OffsetCommit v2 (retention_time_ms): a simple commit. */
	kww_reset(&b);
	kww_str(&b, "g1");
	kww_i32(&b, -1);
	kww_str(&b, "");
	kww_i64(&b, -1);
	kww_i32(&b, 1);
	kww_str(&b, "orders");
	kww_i32(&b, 1);
	kww_i32(&b, 0);
	kww_i64(&b, 100);
	kww_str(&b, NULL);
	seeds_kafka("offset-commit-v2", 8, 2, &b);
	/* OffsetFetch v5: two partitions; v3: every committed partition. */
	kww_reset(&b);
	kww_str(&b, "g1");
	kww_i32(&b, 1);
	kww_str(&b, "orders");
	kww_i32(&b, 2);
	kww_i32(&b, 0);
	kww_i32(&b, 1);
	seeds_kafka("offset-fetch-v5", 9, 5, &b);
	kww_reset(&b);
	kww_str(&b, "g1");
	kww_i32(&b, -1);
	seeds_kafka("offset-fetch-v3-all", 9, 3, &b);
	/* OffsetFetch v5: one topic of 300 partitions, then 300 empty
	 * topics (a shape whose memory must stay linear). */
	kww_reset(&b);
	kww_str(&b, "g1");
	kww_i32(&b, 301);
	kww_str(&b, "orders");
	kww_i32(&b, 300);
	for (int32_t i = 0; i < 300; i++)
		kww_i32(&b, i);
	for (int i = 0; i < 300; i++) {
		kww_str(&b, "");
		kww_i32(&b, 0);
	}
	seeds_kafka("offset-fetch-v5-many-topics", 9, 5, &b);
	/* A bare assignment as a body (the target decodes every body as one
	 * too). */
	kww_reset(&b);
	kww_reset(&a);
	seeds_consumer_assignment(&a);
	kww_raw(&b, a.buf, a.len);
	seeds_kafka("consumer-assignment-as-leave-group", 13, 0, &b);
	if (b.err || a.err)
		seeds_die("kafka group seed");
	kww_free(&a);
	kww_free(&b);
}

static void seeds_kafka_request(void)
{
	seeds_buf_t batch = { 0 };
	kw_writer_t b;

	kww_init(&b);
	seeds_kafka("api-versions-v2", 18, 2, &b);
	kww_reset(&b);
	kww_i32(&b, 2);
	kww_str(&b, "orders");
	kww_str(&b, "payments");
	kww_i8(&b, 1);
	seeds_kafka("metadata-v4", 3, 4, &b);
	kww_reset(&b);
	kww_i32(&b, -1);
	seeds_kafka("metadata-v1-all", 3, 1, &b);
	seeds_batch(&batch, RB_CODEC_NONE, 3, 0);
	kww_reset(&b);
	kww_str(&b, NULL);
	kww_i16(&b, -1);
	kww_i32(&b, 30000);
	kww_i32(&b, 1);
	kww_str(&b, "orders");
	kww_i32(&b, 2);
	kww_i32(&b, 0);
	kww_bytes(&b, batch.p, (int32_t)batch.len);
	kww_i32(&b, 1);
	kww_bytes(&b, NULL, -1);
	seeds_kafka("produce-v7", 0, 7, &b);
	kww_reset(&b);
	kww_i32(&b, -1);
	kww_i32(&b, 500);
	kww_i32(&b, 1);
	kww_i32(&b, 52428800);
	kww_i8(&b, 1);
	kww_i32(&b, 0);
	kww_i32(&b, -1);
	kww_i32(&b, 1);
	kww_str(&b, "orders");
	kww_i32(&b, 1);
	kww_i32(&b, 0);
	kww_i32(&b, 3);
	kww_i64(&b, 42);
	kww_i64(&b, -1);
	kww_i32(&b, 1048576);
	kww_i32(&b, 1);
	kww_str(&b, "old");
	kww_i32(&b, 1);
	kww_i32(&b, 4);
	kww_str(&b, "rack-a");
	seeds_kafka("fetch-v11", 1, 11, &b);
	kww_reset(&b);
	kww_i32(&b, -1);
	kww_i8(&b, 0);
	kww_i32(&b, 1);
	kww_str(&b, "orders");
	kww_i32(&b, 2);
	kww_i32(&b, 0);
	kww_i64(&b, -2);
	kww_i32(&b, 1);
	kww_i64(&b, 1700000000000LL);
	seeds_kafka("list-offsets-v2", 2, 2, &b);
	kww_reset(&b);
	kww_i32(&b, 1);
	kww_str(&b, "orders");
	kww_i32(&b, 3);
	kww_i16(&b, 3);
	kww_i32(&b, 1);
	kww_i32(&b, 0);
	kww_i32(&b, 2);
	kww_i32(&b, 1);
	kww_i32(&b, 2);
	kww_i32(&b, 1);
	kww_str(&b, "retention.ms");
	kww_str(&b, NULL);
	kww_i32(&b, 5000);
	kww_i8(&b, 1);
	seeds_kafka("create-topics-v4", 19, 4, &b);
	kww_reset(&b);
	kww_i32(&b, 2);
	kww_str(&b, "orders");
	kww_str(&b, "payments");
	kww_i32(&b, 5000);
	seeds_kafka("delete-topics-v1", 20, 1, &b);
	kww_reset(&b);
	kww_str(&b, "txn-1");
	kww_i32(&b, 60000);
	seeds_kafka("init-producer-id-v1", 22, 1, &b);
	/* CreatePartitions v1: orders to 6 (no assignment), payments to 4 with
	 * a manual one, validate_only set. */
	kww_reset(&b);
	kww_i32(&b, 2);
	kww_str(&b, "orders");
	kww_i32(&b, 6);
	kww_i32(&b, -1);
	kww_str(&b, "payments");
	kww_i32(&b, 4);
	kww_i32(&b, 1);
	kww_i32(&b, 2);
	kww_i32(&b, 1);
	kww_i32(&b, 2);
	kww_i32(&b, 30000);
	kww_i8(&b, 1);
	seeds_kafka("create-partitions-v1", 37, 1, &b);
	kww_free(&b);
	free(batch.p);
	seeds_kafka_group();
}

static void seeds_pid_block(void)
{
	/* /latest_producer_id_block (docs/zookeeper.md). */
	seeds_text("pid_block", "first-block",
	           "{\"version\":1,\"broker\":1,\"block_start\":\"0\",\"block_end\":\"999\"}");
	seeds_text("pid_block", "last-block",
	           "{\"version\":1,\"broker\":2147483647,\"block_start\":"
	           "\"9223372036854775000\",\"block_end\":\"9223372036854775807\"}");
	seeds_text("pid_block", "ill-ordered",
	           "{\"version\":1,\"broker\":3,\"block_start\":\"10\",\"block_end\":\"9\"}");
}

static void seeds_props(void)
{
	seeds_text("props", "server.properties",
	           "# a broker, as scripts/cluster writes one\n"
	           "broker.id=1\n"
	           "listeners=PLAINTEXT://127.0.0.1:9092\n"
	           "log.dirs=/var/lib/fjord/data\n"
	           "zookeeper.connect=127.0.0.1:2181/fjord\n"
	           "http.listener=127.0.0.1:9644\n"
	           "num.partitions=3\n"
	           "default.replication.factor=3\n");
	seeds_text("props", "client.properties",
	           "bootstrap.servers=127.0.0.1:9092,127.0.0.1:9093\n"
	           "client.id=app\n"
	           "acks=all\n"
	           "compression.type=lz4\n"
	           "linger.ms=5\n"
	           "batch.size=65536\n"
	           "enable.auto.commit=false\n"
	           "auto.offset.reset=earliest\n"
	           "group.id=g1\n");
	seeds_text("props", "java-syntax",
	           "! Java's Properties.load() forms\n"
	           "key1 = value with trailing blanks   \n"
	           "key2:colon\n"
	           "key3 blank separated\n"
	           "multi.line = first, \\\n"
	           "             second, \\\n"
	           "             third\n"
	           "unicode=caf\\u00e9 \\uD83D\\uDE00\n"
	           "esc\\ aped\\=key=tab\\there\\nnewline\r\n"
	           "   # indented comment\n"
	           "empty=\n"
	           "lone.key\n");
	seeds_text("props", "all-types",
	           "int=-42\nint.narrow=1000\nlong=-9223372036854775808\nstring=hello\n"
	           "bool=FALSE\nenum=ZSTD\ndouble=0.25\ndouble.wide=-1.5e9\n");
}

static void seeds_endpoint(void)
{
	seeds_text("endpoint", "plaintext", "PLAINTEXT://127.0.0.1:9092");
	seeds_text("endpoint", "two-listeners",
	           "INTERNAL://broker1:9092,EXTERNAL://localhost:19092");
	seeds_text("endpoint", "ipv6", "EXTERNAL://[::1]:19092");
	seeds_text("endpoint", "any-host-port-0", "plaintext://:0");
	seeds_text("endpoint", "spaces", " A_1://h:1 ,\tb://[fe80::1]:65535 ");
}

static void seeds_numparse(void)
{
	/* First byte: the range ('0' is the whole int64_t range, '3' is
	 * 0..65535; fuzz_numparse.c's table). */
	seeds_text("numparse", "int64-max", "09223372036854775807");
	seeds_text("numparse", "int64-min", "0-9223372036854775808");
	seeds_text("numparse", "port", "39092");
	seeds_text("numparse", "blanks", "1 42\n");
	seeds_text("numparse", "int32-min", "2-2147483648");
	seeds_text("numparse", "plus", "4+1000");
}

static void seeds_zkmeta_classify(void)
{
	static const char *const paths[][2] = {
		{ "state", "/brokers/topics/orders/partitions/0/state" },
		{ "state-large", "/brokers/topics/a.b-c_d/partitions/2147483647/state" },
		{ "topic", "/brokers/topics/orders" },
		{ "topics", "/brokers/topics" },
		{ "config", "/config/topics/orders" },
		{ "broker", "/brokers/ids/1" },
		{ "brokers", "/brokers/ids" },
		{ "controller", "/controller" },
		{ "controller-epoch", "/controller_epoch" },
		{ "cluster-id", "/cluster/id" },
		{ "shutdown", "/admin/controlled_shutdown" },
		{ "deletes", "/admin/delete_topics" },
		{ "group", "/consumers/g1/ids" },
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		seeds_text("zkmeta_classify", paths[i][0], paths[i][1]);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s <corpus-dir>  (tests/fuzz/corpus)\n", argv[0]);
		return 2;
	}
	seeds_root = argv[1];
	if (mkdir(seeds_root, 0755) < 0 && errno != EEXIST)
		seeds_die(seeds_root);
	seeds_record_batch();
	seeds_frame_request();
	seeds_segment_recovery();
	seeds_zkjson();
	seeds_acl();
	seeds_props();
	seeds_pid_block();
	seeds_kafka_request();
	seeds_endpoint();
	seeds_numparse();
	seeds_zkmeta_classify();
	printf("make_seeds: wrote %d seeds under %s\n", seeds_written, seeds_root);
	return 0;
}
