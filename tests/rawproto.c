/*
 * rawproto.c — hand-made fjord protocol traffic for tests (see rawproto.h).
 *
 * Frame: u32 frame_len (big-endian, bytes after itself) | u32 header_len |
 * header (protobuf Request/Response) | payload. The prefix is written with
 * frame_write_prefix() from src/common/frame.h, so tests and broker agree
 * on one definition. Runs in test children; blocking sockets with poll()
 * deadlines. raw_batch_build() writes record batches by hand, field by
 * field, so a test can get any field wrong and still send a correct CRC.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/compress.h"
#include "common/crc32c.h"
#include "common/frame.h"
#include "common/record_batch.h"
#include "common/varint.h"
#include "harness_int.h"
#include "rawproto.h"

int raw_connect(int port)
{
	struct sockaddr_in sa = { 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int raw_send(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len > 0) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int raw_send_request(int fd, const Fjord__Request *req, const void *payload, size_t payload_len)
{
	size_t hlen = fjord__request__get_packed_size(req);
	uint8_t *buf = malloc(FRAME_PREFIX_SIZE + hlen + payload_len);
	int rc = -1;

	if (!buf)
		return -1;
	frame_write_prefix(buf, hlen, payload_len);
	fjord__request__pack(req, buf + FRAME_PREFIX_SIZE);
	if (payload_len)
		memcpy(buf + FRAME_PREFIX_SIZE + hlen, payload, payload_len);
	rc = raw_send(fd, buf, FRAME_PREFIX_SIZE + hlen + payload_len);
	free(buf);
	return rc;
}

int raw_read_full(int fd, uint8_t *buf, size_t len, int64_t deadline)
{
	while (len > 0) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		int left = (int)(deadline - test_now_ms());
		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			return -1;
		ssize_t r = recv(fd, buf, len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		buf += r;
		len -= (size_t)r;
	}
	return 0;
}

Fjord__Response *raw_recv_response(int fd, int timeout_ms)
{
	int64_t deadline = test_now_ms() + (int64_t)(timeout_ms * test_timeout_multiplier());
	uint8_t prefix[FRAME_PREFIX_SIZE];
	Fjord__Response *resp = NULL;
	uint8_t *rest = NULL;

	if (raw_read_full(fd, prefix, sizeof(prefix), deadline) < 0)
		return NULL;
	uint32_t frame_len = ntohl(*(uint32_t *)(void *)prefix);
	uint32_t header_len = ntohl(*(uint32_t *)(void *)(prefix + 4));
	if (frame_len < 4 || header_len > frame_len - 4 || frame_len > (256u << 20))
		return NULL;
	rest = malloc(frame_len - 4 + 1);
	if (!rest)
		return NULL;
	if (raw_read_full(fd, rest, frame_len - 4, deadline) == 0)
		resp = fjord__response__unpack(NULL, header_len, rest);
	free(rest);
	return resp;
}

int raw_wait_closed(int fd, int timeout_ms)
{
	int64_t deadline = test_now_ms() + (int64_t)(timeout_ms * test_timeout_multiplier());
	char buf[4096];
	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		int left = (int)(deadline - test_now_ms());
		if (left <= 0)
			return 0;
		int pr = poll(&pfd, 1, left);
		if (pr == 0)
			return 0;
		if (pr < 0)
			continue;
		ssize_t r = recv(fd, buf, sizeof(buf), 0);
		if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
			return 1;
	}
}

/* ------------------------------------------------------------ batches */

/* Appends a zigzag varint at *pos (the caller checked the room). */
static void raw_put_varint(uint8_t *buf, size_t *pos, int64_t v)
{
	*pos += (size_t)varlong_encode(buf + *pos, VARLONG_MAX_SIZE, v);
}

