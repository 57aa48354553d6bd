/*
 * metrics.h — the broker's counters and the Prometheus text renderer.
 *
 * Thread: loop thread only (every counter is bumped on the loop, and
 * /metrics is served by evhttp on the same loop), so no atomics.
 *
 * Request latency is a fixed-bucket histogram per api (seconds, Prometheus
 * `le` buckets from 0.5 ms to 10 s; long-poll fetches land in the top
 * buckets by design). Per-topic byte/record totals live in each partition
 * and are summed per topic when rendering; partition gauges (log size, LEO,
 * HW, log start) are read live from the partitions.
 */
#ifndef FJORD_BROKER_METRICS_H
#define FJORD_BROKER_METRICS_H

#include <stdint.h>

#include "fjord.pb-c.h"

struct broker;
struct evbuffer;

#define METRICS_API_SLOTS 8
/* Produce refusals counted by cause (metrics_produce_refused_codes). */
#define METRICS_REFUSED_SLOTS 6
#define METRICS_HIST_BUCKETS 14

typedef struct metrics_hist {
	uint64_t buckets[METRICS_HIST_BUCKETS]; /* cumulative counts per le bound */
	uint64_t count;
	double sum_s;
} metrics_hist_t;

typedef struct metrics {
	uint64_t connections_total;
	uint64_t bad_frames;
	uint64_t requests[METRICS_API_SLOTS];
	uint64_t request_errors[METRICS_API_SLOTS];
	metrics_hist_t latency[METRICS_API_SLOTS];
	uint64_t fsyncs;
	uint64_t fsync_errors;
	uint64_t snapshots_applied;
	uint64_t isr_shrinks; /* ISR changes this broker wrote as leader */
	uint64_t isr_expands;
	int64_t start_ms;
	/* Partitions of produce requests refused for their data (invalid
	 * records, timestamps, corrupt or too large batches), per error. */
	uint64_t produce_refused[METRICS_REFUSED_SLOTS];
} metrics_t;

void metrics_init(metrics_t *m);
void metrics_count_request(metrics_t *m, Fjord__ApiKey api);
/* A produce partition refused with err; counted when err is about the
 * data itself (CORRUPT_MESSAGE, INVALID_RECORD, INVALID_TIMESTAMP,
 * MESSAGE_TOO_LARGE, UNSUPPORTED_COMPRESSION_TYPE), ignored otherwise. */
void metrics_count_produce_refused(metrics_t *m, int err);
/* A response left (or was built): latency since the request was read. */
void metrics_observe_request(metrics_t *m, Fjord__ApiKey api, int64_t latency_us, int is_error);
/* Appends the whole exposition (text format 0.0.4) to out. */
void metrics_render(struct broker *b, struct evbuffer *out);

#endif /* FJORD_BROKER_METRICS_H */
