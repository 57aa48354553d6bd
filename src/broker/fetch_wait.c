/*
 * fetch_wait.c — parked long-poll fetches (see fetch_wait.h).
 *
 * The request is copied by packing and unpacking it with protobuf-c, so
 * the copy shares nothing with the frame it came from. Waits are kept in a
 * doubly linked list on the broker; a notify scans it (parked fetches are
 * one per consumer connection at most, so the list stays small).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "broker/broker.h"
#include "broker/fetch_wait.h"
#include "broker/replication/partition.h"

static void fetch_wait_unlink(fetch_wait_t *w)
{
	broker_t *b = w->b;

	if (w->prev)
		w->prev->next = w->next;
	else
		b->waits = w->next;
	if (w->next)
		w->next->prev = w->prev;
	w->prev = w->next = NULL;
}

static void fetch_wait_free(fetch_wait_t *w)
{
	if (w->timer)
		event_free(w->timer);
	if (w->req)
		fjord__fetch_request__free_unpacked(w->req, NULL);
	free(w);
}

/* Runs the try function; frees the wait when it answered. */
static void fetch_wait_try(fetch_wait_t *w, int expired)
{
	if (w->try_fn(w->b, w->slot, w->req, expired)) {
		fetch_wait_unlink(w);
		fetch_wait_free(w);
	}
}

static void fetch_wait_on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	fetch_wait_try(arg, 1);
}

/* Slot cancel hook: the connection is being freed. */
static void fetch_wait_cancel(void *arg)
{
	fetch_wait_t *w = arg;

	fetch_wait_unlink(w);
	fetch_wait_free(w);
}

static Fjord__FetchRequest *fetch_wait_copy_req(const Fjord__FetchRequest *req)
{
	size_t len = fjord__fetch_request__get_packed_size(req);
	uint8_t *buf = malloc(len ? len : 1);
	Fjord__FetchRequest *copy;

	if (!buf)
		return NULL;
	fjord__fetch_request__pack(req, buf);
	copy = fjord__fetch_request__unpack(NULL, len, buf);
	free(buf);
	return copy;
}

int fetch_wait_park(broker_t *b, conn_slot_t *slot, const Fjord__FetchRequest *req, int max_wait_ms,
                    fetch_wait_try_fn *try_fn)
{
	fetch_wait_t *w = calloc(1, sizeof(*w));
	struct timeval tv;

	if (!w)
		return -1;
	w->b = b;
	w->slot = slot;
	w->try_fn = try_fn;
	w->req = fetch_wait_copy_req(req);
	w->timer = evtimer_new(loop_base(b->loop), fetch_wait_on_timer, w);
	if (!w->req || !w->timer) {
		fetch_wait_free(w);
		return -1;
	}
	tv.tv_sec = max_wait_ms / 1000;
	tv.tv_usec = (max_wait_ms % 1000) * 1000;
	evtimer_add(w->timer, &tv);
	slot->cancel = fetch_wait_cancel;
	slot->cancel_arg = w;
	w->next = b->waits;
	if (b->waits)
		b->waits->prev = w;
	b->waits = w;
	return 0;
}

static int fetch_wait_names(const fetch_wait_t *w, const partition_t *p)
{
	size_t i, j;

	for (i = 0; i < w->req->n_topics; i++) {
		const Fjord__FetchTopic *ft = w->req->topics[i];
		if (strcmp(ft->topic, p->topic) != 0)
			continue;
		for (j = 0; j < ft->n_partitions; j++)
			if (ft->partitions[j]->partition == p->id)
				return 1;
	}
	return 0;
}

void fetch_wait_notify(broker_t *b, const partition_t *p)
{
	fetch_wait_t *w = b->waits, *next;

	for (; w; w = next) {
		next = w->next;
		if (fetch_wait_names(w, p))
			fetch_wait_try(w, 0);
	}
}

void fetch_wait_expire_all(broker_t *b)
{
	while (b->waits)
		fetch_wait_try(b->waits, 1);
}

int fetch_wait_count(const broker_t *b)
{
	const fetch_wait_t *w;
	int n = 0;

	for (w = b->waits; w; w = w->next)
		n++;
	return n;
}