/* One record's body (after its length field) into out; returns its size. */
static size_t raw_rec_body(uint8_t *out, const raw_rec_t *r, int32_t idx)
{
	size_t pos = 0;
	int32_t klen = r->key ? (int32_t)strlen(r->key) : -1;
	int32_t vlen = r->value ? (int32_t)strlen(r->value) : -1;

	out[pos++] = 0; /* attributes */
	raw_put_varint(out, &pos, r->ts_delta);
	raw_put_varint(out, &pos, r->off_delta ? r->off_delta : idx);
	raw_put_varint(out, &pos, r->key_len ? r->key_len : klen);
	if (klen > 0) {
		memcpy(out + pos, r->key, (size_t)klen);
		pos += (size_t)klen;
	}
	raw_put_varint(out, &pos, vlen);
	if (vlen > 0) {
		memcpy(out + pos, r->value, (size_t)vlen);
		pos += (size_t)vlen;
	}
	raw_put_varint(out, &pos, r->hdr_cnt ? r->hdr_cnt : (r->hdr_key ? 1 : 0));
	if (r->hdr_key) {
		int32_t hk = (int32_t)strlen(r->hdr_key);
		int32_t hv = r->hdr_value ? (int32_t)strlen(r->hdr_value) : -1;
		raw_put_varint(out, &pos, r->hdr_key_len ? r->hdr_key_len : hk);
		memcpy(out + pos, r->hdr_key, (size_t)hk);
		pos += (size_t)hk;
		raw_put_varint(out, &pos, hv);
		if (hv > 0) {
			memcpy(out + pos, r->hdr_value, (size_t)hv);
			pos += (size_t)hv;
		}
	}
	return pos;
}

size_t raw_batch_build(uint8_t *buf, size_t cap, const raw_batch_t *spec, const raw_rec_t *recs,
                       int n)
{
	size_t rcap = 64, rlen = 0, total;
	uint8_t *recbuf, *body;
	int32_t count = n + spec->count_adj;

	for (int i = 0; i < n; i++)
		rcap += 96 + (recs[i].key ? strlen(recs[i].key) : 0) +
		        (recs[i].value ? strlen(recs[i].value) : 0) +
		        (recs[i].hdr_key ? strlen(recs[i].hdr_key) : 0) +
		        (recs[i].hdr_value ? strlen(recs[i].hdr_value) : 0);
	rcap += spec->trailer_len;
	recbuf = malloc(rcap);
	body = malloc(rcap);
	ck_assert(recbuf && body);
	for (int i = 0; i < n; i++) {
		size_t blen = raw_rec_body(body, &recs[i], i);
		raw_put_varint(recbuf, &rlen, (int64_t)blen + recs[i].len_adj);
		memcpy(recbuf + rlen, body, blen);
		rlen += blen;
	}
	for (size_t i = 0; i < spec->trailer_len; i++)
		recbuf[rlen++] = (uint8_t)(0xa5 ^ i);
	ck_assert_uint_le(rlen, rcap);
	if (spec->compress) {
		uint8_t *cbuf = NULL;
		size_t ccap = 0, clen = 0;
		ck_assert_int_eq(
		    compress_data(spec->compress, -1, recbuf, rlen, &cbuf, &ccap, &clen, NULL), 0);
		free(recbuf);
		recbuf = cbuf;
		rlen = clen;
	}
	total = RB_HEADER_SIZE + rlen;
	ck_assert_msg(total <= cap, "raw batch of %zu bytes does not fit %zu", total, cap);
	memset(buf, 0, RB_HEADER_SIZE);
	be64_write(buf + RB_OFF_BASE_OFFSET, 0);
	be32_write(buf + RB_OFF_BATCH_LENGTH, (uint32_t)(total - RB_LOG_OVERHEAD));
	be32_write(buf + RB_OFF_LEADER_EPOCH, (uint32_t)-1);
	buf[RB_OFF_MAGIC] = RB_MAGIC;
	be16_write(buf + RB_OFF_ATTRIBUTES, (uint16_t)spec->attributes);
	be32_write(buf + RB_OFF_LAST_OFFSET_DELTA, (uint32_t)(count - 1));
	be64_write(buf + RB_OFF_BASE_TIMESTAMP, (uint64_t)spec->base_ts);
	be64_write(buf + RB_OFF_MAX_TIMESTAMP, (uint64_t)spec->max_ts);
	be64_write(buf + RB_OFF_PRODUCER_ID, (uint64_t)(spec->idempotent ? spec->producer_id : -1));
	be16_write(buf + RB_OFF_PRODUCER_EPOCH,
	           (uint16_t)(spec->idempotent ? spec->producer_epoch : -1));
	be32_write(buf + RB_OFF_BASE_SEQUENCE,
	           (uint32_t)(spec->idempotent ? spec->base_sequence : -1));
	be32_write(buf + RB_OFF_RECORDS_COUNT, (uint32_t)count);
	memcpy(buf + RB_HEADER_SIZE, recbuf, rlen);
	be32_write(buf + RB_OFF_CRC, crc32c(0, buf + RB_OFF_ATTRIBUTES, total - RB_OFF_ATTRIBUTES));
	free(recbuf);
	free(body);
	return total;
}

