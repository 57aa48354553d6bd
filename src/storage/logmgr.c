/*
 * logmgr.c — the broker's log directories and the partition logs in them
 * (layout in logmgr.h).
 *
 * Open: create/lock each dir (flock on .lock, so a second broker fails with
 * the dir's name), read meta.properties (broker.id must match, cluster.id
 * must agree across dirs), note and remove .clean-shutdown, read the three
 * checkpoints, remove leftover "-delete" dirs and open every partition dir
 * (plog_open recovers when the marker was absent). Logs live in a chained
 * hash table keyed by topic and partition. A clean close fsyncs everything,
 * writes the checkpoints and the marker. Event-loop thread only.
 */
#define _GNU_SOURCE /* strndup */
#include "storage/logmgr.h"
#include "storage/log_cleaner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/checkpoint.h"
#include "common/bytes.h"
#include "common/flog.h"
#include "common/numparse.h"

typedef struct logmgr_dir {
	char *path;
	int lock_fd;
	size_t part_cnt;
	log_dir_t health; /* shared with the dir's plogs */
} logmgr_dir_t;

typedef struct logmgr_entry {
	plog_t *plog;
	size_t dir;                /* index into mgr->dirs */
	struct logmgr_entry *next; /* hash chain */
} logmgr_entry_t;

struct logmgr {
	logmgr_dir_t *dirs;
	size_t dir_cnt;
	log_config_t defaults;
	int32_t broker_id;
	char *cluster_id;
	logmgr_entry_t **buckets;
	size_t bucket_cnt, entry_cnt;
	storage_deleter_fn *deleter;
	void *deleter_arg;
	uint64_t delete_seq;
	void (*on_offline)(const log_dir_t *ld, void *arg);
	void *on_offline_arg;
};

/* ------------------------------------------------------------ table */

static size_t logmgr_hash(const char *topic, int32_t partition, size_t bucket_cnt)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (const char *p = topic; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ULL;
	h = (h ^ (uint32_t)partition) * 1099511628211ULL;
	return (size_t)(h % bucket_cnt);
}

static logmgr_entry_t **logmgr_slot(const logmgr_t *mgr, const char *topic, int32_t partition)
{
	logmgr_entry_t **pp = &mgr->buckets[logmgr_hash(topic, partition, mgr->bucket_cnt)];
	while (*pp && (plog_partition((*pp)->plog) != partition ||
	               strcmp(plog_topic((*pp)->plog), topic) != 0))
		pp = &(*pp)->next;
	return pp;
}

static int logmgr_insert(logmgr_t *mgr, plog_t *plog, size_t dir)
{
	if (mgr->entry_cnt >= mgr->bucket_cnt * 2) {
		size_t nb = mgr->bucket_cnt * 4;
		logmgr_entry_t **b = calloc(nb, sizeof(*b));
		if (b) {
			for (size_t i = 0; i < mgr->bucket_cnt; i++) {
				logmgr_entry_t *e = mgr->buckets[i], *next;
				for (; e; e = next) {
					next = e->next;
					size_t h = logmgr_hash(plog_topic(e->plog),
					                       plog_partition(e->plog), nb);
					e->next = b[h];
					b[h] = e;
				}
			}
			free(mgr->buckets);
			mgr->buckets = b;
			mgr->bucket_cnt = nb;
		}
	}
	logmgr_entry_t *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->plog = plog;
	e->dir = dir;
	logmgr_entry_t **slot =
	    &mgr->buckets[logmgr_hash(plog_topic(plog), plog_partition(plog), mgr->bucket_cnt)];
	e->next = *slot;
	*slot = e;
	mgr->entry_cnt++;
	mgr->dirs[dir].part_cnt++;
	plog_set_deleter(plog, mgr->deleter, mgr->deleter_arg);
	plog_set_log_dir(plog, &mgr->dirs[dir].health);
	return 0;
}

/* ------------------------------------------------------------ names */

