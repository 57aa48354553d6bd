/*
 * produce_send.c — the producer's sending half: which partitions are ready,
 * one Produce request per leader, and what each answer means for the
 * records it carried (delivery report, retry, or failure).
 *
 * Readiness: a partition with records, no request in flight and no retry
 * backoff pending, whose queue holds batch.size bytes, whose oldest record
 * waited linger.ms, which is being retried, or while a flush/close runs.
 * One batch per partition per request (at most batch.size bytes, at least
 * one record), built with the producer's one rb_builder and copied into a
 * reusable payload buffer. Responses map per-partition errors to retries
 * (retriable, within `retries` and message.timeout.ms; the records go back
 * to the head of their queue so order holds) or to delivery reports; a
 * retriable error past message.timeout.ms is reported as _MSG_TIMED_OUT.
 * A non-retriable refusal (INVALID_RECORD, INVALID_TIMESTAMP, ...) fails
 * the batch's records at once, each report's errstr carrying the broker's
 * error_message ("record 3: ...").
 * Thread: the I/O thread only.
 */
#include <stdlib.h>
#include <string.h>

#include "client/producer_int.h"
#include "common/bytes.h"
#include "common/pbuild.h"

typedef struct pready {
	int32_t leader;
	ptopic_t *t;
	int32_t partition;
} pready_t;

static int producer_ready_cmp(const void *a, const void *b)
{
	const pready_t *x = a, *y = b;
	int c;
	if (x->leader != y->leader)
		return x->leader < y->leader ? -1 : 1;
	c = strcmp(x->t->name, y->t->name);
	if (c)
		return c;
	return x->partition < y->partition ? -1 : x->partition > y->partition;
}

static void producer_on_response(fjord_t *h, breq_t *req, fjord_err_t err, Fjord__Response *resp,
                                 const uint8_t *payload, size_t len);

static int producer_payload_add(producer_t *p, size_t *used, const uint8_t *b, size_t n)
{
	if (*used + n > p->payload_cap) {
		size_t cap = p->payload_cap ? p->payload_cap : 65536;
		uint8_t *nb;
		while (cap < *used + n)
			cap *= 2;
		nb = realloc(p->payload, cap);
		if (!nb)
			return -1;
		p->payload = nb;
		p->payload_cap = cap;
	}
	memcpy(p->payload + *used, b, n);
	*used += n;
	return 0;
}

/* Builds and sends one Produce request for ready[0..n) (same leader). */
static void producer_send(fjord_t *h, bconn_t *bc, pready_t *ready, int n)
{
	producer_t *p = h->p;
	const fj_conf_values_t *v = h->cv_conf;
	Fjord__Request rq = FJORD__REQUEST__INIT;
	Fjord__ProduceRequest pr = FJORD__PRODUCE_REQUEST__INIT;
	preq_t *pq = calloc(1, sizeof(*pq) + (size_t)n * sizeof(preq_part_t));
	const char **names;
	uint32_t *lens;
	Fjord__ProducePartitionData **pds;
	arena_t ar;
	size_t used = 0;
	int i;

	arena_init(&ar, 0);
	names = arena_calloc(&ar, (size_t)n, sizeof(*names));
	lens = arena_calloc(&ar, (size_t)n, sizeof(*lens));
	pds = arena_calloc(&ar, (size_t)n, sizeof(*pds));
	if (!names || !lens || !pds || !pq)
		goto out;
	pq->acks = v->acks;
	for (i = 0; i < n; i++) {
		ptopic_t *t = ready[i].t;
		ppart_t *pp = &t->parts[ready[i].partition];
		preq_part_t *qp = &pq->parts[pq->cnt];
		prec_t *r, *last = NULL;
		const uint8_t *batch;
		size_t blen, before = used;
		int cnt = 0, exact;
		rb_builder_reset(&p->rb);
		/* A retry of an idempotent batch holds exactly its records. */
		exact = pidem_batch_begin(h, pp, &p->rb);
		for (r = pp->head; r; r = r->next) {
			if (exact ? cnt == exact
			          : cnt > 0 &&
			                rb_builder_size(&p->rb) + r->size > (size_t)v->batch_size)
				break;
			if (rb_builder_add(&p->rb, r->timestamp, r->key, r->key_len, r->value,
			                   r->value_len, r->headers, r->header_cnt) < 0)
				break;
			cnt++;
			last = r;
		}
		if (!cnt || (exact && cnt != exact) ||
		    rb_builder_finish(&p->rb, &batch, &blen) != 0 ||
		    producer_payload_add(p, &used, batch, blen) < 0) {
			used = before;
			continue;
		}
		pidem_batch_built(h, pp, pp->head, cnt);
		/* Detach the batch's records from the queue. */
		qp->t = t;
		qp->partition = ready[i].partition;
		qp->head = pp->head;
		qp->cnt = cnt;
		pp->head = last->next;
		last->next = NULL;
		if (!pp->head)
			pp->tail = NULL;
		pp->cnt -= (size_t)cnt;
		for (r = qp->head; r; r = r->next)
			pp->bytes -= r->size;
		pp->inflight++;
		if (t->sticky == ready[i].partition)
			t->sticky = -1; /* a new batch: a new sticky partition */
		names[pq->cnt] = t->name;
		lens[pq->cnt] = (uint32_t)(used - before);
		pq->cnt++;
	}
	if (pq->cnt == 0)
		goto out;
	/* ready[] comes sorted by topic: one topic entry per run. */
	pr.topics = pbuild_grouped(&ar, &fjord__produce_topic_data__descriptor, names,
	                           (size_t)pq->cnt, &pr.n_topics, (ProtobufCMessage **)pds);
	if (!pr.topics)
		goto requeue;
	for (i = 0; i < pq->cnt; i++) {
		pds[i]->partition = pq->parts[i].partition;
		pds[i]->records_len = lens[i];
	}
	pr.acks = v->acks;
	pr.timeout_ms = v->request_timeout_ms;
	rq.api = FJORD__API_KEY__PRODUCE;
	rq.body_case = FJORD__REQUEST__BODY_PRODUCE;
	rq.produce = &pr;
	if (bconn_send(bc, &rq, p->payload, used, v->acks != 0,
	               v->request_timeout_ms + v->socket_timeout_ms / 2, producer_on_response,
	               pq) == 0) {
		pq = NULL;
		goto out;
	}
requeue:
	/* Could not queue: put everything back. */
	for (i = 0; i < pq->cnt; i++) {
		ppart_t *pp = &pq->parts[i].t->parts[pq->parts[i].partition];
		pidem_requeue(pp, pq->parts[i].head, pq->parts[i].cnt);
		pp->inflight--;
	}
out:
	arena_free(&ar);
	free(pq);
}

