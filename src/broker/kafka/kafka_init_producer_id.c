/*
 * kafka_init_producer_id.c — Kafka's InitProducerId v0-1 over
 * handle_init_producer_id.c (the id blocks from ZooKeeper, authorization).
 *
 * Request: transactional_id (nullable), transaction_timeout_ms. fjord has
 * no transactions: a transactional id is answered
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED; without one the idempotent
 * producer gets a new id at epoch 0. Response: throttle_time_ms, error,
 * producer_id, producer_epoch (int16).
 *
 * Thread: loop thread.
 */
#include "config.h"

#include "broker/api.h"
#include "broker/kafka/kafka.h"

int kafka_init_producer_id(kreq_t *rq)
{
	Fjord__InitProducerIdRequest ir = FJORD__INIT_PRODUCER_ID_REQUEST__INIT;
	Fjord__Request req;
	const char *txn = kwr_str(&rq->body, rq->ar, 1);

	(void)kwr_i32(&rq->body); /* transaction_timeout_ms */
	if (!KAFKA_BODY_OK(rq))
		return kafka_bad_request(rq, "transactional id");
	if (txn) {
		conn_slot_t *slot = kafka_slot_new(rq);
		kw_writer_t w;
		int rc;
		if (!slot)
			return -1;
		kww_init(&w);
		kww_i32(&w, 0);
		kww_i16(&w, KAFKA_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
		kww_i64(&w, -1);
		kww_i16(&w, -1);
		rc = kafka_respond(slot, &w);
		kww_free(&w);
		return rc;
	}
	ir.producer_id = -1;
	ir.producer_epoch = -1;
	kafka_fjord_request(rq, &req, FJORD__API_KEY__INIT_PRODUCER_ID);
	req.body_case = FJORD__REQUEST__BODY_INIT_PRODUCER_ID;
	req.init_producer_id = &ir;
	return handle_init_producer_id(rq->c, &req, NULL, 0);
}

int kafka_init_producer_id_encode(int16_t v, const Fjord__Response *resp, struct evbuffer *payload,
                                  kw_writer_t *w, struct evbuffer *out)
{
	const Fjord__InitProducerIdResponse *p = resp->init_producer_id;

	(void)v, (void)payload, (void)out;
	if (resp->body_case != FJORD__RESPONSE__BODY_INIT_PRODUCER_ID)
		return -1;
	kww_i32(w, resp->throttle_time_ms);
	kww_i16(w, (int16_t)p->error);
	kww_i64(w, p->producer_id);
	kww_i16(w, (int16_t)p->producer_epoch);
	return w->err ? -1 : 0;
}
