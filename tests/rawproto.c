/*
 * rawproto.c — hand-made fjord protocol traffic for tests (see rawproto.h).
 *
 * Frame: u32 frame_len (big-endian, bytes after itself) | u32 header_len |
 * header (protobuf Request/Response) | payload. The prefix is written with
 * frame_write_prefix() from src/common/frame.h, so tests and broker agree
 * on one definition. Runs in test children; blocking sockets with poll()
 * deadlines.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/frame.h"
#include "common/record_batch.h"
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

/* Reads exactly len bytes before the deadline. 0 or -1. */
static int raw_read_full(int fd, uint8_t *buf, size_t len, int64_t deadline)
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

int raw_produce_one(int port, const char *topic, int32_t partition, const char *key,
                    const char *value)
{
	rb_builder_t b;
	const uint8_t *batch = NULL;
	size_t batch_len = 0;
	int rc = -1000;
	int fd = -1;
	Fjord__Request req = FJORD__REQUEST__INIT;
	Fjord__ProduceRequest pr = FJORD__PRODUCE_REQUEST__INIT;
	Fjord__ProduceTopicData td = FJORD__PRODUCE_TOPIC_DATA__INIT;
	Fjord__ProducePartitionData pd = FJORD__PRODUCE_PARTITION_DATA__INIT;
	Fjord__ProduceTopicData *tds[1] = { &td };
	Fjord__ProducePartitionData *pds[1] = { &pd };
	Fjord__Response *resp = NULL;

	rb_builder_init(&b, RB_CODEC_NONE, -1);
	if (rb_builder_add(&b, 0, key, strlen(key), value, strlen(value), NULL, 0) < 0 ||
	    rb_builder_finish(&b, &batch, &batch_len) < 0)
		goto out;
	pd.partition = partition;
	pd.records_len = (uint32_t)batch_len;
	td.topic = (char *)topic;
	td.n_partitions = 1;
	td.partitions = pds;
	pr.acks = 1;
	pr.timeout_ms = 10000;
	pr.n_topics = 1;
	pr.topics = tds;
	req.correlation_id = 77;
	req.api = FJORD__API_KEY__PRODUCE;
	req.client_id = "fjord-tests-raw";
	req.body_case = FJORD__REQUEST__BODY_PRODUCE;
	req.produce = &pr;
	fd = raw_connect(port);
	if (fd < 0 || raw_send_request(fd, &req, batch, batch_len) < 0)
		goto out;
	resp = raw_recv_response(fd, 10000);
	if (!resp)
		goto out;
	if (resp->error != 0)
		rc = resp->error;
	else if (resp->body_case == FJORD__RESPONSE__BODY_PRODUCE && resp->produce->n_topics == 1 &&
	         resp->produce->topics[0]->n_partitions == 1)
		rc = resp->produce->topics[0]->partitions[0]->error;
out:
	if (resp)
		fjord__response__free_unpacked(resp, NULL);
	if (fd >= 0)
		close(fd);
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
