/*
 * admin_acl.c — fjord_admin_acl_add/remove/list: Kafka's ACLs in ZooKeeper,
 * as kafka-acls.sh --authorizer-properties zookeeper.connect=... edits them.
 *
 * The public entries (fjord_acl_t, strings) are checked and turned into
 * common/acl.h entries here; common/acl_zk.c does the ZooKeeper work: a
 * version-checked read-modify-write of /kafka-acl/<Type>/<name> with the
 * change notification in the same multi-op, or a pass over every ACL znode
 * for the listing. Brokers with the authorizer on watch /kafka-acl and
 * apply a change within moments, without a restart.
 *
 * Thread: the calling app thread (blocking ZooKeeper calls), under the
 * handle's zk_lock as a reader. Ownership: a listing and its strings are
 * the caller's (fjord_acl_list_destroy).
 */
#include <stdlib.h>
#include <string.h>

#include "client/client_int.h"
#include "common/acl_zk.h"

static fjord_err_t admin_acl_check(fjord_t *fj, char *errstr, size_t n)
{
	fj_errstr(errstr, n, "%s", "");
	return admin_zk_ready(fj, "ACL administration", errstr, n);
}

/* One public entry as an acl_entry_t (strings borrowed from a) and its
 * resource; FJORD_ERR__INVALID_ARG with errstr when something is wrong. */
static fjord_err_t admin_acl_entry(const fjord_acl_t *a, int i, acl_entry_t *e,
                                   acl_res_type_t *typep, const char **namep, char *errstr,
                                   size_t n)
{
	memset(e, 0, sizeof(*e));
	if ((unsigned)a->resource_type >= ACL_RES_TYPE_CNT) {
		fj_errstr(errstr, n, "entry %d: unknown resource type %d", i,
		          (int)a->resource_type);
		return FJORD_ERR__INVALID_ARG;
	}
	*typep = (acl_res_type_t)a->resource_type;
	*namep = a->resource_name;
	if (*typep == ACL_RES_CLUSTER && !*namep)
		*namep = ACL_CLUSTER_NAME;
	if (*typep == ACL_RES_CLUSTER && strcmp(*namep, ACL_CLUSTER_NAME) != 0) {
		fj_errstr(errstr, n, "entry %d: the cluster resource is named \"%s\", not \"%s\"",
		          i, ACL_CLUSTER_NAME, *namep);
		return FJORD_ERR__INVALID_ARG;
	}
	if (!*namep || !**namep) {
		fj_errstr(errstr, n, "entry %d: no resource name", i);
		return FJORD_ERR__INVALID_ARG;
	}
	if (!a->principal || !acl_principal_valid(a->principal)) {
		fj_errstr(errstr, n,
		          "entry %d: principal \"%s\" is not <type>:<name> (e.g. User:alice)", i,
		          a->principal ? a->principal : "");
		return FJORD_ERR__INVALID_ARG;
	}
	if (!a->operation || acl_op_parse(a->operation, &e->op) < 0) {
		fj_errstr(errstr, n,
		          "entry %d: unknown operation \"%s\" (All, Read, Write, Create, Delete, "
		          "Alter, Describe, ClusterAction, DescribeConfigs, AlterConfigs, "
		          "IdempotentWrite)",
		          i, a->operation ? a->operation : "");
		return FJORD_ERR__INVALID_ARG;
	}
	e->principal = a->principal;
	e->host = a->host && *a->host ? a->host : (char *)"*";
	e->deny = a->deny ? 1 : 0;
	return FJORD_ERR_NO_ERROR;
}

static fjord_err_t admin_acl_change(fjord_t *fj, const fjord_acl_t *acls, int cnt, int remove,
                                    int *changedp, char *errstr, size_t n)
{
	fjord_err_t err = admin_acl_check(fj, errstr, n);
	int total = 0;

	if (changedp)
		*changedp = 0;
	if (err)
		return err;
	if (!acls || cnt <= 0) {
		fj_errstr(errstr, n, "no ACL entry given");
		return FJORD_ERR__INVALID_ARG;
	}
	pthread_rwlock_rdlock(&fj->zk_lock);
	for (int i = 0; i < cnt && !err; i++) {
		acl_entry_t e;
		acl_res_type_t type;
		const char *name;
		int changed = 0;

		err = admin_acl_entry(&acls[i], i, &e, &type, &name, errstr, n);
		if (!err)
			err = acl_zk_change(fj->zh, type, name, &e, 1, remove, &changed, errstr, n);
		total += changed;
	}
	pthread_rwlock_unlock(&fj->zk_lock);
	if (changedp)
		*changedp = total;
	return err;
}

