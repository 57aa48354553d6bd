/*
 * producer.c — asynchronous produce with per-record delivery reports.
 *
 * Flow: fjord_produce() (any app thread) validates, copies the record into
 * one allocation (prec_t) and appends it to the producer's inbox; the I/O
 * thread drains the inbox into per-topic state (ptopic_t). Until a topic is
 * in the metadata its records wait on the topic; a topic absent from the
 * metadata is checked once with a Metadata request, and if it does not exist
 * its records fail with FJORD_ERR__UNKNOWN_TOPIC reports (and produce()
 * refuses it at once for metadata.max.age.ms). Known topics partition each
 * record (partitioner.c) into a per-partition queue (ppart_t).
 *
 * Sending (producer_serve): a partition is ready when its queue holds
 * batch.size bytes, its oldest record waited linger.ms, or a flush/close is
 * under way. Ready partitions are grouped by leader; one Produce request per
 * leader carries one batch (<= batch.size bytes, built with rb_builder, no
 * malloc per record) for each of its ready partitions. A partition has at
 * most one request in flight, so a retry can never reorder it; records that
 * arrive meanwhile go in the next request. A connection carries at most
 * max.in.flight.requests.per.connection requests.
 *
 * Outcomes: success reports offset base_offset + index and status PERSISTED.
 * Retriable errors (fjord_err_is_retriable) put the records back at the head
 * of their queue for retry after retry.backoff.ms with a metadata refresh,
 * bounded by `retries` and message.timeout.ms; a retry waiting out its
 * backoff goes at once when a new snapshot names another leader (in
 * ZooKeeper mode: as soon as the controller's election is visible). A
 * request whose bytes reached
 * the socket and then got no answer marks its records POSSIBLY_PERSISTED.
 * acks=0: reported (offset -1, POSSIBLY_PERSISTED, err 0) once written to
 * the socket. Every record gets exactly one report.
 *
 * Threads and ownership: inbox, missing-topic list and counters are shared
 * (p->lock / atomics); everything else belongs to the I/O thread. A record
 * is owned by the inbox, then a topic or partition queue, then a request,
 * then the callback queue, which frees it after its report is served.
 */
#include <stdlib.h>
#include <string.h>

#include "client/producer_int.h"
#include "common/bytes.h"
#include "common/deadline.h"

/* ------------------------------------------------------------ app side */

static void producer_inbox_run(evutil_socket_t fd, short what, void *arg);

int producer_init(fjord_t *h)
{
	producer_t *p = calloc(1, sizeof(*p));
	if (!p)
		return -1;
	pthread_mutex_init(&p->lock, NULL);
	pthread_mutex_init(&p->flush_lock, NULL);
	deadline_cond_init(&p->flush_cond);
	LIST_INIT(&p->missing);
	LIST_INIT(&p->topics);
	rb_builder_init(&p->rb, (rb_codec_t)h->cv_conf->compression_type,
	                h->cv_conf->compression_level);
	p->inbox_ev = event_new(h->base, -1, EV_READ, producer_inbox_run, h);
	h->p = p;
	if (!p->inbox_ev)
		return -1;
	return 0;
}

