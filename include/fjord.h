/*
 * fjord.h — the one public header of libfjord, fjord's C client SDK.
 *
 * Shape (librdkafka's, so its users feel at home):
 *   - A configuration object (fjord_conf_t) set with Kafka property names;
 *     fjord_new() takes ownership of it on success only.
 *   - One handle type (fjord_t) created as a producer, a consumer or an admin
 *     client. Every handle runs one background I/O thread of its own.
 *   - One stable error enum, fjord_err_t, shared with the wire protocol:
 *     broker errors use Kafka's error codes (>0), errors raised inside the SDK
 *     are negative (FJORD_ERR__*). Values are never renumbered.
 *   - Functions return 0 (FJORD_ERR_NO_ERROR) or an error; a function that
 *     fails never fires a callback for that call. Setters that can fail with
 *     detail fill a caller's `errstr` buffer.
 *
 * Ownership: the caller owns every object it creates and frees it with the
 * matching destroy function. Strings and buffers passed in are copied unless
 * a comment says otherwise. Pointers handed to a callback are valid only for
 * the duration of that callback.
 *
 * Threads: every function is safe to call from any application thread, except
 * that one handle must not be destroyed while another thread still uses it.
 * Callbacks run on the SDK's callback thread (the default,
 * `callback.mode=background`), or inside fjord_poll() when
 * `callback.mode=poll`; never on the I/O thread.
 */
#ifndef FJORD_H
#define FJORD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define FJORD_EXPORT __attribute__((visibility("default")))
#else
#define FJORD_EXPORT
#endif

#define FJORD_VERSION_STR "0.1.0"
FJORD_EXPORT const char *fjord_version_str(void);

/* ------------------------------------------------------------------ errors */

typedef enum fjord_err_t {
	/* Raised inside the SDK (never on the wire). */
	FJORD_ERR__BEGIN = -200,
	FJORD_ERR__BAD_MSG = -199,          /* malformed data from a broker */
	FJORD_ERR__BAD_COMPRESSION = -198,  /* cannot decompress a batch */
	FJORD_ERR__DESTROY = -197,          /* handle closed before completion */
	FJORD_ERR__FAIL = -196,             /* local failure, see errstr */
	FJORD_ERR__TRANSPORT = -195,        /* broker connection failed */
	FJORD_ERR__ALL_BROKERS_DOWN = -192, /* no broker reachable */
	FJORD_ERR__MSG_TIMED_OUT = -191,    /* message.timeout.ms expired */
	FJORD_ERR__PARTITION_EOF = -190,    /* consumer reached the high watermark */
	FJORD_ERR__UNKNOWN_PARTITION = -189,
	FJORD_ERR__UNKNOWN_TOPIC = -188, /* topic does not exist */
	FJORD_ERR__INVALID_ARG = -187,
	FJORD_ERR__TIMED_OUT = -186,       /* the call's own timeout expired */
	FJORD_ERR__QUEUE_FULL = -185,      /* queue.buffering.max.messages reached */
	FJORD_ERR__NOT_IMPLEMENTED = -184, /* not available on this handle type */
	FJORD_ERR__ZOOKEEPER = -183,       /* ZooKeeper unreachable or failed */
	FJORD_ERR__NO_OFFSET = -182,       /* no position and auto.offset.reset=error */
	FJORD_ERR__STATE = -181,           /* call not valid in this state */
	FJORD_ERR__UNSUPPORTED_FEATURE = -180,
	FJORD_ERR__FENCED = -179,          /* commit of a partition this member no longer owns */
	FJORD_ERR__ASSIGNMENT_LOST = -178, /* group session expired: every partition was lost */
	FJORD_ERR__REVOKE_PARTITIONS =
	    -177, /* rebalance event: partitions taken (not returned by poll any more) */
	FJORD_ERR__ASSIGN_PARTITIONS =
	    -176, /* rebalance event: partitions given (not returned by poll any more) */
	FJORD_ERR__FATAL = -175, /* the idempotent producer cannot go on: fjord_fatal_error() */
	FJORD_ERR__NOENT = -156, /* no such entry (e.g. header name), as librdkafka's _NOENT */
	FJORD_ERR__END = -100,

	/* Broker errors: Kafka's codes; same numbers as proto/fjord.proto. */
	FJORD_ERR_UNKNOWN = -1,
	FJORD_ERR_NO_ERROR = 0,
	FJORD_ERR_OFFSET_OUT_OF_RANGE = 1,
	FJORD_ERR_CORRUPT_MESSAGE = 2,
	FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION = 3,
	FJORD_ERR_INVALID_FETCH_SIZE = 4,
	FJORD_ERR_LEADER_NOT_AVAILABLE = 5,
	FJORD_ERR_NOT_LEADER = 6,
	FJORD_ERR_REQUEST_TIMED_OUT = 7,
	FJORD_ERR_BROKER_NOT_AVAILABLE = 8,
	FJORD_ERR_REPLICA_NOT_AVAILABLE = 9,
	FJORD_ERR_MESSAGE_TOO_LARGE = 10,
	FJORD_ERR_NETWORK_EXCEPTION = 13,
	FJORD_ERR_INVALID_TOPIC = 17,
	FJORD_ERR_RECORD_LIST_TOO_LARGE = 18,
	FJORD_ERR_NOT_ENOUGH_REPLICAS = 19,
	FJORD_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND = 20,
	FJORD_ERR_INVALID_REQUIRED_ACKS = 21,
	FJORD_ERR_TOPIC_AUTHORIZATION_FAILED = 29, /* the principal may not do this on the topic */
	FJORD_ERR_GROUP_AUTHORIZATION_FAILED = 30, /* ... on the group */
	FJORD_ERR_CLUSTER_AUTHORIZATION_FAILED = 31, /* ... on the cluster */
	FJORD_ERR_INVALID_TIMESTAMP = 32,
	FJORD_ERR_UNSUPPORTED_SASL_MECHANISM = 33, /* the broker does not enable it */
	FJORD_ERR_ILLEGAL_SASL_STATE = 34,
	FJORD_ERR_UNSUPPORTED_VERSION = 35,
	FJORD_ERR_TOPIC_ALREADY_EXISTS = 36,
	FJORD_ERR_INVALID_PARTITIONS = 37,
	FJORD_ERR_INVALID_REPLICATION_FACTOR = 38,
	FJORD_ERR_INVALID_CONFIG = 40,
	FJORD_ERR_NOT_CONTROLLER = 41,
	FJORD_ERR_INVALID_REQUEST = 42,
	FJORD_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER = 45, /* idempotence: a gap in the sequence */
	FJORD_ERR_DUPLICATE_SEQUENCE_NUMBER = 46,
	FJORD_ERR_INVALID_PRODUCER_EPOCH = 47, /* fenced by a newer epoch of the id */
	FJORD_ERR_STORAGE_ERROR = 56,
	FJORD_ERR_SASL_AUTHENTICATION_FAILED = 58, /* wrong user, password or mechanism */
	FJORD_ERR_UNKNOWN_PRODUCER_ID = 59,        /* the broker has no state for the id */
	FJORD_ERR_REASSIGNMENT_IN_PROGRESS = 60,   /* admin: a reassignment is running */
	FJORD_ERR_FENCED_LEADER_EPOCH = 74,
	FJORD_ERR_UNKNOWN_LEADER_EPOCH = 75,
	FJORD_ERR_UNSUPPORTED_COMPRESSION_TYPE = 76,
	FJORD_ERR_NON_EMPTY_GROUP = 68, /* the group has live members */
	FJORD_ERR_GROUP_ID_NOT_FOUND = 69,
	FJORD_ERR_OFFSET_NOT_AVAILABLE = 78,
	FJORD_ERR_INVALID_RECORD =
	    87, /* produce: a record of the batch is malformed or forbidden */
} fjord_err_t;

