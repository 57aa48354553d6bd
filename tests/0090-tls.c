/*
 * 0090-tls — SSL listeners, real ZooKeeper and real brokers, keys made at
 * run time (tls_helpers.c).
 *
 * t0090_produce_consume: two brokers with PLAINTEXT and SSL listeners
 * (replicating over PLAINTEXT), the broker key encrypted with
 * ssl.key.password. An RF=2 topic gets records produced with acks=all over
 * SSL (small ones, and 300 KB ones whose frames exceed the broker's
 * read-ahead) and consumed back over SSL: every acknowledged record is read
 * exactly once, in order. Then the wrong sides meet: a PLAINTEXT client on
 * the SSL port fails with an error naming TLS, the broker logs one line
 * naming the peer and counts it in /metrics, and the broker goes on serving
 * SSL clients; an SSL client on the PLAINTEXT port gets an error naming
 * the broker and the TLS failure through its error callback.
 * t0090_idle: with connections.max.idle.ms=1500, a connection to the SSL
 * listener that never starts its handshake is closed (the idle check works
 * on TLS connections) and counted, and an SSL client still gets metadata.
 * t0090_config_errors: an SSL listener without a certificate, with a
 * wrong key password, with a file that is not PEM, or with
 * ssl.enabled.protocols below TLSv1.2 stops start-up (exit 2) with a line
 * naming the key.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness_int.h"
#include "test.h"
#include "tls_helpers.h"

#define T0090_MSGS 3000
#define T0090_BIG 12
#define T0090_PARTS 3

START_TEST(t0090_produce_consume)
{
	tls_pki_t pki;
	char props[4096];
	int failed = 0;
	fjord_err_t first_err = FJORD_ERR_NO_ERROR;

	tls_pki_make(&pki, "pki");
	tls_broker_props(&pki, props, sizeof(props), "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0",
	                 "inter.broker.listener.name=PLAINTEXT\n");
	test_cluster_t *c = test_cluster_new(2, props);
	const char *topic = test_topic_name("tls");
	test_create_topic(c, topic, T0090_PARTS, 2);

	int acked = test_produce_range(c, topic, -1, 0, T0090_MSGS, 600, &failed, &first_err,
	                               "security.protocol", "ssl", "ssl.ca.location", pki.ca,
	                               "client.listener", "SSL", "acks", "all", NULL);
	ck_assert_msg(acked == T0090_MSGS, "acknowledged %d of %d over SSL (%d failed: %s)", acked,
	              T0090_MSGS, failed, fjord_err2name(first_err));
	/* Frames above the broker's 64 KiB read-ahead take conn.c's one-chain
	 * path; over TLS the input buffer is not a socket's. */
	acked =
	    test_produce_range(c, topic, 0, T0090_MSGS, T0090_BIG, 300 * 1024, &failed, &first_err,
	                       "security.protocol", "ssl", "ssl.ca.location", pki.ca,
	                       "client.listener", "SSL", "acks", "all", "linger.ms", "50", NULL);
	ck_assert_msg(acked == T0090_BIG, "acknowledged %d of %d large records over SSL (%s)",
	              acked, T0090_BIG, fjord_err2name(first_err));

	test_msgver_t *mv = test_msgver_new(T0090_PARTS);
	int got = tls_consume(c, topic, T0090_PARTS, T0090_MSGS + T0090_BIG, mv, 60000,
	                      "security.protocol", "ssl", "ssl.ca.location", pki.ca,
	                      "client.listener", "SSL", NULL);
	ck_assert_int_eq(got, T0090_MSGS + T0090_BIG);
	test_msgver_verify(mv, "consumed over SSL", T0090_MSGS + T0090_BIG);

	/* A PLAINTEXT client on the SSL port. */
	int ssl_port = test_listener_port(c, 0, "SSL");
	int plain_port = test_listener_port(c, 0, "PLAINTEXT");
	char errs[4096], want[128];
	fjord_err_t err = tls_metadata("127.0.0.1", ssl_port, errs, sizeof(errs), 4000, NULL);
	ck_assert_msg(err != FJORD_ERR_NO_ERROR, "a plaintext client got metadata from SSL");
	ck_assert_msg(strstr(errs, "is the listener SSL (TLS)?"),
	              "the plaintext client's error does not point at TLS: %s", errs);
	ck_assert_msg(tls_log_has(c, 0, "on listener SSL: TLS handshake failed: "),
	              "broker 0 did not log the failed handshake");
	ck_assert_msg(tls_log_has(c, 0, "closing connection from 127.0.0.1:"),
	              "the handshake line does not name the peer");
	ck_assert_int_ge(tls_metric(c, 0, "fjord_tls_handshake_failures_total"), 1);

	/* An SSL client on the PLAINTEXT port: the error callback names the
	 * broker and the TLS failure. */
	err = tls_metadata("127.0.0.1", plain_port, errs, sizeof(errs), 4000, "security.protocol",
	                   "ssl", "ssl.ca.location", pki.ca, NULL);
	ck_assert_msg(err != FJORD_ERR_NO_ERROR, "an SSL client got metadata from PLAINTEXT");
	snprintf(want, sizeof(want), "TLS handshake with 127.0.0.1:%d", plain_port);
	ck_assert_msg(strstr(errs, want), "no \"%s\" in the error callback: %s", want, errs);
	ck_assert_msg(strstr(errs, "(is the listener TLS?)"), "no hint at the listener: %s", errs);

	/* The SSL listener still serves. */
	mv = test_msgver_new(T0090_PARTS);
	got = tls_consume(c, topic, T0090_PARTS, T0090_MSGS + T0090_BIG, mv, 60000,
	                  "security.protocol", "ssl", "ssl.ca.location", pki.ca, "client.listener",
	                  "SSL", NULL);
	test_msgver_verify(mv, "consumed again over SSL", T0090_MSGS + T0090_BIG);
	test_cluster_destroy(c);
}
END_TEST

