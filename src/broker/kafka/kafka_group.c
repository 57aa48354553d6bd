/*
 * kafka_group.c — Kafka's group coordinator APIs: FindCoordinator 0-2,
 * JoinGroup 0-5, SyncGroup 0-3, Heartbeat 0-3, LeaveGroup 0-1,
 * ListGroups 0, DescribeGroups 0 (native: bodies decoded by
 * kafka_group_codec.c, answered with kafka_respond; the groups themselves
 * are kgroup.c's).
 *
 * Each group request is parsed whole at dispatch (a body that does not
 * decode closes the connection), authorized (Read on the group; Describe
 * for FindCoordinator and DescribeGroups; GROUP_AUTHORIZATION_FAILED
 * otherwise, as Kafka), then routed to its group: run at once, or queued
 * while the group is being claimed or its new generation written. Its
 * answer comes in request order like every slot's.
 *
 * Layouts (non-flexible; throttle_time_ms first where the version has it):
 *   JoinGroup  req: group, session_timeout_ms, rebalance_timeout_ms (v1+),
 *              member_id, group_instance_id (v5), protocol_type,
 *              protocols [name, metadata]
 *              resp: throttle (v2+), error, generation, protocol, leader,
 *              member_id, members [id, group_instance_id (v5), metadata]
 *   SyncGroup  req: group, generation, member_id, group_instance_id (v3),
 *              assignments [member_id, assignment]
 *              resp: throttle (v1+), error, assignment
 *   Heartbeat  req: group, generation, member_id, group_instance_id (v3)
 *              resp: throttle (v1+), error
 *   LeaveGroup req: group, member_id; resp: throttle (v1), error
 *   FindCoordinator req: key, key_type (v1+); resp: throttle (v1+), error,
 *              error_message (v1+), node_id, host, port
 *   ListGroups resp: error, groups [group, protocol_type]
 *   DescribeGroups req: groups; resp: groups [error, group, state,
 *              protocol_type, protocol, members [id, client_id, host,
 *              metadata, assignment]]
 *
 * group.instance.id (static membership) is accepted and echoed, not acted
 * on: such a member is a dynamic one.
 *
 * Thread: loop thread.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "broker/authz.h"
#include "broker/broker.h"
#include "broker/kafka/kafka.h"
#include "broker/kafka/kafka_group_codec.h"
#include "broker/kafka/kgroup.h"
#include "common/bytes.h"
#include "common/flog.h"

/* ------------------------------------------------------------ helpers */

static void kg_answer_error_only(kg_req_t *r, int throttle, int16_t err)
{
	kw_writer_t w;

	kww_init(&w);
	if (throttle)
		kww_i32(&w, 0);
	kww_i16(&w, err);
	kg_req_answer(r, &w);
	kww_free(&w);
}

static int kg_group_allowed(kreq_t *rq, const char *group, acl_op_t op)
{
	return authz_allowed(rq->c, ACL_RES_GROUP, group, op, 0);
}

/* ------------------------------------------------------------ JoinGroup */

/* The body, decoded in the request's arena (kafka_group_codec.h). */
typedef kgc_join_t kg_join_t;

static void kg_join_write(kg_req_t *r, int16_t err, int32_t gen, const char *proto,
                          const char *leader, const char *member_id, kgroup_t *g)
{
	kw_writer_t w;
	size_t cnt_pos;
	int32_t cnt = 0;

	kww_init(&w);
	if (r->version >= 2)
		kww_i32(&w, 0);
	kww_i16(&w, err);
	kww_i32(&w, gen);
	kww_str(&w, proto ? proto : "");
	kww_str(&w, leader ? leader : "");
	kww_str(&w, member_id ? member_id : "");
	cnt_pos = kww_reserve32(&w);
	if (g && leader && !strcmp(leader, member_id)) {
		for (kg_member_t *mb = g->members; mb; mb = mb->next) {
			int k;
			for (k = 0; k < mb->proto_cnt && strcmp(mb->proto_names[k], g->protocol);
			     k++)
				;
			kww_str(&w, mb->id);
			if (r->version >= 5)
				kww_str(&w, mb->instance_id);
			if (k < mb->proto_cnt)
				kww_bytes(&w, mb->proto_meta[k], mb->proto_len[k]);
			else
				kww_bytes(&w, "", 0);
			cnt++;
		}
	}
	kww_patch32(&w, cnt_pos, cnt);
	kg_req_answer(r, &w);
	kww_free(&w);
}

