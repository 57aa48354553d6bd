/*
 * controller_reassign.c — partition reassignment: moving a partition's
 * replicas to another set of brokers, as Kafka's ZooKeeper mode does it.
 *
 * An operator (zkCli.sh, or `fjord topic reassign` through the SDK) writes
 * /admin/reassign_partitions with Kafka's plan
 *   {"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[3,1,2]}]}
 * naming for each partition its target replica set TRS (first member =
 * preferred leader). The controller watches the znode and, in every pass,
 * carries the plan one step further, working from ZooKeeper alone (nothing
 * is kept in memory between passes; a newly elected controller resumes a
 * plan where the last one left it). For each partition, CUR being its
 * current assignment:
 *  1. TRS not a subset of CUR: the assignment becomes TRS followed by
 *     CUR - TRS. This step is one fenced multi for the whole plan (one
 *     version-conditional set per topic), so a plan is either not started
 *     (some TRS not in CUR) or started (every TRS within CUR) — which is
 *     how a pass tells the two apart. The new replicas see the assignment
 *     and start fetching from the leader, which adds them to the ISR once
 *     they caught up.
 *  2. waits until every TRS member is in the ISR (the controller watches
 *     the state znodes of the partitions it waits for);
 *  3./4. one fenced multi sets the assignment to TRS (conditional on its
 *     version) and the state (conditional on its version) to ISR ∩ TRS,
 *     leader_epoch + 1, with the leader kept when it is in TRS and eligible
 *     (live, not in controlled shutdown), else the first TRS member that is
 *     eligible and in the ISR. Brokers that are no longer replicas delete
 *     their logs when they see the assignment.
 *  5. once every partition has CUR == TRS the znode is deleted (fenced,
 *     conditional on its version).
 * A plan that is not started is validated as a whole before anything is
 * written: it must parse (strict codec, zkjson_admin.c), every topic must
 * exist and not be being deleted, every partition must exist and every
 * target replica must be a registered broker. A plan that fails is
 * refused: logged with the entry and the reason, reported through
 * controller_warn_once() and deleted — nothing changed. A started plan
 * whose target broker dies waits for it (logged once); as in Kafka's
 * ZooKeeper mode a running reassignment cannot be changed or cancelled,
 * and a new plan can be written only once the znode is gone. The topic
 * checks apply to started plans too: deleting a topic under reassignment
 * ends the plan (refused at the next pass; partitions of other topics keep
 * the valid, larger replica sets step 1 gave them, and another plan can
 * finish the job).
 *
 * Threads: zk_broker's worker thread only (synchronous ZooKeeper calls).
 * Ownership: everything allocated here is freed before returning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "controller/controller_int.h"
#include "common/flog.h"
#include "common/zkjson.h"
#include "common/zkjson_admin.h"
#include "common/zkutil.h"
#include "common/zkpath.h"

/* One topic of the plan as read at the start of the pass. */
typedef struct reassign_topic {
	const char *name;      /* borrowed from the plan */
	int rc;                /* ZOK, ZNONODE or CONTROLLER_SKIP (malformed) */
	int deleting;          /* /admin/delete_topics/<t> exists */
	zkjson_assignment_t a; /* when rc == ZOK */
	struct Stat st;        /* of /brokers/topics/<t> */
	int dirty;             /* step 1 changed a */
	char *json;            /* step 1's encoding of a */
	char path[ZKPATH_MAX];
} reassign_topic_t;

typedef struct reassign_pass {
	controller_t *c;
	const controller_ids_t *live, *down;
	zkjson_reassign_t plan;
	int64_t mzxid; /* of the plan znode: "log once" is per plan */
	int tcnt;
	reassign_topic_t *topics;
	int *tix; /* entry i's index into topics */
} reassign_pass_t;

static int reassign_eligible(const reassign_pass_t *rp, int32_t id)
{
	return controller_has(rp->live->ids, rp->live->cnt, id) &&
	       !controller_has(rp->down->ids, rp->down->cnt, id);
}

/* 1 when every id of sub is in set. */
static int reassign_subset(const int32_t *sub, int sub_cnt, const int32_t *set, int set_cnt)
{
	int i;

	for (i = 0; i < sub_cnt; i++)
		if (!controller_has(set, set_cnt, sub[i]))
			return 0;
	return 1;
}

