/*
 * cgrp.c — a consumer's group: lifecycle, the group worker thread, the
 * group's ZooKeeper session, subscribe/unsubscribe and rebalance events.
 *
 * What: fjord_new() with group.id calls cgrp_start(), which starts the
 * worker. The worker opens its own ZooKeeper session with
 * session.timeout.ms (the group session) and then loops: serve the
 * application's commit/committed requests, join or leave when the
 * subscription changed, resync membership and assignment when a watch
 * fired or metadata changed (cgrp_member.c), retry pending partition claims,
 * auto-commit when due (cgrp_owner.c). It sleeps on cg->cond in between.
 * Session expiry: every partition is dropped at once without a commit (a
 * LOST event; the next fjord_commit() reports FJORD_ERR__ASSIGNMENT_LOST),
 * the session is replaced and the member rejoins under a new member id.
 * Close: cgrp_close() asks the worker to leave (commit when auto-commit is
 * on, delete owner and member znodes, so the others rebalance at once) and
 * joins it, bounded by the close timeout.
 * Events: with a rebalance_cb the callback runs on the callback thread
 * (cbq_push_call); without one, assign and revoke are silent (the SDK applied
 * them already, as librdkafka does) and each lost partition becomes one poll
 * error message (err _ASSIGNMENT_LOST).
 * Threads and ownership: cgrp_int.h.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "client/cgrp_int.h"
#include "common/bytes.h"
#include "common/zkutil.h"
#include "common/deadline.h"

#define CGRP_IDLE_MS 1000      /* longest sleep without a reason to wake */
#define CGRP_RETRY_MS 500      /* after a failed step */
#define CGRP_LEAVE_MIN_MS 5000 /* leaving on close gets at least this long */

void cgrp_log(cgrp_t *cg, int level, const char *fmt, ...)
{
	char buf[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	handle_log(cg->h, level, "CGRP", "group %s: %s", cg->group, buf);
}

int cgrp_zk_session_lost(int rc)
{
	return rc == ZSESSIONEXPIRED || rc == ZINVALIDSTATE || rc == ZSESSIONMOVED;
}

/* ------------------------------------------------------------ watchers */

typedef struct cgrp_watch_ev {
	zhandle_t *zh;
	int type;
	int state;
} cgrp_watch_ev_t;

static void cgrp_watch_fn(void *obj, void *arg)
{
	cgrp_t *cg = obj;
	cgrp_watch_ev_t *ev = arg;
	pthread_mutex_lock(&cg->lock);
	if (ev->zh == __atomic_load_n(&cg->zh, __ATOMIC_ACQUIRE)) {
		if (ev->type == ZOO_SESSION_EVENT && ev->state == ZOO_EXPIRED_SESSION_STATE)
			cg->expired = 1;
		else
			cg->dirty = 1;
		pthread_cond_broadcast(&cg->cond);
	}
	pthread_mutex_unlock(&cg->lock);
}

void cgrp_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
	cgrp_watch_ev_t ev = { zh, type, state };
	(void)path;
	if (ctx)
		zkutil_live_run(ctx, cgrp_watch_fn, &ev);
}

void cgrp_on_metadata(fjord_t *h)
{
	cgrp_t *cg = h->cg;
	pthread_mutex_lock(&cg->lock);
	cg->dirty = 1;
	pthread_cond_broadcast(&cg->cond);
	pthread_mutex_unlock(&cg->lock);
}

/* ------------------------------------------------------------ events */

typedef struct cgrp_ev_call {
	fjord_rebalance_event_t ev;
	fjord_topic_partition_list_t *parts;
} cgrp_ev_call_t;

static void cgrp_ev_serve(fjord_t *h, void *arg)
{
	cgrp_ev_call_t *ec = arg;
	if (h->conf->rebalance_cb)
		h->conf->rebalance_cb(h, ec->ev, ec->parts, h->conf->opaque);
	fjord_topic_partition_list_destroy(ec->parts);
	free(ec);
}

static fjord_topic_partition_list_t *cgrp_list_copy(const fjord_topic_partition_list_t *l)
{
	fjord_topic_partition_list_t *c = fjord_topic_partition_list_new(l->cnt > 0 ? l->cnt : 1);
	int i;
	for (i = 0; c && i < l->cnt; i++) {
		fjord_topic_partition_t *e =
		    fjord_topic_partition_list_add(c, l->elems[i].topic, l->elems[i].partition);
		if (!e) {
			fjord_topic_partition_list_destroy(c);
			return NULL;
		}
		e->offset = l->elems[i].offset;
		e->err = l->elems[i].err;
	}
	return c;
}

