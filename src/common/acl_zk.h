/*
 * acl_zk.h — Kafka's ACLs in ZooKeeper: reading every /kafka-acl/<Type>/<name>
 * znode into an acl_set_t (optionally leaving watches, for the broker's
 * authorizer), and changing one resource's list as Kafka's kafka-acls.sh
 * does (read, modify, write conditional on the version, with the change
 * notification /kafka-acl-changes/acl_changes_<seq> in the same multi-op).
 *
 * Owner: common core (ZooKeeper side). Blocking calls: the broker runs
 * them on its zkb worker thread, the SDK's admin calls on the caller's
 * thread. Formats and rules: acl.h.
 */
#ifndef FJORD_ACL_ZK_H
#define FJORD_ACL_ZK_H

#include <stddef.h>
#include <zookeeper/zookeeper.h>

#include "common/acl.h"
#include "fjord.h"

/* Creates /kafka-acl/{Topic,Group,Cluster} and /kafka-acl-changes when
 * missing (as a Kafka broker with an authorizer does). ZOK or a Z code. */
int acl_zk_ensure_paths(zhandle_t *zh);

/* Reads every resource's list into a new set (*out, caller frees with
 * acl_set_free). A znode that does not decode is kept as a broken resource
 * (its error says why). With watcher set, a watch is left on each type's
 * children (or existence) and on each resource znode, so any change fires
 * it once. Returns ZOK or a ZooKeeper code (then *out is NULL); ZSYSTEMERROR
 * for out of memory. */
int acl_zk_read_all(zhandle_t *zh, watcher_fn watcher, void *ctx, acl_set_t **out);

/*
 * Adds (remove 0) or removes (remove 1) cnt entries on the resource (type,
 * name). Read-modify-write conditional on the znode's version, in one
 * multi-op with the change notification; a lost race is retried up to
 * ZKACL_TRIES times. A list emptied by a removal deletes the znode (as
 * Kafka does). *changedp (may be NULL) receives how many entries were
 * added or removed (0: nothing to write, nothing written).
 * Errors: FJORD_ERR__INVALID_ARG (bad principal, host, empty name, NULL
 * entries), FJORD_ERR__ZOOKEEPER, FJORD_ERR__FAIL (out of memory; a
 * malformed znode, which is left for the operator to fix; more than
 * ZKACL_TRIES lost races), with errstr.
 */
#define ZKACL_TRIES 10
fjord_err_t acl_zk_change(zhandle_t *zh, acl_res_type_t type, const char *name,
                          const acl_entry_t *entries, int cnt, int remove, int *changedp,
                          char *errstr, size_t errstr_size);

/* The path of a resource's znode into out (ZKPATH_MAX bytes): -1 when the
 * name cannot be a znode name (empty, ".", "..", holds '/'). */
int acl_zk_path(char *out, size_t n, acl_res_type_t type, const char *name);

#endif /* FJORD_ACL_ZK_H */