static int reassign_same(const zkjson_replicas_t *cur, const zkjson_reassign_entry_t *e)
{
	return cur->cnt == e->replica_cnt &&
	       !memcmp(cur->ids, e->replicas, (size_t)e->replica_cnt * sizeof(int32_t));
}

/* "[1,2,3]" into buf. */
static const char *reassign_ids(char *buf, size_t n, const int32_t *ids, int cnt)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	off += (size_t)snprintf(buf, n, "[");
	for (i = 0; i < cnt && off < n; i++)
		off += (size_t)snprintf(buf + off, n - off, "%s%d", i ? "," : "", (int)ids[i]);
	if (off < n)
		snprintf(buf + off, n - off, "]");
	return buf;
}

/* Logs msg once per plan (and per distinct msg). */
static void reassign_log_once(reassign_pass_t *rp, const char *msg)
{
	char key[ZKPATH_MAX];

	snprintf(key, sizeof(key), "%s#%s", ZKPATH_REASSIGN, msg);
	if (zkutil_seen_first(&rp->c->warned, key, rp->mzxid))
		flog(LOG_INFO, "controller", "%s: %s", ZKPATH_REASSIGN, msg);
}

static void reassign_pass_free(reassign_pass_t *rp)
{
	int i;

	for (i = 0; i < rp->tcnt; i++) {
		zkjson_assignment_clear(&rp->topics[i].a);
		free(rp->topics[i].json);
	}
	free(rp->topics);
	free(rp->tix);
	zkjson_reassign_clear(&rp->plan);
}

/* Reads the assignment (with its Stat) and the deletion marker of every
 * topic of the plan. Returns ZOK or an error. */
static int reassign_read_topics(reassign_pass_t *rp, const struct String_vector *dels)
{
	char err[256];
	int i, j, rc;

	rp->topics = calloc((size_t)rp->plan.cnt, sizeof(*rp->topics));
	rp->tix = calloc((size_t)rp->plan.cnt, sizeof(*rp->tix));
	if (!rp->topics || !rp->tix)
		return ZSYSTEMERROR;
	for (i = 0; i < rp->plan.cnt; i++) {
		const char *name = rp->plan.entries[i].topic;
		reassign_topic_t *t;
		char *buf = NULL;
		int len;

		for (j = 0; j < rp->tcnt && strcmp(rp->topics[j].name, name); j++)
			;
		rp->tix[i] = j;
		if (j < rp->tcnt)
			continue;
		t = &rp->topics[rp->tcnt++];
		t->name = name;
		for (j = 0; j < dels->count; j++)
			t->deleting |= !strcmp(dels->data[j], name);
		zkpath_topic(t->path, name);
		rc = zkutil_get(rp->c->zh, t->path, NULL, NULL, &buf, &len, &t->st);
		if (rc != ZOK && rc != ZNONODE)
			return rc;
		t->rc = rc;
		if (rc == ZOK &&
		    zkjson_assignment_decode(buf, (size_t)len, &t->a, err, sizeof(err)) < 0) {
			controller_warn_once(rp->c, t->path, t->st.mzxid, err);
			t->rc = CONTROLLER_SKIP;
		}
		free(buf);
	}
	return ZOK;
}

/* Checks what every pass requires of a plan: each topic exists, is not
 * being deleted, has a well-formed assignment and the partition. Returns 0,
 * or -1 with the entry and the reason in why. */
static int reassign_validate_topics(reassign_pass_t *rp, char *why, size_t n)
{
	int i;

	for (i = 0; i < rp->plan.cnt; i++) {
		const zkjson_reassign_entry_t *e = &rp->plan.entries[i];
		const reassign_topic_t *t = &rp->topics[rp->tix[i]];
		const char *r = NULL;

		if (t->rc == ZNONODE)
			r = "unknown topic";
		else if (t->rc == CONTROLLER_SKIP)
			r = "the topic's assignment is malformed";
		else if (t->deleting)
			r = "the topic is being deleted";
		if (r) {
			snprintf(why, n, "partitions[%d] (%s-%d): %s", i, e->topic,
			         (int)e->partition, r);
			return -1;
		}
		if (e->partition >= t->a.partition_cnt) {
			snprintf(why, n,
			         "partitions[%d] (%s-%d): unknown partition (the topic has %d)", i,
			         e->topic, (int)e->partition, t->a.partition_cnt);
			return -1;
		}
	}
	return 0;
}

/* Checks a plan that is not started: every target replica is a registered
 * broker. Returns 0, or -1 with the entry and the reason in why. */