void kafka_group_join_answer(kgroup_t *g, kg_member_t *mb, int16_t err)
{
	kg_req_t *r = mb->join_wait;

	if (!r)
		return;
	mb->join_wait = NULL;
	r->waiter = NULL;
	kgroup_member_touch(mb);
	if (err)
		kg_join_write(r, err, -1, "", "", mb->id, NULL);
	else
		kg_join_write(r, 0, g->generation, g->protocol, g->leader, mb->id, g);
}

/* client_id + "-" + a random UUID (version 4 layout). */
static char *kg_new_member_id(const char *client_id)
{
	uint8_t u[16];
	char *id;
	size_t n = strlen(client_id) + 38;

	if (getrandom(u, sizeof(u), 0) != (ssize_t)sizeof(u)) {
		static uint64_t seq;
		uint64_t a = (uint64_t)fj_mono_us() ^ ((uint64_t)getpid() << 32), b2 = ++seq;
		memcpy(u, &a, 8);
		memcpy(u + 8, &b2, 8);
	}
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
	if (!(id = malloc(n)))
		return NULL;
	snprintf(id, n, "%s-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         client_id, u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10],
	         u[11], u[12], u[13], u[14], u[15]);
	return id;
}

static int kg_protocols_equal(const kg_member_t *mb, const kg_join_t *jb)
{
	if (mb->proto_cnt != jb->proto_cnt)
		return 0;
	for (int i = 0; i < mb->proto_cnt; i++)
		if (strcmp(mb->proto_names[i], jb->names[i]) || mb->proto_len[i] != jb->lens[i] ||
		    memcmp(mb->proto_meta[i], jb->meta[i], (size_t)jb->lens[i]))
			return 0;
	return 1;
}

/* Replaces a member's protocols with the join's. */
static void kg_member_set_protocols(kg_member_t *mb, const kg_join_t *jb)
{
	for (int i = 0; i < mb->proto_cnt; i++) {
		free(mb->proto_names[i]);
		free(mb->proto_meta[i]);
	}
	free(mb->proto_names);
	free(mb->proto_meta);
	free(mb->proto_len);
	mb->proto_cnt = jb->proto_cnt;
	mb->proto_names = calloc((size_t)jb->proto_cnt, sizeof(char *));
	mb->proto_meta = calloc((size_t)jb->proto_cnt, sizeof(uint8_t *));
	mb->proto_len = calloc((size_t)jb->proto_cnt, sizeof(int32_t));
	if (!mb->proto_names || !mb->proto_meta || !mb->proto_len)
		goto oom;
	for (int i = 0; i < jb->proto_cnt; i++) {
		mb->proto_names[i] = strdup(jb->names[i]);
		mb->proto_meta[i] = malloc(jb->lens[i] > 0 ? (size_t)jb->lens[i] : 1);
		if (!mb->proto_names[i] || !mb->proto_meta[i])
			goto oom;
		memcpy(mb->proto_meta[i], jb->meta[i], (size_t)jb->lens[i]);
		mb->proto_len[i] = jb->lens[i];
	}
	return;
oom:
	/* The broker may abort on out-of-memory (STYLE.md). */
	flog(LOG_CRIT, "kgroup", "out of memory storing a member's protocols");
	abort();
}

/* Does every current member support one of the join's protocols? */
static int kg_protocols_fit(kgroup_t *g, const kg_join_t *jb, const kg_member_t *self)
{
	for (int i = 0; i < jb->proto_cnt; i++) {
		int all = 1;
		for (kg_member_t *mb = g->members; mb && all; mb = mb->next) {
			int has = 0;
			if (mb == self)
				continue;
			for (int k = 0; k < mb->proto_cnt && !has; k++)
				has = !strcmp(mb->proto_names[k], jb->names[i]);
			all = has;
		}
		if (all)
			return 1;
	}
	return 0;
}

