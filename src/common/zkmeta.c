/*
 * zkmeta.c — turns ZooKeeper's cluster metadata into cview snapshots and
 * keeps them fresh with watches.
 *
 * Model: every read registers a watch (zoo_wget / zoo_wget_children, or
 * zoo_wexists for a znode that does not exist yet, so its creation is seen).
 * A watch firing only adds the znode it names to the dirty set and signals
 * zkmeta's own thread; the watcher never calls ZooKeeper (it runs on the
 * client's completion thread, where a synchronous call would deadlock).
 * The thread waits a short coalescing delay, takes the set and publishes
 * one new snapshot: the last one with those znodes read again
 * (zkmeta_update.c), or a full read of the tree for the first snapshot,
 * after a session event, a failed pass, zkmeta_sync/refresh or a znode it
 * cannot read alone. A burst of events costs one snapshot; events that
 * arrive during a pass start a new set and cause one more pass.
 *
 * Guarantees: a snapshot is published only when every read of a pass
 * succeeded (or found the znode absent). A ZooKeeper error mid-way (lost
 * connection, expired session) discards the partial snapshot and retries
 * with backoff until it succeeds or zkmeta is destroyed. Malformed znode
 * values are logged at WARN and skipped: a bad broker znode leaves that
 * broker out, a bad state znode leaves the partition with has_state = 0.
 * A refused topic assignment (malformed, or one that removes partitions)
 * or a config that does not decode keeps the last good version from the
 * previous snapshot; with none (a fresh zkmeta) the topic is listed in
 * held_topics, so a broker keeps its logs. Nothing a hand edit breaks makes
 * a topic vanish. Snapshot versions come from one process-wide counter, so
 * they increase even across zkmeta instances (a broker makes a new zkmeta
 * after a session expiry).
 *
 * Threads: zkmeta_new() publishes the first snapshot on the caller's
 * thread; later ones come from zkmeta's thread. Watchers reach the object
 * only through zkutil_live_run(), so a watch firing after
 * zkmeta_destroy() is harmless.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "common/flog.h"
#include "common/numparse.h"
#include "common/zkjson.h"
#include "common/zkmeta.h"
#include "common/zkmeta_int.h"
#include "common/zkutil.h"
#include "common/zkpath.h"
#include "common/deadline.h"

#define ZKMETA_COALESCE_MS 20
#define ZKMETA_BACKOFF_MIN_MS 100
#define ZKMETA_BACKOFF_MAX_MS 2000

static int64_t zkmeta_version_counter;

int64_t zkmeta_next_version(void)
{
	return __atomic_add_fetch(&zkmeta_version_counter, 1, __ATOMIC_RELAXED);
}

/* What a watch reported (zkmeta_watcher -> zkmeta_mark_dirty). */
typedef struct zkmeta_event {
	int type;
	const char *path;
} zkmeta_event_t;

/* Adds path to the dirty set (deduplicated); a set past ZKMETA_DIRTY_MAX
 * paths, or no memory, becomes a full re-read. Lock held. */
static void zkmeta_dirty_add_locked(zkmeta_dirty_t *d, const char *path)
{
	int i;

	if (d->full)
		return;
	for (i = 0; i < d->cnt; i++)
		if (strcmp(d->paths[i], path) == 0)
			return;
	if (d->cnt == d->cap) {
		int cap = d->cap ? d->cap * 2 : 16;
		char **v =
		    cap <= ZKMETA_DIRTY_MAX ? realloc(d->paths, (size_t)cap * sizeof(*v)) : NULL;
		if (!v) {
			d->full = 1;
			return;
		}
		d->paths = v;
		d->cap = cap;
	}
	if (!(d->paths[d->cnt] = strdup(path)))
		d->full = 1;
	else
		d->cnt++;
}

void zkmeta_dirty_clear(zkmeta_dirty_t *d)
{
	for (int i = 0; i < d->cnt; i++)
		free(d->paths[i]);
	free(d->paths);
	memset(d, 0, sizeof(*d));
}

static int zkmeta_dirty_any(const zkmeta_dirty_t *d)
{
	return d->full || d->cnt > 0;
}

