/*
 * controller_int.h — what the controller's files share with each other
 * (controller_elect.c: election and fencing; controller.c: leader election
 * rules, states and the pass; controller_delete.c:
 * topic deletion; controller_preferred.c: preferred leader election and the
 * automatic leader rebalance; controller_reassign.c: partition
 * reassignment). Not for use outside the controller.
 *
 * Threads: zk_broker's worker thread only (synchronous ZooKeeper calls).
 * Ownership: every buffer a helper fills is the caller's to free with the
 * matching free / zkjson_*_clear.
 */
#ifndef FJORD_CONTROLLER_INT_H
#define FJORD_CONTROLLER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "controller/controller.h"
#include "common/zkjson.h"
#include "common/zkpath.h"

/* A helper's result for a znode whose value is malformed (already logged
 * once per modification by controller_warn_once): skip it. */
#define CONTROLLER_SKIP 2

/* A set of broker ids (live brokers, brokers in controlled shutdown). */
typedef struct controller_ids {
	int cnt;
	int32_t *ids;
} controller_ids_t;

int controller_has(const int32_t *ids, int cnt, int32_t id);

/* Replicas on failed log dirs (controller_offline.c): one decoded
 * /brokers/offline_replicas/<id> per broker that has some.
 *  - controller_offline_read: reads them all (children and values
 *    watched); a malformed one is refused with a marker and ignored;
 *  - controller_offline_filter: when some broker cannot host topic-p,
 *    *out = live minus those brokers (out->ids malloc'd) and 1; 0 when none
 *    (out untouched); -1 out of memory. */
typedef struct controller_offline {
	int cnt;
	zkjson_offline_t *recs;
} controller_offline_t;
int controller_offline_read(controller_t *c, controller_offline_t *off);
void controller_offline_clear(controller_offline_t *off);
int controller_offline_filter(const controller_offline_t *off, const controller_ids_t *live,
                              const char *topic, int32_t p, controller_ids_t *out);

/* Refusal markers (controller_markers.c, docs/zookeeper.md "/admin/errors").
 *  - controller_warn_once: refuses path once per (path, mzxid): logs
 *    "refusing <path>: <err> (see /admin/errors<path>)" and writes that
 *    marker (fenced; retried at the next pass when the write fails);
 *  - controller_marker_clear: path is accepted again: deletes its marker
 *    if there is one (no ZooKeeper call when there is none);
 *  - controller_markers_begin: first thing of a pass; at a new epoch reads
 *    the markers already in ZooKeeper;
 *  - controller_markers_sweep: last thing of a pass: writes pending markers
 *    and removes those of persistent znodes that no longer exist. Returns 0,
 *    CONTROLLER_DEPOSED or a negative ZooKeeper code;
 *  - controller_markers_free: forgets the set (controller_clear). */
typedef struct controller_markers controller_markers_t;
void controller_warn_once(controller_t *c, const char *path, int64_t mzxid, const char *err);
void controller_marker_clear(controller_t *c, const char *path);
int controller_markers_begin(controller_t *c);
int controller_markers_sweep(controller_t *c);
void controller_markers_free(controller_t *c);

/* Checks that /controller is still ours and the epoch unchanged (and
 * re-arms the /controller watch): ZOK, CONTROLLER_DEPOSED or an error. */
int controller_still_ours(controller_t *c);

/* Runs ops[1..n-1] behind the epoch check it puts in ops[0]. Returns 0,
 * CONTROLLER_DEPOSED, CONTROLLER_AGAIN (a conditional op lost a race) or a
 * negative ZooKeeper code. */
int controller_multi(controller_t *c, int n, zoo_op_t *ops, zoo_op_result_t *res);

/* Reads and decodes /brokers/topics/<topic> (watched with the controller's
 * watcher when watch is set). ZOK, ZNONODE, CONTROLLER_SKIP or an error. */
int controller_assignment_get(controller_t *c, const char *topic, int watch,
                              zkjson_assignment_t *a);

/* Reads and decodes partition p's state znode (path into spath, which must
 * hold ZKPATH_MAX bytes). ZOK (cur and st filled), ZNONODE,
 * CONTROLLER_SKIP or an error. */
int controller_state_get(controller_t *c, const char *topic, int32_t p, char *spath,
                         zkjson_state_t *cur, struct Stat *st);

/* Writes next over the state znode at spath, conditional on version and
 * fenced by the epoch; on success *jsonp (may be NULL) receives the JSON
 * written (caller frees). Returns as controller_multi(). */
int controller_state_put(controller_t *c, const char *spath, const zkjson_state_t *next,
                         int32_t version, char **jsonp);

/* Topic deletion (controller_delete.c): removes the topic's znodes and its
 * /admin/delete_topics marker in one fenced multi. */
int controller_delete_topic(controller_t *c, const char *topic);

/* Preferred leader election (controller_preferred.c). Both return 0,
 * CONTROLLER_AGAIN, CONTROLLER_DEPOSED or a negative ZooKeeper code.
 *  - controller_preferred_run: carries out /admin/preferred_replica_election
 *    (and re-arms its watch), then deletes it;
 *  - controller_rebalance_run: the periodic imbalance check, when due. */
int controller_preferred_run(controller_t *c, const controller_ids_t *live,
                             const controller_ids_t *down);
int controller_rebalance_run(controller_t *c, const controller_ids_t *live,
                             const controller_ids_t *down, const struct String_vector *dels);

/* Partition reassignment (controller_reassign.c): carries
 * /admin/reassign_partitions one step further (and re-arms its watch and
 * those of the state znodes it waits for); deletes it when done or refused.
 * Returns 0, CONTROLLER_AGAIN, CONTROLLER_DEPOSED or a negative ZooKeeper
 * code. */
int controller_reassign_run(controller_t *c, const controller_ids_t *live,
                            const controller_ids_t *down, const struct String_vector *dels);

#endif /* FJORD_CONTROLLER_INT_H */
