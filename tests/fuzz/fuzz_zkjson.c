/*
 * fuzz_zkjson — every decoder of src/common/zkjson.c over arbitrary znode
 * bytes, and the round trip of what decodes.
 *
 * The first input byte names the znode kind (table below; a byte that is
 * no tag picks a kind by its value), the rest is the znode's value. What a
 * decoder accepts is encoded with the matching encoder, decoded again and
 * encoded again: the two decoded values must be equal and the two
 * encodings identical (an operator's zkCli.sh edit that fjord accepts is a
 * value fjord itself would write). Fields the encoders document as
 * optional compare as documented: a group assignment's timestamp <= 0 is
 * "unknown", written as nothing and read back as -1.
 *
 * FUZZ_OPTIONS: -max_len=16384
 * FUZZ_SOURCES: src/common/zkjson.c src/common/endpoint.c src/common/numparse.c
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/zkjson.h"
#include "support.h"

#define ERRSZ 512

/* Two optional strings are both NULL or equal. */
static int fuzz_streq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Encoded twice: the second encoding must be the first. */
static void fuzz_same_json(const char *kind, char *e1, char *e2)
{
	FUZZ_CHECK(e1 && e2, "%s: an encoder failed", kind);
	FUZZ_CHECK(strcmp(e1, e2) == 0, "%s: encodings differ:\n  %s\n  %s", kind, e1, e2);
	free(e1);
	free(e2);
}

/* Decodes an encoding of ours: it must be accepted. */
#define FUZZ_REDECODE(kind, call)                                                                  \
	do {                                                                                       \
		char errstr_[ERRSZ] = "";                                                          \
		int rc_ = (call);                                                                  \
		FUZZ_CHECK(rc_ == 0, "%s: our own encoding is refused: %s", kind, errstr_);        \
	} while (0)

static void fuzz_cluster_id(const char *buf, size_t len)
{
	char errstr[ERRSZ], *id = NULL, *id2 = NULL;

	if (zkjson_cluster_id_decode(buf, len, &id, errstr, sizeof(errstr)) < 0) {
		FUZZ_CHECK(!id && errstr[0], "refused without a message, or left output");
		return;
	}
	char *e1 = zkjson_cluster_id_encode(id);
	FUZZ_CHECK(e1 != NULL, "encode failed");
	FUZZ_REDECODE("cluster id", zkjson_cluster_id_decode(e1, strlen(e1), &id2, errstr_, ERRSZ));
	FUZZ_CHECK(strcmp(id, id2) == 0, "cluster id changed");
	fuzz_same_json("cluster id", e1, zkjson_cluster_id_encode(id2));
	free(id);
	free(id2);
}

static char *fuzz_broker_encode(const zkjson_broker_t *b)
{
	return zkjson_broker_encode(b->host, b->port, b->rack, b->timestamp, b->endpoints,
	                            b->endpoint_cnt);
}

static void fuzz_broker(const char *buf, size_t len)
{
	char errstr[ERRSZ];
	zkjson_broker_t b, b2;

	if (zkjson_broker_decode(buf, len, &b, errstr, sizeof(errstr)) < 0) {
		FUZZ_CHECK(!b.host && !b.endpoints && errstr[0], "refused without a message");
		return;
	}
	FUZZ_CHECK(b.endpoint_cnt >= 1 && b.endpoints, "no endpoint after a decode");
	char *e1 = fuzz_broker_encode(&b);
	FUZZ_CHECK(e1 != NULL, "encode failed");
	FUZZ_REDECODE("broker", zkjson_broker_decode(e1, strlen(e1), &b2, errstr_, ERRSZ));
	FUZZ_CHECK(strcmp(b.host, b2.host) == 0 && b.port == b2.port &&
	               fuzz_streq(b.rack, b2.rack) && b.timestamp == b2.timestamp &&
	               b.endpoint_cnt == b2.endpoint_cnt,
	           "broker changed: %s", e1);
	for (int i = 0; i < b.endpoint_cnt; i++)
		FUZZ_CHECK(strcmp(b.endpoints[i].name, b2.endpoints[i].name) == 0 &&
		               strcmp(b.endpoints[i].host, b2.endpoints[i].host) == 0 &&
		               b.endpoints[i].port == b2.endpoints[i].port,
		           "endpoint %d changed: %s", i, e1);
	fuzz_same_json("broker", e1, fuzz_broker_encode(&b2));
	zkjson_broker_clear(&b);
	zkjson_broker_clear(&b2);
}

