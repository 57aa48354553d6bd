/*
 * cmd_group_reset.c — `fjord group reset-offsets (GROUP | --all-groups)
 * (--topic T | --all-topics) <target> [--partition P] [--dry-run | --execute]`:
 * moves consumer groups' committed offsets, as kafka-consumer-groups.sh
 * --reset-offsets does.
 *
 * It always computes and prints the plan first (TOPIC PARTITION CURRENT NEW,
 * with a GROUP column under --all-groups; or JSON); --dry-run, the default,
 * stops there, and only --execute writes it (fjord_admin_alter_group_offsets,
 * one call per group). The SDK refuses a group with live members
 * (FJORD_ERR_NON_EMPTY_GROUP: a clear message and exit 1; under
 * --all-groups the other groups are still reset) since a member would
 * overwrite the reset with its next commit. A named group that does not
 * exist yet is fine: its offsets are created, so its first consumer starts
 * there.
 *
 * Scope: --topic T, or --all-topics: every topic of the group, i.e. those
 * `group describe` lists (committed offsets or owned partitions, Kafka's
 * meaning; a group with neither gets an empty plan).
 * GROUP, or --all-groups: every group fjord_admin_list_groups() knows.
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
	const char *group; /* NULL with --all-groups */
	const char *topic; /* NULL with --all-topics */
	int all_groups;
	int all_topics;
	long long partition; /* -1: every partition */
	enum reset_target target;
	long long value; /* offset, shift, or timestamp in ms */
	int execute;
	int dry_run; /* given explicitly (the default anyway) */
	enum cli_format format;
};

/* One group's plan: new offsets in plan, the current ones in cur[i]. */
struct reset_group_plan {
	const char *group;
	fjord_group_description_t *d; /* NULL: the group does not exist */
	fjord_topic_partition_list_t *plan;
	int64_t *cur;
	int cur_cap;
};

