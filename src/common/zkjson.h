/*
 * zkjson.h — the JSON values of fjord's znodes (DESIGN.md, "ZooKeeper
 * layout"), encoded and strictly decoded with jansson.
 *
 * Owner: common core (ZooKeeper side). Pure functions, any thread.
 *
 * Encoders return a malloc'd NUL-terminated string (caller frees) or NULL
 * when out of memory. Decoders take the raw znode bytes (need not be
 * NUL-terminated), fill a caller-provided struct and return 0, or -1 with
 * errstr naming the znode kind and the offending field ("partition state:
 * \"isr\" lists broker 2 twice"). A struct filled by a decoder is released
 * with the matching *_clear(), which also accepts a zeroed struct.
 * Unknown extra fields are ignored (forward compatibility); the "version"
 * field, when present, must be 1.
 */
#ifndef FJORD_ZKJSON_H
#define FJORD_ZKJSON_H

#include <stddef.h>
#include <stdint.h>

#include "common/endpoint.h"

/* /cluster/id: {"version":1,"id":"..."} */
char *zkjson_cluster_id_encode(const char *id);
int zkjson_cluster_id_decode(const char *buf, size_t len, char **idp, char *errstr, size_t n);

/* /brokers/ids/<id>: Kafka's shape
 * {"version":1,"host":..,"port":..,"rack":null|"..","timestamp":"<ms>",
 *  "endpoints":["INTERNAL://broker1:9092","EXTERNAL://localhost:19092"],
 *  "listener_security_protocol_map":{"INTERNAL":"PLAINTEXT","EXTERNAL":"PLAINTEXT"}}
 * host/port are the inter-broker listener's. The encoder writes every
 * endpoint (eps NULL: one PLAINTEXT endpoint from host/port) and maps each
 * name to PLAINTEXT (the only protocol fjord speaks). The decoder accepts a
 * znode without "endpoints" (one PLAINTEXT endpoint from host/port); when
 * present it must be a non-empty array of distinct NAME://host:port with a
 * non-empty host and a port 1..65535, else the znode is malformed. An
 * optional protocol map must be an object of strings. */
typedef struct zkjson_broker {
	char *host;
	int port;
	char *rack;        /* NULL: none */
	int64_t timestamp; /* ms since epoch */
	int endpoint_cnt;  /* >= 1 after a successful decode */
	endpoint_t *endpoints;
} zkjson_broker_t;
char *zkjson_broker_encode(const char *host, int port, const char *rack, int64_t timestamp,
                           const endpoint_t *eps, int ep_cnt);
int zkjson_broker_decode(const char *buf, size_t len, zkjson_broker_t *b, char *errstr, size_t n);
void zkjson_broker_clear(zkjson_broker_t *b);

/* /brokers/topics/<t>: {"version":1,"partitions":{"0":[1,2],"1":[2,1]}}
 * Partitions must be numbered 0..n-1 (n >= 1), each with a non-empty list
 * of distinct non-negative broker ids. */
typedef struct zkjson_replicas {
	int cnt;
	int32_t *ids;
} zkjson_replicas_t;
typedef struct zkjson_assignment {
	int partition_cnt;
	zkjson_replicas_t *partitions; /* index == partition id */
} zkjson_assignment_t;
char *zkjson_assignment_encode(const zkjson_assignment_t *a);
int zkjson_assignment_decode(const char *buf, size_t len, zkjson_assignment_t *a, char *errstr,
                             size_t n);
void zkjson_assignment_clear(zkjson_assignment_t *a);

/* /brokers/topics/<t>/partitions/<p>/state:
 * {"version":1,"leader":L,"leader_epoch":E,"isr":[..],"controller_epoch":C}
 * leader is -1 (offline) or a broker id; isr distinct non-negative ids. */
typedef struct zkjson_state {
	int32_t leader;
	int32_t leader_epoch;
	int isr_cnt;
	int32_t *isr;
	int32_t controller_epoch;
} zkjson_state_t;
char *zkjson_state_encode(const zkjson_state_t *s);
int zkjson_state_decode(const char *buf, size_t len, zkjson_state_t *s, char *errstr, size_t n);
void zkjson_state_clear(zkjson_state_t *s);

