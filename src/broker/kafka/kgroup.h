/*
 * kgroup.h — the group coordinator for Kafka clients: which broker
 * coordinates a group, the groups it coordinates in memory (members, the
 * Join/Sync state machine, session and rebalance timers), and the
 * ZooKeeper state that survives it (docs/groups.md, "Kafka clients'
 * groups").
 *
 * Coordinator choice. The coordinator of group g is the broker holding the
 * ephemeral /consumers/<g>/coordinator (readable JSON: broker, generation,
 * protocol, leader, members and their assignments). FindCoordinator answers
 * that broker; when nobody holds it, the live broker with a Kafka listener
 * of the asking connection's name that scores highest in a rendezvous hash
 * (murmur2 of "<group>/<broker id>") — the one that creates the znode when
 * the group's first request reaches it. A broker that gets a group request
 * for a group it does not hold claims it (kgroup_claim, on the zkb worker):
 * NOT_COORDINATOR when another broker holds it or the hash picks another;
 * requests wait in the group's queue meanwhile, in order.
 *
 * Generations. /consumers/<g>/generation (persistent, decimal text) holds
 * the last generation; it is set with every write of the coordinator znode
 * (one multi-op), so a broker taking the group over continues above it.
 *
 * Fencing. Every write of the coordinator znode and every OffsetCommit is a
 * multi-op that checks the znode's version, which only the holder knows:
 * a broker whose session expired (its ephemeral znode gone, maybe re-created
 * by another broker) fails the check and drops the group. kg->zver is the
 * version the znode will have once every write submitted so far has run;
 * the zkb worker runs jobs one at a time in submission order, so a commit
 * submitted after a write checks the version that write leaves.
 *
 * A join that completes a rebalance answers only after the new generation
 * is written (the group is "busy" meanwhile and later requests queue), so
 * no member ever works in a generation ZooKeeper does not know.
 *
 * Thread: loop thread; ZooKeeper work runs on the zkb worker and its
 * results come back with loop_post (kgroup_zk.c).
 */
#ifndef FJORD_BROKER_KGROUP_H
#define FJORD_BROKER_KGROUP_H

#include <stdint.h>

#include "broker/conn.h"
#include "broker/kafka/kafka.h"
#include "common/arena.h"

struct broker;
struct kgroup;
struct kg_req;

/* Runs a request against its group (g NULL, err set: answer err, e.g.
 * NOT_COORDINATOR). Answers (kg_req_answer) or parks the request. */
typedef void kg_run_fn(struct kg_req *r, struct kgroup *g, int16_t err);

/* A group request waiting for, or being run by, the coordinator. It owns
 * the parsed body (in ar) and its response slot; the slot's cancel hook
 * (the connection went away) unlinks and frees it, or, while it is out on
 * the zkb worker, only forgets the slot. */
typedef struct kg_req {
	struct kg_req *next;
	struct kgroup_mgr *m;
	struct kgroup *qg;        /* the group whose queue holds it, or NULL */
	struct kg_member *waiter; /* the member whose join or sync wait it is */
	int zk;                   /* out on the zkb worker */
	conn_slot_t *slot;        /* NULL: the connection went away */
	int16_t api, version;
	char *client_id, *host;
	int listener; /* index in conf.lsn of the connection's listener */
	arena_t ar;
	void *body; /* the api's parsed request (in ar) */
	kg_run_fn *run;
} kg_req_t;

typedef enum kg_state {
	KG_EMPTY = 0,
	KG_PREPARING,  /* PreparingRebalance: waiting for members to (re)join */
	KG_COMPLETING, /* CompletingRebalance: waiting for the leader's SyncGroup */
	KG_STABLE,
	KG_DEAD,
} kg_state_t;

typedef struct kg_member {
	struct kg_member *next;
	char *id, *client_id, *host, *instance_id;
	int32_t session_ms, rebalance_ms;
	int proto_cnt;
	char **proto_names;
	uint8_t **proto_meta;
	int32_t *proto_len;
	uint8_t *assign; /* SyncGroup's assignment for it (NULL: none) */
	int32_t assign_len;
	int64_t expires_ms; /* monotonic: no heartbeat by then removes it */
	kg_req_t *join_wait, *sync_wait;
} kg_member_t;

/* A member id handed out by JoinGroup v4+ (MEMBER_ID_REQUIRED) and not
 * joined yet: it counts against group.max.size until it expires. */
typedef struct kg_pending {
	struct kg_pending *next;
	char *id;
	int64_t expires_ms;
} kg_pending_t;

typedef struct kgroup {
	struct kgroup *next;
	struct kgroup_mgr *m;
	char *name;
	uint64_t incarnation; /* tells a ZooKeeper result for an earlier life apart */
	int loading;          /* claim on the zkb worker */
	int persisting;       /* a new generation being written; joins answered after */
	int doomed;           /* a write could not be submitted: the cron drops it */
	kg_req_t *q_head, *q_tail;
	kg_state_t state;
	int32_t generation;
	char *protocol_type, *protocol, *leader;
	kg_member_t *members;
	int member_cnt;
	kg_pending_t *pending;
	int pending_cnt;
	int64_t rebalance_deadline_ms; /* monotonic, while KG_PREPARING */
	int32_t zver;                  /* the coordinator znode's version after queued writes */
} kgroup_t;

