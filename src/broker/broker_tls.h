/*
 * broker_tls.h — TLS on the broker: SSL listeners and replication over TLS.
 *
 * What: at start-up broker_tls_start() builds, from the ssl.* keys
 * (broker_conf.h), one server context when a listener is SSL, and one
 * client context when the inter-broker listener is SSL (the replica
 * fetcher then connects with TLS, verifies the leader with ssl.ca.location
 * and presents this broker's own certificate). A missing certificate or
 * key, a bad PEM file or a wrong key password stops start-up with a line
 * naming the key and OpenSSL's reason.
 *
 * Connections accepted on an SSL listener get a bufferevent_openssl in the
 * accepting state instead of a socket bufferevent (conn.c); everything
 * above the bufferevent (framing, watermarks, back-pressure, idleness) is
 * unchanged. Once the handshake completes, a verified client certificate
 * makes the principal "User:" + its subject DN in RFC 2253 form; a failed
 * handshake logs one line naming the peer and OpenSSL's reason (at most
 * one line per CONN_RATELOG_INTERVAL_MS, with a count of the others) and
 * closes that connection only.
 *
 * Fetch answers over TLS carry their records read from the segment files
 * (handle_fetch.c): sendfile(2) cannot go through the encryption.
 *
 * Thread: start/stop on the main thread; the rest on the loop thread.
 * Ownership: the contexts are the broker's (b->tls_server, b->tls_client),
 * freed by broker_tls_stop(); a bufferevent returned owns its SSL and fd.
 */
#ifndef FJORD_BROKER_TLS_H
#define FJORD_BROKER_TLS_H

#include <stddef.h>

#include <event2/bufferevent.h>

struct broker;
struct conn;

/* Builds the contexts the listeners need. 0, or -1 with errstr. */
int broker_tls_start(struct broker *b, char *errstr, size_t errstr_size);
void broker_tls_stop(struct broker *b);

/* Listener idx (in b->conf.lsn) speaks TLS. */
int broker_tls_listener(const struct broker *b, int idx);

/* A bufferevent accepting TLS on fd; NULL when out of memory (fd then
 * still the caller's). */
struct bufferevent *broker_tls_accept(struct broker *b, evutil_socket_t fd);

/* The handshake of c completed: sets c->principal. */
void broker_tls_established(struct conn *c);
/* The handshake of c failed (an error or end of stream before it
 * completed): logs the one line. The caller closes c. */
void broker_tls_failed(struct conn *c, short what);

/* Replica fetcher: a bufferevent that will connect (bufferevent_socket_
 * connect*) and then handshake with the leader at host, or NULL when
 * out of memory. Only when b->tls_client is set (the inter-broker
 * listener is SSL). */
struct bufferevent *broker_tls_connect(struct broker *b, const char *host);
/* Why a TLS bufferevent failed, into out (the verification result or the
 * OpenSSL reason). */
void broker_tls_reason(struct bufferevent *bev, char *out, size_t outsz);

#endif /* FJORD_BROKER_TLS_H */
