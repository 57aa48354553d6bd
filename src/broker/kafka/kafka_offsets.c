/*
 * kafka_offsets.c — Kafka's OffsetCommit 0-7 and OffsetFetch 1-5 for the
 * group coordinator: committed offsets live in the same
 * /consumers/<g>/offsets/<t>/<p> znodes (decimal text) as fjord SDK
 * groups', so the CLI, zkCli and both kinds of client read one truth.
 *
 * The bodies are decoded by kafka_group_codec.c.
 * OffsetCommit req: group, generation (v1+), member_id (v1+),
 *   group_instance_id (v7), retention_time_ms (v2-4), topics [name,
 *   partitions [partition, offset, timestamp (v1), leader_epoch (v6+),
 *   metadata]]; resp: throttle (v3+), topics [name, partitions [partition,
 *   error]].
 * OffsetFetch req: group, topics [name, partitions [partition]] (v2+: null
 *   topics = every committed partition); resp: throttle (v3+), topics [name,
 *   partitions [partition, offset, leader_epoch (v5), metadata, error]],
 *   error (v2+).
 *
 * A commit is accepted from a member of the current generation (else
 * UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION; REBALANCE_IN_PROGRESS while the
 * group waits for the leader's assignments), or, with generation -1 and
 * no member id, when the group has no members (a "simple" commit, as
 * Kafka). It is one ZooKeeper multi-op that also checks the coordinator
 * znode's version: a deposed coordinator cannot write. Retention, commit
 * timestamps, leader epochs and metadata strings are accepted and ignored
 * (OffsetFetch answers leader epoch -1 and an empty metadata string).
 * Read on the group, and Read on each partition's topic
 * (TOPIC_AUTHORIZATION_FAILED for that partition) are required.
 *
 * Thread: loop thread.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "broker/authz.h"
#include "broker/broker.h"
#include "broker/kafka/kafka.h"
#include "broker/kafka/kafka_group_codec.h"
#include "broker/kafka/kgroup.h"
#include "common/flog.h"

typedef struct kg_offsets {
	char *group, *member_id;
	int32_t generation;
	int all; /* OffsetFetch with null topics */
	int n;
	kg_offset_t *o;
} kg_offsets_t;

/* Writes topics [name, partitions [...]] grouping consecutive entries of
 * one topic (the request's order keeps them together). */
static void kg_offsets_write(kg_req_t *r, const kg_offset_t *o, int n, int16_t err_all, int fetch)
{
	kw_writer_t w;
	size_t tpos = 0, ppos = 0;
	int32_t tcnt = 0, pcnt = 0;
	const char *cur = NULL;

	kww_init(&w);
	if (r->version >= 3)
		kww_i32(&w, 0);
	tpos = kww_reserve32(&w);
	for (int i = 0; i < n; i++) {
		/* A partition's own refusal (authorization) comes first, as
		 * Kafka filters those before the group's checks. */
		int16_t err = o[i].err ? o[i].err : err_all;
		if (!cur || strcmp(cur, o[i].topic)) {
			if (cur)
				kww_patch32(&w, ppos, pcnt);
			cur = o[i].topic;
			kww_str(&w, cur);
			ppos = kww_reserve32(&w);
			pcnt = 0;
			tcnt++;
		}
		kww_i32(&w, o[i].partition);
		if (fetch) {
			kww_i64(&w, err ? -1 : o[i].offset);
			if (r->version >= 5)
				kww_i32(&w, -1);
			kww_str(&w, "");
		}
		kww_i16(&w, err);
		pcnt++;
	}
	if (cur)
		kww_patch32(&w, ppos, pcnt);
	kww_patch32(&w, tpos, tcnt);
	if (fetch && r->version >= 2)
		kww_i16(&w, err_all);
	kg_req_answer(r, &w);
	kww_free(&w);
}

static int16_t kg_zrc_err(int zrc)
{
	return zrc == ZOK ? 0 : KAFKA_ERR_COORDINATOR_NOT_AVAILABLE;
}

/* ------------------------------------------------------------ OffsetCommit */

