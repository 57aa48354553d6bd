/*
 * kgroup_zk.c — the Kafka group coordinator's ZooKeeper work: claiming a
 * group (the ephemeral /consumers/<g>/coordinator), writing its state and
 * generation, committing and reading offsets, and finding a group's
 * coordinator (kgroup.h has the model).
 *
 * Znodes (docs/zookeeper.md):
 *   /consumers/<g>/coordinator   ephemeral, JSON: {"version":1,"broker":2,
 *       "generation":7,"protocol_type":"consumer","protocol":"range",
 *       "leader":"<member>","members":[{"id":..,"client_id":..,"host":..,
 *       "assignment":{"t":[0,1]}}],"timestamp":"<ms>"}; assignment only for
 *       protocol_type "consumer" once the leader's SyncGroup gave one.
 *   /consumers/<g>/generation    persistent, decimal text: the last generation.
 *   /consumers/<g>/offsets/<t>/<p>  persistent, decimal text (shared with
 *       fjord's own groups).
 *
 * Every job runs on the zkb worker (zkb_submit_call: one at a time, in
 * submission order) and hands its result to the loop with loop_post; a
 * result for a group that was dropped meanwhile (another incarnation) is
 * ignored. Thread: the *_run functions on the zkb worker, the rest on the
 * loop.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "broker/broker.h"
#include "broker/kafka/kafka_group_codec.h"
#include "broker/kafka/kgroup.h"
#include "common/flog.h"
#include "common/numparse.h"
#include "common/zkacl.h"
#include "common/zkpath.h"
#include "common/zkutil.h"

enum { KGZ_CLAIM, KGZ_WRITE, KGZ_COMMIT, KGZ_FETCH, KGZ_LOOKUP };
enum { KGZ_CLAIMED, KGZ_OTHER, KGZ_NOBODY, KGZ_MIXED };

typedef struct kgz_job {
	int type;
	kgroup_mgr_t *m;
	char *group;
	uint64_t inc;
	int32_t broker_id;
	int zrc;
	/* claim */
	int may_create, result;
	int32_t other, gen, ver;
	/* write */
	char *json;
	int32_t expect_ver, new_gen;
	int answer_joins;
	/* commit, fetch */
	kg_req_t *r;
	kg_offset_t *o;
	int n, all, fenced;
	kgroup_offsets_done_fn *done;
	/* lookup */
	kgroup_find_done_fn *fdone;
	void *farg;
} kgz_job_t;

static void kgz_job_free(kgz_job_t *j)
{
	if (j->all && j->o) {
		for (int i = 0; i < j->n; i++)
			free(j->o[i].topic);
		free(j->o);
	}
	free(j->group);
	free(j->json);
	free(j);
}

/* ------------------------------------------------------------ worker */

/* The value of an offsets or generation znode (-1: absent); a Z code. */
static int kgz_read_num(zhandle_t *zh, const char *path, int64_t *out)
{
	char *buf = NULL;
	int len = 0, rc = zkutil_get(zh, path, NULL, NULL, &buf, &len, NULL);

	*out = -1;
	if (rc == ZOK &&
	    (!buf || num_parse_i64_blanks_n(buf, (size_t)len, 0, INT64_MAX, out) != 0)) {
		flog(LOG_WARNING, "kgroup", "%s: not a decimal number; taken as absent", path);
		*out = -1;
	}
	free(buf);
	return rc == ZNONODE ? ZOK : rc;
}

/* The broker and generation of a coordinator znode's JSON (-1: unreadable). */
static void kgz_parse_coord(const char *buf, int len, int32_t *broker, int32_t *gen)
{
	json_t *js = buf ? json_loadb(buf, (size_t)len, 0, NULL) : NULL;

	*broker = -1;
	*gen = 0;
	if (js) {
		json_t *b = json_object_get(js, "broker"), *g = json_object_get(js, "generation");
		if (json_is_integer(b))
			*broker = (int32_t)json_integer_value(b);
		if (json_is_integer(g))
			*gen = (int32_t)json_integer_value(g);
		json_decref(js);
	}
}

