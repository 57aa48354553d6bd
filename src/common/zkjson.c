/*
 * zkjson.c — jansson codecs for every znode value fjord writes or reads.
 *
 * Decoding is strict because operators may write these znodes by hand with
 * zkCli: every required field is checked for presence, JSON type and range,
 * and the error message names the znode kind and the field. Nothing here
 * aborts on bad input. Encoders emit compact JSON with keys in a fixed
 * order (JSON_PRESERVE_ORDER) so values are stable and diff-able.
 *
 * Threads: none of its own; pure functions. Ownership: see zkjson.h.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/zkjson.h"
#include "common/zkjson_int.h"
#include "common/numparse.h"

#define ZKJSON_DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER)

char *zkjson_dump(json_t *root)
{
	char *s = NULL;

	if (root)
		s = json_dumps(root, ZKJSON_DUMP_FLAGS);
	json_decref(root);
	return s;
}

/* Parses an object and checks "version" (optional, must be 1 if present). */
json_t *zkjson_load(const char *buf, size_t len, const char *kind, char *errstr, size_t n)
{
	json_error_t jerr;
	json_t *root, *v;

	if (!buf || len == 0) {
		snprintf(errstr, n, "%s: empty value", kind);
		return NULL;
	}
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(errstr, n, "%s: invalid JSON at line %d column %d: %s", kind, jerr.line,
		         jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		snprintf(errstr, n, "%s: expected a JSON object", kind);
		goto fail;
	}
	v = json_object_get(root, "version");
	if (v && (!json_is_integer(v) || json_integer_value(v) != 1)) {
		snprintf(errstr, n, "%s: \"version\" must be 1", kind);
		goto fail;
	}
	return root;
fail:
	json_decref(root);
	return NULL;
}

int zkjson_get_int(json_t *obj, const char *key, int64_t min, int64_t max, const char *kind,
                   int64_t *out, char *errstr, size_t n)
{
	json_t *v = json_object_get(obj, key);

	if (!v) {
		snprintf(errstr, n, "%s: missing \"%s\"", kind, key);
		return -1;
	}
	if (!json_is_integer(v)) {
		snprintf(errstr, n, "%s: \"%s\" must be an integer", kind, key);
		return -1;
	}
	if (json_integer_value(v) < min || json_integer_value(v) > max) {
		snprintf(errstr, n,
		         "%s: \"%s\" is %" JSON_INTEGER_FORMAT ", outside %" PRId64 "..%" PRId64,
		         kind, key, json_integer_value(v), min, max);
		return -1;
	}
	*out = json_integer_value(v);
	return 0;
}

static int zkjson_get_str(json_t *obj, const char *key, int nullable, const char *kind, char **out,
                          char *errstr, size_t n)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v) {
		snprintf(errstr, n, "%s: missing \"%s\"", kind, key);
		return -1;
	}
	if (nullable && json_is_null(v))
		return 0;
	if (!json_is_string(v) || json_string_length(v) == 0) {
		snprintf(errstr, n, "%s: \"%s\" must be a non-empty string%s", kind, key,
		         nullable ? " or null" : "");
		return -1;
	}
	*out = strdup(json_string_value(v));
	if (!*out) {
		snprintf(errstr, n, "%s: out of memory", kind);
		return -1;
	}
	return 0;
}

/* "timestamp": decimal milliseconds as a string (Kafka's convention). */
json_t *zkjson_get_object(json_t *obj, const char *key, const char *kind, char *errstr, size_t n)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_object(v)) {
		snprintf(errstr, n, "%s: \"%s\" must be an object", kind, key);
		return NULL;
	}
	return v;
}

int zkjson_get_timestamp(json_t *obj, const char *kind, int64_t *out, char *errstr, size_t n)
{
	json_t *v = json_object_get(obj, "timestamp");
	const char *s;

	if (!v) {
		snprintf(errstr, n, "%s: missing \"timestamp\"", kind);
		return -1;
	}
	s = json_string_value(v);
	if (!s || !*s || *s == '-' || *s == '+') {
		snprintf(errstr, n, "%s: \"timestamp\" must be a string of decimal milliseconds",
		         kind);
		return -1;
	}
	if (num_parse_i64(s, 0, INT64_MAX, out) < 0) {
		snprintf(errstr, n, "%s: \"timestamp\" \"%s\" is not decimal milliseconds", kind,
		         s);
		return -1;
	}
	return 0;
}

