/*
 * metadata_zk.c — the handle's ZooKeeper session (zookeeper.connect mode)
 * and the session worker that replaces it after an expiry.
 *
 * An expired session cannot be revived: like the broker, the handle opens a
 * new session and a new zkmeta. Opening blocks — zkutil_connect waits up to
 * zookeeper.session.timeout.ms for a server, zkmeta's first read retries —
 * so it never runs on the I/O thread, which owns every broker connection,
 * linger timer, retry and fetch and keeps serving them with the last good
 * snapshot meanwhile. The blocking work goes to the handle's session worker
 * thread, modelled on the broker's zkb worker (src/broker/zk_broker.c): a
 * job queue under zw->lock, a condition, jobs run in order.
 *
 * Flow:
 *   1. the session watcher (ZooKeeper's completion thread) sees the
 *      current session expire: it queues the _ZOOKEEPER error callback and
 *      posts an op; the I/O thread then wants a new session (retry_ms);
 *   2. metadata_zk_tick (I/O thread) submits one OPEN job — never more than
 *      one in flight (zw->inflight);
 *   3. the worker runs zkutil_connect_acl + zkmeta_new_opts (whose
 *      snapshots already reach the I/O thread through the usual
 *      metadata_zk_snapshot path) and posts the job back with handle_post();
 *   4. on the I/O thread the job, now a result, swaps the new pair in under
 *      zk_lock's write side — tried, never waited for (an admin call may
 *      hold the read side for its whole timeout; retried every 100 ms) —
 *      and goes back to the worker as a CLOSE job carrying the old pair
 *      (zkmeta_destroy joins zkmeta's thread, zookeeper_close may wait for
 *      the server). A failed open is retried 2 s later.
 * The consumer group (cgrp.c) has a ZooKeeper session of its own, replaced
 * by the group worker; it only reads the handle's snapshots, so it is not
 * involved here.
 *
 * Lifetimes: metadata_zk_close() (handle_free, after the I/O thread
 * stopped) sets zw->cancel — zkutil_connect_acl checks it every 10 ms,
 * so an open waiting for an unreachable ZooKeeper gives up at once — and
 * joins the worker, which first runs the jobs still queued (closes, so
 * nothing leaks). A result posted after the I/O thread stopped runs on the
 * posting thread (handle_post's rule) and only parks its pair in
 * zw->zh_next / zm_next, which metadata_zk_close() closes after the join.
 * Threads: the fields marked "I/O thread" are touched by the I/O thread,
 * or after it stopped by whoever runs the leftover result op.
 */
#include <stdlib.h>
#include <string.h>

#include "client/client_int.h"
#include "common/bytes.h"
#include "common/zkutil.h"

#define MDZK_RETRY_MS 2000     /* after a failed open */
#define MDZK_SWAP_RETRY_MS 100 /* zk_lock's read side was held */

typedef enum mdzk_job_type {
	MDZK_JOB_OPEN,  /* open a session and a zkmeta; posted back as the result */
	MDZK_JOB_CLOSE, /* close a replaced pair */
} mdzk_job_type_t;

typedef struct mdzk_job {
	hop_t op; /* OPEN: run on the I/O thread with the result */
	struct mdzk_job *next;
	mdzk_job_type_t type;
	zhandle_t *zh; /* OPEN: the result (NULL: failed); CLOSE: the pair */
	zkmeta_t *zm;
	char errstr[256];
} mdzk_job_t;

struct mdzk {
	pthread_t thread;
	int thread_started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int stop;                      /* under lock */
	atomic_int cancel;             /* an open in flight gives up */
	mdzk_job_t *jobs, **jobs_tail; /* under lock */
	/* I/O thread */
	int inflight;       /* an OPEN job is with the worker */
	int64_t retry_ms;   /* when to open a new session; 0: not wanted */
	int64_t swap_ms;    /* when to try the swap of zh_next again */
	zhandle_t *zh_next; /* opened, waiting for zk_lock's write side */
	zkmeta_t *zm_next;
};

/* ------------------------------------------------------------ watcher */

typedef struct mdzk_session_ev {
	zhandle_t *zh;
	int state;
} mdzk_session_ev_t;

static void mdzk_want_run(fjord_t *h, hop_t *op)
{
	free(op);
	if (!atomic_load(&h->io_stop) && h->zkw && !h->zkw->retry_ms)
		h->zkw->retry_ms = fj_mono_ms();
}

