/*
 * cgrp_member.c — group membership and the leader's assignment.
 *
 * What: cgrp_member_join() registers this consumer as
 * /consumers/<g>/ids/<client.id>-<seq> (EPHEMERAL|SEQUENTIAL, tied to the
 * group session) with its subscription; cgrp_member_leave() releases every
 * partition and deletes that znode. cgrp_member_sync() runs whenever a watch
 * fired or metadata changed: it lists the members (watching the list); the
 * member with the lowest sequence number is the leader, and the leader
 * resolves every member's subscription ('^' patterns against the topics of
 * the current metadata snapshot), runs partition.assignment.strategy
 * (common/assignor.c) with the previous assignment as input, and writes
 * /consumers/<g>/assignment with generation + 1 only when the result
 * differs — a version-conditional set, so two members who both believe
 * they lead cannot interleave generations. Then every member (leader
 * included) reads the assignment (watching it) and applies its own part
 * (cgrp_owner.c).
 * Why ZooKeeper order: sequence numbers give every member the same leader
 * without an election; a leader that dies takes its ephemeral znode along
 * and the next one takes over on the children watch.
 * Thread: the group worker only (cgrp_int.h).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/cgrp_int.h"
#include "common/assignor.h"
#include "common/bytes.h"
#include "common/zkutil.h"
#include "common/numparse.h"
#include "common/zkpath.h"

/* The sequence number of a member id "<client.id>-<10 digits>"; -1 if none. */
static int64_t cgrp_member_seq(const char *id)
{
	const char *d = strrchr(id, '-');
	int64_t v;
	return d && num_parse_i64(d + 1, 0, INT64_MAX, &v) == 0 ? v : -1;
}

static void cgrp_note_rc(cgrp_t *cg, int rc, const char *what)
{
	if (cgrp_zk_session_lost(rc)) {
		pthread_mutex_lock(&cg->lock);
		cg->expired = 1;
		pthread_mutex_unlock(&cg->lock);
	}
	cgrp_log(cg, rc == ZNONODE ? FJ_LOG_DEBUG : FJ_LOG_WARNING, "%s: %s", what,
	         zkutil_err2str(rc));
}

int cgrp_member_join(cgrp_t *cg)
{
	const fj_conf_values_t *v = cg->h->cv_conf;
	char path[ZKPATH_MAX], created[ZKPATH_MAX], host[256], cid[128], prefix[160];
	zkjson_member_t m;
	int *counts = calloc((size_t)cg->join_cnt, sizeof(int));
	char *val = NULL;
	int i, rc = -1;
	const char *sub[] = { "ids", "owners", "offsets" };

	if (!counts)
		return -1;
	/* One group never mixes the two kinds of member (docs/groups.md): a
	 * group Kafka clients use has its coordinator znode. */
	zkpath_group_sub(path, cg->group, "coordinator");
	if (zoo_exists(cg->zh, path, 0, NULL) == ZOK) {
		if (!cg->kafka_refused)
			cbq_push_error(cg->h, FJORD_ERR_NON_EMPTY_GROUP,
			               "consumer group is used by Kafka clients (a broker "
			               "coordinates it: /consumers/<group>/coordinator); a fjord "
			               "consumer cannot join it — use another group.id");
		cgrp_log(cg, cg->kafka_refused ? FJ_LOG_DEBUG : FJ_LOG_WARNING,
		         "not joining: the group is used by Kafka clients (%s exists); retrying",
		         path);
		cg->kafka_refused = 1;
		goto out;
	}
	cg->kafka_refused = 0;
	for (i = 0; i < 3; i++) {
		int zrc;
		zkpath_group_sub(path, cg->group, sub[i]);
		zrc = zkutil_create_recursive(cg->zh, path, NULL, 0);
		if (zrc != ZOK) {
			cgrp_note_rc(cg, zrc, "create group znodes");
			goto out;
		}
	}
	for (i = 0; i < cg->join_cnt; i++)
		counts[i] = 1;
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	/* The client id names the znode: keep it a single path element. */
	snprintf(cid, sizeof(cid), "%s", v->client_id && *v->client_id ? v->client_id : "fjord");
	for (i = 0; cid[i]; i++)
		if (cid[i] == '/')
			cid[i] = '_';
	memset(&m, 0, sizeof(m));
	m.topic_cnt = cg->join_cnt;
	m.topics = cg->join_subs;
	m.counts = counts;
	m.timestamp = fj_now_ms();
	m.client_id = cid;
	m.host = host;
	val = zkjson_member_encode(&m);
	if (!val)
		goto out;
	snprintf(prefix, sizeof(prefix), "%s-", cid); /* ZooKeeper appends the sequence */
	zkpath_member(path, cg->group, prefix);
	i = zoo_create(cg->zh, path, val, (int)strlen(val), zkacl_of(cg->zh, path),
	               ZOO_EPHEMERAL | ZOO_SEQUENCE, created, sizeof(created));
	if (i != ZOK) {
		cgrp_note_rc(cg, i, "join (create member znode)");
		goto out;
	}
	free(cg->member_id);
	cg->member_id = fj_strdup(strrchr(created, '/') + 1);
	if (!cg->member_id) {
		zoo_delete(cg->zh, created, -1);
		goto out;
	}
	cg->next_commit_ms = fj_mono_ms() + v->auto_commit_interval_ms;
	cgrp_log(cg, FJ_LOG_INFO, "joined as member %s", cg->member_id);
	rc = 0;
out:
	free(val);
	free(counts);
	return rc;
}

