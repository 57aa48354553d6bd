/*
 * cmd_perf.c — `fjord perf produce|consume|e2e`: dispatch, progress lines,
 * the rate throttle and the result report shared by the benchmarks
 * (perf_produce.c, perf_consume.c, perf_e2e.c).
 *
 * Result: records/s, MB/s (MB = 10^6 bytes of key + value) and latency
 * percentiles p50/p95/p99/p99.9 and max from a cli_hist, printed as text or
 * as one JSON object. Progress goes to stderr so stdout stays the result.
 * Main thread only.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

static void perf_usage(FILE *out)
{
	fprintf(out, "Usage: fjord perf produce TOPIC --records N --record-size B [OPTIONS]\n"
	             "       fjord perf consume TOPIC --records N [OPTIONS]\n"
	             "       fjord perf e2e TOPIC --rate N --count N [OPTIONS]\n"
	             "\n"
	             "Measures throughput (records/s, MB/s) and latency percentiles; e2e measures\n"
	             "produce-to-consume latency at a fixed rate.\n"
	             "Run 'fjord perf produce|consume|e2e --help' for options.\n");
}

int cmd_perf(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc < 2) {
		perf_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		perf_usage(stdout);
		return CLI_EXIT_OK;
	}
	if (!strcmp(argv[1], "produce"))
		return cmd_perf_produce(ctx, argc - 1, argv + 1);
	if (!strcmp(argv[1], "consume"))
		return cmd_perf_consume(ctx, argc - 1, argv + 1);
	if (!strcmp(argv[1], "e2e"))
		return cmd_perf_e2e(ctx, argc - 1, argv + 1);
	fprintf(stderr, "fjord perf: unknown mode '%s' (produce, consume or e2e)\n", argv[1]);
	return CLI_EXIT_USAGE;
}

void cli_perf_progress(const char *mode, int64_t start_us, int64_t *last_us, uint64_t done,
                       uint64_t total, uint64_t *last_done)
{
	int64_t now = cli_now_us();
	double window;

	if (now - *last_us < CLI_PERF_PROGRESS_US)
		return;
	window = (double)(now - *last_us) / 1e6;
	fprintf(stderr, "fjord perf %s: %llu/%llu records, %.0f records/s now, %.1f s elapsed\n",
	        mode, (unsigned long long)done, (unsigned long long)total,
	        (double)(done - *last_done) / window, (double)(now - start_us) / 1e6);
	*last_us = now;
	*last_done = done;
}

int cli_perf_throttle(int64_t start_us, uint64_t sent, long long rate)
{
	/* Record `sent` (0-based) is due at start + sent/rate seconds. Sleep in
	 * slices of at most 100 ms so that a signal is seen promptly even when
	 * it arrives between the check and the sleep. */
	int64_t due = start_us + (int64_t)((double)sent * 1e6 / (double)rate);

	for (;;) {
		int64_t left = due - cli_now_us();
		struct timespec ts;

		if (cli_stop_requested())
			return -1;
		if (left <= 0)
			return 0;
		if (left > 100000)
			left = 100000;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)left * 1000;
		if (nanosleep(&ts, NULL) < 0 && errno != EINTR)
			return 0;
	}
}

int cli_perf_report(const struct cli_perf_result *r, enum cli_format format)
{
	static const double pct[] = { 50, 95, 99, 99.9 };
	static const char *const pname[] = { "p50", "p95", "p99", "p99.9" };
	double secs = r->seconds > 0 ? r->seconds : 1e-9;
	double rps = (double)r->records / secs;
	double mbps = (double)r->bytes / 1e6 / secs;
	size_t i;

	if (format == CLI_FORMAT_JSON) {
		json_t *o = json_object(), *lat = json_object();

		json_object_set_new(o, "mode", json_string(r->mode));
		json_object_set_new(o, "topic", json_string(r->topic));
		json_object_set_new(o, "records", json_integer((json_int_t)r->records));
		json_object_set_new(o, "failed", json_integer((json_int_t)r->failed));
		json_object_set_new(o, "bytes", json_integer((json_int_t)r->bytes));
		json_object_set_new(o, "seconds", json_real(r->seconds));
		json_object_set_new(o, "records_per_sec", json_real(rps));
		json_object_set_new(o, "mb_per_sec", json_real(mbps));
		json_object_set_new(lat, "measures", json_string(r->latency_kind));
		json_object_set_new(lat, "count",
		                    json_integer((json_int_t)cli_hist_count(r->hist)));
		json_object_set_new(lat, "mean", json_real(cli_hist_mean(r->hist) / 1000.0));
		for (i = 0; i < sizeof(pct) / sizeof(pct[0]); i++)
			json_object_set_new(
			    lat, pname[i],
			    json_real((double)cli_hist_percentile(r->hist, pct[i]) / 1000.0));
		json_object_set_new(lat, "max", json_real((double)cli_hist_max(r->hist) / 1000.0));
		json_object_set_new(o, "latency_ms", lat);
		return cli_json_print(o, 1, stdout);
	}
	printf("%s %s: %llu records (%llu failed) in %.3f s\n", r->mode, r->topic,
	       (unsigned long long)r->records, (unsigned long long)r->failed, r->seconds);
	printf("throughput: %.0f records/s, %.2f MB/s\n", rps, mbps);
	printf("latency (%s), ms: mean %.3f", r->latency_kind, cli_hist_mean(r->hist) / 1000.0);
	for (i = 0; i < sizeof(pct) / sizeof(pct[0]); i++)
		printf(", %s %.3f", pname[i],
		       (double)cli_hist_percentile(r->hist, pct[i]) / 1000.0);
	printf(", max %.3f\n", (double)cli_hist_max(r->hist) / 1000.0);
	return fflush(stdout) == EOF ? -1 : 0;
}
