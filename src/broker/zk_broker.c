/*
 * zk_broker.c — the broker's ZooKeeper session: cluster id, registration,
 * metadata snapshots (zkmeta), controller election and the controller's
 * passes (controller.c), and recovery from session expiry.
 *
 * Threads:
 *  - zkb_start() runs on the caller's thread: connect, persistent parents,
 *    cluster id, registration, first snapshot, then starts the worker.
 *  - The worker thread ("zkb") does every later synchronous ZooKeeper call:
 *    election attempts, controller passes, and the new session after an
 *    expiry. It sleeps on a condition variable between wake-ups.
 *  - ZooKeeper's completion thread runs zkb_watcher(), which only sets
 *    flags and signals the worker (through zkutil_live_run, so a late event
 *    after zkb_stop() is ignored), and reports session state changes to
 *    on_session.
 *
 * Session expiry: the handle is dead. The worker closes it, opens a new one,
 * registers /brokers/ids/<id> again (a node still held by our own previous
 * session is deleted first), builds a new zkmeta (which publishes a fresh
 * snapshot) and rejoins the election. While the old session's node lingers
 * after a quick restart, registration waits up to one session timeout for
 * it to vanish before declaring the id taken.
 *
 * Asynchronous writes (zkb_submit_*): the loop thread queues a job under
 * the lock and signals the worker, which runs the jobs in order before any
 * controller step, each as one synchronous ZooKeeper call, and reports
 * through the job's done callback. A wake-up caused only by jobs does not
 * start a controller pass.
 *
 * Ownership: zkb owns its handle, zkmeta, the copied params strings and the
 * controller struct; zkb_stop() frees all of it.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <syslog.h>
#include <time.h>

#include "controller/controller.h"
#include "broker/sasl_users.h"
#include "broker/zk_broker.h"
#include "common/bytes.h"
#include "common/flog.h"
#include "common/zkjson.h"
#include "common/acl_zk.h"
#include "common/zkacl.h"
#include "common/zkmeta.h"
#include "common/zkutil.h"
#include "common/zkpath.h"
#include "common/deadline.h"

#define ZKB_PERIOD_MS 5000      /* controller pass safety net */
#define ZKB_RETRY_MS 300        /* after a lost race or a ZooKeeper error */
#define ZKB_BACKOFF_MAX_MS 5000 /* reconnecting after expiry */

struct zkb {
	zkb_params_t p; /* strings below are our copies */
	char *zk_connect, *host, *rack, *listener;
	endpoint_t *endpoints; /* our copy of p.endpoints */
	zkacl_t *zkacl;        /* credentials and ACL policy of every session */
	zhandle_t *zh;
	zkmeta_t *zm;
	controller_t ctl;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int stop, expired, dirty;
	zkb_session_state_t state;
	int is_controller;
	int64_t prev_session; /* session id before the last expiry */
	pthread_t thread;
	int thread_started;
	struct zkb_job *jobs, **jobs_tail; /* under lock */
	char *offline_json;                /* worker: our /brokers/offline_replicas/<id>, put again
	                                    * on every new session; NULL: none */
	int acl_dirty;                     /* under lock: /kafka-acl changed, read it again */
	int64_t acl_retry_ms;              /* under lock: not before (after a failed read) */
	int users_dirty;                   /* under lock: /config/users changed (on_users set) */
	int64_t users_retry_ms;            /* worker: after a failed read, not before this */
	zkutil_seen_t users_seen;          /* worker: malformed user znodes already logged */
};

typedef enum zkb_job_type {
	ZKB_JOB_SET_STATE,
	ZKB_JOB_CONTROLLED_SHUTDOWN,
	ZKB_JOB_OFFLINE_REPLICAS,
	ZKB_JOB_CALL,
} zkb_job_type_t;

typedef struct zkb_job {
	struct zkb_job *next;
	zkb_job_type_t type;
	char *path;
	char *data;
	int32_t version;
	zkb_call_fn *call; /* ZKB_JOB_CALL */
	zkb_done_fn *done;
	void *arg;
} zkb_job_t;

typedef struct zkb_event {
	int type, state;
} zkb_event_t;

/* Under the live-set lock, from the completion thread: flags only. */
static void zkb_on_event(void *obj, void *arg)
{
	zkb_t *zkb = obj;
	const zkb_event_t *ev = arg;
	zkb_session_state_t st = ZKB_SESSION_CLOSED;
	int report = 0;

	pthread_mutex_lock(&zkb->lock);
	if (ev->type == ZOO_SESSION_EVENT) {
		if (ev->state == ZOO_EXPIRED_SESSION_STATE) {
			zkb->expired = 1;
			st = ZKB_SESSION_EXPIRED;
		} else if (ev->state == ZOO_CONNECTED_STATE) {
			st = ZKB_SESSION_CONNECTED;
		} else if (ev->state == ZOO_CONNECTING_STATE) {
			st = ZKB_SESSION_CONNECTING;
		}
		report = st != ZKB_SESSION_CLOSED && st != zkb->state;
		if (report)
			zkb->state = st;
	}
	zkb->dirty = 1;
	pthread_cond_broadcast(&zkb->cond);
	pthread_mutex_unlock(&zkb->lock);
	if (report && zkb->p.on_session)
		zkb->p.on_session(st, zkb->p.opaque);
}

