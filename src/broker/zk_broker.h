/*
 * zk_broker.h — the broker's life in ZooKeeper: session, cluster id,
 * registration, controller election and the controller's work.
 *
 * Owner: broker (ZooKeeper side). The broker core calls zkb_start() once at
 * start-up and zkb_stop() at shutdown; everything else arrives through the
 * callbacks, which run on ZooKeeper/zk_broker threads and must only hand work
 * to the event loop (see src/broker/loop.h), never touch loop state.
 *
 * What it does:
 *  - connects (waiting with backoff up to connection_timeout_ms; a clear
 *    error naming the connect string when ZooKeeper is unreachable), creates
 *    the chroot path if missing;
 *  - reads or creates /cluster/id; if the log dirs' meta.properties holds a
 *    different cluster id, start-up fails with a message saying how to fix it;
 *  - registers the ephemeral /brokers/ids/<id>; if it exists and belongs to
 *    another live session start-up fails ("broker.id N is in use by another
 *    live broker"); after a session expiry it opens a new session and
 *    registers again (and rejoins controller election);
 *  - publishes cview snapshots (via zkmeta) to on_snapshot;
 *  - takes part in controller election exactly as in DESIGN.md (multi-op:
 *    create ephemeral /controller + conditional set of /controller_epoch);
 *    as controller it writes the state of each new topic's partitions
 *    (leader = first live replica, ISR = live replicas, leader_epoch 0),
 *    elects new leaders from ISR ∩ live brokers when a broker goes away
 *    (bumping leader_epoch), carries out /admin/delete_topics (waits a short
 *    while for replicas to drop logs, then removes the topic's znodes), all
 *    with multi-ops that check /controller_epoch's version (fencing). It
 *    validates operator-written znodes and logs, never crashes on, bad ones.
 *  - runs the broker's own asynchronous writes (zkb_submit_*): ISR changes
 *    by a partition leader (a version-conditional set of the state znode)
 *    and the controlled-shutdown request znode. They run on the zkb worker
 *    thread, one at a time in submission order, never on ZooKeeper's
 *    completion thread and never on the caller's (loop) thread.
 *  - with on_users set, keeps the SASL credential store: reads
 *    /config/users/<user> with watches and publishes a snapshot after
 *    every change (broker/sasl_users.h), on the zkb worker thread.
 */
#ifndef FJORD_ZK_BROKER_H
#define FJORD_ZK_BROKER_H

#include <stddef.h>
#include <stdint.h>

#include "common/acl.h"
#include "common/cview.h"
#include "common/endpoint.h"
#include "common/zkjson.h"
#include "common/zkutil.h"

struct sasl_users;

#define ZKB_UNREACHABLE (-2)

typedef struct zkb zkb_t;

typedef enum zkb_session_state {
	ZKB_SESSION_CONNECTING = 0,
	ZKB_SESSION_CONNECTED = 1,
	ZKB_SESSION_EXPIRED = 2, /* re-creating the session */
	ZKB_SESSION_CLOSED = 3,
} zkb_session_state_t;

typedef struct zkb_params {
	const char *zk_connect;    /* "host:port[,host:port]/chroot" */
	int session_timeout_ms;    /* zookeeper.session.timeout.ms */
	const char *zk_auth;       /* zookeeper.auth; NULL: none (common/zkacl.h) */
	int zk_set_acl;            /* zookeeper.set.acl */
	const char *zk_admin_acl;  /* zookeeper.admin.acl; NULL: none */
	int connection_timeout_ms; /* zookeeper.connection.timeout.ms */
	/* How long zkb_start's own connect waits (0: connection_timeout_ms);
	 * sessions opened later always wait connection_timeout_ms. */
	int first_connect_wait_ms;
	int32_t broker_id;
	const char *host;            /* inter-broker listener's advertised host */
	int port;                    /* ... and port (the znode's host/port) */
	const endpoint_t *endpoints; /* every advertised endpoint, registered in order */
	int endpoint_cnt;            /* 0: one PLAINTEXT endpoint from host/port */
	const char *listener;        /* snapshots select this listener (inter-broker) */
	const char *rack;            /* NULL: none */
	const char *meta_cluster_id; /* from meta.properties; NULL if none yet */
	int unclean_leader_election; /* unclean.leader.election.enable */
	int auto_leader_rebalance;   /* auto.leader.rebalance.enable */
	int leader_imbalance_check_interval_s;
	int leader_imbalance_per_broker_pct;
	/* Callbacks (any thread; must not block). */
	void (*on_snapshot)(cview_t *cv, void *opaque); /* takes one ref */
	void (*on_session)(zkb_session_state_t st, void *opaque);
	void (*on_controller)(int is_controller, int32_t epoch, void *opaque);
	/* Set: the authorizer is on. The ACLs under /kafka-acl are read (the
	 * paths created when missing) at every new session and again after
	 * every change (watched), on the worker thread, and each complete
	 * snapshot is handed over (ownership passes; see common/acl_zk.h). */
	void (*on_acls)(acl_set_t *s, void *opaque);
	/* SASL credentials (broker/sasl_users.h): when set, /config/users is
	 * read at start-up and again after every change, and each new
	 * snapshot is handed over (one reference, which the callee owns). */
	void (*on_users)(struct sasl_users *u, void *opaque);
	void *opaque;
} zkb_params_t;

