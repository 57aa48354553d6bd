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

#include <stdlib.h>

#include "broker/api.h"
#include "broker/broker.h"
#include "broker/replication/partition.h"

static fjord_err_t ofle_partition(broker_t *b, const char *topic,
                                  const Fjord__OffsetForLeaderEpochPartition *ep,
                                  Fjord__EpochEndOffset *out)
{
	partition_t *p = partition_find(b, topic, ep->partition);
	int32_t epoch;
	int64_t end;

	out->leader_epoch = -1;
	out->end_offset = -1;
	if (!p)
		return b->cv && cview_partition(b->cv, topic, ep->partition)
		               ? FJORD_ERR_NOT_LEADER
		               : FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION;
	if (!p->is_leader)
		return FJORD_ERR_NOT_LEADER;
	if (ep->current_leader_epoch >= 0 && ep->current_leader_epoch < p->leader_epoch)
		return FJORD_ERR_FENCED_LEADER_EPOCH;
	if (ep->current_leader_epoch > p->leader_epoch)
		return FJORD_ERR_UNKNOWN_LEADER_EPOCH;
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
	Fjord__OffsetForLeaderEpochTopicResponse *topics = NULL, **topic_ptrs = NULL;
	Fjord__EpochEndOffset *parts = NULL, **part_ptrs = NULL;
	size_t i, j, k = 0, nparts = 0;
	int rc = -1;

	if (!slot)
		return -1;
	for (i = 0; i < er->n_topics; i++)
		nparts += er->topics[i]->n_partitions;
	topics = calloc(er->n_topics + 1, sizeof(*topics));
	topic_ptrs = calloc(er->n_topics + 1, sizeof(*topic_ptrs));
	parts = calloc(nparts + 1, sizeof(*parts));
	part_ptrs = calloc(nparts + 1, sizeof(*part_ptrs));
	if (!topics || !topic_ptrs || !parts || !part_ptrs) {
		rc = conn_slot_respond_error(slot, FJORD__ERROR_CODE__UNKNOWN_SERVER_ERROR,
		                             "out of memory");
		goto done;
	}
	for (i = 0; i < er->n_topics; i++) {
		const Fjord__OffsetForLeaderEpochTopic *et = er->topics[i];
		fjord__offset_for_leader_epoch_topic_response__init(&topics[i]);
		topics[i].topic = et->topic;
		topics[i].partitions = &part_ptrs[k];
		topics[i].n_partitions = et->n_partitions;
		topic_ptrs[i] = &topics[i];
		for (j = 0; j < et->n_partitions; j++, k++) {
			fjord__epoch_end_offset__init(&parts[k]);
			part_ptrs[k] = &parts[k];
			parts[k].partition = et->partitions[j]->partition;
			parts[k].error = (Fjord__ErrorCode)ofle_partition(c->b, et->topic,
			                                                  et->partitions[j], &parts[k]);
		}
	}
	body.topics = topic_ptrs;
	body.n_topics = er->n_topics;
	resp.body_case = FJORD__RESPONSE__BODY_OFFSET_FOR_LEADER_EPOCH;
	resp.offset_for_leader_epoch = &body;
	rc = conn_slot_respond(slot, &resp, NULL);
done:
	free(topics);
	free(topic_ptrs);
	free(parts);
	free(part_ptrs);
	return rc;
}
