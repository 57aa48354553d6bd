/*
 * controller_preferred.c — preferred leader election: moving a partition's
 * leadership back to its preferred replica (the first of its assignment),
 * on an operator's request and by the periodic leader rebalance.
 *
 * On request: an operator (or a tool) writes
 * /admin/preferred_replica_election with Kafka's JSON plan
 * {"version":1,"partitions":[{"topic":"t","partition":0}]}. The controller
 * watches the znode; for each listed partition it makes the preferred
 * replica the leader (leader_epoch + 1, ISR unchanged) when that replica is
 * live, in the ISR and not in controlled shutdown, and then deletes the
 * znode. Entries it cannot carry out (unknown topic or partition, topic
 * being deleted, preferred replica dead / out of sync / shutting down,
 * partition without a state) are logged with the reason and skipped; a plan
 * that does not parse is refused as a whole (controller_warn_once: a log line
 * and the marker /admin/errors/admin/preferred_replica_election, which stays
 * until the next plan is accepted or an operator deletes it). Either way the znode
 * is removed, so the operator can write the next one (Kafka behaves the
 * same). If a state write loses a race the znode stays and the next pass
 * carries the plan out again (partitions already moved are then no-ops).
 *
 * Automatically (Kafka's auto.leader.rebalance.enable,
 * leader.imbalance.check.interval.seconds,
 * leader.imbalance.per.broker.percentage): when a check is due, the
 * controller counts for every broker the partitions whose preferred
 * replica it is, and of those the ones led by another broker. A broker whose
 * share exceeds the percentage gets its preferred leaderships back under the
 * same conditions as above. The first check comes one interval after a
 * broker becomes controller.
 *
 * Every write is a fenced, version-conditional write of the state znode
 * (controller_state_put) or a fenced delete (controller_multi).
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
#include "common/zkjson_admin.h"
#include "common/zkutil.h"
#include "common/zkpath.h"

typedef enum controller_pref_outcome {
	CTL_PREF_MOVED,
	CTL_PREF_ALREADY, /* the preferred replica leads already */
	CTL_PREF_SKIPPED, /* why says why */
} controller_pref_outcome_t;

/* Makes preferred the leader of topic-p when it may lead. Returns 0 (see
 * *outcomep), CONTROLLER_AGAIN, CONTROLLER_DEPOSED or an error. */
static int controller_preferred_move(controller_t *c, const char *topic, int32_t p,
                                     int32_t preferred, const controller_ids_t *live,
                                     const controller_ids_t *down, const char *reason,
                                     controller_pref_outcome_t *outcomep, char *why,
                                     size_t why_size)
{
	char spath[ZKPATH_MAX];
	zkjson_state_t cur, next;
	struct Stat st;
	char *json = NULL;
	int rc;

	*outcomep = CTL_PREF_SKIPPED;
	rc = controller_state_get(c, topic, p, spath, &cur, &st);
	if (rc == ZNONODE || rc == CONTROLLER_SKIP) {
		snprintf(why, why_size, "its state znode is %s",
		         rc == ZNONODE ? "not written yet" : "malformed");
		return 0;
	}
	if (rc != ZOK)
		return rc;
	if (cur.leader == preferred)
		*outcomep = CTL_PREF_ALREADY;
	else if (!controller_has(live->ids, live->cnt, preferred))
		snprintf(why, why_size, "preferred replica %d is not live", (int)preferred);
	else if (controller_has(down->ids, down->cnt, preferred))
		snprintf(why, why_size, "preferred replica %d is in controlled shutdown",
		         (int)preferred);
	else if (!controller_has(cur.isr, cur.isr_cnt, preferred))
		snprintf(why, why_size, "preferred replica %d is not in the ISR", (int)preferred);
	else {
		next = cur; /* same ISR (borrowed), new leader */
		next.leader = preferred;
		next.leader_epoch = cur.leader_epoch + 1;
		next.controller_epoch = c->epoch;
		rc = controller_state_put(c, spath, &next, st.version, &json);
		if (rc == 0) {
			*outcomep = CTL_PREF_MOVED;
			flog(LOG_INFO, "controller",
			     "%s-%d: preferred leader election (%s): leader %d -> %d, state %s",
			     topic, (int)p, reason, (int)cur.leader, (int)preferred, json);
		}
		free(json);
	}
	zkjson_state_clear(&cur);
	return rc;
}

