/*
 * producer_ids.c — the broker's block of producer ids and the queue of
 * InitProducerId requests waiting for one (see producer_ids.h).
 *
 * Threads: everything on the loop thread except pids_fetch_run (zkb worker:
 * it touches only its job) and pids_fetch_done (zkb worker or the thread
 * calling zkb_stop: loop_post only).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/broker.h"
#include "broker/producer_ids.h"
#include "common/flog.h"
#include "common/pid_block.h"

typedef struct pids_waiter {
	struct pids_waiter *prev, *next;
	producer_ids_t *p;
	conn_slot_t *slot;
} pids_waiter_t;

/* One block fetch: filled on the zkb worker, read on the loop. */
typedef struct pids_fetch {
	producer_ids_t *p;
	int32_t broker_id;
	int64_t size;
	int zrc;
	pid_block_t blk;
	char errstr[256];
} pids_fetch_t;

void pids_init(producer_ids_t *p, broker_t *b)
{
	memset(p, 0, sizeof(*p));
	p->b = b;
	p->next = 0;
	p->end = -1; /* no id */
}

static void pids_unlink(producer_ids_t *p, pids_waiter_t *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		p->wait_head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		p->wait_tail = w->prev;
	w->prev = w->next = NULL;
}

void pids_free(producer_ids_t *p)
{
	while (p->wait_head) {
		pids_waiter_t *w = p->wait_head;
		pids_unlink(p, w);
		if (w->slot) {
			w->slot->cancel = NULL;
			w->slot->cancel_arg = NULL;
		}
		free(w);
	}
}

int pids_respond(conn_slot_t *slot, Fjord__ErrorCode err, const char *msg, int64_t pid,
                 int32_t epoch)
{
	Fjord__Response resp = FJORD__RESPONSE__INIT;
	Fjord__InitProducerIdResponse ir = FJORD__INIT_PRODUCER_ID_RESPONSE__INIT;

	ir.error = err;
	ir.error_message = (char *)(err != FJORD__ERROR_CODE__NONE && msg ? msg : "");
	ir.producer_id = err == FJORD__ERROR_CODE__NONE ? pid : -1;
	ir.producer_epoch = err == FJORD__ERROR_CODE__NONE ? epoch : -1;
	resp.body_case = FJORD__RESPONSE__BODY_INIT_PRODUCER_ID;
	resp.init_producer_id = &ir;
	return conn_slot_respond(slot, &resp, NULL);
}

/* The next free id, moving to the spare block when the current one is
 * used up; -1 when there is none. */
static int64_t pids_take(producer_ids_t *p)
{
	if (p->next > p->end && p->have_spare) {
		p->next = p->spare_start;
		p->end = p->spare_end;
		p->have_spare = 0;
	}
	if (p->next > p->end)
		return -1;
	return p->next++;
}

/* zkb_call_fn: the conditional write of the next block. zkb worker. */
static int pids_fetch_run(zhandle_t *zh, void *arg)
{
	pids_fetch_t *f = arg;

	return pid_block_allocate(zh, f->broker_id, f->size, &f->blk, f->errstr, sizeof(f->errstr));
}

static void pids_fetch_apply(void *arg);
static int pids_fetch_start(producer_ids_t *p);

/* Answers every waiter with err. Loop thread. */
static void pids_fail_waiters(producer_ids_t *p, const char *msg)
{
	while (p->wait_head) {
		pids_waiter_t *w = p->wait_head;
		pids_unlink(p, w);
		if (w->slot) {
			w->slot->cancel = NULL;
			w->slot->cancel_arg = NULL;
			pids_respond(w->slot, FJORD__ERROR_CODE__UNKNOWN_SERVER_ERROR, msg, -1, -1);
		}
		free(w);
	}
}

/* Hands free ids to waiters in order; fetches again when some are left
 * waiting. Loop thread. */
static void pids_serve_waiters(producer_ids_t *p)
{
	while (p->wait_head) {
		pids_waiter_t *w = p->wait_head;
		int64_t id;

		if (!w->slot) { /* not reached: cancelled waiters leave the queue */
			pids_unlink(p, w);
			free(w);
			continue;
		}
		if ((id = pids_take(p)) < 0)
			break;
		pids_unlink(p, w);
		w->slot->cancel = NULL;
		w->slot->cancel_arg = NULL;
		pids_respond(w->slot, FJORD__ERROR_CODE__NONE, NULL, id, 0);
		free(w);
	}
	if (p->wait_head && !p->fetching && pids_fetch_start(p) < 0)
		pids_fail_waiters(p, "the broker has no ZooKeeper session (starting or stopping), "
		                     "or is out of memory");
}

