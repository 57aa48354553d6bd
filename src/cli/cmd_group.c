/*
 * cmd_group.c — `fjord group list|describe|delete` and the dispatch to
 * `group reset-offsets` (cmd_group_reset.c).
 *
 * Consumer groups live in ZooKeeper, so every verb needs -z (a clear usage
 * error otherwise). Each verb builds one admin handle, makes one SDK call
 * (fjord_admin_list_groups / _describe_group / _delete_group) bounded by
 * --timeout, prints (a table for people, --format json for scripts), and
 * frees everything before returning. `describe --all-groups` describes every
 * group of the list in turn (text: one after another, separated by a blank
 * line; JSON: an array), skipping a group deleted in between. describe
 * shows the members, then one
 * row per partition (TOPIC PARTITION OWNER COMMITTED LOG-END LAG LAG-MS; "-"
 * where a value is unknown), then total lag, generation, leader, strategy
 * and the last rebalance's time and reason. Exit codes: 0, 1 (error,
 * including an unknown group or a group with live members for delete), 2
 * (usage). Main thread only.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

static void group_usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: fjord group list [--format text|json]\n"
	    "       fjord group describe (GROUP | --all-groups) [--format text|json]\n"
	    "       fjord group reset-offsets (GROUP | --all-groups) (--topic T | --all-topics)\n"
	    "             (--to-earliest | --to-latest | --to-offset N |\n"
	    "             --to-datetime YYYY-MM-DDTHH:MM:SSZ | --shift-by N)\n"
	    "             [--partition P] [--dry-run | --execute]\n"
	    "       fjord group delete GROUP\n"
	    "\n"
	    "Consumer groups live in ZooKeeper: -z (or FJORD_ZOOKEEPER) is required.\n"
	    "  -f, --format text|json   output format of list and describe\n"
	    "      --all-groups         describe: every group\n"
	    "  -h, --help               print this help ('fjord group reset-offsets --help'\n"
	    "                           for its options)\n");
}

char *cli_format_time_ms(int64_t ms, char *buf, size_t n)
{
	struct tm tm;
	time_t t;

	if (ms < 0) {
		snprintf(buf, n, "-");
		return buf;
	}
	t = (time_t)(ms / 1000);
	if (!gmtime_r(&t, &tm) || !strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm)) {
		snprintf(buf, n, "%lld", (long long)ms);
		return buf;
	}
	snprintf(buf + strlen(buf), n - strlen(buf), ".%03dZ", (int)(ms % 1000));
	return buf;
}

fjord_t *cli_group_handle(const struct cli_ctx *ctx, const char *prog)
{
	if (!ctx->zookeeper) {
		fprintf(stderr,
		        "fjord %s: consumer groups live in ZooKeeper: use -z ZK (or set "
		        "FJORD_ZOOKEEPER)\n",
		        prog);
		return NULL;
	}
	return cli_handle_new(ctx, FJORD_ADMIN, cli_conf_new(ctx));
}

/* Prints the SDK's error for a group call and returns CLI_EXIT_ERROR. */
static int group_fail(const struct cli_ctx *ctx, const char *what, const char *group,
                      fjord_err_t err, const char *detail)
{
	char w[400];

	if (err == FJORD_ERR_GROUP_ID_NOT_FOUND) {
		fprintf(stderr, "fjord: group '%s' does not exist\n", group);
		return CLI_EXIT_ERROR;
	}
	snprintf(w, sizeof(w), "%s group '%s'", what, group ? group : "");
	cli_report_error(ctx, w, err, detail);
	return CLI_EXIT_ERROR;
}

