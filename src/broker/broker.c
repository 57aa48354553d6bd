/*
 * broker.c — the broker's lifecycle: start-up in order, applying cluster
 * snapshots to partition roles, the periodic cron, clean shutdown.
 *
 * Threads: broker_start/broker_run/broker_free run on the main thread,
 * which becomes the loop thread in broker_run. ZooKeeper callbacks
 * (broker_on_snapshot, broker_on_session, broker_on_controller) run on
 * ZooKeeper's threads and only loop_post() a job; bg completions arrive the
 * same way. See docs/threads.md.
 *
 * Cron (every BROKER_CRON_MS): retention every
 * log.retention.check.interval.ms, fsync scheduling for partitions whose
 * flush is due (fsync runs on the bg thread on a dup'ed fd, the recovery
 * point advances when it is done), and checkpoints (HW, recovery points,
 * log start offsets) every replica.high.watermark.checkpoint.interval.ms /
 * log.flush.offset.checkpoint.interval.ms; ISR maintenance of led
 * partitions (partition_isr.c); the controlled-shutdown deadline.
 *
 * Replication: after each snapshot is applied, replica_fetcher_sync()
 * points the follower side at the current leaders.
 *
 * Refused znodes (docs/zookeeper.md "/admin/errors"): a topic config with
 * any bad key or value is not applied at all (the last applied one stays,
 * see broker_vet_configs), and nothing is deleted because of a malformed
 * znode: zkmeta keeps a topic's last good assignment, and the logs of a
 * topic listed in the snapshot's held_topics (refused, no good version
 * known) are kept.
 *
 * Controlled shutdown (SIGTERM): see broker_controlled_shutdown() in
 * broker.h and docs/operations.md.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "broker/advertise.h"
#include "broker/broker.h"
#include "broker/cleaner.h"
#include "broker/sasl_users.h"
#include "broker/broker_tls.h"
#include "broker/conn.h"
#include "broker/fetch_wait.h"
#include "broker/logdirs.h"
#include "broker/kafka/kgroup.h"
#include "storage/storage.h"
#include "broker/replication/partition.h"
#include "broker/replication/replica_fetcher.h"
#include "common/bytes.h"
#include "common/flog.h"
#include "common/record_batch.h"
#include "common/zkpath.h"

#define BROKER_CRON_MS 200

const char *broker_zk_state_name(zkb_session_state_t st)
{
	switch (st) {
	case ZKB_SESSION_CONNECTING:
		return "connecting";
	case ZKB_SESSION_CONNECTED:
		return "connected";
	case ZKB_SESSION_EXPIRED:
		return "expired";
	case ZKB_SESSION_CLOSED:
		return "closed";
	}
	return "unknown";
}

int broker_ready(const broker_t *b)
{
	return b->zkb && b->snapshot_applied && !b->shutting_down;
}

static void broker_controlled_shutdown_check(broker_t *b);

/* ------------------------------------------------------------ snapshots */

/* 1 when topic is in the snapshot's held list: its assignment is refused
 * and no good version is known, so nothing about it may be deleted. */
static int broker_topic_held(const cview_t *cv, const char *topic)
{
	int i;

	for (i = 0; cv && i < cv->held_cnt; i++)
		if (!strcmp(cv->held_topics[i], topic))
			return 1;
	return 0;
}

/* A partition of a held topic stays as it is (seen), serving what it did. */
static void broker_keep_held(partition_t *p, void *arg)
{
	broker_t *b = arg;

	if (!p->seen && broker_topic_held(b->cv, p->topic))
		p->seen = 1;
}

typedef struct broker_orphans {
	broker_t *b;
	plog_t **logs;
	size_t n, cap;
} broker_orphans_t;

static void broker_find_orphan(plog_t *log, void *arg)
{
	broker_orphans_t *o = arg;

	if (partition_find(o->b, plog_topic(log), plog_partition(log)))
		return;
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 16;
		plog_t **v = realloc(o->logs, cap * sizeof(*v));
		if (!v)
			return;
		o->logs = v;
		o->cap = cap;
	}
	o->logs[o->n++] = log;
}

/* After the first snapshot: logs on disk that the cluster no longer
 * assigns to this broker (topic deleted while we were down, or moved). */
static void broker_delete_orphans(broker_t *b)
{
	broker_orphans_t o = { b, NULL, 0, 0 };
	size_t i;

	logmgr_foreach(b->lm, broker_find_orphan, &o);
	for (i = 0; i < o.n; i++) {
		char topic[256];
		int32_t id = plog_partition(o.logs[i]);
		const cview_topic_t *t;
		snprintf(topic, sizeof(topic), "%s", plog_topic(o.logs[i]));
		if (broker_topic_held(b->cv, topic)) {
			flog(LOG_WARNING, "broker",
			     "keeping log %s-%d: /brokers/topics/%s is refused "
			     "(see the log and /admin/errors); fix it to use the topic again",
			     topic, id, topic);
			continue;
		}
		t = cview_topic(b->cv, topic);
		flog(LOG_INFO, "broker", "deleting log %s-%d: %s", topic, id,
		     t ? "partition no longer assigned to this broker" : "topic no longer exists");
		logmgr_delete(b->lm, topic, id);
	}
	free(o.logs);
}

