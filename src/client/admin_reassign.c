/*
 * admin_reassign.c — partition reassignment from the SDK: writing the plan
 * /admin/reassign_partitions and reporting where each partition stands.
 *
 * What: as in Kafka's ZooKeeper mode the admin side only writes the plan
 * (Kafka's JSON, zkjson_reassign_encode); the controller carries it out
 * (src/controller/controller_reassign.c). Before writing, the plan is checked
 * with the same strict codec the controller uses (encode, then decode), and
 * against ZooKeeper: topics, partitions and target brokers must exist. The
 * write is a create, so it fails when a plan is pending: a running
 * reassignment is never overwritten. The status call reads the pending
 * plan, each topic's assignment and each partition's state.
 * Thread: the calling app thread (blocking ZooKeeper calls under the
 * handle's zk_lock, read side). Ownership: status arrays are the caller's
 * (fjord_reassignment_status_destroy).
 */
#include <stdlib.h>
#include <string.h>

#include "client/client_int.h"
#include "common/zkadmin.h"
#include "common/zkjson.h"
#include "common/zkjson_admin.h"
#include "common/zkutil.h"
#include "common/zkpath.h"

static fjord_err_t ar_zkerr(int rc, const char *what, const char *path, char *errstr, size_t n)
{
	fj_errstr(errstr, n, "ZooKeeper: %s %s: %s", what, path, zkutil_err2str(rc));
	return FJORD_ERR__ZOOKEEPER;
}

/* The handle can do this, and parts is a well-formed plan: *jsonp gets its
 * encoding (caller frees). */
static fjord_err_t ar_check(fjord_t *fj, const fjord_reassignment_t *parts, int cnt, char **jsonp,
                            char *errstr, size_t n)
{
	zkjson_reassign_t plan = { 0, NULL }, back;
	char err[512];
	fjord_err_t e;
	int i;

	*jsonp = NULL;
	fj_errstr(errstr, n, "%s", "");
	if (!fj || !parts || cnt < 1) {
		fj_errstr(errstr, n, "a reassignment needs a handle and at least one partition");
		return FJORD_ERR__INVALID_ARG;
	}
	if ((e = admin_zk_ready(fj, "partition reassignment", errstr, n)))
		return e;
	for (i = 0; i < cnt; i++) {
		if ((e = zkadmin_validate_topic_name(parts[i].topic, err, sizeof(err)))) {
			fj_errstr(errstr, n, "partition %d of the plan: %s", i, err);
			return FJORD_ERR__INVALID_ARG;
		}
		if (parts[i].replica_cnt < 0 || (parts[i].replica_cnt > 0 && !parts[i].replicas)) {
			fj_errstr(errstr, n, "partition %d of the plan: bad replica list", i);
			return FJORD_ERR__INVALID_ARG;
		}
	}
	if (!(plan.entries = calloc((size_t)cnt, sizeof(*plan.entries)))) {
		fj_errstr(errstr, n, "out of memory");
		return FJORD_ERR__FAIL;
	}
	plan.cnt = cnt;
	for (i = 0; i < cnt; i++) { /* borrowed pointers: freed by hand below */
		plan.entries[i].topic = (char *)parts[i].topic;
		plan.entries[i].partition = parts[i].partition;
		plan.entries[i].replica_cnt = parts[i].replica_cnt;
		plan.entries[i].replicas = (int32_t *)parts[i].replicas;
	}
	*jsonp = zkjson_reassign_encode(&plan);
	free(plan.entries);
	if (!*jsonp) {
		fj_errstr(errstr, n, "out of memory");
		return FJORD_ERR__FAIL;
	}
	/* The controller's own strict decoder says what it would refuse. */
	if (zkjson_reassign_decode(*jsonp, strlen(*jsonp), &back, err, sizeof(err)) < 0) {
		fj_errstr(errstr, n, "%s", err);
		free(*jsonp);
		*jsonp = NULL;
		return FJORD_ERR__INVALID_ARG;
	}
	zkjson_reassign_clear(&back);
	return FJORD_ERR_NO_ERROR;
}

