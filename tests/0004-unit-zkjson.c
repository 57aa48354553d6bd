/*
 * 0004-unit-zkjson — the znode JSON codecs, topic name/config validation
 * and cview lookups, without ZooKeeper.
 *
 * Round trips of every znode kind; the exact bytes of a broker
 * registration (operators and other tools read them); strict decoding of
 * bad values written by hand (wrong types, missing fields, negative ids,
 * duplicate replicas, partitions not numbered 0..n-1), each with an error
 * message naming the field; and cview copy/lookup semantics. Named
 * listeners: the endpoints list and protocol map of a broker registration,
 * the NAME://host:port syntax, and which endpoint a snapshot selects.
 */
#include <stdlib.h>
#include <string.h>

#include "common/cview.h"
#include "common/endpoint.h"
#include "common/zkadmin.h"
#include "common/zkjson.h"
#include "test.h"

#define DEC_FAILS(fn, json, obj, want)                                                             \
	do {                                                                                       \
		char err_[256] = "";                                                               \
		ck_assert_int_eq(fn(json, strlen(json), obj, err_, sizeof(err_)), -1);             \
		ck_assert_msg(strstr(err_, want) != NULL, "error \"%s\" lacks \"%s\" for %s",      \
		              err_, want, json);                                                   \
	} while (0)

START_TEST(zkjson_broker)
{
	zkjson_broker_t b;
	char err[256];
	char *s;

	s = zkjson_broker_encode("kafka1.example", 9092, NULL, 1700000000123LL, NULL, 0);
	ck_assert_str_eq(s,
	                 "{\"version\":1,\"host\":\"kafka1.example\",\"port\":9092,\"rack\":null,"
	                 "\"timestamp\":\"1700000000123\",\"endpoints\":"
	                 "[\"PLAINTEXT://kafka1.example:9092\"],"
	                 "\"listener_security_protocol_map\":{\"PLAINTEXT\":\"PLAINTEXT\"}}");
	ck_assert_int_eq(zkjson_broker_decode(s, strlen(s), &b, err, sizeof(err)), 0);
	ck_assert_str_eq(b.host, "kafka1.example");
	ck_assert_int_eq(b.port, 9092);
	ck_assert_ptr_null(b.rack);
	ck_assert(b.timestamp == 1700000000123LL);
	ck_assert_int_eq(b.endpoint_cnt, 1);
	ck_assert_str_eq(b.endpoints[0].name, "PLAINTEXT");
	ck_assert_str_eq(b.endpoints[0].host, "kafka1.example");
	ck_assert_int_eq(b.endpoints[0].port, 9092);
	zkjson_broker_clear(&b);
	free(s);

	s = zkjson_broker_encode("h", 1, "rack-a", 5, NULL, 0);
	ck_assert_int_eq(zkjson_broker_decode(s, strlen(s), &b, err, sizeof(err)), 0);
	ck_assert_str_eq(b.rack, "rack-a");
	zkjson_broker_clear(&b);
	free(s);

	DEC_FAILS(zkjson_broker_decode, "{\"version\":1,\"port\":1,\"timestamp\":\"1\"}", &b,
	          "\"host\"");
	DEC_FAILS(zkjson_broker_decode, "{\"host\":\"h\",\"port\":\"9092\",\"timestamp\":\"1\"}",
	          &b, "\"port\" must be an integer");
	DEC_FAILS(zkjson_broker_decode, "{\"host\":\"h\",\"port\":70000,\"timestamp\":\"1\"}", &b,
	          "\"port\" is 70000");
	DEC_FAILS(zkjson_broker_decode, "{\"host\":\"h\",\"port\":1,\"timestamp\":12}", &b,
	          "\"timestamp\"");
	DEC_FAILS(zkjson_broker_decode, "{\"version\":2,\"host\":\"h\",\"port\":1}", &b,
	          "\"version\" must be 1");
	DEC_FAILS(zkjson_broker_decode, "[1,2]", &b, "expected a JSON object");
	DEC_FAILS(zkjson_broker_decode, "{\"host\":", &b, "invalid JSON");
	ck_assert_int_eq(zkjson_broker_decode(NULL, 0, &b, err, sizeof(err)), -1);
}
END_TEST

/* Named listeners: Kafka's endpoints + protocol map, strict endpoint
 * parsing, and the pre-listener shape (no "endpoints"). */