static int reassign_validate_brokers(reassign_pass_t *rp, char *why, size_t n)
{
	int i, j;

	for (i = 0; i < rp->plan.cnt; i++) {
		const zkjson_reassign_entry_t *e = &rp->plan.entries[i];

		for (j = 0; j < e->replica_cnt; j++)
			if (!controller_has(rp->live->ids, rp->live->cnt, e->replicas[j])) {
				snprintf(why, n,
				         "partitions[%d] (%s-%d): broker %d is not a registered "
				         "broker",
				         i, e->topic, (int)e->partition, (int)e->replicas[j]);
				return -1;
			}
	}
	return 0;
}

/* Step 1 for every entry whose TRS is not within CUR, in one fenced multi.
 * Returns as controller_multi(). */
static int reassign_start(reassign_pass_t *rp)
{
	char b1[256], b2[256], b3[256];
	zoo_op_t *ops = NULL;
	zoo_op_result_t *res = NULL;
	int i, j, n = 1, rc = ZSYSTEMERROR;

	for (i = 0; i < rp->plan.cnt; i++) {
		const zkjson_reassign_entry_t *e = &rp->plan.entries[i];
		reassign_topic_t *t = &rp->topics[rp->tix[i]];
		zkjson_replicas_t *cur = &t->a.partitions[e->partition];
		int32_t *ids;
		int cnt = 0;

		if (reassign_subset(e->replicas, e->replica_cnt, cur->ids, cur->cnt))
			continue;
		ids = calloc((size_t)e->replica_cnt + (size_t)cur->cnt, sizeof(*ids));
		if (!ids)
			goto out;
		memcpy(ids, e->replicas, (size_t)e->replica_cnt * sizeof(*ids));
		cnt = e->replica_cnt;
		for (j = 0; j < cur->cnt; j++)
			if (!controller_has(e->replicas, e->replica_cnt, cur->ids[j]))
				ids[cnt++] = cur->ids[j];
		flog(LOG_INFO, "controller",
		     "reassignment of %s-%d started: replicas %s -> %s (target %s)", e->topic,
		     (int)e->partition, reassign_ids(b1, sizeof(b1), cur->ids, cur->cnt),
		     reassign_ids(b2, sizeof(b2), ids, cnt),
		     reassign_ids(b3, sizeof(b3), e->replicas, e->replica_cnt));
		free(cur->ids);
		cur->ids = ids;
		cur->cnt = cnt;
		t->dirty = 1;
	}
	ops = calloc((size_t)rp->tcnt + 1, sizeof(*ops));
	res = calloc((size_t)rp->tcnt + 1, sizeof(*res));
	if (!ops || !res)
		goto out;
	for (i = 0; i < rp->tcnt; i++) {
		reassign_topic_t *t = &rp->topics[i];

		if (!t->dirty)
			continue;
		if (!(t->json = zkjson_assignment_encode(&t->a)))
			goto out;
		zoo_set_op_init(&ops[n++], t->path, t->json, (int)strlen(t->json), t->st.version,
		                NULL);
	}
	rc = n > 1 ? controller_multi(rp->c, n, ops, res) : 0;
out:
	free(ops);
	free(res);
	return rc;
}

/* Steps 2-4 for entry i of a started plan. *donep: the partition has its
 * target assignment. Returns 0, CONTROLLER_AGAIN, CONTROLLER_DEPOSED or an
 * error. */
