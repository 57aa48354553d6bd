/*
 * producer_idem.c — the idempotent producer (enable.idempotence, KIP-98's
 * idempotence without transactions).
 *
 * The producer id: before its first Produce request the producer asks a
 * broker (round robin over the snapshot's brokers) for an id and epoch with
 * InitProducerId, retrying after retry.backoff.ms; nothing is sent until it
 * has one.
 *
 * Sequences: a batch gets the sequence of its first record when it is first
 * sent (the partition's next_seq, which then grows by the batch's count) and
 * keeps it, and its exact records, across every retry. Up to
 * max.in.flight.requests.per.connection (at most 5, the broker remembers a
 * producer's last 5 batches) batches of a partition are in flight at once,
 * all to its leader on one connection, so they arrive in order. When one
 * fails retriably it goes back into the queue in sequence order and the
 * partition sends nothing more until its other batches have come back; then
 * the retries go one at a time, oldest first. A retry the broker already
 * has is answered with the original offsets (a duplicate), so every record
 * is stored once and in produce order.
 *
 * Answers: OUT_OF_ORDER_SEQUENCE_NUMBER for a batch behind one not yet
 * acknowledged means "the earlier one is missing": retry. A batch that leaves
 * without an acknowledgement (refused for good, or expired after
 * message.timeout.ms) leaves a hole in the sequence; the broker answers the
 * next batch OUT_OF_ORDER, which proves the hole was never stored, and the
 * queue is renumbered from the last acknowledged sequence.
 * UNKNOWN_PRODUCER_ID (the leader has no state for the id: it expired after
 * producer.id.expiration.ms of silence) for the oldest unacknowledged batch
 * restarts the partition's sequences at 0, which the broker accepts from an
 * id it does not know; nothing it could dedupe is lost, as it remembers
 * nothing of the id. For a later batch it is retried behind the older one.
 * Fatal (see fjord_fatal_error): INVALID_PRODUCER_EPOCH, an out-of-order
 * answer at the next expected sequence (records the broker acknowledged are
 * gone), and InitProducerId refused for authorization or by a broker
 * without it.
 *
 * Thread: the I/O thread, except fjord_fatal_error (any thread).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/producer_int.h"
#include "common/bytes.h"

#define PIDEM_SEQ_MOD ((int64_t)INT32_MAX + 1)
/* ppart_t.reseq: renumber from acked_seq (1) or from 0 (2). */
#define PIDEM_RESEQ_ACKED 1
#define PIDEM_RESEQ_ZERO 2