void producer_serve(fjord_t *h)
{
	producer_t *p = h->p;
	const fj_conf_values_t *v = h->cv_conf;
	cview_t *cv = metadata_snapshot(h);
	int64_t now = fj_mono_ms();
	int flushing = atomic_load(&p->flushing) > 0 || atomic_load(&h->closed);
	pready_t *ready = NULL;
	int n = 0, cap = 0, i, j;
	ptopic_t *t;

	if (!cv)
		return;
	if (!pidem_ready(h, now))
		goto out;
	LIST_FOREACH (t, &p->topics, link) {
		const cview_topic_t *ct;
		if (t->state != PT_KNOWN)
			continue;
		ct = cview_topic(cv, t->name);
		for (i = 0; i < t->part_cnt; i++) {
			ppart_t *pp = &t->parts[i];
			int32_t leader;
			if (!pp->head || pp->retry_at_ms > now || !pidem_part_may_send(h, pp) ||
			    !pp->head)
				continue;
			if (!flushing && pp->bytes < (size_t)v->batch_size &&
			    now - pp->head->enq_us / 1000 < v->linger_ms && !pp->head->retries)
				continue;
			leader = ct && i < ct->partition_cnt && ct->partitions[i].has_state
			             ? ct->partitions[i].leader
			             : -1;
			if (leader < 0) {
				metadata_refresh(h, "partition without leader");
				continue;
			}
			if (n == cap) {
				pready_t *nr =
				    realloc(ready, (size_t)(cap ? cap * 2 : 64) * sizeof(*nr));
				if (!nr)
					goto out;
				ready = nr;
				cap = cap ? cap * 2 : 64;
			}
			ready[n].leader = leader;
			ready[n].t = t;
			ready[n].partition = i;
			n++;
		}
	}
	if (!n)
		goto out;
	qsort(ready, (size_t)n, sizeof(*ready), producer_ready_cmp);
	for (i = 0; i < n; i = j) {
		bconn_t *bc;
		for (j = i; j < n && ready[j].leader == ready[i].leader; j++)
			;
		bc = metadata_broker_conn(h, cv, ready[i].leader);
		if (!bc) {
			metadata_refresh(h, "leader not among the brokers");
			continue;
		}
		if (bconn_inflight(bc) >= v->max_in_flight)
			continue;
		producer_send(h, bc, ready + i, j - i);
	}
out:
	free(ready);
	cview_unref(cv);
}