void cgrp_member_leave(cgrp_t *cg)
{
	char path[ZKPATH_MAX];
	int rc;
	cgrp_owner_release_all(cg);
	zkpath_member(path, cg->group, cg->member_id);
	rc = zoo_delete(cg->zh, path, -1);
	if (rc != ZOK && rc != ZNONODE)
		cgrp_note_rc(cg, rc, "leave (delete member znode)");
	else
		cgrp_log(cg, FJ_LOG_INFO, "member %s left", cg->member_id);
	free(cg->member_id);
	cg->member_id = NULL;
	cg->generation = -1;
}

/* ------------------------------------------------------------ leader */

typedef struct cgrp_plan {
	int member_cnt;
	assignor_member_t *members;
	char ***topics; /* per member: its resolved topic names */
	int topic_cnt, topic_cap;
	assignor_topic_t *topics_all;
} cgrp_plan_t;

static void cgrp_plan_free(cgrp_plan_t *pl)
{
	int i, j;
	for (i = 0; i < pl->member_cnt; i++) {
		for (j = 0; pl->topics && pl->topics[i] && j < pl->members[i].topic_cnt; j++)
			free(pl->topics[i][j]);
		if (pl->topics)
			free(pl->topics[i]);
		free((char *)pl->members[i].member_id);
	}
	free(pl->topics);
	free(pl->members);
	free(pl->topics_all);
}

/* Adds topic t to member i's resolved list and to the topic union. */
static int cgrp_plan_add(cgrp_plan_t *pl, int i, const cview_topic_t *t)
{
	assignor_member_t *am = &pl->members[i];
	char **nt;
	int j;
	for (j = 0; j < am->topic_cnt; j++)
		if (!strcmp(pl->topics[i][j], t->name))
			return 0;
	nt = realloc(pl->topics[i], (size_t)(am->topic_cnt + 1) * sizeof(char *));
	if (!nt)
		return -1;
	pl->topics[i] = nt;
	if (!(nt[am->topic_cnt] = fj_strdup(t->name)))
		return -1;
	am->topic_cnt++;
	am->topics = (const char *const *)nt;
	for (j = 0; j < pl->topic_cnt; j++)
		if (!strcmp(pl->topics_all[j].topic, t->name))
			return 0;
	if (pl->topic_cnt == pl->topic_cap) {
		int cap = pl->topic_cap ? pl->topic_cap * 2 : 8;
		assignor_topic_t *na = realloc(pl->topics_all, (size_t)cap * sizeof(*na));
		if (!na)
			return -1;
		pl->topics_all = na;
		pl->topic_cap = cap;
	}
	pl->topics_all[pl->topic_cnt].topic = t->name; /* borrowed from the cview */
	pl->topics_all[pl->topic_cnt].partition_cnt = t->partition_cnt;
	pl->topic_cnt++;
	return 0;
}

