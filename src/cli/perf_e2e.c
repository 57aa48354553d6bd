/*
 * perf_e2e.c — `fjord perf e2e TOPIC --rate N --count N`: end-to-end latency
 * as Kafka's EndToEndLatency tool measures it: one process produces at a
 * fixed rate and consumes the same records, and each record's latency is the
 * time from its produce() call to the moment the consumer hands it over.
 *
 * How: before producing, the consumer is assigned every partition of TOPIC
 * at its current high watermark, so it sees exactly the records produced
 * after that (and those of any concurrent writer, which it skips). Each value
 * starts with a 24-byte stamp, in host byte order since only this process
 * reads it:
 *
 *   offset size field
 *   0      8    run id (pid and start time: records of other runs are skipped)
 *   8      8    sequence number, 0..count-1
 *   16     8    monotonic clock at the produce() call, microseconds
 *   24     ...  padding up to --record-size
 *
 * One clock (CLOCK_MONOTONIC of this process) stamps and reads, so there is
 * no clock skew. Record i is produced at start + i/rate (cli_perf_throttle's
 * schedule); between sends the main thread polls the consumer. The run ends
 * when every record was consumed, on SIGINT/SIGTERM, or when nothing arrives
 * for --timeout ms after the last send. The linger is 0 unless -X sets
 * linger.ms, so batching does not dominate the latency.
 *
 * Counts: produced (accepted by produce()), acknowledged (delivery reports),
 * consumed (distinct sequence numbers of this run), duplicates. Exit 0 only
 * when all count records were acknowledged and consumed once each.
 *
 * Threads: the main thread produces, consumes and owns the histogram;
 * perf_e2e_dr_cb runs on the SDK callback thread and touches only the
 * atomics and first_error (under lock) of struct perf_e2e_state.
 */
#include "config.h"

#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

#define PERF_E2E_STAMP 24 /* run id, sequence, send time */

struct perf_e2e_state {
	atomic_ullong acked;
	atomic_ullong failed;
	pthread_mutex_t lock;
	char first_error[512]; /* under lock */
};

struct perf_e2e_opts {
	const char *topic, *acks;
	long long rate, count, size;
	enum cli_format format;
};

static void perf_e2e_usage(FILE *out)
{
	fprintf(out,
	        "Usage: fjord perf e2e TOPIC --rate N --count N [OPTIONS]\n"
	        "\n"
	        "Produces N records at a fixed rate and consumes them in the same process;\n"
	        "prints the produce-to-consume latency (p50, p99, p99.9, max) and the rate\n"
	        "achieved. The consumer starts at the partitions' current end.\n"
	        "\n"
	        "  -r, --rate N               records per second (required)\n"
	        "  -n, --count N              records to send (required)\n"
	        "  -s, --record-size B        value size in bytes, at least %d (default %d)\n"
	        "  -a, --acks 0|1|all         producer acknowledgements (default: SDK's)\n"
	        "  -f, --format text|json     result format (default text)\n"
	        "  -h, --help                 print this help\n"
	        "-X properties apply to both the producer and the consumer; linger.ms is 0\n"
	        "unless -X sets it. Stops when nothing arrives for --timeout ms after the\n"
	        "last send.\n",
	        PERF_E2E_STAMP, PERF_E2E_STAMP);
}

/* Returns 0, 1 after --help, -1 on a usage error (printed). */
static int perf_e2e_parse(int argc, char **argv, struct perf_e2e_opts *o)
{
	static const struct option opts[] = {
		{ "rate", required_argument, NULL, 'r' },
		{ "count", required_argument, NULL, 'n' },
		{ "record-size", required_argument, NULL, 's' },
		{ "acks", required_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "r:n:s:a:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (cli_parse_int(optarg, 1, INT32_MAX, &o->rate) < 0)
				goto bad;
			break;
		case 'n':
			if (cli_parse_int(optarg, 1, INT32_MAX, &o->count) < 0)
				goto bad;
			break;
		case 's':
			if (cli_parse_int(optarg, PERF_E2E_STAMP, 64 * 1024 * 1024, &o->size) < 0)
				goto bad;
			break;
		case 'a':
			o->acks = optarg;
			break;
		case 'f':
			if (cli_parse_format("perf e2e", optarg, &o->format) < 0)
				return -1;
			break;
		case 'h':
			perf_e2e_usage(stdout);
			return 1;
		default:
			return -1;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "fjord perf e2e: expected exactly one TOPIC\n");
		return -1;
	}
	o->topic = argv[optind];
	if (!o->rate || !o->count) {
		fprintf(stderr, "fjord perf e2e: --rate and --count are required\n");
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "fjord perf e2e: invalid value '%s' for -%c\n", optarg, c);
	return -1;
}