/* A JSON array of distinct broker ids (>= 0); empty allowed if allow_empty. */
static int zkjson_get_ids(json_t *arr, const char *kind, const char *what, int allow_empty,
                          int *cntp, int32_t **idsp, char *errstr, size_t n)
{
	size_t i, j, cnt;
	int32_t *ids = NULL;

	*cntp = 0;
	*idsp = NULL;
	if (!json_is_array(arr)) {
		snprintf(errstr, n, "%s: %s must be an array of broker ids", kind, what);
		return -1;
	}
	cnt = json_array_size(arr);
	if (cnt == 0 && !allow_empty) {
		snprintf(errstr, n, "%s: %s is empty", kind, what);
		return -1;
	}
	if (cnt > 0 && !(ids = calloc(cnt, sizeof(*ids)))) {
		snprintf(errstr, n, "%s: out of memory", kind);
		return -1;
	}
	for (i = 0; i < cnt; i++) {
		json_t *v = json_array_get(arr, i);

		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > INT32_MAX) {
			snprintf(errstr, n, "%s: %s entry %zu is not a broker id (integer >= 0)",
			         kind, what, i);
			goto fail;
		}
		ids[i] = (int32_t)json_integer_value(v);
		for (j = 0; j < i; j++) {
			if (ids[j] == ids[i]) {
				snprintf(errstr, n, "%s: %s lists broker %d twice", kind, what,
				         (int)ids[i]);
				goto fail;
			}
		}
	}
	*cntp = (int)cnt;
	*idsp = ids;
	return 0;
fail:
	free(ids);
	return -1;
}

static json_t *zkjson_ids_array(const int32_t *ids, int cnt)
{
	json_t *arr = json_array();
	int i;

	for (i = 0; arr && i < cnt; i++) {
		if (json_array_append_new(arr, json_integer(ids[i])) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* Parses a partition key "0", "17": decimal, no sign, no leading zeros. */
static int zkjson_partition_key(const char *key, int32_t max, int32_t *out)
{
	long v = 0;
	const char *p;

	if (!*key || (key[0] == '0' && key[1]))
		return -1;
	for (p = key; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
		if (v > max)
			return -1;
	}
	*out = (int32_t)v;
	return 0;
}

json_t *zkjson_timestamp_string(int64_t ts)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRId64, ts);
	return json_string(buf);
}

/* ------------------------------------------------------------ cluster id */

char *zkjson_cluster_id_encode(const char *id)
{
	return zkjson_dump(json_pack("{s:i, s:s}", "version", 1, "id", id));
}

int zkjson_cluster_id_decode(const char *buf, size_t len, char **idp, char *errstr, size_t n)
{
	json_t *root = zkjson_load(buf, len, "cluster id", errstr, n);
	int r;

	*idp = NULL;
	if (!root)
		return -1;
	r = zkjson_get_str(root, "id", 0, "cluster id", idp, errstr, n);
	json_decref(root);
	return r;
}

/* ------------------------------------------------------------ broker */

char *zkjson_broker_encode(const char *host, int port, const char *rack, int64_t timestamp,
                           const endpoint_t *eps, int ep_cnt)
{
	endpoint_t one = { "PLAINTEXT", (char *)host, port, NULL };
	json_t *arr = json_array(), *map = json_object();
	int i;

	if (!eps || ep_cnt <= 0) {
		eps = &one;
		ep_cnt = 1;
	}
	for (i = 0; arr && map && i < ep_cnt; i++) {
		char *s = endpoint_format(&eps[i]);
		if (!s || json_array_append_new(arr, json_string(s)) < 0 ||
		    json_object_set_new(
		        map, eps[i].name,
		        json_string(eps[i].protocol ? eps[i].protocol : "PLAINTEXT")) < 0) {
			free(s);
			goto fail;
		}
		free(s);
	}
	if (!arr || !map)
		goto fail;
	return zkjson_dump(json_pack(
	    "{s:i, s:s, s:i, s:o, s:o, s:o, s:o}", "version", 1, "host", host, "port", port, "rack",
	    rack ? json_string(rack) : json_null(), "timestamp", zkjson_timestamp_string(timestamp),
	    "endpoints", arr, "listener_security_protocol_map", map));
fail:
	json_decref(arr);
	json_decref(map);
	return NULL;
}

/* One "NAME://host:port" of a broker znode into ep: parses, and needs a
 * host and a port 1..65535. 0, or -1 with errstr (ep cleared). */
static int zkjson_broker_endpoint(const char *s, endpoint_t *ep, const char *kind, char *errstr,
                                  size_t n)
{
	char msg[200];

	if (endpoint_parse(s, ep, msg, sizeof(msg)) < 0) {
		snprintf(errstr, n, "%s: endpoint \"%s\": %s", kind, s, msg);
		return -1;
	}
	if (!ep->host[0] || ep->port < 1) {
		snprintf(errstr, n, "%s: endpoint \"%s\" needs a host and a port 1..65535", kind,
		         s);
		endpoint_clear(ep);
		return -1;
	}
	return 0;
}

/* "endpoints" (optional) and "listener_security_protocol_map" (optional). */
static int zkjson_broker_endpoints(json_t *root, zkjson_broker_t *b, const char *kind, char *errstr,
                                   size_t n)
{
	json_t *arr = json_object_get(root, "endpoints"), *map, *v;
	const char *key;
	size_t i;

	map = json_object_get(root, "listener_security_protocol_map");
	if (map && !json_is_null(map)) {
		if (!json_is_object(map)) {
			snprintf(errstr, n,
			         "%s: \"listener_security_protocol_map\" must be an object", kind);
			return -1;
		}
		json_object_foreach (map, key, v) {
			if (!json_is_string(v)) {
				snprintf(
				    errstr, n,
				    "%s: \"listener_security_protocol_map\": \"%s\" must map to a "
				    "string",
				    kind, key);
				return -1;
			}
		}
	}
	if (!arr) {
		/* An older writer's znode: host and port are the one endpoint,
		 * held to the rules of an "endpoints" entry, so that what is
		 * accepted here is also accepted once written back with them. */
		endpoint_t one = { "PLAINTEXT", b->host, b->port, NULL };
		char *s = endpoint_format(&one);
		b->endpoints = calloc(1, sizeof(*b->endpoints));
		if (!s || !b->endpoints) {
			free(s);
			snprintf(errstr, n, "%s: out of memory", kind);
			return -1;
		}
		int r = zkjson_broker_endpoint(s, &b->endpoints[0], kind, errstr, n);
		free(s);
		if (r < 0)
			return -1;
		b->endpoint_cnt = 1;
		return 0;
	}
	if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > 64) {
		snprintf(errstr, n, "%s: \"endpoints\" must be an array of 1..64 strings", kind);
		return -1;
	}
	b->endpoints = calloc(json_array_size(arr), sizeof(*b->endpoints));
	if (!b->endpoints) {
		snprintf(errstr, n, "%s: out of memory", kind);
		return -1;
	}
	json_array_foreach (arr, i, v) {
		endpoint_t *ep = &b->endpoints[i];

		if (!json_is_string(v)) {
			snprintf(errstr, n, "%s: \"endpoints\"[%zu] must be a string", kind, i);
			return -1;
		}
		if (zkjson_broker_endpoint(json_string_value(v), ep, kind, errstr, n) < 0)
			return -1;
		b->endpoint_cnt++;
		if (endpoint_find(b->endpoints, (int)i, ep->name)) {
			snprintf(errstr, n, "%s: endpoint name %s is listed twice", kind, ep->name);
			return -1;
		}
	}
	return 0;
}

