/*
 * zkmeta_int.h — zkmeta's insides, shared by zkmeta.c (the thread, the
 * watches, the full pass and the readers of each znode) and
 * zkmeta_update.c (the incremental pass). Not for other modules.
 *
 * Threads: the readers run on the thread building a snapshot (zkmeta's own
 * thread, or zkmeta_new's caller for the first one); the dirty set is
 * written by watchers under zm->lock and taken whole by zkmeta's thread.
 */
#ifndef FJORD_ZKMETA_INT_H
#define FJORD_ZKMETA_INT_H

#include <pthread.h>
#include <stdint.h>

#include "common/cview.h"
#include "common/flog.h"
#include "common/zkmeta.h"
#include "common/zkutil.h"

/* More distinct changed znodes than this before a pass: read everything. */
#define ZKMETA_DIRTY_MAX 4096

/* What the next pass must read again: everything (full), or the znodes
 * whose watches fired (paths relative to the chroot, deduplicated). */
typedef struct zkmeta_dirty {
	int full;
	int cnt, cap;
	char **paths;
} zkmeta_dirty_t;

struct zkmeta {
	zhandle_t *zh;
	zkmeta_snapshot_cb *on_snapshot;
	void *opaque;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* dirty/stop changes, new snapshot */
	zkmeta_dirty_t dirty;
	int stop;
	uint64_t passes_started; /* read passes begun (zkmeta_sync waits on these) */
	uint64_t passes_done;    /* the number of the last pass published */
	uint64_t reads;          /* ZooKeeper reads made (atomic; zkmeta_reads) */
	cview_t *cur;
	pthread_t thread;
	int thread_started;
	zkutil_seen_t warned; /* malformed znodes logged (building thread only) */
	char *listener;       /* endpoint to select (NULL: the default rule) */
	int prefer_loopback;  /* default rule: a loopback endpoint first */
	flog_target_t log;    /* the owner's log path (sink NULL: flog's) */
};

/* zkmeta's lines go to its owner's log target (zkmeta_opts_t.log). */
#define zkmeta_log(zm, level, ...)                                                                 \
	flog_to((zm)->log.sink ? &(zm)->log : NULL, level, "zkmeta", __VA_ARGS__)

/* zkmeta_update's answer when the dirty set names a znode it does not
 * know how to read alone: the caller makes a full pass instead. */
#define ZKMETA_NEED_FULL 1

void zkmeta_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx);
void zkmeta_dirty_clear(zkmeta_dirty_t *d);
void zkmeta_warn(zkmeta_t *zm, const char *path, const struct Stat *st, const char *err);

/* The readers. Each reads with a watch (an exists-watch on a missing
 * znode) and returns ZOK (ZNONODE counts as read: the znode is absent) or
 * the ZooKeeper error. */
int zkmeta_read(zkmeta_t *zm, const char *path, char **bufp, int *lenp, struct Stat *st);
int zkmeta_children(zkmeta_t *zm, const char *path, struct String_vector *sv);
/* /cluster/id, /controller or /controller_epoch (path says which) into cv. */
int zkmeta_read_head(zkmeta_t *zm, cview_t *cv, const char *path);
/* /brokers/ids and every broker's znode into cv (cv->brokers empty). */
int zkmeta_read_brokers(zkmeta_t *zm, cview_t *cv);
/* One partition's state into p (p's state fields at their defaults). */
int zkmeta_read_state(zkmeta_t *zm, const char *topic, cview_partition_t *p);
/* A topic's config into t (t's config empty); prev: the last good one. */
int zkmeta_read_config(zkmeta_t *zm, cview_topic_t *t, const cview_topic_t *prev);
/* A whole topic into t (t->name set, the rest empty); see zkmeta.c. */
int zkmeta_read_topic(zkmeta_t *zm, cview_topic_t *t, const cview_topic_t *prev, int *skipp,
                      int *heldp);
/* /admin/controlled_shutdown into cv (cv's list empty). */
int zkmeta_read_shutting_down(zkmeta_t *zm, cview_t *cv);

/* A full pass: every znode. ZOK with *cvp (version not yet final), or the
 * ZooKeeper error. */
int zkmeta_build(zkmeta_t *zm, cview_t **cvp);
/* An incremental pass: prev with the znodes d names read again. ZOK with
 * *cvp, ZKMETA_NEED_FULL, or the ZooKeeper error (nothing kept). */
int zkmeta_update(zkmeta_t *zm, const cview_t *prev, const zkmeta_dirty_t *d, cview_t **cvp);
/* The next snapshot version (one process-wide counter). */
int64_t zkmeta_next_version(void);

/* What a changed znode's path asks the incremental pass to read again. */
typedef enum zkmeta_change {
	ZKMETA_CH_HEAD,     /* /cluster/id, /controller, /controller_epoch */
	ZKMETA_CH_BROKERS,  /* /brokers/ids or a child */
	ZKMETA_CH_SHUTDOWN, /* /admin/controlled_shutdown */
	ZKMETA_CH_TOPICS,   /* /brokers/topics (the list) */
	ZKMETA_CH_DELETES,  /* /admin/delete_topics */
	ZKMETA_CH_TOPIC,    /* /brokers/topics/<t> */
	ZKMETA_CH_STATE,    /* /brokers/topics/<t>/partitions/<p>/state */
	ZKMETA_CH_CONFIG,   /* /config/topics/<t> */
	ZKMETA_CH_UNKNOWN,  /* not a znode fjord watches: a full pass */
} zkmeta_change_t;

/* What path (relative to the chroot) asks for; *topic (a pointer into path)
 * and *topic_len, and *partition, for the per-topic kinds. Pure; its own
 * file's pass uses it, and so does tests/fuzz/fuzz_zkmeta_classify.c. */
zkmeta_change_t zkmeta_classify(const char *path, const char **topic, size_t *topic_len,
                                int32_t *partition);

#endif
