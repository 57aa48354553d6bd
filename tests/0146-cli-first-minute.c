/*
 * 0146-cli-first-minute — what trips a Kafka user in their first minute
 * (issue 13), against a real broker:
 *   - `fjord --help` names every subcommand, and each answers --help;
 *   - -X, -z, --bootstrap-server and --timeout also work after the
 *     subcommand's name (a refused -X there is the SDK's refusal, not
 *     getopt's "unknown option");
 *   - a connect string without the cluster's chroot: `cluster` exits 1 and
 *     names the chroot that holds one, `topic describe` says the same
 *     instead of "does not exist";
 *   - a Kafka client (ApiVersions) and a TLS client on a fjord-protocol
 *     listener: one broker log line naming the likely cause and the Kafka
 *     listener's port;
 *   - log.level: debug lines appear only with log.level=debug, every broker
 *     log line starts with a UTC timestamp, and a bad level is refused.
 */
#define _GNU_SOURCE
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness_int.h"
#include "rawproto.h"
#include "test.h"

#define T0146_EXTRA                                                                                \
	"listeners=PLAINTEXT://127.0.0.1:0,KAFKA://127.0.0.1:0\n"                                  \
	"kafka.listener.names=KAFKA\n"                                                             \
	"log.level=debug\n"

/* Runs `fjord <args>` (no -z unless args has one); returns its output. */
static char *t0146_run(int *exitp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *t0146_run(int *exitp, const char *fmt, ...)
{
	char *args = NULL, *full = NULL, *out;
	va_list ap;

	va_start(ap, fmt);
	ck_assert(vasprintf(&args, fmt, ap) > 0);
	va_end(ap);
	ck_assert(asprintf(&full, "env -u FJORD_ZOOKEEPER -u FJORD_BROKERS %s %s", test_cli_path(),
	                   args) > 0);
	out = test_run(full, exitp);
	test_say("$ %s\n=> exit %d\n%s", full, *exitp, out);
	free(args);
	free(full);
	return out;
}

/* The broker's log (stdout + stderr), malloc'd. */
static char *t0146_broker_log(test_cluster_t *c)
{
	char path[700];
	char *text;

	ck_assert(harness_path(path, sizeof(path), "%s/broker-%d/broker.log", c->dir,
	                       c->brokers[0].id) == 0);
	text = harness_read_file(path, NULL);
	ck_assert_msg(text, "cannot read %s", path);
	return text;
}

static int t0146_log_has(test_cluster_t *c, const char *needle)
{
	char *text = t0146_broker_log(c);
	int hit = strstr(text, needle) != NULL;

	free(text);
	return hit;
}

typedef struct t0146_wait {
	test_cluster_t *c;
	const char *needle;
} t0146_wait_t;

static int t0146_pred_log(void *arg)
{
	t0146_wait_t *w = arg;

	return t0146_log_has(w->c, w->needle);
}

START_TEST(t0146_help_and_global_options)
{
	static const char *const subs[] = { "topic", "produce", "consume",        "group",
		                            "acl",   "user",    "cluster",        "perf",
		                            "log",   "offsets", "leader-election" };
	static const char *const topic_subs[] = { "create", "list",  "describe-config",
		                                  "delete", "alter", "reassign" };
	test_cluster_t *c = test_cluster_new(1, T0146_EXTRA);
	const char *topic = test_topic_name("glob");
	char *out;
	size_t i;
	int ex;

	out = t0146_run(&ex, "--help");
	ck_assert_int_eq(ex, 0);
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		ck_assert_msg(strstr(out, subs[i]), "--help does not name '%s'", subs[i]);
		free(t0146_run(&ex, "%s --help", subs[i]));
		ck_assert_msg(ex == 0, "'fjord %s --help' exited %d", subs[i], ex);
	}
	for (i = 0; i < sizeof(topic_subs) / sizeof(topic_subs[0]); i++)
		ck_assert_msg(strstr(out, topic_subs[i]), "--help does not name topic %s",
		              topic_subs[i]);
	free(out);

	/* -z and --timeout after the subcommand; the topic is made there too. */
	out =
	    t0146_run(&ex, "topic create %s -p 2 -r 1 -z %s --timeout 20000", topic, c->zk_connect);
	ck_assert_msg(ex == 0, "topic create with -z after it: exit %d: %s", ex, out);
	free(out);
	out = t0146_run(&ex, "topic list -z %s", c->zk_connect);
	ck_assert_int_eq(ex, 0);
	ck_assert_msg(strstr(out, topic), "topic list after -z misses %s", topic);
	free(out);
	/* -X after the subcommand reaches the SDK: its refusal names the key. */
	out = t0146_run(&ex, "topic list -z %s -X no.such.property=1", c->zk_connect);
	ck_assert_int_eq(ex, 1);
	ck_assert_msg(strstr(out, "no.such.property=1 refused"), "-X after the subcommand: %s",
	              out);
	free(out);
	out = t0146_run(&ex, "consume %s -z %s -X client.id=after -B -n 0", topic, c->zk_connect);
	ck_assert_msg(!strstr(out, "invalid option") && !strstr(out, "unrecognized"),
	              "-X after consume was taken for consume's option: %s", out);
	free(out);
	/* --bootstrap-server, Kafka's tools' name, before and after. */
	{
		char bs[64];

		snprintf(bs, sizeof(bs), "127.0.0.1:%d", c->brokers[0].port);
		out = t0146_run(&ex, "--bootstrap-server %s topic describe %s", bs, topic);
		ck_assert_msg(ex == 0, "--bootstrap-server before: exit %d: %s", ex, out);
		free(out);
		out = t0146_run(&ex, "topic describe %s --bootstrap-server=%s", topic, bs);
		ck_assert_msg(ex == 0, "--bootstrap-server= after: exit %d: %s", ex, out);
		free(out);
	}
	/* A global option after the subcommand still needs its value. */
	out = t0146_run(&ex, "topic list -X");
	ck_assert_int_eq(ex, 2);
	ck_assert_msg(strstr(out, "-X needs a value"), "%s", out);
	free(out);
	test_cluster_destroy(c);
}
END_TEST