int zkjson_broker_decode(const char *buf, size_t len, zkjson_broker_t *b, char *errstr, size_t n)
{
	const char *kind = "broker registration";
	json_t *root = zkjson_load(buf, len, kind, errstr, n);
	int64_t port;

	memset(b, 0, sizeof(*b));
	if (!root)
		return -1;
	if (zkjson_get_str(root, "host", 0, kind, &b->host, errstr, n) < 0 ||
	    zkjson_get_int(root, "port", 0, 65535, kind, &port, errstr, n) < 0 ||
	    zkjson_get_timestamp(root, kind, &b->timestamp, errstr, n) < 0)
		goto fail;
	b->port = (int)port;
	/* "rack" may be absent (older writers) or null. */
	if (json_object_get(root, "rack") &&
	    zkjson_get_str(root, "rack", 1, kind, &b->rack, errstr, n) < 0)
		goto fail;
	if (zkjson_broker_endpoints(root, b, kind, errstr, n) < 0)
		goto fail;
	json_decref(root);
	return 0;
fail:
	json_decref(root);
	zkjson_broker_clear(b);
	return -1;
}

void zkjson_broker_clear(zkjson_broker_t *b)
{
	free(b->host);
	free(b->rack);
	endpoint_list_free(b->endpoints, b->endpoint_cnt);
	memset(b, 0, sizeof(*b));
}

/* ------------------------------------------------------------ assignment */

