/*
 * controller_int.h — what the controller's files share with each other
 * (controller_elect.c: election and fencing; controller.c: leader election
 * rules, states and the pass; controller_delete.c:
 * topic deletion; controller_preferred.c: preferred leader election and the
 * automatic leader rebalance). Not for use outside the controller.
 *
 * Threads: zk_broker's worker thread only (synchronous ZooKeeper calls).
 * Ownership: every buffer a helper fills is the caller's to free with the
 * matching free / zkjson_*_clear.
 */
#ifndef FJORD_BROKER_CONTROLLER_INT_H
#define FJORD_BROKER_CONTROLLER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "broker/controller.h"
#include "common/zkjson.h"

#define CTL_PATH_MAX 600

/* A helper's result for a znode whose value is malformed (already logged
 * once per modification by controller_warn_once): skip it. */
#define CONTROLLER_SKIP 2

/* A set of broker ids (live brokers, brokers in controlled shutdown). */
typedef struct controller_ids {
	int cnt;
	int32_t *ids;
} controller_ids_t;

int controller_has(const int32_t *ids, int cnt, int32_t id);

/* Logs a malformed znode once per (path, mzxid). */
void controller_warn_once(controller_t *c, const char *path, int64_t mzxid, const char *err);

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
 * hold CTL_PATH_MAX bytes). ZOK (cur and st filled), ZNONODE,
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


#endif /* FJORD_BROKER_CONTROLLER_INT_H */
