/*
 * kafka_dispatch.c — the Kafka listener's request header, API table,
 * ApiVersions, and the framing of answers (kafka.h has the model).
 *
 * Request header v1: api_key int16, api_version int16, correlation_id
 * int32, client_id nullable string; the body follows. Response header v0:
 * correlation_id alone. Every response is framed by an int32 size.
 *
 * Thread: loop thread only.
 */
#include "config.h"

#include <string.h>

#include "broker/broker.h"
#include "broker/kafka/kafka.h"
#include "broker/kafka/kafka_codec.h"
#include "common/bytes.h"
#include "common/flog.h"

/* The versions are the ones each API's decoder and encoder handle; every
 * one advertised is tested (tests/0120-0129, scripts/check --kafka-clients). */
const kafka_api_def_t kafka_defs[] = {
	{ KAFKA_PRODUCE, "Produce", 0, 7, kafka_translated, FJORD__API_KEY__PRODUCE },
	{ KAFKA_FETCH, "Fetch", 4, 11, kafka_translated, FJORD__API_KEY__FETCH },
	{ KAFKA_LIST_OFFSETS, "ListOffsets", 1, 2, kafka_translated, FJORD__API_KEY__LIST_OFFSETS },
	{ KAFKA_METADATA, "Metadata", 0, 4, kafka_translated, FJORD__API_KEY__METADATA },
	{ KAFKA_API_VERSIONS, "ApiVersions", 0, 2, kafka_api_versions,
	  FJORD__API_KEY__API_VERSIONS },
	{ KAFKA_CREATE_TOPICS, "CreateTopics", 0, 4, kafka_translated,
	  FJORD__API_KEY__CREATE_TOPICS },
	{ KAFKA_DELETE_TOPICS, "DeleteTopics", 0, 1, kafka_translated,
	  FJORD__API_KEY__DELETE_TOPICS },
	{ KAFKA_INIT_PRODUCER_ID, "InitProducerId", 0, 1, kafka_translated,
	  FJORD__API_KEY__INIT_PRODUCER_ID },
	{ KAFKA_CREATE_PARTITIONS, "CreatePartitions", 0, 1, kafka_create_partitions,
	  FJORD__API_KEY__API_UNSPECIFIED },
	/* The group coordinator (kafka_group.c, kafka_offsets.c, kgroup*.c). */
	{ KAFKA_OFFSET_COMMIT, "OffsetCommit", 0, 7, kafka_offset_commit, 0 },
	{ KAFKA_OFFSET_FETCH, "OffsetFetch", 1, 5, kafka_offset_fetch, 0 },
	{ KAFKA_FIND_COORDINATOR, "FindCoordinator", 0, 2, kafka_find_coordinator, 0 },
	{ KAFKA_JOIN_GROUP, "JoinGroup", 0, 5, kafka_join_group, 0 },
	{ KAFKA_HEARTBEAT, "Heartbeat", 0, 3, kafka_heartbeat, 0 },
	{ KAFKA_LEAVE_GROUP, "LeaveGroup", 0, 1, kafka_leave_group, 0 },
	{ KAFKA_SYNC_GROUP, "SyncGroup", 0, 3, kafka_sync_group, 0 },
	{ KAFKA_DESCRIBE_GROUPS, "DescribeGroups", 0, 0, kafka_describe_groups, 0 },
	{ KAFKA_LIST_GROUPS, "ListGroups", 0, 0, kafka_list_groups, 0 },
};
const size_t kafka_def_cnt = sizeof(kafka_defs) / sizeof(kafka_defs[0]);

const kafka_api_def_t *kafka_find(int16_t key)
{
	for (size_t i = 0; i < kafka_def_cnt; i++)
		if (kafka_defs[i].key == key)
			return &kafka_defs[i];
	return NULL;
}

conn_slot_t *kafka_slot_new(kreq_t *rq)
{
	const kafka_api_def_t *d = kafka_find(rq->api_key);
	return conn_slot_new(rq->c, rq->correlation_id,
	                     d ? d->fjord_api : FJORD__API_KEY__API_UNSPECIFIED);
}

/* Frames what w holds (correlation id first) into slot->out, in front of
 * what the encoder already moved there. */
static int kafka_frame(conn_slot_t *slot, kw_writer_t *w)
{
	uint8_t size[4];

	if (w->err || evbuffer_add(slot->out, w->buf, w->len) != 0)
		return -1;
	be32_write(size, (uint32_t)evbuffer_get_length(slot->out));
	return evbuffer_prepend(slot->out, size, 4) == 0 ? 0 : -1;
}

