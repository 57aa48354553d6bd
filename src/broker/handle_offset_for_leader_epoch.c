/*
 * handle_offset_for_leader_epoch.c — OffsetForLeaderEpoch: a follower asks
 * where `leader_epoch` ended on the leader's log; the answer comes from the
 * partition's leader-epoch cache (largest known epoch <= the requested one
 * and its end offset: the next epoch's start offset, or our LEO for the
 * latest epoch). Only the leader answers; current_leader_epoch is checked
 * as in Fetch.
 *
 * Thread: loop thread only.
 */
#include "config.h"

#include "broker/api.h"
#include "broker/broker.h"
#include "broker/replication/partition.h"
#include "common/pbuild.h"

static fjord_err_t ofle_partition(broker_t *b, const char *topic,
                                  const Fjord__OffsetForLeaderEpochPartition *ep,
                                  Fjord__EpochEndOffset *out)
{
	partition_t *p;
	int32_t epoch;
	int64_t end;
	fjord_err_t err;

	out->leader_epoch = -1;
	out->end_offset = -1;
	err = partition_leader_check(b, topic, ep->partition, ep->current_leader_epoch, &p);
	if (err != FJORD_ERR_NO_ERROR)
		return err;
	epoch_cache_end_offset_for(plog_epoch_cache(p->log), ep->leader_epoch,
	                           plog_log_end_offset(p->log), &epoch, &end);
	out->leader_epoch = epoch;
	out->end_offset = end;
	return FJORD_ERR_NO_ERROR;
}

int handle_offset_for_leader_epoch(conn_t *c, const Fjord__Request *req)
{
	const Fjord__OffsetForLeaderEpochRequest *er = req->offset_for_leader_epoch;
	Fjord__OffsetForLeaderEpochResponse body = FJORD__OFFSET_FOR_LEADER_EPOCH_RESPONSE__INIT;
	Fjord__Response resp = FJORD__RESPONSE__INIT;
	conn_slot_t *slot = conn_slot_new(c, req->correlation_id, req->api);
	arena_t ar;
	int rc;

	if (!slot)
		return -1;
	arena_init(&ar, 0);
	body.topics = pbuild_array(&ar, &fjord__offset_for_leader_epoch_topic_response__descriptor,
	                           er->n_topics);
	if (!body.topics)
		goto oom;
	body.n_topics = er->n_topics;
	for (size_t i = 0; i < er->n_topics; i++) {
		const Fjord__OffsetForLeaderEpochTopic *et = er->topics[i];
		Fjord__OffsetForLeaderEpochTopicResponse *t = body.topics[i];
		t->topic = et->topic;
		t->partitions = pbuild_array(&ar, &fjord__epoch_end_offset__descriptor, et->n_partitions);
		if (!t->partitions)
			goto oom;
		t->n_partitions = et->n_partitions;
		for (size_t j = 0; j < et->n_partitions; j++) {
			Fjord__EpochEndOffset *eo = t->partitions[j];
			eo->partition = et->partitions[j]->partition;
			eo->error = (Fjord__ErrorCode)ofle_partition(c->b, et->topic, et->partitions[j], eo);
		}
	}
	resp.body_case = FJORD__RESPONSE__BODY_OFFSET_FOR_LEADER_EPOCH;
	resp.offset_for_leader_epoch = &body;
	rc = conn_slot_respond(slot, &resp, NULL);
	arena_free(&ar);
	return rc;
oom:
	arena_free(&ar);
	return conn_slot_respond_error(slot, FJORD__ERROR_CODE__UNKNOWN_SERVER_ERROR, "out of memory");
}