static int group_list(const struct cli_ctx *ctx, fjord_t *fj, enum cli_format format)
{
	char **groups = NULL;
	int cnt = 0, i, rc = CLI_EXIT_OK;
	fjord_err_t err;

	err = fjord_admin_list_groups(fj, &groups, &cnt, ctx->timeout_ms);
	if (err) {
		cli_report_error(ctx, "list groups", err, NULL);
		return CLI_EXIT_ERROR;
	}
	if (format == CLI_FORMAT_JSON) {
		json_t *a = json_array();
		for (i = 0; i < cnt; i++)
			json_array_append_new(a, json_string(groups[i]));
		if (cli_json_print(a, 0, stdout) < 0)
			rc = CLI_EXIT_ERROR;
	} else {
		static const char *const hdr[] = { "group" };
		struct cli_table *t = cli_table_new(1, hdr);
		for (i = 0; t && i < cnt; i++) {
			const char *row[1] = { groups[i] };
			cli_table_add(t, row);
		}
		if (t)
			cli_table_print_free(t, stdout);
		else
			rc = CLI_EXIT_ERROR;
	}
	fjord_admin_group_list_destroy(groups, cnt);
	return rc;
}

static json_t *group_json_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *group_to_json(const fjord_group_description_t *d)
{
	json_t *o = json_object(), *ms = json_array(), *ps = json_array();
	int i, k;

	json_object_set_new(o, "group", json_string(d->group));
	json_object_set_new(o, "generation", json_integer(d->generation));
	json_object_set_new(o, "leader", group_json_str(d->leader));
	json_object_set_new(o, "strategy", group_json_str(d->strategy));
	json_object_set_new(o, "last_rebalance_ms", json_integer(d->last_rebalance_ms));
	json_object_set_new(o, "last_rebalance_reason", group_json_str(d->last_rebalance_reason));
	json_object_set_new(o, "total_lag", json_integer(d->total_lag));
	for (i = 0; i < d->member_cnt; i++) {
		const fjord_group_member_t *m = &d->members[i];
		json_t *jm = json_object(), *tl = json_array();
		json_object_set_new(jm, "member_id", json_string(m->member_id));
		json_object_set_new(jm, "client_id", group_json_str(m->client_id));
		json_object_set_new(jm, "host", group_json_str(m->host));
		json_object_set_new(jm, "joined_ms", json_integer(m->joined_ms));
		json_object_set_new(jm, "is_leader", json_boolean(m->is_leader));
		for (k = 0; k < m->topic_cnt; k++)
			json_array_append_new(tl, json_string(m->topics[k]));
		json_object_set_new(jm, "topics", tl);
		json_array_append_new(ms, jm);
	}
	json_object_set_new(o, "members", ms);
	for (i = 0; i < d->partition_cnt; i++) {
		const fjord_group_partition_t *p = &d->partitions[i];
		json_t *jp = json_object();
		json_object_set_new(jp, "topic", json_string(p->topic));
		json_object_set_new(jp, "partition", json_integer(p->partition));
		json_object_set_new(jp, "owner", group_json_str(p->owner));
		json_object_set_new(jp, "committed", json_integer(p->committed));
		json_object_set_new(jp, "log_end_offset", json_integer(p->log_end_offset));
		json_object_set_new(jp, "lag", json_integer(p->lag));
		json_object_set_new(jp, "lag_ms", json_integer(p->lag_ms));
		json_array_append_new(ps, jp);
	}
	json_object_set_new(o, "partitions", ps);
	return o;
}

/* "-" for a negative (unknown) value. */
static const char *group_num(char *buf, size_t n, int64_t v)
{
	if (v < 0)
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%lld", (long long)v);
	return buf;
}

