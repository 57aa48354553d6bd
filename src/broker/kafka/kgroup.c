/*
 * kgroup.c — the Kafka group coordinator's groups in memory: routing a
 * request to its group (claiming it first), the request queue, members and
 * their session timers, the join phase and its end (kgroup.h has the
 * model; kafka_group.c the APIs, kgroup_zk.c the ZooKeeper work).
 *
 * The state machine is Kafka's: Empty -> PreparingRebalance (a member
 * joined, left, expired, or changed its protocols) -> CompletingRebalance
 * (every member rejoined or the rebalance timeout passed: a new generation,
 * the leader gets every member's metadata) -> Stable (the leader's
 * SyncGroup distributed the assignments). A group left without members
 * becomes Empty with a new generation; its offsets stay in ZooKeeper.
 *
 * Groups are a list searched by name: a broker coordinates a share of the
 * cluster's Kafka groups, and each request costs one walk.
 *
 * Thread: loop thread.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/broker.h"
#include "broker/kafka/kgroup.h"
#include "common/bytes.h"
#include "common/flog.h"
#include "common/murmur2.h"

const char *kgroup_state_name(kg_state_t st)
{
	switch (st) {
	case KG_EMPTY:
		return "Empty";
	case KG_PREPARING:
		return "PreparingRebalance";
	case KG_COMPLETING:
		return "CompletingRebalance";
	case KG_STABLE:
		return "Stable";
	case KG_DEAD:
		break;
	}
	return "Dead";
}

kgroup_mgr_t *kgroup_mgr_new(struct broker *b)
{
	kgroup_mgr_t *m = calloc(1, sizeof(*m));

	if (m)
		m->b = b;
	return m;
}

/* ------------------------------------------------------------ requests */

/* The connection went away: r is unlinked and freed, or, while out on the
 * zkb worker, only loses its slot (the result frees it). */
static void kg_req_cancel(void *arg)
{
	kg_req_t *r = arg;

	r->slot = NULL;
	if (r->zk)
		return;
	if (r->qg) {
		kg_req_t **pp = &r->qg->q_head;
		r->qg->q_tail = NULL;
		while (*pp) {
			if (*pp == r)
				*pp = r->next;
			else
				pp = &(*pp)->next;
		}
		for (kg_req_t *q = r->qg->q_head; q; q = q->next)
			r->qg->q_tail = q;
	}
	if (r->waiter) {
		if (r->waiter->join_wait == r)
			r->waiter->join_wait = NULL;
		if (r->waiter->sync_wait == r)
			r->waiter->sync_wait = NULL;
	}
	kg_req_free(r);
}

kg_req_t *kg_req_new(kreq_t *rq, kg_run_fn *run)
{
	kg_req_t *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	arena_init(&r->ar, 0);
	r->m = rq->c->b->kgroups;
	r->api = rq->api_key;
	r->version = rq->api_version;
	r->listener = rq->c->listener;
	r->run = run;
	r->client_id = arena_strdup(&r->ar, rq->client_id ? rq->client_id : "");
	r->host = arena_strdup(&r->ar, rq->c->peer);
	if (!r->client_id || !r->host || !(r->slot = kafka_slot_new(rq))) {
		arena_free(&r->ar);
		free(r);
		return NULL;
	}
	r->slot->kafka_version = rq->api_version;
	r->slot->cancel = kg_req_cancel;
	r->slot->cancel_arg = r;
	return r;
}

void kg_req_free(kg_req_t *r)
{
	if (r->slot) {
		/* Never answered (shutdown): the slot stays the connection's. */
		r->slot->cancel = NULL;
		r->slot->cancel_arg = NULL;
	}
	arena_free(&r->ar);
	free(r);
}

void kg_req_answer(kg_req_t *r, kw_writer_t *w)
{
	conn_slot_t *slot = r->slot;

	r->slot = NULL;
	if (slot)
		(void)kafka_respond(slot, w); /* -1: the connection closes itself */
	kg_req_free(r);
}

/* ------------------------------------------------------------ routing */

kgroup_t *kgroup_find(kgroup_mgr_t *m, const char *name)
{
	for (kgroup_t *g = m->groups; g; g = g->next)
		if (!strcmp(g->name, name))
			return g;
	return NULL;
}