static kg_member_t *kg_member_add(kgroup_t *g, kg_req_t *r, const kg_join_t *jb, char *id)
{
	kg_member_t *mb = calloc(1, sizeof(*mb));

	if (!mb || !(mb->client_id = strdup(r->client_id)) || !(mb->host = strdup(r->host)) ||
	    (jb->instance_id && !(mb->instance_id = strdup(jb->instance_id)))) {
		flog(LOG_CRIT, "kgroup", "out of memory adding a group member");
		abort();
	}
	mb->id = id;
	mb->session_ms = jb->session_ms;
	mb->rebalance_ms = jb->rebalance_ms;
	kg_member_set_protocols(mb, jb);
	kgroup_member_touch(mb);
	/* Appended: the first member to join leads. */
	kg_member_t **pp = &g->members;
	while (*pp)
		pp = &(*pp)->next;
	*pp = mb;
	g->member_cnt++;
	if (!g->protocol_type && !(g->protocol_type = strdup(jb->protocol_type))) {
		flog(LOG_CRIT, "kgroup", "out of memory adding a group member");
		abort();
	}
	flog(LOG_INFO, "kgroup", "group %s: member %s (client %s, %s) joins", g->name, id,
	     r->client_id, r->host);
	return mb;
}

static void kg_park_join(kg_member_t *mb, kg_req_t *r)
{
	if (mb->join_wait) /* an earlier join of the same member: superseded */
		kafka_group_join_answer(NULL, mb, KAFKA_ERR_UNKNOWN_MEMBER_ID);
	mb->join_wait = r;
	r->waiter = mb;
}

static int kg_pending_take(kgroup_t *g, const char *id)
{
	for (kg_pending_t **pp = &g->pending; *pp; pp = &(*pp)->next) {
		kg_pending_t *p = *pp;
		if (!strcmp(p->id, id)) {
			*pp = p->next;
			g->pending_cnt--;
			free(p->id);
			free(p);
			return 1;
		}
	}
	return 0;
}

static void kg_join_run(kg_req_t *r, kgroup_t *g, int16_t err)
{
	kg_join_t *jb = r->body;
	broker_t *b = r->m->b;
	kg_member_t *mb;

	if (err) {
		kg_join_write(r, err, -1, "", "", jb->member_id, NULL);
		return;
	}
	if (jb->session_ms < b->conf.group_min_session_timeout_ms ||
	    jb->session_ms > b->conf.group_max_session_timeout_ms) {
		kg_join_write(r, KAFKA_ERR_INVALID_SESSION_TIMEOUT, -1, "", "", jb->member_id,
		              NULL);
		return;
	}
	if (!jb->protocol_type[0] || jb->proto_cnt <= 0 ||
	    (g->members && (strcmp(g->protocol_type ? g->protocol_type : "", jb->protocol_type) ||
	                    !kg_protocols_fit(g, jb, kgroup_member(g, jb->member_id))))) {
		flog(LOG_INFO, "kgroup",
		     "group %s: join from %s refused: protocol type %s or its protocols do not "
		     "match "
		     "the group's",
		     g->name, r->host, jb->protocol_type);
		kg_join_write(r, KAFKA_ERR_INCONSISTENT_GROUP_PROTOCOL, -1, "", "", jb->member_id,
		              NULL);
		return;
	}
	if (!jb->member_id[0] || kg_pending_take(g, jb->member_id)) {
		char *id;
		int known = jb->member_id[0] != 0;
		if (!known && g->member_cnt + g->pending_cnt >= b->conf.group_max_size) {
			flog(LOG_INFO, "kgroup",
			     "group %s: join from %s refused: group.max.size %d reached", g->name,
			     r->host, b->conf.group_max_size);
			kg_join_write(r, KAFKA_ERR_GROUP_MAX_SIZE_REACHED, -1, "", "", "", NULL);
			return;
		}
		id = known ? strdup(jb->member_id) : kg_new_member_id(r->client_id);
		if (!id) {
			flog(LOG_CRIT, "kgroup", "out of memory making a member id");
			abort();
		}
		if (!known && r->version >= 4) {
			/* KIP-394: the member id first, the join with it next. */
			kg_pending_t *p = calloc(1, sizeof(*p));
			if (!p) {
				flog(LOG_CRIT, "kgroup", "out of memory making a member id");
				abort();
			}
			p->id = id;
			p->expires_ms = fj_mono_ms() + jb->session_ms;
			p->next = g->pending;
			g->pending = p;
			g->pending_cnt++;
			kg_join_write(r, KAFKA_ERR_MEMBER_ID_REQUIRED, -1, "", "", id, NULL);
			return;
		}
		mb = kg_member_add(g, r, jb, id);
		kg_park_join(mb, r);
		if (g->state == KG_PREPARING)
			kgroup_check_join(g);
		else
			kgroup_prepare(g, "a member joined");
		return;
	}
	if (!(mb = kgroup_member(g, jb->member_id))) {
		kg_join_write(r, KAFKA_ERR_UNKNOWN_MEMBER_ID, -1, "", "", jb->member_id, NULL);
		return;
	}
	mb->session_ms = jb->session_ms;
	mb->rebalance_ms = jb->rebalance_ms;
	if ((g->state == KG_STABLE || g->state == KG_COMPLETING) && kg_protocols_equal(mb, jb) &&
	    (g->state == KG_COMPLETING || strcmp(g->leader, mb->id))) {
		/* Nothing changed: the current generation again. */
		kgroup_member_touch(mb);
		kg_join_write(r, 0, g->generation, g->protocol, g->leader, mb->id, g);
		return;
	}
	kg_member_set_protocols(mb, jb);
	kg_park_join(mb, r);
	if (g->state == KG_PREPARING)
		kgroup_check_join(g);
	else
		kgroup_prepare(g, "a member rejoined with new metadata");
}