static void broker_clear_seen(partition_t *p, void *arg)
{
	(void)arg;
	p->seen = 0;
}

static void broker_drop_unseen(partition_t *p, void *arg)
{
	broker_t *b = arg;
	char topic[256];
	int32_t id = p->id;
	const cview_topic_t *t;

	if (p->seen)
		return;
	snprintf(topic, sizeof(topic), "%s", p->topic);
	t = cview_topic(b->cv, topic);
	flog(LOG_INFO, "broker", "deleting log %s-%d: %s", topic, id,
	     !t            ? "topic deleted"
	     : t->deleting ? "topic being deleted"
	                   : "partition no longer assigned to this broker");
	partition_remove(b, p, FJORD_ERR_NOT_LEADER);
	logmgr_delete(b->lm, topic, id);
}

/* ------------------------------------------------------------ topic configs
 *
 * A topic config (/config/topics/<t>) is taken whole or not at all: one bad
 * key or value and nothing of it applies. broker_vet_configs() makes the
 * snapshot the broker works from say so: a refused topic's overrides are
 * replaced by those of the previous snapshot it applied (which were
 * accepted; none for a topic new here: the broker defaults). Everything
 * reading b->cv (log settings, min.insync.replicas, Metadata answers) then
 * sees only accepted configs. The copy is made only when something is
 * refused. */

/* t's log config into *cfg: 1, or 0 when its overrides are refused (*cfg
 * is then the broker defaults, err says why). */
static int broker_config_ok(broker_t *b, const cview_topic_t *t, log_config_t *cfg, char *err,
                            size_t n)
{
	return broker_conf_topic_log_config(&b->conf, t->config_names, t->config_values,
	                                    t->config_cnt, cfg, err, n) == 0;
}

/* FNV-1a over the overrides: a refusal is logged once per content. */
static int64_t broker_config_hash(const cview_topic_t *t)
{
	uint64_t h = 1469598103934665603ULL;
	int i;

	for (i = 0; i < t->config_cnt; i++) {
		const char *s[2] = { t->config_names[i], t->config_values[i] };
		for (int k = 0; k < 2; k++) {
			for (const char *c = s[k]; *c; c++)
				h = (h ^ (unsigned char)*c) * 1099511628211ULL;
			h = (h ^ 0xff) * 1099511628211ULL;
		}
	}
	return (int64_t)(h >> 1);
}

/* Replaces d's overrides with copies of src's (NULL: none). 0 or -1. */
static int broker_config_replace(cview_topic_t *d, const cview_topic_t *src)
{
	int i, cnt = src ? src->config_cnt : 0;

	for (i = 0; i < d->config_cnt; i++) {
		free(d->config_names[i]);
		free(d->config_values[i]);
	}
	free(d->config_names);
	free(d->config_values);
	d->config_names = d->config_values = NULL;
	d->config_cnt = 0;
	if (cnt == 0)
		return 0;
	d->config_names = calloc((size_t)cnt, sizeof(char *));
	d->config_values = calloc((size_t)cnt, sizeof(char *));
	if (!d->config_names || !d->config_values)
		return -1;
	for (i = 0; i < cnt; i++) {
		d->config_names[i] = strdup(src->config_names[i]);
		d->config_values[i] = strdup(src->config_values[i]);
		d->config_cnt++;
		if (!d->config_names[i] || !d->config_values[i])
			return -1;
	}
	return 0;
}

/* Takes cv's reference and returns the snapshot to apply (cv itself, or a
 * vetted copy; see above). old: the snapshot applied last (may be NULL). */
static cview_t *broker_vet_configs(broker_t *b, const cview_t *old, cview_t *cv)
{
	cview_t *copy = NULL;
	char err[256], path[ZKPATH_MAX];
	log_config_t cfg;
	int i;

	for (i = 0; i < cv->topic_cnt; i++) {
		const cview_topic_t *t = &cv->topics[i];

		if (broker_config_ok(b, t, &cfg, err, sizeof(err)))
			continue;
		zkpath_topic_config(path, t->name);
		if (zkutil_seen_first(&b->config_refused, path, broker_config_hash(t)))
			flog(LOG_WARNING, "config",
			     "topic %s: refusing its config %s: %s; nothing of it is applied, the "
			     "last applied config stays",
			     t->name, path, err);
		if (!copy && !(copy = cview_copy(cv)))
			break;
		if (broker_config_replace(&copy->topics[i], old ? cview_topic(old, t->name) : NULL))
			break;
	}
	if (i < cv->topic_cnt) {
		/* Out of memory: the broker may abort on OOM (see STYLE.md). */
		flog(LOG_CRIT, "broker", "out of memory vetting topic configs");
		abort();
	}
	if (!copy)
		return cv;
	cview_unref(cv);
	return copy;
}

