/*
 * broker_conf.c — the broker property table and what is derived from it.
 *
 * Every property lives in one row of broker_conf_defs (name, type, field,
 * default, range, doc); the props engine (common/props.h) does defaults,
 * parsing, range checks and the Markdown reference. This file adds what a
 * table cannot say: required keys, the listener syntax, alternative keys
 * (log.retention.ms / .minutes / .hours, log.roll.ms / .hours) and the
 * per-log defaults handed to storage.
 *
 * Thread: start-up (main thread) only; topic log configs are built on the
 * loop thread from the read-only conf.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "broker/authz.h"
#include "broker/broker_conf.h"
#include "common/sasl.h"
#include "common/endpoint.h"
#include "common/flog.h"
#include "common/numparse.h"
#include "common/props.h"
#include "common/zkacl.h"
#include "common/zkadmin.h"

#define OFF(f) offsetof(broker_conf_t, f)
#define I32MAX 2147483647LL
#define I64MAX 9223372036854775807LL

/* Index order is tls_client_auth_t's (common/tls_ctx.h). */
static const char *const broker_conf_client_auths[] = { "none", "requested", "required", NULL };
static const char *const broker_conf_endpoint_algs[] = { "https", "none", NULL };
/* log.level's words (Kafka's log4j level names) and the syslog level each
 * one sets (common/flog.h); trace is debug, fjord has nothing finer. */
static const char *const broker_conf_log_levels[] = { "error", "warn",  "info",
	                                              "debug", "trace", NULL };
static const int broker_conf_log_syslog[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG,
	                                      LOG_DEBUG };

