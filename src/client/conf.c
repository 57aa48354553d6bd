/*
 * conf.c — fjord_conf_t: the SDK's property table and the public conf API.
 *
 * What: one prop_def_t table (common/props.h) drives defaults, parsing,
 * validation, fjord_conf_get() and the documentation. Each property carries
 * a scope (producer, consumer, admin; "all" is the three bits): fjord_new()
 * refuses a handle when a property set explicitly does not apply to its type,
 * naming the property, so a misplaced setting never fails silently.
 * Property names and meanings are Kafka's (librdkafka's where Kafka has
 * none); docs/sdk.md lists them.
 * Threads: a conf is used by one thread at a time (the caller's) until
 * fjord_new() takes it; after that only the handle reads it.
 * Ownership: fjord_conf_destroy() frees strings and the object.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "client/client_int.h"
#include "common/props.h"
#include "common/record_batch.h"

#define S_PROD 1u
#define S_CONS 2u
#define S_ADMIN 4u
#define S_ALL (S_PROD | S_CONS | S_ADMIN)

#define OFF(f) offsetof(fj_conf_values_t, f)
#define IMAX 2147483647

static const char *const conf_cb_modes[] = { "background", "poll", NULL };
static const char *const conf_acks_values[] = { "all", "-1", "0", "1", NULL };
static const char *const conf_compression_values[] = {
	"none", "gzip", "snappy", "lz4", "zstd", NULL
};
static const char *const conf_partitioners[] = { "murmur2_random", "consistent_random", "random",
	                                         NULL };
static const char *const conf_resets[] = { "earliest", "latest", "error", NULL };
/* Index order is enum sec_proto's in client_int.h (SEC_* of the broker). */
static const char *const conf_security_protocols[] = { "plaintext", "ssl", "sasl_plaintext",
	                                               "sasl_ssl", NULL };
/* Index order is sasl_mech_t's (common/sasl.h). */
static const char *const conf_sasl_mechanisms[] = { "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512",
	                                            NULL };
static const char *const conf_endpoint_algs[] = { "https", "none", NULL };
/* Index order is cgrp's: conf_strategies[v->assignment_strategy] names the
 * assignor (common/assignor.h). */
const char *const conf_strategies[] = { "range", "roundrobin", "sticky", NULL };