int kafka_join_group(kreq_t *rq)
{
	kg_req_t *r = kg_req_new(rq, kg_join_run);
	const char *what = "out of memory";
	kg_join_t *jb;

	if (!r)
		return -1;
	if (!(jb = arena_calloc(&r->ar, 1, sizeof(*jb))))
		goto bad;
	r->body = jb;
	if (kgc_join_group(rq->api_version, &rq->body, &r->ar, jb) != 0) {
		what = jb->what;
		goto bad;
	}
	if (!kg_group_allowed(rq, jb->group, ACL_OP_READ)) {
		kg_join_write(r, FJORD__ERROR_CODE__GROUP_AUTHORIZATION_FAILED, -1, "", "",
		              jb->member_id, NULL);
		return 0;
	}
	if (!jb->group[0]) {
		kg_join_write(r, KAFKA_ERR_INVALID_GROUP_ID, -1, "", "", jb->member_id, NULL);
		return 0;
	}
	kgroup_route(r->m, jb->group, r);
	return 0;
bad:
	kg_req_free(r);
	return kafka_bad_request(rq, what);
}

/* ------------------------------------------------------------ SyncGroup */

typedef kgc_sync_t kg_sync_t;

static void kg_sync_write(kg_req_t *r, int16_t err, const uint8_t *a, int32_t len)
{
	kw_writer_t w;

	kww_init(&w);
	if (r->version >= 1)
		kww_i32(&w, 0);
	kww_i16(&w, err);
	kww_bytes(&w, a && !err ? a : (const uint8_t *)"", a && !err ? len : 0);
	kg_req_answer(r, &w);
	kww_free(&w);
}

void kafka_group_sync_answer(kg_member_t *mb, int16_t err)
{
	kg_req_t *r = mb->sync_wait;

	if (!r)
		return;
	mb->sync_wait = NULL;
	r->waiter = NULL;
	kg_sync_write(r, err, mb->assign, mb->assign_len);
}

