/*
 * cmd_topic.c — `fjord topic create|list|describe|delete`, and the dispatch
 * of `alter` (cmd_topic_alter.c), `reassign` (cmd_topic_reassign.c) and
 * `describe-config` (cmd_topic_config.c).
 *
 * Creation and deletion go through the SDK's admin API; a create without -p
 * or -r leaves them to the brokers' num.partitions and
 * default.replication.factor (the SDK sends it through a broker, even with
 * -z: fjord_admin_create_topic). List and describe read metadata (from
 * ZooKeeper with -z, else from a broker); describe also asks each
 * partition's leader for its log start offset and high watermark, and
 * --under-replicated / --unavailable keep only the partitions with an ISR
 * smaller than the replica set / without a leader. Each verb builds one
 * admin handle, does its calls bounded by --timeout, prints, and frees
 * everything before returning. Main thread only.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

#define TOPIC_MAX_CONFIGS 64

static void topic_usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: fjord topic create NAME [-p PARTITIONS] [-r REPLICATION] [--config K=V]...\n"
	    "       fjord topic list [--format text|json]\n"
	    "       fjord topic describe [NAME] [--under-replicated] [--unavailable]\n"
	    "                            [--format text|json]\n"
	    "       fjord topic describe-config NAME [--format text|json]\n"
	    "       fjord topic delete NAME\n"
	    "       fjord topic alter NAME [--partitions N] [--config K=V]...\n"
	    "                             [--delete-config K]...\n"
	    "                             (fjord topic alter --help)\n"
	    "       fjord topic reassign --plan FILE|- [--wait] | --verify --plan FILE|-\n"
	    "                             | --generate --topic NAME --brokers 1,2,3\n"
	    "                             (fjord topic reassign --help)\n"
	    "\n"
	    "  -p, --partitions N          partition count (default: broker num.partitions)\n"
	    "  -r, --replication-factor N  replicas per partition (default: broker\n"
	    "                              default.replication.factor)\n"
	    "  -c, --config K=V            topic config override (repeatable)\n"
	    "  -f, --format text|json      output format of list and describe\n"
	    "  -U, --under-replicated      describe: only partitions whose ISR is smaller\n"
	    "                              than their replica set\n"
	    "  -N, --unavailable           describe: only partitions without a leader\n"
	    "                              (both: partitions matching either)\n"
	    "  -h, --help                  print this help\n");
}

/* Parses the options shared by every verb; the remaining positional argument
 * (if any) goes to *namep. Returns -1 on a usage error, 1 after --help. */
struct topic_opts {
	long long partitions;
	long long replication;
	const char *configs[2 * TOPIC_MAX_CONFIGS + 1];
	char config_names[TOPIC_MAX_CONFIGS][256];
	int config_cnt;
	enum cli_format format;
	const char *name;
	int under_replicated; /* describe filters */
	int unavailable;
};

static int topic_parse(const char *verb, int argc, char **argv, struct topic_opts *o)
{
	static const struct option opts[] = {
		{ "partitions", required_argument, NULL, 'p' },
		{ "replication-factor", required_argument, NULL, 'r' },
		{ "config", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "under-replicated", no_argument, NULL, 'U' },
		{ "under-replicated-partitions", no_argument, NULL, 'U' },
		{ "unavailable", no_argument, NULL, 'N' },
		{ "unavailable-partitions", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *eq;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "p:r:c:f:UNh", opts, NULL)) != -1) {
		switch (c) {
		case 'U':
			o->under_replicated = 1;
			break;
		case 'N':
			o->unavailable = 1;
			break;
		case 'p':
			if (cli_parse_int(optarg, 1, 1000000, &o->partitions) < 0) {
				fprintf(stderr, "fjord topic %s: invalid partition count '%s'\n",
				        verb, optarg);
				return -1;
			}
			break;
		case 'r':
			if (cli_parse_int(optarg, 1, 1000, &o->replication) < 0) {
				fprintf(stderr, "fjord topic %s: invalid replication factor '%s'\n",
				        verb, optarg);
				return -1;
			}
			break;
		case 'c':
			eq = strchr(optarg, '=');
			if (!eq || eq == optarg || (size_t)(eq - optarg) >= 256) {
				fprintf(stderr, "fjord topic %s: --config expects K=V, got '%s'\n",
				        verb, optarg);
				return -1;
			}
			if (o->config_cnt >= TOPIC_MAX_CONFIGS) {
				fprintf(stderr, "fjord topic %s: too many --config\n", verb);
				return -1;
			}
			memcpy(o->config_names[o->config_cnt], optarg, (size_t)(eq - optarg));
			o->config_names[o->config_cnt][eq - optarg] = '\0';
			o->configs[2 * o->config_cnt] = o->config_names[o->config_cnt];
			o->configs[2 * o->config_cnt + 1] = eq + 1;
			o->config_cnt++;
			o->configs[2 * o->config_cnt] = NULL;
			break;
		case 'f':
			if (cli_parse_format("topic", optarg, &o->format) < 0)
				return -1;
			break;
		case 'h':
			topic_usage(stdout);
			return 1;
		default:
			return -1;
		}
	}
	if (optind < argc)
		o->name = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "fjord topic %s: unexpected argument '%s'\n", verb, argv[optind]);
		return -1;
	}
	return 0;
}