static void perf_e2e_dr_cb(fjord_t *fj, const fjord_message_t *msg, void *opaque)
{
	struct perf_e2e_state *st = opaque;

	(void)fj;
	if (msg->err) {
		pthread_mutex_lock(&st->lock);
		if (!st->first_error[0])
			snprintf(st->first_error, sizeof(st->first_error), "partition %d: %s%s%s",
			         (int)msg->partition, fjord_err2str(msg->err),
			         msg->errstr ? ": " : "", msg->errstr ? msg->errstr : "");
		pthread_mutex_unlock(&st->lock);
	}
	atomic_fetch_add(msg->err ? &st->failed : &st->acked, 1);
}

/* Assigns every partition of t at its high watermark (queried now, so the
 * consumer cannot start after the first records of the run). */
static int perf_e2e_assign(const struct cli_ctx *ctx, fjord_t *cons,
                           const fjord_metadata_topic_t *t)
{
	fjord_topic_partition_list_t *parts = fjord_topic_partition_list_new(t->partition_cnt);
	fjord_err_t err = FJORD_ERR_NO_ERROR;
	int i, rc = -1;

	if (!parts) {
		fprintf(stderr, "fjord: out of memory\n");
		return -1;
	}
	for (i = 0; i < t->partition_cnt; i++) {
		int64_t low, high;
		char what[300];

		err = fjord_query_watermark_offsets(cons, t->topic, t->partitions[i].id, &low,
		                                    &high, ctx->timeout_ms);
		if (err) {
			snprintf(what, sizeof(what), "offsets of %s/%d", t->topic,
			         (int)t->partitions[i].id);
			cli_report_error(ctx, what, err, NULL);
			goto out;
		}
		fjord_topic_partition_list_add(parts, t->topic, t->partitions[i].id)->offset = high;
	}
	err = fjord_assign(cons, parts);
	if (err) {
		fprintf(stderr, "fjord: cannot assign partitions of '%s': %s\n", t->topic,
		        fjord_err2str(err));
		goto out;
	}
	rc = 0;
out:
	fjord_topic_partition_list_destroy(parts);
	return rc;
}

struct perf_e2e_run {
	uint64_t run_id;
	uint64_t produced, consumed, duplicates, foreign;
	uint8_t *seen; /* bitmap of consumed sequence numbers */
	struct cli_hist *hist;
	int64_t start_us, last_send_us, last_recv_us;
	int fatal; /* a non-retriable consumer error */
};

/* Takes one consumed message (and frees it). */
static void perf_e2e_take(struct perf_e2e_run *run, const struct perf_e2e_opts *o,
                          fjord_message_t *m)
{
	uint64_t id, seq;
	int64_t sent_us, now = cli_now_us();

	if (m->err) {
		if (m->err != FJORD_ERR__PARTITION_EOF) {
			fprintf(stderr, "fjord perf e2e: partition %d: %s\n", (int)m->partition,
			        fjord_err2str(m->err));
			if (!fjord_err_is_retriable(m->err))
				run->fatal = 1;
		}
		fjord_message_destroy(m);
		return;
	}
	if (!m->value || m->value_len < PERF_E2E_STAMP) {
		run->foreign++;
		fjord_message_destroy(m);
		return;
	}
	memcpy(&id, m->value, 8);
	memcpy(&seq, (const uint8_t *)m->value + 8, 8);
	memcpy(&sent_us, (const uint8_t *)m->value + 16, 8);
	if (id != run->run_id || seq >= (uint64_t)o->count) {
		run->foreign++;
	} else if (run->seen[seq / 8] & (1u << (seq % 8))) {
		run->duplicates++;
	} else {
		run->seen[seq / 8] |= (uint8_t)(1u << (seq % 8));
		run->consumed++;
		cli_hist_record(run->hist, now - sent_us);
		run->last_recv_us = now;
	}
	fjord_message_destroy(m);
}

