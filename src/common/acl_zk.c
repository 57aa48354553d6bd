/*
 * acl_zk.c — reading and changing Kafka's ACL znodes (see acl_zk.h).
 *
 * Reading: one pass over /kafka-acl/<Type> for the three types, each
 * resource znode decoded with acl_list_decode. A znode that does not decode
 * does not stop the pass: it becomes a broken resource that grants nothing,
 * and the reader of the set reports it. Watches are armed on the same
 * calls that read, so a change made between two passes is never missed.
 *
 * Changing: the same read-modify-write loop as zkadmin's topic config
 * changes: read the znode and its version, change the list in memory, and
 * write it back in one multi-op conditional on that version together with
 * the sequential change notification Kafka's brokers listen to. Two
 * operators adding entries to one resource at once both land.
 *
 * Threads: none of its own; blocking ZooKeeper calls on the caller's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/acl_zk.h"
#include "common/zkpath.h"
#include "common/zkutil.h"

int acl_zk_path(char *out, size_t n, acl_res_type_t type, const char *name)
{
	if (!name || !*name || !strcmp(name, ".") || !strcmp(name, "..") || strchr(name, '/') ||
	    (unsigned)type >= ACL_RES_TYPE_CNT)
		return -1;
	if ((size_t)snprintf(out, n, "%s/%s/%s", ZKPATH_KAFKA_ACL, acl_res_type_name(type), name) >=
	    n)
		return -1;
	return 0;
}

int acl_zk_ensure_paths(zhandle_t *zh)
{
	char path[ZKPATH_MAX];
	int rc;

	for (int t = 0; t < ACL_RES_TYPE_CNT; t++) {
		snprintf(path, sizeof(path), "%s/%s", ZKPATH_KAFKA_ACL,
		         acl_res_type_name((acl_res_type_t)t));
		if ((rc = zkutil_create_recursive(zh, path, NULL, -1)) != ZOK)
			return rc;
	}
	return zkutil_create_recursive(zh, ZKPATH_KAFKA_ACL_CHANGES, NULL, -1);
}

/* Reads the resources of one type into s. */
static int acl_zk_read_type(zhandle_t *zh, acl_res_type_t type, watcher_fn watcher, void *ctx,
                            acl_set_t *s)
{
	char tpath[ZKPATH_MAX], path[ZKPATH_MAX], why[512];
	struct String_vector sv = { 0, NULL };
	int rc, i;

	snprintf(tpath, sizeof(tpath), "%s/%s", ZKPATH_KAFKA_ACL, acl_res_type_name(type));
	rc = zkutil_children(zh, tpath, watcher, ctx, &sv);
	if (rc == ZNONODE) {
		struct Stat st;
		/* Watch for its creation; created meanwhile: read it. */
		rc = watcher ? zoo_wexists(zh, tpath, watcher, ctx, &st) : ZNONODE;
		if (rc == ZNONODE)
			return ZOK;
		if (rc != ZOK)
			return rc;
		rc = zkutil_children(zh, tpath, watcher, ctx, &sv);
		if (rc == ZNONODE)
			return ZOK;
	}
	if (rc != ZOK)
		return rc;
	for (i = 0; i < sv.count; i++) {
		acl_list_t l = { 0, NULL };
		char *buf = NULL;
		int len = 0;

		if ((size_t)snprintf(path, sizeof(path), "%s/%s", tpath, sv.data[i]) >=
		    sizeof(path))
			continue; /* longer than any znode path fjord handles */
		rc = zkutil_get(zh, path, watcher, ctx, &buf, &len, NULL);
		if (rc == ZNONODE)
			continue; /* deleted meanwhile: the children watch fired */
		if (rc != ZOK)
			break;
		if (acl_list_decode(buf, (size_t)(len > 0 ? len : 0), &l, why, sizeof(why)) < 0)
			rc = acl_set_put(s, type, sv.data[i], NULL, why);
		else
			rc = acl_set_put(s, type, sv.data[i], &l, NULL);
		acl_list_clear(&l);
		free(buf);
		if (rc != 0) {
			rc = ZSYSTEMERROR;
			break;
		}
		rc = ZOK;
	}
	deallocate_String_vector(&sv);
	return rc;
}

int acl_zk_read_all(zhandle_t *zh, watcher_fn watcher, void *ctx, acl_set_t **out)
{
	acl_set_t *s = acl_set_new();
	int rc = ZOK;

	*out = NULL;
	if (!s)
		return ZSYSTEMERROR;
	for (int t = 0; t < ACL_RES_TYPE_CNT && rc == ZOK; t++)
		rc = acl_zk_read_type(zh, (acl_res_type_t)t, watcher, ctx, s);
	if (rc != ZOK) {
		acl_set_free(s);
		return rc;
	}
	acl_set_finish(s);
	*out = s;
	return ZOK;
}

static fjord_err_t acl_zk_zkerr(int rc, const char *what, const char *path, char *errstr, size_t n)
{
	snprintf(errstr, n, "ZooKeeper error while %s %s: %s", what, path, zkutil_err2str(rc));
	return FJORD_ERR__ZOOKEEPER;
}