static const prop_def_t broker_conf_defs[] = {
	{ "broker.id", PROP_INT, OFF(broker_id), "-1", -1, I32MAX, NULL, 0,
	  "Required. This broker's id, unique in the cluster (>= 0)." },
	{ "listeners", PROP_STR, OFF(listeners), "PLAINTEXT://:9092", 0, 0, NULL, 0,
	  "Comma-separated named listeners, `NAME://host:port` (e.g. "
	  "`INTERNAL://:9092,EXTERNAL://:19092`); the broker binds each. NAME is [A-Z0-9_] "
	  "(case-insensitive); names and non-zero ports must be distinct. Empty host: all "
	  "interfaces; port 0: any free port (see --ports-file)." },
	{ "advertised.listeners", PROP_STR, OFF(advertised_listeners), NULL, 0, 0, NULL, 0,
	  "Comma-separated `NAME://host:port` registered in ZooKeeper for clients and other "
	  "brokers; each NAME must be in listeners. A listener without an entry advertises its "
	  "own host (this machine's hostname when it listens on all interfaces) and its bound "
	  "port; port 0 here also means the bound port. Every advertised host is resolved at "
	  "start-up and one that does not resolve is logged by name." },
	{ "listener.security.protocol.map", PROP_STR, OFF(listener_security_protocol_map),
	  "PLAINTEXT:PLAINTEXT", 0, 0, NULL, 0,
	  "Comma-separated `NAME:PROTOCOL`, PROTOCOL one of PLAINTEXT, SSL, SASL_PLAINTEXT, "
	  "SASL_SSL (docs/security.md). A listener not listed maps to the protocol of the same "
	  "name when its name is one (as Kafka's default map), else to PLAINTEXT. When set, "
	  "every NAME must be a listener." },
	{ "inter.broker.listener.name", PROP_STR, OFF(inter_broker_listener_name), NULL, 0, 0, NULL,
	  0,
	  "The listener other brokers use to reach this one (replication); its advertised "
	  "host:port is also the znode's host/port. Unset: the first listener. At start-up its "
	  "advertised host must resolve (retried for up to 10 s)." },
	{ "kafka.listener.names", PROP_STR, OFF(kafka_listener_names), NULL, 0, 0, NULL, 0,
	  "Comma-separated listener names that speak Apache Kafka's binary protocol instead of "
	  "fjord's (docs/kafka-protocol.md), e.g. `KAFKA` with `listeners` holding "
	  "`KAFKA://:29092`. Each must be a listener, not the inter-broker one, and map to "
	  "PLAINTEXT or SSL. Metadata on such a listener describes every broker by its endpoint "
	  "of the same name; a broker without one is left out." },
	{ "auto.create.topics.enable", PROP_BOOL, OFF(auto_create_topics_enable), "true", 0, 1,
	  NULL, 0,
	  "A Kafka-protocol Metadata request naming a topic that does not exist creates it "
	  "(num.partitions, default.replication.factor), as Kafka does; the answer says "
	  "LEADER_NOT_AVAILABLE until its leaders are elected. fjord's own protocol never "
	  "creates topics implicitly." },
	{ "sasl.enabled.mechanisms", PROP_STR, OFF(sasl_enabled_mechanisms),
	  "SCRAM-SHA-256,SCRAM-SHA-512", 0, 0, NULL, 0,
	  "SASL mechanisms served on SASL_PLAINTEXT and SASL_SSL listeners, comma-separated: "
	  "PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 (docs/security.md). PLAIN is checked against the "
	  "user's SCRAM credential and is served only when listed." },
	{ "sasl.server.max.receive.size", PROP_INT, OFF(sasl_server_max_receive_size), "524288",
	  256, I32MAX, NULL, 0,
	  "Largest request frame a connection on a SASL listener may send before it has "
	  "logged in (Kafka's key); a larger one closes the connection, so a client without "
	  "credentials cannot make the broker buffer socket.request.max.bytes." },
	{ "sasl.mechanism.inter.broker.protocol", PROP_STR,
	  OFF(sasl_mechanism_inter_broker_protocol), "SCRAM-SHA-512", 0, 0, NULL, 0,
	  "The mechanism the replica fetcher logs in with when the inter-broker listener is "
	  "SASL_PLAINTEXT or SASL_SSL; it must be in sasl.enabled.mechanisms." },
	{ "inter.broker.sasl.username", PROP_STR, OFF(inter_broker_sasl_username), NULL, 0, 0, NULL,
	  0,
	  "fjord's key (Kafka puts it in a JAAS file): the user this broker logs in as on a "
	  "SASL inter-broker listener. Required then." },
	{ "inter.broker.sasl.password", PROP_STR, OFF(inter_broker_sasl_password), NULL, 0, 0, NULL,
	  0, "fjord's key: the password of inter.broker.sasl.username." },
	{ "ssl.certificate.location", PROP_STR, OFF(ssl_certificate_location), NULL, 0, 0, NULL, 0,
	  "PEM file with this broker's certificate (and its chain), presented on SSL and "
	  "SASL_SSL listeners and, as its client certificate, to the leaders it replicates "
	  "from (fjord's stand-in for Kafka's ssl.keystore.location; docs/security.md). "
	  "Required when a listener is SSL." },
	{ "ssl.key.location", PROP_STR, OFF(ssl_key_location), NULL, 0, 0, NULL, 0,
	  "PEM file with the private key of ssl.certificate.location. Required when a "
	  "listener is SSL." },
	{ "ssl.key.password", PROP_STR, OFF(ssl_key_password), NULL, 0, 0, NULL, 0,
	  "Password of an encrypted ssl.key.location." },
	{ "ssl.ca.location", PROP_STR, OFF(ssl_ca_location), NULL, 0, 0, NULL, 0,
	  "PEM file of the CA certificates trusted for client certificates and for the "
	  "leaders' certificates in replication (Kafka's truststore). Unset: the system's CA "
	  "store." },
	{ "ssl.client.auth", PROP_ENUM, OFF(ssl_client_auth), "none", 0, 0,
	  broker_conf_client_auths, 0,
	  "SSL listeners: none (no client certificate asked), requested (asked; a client "
	  "without one is User:ANONYMOUS), required (a client without a certificate trusted "
	  "by ssl.ca.location is refused in the handshake)." },
	{ "ssl.enabled.protocols", PROP_STR, OFF(ssl_enabled_protocols), "TLSv1.2,TLSv1.3", 0, 0,
	  NULL, 0, "TLS versions served and used, among TLSv1.2 and TLSv1.3 (nothing older)." },
	{ "ssl.endpoint.identification.algorithm", PROP_ENUM,
	  OFF(ssl_endpoint_identification_algorithm), "https", 0, 0, broker_conf_endpoint_algs, 0,
	  "Replication over SSL: https checks that the leader's certificate names the host it "
	  "advertises (a DNS or IP subject alternative name); none skips that check (the chain "
	  "is still verified)." },
	{ "log.level", PROP_ENUM, OFF(log_level), "info", 0, 0, broker_conf_log_levels, 0,
	  "The broker's log level: error, warn, info, debug or trace (the same as debug). Every "
	  "line goes to stderr with a UTC timestamp, its level and its subsystem." },
	{ "log.dirs", PROP_STR, OFF(log_dirs), NULL, 0, 0, NULL, 0,
	  "Comma-separated log directories. Unset: log.dir." },
	{ "log.dir", PROP_STR, OFF(log_dir), "/tmp/fjord-logs", 0, 0, NULL, 0,
	  "The log directory, used when log.dirs is unset." },
	{ "zookeeper.connect", PROP_STR, OFF(zookeeper_connect), NULL, 0, 0, NULL, 0,
	  "Required. ZooKeeper connect string `host:port[,host:port...][/chroot]`." },
	{ "zookeeper.session.timeout.ms", PROP_INT, OFF(zookeeper_session_timeout_ms), "18000",
	  1000, I32MAX, NULL, 0, "ZooKeeper session timeout." },
	{ "zookeeper.connection.timeout.ms", PROP_INT, OFF(zookeeper_connection_timeout_ms),
	  "18000", 100, I32MAX, NULL, 0,
	  "How long one attempt to open a ZooKeeper session may take. At start-up an "
	  "unreachable ZooKeeper is retried without end (backoff 500 ms doubling to 10 s; "
	  "/health answers 503 meanwhile); there the first attempt waits 1 s and each later "
	  "one twice as long, up to this timeout, so the first warning comes at once." },
	{ "zookeeper.auth", PROP_STR, OFF(zookeeper_auth), NULL, 0, 0, NULL, 0,
	  "Credentials of the broker's ZooKeeper sessions, `digest:<user>:<password>` (fjord's "
	  "key; ZooKeeper's digest scheme, added with zoo_add_auth to every session before "
	  "anything else). Every broker of a cluster uses the same identity. Credentials "
	  "ZooKeeper refuses stop start-up (docs/security.md, \"ZooKeeper ACLs\")." },
	{ "zookeeper.set.acl", PROP_BOOL, OFF(zookeeper_set_acl), "false", 0, 0, NULL, 0,
	  "Give the znodes the broker creates ACLs: its zookeeper.auth identity all rights, "
	  "world read; see zookeeper.admin.acl. Needs zookeeper.auth. Existing znodes keep "
	  "their ACLs (docs/security.md tells how to migrate)." },
	{ "zookeeper.admin.acl", PROP_STR, OFF(zookeeper_admin_acl), NULL, 0, 0, NULL, 0,
	  "With zookeeper.set.acl: comma-separated ZooKeeper ACL ids (e.g. "
	  "`digest:admin:<base64 sha1(admin:password)>`, docs/security.md) that also get all "
	  "rights on the znodes created under /admin, /config, /brokers/topics, /kafka-acl "
	  "and /consumers. Set the same list on brokers and admin clients." },
	{ "num.partitions", PROP_INT, OFF(num_partitions), "1", 1, 1000000, NULL, 0,
	  "Default partition count for topics created without one." },
	{ "default.replication.factor", PROP_INT, OFF(default_replication_factor), "1", 1, 1000,
	  NULL, 0, "Default replication factor for topics created without one." },
	{ "min.insync.replicas", PROP_INT, OFF(min_insync_replicas), "1", 1, 1000, NULL, 0,
	  "Smallest ISR size an acks=all produce needs (else NOT_ENOUGH_REPLICAS). Topic "
	  "override: min.insync.replicas." },
	{ "producer.id.block.size", PROP_INT, OFF(producer_id_block_size), "1000", 1, I32MAX, NULL,
	  0,
	  "Producer ids a broker takes from ZooKeeper at a time (/latest_producer_id_block) to "
	  "answer InitProducerId; the next block is fetched when 90% of this one is handed "
	  "out. Ids of a block not used when the broker stops are never handed out (Kafka's "
	  "fixed block is 1000)." },
	{ "group.min.session.timeout.ms", PROP_INT, OFF(group_min_session_timeout_ms), "6000", 1,
	  I32MAX, NULL, 0,
	  "Shortest session.timeout.ms a Kafka client's JoinGroup may ask for (shorter: "
	  "INVALID_SESSION_TIMEOUT)." },
	{ "group.max.session.timeout.ms", PROP_INT, OFF(group_max_session_timeout_ms), "1800000", 1,
	  I32MAX, NULL, 0,
	  "Longest session.timeout.ms a Kafka client's JoinGroup may ask for (longer: "
	  "INVALID_SESSION_TIMEOUT)." },
	{ "group.max.size", PROP_INT, OFF(group_max_size), "1000", 1, I32MAX, NULL, 0,
	  "Members a Kafka clients' group may have (member ids handed out and not joined yet "
	  "count); a new member past it gets GROUP_MAX_SIZE_REACHED (Kafka's default is "
	  "unlimited)." },
	{ "log.segment.bytes", PROP_INT64, OFF(log_segment_bytes), "1073741824", 1024, I32MAX, NULL,
	  0,
	  "Roll a new segment when the active one would pass this size. Topic override: "
	  "segment.bytes." },
	{ "log.roll.ms", PROP_INT64, OFF(log_roll_ms), "604800000", 1, I64MAX, NULL, 0,
	  "Roll a new segment when the active one is this old. Overrides log.roll.hours when "
	  "set. Topic override: segment.ms." },
	{ "log.roll.hours", PROP_INT64, OFF(log_roll_hours), "168", 1, 2562047788LL, NULL, 0,
	  "log.roll.ms in hours." },
	{ "log.retention.ms", PROP_INT64, OFF(log_retention_ms), "604800000", -1, I64MAX, NULL, 0,
	  "Delete segments older than this; -1: keep forever. Overrides log.retention.minutes "
	  "and log.retention.hours when set. Topic override: retention.ms." },
	{ "log.retention.minutes", PROP_INT64, OFF(log_retention_minutes), "10080", -1,
	  153722867280912LL, NULL, 0, "log.retention.ms in minutes." },
	{ "log.retention.hours", PROP_INT64, OFF(log_retention_hours), "168", -1, 2562047788015LL,
	  NULL, 0, "log.retention.ms in hours." },
	{ "log.retention.bytes", PROP_INT64, OFF(log_retention_bytes), "-1", -1, I64MAX, NULL, 0,
	  "Delete the oldest segments while a partition is larger than this; -1: no limit. "
	  "Topic override: retention.bytes." },
	{ "log.retention.check.interval.ms", PROP_INT64, OFF(log_retention_check_interval_ms),
	  "300000", 100, I64MAX, NULL, 0,
	  "How often retention runs (and idle producers expire: producer.id.expiration.ms)." },
	{ "producer.id.expiration.ms", PROP_INT64, OFF(producer_id_expiration_ms), "86400000", 1,
	  I64MAX, NULL, 0,
	  "A partition forgets an idempotent producer whose last batch (its maxTimestamp, or the "
	  "append time) is older than this; its next batch must then start at sequence 0, or it "
	  "gets UNKNOWN_PRODUCER_ID. Checked with retention." },
	{ "producer.id.max.per.partition", PROP_INT, OFF(producer_id_max_per_partition), "10000", 1,
	  I32MAX, NULL, 0,
	  "Idempotent producers a partition remembers (about 160 bytes each). A new one past it "
	  "evicts the producer whose last batch is the oldest in the log; a retry of that "
	  "producer then gets UNKNOWN_PRODUCER_ID and may be stored twice. Bounds what clients "
	  "writing under many producer ids can make the broker hold." },
	{ "log.index.interval.bytes", PROP_INT, OFF(log_index_interval_bytes), "4096", 0, I32MAX,
	  NULL, 0, "Log bytes between two offset-index entries." },
	{ "log.index.size.max.bytes", PROP_INT, OFF(log_index_size_max_bytes), "10485760", 4096,
	  I32MAX, NULL, 0, "Largest offset-index file; a full index rolls the segment." },
	{ "log.flush.interval.messages", PROP_INT64, OFF(log_flush_interval_messages),
	  "9223372036854775807", 1, I64MAX, NULL, 0,
	  "fsync a partition after this many unflushed records (default: rely on replication "
	  "and the page cache)." },
	{ "log.flush.interval.ms", PROP_INT64, OFF(log_flush_interval_ms), "9223372036854775807", 0,
	  I64MAX, NULL, 0, "fsync a partition when its oldest unflushed record is this old." },
	{ "log.cleanup.policy", PROP_STR, OFF(log_cleanup_policy), "delete", 0, 0, NULL, 0,
	  "What removes old records of a partition: delete (retention deletes old segments), "
	  "compact (the log cleaner keeps the latest record of every key; records without a "
	  "key are refused with INVALID_RECORD), or compact,delete (both). Topic override: "
	  "cleanup.policy (docs/storage.md, \"Log compaction\")." },
	{ "log.cleaner.enable", PROP_BOOL, OFF(log_cleaner_enable), "true", 0, 0, NULL, 0,
	  "Run the log cleaner threads. false: compacted topics are not compacted (they grow "
	  "until retention deletes, with compact,delete)." },
	{ "log.cleaner.threads", PROP_INT, OFF(log_cleaner_threads), "1", 1, 64, NULL, 0,
	  "Log cleaner threads: partitions compacted at the same time." },
	{ "log.cleaner.dedupe.buffer.size", PROP_INT64, OFF(log_cleaner_dedupe_buffer_size),
	  "134217728", 1048576, I64MAX, NULL, 0,
	  "Memory of the cleaners' offset maps, shared among log.cleaner.threads (24 bytes a key, "
	  "90% usable). A pass whose dirty keys do not fit cleans up to where they did; the next "
	  "pass does the rest." },
	{ "log.cleaner.io.max.bytes.per.second", PROP_DOUBLE,
	  OFF(log_cleaner_io_max_bytes_per_second), "9223372036854775807", 1, I64MAX, NULL, 0,
	  "Bytes per second the cleaner threads together read and write at most (the default is "
	  "no limit)." },
	{ "log.cleaner.backoff.ms", PROP_INT64, OFF(log_cleaner_backoff_ms), "15000", 10, I64MAX,
	  NULL, 0, "How often the cleaner looks for logs to compact." },
	{ "log.cleaner.min.cleanable.ratio", PROP_DOUBLE, OFF(log_cleaner_min_cleanable_ratio),
	  "0.5", 0, 1, NULL, 0,
	  "Compact a log when its dirty bytes (not compacted yet) are at least this share of its "
	  "cleanable bytes. Topic override: min.cleanable.dirty.ratio." },
	{ "log.cleaner.min.compaction.lag.ms", PROP_INT64, OFF(log_cleaner_min_compaction_lag_ms),
	  "0", 0, I64MAX, NULL, 0,
	  "A segment whose newest record is younger than this is not compacted. Topic override: "
	  "min.compaction.lag.ms." },
	{ "log.cleaner.max.compaction.lag.ms", PROP_INT64, OFF(log_cleaner_max_compaction_lag_ms),
	  "9223372036854775807", 1, I64MAX, NULL, 0,
	  "Compact a log whose oldest dirty segment is this old, whatever its dirty ratio. Topic "
	  "override: max.compaction.lag.ms." },
	{ "log.cleaner.delete.retention.ms", PROP_INT64, OFF(log_cleaner_delete_retention_ms),
	  "86400000", 0, I64MAX, NULL, 0,
	  "A tombstone (a record with a null value) stays until a pass finds its batch older "
	  "than this (by the batch's maxTimestamp), so consumers that read the log within this "
	  "time see the delete. Topic override: delete.retention.ms." },
	{ "log.flush.offset.checkpoint.interval.ms", PROP_INT64,
	  OFF(log_flush_offset_checkpoint_interval_ms), "60000", 100, I64MAX, NULL, 0,
	  "How often recovery points and log start offsets are checkpointed." },
	{ "replica.high.watermark.checkpoint.interval.ms", PROP_INT64,
	  OFF(replica_high_watermark_checkpoint_interval_ms), "5000", 100, I64MAX, NULL, 0,
	  "How often high watermarks are checkpointed." },
	{ "socket.request.max.bytes", PROP_INT, OFF(socket_request_max_bytes), "104857600", 1024,
	  I32MAX, NULL, 0,
	  "Largest request frame; a larger one closes the connection. Also bounds the "
	  "decompressed records of one produced batch (at most 268435456): a batch whose "
	  "records decompress to more is refused with CORRUPT_MESSAGE." },
	{ "queued.max.request.bytes", PROP_INT64, OFF(queued_max_request_bytes), "536870912", 1024,
	  I64MAX, NULL, 0,
	  "Memory for requests being received, across all connections: each frame still "
	  "arriving reserves its declared size when its length prefix is read, and a connection "
	  "that cannot reserve stops reading until memory is returned (first come, first "
	  "served). Must be at least socket.request.max.bytes." },
	{ "queued.max.requests.per.connection", PROP_INT, OFF(queued_max_requests_per_connection),
	  "100", 1, I32MAX, NULL, 0,
	  "Requests of one connection whose answers are not written to its socket yet (being "
	  "handled, parked, answered behind an earlier one, or in the output buffer); at this "
	  "many the broker stops reading the connection until one leaves. Each costs about "
	  "2 KiB while it waits (the SDK keeps at most max.in.flight.requests.per.connection "
	  "produce requests, 5, in flight)." },
	{ "queued.max.bytes.per.connection", PROP_INT64, OFF(queued_max_bytes_per_connection),
	  "67108864", 1024, I64MAX, NULL, 0,
	  "Response bytes of one connection waiting for its socket, file ranges of fetch "
	  "answers included; above this the broker stops reading the connection until they "
	  "drain below an eighth of it." },
	{ "connections.max.idle.ms", PROP_INT64, OFF(connections_max_idle_ms), "600000", -1, I64MAX,
	  NULL, 0,
	  "Close a connection that has moved no bytes either way for this long, unless one of "
	  "its requests is still being handled (a parked long-poll fetch, an acks=all produce) "
	  "or it waits for request memory; covers a half-sent length prefix or frame. -1: "
	  "never." },
	{ "max.connections", PROP_INT, OFF(max_connections), "2147483647", 1, I32MAX, NULL, 0,
	  "Connections the broker holds at most. At the limit it stops accepting on every "
	  "listener except the inter-broker one (when there are several listeners), so new "
	  "connections wait in the listen backlog; a connection accepted on the inter-broker "
	  "listener past the limit closes the least recently active connection of another "
	  "listener (as Kafka)." },
	{ "max.connections.per.ip", PROP_INT, OFF(max_connections_per_ip), "2147483647", 1, I32MAX,
	  NULL, 0,
	  "Connections one client address may hold; a connection past it is accepted and "
	  "closed at once." },
	{ "message.max.bytes", PROP_INT, OFF(message_max_bytes), "1048588", 64, I32MAX, NULL, 0,
	  "Largest record batch accepted (MESSAGE_TOO_LARGE). Topic override: "
	  "max.message.bytes." },
	{ "log.message.timestamp.difference.max.ms", PROP_INT64,
	  OFF(log_message_timestamp_difference_max_ms), "9223372036854775807", 0, I64MAX, NULL, 0,
	  "A leader refuses (INVALID_TIMESTAMP) a CreateTime batch with a record timestamp, or "
	  "a maxTimestamp, further than this from its clock (default: no limit). Topic "
	  "override: message.timestamp.difference.max.ms." },
	{ "replica.fetch.max.bytes", PROP_INT, OFF(replica_fetch_max_bytes), "1048576", 1024,
	  33554432, NULL, 0,
	  "Bytes a follower asks for per partition in one fetch (the first batch comes whole "
	  "even if larger)." },
	{ "replica.fetch.response.max.bytes", PROP_INT, OFF(replica_fetch_response_max_bytes),
	  "10485760", 1024, 33554432, NULL, 0,
	  "Bytes a follower asks for in one fetch across its partitions (the follower accepts "
	  "responses of up to 64 MiB)." },
	{ "replica.fetch.wait.max.ms", PROP_INT, OFF(replica_fetch_wait_max_ms), "500", 0,
	  INT32_MAX, NULL, 0,
	  "How long a follower's fetch waits at the leader for new data (long-poll)." },
	{ "replica.lag.time.max.ms", PROP_INT64, OFF(replica_lag_time_max_ms), "30000", 100, I64MAX,
	  NULL, 0, "A follower that has not caught up for this long leaves the ISR." },
	{ "controlled.shutdown.timeout.ms", PROP_INT64, OFF(controlled_shutdown_timeout_ms),
	  "30000", 0, I64MAX, NULL, 0,
	  "On SIGTERM, how long to wait for the controller to move this broker's partition "
	  "leaderships away before shutting down anyway (0: do not wait)." },
	{ "auto.leader.rebalance.enable", PROP_BOOL, OFF(auto_leader_rebalance_enable), "true", 0,
	  0, NULL, 0,
	  "The controller moves leadership back to each partition's preferred (first) replica "
	  "when a broker's share of non-preferred leaders exceeds "
	  "leader.imbalance.per.broker.percentage." },
	{ "leader.imbalance.check.interval.seconds", PROP_INT,
	  OFF(leader_imbalance_check_interval_s), "300", 1, INT32_MAX, NULL, 0,
	  "How often the controller checks the leader imbalance." },
	{ "leader.imbalance.per.broker.percentage", PROP_INT, OFF(leader_imbalance_per_broker_pct),
	  "10", 0, 100, NULL, 0,
	  "Percentage of a broker's partitions led elsewhere above which leadership is moved "
	  "back." },
	{ "unclean.leader.election.enable", PROP_BOOL, OFF(unclean_leader_election_enable), "false",
	  0, 0, NULL, 0,
	  "Allow a replica outside the ISR to become leader (may lose acknowledged records)." },
	{ "authorizer.class.name", PROP_STR, OFF(authorizer_class_name), "", 0, 0, NULL, 0,
	  "Empty: no authorization (every client may do everything). "
	  "`kafka.security.authorizer.AclAuthorizer` (or `AclAuthorizer`): Kafka's ACLs from "
	  "ZooKeeper's /kafka-acl decide every request (docs/security.md, \"Authorization\"). "
	  "Any other value stops start-up." },
	{ "super.users", PROP_STR, OFF(super_users), "", 0, 0, NULL, 0,
	  "Principals allowed everything whatever the ACLs say, separated by `;` (e.g. "
	  "`User:admin;User:ANONYMOUS`). Inter-broker principals belong here." },
	{ "allow.everyone.if.no.acl.found", PROP_BOOL, OFF(allow_everyone_if_no_acl_found), "false",
	  0, 0, NULL, 0,
	  "With the authorizer on: a resource that has no ACL at all is open to everyone "
	  "(true) or to super users only (false)." },
	{ "broker.rack", PROP_STR, OFF(broker_rack), NULL, 0, 0, NULL, 0,
	  "Rack of this broker, registered in ZooKeeper." },
	{ "http.listener", PROP_STR, OFF(http_listener), "127.0.0.1:9095", 0, 0, NULL, 0,
	  "`host:port` of the HTTP endpoint serving /metrics, /health and /ready. It has no "
	  "authentication, so by default only this machine reaches it; set e.g. "
	  "`0.0.0.0:9095` for a Prometheus server elsewhere (docs/operations.md). Port 0: any "
	  "free port (see --ports-file)." },
	{ "test.fault.produce.drop.response.every", PROP_INT, OFF(fault_produce_drop_every), "0", 0,
	  I32MAX, NULL, 0,
	  "Test-only fault injection, off (0) unless set: every Nth Produce answer (acks 1 or "
	  "all) is not sent; the connection is closed instead, after the records were "
	  "appended, as when a connection breaks just after the broker wrote. The tests of "
	  "the idempotent producer use it; never set it in production." },
	{ NULL, PROP_INT, 0, NULL, 0, 0, NULL, 0, NULL },
};