static void broker_apply_partition(broker_t *b, const cview_topic_t *t, const cview_partition_t *cp,
                                   const log_config_t *cfg)
{
	partition_t *p = partition_find(b, t->name, cp->id);
	char err[256];

	if (!p) {
		plog_t *log;
		if (logmgr_get_or_create(b->lm, t->name, cp->id, cfg, &log, err, sizeof(err)) !=
		    0) {
			flog(LOG_ERR, "broker", "cannot open log %s-%d: %s", t->name, cp->id, err);
			return;
		}
		p = partition_add(b, t->name, cp->id, log);
		if (!p) {
			flog(LOG_ERR, "broker", "out of memory adding %s-%d", t->name, cp->id);
			return;
		}
	} else {
		plog_set_config(p->log, cfg);
	}
	p->seen = 1;
	if (partition_apply_state(b, p, cp) != 0)
		flog(LOG_ERR, "broker", "out of memory applying state of %s-%d", t->name, cp->id);
}

/* A ZooKeeper-side event carried to the loop. */
typedef struct broker_event {
	broker_t *b;
	cview_t *cv;
	int state;
	int32_t epoch;
} broker_event_t;

static void broker_apply_snapshot(broker_t *b, cview_t *cv)
{
	int32_t self = b->conf.broker_id;
	cview_t *old = b->cv;
	int i, j;

	cv = broker_vet_configs(b, old, cv);
	cview_unref(old);
	b->cv = cv;
	partition_foreach(b, broker_clear_seen, NULL);
	for (i = 0; i < cv->topic_cnt; i++) {
		const cview_topic_t *t = &cv->topics[i];
		log_config_t cfg;
		char err[256];
		int cfg_done = 0;
		if (t->deleting)
			continue; /* drop our replicas so the controller can finish */
		for (j = 0; j < t->partition_cnt; j++) {
			const cview_partition_t *cp = &t->partitions[j];
			if (!cview_is_replica(cp, self))
				continue;
			if (!cfg_done) {
				/* Vetted, so this succeeds (a failure leaves cfg
				 * at the broker defaults). */
				broker_config_ok(b, t, &cfg, err, sizeof(err));
				cfg_done = 1;
			}
			broker_apply_partition(b, t, cp, &cfg);
		}
	}
	partition_foreach(b, broker_keep_held, b);
	partition_foreach(b, broker_drop_unseen, b);
	if (!b->orphans_checked && cv->cluster_id) {
		b->orphans_checked = 1;
		broker_delete_orphans(b);
	}
	if (!b->snapshot_applied)
		flog(LOG_INFO, "broker",
		     "first cluster snapshot applied: %d partitions here, ready", b->part_cnt);
	b->snapshot_applied = 1;
	b->metrics.snapshots_applied++;
	replica_fetcher_sync(b->rf);
	broker_controlled_shutdown_check(b);
}

static void broker_snapshot_job(void *arg)
{
	broker_event_t *ev = arg;

	if (loop_stopping(ev->b->loop) || ev->b->shutting_down || !ev->b->lm)
		cview_unref(ev->cv);
	else
		broker_apply_snapshot(ev->b, ev->cv);
	free(ev);
}

static void broker_session_job(void *arg)
{
	broker_event_t *ev = arg;

	if (ev->b->zk_state != (zkb_session_state_t)ev->state)
		flog(LOG_INFO, "broker", "ZooKeeper session %s", broker_zk_state_name(ev->state));
	ev->b->zk_state = (zkb_session_state_t)ev->state;
	/* The coordinator znodes of Kafka groups went with the session. */
	if (ev->state == ZKB_SESSION_EXPIRED)
		kgroup_session_lost(ev->b->kgroups);
	free(ev);
}

static void broker_controller_job(void *arg)
{
	broker_event_t *ev = arg;

	ev->b->is_controller = ev->state;
	ev->b->controller_epoch = ev->epoch;
	free(ev);
}

static void broker_post(broker_t *b, loop_fn *fn, cview_t *cv, int state, int32_t epoch)
{
	broker_event_t *ev = calloc(1, sizeof(*ev));

	if (ev) {
		ev->b = b;
		ev->cv = cv;
		ev->state = state;
		ev->epoch = epoch;
		if (loop_post(b->loop, fn, ev) == 0)
			return;
		free(ev);
	}
	/* Out of memory: the broker may abort on OOM (see STYLE.md). */
	flog(LOG_CRIT, "broker", "out of memory handing a ZooKeeper event to the loop");
	abort();
}

/* ZooKeeper threads. */
static void broker_on_snapshot(cview_t *cv, void *opaque)
{
	broker_post(opaque, broker_snapshot_job, cv, 0, 0);
}

static void broker_on_session(zkb_session_state_t st, void *opaque)
{
	broker_post(opaque, broker_session_job, NULL, (int)st, 0);
}

static void broker_on_controller(int is_controller, int32_t epoch, void *opaque)
{
	broker_post(opaque, broker_controller_job, NULL, is_controller, epoch);
}

