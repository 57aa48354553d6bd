/*
 * 0096-acl-topic — the broker's authorizer on topics, with real ZooKeeper
 * and fjordd (authorizer.class.name=AclAuthorizer), every client
 * User:ANONYMOUS (PLAINTEXT):
 *  - acl: two brokers, super.users without ANONYMOUS, a topic of rf 2.
 *    Before any topic ACL: a produce through the SDK fails with
 *    TOPIC_AUTHORIZATION_FAILED (not retried), a consumer gets one
 *    TOPIC_AUTHORIZATION_FAILED event naming the topic, Metadata for the
 *    topic answers TOPIC_AUTHORIZATION_FAILED and a listing leaves it out,
 *    a raw produce is refused. Replication works all along through the
 *    ClusterAction ACL alone. Then Allow Write and Read are added through
 *    the admin API: without restarting anything the same operations work,
 *    and what the consumer reads is exactly what was acknowledged (the
 *    denied produces stored nothing). A Deny Write then wins over the Allow.
 *    The denials are counted in /metrics. DeleteTopics and CreateTopics
 *    through the broker are refused without Delete / Create (the topic and
 *    every acknowledged record still there) and work once granted.
 *  - everyone: allow.everyone.if.no.acl.found=true opens a topic without
 *    ACLs, not one with an ACL for someone else.
 *  - follower: without ClusterAction a follower's fetches are refused
 *    (counted); granted, acks=all produces complete.
 *  - config: an unknown authorizer.class.name or a malformed super.users
 *    entry stops start-up; a warning names a non-super inter-broker principal.
 *  - super: User:ANONYMOUS in super.users may do everything, even against
 *    a Deny ACL; replication of rf 2 with acks=all works.
 * Private clusters.
 */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness_int.h"
#include "rawproto.h"
#include "test.h"

#define T0096_AUTHZ "authorizer.class.name=kafka.security.authorizer.AclAuthorizer\n"

/* Metadata through the broker at port: the error of topic when named, or
 * with topic listed (*listedp) when all topics are asked. -1000: no answer. */
static int t0096_metadata(int port, const char *topic, int all, int *listedp)
{
	Fjord__Request req = FJORD__REQUEST__INIT;
	Fjord__MetadataRequest mr = FJORD__METADATA_REQUEST__INIT;
	char *topics[1] = { (char *)topic };
	int fd = raw_connect(port), rc = -1000;

	ck_assert_int_ge(fd, 0);
	req.correlation_id = 7;
	req.api = FJORD__API_KEY__METADATA;
	req.body_case = FJORD__REQUEST__BODY_METADATA;
	req.metadata = &mr;
	if (all)
		mr.all_topics = 1;
	else {
		mr.topics = topics;
		mr.n_topics = 1;
	}
	ck_assert_int_eq(raw_send_request(fd, &req, NULL, 0), 0);
	Fjord__Response *resp = raw_recv_response(fd, 10000);
	if (listedp)
		*listedp = 0;
	if (resp && resp->metadata) {
		rc = all ? 0 : -1;
		for (size_t i = 0; i < resp->metadata->n_topics; i++)
			if (!strcmp(resp->metadata->topics[i]->name, topic)) {
				if (listedp)
					*listedp = 1;
				rc = resp->metadata->topics[i]->error;
			}
	}
	if (resp)
		fjord__response__free_unpacked(resp, NULL);
	close(fd);
	return rc;
}

/* One consumer fetch of partition 0 through the broker at port: the
 * partition's error (the request-level one when set); -1000 no answer. */
static int t0096_fetch(int port, const char *topic)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int fd = raw_connect(port), rc = -1000;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(raw_append_fetch(&buf, &len, 9, topic, 0, 0, 1 << 20, 0, 0), 0);
	ck_assert_int_eq(raw_send(fd, buf, len), 0);
	free(buf);
	Fjord__Response *resp = raw_recv_response(fd, 10000);
	if (resp && resp->error)
		rc = resp->error;
	else if (resp && resp->fetch && resp->fetch->n_topics == 1 &&
	         resp->fetch->topics[0]->n_partitions == 1)
		rc = resp->fetch->topics[0]->partitions[0]->error;
	if (resp)
		fjord__response__free_unpacked(resp, NULL);
	close(fd);
	return rc;
}