static int kgz_claim_run(zhandle_t *zh, void *arg)
{
	kgz_job_t *j = arg;
	char coord[ZKPATH_MAX], path[ZKPATH_MAX], json[256], ts[24], genbuf[24];
	int64_t gen;
	int rc;

	zkpath_group_sub(coord, j->group, "coordinator");
	for (int attempt = 0; attempt < 3; attempt++) {
		struct Stat st;
		char *buf = NULL;
		int len = 0;
		rc = zkutil_get(zh, coord, NULL, NULL, &buf, &len, &st);
		if (rc == ZOK) {
			int32_t broker, zgen;
			kgz_parse_coord(buf, len, &broker, &zgen);
			free(buf);
			if (broker == j->broker_id &&
			    st.ephemeralOwner == zoo_client_id(zh)->client_id) {
				/* Ours, of this session (a group dropped and routed again). */
				if ((rc = kgz_read_num(
				         zh, zkpath_group_sub(path, j->group, "generation"),
				         &gen)) != ZOK)
					return rc;
				j->gen = gen > zgen ? (int32_t)gen : zgen;
				j->ver = st.version;
				j->result = KGZ_CLAIMED;
			} else {
				j->other = broker;
				j->result = KGZ_OTHER;
			}
			return ZOK;
		}
		free(buf);
		if (rc != ZNONODE)
			return rc;
		if (!j->may_create) {
			j->result = KGZ_NOBODY;
			return ZOK;
		}
		{
			struct String_vector sv = { 0, NULL };
			rc = zkutil_children(zh, zkpath_group_sub(path, j->group, "ids"), NULL,
			                     NULL, &sv);
			if (rc == ZOK && sv.count > 0) {
				deallocate_String_vector(&sv);
				j->result = KGZ_MIXED;
				return ZOK;
			}
			if (rc == ZOK)
				deallocate_String_vector(&sv);
			else if (rc != ZNONODE)
				return rc;
		}
		if ((rc = zkutil_create_recursive(zh, zkpath_group(path, j->group), NULL, 0)) !=
		    ZOK)
			return rc;
		zkpath_group_sub(path, j->group, "generation");
		if ((rc = kgz_read_num(zh, path, &gen)) != ZOK)
			return rc;
		if (gen < 0 || gen > INT32_MAX - 1)
			gen = 0;
		snprintf(genbuf, sizeof(genbuf), "%" PRId64, gen);
		rc = zoo_create(zh, path, genbuf, (int)strlen(genbuf), zkacl_of(zh, path), 0, NULL,
		                0);
		if (rc != ZOK && rc != ZNODEEXISTS)
			return rc;
		snprintf(json, sizeof(json),
		         "{\"version\":1,\"broker\":%d,\"generation\":%d,\"protocol_type\":null,"
		         "\"protocol\":null,\"leader\":null,\"members\":[],\"timestamp\":\"%s\"}",
		         (int)j->broker_id, (int)gen, zkutil_timestamp(ts, sizeof(ts)));
		rc = zoo_create(zh, coord, json, (int)strlen(json), zkacl_of(zh, coord),
		                ZOO_EPHEMERAL, NULL, 0);
		if (rc == ZNODEEXISTS)
			continue; /* another broker was faster: read who */
		if (rc != ZOK)
			return rc;
		j->gen = (int32_t)gen;
		j->ver = 0;
		j->result = KGZ_CLAIMED;
		return ZOK;
	}
	return ZNODEEXISTS;
}

static int kgz_write_run(zhandle_t *zh, void *arg)
{
	kgz_job_t *j = arg;
	char coord[ZKPATH_MAX], gpath[ZKPATH_MAX], genbuf[16];
	zoo_op_t ops[2];
	zoo_op_result_t res[2];
	struct Stat st[2];

	zkpath_group_sub(coord, j->group, "coordinator");
	zkpath_group_sub(gpath, j->group, "generation");
	snprintf(genbuf, sizeof(genbuf), "%d", (int)j->new_gen);
	zoo_set_op_init(&ops[0], coord, j->json, (int)strlen(j->json), j->expect_ver, &st[0]);
	zoo_set_op_init(&ops[1], gpath, genbuf, (int)strlen(genbuf), -1, &st[1]);
	return zoo_multi(zh, 2, ops, res);
}