int32_t kgroup_hash_pick(struct broker *b, const char *group, const char *lsn_name)
{
	cview_t *cv = b->cv;
	int32_t best = -1;
	uint32_t best_score = 0;
	char key[512];

	if (!cv)
		return -1;
	for (int i = 0; i < cv->broker_cnt; i++) {
		const cview_broker_t *br = &cv->brokers[i];
		uint32_t score;
		int n;
		if (!endpoint_find(br->endpoints, br->endpoint_cnt, lsn_name))
			continue;
		n = snprintf(key, sizeof(key), "%s/%d", group, (int)br->id);
		if (n < 0 || (size_t)n >= sizeof(key))
			n = (int)sizeof(key) - 1;
		score = (uint32_t)murmur2(key, (size_t)n) & 0x7fffffffu;
		/* Brokers are sorted by id: a tie keeps the lower id. */
		if (best < 0 || score > best_score) {
			best = br->id;
			best_score = score;
		}
	}
	return best;
}

static void kgroup_enqueue(kgroup_t *g, kg_req_t *r)
{
	r->next = NULL;
	r->qg = g;
	if (g->q_tail)
		g->q_tail->next = r;
	else
		g->q_head = r;
	g->q_tail = r;
}

void kgroup_drain(kgroup_t *g)
{
	while (g->q_head && !g->loading && !g->persisting) {
		kg_req_t *r = g->q_head;
		g->q_head = r->next;
		if (!g->q_head)
			g->q_tail = NULL;
		r->next = NULL;
		r->qg = NULL;
		r->run(r, g, 0);
	}
}

void kgroup_route(kgroup_mgr_t *m, const char *name, kg_req_t *r)
{
	broker_t *b = m->b;
	kgroup_t *g = kgroup_find(m, name);
	int32_t pick;

	if (g) {
		if (g->loading || g->persisting || g->q_head) {
			kgroup_enqueue(g, r);
			return;
		}
		r->run(r, g, 0);
		return;
	}
	if (!b->zkb || b->zk_state != ZKB_SESSION_CONNECTED || !b->cv) {
		r->run(r, NULL, KAFKA_ERR_COORDINATOR_NOT_AVAILABLE);
		return;
	}
	pick = kgroup_hash_pick(b, name, b->conf.lsn[r->listener].name);
	if (!(g = calloc(1, sizeof(*g))) || !(g->name = strdup(name))) {
		free(g);
		r->run(r, NULL, KAFKA_ERR_COORDINATOR_NOT_AVAILABLE);
		return;
	}
	g->m = m;
	g->incarnation = ++m->incarnations;
	g->loading = 1;
	g->state = KG_EMPTY;
	g->next = m->groups;
	m->groups = g;
	kgroup_enqueue(g, r);
	kgroup_claim(g, pick == b->conf.broker_id);
}

/* ------------------------------------------------------------ members */

kg_member_t *kgroup_member(kgroup_t *g, const char *id)
{
	for (kg_member_t *mb = g->members; mb; mb = mb->next)
		if (!strcmp(mb->id, id))
			return mb;
	return NULL;
}

void kgroup_member_touch(kg_member_t *mb)
{
	mb->expires_ms = fj_mono_ms() + mb->session_ms;
}

static void kgroup_member_free(kg_member_t *mb)
{
	for (int i = 0; i < mb->proto_cnt; i++) {
		free(mb->proto_names[i]);
		free(mb->proto_meta[i]);
	}
	free(mb->proto_names);
	free(mb->proto_meta);
	free(mb->proto_len);
	free(mb->assign);
	free(mb->id);
	free(mb->client_id);
	free(mb->host);
	free(mb->instance_id);
	free(mb);
}

/* Parked requests of a member that goes away get err. */
static void kgroup_member_release(kg_member_t *mb, int16_t err)
{
	if (mb->join_wait) {
		kg_req_t *r = mb->join_wait;
		mb->join_wait = NULL;
		r->waiter = NULL;
		r->run(r, NULL, err);
	}
	if (mb->sync_wait) {
		kg_req_t *r = mb->sync_wait;
		mb->sync_wait = NULL;
		r->waiter = NULL;
		r->run(r, NULL, err);
	}
}

