/*
 * controller.c — the controller: election, partition states, leader
 * election on broker loss/return, topic deletion.
 *
 * Fencing: every write is a zoo_multi whose first op checks that
 * /controller_epoch still has the version our election left it at. A
 * deposed ("zombie") controller's writes therefore all fail, and it learns
 * it was deposed from that failure (CONTROLLER_DEPOSED).
 *
 * Leader election rules (per partition, replicas in assignment order):
 *  - no state yet: leader = first live replica, ISR = live replicas,
 *    leader_epoch 0 (leader -1 and empty ISR when none is live);
 *  - a state whose leader is live: the ISR is shrunk to live members
 *    (leader and leader_epoch unchanged);
 *  - a state whose leader is dead or -1: the first replica that is live and
 *    in the ISR leads; the ISR shrinks to live members; leader_epoch + 1.
 *    With no live ISR member the partition goes offline (leader -1) and
 *    keeps its last ISR, so the first of those brokers to come back is
 *    elected cleanly; with unclean.leader.election.enable (broker default,
 *    topic override) any live replica is elected instead, with ISR = [it].
 *    A partition that never had a leader (epoch 0, empty ISR) elects the
 *    first live replica: it holds no data yet.
 * Every state write is conditional on the state znode's version.
 *
 * Threads: zk_broker's worker thread only (synchronous ZooKeeper calls).
 * Malformed znodes (an operator's hand edits) are logged once per
 * modification and skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "broker/controller.h"
#include "common/flog.h"
#include "common/zkjson.h"
#include "common/zkutil.h"

#define CTL_PATH_MAX 600

/* Logs a malformed znode once per (path, mzxid). */
static void controller_warn_once(controller_t *c, const char *path, int64_t mzxid,
                                 const char *err)
{
	if (zkutil_seen_first(&c->warned, path, mzxid))
		flog(LOG_WARNING, "controller", "skipping malformed %s: %s", path, err);
}