static prec_t *producer_rec_new(const char *topic, int32_t partition, const void *key,
                                size_t key_len, const void *value, size_t value_len,
                                const fjord_header_t *headers, size_t header_cnt)
{
	size_t tlen = strlen(topic) + 1, hsz = 0, i, total;
	prec_t *r;
	uint8_t *p;
	for (i = 0; i < header_cnt; i++)
		hsz += strlen(headers[i].name) + 1 + (headers[i].value ? headers[i].value_len : 0);
	total = sizeof(*r) + header_cnt * sizeof(fjord_header_t) + tlen + key_len + value_len + hsz;
	r = calloc(1, total);
	if (!r)
		return NULL;
	p = (uint8_t *)(r + 1);
	r->headers = header_cnt ? (fjord_header_t *)p : NULL;
	p += header_cnt * sizeof(fjord_header_t);
	r->topic = (char *)p;
	memcpy(p, topic, tlen);
	p += tlen;
	if (key) {
		r->key = p;
		r->key_len = key_len;
		memcpy(p, key, key_len);
		p += key_len;
	}
	if (value) {
		r->value = p;
		r->value_len = value_len;
		memcpy(p, value, value_len);
		p += value_len;
	}
	for (i = 0; i < header_cnt; i++) {
		size_t nl = strlen(headers[i].name) + 1;
		r->headers[i].name = (char *)p;
		memcpy(p, headers[i].name, nl);
		p += nl;
		if (headers[i].value) {
			r->headers[i].value = p;
			r->headers[i].value_len = headers[i].value_len;
			memcpy(p, headers[i].value, headers[i].value_len);
			p += headers[i].value_len;
		}
	}
	r->header_cnt = header_cnt;
	r->partition = partition;
	/* Record overhead in a batch is a few varints: 32 bytes is a safe bound
	 * for accounting against batch.size and the queue limits. */
	r->size = key_len + value_len + hsz + 32;
	r->offset = -1;
	return r;
}

static int producer_topic_missing(producer_t *p, const char *topic)
{
	pmissing_t *m, *tmp;
	int64_t now = fj_mono_ms();
	int found = 0;
	pthread_mutex_lock(&p->lock);
	LIST_FOREACH_SAFE (m, &p->missing, link, tmp) {
		if (m->until_ms <= now) {
			LIST_REMOVE(m, link);
			free(m);
		} else if (!strcmp(m->name, topic)) {
			found = 1;
		}
	}
	pthread_mutex_unlock(&p->lock);
	return found;
}

fjord_err_t fjord_produce(fjord_t *fj, const char *topic, int32_t partition, const void *key,
                          size_t key_len, const void *value, size_t value_len,
                          const fjord_header_t *headers, size_t header_cnt, int64_t timestamp,
                          void *msg_opaque)
{
	producer_t *p;
	prec_t *r;
	cview_t *cv;
	size_t i;
	int wake;
	if (!fj || !fj->p || atomic_load(&fj->closed))
		return FJORD_ERR__STATE;
	p = fj->p;
	/* The brokers refused our SASL login: records could never be sent. */
	if (atomic_load(&fj->auth_err))
		return (fjord_err_t)atomic_load(&fj->auth_err);
	if (atomic_load(&p->idem.fatal_err))
		return FJORD_ERR__FATAL;
	if (!topic || !*topic || (header_cnt && !headers) || (key_len && !key) ||
	    (value_len && !value))
		return FJORD_ERR__INVALID_ARG;
	for (i = 0; i < header_cnt; i++)
		if (!headers[i].name)
			return FJORD_ERR__INVALID_ARG;
	if (partition < FJORD_PARTITION_UA)
		return FJORD_ERR__UNKNOWN_PARTITION;
	if (key_len + value_len + 64 > (size_t)fj->cv_conf->message_max_bytes)
		return FJORD_ERR_MESSAGE_TOO_LARGE;
	if (producer_topic_missing(p, topic))
		return FJORD_ERR__UNKNOWN_TOPIC;
	cv = metadata_snapshot(fj);
	if (cv) {
		const cview_topic_t *t = cview_topic(cv, topic);
		int bad = t && partition >= t->partition_cnt;
		cview_unref(cv);
		if (bad)
			return FJORD_ERR__UNKNOWN_PARTITION;
	}
	if (atomic_load(&p->outq_cnt) >= (size_t)fj->cv_conf->queue_buffering_max_messages ||
	    atomic_load(&p->outq_bytes) + key_len + value_len >
	        (size_t)fj->cv_conf->queue_buffering_max_kbytes * 1024)
		return FJORD_ERR__QUEUE_FULL;
	r = producer_rec_new(topic, partition, key, key_len, value, value_len, headers, header_cnt);
	if (!r)
		return FJORD_ERR__FAIL;
	r->timestamp = timestamp > 0 ? timestamp : fj_now_ms();
	r->opaque = msg_opaque;
	r->enq_us = fj_mono_us();
	r->seq = -1;
	r->deadline_ms = r->enq_us / 1000 + fj->cv_conf->message_timeout_ms;
	atomic_fetch_add(&p->outq_cnt, 1);
	atomic_fetch_add(&p->outq_bytes, r->size);
	pthread_mutex_lock(&p->lock);
	wake = p->inbox_head == NULL;
	if (p->inbox_tail)
		p->inbox_tail->next = r;
	else
		p->inbox_head = r;
	p->inbox_tail = r;
	pthread_mutex_unlock(&p->lock);
	if (wake)
		event_active(p->inbox_ev, EV_READ, 0);
	return FJORD_ERR_NO_ERROR;
}