static const prop_def_t conf_defs[] = {
	{ "bootstrap.servers", PROP_STR, OFF(bootstrap_servers), NULL, 0, 0, NULL, S_ALL,
	  "Brokers to ask for metadata, host:port[,host:port...]. Used when "
	  "zookeeper.connect is not set." },
	{ "zookeeper.connect", PROP_STR, OFF(zookeeper_connect), NULL, 0, 0, NULL, S_ALL,
	  "ZooKeeper connect string host:port[,...][/chroot]. When set, metadata "
	  "comes from ZooKeeper watches; required by the admin API." },
	{ "client.listener", PROP_STR, OFF(client_listener), NULL, 0, 0, NULL, S_ALL,
	  "zookeeper.connect mode: the broker listener (advertised.listeners name, e.g. "
	  "EXTERNAL) whose address the client connects to; a broker without it cannot be "
	  "reached (an error names the broker and the listeners it has). Unset: when every "
	  "zookeeper.connect host is loopback (localhost, 127.x.x.x, ::1), each broker's first "
	  "endpoint with a loopback host, else its first endpoint. Ignored with "
	  "bootstrap.servers: brokers answer for the listener the client reached." },
	{ "zookeeper.session.timeout.ms", PROP_INT, OFF(zk_session_timeout_ms), "18000", 1000, IMAX,
	  NULL, S_ALL, "ZooKeeper session timeout; also bounds the initial connect." },
	{ "zookeeper.auth", PROP_STR, OFF(zookeeper_auth), NULL, 0, 0, NULL, S_ALL,
	  "zookeeper.connect mode: credentials of the client's ZooKeeper sessions (metadata, "
	  "admin, group), `digest:<user>:<password>`, added before anything else. Credentials "
	  "ZooKeeper refuses fail fjord_new (docs/security.md, \"ZooKeeper ACLs\")." },
	{ "zookeeper.set.acl", PROP_BOOL, OFF(zookeeper_set_acl), "false", 0, 0, NULL, S_ALL,
	  "Give the znodes this client creates (topics, configs, reassignments, group members "
	  "and offsets) ACLs: its zookeeper.auth identity all rights, world read; see "
	  "zookeeper.admin.acl. Needs zookeeper.auth." },
	{ "zookeeper.admin.acl", PROP_STR, OFF(zookeeper_admin_acl), NULL, 0, 0, NULL, S_ALL,
	  "With zookeeper.set.acl: comma-separated ZooKeeper ACL ids that also get all rights "
	  "on the znodes this client creates under /admin, /config, /brokers/topics, "
	  "/kafka-acl and /consumers. An admin client with its own identity must list the "
	  "brokers' id (digest:<broker user>:<base64 sha1>) here, or the controller cannot "
	  "manage the topics it creates." },
	{ "security.protocol", PROP_ENUM, OFF(security_protocol), "plaintext", 0, 0,
	  conf_security_protocols, S_ALL,
	  "Protocol used to talk to brokers: plaintext, ssl, sasl_plaintext, sasl_ssl "
	  "(case-insensitive; docs/security.md). It must match the listener reached." },
	{ "sasl.mechanism", PROP_ENUM, OFF(sasl_mechanism), "SCRAM-SHA-512", 0, 0,
	  conf_sasl_mechanisms, S_ALL,
	  "SASL mechanism of sasl_plaintext/sasl_ssl: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 (also "
	  "accepted as sasl.mechanisms). The broker must enable it (sasl.enabled.mechanisms)." },
	{ "sasl.username", PROP_STR, OFF(sasl_username), NULL, 0, 0, NULL, S_ALL,
	  "SASL user name (a user of /config/users; `fjord user create`). Required by "
	  "sasl_plaintext and sasl_ssl." },
	{ "sasl.password", PROP_STR, OFF(sasl_password), NULL, 0, 0, NULL, S_ALL,
	  "SASL password of sasl.username. Required by sasl_plaintext and sasl_ssl." },
	{ "ssl.ca.location", PROP_STR, OFF(ssl_ca_location), NULL, 0, 0, NULL, S_ALL,
	  "ssl: PEM file of the CA certificates that verify the brokers' certificates. Unset: "
	  "the system's CA store." },
	{ "ssl.certificate.location", PROP_STR, OFF(ssl_certificate_location), NULL, 0, 0, NULL,
	  S_ALL,
	  "ssl: PEM file with the client's certificate, presented when the broker asks "
	  "(ssl.client.auth); needs ssl.key.location." },
	{ "ssl.key.location", PROP_STR, OFF(ssl_key_location), NULL, 0, 0, NULL, S_ALL,
	  "ssl: PEM file with the private key of ssl.certificate.location." },
	{ "ssl.key.password", PROP_STR, OFF(ssl_key_password), NULL, 0, 0, NULL, S_ALL,
	  "ssl: password of an encrypted ssl.key.location." },
	{ "ssl.endpoint.identification.algorithm", PROP_ENUM, OFF(ssl_endpoint_identification),
	  "https", 0, 0, conf_endpoint_algs, S_ALL,
	  "ssl: https checks that a broker's certificate names the host connected to (a DNS or "
	  "IP subject alternative name); none only verifies the chain." },
	{ "client.id", PROP_STR, OFF(client_id), "fjord", 0, 0, NULL, S_ALL,
	  "Client identifier sent with every request." },
	{ "socket.timeout.ms", PROP_INT, OFF(socket_timeout_ms), "60000", 10, IMAX, NULL, S_ALL,
	  "Network requests (Metadata, ListOffsets, Fetch beyond its wait) time out "
	  "after this." },
	{ "reconnect.backoff.ms", PROP_INT, OFF(reconnect_backoff_ms), "100", 0, 3600000, NULL,
	  S_ALL, "Wait before reconnecting to a broker; doubles on each failure up to 10x." },
	{ "metadata.max.age.ms", PROP_INT, OFF(metadata_max_age_ms), "300000", 1, IMAX, NULL, S_ALL,
	  "Metadata refresh period in bootstrap.servers mode; also how long a "
	  "topic found missing is refused by produce()." },
	{ "callback.mode", PROP_ENUM, OFF(callback_mode), "background", 0, 0, conf_cb_modes, S_ALL,
	  "background: callbacks run on the SDK's callback thread; poll: inside "
	  "fjord_poll()." },
	{ "log_level", PROP_INT, OFF(log_level), "6", 0, 7, NULL, S_ALL,
	  "Syslog level (0..7) of the SDK's log lines." },
	{ "statistics.interval.ms", PROP_INT, OFF(statistics_interval_ms), "0", 0, 86400000, NULL,
	  S_ALL,
	  "Period of the statistics callback (fjord_conf_set_stats_cb): a JSON document of "
	  "the handle's counters (docs/sdk.md, Statistics). 0: off." },
	{ "debug", PROP_STR, OFF(debug), "", 0, 0, NULL, S_ALL,
	  "Comma list of debug contexts whose debug lines (level 7) are logged whatever "
	  "log_level says: all, generic, broker, topic, metadata, producer, msg, consumer, "
	  "cgrp, fetch, protocol, security. Unknown contexts are refused." },
	/* producer */
	{ "acks", PROP_ENUM, OFF(acks_idx), "all", 0, 0, conf_acks_values, S_PROD,
	  "Acknowledgements the leader waits for: 0 (none), 1 (leader), all/-1 (ISR)." },
	{ "linger.ms", PROP_INT, OFF(linger_ms), "5", 0, 900000, NULL, S_PROD,
	  "How long a partition's records wait to fill a batch." },
	{ "batch.size", PROP_INT, OFF(batch_size), "1000000", 1, IMAX, NULL, S_PROD,
	  "Maximum bytes of one record batch (librdkafka's meaning); a full batch is "
	  "sent without waiting for linger.ms." },
	{ "compression.type", PROP_ENUM, OFF(compression_idx), "none", 0, 0,
	  conf_compression_values, S_PROD, "Batch compression codec." },
	{ "compression.level", PROP_INT, OFF(compression_level), "-1", -1, 22, NULL, S_PROD,
	  "Codec level; -1: the codec's default." },
	{ "retries", PROP_INT, OFF(retries), "2147483647", 0, IMAX, NULL, S_PROD,
	  "Times a batch is retried after a retriable error (bounded by "
	  "message.timeout.ms)." },
	{ "retry.backoff.ms", PROP_INT, OFF(retry_backoff_ms), "100", 1, 300000, NULL, S_ALL,
	  "Wait before a retry and between metadata refreshes." },
	{ "message.timeout.ms", PROP_INT, OFF(message_timeout_ms), "300000", 1, IMAX, NULL, S_PROD,
	  "A record not delivered by then fails with _MSG_TIMED_OUT." },
	{ "request.timeout.ms", PROP_INT, OFF(request_timeout_ms), "30000", 1, IMAX, NULL, S_ALL,
	  "Produce timeout sent to the broker; also bounds Metadata requests." },
	{ "queue.buffering.max.messages", PROP_INT, OFF(queue_buffering_max_messages), "100000", 1,
	  IMAX, NULL, S_PROD, "Records produced but not yet reported; more gives _QUEUE_FULL." },
	{ "queue.buffering.max.kbytes", PROP_INT, OFF(queue_buffering_max_kbytes), "1048576", 1,
	  IMAX / 1024, NULL, S_PROD, "Bytes (KiB) of records not yet reported." },
	{ "message.max.bytes", PROP_INT, OFF(message_max_bytes), "1000000", 1000, IMAX, NULL,
	  S_PROD, "Largest record accepted by produce()." },
	{ "max.in.flight.requests.per.connection", PROP_INT, OFF(max_in_flight), "5", 1, 1000000,
	  NULL, S_PROD,
	  "Produce requests in flight per broker connection. With idempotence a "
	  "partition has up to this many (at most 5) and order holds across retries; "
	  "without, a partition has one at a time." },
	{ "enable.idempotence", PROP_BOOL, OFF(enable_idempotence), "true", 0, 0, NULL, S_PROD,
	  "Idempotent producer: a producer id and per-partition sequence numbers, so a "
	  "retry never stores a record twice nor out of order. Needs acks=all, retries > 0 "
	  "and max.in.flight.requests.per.connection <= 5; left at its default it is "
	  "turned off by a conflicting setting, set to true explicitly the conflict is an "
	  "error." },
	{ "partitioner", PROP_ENUM, OFF(partitioner), "murmur2_random", 0, 0, conf_partitioners,
	  S_PROD,
	  "murmur2_random: Kafka's murmur2 for keys, sticky for null keys; "
	  "consistent_random: murmur2, random for null keys; random." },
	/* consumer */
	{ "group.id", PROP_STR, OFF(group_id), NULL, 0, 0, NULL, S_CONS,
	  "Consumer group this consumer joins on fjord_subscribe(); membership, "
	  "assignment and committed offsets live in ZooKeeper under "
	  "/consumers/<group.id> (requires zookeeper.connect)." },
	{ "partition.assignment.strategy", PROP_ENUM, OFF(assignment_strategy), "range", 0, 0,
	  conf_strategies, S_CONS,
	  "How the group leader spreads partitions over members: range, roundrobin, "
	  "or sticky (keep partitions with their owner when possible)." },
	{ "enable.auto.commit", PROP_BOOL, OFF(enable_auto_commit), "true", 0, 0, NULL, S_CONS,
	  "Commit the position of delivered records every auto.commit.interval.ms, on "
	  "revocation and on close (at-least-once)." },
	{ "auto.commit.interval.ms", PROP_INT, OFF(auto_commit_interval_ms), "5000", 1, IMAX, NULL,
	  S_CONS, "Period of automatic commits." },
	{ "session.timeout.ms", PROP_INT, OFF(session_timeout_ms), "10000", 1000, IMAX, NULL,
	  S_CONS,
	  "Group session: the timeout of the consumer's own ZooKeeper session "
	  "for the group. A member silent this long loses its partitions (ZooKeeper "
	  "servers clamp it to their min/maxSessionTimeout)." },
	{ "auto.offset.reset", PROP_ENUM, OFF(auto_offset_reset), "latest", 0, 0, conf_resets,
	  S_CONS,
	  "Where to start without a valid offset: earliest, latest, or error "
	  "(an OFFSET_OUT_OF_RANGE event)." },
	{ "enable.partition.eof", PROP_BOOL, OFF(enable_partition_eof), "false", 0, 0, NULL, S_CONS,
	  "Emit a _PARTITION_EOF event when a partition reaches its high "
	  "watermark." },
	{ "fetch.wait.max.ms", PROP_INT, OFF(fetch_wait_max_ms), "500", 0, 300000, NULL, S_CONS,
	  "Longest time the broker holds a Fetch waiting for fetch.min.bytes." },
	{ "fetch.min.bytes", PROP_INT, OFF(fetch_min_bytes), "1", 1, IMAX, NULL, S_CONS,
	  "Bytes the broker waits for before answering a Fetch." },
	{ "fetch.max.bytes", PROP_INT, OFF(fetch_max_bytes), "52428800", 1, IMAX, NULL, S_CONS,
	  "Bytes asked for in one Fetch request." },
	{ "max.partition.fetch.bytes", PROP_INT, OFF(max_partition_fetch_bytes), "1048576", 1, IMAX,
	  NULL, S_CONS, "Bytes asked for per partition in one Fetch." },
	{ "queued.max.messages.kbytes", PROP_INT, OFF(queued_max_messages_kbytes), "65536", 1,
	  IMAX / 1024, NULL, S_CONS,
	  "Fetched but unpolled bytes (KiB) above which "
	  "fetching pauses." },
	{ "check.crcs", PROP_BOOL, OFF(check_crcs), "true", 0, 0, NULL, S_CONS,
	  "Verify each fetched batch's CRC-32C; a corrupt batch is reported as a "
	  "CORRUPT_MESSAGE event naming its offset instead of being delivered." },
	{ NULL, PROP_INT, 0, NULL, 0, 0, NULL, 0, NULL },
};