/* CreateTopics (one partition, the broker's replication factor) or
 * DeleteTopics of one topic through the broker at port: its error. */
static int t0096_topic_admin(int port, int is_delete, const char *topic)
{
	Fjord__Request req = FJORD__REQUEST__INIT;
	Fjord__CreateTopicsRequest cr = FJORD__CREATE_TOPICS_REQUEST__INIT;
	Fjord__DeleteTopicsRequest dr = FJORD__DELETE_TOPICS_REQUEST__INIT;
	Fjord__CreatableTopic ct = FJORD__CREATABLE_TOPIC__INIT, *cts[1] = { &ct };
	char *names[1] = { (char *)topic };
	int fd = raw_connect(port), rc = -1000;

	ck_assert_int_ge(fd, 0);
	req.correlation_id = 5;
	if (is_delete) {
		dr.topics = names;
		dr.n_topics = 1;
		req.api = FJORD__API_KEY__DELETE_TOPICS;
		req.body_case = FJORD__REQUEST__BODY_DELETE_TOPICS;
		req.delete_topics = &dr;
	} else {
		ct.name = (char *)topic;
		ct.num_partitions = 1;
		ct.replication_factor = -1;
		cr.topics = cts;
		cr.n_topics = 1;
		req.api = FJORD__API_KEY__CREATE_TOPICS;
		req.body_case = FJORD__REQUEST__BODY_CREATE_TOPICS;
		req.create_topics = &cr;
	}
	ck_assert_int_eq(raw_send_request(fd, &req, NULL, 0), 0);
	Fjord__Response *resp = raw_recv_response(fd, (int)(20000 * test_timeout_multiplier()));
	if (resp && resp->delete_topics && resp->delete_topics->n_topics == 1)
		rc = resp->delete_topics->topics[0]->error;
	else if (resp && resp->create_topics && resp->create_topics->n_topics == 1)
		rc = resp->create_topics->topics[0]->error;
	if (resp)
		fjord__response__free_unpacked(resp, NULL);
	close(fd);
	return rc;
}

typedef struct t0096_admin_wait {
	int port, is_delete;
	const char *topic;
	int rc;
} t0096_admin_wait_t;

/* Retries the request while it is refused for authorization. */
static int t0096_admin_allowed(void *arg)
{
	t0096_admin_wait_t *aw = arg;
	aw->rc = t0096_topic_admin(aw->port, aw->is_delete, aw->topic);
	return aw->rc != FJORD_ERR_TOPIC_AUTHORIZATION_FAILED;
}

/* t0096_fetch() from whichever broker leads partition 0. */
static int t0096_fetch_leader(test_cluster_t *c, const char *topic)
{
	int rc = -1000;

	for (int i = 0; i < c->broker_cnt; i++)
		if ((rc = t0096_fetch(c->brokers[i].port, topic)) != FJORD_ERR_NOT_LEADER)
			return rc;
	return rc;
}

/* The delivery report of one record: its error and text. */
static char t0096_dr_text[512];
static atomic_int t0096_dr_err;

static void t0096_dr_cb(fjord_t *fj, const fjord_message_t *msg, void *opaque)
{
	(void)fj;
	(void)opaque;
	snprintf(t0096_dr_text, sizeof(t0096_dr_text), "%s", msg->errstr ? msg->errstr : "");
	atomic_store(&t0096_dr_err, msg->err ? (int)msg->err : 1);
}

static fjord_err_t t0096_produce_one(test_cluster_t *c, const char *topic)
{
	char errstr[512];
	fjord_conf_t *conf = test_conf(c, NULL);
	fjord_t *p;
	fjord_err_t err;

	atomic_store(&t0096_dr_err, 0);
	fjord_conf_set_dr_msg_cb(conf, t0096_dr_cb);
	p = fjord_new(FJORD_PRODUCER, conf, errstr, sizeof(errstr));
	ck_assert_msg(p, "%s", errstr);
	err = fjord_produce(p, topic, 0, "k", 1, "v", 1, NULL, 0, 0, NULL);
	ck_assert_int_eq(err, FJORD_ERR_NO_ERROR);
	fjord_flush(p, (int)(30000 * test_timeout_multiplier()));
	fjord_destroy(p);
	err = (fjord_err_t)atomic_load(&t0096_dr_err);
	ck_assert_msg(err != 0, "no delivery report");
	return err == 1 ? FJORD_ERR_NO_ERROR : err;
}

