/*
 * admin.c — topic creation, deletion and new partitions through ZooKeeper.
 *
 * What: as in Kafka's ZooKeeper mode, the admin client only writes the
 * topic's replica assignment and config (zkadmin_create_topic) or the
 * deletion marker (zkadmin_delete_topic); the controller does the rest.
 * The calls then wait, with the handle's zkmeta watches, until every
 * partition has a leader that is a live broker (create) or the topic is gone
 * (delete), bounded by timeout_ms (FJORD_ERR__TIMED_OUT: the request was
 * written and the controller may still complete it).
 * Defaults: partitions <= 0 and replication_factor <= 0 take the cluster's
 * num.partitions / default.replication.factor, as Kafka's AdminClient does.
 * Those are broker settings, not in ZooKeeper, so such a create always goes
 * through a broker (CreateTopics, admin_broker.c), which fills them in; with
 * zookeeper.connect the broker is one of the registered ones. With both
 * given and zookeeper.connect the SDK writes ZooKeeper itself; with
 * bootstrap.servers only it always asks a broker, which authorizes the
 * request first; the waits are the same.
 * Adding partitions (zkadmin_create_partitions) needs zookeeper.connect:
 * fjord's protocol has no CreatePartitions (Kafka's listener does); the
 * wait is the create wait with the new total.
 * Thread: the calling app thread (blocking ZooKeeper calls).
 */
#include <string.h>

#include "client/client_int.h"
#include "common/zkadmin.h"

typedef struct admin_wait_arg {
	const char *topic;
	int32_t partitions;
} admin_wait_arg_t;

static int admin_topic_ready(const cview_t *cv, void *arg)
{
	const admin_wait_arg_t *wa = arg;
	const cview_topic_t *t = cview_topic(cv, wa->topic);
	int i;
	if (!t || t->partition_cnt < wa->partitions)
		return 0;
	for (i = 0; i < t->partition_cnt; i++) {
		const cview_partition_t *p = &t->partitions[i];
		if (!p->has_state || p->leader < 0 || !cview_broker(cv, p->leader))
			return 0;
	}
	return 1;
}

static int admin_topic_gone(const cview_t *cv, void *arg)
{
	const admin_wait_arg_t *wa = arg;
	return cview_topic(cv, wa->topic) == NULL;
}

static fjord_err_t admin_check(fjord_t *fj, const char *topic, char *errstr, size_t n)
{
	fj_errstr(errstr, n, "%s", "");
	if (!fj || !topic) {
		fj_errstr(errstr, n, "NULL handle or topic");
		return FJORD_ERR__INVALID_ARG;
	}
	if (atomic_load(&fj->closed)) {
		fj_errstr(errstr, n, "handle is closed");
		return FJORD_ERR__STATE;
	}
	return FJORD_ERR_NO_ERROR;
}

fjord_err_t admin_zk_ready(fjord_t *fj, const char *what, char *errstr, size_t n)
{
	if (!fj) {
		fj_errstr(errstr, n, "NULL handle");
		return FJORD_ERR__INVALID_ARG;
	}
	if (atomic_load(&fj->closed)) {
		fj_errstr(errstr, n, "handle is closed");
		return FJORD_ERR__STATE;
	}
	if (!fj->zk_mode) {
		fj_errstr(errstr, n,
		          "%s needs zookeeper.connect (this handle uses bootstrap.servers only)",
		          what);
		return FJORD_ERR__NOT_IMPLEMENTED;
	}
	return FJORD_ERR_NO_ERROR;
}

fjord_err_t fjord_admin_create_topic(fjord_t *fj, const char *topic, int32_t partitions,
                                     int32_t replication_factor, const char *const *configs,
                                     int timeout_ms, char *errstr, size_t errstr_size)
{
	admin_wait_arg_t wa;
	fjord_err_t err = admin_check(fj, topic, errstr, errstr_size);
	if (err)
		return err;
	if (!fj->zk_mode || partitions <= 0 || replication_factor <= 0)
		return admin_broker_topic(fj, 0, topic, partitions > 0 ? partitions : -1,
		                          replication_factor > 0 ? replication_factor : -1, configs,
		                          timeout_ms, errstr, errstr_size);
	wa.topic = topic;
	wa.partitions = partitions;
	pthread_rwlock_rdlock(&fj->zk_lock);
	err = zkadmin_create_topic(fj->zh, topic, partitions, replication_factor, configs, errstr,
	                           errstr_size);
	if (!err && !zkmeta_wait(fj->zm, admin_topic_ready, &wa, timeout_ms < 0 ? 0 : timeout_ms))
		err = FJORD_ERR__TIMED_OUT;
	pthread_rwlock_unlock(&fj->zk_lock);
	if (err == FJORD_ERR__TIMED_OUT) {
		fj_errstr(errstr, errstr_size,
		          "topic %s was created but not every partition had a leader within "
		          "%d ms (is the controller running?)",
		          topic, timeout_ms);
	}
	return err;
}

fjord_err_t fjord_admin_delete_topic(fjord_t *fj, const char *topic, int timeout_ms, char *errstr,
                                     size_t errstr_size)
{
	admin_wait_arg_t wa;
	fjord_err_t err = admin_check(fj, topic, errstr, errstr_size);
	if (err)
		return err;
	if (!fj->zk_mode)
		return admin_broker_topic(fj, 1, topic, 0, 0, NULL, timeout_ms, errstr,
		                          errstr_size);
	wa.topic = topic;
	wa.partitions = 0;
	pthread_rwlock_rdlock(&fj->zk_lock);
	err = zkadmin_delete_topic(fj->zh, topic, errstr, errstr_size);
	if (!err && !zkmeta_wait(fj->zm, admin_topic_gone, &wa, timeout_ms < 0 ? 0 : timeout_ms))
		err = FJORD_ERR__TIMED_OUT;
	pthread_rwlock_unlock(&fj->zk_lock);
	if (err == FJORD_ERR__TIMED_OUT)
		fj_errstr(errstr, errstr_size,
		          "topic %s is marked for deletion but was not removed within %d ms", topic,
		          timeout_ms);
	return err;
}

fjord_err_t fjord_admin_create_partitions(fjord_t *fj, const char *topic, int32_t new_total,
                                          int timeout_ms, char *errstr, size_t errstr_size)
{
	admin_wait_arg_t wa;
	fjord_err_t err = admin_check(fj, topic, errstr, errstr_size);
	if (err || (err = admin_zk_ready(fj, "adding partitions", errstr, errstr_size)))
		return err;
	wa.topic = topic;
	wa.partitions = new_total;
	pthread_rwlock_rdlock(&fj->zk_lock);
	err = zkadmin_create_partitions(fj->zh, topic, new_total, errstr, errstr_size);
	if (!err && timeout_ms > 0 && !zkmeta_wait(fj->zm, admin_topic_ready, &wa, timeout_ms))
		err = FJORD_ERR__TIMED_OUT;
	pthread_rwlock_unlock(&fj->zk_lock);
	if (err == FJORD_ERR__TIMED_OUT)
		fj_errstr(errstr, errstr_size,
		          "topic %s now has %d partitions but not every one had a leader within "
		          "%d ms (is the controller running?)",
		          topic, (int)new_total, timeout_ms);
	return err;
}