/* A session event (connected again, expired) or no event (refresh, sync):
 * everything; a znode's event: that znode. */
static void zkmeta_mark_dirty(void *obj, void *arg)
{
	zkmeta_t *zm = obj;
	const zkmeta_event_t *ev = arg;

	pthread_mutex_lock(&zm->lock);
	if (!ev || ev->type == ZOO_SESSION_EVENT || !ev->path || !*ev->path)
		zm->dirty.full = 1;
	else
		zkmeta_dirty_add_locked(&zm->dirty, ev->path);
	pthread_cond_broadcast(&zm->cond);
	pthread_mutex_unlock(&zm->lock);
}

void zkmeta_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
	zkmeta_event_t ev = { type, path };

	(void)zh;
	(void)state;
	zkutil_live_run(ctx, zkmeta_mark_dirty, &ev);
}

void zkmeta_warn(zkmeta_t *zm, const char *path, const struct Stat *st, const char *err)
{
	if (zkutil_seen_first(&zm->warned, path, st->mzxid))
		zkmeta_log(zm, LOG_WARNING, "ignoring %s: %s", path, err);
}

/* Reads a znode with a watch. ZNONODE leaves an exists-watch so its creation
 * is seen; if it appeared in between, reads again. */
int zkmeta_read(zkmeta_t *zm, const char *path, char **bufp, int *lenp, struct Stat *st)
{
	for (;;) {
		int rc = zkutil_get(zm->zh, path, zkmeta_watcher, zm, bufp, lenp, st);

		__atomic_add_fetch(&zm->reads, 1, __ATOMIC_RELAXED);
		if (rc != ZNONODE)
			return rc;
		__atomic_add_fetch(&zm->reads, 1, __ATOMIC_RELAXED);
		rc = zoo_wexists(zm->zh, path, zkmeta_watcher, zm, st);
		if (rc != ZOK)
			return rc; /* ZNONODE: watch armed */
	}
}

int zkmeta_children(zkmeta_t *zm, const char *path, struct String_vector *sv)
{
	for (;;) {
		struct Stat st;
		int rc = zkutil_children(zm->zh, path, zkmeta_watcher, zm, sv);

		__atomic_add_fetch(&zm->reads, 1, __ATOMIC_RELAXED);
		if (rc != ZNONODE)
			return rc;
		__atomic_add_fetch(&zm->reads, 1, __ATOMIC_RELAXED);
		rc = zoo_wexists(zm->zh, path, zkmeta_watcher, zm, &st);
		if (rc != ZOK)
			return rc;
	}
}

static int zkmeta_parse_id(const char *s, int32_t *idp)
{
	return num_parse_i32(s, 0, INT32_MAX, idp);
}

/* Points b's host/port at the listener this zkmeta's reader wants. A
 * broker lacking it is kept (with host "") and logged once per change of
 * its znode, naming the listener and the ones it has. */
static int zkmeta_select_endpoint(zkmeta_t *zm, cview_broker_t *b, const char *path,
                                  const struct Stat *st)
{
	char key[ZKPATH_MAX + 16], names[300];
	int rc = cview_broker_select(b, zm->listener, zm->prefer_loopback);

	if (rc != 1)
		return rc;
	snprintf(key, sizeof(key), "listener %s", path);
	if (zkutil_seen_first(&zm->warned, key, st->mzxid)) {
		endpoint_names(b->endpoints, b->endpoint_cnt, names, sizeof(names));
		zkmeta_log(zm, LOG_WARNING,
		           "broker %d has no listener %s (it advertises: %s); it cannot be reached "
		           "through that listener",
		           (int)b->id, zm->listener, names);
	}
	return 0;
}