START_TEST(zkjson_broker_endpoints)
{
	endpoint_t eps[2] = { { "INTERNAL", "broker1", 9092, NULL },
		              { "EXTERNAL", "localhost", 19092, "SSL" } };
	zkjson_broker_t b;
	char err[256];
	char *s;

	s = zkjson_broker_encode("broker1", 9092, NULL, 7, eps, 2);
	ck_assert_str_eq(s, "{\"version\":1,\"host\":\"broker1\",\"port\":9092,\"rack\":null,"
	                    "\"timestamp\":\"7\",\"endpoints\":[\"INTERNAL://broker1:9092\","
	                    "\"EXTERNAL://localhost:19092\"],\"listener_security_protocol_map\":"
	                    "{\"INTERNAL\":\"PLAINTEXT\",\"EXTERNAL\":\"SSL\"}}");
	ck_assert_int_eq(zkjson_broker_decode(s, strlen(s), &b, err, sizeof(err)), 0);
	ck_assert_int_eq(b.endpoint_cnt, 2);
	ck_assert_str_eq(b.endpoints[1].name, "EXTERNAL");
	ck_assert_str_eq(b.endpoints[1].host, "localhost");
	ck_assert_int_eq(b.endpoints[1].port, 19092);
	zkjson_broker_clear(&b);
	free(s);

	/* Written before named listeners: one PLAINTEXT endpoint from host/port. */
	s = "{\"version\":1,\"host\":\"old\",\"port\":9092,\"timestamp\":\"1\"}";
	ck_assert_int_eq(zkjson_broker_decode(s, strlen(s), &b, err, sizeof(err)), 0);
	ck_assert_int_eq(b.endpoint_cnt, 1);
	ck_assert_str_eq(b.endpoints[0].name, "PLAINTEXT");
	ck_assert_str_eq(b.endpoints[0].host, "old");
	zkjson_broker_clear(&b);
	/* Lower-case names are stored upper-case; IPv6 in brackets. */
	s = "{\"host\":\"h\",\"port\":1,\"timestamp\":\"1\",\"endpoints\":"
	    "[\"internal://[::1]:9092\"]}";
	ck_assert_int_eq(zkjson_broker_decode(s, strlen(s), &b, err, sizeof(err)), 0);
	ck_assert_str_eq(b.endpoints[0].name, "INTERNAL");
	ck_assert_str_eq(b.endpoints[0].host, "::1");
	zkjson_broker_clear(&b);

#define BROKER_EP(list) "{\"host\":\"h\",\"port\":1,\"timestamp\":\"1\",\"endpoints\":" list "}"
	DEC_FAILS(zkjson_broker_decode, BROKER_EP("\"A://h:1\""), &b, "must be an array");
	DEC_FAILS(zkjson_broker_decode, BROKER_EP("[]"), &b, "must be an array of 1..64");
	DEC_FAILS(zkjson_broker_decode, BROKER_EP("[1]"), &b, "\"endpoints\"[0] must be a string");
	DEC_FAILS(zkjson_broker_decode, BROKER_EP("[\"h:1\"]"), &b,
	          "endpoint \"h:1\": expected NAME://host:port");
	DEC_FAILS(zkjson_broker_decode, BROKER_EP("[\"A-B://h:1\"]"), &b, "listener name \"A-B\"");
	DEC_FAILS(zkjson_broker_decode, BROKER_EP("[\"A://h\"]"), &b, "no port");
	DEC_FAILS(zkjson_broker_decode, BROKER_EP("[\"A://h:99999\"]"), &b, "bad port \"99999\"");
	DEC_FAILS(zkjson_broker_decode, BROKER_EP("[\"A://h:x\"]"), &b, "bad port \"x\"");
	DEC_FAILS(zkjson_broker_decode, BROKER_EP("[\"A://:9092\"]"), &b, "needs a host");
	DEC_FAILS(zkjson_broker_decode, BROKER_EP("[\"A://h:0\"]"), &b, "port 1..65535");
	DEC_FAILS(zkjson_broker_decode, BROKER_EP("[\"A://h:1\",\"a://g:2\"]"), &b,
	          "endpoint name A is listed twice");
	DEC_FAILS(
	    zkjson_broker_decode,
	    "{\"host\":\"h\",\"port\":1,\"timestamp\":\"1\",\"listener_security_protocol_map\":"
	    "[1]}",
	    &b, "\"listener_security_protocol_map\" must be an object");
	DEC_FAILS(
	    zkjson_broker_decode,
	    "{\"host\":\"h\",\"port\":1,\"timestamp\":\"1\",\"listener_security_protocol_map\":"
	    "{\"A\":1}}",
	    &b, "\"A\" must map to a string");
#undef BROKER_EP
}
END_TEST

