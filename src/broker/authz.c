/*
 * authz.c — the broker's authorizer: Kafka's AclAuthorizer over the ACL
 * snapshot the zkb worker reads from /kafka-acl (see authz.h).
 *
 * Decision order (Kafka's): a super user may do anything; otherwise
 * acl_authorize() over the resource's entries and the "*" resource's
 * (common/acl.c: Deny wins, implied Describe, All, host, no ACL →
 * allow.everyone.if.no.acl.found). The snapshot is replaced whole on the
 * loop thread, so a request is decided against one version of the ACLs.
 *
 * A denial is counted per resource type (fjord_authorization_denied_total)
 * and logged at NOTICE, at most once per CONN_RATELOG_INTERVAL_MS with the
 * count of the ones not written, so a client retrying in a tight loop
 * cannot flood the log.
 *
 * Threads: loop thread, except authz_on_acls (zkb worker: loop_post only).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "broker/authz.h"
#include "broker/broker.h"
#include "common/bytes.h"
#include "common/flog.h"
#include "common/props.h"

int authz_class_name_ok(const char *name, int *enabledp)
{
	*enabledp = 0;
	if (!name || !*name)
		return 0;
	if (!strcmp(name, "kafka.security.authorizer.AclAuthorizer") ||
	    !strcmp(name, "AclAuthorizer")) {
		*enabledp = 1;
		return 0;
	}
	return -1;
}

int authz_init(authz_t *a, const broker_conf_t *conf, char *errstr, size_t n)
{
	char *copy, *tok, *save = NULL;

	memset(a, 0, sizeof(*a));
	if (authz_class_name_ok(conf->authorizer_class_name, &a->enabled) < 0) {
		snprintf(errstr, n,
		         "authorizer.class.name: \"%s\" is not an authorizer fjord has (empty: "
		         "none; kafka.security.authorizer.AclAuthorizer or AclAuthorizer)",
		         conf->authorizer_class_name);
		return -1;
	}
	a->allow_if_none = conf->allow_everyone_if_no_acl_found;
	copy = strdup(conf->super_users ? conf->super_users : "");
	if (!copy)
		goto oom;
	for (tok = strtok_r(copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		char **grown;
		tok = props_list_item(tok);
		if (!*tok)
			continue;
		if (!acl_principal_valid(tok)) {
			snprintf(errstr, n,
			         "super.users: \"%s\" is not a principal <type>:<name> (e.g. "
			         "User:admin; entries separated by ';')",
			         tok);
			free(copy);
			authz_free(a);
			return -1;
		}
		grown = realloc(a->super_users, ((size_t)a->super_cnt + 1) * sizeof(*grown));
		if (!grown)
			goto oom;
		a->super_users = grown;
		if (!(a->super_users[a->super_cnt] = strdup(tok)))
			goto oom;
		a->super_cnt++;
	}
	free(copy);
	return 0;
oom:
	free(copy);
	authz_free(a);
	snprintf(errstr, n, "out of memory");
	return -1;
}

void authz_free(authz_t *a)
{
	for (int i = 0; i < a->super_cnt; i++)
		free(a->super_users[i]);
	free(a->super_users);
	acl_set_free(a->acls);
	memset(a, 0, sizeof(*a));
}

static int authz_is_super(const authz_t *a, const char *principal)
{
	for (int i = 0; i < a->super_cnt; i++)
		if (!strcmp(a->super_users[i], principal))
			return 1;
	return 0;
}

void authz_check_inter_broker(broker_t *b)
{
	const broker_listener_t *l = &b->conf.lsn[b->conf.ibl];

	if (!b->authz.enabled)
		return;
	flog(LOG_INFO, "authz",
	     "authorizer on: %d super user(s), allow.everyone.if.no.acl.found=%s",
	     b->authz.super_cnt, b->authz.allow_if_none ? "true" : "false");
	/* On PLAINTEXT the replica fetcher is User:ANONYMOUS; on the other
	 * protocols its principal comes from its certificate or SASL user. */
	if (l->proto == SEC_PLAINTEXT && !authz_is_super(&b->authz, "User:ANONYMOUS"))
		flog(LOG_WARNING, "authz",
		     "the inter-broker listener %s is PLAINTEXT, so other brokers fetch as "
		     "User:ANONYMOUS, which is not in super.users: replication needs "
		     "ClusterAction on the cluster for it (inter-broker principals should be "
		     "super users; docs/security.md)",
		     l->name);
}

typedef struct authz_load {
	broker_t *b;
	acl_set_t *s;
} authz_load_t;

/* Loop thread: swaps the snapshot in and reports broken znodes. */
static void authz_load_job(void *arg)
{
	authz_load_t *ld = arg;
	broker_t *b = ld->b;

	if (loop_stopping(b->loop) || b->shutting_down) {
		acl_set_free(ld->s);
		free(ld);
		return;
	}
	for (int i = 0; i < ld->s->cnt; i++) {
		const acl_resource_t *r = &ld->s->res[i];
		if (r->error)
			flog(LOG_ERR, "authz",
			     "/kafka-acl/%s/%s is ignored: %s (only super users may use the "
			     "%s until it is fixed)",
			     acl_res_type_name(r->type), r->name, r->error,
			     r->type == ACL_RES_CLUSTER ? "cluster" : "resource");
	}
	if (!b->authz.acls)
		flog(LOG_INFO, "authz", "ACLs loaded: %d resource(s), %d entr%s", ld->s->cnt,
		     ld->s->entry_cnt, ld->s->entry_cnt == 1 ? "y" : "ies");
	else
		flog(LOG_INFO, "authz", "ACLs changed: %d resource(s), %d entr%s", ld->s->cnt,
		     ld->s->entry_cnt, ld->s->entry_cnt == 1 ? "y" : "ies");
	acl_set_free(b->authz.acls);
	b->authz.acls = ld->s;
	b->authz.acl_loads++;
	free(ld);
}

void authz_on_acls(acl_set_t *s, void *opaque)
{
	broker_t *b = opaque;
	authz_load_t *ld = calloc(1, sizeof(*ld));

	if (ld) {
		ld->b = b;
		ld->s = s;
		if (loop_post(b->loop, authz_load_job, ld) == 0)
			return;
		free(ld);
	}
	/* A hand-off that carries state (docs/conventions.md): dropping it would
	 * leave the broker deciding on stale ACLs. */
	flog(LOG_CRIT, "authz", "out of memory handing the ACLs to the loop");
	abort();
}

int authz_allowed(conn_t *c, acl_res_type_t type, const char *name, acl_op_t op, int quiet)
{
	authz_t *a = &c->b->authz;
	uint64_t suppressed = 0;

	if (!a->enabled || authz_is_super(a, c->principal))
		return 1;
	if (acl_authorize(a->acls, type, name, c->principal, c->host, op, a->allow_if_none))
		return 1;
	if (quiet)
		return 0;
	a->denied[type]++;
	if (conn_ratelog(&a->deny_log, fj_mono_ms(), &suppressed))
		flog(LOG_NOTICE, "authz",
		     "denied: principal %s from %s may not %s %s \"%s\"%s (%llu other denial(s) "
		     "not logged)",
		     c->principal, c->host, acl_op_name(op), acl_res_type_name(type), name,
		     a->acls ? "" : " (ACLs not loaded yet)", (unsigned long long)suppressed);
	return 0;
}