int fjord_outq_len(fjord_t *fj)
{
	if (!fj || !fj->p)
		return 0;
	return (int)atomic_load(&fj->p->outq_cnt);
}

size_t producer_outq(fjord_t *h)
{
	return h->p ? atomic_load(&h->p->outq_cnt) : 0;
}

size_t producer_purged(fjord_t *h)
{
	return h->p ? atomic_load(&h->p->purged) : 0;
}

void producer_dr_served(fjord_t *h, prec_t *r)
{
	producer_t *p = h->p;
	if (r->errtext && atomic_fetch_sub(&r->errtext->refs, 1) == 1)
		free(r->errtext);
	atomic_fetch_sub(&p->outq_bytes, r->size);
	if (atomic_fetch_sub(&p->outq_cnt, 1) == 1) {
		pthread_mutex_lock(&p->flush_lock);
		pthread_cond_broadcast(&p->flush_cond);
		pthread_mutex_unlock(&p->flush_lock);
	}
	free(r);
}

/* The callback thread (a CBQ_CALL of producer_dr_push): one report per
 * record of list, in order, then the record is accounted for and freed. */
static void producer_dr_deliver(fjord_t *h, void *arg)
{
	fjord_conf_t *conf = h->conf;
	prec_t *r, *next;

	for (r = arg; r; r = next) {
		next = r->next;
		handle_log(h, FJ_LOG_DEBUG, "MSG", "%s [%d]: delivery report: offset %lld, %s",
		           r->topic, (int)r->partition, (long long)r->offset,
		           fjord_err2name(r->err));
		if (conf->dr_msg_cb) {
			fjord_message_t m;
			memset(&m, 0, sizeof(m));
			m.err = r->err;
			m.topic = r->topic;
			m.partition = r->partition;
			m.offset = r->offset;
			m.timestamp = r->ack_timestamp;
			m.timestamp_type = FJORD_TIMESTAMP_CREATE_TIME;
			m.key = r->key;
			m.key_len = r->key_len;
			m.value = r->value;
			m.value_len = r->value_len;
			m.headers = r->headers;
			m.header_cnt = r->header_cnt;
			m.status = (fjord_msg_status_t)r->status;
			m.opaque = r->opaque;
			m.errstr = r->err ? (r->errstr ? r->errstr : fjord_err2str(r->err)) : NULL;
			m.latency_us = r->latency_us;
			conf->dr_msg_cb(h, &m, conf->opaque);
		}
		producer_dr_served(h, r);
	}
}

void producer_dr_push(fjord_t *h, prec_t *list)
{
	if (!list)
		return;
	if (cbq_push_call(h, producer_dr_deliver, list) != 0) {
		/* Cannot queue: account the records without a callback rather
		 * than leak them or let flush() wait forever. */
		while (list) {
			prec_t *n = list->next;
			producer_dr_served(h, list);
			list = n;
		}
	}
}