typedef struct broker_users_event {
	broker_t *b;
	sasl_users_t *u;
} broker_users_event_t;

/* Loop thread: the new SASL credentials replace the old for every login
 * from now on (sasl_server.c). */
static void broker_users_job(void *arg)
{
	broker_users_event_t *ev = arg;

	if (loop_stopping(ev->b->loop)) {
		sasl_users_unref(ev->u);
	} else {
		sasl_users_unref(ev->b->sasl_users);
		ev->b->sasl_users = ev->u;
	}
	free(ev);
}

/* zkb worker (or start-up thread): hands a credential snapshot over. */
static void broker_on_users(sasl_users_t *u, void *opaque)
{
	broker_users_event_t *ev = calloc(1, sizeof(*ev));

	if (ev) {
		ev->b = opaque;
		ev->u = u;
		if (loop_post(ev->b->loop, broker_users_job, ev) == 0)
			return;
		free(ev);
	}
	/* As broker_post: dropping it would keep a deleted user able to log in. */
	flog(LOG_CRIT, "broker", "out of memory handing SASL credentials to the loop");
	abort();
}

/* ------------------------------------------------------------ deleter */

/* storage_deleter_fn: removal of renamed segments/partition dirs goes to
 * the bg thread (loop thread; path is copied by bg_remove_tree). */
static void broker_deleter(const char *path, void *arg)
{
	broker_t *b = arg;

	if (!b->bg || bg_remove_tree(b->bg, path, NULL, NULL) != 0)
		storage_remove_path(path);
}

/* ------------------------------------------------------------ flush */

typedef struct broker_flush {
	broker_t *b;
	partition_t *p;
	plog_t *log;
	int64_t upto;
} broker_flush_t;

static void broker_flush_start(broker_t *b, partition_t *p);

/* Is p still the partition (and log) this flush was started for? */
static int broker_flush_valid(broker_flush_t *f)
{
	broker_t *b = f->b;
	int i;

	if (!b->lm)
		return 0;
	for (i = 0; i < BROKER_PART_BUCKETS; i++) {
		partition_t *p;
		for (p = b->parts[i]; p; p = p->hnext)
			if (p == f->p)
				return p->log == f->log;
	}
	return 0;
}

static void broker_flush_done(void *arg, int rc)
{
	broker_flush_t *f = arg;
	broker_t *b = f->b;

	if (broker_flush_valid(f)) {
		f->p->flush_inflight = 0;
		if (rc == 0) {
			b->metrics.fsyncs++;
			plog_flush_end(f->log, f->upto);
			broker_flush_start(b, f->p); /* more segments may be unflushed */
		} else {
			/* Takes the log dir offline (a failed fsync may have lost
			 * data the kernel could not write). */
			b->metrics.fsync_errors++;
			plog_flush_failed(f->log, rc);
		}
	}
	free(f);
}

static void broker_flush_start(broker_t *b, partition_t *p)
{
	broker_flush_t *f;
	int fd = -1;
	int64_t upto;
	int rc;

	if (p->flush_inflight || !b->bg)
		return;
	rc = plog_flush_begin(p->log, &fd, &upto);
	if (rc <= 0) {
		if (rc < 0)
			flog(LOG_ERR, "flush", "%s-%d: cannot start a flush: %s", p->topic, p->id,
			     strerror(-rc));
		return;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		close(fd);
		return;
	}
	f->b = b;
	f->p = p;
	f->log = p->log;
	f->upto = upto;
	p->flush_inflight = 1;
	if (bg_fsync(b->bg, fd, broker_flush_done, f) != 0) {
		p->flush_inflight = 0;
		free(f);
	}
}

/* ------------------------------------------------------------ cron */

static void broker_cron_partition(partition_t *p, void *arg)
{
	broker_t *b = arg;

	if (!p->flush_inflight && plog_flush_due(p->log, fj_now_ms()))
		broker_flush_start(b, p);
	if (p->is_leader)
		partition_isr_maintain(b, p, fj_mono_ms());
}

/* What the periodic retention pass needs per log. */
typedef struct broker_retention {
	broker_t *b;
	int64_t now; /* wall clock ms */
} broker_retention_t;

static void broker_retention_one(plog_t *log, void *arg)
{
	broker_retention_t *r = arg;
	size_t expired = plog_expire_producers(log, r->now, r->b->conf.producer_id_expiration_ms);
	int n = plog_apply_retention(log, r->now);

	if (n > 0)
		flog(LOG_INFO, "retention",
		     "%s-%d: deleted %d old segment(s), log start offset now %lld", plog_topic(log),
		     plog_partition(log), n, (long long)plog_log_start_offset(log));
	else if (n < 0)
		flog(LOG_ERR, "retention", "%s-%d: retention failed: %s", plog_topic(log),
		     plog_partition(log), strerror(-n));
	r->b->metrics.producer_ids_expired += expired;
	uint64_t evicted = plog_take_producers_evicted(log);
	if (evicted)
		flog(LOG_NOTICE, "retention",
		     "%s-%d: %llu idempotent producer(s) evicted since the last check to stay "
		     "within producer.id.max.per.partition=%d",
		     plog_topic(log), plog_partition(log), (unsigned long long)evicted,
		     r->b->conf.producer_id_max_per_partition);
	r->b->metrics.producer_ids_evicted += evicted;
}

