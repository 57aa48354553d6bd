/*
 * handle_produce.c — Produce: validate, append, acknowledge.
 *
 * Request checks: acks must be 0, 1 or -1 (INVALID_REQUIRED_ACKS on every
 * partition); the partitions' records_len must add up to the payload
 * (request-level INVALID_REQUEST, nothing appended). Per partition: the
 * topic-partition must exist in the cluster view (UNKNOWN_TOPIC_OR_PARTITION)
 * and be led here (NOT_LEADER); acks=-1 needs ISR size >=
 * min.insync.replicas (NOT_ENOUGH_REPLICAS, nothing appended).
 * plog_append_leader validates every batch and every record in it
 * (common/record_validate.h: CORRUPT_MESSAGE, INVALID_RECORD,
 * INVALID_TIMESTAMP, MESSAGE_TOO_LARGE; the partition's error_message says
 * which record and what was wrong, and nothing of that partition is
 * appended), then assigns offsets in place (the payload bytes, which live
 * in the connection's input buffer until dispatch returns, are patched
 * there) with our leader epoch. An idempotent producer's batch (producerId
 * >= 0) is checked against the partition's producer state
 * (storage/producer_state.h: OUT_OF_ORDER_SEQUENCE_NUMBER,
 * INVALID_PRODUCER_EPOCH, UNKNOWN_PRODUCER_ID, INVALID_RECORD when it is not
 * alone in the partition's payload); a retry of a stored batch appends
 * nothing and answers the original's base offset (fjord_produce_duplicates_total).
 * Compressed batches are decompressed into
 * the broker's one scratch buffer (b->produce_scratch), shared by every
 * partition since the loop thread validates one batch at a time.
 *
 * Authorization (authz.h): Write on the topic, else its partitions answer
 * TOPIC_AUTHORIZATION_FAILED and nothing of them is appended.
 *
 * Acknowledgement: the append is write()n before any answer, so an
 * acknowledged record survives a SIGKILL of the broker. acks=1 answers at
 * once; acks=-1 answers when every appended partition's HW has passed its
 * last offset (immediate with one replica), or REQUEST_TIMED_OUT after
 * timeout_ms. acks=0 sends nothing; a partition error closes the connection
 * so the client refreshes its metadata.
 *
 * Thread: loop thread only. A pending acks=-1 produce owns its response
 * state (produce_ctx) and its timer; the slot's cancel hook frees it when
 * the connection goes away first.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "broker/api.h"
#include "broker/broker.h"
#include "broker/fetch_wait.h"
#include "broker/replication/partition.h"
#include "common/flog.h"
#include "common/pbuild.h"

typedef struct produce_ctx produce_ctx_t;

typedef struct produce_pw {
	partition_hw_waiter_t w;
	produce_ctx_t *ctx;
	Fjord__ProducePartitionResponse *pr;
	partition_t *p;
	int waiting;
} produce_pw_t;

struct produce_ctx {
	broker_t *b;
	conn_t *c; /* while the handler runs (authorization); NULL after */
	conn_slot_t *slot;
	arena_t ar; /* the response, its topic names, pws */
	Fjord__ProduceResponse body;
	produce_pw_t *pws;
	size_t part_cnt;
	int outstanding;
	struct event *timer;
	/* While produce_run appends (produce_fill): */
	int32_t acks;
	uint8_t *const *records; /* each partition's bytes, in request order */
	size_t next;             /* the next pws entry (and records entry) */
	int failed;              /* a partition failed (acks=0 closes the connection) */
};

static void produce_ctx_free(produce_ctx_t *ctx)
{
	if (!ctx)
		return;
	if (ctx->timer)
		event_free(ctx->timer);
	arena_free(&ctx->ar);
	free(ctx);
}

static void produce_respond(produce_ctx_t *ctx)
{
	Fjord__Response resp = FJORD__RESPONSE__INIT;

	resp.body_case = FJORD__RESPONSE__BODY_PRODUCE;
	resp.produce = &ctx->body;
	conn_slot_respond(ctx->slot, &resp, NULL);
	produce_ctx_free(ctx);
}

