/*
 * 0091-mtls — client certificates and the SDK's verification of brokers,
 * against real ZooKeeper and real brokers (keys made at run time).
 *
 * t0091_client_auth_required: a broker with ssl.client.auth=required. A
 * client without a certificate is refused (the broker logs the failed
 * handshake and counts it, the client's error callback names TLS and the
 * alert), and so is one whose
 * certificate comes from a CA the broker does not trust; a client with a
 * certificate of the broker's CA produces and consumes, and the broker
 * logs its principal User:CN=alice,OU=eng,O=example (RFC 2253), also when
 * reached by the name localhost (SNI, DNS name verified). The SDK
 * refuses a broker whose certificate its ssl.ca.location does not trust.
 * t0091_hostname: a broker whose certificate names only
 * elsewhere.invalid, with ssl.client.auth=requested. With the default
 * ssl.endpoint.identification.algorithm=https the SDK refuses it at
 * 127.0.0.1 and at localhost (IP address / hostname mismatch in the error
 * callback); with none it
 * connects, without a certificate (requested lets it in anonymously) and
 * with one (its principal is logged).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_int.h"
#include "test.h"
#include "tls_helpers.h"

#define T0091_MSGS 500

START_TEST(t0091_client_auth_required)
{
	tls_pki_t pki;
	char props[4096], errs[4096];
	int failed = 0;
	fjord_err_t first_err = FJORD_ERR_NO_ERROR, err;

	tls_pki_make(&pki, "pki");
	tls_broker_props(&pki, props, sizeof(props), "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0",
	                 "ssl.client.auth=required\n");
	test_cluster_t *c = test_cluster_new(1, props);
	int port = test_listener_port(c, 0, "SSL");

	/* No client certificate. */
	err = tls_metadata("127.0.0.1", port, errs, sizeof(errs), 4000, "security.protocol", "ssl",
	                   "ssl.ca.location", pki.ca, NULL);
	ck_assert_msg(err != FJORD_ERR_NO_ERROR, "a client without a certificate got metadata");
	ck_assert_msg(strstr(errs, "TLS"), "the refusal does not name TLS: %s", errs);
	ck_assert_msg(tls_log_has(c, 0, "TLS handshake failed: peer did not return a certificate"),
	              "the broker did not log the missing certificate");
	long failures = tls_metric(c, 0, "fjord_tls_handshake_failures_total");
	ck_assert_int_ge(failures, 1);

	/* A certificate from a CA the broker does not trust. */
	err = tls_metadata("127.0.0.1", port, errs, sizeof(errs), 4000, "security.protocol", "ssl",
	                   "ssl.ca.location", pki.ca, "ssl.certificate.location", pki.rogue_cert,
	                   "ssl.key.location", pki.rogue_key, NULL);
	ck_assert_msg(err != FJORD_ERR_NO_ERROR, "a client with a rogue certificate got metadata");
	ck_assert_msg(strstr(errs, "TLS"), "the refusal does not name TLS: %s", errs);
	/* (Its log line may be folded into the next one: one per 5 s.) */
	ck_assert_int_gt(tls_metric(c, 0, "fjord_tls_handshake_failures_total"), failures);

	/* The SDK does not trust the broker. */
	err = tls_metadata("127.0.0.1", port, errs, sizeof(errs), 4000, "security.protocol", "ssl",
	                   "ssl.ca.location", pki.rogue_ca, "ssl.certificate.location",
	                   pki.client_cert, "ssl.key.location", pki.client_key, NULL);
	ck_assert_msg(err != FJORD_ERR_NO_ERROR, "the SDK accepted an untrusted broker");
	ck_assert_msg(strstr(errs, "certificate verify failed"),
	              "the SDK's error does not say the broker's certificate failed: %s", errs);
	ck_assert_msg(!tls_log_has(c, 0, "principal " TLS_PKI_CLIENT_PRINCIPAL),
	              "a principal was logged before any good client came");

	/* The broker's certificate names localhost too: by name it verifies. */
	err = tls_metadata("localhost", port, errs, sizeof(errs), 10000, "security.protocol", "ssl",
	                   "ssl.ca.location", pki.ca, "ssl.certificate.location", pki.client_cert,
	                   "ssl.key.location", pki.client_key, NULL);
	ck_assert_msg(err == FJORD_ERR_NO_ERROR, "by name, with a client certificate: %s (%s)",
	              fjord_err2name(err), errs);

	/* A good client certificate. */
	const char *topic = test_topic_name("mtls");
	test_create_topic(c, topic, 1, 1);
	int acked = test_produce_range(
	    c, topic, 0, 0, T0091_MSGS, 200, &failed, &first_err, "security.protocol", "ssl",
	    "ssl.ca.location", pki.ca, "ssl.certificate.location", pki.client_cert,
	    "ssl.key.location", pki.client_key, "client.listener", "SSL", "acks", "all", NULL);
	ck_assert_msg(acked == T0091_MSGS, "acknowledged %d of %d with a client certificate (%s)",
	              acked, T0091_MSGS, fjord_err2name(first_err));
	test_msgver_t *mv = test_msgver_new(1);
	int got =
	    tls_consume(c, topic, 1, T0091_MSGS, mv, 30000, "security.protocol", "ssl",
	                "ssl.ca.location", pki.ca, "ssl.certificate.location", pki.client_cert,
	                "ssl.key.location", pki.client_key, "client.listener", "SSL", NULL);
	ck_assert_int_eq(got, T0091_MSGS);
	test_msgver_verify(mv, "consumed with a client certificate", T0091_MSGS);
	ck_assert_msg(tls_log_has(c, 0, "on listener SSL: TLSv1.3") &&
	                  tls_log_has(c, 0, "principal " TLS_PKI_CLIENT_PRINCIPAL),
	              "the broker did not log the client's principal");
	test_cluster_destroy(c);
}
END_TEST