void producer_leaders_changed(fjord_t *h, const cview_t *cv)
{
	int64_t now = fj_mono_ms();
	ptopic_t *t;
	if (!cv)
		return;
	LIST_FOREACH (t, &h->p->topics, link) {
		const cview_topic_t *ct = t->state == PT_KNOWN ? cview_topic(cv, t->name) : NULL;
		for (int i = 0; ct && i < t->part_cnt && i < ct->partition_cnt; i++) {
			ppart_t *pp = &t->parts[i];
			int32_t leader =
			    ct->partitions[i].has_state ? ct->partitions[i].leader : -1;
			if (pp->retry_at_ms > now && leader >= 0 && leader != pp->retry_leader) {
				pp->retry_at_ms = 0;
				handle_log(h, FJ_LOG_DEBUG, "PRODUCE",
				           "%s [%d]: new leader %d: retrying now", t->name, i,
				           (int)leader);
			}
		}
	}
}

/* Records of a partition's request came back with err: retry or fail. The
 * retry waits retry.backoff.ms, unless a snapshot names another leader first
 * (producer_leaders_changed): in ZooKeeper mode a failover is then followed
 * as soon as ZooKeeper shows it. */
static void producer_part_error(fjord_t *h, preq_part_t *qp, fjord_err_t err, const char *errstr,
                                int sent, int32_t broker_id)
{
	const fj_conf_values_t *v = h->cv_conf;
	ppart_t *pp = &qp->t->parts[qp->partition];
	int64_t now = fj_mono_ms();
	prec_t *r;
	int possibly = sent && (err == FJORD_ERR__TRANSPORT || err == FJORD_ERR_REQUEST_TIMED_OUT ||
	                        err == FJORD_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND);
	int idem = pidem_failed(h, pp, qp->head, err);
	int retriable = fjord_err_is_retriable(err) || idem > 0;
	for (r = qp->head; r; r = r->next)
		r->possibly |= possibly;
	if (idem < 0) { /* fatal: the producer stops (producer_idem.c) */
		producer_fail_chain_text(h, qp->head, err, errstr, NULL);
		return;
	}
	if (err != FJORD_ERR__DESTROY && retriable && qp->head->retries < v->retries &&
	    now < qp->head->deadline_ms && !atomic_load(&h->io_stop)) {
		for (r = qp->head; r; r = r->next)
			r->retries++;
		pidem_requeue(pp, qp->head, qp->cnt);
		pp->retry_at_ms = now + v->retry_backoff_ms;
		pp->retry_leader = broker_id;
		metadata_refresh(h, fjord_err2name(err));
		handle_log(h, FJ_LOG_INFO, "PRODUCE", "%s [%d]: %d record(s) will be retried: %s",
		           qp->t->name, qp->partition, qp->cnt, fjord_err2str(err));
		return;
	}
	/* Leaving unacknowledged: a hole in an idempotent sequence. */
	pidem_hole(pp, qp->head, qp->cnt);
	if (err != FJORD_ERR__DESTROY && retriable && now >= qp->head->deadline_ms) {
		handle_log(h, FJ_LOG_WARNING, "PRODUCE",
		           "%s [%d]: %d record(s) timed out; last error: %s", qp->t->name,
		           qp->partition, qp->cnt, fjord_err2str(err));
		producer_fail_chain(h, qp->head, FJORD_ERR__MSG_TIMED_OUT,
		                    "message.timeout.ms expired while retrying");
		return;
	}
	if (!retriable && err > 0) {
		/* The broker refused the batch for good (INVALID_RECORD,
		 * INVALID_TIMESTAMP, MESSAGE_TOO_LARGE, ...): every record of
		 * it fails with the broker's reason, and is not retried. */
		handle_log(h, FJ_LOG_WARNING, "PRODUCE", "%s [%d]: %d record(s) refused: %s: %s",
		           qp->t->name, qp->partition, qp->cnt, fjord_err2name(err),
		           errstr && *errstr ? errstr : fjord_err2str(err));
	}
	producer_fail_chain_text(h, qp->head, err, errstr, NULL);
}

