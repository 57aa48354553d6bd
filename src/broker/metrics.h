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

#define METRICS_API_SLOTS 16
/* Produce refusals counted by cause (metrics_produce_refused_codes). */
#define METRICS_REFUSED_SLOTS 6
#define METRICS_HIST_BUCKETS 14

/* fjord_accept_errors_total{error}: the errno of a failed accept(). */
enum {
	METRICS_ACCEPT_EMFILE,
	METRICS_ACCEPT_ENFILE,
	METRICS_ACCEPT_ENOBUFS,
	METRICS_ACCEPT_ENOMEM,
	METRICS_ACCEPT_OTHER,
	METRICS_ACCEPT_SLOTS
};

typedef struct metrics_hist {
	uint64_t buckets[METRICS_HIST_BUCKETS]; /* cumulative counts per le bound */
	uint64_t count;
	double sum_s;
} metrics_hist_t;

typedef struct metrics {
	uint64_t connections_total;
	/* Connection limits (conn.c, server.c; docs/operations.md "Limits and
	 * faults"). Gauges (paused connections, request memory) are read live
	 * from the broker when rendering. */
	uint64_t conn_refused_per_ip;    /* max.connections.per.ip */
	uint64_t conn_refused_fd_limit;  /* closed at once at EMFILE/ENFILE */
	uint64_t conn_evicted;           /* max.connections, for the inter-broker listener */
	uint64_t conn_idle_closed;       /* connections.max.idle.ms */
	uint64_t tls_handshake_failures; /* broker_tls.c */
	/* SASL (sasl_server.c): logins by result, connections closed before
	 * one (a request other than the login's, or a frame above
	 * sasl.server.max.receive.size). */
	uint64_t sasl_logins_ok, sasl_logins_failed;
	uint64_t sasl_closed_unauthenticated;
	uint64_t conn_pauses_backpressure;
	uint64_t conn_pauses_memory;
	uint64_t listener_pauses_max_connections;
	uint64_t listener_pauses_accept_error;
	uint64_t accept_errors[METRICS_ACCEPT_SLOTS];
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
	/* Idempotent batches answered as duplicates of stored ones (nothing
	 * appended; storage/producer_state.h). */
	uint64_t produce_duplicates;
	/* Idle idempotent producers forgotten (producer.id.expiration.ms). */
	uint64_t producer_ids_expired;
	/* Idempotent producers evicted (producer.id.max.per.partition),
	 * counted at each retention check. */
	uint64_t producer_ids_evicted;
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
