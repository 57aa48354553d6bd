/*
 * tls_ctx.h — OpenSSL contexts built from fjord's ssl.* settings, shared by
 * the broker (its listeners and its replica fetcher) and the SDK.
 *
 * What: one function turns PEM file names (librdkafka's key names, fjord's
 * stand-in for Kafka's keystore and truststore), a client-auth mode and the
 * enabled protocol versions into an SSL_CTX, or fails with a message that
 * names the key and OpenSSL's reason (a missing file, a bad PEM, a wrong key
 * password, a key that does not match its certificate). The helpers set up
 * one connection's peer name (SNI and host name or IP verification), print
 * a peer certificate's subject as Kafka's principal, and say why a
 * handshake failed.
 *
 * Guarantees: TLS 1.2 is the lowest version ever negotiated; renegotiation
 * is off; a client context always verifies the server's chain.
 *
 * Threads: a context is built on one thread and then shared read-only
 * (OpenSSL's SSL_CTX is safe to use from several threads once built); the
 * error helpers read the calling thread's OpenSSL error queue.
 */
#ifndef FJORD_COMMON_TLS_CTX_H
#define FJORD_COMMON_TLS_CTX_H

#include <stddef.h>

#include <openssl/ssl.h>

typedef enum tls_client_auth {
	TLS_CLIENT_AUTH_NONE = 0,
	TLS_CLIENT_AUTH_REQUESTED,
	TLS_CLIENT_AUTH_REQUIRED,
} tls_client_auth_t;

typedef struct tls_ctx_opts {
	int server;                    /* 1: accepts connections; 0: connects */
	const char *cert_location;     /* ssl.certificate.location (PEM chain) or NULL */
	const char *key_location;      /* ssl.key.location (PEM) or NULL */
	const char *key_password;      /* ssl.key.password or NULL */
	const char *ca_location;       /* ssl.ca.location (PEM) or NULL: system CAs */
	tls_client_auth_t client_auth; /* server only */
	const char *enabled_protocols; /* "TLSv1.2,TLSv1.3"; NULL: both */
} tls_ctx_opts_t;

/* A new context, or NULL with errstr naming the key and OpenSSL's reason.
 * The caller frees it with SSL_CTX_free(). */
SSL_CTX *tls_ctx_new(const tls_ctx_opts_t *o, char *errstr, size_t errstr_size);

/* Client side of one connection: SNI (for a host name, not an address) and,
 * when verify_host, the server certificate must name host (a DNS SAN, or an
 * IP SAN for an address). 0, or -1 (out of memory). */
int tls_ctx_set_peer(SSL *ssl, const char *host, int verify_host);

/* Kafka's principal of a verified peer certificate: "User:" + its subject
 * DN in RFC 2253 form. 0 with out filled, -1 when there is no verified
 * certificate (out untouched). */
int tls_ctx_principal(SSL *ssl, char *out, size_t outsz);

/* Why a handshake or I/O on ssl failed, into out: the certificate
 * verification result when that failed, else the OpenSSL error `err` (0:
 * the oldest in the thread's queue), else `fallback`. Empties the thread's
 * error queue. */
void tls_ctx_reason(SSL *ssl, unsigned long err, const char *fallback, char *out, size_t outsz);

#endif /* FJORD_COMMON_TLS_CTX_H */
