/*
 * partition.c — per-partition role and HW bookkeeping (see partition.h).
 *
 * The partition table is a fixed array of hash chains in the broker keyed
 * by (topic, partition); partitions are few enough (thousands) that chains
 * stay short. ISR maintenance lives in partition_isr.c. Thread: loop
 * thread only.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "broker/broker.h"
#include "broker/fetch_wait.h"
#include "broker/replication/partition.h"
#include "common/bytes.h"
#include "common/flog.h"
#include "common/numparse.h"

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

fjord_err_t partition_leader_check(broker_t *b, const char *topic, int32_t id,
                                   int32_t current_leader_epoch, partition_t **pp)
{
	partition_t *p = partition_find(b, topic, id);

	*pp = p;
	if (!p)
		return b->cv && cview_partition(b->cv, topic, id)
		           ? FJORD_ERR_NOT_LEADER
		           : FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION;
	if (!p->is_leader)
		return FJORD_ERR_NOT_LEADER;
	if (current_leader_epoch >= 0 && current_leader_epoch < p->leader_epoch)
		return FJORD_ERR_FENCED_LEADER_EPOCH;
	if (current_leader_epoch > p->leader_epoch)
		return FJORD_ERR_UNKNOWN_LEADER_EPOCH;
	return FJORD_ERR_NO_ERROR;
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
	p->state_version = -1;
	p->controller_epoch = -1;
	p->fenced_version = -1;
	p->fetch_state = PARTITION_FETCH_TRUNCATE;
	p->fetch_lag = -1;
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
	free(p->replica_fetch_leo);
	free(p->replica_caught_up_ms);
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

int partition_replica_index(const partition_t *p, int32_t broker_id)
{
	int i;

	for (i = 0; i < p->replica_cnt; i++)
		if (p->replicas[i] == broker_id)
			return i;
	return -1;
}

int partition_in_isr(const partition_t *p, int32_t broker_id)
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
	int32_t old_epoch = p->leader_epoch, old_leader = p->leader;
	/* A snapshot older than our own ISR write (same epoch, lower state
	 * version) must not undo it; its replica list still applies. */
	int stale = cp->has_state && p->state_version >= 0 &&
	            cp->state_version < p->state_version && cp->leader_epoch == p->leader_epoch;
	int isr_cnt = stale ? p->isr_cnt : cp->has_state ? cp->isr_cnt : 0;
	int32_t *replicas = partition_dup_ids(cp->replicas, cp->replica_cnt);
	int32_t *isr = partition_dup_ids(stale ? p->isr : cp->isr, isr_cnt);
	size_t n = (size_t)cp->replica_cnt + 1;
	int64_t *leo = calloc(n, sizeof(*leo));
	int64_t *fetch_ms = calloc(n, sizeof(*fetch_ms));
	int64_t *fetch_leo = calloc(n, sizeof(*fetch_leo));
	int64_t *caught_up = calloc(n, sizeof(*caught_up));
	int64_t now = fj_mono_ms();
	int i;

	if (!replicas || !isr || !leo || !fetch_ms || !fetch_leo || !caught_up) {
		free(replicas);
		free(isr);
		free(leo);
		free(fetch_ms);
		free(fetch_leo);
		free(caught_up);
		return -1;
	}
	/* Keep what we know of replicas that stay assigned. */
	for (i = 0; i < cp->replica_cnt; i++) {
		int old = partition_replica_index(p, cp->replicas[i]);
		leo[i] = old >= 0 ? p->replica_leo[old] : -1;
		fetch_ms[i] = old >= 0 ? p->replica_fetch_ms[old] : 0;
		fetch_leo[i] = old >= 0 ? p->replica_fetch_leo[old] : -1;
		caught_up[i] = old >= 0 ? p->replica_caught_up_ms[old] : now;
	}
	free(p->replicas);
	free(p->isr);
	free(p->replica_leo);
	free(p->replica_fetch_ms);
	free(p->replica_fetch_leo);
	free(p->replica_caught_up_ms);
	p->replicas = replicas;
	p->replica_cnt = cp->replica_cnt;
	p->isr = isr;
	p->isr_cnt = isr_cnt;
	p->replica_leo = leo;
	p->replica_fetch_ms = fetch_ms;
	p->replica_fetch_leo = fetch_leo;
	p->replica_caught_up_ms = caught_up;
	if (!stale) {
		p->leader = cp->has_state ? cp->leader : -1;
		p->leader_epoch = cp->has_state ? cp->leader_epoch : -1;
		p->state_version = cp->has_state ? cp->state_version : -1;
		p->controller_epoch = cp->has_state ? cp->controller_epoch : -1;
	}
	/* Fenced after a failed conditional write: only a newer state counts. */
	if (p->fenced_version >= 0 && p->state_version > p->fenced_version)
		p->fenced_version = -1;
	p->is_leader = p->leader == self && p->leader >= 0 && p->fenced_version < 0;

	if (p->is_leader && (!was_leader || old_epoch != p->leader_epoch)) {
		int64_t leo_self = plog_log_end_offset(p->log);
		/* A new leader epoch starts at our LEO; followers must re-report
		 * their LEOs for this epoch before they count for the HW, and get
		 * replica.lag.time.max.ms from now to do so. */
		epoch_cache_assign(plog_epoch_cache(p->log), p->leader_epoch, leo_self);
		p->epoch_start_offset = leo_self;
		for (i = 0; i < p->replica_cnt; i++) {
			if (p->replicas[i] == self)
				continue;
			p->replica_leo[i] = -1;
			p->replica_fetch_leo[i] = -1;
			p->replica_caught_up_ms[i] = now;
		}
		p->fetch_lag = -1;
		flog(LOG_INFO, "partition",
		     "%s-%d: leader at epoch %d (log end offset %lld, high watermark %lld)",
		     p->topic, p->id, p->leader_epoch, (long long)leo_self,
		     (long long)plog_high_watermark(p->log));
		partition_update_hw(b, p);
	} else if (!p->is_leader && was_leader) {
		flog(LOG_INFO, "partition", "%s-%d: no longer leader (leader %d, epoch %d)",
		     p->topic, p->id, p->leader, p->leader_epoch);
		/* Waiting acks=all batches are in this log already; whether the new
		 * leader has them is unknown: "written, not confirmed". */
		partition_fail_waiters(p, FJORD_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND);
		fetch_wait_notify(b, p);
	} else if (!p->is_leader && (old_epoch != p->leader_epoch || old_leader != p->leader)) {
		flog(LOG_INFO, "partition", "%s-%d: follower of broker %d at epoch %d", p->topic,
		     p->id, p->leader, p->leader_epoch);
	} else if (p->is_leader) {
		partition_update_hw(b, p); /* the ISR may have changed */
	}
	/* A (new) follower role starts with epoch-based truncation. */
	if (!p->is_leader &&
	    (was_leader || old_epoch != p->leader_epoch || old_leader != p->leader))
		p->fetch_state = PARTITION_FETCH_TRUNCATE;
	return 0;
}