static int reassign_advance(reassign_pass_t *rp, int i, int *donep)
{
	const zkjson_reassign_entry_t *e = &rp->plan.entries[i];
	reassign_topic_t *t = &rp->topics[rp->tix[i]];
	zkjson_replicas_t *cur;
	zkjson_state_t st = { 0, 0, 0, NULL, 0 }, next;
	char spath[ZKPATH_MAX], msg[512], err[256], b1[128], b2[128];
	char *sbuf = NULL, *sjson = NULL, *ajson = NULL;
	zkjson_replicas_t saved;
	zoo_op_t ops[3];
	zoo_op_result_t res[3];
	struct Stat sst, ast;
	int32_t *isr = NULL, leader = -1;
	int len, rc, j, isr_cnt = 0;

	*donep = 0;
	cur = &t->a.partitions[e->partition];
	if (reassign_same(cur, e)) {
		*donep = 1;
		return 0;
	}
	/* Step 2: watch the state until every target replica is in the ISR. */
	zkpath_state(spath, e->topic, (int)e->partition);
	rc = zkutil_get(rp->c->zh, spath, rp->c->watcher, rp->c->watcher_ctx, &sbuf, &len, &sst);
	if (rc == ZNONODE)
		return 0; /* the pass writes a first state; its watch brings us back */
	if (rc != ZOK)
		return rc;
	if (zkjson_state_decode(sbuf, (size_t)len, &st, err, sizeof(err)) < 0) {
		controller_warn_once(rp->c, spath, sst.mzxid, err);
		rc = 0;
		goto out;
	}
	for (j = 0; j < e->replica_cnt; j++) {
		int32_t id = e->replicas[j];

		if (!controller_has(rp->live->ids, rp->live->cnt, id)) {
			snprintf(
			    msg, sizeof(msg),
			    "%s-%d: waiting for broker %d, which is not live (the reassignment "
			    "resumes when it returns)",
			    e->topic, (int)e->partition, (int)id);
			reassign_log_once(rp, msg);
			goto out;
		}
		if (!controller_has(st.isr, st.isr_cnt, id)) {
			snprintf(msg, sizeof(msg), "%s-%d: waiting for %s to join the ISR %s",
			         e->topic, (int)e->partition,
			         reassign_ids(b1, sizeof(b1), e->replicas, e->replica_cnt),
			         reassign_ids(b2, sizeof(b2), st.isr, st.isr_cnt));
			reassign_log_once(rp, msg);
			goto out;
		}
	}
	/* Step 3: a leader from TRS. */
	if (st.leader >= 0 && controller_has(e->replicas, e->replica_cnt, st.leader) &&
	    reassign_eligible(rp, st.leader))
		leader = st.leader;
	for (j = 0; leader < 0 && j < e->replica_cnt; j++)
		if (reassign_eligible(rp, e->replicas[j]) &&
		    controller_has(st.isr, st.isr_cnt, e->replicas[j]))
			leader = e->replicas[j];
	if (leader < 0) {
		snprintf(msg, sizeof(msg),
		         "%s-%d: waiting for a target replica that may lead "
		         "(every one is in controlled shutdown)",
		         e->topic, (int)e->partition);
		reassign_log_once(rp, msg);
		goto out;
	}
	/* Step 4: assignment = TRS and state ISR ∩ TRS, in one fenced multi. */
	if (!(isr = calloc((size_t)st.isr_cnt + 1, sizeof(*isr)))) {
		rc = ZSYSTEMERROR;
		goto out;
	}
	for (j = 0; j < st.isr_cnt; j++)
		if (controller_has(e->replicas, e->replica_cnt, st.isr[j]))
			isr[isr_cnt++] = st.isr[j];
	next.leader = leader;
	next.leader_epoch = st.leader_epoch + 1;
	next.isr_cnt = isr_cnt;
	next.isr = isr;
	next.controller_epoch = rp->c->epoch;
	saved = *cur;
	cur->ids = e->replicas; /* borrowed for the encoding only */
	cur->cnt = e->replica_cnt;
	ajson = zkjson_assignment_encode(&t->a);
	*cur = saved;
	sjson = zkjson_state_encode(&next);
	if (!ajson || !sjson) {
		rc = ZSYSTEMERROR;
		goto out;
	}
	zoo_set_op_init(&ops[1], t->path, ajson, (int)strlen(ajson), t->st.version, &ast);
	zoo_set_op_init(&ops[2], spath, sjson, (int)strlen(sjson), sst.version, NULL);
	rc = controller_multi(rp->c, 3, ops, res);
	if (rc != 0)
		goto out;
	flog(LOG_INFO, "controller",
	     "reassignment of %s-%d done: replicas %s -> %s, leader %d -> %d, state %s", e->topic,
	     (int)e->partition, reassign_ids(b1, sizeof(b1), cur->ids, cur->cnt),
	     reassign_ids(b2, sizeof(b2), e->replicas, e->replica_cnt), (int)st.leader, (int)leader,
	     sjson);
	/* Keep the snapshot in step with what was written (same topic, later
	 * entries of this pass). */
	t->st.version = ast.version;
	memcpy(cur->ids, e->replicas, (size_t)e->replica_cnt * sizeof(int32_t));
	cur->cnt = e->replica_cnt; /* TRS ⊆ CUR here, so it fits */
	*donep = 1;
out:
	free(isr);
	free(ajson);
	free(sjson);
	free(sbuf);
	zkjson_state_clear(&st);
	return rc;
}

