/*
 * repl_roles.c — who leads, who is in sync: the replication tests' view of
 * partition roles, read from ZooKeeper through the SDK's metadata (an admin
 * handle with zookeeper.connect), plus small HTTP and metric readers.
 *
 * ZooKeeper is the source of truth for roles (state znodes written by the
 * controller and by leaders changing their ISR), so waiting on it is waiting
 * on what the cluster decided, not on one broker's cache. Every wait is a
 * test_wait_until() with a scaled deadline. Runs in test children only;
 * returned handles and bodies belong to the caller.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_int.h"
#include "repl_util.h"

fjord_t *repl_admin_new(test_cluster_t *c)
{
	char errstr[512] = "";
	fjord_conf_t *conf = test_conf(c, NULL);
	fjord_t *admin = fjord_new(FJORD_ADMIN, conf, errstr, sizeof(errstr));
	if (!admin)
		fjord_conf_destroy(conf);
	ck_assert_msg(admin, "admin handle on %s: %s", c->zk_connect, errstr);
	return admin;
}

int repl_pstate_get(fjord_t *admin, const char *topic, int32_t partition, repl_pstate_t *ps)
{
	fjord_metadata_t *md = NULL;
	int rc = -1;

	memset(ps, 0, sizeof(*ps));
	ps->leader = -1;
	if (fjord_metadata(admin, topic, &md, 5000) != FJORD_ERR_NO_ERROR || !md)
		goto out;
	if (md->topic_cnt != 1 || md->topics[0].err != FJORD_ERR_NO_ERROR ||
	    partition >= md->topics[0].partition_cnt)
		goto out;
	const fjord_metadata_partition_t *p = &md->topics[0].partitions[partition];
	ps->leader = p->leader;
	ps->leader_epoch = p->leader_epoch;
	for (int i = 0; i < p->replica_cnt && i < TEST_MAX_BROKERS; i++)
		ps->replicas[ps->replica_cnt++] = p->replicas[i];
	for (int i = 0; i < p->isr_cnt && i < TEST_MAX_BROKERS; i++)
		ps->isr[ps->isr_cnt++] = p->isrs[i];
	rc = 0;
out:
	if (md)
		fjord_metadata_destroy(md);
	return rc;
}

int repl_ids_have(const int32_t *ids, int cnt, int32_t id)
{
	for (int i = 0; i < cnt; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

int repl_broker_index(const test_cluster_t *c, int32_t id)
{
	for (int i = 0; i < c->broker_cnt; i++)
		if (c->brokers[i].id == id)
			return i;
	ck_assert_msg(0, "no broker with id %d in the cluster", (int)id);
	return -1;
}

int repl_broker_registered(fjord_t *admin, int32_t id)
{
	fjord_metadata_t *md = NULL;
	int found = 0;
	if (fjord_metadata(admin, NULL, &md, 5000) != FJORD_ERR_NO_ERROR || !md)
		return 0;
	for (int i = 0; i < md->broker_cnt; i++)
		if (md->brokers[i].id == id)
			found = 1;
	fjord_metadata_destroy(md);
	return found;
}

void repl_create_topic(test_cluster_t *c, const char *topic, int partitions, int rf,
                       const char *const *configs)
{
	char errstr[512] = "";
	fjord_t *admin = repl_admin_new(c);
	int64_t t0 = test_now_ms();
	fjord_err_t err = fjord_admin_create_topic(admin, topic, partitions, rf, configs,
	                                           (int)(30000 * test_timeout_multiplier()), errstr,
	                                           sizeof(errstr));
	ck_assert_msg(err == FJORD_ERR_NO_ERROR, "create topic %s (%d partitions, rf %d): %s: %s",
	              topic, partitions, rf, fjord_err2name(err), errstr);
	ck_assert_msg(repl_wait_isr_full(admin, topic, partitions, 30000),
	              "topic %s: not every partition got a leader and a full ISR", topic);
	fjord_destroy(admin);
	test_say("created topic %s (%d partitions, rf %d) with full ISRs in %d ms", topic,
	         partitions, rf, (int)(test_now_ms() - t0));
}

typedef struct repl_isr_arg {
	fjord_t *admin;
	const char *topic;
	int partitions;
} repl_isr_arg_t;

static int repl_isr_full_pred(void *arg)
{
	repl_isr_arg_t *a = arg;
	for (int p = 0; p < a->partitions; p++) {
		repl_pstate_t ps;
		if (repl_pstate_get(a->admin, a->topic, p, &ps) < 0 || ps.leader < 0 ||
		    ps.replica_cnt == 0 || ps.isr_cnt != ps.replica_cnt)
			return 0;
	}
	return 1;
}

int repl_wait_isr_full(fjord_t *admin, const char *topic, int partitions, int timeout_ms)
{
	repl_isr_arg_t a = { admin, topic, partitions };
	return test_wait_until(repl_isr_full_pred, &a, timeout_ms);
}

typedef struct repl_leader_arg {
	fjord_t *admin;
	const char *topic;
	int32_t partition;
	int32_t not_id;
	int32_t leader;
} repl_leader_arg_t;

static int repl_leader_pred(void *arg)
{
	repl_leader_arg_t *a = arg;
	repl_pstate_t ps;
	if (repl_pstate_get(a->admin, a->topic, a->partition, &ps) < 0 || ps.leader < 0 ||
	    ps.leader == a->not_id || !repl_broker_registered(a->admin, ps.leader))
		return 0;
	a->leader = ps.leader;
	return 1;
}

int32_t repl_wait_leader(fjord_t *admin, const char *topic, int32_t partition, int32_t not_id,
                         int timeout_ms)
{
	repl_leader_arg_t a = { admin, topic, partition, not_id, -1 };
	return test_wait_until(repl_leader_pred, &a, timeout_ms) ? a.leader : -1;
}

char *repl_http_body(const test_cluster_t *c, int i, const char *path)
{
	char *body = NULL;
	int st = harness_http_get(c->brokers[i].http_port, path, &body, 5000);
	ck_assert_msg(st == 200 && body, "broker %d %s: HTTP status %d", c->brokers[i].id, path,
	              st);
	return body;
}

double repl_metric(const char *body, const char *name)
{
	size_t n = strlen(name);
	for (const char *l = body; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (*l == '#' || strncmp(l, name, n))
			continue;
		const char *v = l + n;
		if (name[n - 1] == '{') {
			v = strchr(v, '}');
			if (!v)
				continue;
			v++;
		}
		if (*v != ' ')
			continue;
		return strtod(v + 1, NULL);
	}
	return -1;
}