typedef struct pflush_op {
	hop_t op;
} pflush_op_t;

static void producer_flush_run(fjord_t *h, hop_t *op)
{
	if (!atomic_load(&h->io_stop))
		producer_serve(h);
	free(op);
}

fjord_err_t fjord_flush(fjord_t *fj, int timeout_ms)
{
	producer_t *p;
	int64_t deadline;
	pflush_op_t *op;
	fjord_err_t err = FJORD_ERR_NO_ERROR;
	if (!fj || !fj->p)
		return FJORD_ERR__STATE;
	p = fj->p;
	deadline = fj_mono_ms() + (timeout_ms < 0 ? 0 : timeout_ms);
	atomic_fetch_add(&p->flushing, 1);
	op = calloc(1, sizeof(*op));
	if (op) {
		op->op.run = producer_flush_run;
		handle_post(fj, &op->op);
	}
	while (atomic_load(&p->outq_cnt) > 0) {
		int64_t left = deadline - fj_mono_ms();
		if (left <= 0) {
			err = FJORD_ERR__TIMED_OUT;
			break;
		}
		if (fj->cv_conf->callback_mode == CB_MODE_POLL) {
			cbq_serve(fj, left > 100 ? 100 : (int)left);
		} else {
			struct timespec ts;
			deadline_after_ms(&ts, 50);
			pthread_mutex_lock(&p->flush_lock);
			if (atomic_load(&p->outq_cnt) > 0)
				pthread_cond_timedwait(&p->flush_cond, &p->flush_lock, &ts);
			pthread_mutex_unlock(&p->flush_lock);
		}
	}
	atomic_fetch_sub(&p->flushing, 1);
	return err;
}

/* ------------------------------------------------------------ I/O side */

void producer_fail_chain(fjord_t *h, prec_t *head, fjord_err_t err, const char *why)
{
	prec_t *r;
	int64_t now = fj_mono_us();
	for (r = head; r; r = r->next) {
		r->err = err;
		r->errstr = why;
		r->offset = -1;
		r->ack_timestamp = r->timestamp;
		r->status = r->possibly ? FJORD_MSG_STATUS_POSSIBLY_PERSISTED
		                        : FJORD_MSG_STATUS_NOT_PERSISTED;
		r->latency_us = now - r->enq_us;
		if (err == FJORD_ERR__DESTROY)
			atomic_fetch_add(&h->p->purged, 1);
	}
	producer_dr_push(h, head);
}

void producer_fail_chain_text(fjord_t *h, prec_t *head, fjord_err_t err, const char *text,
                              const char *fallback)
{
	size_t n = text && *text ? strlen(text) + 1 : 0, cnt = 0;
	perrtext_t *t = n ? malloc(sizeof(*t) + n) : NULL;
	prec_t *r;

	if (!t) { /* no text, or out of memory: the static reason */
		producer_fail_chain(h, head, err, fallback);
		return;
	}
	memcpy(t->text, text, n);
	for (r = head; r; r = r->next)
		cnt++;
	atomic_init(&t->refs, (int)cnt);
	for (r = head; r; r = r->next)
		r->errtext = t;
	producer_fail_chain(h, head, err, t->text);
}

static ptopic_t *producer_topic(fjord_t *h, const char *name)
{
	ptopic_t *t;
	LIST_FOREACH (t, &h->p->topics, link)
		if (!strcmp(t->name, name))
			return t;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->name = strdup(name);
	if (!t->name) {
		free(t);
		return NULL;
	}
	t->sticky = -1;
	LIST_INSERT_HEAD(&h->p->topics, t, link);
	return t;
}

static void ppart_append(ppart_t *pp, prec_t *r)
{
	r->next = NULL;
	if (pp->tail)
		pp->tail->next = r;
	else
		pp->head = r;
	pp->tail = r;
	pp->cnt++;
	pp->bytes += r->size;
}