void controller_clear(controller_t *c)
{
	zkutil_seen_clear(&c->warned);
}

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

	rc = zoo_exists(c->zh, "/controller", 0, &st);
	if (rc != ZOK || !cid || st.ephemeralOwner != cid->client_id)
		return 0;
	rc = zkutil_get(c->zh, "/controller_epoch", NULL, NULL, &buf, &len, &est);
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
	char epoch_buf[16], ts[32], err[256];
	char *ctl_json = NULL, *buf = NULL;
	zoo_op_t ops[2];
	zoo_op_result_t res[2];
	struct Stat st, new_st;
	int32_t epoch;
	int len, rc, attempt;

	for (attempt = 0; attempt < 20; attempt++) {
		free(buf);
		buf = NULL;
		rc = zkutil_get(c->zh, "/controller_epoch", NULL, NULL, &buf, &len, &st);
		if (rc == ZNONODE) {
			rc = zoo_create(c->zh, "/controller_epoch", "0", 1, &ZOO_OPEN_ACL_UNSAFE, 0,
			                NULL, 0);
			if (rc != ZOK && rc != ZNODEEXISTS)
				goto out;
			continue;
		}
		if (rc != ZOK)
			goto out;
		if (zkjson_epoch_decode(buf, (size_t)len, &epoch, err, sizeof(err)) < 0) {
			/* Still fenced by the version check; restart the count. */
			flog(LOG_WARNING, "controller", "/controller_epoch is malformed (%s); "
			     "treating it as 0", err);
			epoch = 0;
		}
		if (epoch == INT32_MAX)
			epoch = 0;
		snprintf(epoch_buf, sizeof(epoch_buf), "%d", (int)epoch + 1);
		free(ctl_json);
		ctl_json = zkjson_controller_encode(c->broker_id,
		                                    strtoll(zkutil_timestamp(ts, sizeof(ts)), NULL, 10));
		if (!ctl_json) {
			rc = ZSYSTEMERROR;
			goto out;
		}
		zoo_create_op_init(&ops[0], "/controller", ctl_json, (int)strlen(ctl_json),
		                   &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL, NULL, 0);
		zoo_set_op_init(&ops[1], "/controller_epoch", epoch_buf, (int)strlen(epoch_buf),
		                st.version, &new_st);
		rc = zoo_multi(c->zh, 2, ops, res);
		if (rc == ZOK) {
			c->epoch = epoch + 1;
			c->epoch_zkversion = new_st.version;
			flog(LOG_NOTICE, "controller", "broker %d is the controller (epoch %d)",
			     (int)c->broker_id, (int)c->epoch);
			rc = 1;
			goto out;
		}
		if (res[0].err == ZNODEEXISTS) {
			if (controller_adopt(c)) {
				rc = 1;
				goto out;
			}
			rc = zoo_wexists(c->zh, "/controller", c->watcher, c->watcher_ctx, &st);
			if (rc == ZOK) {
				rc = 0;   /* another broker is controller; watch armed */
				goto out;
			}
			if (rc != ZNONODE)
				goto out;
			continue;     /* vanished meanwhile: try again */
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

	if (cid && zoo_exists(c->zh, "/controller", 0, &st) == ZOK &&
	    st.ephemeralOwner == cid->client_id)
		zoo_delete(c->zh, "/controller", st.version);
}

/* Checks that /controller is still ours and the epoch unchanged (and
 * re-arms the /controller watch). */
static int controller_still_ours(controller_t *c)
{
	const clientid_t *cid = zoo_client_id(c->zh);
	struct Stat st;
	int rc;

	rc = zoo_wexists(c->zh, "/controller", c->watcher, c->watcher_ctx, &st);
	if (rc == ZNONODE || (rc == ZOK && (!cid || st.ephemeralOwner != cid->client_id)))
		return CONTROLLER_DEPOSED;
	if (rc != ZOK)
		return rc;
	rc = zoo_exists(c->zh, "/controller_epoch", 0, &st);
	if (rc == ZNONODE || (rc == ZOK && st.version != c->epoch_zkversion))
		return CONTROLLER_DEPOSED;
	return rc;
}

/* Runs ops[1..n-1] behind the epoch check in ops[0]. */
static int controller_multi(controller_t *c, int n, zoo_op_t *ops, zoo_op_result_t *res)
{
	int rc;

	zoo_check_op_init(&ops[0], "/controller_epoch", c->epoch_zkversion);
	rc = zoo_multi(c->zh, n, ops, res);
	if (rc == ZOK)
		return 0;
	if (res[0].err == ZBADVERSION || res[0].err == ZNONODE)
		return CONTROLLER_DEPOSED;
	if (rc == ZBADVERSION || rc == ZNONODE || rc == ZNODEEXISTS || rc == ZNOTEMPTY)
		return CONTROLLER_AGAIN;
	return rc;
}

/* ------------------------------------------------------------ helpers */

typedef struct controller_ids {
	int cnt;
	int32_t *ids;
} controller_ids_t;

static int controller_has(const int32_t *ids, int cnt, int32_t id)
{
	int i;

	for (i = 0; i < cnt; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

static int controller_live_brokers(controller_t *c, controller_ids_t *live)
{
	struct String_vector sv;
	int rc, i;

	live->cnt = 0;
	live->ids = NULL;
	rc = zkutil_children(c->zh, "/brokers/ids", c->watcher, c->watcher_ctx, &sv);
	if (rc != ZOK)
		return rc;
	if (sv.count > 0 && !(live->ids = calloc((size_t)sv.count, sizeof(int32_t)))) {
		deallocate_String_vector(&sv);
		return ZSYSTEMERROR;
	}
	for (i = 0; i < sv.count; i++) {
		char *end;
		long v = strtol(sv.data[i], &end, 10);

		if (*sv.data[i] && !*end && v >= 0 && v <= INT32_MAX)
			live->ids[live->cnt++] = (int32_t)v;
	}
	deallocate_String_vector(&sv);
	return ZOK;
}

/* Topic override of unclean.leader.election.enable, else the default. */
static int controller_unclean(controller_t *c, const char *topic)
{
	char path[CTL_PATH_MAX], err[256];
	zkjson_config_t cfg;
	char *buf = NULL;
	int len, i, r = c->unclean_leader_election;

	snprintf(path, sizeof(path), "/config/topics/%s", topic);
	if (zkutil_get(c->zh, path, NULL, NULL, &buf, &len, NULL) != ZOK)
		return r;
	if (zkjson_config_decode(buf, (size_t)len, &cfg, err, sizeof(err)) == 0) {
		for (i = 0; i < cfg.cnt; i++)
			if (!strcmp(cfg.names[i], "unclean.leader.election.enable"))
				r = !strcmp(cfg.values[i], "true");
		zkjson_config_clear(&cfg);
	}
	free(buf);
	return r;
}

/* ------------------------------------------------------------ states */

/* Computes the next state from cur. Returns 1 when it differs (next filled;
 * next->isr malloc'd), 0 when nothing changes, -1 out of memory. */
static int controller_next_state(const zkjson_replicas_t *r, const zkjson_state_t *cur,
                                 const controller_ids_t *live, int unclean, int32_t epoch,
                                 zkjson_state_t *next)
{
	int i, changed;
	int never_led = cur->leader < 0 && cur->leader_epoch == 0 && cur->isr_cnt == 0;

	memset(next, 0, sizeof(*next));
	next->isr = calloc((size_t)r->cnt + (size_t)cur->isr_cnt + 1, sizeof(int32_t));
	if (!next->isr)
		return -1;
	next->controller_epoch = epoch;
	next->leader_epoch = cur->leader_epoch;
	next->leader = -1;
	if (cur->leader >= 0 && controller_has(live->ids, live->cnt, cur->leader)) {
		next->leader = cur->leader;
		for (i = 0; i < cur->isr_cnt; i++)
			if (controller_has(live->ids, live->cnt, cur->isr[i]))
				next->isr[next->isr_cnt++] = cur->isr[i];
		if (!controller_has(next->isr, next->isr_cnt, cur->leader))
			next->isr[next->isr_cnt++] = cur->leader;
	} else if (never_led) {
		for (i = 0; i < r->cnt; i++)
			if (controller_has(live->ids, live->cnt, r->ids[i]))
				next->isr[next->isr_cnt++] = r->ids[i];
		if (next->isr_cnt > 0)
			next->leader = next->isr[0];
	} else {
		for (i = 0; i < r->cnt && next->leader < 0; i++)
			if (controller_has(live->ids, live->cnt, r->ids[i]) &&
			    controller_has(cur->isr, cur->isr_cnt, r->ids[i]))
				next->leader = r->ids[i];
		if (next->leader >= 0) {
			for (i = 0; i < cur->isr_cnt; i++)
				if (controller_has(live->ids, live->cnt, cur->isr[i]))
					next->isr[next->isr_cnt++] = cur->isr[i];
		} else if (unclean) {
			for (i = 0; i < r->cnt && next->leader < 0; i++)
				if (controller_has(live->ids, live->cnt, r->ids[i]))
					next->leader = r->ids[i];
			if (next->leader >= 0) {
				next->isr[next->isr_cnt++] = next->leader;
				flog(LOG_WARNING, "controller",
				     "unclean leader election: broker %d leads without being in the ISR",
				     (int)next->leader);
			}
		}
		if (next->leader < 0) {
			/* Offline: keep the last ISR so its members can return cleanly. */
			memcpy(next->isr, cur->isr, (size_t)cur->isr_cnt * sizeof(int32_t));
			next->isr_cnt = cur->isr_cnt;
		}
		if (next->leader != cur->leader)
			next->leader_epoch = cur->leader_epoch + 1;
	}
	changed = next->leader != cur->leader || next->isr_cnt != cur->isr_cnt;
	for (i = 0; !changed && i < cur->isr_cnt; i++)
		changed = next->isr[i] != cur->isr[i];
	if (!changed)
		zkjson_state_clear(next);
	return changed;
}

/* Creates the first state of partition p (parents included). */
static int controller_create_state(controller_t *c, const char *topic, int32_t p,
                                   const zkjson_replicas_t *r, const controller_ids_t *live)
{
	char ppath[CTL_PATH_MAX], pnpath[CTL_PATH_MAX + 16], spath[CTL_PATH_MAX + 32];
	zkjson_state_t none = {-1, 0, 0, NULL, 0}, s;
	zoo_op_t ops[4];
	zoo_op_result_t res[4];
	struct Stat st;
	char *json = NULL;
	int n = 1, rc;

	snprintf(ppath, sizeof(ppath), "/brokers/topics/%s/partitions", topic);
	snprintf(pnpath, sizeof(pnpath), "%s/%d", ppath, (int)p);
	snprintf(spath, sizeof(spath), "%s/state", pnpath);
	if (controller_next_state(r, &none, live, 0, c->epoch, &s) < 0)
		return ZSYSTEMERROR;
	/* next_state reports "no change" for a partition with no live replica:
	 * the first state is then leader -1 with an empty ISR. */
	if (!s.isr) {
		s.leader = -1;
		s.controller_epoch = c->epoch;
	}
	json = zkjson_state_encode(&s);
	zkjson_state_clear(&s);
	if (!json)
		return ZSYSTEMERROR;
	rc = zoo_exists(c->zh, ppath, 0, &st);
	if (rc == ZNONODE)
		zoo_create_op_init(&ops[n++], ppath, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
	else if (rc != ZOK)
		goto out;
	rc = zoo_exists(c->zh, pnpath, 0, &st);
	if (rc == ZNONODE)
		zoo_create_op_init(&ops[n++], pnpath, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
	else if (rc != ZOK)
		goto out;
	zoo_create_op_init(&ops[n++], spath, json, (int)strlen(json), &ZOO_OPEN_ACL_UNSAFE, 0,
	                   NULL, 0);
	rc = controller_multi(c, n, ops, res);
	if (rc == 0)
		flog(LOG_INFO, "controller", "%s-%d: initial state %s", topic, (int)p, json);
out:
	free(json);
	return rc;
}

static int controller_partition(controller_t *c, const char *topic, int32_t p,
                                const zkjson_replicas_t *r, const controller_ids_t *live,
                                int *uncleanp)
{
	char spath[CTL_PATH_MAX], err[256];
	zkjson_state_t cur, next;
	zoo_op_t ops[2];
	zoo_op_result_t res[2];
	struct Stat st;
	char *buf = NULL, *json = NULL;
	int len, rc, ch;

	snprintf(spath, sizeof(spath), "/brokers/topics/%s/partitions/%d/state", topic, (int)p);
	rc = zkutil_get(c->zh, spath, NULL, NULL, &buf, &len, &st);
	if (rc == ZNONODE)
		return controller_create_state(c, topic, p, r, live);
	if (rc != ZOK)
		return rc;
	if (zkjson_state_decode(buf, (size_t)len, &cur, err, sizeof(err)) < 0) {
		controller_warn_once(c, spath, st.mzxid, err);
		free(buf);
		return 0;
	}
	free(buf);
	if (*uncleanp < 0)
		*uncleanp = controller_unclean(c, topic);
	ch = controller_next_state(r, &cur, live, *uncleanp, c->epoch, &next);
	if (ch <= 0) {
		zkjson_state_clear(&cur);
		return ch < 0 ? ZSYSTEMERROR : 0;
	}
	json = zkjson_state_encode(&next);
	if (!json) {
		rc = ZSYSTEMERROR;
		goto out;
	}
	zoo_set_op_init(&ops[1], spath, json, (int)strlen(json), st.version, NULL);
	rc = controller_multi(c, 2, ops, res);
	if (rc == 0)
		flog(LOG_INFO, "controller", "%s-%d: leader %d -> %d, leader_epoch %d, state %s",
		     topic, (int)p, (int)cur.leader, (int)next.leader, (int)next.leader_epoch, json);
out:
	free(json);
	zkjson_state_clear(&cur);
	zkjson_state_clear(&next);
	return rc;
}

static int controller_topic(controller_t *c, const char *topic, const controller_ids_t *live)
{
	char tpath[CTL_PATH_MAX], err[256];
	zkjson_assignment_t a;
	struct Stat st;
	char *buf = NULL;
	int len, rc, p, again = 0, unclean = -1;

	snprintf(tpath, sizeof(tpath), "/brokers/topics/%s", topic);
	rc = zkutil_get(c->zh, tpath, c->watcher, c->watcher_ctx, &buf, &len, &st);
	if (rc == ZNONODE)
		return 0;
	if (rc != ZOK)
		return rc;
	if (zkjson_assignment_decode(buf, (size_t)len, &a, err, sizeof(err)) < 0) {
		controller_warn_once(c, tpath, st.mzxid, err);
		free(buf);
		return 0;
	}
	free(buf);
	for (p = 0; p < a.partition_cnt; p++) {
		rc = controller_partition(c, topic, p, &a.partitions[p], live, &unclean);
		if (rc == CONTROLLER_AGAIN)
			again = 1;
		else if (rc != 0)
			goto out;
	}
	rc = again ? CONTROLLER_AGAIN : 0;
out:
	zkjson_assignment_clear(&a);
	return rc;
}

/* ------------------------------------------------------------ deletion */

typedef struct controller_ops {
	int cnt, cap;
	zoo_op_t *ops;
	char **paths;   /* owned; ops point into them */
} controller_ops_t;

static int controller_ops_delete(controller_ops_t *o, const char *path)
{
	if (o->cnt == o->cap) {
		int cap = o->cap ? o->cap * 2 : 16;
		zoo_op_t *ops = realloc(o->ops, (size_t)cap * sizeof(*ops));
		char **paths;

		if (!ops)
			return -1;
		o->ops = ops;
		paths = realloc(o->paths, (size_t)cap * sizeof(*paths));
		if (!paths)
			return -1;
		o->paths = paths;
		o->cap = cap;
	}
	if (!(o->paths[o->cnt] = strdup(path)))
		return -1;
	o->cnt++;
	return 0;
}

static void controller_ops_free(controller_ops_t *o)
{
	int i;

	for (i = 0; i < o->cnt; i++)
		free(o->paths[i]);
	free(o->paths);
	free(o->ops);
}

/* Adds path's subtree to o, children before parents (ZNONODE: nothing). */
static int controller_ops_subtree(controller_t *c, controller_ops_t *o, const char *path)
{
	struct String_vector sv;
	char child[CTL_PATH_MAX];
	int rc, i;

	rc = zkutil_children(c->zh, path, NULL, NULL, &sv);
	if (rc == ZNONODE)
		return ZOK;
	if (rc != ZOK)
		return rc;
	for (i = 0; i < sv.count && rc == ZOK; i++) {
		snprintf(child, sizeof(child), "%s/%s", path, sv.data[i]);
		rc = controller_ops_subtree(c, o, child);
	}
	deallocate_String_vector(&sv);
	if (rc == ZOK && controller_ops_delete(o, path) < 0)
		rc = ZSYSTEMERROR;
	return rc;
}

static int controller_delete_topic(controller_t *c, const char *topic)
{
	controller_ops_t o = {0, 0, NULL, NULL};
	zoo_op_result_t *res = NULL;
	char path[CTL_PATH_MAX];
	int rc, i;

	if ((rc = controller_ops_delete(&o, "/controller_epoch")) < 0) {   /* slot for the check */
		rc = ZSYSTEMERROR;
		goto out;
	}
	snprintf(path, sizeof(path), "/brokers/topics/%s", topic);
	if ((rc = controller_ops_subtree(c, &o, path)) != ZOK)
		goto out;
	snprintf(path, sizeof(path), "/config/topics/%s", topic);
	if ((rc = controller_ops_subtree(c, &o, path)) != ZOK)
		goto out;
	snprintf(path, sizeof(path), "/admin/delete_topics/%s", topic);
	if ((rc = controller_ops_subtree(c, &o, path)) != ZOK)
		goto out;
	res = calloc((size_t)o.cnt, sizeof(*res));
	if (!res) {
		rc = ZSYSTEMERROR;
		goto out;
	}
	for (i = 1; i < o.cnt; i++)
		zoo_delete_op_init(&o.ops[i], o.paths[i], -1);
	rc = controller_multi(c, o.cnt, o.ops, res);
	if (rc == 0)
		flog(LOG_NOTICE, "controller", "deleted topic %s (%d znodes)", topic, o.cnt - 1);
out:
	free(res);
	controller_ops_free(&o);
	return rc;
}

/* ------------------------------------------------------------ pass */

int controller_run(controller_t *c)
{
	struct String_vector topics = {0, NULL}, dels = {0, NULL};
	controller_ids_t live = {0, NULL};
	int rc, i, j, again = 0;

	if ((rc = controller_still_ours(c)) != ZOK)
		return rc;
	if ((rc = controller_live_brokers(c, &live)) != ZOK)
		goto out;
	rc = zkutil_children(c->zh, "/admin/delete_topics", c->watcher, c->watcher_ctx, &dels);
	if (rc != ZOK && rc != ZNONODE)
		goto out;
	for (i = 0; i < dels.count; i++) {
		rc = controller_delete_topic(c, dels.data[i]);
		if (rc == CONTROLLER_AGAIN)
			again = 1;
		else if (rc != 0)
			goto out;
	}
	rc = zkutil_children(c->zh, "/brokers/topics", c->watcher, c->watcher_ctx, &topics);
	if (rc != ZOK && rc != ZNONODE)
		goto out;
	for (i = 0; i < topics.count; i++) {
		int deleting = 0;

		for (j = 0; j < dels.count; j++)
			deleting |= !strcmp(dels.data[j], topics.data[i]);
		if (deleting)
			continue;
		rc = controller_topic(c, topics.data[i], &live);
		if (rc == CONTROLLER_AGAIN)
			again = 1;
		else if (rc != 0)
			goto out;
	}
	rc = again ? CONTROLLER_AGAIN : 0;
out:
	free(live.ids);
	deallocate_String_vector(&topics);
	deallocate_String_vector(&dels);
	return rc;
}