int zkmeta_read_brokers(zkmeta_t *zm, cview_t *cv)
{
	struct String_vector sv;
	char path[ZKPATH_MAX], err[256];
	int rc, i;

	rc = zkmeta_children(zm, ZKPATH_BROKER_IDS, &sv);
	if (rc == ZNONODE)
		return ZOK;
	if (rc != ZOK)
		return rc;
	cv->brokers = sv.count ? calloc((size_t)sv.count, sizeof(*cv->brokers)) : NULL;
	if (sv.count && !cv->brokers) {
		rc = ZSYSTEMERROR;
		goto out;
	}
	for (i = 0; i < sv.count; i++) {
		zkjson_broker_t b;
		struct Stat st;
		char *buf = NULL;
		int len = 0;
		int32_t id;

		if (zkmeta_parse_id(sv.data[i], &id) < 0) {
			zkmeta_log(zm, LOG_WARNING, "ignoring /brokers/ids/%s: not a broker id",
			           sv.data[i]);
			continue;
		}
		zkpath_child(path, ZKPATH_BROKER_IDS, sv.data[i]);
		rc = zkmeta_read(zm, path, &buf, &len, &st);
		if (rc == ZNONODE)
			continue; /* went away; the children watch fires */
		if (rc != ZOK)
			goto out;
		if (zkjson_broker_decode(buf, (size_t)len, &b, err, sizeof(err)) < 0) {
			zkmeta_warn(zm, path, &st, err);
			free(buf);
			continue;
		}
		free(buf);
		cv->brokers[cv->broker_cnt].id = id;
		cv->brokers[cv->broker_cnt].host = b.host;
		cv->brokers[cv->broker_cnt].port = b.port;
		cv->brokers[cv->broker_cnt].rack = b.rack;
		cv->brokers[cv->broker_cnt].endpoints = b.endpoints;
		cv->brokers[cv->broker_cnt].endpoint_cnt = b.endpoint_cnt;
		cv->broker_cnt++;
		if (zkmeta_select_endpoint(zm, &cv->brokers[cv->broker_cnt - 1], path, &st) < 0) {
			rc = ZSYSTEMERROR;
			goto out;
		}
	}
	rc = ZOK;
out:
	deallocate_String_vector(&sv);
	return rc;
}

int zkmeta_read_state(zkmeta_t *zm, const char *topic, cview_partition_t *p)
{
	char path[ZKPATH_MAX], err[256];
	zkjson_state_t s;
	struct Stat st;
	char *buf = NULL;
	int len = 0, rc;

	zkpath_state(path, topic, (int)p->id);
	rc = zkmeta_read(zm, path, &buf, &len, &st);
	if (rc == ZNONODE)
		return ZOK;
	if (rc != ZOK)
		return rc;
	if (zkjson_state_decode(buf, (size_t)len, &s, err, sizeof(err)) < 0) {
		zkmeta_warn(zm, path, &st, err);
	} else {
		p->has_state = 1;
		p->leader = s.leader;
		p->leader_epoch = s.leader_epoch;
		p->isr_cnt = s.isr_cnt;
		p->isr = s.isr; /* moved */
		p->controller_epoch = s.controller_epoch;
		p->state_version = st.version;
	}
	free(buf);
	return ZOK;
}

/* Like zkmeta_warn, for a topic's assignment or config refused as a whole
 * (why says what is kept instead). */
static void zkmeta_refuse(zkmeta_t *zm, const char *path, const struct Stat *st, const char *why)
{
	if (zkutil_seen_first(&zm->warned, path, st->mzxid))
		zkmeta_log(zm, LOG_WARNING, "refusing %s: %s", path, why);
}

/* Copies prev's config overrides into t (the last good config). */
static int zkmeta_keep_config(cview_topic_t *t, const cview_topic_t *prev)
{
	int i;

	if (!prev || prev->config_cnt == 0)
		return ZOK;
	t->config_names = calloc((size_t)prev->config_cnt, sizeof(char *));
	t->config_values = calloc((size_t)prev->config_cnt, sizeof(char *));
	if (!t->config_names || !t->config_values)
		return ZSYSTEMERROR;
	for (i = 0; i < prev->config_cnt; i++) {
		t->config_names[i] = strdup(prev->config_names[i]);
		t->config_values[i] = strdup(prev->config_values[i]);
		t->config_cnt++;
		if (!t->config_names[i] || !t->config_values[i])
			return ZSYSTEMERROR;
	}
	return ZOK;
}

/* Reads /config/topics/<t>. A value that does not decode keeps prev's
 * config (the last good one; none without a previous snapshot): the
 * broker's retention must not change because of a typo. Whether each key
 * and value is acceptable is the broker's and the controller's to judge. */