fjord_err_t fjord_admin_acl_add(fjord_t *fj, const fjord_acl_t *acls, int cnt, int *changedp,
                                char *errstr, size_t errstr_size)
{
	return admin_acl_change(fj, acls, cnt, 0, changedp, errstr, errstr_size);
}

fjord_err_t fjord_admin_acl_remove(fjord_t *fj, const fjord_acl_t *acls, int cnt, int *changedp,
                                   char *errstr, size_t errstr_size)
{
	return admin_acl_change(fj, acls, cnt, 1, changedp, errstr, errstr_size);
}

void fjord_acl_list_destroy(fjord_acl_t *list, int cnt)
{
	for (int i = 0; list && i < cnt; i++) {
		free(list[i].resource_name);
		free(list[i].principal);
		free(list[i].host);
		free(list[i].operation);
		free(list[i].error);
	}
	free(list);
}

/* Fills one public entry; -1 out of memory. */
static int admin_acl_fill(fjord_acl_t *o, const acl_resource_t *r, const acl_entry_t *e)
{
	o->resource_type = (fjord_acl_resource_type_t)r->type;
	o->resource_name = strdup(r->name);
	if (!o->resource_name)
		return -1;
	if (!e)
		return (o->error = strdup(r->error)) ? 0 : -1;
	o->principal = strdup(e->principal);
	o->host = strdup(e->host);
	o->operation = strdup(acl_op_name(e->op));
	o->deny = e->deny;
	return o->principal && o->host && o->operation ? 0 : -1;
}

fjord_err_t fjord_admin_acl_list(fjord_t *fj, fjord_acl_t **listp, int *cntp, char *errstr,
                                 size_t errstr_size)
{
	fjord_err_t err;
	acl_set_t *s = NULL;
	fjord_acl_t *v = NULL;
	int rc, n = 0, total = 0;

	if (listp)
		*listp = NULL;
	if (cntp)
		*cntp = 0;
	if ((err = admin_acl_check(fj, errstr, errstr_size)))
		return err;
	if (!listp || !cntp) {
		fj_errstr(errstr, errstr_size, "NULL list or count");
		return FJORD_ERR__INVALID_ARG;
	}
	pthread_rwlock_rdlock(&fj->zk_lock);
	rc = acl_zk_read_all(fj->zh, NULL, NULL, &s);
	pthread_rwlock_unlock(&fj->zk_lock);
	if (rc != ZOK) {
		fj_errstr(errstr, errstr_size, "ZooKeeper error while reading /kafka-acl: %s",
		          zerror(rc));
		return rc == ZSYSTEMERROR ? FJORD_ERR__FAIL : FJORD_ERR__ZOOKEEPER;
	}
	for (int i = 0; i < s->cnt; i++)
		total += s->res[i].error ? 1 : s->res[i].acls.cnt;
	if (total > 0 && !(v = calloc((size_t)total, sizeof(*v))))
		goto oom;
	for (int i = 0; i < s->cnt; i++) {
		const acl_resource_t *r = &s->res[i];
		if (r->error) {
			if (admin_acl_fill(&v[n++], r, NULL) < 0)
				goto oom;
			continue;
		}
		for (int j = 0; j < r->acls.cnt; j++)
			if (admin_acl_fill(&v[n++], r, &r->acls.entries[j]) < 0)
				goto oom;
	}
	acl_set_free(s);
	*listp = v;
	*cntp = n;
	return FJORD_ERR_NO_ERROR;
oom:
	acl_set_free(s);
	fjord_acl_list_destroy(v, n);
	fj_errstr(errstr, errstr_size, "out of memory");
	return FJORD_ERR__FAIL;
}
