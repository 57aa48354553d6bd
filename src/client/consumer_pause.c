/*
 * consumer_pause.c — fjord_pause() / fjord_resume(): stop and restart
 * fetching of some assigned partitions while keeping their position.
 *
 * What: pausing a partition sets cpart.paused, which consumer_serve() skips
 * (no Fetch, no offset lookup), drops the partition's fetched-but-unpolled
 * records and restarts it at its position (the offset after the last record
 * poll returned) under a new generation, so the answer of a Fetch already in
 * flight is dropped too. Poll therefore returns no record of a paused
 * partition. Resuming clears the flag and wakes the I/O thread, which
 * fetches again from the kept position.
 * Guarantees: no record is lost or returned twice across pause/resume (the
 * dropped records are fetched again from the position). Events already
 * queued for the partition (errors, EOF) are still returned while paused.
 * The pause belongs to the assignment: fjord_assign() and a partition that
 * leaves the group's assignment forget it (as librdkafka); partitions that
 * stay assigned through a cooperative rebalance stay paused.
 * Threads: application threads, under c->lock (consumer_int.h).
 */
#include <string.h>

#include "client/consumer_int.h"

/* Pauses (pause = 1) or resumes the listed partitions; sets each element's
 * err. */
static fjord_err_t consumer_pause_set(fjord_t *fj, fjord_topic_partition_list_t *parts, int pause)
{
	consumer_t *c;
	int i, changed = 0;
	if (!fj || !fj->c || atomic_load(&fj->closed))
		return FJORD_ERR__STATE;
	if (!parts)
		return FJORD_ERR__INVALID_ARG;
	c = fj->c;
	pthread_mutex_lock(&c->lock);
	for (i = 0; i < parts->cnt; i++) {
		fjord_topic_partition_t *e = &parts->elems[i];
		cpart_t *cp = e->topic ? consumer_find(c, e->topic, e->partition) : NULL;
		if (!cp) {
			e->err = FJORD_ERR__UNKNOWN_PARTITION;
			continue;
		}
		e->err = FJORD_ERR_NO_ERROR;
		if (cp->paused == pause)
			continue;
		cp->paused = pause;
		changed = 1;
		handle_log(fj, FJ_LOG_DEBUG, "CONSUMER", "%s [%d]: %s at position %lld", cp->topic,
		           (int)cp->partition, pause ? "paused" : "resumed",
		           (long long)cp->app_pos);
		if (pause && cp->state == CP_ACTIVE && cp->app_pos >= 0) {
			/* Fetched records past the position come again after resume. */
			consumer_purge(c, cp, 1);
			consumer_part_restart(c, cp, cp->app_pos);
		}
	}
	pthread_mutex_unlock(&c->lock);
	if (changed && !pause)
		consumer_wake(fj);
	return FJORD_ERR_NO_ERROR;
}

fjord_err_t fjord_pause(fjord_t *fj, fjord_topic_partition_list_t *parts)
{
	return consumer_pause_set(fj, parts, 1);
}

fjord_err_t fjord_resume(fjord_t *fj, fjord_topic_partition_list_t *parts)
{
	return consumer_pause_set(fj, parts, 0);
}