int broker_conf_init(broker_conf_t *conf)
{
	char errstr[256];

	memset(conf, 0, sizeof(*conf));
	if (props_set_defaults(broker_conf_defs, conf, errstr, sizeof(errstr)) != PROPS_OK) {
		flog(LOG_ERR, "config", "built-in default: %s", errstr);
		return -1;
	}
	return 0;
}

int broker_conf_set(broker_conf_t *conf, const char *key, const char *value, char *errstr,
                    size_t errstr_size)
{
	char msg[256];
	int rc = props_set(broker_conf_defs, conf, key, value, msg, sizeof(msg));

	if (rc == PROPS_UNKNOWN) {
		snprintf(errstr, errstr_size, "unknown broker property \"%s\"", key);
		return -1;
	}
	if (rc != PROPS_OK) {
		snprintf(errstr, errstr_size, "%s", msg);
		return -1;
	}
	if (strcmp(key, "log.retention.ms") == 0)
		conf->retention_ms_set = 1;
	else if (strcmp(key, "log.retention.minutes") == 0)
		conf->retention_minutes_set = 1;
	else if (strcmp(key, "log.roll.ms") == 0)
		conf->roll_ms_set = 1;
	else if (strcmp(key, "listener.security.protocol.map") == 0)
		conf->protocol_map_set = 1;
	return 0;
}

