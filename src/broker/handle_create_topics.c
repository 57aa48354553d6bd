/*
 * handle_create_topics.c — CreateTopics: each topic authorized (Create on
 * the cluster, else Create on the topic: TOPIC_AUTHORIZATION_FAILED),
 * checked (a name given twice: INVALID_REQUEST; num_partitions and
 * replication_factor -1 take the broker's num.partitions and
 * default.replication.factor, other values below 1 are INVALID_PARTITIONS
 * / INVALID_REPLICATION_FACTOR) and then created on the zkb worker by
 * zkadmin_create_topic, as the SDK's ZooKeeper admin does (its errors:
 * TOPIC_ALREADY_EXISTS, INVALID_TOPIC, INVALID_REPLICATION_FACTOR,
 * INVALID_CONFIG...). One result per topic (topic_admin.h).
 *
 * Thread: loop thread.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "broker/api.h"
#include "broker/authz.h"
#include "broker/broker.h"
#include "broker/topic_admin.h"

/* Copies a topic's request into t; -1 out of memory. */
static int create_topics_copy(const Fjord__CreatableTopic *ct, tadm_topic_t *t)
{
	if (!(t->name = strdup(ct->name ? ct->name : "")))
		return -1;
	t->partitions = ct->num_partitions;
	t->rf = ct->replication_factor;
	if (ct->n_configs == 0)
		return 0;
	t->configs = calloc(2 * ct->n_configs + 1, sizeof(*t->configs));
	if (!t->configs)
		return -1;
	for (size_t k = 0; k < ct->n_configs; k++) {
		const Fjord__CreatableTopicConfig *cc = ct->configs[k];
		if (!(t->configs[2 * k] = strdup(cc->name ? cc->name : "")) ||
		    !(t->configs[2 * k + 1] = strdup(cc->value ? cc->value : "")))
			return -1;
	}
	return 0;
}

int handle_create_topics(conn_t *c, const Fjord__Request *req, const uint8_t *payload,
                         size_t payload_len)
{
	const Fjord__CreateTopicsRequest *cr = req->create_topics;
	broker_t *b = c->b;
	conn_slot_t *slot = conn_slot_new(c, req->correlation_id, req->api);
	tadm_job_t *job;
	int cluster_ok;

	(void)payload, (void)payload_len; /* no payload */
	if (!slot)
		return -1;
	if (cr->n_topics > INT32_MAX ||
	    !(job = tadm_job_new(b, slot, TADM_CREATE, (int)cr->n_topics)))
		return conn_slot_respond_error(slot, FJORD__ERROR_CODE__UNKNOWN_SERVER_ERROR,
		                               "out of memory");
	/* Kafka asks for Create on the cluster first, quietly, then per topic. */
	cluster_ok = authz_allowed(c, ACL_RES_CLUSTER, ACL_CLUSTER_NAME, ACL_OP_CREATE, 1);
	for (size_t i = 0; i < cr->n_topics; i++) {
		tadm_topic_t *t = &job->topics[i];
		int dup = 0;

		if (create_topics_copy(cr->topics[i], t) < 0) {
			tadm_job_free(job);
			return conn_slot_respond_error(
			    slot, FJORD__ERROR_CODE__UNKNOWN_SERVER_ERROR, "out of memory");
		}
		for (size_t j = 0; j < cr->n_topics; j++)
			dup |= j != i && !strcmp(cr->topics[j]->name, t->name);
		t->run = 1;
		if (dup)
			tadm_topic_fail(t, FJORD_ERR_INVALID_REQUEST,
			                "the topic is named more than once in the request");
		else if (!cluster_ok && !authz_topic(c, t->name, ACL_OP_CREATE))
			tadm_topic_fail(t, FJORD_ERR_TOPIC_AUTHORIZATION_FAILED,
			                "Create on the cluster or on the topic is required");
		else if (t->partitions == 0 || t->partitions < -1)
			tadm_topic_fail(t, FJORD_ERR_INVALID_PARTITIONS,
			                "num_partitions must be at least 1 (-1: num.partitions)");
		else if (t->rf == 0 || t->rf < -1)
			tadm_topic_fail(t, FJORD_ERR_INVALID_REPLICATION_FACTOR,
			                "replication_factor must be at least 1 (-1: "
			                "default.replication.factor)");
		if (t->partitions == -1)
			t->partitions = b->conf.num_partitions;
		if (t->rf == -1)
			t->rf = b->conf.default_replication_factor;
	}
	return tadm_submit(job);
}
