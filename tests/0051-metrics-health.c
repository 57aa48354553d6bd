/*
 * 0051-metrics-health — every broker of the shared cluster serves /health
 * (liveness, JSON with its broker id), /ready (200 once registered) and
 * /metrics in Prometheus text format with the families operators rely on;
 * an unknown path gets 404. Plain HTTP/1.0 over a raw socket.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_int.h"
#include "test.h"

START_TEST(t0051_endpoints)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("metrics");

	test_create_topic(c, topic, 3, 1);
	test_produce_msgs(c, topic, -1, 300, 50);
	for (int i = 0; i < c->broker_cnt; i++) {
		test_broker_t *b = &c->brokers[i];
		char *body = NULL;
		char idstr[32];

		int st = harness_http_get(b->http_port, "/health", &body, 5000);
		test_say("broker %d /health: %d %s", b->id, st, body ? body : "");
		ck_assert_int_eq(st, 200);
		snprintf(idstr, sizeof(idstr), "%d", b->id);
		ck_assert_msg(body && strchr(body, '{') && strstr(body, idstr),
		              "/health is not JSON naming broker %d: %s", b->id, body);
		free(body);

		st = harness_http_get(b->http_port, "/ready", NULL, 5000);
		ck_assert_int_eq(st, 200);

		st = harness_http_get(b->http_port, "/metrics", &body, 5000);
		ck_assert_int_eq(st, 200);
		ck_assert_ptr_nonnull(body);
		test_say("broker %d /metrics: %zu bytes", b->id, strlen(body));
		ck_assert_msg(strstr(body, "# TYPE ") && strstr(body, "# HELP "),
		              "/metrics is not Prometheus text format");
		/* Families: ZooKeeper session, partitions, traffic, requests. */
		const char *want[] = { "zookeeper", "partition", "bytes", "records", "request" };
		for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++) {
			int found = 0;
			for (char *l = strstr(body, "# TYPE "); l; l = strstr(l + 1, "# TYPE ")) {
				char *eol = strchr(l, '\n');
				size_t len = eol ? (size_t)(eol - l) : strlen(l);
				char line[256];
				snprintf(line, sizeof(line), "%.*s", (int)(len < 255 ? len : 255),
				         l);
				if (strstr(line, want[w]))
					found = 1;
			}
			ck_assert_msg(found, "broker %d /metrics has no %s family", b->id, want[w]);
		}
		ck_assert_msg(strstr(body, topic), "broker %d /metrics has no series for topic %s",
		              b->id, topic);
		free(body);

		st = harness_http_get(b->http_port, "/no-such-endpoint", NULL, 5000);
		ck_assert_int_eq(st, 404);
	}
}
END_TEST

void test_0051(TCase *tc)
{
	tcase_add_test(tc, t0051_endpoints);
}