char *zkjson_assignment_encode(const zkjson_assignment_t *a)
{
	json_t *parts = json_object();
	char key[16];
	int i;

	for (i = 0; parts && i < a->partition_cnt; i++) {
		json_t *ids = zkjson_ids_array(a->partitions[i].ids, a->partitions[i].cnt);

		snprintf(key, sizeof(key), "%d", i);
		if (!ids || json_object_set_new(parts, key, ids) < 0) {
			json_decref(parts);
			return NULL;
		}
	}
	if (!parts)
		return NULL;
	return zkjson_dump(json_pack("{s:i, s:o}", "version", 1, "partitions", parts));
}

int zkjson_assignment_decode(const char *buf, size_t len, zkjson_assignment_t *a, char *errstr,
                             size_t n)
{
	const char *kind = "topic assignment";
	json_t *root = zkjson_load(buf, len, kind, errstr, n);
	json_t *parts, *v;
	const char *key;
	size_t cnt;
	char what[64];

	memset(a, 0, sizeof(*a));
	if (!root)
		return -1;
	if (!(parts = zkjson_get_object(root, "partitions", kind, errstr, n)))
		goto fail;
	cnt = json_object_size(parts);
	if (cnt == 0 || cnt > 1000000) {
		snprintf(errstr, n, "%s: \"partitions\" must hold 1..1000000 partitions", kind);
		goto fail;
	}
	a->partitions = calloc(cnt, sizeof(*a->partitions));
	if (!a->partitions) {
		snprintf(errstr, n, "%s: out of memory", kind);
		goto fail;
	}
	a->partition_cnt = (int)cnt;
	json_object_foreach (parts, key, v) {
		int32_t p;

		if (zkjson_partition_key(key, (int32_t)cnt - 1, &p) < 0) {
			snprintf(errstr, n,
			         "%s: partition \"%s\" is not one of 0..%zu (partitions must be "
			         "numbered 0..n-1)",
			         kind, key, cnt - 1);
			goto fail;
		}
		/* Duplicate keys are rejected by the parser, so each p is seen once. */
		snprintf(what, sizeof(what), "partition %d's replicas", (int)p);
		if (zkjson_get_ids(v, kind, what, 0, &a->partitions[p].cnt, &a->partitions[p].ids,
		                   errstr, n) < 0)
			goto fail;
	}
	json_decref(root);
	return 0;
fail:
	json_decref(root);
	zkjson_assignment_clear(a);
	return -1;
}

void zkjson_assignment_clear(zkjson_assignment_t *a)
{
	int i;

	for (i = 0; a->partitions && i < a->partition_cnt; i++)
		free(a->partitions[i].ids);
	free(a->partitions);
	memset(a, 0, sizeof(*a));
}

/* ------------------------------------------------------------ partition state */

char *zkjson_state_encode(const zkjson_state_t *s)
{
	json_t *isr = zkjson_ids_array(s->isr, s->isr_cnt);

	if (!isr)
		return NULL;
	return zkjson_dump(json_pack("{s:i, s:i, s:i, s:o, s:i}", "version", 1, "leader",
	                             (int)s->leader, "leader_epoch", (int)s->leader_epoch, "isr",
	                             isr, "controller_epoch", (int)s->controller_epoch));
}

int zkjson_state_decode(const char *buf, size_t len, zkjson_state_t *s, char *errstr, size_t n)
{
	const char *kind = "partition state";
	json_t *root = zkjson_load(buf, len, kind, errstr, n);
	int64_t leader, le, ce;

	memset(s, 0, sizeof(*s));
	if (!root)
		return -1;
	if (zkjson_get_int(root, "leader", -1, INT32_MAX, kind, &leader, errstr, n) < 0 ||
	    zkjson_get_int(root, "leader_epoch", 0, INT32_MAX, kind, &le, errstr, n) < 0 ||
	    zkjson_get_int(root, "controller_epoch", 0, INT32_MAX, kind, &ce, errstr, n) < 0)
		goto fail;
	if (!json_object_get(root, "isr")) {
		snprintf(errstr, n, "%s: missing \"isr\"", kind);
		goto fail;
	}
	if (zkjson_get_ids(json_object_get(root, "isr"), kind, "\"isr\"", 1, &s->isr_cnt, &s->isr,
	                   errstr, n) < 0)
		goto fail;
	s->leader = (int32_t)leader;
	s->leader_epoch = (int32_t)le;
	s->controller_epoch = (int32_t)ce;
	json_decref(root);
	return 0;
fail:
	json_decref(root);
	zkjson_state_clear(s);
	return -1;
}

void zkjson_state_clear(zkjson_state_t *s)
{
	free(s->isr);
	memset(s, 0, sizeof(*s));
}

/* ------------------------------------------------------------ controller */