static void fuzz_assignment(const char *buf, size_t len)
{
	char errstr[ERRSZ];
	zkjson_assignment_t a, a2;

	if (zkjson_assignment_decode(buf, len, &a, errstr, sizeof(errstr)) < 0) {
		FUZZ_CHECK(!a.partitions && errstr[0], "refused without a message");
		return;
	}
	char *e1 = zkjson_assignment_encode(&a);
	FUZZ_CHECK(e1 != NULL, "encode failed");
	FUZZ_REDECODE("topic assignment",
	              zkjson_assignment_decode(e1, strlen(e1), &a2, errstr_, ERRSZ));
	FUZZ_CHECK(a.partition_cnt == a2.partition_cnt, "partition count changed");
	for (int p = 0; p < a.partition_cnt; p++) {
		FUZZ_CHECK(a.partitions[p].cnt == a2.partitions[p].cnt &&
		               memcmp(a.partitions[p].ids, a2.partitions[p].ids,
		                      (size_t)a.partitions[p].cnt * sizeof(int32_t)) == 0,
		           "partition %d's replicas changed", p);
	}
	fuzz_same_json("topic assignment", e1, zkjson_assignment_encode(&a2));
	zkjson_assignment_clear(&a);
	zkjson_assignment_clear(&a2);
}

static void fuzz_state(const char *buf, size_t len)
{
	char errstr[ERRSZ];
	zkjson_state_t s, s2;

	if (zkjson_state_decode(buf, len, &s, errstr, sizeof(errstr)) < 0) {
		FUZZ_CHECK(!s.isr && errstr[0], "refused without a message");
		return;
	}
	char *e1 = zkjson_state_encode(&s);
	FUZZ_CHECK(e1 != NULL, "encode failed");
	FUZZ_REDECODE("partition state", zkjson_state_decode(e1, strlen(e1), &s2, errstr_, ERRSZ));
	FUZZ_CHECK(
	    s.leader == s2.leader && s.leader_epoch == s2.leader_epoch &&
	        s.controller_epoch == s2.controller_epoch && s.isr_cnt == s2.isr_cnt &&
	        (s.isr_cnt == 0 || memcmp(s.isr, s2.isr, (size_t)s.isr_cnt * sizeof(int32_t)) == 0),
	    "partition state changed: %s", e1);
	fuzz_same_json("partition state", e1, zkjson_state_encode(&s2));
	zkjson_state_clear(&s);
	zkjson_state_clear(&s2);
}

static void fuzz_controller(const char *buf, size_t len)
{
	char errstr[ERRSZ];
	int32_t id = -1, id2 = -1;

	if (zkjson_controller_decode(buf, len, &id, errstr, sizeof(errstr)) < 0)
		return;
	FUZZ_CHECK(id >= 0, "controller id %d", (int)id);
	/* The controller znode's timestamp is informative: none is decoded. */
	char *e1 = zkjson_controller_encode(id, 1700000000000);
	FUZZ_CHECK(e1 != NULL, "encode failed");
	FUZZ_REDECODE("controller", zkjson_controller_decode(e1, strlen(e1), &id2, errstr_, ERRSZ));
	FUZZ_CHECK(id == id2, "controller id changed");
	fuzz_same_json("controller", e1, zkjson_controller_encode(id2, 1700000000000));
}

