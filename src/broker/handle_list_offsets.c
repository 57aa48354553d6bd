/*
 * handle_list_offsets.c — ListOffsets: per partition, timestamp -1 answers
 * the latest offset a consumer may read (the high watermark), -2 the log
 * start offset, any other value the first offset whose batch has a
 * timestamp >= it (time index lookup), -1 when none is that recent.
 * Followers (replica_id >= 0) get the LEO for -1. Only the leader answers
 * (NOT_LEADER); current_leader_epoch is checked as in Fetch. A topic the
 * principal may not Describe answers TOPIC_AUTHORIZATION_FAILED (authz.h).
 *
 * Thread: loop thread only.
 */
#include "config.h"

#include "broker/api.h"
#include "broker/broker.h"
#include "broker/replication/partition.h"
#include "common/pbuild.h"

typedef struct list_offsets_ctx {
	conn_t *c;
	broker_t *b;
	int32_t replica_id;
} list_offsets_ctx_t;

/* pbuild_fill_fn: one partition's answer. */
static int list_offsets_partition(void *arg, const char *topic, const ProtobufCMessage *req_part,
                                  ProtobufCMessage *resp_part)
{
	const list_offsets_ctx_t *ctx = arg;
	broker_t *b = ctx->b;
	int32_t replica_id = ctx->replica_id;
	const Fjord__ListOffsetsPartition *lp = (const Fjord__ListOffsetsPartition *)req_part;
	Fjord__ListOffsetsPartitionResponse *out = (Fjord__ListOffsetsPartitionResponse *)resp_part;
	partition_t *p;
	int64_t off = -1, ts = -1;
	fjord_err_t err;

	out->offset = -1;
	out->timestamp = -1;
	out->leader_epoch = -1;
	if (!authz_topic(ctx->c, topic, ACL_OP_DESCRIBE))
		return FJORD_ERR_TOPIC_AUTHORIZATION_FAILED;
	err = partition_leader_check(b, topic, lp->partition, lp->current_leader_epoch, &p);
	if (err != FJORD_ERR_NO_ERROR)
		return err;
	out->leader_epoch = p->leader_epoch;
	/* A new leader's HW trails until its followers fetch again: until it
	 * reaches the start of this leader's epoch, "latest" (and a lookup by
	 * time, bounded by the HW) could name an offset below records that were
	 * acknowledged under the previous leader. Answer the retriable
	 * OFFSET_NOT_AVAILABLE instead, as Kafka does (KIP-207). */
	if (replica_id < 0 && lp->timestamp != -2 &&
	    plog_high_watermark(p->log) < p->epoch_start_offset)
		return FJORD_ERR_OFFSET_NOT_AVAILABLE;
	if (lp->timestamp == -1) {
		off = replica_id >= 0 ? plog_log_end_offset(p->log) : plog_high_watermark(p->log);
	} else if (lp->timestamp == -2) {
		off = plog_log_start_offset(p->log);
	} else if (lp->timestamp < 0) {
		return FJORD_ERR_INVALID_REQUEST;
	} else {
		err = plog_offset_for_timestamp(p->log, lp->timestamp, &off, &ts);
		if (err != FJORD_ERR_NO_ERROR)
			return err;
		/* A consumer must not learn of offsets above the HW. */
		if (replica_id < 0 && off >= plog_high_watermark(p->log)) {
			off = -1;
			ts = -1;
		}
	}
	out->offset = off;
	out->timestamp = ts;
	return FJORD_ERR_NO_ERROR;
}

int handle_list_offsets(conn_t *c, const Fjord__Request *req, const uint8_t *payload,
                        size_t payload_len)
{
	const Fjord__ListOffsetsRequest *lr = req->list_offsets;
	Fjord__ListOffsetsResponse body = FJORD__LIST_OFFSETS_RESPONSE__INIT;
	Fjord__Response resp = FJORD__RESPONSE__INIT;
	conn_slot_t *slot = conn_slot_new(c, req->correlation_id, req->api);
	list_offsets_ctx_t ctx = { c, c->b, lr->replica_id };
	arena_t ar;
	int rc;

	(void)payload, (void)payload_len; /* no payload */
	if (!slot)
		return -1;
	arena_init(&ar, 0);
	body.topics = pbuild_answer(&ar, (ProtobufCMessage *const *)lr->topics, lr->n_topics,
	                            &fjord__list_offsets_topic_response__descriptor,
	                            list_offsets_partition, &ctx);
	body.n_topics = lr->n_topics;
	resp.body_case = FJORD__RESPONSE__BODY_LIST_OFFSETS;
	resp.list_offsets = &body;
	rc = body.topics ? conn_slot_respond(slot, &resp, NULL)
	                 : conn_slot_respond_error(slot, FJORD__ERROR_CODE__UNKNOWN_SERVER_ERROR,
	                                           "out of memory");
	arena_free(&ar);
	return rc;
}