/* Under the live-set lock, on ZooKeeper's completion thread: post only. */
static void mdzk_session_fn(void *obj, void *arg)
{
	fjord_t *h = obj;
	mdzk_session_ev_t *ev = arg;
	if (ev->zh != __atomic_load_n(&h->zh, __ATOMIC_ACQUIRE))
		return; /* an old session being closed, or a new one not yet in use */
	if (ev->state == ZOO_EXPIRED_SESSION_STATE) {
		hop_t *op = calloc(1, sizeof(*op));
		cbq_push_error(h, FJORD_ERR__ZOOKEEPER,
		               "ZooKeeper session expired: opening a new one");
		if (op) {
			op->run = mdzk_want_run;
			handle_post(h, op);
		}
	} else if (ev->state == ZOO_CONNECTING_STATE) {
		handle_log(h, FJ_LOG_WARNING, "ZK", "ZooKeeper connection lost, reconnecting");
	}
}

static void mdzk_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
	mdzk_session_ev_t ev = { zh, state };
	(void)path;
	if (type == ZOO_SESSION_EVENT && ctx)
		zkutil_live_run(ctx, mdzk_session_fn, &ev);
}

/* ------------------------------------------------------------ worker */

static void mdzk_submit(mdzk_t *zw, mdzk_job_t *job)
{
	job->next = NULL;
	pthread_mutex_lock(&zw->lock);
	*zw->jobs_tail = job;
	zw->jobs_tail = &job->next;
	pthread_cond_signal(&zw->cond);
	pthread_mutex_unlock(&zw->lock);
}
/* A metadata reader on zh for h: its snapshots go to metadata_zk_snapshot,
 * its warnings to h's log path (log_cb, log_level). Any thread. */
static zkmeta_t *metadata_zk_meta_new(fjord_t *h, zhandle_t *zh, char *errstr, size_t n)
{
	zkmeta_opts_t o = { h->cv_conf->client_listener, h->zk_prefer_loopback,
		            metadata_zk_snapshot, h, &h->log_target };
	return zkmeta_new_opts(zh, &o, errstr, n);
}

/* Worker: the blocking part of a reconnect. */
static void mdzk_open(fjord_t *h, mdzk_job_t *job)
{
	const fj_conf_values_t *v = h->cv_conf;
	mdzk_t *zw = h->zkw;
	job->zh = zkutil_connect_acl(v->zookeeper_connect, v->zk_session_timeout_ms,
	                             v->zk_session_timeout_ms, 0, h->zkacl, mdzk_watcher, h,
	                             &zw->cancel, NULL, job->errstr, sizeof(job->errstr));
	if (job->zh)
		job->zm = metadata_zk_meta_new(h, job->zh, job->errstr, sizeof(job->errstr));
	if (job->zh && !job->zm) {
		zkutil_close(job->zh);
		job->zh = NULL;
	}
}

static void *mdzk_main(void *arg)
{
	fjord_t *h = arg;
	mdzk_t *zw = h->zkw;
	pthread_mutex_lock(&zw->lock);
	for (;;) {
		mdzk_job_t *job = zw->jobs;
		if (!job) {
			if (zw->stop)
				break;
			pthread_cond_wait(&zw->cond, &zw->lock);
			continue;
		}
		zw->jobs = job->next;
		if (!zw->jobs)
			zw->jobs_tail = &zw->jobs;
		pthread_mutex_unlock(&zw->lock);
		if (job->type == MDZK_JOB_OPEN) {
			mdzk_open(h, job);
			handle_post(h, &job->op); /* the job is now the result */
		} else {
			zkmeta_destroy(job->zm);
			zkutil_close(job->zh);
			free(job);
		}
		pthread_mutex_lock(&zw->lock);
	}
	pthread_mutex_unlock(&zw->lock);
	return NULL;
}

/* ------------------------------------------------------------ I/O thread */

/* Swaps zh_next/zm_next in; the old pair goes to the worker in job. */
static void mdzk_swap(fjord_t *h, mdzk_job_t *job, int64_t now)
{
	mdzk_t *zw = h->zkw;
	if (pthread_rwlock_trywrlock(&h->zk_lock) != 0) {
		zw->swap_ms = now + MDZK_SWAP_RETRY_MS; /* an admin call uses the old one */
		free(job);
		return;
	}
	job->type = MDZK_JOB_CLOSE;
	job->zh = h->zh;
	job->zm = h->zm;
	__atomic_store_n(&h->zh, zw->zh_next, __ATOMIC_RELEASE);
	h->zm = zw->zm_next;
	zw->zh_next = NULL;
	zw->zm_next = NULL;
	zw->swap_ms = 0;
	zw->retry_ms = 0;
	pthread_rwlock_unlock(&h->zk_lock);
	mdzk_submit(zw, job);
	handle_log(h, FJ_LOG_NOTICE, "ZK", "new ZooKeeper session established");
	/* Expired before it was swapped in: its watcher ignored the event. */
	if (zoo_state(h->zh) == ZOO_EXPIRED_SESSION_STATE)
		zw->retry_ms = now;
}

