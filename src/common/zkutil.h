/*
 * zkutil.h — small helpers around the ZooKeeper C client (zookeeper_mt)
 * shared by zkmeta, zkadmin, the broker's zk_broker/controller and the SDK.
 *
 * Owner: common core (ZooKeeper side).
 *
 * Threads: the multi-threaded client runs an I/O thread and a completion
 * thread; watchers run on the completion thread, and a synchronous zoo_* call
 * made from that thread deadlocks. Every function here except
 * zkutil_live_run() and zkutil_err2str() makes synchronous calls: never call
 * them from a watcher.
 *
 * Return values: functions returning int return a ZooKeeper code (ZOK = 0,
 * others negative) unless stated otherwise.
 */
#ifndef FJORD_ZKUTIL_H
#define FJORD_ZKUTIL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <zookeeper/zookeeper.h>

#include "common/zkacl.h"

/* Splits "host:port[,host:port...][/chroot]" into its host list and chroot
 * (both malloc'd; *chrootp is NULL when there is none or it is "/").
 * Returns 0, or -1 with errstr for an empty or malformed string. */
int zkutil_parse_connect(const char *connect, char **hostsp, char **chrootp, char *errstr,
                         size_t n);

/* Opens a session and blocks until it is connected or timeout_ms passes.
 * With create_chroot, a missing chroot is first created (connect without
 * it, create recursively, reconnect with it). The client's own log goes to
 * flog() at WARN. watcher/ctx become the handle's global watcher (may be
 * NULL). Returns the handle (the caller closes it with zookeeper_close) or
 * NULL with an errstr naming the connect string. */
zhandle_t *zkutil_connect(const char *connect, int session_timeout_ms, int timeout_ms,
                          int create_chroot, watcher_fn watcher, void *ctx, char *errstr, size_t n);
/* zkutil_connect() that also gives up as soon as *cancel is nonzero
 * (checked every 10 ms while it waits; cancel may be NULL), so a worker
 * thread waiting for an unreachable ZooKeeper can be stopped. */
zhandle_t *zkutil_connect_cancel(const char *connect, int session_timeout_ms, int timeout_ms,
                                 int create_chroot, watcher_fn watcher, void *ctx,
                                 const atomic_int *cancel, char *errstr, size_t n);

/* The full form of the two above. za (may be NULL: no credentials, open
 * ACLs): the handle authenticates with zkacl_auth_*(za) before anything else
 * and is bound to za (common/zkacl.h) until zkutil_close; za must outlive
 * the handle. *zrcp (may be NULL) tells why NULL was returned: ZAUTHFAILED
 * when ZooKeeper refused the credentials (retrying will not help),
 * ZOPERATIONTIMEOUT when it could not be reached in time or *cancel was
 * set, ZBADARGUMENTS for a malformed connect string, another Z* code when
 * the chroot could not be created; ZOK on success. */
zhandle_t *zkutil_connect_acl(const char *connect, int session_timeout_ms, int timeout_ms,
                              int create_chroot, const zkacl_t *za, watcher_fn watcher, void *ctx,
                              const atomic_int *cancel, int *zrcp, char *errstr, size_t n);
/* Unbinds zh from its zkacl_t and closes it (zookeeper_close). NULL: nothing. */
void zkutil_close(zhandle_t *zh);

/* Creates path and any missing parents as persistent znodes; parents get no
 * value, the last one gets value/len (value may be NULL). An existing path
 * is not an error (ZOK). Each znode gets the ACL of the handle's identity
 * (zkacl_of). */
int zkutil_create_recursive(zhandle_t *zh, const char *path, const char *value, int len);

/* Reads a znode into a NUL-terminated malloc'd buffer that grows until the
 * value fits (*bufp NULL for a znode without data; *lenp its length).
 * watcher may be NULL (no watch). stat may be NULL. */
int zkutil_get(zhandle_t *zh, const char *path, watcher_fn watcher, void *ctx, char **bufp,
               int *lenp, struct Stat *stat);

/* Lists children, sorted (strings of the vector are the client's; free with
 * deallocate_String_vector). watcher may be NULL. */
int zkutil_children(zhandle_t *zh, const char *path, watcher_fn watcher, void *ctx,
                    struct String_vector *sv);

/* Visits path and everything below it, children before their parent
 * (the order deletions need), calling fn(path, arg) for each node; stops at
 * the first result other than ZOK and returns it. A path that does not exist
 * (or vanishes meanwhile) is skipped: ZOK. */
int zkutil_walk_postorder(zhandle_t *zh, const char *path, int (*fn)(const char *path, void *arg),
                          void *arg);

/* A readable name for a ZooKeeper return code ("no node"); static
 * storage, safe from any thread. */
const char *zkutil_err2str(int rc);

/* Milliseconds since the epoch as decimal text (Kafka's znode timestamp):
 * buf must hold 24 bytes. Returns buf. */
char *zkutil_timestamp(char *buf, size_t n);

/* Remembers which malformed znode versions were already logged, so a bad
 * value written by hand is reported once per modification (key
 * "path@mzxid"), not at every re-read. Not thread-safe: one per thread of
 * use. Holds at most 1024 keys (then starts afresh). */
typedef struct zkutil_seen {
	int cnt;
	char **keys;
} zkutil_seen_t;
/* 1 when path@mzxid is new (and now recorded), 0 when seen before. */
int zkutil_seen_first(zkutil_seen_t *s, const char *path, int64_t mzxid);
void zkutil_seen_clear(zkutil_seen_t *s);

/* A process-wide, thread-safe set of live objects that registered watchers
 * point to. Watchers registered with the ZooKeeper client cannot be
 * unregistered reliably, so a watcher's context may outlive its object:
 * the watcher calls zkutil_live_run(ctx, fn, arg) which runs fn only while
 * ctx is in the set, under the set's lock. After zkutil_live_remove(ctx)
 * returns, fn is not running and never runs again for ctx. fn must be
 * short and non-blocking (set a flag, signal a condition). */
int zkutil_live_add(const void *obj); /* 0 or -1 (out of memory) */
void zkutil_live_remove(const void *obj);
int zkutil_live_run(const void *obj, void (*fn)(void *obj, void *arg), void *arg);

#endif /* FJORD_ZKUTIL_H */
