/*
 * kafka_topics.c — Kafka's CreateTopics v0-4 and DeleteTopics v0-1 over
 * handle_create_topics.c and handle_delete_topics.c (authorization, the
 * broker defaults for -1, the ZooKeeper writes on the zkb worker).
 *
 * CreateTopics request: topics [name, num_partitions, replication_factor
 * (int16), assignments [partition, broker_ids], configs [name, value]],
 * timeout_ms, validate_only (v1+). fjord places replicas itself and has no
 * dry run: a request with a manual assignment or validate_only is answered
 * INVALID_REQUEST for every topic, with the reason (v1+), and creates
 * nothing. Response: throttle_time_ms (v2+), topics [name, error,
 * error_message (v1+)]. The answer comes once ZooKeeper holds the topic;
 * its leaders are elected by the controller right after (a client's next
 * Metadata may still say LEADER_NOT_AVAILABLE for a moment).
 *
 * DeleteTopics request: topics, timeout_ms. Response: throttle_time_ms
 * (v1), topics [name, error].
 *
 * Thread: loop thread.
 */
#include "config.h"

#include "broker/api.h"
#include "broker/kafka/kafka.h"

/* Every topic answered INVALID_REQUEST with why (nothing is created). */
static int kafka_create_topics_refuse(kreq_t *rq, Fjord__CreateTopicsRequest *cr, const char *why)
{
	int16_t v = rq->api_version;
	conn_slot_t *slot = kafka_slot_new(rq);
	kw_writer_t w;
	int rc;

	if (!slot)
		return -1;
	kww_init(&w);
	if (v >= 2)
		kww_i32(&w, 0);
	kww_i32(&w, (int32_t)cr->n_topics);
	for (size_t i = 0; i < cr->n_topics; i++) {
		kww_str(&w, cr->topics[i]->name);
		kww_i16(&w, FJORD__ERROR_CODE__INVALID_REQUEST);
		if (v >= 1)
			kww_str(&w, why);
	}
	rc = kafka_respond(slot, &w);
	kww_free(&w);
	return rc;
}

int kafka_create_topics(kreq_t *rq)
{
	Fjord__CreateTopicsRequest cr = FJORD__CREATE_TOPICS_REQUEST__INIT;
	Fjord__Request req;
	kw_reader_t *r = &rq->body;
	int32_t nt, i, k, n;
	int manual = 0, validate_only = 0;

	nt = kwr_array(r, 16, 0);
	if (nt > 0 && !(cr.topics = arena_calloc(rq->ar, (size_t)nt, sizeof(*cr.topics))))
		return kafka_bad_request(rq, "out of memory");
	for (i = 0; i < nt && !r->err; i++) {
		Fjord__CreatableTopic *t = arena_alloc(rq->ar, sizeof(*t));
		if (!t)
			return kafka_bad_request(rq, "out of memory");
		fjord__creatable_topic__init(t);
		t->name = kwr_str(r, rq->ar, 0);
		t->num_partitions = kwr_i32(r);
		t->replication_factor = kwr_i16(r);
		n = kwr_array(r, 8, 0);
		manual |= n > 0;
		for (k = 0; k < n && !r->err; k++) {
			int32_t nb;
			(void)kwr_i32(r);
			nb = kwr_array(r, 4, 0);
			kwr_skip(r, (size_t)(nb > 0 ? nb : 0) * 4);
		}
		n = kwr_array(r, 4, 0);
		if (n > 0 && !(t->configs = arena_calloc(rq->ar, (size_t)n, sizeof(*t->configs))))
			return kafka_bad_request(rq, "out of memory");
		for (k = 0; k < n && !r->err; k++) {
			Fjord__CreatableTopicConfig *cc = arena_alloc(rq->ar, sizeof(*cc));
			if (!cc)
				return kafka_bad_request(rq, "out of memory");
			fjord__creatable_topic_config__init(cc);
			cc->name = kwr_str(r, rq->ar, 0);
			cc->value = kwr_str(r, rq->ar, 1);
			if (!cc->value)
				cc->value = (char *)"";
			t->configs[k] = cc;
		}
		t->n_configs = n > 0 ? (size_t)n : 0;
		cr.topics[i] = t;
	}
	cr.n_topics = nt > 0 ? (size_t)nt : 0;
	(void)kwr_i32(r); /* timeout_ms: answered once ZooKeeper holds it */
	if (rq->api_version >= 1)
		validate_only = kwr_i8(r) != 0;
	if (!KAFKA_BODY_OK(rq))
		return kafka_bad_request(rq, "topics");
	if (manual)
		return kafka_create_topics_refuse(
		    rq, &cr, "manual replica assignments are not supported: fjord places replicas");
	if (validate_only)
		return kafka_create_topics_refuse(rq, &cr, "validate_only is not supported");
	kafka_fjord_request(rq, &req, FJORD__API_KEY__CREATE_TOPICS);
	req.body_case = FJORD__REQUEST__BODY_CREATE_TOPICS;
	req.create_topics = &cr;
	return handle_create_topics(rq->c, &req, NULL, 0);
}

