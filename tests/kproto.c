/*
 * kproto.c — Kafka-protocol requests and responses by hand (kproto.h).
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "kproto.h"
#include "rawproto.h"
#include "test.h"

int kp_send(int fd, int16_t api, int16_t version, int32_t corr, const kw_writer_t *body)
{
	kw_writer_t w;
	size_t pos;
	int rc;

	kww_init(&w);
	pos = kww_reserve32(&w);
	kww_i16(&w, api);
	kww_i16(&w, version);
	kww_i32(&w, corr);
	kww_str(&w, "fjord-test");
	if (body)
		kww_raw(&w, body->buf, body->len);
	kww_patch32(&w, pos, (int32_t)(w.len - 4));
	rc = w.err ? -1 : raw_send(fd, w.buf, w.len);
	kww_free(&w);
	return rc;
}

uint8_t *kp_recv(int fd, int32_t corr, size_t *lenp, int timeout_ms)
{
	int64_t deadline = test_now_ms() + (int64_t)(timeout_ms * test_timeout_multiplier());
	uint8_t head[8], *body;
	uint32_t size;

	if (raw_read_full(fd, head, sizeof(head), deadline) < 0)
		return NULL;
	size = be32_read(head);
	ck_assert_msg(size >= 4 && size < (256u << 20), "Kafka response of size %u", size);
	ck_assert_msg(be32_read_i(head + 4) == corr, "response correlation id %d, expected %d",
	              be32_read_i(head + 4), corr);
	body = malloc(size - 4 + 1);
	ck_assert_ptr_nonnull(body);
	if (raw_read_full(fd, body, size - 4, deadline) < 0) {
		free(body);
		return NULL;
	}
	*lenp = size - 4;
	return body;
}

uint8_t *kp_call(int fd, int16_t api, int16_t version, const kw_writer_t *body, kw_reader_t *r)
{
	static int32_t corr = 1000;
	size_t len = 0;
	uint8_t *resp;

	corr++;
	ck_assert_int_eq(kp_send(fd, api, version, corr, body), 0);
	resp = kp_recv(fd, corr, &len, 15000);
	ck_assert_msg(resp, "no answer to Kafka api %d v%d", api, version);
	kwr_init(r, resp, len);
	return resp;
}
