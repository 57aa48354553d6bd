/*
 * logmgr.h — every log directory of one broker and the partition logs in them.
 *
 * Layout of one log dir (log.dirs lists one or more):
 *
 *   <dir>/meta.properties                   version=0, broker.id=N, cluster.id=...
 *   <dir>/.lock                             flock(LOCK_EX|LOCK_NB) held while open
 *   <dir>/.clean-shutdown                   written by a clean close, removed at open
 *   <dir>/recovery-point-offset-checkpoint  topic partition offset (fsync'ed up to)
 *   <dir>/log-start-offset-checkpoint       topic partition log start offset
 *   <dir>/replication-offset-checkpoint     topic partition high watermark
 *   <dir>/cleaner-offset-checkpoint         topic partition clean point (first
 *                                           offset the log cleaner has not compacted)
 *   <dir>/<topic>-<partition>/              one partition log (plog.h)
 *   <dir>/<topic>-<partition>.<hex>-delete/ a deleted partition awaiting removal
 *
 * logmgr_open locks every dir (a second broker on the same dir gets an
 * error naming it), checks meta.properties (broker.id must match), deletes
 * leftover "-delete" dirs, and opens and recovers every partition dir, with
 * progress logs. Recovery scans only logs whose dir has no .clean-shutdown.
 *
 * Threads: event-loop thread only (except the deleter's and fsync work the
 * broker runs on its background thread, see plog.h). logmgr owns every plog;
 * a plog pointer stays valid until logmgr_delete of that partition or
 * logmgr_close.
 */
#ifndef FJORD_STORAGE_LOGMGR_H
#define FJORD_STORAGE_LOGMGR_H

#include <stddef.h>
#include <stdint.h>

#include "storage/log_config.h"
#include "storage/log_dir.h"
#include "storage/plog.h"

typedef struct logmgr logmgr_t;

#define LOGMGR_META_FILE "meta.properties"
#define LOGMGR_LOCK_FILE ".lock"
#define LOGMGR_CLEAN_SHUTDOWN_FILE ".clean-shutdown"
#define LOGMGR_RECOVERY_POINT_FILE "recovery-point-offset-checkpoint"
#define LOGMGR_LOG_START_FILE "log-start-offset-checkpoint"
#define LOGMGR_HW_FILE "replication-offset-checkpoint"
#define LOGMGR_CLEANER_FILE "cleaner-offset-checkpoint"
#define LOGMGR_CP_FILES 4

/*
 * Opens the dir_cnt log dirs (created if missing). defaults is copied and
 * used for partitions without their own config. Returns 0 with *mgrp, or -1
 * with a message in errstr (dir locked by another process, broker.id
 * mismatch naming the meta.properties file, cluster.id differing between
 * dirs, a partition that cannot be recovered).
 */
int logmgr_open(const char *const *dirs, size_t dir_cnt, const log_config_t *defaults,
                int32_t broker_id, logmgr_t **mgrp, char *errstr, size_t errstr_size);

/* Cluster id found in meta.properties, NULL when none has one yet. */
const char *logmgr_cluster_id(const logmgr_t *mgr);
/* Writes meta.properties (version=0, broker.id, cluster.id) into every dir
 * atomically. Returns 0 or -1 with errstr. */
int logmgr_write_meta(logmgr_t *mgr, const char *cluster_id, char *errstr, size_t errstr_size);

/* The open log of topic-partition, or NULL. */
plog_t *logmgr_get(logmgr_t *mgr, const char *topic, int32_t partition);
/*
 * The log of topic-partition, created in the dir with the fewest partitions
 * when it does not exist. cfg (NULL: defaults) is applied to an existing log
 * too. Topic names must be 1..249 chars of [A-Za-z0-9._-] and not "." or
 * "..". Returns 0 with *plogp, or -1 with errstr.
 */
int logmgr_get_or_create(logmgr_t *mgr, const char *topic, int32_t partition,
                         const log_config_t *cfg, plog_t **plogp, char *errstr, size_t errstr_size);
/* Closes the log, renames its dir to "<t>-<p>.<hex>-delete" and hands it to
 * the deleter. The plog pointer is invalid afterwards. Returns 0, -ENOENT,
 * or -errno. */
int logmgr_delete(logmgr_t *mgr, const char *topic, int32_t partition);

/*
 * The health of each log dir (log_dir.h): online, full (appends refused
 * until space returns) or offline (a disk error: none of its logs is read
 * or written again until a restart; no new log is created in it; it gets no
 * checkpoint and no clean-shutdown marker, so the next start recovers it).
 * logmgr_dir's result is borrowed and lives until logmgr_close. fn runs
 * once per dir that goes offline, on the loop thread, from inside the storage
 * call that failed (so it should only note the change and defer the work).
 */
size_t logmgr_dir_count(const logmgr_t *mgr);
const log_dir_t *logmgr_dir(const logmgr_t *mgr, size_t i);
size_t logmgr_online_dir_count(const logmgr_t *mgr);
void logmgr_set_offline_cb(logmgr_t *mgr, void (*fn)(const log_dir_t *ld, void *arg), void *arg);

/* Calls fn for every open log (fn must not create or delete logs). */
void logmgr_foreach(logmgr_t *mgr, void (*fn)(plog_t *plog, void *arg), void *arg);
size_t logmgr_partition_count(const logmgr_t *mgr);

/* Writes the four checkpoint files of every dir. Returns 0 or -1 with
 * errstr (all dirs are attempted). */
int logmgr_checkpoint(logmgr_t *mgr, char *errstr, size_t errstr_size);

/* Deleter for partition dirs and segment files of every log (current and
 * future). Default: storage_remove_path at once. */
void logmgr_set_deleter(logmgr_t *mgr, storage_deleter_fn *fn, void *arg);

/* Closes every log and frees mgr. clean=1: fsyncs every log, writes the
 * checkpoints and a .clean-shutdown marker per dir (next open skips the
 * recovery scan). clean=0: just closes (as after a crash). */
void logmgr_close(logmgr_t *mgr, int clean);

#endif /* FJORD_STORAGE_LOGMGR_H */
