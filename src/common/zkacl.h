/*
 * zkacl.h — ZooKeeper's own access control for fjord's znodes: the
 * credentials a session authenticates with (zookeeper.auth) and the ACL a
 * znode gets when fjord creates it (zookeeper.set.acl, zookeeper.admin.acl).
 *
 * Owner: common core (ZooKeeper side); used by zkutil (every session),
 * the broker, the controller and the SDK. docs/security.md "ZooKeeper
 * ACLs" is the user's page; the rule of zkacl_for() is written there too.
 *
 * A zkacl_t is built once from the three keys and is read-only afterwards
 * (any thread). A session's identity belongs to its handle, so a handle is
 * bound to the zkacl_t it authenticated with (zkutil_connect_acl does it)
 * and every create asks zkacl_of(zh, path): code that creates a znode never
 * chooses an ACL itself. The caller keeps the zkacl_t alive until every
 * handle bound to it is closed (zkutil_close unbinds).
 */
#ifndef FJORD_ZKACL_H
#define FJORD_ZKACL_H

#include <stddef.h>
#include <zookeeper/zookeeper.h>

typedef struct zkacl zkacl_t;

/* Builds the policy. auth: zookeeper.auth, "digest:<user>:<password>"
 * (NULL or "": none); set_acl: zookeeper.set.acl; admin_acl:
 * zookeeper.admin.acl, comma-separated ACL ids "<scheme>:<id>" (e.g.
 * digest:admin:<base64 sha1>; NULL or "": none). set_acl without auth is
 * refused (the znodes would belong to nobody). Returns 0 with *zap (free
 * with zkacl_destroy), or -1 with errstr naming the key. */
int zkacl_new(const char *auth, int set_acl, const char *admin_acl, zkacl_t **zap, char *errstr,
              size_t n);
void zkacl_destroy(zkacl_t *za);

/* Checks the three keys as zkacl_new does, without keeping anything. */
int zkacl_check(const char *auth, int set_acl, const char *admin_acl, char *errstr, size_t n);

/* The scheme ("digest") and credentials ("<user>:<password>") to hand to
 * zoo_add_auth; NULL when za is NULL or has no zookeeper.auth. */
const char *zkacl_auth_scheme(const zkacl_t *za);
const char *zkacl_auth_credentials(const zkacl_t *za);
/* The user of zookeeper.auth ("" without one), for log lines. */
const char *zkacl_auth_user(const zkacl_t *za);

/* ZooKeeper's digest ACL id of "<user>:<password>":
 * "<user>:" + base64(sha1("<user>:<password>")), into out (n bytes; 64 more
 * than the user name is enough). 0, or -1 when it does not fit or the
 * input has no ':'. */
int zkacl_digest_id(const char *user_password, char *out, size_t n);

/* The ACL for a znode created at path (relative to the chroot), by the
 * rule of docs/security.md:
 *  - zookeeper.set.acl off (or za NULL): world:anyone all (ZooKeeper's
 *    OPEN_ACL_UNSAFE, what fjord always did);
 *  - /admin, /config, /brokers/topics, /kafka-acl, /kafka-acl-changes and
 *    everything below them: this identity all, each zookeeper.admin.acl id
 *    all, world:anyone read;
 *  - /config/users and below (SCRAM credentials): this identity all, each
 *    zookeeper.admin.acl id all, no world access;
 *  - /consumers: as above plus world:anyone create (any session may start
 *    a group); below /consumers: this identity all, admin ids all,
 *    world:anyone read;
 *  - everything else (broker registrations, /controller, partition state
 *    parents outside the admin subtrees, /cluster, the chroot itself):
 *    this identity all, world:anyone read.
 * The vector is za's (or static) and lives as long as za. */
const struct ACL_vector *zkacl_for(const zkacl_t *za, const char *path);

/* The ACL of the chroot of zookeeper.connect (and its missing parents) when
 * fjord creates it: that of the admin subtrees, so administrators can
 * create the top-level znodes fjord's brokers have not (e.g. /kafka-acl). */
const struct ACL_vector *zkacl_for_chroot(const zkacl_t *za);

/* Handle binding (thread-safe). zkacl_bind(zh, NULL) forgets zh (a reused
 * address never inherits an old binding). zkacl_of() is zkacl_for() of the
 * zkacl_t bound to zh (an unbound handle gets the open ACL). */
int zkacl_bind(zhandle_t *zh, const zkacl_t *za); /* 0, or -1 out of memory */
void zkacl_unbind(zhandle_t *zh);
const struct ACL_vector *zkacl_of(zhandle_t *zh, const char *path);

#endif /* FJORD_ZKACL_H */