/* Human-readable description, e.g. "Broker: Not leader for partition". */
FJORD_EXPORT const char *fjord_err2str(fjord_err_t err);
/* Symbolic name without prefix, e.g. "NOT_LEADER", "_QUEUE_FULL". */
FJORD_EXPORT const char *fjord_err2name(fjord_err_t err);
/* 1 if retrying the same operation may succeed (NOT_LEADER, _TRANSPORT, ...). */
FJORD_EXPORT int fjord_err_is_retriable(fjord_err_t err);

/* ------------------------------------------------------------------ config */

typedef struct fjord_s fjord_t;
typedef struct fjord_conf_s fjord_conf_t;
typedef struct fjord_message_s fjord_message_t;

typedef enum fjord_conf_res_t {
	FJORD_CONF_UNKNOWN = -2, /* no such property */
	FJORD_CONF_INVALID = -1, /* bad value */
	FJORD_CONF_OK = 0,
} fjord_conf_res_t;

FJORD_EXPORT fjord_conf_t *fjord_conf_new(void);
FJORD_EXPORT fjord_conf_t *fjord_conf_dup(const fjord_conf_t *conf);
FJORD_EXPORT void fjord_conf_destroy(fjord_conf_t *conf);

/* Sets a Kafka-named property (see docs/configuration.md for the list).
 * Unknown names and bad values are refused with a message in errstr. */
FJORD_EXPORT fjord_conf_res_t fjord_conf_set(fjord_conf_t *conf, const char *name,
                                             const char *value, char *errstr, size_t errstr_size);
/* Copies the value (or the default) into dest; *dest_size is in/out
 * (needed size including NUL is written back). */
FJORD_EXPORT fjord_conf_res_t fjord_conf_get(const fjord_conf_t *conf, const char *name, char *dest,
                                             size_t *dest_size);

/* Delivery report: called once per produced record, with msg->err set to
 * the outcome and msg->status saying whether it was persisted. */
FJORD_EXPORT void
fjord_conf_set_dr_msg_cb(fjord_conf_t *conf,
                         void (*dr_msg_cb)(fjord_t *fj, const fjord_message_t *msg, void *opaque));
/* Errors not tied to a call (all brokers down, ZooKeeper session lost). */
FJORD_EXPORT void fjord_conf_set_error_cb(fjord_conf_t *conf,
                                          void (*error_cb)(fjord_t *fj, fjord_err_t err,
                                                           const char *reason, void *opaque));
/* Log lines (syslog levels 0..7). Default: level <= log_level to stderr. */
FJORD_EXPORT void fjord_conf_set_log_cb(fjord_conf_t *conf,
                                        void (*log_cb)(const fjord_t *fj, int level,
                                                       const char *fac, const char *buf));
/* Statistics (stats.c): every statistics.interval.ms (0, the default: never)
 * a JSON document of the handle's counters, as librdkafka's stats_cb; the
 * fields are described in docs/sdk.md ("Statistics"). json (json_len bytes,
 * NUL-terminated) is valid during the call. Runs on the callback thread (or
 * in fjord_poll/fjord_consumer_poll in callback.mode=poll). */
FJORD_EXPORT void fjord_conf_set_stats_cb(fjord_conf_t *conf,
                                          void (*stats_cb)(fjord_t *fj, const char *json,
                                                           size_t json_len, void *opaque));
/* The opaque pointer passed to every callback above. */
FJORD_EXPORT void fjord_conf_set_opaque(fjord_conf_t *conf, void *opaque);

/* ------------------------------------------------------------------ handle */

typedef enum fjord_type_t {
	FJORD_PRODUCER = 0,
	FJORD_CONSUMER = 1,
	FJORD_ADMIN = 2,
} fjord_type_t;

/* Creates a handle. On success the handle owns conf; on failure (NULL) the
 * caller still owns it and errstr says why (e.g. a property that does not
 * apply to this handle type, no bootstrap.servers nor zookeeper.connect). */
FJORD_EXPORT fjord_t *fjord_new(fjord_type_t type, fjord_conf_t *conf, char *errstr,
                                size_t errstr_size);

/* Producer: waits up to timeout_ms for outstanding records, then fails the
 * rest with FJORD_ERR__DESTROY delivery reports (delivered before close
 * returns). *undeliveredp (may be NULL) receives how many were not
 * delivered. Consumer: stops fetching. Idempotent. */
FJORD_EXPORT fjord_err_t fjord_close(fjord_t *fj, int timeout_ms, size_t *undeliveredp);
/* Frees the handle; calls fjord_close(fj, 0, NULL) first if needed. */
FJORD_EXPORT void fjord_destroy(fjord_t *fj);
FJORD_EXPORT const char *fjord_name(const fjord_t *fj);
FJORD_EXPORT void *fjord_opaque(const fjord_t *fj);

/* In callback.mode=poll: serves queued callbacks for up to timeout_ms and
 * returns how many were served. In background mode it serves nothing and
 * returns 0 at once. */
FJORD_EXPORT int fjord_poll(fjord_t *fj, int timeout_ms);

/* ------------------------------------------------------------------ messages */

typedef struct fjord_header_s {
	const char *name;  /* NUL-terminated */
	const void *value; /* NULL: null value */
	size_t value_len;
} fjord_header_t;

typedef enum fjord_msg_status_t {
	FJORD_MSG_STATUS_NOT_PERSISTED = 0,      /* certainly not written */
	FJORD_MSG_STATUS_POSSIBLY_PERSISTED = 1, /* sent, outcome unknown */
	FJORD_MSG_STATUS_PERSISTED = 2,          /* acknowledged by the broker */
} fjord_msg_status_t;

#define FJORD_TIMESTAMP_CREATE_TIME 0
#define FJORD_TIMESTAMP_LOG_APPEND_TIME 1

struct fjord_message_s {
	fjord_err_t err; /* 0, or the record's / event's error */
	const char *topic;
	int32_t partition;
	int64_t offset;     /* -1 when not known */
	int64_t timestamp;  /* ms since epoch, -1 when none */
	int timestamp_type; /* FJORD_TIMESTAMP_* */
	const void *key;    /* NULL: null key */
	size_t key_len;
	const void *value; /* NULL: null value (tombstone) */
	size_t value_len;
	const fjord_header_t *headers;
	size_t header_cnt;
	fjord_msg_status_t status; /* producer delivery reports only */
	void *opaque;              /* producer: the msg_opaque given to produce */
	const char *errstr;        /* detail for err, or NULL */
	int64_t latency_us;        /* producer: produce() call to acknowledgement */
};

