/*
 * zkadmin.c — topic creation, deletion, new partitions and config changes
 * through ZooKeeper.
 *
 * As in Kafka's ZooKeeper mode the admin side writes only the replica
 * assignment (/brokers/topics/<t>) and the config (/config/topics/<t>),
 * both in one multi-op, or the deletion marker (/admin/delete_topics/<t>);
 * the controller writes partition states and carries out deletions. A
 * config change rewrites /config/topics/<t> only; every broker's zkmeta
 * watch sees it and the broker applies it to the topic's logs.
 *
 * Assignment (Kafka's rack-unaware algorithm): live brokers sorted by id;
 * a random start index and a random follower shift; partition i's first
 * replica is broker (start + i) % n, follower j sits 1 + (shift + j) %
 * (n - 1) places after it, and the shift grows by one every n partitions,
 * so leaders and followers both spread evenly.
 *
 * Adding partitions rewrites /brokers/topics/<t> with the new partitions
 * placed by the same algorithm (continuing from partition 0's first
 * replica, with partition 0's replication factor), conditional on the
 * version read; the controller sees the longer assignment and elects the
 * new partitions' leaders. Existing partitions are never touched.
 *
 * Threads: blocking synchronous ZooKeeper calls; an application thread,
 * never a ZooKeeper watcher.
 */
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "common/zkadmin.h"
#include "common/cleanup_policy.h"
#include "common/zkjson.h"
#include "common/numparse.h"
#include "common/zkutil.h"
#include "common/zkpath.h"

#define ZKADMIN_MAX_PARTITIONS 100000

const char *const zkadmin_topic_config_keys[] = {
	"cleanup.policy",
	"retention.ms",
	"retention.bytes",
	"segment.bytes",
	"segment.ms",
	"segment.index.bytes",
	"max.message.bytes",
	"min.insync.replicas",
	"flush.messages",
	"flush.ms",
	"message.timestamp.difference.max.ms",
	"unclean.leader.election.enable",
	"min.cleanable.dirty.ratio",
	"min.compaction.lag.ms",
	"max.compaction.lag.ms",
	"delete.retention.ms",
	NULL,
};

const zkadmin_topic_default_t zkadmin_topic_config_defaults[] = {
	{ "cleanup.policy", NULL, "delete" },
	{ "retention.ms", "log.retention.ms", "604800000" },
	{ "retention.bytes", "log.retention.bytes", "-1" },
	{ "segment.bytes", "log.segment.bytes", "1073741824" },
	{ "segment.ms", "log.roll.ms", "604800000" },
	{ "segment.index.bytes", "log.index.size.max.bytes", "10485760" },
	{ "max.message.bytes", "message.max.bytes", "1048588" },
	{ "min.insync.replicas", "min.insync.replicas", "1" },
	{ "flush.messages", "log.flush.interval.messages", "9223372036854775807" },
	{ "flush.ms", "log.flush.interval.ms", "9223372036854775807" },
	{ "message.timestamp.difference.max.ms", "log.message.timestamp.difference.max.ms",
	  "9223372036854775807" },
	{ "unclean.leader.election.enable", "unclean.leader.election.enable", "false" },
	{ NULL, NULL, NULL },
};

fjord_err_t zkadmin_validate_topic_name(const char *name, char *errstr, size_t n)
{
	size_t len, i;

	if (!name || !*name) {
		snprintf(errstr, n, "topic name is empty");
		return FJORD_ERR_INVALID_TOPIC;
	}
	len = strlen(name);
	if (len > 249) {
		snprintf(errstr, n, "topic name is %zu characters long, at most 249 are allowed",
		         len);
		return FJORD_ERR_INVALID_TOPIC;
	}
	if (!strcmp(name, ".") || !strcmp(name, "..")) {
		snprintf(errstr, n, "topic name cannot be \"%s\"", name);
		return FJORD_ERR_INVALID_TOPIC;
	}
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-')) {
			snprintf(
			    errstr, n,
			    "topic name \"%s\" has an illegal character at position %zu (allowed: "
			    "a-z A-Z 0-9 . _ -)",
			    name, i);
			return FJORD_ERR_INVALID_TOPIC;
		}
	}
	return FJORD_ERR_NO_ERROR;
}