/* /controller: {"version":1,"brokerid":1,"timestamp":"<ms>"} */
char *zkjson_controller_encode(int32_t broker_id, int64_t timestamp);
int zkjson_controller_decode(const char *buf, size_t len, int32_t *broker_idp, char *errstr,
                             size_t n);

/* /controller_epoch: a non-negative decimal integer (not JSON-wrapped). */
int zkjson_epoch_decode(const char *buf, size_t len, int32_t *epochp, char *errstr, size_t n);

/* /config/topics/<t>: {"version":1,"config":{"retention.ms":"60000"}}
 * Every value is a string. */
typedef struct zkjson_config {
	int cnt;
	char **names;
	char **values;
} zkjson_config_t;
char *zkjson_config_encode(const zkjson_config_t *c);
int zkjson_config_decode(const char *buf, size_t len, zkjson_config_t *c, char *errstr, size_t n);
void zkjson_config_clear(zkjson_config_t *c);

/* /consumers/<g>/ids/<member> (EPHEMERAL|SEQUENTIAL, named "<client.id>-<seq>"):
 * {"version":1,"subscription":{"orders":1,"^logs-.*":1},"client_id":"...",
 *  "host":"...","timestamp":"<ms>"}
 * The subscription maps topic names, or POSIX extended regexes starting
 * with '^', to a positive stream count. client_id and host are optional
 * (omitted when NULL on encode; NULL when absent on decode). */
typedef struct zkjson_member {
	int topic_cnt;
	char **topics;
	int *counts;
	int64_t timestamp;
	char *client_id;
	char *host;
} zkjson_member_t;
char *zkjson_member_encode(const zkjson_member_t *m);
int zkjson_member_decode(const char *buf, size_t len, zkjson_member_t *m, char *errstr, size_t n);
void zkjson_member_clear(zkjson_member_t *m);

/* /consumers/<g>/assignment (persistent, written by the group leader with a
 * version-conditional set):
 * {"version":1,"generation":12,"leader":"<member>","strategy":"range",
 *  "timestamp":"<ms>","reason":"member joined: c-0000000003",
 *  "partitions":{"orders":{"0":"<member>"}}}
 * One entry per assigned partition (flattened). strategy, timestamp and
 * reason are optional (omitted when NULL / <= 0 on encode; NULL / -1 when
 * absent on decode). */
typedef struct zkjson_group_assignment {
	int64_t generation;
	char *leader;
	int cnt;
	char **topics;       /* topic of entry i */
	int32_t *partitions; /* partition of entry i */
	char **members;      /* owner member id of entry i */
	char *strategy;
	int64_t timestamp; /* ms since epoch of the rebalance; -1: unknown */
	char *reason;      /* why this generation was computed */
} zkjson_group_assignment_t;
char *zkjson_group_assignment_encode(const zkjson_group_assignment_t *ga);
int zkjson_group_assignment_decode(const char *buf, size_t len, zkjson_group_assignment_t *ga,
                                   char *errstr, size_t n);
void zkjson_group_assignment_clear(zkjson_group_assignment_t *ga);

/* /brokers/offline_replicas/<id> (ephemeral, written by a broker whose log
 * dir failed; the controller moves those partitions' leadership away and
 * takes the broker out of their ISR; a restart of the broker removes it):
 * {"version":1,"broker":1,"log_dirs":["/data/b"],
 *  "partitions":{"orders":[0,2]},"timestamp":"<ms>"}
 * log_dirs and timestamp are optional on decode (timestamp -1 when absent;
 * not written when < 0); partitions maps a topic to distinct partition
 * numbers. */
typedef struct zkjson_offline {
	int32_t broker;
	int dir_cnt;
	char **dirs;
	int cnt; /* entries: (topics[i], partitions[i]) */
	char **topics;
	int32_t *partitions;
	int64_t timestamp; /* -1: absent */
} zkjson_offline_t;
char *zkjson_offline_encode(const zkjson_offline_t *o);
int zkjson_offline_decode(const char *buf, size_t len, zkjson_offline_t *o, char *errstr, size_t n);
void zkjson_offline_clear(zkjson_offline_t *o);
/* 1 when (topic, partition) is listed. */
int zkjson_offline_has(const zkjson_offline_t *o, const char *topic, int32_t partition);

#endif /* FJORD_ZKJSON_H */