static void fuzz_epoch(const char *buf, size_t len)
{
	char errstr[ERRSZ], text[16];
	int32_t e = -1, e2 = -1;

	if (zkjson_epoch_decode(buf, len, &e, errstr, sizeof(errstr)) < 0)
		return;
	FUZZ_CHECK(e >= 0, "controller epoch %d", (int)e);
	/* Written as a bare decimal integer (zk_broker / the controller). */
	snprintf(text, sizeof(text), "%d", (int)e);
	FUZZ_REDECODE("controller epoch",
	              zkjson_epoch_decode(text, strlen(text), &e2, errstr_, ERRSZ));
	FUZZ_CHECK(e == e2, "controller epoch changed");
}

static void fuzz_config(const char *buf, size_t len)
{
	char errstr[ERRSZ];
	zkjson_config_t c, c2;

	if (zkjson_config_decode(buf, len, &c, errstr, sizeof(errstr)) < 0) {
		FUZZ_CHECK(!c.names && errstr[0], "refused without a message");
		return;
	}
	char *e1 = zkjson_config_encode(&c);
	FUZZ_CHECK(e1 != NULL, "encode failed");
	FUZZ_REDECODE("topic config", zkjson_config_decode(e1, strlen(e1), &c2, errstr_, ERRSZ));
	FUZZ_CHECK(c.cnt == c2.cnt, "config count changed");
	for (int i = 0; i < c.cnt; i++)
		FUZZ_CHECK(strcmp(c.names[i], c2.names[i]) == 0 &&
		               strcmp(c.values[i], c2.values[i]) == 0,
		           "config entry %d changed", i);
	fuzz_same_json("topic config", e1, zkjson_config_encode(&c2));
	zkjson_config_clear(&c);
	zkjson_config_clear(&c2);
}

static void fuzz_member(const char *buf, size_t len)
{
	char errstr[ERRSZ];
	zkjson_member_t m, m2;

	if (zkjson_member_decode(buf, len, &m, errstr, sizeof(errstr)) < 0) {
		FUZZ_CHECK(!m.topics && errstr[0], "refused without a message");
		return;
	}
	char *e1 = zkjson_member_encode(&m);
	FUZZ_CHECK(e1 != NULL, "encode failed");
	FUZZ_REDECODE("group member", zkjson_member_decode(e1, strlen(e1), &m2, errstr_, ERRSZ));
	FUZZ_CHECK(m.topic_cnt == m2.topic_cnt && m.timestamp == m2.timestamp &&
	               fuzz_streq(m.client_id, m2.client_id) && fuzz_streq(m.host, m2.host),
	           "group member changed: %s", e1);
	for (int i = 0; i < m.topic_cnt; i++)
		FUZZ_CHECK(strcmp(m.topics[i], m2.topics[i]) == 0 && m.counts[i] == m2.counts[i],
		           "subscription %d changed", i);
	fuzz_same_json("group member", e1, zkjson_member_encode(&m2));
	zkjson_member_clear(&m);
	zkjson_member_clear(&m2);
}

/* The encoder writes a timestamp only when > 0; the decoder says -1 for none. */
static int64_t fuzz_ga_ts(int64_t ts)
{
	return ts > 0 ? ts : -1;
}

