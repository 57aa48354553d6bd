/*
 * topic_admin.h — the broker side of CreateTopics and DeleteTopics: a job
 * of per-topic work run on the zkb worker (the same ZooKeeper writes as
 * the SDK's ZooKeeper admin, common/zkadmin.h), answered per topic on the
 * loop thread.
 *
 * Owner: broker. The handlers (handle_create_topics.c,
 * handle_delete_topics.c) decode and authorize on the loop thread and fill
 * a job; tadm_submit() hands it to the zkb worker (the loop never blocks on
 * ZooKeeper), whose completion is posted back to the loop, which answers
 * through the request's slot and frees the job. A connection that closes
 * meanwhile only detaches the slot (its cancel hook); the job still
 * finishes (ZooKeeper may already be written) and is freed.
 */
#ifndef FJORD_BROKER_TOPIC_ADMIN_H
#define FJORD_BROKER_TOPIC_ADMIN_H

#include <stdint.h>

#include "broker/conn.h"
#include "fjord.h"

struct broker;

typedef struct tadm_topic {
	char *name;
	int32_t partitions, rf; /* create */
	char **configs;         /* create: name, value, ..., NULL; NULL: none */
	int run;                /* 1: the worker acts on it; 0: err is the answer */
	fjord_err_t err;
	char errstr[320];
} tadm_topic_t;

typedef struct tadm_job {
	struct broker *b;
	conn_slot_t *slot; /* NULL once the connection went away */
	int is_delete;
	int cnt;
	tadm_topic_t *topics;
} tadm_job_t;

/* A job of cnt zeroed topics, or NULL (out of memory). */
tadm_job_t *tadm_job_new(struct broker *b, conn_slot_t *slot, int is_delete, int cnt);
void tadm_job_free(tadm_job_t *job);
/* Sets a topic's answer (run 0) with a message. */
void tadm_topic_fail(tadm_topic_t *t, fjord_err_t err, const char *msg);
/* Takes the job: runs the topics marked run on the zkb worker and answers
 * every topic in order. Returns 0; on failure (no ZooKeeper session object,
 * out of memory) answers every run topic with an error itself. */
int tadm_submit(tadm_job_t *job);

#endif /* FJORD_BROKER_TOPIC_ADMIN_H */
