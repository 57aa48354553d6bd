/*
 * acl.c — Kafka's ACL model: names of resource types and operations, the
 * jansson codec of a /kafka-acl/<Type>/<name> znode, a snapshot of every
 * resource's list and the AclAuthorizer's decision (see acl.h for the
 * shapes and rules).
 *
 * Why strict decoding: operators write these znodes with zkCli.sh as well
 * as with `fjord acl`, and a value the authorizer half-understood could
 * open access. A znode that does not decode is reported with the entry and
 * field at fault, and its resource grants nothing until it is fixed.
 *
 * Threads: none of its own; pure functions. Ownership: see acl.h.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/acl.h"
#include "common/zkjson_int.h"

#define ACL_KIND "ACL znode"

static const char *const acl_res_type_names[ACL_RES_TYPE_CNT] = { "Topic", "Group", "Cluster" };

static const char *const acl_op_names[ACL_OP_CNT] = {
	"All",      "Read",          "Write",           "Create",       "Delete",          "Alter",
	"Describe", "ClusterAction", "DescribeConfigs", "AlterConfigs", "IdempotentWrite",
};

const char *acl_res_type_name(acl_res_type_t t)
{
	return (unsigned)t < ACL_RES_TYPE_CNT ? acl_res_type_names[t] : "Unknown";
}

int acl_res_type_parse(const char *s, acl_res_type_t *out)
{
	for (int i = 0; i < ACL_RES_TYPE_CNT; i++)
		if (!strcasecmp(s, acl_res_type_names[i])) {
			*out = (acl_res_type_t)i;
			return 0;
		}
	return -1;
}

const char *acl_op_name(acl_op_t op)
{
	return (unsigned)op < ACL_OP_CNT ? acl_op_names[op] : "Unknown";
}

int acl_op_parse(const char *s, acl_op_t *out)
{
	for (int i = 0; i < ACL_OP_CNT; i++)
		if (!strcasecmp(s, acl_op_names[i])) {
			*out = (acl_op_t)i;
			return 0;
		}
	return -1;
}

int acl_principal_valid(const char *principal)
{
	const char *colon = principal ? strchr(principal, ':') : NULL;

	return colon && colon != principal && colon[1] != '\0';
}

/* ------------------------------------------------------------ lists */

static int acl_entry_equal(const acl_entry_t *a, const acl_entry_t *b)
{
	return a->op == b->op && a->deny == b->deny && !strcmp(a->principal, b->principal) &&
	       !strcmp(a->host, b->host);
}

void acl_list_clear(acl_list_t *l)
{
	for (int i = 0; l->entries && i < l->cnt; i++) {
		free(l->entries[i].principal);
		free(l->entries[i].host);
	}
	free(l->entries);
	memset(l, 0, sizeof(*l));
}

int acl_list_add(acl_list_t *l, const acl_entry_t *e)
{
	acl_entry_t *grown, copy = *e;

	for (int i = 0; i < l->cnt; i++)
		if (acl_entry_equal(&l->entries[i], e))
			return 0;
	copy.principal = strdup(e->principal);
	copy.host = strdup(e->host);
	grown = realloc(l->entries, ((size_t)l->cnt + 1) * sizeof(*grown));
	if (!copy.principal || !copy.host || !grown) {
		free(copy.principal);
		free(copy.host);
		if (grown)
			l->entries = grown;
		return -1;
	}
	l->entries = grown;
	l->entries[l->cnt++] = copy;
	return 1;
}

int acl_list_remove(acl_list_t *l, const acl_entry_t *e)
{
	for (int i = 0; i < l->cnt; i++)
		if (acl_entry_equal(&l->entries[i], e)) {
			free(l->entries[i].principal);
			free(l->entries[i].host);
			memmove(&l->entries[i], &l->entries[i + 1],
			        (size_t)(l->cnt - i - 1) * sizeof(*l->entries));
			l->cnt--;
			return 1;
		}
	return 0;
}