/* Resolves one member's subscription against the topics of cv. */
static int cgrp_plan_member(cgrp_t *cg, cgrp_plan_t *pl, int i, const zkjson_member_t *m,
                            const cview_t *cv)
{
	int s, k;
	for (s = 0; s < m->topic_cnt; s++) {
		const char *sub = m->topics[s];
		if (sub[0] == '^') {
			regex_t re;
			if (regcomp(&re, sub, REG_EXTENDED | REG_NOSUB) != 0) {
				cgrp_log(cg, FJ_LOG_WARNING,
				         "member %s: invalid pattern \"%s\" ignored",
				         pl->members[i].member_id, sub);
				continue;
			}
			for (k = 0; k < cv->topic_cnt; k++) {
				const cview_topic_t *t = &cv->topics[k];
				if (t->deleting || regexec(&re, t->name, 0, NULL, 0) != 0)
					continue;
				if (cgrp_plan_add(pl, i, t) < 0) {
					regfree(&re);
					return -1;
				}
			}
			regfree(&re);
		} else {
			const cview_topic_t *t = cview_topic(cv, sub);
			if (t && !t->deleting && cgrp_plan_add(pl, i, t) < 0)
				return -1;
		}
	}
	return 0;
}

static int cgrp_assignment_equal(const zkjson_group_assignment_t *a,
                                 const zkjson_group_assignment_t *b)
{
	int i, j;
	if (a->cnt != b->cnt)
		return 0;
	for (i = 0; i < a->cnt; i++) {
		for (j = 0; j < b->cnt; j++)
			if (a->partitions[i] == b->partitions[j] &&
			    !strcmp(a->topics[i], b->topics[j]))
				break;
		if (j == b->cnt || strcmp(a->members[i], b->members[j]))
			return 0;
	}
	return 1;
}

static int cgrp_in(char *const *list, int cnt, const char *s)
{
	int i;
	for (i = 0; i < cnt; i++)
		if (!strcmp(list[i], s))
			return 1;
	return 0;
}

/* Why a new generation is needed, for /assignment's "reason". */
static void cgrp_reason(cgrp_t *cg, const struct String_vector *ids,
                        const zkjson_group_assignment_t *prev, int64_t sig, char *buf, size_t n)
{
	int i;
	if (!cg->last_members) {
		/* New leader: compare with the owners of the previous generation. */
		for (i = 0; i < prev->cnt; i++)
			if (!cgrp_in(ids->data, ids->count, prev->members[i])) {
				snprintf(buf, n, "member left: %s", prev->members[i]);
				return;
			}
		snprintf(buf, n,
		         prev->cnt ? "member joined or topic changed (new leader %s)"
		                   : "group formed (leader %s)",
		         cg->member_id);
		return;
	}
	for (i = 0; i < ids->count; i++)
		if (!cgrp_in(cg->last_members, cg->last_member_cnt, ids->data[i])) {
			snprintf(buf, n, "member joined: %s", ids->data[i]);
			return;
		}
	for (i = 0; i < cg->last_member_cnt; i++)
		if (!cgrp_in(ids->data, ids->count, cg->last_members[i])) {
			snprintf(buf, n, "member left: %s", cg->last_members[i]);
			return;
		}
	snprintf(buf, n,
	         sig != cg->last_topics_sig ? "topic changed (created, deleted or "
	                                      "partitions added)"
	                                    : "assignment recomputed");
}

static void cgrp_remember(cgrp_t *cg, const struct String_vector *ids, int64_t sig)
{
	char **l = calloc((size_t)ids->count + 1, sizeof(char *));
	int i;
	if (!l)
		return;
	for (i = 0; i < ids->count; i++)
		l[i] = fj_strdup(ids->data[i]);
	for (i = 0; i < cg->last_member_cnt; i++)
		free(cg->last_members[i]);
	free(cg->last_members);
	cg->last_members = l;
	cg->last_member_cnt = ids->count;
	cg->last_topics_sig = sig;
}

