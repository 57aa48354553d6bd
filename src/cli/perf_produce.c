/*
 * perf_produce.c — `fjord perf produce`: produce N records of B bytes as
 * fast as the producer accepts them and report throughput and latency.
 *
 * Every record carries the same pseudo-random printable payload (null key,
 * partitioner's sticky choice), so compressed runs compress across records as
 * a real repetitive workload would. The clock runs from the first produce
 * call until the last delivery report; throughput counts acknowledged records
 * only. --throughput N caps the produce rate at N records/s (as Kafka's
 * producer perf test does; -1, the default, is no cap): record i is not
 * produced before start + i/N s (cli_perf_throttle), so a run that falls
 * behind catches up in a burst rather than lowering the average. Latency is the SDK's latency_us of
 * each delivery report (produce() call to acknowledgement), so it includes time spent queued and
 * lingering.
 *
 * Threads: the main thread produces; perf_produce_dr_cb runs on the SDK
 * callback thread and touches only struct perf_produce_state: atomics, and
 * the histogram plus first-error text under `lock`. The main thread reads the
 * histogram only after fjord_close() has served every delivery report.
 */
#include "config.h"

#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

struct perf_produce_state {
	atomic_ullong acked;
	atomic_ullong failed;
	pthread_mutex_t lock;
	struct cli_hist *hist; /* under lock */
	char first_error[512]; /* under lock */
};

static void perf_produce_usage(FILE *out)
{
	fprintf(out, "Usage: fjord perf produce TOPIC --records N --record-size B [OPTIONS]\n"
	             "\n"
	             "  -n, --records N            records to produce (required)\n"
	             "  -s, --record-size B        value size in bytes (required)\n"
	             "  -a, --acks 0|1|all         acknowledgements (default: SDK's)\n"
	             "  -B, --batch-size BYTES     producer batch.size\n"
	             "  -l, --linger-ms MS         producer linger.ms\n"
	             "  -c, --compression CODEC    none, gzip, snappy, lz4 or zstd\n"
	             "  -t, --throughput N         at most N records/s (-1: no cap, the default)\n"
	             "  -f, --format text|json     result format (default text)\n"
	             "  -h, --help                 print this help\n"
	             "Other producer properties: fjord -X name=value perf produce ...\n");
}

static void perf_produce_dr_cb(fjord_t *fj, const fjord_message_t *msg, void *opaque)
{
	struct perf_produce_state *st = opaque;

	(void)fj;
	pthread_mutex_lock(&st->lock);
	if (!msg->err) {
		cli_hist_record(st->hist, msg->latency_us);
	} else if (!st->first_error[0]) {
		snprintf(st->first_error, sizeof(st->first_error), "partition %d: %s%s%s",
		         (int)msg->partition, fjord_err2str(msg->err), msg->errstr ? ": " : "",
		         msg->errstr ? msg->errstr : "");
	}
	pthread_mutex_unlock(&st->lock);
	atomic_fetch_add(msg->err ? &st->failed : &st->acked, 1);
}

/* A deterministic printable payload (xorshift), so runs are comparable. */
static void perf_produce_fill(char *buf, size_t len)
{
	uint32_t x = 2463534242u;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (char)('A' + x % 26);
	}
}

struct perf_produce_opts {
	const char *topic, *acks, *batch, *linger, *codec;
	long long records, size;
	long long throughput; /* records/s; -1: no cap */
	enum cli_format format;
};

static int perf_produce_parse(int argc, char **argv, struct perf_produce_opts *o)
{
	static const struct option opts[] = {
		{ "records", required_argument, NULL, 'n' },
		{ "record-size", required_argument, NULL, 's' },
		{ "acks", required_argument, NULL, 'a' },
		{ "batch-size", required_argument, NULL, 'B' },
		{ "linger-ms", required_argument, NULL, 'l' },
		{ "compression", required_argument, NULL, 'c' },
		{ "throughput", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long long v;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "n:s:a:B:l:c:t:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (cli_parse_int(optarg, 1, INT64_MAX, &o->records) < 0)
				goto bad;
			break;
		case 's':
			if (cli_parse_int(optarg, 0, 64 * 1024 * 1024, &o->size) < 0)
				goto bad;
			break;
		case 'a':
			o->acks = optarg;
			break;
		case 'B':
			if (cli_parse_int(optarg, 1, INT32_MAX, &v) < 0)
				goto bad;
			o->batch = optarg;
			break;
		case 'l':
			if (cli_parse_int(optarg, 0, INT32_MAX, &v) < 0)
				goto bad;
			o->linger = optarg;
			break;
		case 'c':
			o->codec = optarg;
			break;
		case 't':
			if (cli_parse_int(optarg, -1, INT32_MAX, &o->throughput) < 0 ||
			    !o->throughput) {
				fprintf(stderr,
				        "fjord perf produce: invalid --throughput '%s' (records/s "
				        ">= 1, or -1 for no cap)\n",
				        optarg);
				return -1;
			}
			break;
		case 'f':
			if (cli_parse_format("perf produce", optarg, &o->format) < 0)
				return -1;
			break;
		case 'h':
			perf_produce_usage(stdout);
			return 1;
		default:
			return -1;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "fjord perf produce: expected exactly one TOPIC\n");
		return -1;
	}
	o->topic = argv[optind];
	if (!o->records || o->size < 0) {
		fprintf(stderr, "fjord perf produce: --records and --record-size are required\n");
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "fjord perf produce: invalid value '%s' for -%c\n", optarg, c);
	return -1;
}

