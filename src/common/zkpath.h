/*
 * zkpath.h — the one place that spells fjord's ZooKeeper paths.
 *
 * Owner: common core. Every znode of docs/zookeeper.md has a constant (the
 * fixed ones) or a function here (the ones named after a topic, partition,
 * broker or group), and every part — broker, controller, SDK, tools —
 * builds its paths with them, so a path is written once and a reader finds
 * all of them on one page. Paths are relative to the chroot of
 * zookeeper.connect, which the ZooKeeper client applies.
 *
 * The functions write into a buffer of ZKPATH_MAX bytes and return it, to
 * be used inline: zoo_exists(zh, zkpath_topic(path, t), 0, &st). Names are
 * used as they are: topic names are [a-zA-Z0-9._-]{1,249}
 * (zkadmin_validate_topic_name); group and member ids come from the SDK's
 * configuration. A path that would not fit is written as "" instead of
 * being cut short, so ZooKeeper refuses it (ZBADARGUMENTS) rather than
 * acting on another znode.
 *
 * Threads: any; no state.
 */
#ifndef FJORD_ZKPATH_H
#define FJORD_ZKPATH_H

#include <stdint.h>

/* Size of every path buffer: a topic, a partition and a group with room. */
#define ZKPATH_MAX 1024

/* Fixed znodes and the parents of the named ones. */
#define ZKPATH_CLUSTER "/cluster"
#define ZKPATH_CLUSTER_ID "/cluster/id"
#define ZKPATH_BROKERS "/brokers"
#define ZKPATH_BROKER_IDS "/brokers/ids"
#define ZKPATH_TOPICS "/brokers/topics"
#define ZKPATH_OFFLINE_REPLICAS "/brokers/offline_replicas"
#define ZKPATH_CONTROLLER "/controller"
#define ZKPATH_CONTROLLER_EPOCH "/controller_epoch"
#define ZKPATH_CONFIG "/config"
#define ZKPATH_CONFIG_TOPICS "/config/topics"
#define ZKPATH_CONFIG_USERS "/config/users"
#define ZKPATH_CONFIG_CHANGES "/config/changes"
#define ZKPATH_ADMIN "/admin"
#define ZKPATH_DELETE_TOPICS "/admin/delete_topics"
#define ZKPATH_CONTROLLED_SHUTDOWN "/admin/controlled_shutdown"
#define ZKPATH_PREFERRED_ELECTION "/admin/preferred_replica_election"
#define ZKPATH_REASSIGN "/admin/reassign_partitions"
#define ZKPATH_ERRORS "/admin/errors"
#define ZKPATH_CONSUMERS "/consumers"
/* The last block of producer ids handed to a broker (common/pid_block.h). */
#define ZKPATH_LATEST_PRODUCER_ID_BLOCK "/latest_producer_id_block"
/* Kafka's ACLs: /kafka-acl/<Topic|Group|Cluster>/<name> and the change
 * notifications /kafka-acl-changes/acl_changes_<seq> (common/acl_zk.c). */
#define ZKPATH_KAFKA_ACL "/kafka-acl"
#define ZKPATH_KAFKA_ACL_CHANGES "/kafka-acl-changes"
#define ZKPATH_KAFKA_ACL_CHANGE_PREFIX "/kafka-acl-changes/acl_changes_"

/* <parent>/<name>: a child listed by zoo_get_children (e.g. of ZKPATH_BROKER_IDS). */
char *zkpath_child(char *buf, const char *parent, const char *name);
/* /brokers/ids/<id> */
char *zkpath_broker(char *buf, int32_t id);
/* /brokers/topics/<topic> */
char *zkpath_topic(char *buf, const char *topic);
/* /brokers/topics/<topic>/partitions */
char *zkpath_partitions(char *buf, const char *topic);
/* /brokers/topics/<topic>/partitions/<p> */
char *zkpath_partition(char *buf, const char *topic, int32_t partition);
/* /brokers/topics/<topic>/partitions/<p>/state */
char *zkpath_state(char *buf, const char *topic, int32_t partition);
/* /config/topics/<topic> */
char *zkpath_topic_config(char *buf, const char *topic);
/* /config/users/<user> (SCRAM credentials; docs/security.md) */
char *zkpath_user_config(char *buf, const char *user);
/* /admin/delete_topics/<topic> */
char *zkpath_delete_topic(char *buf, const char *topic);
/* /admin/controlled_shutdown/<id> */
char *zkpath_controlled_shutdown(char *buf, int32_t id);
/* /brokers/offline_replicas/<id> */
char *zkpath_offline_replicas(char *buf, int32_t id);
/* /admin/errors<path>: the refusal marker of the znode at path. */
char *zkpath_error_marker(char *buf, const char *path);

/* /consumers/<group> */
char *zkpath_group(char *buf, const char *group);
/* /consumers/<group>/<what>: "ids", "assignment", "owners", "offsets". */
char *zkpath_group_sub(char *buf, const char *group, const char *what);
/* /consumers/<group>/ids/<member> */
char *zkpath_member(char *buf, const char *group, const char *member);
/* /consumers/<group>/<owners|offsets>/<topic> */
char *zkpath_group_topic(char *buf, const char *group, const char *what, const char *topic);
/* /consumers/<group>/owners/<topic>/<p> */
char *zkpath_owner(char *buf, const char *group, const char *topic, int32_t partition);
/* /consumers/<group>/offsets/<topic>/<p> */
char *zkpath_offset(char *buf, const char *group, const char *topic, int32_t partition);

#endif
