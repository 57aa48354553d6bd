/*
 * partition_isr.c — the leader shrinks and expands a partition's ISR.
 *
 * What: every cron tick (and when a follower outside the ISR fetches) the
 * leader looks at its followers. An ISR member that has not caught up with
 * the leader's LEO for replica.lag.time.max.ms leaves the ISR (it stopped
 * fetching, or fetches too slowly); a replica outside the ISR whose LEO
 * has reached the HW and the start of the current leader epoch rejoins.
 * "Caught up" is tracked in partition_follower_fetched() with Kafka's rule.
 *
 * How: the new state (same leader, epoch and controller epoch, new ISR) is
 * written to /brokers/topics/<t>/partitions/<p>/state with a set
 * conditional on the state version this leader knows
 * (zkb_submit_state_update: the write runs on the zkb worker thread). The
 * result comes back to the loop through loop_post. At most one write per
 * partition is in flight (partition.isr_inflight).
 *
 * Guarantees: the ISR that counts for the HW changes only after ZooKeeper
 * accepted it, so a controller electing from the ZooKeeper ISR never picks
 * a replica the leader did not count. A version mismatch fences the
 * partition (partition_fence: NOT_LEADER) until a newer snapshot. After a
 * shrink the HW is recomputed at once, which releases parked acks=all
 * produces (with NOT_ENOUGH_REPLICAS when the ISR fell below
 * min.insync.replicas).
 *
 * Thread: loop thread, except partition_isr_done() (zkb worker thread),
 * which only posts. Ownership: the in-flight record (partition_isr_job_t)
 * is owned by the job until it is freed on the loop.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <zookeeper/zookeeper.h>

#include "broker/broker.h"
#include "broker/replication/partition.h"
#include "common/bytes.h"
#include "common/flog.h"
#include "common/zkutil.h"

#define PARTITION_ISR_RETRY_MS 1000 /* after a ZooKeeper error */

typedef struct partition_isr_job {
	broker_t *b;
	char *topic;
	int32_t partition;
	int32_t expected_version;
	int32_t new_version;
	int zrc;
	int isr_cnt;
	int32_t *isr;
	int shrinks, expands;
} partition_isr_job_t;

static void partition_isr_job_free(partition_isr_job_t *job)
{
	free(job->topic);
	free(job->isr);
	free(job);
}

/* Loop thread: apply the outcome. */
static void partition_isr_applied(void *arg)
{
	partition_isr_job_t *job = arg;
	broker_t *b = job->b;
	partition_t *p;

	if (loop_stopping(b->loop) || !b->lm)
		goto out;
	p = partition_find(b, job->topic, job->partition);
	if (!p)
		goto out;
	p->isr_inflight = 0;
	if (p->state_version != job->expected_version)
		goto out; /* a newer snapshot was applied meanwhile: it wins */
	if (job->zrc == ZOK) {
		int32_t *old = p->isr;
		flog(LOG_INFO, "partition", "%s-%d: ISR %s to %d replica(s) (state version %d)",
		     p->topic, p->id, job->shrinks ? "shrunk" : "expanded", job->isr_cnt,
		     (int)job->new_version);
		p->isr = job->isr;
		p->isr_cnt = job->isr_cnt;
		job->isr = old;
		p->state_version = job->new_version;
		b->metrics.isr_shrinks += (uint64_t)job->shrinks;
		b->metrics.isr_expands += (uint64_t)job->expands;
		partition_update_hw(b, p);
	} else if (job->zrc == ZBADVERSION) {
		partition_fence(b, p, job->expected_version);
	} else {
		flog(LOG_WARNING, "partition",
		     "%s-%d: cannot write the ISR change: %s (retrying in "
		     "%d ms)",
		     p->topic, p->id, zkutil_err2str(job->zrc), PARTITION_ISR_RETRY_MS);
		p->isr_retry_ms = fj_mono_ms() + PARTITION_ISR_RETRY_MS;
	}
out:
	partition_isr_job_free(job);
}

/* zkb worker thread (or zkb_stop's caller): hand the result to the loop. */
static void partition_isr_done(int zrc, int32_t new_version, void *arg)
{
	partition_isr_job_t *job = arg;

	job->zrc = zrc;
	job->new_version = new_version;
	if (loop_post(job->b->loop, partition_isr_applied, job) != 0) {
		flog(LOG_CRIT, "partition", "out of memory handing an ISR change to the loop");
		abort();
	}
}

void partition_isr_maintain(broker_t *b, partition_t *p, int64_t now_ms)
{
	int32_t self = b->conf.broker_id;
	int64_t hw = plog_high_watermark(p->log);
	int64_t lag_max = b->conf.replica_lag_time_max_ms;
	partition_isr_job_t *job;
	int i;

	if (!p->is_leader || p->isr_inflight || p->state_version < 0 || !b->zkb ||
	    b->shutting_down || now_ms < p->isr_retry_ms)
		return;
	job = calloc(1, sizeof(*job));
	if (!job)
		return;
	job->isr = calloc((size_t)p->isr_cnt + (size_t)p->replica_cnt + 1, sizeof(int32_t));
	if (!job->isr) {
		free(job);
		return;
	}
	for (i = 0; i < p->isr_cnt; i++) {
		int r = partition_replica_index(p, p->isr[i]);
		if (p->isr[i] != self && r >= 0 && now_ms - p->replica_caught_up_ms[r] > lag_max) {
			flog(LOG_INFO, "partition",
			     "%s-%d: broker %d has not caught up for %lld ms "
			     "(replica.lag.time.max.ms "
			     "%lld): removing it from the ISR",
			     p->topic, p->id, (int)p->isr[i],
			     (long long)(now_ms - p->replica_caught_up_ms[r]), (long long)lag_max);
			job->shrinks++;
			continue;
		}
		job->isr[job->isr_cnt++] = p->isr[i];
	}
	for (i = 0; i < p->replica_cnt; i++) {
		int32_t r = p->replicas[i];
		if (r == self || partition_in_isr(p, r) || p->replica_leo[i] < 0)
			continue;
		/* A broker in controlled shutdown is being taken out of every ISR by
		 * the controller; adding it back would make the two fight. */
		if (b->cv && cview_is_shutting_down(b->cv, r))
			continue;
		/* Nor a broker that is not registered (dead, or its session expired):
		 * its last fetch may still look caught up. */
		if (b->cv && !cview_broker(b->cv, r))
			continue;
		if (p->replica_leo[i] >= hw && p->replica_leo[i] >= p->epoch_start_offset &&
		    now_ms - p->replica_caught_up_ms[i] <= lag_max) {
			flog(LOG_INFO, "partition",
			     "%s-%d: broker %d caught up (log end offset %lld): "
			     "adding it to the ISR",
			     p->topic, p->id, (int)r, (long long)p->replica_leo[i]);
			job->isr[job->isr_cnt++] = r;
			job->expands++;
		}
	}
	if (!job->shrinks && !job->expands) {
		partition_isr_job_free(job);
		return;
	}
	job->b = b;
	job->partition = p->id;
	job->expected_version = p->state_version;
	job->topic = strdup(p->topic);
	if (!job->topic ||
	    zkb_submit_state_update(b->zkb, p->topic, p->id, self, p->leader_epoch, job->isr,
	                            job->isr_cnt, p->controller_epoch, p->state_version,
	                            partition_isr_done, job) != 0) {
		partition_isr_job_free(job);
		return;
	}
	p->isr_inflight = 1;
}
