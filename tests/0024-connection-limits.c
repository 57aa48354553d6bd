/*
 * 0024-connection-limits — connections.max.idle.ms, max.connections.per.ip
 * and max.connections on private one-broker clusters, through raw
 * connections.
 *
 * t0024_idle (connections.max.idle.ms=2000): a connection that sent 3
 * bytes of a length prefix and one that sent a prefix and half a frame are
 * closed by the broker; a connection whose long-poll fetch (max_wait_ms
 * T0024_POLL_MS, more than the idle time) is parked is not: the fetch is
 * answered when it expires and the connection still serves a request
 * after; a connection that sends a request every 500 ms for longer than
 * the idle time stays open. fjord_connections_idle_closed_total counts the
 * two closes.
 *
 * t0024_per_ip (max.connections.per.ip=3): three connections from
 * 127.0.0.1 are served, a fourth is closed by the broker at once and
 * counted (fjord_connections_refused_total{reason="max_connections_per_ip"});
 * one from 127.0.0.2 is served (another address); after one of the three
 * closes, 127.0.0.1 may connect again.
 *
 * t0024_max_connections (max.connections=3, listeners CLIENT and REPL,
 * inter.broker.listener.name=REPL): three CLIENT connections are served; a
 * fourth waits in the listen backlog unanswered while the broker stops
 * accepting (fjord_listeners_paused{reason="max_connections"}); a REPL
 * connection is still accepted and served (the inter-broker listener is
 * exempt), and to stay at the limit the broker closes the least recently
 * active CLIENT connection (fjord_connections_evicted_total); when the
 * REPL connection closes, the waiting CLIENT connection is accepted and
 * answered.
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

#include "common/frame.h"
#include "harness_int.h"
#include "rawproto.h"
#include "repl_util.h"
#include "test.h"

#define T0024_IDLE_MS 2000
#define T0024_POLL_MS 6000

static double t0024_metric(test_cluster_t *c, const char *name)
{
	char *body = repl_http_body(c, 0, "/metrics");
	double v = repl_metric(body, name);

	free(body);
	return v;
}

/* Sends ApiVersions on fd and expects its answer. */
static void t0024_expect_served(int fd, int32_t corr, const char *what)
{
	ck_assert_msg(raw_send_api_versions(fd, corr) == 0, "%s: send failed", what);
	Fjord__Response *resp = raw_recv_response(fd, 10000);
	ck_assert_msg(resp, "%s: no answer (connection closed or not served)", what);
	ck_assert_int_eq(resp->correlation_id, corr);
	ck_assert_int_eq(resp->error, 0);
	fjord__response__free_unpacked(resp, NULL);
}

/* 1 when nothing is pending on fd after wait_ms: no data, no EOF. */
static int t0024_quiet_open(int fd, int wait_ms)
{
	struct pollfd pfd = { fd, POLLIN | POLLRDHUP, 0 };

	return poll(&pfd, 1, wait_ms) == 0;
}

START_TEST(t0024_idle)
{
	test_cluster_t *c = test_cluster_new(1, "connections.max.idle.ms=2000\n");
	const char *topic = test_topic_name("idle");
	int port = c->brokers[0].port;
	uint8_t buf[64];

	test_create_topic(c, topic, 1, 1);

	/* 3 bytes of a length prefix. */
	int prefix = raw_connect(port);
	ck_assert(prefix >= 0);
	memset(buf, 0, sizeof(buf));
	ck_assert(raw_send(prefix, buf, 3) == 0);
	/* A prefix announcing 100 bytes, then 40 of them. */
	int half = raw_connect(port);
	ck_assert(half >= 0);
	frame_write_prefix(buf, 20, 80);
	ck_assert(raw_send(half, buf, FRAME_PREFIX_SIZE + 40) == 0);
	/* A long-poll fetch on an empty partition, parked longer than the idle
	 * time. */
	int poll_fd = raw_connect(port);
	uint8_t *req = NULL;
	size_t req_len = 0;
	ck_assert(poll_fd >= 0);
	ck_assert(raw_append_fetch(&req, &req_len, 7, topic, 0, 0, 1 << 20, T0024_POLL_MS, 1) == 0);
	ck_assert(raw_send(poll_fd, req, req_len) == 0);
	free(req);
	int64_t t0 = test_now_ms();

	/* A connection that keeps talking, for twice the idle time. */
	int busy = raw_connect(port);
	ck_assert(busy >= 0);
	for (int i = 0; i < 2 * T0024_IDLE_MS / 500; i++) {
		t0024_expect_served(busy, 1000 + i, "active connection");
		harness_sleep_ms(500);
	}

	ck_assert_msg(raw_wait_closed(prefix, 15000),
	              "a connection that sent 3 bytes of a prefix was not closed");
	ck_assert_msg(raw_wait_closed(half, 15000),
	              "a connection that sent half a frame was not closed");
	test_say("half-sent prefix and frame: closed after %lld ms",
	         (long long)(test_now_ms() - t0));

	Fjord__Response *resp = raw_recv_response(poll_fd, T0024_POLL_MS + 15000);
	ck_assert_msg(resp, "the connection with a parked long-poll fetch was closed");
	int64_t waited = test_now_ms() - t0;
	ck_assert_int_eq(resp->correlation_id, 7);
	ck_assert_int_eq(resp->body_case, FJORD__RESPONSE__BODY_FETCH);
	fjord__response__free_unpacked(resp, NULL);
	test_say("long-poll fetch answered after %lld ms on an open connection", (long long)waited);
	if (waited < T0024_POLL_MS - 500)
		test_say("WARNING: the long poll was answered before its max_wait_ms");
	t0024_expect_served(poll_fd, 8, "connection after its long poll");

	double closed = t0024_metric(c, "fjord_connections_idle_closed_total");
	test_say("fjord_connections_idle_closed_total = %g", closed);
	ck_assert_msg(closed >= 2, "fjord_connections_idle_closed_total = %g, want >= 2", closed);
	close(prefix);
	close(half);
	close(poll_fd);
	close(busy);
	test_cluster_destroy(c);
}
END_TEST