/* Both answers: throttle_time_ms (from v), then [name, error, message (from
 * msg_v)]. */
static int kafka_topic_results(int16_t v, int16_t throttle_v, int16_t msg_v,
                               Fjord__TopicResult **res, size_t n, kw_writer_t *w)
{
	if (v >= throttle_v)
		kww_i32(w, 0);
	kww_i32(w, (int32_t)n);
	for (size_t i = 0; i < n; i++) {
		kww_str(w, res[i]->name);
		kww_i16(w, (int16_t)res[i]->error);
		if (v >= msg_v)
			kww_str(w, res[i]->error_message && *res[i]->error_message
			               ? res[i]->error_message
			               : NULL);
	}
	return w->err ? -1 : 0;
}

int kafka_create_topics_encode(int16_t v, const Fjord__Response *resp, struct evbuffer *payload,
                               kw_writer_t *w, struct evbuffer *out)
{
	(void)payload, (void)out;
	if (resp->body_case != FJORD__RESPONSE__BODY_CREATE_TOPICS)
		return -1;
	return kafka_topic_results(v, 2, 1, resp->create_topics->topics,
	                           resp->create_topics->n_topics, w);
}

int kafka_delete_topics(kreq_t *rq)
{
	Fjord__DeleteTopicsRequest dr = FJORD__DELETE_TOPICS_REQUEST__INIT;
	Fjord__Request req;
	kw_reader_t *r = &rq->body;
	int32_t n = kwr_array(r, 2, 0), i;

	if (n > 0 && !(dr.topics = arena_calloc(rq->ar, (size_t)n, sizeof(char *))))
		return kafka_bad_request(rq, "out of memory");
	for (i = 0; i < n && !r->err; i++)
		dr.topics[i] = kwr_str(r, rq->ar, 0);
	dr.n_topics = n > 0 ? (size_t)n : 0;
	(void)kwr_i32(r); /* timeout_ms */
	if (!KAFKA_BODY_OK(rq))
		return kafka_bad_request(rq, "topics");
	kafka_fjord_request(rq, &req, FJORD__API_KEY__DELETE_TOPICS);
	req.body_case = FJORD__REQUEST__BODY_DELETE_TOPICS;
	req.delete_topics = &dr;
	return handle_delete_topics(rq->c, &req, NULL, 0);
}

int kafka_delete_topics_encode(int16_t v, const Fjord__Response *resp, struct evbuffer *payload,
                               kw_writer_t *w, struct evbuffer *out)
{
	(void)payload, (void)out;
	if (resp->body_case != FJORD__RESPONSE__BODY_DELETE_TOPICS)
		return -1;
	return kafka_topic_results(v, 1, INT16_MAX, resp->delete_topics->topics,
	                           resp->delete_topics->n_topics, w);
}
