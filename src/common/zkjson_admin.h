/*
 * zkjson_admin.h — the JSON values of the operator/controller "request"
 * znodes under /admin that carry a body: the controlled-shutdown marker, the
 * preferred replica election plan and the partition reassignment plan
 * (docs/zookeeper.md).
 *
 * Owner: common core (ZooKeeper side). Pure functions, any thread. Same
 * contract as zkjson.h: encoders return a malloc'd NUL-terminated string
 * (caller frees) or NULL when out of memory; decoders take the raw znode
 * bytes (need not be NUL-terminated), fill a caller-provided struct and
 * return 0, or -1 with errstr naming the znode kind and the offending field.
 * Unknown extra fields are ignored; "version", when present, must be 1.
 */
#ifndef FJORD_ZKJSON_ADMIN_H
#define FJORD_ZKJSON_ADMIN_H

#include <stddef.h>
#include <stdint.h>

/* /admin/controlled_shutdown/<id> (ephemeral, written by a stopping broker):
 * {"version":1,"broker":<id>,"timestamp":"<ms>"} */
char *zkjson_admin_shutdown_encode(int32_t broker_id, int64_t timestamp);
int zkjson_admin_shutdown_decode(const char *buf, size_t len, int32_t *broker_idp,
                                 int64_t *timestampp, char *errstr, size_t n);

/* /admin/preferred_replica_election (Kafka's shape):
 * {"version":1,"partitions":[{"topic":"t","partition":0},...]}
 * At least one entry; topics non-empty strings; partitions >= 0; a
 * (topic, partition) listed twice is an error (as in Kafka). */
typedef struct zkjson_admin_plan {
	int cnt;
	char **topics;       /* topic of entry i */
	int32_t *partitions; /* partition of entry i */
} zkjson_admin_plan_t;
char *zkjson_admin_plan_encode(const zkjson_admin_plan_t *plan);
int zkjson_admin_plan_decode(const char *buf, size_t len, zkjson_admin_plan_t *plan, char *errstr,
                             size_t n);
/* Frees what a decoder filled; a zeroed struct is fine. */
void zkjson_admin_plan_clear(zkjson_admin_plan_t *plan);

/* /admin/reassign_partitions (Kafka's shape):
 * {"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[3,1,2]},...]}
 * At least one entry; topics non-empty strings; partitions >= 0; a
 * (topic, partition) listed twice is an error; "replicas" is a non-empty
 * list of distinct broker ids >= 0 (the target replica set, in preference
 * order: its first member is the partition's preferred leader). */
typedef struct zkjson_reassign_entry {
	char *topic;
	int32_t partition;
	int replica_cnt;
	int32_t *replicas;
} zkjson_reassign_entry_t;
typedef struct zkjson_reassign {
	int cnt;
	zkjson_reassign_entry_t *entries;
} zkjson_reassign_t;
char *zkjson_reassign_encode(const zkjson_reassign_t *plan);
int zkjson_reassign_decode(const char *buf, size_t len, zkjson_reassign_t *plan, char *errstr,
                           size_t n);
/* Frees what a decoder filled; a zeroed struct is fine. */
void zkjson_reassign_clear(zkjson_reassign_t *plan);

#endif /* FJORD_ZKJSON_ADMIN_H */
