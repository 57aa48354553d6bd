/*
 * tls_helpers.c — the TLS tests' PKI, broker properties, listener ports
 * and consumer (see tls_helpers.h).
 *
 * The PKI uses P-256 keys (fast to make and to use) and certificates valid
 * for two days; every file lives in the test's run dir.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_int.h"
#include "test.h"
#include "tls_helpers.h"

/* Runs one shell command; asserts it exited 0. */
static void tls_sh(const char *cmd)
{
	int st = -1;
	char *out = test_run(cmd, &st);

	ck_assert_msg(st == 0, "%s: exit %d: %s", cmd, st, out ? out : "");
	free(out);
}

/* A key and a certificate for subj signed by ca (self-signed when ca is
 * NULL), with extensions ext (may be NULL). */
static void tls_pki_cert(const char *dir, const char *name, const char *subj, const char *ca,
                         const char *ext, const char *key_pass)
{
	char cmd[4096], extfile[700];

	snprintf(extfile, sizeof(extfile), "%s/%s.ext", dir, name);
	ck_assert(harness_write_file(extfile, ext ? ext : "basicConstraints=CA:FALSE\n") == 0);
	if (!ca) {
		snprintf(
		    cmd, sizeof(cmd),
		    "cd '%s' && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
		    "-nodes -keyout %s.key -out %s.pem -days 2 -subj '%s' "
		    "-addext basicConstraints=critical,CA:TRUE "
		    "-addext keyUsage=critical,keyCertSign,cRLSign",
		    dir, name, name, subj);
		tls_sh(cmd);
		return;
	}
	snprintf(cmd, sizeof(cmd),
	         "cd '%s' && openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
	         "-keyout %s.plain.key -out %s.csr -subj '%s' && "
	         "openssl x509 -req -in %s.csr -CA %s.pem -CAkey %s.key -CAcreateserial "
	         "-out %s.pem -days 2 -extfile %s.ext",
	         dir, name, name, subj, name, ca, ca, name, name);
	tls_sh(cmd);
	if (key_pass)
		snprintf(
		    cmd, sizeof(cmd),
		    "cd '%s' && openssl pkey -in %s.plain.key -aes256 -passout pass:%s -out %s.key",
		    dir, name, key_pass, name);
	else
		snprintf(cmd, sizeof(cmd), "cd '%s' && cp %s.plain.key %s.key", dir, name, name);
	tls_sh(cmd);
}

void tls_pki_make(tls_pki_t *pki, const char *name)
{
	char cmd[700];

	memset(pki, 0, sizeof(*pki));
	ck_assert(harness_path(pki->dir, sizeof(pki->dir), "%s/%s", test_tmpdir(), name) == 0);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", pki->dir);
	tls_sh(cmd);
	tls_pki_cert(pki->dir, "ca", "/CN=fjord test CA", NULL, NULL, NULL);
	tls_pki_cert(pki->dir, "rogue-ca", "/CN=rogue CA", NULL, NULL, NULL);
	tls_pki_cert(pki->dir, "broker", "/O=fjord/CN=localhost", "ca",
	             "basicConstraints=CA:FALSE\n"
	             "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
	             "extendedKeyUsage=serverAuth,clientAuth\n",
	             TLS_PKI_KEY_PASSWORD);
	tls_pki_cert(pki->dir, "client", "/O=example/OU=eng/CN=alice", "ca",
	             "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n", NULL);
	tls_pki_cert(pki->dir, "rogue", "/O=example/CN=mallory", "rogue-ca",
	             "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n", NULL);
	tls_pki_cert(pki->dir, "wronghost", "/O=fjord/CN=elsewhere.invalid", "ca",
	             "basicConstraints=CA:FALSE\nsubjectAltName=DNS:elsewhere.invalid\n"
	             "extendedKeyUsage=serverAuth\n",
	             NULL);
#define TLS_PKI_PATH(field, file)                                                                  \
	ck_assert(harness_path(pki->field, sizeof(pki->field), "%s/%s", pki->dir, file) == 0)
	TLS_PKI_PATH(ca, "ca.pem");
	TLS_PKI_PATH(broker_cert, "broker.pem");
	TLS_PKI_PATH(broker_key, "broker.key");
	TLS_PKI_PATH(client_cert, "client.pem");
	TLS_PKI_PATH(client_key, "client.key");
	TLS_PKI_PATH(rogue_ca, "rogue-ca.pem");
	TLS_PKI_PATH(rogue_cert, "rogue.pem");
	TLS_PKI_PATH(rogue_key, "rogue.key");
	TLS_PKI_PATH(wronghost_cert, "wronghost.pem");
	TLS_PKI_PATH(wronghost_key, "wronghost.key");
#undef TLS_PKI_PATH
	test_say("TLS test PKI in %s", pki->dir);
}

void tls_broker_props(const tls_pki_t *pki, char *buf, size_t size, const char *listeners,
                      const char *more)
{
	int n = snprintf(buf, size,
	                 "listeners=%s\n"
	                 "ssl.certificate.location=%s\n"
	                 "ssl.key.location=%s\n"
	                 "ssl.key.password=%s\n"
	                 "ssl.ca.location=%s\n"
	                 "%s",
	                 listeners, pki->broker_cert, pki->broker_key, TLS_PKI_KEY_PASSWORD,
	                 pki->ca, more ? more : "");
	ck_assert(n > 0 && (size_t)n < size);
}