/* Reads and decodes topic's assignment: ZOK, ZNONODE, -1 (malformed, errstr
 * set) or another ZooKeeper error. */
static int ar_assignment(zhandle_t *zh, const char *topic, zkjson_assignment_t *a, char *errstr,
                         size_t n)
{
	char path[ZKPATH_MAX], err[256];
	char *buf = NULL;
	int len, rc;

	memset(a, 0, sizeof(*a));
	zkpath_topic(path, topic);
	rc = zkutil_get(zh, path, NULL, NULL, &buf, &len, NULL);
	if (rc == ZOK && zkjson_assignment_decode(buf, (size_t)len, a, err, sizeof(err)) < 0) {
		fj_errstr(errstr, n, "%s: %s", path, err);
		rc = -1;
	}
	free(buf);
	return rc;
}

/* Topics, partitions and brokers of the plan exist. */
static fjord_err_t ar_check_cluster(zhandle_t *zh, const fjord_reassignment_t *parts, int cnt,
                                    char *errstr, size_t n)
{
	struct String_vector ids = { 0, NULL };
	char path[ZKPATH_MAX], idbuf[16];
	fjord_err_t e = FJORD_ERR_NO_ERROR;
	struct Stat zst;
	int i, j, k, rc;

	rc = zkutil_children(zh, ZKPATH_BROKER_IDS, NULL, NULL, &ids);
	if (rc != ZOK && rc != ZNONODE)
		return ar_zkerr(rc, "list", ZKPATH_BROKER_IDS, errstr, n);
	for (i = 0; !e && i < cnt; i++) {
		const fjord_reassignment_t *p = &parts[i];
		zkjson_assignment_t a;

		zkpath_delete_topic(path, p->topic);
		rc = zoo_exists(zh, path, 0, &zst);
		if (rc == ZOK) {
			fj_errstr(errstr, n, "%s-%d: the topic is being deleted", p->topic,
			          (int)p->partition);
			e = FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION;
			break;
		}
		if (rc != ZNONODE) {
			e = ar_zkerr(rc, "check", path, errstr, n);
			break;
		}
		rc = ar_assignment(zh, p->topic, &a, errstr, n);
		if (rc == ZNONODE) {
			fj_errstr(errstr, n, "%s-%d: topic '%s' does not exist", p->topic,
			          (int)p->partition, p->topic);
			e = FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION;
		} else if (rc == -1) {
			e = FJORD_ERR__FAIL;
		} else if (rc != ZOK) {
			e = ar_zkerr(rc, "read the assignment of", p->topic, errstr, n);
		} else if (p->partition >= a.partition_cnt) {
			fj_errstr(errstr, n, "%s-%d: no such partition (the topic has %d)",
			          p->topic, (int)p->partition, a.partition_cnt);
			e = FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION;
		}
		zkjson_assignment_clear(&a);
		for (j = 0; !e && j < p->replica_cnt; j++) {
			snprintf(idbuf, sizeof(idbuf), "%d", (int)p->replicas[j]);
			for (k = 0; k < ids.count && strcmp(ids.data[k], idbuf); k++)
				;
			if (k == ids.count) {
				fj_errstr(errstr, n, "%s-%d: broker %d is not a registered broker",
				          p->topic, (int)p->partition, (int)p->replicas[j]);
				e = FJORD_ERR_BROKER_NOT_AVAILABLE;
			}
		}
	}
	deallocate_String_vector(&ids);
	return e;
}