/* Adds (or removes) one entry through the admin API (zookeeper.connect). */
static void t0096_set_acl(test_cluster_t *c, int remove, fjord_acl_resource_type_t type,
                          const char *name, const char *principal, const char *op, int deny)
{
	char errstr[512] = "";
	fjord_acl_t a = {
		type, (char *)name, (char *)principal, (char *)"*", (char *)op, deny, NULL
	};
	fjord_t *admin = fjord_new(FJORD_ADMIN, test_conf(c, NULL), errstr, sizeof(errstr));
	int changed = -1;

	ck_assert_msg(admin, "%s", errstr);
	fjord_err_t err =
	    remove ? fjord_admin_acl_remove(admin, &a, 1, &changed, errstr, sizeof(errstr))
	           : fjord_admin_acl_add(admin, &a, 1, &changed, errstr, sizeof(errstr));
	ck_assert_msg(err == FJORD_ERR_NO_ERROR, "acl %s: %s: %s", remove ? "remove" : "add",
	              fjord_err2name(err), errstr);
	ck_assert_int_eq(changed, 1);
	fjord_destroy(admin);
	test_say("%s %s %s %s on %s", remove ? "removed" : "added", deny ? "Deny" : "Allow", op,
	         principal, name);
}

static void t0096_create(test_cluster_t *c, const char *topic, int rf)
{
	char errstr[512] = "";
	fjord_t *admin = fjord_new(FJORD_ADMIN, test_conf(c, NULL), errstr, sizeof(errstr));

	ck_assert_msg(admin, "%s", errstr);
	fjord_err_t err = fjord_admin_create_topic(admin, topic, 1, rf, NULL,
	                                           (int)(30000 * test_timeout_multiplier()), errstr,
	                                           sizeof(errstr));
	ck_assert_msg(err == FJORD_ERR_NO_ERROR, "create %s: %s", topic, errstr);
	fjord_destroy(admin);
}

typedef struct t0096_wait {
	int port;
	const char *topic;
	int want;      /* Metadata error wanted for the topic */
	int raw_acked; /* raw produces acknowledged while waiting */
} t0096_wait_t;

static int t0096_metadata_is(void *arg)
{
	t0096_wait_t *w = arg;
	return t0096_metadata(w->port, w->topic, 0, NULL) == w->want;
}

static int t0096_produce_denied(void *arg)
{
	t0096_wait_t *w = arg;
	int rc = raw_produce_one(w->port, w->topic, 0, "k", "raw");
	if (rc == 0)
		w->raw_acked++;
	return rc == FJORD_ERR_TOPIC_AUTHORIZATION_FAILED;
}

/* A consumer of partition 0 from the beginning: polls until an event with
 * err or until want records were read (counted in *readp). */
static fjord_err_t t0096_consume(test_cluster_t *c, const char *topic, int want, int *readp,
                                 char *what, size_t what_size)
{
	fjord_t *cons = test_consumer_new(c, NULL);
	fjord_topic_partition_list_t *parts = fjord_topic_partition_list_new(1);
	fjord_err_t seen = FJORD_ERR_NO_ERROR;
	int64_t deadline = test_now_ms() + (int64_t)(30000 * test_timeout_multiplier());

	fjord_topic_partition_list_add(parts, topic, 0)->offset = FJORD_OFFSET_BEGINNING;
	ck_assert_int_eq(fjord_assign(cons, parts), FJORD_ERR_NO_ERROR);
	fjord_topic_partition_list_destroy(parts);
	*readp = 0;
	while (test_now_ms() < deadline && !seen && (want == 0 || *readp < want)) {
		fjord_message_t *m = fjord_consumer_poll(cons, 200);
		if (!m)
			continue;
		if (m->err) {
			seen = m->err;
			snprintf(what, what_size, "%s", m->errstr ? m->errstr : "");
		} else {
			(*readp)++;
		}
		fjord_message_destroy(m);
	}
	fjord_destroy(cons);
	return seen;
}

