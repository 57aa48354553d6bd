/*
 * assignor.h — consumer group partition assignment strategies: "range",
 * "roundrobin" and "sticky" (docs/groups.md has worked examples).
 *
 * What: the group leader (src/client, engineer "groups-sdk") resolves each
 * member's subscription to exact topic names, then calls assignor_assign()
 * to decide which member owns each partition; the result is what it writes
 * to /consumers/<g>/assignment.
 *
 * Guarantees:
 *   - Pure functions: no I/O, no globals, any thread.
 *   - Deterministic: the output depends only on the inputs, never on the
 *     order of members or topics in the input arrays (both are sorted
 *     internally by member id / topic name, byte-wise strcmp).
 *   - Every partition of a topic that at least one member subscribes to is
 *     assigned to exactly one member subscribed to that topic; partitions
 *     of topics nobody subscribes to are left out. Subscribed topic names
 *     missing from `topics` are ignored (the topic does not exist yet).
 *   - range and roundrobin are Kafka's RangeAssignor / RoundRobinAssignor.
 *   - sticky: among members with the same subscription, partition counts
 *     differ by at most one; a partition stays with its previous owner
 *     when that owner is still a member, still subscribed and not above its
 *     share, so a join or a leave moves the fewest partitions.
 *
 * Ownership: inputs are borrowed. `out` is overwritten (zeroed first; the
 * caller clears a previous content itself) and filled with malloc'd arrays
 * released by zkjson_group_assignment_clear(). Entries are sorted by topic,
 * then partition. generation and leader are left 0 / NULL for the caller.
 */
#ifndef FJORD_ASSIGNOR_H
#define FJORD_ASSIGNOR_H

#include <stddef.h>
#include <stdint.h>

#include "common/zkjson.h"

typedef struct assignor_member {
	const char *member_id;
	int topic_cnt;
	const char *const *topics; /* exact topic names (patterns already resolved) */
} assignor_member_t;

typedef struct assignor_topic {
	const char *topic;
	int32_t partition_cnt;
} assignor_topic_t;

/* Strategy names accepted by assignor_assign(), NULL-terminated. */
extern const char *const assignor_strategies[];

/* 1 if `strategy` names a known strategy. */
int assignor_strategy_valid(const char *strategy);

/* Computes an assignment. previous may be NULL (only "sticky" reads it;
 * entries naming unknown topics, partitions or members are ignored).
 * Returns 0, or -1 with errstr for an unknown strategy, NULL arrays with a
 * positive count, a duplicate member id or topic, a negative partition
 * count, or out of memory (out is then left zeroed). */
int assignor_assign(const char *strategy, const assignor_member_t *members, int member_cnt,
                    const assignor_topic_t *topics, int topic_cnt,
                    const zkjson_group_assignment_t *previous, zkjson_group_assignment_t *out,
                    char *errstr, size_t n);

#endif /* FJORD_ASSIGNOR_H */
