/*
 * cmd_acl.c — `fjord acl add|list|remove`: Kafka's ACLs in ZooKeeper, as
 * kafka-acls.sh --authorizer-properties zookeeper.connect=... edits them,
 * through the SDK's fjord_admin_acl_* calls (ZooKeeper; -z required).
 *
 *   fjord -z ZK acl add --allow-principal User:alice [--allow-principal ...]
 *       [--deny-principal User:bob ...] --operation Read [--operation ...]
 *       (--topic T | --group G | --cluster) [--host H ...]
 *   fjord -z ZK acl remove (same options)
 *   fjord -z ZK acl list [--topic T | --group G | --cluster] [--format json]
 *
 * add/remove write one entry per principal x operation x host (hosts
 * default to "*"), as kafka-acls.sh does. Brokers with the authorizer on
 * apply a change within moments, without a restart.
 *
 * Thread: main thread only.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

#define ACL_MAX_ARGS 32

struct acl_args {
	const char *allow[ACL_MAX_ARGS], *deny[ACL_MAX_ARGS], *ops[ACL_MAX_ARGS],
	    *hosts[ACL_MAX_ARGS];
	int allow_cnt, deny_cnt, op_cnt, host_cnt;
	int type; /* -1: none given */
	const char *name;
	enum cli_format format;
};

static void acl_usage(FILE *out)
{
	fprintf(out,
	        "usage: fjord -z ZK acl add|remove (--allow-principal P | --deny-principal P)...\n"
	        "           --operation OP... (--topic T | --group G | --cluster) [--host H]...\n"
	        "       fjord -z ZK acl list [--topic T | --group G | --cluster] [--format "
	        "text|json]\n"
	        "  P: a principal, e.g. User:alice (User:* for every user)\n"
	        "  OP: All, Read, Write, Create, Delete, Alter, Describe, ClusterAction,\n"
	        "      DescribeConfigs, AlterConfigs, IdempotentWrite\n"
	        "  H: the client's address (default *: any host)\n"
	        "Kafka's ACLs in ZooKeeper (/kafka-acl); brokers with authorizer.class.name set\n"
	        "apply changes without a restart (docs/security.md, \"Authorization\").\n");
}

/* Adds a repeated option's value; -1 when there are too many. */
static int acl_push(const char **v, int *cnt, const char *s)
{
	if (*cnt >= ACL_MAX_ARGS) {
		fprintf(stderr, "fjord acl: at most %d of each option\n", ACL_MAX_ARGS);
		return -1;
	}
	v[(*cnt)++] = s;
	return 0;
}

static int acl_set_resource(struct acl_args *a, int type, const char *name)
{
	if (a->type >= 0) {
		fprintf(stderr, "fjord acl: give one of --topic, --group, --cluster\n");
		return -1;
	}
	a->type = type;
	a->name = name;
	return 0;
}

