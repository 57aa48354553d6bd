/*
 * topic_admin.h — the broker side of CreateTopics, DeleteTopics and
 * CreatePartitions: a job of per-topic work run on the zkb worker (the
 * same ZooKeeper writes as the SDK's ZooKeeper admin, common/zkadmin.h),
 * answered per topic on the loop thread.
 *
 * Owner: broker. The handlers (handle_create_topics.c,
 * handle_delete_topics.c, kafka/kafka_create_partitions.c) decode and
 * authorize on the loop thread and fill a job; tadm_submit() hands it to the zkb worker (the loop
 * never blocks on ZooKeeper), whose completion is posted back to the loop, which answers through
 * the request's slot and frees the job. A connection that closes meanwhile only detaches the slot
 * (its cancel hook); the job still finishes (ZooKeeper may already be written) and is freed.
 *
 * The answer: a create or delete job answers with fjord's
 * CreateTopicsResponse / DeleteTopicsResponse (which a Kafka slot writes in
 * Kafka's layout, kafka_encode()); a job with an answer hook (the Kafka
 * listener's native CreatePartitions, which fjord's protocol has no twin
 * of) is answered by the hook instead.
 */
#ifndef FJORD_BROKER_TOPIC_ADMIN_H
#define FJORD_BROKER_TOPIC_ADMIN_H

#include <stdint.h>

#include "broker/conn.h"
#include "fjord.h"

struct broker;

/* What a job does to each of its topics. */
typedef enum tadm_kind {
	TADM_CREATE,     /* zkadmin_create_topic */
	TADM_DELETE,     /* zkadmin_delete_topic */
	TADM_PARTITIONS, /* zkadmin_create_partitions (partitions: the new total);
	                  * needs an answer hook: fjord's protocol has no twin */
} tadm_kind_t;

typedef struct tadm_topic {
	char *name;
	int32_t partitions, rf; /* create; partitions: the new total */
	char **configs;         /* create: name, value, ..., NULL; NULL: none */
	int run;                /* 1: the worker acts on it; 0: err is the answer */
	fjord_err_t err;
	char errstr[320];
} tadm_topic_t;

typedef struct tadm_job tadm_job_t;
/* Answers every topic of the job through job->slot (set and not cancelled
 * when called). Loop thread. */
typedef void tadm_answer_fn(tadm_job_t *job);

struct tadm_job {
	struct broker *b;
	conn_slot_t *slot; /* NULL once the connection went away */
	tadm_kind_t kind;
	int cnt;
	tadm_topic_t *topics;
	tadm_answer_fn *answer; /* NULL: fjord's Create/DeleteTopicsResponse */
};

/* A job of cnt zeroed topics, or NULL (out of memory). */
tadm_job_t *tadm_job_new(struct broker *b, conn_slot_t *slot, tadm_kind_t kind, int cnt);
void tadm_job_free(tadm_job_t *job);
/* Sets a topic's answer (run 0) with a message. */
void tadm_topic_fail(tadm_topic_t *t, fjord_err_t err, const char *msg);
/* Takes the job: runs the topics marked run on the zkb worker and answers
 * every topic in order. Returns 0; on failure (no ZooKeeper session object,
 * out of memory) answers every run topic with an error itself. */
int tadm_submit(tadm_job_t *job);

#endif /* FJORD_BROKER_TOPIC_ADMIN_H */
