/*
 * broker_conf.h — fjordd's configuration: Kafka's broker property names,
 * one table (broker_conf.c) driving defaults, parsing, validation and the
 * Markdown reference printed by `fjordd --help-config`.
 *
 * Sources, later wins: built-in defaults < the properties file <
 * `--override key=value` arguments. An unknown key or a bad value is an
 * error naming the key (and file:line for the file). broker_conf_finish()
 * checks required keys and cross-key rules and derives the log defaults
 * and the log dir list.
 *
 * Thread: main thread during start-up; read-only afterwards (loop thread).
 * Ownership: strings are owned by the conf and freed by broker_conf_free().
 */
#ifndef FJORD_BROKER_CONF_H
#define FJORD_BROKER_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "storage/storage.h"

/* A listener's security protocol (listener.security.protocol.map; Kafka's
 * four names). docs/security.md says which ones this build serves. */
typedef enum sec_proto {
	SEC_PLAINTEXT = 0,
	SEC_SSL,
	SEC_SASL_PLAINTEXT,
	SEC_SASL_SSL,
} sec_proto_t;

/* "PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL". */
const char *sec_proto_name(sec_proto_t p);
/* Case-insensitive parse of one of the names above; -1 when unknown. */
int sec_proto_parse(const char *s, sec_proto_t *out);
/* SASL_PLAINTEXT or SASL_SSL: connections authenticate first (sasl_server.c). */
#define SEC_PROTO_IS_SASL(p) ((p) == SEC_SASL_PLAINTEXT || (p) == SEC_SASL_SSL)

/* One entry of `listeners`, with its `advertised.listeners` entry. */
typedef struct broker_listener {
	char *name;        /* upper-case, unique */
	char *host;        /* bind host; "" = all interfaces */
	int port;          /* bind port; 0 = any free port */
	char *adv_host;    /* advertised host; NULL: listener host or hostname */
	int adv_port;      /* advertised port; -1: the bound port */
	sec_proto_t proto; /* from listener.security.protocol.map */
	int kafka;         /* in kafka.listener.names: speaks Kafka's protocol */
} broker_listener_t;