int cmd_perf_produce(struct cli_ctx *ctx, int argc, char **argv)
{
	struct perf_produce_opts o = { .size = -1, .throughput = -1 };
	struct perf_produce_state st;
	struct cli_perf_result res;
	fjord_metadata_t *md = NULL;
	uint64_t sent = 0, last_done = 0;
	int64_t start_us = 0, last_us;
	char *payload = NULL;
	fjord_conf_t *conf;
	fjord_t *fj = NULL;
	int rc;

	rc = perf_produce_parse(argc, argv, &o);
	if (rc) {
		if (rc < 0)
			perf_produce_usage(stderr);
		return rc < 0 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}
	if (cli_check_cluster(ctx) < 0)
		return CLI_EXIT_USAGE;

	rc = CLI_EXIT_ERROR;
	memset(&st, 0, sizeof(st));
	atomic_init(&st.acked, 0);
	atomic_init(&st.failed, 0);
	pthread_mutex_init(&st.lock, NULL);
	st.hist = cli_hist_new();
	payload = malloc(o.size ? (size_t)o.size : 1);
	if (!st.hist || !payload) {
		fprintf(stderr, "fjord: out of memory\n");
		goto out;
	}
	perf_produce_fill(payload, (size_t)o.size);

	conf = cli_conf_new(ctx);
	if (!conf || (o.acks && cli_conf_set(conf, "acks", o.acks) < 0) ||
	    (o.batch && cli_conf_set(conf, "batch.size", o.batch) < 0) ||
	    (o.linger && cli_conf_set(conf, "linger.ms", o.linger) < 0) ||
	    (o.codec && cli_conf_set(conf, "compression.type", o.codec) < 0)) {
		if (conf)
			fjord_conf_destroy(conf);
		goto out;
	}
	fjord_conf_set_dr_msg_cb(conf, perf_produce_dr_cb);
	fjord_conf_set_opaque(conf, &st);
	fj = cli_handle_new(ctx, FJORD_PRODUCER, conf);
	if (!fj || cli_topic_metadata(ctx, fj, o.topic, &md) < 0)
		goto out;

	cli_signals_install();
	start_us = last_us = cli_now_us();
	while (sent < (uint64_t)o.records && !cli_stop_requested()) {
		fjord_err_t err;

		if (o.throughput > 0 && cli_perf_throttle(start_us, sent, o.throughput) < 0)
			break;
		err = fjord_produce(fj, o.topic, FJORD_PARTITION_UA, NULL, 0, payload,
		                    (size_t)o.size, NULL, 0, 0, NULL);

		if (err == FJORD_ERR__QUEUE_FULL) {
			fjord_flush(fj, 5);
		} else if (err) {
			fprintf(stderr,
			        "fjord perf produce: produce failed after %llu records: %s\n",
			        (unsigned long long)sent, fjord_err2str(err));
			break;
		} else {
			sent++;
		}
		cli_perf_progress("produce", start_us, &last_us, atomic_load(&st.acked),
		                  (uint64_t)o.records, &last_done);
	}
	while (fjord_outq_len(fj) > 0 && !cli_stop_requested()) {
		fjord_flush(fj, 500);
		cli_perf_progress("produce", start_us, &last_us, atomic_load(&st.acked),
		                  (uint64_t)o.records, &last_done);
	}
	res.seconds = (double)(cli_now_us() - start_us) / 1e6;
	fjord_close(fj, 0, NULL); /* fails whatever is left (interrupted run) */

	res.mode = "produce";
	res.topic = o.topic;
	res.records = atomic_load(&st.acked);
	res.failed = (uint64_t)o.records - res.records;
	res.bytes = res.records * (uint64_t)o.size;
	res.hist = st.hist;
	res.latency_kind = "produce call to acknowledgement";
	if (cli_perf_report(&res, o.format) < 0) {
		fprintf(stderr, "fjord perf produce: cannot write the result\n");
		goto out;
	}
	if (res.failed) {
		fprintf(stderr, "fjord perf produce: %llu of %lld records not acknowledged%s%s\n",
		        (unsigned long long)res.failed, o.records,
		        st.first_error[0] ? "; first error: " : "", st.first_error);
		goto out;
	}
	rc = CLI_EXIT_OK;
out:
	if (md)
		fjord_metadata_destroy(md);
	if (fj)
		fjord_destroy(fj);
	cli_hist_free(st.hist);
	free(payload);
	pthread_mutex_destroy(&st.lock);
	return rc;
}