void cgrp_emit(cgrp_t *cg, fjord_rebalance_event_t ev, const fjord_topic_partition_list_t *parts)
{
	static const char *const names[] = { "", "assigned", "revoked", "lost" };
	fjord_t *h = cg->h;
	int i;
	if (!parts || parts->cnt == 0)
		return;
	cgrp_log(cg, FJ_LOG_INFO, "%d partition(s) %s (generation %lld)", parts->cnt, names[ev],
	         (long long)cg->generation);
	pthread_mutex_lock(&cg->lock);
	cg->st_rebalance_cnt++;
	cg->st_member = cg->member_id != NULL;
	cg->st_generation = cg->generation;
	pthread_mutex_unlock(&cg->lock);
	if (h->conf->rebalance_cb) {
		cgrp_ev_call_t *ec = calloc(1, sizeof(*ec));
		if (ec && (ec->parts = cgrp_list_copy(parts))) {
			ec->ev = ev;
			if (cbq_push_call(h, cgrp_ev_serve, ec) == 0)
				return;
			fjord_topic_partition_list_destroy(ec->parts);
		}
		free(ec);
		cgrp_log(cg, FJ_LOG_ERR, "out of memory: a rebalance callback was dropped");
		return;
	}
	/* No callback: the SDK has already applied the change (as librdkafka
	 * does without a rebalance_cb), so assign and revoke are silent. A lost
	 * assignment is an error the application must hear of (its commits of
	 * those partitions now fail), so it still reaches poll. */
	if (ev != FJORD_REBALANCE_LOST)
		return;
	for (i = 0; i < parts->cnt; i++)
		consumer_group_event(h, parts->elems[i].topic, parts->elems[i].partition,
		                     FJORD_ERR__ASSIGNMENT_LOST,
		                     "group session expired: partition lost");
}

/* ------------------------------------------------------------ session */

static void cgrp_session_close(cgrp_t *cg)
{
	zhandle_t *zh = cg->zh;
	if (!zh)
		return;
	pthread_mutex_lock(&cg->lock);
	__atomic_store_n(&cg->zh, NULL, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&cg->lock);
	zkutil_close(zh);
}

/* Opens the group session (blocking, bounded by the session timeout). */
static int cgrp_session_open(cgrp_t *cg)
{
	const fj_conf_values_t *v = cg->h->cv_conf;
	char err[256];
	zhandle_t *zh;
	int64_t now = fj_mono_ms();
	if (cg->zh)
		return 0;
	if (now < cg->next_connect_ms)
		return -1;
	zh = zkutil_connect_acl(v->zookeeper_connect, v->session_timeout_ms, v->session_timeout_ms,
	                        0, cg->h->zkacl, cgrp_watcher, cg, NULL, NULL, err, sizeof(err));
	if (!zh) {
		cgrp_log(cg, FJ_LOG_WARNING, "cannot open the group session: %s", err);
		cg->next_connect_ms = fj_mono_ms() + CGRP_IDLE_MS;
		return -1;
	}
	pthread_mutex_lock(&cg->lock);
	__atomic_store_n(&cg->zh, zh, __ATOMIC_RELEASE);
	cg->expired = 0;
	cg->dirty = 1;
	pthread_mutex_unlock(&cg->lock);
	cg->session_id = zoo_client_id(zh)->client_id;
	cgrp_log(cg, FJ_LOG_DEBUG, "group session 0x%llx open (timeout %d ms)",
	         (unsigned long long)cg->session_id, zoo_recv_timeout(zh));
	return 0;
}

/* The session expired: everything owned is lost; a new session follows. */
static void cgrp_session_lost(cgrp_t *cg)
{
	cgrp_log(cg, FJ_LOG_WARNING, "group session expired: partitions lost, rejoining");
	cgrp_owner_lose_all(cg);
	free(cg->member_id);
	cg->member_id = NULL;
	cgrp_session_close(cg);
	pthread_mutex_lock(&cg->lock);
	cg->lost_pending = 1;
	pthread_mutex_unlock(&cg->lock);
	cbq_push_error(cg->h, FJORD_ERR__ASSIGNMENT_LOST,
	               "consumer group session expired: every partition was lost");
}

/* ------------------------------------------------------------ worker */

static void cgrp_subs_free(char **subs, int cnt)
{
	int i;
	for (i = 0; i < cnt; i++)
		free(subs[i]);
	free(subs);
}

static void cgrp_regs_free(cgrp_t *cg)
{
	int i;
	for (i = 0; cg->regs && i < cg->join_cnt; i++)
		if (cg->join_subs[i][0] == '^')
			regfree(&cg->regs[i]);
	free(cg->regs);
	cg->regs = NULL;
}

