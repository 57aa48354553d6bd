/*
 * bg.c — the background job thread (see bg.h).
 *
 * Thread: bg_start/bg_submit/bg_stop run on the loop thread; bg_main runs
 * the jobs on its own thread. The only shared state is the queue, guarded
 * by `lock`; completion goes back through loop_post(), the one hand-off
 * into the loop.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker/bg.h"
#include "storage/storage.h"

typedef struct bg_job {
	struct bg_job *next;
	bg_work_fn *work;
	bg_done_fn *done;
	void *arg;
	int rc;
} bg_job_t;

struct bg {
	loop_t *loop;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bg_job_t *head, *tail;
	int pending;
	int stop;
};

static void bg_job_done(void *p)
{
	bg_job_t *job = p;

	job->done(job->arg, job->rc);
	free(job);
}

static void *bg_main(void *p)
{
	bg_t *bg = p;

	pthread_mutex_lock(&bg->lock);
	for (;;) {
		bg_job_t *job;

		while (!bg->head && !bg->stop)
			pthread_cond_wait(&bg->cond, &bg->lock);
		job = bg->head;
		if (!job)
			break; /* stop requested and queue empty */
		bg->head = job->next;
		if (!bg->head)
			bg->tail = NULL;
		pthread_mutex_unlock(&bg->lock);

		job->rc = job->work(job->arg);
		if (!job->done || loop_post(bg->loop, bg_job_done, job) != 0)
			free(job);

		pthread_mutex_lock(&bg->lock);
		bg->pending--;
	}
	pthread_mutex_unlock(&bg->lock);
	return NULL;
}

bg_t *bg_start(loop_t *loop)
{
	bg_t *bg = calloc(1, sizeof(*bg));

	if (!bg)
		return NULL;
	bg->loop = loop;
	pthread_mutex_init(&bg->lock, NULL);
	pthread_cond_init(&bg->cond, NULL);
	if (pthread_create(&bg->thread, NULL, bg_main, bg) != 0) {
		pthread_cond_destroy(&bg->cond);
		pthread_mutex_destroy(&bg->lock);
		free(bg);
		return NULL;
	}
	return bg;
}

int bg_submit(bg_t *bg, bg_work_fn *work, bg_done_fn *done, void *arg)
{
	bg_job_t *job = calloc(1, sizeof(*job));
	int rc = -1;

	if (!job)
		return -1;
	job->work = work;
	job->done = done;
	job->arg = arg;
	pthread_mutex_lock(&bg->lock);
	if (!bg->stop) {
		if (bg->tail)
			bg->tail->next = job;
		else
			bg->head = job;
		bg->tail = job;
		bg->pending++;
		pthread_cond_signal(&bg->cond);
		rc = 0;
	}
	pthread_mutex_unlock(&bg->lock);
	if (rc != 0)
		free(job);
	return rc;
}

typedef struct bg_fsync_job {
	int fd;
	bg_done_fn *done;
	void *arg;
} bg_fsync_job_t;

static int bg_fsync_work(void *p)
{
	bg_fsync_job_t *fj = p;
	int rc = 0;

	if (fsync(fj->fd) != 0)
		rc = -errno;
	close(fj->fd);
	return rc;
}

static void bg_fsync_done(void *p, int rc)
{
	bg_fsync_job_t *fj = p;

	if (fj->done)
		fj->done(fj->arg, rc);
	free(fj);
}

int bg_fsync(bg_t *bg, int fd, bg_done_fn *done, void *arg)
{
	bg_fsync_job_t *fj = malloc(sizeof(*fj));

	if (!fj) {
		close(fd);
		return -1;
	}
	fj->fd = fd;
	fj->done = done;
	fj->arg = arg;
	if (bg_submit(bg, bg_fsync_work, bg_fsync_done, fj) != 0) {
		close(fd);
		free(fj);
		return -1;
	}
	return 0;
}

typedef struct bg_rm_job {
	char *path;
	bg_done_fn *done;
	void *arg;
} bg_rm_job_t;

static int bg_rm_work(void *p)
{
	bg_rm_job_t *rj = p;

	return storage_remove_path(rj->path);
}

static void bg_rm_done(void *p, int rc)
{
	bg_rm_job_t *rj = p;

	if (rj->done)
		rj->done(rj->arg, rc);
	free(rj->path);
	free(rj);
}

int bg_remove_tree(bg_t *bg, const char *path, bg_done_fn *done, void *arg)
{
	bg_rm_job_t *rj = calloc(1, sizeof(*rj));

	if (!rj)
		return -1;
	rj->path = strdup(path);
	rj->done = done;
	rj->arg = arg;
	if (!rj->path || bg_submit(bg, bg_rm_work, bg_rm_done, rj) != 0) {
		free(rj->path);
		free(rj);
		return -1;
	}
	return 0;
}

int bg_pending(bg_t *bg)
{
	int n;

	pthread_mutex_lock(&bg->lock);
	n = bg->pending;
	pthread_mutex_unlock(&bg->lock);
	return n;
}

void bg_stop(bg_t *bg)
{
	if (!bg)
		return;
	pthread_mutex_lock(&bg->lock);
	bg->stop = 1;
	pthread_cond_signal(&bg->cond);
	pthread_mutex_unlock(&bg->lock);
	pthread_join(bg->thread, NULL);
	pthread_cond_destroy(&bg->cond);
	pthread_mutex_destroy(&bg->lock);
	free(bg);
}
