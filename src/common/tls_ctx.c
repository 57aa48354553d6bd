/*
 * tls_ctx.c — SSL_CTX from fjord's ssl.* settings (see tls_ctx.h).
 *
 * Loading order: the certificate chain, then the private key (decrypted
 * with ssl.key.password through OpenSSL's default password callback, which
 * reads the string given as its user data), then SSL_CTX_check_private_key
 * so a key of another certificate is refused at start-up rather than at the
 * first handshake. The CA file, when given, is the only trust anchor; a
 * server also advertises its subjects as the acceptable client CAs. Without
 * one a client trusts the system's store.
 *
 * Thread: any; a context is built once and then only read.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "common/props.h"
#include "common/tls_ctx.h"

/* OpenSSL 1.1.1 (the oldest configure accepts) names it without the 1. */
#if OPENSSL_VERSION_NUMBER < 0x30000000L
#define SSL_get1_peer_certificate SSL_get_peer_certificate
#endif

/* The oldest OpenSSL error of this thread, as "reason (library)", or a
 * fallback; empties the queue. */
static void tls_ctx_errq(char *out, size_t outsz, const char *fallback)
{
	unsigned long e = ERR_get_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	if (r)
		snprintf(out, outsz, "%s", r);
	else if (e)
		ERR_error_string_n(e, out, outsz);
	else
		snprintf(out, outsz, "%s", fallback);
	ERR_clear_error();
}

/* ssl.enabled.protocols: a comma list of TLSv1.2 and TLSv1.3 into the
 * lowest and highest version. */
static int tls_ctx_versions(const char *list, int *minv, int *maxv, char *errstr, size_t n)
{
	char buf[128], *tok, *save = NULL;

	*minv = *maxv = 0;
	snprintf(buf, sizeof(buf), "%s", list ? list : "TLSv1.2,TLSv1.3");
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int v;

		tok = props_list_item(tok);
		if (!*tok)
			continue;
		if (strcasecmp(tok, "TLSv1.2") == 0)
			v = TLS1_2_VERSION;
		else if (strcasecmp(tok, "TLSv1.3") == 0)
			v = TLS1_3_VERSION;
		else {
			snprintf(errstr, n,
			         "ssl.enabled.protocols: \"%s\" is not served (TLSv1.2 and TLSv1.3 "
			         "only; nothing below TLSv1.2)",
			         tok);
			return -1;
		}
		if (!*minv || v < *minv)
			*minv = v;
		if (v > *maxv)
			*maxv = v;
	}
	if (!*minv) {
		snprintf(errstr, n, "ssl.enabled.protocols: empty (TLSv1.2, TLSv1.3)");
		return -1;
	}
	return 0;
}