char *zkjson_controller_encode(int32_t broker_id, int64_t timestamp)
{
	return zkjson_dump(json_pack("{s:i, s:i, s:o}", "version", 1, "brokerid", (int)broker_id,
	                             "timestamp", zkjson_timestamp_string(timestamp)));
}

int zkjson_controller_decode(const char *buf, size_t len, int32_t *broker_idp, char *errstr,
                             size_t n)
{
	json_t *root = zkjson_load(buf, len, "controller", errstr, n);
	int64_t id;
	int r;

	if (!root)
		return -1;
	r = zkjson_get_int(root, "brokerid", 0, INT32_MAX, "controller", &id, errstr, n);
	if (r == 0)
		*broker_idp = (int32_t)id;
	json_decref(root);
	return r;
}

int zkjson_epoch_decode(const char *buf, size_t len, int32_t *epochp, char *errstr, size_t n)
{
	int64_t v = 0;
	size_t i;

	if (!buf || len == 0 || len > 10) {
		snprintf(errstr, n, "controller epoch: expected a decimal integer");
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (buf[i] < '0' || buf[i] > '9') {
			snprintf(errstr, n, "controller epoch: \"%.*s\" is not a decimal integer",
			         (int)len, buf);
			return -1;
		}
		v = v * 10 + (buf[i] - '0');
	}
	if (v > INT32_MAX) {
		snprintf(errstr, n, "controller epoch: %" PRId64 " is too large", v);
		return -1;
	}
	*epochp = (int32_t)v;
	return 0;
}

/* The string pairs of a decoded map (config name/value, assignment
 * topic/member): appends copies of a and b at slot *cnt of arrays the
 * caller sized; on out of memory fills errstr and returns -1 (what was
 * copied stays counted, so zkjson_pairs_free frees it). */
static int zkjson_pair_add(char **as, char **bs, int *cnt, const char *a, const char *b,
                           const char *kind, char *errstr, size_t n)
{
	as[*cnt] = strdup(a);
	bs[*cnt] = strdup(b);
	(*cnt)++;
	if (!as[*cnt - 1] || !bs[*cnt - 1]) {
		snprintf(errstr, n, "%s: out of memory", kind);
		return -1;
	}
	return 0;
}

static void zkjson_pairs_free(char **as, char **bs, int cnt)
{
	for (int i = 0; i < cnt; i++) {
		free(as[i]);
		free(bs[i]);
	}
	free(as);
	free(bs);
}

/* ------------------------------------------------------------ topic config */

char *zkjson_config_encode(const zkjson_config_t *c)
{
	json_t *cfg = json_object();
	int i;

	for (i = 0; cfg && i < c->cnt; i++) {
		if (json_object_set_new(cfg, c->names[i], json_string(c->values[i])) < 0) {
			json_decref(cfg);
			return NULL;
		}
	}
	if (!cfg)
		return NULL;
	return zkjson_dump(json_pack("{s:i, s:o}", "version", 1, "config", cfg));
}

int zkjson_config_decode(const char *buf, size_t len, zkjson_config_t *c, char *errstr, size_t n)
{
	const char *kind = "topic config";
	json_t *root = zkjson_load(buf, len, kind, errstr, n);
	json_t *cfg, *v;
	const char *key;
	size_t cnt;

	memset(c, 0, sizeof(*c));
	if (!root)
		return -1;
	if (!(cfg = zkjson_get_object(root, "config", kind, errstr, n)))
		goto fail;
	cnt = json_object_size(cfg);
	if (cnt > 0) {
		c->names = calloc(cnt, sizeof(char *));
		c->values = calloc(cnt, sizeof(char *));
		if (!c->names || !c->values) {
			snprintf(errstr, n, "%s: out of memory", kind);
			goto fail;
		}
	}
	json_object_foreach (cfg, key, v) {
		if (!json_is_string(v)) {
			snprintf(errstr, n, "%s: value of \"%s\" must be a string", kind, key);
			goto fail;
		}
		if (zkjson_pair_add(c->names, c->values, &c->cnt, key, json_string_value(v), kind,
		                    errstr, n) < 0)
			goto fail;
	}
	json_decref(root);
	return 0;
fail:
	json_decref(root);
	zkjson_config_clear(c);
	return -1;
}

void zkjson_config_clear(zkjson_config_t *c)
{
	zkjson_pairs_free(c->names, c->values, c->cnt);
	memset(c, 0, sizeof(*c));
}

/* ------------------------------------------------------------ group member */

