/*
 * log_config.h — per-log (per-partition) storage settings.
 *
 * One log_config_t is copied into every partition log (plog). The broker
 * fills the defaults from its properties (log.segment.bytes, ...) and a
 * topic's overrides from /config/topics/<topic> (segment.bytes, ...);
 * plog_set_config() applies a changed copy live. Plain value struct: no
 * ownership, no threads. Called from the broker's event-loop thread.
 *
 *   field                    broker key                   topic key             default
 *   segment_bytes            log.segment.bytes            segment.bytes         1 GiB
 *   roll_ms                  log.roll.ms (.hours)         segment.ms            7 days
 *   retention_ms             log.retention.ms (.hours)    retention.ms          168 h (-1: never)
 *   retention_bytes          log.retention.bytes          retention.bytes       -1 (no limit)
 *   index_interval_bytes     log.index.interval.bytes     index.interval.bytes  4096
 *   segment_index_bytes      log.index.size.max.bytes     segment.index.bytes   10 MiB
 *   flush_interval_messages  log.flush.interval.messages  flush.messages        INT64_MAX
 *   flush_interval_ms        log.flush.interval.ms        flush.ms              INT64_MAX
 *   max_message_bytes        message.max.bytes            max.message.bytes     1048588
 *   message_timestamp_difference_max_ms
 *                            log.message.timestamp.difference.max.ms
 *                                                         message.timestamp.difference.max.ms
 *                                                                               INT64_MAX
 *   cleanup_policy           log.cleanup.policy           cleanup.policy        delete
 *   min_cleanable_dirty_ratio
 *                            log.cleaner.min.cleanable.ratio
 *                                                         min.cleanable.dirty.ratio 0.5
 *   min_compaction_lag_ms    log.cleaner.min.compaction.lag.ms
 *                                                         min.compaction.lag.ms 0
 *   max_compaction_lag_ms    log.cleaner.max.compaction.lag.ms
 *                                                         max.compaction.lag.ms INT64_MAX
 *   delete_retention_ms      log.cleaner.delete.retention.ms
 *                                                         delete.retention.ms   86400000
 */
#ifndef FJORD_STORAGE_LOG_CONFIG_H
#define FJORD_STORAGE_LOG_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "common/cleanup_policy.h"

typedef struct log_config {
	int64_t segment_bytes;           /* roll when a batch would pass this */
	int64_t roll_ms;                 /* roll when the first batch is this old */
	int64_t retention_ms;            /* -1: keep forever */
	int64_t retention_bytes;         /* -1: no size limit */
	int32_t index_interval_bytes;    /* log bytes between offset index entries */
	int32_t segment_index_bytes;     /* max index file size: roll when full */
	int64_t flush_interval_messages; /* fsync after this many unflushed records */
	int64_t flush_interval_ms;       /* fsync when the oldest unflushed append is this old */
	int32_t max_message_bytes;       /* largest record batch accepted */
	/* A leader refuses (INVALID_TIMESTAMP) a CreateTime batch with a record
	 * timestamp, or a maxTimestamp, further than this from its clock;
	 * INT64_MAX: no limit (Kafka's default). */
	int64_t message_timestamp_difference_max_ms;
	/* Broker only (producer.id.max.per.partition, no topic key): the
	 * idempotent producers the log remembers; 0: no limit. */
	int32_t max_producer_ids;
	/* LOG_CLEANUP_DELETE and/or LOG_CLEANUP_COMPACT ("compact,delete"):
	 * retention deletes old segments only with DELETE; the log cleaner
	 * (log_cleaner.h) compacts only with COMPACT. */
	int cleanup_policy;
	double min_cleanable_dirty_ratio; /* clean when dirty / (clean + dirty) >= this */
	int64_t min_compaction_lag_ms;    /* records younger than this stay uncompacted */
	int64_t max_compaction_lag_ms;    /* clean a log whose dirty records are this old */
	int64_t delete_retention_ms;      /* how long tombstones are kept */
} log_config_t;

#define LOG_CLEANUP_DELETE CLEANUP_POLICY_DELETE
#define LOG_CLEANUP_COMPACT CLEANUP_POLICY_COMPACT

/* Kafka's defaults (table above). */
void log_config_defaults(log_config_t *cfg);

/*
 * Sets one setting by its broker key ("log.segment.bytes", "log.retention.hours")
 * or topic key ("segment.bytes", "retention.ms"). Returns 0, 1 when the key
 * is not a storage setting (cfg untouched), or -1 with a message in errstr
 * for a bad value (not an integer, out of range).
 */
int log_config_set(log_config_t *cfg, const char *key, const char *value, char *errstr,
                   size_t errstr_size);

/* Returns 0 when every field is in range, else -1 with errstr. */
int log_config_validate(const log_config_t *cfg, char *errstr, size_t errstr_size);

#endif /* FJORD_STORAGE_LOG_CONFIG_H */