/* The endpoint list syntax of listeners / advertised.listeners. */
START_TEST(endpoint_lists)
{
	endpoint_t *eps;
	char err[256], *s;
	int cnt;

	ck_assert_int_eq(endpoint_list_parse(" internal://:9092 , EXTERNAL://[::1]:0", &eps, &cnt,
	                                     err, sizeof(err)),
	                 0);
	ck_assert_int_eq(cnt, 2);
	ck_assert_str_eq(eps[0].name, "INTERNAL");
	ck_assert_str_eq(eps[0].host, "");
	ck_assert_int_eq(eps[0].port, 9092);
	ck_assert_str_eq(eps[1].host, "::1");
	ck_assert_int_eq(eps[1].port, 0);
	ck_assert_ptr_eq(endpoint_find(eps, cnt, "external"), &eps[1]);
	ck_assert_ptr_null(endpoint_find(eps, cnt, "NOPE"));
	s = endpoint_format(&eps[1]);
	ck_assert_str_eq(s, "EXTERNAL://[::1]:0");
	free(s);
	endpoint_names(eps, cnt, err, sizeof(err));
	ck_assert_str_eq(err, "INTERNAL, EXTERNAL");
	endpoint_list_free(eps, cnt);

	ck_assert_int_eq(endpoint_list_parse("A://h:1,a://g:2", &eps, &cnt, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "listener name A is used twice"), "%s", err);
	ck_assert_int_eq(endpoint_list_parse(" , ", &eps, &cnt, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "no listener given"), "%s", err);
	ck_assert_int_eq(endpoint_list_parse("A://h:1,B//h:2", &eps, &cnt, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "\"B//h:2\": expected NAME://host:port"), "%s", err);
	ck_assert_int_eq(endpoint_list_parse("A://a:b:1", &eps, &cnt, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "write IPv6 addresses as [addr]"), "%s", err);

	ck_assert(endpoint_host_is_loopback("localhost"));
	ck_assert(endpoint_host_is_loopback("127.0.0.2"));
	ck_assert(endpoint_host_is_loopback("::1"));
	ck_assert(!endpoint_host_is_loopback("broker1"));
	ck_assert(!endpoint_host_is_loopback("10.0.0.1"));
}
END_TEST

/* cview_broker_select: by name, the loopback preference, the first. */
START_TEST(cview_select)
{
	cview_t *cv = cview_new(), *cp;
	cview_broker_t *b;

	ck_assert_ptr_nonnull(cv);
	cv->brokers = calloc(1, sizeof(*cv->brokers));
	cv->broker_cnt = 1;
	b = &cv->brokers[0];
	b->id = 4;
	ck_assert_int_eq(endpoint_list_parse("INTERNAL://broker4:9092,EXTERNAL://localhost:19094",
	                                     &b->endpoints, &b->endpoint_cnt, NULL, 0),
	                 0);
	ck_assert_int_eq(cview_broker_select(b, NULL, 0), 0);
	ck_assert_str_eq(b->host, "broker4");
	ck_assert_str_eq(b->listener, "INTERNAL");
	ck_assert_int_eq(cview_broker_select(b, NULL, 1), 0);
	ck_assert_str_eq(b->host, "localhost");
	ck_assert_int_eq(b->port, 19094);
	ck_assert_int_eq(cview_broker_select(b, "internal", 1), 0);
	ck_assert_str_eq(b->host, "broker4");
	ck_assert_int_eq(b->port, 9092);
	ck_assert_int_eq(cview_broker_select(b, "NOPE", 0), 1);
	ck_assert_str_eq(b->host, "");
	ck_assert_int_eq(b->port, 0);
	ck_assert_ptr_null(b->listener);
	ck_assert_int_eq(cview_broker_select(b, "EXTERNAL", 0), 0);
	cview_finish(cv);
	cp = cview_copy(cv);
	ck_assert_ptr_nonnull(cp);
	ck_assert_int_eq(cp->brokers[0].endpoint_cnt, 2);
	ck_assert_str_eq(cp->brokers[0].endpoints[1].host, "localhost");
	ck_assert_str_eq(cp->brokers[0].listener, "EXTERNAL");
	cview_unref(cp);
	cview_unref(cv);
}
END_TEST

