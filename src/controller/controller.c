/*
 * controller.c — the controller's leader election rules, partition states
 * and the pass that drives everything (election and fencing are in
 * controller_elect.c, deletion in controller_delete.c, preferred leader
 * election and the leader rebalance in controller_preferred.c).
 *
 * Every write goes through controller_multi() (fenced by the controller
 * epoch, see controller_elect.c).
 *
 * Leader election rules (per partition, replicas in assignment order). A
 * broker is "live" for a partition when it is registered (/brokers/ids) and
 * does not list the partition under /brokers/offline_replicas/<id> (its
 * log dir failed: controller_offline.c), and "eligible" when it is live and
 * not in controlled shutdown (/admin/controlled_shutdown/<id>):
 *  - no state yet: leader = first eligible replica, ISR = eligible replicas,
 *    leader_epoch 0 (if only shutting-down replicas are live, they are used:
 *    a leader about to leave beats none; leader -1 and empty ISR when none
 *    is live);
 *  - a state whose leader is eligible: the ISR is shrunk to eligible
 *    members (leader and leader_epoch unchanged) — dead followers and
 *    followers in controlled shutdown leave it, so the HW does not wait for
 *    them;
 *  - a state whose leader is in controlled shutdown: the first eligible
 *    replica in the ISR leads, leader_epoch + 1, and the ISR loses the
 *    shutting-down brokers. With no other eligible ISR member (RF=1, or
 *    every other ISR member gone) the leader is kept: moving leadership to
 *    a replica that is not in sync would lose records, and the partition
 *    goes offline only when that broker actually stops;
 *  - a state whose leader is dead or -1: the first replica that is eligible
 *    and in the ISR leads (failing that, a live ISR member in controlled
 *    shutdown); the ISR shrinks to eligible members plus the new leader;
 *    leader_epoch + 1. With no live ISR member the partition goes offline
 *    (leader -1) and keeps its last ISR, so the first of those brokers to
 *    come back is elected cleanly; with unclean.leader.election.enable
 *    (broker default, topic override) any live replica is elected instead,
 *    with ISR = [it]. A partition that never had a leader (epoch 0, empty
 *    ISR) elects as for "no state yet": it holds no data.
 * The controller never adds a broker to an ISR of a led partition: a
 * returning replica stays out until its leader adds it back (ISR expansion
 * is the leader's). Every state write is conditional on the state znode's
 * version.
 *
 * Threads: zk_broker's worker thread only (synchronous ZooKeeper calls).
 *
 * Refusals: what an operator wrote is checked at each pass. A malformed
 * znode, a topic config with a key or value fjord refuses, or an assignment
 * that drops existing partitions is refused as a whole: logged once per
 * modification with a marker under /admin/errors (controller_markers.c),
 * and the controller writes nothing for that topic until it is fixed. The
 * marker goes when the znode is accepted again or deleted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <time.h>

#include "controller/controller_int.h"
#include "common/flog.h"
#include "common/numparse.h"
#include "common/zkjson.h"
#include "common/zkadmin.h"
#include "common/zkjson_admin.h"
#include "common/zkutil.h"
#include "common/zkpath.h"

void controller_clear(controller_t *c)
{
	zkutil_seen_clear(&c->warned);
	controller_markers_free(c);
}

int controller_set_rebalance(controller_t *c, int enable, int interval_s, int imbalance_pct)
{
	if (interval_s < 1 || imbalance_pct < 0 || imbalance_pct > 100)
		return -1;
	c->rebalance.enable = !!enable;
	c->rebalance.interval_s = interval_s;
	c->rebalance.imbalance_pct = imbalance_pct;
	c->rebalance_set = 1;
	c->rebalance_due_ms = 0;
	return 0;
}

/* ------------------------------------------------------------ helpers */

int controller_has(const int32_t *ids, int cnt, int32_t id)
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
	rc = zkutil_children(c->zh, ZKPATH_BROKER_IDS, c->watcher, c->watcher_ctx, &sv);
	if (rc != ZOK)
		return rc;
	if (sv.count > 0 && !(live->ids = calloc((size_t)sv.count, sizeof(int32_t)))) {
		deallocate_String_vector(&sv);
		return ZSYSTEMERROR;
	}
	for (i = 0; i < sv.count; i++)
		if (num_parse_i32(sv.data[i], 0, INT32_MAX, &live->ids[live->cnt]) == 0)
			live->cnt++;
	deallocate_String_vector(&sv);
	return ZOK;
}

