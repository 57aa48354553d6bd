/*
 * conn_quota.h — connections per client address (max.connections.per.ip).
 *
 * A table from peer address to the number of connections open from it.
 * server.c asks it before handing an accepted socket to conn_new(): a
 * peer already at max.connections.per.ip has the new connection closed at
 * once (as Kafka does), every listener alike. IPv4-mapped IPv6 addresses
 * (::ffff:a.b.c.d) count as the IPv4 address, so a dual-stack listener
 * cannot be used to double the quota. Unix or unknown families are not
 * counted.
 *
 * The broker-wide max.connections is not here: it decides whether a
 * listener accepts at all (server.c, server_update_accepting).
 *
 * Thread: loop thread only. Ownership: the broker owns the table
 * (conn_quota_free at shutdown); entries live while their count is > 0.
 */
#ifndef FJORD_BROKER_CONN_QUOTA_H
#define FJORD_BROKER_CONN_QUOTA_H

#include <stddef.h>
#include <stdint.h>

struct sockaddr;

/* A peer address as counted: family 0 means "not counted". */
typedef struct conn_quota_key {
	uint8_t family; /* AF_INET, AF_INET6, or 0 */
	uint8_t addr[16];
} conn_quota_key_t;

typedef struct conn_quota_entry conn_quota_entry_t;

typedef struct conn_quota {
	conn_quota_entry_t **buckets;
	size_t bucket_cnt; /* a power of two, or 0 before the first add */
	size_t entry_cnt;
} conn_quota_t;

/* The key of a peer address (family 0 for what is not counted). */
void conn_quota_key(const struct sockaddr *sa, conn_quota_key_t *key);
/* The address as text ("10.0.0.1", "::1", "?"). */
void conn_quota_format(const conn_quota_key_t *key, char *out, size_t outsz);
/* Connections open from key now (0 for an uncounted key). */
int conn_quota_count(const conn_quota_t *q, const conn_quota_key_t *key);
/* One more connection from key. 0, or -1 out of memory (nothing counted). */
int conn_quota_add(conn_quota_t *q, const conn_quota_key_t *key);
/* One connection from key closed (it must have been added). */
void conn_quota_remove(conn_quota_t *q, const conn_quota_key_t *key);
/* Frees the table (shutdown). */
void conn_quota_free(conn_quota_t *q);

#endif /* FJORD_BROKER_CONN_QUOTA_H */