static int perf_e2e_report(const struct perf_e2e_run *run, const struct perf_e2e_opts *o,
                           uint64_t acked, uint64_t failed)
{
	static const double pct[] = { 50, 99, 99.9 };
	static const char *const pname[] = { "p50", "p99", "p99.9" };
	double send_secs = (double)(run->last_send_us - run->start_us) / 1e6;
	double secs = (double)((run->last_recv_us > run->last_send_us ? run->last_recv_us
	                                                              : run->last_send_us) -
	                       run->start_us) /
	              1e6;
	/* The achieved rate spans the sends: n records take n-1 intervals. */
	double rate = run->produced > 1 && send_secs > 0 ? (double)(run->produced - 1) / send_secs
	                                                 : (double)run->produced;
	size_t i;

	if (o->format == CLI_FORMAT_JSON) {
		json_t *obj = json_object(), *lat = json_object();

		json_object_set_new(obj, "mode", json_string("e2e"));
		json_object_set_new(obj, "topic", json_string(o->topic));
		json_object_set_new(obj, "count", json_integer(o->count));
		json_object_set_new(obj, "produced", json_integer((json_int_t)run->produced));
		json_object_set_new(obj, "acked", json_integer((json_int_t)acked));
		json_object_set_new(obj, "failed", json_integer((json_int_t)failed));
		json_object_set_new(obj, "consumed", json_integer((json_int_t)run->consumed));
		json_object_set_new(obj, "duplicates", json_integer((json_int_t)run->duplicates));
		json_object_set_new(obj, "target_rate", json_integer(o->rate));
		json_object_set_new(obj, "achieved_rate", json_real(rate));
		json_object_set_new(obj, "seconds", json_real(secs));
		json_object_set_new(lat, "measures", json_string("produce call to consumer"));
		json_object_set_new(lat, "count",
		                    json_integer((json_int_t)cli_hist_count(run->hist)));
		json_object_set_new(lat, "mean", json_real(cli_hist_mean(run->hist) / 1000.0));
		for (i = 0; i < sizeof(pct) / sizeof(pct[0]); i++)
			json_object_set_new(
			    lat, pname[i],
			    json_real((double)cli_hist_percentile(run->hist, pct[i]) / 1000.0));
		json_object_set_new(lat, "max",
		                    json_real((double)cli_hist_max(run->hist) / 1000.0));
		json_object_set_new(obj, "latency_ms", lat);
		return cli_json_print(obj, 1, stdout);
	}
	printf("e2e %s: %llu produced, %llu acknowledged, %llu consumed, %llu duplicates "
	       "in %.3f s\n",
	       o->topic, (unsigned long long)run->produced, (unsigned long long)acked,
	       (unsigned long long)run->consumed, (unsigned long long)run->duplicates, secs);
	printf("rate: %.1f records/s achieved (target %lld)\n", rate, o->rate);
	printf("latency (produce call to consumer), ms: mean %.3f",
	       cli_hist_mean(run->hist) / 1000.0);
	for (i = 0; i < sizeof(pct) / sizeof(pct[0]); i++)
		printf(", %s %.3f", pname[i],
		       (double)cli_hist_percentile(run->hist, pct[i]) / 1000.0);
	printf(", max %.3f\n", (double)cli_hist_max(run->hist) / 1000.0);
	return fflush(stdout) == EOF ? -1 : 0;
}