static void broker_on_cron(evutil_socket_t fd, short what, void *arg)
{
	broker_t *b = arg;
	int64_t mono = fj_mono_ms();
	char err[256];

	(void)fd;
	(void)what;
	if (b->shutting_down || !b->lm)
		return;
	partition_foreach(b, broker_cron_partition, b);
	logdirs_cron(b);
	conn_check_idle(b, mono);
	server_cron(b, mono);
	kgroup_cron(b->kgroups, mono);
	broker_controlled_shutdown_check(b);
	if (b->shutting_down)
		return;
	if (mono >= b->next_retention_ms) {
		broker_retention_t r = { .b = b, .now = fj_now_ms() };
		b->next_retention_ms = mono + b->conf.log_retention_check_interval_ms;
		logmgr_foreach(b->lm, broker_retention_one, &r);
	}
	cleaner_pool_cron(b->cleaner, mono);
	if (mono >= b->next_checkpoint_ms) {
		int64_t iv = b->conf.replica_high_watermark_checkpoint_interval_ms;
		if (b->conf.log_flush_offset_checkpoint_interval_ms < iv)
			iv = b->conf.log_flush_offset_checkpoint_interval_ms;
		b->next_checkpoint_ms = mono + iv;
		if (logmgr_checkpoint(b->lm, err, sizeof(err)) != 0)
			flog(LOG_ERR, "checkpoint", "%s", err);
	}
}

static void broker_on_reap(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_reap_all(arg);
}

static void broker_on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	flog(LOG_NOTICE, "broker", "%s received: shutting down",
	     sig == SIGINT ? "SIGINT" : "SIGTERM");
	broker_controlled_shutdown(arg);
}

/* ------------------------------------------------------------ controlled shutdown */

typedef struct broker_cs_count {
	broker_t *b;
	int movable;
} broker_cs_count_t;

/* A led partition another live ISR member can take over. */
static void broker_cs_count_one(partition_t *p, void *arg)
{
	broker_cs_count_t *c = arg;
	int i;

	if (!p->is_leader || p->replica_cnt < 2 || !c->b->cv)
		return;
	for (i = 0; i < p->isr_cnt; i++)
		if (p->isr[i] != c->b->conf.broker_id && cview_broker(c->b->cv, p->isr[i])) {
			c->movable++;
			return;
		}
}

static int broker_cs_movable(broker_t *b)
{
	broker_cs_count_t c = { b, 0 };

	partition_foreach(b, broker_cs_count_one, &c);
	return c.movable;
}

static void broker_controlled_shutdown_check(broker_t *b)
{
	int movable;

	if (!b->cs_waiting || b->shutting_down)
		return;
	movable = broker_cs_movable(b);
	if (movable == 0) {
		flog(LOG_NOTICE, "broker",
		     "controlled shutdown: no movable partition is led here "
		     "any more; shutting down");
	} else if (fj_mono_ms() >= b->cs_deadline_ms) {
		flog(LOG_WARNING, "broker",
		     "controlled shutdown: still leading %d partition(s) after "
		     "controlled.shutdown.timeout.ms (%lld ms); shutting down anyway",
		     movable, (long long)b->conf.controlled_shutdown_timeout_ms);
	} else {
		return;
	}
	b->cs_waiting = 0;
	broker_shutdown(b);
}

typedef struct broker_cs_result {
	broker_t *b;
	int zrc;
} broker_cs_result_t;

static void broker_cs_created(void *arg)
{
	broker_cs_result_t *r = arg;
	broker_t *b = r->b;

	if (!loop_stopping(b->loop) && b->cs_waiting) {
		if (r->zrc == 0) {
			flog(LOG_INFO, "broker",
			     "controlled shutdown requested from the controller");
		} else {
			flog(LOG_ERR, "broker",
			     "cannot request a controlled shutdown in ZooKeeper (error "
			     "%d): shutting down without moving leadership",
			     r->zrc);
			b->cs_waiting = 0;
			broker_shutdown(b);
		}
	}
	free(r);
}

/* zkb worker thread: hand the result to the loop. */
static void broker_cs_done(int zrc, int32_t version, void *arg)
{
	broker_cs_result_t *r = arg;

	(void)version;
	r->zrc = zrc;
	if (loop_post(r->b->loop, broker_cs_created, r) != 0) {
		flog(LOG_CRIT, "broker", "out of memory handing a ZooKeeper result to the loop");
		abort();
	}
}

