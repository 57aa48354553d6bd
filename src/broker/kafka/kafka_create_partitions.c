/*
 * kafka_create_partitions.c — CreatePartitions (api 37, v0-1) on the Kafka
 * listener: adds partitions to existing topics, as Kafka's
 * kafka-topics.sh --alter --partitions does. A native API: fjord's own
 * protocol has no twin (the SDK and the CLI write ZooKeeper themselves,
 * fjord_admin_create_partitions).
 *
 * Per topic, in order (one result each, in request order):
 *   - named twice in the request: INVALID_REQUEST;
 *   - Alter on the topic is required, as Kafka asks:
 *     TOPIC_AUTHORIZATION_FAILED;
 *   - a manual assignment or validate_only: INVALID_REQUEST with the
 *     reason (fjord places replicas itself and has no dry run, as for
 *     CreateTopics in kafka_translate.c);
 *   - otherwise zkadmin_create_partitions() on the zkb worker
 *     (topic_admin.h): INVALID_PARTITIONS for a count not above the current
 *     one, UNKNOWN_TOPIC_OR_PARTITION, INVALID_TOPIC for a topic queued for
 *     deletion, INVALID_REPLICATION_FACTOR, REASSIGNMENT_IN_PROGRESS. The
 *     answer comes once ZooKeeper holds the longer assignment; the
 *     controller then elects the new partitions' leaders (a client's next
 *     Metadata sees them, LEADER_NOT_AVAILABLE until then). timeout_ms is
 *     not waited on, as for CreateTopics.
 * Nothing is written for a topic that is refused; the others go ahead.
 *
 * Thread: loop thread (the ZooKeeper writes on the zkb worker).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "broker/authz.h"
#include "broker/broker.h"
#include "broker/kafka/kafka.h"
#include "broker/kafka/kafka_codec.h"
#include "broker/topic_admin.h"

/* tadm_answer_fn: the results in Kafka's layout. Loop thread. */
static void kafka_create_partitions_answer(tadm_job_t *job)
{
	kenc_topic_result_t *res = calloc(job->cnt > 0 ? (size_t)job->cnt : 1, sizeof(*res));
	kw_writer_t w;

	kww_init(&w);
	if (!res) {
		w.err = 1; /* kafka_respond closes the connection */
	} else {
		for (int i = 0; i < job->cnt; i++) {
			const tadm_topic_t *t = &job->topics[i];
			res[i].name = t->name;
			/* SDK-local codes (ZooKeeper failures) are not wire codes. */
			res[i].error =
			    (int16_t)(t->err < 0 ? FJORD__ERROR_CODE__UNKNOWN_SERVER_ERROR
			                         : t->err);
			res[i].message = t->err ? t->errstr : NULL;
		}
		kenc_create_partitions(job->slot->kafka_version, res, (size_t)job->cnt, &w);
	}
	(void)kafka_respond(job->slot, &w);
	kww_free(&w);
	free(res);
}

/* Out of memory: the slot fails and the connection closes (kafka_respond
 * with a writer in error). */
static int kafka_create_partitions_oom(conn_slot_t *slot)
{
	kw_writer_t w;
	int rc;

	kww_init(&w);
	w.err = 1;
	rc = kafka_respond(slot, &w);
	kww_free(&w);
	return rc;
}

int kafka_create_partitions(kreq_t *rq)
{
	kdec_create_partitions_t d;
	conn_slot_t *slot;
	tadm_job_t *job;

	if (kdec_create_partitions(rq->api_version, &rq->body, rq->ar, &d) != 0)
		return kafka_bad_request(rq, d.what);
	if (!(slot = kafka_slot_new(rq)))
		return -1;
	if (!(job = tadm_job_new(rq->c->b, slot, TADM_PARTITIONS, d.n_topics)))
		return kafka_create_partitions_oom(slot);
	job->answer = kafka_create_partitions_answer;
	for (int32_t i = 0; i < d.n_topics; i++) {
		const kdec_cp_topic_t *ct = &d.topics[i];
		tadm_topic_t *t = &job->topics[i];
		int dup = 0;

		if (!(t->name = strdup(ct->name))) {
			tadm_job_free(job);
			return kafka_create_partitions_oom(slot);
		}
		for (int32_t j = 0; j < d.n_topics; j++)
			dup |= j != i && !strcmp(d.topics[j].name, ct->name);
		t->partitions = ct->count;
		t->run = 1;
		if (dup)
			tadm_topic_fail(t, FJORD_ERR_INVALID_REQUEST,
			                "the topic is named more than once in the request");
		else if (!authz_topic(rq->c, t->name, ACL_OP_ALTER))
			tadm_topic_fail(t, FJORD_ERR_TOPIC_AUTHORIZATION_FAILED,
			                "Alter on the topic is required");
		else if (ct->manual)
			tadm_topic_fail(
			    t, FJORD_ERR_INVALID_REQUEST,
			    "manual replica assignments are not supported: fjord places "
			    "replicas");
		else if (d.validate_only)
			tadm_topic_fail(t, FJORD_ERR_INVALID_REQUEST,
			                "validate_only is not supported");
	}
	return tadm_submit(job);
}