int zkmeta_read_config(zkmeta_t *zm, cview_topic_t *t, const cview_topic_t *prev)
{
	char path[ZKPATH_MAX], err[256], why[320];
	zkjson_config_t c;
	struct Stat st;
	char *buf = NULL;
	int len = 0, rc;

	zkpath_topic_config(path, t->name);
	rc = zkmeta_read(zm, path, &buf, &len, &st);
	if (rc == ZNONODE)
		return ZOK;
	if (rc != ZOK)
		return rc;
	if (zkjson_config_decode(buf, (size_t)len, &c, err, sizeof(err)) < 0) {
		snprintf(why, sizeof(why), "%s; keeping the last good config", err);
		zkmeta_refuse(zm, path, &st, why);
		free(buf);
		return zkmeta_keep_config(t, prev);
	} else {
		t->config_cnt = c.cnt;
		t->config_names = c.names; /* moved */
		t->config_values = c.values;
	}
	free(buf);
	return ZOK;
}

/* prev's assignment (the last good one) as a zkjson assignment. */
static int zkmeta_keep_assignment(const cview_topic_t *prev, zkjson_assignment_t *a)
{
	int i;

	a->partitions = calloc((size_t)prev->partition_cnt, sizeof(*a->partitions));
	if (!a->partitions)
		return ZSYSTEMERROR;
	a->partition_cnt = prev->partition_cnt;
	for (i = 0; i < prev->partition_cnt; i++) {
		const cview_partition_t *p = &prev->partitions[i];

		a->partitions[i].ids =
		    malloc((size_t)(p->replica_cnt ? p->replica_cnt : 1) * sizeof(int32_t));
		if (!a->partitions[i].ids)
			return ZSYSTEMERROR;
		if (p->replica_cnt > 0)
			memcpy(a->partitions[i].ids, p->replicas,
			       (size_t)p->replica_cnt * sizeof(int32_t));
		a->partitions[i].cnt = p->replica_cnt;
	}
	return ZOK;
}

/* An assignment may add partitions, never remove them: 1 when it lists
 * fewer than prev had, or, for a fresh reader with no previous snapshot of
 * the topic, when partition a->partition_cnt already has a state znode
 * (prev passed the same check, so with prev the count is enough and no
 * ZooKeeper call is made). */
static int zkmeta_assignment_shrinks(zkmeta_t *zm, const char *topic, const zkjson_assignment_t *a,
                                     const cview_topic_t *prev, char *why, size_t n, int *rcp)
{
	char path[ZKPATH_MAX];
	struct Stat st;
	int rc;

	*rcp = ZOK;
	if (prev && prev->partition_cnt > a->partition_cnt) {
		snprintf(why, n,
		         "topic assignment lists %d partition(s), it had %d: partitions "
		         "cannot be removed",
		         a->partition_cnt, prev->partition_cnt);
		return 1;
	}
	if (prev)
		return 0;
	zkpath_state(path, topic, a->partition_cnt);
	__atomic_add_fetch(&zm->reads, 1, __ATOMIC_RELAXED);
	rc = zoo_exists(zm->zh, path, 0, &st);
	if (rc == ZOK) {
		snprintf(why, n,
		         "topic assignment lists %d partition(s) but partition %d exists: "
		         "partitions cannot be removed",
		         a->partition_cnt, a->partition_cnt);
		return 1;
	}
	if (rc != ZNONODE)
		*rcp = rc;
	return 0;
}

/* Reads one topic into t (t->name set); prev is the topic in the previous
 * snapshot (NULL: none). *skipp = 1 when it is absent, or refused with no
 * good version to keep (*heldp = 1: its logs must stay); t is then to be
 * freed by the caller's cleanup only. A refused assignment (malformed, or
 * removing partitions) keeps prev's: never does a typo make a topic vanish
 * from the brokers (who would delete its logs). */
