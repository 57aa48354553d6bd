/*
 * kafka_encode.c — fjord's answers in Kafka's response layouts, and the
 * answers the listener gives without a handler (kafka_codec.h). Layouts,
 * per API (non-flexible versions; response header v0 is written by the
 * caller):
 *
 *   Metadata v0-4       throttle (v3+), brokers [id, host, port, rack
 *                       (v1+)], cluster_id (v2+), controller (v1+), topics
 *                       [error, name, is_internal (v1+), partitions [error,
 *                       index, leader, replicas, isr]]
 *   Produce v0-7        topics [name, partitions [index, error, base_offset,
 *                       log_append_time (v2+), log_start_offset (v5+)]],
 *                       throttle (v1+)
 *   Fetch v4-11         throttle, error + session_id (v7+), topics [name,
 *                       partitions [index, error, high_watermark,
 *                       last_stable_offset, log_start_offset (v5+),
 *                       aborted_transactions, preferred_read_replica (v11),
 *                       records]]
 *   ListOffsets v1-2    throttle (v2), topics [name, partitions [index,
 *                       error, timestamp, offset]]
 *   CreateTopics v0-4   throttle (v2+), topics [name, error, message (v1+)]
 *   DeleteTopics v0-1   throttle (v1), topics [name, error]
 *   InitProducerId v0-1 throttle, error, producer_id, producer_epoch
 *   ApiVersions v0-2    error, apis [key, min, max], throttle (v1+)
 *   CreatePartitions v0-1  throttle, results [name, error, message]
 *                       (native: kenc_create_partitions)
 *
 * What fjord does not have is answered as Kafka answers a broker without
 * it: no internal topics, the last stable offset is the high watermark (no
 * transactions), no aborted transactions, no preferred read replica (-1),
 * no fetch session (0). A Metadata partition whose leader is not among the
 * brokers listed (one without this listener) answers LEADER_NOT_AVAILABLE
 * with leader -1, so a Kafka client never dials a fjord-protocol port.
 *
 * Thread: any.
 */
#include "config.h"

#include "broker/kafka/kafka.h"
#include "broker/kafka/kafka_codec.h"

static int kenc_md_has_broker(const Fjord__MetadataResponse *m, int32_t id)
{
	for (size_t i = 0; i < m->n_brokers; i++)
		if (m->brokers[i]->node_id == id)
			return 1;
	return 0;
}

static void kenc_int32s(kw_writer_t *w, const int32_t *a, size_t n)
{
	kww_i32(w, (int32_t)n);
	for (size_t i = 0; i < n; i++)
		kww_i32(w, a[i]);
}

static int kenc_metadata(int16_t v, const Fjord__Response *resp, kw_writer_t *w)
{
	const Fjord__MetadataResponse *m = resp->metadata;
	size_t i, j;

	if (v >= 3)
		kww_i32(w, resp->throttle_time_ms);
	kww_i32(w, (int32_t)m->n_brokers);
	for (i = 0; i < m->n_brokers; i++) {
		const Fjord__BrokerEndpoint *be = m->brokers[i];
		kww_i32(w, be->node_id);
		kww_str(w, be->host ? be->host : "");
		kww_i32(w, be->port);
		if (v >= 1)
			kww_str(w, be->rack && *be->rack ? be->rack : NULL);
	}
	if (v >= 2)
		kww_str(w, m->cluster_id && *m->cluster_id ? m->cluster_id : NULL);
	if (v >= 1)
		kww_i32(w, m->controller_id);
	kww_i32(w, (int32_t)m->n_topics);
	for (i = 0; i < m->n_topics; i++) {
		const Fjord__TopicMetadata *t = m->topics[i];
		kww_i16(w, (int16_t)t->error);
		kww_str(w, t->name ? t->name : "");
		if (v >= 1)
			kww_i8(w, 0); /* is_internal: fjord has no internal topics */
		kww_i32(w, (int32_t)t->n_partitions);
		for (j = 0; j < t->n_partitions; j++) {
			const Fjord__PartitionMetadata *p = t->partitions[j];
			int known = p->leader >= 0 && kenc_md_has_broker(m, p->leader);
			int16_t err = (int16_t)p->error;

			if (!known && err == 0)
				err = FJORD__ERROR_CODE__LEADER_NOT_AVAILABLE;
			kww_i16(w, err);
			kww_i32(w, p->partition);
			kww_i32(w, known ? p->leader : -1);
			kenc_int32s(w, p->replicas, p->n_replicas);
			kenc_int32s(w, p->isr, p->n_isr);
		}
	}
	return 0;
}