/* Reads and checks /config/topics/<topic> (watched, so a fix is seen at
 * once): the JSON and every key and value (zkadmin_validate_topic_config),
 * refused as a whole. *uncleanp receives the topic's
 * unclean.leader.election.enable, or the broker default when it has none or
 * its config is refused. ZOK (absent or accepted), CONTROLLER_SKIP (refused)
 * or an error. */
static int controller_topic_config(controller_t *c, const char *topic, int *uncleanp)
{
	char path[ZKPATH_MAX], err[256], why[320];
	zkjson_config_t cfg;
	struct Stat st;
	char *buf = NULL;
	int len, i, rc;

	*uncleanp = c->unclean_leader_election;
	zkpath_topic_config(path, topic);
	rc = zkutil_get(c->zh, path, c->watcher, c->watcher_ctx, &buf, &len, &st);
	if (rc == ZNONODE) {
		rc = zoo_wexists(c->zh, path, c->watcher, c->watcher_ctx, &st);
		if (rc == ZOK)
			return CONTROLLER_AGAIN; /* created meanwhile */
		return rc == ZNONODE ? ZOK : rc;
	}
	if (rc != ZOK)
		return rc;
	if (zkjson_config_decode(buf, (size_t)len, &cfg, err, sizeof(err)) < 0) {
		free(buf);
		controller_warn_once(c, path, st.mzxid, err);
		return CONTROLLER_SKIP;
	}
	free(buf);
	for (i = 0; i < cfg.cnt; i++) {
		if (zkadmin_validate_topic_config(cfg.names[i], cfg.values[i], err, sizeof(err)) <
		    0) {
			snprintf(why, sizeof(why), "topic config: %s (nothing of it is applied)",
			         err);
			controller_warn_once(c, path, st.mzxid, why);
			zkjson_config_clear(&cfg);
			return CONTROLLER_SKIP;
		}
	}
	for (i = 0; i < cfg.cnt; i++)
		if (!strcmp(cfg.names[i], "unclean.leader.election.enable"))
			*uncleanp = !strcmp(cfg.values[i], "true");
	zkjson_config_clear(&cfg);
	controller_marker_clear(c, path);
	return ZOK;
}

/* An assignment may add partitions, never remove them: refused when a
 * partition numbered >= a->partition_cnt already has a znode. ZOK,
 * CONTROLLER_SKIP (refused, marker written) or an error. */
static int controller_assignment_check(controller_t *c, const char *topic,
                                       const zkjson_assignment_t *a)
{
	char path[ZKPATH_MAX], tpath[ZKPATH_MAX], why[256];
	struct String_vector sv = { 0, NULL };
	struct Stat st;
	int rc, i, max = -1;

	zkpath_partitions(path, topic);
	rc = zkutil_children(c->zh, path, NULL, NULL, &sv);
	if (rc == ZNONODE)
		return ZOK;
	if (rc != ZOK)
		return rc;
	for (i = 0; i < sv.count; i++) {
		int32_t v;
		if (num_parse_i32(sv.data[i], 0, INT32_MAX - 1, &v) == 0 && v > max)
			max = v;
	}
	deallocate_String_vector(&sv);
	if (max < a->partition_cnt)
		return ZOK;
	zkpath_topic(tpath, topic);
	rc = zoo_exists(c->zh, tpath, 0, &st);
	if (rc != ZOK)
		return rc == ZNONODE ? CONTROLLER_SKIP : rc;
	snprintf(why, sizeof(why),
	         "topic assignment lists %d partition(s) but partition %d exists: partitions "
	         "cannot be removed",
	         a->partition_cnt, max);
	controller_warn_once(c, tpath, st.mzxid, why);
	return CONTROLLER_SKIP;
}