static int64_t cgrp_topics_sig(const cgrp_plan_t *pl)
{
	uint64_t hsh = 1469598103934665603ULL;
	int i;
	/* Order-independent: sum of per-topic FNV hashes. */
	uint64_t sum = 0;
	for (i = 0; i < pl->topic_cnt; i++) {
		const char *p = pl->topics_all[i].topic;
		uint64_t x = hsh;
		for (; *p; p++)
			x = (x ^ (uint8_t)*p) * 1099511628211ULL;
		x = (x ^ (uint64_t)pl->topics_all[i].partition_cnt) * 1099511628211ULL;
		sum += x;
	}
	return (int64_t)(sum >> 1);
}

/* The leader's step: compute and, when it changed, write the assignment. */
static int cgrp_leader_assign(cgrp_t *cg, const struct String_vector *ids)
{
	const fj_conf_values_t *v = cg->h->cv_conf;
	char path[ZKPATH_MAX], err[256], reason[300];
	cview_t *cv = metadata_snapshot(cg->h);
	cgrp_plan_t pl;
	zkjson_group_assignment_t prev, out;
	struct Stat st;
	char *buf = NULL, *val = NULL;
	int i, len = 0, rc = -1, zrc, have_prev = 0;
	int64_t sig;

	memset(&pl, 0, sizeof(pl));
	memset(&prev, 0, sizeof(prev));
	memset(&out, 0, sizeof(out));
	if (!cv)
		return -1;
	pl.members = calloc((size_t)ids->count, sizeof(*pl.members));
	pl.topics = calloc((size_t)ids->count, sizeof(*pl.topics));
	if (!pl.members || !pl.topics)
		goto out;
	for (i = 0; i < ids->count; i++) {
		zkjson_member_t m;
		zkpath_member(path, cg->group, ids->data[i]);
		free(buf);
		buf = NULL;
		zrc = zkutil_get(cg->zh, path, NULL, NULL, &buf, &len, NULL);
		if (zrc == ZNONODE)
			continue; /* left meanwhile: the children watch fires again */
		if (zrc != ZOK) {
			cgrp_note_rc(cg, zrc, "read member");
			goto out;
		}
		if (zkjson_member_decode(buf, (size_t)len, &m, err, sizeof(err)) < 0) {
			cgrp_log(cg, FJ_LOG_WARNING, "member %s ignored: %s", ids->data[i], err);
			continue;
		}
		pl.members[pl.member_cnt].member_id = fj_strdup(ids->data[i]);
		pl.member_cnt++;
		if (!pl.members[pl.member_cnt - 1].member_id ||
		    cgrp_plan_member(cg, &pl, pl.member_cnt - 1, &m, cv) < 0) {
			zkjson_member_clear(&m);
			goto out;
		}
		zkjson_member_clear(&m);
	}
	zkpath_group_sub(path, cg->group, "assignment");
	free(buf);
	buf = NULL;
	zrc = zkutil_get(cg->zh, path, NULL, NULL, &buf, &len, &st);
	if (zrc == ZOK) {
		if (zkjson_group_assignment_decode(buf, (size_t)len, &prev, err, sizeof(err)) == 0)
			have_prev = 1;
		else
			cgrp_log(cg, FJ_LOG_WARNING, "replacing a malformed assignment: %s", err);
	} else if (zrc != ZNONODE) {
		cgrp_note_rc(cg, zrc, "read assignment");
		goto out;
	}
	if (assignor_assign(conf_strategies[v->assignment_strategy], pl.members, pl.member_cnt,
	                    pl.topics_all, pl.topic_cnt, have_prev ? &prev : NULL, &out, err,
	                    sizeof(err)) < 0) {
		cgrp_log(cg, FJ_LOG_ERR, "assignment failed: %s", err);
		goto out;
	}
	sig = cgrp_topics_sig(&pl);
	if (have_prev && cgrp_assignment_equal(&out, &prev)) {
		cgrp_remember(cg, ids, sig);
		rc = 0;
		goto out;
	}
	cgrp_reason(cg, ids, &prev, sig, reason, sizeof(reason));
	out.generation = have_prev ? prev.generation + 1 : 1;
	out.leader = fj_strdup(cg->member_id);
	out.strategy = fj_strdup(conf_strategies[v->assignment_strategy]);
	out.reason = fj_strdup(reason);
	out.timestamp = fj_now_ms();
	val = zkjson_group_assignment_encode(&out);
	if (!val || !out.leader || !out.strategy || !out.reason)
		goto out;
	if (zrc == ZOK)
		zrc = zoo_set(cg->zh, path, val, (int)strlen(val), st.version);
	else
		zrc = zoo_create(cg->zh, path, val, (int)strlen(val), zkacl_of(cg->zh, path), 0,
		                 NULL, 0);
	if (zrc != ZOK) {
		/* ZBADVERSION / ZNODEEXISTS: another writer won; resync. */
		cgrp_note_rc(cg, zrc, "write assignment");
		goto out;
	}
	cgrp_log(cg, FJ_LOG_INFO,
	         "leader %s wrote generation %lld (%s): %d partition(s), "
	         "%d member(s), strategy %s",
	         cg->member_id, (long long)out.generation, reason, out.cnt, pl.member_cnt,
	         out.strategy);
	cgrp_remember(cg, ids, sig);
	rc = 0;
out:
	free(buf);
	free(val);
	zkjson_group_assignment_clear(&prev);
	zkjson_group_assignment_clear(&out);
	cgrp_plan_free(&pl);
	cview_unref(cv);
	return rc;
}

