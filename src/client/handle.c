/*
 * handle.c — the fjord_t handle: creation, the I/O thread, the op queue,
 * close/destroy, fjord_poll, and small shared helpers.
 *
 * What: fjord_new() validates the configuration for the handle type,
 * connects metadata (ZooKeeper or bootstrap brokers), then starts the
 * callback thread (callback.mode=background) and the I/O thread, which runs
 * the handle's own event_base until close. Application threads hand work to
 * the I/O thread only through handle_post() (a locked op queue plus
 * event_active on wake_ev); a 20 ms tick drives connects, timeouts,
 * linger and metadata refreshes.
 * Guarantees: fjord_close() never hangs on the network: every wait is
 * bounded; records not delivered by its timeout get FJORD_ERR__DESTROY
 * delivery reports, served before it returns. Application callbacks run on
 * the callback thread or in fjord_poll(), never on the I/O thread.
 * Ownership: the handle owns its conf (after a successful fjord_new), its
 * threads, connections and metadata; fjord_destroy() frees all of it.
 */
#define _GNU_SOURCE /* pthread_timedjoin_np */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/thread.h>

#include "client/client_int.h"
#include "common/bytes.h"
#include "common/flog.h"
#include "common/deadline.h"

#define HANDLE_TICK_MS 20
#define HANDLE_JOIN_MS 10000

static pthread_once_t handle_evthread_once = PTHREAD_ONCE_INIT;
static atomic_int handle_seq;

static void handle_evthread_init(void)
{
	evthread_use_pthreads();
}

void handle_log(fjord_t *h, int level, const char *fac, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	/* A debug line of a context named in `debug` passes whatever
	 * log_level says (debug.c). */
	if (level > h->cv_conf->log_level &&
	    !(level == FJ_LOG_DEBUG && (h->cv_conf->debug_mask & debug_fac_ctx(fac))))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	handle_log_line(h, level, fac, buf);
}

void handle_log_line(fjord_t *h, int level, const char *fac, const char *buf)
{
	if (h->conf->log_cb) {
		cbq_push_log(h, level, fac, buf);
	} else {
		char line[1200];
		snprintf(line, sizeof(line), "%s: %s", h->name, buf);
		flog_stderr_sink(level, fac, line, NULL);
	}
}

/* flog_sink_t of h->log_target: common code (zkmeta) logs like the SDK. */
static void handle_log_sink(int level, const char *fac, const char *line, void *opaque)
{
	handle_log_line(opaque, level, fac, line);
}

/* ------------------------------------------------------------ hwait */

hwait_t *hwait_new(void)
{
	hwait_t *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->refcnt = 2; /* the waiter and the I/O thread */
	pthread_mutex_init(&w->lock, NULL);
	deadline_cond_init(&w->cond);
	return w;
}

void hwait_unref(hwait_t *w)
{
	int last;
	pthread_mutex_lock(&w->lock);
	last = --w->refcnt == 0;
	pthread_mutex_unlock(&w->lock);
	if (last) {
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->cond);
		free(w);
	}
}