void broker_controlled_shutdown(broker_t *b)
{
	broker_cs_result_t *r;
	int movable;

	if (b->shutting_down)
		return;
	if (b->cs_waiting) {
		flog(LOG_NOTICE, "broker", "second signal: shutting down without waiting");
		b->cs_waiting = 0;
		broker_shutdown(b);
		return;
	}
	movable = b->zkb ? broker_cs_movable(b) : 0;
	if (movable == 0) {
		broker_shutdown(b);
		return;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		broker_shutdown(b);
		return;
	}
	r->b = b;
	flog(LOG_NOTICE, "broker",
	     "controlled shutdown: asking the controller to move %d "
	     "partition leadership(s) away (waiting up to %lld ms)",
	     movable, (long long)b->conf.controlled_shutdown_timeout_ms);
	b->cs_waiting = 1;
	b->cs_deadline_ms = fj_mono_ms() + b->conf.controlled_shutdown_timeout_ms;
	if (zkb_submit_controlled_shutdown(b->zkb, broker_cs_done, r) != 0) {
		free(r);
		b->cs_waiting = 0;
		broker_shutdown(b);
	}
}

/* ------------------------------------------------------------ lifecycle */

/* The backoff between two attempts to reach ZooKeeper at start-up, and how
 * long the first attempt waits (doubling per attempt up to
 * zookeeper.connection.timeout.ms), so an unreachable ZooKeeper is reported
 * within a second rather than after a whole connection timeout. */
#define BROKER_ZK_BACKOFF_MIN_MS 500
#define BROKER_ZK_BACKOFF_MAX_MS 10000
#define BROKER_ZK_FIRST_WAIT_MS 1000
/* How long the inter-broker listener's advertised host may take to resolve. */
#define BROKER_RESOLVE_WAIT_MS 10000

static void broker_on_wait_done(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	loop_break(arg);
}

/* Start-up, ZooKeeper unreachable: runs the loop for ms (so /health,
 * /metrics and SIGTERM are served) and returns early when a signal shut the
 * broker down. Client listeners are paused meanwhile. */
static void broker_wait_loop(broker_t *b, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	struct event *ev = evtimer_new(loop_base(b->loop), broker_on_wait_done, b->loop);

	if (!ev) {
		struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
		return;
	}
	evtimer_add(ev, &tv);
	loop_run(b->loop);
	event_free(ev);
}

/* Opens the ZooKeeper session and registers; while ZooKeeper cannot be
 * reached, retries with exponential backoff (500 ms doubling up to 10 s),
 * one log line per failed attempt. Attempt n waits 2^(n-1) s for a session,
 * at most zookeeper.connection.timeout.ms. 0 registered, 1 stopped by a
 * signal while waiting, -1 failed (errstr). */
static int broker_zk_start(broker_t *b, zkb_params_t *zp, char **cluster_idp, char *errstr,
                           size_t errstr_size)
{
	int delay = BROKER_ZK_BACKOFF_MIN_MS, attempt = 0, rc;
	int wait = BROKER_ZK_FIRST_WAIT_MS;

	b->zk_waiting = 1;
	b->zk_state = ZKB_SESSION_CONNECTING;
	for (;;) {
		attempt++;
		zp->first_connect_wait_ms =
		    wait < zp->connection_timeout_ms ? wait : zp->connection_timeout_ms;
		rc = zkb_start(zp, &b->zkb, cluster_idp, errstr, errstr_size);
		if (rc != ZKB_UNREACHABLE)
			break;
		wait = wait > INT_MAX / 2 ? INT_MAX : wait * 2;
		b->zkb = NULL;
		flog(LOG_WARNING, "broker",
		     "ZooKeeper at %s not reachable (attempt %d: %s); retrying in %d ms",
		     zp->zk_connect, attempt, errstr, delay);
		server_set_accepting(b, 0);
		broker_wait_loop(b, delay);
		if (b->shutting_down) {
			flog(LOG_NOTICE, "broker", "stopped while waiting for ZooKeeper");
			return 1;
		}
		delay = delay * 2 > BROKER_ZK_BACKOFF_MAX_MS ? BROKER_ZK_BACKOFF_MAX_MS : delay * 2;
	}
	b->zk_waiting = 0;
	if (rc != 0) {
		b->zkb = NULL;
		return -1;
	}
	if (attempt > 1)
		flog(LOG_NOTICE, "broker", "ZooKeeper at %s reached after %d attempts",
		     zp->zk_connect, attempt);
	server_set_accepting(b, 1);
	return 0;
}