int kafka_respond(conn_slot_t *slot, kw_writer_t *body)
{
	kw_writer_t w;
	int rc;

	kww_init(&w);
	kww_i32(&w, slot->correlation_id);
	kww_raw(&w, body->buf, body->len);
	rc = body->err ? -1 : kafka_frame(slot, &w);
	kww_free(&w);
	if (rc != 0)
		flog(LOG_ERR, "kafka", "%s: out of memory answering api %d", slot->conn->peer,
		     slot->kafka_api);
	return conn_slot_finish(slot, rc, 0);
}

int kafka_encode(conn_slot_t *slot, const Fjord__Response *resp, struct evbuffer *payload)
{
	const kafka_api_def_t *d = kafka_find(slot->kafka_api);
	const char *name = d ? d->name : "?";
	kw_writer_t w;
	int rc = -1;

	if (resp->error != FJORD__ERROR_CODE__NONE &&
	    resp->body_case == FJORD__RESPONSE__BODY__NOT_SET) {
		/* A request-level refusal has no place in Kafka's layouts: the
		 * connection closes (as Kafka does for a request it rejects
		 * whole), with the reason here. */
		flog(LOG_INFO, "kafka", "%s: %s v%d refused: %s (%s); closing the connection",
		     slot->conn->peer, name, slot->kafka_version,
		     fjord_err2name((fjord_err_t)resp->error),
		     resp->error_message ? resp->error_message : "");
		return -1;
	}
	kww_init(&w);
	kww_i32(&w, slot->correlation_id);
	if (kenc_response(slot->kafka_api, slot->kafka_version, resp, payload, &w, slot->out) == 0)
		rc = kafka_frame(slot, &w);
	kww_free(&w);
	if (rc != 0)
		flog(LOG_ERR, "kafka", "%s: cannot write the %s v%d answer (out of memory)",
		     slot->conn->peer, name, slot->kafka_version);
	return rc;
}

/* ApiVersions v0-2 (body empty in all three). v0: error, api_keys[key,
 * min, max]; v1+: throttle_time_ms after them. A request above v2 gets the
 * v0 layout with UNSUPPORTED_VERSION, so the client retries at v0. */
int kafka_api_versions(kreq_t *rq)
{
	conn_slot_t *slot = kafka_slot_new(rq);
	int16_t v = rq->api_version, ranges[32][3];
	size_t n = 0;
	kw_writer_t w;

	if (!slot)
		return -1;
	for (size_t i = 0; i < kafka_def_cnt && n < 32; i++, n++) {
		ranges[n][0] = kafka_defs[i].key;
		ranges[n][1] = kafka_defs[i].min_version;
		ranges[n][2] = kafka_defs[i].max_version;
	}
	kww_init(&w);
	/* Above v2: the v0 layout, so the client retries at v0. */
	kenc_api_versions(v > 2 ? 0 : v, v > 2 ? FJORD__ERROR_CODE__UNSUPPORTED_VERSION : 0,
	                  (const int16_t(*)[3])ranges, n, &w);
	{
		int rc = kafka_respond(slot, &w);
		kww_free(&w);
		return rc;
	}
}

int kafka_bad_request(kreq_t *rq, const char *what)
{
	flog(LOG_WARNING, "kafka",
	     "closing connection from %s (client %s): %s v%d request does not decode (%s)",
	     rq->c->peer, rq->client_id ? rq->client_id : "-",
	     kafka_find(rq->api_key) ? kafka_find(rq->api_key)->name : "?", rq->api_version, what);
	return -1;
}

int kafka_dispatch(conn_t *c, uint8_t *msg, size_t len)
{
	const kafka_api_def_t *d;
	kafka_header_t h;
	arena_t ar;
	kreq_t rq;
	int rc;

	memset(&rq, 0, sizeof(rq));
	arena_init(&ar, 0);
	rq.c = c;
	rq.ar = &ar;
	kwr_init(&rq.body, msg, len);
	if (kdec_header(&rq.body, &ar, &h) == 0) {
		rq.api_key = h.api_key;
		rq.api_version = h.api_version;
		rq.correlation_id = h.correlation_id;
		rq.client_id = h.client_id;
	}
	if (rq.body.err) {
		flog(LOG_WARNING, "kafka", "closing connection from %s: bad request header",
		     c->peer);
		arena_free(&ar);
		return -1;
	}
	d = kafka_find(rq.api_key);
	if (d)
		metrics_count_request(&c->b->metrics, d->fjord_api);
	if (!d || ((rq.api_version < d->min_version || rq.api_version > d->max_version) &&
	           rq.api_key != KAFKA_API_VERSIONS)) {
		flog(LOG_INFO, "kafka",
		     "closing connection from %s (client %s): api %d version %d is not served "
		     "(see ApiVersions)",
		     c->peer, rq.client_id ? rq.client_id : "-", rq.api_key, rq.api_version);
		arena_free(&ar);
		return -1;
	}
	c->kcur = &rq;
	rc = d->handle(&rq);
	c->kcur = NULL;
	arena_free(&ar);
	return rc;
}
