/*
 * kafka_metadata.c — Kafka's Metadata v0-4 over handle_metadata.c.
 *
 * Request: topics (v0: an empty array means all; v1+: null means all, empty
 * none), allow_auto_topic_creation (v4; v0-3 always allow). Response:
 * throttle_time_ms (v3+), brokers [node_id, host, port, rack (v1+)],
 * cluster_id (v2+), controller_id (v1+), topics [error, name, is_internal
 * (v1+), partitions [error, index, leader, replicas, isr]].
 *
 * Brokers: handle_metadata describes each by its endpoint of this
 * listener's name and leaves out one that has none; a partition whose
 * leader was left out answers LEADER_NOT_AVAILABLE with leader -1 here, so
 * the client waits instead of dialling a port that speaks fjord's protocol.
 *
 * Auto-creation (auto.create.topics.enable, as Kafka): a named topic the
 * cluster does not know, that the principal may Create (on the cluster or
 * the topic), is created through the CreateTopics path (topic_admin.h, no
 * slot: nobody waits) with num.partitions and default.replication.factor;
 * this answer still says UNKNOWN_TOPIC_OR_PARTITION and the client's next
 * Metadata sees the topic (LEADER_NOT_AVAILABLE until its leaders are
 * elected). A creation that fails (a bad name, too few brokers) is logged.
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
#include "broker/topic_admin.h"
#include "common/flog.h"

/* Creates the named topics the cluster does not know (see above). */
static void kafka_metadata_autocreate(conn_t *c, char **topics, size_t n)
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
	if (cnt == 0 || !(job = tadm_job_new(b, NULL, 0, cnt)))
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

int kafka_metadata(kreq_t *rq)
{
	Fjord__MetadataRequest mr = FJORD__METADATA_REQUEST__INIT;
	Fjord__Request req;
	int16_t v = rq->api_version;
	int32_t n, i;
	int autocreate = 1;

	n = kwr_array(&rq->body, 2, v >= 1);
	if (n > 0) {
		mr.topics = arena_calloc(rq->ar, (size_t)n, sizeof(char *));
		if (!mr.topics)
			return kafka_bad_request(rq, "out of memory");
		for (i = 0; i < n; i++)
			mr.topics[i] = kwr_str(&rq->body, rq->ar, 0);
		mr.n_topics = (size_t)n;
	}
	if (v >= 4)
		autocreate = kwr_i8(&rq->body) != 0;
	if (!KAFKA_BODY_OK(rq))
		return kafka_bad_request(rq, "topics");
	mr.all_topics = n < 0 || (v == 0 && n == 0);
	if (autocreate && !mr.all_topics)
		kafka_metadata_autocreate(rq->c, mr.topics, mr.n_topics);
	kafka_fjord_request(rq, &req, FJORD__API_KEY__METADATA);
	req.body_case = FJORD__REQUEST__BODY_METADATA;
	req.metadata = &mr;
	return handle_metadata(rq->c, &req, NULL, 0);
}

static int kafka_md_has_broker(const Fjord__MetadataResponse *m, int32_t id)
{
	for (size_t i = 0; i < m->n_brokers; i++)
		if (m->brokers[i]->node_id == id)
			return 1;
	return 0;
}

static void kafka_md_int32s(kw_writer_t *w, const int32_t *a, size_t n)
{
	kww_i32(w, (int32_t)n);
	for (size_t i = 0; i < n; i++)
		kww_i32(w, a[i]);
}

int kafka_metadata_encode(int16_t v, const Fjord__Response *resp, struct evbuffer *payload,
                          kw_writer_t *w, struct evbuffer *out)
{
	const Fjord__MetadataResponse *m = resp->metadata;
	size_t i, j;

	(void)payload, (void)out;
	if (resp->body_case != FJORD__RESPONSE__BODY_METADATA)
		return -1;
	if (v >= 3)
		kww_i32(w, resp->throttle_time_ms);
	kww_i32(w, (int32_t)m->n_brokers);
	for (i = 0; i < m->n_brokers; i++) {
		const Fjord__BrokerEndpoint *be = m->brokers[i];
		kww_i32(w, be->node_id);
		kww_str(w, be->host);
		kww_i32(w, be->port);
		if (v >= 1)
			kww_str(w, be->rack && *be->rack ? be->rack : NULL);
	}
	if (v >= 2)
		kww_str(w, m->cluster_id && *m->cluster_id ? m->cluster_id : NULL);
	if (v >= 1)
		kww_i32(w, m->controller_id);
	kww_i32(w, (int32_t)m->n_topics);
	for (i = 0; i < m->n_topics; i++) {
		const Fjord__TopicMetadata *t = m->topics[i];
		kww_i16(w, (int16_t)t->error);
		kww_str(w, t->name);
		if (v >= 1)
			kww_i8(w, 0); /* is_internal: fjord has no internal topics */
		kww_i32(w, (int32_t)t->n_partitions);
		for (j = 0; j < t->n_partitions; j++) {
			const Fjord__PartitionMetadata *p = t->partitions[j];
			int known = p->leader >= 0 && kafka_md_has_broker(m, p->leader);
			int16_t err = (int16_t)p->error;

			if (!known && err == 0)
				err = FJORD__ERROR_CODE__LEADER_NOT_AVAILABLE;
			kww_i16(w, err);
			kww_i32(w, p->partition);
			kww_i32(w, known ? p->leader : -1);
			kafka_md_int32s(w, p->replicas, p->n_replicas);
			kafka_md_int32s(w, p->isr, p->n_isr);
		}
	}
	return w->err ? -1 : 0;
}
