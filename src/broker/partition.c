/*
 * partition.c — per-partition role and HW bookkeeping (see partition.h).
 *
 * The partition table is a fixed array of hash chains in the broker keyed
 * by (topic, partition); partitions are few enough (thousands) that chains
 * stay short. Thread: loop thread only.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "broker/broker.h"
#include "broker/fetch_wait.h"
#include "broker/partition.h"
#include "common/bytes.h"
#include "common/flog.h"

static unsigned partition_hash(const char *topic, int32_t id)
{
	uint32_t h = 2166136261u;

	for (; *topic; topic++)
		h = (h ^ (uint8_t)*topic) * 16777619u;
	h = (h ^ (uint32_t)id) * 16777619u;
	return h % BROKER_PART_BUCKETS;
}

partition_t *partition_find(broker_t *b, const char *topic, int32_t id)
{
	partition_t *p = b->parts[partition_hash(topic, id)];

	for (; p; p = p->hnext)
		if (p->id == id && strcmp(p->topic, topic) == 0)
			return p;
	return NULL;
}

partition_t *partition_add(broker_t *b, const char *topic, int32_t id, plog_t *log)
{
	unsigned h = partition_hash(topic, id);
	partition_t *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->topic = strdup(topic);
	if (!p->topic) {
		free(p);
		return NULL;
	}
	p->id = id;
	p->log = log;
	p->leader = -1;
	p->leader_epoch = -1;
	p->hnext = b->parts[h];
	b->parts[h] = p;
	b->part_cnt++;
	return p;
}

static void partition_fail_waiters(partition_t *p, fjord_err_t err)
{
	while (p->hw_waiters) {
		partition_hw_waiter_t *w = p->hw_waiters;
		p->hw_waiters = w->next;
		w->next = NULL;
		w->fn(w, p, err);
	}
}

void partition_remove(broker_t *b, partition_t *p, fjord_err_t err)
{
	partition_t **pp = &b->parts[partition_hash(p->topic, p->id)];

	partition_fail_waiters(p, err);
	while (*pp && *pp != p)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = p->hnext;
	b->part_cnt--;
	/* Parked fetches naming it answer now (the lookup fails for them). */
	fetch_wait_notify(b, p);
	free(p->replicas);
	free(p->isr);
	free(p->replica_leo);
	free(p->replica_fetch_ms);
	free(p->topic);
	free(p);
}

void partition_foreach(broker_t *b, void (*fn)(partition_t *p, void *arg), void *arg)
{
	int i;

	for (i = 0; i < BROKER_PART_BUCKETS; i++) {
		partition_t *p = b->parts[i], *next;
		for (; p; p = next) {
			next = p->hnext; /* fn may remove p */
			fn(p, arg);
		}
	}
}

static int partition_replica_index(const partition_t *p, int32_t broker_id)
{
	int i;

	for (i = 0; i < p->replica_cnt; i++)
		if (p->replicas[i] == broker_id)
			return i;
	return -1;
}

static int partition_in_isr(const partition_t *p, int32_t broker_id)
{
	int i;

	for (i = 0; i < p->isr_cnt; i++)
		if (p->isr[i] == broker_id)
			return 1;
	return 0;
}

static int32_t *partition_dup_ids(const int32_t *ids, int cnt)
{
	int32_t *out = malloc(sizeof(*out) * (size_t)(cnt > 0 ? cnt : 1));

	if (out && cnt > 0)
		memcpy(out, ids, sizeof(*out) * (size_t)cnt);
	return out;
}