/* The brokers in controlled shutdown: the children of
 * /admin/controlled_shutdown (watched; the parent is created when missing
 * so the watch has something to watch). The child's name is the broker id;
 * a value that is not a valid marker for that id is logged once but the
 * request is honoured all the same (the name is what zkmeta and the broker
 * go by). */
static int controller_shutting_down(controller_t *c, controller_ids_t *down)
{
	struct String_vector sv = { 0, NULL };
	char path[ZKPATH_MAX], err[256];
	int rc, i, attempt;

	down->cnt = 0;
	down->ids = NULL;
	for (attempt = 0; attempt < 3; attempt++) {
		rc = zkutil_children(c->zh, ZKPATH_CONTROLLED_SHUTDOWN, c->watcher, c->watcher_ctx,
		                     &sv);
		if (rc != ZNONODE)
			break;
		rc = zkutil_create_recursive(c->zh, ZKPATH_CONTROLLED_SHUTDOWN, NULL, -1);
		if (rc != ZOK)
			return rc;
	}
	if (rc != ZOK)
		return rc;
	if (sv.count > 0 && !(down->ids = calloc((size_t)sv.count, sizeof(int32_t)))) {
		deallocate_String_vector(&sv);
		return ZSYSTEMERROR;
	}
	for (i = 0; i < sv.count; i++) {
		struct Stat st;
		char *buf = NULL;
		int64_t ts;
		int32_t id, v;
		int len;

		zkpath_child(path, ZKPATH_CONTROLLED_SHUTDOWN, sv.data[i]);
		if (num_parse_i32(sv.data[i], 0, INT32_MAX, &v) < 0) {
			flog(LOG_WARNING, "controller", "ignoring %s: not a broker id", path);
			continue;
		}
		rc = zkutil_get(c->zh, path, NULL, NULL, &buf, &len, &st);
		if (rc == ZNONODE)
			continue; /* the broker has gone; the children watch fires */
		if (rc != ZOK) {
			deallocate_String_vector(&sv);
			return rc;
		}
		if (zkjson_admin_shutdown_decode(buf, (size_t)len, &id, &ts, err, sizeof(err)) < 0)
			controller_warn_once(c, path, st.mzxid, err);
		else if (id != v)
			controller_warn_once(c, path, st.mzxid,
			                     "its \"broker\" differs from its name");
		else
			controller_marker_clear(c, path);
		free(buf);
		down->ids[down->cnt++] = (int32_t)v;
	}
	deallocate_String_vector(&sv);
	return ZOK;
}

int controller_assignment_get(controller_t *c, const char *topic, int watch, zkjson_assignment_t *a)
{
	char tpath[ZKPATH_MAX], err[256];
	struct Stat st;
	char *buf = NULL;
	int len, rc;

	memset(a, 0, sizeof(*a));
	zkpath_topic(tpath, topic);
	rc = zkutil_get(c->zh, tpath, watch ? c->watcher : NULL, watch ? c->watcher_ctx : NULL,
	                &buf, &len, &st);
	if (rc != ZOK)
		return rc;
	if (zkjson_assignment_decode(buf, (size_t)len, a, err, sizeof(err)) < 0) {
		controller_warn_once(c, tpath, st.mzxid, err);
		rc = CONTROLLER_SKIP;
	}
	free(buf);
	return rc;
}

int controller_state_get(controller_t *c, const char *topic, int32_t p, char *spath,
                         zkjson_state_t *cur, struct Stat *st)
{
	char err[256];
	char *buf = NULL;
	int len, rc;

	memset(cur, 0, sizeof(*cur));
	zkpath_state(spath, topic, p);
	rc = zkutil_get(c->zh, spath, NULL, NULL, &buf, &len, st);
	if (rc != ZOK)
		return rc;
	if (zkjson_state_decode(buf, (size_t)len, cur, err, sizeof(err)) < 0) {
		controller_warn_once(c, spath, st->mzxid, err);
		rc = CONTROLLER_SKIP;
	} else {
		controller_marker_clear(c, spath);
	}
	free(buf);
	return rc;
}