/* The value of a /metrics line that starts with `series ` (e.g.
 * "fjord_acl_loads_total"). */
static uint64_t t0096_metric(test_broker_t *b, const char *series)
{
	char *body = NULL, *p, want[200];
	uint64_t v = 0;

	snprintf(want, sizeof(want), "\n%s ", series);
	ck_assert_int_eq(harness_http_get(b->http_port, "/metrics", &body, 5000), 200);
	p = strstr(body, want);
	ck_assert_msg(p, "no %s in /metrics", series);
	v = strtoull(p + strlen(want), NULL, 10);
	free(body);
	return v;
}

static uint64_t t0096_denied_metric(test_broker_t *b)
{
	return t0096_metric(b, "fjord_authorization_denied_total{resource=\"Topic\"}");
}

typedef struct t0096_loads {
	test_broker_t *b;
	uint64_t want;
} t0096_loads_t;

static int t0096_loads_reached(void *arg)
{
	t0096_loads_t *l = arg;
	return t0096_metric(l->b, "fjord_acl_loads_total") >= l->want;
}

START_TEST(t0096_acl)
{
	test_cluster_t *c = test_cluster_new(2, T0096_AUTHZ "super.users=User:admin\n");
	const char *topic = test_topic_name("acl");
	char what[512] = "";
	int port = c->brokers[0].port, listed = -1, read = 0, failed = 0, acked;
	fjord_err_t err = FJORD_ERR_NO_ERROR;
	t0096_wait_t w = { port, topic, 0, 0 };

	/* Replication needs ClusterAction, which is all User:ANONYMOUS gets on
	 * the cluster; written before the topic exists. */
	t0096_set_acl(c, 0, FJORD_ACL_CLUSTER, NULL, "User:ANONYMOUS", "ClusterAction", 0);
	t0096_create(c, topic, 2);

	/* No topic ACL: Describe, Write and Read are all refused. */
	ck_assert_int_eq(t0096_metadata(port, topic, 0, NULL),
	                 FJORD_ERR_TOPIC_AUTHORIZATION_FAILED);
	ck_assert_int_eq(t0096_metadata(port, topic, 1, &listed), 0);
	ck_assert_msg(!listed, "a listing of all topics shows %s, which may not be described",
	              topic);
	ck_assert_int_eq(raw_produce_one(port, topic, 0, "k", "denied"),
	                 FJORD_ERR_TOPIC_AUTHORIZATION_FAILED);
	ck_assert_int_eq(t0096_fetch(port, topic), FJORD_ERR_TOPIC_AUTHORIZATION_FAILED);
	acked = test_produce_range(c, topic, 0, 0, 20, 100, &failed, &err, "acks", "all",
	                           "message.timeout.ms", "20000", NULL);
	test_say("denied produce: %d acknowledged, %d failed (%s)", acked, failed,
	         fjord_err2name(err));
	ck_assert_int_eq(acked, 0);
	ck_assert_int_eq(failed, 20);
	ck_assert_msg(err == FJORD_ERR_TOPIC_AUTHORIZATION_FAILED, "produce failed with %s",
	              fjord_err2name(err));
	ck_assert_int_eq(t0096_produce_one(c, topic), FJORD_ERR_TOPIC_AUTHORIZATION_FAILED);
	test_say("delivery report: %s", t0096_dr_text);
	ck_assert_msg(strstr(t0096_dr_text, topic), "the report does not name the topic: %s",
	              t0096_dr_text);
	err = t0096_consume(c, topic, 0, &read, what, sizeof(what));
	test_say("denied consumer: %s \"%s\"", fjord_err2name(err), what);
	ck_assert_msg(err == FJORD_ERR_TOPIC_AUTHORIZATION_FAILED, "consumer event %s",
	              fjord_err2name(err));
	ck_assert_msg(strstr(what, topic), "the consumer's error does not name the topic: %s",
	              what);
	ck_assert_int_eq(read, 0);
	ck_assert_uint_gt(t0096_denied_metric(&c->brokers[0]) + t0096_denied_metric(&c->brokers[1]),
	                  0);
	{
		int logged = 0;
		for (int i = 0; i < c->broker_cnt; i++) {
			char lp[700];
			ck_assert(harness_path(lp, sizeof(lp), "%s/broker-%d/broker.log", c->dir,
			                       c->brokers[i].id) == 0);
			char *log = harness_read_file(lp, NULL);
			logged +=
			    log && strstr(log, "denied: principal User:ANONYMOUS from 127.0.0.1");
			free(log);
		}
		ck_assert_msg(logged, "no broker logged a denial");
	}

	/* Allow Write and Read: works without a restart. */
	t0096_set_acl(c, 0, FJORD_ACL_TOPIC, topic, "User:ANONYMOUS", "Write", 0);
	t0096_set_acl(c, 0, FJORD_ACL_TOPIC, topic, "User:ANONYMOUS", "Read", 0);
	for (int i = 0; i < c->broker_cnt; i++) {
		w.port = c->brokers[i].port;
		ck_assert_msg(test_wait_until(t0096_metadata_is, &w, 20000),
		              "broker %d never applied the Allow ACLs", c->brokers[i].id);
	}
	ck_assert_int_eq(t0096_metadata(port, topic, 1, &listed), 0);
	ck_assert_msg(listed, "a listing of all topics leaves out the describable %s", topic);
	acked = test_produce_range(c, topic, 0, 0, 50, 100, &failed, &err, "acks", "all", NULL);
	ck_assert_int_eq(acked, 50);
	err = t0096_consume(c, topic, 50, &read, what, sizeof(what));
	ck_assert_msg(err == FJORD_ERR_NO_ERROR, "consumer event %s: %s", fjord_err2name(err),
	              what);
	ck_assert_int_eq(read, 50); /* the 20 denied records were not stored */
	test_msgver_t *mv = test_msgver_new(1);
	ck_assert_int_eq(test_consume_msgs(c, topic, 1, FJORD_OFFSET_BEGINNING, 50, mv, 30000), 50);
	test_msgver_verify(mv, "after Allow", 50);

	/* Deny wins over Allow. */
	t0096_set_acl(c, 0, FJORD_ACL_TOPIC, topic, "User:ANONYMOUS", "Write", 1);
	for (int i = 0; i < c->broker_cnt; i++) {
		w.port = c->brokers[i].port;
		ck_assert_msg(test_wait_until(t0096_produce_denied, &w, 20000),
		              "the Deny Write ACL never took effect on broker %d",
		              c->brokers[i].id);
	}
	ck_assert_int_eq(t0096_fetch_leader(c, topic), 0); /* Read still allowed */
	acked = test_produce_range(c, topic, 0, 50, 5, 100, &failed, &err, NULL);
	ck_assert_int_eq(acked, 0);
	ck_assert_int_eq(err, FJORD_ERR_TOPIC_AUTHORIZATION_FAILED);
	/* DeleteTopics without Delete: refused, the topic and every
	 * acknowledged record still there. CreateTopics without Create. */
	ck_assert_int_eq(t0096_topic_admin(port, 1, topic), FJORD_ERR_TOPIC_AUTHORIZATION_FAILED);
	const char *t2 = test_topic_name("acl2");
	ck_assert_int_eq(t0096_topic_admin(port, 0, t2), FJORD_ERR_TOPIC_AUTHORIZATION_FAILED);
	mv = test_msgver_new(1);
	ck_assert_int_eq(
	    test_consume_msgs(c, topic, 1, FJORD_OFFSET_BEGINNING, 50 + w.raw_acked, mv, 30000),
	    50 + w.raw_acked);
	test_msgver_destroy(mv);
	ck_assert_int_eq(t0096_metadata(port, topic, 0, NULL), 0);
	/* Create on the topic's name, Delete on the topic: both work. */
	t0096_set_acl(c, 0, FJORD_ACL_TOPIC, t2, "User:ANONYMOUS", "Create", 0);
	t0096_set_acl(c, 0, FJORD_ACL_TOPIC, topic, "User:ANONYMOUS", "Delete", 0);
	t0096_admin_wait_t aw = { port, 0, t2, -1 };
	ck_assert_msg(test_wait_until(t0096_admin_allowed, &aw, 20000), "Create never allowed");
	ck_assert_int_eq(aw.rc, 0);
	ck_assert_int_eq(t0096_topic_admin(port, 0, t2), FJORD_ERR_TOPIC_ALREADY_EXISTS);
	aw.is_delete = 1;
	aw.topic = topic;
	ck_assert_msg(test_wait_until(t0096_admin_allowed, &aw, 20000), "Delete never allowed");
	ck_assert_int_eq(aw.rc, 0);
	test_cluster_destroy(c);
}
END_TEST