/* A decimal integer within [min, max]. */
static int zkadmin_check_long(const char *key, const char *value, long long min, long long max,
                              char *errstr, size_t n)
{
	int64_t v;

	if (num_parse_i64(value, INT64_MIN, INT64_MAX, &v) < 0) {
		snprintf(errstr, n, "%s: \"%s\" is not an integer", key, value);
		return -1;
	}
	if (v < min || v > max) {
		snprintf(errstr, n, "%s: %lld is out of range %lld..%lld", key, (long long)v, min,
		         max);
		return -1;
	}
	return 0;
}

int zkadmin_validate_topic_config(const char *key, const char *value, char *errstr, size_t n)
{
	const long long imax = 2147483647LL, lmax = 9223372036854775807LL;

	if (!key || !value) {
		snprintf(errstr, n, "topic config name and value must not be NULL");
		return -1;
	}
	if (!strcmp(key, "cleanup.policy")) {
		int policy;
		/* One list of accepted values for the controller, the CLI's
		 * zkadmin path and the broker (common/cleanup_policy.h). */
		return cleanup_policy_parse(value, &policy, errstr, n);
	}
	if (!strcmp(key, "min.cleanable.dirty.ratio")) {
		char *end = NULL;
		errno = 0;
		double v = value[0] ? strtod(value, &end) : -1;
		if (!value[0] || errno || *end || !(v >= 0 && v <= 1)) {
			snprintf(errstr, n, "%s: \"%s\" is not a number from 0 to 1", key, value);
			return -1;
		}
		return 0;
	}
	if (!strcmp(key, "min.compaction.lag.ms") || !strcmp(key, "delete.retention.ms"))
		return zkadmin_check_long(key, value, 0, lmax, errstr, n);
	if (!strcmp(key, "max.compaction.lag.ms"))
		return zkadmin_check_long(key, value, 1, lmax, errstr, n);
	if (!strcmp(key, "unclean.leader.election.enable")) {
		if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0) {
			snprintf(errstr, n, "%s: \"%s\" must be true or false", key, value);
			return -1;
		}
		return 0;
	}
	if (!strcmp(key, "retention.ms") || !strcmp(key, "retention.bytes"))
		return zkadmin_check_long(key, value, -1, lmax, errstr, n);
	if (!strcmp(key, "segment.bytes"))
		return zkadmin_check_long(key, value, 14, imax, errstr, n);
	if (!strcmp(key, "segment.ms") || !strcmp(key, "flush.messages"))
		return zkadmin_check_long(key, value, 1, lmax, errstr, n);
	if (!strcmp(key, "flush.ms") || !strcmp(key, "message.timestamp.difference.max.ms"))
		return zkadmin_check_long(key, value, 0, lmax, errstr, n);
	/* 12: room for one time-index entry, the broker's own lower bound. */
	if (!strcmp(key, "segment.index.bytes"))
		return zkadmin_check_long(key, value, 12, imax, errstr, n);
	if (!strcmp(key, "max.message.bytes"))
		return zkadmin_check_long(key, value, 0, imax, errstr, n);
	if (!strcmp(key, "min.insync.replicas"))
		return zkadmin_check_long(key, value, 1, imax, errstr, n);
	snprintf(errstr, n, "unknown topic config \"%s\"", key);
	return -1;
}

