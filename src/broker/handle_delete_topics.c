/*
 * handle_delete_topics.c — DeleteTopics: each topic authorized (Delete on
 * the topic, else TOPIC_AUTHORIZATION_FAILED and nothing is touched),
 * checked (named twice: INVALID_REQUEST) and then marked for deletion on the
 * zkb worker by zkadmin_delete_topic, as the SDK's ZooKeeper admin does
 * (UNKNOWN_TOPIC_OR_PARTITION when it does not exist); the controller
 * removes it. One result per topic (topic_admin.h).
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

int handle_delete_topics(conn_t *c, const Fjord__Request *req, const uint8_t *payload,
                         size_t payload_len)
{
	const Fjord__DeleteTopicsRequest *dr = req->delete_topics;
	conn_slot_t *slot = conn_slot_new(c, req->correlation_id, req->api);
	tadm_job_t *job;

	(void)payload, (void)payload_len; /* no payload */
	if (!slot)
		return -1;
	if (dr->n_topics > INT32_MAX ||
	    !(job = tadm_job_new(c->b, slot, TADM_DELETE, (int)dr->n_topics)))
		return conn_slot_respond_error(slot, FJORD__ERROR_CODE__UNKNOWN_SERVER_ERROR,
		                               "out of memory");
	for (size_t i = 0; i < dr->n_topics; i++) {
		tadm_topic_t *t = &job->topics[i];
		int dup = 0;

		if (!(t->name = strdup(dr->topics[i]))) {
			tadm_job_free(job);
			return conn_slot_respond_error(
			    slot, FJORD__ERROR_CODE__UNKNOWN_SERVER_ERROR, "out of memory");
		}
		for (size_t j = 0; j < dr->n_topics; j++)
			dup |= j != i && !strcmp(dr->topics[j], t->name);
		t->run = 1;
		if (dup)
			tadm_topic_fail(t, FJORD_ERR_INVALID_REQUEST,
			                "the topic is named more than once in the request");
		else if (!authz_topic(c, t->name, ACL_OP_DELETE))
			tadm_topic_fail(t, FJORD_ERR_TOPIC_AUTHORIZATION_FAILED,
			                "Delete on the topic is required");
	}
	return tadm_submit(job);
}
