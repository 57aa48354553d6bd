/*
 * cmd_leader_election.c — `fjord leader-election --preferred`: moving
 * leadership back to the preferred replicas, as Kafka's
 * kafka-leader-election.sh --election-type preferred.
 *
 * What: one SDK call (fjord_admin_elect_preferred_leaders) writes the plan
 * /admin/preferred_replica_election for the chosen partitions (one
 * partition, one topic, or every partition of every topic) and waits, bounded
 * by --timeout, for the controller; then one line per partition says what
 * happened: elected, already-preferred or not-elected (with the leader that
 * stayed). Exit 0 when every partition is led by its preferred replica, 1
 * otherwise (also when the controller did not act in time). Only the
 * preferred election exists (fjord has no unclean election on request):
 * --preferred (or --election-type preferred) must be given, as Kafka's tool
 * requires --election-type.
 *
 * Thread: main thread only. Everything is freed before returning.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static void election_usage(FILE *out)
{
	fprintf(out, "Usage: fjord leader-election --preferred --topic T [--partition P]\n"
	             "       fjord leader-election --preferred --all-topic-partitions\n"
	             "\n"
	             "Moves each partition's leadership back to its preferred replica (the\n"
	             "first of its replicas) and prints the outcome per partition; waits up to\n"
	             "--timeout for the controller. Needs -z.\n"
	             "  -P, --preferred             preferred leader election (the only kind;\n"
	             "      --election-type preferred  is the same, as in Kafka's tool)\n"
	             "  -t, --topic T               the partitions of topic T\n"
	             "  -p, --partition P           only partition P of --topic\n"
	             "  -a, --all-topic-partitions  every partition of every topic\n"
	             "  -f, --format text|json      output format (default text)\n"
	             "  -h, --help                  print this help\n");
}

static int election_print(const fjord_election_result_t *res, int cnt, enum cli_format format)
{
	static const char *const hdr[] = { "topic", "partition", "outcome", "leader", "preferred" };
	struct cli_table *tab;
	json_t *arr;
	int i;

	if (format == CLI_FORMAT_JSON) {
		arr = json_array();
		for (i = 0; arr && i < cnt; i++) {
			json_t *o = json_object();

			json_object_set_new(o, "topic", json_string(res[i].topic));
			json_object_set_new(o, "partition", json_integer(res[i].partition));
			json_object_set_new(
			    o, "outcome", json_string(fjord_election_outcome_name(res[i].outcome)));
			json_object_set_new(o, "leader", json_integer(res[i].leader));
			json_object_set_new(o, "preferred", json_integer(res[i].preferred));
			json_array_append_new(arr, o);
		}
		return cli_json_print(arr, 1, stdout);
	}
	tab = cli_table_new(5, hdr);
	for (i = 0; i < cnt; i++) {
		char part[16], leader[16], pref[16];
		const char *row[5] = { res[i].topic, part,
			               fjord_election_outcome_name(res[i].outcome), leader, pref };

		snprintf(part, sizeof(part), "%d", (int)res[i].partition);
		if (res[i].leader < 0)
			snprintf(leader, sizeof(leader), "none");
		else
			snprintf(leader, sizeof(leader), "%d", (int)res[i].leader);
		snprintf(pref, sizeof(pref), "%d", (int)res[i].preferred);
		cli_table_add(tab, row);
	}
	cli_table_print_free(tab, stdout);
	return 0;
}

int cmd_leader_election(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "preferred", no_argument, NULL, 'P' },
		{ "election-type", required_argument, NULL, 'e' },
		{ "topic", required_argument, NULL, 't' },
		{ "partition", required_argument, NULL, 'p' },
		{ "all-topic-partitions", no_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum cli_format format = CLI_FORMAT_TEXT;
	fjord_topic_partition_list_t *parts = NULL;
	fjord_election_result_t *res = NULL;
	int c, i, cnt = 0, preferred = 0, all = 0, parse_rc = 0, rc;
	long long partition = -1;
	const char *topic = NULL;
	fjord_metadata_t *md = NULL;
	char errstr[512] = "";
	fjord_t *fj = NULL;
	fjord_err_t err;

	optind = 0;
	while (!parse_rc && (c = getopt_long(argc, argv, "Pt:p:af:h", opts, NULL)) != -1) {
		switch (c) {
		case 'P':
			preferred = 1;
			break;
		case 'e':
			if (strcasecmp(optarg, "preferred")) {
				fprintf(stderr,
				        "fjord leader-election: --election-type '%s' is not "
				        "supported (only preferred)\n",
				        optarg);
				return CLI_EXIT_USAGE;
			}
			preferred = 1;
			break;
		case 't':
			topic = optarg;
			break;
		case 'p':
			if (cli_parse_int(optarg, 0, INT32_MAX, &partition) < 0) {
				fprintf(stderr, "fjord leader-election: invalid partition '%s'\n",
				        optarg);
				return CLI_EXIT_USAGE;
			}
			break;
		case 'a':
			all = 1;
			break;
		case 'f':
			if (cli_parse_format("fjord leader-election", optarg, &format) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'h':
			election_usage(stdout);
			return CLI_EXIT_OK;
		default:
			parse_rc = -1;
			break;
		}
	}
	if (!parse_rc && optind != argc) {
		fprintf(stderr, "fjord leader-election: unexpected argument '%s'\n", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	if (!parse_rc && !preferred) {
		fprintf(stderr, "fjord leader-election: --preferred is required (the only "
		                "election type)\n");
		return CLI_EXIT_USAGE;
	}
	if (!parse_rc && partition >= 0 && !topic) {
		fprintf(stderr, "fjord leader-election: --partition needs --topic\n");
		return CLI_EXIT_USAGE;
	}
	if (!parse_rc && !!topic == !!all) {
		fprintf(stderr, "fjord leader-election: give --topic T or --all-topic-partitions "
		                "(one of them)\n");
		return CLI_EXIT_USAGE;
	}
	if (!parse_rc && !ctx->zookeeper) {
		fprintf(stderr, "fjord leader-election: needs -z (the election is written to "
		                "ZooKeeper)\n");
		return CLI_EXIT_USAGE;
	}
	rc = cli_admin_begin(ctx, parse_rc, election_usage, &fj);
	if (!fj)
		return rc;
	rc = CLI_EXIT_ERROR;
	if (topic) {
		const fjord_metadata_topic_t *t;

		if (cli_topic_metadata(ctx, fj, topic, &md) < 0)
			goto out;
		t = &md->topics[0];
		if (partition >= t->partition_cnt) {
			fprintf(stderr,
			        "fjord leader-election: topic '%s' has %d partition(s); partition "
			        "%lld does not exist\n",
			        topic, t->partition_cnt, partition);
			goto out;
		}
		parts = fjord_topic_partition_list_new(t->partition_cnt);
		if (!parts) {
			fprintf(stderr, "fjord: out of memory\n");
			goto out;
		}
		for (i = 0; i < t->partition_cnt; i++)
			if (partition < 0 || t->partitions[i].id == partition)
				fjord_topic_partition_list_add(parts, topic, t->partitions[i].id);
	}
	err = fjord_admin_elect_preferred_leaders(fj, parts, ctx->timeout_ms, &res, &cnt, errstr,
	                                          sizeof(errstr));
	if (err && err != FJORD_ERR__TIMED_OUT) {
		cli_report_error(ctx, "cannot run the preferred leader election", err, errstr);
		goto out;
	}
	if (election_print(res, cnt, format) < 0) {
		fprintf(stderr, "fjord: cannot write the output\n");
		goto out;
	}
	if (err) {
		fprintf(stderr, "fjord leader-election: %s\n", errstr);
		goto out;
	}
	rc = CLI_EXIT_OK;
	for (i = 0; i < cnt; i++) {
		if (res[i].outcome == FJORD_ELECTION_NOT_ELECTED) {
			fprintf(stderr,
			        "fjord leader-election: %s-%d: preferred replica %d was not "
			        "elected (leader %d): is it down or out of the ISR?\n",
			        res[i].topic, (int)res[i].partition, (int)res[i].preferred,
			        (int)res[i].leader);
			rc = CLI_EXIT_ERROR;
		}
	}
out:
	fjord_election_results_destroy(res, cnt);
	if (parts)
		fjord_topic_partition_list_destroy(parts);
	if (md)
		fjord_metadata_destroy(md);
	fjord_destroy(fj);
	return rc;
}
