/*
 * cleaner.c — the log cleaner threads and their hand-off with the loop
 * (see cleaner.h; the pass itself is storage/log_cleaner.c).
 *
 * Thread: pool functions on the loop thread; cleaner_main on the pool's
 * threads. Shared: the task queue (lock, cond) and the throttle. Results
 * come back through loop_post(), the one way into the loop.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "broker/cleaner.h"
#include "common/bytes.h"
#include "common/flog.h"
#include "storage/storage.h"

typedef struct cleaner_task {
	struct cleaner_task *next;
	cleaner_pool_t *pool;
	cleaner_job_t job;
	cleaner_result_t res;
	int rc;
	char errstr[512];
} cleaner_task_t;

struct cleaner_pool {
	loop_t *loop;
	struct logmgr *lm;
	int thread_cnt;
	pthread_t *threads;
	size_t map_bytes;
	cleaner_throttle_t throttle;
	int64_t backoff_ms;
	int64_t next_ms;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	cleaner_task_t *head, *tail; /* queued, not yet taken */
	int stop;
	int stopped;   /* cleaner_pool_stop ran: the last completion frees */
	int in_flight; /* tasks queued or running or posted (loop thread's count) */
	cleaner_pool_stats_t stats;
};

static void cleaner_pool_free(cleaner_pool_t *cp)
{
	free(cp->threads);
	cleaner_throttle_destroy(&cp->throttle);
	pthread_mutex_destroy(&cp->lock);
	pthread_cond_destroy(&cp->cond);
	free(cp);
}

/* Completion, on the loop thread. */
static void cleaner_done(void *arg)
{
	cleaner_task_t *t = arg;
	cleaner_pool_t *cp = t->pool;
	cleaner_job_t *job = &t->job;

	cp->in_flight--;
	/* After cleaner_pool_stop every log let go of its pass (and logmgr may
	 * be closed): the result's files are removed, nothing installed. */
	plog_t *plog = loop_stopping(cp->loop) || cp->stopped
	                   ? NULL
	                   : logmgr_get(cp->lm, job->topic, job->partition);
	if (t->rc < 0) {
		if (t->rc != -ECANCELED) {
			cp->stats.failures++;
			flog(LOG_ERR, "cleaner", "%s-%d: compaction failed: %s", job->topic,
			     job->partition, t->errstr);
		}
		if (plog)
			plog_cleaner_install(plog, job, &t->res); /* lets go of the token */
	} else if (!plog) {
		log_cleaner_discard(job, &t->res);
	} else {
		int r = plog_cleaner_install(plog, job, &t->res);
		if (r == 1) {
			const cleaner_stats_t *st = &t->res.stats;
			plog_cleaner_set_clean_point(plog, t->res.first_dirty);
			cp->stats.runs++;
			cp->stats.bytes_read += (uint64_t)st->bytes_read;
			cp->stats.bytes_written += (uint64_t)st->bytes_written;
			cp->stats.records_removed += (uint64_t)st->records_removed;
			cp->stats.tombstones_removed += (uint64_t)st->tombstones_removed;
			flog(LOG_INFO, "cleaner",
			     "%s-%d: compacted %zu segment group(s) up to offset %" PRId64
			     ": %" PRId64 " of %" PRId64 " records removed, %" PRId64
			     " bytes read, %" PRId64 " written",
			     job->topic, job->partition, t->res.group_cnt, t->res.first_dirty,
			     st->records_removed, st->records_read, st->bytes_read,
			     st->bytes_written);
		} else {
			cp->stats.runs_dropped++;
		}
	}
	cleaner_result_free(&t->res);
	cleaner_job_free(job);
	free(t);
	if (cp->stopped && cp->in_flight == 0)
		cleaner_pool_free(cp);
}