/* ------------------------------------------------------------ sync */

int cgrp_member_sync(cgrp_t *cg)
{
	char path[ZKPATH_MAX], err[256];
	struct String_vector ids = { 0, NULL };
	zkjson_group_assignment_t ga;
	struct Stat st;
	char *buf = NULL;
	const char *leader = NULL;
	int64_t best = -1;
	int i, len = 0, rc, found = 0, ret = 0;

	zkpath_group_sub(path, cg->group, "ids");
	rc = zkutil_children(cg->zh, path, cgrp_watcher, cg, &ids);
	if (rc != ZOK) {
		cgrp_note_rc(cg, rc, "list members");
		return -1;
	}
	for (i = 0; i < ids.count; i++) {
		int64_t seq = cgrp_member_seq(ids.data[i]);
		if (!strcmp(ids.data[i], cg->member_id))
			found = 1;
		if (seq >= 0 && (best < 0 || seq < best)) {
			best = seq;
			leader = ids.data[i];
		}
	}
	if (!found) {
		/* Our member znode is gone (deleted by hand): start over. */
		cgrp_log(cg, FJ_LOG_WARNING, "member znode %s disappeared: rejoining",
		         cg->member_id);
		cgrp_owner_release_all(cg);
		free(cg->member_id);
		cg->member_id = NULL;
		deallocate_String_vector(&ids);
		return -1;
	}
	if (leader && !strcmp(leader, cg->member_id) && cgrp_leader_assign(cg, &ids) < 0)
		ret = -1;
	deallocate_String_vector(&ids);

	zkpath_group_sub(path, cg->group, "assignment");
	rc = zkutil_get(cg->zh, path, cgrp_watcher, cg, &buf, &len, &st);
	if (rc == ZNONODE) {
		/* Watch for its creation (a get on a missing znode sets none). */
		rc = zoo_wexists(cg->zh, path, cgrp_watcher, cg, &st);
		if (rc == ZOK)
			cg->next_retry_ms = fj_mono_ms(); /* created meanwhile */
		else if (rc != ZNONODE)
			cgrp_note_rc(cg, rc, "watch assignment");
		return rc == ZNONODE ? ret : -1;
	}
	if (rc != ZOK) {
		free(buf);
		cgrp_note_rc(cg, rc, "read assignment");
		return -1;
	}
	if (zkjson_group_assignment_decode(buf, (size_t)len, &ga, err, sizeof(err)) < 0) {
		cgrp_log(cg, FJ_LOG_WARNING, "ignoring malformed assignment: %s", err);
		free(buf);
		return ret;
	}
	free(buf);
	if (ga.generation != cg->generation)
		cgrp_log(cg, FJ_LOG_DEBUG, "generation %lld by %s (%s)", (long long)ga.generation,
		         ga.leader, ga.reason ? ga.reason : "no reason given");
	cg->generation = ga.generation;
	if (cgrp_owner_reconcile(cg, &ga) < 0)
		ret = -1;
	zkjson_group_assignment_clear(&ga);
	return ret;
}