/* Puts a chain back at the head of the queue (retries keep their order). */
void ppart_prepend(ppart_t *pp, prec_t *head, int cnt)
{
	prec_t *last = head, *r;
	size_t bytes = 0;
	for (r = head; r; r = r->next) {
		bytes += r->size;
		last = r;
	}
	last->next = pp->head;
	pp->head = head;
	if (!pp->tail)
		pp->tail = last;
	pp->cnt += (size_t)cnt;
	pp->bytes += bytes;
}

/* Routes a record of a known topic to its partition queue. */
static void producer_route(fjord_t *h, ptopic_t *t, prec_t *r)
{
	int32_t part = r->partition;
	if (part == FJORD_PARTITION_UA)
		part = partitioner_pick(h, t->part_cnt, r->key, r->key_len, &t->sticky);
	if (part < 0 || part >= t->part_cnt) {
		r->next = NULL;
		producer_fail_chain(h, r, FJORD_ERR__UNKNOWN_PARTITION,
		                    "partition does not exist in the topic");
		return;
	}
	r->partition = part;
	ppart_append(&t->parts[part], r);
}

static void producer_topic_pend(ptopic_t *t, prec_t *r)
{
	r->next = NULL;
	if (t->pend_tail)
		t->pend_tail->next = r;
	else
		t->pend_head = r;
	t->pend_tail = r;
}

static void producer_on_exists(fjord_t *h, const char *topic, int exists, void *opaque)
{
	ptopic_t *t = opaque;
	(void)topic;
	if (t->state != PT_CHECKING)
		return;
	if (exists == 0) {
		size_t n = strlen(t->name) + 1;
		pmissing_t *m = calloc(1, sizeof(*m) + n);
		prec_t *head = t->pend_head;
		t->state = PT_MISSING;
		t->next_check_ms = fj_mono_ms() + h->cv_conf->metadata_max_age_ms;
		if (m) {
			memcpy(m->name, t->name, n);
			m->until_ms = t->next_check_ms;
			pthread_mutex_lock(&h->p->lock);
			LIST_INSERT_HEAD(&h->p->missing, m, link);
			pthread_mutex_unlock(&h->p->lock);
		}
		t->pend_head = t->pend_tail = NULL;
		handle_log(h, FJ_LOG_WARNING, "PRODUCE", "topic %s does not exist", t->name);
		if (head)
			producer_fail_chain(h, head, FJORD_ERR__UNKNOWN_TOPIC,
			                    "topic does not exist");
	} else if (exists == 1) {
		t->state = PT_WAIT_MD; /* records wait (bounded) for the metadata */
	} else if (exists == METADATA_TOPIC_DENIED) {
		/* Not retried: the records fail now, naming the topic; later
		 * records check again (an ACL may have been added). */
		prec_t *head = t->pend_head;
		char msg[320];
		t->pend_head = t->pend_tail = NULL;
		t->state = PT_NEW;
		t->next_check_ms = fj_mono_ms() + h->cv_conf->retry_backoff_ms;
		snprintf(msg, sizeof(msg), "not authorized to access topic %s", t->name);
		handle_log(h, FJ_LOG_WARNING, "PRODUCE", "%s", msg);
		if (head)
			producer_fail_chain(h, head, FJORD_ERR_TOPIC_AUTHORIZATION_FAILED, msg);
	} else {
		t->state = PT_NEW;
		t->next_check_ms = fj_mono_ms() + h->cv_conf->retry_backoff_ms;
	}
}