int controller_state_put(controller_t *c, const char *spath, const zkjson_state_t *next,
                         int32_t version, char **jsonp)
{
	zoo_op_t ops[2];
	zoo_op_result_t res[2];
	char *json = zkjson_state_encode(next);
	int rc;

	if (jsonp)
		*jsonp = NULL;
	if (!json)
		return ZSYSTEMERROR;
	zoo_set_op_init(&ops[1], spath, json, (int)strlen(json), version, NULL);
	rc = controller_multi(c, 2, ops, res);
	if (rc == 0 && jsonp)
		*jsonp = json;
	else
		free(json);
	return rc;
}

/* ------------------------------------------------------------ states */

/* Who may lead: live and not in controlled shutdown; off: replicas on
 * failed log dirs, which make a broker dead for those partitions. */
typedef struct controller_brokers {
	const controller_ids_t *live, *down;
	const controller_offline_t *off;
} controller_brokers_t;

static int controller_live(const controller_brokers_t *b, int32_t id)
{
	return controller_has(b->live->ids, b->live->cnt, id);
}

static int controller_eligible(const controller_brokers_t *b, int32_t id)
{
	return controller_live(b, id) && !controller_has(b->down->ids, b->down->cnt, id);
}

/* The first replica (assignment order) that is in isr (NULL: any) and
 * eligible, or with allow_down merely live. -1 when none. */
static int32_t controller_pick(const zkjson_replicas_t *r, const zkjson_state_t *isr,
                               const controller_brokers_t *b, int allow_down)
{
	int i;

	for (i = 0; i < r->cnt; i++) {
		if (isr && !controller_has(isr->isr, isr->isr_cnt, r->ids[i]))
			continue;
		if (allow_down ? controller_live(b, r->ids[i]) : controller_eligible(b, r->ids[i]))
			return r->ids[i];
	}
	return -1;
}

/* next->isr = the eligible members of cur's ISR, plus next->leader (kept in
 * its ISR position, or appended). */
static void controller_isr_filter(const zkjson_state_t *cur, const controller_brokers_t *b,
                                  zkjson_state_t *next)
{
	int i;

	next->isr_cnt = 0;
	for (i = 0; i < cur->isr_cnt; i++)
		if (cur->isr[i] == next->leader || controller_eligible(b, cur->isr[i]))
			next->isr[next->isr_cnt++] = cur->isr[i];
	if (next->leader >= 0 && !controller_has(next->isr, next->isr_cnt, next->leader))
		next->isr[next->isr_cnt++] = next->leader;
}

/* Computes the next state from cur (rules in the file comment). Returns 1
 * when it differs (next filled; next->isr malloc'd), 0 when nothing changes,
 * -1 out of memory. */