static int kgz_commit_run(zhandle_t *zh, void *arg)
{
	kgz_job_t *j = arg;
	int n = j->n, cnt, rc = ZOK;
	zoo_op_t *ops = calloc((size_t)n + 1, sizeof(*ops));
	zoo_op_result_t *res = calloc((size_t)n + 1, sizeof(*res));
	char(*paths)[ZKPATH_MAX] = calloc((size_t)n + 1, sizeof(*paths));
	char(*vals)[24] = calloc((size_t)n + 1, sizeof(*vals));
	char(*created)[ZKPATH_MAX] = calloc((size_t)n + 1, sizeof(*created));
	struct Stat *stats = calloc((size_t)n + 1, sizeof(*stats));
	int *idx = calloc((size_t)n + 1, sizeof(int));
	int *create = calloc((size_t)n + 1, sizeof(int));
	char coord[ZKPATH_MAX];

	if (!ops || !res || !paths || !vals || !created || !stats || !idx || !create) {
		rc = ZSYSTEMERROR;
		goto out;
	}
	zkpath_group_sub(coord, j->group, "coordinator");
	/* A failed multi names only its first failing op: each round fixes
	 * one partition (its offsets/<t> parent, or create instead of set). */
	for (int attempt = 0; attempt < 2 * n + 3; attempt++) {
		zoo_check_op_init(&ops[0], coord, j->expect_ver);
		cnt = 1;
		for (int i = 0; i < n; i++) {
			if (j->o[i].err)
				continue;
			zkpath_offset(paths[i], j->group, j->o[i].topic, j->o[i].partition);
			snprintf(vals[i], sizeof(vals[i]), "%" PRId64, j->o[i].offset);
			if (create[i])
				zoo_create_op_init(&ops[cnt], paths[i], vals[i],
				                   (int)strlen(vals[i]), zkacl_of(zh, paths[i]), 0,
				                   created[i], ZKPATH_MAX);
			else
				zoo_set_op_init(&ops[cnt], paths[i], vals[i], (int)strlen(vals[i]),
				                -1, &stats[i]);
			idx[cnt++] = i;
		}
		if (cnt == 1)
			break;
		rc = zoo_multi(zh, cnt, ops, res);
		if (rc == ZOK)
			break;
		if (res[0].err != ZOK && res[0].err != ZRUNTIMEINCONSISTENCY) {
			/* The coordinator znode is not the one this broker wrote. */
			j->fenced = 1;
			rc = ZBADVERSION;
			break;
		}
		{
			int fixed = 0;
			for (int k = 1; k < cnt; k++) {
				int i = idx[k];
				char parent[ZKPATH_MAX];
				if (res[k].err == ZNONODE) {
					create[i] = 1;
					zkutil_create_recursive(zh,
					                        zkpath_group_topic(parent, j->group,
					                                           "offsets",
					                                           j->o[i].topic),
					                        NULL, 0);
					fixed = 1;
				} else if (res[k].err == ZNODEEXISTS) {
					create[i] = 0;
					fixed = 1;
				}
			}
			if (!fixed)
				break;
		}
	}
out:
	free(ops);
	free(res);
	free(paths);
	free(vals);
	free(created);
	free(stats);
	free(idx);
	free(create);
	return rc;
}

