/*
 * 0097-acl-cli — `fjord acl add|list|remove` and ACL znodes written by hand
 * with zkCli.sh, against a real broker with the authorizer on and
 * allow.everyone.if.no.acl.found=true (a topic without ACLs is open), every
 * client User:ANONYMOUS:
 *  - an Allow for User:alice added with the CLI (with Kafka's change
 *    notification under /kafka-acl-changes) closes the topic to
 *    ANONYMOUS; `acl list` (text and JSON) shows the entry; an Allow Write
 *    for ANONYMOUS opens produce; removing it closes it again. Each change
 *    takes effect without a restart.
 *  - a znode written raw with zkCli.sh in Kafka's format takes effect.
 *  - a malformed znode (unknown operation) is logged by the broker, which
 *    keeps running, and grants nothing: the topic stays closed although
 *    allow.everyone.if.no.acl.found would open a topic without ACLs; `acl
 *    list` reports it. Deleting the znode opens the topic again.
 *  - the CLI refuses a bad operation or principal with a usage error, and
 *    writes nothing.
 *  - concurrent: four admin handles adding entries to one resource at once
 *    lose none of them.
 * Private cluster.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_int.h"
#include "rawproto.h"
#include "test.h"

static char *t0097_cli(test_cluster_t *c, int *exitp, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static char *t0097_cli(test_cluster_t *c, int *exitp, const char *fmt, ...)
{
	char *args = NULL, *full = NULL, *out;
	va_list ap;

	va_start(ap, fmt);
	ck_assert(vasprintf(&args, fmt, ap) > 0);
	va_end(ap);
	ck_assert(asprintf(&full, "%s -z %s --timeout 15000 %s", test_cli_path(), c->zk_connect,
	                   args) > 0);
	out = test_run(full, exitp);
	ck_assert_ptr_nonnull(out);
	test_say("$ %s\n=> exit %d\n%s", full, *exitp, out);
	free(args);
	free(full);
	return out;
}

typedef struct t0097_wait {
	int port;
	const char *topic;
	int want; /* raw produce result wanted: 0 or TOPIC_AUTHORIZATION_FAILED */
	int acked;
} t0097_wait_t;

static int t0097_produce_is(void *arg)
{
	t0097_wait_t *w = arg;
	int rc = raw_produce_one(w->port, w->topic, 0, "k", "v");
	if (rc == 0)
		w->acked++;
	return rc == w->want;
}

static void t0097_expect(t0097_wait_t *w, int want, const char *why)
{
	w->want = want;
	ck_assert_msg(test_wait_until(t0097_produce_is, w, 20000), "produce never %s: %s",
	              want ? "refused" : "allowed", why);
	test_say("produce %s: %s", want ? "refused" : "allowed", why);
}

static void t0097_zkcli_set(test_cluster_t *c, const char *path, const char *json)
{
	char cmd[2048];
	int st = -1;

	snprintf(cmd, sizeof(cmd), "set %s '%s'", path, json);
	free(test_zkcli(c, cmd, &st));
	ck_assert_msg(st == 0, "zkCli.sh %s: exit %d", cmd, st);
}