static int kenc_produce(int16_t v, const Fjord__Response *resp, kw_writer_t *w)
{
	const Fjord__ProduceResponse *p = resp->produce;
	size_t i, j;

	kww_i32(w, (int32_t)p->n_topics);
	for (i = 0; i < p->n_topics; i++) {
		const Fjord__ProduceTopicResponse *t = p->topics[i];
		kww_str(w, t->topic ? t->topic : "");
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
	return 0;
}

static int kenc_fetch(int16_t v, const Fjord__Response *resp, struct evbuffer *payload,
                      kw_writer_t *w, struct evbuffer *out)
{
	const Fjord__FetchResponse *f = resp->fetch;
	size_t i, j;

	kww_i32(w, resp->throttle_time_ms);
	if (v >= 7) {
		kww_i16(w, 0);
		kww_i32(w, 0); /* no session was created */
	}
	kww_i32(w, (int32_t)f->n_topics);
	for (i = 0; i < f->n_topics; i++) {
		const Fjord__FetchTopicResponse *t = f->topics[i];
		kww_str(w, t->topic ? t->topic : "");
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
			if (p->records_len > INT32_MAX)
				return -1;
			kww_i32(w, (int32_t)p->records_len);
			if (p->records_len == 0)
				continue;
			/* The bytes so far, then this partition's records moved
			 * (not copied) from the payload. */
			if (w->err || !payload || evbuffer_get_length(payload) < p->records_len ||
			    evbuffer_add(out, w->buf, w->len) != 0 ||
			    evbuffer_remove_buffer(payload, out, p->records_len) !=
			        (int)p->records_len)
				return -1;
			kww_reset(w);
		}
	}
	return 0;
}

static int kenc_list_offsets(int16_t v, const Fjord__Response *resp, kw_writer_t *w)
{
	const Fjord__ListOffsetsResponse *l = resp->list_offsets;
	size_t i, j;

	if (v >= 2)
		kww_i32(w, resp->throttle_time_ms);
	kww_i32(w, (int32_t)l->n_topics);
	for (i = 0; i < l->n_topics; i++) {
		kww_str(w, l->topics[i]->topic ? l->topics[i]->topic : "");
		kww_i32(w, (int32_t)l->topics[i]->n_partitions);
		for (j = 0; j < l->topics[i]->n_partitions; j++) {
			const Fjord__ListOffsetsPartitionResponse *p = l->topics[i]->partitions[j];
			kww_i32(w, p->partition);
			kww_i16(w, (int16_t)p->error);
			kww_i64(w, p->timestamp);
			kww_i64(w, p->offset);
		}
	}
	return 0;
}

/* CreateTopics and DeleteTopics: throttle (from throttle_v), then [name,
 * error, message (from msg_v)]. */
static int kenc_topic_results(int16_t v, int16_t throttle_v, int16_t msg_v,
                              Fjord__TopicResult **res, size_t n, kw_writer_t *w)
{
	if (v >= throttle_v)
		kww_i32(w, 0);
	kww_i32(w, (int32_t)n);
	for (size_t i = 0; i < n; i++) {
		kww_str(w, res[i]->name ? res[i]->name : "");
		kww_i16(w, (int16_t)res[i]->error);
		if (v >= msg_v)
			kww_str(w, res[i]->error_message && *res[i]->error_message
			               ? res[i]->error_message
			               : NULL);
	}
	return 0;
}

static int kenc_init_producer_id(const Fjord__Response *resp, kw_writer_t *w)
{
	const Fjord__InitProducerIdResponse *p = resp->init_producer_id;

	kww_i32(w, resp->throttle_time_ms);
	kww_i16(w, (int16_t)p->error);
	kww_i64(w, p->producer_id);
	kww_i16(w, (int16_t)p->producer_epoch);
	return 0;
}

