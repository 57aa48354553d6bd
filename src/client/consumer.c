/*
 * consumer.c — the consumer with manual assignment: assign, poll, seek,
 * position, and the I/O thread's fetch planning.
 *
 * What: each assigned partition (cpart_t) has a fetch position (I/O side)
 * and an application position (next offset poll returns). A partition
 * starting at FJORD_OFFSET_BEGINNING/END, or without an offset
 * (auto.offset.reset), is resolved with ListOffsets to its leader first.
 * consumer_serve() groups the active partitions by leader and keeps one
 * Fetch in flight per leader broker covering all its partitions (fetch.c
 * decodes the answer). Fetching pauses while more than
 * queued.max.messages.kbytes of messages wait to be polled. Unknown topics or
 * partitions are reported once as poll events and keep being looked for.
 * Consumer groups (cgrp.c) change the assignment incrementally instead:
 * consumer_part_add() / consumer_part_remove() add or drop one partition
 * while the others keep fetching (cooperative rebalancing), and the group's
 * rebalance events reach poll through consumer_group_event(). Manual
 * fjord_assign() and fjord_subscribe() exclude each other.
 * fjord_consumer_lag() reads the high watermark of the last Fetch answer and
 * the timestamp of the next record waiting to be polled.
 * Threads: app threads and the I/O thread, all under c->lock (see
 * consumer_int.h). Ownership: the consumer owns cparts and queued messages;
 * polled messages belong to the caller.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "client/consumer_int.h"
#include "common/bytes.h"
#include "common/deadline.h"

int consumer_init(fjord_t *h)
{
	consumer_t *c = calloc(1, sizeof(*c));
	if (!c)
		return -1;
	pthread_mutex_init(&c->lock, NULL);
	deadline_cond_init(&c->cond);
	TAILQ_INIT(&c->parts);
	TAILQ_INIT(&c->queue);
	h->c = c;
	return 0;
}

cpart_t *consumer_find(consumer_t *c, const char *topic, int32_t partition)
{
	cpart_t *cp;
	TAILQ_FOREACH (cp, &c->parts, link)
		if (cp->partition == partition && !strcmp(cp->topic, topic))
			return cp;
	return NULL;
}

void consumer_enqueue(consumer_t *c, struct cmsg_q *msgs)
{
	cmsg_t *cm;
	if (TAILQ_EMPTY(msgs))
		return;
	while ((cm = TAILQ_FIRST(msgs))) {
		TAILQ_REMOVE(msgs, cm, link);
		c->queued_bytes += cm->bytes;
		TAILQ_INSERT_TAIL(&c->queue, cm, link);
	}
	pthread_cond_broadcast(&c->cond);
}

void consumer_event(consumer_t *c, const char *topic, int32_t partition, int64_t offset,
                    fjord_err_t err, const char *errstr)
{
	cmsg_t *cm = cmsg_event_new(topic, partition, offset, err, errstr);
	struct cmsg_q q = TAILQ_HEAD_INITIALIZER(q);
	if (!cm)
		return;
	TAILQ_INSERT_TAIL(&q, cm, link);
	consumer_enqueue(c, &q);
}

/* Drops queued messages of cp (all partitions if cp is NULL). c->lock held. */
static void consumer_purge_queue(consumer_t *c, const cpart_t *cp)
{
	consumer_purge(c, cp, 0);
}

void consumer_purge(consumer_t *c, const cpart_t *cp, int records_only)
{
	cmsg_t *cm, *tmp;
	TAILQ_FOREACH_SAFE (cm, &c->queue, link, tmp) {
		if (cp && (cm->m.partition != cp->partition || strcmp(cm->m.topic, cp->topic)))
			continue;
		if (records_only && cm->m.err)
			continue;
		TAILQ_REMOVE(&c->queue, cm, link);
		c->queued_bytes -= cm->bytes;
		cmsg_free(cm);
	}
}

static void cpart_free(cpart_t *cp)
{
	free(cp->topic);
	free(cp);
}