START_TEST(zkjson_assignment)
{
	zkjson_assignment_t a, d;
	int32_t r0[] = { 1, 2, 3 }, r1[] = { 2, 3, 1 };
	zkjson_replicas_t parts[2] = { { 3, r0 }, { 3, r1 } };
	char err[256];
	char *s;

	a.partition_cnt = 2;
	a.partitions = parts;
	s = zkjson_assignment_encode(&a);
	ck_assert_str_eq(s, "{\"version\":1,\"partitions\":{\"0\":[1,2,3],\"1\":[2,3,1]}}");
	ck_assert_int_eq(zkjson_assignment_decode(s, strlen(s), &d, err, sizeof(err)), 0);
	ck_assert_int_eq(d.partition_cnt, 2);
	ck_assert_int_eq(d.partitions[1].cnt, 3);
	ck_assert_int_eq(d.partitions[1].ids[0], 2);
	ck_assert_int_eq(d.partitions[1].ids[2], 1);
	zkjson_assignment_clear(&d);
	free(s);

	/* Keys in any order are fine as long as they are 0..n-1. */
	s = "{\"partitions\":{\"1\":[5],\"0\":[4]}}";
	ck_assert_int_eq(zkjson_assignment_decode(s, strlen(s), &d, err, sizeof(err)), 0);
	ck_assert_int_eq(d.partitions[0].ids[0], 4);
	ck_assert_int_eq(d.partitions[1].ids[0], 5);
	zkjson_assignment_clear(&d);

	DEC_FAILS(zkjson_assignment_decode, "{\"partitions\":{\"0\":[1,1]}}", &d,
	          "lists broker 1 twice");
	DEC_FAILS(zkjson_assignment_decode, "{\"partitions\":{\"0\":[1],\"2\":[1]}}", &d,
	          "numbered 0..n-1");
	DEC_FAILS(zkjson_assignment_decode, "{\"partitions\":{\"00\":[1]}}", &d, "numbered 0..n-1");
	DEC_FAILS(zkjson_assignment_decode, "{\"partitions\":{\"-1\":[1]}}", &d, "numbered 0..n-1");
	DEC_FAILS(zkjson_assignment_decode, "{\"partitions\":{\"0\":[-3]}}", &d, "broker id");
	DEC_FAILS(zkjson_assignment_decode, "{\"partitions\":{\"0\":[\"1\"]}}", &d, "broker id");
	DEC_FAILS(zkjson_assignment_decode, "{\"partitions\":{\"0\":[]}}", &d, "is empty");
	DEC_FAILS(zkjson_assignment_decode, "{\"partitions\":{\"0\":5}}", &d, "must be an array");
	DEC_FAILS(zkjson_assignment_decode, "{\"partitions\":{}}", &d, "1..1000000");
	DEC_FAILS(zkjson_assignment_decode, "{\"partitions\":[[1]]}", &d, "must be an object");
	DEC_FAILS(zkjson_assignment_decode, "{\"version\":1}", &d, "\"partitions\"");
	DEC_FAILS(zkjson_assignment_decode, "{\"partitions\":{\"0\":[1],\"0\":[2]}}", &d,
	          "invalid JSON");
}
END_TEST