/* Stops waiting on every partition (timeout, cancel). */
static void produce_unwait_all(produce_ctx_t *ctx, Fjord__ErrorCode err)
{
	size_t i;

	for (i = 0; i < ctx->part_cnt; i++) {
		produce_pw_t *pw = &ctx->pws[i];
		if (!pw->waiting)
			continue;
		partition_hw_unwait(pw->p, &pw->w);
		pw->waiting = 0;
		pw->pr->error = err;
		pw->pr->error_message = (char *)fjord_err2str((fjord_err_t)err);
	}
	ctx->outstanding = 0;
}

static void produce_on_hw(partition_hw_waiter_t *w, partition_t *p, fjord_err_t err)
{
	produce_pw_t *pw = w->arg;
	produce_ctx_t *ctx = pw->ctx;

	(void)p;
	pw->waiting = 0;
	if (err != FJORD_ERR_NO_ERROR) {
		pw->pr->error = (Fjord__ErrorCode)err;
		pw->pr->error_message = (char *)fjord_err2str(err);
	}
	if (--ctx->outstanding == 0)
		produce_respond(ctx);
}

static void produce_on_timeout(evutil_socket_t fd, short what, void *arg)
{
	produce_ctx_t *ctx = arg;

	(void)fd;
	(void)what;
	produce_unwait_all(ctx, FJORD__ERROR_CODE__REQUEST_TIMED_OUT);
	produce_respond(ctx);
}

static void produce_cancel(void *arg)
{
	produce_ctx_t *ctx = arg;

	produce_unwait_all(ctx, FJORD__ERROR_CODE__NETWORK_EXCEPTION);
	produce_ctx_free(ctx);
}

/* Appends one partition's bytes; fills pr; returns the error, with the
 * reason in why when there is more to say than the error's name. */
static fjord_err_t produce_partition(broker_t *b, int32_t acks, const char *topic,
                                     int32_t partition, uint8_t *buf, size_t len,
                                     Fjord__ProducePartitionResponse *pr, partition_t **pp,
                                     int64_t *last_offset, char *why, size_t why_size)
{
	partition_t *p = partition_find(b, topic, partition);
	plog_append_info_t info;
	fjord_err_t err;

	*pp = NULL;
	pr->base_offset = -1;
	pr->log_append_time = -1;
	pr->log_start_offset = -1;
	if (!b->cv || !cview_partition(b->cv, topic, partition))
		return FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION;
	if (!p || !p->is_leader)
		return FJORD_ERR_NOT_LEADER;
	*pp = p;
	pr->log_start_offset = plog_log_start_offset(p->log);
	if (acks == -1 && p->isr_cnt < partition_min_isr(b, topic))
		return FJORD_ERR_NOT_ENOUGH_REPLICAS;
	err = plog_append_leader(p->log, buf, len, p->leader_epoch, &b->produce_scratch, &info, why,
	                         why_size);
	if (err != FJORD_ERR_NO_ERROR) {
		metrics_count_produce_refused(&b->metrics, err);
		flog(LOG_DEBUG, "produce", "%s-%d: append refused: %s: %s", topic, partition,
		     fjord_err2name(err), why);
		return err;
	}
	/* A duplicate answers with the original's offsets (and, with acks=-1,
	 * waits for the HW to pass the original's last offset like any append). */
	if (info.duplicate)
		b->metrics.produce_duplicates++;
	pr->base_offset = info.first_offset;
	*last_offset = info.last_offset;
	p->bytes_in += info.bytes;
	p->records_in += (uint64_t)info.record_cnt;
	/* Followers long-poll on our LEO, consumers on the HW: wake both. */
	if (!partition_update_hw(b, p))
		fetch_wait_notify(b, p);
	return FJORD_ERR_NO_ERROR;
}

