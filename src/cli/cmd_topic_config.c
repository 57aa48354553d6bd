/*
 * cmd_topic_config.c — `fjord topic describe-config NAME`: every config key
 * of a topic with its value and source, as kafka-configs.sh --describe --all
 * (--entity-type topics) prints it.
 *
 * What: one SDK call (fjord_admin_describe_topic_config) and a table
 * `KEY VALUE SOURCE BROKER-SETTING` (or a JSON array). SOURCE is `topic` for
 * an override in /config/topics/NAME and `default` otherwise; a default's
 * value is the built-in default of BROKER-SETTING (a broker's own
 * server.properties is not visible to clients: fjord has no DescribeConfigs).
 * Needs -z. Thread: main thread only; everything is freed before returning.
 */
#include "config.h"

#include <getopt.h>
#include <string.h>

#include "cli/cli.h"

static void topic_config_usage(FILE *out)
{
	fprintf(out, "Usage: fjord topic describe-config NAME [--format text|json]\n"
	             "\n"
	             "Every topic config key with its value and source: 'topic' (an override)\n"
	             "or 'default' (the built-in default of the broker setting shown). Needs -z.\n"
	             "  -f, --format text|json   output format (default text)\n"
	             "  -h, --help               print this help\n");
}

static const char *topic_config_source(fjord_config_source_t src)
{
	return src == FJORD_CONFIG_SOURCE_TOPIC ? "topic" : "default";
}

int cmd_topic_describe_config(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const hdr[] = { "key", "value", "source", "broker-setting" };
	enum cli_format format = CLI_FORMAT_TEXT;
	fjord_config_entry_t *ents = NULL;
	int c, i, cnt = 0, parse_rc = 0, rc;
	char errstr[512] = "";
	fjord_t *fj = NULL;
	fjord_err_t err;

	optind = 0;
	while (!parse_rc && (c = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (cli_parse_format("fjord topic describe-config", optarg, &format) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'h':
			topic_config_usage(stdout);
			return CLI_EXIT_OK;
		default:
			parse_rc = -1;
			break;
		}
	}
	if (!parse_rc && optind != argc - 1) {
		fprintf(stderr, "fjord topic describe-config: expected exactly one topic NAME\n");
		return CLI_EXIT_USAGE;
	}
	if (!parse_rc && !ctx->zookeeper) {
		fprintf(stderr, "fjord topic describe-config: needs -z (topic configs are read "
		                "from ZooKeeper)\n");
		return CLI_EXIT_USAGE;
	}
	rc = cli_admin_begin(ctx, parse_rc, topic_config_usage, &fj);
	if (!fj)
		return rc;
	err = fjord_admin_describe_topic_config(fj, argv[optind], ctx->timeout_ms, &ents, &cnt,
	                                        errstr, sizeof(errstr));
	if (err == FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION) {
		fprintf(stderr, "fjord: topic '%s' does not exist\n", argv[optind]);
		rc = CLI_EXIT_ERROR;
		goto out;
	}
	if (err) {
		char what[300];

		snprintf(what, sizeof(what), "cannot describe the config of topic '%s'",
		         argv[optind]);
		cli_report_error(ctx, what, err, errstr);
		rc = CLI_EXIT_ERROR;
		goto out;
	}
	rc = CLI_EXIT_OK;
	if (format == CLI_FORMAT_JSON) {
		json_t *arr = json_array();

		for (i = 0; arr && i < cnt; i++) {
			json_t *o = json_object();

			json_object_set_new(o, "name", json_string(ents[i].name));
			json_object_set_new(o, "value", json_string(ents[i].value));
			json_object_set_new(o, "source",
			                    json_string(topic_config_source(ents[i].source)));
			json_object_set_new(o, "broker_setting",
			                    ents[i].broker_key ? json_string(ents[i].broker_key)
			                                       : json_null());
			json_array_append_new(arr, o);
		}
		if (cli_json_print(arr, 1, stdout) < 0) {
			fprintf(stderr, "fjord: cannot write JSON output\n");
			rc = CLI_EXIT_ERROR;
		}
	} else {
		struct cli_table *tab = cli_table_new(4, hdr);

		for (i = 0; i < cnt; i++) {
			const char *row[4] = { ents[i].name, ents[i].value,
				               topic_config_source(ents[i].source),
				               ents[i].broker_key ? ents[i].broker_key : "-" };
			cli_table_add(tab, row);
		}
		cli_table_print_free(tab, stdout);
	}
out:
	fjord_config_entries_destroy(ents, cnt);
	fjord_destroy(fj);
	return rc;
}