static void kg_sync_run(kg_req_t *r, kgroup_t *g, int16_t err)
{
	kg_sync_t *sb = r->body;
	kg_member_t *mb;

	if (err || !(mb = kgroup_member(g, sb->member_id))) {
		kg_sync_write(r, err ? err : KAFKA_ERR_UNKNOWN_MEMBER_ID, NULL, 0);
		return;
	}
	if (sb->generation != g->generation) {
		kg_sync_write(r, KAFKA_ERR_ILLEGAL_GENERATION, NULL, 0);
		return;
	}
	kgroup_member_touch(mb);
	if (g->state == KG_PREPARING) {
		kg_sync_write(r, KAFKA_ERR_REBALANCE_IN_PROGRESS, NULL, 0);
		return;
	}
	if (g->state == KG_STABLE) {
		kg_sync_write(r, 0, mb->assign, mb->assign_len);
		return;
	}
	/* CompletingRebalance: wait for the leader's assignments. */
	if (mb->sync_wait)
		kafka_group_sync_answer(mb, KAFKA_ERR_REBALANCE_IN_PROGRESS);
	mb->sync_wait = r;
	r->waiter = mb;
	if (!g->leader || strcmp(g->leader, mb->id))
		return;
	for (int32_t i = 0; i < sb->cnt; i++) {
		kg_member_t *to = kgroup_member(g, sb->ids[i]);
		if (!to)
			continue;
		free(to->assign);
		to->assign = malloc(sb->lens[i] > 0 ? (size_t)sb->lens[i] : 1);
		if (!to->assign) {
			flog(LOG_CRIT, "kgroup", "out of memory storing an assignment");
			abort();
		}
		memcpy(to->assign, sb->assign[i], (size_t)sb->lens[i]);
		to->assign_len = sb->lens[i];
	}
	g->state = KG_STABLE;
	flog(LOG_INFO, "kgroup", "group %s: stable at generation %d (%d members)", g->name,
	     (int)g->generation, g->member_cnt);
	for (kg_member_t *m2 = g->members; m2; m2 = m2->next)
		kafka_group_sync_answer(m2, 0);
	kgroup_write(g, 0);
}

int kafka_sync_group(kreq_t *rq)
{
	kg_req_t *r = kg_req_new(rq, kg_sync_run);
	const char *what = "out of memory";
	kg_sync_t *sb;

	if (!r)
		return -1;
	if (!(sb = arena_calloc(&r->ar, 1, sizeof(*sb))))
		goto bad;
	r->body = sb;
	if (kgc_sync_group(rq->api_version, &rq->body, &r->ar, sb) != 0) {
		what = sb->what;
		goto bad;
	}
	if (!kg_group_allowed(rq, sb->group, ACL_OP_READ)) {
		kg_sync_write(r, FJORD__ERROR_CODE__GROUP_AUTHORIZATION_FAILED, NULL, 0);
		return 0;
	}
	kgroup_route(r->m, sb->group, r);
	return 0;
bad:
	kg_req_free(r);
	return kafka_bad_request(rq, what);
}

/* ------------------------------------------------------------ Heartbeat, LeaveGroup */

typedef kgc_member_t kg_member_req_t;

static void kg_heartbeat_run(kg_req_t *r, kgroup_t *g, int16_t err)
{
	kg_member_req_t *hb = r->body;
	kg_member_t *mb = NULL;

	if (!err && !(mb = kgroup_member(g, hb->member_id)))
		err = KAFKA_ERR_UNKNOWN_MEMBER_ID;
	else if (!err && hb->generation != g->generation)
		err = KAFKA_ERR_ILLEGAL_GENERATION;
	else if (!err) {
		kgroup_member_touch(mb);
		if (g->state == KG_PREPARING)
			err = KAFKA_ERR_REBALANCE_IN_PROGRESS;
	}
	kg_answer_error_only(r, r->version >= 1, err);
}

static void kg_leave_run(kg_req_t *r, kgroup_t *g, int16_t err)
{
	kg_member_req_t *lb = r->body;
	kg_member_t *mb = NULL;

	if (!err && !(mb = kgroup_member(g, lb->member_id)) && !kg_pending_take(g, lb->member_id))
		err = KAFKA_ERR_UNKNOWN_MEMBER_ID;
	if (!err && mb)
		kgroup_remove_member(g, mb, "left the group (LeaveGroup)");
	kg_answer_error_only(r, r->version >= 1, err);
}

static int kg_member_request(kreq_t *rq, kg_run_fn *run, int has_gen)
{
	kg_req_t *r = kg_req_new(rq, run);
	const char *what = "out of memory";
	kg_member_req_t *mr;

	if (!r)
		return -1;
	if (!(mr = arena_calloc(&r->ar, 1, sizeof(*mr))))
		goto bad;
	r->body = mr;
	if ((has_gen ? kgc_heartbeat : kgc_leave_group)(rq->api_version, &rq->body, &r->ar, mr) !=
	    0) {
		what = mr->what;
		goto bad;
	}
	if (!kg_group_allowed(rq, mr->group, ACL_OP_READ)) {
		kg_answer_error_only(r, rq->api_version >= 1,
		                     FJORD__ERROR_CODE__GROUP_AUTHORIZATION_FAILED);
		return 0;
	}
	kgroup_route(r->m, mr->group, r);
	return 0;
bad:
	kg_req_free(r);
	return kafka_bad_request(rq, what);
}