static void zkb_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
	zkb_event_t ev = { type, state };

	(void)zh;
	(void)path;
	zkutil_live_run(ctx, zkb_on_event, &ev);
}

static int64_t zkb_now_ms(void);

/* Under the live-set lock, from the completion thread: a watch on
 * /kafka-acl fired. */
static void zkb_on_acl_event(void *obj, void *arg)
{
	zkb_t *zkb = obj;

	(void)arg;
	pthread_mutex_lock(&zkb->lock);
	zkb->acl_dirty = 1;
	pthread_cond_broadcast(&zkb->cond);
	pthread_mutex_unlock(&zkb->lock);
}

/* The ACL watches' watcher: session events are zkb_watcher's business (a
 * new session reads the ACLs again anyway). */
static void zkb_acl_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
	(void)zh;
	(void)state;
	(void)path;
	if (type != ZOO_SESSION_EVENT)
		zkutil_live_run(ctx, zkb_on_acl_event, NULL);
}

/* Reads every ACL with watches and hands the snapshot over. Worker thread
 * (or start-up). On failure the read is retried after ZKB_RETRY_MS. */
static void zkb_acl_refresh(zkb_t *zkb)
{
	acl_set_t *s = NULL;
	int rc = ZCONNECTIONLOSS;

	if (zkb->zh && zoo_state(zkb->zh) == ZOO_CONNECTED_STATE)
		rc = acl_zk_read_all(zkb->zh, zkb_acl_watcher, zkb, &s);
	if (rc == ZOK) {
		zkb->p.on_acls(s, zkb->p.opaque);
		return;
	}
	flog(LOG_WARNING, "zkb", "cannot read the ACLs under %s: %s; retrying", ZKPATH_KAFKA_ACL,
	     zkutil_err2str(rc));
	pthread_mutex_lock(&zkb->lock);
	zkb->acl_dirty = 1;
	zkb->acl_retry_ms = zkb_now_ms() + ZKB_RETRY_MS;
	pthread_cond_broadcast(&zkb->cond);
	pthread_mutex_unlock(&zkb->lock);
}

static void zkb_on_snapshot(cview_t *cv, void *opaque)
{
	zkb_t *zkb = opaque;

	if (zkb->p.on_snapshot)
		zkb->p.on_snapshot(cv, zkb->p.opaque);
	else
		cview_unref(cv);
}

static int64_t zkb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A watch of /config/users fired: re-read the credentials. */
static void zkb_on_users_event(void *obj, void *arg)
{
	zkb_t *zkb = obj;

	(void)arg;
	pthread_mutex_lock(&zkb->lock);
	zkb->users_dirty = 1;
	pthread_cond_broadcast(&zkb->cond);
	pthread_mutex_unlock(&zkb->lock);
}

static void zkb_users_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
	(void)zh;
	(void)type;
	(void)state;
	(void)path;
	zkutil_live_run(ctx, zkb_on_users_event, NULL);
}

/* Reads the SASL credentials and publishes them. Worker thread (or
 * start-up); on a ZooKeeper error the last snapshot stays and the read is
 * retried after ZKB_RETRY_MS. */
static void zkb_users_refresh(zkb_t *zkb)
{
	sasl_users_t *u = NULL;
	int rc;

	if (!zkb->p.on_users || !zkb->zh)
		return;
	rc = sasl_users_read(zkb->zh, zkb_users_watcher, zkb, &zkb->users_seen, &u);
	if (rc != ZOK) {
		flog(LOG_WARNING, "zkb", "cannot read SASL credentials under %s: %s; retrying",
		     ZKPATH_CONFIG_USERS, zkutil_err2str(rc));
		pthread_mutex_lock(&zkb->lock);
		zkb->users_dirty = 1;
		pthread_mutex_unlock(&zkb->lock);
		zkb->users_retry_ms = zkb_now_ms() + ZKB_RETRY_MS;
		return;
	}
	flog(LOG_DEBUG, "zkb", "SASL credentials: %d users", u->cnt);
	zkb->p.on_users(u, zkb->p.opaque);
}

/* Waits ms on the worker's condition; returns 1 if stopping. Lock held. */
static int zkb_sleep_locked(zkb_t *zkb, int ms)
{
	struct timespec ts;

	deadline_after_ms(&ts, ms);
	if (!zkb->stop)
		pthread_cond_timedwait(&zkb->cond, &zkb->lock, &ts);
	return zkb->stop;
}

/* ------------------------------------------------------------ set-up steps */