START_TEST(t0096_everyone)
{
	test_cluster_t *c =
	    test_cluster_new(1, T0096_AUTHZ "allow.everyone.if.no.acl.found=true\n");
	const char *open_t = test_topic_name("open"), *closed_t = test_topic_name("closed");
	int port = c->brokers[0].port;
	t0096_wait_t w = { port, closed_t, FJORD_ERR_TOPIC_AUTHORIZATION_FAILED, 0 };

	t0096_create(c, open_t, 1);
	t0096_create(c, closed_t, 1);
	t0096_set_acl(c, 0, FJORD_ACL_TOPIC, closed_t, "User:alice", "All", 0);
	ck_assert_msg(test_wait_until(t0096_metadata_is, &w, 20000),
	              "the ACL for User:alice never closed %s", closed_t);
	ck_assert_int_eq(raw_produce_one(port, open_t, 0, "k", "v"), 0);
	ck_assert_int_eq(t0096_fetch(port, open_t), 0);
	ck_assert_int_eq(raw_produce_one(port, closed_t, 0, "k", "v"),
	                 FJORD_ERR_TOPIC_AUTHORIZATION_FAILED);
	ck_assert_int_eq(t0096_fetch(port, closed_t), FJORD_ERR_TOPIC_AUTHORIZATION_FAILED);
	test_cluster_destroy(c);
}
END_TEST

