/*
 * log_config.c — defaults, parsing and validation of per-log settings.
 * See log_config.h for the key table. Pure functions, any thread.
 */
#include "storage/log_config.h"
#include "common/numparse.h"

#include <stddef.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void log_config_defaults(log_config_t *cfg)
{
	cfg->segment_bytes = 1024LL * 1024 * 1024;
	cfg->roll_ms = 7LL * 24 * 3600 * 1000;
	cfg->retention_ms = 168LL * 3600 * 1000;
	cfg->retention_bytes = -1;
	cfg->index_interval_bytes = 4096;
	cfg->segment_index_bytes = 10 * 1024 * 1024;
	cfg->flush_interval_messages = INT64_MAX;
	cfg->flush_interval_ms = INT64_MAX;
	cfg->max_message_bytes = 1048588;
	cfg->message_timestamp_difference_max_ms = INT64_MAX;
	cfg->max_producer_ids = 10000;
	cfg->cleanup_policy = LOG_CLEANUP_DELETE;
	cfg->min_cleanable_dirty_ratio = 0.5;
	cfg->min_compaction_lag_ms = 0;
	cfg->max_compaction_lag_ms = INT64_MAX;
	cfg->delete_retention_ms = 86400000;
}

/* How a key's value maps onto a field. */
typedef enum { LC_I64, LC_I32 } log_config_kind_t;

typedef struct log_config_key {
	const char *broker_key;
	const char *topic_key;
	size_t field;
	log_config_kind_t kind;
	int64_t scale; /* value * scale (hours -> ms) */
	int64_t min;
} log_config_key_t;

#define LC_FIELD(f) offsetof(log_config_t, f)

static const log_config_key_t log_config_keys[] = {
	{ "log.segment.bytes", "segment.bytes", LC_FIELD(segment_bytes), LC_I64, 1, 14 },
	{ "log.roll.ms", "segment.ms", LC_FIELD(roll_ms), LC_I64, 1, 1 },
	{ "log.roll.hours", NULL, LC_FIELD(roll_ms), LC_I64, 3600 * 1000, 1 },
	{ "log.retention.ms", "retention.ms", LC_FIELD(retention_ms), LC_I64, 1, -1 },
	{ "log.retention.minutes", NULL, LC_FIELD(retention_ms), LC_I64, 60 * 1000, -1 },
	{ "log.retention.hours", NULL, LC_FIELD(retention_ms), LC_I64, 3600 * 1000, -1 },
	{ "log.retention.bytes", "retention.bytes", LC_FIELD(retention_bytes), LC_I64, 1, -1 },
	{ "log.index.interval.bytes", "index.interval.bytes", LC_FIELD(index_interval_bytes),
	  LC_I32, 1, 0 },
	{ "log.index.size.max.bytes", "segment.index.bytes", LC_FIELD(segment_index_bytes), LC_I32,
	  1, 12 },
	{ "log.flush.interval.messages", "flush.messages", LC_FIELD(flush_interval_messages),
	  LC_I64, 1, 1 },
	{ "log.flush.interval.ms", "flush.ms", LC_FIELD(flush_interval_ms), LC_I64, 1, 0 },
	{ "message.max.bytes", "max.message.bytes", LC_FIELD(max_message_bytes), LC_I32, 1, 0 },
	{ "log.message.timestamp.difference.max.ms", "message.timestamp.difference.max.ms",
	  LC_FIELD(message_timestamp_difference_max_ms), LC_I64, 1, 0 },
	{ "log.cleaner.min.compaction.lag.ms", "min.compaction.lag.ms",
	  LC_FIELD(min_compaction_lag_ms), LC_I64, 1, 0 },
	{ "log.cleaner.max.compaction.lag.ms", "max.compaction.lag.ms",
	  LC_FIELD(max_compaction_lag_ms), LC_I64, 1, 1 },
	{ "log.cleaner.delete.retention.ms", "delete.retention.ms", LC_FIELD(delete_retention_ms),
	  LC_I64, 1, 0 },
};