/* Applies a changed subscription: leave, then join with the new one. */
static int cgrp_apply_subscription(cgrp_t *cg)
{
	char **subs = NULL;
	int cnt, i;
	pthread_mutex_lock(&cg->lock);
	cnt = cg->sub_cnt;
	if (cnt > 0 && (subs = calloc((size_t)cnt, sizeof(char *))))
		for (i = 0; i < cnt; i++)
			if (!(subs[i] = fj_strdup(cg->subs[i])))
				subs[i] = fj_strdup("");
	cg->sub_changed = 0;
	pthread_mutex_unlock(&cg->lock);
	if (cg->member_id)
		cgrp_member_leave(cg);
	cgrp_regs_free(cg);
	cgrp_subs_free(cg->join_subs, cg->join_cnt);
	cg->join_subs = NULL;
	cg->join_cnt = 0;
	if (cnt <= 0)
		return 0;
	if (!subs)
		return -1;
	for (i = 0; i < cnt; i++) {
		if (!subs[i]) {
			cgrp_subs_free(subs, cnt);
			return -1;
		}
	}
	cg->regs = calloc((size_t)cnt, sizeof(regex_t));
	if (!cg->regs) {
		cgrp_subs_free(subs, cnt);
		return -1;
	}
	cg->join_subs = subs;
	cg->join_cnt = cnt;
	for (i = 0; i < cnt; i++)
		if (subs[i][0] == '^' &&
		    regcomp(&cg->regs[i], subs[i], REG_EXTENDED | REG_NOSUB) != 0)
			subs[i][0] = '\0'; /* fjord_subscribe validated it: cannot happen */
	return cgrp_member_join(cg);
}

static void *cgrp_main(void *arg)
{
	cgrp_t *cg = arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		struct cgrp_req_q q = STAILQ_HEAD_INITIALIZER(q);
		cgrp_req_t *rq;
		int stop, dirty, expired, sub_changed;
		int64_t now = fj_mono_ms(), wake = now + CGRP_IDLE_MS;
		struct timespec ts;

		if (cg->member_id && cg->h->cv_conf->enable_auto_commit &&
		    cg->next_commit_ms < wake)
			wake = cg->next_commit_ms;
		if (cg->next_retry_ms && cg->next_retry_ms < wake)
			wake = cg->next_retry_ms;
		deadline_after_ms(&ts, wake - now);
		pthread_mutex_lock(&cg->lock);
		cg->st_member = cg->member_id != NULL;
		cg->st_generation = cg->generation;
		while (!cg->stop && !cg->dirty && !cg->expired && !cg->sub_changed &&
		       STAILQ_EMPTY(&cg->reqs) && wake > fj_mono_ms())
			if (pthread_cond_timedwait(&cg->cond, &cg->lock, &ts) != 0)
				break;
		stop = cg->stop;
		dirty = cg->dirty;
		expired = cg->expired;
		sub_changed = cg->sub_changed;
		cg->dirty = 0;
		STAILQ_CONCAT(&q, &cg->reqs);
		pthread_mutex_unlock(&cg->lock);

		if (expired && cg->zh)
			cgrp_session_lost(cg);
		if (stop) {
			while ((rq = STAILQ_FIRST(&q))) {
				STAILQ_REMOVE_HEAD(&q, link);
				cgrp_req_serve(cg, rq);
			}
			break;
		}
		if (cgrp_session_open(cg) < 0) {
			while ((rq = STAILQ_FIRST(&q))) {
				STAILQ_REMOVE_HEAD(&q, link);
				rq->err = FJORD_ERR__ZOOKEEPER;
				if (rq->w)
					hwait_done(rq->w, rq->err);
				cgrp_req_unref(rq);
			}
			continue;
		}
		while ((rq = STAILQ_FIRST(&q))) {
			STAILQ_REMOVE_HEAD(&q, link);
			cgrp_req_serve(cg, rq);
		}
		now = fj_mono_ms();
		if (sub_changed) {
			dirty = 1;
			if (cgrp_apply_subscription(cg) < 0)
				cg->next_retry_ms = now + CGRP_RETRY_MS;
		} else if (!cg->member_id && cg->join_cnt > 0 &&
		           (!cg->next_retry_ms || cg->next_retry_ms <= now)) {
			dirty = 1;
			if (cgrp_member_join(cg) < 0)
				cg->next_retry_ms = now + CGRP_RETRY_MS;
		}
		if (cg->member_id && (dirty || (cg->next_retry_ms && cg->next_retry_ms <= now))) {
			cg->next_retry_ms = 0;
			if (cgrp_member_sync(cg) < 0)
				cg->next_retry_ms = fj_mono_ms() + CGRP_RETRY_MS;
		}
		if (cg->member_id && cg->h->cv_conf->enable_auto_commit &&
		    fj_mono_ms() >= cg->next_commit_ms) {
			cgrp_owner_autocommit(cg);
			cg->next_commit_ms = fj_mono_ms() + cg->h->cv_conf->auto_commit_interval_ms;
		}
	}
	/* Close: leave while the session is still ours. */
	if (cg->zh && cg->member_id)
		cgrp_member_leave(cg);
	else if (cg->part_cnt)
		cgrp_owner_lose_all(cg);
	cgrp_session_close(cg);
	pthread_mutex_lock(&cg->lock);
	cg->left = 1;
	pthread_cond_broadcast(&cg->cond);
	pthread_mutex_unlock(&cg->lock);
	return NULL;
}