START_TEST(t0096_super)
{
	test_cluster_t *c =
	    test_cluster_new(2, T0096_AUTHZ "super.users=User:admin; User:ANONYMOUS\n");
	const char *topic = test_topic_name("super");
	int failed = 0;
	fjord_err_t err = FJORD_ERR_NO_ERROR;

	t0096_create(c, topic, 2);
	t0096_set_acl(c, 0, FJORD_ACL_TOPIC, topic, "User:ANONYMOUS", "All", 1);
	/* Both brokers applied the Deny (the first load and this change). */
	for (int i = 0; i < c->broker_cnt; i++) {
		t0096_loads_t l = { &c->brokers[i], 2 };
		ck_assert_msg(test_wait_until(t0096_loads_reached, &l, 20000),
		              "broker %d never applied the Deny ACL", c->brokers[i].id);
	}
	ck_assert_int_eq(
	    test_produce_range(c, topic, 0, 0, 30, 100, &failed, &err, "acks", "all", NULL), 30);
	test_msgver_t *mv = test_msgver_new(1);
	ck_assert_int_eq(test_consume_msgs(c, topic, 1, FJORD_OFFSET_BEGINNING, 30, mv, 30000), 30);
	test_msgver_verify(mv, "super user", 30);
	ck_assert_uint_eq(t0096_denied_metric(&c->brokers[0]) + t0096_denied_metric(&c->brokers[1]),
	                  0);
	test_cluster_destroy(c);
}
END_TEST

typedef struct t0096_denied_wait {
	test_cluster_t *c;
	const char *series;
} t0096_denied_wait_t;

static int t0096_any_denied(void *arg)
{
	t0096_denied_wait_t *d = arg;
	uint64_t sum = 0;
	for (int i = 0; i < d->c->broker_cnt; i++)
		sum += t0096_metric(&d->c->brokers[i], d->series);
	return sum > 0;
}