/* The OPEN job back from the worker, with its result. */
static void mdzk_opened_run(fjord_t *h, hop_t *op)
{
	mdzk_job_t *job = (mdzk_job_t *)op;
	mdzk_t *zw = h->zkw;
	zw->inflight = 0;
	if (!job->zh) {
		if (!atomic_load(&h->io_stop)) {
			handle_log(h, FJ_LOG_WARNING, "ZK",
			           "new ZooKeeper session failed: %s; retrying in %d ms",
			           job->errstr, MDZK_RETRY_MS);
			zw->retry_ms = fj_mono_ms() + MDZK_RETRY_MS;
		}
		free(job);
		return;
	}
	zw->zh_next = job->zh;
	zw->zm_next = job->zm;
	if (atomic_load(&h->io_stop))
		free(job); /* parked: metadata_zk_close() closes it */
	else
		mdzk_swap(h, job, fj_mono_ms());
}

void metadata_zk_tick(fjord_t *h, int64_t now)
{
	mdzk_t *zw = h->zkw;
	mdzk_job_t *job;
	if (!zw || atomic_load(&h->io_stop))
		return;
	if (zw->zh_next) {
		if (now >= zw->swap_ms && (job = calloc(1, sizeof(*job))))
			mdzk_swap(h, job, now);
		return;
	}
	if (!zw->retry_ms || now < zw->retry_ms || zw->inflight)
		return;
	job = calloc(1, sizeof(*job));
	if (!job)
		return; /* next tick */
	job->type = MDZK_JOB_OPEN;
	job->op.run = mdzk_opened_run;
	zw->inflight = 1;
	zw->retry_ms = 0;
	handle_log(h, FJ_LOG_INFO, "ZK", "opening a new ZooKeeper session (session worker)");
	mdzk_submit(zw, job);
}

/* ------------------------------------------------------------ lifecycle */

int metadata_zk_open(fjord_t *h, char *errstr, size_t n)
{
	const fj_conf_values_t *v = h->cv_conf;
	mdzk_t *zw = calloc(1, sizeof(*zw));
	if (!zw) {
		fj_errstr(errstr, n, "out of memory");
		return -1;
	}
	pthread_mutex_init(&zw->lock, NULL);
	pthread_cond_init(&zw->cond, NULL);
	atomic_init(&zw->cancel, 0);
	zw->jobs_tail = &zw->jobs;
	h->zkw = zw;
	if (zkutil_live_add(h) < 0) {
		fj_errstr(errstr, n, "out of memory");
		return -1;
	}
	h->zk_live = 1;
	if (zkacl_new(v->zookeeper_auth, v->zookeeper_set_acl, v->zookeeper_admin_acl, &h->zkacl,
	              errstr, n) < 0)
		return -1;
	/* The first session blocks fjord_new's caller, not the I/O thread. */
	h->zh = zkutil_connect_acl(v->zookeeper_connect, v->zk_session_timeout_ms,
	                           v->zk_session_timeout_ms, 0, h->zkacl, mdzk_watcher, h, NULL,
	                           NULL, errstr, n);
	if (!h->zh)
		return -1;
	h->zm = metadata_zk_meta_new(h, h->zh, errstr, n);
	if (!h->zm)
		return -1;
	if (pthread_create(&zw->thread, NULL, mdzk_main, h) != 0) {
		fj_errstr(errstr, n, "cannot start the ZooKeeper session worker");
		return -1;
	}
	zw->thread_started = 1;
	return 0;
}

void metadata_zk_close(fjord_t *h)
{
	mdzk_t *zw = h->zkw;
	if (zw) {
		if (zw->thread_started) {
			atomic_store(&zw->cancel, 1);
			pthread_mutex_lock(&zw->lock);
			zw->stop = 1;
			pthread_cond_broadcast(&zw->cond);
			pthread_mutex_unlock(&zw->lock);
			pthread_join(zw->thread, NULL); /* it ran every queued job */
		}
		if (zw->zm_next)
			zkmeta_destroy(zw->zm_next);
		zkutil_close(zw->zh_next);
		pthread_cond_destroy(&zw->cond);
		pthread_mutex_destroy(&zw->lock);
		free(zw);
		h->zkw = NULL;
	}
	if (h->zm) {
		zkmeta_destroy(h->zm);
		h->zm = NULL;
	}
	if (h->zk_live) {
		zkutil_live_remove(h);
		h->zk_live = 0;
	}
	if (h->zh) {
		zkutil_close(h->zh);
		h->zh = NULL;
	}
}