static void kg_commit_done(kg_req_t *r, int zrc, kg_offset_t *o, int n)
{
	if (zrc == ZBADVERSION || zrc == ZSESSIONEXPIRED) {
		/* The coordinator znode changed under us, or went with the
		 * session: not ours any more. */
		kg_offsets_write(r, o, n, KAFKA_ERR_NOT_COORDINATOR, 0);
		return;
	}
	if (zrc != ZOK)
		flog(LOG_WARNING, "kgroup", "offset commit: ZooKeeper: %s", zkutil_err2str(zrc));
	for (int i = 0; i < n; i++)
		if (!o[i].err)
			o[i].err = kg_zrc_err(zrc);
	kg_offsets_write(r, o, n, 0, 0);
}

static void kg_commit_run(kg_req_t *r, kgroup_t *g, int16_t err)
{
	kg_offsets_t *ob = r->body;
	kg_member_t *mb;
	int simple = ob->generation < 0 && !ob->member_id[0];

	if (err) {
		kg_offsets_write(r, ob->o, ob->n, err, 0);
		return;
	}
	if (simple && g->members)
		err = KAFKA_ERR_UNKNOWN_MEMBER_ID; /* the group is in use */
	else if (!simple && !(mb = kgroup_member(g, ob->member_id)))
		err = KAFKA_ERR_UNKNOWN_MEMBER_ID;
	else if (!simple && ob->generation != g->generation)
		err = KAFKA_ERR_ILLEGAL_GENERATION;
	else if (!simple && g->state == KG_COMPLETING)
		err = KAFKA_ERR_REBALANCE_IN_PROGRESS;
	else if (!simple)
		kgroup_member_touch(mb);
	if (err) {
		kg_offsets_write(r, ob->o, ob->n, err, 0);
		return;
	}
	if (kgroup_commit(g, r, ob->o, ob->n, kg_commit_done) != 0)
		kg_offsets_write(r, ob->o, ob->n, KAFKA_ERR_COORDINATOR_NOT_AVAILABLE, 0);
}

/* Marks partitions the principal may not Read, or the cluster does not
 * have (a commit only). */
static void kg_offsets_check(kreq_t *rq, kg_offsets_t *ob, int commit)
{
	broker_t *b = rq->c->b;

	for (int i = 0; i < ob->n; i++) {
		kg_offset_t *o = &ob->o[i];
		const cview_topic_t *t;
		if (!authz_topic(rq->c, o->topic, ACL_OP_READ))
			o->err = FJORD__ERROR_CODE__TOPIC_AUTHORIZATION_FAILED;
		else if (commit && (!b->cv || !(t = cview_topic(b->cv, o->topic)) ||
		                    o->partition < 0 || o->partition >= t->partition_cnt))
			o->err = FJORD__ERROR_CODE__UNKNOWN_TOPIC_OR_PARTITION;
		else if (commit && o->offset < 0)
			o->err = FJORD__ERROR_CODE__OFFSET_OUT_OF_RANGE;
	}
}

/* Decodes the body (kafka_group_codec.c) into ob in r's arena. 0, or -1
 * with what did not decode in *what. */
static int kg_offsets_parse(kreq_t *rq, kg_req_t *r, kg_offsets_t *ob, int commit,
                            const char **what)
{
	kgc_offsets_t d;
	int rc = commit ? kgc_offset_commit(rq->api_version, &rq->body, &r->ar, &d)
	                : kgc_offset_fetch(rq->api_version, &rq->body, &r->ar, &d);

	*what = d.what;
	if (rc != 0)
		return -1;
	ob->group = d.group;
	ob->member_id = d.member_id;
	ob->generation = d.generation;
	ob->all = d.all;
	ob->n = d.n;
	if (!(ob->o = arena_calloc(&r->ar, (size_t)d.n + 1, sizeof(*ob->o)))) {
		*what = "out of memory";
		return -1;
	}
	for (int i = 0; i < d.n; i++) {
		ob->o[i].topic = d.o[i].topic;
		ob->o[i].partition = d.o[i].partition;
		ob->o[i].offset = d.o[i].offset;
	}
	return 0;
}

