/*
 * controller.h — controller election and the controller's duties in
 * ZooKeeper (partition states of new topics, leader election when brokers
 * come and go or enter controlled shutdown, topic deletion, preferred
 * leader election on request and by the periodic leader rebalance), every
 * write fenced by /controller_epoch.
 *
 * Owner: broker (ZooKeeper side). Driven by zk_broker's worker thread; all
 * functions make synchronous ZooKeeper calls, so never call them from a
 * ZooKeeper watcher. The struct is the caller's; controller functions only
 * fill in the election fields and the warned-about list.
 */
#ifndef FJORD_CONTROLLER_H
#define FJORD_CONTROLLER_H

#include <stdint.h>
#include "common/zkutil.h"

/* controller_run() results besides 0. */
#define CONTROLLER_AGAIN 1         /* a conditional write lost a race: run again soon */
#define CONTROLLER_DEPOSED (-1000) /* another controller holds a newer epoch */

/* The automatic leader rebalance, as Kafka's broker settings: every
 * interval_s the controller counts, per broker, the partitions whose
 * preferred (first) replica it is and of those the ones it does not lead;
 * when that share exceeds imbalance_pct percent it moves their leadership
 * back to it (when it is live, in the ISR and not shutting down).
 * The check runs inside a controller pass; passes happen on every watched
 * change and at least every few seconds (zk_broker's safety net), which
 * bounds how late a due check can be. */
typedef struct controller_rebalance {
	int enable;        /* auto.leader.rebalance.enable */
	int interval_s;    /* leader.imbalance.check.interval.seconds, >= 1 */
	int imbalance_pct; /* leader.imbalance.per.broker.percentage, 0..100 */
} controller_rebalance_t;
/* Kafka's defaults: true, 300, 10. */
#define CONTROLLER_REBALANCE_DEFAULT                                                               \
	{                                                                                          \
		1, 300, 10                                                                         \
	}

typedef struct controller {
	zhandle_t *zh;
	int32_t broker_id;
	int unclean_leader_election; /* broker default; topics may override */
	watcher_fn watcher;          /* armed on everything the controller watches */
	void *watcher_ctx;
	/* Set by controller_elect() on success. */
	int32_t epoch;           /* our controller epoch */
	int32_t epoch_zkversion; /* /controller_epoch's version holding it */
	zkutil_seen_t warned;    /* malformed znodes already logged */
	/* Refusal markers under /admin/errors this controller knows
	 * (controller_markers.c), read again at the first pass of each epoch. */
	struct controller_markers *markers;
	int32_t markers_epoch;
	/* Leader rebalance settings: CONTROLLER_REBALANCE_DEFAULT until
	 * controller_set_rebalance() is called (rebalance_set). */
	controller_rebalance_t rebalance;
	int rebalance_set;
	int64_t rebalance_due_ms; /* next check (monotonic ms); 0: not scheduled */
} controller_t;

/* Sets the leader rebalance settings (see controller_rebalance_t); call
 * before the first election. Returns 0, or -1 when interval_s < 1 or
 * imbalance_pct is outside 0..100 (nothing changed). */
int controller_set_rebalance(controller_t *c, int enable, int interval_s, int imbalance_pct);

/* One election attempt (DESIGN.md): a multi-op creating the ephemeral
 * /controller and setting /controller_epoch to epoch+1 conditional on its
 * version (created as "0" first if missing). Returns 1 when elected (epoch
 * fields set), 0 when another broker is controller (an exists-watch on
 * /controller is armed so its disappearance wakes the caller), or a
 * negative ZooKeeper code. */
int controller_elect(controller_t *c);

/* One pass over the cluster as controller, from ZooKeeper state alone (a
 * newly elected controller needs nothing else): carries out pending
 * deletions, writes states of partitions that have none, moves leadership
 * off dead brokers and brokers in controlled shutdown (and takes the latter
 * out of every ISR), back onto returning ones, carries out
 * /admin/preferred_replica_election, and runs the leader rebalance check
 * when it is due. Re-arms its watches (/brokers/ids, /brokers/topics,
 * /brokers/topics/<t>, /admin/delete_topics, /admin/controlled_shutdown,
 * /admin/preferred_replica_election, /controller). Returns 0,
 * CONTROLLER_AGAIN, CONTROLLER_DEPOSED or a negative ZooKeeper code (retry
 * later). */
int controller_run(controller_t *c);

/* Deletes /controller if this session owns it (best effort). */
void controller_resign(controller_t *c);

/* Frees the list of malformed znodes already logged and the known
 * refusal markers. */
void controller_clear(controller_t *c);

/* How many operator inputs this process refused while controller (each
 * refused modification of a znode counts once). Any thread. */
uint64_t controller_refused_total(void);

#endif /* FJORD_CONTROLLER_H */
