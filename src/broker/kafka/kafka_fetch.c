/*
 * kafka_fetch.c — Kafka's Fetch v4-11 over handle_fetch.c.
 *
 * Request: replica_id, max_wait_ms, min_bytes, max_bytes, isolation_level,
 * session_id and session_epoch (v7+), topics [name, partitions [index,
 * current_leader_epoch (v9+), fetch_offset, log_start_offset (v5+),
 * partition_max_bytes]], forgotten_topics (v7+), rack_id (v11+).
 *
 * The long-poll, the leader-epoch checks, authorization and the sendfile
 * file ranges are handle_fetch.c's. Here: fjord has no transactions, so
 * both isolation levels read up to the high watermark and the last stable
 * offset is the high watermark; no aborted transactions; no preferred read
 * replica (-1). Fetch sessions (KIP-227) are not kept: a full fetch
 * (session 0) is answered with session 0, which tells the client that no
 * session was created so it keeps sending full fetches; an incremental one
 * (a session id other than 0) is answered FETCH_SESSION_ID_NOT_FOUND.
 *
 * Response: throttle_time_ms, error and session_id (v7+), topics [name,
 * partitions [index, error, high_watermark, last_stable_offset,
 * log_start_offset (v5+), aborted_transactions, preferred_read_replica
 * (v11+), records]]. The records of each partition are moved from the
 * handler's payload in order, so file ranges stay sendfile ranges.
 *
 * Thread: loop thread.
 */
#include "config.h"

#include "broker/api.h"
#include "broker/kafka/kafka.h"

#define KAFKA_ERR_FETCH_SESSION_ID_NOT_FOUND 70

/* An incremental fetch of a session we never created. */
static int kafka_fetch_no_session(kreq_t *rq)
{
	conn_slot_t *slot = kafka_slot_new(rq);
	kw_writer_t w;
	int rc;

	if (!slot)
		return -1;
	kww_init(&w);
	kww_i32(&w, 0);
	kww_i16(&w, KAFKA_ERR_FETCH_SESSION_ID_NOT_FOUND);
	kww_i32(&w, 0);
	kww_i32(&w, 0);
	rc = kafka_respond(slot, &w);
	kww_free(&w);
	return rc;
}

int kafka_fetch(kreq_t *rq)
{
	Fjord__FetchRequest fr = FJORD__FETCH_REQUEST__INIT;
	Fjord__Request req;
	kw_reader_t *r = &rq->body;
	int16_t v = rq->api_version;
	int32_t session_id = 0, nt, np, i, j;

	fr.replica_id = kwr_i32(r);
	fr.max_wait_ms = kwr_i32(r);
	fr.min_bytes = kwr_i32(r);
	fr.max_bytes = kwr_i32(r);
	(void)kwr_i8(r); /* isolation_level: both read to the HW */
	if (v >= 7) {
		session_id = kwr_i32(r);
		(void)kwr_i32(r); /* session_epoch */
	}
	nt = kwr_array(r, 6, 0);
	if (nt > 0 && !(fr.topics = arena_calloc(rq->ar, (size_t)nt, sizeof(*fr.topics))))
		return kafka_bad_request(rq, "out of memory");
	for (i = 0; i < nt && !r->err; i++) {
		Fjord__FetchTopic *ft = arena_alloc(rq->ar, sizeof(*ft));
		if (!ft)
			return kafka_bad_request(rq, "out of memory");
		fjord__fetch_topic__init(ft);
		ft->topic = kwr_str(r, rq->ar, 0);
		np = kwr_array(r, 16, 0);
		if (np > 0 &&
		    !(ft->partitions = arena_calloc(rq->ar, (size_t)np, sizeof(*ft->partitions))))
			return kafka_bad_request(rq, "out of memory");
		for (j = 0; j < np && !r->err; j++) {
			Fjord__FetchPartition *fp = arena_alloc(rq->ar, sizeof(*fp));
			if (!fp)
				return kafka_bad_request(rq, "out of memory");
			fjord__fetch_partition__init(fp);
			fp->partition = kwr_i32(r);
			fp->current_leader_epoch = v >= 9 ? kwr_i32(r) : -1;
			fp->fetch_offset = kwr_i64(r);
			fp->log_start_offset = v >= 5 ? kwr_i64(r) : -1;
			fp->partition_max_bytes = kwr_i32(r);
			ft->partitions[j] = fp;
		}
		ft->n_partitions = np > 0 ? (size_t)np : 0;
		fr.topics[i] = ft;
	}
	fr.n_topics = nt > 0 ? (size_t)nt : 0;
	if (v >= 7) {
		int32_t nf = kwr_array(r, 6, 0);
		for (i = 0; i < nf && !r->err; i++) {
			(void)kwr_str(r, rq->ar, 0);
			np = kwr_array(r, 4, 0);
			kwr_skip(r, (size_t)(np > 0 ? np : 0) * 4);
		}
	}
	if (v >= 11)
		(void)kwr_str(r, rq->ar, 1); /* rack_id: no rack-aware reads */
	if (!KAFKA_BODY_OK(rq))
		return kafka_bad_request(rq, "topics and partitions");
	if (session_id != 0)
		return kafka_fetch_no_session(rq);
	kafka_fjord_request(rq, &req, FJORD__API_KEY__FETCH);
	req.body_case = FJORD__REQUEST__BODY_FETCH;
	req.fetch = &fr;
	return handle_fetch(rq->c, &req, NULL, 0);
}

int kafka_fetch_encode(int16_t v, const Fjord__Response *resp, struct evbuffer *payload,
                       kw_writer_t *w, struct evbuffer *out)
{
	const Fjord__FetchResponse *f = resp->fetch;
	size_t i, j;

	if (resp->body_case != FJORD__RESPONSE__BODY_FETCH)
		return -1;
	kww_i32(w, resp->throttle_time_ms);
	if (v >= 7) {
		kww_i16(w, 0);
		kww_i32(w, 0); /* no session was created */
	}
	kww_i32(w, (int32_t)f->n_topics);
	for (i = 0; i < f->n_topics; i++) {
		const Fjord__FetchTopicResponse *t = f->topics[i];
		kww_str(w, t->topic);
		kww_i32(w, (int32_t)t->n_partitions);
		for (j = 0; j < t->n_partitions; j++) {
			const Fjord__FetchPartitionResponse *p = t->partitions[j];
			kww_i32(w, p->partition);
			kww_i16(w, (int16_t)p->error);
			kww_i64(w, p->high_watermark);
			kww_i64(w, p->high_watermark); /* last stable offset */
			if (v >= 5)
				kww_i64(w, p->log_start_offset);
			kww_i32(w, 0); /* aborted transactions: none */
			if (v >= 11)
				kww_i32(w, -1); /* preferred read replica: the leader */
			kww_i32(w, (int32_t)p->records_len);
			if (p->records_len == 0)
				continue;
			/* The bytes so far, then this partition's records moved
			 * (not copied) from the payload. */
			if (w->err || !payload || evbuffer_add(out, w->buf, w->len) != 0 ||
			    evbuffer_remove_buffer(payload, out, p->records_len) !=
			        (int)p->records_len)
				return -1;
			kww_reset(w);
		}
	}
	return w->err ? -1 : 0;
}