int kafka_offset_commit(kreq_t *rq)
{
	kg_req_t *r = kg_req_new(rq, kg_commit_run);
	const char *what = "out of memory";
	kg_offsets_t *ob;

	if (!r)
		return -1;
	if (!(ob = arena_calloc(&r->ar, 1, sizeof(*ob))))
		goto bad;
	r->body = ob;
	if (kg_offsets_parse(rq, r, ob, 1, &what) != 0)
		goto bad;
	if (!authz_allowed(rq->c, ACL_RES_GROUP, ob->group, ACL_OP_READ, 0)) {
		kg_offsets_write(r, ob->o, ob->n, FJORD__ERROR_CODE__GROUP_AUTHORIZATION_FAILED, 0);
		return 0;
	}
	kg_offsets_check(rq, ob, 1);
	kgroup_route(r->m, ob->group, r);
	return 0;
bad:
	kg_req_free(r);
	return kafka_bad_request(rq, what);
}

/* ------------------------------------------------------------ OffsetFetch */

static void kg_fetch_done(kg_req_t *r, int zrc, kg_offset_t *o, int n)
{
	kg_offsets_t *ob = r->body;

	if (zrc != ZOK) {
		flog(LOG_WARNING, "kgroup", "offset fetch for group %s: ZooKeeper: %s", ob->group,
		     zkutil_err2str(zrc));
		if (r->version >= 2) {
			kg_offsets_write(r, ob->all ? NULL : o, ob->all ? 0 : n,
			                 KAFKA_ERR_COORDINATOR_NOT_AVAILABLE, 1);
			return;
		}
		for (int i = 0; i < n; i++)
			o[i].err = KAFKA_ERR_COORDINATOR_NOT_AVAILABLE;
		kg_offsets_write(r, o, n, 0, 1);
		return;
	}
	if (ob->all) {
		/* Every committed partition the principal may describe. */
		kg_offset_t *keep = arena_calloc(&r->ar, (size_t)n + 1, sizeof(*keep));
		int k = 0;
		if (!keep) {
			kg_offsets_write(r, NULL, 0, KAFKA_ERR_COORDINATOR_NOT_AVAILABLE, 1);
			return;
		}
		for (int i = 0; i < n; i++) {
			if (o[i].offset < 0 || !authz_allowed(r->slot->conn, ACL_RES_TOPIC,
			                                      o[i].topic, ACL_OP_DESCRIBE, 1))
				continue;
			keep[k] = o[i];
			keep[k].topic = arena_strdup(&r->ar, o[i].topic);
			if (!keep[k].topic)
				continue;
			k++;
		}
		kg_offsets_write(r, keep, k, 0, 1);
		return;
	}
	kg_offsets_write(r, o, n, 0, 1);
}

static void kg_fetch_run(kg_req_t *r, kgroup_t *g, int16_t err)
{
	kg_offsets_t *ob = r->body;

	if (err) {
		if (r->version >= 2)
			kg_offsets_write(r, ob->all ? NULL : ob->o, ob->all ? 0 : ob->n, err, 1);
		else {
			for (int i = 0; i < ob->n; i++)
				ob->o[i].err = err;
			kg_offsets_write(r, ob->o, ob->n, 0, 1);
		}
		return;
	}
	if (kgroup_fetch(r->m, g->name, r, ob->o, ob->n, ob->all, kg_fetch_done) != 0)
		kg_fetch_run(r, NULL, KAFKA_ERR_COORDINATOR_NOT_AVAILABLE);
}

int kafka_offset_fetch(kreq_t *rq)
{
	kg_req_t *r = kg_req_new(rq, kg_fetch_run);
	const char *what = "out of memory";
	kg_offsets_t *ob;

	if (!r)
		return -1;
	if (!(ob = arena_calloc(&r->ar, 1, sizeof(*ob))))
		goto bad;
	r->body = ob;
	if (kg_offsets_parse(rq, r, ob, 0, &what) != 0)
		goto bad;
	if (!authz_allowed(rq->c, ACL_RES_GROUP, ob->group, ACL_OP_READ, 0)) {
		kg_fetch_run(r, NULL, FJORD__ERROR_CODE__GROUP_AUTHORIZATION_FAILED);
		return 0;
	}
	kg_offsets_check(rq, ob, 0);
	kgroup_route(r->m, ob->group, r);
	return 0;
bad:
	kg_req_free(r);
	return kafka_bad_request(rq, what);
}