/* Loop thread: the fetched block (or why there is none). */
static void pids_fetch_apply(void *arg)
{
	pids_fetch_t *f = arg;
	producer_ids_t *p = f->p;
	char msg[320];

	p->fetching = 0;
	if (f->zrc != ZOK) {
		snprintf(msg, sizeof(msg), "cannot take a block of producer ids from ZooKeeper: %s",
		         f->errstr[0] ? f->errstr : zkutil_err2str(f->zrc));
		flog(LOG_WARNING, "pid", "%s", msg);
		pids_fail_waiters(p, msg);
		free(f);
		return;
	}
	p->blocks++;
	flog(LOG_INFO, "pid", "took producer ids %" PRId64 "..%" PRId64 " from ZooKeeper",
	     f->blk.block_start, f->blk.block_end);
	if (p->next > p->end) {
		p->next = f->blk.block_start;
		p->end = f->blk.block_end;
	} else {
		p->have_spare = 1;
		p->spare_start = f->blk.block_start;
		p->spare_end = f->blk.block_end;
	}
	free(f);
	pids_serve_waiters(p);
}

/* zkb_done_fn: back to the loop. zkb worker (or zkb_stop's thread). */
static void pids_fetch_done(int zrc, int32_t new_version, void *arg)
{
	pids_fetch_t *f = arg;

	(void)new_version;
	f->zrc = zrc;
	if (loop_post(f->p->b->loop, pids_fetch_apply, f) == 0)
		return;
	/* A hand-off that carries state (docs/conventions.md): the block is
	 * written in ZooKeeper, and dropping it would leave the broker with
	 * "fetching" set for ever. */
	flog(LOG_CRIT, "pid", "out of memory handing a producer id block to the loop");
	abort();
}

/* Submits a fetch; 0, or -1 (no session object, out of memory). */
static int pids_fetch_start(producer_ids_t *p)
{
	pids_fetch_t *f;

	if (!p->b->zkb || p->b->shutting_down)
		return -1;
	if (!(f = calloc(1, sizeof(*f))))
		return -1;
	f->p = p;
	f->broker_id = p->b->conf.broker_id;
	f->size = p->b->conf.producer_id_block_size;
	if (zkb_submit_call(p->b->zkb, pids_fetch_run, pids_fetch_done, f) != 0) {
		free(f);
		return -1;
	}
	p->fetching = 1;
	return 0;
}

/* Fetches the next block ahead when 90% of this one is handed out. */
static void pids_maybe_prefetch(producer_ids_t *p)
{
	int64_t left = p->end - p->next + 1;

	if (p->fetching || p->have_spare || left * 10 > (int64_t)p->b->conf.producer_id_block_size)
		return;
	/* A failure here is not a client's: the next request tries again. */
	if (pids_fetch_start(p) < 0)
		flog(LOG_DEBUG, "pid", "cannot fetch the next producer id block ahead now");
}

/* The connection went away while its request waited. Loop thread. */
static void pids_cancel(void *arg)
{
	pids_waiter_t *w = arg;

	pids_unlink(w->p, w);
	free(w);
}

int pids_new_id(producer_ids_t *p, conn_slot_t *slot)
{
	pids_waiter_t *w;
	int64_t id;

	/* Earlier requests first: an id is only free when nobody waits. */
	if (!p->wait_head && (id = pids_take(p)) >= 0) {
		pids_maybe_prefetch(p);
		return pids_respond(slot, FJORD__ERROR_CODE__NONE, NULL, id, 0);
	}
	if (!p->fetching && pids_fetch_start(p) < 0)
		return pids_respond(
		    slot, FJORD__ERROR_CODE__UNKNOWN_SERVER_ERROR,
		    "the broker has no ZooKeeper session (starting or stopping), or "
		    "is out of memory",
		    -1, -1);
	if (!(w = calloc(1, sizeof(*w))))
		return pids_respond(slot, FJORD__ERROR_CODE__UNKNOWN_SERVER_ERROR, "out of memory",
		                    -1, -1);
	w->p = p;
	w->slot = slot;
	w->prev = p->wait_tail;
	if (p->wait_tail)
		p->wait_tail->next = w;
	else
		p->wait_head = w;
	p->wait_tail = w;
	slot->cancel = pids_cancel;
	slot->cancel_arg = w;
	return 0;
}