static void group_print_text(const fjord_group_description_t *d)
{
	static const char *const mhdr[] = { "member-id", "client-id", "host", "joined", "topics" };
	static const char *const phdr[] = { "topic",   "partition", "owner", "committed",
		                            "log-end", "lag",       "lag-ms" };
	struct cli_table *t;
	char b[7][64], topics[512], when[64];
	int i, k;

	printf("GROUP %s: %d member(s)\n", d->group, d->member_cnt);
	if (d->member_cnt > 0 && (t = cli_table_new(5, mhdr)) != NULL) {
		for (i = 0; i < d->member_cnt; i++) {
			const fjord_group_member_t *m = &d->members[i];
			const char *row[5];
			topics[0] = '\0';
			for (k = 0; k < m->topic_cnt; k++)
				snprintf(topics + strlen(topics), sizeof(topics) - strlen(topics),
				         "%s%s", k ? "," : "", m->topics[k]);
			snprintf(b[0], sizeof(b[0]), "%s%s", m->member_id,
			         m->is_leader ? " (leader)" : "");
			row[0] = b[0];
			row[1] = m->client_id ? m->client_id : "-";
			row[2] = m->host ? m->host : "-";
			row[3] = cli_format_time_ms(m->joined_ms, when, sizeof(when));
			row[4] = topics;
			cli_table_add(t, row);
		}
		cli_table_print_free(t, stdout);
	}
	printf("\n");
	if ((t = cli_table_new(7, phdr)) != NULL) {
		for (i = 0; i < d->partition_cnt; i++) {
			const fjord_group_partition_t *p = &d->partitions[i];
			const char *row[7];
			row[0] = p->topic;
			row[1] = group_num(b[1], sizeof(b[1]), p->partition);
			row[2] = p->owner ? p->owner : "-";
			row[3] = group_num(b[3], sizeof(b[3]), p->committed);
			row[4] = group_num(b[4], sizeof(b[4]), p->log_end_offset);
			row[5] = group_num(b[5], sizeof(b[5]), p->lag);
			row[6] = group_num(b[6], sizeof(b[6]), p->lag_ms);
			cli_table_add(t, row);
		}
		cli_table_print_free(t, stdout);
	}
	printf("\nTOTAL-LAG       %lld\n", (long long)d->total_lag);
	printf("GENERATION      %s\n", group_num(b[0], sizeof(b[0]), d->generation));
	printf("LEADER          %s\n", d->leader ? d->leader : "-");
	printf("STRATEGY        %s\n", d->strategy ? d->strategy : "-");
	printf("LAST-REBALANCE  %s%s%s%s\n",
	       cli_format_time_ms(d->last_rebalance_ms, when, sizeof(when)),
	       d->last_rebalance_reason ? " (" : "",
	       d->last_rebalance_reason ? d->last_rebalance_reason : "",
	       d->last_rebalance_reason ? ")" : "");
}

static int group_describe(const struct cli_ctx *ctx, fjord_t *fj, const char *group,
                          enum cli_format format)
{
	fjord_group_description_t *d = NULL;
	fjord_err_t err;
	int rc = CLI_EXIT_OK;

	err = fjord_admin_describe_group(fj, group, &d, ctx->timeout_ms);
	if (err)
		return group_fail(ctx, "describe", group, err, NULL);
	if (format == CLI_FORMAT_JSON) {
		if (cli_json_print(group_to_json(d), 1, stdout) < 0)
			rc = CLI_EXIT_ERROR;
	} else {
		group_print_text(d);
	}
	fjord_group_description_destroy(d);
	return rc;
}

/* describe --all-groups: every group of the list, in its order. */
static int group_describe_all(const struct cli_ctx *ctx, fjord_t *fj, enum cli_format format)
{
	json_t *a = format == CLI_FORMAT_JSON ? json_array() : NULL;
	char **groups = NULL;
	int cnt = 0, i, shown = 0, rc = CLI_EXIT_OK;
	fjord_err_t err;

	err = fjord_admin_list_groups(fj, &groups, &cnt, ctx->timeout_ms);
	if (err) {
		json_decref(a);
		cli_report_error(ctx, "list groups", err, NULL);
		return CLI_EXIT_ERROR;
	}
	for (i = 0; i < cnt; i++) {
		fjord_group_description_t *d = NULL;

		err = fjord_admin_describe_group(fj, groups[i], &d, ctx->timeout_ms);
		if (err == FJORD_ERR_GROUP_ID_NOT_FOUND)
			continue; /* deleted since the list */
		if (err) {
			rc = group_fail(ctx, "describe", groups[i], err, NULL);
			break;
		}
		if (a) {
			json_array_append_new(a, group_to_json(d));
		} else {
			if (shown)
				printf("\n");
			group_print_text(d);
		}
		shown++;
		fjord_group_description_destroy(d);
	}
	fjord_admin_group_list_destroy(groups, cnt);
	if (a && rc == CLI_EXIT_OK) {
		if (cli_json_print(a, 1, stdout) < 0)
			rc = CLI_EXIT_ERROR;
	} else {
		json_decref(a);
		if (rc == CLI_EXIT_OK && !shown)
			fprintf(stderr, "fjord group describe: no consumer groups\n");
	}
	return rc;
}

