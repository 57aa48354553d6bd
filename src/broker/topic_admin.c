/*
 * topic_admin.c — CreateTopics / DeleteTopics / CreatePartitions work on
 * the zkb worker and the per-topic answer on the loop (see topic_admin.h).
 *
 * Threads: tadm_submit and the answer on the loop thread; tadm_run on the
 * zkb worker (it touches only the job's topics, which the loop leaves
 * alone until the completion is posted back); tadm_done on the worker
 * (or the thread calling zkb_stop), loop_post only.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/broker.h"
#include "broker/topic_admin.h"
#include "common/flog.h"
#include "common/zkadmin.h"

tadm_job_t *tadm_job_new(broker_t *b, conn_slot_t *slot, tadm_kind_t kind, int cnt)
{
	tadm_job_t *job = calloc(1, sizeof(*job));

	if (!job)
		return NULL;
	job->topics = calloc(cnt > 0 ? (size_t)cnt : 1, sizeof(*job->topics));
	if (!job->topics) {
		free(job);
		return NULL;
	}
	job->b = b;
	job->slot = slot;
	job->kind = kind;
	job->cnt = cnt;
	return job;
}

void tadm_job_free(tadm_job_t *job)
{
	if (!job)
		return;
	for (int i = 0; i < job->cnt; i++) {
		free(job->topics[i].name);
		for (int k = 0; job->topics[i].configs && job->topics[i].configs[k]; k++)
			free(job->topics[i].configs[k]);
		free(job->topics[i].configs);
	}
	free(job->topics);
	free(job);
}

void tadm_topic_fail(tadm_topic_t *t, fjord_err_t err, const char *msg)
{
	t->run = 0;
	t->err = err;
	snprintf(t->errstr, sizeof(t->errstr), "%s", msg ? msg : fjord_err2str(err));
}

/* Answers every topic and frees the job. Loop thread. */
static void tadm_answer(tadm_job_t *job)
{
	Fjord__Response resp = FJORD__RESPONSE__INIT;
	Fjord__CreateTopicsResponse cr = FJORD__CREATE_TOPICS_RESPONSE__INIT;
	Fjord__DeleteTopicsResponse dr = FJORD__DELETE_TOPICS_RESPONSE__INIT;
	Fjord__TopicResult *res = NULL, **ptrs = NULL;

	if (!job->slot)
		goto out;
	job->slot->cancel = NULL;
	job->slot->cancel_arg = NULL;
	if (job->answer) {
		job->answer(job);
		goto out;
	}
	res = calloc(job->cnt > 0 ? (size_t)job->cnt : 1, sizeof(*res));
	ptrs = calloc(job->cnt > 0 ? (size_t)job->cnt : 1, sizeof(*ptrs));
	if (!res || !ptrs) {
		conn_slot_respond_error(job->slot, FJORD__ERROR_CODE__UNKNOWN_SERVER_ERROR,
		                        "out of memory");
		goto out;
	}
	for (int i = 0; i < job->cnt; i++) {
		const tadm_topic_t *t = &job->topics[i];
		fjord__topic_result__init(&res[i]);
		res[i].name = t->name ? t->name : (char *)"";
		/* SDK-local codes (ZooKeeper failures) are not wire codes. */
		res[i].error =
		    t->err < 0 ? FJORD__ERROR_CODE__UNKNOWN_SERVER_ERROR : (Fjord__ErrorCode)t->err;
		res[i].error_message = t->err ? (char *)t->errstr : (char *)"";
		ptrs[i] = &res[i];
	}
	if (job->kind == TADM_DELETE) {
		dr.topics = ptrs;
		dr.n_topics = (size_t)job->cnt;
		resp.body_case = FJORD__RESPONSE__BODY_DELETE_TOPICS;
		resp.delete_topics = &dr;
	} else {
		cr.topics = ptrs;
		cr.n_topics = (size_t)job->cnt;
		resp.body_case = FJORD__RESPONSE__BODY_CREATE_TOPICS;
		resp.create_topics = &cr;
	}
	conn_slot_respond(job->slot, &resp, NULL);
out:
	free(res);
	free(ptrs);
	tadm_job_free(job);
}

/* The connection went away: the answer has nowhere to go. Loop thread. */
static void tadm_cancel(void *arg)
{
	tadm_job_t *job = arg;
	job->slot = NULL;
}

/* zkb_call_fn: the ZooKeeper writes. zkb worker. */
static int tadm_run(zhandle_t *zh, void *arg)
{
	tadm_job_t *job = arg;

	for (int i = 0; i < job->cnt; i++) {
		tadm_topic_t *t = &job->topics[i];
		if (!t->run)
			continue;
		t->errstr[0] = '\0';
		switch (job->kind) {
		case TADM_DELETE:
			t->err = zkadmin_delete_topic(zh, t->name, t->errstr, sizeof(t->errstr));
			break;
		case TADM_PARTITIONS:
			t->err = zkadmin_create_partitions(zh, t->name, t->partitions, t->errstr,
			                                   sizeof(t->errstr));
			break;
		case TADM_CREATE:
		default:
			t->err = zkadmin_create_topic(zh, t->name, t->partitions, t->rf,
			                              (const char *const *)t->configs, t->errstr,
			                              sizeof(t->errstr));
			break;
		}
		t->run = 0;
	}
	return ZOK;
}

static void tadm_done_job(void *arg)
{
	tadm_answer(arg);
}

/* zkb_done_fn: back to the loop. zkb worker (or zkb_stop's thread). */
static void tadm_done(int zrc, int32_t new_version, void *arg)
{
	tadm_job_t *job = arg;

	(void)new_version;
	for (int i = 0; i < job->cnt; i++)
		if (job->topics[i].run) /* not reached: no session, or stopping */
			tadm_topic_fail(&job->topics[i], FJORD_ERR__ZOOKEEPER, zkutil_err2str(zrc));
	if (loop_post(job->b->loop, tadm_done_job, job) == 0)
		return;
	/* Out of memory: the broker may abort on OOM (docs/conventions.md);
	 * the ZooKeeper writes are done, only the answer would be lost. */
	flog(LOG_CRIT, "admin", "out of memory handing a topic admin result to the loop");
	abort();
}

int tadm_submit(tadm_job_t *job)
{
	int any = 0;

	for (int i = 0; i < job->cnt; i++)
		any |= job->topics[i].run;
	if (!any) {
		tadm_answer(job);
		return 0;
	}
	if (job->b->zkb && zkb_submit_call(job->b->zkb, tadm_run, tadm_done, job) == 0) {
		if (job->slot) {
			job->slot->cancel = tadm_cancel;
			job->slot->cancel_arg = job;
		}
		return 0;
	}
	for (int i = 0; i < job->cnt; i++)
		if (job->topics[i].run)
			tadm_topic_fail(
			    &job->topics[i], FJORD_ERR__ZOOKEEPER,
			    "the broker has no ZooKeeper session (starting or stopping)");
	tadm_answer(job);
	return 0;
}