/* Every committed partition of the group (OffsetFetch with null topics). */
static int kgz_fetch_all(zhandle_t *zh, kgz_job_t *j)
{
	struct String_vector topics = { 0, NULL };
	char path[ZKPATH_MAX];
	int rc =
	    zkutil_children(zh, zkpath_group_sub(path, j->group, "offsets"), NULL, NULL, &topics);

	j->o = NULL;
	j->n = 0;
	if (rc == ZNONODE)
		return ZOK;
	if (rc != ZOK)
		return rc;
	for (int t = 0; t < topics.count && rc == ZOK; t++) {
		struct String_vector parts = { 0, NULL };
		rc = zkutil_children(zh,
		                     zkpath_group_topic(path, j->group, "offsets", topics.data[t]),
		                     NULL, NULL, &parts);
		if (rc == ZNONODE) {
			rc = ZOK;
			continue;
		}
		if (rc != ZOK)
			break;
		for (int p = 0; p < parts.count; p++) {
			int32_t part;
			kg_offset_t *no;
			if (num_parse_i32(parts.data[p], 0, INT32_MAX, &part) != 0)
				continue;
			if (!(no = realloc(j->o, (size_t)(j->n + 1) * sizeof(*no)))) {
				rc = ZSYSTEMERROR;
				break;
			}
			j->o = no;
			memset(&j->o[j->n], 0, sizeof(j->o[j->n]));
			if (!(j->o[j->n].topic = strdup(topics.data[t]))) {
				rc = ZSYSTEMERROR;
				break;
			}
			j->o[j->n++].partition = part;
		}
		deallocate_String_vector(&parts);
	}
	deallocate_String_vector(&topics);
	return rc;
}

static int kgz_fetch_run(zhandle_t *zh, void *arg)
{
	kgz_job_t *j = arg;
	char path[ZKPATH_MAX];
	int rc;

	if (j->all && (rc = kgz_fetch_all(zh, j)) != ZOK)
		return rc;
	for (int i = 0; i < j->n; i++) {
		if (j->o[i].err)
			continue;
		rc = kgz_read_num(zh,
		                  zkpath_offset(path, j->group, j->o[i].topic, j->o[i].partition),
		                  &j->o[i].offset);
		if (rc != ZOK)
			return rc;
	}
	return ZOK;
}

static int kgz_lookup_run(zhandle_t *zh, void *arg)
{
	kgz_job_t *j = arg;
	char coord[ZKPATH_MAX], *buf = NULL;
	int len = 0, rc;
	int32_t gen;

	rc = zkutil_get(zh, zkpath_group_sub(coord, j->group, "coordinator"), NULL, NULL, &buf,
	                &len, NULL);
	j->other = -1;
	if (rc == ZOK)
		kgz_parse_coord(buf, len, &j->other, &gen);
	free(buf);
	return rc == ZNONODE ? ZOK : rc;
}

/* ------------------------------------------------------------ loop side */

static kgroup_t *kgz_group(kgz_job_t *j)
{
	kgroup_t *g = kgroup_find(j->m, j->group);
	return g && g->incarnation == j->inc ? g : NULL;
}

static void kgz_apply(void *arg)
{
	kgz_job_t *j = arg;
	kgroup_t *g = j->type == KGZ_LOOKUP ? NULL : kgz_group(j);
	char why[256];

	switch (j->type) {
	case KGZ_CLAIM:
		if (!g)
			break;
		g->loading = 0;
		if (j->zrc != ZOK) {
			snprintf(why, sizeof(why), "cannot claim it in ZooKeeper: %s",
			         zkutil_err2str(j->zrc));
			kgroup_drop(g, KAFKA_ERR_COORDINATOR_NOT_AVAILABLE, why);
		} else if (j->result == KGZ_MIXED) {
			flog(LOG_WARNING, "kgroup",
			     "group %s has fjord SDK members (/consumers/%s/ids): a Kafka client "
			     "cannot join it (INCONSISTENT_GROUP_PROTOCOL)",
			     j->group, j->group);
			g->loading = 1; /* no "dropped" line: it never was ours */
			kgroup_drop(g, KAFKA_ERR_INCONSISTENT_GROUP_PROTOCOL, NULL);
		} else if (j->result != KGZ_CLAIMED) {
			g->loading = 1;
			kgroup_drop(g, KAFKA_ERR_NOT_COORDINATOR, NULL);
		} else {
			g->generation = j->gen;
			g->zver = j->ver;
			flog(LOG_INFO, "kgroup",
			     "group %s: coordinated by this broker from generation %d", g->name,
			     (int)g->generation);
			kgroup_drain(g);
		}
		break;
	case KGZ_WRITE:
		if (!g)
			break;
		if (j->zrc != ZOK) {
			snprintf(why, sizeof(why), "writing its coordinator znode failed: %s",
			         zkutil_err2str(j->zrc));
			kgroup_drop(g, KAFKA_ERR_NOT_COORDINATOR, why);
			break;
		}
		if (j->answer_joins) {
			g->persisting = 0;
			for (kg_member_t *mb = g->members; mb; mb = mb->next)
				if (mb->join_wait)
					kafka_group_join_answer(g, mb, 0);
		}
		kgroup_drain(g);
		break;
	case KGZ_COMMIT:
	case KGZ_FETCH:
		j->r->zk = 0;
		if (j->r->slot)
			j->done(j->r, j->zrc, j->o, j->n);
		else
			kg_req_free(j->r);
		if (j->fenced && g) {
			snprintf(why, sizeof(why),
			         "an offset commit found its coordinator znode changed");
			kgroup_drop(g, KAFKA_ERR_NOT_COORDINATOR, why);
		}
		break;
	case KGZ_LOOKUP:
		j->fdone(j->other, j->zrc, j->farg);
		break;
	}
	kgz_job_free(j);
}