/* 0 go on, 1 help printed, -1 bad usage. */
static int acl_parse(int argc, char **argv, struct acl_args *a)
{
	static const struct option opts[] = {
		{ "allow-principal", required_argument, NULL, 'a' },
		{ "deny-principal", required_argument, NULL, 'd' },
		{ "operation", required_argument, NULL, 'o' },
		{ "host", required_argument, NULL, 'H' },
		{ "topic", required_argument, NULL, 't' },
		{ "group", required_argument, NULL, 'g' },
		{ "cluster", no_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	a->type = -1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		int rc = 0;
		switch (c) {
		case 'a':
			rc = acl_push(a->allow, &a->allow_cnt, optarg);
			break;
		case 'd':
			rc = acl_push(a->deny, &a->deny_cnt, optarg);
			break;
		case 'o':
			rc = acl_push(a->ops, &a->op_cnt, optarg);
			break;
		case 'H':
			rc = acl_push(a->hosts, &a->host_cnt, optarg);
			break;
		case 't':
			rc = acl_set_resource(a, FJORD_ACL_TOPIC, optarg);
			break;
		case 'g':
			rc = acl_set_resource(a, FJORD_ACL_GROUP, optarg);
			break;
		case 'c':
			rc = acl_set_resource(a, FJORD_ACL_CLUSTER, "kafka-cluster");
			break;
		case 'f':
			rc = cli_parse_format("acl", optarg, &a->format);
			break;
		case 'h':
			acl_usage(stdout);
			return 1;
		default:
			return -1;
		}
		if (rc < 0)
			return -1;
	}
	if (optind < argc) {
		fprintf(stderr, "fjord acl: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

static const char *acl_type_name(int t)
{
	return t == FJORD_ACL_TOPIC ? "Topic" : t == FJORD_ACL_GROUP ? "Group" : "Cluster";
}

static int acl_change(const struct cli_ctx *ctx, fjord_t *fj, const struct acl_args *a, int remove)
{
	fjord_acl_t v[ACL_MAX_ARGS * 4];
	char errstr[512] = "", what[300];
	int n = 0, changed = 0, host_cnt = a->host_cnt ? a->host_cnt : 1;
	fjord_err_t err;

	if (a->type < 0 || (a->allow_cnt + a->deny_cnt) == 0 || a->op_cnt == 0) {
		fprintf(stderr,
		        "fjord acl %s: needs --allow-principal or --deny-principal, "
		        "--operation and one of --topic, --group, --cluster\n",
		        remove ? "remove" : "add");
		return CLI_EXIT_USAGE;
	}
	if ((long)(a->allow_cnt + a->deny_cnt) * a->op_cnt * host_cnt >
	    (long)(sizeof(v) / sizeof(v[0]))) {
		fprintf(stderr, "fjord acl: too many combinations at once (at most %zu)\n",
		        sizeof(v) / sizeof(v[0]));
		return CLI_EXIT_USAGE;
	}
	for (int p = 0; p < a->allow_cnt + a->deny_cnt; p++)
		for (int o = 0; o < a->op_cnt; o++)
			for (int h = 0; h < host_cnt; h++) {
				fjord_acl_t *e = &v[n++];
				memset(e, 0, sizeof(*e));
				e->resource_type = (fjord_acl_resource_type_t)a->type;
				e->resource_name = (char *)a->name;
				e->deny = p >= a->allow_cnt;
				e->principal =
				    (char *)(e->deny ? a->deny[p - a->allow_cnt] : a->allow[p]);
				e->operation = (char *)a->ops[o];
				e->host = (char *)(a->host_cnt ? a->hosts[h] : "*");
			}
	err = remove ? fjord_admin_acl_remove(fj, v, n, &changed, errstr, sizeof(errstr))
	             : fjord_admin_acl_add(fj, v, n, &changed, errstr, sizeof(errstr));
	if (err) {
		snprintf(what, sizeof(what), "%s ACLs on %s '%s'", remove ? "removing" : "adding",
		         acl_type_name(a->type), a->name);
		cli_report_error(ctx, what, err, errstr);
		return err == FJORD_ERR__INVALID_ARG ? CLI_EXIT_USAGE : CLI_EXIT_ERROR;
	}
	printf("%s %d ACL entr%s on %s '%s' (%d already %s)\n", remove ? "removed" : "added",
	       changed, changed == 1 ? "y" : "ies", acl_type_name(a->type), a->name, n - changed,
	       remove ? "absent" : "there");
	return CLI_EXIT_OK;
}

static int acl_list(const struct cli_ctx *ctx, fjord_t *fj, const struct acl_args *a)
{
	static const char *const heads[] = { "resource",   "name",      "principal",
		                             "permission", "operation", "host" };
	fjord_acl_t *v = NULL;
	char errstr[512] = "";
	int cnt = 0, rc = CLI_EXIT_OK;
	fjord_err_t err = fjord_admin_acl_list(fj, &v, &cnt, errstr, sizeof(errstr));
	json_t *arr = NULL;
	struct cli_table *t = NULL;

	if (err) {
		cli_report_error(ctx, "listing ACLs", err, errstr);
		return CLI_EXIT_ERROR;
	}
	if (a->format == CLI_FORMAT_JSON)
		arr = json_array();
	else
		t = cli_table_new(6, heads);
	if ((a->format == CLI_FORMAT_JSON && !arr) || (a->format != CLI_FORMAT_JSON && !t)) {
		fprintf(stderr, "fjord acl list: out of memory\n");
		fjord_acl_list_destroy(v, cnt);
		return CLI_EXIT_ERROR;
	}
	for (int i = 0; i < cnt; i++) {
		const fjord_acl_t *e = &v[i];
		if (a->type >= 0 &&
		    ((int)e->resource_type != a->type || strcmp(e->resource_name, a->name)))
			continue;
		if (e->error)
			fprintf(stderr,
			        "fjord acl list: /kafka-acl/%s/%s is refused by brokers (it grants "
			        "nothing): %s\n",
			        acl_type_name(e->resource_type), e->resource_name, e->error);
		if (arr) {
			json_t *o = e->error
			                ? json_pack("{s:s, s:s, s:s}", "resource",
			                            acl_type_name(e->resource_type), "name",
			                            e->resource_name, "error", e->error)
			                : json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "resource",
			                            acl_type_name(e->resource_type), "name",
			                            e->resource_name, "principal", e->principal,
			                            "permission", e->deny ? "Deny" : "Allow",
			                            "operation", e->operation, "host", e->host);
			if (!o || json_array_append_new(arr, o) < 0)
				rc = CLI_EXIT_ERROR;
		} else if (!e->error) {
			const char *cells[6] = {
				acl_type_name(e->resource_type), e->resource_name, e->principal,
				e->deny ? "Deny" : "Allow",      e->operation,     e->host
			};
			if (cli_table_add(t, cells) < 0)
				rc = CLI_EXIT_ERROR;
		}
	}
	if (arr && cli_json_print(arr, 0, stdout) < 0)
		rc = CLI_EXIT_ERROR;
	if (t)
		cli_table_print_free(t, stdout);
	fjord_acl_list_destroy(v, cnt);
	return rc;
}

int cmd_acl(struct cli_ctx *ctx, int argc, char **argv)
{
	struct acl_args a;
	const char *verb;
	fjord_t *fj = NULL;
	int rc;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		acl_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}
	verb = argv[1];
	if (strcmp(verb, "add") && strcmp(verb, "remove") && strcmp(verb, "list")) {
		fprintf(stderr, "fjord acl: unknown verb '%s' (add, remove, list)\n", verb);
		return CLI_EXIT_USAGE;
	}
	rc = acl_parse(argc - 1, argv + 1, &a);
	if (rc == 0 && !ctx->zookeeper) {
		fprintf(stderr, "fjord acl: ACLs live in ZooKeeper: use -z ZK (or set "
		                "FJORD_ZOOKEEPER)\n");
		return CLI_EXIT_USAGE;
	}
	rc = cli_admin_begin(ctx, rc, acl_usage, &fj);
	if (!fj)
		return rc;
	if (!strcmp(verb, "list"))
		rc = acl_list(ctx, fj, &a);
	else
		rc = acl_change(ctx, fj, &a, !strcmp(verb, "remove"));
	fjord_destroy(fj);
	return rc;
}