static int group_delete(const struct cli_ctx *ctx, fjord_t *fj, const char *group)
{
	char errstr[512] = "";
	fjord_err_t err;

	err = fjord_admin_delete_group(fj, group, ctx->timeout_ms, errstr, sizeof(errstr));
	if (err)
		return group_fail(ctx, "delete", group, err, errstr);
	printf("deleted group '%s'\n", group);
	return CLI_EXIT_OK;
}

int cmd_group(struct cli_ctx *ctx, int argc, char **argv)
{
	enum { O_ALL_GROUPS = 256 };
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "all-groups", no_argument, NULL, O_ALL_GROUPS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum cli_format format = CLI_FORMAT_TEXT;
	const char *verb, *group = NULL;
	fjord_t *fj;
	int c, rc, want_group, all_groups = 0;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		group_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}
	verb = argv[1];
	if (!strcmp(verb, "reset-offsets"))
		return cmd_group_reset(ctx, argc - 1, argv + 1);
	if (strcmp(verb, "list") && strcmp(verb, "describe") && strcmp(verb, "delete")) {
		fprintf(stderr,
		        "fjord group: unknown verb '%s' (list, describe, reset-offsets, "
		        "delete)\n",
		        verb);
		return CLI_EXIT_USAGE;
	}
	want_group = strcmp(verb, "list") != 0;
	optind = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!strcmp(verb, "delete")) {
				fprintf(stderr, "fjord group delete: --format does not apply\n");
				return CLI_EXIT_USAGE;
			}
			if (cli_parse_format("group", optarg, &format) < 0)
				return CLI_EXIT_USAGE;
			break;
		case O_ALL_GROUPS:
			if (strcmp(verb, "describe")) {
				fprintf(stderr, "fjord group %s: --all-groups does not apply\n",
				        verb);
				return CLI_EXIT_USAGE;
			}
			all_groups = 1;
			break;
		case 'h':
			group_usage(stdout);
			return CLI_EXIT_OK;
		default:
			group_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc - 1)
		group = argv[1 + optind];
	if (all_groups) {
		if (group) {
			fprintf(stderr, "fjord group describe: give GROUP or --all-groups, not "
			                "both\n");
			return CLI_EXIT_USAGE;
		}
		want_group = 0;
	}
	if ((want_group && (!group || optind != argc - 2)) || (!want_group && group)) {
		fprintf(stderr, "fjord group %s: %s\n", verb,
		        want_group ? "expected exactly one GROUP" : "takes no GROUP");
		return CLI_EXIT_USAGE;
	}
	if (cli_check_cluster(ctx) < 0)
		return CLI_EXIT_USAGE;
	fj = cli_group_handle(ctx, "group");
	if (!fj)
		return ctx->zookeeper ? CLI_EXIT_ERROR : CLI_EXIT_USAGE;
	if (!strcmp(verb, "list"))
		rc = group_list(ctx, fj, format);
	else if (all_groups)
		rc = group_describe_all(ctx, fj, format);
	else if (!strcmp(verb, "describe"))
		rc = group_describe(ctx, fj, group, format);
	else
		rc = group_delete(ctx, fj, group);
	fjord_destroy(fj);
	return rc;
}