static int topic_create(struct cli_ctx *ctx, const struct topic_opts *o)
{
	char errstr[512] = "";
	fjord_err_t err;
	fjord_t *fj;

	fj = cli_handle_new(ctx, FJORD_ADMIN, cli_conf_new(ctx));
	if (!fj)
		return CLI_EXIT_ERROR;
	err = fjord_admin_create_topic(fj, o->name, (int32_t)o->partitions, (int32_t)o->replication,
	                               o->config_cnt ? o->configs : NULL, ctx->timeout_ms, errstr,
	                               sizeof(errstr));
	fjord_destroy(fj);
	if (err == FJORD_ERR_TOPIC_ALREADY_EXISTS) {
		fprintf(stderr, "fjord: topic '%s' already exists\n", o->name);
		return CLI_EXIT_ERROR;
	}
	if (err) {
		char what[300];

		snprintf(what, sizeof(what), "cannot create topic '%s'", o->name);
		cli_report_error(ctx, what, err, errstr);
		return CLI_EXIT_ERROR;
	}
	printf("topic '%s' created\n", o->name);
	return CLI_EXIT_OK;
}

static int topic_delete(struct cli_ctx *ctx, const struct topic_opts *o)
{
	char errstr[512] = "";
	fjord_err_t err;
	fjord_t *fj;

	fj = cli_handle_new(ctx, FJORD_ADMIN, cli_conf_new(ctx));
	if (!fj)
		return CLI_EXIT_ERROR;
	err = fjord_admin_delete_topic(fj, o->name, ctx->timeout_ms, errstr, sizeof(errstr));
	fjord_destroy(fj);
	if (err == FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION || err == FJORD_ERR__UNKNOWN_TOPIC) {
		fprintf(stderr, "fjord: topic '%s' does not exist\n", o->name);
		return CLI_EXIT_ERROR;
	}
	if (err) {
		char what[300];

		snprintf(what, sizeof(what), "cannot delete topic '%s'", o->name);
		cli_report_error(ctx, what, err, errstr);
		return CLI_EXIT_ERROR;
	}
	printf("topic '%s' deleted\n", o->name);
	return CLI_EXIT_OK;
}

/* Replication factor as shown: the replica count of partition 0. */
static int topic_replication(const fjord_metadata_topic_t *t)
{
	return t->partition_cnt > 0 ? t->partitions[0].replica_cnt : 0;
}

static const char *topic_partition_status(const fjord_metadata_partition_t *p)
{
	if (p->leader < 0 || p->err == FJORD_ERR_LEADER_NOT_AVAILABLE)
		return "OFFLINE";
	if (p->isr_cnt < p->replica_cnt)
		return "under-replicated";
	return "ok";
}

/* Does p pass describe's filters (none given: every partition does)? */
static int topic_partition_selected(const struct topic_opts *o, const fjord_metadata_partition_t *p)
{
	int offline = p->leader < 0 || p->err == FJORD_ERR_LEADER_NOT_AVAILABLE;

	if (!o->under_replicated && !o->unavailable)
		return 1;
	return (o->under_replicated && p->isr_cnt < p->replica_cnt) || (o->unavailable && offline);
}

static int topic_selected_cnt(const struct topic_opts *o, const fjord_metadata_topic_t *t)
{
	int i, n = 0;

	for (i = 0; i < t->partition_cnt; i++)
		n += topic_partition_selected(o, &t->partitions[i]);
	return n;
}

/* Log start offset and high watermark of a partition, asked of its leader;
 * -1 / -1 when it has no leader or does not answer within the timeout (a
 * warning on stderr then says so). */
static void topic_watermarks(const struct cli_ctx *ctx, fjord_t *fj, const char *topic,
                             const fjord_metadata_partition_t *p, int64_t *lowp, int64_t *highp)
{
	fjord_err_t err;

	*lowp = *highp = -1;
	if (p->leader < 0)
		return;
	err = fjord_query_watermark_offsets(fj, topic, p->id, lowp, highp, ctx->timeout_ms);
	if (err) {
		fprintf(stderr, "fjord: warning: offsets of %s-%d: %s\n", topic, (int)p->id,
		        fjord_err2str(err));
		*lowp = *highp = -1;
	}
}