/* ------------------------------------------------------------ on request */

/* One entry of a plan; *assignp caches the assignment of *atopicp. */
static int controller_preferred_entry(controller_t *c, const char *topic, int32_t p,
                                      const controller_ids_t *live, const controller_ids_t *down,
                                      zkjson_assignment_t *a, char **atopicp, int *arcp,
                                      controller_pref_outcome_t *outcomep, char *why,
                                      size_t why_size)
{
	char path[ZKPATH_MAX];
	struct Stat st;
	int rc;

	*outcomep = CTL_PREF_SKIPPED;
	if (!*atopicp || strcmp(*atopicp, topic)) {
		zkjson_assignment_clear(a);
		free(*atopicp);
		if (!(*atopicp = strdup(topic)))
			return ZSYSTEMERROR;
		*arcp = controller_assignment_get(c, topic, 0, a);
	}
	if (*arcp != ZOK && *arcp != ZNONODE && *arcp != CONTROLLER_SKIP) {
		rc = *arcp;
		free(*atopicp); /* not cached: read again next time */
		*atopicp = NULL;
		return rc;
	}
	if (*arcp == ZNONODE) {
		snprintf(why, why_size, "unknown topic");
		return 0;
	}
	if (*arcp == CONTROLLER_SKIP) {
		snprintf(why, why_size, "the topic's assignment is malformed");
		return 0;
	}
	if (p >= a->partition_cnt) {
		snprintf(why, why_size, "unknown partition (the topic has %d)", a->partition_cnt);
		return 0;
	}
	zkpath_delete_topic(path, topic);
	rc = zoo_exists(c->zh, path, 0, &st);
	if (rc == ZOK) {
		snprintf(why, why_size, "the topic is being deleted");
		return 0;
	}
	if (rc != ZNONODE)
		return rc;
	return controller_preferred_move(c, topic, p, a->partitions[p].ids[0], live, down,
	                                 "requested", outcomep, why, why_size);
}

int controller_preferred_run(controller_t *c, const controller_ids_t *live,
                             const controller_ids_t *down)
{
	zkjson_assignment_t a = { 0, NULL };
	zkjson_admin_plan_t plan = { 0, NULL, NULL };
	char err[512], why[256];
	char *buf = NULL, *atopic = NULL;
	zoo_op_t ops[2];
	zoo_op_result_t res[2];
	struct Stat st;
	int len, rc, i, arc = ZOK, again = 0, moved = 0, already = 0, skipped = 0;

	rc = zkutil_get(c->zh, ZKPATH_PREFERRED_ELECTION, c->watcher, c->watcher_ctx, &buf, &len,
	                &st);
	if (rc == ZNONODE) {
		rc = zoo_wexists(c->zh, ZKPATH_PREFERRED_ELECTION, c->watcher, c->watcher_ctx, &st);
		if (rc == ZNONODE)
			return 0;                         /* nothing asked; the watch is armed */
		return rc == ZOK ? CONTROLLER_AGAIN : rc; /* written meanwhile */
	}
	if (rc != ZOK)
		return rc;
	if (zkjson_admin_plan_decode(buf, (size_t)len, &plan, err, sizeof(err)) < 0) {
		controller_warn_once(c, ZKPATH_PREFERRED_ELECTION, st.mzxid, err);
		flog(LOG_NOTICE, "controller", "%s: refused plan removed, nothing changed",
		     ZKPATH_PREFERRED_ELECTION);
		goto remove;
	}
	controller_marker_clear(c, ZKPATH_PREFERRED_ELECTION); /* the previous refusal is history */
	for (i = 0; i < plan.cnt; i++) {
		controller_pref_outcome_t outcome;

		rc = controller_preferred_entry(c, plan.topics[i], plan.partitions[i], live, down,
		                                &a, &atopic, &arc, &outcome, why, sizeof(why));
		if (rc == CONTROLLER_AGAIN) {
			again = 1;
			continue;
		}
		if (rc != 0)
			goto out;
		if (outcome == CTL_PREF_MOVED)
			moved++;
		else if (outcome == CTL_PREF_ALREADY)
			already++;
		else {
			skipped++;
			flog(LOG_WARNING, "controller", "%s: skipping %s-%d: %s",
			     ZKPATH_PREFERRED_ELECTION, plan.topics[i], (int)plan.partitions[i],
			     why);
		}
	}
	if (again) {
		rc = CONTROLLER_AGAIN; /* keep the znode: the next pass finishes the plan */
		goto out;
	}
	flog(LOG_NOTICE, "controller",
	     "preferred replica election: %d partition(s) moved, %d already led by their "
	     "preferred replica, %d skipped",
	     moved, already, skipped);
remove:
	zoo_delete_op_init(&ops[1], ZKPATH_PREFERRED_ELECTION, st.version);
	rc = controller_multi(c, 2, ops, res);
out:
	zkjson_admin_plan_clear(&plan);
	zkjson_assignment_clear(&a);
	free(atopic);
	free(buf);
	return rc;
}