/* ZooKeeper's words for rc, with what to check when a znode's ACL refused
 * this broker's identity (zookeeper.auth; docs/security.md). */
static const char *zkb_zkerr(int rc)
{
	if (rc == ZNOAUTH)
		return "not authenticated: the znode's ACL refuses this broker's ZooKeeper "
		       "identity (check zookeeper.auth: every broker of a cluster uses the same "
		       "one)";
	return zkutil_err2str(rc);
}

static int zkb_ensure_parents(zkb_t *zkb, char *errstr, size_t n)
{
	static const char *const paths[] = { ZKPATH_BROKER_IDS,     ZKPATH_TOPICS,
		                             ZKPATH_CONFIG_TOPICS,  ZKPATH_DELETE_TOPICS,
		                             ZKPATH_CONSUMERS,      ZKPATH_CONFIG_USERS,
		                             ZKPATH_CONFIG_CHANGES, NULL };
	int i, rc;

	for (i = 0; paths[i]; i++) {
		rc = zkutil_create_recursive(zkb->zh, paths[i], NULL, -1);
		if (rc != ZOK) {
			snprintf(errstr, n, "cannot create %s in ZooKeeper at %s: %s", paths[i],
			         zkb->zk_connect, zkb_zkerr(rc));
			return -1;
		}
	}
	return 0;
}

/* 16 random bytes as unpadded base64url (22 characters), like Kafka's ids. */
static void zkb_new_cluster_id(char *out)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char raw[18] = { 0 };
	int i, o = 0;

	if (getrandom(raw, 16, 0) != 16) {
		uint64_t t = (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32);

		memcpy(raw, &t, sizeof(t));
	}
	for (i = 0; i < 18; i += 3) {
		uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];

		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = b64[(v >> 6) & 63];
		out[o++] = b64[v & 63];
	}
	out[22] = '\0';
}

static int zkb_cluster_id(zkb_t *zkb, char **idp, char *errstr, size_t n)
{
	char newid[24], err[256];
	char *buf = NULL, *json = NULL;
	int len, rc, attempt, r = -1;

	*idp = NULL;
	for (attempt = 0; attempt < 3; attempt++) {
		rc = zkutil_get(zkb->zh, ZKPATH_CLUSTER_ID, NULL, NULL, &buf, &len, NULL);
		if (rc == ZOK)
			break;
		if (rc != ZNONODE)
			goto zkfail;
		zkb_new_cluster_id(newid);
		free(json);
		if (!(json = zkjson_cluster_id_encode(newid))) {
			snprintf(errstr, n, "out of memory");
			goto out;
		}
		rc = zkutil_create_recursive(zkb->zh, ZKPATH_CLUSTER, NULL, -1);
		if (rc == ZOK)
			rc = zoo_create(zkb->zh, ZKPATH_CLUSTER_ID, json, (int)strlen(json),
			                zkacl_of(zkb->zh, ZKPATH_CLUSTER_ID), 0, NULL, 0);
		if (rc == ZOK)
			flog(LOG_NOTICE, "zkb", "created cluster id %s", newid);
		else if (rc != ZNODEEXISTS)
			goto zkfail;
	}
	if (rc != ZOK)
		goto zkfail;
	if (zkjson_cluster_id_decode(buf, (size_t)len, idp, err, sizeof(err)) < 0) {
		snprintf(errstr, n, "/cluster/id in ZooKeeper at %s is malformed: %s",
		         zkb->zk_connect, err);
		goto out;
	}
	if (zkb->p.meta_cluster_id && strcmp(zkb->p.meta_cluster_id, *idp) != 0) {
		snprintf(
		    errstr, n,
		    "cluster id mismatch: the log dirs' meta.properties says cluster.id=%s but "
		    "ZooKeeper at %s holds cluster id %s. Point zookeeper.connect at the cluster "
		    "these logs belong to, or (if the logs are disposable) empty the log dirs.",
		    zkb->p.meta_cluster_id, zkb->zk_connect, *idp);
		free(*idp);
		*idp = NULL;
		goto out;
	}
	r = 0;
	goto out;
zkfail:
	snprintf(errstr, n, "cannot read or create /cluster/id in ZooKeeper at %s: %s",
	         zkb->zk_connect, zkb_zkerr(rc));
out:
	free(buf);
	free(json);
	return r;
}

/* Creates the ephemeral /brokers/ids/<id>. A node held by our previous
 * session is replaced; one held by an unknown session is waited on for up
 * to one session timeout (it may be our own previous process). */