typedef struct kgroup_mgr {
	struct broker *b;
	kgroup_t *groups;
	uint64_t incarnations;
	uint64_t rebalances; /* completed join phases (metrics) */
} kgroup_mgr_t;

kgroup_mgr_t *kgroup_mgr_new(struct broker *b);
/* Answers every waiting request NOT_COORDINATOR and frees (connections
 * still open; at shutdown). */
void kgroup_mgr_free(kgroup_mgr_t *m);
/* Broker cron: member session expiry, rebalance timeouts. */
void kgroup_cron(kgroup_mgr_t *m, int64_t now_ms);
/* The ZooKeeper session expired: the coordinator znodes are gone with it,
 * so every group is dropped (its members find the new coordinator). */
void kgroup_session_lost(kgroup_mgr_t *m);

/* A request for group `name`: run at once when this broker coordinates it,
 * queued while the group is loading or persisting, or a claim started. */
void kgroup_route(kgroup_mgr_t *m, const char *name, kg_req_t *r);
/* A new request object for rq with its own slot (NULL: out of memory). */
kg_req_t *kg_req_new(kreq_t *rq, kg_run_fn *run);
/* Answers r with the body in w and frees r (w is the caller's). */
void kg_req_answer(kg_req_t *r, kw_writer_t *w);
void kg_req_free(kg_req_t *r);
/* The group this broker coordinates (loaded), or NULL. */
kgroup_t *kgroup_find(kgroup_mgr_t *m, const char *name);
/* The rendezvous-hash choice among live brokers with a Kafka listener
 * named lsn_name: their id, or -1 when there is none. */
int32_t kgroup_hash_pick(struct broker *b, const char *group, const char *lsn_name);
const char *kgroup_state_name(kg_state_t st);

/* The state machine's transitions (kgroup.c), called by kafka_group.c. */
kg_member_t *kgroup_member(kgroup_t *g, const char *id);
/* Touches a member's session timer. */
void kgroup_member_touch(kg_member_t *mb);
/* Starts a rebalance (PreparingRebalance): parked syncs get
 * REBALANCE_IN_PROGRESS; the join phase ends when every member has
 * rejoined or the longest rebalance timeout passes. */
void kgroup_prepare(kgroup_t *g, const char *why);
/* Ends the join phase when every member waits in JoinGroup. */
void kgroup_check_join(kgroup_t *g);
/* Removes a member (its parked requests get UNKNOWN_MEMBER_ID) and
 * rebalances what remains. */
void kgroup_remove_member(kgroup_t *g, kg_member_t *mb, const char *why);
/* The answer of a parked JoinGroup (kafka_group.c writes it). */
void kafka_group_join_answer(kgroup_t *g, kg_member_t *mb, int16_t err);
/* The answer of a parked SyncGroup. */
void kafka_group_sync_answer(kg_member_t *mb, int16_t err);

/* kgroup_zk.c: ZooKeeper work (zkb worker), results on the loop. */
void kgroup_claim(kgroup_t *g, int may_create);
/* Writes the coordinator znode (and the generation znode) from the
 * group's state; then_answer_joins: answer the parked joins when done. */
void kgroup_write(kgroup_t *g, int then_answer_joins);
/* Drops the group: every waiting request gets err. */
void kgroup_drop(kgroup_t *g, int16_t err, const char *why);
/* Runs queued requests while the group is not busy. */
void kgroup_drain(kgroup_t *g);
/* The coordinator's broker id per /consumers/<g>/coordinator, asynchronously:
 * done(broker id or -1, zrc, arg) on the loop. */
typedef void kgroup_find_done_fn(int32_t broker, int zrc, void *arg);
int kgroup_lookup(kgroup_mgr_t *m, const char *name, kgroup_find_done_fn *done, void *arg);

/* Offsets (kafka_offsets.c's ZooKeeper side). One partition of a commit or fetch. */
typedef struct kg_offset {
	char *topic;
	int32_t partition;
	int64_t offset;
	int16_t err; /* set before (authorization) or by the ZooKeeper work */
} kg_offset_t;
typedef void kgroup_offsets_done_fn(kg_req_t *r, int zrc, kg_offset_t *o, int n);
/* Commits the partitions of o whose err is 0, in one multi-op that checks
 * the coordinator znode's version. */
int kgroup_commit(kgroup_t *g, kg_req_t *r, kg_offset_t *o, int n, kgroup_offsets_done_fn *done);
/* Reads the committed offsets (-1: none); all: list every committed
 * partition of the group instead (o, n returned in r's arena). */
int kgroup_fetch(kgroup_mgr_t *m, const char *group, kg_req_t *r, kg_offset_t *o, int n, int all,
                 kgroup_offsets_done_fn *done);

#endif /* FJORD_BROKER_KGROUP_H */