int partition_is_follower(const broker_t *b, const partition_t *p)
{
	return !p->is_leader && p->leader >= 0 && p->leader != b->conf.broker_id;
}

void partition_fence(broker_t *b, partition_t *p, int32_t version)
{
	p->fenced_version = version;
	if (!p->is_leader)
		return;
	p->is_leader = 0;
	flog(LOG_WARNING, "partition",
	     "%s-%d: the state znode changed under us (version %d is stale): no longer acting "
	     "as leader until a newer cluster snapshot arrives",
	     p->topic, p->id, (int)version);
	partition_fail_waiters(p, FJORD_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND);
	fetch_wait_notify(b, p);
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
	/* Wake acks=all produces whose batches are now below the HW; when the
	 * ISR shrank below min.insync.replicas to get there, they are written
	 * but not replicated as promised: NOT_ENOUGH_REPLICAS_AFTER_APPEND, which
	 * tells the client the records may be stored (POSSIBLY_PERSISTED). */
	{
		partition_hw_waiter_t **wp = &p->hw_waiters;
		fjord_err_t err = p->isr_cnt < partition_min_isr(b, p->topic)
		                      ? FJORD_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND
		                      : FJORD_ERR_NO_ERROR;
		while (*wp) {
			partition_hw_waiter_t *w = *wp;
			if (w->offset <= hw) {
				*wp = w->next;
				w->next = NULL;
				w->fn(w, p, err);
			} else {
				wp = &w->next;
			}
		}
	}
	fetch_wait_notify(b, p);
	return 1;
}

void partition_follower_fetched(broker_t *b, partition_t *p, int32_t replica, int64_t fetch_offset)
{
	int i = partition_replica_index(p, replica);
	int64_t now = fj_mono_ms(), leo = plog_log_end_offset(p->log);

	if (i < 0 || replica == b->conf.broker_id)
		return;
	/* Kafka's rule: caught up now when it asks for our LEO; caught up at
	 * its previous fetch when it has now reached what our LEO was then. */
	if (fetch_offset >= leo)
		p->replica_caught_up_ms[i] = now;
	else if (p->replica_fetch_leo[i] >= 0 && fetch_offset >= p->replica_fetch_leo[i] &&
	         p->replica_fetch_ms[i] > p->replica_caught_up_ms[i])
		p->replica_caught_up_ms[i] = p->replica_fetch_ms[i];
	p->replica_leo[i] = fetch_offset;
	p->replica_fetch_ms[i] = now;
	p->replica_fetch_leo[i] = leo;
	partition_update_hw(b, p);
	if (!partition_in_isr(p, replica))
		partition_isr_maintain(b, p, now);
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
	int32_t n;

	if (!v || num_parse_i32(v, 1, 1000, &n) < 0)
		return b->conf.min_insync_replicas;
	return n;
}

char *partition_corrupt_message(const partition_t *p, int32_t broker_id, int64_t offset,
                                arena_t *ar)
{
	int64_t first, last;
	char buf[512], *out;

	if (!plog_corrupt_range_at(p->log, offset, &first, &last))
		return NULL;
	snprintf(buf, sizeof(buf),
	         "offsets %lld-%lld of %s-%d are corrupt on broker %d (failed their CRC "
	         "at recovery); seek to %lld to skip them",
	         (long long)first, (long long)last, p->topic, (int)p->id, (int)broker_id,
	         (long long)last + 1);
	out = arena_strdup(ar, buf);
	return out;
}