int partition_apply_state(broker_t *b, partition_t *p, const cview_partition_t *cp)
{
	int32_t self = b->conf.broker_id;
	int was_leader = p->is_leader;
	int32_t old_epoch = p->leader_epoch;
	int32_t *replicas = partition_dup_ids(cp->replicas, cp->replica_cnt);
	int32_t *isr = partition_dup_ids(cp->isr, cp->has_state ? cp->isr_cnt : 0);
	int64_t *leo = calloc((size_t)cp->replica_cnt + 1, sizeof(*leo));
	int64_t *fetch_ms = calloc((size_t)cp->replica_cnt + 1, sizeof(*fetch_ms));
	int i;

	if (!replicas || !isr || !leo || !fetch_ms) {
		free(replicas);
		free(isr);
		free(leo);
		free(fetch_ms);
		return -1;
	}
	/* Keep what we know of replicas that stay assigned. */
	for (i = 0; i < cp->replica_cnt; i++) {
		int old = partition_replica_index(p, cp->replicas[i]);
		leo[i] = old >= 0 ? p->replica_leo[old] : -1;
		fetch_ms[i] = old >= 0 ? p->replica_fetch_ms[old] : 0;
	}
	free(p->replicas);
	free(p->isr);
	free(p->replica_leo);
	free(p->replica_fetch_ms);
	p->replicas = replicas;
	p->replica_cnt = cp->replica_cnt;
	p->isr = isr;
	p->isr_cnt = cp->has_state ? cp->isr_cnt : 0;
	p->replica_leo = leo;
	p->replica_fetch_ms = fetch_ms;
	p->leader = cp->has_state ? cp->leader : -1;
	p->leader_epoch = cp->has_state ? cp->leader_epoch : -1;
	p->is_leader = cp->has_state && cp->leader == self;

	if (p->is_leader && (!was_leader || old_epoch != p->leader_epoch)) {
		int64_t leo_self = plog_log_end_offset(p->log);
		/* A new leader epoch starts at our LEO; followers must re-report
		 * their LEOs for this epoch before they count for the HW. */
		epoch_cache_assign(plog_epoch_cache(p->log), p->leader_epoch, leo_self);
		for (i = 0; i < p->replica_cnt; i++)
			if (p->replicas[i] != self)
				p->replica_leo[i] = -1;
		flog(LOG_INFO, "partition", "%s-%d: leader at epoch %d (log end offset %lld, high watermark %lld)",
		     p->topic, p->id, p->leader_epoch, (long long)leo_self,
		     (long long)plog_high_watermark(p->log));
		partition_update_hw(b, p);
	} else if (!p->is_leader && was_leader) {
		flog(LOG_INFO, "partition", "%s-%d: no longer leader (leader %d, epoch %d)", p->topic,
		     p->id, p->leader, p->leader_epoch);
		partition_fail_waiters(p, FJORD_ERR_NOT_LEADER);
		fetch_wait_notify(b, p);
	} else if (!p->is_leader && old_epoch != p->leader_epoch) {
		flog(LOG_INFO, "partition", "%s-%d: follower of broker %d at epoch %d", p->topic,
		     p->id, p->leader, p->leader_epoch);
	} else if (p->is_leader) {
		partition_update_hw(b, p); /* the ISR may have changed */
	}
	return 0;
}

int partition_update_hw(broker_t *b, partition_t *p)
{
	int64_t hw = plog_log_end_offset(p->log);
	int64_t old = plog_high_watermark(p->log);
	int i;

	if (!p->is_leader)
		return 0;
	for (i = 0; i < p->replica_cnt; i++) {
		if (p->replicas[i] == b->conf.broker_id || !partition_in_isr(p, p->replicas[i]))
			continue;
		if (p->replica_leo[i] < 0) {
			hw = old; /* an ISR member we have not heard from: hold */
			break;
		}
		if (p->replica_leo[i] < hw)
			hw = p->replica_leo[i];
	}
	if (hw <= old)
		return 0;
	plog_set_high_watermark(p->log, hw);
	hw = plog_high_watermark(p->log);
	/* Wake acks=all produces whose batches are now below the HW. */
	{
		partition_hw_waiter_t **wp = &p->hw_waiters;
		while (*wp) {
			partition_hw_waiter_t *w = *wp;
			if (w->offset <= hw) {
				*wp = w->next;
				w->next = NULL;
				w->fn(w, p, FJORD_ERR_NO_ERROR);
			} else {
				wp = &w->next;
			}
		}
	}
	fetch_wait_notify(b, p);
	return 1;
}

void partition_follower_fetched(broker_t *b, partition_t *p, int32_t replica,
                                int64_t fetch_offset)
{
	int i = partition_replica_index(p, replica);

	if (i < 0 || replica == b->conf.broker_id)
		return;
	p->replica_leo[i] = fetch_offset;
	p->replica_fetch_ms[i] = fj_mono_ms();
	partition_update_hw(b, p);
}

void partition_follower_set_hw(broker_t *b, partition_t *p, int64_t leader_hw)
{
	int64_t leo = plog_log_end_offset(p->log);

	if (p->is_leader)
		return;
	plog_set_high_watermark(p->log, leader_hw < leo ? leader_hw : leo);
	fetch_wait_notify(b, p);
}

void partition_hw_wait(partition_t *p, partition_hw_waiter_t *w)
{
	w->next = p->hw_waiters;
	p->hw_waiters = w;
}

void partition_hw_unwait(partition_t *p, partition_hw_waiter_t *w)
{
	partition_hw_waiter_t **wp = &p->hw_waiters;

	while (*wp && *wp != w)
		wp = &(*wp)->next;
	if (*wp)
		*wp = w->next;
	w->next = NULL;
}

int partition_min_isr(broker_t *b, const char *topic)
{
	const cview_topic_t *t = b->cv ? cview_topic(b->cv, topic) : NULL;
	const char *v = t ? cview_topic_config(t, "min.insync.replicas") : NULL;
	char *end;
	long n;

	if (!v)
		return b->conf.min_insync_replicas;
	n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || n < 1 || n > 1000)
		return b->conf.min_insync_replicas;
	return (int)n;
}