int tls_consume(test_cluster_t *c, const char *topic, int partition_cnt, int expected_cnt,
                test_msgver_t *mv, int timeout_ms, ...)
{
	char errstr[512];
	fjord_conf_t *conf =
	    test_conf(c, "auto.offset.reset", "earliest", "enable.partition.eof", "false", NULL);
	const char *name;
	va_list ap;

	va_start(ap, timeout_ms);
	while ((name = va_arg(ap, const char *))) {
		const char *value = va_arg(ap, const char *);
		ck_assert_msg(fjord_conf_set(conf, name, value, errstr, sizeof(errstr)) ==
		                  FJORD_CONF_OK,
		              "%s=%s: %s", name, value, errstr);
	}
	va_end(ap);
	fjord_t *fj = fjord_new(FJORD_CONSUMER, conf, errstr, sizeof(errstr));
	ck_assert_msg(fj, "consumer: %s", errstr);
	fjord_topic_partition_list_t *parts = fjord_topic_partition_list_new(partition_cnt);
	int got = 0;
	int64_t deadline = test_now_ms() + (int64_t)(timeout_ms * test_timeout_multiplier());

	for (int i = 0; i < partition_cnt; i++)
		fjord_topic_partition_list_add(parts, topic, i)->offset = FJORD_OFFSET_BEGINNING;
	fjord_err_t err = fjord_assign(fj, parts);
	fjord_topic_partition_list_destroy(parts);
	ck_assert_msg(err == FJORD_ERR_NO_ERROR, "assign %s: %s", topic, fjord_err2name(err));
	while (got < expected_cnt && test_now_ms() < deadline) {
		fjord_message_t *m = fjord_consumer_poll(fj, 200);
		if (!m)
			continue;
		if (m->err == FJORD_ERR_NO_ERROR) {
			test_msgver_add(mv, m);
			got++;
		} else {
			test_say("consumer event on %s [%d]: %s %s", topic, (int)m->partition,
			         fjord_err2name(m->err), m->errstr ? m->errstr : "");
		}
		fjord_message_destroy(m);
	}
	fjord_destroy(fj);
	test_say("consumed %d records from %s (expected %d)", got, topic, expected_cnt);
	return got;
}

typedef struct tls_errs {
	pthread_mutex_t lock;
	char text[4096];
	int cnt;
} tls_errs_t;

static void tls_error_cb(fjord_t *fj, fjord_err_t err, const char *reason, void *opaque)
{
	tls_errs_t *e = opaque;

	(void)fj;
	pthread_mutex_lock(&e->lock);
	size_t len = strlen(e->text);
	snprintf(e->text + len, sizeof(e->text) - len, "%s: %s\n", fjord_err2name(err), reason);
	e->cnt++;
	pthread_mutex_unlock(&e->lock);
}

/* An error other than _ALL_BROKERS_DOWN (which says nothing about why). */
static int tls_errs_any(void *arg)
{
	tls_errs_t *e = arg;
	int n = 0;

	pthread_mutex_lock(&e->lock);
	for (const char *p = e->text; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : "")
		if (strncmp(p, "_ALL_BROKERS_DOWN", 17) != 0 && *p != '\n')
			n++;
	pthread_mutex_unlock(&e->lock);
	return n > 0;
}

fjord_err_t tls_metadata(const char *host, int port, char *errs, size_t errsz, int timeout_ms, ...)
{
	char bootstrap[64], errstr[512];
	fjord_conf_t *conf = fjord_conf_new();
	fjord_metadata_t *md = NULL;
	tls_errs_t e;
	const char *name;
	va_list ap;

	memset(&e, 0, sizeof(e));
	pthread_mutex_init(&e.lock, NULL);
	snprintf(bootstrap, sizeof(bootstrap), "%s:%d", host, port);
	ck_assert(fjord_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof(errstr)) ==
	          FJORD_CONF_OK);
	va_start(ap, timeout_ms);
	while ((name = va_arg(ap, const char *))) {
		const char *value = va_arg(ap, const char *);
		ck_assert_msg(fjord_conf_set(conf, name, value, errstr, sizeof(errstr)) ==
		                  FJORD_CONF_OK,
		              "%s=%s: %s", name, value, errstr);
	}
	va_end(ap);
	fjord_conf_set_error_cb(conf, tls_error_cb);
	fjord_conf_set_opaque(conf, &e);
	fjord_t *fj = fjord_new(FJORD_PRODUCER, conf, errstr, sizeof(errstr));
	ck_assert_msg(fj, "fjord_new: %s", errstr);
	fjord_err_t err = fjord_metadata(fj, NULL, &md, timeout_ms);
	if (err == FJORD_ERR_NO_ERROR)
		fjord_metadata_destroy(md);
	else
		test_wait_until(tls_errs_any, &e, 5000);
	fjord_destroy(fj);
	pthread_mutex_lock(&e.lock);
	snprintf(errs, errsz, "%s", e.text);
	pthread_mutex_unlock(&e.lock);
	pthread_mutex_destroy(&e.lock);
	test_say("metadata from %s:%d: %s; errors: %s", host, port, fjord_err2name(err),
	         errs[0] ? errs : "none");
	return err;
}

int tls_log_has(test_cluster_t *c, int i, const char *needle)
{
	char path[700];
	int found;

	ck_assert(harness_path(path, sizeof(path), "%s/broker-%d/broker.log", c->dir,
	                       c->brokers[i].id) == 0);
	char *log = harness_read_file(path, NULL);
	ck_assert_ptr_nonnull(log);
	found = strstr(log, needle) != NULL;
	free(log);
	return found;
}

long tls_metric(test_cluster_t *c, int i, const char *name)
{
	char *body = NULL, key[200];
	long v;

	ck_assert_int_eq(harness_http_get(c->brokers[i].http_port, "/metrics", &body, 5000), 200);
	ck_assert_ptr_nonnull(body);
	snprintf(key, sizeof(key), "\n%s ", name);
	char *at = strstr(body, key);
	ck_assert_msg(at, "no %s in /metrics", name);
	v = atol(at + strlen(key));
	free(body);
	return v;
}