int kafka_heartbeat(kreq_t *rq)
{
	return kg_member_request(rq, kg_heartbeat_run, 1);
}

int kafka_leave_group(kreq_t *rq)
{
	return kg_member_request(rq, kg_leave_run, 0);
}

/* ------------------------------------------------------------ FindCoordinator */

typedef kgc_find_t kg_find_t;

static void kg_find_write(kg_req_t *r, int16_t err, const char *msg, int32_t node, const char *host,
                          int32_t port)
{
	kw_writer_t w;

	kww_init(&w);
	if (r->version >= 1)
		kww_i32(&w, 0);
	kww_i16(&w, err);
	if (r->version >= 1)
		kww_str(&w, err ? msg : NULL);
	kww_i32(&w, err ? -1 : node);
	kww_str(&w, err ? "" : host);
	kww_i32(&w, err ? -1 : port);
	kg_req_answer(r, &w);
	kww_free(&w);
}

/* Answers with broker id's endpoint of r's listener. */
static void kg_find_answer(kg_req_t *r, int32_t id)
{
	broker_t *b = r->m->b;
	const char *lsn = b->conf.lsn[r->listener].name;

	if (b->cv && id >= 0)
		for (int i = 0; i < b->cv->broker_cnt; i++) {
			const cview_broker_t *br = &b->cv->brokers[i];
			const endpoint_t *ep;
			if (br->id != id)
				continue;
			if (!(ep = endpoint_find(br->endpoints, br->endpoint_cnt, lsn)))
				break;
			kg_find_write(r, 0, NULL, id, ep->host, ep->port);
			return;
		}
	kg_find_write(r, KAFKA_ERR_COORDINATOR_NOT_AVAILABLE,
	              "the group's coordinator is not reachable on this listener now", -1, "", -1);
}

static void kg_find_done(int32_t broker, int zrc, void *arg)
{
	kg_req_t *r = arg;
	kg_find_t *fb = r->body;

	r->zk = 0;
	if (!r->slot) {
		kg_req_free(r);
		return;
	}
	if (zrc != ZOK) {
		kg_find_write(r, KAFKA_ERR_COORDINATOR_NOT_AVAILABLE,
		              "ZooKeeper cannot be read now", -1, "", -1);
		return;
	}
	if (broker < 0) {
		kgroup_t *g = kgroup_find(r->m, fb->key);
		broker = g && !g->loading ? r->m->b->conf.broker_id
		                          : kgroup_hash_pick(r->m->b, fb->key,
		                                             r->m->b->conf.lsn[r->listener].name);
	}
	kg_find_answer(r, broker);
}

int kafka_find_coordinator(kreq_t *rq)
{
	kg_req_t *r = kg_req_new(rq, NULL);
	const char *what = "out of memory";
	kg_find_t *fb;
	kgroup_t *g;

	if (!r)
		return -1;
	if (!(fb = arena_calloc(&r->ar, 1, sizeof(*fb))))
		goto bad;
	r->body = fb;
	if (kgc_find_coordinator(rq->api_version, &rq->body, &r->ar, fb) != 0) {
		what = fb->what;
		goto bad;
	}
	if (fb->key_type != 0) {
		kg_find_write(r, KAFKA_ERR_COORDINATOR_NOT_AVAILABLE,
		              "fjord has no transaction coordinator", -1, "", -1);
		return 0;
	}
	if (!kg_group_allowed(rq, fb->key, ACL_OP_DESCRIBE)) {
		kg_find_write(r, FJORD__ERROR_CODE__GROUP_AUTHORIZATION_FAILED,
		              "Describe on the group", -1, "", -1);
		return 0;
	}
	if ((g = kgroup_find(r->m, fb->key)) && !g->loading) {
		kg_find_answer(r, r->m->b->conf.broker_id);
		return 0;
	}
	r->zk = 1;
	if (kgroup_lookup(r->m, fb->key, kg_find_done, r) != 0) {
		r->zk = 0;
		kg_find_write(r, KAFKA_ERR_COORDINATOR_NOT_AVAILABLE,
		              "ZooKeeper cannot be read now", -1, "", -1);
	}
	return 0;
bad:
	kg_req_free(r);
	return kafka_bad_request(rq, what);
}