START_TEST(zkjson_state)
{
	int32_t isr[] = { 1, 3 };
	zkjson_state_t s = { 2, 4, 2, isr, 7 }, d;
	char err[256];
	char *j;

	j = zkjson_state_encode(&s);
	ck_assert_str_eq(j, "{\"version\":1,\"leader\":2,\"leader_epoch\":4,\"isr\":[1,3],"
	                    "\"controller_epoch\":7}");
	ck_assert_int_eq(zkjson_state_decode(j, strlen(j), &d, err, sizeof(err)), 0);
	ck_assert_int_eq(d.leader, 2);
	ck_assert_int_eq(d.leader_epoch, 4);
	ck_assert_int_eq(d.isr_cnt, 2);
	ck_assert_int_eq(d.isr[1], 3);
	ck_assert_int_eq(d.controller_epoch, 7);
	zkjson_state_clear(&d);
	free(j);

	/* Offline partition: leader -1, empty ISR allowed. */
	j = "{\"leader\":-1,\"leader_epoch\":0,\"isr\":[],\"controller_epoch\":1}";
	ck_assert_int_eq(zkjson_state_decode(j, strlen(j), &d, err, sizeof(err)), 0);
	ck_assert_int_eq(d.leader, -1);
	ck_assert_int_eq(d.isr_cnt, 0);
	zkjson_state_clear(&d);

	DEC_FAILS(zkjson_state_decode,
	          "{\"leader\":-2,\"leader_epoch\":0,\"isr\":[],\"controller_epoch\":1}", &d,
	          "\"leader\" is -2");
	DEC_FAILS(zkjson_state_decode,
	          "{\"leader\":1,\"leader_epoch\":0,\"isr\":[2,2],\"controller_epoch\":1}", &d,
	          "lists broker 2 twice");
	DEC_FAILS(zkjson_state_decode, "{\"leader\":1,\"leader_epoch\":0,\"controller_epoch\":1}",
	          &d, "missing \"isr\"");
	DEC_FAILS(zkjson_state_decode,
	          "{\"leader\":1,\"leader_epoch\":1.5,\"isr\":[1],\"controller_epoch\":1}", &d,
	          "\"leader_epoch\" must be an integer");
	DEC_FAILS(zkjson_state_decode, "{\"leader\":1,\"leader_epoch\":0,\"isr\":[1]}", &d,
	          "\"controller_epoch\"");
}
END_TEST

START_TEST(zkjson_small_values)
{
	char err[256], *s, *id;
	int32_t v;

	s = zkjson_cluster_id_encode("AbC-_123");
	ck_assert_str_eq(s, "{\"version\":1,\"id\":\"AbC-_123\"}");
	ck_assert_int_eq(zkjson_cluster_id_decode(s, strlen(s), &id, err, sizeof(err)), 0);
	ck_assert_str_eq(id, "AbC-_123");
	free(id);
	free(s);
	DEC_FAILS(zkjson_cluster_id_decode, "{\"id\":\"\"}", &id, "\"id\"");

	s = zkjson_controller_encode(3, 42);
	ck_assert_str_eq(s, "{\"version\":1,\"brokerid\":3,\"timestamp\":\"42\"}");
	ck_assert_int_eq(zkjson_controller_decode(s, strlen(s), &v, err, sizeof(err)), 0);
	ck_assert_int_eq(v, 3);
	free(s);
	DEC_FAILS(zkjson_controller_decode, "{\"brokerid\":-1}", &v, "\"brokerid\"");

	ck_assert_int_eq(zkjson_epoch_decode("17", 2, &v, err, sizeof(err)), 0);
	ck_assert_int_eq(v, 17);
	ck_assert_int_eq(zkjson_epoch_decode("-1", 2, &v, err, sizeof(err)), -1);
	ck_assert_int_eq(zkjson_epoch_decode("9999999999", 10, &v, err, sizeof(err)), -1);
	ck_assert_int_eq(zkjson_epoch_decode("", 0, &v, err, sizeof(err)), -1);
}
END_TEST

