/*
 * loop.c — the event loop's work queue (see loop.h).
 *
 * A singly linked FIFO under a mutex plus one persistent libevent event
 * that loop_post() activates with event_active(). libevent is made
 * thread-aware with evthread_use_pthreads() so event_active() from another
 * thread wakes the loop safely. The loop thread swaps the whole queue out
 * under the lock and runs the jobs without holding it, so a job may post
 * again without deadlock.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#include <event2/thread.h>

#include "broker/loop.h"

typedef struct loop_job {
	struct loop_job *next;
	loop_fn *fn;
	void *arg;
} loop_job_t;

struct loop {
	struct event_base *base;
	struct event *wake;
	pthread_mutex_t lock;
	loop_job_t *head, *tail;
	int stopping;
};

static pthread_once_t loop_threads_once = PTHREAD_ONCE_INIT;
static int loop_threads_rc;

static void loop_threads_init(void)
{
	loop_threads_rc = evthread_use_pthreads();
}

static void loop_drain(loop_t *loop)
{
	loop_job_t *job;

	pthread_mutex_lock(&loop->lock);
	job = loop->head;
	loop->head = loop->tail = NULL;
	pthread_mutex_unlock(&loop->lock);
	while (job) {
		loop_job_t *next = job->next;
		job->fn(job->arg);
		free(job);
		job = next;
	}
}

static void loop_on_wake(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	loop_drain(arg);
}

loop_t *loop_new(void)
{
	loop_t *loop;

	pthread_once(&loop_threads_once, loop_threads_init);
	if (loop_threads_rc != 0)
		return NULL;
	loop = calloc(1, sizeof(*loop));
	if (!loop)
		return NULL;
	pthread_mutex_init(&loop->lock, NULL);
	loop->base = event_base_new();
	if (!loop->base)
		goto fail;
	loop->wake = event_new(loop->base, -1, EV_PERSIST, loop_on_wake, loop);
	if (!loop->wake)
		goto fail;
	return loop;
fail:
	if (loop->base)
		event_base_free(loop->base);
	pthread_mutex_destroy(&loop->lock);
	free(loop);
	return NULL;
}

struct event_base *loop_base(loop_t *loop)
{
	return loop->base;
}

int loop_post(loop_t *loop, loop_fn *fn, void *arg)
{
	loop_job_t *job = malloc(sizeof(*job));

	if (!job)
		return -1;
	job->next = NULL;
	job->fn = fn;
	job->arg = arg;
	pthread_mutex_lock(&loop->lock);
	if (loop->tail)
		loop->tail->next = job;
	else
		loop->head = job;
	loop->tail = job;
	pthread_mutex_unlock(&loop->lock);
	/* event_active on a non-pending event is fine and thread-safe with
	 * evthread enabled; several posts coalesce into one wake-up. */
	event_active(loop->wake, EV_READ, 0);
	return 0;
}

int loop_run(loop_t *loop)
{
	return event_base_loop(loop->base, 0);
}

void loop_break(loop_t *loop)
{
	event_base_loopbreak(loop->base);
}

int loop_stopping(const loop_t *loop)
{
	return loop->stopping;
}

void loop_free(loop_t *loop)
{
	if (!loop)
		return;
	loop->stopping = 1;
	loop_drain(loop);
	event_free(loop->wake);
	event_base_free(loop->base);
	pthread_mutex_destroy(&loop->lock);
	free(loop);
}
