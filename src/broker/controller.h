/*
 * controller.h — controller election and the controller's duties in
 * ZooKeeper (partition states of new topics, leader election when brokers
 * come and go, topic deletion), every write fenced by /controller_epoch.
 *
 * Owner: broker (ZooKeeper side). Driven by zk_broker's worker thread; all
 * functions make synchronous ZooKeeper calls, so never call them from a
 * ZooKeeper watcher. The struct is the caller's; controller functions only
 * fill in the election fields and the warned-about list.
 */
#ifndef FJORD_BROKER_CONTROLLER_H
#define FJORD_BROKER_CONTROLLER_H

#include <stdint.h>
#include "common/zkutil.h"

/* controller_run() results besides 0. */
#define CONTROLLER_AGAIN 1 /* a conditional write lost a race: run again soon */
#define CONTROLLER_DEPOSED (-1000) /* another controller holds a newer epoch */

typedef struct controller {
	zhandle_t *zh;
	int32_t broker_id;
	int unclean_leader_election;   /* broker default; topics may override */
	watcher_fn watcher;            /* armed on everything the controller watches */
	void *watcher_ctx;
	/* Set by controller_elect() on success. */
	int32_t epoch;                 /* our controller epoch */
	int32_t epoch_zkversion;       /* /controller_epoch's version holding it */
	zkutil_seen_t warned;          /* malformed znodes already logged */
} controller_t;

/* One election attempt (DESIGN.md): a multi-op creating the ephemeral
 * /controller and setting /controller_epoch to epoch+1 conditional on its
 * version (created as "0" first if missing). Returns 1 when elected (epoch
 * fields set), 0 when another broker is controller (an exists-watch on
 * /controller is armed so its disappearance wakes the caller), or a
 * negative ZooKeeper code. */
int controller_elect(controller_t *c);

/* One pass over the cluster as controller: carries out pending deletions,
 * writes states of partitions that have none, moves leadership off dead
 * brokers and back onto returning ones. Re-arms its watches
 * (/brokers/ids, /brokers/topics, /brokers/topics/<t>,
 * /admin/delete_topics, /controller). Returns 0, CONTROLLER_AGAIN,
 * CONTROLLER_DEPOSED or a negative ZooKeeper code (retry later). */
int controller_run(controller_t *c);

/* Deletes /controller if this session owns it (best effort). */
void controller_resign(controller_t *c);

/* Frees the list of malformed znodes already logged. */
void controller_clear(controller_t *c);

#endif /* FJORD_BROKER_CONTROLLER_H */