static void reset_usage(FILE *out)
{
	fprintf(out,
	        "Usage: fjord group reset-offsets (GROUP | --all-groups)\n"
	        "             (--topic TOPIC | --all-topics) TARGET [--partition P]\n"
	        "             [--dry-run | --execute] [--format text|json]\n"
	        "\n"
	        "Prints the plan (TOPIC PARTITION CURRENT NEW); applies it only with --execute,\n"
	        "which is refused while a group has live members. New offsets are clamped to\n"
	        "each partition's [log start, log end]. TARGET is one of:\n"
	        "      --to-earliest         the log start offset\n"
	        "      --to-latest           the log end offset (high watermark)\n"
	        "      --to-offset N         offset N\n"
	        "      --to-datetime TIME    first offset at or after TIME (log end when none):\n"
	        "                            epoch ms, or YYYY-MM-DDTHH:MM[:SS[.sss]] with Z,\n"
	        "                            +HH:MM, -HH:MM, +HHMM, or no zone (local time)\n"
	        "      --shift-by N          committed offset + N (N may be negative)\n"
	        "  -t, --topic TOPIC         the topic\n"
	        "      --all-topics          every topic of the group (those describe lists)\n"
	        "      --all-groups          every consumer group (instead of GROUP)\n"
	        "  -p, --partition P         only partition P (default: every partition)\n"
	        "      --dry-run             only print the plan (the default)\n"
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
	enum {
		O_EARLIEST = 256,
		O_LATEST,
		O_OFFSET,
		O_DATETIME,
		O_SHIFT,
		O_EXECUTE,
		O_DRY_RUN,
		O_ALL_GROUPS,
		O_ALL_TOPICS
	};
	static const struct option opts[] = {
		{ "topic", required_argument, NULL, 't' },
		{ "partition", required_argument, NULL, 'p' },
		{ "to-earliest", no_argument, NULL, O_EARLIEST },
		{ "to-latest", no_argument, NULL, O_LATEST },
		{ "to-offset", required_argument, NULL, O_OFFSET },
		{ "to-datetime", required_argument, NULL, O_DATETIME },
		{ "shift-by", required_argument, NULL, O_SHIFT },
		{ "execute", no_argument, NULL, O_EXECUTE },
		{ "dry-run", no_argument, NULL, O_DRY_RUN },
		{ "all-groups", no_argument, NULL, O_ALL_GROUPS },
		{ "all-topics", no_argument, NULL, O_ALL_TOPICS },
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
		case O_DRY_RUN:
			o->dry_run = 1;
			break;
		case O_ALL_GROUPS:
			o->all_groups = 1;
			break;
		case O_ALL_TOPICS:
			o->all_topics = 1;
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
	if (o->all_groups ? optind != argc : optind != argc - 1) {
		fprintf(stderr, "fjord group reset-offsets: %s\n",
		        o->all_groups ? "--all-groups takes no GROUP"
		                      : "expected exactly one GROUP (or --all-groups)");
		return -1;
	}
	if (!o->all_groups)
		o->group = argv[optind];
	if (!o->topic == !o->all_topics) {
		fprintf(stderr, "fjord group reset-offsets: give exactly one of --topic and "
		                "--all-topics\n");
		return -1;
	}
	if (o->all_topics && o->partition >= 0) {
		fprintf(stderr,
		        "fjord group reset-offsets: --partition needs --topic, not --all-topics\n");
		return -1;
	}
	if (o->execute && o->dry_run) {
		fprintf(stderr, "fjord group reset-offsets: --dry-run and --execute exclude each "
		                "other\n");
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

/* Appends the plan of one topic (mt) to gp. Returns 0 or -1 (printed). */
static int reset_plan(const struct cli_ctx *ctx, fjord_t *fj, const struct reset_opts *o,
                      const fjord_metadata_topic_t *mt, struct reset_group_plan *gp)
{
	const char *topic = mt->topic;
	int i;

	for (i = 0; i < mt->partition_cnt; i++) {
		int32_t p = mt->partitions[i].id;
		int64_t low, high, nw, cur;
		fjord_err_t err;
		char what[400];

		if (o->partition >= 0 && p != o->partition)
			continue;
		snprintf(what, sizeof(what), "offsets of %s/%d", topic, (int)p);
		err = fjord_query_watermark_offsets(fj, topic, p, &low, &high, ctx->timeout_ms);
		if (err) {
			cli_report_error(ctx, what, err, NULL);
			return -1;
		}
		cur = reset_current(gp->d, topic, p);
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
			nw = (cur >= 0 ? cur : low);
			nw = o->value < 0 && nw < -o->value ? 0 : nw + o->value;
			break;
		case RESET_DATETIME: {
			fjord_topic_partition_list_t *q = fjord_topic_partition_list_new(1);
			if (!q)
				return -1;
			fjord_topic_partition_list_add(q, topic, p)->offset = o->value;
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
		if (gp->plan->cnt >= gp->cur_cap) {
			int cap = gp->cur_cap ? gp->cur_cap * 2 : 16;
			int64_t *v = realloc(gp->cur, (size_t)cap * sizeof(*v));
			if (!v) {
				fprintf(stderr, "fjord: out of memory\n");
				return -1;
			}
			gp->cur = v;
			gp->cur_cap = cap;
		}
		gp->cur[gp->plan->cnt] = cur;
		fjord_topic_partition_list_add(gp->plan, topic, p)->offset = nw;
	}
	return 0;
}

/* Plans one topic of a group: checks it exists (and --partition), then
 * reset_plan. Returns 0 or -1 (printed). */
static int reset_plan_topic(const struct cli_ctx *ctx, fjord_t *fj, const struct reset_opts *o,
                            const char *topic, struct reset_group_plan *gp)
{
	fjord_metadata_t *md = NULL;
	int rc = -1;

	if (cli_topic_metadata(ctx, fj, topic, &md) < 0)
		return -1;
	if (o->partition >= md->topics[0].partition_cnt) {
		fprintf(stderr,
		        "fjord: topic '%s' has %d partition(s); partition %lld does not "
		        "exist\n",
		        topic, md->topics[0].partition_cnt, o->partition);
		goto out;
	}
	rc = reset_plan(ctx, fj, o, &md->topics[0], gp);
out:
	fjord_metadata_destroy(md);
	return rc;
}

/* Describes the group and plans every topic in scope. Returns 0 or -1. */
static int reset_plan_group(const struct cli_ctx *ctx, fjord_t *fj, const struct reset_opts *o,
                            struct reset_group_plan *gp)
{
	fjord_err_t err;
	int i;

	err = fjord_admin_describe_group(fj, gp->group, &gp->d, ctx->timeout_ms);
	if (err && err != FJORD_ERR_GROUP_ID_NOT_FOUND) {
		cli_report_error(ctx, "describe group", err, NULL);
		return -1;
	}
	gp->plan = fjord_topic_partition_list_new(8);
	if (!gp->plan) {
		fprintf(stderr, "fjord: out of memory\n");
		return -1;
	}
	if (o->topic)
		return reset_plan_topic(ctx, fj, o, o->topic, gp);
	/* --all-topics: the group's partitions come sorted by topic, so each
	 * topic is planned once, at its first partition. */
	for (i = 0; gp->d && i < gp->d->partition_cnt; i++) {
		const char *t = gp->d->partitions[i].topic;

		if (i > 0 && !strcmp(t, gp->d->partitions[i - 1].topic))
			continue;
		if (reset_plan_topic(ctx, fj, o, t, gp) < 0)
			return -1;
	}
	return 0;
}

static json_t *reset_plan_json(const struct reset_opts *o, const struct reset_group_plan *gp)
{
	json_t *a = json_array(), *obj = json_object();
	int i;

	for (i = 0; i < gp->plan->cnt; i++) {
		json_t *e = json_object();
		json_object_set_new(e, "topic", json_string(gp->plan->elems[i].topic));
		json_object_set_new(e, "partition", json_integer(gp->plan->elems[i].partition));
		json_object_set_new(e, "current", json_integer(gp->cur[i]));
		json_object_set_new(e, "new", json_integer(gp->plan->elems[i].offset));
		json_array_append_new(a, e);
	}
	json_object_set_new(obj, "group", json_string(gp->group));
	json_object_set_new(obj, "executed", json_boolean(o->execute));
	json_object_set_new(obj, "plan", a);
	return obj;
}

/* Prints every group's plan: one JSON object (one group) or an array of
 * them (--all-groups), or one table (a GROUP column under --all-groups). */
static int reset_print(const struct reset_opts *o, const struct reset_group_plan *gps, int n)
{
	static const char *const hdr[] = { "group", "topic", "partition", "current", "new" };
	struct cli_table *t;
	int g, i, skip = o->all_groups ? 0 : 1;

	if (o->format == CLI_FORMAT_JSON) {
		json_t *a;

		if (!o->all_groups)
			return cli_json_print(reset_plan_json(o, &gps[0]), 1, stdout);
		a = json_array();
		for (g = 0; g < n; g++)
			json_array_append_new(a, reset_plan_json(o, &gps[g]));
		return cli_json_print(a, 1, stdout);
	}
	t = cli_table_new(5 - skip, hdr + skip);
	if (!t)
		return -1;
	for (g = 0; g < n; g++) {
		const struct reset_group_plan *gp = &gps[g];

		for (i = 0; i < gp->plan->cnt; i++) {
			const char *row[5];
			char b[3][32];

			row[0] = gp->group;
			row[1] = gp->plan->elems[i].topic;
			snprintf(b[0], sizeof(b[0]), "%d", (int)gp->plan->elems[i].partition);
			if (gp->cur[i] >= 0)
				snprintf(b[1], sizeof(b[1]), "%lld", (long long)gp->cur[i]);
			else
				snprintf(b[1], sizeof(b[1]), "-");
			snprintf(b[2], sizeof(b[2]), "%lld", (long long)gp->plan->elems[i].offset);
			row[2] = b[0];
			row[3] = b[1];
			row[4] = b[2];
			cli_table_add(t, row + skip);
		}
	}
	cli_table_print_free(t, stdout);
	return 0;
}

/* Applies one group's plan. Returns 0 or -1 (printed). */
static int reset_execute(const struct cli_ctx *ctx, fjord_t *fj, const struct reset_group_plan *gp)
{
	char errstr[512] = "";
	fjord_err_t err;

	if (!gp->plan->cnt) {
		fprintf(stderr, "fjord: group '%s': nothing to reset\n", gp->group);
		return 0;
	}
	err = fjord_admin_alter_group_offsets(fj, gp->group, gp->plan, ctx->timeout_ms, errstr,
	                                      sizeof(errstr));
	if (err == FJORD_ERR_NON_EMPTY_GROUP) {
		fprintf(stderr, "fjord: cannot reset the offsets of group '%s': %s\n", gp->group,
		        errstr);
		return -1;
	}
	if (err) {
		char what[400];

		snprintf(what, sizeof(what), "reset offsets of group '%s'", gp->group);
		cli_report_error(ctx, what, err, errstr);
		return -1;
	}
	fprintf(stderr, "fjord: offsets of group '%s' reset (%d partition(s))\n", gp->group,
	        gp->plan->cnt);
	return 0;
}

int cmd_group_reset(struct cli_ctx *ctx, int argc, char **argv)
{
	struct reset_opts o;
	struct reset_group_plan *gps = NULL;
	char **groups = NULL;
	int group_cnt = 0, n = 0, g, live = 0, failed = 0;
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
	if (o.all_groups) {
		err = fjord_admin_list_groups(fj, &groups, &group_cnt, ctx->timeout_ms);
		if (err) {
			cli_report_error(ctx, "list groups", err, NULL);
			goto out;
		}
	}
	n = o.all_groups ? group_cnt : 1;
	gps = calloc((size_t)n + 1, sizeof(*gps));
	if (!gps) {
		fprintf(stderr, "fjord: out of memory\n");
		goto out;
	}
	for (g = 0; g < n; g++) {
		gps[g].group = o.all_groups ? groups[g] : o.group;
		if (reset_plan_group(ctx, fj, &o, &gps[g]) < 0)
			goto out;
		if (gps[g].d && gps[g].d->member_cnt)
			live++;
	}
	if (reset_print(&o, gps, n) < 0)
		goto out;
	fflush(stdout);
	if (!o.execute) {
		fprintf(stderr, "fjord: dry run%s: nothing changed; add --execute to apply\n",
		        live ? (o.all_groups
		                    ? " (and some groups have live members: stop them first)"
		                    : " (and the group has live members: stop them first)")
		             : "");
		rc = CLI_EXIT_OK;
		goto out;
	}
	for (g = 0; g < n; g++)
		if (reset_execute(ctx, fj, &gps[g]) < 0)
			failed++;
	rc = failed ? CLI_EXIT_ERROR : CLI_EXIT_OK;
out:
	for (g = 0; gps && g < n; g++) {
		free(gps[g].cur);
		if (gps[g].plan)
			fjord_topic_partition_list_destroy(gps[g].plan);
		fjord_group_description_destroy(gps[g].d);
	}
	free(gps);
	if (groups)
		fjord_admin_group_list_destroy(groups, group_cnt);
	fjord_destroy(fj);
	return rc;
}