/* Kafka's legal topic names: 1..249 of [A-Za-z0-9._-], not "." or "..". */
static int logmgr_topic_valid(const char *topic)
{
	size_t n = strlen(topic);
	if (n == 0 || n > 249 || strcmp(topic, ".") == 0 || strcmp(topic, "..") == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = topic[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* "<topic>-<partition>" -> topic (malloc'd) and partition; -1 if not one. */
static int logmgr_parse_dir_name(const char *name, char **topicp, int32_t *partitionp)
{
	const char *dash = strrchr(name, '-');
	if (!dash || dash == name || dash[1] == '\0')
		return -1;
	long long p = 0;
	for (const char *c = dash + 1; *c; c++) {
		if (*c < '0' || *c > '9' || p > INT32_MAX / 10)
			return -1;
		p = p * 10 + (*c - '0');
	}
	if (p > INT32_MAX)
		return -1;
	char *topic = strndup(name, (size_t)(dash - name));
	if (!topic)
		return -1;
	if (!logmgr_topic_valid(topic)) {
		free(topic);
		return -1;
	}
	*topicp = topic;
	*partitionp = (int32_t)p;
	return 0;
}

static char *logmgr_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* ------------------------------------------------------------ meta.properties */

/* Reads meta.properties of dir: broker.id (-1 when absent) and cluster.id
 * (malloc'd or NULL). Returns 0 (also when the file is absent) or -1. */
static int logmgr_read_meta(const char *dir, int32_t *broker_idp, char **cluster_idp, char *errstr,
                            size_t errstr_size)
{
	*broker_idp = -1;
	*cluster_idp = NULL;
	char *path = logmgr_path(dir, LOGMGR_META_FILE);
	if (!path) {
		snprintf(errstr, errstr_size, "out of memory");
		return -1;
	}
	int ret = 0;
	FILE *f = fopen(path, "re");
	if (!f) {
		if (errno != ENOENT) {
			snprintf(errstr, errstr_size, "cannot read %s: %s", path, strerror(errno));
			ret = -1;
		}
		goto out;
	}
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		const char *v = eq + 1;
		if (strcmp(line, "broker.id") == 0) {
			if (num_parse_i32(v, 0, INT32_MAX, broker_idp) < 0) {
				snprintf(errstr, errstr_size, "%s: bad broker.id \"%s\"", path, v);
				ret = -1;
				break;
			}
		} else if (strcmp(line, "cluster.id") == 0 && *v) {
			free(*cluster_idp);
			*cluster_idp = strdup(v);
		} else if (strcmp(line, "version") == 0 && strcmp(v, "0") != 0) {
			snprintf(errstr, errstr_size, "%s: unsupported version %s", path, v);
			ret = -1;
			break;
		}
	}
	fclose(f);
out:
	if (ret < 0) {
		free(*cluster_idp);
		*cluster_idp = NULL;
	}
	free(path);
	return ret;
}

int logmgr_write_meta(logmgr_t *mgr, const char *cluster_id, char *errstr, size_t errstr_size)
{
	char buf[1024];
	if (!cluster_id || !*cluster_id || strchr(cluster_id, '\n')) {
		snprintf(errstr, errstr_size, "invalid cluster id");
		return -1;
	}
	int n =
	    snprintf(buf, sizeof(buf),
	             "# fjord log directory metadata; do not edit\nversion=0\nbroker.id=%" PRId32
	             "\ncluster.id=%s\n",
	             mgr->broker_id, cluster_id);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		snprintf(errstr, errstr_size, "cluster id too long");
		return -1;
	}
	for (size_t i = 0; i < mgr->dir_cnt; i++) {
		char *path = logmgr_path(mgr->dirs[i].path, LOGMGR_META_FILE);
		int ret = path ? checkpoint_write_atomic(path, buf, (size_t)n) : -ENOMEM;
		if (ret < 0) {
			snprintf(errstr, errstr_size, "cannot write %s: %s",
			         path ? path : mgr->dirs[i].path, strerror(-ret));
			free(path);
			return -1;
		}
		free(path);
	}
	char *id = strdup(cluster_id);
	if (!id) {
		snprintf(errstr, errstr_size, "out of memory");
		return -1;
	}
	free(mgr->cluster_id);
	mgr->cluster_id = id;
	return 0;
}

const char *logmgr_cluster_id(const logmgr_t *mgr)
{
	return mgr->cluster_id;
}

/* ------------------------------------------------------------ health */

/* log_dir's on_offline: its logs already read as offline (they share the
 * log_dir_t); tell the owner. */
static void logmgr_on_dir_offline(log_dir_t *ld, void *arg)
{
	logmgr_t *mgr = arg;

	if (mgr->on_offline)
		mgr->on_offline(ld, mgr->on_offline_arg);
}

void logmgr_set_offline_cb(logmgr_t *mgr, void (*fn)(const log_dir_t *ld, void *arg), void *arg)
{
	mgr->on_offline = fn;
	mgr->on_offline_arg = arg;
}

size_t logmgr_dir_count(const logmgr_t *mgr)
{
	return mgr->dir_cnt;
}

const log_dir_t *logmgr_dir(const logmgr_t *mgr, size_t i)
{
	return i < mgr->dir_cnt ? &mgr->dirs[i].health : NULL;
}

size_t logmgr_online_dir_count(const logmgr_t *mgr)
{
	size_t n = 0;

	for (size_t i = 0; i < mgr->dir_cnt; i++)
		n += !mgr->dirs[i].health.offline;
	return n;
}

/* ------------------------------------------------------------ open */

/* Creates dir and its parents (mkdir -p). */
static int logmgr_mkdirs(const char *dir)
{
	char *p = strdup(dir);
	if (!p)
		return -ENOMEM;
	int ret = 0;
	for (char *s = p + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST) {
				ret = -errno;
				break;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	free(p);
	return ret;
}

/* Value for topic-partition in a checkpoint, or dflt. */
static int64_t logmgr_cp_lookup(const checkpoint_entry_t *e, size_t n, const char *topic,
                                int32_t partition, int64_t dflt)
{
	for (size_t i = 0; i < n; i++)
		if (e[i].partition == partition && strcmp(e[i].topic, topic) == 0)
			return e[i].value;
	return dflt;
}

/* Reads a checkpoint; a malformed one is logged and treated as empty (the
 * safe direction: full recovery, log start from the segments, HW relearned). */
static void logmgr_cp_read(const char *dir, const char *name, checkpoint_entry_t **ep, size_t *np)
{
	char errstr[512];
	char *path = logmgr_path(dir, name);
	*ep = NULL;
	*np = 0;
	if (path && checkpoint_read(path, ep, np, errstr, sizeof(errstr)) < 0)
		flog(LOG_WARNING, "storage", "%s; ignoring it", errstr);
	free(path);
}

/* Opens every partition dir in dir i. */
static int logmgr_load_dir(logmgr_t *mgr, size_t i, int clean, char *errstr, size_t errstr_size)
{
	const char *dir = mgr->dirs[i].path;
	checkpoint_entry_t *rp = NULL, *ls = NULL, *hw = NULL, *cl = NULL;
	size_t rp_n = 0, ls_n = 0, hw_n = 0, cl_n = 0;
	int ret = -1;
	logmgr_cp_read(dir, LOGMGR_RECOVERY_POINT_FILE, &rp, &rp_n);
	logmgr_cp_read(dir, LOGMGR_LOG_START_FILE, &ls, &ls_n);
	logmgr_cp_read(dir, LOGMGR_HW_FILE, &hw, &hw_n);
	logmgr_cp_read(dir, LOGMGR_CLEANER_FILE, &cl, &cl_n);
	DIR *d = opendir(dir);
	if (!d) {
		snprintf(errstr, errstr_size, "cannot read log dir %s: %s", dir, strerror(errno));
		goto out;
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		const char *name = de->d_name;
		if (name[0] == '.')
			continue;
		char *path = logmgr_path(dir, name);
		struct stat st;
		if (!path || stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
			free(path);
			continue;
		}
		size_t n = strlen(name);
		if (n > 7 && strcmp(name + n - 7, "-delete") == 0) {
			flog(LOG_INFO, "storage", "removing partition dir %s left from a deletion",
			     path);
			mgr->deleter(path, mgr->deleter_arg);
			free(path);
			continue;
		}
		char *topic = NULL;
		int32_t partition;
		if (logmgr_parse_dir_name(name, &topic, &partition) < 0) {
			flog(LOG_WARNING, "storage", "ignoring %s: not a <topic>-<partition> dir",
			     path);
			free(path);
			continue;
		}
		if (*logmgr_slot(mgr, topic, partition)) {
			snprintf(errstr, errstr_size, "partition %s-%d exists in two log dirs (%s)",
			         topic, partition, path);
			free(topic);
			free(path);
			goto out;
		}
		plog_t *plog = NULL;
		int r = plog_open(path, topic, partition, &mgr->defaults,
		                  logmgr_cp_lookup(rp, rp_n, topic, partition, 0),
		                  logmgr_cp_lookup(ls, ls_n, topic, partition, -1), !clean, &plog,
		                  errstr, errstr_size);
		if (r == 0) {
			plog_set_high_watermark(plog,
			                        logmgr_cp_lookup(hw, hw_n, topic, partition, 0));
			plog_cleaner_set_clean_point(
			    plog, logmgr_cp_lookup(cl, cl_n, topic, partition, 0));
			if (logmgr_insert(mgr, plog, i) < 0) {
				plog_close(plog, 0);
				snprintf(errstr, errstr_size, "out of memory");
				r = -1;
			}
		}
		free(topic);
		free(path);
		if (r < 0)
			goto out;
	}
	ret = 0;
out:
	if (d)
		closedir(d);
	checkpoint_free(rp, rp_n);
	checkpoint_free(ls, ls_n);
	checkpoint_free(hw, hw_n);
	checkpoint_free(cl, cl_n);
	return ret;
}

/* Creates and locks dir i; checks meta.properties. */
static int logmgr_open_dir(logmgr_t *mgr, size_t i, char *errstr, size_t errstr_size)
{
	logmgr_dir_t *d = &mgr->dirs[i];
	int ret = logmgr_mkdirs(d->path);
	if (ret < 0) {
		snprintf(errstr, errstr_size, "cannot create log dir %s: %s", d->path,
		         strerror(-ret));
		return -1;
	}
	char *lock = logmgr_path(d->path, LOGMGR_LOCK_FILE);
	if (!lock) {
		snprintf(errstr, errstr_size, "out of memory");
		return -1;
	}
	d->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (d->lock_fd < 0 || flock(d->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			snprintf(
			    errstr, errstr_size,
			    "log dir %s is in use by another process (is another fjordd running "
			    "with this log.dirs?)",
			    d->path);
		else
			snprintf(errstr, errstr_size, "cannot lock %s: %s", lock, strerror(errno));
		free(lock);
		return -1;
	}
	free(lock);
	int32_t id;
	char *cid = NULL;
	if (logmgr_read_meta(d->path, &id, &cid, errstr, errstr_size) < 0)
		return -1;
	if (id >= 0 && id != mgr->broker_id) {
		snprintf(errstr, errstr_size,
		         "%s/%s says broker.id=%" PRId32 " but this broker has broker.id=%" PRId32
		         "; a log dir belongs to one broker (fix broker.id or use another dir)",
		         d->path, LOGMGR_META_FILE, id, mgr->broker_id);
		free(cid);
		return -1;
	}
	if (cid && mgr->cluster_id && strcmp(cid, mgr->cluster_id) != 0) {
		snprintf(errstr, errstr_size,
		         "%s/%s has cluster.id=%s but another log dir has cluster.id=%s", d->path,
		         LOGMGR_META_FILE, cid, mgr->cluster_id);
		free(cid);
		return -1;
	}
	if (cid && !mgr->cluster_id)
		mgr->cluster_id = cid;
	else
		free(cid);
	return 0;
}

int logmgr_open(const char *const *dirs, size_t dir_cnt, const log_config_t *defaults,
                int32_t broker_id, logmgr_t **mgrp, char *errstr, size_t errstr_size)
{
	int ret = -1;
	int64_t t0 = fj_mono_ms();
	if (dir_cnt == 0) {
		snprintf(errstr, errstr_size, "no log dirs given (log.dirs)");
		return -1;
	}
	logmgr_t *mgr = calloc(1, sizeof(*mgr));
	if (!mgr) {
		snprintf(errstr, errstr_size, "out of memory");
		return -1;
	}
	mgr->defaults = *defaults;
	mgr->broker_id = broker_id;
	mgr->deleter = storage_default_deleter;
	mgr->bucket_cnt = 64;
	mgr->buckets = calloc(mgr->bucket_cnt, sizeof(*mgr->buckets));
	mgr->dirs = calloc(dir_cnt, sizeof(*mgr->dirs));
	if (!mgr->buckets || !mgr->dirs) {
		snprintf(errstr, errstr_size, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < dir_cnt; i++) {
		mgr->dirs[i].lock_fd = -1;
		mgr->dirs[i].path = strdup(dirs[i]);
		mgr->dir_cnt = i + 1;
		if (!mgr->dirs[i].path) {
			snprintf(errstr, errstr_size, "out of memory");
			goto out;
		}
		log_dir_init(&mgr->dirs[i].health, mgr->dirs[i].path);
		mgr->dirs[i].health.on_offline = logmgr_on_dir_offline;
		mgr->dirs[i].health.on_offline_arg = mgr;
		if (logmgr_open_dir(mgr, i, errstr, errstr_size) < 0)
			goto out;
	}
	for (size_t i = 0; i < dir_cnt; i++) {
		char *marker = logmgr_path(mgr->dirs[i].path, LOGMGR_CLEAN_SHUTDOWN_FILE);
		if (!marker) {
			snprintf(errstr, errstr_size, "out of memory");
			goto out;
		}
		/* Removed before loading: a crash from here on means recovery. */
		int clean = unlink(marker) == 0;
		free(marker);
		if (!clean)
			flog(LOG_INFO, "storage",
			     "log dir %s was not shut down cleanly: recovering logs",
			     mgr->dirs[i].path);
		if (logmgr_load_dir(mgr, i, clean, errstr, errstr_size) < 0)
			goto out;
	}
	flog(LOG_INFO, "storage", "loaded %zu partition logs from %zu log dirs in %" PRId64 " ms",
	     mgr->entry_cnt, dir_cnt, fj_mono_ms() - t0);
	*mgrp = mgr;
	mgr = NULL;
	ret = 0;
out:
	if (mgr)
		logmgr_close(mgr, 0);
	return ret;
}

/* ------------------------------------------------------------ access */

plog_t *logmgr_get(logmgr_t *mgr, const char *topic, int32_t partition)
{
	logmgr_entry_t *e = *logmgr_slot(mgr, topic, partition);
	return e ? e->plog : NULL;
}

int logmgr_get_or_create(logmgr_t *mgr, const char *topic, int32_t partition,
                         const log_config_t *cfg, plog_t **plogp, char *errstr, size_t errstr_size)
{
	plog_t *plog = logmgr_get(mgr, topic, partition);
	if (cfg && log_config_validate(cfg, errstr, errstr_size) < 0)
		return -1;
	if (plog) {
		if (cfg)
			plog_set_config(plog, cfg);
		*plogp = plog;
		return 0;
	}
	if (!logmgr_topic_valid(topic) || partition < 0) {
		snprintf(errstr, errstr_size, "invalid topic-partition \"%s\"-%" PRId32, topic,
		         partition);
		return -1;
	}
	size_t best = mgr->dir_cnt;
	for (size_t i = 0; i < mgr->dir_cnt; i++)
		if (!mgr->dirs[i].health.offline &&
		    (best == mgr->dir_cnt || mgr->dirs[i].part_cnt < mgr->dirs[best].part_cnt))
			best = i;
	if (best == mgr->dir_cnt) {
		snprintf(errstr, errstr_size,
		         "cannot create a log for %s-%" PRId32 ": every log dir is offline", topic,
		         partition);
		return -1;
	}
	char name[300];
	snprintf(name, sizeof(name), "%s-%" PRId32, topic, partition);
	char *path = logmgr_path(mgr->dirs[best].path, name);
	if (!path) {
		snprintf(errstr, errstr_size, "out of memory");
		return -1;
	}
	int ret = plog_open(path, topic, partition, cfg ? cfg : &mgr->defaults, 0, -1, 0, &plog,
	                    errstr, errstr_size);
	free(path);
	if (ret < 0)
		return -1;
	if (logmgr_insert(mgr, plog, best) < 0) {
		plog_close(plog, 0);
		snprintf(errstr, errstr_size, "out of memory");
		return -1;
	}
	flog(LOG_INFO, "storage", "created log for %s in %s", name, mgr->dirs[best].path);
	*plogp = plog;
	return 0;
}

int logmgr_delete(logmgr_t *mgr, const char *topic, int32_t partition)
{
	logmgr_entry_t **slot = logmgr_slot(mgr, topic, partition);
	logmgr_entry_t *e = *slot;
	if (!e)
		return -ENOENT;
	*slot = e->next;
	mgr->entry_cnt--;
	mgr->dirs[e->dir].part_cnt--;
	plog_t *plog = e->plog;
	char *from = strdup(plog_dir(plog));
	size_t n = from ? strlen(from) + 40 : 0;
	char *to = from ? malloc(n) : NULL;
	int ret = 0;
	plog_close(plog, 0);
	if (!from || !to) {
		ret = -ENOMEM;
		goto out;
	}
	snprintf(to, n, "%s.%016" PRIx64 "-delete", from,
	         ((uint64_t)fj_now_ms() << 16) ^ mgr->delete_seq++);
	if (rename(from, to) < 0) {
		ret = -errno;
		flog(LOG_ERR, "storage", "cannot rename %s for deletion: %s", from,
		     strerror(errno));
		goto out;
	}
	flog(LOG_INFO, "storage", "deleted log %s-%" PRId32 " (%s)", topic, partition, to);
	mgr->deleter(to, mgr->deleter_arg);
out:
	free(from);
	free(to);
	free(e);
	return ret;
}

void logmgr_foreach(logmgr_t *mgr, void (*fn)(plog_t *plog, void *arg), void *arg)
{
	for (size_t i = 0; i < mgr->bucket_cnt; i++)
		for (logmgr_entry_t *e = mgr->buckets[i]; e; e = e->next)
			fn(e->plog, arg);
}

size_t logmgr_partition_count(const logmgr_t *mgr)
{
	return mgr->entry_cnt;
}

void logmgr_set_deleter(logmgr_t *mgr, storage_deleter_fn *fn, void *arg)
{
	mgr->deleter = fn ? fn : storage_default_deleter;
	mgr->deleter_arg = fn ? arg : NULL;
	for (size_t i = 0; i < mgr->bucket_cnt; i++)
		for (logmgr_entry_t *e = mgr->buckets[i]; e; e = e->next)
			plog_set_deleter(e->plog, mgr->deleter, mgr->deleter_arg);
}

/* ------------------------------------------------------------ checkpoint, close */

int logmgr_checkpoint(logmgr_t *mgr, char *errstr, size_t errstr_size)
{
	int ret = 0;
	for (size_t d = 0; d < mgr->dir_cnt; d++) {
		size_t n = mgr->dirs[d].part_cnt, k = 0;
		if (mgr->dirs[d].health.offline)
			continue; /* nothing of it is written again */
		checkpoint_entry_t *cp[LOGMGR_CP_FILES];
		const char *names[LOGMGR_CP_FILES] = { LOGMGR_RECOVERY_POINT_FILE,
			                               LOGMGR_LOG_START_FILE, LOGMGR_HW_FILE,
			                               LOGMGR_CLEANER_FILE };
		for (int f = 0; f < LOGMGR_CP_FILES; f++)
			cp[f] = calloc(n ? n : 1, sizeof(checkpoint_entry_t));
		if (!cp[0] || !cp[1] || !cp[2] || !cp[3]) {
			snprintf(errstr, errstr_size, "out of memory");
			ret = -1;
			goto next;
		}
		for (size_t b = 0; b < mgr->bucket_cnt; b++) {
			for (logmgr_entry_t *e = mgr->buckets[b]; e; e = e->next) {
				if (e->dir != d || k >= n)
					continue;
				int64_t v[LOGMGR_CP_FILES] = { plog_recovery_point(e->plog),
					                       plog_log_start_offset(e->plog),
					                       plog_high_watermark(e->plog),
					                       plog_cleaner_clean_point(e->plog) };
				for (int f = 0; f < LOGMGR_CP_FILES; f++) {
					cp[f][k].topic = (char *)plog_topic(e->plog);
					cp[f][k].partition = plog_partition(e->plog);
					cp[f][k].value = v[f];
				}
				k++;
			}
		}
		for (int f = 0; f < LOGMGR_CP_FILES; f++) {
			char *path = logmgr_path(mgr->dirs[d].path, names[f]);
			int r =
			    path ? checkpoint_write(path, cp[f], k, errstr, errstr_size) : -ENOMEM;
			if (r < 0) {
				/* A checkpoint that does not fit keeps the old
				 * file (errstr says so); "full" is what appends
				 * see. A disk error takes the dir offline. */
				ret = -1;
				if (path && sio_err_kind(r) == SIO_ERR_DISK)
					log_dir_error(&mgr->dirs[d].health, r,
					              "checkpoint write of", path);
			}
			free(path);
		}
	next:
		for (int f = 0; f < LOGMGR_CP_FILES; f++)
			free(cp[f]);
	}
	return ret;
}

void logmgr_close(logmgr_t *mgr, int clean)
{
	if (!mgr)
		return;
	int ok = clean;
	if (clean) {
		/* A log offline on its own spoils every dir's marker (it needs
		 * recovery and we cannot tell which dir); an offline dir gets no
		 * marker below. */
		for (size_t b = 0; b < mgr->bucket_cnt; b++)
			for (logmgr_entry_t *e = mgr->buckets[b]; e; e = e->next) {
				if (mgr->dirs[e->dir].health.offline)
					continue;
				if (plog_is_offline(e->plog) || plog_flush_sync(e->plog) < 0)
					ok = 0;
			}
		char errstr[512];
		if (logmgr_checkpoint(mgr, errstr, sizeof(errstr)) < 0) {
			flog(LOG_ERR, "storage", "checkpoint at shutdown failed: %s", errstr);
			ok = 0;
		}
	}
	for (size_t b = 0; mgr->buckets && b < mgr->bucket_cnt; b++) {
		logmgr_entry_t *e = mgr->buckets[b], *next;
		for (; e; e = next) {
			next = e->next;
			plog_close(e->plog, 0);
			free(e);
		}
	}
	for (size_t i = 0; i < mgr->dir_cnt; i++) {
		logmgr_dir_t *d = &mgr->dirs[i];
		if (ok && d->lock_fd >= 0 && !d->health.offline) {
			char *marker = logmgr_path(d->path, LOGMGR_CLEAN_SHUTDOWN_FILE);
			int ret = marker ? checkpoint_write_atomic(marker, "", 0) : -ENOMEM;
			if (ret < 0)
				flog(LOG_ERR, "storage", "cannot write %s: %s",
				     marker ? marker : d->path, strerror(-ret));
			free(marker);
		}
		if (d->lock_fd >= 0)
			close(d->lock_fd);
		log_dir_clear(&d->health);
		free(d->path);
	}
	free(mgr->dirs);
	free(mgr->buckets);
	free(mgr->cluster_id);
	free(mgr);
}
