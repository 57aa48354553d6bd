/*
 * controller_elect.c — controller election and epoch fencing (DESIGN.md,
 * docs/zookeeper.md "Controller election and epoch fencing").
 *
 * Election: one zoo_multi creates the ephemeral /controller and sets
 * /controller_epoch to epoch+1 conditional on the version read; the winner
 * remembers that version. Fencing: controller_multi() puts a check of that
 * version first in every later write, so a deposed ("zombie") controller
 * writes nothing and learns it was deposed from the failed check.
 * Failover needs nothing but ZooKeeper: the others hold an exists-watch on
 * /controller; when the controller's session ends (within the ZooKeeper
 * session timeout of a crash) the ephemeral znode goes, the next broker
 * wins the multi, and its first pass re-reads the whole cluster.
 *
 * Threads: zk_broker's worker thread only (synchronous ZooKeeper calls).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "controller/controller_int.h"
#include "common/bytes.h"
#include "common/flog.h"
#include "common/zkjson.h"
#include "common/zkutil.h"
#include "common/zkpath.h"

/* ------------------------------------------------------------ election */

/* /controller exists: if this very session owns it (an earlier multi whose
 * reply was lost), adopt the current epoch. 1 adopted, 0 not ours. */
static int controller_adopt(controller_t *c)
{
	const clientid_t *cid = zoo_client_id(c->zh);
	struct Stat st, est;
	char *buf = NULL, err[256];
	int len, rc, r = 0;
	int32_t epoch;

	rc = zoo_exists(c->zh, ZKPATH_CONTROLLER, 0, &st);
	if (rc != ZOK || !cid || st.ephemeralOwner != cid->client_id)
		return 0;
	rc = zkutil_get(c->zh, ZKPATH_CONTROLLER_EPOCH, NULL, NULL, &buf, &len, &est);
	if (rc == ZOK && zkjson_epoch_decode(buf, (size_t)len, &epoch, err, sizeof(err)) == 0) {
		c->epoch = epoch;
		c->epoch_zkversion = est.version;
		r = 1;
	}
	free(buf);
	return r;
}

int controller_elect(controller_t *c)
{
	char epoch_buf[16], err[256];
	char *ctl_json = NULL, *buf = NULL;
	zoo_op_t ops[2];
	zoo_op_result_t res[2];
	struct Stat st, new_st;
	int32_t epoch;
	int len, rc, attempt;

	for (attempt = 0; attempt < 20; attempt++) {
		free(buf);
		buf = NULL;
		rc = zkutil_get(c->zh, ZKPATH_CONTROLLER_EPOCH, NULL, NULL, &buf, &len, &st);
		if (rc == ZNONODE) {
			rc = zoo_create(c->zh, ZKPATH_CONTROLLER_EPOCH, "0", 1,
			                zkacl_of(c->zh, ZKPATH_CONTROLLER_EPOCH), 0, NULL, 0);
			if (rc != ZOK && rc != ZNODEEXISTS)
				goto out;
			continue;
		}
		if (rc != ZOK)
			goto out;
		if (zkjson_epoch_decode(buf, (size_t)len, &epoch, err, sizeof(err)) < 0) {
			/* Still fenced by the version check; restart the count. */
			flog(LOG_WARNING, "controller",
			     "/controller_epoch is malformed (%s); "
			     "treating it as 0",
			     err);
			epoch = 0;
		}
		if (epoch == INT32_MAX)
			epoch = 0;
		snprintf(epoch_buf, sizeof(epoch_buf), "%d", (int)epoch + 1);
		free(ctl_json);
		ctl_json = zkjson_controller_encode(c->broker_id, fj_now_ms());
		if (!ctl_json) {
			rc = ZSYSTEMERROR;
			goto out;
		}
		zoo_create_op_init(&ops[0], ZKPATH_CONTROLLER, ctl_json, (int)strlen(ctl_json),
		                   zkacl_of(c->zh, ZKPATH_CONTROLLER), ZOO_EPHEMERAL, NULL, 0);
		zoo_set_op_init(&ops[1], ZKPATH_CONTROLLER_EPOCH, epoch_buf, (int)strlen(epoch_buf),
		                st.version, &new_st);
		rc = zoo_multi(c->zh, 2, ops, res);
		if (rc == ZOK) {
			c->epoch = epoch + 1;
			c->epoch_zkversion = new_st.version;
			c->rebalance_due_ms = 0; /* first check one interval from now */
			flog(LOG_NOTICE, "controller", "broker %d is the controller (epoch %d)",
			     (int)c->broker_id, (int)c->epoch);
			rc = 1;
			goto out;
		}
		if (res[0].err == ZNODEEXISTS) {
			if (controller_adopt(c)) {
				c->rebalance_due_ms = 0;
				rc = 1;
				goto out;
			}
			rc = zoo_wexists(c->zh, ZKPATH_CONTROLLER, c->watcher, c->watcher_ctx, &st);
			if (rc == ZOK) {
				rc = 0; /* another broker is controller; watch armed */
				goto out;
			}
			if (rc != ZNONODE)
				goto out;
			continue; /* vanished meanwhile: try again */
		}
		if (res[1].err != ZBADVERSION && res[1].err != ZNONODE)
			goto out;
		/* Lost a race on the epoch: read it again. */
	}
	rc = ZOPERATIONTIMEOUT;
out:
	free(buf);
	free(ctl_json);
	return rc;
}

void controller_resign(controller_t *c)
{
	const clientid_t *cid = zoo_client_id(c->zh);
	struct Stat st;

	if (cid && zoo_exists(c->zh, ZKPATH_CONTROLLER, 0, &st) == ZOK &&
	    st.ephemeralOwner == cid->client_id)
		zoo_delete(c->zh, ZKPATH_CONTROLLER, st.version);
}

/* Checks that /controller is still ours and the epoch unchanged (and
 * re-arms the /controller watch). */
int controller_still_ours(controller_t *c)
{
	const clientid_t *cid = zoo_client_id(c->zh);
	struct Stat st;
	int rc;

	rc = zoo_wexists(c->zh, ZKPATH_CONTROLLER, c->watcher, c->watcher_ctx, &st);
	if (rc == ZNONODE || (rc == ZOK && (!cid || st.ephemeralOwner != cid->client_id)))
		return CONTROLLER_DEPOSED;
	if (rc != ZOK)
		return rc;
	rc = zoo_exists(c->zh, ZKPATH_CONTROLLER_EPOCH, 0, &st);
	if (rc == ZNONODE || (rc == ZOK && st.version != c->epoch_zkversion))
		return CONTROLLER_DEPOSED;
	return rc;
}

int controller_multi(controller_t *c, int n, zoo_op_t *ops, zoo_op_result_t *res)
{
	int rc;

	zoo_check_op_init(&ops[0], ZKPATH_CONTROLLER_EPOCH, c->epoch_zkversion);
	rc = zoo_multi(c->zh, n, ops, res);
	if (rc == ZOK)
		return 0;
	if (res[0].err == ZBADVERSION || res[0].err == ZNONODE)
		return CONTROLLER_DEPOSED;
	if (rc == ZBADVERSION || rc == ZNONODE || rc == ZNODEEXISTS || rc == ZNOTEMPTY)
		return CONTROLLER_AGAIN;
	return rc;
}
