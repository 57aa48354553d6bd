/*
 * kafka_translate.c — the translated APIs' handler: a Kafka request body
 * decoded into fjord's request structure (kafka_codec.h) and run by the
 * same handler fjord's own protocol runs (api.h), whose answer
 * conn_slot_respond() writes in Kafka's layout (kafka_encode()).
 *
 * Before the handler, what Kafka does that fjord's protocol does not:
 *   Metadata     auto-creation (auto.create.topics.enable, as Kafka): a
 *                named topic the cluster does not know, that the principal
 *                may Create (on the cluster or the topic), is created
 *                through the CreateTopics path (topic_admin.h, no slot:
 *                nobody waits) with num.partitions and
 *                default.replication.factor; this answer still says
 *                UNKNOWN_TOPIC_OR_PARTITION and the client's next Metadata
 *                sees the topic (LEADER_NOT_AVAILABLE until its leaders are
 *                elected). v4 asks with allow_auto_topic_creation; v0-3
 *                always allow.
 *   Produce      v0-2 carry old message sets, which fjord does not store:
 *                every partition answers UNSUPPORTED_FOR_MESSAGE_FORMAT (the
 *                versions stay advertised so that librdkafka keeps
 *                compression on). A transactional id answers
 *                TRANSACTIONAL_ID_AUTHORIZATION_FAILED (no transactions).
 *                acks=0 is never answered. v3+ batches go to produce_run()
 *                in place.
 *   Fetch        an incremental fetch (a session id other than 0) answers
 *                FETCH_SESSION_ID_NOT_FOUND: no sessions are kept, and a
 *                full fetch is answered with session 0, which tells the
 *                client that none was created.
 *   CreateTopics a manual replica assignment or validate_only answers
 *                INVALID_REQUEST for every topic with the reason; nothing is
 *                created (fjord places replicas and has no dry run).
 *   InitProducerId  a transactional id answers
 *                TRANSACTIONAL_ID_AUTHORIZATION_FAILED.
 *
 * Thread: loop thread.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "broker/api.h"
#include "broker/authz.h"
#include "broker/broker.h"
#include "broker/kafka/kafka.h"
#include "broker/kafka/kafka_codec.h"
#include "broker/topic_admin.h"
#include "common/flog.h"

#define KAFKA_ERR_FETCH_SESSION_ID_NOT_FOUND 70

/* Creates the named topics the cluster does not know (see above). */
static void kafka_autocreate(conn_t *c, char **topics, size_t n)
{
	broker_t *b = c->b;
	tadm_job_t *job;
	int cnt = 0, cluster_ok;
	size_t i;

	if (!b->conf.auto_create_topics_enable || !b->cv)
		return;
	for (i = 0; i < n; i++)
		if (!cview_topic(b->cv, topics[i]))
			cnt++;
	if (cnt == 0 || !(job = tadm_job_new(b, NULL, TADM_CREATE, cnt)))
		return;
	cluster_ok = authz_allowed(c, ACL_RES_CLUSTER, ACL_CLUSTER_NAME, ACL_OP_CREATE, 1);
	cnt = 0;
	for (i = 0; i < n; i++) {
		tadm_topic_t *t;
		if (cview_topic(b->cv, topics[i]))
			continue;
		t = &job->topics[cnt++];
		if (!(t->name = strdup(topics[i]))) {
			tadm_job_free(job);
			return;
		}
		t->partitions = b->conf.num_partitions;
		t->rf = b->conf.default_replication_factor;
		t->run = cluster_ok || authz_topic(c, t->name, ACL_OP_CREATE);
		if (t->run)
			flog(LOG_INFO, "kafka", "%s: auto-creating topic %s (%d partitions, rf %d)",
			     c->peer, t->name, t->partitions, t->rf);
		else
			tadm_topic_fail(t, FJORD_ERR_TOPIC_AUTHORIZATION_FAILED,
			                "Create on the cluster or on the topic is required");
	}
	tadm_submit(job);
}

/* Answers with what w holds (a refusal written by kafka_codec.h). */
static int kafka_translate_refuse(kreq_t *rq, kw_writer_t *w)
{
	conn_slot_t *slot = kafka_slot_new(rq);
	int rc = slot ? kafka_respond(slot, w) : -1;

	kww_free(w);
	return rc;
}

int kafka_translated(kreq_t *rq)
{
	const kafka_api_def_t *def = kafka_find(rq->api_key);
	int16_t v = rq->api_version;
	kw_writer_t w;
	kdec_t d;

	if (kdec_request(rq->api_key, v, &rq->body, rq->ar, &d) != 0)
		return kafka_bad_request(rq, d.what);
	d.req.correlation_id = rq->correlation_id;
	d.req.api = def->fjord_api;
	d.req.client_id = (char *)(rq->client_id ? rq->client_id : "");
	kww_init(&w);
	switch (rq->api_key) {
	case KAFKA_METADATA:
		if (d.allow_create && !d.u.metadata.all_topics)
			kafka_autocreate(rq->c, d.u.metadata.topics, d.u.metadata.n_topics);
		return handle_metadata(rq->c, &d.req, NULL, 0);
	case KAFKA_PRODUCE:
		if (v < 3 || d.txn) {
			if (d.u.produce.acks == 0)
				return 0;
			kenc_produce_refused(v, &d.u.produce,
			                     v < 3
			                         ? KAFKA_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT
			                         : KAFKA_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
			                     &w);
			return kafka_translate_refuse(rq, &w);
		}
		return produce_run(rq->c, &d.req, d.records);
	case KAFKA_FETCH:
		if (d.session_id != 0) {
			kenc_fetch_session_refused(KAFKA_ERR_FETCH_SESSION_ID_NOT_FOUND, &w);
			return kafka_translate_refuse(rq, &w);
		}
		return handle_fetch(rq->c, &d.req, NULL, 0);
	case KAFKA_LIST_OFFSETS:
		return handle_list_offsets(rq->c, &d.req, NULL, 0);
	case KAFKA_CREATE_TOPICS:
		if (d.manual || d.validate_only) {
			kenc_create_topics_refused(
			    v, &d.u.create_topics,
			    d.manual ? "manual replica assignments are not supported: fjord places "
			               "replicas"
			             : "validate_only is not supported",
			    &w);
			return kafka_translate_refuse(rq, &w);
		}
		return handle_create_topics(rq->c, &d.req, NULL, 0);
	case KAFKA_DELETE_TOPICS:
		return handle_delete_topics(rq->c, &d.req, NULL, 0);
	case KAFKA_INIT_PRODUCER_ID:
		if (d.txn) {
			kenc_init_producer_id_refused(
			    KAFKA_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED, &w);
			return kafka_translate_refuse(rq, &w);
		}
		return handle_init_producer_id(rq->c, &d.req, NULL, 0);
	default:
		return kafka_bad_request(rq, "not a translated api");
	}
}