SSL_CTX *tls_ctx_new(const tls_ctx_opts_t *o, char *errstr, size_t n)
{
	SSL_CTX *ctx;
	char why[256];
	int minv, maxv;

	if (tls_ctx_versions(o->enabled_protocols, &minv, &maxv, errstr, n) != 0)
		return NULL;
	if (o->server &&
	    (!o->cert_location || !*o->cert_location || !o->key_location || !*o->key_location)) {
		snprintf(errstr, n,
		         "a TLS listener needs ssl.certificate.location and ssl.key.location");
		return NULL;
	}
	if (!o->server &&
	    (o->cert_location && *o->cert_location) != (o->key_location && *o->key_location)) {
		snprintf(errstr, n,
		         "ssl.certificate.location and ssl.key.location go together (a client "
		         "certificate needs its key)");
		return NULL;
	}
	ERR_clear_error();
	ctx = SSL_CTX_new(o->server ? TLS_server_method() : TLS_client_method());
	if (!ctx) {
		tls_ctx_errq(why, sizeof(why), "out of memory");
		snprintf(errstr, n, "cannot create a TLS context: %s", why);
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, minv);
	SSL_CTX_set_max_proto_version(ctx, maxv);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
	/* Writers retry with what is at the head of their buffer, which may
	 * have moved (an evbuffer). */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (o->key_password)
		SSL_CTX_set_default_passwd_cb_userdata(ctx, (void *)o->key_password);
	if (o->cert_location && *o->cert_location) {
		if (SSL_CTX_use_certificate_chain_file(ctx, o->cert_location) != 1) {
			tls_ctx_errq(why, sizeof(why), "cannot read it");
			snprintf(errstr, n, "ssl.certificate.location %s: %s", o->cert_location,
			         why);
			goto fail;
		}
		if (SSL_CTX_use_PrivateKey_file(ctx, o->key_location, SSL_FILETYPE_PEM) != 1) {
			tls_ctx_errq(why, sizeof(why), "cannot read it");
			snprintf(errstr, n, "ssl.key.location %s: %s%s", o->key_location, why,
			         o->key_password ? " (is ssl.key.password right?)"
			                         : " (encrypted? set ssl.key.password)");
			goto fail;
		}
		if (SSL_CTX_check_private_key(ctx) != 1) {
			tls_ctx_errq(why, sizeof(why), "mismatch");
			snprintf(
			    errstr, n,
			    "ssl.key.location %s does not match ssl.certificate.location %s: %s",
			    o->key_location, o->cert_location, why);
			goto fail;
		}
	}
	if (o->ca_location && *o->ca_location) {
		if (SSL_CTX_load_verify_locations(ctx, o->ca_location, NULL) != 1) {
			tls_ctx_errq(why, sizeof(why), "cannot read it");
			snprintf(errstr, n, "ssl.ca.location %s: %s", o->ca_location, why);
			goto fail;
		}
		if (o->server) {
			STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(o->ca_location);
			if (names)
				SSL_CTX_set_client_CA_list(ctx, names);
		}
	} else if (!o->server || o->client_auth != TLS_CLIENT_AUTH_NONE) {
		if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
			tls_ctx_errq(why, sizeof(why), "cannot read it");
			snprintf(errstr, n, "the system's CA store: %s (set ssl.ca.location)", why);
			goto fail;
		}
	}
	if (!o->server)
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	else if (o->client_auth == TLS_CLIENT_AUTH_REQUIRED)
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	else if (o->client_auth == TLS_CLIENT_AUTH_REQUESTED)
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	else
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

int tls_ctx_set_peer(SSL *ssl, const char *host, int verify_host)
{
	unsigned char addr[16];
	int is_ip = inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;

	/* RFC 6066: no address in SNI. */
	if (!is_ip && SSL_set_tlsext_host_name(ssl, host) != 1)
		return -1;
	if (!verify_host)
		return 0;
	if (is_ip)
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1 ? 0 : -1;
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	return SSL_set1_host(ssl, host) == 1 ? 0 : -1;
}

int tls_ctx_principal(SSL *ssl, char *out, size_t outsz)
{
	X509 *cert = SSL_get1_peer_certificate(ssl);
	BIO *bio;
	char *data = NULL;
	long len;
	int rc = -1;

	if (!cert)
		return -1;
	if (SSL_get_verify_result(ssl) != X509_V_OK)
		goto out;
	bio = BIO_new(BIO_s_mem());
	if (!bio)
		goto out;
	if (X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
		len = BIO_get_mem_data(bio, &data);
		if (len >= 0 && data) {
			snprintf(out, outsz, "User:%.*s", (int)len, data);
			rc = 0;
		}
	}
	BIO_free(bio);
out:
	X509_free(cert);
	return rc;
}

void tls_ctx_reason(SSL *ssl, unsigned long err, const char *fallback, char *out, size_t outsz)
{
	long vr = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
	const char *r;

	if (vr != X509_V_OK) {
		snprintf(out, outsz, "certificate verify failed: %s",
		         X509_verify_cert_error_string(vr));
		ERR_clear_error();
		return;
	}
	if (!err) {
		tls_ctx_errq(out, outsz, fallback);
		return;
	}
	r = ERR_reason_error_string(err);
	if (r)
		snprintf(out, outsz, "%s", r);
	else
		ERR_error_string_n(err, out, outsz);
	ERR_clear_error();
}