/* Frees a message returned by fjord_consumer_poll(). */
FJORD_EXPORT void fjord_message_destroy(fjord_message_t *msg);

/* Header helpers (headers.c). fjord_headers_get_last() finds the LAST
 * header named `name` (byte-exact) of a consumed message, as librdkafka's
 * rd_kafka_header_get_last(): valuep / sizep get its value (NULL, 0 for a
 * null value), which lives as long as msg. FJORD_ERR__NOENT when there is
 * none. valuep and sizep may be NULL. */
FJORD_EXPORT fjord_err_t fjord_headers_get_last(const fjord_message_t *msg, const char *name,
                                                const void **valuep, size_t *sizep);
/* A header list to produce with: add copies name and value (value NULL with
 * value_len 0: a null value); fjord_headers_array() gives the array and its
 * count for fjord_produce()'s headers/header_cnt (produce copies them, so
 * the list may be destroyed or reused right after). */
typedef struct fjord_headers_s fjord_headers_t;
FJORD_EXPORT fjord_headers_t *fjord_headers_new(size_t initial_cnt);
FJORD_EXPORT fjord_err_t fjord_headers_add(fjord_headers_t *hdrs, const char *name,
                                           const void *value, size_t value_len);
FJORD_EXPORT const fjord_header_t *fjord_headers_array(const fjord_headers_t *hdrs, size_t *cntp);
FJORD_EXPORT size_t fjord_headers_cnt(const fjord_headers_t *hdrs);
FJORD_EXPORT void fjord_headers_destroy(fjord_headers_t *hdrs);

/* ------------------------------------------------------------------ producer */

#define FJORD_PARTITION_UA (-1) /* unassigned: let the partitioner choose */

/* Enqueues one record; never blocks. Key, value and headers are copied.
 * partition FJORD_PARTITION_UA uses Kafka's default partitioner: murmur2 of
 * the key (same partition as Kafka's Java client), sticky partitioning for
 * null keys. timestamp 0 means now. Returns:
 *   FJORD_ERR__QUEUE_FULL        queue.buffering.max.messages/kbytes reached
 *   FJORD_ERR__UNKNOWN_TOPIC     topic known not to exist
 *   FJORD_ERR__UNKNOWN_PARTITION partition out of range
 *   FJORD_ERR_MESSAGE_TOO_LARGE  record larger than message.max.bytes
 *   FJORD_ERR__STATE             handle closed, or not a producer
 *   FJORD_ERR__FATAL             the idempotent producer hit a fatal error
 *                                (fjord_fatal_error): destroy the handle
 * On success exactly one delivery report follows. If the topic's metadata is
 * not known yet the record waits for it (bounded by message.timeout.ms). */
FJORD_EXPORT fjord_err_t fjord_produce(fjord_t *fj, const char *topic, int32_t partition,
                                       const void *key, size_t key_len, const void *value,
                                       size_t value_len, const fjord_header_t *headers,
                                       size_t header_cnt, int64_t timestamp, void *msg_opaque);

/* Waits until every record produced so far has its delivery report served.
 * FJORD_ERR__TIMED_OUT if some are still outstanding after timeout_ms. */
FJORD_EXPORT fjord_err_t fjord_flush(fjord_t *fj, int timeout_ms);
/* Records produced but not yet reported. */
FJORD_EXPORT int fjord_outq_len(fjord_t *fj);

/* The idempotent producer's fatal error (enable.idempotence), or
 * FJORD_ERR_NO_ERROR. A fatal error means the producer can no longer keep
 * its promise of no duplicates and no reordering: the broker fenced its
 * producer id (INVALID_PRODUCER_EPOCH), records it acknowledged are missing
 * from the log (OUT_OF_ORDER_SEQUENCE_NUMBER at the next expected
 * sequence), or a broker refused InitProducerId (CLUSTER_AUTHORIZATION_FAILED,
 * UNSUPPORTED_VERSION). From then
 * on every queued record fails with FJORD_ERR__FATAL, fjord_produce()
 * returns it, and the error callback got it once with the reason; the
 * application destroys the handle and makes a new one. errstr (may be
 * NULL) gets the reason. */
FJORD_EXPORT fjord_err_t fjord_fatal_error(fjord_t *fj, char *errstr, size_t errstr_size);

/* Kafka's default partitioner for a key: murmur2 with seed 0x9747b28c,
 * (h & 0x7fffffff) % partition_cnt. */
FJORD_EXPORT int32_t fjord_partition_for_key(const void *key, size_t key_len,
                                             int32_t partition_cnt);

/* ------------------------------------------------------------------ consumer */

#define FJORD_OFFSET_BEGINNING (-2) /* log start offset */
#define FJORD_OFFSET_END (-1)       /* high watermark: only new records */
#define FJORD_OFFSET_STORED (-1000) /* committed offset (consumer groups) */
#define FJORD_OFFSET_INVALID (-1001)

typedef struct fjord_topic_partition_s {
	char *topic;
	int32_t partition;
	int64_t offset;
	fjord_err_t err;
	void *opaque;
} fjord_topic_partition_t;

typedef struct fjord_topic_partition_list_s {
	int cnt;
	int size;
	fjord_topic_partition_t *elems;
} fjord_topic_partition_list_t;

FJORD_EXPORT fjord_topic_partition_list_t *fjord_topic_partition_list_new(int size);
/* Adds an element (offset FJORD_OFFSET_INVALID) and returns it. */
FJORD_EXPORT fjord_topic_partition_t *
fjord_topic_partition_list_add(fjord_topic_partition_list_t *list, const char *topic,
                               int32_t partition);
FJORD_EXPORT fjord_topic_partition_t *
fjord_topic_partition_list_find(const fjord_topic_partition_list_t *list, const char *topic,
                                int32_t partition);
FJORD_EXPORT void fjord_topic_partition_list_destroy(fjord_topic_partition_list_t *list);

/* Manual assignment: replaces the current assignment (NULL or empty list:
 * unassign). Each element's offset is where to start: an absolute offset,
 * FJORD_OFFSET_BEGINNING, FJORD_OFFSET_END, or FJORD_OFFSET_INVALID to apply
 * auto.offset.reset. Unknown topics/partitions are reported as poll errors. */
FJORD_EXPORT fjord_err_t fjord_assign(fjord_t *fj, const fjord_topic_partition_list_t *parts);
/* Copies the current assignment into *partsp (caller destroys). */
FJORD_EXPORT fjord_err_t fjord_assignment(fjord_t *fj, fjord_topic_partition_list_t **partsp);