fjord_err_t fjord_admin_reassign_partitions(fjord_t *fj, const fjord_reassignment_t *parts, int cnt,
                                            char *errstr, size_t errstr_size)
{
	char *json = NULL;
	struct Stat zst;
	fjord_err_t e;
	int rc;

	if ((e = ar_check(fj, parts, cnt, &json, errstr, errstr_size)))
		return e;
	pthread_rwlock_rdlock(&fj->zk_lock);
	rc = zoo_exists(fj->zh, ZKPATH_REASSIGN, 0, &zst);
	if (rc == ZOK) {
		fj_errstr(errstr, errstr_size,
		          "a reassignment is in progress (%s exists); a new "
		          "plan can be written once it is done",
		          ZKPATH_REASSIGN);
		e = FJORD_ERR_REASSIGNMENT_IN_PROGRESS;
		goto out;
	}
	if (rc != ZNONODE) {
		e = ar_zkerr(rc, "check", ZKPATH_REASSIGN, errstr, errstr_size);
		goto out;
	}
	if ((e = ar_check_cluster(fj->zh, parts, cnt, errstr, errstr_size)))
		goto out;
	if ((rc = zkutil_create_recursive(fj->zh, ZKPATH_ADMIN, NULL, -1)) != ZOK) {
		e = ar_zkerr(rc, "create", ZKPATH_ADMIN, errstr, errstr_size);
		goto out;
	}
	rc = zoo_create(fj->zh, ZKPATH_REASSIGN, json, (int)strlen(json),
	                zkacl_of(fj->zh, ZKPATH_REASSIGN), 0, NULL, 0);
	if (rc == ZNODEEXISTS) {
		fj_errstr(errstr, errstr_size,
		          "a reassignment is in progress (%s exists); a new "
		          "plan can be written once it is done",
		          ZKPATH_REASSIGN);
		e = FJORD_ERR_REASSIGNMENT_IN_PROGRESS;
	} else if (rc != ZOK) {
		e = ar_zkerr(rc, "create", ZKPATH_REASSIGN, errstr, errstr_size);
	}
out:
	pthread_rwlock_unlock(&fj->zk_lock);
	free(json);
	return e;
}

void fjord_reassignment_status_destroy(fjord_reassignment_status_t *status, int cnt)
{
	int i;

	for (i = 0; status && i < cnt; i++) {
		free(status[i].topic);
		free(status[i].replicas);
		free(status[i].isr);
	}
	free(status);
}

static int32_t *ar_dup_ids(const int32_t *ids, int cnt)
{
	int32_t *v = calloc((size_t)cnt + 1, sizeof(*v));

	if (v && cnt > 0)
		memcpy(v, ids, (size_t)cnt * sizeof(*v));
	return v;
}