static int zkb_register(zkb_t *zkb, char *errstr, size_t n)
{
	char path[ZKPATH_MAX];
	const clientid_t *cid = zoo_client_id(zkb->zh);
	int64_t deadline = zkb_now_ms() + zoo_recv_timeout(zkb->zh) + 2000;
	struct timespec nap = { 0, 100 * 1000000 };
	struct Stat st;
	char *json;
	int rc, waited = 0, r = -1;

	zkpath_broker(path, (int)zkb->p.broker_id);
	json = zkjson_broker_encode(zkb->host, zkb->p.port, zkb->rack, fj_now_ms(), zkb->endpoints,
	                            zkb->p.endpoint_cnt);
	if (!json) {
		snprintf(errstr, n, "out of memory");
		return -1;
	}
	for (;;) {
		rc = zoo_create(zkb->zh, path, json, (int)strlen(json), zkacl_of(zkb->zh, path),
		                ZOO_EPHEMERAL, NULL, 0);
		if (rc == ZOK)
			break;
		if (rc != ZNODEEXISTS)
			goto zkfail;
		rc = zoo_exists(zkb->zh, path, 0, &st);
		if (rc == ZNONODE)
			continue;
		if (rc != ZOK)
			goto zkfail;
		if (cid && st.ephemeralOwner == cid->client_id) {
			/* Ours already (a create whose reply was lost): refresh it. */
			rc = zoo_set(zkb->zh, path, json, (int)strlen(json), -1);
			if (rc != ZOK)
				goto zkfail;
			break;
		}
		if (zkb->prev_session && st.ephemeralOwner == zkb->prev_session) {
			flog(LOG_INFO, "zkb", "removing %s left by our expired session", path);
			rc = zoo_delete(zkb->zh, path, st.version);
			if (rc != ZOK && rc != ZNONODE && rc != ZBADVERSION)
				goto zkfail;
			continue;
		}
		if (zkb_now_ms() >= deadline) {
			snprintf(errstr, n,
			         "broker.id %d is in use by another live broker (ZooKeeper session "
			         "0x%llx at %s holds %s)",
			         (int)zkb->p.broker_id, (unsigned long long)st.ephemeralOwner,
			         zkb->zk_connect, path);
			goto out;
		}
		if (!waited) {
			flog(LOG_WARNING, "zkb",
			     "%s is held by session 0x%llx; waiting up to %d ms for it to expire "
			     "(a previous run of this broker?)",
			     path, (unsigned long long)st.ephemeralOwner,
			     (int)(deadline - zkb_now_ms()));
			waited = 1;
		}
		nanosleep(&nap, NULL);
	}
	flog(LOG_NOTICE, "zkb", "registered broker %d at %s:%d", (int)zkb->p.broker_id, zkb->host,
	     zkb->p.port);
	r = 0;
	goto out;
zkfail:
	snprintf(errstr, n, "cannot register %s in ZooKeeper at %s: %s", path, zkb->zk_connect,
	         zkb_zkerr(rc));
out:
	free(json);
	return r;
}

/* Creates the ephemeral path (its parent first, when missing) with data,
 * or replaces its data when this session holds it already; a node left by
 * an earlier session of this broker id is deleted first (the id is ours:
 * this session registered it). Worker thread (or start-up). */
static int zkb_put_ephemeral(zkb_t *zkb, const char *parent, const char *path, const char *data)
{
	struct Stat st;
	int rc, attempt;

	rc = zkutil_create_recursive(zkb->zh, parent, NULL, -1);
	if (rc != ZOK)
		return rc;
	for (attempt = 0; attempt < 3; attempt++) {
		const clientid_t *cid = zoo_client_id(zkb->zh);
		rc = zoo_create(zkb->zh, path, data, (int)strlen(data), zkacl_of(zkb->zh, path),
		                ZOO_EPHEMERAL, NULL, 0);
		if (rc != ZNODEEXISTS)
			return rc;
		rc = zoo_exists(zkb->zh, path, 0, &st);
		if (rc == ZNONODE)
			continue;
		if (rc != ZOK)
			return rc;
		if (cid && st.ephemeralOwner == cid->client_id)
			return zoo_set(zkb->zh, path, data, (int)strlen(data), st.version);
		rc = zoo_delete(zkb->zh, path, st.version);
		if (rc != ZOK && rc != ZNONODE && rc != ZBADVERSION)
			return rc;
	}
	return ZNODEEXISTS;
}

/* Everything a fresh session needs. On failure the handle stays open. */
static int zkb_session_setup(zkb_t *zkb, char **cluster_idp, char *errstr, size_t n)
{
	char *cid = NULL;

	if (zkb_ensure_parents(zkb, errstr, n) < 0)
		return -1;
	if (zkb_cluster_id(zkb, &cid, errstr, n) < 0)
		return -1;
	if (cluster_idp)
		*cluster_idp = cid;
	else
		free(cid);
	if (zkb_register(zkb, errstr, n) < 0)
		goto fail;
	if (zkb->offline_json) {
		char path[ZKPATH_MAX];
		int rc = zkb_put_ephemeral(zkb, ZKPATH_OFFLINE_REPLICAS,
		                           zkpath_offline_replicas(path, zkb->p.broker_id),
		                           zkb->offline_json);
		if (rc != ZOK) {
			snprintf(errstr, n, "cannot write %s: %s", path, zkb_zkerr(rc));
			goto fail;
		}
	}
	zkb->zm = zkmeta_new_listener(zkb->zh, zkb->listener, 0, zkb_on_snapshot, zkb, errstr, n);
	if (!zkb->zm)
		goto fail;
	if (zkb->p.on_acls) {
		int rc = acl_zk_ensure_paths(zkb->zh);
		if (rc != ZOK) {
			snprintf(errstr, n, "cannot create %s in ZooKeeper at %s: %s",
			         ZKPATH_KAFKA_ACL, zkb->zk_connect, zkutil_err2str(rc));
			goto fail;
		}
		zkb_acl_refresh(zkb);
	}
	zkb->ctl.zh = zkb->zh;
	zkb_users_refresh(zkb);
	return 0;
fail:
	if (cluster_idp) {
		free(*cluster_idp);
		*cluster_idp = NULL;
	}
	return -1;
}

