/*
 * 0135-topic-cli — `fjord topic create` with the cluster's defaults,
 * `topic describe` with offsets and the --under-replicated / --unavailable
 * filters, and `topic describe-config`, through the real binary against a
 * private 3-broker cluster whose brokers have num.partitions=3 and
 * default.replication.factor=2; every number is compared with what the SDK
 * reads.
 *
 *   1. `topic create A` (-z, no -p/-r) makes 3 partitions of 2 replicas;
 *      `create B -p 2` 2 partitions of 2; `create C -r 1 --config
 *      retention.ms=60000` 3 partitions of 1 with the override.
 *   2. (p+1)*4 records are produced to partition p of A; `describe A`
 *      (JSON) gives per partition log_start_offset and high_watermark equal
 *      to fjord_query_watermark_offsets (and high = what was acknowledged);
 *      the text table has LOG-START and HIGH-WATERMARK columns.
 *   3. `topic describe-config C`: every topic key once; retention.ms is
 *      60000 from "topic", the others "default" with their broker setting,
 *      whose built-in default is the one docs/configuration.md (generated
 *      from the broker's table) shows.
 *   4. One broker is SIGKILLed; once the metadata shows it out of every
 *      ISR, `describe --under-replicated` lists exactly the partitions the
 *      SDK sees with ISR < replicas, `--unavailable` exactly those without a
 *      leader (C's partition on the dead broker), with no offsets for them;
 *      a filter on `list` is a usage error (exit 2).
 * T_CLUSTER: it kills its own broker.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_int.h"
#include "repl_util.h"
#include "test.h"

#define T0135_PROPS REPL_BROKER_PROPS "num.partitions=3\ndefault.replication.factor=2\n"

/* `topic VERB ARG --format json` parsed (exit 0 asserted). */
static json_t *t0135_json(test_cluster_t *c, const char *verb, const char *arg)
{
	json_error_t jerr;
	json_t *js;
	char *out, cmd[512];
	int ex;

	snprintf(cmd, sizeof(cmd), "topic %s %s", verb, arg);
	out = test_cli(c, &ex, "%s --format json", cmd);
	ck_assert_int_eq(ex, 0);
	js = json_loads(out, 0, &jerr);
	ck_assert_msg(js != NULL, "JSON of '%s': %s", cmd, jerr.text);
	free(out);
	return js;
}

static fjord_metadata_topic_t *t0135_topic(fjord_metadata_t *md, const char *topic)
{
	for (int i = 0; i < md->topic_cnt; i++)
		if (!strcmp(md->topics[i].topic, topic))
			return &md->topics[i];
	ck_abort_msg("topic %s not in the metadata", topic);
	return NULL;
}

static void t0135_expect_shape(fjord_t *admin, const char *topic, int parts, int rf)
{
	fjord_metadata_t *md = NULL;
	fjord_metadata_topic_t *t;

	ck_assert_int_eq(fjord_metadata(admin, topic, &md, 10000), 0);
	t = t0135_topic(md, topic);
	ck_assert_msg(t->partition_cnt == parts, "%s: %d partitions, expected %d", topic,
	              t->partition_cnt, parts);
	for (int i = 0; i < t->partition_cnt; i++)
		ck_assert_msg(t->partitions[i].replica_cnt == rf, "%s-%d: %d replicas, expected %d",
		              topic, i, t->partitions[i].replica_cnt, rf);
	fjord_metadata_destroy(md);
}

/* The built-in default docs/configuration.md shows for broker setting key. */
static char *t0135_doc_default(const char *doc, const char *key)
{
	char needle[200], *row, *v, *end;

	snprintf(needle, sizeof(needle), "| `%s` | ", key);
	row = strstr(doc, needle);
	ck_assert_msg(row, "docs/configuration.md has no row for %s", key);
	v = strstr(row + strlen(needle), "| `");
	ck_assert_ptr_nonnull(v);
	v += 3;
	end = strchr(v, '`');
	ck_assert_ptr_nonnull(end);
	return strndup(v, (size_t)(end - v));
}

typedef struct t0135_wait {
	fjord_t *admin;
	const char *topics[3];
	int32_t dead;
} t0135_wait_t;

static int t0135_offline(const fjord_metadata_partition_t *p)
{
	return p->leader < 0 || p->err == FJORD_ERR_LEADER_NOT_AVAILABLE;
}

/* No partition names the dead broker as leader or in its ISR (unless it is
 * its only replica, whose ISR the controller keeps). */