/* Returns the next record or event, waiting up to timeout_ms; NULL when
 * nothing arrived. A returned message with err != 0 is an event (e.g.
 * FJORD_ERR__PARTITION_EOF when enable.partition.eof=true,
 * FJORD_ERR_OFFSET_OUT_OF_RANGE with auto.offset.reset=error). The caller
 * frees it with fjord_message_destroy(). Records of one partition come in
 * offset order. */
FJORD_EXPORT fjord_message_t *fjord_consumer_poll(fjord_t *fj, int timeout_ms);

/* Moves an assigned partition's position; the next record polled from it has
 * offset `offset` (or BEGINNING / END). Records already buffered past the old
 * position are discarded. */
FJORD_EXPORT fjord_err_t fjord_seek(fjord_t *fj, const char *topic, int32_t partition,
                                    int64_t offset, int timeout_ms);
/* Fills each element's offset with the next offset to be returned by poll
 * (FJORD_OFFSET_INVALID when not known yet). */
FJORD_EXPORT fjord_err_t fjord_position(fjord_t *fj, fjord_topic_partition_list_t *parts);

/* Pause / resume (consumer_pause.c), as librdkafka's rd_kafka_pause_partitions():
 * a paused partition is not fetched and poll returns none of its records
 * (those fetched but not polled are dropped and fetched again after resume);
 * its position is kept. Each element's err is set (_UNKNOWN_PARTITION: not
 * assigned). Leaving the assignment (fjord_assign(), a group rebalance that
 * moves the partition away) forgets the pause; partitions that stay assigned
 * through a rebalance stay paused. */
FJORD_EXPORT fjord_err_t fjord_pause(fjord_t *fj, fjord_topic_partition_list_t *parts);
FJORD_EXPORT fjord_err_t fjord_resume(fjord_t *fj, fjord_topic_partition_list_t *parts);

/* Low (log start) and high (high watermark) offsets of a partition, asked of
 * its leader. Works on every handle type. */
FJORD_EXPORT fjord_err_t fjord_query_watermark_offsets(fjord_t *fj, const char *topic,
                                                       int32_t partition, int64_t *lowp,
                                                       int64_t *highp, int timeout_ms);
/* For each element, offset is taken as a timestamp (ms) in and replaced by
 * the earliest offset whose timestamp is >= it (-1: none). */
FJORD_EXPORT fjord_err_t fjord_offsets_for_times(fjord_t *fj, fjord_topic_partition_list_t *parts,
                                                 int timeout_ms);

/* ------------------------------------------------------------------ metadata */

typedef struct fjord_metadata_broker_s {
	int32_t id;
	char *host;
	int port;
	char *rack; /* NULL when none */
} fjord_metadata_broker_t;

typedef struct fjord_metadata_partition_s {
	int32_t id;
	fjord_err_t err; /* LEADER_NOT_AVAILABLE when offline */
	int32_t leader;  /* -1: none */
	int32_t leader_epoch;
	int replica_cnt;
	int32_t *replicas;
	int isr_cnt;
	int32_t *isrs;
} fjord_metadata_partition_t;

typedef struct fjord_metadata_topic_s {
	char *topic;
	fjord_err_t err; /* UNKNOWN_TOPIC_OR_PARTITION when missing */
	int partition_cnt;
	fjord_metadata_partition_t *partitions; /* sorted by id */
	int config_cnt;
	char **config_names; /* topic config overrides (ZooKeeper mode) */
	char **config_values;
} fjord_metadata_topic_t;

typedef struct fjord_metadata_s {
	int broker_cnt;
	fjord_metadata_broker_t *brokers; /* sorted by id */
	int topic_cnt;
	fjord_metadata_topic_t *topics; /* sorted by name */
	int32_t controller_id;          /* -1: none */
	int32_t controller_epoch;       /* -1: not known (bootstrap mode) */
	char *cluster_id;               /* NULL: not known */
} fjord_metadata_t;

/* Fresh metadata for one topic (topic != NULL) or for all topics. Works on
 * every handle type; reads ZooKeeper when zookeeper.connect is set, else
 * asks a broker. Caller frees *mdp with fjord_metadata_destroy(). */
FJORD_EXPORT fjord_err_t fjord_metadata(fjord_t *fj, const char *topic, fjord_metadata_t **mdp,
                                        int timeout_ms);
FJORD_EXPORT void fjord_metadata_destroy(fjord_metadata_t *md);

/* ------------------------------------------------------------------ admin */
/* Topic administration goes through ZooKeeper, as in Kafka's ZooKeeper mode:
 * the admin client writes the topic's replica assignment and config; the
 * controller does the rest. Calls are synchronous and wait up to timeout_ms
 * for the outcome. fjord_admin_create_topic and fjord_admin_delete_topic
 * also work on a handle with bootstrap.servers only: a broker authorizes
 * the request (TOPIC_AUTHORIZATION_FAILED) and writes ZooKeeper for it
 * (CreateTopics / DeleteTopics, docs/protocol.md); the other calls need
 * zookeeper.connect. */

/* configs: NULL, or name/value pairs terminated by a NULL name, e.g.
 * {"retention.ms", "60000", NULL}. partitions <= 0 / replication_factor <= 0
 * use the cluster defaults (num.partitions / default.replication.factor,
 * falling back to 1). Returns once every partition has a leader.
 * TOPIC_ALREADY_EXISTS, INVALID_TOPIC, INVALID_PARTITIONS,
 * INVALID_REPLICATION_FACTOR (more than live brokers), INVALID_CONFIG. */
FJORD_EXPORT fjord_err_t fjord_admin_create_topic(fjord_t *fj, const char *topic,
                                                  int32_t partitions, int32_t replication_factor,
                                                  const char *const *configs, int timeout_ms,
                                                  char *errstr, size_t errstr_size);
/* Marks the topic for deletion (/admin/delete_topics/<t>) and waits until the
 * controller has removed it. UNKNOWN_TOPIC_OR_PARTITION if it does not exist. */
FJORD_EXPORT fjord_err_t fjord_admin_delete_topic(fjord_t *fj, const char *topic, int timeout_ms,
                                                  char *errstr, size_t errstr_size);
/* Adds partitions to a topic so that it has new_total (Kafka's
 * CreatePartitions; docs/operations.md "Adding partitions" says what happens
 * to keyed records): the new partitions are placed like a new topic's, with
 * the replication factor of partition 0, in one version-conditional rewrite
 * of /brokers/topics/<t>; existing partitions are not touched. Waits up to
 * timeout_ms until every partition has a leader (FJORD_ERR__TIMED_OUT: the
 * partitions were added and the controller may still elect them; <= 0:
 * returns once written). INVALID_PARTITIONS when new_total is not above the
 * current count, UNKNOWN_TOPIC_OR_PARTITION, INVALID_TOPIC (queued for
 * deletion), INVALID_REPLICATION_FACTOR (fewer live brokers than replicas),
 * REASSIGNMENT_IN_PROGRESS. Needs zookeeper.connect (a Kafka client asks a
 * broker's Kafka listener instead: CreatePartitions). */
FJORD_EXPORT fjord_err_t fjord_admin_create_partitions(fjord_t *fj, const char *topic,
                                                       int32_t new_total, int timeout_ms,
                                                       char *errstr, size_t errstr_size);