static void zkb_set_controller(zkb_t *zkb, int is_controller)
{
	if (zkb->is_controller == is_controller)
		return;
	pthread_mutex_lock(&zkb->lock);
	zkb->is_controller = is_controller;
	pthread_mutex_unlock(&zkb->lock);
	if (!is_controller)
		flog(LOG_NOTICE, "zkb", "broker %d is no longer the controller",
		     (int)zkb->p.broker_id);
	if (zkb->p.on_controller)
		zkb->p.on_controller(is_controller, is_controller ? zkb->ctl.epoch : -1,
		                     zkb->p.opaque);
}

/* ------------------------------------------------------------ worker */

/* After an expiry: a new session, registration, zkmeta. Worker thread. */
static void zkb_renew_session(zkb_t *zkb)
{
	const clientid_t *cid = zoo_client_id(zkb->zh);
	int backoff = 200;
	char err[512];

	flog(LOG_WARNING, "zkb", "ZooKeeper session expired; opening a new one");
	zkb_set_controller(zkb, 0);
	if (cid)
		zkb->prev_session = cid->client_id;
	zkmeta_destroy(zkb->zm);
	zkb->zm = NULL;
	zkutil_close(zkb->zh);
	zkb->zh = NULL;
	for (;;) {
		pthread_mutex_lock(&zkb->lock);
		zkb->expired = 0; /* events of the dead handle no longer matter */
		if (zkb->stop) {
			pthread_mutex_unlock(&zkb->lock);
			return;
		}
		pthread_mutex_unlock(&zkb->lock);
		zkb->zh = zkutil_connect_acl(zkb->zk_connect, zkb->p.session_timeout_ms,
		                             zkb->p.connection_timeout_ms, 1, zkb->zkacl,
		                             zkb_watcher, zkb, NULL, NULL, err, sizeof(err));
		if (zkb->zh && zkb_session_setup(zkb, NULL, err, sizeof(err)) == 0)
			break;
		flog(LOG_ERR, "zkb", "%s; retrying in %d ms", err, backoff);
		if (zkb->zh) {
			zkutil_close(zkb->zh);
			zkb->zh = NULL;
		}
		pthread_mutex_lock(&zkb->lock);
		zkb_sleep_locked(zkb, backoff);
		pthread_mutex_unlock(&zkb->lock);
		backoff = backoff * 2 > ZKB_BACKOFF_MAX_MS ? ZKB_BACKOFF_MAX_MS : backoff * 2;
	}
	pthread_mutex_lock(&zkb->lock);
	zkb->state = ZKB_SESSION_CONNECTED;
	zkb->dirty = 1;
	pthread_mutex_unlock(&zkb->lock);
	if (zkb->p.on_session)
		zkb->p.on_session(ZKB_SESSION_CONNECTED, zkb->p.opaque);
}

/* Election attempt or controller pass. Returns 1 to ask for a quick retry. */
static int zkb_controller_step(zkb_t *zkb)
{
	int rc;

	if (zoo_state(zkb->zh) != ZOO_CONNECTED_STATE)
		return 0; /* the reconnect event wakes us */
	if (!zkb->is_controller) {
		rc = controller_elect(&zkb->ctl);
		if (rc < 0) {
			flog(LOG_INFO, "zkb", "controller election failed: %s", zkutil_err2str(rc));
			return 1;
		}
		if (rc == 0)
			return 0;
		zkb_set_controller(zkb, 1);
	}
	rc = controller_run(&zkb->ctl);
	if (rc == CONTROLLER_DEPOSED) {
		zkb_set_controller(zkb, 0);
		return 1; /* rejoin the election (and arm the /controller watch) */
	}
	if (rc < 0)
		flog(LOG_INFO, "zkb", "controller pass failed: %s", zkutil_err2str(rc));
	return rc != 0;
}