static void fuzz_group_assignment(const char *buf, size_t len)
{
	char errstr[ERRSZ];
	zkjson_group_assignment_t ga, ga2;

	if (zkjson_group_assignment_decode(buf, len, &ga, errstr, sizeof(errstr)) < 0) {
		FUZZ_CHECK(!ga.topics && !ga.leader && errstr[0], "refused without a message");
		return;
	}
	char *e1 = zkjson_group_assignment_encode(&ga);
	FUZZ_CHECK(e1 != NULL, "encode failed");
	FUZZ_REDECODE("group assignment",
	              zkjson_group_assignment_decode(e1, strlen(e1), &ga2, errstr_, ERRSZ));
	FUZZ_CHECK(ga.generation == ga2.generation && strcmp(ga.leader, ga2.leader) == 0 &&
	               fuzz_streq(ga.strategy, ga2.strategy) && fuzz_streq(ga.reason, ga2.reason) &&
	               fuzz_ga_ts(ga.timestamp) == fuzz_ga_ts(ga2.timestamp) && ga.cnt == ga2.cnt,
	           "group assignment changed: %s", e1);
	for (int i = 0; i < ga.cnt; i++)
		FUZZ_CHECK(strcmp(ga.topics[i], ga2.topics[i]) == 0 &&
		               ga.partitions[i] == ga2.partitions[i] &&
		               strcmp(ga.members[i], ga2.members[i]) == 0,
		           "entry %d changed: %s", i, e1);
	fuzz_same_json("group assignment", e1, zkjson_group_assignment_encode(&ga2));
	zkjson_group_assignment_clear(&ga);
	zkjson_group_assignment_clear(&ga2);
}

static void fuzz_offline(const char *buf, size_t len)
{
	char errstr[ERRSZ];
	zkjson_offline_t o, o2;

	if (zkjson_offline_decode(buf, len, &o, errstr, sizeof(errstr)) < 0) {
		FUZZ_CHECK(!o.dirs && !o.topics && o.cnt == 0 && errstr[0],
		           "refused without a message, or left output");
		return;
	}
	char *e1 = zkjson_offline_encode(&o);
	FUZZ_CHECK(e1 != NULL, "offline replicas: encode failed");
	FUZZ_REDECODE("offline replicas",
	              zkjson_offline_decode(e1, strlen(e1), &o2, errstr_, ERRSZ));
	FUZZ_CHECK(o.broker == o2.broker && o.timestamp == o2.timestamp &&
	               o.dir_cnt == o2.dir_cnt && o.cnt == o2.cnt,
	           "offline replicas changed");
	for (int i = 0; i < o.dir_cnt; i++)
		FUZZ_CHECK(strcmp(o.dirs[i], o2.dirs[i]) == 0, "log dir %d changed", i);
	for (int i = 0; i < o.cnt; i++) {
		FUZZ_CHECK(zkjson_offline_has(&o2, o.topics[i], o.partitions[i]),
		           "%s-%d lost in the round trip", o.topics[i], (int)o.partitions[i]);
		FUZZ_CHECK(zkjson_offline_has(&o, o2.topics[i], o2.partitions[i]),
		           "%s-%d appeared in the round trip", o2.topics[i], (int)o2.partitions[i]);
	}
	fuzz_same_json("offline replicas", e1, zkjson_offline_encode(&o2));
	zkjson_offline_clear(&o);
	zkjson_offline_clear(&o2);
}

/* The kinds, by the tag byte that starts a seed (tests/fuzz/make_seeds.c). */
static const struct {
	char tag;
	void (*fn)(const char *buf, size_t len);
} fuzz_kinds[] = {
	{ 'i', fuzz_cluster_id }, { 'b', fuzz_broker },     { 't', fuzz_assignment },
	{ 's', fuzz_state },      { 'c', fuzz_controller }, { 'e', fuzz_epoch },
	{ 'f', fuzz_config },     { 'm', fuzz_member },     { 'g', fuzz_group_assignment },
	{ 'o', fuzz_offline },
};
#define FUZZ_KIND_CNT (sizeof(fuzz_kinds) / sizeof(fuzz_kinds[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t k;

	fuzz_init();
	if (size == 0)
		return 0;
	for (k = 0; k < FUZZ_KIND_CNT && fuzz_kinds[k].tag != (char)data[0]; k++)
		;
	if (k == FUZZ_KIND_CNT)
		k = data[0] % FUZZ_KIND_CNT;
	/* The decoders take bytes as ZooKeeper returns them: not NUL-terminated. */
	char *copy = (char *)fuzz_memdup(data + 1, size - 1);
	fuzz_kinds[k].fn(copy, size - 1);
	free(copy);
	return 0;
}