static int controller_next_state(const zkjson_replicas_t *r, const zkjson_state_t *cur,
                                 const controller_brokers_t *b, int unclean, int32_t epoch,
                                 zkjson_state_t *next)
{
	int i, changed;
	int never_led = cur->leader < 0 && cur->leader_epoch == 0 && cur->isr_cnt == 0;
	int leader_live = cur->leader >= 0 && controller_live(b, cur->leader);

	memset(next, 0, sizeof(*next));
	next->isr = calloc((size_t)r->cnt + (size_t)cur->isr_cnt + 1, sizeof(int32_t));
	if (!next->isr)
		return -1;
	next->controller_epoch = epoch;
	next->leader_epoch = cur->leader_epoch;
	next->leader = -1;
	if (never_led) {
		int allow_down;

		for (allow_down = 0; allow_down < 2 && next->isr_cnt == 0; allow_down++)
			for (i = 0; i < r->cnt; i++)
				if (allow_down ? controller_live(b, r->ids[i])
				               : controller_eligible(b, r->ids[i]))
					next->isr[next->isr_cnt++] = r->ids[i];
		if (next->isr_cnt > 0)
			next->leader = next->isr[0];
	} else if (leader_live && controller_eligible(b, cur->leader)) {
		next->leader = cur->leader;
		controller_isr_filter(cur, b, next);
	} else {
		next->leader = controller_pick(r, cur, b, 0);
		if (next->leader < 0 && leader_live)
			next->leader = cur->leader; /* controlled shutdown, no one else in sync */
		if (next->leader < 0)
			next->leader = controller_pick(r, cur, b, 1);
		if (next->leader >= 0) {
			controller_isr_filter(cur, b, next);
		} else if (unclean) {
			next->leader = controller_pick(r, NULL, b, 0);
			if (next->leader < 0)
				next->leader = controller_pick(r, NULL, b, 1);
			if (next->leader >= 0) {
				next->isr[next->isr_cnt++] = next->leader;
				flog(LOG_WARNING, "controller",
				     "unclean leader election: broker %d leads without being in "
				     "the ISR",
				     (int)next->leader);
			}
		}
		if (next->leader < 0) {
			/* Offline: keep the last ISR so its members can return cleanly. */
			if (cur->isr_cnt > 0) /* an empty ISR is a NULL array */
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
                                   const zkjson_replicas_t *r, const controller_brokers_t *b)
{
	char ppath[ZKPATH_MAX], pnpath[ZKPATH_MAX], spath[ZKPATH_MAX];
	zkjson_state_t none = { -1, 0, 0, NULL, 0 }, s;
	zoo_op_t ops[4];
	zoo_op_result_t res[4];
	struct Stat st;
	char *json = NULL;
	int n = 1, rc;

	zkpath_partitions(ppath, topic);
	zkpath_partition(pnpath, topic, p);
	zkpath_state(spath, topic, p);
	if (controller_next_state(r, &none, b, 0, c->epoch, &s) < 0)
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
		zoo_create_op_init(&ops[n++], ppath, NULL, -1, zkacl_of(c->zh, ppath), 0, NULL, 0);
	else if (rc != ZOK)
		goto out;
	rc = zoo_exists(c->zh, pnpath, 0, &st);
	if (rc == ZNONODE)
		zoo_create_op_init(&ops[n++], pnpath, NULL, -1, zkacl_of(c->zh, pnpath), 0, NULL,
		                   0);
	else if (rc != ZOK)
		goto out;
	zoo_create_op_init(&ops[n++], spath, json, (int)strlen(json), zkacl_of(c->zh, spath), 0,
	                   NULL, 0);
	rc = controller_multi(c, n, ops, res);
	if (rc == 0)
		flog(LOG_INFO, "controller", "%s-%d: initial state %s", topic, (int)p, json);
out:
	free(json);
	return rc;
}

static int controller_partition_state(controller_t *c, const char *topic, int32_t p,
                                      const zkjson_replicas_t *r, const controller_brokers_t *b,
                                      int unclean)
{
	char spath[ZKPATH_MAX];
	zkjson_state_t cur, next;
	struct Stat st;
	char *json = NULL;
	int rc, ch;

	rc = controller_state_get(c, topic, p, spath, &cur, &st);
	if (rc == ZNONODE)
		return controller_create_state(c, topic, p, r, b);
	if (rc == CONTROLLER_SKIP)
		return 0;
	if (rc != ZOK)
		return rc;
	ch = controller_next_state(r, &cur, b, unclean, c->epoch, &next);
	if (ch <= 0) {
		zkjson_state_clear(&cur);
		return ch < 0 ? ZSYSTEMERROR : 0;
	}
	rc = controller_state_put(c, spath, &next, st.version, &json);
	if (rc == 0)
		flog(LOG_INFO, "controller", "%s-%d: leader %d -> %d, leader_epoch %d, state %s%s",
		     topic, (int)p, (int)cur.leader, (int)next.leader, (int)next.leader_epoch, json,
		     cur.leader >= 0 && controller_has(b->down->ids, b->down->cnt, cur.leader)
		         ? " (controlled shutdown)"
		         : "");
	free(json);
	zkjson_state_clear(&cur);
	zkjson_state_clear(&next);
	return rc;
}

/* One partition's state, with brokers whose log dir holding it failed
 * counted as dead for it. */
static int controller_partition(controller_t *c, const char *topic, int32_t p,
                                const zkjson_replicas_t *r, const controller_brokers_t *b,
                                int unclean)
{
	controller_ids_t live_here;
	controller_brokers_t bp;
	int rc;

	switch (controller_offline_filter(b->off, b->live, topic, p, &live_here)) {
	case 0:
		return controller_partition_state(c, topic, p, r, b, unclean);
	case 1:
		bp = *b;
		bp.live = &live_here;
		rc = controller_partition_state(c, topic, p, r, &bp, unclean);
		free(live_here.ids);
		return rc;
	default:
		return ZSYSTEMERROR;
	}
}

static int controller_topic(controller_t *c, const char *topic, const controller_brokers_t *b)
{
	char tpath[ZKPATH_MAX];
	zkjson_assignment_t a;
	int rc, p, again = 0, unclean, crc;

	/* The config is checked first so its marker is right even while the
	 * assignment is refused. */
	crc = controller_topic_config(c, topic, &unclean);
	if (crc == CONTROLLER_AGAIN)
		again = 1;
	else if (crc != ZOK && crc != CONTROLLER_SKIP)
		return crc;
	rc = controller_assignment_get(c, topic, 1, &a);
	if (rc == ZNONODE || rc == CONTROLLER_SKIP)
		return again ? CONTROLLER_AGAIN : 0;
	if (rc != ZOK)
		return rc;
	rc = controller_assignment_check(c, topic, &a);
	if (rc != ZOK) {
		zkjson_assignment_clear(&a);
		return rc == CONTROLLER_SKIP ? 0 : rc;
	}
	zkpath_topic(tpath, topic);
	controller_marker_clear(c, tpath);
	for (p = 0; p < a.partition_cnt; p++) {
		rc = controller_partition(c, topic, p, &a.partitions[p], b, unclean);
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

/* ------------------------------------------------------------ pass */

/* Folds one step's result into the pass's: AGAIN is remembered, anything
 * else but 0 ends the pass. Returns 1 to go on. */
static int controller_step(int rc, int *againp, int *rcp)
{
	if (rc == CONTROLLER_AGAIN) {
		*againp = 1;
		return 1;
	}
	*rcp = rc;
	return rc == 0;
}

int controller_run(controller_t *c)
{
	struct String_vector topics = { 0, NULL }, dels = { 0, NULL };
	controller_ids_t live = { 0, NULL }, down = { 0, NULL };
	controller_offline_t off = { 0, NULL };
	controller_brokers_t b = { &live, &down, &off };
	int rc, i, j, again = 0;

	if ((rc = controller_still_ours(c)) != ZOK)
		return rc;
	if ((rc = controller_markers_begin(c)) != ZOK)
		return rc;
	if ((rc = controller_live_brokers(c, &live)) != ZOK)
		goto out;
	if ((rc = controller_shutting_down(c, &down)) != ZOK)
		goto out;
	if ((rc = controller_offline_read(c, &off)) != ZOK)
		goto out;
	rc = zkutil_children(c->zh, ZKPATH_DELETE_TOPICS, c->watcher, c->watcher_ctx, &dels);
	if (rc != ZOK && rc != ZNONODE)
		goto out;
	for (i = 0; i < dels.count; i++)
		if (!controller_step(controller_delete_topic(c, dels.data[i]), &again, &rc))
			goto out;
	rc = zkutil_children(c->zh, ZKPATH_TOPICS, c->watcher, c->watcher_ctx, &topics);
	if (rc != ZOK && rc != ZNONODE)
		goto out;
	for (i = 0; i < topics.count; i++) {
		int deleting = 0;

		for (j = 0; j < dels.count; j++)
			deleting |= !strcmp(dels.data[j], topics.data[i]);
		if (deleting)
			continue;
		if (!controller_step(controller_topic(c, topics.data[i], &b), &again, &rc))
			goto out;
	}
	if (!controller_step(controller_reassign_run(c, &live, &down, &dels), &again, &rc))
		goto out;
	if (!controller_step(controller_preferred_run(c, &live, &down), &again, &rc))
		goto out;
	if (!controller_step(controller_rebalance_run(c, &live, &down, &dels), &again, &rc))
		goto out;
	if (!controller_step(controller_markers_sweep(c), &again, &rc))
		goto out;
	rc = again ? CONTROLLER_AGAIN : 0;
out:
	free(live.ids);
	free(down.ids);
	controller_offline_clear(&off);
	deallocate_String_vector(&topics);
	deallocate_String_vector(&dels);
	return rc;
}
