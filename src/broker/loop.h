/*
 * loop.h — the broker's event loop and its one cross-thread hand-off.
 *
 * fjordd runs one libevent loop thread that owns every connection and all
 * partition state. Other threads (ZooKeeper callbacks, the bg thread, signal
 * delivery) never touch that state: they call loop_post(), which appends a
 * job to a mutex-protected queue and activates one libevent event; the loop
 * thread then runs the queued jobs in FIFO order.
 *
 * Thread safety: loop_post() may be called from any thread, including the
 * loop thread itself. Everything else is loop-thread only.
 * Ownership: the loop does not own `arg`; the job function does (it must
 * free what it was given). Jobs still queued when loop_free() runs are
 * called with the loop marked as stopping (loop_stopping() returns 1) so
 * they can release their argument.
 */
#ifndef FJORD_BROKER_LOOP_H
#define FJORD_BROKER_LOOP_H

#include <event2/event.h>

typedef struct loop loop_t;
typedef void(loop_fn)(void *arg);

/* Calls evthread_use_pthreads() (once), creates the event base. NULL on
 * failure. */
loop_t *loop_new(void);
struct event_base *loop_base(loop_t *loop);
/* Queues fn(arg) to run on the loop thread. Returns 0 or -1 (out of
 * memory; fn is then not called and arg stays the caller's). */
int loop_post(loop_t *loop, loop_fn *fn, void *arg);
/* Runs the loop until loop_break(). */
int loop_run(loop_t *loop);
/* Asks the loop to return (any thread). */
void loop_break(loop_t *loop);
int loop_stopping(const loop_t *loop);
/* Runs pending jobs, frees the base. Loop thread, after loop_run returned. */
void loop_free(loop_t *loop);

#endif /* FJORD_BROKER_LOOP_H */