typedef struct conf_load {
	broker_conf_t *conf;
	const char *path;
	char *errstr;
	size_t errstr_size;
} conf_load_t;

static int broker_conf_on_pair(const char *key, const char *value, int lineno, void *opaque)
{
	conf_load_t *cl = opaque;
	char msg[300];

	if (broker_conf_set(cl->conf, key, value, msg, sizeof(msg)) != 0) {
		snprintf(cl->errstr, cl->errstr_size, "%s:%d: %s", cl->path, lineno, msg);
		return 1;
	}
	return 0;
}

int broker_conf_load_file(broker_conf_t *conf, const char *path, char *errstr, size_t errstr_size)
{
	conf_load_t cl = { conf, path, errstr, errstr_size };

	return props_parse_file(path, broker_conf_on_pair, &cl, errstr, errstr_size) == 0 ? 0 : -1;
}

/* Parses "host:port" or "[v6]:port" (host may be empty). */
static int broker_conf_hostport(const char *s, char **hostp, int *portp)
{
	const char *colon;
	int32_t port;

	if (*s == '[') {
		const char *rb = strchr(s, ']');
		if (!rb || rb[1] != ':')
			return -1;
		*hostp = strndup(s + 1, (size_t)(rb - s - 1));
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		*hostp = strndup(s, (size_t)(colon - s));
	}
	if (!*hostp)
		return -1;
	if (num_parse_i32(colon + 1, 0, 65535, &port) < 0) {
		free(*hostp);
		*hostp = NULL;
		return -1;
	}
	*portp = port;
	return 0;
}

