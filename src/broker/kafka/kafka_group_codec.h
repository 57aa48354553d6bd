/*
 * kafka_group_codec.h — the request bodies of Kafka's group coordinator
 * APIs (kafka_group.c, kafka_offsets.c) and the ConsumerProtocol
 * assignment a consumer group's leader hands out (kgroup_zk.c), decoded
 * into plain structures. Pure: no connection, no broker, no ZooKeeper; the
 * fuzz target tests/fuzz/fuzz_kafka_request.c runs them as they are.
 *
 * Layouts (non-flexible versions) are listed in kafka_group_codec.c's
 * opening comment.
 *
 * A decoder reads a body that is all there (kwire.h: every length and
 * count is bounded by the bytes left) into structures allocated in the
 * arena it is given; strings and byte fields are copies in that arena (they
 * outlive the body: a group request may wait in its group's queue). A body
 * must decode whole: an error or a byte left over fails it, 0 or -1 with
 * what did not decode in d->what. The assignment is the exception: its
 * user data, after the topics, is not read.
 *
 * Thread: any (the broker calls them on its loop thread).
 */
#ifndef FJORD_BROKER_KAFKA_GROUP_CODEC_H
#define FJORD_BROKER_KAFKA_GROUP_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/kwire.h"

/* JoinGroup v0-5. */
typedef struct kgc_join {
	char *group, *member_id;
	char *instance_id; /* v5; NULL when null or before v5 */
	char *protocol_type;
	int32_t session_ms, rebalance_ms; /* rebalance_ms: session_ms before v1 */
	int32_t proto_cnt;
	char **names;     /* proto_cnt protocol names */
	uint8_t **meta;   /* their metadata (a ConsumerProtocol subscription) */
	int32_t *lens;    /* its length; 0 for empty */
	const char *what; /* on failure: what did not decode */
} kgc_join_t;

int kgc_join_group(int16_t v, kw_reader_t *r, arena_t *ar, kgc_join_t *d);

/* SyncGroup v0-3. */
typedef struct kgc_sync {
	char *group, *member_id;
	char *instance_id; /* v3; NULL when null or before v3 */
	int32_t generation, cnt;
	char **ids;       /* cnt member ids */
	uint8_t **assign; /* their assignments (ConsumerProtocol) */
	int32_t *lens;    /* their lengths; 0 for empty */
	const char *what;
} kgc_sync_t;

int kgc_sync_group(int16_t v, kw_reader_t *r, arena_t *ar, kgc_sync_t *d);

/* Heartbeat v0-3 (has_gen 1) and LeaveGroup v0-1 (has_gen 0). */
typedef struct kgc_member {
	char *group, *member_id;
	char *instance_id;  /* Heartbeat v3; NULL otherwise */
	int32_t generation; /* Heartbeat; 0 for LeaveGroup */
	const char *what;
} kgc_member_t;

int kgc_heartbeat(int16_t v, kw_reader_t *r, arena_t *ar, kgc_member_t *d);
int kgc_leave_group(int16_t v, kw_reader_t *r, arena_t *ar, kgc_member_t *d);

/* FindCoordinator v0-2. */
typedef struct kgc_find {
	char *key;
	int8_t key_type; /* v1+; 0 (a group) before */
	const char *what;
} kgc_find_t;

int kgc_find_coordinator(int16_t v, kw_reader_t *r, arena_t *ar, kgc_find_t *d);

/* ListGroups v0: an empty body. */
typedef struct kgc_list {
	const char *what;
} kgc_list_t;

int kgc_list_groups(int16_t v, kw_reader_t *r, kgc_list_t *d);

/* DescribeGroups v0. */
typedef struct kgc_describe {
	int32_t n;
	char **names; /* n group names */
	const char *what;
} kgc_describe_t;

int kgc_describe_groups(int16_t v, kw_reader_t *r, arena_t *ar, kgc_describe_t *d);

/* OffsetCommit v0-7 and OffsetFetch v1-5: one partition named. */
typedef struct kgc_offset {
	char *topic; /* shared by the partitions of one topic entry */
	int32_t partition;
	int64_t offset; /* a commit's offset; -1 for a fetch */
} kgc_offset_t;

typedef struct kgc_offsets {
	char *group;
	char *member_id;    /* OffsetCommit v1+; "" before and for a fetch */
	int32_t generation; /* OffsetCommit v1+; -1 before and for a fetch */
	int all;            /* OffsetFetch v2+ with null topics */
	int n;
	kgc_offset_t *o; /* n partitions, in request order */
	const char *what;
} kgc_offsets_t;

int kgc_offset_commit(int16_t v, kw_reader_t *r, arena_t *ar, kgc_offsets_t *d);
int kgc_offset_fetch(int16_t v, kw_reader_t *r, arena_t *ar, kgc_offsets_t *d);

/* A ConsumerProtocol assignment: version, topics [topic, partitions
 * [int32]], user data (not read). */
typedef struct kgc_assign_topic {
	char *name;
	int16_t name_len; /* its length on the wire (strlen stops at a NUL in it) */
	int32_t n;
	int32_t *partitions; /* n partitions */
} kgc_assign_topic_t;

typedef struct kgc_assignment {
	int16_t version;
	int32_t n;
	kgc_assign_topic_t *topics; /* n topics, in the bytes' order */
	size_t used;                /* bytes read (the user data follows) */
} kgc_assignment_t;

/* Decodes an assignment of len bytes. 0, or -1 when it does not decode. */
int kgc_assignment(const uint8_t *buf, size_t len, arena_t *ar, kgc_assignment_t *a);

#endif /* FJORD_BROKER_KAFKA_GROUP_CODEC_H */
