/*
 * handle_metadata.c — Metadata: brokers, cluster id, controller and the
 * requested (or all) topics from the latest applied cview snapshot.
 *
 * A partition with no state yet, no leader, or a leader that is not a live
 * broker answers LEADER_NOT_AVAILABLE (leader -1); offline_replicas lists
 * the assigned replicas that are not registered. An unknown requested
 * topic answers UNKNOWN_TOPIC_OR_PARTITION. Before the first snapshot the
 * answer has no brokers and no topics (controller -1).
 *
 * Authorization (authz.h): a topic asked by name that the principal may not
 * Describe answers TOPIC_AUTHORIZATION_FAILED (whether or not it exists, so
 * its existence is not revealed); a listing of all topics leaves those
 * topics out.
 *
 * Listeners (Kafka's behaviour): each broker is described by its endpoint
 * for the listener this request arrived on (by name), so a client that
 * bootstrapped through EXTERNAL keeps using EXTERNAL addresses; a broker
 * lacking that listener is described by its first registered endpoint,
 * except on a Kafka listener, where it is left out (kafka_metadata.c then
 * answers its partitions LEADER_NOT_AVAILABLE).
 *
 * Thread: loop thread. Memory: the response is built over an arena freed
 * before returning; strings point into the snapshot, which the handler
 * holds a reference to while packing.
 */
#include "config.h"

#include "broker/api.h"
#include "broker/broker.h"
#include "common/pbuild.h"

static int md_fill_topic(arena_t *ar, const cview_t *cv, const cview_topic_t *t,
                         Fjord__TopicMetadata *tm)
{
	int i, k;

	tm->name = t->name;
	tm->partitions =
	    pbuild_array(ar, &fjord__partition_metadata__descriptor, (size_t)t->partition_cnt);
	if (!tm->partitions)
		return -1;
	tm->n_partitions = (size_t)t->partition_cnt;
	for (i = 0; i < t->partition_cnt; i++) {
		const cview_partition_t *p = &t->partitions[i];
		Fjord__PartitionMetadata *pm = tm->partitions[i];

		pm->partition = p->id;
		pm->replicas = p->replicas;
		pm->n_replicas = (size_t)p->replica_cnt;
		pm->offline_replicas =
		    arena_calloc(ar, (size_t)p->replica_cnt + 1, sizeof(int32_t));
		if (!pm->offline_replicas)
			return -1;
		for (k = 0; k < p->replica_cnt; k++)
			if (!cview_broker(cv, p->replicas[k]))
				pm->offline_replicas[pm->n_offline_replicas++] = p->replicas[k];
		if (p->has_state) {
			pm->isr = p->isr;
			pm->n_isr = (size_t)p->isr_cnt;
			pm->leader_epoch = p->leader_epoch;
		}
		if (p->has_state && p->leader >= 0 && cview_broker(cv, p->leader)) {
			pm->leader = p->leader;
		} else {
			pm->leader = -1;
			pm->error = FJORD__ERROR_CODE__LEADER_NOT_AVAILABLE;
		}
	}
	return 0;
}

/* The endpoint of br to answer with: the one of the listener the request
 * arrived on, else br's first endpoint (NULL: br registered none; the
 * snapshot's host/port then stand). */
static const endpoint_t *md_endpoint(const conn_t *c, const cview_broker_t *br)
{
	const endpoint_t *ep =
	    endpoint_find(br->endpoints, br->endpoint_cnt, c->b->conf.lsn[c->listener].name);

	if (!ep && c->kafka)
		return NULL; /* a Kafka client cannot talk to another listener */
	if (!ep && br->endpoint_cnt > 0)
		ep = &br->endpoints[0];
	return ep;
}

int handle_metadata(conn_t *c, const Fjord__Request *req, const uint8_t *payload,
                    size_t payload_len)
{
	const Fjord__MetadataRequest *mr = req->metadata;
	Fjord__MetadataResponse body = FJORD__METADATA_RESPONSE__INIT;
	Fjord__Response resp = FJORD__RESPONSE__INIT;
	conn_slot_t *slot = conn_slot_new(c, req->correlation_id, req->api);
	cview_t *cv = c->b->cv ? cview_ref(c->b->cv) : NULL;
	arena_t ar;
	size_t want, i, n = 0;
	int rc = -1;

	(void)payload, (void)payload_len; /* no payload */
	arena_init(&ar, 0);
	if (!slot)
		goto done;
	body.controller_id = -1;
	body.cluster_id = (char *)"";
	if (!cv) {
		resp.body_case = FJORD__RESPONSE__BODY_METADATA;
		resp.metadata = &body;
		rc = conn_slot_respond(slot, &resp, NULL);
		slot = NULL;
		goto done;
	}
	body.cluster_id = cv->cluster_id ? cv->cluster_id : (char *)"";
	body.controller_id = cv->controller_id;
	want = mr->all_topics ? (size_t)cv->topic_cnt : mr->n_topics;
	body.brokers =
	    pbuild_array(&ar, &fjord__broker_endpoint__descriptor, (size_t)cv->broker_cnt);
	body.topics = pbuild_array(&ar, &fjord__topic_metadata__descriptor, want);
	if (!body.brokers || !body.topics)
		goto done;
	for (i = 0; i < (size_t)cv->broker_cnt; i++) {
		const cview_broker_t *br = &cv->brokers[i];
		const endpoint_t *ep = md_endpoint(c, br);
		Fjord__BrokerEndpoint *be = body.brokers[body.n_brokers];
		if (!ep && c->kafka)
			continue; /* left out; its partitions' leader is unknown there */
		body.n_brokers++;
		be->node_id = br->id;
		be->host = ep ? ep->host : br->host ? br->host : (char *)"";
		be->port = ep ? ep->port : br->port;
		be->rack = br->rack ? br->rack : (char *)"";
	}
	for (i = 0; i < want; i++) {
		Fjord__TopicMetadata *tm = body.topics[n];
		const cview_topic_t *t;
		if (mr->all_topics) {
			t = &cv->topics[i];
			if (!authz_allowed(c, ACL_RES_TOPIC, t->name, ACL_OP_DESCRIBE, 1))
				continue;
		} else if (!authz_topic(c, mr->topics[i], ACL_OP_DESCRIBE)) {
			tm->name = mr->topics[i];
			tm->error = FJORD__ERROR_CODE__TOPIC_AUTHORIZATION_FAILED;
			n++;
			continue;
		} else {
			t = cview_topic(cv, mr->topics[i]);
		}
		n++;
		if (!t) {
			tm->name = mr->topics[i];
			tm->error = FJORD__ERROR_CODE__UNKNOWN_TOPIC_OR_PARTITION;
			continue;
		}
		if (md_fill_topic(&ar, cv, t, tm) != 0)
			goto done;
	}
	body.n_topics = n;
	resp.body_case = FJORD__RESPONSE__BODY_METADATA;
	resp.metadata = &body;
	rc = conn_slot_respond(slot, &resp, NULL);
	slot = NULL;
done:
	if (rc != 0 && slot)
		rc = conn_slot_respond_error(slot, FJORD__ERROR_CODE__UNKNOWN_SERVER_ERROR,
		                             "out of memory");
	arena_free(&ar);
	cview_unref(cv);
	return rc;
}