START_TEST(t0097_acl_cli)
{
	test_cluster_t *c = test_cluster_new(
	    1, "authorizer.class.name=AclAuthorizer\nallow.everyone.if.no.acl.found=true\n");
	const char *topic = test_topic_name("cli");
	char path[512], errstr[512], logp[700], json[1024];
	t0097_wait_t w = { c->brokers[0].port, topic, 0, 0 };
	int ex = -1, st = -1;
	char *out;

	fjord_t *admin = fjord_new(FJORD_ADMIN, test_conf(c, NULL), errstr, sizeof(errstr));
	ck_assert_msg(admin, "%s", errstr);
	ck_assert_int_eq(fjord_admin_create_topic(admin, topic, 1, 1, NULL,
	                                          (int)(30000 * test_timeout_multiplier()), errstr,
	                                          sizeof(errstr)),
	                 FJORD_ERR_NO_ERROR);
	fjord_destroy(admin);
	t0097_expect(&w, 0, "no ACL and allow.everyone.if.no.acl.found=true");

	out = t0097_cli(c, &ex, "acl add --allow-principal User:alice --operation All --topic %s",
	                topic);
	ck_assert_int_eq(ex, 0);
	ck_assert_msg(strstr(out, "added 1 ACL entry"), "unexpected output: %s", out);
	free(out);
	t0097_expect(&w, FJORD_ERR_TOPIC_AUTHORIZATION_FAILED, "an ACL for User:alice only");
	/* Kafka's change notification was written with it. */
	out = test_zkcli(c, "ls /kafka-acl-changes", &st);
	ck_assert_msg(out && strstr(out, "acl_changes_"), "no change notification: %s",
	              out ? out : "");
	free(out);

	out = t0097_cli(c, &ex,
	                "acl add --allow-principal User:ANONYMOUS --operation Write "
	                "--operation Describe --topic %s",
	                topic);
	ck_assert_int_eq(ex, 0);
	free(out);
	t0097_expect(&w, 0, "Allow Write for User:ANONYMOUS");

	out = t0097_cli(c, &ex, "acl list --topic %s", topic);
	ck_assert_int_eq(ex, 0);
	ck_assert_msg(strstr(out, "User:alice") && strstr(out, "All") &&
	                  strstr(out, "User:ANONYMOUS") && strstr(out, "Write"),
	              "list lacks an entry: %s", out);
	free(out);
	out = t0097_cli(c, &ex, "acl list --format json");
	ck_assert_int_eq(ex, 0);
	{
		json_error_t jerr;
		json_t *arr = json_loads(out, 0, &jerr);
		int mine = 0;
		ck_assert_msg(json_is_array(arr), "not a JSON array: %s", out);
		for (size_t i = 0; i < json_array_size(arr); i++) {
			json_t *e = json_array_get(arr, i);
			if (!strcmp(json_string_value(json_object_get(e, "name")), topic))
				mine++;
		}
		ck_assert_int_eq(mine, 3);
		json_decref(arr);
	}
	free(out);

	out = t0097_cli(c, &ex,
	                "acl remove --allow-principal User:ANONYMOUS --operation Write "
	                "--topic %s",
	                topic);
	ck_assert_int_eq(ex, 0);
	ck_assert_msg(strstr(out, "removed 1 ACL entry"), "unexpected output: %s", out);
	free(out);
	t0097_expect(&w, FJORD_ERR_TOPIC_AUTHORIZATION_FAILED, "Allow Write removed");

	/* Usage errors write nothing. */
	out = t0097_cli(c, &ex,
	                "acl add --allow-principal User:ANONYMOUS --operation Wrte "
	                "--topic %s",
	                topic);
	ck_assert_int_eq(ex, 2);
	ck_assert_msg(strstr(out, "unknown operation"), "unexpected output: %s", out);
	free(out);
	out = t0097_cli(c, &ex, "acl add --allow-principal ANONYMOUS --operation Write --topic %s",
	                topic);
	ck_assert_int_eq(ex, 2);
	free(out);
	ck_assert_int_eq(raw_produce_one(w.port, topic, 0, "k", "v"),
	                 FJORD_ERR_TOPIC_AUTHORIZATION_FAILED);

	/* Written by hand with zkCli.sh, in Kafka's format. */
	snprintf(path, sizeof(path), "/kafka-acl/Topic/%s", topic);
	snprintf(json, sizeof(json),
	         "{\"version\":1,\"acls\":[{\"principal\":\"User:ANONYMOUS\",\"permissionType\":"
	         "\"Allow\",\"operation\":\"Write\",\"host\":\"*\"}]}");
	t0097_zkcli_set(c, path, json);
	t0097_expect(&w, 0, "znode set with zkCli.sh");

	/* Malformed: logged, ignored, and it opens nothing. */
	snprintf(json, sizeof(json),
	         "{\"version\":1,\"acls\":[{\"principal\":\"User:ANONYMOUS\",\"permissionType\":"
	         "\"Allow\",\"operation\":\"Wrte\",\"host\":\"*\"}]}");
	t0097_zkcli_set(c, path, json);
	t0097_expect(&w, FJORD_ERR_TOPIC_AUTHORIZATION_FAILED, "malformed znode");
	ck_assert_int_eq(kill(c->brokers[0].pid, 0), 0);
	ck_assert(harness_path(logp, sizeof(logp), "%s/broker-%d/broker.log", c->dir,
	                       c->brokers[0].id) == 0);
	char *log = harness_read_file(logp, NULL);
	ck_assert_ptr_nonnull(log);
	ck_assert_msg(strstr(log, "is ignored") && strstr(log, "unknown \"operation\" \"Wrte\""),
	              "the broker log does not report the malformed znode");
	free(log);
	out = t0097_cli(c, &ex, "acl list");
	ck_assert_int_eq(ex, 0);
	ck_assert_msg(strstr(out, "refused by brokers"), "list does not report the bad znode: %s",
	              out);
	free(out);
	out = t0097_cli(
	    c, &ex, "acl add --allow-principal User:ANONYMOUS --operation Read --topic %s", topic);
	ck_assert_int_eq(ex, 1); /* the CLI does not rewrite a znode it cannot read */
	ck_assert_msg(strstr(out, "malformed"), "unexpected output: %s", out);
	free(out);

	/* Deleted: no ACL, open again (allow.everyone.if.no.acl.found). */
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "delete %s", path);
	free(test_zkcli(c, cmd, &st));
	ck_assert_int_eq(st, 0);
	t0097_expect(&w, 0, "znode deleted");
	test_say("%d raw records acknowledged while waiting", w.acked);
	test_cluster_destroy(c);
}
END_TEST