int zkmeta_read_topic(zkmeta_t *zm, cview_topic_t *t, const cview_topic_t *prev, int *skipp,
                      int *heldp)
{
	zkjson_assignment_t a;
	char path[ZKPATH_MAX], err[256], why[400];
	struct Stat st;
	char *buf = NULL;
	int len = 0, rc, i, refused = 0;

	*skipp = 1;
	*heldp = 0;
	zkpath_topic(path, t->name);
	rc = zkmeta_read(zm, path, &buf, &len, &st);
	if (rc == ZNONODE)
		return ZOK;
	if (rc != ZOK)
		return rc;
	if (zkjson_assignment_decode(buf, (size_t)len, &a, err, sizeof(err)) < 0) {
		refused = 1;
	} else if (zkmeta_assignment_shrinks(zm, t->name, &a, prev, err, sizeof(err), &rc)) {
		zkjson_assignment_clear(&a);
		refused = 1;
	} else if (rc != ZOK) {
		zkjson_assignment_clear(&a);
		free(buf);
		return rc;
	}
	free(buf);
	if (refused) {
		snprintf(why, sizeof(why), "%s; %s", err,
		         prev ? "keeping the last good version"
		              : "no good version known: the topic is left out, its logs are kept");
		zkmeta_refuse(zm, path, &st, why);
		if (!prev) {
			*heldp = 1;
			return ZOK;
		}
		memset(&a, 0, sizeof(a));
		if ((rc = zkmeta_keep_assignment(prev, &a)) != ZOK) {
			zkjson_assignment_clear(&a);
			return rc;
		}
	}
	t->partitions = calloc((size_t)a.partition_cnt, sizeof(*t->partitions));
	if (!t->partitions) {
		zkjson_assignment_clear(&a);
		return ZSYSTEMERROR;
	}
	t->partition_cnt = a.partition_cnt;
	for (i = 0; i < a.partition_cnt; i++) {
		cview_partition_t *p = &t->partitions[i];

		p->id = i;
		p->replica_cnt = a.partitions[i].cnt;
		p->replicas = a.partitions[i].ids; /* moved */
		a.partitions[i].ids = NULL;
		p->leader = -1;
		p->controller_epoch = -1;
	}
	zkjson_assignment_clear(&a);
	for (i = 0; i < t->partition_cnt; i++) {
		rc = zkmeta_read_state(zm, t->name, &t->partitions[i]);
		if (rc != ZOK)
			return rc;
	}
	rc = zkmeta_read_config(zm, t, prev);
	if (rc == ZOK)
		*skipp = 0;
	return rc;
}

static int zkmeta_read_topics(zkmeta_t *zm, cview_t *cv, const cview_t *prev)
{
	struct String_vector sv, del;
	int rc, i, j;

	memset(&del, 0, sizeof(del));
	rc = zkmeta_children(zm, ZKPATH_TOPICS, &sv);
	if (rc == ZNONODE)
		return ZOK;
	if (rc != ZOK)
		return rc;
	rc = zkmeta_children(zm, ZKPATH_DELETE_TOPICS, &del);
	if (rc != ZOK && rc != ZNONODE)
		goto out;
	cv->topics = sv.count ? calloc((size_t)sv.count, sizeof(*cv->topics)) : NULL;
	cv->held_topics = sv.count ? calloc((size_t)sv.count, sizeof(char *)) : NULL;
	if (sv.count && (!cv->topics || !cv->held_topics)) {
		rc = ZSYSTEMERROR;
		goto out;
	}
	for (i = 0; i < sv.count; i++) {
		cview_topic_t *t = &cv->topics[cv->topic_cnt];
		int skip, held;

		t->name = strdup(sv.data[i]);
		if (!t->name) {
			rc = ZSYSTEMERROR;
			goto out;
		}
		rc = zkmeta_read_topic(zm, t, prev ? cview_topic(prev, t->name) : NULL, &skip,
		                       &held);
		if (rc == ZOK && held) {
			cv->held_topics[cv->held_cnt++] = t->name; /* moved */
			t->name = NULL;
		}
		if (rc != ZOK || skip) {
			cview_topic_clear(t);
			if (rc != ZOK)
				goto out;
			continue;
		}
		for (j = 0; j < del.count; j++)
			if (!strcmp(del.data[j], t->name))
				t->deleting = 1;
		cv->topic_cnt++;
	}
	rc = ZOK;
out:
	deallocate_String_vector(&sv);
	deallocate_String_vector(&del);
	return rc;
}