static void kgroup_unlink_member(kgroup_t *g, kg_member_t *mb)
{
	kg_member_t **pp = &g->members;

	while (*pp && *pp != mb)
		pp = &(*pp)->next;
	if (*pp) {
		*pp = mb->next;
		g->member_cnt--;
	}
	if (g->leader && !strcmp(g->leader, mb->id)) {
		free(g->leader);
		g->leader = NULL;
	}
}

void kgroup_remove_member(kgroup_t *g, kg_member_t *mb, const char *why)
{
	flog(LOG_INFO, "kgroup", "group %s: member %s %s (generation %d)", g->name, mb->id, why,
	     (int)g->generation);
	kgroup_unlink_member(g, mb);
	kgroup_member_release(mb, KAFKA_ERR_UNKNOWN_MEMBER_ID);
	kgroup_member_free(mb);
	if (g->state == KG_STABLE || g->state == KG_COMPLETING)
		kgroup_prepare(g, why);
	else if (g->state == KG_PREPARING)
		kgroup_check_join(g);
}

/* ------------------------------------------------------------ rebalance */

void kgroup_prepare(kgroup_t *g, const char *why)
{
	int32_t longest = 0;

	if (g->state == KG_COMPLETING)
		for (kg_member_t *mb = g->members; mb; mb = mb->next)
			if (mb->sync_wait)
				kafka_group_sync_answer(mb, KAFKA_ERR_REBALANCE_IN_PROGRESS);
	for (kg_member_t *mb = g->members; mb; mb = mb->next)
		if (mb->rebalance_ms > longest)
			longest = mb->rebalance_ms;
	if (g->state != KG_PREPARING) {
		flog(LOG_INFO, "kgroup", "group %s: preparing to rebalance (generation %d): %s",
		     g->name, (int)g->generation, why);
		g->state = KG_PREPARING;
		g->rebalance_deadline_ms = fj_mono_ms() + longest;
	}
	kgroup_check_join(g);
}

/* The protocol every member supports, by the leader's order of preference
 * (NULL: none; the joins checked that one exists). */
static const char *kgroup_pick_protocol(kgroup_t *g, kg_member_t *lead)
{
	for (int i = 0; i < lead->proto_cnt; i++) {
		const char *p = lead->proto_names[i];
		int all = 1;
		for (kg_member_t *mb = g->members; mb && all; mb = mb->next) {
			int has = 0;
			for (int k = 0; k < mb->proto_cnt && !has; k++)
				has = !strcmp(mb->proto_names[k], p);
			all = has;
		}
		if (all)
			return p;
	}
	return NULL;
}

/* The join phase ends: members that did not rejoin are removed, the
 * generation goes up, and the joins are answered once it is written. */
static void kgroup_complete_join(kgroup_t *g)
{
	kg_member_t *mb, *next, *lead;
	const char *proto;

	for (mb = g->members; mb; mb = next) {
		next = mb->next;
		if (!mb->join_wait) {
			flog(LOG_INFO, "kgroup", "group %s: member %s did not rejoin in time",
			     g->name, mb->id);
			kgroup_unlink_member(g, mb);
			kgroup_member_release(mb, KAFKA_ERR_UNKNOWN_MEMBER_ID);
			kgroup_member_free(mb);
		}
	}
	g->generation++;
	g->m->rebalances++;
	free(g->protocol);
	g->protocol = NULL;
	for (mb = g->members; mb; mb = mb->next) {
		free(mb->assign);
		mb->assign = NULL;
		mb->assign_len = 0;
	}
	if (!g->members) {
		g->state = KG_EMPTY;
		free(g->leader);
		g->leader = NULL;
		free(g->protocol_type);
		g->protocol_type = NULL;
		flog(LOG_INFO, "kgroup", "group %s: empty at generation %d", g->name,
		     (int)g->generation);
		kgroup_write(g, 0);
		return;
	}
	lead = g->leader ? kgroup_member(g, g->leader) : NULL;
	if (!lead) {
		lead = g->members;
		free(g->leader);
		g->leader = strdup(lead->id);
	}
	proto = kgroup_pick_protocol(g, lead);
	g->protocol = strdup(proto ? proto : "");
	if (!g->leader || !g->protocol) {
		flog(LOG_CRIT, "kgroup", "out of memory completing a rebalance");
		abort();
	}
	g->state = KG_COMPLETING;
	flog(LOG_INFO, "kgroup", "group %s: generation %d with %d members, protocol %s, leader %s",
	     g->name, (int)g->generation, g->member_cnt, g->protocol, g->leader);
	for (mb = g->members; mb; mb = mb->next)
		kgroup_member_touch(mb);
	kgroup_write(g, 1);
}

