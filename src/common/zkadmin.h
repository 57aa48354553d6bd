/*
 * zkadmin.h — topic administration through ZooKeeper, as Kafka's ZooKeeper
 * mode does it: the admin side writes only the assignment and the config
 * (at creation, or later when an override changes); the controller writes
 * partition states.
 *
 * Owner: common core (ZooKeeper side). Called by the SDK's admin API (which
 * the CLI uses) with a connected handle. Blocking; call from an app thread.
 */
#ifndef FJORD_ZKADMIN_H
#define FJORD_ZKADMIN_H

#include <stddef.h>
#include <stdint.h>
#include <zookeeper/zookeeper.h>

#include "fjord.h"

/* How many times a version-conditional write lost to another writer is
 * read and tried again. */
#define ZKADMIN_ALTER_TRIES 10

/* Kafka's topic name rules: 1..249 chars of [a-zA-Z0-9._-], not "." or "..".
 * Returns 0 or FJORD_ERR_INVALID_TOPIC with a reason in errstr. */
fjord_err_t zkadmin_validate_topic_name(const char *name, char *errstr, size_t n);

/* Validates name, counts and configs (known topic config keys with valid
 * values), computes a round-robin replica assignment across the live
 * brokers (/brokers/ids) starting at a random broker, and in one multi-op
 * creates /config/topics/<t> and /brokers/topics/<t>. Does not wait for
 * leaders. Errors: TOPIC_ALREADY_EXISTS, INVALID_TOPIC, INVALID_PARTITIONS,
 * INVALID_REPLICATION_FACTOR (rf > live brokers), INVALID_CONFIG,
 * FJORD_ERR__ZOOKEEPER. errstr says which value is wrong. */
fjord_err_t zkadmin_create_topic(zhandle_t *zh, const char *topic, int32_t partitions,
                                 int32_t replication_factor, const char *const *configs,
                                 char *errstr, size_t errstr_size);
/* Creates /admin/delete_topics/<t> (UNKNOWN_TOPIC_OR_PARTITION if the topic
 * does not exist). The controller completes the deletion. */
fjord_err_t zkadmin_delete_topic(zhandle_t *zh, const char *topic, char *errstr,
                                 size_t errstr_size);

/*
 * Grows a topic to new_total partitions, as Kafka's CreatePartitions does
 * in ZooKeeper mode: reads /brokers/topics/<t> with its version, places the
 * partitions from the current count up to new_total like a new topic's
 * (Kafka's rack-unaware round-robin over the live brokers, continuing from
 * partition 0's first replica, partition 0's replication factor) and writes
 * the longer assignment conditional on that version (a lost race is read
 * again, up to ZKADMIN_ALTER_TRIES times). The existing partitions keep
 * their replicas. The controller creates the new partitions (elects their
 * leaders); this call does not wait for it.
 * Errors: INVALID_TOPIC (a bad name, or the topic is queued for deletion),
 * UNKNOWN_TOPIC_OR_PARTITION, INVALID_PARTITIONS (new_total not above the
 * current count, above the limit, or a malformed assignment znode),
 * INVALID_REPLICATION_FACTOR (fewer live brokers than the topic's
 * replication factor), REASSIGNMENT_IN_PROGRESS (/admin/reassign_partitions
 * exists), FJORD_ERR__ZOOKEEPER, FJORD_ERR__FAIL (out of memory, or too many
 * lost races). errstr says which.
 */
fjord_err_t zkadmin_create_partitions(zhandle_t *zh, const char *topic, int32_t new_total,
                                      char *errstr, size_t errstr_size);

/*
 * Changes a topic's config overrides in /config/topics/<t>: set holds
 * set_cnt name/value pairs (2 * set_cnt strings), del_keys del_cnt names
 * to remove (a known name that is not set is no change; an unknown name
 * only when it is set, e.g. written by hand). Everything is checked before
 * anything is written: each set value with zkadmin_validate_topic_config,
 * each deleted name, no name twice, and the overrides already there that
 * this call keeps (one written by hand with zkCli may be wrong) —
 * INVALID_CONFIG naming the key, nothing written. Then a read-modify-write
 * conditional on the config znode's version, in one multi-op with a check
 * that /brokers/topics/<t> exists; a lost race is retried. An absent config znode is created.
 * Errors: INVALID_TOPIC, UNKNOWN_TOPIC_OR_PARTITION (no such topic, or it is
 * being deleted), INVALID_CONFIG (also for a malformed config znode, which
 * is left for the operator to fix), FJORD_ERR__INVALID_ARG (nothing to do,
 * NULL arrays), FJORD_ERR__ZOOKEEPER, FJORD_ERR__FAIL (out of memory, or
 * more than ZKADMIN_ALTER_TRIES lost races).
 */
fjord_err_t zkadmin_alter_topic_config(zhandle_t *zh, const char *topic, const char *const *set,
                                       int set_cnt, const char *const *del_keys, int del_cnt,
                                       char *errstr, size_t errstr_size);

/* The topic-level config keys fjord knows (NULL-terminated), and a check of
 * one key/value: 0 or -1 with errstr. */
extern const char *const zkadmin_topic_config_keys[];
int zkadmin_validate_topic_config(const char *key, const char *value, char *errstr, size_t n);

/* What each topic key falls back to without an override (one entry per key
 * of zkadmin_topic_config_keys, same order, then a NULL key): the broker
 * setting that supplies it (NULL: none) and that setting's built-in default
 * (src/broker/broker_conf.c; test 0135 checks each against the generated
 * docs/configuration.md, so a change there cannot go unnoticed). */
typedef struct zkadmin_topic_default {
	const char *key;
	const char *broker_key;
	const char *value;
} zkadmin_topic_default_t;
extern const zkadmin_topic_default_t zkadmin_topic_config_defaults[];

#endif /* FJORD_ZKADMIN_H */
