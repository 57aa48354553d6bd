/*
 * metadata.c — the handle's view of the cluster (a cview snapshot).
 *
 * Two sources:
 *   - zookeeper.connect: zkmeta watches ZooKeeper and pushes snapshots on
 *     its threads; the callback only swaps the published snapshot under
 *     md_lock and wakes the I/O thread, which then tells the producer and
 *     consumer (metadata_apply). Leaders, brokers and topics are as fresh as
 *     ZooKeeper's watches. The session, and its replacement after an expiry
 *     on the session worker thread, are metadata_zk.c's.
 *   - bootstrap.servers: the I/O thread sends Metadata requests (all topics)
 *     to any reachable broker: at start, every metadata.max.age.ms, and on
 *     demand (metadata_refresh: after NOT_LEADER, UNKNOWN_TOPIC, connection
 *     loss), at most one in flight and no more often than retry.backoff.ms.
 * fjord_metadata() deep-copies a snapshot into the public fjord_metadata_t
 * (metadata_conv.c).
 * Threads: metadata_snapshot() from any thread; everything else that sends
 * requests runs on the I/O thread. Ownership: h->md_cv holds one reference
 * (under md_lock); readers take their own.
 */
#include <stdlib.h>
#include <string.h>

#include "client/client_int.h"
#include "common/bytes.h"
#include "common/endpoint.h"
#include "common/zkutil.h"
#include "common/numparse.h"
#include "common/zkpath.h"

typedef struct md_dirty_op {
	hop_t op;
} md_dirty_op_t;

cview_t *metadata_snapshot(fjord_t *h)
{
	cview_t *cv = NULL;
	pthread_mutex_lock(&h->md_lock);
	if (h->md_cv)
		cv = cview_ref(h->md_cv);
	pthread_mutex_unlock(&h->md_lock);
	return cv;
}

/* I/O thread: reacts to a new snapshot. */
static void metadata_apply(fjord_t *h)
{
	cview_t *cv = metadata_snapshot(h);
	if (!cv)
		return;
	bconn_prune(h, cv);
	cview_unref(cv);
	if (h->p)
		producer_on_metadata(h);
	if (h->c)
		consumer_on_metadata(h);
}

static void metadata_dirty_run(fjord_t *h, hop_t *op)
{
	if (!atomic_load(&h->io_stop))
		metadata_apply(h);
	free(op);
}

/* Publishes cv (takes the caller's reference). Any thread. */
static void metadata_publish(fjord_t *h, cview_t *cv, int on_io_thread)
{
	cview_t *old;
	pthread_mutex_lock(&h->md_lock);
	old = h->md_cv;
	h->md_cv = cv;
	pthread_mutex_unlock(&h->md_lock);
	cview_unref(old);
	if (on_io_thread) {
		metadata_apply(h);
	} else if (h->io_started) {
		md_dirty_op_t *op = calloc(1, sizeof(*op));
		if (op) {
			op->op.run = metadata_dirty_run;
			handle_post(h, &op->op);
		}
	}
}

void metadata_zk_snapshot(cview_t *cv, void *opaque)
{
	metadata_publish(opaque, cv, 0);
}

