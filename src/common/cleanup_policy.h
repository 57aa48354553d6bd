/*
 * cleanup_policy.h — Kafka's cleanup.policy values: delete, compact,
 * compact,delete.
 *
 * One parser for every place that takes the setting: the broker's
 * log.cleanup.policy and a topic's cleanup.policy (storage/log_config.c),
 * and the topic config the admin path writes to ZooKeeper
 * (common/zkadmin.c), so that all of them accept and refuse the same
 * values with the same words. Pure functions, any thread.
 */
#ifndef FJORD_COMMON_CLEANUP_POLICY_H
#define FJORD_COMMON_CLEANUP_POLICY_H

#include <stddef.h>

#define CLEANUP_POLICY_DELETE 0x1
#define CLEANUP_POLICY_COMPACT 0x2

/* "delete", "compact", "compact,delete" (also "delete,compact", spaces
 * around items allowed) -> *policyp. 0, or -1 with errstr naming the
 * accepted values. */
int cleanup_policy_parse(const char *value, int *policyp, char *errstr, size_t errstr_size);
/* The canonical name of a policy ("delete", "compact", "compact,delete"). */
const char *cleanup_policy_name(int policy);

#endif /* FJORD_COMMON_CLEANUP_POLICY_H */