char *zkjson_member_encode(const zkjson_member_t *m)
{
	json_t *sub = json_object(), *root;
	int i;

	for (i = 0; sub && i < m->topic_cnt; i++) {
		if (json_object_set_new(sub, m->topics[i], json_integer(m->counts[i])) < 0) {
			json_decref(sub);
			return NULL;
		}
	}
	if (!sub)
		return NULL;
	root = json_pack("{s:i, s:o}", "version", 1, "subscription", sub);
	if (root && m->client_id &&
	    json_object_set_new(root, "client_id", json_string(m->client_id)) < 0)
		goto fail;
	if (root && m->host && json_object_set_new(root, "host", json_string(m->host)) < 0)
		goto fail;
	if (root &&
	    json_object_set_new(root, "timestamp", zkjson_timestamp_string(m->timestamp)) < 0)
		goto fail;
	return zkjson_dump(root);
fail:
	json_decref(root);
	return NULL;
}

/* An optional string field: absent or null gives NULL; else a string. */
static int zkjson_get_opt_str(json_t *obj, const char *key, const char *kind, char **out,
                              char *errstr, size_t n)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		snprintf(errstr, n, "%s: \"%s\" must be a string", kind, key);
		return -1;
	}
	*out = strdup(json_string_value(v));
	if (!*out) {
		snprintf(errstr, n, "%s: out of memory", kind);
		return -1;
	}
	return 0;
}

int zkjson_member_decode(const char *buf, size_t len, zkjson_member_t *m, char *errstr, size_t n)
{
	const char *kind = "group member";
	json_t *root = zkjson_load(buf, len, kind, errstr, n);
	json_t *sub, *v;
	const char *key;
	size_t cnt;

	memset(m, 0, sizeof(*m));
	if (!root)
		return -1;
	if (!(sub = zkjson_get_object(root, "subscription", kind, errstr, n)))
		goto fail;
	if (zkjson_get_timestamp(root, kind, &m->timestamp, errstr, n) < 0 ||
	    zkjson_get_opt_str(root, "client_id", kind, &m->client_id, errstr, n) < 0 ||
	    zkjson_get_opt_str(root, "host", kind, &m->host, errstr, n) < 0)
		goto fail;
	cnt = json_object_size(sub);
	if (cnt > 0) {
		m->topics = calloc(cnt, sizeof(char *));
		m->counts = calloc(cnt, sizeof(int));
		if (!m->topics || !m->counts) {
			snprintf(errstr, n, "%s: out of memory", kind);
			goto fail;
		}
	}
	json_object_foreach (sub, key, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > INT32_MAX) {
			snprintf(errstr, n,
			         "%s: subscription count of \"%s\" must be an integer >= 1", kind,
			         key);
			goto fail;
		}
		if (!(m->topics[m->topic_cnt] = strdup(key))) {
			snprintf(errstr, n, "%s: out of memory", kind);
			goto fail;
		}
		m->counts[m->topic_cnt++] = (int)json_integer_value(v);
	}
	json_decref(root);
	return 0;
fail:
	json_decref(root);
	zkjson_member_clear(m);
	return -1;
}

void zkjson_member_clear(zkjson_member_t *m)
{
	int i;

	for (i = 0; i < m->topic_cnt; i++)
		free(m->topics[i]);
	free(m->topics);
	free(m->counts);
	free(m->client_id);
	free(m->host);
	memset(m, 0, sizeof(*m));
}

/* ------------------------------------------------------------ group assignment */

char *zkjson_group_assignment_encode(const zkjson_group_assignment_t *ga)
{
	json_t *parts = json_object(), *root = NULL;
	char key[16];
	int i;

	for (i = 0; parts && i < ga->cnt; i++) {
		json_t *t = json_object_get(parts, ga->topics[i]);

		if (!t) {
			t = json_object();
			if (!t || json_object_set_new(parts, ga->topics[i], t) < 0)
				goto fail;
		}
		snprintf(key, sizeof(key), "%d", (int)ga->partitions[i]);
		if (json_object_set_new(t, key, json_string(ga->members[i])) < 0)
			goto fail;
	}
	if (!parts)
		return NULL;
	root = json_pack("{s:i, s:I, s:s}", "version", 1, "generation", (json_int_t)ga->generation,
	                 "leader", ga->leader ? ga->leader : "");
	if (!root)
		goto fail;
	if ((ga->strategy &&
	     json_object_set_new(root, "strategy", json_string(ga->strategy)) < 0) ||
	    (ga->timestamp > 0 &&
	     json_object_set_new(root, "timestamp", zkjson_timestamp_string(ga->timestamp)) < 0) ||
	    (ga->reason && json_object_set_new(root, "reason", json_string(ga->reason)) < 0))
		goto fail;
	if (json_object_set_new(root, "partitions", parts) < 0) {
		parts = NULL; /* set_new consumed it */
		goto fail;
	}
	return zkjson_dump(root);
fail:
	json_decref(parts);
	json_decref(root);
	return NULL;
}

