/*
 * cmd_offsets.c — `fjord offsets TOPIC [-p P] [--time earliest|latest|TIME]`:
 * the offsets of a topic's partitions, as Kafka's kafka-get-offsets.sh
 * (GetOffsetShell) prints them.
 *
 * What: per partition (every partition, or only -p P), the log start offset
 * (earliest), the high watermark (latest, the default) or the first offset
 * whose timestamp is >= TIME (ms since the epoch; -1 when no record is that
 * late), asked of each partition's leader through the SDK
 * (fjord_query_watermark_offsets, fjord_offsets_for_times). Text output is
 * Kafka's `topic:partition:offset` lines; --format json an array of objects.
 * A partition without a leader has no answer: it is named on stderr, the
 * others are still printed, and the exit code is 1.
 *
 * Thread: main thread only. Everything is freed before returning.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

#define OFFSETS_EARLIEST (-2)
#define OFFSETS_LATEST (-1)

static void offsets_usage(FILE *out)
{
	fprintf(out, "Usage: fjord offsets TOPIC [-p PARTITION] [--time earliest|latest|TIME]\n"
	             "                           [--format text|json]\n"
	             "\n"
	             "Prints TOPIC:PARTITION:OFFSET per partition (kafka-get-offsets).\n"
	             "  -p, --partition N        only partition N (default: every partition)\n"
	             "  -t, --time WHEN          earliest (log start offset), latest (high\n"
	             "                           watermark, the default), or TIME (ms since the\n"
	             "                           epoch, or 2026-12-08T10:00:00Z, +01:00, local):\n"
	             "                           the first offset whose timestamp is >= TIME\n"
	             "                           (-1: no record that late)\n"
	             "  -f, --format text|json   output format (default text)\n"
	             "  -h, --help               print this help\n");
}

/* Parses --time into *whenp: OFFSETS_EARLIEST, OFFSETS_LATEST or ms >= 0
 * (cli_parse_time's forms). Returns 0 or -1 with errstr. */
static int offsets_parse_time(const char *s, long long *whenp, char *errstr, size_t n)
{
	int64_t ms = 0;

	if (!strcmp(s, "earliest") || !strcmp(s, "-2")) {
		*whenp = OFFSETS_EARLIEST;
		return 0;
	}
	if (!strcmp(s, "latest") || !strcmp(s, "-1")) {
		*whenp = OFFSETS_LATEST;
		return 0;
	}
	if (cli_parse_time(s, &ms, errstr, n) < 0)
		return -1;
	*whenp = ms;
	return 0;
}

/* Looks up one partition's offset. Returns the SDK's error. */
static fjord_err_t offsets_one(const struct cli_ctx *ctx, fjord_t *fj, const char *topic,
                               int32_t partition, long long when, int64_t *offsetp)
{
	fjord_topic_partition_list_t *parts;
	int64_t low = -1, high = -1;
	fjord_err_t err;

	if (when < 0) {
		err = fjord_query_watermark_offsets(fj, topic, partition, &low, &high,
		                                    ctx->timeout_ms);
		*offsetp = when == OFFSETS_EARLIEST ? low : high;
		return err;
	}
	parts = fjord_topic_partition_list_new(1);
	if (!parts)
		return FJORD_ERR__FAIL;
	fjord_topic_partition_list_add(parts, topic, partition)->offset = when;
	err = fjord_offsets_for_times(fj, parts, ctx->timeout_ms);
	if (!err)
		err = parts->elems[0].err;
	*offsetp = parts->elems[0].offset;
	fjord_topic_partition_list_destroy(parts);
	return err;
}

int cmd_offsets(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "partition", required_argument, NULL, 'p' },
		{ "time", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum cli_format format = CLI_FORMAT_TEXT;
	long long partition = -1, when = OFFSETS_LATEST;
	char errstr[256];
	int c, i, rc = CLI_EXIT_OK, parse_rc = 0;
	fjord_metadata_t *md = NULL;
	const fjord_metadata_topic_t *t;
	const char *topic = NULL;
	json_t *arr = NULL;
	fjord_t *fj = NULL;

	optind = 0;
	while (!parse_rc && (c = getopt_long(argc, argv, "p:t:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (cli_parse_int(optarg, 0, INT32_MAX, &partition) < 0) {
				fprintf(stderr, "fjord offsets: invalid partition '%s'\n", optarg);
				return CLI_EXIT_USAGE;
			}
			break;
		case 't':
			if (offsets_parse_time(optarg, &when, errstr, sizeof(errstr)) < 0) {
				fprintf(stderr,
				        "fjord offsets: invalid --time '%s' (earliest, latest or "
				        "a time: %s)\n",
				        optarg, errstr);
				return CLI_EXIT_USAGE;
			}
			break;
		case 'f':
			if (cli_parse_format("fjord offsets", optarg, &format) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'h':
			parse_rc = 1;
			break;
		default:
			parse_rc = -1;
			break;
		}
	}
	if (!parse_rc && optind != argc - 1) {
		fprintf(stderr, "fjord offsets: expected exactly one TOPIC\n");
		parse_rc = -1;
	}
	if (parse_rc > 0)
		offsets_usage(stdout);
	rc = cli_admin_begin(ctx, parse_rc, offsets_usage, &fj);
	if (!fj)
		return parse_rc > 0 ? CLI_EXIT_OK : rc;
	topic = argv[optind];
	if (cli_topic_metadata(ctx, fj, topic, &md) < 0) {
		rc = CLI_EXIT_ERROR;
		goto out;
	}
	t = &md->topics[0];
	if (partition >= t->partition_cnt) {
		fprintf(stderr,
		        "fjord offsets: topic '%s' has %d partition(s); partition %lld "
		        "does not exist\n",
		        topic, t->partition_cnt, partition);
		rc = CLI_EXIT_ERROR;
		goto out;
	}
	if (format == CLI_FORMAT_JSON)
		arr = json_array();
	for (i = 0; i < t->partition_cnt; i++) {
		int32_t p = t->partitions[i].id;
		int64_t offset = -1;
		fjord_err_t err;

		if (partition >= 0 && p != partition)
			continue;
		err = offsets_one(ctx, fj, topic, p, when, &offset);
		if (err) {
			char what[300];

			snprintf(what, sizeof(what), "offset of %s:%d", topic, (int)p);
			cli_report_error(ctx, what, err, NULL);
			rc = CLI_EXIT_ERROR;
			continue;
		}
		if (arr) {
			json_t *o = json_object();

			json_object_set_new(o, "topic", json_string(topic));
			json_object_set_new(o, "partition", json_integer(p));
			json_object_set_new(o, "offset", json_integer(offset));
			json_array_append_new(arr, o);
		} else {
			printf("%s:%d:%lld\n", topic, (int)p, (long long)offset);
		}
	}
	if (arr && cli_json_print(arr, 1, stdout) < 0) {
		fprintf(stderr, "fjord: cannot write JSON output\n");
		rc = CLI_EXIT_ERROR;
	}
out:
	if (md)
		fjord_metadata_destroy(md);
	fjord_destroy(fj);
	return rc;
}