/* Sets where cp starts: an absolute offset or a logical one. */
static void cpart_set_start(consumer_t *c, cpart_t *cp, int64_t offset)
{
	consumer_part_restart(c, cp, offset);
}

void consumer_part_restart(consumer_t *c, cpart_t *cp, int64_t offset)
{
	cp->gen = ++c->gen_seq;
	cp->fetch_pos = offset;
	cp->eof_reported = 0;
	cp->corrupt_reported = 0;
	cp->backoff_until = 0;
	if (offset >= 0) {
		cp->state = CP_ACTIVE;
		cp->app_pos = offset;
	} else {
		cp->state = CP_NEED_OFFSET;
		cp->app_pos = FJORD_OFFSET_INVALID;
	}
}

typedef struct cwake_op {
	hop_t op;
} cwake_op_t;

static void consumer_wake_run(fjord_t *h, hop_t *op)
{
	if (!atomic_load(&h->io_stop))
		consumer_serve(h);
	free(op);
}

void consumer_wake(fjord_t *h)
{
	cwake_op_t *op = calloc(1, sizeof(*op));
	if (!op)
		return; /* the next tick serves */
	op->op.run = consumer_wake_run;
	handle_post(h, &op->op);
}

/* Replaces the assignment. The seam for consumer groups. */
static fjord_err_t consumer_assign_list(fjord_t *h, const fjord_topic_partition_list_t *parts)
{
	consumer_t *c = h->c;
	struct cpart_list nl = TAILQ_HEAD_INITIALIZER(nl);
	cpart_t *cp;
	int i;
	for (i = 0; parts && i < parts->cnt; i++) {
		const fjord_topic_partition_t *e = &parts->elems[i];
		int64_t off = e->offset;
		if (!e->topic || !*e->topic || e->partition < 0)
			goto inval;
		if (off < 0 && off != FJORD_OFFSET_BEGINNING && off != FJORD_OFFSET_END &&
		    off != FJORD_OFFSET_INVALID && off != FJORD_OFFSET_STORED)
			goto inval;
		cp = calloc(1, sizeof(*cp));
		if (!cp || !(cp->topic = strdup(e->topic))) {
			free(cp);
			goto nomem;
		}
		cp->partition = e->partition;
		cp->hw = -1;
		/* No committed offsets without groups: STORED means reset. */
		TAILQ_INSERT_TAIL(&nl, cp, link);
	}
	pthread_mutex_lock(&c->lock);
	consumer_purge_queue(c, NULL);
	while ((cp = TAILQ_FIRST(&c->parts))) {
		TAILQ_REMOVE(&c->parts, cp, link);
		cpart_free(cp);
	}
	i = 0;
	while ((cp = TAILQ_FIRST(&nl))) {
		int64_t off = parts->elems[i++].offset;
		TAILQ_REMOVE(&nl, cp, link);
		cpart_set_start(c, cp, off == FJORD_OFFSET_STORED ? FJORD_OFFSET_INVALID : off);
		TAILQ_INSERT_TAIL(&c->parts, cp, link);
	}
	pthread_mutex_unlock(&c->lock);
	consumer_wake(h);
	return FJORD_ERR_NO_ERROR;
inval:
	while ((cp = TAILQ_FIRST(&nl))) {
		TAILQ_REMOVE(&nl, cp, link);
		cpart_free(cp);
	}
	return FJORD_ERR__INVALID_ARG;
nomem:
	while ((cp = TAILQ_FIRST(&nl))) {
		TAILQ_REMOVE(&nl, cp, link);
		cpart_free(cp);
	}
	return FJORD_ERR__FAIL;
}

fjord_err_t fjord_assign(fjord_t *fj, const fjord_topic_partition_list_t *parts)
{
	fjord_err_t err;
	if (!fj || !fj->c || atomic_load(&fj->closed))
		return FJORD_ERR__STATE;
	if (cgrp_is_subscribed(fj))
		return FJORD_ERR__STATE; /* the group owns the assignment */
	err = consumer_assign_list(fj, parts);
	if (!err) {
		pthread_mutex_lock(&fj->c->lock);
		fj->c->manual = parts && parts->cnt > 0;
		pthread_mutex_unlock(&fj->c->lock);
	}
	return err;
}

