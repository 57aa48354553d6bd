/*
 * handle_init_producer_id.c — InitProducerId (idempotent producer, KIP-98
 * without transactions; issue 11): any broker gives a producer its id and
 * epoch.
 *
 * Rules (docs/protocol.md):
 *  - producer_id -1 and producer_epoch -1: a new id (producer_ids.h), epoch 0;
 *  - producer_id >= 0 and producer_epoch 0..32765: the same id, epoch + 1
 *    (a producer that hit a fatal sequence error starts its sequences
 *    again, KIP-360 style); epoch 32766 or 32767 (Short.MAX - 1 and up,
 *    where the next bump would run out): a new id, epoch 0;
 *  - anything else: INVALID_REQUEST with a message.
 * The broker keeps no table of the ids it handed out, so an id is taken on
 * the producer's word; ids are not credentials (the sequences of an id are
 * checked per partition by the log).
 *
 * Authorization (Kafka 2.8+): IdempotentWrite on the cluster, or Write on
 * any topic (a producer that may write somewhere may be idempotent there);
 * else CLUSTER_AUTHORIZATION_FAILED.
 *
 * Thread: loop thread.
 */
#include "config.h"

#include "broker/api.h"
#include "broker/authz.h"
#include "broker/broker.h"
#include "broker/producer_ids.h"

/* Past this epoch a bump would leave int16: a new id instead. */
#define INIT_PID_EPOCH_LAST 32766
#define INIT_PID_EPOCH_MAX 32767

/* Write on some topic, decided quietly: on a topic that has ACLs of its
 * own, or on one that has none (only the "*" resource's entries and
 * allow.everyone.if.no.acl.found apply to it; "" names no real topic and
 * stands for every such topic). */
static int init_producer_id_write_any_topic(conn_t *c)
{
	const acl_set_t *s = c->b->authz.acls;

	if (authz_allowed(c, ACL_RES_TOPIC, "", ACL_OP_WRITE, 1))
		return 1;
	for (int i = 0; s && i < s->cnt; i++)
		if (s->res[i].type == ACL_RES_TOPIC &&
		    authz_allowed(c, ACL_RES_TOPIC, s->res[i].name, ACL_OP_WRITE, 1))
			return 1;
	return 0;
}

int handle_init_producer_id(conn_t *c, const Fjord__Request *req, const uint8_t *payload,
                            size_t payload_len)
{
	const Fjord__InitProducerIdRequest *ir = req->init_producer_id;
	conn_slot_t *slot = conn_slot_new(c, req->correlation_id, req->api);

	(void)payload, (void)payload_len; /* no payload */
	if (!slot)
		return -1;
	if (!authz_allowed(c, ACL_RES_CLUSTER, ACL_CLUSTER_NAME, ACL_OP_IDEMPOTENT_WRITE, 1) &&
	    !init_producer_id_write_any_topic(c) && !authz_cluster(c, ACL_OP_IDEMPOTENT_WRITE))
		return pids_respond(
		    slot, FJORD__ERROR_CODE__CLUSTER_AUTHORIZATION_FAILED,
		    "IdempotentWrite on the cluster or Write on a topic is required", -1, -1);
	if (ir->producer_id == -1 && ir->producer_epoch == -1)
		return pids_new_id(&c->b->pids, slot);
	if (ir->producer_id < 0 || ir->producer_epoch < 0 ||
	    ir->producer_epoch > INIT_PID_EPOCH_MAX)
		return pids_respond(slot, FJORD__ERROR_CODE__INVALID_REQUEST,
		                    "producer_id and producer_epoch must both be -1 (a new id) or "
		                    "an id >= 0 with its epoch 0..32767",
		                    -1, -1);
	if (ir->producer_epoch >= INIT_PID_EPOCH_LAST)
		return pids_new_id(&c->b->pids, slot);
	return pids_respond(slot, FJORD__ERROR_CODE__NONE, NULL, ir->producer_id,
	                    ir->producer_epoch + 1);
}