static void kgz_done(int zrc, int32_t new_version, void *arg)
{
	kgz_job_t *j = arg;

	(void)new_version;
	j->zrc = zrc;
	if (loop_post(j->m->b->loop, kgz_apply, j) == 0)
		return;
	/* A hand-off that carries state (docs/conventions.md). */
	flog(LOG_CRIT, "kgroup", "out of memory handing a group's ZooKeeper result to the loop");
	abort();
}

static kgz_job_t *kgz_job_new(kgroup_mgr_t *m, int type, const char *group, uint64_t inc)
{
	kgz_job_t *j = calloc(1, sizeof(*j));

	if (!j || !(j->group = strdup(group))) {
		free(j);
		return NULL;
	}
	j->type = type;
	j->m = m;
	j->inc = inc;
	j->broker_id = m->b->conf.broker_id;
	return j;
}

static int kgz_submit(kgz_job_t *j, zkb_call_fn *fn)
{
	if (!j->m->b->zkb || zkb_submit_call(j->m->b->zkb, fn, kgz_done, j) != 0)
		return -1;
	return 0;
}

void kgroup_claim(kgroup_t *g, int may_create)
{
	kgz_job_t *j = kgz_job_new(g->m, KGZ_CLAIM, g->name, g->incarnation);

	if (j)
		j->may_create = may_create;
	if (!j || kgz_submit(j, kgz_claim_run) != 0) {
		if (j)
			kgz_job_free(j);
		kgroup_drop(g, KAFKA_ERR_COORDINATOR_NOT_AVAILABLE,
		            "cannot reach ZooKeeper's worker (stopping, or out of memory)");
	}
}

/* ConsumerProtocol's assignment (version, [topic, [partition]], user
 * data) as {"topic":[partitions]}; NULL when it does not decode. */
static json_t *kgz_assignment_json(const uint8_t *buf, int32_t len)
{
	kgc_assignment_t as;
	arena_t ar;
	json_t *o = json_object();

	if (!o || !buf)
		return o;
	arena_init(&ar, 0);
	if (kgc_assignment(buf, len > 0 ? (size_t)len : 0, &ar, &as) != 0) {
		arena_free(&ar);
		json_decref(o);
		return NULL;
	}
	/* A topic named twice: its last entry stands, as before. */
	for (int32_t t = 0; t < as.n; t++) {
		json_t *a = json_array();
		for (int32_t p = 0; p < as.topics[t].n; p++)
			json_array_append_new(a, json_integer(as.topics[t].partitions[p]));
		json_object_set_new(o, as.topics[t].name, a);
	}
	arena_free(&ar);
	return o;
}

