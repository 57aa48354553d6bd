/*
 * cgrp_int.h — the consumer group's shared state (cgrp.c, cgrp_member.c,
 * cgrp_owner.c).
 *
 * What: one cgrp_t per consumer handle with group.id. It runs one worker
 * thread of its own which makes every ZooKeeper call of the group, on a
 * ZooKeeper session of its own (session.timeout.ms): that session *is* the
 * group session, so its expiry is exactly "this member is gone". ZooKeeper's
 * completion thread only runs watchers, which set flags under cg->lock and
 * signal cg->cond (through zkutil_live_run, so a late watcher never touches
 * a freed cgrp). The I/O thread is never blocked: partitions are added to and
 * removed from the fetcher with consumer_part_add/remove (consumer.c, under
 * c->lock) which wake the I/O thread through the handle's op queue.
 *
 * Locking: fields marked "lock" are under cg->lock (app threads, the worker,
 * watchers, the I/O thread's metadata hook); everything else belongs to the
 * worker thread alone. No lock is held during a ZooKeeper call.
 *
 * ZooKeeper layout (docs/zookeeper.md, /consumers): ids/<client.id>-<seq>
 * (member, EPHEMERAL|SEQUENTIAL, lowest sequence = leader), assignment
 * (persistent, version-conditional), owners/<t>/<p> (EPHEMERAL, owner member
 * id), offsets/<t>/<p> (persistent, decimal text).
 */
#ifndef FJORD_CGRP_INT_H
#define FJORD_CGRP_INT_H

#include <regex.h>

#include "client/client_int.h"
#include "common/zkjson.h"

/* A partition this member was assigned (worker thread only). */
enum { CGP_PENDING = 0, CGP_OWNED = 1 };
typedef struct cgrp_part {
	char *topic;
	int32_t partition;
	int state;             /* CGP_PENDING: waiting for the old owner to let go */
	int32_t owner_version; /* stat version of our owner znode (CGP_OWNED) */
	int64_t committed;     /* last offset committed by us or read at claim; -1 */
	int offset_exists;     /* the offsets/<t>/<p> znode exists (set, not create) */
} cgrp_part_t;

/* A request from an application thread (commit, committed). Refcounted:
 * the app thread (sync calls) and the worker each hold one reference. */
enum { CGREQ_COMMIT = 1, CGREQ_COMMITTED = 2 };
typedef struct cgrp_req {
	STAILQ_ENTRY(cgrp_req) link;
	int type;
	int async;
	atomic_int refcnt;
	hwait_t *w;                          /* sync only */
	fjord_topic_partition_list_t *parts; /* NULL: every owned partition */
	fjord_err_t err;
} cgrp_req_t;
STAILQ_HEAD(cgrp_req_q, cgrp_req);

typedef struct cgrp {
	fjord_t *h;
	char *group;
	pthread_t thr;
	int thr_started;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* lock */
	int stop;        /* close: leave the group and end the thread */
	int dirty;       /* a watch fired or metadata changed: resync */
	int expired;     /* the session expired */
	int sub_changed; /* the app changed its subscription */
	int sub_cnt;     /* the subscription the app asked for */
	char **subs;
	int lost_pending; /* sessions lost and not yet seen by fjord_commit */
	struct cgrp_req_q reqs;
	int left; /* the worker finished leaving (close) */
	/* statistics (stats.c), published by the worker each turn */
	int st_member; /* a member of the group now */
	int64_t st_generation;
	int st_rebalance_cnt; /* non-empty assign/revoke/lost events */

	/* worker thread */
	zhandle_t *zh; /* read by watchers with an atomic load */
	int64_t session_id;
	int64_t next_connect_ms;
	char *member_id;   /* our ids/ znode name; NULL: not a member */
	int kafka_refused; /* a Kafka clients' group holds the name: reported once */
	int join_cnt;      /* subscription the member znode was written with */
	char **join_subs;
	regex_t *regs; /* compiled '^' patterns of join_subs (NULL entries: exact) */
	int part_cnt, part_cap;
	cgrp_part_t *parts;
	int64_t generation; /* of the last assignment applied */
	int64_t next_commit_ms;
	int64_t next_retry_ms; /* claims pending or a step failed: try again then */
	/* leader bookkeeping, for the "reason" of a new generation */
	int last_member_cnt;
	char **last_members;
	int64_t last_topics_sig;
} cgrp_t;

/* cgrp.c */
void cgrp_log(cgrp_t *cg, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The watcher given to every ZooKeeper call that sets a watch (ctx = cg). */
void cgrp_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx);
/* Delivers a rebalance event for parts (rebalance_cb, else poll events). */
void cgrp_emit(cgrp_t *cg, fjord_rebalance_event_t ev, const fjord_topic_partition_list_t *parts);
/* 1 for ZooKeeper codes that mean the session is gone. */
int cgrp_zk_session_lost(int rc);

/* cgrp_member.c (worker) */
int cgrp_member_join(cgrp_t *cg);
void cgrp_member_leave(cgrp_t *cg);
/* Reads membership and, as leader, writes a new assignment when the members'
 * resolved subscriptions or the topics changed; then applies the current
 * assignment to this member (cgrp_owner_reconcile). 0 or -1 (retry later). */
int cgrp_member_sync(cgrp_t *cg);

/* cgrp_owner.c (worker) */
cgrp_part_t *cgrp_part_find(cgrp_t *cg, const char *topic, int32_t partition);
/* Brings the owned set to `mine` (the assignment's entries for us):
 * release what moved away, claim what is new. 0, or -1 when some step must
 * be retried (claims pending count as success: their watches wake us). */
int cgrp_owner_reconcile(cgrp_t *cg, const zkjson_group_assignment_t *ga);
/* Releases every partition (leave/unsubscribe): commit when auto-commit is
 * on, delete owner znodes, REVOKE event. */
void cgrp_owner_release_all(cgrp_t *cg);
/* Session lost: drop every partition without ZooKeeper calls, LOST event. */
void cgrp_owner_lose_all(cgrp_t *cg);
/* Auto-commit of every owned partition's position (when due). */
void cgrp_owner_autocommit(cgrp_t *cg);
/* Serves one app request. */
void cgrp_req_serve(cgrp_t *cg, cgrp_req_t *rq);
void cgrp_req_unref(cgrp_req_t *rq);

#endif /* FJORD_CGRP_INT_H */