/* ------------------------------------------------------------ lifecycle */

int cgrp_start(fjord_t *h, char *errstr, size_t n)
{
	const fj_conf_values_t *v = h->cv_conf;
	cgrp_t *cg;
	if (!*v->group_id || strchr(v->group_id, '/')) {
		fj_errstr(errstr, n,
		          "group.id \"%s\" is not a valid group name (non-empty, no '/')",
		          v->group_id);
		return -1;
	}
	if (!v->zookeeper_connect || !*v->zookeeper_connect) {
		fj_errstr(errstr, n,
		          "group.id requires zookeeper.connect: consumer groups "
		          "coordinate through ZooKeeper");
		return -1;
	}
	cg = calloc(1, sizeof(*cg));
	if (!cg)
		goto nomem;
	cg->h = h;
	cg->group = fj_strdup(v->group_id);
	if (!cg->group) {
		free(cg);
		goto nomem;
	}
	pthread_mutex_init(&cg->lock, NULL);
	deadline_cond_init(&cg->cond);
	STAILQ_INIT(&cg->reqs);
	cg->generation = -1;
	if (zkutil_live_add(cg) < 0 || pthread_create(&cg->thr, NULL, cgrp_main, cg) != 0) {
		zkutil_live_remove(cg);
		pthread_mutex_destroy(&cg->lock);
		pthread_cond_destroy(&cg->cond);
		free(cg->group);
		free(cg);
		goto nomem;
	}
	cg->thr_started = 1;
	h->cg = cg;
	return 0;
nomem:
	fj_errstr(errstr, n, "consumer group: out of memory or thread creation failed");
	return -1;
}

void cgrp_close(fjord_t *h, int timeout_ms)
{
	cgrp_t *cg = h->cg;
	struct timespec ts;
	int left;
	if (!cg->thr_started)
		return;
	if (timeout_ms < CGRP_LEAVE_MIN_MS)
		timeout_ms = CGRP_LEAVE_MIN_MS;
	deadline_after_ms(&ts, timeout_ms);
	pthread_mutex_lock(&cg->lock);
	cg->stop = 1;
	pthread_cond_broadcast(&cg->cond);
	while (!cg->left)
		if (pthread_cond_timedwait(&cg->cond, &cg->lock, &ts) != 0)
			break;
	left = cg->left;
	pthread_mutex_unlock(&cg->lock);
	if (left) {
		pthread_join(cg->thr, NULL);
		cg->thr_started = 0;
	} else {
		cgrp_log(cg, FJ_LOG_ERR, "did not leave the group within %d ms", timeout_ms);
	}
}

void cgrp_term(fjord_t *h)
{
	cgrp_t *cg = h->cg;
	cgrp_req_t *rq;
	int i;
	if (cg->thr_started) {
		/* The worker is stuck in a ZooKeeper call: leak rather than crash. */
		return;
	}
	zkutil_live_remove(cg);
	while ((rq = STAILQ_FIRST(&cg->reqs))) {
		STAILQ_REMOVE_HEAD(&cg->reqs, link);
		rq->err = FJORD_ERR__DESTROY;
		if (rq->w)
			hwait_done(rq->w, rq->err);
		cgrp_req_unref(rq);
	}
	for (i = 0; i < cg->part_cnt; i++)
		free(cg->parts[i].topic);
	free(cg->parts);
	cgrp_regs_free(cg);
	cgrp_subs_free(cg->join_subs, cg->join_cnt);
	cgrp_subs_free(cg->subs, cg->sub_cnt);
	cgrp_subs_free(cg->last_members, cg->last_member_cnt);
	free(cg->member_id);
	free(cg->group);
	pthread_mutex_destroy(&cg->lock);
	pthread_cond_destroy(&cg->cond);
	free(cg);
	h->cg = NULL;
}