START_TEST(t0146_missing_chroot)
{
	test_cluster_t *c = test_cluster_new(1, T0146_EXTRA);
	const char *topic = test_topic_name("chroot");
	char *out;
	int ex;

	test_create_topic(c, topic, 1, 1);
	/* The root of the ensemble: the cluster is under c->chroot (with the
	 * other tests' clusters beside it: the hint shows a few). */
	out = t0146_run(&ex, "-z %s cluster", c->zk_hosts);
	ck_assert_msg(ex == 1, "cluster without the chroot exited %d", ex);
	ck_assert_msg(strstr(out, "no fjord cluster at ZooKeeper") &&
	                  strstr(out, "ZooKeeper paths holding one: /"),
	              "%s", out);
	free(out);
	/* A typo of the chroot: the intended one is named first, and tried. */
	{
		char want[300];

		out = t0146_run(&ex, "-z %s%sx topic describe %s", c->zk_hosts, c->chroot, topic);
		ck_assert_int_eq(ex, 1);
		snprintf(want, sizeof(want), "ZooKeeper paths holding one: %s", c->chroot);
		ck_assert_msg(strstr(out, "no fjord cluster at ZooKeeper") && strstr(out, want),
		              "describe under a mistyped chroot: %s", out);
		snprintf(want, sizeof(want), "(try -z %s%s)", c->zk_hosts, c->chroot);
		ck_assert_msg(strstr(out, want), "no '%s' in: %s", want, out);
		ck_assert_msg(!strstr(out, "does not exist"), "%s", out);
		free(out);
	}
	/* The right chroot: a missing topic is just that. */
	out = t0146_run(&ex, "-z %s topic describe %s-nope", c->zk_connect, topic);
	ck_assert_int_eq(ex, 1);
	ck_assert_msg(strstr(out, "does not exist") && !strstr(out, "no fjord cluster"), "%s", out);
	free(out);
	out = t0146_run(&ex, "-z %s cluster", c->zk_connect);
	ck_assert_int_eq(ex, 0);
	free(out);
	test_cluster_destroy(c);
}
END_TEST