/* SCRAM users for SASL logins (docs/security.md, "SASL"), written to
 * /config/users/<user> in Kafka's format with a change notification, as
 * kafka-configs.sh --entity-type users does; brokers apply a change to the
 * next login. Need zookeeper.connect. */
#define FJORD_SCRAM_SHA_256 0x1
#define FJORD_SCRAM_SHA_512 0x2
/* Creates the user or replaces its credential for the given mechanisms
 * (FJORD_SCRAM_SHA_256 | FJORD_SCRAM_SHA_512; 0: both) from password with a
 * fresh random salt; a mechanism not given keeps its credential. iterations
 * 4096..16384 (0: 4096). FJORD_ERR__INVALID_ARG for a bad name, password or
 * iterations. */
FJORD_EXPORT fjord_err_t fjord_admin_upsert_scram_user(fjord_t *fj, const char *user,
                                                       const char *password, int mechanisms,
                                                       int iterations, char *errstr,
                                                       size_t errstr_size);
/* Deletes the user (every mechanism). FJORD_ERR__INVALID_ARG when there is no
 * such user. */
FJORD_EXPORT fjord_err_t fjord_admin_delete_scram_user(fjord_t *fj, const char *user, char *errstr,
                                                       size_t errstr_size);
/* The users that have a SCRAM credential, sorted; free with
 * fjord_admin_scram_user_list_destroy(). */
FJORD_EXPORT fjord_err_t fjord_admin_list_scram_users(fjord_t *fj, char ***usersp, int *cntp,
                                                      char *errstr, size_t errstr_size);
FJORD_EXPORT void fjord_admin_scram_user_list_destroy(char **users, int cnt);
/* Changes a topic's config overrides (/config/topics/<t>, read by every
 * broker, which applies them while running: docs/operations.md says when
 * each takes effect). set: set_cnt name/value pairs, i.e. 2 * set_cnt
 * strings {"retention.ms", "60000", ...}; del_keys: del_cnt names whose
 * override is removed (the broker default applies again). Every name and
 * value is checked first, and nothing is written if one is wrong
 * (INVALID_CONFIG, errstr names the key; also when an override already
 * stored and kept by this call is invalid, or the stored znode is
 * malformed). The change is one version-conditional write, retried when
 * another writer got there first. Returns once written.
 * UNKNOWN_TOPIC_OR_PARTITION if the topic does not exist or is being
 * deleted; FJORD_ERR__INVALID_ARG when there is nothing to change. */
FJORD_EXPORT fjord_err_t fjord_admin_alter_topic_config(fjord_t *fj, const char *topic,
                                                        const char *const *set, int set_cnt,
                                                        const char *const *del_keys, int del_cnt,
                                                        char *errstr, size_t errstr_size);

/* Where a topic config value comes from (Kafka's ConfigSource, the two that
 * apply to a topic in ZooKeeper mode). */
typedef enum fjord_config_source_t {
	FJORD_CONFIG_SOURCE_DEFAULT = 0, /* no override: the broker default applies */
	FJORD_CONFIG_SOURCE_TOPIC = 1,   /* an override in /config/topics/<t> */
} fjord_config_source_t;

typedef struct fjord_config_entry_s {
	char *name;
	char *value; /* the override, or the broker setting's built-in default */
	fjord_config_source_t source;
	char *broker_key; /* the broker setting a default comes from
	                   * ("log.retention.ms"); NULL: none or an unknown key */
} fjord_config_entry_t;

/* Every topic config key fjord knows, in a fixed order, with its value and
 * source, as kafka-configs.sh --describe --all; an override of a key fjord
 * does not know (written by hand) is listed after them. A default's value is
 * the built-in default of its broker setting: fjord's protocol has no
 * DescribeConfigs, so a broker's server.properties is not seen (broker_key
 * names the setting to look at). *entriesp (free with
 * fjord_config_entries_destroy) receives *cntp entries. timeout_ms bounds
 * the metadata read. UNKNOWN_TOPIC_OR_PARTITION; needs zookeeper.connect. */
FJORD_EXPORT fjord_err_t fjord_admin_describe_topic_config(fjord_t *fj, const char *topic,
                                                           int timeout_ms,
                                                           fjord_config_entry_t **entriesp,
                                                           int *cntp, char *errstr,
                                                           size_t errstr_size);
FJORD_EXPORT void fjord_config_entries_destroy(fjord_config_entry_t *entries, int cnt);

/* ------------------------------------------------------------------ partition reassignment */
/* Moving partitions to other brokers, as in Kafka's ZooKeeper mode: the
 * admin client writes the plan /admin/reassign_partitions; the controller
 * adds the new replicas, waits until they are in the ISR, moves leadership
 * into the target set, drops the old replicas and deletes the plan
 * (docs/zookeeper.md). A running reassignment cannot be changed or
 * cancelled; a new plan can be written once the previous one is gone. */

typedef struct fjord_reassignment_s {
	const char *topic;
	int32_t partition;
	const int32_t *replicas; /* target replica set; the first is the preferred leader */
	int replica_cnt;
} fjord_reassignment_t;

/* Checks the plan (cnt >= 1 partitions, each listed once; valid topic names;
 * non-empty replica lists of distinct ids >= 0: FJORD_ERR__INVALID_ARG),
 * that each topic and partition exists (UNKNOWN_TOPIC_OR_PARTITION) and that
 * each target replica is a registered broker (BROKER_NOT_AVAILABLE), then
 * writes the plan and returns without waiting (follow it with
 * fjord_admin_reassignment_status). FJORD_ERR_REASSIGNMENT_IN_PROGRESS when a reassignment is
 * in progress (the plan znode exists). errstr says which entry is wrong. */
FJORD_EXPORT fjord_err_t fjord_admin_reassign_partitions(fjord_t *fj,
                                                         const fjord_reassignment_t *parts, int cnt,
                                                         char *errstr, size_t errstr_size);

typedef enum fjord_reassignment_state_t {
	FJORD_REASSIGNMENT_DONE = 0,        /* the partition's replicas are the target */
	FJORD_REASSIGNMENT_IN_PROGRESS = 1, /* the pending plan lists it */
	FJORD_REASSIGNMENT_NOT_STARTED = 2, /* no pending plan lists it and its replicas
	                                     * differ from the target (never written, or
	                                     * refused: see /admin/errors) */
	FJORD_REASSIGNMENT_UNKNOWN = 3,     /* no such topic or partition */
} fjord_reassignment_state_t;

typedef struct fjord_reassignment_status_s {
	char *topic;
	int32_t partition;
	fjord_reassignment_state_t state;
	int32_t leader; /* -1: none or not known */
	int replica_cnt;
	int32_t *replicas; /* the current assignment */
	int isr_cnt;
	int32_t *isr;
} fjord_reassignment_status_t;