/* Refuses the plan: controller_warn_once() logs it and writes its marker
 * (/admin/errors/admin/reassign_partitions); the plan is deleted (fenced). */
static int reassign_refuse(reassign_pass_t *rp, const struct Stat *st, const char *why)
{
	zoo_op_t ops[2];
	zoo_op_result_t res[2];

	int rc;

	controller_warn_once(rp->c, ZKPATH_REASSIGN, st->mzxid, why);
	zoo_delete_op_init(&ops[1], ZKPATH_REASSIGN, st->version);
	rc = controller_multi(rp->c, 2, ops, res);
	if (rc == 0)
		flog(LOG_NOTICE, "controller", "%s: refused plan removed, nothing changed",
		     ZKPATH_REASSIGN);
	return rc;
}

int controller_reassign_run(controller_t *c, const controller_ids_t *live,
                            const controller_ids_t *down, const struct String_vector *dels)
{
	reassign_pass_t rp;
	char err[512];
	char *buf = NULL;
	zoo_op_t ops[2];
	zoo_op_result_t res[2];
	struct Stat st;
	int len, rc, i, started = 1, done_cnt = 0, again = 0;

	memset(&rp, 0, sizeof(rp));
	rp.c = c;
	rp.live = live;
	rp.down = down;
	rc = zkutil_get(c->zh, ZKPATH_REASSIGN, c->watcher, c->watcher_ctx, &buf, &len, &st);
	if (rc == ZNONODE) {
		rc = zoo_wexists(c->zh, ZKPATH_REASSIGN, c->watcher, c->watcher_ctx, &st);
		if (rc == ZNONODE)
			return 0;                         /* nothing asked; the watch is armed */
		return rc == ZOK ? CONTROLLER_AGAIN : rc; /* written meanwhile */
	}
	if (rc != ZOK)
		return rc;
	rp.mzxid = st.mzxid;
	if (zkjson_reassign_decode(buf, (size_t)len, &rp.plan, err, sizeof(err)) < 0) {
		rc = reassign_refuse(&rp, &st, err);
		goto out;
	}
	if ((rc = reassign_read_topics(&rp, dels)) != ZOK)
		goto out;
	if (reassign_validate_topics(&rp, err, sizeof(err)) < 0) {
		rc = reassign_refuse(&rp, &st, err);
		goto out;
	}
	/* Started: every entry's TRS is within its current assignment (step 1
	 * is one multi for the whole plan). */
	for (i = 0; started && i < rp.plan.cnt; i++) {
		const zkjson_reassign_entry_t *e = &rp.plan.entries[i];
		const zkjson_replicas_t *cur = &rp.topics[rp.tix[i]].a.partitions[e->partition];

		started = reassign_subset(e->replicas, e->replica_cnt, cur->ids, cur->cnt);
	}
	if (!started) {
		if (reassign_validate_brokers(&rp, err, sizeof(err)) < 0) {
			rc = reassign_refuse(&rp, &st, err);
			goto out;
		}
		controller_marker_clear(c, ZKPATH_REASSIGN);
		flog(LOG_NOTICE, "controller", "%s: carrying out a plan of %d partition(s)",
		     ZKPATH_REASSIGN, rp.plan.cnt);
		rc = reassign_start(&rp);
		goto out; /* the assignment watches bring the next pass */
	}
	for (i = 0; i < rp.plan.cnt; i++) {
		int done;

		rc = reassign_advance(&rp, i, &done);
		if (rc == CONTROLLER_AGAIN) {
			again = 1;
			continue;
		}
		if (rc != 0)
			goto out;
		done_cnt += done;
	}
	if (again) {
		rc = CONTROLLER_AGAIN;
		goto out;
	}
	rc = 0;
	if (done_cnt < rp.plan.cnt)
		goto out; /* waiting: the state watches bring the next pass */
	zoo_delete_op_init(&ops[1], ZKPATH_REASSIGN, st.version);
	rc = controller_multi(c, 2, ops, res);
	if (rc == 0)
		flog(LOG_NOTICE, "controller",
		     "%s: reassignment of %d partition(s) complete; "
		     "removed the plan",
		     ZKPATH_REASSIGN, rp.plan.cnt);
out:
	reassign_pass_free(&rp);
	free(buf);
	return rc;
}
