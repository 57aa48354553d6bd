/*
 * cmd_topic_alter.c — `fjord topic alter TOPIC [--partitions N] [--config K=V ...]
 * [--delete-config K ...]`: adds partitions, as Kafka's `kafka-topics --alter
 * --partitions` does, and changes a topic's config overrides, as
 * `kafka-configs --alter --add-config/--delete-config` does in ZooKeeper mode.
 *
 * --partitions first: one call to fjord_admin_create_partitions(), which
 * refuses a count not above the current one and waits (--timeout) until
 * every partition has a leader. Then one call to
 * fjord_admin_alter_topic_config() (the SDK checks every key and value
 * before it writes anything, and the write is version-conditional). The
 * topic's metadata is read back and its partition count and overrides
 * printed, as text (`PARTITIONS: n`, `CONFIGS: k=v,...`) or as a JSON
 * object {"name":..,"partition_count":n,"configs":{..}}.
 * Exit codes: 0 done, 1 refused or failed (the message names the key),
 * 2 usage. Needs -z (the SDK says so otherwise). Main thread only;
 * everything is freed before returning.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

#define ALTER_MAX_CONFIGS 64

struct alter_opts {
	const char *topic;
	const char *set[2 * ALTER_MAX_CONFIGS];
	char set_names[ALTER_MAX_CONFIGS][256];
	int set_cnt;
	const char *del[ALTER_MAX_CONFIGS];
	int del_cnt;
	int32_t partitions; /* --partitions; 0: not given */
	enum cli_format format;
};

static void alter_usage(FILE *out)
{
	fprintf(out, "Usage: fjord topic alter TOPIC [--partitions N] [--config K=V]...\n"
	             "             [--delete-config K]... [--format text|json]\n"
	             "\n"
	             "Adds partitions to the topic (--partitions N: the new total, above the\n"
	             "current count; partitions are never removed) and sets and removes topic\n"
	             "config overrides in /config/topics/TOPIC; brokers apply them while\n"
	             "running. A removed override falls back to the broker's default. Nothing\n"
	             "is written when one key or value is invalid. Keyed records: a key maps to\n"
	             "a partition by the partition count, so new keys' records may land on a\n"
	             "different partition than the same key's older ones.\n"
	             "  -p, --partitions N          grow the topic to N partitions\n"
	             "  -c, --config K=V            set override K to V (repeatable)\n"
	             "  -d, --delete-config K       remove override K (repeatable)\n"
	             "  -f, --format text|json      output format of the resulting config\n"
	             "  -h, --help                  print this help\n");
}

/* Returns 0, -1 on a usage error (printed), 1 after --help. */
static int alter_parse(int argc, char **argv, struct alter_opts *o)
{
	static const struct option opts[] = {
		{ "partitions", required_argument, NULL, 'p' },
		{ "config", required_argument, NULL, 'c' },
		{ "delete-config", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *eq;
	size_t nlen;
	long long n;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "p:c:d:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (cli_parse_int(optarg, 1, INT32_MAX, &n) < 0) {
				fprintf(
				    stderr,
				    "fjord topic alter: --partitions expects a count of at least "
				    "1, got '%s'\n",
				    optarg);
				return -1;
			}
			o->partitions = (int32_t)n;
			break;
		case 'c':
			eq = strchr(optarg, '=');
			nlen = eq ? (size_t)(eq - optarg) : 0;
			if (!eq || nlen == 0 || nlen >= sizeof(o->set_names[0])) {
				fprintf(stderr,
				        "fjord topic alter: --config expects K=V, got '%s'\n",
				        optarg);
				return -1;
			}
			if (o->set_cnt >= ALTER_MAX_CONFIGS) {
				fprintf(stderr, "fjord topic alter: too many --config (max %d)\n",
				        ALTER_MAX_CONFIGS);
				return -1;
			}
			memcpy(o->set_names[o->set_cnt], optarg, nlen);
			o->set_names[o->set_cnt][nlen] = '\0';
			o->set[2 * o->set_cnt] = o->set_names[o->set_cnt];
			o->set[2 * o->set_cnt + 1] = eq + 1;
			o->set_cnt++;
			break;
		case 'd':
			if (!*optarg) {
				fprintf(stderr,
				        "fjord topic alter: --delete-config expects a key\n");
				return -1;
			}
			if (o->del_cnt >= ALTER_MAX_CONFIGS) {
				fprintf(stderr,
				        "fjord topic alter: too many --delete-config (max %d)\n",
				        ALTER_MAX_CONFIGS);
				return -1;
			}
			o->del[o->del_cnt++] = optarg;
			break;
		case 'f':
			if (cli_parse_format("topic alter", optarg, &o->format) < 0)
				return -1;
			break;
		case 'h':
			alter_usage(stdout);
			return 1;
		default:
			return -1;
		}
	}
	if (optind < argc)
		o->topic = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "fjord topic alter: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (!o->topic) {
		fprintf(stderr, "fjord topic alter: missing topic NAME\n");
		return -1;
	}
	if (o->set_cnt == 0 && o->del_cnt == 0 && o->partitions == 0) {
		fprintf(stderr, "fjord topic alter: give --partitions, --config or "
		                "--delete-config\n");
		return -1;
	}
	return 0;
}