/* One partition's payload in a Produce request with acks on fd; fills
 * the error (and message) and base offset (may be NULL) of the answer. */
static int raw_produce_payload(int fd, const char *topic, int32_t partition, int32_t acks,
                               const uint8_t *payload, size_t len, int64_t *base_offsetp,
                               char *errmsg, size_t errmsg_size)
{
	Fjord__Request req = FJORD__REQUEST__INIT;
	Fjord__ProduceRequest pr = FJORD__PRODUCE_REQUEST__INIT;
	Fjord__ProduceTopicData td = FJORD__PRODUCE_TOPIC_DATA__INIT;
	Fjord__ProducePartitionData pd = FJORD__PRODUCE_PARTITION_DATA__INIT;
	Fjord__ProduceTopicData *tds[1] = { &td };
	Fjord__ProducePartitionData *pds[1] = { &pd };
	Fjord__Response *resp = NULL;
	int rc = -1000;

	if (errmsg && errmsg_size)
		errmsg[0] = '\0';
	if (base_offsetp)
		*base_offsetp = -1;
	pd.partition = partition;
	pd.records_len = (uint32_t)len;
	td.topic = (char *)topic;
	td.n_partitions = 1;
	td.partitions = pds;
	pr.acks = acks;
	pr.timeout_ms = 10000;
	pr.n_topics = 1;
	pr.topics = tds;
	req.correlation_id = 77;
	req.api = FJORD__API_KEY__PRODUCE;
	req.client_id = "fjord-tests-raw";
	req.body_case = FJORD__REQUEST__BODY_PRODUCE;
	req.produce = &pr;
	if (fd < 0 || raw_send_request(fd, &req, payload, len) < 0)
		return rc;
	resp = raw_recv_response(fd, 10000);
	if (!resp)
		return rc;
	if (resp->error != 0) {
		rc = resp->error;
		if (errmsg && resp->error_message)
			snprintf(errmsg, errmsg_size, "%s", resp->error_message);
	} else if (resp->body_case == FJORD__RESPONSE__BODY_PRODUCE &&
	           resp->produce->n_topics == 1 && resp->produce->topics[0]->n_partitions == 1) {
		Fjord__ProducePartitionResponse *ppr = resp->produce->topics[0]->partitions[0];
		rc = ppr->error;
		if (base_offsetp)
			*base_offsetp = ppr->base_offset;
		if (errmsg && ppr->error_message)
			snprintf(errmsg, errmsg_size, "%s", ppr->error_message);
	}
	fjord__response__free_unpacked(resp, NULL);
	return rc;
}

int raw_produce_bytes(int port, const char *topic, int32_t partition, const uint8_t *payload,
                      size_t len, char *errmsg, size_t errmsg_size)
{
	int fd = raw_connect(port);
	int rc =
	    raw_produce_payload(fd, topic, partition, 1, payload, len, NULL, errmsg, errmsg_size);
	if (fd >= 0)
		close(fd);
	return rc;
}

int raw_produce_one(int port, const char *topic, int32_t partition, const char *key,
                    const char *value)
{
	rb_builder_t b;
	const uint8_t *batch = NULL;
	size_t batch_len = 0;
	int rc = -1000;

	rb_builder_init(&b, RB_CODEC_NONE, -1);
	if (rb_builder_add(&b, 0, key, strlen(key), value, strlen(value), NULL, 0) == 0 &&
	    rb_builder_finish(&b, &batch, &batch_len) == 0)
		rc = raw_produce_bytes(port, topic, partition, batch, batch_len, NULL, 0);
	rb_builder_destroy(&b);
	return rc;
}