/* Where each partition of parts stands against its target (parts as for
 * fjord_admin_reassign_partitions; the target replicas are compared in
 * order). *statusp receives cnt entries in the order of parts (free with
 * fjord_reassignment_status_destroy); *pendingp (may be NULL) is set to 1
 * when a plan is pending in ZooKeeper. */
FJORD_EXPORT fjord_err_t fjord_admin_reassignment_status(fjord_t *fj,
                                                         const fjord_reassignment_t *parts, int cnt,
                                                         fjord_reassignment_status_t **statusp,
                                                         int *pendingp, char *errstr,
                                                         size_t errstr_size);
FJORD_EXPORT void fjord_reassignment_status_destroy(fjord_reassignment_status_t *status, int cnt);

/* ------------------------------------------------------------------ preferred leader election */
/* Moving leadership back to each partition's preferred replica (the first of
 * its assignment), as Kafka's kafka-leader-election.sh --election-type
 * preferred in ZooKeeper mode: the admin client writes Kafka's plan to
 * /admin/preferred_replica_election and the controller carries it out
 * (docs/operations.md, "Preferred leader election"). Needs zookeeper.connect. */

typedef enum fjord_election_outcome_t {
	FJORD_ELECTION_ELECTED = 0,     /* the preferred replica leads now */
	FJORD_ELECTION_ALREADY = 1,     /* it led already: not in the plan */
	FJORD_ELECTION_NOT_ELECTED = 2, /* another broker (or none) still leads: the
	                                 * preferred replica is down or out of the ISR,
	                                 * or the controller was not done in time */
	FJORD_ELECTION_UNKNOWN = 3,     /* reserved: no such partition */
} fjord_election_outcome_t;

typedef struct fjord_election_result_s {
	char *topic;
	int32_t partition;
	fjord_election_outcome_t outcome;
	int32_t leader;    /* leader at the end; -1: none */
	int32_t preferred; /* the preferred replica; -1: not known */
} fjord_election_result_t;

/* Elects the preferred leader of each partition of parts (topic, partition;
 * offsets ignored), or of every partition of every topic when parts is NULL.
 * Partitions led by their preferred replica already are not written into the
 * plan (ALREADY; nothing is written when all are). Waits up to timeout_ms
 * until the controller has consumed the plan and the leaders have moved.
 * *resultsp receives *cntp results in the order of parts (NULL: topics by
 * name, partitions by id); free with fjord_election_results_destroy(). Also
 * filled with FJORD_ERR__TIMED_OUT (the plan stays for the controller).
 * UNKNOWN_TOPIC_OR_PARTITION (nothing written, errstr names it),
 * FJORD_ERR__STATE when an election is pending (the znode exists),
 * FJORD_ERR__INVALID_ARG (also a partition listed twice). */
FJORD_EXPORT fjord_err_t fjord_admin_elect_preferred_leaders(
    fjord_t *fj, const fjord_topic_partition_list_t *parts, int timeout_ms,
    fjord_election_result_t **resultsp, int *cntp, char *errstr, size_t errstr_size);
FJORD_EXPORT void fjord_election_results_destroy(fjord_election_result_t *results, int cnt);
/* "elected", "already-preferred", "not-elected", "unknown-partition". */
FJORD_EXPORT const char *fjord_election_outcome_name(fjord_election_outcome_t outcome);

/* What the controller refused: one marker per refused znode, read from
 * /admin/errors (docs/zookeeper.md). A marker stays until the znode is
 * accepted again or deleted (a one-shot plan's until the next plan of its
 * kind is accepted, or an operator deletes the marker). */
typedef struct fjord_refused_s {
	char *znode;             /* the refused znode, e.g. "/config/topics/orders" */
	char *marker;            /* the marker's path, "/admin/errors" + znode */
	char *error;             /* why the controller refused it */
	int32_t refused_version; /* the znode's data version refused; -1: deleted */
	int64_t timestamp_ms;    /* when it was refused (ms since the epoch); -1: unknown */
} fjord_refused_t;

/* Lists the markers (sorted by znode) into *listp, *cntp entries (free with
 * fjord_refused_list_destroy); none is *listp NULL, *cntp 0. A marker whose
 * value is not a marker is listed with error "(unreadable marker: ...)".
 * Requires zookeeper.connect. */
FJORD_EXPORT fjord_err_t fjord_admin_list_refused(fjord_t *fj, fjord_refused_t **listp, int *cntp,
                                                  char *errstr, size_t errstr_size);
FJORD_EXPORT void fjord_refused_list_destroy(fjord_refused_t *list, int cnt);

/* Whether the handle's ZooKeeper path (zookeeper.connect, chroot included)
 * holds a fjord cluster: *foundp 1 when its /cluster/id exists (the first
 * broker to start writes it). When it does not, *foundp is 0 and others gets
 * the chroots of the same ensemble that do hold one (the root "/" and its
 * direct children, comma-separated; empty: none), from a short second session
 * without the chroot, so a tool can say "no fjord cluster at '/'; found under
 * /fjord" instead of printing an empty cluster. Writes nothing. Requires
 * zookeeper.connect. */
FJORD_EXPORT fjord_err_t fjord_zookeeper_locate(fjord_t *fj, int *foundp, char *others,
                                                size_t others_size, char *errstr,
                                                size_t errstr_size);

/* ------------------------------------------------------------------ ACLs */
/* Kafka's ACLs, kept in ZooKeeper as Kafka's ZooKeeper mode does
 * (/kafka-acl/<Topic|Group|Cluster>/<name>; docs/security.md,
 * "Authorization"), read by brokers whose authorizer.class.name is set.
 * Requires zookeeper.connect. Each change is a version-checked
 * read-modify-write of the resource's znode together with Kafka's change
 * notification (/kafka-acl-changes/acl_changes_<seq>), so concurrent edits
 * are not lost. Literal resource names only ("*" is Kafka's wildcard:
 * every resource of the type). */
typedef enum fjord_acl_resource_type {
	FJORD_ACL_TOPIC = 0,
	FJORD_ACL_GROUP = 1,
	FJORD_ACL_CLUSTER = 2, /* resource_name "kafka-cluster" (NULL means it) */
} fjord_acl_resource_type_t;

typedef struct fjord_acl_s {
	fjord_acl_resource_type_t resource_type;
	char *resource_name;
	char *principal; /* "User:alice"; "User:*" for every user */
	char *host;      /* "*" (NULL means it) or the client's address */
	char *operation; /* Kafka's name: All, Read, Write, Create, Delete, Alter, Describe,
	                  * ClusterAction, DescribeConfigs, AlterConfigs, IdempotentWrite */
	int deny;        /* 0: Allow, 1: Deny */
	char *error;     /* listing only: NULL, or why the resource's znode is refused
	                  * (a refused znode grants nothing until it is fixed) */
} fjord_acl_t;

/* Adds cnt entries (an entry already there is no change). *changedp (may be
 * NULL) receives how many were new. FJORD_ERR__INVALID_ARG for a bad
 * principal, operation, host or name; nothing of that entry is written
 * (entries before it are). */
