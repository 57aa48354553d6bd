/*
 * kafka_produce.c — Kafka's Produce v0-7 over handle_produce.c's core.
 *
 * Request: transactional_id (v3+), acks, timeout_ms, topics [name,
 * partitions [index, records (nullable bytes)]]. v3+ carries record batch
 * v2, which is what fjord stores: each partition's bytes go to
 * produce_run() in place (validation, append, acks=all waits and ordered
 * answers are the ones fjord's own Produce uses). v0-2 carry the old
 * message sets, which fjord does not store: every partition is answered
 * UNSUPPORTED_FOR_MESSAGE_FORMAT (the versions stay advertised so that
 * librdkafka keeps compression on). A transactional id is refused on every
 * partition with TRANSACTIONAL_ID_AUTHORIZATION_FAILED: fjord has no
 * transactions. acks=0 is never answered.
 *
 * Response: topics [name, partitions [index, error, base_offset,
 * log_append_time (v2+), log_start_offset (v5+)]], throttle_time_ms (v1+).
 *
 * Thread: loop thread.
 */
#include "config.h"

#include "broker/api.h"
#include "broker/kafka/kafka.h"

/* Answers every partition with err (v0-2, transactional), unless acks=0. */
static int kafka_produce_refuse(kreq_t *rq, int16_t acks, Fjord__ProduceRequest *pr, int16_t err)
{
	int16_t v = rq->api_version;
	conn_slot_t *slot;
	kw_writer_t w;
	size_t i, j;
	int rc;

	if (acks == 0)
		return 0;
	if (!(slot = kafka_slot_new(rq)))
		return -1;
	kww_init(&w);
	kww_i32(&w, (int32_t)pr->n_topics);
	for (i = 0; i < pr->n_topics; i++) {
		kww_str(&w, pr->topics[i]->topic);
		kww_i32(&w, (int32_t)pr->topics[i]->n_partitions);
		for (j = 0; j < pr->topics[i]->n_partitions; j++) {
			kww_i32(&w, pr->topics[i]->partitions[j]->partition);
			kww_i16(&w, err);
			kww_i64(&w, -1);
			if (v >= 2)
				kww_i64(&w, -1);
			if (v >= 5)
				kww_i64(&w, -1);
		}
	}
	if (v >= 1)
		kww_i32(&w, 0);
	rc = kafka_respond(slot, &w);
	kww_free(&w);
	return rc;
}

int kafka_produce(kreq_t *rq)
{
	static uint8_t empty[1];
	Fjord__ProduceRequest pr = FJORD__PRODUCE_REQUEST__INIT;
	Fjord__Request req;
	kw_reader_t *r = &rq->body;
	int16_t v = rq->api_version, acks;
	const char *txn = NULL;
	uint8_t ***trec = NULL; /* per topic, its partitions' bytes */
	uint8_t **records;
	size_t nrec = 0, k;
	int32_t nt, np, i, j;

	if (v >= 3)
		txn = kwr_str(r, rq->ar, 1);
	acks = kwr_i16(r);
	pr.acks = acks;
	pr.timeout_ms = kwr_i32(r);
	nt = kwr_array(r, 6, 0);
	if (nt > 0 && (!(pr.topics = arena_calloc(rq->ar, (size_t)nt, sizeof(*pr.topics))) ||
	               !(trec = arena_calloc(rq->ar, (size_t)nt, sizeof(*trec)))))
		return kafka_bad_request(rq, "out of memory");
	for (i = 0; i < nt && !r->err; i++) {
		Fjord__ProduceTopicData *td = arena_alloc(rq->ar, sizeof(*td));
		if (!td)
			return kafka_bad_request(rq, "out of memory");
		fjord__produce_topic_data__init(td);
		td->topic = kwr_str(r, rq->ar, 0);
		np = kwr_array(r, 8, 0);
		if (np > 0 && (!(td->partitions =
		                     arena_calloc(rq->ar, (size_t)np, sizeof(*td->partitions))) ||
		               !(trec[i] = arena_calloc(rq->ar, (size_t)np, sizeof(**trec)))))
			return kafka_bad_request(rq, "out of memory");
		for (j = 0; j < np && !r->err; j++) {
			Fjord__ProducePartitionData *pd = arena_alloc(rq->ar, sizeof(*pd));
			const uint8_t *bytes;
			int32_t len;
			if (!pd)
				return kafka_bad_request(rq, "out of memory");
			fjord__produce_partition_data__init(pd);
			pd->partition = kwr_i32(r);
			bytes = kwr_bytes(r, &len, 1);
			pd->records_len = len > 0 ? (uint32_t)len : 0;
			trec[i][j] = len > 0 ? (uint8_t *)bytes : empty;
			td->partitions[j] = pd;
		}
		td->n_partitions = np > 0 ? (size_t)np : 0;
		nrec += td->n_partitions;
		pr.topics[i] = td;
	}
	pr.n_topics = nt > 0 ? (size_t)nt : 0;
	if (!KAFKA_BODY_OK(rq))
		return kafka_bad_request(rq, "topics and partitions");
	if (v < 3)
		return kafka_produce_refuse(rq, acks, &pr,
		                            KAFKA_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT);
	if (txn)
		return kafka_produce_refuse(rq, acks, &pr,
		                            KAFKA_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
	if (!(records = arena_calloc(rq->ar, nrec + 1, sizeof(*records))))
		return kafka_bad_request(rq, "out of memory");
	for (k = 0, i = 0; i < nt; i++)
		for (j = 0; j < (int32_t)pr.topics[i]->n_partitions; j++)
			records[k++] = trec[i][j];
	kafka_fjord_request(rq, &req, FJORD__API_KEY__PRODUCE);
	req.body_case = FJORD__REQUEST__BODY_PRODUCE;
	req.produce = &pr;
	return produce_run(rq->c, &req, records);
}

int kafka_produce_encode(int16_t v, const Fjord__Response *resp, struct evbuffer *payload,
                         kw_writer_t *w, struct evbuffer *out)
{
	const Fjord__ProduceResponse *p = resp->produce;
	size_t i, j;

	(void)payload, (void)out;
	if (resp->body_case != FJORD__RESPONSE__BODY_PRODUCE)
		return -1;
	kww_i32(w, (int32_t)p->n_topics);
	for (i = 0; i < p->n_topics; i++) {
		const Fjord__ProduceTopicResponse *t = p->topics[i];
		kww_str(w, t->topic);
		kww_i32(w, (int32_t)t->n_partitions);
		for (j = 0; j < t->n_partitions; j++) {
			const Fjord__ProducePartitionResponse *pp = t->partitions[j];
			kww_i32(w, pp->partition);
			kww_i16(w, (int16_t)pp->error);
			kww_i64(w, pp->base_offset);
			if (v >= 2)
				kww_i64(w, pp->log_append_time);
			if (v >= 5)
				kww_i64(w, pp->log_start_offset);
		}
	}
	if (v >= 1)
		kww_i32(w, resp->throttle_time_ms);
	return w->err ? -1 : 0;
}