static json_t *topic_offset_json(int64_t v)
{
	return v < 0 ? json_null() : json_integer(v);
}

static json_t *topic_id_array(const int32_t *ids, int cnt)
{
	json_t *a = json_array();
	int i;

	for (i = 0; a && i < cnt; i++)
		json_array_append_new(a, json_integer(ids[i]));
	return a;
}

static json_t *topic_to_json(const struct cli_ctx *ctx, fjord_t *fj, const struct topic_opts *opts,
                             const fjord_metadata_topic_t *t, int detail)
{
	json_t *o = json_object(), *parts, *cfg;
	int i;

	json_object_set_new(o, "name", json_string(t->topic));
	json_object_set_new(o, "partition_count", json_integer(t->partition_cnt));
	json_object_set_new(o, "replication_factor", json_integer(topic_replication(t)));
	if (!detail)
		return o;
	cfg = json_object();
	for (i = 0; i < t->config_cnt; i++)
		json_object_set_new(cfg, t->config_names[i], json_string(t->config_values[i]));
	json_object_set_new(o, "configs", cfg);
	parts = json_array();
	for (i = 0; i < t->partition_cnt; i++) {
		const fjord_metadata_partition_t *p = &t->partitions[i];
		int64_t low, high;
		json_t *jp;

		if (!topic_partition_selected(opts, p))
			continue;
		topic_watermarks(ctx, fj, t->topic, p, &low, &high);
		jp = json_object();
		json_object_set_new(jp, "partition", json_integer(p->id));
		json_object_set_new(jp, "leader", json_integer(p->leader));
		json_object_set_new(jp, "leader_epoch", json_integer(p->leader_epoch));
		json_object_set_new(jp, "replicas", topic_id_array(p->replicas, p->replica_cnt));
		json_object_set_new(jp, "isr", topic_id_array(p->isrs, p->isr_cnt));
		json_object_set_new(jp, "offline",
		                    json_boolean(!strcmp(topic_partition_status(p), "OFFLINE")));
		json_object_set_new(jp, "error",
		                    p->err ? json_string(fjord_err2name(p->err)) : json_null());
		json_object_set_new(jp, "log_start_offset", topic_offset_json(low));
		json_object_set_new(jp, "high_watermark", topic_offset_json(high));
		json_array_append_new(parts, jp);
	}
	json_object_set_new(o, "partitions", parts);
	return o;
}

static void topic_describe_text(const struct cli_ctx *ctx, fjord_t *fj, const struct topic_opts *o,
                                const fjord_metadata_topic_t *t)
{
	static const char *const hdr[] = { "partition", "leader", "epoch",     "replicas",
		                           "isr",       "status", "log-start", "high-watermark" };
	struct cli_table *tab;
	int i;

	printf("TOPIC: %s  PARTITIONS: %d  REPLICATION-FACTOR: %d\n", t->topic, t->partition_cnt,
	       topic_replication(t));
	printf("CONFIGS:");
	for (i = 0; i < t->config_cnt; i++)
		printf("%s%s=%s", i ? "," : " ", t->config_names[i], t->config_values[i]);
	printf("%s\n", t->config_cnt ? "" : " (none)");
	tab = cli_table_new(8, hdr);
	for (i = 0; i < t->partition_cnt; i++) {
		const fjord_metadata_partition_t *p = &t->partitions[i];
		char id[16], leader[16], epoch[16], reps[512], isr[512], lows[24], highs[24];
		const char *row[8] = { id,   leader, epoch, reps, isr, topic_partition_status(p),
			               lows, highs };
		int64_t low, high;

		if (!topic_partition_selected(o, p))
			continue;
		topic_watermarks(ctx, fj, t->topic, p, &low, &high);
		snprintf(lows, sizeof(lows), low < 0 ? "-" : "%lld", (long long)low);
		snprintf(highs, sizeof(highs), high < 0 ? "-" : "%lld", (long long)high);
		snprintf(id, sizeof(id), "%d", (int)p->id);
		if (p->leader < 0)
			snprintf(leader, sizeof(leader), "none");
		else
			snprintf(leader, sizeof(leader), "%d", (int)p->leader);
		snprintf(epoch, sizeof(epoch), "%d", (int)p->leader_epoch);
		cli_format_id_list(reps, sizeof(reps), p->replicas, p->replica_cnt);
		cli_format_id_list(isr, sizeof(isr), p->isrs, p->isr_cnt);
		cli_table_add(tab, row);
	}
	cli_table_print_free(tab, stdout);
}