/* Applies the change to l; returns how many entries changed, -1 oom. */
static int acl_zk_apply(acl_list_t *l, const acl_entry_t *entries, int cnt, int remove)
{
	int changed = 0;

	for (int i = 0; i < cnt; i++) {
		int r = remove ? acl_list_remove(l, &entries[i]) : acl_list_add(l, &entries[i]);
		if (r < 0)
			return -1;
		changed += r;
	}
	return changed;
}

fjord_err_t acl_zk_change(zhandle_t *zh, acl_res_type_t type, const char *name,
                          const acl_entry_t *entries, int cnt, int remove, int *changedp,
                          char *errstr, size_t errstr_size)
{
	char path[ZKPATH_MAX], note[ZKPATH_MAX], seq[ZKPATH_MAX], why[512];
	zoo_op_t ops[2];
	zoo_op_result_t res[2];
	int attempt, rc, i;

	if (changedp)
		*changedp = 0;
	if (acl_zk_path(path, sizeof(path), type, name) < 0) {
		snprintf(errstr, errstr_size, "invalid resource name \"%s\"", name ? name : "");
		return FJORD_ERR__INVALID_ARG;
	}
	if (!entries || cnt <= 0) {
		snprintf(errstr, errstr_size, "no ACL entry given");
		return FJORD_ERR__INVALID_ARG;
	}
	for (i = 0; i < cnt; i++) {
		if (!acl_principal_valid(entries[i].principal)) {
			snprintf(
			    errstr, errstr_size,
			    "invalid principal \"%s\": expected <type>:<name> (e.g. User:alice)",
			    entries[i].principal ? entries[i].principal : "");
			return FJORD_ERR__INVALID_ARG;
		}
		if (!entries[i].host || !*entries[i].host ||
		    (unsigned)entries[i].op >= ACL_OP_CNT) {
			snprintf(errstr, errstr_size, "invalid host or operation in entry %d", i);
			return FJORD_ERR__INVALID_ARG;
		}
	}
	if ((rc = acl_zk_ensure_paths(zh)) != ZOK)
		return acl_zk_zkerr(rc, "creating", ZKPATH_KAFKA_ACL, errstr, errstr_size);
	acl_change_value(note, sizeof(note), type, name);
	for (attempt = 0; attempt < ZKACL_TRIES; attempt++) {
		acl_list_t l = { 0, NULL };
		char *buf = NULL, *json = NULL;
		struct Stat st;
		int len = 0, exists, changed, nops;

		rc = zkutil_get(zh, path, NULL, NULL, &buf, &len, &st);
		if (rc != ZOK && rc != ZNONODE)
			return acl_zk_zkerr(rc, "reading", path, errstr, errstr_size);
		exists = rc == ZOK;
		/* A znode created without a value holds no entry yet. */
		if (exists && len > 0 &&
		    acl_list_decode(buf, (size_t)len, &l, why, sizeof(why)) < 0) {
			snprintf(errstr, errstr_size,
			         "%s is malformed (%s): fix or delete it with zkCli.sh first", path,
			         why);
			free(buf);
			return FJORD_ERR__FAIL;
		}
		free(buf);
		changed = acl_zk_apply(&l, entries, cnt, remove);
		if (changed < 0 || (changed > 0 && l.cnt > 0 && !(json = acl_list_encode(&l)))) {
			acl_list_clear(&l);
			snprintf(errstr, errstr_size, "out of memory");
			return FJORD_ERR__FAIL;
		}
		if (changed == 0) {
			acl_list_clear(&l);
			return FJORD_ERR_NO_ERROR;
		}
		if (l.cnt == 0)
			zoo_delete_op_init(&ops[0], path, st.version);
		else if (exists)
			zoo_set_op_init(&ops[0], path, json, (int)strlen(json), st.version, NULL);
		else
			zoo_create_op_init(&ops[0], path, json, (int)strlen(json),
			                   zkacl_of(zh, path), 0, NULL, 0);
		zoo_create_op_init(&ops[1], ZKPATH_KAFKA_ACL_CHANGE_PREFIX, note, (int)strlen(note),
		                   zkacl_of(zh, ZKPATH_KAFKA_ACL_CHANGE_PREFIX), ZOO_SEQUENCE, seq,
		                   (int)sizeof(seq));
		nops = 2;
		rc = zoo_multi(zh, nops, ops, res);
		acl_list_clear(&l);
		free(json);
		if (rc == ZOK) {
			if (changedp)
				*changedp = changed;
			return FJORD_ERR_NO_ERROR;
		}
		/* Another writer changed, created or removed the znode since we
		 * read it: read it again. */
		if (rc != ZBADVERSION && rc != ZNODEEXISTS && rc != ZNONODE)
			return acl_zk_zkerr(rc, "writing", path, errstr, errstr_size);
	}
	snprintf(errstr, errstr_size, "%s kept changing under us (%d attempts): try again", path,
	         ZKACL_TRIES);
	return FJORD_ERR__FAIL;
}