/* Prints the topic's partition count and overrides as they are now in
 * ZooKeeper. */
static int alter_print(struct cli_ctx *ctx, fjord_t *fj, const struct alter_opts *o)
{
	const fjord_metadata_topic_t *t;
	fjord_metadata_t *md;
	int i, rc = CLI_EXIT_OK;

	if (cli_topic_metadata(ctx, fj, o->topic, &md) < 0)
		return CLI_EXIT_ERROR;
	t = &md->topics[0];
	if (o->format == CLI_FORMAT_JSON) {
		json_t *obj = json_object(), *cfg = json_object();

		for (i = 0; obj && cfg && i < t->config_cnt; i++)
			json_object_set_new(cfg, t->config_names[i],
			                    json_string(t->config_values[i]));
		json_object_set_new(obj, "name", json_string(t->topic));
		json_object_set_new(obj, "partition_count", json_integer(t->partition_cnt));
		json_object_set_new(obj, "configs", cfg);
		if (cli_json_print(obj, 1, stdout) < 0) {
			fprintf(stderr, "fjord: cannot write JSON output\n");
			rc = CLI_EXIT_ERROR;
		}
	} else {
		printf("topic '%s' altered\nPARTITIONS: %d\nCONFIGS:", t->topic, t->partition_cnt);
		for (i = 0; i < t->config_cnt; i++)
			printf("%s%s=%s", i ? "," : " ", t->config_names[i], t->config_values[i]);
		printf("%s\n", t->config_cnt ? "" : " (none)");
	}
	fjord_metadata_destroy(md);
	return rc;
}

int cmd_topic_alter(struct cli_ctx *ctx, int argc, char **argv)
{
	struct alter_opts *o;
	char errstr[512] = "";
	fjord_err_t err;
	fjord_t *fj = NULL;
	int rc;

	o = calloc(1, sizeof(*o));
	if (!o) {
		fprintf(stderr, "fjord: out of memory\n");
		return CLI_EXIT_ERROR;
	}
	rc = cli_admin_begin(ctx, alter_parse(argc, argv, o), alter_usage, &fj);
	if (!fj)
		goto out;
	if (o->partitions > 0) {
		err = fjord_admin_create_partitions(fj, o->topic, o->partitions, ctx->timeout_ms,
		                                    errstr, sizeof(errstr));
		if (err) {
			char what[300];

			snprintf(what, sizeof(what), "cannot add partitions to topic '%s'",
			         o->topic);
			cli_report_error(ctx, what, err, errstr);
			rc = CLI_EXIT_ERROR;
			goto out;
		}
	}
	err = o->set_cnt || o->del_cnt
	          ? fjord_admin_alter_topic_config(fj, o->topic, o->set, o->set_cnt, o->del,
	                                           o->del_cnt, errstr, sizeof(errstr))
	          : FJORD_ERR_NO_ERROR;
	if (err) {
		char what[300];

		snprintf(what, sizeof(what), "cannot alter topic '%s'", o->topic);
		cli_report_error(ctx, what, err, errstr);
		rc = CLI_EXIT_ERROR;
		goto out;
	}
	rc = alter_print(ctx, fj, o);
out:
	if (fj)
		fjord_destroy(fj);
	free(o);
	return rc;
}