int consumer_is_manual(fjord_t *h)
{
	int manual;
	pthread_mutex_lock(&h->c->lock);
	manual = h->c->manual;
	pthread_mutex_unlock(&h->c->lock);
	return manual;
}

int consumer_part_add(fjord_t *h, const char *topic, int32_t partition, int64_t offset)
{
	consumer_t *c = h->c;
	cpart_t *cp;
	pthread_mutex_lock(&c->lock);
	cp = consumer_find(c, topic, partition);
	if (!cp) {
		cp = calloc(1, sizeof(*cp));
		if (!cp || !(cp->topic = strdup(topic))) {
			free(cp);
			pthread_mutex_unlock(&c->lock);
			return -1;
		}
		cp->partition = partition;
		cp->hw = -1;
		TAILQ_INSERT_TAIL(&c->parts, cp, link);
	} else {
		consumer_purge_queue(c, cp);
	}
	cpart_set_start(c, cp, offset);
	pthread_mutex_unlock(&c->lock);
	consumer_wake(h);
	return 0;
}

int64_t consumer_part_remove(fjord_t *h, const char *topic, int32_t partition)
{
	consumer_t *c = h->c;
	cpart_t *cp;
	int64_t pos = FJORD_OFFSET_INVALID;
	pthread_mutex_lock(&c->lock);
	cp = consumer_find(c, topic, partition);
	if (cp) {
		pos = cp->app_pos;
		consumer_purge_queue(c, cp);
		TAILQ_REMOVE(&c->parts, cp, link);
		cpart_free(cp); /* a Fetch in flight finds no cpart and is dropped */
	}
	pthread_mutex_unlock(&c->lock);
	return pos;
}

int64_t consumer_part_position(fjord_t *h, const char *topic, int32_t partition)
{
	consumer_t *c = h->c;
	cpart_t *cp;
	int64_t pos = FJORD_OFFSET_INVALID;
	pthread_mutex_lock(&c->lock);
	cp = consumer_find(c, topic, partition);
	if (cp)
		pos = cp->app_pos;
	pthread_mutex_unlock(&c->lock);
	return pos;
}

void consumer_group_event(fjord_t *h, const char *topic, int32_t partition, fjord_err_t err,
                          const char *errstr)
{
	consumer_t *c = h->c;
	pthread_mutex_lock(&c->lock);
	consumer_event(c, topic, partition, FJORD_OFFSET_INVALID, err, errstr);
	pthread_mutex_unlock(&c->lock);
}