/* One asynchronous write. Worker thread, lock not held. */
static int zkb_job_run(zkb_t *zkb, zkb_job_t *job, int32_t *versionp)
{
	struct Stat st;
	int rc;

	*versionp = -1;
	if (!zkb->zh || zoo_state(zkb->zh) != ZOO_CONNECTED_STATE)
		return ZCONNECTIONLOSS;
	if (job->type == ZKB_JOB_CALL)
		return job->call(zkb->zh, job->arg);
	if (job->type == ZKB_JOB_SET_STATE) {
		rc = zoo_set2(zkb->zh, job->path, job->data, (int)strlen(job->data), job->version,
		              &st);
		if (rc == ZOK)
			*versionp = st.version;
		return rc;
	}
	if (job->type == ZKB_JOB_OFFLINE_REPLICAS) {
		/* Kept first, so a session that expires before the write below
		 * still puts it on its successor. */
		char *copy = strdup(job->data);
		if (!copy)
			return ZSYSTEMERROR;
		free(zkb->offline_json);
		zkb->offline_json = copy;
		return zkb_put_ephemeral(zkb, ZKPATH_OFFLINE_REPLICAS, job->path, job->data);
	}
	/* Controlled shutdown request: ephemeral, owned by this session. */
	return zkb_put_ephemeral(zkb, ZKPATH_CONTROLLED_SHUTDOWN, job->path, job->data);
}

static void zkb_job_free(zkb_job_t *job)
{
	free(job->path);
	free(job->data);
	free(job);
}

static int zkb_submit(zkb_t *zkb, zkb_job_type_t type, char *path, char *data, int32_t version,
                      zkb_done_fn *done, void *arg)
{
	zkb_job_t *job = calloc(1, sizeof(*job));

	if (!job || (type != ZKB_JOB_CALL && (!path || !data))) {
		free(job);
		free(path);
		free(data);
		return -1;
	}
	job->type = type;
	job->path = path;
	job->data = data;
	job->version = version;
	job->done = done;
	job->arg = arg;
	pthread_mutex_lock(&zkb->lock);
	if (zkb->stop) {
		pthread_mutex_unlock(&zkb->lock);
		zkb_job_free(job);
		return -1;
	}
	*zkb->jobs_tail = job;
	zkb->jobs_tail = &job->next;
	pthread_cond_broadcast(&zkb->cond);
	pthread_mutex_unlock(&zkb->lock);
	return 0;
}

int zkb_submit_call(zkb_t *zkb, zkb_call_fn *fn, zkb_done_fn *done, void *arg)
{
	zkb_job_t *job = calloc(1, sizeof(*job));

	if (!job)
		return -1;
	job->type = ZKB_JOB_CALL;
	job->call = fn;
	job->done = done;
	job->arg = arg;
	pthread_mutex_lock(&zkb->lock);
	if (zkb->stop) {
		pthread_mutex_unlock(&zkb->lock);
		free(job);
		return -1;
	}
	*zkb->jobs_tail = job;
	zkb->jobs_tail = &job->next;
	pthread_cond_broadcast(&zkb->cond);
	pthread_mutex_unlock(&zkb->lock);
	return 0;
}

int zkb_submit_state_update(zkb_t *zkb, const char *topic, int32_t partition, int32_t leader,
                            int32_t leader_epoch, const int32_t *isr, int isr_cnt,
                            int32_t controller_epoch, int32_t expected_version, zkb_done_fn *done,
                            void *arg)
{
	zkjson_state_t st;
	char *path = NULL;

	memset(&st, 0, sizeof(st));
	st.leader = leader;
	st.leader_epoch = leader_epoch;
	st.isr = (int32_t *)isr;
	st.isr_cnt = isr_cnt;
	st.controller_epoch = controller_epoch;
	if ((path = malloc(ZKPATH_MAX)) != NULL)
		zkpath_state(path, topic, partition);
	return zkb_submit(zkb, ZKB_JOB_SET_STATE, path, zkjson_state_encode(&st), expected_version,
	                  done, arg);
}

int zkb_submit_offline_replicas(zkb_t *zkb, const zkjson_offline_t *o, zkb_done_fn *done, void *arg)
{
	char *path = malloc(ZKPATH_MAX);

	if (path)
		zkpath_offline_replicas(path, zkb->p.broker_id);
	return zkb_submit(zkb, ZKB_JOB_OFFLINE_REPLICAS, path, zkjson_offline_encode(o), -1, done,
	                  arg);
}

int zkb_submit_controlled_shutdown(zkb_t *zkb, zkb_done_fn *done, void *arg)
{
	char ts[32], *path = malloc(ZKPATH_MAX), *data = malloc(128);

	if (path)
		zkpath_controlled_shutdown(path, zkb->p.broker_id);
	if (data)
		snprintf(data, 128, "{\"version\":1,\"broker\":%d,\"timestamp\":\"%s\"}",
		         (int)zkb->p.broker_id, zkutil_timestamp(ts, sizeof(ts)));
	return zkb_submit(zkb, ZKB_JOB_CONTROLLED_SHUTDOWN, path, data, -1, done, arg);
}