int raw_send_api_versions(int fd, int32_t correlation_id)
{
	Fjord__Request req = FJORD__REQUEST__INIT;
	Fjord__ApiVersionsRequest av = FJORD__API_VERSIONS_REQUEST__INIT;

	req.correlation_id = correlation_id;
	req.api = FJORD__API_KEY__API_VERSIONS;
	req.client_id = "fjord-tests-raw";
	req.body_case = FJORD__REQUEST__BODY_API_VERSIONS;
	req.api_versions = &av;
	return raw_send_request(fd, &req, NULL, 0);
}

int raw_api_versions_ok(int port, int timeout_ms)
{
	Fjord__Response *resp = NULL;
	int fd = raw_connect(port), ok = 0;

	if (fd < 0)
		return 0;
	if (raw_send_api_versions(fd, 1) == 0)
		resp = raw_recv_response(fd, timeout_ms);
	if (resp) {
		ok = resp->error == 0 && resp->body_case == FJORD__RESPONSE__BODY_API_VERSIONS;
		fjord__response__free_unpacked(resp, NULL);
	}
	close(fd);
	return ok;
}

int raw_append_fetch(uint8_t **bufp, size_t *lenp, int32_t correlation_id, const char *topic,
                     int32_t partition, int64_t offset, int32_t max_bytes, int32_t max_wait_ms,
                     int32_t min_bytes)
{
	Fjord__Request req = FJORD__REQUEST__INIT;
	Fjord__FetchRequest fr = FJORD__FETCH_REQUEST__INIT;
	Fjord__FetchTopic ft = FJORD__FETCH_TOPIC__INIT;
	Fjord__FetchPartition fp = FJORD__FETCH_PARTITION__INIT;
	Fjord__FetchTopic *fts[1] = { &ft };
	Fjord__FetchPartition *fps[1] = { &fp };
	size_t hlen;
	uint8_t *buf;

	fp.partition = partition;
	fp.fetch_offset = offset;
	fp.partition_max_bytes = max_bytes;
	fp.current_leader_epoch = -1;
	ft.topic = (char *)topic;
	ft.n_partitions = 1;
	ft.partitions = fps;
	fr.replica_id = -1;
	fr.max_wait_ms = max_wait_ms;
	fr.min_bytes = min_bytes;
	fr.max_bytes = max_bytes;
	fr.n_topics = 1;
	fr.topics = fts;
	req.correlation_id = correlation_id;
	req.api = FJORD__API_KEY__FETCH;
	req.client_id = "fjord-tests-raw";
	req.body_case = FJORD__REQUEST__BODY_FETCH;
	req.fetch = &fr;
	hlen = fjord__request__get_packed_size(&req);
	buf = realloc(*bufp, *lenp + FRAME_PREFIX_SIZE + hlen);
	if (!buf)
		return -1;
	frame_write_prefix(buf + *lenp, hlen, 0);
	fjord__request__pack(&req, buf + *lenp + FRAME_PREFIX_SIZE);
	*bufp = buf;
	*lenp += FRAME_PREFIX_SIZE + hlen;
	return 0;
}

/* ---- InitProducerId (issue 11) ---- */