int zkjson_group_assignment_decode(const char *buf, size_t len, zkjson_group_assignment_t *ga,
                                   char *errstr, size_t n)
{
	const char *kind = "group assignment";
	json_t *root = zkjson_load(buf, len, kind, errstr, n);
	json_t *parts, *t, *v;
	const char *topic, *key;
	size_t cnt = 0;

	memset(ga, 0, sizeof(*ga));
	if (!root)
		return -1;
	ga->timestamp = -1;
	if (zkjson_get_int(root, "generation", 0, INT64_MAX, kind, &ga->generation, errstr, n) <
	        0 ||
	    zkjson_get_str(root, "leader", 0, kind, &ga->leader, errstr, n) < 0 ||
	    zkjson_get_opt_str(root, "strategy", kind, &ga->strategy, errstr, n) < 0 ||
	    zkjson_get_opt_str(root, "reason", kind, &ga->reason, errstr, n) < 0)
		goto fail;
	if (json_object_get(root, "timestamp") &&
	    zkjson_get_timestamp(root, kind, &ga->timestamp, errstr, n) < 0)
		goto fail;
	if (!(parts = zkjson_get_object(root, "partitions", kind, errstr, n)))
		goto fail;
	json_object_foreach (parts, topic, t) {
		if (!json_is_object(t)) {
			snprintf(errstr, n, "%s: partitions of \"%s\" must be an object", kind,
			         topic);
			goto fail;
		}
		cnt += json_object_size(t);
	}
	if (cnt > 0) {
		ga->topics = calloc(cnt, sizeof(char *));
		ga->partitions = calloc(cnt, sizeof(int32_t));
		ga->members = calloc(cnt, sizeof(char *));
		if (!ga->topics || !ga->partitions || !ga->members) {
			snprintf(errstr, n, "%s: out of memory", kind);
			goto fail;
		}
	}
	json_object_foreach (parts, topic, t) {
		json_object_foreach (t, key, v) {
			int32_t p;

			if (zkjson_partition_key(key, INT32_MAX, &p) < 0) {
				snprintf(errstr, n,
				         "%s: \"%s\" partition \"%s\" is not a partition number",
				         kind, topic, key);
				goto fail;
			}
			if (!json_is_string(v) || json_string_length(v) == 0) {
				snprintf(errstr, n,
				         "%s: owner of \"%s\" partition %d must be a member id",
				         kind, topic, (int)p);
				goto fail;
			}
			ga->partitions[ga->cnt] = p;
			if (zkjson_pair_add(ga->topics, ga->members, &ga->cnt, topic,
			                    json_string_value(v), kind, errstr, n) < 0)
				goto fail;
		}
	}
	json_decref(root);
	return 0;
fail:
	json_decref(root);
	zkjson_group_assignment_clear(ga);
	return -1;
}

void zkjson_group_assignment_clear(zkjson_group_assignment_t *ga)
{
	zkjson_pairs_free(ga->topics, ga->members, ga->cnt);
	free(ga->partitions);
	free(ga->leader);
	free(ga->strategy);
	free(ga->reason);
	memset(ga, 0, sizeof(*ga));
	ga->timestamp = -1;
}

/* ------------------------------------------------------------ offline replicas */

char *zkjson_offline_encode(const zkjson_offline_t *o)
{
	json_t *root = json_object(), *dirs = json_array(), *parts = json_object();
	/* The containers belong to root at once, so any failure below frees
	 * everything with root; they are filled afterwards. */
	int ok = root && dirs && parts &&
	         json_object_set_new(root, "version", json_integer(1)) == 0 &&
	         json_object_set_new(root, "broker", json_integer(o->broker)) == 0 &&
	         json_object_set(root, "log_dirs", dirs) == 0 &&
	         json_object_set(root, "partitions", parts) == 0;

	for (int i = 0; ok && i < o->dir_cnt; i++)
		ok = json_array_append_new(dirs, json_string(o->dirs[i])) == 0;
	for (int i = 0; ok && i < o->cnt; i++) {
		json_t *arr = json_object_get(parts, o->topics[i]);
		if (!arr) {
			arr = json_array();
			ok = arr && json_object_set_new(parts, o->topics[i], arr) == 0;
		}
		ok = ok && json_array_append_new(arr, json_integer(o->partitions[i])) == 0;
	}
	if (ok && o->timestamp >= 0)
		ok = json_object_set_new(root, "timestamp",
		                         zkjson_timestamp_string(o->timestamp)) == 0;
	json_decref(dirs);
	json_decref(parts);
	if (!ok) {
		json_decref(root);
		return NULL;
	}
	return zkjson_dump(root);
}