/* Takes the queued jobs. Lock held. */
static zkb_job_t *zkb_take_jobs_locked(zkb_t *zkb)
{
	zkb_job_t *jobs = zkb->jobs;

	zkb->jobs = NULL;
	zkb->jobs_tail = &zkb->jobs;
	return jobs;
}

static void *zkb_main(void *arg)
{
	zkb_t *zkb = arg;
	int64_t next_step = zkb_now_ms(); /* first round: elect at once */

	pthread_mutex_lock(&zkb->lock);
	for (;;) {
		zkb_job_t *jobs;
		int expired, step, acl, users;
		int64_t now = zkb_now_ms(), wake = next_step;

		if (zkb->acl_dirty && zkb->acl_retry_ms < wake)
			wake = zkb->acl_retry_ms;
		if (zkb->users_dirty && zkb->users_retry_ms < wake)
			wake = zkb->users_retry_ms;
		if (!zkb->stop && !zkb->expired && !zkb->dirty && !zkb->jobs && now < wake)
			zkb_sleep_locked(zkb, (int)(wake - now));
		if (zkb->stop)
			break;
		jobs = zkb_take_jobs_locked(zkb);
		acl = zkb->acl_dirty && zkb_now_ms() >= zkb->acl_retry_ms && !zkb->expired;
		if (acl)
			zkb->acl_dirty = 0;
		users = zkb->users_dirty && zkb_now_ms() >= zkb->users_retry_ms && !zkb->expired;
		if (users)
			zkb->users_dirty = 0;
		expired = zkb->expired;
		step = expired || zkb->dirty || zkb_now_ms() >= next_step;
		if (step) {
			zkb->expired = 0;
			zkb->dirty = 0;
		}
		pthread_mutex_unlock(&zkb->lock);
		while (jobs) {
			zkb_job_t *job = jobs;
			int32_t version;
			int rc = zkb_job_run(zkb, job, &version);
			jobs = job->next;
			job->done(rc, version, job->arg);
			zkb_job_free(job);
		}
		if (acl && zkb->p.on_acls)
			zkb_acl_refresh(zkb);
		if (users)
			zkb_users_refresh(zkb);
		if (step) {
			int retry = 1;
			if (expired)
				zkb_renew_session(zkb);
			else if (zkb->zh)
				retry = zkb_controller_step(zkb);
			next_step = zkb_now_ms() + (retry ? ZKB_RETRY_MS : ZKB_PERIOD_MS);
		}
		pthread_mutex_lock(&zkb->lock);
	}
	pthread_mutex_unlock(&zkb->lock);
	return NULL;
}

/* ------------------------------------------------------------ public */

static void zkb_free(zkb_t *zkb)
{
	zkutil_live_remove(zkb);
	zkmeta_destroy(zkb->zm);
	zkutil_close(zkb->zh);
	zkacl_destroy(zkb->zkacl);
	controller_clear(&zkb->ctl);
	pthread_cond_destroy(&zkb->cond);
	pthread_mutex_destroy(&zkb->lock);
	free(zkb->zk_connect);
	free(zkb->host);
	free(zkb->rack);
	free(zkb->listener);
	free(zkb->offline_json);
	zkutil_seen_clear(&zkb->users_seen);
	endpoint_list_free(zkb->endpoints, zkb->p.endpoint_cnt);
	free(zkb);
}