START_TEST(zkjson_config_and_groups)
{
	char *names[] = { "retention.ms", "segment.bytes" }, *values[] = { "60000", "1048576" };
	zkjson_config_t c = { 2, names, values }, dc;
	char *topics[] = { "orders" };
	int counts[] = { 1 };
	zkjson_member_t m = { 1, topics, counts, 99, NULL, NULL }, dm;
	char *gt[] = { "orders", "orders" }, *gm[] = { "m-1", "m-2" };
	int32_t gp[] = { 0, 1 };
	zkjson_group_assignment_t ga = { 12, "m-1", 2, gt, gp, gm, NULL, -1, NULL }, dga;
	char err[256], *s;

	s = zkjson_config_encode(&c);
	ck_assert_str_eq(s, "{\"version\":1,\"config\":{\"retention.ms\":\"60000\","
	                    "\"segment.bytes\":\"1048576\"}}");
	ck_assert_int_eq(zkjson_config_decode(s, strlen(s), &dc, err, sizeof(err)), 0);
	ck_assert_int_eq(dc.cnt, 2);
	ck_assert_str_eq(dc.values[1], "1048576");
	zkjson_config_clear(&dc);
	free(s);
	DEC_FAILS(zkjson_config_decode, "{\"config\":{\"retention.ms\":60000}}", &dc,
	          "value of \"retention.ms\" must be a string");

	s = zkjson_member_encode(&m);
	ck_assert_str_eq(s, "{\"version\":1,\"subscription\":{\"orders\":1},\"timestamp\":\"99\"}");
	ck_assert_int_eq(zkjson_member_decode(s, strlen(s), &dm, err, sizeof(err)), 0);
	ck_assert_str_eq(dm.topics[0], "orders");
	ck_assert_int_eq(dm.counts[0], 1);
	zkjson_member_clear(&dm);
	free(s);
	DEC_FAILS(zkjson_member_decode, "{\"subscription\":{\"a\":0},\"timestamp\":\"1\"}", &dm,
	          "subscription count of \"a\"");

	s = zkjson_group_assignment_encode(&ga);
	ck_assert_str_eq(
	    s, "{\"version\":1,\"generation\":12,\"leader\":\"m-1\",\"partitions\":{\"orders\":"
	       "{\"0\":\"m-1\",\"1\":\"m-2\"}}}");
	ck_assert_int_eq(zkjson_group_assignment_decode(s, strlen(s), &dga, err, sizeof(err)), 0);
	ck_assert(dga.generation == 12);
	ck_assert_int_eq(dga.cnt, 2);
	ck_assert_int_eq(dga.partitions[1], 1);
	ck_assert_str_eq(dga.members[1], "m-2");
	ck_assert(dga.strategy == NULL && dga.reason == NULL && dga.timestamp == -1);
	zkjson_group_assignment_clear(&dga);
	free(s);
	/* The fields a group's leader adds (strategy, timestamp, reason). */
	ga.strategy = "sticky";
	ga.timestamp = 1700000000000;
	ga.reason = "member joined: c-0000000002";
	s = zkjson_group_assignment_encode(&ga);
	ck_assert_int_eq(zkjson_group_assignment_decode(s, strlen(s), &dga, err, sizeof(err)), 0);
	ck_assert_str_eq(dga.strategy, "sticky");
	ck_assert_str_eq(dga.reason, "member joined: c-0000000002");
	ck_assert(dga.timestamp == 1700000000000);
	zkjson_group_assignment_clear(&dga);
	free(s);
	m.client_id = "app";
	m.host = "h1";
	s = zkjson_member_encode(&m);
	ck_assert_str_eq(s, "{\"version\":1,\"subscription\":{\"orders\":1},\"client_id\":\"app\","
	                    "\"host\":\"h1\",\"timestamp\":\"99\"}");
	ck_assert_int_eq(zkjson_member_decode(s, strlen(s), &dm, err, sizeof(err)), 0);
	ck_assert_str_eq(dm.client_id, "app");
	ck_assert_str_eq(dm.host, "h1");
	zkjson_member_clear(&dm);
	free(s);
	DEC_FAILS(zkjson_group_assignment_decode,
	          "{\"generation\":1,\"leader\":\"m\",\"partitions\":{\"t\":{\"x\":\"m\"}}}", &dga,
	          "not a partition number");
	DEC_FAILS(zkjson_group_assignment_decode,
	          "{\"generation\":-1,\"leader\":\"m\",\"partitions\":{}}", &dga, "\"generation\"");
}
END_TEST