/* pbuild_fill_fn: appends one partition's bytes and answers for it. */
static int produce_fill(void *arg, const char *topic, const ProtobufCMessage *req_part,
                        ProtobufCMessage *resp_part)
{
	produce_ctx_t *ctx = arg;
	const Fjord__ProducePartitionData *pd = (const Fjord__ProducePartitionData *)req_part;
	Fjord__ProducePartitionResponse *prr = (Fjord__ProducePartitionResponse *)resp_part;
	uint8_t *records = ctx->records[ctx->next];
	produce_pw_t *pw = &ctx->pws[ctx->next++];
	int64_t last = -1;
	char why[320];
	fjord_err_t err;

	why[0] = '\0';
	if (ctx->acks != 0 && ctx->acks != 1 && ctx->acks != -1) {
		err = FJORD_ERR_INVALID_REQUIRED_ACKS;
		prr->base_offset = prr->log_append_time = prr->log_start_offset = -1;
	} else if (!authz_topic(ctx->c, topic, ACL_OP_WRITE)) {
		err = FJORD_ERR_TOPIC_AUTHORIZATION_FAILED;
		prr->base_offset = prr->log_append_time = prr->log_start_offset = -1;
		snprintf(why, sizeof(why), "%.40s may not Write topic %.249s", ctx->c->principal,
		         topic);
	} else {
		/* The records sit in the connection's input buffer, ours to
		 * patch until dispatch returns. */
		err = produce_partition(ctx->b, ctx->acks, topic, pd->partition, records,
		                        pd->records_len, prr, &pw->p, &last, why, sizeof(why));
	}
	if (err != FJORD_ERR_NO_ERROR) {
		/* Which record and what was wrong, when the log said; the
		 * error's description otherwise (or if the copy fails). */
		prr->error_message = why[0] ? arena_strdup(&ctx->ar, why) : NULL;
		if (!prr->error_message)
			prr->error_message = (char *)fjord_err2str(err);
		ctx->failed = 1;
		return err;
	}
	if (ctx->acks == -1 && plog_high_watermark(pw->p->log) <= last) {
		pw->ctx = ctx;
		pw->pr = prr;
		pw->w.offset = last + 1;
		pw->w.fn = produce_on_hw;
		pw->w.arg = pw;
		pw->waiting = 1;
		ctx->outstanding++;
	}
	return FJORD_ERR_NO_ERROR;
}

static produce_ctx_t *produce_ctx_new(broker_t *b, conn_slot_t *slot,
                                      const Fjord__ProduceRequest *pr, uint8_t *const *records)
{
	produce_ctx_t *ctx = calloc(1, sizeof(*ctx));
	size_t i, nparts = 0;

	if (!ctx)
		return NULL;
	arena_init(&ctx->ar, 0);
	for (i = 0; i < pr->n_topics; i++)
		nparts += pr->topics[i]->n_partitions;
	fjord__produce_response__init(&ctx->body);
	ctx->pws = arena_calloc(&ctx->ar, nparts + 1, sizeof(*ctx->pws));
	if (!ctx->pws) {
		produce_ctx_free(ctx);
		return NULL;
	}
	ctx->part_cnt = nparts;
	ctx->b = b;
	ctx->slot = slot;
	ctx->acks = pr->acks;
	ctx->records = records;
	return ctx;
}