/* list (detail = 0) and describe (detail = 1). */
static int topic_show(struct cli_ctx *ctx, const struct topic_opts *o, int detail)
{
	fjord_metadata_t *md = NULL;
	fjord_err_t err;
	json_t *arr = NULL;
	int rc = CLI_EXIT_OK, i;
	fjord_t *fj;

	fj = cli_handle_new(ctx, FJORD_ADMIN, cli_conf_new(ctx));
	if (!fj)
		return CLI_EXIT_ERROR;
	if (o->name) {
		if (cli_topic_metadata(ctx, fj, o->name, &md) < 0) {
			rc = CLI_EXIT_ERROR;
			goto out;
		}
	} else {
		err = fjord_metadata(fj, NULL, &md, ctx->timeout_ms);
		if (err) {
			cli_report_error(ctx, "cannot list topics", err, NULL);
			rc = CLI_EXIT_ERROR;
			goto out;
		}
	}

	if (o->format == CLI_FORMAT_JSON) {
		arr = json_array();
		for (i = 0; i < md->topic_cnt; i++)
			if (!detail || topic_selected_cnt(o, &md->topics[i]))
				json_array_append_new(
				    arr, topic_to_json(ctx, fj, o, &md->topics[i], detail));
		if (cli_json_print(arr, 1, stdout) < 0) {
			fprintf(stderr, "fjord: cannot write JSON output\n");
			rc = CLI_EXIT_ERROR;
		}
	} else if (detail) {
		int shown = 0;

		for (i = 0; i < md->topic_cnt; i++) {
			if (!topic_selected_cnt(o, &md->topics[i]))
				continue; /* a filter left nothing of it */
			if (shown++)
				printf("\n");
			topic_describe_text(ctx, fj, o, &md->topics[i]);
		}
	} else {
		static const char *const hdr[] = { "name", "partitions", "replicas" };
		struct cli_table *tab = cli_table_new(3, hdr);

		for (i = 0; i < md->topic_cnt; i++) {
			char parts[16], reps[16];
			const char *row[3] = { md->topics[i].topic, parts, reps };

			snprintf(parts, sizeof(parts), "%d", md->topics[i].partition_cnt);
			snprintf(reps, sizeof(reps), "%d", topic_replication(&md->topics[i]));
			cli_table_add(tab, row);
		}
		cli_table_print_free(tab, stdout);
	}
out:
	if (md)
		fjord_metadata_destroy(md);
	fjord_destroy(fj);
	return rc;
}

int cmd_topic(struct cli_ctx *ctx, int argc, char **argv)
{
	struct topic_opts *o;
	const char *verb;
	int rc;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		topic_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}
	verb = argv[1];
	if (!strcmp(verb, "alter"))
		return cmd_topic_alter(ctx, argc - 1, argv + 1);
	if (!strcmp(verb, "reassign"))
		return cmd_topic_reassign(ctx, argc - 1, argv + 1);
	if (!strcmp(verb, "describe-config"))
		return cmd_topic_describe_config(ctx, argc - 1, argv + 1);
	if (strcmp(verb, "create") && strcmp(verb, "list") && strcmp(verb, "describe") &&
	    strcmp(verb, "delete")) {
		fprintf(stderr,
		        "fjord topic: unknown verb '%s' (create, list, describe, describe-config, "
		        "delete, alter, reassign)\n",
		        verb);
		return CLI_EXIT_USAGE;
	}
	o = calloc(1, sizeof(*o));
	if (!o) {
		fprintf(stderr, "fjord: out of memory\n");
		return CLI_EXIT_ERROR;
	}
	rc = topic_parse(verb, argc - 1, argv + 1, o);
	if (rc) {
		if (rc < 0)
			topic_usage(stderr);
		rc = rc < 0 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
		goto out;
	}
	if ((!strcmp(verb, "create") || !strcmp(verb, "delete")) && !o->name) {
		fprintf(stderr, "fjord topic %s: missing topic NAME\n", verb);
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	if (!strcmp(verb, "list") && o->name) {
		fprintf(stderr, "fjord topic list: unexpected argument '%s'\n", o->name);
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	if (strcmp(verb, "describe") && (o->under_replicated || o->unavailable)) {
		fprintf(stderr,
		        "fjord topic %s: --under-replicated and --unavailable apply to "
		        "describe only\n",
		        verb);
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	if (strcmp(verb, "create") && (o->partitions || o->replication || o->config_cnt)) {
		fprintf(stderr, "fjord topic %s: -p, -r and --config apply to create only\n", verb);
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	if (cli_check_cluster(ctx) < 0) {
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	if (!strcmp(verb, "create"))
		rc = topic_create(ctx, o);
	else if (!strcmp(verb, "delete"))
		rc = topic_delete(ctx, o);
	else
		rc = topic_show(ctx, o, !strcmp(verb, "describe"));
out:
	free(o);
	return rc;
}