START_TEST(t0146_foreign_clients_and_log_level)
{
	/* A Kafka ApiVersions v3 request, as librdkafka sends first. */
	static const uint8_t kafka_req[] = { 0, 0, 0, 20,  0,   18,  0,   3, 0, 0, 0,
		                             1, 0, 4, 'k', 'c', 'a', 't', 0, 0, 0, 0 };
	static const uint8_t tls_hello[] = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01,
		                             0x00, 0x01, 0xfc, 0x03, 0x03 };
	test_cluster_t *c = test_cluster_new(1, T0146_EXTRA);
	char needle[160], *text;
	t0146_wait_t w = { c, NULL };
	regex_t re;
	int fd, lines = 0, bad = 0;

	fd = raw_connect(c->brokers[0].port);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(raw_send(fd, kafka_req, sizeof(kafka_req)), 0);
	ck_assert_msg(raw_wait_closed(fd, 10000) == 1, "the broker kept the Kafka client open");
	close(fd);
	snprintf(needle, sizeof(needle), "Kafka clients use listener KAFKA (port %d",
	         test_listener_port(c, 0, "KAFKA"));
	w.needle = needle;
	ck_assert_msg(test_wait_until(t0146_pred_log, &w, 10000),
	              "no broker line naming the Kafka listener ('%s')", needle);
	ck_assert(t0146_log_has(c, "an Apache Kafka client (request api_key 18, version 3)"));

	fd = raw_connect(c->brokers[0].port);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(raw_send(fd, tls_hello, sizeof(tls_hello)), 0);
	ck_assert_msg(raw_wait_closed(fd, 10000) == 1, "the broker kept the TLS client open");
	close(fd);
	w.needle = "began a TLS handshake on listener PLAINTEXT";
	ck_assert_msg(test_wait_until(t0146_pred_log, &w, 10000), "no TLS hint line");

	/* log.level=debug: debug lines are there; every line is stamped. */
	text = t0146_broker_log(c);
	ck_assert_msg(strstr(text, " DEBUG "), "log.level=debug wrote no DEBUG line");
	ck_assert(regcomp(&re,
	                  "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "
	                  "(EMERG|ALERT|CRIT|ERROR|WARN |NOTICE|INFO |DEBUG) \\[",
	                  REG_EXTENDED | REG_NOSUB) == 0);
	for (char *l = text, *nl; l && *l; l = nl ? nl + 1 : NULL) {
		nl = strchr(l, '\n');
		if (nl)
			*nl = '\0';
		/* The ZooKeeper client library's own lines are routed through
		 * flog too; sanitizer reports are not log lines. */
		if (!*l || strstr(l, "==") == l)
			continue;
		lines++;
		if (regexec(&re, l, 0, NULL, 0) != 0) {
			if (bad++ < 5)
				test_say("unstamped broker line: %s\n", l);
		}
	}
	regfree(&re);
	free(text);
	ck_assert_int_gt(lines, 5);
	ck_assert_msg(bad == 0, "%d of %d broker log lines have no timestamp", bad, lines);
	test_cluster_destroy(c);

	/* log.level=info (the default): no DEBUG line; a bad level is refused. */
	c = test_cluster_new(1, NULL);
	text = t0146_broker_log(c);
	ck_assert_msg(!strstr(text, " DEBUG "), "DEBUG lines at the default level");
	free(text);
	{
		char props[700], *outp = NULL;
		const char *const args[] = { "--override", "log.level=loud", NULL };
		int rc;

		snprintf(props, sizeof(props), "%s", c->brokers[0].props);
		rc = test_fjordd_run_expect_exit(props, args, &outp, 20000);
		test_say("fjordd log.level=loud: exit %d\n%s", rc, outp ? outp : "");
		ck_assert_int_eq(rc, 2);
		ck_assert_msg(outp && strstr(outp, "log.level") && strstr(outp, "debug"),
		              "the refusal does not name log.level and its words");
		free(outp);
	}
	test_cluster_destroy(c);
}
END_TEST

void test_0146(TCase *tc)
{
	tcase_add_test(tc, t0146_help_and_global_options);
	tcase_add_test(tc, t0146_missing_chroot);
	tcase_add_test(tc, t0146_foreign_clients_and_log_level);
}
