/*
 * cmd_group_reset.c — `fjord group reset-offsets GROUP --topic T <target>
 * [--partition P] [--execute]`: moves a consumer group's committed offsets.
 *
 * It always prints the plan first (TOPIC PARTITION CURRENT NEW, or JSON);
 * only with --execute does it write it (fjord_admin_alter_group_offsets),
 * and the SDK refuses while the group has live members (FJORD_ERR_NON_EMPTY_GROUP:
 * a clear message, exit 1) since a member would overwrite the reset with its
 * next commit. A group that does not exist yet is fine: its offsets are
 * created, so its first consumer starts there.
 *
 * Targets, each clamped to the partition's [log start, high watermark] as
 * Kafka's tool does:
 *   --to-earliest    the log start offset
 *   --to-latest      the high watermark (only new records)
 *   --to-offset N    N
 *   --to-datetime T  the first offset whose timestamp is >= T (cli_parse_time:
 *                    epoch ms or ISO 8601 with a zone, else local time); the
 *                    high watermark when none
 *   --shift-by N     the committed offset + N (negative: back); from the log
 *                    start when nothing is committed
 * Main thread only; everything is freed before returning.
 */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

enum reset_target {
	RESET_NONE,
	RESET_EARLIEST,
	RESET_LATEST,
	RESET_OFFSET,
	RESET_DATETIME,
	RESET_SHIFT
};

struct reset_opts {
	const char *group;
	const char *topic;
	long long partition; /* -1: every partition */
	enum reset_target target;
	long long value; /* offset, shift, or timestamp in ms */
	int execute;
	enum cli_format format;
};

static void reset_usage(FILE *out)
{
	fprintf(out,
	        "Usage: fjord group reset-offsets GROUP --topic TOPIC TARGET [--partition P]\n"
	        "             [--execute] [--format text|json]\n"
	        "\n"
	        "Prints the plan (TOPIC PARTITION CURRENT NEW); applies it only with --execute,\n"
	        "which is refused while the group has live members. New offsets are clamped to\n"
	        "each partition's [log start, log end]. TARGET is one of:\n"
	        "      --to-earliest         the log start offset\n"
	        "      --to-latest           the log end offset (high watermark)\n"
	        "      --to-offset N         offset N\n"
	        "      --to-datetime TIME    first offset at or after TIME (log end when none):\n"
	        "                            epoch ms, or YYYY-MM-DDTHH:MM[:SS[.sss]] with Z,\n"
	        "                            +HH:MM, -HH:MM, +HHMM, or no zone (local time)\n"
	        "      --shift-by N          committed offset + N (N may be negative)\n"
	        "  -t, --topic TOPIC         the topic (required)\n"
	        "  -p, --partition P         only partition P (default: every partition)\n"
	        "      --execute             apply the plan\n"
	        "  -f, --format text|json    output format of the plan\n"
	        "  -h, --help                print this help\n");
}

/* Parses --to-datetime with the CLI's one time parser (timeparse.c): epoch
 * ms or ISO 8601 with a zone or local time. Returns 0, or -1 after printing
 * why. */
static int reset_parse_datetime(const char *s, long long *ms)
{
	char errstr[512];
	int64_t v;

	if (cli_parse_time(s, &v, errstr, sizeof(errstr)) < 0) {
		fprintf(stderr, "fjord group reset-offsets: --to-datetime: %s\n", errstr);
		return -1;
	}
	*ms = v;
	return 0;
}

static int reset_set_target(struct reset_opts *o, enum reset_target t)
{
	if (o->target != RESET_NONE) {
		fprintf(stderr, "fjord group reset-offsets: give exactly one of --to-earliest, "
		                "--to-latest, --to-offset, --to-datetime, --shift-by\n");
		return -1;
	}
	o->target = t;
	return 0;
}

