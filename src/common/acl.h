/*
 * acl.h — Kafka's access control lists: the model (resource types,
 * operations, Allow/Deny entries), the JSON of the /kafka-acl znodes, a
 * snapshot of every resource's list, and the decision rules of Kafka's
 * AclAuthorizer.
 *
 * Znodes (Kafka's ZooKeeper mode, literal resource names only):
 *   /kafka-acl/<Topic|Group|Cluster>/<name>  (the cluster's name is
 *   "kafka-cluster") = {"version":1,"acls":[{"principal":"User:alice",
 *   "permissionType":"Allow","operation":"Read","host":"*"}, ...]}
 *   /kafka-acl-changes/acl_changes_<seq> = "<Type>:<name>" (a notification
 *   for Kafka's brokers; fjord's brokers watch /kafka-acl itself).
 * A resource named "*" is Kafka's wildcard: its entries apply to every
 * resource of its type.
 *
 * Owner: common core. Pure functions, any thread; an acl_set_t is not
 * shared between threads while it is being built, and is read-only after
 * acl_set_finish(). Ownership: decoders fill caller-provided structs whose
 * strings the matching clear function frees; encoders return a malloc'd
 * NUL-terminated string (caller frees) or NULL when out of memory.
 */
#ifndef FJORD_ACL_H
#define FJORD_ACL_H

#include <stddef.h>
#include <stdint.h>

#define ACL_CLUSTER_NAME "kafka-cluster"
#define ACL_WILDCARD "*"

/* Resource types fjord knows (Kafka's names: "Topic", "Group", "Cluster"). */
typedef enum acl_res_type {
	ACL_RES_TOPIC,
	ACL_RES_GROUP,
	ACL_RES_CLUSTER,
	ACL_RES_TYPE_CNT
} acl_res_type_t;

/* Operations (Kafka's names: "All", "Read", "Write", ...). */
typedef enum acl_op {
	ACL_OP_ALL,
	ACL_OP_READ,
	ACL_OP_WRITE,
	ACL_OP_CREATE,
	ACL_OP_DELETE,
	ACL_OP_ALTER,
	ACL_OP_DESCRIBE,
	ACL_OP_CLUSTER_ACTION,
	ACL_OP_DESCRIBE_CONFIGS,
	ACL_OP_ALTER_CONFIGS,
	ACL_OP_IDEMPOTENT_WRITE,
	ACL_OP_CNT
} acl_op_t;

/* Kafka's spelling of t / op; parse accepts any case. 0, or -1 for an
 * unknown name. */
const char *acl_res_type_name(acl_res_type_t t);
int acl_res_type_parse(const char *s, acl_res_type_t *out);
const char *acl_op_name(acl_op_t op);
int acl_op_parse(const char *s, acl_op_t *out);

/* One entry. principal is "<Type>:<name>" ("User:*": every user of that
 * type); host an address or "*". */
typedef struct acl_entry {
	char *principal;
	char *host;
	acl_op_t op;
	int deny; /* permissionType: 0 Allow, 1 Deny */
} acl_entry_t;

/* A resource's list. */
typedef struct acl_list {
	int cnt;
	acl_entry_t *entries;
} acl_list_t;

/* A principal string is "<type>:<name>" with both parts non-empty. */
int acl_principal_valid(const char *principal);

/* The znode value. Decoding is strict: "acls" an array of objects, each
 * with string "principal" (valid as above), "permissionType" Allow|Deny,
 * "operation" a known operation, "host" non-empty; unknown extra fields
 * are ignored; "version", when present, must be 1. Duplicate entries are
 * kept once. Returns 0, or -1 with errstr naming the entry and field (the
 * list is then empty). */
char *acl_list_encode(const acl_list_t *l);
int acl_list_decode(const char *buf, size_t len, acl_list_t *l, char *errstr, size_t n);
/* Frees what decode/add filled; a zeroed list is fine. */
void acl_list_clear(acl_list_t *l);
/* Adds a copy of e unless an equal entry is there: 1 added, 0 already
 * there, -1 out of memory (l unchanged). */
int acl_list_add(acl_list_t *l, const acl_entry_t *e);
/* Removes the entry equal to e: 1 removed, 0 not there. */
int acl_list_remove(acl_list_t *l, const acl_entry_t *e);

/* Every resource's list (built by the ZooKeeper side, acl_zk.c). A
 * resource whose znode could not be decoded is kept with the reason in
 * error: it grants nothing (only super users pass), so a typo never opens
 * access. */
typedef struct acl_resource {
	acl_res_type_t type;
	char *name;
	acl_list_t acls;
	char *error; /* NULL, or why the znode was refused (the resource is broken) */
} acl_resource_t;

typedef struct acl_set {
	int cnt, size;
	acl_resource_t *res; /* sorted by (type, name) after acl_set_finish */
	int entry_cnt;       /* entries over all resources */
} acl_set_t;

acl_set_t *acl_set_new(void);
/* Adds a resource; takes l's entries on success (l is then zeroed; l may
 * be NULL). error non-NULL marks it broken (copied). 0, or -1 out of
 * memory (l untouched). */
int acl_set_put(acl_set_t *s, acl_res_type_t type, const char *name, acl_list_t *l,
                const char *error);
/* Sorts; call once after the last put. */
void acl_set_finish(acl_set_t *s);
/* The resource (type, name), or NULL. */
const acl_resource_t *acl_set_find(const acl_set_t *s, acl_res_type_t type, const char *name);
void acl_set_free(acl_set_t *s);

/* The decision of Kafka's AclAuthorizer for one request, super users
 * aside (the caller checks those first):
 *  - the entries considered are those of (type, name) and of (type, "*");
 *  - none at all: allowed iff allow_if_none (allow.everyone.if.no.acl.found);
 *    a broken resource counts as entries that match nobody (denied);
 *  - an entry matches when its principal equals principal or is
 *    "<type>:*", and its host equals host or is "*";
 *  - a matching Deny for op or All denies;
 *  - else a matching Allow for op or All allows; Describe is also allowed
 *    by an Allow for Read, Write, Delete or Alter; DescribeConfigs by
 *    AlterConfigs;
 *  - else denied.
 * s may be NULL (no ACL known yet: nothing is allowed). Returns 1 allowed,
 * 0 denied. */
int acl_authorize(const acl_set_t *s, acl_res_type_t type, const char *name, const char *principal,
                  const char *host, acl_op_t op, int allow_if_none);

/* Kafka's change notification value for a literal resource: "<Type>:<name>"
 * written into out (n bytes). */
void acl_change_value(char *out, size_t n, acl_res_type_t type, const char *name);

#endif /* FJORD_ACL_H */
