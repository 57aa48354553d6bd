/*
 * sasl_server.h — the broker's side of SASL on SASL_PLAINTEXT and SASL_SSL
 * listeners: Kafka's SaslHandshake + SaslAuthenticate, mechanisms PLAIN,
 * SCRAM-SHA-256 and SCRAM-SHA-512 (docs/security.md).
 *
 * Thread: loop thread only. Credentials come from the broker's current
 * snapshot (b->sasl_users, broker/sasl_users.h); nothing here waits.
 *
 * A connection on a SASL listener may send only ApiVersions, SaslHandshake
 * and SaslAuthenticate until it has authenticated; anything else closes it
 * (sasl_server_gate, one log line). On success conn_t.principal becomes
 * "User:<name>". A failed login is answered (SASL_AUTHENTICATION_FAILED
 * with a message) and the connection serves nothing afterwards: its next
 * request closes it, as Kafka closes the channel after the answer.
 *
 * Ownership: the per-connection state (c->sasl) is created by the
 * handshake and freed by sasl_conn_free() when the connection is freed.
 */
#ifndef FJORD_BROKER_SASL_SERVER_H
#define FJORD_BROKER_SASL_SERVER_H

#include "broker/conn.h"
#include "fjord.pb-c.h"

struct sasl_conn;

/* 0: the request may be handled; -1: close the connection (logged). */
int sasl_server_gate(conn_t *c, const Fjord__Request *req);
void sasl_conn_free(struct sasl_conn *s);
/* 1 when a frame of frame_len bytes announced by a connection that has not
 * logged in on a SASL listener is above sasl.server.max.receive.size: the
 * caller closes it (logged, counted). 0 otherwise. */
int sasl_server_frame_refused(conn_t *c, uint32_t frame_len);

#endif /* FJORD_BROKER_SASL_SERVER_H */