void hwait_done(hwait_t *w, fjord_err_t err)
{
	pthread_mutex_lock(&w->lock);
	if (!w->done) {
		w->done = 1;
		w->err = err;
	}
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

int hwait_wait(hwait_t *w, int timeout_ms)
{
	struct timespec ts;
	int done;
	deadline_after_ms(&ts, timeout_ms);
	pthread_mutex_lock(&w->lock);
	while (!w->done)
		if (pthread_cond_timedwait(&w->cond, &w->lock, &ts) == ETIMEDOUT)
			break;
	done = w->done;
	pthread_mutex_unlock(&w->lock);
	return done;
}

/* ------------------------------------------------------------ I/O thread */

void handle_post(fjord_t *h, hop_t *op)
{
	int stopped;
	pthread_mutex_lock(&h->op_lock);
	stopped = !h->io_started || atomic_load(&h->io_stop);
	if (!stopped)
		TAILQ_INSERT_TAIL(&h->ops, op, link);
	pthread_mutex_unlock(&h->op_lock);
	if (stopped)
		op->run(h, op); /* ops see io_stop and only release themselves */
	else
		event_active(h->wake_ev, EV_READ, 0);
}

static void handle_run_ops(fjord_t *h)
{
	struct hop_q q = TAILQ_HEAD_INITIALIZER(q);
	hop_t *op;
	pthread_mutex_lock(&h->op_lock);
	while ((op = TAILQ_FIRST(&h->ops))) {
		TAILQ_REMOVE(&h->ops, op, link);
		TAILQ_INSERT_TAIL(&q, op, link);
	}
	pthread_mutex_unlock(&h->op_lock);
	while ((op = TAILQ_FIRST(&q))) {
		TAILQ_REMOVE(&q, op, link);
		op->run(h, op);
	}
}

static void handle_on_wake(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	handle_run_ops(arg);
}

static void handle_on_tick(evutil_socket_t fd, short what, void *arg)
{
	fjord_t *h = arg;
	int64_t now = fj_mono_ms();
	(void)fd;
	(void)what;
	handle_run_ops(h);
	metadata_tick(h, now);
	bconn_tick_all(h, now);
	if (h->p)
		producer_tick(h, now);
	if (h->c)
		consumer_tick(h, now);
	stats_tick(h, now);
}

static void *handle_io_main(void *arg)
{
	fjord_t *h = arg;
	sigset_t all;
	/* Signals are the application's business: this thread takes none
	 * (sends use MSG_NOSIGNAL anyway). */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	metadata_start(h);
	while (!atomic_load(&h->io_stop))
		event_base_loop(h->base, EVLOOP_ONCE);
	return NULL;
}

/* Runs on the I/O thread: fails what is left and ends the loop. */
typedef struct handle_stop_op {
	hop_t op;
	hwait_t *w;
} handle_stop_op_t;

static void handle_stop_run(fjord_t *h, hop_t *op)
{
	handle_stop_op_t *so = (handle_stop_op_t *)op;
	if (h->p)
		producer_purge(h, FJORD_ERR__DESTROY);
	if (h->c)
		consumer_stop(h);
	/* From here no callback starts new work (they all check io_stop). */
	pthread_mutex_lock(&h->op_lock);
	atomic_store(&h->io_stop, 1);
	pthread_mutex_unlock(&h->op_lock);
	bconn_destroy_all(h);
	if (h->base)
		event_base_loopbreak(h->base);
	hwait_done(so->w, 0);
	hwait_unref(so->w);
	free(so);
}

static void handle_stop_io(fjord_t *h)
{
	handle_stop_op_t *so;
	struct timespec ts;
	if (!h->io_started)
		return;
	so = calloc(1, sizeof(*so));
	if (so && (so->w = hwait_new())) {
		hwait_t *w = so->w;
		so->op.run = handle_stop_run;
		handle_post(h, &so->op);
		hwait_wait(w, HANDLE_JOIN_MS);
		hwait_unref(w);
	} else {
		free(so);
	}
	pthread_mutex_lock(&h->op_lock);
	atomic_store(&h->io_stop, 1);
	pthread_mutex_unlock(&h->op_lock);
	event_base_loopbreak(h->base);
	event_active(h->wake_ev, EV_READ, 0);
	clock_gettime(CLOCK_REALTIME, &ts); /* pthread_timedjoin_np's clock, by definition */
	ts.tv_sec += HANDLE_JOIN_MS / 1000;
	if (pthread_timedjoin_np(h->io_thr, NULL, &ts) != 0) {
		/* Never hang the application: leave the thread behind. */
		handle_log(h, FJ_LOG_ERR, "DESTROY", "I/O thread did not stop in %d ms",
		           HANDLE_JOIN_MS);
		pthread_detach(h->io_thr);
		h->destroyed = -1; /* resources the thread may touch are leaked */
	}
	h->io_started = 0;
	/* Ops posted after the stop: run them so they release themselves. */
	handle_run_ops(h);
}

/* ------------------------------------------------------------ lifecycle */

static void handle_free(fjord_t *h)
{
	if (h->destroyed == -1)
		return; /* the I/O thread may still run: leak rather than crash */
	bconn_destroy_all(h);
	bconn_tls_term(h);
	metadata_term(h);
	cbq_destroy(h, &h->cbq); /* serves leftovers: needs the producer */
	if (h->p)
		producer_term(h);
	if (h->cg)
		cgrp_term(h);
	if (h->c)
		consumer_term(h);
	if (h->wake_ev)
		event_free(h->wake_ev);
	if (h->tick_ev)
		event_free(h->tick_ev);
	if (h->base)
		event_base_free(h->base);
	zkacl_destroy(h->zkacl); /* after every session bound to it */
	pthread_mutex_destroy(&h->op_lock);
	pthread_mutex_destroy(&h->md_lock);
	pthread_rwlock_destroy(&h->zk_lock);
	free(h);
}

fjord_t *fjord_new(fjord_type_t type, fjord_conf_t *conf, char *errstr, size_t errstr_size)
{
	static const char *const type_names[] = { "producer", "consumer", "admin" };
	fjord_t *h = NULL;
	const fj_conf_values_t *v;
	struct timeval tick = { 0, HANDLE_TICK_MS * 1000 };

	fj_errstr(errstr, errstr_size, "%s", "");
	if (!conf || (type != FJORD_PRODUCER && type != FJORD_CONSUMER && type != FJORD_ADMIN)) {
		fj_errstr(errstr, errstr_size, "invalid handle type or NULL conf");
		return NULL;
	}
	v = &conf->v;
	if (conf_check_scope(conf, type, errstr, errstr_size) < 0 ||
	    conf_check_security(conf, errstr, errstr_size) < 0 ||
	    conf_check_idempotence(conf, type, errstr, errstr_size) < 0)
		return NULL;
	if ((!v->bootstrap_servers || !*v->bootstrap_servers) &&
	    (!v->zookeeper_connect || !*v->zookeeper_connect)) {
		fj_errstr(errstr, errstr_size,
		          "neither bootstrap.servers nor zookeeper.connect is set: "
		          "set one of them to reach the cluster");
		return NULL;
	}
	pthread_once(&handle_evthread_once, handle_evthread_init);
	h = calloc(1, sizeof(*h));
	if (!h) {
		fj_errstr(errstr, errstr_size, "out of memory");
		return NULL;
	}
	h->type = type;
	h->conf = conf;
	h->cv_conf = v;
	h->log_target.sink = handle_log_sink;
	h->log_target.opaque = h;
	h->log_target.level = (v->debug_mask & FJ_DBG_METADATA) ? FJ_LOG_DEBUG : v->log_level;
	snprintf(h->name, sizeof(h->name), "%s#%s-%d", v->client_id ? v->client_id : "fjord",
	         type_names[type], atomic_fetch_add(&handle_seq, 1) + 1);
	TAILQ_INIT(&h->ops);
	TAILQ_INIT(&h->conns);
	pthread_mutex_init(&h->op_lock, NULL);
	pthread_mutex_init(&h->md_lock, NULL);
	pthread_rwlock_init(&h->zk_lock, NULL);
	if (cbq_init(&h->cbq) < 0)
		goto nomem;
	h->base = event_base_new();
	if (!h->base)
		goto nomem;
	h->wake_ev = event_new(h->base, -1, EV_READ, handle_on_wake, h);
	h->tick_ev = event_new(h->base, -1, EV_PERSIST, handle_on_tick, h);
	if (!h->wake_ev || !h->tick_ev)
		goto nomem;
	event_add(h->tick_ev, &tick);
	if (bconn_tls_init(h, errstr, errstr_size) < 0)
		goto fail;
	if (type == FJORD_PRODUCER && producer_init(h) < 0)
		goto nomem;
	if (type == FJORD_CONSUMER && consumer_init(h) < 0)
		goto nomem;
	if (metadata_init(h, errstr, errstr_size) < 0)
		goto fail;
	if (v->callback_mode == CB_MODE_BACKGROUND && cbq_start_thread(h) < 0)
		goto nomem;
	if (pthread_create(&h->io_thr, NULL, handle_io_main, h) != 0)
		goto nomem;
	h->io_started = 1;
	if (v->group_id && type == FJORD_CONSUMER && cgrp_start(h, errstr, errstr_size) < 0) {
		handle_stop_io(h);
		goto fail;
	}
	handle_log(h, FJ_LOG_DEBUG, "GENERIC", "handle created (%s, callback.mode %s)",
	           type_names[type],
	           v->callback_mode == CB_MODE_BACKGROUND ? "background" : "poll");
	return h;
nomem:
	fj_errstr(errstr, errstr_size, "out of memory or thread creation failed");
fail:
	/* The caller keeps conf on failure: handle_free never frees it. */
	cbq_stop_thread(h);
	handle_free(h);
	return NULL;
}

fjord_err_t fjord_close(fjord_t *fj, int timeout_ms, size_t *undeliveredp)
{
	size_t undelivered = 0;
	if (!fj)
		return FJORD_ERR__INVALID_ARG;
	if (atomic_exchange(&fj->closed, 1)) {
		if (undeliveredp)
			*undeliveredp = 0;
		return FJORD_ERR_NO_ERROR;
	}
	if (fj->p && timeout_ms > 0)
		fjord_flush(fj, timeout_ms);
	if (fj->cg)
		cgrp_close(fj, timeout_ms); /* leave the group while fetches can still stop */
	handle_stop_io(fj);
	/* The I/O thread is gone: fail what arrived after its purge. */
	if (fj->p && fj->destroyed != -1)
		producer_purge(fj, FJORD_ERR__DESTROY);
	/* Serve every remaining callback before returning. */
	if (fj->cv_conf->callback_mode == CB_MODE_BACKGROUND)
		cbq_stop_thread(fj);
	while (cbq_serve(fj, 0) > 0)
		;
	if (fj->p)
		undelivered = producer_purged(fj);
	if (undeliveredp)
		*undeliveredp = undelivered;
	if (fj->p && undelivered)
		handle_log(fj, FJ_LOG_WARNING, "CLOSE", "%zu record(s) not delivered", undelivered);
	return FJORD_ERR_NO_ERROR;
}

void fjord_destroy(fjord_t *fj)
{
	fjord_conf_t *conf;
	if (!fj)
		return;
	fjord_close(fj, 0, NULL);
	conf = fj->conf;
	handle_free(fj);
	fjord_conf_destroy(conf);
}

const char *fjord_name(const fjord_t *fj)
{
	return fj ? fj->name : "";
}

void *fjord_opaque(const fjord_t *fj)
{
	return fj ? fj->conf->opaque : NULL;
}

int fjord_poll(fjord_t *fj, int timeout_ms)
{
	if (!fj || fj->cv_conf->callback_mode != CB_MODE_POLL)
		return 0;
	return cbq_serve(fj, timeout_ms);
}