/* ------------------------------------------------------------ rebalance */

/* Per preferred broker: partitions it is preferred for, and of those the
 * ones another broker leads (listed for the move). */
typedef struct controller_imbalance {
	int32_t broker;
	int total, not_led;
} controller_imbalance_t;

typedef struct controller_pref_list {
	int cnt, cap;
	char **topics;
	int32_t *partitions, *preferred;
	int bcnt, bcap;
	controller_imbalance_t *brokers;
} controller_pref_list_t;

static void controller_pref_list_free(controller_pref_list_t *l)
{
	int i;

	for (i = 0; i < l->cnt; i++)
		free(l->topics[i]);
	free(l->topics);
	free(l->partitions);
	free(l->preferred);
	free(l->brokers);
}

static controller_imbalance_t *controller_imbalance_of(controller_pref_list_t *l, int32_t id)
{
	int i;

	for (i = 0; i < l->bcnt; i++)
		if (l->brokers[i].broker == id)
			return &l->brokers[i];
	if (l->bcnt == l->bcap) {
		int cap = l->bcap ? l->bcap * 2 : 8;
		controller_imbalance_t *b = realloc(l->brokers, (size_t)cap * sizeof(*b));

		if (!b)
			return NULL;
		l->brokers = b;
		l->bcap = cap;
	}
	memset(&l->brokers[l->bcnt], 0, sizeof(l->brokers[0]));
	l->brokers[l->bcnt].broker = id;
	return &l->brokers[l->bcnt++];
}

/* Counts partition topic-p (state cur) and lists it when not led by its
 * preferred replica. 0 or -1 (out of memory). */
static int controller_pref_list_add(controller_pref_list_t *l, const char *topic, int32_t p,
                                    int32_t preferred, int32_t leader)
{
	controller_imbalance_t *b = controller_imbalance_of(l, preferred);

	if (!b)
		return -1;
	b->total++;
	if (leader == preferred)
		return 0;
	b->not_led++;
	if (l->cnt == l->cap) {
		int cap = l->cap ? l->cap * 2 : 32;
		char **t = realloc(l->topics, (size_t)cap * sizeof(*t));
		int32_t *pp, *pr;

		if (!t)
			return -1;
		l->topics = t;
		if (!(pp = realloc(l->partitions, (size_t)cap * sizeof(*pp))))
			return -1;
		l->partitions = pp;
		if (!(pr = realloc(l->preferred, (size_t)cap * sizeof(*pr))))
			return -1;
		l->preferred = pr;
		l->cap = cap;
	}
	if (!(l->topics[l->cnt] = strdup(topic)))
		return -1;
	l->partitions[l->cnt] = p;
	l->preferred[l->cnt] = preferred;
	l->cnt++;
	return 0;
}