/* Returns 0, 1 after --help, -1 on a usage error (printed). */
static int reset_parse(int argc, char **argv, struct reset_opts *o)
{
	enum { O_EARLIEST = 256, O_LATEST, O_OFFSET, O_DATETIME, O_SHIFT, O_EXECUTE };
	static const struct option opts[] = {
		{ "topic", required_argument, NULL, 't' },
		{ "partition", required_argument, NULL, 'p' },
		{ "to-earliest", no_argument, NULL, O_EARLIEST },
		{ "to-latest", no_argument, NULL, O_LATEST },
		{ "to-offset", required_argument, NULL, O_OFFSET },
		{ "to-datetime", required_argument, NULL, O_DATETIME },
		{ "shift-by", required_argument, NULL, O_SHIFT },
		{ "execute", no_argument, NULL, O_EXECUTE },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->partition = -1;
	optind = 0;
	while ((c = getopt_long(argc, argv, "t:p:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			o->topic = optarg;
			break;
		case 'p':
			if (cli_parse_int(optarg, 0, INT32_MAX, &o->partition) < 0) {
				fprintf(stderr,
				        "fjord group reset-offsets: invalid partition '%s'\n",
				        optarg);
				return -1;
			}
			break;
		case O_EARLIEST:
		case O_LATEST:
			if (reset_set_target(o, c == O_EARLIEST ? RESET_EARLIEST : RESET_LATEST) <
			    0)
				return -1;
			break;
		case O_OFFSET:
			if (reset_set_target(o, RESET_OFFSET) < 0)
				return -1;
			if (cli_parse_int(optarg, 0, INT64_MAX, &o->value) < 0) {
				fprintf(stderr, "fjord group reset-offsets: invalid offset '%s'\n",
				        optarg);
				return -1;
			}
			break;
		case O_DATETIME:
			if (reset_set_target(o, RESET_DATETIME) < 0)
				return -1;
			if (reset_parse_datetime(optarg, &o->value) < 0)
				return -1;
			break;
		case O_SHIFT:
			if (reset_set_target(o, RESET_SHIFT) < 0)
				return -1;
			if (cli_parse_int(optarg, -INT64_MAX, INT64_MAX, &o->value) < 0) {
				fprintf(stderr,
				        "fjord group reset-offsets: invalid --shift-by '%s'\n",
				        optarg);
				return -1;
			}
			break;
		case O_EXECUTE:
			o->execute = 1;
			break;
		case 'f':
			if (cli_parse_format("group reset-offsets", optarg, &o->format) < 0)
				return -1;
			break;
		case 'h':
			reset_usage(stdout);
			return 1;
		default:
			return -1;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "fjord group reset-offsets: expected exactly one GROUP\n");
		return -1;
	}
	o->group = argv[optind];
	if (!o->topic) {
		fprintf(stderr, "fjord group reset-offsets: --topic is required\n");
		return -1;
	}
	if (o->target == RESET_NONE) {
		fprintf(stderr, "fjord group reset-offsets: a target is required (--to-earliest, "
		                "--to-latest, --to-offset, --to-datetime or --shift-by)\n");
		return -1;
	}
	return 0;
}

/* The group's committed offset of topic/partition from a description
 * (-1 when none, or when the group does not exist: d NULL). */
static int64_t reset_current(const fjord_group_description_t *d, const char *topic,
                             int32_t partition)
{
	int i;
	for (i = 0; d && i < d->partition_cnt; i++)
		if (d->partitions[i].partition == partition &&
		    !strcmp(d->partitions[i].topic, topic))
			return d->partitions[i].committed;
	return -1;
}

/* Computes the plan into plan (offset = new offset, opaque unused) and cur
 * (current committed). Returns 0 or -1 (printed). */
static int reset_plan(const struct cli_ctx *ctx, fjord_t *fj, const struct reset_opts *o,
                      const fjord_metadata_topic_t *mt, const fjord_group_description_t *d,
                      fjord_topic_partition_list_t *plan, int64_t *cur)
{
	int i;

	for (i = 0; i < mt->partition_cnt; i++) {
		int32_t p = mt->partitions[i].id;
		int64_t low, high, nw;
		fjord_err_t err;
		char what[400];

		if (o->partition >= 0 && p != o->partition)
			continue;
		snprintf(what, sizeof(what), "offsets of %s/%d", o->topic, (int)p);
		err = fjord_query_watermark_offsets(fj, o->topic, p, &low, &high, ctx->timeout_ms);
		if (err) {
			cli_report_error(ctx, what, err, NULL);
			return -1;
		}
		cur[plan->cnt] = reset_current(d, o->topic, p);
		switch (o->target) {
		case RESET_EARLIEST:
			nw = low;
			break;
		case RESET_LATEST:
			nw = high;
			break;
		case RESET_OFFSET:
			nw = o->value;
			break;
		case RESET_SHIFT:
			nw = (cur[plan->cnt] >= 0 ? cur[plan->cnt] : low);
			nw = o->value < 0 && nw < -o->value ? 0 : nw + o->value;
			break;
		case RESET_DATETIME: {
			fjord_topic_partition_list_t *q = fjord_topic_partition_list_new(1);
			if (!q)
				return -1;
			fjord_topic_partition_list_add(q, o->topic, p)->offset = o->value;
			err = fjord_offsets_for_times(fj, q, ctx->timeout_ms);
			if (!err)
				err = q->elems[0].err;
			nw = q->elems[0].offset < 0 ? high : q->elems[0].offset;
			fjord_topic_partition_list_destroy(q);
			if (err) {
				cli_report_error(ctx, what, err, NULL);
				return -1;
			}
			break;
		}
		default:
			return -1;
		}
		if (nw < low)
			nw = low;
		if (nw > high)
			nw = high;
		fjord_topic_partition_list_add(plan, o->topic, p)->offset = nw;
	}
	return 0;
}

static int reset_print(const struct reset_opts *o, const fjord_topic_partition_list_t *plan,
                       const int64_t *cur)
{
	int i;

	if (o->format == CLI_FORMAT_JSON) {
		json_t *a = json_array(), *obj = json_object();
		for (i = 0; i < plan->cnt; i++) {
			json_t *e = json_object();
			json_object_set_new(e, "topic", json_string(plan->elems[i].topic));
			json_object_set_new(e, "partition", json_integer(plan->elems[i].partition));
			json_object_set_new(e, "current", json_integer(cur[i]));
			json_object_set_new(e, "new", json_integer(plan->elems[i].offset));
			json_array_append_new(a, e);
		}
		json_object_set_new(obj, "group", json_string(o->group));
		json_object_set_new(obj, "executed", json_boolean(o->execute));
		json_object_set_new(obj, "plan", a);
		return cli_json_print(obj, 1, stdout);
	} else {
		static const char *const hdr[] = { "topic", "partition", "current", "new" };
		struct cli_table *t = cli_table_new(4, hdr);
		char b[3][32];
		if (!t)
			return -1;
		for (i = 0; i < plan->cnt; i++) {
			const char *row[4];
			row[0] = plan->elems[i].topic;
			snprintf(b[0], sizeof(b[0]), "%d", (int)plan->elems[i].partition);
			if (cur[i] >= 0)
				snprintf(b[1], sizeof(b[1]), "%lld", (long long)cur[i]);
			else
				snprintf(b[1], sizeof(b[1]), "-");
			snprintf(b[2], sizeof(b[2]), "%lld", (long long)plan->elems[i].offset);
			row[1] = b[0];
			row[2] = b[1];
			row[3] = b[2];
			cli_table_add(t, row);
		}
		cli_table_print_free(t, stdout);
	}
	return 0;
}

int cmd_group_reset(struct cli_ctx *ctx, int argc, char **argv)
{
	struct reset_opts o;
	fjord_group_description_t *d = NULL;
	fjord_topic_partition_list_t *plan = NULL;
	fjord_metadata_t *md = NULL;
	int64_t *cur = NULL;
	char errstr[512] = "";
	fjord_err_t err;
	fjord_t *fj;
	int rc;

	memset(&o, 0, sizeof(o));
	rc = reset_parse(argc, argv, &o);
	if (rc) {
		if (rc < 0)
			reset_usage(stderr);
		return rc < 0 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}
	if (cli_check_cluster(ctx) < 0)
		return CLI_EXIT_USAGE;
	fj = cli_group_handle(ctx, "group reset-offsets");
	if (!fj)
		return ctx->zookeeper ? CLI_EXIT_ERROR : CLI_EXIT_USAGE;
	rc = CLI_EXIT_ERROR;
	if (cli_topic_metadata(ctx, fj, o.topic, &md) < 0)
		goto out;
	if (o.partition >= md->topics[0].partition_cnt) {
		fprintf(stderr,
		        "fjord: topic '%s' has %d partition(s); partition %lld does not "
		        "exist\n",
		        o.topic, md->topics[0].partition_cnt, o.partition);
		goto out;
	}
	err = fjord_admin_describe_group(fj, o.group, &d, ctx->timeout_ms);
	if (err && err != FJORD_ERR_GROUP_ID_NOT_FOUND) {
		cli_report_error(ctx, "describe group", err, NULL);
		goto out;
	}
	plan = fjord_topic_partition_list_new(md->topics[0].partition_cnt);
	cur = calloc((size_t)md->topics[0].partition_cnt + 1, sizeof(*cur));
	if (!plan || !cur) {
		fprintf(stderr, "fjord: out of memory\n");
		goto out;
	}
	if (reset_plan(ctx, fj, &o, &md->topics[0], d, plan, cur) < 0)
		goto out;
	if (reset_print(&o, plan, cur) < 0)
		goto out;
	fflush(stdout);
	if (!o.execute) {
		fprintf(stderr, "fjord: dry run%s: nothing changed; add --execute to apply\n",
		        d && d->member_cnt ? " (and the group has live members: stop them first)"
		                           : "");
		rc = CLI_EXIT_OK;
		goto out;
	}
	err = fjord_admin_alter_group_offsets(fj, o.group, plan, ctx->timeout_ms, errstr,
	                                      sizeof(errstr));
	if (err == FJORD_ERR_NON_EMPTY_GROUP) {
		fprintf(stderr, "fjord: cannot reset the offsets of group '%s': %s\n", o.group,
		        errstr);
		goto out;
	}
	if (err) {
		cli_report_error(ctx, "reset offsets", err, errstr);
		goto out;
	}
	fprintf(stderr, "fjord: offsets of group '%s' reset (%d partition(s))\n", o.group,
	        plan->cnt);
	rc = CLI_EXIT_OK;
out:
	free(cur);
	if (plan)
		fjord_topic_partition_list_destroy(plan);
	fjord_group_description_destroy(d);
	if (md)
		fjord_metadata_destroy(md);
	fjord_destroy(fj);
	return rc;
}