/* Followers need ClusterAction: with an ACL on the cluster for someone
 * else (so allow.everyone.if.no.acl.found does not apply to it), the
 * follower's fetches are refused (CLUSTER_AUTHORIZATION_FAILED, counted);
 * once User:ANONYMOUS gets ClusterAction, acks=all produces complete. */
START_TEST(t0096_follower)
{
	test_cluster_t *c =
	    test_cluster_new(2, T0096_AUTHZ "allow.everyone.if.no.acl.found=true\n");
	const char *topic = test_topic_name("follower");
	t0096_denied_wait_t d = { c, "fjord_authorization_denied_total{resource=\"Cluster\"}" };
	int failed = 0;
	fjord_err_t err = FJORD_ERR_NO_ERROR;

	t0096_set_acl(c, 0, FJORD_ACL_CLUSTER, NULL, "User:other", "ClusterAction", 0);
	t0096_create(c, topic, 2);
	ck_assert_msg(test_wait_until(t0096_any_denied, &d, 20000),
	              "no follower fetch was refused without ClusterAction");
	t0096_set_acl(c, 0, FJORD_ACL_CLUSTER, NULL, "User:ANONYMOUS", "ClusterAction", 0);
	ck_assert_int_eq(
	    test_produce_range(c, topic, 0, 0, 20, 100, &failed, &err, "acks", "all", NULL), 20);
	test_msgver_t *mv = test_msgver_new(1);
	ck_assert_int_eq(test_consume_msgs(c, topic, 1, FJORD_OFFSET_BEGINNING, 20, mv, 30000), 20);
	test_msgver_verify(mv, "replicated after ClusterAction", 20);
	test_cluster_destroy(c);
}
END_TEST

/* Start-up refuses an authorizer it does not have, a malformed super.users
 * entry, and (with the authorizer on) warns when the PLAINTEXT
 * inter-broker principal User:ANONYMOUS is not a super user. */
START_TEST(t0096_config)
{
	test_cluster_t *c = test_cluster_new(0, NULL);
	static const char *const bad[][2] = {
		{ "authorizer.class.name=kafka.security.auth.SimpleAclAuthorizer\n",
		  "authorizer.class.name" },
		{ "authorizer.class.name=AclAuthorizer\nsuper.users=admin\n", "super.users" },
	};
	char path[700], *text = NULL, *out = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert(harness_path(path, sizeof(path), "%s/bad%zu.properties", test_tmpdir(),
		                       i) == 0);
		ck_assert(
		    asprintf(&text,
		             "broker.id=7\nlisteners=PLAINTEXT://127.0.0.1:0\nlog.dirs=%s/bad%zu\n"
		             "zookeeper.connect=%s\nhttp.listener=127.0.0.1:0\n%s",
		             test_tmpdir(), i, c->zk_connect, bad[i][0]) > 0);
		ck_assert(harness_write_file(path, text) == 0);
		free(text);
		int rc = test_fjordd_run_expect_exit(path, NULL, &out, 30000);
		test_say("fjordd with %s: exit %d: %s", bad[i][0], rc, out);
		ck_assert_msg(rc > 0, "fjordd accepted %s", bad[i][0]);
		ck_assert_msg(strstr(out, bad[i][1]), "the error does not name %s: %s", bad[i][1],
		              out);
		free(out);
	}
	test_cluster_destroy(c);

	c = test_cluster_new(1, T0096_AUTHZ);
	ck_assert(harness_path(path, sizeof(path), "%s/broker-%d/broker.log", c->dir,
	                       c->brokers[0].id) == 0);
	text = harness_read_file(path, NULL);
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(strstr(text, "User:ANONYMOUS, which is not in super.users"),
	              "no warning about the inter-broker principal");
	free(text);
	test_cluster_destroy(c);
}
END_TEST

void test_0096(TCase *tc)
{
	tcase_add_test(tc, t0096_config);
	tcase_add_test(tc, t0096_follower);
	tcase_add_test(tc, t0096_acl);
	tcase_add_test(tc, t0096_everyone);
	tcase_add_test(tc, t0096_super);
}