static void pidem_fatal(fjord_t *h, fjord_err_t err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

int pidem_is_fatal(fjord_t *h)
{
	return h->p->idem.state == PIDEM_FATAL;
}

int pidem_on(fjord_t *h)
{
	return h->cv_conf->idempotence && h->p->idem.state != PIDEM_OFF;
}

/* Fails every record still queued (not those in flight) with err; why is
 * static or lives as long as the handle. */
static void pidem_fail_queued_with(fjord_t *h, fjord_err_t err, const char *why)
{
	producer_t *p = h->p;
	ptopic_t *t;

	producer_drain_inbox(h);
	LIST_FOREACH (t, &p->topics, link) {
		if (t->pend_head)
			producer_fail_chain(h, t->pend_head, err, why);
		t->pend_head = t->pend_tail = NULL;
		for (int i = 0; i < t->part_cnt; i++) {
			ppart_t *pp = &t->parts[i];
			if (pp->head)
				producer_fail_chain(h, pp->head, err, why);
			pp->head = pp->tail = NULL;
			pp->cnt = pp->bytes = 0;
		}
	}
}

static void pidem_fail_queued(fjord_t *h)
{
	pidem_fail_queued_with(h, FJORD_ERR__FATAL, h->p->idem.fatal_str);
}

static void pidem_fatal(fjord_t *h, fjord_err_t err, const char *fmt, ...)
{
	pidem_t *id = &h->p->idem;
	va_list ap;

	if (id->state == PIDEM_FATAL)
		return;
	va_start(ap, fmt);
	vsnprintf(id->fatal_str, sizeof(id->fatal_str), fmt, ap);
	va_end(ap);
	id->state = PIDEM_FATAL;
	atomic_store(&id->fatal_err, (int)err);
	handle_log(h, FJ_LOG_ERR, "IDEMPOTENCE", "fatal: %s: %s", fjord_err2name(err),
	           id->fatal_str);
	cbq_push_error(h, FJORD_ERR__FATAL, id->fatal_str);
	pidem_fail_queued(h);
}

fjord_err_t fjord_fatal_error(fjord_t *fj, char *errstr, size_t errstr_size)
{
	fjord_err_t err;

	if (!fj || !fj->p)
		return FJORD_ERR_NO_ERROR;
	err = (fjord_err_t)atomic_load(&fj->p->idem.fatal_err);
	if (errstr && errstr_size)
		snprintf(errstr, errstr_size, "%s", err ? fj->p->idem.fatal_str : "");
	return err;
}

static void pidem_on_response(fjord_t *h, breq_t *req, fjord_err_t err, Fjord__Response *resp,
                              const uint8_t *payload, size_t len)
{
	pidem_t *id = &h->p->idem;
	const Fjord__InitProducerIdResponse *ir = NULL;
	const char *msg = NULL;

	(void)payload;
	(void)len;
	if (id->state != PIDEM_REQUESTING)
		return; /* fatal meanwhile, or the handle is closing */
	if (!err && resp && resp->error != FJORD__ERROR_CODE__NONE) {
		err = (fjord_err_t)resp->error;
		msg = resp->error_message;
	}
	if (!err && resp) {
		if (resp->body_case != FJORD__RESPONSE__BODY_INIT_PRODUCER_ID ||
		    !resp->init_producer_id)
			err = FJORD_ERR__BAD_MSG;
		else if ((ir = resp->init_producer_id)->error != FJORD__ERROR_CODE__NONE) {
			err = (fjord_err_t)ir->error;
			msg = ir->error_message;
		} else if (ir->producer_id < 0 || ir->producer_epoch < 0 ||
		           ir->producer_epoch > INT16_MAX) {
			err = FJORD_ERR__BAD_MSG;
		}
	}
	if ((err == FJORD_ERR_CLUSTER_AUTHORIZATION_FAILED ||
	     err == FJORD_ERR_UNSUPPORTED_VERSION) &&
	    !h->cv_conf->idempotence_explicit) {
		/* Kafka's producer with idempotence left at its default does
		 * the same: produce without it rather than not at all. */
		handle_log(h, FJ_LOG_WARNING, "IDEMPOTENCE",
		           "InitProducerId refused by broker %d: %s%s%s: producing without "
		           "idempotence (retries may store a record twice; set "
		           "enable.idempotence=true to make this an error)",
		           (int)req->broker_id, fjord_err2str(err), msg && *msg ? ": " : "",
		           msg && *msg ? msg : "");
		id->state = PIDEM_OFF;
		if (!atomic_load(&h->io_stop))
			producer_serve(h);
		return;
	}
	if (err == FJORD_ERR_CLUSTER_AUTHORIZATION_FAILED || err == FJORD_ERR_UNSUPPORTED_VERSION) {
		pidem_fatal(h, err, "InitProducerId refused by broker %d: %s%s%s",
		            (int)req->broker_id, fjord_err2str(err), msg && *msg ? ": " : "",
		            msg && *msg ? msg : "");
		return;
	}
	if (err && err != FJORD_ERR__DESTROY && !fjord_err_is_retriable(err)) {
		/* E.g. SASL_AUTHENTICATION_FAILED: the records waiting for an
		 * id fail with it, as they would at a Produce; asked again
		 * for the records that come later. */
		handle_log(h, FJ_LOG_WARNING, "IDEMPOTENCE",
		           "InitProducerId at broker %d failed: %s%s%s; failing the queued records",
		           (int)req->broker_id, fjord_err2str(err), msg && *msg ? ": " : "",
		           msg && *msg ? msg : "");
		pidem_fail_queued_with(h, err, fjord_err2str(err));
		id->state = PIDEM_NONE;
		id->retry_at_ms = fj_mono_ms() + h->cv_conf->retry_backoff_ms;
		return;
	}
	if (err) {
		handle_log(h, FJ_LOG_INFO, "IDEMPOTENCE",
		           "InitProducerId at broker %d failed: %s%s%s; retrying",
		           (int)req->broker_id, fjord_err2str(err), msg && *msg ? ": " : "",
		           msg && *msg ? msg : "");
		id->state = PIDEM_NONE;
		id->retry_at_ms = fj_mono_ms() + h->cv_conf->retry_backoff_ms;
		return;
	}
	id->pid = ir->producer_id;
	id->epoch = (int16_t)ir->producer_epoch;
	id->state = PIDEM_ASSIGNED;
	handle_log(h, FJ_LOG_INFO, "IDEMPOTENCE", "producer id %lld, epoch %d (from broker %d)",
	           (long long)id->pid, (int)id->epoch, (int)req->broker_id);
	if (!atomic_load(&h->io_stop))
		producer_serve(h);
}

/* Sends InitProducerId to the next broker of the snapshot. */
static void pidem_request(fjord_t *h, int64_t now)
{
	pidem_t *id = &h->p->idem;
	cview_t *cv = metadata_snapshot(h);
	Fjord__Request rq = FJORD__REQUEST__INIT;
	Fjord__InitProducerIdRequest ir = FJORD__INIT_PRODUCER_ID_REQUEST__INIT;
	bconn_t *bc = NULL;

	id->retry_at_ms = now + h->cv_conf->retry_backoff_ms;
	if (!cv)
		return;
	for (int i = 0; i < cv->broker_cnt && !bc; i++) {
		int32_t k = (id->next_broker++ & INT32_MAX) % cv->broker_cnt;
		bc = metadata_broker_conn(h, cv, cv->brokers[k].id);
	}
	cview_unref(cv);
	if (!bc) {
		metadata_refresh(h, "no broker for InitProducerId");
		return;
	}
	ir.producer_id = -1;
	ir.producer_epoch = -1;
	rq.api = FJORD__API_KEY__INIT_PRODUCER_ID;
	rq.body_case = FJORD__REQUEST__BODY_INIT_PRODUCER_ID;
	rq.init_producer_id = &ir;
	if (bconn_send(bc, &rq, NULL, 0, 1, h->cv_conf->request_timeout_ms, pidem_on_response,
	               NULL) == 0)
		id->state = PIDEM_REQUESTING;
}

int pidem_ready(fjord_t *h, int64_t now)
{
	pidem_t *id = &h->p->idem;

	if (!pidem_on(h))
		return 1;
	if (id->state == PIDEM_FATAL) {
		pidem_fail_queued(h); /* records that raced with the fatal error */
		return 0;
	}
	if (id->state == PIDEM_NONE && now >= id->retry_at_ms)
		pidem_request(h, now);
	return id->state == PIDEM_ASSIGNED;
}

/* Gives the queue's sequenced batches consecutive sequences from acked_seq
 * (the broker proved it has nothing after it). */
static void pidem_resequence(fjord_t *h, ptopic_t *t, ppart_t *pp)
{
	int64_t seq = pp->reseq == PIDEM_RESEQ_ZERO ? 0 : pp->acked_seq;
	prec_t *r = pp->head;

	while (r && r->seq >= 0) {
		int n = r->batch_cnt;
		r->seq = seq;
		seq += n;
		while (n-- > 0 && r)
			r = r->next;
	}
	if (pp->reseq == PIDEM_RESEQ_ZERO)
		handle_log(h, FJ_LOG_INFO, "IDEMPOTENCE",
		           "%s [%d]: the leader no longer knows producer id %lld (expired); "
		           "sequences start again at 0",
		           t ? t->name : "?", t ? (int)(pp - t->parts) : -1,
		           (long long)h->p->idem.pid);
	else
		handle_log(h, FJ_LOG_INFO, "IDEMPOTENCE",
		           "%s [%d]: sequences %lld..%lld were never stored; renumbering from %lld",
		           t ? t->name : "?", t ? (int)(pp - t->parts) : -1,
		           (long long)pp->hole_start, (long long)pp->hole_end - 1,
		           (long long)pp->acked_seq);
	if (pp->reseq == PIDEM_RESEQ_ZERO)
		pp->acked_seq = 0;
	pp->next_seq = seq;
	pp->hole_start = pp->hole_end = 0;
	pp->reseq = 0;
}

static ptopic_t *pidem_topic_of(fjord_t *h, const ppart_t *pp)
{
	ptopic_t *t;

	LIST_FOREACH (t, &h->p->topics, link)
		if (t->parts && pp >= t->parts && pp < t->parts + t->part_cnt)
			return t;
	return NULL;
}

int pidem_part_may_send(fjord_t *h, ppart_t *pp)
{
	if (!pidem_on(h))
		return pp->inflight == 0;
	if (pp->reseq) {
		if (pp->inflight)
			return 0;
		pidem_resequence(h, pidem_topic_of(h, pp), pp);
	}
	if (pp->inflight >= h->cv_conf->max_in_flight)
		return 0;
	/* A retry goes alone, oldest first. */
	return !(pp->head && pp->head->seq >= 0 && pp->inflight > 0);
}

int pidem_batch_begin(fjord_t *h, ppart_t *pp, rb_builder_t *rb)
{
	const pidem_t *id = &h->p->idem;
	int64_t seq;

	if (!pidem_on(h))
		return 0;
	seq = pp->head->seq >= 0 ? pp->head->seq : pp->next_seq;
	rb_builder_set_producer(rb, id->pid, id->epoch, (int32_t)(seq % PIDEM_SEQ_MOD));
	return pp->head->seq >= 0 ? pp->head->batch_cnt : 0;
}

void pidem_batch_built(fjord_t *h, ppart_t *pp, prec_t *head, int cnt)
{
	if (!pidem_on(h) || head->seq >= 0)
		return;
	head->seq = pp->next_seq;
	head->batch_cnt = cnt;
	pp->next_seq += cnt;
}

void pidem_acked(ppart_t *pp, const prec_t *head, int cnt)
{
	if (head->seq < 0)
		return;
	if (head->seq + cnt > pp->acked_seq)
		pp->acked_seq = head->seq + cnt;
	/* Acknowledged past the hole: the broker had it after all. */
	if (pp->hole_end > pp->hole_start && pp->acked_seq >= pp->hole_end)
		pp->hole_start = pp->hole_end = 0;
}

void pidem_hole(ppart_t *pp, const prec_t *head, int cnt)
{
	if (head->seq < 0)
		return;
	if (pp->hole_end == pp->hole_start)
		pp->hole_start = head->seq;
	if (head->seq + cnt > pp->hole_end)
		pp->hole_end = head->seq + cnt;
}

int pidem_failed(fjord_t *h, ppart_t *pp, const prec_t *head, fjord_err_t err)
{
	ptopic_t *t;

	if (!pidem_on(h) || head->seq < 0)
		return 0;
	if (pidem_is_fatal(h))
		return -1;
	t = pidem_topic_of(h, pp);
	switch (err) {
	case FJORD_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER:
		if (head->seq > pp->acked_seq) {
			/* Behind a batch not acknowledged (yet). When that is a
			 * hole, this answer proves it was never stored. */
			if (pp->hole_end > pp->hole_start && pp->acked_seq == pp->hole_start &&
			    head->seq == pp->hole_end && !pp->reseq)
				pp->reseq = PIDEM_RESEQ_ACKED;
			return 1;
		}
		pidem_fatal(h, err,
		            "%s [%d]: the broker lost acknowledged records: sequence %lld, the "
		            "next after the last acknowledged batch, is out of order",
		            t ? t->name : "?", t ? (int)(pp - t->parts) : -1, (long long)head->seq);
		return -1;
	case FJORD_ERR_INVALID_PRODUCER_EPOCH:
		pidem_fatal(h, err,
		            "%s [%d]: producer id %lld epoch %d was fenced by a newer epoch",
		            t ? t->name : "?", t ? (int)(pp - t->parts) : -1,
		            (long long)h->p->idem.pid, (int)h->p->idem.epoch);
		return -1;
	case FJORD_ERR_UNKNOWN_PRODUCER_ID:
		/* The oldest unacknowledged batch (past a hole, which the
		 * broker cannot have either): start again at 0. */
		if (head->seq == pp->acked_seq ||
		    (pp->hole_end > pp->hole_start && pp->acked_seq == pp->hole_start &&
		     head->seq == pp->hole_end))
			pp->reseq = PIDEM_RESEQ_ZERO;
		return 1;
	default:
		return 0;
	}
}

void pidem_requeue(ppart_t *pp, prec_t *head, int cnt)
{
	prec_t **at = &pp->head, *last = head, *r;
	size_t bytes = 0;

	if (head->seq < 0) {
		ppart_prepend(pp, head, cnt);
		return;
	}
	for (r = head; r; r = r->next) {
		bytes += r->size;
		last = r;
	}
	/* Past the sequenced batches that come before it. */
	while (*at && (*at)->seq >= 0 && (*at)->seq < head->seq) {
		int n = (*at)->batch_cnt;
		while (n-- > 0 && *at)
			at = &(*at)->next;
	}
	last->next = *at;
	*at = head;
	if (!last->next)
		pp->tail = last;
	pp->cnt += (size_t)cnt;
	pp->bytes += bytes;
}

prec_t *pidem_expire(fjord_t *h, ppart_t *pp, int64_t now)
{
	prec_t **at = &pp->head, *expired = NULL, **etail = &expired, *r;

	while ((r = *at)) {
		int n = r->seq >= 0 ? r->batch_cnt : 1;
		if (r->deadline_ms > now) {
			while (n-- > 0 && *at)
				at = &(*at)->next;
			continue;
		}
		if (r->seq >= 0)
			pidem_hole(pp, r, n);
		while (n-- > 0 && (r = *at)) {
			*at = r->next;
			r->next = NULL;
			*etail = r;
			etail = &r->next;
			pp->cnt--;
			pp->bytes -= r->size;
		}
	}
	pp->tail = NULL;
	for (r = pp->head; r; r = r->next)
		pp->tail = r;
	if (expired)
		producer_fail_chain(h, expired, FJORD_ERR__MSG_TIMED_OUT,
		                    "message.timeout.ms expired before delivery");
	return pp->head;
}