int cmd_perf_e2e(struct cli_ctx *ctx, int argc, char **argv)
{
	struct perf_e2e_opts o = { .size = PERF_E2E_STAMP };
	struct perf_e2e_state st;
	struct perf_e2e_run run;
	fjord_metadata_t *md = NULL;
	fjord_t *prod = NULL, *cons = NULL;
	uint64_t acked, failed;
	fjord_conf_t *conf;
	uint8_t *payload = NULL;
	int rc;

	rc = perf_e2e_parse(argc, argv, &o);
	if (rc) {
		if (rc < 0)
			perf_e2e_usage(stderr);
		return rc < 0 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}
	if (cli_check_cluster(ctx) < 0)
		return CLI_EXIT_USAGE;

	rc = CLI_EXIT_ERROR;
	memset(&st, 0, sizeof(st));
	memset(&run, 0, sizeof(run));
	atomic_init(&st.acked, 0);
	atomic_init(&st.failed, 0);
	pthread_mutex_init(&st.lock, NULL);
	run.hist = cli_hist_new();
	run.seen = calloc((size_t)o.count / 8 + 1, 1);
	payload = calloc(1, (size_t)o.size);
	if (!run.hist || !run.seen || !payload) {
		fprintf(stderr, "fjord: out of memory\n");
		goto out;
	}
	memset(payload + PERF_E2E_STAMP, 'e', (size_t)o.size - PERF_E2E_STAMP);

	conf = cli_conf_new(ctx);
	if (!conf ||
	    (!cli_prop_given(ctx, "linger.ms") && cli_conf_set(conf, "linger.ms", "0") < 0) ||
	    (o.acks && cli_conf_set(conf, "acks", o.acks) < 0)) {
		if (conf)
			fjord_conf_destroy(conf);
		goto out;
	}
	fjord_conf_set_dr_msg_cb(conf, perf_e2e_dr_cb);
	fjord_conf_set_opaque(conf, &st);
	prod = cli_handle_new(ctx, FJORD_PRODUCER, conf);
	if (!prod)
		goto out;
	cons = cli_handle_new(ctx, FJORD_CONSUMER, cli_conf_new(ctx));
	if (!cons || cli_topic_metadata(ctx, cons, o.topic, &md) < 0 ||
	    perf_e2e_assign(ctx, cons, &md->topics[0]) < 0)
		goto out;

	cli_signals_install();
	run.start_us = run.last_send_us = run.last_recv_us = cli_now_us();
	run.run_id = ((uint64_t)getpid() << 32) ^ (uint64_t)run.start_us;
	memcpy(payload, &run.run_id, 8);
	while (run.consumed < (uint64_t)o.count && !run.fatal && !cli_stop_requested()) {
		int64_t now = cli_now_us(), due, wait_ms;
		fjord_message_t *m;

		if (run.produced < (uint64_t)o.count) {
			due = run.start_us + (int64_t)((double)run.produced * 1e6 / (double)o.rate);
			if (now >= due) {
				fjord_err_t err;

				memcpy(payload + 8, &run.produced, 8);
				memcpy(payload + 16, &now, 8);
				err = fjord_produce(prod, o.topic, FJORD_PARTITION_UA, NULL, 0,
				                    payload, (size_t)o.size, NULL, 0, 0, NULL);
				if (err && err != FJORD_ERR__QUEUE_FULL) {
					fprintf(stderr,
					        "fjord perf e2e: produce failed after %llu "
					        "records: %s\n",
					        (unsigned long long)run.produced,
					        fjord_err2str(err));
					break;
				}
				if (!err) {
					run.produced++;
					run.last_send_us = now;
				}
				wait_ms = 0; /* drain what already arrived, then send on */
			} else {
				wait_ms = (due - now) / 1000;
			}
		} else {
			if (now - (run.last_recv_us > run.last_send_us ? run.last_recv_us
			                                               : run.last_send_us) >
			    (int64_t)ctx->timeout_ms * 1000) {
				fprintf(stderr, "fjord perf e2e: nothing consumed for %d ms\n",
				        ctx->timeout_ms);
				break;
			}
			wait_ms = 100;
		}
		m = fjord_consumer_poll(cons, (int)(wait_ms > 100 ? 100 : wait_ms));
		if (m)
			perf_e2e_take(&run, &o, m);
	}
	fjord_flush(prod, ctx->timeout_ms);
	fjord_close(prod, 0, NULL);
	acked = atomic_load(&st.acked);
	failed = atomic_load(&st.failed);
	if (perf_e2e_report(&run, &o, acked, failed) < 0) {
		fprintf(stderr, "fjord perf e2e: cannot write the result\n");
		goto out;
	}
	if (run.consumed != (uint64_t)o.count || acked != (uint64_t)o.count || run.duplicates) {
		fprintf(stderr,
		        "fjord perf e2e: %lld records: %llu acknowledged, %llu consumed, %llu "
		        "duplicates%s%s\n",
		        o.count, (unsigned long long)acked, (unsigned long long)run.consumed,
		        (unsigned long long)run.duplicates,
		        st.first_error[0] ? "; first error: " : "", st.first_error);
		goto out;
	}
	rc = CLI_EXIT_OK;
out:
	if (md)
		fjord_metadata_destroy(md);
	if (cons)
		fjord_destroy(cons);
	if (prod)
		fjord_destroy(prod);
	cli_hist_free(run.hist);
	free(run.seen);
	free(payload);
	pthread_mutex_destroy(&st.lock);
	return rc;
}