int raw_init_producer_id_fd(int fd, int64_t producer_id, int32_t producer_epoch, int64_t *out_pid,
                            int32_t *out_epoch, char *errmsg, size_t errmsg_size)
{
	static int32_t corr = 1;
	Fjord__Request req = FJORD__REQUEST__INIT;
	Fjord__InitProducerIdRequest ir = FJORD__INIT_PRODUCER_ID_REQUEST__INIT;
	Fjord__Response *resp = NULL;
	int rc = -1000;

	*out_pid = -1;
	*out_epoch = -1;
	if (errmsg && errmsg_size)
		errmsg[0] = '\0';
	ir.producer_id = producer_id;
	ir.producer_epoch = producer_epoch;
	req.correlation_id = corr++;
	req.api = FJORD__API_KEY__INIT_PRODUCER_ID;
	req.client_id = "fjord-tests-raw";
	req.body_case = FJORD__REQUEST__BODY_INIT_PRODUCER_ID;
	req.init_producer_id = &ir;
	if (raw_send_request(fd, &req, NULL, 0) == 0)
		resp = raw_recv_response(fd, (int)(30000 * test_timeout_multiplier()));
	if (!resp)
		return rc;
	if (resp->error) {
		rc = resp->error;
		if (errmsg && errmsg_size)
			snprintf(errmsg, errmsg_size, "%s",
			         resp->error_message ? resp->error_message : "");
	} else if (resp->body_case == FJORD__RESPONSE__BODY_INIT_PRODUCER_ID) {
		const Fjord__InitProducerIdResponse *r = resp->init_producer_id;
		rc = r->error;
		*out_pid = r->producer_id;
		*out_epoch = r->producer_epoch;
		if (errmsg && errmsg_size)
			snprintf(errmsg, errmsg_size, "%s",
			         r->error_message ? r->error_message : "");
	}
	fjord__response__free_unpacked(resp, NULL);
	return rc;
}

int raw_init_producer_id(int port, int64_t producer_id, int32_t producer_epoch, int64_t *out_pid,
                         int32_t *out_epoch)
{
	int fd = raw_connect(port), rc;

	*out_pid = -1;
	*out_epoch = -1;
	if (fd < 0)
		return -1000;
	rc = raw_init_producer_id_fd(fd, producer_id, producer_epoch, out_pid, out_epoch, NULL, 0);
	close(fd);
	return rc;
}

size_t raw_batch_build_idempotent(uint8_t *buf, size_t cap, int64_t pid, int16_t epoch, int32_t seq,
                                  int32_t partition, int first_msg, int n)
{
	raw_rec_t *recs = calloc((size_t)n, sizeof(*recs));
	char(*keys)[80] = calloc((size_t)n, sizeof(*keys));
	raw_batch_t spec;
	int64_t now = fj_now_ms();
	size_t len;

	ck_assert(recs && keys);
	memset(&spec, 0, sizeof(spec));
	for (int i = 0; i < n; i++) {
		snprintf(keys[i], sizeof(keys[i]), "testid=%s, partition=%d, msg=%d",
		         harness_current.num ? harness_current.num : "0000", (int)partition,
		         first_msg + i);
		recs[i].key = keys[i];
		recs[i].value = "an idempotent producer's record";
	}
	spec.base_ts = spec.max_ts = now;
	spec.idempotent = 1;
	spec.producer_id = pid;
	spec.producer_epoch = epoch;
	spec.base_sequence = seq;
	len = raw_batch_build(buf, cap, &spec, recs, n);
	free(recs);
	free(keys);
	return len;
}

int raw_produce_acks(int port, const char *topic, int32_t partition, int32_t acks,
                     const uint8_t *payload, size_t len, int64_t *base_offsetp, char *errmsg,
                     size_t errmsg_size)
{
	int fd = raw_connect(port);
	int rc = raw_produce_payload(fd, topic, partition, acks, payload, len, base_offsetp, errmsg,
	                             errmsg_size);
	if (fd >= 0)
		close(fd);
	return rc;
}

int raw_produce_when_led(int port, const char *topic, int32_t partition, int32_t acks,
                         const uint8_t *payload, size_t len, int64_t *base_offsetp, char *errmsg,
                         size_t errmsg_size, int timeout_ms)
{
	int64_t deadline = test_now_ms() + (int64_t)(timeout_ms * test_timeout_multiplier());
	int rc;

	for (;;) {
		rc = raw_produce_acks(port, topic, partition, acks, payload, len, base_offsetp,
		                      errmsg, errmsg_size);
		if ((rc != -1000 && rc != FJORD_ERR_NOT_LEADER &&
		     rc != FJORD_ERR_LEADER_NOT_AVAILABLE &&
		     rc != FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION) ||
		    test_now_ms() >= deadline)
			return rc;
		harness_sleep_ms(50);
	}
}
