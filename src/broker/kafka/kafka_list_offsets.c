/*
 * kafka_list_offsets.c — Kafka's ListOffsets v1-2 over handle_list_offsets.c.
 *
 * Request: replica_id, isolation_level (v2; both read to the high
 * watermark: no transactions), topics [name, partitions [index,
 * timestamp]]; timestamp -1 is the latest offset (the high watermark),
 * -2 the earliest, otherwise the first offset whose timestamp is at or
 * after it. Response: throttle_time_ms (v2), topics [name, partitions
 * [index, error, timestamp, offset]].
 *
 * Thread: loop thread.
 */
#include "config.h"

#include "broker/api.h"
#include "broker/kafka/kafka.h"

int kafka_list_offsets(kreq_t *rq)
{
	Fjord__ListOffsetsRequest lr = FJORD__LIST_OFFSETS_REQUEST__INIT;
	Fjord__Request req;
	kw_reader_t *r = &rq->body;
	int32_t nt, np, i, j;

	lr.replica_id = kwr_i32(r);
	if (rq->api_version >= 2)
		(void)kwr_i8(r); /* isolation_level */
	nt = kwr_array(r, 6, 0);
	if (nt > 0 && !(lr.topics = arena_calloc(rq->ar, (size_t)nt, sizeof(*lr.topics))))
		return kafka_bad_request(rq, "out of memory");
	for (i = 0; i < nt && !r->err; i++) {
		Fjord__ListOffsetsTopic *t = arena_alloc(rq->ar, sizeof(*t));
		if (!t)
			return kafka_bad_request(rq, "out of memory");
		fjord__list_offsets_topic__init(t);
		t->topic = kwr_str(r, rq->ar, 0);
		np = kwr_array(r, 12, 0);
		if (np > 0 &&
		    !(t->partitions = arena_calloc(rq->ar, (size_t)np, sizeof(*t->partitions))))
			return kafka_bad_request(rq, "out of memory");
		for (j = 0; j < np && !r->err; j++) {
			Fjord__ListOffsetsPartition *p = arena_alloc(rq->ar, sizeof(*p));
			if (!p)
				return kafka_bad_request(rq, "out of memory");
			fjord__list_offsets_partition__init(p);
			p->partition = kwr_i32(r);
			p->timestamp = kwr_i64(r);
			p->current_leader_epoch = -1;
			t->partitions[j] = p;
		}
		t->n_partitions = np > 0 ? (size_t)np : 0;
		lr.topics[i] = t;
	}
	lr.n_topics = nt > 0 ? (size_t)nt : 0;
	if (!KAFKA_BODY_OK(rq))
		return kafka_bad_request(rq, "topics and partitions");
	kafka_fjord_request(rq, &req, FJORD__API_KEY__LIST_OFFSETS);
	req.body_case = FJORD__REQUEST__BODY_LIST_OFFSETS;
	req.list_offsets = &lr;
	return handle_list_offsets(rq->c, &req, NULL, 0);
}

int kafka_list_offsets_encode(int16_t v, const Fjord__Response *resp, struct evbuffer *payload,
                              kw_writer_t *w, struct evbuffer *out)
{
	const Fjord__ListOffsetsResponse *l = resp->list_offsets;
	size_t i, j;

	(void)payload, (void)out;
	if (resp->body_case != FJORD__RESPONSE__BODY_LIST_OFFSETS)
		return -1;
	if (v >= 2)
		kww_i32(w, resp->throttle_time_ms);
	kww_i32(w, (int32_t)l->n_topics);
	for (i = 0; i < l->n_topics; i++) {
		kww_str(w, l->topics[i]->topic);
		kww_i32(w, (int32_t)l->topics[i]->n_partitions);
		for (j = 0; j < l->topics[i]->n_partitions; j++) {
			const Fjord__ListOffsetsPartitionResponse *p = l->topics[i]->partitions[j];
			kww_i32(w, p->partition);
			kww_i16(w, (int16_t)p->error);
			kww_i64(w, p->timestamp);
			kww_i64(w, p->offset);
		}
	}
	return w->err ? -1 : 0;
}
