/*
 * authz.h — the broker's authorizer (Kafka's AclAuthorizer): who may do
 * what to which topic, group or the cluster, decided from the ACLs in
 * ZooKeeper (/kafka-acl, common/acl.h), super.users and
 * allow.everyone.if.no.acl.found.
 *
 * Owner: broker. Thread: the loop thread, except authz_on_acls() which the
 * zkb worker calls with a freshly read ACL snapshot: it only hands the
 * snapshot to the loop (loop_post), which swaps it in whole. Readers on the
 * loop therefore always see one consistent snapshot, and never wait on
 * ZooKeeper. Until the first snapshot arrives nobody but a super user is
 * allowed anything.
 *
 * Off (authorizer.class.name empty): every check allows and nothing is
 * read from ZooKeeper.
 */
#ifndef FJORD_BROKER_AUTHZ_H
#define FJORD_BROKER_AUTHZ_H

#include <stdint.h>

#include "broker/conn.h"
#include "common/acl.h"

struct broker;
struct broker_conf;

typedef struct authz {
	int enabled;       /* authorizer.class.name names the AclAuthorizer */
	int allow_if_none; /* allow.everyone.if.no.acl.found */
	char **super_users;
	int super_cnt;
	acl_set_t *acls;                   /* loop-owned snapshot; NULL until the first read */
	uint64_t acl_loads;                /* snapshots applied */
	uint64_t denied[ACL_RES_TYPE_CNT]; /* fjord_authorization_denied_total{resource} */
	conn_ratelog_t deny_log;           /* denials are logged at most once per interval */
} authz_t;

/* authorizer.class.name values that turn the authorizer on. */
int authz_class_name_ok(const char *name, int *enabledp);

/* From the configuration (authorizer.class.name, super.users,
 * allow.everyone.if.no.acl.found); 0, or -1 with errstr (a super.users
 * entry that is not <type>:<name>, out of memory). */
int authz_init(authz_t *a, const struct broker_conf *conf, char *errstr, size_t n);
void authz_free(authz_t *a);

/* Start-up, loop thread: warns when the authorizer is on and the principal
 * this broker's replica fetcher presents on the inter-broker listener is
 * not a super user (replication would then need ACLs of its own). */
void authz_check_inter_broker(struct broker *b);

/* zkb worker thread: a new snapshot (ownership passes on). */
void authz_on_acls(acl_set_t *s, void *opaque);

/* Loop thread: may c's principal do op on (type, name)? 1 yes, 0 no. A
 * denial is counted and logged (rate-limited) unless quiet (Metadata's
 * listing of all topics leaves out the ones not describable silently, as
 * Kafka does). */
int authz_allowed(conn_t *c, acl_res_type_t type, const char *name, acl_op_t op, int quiet);

/* Shorthands for topics and the cluster. */
static inline int authz_topic(conn_t *c, const char *topic, acl_op_t op)
{
	return authz_allowed(c, ACL_RES_TOPIC, topic, op, 0);
}
static inline int authz_cluster(conn_t *c, acl_op_t op)
{
	return authz_allowed(c, ACL_RES_CLUSTER, ACL_CLUSTER_NAME, op, 0);
}

#endif /* FJORD_BROKER_AUTHZ_H */