/* The children of /admin/controlled_shutdown: brokers about to stop. The
 * child's name is the broker id (the value is the controller's to check);
 * a name that is not an id is logged and skipped. */
int zkmeta_read_shutting_down(zkmeta_t *zm, cview_t *cv)
{
	struct String_vector sv;
	int rc, i;

	rc = zkmeta_children(zm, ZKPATH_CONTROLLED_SHUTDOWN, &sv);
	if (rc == ZNONODE)
		return ZOK;
	if (rc != ZOK)
		return rc;
	if (sv.count > 0 && !(cv->shutting_down = calloc((size_t)sv.count, sizeof(int32_t)))) {
		deallocate_String_vector(&sv);
		return ZSYSTEMERROR;
	}
	for (i = 0; i < sv.count; i++) {
		if (zkmeta_parse_id(sv.data[i], &cv->shutting_down[cv->shutting_down_cnt]) < 0) {
			zkmeta_log(zm, LOG_WARNING,
			           "ignoring /admin/controlled_shutdown/%s: not a broker id",
			           sv.data[i]);
			continue;
		}
		cv->shutting_down_cnt++;
	}
	deallocate_String_vector(&sv);
	return ZOK;
}

int zkmeta_read_head(zkmeta_t *zm, cview_t *cv, const char *path)
{
	char *buf = NULL, err[256];
	struct Stat st;
	int len = 0, rc, bad = 0;

	rc = zkmeta_read(zm, path, &buf, &len, &st);
	if (!strcmp(path, ZKPATH_CLUSTER_ID)) {
		free(cv->cluster_id);
		cv->cluster_id = NULL;
		bad = rc == ZOK && zkjson_cluster_id_decode(buf, (size_t)len, &cv->cluster_id, err,
		                                            sizeof(err)) < 0;
	} else if (!strcmp(path, ZKPATH_CONTROLLER)) {
		cv->controller_id = -1;
		bad = rc == ZOK && zkjson_controller_decode(buf, (size_t)len, &cv->controller_id,
		                                            err, sizeof(err)) < 0;
	} else {
		cv->controller_epoch = -1;
		bad = rc == ZOK && zkjson_epoch_decode(buf, (size_t)len, &cv->controller_epoch, err,
		                                       sizeof(err)) < 0;
	}
	if (bad)
		zkmeta_warn(zm, path, &st, err);
	free(buf);
	return rc == ZNONODE ? ZOK : rc;
}

/* One full pass. Returns ZOK with *cvp, or a ZooKeeper error (nothing kept). */
int zkmeta_build(zkmeta_t *zm, cview_t **cvp)
{
	cview_t *cv = cview_new(), *prev;
	int rc;

	*cvp = NULL;
	if (!cv)
		return ZSYSTEMERROR;
	if ((rc = zkmeta_read_head(zm, cv, ZKPATH_CLUSTER_ID)) != ZOK ||
	    (rc = zkmeta_read_head(zm, cv, ZKPATH_CONTROLLER)) != ZOK ||
	    (rc = zkmeta_read_head(zm, cv, ZKPATH_CONTROLLER_EPOCH)) != ZOK)
		goto fail;
	if ((rc = zkmeta_read_brokers(zm, cv)) != ZOK)
		goto fail;
	prev = zkmeta_snapshot(zm);
	rc = zkmeta_read_topics(zm, cv, prev);
	cview_unref(prev);
	if (rc != ZOK)
		goto fail;
	if ((rc = zkmeta_read_shutting_down(zm, cv)) != ZOK)
		goto fail;
	cview_finish(cv);
	cv->version = zkmeta_next_version();
	*cvp = cv;
	return ZOK;
fail:
	cview_unref(cv);
	return rc;
}

/* One pass over what d names: the whole tree when d is full or there is
 * no snapshot to start from, else only the znodes whose watches fired
 * (zkmeta_update.c). */
static int zkmeta_pass(zkmeta_t *zm, const zkmeta_dirty_t *d, cview_t **cvp)
{
	cview_t *prev = d->full ? NULL : zkmeta_snapshot(zm);
	int rc;

	if (!prev)
		return zkmeta_build(zm, cvp);
	rc = zkmeta_update(zm, prev, d, cvp);
	cview_unref(prev);
	if (rc == ZKMETA_NEED_FULL)
		rc = zkmeta_build(zm, cvp);
	return rc;
}