static void producer_on_response(fjord_t *h, breq_t *req, fjord_err_t err, Fjord__Response *resp,
                                 const uint8_t *payload, size_t len)
{
	preq_t *pq = req->opaque;
	int i;
	int64_t now_us = fj_mono_us();
	(void)payload;
	(void)len;
	if (!err && resp && resp->error != FJORD__ERROR_CODE__NONE)
		err = (fjord_err_t)resp->error;
	if (!err && resp && (resp->body_case != FJORD__RESPONSE__BODY_PRODUCE || !resp->produce))
		err = FJORD_ERR__BAD_MSG;
	for (i = 0; i < pq->cnt; i++) {
		preq_part_t *qp = &pq->parts[i];
		ppart_t *pp = &qp->t->parts[qp->partition];
		Fjord__ProducePartitionResponse *ppr = NULL;
		fjord_err_t perr = err;
		prec_t *r;
		int64_t k = 0;
		pp->inflight--;
		if (!perr && resp) {
			size_t a, b;
			for (a = 0; a < resp->produce->n_topics && !ppr; a++) {
				Fjord__ProduceTopicResponse *tr = resp->produce->topics[a];
				if (!tr->topic || strcmp(tr->topic, qp->t->name))
					continue;
				for (b = 0; b < tr->n_partitions; b++)
					if (tr->partitions[b]->partition == qp->partition)
						ppr = tr->partitions[b];
			}
			perr = ppr ? (fjord_err_t)ppr->error : FJORD_ERR__BAD_MSG;
		}
		if (perr) {
			producer_part_error(h, qp, perr, ppr ? ppr->error_message : NULL, req->sent,
			                    req->broker_id);
			continue;
		}
		if (ppr)
			pidem_acked(pp, qp->head, qp->cnt);
		for (r = qp->head; r; r = r->next, k++) {
			r->err = FJORD_ERR_NO_ERROR;
			if (ppr) {
				r->offset = ppr->base_offset + k;
				r->status = FJORD_MSG_STATUS_PERSISTED;
				r->ack_timestamp =
				    ppr->log_append_time > 0 ? ppr->log_append_time : r->timestamp;
			} else { /* acks=0: written to the socket, no answer will come */
				r->offset = -1;
				r->status = FJORD_MSG_STATUS_POSSIBLY_PERSISTED;
				r->ack_timestamp = r->timestamp;
			}
			r->latency_us = now_us - r->enq_us;
		}
		producer_dr_push(h, qp->head);
	}
	free(pq);
	if (!atomic_load(&h->io_stop))
		producer_serve(h);
}

/* Fails expired records (message.timeout.ms) of one chain; returns the new
 * head. */
static prec_t *producer_expire(fjord_t *h, prec_t *head, int64_t now, size_t *cntp, size_t *bytesp)
{
	prec_t **pp = &head, *expired = NULL, **etail = &expired, *r;
	while ((r = *pp)) {
		if (r->deadline_ms <= now) {
			*pp = r->next;
			r->next = NULL;
			*etail = r;
			etail = &r->next;
			if (cntp)
				(*cntp)--;
			if (bytesp)
				*bytesp -= r->size;
		} else {
			pp = &r->next;
		}
	}
	if (expired)
		producer_fail_chain(h, expired, FJORD_ERR__MSG_TIMED_OUT,
		                    "message.timeout.ms expired before delivery");
	return head;
}

static prec_t *producer_chain_tail(prec_t *head)
{
	while (head && head->next)
		head = head->next;
	return head;
}

void producer_tick(fjord_t *h, int64_t now)
{
	ptopic_t *t;
	cview_t *cv = metadata_snapshot(h);
	producer_drain_inbox(h);
	LIST_FOREACH (t, &h->p->topics, link) {
		int i;
		if (t->pend_head) {
			t->pend_head = producer_expire(h, t->pend_head, now, NULL, NULL);
			t->pend_tail = producer_chain_tail(t->pend_head);
			producer_topic_update(h, t, cv, now);
		}
		for (i = 0; i < t->part_cnt; i++) {
			ppart_t *pp = &t->parts[i];
			if (!pp->head || pp->head->deadline_ms > now)
				continue;
			if (pidem_on(h)) {
				pidem_expire(h, pp, now);
				continue;
			}
			pp->head = producer_expire(h, pp->head, now, &pp->cnt, &pp->bytes);
			pp->tail = producer_chain_tail(pp->head);
		}
	}
	cview_unref(cv);
	producer_serve(h);
}

void producer_purge(fjord_t *h, fjord_err_t err)
{
	producer_t *p = h->p;
	ptopic_t *t;
	prec_t *r;
	pthread_mutex_lock(&p->lock);
	r = p->inbox_head;
	p->inbox_head = p->inbox_tail = NULL;
	pthread_mutex_unlock(&p->lock);
	if (r)
		producer_fail_chain(h, r, err, "handle closed before delivery");
	LIST_FOREACH (t, &p->topics, link) {
		int i;
		if (t->pend_head)
			producer_fail_chain(h, t->pend_head, err, "handle closed before delivery");
		t->pend_head = t->pend_tail = NULL;
		for (i = 0; i < t->part_cnt; i++) {
			ppart_t *pp = &t->parts[i];
			if (pp->head)
				producer_fail_chain(h, pp->head, err,
				                    "handle closed before delivery");
			pp->head = pp->tail = NULL;
			pp->cnt = pp->bytes = 0;
		}
	}
}