/* ------------------------------------------------------------ ListGroups, DescribeGroups */

int kafka_list_groups(kreq_t *rq)
{
	kgc_list_t lb;
	kg_req_t *r;
	kw_writer_t w;
	size_t pos;
	int32_t n = 0;

	if (kgc_list_groups(rq->api_version, &rq->body, &lb) != 0)
		return kafka_bad_request(rq, lb.what);
	if (!(r = kg_req_new(rq, NULL)))
		return -1;
	kww_init(&w);
	kww_i16(&w, 0);
	pos = kww_reserve32(&w);
	for (kgroup_t *g = r->m->groups; g; g = g->next) {
		if (g->loading || !authz_allowed(rq->c, ACL_RES_GROUP, g->name, ACL_OP_DESCRIBE, 1))
			continue;
		kww_str(&w, g->name);
		kww_str(&w, g->protocol_type ? g->protocol_type : "");
		n++;
	}
	kww_patch32(&w, pos, n);
	kg_req_answer(r, &w);
	kww_free(&w);
	return 0;
}

static void kg_describe_one(kreq_t *rq, kw_writer_t *w, const char *name)
{
	broker_t *b = rq->c->b;
	kgroup_t *g = kgroup_find(b->kgroups, name);
	int16_t err = 0;
	int32_t n = 0;
	size_t pos;

	if (!authz_allowed(rq->c, ACL_RES_GROUP, name, ACL_OP_DESCRIBE, 0))
		err = FJORD__ERROR_CODE__GROUP_AUTHORIZATION_FAILED;
	else if (g && g->loading)
		err = KAFKA_ERR_COORDINATOR_LOAD_IN_PROGRESS;
	else if (!g &&
	         kgroup_hash_pick(b, name, b->conf.lsn[rq->c->listener].name) != b->conf.broker_id)
		err = KAFKA_ERR_NOT_COORDINATOR;
	kww_i16(w, err);
	kww_str(w, name);
	kww_str(w, err ? "" : kgroup_state_name(g ? g->state : KG_DEAD));
	kww_str(w, !err && g && g->protocol_type ? g->protocol_type : "");
	kww_str(w, !err && g && g->state == KG_STABLE && g->protocol ? g->protocol : "");
	pos = kww_reserve32(w);
	if (!err && g)
		for (kg_member_t *mb = g->members; mb; mb = mb->next) {
			int k = 0;
			if (g->protocol)
				for (k = 0;
				     k < mb->proto_cnt && strcmp(mb->proto_names[k], g->protocol);
				     k++)
					;
			kww_str(w, mb->id);
			kww_str(w, mb->client_id);
			kww_str(w, mb->host);
			if (g->protocol && k < mb->proto_cnt)
				kww_bytes(w, mb->proto_meta[k], mb->proto_len[k]);
			else
				kww_bytes(w, "", 0);
			kww_bytes(w,
			          mb->assign && g->state == KG_STABLE ? mb->assign : (uint8_t *)"",
			          mb->assign && g->state == KG_STABLE ? mb->assign_len : 0);
			n++;
		}
	kww_patch32(w, pos, n);
}

int kafka_describe_groups(kreq_t *rq)
{
	kgc_describe_t db;
	kg_req_t *r;
	kw_writer_t w;

	if (kgc_describe_groups(rq->api_version, &rq->body, rq->ar, &db) != 0)
		return kafka_bad_request(rq, db.what);
	if (!(r = kg_req_new(rq, NULL)))
		return -1;
	kww_init(&w);
	kww_i32(&w, db.n);
	for (int32_t i = 0; i < db.n; i++)
		kg_describe_one(rq, &w, db.names[i]);
	kg_req_answer(r, &w);
	kww_free(&w);
	return 0;
}
