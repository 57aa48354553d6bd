/*
 * broker_tls.c — TLS on the broker (see broker_tls.h for the model).
 *
 * The contexts come from common/tls_ctx.c, shared with the SDK. A listener
 * speaks TLS when its protocol is SSL (SASL_SSL will too once SASL exists).
 * libevent's bufferevent_openssl does the record layer: it reads from the
 * socket, decrypts into the bufferevent's input and encrypts its output, so
 * conn.c sees plain bytes through the same evbuffers and callbacks as on a
 * PLAINTEXT listener. Peers that close without a TLS close_notify (most
 * clients) end as a normal end of stream (dirty shutdown allowed).
 *
 * Thread: start/stop on the main thread, the rest on the loop thread.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "broker/broker.h"
#include "broker/broker_tls.h"
#include "broker/conn.h"
#include "broker/loop.h"
#include "common/bytes.h"
#include "common/flog.h"
#include "common/tls_ctx.h"

static int broker_tls_proto(sec_proto_t p)
{
	return p == SEC_SSL || p == SEC_SASL_SSL;
}

int broker_tls_listener(const broker_t *b, int idx)
{
	return broker_tls_proto(b->conf.lsn[idx].proto);
}

int broker_tls_start(broker_t *b, char *errstr, size_t errstr_size)
{
	const broker_conf_t *cf = &b->conf;
	tls_ctx_opts_t o;
	char msg[512];
	int i, any = 0;

	for (i = 0; i < cf->lsn_cnt; i++)
		any |= broker_tls_listener(b, i);
	memset(&o, 0, sizeof(o));
	o.cert_location = cf->ssl_certificate_location;
	o.key_location = cf->ssl_key_location;
	o.key_password = cf->ssl_key_password;
	o.ca_location = cf->ssl_ca_location;
	o.enabled_protocols = cf->ssl_enabled_protocols;
	o.client_auth = (tls_client_auth_t)cf->ssl_client_auth;
	if (any) {
		o.server = 1;
		b->tls_server = tls_ctx_new(&o, msg, sizeof(msg));
		if (!b->tls_server) {
			for (i = 0; i < cf->lsn_cnt && !broker_tls_listener(b, i); i++)
				;
			snprintf(errstr, errstr_size, "listener %s (%s): %s", cf->lsn[i].name,
			         sec_proto_name(cf->lsn[i].proto), msg);
			return -1;
		}
		flog(LOG_INFO, "tls", "TLS listeners use %s (client auth: %s)",
		     cf->ssl_certificate_location,
		     cf->ssl_client_auth == TLS_CLIENT_AUTH_REQUIRED    ? "required"
		     : cf->ssl_client_auth == TLS_CLIENT_AUTH_REQUESTED ? "requested"
		                                                        : "none");
	}
	if (broker_tls_listener(b, cf->ibl)) {
		o.server = 0;
		b->tls_client = tls_ctx_new(&o, msg, sizeof(msg));
		if (!b->tls_client) {
			snprintf(errstr, errstr_size, "inter-broker listener %s (replication): %s",
			         cf->lsn[cf->ibl].name, msg);
			return -1;
		}
	}
	return 0;
}

void broker_tls_stop(broker_t *b)
{
	if (b->tls_server)
		SSL_CTX_free(b->tls_server);
	if (b->tls_client)
		SSL_CTX_free(b->tls_client);
	b->tls_server = b->tls_client = NULL;
}

struct bufferevent *broker_tls_accept(broker_t *b, evutil_socket_t fd)
{
	SSL *ssl = SSL_new(b->tls_server);
	struct bufferevent *bev;

	if (!ssl)
		return NULL;
	bev = bufferevent_openssl_socket_new(loop_base(b->loop), fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
	                                     BEV_OPT_CLOSE_ON_FREE);
	if (!bev) {
		SSL_free(ssl);
		return NULL;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

void broker_tls_established(conn_t *c)
{
	SSL *ssl = bufferevent_openssl_get_ssl(c->bev);

	c->handshaking = 0;
	if (ssl && tls_ctx_principal(ssl, c->principal, sizeof(c->principal)) != 0)
		snprintf(c->principal, sizeof(c->principal), "%s", CONN_PRINCIPAL_ANONYMOUS);
	/* A certificate-authenticated client is worth a line (who connected);
	 * anonymous ones are not. */
	flog(strcmp(c->principal, CONN_PRINCIPAL_ANONYMOUS) ? LOG_INFO : LOG_DEBUG, "tls",
	     "connection %llu from %s on listener %s: %s, %s, principal %s",
	     (unsigned long long)c->id, c->peer, c->b->conf.lsn[c->listener].name,
	     ssl ? SSL_get_version(ssl) : "?", ssl ? SSL_get_cipher_name(ssl) : "?", c->principal);
}

void broker_tls_reason(struct bufferevent *bev, char *out, size_t outsz)
{
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	unsigned long err = bufferevent_get_openssl_error(bev);

	tls_ctx_reason(ssl, err, "connection closed during the handshake", out, outsz);
	while (bufferevent_get_openssl_error(bev))
		;
}

void broker_tls_failed(conn_t *c, short what)
{
	broker_t *b = c->b;
	char why[256];
	uint64_t suppressed;

	c->handshaking = 0;
	b->metrics.tls_handshake_failures++;
	if (what & BEV_EVENT_EOF)
		snprintf(why, sizeof(why), "connection closed during the handshake");
	else
		broker_tls_reason(c->bev, why, sizeof(why));
	if (conn_ratelog(&b->tls_log, fj_mono_ms(), &suppressed))
		flog(LOG_WARNING, "tls",
		     "closing connection from %s on listener %s: TLS handshake failed: %s (%llu "
		     "more failed handshakes since the last line)",
		     c->peer, b->conf.lsn[c->listener].name, why, (unsigned long long)suppressed);
}

struct bufferevent *broker_tls_connect(broker_t *b, const char *host)
{
	SSL *ssl = SSL_new(b->tls_client);
	struct bufferevent *bev;

	if (!ssl)
		return NULL;
	if (tls_ctx_set_peer(ssl, host, b->conf.ssl_endpoint_identification_algorithm == 0) != 0) {
		SSL_free(ssl);
		return NULL;
	}
	bev = bufferevent_openssl_socket_new(loop_base(b->loop), -1, ssl,
	                                     BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	if (!bev) {
		SSL_free(ssl);
		return NULL;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}