static int t0135_settled_pred(void *arg)
{
	t0135_wait_t *w = arg;
	fjord_metadata_t *md = NULL;
	int ok = 1;

	if (fjord_metadata(w->admin, NULL, &md, 5000))
		return 0;
	for (int k = 0; ok && k < 3; k++) {
		fjord_metadata_topic_t *t = t0135_topic(md, w->topics[k]);

		for (int i = 0; ok && i < t->partition_cnt; i++) {
			const fjord_metadata_partition_t *p = &t->partitions[i];

			if (p->leader == w->dead)
				ok = 0;
			if (p->replica_cnt > 1 && repl_ids_have(p->isrs, p->isr_cnt, w->dead))
				ok = 0;
		}
	}
	fjord_metadata_destroy(md);
	return ok;
}

/* "topic-p" lines of what the SDK sees, sorted, for the filter. */
static void t0135_sdk_set(fjord_t *admin, const char *const *topics, int unavailable, char *buf,
                          size_t n)
{
	fjord_metadata_t *md = NULL;
	size_t len = 0;

	buf[0] = '\0';
	ck_assert_int_eq(fjord_metadata(admin, NULL, &md, 5000), 0);
	for (int k = 0; k < md->topic_cnt; k++) { /* sorted by name, as the CLI prints */
		fjord_metadata_topic_t *t = &md->topics[k];

		if (strcmp(t->topic, topics[0]) && strcmp(t->topic, topics[1]) &&
		    strcmp(t->topic, topics[2]))
			continue;
		for (int i = 0; i < t->partition_cnt; i++) {
			const fjord_metadata_partition_t *p = &t->partitions[i];
			int sel = unavailable ? t0135_offline(p) : p->isr_cnt < p->replica_cnt;

			if (sel)
				len += (size_t)snprintf(buf + len, n - len, "%s-%d\n", t->topic,
				                        (int)p->id);
		}
	}
	fjord_metadata_destroy(md);
}

/* The same set from `describe <filter> --format json`; checks offsets are
 * null for partitions without a leader. */
static void t0135_cli_set(test_cluster_t *c, const char *filter, char *buf, size_t n)
{
	json_t *js = t0135_json(c, "describe", filter), *t, *p;
	size_t i, j, len = 0;

	buf[0] = '\0';
	json_array_foreach (js, i, t) {
		json_t *parts = json_object_get(t, "partitions");

		ck_assert_msg(json_array_size(parts) > 0, "a topic with no partition was listed");
		json_array_foreach (parts, j, p) {
			if (json_integer_value(json_object_get(p, "leader")) < 0) {
				ck_assert(json_is_null(json_object_get(p, "high_watermark")));
				ck_assert(json_is_null(json_object_get(p, "log_start_offset")));
			}
			len += (size_t)snprintf(
			    buf + len, n - len, "%s-%d\n",
			    json_string_value(json_object_get(t, "name")),
			    (int)json_integer_value(json_object_get(p, "partition")));
		}
	}
	json_decref(js);
}

