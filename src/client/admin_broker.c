/*
 * admin_broker.c — topic creation and deletion through a broker
 * (CreateTopics / DeleteTopics), for handles with bootstrap.servers only,
 * and for a create that leaves the partition count or the replication
 * factor to the brokers' defaults (any handle: with zookeeper.connect the
 * request goes to one of the registered brokers).
 *
 * What: the broker authorizes the request and writes ZooKeeper as
 * admin.c's ZooKeeper path does (proto/fjord.proto, "CreateTopics /
 * DeleteTopics"); this file sends one request for one topic to any
 * connected broker, returns the topic's error (TOPIC_ALREADY_EXISTS,
 * TOPIC_AUTHORIZATION_FAILED, ...) with the broker's message, and then
 * waits, with Metadata requests, until every partition has a leader
 * (create) or the topic is gone (delete), bounded by timeout_ms
 * (FJORD_ERR__TIMED_OUT: the broker accepted it and the controller may
 * still complete it) — the same contract as the ZooKeeper path.
 *
 * Thread: the calling app thread waits; the request is built, sent and
 * answered on the I/O thread (an op, as fjord_metadata does). The shared
 * result is refcounted: whichever side is last frees it, so an app thread
 * that gave up waiting leaves nothing dangling.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/client_int.h"
#include "common/bytes.h"

typedef struct admin_bres {
	atomic_int refs;
	hwait_t *w;
	fjord_err_t err; /* the topic's, or the request's */
	char errstr[512];
} admin_bres_t;

typedef struct admin_bop {
	hop_t op;
	admin_bres_t *res;
	int is_delete;
	char *topic;
	int32_t partitions, rf;
	char **configs; /* name, value, ..., NULL (borrowed from the caller, who waits) */
	int timeout_ms;
} admin_bop_t;

/* Each side holds one reference to r and one to its hwait (hwait_new
 * starts at two: the waiter and the I/O side). */
static void admin_bres_unref(admin_bres_t *r)
{
	hwait_unref(r->w);
	if (atomic_fetch_sub(&r->refs, 1) == 1)
		free(r);
}

/* Ends the I/O side: sets the result and wakes the app thread. */
static void admin_bres_finish(admin_bres_t *r, fjord_err_t err, const char *msg)
{
	r->err = err;
	snprintf(r->errstr, sizeof(r->errstr), "%s", msg ? msg : "");
	hwait_done(r->w, err);
	admin_bres_unref(r);
}

static void admin_broker_on_response(fjord_t *h, breq_t *req, fjord_err_t err,
                                     Fjord__Response *resp, const uint8_t *payload, size_t len)
{
	admin_bres_t *r = req->opaque;
	Fjord__TopicResult **res = NULL;
	size_t n = 0;

	(void)h, (void)payload, (void)len;
	if (err) {
		admin_bres_finish(r, err, fjord_err2str(err));
		return;
	}
	if (resp->error != FJORD__ERROR_CODE__NONE) {
		admin_bres_finish(r, (fjord_err_t)resp->error,
		                  resp->error_message && *resp->error_message
		                      ? resp->error_message
		                      : fjord_err2str((fjord_err_t)resp->error));
		return;
	}
	if (resp->body_case == FJORD__RESPONSE__BODY_CREATE_TOPICS && resp->create_topics) {
		res = resp->create_topics->topics;
		n = resp->create_topics->n_topics;
	} else if (resp->body_case == FJORD__RESPONSE__BODY_DELETE_TOPICS && resp->delete_topics) {
		res = resp->delete_topics->topics;
		n = resp->delete_topics->n_topics;
	}
	if (n != 1) {
		admin_bres_finish(r, FJORD_ERR__BAD_MSG, "the broker's answer has no topic result");
		return;
	}
	admin_bres_finish(r, (fjord_err_t)res[0]->error,
	                  res[0]->error_message && *res[0]->error_message
	                      ? res[0]->error_message
	                      : fjord_err2str((fjord_err_t)res[0]->error));
}

