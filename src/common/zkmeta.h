/*
 * zkmeta.h — watches ZooKeeper's cluster metadata and publishes cview
 * snapshots.
 *
 * Owner: common core (ZooKeeper side). Used by fjordd (to learn brokers,
 * topics and partition states; the broker's callback posts each snapshot to
 * its event loop) and by the SDK in zookeeper.connect mode.
 *
 * It watches /cluster/id, /brokers/ids, /brokers/ids/<id>, /brokers/topics,
 * /brokers/topics/<t>, /brokers/topics/<t>/partitions/<p>/state,
 * /config/topics/<t>, /admin/delete_topics, /admin/controlled_shutdown
 * (the snapshot's shutting_down list), /controller and /controller_epoch,
 * re-arming every watch, and after each change (coalesced:
 * at most one snapshot per burst of events) calls on_snapshot with a new
 * cview that the callback owns one reference to. A change costs reads of
 * the znodes that changed, not of the whole tree: the new snapshot is the
 * previous one with those znodes read again. Malformed znode values are
 * logged and skipped (that broker is left out, that partition marked with no
 * state), never fatal; a topic whose assignment is refused (malformed, or
 * removing partitions) or whose config does not decode keeps its last good
 * version, or with none is listed in the snapshot's held_topics. After a
 * session expiry it reconnects and rebuilds.
 *
 * Threads: on_snapshot runs on the ZooKeeper client's completion thread or
 * zkmeta's own thread; it must not block and must not call back into zkmeta.
 */
#ifndef FJORD_ZKMETA_H
#define FJORD_ZKMETA_H

#include <zookeeper/zookeeper.h>

#include "common/cview.h"
#include "common/flog.h"

typedef struct zkmeta zkmeta_t;

typedef void(zkmeta_snapshot_cb)(cview_t *cv, void *opaque);

/* Starts watching through an existing connected handle zh (chroot already
 * applied by the connect string). The handle stays the caller's; zkmeta
 * registers its own watchers with zoo_w* calls. The first snapshot is
 * published before zkmeta_new() returns (0) or it fails (-1, errstr). */
zkmeta_t *zkmeta_new(zhandle_t *zh, zkmeta_snapshot_cb *on_snapshot, void *opaque, char *errstr,
                     size_t errstr_size);
/* zkmeta_new() whose snapshots point each broker's host/port at one of its
 * registered endpoints (cview_broker_select): the one named listener (a
 * broker lacking it gets host "" and one warning per change of its znode
 * naming the broker, the listener and the listeners it has), or with
 * listener NULL the first loopback endpoint when prefer_loopback, else the
 * first endpoint. zkmeta_new() is listener NULL, prefer_loopback 0. */
zkmeta_t *zkmeta_new_listener(zhandle_t *zh, const char *listener, int prefer_loopback,
                              zkmeta_snapshot_cb *on_snapshot, void *opaque, char *errstr,
                              size_t errstr_size);
/* Everything zkmeta_new_opts takes. log: where zkmeta's warnings go (copied;
 * NULL: the process-wide flog), so an SDK handle's log_cb sees them. */
typedef struct zkmeta_opts {
	const char *listener;
	int prefer_loopback;
	zkmeta_snapshot_cb *on_snapshot;
	void *opaque;
	const flog_target_t *log;
} zkmeta_opts_t;

zkmeta_t *zkmeta_new_opts(zhandle_t *zh, const zkmeta_opts_t *o, char *errstr, size_t errstr_size);

/* Re-reads everything (used after a new ZooKeeper session). */
int zkmeta_refresh(zkmeta_t *zm);
/* Re-reads everything and waits until a snapshot read entirely after this
 * call is published: 0, or -1 on timeout or stop. Gives a caller metadata
 * that includes every write completed before the call (reads go to the
 * ZooKeeper server of this session; with an ensemble, a follower may still
 * trail the leader by its replication lag). */
int zkmeta_sync(zkmeta_t *zm, int timeout_ms);
/* A reference to the latest snapshot (caller unrefs). Thread-safe. */
cview_t *zkmeta_snapshot(zkmeta_t *zm);
/* Waits until a snapshot satisfies pred (checked at each new snapshot) or
 * timeout_ms passes: 1 held, 0 timed out. */
int zkmeta_wait(zkmeta_t *zm, int (*pred)(const cview_t *cv, void *arg), void *arg, int timeout_ms);
/* ZooKeeper reads (get, get_children, exists) this zkmeta has made: for
 * benchmarks and tests of how much a change costs. Thread-safe. */
uint64_t zkmeta_reads(zkmeta_t *zm);

/* Stops watching (no callback after it returns) and frees. */
void zkmeta_destroy(zkmeta_t *zm);

#endif /* FJORD_ZKMETA_H */