START_TEST(zkadmin_validation)
{
	char err[256], name[300];

	ck_assert_int_eq(zkadmin_validate_topic_name("orders.v1_a-b", err, sizeof(err)), 0);
	ck_assert_int_eq(zkadmin_validate_topic_name("", err, sizeof(err)),
	                 FJORD_ERR_INVALID_TOPIC);
	ck_assert_int_eq(zkadmin_validate_topic_name("..", err, sizeof(err)),
	                 FJORD_ERR_INVALID_TOPIC);
	ck_assert_int_eq(zkadmin_validate_topic_name("a/b", err, sizeof(err)),
	                 FJORD_ERR_INVALID_TOPIC);
	ck_assert_ptr_nonnull(strstr(err, "position 1"));
	memset(name, 'x', 250);
	name[250] = '\0';
	ck_assert_int_eq(zkadmin_validate_topic_name(name, err, sizeof(err)),
	                 FJORD_ERR_INVALID_TOPIC);
	name[249] = '\0';
	ck_assert_int_eq(zkadmin_validate_topic_name(name, err, sizeof(err)), 0);

	ck_assert_int_eq(zkadmin_validate_topic_config("retention.ms", "-1", err, sizeof(err)), 0);
	ck_assert_int_eq(zkadmin_validate_topic_config("retention.ms", "-2", err, sizeof(err)), -1);
	ck_assert_int_eq(zkadmin_validate_topic_config("segment.bytes", "10", err, sizeof(err)),
	                 -1);
	ck_assert_int_eq(
	    zkadmin_validate_topic_config("segment.bytes", "3000000000", err, sizeof(err)), -1);
	ck_assert_int_eq(
	    zkadmin_validate_topic_config("min.insync.replicas", "2", err, sizeof(err)), 0);
	ck_assert_int_eq(
	    zkadmin_validate_topic_config("min.insync.replicas", "0", err, sizeof(err)), -1);
	/* Log compaction (issue 14): Kafka's three policies, nothing else. */
	ck_assert_int_eq(
	    zkadmin_validate_topic_config("cleanup.policy", "compact", err, sizeof(err)), 0);
	ck_assert_int_eq(
	    zkadmin_validate_topic_config("cleanup.policy", "compact,delete", err, sizeof(err)), 0);
	ck_assert_int_eq(
	    zkadmin_validate_topic_config("cleanup.policy", "delete, compact", err, sizeof(err)),
	    0);
	ck_assert_int_eq(
	    zkadmin_validate_topic_config("cleanup.policy", "compacted", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "compact,delete"));
	ck_assert_int_eq(zkadmin_validate_topic_config("cleanup.policy", "", err, sizeof(err)), -1);
	ck_assert_int_eq(
	    zkadmin_validate_topic_config("min.cleanable.dirty.ratio", "0.2", err, sizeof(err)), 0);
	ck_assert_int_eq(
	    zkadmin_validate_topic_config("min.cleanable.dirty.ratio", "1.5", err, sizeof(err)),
	    -1);
	ck_assert_int_eq(
	    zkadmin_validate_topic_config("delete.retention.ms", "-1", err, sizeof(err)), -1);
	ck_assert_int_eq(
	    zkadmin_validate_topic_config("max.compaction.lag.ms", "0", err, sizeof(err)), -1);
	ck_assert_int_eq(zkadmin_validate_topic_config("unclean.leader.election.enable", "yes", err,
	                                               sizeof(err)),
	                 -1);
	ck_assert_int_eq(zkadmin_validate_topic_config("retention.ms", "12abc", err, sizeof(err)),
	                 -1);
	ck_assert_int_eq(zkadmin_validate_topic_config("no.such.key", "1", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "no.such.key"));
	for (int i = 0; zkadmin_topic_config_keys[i]; i++)
		ck_assert_msg(strstr(zkadmin_topic_config_keys[i], "."), "key %d", i);
}
END_TEST

START_TEST(cview_lookups)
{
	cview_t *cv = cview_new(), *cp;
	int32_t reps[] = { 2, 1 }, isr[] = { 2 };

	ck_assert_int_eq(cv->controller_id, -1);
	cv->broker_cnt = 2;
	cv->brokers = calloc(2, sizeof(*cv->brokers));
	cv->brokers[0].id = 7;
	cv->brokers[0].host = strdup("b7");
	cv->brokers[1].id = 3;
	cv->brokers[1].host = strdup("b3");
	cv->topic_cnt = 2;
	cv->topics = calloc(2, sizeof(*cv->topics));
	cv->topics[0].name = strdup("zeta");
	cv->topics[1].name = strdup("alpha");
	cv->topics[1].partition_cnt = 1;
	cv->topics[1].partitions = calloc(1, sizeof(cview_partition_t));
	cv->topics[1].partitions[0].replica_cnt = 2;
	cv->topics[1].partitions[0].replicas = malloc(sizeof(reps));
	memcpy(cv->topics[1].partitions[0].replicas, reps, sizeof(reps));
	cv->topics[1].partitions[0].has_state = 1;
	cv->topics[1].partitions[0].isr_cnt = 1;
	cv->topics[1].partitions[0].isr = malloc(sizeof(isr));
	memcpy(cv->topics[1].partitions[0].isr, isr, sizeof(isr));
	cv->topics[1].config_cnt = 1;
	cv->topics[1].config_names = calloc(1, sizeof(char *));
	cv->topics[1].config_values = calloc(1, sizeof(char *));
	cv->topics[1].config_names[0] = strdup("retention.ms");
	cv->topics[1].config_values[0] = strdup("5");
	cview_finish(cv);

	ck_assert_int_eq(cv->brokers[0].id, 3);
	ck_assert_str_eq(cview_broker(cv, 7)->host, "b7");
	ck_assert_ptr_null(cview_broker(cv, 5));
	cp = cview_copy(cv);
	cview_unref(cv); /* the copy owns its own memory */
	ck_assert_ptr_nonnull(cview_topic(cp, "zeta"));
	ck_assert_ptr_null(cview_topic(cp, "beta"));
	ck_assert_ptr_nonnull(cview_partition(cp, "alpha", 0));
	ck_assert_ptr_null(cview_partition(cp, "alpha", 1));
	ck_assert_ptr_null(cview_partition(cp, "alpha", -1));
	ck_assert(cview_is_replica(cview_partition(cp, "alpha", 0), 1));
	ck_assert(!cview_is_replica(cview_partition(cp, "alpha", 0), 3));
	ck_assert(cview_in_isr(cview_partition(cp, "alpha", 0), 2));
	ck_assert(!cview_in_isr(cview_partition(cp, "alpha", 0), 1));
	ck_assert_str_eq(cview_topic_config(cview_topic(cp, "alpha"), "retention.ms"), "5");
	ck_assert_ptr_null(cview_topic_config(cview_topic(cp, "alpha"), "segment.ms"));
	ck_assert_ptr_eq(cview_ref(cp), cp);
	cview_unref(cp);
	cview_unref(cp);
	cview_unref(NULL);
}
END_TEST