int broker_start(broker_t *b, char *errstr, size_t errstr_size)
{
	struct event_base *base;
	zkb_params_t zp;
	char *cluster_id = NULL;
	struct timeval tv = { 0, BROKER_CRON_MS * 1000 };
	int rc = -1;

	b->accept_reserve_fd = -1;
	reqmem_init(&b->reqmem, b->conf.queued_max_request_bytes);
	metrics_init(&b->metrics);
	pids_init(&b->pids, b);
	if (!(b->kgroups = kgroup_mgr_new(b))) {
		snprintf(errstr, errstr_size, "out of memory");
		goto done;
	}
	if (authz_init(&b->authz, &b->conf, errstr, errstr_size) != 0) {
		rc = BROKER_START_CONFIG;
		goto done;
	}
	/* A produced batch's records may decompress to at most what one
	 * request may hold, and never more than a reader accepts. */
	record_scratch_init(&b->produce_scratch,
	                    (size_t)b->conf.socket_request_max_bytes < RB_MAX_DECOMPRESSED
	                        ? (size_t)b->conf.socket_request_max_bytes
	                        : RB_MAX_DECOMPRESSED);
	/* Certificates and keys before anything is opened: a bad one is a
	 * configuration error. */
	if (broker_tls_start(b, errstr, errstr_size) != 0) {
		rc = BROKER_START_CONFIG;
		goto done;
	}
	b->loop = loop_new();
	if (!b->loop) {
		snprintf(errstr, errstr_size, "cannot create the event loop");
		goto done;
	}
	base = loop_base(b->loop);
	b->rf = replica_fetcher_new(b);
	if (!b->rf) {
		snprintf(errstr, errstr_size, "cannot create the replica fetcher");
		goto done;
	}
	b->bg = bg_start(b->loop);
	if (!b->bg) {
		snprintf(errstr, errstr_size, "cannot start the background thread");
		goto done;
	}

	flog(LOG_INFO, "broker", "broker %d: opening %zu log dir(s)", b->conf.broker_id,
	     b->conf.dir_cnt);
	if (logmgr_open((const char *const *)b->conf.dirs, b->conf.dir_cnt, &b->conf.log_defaults,
	                b->conf.broker_id, &b->lm, errstr, errstr_size) != 0)
		goto done;
	logmgr_set_deleter(b->lm, broker_deleter, b);
	if (logdirs_start(b) != 0) {
		snprintf(errstr, errstr_size, "out of memory");
		goto done;
	}
	flog(LOG_INFO, "broker", "%zu partition log(s) open", logmgr_partition_count(b->lm));
	if (b->conf.log_cleaner_enable &&
	    !(b->cleaner = cleaner_pool_start(b->loop, b->lm, b->conf.log_cleaner_threads,
	                                      b->conf.log_cleaner_dedupe_buffer_size,
	                                      b->conf.log_cleaner_io_max_bytes_per_second,
	                                      b->conf.log_cleaner_backoff_ms, errstr, errstr_size)))
		goto done;

	if (server_start(b, errstr, errstr_size) != 0 || http_start(b, errstr, errstr_size) != 0 ||
	    advertise_build(b, errstr, errstr_size) != 0)
		goto done;
	if (advertise_check(b, BROKER_RESOLVE_WAIT_MS, errstr, errstr_size) != 0) {
		rc = BROKER_START_CONFIG;
		goto done;
	}
	/* Before the ZooKeeper wait, which runs the loop: signals stop it. */
	b->reap_ev = event_new(base, -1, 0, broker_on_reap, b);
	b->sig_ev[0] = evsignal_new(base, SIGTERM, broker_on_signal, b);
	b->sig_ev[1] = evsignal_new(base, SIGINT, broker_on_signal, b);
	if (!b->reap_ev || !b->sig_ev[0] || !b->sig_ev[1]) {
		snprintf(errstr, errstr_size, "cannot create loop events");
		goto done;
	}
	event_add(b->sig_ev[0], NULL);
	event_add(b->sig_ev[1], NULL);

	memset(&zp, 0, sizeof(zp));
	zp.zk_connect = b->conf.zookeeper_connect;
	zp.session_timeout_ms = b->conf.zookeeper_session_timeout_ms;
	zp.connection_timeout_ms = b->conf.zookeeper_connection_timeout_ms;
	zp.zk_auth = b->conf.zookeeper_auth;
	zp.zk_set_acl = b->conf.zookeeper_set_acl;
	zp.zk_admin_acl = b->conf.zookeeper_admin_acl;
	zp.broker_id = b->conf.broker_id;
	zp.host = b->adv[b->conf.ibl].host;
	zp.port = b->adv[b->conf.ibl].port;
	zp.endpoints = b->adv;
	zp.endpoint_cnt = b->adv_cnt;
	zp.listener = b->adv[b->conf.ibl].name;
	zp.rack = b->conf.broker_rack;
	zp.meta_cluster_id = logmgr_cluster_id(b->lm);
	zp.unclean_leader_election = b->conf.unclean_leader_election_enable;
	zp.auto_leader_rebalance = b->conf.auto_leader_rebalance_enable;
	zp.leader_imbalance_check_interval_s = b->conf.leader_imbalance_check_interval_s;
	zp.leader_imbalance_per_broker_pct = b->conf.leader_imbalance_per_broker_pct;
	zp.on_snapshot = broker_on_snapshot;
	zp.on_session = broker_on_session;
	zp.on_controller = broker_on_controller;
	if (b->authz.enabled)
		zp.on_acls = authz_on_acls;
	for (int i = 0; i < b->conf.lsn_cnt; i++)
		if (SEC_PROTO_IS_SASL(b->conf.lsn[i].proto))
			zp.on_users = broker_on_users;
	zp.opaque = b;
	authz_check_inter_broker(b);
	flog(LOG_INFO, "broker", "connecting to ZooKeeper at %s", zp.zk_connect);
	rc = broker_zk_start(b, &zp, &cluster_id, errstr, errstr_size);
	if (rc != 0)
		goto done;
	rc = -1;
	b->zk_state = ZKB_SESSION_CONNECTED;
	b->cluster_id = cluster_id;
	if (!logmgr_cluster_id(b->lm) && cluster_id &&
	    logmgr_write_meta(b->lm, cluster_id, errstr, errstr_size) != 0)
		goto done;
	flog(LOG_INFO, "broker", "registered as broker %d (%s:%d, listener %s) in cluster %s",
	     b->conf.broker_id, zp.host, zp.port, zp.listener, cluster_id ? cluster_id : "?");

	b->cron_ev = event_new(base, -1, EV_PERSIST, broker_on_cron, b);
	if (!b->cron_ev) {
		snprintf(errstr, errstr_size, "cannot create loop events");
		goto done;
	}
	event_add(b->cron_ev, &tv);
	b->next_retention_ms = fj_mono_ms() + b->conf.log_retention_check_interval_ms;
	b->next_checkpoint_ms =
	    fj_mono_ms() + b->conf.replica_high_watermark_checkpoint_interval_ms;
	rc = 0;
done:
	return rc;
}