static void broker_conf_listeners_free(broker_conf_t *conf)
{
	int i;

	for (i = 0; i < conf->lsn_cnt; i++) {
		free(conf->lsn[i].name);
		free(conf->lsn[i].host);
		free(conf->lsn[i].adv_host);
	}
	free(conf->lsn);
	conf->lsn = NULL;
	conf->lsn_cnt = 0;
}

static int broker_conf_lsn_find(const broker_conf_t *conf, const char *name)
{
	int i;

	for (i = 0; i < conf->lsn_cnt; i++)
		if (strcasecmp(conf->lsn[i].name, name) == 0)
			return i;
	return -1;
}

static void broker_conf_lsn_names(const broker_conf_t *conf, char *buf, size_t size)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < conf->lsn_cnt && off < size; i++) {
		int w = snprintf(buf + off, size - off, "%s%s", i ? ", " : "", conf->lsn[i].name);
		if (w < 0)
			break;
		off += (size_t)w;
	}
}

static const char *const sec_proto_names[] = { "PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL" };

const char *sec_proto_name(sec_proto_t p)
{
	return (unsigned)p < sizeof(sec_proto_names) / sizeof(sec_proto_names[0])
	           ? sec_proto_names[p]
	           : "?";
}

int sec_proto_parse(const char *s, sec_proto_t *out)
{
	for (size_t i = 0; i < sizeof(sec_proto_names) / sizeof(sec_proto_names[0]); i++) {
		if (strcasecmp(s, sec_proto_names[i]) == 0) {
			*out = (sec_proto_t)i;
			return 0;
		}
	}
	return -1;
}