/* /brokers/offline_replicas/<id>: round trip and strict decoding. */
START_TEST(zkjson_offline)
{
	char *topics[] = { "orders", "orders", "audit" }, *dirs[] = { "/data/b" };
	int32_t parts[] = { 0, 2, 1 };
	zkjson_offline_t o = { 4, 1, dirs, 3, topics, parts, 1700000001000 }, d;
	char err[256], *json = zkjson_offline_encode(&o);

	ck_assert_ptr_nonnull(json);
	ck_assert_int_eq(zkjson_offline_decode(json, strlen(json), &d, err, sizeof(err)), 0);
	ck_assert_int_eq(d.broker, 4);
	ck_assert_int_eq(d.dir_cnt, 1);
	ck_assert_str_eq(d.dirs[0], "/data/b");
	ck_assert_int_eq(d.cnt, 3);
	ck_assert_int_eq(d.timestamp, 1700000001000);
	ck_assert(zkjson_offline_has(&d, "orders", 2));
	ck_assert(zkjson_offline_has(&d, "audit", 1));
	ck_assert(!zkjson_offline_has(&d, "audit", 0));
	ck_assert(!zkjson_offline_has(&d, "order", 0));
	zkjson_offline_clear(&d);
	free(json);

	/* Optional fields may be missing. */
	const char *min = "{\"broker\":1,\"partitions\":{}}";
	ck_assert_int_eq(zkjson_offline_decode(min, strlen(min), &d, err, sizeof(err)), 0);
	ck_assert_int_eq(d.cnt, 0);
	ck_assert_int_eq(d.timestamp, -1);
	zkjson_offline_clear(&d);

	static const char *const bad[] = {
		"{\"partitions\":{}}",
		"{\"broker\":-1,\"partitions\":{}}",
		"{\"broker\":1}",
		"{\"broker\":1,\"partitions\":{\"t\":[0,0]}}",
		"{\"broker\":1,\"partitions\":{\"t\":[-1]}}",
		"{\"broker\":1,\"partitions\":{\"t\":0}}",
		"{\"broker\":1,\"log_dirs\":[1],\"partitions\":{}}",
		"{\"broker\":1,\"log_dirs\":\"/d\",\"partitions\":{}}",
		"{\"version\":2,\"broker\":1,\"partitions\":{}}",
		"[]",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(zkjson_offline_decode(bad[i], strlen(bad[i]), &d, err, sizeof(err)) <
		                  0,
		              "accepted %s", bad[i]);
		ck_assert_msg(strstr(err, "offline replicas"), "%s: %s", bad[i], err);
	}
}
END_TEST

void test_0004(TCase *tc)
{
	tcase_add_test(tc, zkjson_broker);
	tcase_add_test(tc, zkjson_broker_endpoints);
	tcase_add_test(tc, endpoint_lists);
	tcase_add_test(tc, cview_select);
	tcase_add_test(tc, zkjson_assignment);
	tcase_add_test(tc, zkjson_state);
	tcase_add_test(tc, zkjson_small_values);
	tcase_add_test(tc, zkjson_config_and_groups);
	tcase_add_test(tc, zkadmin_validation);
	tcase_add_test(tc, cview_lookups);
	tcase_add_test(tc, zkjson_offline);
}