START_TEST(t0090_idle)
{
	tls_pki_t pki;
	char props[4096], errs[4096], buf[64];
	struct sockaddr_in sin;

	tls_pki_make(&pki, "pki-idle");
	tls_broker_props(&pki, props, sizeof(props), "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0",
	                 "connections.max.idle.ms=1500\n");
	test_cluster_t *c = test_cluster_new(1, props);
	int port = test_listener_port(c, 0, "SSL");
	long before = tls_metric(c, 0, "fjord_connections_idle_closed_total");

	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	int64_t t0 = test_now_ms();
	struct pollfd pfd = { fd, POLLIN, 0 };
	int pr = poll(&pfd, 1, (int)(15000 * test_timeout_multiplier()));
	ck_assert_msg(pr == 1, "a stalled handshake was not closed (poll %d)", pr);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 0);
	close(fd);
	test_say("stalled handshake closed after %lld ms", (long long)(test_now_ms() - t0));
	ck_assert_int_gt(tls_metric(c, 0, "fjord_connections_idle_closed_total"), before);

	fjord_err_t err = tls_metadata("127.0.0.1", port, errs, sizeof(errs), 10000,
	                               "security.protocol", "ssl", "ssl.ca.location", pki.ca, NULL);
	ck_assert_msg(err == FJORD_ERR_NO_ERROR, "metadata over SSL: %s (%s)", fjord_err2name(err),
	              errs);
	test_cluster_destroy(c);
}
END_TEST

/* A props file for one broker on c's chroot. */
static const char *t0090_props(test_cluster_t *c, const char *name, const char *extra)
{
	static char path[700];
	char *text = NULL;

	ck_assert(harness_path(path, sizeof(path), "%s/%s.properties", test_tmpdir(), name) == 0);
	ck_assert(asprintf(&text,
	                   "broker.id=42\nlog.dirs=%s/%s-data\nzookeeper.connect=%s\n"
	                   "http.listener=127.0.0.1:0\n%s",
	                   test_tmpdir(), name, c->zk_connect, extra) > 0);
	ck_assert(harness_write_file(path, text) == 0);
	free(text);
	return path;
}

START_TEST(t0090_config_errors)
{
	tls_pki_t pki;
	char notpem[700], good[3000], badpass[4096], garbage[4096], oldtls[4096];

	tls_pki_make(&pki, "pki-errors");
	ck_assert(harness_path(notpem, sizeof(notpem), "%s/not-a-cert.pem", pki.dir) == 0);
	ck_assert(harness_write_file(notpem, "this is not a certificate\n") == 0);
	tls_broker_props(&pki, good, sizeof(good), "SSL://127.0.0.1:0", "");
	snprintf(badpass, sizeof(badpass),
	         "listeners=SSL://127.0.0.1:0\nssl.certificate.location=%s\n"
	         "ssl.key.location=%s\nssl.key.password=wrong\n",
	         pki.broker_cert, pki.broker_key);
	snprintf(garbage, sizeof(garbage),
	         "listeners=SSL://127.0.0.1:0\nssl.certificate.location=%s\n"
	         "ssl.key.location=%s\nssl.key.password=%s\n",
	         notpem, pki.broker_key, TLS_PKI_KEY_PASSWORD);
	snprintf(oldtls, sizeof(oldtls), "%sssl.enabled.protocols=TLSv1.1,TLSv1.2\n", good);
	const struct {
		const char *name, *extra, *want;
	} cases[] = {
		{ "no-cert", "listeners=PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0\n",
		  "listener SSL (SSL): a TLS listener needs ssl.certificate.location and "
		  "ssl.key.location" },
		{ "wrong-password", badpass, "ssl.key.location" },
		{ "not-pem", garbage, "ssl.certificate.location" },
		{ "old-tls", oldtls, "ssl.enabled.protocols: \"TLSv1.1\" is not served" },
		{ "map", "listeners=A://127.0.0.1:0\nlistener.security.protocol.map=A:SSL\n",
		  "listener A (SSL): a TLS listener needs ssl.certificate.location" },
	};
	test_cluster_t *c = test_cluster_new(0, NULL);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = NULL;
		const char *props = t0090_props(c, cases[i].name, cases[i].extra);
		int rc = test_fjordd_run_expect_exit(props, NULL, &out, 60000);
		test_say("%s: exit %d: %s", cases[i].name, rc, out ? out : "");
		ck_assert_msg(rc == 2, "%s: exit %d, expected 2 (a configuration error)",
		              cases[i].name, rc);
		ck_assert_msg(out && strstr(out, cases[i].want), "%s: the error lacks \"%s\": %s",
		              cases[i].name, cases[i].want, out ? out : "");
		if (strcmp(cases[i].name, "wrong-password") == 0)
			ck_assert_msg(strstr(out, "is ssl.key.password right?"),
			              "the wrong password is not pointed at: %s", out);
		free(out);
	}
	test_cluster_destroy(c);
}
END_TEST

void test_0090(TCase *tc)
{
	tcase_add_test(tc, t0090_produce_consume);
	tcase_add_test(tc, t0090_idle);
	tcase_add_test(tc, t0090_config_errors);
}