int kenc_response(int16_t api, int16_t v, const Fjord__Response *resp, struct evbuffer *payload,
                  kw_writer_t *w, struct evbuffer *out)
{
	int rc = -1;

	switch (api) {
	case KAFKA_METADATA:
		if (resp->body_case == FJORD__RESPONSE__BODY_METADATA)
			rc = kenc_metadata(v, resp, w);
		break;
	case KAFKA_PRODUCE:
		if (resp->body_case == FJORD__RESPONSE__BODY_PRODUCE)
			rc = kenc_produce(v, resp, w);
		break;
	case KAFKA_FETCH:
		if (resp->body_case == FJORD__RESPONSE__BODY_FETCH)
			rc = kenc_fetch(v, resp, payload, w, out);
		break;
	case KAFKA_LIST_OFFSETS:
		if (resp->body_case == FJORD__RESPONSE__BODY_LIST_OFFSETS)
			rc = kenc_list_offsets(v, resp, w);
		break;
	case KAFKA_CREATE_TOPICS:
		if (resp->body_case == FJORD__RESPONSE__BODY_CREATE_TOPICS)
			rc = kenc_topic_results(v, 2, 1, resp->create_topics->topics,
			                        resp->create_topics->n_topics, w);
		break;
	case KAFKA_DELETE_TOPICS:
		if (resp->body_case == FJORD__RESPONSE__BODY_DELETE_TOPICS)
			rc = kenc_topic_results(v, 1, INT16_MAX, resp->delete_topics->topics,
			                        resp->delete_topics->n_topics, w);
		break;
	case KAFKA_INIT_PRODUCER_ID:
		if (resp->body_case == FJORD__RESPONSE__BODY_INIT_PRODUCER_ID)
			rc = kenc_init_producer_id(resp, w);
		break;
	default:
		break;
	}
	return rc == 0 && !w->err ? 0 : -1;
}

void kenc_produce_refused(int16_t v, const Fjord__ProduceRequest *pr, int16_t err, kw_writer_t *w)
{
	size_t i, j;

	kww_i32(w, (int32_t)pr->n_topics);
	for (i = 0; i < pr->n_topics; i++) {
		kww_str(w, pr->topics[i]->topic);
		kww_i32(w, (int32_t)pr->topics[i]->n_partitions);
		for (j = 0; j < pr->topics[i]->n_partitions; j++) {
			kww_i32(w, pr->topics[i]->partitions[j]->partition);
			kww_i16(w, err);
			kww_i64(w, -1);
			if (v >= 2)
				kww_i64(w, -1);
			if (v >= 5)
				kww_i64(w, -1);
		}
	}
	if (v >= 1)
		kww_i32(w, 0);
}

void kenc_create_topics_refused(int16_t v, const Fjord__CreateTopicsRequest *cr, const char *why,
                                kw_writer_t *w)
{
	if (v >= 2)
		kww_i32(w, 0);
	kww_i32(w, (int32_t)cr->n_topics);
	for (size_t i = 0; i < cr->n_topics; i++) {
		kww_str(w, cr->topics[i]->name);
		kww_i16(w, FJORD__ERROR_CODE__INVALID_REQUEST);
		if (v >= 1)
			kww_str(w, why);
	}
}

void kenc_init_producer_id_refused(int16_t err, kw_writer_t *w)
{
	kww_i32(w, 0);
	kww_i16(w, err);
	kww_i64(w, -1);
	kww_i16(w, -1);
}

void kenc_fetch_session_refused(int16_t err, kw_writer_t *w)
{
	kww_i32(w, 0);
	kww_i16(w, err);
	kww_i32(w, 0);
	kww_i32(w, 0);
}

void kenc_api_versions(int16_t v, int16_t err, const int16_t (*ranges)[3], size_t n, kw_writer_t *w)
{
	kww_i16(w, err);
	kww_i32(w, (int32_t)n);
	for (size_t i = 0; i < n; i++) {
		kww_i16(w, ranges[i][0]);
		kww_i16(w, ranges[i][1]);
		kww_i16(w, ranges[i][2]);
	}
	if (v >= 1 && v <= 2)
		kww_i32(w, 0);
}

void kenc_create_partitions(int16_t v, const kenc_topic_result_t *res, size_t n, kw_writer_t *w)
{
	(void)v; /* one layout */
	kww_i32(w, 0);
	kww_i32(w, (int32_t)n);
	for (size_t i = 0; i < n; i++) {
		kww_str(w, res[i].name ? res[i].name : "");
		kww_i16(w, res[i].error);
		kww_str(w, res[i].message && *res[i].message ? res[i].message : NULL);
	}
}