char *acl_list_encode(const acl_list_t *l)
{
	json_t *root = json_pack("{s:i, s:[]}", "version", 1, "acls");
	json_t *arr = root ? json_object_get(root, "acls") : NULL;

	for (int i = 0; arr && i < l->cnt; i++) {
		const acl_entry_t *e = &l->entries[i];
		json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "principal", e->principal,
		                      "permissionType", e->deny ? "Deny" : "Allow", "operation",
		                      acl_op_name(e->op), "host", e->host);

		if (!o || json_array_append_new(arr, o) < 0) {
			json_decref(root);
			return NULL;
		}
	}
	return zkjson_dump(root);
}

/* A required non-empty string field of entry obj (borrowed), or NULL. */
static const char *acl_get_string(json_t *obj, const char *key, const char *where, char *errstr,
                                  size_t n)
{
	json_t *v = json_object_get(obj, key);

	if (!v) {
		snprintf(errstr, n, "%s: missing \"%s\"", where, key);
		return NULL;
	}
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		snprintf(errstr, n, "%s: \"%s\" must be a non-empty string", where, key);
		return NULL;
	}
	return json_string_value(v);
}

static int acl_decode_entry(json_t *o, size_t i, acl_list_t *l, char *errstr, size_t n)
{
	char where[64];
	const char *principal, *perm, *op, *host;
	acl_entry_t e;

	snprintf(where, sizeof(where), "%s: acls[%zu]", ACL_KIND, i);
	if (!json_is_object(o)) {
		snprintf(errstr, n,
		         "%s: expected an object "
		         "{\"principal\":..,\"permissionType\":..,\"operation\":..,\"host\":..}",
		         where);
		return -1;
	}
	if (!(principal = acl_get_string(o, "principal", where, errstr, n)) ||
	    !(perm = acl_get_string(o, "permissionType", where, errstr, n)) ||
	    !(op = acl_get_string(o, "operation", where, errstr, n)) ||
	    !(host = acl_get_string(o, "host", where, errstr, n)))
		return -1;
	memset(&e, 0, sizeof(e));
	if (!acl_principal_valid(principal)) {
		snprintf(errstr, n, "%s: \"principal\" must be <type>:<name> (e.g. User:alice)",
		         where);
		return -1;
	}
	if (!strcasecmp(perm, "Allow"))
		e.deny = 0;
	else if (!strcasecmp(perm, "Deny"))
		e.deny = 1;
	else {
		snprintf(errstr, n, "%s: \"permissionType\" must be Allow or Deny", where);
		return -1;
	}
	if (acl_op_parse(op, &e.op) < 0) {
		snprintf(errstr, n, "%s: unknown \"operation\" \"%.64s\"", where, op);
		return -1;
	}
	e.principal = (char *)principal;
	e.host = (char *)host;
	if (acl_list_add(l, &e) < 0) {
		snprintf(errstr, n, "%s: out of memory", ACL_KIND);
		return -1;
	}
	return 0;
}

int acl_list_decode(const char *buf, size_t len, acl_list_t *l, char *errstr, size_t n)
{
	json_t *root, *arr;
	size_t i;

	memset(l, 0, sizeof(*l));
	root = zkjson_load(buf, len, ACL_KIND, errstr, n);
	if (!root)
		return -1;
	arr = json_object_get(root, "acls");
	if (!arr) {
		snprintf(errstr, n, "%s: missing \"acls\"", ACL_KIND);
		goto fail;
	}
	if (!json_is_array(arr)) {
		snprintf(errstr, n, "%s: \"acls\" must be an array", ACL_KIND);
		goto fail;
	}
	for (i = 0; i < json_array_size(arr); i++)
		if (acl_decode_entry(json_array_get(arr, i), i, l, errstr, n) < 0)
			goto fail;
	json_decref(root);
	return 0;
fail:
	acl_list_clear(l);
	json_decref(root);
	return -1;
}

/* ------------------------------------------------------------ snapshot */

acl_set_t *acl_set_new(void)
{
	return calloc(1, sizeof(acl_set_t));
}

int acl_set_put(acl_set_t *s, acl_res_type_t type, const char *name, acl_list_t *l,
                const char *error)
{
	acl_resource_t *r;

	if (s->cnt == s->size) {
		int size = s->size ? s->size * 2 : 16;
		acl_resource_t *grown = realloc(s->res, (size_t)size * sizeof(*grown));
		if (!grown)
			return -1;
		s->res = grown;
		s->size = size;
	}
	r = &s->res[s->cnt];
	memset(r, 0, sizeof(*r));
	if (!(r->name = strdup(name)) || (error && !(r->error = strdup(error)))) {
		free(r->name);
		return -1;
	}
	r->type = type;
	if (l) {
		r->acls = *l;
		memset(l, 0, sizeof(*l));
	}
	s->entry_cnt += r->acls.cnt;
	s->cnt++;
	return 0;
}