/* Concurrent edits: T0097_WRITERS threads, each with its own admin handle,
 * add T0097_ADDS entries for distinct principals to one resource at once;
 * every entry must land (the version-checked read-modify-write retries a
 * lost race instead of overwriting the other writer's entries). */
#define T0097_WRITERS 4
#define T0097_ADDS 10

typedef struct t0097_writer {
	test_cluster_t *c;
	const char *topic;
	int idx;
	int added;
	fjord_err_t err;
	char errstr[512];
} t0097_writer_t;

static void *t0097_write(void *arg)
{
	t0097_writer_t *wr = arg;
	fjord_t *fj =
	    fjord_new(FJORD_ADMIN, test_conf(wr->c, NULL), wr->errstr, sizeof(wr->errstr));

	if (!fj) {
		wr->err = FJORD_ERR__FAIL;
		return NULL;
	}
	for (int i = 0; i < T0097_ADDS && !wr->err; i++) {
		char principal[64];
		int changed = 0;
		fjord_acl_t a = {
			FJORD_ACL_TOPIC, (char *)wr->topic, principal, NULL, (char *)"Read", 0, NULL
		};
		snprintf(principal, sizeof(principal), "User:w%d-%d", wr->idx, i);
		wr->err = fjord_admin_acl_add(fj, &a, 1, &changed, wr->errstr, sizeof(wr->errstr));
		wr->added += changed;
	}
	fjord_destroy(fj);
	return NULL;
}

START_TEST(t0097_concurrent)
{
	test_cluster_t *c = test_cluster_new(1, NULL); /* a broker creates the chroot */
	const char *topic = test_topic_name("conc");
	t0097_writer_t wr[T0097_WRITERS];
	pthread_t th[T0097_WRITERS];
	fjord_acl_t *v = NULL;
	char errstr[512];
	int cnt = 0, mine = 0;

	for (int i = 0; i < T0097_WRITERS; i++) {
		memset(&wr[i], 0, sizeof(wr[i]));
		wr[i].c = c;
		wr[i].topic = topic;
		wr[i].idx = i;
		ck_assert_int_eq(pthread_create(&th[i], NULL, t0097_write, &wr[i]), 0);
	}
	for (int i = 0; i < T0097_WRITERS; i++) {
		pthread_join(th[i], NULL);
		ck_assert_msg(wr[i].err == FJORD_ERR_NO_ERROR, "writer %d: %s: %s", i,
		              fjord_err2name(wr[i].err), wr[i].errstr);
		ck_assert_int_eq(wr[i].added, T0097_ADDS);
	}
	fjord_t *fj = fjord_new(FJORD_ADMIN, test_conf(c, NULL), errstr, sizeof(errstr));
	ck_assert_msg(fj, "%s", errstr);
	ck_assert_int_eq(fjord_admin_acl_list(fj, &v, &cnt, errstr, sizeof(errstr)),
	                 FJORD_ERR_NO_ERROR);
	for (int i = 0; i < cnt; i++)
		mine += !strcmp(v[i].resource_name, topic) && !v[i].error;
	fjord_acl_list_destroy(v, cnt);
	fjord_destroy(fj);
	test_say("%d entries listed after %d concurrent adds", mine, T0097_WRITERS * T0097_ADDS);
	ck_assert_int_eq(mine, T0097_WRITERS * T0097_ADDS);
	test_cluster_destroy(c);
}
END_TEST

void test_0097(TCase *tc)
{
	tcase_add_test(tc, t0097_acl_cli);
	tcase_add_test(tc, t0097_concurrent);
}
