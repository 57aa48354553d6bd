/*
 * bconn_tls.c — TLS under the SDK's broker connections
 * (security.protocol=ssl).
 *
 * What: fjord_new() builds one client SSL_CTX per handle from the ssl.*
 * properties (common/tls_ctx.c, shared with the broker), so a missing file,
 * a bad PEM or a wrong ssl.key.password fails fjord_new() with a message
 * naming the property. Each broker connection (bconn.c) then wraps its
 * non-blocking socket in an SSL object: after the TCP connect the handshake
 * runs step by step from the socket's read and write events
 * (bconn_tls_handshake), and afterwards bconn.c reads and writes through
 * bconn_tls_read / bconn_tls_write, which return like recv/send (bytes, 0
 * at the broker's end of stream, -1 with errno EAGAIN when OpenSSL wants
 * the socket again, EIO on a TLS error with the reason). The server's
 * certificate chain is always verified (ssl.ca.location, else the system
 * store); with ssl.endpoint.identification.algorithm=https (the default)
 * it must also name the host connected to (a DNS or IP subject alternative
 * name), and SNI carries a host name.
 *
 * Writes: SSL_write gets up to BCONN_TLS_WRITE_MAX bytes from the head of
 * the output buffer at once (pulled up when they lie in several chunks),
 * so small pieces of one request (prefix, header, payload) leave in one
 * TLS record instead of one each. Partial writes are enabled and the head
 * of the buffer only grows between retries, as OpenSSL requires.
 *
 * Thread: the handle's I/O thread (the context is built in fjord_new()).
 * Ownership: h->tls_ctx is the handle's (bconn_tls_term); a bconn_tls_t
 * owns its SSL, never the socket.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "client/client_int.h"
#include "common/tls_ctx.h"

#define BCONN_TLS_WRITE_MAX (64 * 1024)
#define BCONN_TLS_READ_CHUNK (64 * 1024)

struct bconn_tls {
	SSL *ssl;
};

int bconn_tls_init(fjord_t *h, char *errstr, size_t n)
{
	const fj_conf_values_t *v = h->cv_conf;
	tls_ctx_opts_t o;
	char msg[512];

	if (v->security_protocol != CONF_SEC_SSL && v->security_protocol != CONF_SEC_SASL_SSL)
		return 0;
	memset(&o, 0, sizeof(o));
	o.cert_location = v->ssl_certificate_location;
	o.key_location = v->ssl_key_location;
	o.key_password = v->ssl_key_password;
	o.ca_location = v->ssl_ca_location;
	h->tls_ctx = tls_ctx_new(&o, msg, sizeof(msg));
	if (!h->tls_ctx) {
		fj_errstr(errstr, n, "security.protocol=ssl: %s", msg);
		return -1;
	}
	return 0;
}

void bconn_tls_term(fjord_t *h)
{
	if (h->tls_ctx)
		SSL_CTX_free(h->tls_ctx);
	h->tls_ctx = NULL;
}

bconn_tls_t *bconn_tls_new(fjord_t *h, int fd, const char *host)
{
	bconn_tls_t *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->ssl = SSL_new(h->tls_ctx);
	if (!t->ssl || SSL_set_fd(t->ssl, fd) != 1 ||
	    tls_ctx_set_peer(t->ssl, host, h->cv_conf->ssl_endpoint_identification == 0) != 0) {
		bconn_tls_free(t);
		return NULL;
	}
	SSL_set_connect_state(t->ssl);
	return t;
}

void bconn_tls_free(bconn_tls_t *t)
{
	if (!t)
		return;
	if (t->ssl)
		SSL_free(t->ssl);
	free(t);
}

/* Why the last call on t failed with SSL_get_error() == e and return r. */
static void bconn_tls_why(bconn_tls_t *t, int e, int r, char *why, size_t n)
{
	if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
		if (r == 0 || errno == 0)
			snprintf(why, n, "connection closed by the broker (is the listener TLS?)");
		else
			snprintf(why, n, "%s", strerror(errno));
		return;
	}
	if (e == SSL_ERROR_ZERO_RETURN) {
		snprintf(why, n, "closed by broker");
		return;
	}
	tls_ctx_reason(t->ssl, 0, "TLS error", why, n);
}

int bconn_tls_handshake(bconn_tls_t *t, int *want_write, char *why, size_t n)
{
	int r, e;

	ERR_clear_error();
	errno = 0;
	r = SSL_do_handshake(t->ssl);
	if (r == 1)
		return 1;
	e = SSL_get_error(t->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		*want_write = e == SSL_ERROR_WANT_WRITE;
		return 0;
	}
	bconn_tls_why(t, e, r, why, n);
	/* What a plaintext listener does to a ClientHello: it closes (a fjord
	 * broker: a bad frame) or answers in clear. */
	if ((strstr(why, "unexpected eof") || strstr(why, "wrong version number")) &&
	    strlen(why) + 32 < n)
		strcat(why, " (is the listener TLS?)");
	return -1;
}

const char *bconn_tls_version(const bconn_tls_t *t)
{
	return SSL_get_version(t->ssl);
}

int bconn_tls_read(bconn_tls_t *t, struct evbuffer *in, char *why, size_t n)
{
	struct evbuffer_iovec v;
	int r, e;

	if (evbuffer_reserve_space(in, BCONN_TLS_READ_CHUNK, &v, 1) < 1) {
		snprintf(why, n, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	ERR_clear_error();
	errno = 0;
	r = SSL_read(t->ssl, v.iov_base, (int)(v.iov_len < INT32_MAX ? v.iov_len : INT32_MAX));
	if (r > 0) {
		v.iov_len = (size_t)r;
		evbuffer_commit_space(in, &v, 1);
		return r;
	}
	e = SSL_get_error(t->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		errno = EAGAIN;
		return -1;
	}
	if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && r == 0 && !ERR_peek_error()))
		return 0; /* the broker's end of stream, with or without close_notify */
	bconn_tls_why(t, e, r, why, n);
	errno = EIO;
	return -1;
}

ssize_t bconn_tls_write(bconn_tls_t *t, struct evbuffer *out, char *why, size_t n)
{
	size_t len = evbuffer_get_length(out);
	unsigned char *p;
	int r, e;

	if (len > BCONN_TLS_WRITE_MAX)
		len = BCONN_TLS_WRITE_MAX;
	p = evbuffer_pullup(out, (ev_ssize_t)len);
	if (!p) {
		snprintf(why, n, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	ERR_clear_error();
	errno = 0;
	r = SSL_write(t->ssl, p, (int)len);
	if (r > 0)
		return r;
	e = SSL_get_error(t->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		errno = EAGAIN;
		return -1;
	}
	bconn_tls_why(t, e, r, why, n);
	errno = EIO;
	return -1;
}