/* I/O thread: builds and sends the request. Owns op. */
static void admin_broker_run(fjord_t *h, hop_t *op)
{
	admin_bop_t *bo = (admin_bop_t *)op;
	admin_bres_t *r = bo->res;
	Fjord__Request req = FJORD__REQUEST__INIT;
	Fjord__CreateTopicsRequest cr = FJORD__CREATE_TOPICS_REQUEST__INIT;
	Fjord__DeleteTopicsRequest dr = FJORD__DELETE_TOPICS_REQUEST__INIT;
	Fjord__CreatableTopic ct = FJORD__CREATABLE_TOPIC__INIT, *cts[1] = { &ct };
	Fjord__CreatableTopicConfig *cfg = NULL, **cfgs = NULL;
	char *names[1] = { bo->topic };
	bconn_t *bc;
	size_t i, nc = 0;

	if (atomic_load(&h->io_stop)) {
		admin_bres_finish(r, FJORD_ERR__DESTROY, "handle is closing");
		goto out;
	}
	bc = bconn_any(h);
	if (!bc) {
		/* ZooKeeper mode before any broker was needed: connect to one. */
		cview_t *cv = metadata_snapshot(h);
		if (cv && cv->broker_cnt > 0)
			bc = metadata_broker_conn(h, cv, cv->brokers[rand() % cv->broker_cnt].id);
		cview_unref(cv);
	}
	if (!bc) {
		admin_bres_finish(r, FJORD_ERR__TRANSPORT,
		                  h->zk_mode ? "no broker is registered (the brokers' "
		                               "num.partitions and default.replication.factor "
		                               "are needed: give both, or start a broker)"
		                             : "no broker connection");
		goto out;
	}
	if (bo->is_delete) {
		dr.topics = names;
		dr.n_topics = 1;
		req.api = FJORD__API_KEY__DELETE_TOPICS;
		req.body_case = FJORD__REQUEST__BODY_DELETE_TOPICS;
		req.delete_topics = &dr;
	} else {
		while (bo->configs && bo->configs[2 * nc])
			nc++;
		cfg = calloc(nc + 1, sizeof(*cfg));
		cfgs = calloc(nc + 1, sizeof(*cfgs));
		if (!cfg || !cfgs) {
			admin_bres_finish(r, FJORD_ERR__FAIL, "out of memory");
			goto out;
		}
		for (i = 0; i < nc; i++) {
			fjord__creatable_topic_config__init(&cfg[i]);
			cfg[i].name = bo->configs[2 * i];
			cfg[i].value = bo->configs[2 * i + 1];
			cfgs[i] = &cfg[i];
		}
		ct.name = bo->topic;
		ct.num_partitions = bo->partitions;
		ct.replication_factor = bo->rf;
		ct.configs = cfgs;
		ct.n_configs = nc;
		cr.topics = cts;
		cr.n_topics = 1;
		req.api = FJORD__API_KEY__CREATE_TOPICS;
		req.body_case = FJORD__REQUEST__BODY_CREATE_TOPICS;
		req.create_topics = &cr;
	}
	/* The request holds the I/O side's reference until its callback. */
	if (bconn_send(bc, &req, NULL, 0, 1, bo->timeout_ms, admin_broker_on_response, r) < 0)
		admin_bres_finish(r, FJORD_ERR__FAIL, "out of memory");
out:
	free(cfg);
	free(cfgs);
	free(bo);
}

/* Is the topic there with a leader for every partition (want 1), or gone
 * (want 0)? -1: cannot tell (no answer). */
static int admin_broker_topic_state(fjord_t *fj, const char *topic, int want, int timeout_ms)
{
	fjord_metadata_t *md = NULL;
	int present = 0, led = 1;

	if (fjord_metadata(fj, topic, &md, timeout_ms) != FJORD_ERR_NO_ERROR)
		return -1;
	for (int i = 0; i < md->topic_cnt; i++) {
		const fjord_metadata_topic_t *t = &md->topics[i];
		if (strcmp(t->topic, topic) != 0 || t->err != FJORD_ERR_NO_ERROR)
			continue;
		present = t->partition_cnt > 0;
		for (int p = 0; p < t->partition_cnt; p++)
			led &= t->partitions[p].leader >= 0;
	}
	fjord_metadata_destroy(md);
	return want ? present && led : !present;
}

fjord_err_t admin_broker_topic(fjord_t *fj, int is_delete, const char *topic, int32_t partitions,
                               int32_t replication_factor, const char *const *configs,
                               int timeout_ms, char *errstr, size_t errstr_size)
{
	int64_t deadline = fj_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	admin_bres_t *r = calloc(1, sizeof(*r));
	admin_bop_t *bo = calloc(1, sizeof(*bo));
	fjord_err_t err;

	if (!r || !bo || !(r->w = hwait_new())) {
		free(r);
		free(bo);
		fj_errstr(errstr, errstr_size, "out of memory");
		return FJORD_ERR__FAIL;
	}
	atomic_init(&r->refs, 2); /* this thread and the I/O side */
	bo->op.run = admin_broker_run;
	bo->res = r;
	bo->is_delete = is_delete;
	bo->topic = (char *)topic;
	bo->partitions = partitions;
	bo->rf = replication_factor;
	bo->configs = (char **)configs;
	bo->timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
	handle_post(fj, &bo->op);
	if (!hwait_wait(r->w, timeout_ms > 0 ? timeout_ms : 1)) {
		/* The op may still read topic and configs: wait for the I/O side
		 * to be done with them (its request times out at timeout_ms). */
		hwait_wait(r->w, 5000);
		err = FJORD_ERR__TIMED_OUT;
		fj_errstr(errstr, errstr_size, "no answer from the brokers within %d ms",
		          timeout_ms);
		admin_bres_unref(r);
		return err;
	}
	err = r->err;
	if (err)
		fj_errstr(errstr, errstr_size, "%s", r->errstr);
	admin_bres_unref(r);
	if (err)
		return err == FJORD_ERR__TRANSPORT || err == FJORD_ERR_REQUEST_TIMED_OUT
		           ? FJORD_ERR__TRANSPORT
		           : err;
	for (;;) {
		int64_t left = deadline - fj_mono_ms();
		struct timespec nap = { 0, 100 * 1000000 };
		if (admin_broker_topic_state(fj, topic, !is_delete, left > 0 ? (int)left : 1) == 1)
			return FJORD_ERR_NO_ERROR;
		if (fj_mono_ms() >= deadline)
			break;
		nanosleep(&nap, NULL);
	}
	if (is_delete)
		fj_errstr(errstr, errstr_size,
		          "topic %s is marked for deletion but was not removed within %d ms", topic,
		          timeout_ms);
	else
		fj_errstr(errstr, errstr_size,
		          "topic %s was created but not every partition had a leader within %d ms "
		          "(is the controller running?)",
		          topic, timeout_ms);
	return FJORD_ERR__TIMED_OUT;
}