/* A connection to 127.0.0.1:port from source address src. */
static int t0024_connect_from(const char *src, int port)
{
	struct sockaddr_in me = { 0 }, sa = { 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert(fd >= 0);
	me.sin_family = AF_INET;
	ck_assert(inet_pton(AF_INET, src, &me.sin_addr) == 1);
	ck_assert_msg(bind(fd, (struct sockaddr *)&me, sizeof(me)) == 0, "bind %s: %s", src,
	              strerror(errno));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "connect: %s",
	              strerror(errno));
	return fd;
}

static int t0024_served(void *arg)
{
	return raw_api_versions_ok(*(int *)arg, 2000);
}

START_TEST(t0024_per_ip)
{
	test_cluster_t *c = test_cluster_new(1, "max.connections.per.ip=3\n");
	int port = c->brokers[0].port;
	int fds[3];

	for (int i = 0; i < 3; i++) {
		fds[i] = raw_connect(port);
		ck_assert(fds[i] >= 0);
		t0024_expect_served(fds[i], i, "a connection within max.connections.per.ip");
	}
	int extra = raw_connect(port);
	ck_assert(extra >= 0);
	ck_assert_msg(raw_wait_closed(extra, 10000),
	              "a 4th connection from 127.0.0.1 was kept (max.connections.per.ip=3)");
	close(extra);
	double refused =
	    t0024_metric(c, "fjord_connections_refused_total{reason=\"max_connections_per_ip\"}");
	test_say("4th connection from 127.0.0.1 closed; refused metric %g", refused);
	ck_assert_msg(refused >= 1, "refused connection not counted (%g)", refused);

	int other = t0024_connect_from("127.0.0.2", port);
	t0024_expect_served(other, 10, "a connection from 127.0.0.2");
	close(other);

	close(fds[0]);
	ck_assert_msg(test_wait_until(t0024_served, &port, 15000),
	              "127.0.0.1 cannot connect again after one of its connections closed");
	close(fds[1]);
	close(fds[2]);
	test_cluster_destroy(c);
}
END_TEST

START_TEST(t0024_max_connections)
{
	test_cluster_t *c =
	    test_cluster_new(1, "listeners=CLIENT://127.0.0.1:0,REPL://127.0.0.1:0\n"
	                        "inter.broker.listener.name=REPL\n"
	                        "max.connections=3\n");
	int client = test_listener_port(c, 0, "CLIENT");
	int repl = test_listener_port(c, 0, "REPL");
	int fds[3], closed_cnt = 0;

	for (int i = 0; i < 3; i++) {
		fds[i] = raw_connect(client);
		ck_assert(fds[i] >= 0);
		t0024_expect_served(fds[i], i, "a CLIENT connection within max.connections");
	}
	/* The 4th completes its TCP handshake into the backlog, but is not
	 * accepted: its request stays unanswered. */
	int waiting = raw_connect(client);
	ck_assert(waiting >= 0);
	ck_assert(raw_send_api_versions(waiting, 42) == 0);
	ck_assert_msg(t0024_quiet_open(waiting, 2000),
	              "a CLIENT connection past max.connections was served or closed");
	ck_assert_int_eq((int)t0024_metric(c, "fjord_connections"), 3);
	ck_assert_msg(t0024_metric(c, "fjord_listeners_paused{reason=\"max_connections\"}") == 1,
	              "fjord_listeners_paused{reason=\"max_connections\"} is not 1");

	/* The inter-broker listener is exempt; the least recently active
	 * CLIENT connection (the first) makes room for it. */
	int r = raw_connect(repl);
	ck_assert(r >= 0);
	t0024_expect_served(r, 50, "a REPL connection at max.connections");
	ck_assert_msg(raw_wait_closed(fds[0], 10000),
	              "the least recently active CLIENT connection was not closed");
	for (int i = 1; i < 3; i++)
		if (!t0024_quiet_open(fds[i], 0))
			closed_cnt++;
	ck_assert_msg(closed_cnt == 0, "%d more CLIENT connections were closed", closed_cnt);
	double evicted = t0024_metric(c, "fjord_connections_evicted_total");
	ck_assert_msg(evicted == 1, "fjord_connections_evicted_total = %g", evicted);
	ck_assert_msg(t0024_quiet_open(waiting, 0), "the waiting CLIENT connection was served");

	/* A slot frees: the waiting connection is accepted and answered. */
	close(r);
	Fjord__Response *resp = raw_recv_response(waiting, 15000);
	ck_assert_msg(resp, "the waiting CLIENT connection was not served after a slot freed");
	ck_assert_int_eq(resp->correlation_id, 42);
	fjord__response__free_unpacked(resp, NULL);
	double pauses = t0024_metric(c, "fjord_listener_pauses_total{reason=\"max_connections\"}");
	test_say("max.connections: %g pauses, %g evicted", pauses, evicted);
	ck_assert_msg(pauses >= 1, "fjord_listener_pauses_total{reason=\"max_connections\"} = %g",
	              pauses);
	close(waiting);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	test_cluster_destroy(c);
}
END_TEST

void test_0024(TCase *tc)
{
	tcase_add_test(tc, t0024_idle);
	tcase_add_test(tc, t0024_per_ip);
	tcase_add_test(tc, t0024_max_connections);
}
