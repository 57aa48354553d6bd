/*
 * tls_helpers.h — what the TLS tests (0090-0092) share: a throw-away PKI
 * made with the openssl CLI in the test's run dir, broker properties for
 * SSL listeners, and a consumer loop that takes extra SDK properties.
 *
 * Nothing here is committed key material: every key is generated when the
 * test runs. Failures are Check assertions. Test children only.
 */
#ifndef FJORD_TEST_TLS_HELPERS_H
#define FJORD_TEST_TLS_HELPERS_H

#include "test.h"

typedef struct tls_pki {
	char dir[512];
	char ca[600];          /* CA certificate (PEM) */
	char broker_cert[600]; /* CN=localhost, SAN DNS:localhost, IP:127.0.0.1 */
	char broker_key[600];  /* encrypted with TLS_PKI_KEY_PASSWORD */
	char client_cert[600]; /* subject O=example, OU=eng, CN=alice */
	char client_key[600];  /* not encrypted */
	char rogue_ca[600];    /* another CA, trusted by nobody */
	char rogue_cert[600];  /* client certificate signed by rogue_ca */
	char rogue_key[600];
	char wronghost_cert[600]; /* signed by ca, SAN DNS:elsewhere.invalid only */
	char wronghost_key[600];
} tls_pki_t;

#define TLS_PKI_KEY_PASSWORD "fjord-test-secret"
#define TLS_PKI_CLIENT_PRINCIPAL "User:CN=alice,OU=eng,O=example"

/* Makes the PKI under test_tmpdir()/<name>. */
void tls_pki_make(tls_pki_t *pki, const char *name);

/* Broker properties (into buf) for `listeners` (e.g.
 * "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0"), the broker certificate
 * and key (with its password), the CA, and `more` lines (may be ""). */
void tls_broker_props(const tls_pki_t *pki, char *buf, size_t size, const char *listeners,
                      const char *more);

/* Assigns partitions 0..partition_cnt-1 of topic from the beginning on a
 * consumer with the extra "name", "value" pairs (NULL-terminated) and polls
 * until expected_cnt records were added to mv or timeout_ms (scaled).
 * Returns how many were consumed. */
int tls_consume(test_cluster_t *c, const char *topic, int partition_cnt, int expected_cnt,
                test_msgver_t *mv, int timeout_ms, ...);

/* A producer with bootstrap.servers=host:port and the extra "name",
 * "value" pairs (NULL-terminated) asks for Metadata (timeout_ms). Returns
 * its error; what the error callback reported (joined by newlines; after a
 * failure it waits up to 5 s for a report) goes to errs. */
fjord_err_t tls_metadata(const char *host, int port, char *errs, size_t errsz, int timeout_ms, ...);

/* The value of counter `name` in broker i's /metrics. */
long tls_metric(test_cluster_t *c, int i, const char *name);

/* Broker i's log contains needle. */
int tls_log_has(test_cluster_t *c, int i, const char *needle);

#endif /* FJORD_TEST_TLS_HELPERS_H */