START_TEST(t0135_topic_cli)
{
	test_cluster_t *c = test_cluster_new(3, T0135_PROPS);
	fjord_t *admin = repl_admin_new(c);
	char a[200], b[200], cc[200], sdk[4096], cli[4096];
	const char *topics[3] = { a, b, cc };
	json_t *js, *parts, *p, *e;
	char *out, *doc;
	size_t i;
	int ex, seen_retention = 0, keys = 0, victim;

	/* test_topic_name rotates static buffers: keep copies. */
	snprintf(a, sizeof(a), "%s", test_topic_name("A"));
	snprintf(b, sizeof(b), "%s", test_topic_name("B"));
	snprintf(cc, sizeof(cc), "%s", test_topic_name("C"));

	/* 1. the cluster's defaults. */
	out = test_cli(c, &ex, "topic create %s", a);
	ck_assert_int_eq(ex, 0);
	free(out);
	out = test_cli(c, &ex, "topic create %s -p 2", b);
	ck_assert_int_eq(ex, 0);
	free(out);
	out = test_cli(c, &ex, "topic create %s -r 1 --config retention.ms=60000", cc);
	ck_assert_int_eq(ex, 0);
	free(out);
	t0135_expect_shape(admin, a, 3, 2);
	t0135_expect_shape(admin, b, 2, 2);
	t0135_expect_shape(admin, cc, 3, 1);
	ck_assert(repl_wait_isr_full(admin, a, 3, 60000));
	ck_assert(repl_wait_isr_full(admin, b, 2, 60000));

	/* 2. offsets in describe. */
	for (int32_t pi = 0; pi < 3; pi++)
		test_produce_msgs(c, a, pi, (pi + 1) * 4, 20);
	js = t0135_json(c, "describe", a);
	ck_assert_int_eq(json_array_size(js), 1);
	parts = json_object_get(json_array_get(js, 0), "partitions");
	ck_assert_int_eq(json_array_size(parts), 3);
	json_array_foreach (parts, i, p) {
		int32_t pid = (int32_t)json_integer_value(json_object_get(p, "partition"));
		int64_t low = -1, high = -1;

		ck_assert_int_eq(fjord_query_watermark_offsets(admin, a, pid, &low, &high, 10000),
		                 0);
		ck_assert_int_eq(json_integer_value(json_object_get(p, "log_start_offset")), low);
		ck_assert_int_eq(json_integer_value(json_object_get(p, "high_watermark")), high);
		ck_assert_int_eq(high, (pid + 1) * 4);
	}
	json_decref(js);
	out = test_cli(c, &ex, "topic describe %s", a);
	ck_assert_int_eq(ex, 0);
	ck_assert_ptr_nonnull(strstr(out, "LOG-START"));
	ck_assert_ptr_nonnull(strstr(out, "HIGH-WATERMARK"));
	free(out);

	/* 3. describe-config against the override and the generated docs. */
	doc = harness_read_file(FJORD_SRCDIR "/docs/configuration.md", NULL);
	ck_assert_ptr_nonnull(doc);
	js = t0135_json(c, "describe-config", cc);
	json_array_foreach (js, i, e) {
		const char *name = json_string_value(json_object_get(e, "name"));
		const char *value = json_string_value(json_object_get(e, "value"));
		const char *source = json_string_value(json_object_get(e, "source"));
		json_t *bk = json_object_get(e, "broker_setting");

		keys++;
		if (!strcmp(name, "retention.ms")) {
			seen_retention++;
			ck_assert_str_eq(value, "60000");
			ck_assert_str_eq(source, "topic");
			continue;
		}
		ck_assert_msg(!strcmp(source, "default"), "%s: source %s", name, source);
		if (json_is_string(bk)) {
			char *dv = t0135_doc_default(doc, json_string_value(bk));

			ck_assert_msg(!strcmp(dv, value),
			              "%s: default %s, but %s is %s in the docs", name, value,
			              json_string_value(bk), dv);
			free(dv);
		}
	}
	json_decref(js);
	free(doc);
	ck_assert_int_eq(seen_retention, 1);
	ck_assert_int_eq(keys, 12);
	out = test_cli(c, &ex, "topic describe-config %s", cc);
	ck_assert_int_eq(ex, 0);
	ck_assert_ptr_nonnull(strstr(out, "log.retention.ms"));
	free(out);
	out = test_cli(c, &ex, "topic describe-config no_such_topic_0135 2>&1");
	ck_assert_int_eq(ex, 1);
	ck_assert_ptr_nonnull(strstr(out, "does not exist"));
	free(out);

	/* 4. filters once a broker is gone. */
	victim = 2;
	{
		t0135_wait_t w = { admin, { a, b, cc }, c->brokers[victim].id };

		test_broker_kill(c, victim, SIGKILL);
		ck_assert_msg(test_wait_until(t0135_settled_pred, &w, 60000),
		              "broker %d still leads or is in an ISR", (int)w.dead);
	}
	t0135_sdk_set(admin, topics, 0, sdk, sizeof(sdk));
	t0135_cli_set(c, "--under-replicated", cli, sizeof(cli));
	test_say("under-replicated: SDK\n%sCLI\n%s", sdk, cli);
	ck_assert_msg(sdk[0], "no partition is under-replicated");
	ck_assert_str_eq(cli, sdk);
	t0135_sdk_set(admin, topics, 1, sdk, sizeof(sdk));
	t0135_cli_set(c, "--unavailable", cli, sizeof(cli));
	test_say("unavailable: SDK\n%sCLI\n%s", sdk, cli);
	ck_assert_msg(sdk[0], "no partition is unavailable");
	ck_assert_str_eq(cli, sdk);
	out = test_cli(c, &ex, "topic list --under-replicated 2>&1");
	ck_assert_int_eq(ex, 2);
	free(out);

	fjord_destroy(admin);
	test_cluster_destroy(c);
}
END_TEST

void test_0135(TCase *tc)
{
	tcase_add_test(tc, t0135_topic_cli);
}