#define CONF_CNT (sizeof(conf_defs) / sizeof(conf_defs[0]) - 1)

fjord_conf_t *fjord_conf_new(void)
{
	fjord_conf_t *conf = calloc(1, sizeof(*conf));
	char err[256];
	if (!conf)
		return NULL;
	conf->set_flags = calloc(CONF_CNT, 1);
	if (!conf->set_flags || props_set_defaults(conf_defs, &conf->v, err, sizeof(err))) {
		fjord_conf_destroy(conf);
		return NULL;
	}
	conf_finish(conf);
	return conf;
}

fjord_conf_t *fjord_conf_dup(const fjord_conf_t *conf)
{
	fjord_conf_t *d;
	if (!conf)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->set_flags = calloc(CONF_CNT, 1);
	if (!d->set_flags || props_copy(conf_defs, &d->v, &conf->v) != PROPS_OK) {
		fjord_conf_destroy(d);
		return NULL;
	}
	memcpy(d->set_flags, conf->set_flags, CONF_CNT);
	d->dr_msg_cb = conf->dr_msg_cb;
	d->error_cb = conf->error_cb;
	d->log_cb = conf->log_cb;
	d->rebalance_cb = conf->rebalance_cb;
	d->commit_cb = conf->commit_cb;
	d->stats_cb = conf->stats_cb;
	d->opaque = conf->opaque;
	conf_finish(d);
	return d;
}