START_TEST(t0091_hostname)
{
	tls_pki_t pki;
	char props[4096], errs[4096], more[2048];
	fjord_err_t err;

	tls_pki_make(&pki, "pki");
	snprintf(more, sizeof(more),
	         "ssl.client.auth=requested\n"
	         "ssl.certificate.location=%s\nssl.key.location=%s\n",
	         pki.wronghost_cert, pki.wronghost_key);
	tls_broker_props(&pki, props, sizeof(props), "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0",
	                 more);
	test_cluster_t *c = test_cluster_new(1, props);
	int port = test_listener_port(c, 0, "SSL");

	err = tls_metadata("127.0.0.1", port, errs, sizeof(errs), 4000, "security.protocol", "ssl",
	                   "ssl.ca.location", pki.ca, NULL);
	ck_assert_msg(err != FJORD_ERR_NO_ERROR, "the SDK accepted a certificate for another host");
	ck_assert_msg(strstr(errs, "IP address mismatch"),
	              "the SDK's error does not name the mismatch: %s", errs);
	/* By name (SNI and a DNS name check): */
	err = tls_metadata("localhost", port, errs, sizeof(errs), 4000, "security.protocol", "ssl",
	                   "ssl.ca.location", pki.ca, NULL);
	ck_assert_msg(err != FJORD_ERR_NO_ERROR, "the SDK accepted a certificate for another name");
	ck_assert_msg(strstr(errs, "hostname mismatch"),
	              "the SDK's error does not name the mismatch: %s", errs);

	err = tls_metadata("127.0.0.1", port, errs, sizeof(errs), 10000, "security.protocol", "ssl",
	                   "ssl.ca.location", pki.ca, "ssl.endpoint.identification.algorithm",
	                   "none", NULL);
	ck_assert_msg(err == FJORD_ERR_NO_ERROR,
	              "without host verification, no certificate (requested): %s (%s)",
	              fjord_err2name(err), errs);
	ck_assert_msg(!tls_log_has(c, 0, "principal User:CN="),
	              "a principal was logged for a client without a certificate");

	err = tls_metadata("127.0.0.1", port, errs, sizeof(errs), 10000, "security.protocol", "ssl",
	                   "ssl.ca.location", pki.ca, "ssl.endpoint.identification.algorithm",
	                   "none", "ssl.certificate.location", pki.client_cert, "ssl.key.location",
	                   pki.client_key, NULL);
	ck_assert_msg(err == FJORD_ERR_NO_ERROR, "with a certificate (requested): %s (%s)",
	              fjord_err2name(err), errs);
	ck_assert_msg(tls_log_has(c, 0, "principal " TLS_PKI_CLIENT_PRINCIPAL),
	              "the broker did not log the client's principal");
	test_cluster_destroy(c);
}
END_TEST

void test_0091(TCase *tc)
{
	tcase_add_test(tc, t0091_client_auth_required);
	tcase_add_test(tc, t0091_hostname);
}