/* Blocks until registered (0, *zkbp set) or failed: ZKB_UNREACHABLE when
 * no ZooKeeper session could be opened within first_connect_wait_ms (the
 * caller may retry), -1 for anything else (errstr says why), including
 * ZooKeeper refusing zookeeper.auth or a znode's ACL refusing this
 * identity (retrying would not help).
 * *cluster_idp receives the cluster id (malloc'd) so the caller can write
 * meta.properties when the dirs had none. */
int zkb_start(const zkb_params_t *params, zkb_t **zkbp, char **cluster_idp, char *errstr,
              size_t errstr_size);
/* Current session state and id (for /health and /metrics). */
zkb_session_state_t zkb_session_state(zkb_t *zkb);
int zkb_is_controller(zkb_t *zkb);
/*
 * Asynchronous writes. `done` runs on the zkb worker thread (or, for a job
 * still queued at zkb_stop(), on the thread calling zkb_stop) with a
 * ZooKeeper return code and must only hand the result on (loop_post); it
 * is called exactly once per accepted job. Submitting returns 0, or -1
 * (out of memory or stopping: done is then not called).
 */
typedef void(zkb_done_fn)(int zrc, int32_t new_version, void *arg);

/* Sets /brokers/topics/<topic>/partitions/<partition>/state to the encoded
 * state if its version is still expected_version (ZBADVERSION otherwise:
 * someone, the controller, wrote it since). new_version is the znode's
 * version after a successful set, else -1. */
int zkb_submit_state_update(zkb_t *zkb, const char *topic, int32_t partition, int32_t leader,
                            int32_t leader_epoch, const int32_t *isr, int isr_cnt,
                            int32_t controller_epoch, int32_t expected_version, zkb_done_fn *done,
                            void *arg);
/* Creates the ephemeral /admin/controlled_shutdown/<broker id> with
 * {"version":1,"broker":<id>,"timestamp":"<ms>"} (its parent is created
 * when missing; an existing node of our session counts as success). */
int zkb_submit_controlled_shutdown(zkb_t *zkb, zkb_done_fn *done, void *arg);

/* Puts the ephemeral /brokers/offline_replicas/<broker id> with the
 * encoded o (the partitions of this broker's failed log dirs; it replaces
 * what an earlier call put) and puts it again on every new session, so the
 * controller keeps those replicas out of leadership and ISRs until this
 * process ends. */
int zkb_submit_offline_replicas(zkb_t *zkb, const zkjson_offline_t *o, zkb_done_fn *done,
                                void *arg);

/* Runs fn(zh, arg) on the worker thread with the connected handle (a
 * ZooKeeper administration call, e.g. creating a topic for CreateTopics);
 * its return value (a Z code, or whatever fn means by it) is done's zrc.
 * ZCONNECTIONLOSS without calling fn when the session is not connected. */
typedef int(zkb_call_fn)(zhandle_t *zh, void *arg);
int zkb_submit_call(zkb_t *zkb, zkb_call_fn *fn, zkb_done_fn *done, void *arg);

/* Resigns the controllership (if held), deletes /brokers/ids/<id>, closes the
 * session, stops every callback, frees. */
void zkb_stop(zkb_t *zkb);

#endif /* FJORD_ZK_BROKER_H */
