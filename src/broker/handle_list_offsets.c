/*
 * handle_list_offsets.c — ListOffsets: per partition, timestamp -1 answers
 * the latest offset a consumer may read (the high watermark), -2 the log
 * start offset, any other value the first offset whose batch has a
 * timestamp >= it (time index lookup), -1 when none is that recent.
 * Followers (replica_id >= 0) get the LEO for -1. Only the leader answers
 * (NOT_LEADER); current_leader_epoch is checked as in Fetch.
 *
 * Thread: loop thread only.
 */
#include "config.h"

#include <stdlib.h>

#include "broker/api.h"
#include "broker/broker.h"
#include "broker/replication/partition.h"

static fjord_err_t list_offsets_partition(broker_t *b, int32_t replica_id, const char *topic,
                                          const Fjord__ListOffsetsPartition *lp,
                                          Fjord__ListOffsetsPartitionResponse *out)
{
	partition_t *p = partition_find(b, topic, lp->partition);
	int64_t off = -1, ts = -1;

	out->offset = -1;
	out->timestamp = -1;
	out->leader_epoch = -1;
	if (!p)
		return b->cv && cview_partition(b->cv, topic, lp->partition)
		               ? FJORD_ERR_NOT_LEADER
		               : FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION;
	if (!p->is_leader)
		return FJORD_ERR_NOT_LEADER;
	if (lp->current_leader_epoch >= 0 && lp->current_leader_epoch < p->leader_epoch)
		return FJORD_ERR_FENCED_LEADER_EPOCH;
	if (lp->current_leader_epoch > p->leader_epoch)
		return FJORD_ERR_UNKNOWN_LEADER_EPOCH;
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
		fjord_err_t err = plog_offset_for_timestamp(p->log, lp->timestamp, &off, &ts);
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

int handle_list_offsets(conn_t *c, const Fjord__Request *req)
{
	const Fjord__ListOffsetsRequest *lr = req->list_offsets;
	Fjord__ListOffsetsResponse body = FJORD__LIST_OFFSETS_RESPONSE__INIT;
	Fjord__Response resp = FJORD__RESPONSE__INIT;
	conn_slot_t *slot = conn_slot_new(c, req->correlation_id, req->api);
	Fjord__ListOffsetsTopicResponse *topics = NULL, **topic_ptrs = NULL;
	Fjord__ListOffsetsPartitionResponse *parts = NULL, **part_ptrs = NULL;
	size_t i, j, k = 0, nparts = 0;
	int rc = -1;

	if (!slot)
		return -1;
	for (i = 0; i < lr->n_topics; i++)
		nparts += lr->topics[i]->n_partitions;
	topics = calloc(lr->n_topics + 1, sizeof(*topics));
	topic_ptrs = calloc(lr->n_topics + 1, sizeof(*topic_ptrs));
	parts = calloc(nparts + 1, sizeof(*parts));
	part_ptrs = calloc(nparts + 1, sizeof(*part_ptrs));
	if (!topics || !topic_ptrs || !parts || !part_ptrs) {
		rc = conn_slot_respond_error(slot, FJORD__ERROR_CODE__UNKNOWN_SERVER_ERROR,
		                             "out of memory");
		goto done;
	}
	for (i = 0; i < lr->n_topics; i++) {
		const Fjord__ListOffsetsTopic *lt = lr->topics[i];
		fjord__list_offsets_topic_response__init(&topics[i]);
		topics[i].topic = lt->topic;
		topics[i].partitions = &part_ptrs[k];
		topics[i].n_partitions = lt->n_partitions;
		topic_ptrs[i] = &topics[i];
		for (j = 0; j < lt->n_partitions; j++, k++) {
			fjord_err_t err;
			fjord__list_offsets_partition_response__init(&parts[k]);
			part_ptrs[k] = &parts[k];
			parts[k].partition = lt->partitions[j]->partition;
			err = list_offsets_partition(c->b, lr->replica_id, lt->topic, lt->partitions[j],
			                             &parts[k]);
			parts[k].error = (Fjord__ErrorCode)err;
		}
	}
	body.topics = topic_ptrs;
	body.n_topics = lr->n_topics;
	resp.body_case = FJORD__RESPONSE__BODY_LIST_OFFSETS;
	resp.list_offsets = &body;
	rc = conn_slot_respond(slot, &resp, NULL);
done:
	free(topics);
	free(topic_ptrs);
	free(parts);
	free(part_ptrs);
	return rc;
}