FJORD_EXPORT fjord_err_t fjord_admin_acl_add(fjord_t *fj, const fjord_acl_t *acls, int cnt,
                                             int *changedp, char *errstr, size_t errstr_size);
/* Removes cnt entries (one that is not there is no change); a resource left
 * without entries loses its znode. *changedp as above. */
FJORD_EXPORT fjord_err_t fjord_admin_acl_remove(fjord_t *fj, const fjord_acl_t *acls, int cnt,
                                                int *changedp, char *errstr, size_t errstr_size);
/* Every entry (sorted by resource type, name), into *listp / *cntp (free
 * with fjord_acl_list_destroy); a refused znode is listed as one entry with
 * error set and only its resource filled. */
FJORD_EXPORT fjord_err_t fjord_admin_acl_list(fjord_t *fj, fjord_acl_t **listp, int *cntp,
                                              char *errstr, size_t errstr_size);
FJORD_EXPORT void fjord_acl_list_destroy(fjord_acl_t *list, int cnt);

/* ------------------------------------------------------------------ consumer groups */
/* A consumer with group.id joins the group when it subscribes. Membership,
 * assignment and committed offsets live in ZooKeeper (zookeeper.connect is
 * required), under /consumers/<group>/ (docs/zookeeper.md). Rebalancing is
 * cooperative: only partitions that move are revoked; the others keep
 * flowing. Each partition is owned by one member at a time, and a member
 * can commit only partitions it owns (FJORD_ERR__FENCED otherwise). */

typedef enum fjord_rebalance_event_t {
	FJORD_REBALANCE_ASSIGN = 1, /* `parts` were added to this member's assignment */
	FJORD_REBALANCE_REVOKE = 2, /* `parts` were taken away (their offsets were committed
	                             * first when enable.auto.commit=true) */
	FJORD_REBALANCE_LOST = 3,   /* the session expired: `parts` were lost without a
	                             * chance to commit; another member may own them now */
} fjord_rebalance_event_t;

/* Incremental rebalance callback: parts lists only the partitions that
 * moved; the SDK has already applied the change (the callback only informs).
 * Runs on the callback thread (or in fjord_poll/fjord_consumer_poll in
 * callback.mode=poll). Without one (as in librdkafka) assign and revoke are
 * handled silently: fjord_consumer_poll() returns only records; a LOST
 * assignment (group session expired) still arrives from it as one message
 * per partition with err FJORD_ERR__ASSIGNMENT_LOST, since commits of those
 * partitions now fail. */
FJORD_EXPORT void fjord_conf_set_rebalance_cb(
    fjord_conf_t *conf,
    void (*rebalance_cb)(fjord_t *fj, fjord_rebalance_event_t ev,
                         const fjord_topic_partition_list_t *parts, void *opaque));
/* Result of every commit (sync, async and auto). offsets: what was asked. */
FJORD_EXPORT void fjord_conf_set_offset_commit_cb(
    fjord_conf_t *conf,
    void (*commit_cb)(fjord_t *fj, fjord_err_t err, const fjord_topic_partition_list_t *offsets,
                      void *opaque));

/* Joins group.id with these topics (each element's topic; partition and
 * offset are ignored). A topic starting with '^' is a POSIX extended regex
 * matched against every topic, now and as topics are created. Replaces an
 * earlier subscription. FJORD_ERR__INVALID_ARG without group.id, with a bad
 * regex, or when the handle uses manual fjord_assign(). */
FJORD_EXPORT fjord_err_t fjord_subscribe(fjord_t *fj, const fjord_topic_partition_list_t *topics);
/* Leaves the group (commits first when enable.auto.commit=true). */
FJORD_EXPORT fjord_err_t fjord_unsubscribe(fjord_t *fj);
FJORD_EXPORT fjord_err_t fjord_subscription(fjord_t *fj, fjord_topic_partition_list_t **topicsp);

/* Commits offsets (the next offset to consume, as in Kafka). offsets NULL:
 * the current position of every owned partition. async=0 waits for the
 * outcome; async=1 returns at once and reports to the commit callback.
 * Per-element errors land in the list's err fields when offsets != NULL.
 * FJORD_ERR__FENCED if a partition is not owned by this member. */
FJORD_EXPORT fjord_err_t fjord_commit(fjord_t *fj, const fjord_topic_partition_list_t *offsets,
                                      int async);
/* Fills each element's offset with the group's committed offset
 * (FJORD_OFFSET_INVALID when none). */
FJORD_EXPORT fjord_err_t fjord_committed(fjord_t *fj, fjord_topic_partition_list_t *parts,
                                         int timeout_ms);
/* Lag of an owned or assigned partition, as last seen by this consumer:
 * records between its position and the high watermark, and the age in ms of
 * the record at its position (0 when caught up, -1 when not known). */
FJORD_EXPORT fjord_err_t fjord_consumer_lag(fjord_t *fj, const char *topic, int32_t partition,
                                            int64_t *lag_recordsp, int64_t *lag_msp);

/* ------------------------------------------------------------------ group admin */

typedef struct fjord_group_member_s {
	char *member_id; /* the member znode's name */
	char *client_id;
	char *host;
	int64_t joined_ms; /* when its znode was created */
	int topic_cnt;
	char **topics; /* its subscription (patterns as given) */
	int is_leader;
} fjord_group_member_t;

typedef struct fjord_group_partition_s {
	char *topic;
	int32_t partition;
	char *owner;            /* member id, NULL when unowned */
	int64_t committed;      /* -1: nothing committed */
	int64_t log_end_offset; /* the partition's high watermark */
	int64_t lag;            /* log_end_offset - committed (or - log start when none) */
	int64_t lag_ms;         /* age of the first unconsumed record; 0 caught up; -1 unknown */
} fjord_group_partition_t;

typedef struct fjord_group_description_s {
	char *group;
	int32_t generation;        /* -1: never assigned */
	char *leader;              /* member id, NULL when none */
	char *strategy;            /* range, roundrobin or sticky */
	int64_t last_rebalance_ms; /* -1: never */
	char *last_rebalance_reason;
	int member_cnt;
	fjord_group_member_t *members;
	int partition_cnt;
	fjord_group_partition_t *partitions; /* sorted by topic, partition */
	int64_t total_lag;
} fjord_group_description_t;

/* Every group with a /consumers/<group> znode; caller frees with
 * fjord_admin_group_list_destroy(). */
FJORD_EXPORT fjord_err_t fjord_admin_list_groups(fjord_t *fj, char ***groupsp, int *cntp,
                                                 int timeout_ms);
FJORD_EXPORT void fjord_admin_group_list_destroy(char **groups, int cnt);
/* FJORD_ERR_GROUP_ID_NOT_FOUND for an unknown group. */
FJORD_EXPORT fjord_err_t fjord_admin_describe_group(fjord_t *fj, const char *group,
                                                    fjord_group_description_t **descp,
                                                    int timeout_ms);
FJORD_EXPORT void fjord_group_description_destroy(fjord_group_description_t *desc);
/* Sets committed offsets of a group with no live members
 * (FJORD_ERR_NON_EMPTY_GROUP otherwise); an offset of -1 removes it. */
