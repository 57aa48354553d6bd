/*
 * cbq.c — the callback queue: delivery reports, error and log callbacks.
 *
 * What: the I/O thread (and sometimes app threads) push items; they are
 * served, in order, by the handle's callback thread (callback.mode=
 * background, the default) or by fjord_poll() in the app's thread
 * (callback.mode=poll). Application callbacks therefore never run on the I/O
 * thread, and a slow callback never stalls the network.
 * Guarantees: every pushed delivery report is served exactly once, before
 * fjord_close() returns (close drains the queue). No lock is held while an
 * application callback runs.
 * Ownership: an item is freed once served. Delivery reports are CBQ_CALL
 * items of the producer's (producer_dr_push): the queue knows nothing of
 * records, it runs the producer's function on the callback thread.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/client_int.h"
#include "common/bytes.h"
#include "common/deadline.h"

enum { CBQ_ERROR = 2, CBQ_LOG = 3, CBQ_CALL = 4 };

struct cbq_item {
	STAILQ_ENTRY(cbq_item) link;
	int type;
	void (*fn)(fjord_t *h, void *arg); /* CBQ_CALL */
	void *arg;
	fjord_err_t err;
	int level;
	char fac[16];
	char buf[];
};

int cbq_init(cbq_t *q)
{
	STAILQ_INIT(&q->items);
	q->stop = 0;
	q->busy = 0;
	if (pthread_mutex_init(&q->lock, NULL))
		return -1;
	if (deadline_cond_init(&q->cond)) {
		pthread_mutex_destroy(&q->lock);
		return -1;
	}
	return 0;
}

static void cbq_push(fjord_t *h, cbq_item_t *it)
{
	cbq_t *q = &h->cbq;
	pthread_mutex_lock(&q->lock);
	STAILQ_INSERT_TAIL(&q->items, it, link);
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

void cbq_push_error(fjord_t *h, fjord_err_t err, const char *reason)
{
	size_t len = strlen(reason);
	cbq_item_t *it;
	handle_log(h, FJ_LOG_ERR, "ERROR", "%s: %s", fjord_err2name(err), reason);
	if (!h->conf->error_cb)
		return;
	it = calloc(1, sizeof(*it) + len + 1);
	if (!it)
		return;
	it->type = CBQ_ERROR;
	it->err = err;
	memcpy(it->buf, reason, len + 1);
	cbq_push(h, it);
}

void cbq_push_log(fjord_t *h, int level, const char *fac, const char *buf)
{
	size_t len = strlen(buf);
	cbq_item_t *it = calloc(1, sizeof(*it) + len + 1);
	if (!it)
		return;
	it->type = CBQ_LOG;
	it->level = level;
	snprintf(it->fac, sizeof(it->fac), "%s", fac);
	memcpy(it->buf, buf, len + 1);
	cbq_push(h, it);
}

int cbq_push_call(fjord_t *h, void (*fn)(fjord_t *h, void *arg), void *arg)
{
	cbq_item_t *it = calloc(1, sizeof(*it));
	if (!it)
		return -1;
	it->type = CBQ_CALL;
	it->fn = fn;
	it->arg = arg;
	cbq_push(h, it);
	return 0;
}

static void cbq_item_serve(fjord_t *h, cbq_item_t *it)
{
	fjord_conf_t *conf = h->conf;
	switch (it->type) {
	case CBQ_ERROR:
		if (conf->error_cb)
			conf->error_cb(h, it->err, it->buf, conf->opaque);
		break;
	case CBQ_LOG:
		if (conf->log_cb)
			conf->log_cb(h, it->level, it->fac, it->buf);
		break;
	case CBQ_CALL:
		it->fn(h, it->arg);
		break;
	}
	free(it);
}

int cbq_serve(fjord_t *h, int timeout_ms)
{
	cbq_t *q = &h->cbq;
	struct timespec ts;
	int served = 0;
	deadline_after_ms(&ts, timeout_ms);
	pthread_mutex_lock(&q->lock);
	for (;;) {
		cbq_item_t *it = STAILQ_FIRST(&q->items);
		if (!it) {
			if (served || q->stop || timeout_ms <= 0)
				break;
			if (pthread_cond_timedwait(&q->cond, &q->lock, &ts) != 0)
				break;
			continue;
		}
		STAILQ_REMOVE_HEAD(&q->items, link);
		q->busy = 1;
		pthread_mutex_unlock(&q->lock);
		cbq_item_serve(h, it);
		served++;
		pthread_mutex_lock(&q->lock);
		q->busy = 0;
		pthread_cond_broadcast(&q->cond);
	}
	pthread_mutex_unlock(&q->lock);
	return served;
}

static void *cbq_thread_main(void *arg)
{
	fjord_t *h = arg;
	cbq_t *q = &h->cbq;
	pthread_mutex_lock(&q->lock);
	for (;;) {
		cbq_item_t *it = STAILQ_FIRST(&q->items);
		if (!it) {
			if (q->stop)
				break;
			pthread_cond_wait(&q->cond, &q->lock);
			continue;
		}
		STAILQ_REMOVE_HEAD(&q->items, link);
		q->busy = 1;
		pthread_mutex_unlock(&q->lock);
		cbq_item_serve(h, it);
		pthread_mutex_lock(&q->lock);
		q->busy = 0;
		pthread_cond_broadcast(&q->cond);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

int cbq_start_thread(fjord_t *h)
{
	if (pthread_create(&h->cb_thr, NULL, cbq_thread_main, h))
		return -1;
	h->cb_started = 1;
	return 0;
}

/* Stops the callback thread once the queue is empty (it drains first). */
void cbq_stop_thread(fjord_t *h)
{
	if (!h->cb_started)
		return;
	pthread_mutex_lock(&h->cbq.lock);
	h->cbq.stop = 1;
	pthread_cond_broadcast(&h->cbq.cond);
	pthread_mutex_unlock(&h->cbq.lock);
	pthread_join(h->cb_thr, NULL);
	h->cb_started = 0;
}

int cbq_wait_empty(fjord_t *h, int timeout_ms)
{
	cbq_t *q = &h->cbq;
	struct timespec ts;
	int ok = 1;
	deadline_after_ms(&ts, timeout_ms);
	pthread_mutex_lock(&q->lock);
	while (!STAILQ_EMPTY(&q->items) || q->busy) {
		if (pthread_cond_timedwait(&q->cond, &q->lock, &ts) != 0) {
			ok = 0;
			break;
		}
	}
	pthread_mutex_unlock(&q->lock);
	return ok;
}

/* Serves what is left (without callbacks' owners gone) and frees it. */
void cbq_destroy(fjord_t *h, cbq_t *q)
{
	cbq_item_t *it;
	while ((it = STAILQ_FIRST(&q->items))) {
		STAILQ_REMOVE_HEAD(&q->items, link);
		cbq_item_serve(h, it);
	}
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
}