/* Swaps in cv (takes the reference), wakes waiters, calls the callback. */
static void zkmeta_publish(zkmeta_t *zm, cview_t *cv)
{
	cview_t *old;

	pthread_mutex_lock(&zm->lock);
	old = zm->cur;
	zm->cur = cv;
	pthread_cond_broadcast(&zm->cond);
	pthread_mutex_unlock(&zm->lock);
	cview_unref(old);
	if (zm->on_snapshot)
		zm->on_snapshot(cview_ref(cv), zm->opaque);
}

static void *zkmeta_main(void *arg)
{
	zkmeta_t *zm = arg;
	int backoff = ZKMETA_BACKOFF_MIN_MS;
	struct timespec ts;

	pthread_mutex_lock(&zm->lock);
	while (!zm->stop) {
		cview_t *cv;
		int rc;

		if (!zkmeta_dirty_any(&zm->dirty)) {
			pthread_cond_wait(&zm->cond, &zm->lock);
			continue;
		}
		/* Let the rest of the burst arrive. */
		deadline_after_ms(&ts, ZKMETA_COALESCE_MS);
		while (!zm->stop && pthread_cond_timedwait(&zm->cond, &zm->lock, &ts) == 0)
			;
		if (zm->stop)
			break;
		zkmeta_dirty_t d = zm->dirty; /* taken: events from now on start a new set */
		memset(&zm->dirty, 0, sizeof(zm->dirty));
		uint64_t pass = ++zm->passes_started;
		pthread_mutex_unlock(&zm->lock);
		rc = zkmeta_pass(zm, &d, &cv);
		zkmeta_dirty_clear(&d);
		if (rc == ZOK)
			zkmeta_publish(zm, cv);
		pthread_mutex_lock(&zm->lock);
		if (rc == ZOK) {
			zm->passes_done = pass;
			pthread_cond_broadcast(&zm->cond);
			backoff = ZKMETA_BACKOFF_MIN_MS;
			continue;
		}
		zkmeta_log(zm, LOG_INFO, "metadata read failed (%s); retrying in %d ms",
		           zkutil_err2str(rc), backoff);
		zm->dirty.full = 1; /* after a failure, everything again */
		deadline_after_ms(&ts, backoff);
		while (!zm->stop && pthread_cond_timedwait(&zm->cond, &zm->lock, &ts) == 0)
			;
		backoff = backoff * 2 > ZKMETA_BACKOFF_MAX_MS ? ZKMETA_BACKOFF_MAX_MS : backoff * 2;
	}
	pthread_mutex_unlock(&zm->lock);
	return NULL;
}

zkmeta_t *zkmeta_new(zhandle_t *zh, zkmeta_snapshot_cb *on_snapshot, void *opaque, char *errstr,
                     size_t errstr_size)
{
	zkmeta_opts_t o = { NULL, 0, on_snapshot, opaque, NULL };
	return zkmeta_new_opts(zh, &o, errstr, errstr_size);
}

zkmeta_t *zkmeta_new_listener(zhandle_t *zh, const char *listener, int prefer_loopback,
                              zkmeta_snapshot_cb *on_snapshot, void *opaque, char *errstr,
                              size_t errstr_size)
{
	zkmeta_opts_t o = { listener, prefer_loopback, on_snapshot, opaque, NULL };
	return zkmeta_new_opts(zh, &o, errstr, errstr_size);
}