static void *cleaner_main(void *arg)
{
	cleaner_pool_t *cp = arg;
	cleaner_map_t map;
	int have_map = cleaner_map_init(&map, cp->map_bytes) == 0;

	pthread_mutex_lock(&cp->lock);
	for (;;) {
		while (!cp->head && !cp->stop)
			pthread_cond_wait(&cp->cond, &cp->lock);
		cleaner_task_t *t = cp->head;
		if (!t)
			break;
		cp->head = t->next;
		if (!cp->head)
			cp->tail = NULL;
		pthread_mutex_unlock(&cp->lock);
		if (cp->stop) {
			t->rc = -ECANCELED;
		} else if (!have_map) {
			t->rc = -ENOMEM;
			snprintf(t->errstr, sizeof(t->errstr),
			         "out of memory for the offset map (%zu bytes)", cp->map_bytes);
		} else {
			t->rc = log_cleaner_clean(&t->job, &map, &cp->throttle, &t->res, t->errstr,
			                          sizeof(t->errstr));
		}
		/* The loop must learn of every task (it holds the log's token):
		 * out of memory here is the broker's abort (docs/conventions.md,
		 * hand-offs that carry state). */
		if (loop_post(cp->loop, cleaner_done, t) < 0) {
			flog(LOG_CRIT, "cleaner", "out of memory handing a result to the loop");
			abort();
		}
		pthread_mutex_lock(&cp->lock);
	}
	pthread_mutex_unlock(&cp->lock);
	if (have_map)
		cleaner_map_free(&map);
	return NULL;
}

cleaner_pool_t *cleaner_pool_start(loop_t *loop, struct logmgr *lm, int threads,
                                   int64_t dedupe_buffer_bytes, double io_max_bytes_per_second,
                                   int64_t backoff_ms, char *errstr, size_t errstr_size)
{
	cleaner_pool_t *cp = calloc(1, sizeof(*cp));
	if (!cp || threads < 1) {
		snprintf(errstr, errstr_size, "out of memory");
		free(cp);
		return NULL;
	}
	cp->loop = loop;
	cp->lm = lm;
	cp->map_bytes = (size_t)(dedupe_buffer_bytes / threads);
	cp->backoff_ms = backoff_ms;
	cp->next_ms = fj_mono_ms() + backoff_ms;
	cleaner_throttle_init(&cp->throttle, io_max_bytes_per_second);
	pthread_mutex_init(&cp->lock, NULL);
	pthread_cond_init(&cp->cond, NULL);
	cp->threads = calloc((size_t)threads, sizeof(*cp->threads));
	if (!cp->threads) {
		snprintf(errstr, errstr_size, "out of memory");
		cleaner_pool_stop(cp);
		return NULL;
	}
	for (int i = 0; i < threads; i++) {
		int r = pthread_create(&cp->threads[i], NULL, cleaner_main, cp);
		if (r != 0) {
			snprintf(errstr, errstr_size, "cannot start a log cleaner thread: %s",
			         strerror(r));
			cleaner_pool_stop(cp);
			return NULL;
		}
		cp->thread_cnt++;
	}
	return cp;
}

/* A compacted log's candidate. */
typedef struct cleaner_pick {
	plog_t *plog;
	double ratio;
} cleaner_pick_t;

typedef struct cleaner_scan {
	cleaner_pick_t *picks;
	size_t cnt, cap;
	int64_t now;
} cleaner_scan_t;

static double cleaner_ratio(const plog_t *plog, int64_t now_ms, int *due)
{
	const log_config_t *cfg = plog_config(plog);
	int64_t cleanable = 0, dirty = 0, oldest = -1;
	*due = 0;
	if (!(cfg->cleanup_policy & LOG_CLEANUP_COMPACT))
		return 0;
	plog_cleaner_range(plog, now_ms, cfg->min_compaction_lag_ms, plog_cleaner_clean_point(plog),
	                   &cleanable, &dirty, &oldest);
	if (dirty == 0 || cleanable == 0)
		return 0;
	double ratio = (double)dirty / (double)cleanable;
	*due = ratio >= cfg->min_cleanable_dirty_ratio ||
	       (oldest >= 0 && cfg->max_compaction_lag_ms < INT64_MAX &&
	        now_ms - oldest > cfg->max_compaction_lag_ms);
	return ratio;
}