fjord_err_t fjord_consumer_lag(fjord_t *fj, const char *topic, int32_t partition,
                               int64_t *lag_recordsp, int64_t *lag_msp)
{
	consumer_t *c;
	cpart_t *cp;
	cmsg_t *cm;
	int64_t lag = -1, lag_ms = -1;
	if (!fj || !fj->c)
		return FJORD_ERR__STATE;
	if (!topic || partition < 0)
		return FJORD_ERR__INVALID_ARG;
	c = fj->c;
	pthread_mutex_lock(&c->lock);
	cp = consumer_find(c, topic, partition);
	if (!cp) {
		pthread_mutex_unlock(&c->lock);
		return FJORD_ERR__UNKNOWN_PARTITION;
	}
	if (cp->hw >= 0 && cp->app_pos >= 0) {
		lag = cp->hw > cp->app_pos ? cp->hw - cp->app_pos : 0;
		if (lag == 0)
			lag_ms = 0;
	}
	if (lag > 0) {
		/* The record at the position, if it was fetched already. */
		TAILQ_FOREACH (cm, &c->queue, link) {
			if (cm->m.err || cm->m.partition != partition || strcmp(cm->m.topic, topic))
				continue;
			if (cm->gen == cp->gen && cm->m.timestamp >= 0) {
				int64_t now = fj_now_ms(); /* record timestamps are wall-clock ms */
				lag_ms = now > cm->m.timestamp ? now - cm->m.timestamp : 0;
			}
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	if (lag_recordsp)
		*lag_recordsp = lag;
	if (lag_msp)
		*lag_msp = lag_ms;
	return FJORD_ERR_NO_ERROR;
}

fjord_err_t fjord_assignment(fjord_t *fj, fjord_topic_partition_list_t **partsp)
{
	fjord_topic_partition_list_t *l;
	cpart_t *cp;
	if (!fj || !fj->c || !partsp)
		return fj && !fj->c ? FJORD_ERR__STATE : FJORD_ERR__INVALID_ARG;
	l = fjord_topic_partition_list_new(8);
	if (!l)
		return FJORD_ERR__FAIL;
	pthread_mutex_lock(&fj->c->lock);
	TAILQ_FOREACH (cp, &fj->c->parts, link) {
		fjord_topic_partition_t *e =
		    fjord_topic_partition_list_add(l, cp->topic, cp->partition);
		if (!e) {
			pthread_mutex_unlock(&fj->c->lock);
			fjord_topic_partition_list_destroy(l);
			return FJORD_ERR__FAIL;
		}
		e->offset = cp->app_pos;
	}
	pthread_mutex_unlock(&fj->c->lock);
	*partsp = l;
	return FJORD_ERR_NO_ERROR;
}

fjord_message_t *fjord_consumer_poll(fjord_t *fj, int timeout_ms)
{
	consumer_t *c;
	cmsg_t *cm = NULL;
	struct timespec ts;
	if (!fj || !fj->c)
		return NULL;
	c = fj->c;
	if (fj->cv_conf->callback_mode == CB_MODE_POLL)
		cbq_serve(fj, 0); /* rebalance and commit callbacks */
	deadline_after_ms(&ts, timeout_ms);
	pthread_mutex_lock(&c->lock);
	for (;;) {
		cm = TAILQ_FIRST(&c->queue);
		if (cm || c->stopped)
			break;
		if (pthread_cond_timedwait(&c->cond, &c->lock, &ts) != 0) {
			cm = TAILQ_FIRST(&c->queue);
			break;
		}
	}
	if (cm) {
		TAILQ_REMOVE(&c->queue, cm, link);
		c->queued_bytes -= cm->bytes;
		if (!cm->m.err) {
			cpart_t *cp = consumer_find(c, cm->m.topic, cm->m.partition);
			if (cp && cp->gen == cm->gen)
				cp->app_pos = cm->m.offset + 1;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return cm ? &cm->m : NULL;
}

fjord_err_t fjord_seek(fjord_t *fj, const char *topic, int32_t partition, int64_t offset,
                       int timeout_ms)
{
	consumer_t *c;
	cpart_t *cp;
	(void)timeout_ms; /* seeking is local; logical offsets resolve in the background */
	if (!fj || !fj->c || atomic_load(&fj->closed))
		return FJORD_ERR__STATE;
	if (!topic ||
	    (offset < 0 && offset != FJORD_OFFSET_BEGINNING && offset != FJORD_OFFSET_END))
		return FJORD_ERR__INVALID_ARG;
	c = fj->c;
	pthread_mutex_lock(&c->lock);
	cp = consumer_find(c, topic, partition);
	if (cp) {
		consumer_purge_queue(c, cp);
		cpart_set_start(c, cp, offset);
	}
	pthread_mutex_unlock(&c->lock);
	if (!cp)
		return FJORD_ERR__UNKNOWN_PARTITION;
	consumer_wake(fj);
	return FJORD_ERR_NO_ERROR;
}

fjord_err_t fjord_position(fjord_t *fj, fjord_topic_partition_list_t *parts)
{
	int i;
	if (!fj || !fj->c)
		return FJORD_ERR__STATE;
	if (!parts)
		return FJORD_ERR__INVALID_ARG;
	pthread_mutex_lock(&fj->c->lock);
	for (i = 0; i < parts->cnt; i++) {
		fjord_topic_partition_t *e = &parts->elems[i];
		cpart_t *cp = consumer_find(fj->c, e->topic, e->partition);
		e->offset = cp ? cp->app_pos : FJORD_OFFSET_INVALID;
		e->err = cp ? FJORD_ERR_NO_ERROR : FJORD_ERR__UNKNOWN_PARTITION;
	}
	pthread_mutex_unlock(&fj->c->lock);
	return FJORD_ERR_NO_ERROR;
}

/* ------------------------------------------------------------ I/O side */

typedef struct cresolve {
	consumer_t *c;
	char *topic;
	int32_t partition;
	uint64_t gen;
} cresolve_t;

static void consumer_on_resolved(fjord_t *h, fjord_err_t err, int64_t offset, void *opaque)
{
	cresolve_t *rs = opaque;
	consumer_t *c = rs->c;
	cpart_t *cp;
	pthread_mutex_lock(&c->lock);
	cp = consumer_find(c, rs->topic, rs->partition);
	if (cp && cp->gen == rs->gen && cp->state == CP_RESOLVING) {
		if (!err && offset >= 0) {
			cp->denied_reported = 0;
			cp->state = CP_ACTIVE;
			cp->fetch_pos = offset;
			if (cp->app_pos == FJORD_OFFSET_INVALID)
				cp->app_pos = offset;
		} else {
			cp->state = CP_NEED_OFFSET;
			cp->backoff_until = fj_mono_ms() + h->cv_conf->retry_backoff_ms;
			if (err == FJORD_ERR_TOPIC_AUTHORIZATION_FAILED && !cp->denied_reported) {
				/* As a denied fetch (fetch.c): one event naming the
				 * topic, then quiet retries. */
				char msg[320];
				cp->denied_reported = 1;
				snprintf(msg, sizeof(msg),
				         "not authorized to describe topic %s (partition %d)",
				         cp->topic, (int)cp->partition);
				handle_log(h, FJ_LOG_ERR, "OFFSET", "%s", msg);
				consumer_event(c, cp->topic, cp->partition, cp->fetch_pos, err,
				               msg);
			} else if (err != FJORD_ERR__DESTROY &&
			           err != FJORD_ERR_TOPIC_AUTHORIZATION_FAILED) {
				metadata_refresh(h, "offset lookup failed");
			}
		}
	}
	pthread_mutex_unlock(&c->lock);
	free(rs->topic);
	free(rs);
	if (!atomic_load(&h->io_stop))
		consumer_serve(h);
}

/* Starts resolving a logical offset (c->lock held). */
static void consumer_resolve(fjord_t *h, cpart_t *cp, int64_t now)
{
	consumer_t *c = h->c;
	int64_t ts = cp->fetch_pos;
	cresolve_t *rs;
	if (ts == FJORD_OFFSET_INVALID) {
		int reset = h->cv_conf->auto_offset_reset;
		if (reset == RESET_ERROR) {
			cp->state = CP_STOPPED;
			consumer_event(c, cp->topic, cp->partition, FJORD_OFFSET_INVALID,
			               FJORD_ERR__NO_OFFSET,
			               "no starting offset and auto.offset.reset=error");
			return;
		}
		ts = reset == RESET_EARLIEST ? FJORD_OFFSET_BEGINNING : FJORD_OFFSET_END;
	}
	rs = calloc(1, sizeof(*rs));
	if (!rs || !(rs->topic = strdup(cp->topic))) {
		free(rs);
		return;
	}
	rs->c = c;
	rs->partition = cp->partition;
	rs->gen = cp->gen;
	cp->state = CP_RESOLVING;
	if (offsets_list_one(h, cp->topic, cp->partition, ts, consumer_on_resolved, rs) < 0) {
		cp->state = CP_NEED_OFFSET;
		cp->backoff_until = now + h->cv_conf->retry_backoff_ms;
		free(rs->topic);
		free(rs);
	}
}

static int consumer_broker_fetching(consumer_t *c, int32_t id)
{
	int i;
	for (i = 0; i < c->fetch_broker_cnt; i++)
		if (c->fetch_brokers[i] == id)
			return 1;
	return 0;
}

/* Plans fetches: one request per leader without one in flight. */
void consumer_serve(fjord_t *h)
{
	consumer_t *c = h->c;
	cview_t *cv = metadata_snapshot(h);
	int64_t now = fj_mono_ms();
	cpart_t *cp, **batch = NULL;
	int32_t *leaders = NULL;
	int n = 0, cap = 0, i;
	size_t limit = (size_t)h->cv_conf->queued_max_messages_kbytes * 1024;

	pthread_mutex_lock(&c->lock);
	if (c->stopped || !cv)
		goto out;
	TAILQ_FOREACH (cp, &c->parts, link) {
		const cview_topic_t *t = cview_topic(cv, cp->topic);
		const cview_partition_t *p;
		if (!t || cp->partition >= t->partition_cnt) {
			if (!cp->unknown_reported) {
				cp->unknown_reported = 1;
				handle_log(h, FJ_LOG_DEBUG, "TOPIC", "%s [%d]: %s in the metadata",
				           cp->topic, (int)cp->partition,
				           t ? "partition not" : "topic not");
				consumer_event(
				    c, cp->topic, cp->partition, FJORD_OFFSET_INVALID,
				    t ? FJORD_ERR__UNKNOWN_PARTITION : FJORD_ERR__UNKNOWN_TOPIC,
				    t ? "partition does not exist" : "topic does not exist");
			}
			continue;
		}
		cp->unknown_reported = 0;
		if (cp->backoff_until > now || cp->fetching || cp->paused)
			continue;
		if (cp->state == CP_NEED_OFFSET) {
			consumer_resolve(h, cp, now);
			continue;
		}
		if (cp->state != CP_ACTIVE || c->queued_bytes >= limit)
			continue;
		p = &t->partitions[cp->partition];
		if (!p->has_state || p->leader < 0) {
			metadata_refresh(h, "partition without leader");
			continue;
		}
		if (consumer_broker_fetching(c, p->leader))
			continue;
		if (n == cap) {
			int ncap = cap ? cap * 2 : 32;
			cpart_t **nb = realloc(batch, (size_t)ncap * sizeof(*nb));
			int32_t *nlead = realloc(leaders, (size_t)ncap * sizeof(*nlead));
			if (nb)
				batch = nb;
			if (nlead)
				leaders = nlead;
			if (!nb || !nlead)
				break;
			cap = ncap;
		}
		batch[n] = cp;
		leaders[n] = p->leader;
		n++;
	}
	/* One request per leader: gather each leader's partitions. */
	for (i = 0; i < n; i++) {
		int j, k = 0;
		int32_t leader = leaders[i];
		bconn_t *bc;
		cpart_t **group;
		if (leader == INT32_MIN)
			continue;
		group = malloc((size_t)n * sizeof(*group));
		if (!group)
			break;
		for (j = i; j < n; j++) {
			if (leaders[j] == leader) {
				group[k++] = batch[j];
				leaders[j] = INT32_MIN;
			}
		}
		bc = metadata_broker_conn(h, cv, leader);
		if (bc && fetch_send(h, bc, group, k) == 0) {
			if (c->fetch_broker_cnt == c->fetch_broker_cap) {
				int ncap = c->fetch_broker_cap ? c->fetch_broker_cap * 2 : 8;
				int32_t *nf = realloc(c->fetch_brokers, (size_t)ncap * sizeof(*nf));
				if (nf) {
					c->fetch_brokers = nf;
					c->fetch_broker_cap = ncap;
				}
			}
			if (c->fetch_broker_cnt < c->fetch_broker_cap)
				c->fetch_brokers[c->fetch_broker_cnt++] = leader;
		}
		free(group);
	}
out:
	pthread_mutex_unlock(&c->lock);
	free(batch);
	free(leaders);
	cview_unref(cv);
}

void consumer_fetch_done(consumer_t *c, int32_t leader)
{
	int i;
	for (i = 0; i < c->fetch_broker_cnt; i++) {
		if (c->fetch_brokers[i] == leader) {
			c->fetch_brokers[i] = c->fetch_brokers[--c->fetch_broker_cnt];
			return;
		}
	}
}

void consumer_on_metadata(fjord_t *h)
{
	consumer_serve(h);
	if (h->cg)
		cgrp_on_metadata(h);
}

void consumer_tick(fjord_t *h, int64_t now)
{
	(void)now;
	consumer_serve(h);
}

void consumer_stop(fjord_t *h)
{
	consumer_t *c = h->c;
	pthread_mutex_lock(&c->lock);
	c->stopped = 1;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

void consumer_term(fjord_t *h)
{
	consumer_t *c = h->c;
	cpart_t *cp;
	if (!c)
		return;
	consumer_purge_queue(c, NULL);
	while ((cp = TAILQ_FIRST(&c->parts))) {
		TAILQ_REMOVE(&c->parts, cp, link);
		cpart_free(cp);
	}
	free(c->fetch_brokers);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
	free(c);
	h->c = NULL;
}

int consumer_part_cnt(fjord_t *h)
{
	cpart_t *cp;
	int n = 0;
	if (!h->c)
		return 0;
	pthread_mutex_lock(&h->c->lock);
	TAILQ_FOREACH (cp, &h->c->parts, link)
		n++;
	pthread_mutex_unlock(&h->c->lock);
	return n;
}

/* stats.c: topics.<t>.partitions.<p> of every assigned partition. */
void consumer_stats_add(fjord_t *h, json_t *topics)
{
	consumer_t *c = h->c;
	cpart_t *cp;
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	TAILQ_FOREACH (cp, &c->parts, link) {
		json_t *t = json_object_get(topics, cp->topic), *parts, *p;
		cmsg_t *cm;
		int64_t fq = 0, fq_bytes = 0;
		char key[16];
		if (!t) {
			t = json_object();
			json_object_set_new(t, "topic", json_string(cp->topic));
			json_object_set_new(t, "partitions", json_object());
			json_object_set_new(topics, cp->topic, t);
		}
		parts = json_object_get(t, "partitions");
		TAILQ_FOREACH (cm, &c->queue, link) {
			if (!cm->m.err && cm->m.partition == cp->partition &&
			    !strcmp(cm->m.topic, cp->topic)) {
				fq++;
				fq_bytes += (int64_t)cm->bytes;
			}
		}
		p = json_object();
		json_object_set_new(p, "partition", json_integer(cp->partition));
		json_object_set_new(p, "fetchq_cnt", json_integer(fq));
		json_object_set_new(p, "fetchq_size", json_integer(fq_bytes));
		json_object_set_new(p, "app_offset", json_integer(cp->app_pos));
		json_object_set_new(p, "fetch_offset", json_integer(cp->fetch_pos));
		json_object_set_new(p, "hi_offset", json_integer(cp->hw));
		json_object_set_new(
		    p, "consumer_lag",
		    json_integer(cp->hw >= 0 && cp->app_pos >= 0
		                     ? (cp->hw > cp->app_pos ? cp->hw - cp->app_pos : 0)
		                     : -1));
		json_object_set_new(p, "fetch_state",
		                    json_string(cp->paused                ? "paused"
		                                : cp->state == CP_ACTIVE  ? "active"
		                                : cp->state == CP_STOPPED ? "stopped"
		                                                          : "offset-query"));
		snprintf(key, sizeof(key), "%d", (int)cp->partition);
		json_object_set_new(parts, key, p);
	}
	pthread_mutex_unlock(&c->lock);
}
