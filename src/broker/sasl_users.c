/*
 * sasl_users.c — reading /config/users/<user> into a credential snapshot
 * (see sasl_users.h for the model).
 *
 * Every read is a full pass: list the users (child watch), read each one
 * (data watch), decode, sort. A change to any user re-reads them all; that
 * is one ZooKeeper read per user per change, on the zkb worker, and keeps
 * the snapshot a plain function of what ZooKeeper holds. Thousands of users
 * changing often would want an incremental pass (as zkmeta_update.c does
 * for topics); docs/security.md says so.
 *
 * Threads: sasl_users_read on the zkb worker (or start-up); the rest on any
 * thread holding a reference.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "broker/sasl_users.h"
#include "common/flog.h"
#include "common/zkpath.h"

const zkjson_user_t *sasl_users_find(const sasl_users_t *u, const char *name)
{
	int lo = 0, hi;

	if (!u)
		return NULL;
	hi = u->cnt - 1;
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		int c = strcmp(name, u->users[mid].name);
		if (c == 0)
			return &u->users[mid].cred;
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return NULL;
}

void sasl_users_ref(sasl_users_t *u)
{
	if (u)
		__atomic_add_fetch(&u->refs, 1, __ATOMIC_RELAXED);
}

void sasl_users_unref(sasl_users_t *u)
{
	if (!u || __atomic_sub_fetch(&u->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	for (int i = 0; i < u->cnt; i++) {
		free(u->users[i].name);
		explicit_bzero(&u->users[i].cred, sizeof(u->users[i].cred));
	}
	free(u->users);
	free(u);
}

int sasl_users_read(zhandle_t *zh, watcher_fn watcher, void *ctx, zkutil_seen_t *seen,
                    sasl_users_t **out)
{
	struct String_vector sv = { 0, NULL };
	sasl_users_t *u = calloc(1, sizeof(*u));
	int rc, i;

	if (!u)
		return ZSYSTEMERROR;
	u->refs = 1;
	rc = zkutil_children(zh, ZKPATH_CONFIG_USERS, watcher, ctx, &sv);
	if (rc == ZNONODE) {
		/* Its creation is the next change. */
		rc = zoo_wexists(zh, ZKPATH_CONFIG_USERS, watcher, ctx, NULL);
		if (rc == ZNONODE || rc == ZOK) /* ZOK: created meanwhile: read next pass */
			rc = ZOK;
		goto done;
	}
	if (rc != ZOK)
		goto done;
	u->users = calloc(sv.count > 0 ? (size_t)sv.count : 1, sizeof(*u->users));
	if (!u->users) {
		rc = ZSYSTEMERROR;
		goto done;
	}
	/* zkutil_children sorts: the snapshot comes out sorted by name. */
	for (i = 0; i < sv.count; i++) {
		char path[ZKPATH_MAX], err[512];
		sasl_user_t *su = &u->users[u->cnt];
		struct Stat st;
		char *buf = NULL;
		int len = 0;

		zkpath_user_config(path, sv.data[i]);
		rc = zkutil_get(zh, path, watcher, ctx, &buf, &len, &st);
		if (rc == ZNONODE)
			continue; /* deleted meanwhile: the child watch fires */
		if (rc != ZOK)
			goto done;
		if (zkjson_user_decode(buf, (size_t)len, &su->cred, err, sizeof(err)) < 0) {
			if (zkutil_seen_first(seen, path, st.mzxid))
				flog(LOG_WARNING, "sasl",
				     "ignoring %s (the user cannot log in until it is fixed): %s",
				     path, err);
			free(buf);
			continue;
		}
		free(buf);
		su->name = strdup(sv.data[i]);
		if (!su->name) {
			rc = ZSYSTEMERROR;
			goto done;
		}
		u->cnt++;
	}
	rc = ZOK;
done:
	deallocate_String_vector(&sv);
	if (rc == ZOK) {
		*out = u;
		return ZOK;
	}
	sasl_users_unref(u);
	return rc;
}