static int zkadmin_cmp_id(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

/* Live broker ids, sorted. Returns a ZooKeeper code. */
static int zkadmin_live_brokers(zhandle_t *zh, int32_t **idsp, int *cntp)
{
	struct String_vector sv;
	int32_t *ids = NULL;
	int rc, i, cnt = 0;

	*idsp = NULL;
	*cntp = 0;
	rc = zkutil_children(zh, ZKPATH_BROKER_IDS, NULL, NULL, &sv);
	if (rc == ZNONODE)
		return ZOK;
	if (rc != ZOK)
		return rc;
	if (sv.count > 0 && !(ids = calloc((size_t)sv.count, sizeof(*ids)))) {
		rc = ZSYSTEMERROR;
		goto out;
	}
	for (i = 0; i < sv.count; i++)
		if (num_parse_i32(sv.data[i], 0, INT32_MAX, &ids[cnt]) == 0)
			cnt++;
	if (cnt > 1)
		qsort(ids, (size_t)cnt, sizeof(*ids), zkadmin_cmp_id);
	*idsp = ids;
	*cntp = cnt;
	ids = NULL;
out:
	free(ids);
	deallocate_String_vector(&sv);
	return rc;
}

static unsigned zkadmin_random(void)
{
	unsigned r;

	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = (unsigned)time(NULL) ^ (unsigned)clock();
	return r;
}

/* Kafka's rack-unaware placement of partitions first..total-1 into a
 * (which gets total entries; those below first stay empty): partition p's
 * first replica is brokers[(p + start) % n], follower j sits 1 + (shift +
 * j) % (n - 1) places after it, the shift growing by one at every multiple
 * of n. A new topic starts at a random index with a random shift; added
 * partitions continue from the index of partition 0's first replica, as
 * Kafka does. -1 out of memory (a is the caller's to clear). */
static int zkadmin_assign(const int32_t *brokers, int n, int32_t first, int32_t total, int32_t rf,
                          int start, int shift, zkjson_assignment_t *a)
{
	int32_t p;
	int j;

	a->partitions = calloc((size_t)total, sizeof(*a->partitions));
	if (!a->partitions)
		return -1;
	a->partition_cnt = total;
	for (p = first; p < total; p++) {
		zkjson_replicas_t *r = &a->partitions[p];
		int first_idx;

		if (p > 0 && p % n == 0)
			shift++;
		first_idx = (int)((p + start) % n);
		r->ids = calloc((size_t)rf, sizeof(*r->ids));
		if (!r->ids)
			return -1;
		r->cnt = rf;
		r->ids[0] = brokers[first_idx];
		for (j = 0; j < rf - 1; j++)
			r->ids[j + 1] = brokers[(first_idx + 1 + (shift + j) % (n - 1)) % n];
	}
	return 0;
}

static fjord_err_t zkadmin_zkerr(int rc, const char *what, char *errstr, size_t n)
{
	snprintf(errstr, n, "ZooKeeper error while %s: %s", what, zkutil_err2str(rc));
	return FJORD_ERR__ZOOKEEPER;
}

/* Checks that path exists (want 1) or is absent (want 0). Not as wanted:
 * `err` with "topic \"<topic>\" <why>"; a ZooKeeper error: __ZOOKEEPER
 * naming what was `checking`. */
static fjord_err_t zkadmin_expect(zhandle_t *zh, const char *path, int want, const char *topic,
                                  fjord_err_t err, const char *why, const char *checking,
                                  char *errstr, size_t n)
{
	struct Stat st;
	int rc = zoo_exists(zh, path, 0, &st);

	if (rc != ZOK && rc != ZNONODE)
		return zkadmin_zkerr(rc, checking, errstr, n);
	if ((rc == ZOK) == !!want)
		return FJORD_ERR_NO_ERROR;
	snprintf(errstr, n, "topic \"%s\" %s", topic, why);
	return err;
}

fjord_err_t zkadmin_create_topic(zhandle_t *zh, const char *topic, int32_t partitions,
                                 int32_t replication_factor, const char *const *configs,
                                 char *errstr, size_t errstr_size)
{
	zkjson_assignment_t a = { 0, NULL };
	zkjson_config_t cfg = { 0, NULL, NULL };
	char *assign_json = NULL, *config_json = NULL;
	char tpath[ZKPATH_MAX], cpath[ZKPATH_MAX], dpath[ZKPATH_MAX];
	int32_t *brokers = NULL;
	int nbrokers = 0, rc, i, j, cfg_exists;
	zoo_op_t ops[2];
	zoo_op_result_t res[2];
	struct Stat st;
	fjord_err_t err;

	if ((err = zkadmin_validate_topic_name(topic, errstr, errstr_size)))
		return err;
	if (partitions < 1 || partitions > ZKADMIN_MAX_PARTITIONS) {
		snprintf(errstr, errstr_size, "partition count %d is out of range 1..%d",
		         (int)partitions, ZKADMIN_MAX_PARTITIONS);
		return FJORD_ERR_INVALID_PARTITIONS;
	}
	if (replication_factor < 1) {
		snprintf(errstr, errstr_size, "replication factor %d must be at least 1",
		         (int)replication_factor);
		return FJORD_ERR_INVALID_REPLICATION_FACTOR;
	}
	for (i = 0; configs && configs[i]; i += 2) {
		if (zkadmin_validate_topic_config(configs[i], configs[i + 1], errstr, errstr_size))
			return FJORD_ERR_INVALID_CONFIG;
		for (j = 0; j < i; j += 2) {
			if (!strcmp(configs[j], configs[i])) {
				snprintf(errstr, errstr_size, "topic config \"%s\" given twice",
				         configs[i]);
				return FJORD_ERR_INVALID_CONFIG;
			}
		}
		cfg.cnt++;
	}
	cfg.names = calloc((size_t)cfg.cnt + 1, sizeof(char *));
	cfg.values = calloc((size_t)cfg.cnt + 1, sizeof(char *));
	if (!cfg.names || !cfg.values) {
		snprintf(errstr, errstr_size, "out of memory");
		err = FJORD_ERR__FAIL;
		goto out;
	}
	for (i = 0; i < cfg.cnt; i++) {
		cfg.names[i] = (char *)configs[2 * i];
		cfg.values[i] = (char *)configs[2 * i + 1];
	}

	zkpath_topic(tpath, topic);
	zkpath_topic_config(cpath, topic);
	zkpath_delete_topic(dpath, topic);
	if ((err = zkadmin_expect(zh, dpath, 0, topic, FJORD_ERR_TOPIC_ALREADY_EXISTS,
	                          "is still being deleted", "checking pending deletions", errstr,
	                          errstr_size)) ||
	    (err = zkadmin_expect(zh, tpath, 0, topic, FJORD_ERR_TOPIC_ALREADY_EXISTS,
	                          "already exists", "checking the topic", errstr, errstr_size)))
		goto out;
	if ((rc = zkadmin_live_brokers(zh, &brokers, &nbrokers)) != ZOK) {
		err = zkadmin_zkerr(rc, "listing live brokers", errstr, errstr_size);
		goto out;
	}
	if (replication_factor > nbrokers) {
		snprintf(errstr, errstr_size,
		         "replication factor %d is larger than the number of live brokers (%d)",
		         (int)replication_factor, nbrokers);
		err = FJORD_ERR_INVALID_REPLICATION_FACTOR;
		goto out;
	}
	if (zkadmin_assign(brokers, nbrokers, 0, partitions, replication_factor,
	                   (int)(zkadmin_random() % (unsigned)nbrokers),
	                   (int)(zkadmin_random() % (unsigned)nbrokers), &a) < 0 ||
	    !(assign_json = zkjson_assignment_encode(&a)) ||
	    !(config_json = zkjson_config_encode(&cfg))) {
		snprintf(errstr, errstr_size, "out of memory");
		err = FJORD_ERR__FAIL;
		goto out;
	}
	if ((rc = zkutil_create_recursive(zh, ZKPATH_TOPICS, NULL, -1)) != ZOK ||
	    (rc = zkutil_create_recursive(zh, ZKPATH_CONFIG_TOPICS, NULL, -1)) != ZOK) {
		err = zkadmin_zkerr(rc, "creating /brokers/topics and /config/topics", errstr,
		                    errstr_size);
		goto out;
	}
	/* A config left without a topic (e.g. written by hand first) is replaced. */
	rc = zoo_exists(zh, cpath, 0, &st);
	if (rc != ZOK && rc != ZNONODE) {
		err = zkadmin_zkerr(rc, "checking the topic config", errstr, errstr_size);
		goto out;
	}
	cfg_exists = rc == ZOK;
	if (cfg_exists)
		zoo_set_op_init(&ops[0], cpath, config_json, (int)strlen(config_json), st.version,
		                NULL);
	else
		zoo_create_op_init(&ops[0], cpath, config_json, (int)strlen(config_json),
		                   zkacl_of(zh, cpath), 0, NULL, 0);
	zoo_create_op_init(&ops[1], tpath, assign_json, (int)strlen(assign_json),
	                   zkacl_of(zh, tpath), 0, NULL, 0);
	rc = zoo_multi(zh, 2, ops, res);
	if (rc == ZNODEEXISTS && res[1].err == ZNODEEXISTS) {
		snprintf(errstr, errstr_size, "topic \"%s\" already exists", topic);
		err = FJORD_ERR_TOPIC_ALREADY_EXISTS;
		goto out;
	}
	if (rc != ZOK) {
		err = zkadmin_zkerr(rc, "creating the topic znodes", errstr, errstr_size);
		goto out;
	}
	err = FJORD_ERR_NO_ERROR;
out:
	free(cfg.names); /* the strings are the caller's */
	free(cfg.values);
	zkjson_assignment_clear(&a);
	free(assign_json);
	free(config_json);
	free(brokers);
	return err;
}

fjord_err_t zkadmin_delete_topic(zhandle_t *zh, const char *topic, char *errstr, size_t errstr_size)
{
	char tpath[ZKPATH_MAX], dpath[ZKPATH_MAX];
	fjord_err_t err;
	int rc;

	if ((err = zkadmin_validate_topic_name(topic, errstr, errstr_size)))
		return err;
	zkpath_topic(tpath, topic);
	zkpath_delete_topic(dpath, topic);
	if ((err = zkadmin_expect(zh, tpath, 1, topic, FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION,
	                          "does not exist", "checking the topic", errstr, errstr_size)))
		return err;
	rc = zkutil_create_recursive(zh, dpath, NULL, -1);
	if (rc != ZOK)
		return zkadmin_zkerr(rc, "creating the deletion marker", errstr, errstr_size);
	return FJORD_ERR_NO_ERROR;
}

/* ------------------------------------------------------------ adding partitions */

/* Index of id in the sorted live brokers, or -1. */
static int zkadmin_broker_index(const int32_t *brokers, int n, int32_t id)
{
	for (int i = 0; i < n; i++)
		if (brokers[i] == id)
			return i;
	return -1;
}

/* One attempt: reads the assignment, checks the request against it, places
 * the new partitions and writes the result conditional on the version
 * read. *retry set when another writer changed the znode meanwhile. */
static fjord_err_t zkadmin_grow_once(zhandle_t *zh, const char *topic, const char *tpath,
                                     int32_t new_total, int *retry, char *errstr, size_t n)
{
	zkjson_assignment_t cur = { 0, NULL }, a = { 0, NULL };
	int32_t *brokers = NULL, rf;
	char *buf = NULL, *json = NULL, why[256];
	int len = 0, nbrokers = 0, rc, start;
	struct Stat st;
	fjord_err_t err;

	*retry = 0;
	rc = zkutil_get(zh, tpath, NULL, NULL, &buf, &len, &st);
	if (rc == ZNONODE) {
		snprintf(errstr, n, "topic \"%s\" does not exist", topic);
		return FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION;
	}
	if (rc != ZOK)
		return zkadmin_zkerr(rc, "reading the topic assignment", errstr, n);
	if (zkjson_assignment_decode(buf, (size_t)(len > 0 ? len : 0), &cur, why, sizeof(why)) <
	    0) {
		snprintf(errstr, n, "%s is malformed (%s): fix it with zkCli.sh first", tpath, why);
		err = FJORD_ERR_INVALID_PARTITIONS;
		goto out;
	}
	if (new_total < cur.partition_cnt) {
		snprintf(errstr, n,
		         "topic \"%s\" has %d partitions and cannot shrink to %d: partitions "
		         "can only be added",
		         topic, cur.partition_cnt, (int)new_total);
		err = FJORD_ERR_INVALID_PARTITIONS;
		goto out;
	}
	if (new_total == cur.partition_cnt) {
		snprintf(errstr, n, "topic \"%s\" already has %d partitions", topic,
		         cur.partition_cnt);
		err = FJORD_ERR_INVALID_PARTITIONS;
		goto out;
	}
	rf = cur.partitions[0].cnt;
	if ((rc = zkadmin_live_brokers(zh, &brokers, &nbrokers)) != ZOK) {
		err = zkadmin_zkerr(rc, "listing live brokers", errstr, n);
		goto out;
	}
	if (rf > nbrokers) {
		snprintf(errstr, n,
		         "topic \"%s\" has replication factor %d, larger than the number of live "
		         "brokers (%d)",
		         topic, (int)rf, nbrokers);
		err = FJORD_ERR_INVALID_REPLICATION_FACTOR;
		goto out;
	}
	/* Kafka continues the round-robin from partition 0's first replica. */
	start = zkadmin_broker_index(brokers, nbrokers, cur.partitions[0].ids[0]);
	if (start < 0)
		start = (int)(zkadmin_random() % (unsigned)nbrokers);
	if (zkadmin_assign(brokers, nbrokers, cur.partition_cnt, new_total, rf, start, start, &a) <
	    0) {
		snprintf(errstr, n, "out of memory");
		err = FJORD_ERR__FAIL;
		goto out;
	}
	/* The existing partitions keep their replicas: moved, not copied. */
	for (int p = 0; p < cur.partition_cnt; p++) {
		a.partitions[p] = cur.partitions[p];
		cur.partitions[p].ids = NULL;
		cur.partitions[p].cnt = 0;
	}
	if (!(json = zkjson_assignment_encode(&a))) {
		snprintf(errstr, n, "out of memory");
		err = FJORD_ERR__FAIL;
		goto out;
	}
	rc = zoo_set(zh, tpath, json, (int)strlen(json), st.version);
	if (rc == ZBADVERSION) {
		*retry = 1;
		err = FJORD_ERR__FAIL;
	} else if (rc == ZNONODE) {
		snprintf(errstr, n, "topic \"%s\" does not exist", topic);
		err = FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION;
	} else if (rc != ZOK) {
		err = zkadmin_zkerr(rc, "writing the topic assignment", errstr, n);
	} else {
		err = FJORD_ERR_NO_ERROR;
	}
out:
	free(buf);
	free(json);
	free(brokers);
	zkjson_assignment_clear(&cur);
	zkjson_assignment_clear(&a);
	return err;
}

fjord_err_t zkadmin_create_partitions(zhandle_t *zh, const char *topic, int32_t new_total,
                                      char *errstr, size_t errstr_size)
{
	char tpath[ZKPATH_MAX], dpath[ZKPATH_MAX];
	fjord_err_t err;
	int attempt, retry;

	if ((err = zkadmin_validate_topic_name(topic, errstr, errstr_size)))
		return err;
	if (new_total < 1 || new_total > ZKADMIN_MAX_PARTITIONS) {
		snprintf(errstr, errstr_size, "partition count %d is out of range 1..%d",
		         (int)new_total, ZKADMIN_MAX_PARTITIONS);
		return FJORD_ERR_INVALID_PARTITIONS;
	}
	zkpath_topic(tpath, topic);
	zkpath_delete_topic(dpath, topic);
	if ((err = zkadmin_expect(zh, tpath, 1, topic, FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION,
	                          "does not exist", "checking the topic", errstr, errstr_size)) ||
	    (err = zkadmin_expect(zh, dpath, 0, topic, FJORD_ERR_INVALID_TOPIC,
	                          "is queued for deletion", "checking pending deletions", errstr,
	                          errstr_size)))
		return err;
	/* As Kafka: no new partitions while a reassignment runs (the controller
	 * rewrites assignments while it carries one out). */
	if (zoo_exists(zh, ZKPATH_REASSIGN, 0, NULL) == ZOK) {
		snprintf(errstr, errstr_size,
		         "a partition reassignment is in progress (%s): add partitions once it "
		         "is done",
		         ZKPATH_REASSIGN);
		return FJORD_ERR_REASSIGNMENT_IN_PROGRESS;
	}
	for (attempt = 0; attempt < ZKADMIN_ALTER_TRIES; attempt++) {
		err = zkadmin_grow_once(zh, topic, tpath, new_total, &retry, errstr, errstr_size);
		if (!retry)
			return err;
	}
	snprintf(errstr, errstr_size, "%s kept changing under us (%d attempts): try again", tpath,
	         ZKADMIN_ALTER_TRIES);
	return FJORD_ERR__FAIL;
}

/* ------------------------------------------------------------ config changes */

static int zkadmin_known_key(const char *key)
{
	int i;

	for (i = 0; zkadmin_topic_config_keys[i]; i++)
		if (!strcmp(zkadmin_topic_config_keys[i], key))
			return 1;
	return 0;
}

/* Index of name in the first cnt pairs of a flat name/value array, or -1. */
static int zkadmin_pair_find(const char *const *pairs, int cnt, const char *name)
{
	int i;

	for (i = 0; i < cnt; i++)
		if (!strcmp(pairs[2 * i], name))
			return i;
	return -1;
}

static int zkadmin_name_find(const char *const *names, int cnt, const char *name)
{
	int i;

	for (i = 0; i < cnt; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}

/* Checks the request alone (no ZooKeeper): fjord error with errstr. */
static fjord_err_t zkadmin_alter_check(const char *const *set, int set_cnt,
                                       const char *const *del_keys, int del_cnt, char *errstr,
                                       size_t n)
{
	int i;

	if (set_cnt < 0 || del_cnt < 0 || (set_cnt > 0 && !set) || (del_cnt > 0 && !del_keys)) {
		snprintf(errstr, n, "bad config arrays (negative count or NULL array)");
		return FJORD_ERR__INVALID_ARG;
	}
	if (set_cnt == 0 && del_cnt == 0) {
		snprintf(errstr, n, "no topic config to set or delete");
		return FJORD_ERR__INVALID_ARG;
	}
	for (i = 0; i < set_cnt; i++) {
		if (zkadmin_validate_topic_config(set[2 * i], set[2 * i + 1], errstr, n))
			return FJORD_ERR_INVALID_CONFIG;
		if (zkadmin_pair_find(set, i, set[2 * i]) >= 0) {
			snprintf(errstr, n, "topic config \"%s\" given twice", set[2 * i]);
			return FJORD_ERR_INVALID_CONFIG;
		}
	}
	for (i = 0; i < del_cnt; i++) {
		if (!del_keys[i]) {
			snprintf(errstr, n, "topic config name to delete must not be NULL");
			return FJORD_ERR_INVALID_CONFIG;
		}
		if (zkadmin_pair_find(set, set_cnt, del_keys[i]) >= 0) {
			snprintf(errstr, n, "topic config \"%s\" is both set and deleted",
			         del_keys[i]);
			return FJORD_ERR_INVALID_CONFIG;
		}
		if (zkadmin_name_find(del_keys, i, del_keys[i]) >= 0) {
			snprintf(errstr, n, "topic config \"%s\" deleted twice", del_keys[i]);
			return FJORD_ERR_INVALID_CONFIG;
		}
	}
	return FJORD_ERR_NO_ERROR;
}

/* The new config JSON: cur minus del_keys and the names set, plus set. The
 * overrides kept must be valid. Returns 0 with *jsonp, or a fjord error. */
static fjord_err_t zkadmin_alter_merge(const zkjson_config_t *cur, const char *const *set,
                                       int set_cnt, const char *const *del_keys, int del_cnt,
                                       char **jsonp, char *errstr, size_t n)
{
	zkjson_config_t out = { 0, NULL, NULL };
	char why[256];
	fjord_err_t err = FJORD_ERR_NO_ERROR;
	int i;

	*jsonp = NULL;
	/* An unknown name can be deleted only when it is there (written by
	 * hand); otherwise it is a typo worth reporting. */
	for (i = 0; i < del_cnt; i++) {
		if (!zkadmin_known_key(del_keys[i]) &&
		    zkadmin_name_find((const char *const *)cur->names, cur->cnt, del_keys[i]) < 0) {
			snprintf(errstr, n, "unknown topic config \"%s\"", del_keys[i]);
			return FJORD_ERR_INVALID_CONFIG;
		}
	}
	out.names = calloc((size_t)(cur->cnt + set_cnt) + 1, sizeof(char *));
	out.values = calloc((size_t)(cur->cnt + set_cnt) + 1, sizeof(char *));
	if (!out.names || !out.values) {
		snprintf(errstr, n, "out of memory");
		err = FJORD_ERR__FAIL;
		goto out;
	}
	for (i = 0; i < cur->cnt; i++) {
		const char *name = cur->names[i], *value = cur->values[i];

		if (zkadmin_name_find(del_keys, del_cnt, name) >= 0 ||
		    zkadmin_pair_find(set, set_cnt, name) >= 0)
			continue;
		if (zkadmin_validate_topic_config(name, value, why, sizeof(why))) {
			snprintf(
			    errstr, n,
			    "the topic's current config is invalid (%s); set a valid value for "
			    "\"%s\" or delete it in the same change",
			    why, name);
			err = FJORD_ERR_INVALID_CONFIG;
			goto out;
		}
		out.names[out.cnt] = (char *)name;
		out.values[out.cnt++] = (char *)value;
	}
	for (i = 0; i < set_cnt; i++) {
		out.names[out.cnt] = (char *)set[2 * i];
		out.values[out.cnt++] = (char *)set[2 * i + 1];
	}
	if (!(*jsonp = zkjson_config_encode(&out))) {
		snprintf(errstr, n, "out of memory");
		err = FJORD_ERR__FAIL;
	}
out:
	free(out.names); /* the strings belong to cur and the caller */
	free(out.values);
	return err;
}

fjord_err_t zkadmin_alter_topic_config(zhandle_t *zh, const char *topic, const char *const *set,
                                       int set_cnt, const char *const *del_keys, int del_cnt,
                                       char *errstr, size_t errstr_size)
{
	char tpath[ZKPATH_MAX], cpath[ZKPATH_MAX], dpath[ZKPATH_MAX];
	zoo_op_t ops[2];
	zoo_op_result_t res[2];
	struct Stat st;
	fjord_err_t err;
	int rc, attempt;

	if ((err = zkadmin_validate_topic_name(topic, errstr, errstr_size)) ||
	    (err = zkadmin_alter_check(set, set_cnt, del_keys, del_cnt, errstr, errstr_size)))
		return err;
	zkpath_topic(tpath, topic);
	zkpath_topic_config(cpath, topic);
	zkpath_delete_topic(dpath, topic);
	if ((err = zkadmin_expect(zh, dpath, 0, topic, FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION,
	                          "is being deleted", "checking pending deletions", errstr,
	                          errstr_size)))
		return err;

	for (attempt = 0; attempt < ZKADMIN_ALTER_TRIES; attempt++) {
		zkjson_config_t cur = { 0, NULL, NULL };
		char *buf = NULL, *json = NULL, why[256];
		int len = 0, exists;

		if ((err = zkadmin_expect(zh, tpath, 1, topic, FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION,
		                          "does not exist", "checking the topic", errstr,
		                          errstr_size)))
			return err;
		rc = zkutil_get(zh, cpath, NULL, NULL, &buf, &len, &st);
		if (rc != ZOK && rc != ZNONODE)
			return zkadmin_zkerr(rc, "reading the topic config", errstr, errstr_size);
		exists = rc == ZOK;
		/* A znode created without a value (`create /config/topics/t`) holds
		 * no overrides yet. */
		if (exists && len > 0 &&
		    zkjson_config_decode(buf, (size_t)len, &cur, why, sizeof(why)) < 0) {
			snprintf(errstr, errstr_size,
			         "%s is malformed (%s): fix or replace it with zkCli.sh first",
			         cpath, why);
			free(buf);
			return FJORD_ERR_INVALID_CONFIG;
		}
		free(buf);
		err = zkadmin_alter_merge(&cur, set, set_cnt, del_keys, del_cnt, &json, errstr,
		                          errstr_size);
		zkjson_config_clear(&cur);
		if (err)
			return err;
		if (!exists &&
		    (rc = zkutil_create_recursive(zh, ZKPATH_CONFIG_TOPICS, NULL, -1)) != ZOK) {
			free(json);
			return zkadmin_zkerr(rc, "creating /config/topics", errstr, errstr_size);
		}
		/* The topic must still exist when the config changes (a deletion
		 * racing with us would otherwise leave a config behind). */
		zoo_check_op_init(&ops[0], tpath, -1);
		if (exists)
			zoo_set_op_init(&ops[1], cpath, json, (int)strlen(json), st.version, NULL);
		else
			zoo_create_op_init(&ops[1], cpath, json, (int)strlen(json),
			                   zkacl_of(zh, cpath), 0, NULL, 0);
		rc = zoo_multi(zh, 2, ops, res);
		free(json);
		if (rc == ZOK)
			return FJORD_ERR_NO_ERROR;
		if (res[0].err == ZNONODE) {
			snprintf(errstr, errstr_size, "topic \"%s\" does not exist", topic);
			return FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION;
		}
		/* Another writer changed, created or removed the config since we
		 * read it: read it again. */
		if (rc != ZBADVERSION && rc != ZNODEEXISTS && rc != ZNONODE)
			return zkadmin_zkerr(rc, "writing the topic config", errstr, errstr_size);
	}
	snprintf(errstr, errstr_size, "%s kept changing under us (%d attempts): try again", cpath,
	         ZKADMIN_ALTER_TRIES);
	return FJORD_ERR__FAIL;
}