int log_config_set(log_config_t *cfg, const char *key, const char *value, char *errstr,
                   size_t errstr_size)
{
	if (strcmp(key, "cleanup.policy") == 0 || strcmp(key, "log.cleanup.policy") == 0)
		return cleanup_policy_parse(value, &cfg->cleanup_policy, errstr, errstr_size);
	if (strcmp(key, "min.cleanable.dirty.ratio") == 0 ||
	    strcmp(key, "log.cleaner.min.cleanable.ratio") == 0) {
		char *end = NULL;
		errno = 0;
		double v = value[0] ? strtod(value, &end) : 0;
		if (!value[0] || errno || *end || !(v >= 0 && v <= 1)) {
			snprintf(errstr, errstr_size, "%s: \"%s\" is not a number from 0 to 1", key,
			         value);
			return -1;
		}
		cfg->min_cleanable_dirty_ratio = v;
		return 0;
	}
	for (size_t i = 0; i < sizeof(log_config_keys) / sizeof(log_config_keys[0]); i++) {
		const log_config_key_t *k = &log_config_keys[i];
		if (strcmp(key, k->broker_key) != 0 &&
		    (!k->topic_key || strcmp(key, k->topic_key) != 0))
			continue;
		int64_t v;
		if (num_parse_i64(value, INT64_MIN, INT64_MAX, &v) < 0) {
			snprintf(errstr, errstr_size, "%s: \"%s\" is not an integer", key, value);
			return -1;
		}
		if (v < k->min) {
			snprintf(errstr, errstr_size,
			         "%s: %" PRId64 " is below the minimum %" PRId64, key, v, k->min);
			return -1;
		}
		int64_t scaled = v;
		if (v > 0 && k->scale > 1) {
			if (v > INT64_MAX / k->scale)
				scaled = INT64_MAX;
			else
				scaled = v * k->scale;
		}
		if (k->kind == LC_I32) {
			if (scaled > INT32_MAX) {
				snprintf(errstr, errstr_size, "%s: %" PRId64 " is too large", key,
				         v);
				return -1;
			}
			*(int32_t *)((char *)cfg + k->field) = (int32_t)scaled;
		} else {
			*(int64_t *)((char *)cfg + k->field) = scaled;
		}
		return 0;
	}
	return 1;
}

int log_config_validate(const log_config_t *cfg, char *errstr, size_t errstr_size)
{
	const char *bad = NULL;
	if (cfg->segment_bytes < 14)
		bad = "segment.bytes must be >= 14";
	else if (cfg->roll_ms < 1)
		bad = "segment.ms must be >= 1";
	else if (cfg->retention_ms < -1)
		bad = "retention.ms must be >= -1";
	else if (cfg->retention_bytes < -1)
		bad = "retention.bytes must be >= -1";
	else if (cfg->index_interval_bytes < 0)
		bad = "index.interval.bytes must be >= 0";
	else if (cfg->segment_index_bytes < 12)
		bad = "segment.index.bytes must be >= 12";
	else if (cfg->flush_interval_messages < 1)
		bad = "flush.messages must be >= 1";
	else if (cfg->flush_interval_ms < 0)
		bad = "flush.ms must be >= 0";
	else if (cfg->max_message_bytes < 0)
		bad = "max.message.bytes must be >= 0";
	else if (cfg->message_timestamp_difference_max_ms < 0)
		bad = "message.timestamp.difference.max.ms must be >= 0";
	else if (!(cfg->cleanup_policy & (LOG_CLEANUP_DELETE | LOG_CLEANUP_COMPACT)) ||
	         (cfg->cleanup_policy & ~(LOG_CLEANUP_DELETE | LOG_CLEANUP_COMPACT)))
		bad = "cleanup.policy must be delete, compact or compact,delete";
	else if (!(cfg->min_cleanable_dirty_ratio >= 0 && cfg->min_cleanable_dirty_ratio <= 1))
		bad = "min.cleanable.dirty.ratio must be from 0 to 1";
	else if (cfg->min_compaction_lag_ms < 0)
		bad = "min.compaction.lag.ms must be >= 0";
	else if (cfg->max_compaction_lag_ms < 1)
		bad = "max.compaction.lag.ms must be >= 1";
	else if (cfg->min_compaction_lag_ms > cfg->max_compaction_lag_ms)
		bad = "min.compaction.lag.ms must not exceed max.compaction.lag.ms";
	else if (cfg->delete_retention_ms < 0)
		bad = "delete.retention.ms must be >= 0";
	if (bad) {
		snprintf(errstr, errstr_size, "%s", bad);
		return -1;
	}
	return 0;
}