static void broker_flush_one(plog_t *log, void *arg)
{
	int rc = plog_flush_sync(log);

	(void)arg;
	if (rc != 0)
		flog(LOG_ERR, "flush", "%s-%d: fsync failed: %s", plog_topic(log),
		     plog_partition(log), strerror(-rc));
}

static void broker_close_conns(broker_t *b)
{
	while (b->conns)
		conn_close(b->conns, "broker shutting down");
	conn_reap_all(b);
}

void broker_shutdown(broker_t *b)
{
	if (b->shutting_down)
		return;
	b->shutting_down = 1;
	/* No more replication into our logs, no more clients. */
	replica_fetcher_free(b->rf);
	b->rf = NULL;
	server_stop(b);
	/* Parked fetches answer with what they have; then connections go. */
	fetch_wait_expire_all(b);
	broker_close_conns(b);
	/* Flush while still registered: what we acknowledged is on disk before
	 * the cluster sees us go. broker_free closes the logs. */
	if (b->lm)
		logmgr_foreach(b->lm, broker_flush_one, NULL);
	if (b->zkb) {
		flog(LOG_INFO, "broker", "deregistering from ZooKeeper");
		zkb_stop(b->zkb);
		b->zkb = NULL;
		b->zk_state = ZKB_SESSION_CLOSED;
	}
	http_stop(b);
	loop_break(b->loop);
}

static void broker_drop_partition(partition_t *p, void *arg)
{
	partition_remove(arg, p, FJORD_ERR_NOT_LEADER);
}

int broker_run(broker_t *b)
{
	loop_run(b->loop);
	broker_shutdown(b);
	return b->exit_status;
}

void broker_free(broker_t *b)
{
	if (b->loop && !b->shutting_down)
		broker_shutdown(b);
	/* The cleaner threads stop first (a pass under way is abandoned), their
	 * completions run with the bg thread's below. */
	cleaner_pool_stop(b->cleaner);
	b->cleaner = NULL;
	/* Finish queued fsyncs/deletions, then run their completions. */
	bg_stop(b->bg);
	b->bg = NULL;
	if (b->loop)
		event_base_loop(loop_base(b->loop), EVLOOP_NONBLOCK);
	if (b->conns || b->reap)
		broker_close_conns(b);
	conn_quota_free(&b->quota);
	partition_foreach(b, broker_drop_partition, b);
	if (b->lm) {
		flog(LOG_INFO, "broker", "flushing and closing logs");
		logmgr_close(b->lm, 1);
		b->lm = NULL;
		flog(LOG_INFO, "broker", "logs closed cleanly");
	}
	cview_unref(b->cv);
	b->cv = NULL;
	sasl_users_unref(b->sasl_users);
	b->sasl_users = NULL;
	zkutil_seen_clear(&b->config_refused);
	if (b->reap_ev)
		event_free(b->reap_ev);
	if (b->cron_ev)
		event_free(b->cron_ev);
	logdirs_stop(b);
	if (b->sig_ev[0])
		event_free(b->sig_ev[0]);
	if (b->sig_ev[1])
		event_free(b->sig_ev[1]);
	kgroup_mgr_free(b->kgroups);
	b->kgroups = NULL;
	loop_free(b->loop);
	b->loop = NULL;
	pids_free(&b->pids);
	free(b->cluster_id);
	free(b->host);
	endpoint_list_free(b->adv, b->adv_cnt);
	b->adv = NULL;
	b->adv_cnt = 0;
	free(b->bound);
	b->bound = NULL;
	b->bound_cnt = 0;
	free(b->http_host);
	broker_tls_stop(b);
	record_scratch_free(&b->produce_scratch);
	authz_free(&b->authz);
	broker_conf_free(&b->conf);
}