static char *kgroup_json(kgroup_t *g)
{
	json_t *js = json_object(), *ms = json_array();
	char ts[24], *s;
	int consumer = g->protocol_type && !strcmp(g->protocol_type, "consumer");

	json_object_set_new(js, "version", json_integer(1));
	json_object_set_new(js, "broker", json_integer(g->m->b->conf.broker_id));
	json_object_set_new(js, "generation", json_integer(g->generation));
	json_object_set_new(js, "state", json_string(kgroup_state_name(g->state)));
	json_object_set_new(js, "protocol_type",
	                    g->protocol_type ? json_string(g->protocol_type) : json_null());
	json_object_set_new(js, "protocol", g->protocol ? json_string(g->protocol) : json_null());
	json_object_set_new(js, "leader", g->leader ? json_string(g->leader) : json_null());
	for (kg_member_t *mb = g->members; mb; mb = mb->next) {
		json_t *m = json_object();
		json_object_set_new(m, "id", json_string(mb->id));
		json_object_set_new(m, "client_id", json_string(mb->client_id));
		json_object_set_new(m, "host", json_string(mb->host));
		if (consumer && mb->assign) {
			json_t *a = kgz_assignment_json(mb->assign, mb->assign_len);
			if (a)
				json_object_set_new(m, "assignment", a);
		}
		json_array_append_new(ms, m);
	}
	json_object_set_new(js, "members", ms);
	json_object_set_new(js, "timestamp", json_string(zkutil_timestamp(ts, sizeof(ts))));
	s = json_dumps(js, JSON_COMPACT);
	json_decref(js);
	return s;
}

void kgroup_write(kgroup_t *g, int then_answer_joins)
{
	kgz_job_t *j = kgz_job_new(g->m, KGZ_WRITE, g->name, g->incarnation);

	if (j) {
		j->json = kgroup_json(g);
		j->expect_ver = g->zver;
		j->new_gen = g->generation;
		j->answer_joins = then_answer_joins;
	}
	if (!j || !j->json || kgz_submit(j, kgz_write_run) != 0) {
		/* The group cannot be written: it is not safe to go on with it.
		 * It stays busy (requests queue) until the next cron drops it. */
		if (j)
			kgz_job_free(j);
		flog(LOG_WARNING, "kgroup", "group %s: cannot write its coordinator znode",
		     g->name);
		g->persisting = 1;
		g->doomed = 1;
		return;
	}
	g->zver++;
	if (then_answer_joins)
		g->persisting = 1;
}

int kgroup_commit(kgroup_t *g, kg_req_t *r, kg_offset_t *o, int n, kgroup_offsets_done_fn *done)
{
	kgz_job_t *j = kgz_job_new(g->m, KGZ_COMMIT, g->name, g->incarnation);

	if (!j)
		return -1;
	j->r = r;
	j->o = o;
	j->n = n;
	j->done = done;
	j->expect_ver = g->zver;
	r->zk = 1;
	if (kgz_submit(j, kgz_commit_run) != 0) {
		r->zk = 0;
		kgz_job_free(j);
		return -1;
	}
	return 0;
}

int kgroup_fetch(kgroup_mgr_t *m, const char *group, kg_req_t *r, kg_offset_t *o, int n, int all,
                 kgroup_offsets_done_fn *done)
{
	kgz_job_t *j = kgz_job_new(m, KGZ_FETCH, group, 0);

	if (!j)
		return -1;
	j->r = r;
	j->o = o;
	j->n = n;
	j->all = all;
	j->done = done;
	r->zk = 1;
	if (kgz_submit(j, kgz_fetch_run) != 0) {
		r->zk = 0;
		kgz_job_free(j);
		return -1;
	}
	return 0;
}

int kgroup_lookup(kgroup_mgr_t *m, const char *name, kgroup_find_done_fn *done, void *arg)
{
	kgz_job_t *j = kgz_job_new(m, KGZ_LOOKUP, name, 0);

	if (!j)
		return -1;
	j->fdone = done;
	j->farg = arg;
	if (kgz_submit(j, kgz_lookup_run) != 0) {
		kgz_job_free(j);
		return -1;
	}
	return 0;
}