/* listener.security.protocol.map: "NAME:PROTO,...". A listener named after
 * a protocol defaults to it (Kafka's default map). */
static int broker_conf_protocol_map(broker_conf_t *conf, char *errstr, size_t errstr_size)
{
	const char *key = "listener.security.protocol.map";
	char *copy = strdup(
	    conf->listener_security_protocol_map ? conf->listener_security_protocol_map : "");
	char *tok, *save = NULL, names[256];
	int rc = -1;

	if (!copy) {
		snprintf(errstr, errstr_size, "out of memory");
		return -1;
	}
	for (int i = 0; i < conf->lsn_cnt; i++) {
		sec_proto_t sp;
		conf->lsn[i].proto =
		    sec_proto_parse(conf->lsn[i].name, &sp) == 0 ? sp : SEC_PLAINTEXT;
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *colon, *proto;

		tok = props_list_item(tok);
		if (!*tok)
			continue;
		colon = strchr(tok, ':');
		if (!colon || colon == tok || !colon[1]) {
			snprintf(errstr, errstr_size, "%s: \"%s\" is not NAME:PROTOCOL", key, tok);
			goto out;
		}
		*colon = '\0';
		proto = colon + 1;
		if (broker_conf_lsn_find(conf, tok) < 0) {
			if (!conf->protocol_map_set)
				continue; /* the built-in PLAINTEXT:PLAINTEXT entry */
			broker_conf_lsn_names(conf, names, sizeof(names));
			snprintf(errstr, errstr_size,
			         "%s: \"%s:%s\" names no listener (listeners: %s)", key, tok, proto,
			         names);
			goto out;
		}
		sec_proto_t sp;
		if (sec_proto_parse(proto, &sp) != 0) {
			snprintf(errstr, errstr_size,
			         "%s: listener %s maps to \"%s\" (expected PLAINTEXT, SSL, "
			         "SASL_PLAINTEXT or SASL_SSL)",
			         key, tok, proto);
			goto out;
		}
		conf->lsn[broker_conf_lsn_find(conf, tok)].proto = sp;
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

/* kafka.listener.names: marks the listeners that speak Kafka's protocol. */
static int broker_conf_kafka_listeners(broker_conf_t *conf, char *errstr, size_t errstr_size)
{
	const char *key = "kafka.listener.names";
	char *copy, *tok, *save = NULL, names[256];
	int rc = -1;

	if (!conf->kafka_listener_names || !*conf->kafka_listener_names)
		return 0;
	copy = strdup(conf->kafka_listener_names);
	if (!copy) {
		snprintf(errstr, errstr_size, "out of memory");
		return -1;
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int k;

		tok = props_list_item(tok);
		if (!*tok)
			continue;
		k = broker_conf_lsn_find(conf, tok);
		if (k < 0) {
			broker_conf_lsn_names(conf, names, sizeof(names));
			snprintf(errstr, errstr_size,
			         "%s: \"%s\" is not a listener (listeners: %s)", key, tok, names);
			goto out;
		}
		if (k == conf->ibl) {
			snprintf(errstr, errstr_size,
			         "%s: %s is the inter-broker listener, which must speak fjord's "
			         "protocol (set inter.broker.listener.name to another listener)",
			         key, conf->lsn[k].name);
			goto out;
		}
		if (SEC_PROTO_IS_SASL(conf->lsn[k].proto)) {
			snprintf(errstr, errstr_size,
			         "%s: %s maps to %s; a Kafka-protocol listener serves PLAINTEXT or "
			         "SSL (docs/kafka-protocol.md)",
			         key, conf->lsn[k].name, sec_proto_name(conf->lsn[k].proto));
			goto out;
		}
		conf->lsn[k].kafka = 1;
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

/* listeners, advertised.listeners, listener.security.protocol.map,
 * inter.broker.listener.name and kafka.listener.names. */
static int broker_conf_listeners(broker_conf_t *conf, char *errstr, size_t errstr_size)
{
	endpoint_t *eps = NULL, *adv = NULL;
	int cnt = 0, adv_cnt = 0, i, j, rc = -1;
	char msg[400], names[256];

	if (endpoint_list_parse(conf->listeners, &eps, &cnt, msg, sizeof(msg)) != 0) {
		snprintf(
		    errstr, errstr_size,
		    "listeners: %s (expected NAME://host:port[,...], port 0-65535, empty host = "
		    "all interfaces)",
		    msg);
		return -1;
	}
	conf->lsn = calloc((size_t)cnt, sizeof(*conf->lsn));
	if (!conf->lsn) {
		snprintf(errstr, errstr_size, "out of memory");
		goto out;
	}
	for (i = 0; i < cnt; i++) {
		for (j = 0; j < i; j++) {
			if (eps[i].port != 0 && eps[i].port == conf->lsn[j].port) {
				snprintf(errstr, errstr_size,
				         "listeners: %s and %s both use port %d", conf->lsn[j].name,
				         eps[i].name, eps[i].port);
				goto out;
			}
		}
		conf->lsn[i].name = eps[i].name;
		conf->lsn[i].host = eps[i].host;
		conf->lsn[i].port = eps[i].port;
		conf->lsn[i].adv_port = -1;
		eps[i].name = eps[i].host = NULL;
		conf->lsn_cnt++;
	}
	if (broker_conf_protocol_map(conf, errstr, errstr_size) != 0)
		goto out;
	if (conf->advertised_listeners && *conf->advertised_listeners) {
		if (endpoint_list_parse(conf->advertised_listeners, &adv, &adv_cnt, msg,
		                        sizeof(msg)) != 0) {
			snprintf(errstr, errstr_size, "advertised.listeners: %s", msg);
			goto out;
		}
		for (i = 0; i < adv_cnt; i++) {
			int k = broker_conf_lsn_find(conf, adv[i].name);
			char *shown = endpoint_format(&adv[i]);

			if (k < 0) {
				broker_conf_lsn_names(conf, names, sizeof(names));
				snprintf(
				    errstr, errstr_size,
				    "advertised.listeners: \"%s\": listener %s is not in listeners "
				    "(%s)",
				    shown ? shown : adv[i].name, adv[i].name, names);
				free(shown);
				goto out;
			}
			if (!adv[i].host[0] || strcmp(adv[i].host, "0.0.0.0") == 0 ||
			    strcmp(adv[i].host, "::") == 0) {
				snprintf(errstr, errstr_size,
				         "advertised.listeners: \"%s\" must name a host clients "
				         "can reach, "
				         "not an empty or wildcard address",
				         shown ? shown : adv[i].name);
				free(shown);
				goto out;
			}
			free(shown);
			conf->lsn[k].adv_host = adv[i].host;
			conf->lsn[k].adv_port = adv[i].port > 0 ? adv[i].port : -1;
			adv[i].host = NULL;
		}
	}
	conf->ibl = 0;
	if (conf->inter_broker_listener_name && *conf->inter_broker_listener_name) {
		conf->ibl = broker_conf_lsn_find(conf, conf->inter_broker_listener_name);
		if (conf->ibl < 0) {
			broker_conf_lsn_names(conf, names, sizeof(names));
			snprintf(
			    errstr, errstr_size,
			    "inter.broker.listener.name: \"%s\" is not a listener (listeners: %s)",
			    conf->inter_broker_listener_name, names);
			conf->ibl = 0;
			goto out;
		}
	}
	if (broker_conf_kafka_listeners(conf, errstr, errstr_size) != 0)
		goto out;
	rc = 0;
out:
	endpoint_list_free(eps, cnt);
	endpoint_list_free(adv, adv_cnt);
	return rc;
}

static int broker_conf_split_dirs(broker_conf_t *conf, const char *list, char *errstr,
                                  size_t errstr_size)
{
	char *copy = strdup(list), *tok, *save = NULL;
	int rc = -1;

	if (!copy)
		goto done;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char **dirs;
		while (*tok == ' ')
			tok++;
		if (!*tok)
			continue;
		dirs = realloc(conf->dirs, sizeof(*dirs) * (conf->dir_cnt + 1));
		if (!dirs)
			goto done;
		conf->dirs = dirs;
		conf->dirs[conf->dir_cnt] = strdup(tok);
		if (!conf->dirs[conf->dir_cnt])
			goto done;
		conf->dir_cnt++;
	}
	if (conf->dir_cnt == 0) {
		snprintf(errstr, errstr_size, "log.dirs: no directory given");
		goto done;
	}
	rc = 0;
done:
	free(copy);
	if (rc != 0 && !errstr[0])
		snprintf(errstr, errstr_size, "out of memory");
	return rc;
}

/* sasl.enabled.mechanisms, and the inter-broker login when the
 * inter-broker listener is SASL_*. */
static int broker_conf_sasl(broker_conf_t *conf, char *errstr, size_t errstr_size)
{
	char msg[200];
	sasl_mech_t m;

	if (sasl_mech_list_parse(conf->sasl_enabled_mechanisms, &conf->sasl_mechs, msg,
	                         sizeof(msg)) < 0) {
		snprintf(errstr, errstr_size, "sasl.enabled.mechanisms: %s", msg);
		return -1;
	}
	if (sasl_mech_parse(conf->sasl_mechanism_inter_broker_protocol
	                        ? conf->sasl_mechanism_inter_broker_protocol
	                        : "",
	                    1, &m) < 0) {
		snprintf(
		    errstr, errstr_size,
		    "sasl.mechanism.inter.broker.protocol: \"%s\" is not PLAIN, SCRAM-SHA-256 or "
		    "SCRAM-SHA-512",
		    conf->sasl_mechanism_inter_broker_protocol
		        ? conf->sasl_mechanism_inter_broker_protocol
		        : "");
		return -1;
	}
	conf->sasl_ibp_mech = (int)m;
	if (!SEC_PROTO_IS_SASL(conf->lsn[conf->ibl].proto))
		return 0;
	if (!(conf->sasl_mechs & (1u << m))) {
		snprintf(
		    errstr, errstr_size,
		    "sasl.mechanism.inter.broker.protocol %s is not in sasl.enabled.mechanisms "
		    "(%s), but the inter-broker listener %s is %s",
		    sasl_mech_name(m), conf->sasl_enabled_mechanisms, conf->lsn[conf->ibl].name,
		    sec_proto_name(conf->lsn[conf->ibl].proto));
		return -1;
	}
	if (!conf->inter_broker_sasl_username || !*conf->inter_broker_sasl_username ||
	    !conf->inter_broker_sasl_password || !*conf->inter_broker_sasl_password) {
		snprintf(errstr, errstr_size,
		         "the inter-broker listener %s is %s: set inter.broker.sasl.username and "
		         "inter.broker.sasl.password (a user in /config/users; docs/security.md)",
		         conf->lsn[conf->ibl].name, sec_proto_name(conf->lsn[conf->ibl].proto));
		return -1;
	}
	return 0;
}

int broker_conf_finish(broker_conf_t *conf, char *errstr, size_t errstr_size)
{
	log_config_t *lc = &conf->log_defaults;
	char msg[256];

	errstr[0] = '\0';
	flog_set_level(broker_conf_log_syslog[conf->log_level]);
	if (conf->broker_id < 0) {
		snprintf(errstr, errstr_size, "broker.id is required (an integer >= 0)");
		return -1;
	}
	if (!conf->zookeeper_connect || !*conf->zookeeper_connect) {
		snprintf(errstr, errstr_size,
		         "zookeeper.connect is required (host:port[,host:port...][/chroot])");
		return -1;
	}
	if (zkacl_check(conf->zookeeper_auth, conf->zookeeper_set_acl, conf->zookeeper_admin_acl,
	                errstr, errstr_size) < 0)
		return -1;
	broker_conf_listeners_free(conf);
	if (broker_conf_listeners(conf, errstr, errstr_size) != 0)
		return -1;
	{
		int on;
		if (authz_class_name_ok(conf->authorizer_class_name, &on) != 0) {
			snprintf(errstr, errstr_size,
			         "authorizer.class.name: \"%s\" is not an authorizer fjord has "
			         "(empty: none; kafka.security.authorizer.AclAuthorizer or "
			         "AclAuthorizer)",
			         conf->authorizer_class_name);
			return -1;
		}
	}
	if (broker_conf_sasl(conf, errstr, errstr_size) != 0)
		return -1;
	if (broker_conf_hostport(conf->http_listener ? conf->http_listener : "", &conf->http_host,
	                         &conf->http_port) != 0) {
		snprintf(errstr, errstr_size, "http.listener: \"%s\" is not host:port",
		         conf->http_listener ? conf->http_listener : "");
		return -1;
	}
	if (broker_conf_split_dirs(conf, conf->log_dirs ? conf->log_dirs : conf->log_dir, errstr,
	                           errstr_size) != 0)
		return -1;
	/* A frame must always fit the budget, or a connection could wait for
	 * memory forever. */
	if (conf->queued_max_request_bytes < conf->socket_request_max_bytes) {
		snprintf(
		    errstr, errstr_size,
		    "queued.max.request.bytes (%lld) must be at least socket.request.max.bytes "
		    "(%d)",
		    (long long)conf->queued_max_request_bytes, conf->socket_request_max_bytes);
		return -1;
	}
	if (conf->connections_max_idle_ms == 0) {
		snprintf(errstr, errstr_size,
		         "connections.max.idle.ms: 0 would close every connection at once "
		         "(-1 disables the idle check)");
		return -1;
	}

	log_config_defaults(lc);
	lc->segment_bytes = conf->log_segment_bytes;
	lc->roll_ms = conf->roll_ms_set ? conf->log_roll_ms : conf->log_roll_hours * 3600000LL;
	if (conf->retention_ms_set)
		lc->retention_ms = conf->log_retention_ms;
	else if (conf->retention_minutes_set)
		lc->retention_ms =
		    conf->log_retention_minutes < 0 ? -1 : conf->log_retention_minutes * 60000LL;
	else
		lc->retention_ms =
		    conf->log_retention_hours < 0 ? -1 : conf->log_retention_hours * 3600000LL;
	lc->retention_bytes = conf->log_retention_bytes;
	lc->index_interval_bytes = conf->log_index_interval_bytes;
	lc->segment_index_bytes = conf->log_index_size_max_bytes;
	lc->flush_interval_messages = conf->log_flush_interval_messages;
	lc->flush_interval_ms = conf->log_flush_interval_ms;
	lc->max_message_bytes = conf->message_max_bytes;
	lc->message_timestamp_difference_max_ms = conf->log_message_timestamp_difference_max_ms;
	lc->max_producer_ids = conf->producer_id_max_per_partition;
	if (cleanup_policy_parse(conf->log_cleanup_policy, &lc->cleanup_policy, msg, sizeof(msg)) <
	    0) {
		snprintf(errstr, errstr_size, "log.%s", msg);
		return -1;
	}
	lc->min_cleanable_dirty_ratio = conf->log_cleaner_min_cleanable_ratio;
	lc->min_compaction_lag_ms = conf->log_cleaner_min_compaction_lag_ms;
	lc->max_compaction_lag_ms = conf->log_cleaner_max_compaction_lag_ms;
	lc->delete_retention_ms = conf->log_cleaner_delete_retention_ms;
	if (log_config_validate(lc, msg, sizeof(msg)) != 0) {
		snprintf(errstr, errstr_size, "log settings: %s", msg);
		return -1;
	}
	return 0;
}

int broker_conf_topic_log_config(const broker_conf_t *conf, char *const *names, char *const *values,
                                 int cnt, log_config_t *out, char *errstr, size_t errstr_size)
{
	log_config_t trial = conf->log_defaults;
	char msg[256];
	int i;

	*out = conf->log_defaults;
	for (i = 0; i < cnt; i++) {
		/* The controller's rules first (known key, value in range), then
		 * the log's own (which also checks the combination). */
		if (zkadmin_validate_topic_config(names[i], values[i], msg, sizeof(msg)) < 0 ||
		    log_config_set(&trial, names[i], values[i], msg, sizeof(msg)) < 0 ||
		    log_config_validate(&trial, msg, sizeof(msg)) != 0) {
			snprintf(errstr, errstr_size, "%s", msg);
			return -1;
		}
	}
	*out = trial;
	return 0;
}

void broker_conf_print_markdown(FILE *out)
{
	props_write_markdown(broker_conf_defs, out, NULL, 0);
}

void broker_conf_free(broker_conf_t *conf)
{
	size_t i;

	props_free(broker_conf_defs, conf);
	for (i = 0; i < conf->dir_cnt; i++)
		free(conf->dirs[i]);
	free(conf->dirs);
	broker_conf_listeners_free(conf);
	free(conf->http_host);
	memset(conf, 0, sizeof(*conf));
}