int zkb_start(const zkb_params_t *params, zkb_t **zkbp, char **cluster_idp, char *errstr,
              size_t errstr_size)
{
	char *hosts = NULL, *chroot = NULL;
	zkb_t *zkb;
	int rc = -1, zrc;

	*zkbp = NULL;
	if (cluster_idp)
		*cluster_idp = NULL;
	if (!params || !params->zk_connect || !*params->zk_connect) {
		snprintf(errstr, errstr_size, "zookeeper.connect is not set");
		return -1;
	}
	/* A malformed connect string is a configuration error, not an outage. */
	if (zkutil_parse_connect(params->zk_connect, &hosts, &chroot, errstr, errstr_size) < 0)
		return -1;
	free(hosts);
	free(chroot);
	if (params->broker_id < 0 || !params->host || !*params->host || params->port <= 0 ||
	    params->port > 65535) {
		snprintf(errstr, errstr_size,
		         "invalid broker registration (broker.id %d, host \"%s\", port %d)",
		         (int)params->broker_id, params->host ? params->host : "", params->port);
		return -1;
	}
	zkb = calloc(1, sizeof(*zkb));
	if (!zkb) {
		snprintf(errstr, errstr_size, "out of memory");
		return -1;
	}
	zkb->p = *params;
	zkb->zk_connect = strdup(params->zk_connect);
	zkb->host = strdup(params->host);
	zkb->rack = params->rack ? strdup(params->rack) : NULL;
	zkb->listener = params->listener ? strdup(params->listener) : NULL;
	if (endpoint_list_copy(params->endpoints, params->endpoint_cnt, &zkb->endpoints) < 0)
		zkb->p.endpoint_cnt = 0;
	pthread_mutex_init(&zkb->lock, NULL);
	deadline_cond_init(&zkb->cond);
	zkb->state = ZKB_SESSION_CONNECTING;
	zkb->jobs_tail = &zkb->jobs;
	zkb->ctl.broker_id = params->broker_id;
	zkb->ctl.unclean_leader_election = params->unclean_leader_election;
	if (controller_set_rebalance(&zkb->ctl, params->auto_leader_rebalance,
	                             params->leader_imbalance_check_interval_s,
	                             params->leader_imbalance_per_broker_pct) < 0) {
		snprintf(errstr, errstr_size, "invalid leader rebalance settings");
		goto fail;
	}
	zkb->ctl.watcher = zkb_watcher;
	zkb->ctl.watcher_ctx = zkb;
	if (!zkb->zk_connect || !zkb->host || (params->rack && !zkb->rack) ||
	    (params->listener && !zkb->listener) || (params->endpoint_cnt > 0 && !zkb->endpoints) ||
	    zkutil_live_add(zkb) < 0) {
		snprintf(errstr, errstr_size, "out of memory");
		goto fail;
	}
	if (zkacl_new(params->zk_auth, params->zk_set_acl, params->zk_admin_acl, &zkb->zkacl,
	              errstr, errstr_size) < 0)
		goto fail;
	zkb->zh =
	    zkutil_connect_acl(zkb->zk_connect, params->session_timeout_ms,
	                       params->first_connect_wait_ms > 0 ? params->first_connect_wait_ms
	                                                         : params->connection_timeout_ms,
	                       1, zkb->zkacl, zkb_watcher, zkb, NULL, &zrc, errstr, errstr_size);
	if (!zkb->zh) {
		/* Refused credentials or a chroot we may not create will not
		 * heal by waiting; an unreachable ZooKeeper may. */
		if (zrc == ZOPERATIONTIMEOUT)
			rc = ZKB_UNREACHABLE;
		goto fail;
	}
	pthread_mutex_lock(&zkb->lock);
	zkb->state = ZKB_SESSION_CONNECTED;
	pthread_mutex_unlock(&zkb->lock);
	if (zkb_session_setup(zkb, cluster_idp, errstr, errstr_size) < 0)
		goto fail;
	if (pthread_create(&zkb->thread, NULL, zkb_main, zkb) != 0) {
		snprintf(errstr, errstr_size, "cannot start the ZooKeeper worker thread");
		goto fail;
	}
	zkb->thread_started = 1;
	*zkbp = zkb;
	return 0;
fail:
	if (cluster_idp) {
		free(*cluster_idp);
		*cluster_idp = NULL;
	}
	/* Closing the session also removes a registration that succeeded. */
	zkb_free(zkb);
	return rc;
}

zkb_session_state_t zkb_session_state(zkb_t *zkb)
{
	zkb_session_state_t st;

	pthread_mutex_lock(&zkb->lock);
	st = zkb->state;
	pthread_mutex_unlock(&zkb->lock);
	return st;
}

int zkb_is_controller(zkb_t *zkb)
{
	int r;

	pthread_mutex_lock(&zkb->lock);
	r = zkb->is_controller;
	pthread_mutex_unlock(&zkb->lock);
	return r;
}

void zkb_stop(zkb_t *zkb)
{
	const clientid_t *cid;
	char path[ZKPATH_MAX];
	struct Stat st;

	if (!zkb)
		return;
	pthread_mutex_lock(&zkb->lock);
	zkb->stop = 1;
	pthread_cond_broadcast(&zkb->cond);
	pthread_mutex_unlock(&zkb->lock);
	if (zkb->thread_started)
		pthread_join(zkb->thread, NULL);
	/* Jobs never started: report them as not done. */
	{
		zkb_job_t *jobs;
		pthread_mutex_lock(&zkb->lock);
		jobs = zkb_take_jobs_locked(zkb);
		pthread_mutex_unlock(&zkb->lock);
		while (jobs) {
			zkb_job_t *job = jobs;
			jobs = job->next;
			job->done(ZCLOSING, -1, job->arg);
			zkb_job_free(job);
		}
	}
	/* No callback after this: watchers see a dead object, zkmeta stops. */
	zkutil_live_remove(zkb);
	zkmeta_destroy(zkb->zm);
	zkb->zm = NULL;
	if (zkb->zh && zoo_state(zkb->zh) == ZOO_CONNECTED_STATE) {
		if (zkb->is_controller)
			controller_resign(&zkb->ctl);
		cid = zoo_client_id(zkb->zh);
		zkpath_broker(path, (int)zkb->p.broker_id);
		if (cid && zoo_exists(zkb->zh, path, 0, &st) == ZOK &&
		    st.ephemeralOwner == cid->client_id)
			zoo_delete(zkb->zh, path, st.version);
	}
	zkb_free(zkb);
}