int cgrp_is_subscribed(fjord_t *h)
{
	int sub;
	if (!h->cg)
		return 0;
	pthread_mutex_lock(&h->cg->lock);
	sub = h->cg->sub_cnt > 0;
	pthread_mutex_unlock(&h->cg->lock);
	return sub;
}

/* ------------------------------------------------------------ public API */

static fjord_err_t cgrp_set_subscription(fjord_t *fj, char **subs, int cnt)
{
	cgrp_t *cg = fj->cg;
	pthread_mutex_lock(&cg->lock);
	cgrp_subs_free(cg->subs, cg->sub_cnt);
	cg->subs = subs;
	cg->sub_cnt = cnt;
	cg->sub_changed = 1;
	pthread_cond_broadcast(&cg->cond);
	pthread_mutex_unlock(&cg->lock);
	return FJORD_ERR_NO_ERROR;
}

fjord_err_t fjord_subscribe(fjord_t *fj, const fjord_topic_partition_list_t *topics)
{
	char **subs;
	int i, j, cnt = 0;
	if (!fj || !fj->c || atomic_load(&fj->closed))
		return FJORD_ERR__STATE;
	if (!fj->cg || !topics || topics->cnt <= 0 || consumer_is_manual(fj))
		return FJORD_ERR__INVALID_ARG;
	subs = calloc((size_t)topics->cnt, sizeof(char *));
	if (!subs)
		return FJORD_ERR__FAIL;
	for (i = 0; i < topics->cnt; i++) {
		const char *t = topics->elems[i].topic;
		regex_t re;
		int dup = 0;
		if (!t || !*t || strchr(t, '/') || strchr(t, '"'))
			goto inval;
		if (t[0] == '^') {
			if (regcomp(&re, t, REG_EXTENDED | REG_NOSUB) != 0)
				goto inval;
			regfree(&re);
		}
		for (j = 0; j < cnt; j++)
			dup |= !strcmp(subs[j], t);
		if (dup)
			continue;
		if (!(subs[cnt] = fj_strdup(t))) {
			cgrp_subs_free(subs, cnt);
			return FJORD_ERR__FAIL;
		}
		cnt++;
	}
	return cgrp_set_subscription(fj, subs, cnt);
inval:
	handle_log(fj, FJ_LOG_ERR, "CGRP",
	           "fjord_subscribe: \"%s\" is not a topic name or a "
	           "valid '^' regex",
	           topics->elems[i].topic ? topics->elems[i].topic : "(null)");
	cgrp_subs_free(subs, cnt);
	return FJORD_ERR__INVALID_ARG;
}

fjord_err_t fjord_unsubscribe(fjord_t *fj)
{
	if (!fj || !fj->c || atomic_load(&fj->closed))
		return FJORD_ERR__STATE;
	if (!fj->cg)
		return FJORD_ERR__INVALID_ARG;
	return cgrp_set_subscription(fj, NULL, 0);
}

fjord_err_t fjord_subscription(fjord_t *fj, fjord_topic_partition_list_t **topicsp)
{
	fjord_topic_partition_list_t *l;
	int i;
	if (!fj || !topicsp)
		return FJORD_ERR__INVALID_ARG;
	if (!fj->cg)
		return FJORD_ERR__STATE;
	l = fjord_topic_partition_list_new(4);
	if (!l)
		return FJORD_ERR__FAIL;
	pthread_mutex_lock(&fj->cg->lock);
	for (i = 0; i < fj->cg->sub_cnt; i++) {
		if (!fjord_topic_partition_list_add(l, fj->cg->subs[i], -1)) {
			pthread_mutex_unlock(&fj->cg->lock);
			fjord_topic_partition_list_destroy(l);
			return FJORD_ERR__FAIL;
		}
	}
	pthread_mutex_unlock(&fj->cg->lock);
	*topicsp = l;
	return FJORD_ERR_NO_ERROR;
}

void cgrp_stats_add(fjord_t *h, json_t *doc)
{
	cgrp_t *cg = h->cg;
	json_t *o;
	if (!cg || !(o = json_object()))
		return;
	pthread_mutex_lock(&cg->lock);
	json_object_set_new(o, "state", json_string(cg->st_member ? "up" : "join"));
	json_object_set_new(o, "generation", json_integer(cg->st_generation));
	json_object_set_new(o, "rebalance_cnt", json_integer(cg->st_rebalance_cnt));
	pthread_mutex_unlock(&cg->lock);
	json_object_set_new(o, "assignment_size", json_integer(consumer_part_cnt(h)));
	json_object_set_new(doc, "cgrp", o);
}
