/*
 * handle_offset_for_leader_epoch.c — OffsetForLeaderEpoch: a follower asks
 * where `leader_epoch` ended on the leader's log; the answer comes from the
 * partition's leader-epoch cache (largest known epoch <= the requested one
 * and its end offset: the next epoch's start offset, or our LEO for the
 * latest epoch). Only the leader answers; current_leader_epoch is checked
 * as in Fetch.
 *
 * Authorization (authz.h): from a follower (replica_id >= 0) the request
 * needs ClusterAction on the cluster (else CLUSTER_AUTHORIZATION_FAILED for
 * the whole request); from anyone else Describe on each topic (else
 * TOPIC_AUTHORIZATION_FAILED for its partitions).
 *
 * Thread: loop thread only.
 */
#include "config.h"

#include "broker/api.h"
#include "broker/broker.h"
#include "broker/replication/partition.h"
#include "common/pbuild.h"

typedef struct ofle_ctx {
	conn_t *c;
	int consumer; /* replica_id < 0: topic Describe checked per topic */
} ofle_ctx_t;

/* pbuild_fill_fn: one partition's answer; arg is an ofle_ctx_t. */
static int ofle_partition(void *arg, const char *topic, const ProtobufCMessage *req_part,
                          ProtobufCMessage *resp_part)
{
	ofle_ctx_t *ctx = arg;
	conn_t *c = ctx->c;
	broker_t *b = c->b;
	const Fjord__OffsetForLeaderEpochPartition *ep =
	    (const Fjord__OffsetForLeaderEpochPartition *)req_part;
	Fjord__EpochEndOffset *out = (Fjord__EpochEndOffset *)resp_part;
	partition_t *p;
	int32_t epoch;
	int64_t end;
	fjord_err_t err;

	out->leader_epoch = -1;
	out->end_offset = -1;
	if (ctx->consumer && !authz_topic(c, topic, ACL_OP_DESCRIBE))
		return FJORD_ERR_TOPIC_AUTHORIZATION_FAILED;
	err = partition_leader_check(b, topic, ep->partition, ep->current_leader_epoch, &p);
	if (err != FJORD_ERR_NO_ERROR)
		return err;
	epoch_cache_end_offset_for(plog_epoch_cache(p->log), ep->leader_epoch,
	                           plog_log_end_offset(p->log), &epoch, &end);
	out->leader_epoch = epoch;
	out->end_offset = end;
	return FJORD_ERR_NO_ERROR;
}

int handle_offset_for_leader_epoch(conn_t *c, const Fjord__Request *req, const uint8_t *payload,
                                   size_t payload_len)
{
	const Fjord__OffsetForLeaderEpochRequest *er = req->offset_for_leader_epoch;
	Fjord__OffsetForLeaderEpochResponse body = FJORD__OFFSET_FOR_LEADER_EPOCH_RESPONSE__INIT;
	Fjord__Response resp = FJORD__RESPONSE__INIT;
	conn_slot_t *slot = conn_slot_new(c, req->correlation_id, req->api);
	ofle_ctx_t ctx = { c, er->replica_id < 0 };
	arena_t ar;
	int rc;

	(void)payload, (void)payload_len; /* no payload */
	if (!slot)
		return -1;
	if (!ctx.consumer && !authz_cluster(c, ACL_OP_CLUSTER_ACTION))
		return conn_slot_respond_error(slot,
		                               FJORD__ERROR_CODE__CLUSTER_AUTHORIZATION_FAILED,
		                               "ClusterAction on the cluster is required");
	arena_init(&ar, 0);
	body.topics = pbuild_answer(&ar, (ProtobufCMessage *const *)er->topics, er->n_topics,
	                            &fjord__offset_for_leader_epoch_topic_response__descriptor,
	                            ofle_partition, &ctx);
	body.n_topics = er->n_topics;
	resp.body_case = FJORD__RESPONSE__BODY_OFFSET_FOR_LEADER_EPOCH;
	resp.offset_for_leader_epoch = &body;
	rc = body.topics ? conn_slot_respond(slot, &resp, NULL)
	                 : conn_slot_respond_error(slot, FJORD__ERROR_CODE__UNKNOWN_SERVER_ERROR,
	                                           "out of memory");
	arena_free(&ar);
	return rc;
}