void kgroup_check_join(kgroup_t *g)
{
	if (g->state != KG_PREPARING || g->persisting)
		return;
	for (kg_member_t *mb = g->members; mb; mb = mb->next)
		if (!mb->join_wait)
			return;
	kgroup_complete_join(g);
}

/* ------------------------------------------------------------ lifecycle */

static void kgroup_free_group(kgroup_t *g)
{
	kg_member_t *mb;
	kg_pending_t *p;

	while ((mb = g->members)) {
		g->members = mb->next;
		kgroup_member_free(mb);
	}
	while ((p = g->pending)) {
		g->pending = p->next;
		free(p->id);
		free(p);
	}
	free(g->name);
	free(g->protocol_type);
	free(g->protocol);
	free(g->leader);
	free(g);
}

void kgroup_drop(kgroup_t *g, int16_t err, const char *why)
{
	kgroup_mgr_t *m = g->m;
	kgroup_t **pp = &m->groups;
	kg_req_t *r;

	while (*pp && *pp != g)
		pp = &(*pp)->next;
	if (*pp)
		*pp = g->next;
	if (!g->loading || why)
		flog(LOG_INFO, "kgroup", "group %s: no longer coordinated here: %s", g->name,
		     why ? why : "another broker holds it");
	for (kg_member_t *mb = g->members; mb; mb = mb->next)
		kgroup_member_release(mb, err);
	while ((r = g->q_head)) {
		g->q_head = r->next;
		r->next = NULL;
		r->qg = NULL;
		r->run(r, NULL, err);
	}
	kgroup_free_group(g);
}

void kgroup_session_lost(kgroup_mgr_t *m)
{
	if (!m)
		return;
	while (m->groups)
		kgroup_drop(m->groups, KAFKA_ERR_NOT_COORDINATOR,
		            "the ZooKeeper session expired (its coordinator znode is gone)");
}

void kgroup_mgr_free(kgroup_mgr_t *m)
{
	if (!m)
		return;
	while (m->groups)
		kgroup_drop(m->groups, KAFKA_ERR_NOT_COORDINATOR, "the broker is stopping");
	free(m);
}

void kgroup_cron(kgroup_mgr_t *m, int64_t now_ms)
{
	kgroup_t *g, *gnext;

	if (!m)
		return;
	for (g = m->groups; g; g = gnext) {
		kg_member_t *mb, *next;
		kg_pending_t **pp;
		gnext = g->next;
		if (g->doomed) {
			kgroup_drop(g, KAFKA_ERR_NOT_COORDINATOR,
			            "its coordinator znode cannot be written");
			continue;
		}
		if (g->loading || g->persisting)
			continue;
		for (pp = &g->pending; *pp;) {
			kg_pending_t *p = *pp;
			if (p->expires_ms <= now_ms) {
				*pp = p->next;
				g->pending_cnt--;
				free(p->id);
				free(p);
			} else {
				pp = &p->next;
			}
		}
		for (mb = g->members; mb; mb = next) {
			next = mb->next;
			/* A member waiting in JoinGroup is not expected to heartbeat. */
			if (!mb->join_wait && mb->expires_ms <= now_ms) {
				kgroup_remove_member(
				    g, mb, "expired (no heartbeat within its session timeout)");
				break; /* the list changed; the next cron goes on */
			}
		}
		if (g->state == KG_PREPARING && !g->persisting &&
		    now_ms >= g->rebalance_deadline_ms)
			kgroup_complete_join(g);
		kgroup_drain(g);
	}
}
