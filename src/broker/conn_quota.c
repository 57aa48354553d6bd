/*
 * conn_quota.c — connections per client address (see conn_quota.h).
 *
 * Chained hash table keyed by the address bytes (FNV-1a), doubled when it
 * holds twice as many addresses as buckets, so a lookup on accept stays
 * O(1) with thousands of clients. Loop thread only.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "broker/conn_quota.h"

#define CONN_QUOTA_MIN_BUCKETS 64

struct conn_quota_entry {
	conn_quota_entry_t *next;
	conn_quota_key_t key;
	int count;
};

void conn_quota_key(const struct sockaddr *sa, conn_quota_key_t *key)
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(key, 0, sizeof(*key));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)sa;
		key->family = AF_INET;
		memcpy(key->addr, &sin->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		if (memcmp(sin6->sin6_addr.s6_addr, v4mapped, sizeof(v4mapped)) == 0) {
			key->family = AF_INET;
			memcpy(key->addr, sin6->sin6_addr.s6_addr + 12, 4);
		} else {
			key->family = AF_INET6;
			memcpy(key->addr, sin6->sin6_addr.s6_addr, 16);
		}
	}
}

void conn_quota_format(const conn_quota_key_t *key, char *out, size_t outsz)
{
	if (!key->family || !inet_ntop(key->family, key->addr, out, (socklen_t)outsz))
		snprintf(out, outsz, "?");
}

static size_t conn_quota_hash(const conn_quota_key_t *key)
{
	uint32_t h = 2166136261u;

	h = (h ^ key->family) * 16777619u;
	for (size_t i = 0; i < sizeof(key->addr); i++)
		h = (h ^ key->addr[i]) * 16777619u;
	return h;
}

static conn_quota_entry_t **conn_quota_slot(const conn_quota_t *q, const conn_quota_key_t *key)
{
	conn_quota_entry_t **pp = &q->buckets[conn_quota_hash(key) & (q->bucket_cnt - 1)];

	while (*pp && memcmp(&(*pp)->key, key, sizeof(*key)) != 0)
		pp = &(*pp)->next;
	return pp;
}

int conn_quota_count(const conn_quota_t *q, const conn_quota_key_t *key)
{
	conn_quota_entry_t **pp;

	if (!key->family || !q->bucket_cnt)
		return 0;
	pp = conn_quota_slot(q, key);
	return *pp ? (*pp)->count : 0;
}

/* Rehashes into twice the buckets (or the first table). 0 or -1. */
static int conn_quota_grow(conn_quota_t *q)
{
	size_t cnt = q->bucket_cnt ? q->bucket_cnt * 2 : CONN_QUOTA_MIN_BUCKETS;
	conn_quota_entry_t **nb = calloc(cnt, sizeof(*nb));

	if (!nb)
		return -1;
	for (size_t i = 0; i < q->bucket_cnt; i++) {
		conn_quota_entry_t *e = q->buckets[i], *next;
		for (; e; e = next) {
			size_t j = conn_quota_hash(&e->key) & (cnt - 1);
			next = e->next;
			e->next = nb[j];
			nb[j] = e;
		}
	}
	free(q->buckets);
	q->buckets = nb;
	q->bucket_cnt = cnt;
	return 0;
}

int conn_quota_add(conn_quota_t *q, const conn_quota_key_t *key)
{
	conn_quota_entry_t **pp, *e;

	if (!key->family)
		return 0;
	if ((!q->bucket_cnt || q->entry_cnt >= q->bucket_cnt * 2) && conn_quota_grow(q) != 0 &&
	    !q->bucket_cnt)
		return -1; /* a table that cannot grow still works, only slower */
	pp = conn_quota_slot(q, key);
	if (*pp) {
		(*pp)->count++;
		return 0;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -1;
	e->key = *key;
	e->count = 1;
	*pp = e;
	q->entry_cnt++;
	return 0;
}

void conn_quota_remove(conn_quota_t *q, const conn_quota_key_t *key)
{
	conn_quota_entry_t **pp, *e;

	if (!key->family || !q->bucket_cnt)
		return;
	pp = conn_quota_slot(q, key);
	e = *pp;
	if (!e || --e->count > 0)
		return;
	*pp = e->next;
	free(e);
	q->entry_cnt--;
}

void conn_quota_free(conn_quota_t *q)
{
	for (size_t i = 0; i < q->bucket_cnt; i++) {
		conn_quota_entry_t *e = q->buckets[i], *next;
		for (; e; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(q->buckets);
	memset(q, 0, sizeof(*q));
}