void fjord_conf_destroy(fjord_conf_t *conf)
{
	if (!conf)
		return;
	props_free(conf_defs, &conf->v);
	free(conf->set_flags);
	free(conf);
}

fjord_conf_res_t fjord_conf_set(fjord_conf_t *conf, const char *name, const char *value,
                                char *errstr, size_t errstr_size)
{
	const prop_def_t *def;
	int rc;
	fj_errstr(errstr, errstr_size, "%s", "");
	if (!conf || !name) {
		fj_errstr(errstr, errstr_size, "NULL conf or property name");
		return FJORD_CONF_INVALID;
	}
	if (strcmp(name, "sasl.mechanisms") == 0) /* librdkafka's alias */
		name = "sasl.mechanism";
	def = props_find(conf_defs, name);
	if (!def) {
		fj_errstr(errstr, errstr_size, "no such configuration property: \"%s\"", name);
		return FJORD_CONF_UNKNOWN;
	}
	if (!value) {
		fj_errstr(errstr, errstr_size, "%s: NULL value", name);
		return FJORD_CONF_INVALID;
	}
	if (!strcmp(def->name, "debug")) {
		unsigned mask;
		if (debug_parse(value, &mask, errstr, errstr_size) < 0)
			return FJORD_CONF_INVALID;
	}
	rc = props_set_def(def, &conf->v, value, errstr, errstr_size);
	if (rc == PROPS_UNKNOWN)
		return FJORD_CONF_UNKNOWN;
	if (rc != PROPS_OK)
		return FJORD_CONF_INVALID;
	conf->set_flags[def - conf_defs] = 1;
	conf_finish(conf);
	return FJORD_CONF_OK;
}

