/*
 * perf_consume.c — `fjord perf consume`: read N records from the beginning
 * of every partition of a topic and report throughput and latency.
 *
 * The clock runs from the assignment until the Nth record. Latency is
 * end-to-end: consumer wall clock minus the record's timestamp (ms precision,
 * so sub-millisecond values read as 0-1 ms). Consuming records produced long
 * before measures their age, not the pipeline: run it concurrently with
 * `perf produce` for a true end-to-end figure. A run that sees no new record
 * for --timeout ms fails (exit 1) and says how many it got.
 *
 * Main thread only: no callbacks are registered.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static void perf_consume_usage(FILE *out)
{
	fprintf(out, "Usage: fjord perf consume TOPIC --records N [OPTIONS]\n"
	             "\n"
	             "Reads N records from the beginning of every partition.\n"
	             "  -n, --records N            records to consume (required)\n"
	             "  -f, --format text|json     result format (default text)\n"
	             "  -h, --help                 print this help\n"
	             "Other consumer properties: fjord -X name=value perf consume ...\n"
	             "Stops with an error when no record arrives for --timeout ms.\n");
}

static int perf_consume_assign(fjord_t *fj, const fjord_metadata_topic_t *t)
{
	fjord_topic_partition_list_t *parts = fjord_topic_partition_list_new(t->partition_cnt);
	fjord_err_t err;
	int i;

	if (!parts) {
		fprintf(stderr, "fjord: out of memory\n");
		return -1;
	}
	for (i = 0; i < t->partition_cnt; i++)
		fjord_topic_partition_list_add(parts, t->topic, t->partitions[i].id)->offset =
		    FJORD_OFFSET_BEGINNING;
	err = fjord_assign(fj, parts);
	fjord_topic_partition_list_destroy(parts);
	if (err) {
		fprintf(stderr, "fjord: cannot assign partitions of '%s': %s\n", t->topic,
		        fjord_err2str(err));
		return -1;
	}
	return 0;
}

int cmd_perf_consume(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "records", required_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum cli_format format = CLI_FORMAT_TEXT;
	struct cli_perf_result res;
	fjord_metadata_t *md = NULL;
	struct cli_hist *hist = NULL;
	uint64_t got = 0, bytes = 0, last_done = 0;
	int64_t start_us, last_us, last_record_us, end_us;
	long long records = 0;
	fjord_t *fj = NULL;
	const char *topic;
	int c, rc = CLI_EXIT_ERROR;

	optind = 0;
	while ((c = getopt_long(argc, argv, "n:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (cli_parse_int(optarg, 1, INT64_MAX, &records) < 0) {
				fprintf(stderr, "fjord perf consume: invalid --records '%s'\n",
				        optarg);
				return CLI_EXIT_USAGE;
			}
			break;
		case 'f':
			if (cli_parse_format("perf consume", optarg, &format) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'h':
			perf_consume_usage(stdout);
			return CLI_EXIT_OK;
		default:
			perf_consume_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || !records) {
		fprintf(stderr, "fjord perf consume: expected TOPIC and --records N\n");
		perf_consume_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	topic = argv[optind];
	if (cli_check_cluster(ctx) < 0)
		return CLI_EXIT_USAGE;

	hist = cli_hist_new();
	if (!hist) {
		fprintf(stderr, "fjord: out of memory\n");
		goto out;
	}
	fj = cli_handle_new(ctx, FJORD_CONSUMER, cli_conf_new(ctx));
	if (!fj || cli_topic_metadata(ctx, fj, topic, &md) < 0)
		goto out;
	cli_signals_install();
	start_us = last_us = last_record_us = end_us = cli_now_us();
	if (perf_consume_assign(fj, &md->topics[0]) < 0)
		goto out;

	while (got < (uint64_t)records && !cli_stop_requested()) {
		fjord_message_t *m = fjord_consumer_poll(fj, 100);
		int64_t now = cli_now_us();

		cli_perf_progress("consume", start_us, &last_us, got, (uint64_t)records,
		                  &last_done);
		if (!m) {
			if (now - last_record_us > (int64_t)ctx->timeout_ms * 1000) {
				fprintf(stderr,
				        "fjord perf consume: no record for %d ms; got %llu of "
				        "%lld\n",
				        ctx->timeout_ms, (unsigned long long)got, records);
				break;
			}
			continue;
		}
		if (m->err) {
			if (m->err != FJORD_ERR__PARTITION_EOF)
				fprintf(stderr, "fjord perf consume: partition %d: %s\n",
				        (int)m->partition, fjord_err2str(m->err));
			if (m->err != FJORD_ERR__PARTITION_EOF && !fjord_err_is_retriable(m->err)) {
				fjord_message_destroy(m);
				break;
			}
			fjord_message_destroy(m);
			continue;
		}
		got++;
		bytes += m->key_len + m->value_len;
		if (m->timestamp >= 0)
			cli_hist_record(hist, (cli_wall_ms() - m->timestamp) * 1000);
		last_record_us = end_us = now;
		fjord_message_destroy(m);
	}

	res.mode = "consume";
	res.topic = topic;
	res.records = got;
	res.failed = 0;
	res.bytes = bytes;
	res.seconds = (double)(end_us - start_us) / 1e6;
	res.hist = hist;
	res.latency_kind = "end-to-end, record timestamp to consumer";
	if (cli_perf_report(&res, format) < 0) {
		fprintf(stderr, "fjord perf consume: cannot write the result\n");
		goto out;
	}
	if (got == (uint64_t)records)
		rc = CLI_EXIT_OK;
	else
		fprintf(stderr, "fjord perf consume: only %llu of %lld records consumed\n",
		        (unsigned long long)got, records);
out:
	if (md)
		fjord_metadata_destroy(md);
	if (fj)
		fjord_destroy(fj);
	cli_hist_free(hist);
	return rc;
}