FJORD_EXPORT fjord_err_t fjord_admin_alter_group_offsets(
    fjord_t *fj, const char *group, const fjord_topic_partition_list_t *offsets, int timeout_ms,
    char *errstr, size_t errstr_size);
/* Deletes a group with no live members and its offsets. */
FJORD_EXPORT fjord_err_t fjord_admin_delete_group(fjord_t *fj, const char *group, int timeout_ms,
                                                  char *errstr, size_t errstr_size);

/* ------------------------------------------------------------------ segment files
 *
 * Reading a broker's log segment files offline (`fjord log dump`, like
 * kafka-dump-log.sh): a .log file's record batches and their records, or a
 * .index / .timeindex file's entries (formats: docs/storage.md). No cluster
 * is involved; nothing is written. A damaged batch is reported, not fatal:
 * a CRC mismatch or an undecodable batch is returned with err set and the
 * walk goes on at the next batch; a batch whose length field is impossible
 * or that runs past the end of the file (a torn tail) is returned with err
 * set and ends the walk. A handle is used by one thread at a time.
 * (src/client/segment_reader.c) */

typedef struct fjord_segment_s fjord_segment_t;

typedef enum fjord_segment_kind_t {
	FJORD_SEGMENT_LOG = 0,       /* NNN.log: record batches */
	FJORD_SEGMENT_INDEX = 1,     /* NNN.index: 8-byte offset index entries */
	FJORD_SEGMENT_TIMEINDEX = 2, /* NNN.timeindex: 12-byte time index entries */
} fjord_segment_kind_t;

/* One record batch of a .log file. Strings are static or owned by the
 * handle (valid until the next call on it). */
typedef struct fjord_segment_batch_s {
	int64_t position; /* byte position of the batch in the file */
	size_t size;      /* batchLength + 12 (what the length field claims) */
	int64_t base_offset, last_offset;
	int32_t record_count;
	int32_t partition_leader_epoch;
	int64_t base_timestamp, max_timestamp;
	int timestamp_type; /* FJORD_TIMESTAMP_* */
	int64_t producer_id;
	int16_t producer_epoch;
	int32_t base_sequence;
	const char *codec; /* "none", "gzip", "snappy", "lz4", "zstd", "unknown" */
	int transactional, control;
	uint32_t crc;    /* as stored */
	int crc_valid;   /* 1 when the stored CRC-32C matches the bytes */
	fjord_err_t err; /* 0, or FJORD_ERR_CORRUPT_MESSAGE: errstr says why */
	const char *errstr;
} fjord_segment_batch_t;

/* One entry of a .index (timestamp -1) or .timeindex (file_position -1). */
typedef struct fjord_segment_entry_s {
	int64_t position;      /* byte position of the entry in the file */
	int64_t offset;        /* segment base offset + relative offset (relative alone
	                        * when the file name gives no base offset) */
	int64_t file_position; /* .index: position of that batch in the .log */
	int64_t timestamp;     /* .timeindex: ms since the epoch */
} fjord_segment_entry_t;

/* Opens a segment file; its kind comes from the suffix (.log, .index,
 * .timeindex) and its base offset from the name (-1 when the name is not
 * 20 digits). FJORD_ERR__INVALID_ARG for another suffix, FJORD_ERR__FAIL
 * when it cannot be read (errstr says why). Free with fjord_segment_close. */
FJORD_EXPORT fjord_err_t fjord_segment_open(const char *path, fjord_segment_t **segp, char *errstr,
                                            size_t errstr_size);
FJORD_EXPORT void fjord_segment_close(fjord_segment_t *seg);
FJORD_EXPORT fjord_segment_kind_t fjord_segment_kind(const fjord_segment_t *seg);
FJORD_EXPORT int64_t fjord_segment_base_offset(const fjord_segment_t *seg);
/* Bytes in the file. */
FJORD_EXPORT int64_t fjord_segment_size(const fjord_segment_t *seg);
/* .log: the next batch: 1 (*batch filled, check batch->err), 0 at the end.
 * FJORD_SEGMENT_INDEX / _TIMEINDEX handles return 0. */
FJORD_EXPORT int fjord_segment_next_batch(fjord_segment_t *seg, fjord_segment_batch_t *batch);
/* The records of the batch last returned, when it had no error: 1 (*rec
 * filled: offset, timestamp, timestamp_type, key, value, headers; topic NULL,
 * partition -1; pointers valid until the next call), 0 after the last one,
 * -1 when a record cannot be decoded (rec->err and rec->errstr say why; the
 * batch's other records are skipped). */
FJORD_EXPORT int fjord_segment_next_record(fjord_segment_t *seg, fjord_message_t *rec);
/* .index / .timeindex: the next entry: 1, 0 at the end, -1 for a partial
 * entry at the end of the file (errstr, if given, says how many bytes). */
FJORD_EXPORT int fjord_segment_next_entry(fjord_segment_t *seg, fjord_segment_entry_t *entry,
                                          char *errstr, size_t errstr_size);

/* ------------------------------------------------------------------ log dirs
 *
 * One broker's log dirs and the size of every partition in them, read from
 * the broker's HTTP /metrics endpoint (its `http.listener`, "host:port";
 * brokers do not register it in ZooKeeper, so the caller names it), as
 * kafka-log-dirs.sh --describe shows them. One blocking HTTP GET on the
 * calling thread, bounded by timeout_ms. (src/client/log_dirs.c) */

typedef struct fjord_log_dir_partition_s {
	char *topic;
	int32_t partition;
	int64_t size_bytes; /* bytes of all its segments */
} fjord_log_dir_partition_t;

typedef struct fjord_log_dir_s {
	char *path;
	int offline;        /* 1: failed (a disk error) */
	int full;           /* 1: refusing appends for lack of space */
	int64_t size_bytes; /* sum of its partitions */
	int partition_cnt;
	fjord_log_dir_partition_t *partitions; /* sorted by topic, partition */
} fjord_log_dir_t;

typedef struct fjord_broker_log_dirs_s {
	int32_t broker_id;
	int64_t size_bytes; /* sum of its dirs */
	int dir_cnt;
	fjord_log_dir_t *dirs; /* in the broker's log.dirs order */
} fjord_broker_log_dirs_t;

/* Fills *outp (free with fjord_broker_log_dirs_destroy). Errors, with
 * errstr: FJORD_ERR__INVALID_ARG (not host:port), FJORD_ERR__TRANSPORT
 * (cannot connect), FJORD_ERR__TIMED_OUT, FJORD_ERR__BAD_MSG (not a 200
 * answer from a fjord broker). */
FJORD_EXPORT fjord_err_t fjord_broker_log_dirs(const char *http_endpoint, int timeout_ms,
                                               fjord_broker_log_dirs_t **outp, char *errstr,
                                               size_t errstr_size);
FJORD_EXPORT void fjord_broker_log_dirs_destroy(fjord_broker_log_dirs_t *dirs);

#ifdef __cplusplus
}
#endif
#endif /* FJORD_H */