/* Fills st for one partition. FJORD_ERR_NO_ERROR or an error. */
static fjord_err_t ar_status_one(zhandle_t *zh, const fjord_reassignment_t *p,
                                 const zkjson_reassign_t *pending, fjord_reassignment_status_t *st,
                                 char *errstr, size_t n)
{
	zkjson_assignment_t a;
	zkjson_state_t s = { 0, 0, 0, NULL, 0 };
	const zkjson_replicas_t *cur;
	char path[ZKPATH_MAX], err[256];
	char *buf = NULL;
	fjord_err_t e = FJORD_ERR_NO_ERROR;
	int rc, len, i, listed = 0;

	st->partition = p->partition;
	st->leader = -1;
	st->state = FJORD_REASSIGNMENT_UNKNOWN;
	if (!(st->topic = strdup(p->topic)))
		return FJORD_ERR__FAIL;
	rc = ar_assignment(zh, p->topic, &a, errstr, n);
	if (rc == ZNONODE)
		return FJORD_ERR_NO_ERROR;
	if (rc == -1)
		return FJORD_ERR__FAIL;
	if (rc != ZOK)
		return ar_zkerr(rc, "read the assignment of", p->topic, errstr, n);
	if (p->partition < 0 || p->partition >= a.partition_cnt)
		goto out;
	cur = &a.partitions[p->partition];
	if (!(st->replicas = ar_dup_ids(cur->ids, cur->cnt))) {
		e = FJORD_ERR__FAIL;
		goto out;
	}
	st->replica_cnt = cur->cnt;
	zkpath_state(path, p->topic, (int)p->partition);
	rc = zkutil_get(zh, path, NULL, NULL, &buf, &len, NULL);
	if (rc == ZOK && zkjson_state_decode(buf, (size_t)len, &s, err, sizeof(err)) == 0) {
		st->leader = s.leader;
		if (!(st->isr = ar_dup_ids(s.isr, s.isr_cnt))) {
			e = FJORD_ERR__FAIL;
			goto out;
		}
		st->isr_cnt = s.isr_cnt;
	} else if (rc != ZOK && rc != ZNONODE) {
		e = ar_zkerr(rc, "read", path, errstr, n);
		goto out;
	}
	for (i = 0; pending && i < pending->cnt; i++)
		listed |= pending->entries[i].partition == p->partition &&
		          !strcmp(pending->entries[i].topic, p->topic);
	if (cur->cnt == p->replica_cnt &&
	    (cur->cnt == 0 || !memcmp(cur->ids, p->replicas, (size_t)cur->cnt * sizeof(int32_t))))
		st->state = FJORD_REASSIGNMENT_DONE;
	else if (listed)
		st->state = FJORD_REASSIGNMENT_IN_PROGRESS;
	else
		st->state = FJORD_REASSIGNMENT_NOT_STARTED;
out:
	free(buf);
	zkjson_state_clear(&s);
	zkjson_assignment_clear(&a);
	if (e == FJORD_ERR__FAIL && !*errstr)
		fj_errstr(errstr, n, "out of memory");
	return e;
}

fjord_err_t fjord_admin_reassignment_status(fjord_t *fj, const fjord_reassignment_t *parts, int cnt,
                                            fjord_reassignment_status_t **statusp, int *pendingp,
                                            char *errstr, size_t errstr_size)
{
	fjord_reassignment_status_t *v = NULL;
	zkjson_reassign_t pending = { 0, NULL };
	char *json = NULL, *buf = NULL, err[256];
	fjord_err_t e;
	int rc, len, i, has_pending = 0;

	if (statusp)
		*statusp = NULL;
	if (pendingp)
		*pendingp = 0;
	if (!statusp) {
		fj_errstr(errstr, errstr_size, "statusp is NULL");
		return FJORD_ERR__INVALID_ARG;
	}
	if ((e = ar_check(fj, parts, cnt, &json, errstr, errstr_size)))
		return e;
	free(json);
	if (!(v = calloc((size_t)cnt, sizeof(*v)))) {
		fj_errstr(errstr, errstr_size, "out of memory");
		return FJORD_ERR__FAIL;
	}
	pthread_rwlock_rdlock(&fj->zk_lock);
	rc = zkutil_get(fj->zh, ZKPATH_REASSIGN, NULL, NULL, &buf, &len, NULL);
	if (rc == ZOK) {
		has_pending = 1;
		/* A pending plan that does not parse lists nothing (the controller
		 * refuses it). */
		if (zkjson_reassign_decode(buf, (size_t)len, &pending, err, sizeof(err)) < 0)
			memset(&pending, 0, sizeof(pending));
	} else if (rc != ZNONODE) {
		e = ar_zkerr(rc, "read", ZKPATH_REASSIGN, errstr, errstr_size);
	}
	for (i = 0; !e && i < cnt; i++)
		e = ar_status_one(fj->zh, &parts[i], &pending, &v[i], errstr, errstr_size);
	pthread_rwlock_unlock(&fj->zk_lock);
	free(buf);
	zkjson_reassign_clear(&pending);
	if (e) {
		fjord_reassignment_status_destroy(v, cnt);
		return e;
	}
	*statusp = v;
	if (pendingp)
		*pendingp = has_pending;
	return FJORD_ERR_NO_ERROR;
}