int handle_produce(conn_t *c, const Fjord__Request *req, const uint8_t *payload, size_t payload_len)
{
	const Fjord__ProduceRequest *pr = req->produce;
	uint8_t **records;
	uint64_t sum = 0;
	size_t i, j, n = 0;
	int rc;

	for (i = 0; i < pr->n_topics; i++)
		for (j = 0; j < pr->topics[i]->n_partitions; j++, n++)
			sum += pr->topics[i]->partitions[j]->records_len;
	records = calloc(n + 1, sizeof(*records));
	if (sum != payload_len || !records) {
		conn_slot_t *slot = NULL;
		free(records);
		if (sum != payload_len)
			flog(LOG_INFO, "produce",
			     "%s: records lengths add up to %llu but the payload has %zu bytes",
			     c->peer, (unsigned long long)sum, payload_len);
		if (pr->acks == 0 || !(slot = conn_slot_new(c, req->correlation_id, req->api)))
			return -1;
		if (!records)
			return conn_slot_respond_error(
			    slot, FJORD__ERROR_CODE__UNKNOWN_SERVER_ERROR, "out of memory");
		return conn_slot_respond_error(
		    slot, FJORD__ERROR_CODE__INVALID_REQUEST,
		    "partition records_len do not add up to the payload");
	}
	/* The partitions' bytes follow one another in the payload. */
	sum = 0;
	n = 0;
	for (i = 0; i < pr->n_topics; i++)
		for (j = 0; j < pr->topics[i]->n_partitions; j++) {
			records[n++] = (uint8_t *)payload + sum;
			sum += pr->topics[i]->partitions[j]->records_len;
		}
	rc = produce_run(c, req, records);
	free(records);
	return rc;
}

int produce_run(conn_t *c, const Fjord__Request *req, uint8_t *const *records)
{
	broker_t *b = c->b;
	const Fjord__ProduceRequest *pr = req->produce;
	int32_t acks = pr->acks;
	produce_ctx_t *ctx = NULL;
	conn_slot_t *slot = NULL;
	size_t i;
	int rc = -1;

	if (acks != 0) {
		slot = conn_slot_new(c, req->correlation_id, req->api);
		if (!slot)
			goto done;
	}
	ctx = produce_ctx_new(b, slot, pr, records);
	if (!ctx) {
		if (slot)
			conn_slot_respond_error(slot, FJORD__ERROR_CODE__UNKNOWN_SERVER_ERROR,
			                        "out of memory");
		goto done;
	}
	ctx->c = c;
	ctx->body.topics =
	    pbuild_answer(&ctx->ar, (ProtobufCMessage *const *)pr->topics, pr->n_topics,
	                  &fjord__produce_topic_response__descriptor, produce_fill, ctx);
	ctx->c = NULL;
	if (!ctx->body.topics)
		goto oom;
	ctx->body.n_topics = pr->n_topics;
	/* The answer may outlive the request (acks=all): own the names. */
	for (i = 0; i < pr->n_topics; i++)
		if (!(ctx->body.topics[i]->topic = arena_strdup(&ctx->ar, pr->topics[i]->topic)))
			goto oom;
	if (acks == 0) {
		rc = ctx->failed ? -1 : 0;
		produce_ctx_free(ctx);
		ctx = NULL;
		goto done;
	}
	if (ctx->outstanding == 0) {
		produce_respond(ctx);
		ctx = NULL;
		rc = 0;
		goto done;
	}
	{
		struct timeval tv;
		int32_t t = pr->timeout_ms > 0 ? pr->timeout_ms : 0;
		ctx->timer = evtimer_new(loop_base(b->loop), produce_on_timeout, ctx);
		if (!ctx->timer)
			goto oom;
		tv.tv_sec = t / 1000;
		tv.tv_usec = (t % 1000) * 1000;
		evtimer_add(ctx->timer, &tv);
	}
	for (i = 0; i < ctx->part_cnt; i++)
		if (ctx->pws[i].waiting)
			partition_hw_wait(ctx->pws[i].p, &ctx->pws[i].w);
	slot->cancel = produce_cancel;
	slot->cancel_arg = ctx;
	return 0;
oom:
	/* Appends that happened stay; the client sees an error and retries. */
	for (i = 0; i < ctx->part_cnt; i++)
		ctx->pws[i].waiting = 0;
	produce_ctx_free(ctx);
	ctx = NULL;
	if (slot)
		conn_slot_respond_error(slot, FJORD__ERROR_CODE__UNKNOWN_SERVER_ERROR,
		                        "out of memory");
	rc = acks == 0 ? -1 : 0;
done:
	return rc;
}