zkmeta_t *zkmeta_new_opts(zhandle_t *zh, const zkmeta_opts_t *o, char *errstr, size_t errstr_size)
{
	zkmeta_t *zm = calloc(1, sizeof(*zm));
	cview_t *cv = NULL;
	int rc = ZOK, attempt;
	struct timespec nap = { 0, 100 * 1000000 };

	if (!zm) {
		snprintf(errstr, errstr_size, "out of memory");
		return NULL;
	}
	zm->zh = zh;
	zm->on_snapshot = o->on_snapshot;
	zm->opaque = o->opaque;
	zm->prefer_loopback = o->prefer_loopback;
	if (o->log)
		zm->log = *o->log;
	if (o->listener && !(zm->listener = strdup(o->listener))) {
		free(zm);
		snprintf(errstr, errstr_size, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&zm->lock, NULL);
	deadline_cond_init(&zm->cond);
	if (zkutil_live_add(zm) < 0) {
		snprintf(errstr, errstr_size, "out of memory");
		goto fail;
	}
	/* A transient error (connection loss) gets a few more tries. */
	for (attempt = 0; attempt < 5; attempt++) {
		rc = zkmeta_build(zm, &cv);
		if (rc == ZOK || rc == ZSYSTEMERROR || rc == ZINVALIDSTATE)
			break;
		nanosleep(&nap, NULL);
	}
	if (rc != ZOK) {
		snprintf(errstr, errstr_size, "cannot read cluster metadata from ZooKeeper: %s",
		         zkutil_err2str(rc));
		goto fail;
	}
	zkmeta_publish(zm, cv);
	if (pthread_create(&zm->thread, NULL, zkmeta_main, zm) != 0) {
		snprintf(errstr, errstr_size, "cannot start the metadata thread");
		goto fail;
	}
	zm->thread_started = 1;
	return zm;
fail:
	zkmeta_destroy(zm);
	return NULL;
}

int zkmeta_refresh(zkmeta_t *zm)
{
	zkmeta_mark_dirty(zm, NULL);
	return 0;
}

int zkmeta_sync(zkmeta_t *zm, int timeout_ms)
{
	struct timespec ts;
	uint64_t target;
	int rc = 0;

	deadline_after_ms(&ts, timeout_ms > 0 ? timeout_ms : 0);
	pthread_mutex_lock(&zm->lock);
	/* A pass already under way may have read before the caller's write:
	 * only a pass that begins after this point counts. */
	target = zm->passes_started + 1;
	zm->dirty.full = 1;
	pthread_cond_broadcast(&zm->cond);
	while (zm->passes_done < target && !zm->stop) {
		if (pthread_cond_timedwait(&zm->cond, &zm->lock, &ts) != 0) {
			rc = -1;
			break;
		}
	}
	if (zm->stop)
		rc = -1;
	pthread_mutex_unlock(&zm->lock);
	return rc;
}

cview_t *zkmeta_snapshot(zkmeta_t *zm)
{
	cview_t *cv;

	pthread_mutex_lock(&zm->lock);
	cv = zm->cur ? cview_ref(zm->cur) : NULL;
	pthread_mutex_unlock(&zm->lock);
	return cv;
}

int zkmeta_wait(zkmeta_t *zm, int (*pred)(const cview_t *cv, void *arg), void *arg, int timeout_ms)
{
	struct timespec ts;
	int held = 0;

	deadline_after_ms(&ts, timeout_ms > 0 ? timeout_ms : 0);
	pthread_mutex_lock(&zm->lock);
	for (;;) {
		if (zm->cur && pred(zm->cur, arg)) {
			held = 1;
			break;
		}
		if (pthread_cond_timedwait(&zm->cond, &zm->lock, &ts) != 0)
			break;
	}
	if (!held && zm->cur && pred(zm->cur, arg))
		held = 1;
	pthread_mutex_unlock(&zm->lock);
	return held;
}

uint64_t zkmeta_reads(zkmeta_t *zm)
{
	return __atomic_load_n(&zm->reads, __ATOMIC_RELAXED);
}

void zkmeta_destroy(zkmeta_t *zm)
{
	if (!zm)
		return;
	zkutil_live_remove(zm);
	pthread_mutex_lock(&zm->lock);
	zm->stop = 1;
	pthread_cond_broadcast(&zm->cond);
	pthread_mutex_unlock(&zm->lock);
	if (zm->thread_started)
		pthread_join(zm->thread, NULL);
	cview_unref(zm->cur);
	zkmeta_dirty_clear(&zm->dirty);
	zkutil_seen_clear(&zm->warned);
	pthread_cond_destroy(&zm->cond);
	pthread_mutex_destroy(&zm->lock);
	free(zm->listener);
	free(zm);
}
