/*
 * sasl_users.h — the broker's in-memory SCRAM credential store: an
 * immutable, reference-counted snapshot of every /config/users/<user>
 * znode, read on the zkb worker thread and handed to the loop.
 *
 * Why a snapshot: the loop thread checks logins and must never wait for
 * ZooKeeper; the zkb worker reads the znodes (with watches, so a user
 * created, changed or deleted takes effect for the next login without a
 * restart), builds a new snapshot and publishes it through the broker's
 * loop hand-off (broker.c). A login uses the snapshot of the moment;
 * connections already authenticated stay authenticated (as in Kafka).
 *
 * Threads: sasl_users_read() runs on the zkb worker (or the start-up
 * thread before the worker exists); the snapshot is read on the loop
 * thread; refcounts are atomic. Ownership: the caller of
 * sasl_users_read() owns the new snapshot (one reference).
 */
#ifndef FJORD_BROKER_SASL_USERS_H
#define FJORD_BROKER_SASL_USERS_H

#include <zookeeper/zookeeper.h>

#include "common/zkjson_user.h"
#include "common/zkutil.h"

typedef struct sasl_user {
	char *name;
	zkjson_user_t cred;
} sasl_user_t;

typedef struct sasl_users {
	int refs; /* atomic */
	int cnt;
	sasl_user_t *users; /* sorted by name */
} sasl_users_t;

/* The user's credentials, or NULL (no such user, or u is NULL). */
const zkjson_user_t *sasl_users_find(const sasl_users_t *u, const char *name);
void sasl_users_ref(sasl_users_t *u);
void sasl_users_unref(sasl_users_t *u);

/*
 * Reads /config/users and every child, setting a child watch on the list
 * and a data watch on each user (watcher/ctx: the caller's, fired once per
 * change). A znode that does not decode is left out and logged once per
 * modification (seen). Returns ZOK with *out a new snapshot, or the
 * ZooKeeper error (a missing /config/users is an empty store, and a watch
 * on its creation is left instead).
 */
int sasl_users_read(zhandle_t *zh, watcher_fn watcher, void *ctx, zkutil_seen_t *seen,
                    sasl_users_t **out);

#endif /* FJORD_BROKER_SASL_USERS_H */