static int acl_resource_cmp(const void *a, const void *b)
{
	const acl_resource_t *x = a, *y = b;

	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return strcmp(x->name, y->name);
}

void acl_set_finish(acl_set_t *s)
{
	if (s->cnt > 1)
		qsort(s->res, (size_t)s->cnt, sizeof(*s->res), acl_resource_cmp);
}

const acl_resource_t *acl_set_find(const acl_set_t *s, acl_res_type_t type, const char *name)
{
	acl_resource_t key;

	if (!s || s->cnt == 0)
		return NULL;
	key.type = type;
	key.name = (char *)name;
	return bsearch(&key, s->res, (size_t)s->cnt, sizeof(*s->res), acl_resource_cmp);
}

void acl_set_free(acl_set_t *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->cnt; i++) {
		free(s->res[i].name);
		free(s->res[i].error);
		acl_list_clear(&s->res[i].acls);
	}
	free(s->res);
	free(s);
}

/* ------------------------------------------------------------ decision */

/* Does the ACL's principal name this one: equal, or "<type>:*". */
static int acl_principal_match(const char *acl, const char *principal)
{
	const char *colon;

	if (!strcmp(acl, principal))
		return 1;
	colon = strchr(acl, ':');
	return colon && !strcmp(colon + 1, "*") &&
	       !strncmp(acl, principal, (size_t)(colon - acl + 1));
}

/* Does an Allow for acl_op grant op (All, the same, or an implying one). */
static int acl_allow_implies(acl_op_t acl_op, acl_op_t op)
{
	if (acl_op == ACL_OP_ALL || acl_op == op)
		return 1;
	if (op == ACL_OP_DESCRIBE)
		return acl_op == ACL_OP_READ || acl_op == ACL_OP_WRITE || acl_op == ACL_OP_DELETE ||
		       acl_op == ACL_OP_ALTER;
	if (op == ACL_OP_DESCRIBE_CONFIGS)
		return acl_op == ACL_OP_ALTER_CONFIGS;
	return 0;
}

/* Scans one resource's entries: sets *denyp on a matching Deny, *allowp on
 * a matching Allow. */
static void acl_scan(const acl_resource_t *r, const char *principal, const char *host, acl_op_t op,
                     int *denyp, int *allowp)
{
	for (int i = 0; i < r->acls.cnt; i++) {
		const acl_entry_t *e = &r->acls.entries[i];

		if (!acl_principal_match(e->principal, principal))
			continue;
		if (strcmp(e->host, "*") != 0 && (!host || strcmp(e->host, host) != 0))
			continue;
		if (e->deny) {
			if (e->op == ACL_OP_ALL || e->op == op)
				*denyp = 1;
		} else if (acl_allow_implies(e->op, op)) {
			*allowp = 1;
		}
	}
}

int acl_authorize(const acl_set_t *s, acl_res_type_t type, const char *name, const char *principal,
                  const char *host, acl_op_t op, int allow_if_none)
{
	const acl_resource_t *lit, *wild;
	int deny = 0, allow = 0, any = 0;

	if (!s)
		return 0;
	lit = acl_set_find(s, type, name);
	wild = strcmp(name, ACL_WILDCARD) ? acl_set_find(s, type, ACL_WILDCARD) : NULL;
	if (lit) {
		any |= lit->error || lit->acls.cnt > 0;
		acl_scan(lit, principal, host, op, &deny, &allow);
	}
	if (wild) {
		any |= wild->error || wild->acls.cnt > 0;
		acl_scan(wild, principal, host, op, &deny, &allow);
	}
	if (!any)
		return allow_if_none ? 1 : 0;
	return !deny && allow;
}

void acl_change_value(char *out, size_t n, acl_res_type_t type, const char *name)
{
	snprintf(out, n, "%s:%s", acl_res_type_name(type), name);
}