/* Moves a topic to KNOWN if the snapshot has it, else starts a check. */
void producer_topic_update(fjord_t *h, ptopic_t *t, const cview_t *cv, int64_t now)
{
	const cview_topic_t *ct = cv ? cview_topic(cv, t->name) : NULL;
	if (ct && ct->partition_cnt > 0 && !ct->deleting) {
		if (ct->partition_cnt > t->part_cnt) {
			ppart_t *np = realloc(t->parts, (size_t)ct->partition_cnt * sizeof(*np));
			if (!np)
				return;
			memset(np + t->part_cnt, 0,
			       (size_t)(ct->partition_cnt - t->part_cnt) * sizeof(*np));
			t->parts = np;
			t->part_cnt = ct->partition_cnt;
		}
		t->state = PT_KNOWN;
		while (t->pend_head) {
			prec_t *r = t->pend_head;
			t->pend_head = r->next;
			producer_route(h, t, r);
		}
		t->pend_tail = NULL;
		return;
	}
	if (t->state == PT_KNOWN)
		t->state = PT_NEW; /* deleted: check again */
	if (!cv || t->state == PT_CHECKING || !t->pend_head)
		return;
	if (t->state == PT_MISSING && now < t->next_check_ms) {
		prec_t *head = t->pend_head;
		t->pend_head = t->pend_tail = NULL;
		producer_fail_chain(h, head, FJORD_ERR__UNKNOWN_TOPIC, "topic does not exist");
		return;
	}
	if ((t->state == PT_NEW || t->state == PT_MISSING || t->state == PT_WAIT_MD) &&
	    now >= t->next_check_ms) {
		t->state = PT_CHECKING;
		t->next_check_ms = now + h->cv_conf->retry_backoff_ms * 4;
		if (metadata_check_topic(h, t->name, producer_on_exists, t) < 0) {
			t->state = PT_NEW;
			t->next_check_ms = now + h->cv_conf->retry_backoff_ms;
		}
	}
}

void producer_drain_inbox(fjord_t *h)
{
	producer_t *p = h->p;
	prec_t *r, *next;
	cview_t *cv;
	pthread_mutex_lock(&p->lock);
	r = p->inbox_head;
	p->inbox_head = p->inbox_tail = NULL;
	pthread_mutex_unlock(&p->lock);
	if (!r)
		return;
	cv = metadata_snapshot(h);
	for (; r; r = next) {
		ptopic_t *t = producer_topic(h, r->topic);
		next = r->next;
		r->next = NULL;
		if (!t) {
			producer_fail_chain(h, r, FJORD_ERR__FAIL, "out of memory");
			continue;
		}
		if (t->state == PT_KNOWN) {
			producer_route(h, t, r);
		} else {
			producer_topic_pend(t, r);
			producer_topic_update(h, t, cv, fj_mono_ms());
		}
	}
	cview_unref(cv);
}

static void producer_inbox_run(evutil_socket_t fd, short what, void *arg)
{
	fjord_t *h = arg;
	(void)fd;
	(void)what;
	producer_drain_inbox(h);
	producer_serve(h);
}

void producer_on_metadata(fjord_t *h)
{
	cview_t *cv = metadata_snapshot(h);
	ptopic_t *t;
	int64_t now = fj_mono_ms();
	LIST_FOREACH (t, &h->p->topics, link)
		producer_topic_update(h, t, cv, now);
	producer_leaders_changed(h, cv);
	cview_unref(cv);
	producer_serve(h);
}

void producer_term(fjord_t *h)
{
	producer_t *p = h->p;
	ptopic_t *t;
	pmissing_t *m;
	if (!p)
		return;
	/* fjord_close() purged every queue; nothing is left to report. */
	while ((t = LIST_FIRST(&p->topics))) {
		LIST_REMOVE(t, link);
		free(t->parts);
		free(t->name);
		free(t);
	}
	while ((m = LIST_FIRST(&p->missing))) {
		LIST_REMOVE(m, link);
		free(m);
	}
	if (p->inbox_ev)
		event_free(p->inbox_ev);
	rb_builder_destroy(&p->rb);
	free(p->payload);
	pthread_mutex_destroy(&p->lock);
	pthread_mutex_destroy(&p->flush_lock);
	pthread_cond_destroy(&p->flush_cond);
	free(p);
	h->p = NULL;
}