int zkjson_offline_decode(const char *buf, size_t len, zkjson_offline_t *o, char *errstr, size_t n)
{
	const char *kind = "offline replicas";
	json_t *root = zkjson_load(buf, len, kind, errstr, n);
	json_t *dirs, *parts, *arr;
	const char *topic;
	int64_t broker;
	size_t cnt = 0;

	memset(o, 0, sizeof(*o));
	o->timestamp = -1;
	if (!root)
		return -1;
	if (zkjson_get_int(root, "broker", 0, INT32_MAX, kind, &broker, errstr, n) < 0)
		goto fail;
	o->broker = (int32_t)broker;
	if (json_object_get(root, "timestamp") &&
	    zkjson_get_timestamp(root, kind, &o->timestamp, errstr, n) < 0)
		goto fail;
	dirs = json_object_get(root, "log_dirs");
	if (dirs) {
		if (!json_is_array(dirs)) {
			snprintf(errstr, n, "%s: \"log_dirs\" must be an array of paths", kind);
			goto fail;
		}
		if (json_array_size(dirs) > 0 &&
		    !(o->dirs = calloc(json_array_size(dirs), sizeof(char *)))) {
			snprintf(errstr, n, "%s: out of memory", kind);
			goto fail;
		}
		for (size_t i = 0; i < json_array_size(dirs); i++) {
			json_t *d = json_array_get(dirs, i);
			if (!json_is_string(d)) {
				snprintf(errstr, n, "%s: \"log_dirs\" entry %zu is not a string",
				         kind, i);
				goto fail;
			}
			if (!(o->dirs[o->dir_cnt] = strdup(json_string_value(d)))) {
				snprintf(errstr, n, "%s: out of memory", kind);
				goto fail;
			}
			o->dir_cnt++;
		}
	}
	if (!(parts = zkjson_get_object(root, "partitions", kind, errstr, n)))
		goto fail;
	json_object_foreach (parts, topic, arr) {
		if (!json_is_array(arr)) {
			snprintf(errstr, n, "%s: partitions of \"%s\" must be an array", kind,
			         topic);
			goto fail;
		}
		cnt += json_array_size(arr);
	}
	if (cnt > 0 && (!(o->topics = calloc(cnt, sizeof(char *))) ||
	                !(o->partitions = calloc(cnt, sizeof(int32_t))))) {
		snprintf(errstr, n, "%s: out of memory", kind);
		goto fail;
	}
	json_object_foreach (parts, topic, arr) {
		int first = o->cnt;
		for (size_t i = 0; i < json_array_size(arr); i++) {
			json_t *v = json_array_get(arr, i);
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > INT32_MAX) {
				snprintf(errstr, n,
				         "%s: \"%s\" entry %zu is not a partition (integer >= 0)",
				         kind, topic, i);
				goto fail;
			}
			for (int j = first; j < o->cnt; j++) {
				if (o->partitions[j] == (int32_t)json_integer_value(v)) {
					snprintf(errstr, n, "%s: \"%s\" lists partition %d twice",
					         kind, topic, (int)json_integer_value(v));
					goto fail;
				}
			}
			if (!(o->topics[o->cnt] = strdup(topic))) {
				snprintf(errstr, n, "%s: out of memory", kind);
				goto fail;
			}
			o->partitions[o->cnt++] = (int32_t)json_integer_value(v);
		}
	}
	json_decref(root);
	return 0;
fail:
	json_decref(root);
	zkjson_offline_clear(o);
	return -1;
}

void zkjson_offline_clear(zkjson_offline_t *o)
{
	for (int i = 0; i < o->dir_cnt; i++)
		free(o->dirs[i]);
	for (int i = 0; i < o->cnt; i++)
		free(o->topics[i]);
	free(o->dirs);
	free(o->topics);
	free(o->partitions);
	memset(o, 0, sizeof(*o));
	o->timestamp = -1;
}

int zkjson_offline_has(const zkjson_offline_t *o, const char *topic, int32_t partition)
{
	for (int i = 0; i < o->cnt; i++)
		if (o->partitions[i] == partition && !strcmp(o->topics[i], topic))
			return 1;
	return 0;
}