/* Parses bootstrap.servers ("host:port,host:port"; [v6]:port too). */
static int metadata_bootstrap(fjord_t *h, const char *list, char *errstr, size_t n)
{
	char *copy = fj_strdup(list), *save = NULL, *tok;
	int rc = -1, cnt = 0;
	if (!copy) {
		fj_errstr(errstr, n, "out of memory");
		return -1;
	}
	for (tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		char *host = tok, *colon;
		int32_t port;
		if (*host == '[') {
			char *rb = strchr(host, ']');
			if (!rb || rb[1] != ':') {
				fj_errstr(errstr, n, "bootstrap.servers: bad address \"%s\"", tok);
				goto out;
			}
			*rb = 0;
			host++;
			colon = rb + 1;
		} else {
			colon = strrchr(host, ':');
		}
		if (!colon || colon == host) {
			fj_errstr(
			    errstr, n,
			    "bootstrap.servers: \"%s\" is not host:port (e.g. 127.0.0.1:9092)",
			    tok);
			goto out;
		}
		*colon = 0;
		if (num_parse_i32(colon + 1, 1, 65535, &port) < 0) {
			fj_errstr(errstr, n, "bootstrap.servers: bad port in \"%s:%s\"", host,
			          colon + 1);
			goto out;
		}
		if (!bconn_get(h, --h->next_bootstrap_id, host, (int)port, NULL)) {
			fj_errstr(errstr, n, "out of memory");
			goto out;
		}
		cnt++;
	}
	if (!cnt) {
		fj_errstr(errstr, n, "bootstrap.servers is empty");
		goto out;
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

/* The default rule's test: is every zookeeper.connect host loopback? Then
 * the client runs next to the brokers' published ports (the docker host),
 * and each broker's loopback endpoint is the one it can reach. */
static int metadata_zk_all_loopback(const char *connect)
{
	char *hosts = NULL, *chroot = NULL, *tok, *save = NULL, err[128];
	int all = 1;

	if (zkutil_parse_connect(connect, &hosts, &chroot, err, sizeof(err)) < 0)
		return 0;
	for (tok = strtok_r(hosts, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *h = tok, *colon;
		while (*h == ' ')
			h++;
		if (*h == '[') {
			char *rb = strchr(h, ']');
			if (rb)
				*rb = '\0';
			h++;
		} else if ((colon = strrchr(h, ':')) != NULL) {
			*colon = '\0';
		}
		if (!endpoint_host_is_loopback(h))
			all = 0;
	}
	free(hosts);
	free(chroot);
	return all;
}

int metadata_init(fjord_t *h, char *errstr, size_t n)
{
	const fj_conf_values_t *v = h->cv_conf;
	if (v->zookeeper_connect && *v->zookeeper_connect) {
		h->zk_mode = 1;
		if (v->client_listener && !endpoint_name_valid(v->client_listener)) {
			fj_errstr(errstr, n,
			          "client.listener: \"%s\" is not a listener name (A-Z, 0-9, _)",
			          v->client_listener);
			return -1;
		}
		h->zk_prefer_loopback =
		    !v->client_listener && metadata_zk_all_loopback(v->zookeeper_connect);
		return metadata_zk_open(h, errstr, n);
	}
	return metadata_bootstrap(h, v->bootstrap_servers, errstr, n);
}

void metadata_term(fjord_t *h)
{
	if (h->zk_mode)
		metadata_zk_close(h);
	pthread_mutex_lock(&h->md_lock);
	cview_unref(h->md_cv);
	h->md_cv = NULL;
	pthread_mutex_unlock(&h->md_lock);
}

typedef struct md_req {
	hwait_t *w;  /* NULL: background refresh */
	char *topic; /* metadata_check_topic */
	metadata_exists_cb *cb;
	void *opaque;
} md_req_t;

static void md_req_free(md_req_t *mq)
{
	if (mq->w)
		hwait_unref(mq->w);
	free(mq->topic);
	free(mq);
}

static void metadata_on_response(fjord_t *h, breq_t *req, fjord_err_t err, Fjord__Response *resp,
                                 const uint8_t *payload, size_t len)
{
	md_req_t *mq = req->opaque;
	cview_t *cv = NULL;
	(void)payload;
	(void)len;
	if (!mq->topic)
		h->md_req_inflight = 0;
	if (!err && resp->error != FJORD__ERROR_CODE__NONE)
		err = (fjord_err_t)resp->error;
	if (!err && (resp->body_case != FJORD__RESPONSE__BODY_METADATA || !resp->metadata))
		err = FJORD_ERR__BAD_MSG;
	if (mq->topic) {
		int exists = -1;
		if (!err) {
			size_t i;
			for (i = 0; i < resp->metadata->n_topics; i++) {
				Fjord__TopicMetadata *tm = resp->metadata->topics[i];
				if (!tm->name || strcmp(tm->name, mq->topic))
					continue;
				if (tm->error == FJORD__ERROR_CODE__UNKNOWN_TOPIC_OR_PARTITION)
					exists = 0;
				else if (tm->error == FJORD__ERROR_CODE__TOPIC_AUTHORIZATION_FAILED)
					exists = METADATA_TOPIC_DENIED;
				else if (tm->error == FJORD__ERROR_CODE__NONE)
					exists = 1;
			}
			if (!resp->metadata->n_topics)
				exists = 0;
		}
		if (exists == 1 && !h->zk_mode)
			metadata_refresh(h, "topic exists");
		if (!atomic_load(&h->io_stop) && err != FJORD_ERR__DESTROY)
			mq->cb(h, mq->topic, exists, mq->opaque);
		else
			mq->cb(h, mq->topic, -1, mq->opaque);
		md_req_free(mq);
		return;
	}
	if (!err) {
		cv = metadata_cview_from_response(resp->metadata);
		if (!cv)
			err = FJORD_ERR__BAD_MSG;
	}
	if (err) {
		if (err != FJORD_ERR__DESTROY)
			handle_log(h, FJ_LOG_INFO, "METADATA", "metadata request failed: %s",
			           fjord_err2str(err));
		h->md_refresh_wanted = 1;
	} else {
		h->md_last_ok_ms = fj_mono_ms();
		h->md_next_refresh_ms = h->md_last_ok_ms + h->cv_conf->metadata_max_age_ms;
		metadata_publish(h, cv, 1);
	}
	if (mq->w)
		hwait_done(mq->w, err);
	md_req_free(mq);
}

/* Sends a Metadata request (all topics, or just `topic`). I/O thread. */
static int metadata_send(fjord_t *h, md_req_t *mq)
{
	Fjord__Request rq = FJORD__REQUEST__INIT;
	Fjord__MetadataRequest mr = FJORD__METADATA_REQUEST__INIT;
	char *topics[1];
	bconn_t *bc = bconn_any(h);
	if (!bc) {
		/* ZooKeeper mode before any broker was needed: connect to one. */
		cview_t *cv = metadata_snapshot(h);
		if (cv && cv->broker_cnt > 0)
			bc = metadata_broker_conn(h, cv, cv->brokers[rand() % cv->broker_cnt].id);
		cview_unref(cv);
	}
	if (!bc)
		return -1;
	if (mq->topic) {
		topics[0] = mq->topic;
		mr.n_topics = 1;
		mr.topics = topics;
	} else {
		mr.all_topics = 1;
	}
	rq.api = FJORD__API_KEY__METADATA;
	rq.body_case = FJORD__REQUEST__BODY_METADATA;
	rq.metadata = &mr;
	if (bconn_send(bc, &rq, NULL, 0, 1, h->cv_conf->request_timeout_ms, metadata_on_response,
	               mq) < 0)
		return -1;
	if (!mq->topic)
		h->md_req_inflight = 1;
	return 0;
}

void metadata_start(fjord_t *h)
{
	if (!h->zk_mode)
		metadata_refresh(h, "start");
	else
		metadata_apply(h);
}

void metadata_refresh(fjord_t *h, const char *reason)
{
	if (h->zk_mode)
		return; /* watches push every change */
	if (!h->md_refresh_wanted)
		handle_log(h, FJ_LOG_DEBUG, "METADATA", "refresh: %s", reason);
	h->md_refresh_wanted = 1;
}

void metadata_tick(fjord_t *h, int64_t now)
{
	md_req_t *mq;
	if (h->zk_mode) {
		metadata_zk_tick(h, now); /* never blocks: the session worker does */
		return;
	}
	if (h->md_req_inflight)
		return;
	if (!h->md_refresh_wanted && now < h->md_next_refresh_ms)
		return;
	if (h->md_refresh_wanted && now < h->md_last_ok_ms + h->cv_conf->retry_backoff_ms &&
	    now < h->md_next_refresh_ms)
		return;
	mq = calloc(1, sizeof(*mq));
	if (!mq)
		return;
	if (metadata_send(h, mq) < 0) {
		free(mq);
		return;
	}
	h->md_refresh_wanted = 0;
}

/* ZooKeeper mode: /brokers/topics/<t> is authoritative (the admin API
 * writes it before returning), while the watched snapshot and the brokers
 * may lag by a few milliseconds. The completion runs on ZooKeeper's thread
 * and hands the answer to the I/O thread as an op. */
typedef struct md_exists_op {
	hop_t op;
	fjord_t *h;
	int rc;
	metadata_exists_cb *cb;
	void *opaque;
	char topic[];
} md_exists_op_t;

static void metadata_exists_run(fjord_t *h, hop_t *op)
{
	md_exists_op_t *eo = (md_exists_op_t *)op;
	int exists = eo->rc == ZOK ? 1 : eo->rc == ZNONODE ? 0 : -1;
	eo->cb(h, eo->topic, atomic_load(&h->io_stop) ? -1 : exists, eo->opaque);
	free(eo);
}

static void metadata_exists_done(int rc, const struct Stat *stat, const void *data)
{
	md_exists_op_t *eo = (md_exists_op_t *)data;
	(void)stat;
	eo->rc = rc;
	handle_post(eo->h, &eo->op);
}

int metadata_check_topic(fjord_t *h, const char *topic, metadata_exists_cb *cb, void *opaque)
{
	md_req_t *mq;
	if (h->zk_mode) {
		size_t n = strlen(topic) + 1;
		char path[ZKPATH_MAX];
		md_exists_op_t *eo;
		if (n > 256)
			return -1;
		eo = calloc(1, sizeof(*eo) + n);
		if (!eo)
			return -1;
		memcpy(eo->topic, topic, n);
		eo->h = h;
		eo->cb = cb;
		eo->opaque = opaque;
		eo->op.run = metadata_exists_run;
		zkpath_topic(path, topic);
		if (zoo_aexists(h->zh, path, 0, metadata_exists_done, eo) != ZOK) {
			free(eo);
			return -1;
		}
		return 0;
	}
	mq = calloc(1, sizeof(*mq));
	if (!mq)
		return -1;
	mq->topic = strdup(topic);
	mq->cb = cb;
	mq->opaque = opaque;
	if (!mq->topic || metadata_send(h, mq) < 0) {
		md_req_free(mq);
		return -1;
	}
	return 0;
}

/* A broker without client.listener: say so once per broker and snapshot. */
static void metadata_listener_missing(fjord_t *h, const cview_t *cv, const cview_broker_t *b)
{
	uint64_t bit = (uint64_t)1 << ((uint32_t)b->id % 64);
	char names[256], msg[512];

	if (h->lsn_missing_version != cv->version) {
		h->lsn_missing_version = cv->version;
		h->lsn_missing_reported = 0;
	}
	if (h->lsn_missing_reported & bit)
		return;
	h->lsn_missing_reported |= bit;
	endpoint_names(b->endpoints, b->endpoint_cnt, names, sizeof(names));
	snprintf(msg, sizeof(msg),
	         "broker %d has no listener %s (client.listener); it advertises: %s. Records "
	         "for partitions it leads cannot be produced or fetched",
	         (int)b->id, h->cv_conf->client_listener ? h->cv_conf->client_listener : "?",
	         names);
	handle_log(h, FJ_LOG_ERR, "BROKER", "%s", msg);
	cbq_push_error(h, FJORD_ERR__TRANSPORT, msg);
}

bconn_t *metadata_broker_conn(fjord_t *h, const cview_t *cv, int32_t id)
{
	const cview_broker_t *b = cview_broker(cv, id);
	if (!b)
		return NULL;
	if (!b->host || !b->host[0]) {
		metadata_listener_missing(h, cv, b);
		return NULL;
	}
	return bconn_get(h, id, b->host, b->port, b->listener);
}

/* ------------------------------------------------------------ fjord_metadata */

typedef struct md_sync_op {
	hop_t op;
	hwait_t *w;
} md_sync_op_t;

static void metadata_sync_run(fjord_t *h, hop_t *op)
{
	md_sync_op_t *so = (md_sync_op_t *)op;
	md_req_t *mq = NULL;
	if (atomic_load(&h->io_stop)) {
		hwait_done(so->w, FJORD_ERR__DESTROY);
		hwait_unref(so->w);
		free(so);
		return;
	}
	mq = calloc(1, sizeof(*mq));
	if (!mq || metadata_send(h, mq) < 0) {
		free(mq);
		hwait_done(so->w, FJORD_ERR__TRANSPORT);
		hwait_unref(so->w);
	} else {
		mq->w = so->w; /* the request now holds the I/O side's reference */
	}
	free(so);
}

fjord_err_t fjord_metadata(fjord_t *fj, const char *topic, fjord_metadata_t **mdp, int timeout_ms)
{
	cview_t *cv = NULL;
	fjord_err_t err = FJORD_ERR_NO_ERROR;
	if (!fj || !mdp)
		return FJORD_ERR__INVALID_ARG;
	*mdp = NULL;
	if (atomic_load(&fj->closed))
		return FJORD_ERR__STATE;
	if (fj->zk_mode) {
		/* Fresh, as promised: a watch-fed snapshot can trail a write made
		 * by another client by one watch round trip. */
		int synced;
		pthread_rwlock_rdlock(&fj->zk_lock);
		synced = fj->zm ? zkmeta_sync(fj->zm, timeout_ms) : -1;
		cv = fj->zm ? zkmeta_snapshot(fj->zm) : NULL;
		pthread_rwlock_unlock(&fj->zk_lock);
		if (synced < 0) {
			cview_unref(cv);
			return FJORD_ERR__TIMED_OUT;
		}
	} else {
		md_sync_op_t *so = calloc(1, sizeof(*so));
		hwait_t *w;
		if (!so || !(so->w = hwait_new())) {
			free(so);
			return FJORD_ERR__FAIL;
		}
		w = so->w;
		so->op.run = metadata_sync_run;
		handle_post(fj, &so->op);
		if (!hwait_wait(w, timeout_ms))
			err = FJORD_ERR__TIMED_OUT;
		else
			err = w->err;
		hwait_unref(w);
		if (err)
			return err == FJORD_ERR__TRANSPORT || err == FJORD_ERR_REQUEST_TIMED_OUT
			           ? FJORD_ERR__TRANSPORT
			           : err;
		cv = metadata_snapshot(fj);
	}
	if (!cv)
		return FJORD_ERR__TRANSPORT;
	*mdp = metadata_convert(cv, topic);
	cview_unref(cv);
	return *mdp ? FJORD_ERR_NO_ERROR : FJORD_ERR__FAIL;
}