fjord_conf_res_t fjord_conf_get(const fjord_conf_t *conf, const char *name, char *dest,
                                size_t *dest_size)
{
	if (!conf || !name || !dest_size)
		return FJORD_CONF_INVALID;
	if (props_get(conf_defs, &conf->v, name, dest, dest_size) == PROPS_UNKNOWN)
		return FJORD_CONF_UNKNOWN;
	return FJORD_CONF_OK;
}

void fjord_conf_set_dr_msg_cb(fjord_conf_t *conf,
                              void (*dr_msg_cb)(fjord_t *fj, const fjord_message_t *msg,
                                                void *opaque))
{
	if (conf)
		conf->dr_msg_cb = dr_msg_cb;
}

void fjord_conf_set_error_cb(fjord_conf_t *conf, void (*error_cb)(fjord_t *fj, fjord_err_t err,
                                                                  const char *reason, void *opaque))
{
	if (conf)
		conf->error_cb = error_cb;
}

void fjord_conf_set_log_cb(fjord_conf_t *conf, void (*log_cb)(const fjord_t *fj, int level,
                                                              const char *fac, const char *buf))
{
	if (conf)
		conf->log_cb = log_cb;
}

void fjord_conf_set_rebalance_cb(fjord_conf_t *conf,
                                 void (*rebalance_cb)(fjord_t *fj, fjord_rebalance_event_t ev,
                                                      const fjord_topic_partition_list_t *parts,
                                                      void *opaque))
{
	if (conf)
		conf->rebalance_cb = rebalance_cb;
}

void fjord_conf_set_offset_commit_cb(fjord_conf_t *conf,
                                     void (*commit_cb)(fjord_t *fj, fjord_err_t err,
                                                       const fjord_topic_partition_list_t *offsets,
                                                       void *opaque))
{
	if (conf)
		conf->commit_cb = commit_cb;
}

