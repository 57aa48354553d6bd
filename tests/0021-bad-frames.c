/*
 * 0021-bad-frames — hostile bytes on a broker's client port: garbage, an
 * oversized frame_len, a truncated frame, a header that does not decode, an
 * unknown api (UNSUPPORTED_VERSION), an empty header (INVALID_REQUEST).
 * Each bad connection is answered with an error response or closed; the
 * broker survives (its /health still answers), and other clients
 * keep producing and consuming with no damage to the log (verified by
 * consuming everything back with the message verifier). Shared cluster.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness_int.h"
#include "rawproto.h"
#include "test.h"

#define T0021_MSGS 500

static void t0021_expect_closed(int port, const void *bytes, size_t len, const char *what)
{
	int fd = raw_connect(port);
	ck_assert_msg(fd >= 0, "%s: cannot connect to %d", what, port);
	raw_send(fd, bytes, len); /* the broker may close while we send */
	int closed = raw_wait_closed(fd, 10000);
	close(fd);
	ck_assert_msg(closed, "%s: the broker kept the connection open", what);
	test_say("%s: connection closed by the broker", what);
}

START_TEST(t0021_bad_frames)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("badframes");
	int port = c->brokers[0].port;
	uint8_t buf[256];

	test_create_topic(c, topic, 2, 1);
	test_produce_msgs(c, topic, 0, T0021_MSGS, 100);

	/* 1. Garbage: a huge frame_len and junk. */
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(0xA5 ^ (i * 37));
	t0021_expect_closed(port, buf, sizeof(buf), "garbage");

	/* 2. Oversized frame_len (beyond socket.request.max.bytes). */
	uint32_t be = htonl(0x7ffffff0u);
	memcpy(buf, &be, 4);
	be = htonl(16);
	memcpy(buf + 4, &be, 4);
	t0021_expect_closed(port, buf, 8, "oversized frame_len");

	/* 3. header_len larger than the frame. */
	be = htonl(12);
	memcpy(buf, &be, 4);
	be = htonl(1000);
	memcpy(buf + 4, &be, 4);
	memset(buf + 8, 0, 8);
	t0021_expect_closed(port, buf, 16, "header_len beyond the frame");

	/* 4. A header that does not decode as a Request. */
	be = htonl(4 + 16);
	memcpy(buf, &be, 4);
	be = htonl(16);
	memcpy(buf + 4, &be, 4);
	memset(buf + 8, 0xff, 16);
	int fd = raw_connect(port);
	ck_assert(fd >= 0);
	raw_send(fd, buf, 24);
	Fjord__Response *resp = raw_recv_response(fd, 5000);
	if (resp) {
		test_say("undecodable header: error response %d (%s)", resp->error,
		         resp->error_message ? resp->error_message : "");
		ck_assert_int_eq(resp->error, FJORD__ERROR_CODE__INVALID_REQUEST);
		fjord__response__free_unpacked(resp, NULL);
	} else {
		test_say("undecodable header: connection closed");
	}
	close(fd);

	/* 5. A truncated frame: promise 100 bytes, send 10, hang up. */
	be = htonl(100);
	memcpy(buf, &be, 4);
	be = htonl(20);
	memcpy(buf + 4, &be, 4);
	fd = raw_connect(port);
	ck_assert(fd >= 0);
	ck_assert_int_eq(raw_send(fd, buf, 10), 0);
	close(fd);

	/* 6. An unknown api on a good frame: an error response carrying our
	 * correlation id, and the connection stays usable. */
	Fjord__Request req = FJORD__REQUEST__INIT;
	req.correlation_id = 4242;
	req.api = (Fjord__ApiKey)97;
	req.client_id = "t0021";
	fd = raw_connect(port);
	ck_assert(fd >= 0);
	ck_assert_int_eq(raw_send_request(fd, &req, NULL, 0), 0);
	resp = raw_recv_response(fd, 10000);
	ck_assert_msg(resp, "unknown api: no response (connection closed?)");
	test_say("unknown api: correlation %d error %d (%s)", resp->correlation_id, resp->error,
	         resp->error_message ? resp->error_message : "");
	ck_assert_int_eq(resp->correlation_id, 4242);
	ck_assert_msg(resp->error == FJORD__ERROR_CODE__UNSUPPORTED_VERSION,
	              "unknown api answered with error %d, not UNSUPPORTED_VERSION", resp->error);
	fjord__response__free_unpacked(resp, NULL);

	/* 7. An empty header (header_len 0) decodes as all defaults: no api.
	 * docs/protocol.md: INVALID_REQUEST, and the connection stays. */
	be = htonl(4);
	memcpy(buf, &be, 4);
	be = htonl(0);
	memcpy(buf + 4, &be, 4);
	ck_assert_int_eq(raw_send(fd, buf, 8), 0);
	resp = raw_recv_response(fd, 10000);
	ck_assert_msg(resp, "empty header: no response (connection closed?)");
	test_say("empty header: error %d (%s)", resp->error,
	         resp->error_message ? resp->error_message : "");
	ck_assert_int_eq(resp->error, FJORD__ERROR_CODE__INVALID_REQUEST);
	fjord__response__free_unpacked(resp, NULL);
	Fjord__ApiVersionsRequest avr = FJORD__API_VERSIONS_REQUEST__INIT;
	req.correlation_id = 4243;
	req.api = FJORD__API_KEY__API_VERSIONS;
	req.body_case = FJORD__REQUEST__BODY_API_VERSIONS;
	req.api_versions = &avr;
	ck_assert_int_eq(raw_send_request(fd, &req, NULL, 0), 0);
	resp = raw_recv_response(fd, 10000);
	ck_assert_msg(resp, "no ApiVersions response after the unknown api");
	ck_assert_int_eq(resp->correlation_id, 4243);
	ck_assert_int_eq(resp->error, 0);
	/* Every api of the protocol is listed once, at version 0. */
	ck_assert_int_eq(resp->body_case, FJORD__RESPONSE__BODY_API_VERSIONS);
	{
		const Fjord__ApiKey want[] = {
			FJORD__API_KEY__API_VERSIONS,    FJORD__API_KEY__METADATA,
			FJORD__API_KEY__PRODUCE,         FJORD__API_KEY__FETCH,
			FJORD__API_KEY__LIST_OFFSETS,    FJORD__API_KEY__OFFSET_FOR_LEADER_EPOCH,
			FJORD__API_KEY__SASL_HANDSHAKE,  FJORD__API_KEY__SASL_AUTHENTICATE,
			FJORD__API_KEY__CREATE_TOPICS,   FJORD__API_KEY__DELETE_TOPICS,
			FJORD__API_KEY__INIT_PRODUCER_ID
		};
		ck_assert_uint_eq(resp->api_versions->n_apis, sizeof(want) / sizeof(want[0]));
		for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++) {
			int seen = 0;
			for (size_t k = 0; k < resp->api_versions->n_apis; k++) {
				const Fjord__ApiVersionRange *r = resp->api_versions->apis[k];
				if (r->api != want[w])
					continue;
				seen++;
				ck_assert_int_eq(r->min_version, 0);
				ck_assert_int_eq(r->max_version, 0);
			}
			ck_assert_msg(seen == 1, "api %d listed %d times in ApiVersions", want[w],
			              seen);
		}
	}
	fjord__response__free_unpacked(resp, NULL);
	close(fd);

	/* The broker lives and the log is intact: produce more, read all. */
	for (int i = 0; i < c->broker_cnt; i++)
		ck_assert_msg(
		    harness_http_get(c->brokers[i].http_port, "/health", NULL, 5000) == 200,
		    "broker %d's /health does not answer after the bad frames", c->brokers[i].id);
	test_produce_msgs(c, topic, 1, T0021_MSGS, 100);
	test_msgver_t *mv = test_msgver_new(2);
	test_consume_msgs(c, topic, 2, FJORD_OFFSET_BEGINNING, 2 * T0021_MSGS, mv, 60000);
	test_msgver_verify(mv, "after bad frames", 2 * T0021_MSGS);
}
END_TEST

void test_0021(TCase *tc)
{
	tcase_add_test(tc, t0021_bad_frames);
}