typedef struct broker_conf {
	int broker_id;
	char *listeners;
	char *advertised_listeners;
	char *listener_security_protocol_map;
	char *inter_broker_listener_name;
	char *
	    kafka_listener_names; /* listeners speaking Kafka's protocol (docs/kafka-protocol.md) */
	int auto_create_topics_enable;
	/* TLS (broker/tls.c, docs/security.md). */
	char *ssl_certificate_location;
	char *ssl_key_location;
	char *ssl_key_password;
	char *ssl_ca_location;
	int ssl_client_auth; /* tls_client_auth_t */
	int log_level;       /* log.level: index into its words (error..trace) */
	char *ssl_enabled_protocols;
	int ssl_endpoint_identification_algorithm; /* 0: https, 1: none */
	char *log_dirs;
	char *log_dir;
	char *zookeeper_connect;
	int zookeeper_session_timeout_ms;
	int zookeeper_connection_timeout_ms;
	char *zookeeper_auth;      /* "digest:<user>:<password>"; NULL: none (common/zkacl.h) */
	int zookeeper_set_acl;     /* zookeeper.set.acl */
	char *zookeeper_admin_acl; /* comma-separated ACL ids; NULL: none */
	int num_partitions;
	int default_replication_factor;
	int min_insync_replicas;
	int producer_id_block_size; /* producer.id.block.size */
	/* The Kafka group coordinator (broker/kafka/kgroup.h). */
	int group_min_session_timeout_ms; /* group.min.session.timeout.ms */
	int group_max_session_timeout_ms; /* group.max.session.timeout.ms */
	int group_max_size;               /* group.max.size */
	int64_t log_segment_bytes;
	int64_t log_roll_ms;
	int64_t log_roll_hours;
	int64_t log_retention_ms;
	int64_t log_retention_minutes;
	int64_t log_retention_hours;
	int64_t log_retention_bytes;
	int64_t log_retention_check_interval_ms;
	int64_t producer_id_expiration_ms; /* idle producers' state dropped (producer_state.h) */
	int producer_id_max_per_partition; /* producers a partition remembers */
	int log_index_interval_bytes;
	int log_index_size_max_bytes;
	int64_t log_flush_interval_messages;
	int64_t log_flush_interval_ms;
	int64_t log_flush_offset_checkpoint_interval_ms;
	int64_t replica_high_watermark_checkpoint_interval_ms;
	int socket_request_max_bytes;
	/* Connection and request limits (conn.c, reqmem.c, conn_quota.c,
	 * server.c; docs/operations.md "Limits and faults"). */
	int64_t queued_max_request_bytes;
	int queued_max_requests_per_connection;
	int64_t queued_max_bytes_per_connection;
	int64_t connections_max_idle_ms; /* -1: never */
	int max_connections;
	int max_connections_per_ip;
	int message_max_bytes;
	int64_t log_message_timestamp_difference_max_ms;
	int64_t replica_lag_time_max_ms;
	int replica_fetch_max_bytes;
	int replica_fetch_response_max_bytes;
	int replica_fetch_wait_max_ms;
	int64_t controlled_shutdown_timeout_ms;
	int unclean_leader_election_enable;
	int auto_leader_rebalance_enable;
	int leader_imbalance_check_interval_s;
	int leader_imbalance_per_broker_pct;
	char *broker_rack;
	char *http_listener;
	int fault_produce_drop_every; /* test-only fault injection (conn.c); 0: off */
	/* Authorization (authz.c; docs/security.md "Authorization"). */
	char *authorizer_class_name; /* empty: no authorizer */
	char *super_users;           /* "User:a;User:b" */
	int allow_everyone_if_no_acl_found;
	/* SASL (sasl_server.c, replica_fetcher.c; docs/security.md). */
	char *sasl_enabled_mechanisms;
	char *sasl_mechanism_inter_broker_protocol;
	char *inter_broker_sasl_username;
	char *inter_broker_sasl_password;
	int sasl_server_max_receive_size;
	/* Log compaction (broker/cleaner.h, storage/log_cleaner.h). */
	char *log_cleanup_policy; /* delete | compact | compact,delete */
	double log_cleaner_min_cleanable_ratio;
	int64_t log_cleaner_min_compaction_lag_ms;
	int64_t log_cleaner_max_compaction_lag_ms;
	int64_t log_cleaner_delete_retention_ms;
	int log_cleaner_enable;
	int log_cleaner_threads;
	int64_t log_cleaner_dedupe_buffer_size;
	double log_cleaner_io_max_bytes_per_second;
	int64_t log_cleaner_backoff_ms;

	/* Which of the alternative keys were given (the most precise wins,
	 * as in Kafka: .ms over .minutes over .hours). */
	int retention_ms_set, retention_minutes_set, roll_ms_set;
	int protocol_map_set;

	/* Derived by broker_conf_finish(). */
	log_config_t log_defaults;
	char **dirs;
	size_t dir_cnt;
	broker_listener_t *lsn; /* `listeners` in their configured order */
	int lsn_cnt;            /* >= 1 */
	int ibl;                /* index of inter.broker.listener.name in lsn */
	unsigned sasl_mechs;    /* sasl.enabled.mechanisms: 1 << sasl_mech_t */
	int sasl_ibp_mech;      /* sasl.mechanism.inter.broker.protocol: a sasl_mech_t */
	char *http_host;
	int http_port;
} broker_conf_t;

/* Fills the defaults. Returns 0 or -1 (out of memory). */
int broker_conf_init(broker_conf_t *conf);
/* Sets one property by its Kafka name. Returns 0 or -1 with errstr. */
int broker_conf_set(broker_conf_t *conf, const char *key, const char *value, char *errstr,
                    size_t errstr_size);
/* Reads a .properties file; errors name file:line and the key. */
int broker_conf_load_file(broker_conf_t *conf, const char *path, char *errstr, size_t errstr_size);
/* Required keys, listener syntax, derived values. 0 or -1 with errstr. */
int broker_conf_finish(broker_conf_t *conf, char *errstr, size_t errstr_size);
/* Builds a topic's log config: broker defaults plus the topic's overrides
 * (names/values arrays from /config/topics). The overrides are taken as a
 * whole: 0 with *out filled, or -1 with errstr naming the first bad key or
 * value (unknown key, bad value, or an invalid combination) and *out = the
 * broker defaults; the caller decides what to keep (broker.c keeps the
 * config applied last). */
int broker_conf_topic_log_config(const broker_conf_t *conf, char *const *names, char *const *values,
                                 int cnt, log_config_t *out, char *errstr, size_t errstr_size);
/* The Markdown table of every property (docs/configuration.md). */
void broker_conf_print_markdown(FILE *out);
void broker_conf_free(broker_conf_t *conf);

#endif /* FJORD_BROKER_CONF_H */