void fjord_conf_set_opaque(fjord_conf_t *conf, void *opaque)
{
	if (conf)
		conf->opaque = opaque;
}

void conf_finish(fjord_conf_t *conf)
{
	static const int acks[] = { -1, -1, 0, 1 };
	int codec;
	fj_conf_values_t *v = &conf->v;
	v->acks = acks[v->acks_idx & 3];
	v->idempotence =
	    v->enable_idempotence && v->acks == -1 && v->retries > 0 && v->max_in_flight <= 5;
	v->idempotence_explicit =
	    v->enable_idempotence && conf->set_flags &&
	    conf->set_flags[props_find(conf_defs, "enable.idempotence") - conf_defs];
	/* props_set keeps the index inside the list (its NULL excluded). */
	codec = (size_t)v->compression_idx <
	                sizeof(conf_compression_values) / sizeof(conf_compression_values[0]) - 1
	            ? rb_codec_from_name(conf_compression_values[v->compression_idx])
	            : -1;
	v->compression_type = codec < 0 ? RB_CODEC_NONE : codec;
	if (debug_parse(v->debug, &v->debug_mask, NULL, 0) < 0)
		v->debug_mask = 0; /* cannot happen: fjord_conf_set() checked it */
}

int conf_check_scope(const fjord_conf_t *conf, fjord_type_t type, char *errstr, size_t n)
{
	static const char *const type_names[] = { "producer", "consumer", "admin" };
	unsigned bit = 1u << type;
	size_t i;
	for (i = 0; i < CONF_CNT; i++) {
		if (!conf->set_flags[i] || (conf_defs[i].scope & bit))
			continue;
		fj_errstr(errstr, n, "property \"%s\" does not apply to a %s (it is a %s property)",
		          conf_defs[i].name, type_names[type],
		          conf_defs[i].scope == S_PROD   ? "producer"
		          : conf_defs[i].scope == S_CONS ? "consumer"
		                                         : "producer/consumer");
		return -1;
	}
	return 0;
}

int conf_check_security(const fjord_conf_t *conf, char *errstr, size_t n)
{
	int p = conf->v.security_protocol;

	if (zkacl_check(conf->v.zookeeper_auth, conf->v.zookeeper_set_acl,
	                conf->v.zookeeper_admin_acl, errstr, n) < 0)
		return -1;
	/* ssl, sasl_ssl: bconn_tls.c (its files are checked when fjord_new()
	 * builds the context); sasl_*: bsasl.c. */
	if ((p == CONF_SEC_SASL_PLAINTEXT || p == CONF_SEC_SASL_SSL) &&
	    (!conf->v.sasl_username || !*conf->v.sasl_username || !conf->v.sasl_password ||
	     !*conf->v.sasl_password)) {
		fj_errstr(errstr, n, "security.protocol=%s needs sasl.username and sasl.password",
		          conf_security_protocols[p]);
		return -1;
	}
	return 0;
}

int conf_check_idempotence(const fjord_conf_t *conf, fjord_type_t type, char *errstr, size_t n)
{
	const fj_conf_values_t *v = &conf->v;
	const prop_def_t *def = props_find(conf_defs, "enable.idempotence");

	if (type != FJORD_PRODUCER || !v->enable_idempotence || !conf->set_flags[def - conf_defs])
		return 0;
	if (v->acks != -1)
		fj_errstr(errstr, n, "enable.idempotence=true needs acks=all");
	else if (v->retries <= 0)
		fj_errstr(errstr, n, "enable.idempotence=true needs retries > 0");
	else if (v->max_in_flight > 5)
		fj_errstr(
		    errstr, n,
		    "enable.idempotence=true needs max.in.flight.requests.per.connection <= 5");
	else
		return 0;
	return -1;
}

/* Writes the property table as Markdown (docs/sdk.md embeds its output). */
void conf_write_markdown(FILE *fp)
{
	static const char *const scope_names[] = { "producer", "consumer", "admin" };
	props_write_markdown(conf_defs, fp, scope_names, 3);
}

void fjord_conf_set_stats_cb(fjord_conf_t *conf, void (*stats_cb)(fjord_t *fj, const char *json,
                                                                  size_t json_len, void *opaque))
{
	if (conf)
		conf->stats_cb = stats_cb;
}