/* Reads every partition of every topic not being deleted into l. */
static int controller_pref_list_read(controller_t *c, const struct String_vector *dels,
                                     controller_pref_list_t *l)
{
	struct String_vector topics = { 0, NULL };
	char spath[ZKPATH_MAX];
	int rc, i, j, p;

	rc = zkutil_children(c->zh, ZKPATH_TOPICS, NULL, NULL, &topics);
	if (rc == ZNONODE)
		return ZOK;
	for (i = 0; rc == ZOK && i < topics.count; i++) {
		zkjson_assignment_t a;
		int deleting = 0;

		for (j = 0; j < dels->count; j++)
			deleting |= !strcmp(dels->data[j], topics.data[i]);
		if (deleting)
			continue;
		rc = controller_assignment_get(c, topics.data[i], 0, &a);
		if (rc == ZNONODE || rc == CONTROLLER_SKIP) {
			rc = ZOK;
			continue;
		}
		for (p = 0; rc == ZOK && p < a.partition_cnt; p++) {
			zkjson_state_t cur;
			struct Stat st;

			rc = controller_state_get(c, topics.data[i], p, spath, &cur, &st);
			if (rc == ZNONODE || rc == CONTROLLER_SKIP) {
				rc = ZOK;
				continue;
			}
			if (rc == ZOK &&
			    controller_pref_list_add(l, topics.data[i], p, a.partitions[p].ids[0],
			                             cur.leader) < 0)
				rc = ZSYSTEMERROR;
			zkjson_state_clear(&cur);
		}
		zkjson_assignment_clear(&a);
	}
	deallocate_String_vector(&topics);
	return rc;
}

int controller_rebalance_run(controller_t *c, const controller_ids_t *live,
                             const controller_ids_t *down, const struct String_vector *dels)
{
	controller_rebalance_t conf = CONTROLLER_REBALANCE_DEFAULT;
	controller_pref_list_t l;
	int64_t now = fj_mono_ms();
	char why[256];
	int rc, i, j, again = 0;

	if (c->rebalance_set)
		conf = c->rebalance;
	if (!conf.enable)
		return 0;
	if (c->rebalance_due_ms == 0) { /* new controller: first check one interval on */
		c->rebalance_due_ms = now + (int64_t)conf.interval_s * 1000;
		return 0;
	}
	if (now < c->rebalance_due_ms)
		return 0;
	memset(&l, 0, sizeof(l));
	if ((rc = controller_pref_list_read(c, dels, &l)) != ZOK)
		goto out;
	for (i = 0; i < l.bcnt; i++) {
		const controller_imbalance_t *b = &l.brokers[i];

		/* Integer form of not_led / total > pct / 100. */
		if ((int64_t)b->not_led * 100 <= (int64_t)conf.imbalance_pct * b->total)
			continue;
		flog(LOG_INFO, "controller",
		     "leader imbalance: broker %d is the preferred leader of %d partition(s) and "
		     "leads %d of them (more than %d%% elsewhere): rebalancing",
		     (int)b->broker, b->total, b->total - b->not_led, conf.imbalance_pct);
		for (j = 0; j < l.cnt; j++) {
			controller_pref_outcome_t outcome;

			if (l.preferred[j] != b->broker)
				continue;
			rc = controller_preferred_move(c, l.topics[j], l.partitions[j], b->broker,
			                               live, down, "leader rebalance", &outcome,
			                               why, sizeof(why));
			if (rc == CONTROLLER_AGAIN)
				again = 1;
			else if (rc != 0)
				goto out;
			else if (outcome == CTL_PREF_SKIPPED)
				flog(LOG_INFO, "controller", "leader rebalance: leaving %s-%d: %s",
				     l.topics[j], (int)l.partitions[j], why);
		}
	}
	rc = 0;
	if (again)
		rc = CONTROLLER_AGAIN; /* still due: the next pass checks again */
	else
		c->rebalance_due_ms = now + (int64_t)conf.interval_s * 1000;
out:
	controller_pref_list_free(&l);
	return rc;
}