double cleaner_dirty_ratio(const plog_t *plog, int64_t now_ms)
{
	int due;
	return cleaner_ratio(plog, now_ms, &due);
}

static void cleaner_scan_one(plog_t *plog, void *arg)
{
	cleaner_scan_t *sc = arg;
	int due;
	double ratio = cleaner_ratio(plog, sc->now, &due);
	if (!due)
		return;
	if (sc->cnt == sc->cap) {
		size_t cap = sc->cap ? sc->cap * 2 : 16;
		cleaner_pick_t *n = realloc(sc->picks, cap * sizeof(*n));
		if (!n)
			return; /* the next round tries again */
		sc->picks = n;
		sc->cap = cap;
	}
	sc->picks[sc->cnt].plog = plog;
	sc->picks[sc->cnt].ratio = ratio;
	sc->cnt++;
}

static int cleaner_pick_cmp(const void *a, const void *b)
{
	double x = ((const cleaner_pick_t *)a)->ratio, y = ((const cleaner_pick_t *)b)->ratio;
	return (x < y) - (x > y); /* dirtiest first */
}

void cleaner_pool_cron(cleaner_pool_t *cp, int64_t mono_ms)
{
	if (!cp || mono_ms < cp->next_ms || cp->in_flight >= cp->thread_cnt)
		return;
	cp->next_ms = mono_ms + cp->backoff_ms;
	cleaner_scan_t sc = { .now = fj_now_ms() };
	logmgr_foreach(cp->lm, cleaner_scan_one, &sc);
	if (sc.cnt > 1)
		qsort(sc.picks, sc.cnt, sizeof(*sc.picks), cleaner_pick_cmp);
	for (size_t i = 0; i < sc.cnt && cp->in_flight < cp->thread_cnt; i++) {
		plog_t *plog = sc.picks[i].plog;
		const log_config_t *cfg = plog_config(plog);
		cleaner_task_t *t = calloc(1, sizeof(*t));
		if (!t)
			break;
		int r = plog_cleaner_job(plog, sc.now, cfg->min_compaction_lag_ms,
		                         plog_cleaner_clean_point(plog), cfg->delete_retention_ms,
		                         &t->job);
		if (r <= 0) {
			if (r < 0)
				flog(LOG_WARNING, "cleaner", "%s-%d: cannot start compaction: %s",
				     plog_topic(plog), plog_partition(plog), strerror(-r));
			free(t);
			continue;
		}
		t->pool = cp;
		cp->in_flight++;
		pthread_mutex_lock(&cp->lock);
		if (cp->tail)
			cp->tail->next = t;
		else
			cp->head = t;
		cp->tail = t;
		pthread_cond_signal(&cp->cond);
		pthread_mutex_unlock(&cp->lock);
	}
	free(sc.picks);
}

const cleaner_pool_stats_t *cleaner_pool_stats(const cleaner_pool_t *cp)
{
	static const cleaner_pool_stats_t none;
	return cp ? &cp->stats : &none;
}

static void cleaner_stop_one(plog_t *plog, void *arg)
{
	(void)arg;
	if (plog_config(plog)->cleanup_policy & LOG_CLEANUP_COMPACT)
		plog_cleaner_invalidate(plog);
}

void cleaner_pool_stop(cleaner_pool_t *cp)
{
	if (!cp)
		return;
	/* A pass under way stops at its next read (its token is stale). */
	if (cp->lm)
		logmgr_foreach(cp->lm, cleaner_stop_one, NULL);
	pthread_mutex_lock(&cp->lock);
	cp->stop = 1;
	pthread_cond_broadcast(&cp->cond);
	pthread_mutex_unlock(&cp->lock);
	for (int i = 0; i < cp->thread_cnt; i++)
		pthread_join(cp->threads[i], NULL);
	/* Completions still queued on the loop free the pool after the last. */
	cp->stopped = 1;
	if (cp->in_flight == 0)
		cleaner_pool_free(cp);
}
