/*
 * 0069-cli-describe-offline — what an operator sees when a broker is down.
 *
 * A private 3-broker cluster holds an RF=1 topic of three partitions and an
 * RF=3 topic of one partition. The broker hosting partition 0 of the RF=1
 * topic is SIGKILLed. Then:
 *  - `fjord topic describe` (text) shows partition 0 of the RF=1 topic with
 *    leader "none" and status OFFLINE, and the RF=3 partition with its three
 *    replicas, an ISR of the two live brokers and status under-replicated;
 *    `--format json` says the same ("offline": true, leader -1, isr);
 *  - `fjord cluster` shows the controller and its epoch as ZooKeeper has
 *    them (text and JSON);
 *  - the controller's /metrics counts the offline partition
 *    (fjord_offline_partitions, a controller-only gauge), and the RF=3
 *    partition's leader counts an under-replicated partition.
 * T_CLUSTER: it kills one of its brokers.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_int.h"
#include "repl_util.h"

/* Runs `fjord -z <zk> args`; asserts exit 0; returns stdout+stderr. */
static char *t0069_cli(test_cluster_t *c, const char *args)
{
	char *cmd = NULL;
	int ex = -1;
	ck_assert(asprintf(&cmd, "%s -z %s %s", test_cli_path(), c->zk_connect, args) > 0);
	char *out = test_run(cmd, &ex);
	test_say("$ %s\n=> exit %d\n%s", cmd, ex, out ? out : "");
	ck_assert_msg(out && ex == 0, "`%s` exited %d", cmd, ex);
	free(cmd);
	return out;
}

/* Splits the table row of partition `part` into at most max tokens;
 * returns the token count (0 when there is no such row). tokens point into
 * a copy the caller frees (*copyp). */
static int t0069_row(const char *out, int part, char **tok, int max, char **copyp)
{
	char *copy = strdup(out), *save = NULL;
	char want[16];
	ck_assert_ptr_nonnull(copy);
	snprintf(want, sizeof(want), "%d", part);
	*copyp = copy;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *s2 = NULL;
		int n = 0;
		char *first = strtok_r(line, " \t", &s2);
		if (!first || strcmp(first, want))
			continue;
		tok[n++] = first;
		while (n < max && (tok[n] = strtok_r(NULL, " \t", &s2)))
			n++;
		return n;
	}
	return 0;
}

static int t0069_id_cnt(const char *list)
{
	int n = 0;
	for (const char *p = list; *p; p++)
		n += *p == ',';
	return *list ? n + 1 : 0;
}

typedef struct t0069_arg {
	fjord_t *admin;
	const char *rf1, *rf3;
	int32_t dead;
} t0069_arg_t;

static int t0069_settled_pred(void *arg)
{
	t0069_arg_t *a = arg;
	repl_pstate_t p1, p3;
	return repl_pstate_get(a->admin, a->rf1, 0, &p1) == 0 && p1.leader < 0 &&
	       repl_pstate_get(a->admin, a->rf3, 0, &p3) == 0 && p3.leader >= 0 &&
	       p3.leader != a->dead && p3.isr_cnt == 2 && !repl_ids_have(p3.isr, 2, a->dead);
}

START_TEST(t0069_describe_offline)
{
	test_cluster_t *c = test_cluster_new(3, REPL_BROKER_PROPS);
	char rf1[128], rf3[128], args[512];
	repl_pstate_t ps;
	char *tok[8], *copy = NULL;

	snprintf(rf1, sizeof(rf1), "%s", test_topic_name("rf1"));
	snprintf(rf3, sizeof(rf3), "%s", test_topic_name("rf3"));
	repl_create_topic(c, rf1, 3, 1, NULL);
	repl_create_topic(c, rf3, 1, 3, NULL);
	fjord_t *admin = repl_admin_new(c);
	ck_assert_int_eq(repl_pstate_get(admin, rf1, 0, &ps), 0);
	int32_t dead = ps.leader;
	test_say("SIGKILL broker %d, the only replica of %s [0]", (int)dead, rf1);
	test_broker_kill(c, repl_broker_index(c, dead), SIGKILL);
	t0069_arg_t a = { admin, rf1, rf3, dead };
	ck_assert_msg(test_wait_until(t0069_settled_pred, &a, 60000),
	              "%s [0] did not go offline or %s [0]'s ISR did not shrink", rf1, rf3);

	/* topic describe, text */
	snprintf(args, sizeof(args), "topic describe %s", rf1);
	char *out = t0069_cli(c, args);
	ck_assert_msg(strstr(out, "LEADER") && strstr(out, "REPLICAS") && strstr(out, "ISR"),
	              "describe has no LEADER/REPLICAS/ISR columns");
	int n = t0069_row(out, 0, tok, 8, &copy);
	ck_assert_msg(n >= 6 && !strcmp(tok[1], "none") && !strcmp(tok[5], "OFFLINE"),
	              "partition 0 of %s is not shown with leader none and OFFLINE", rf1);
	free(copy);
	for (int p = 1; p < 3; p++) {
		n = t0069_row(out, p, tok, 8, &copy);
		ck_assert_msg(n >= 6 && strcmp(tok[5], "OFFLINE") && strcmp(tok[1], "none"),
		              "partition %d of %s (live broker) shown offline", p, rf1);
		free(copy);
	}
	free(out);
	snprintf(args, sizeof(args), "topic describe %s", rf3);
	out = t0069_cli(c, args);
	n = t0069_row(out, 0, tok, 8, &copy);
	ck_assert_msg(n >= 6, "no row for partition 0 of %s", rf3);
	ck_assert_msg(t0069_id_cnt(tok[3]) == 3, "replicas shown as '%s'", tok[3]);
	ck_assert_msg(t0069_id_cnt(tok[4]) == 2, "ISR shown as '%s'", tok[4]);
	ck_assert_msg(!strcmp(tok[5], "under-replicated"), "status shown as '%s'", tok[5]);
	free(copy);
	free(out);

	/* topic describe, JSON */
	snprintf(args, sizeof(args), "topic describe %s --format json 2>/dev/null", rf1);
	out = t0069_cli(c, args);
	json_t *js = json_loads(out, 0, NULL);
	ck_assert_msg(json_is_array(js) && json_array_size(js) == 1, "describe JSON: %s", out);
	json_t *p0 = json_array_get(json_object_get(json_array_get(js, 0), "partitions"), 0);
	ck_assert_msg(json_is_true(json_object_get(p0, "offline")) &&
	                  json_integer_value(json_object_get(p0, "leader")) == -1 &&
	                  json_array_size(json_object_get(p0, "replicas")) == 1,
	              "JSON does not mark partition 0 offline");
	json_decref(js);
	free(out);

	/* cluster: controller and epoch as ZooKeeper says */
	fjord_metadata_t *md = NULL;
	ck_assert_int_eq(fjord_metadata(admin, NULL, &md, 5000), FJORD_ERR_NO_ERROR);
	int32_t ctl = md->controller_id, epoch = md->controller_epoch;
	fjord_metadata_destroy(md);
	ck_assert_msg(ctl >= 0 && ctl != dead && epoch > 0, "controller %d epoch %d", (int)ctl,
	              (int)epoch);
	char want[64];
	snprintf(want, sizeof(want), "CONTROLLER: %d (epoch %d)", (int)ctl, (int)epoch);
	out = t0069_cli(c, "cluster");
	ck_assert_msg(strstr(out, want), "`fjord cluster` does not show '%s'", want);
	free(out);
	out = t0069_cli(c, "cluster --format json 2>/dev/null");
	js = json_loads(out, 0, NULL);
	json_t *jc = json_object_get(js, "controller");
	ck_assert_msg(json_integer_value(json_object_get(jc, "id")) == ctl &&
	                  json_integer_value(json_object_get(jc, "epoch")) == epoch,
	              "cluster JSON controller: %s", out);
	json_decref(js);
	free(out);

	/* metrics */
	char *body = repl_http_body(c, repl_broker_index(c, ctl), "/metrics");
	double offline = repl_metric(body, "fjord_offline_partitions");
	free(body);
	test_say("controller %d: fjord_offline_partitions %g", (int)ctl, offline);
	ck_assert_msg(offline == 1,
	              "the controller's /metrics (broker %d) counts %g offline "
	              "partitions while exactly one (%s [0]) is offline",
	              (int)ctl, offline, rf1);
	ck_assert_int_eq(repl_pstate_get(admin, rf3, 0, &ps), 0);
	body = repl_http_body(c, repl_broker_index(c, ps.leader), "/metrics");
	double under = repl_metric(body, "fjord_under_replicated_partitions");
	free(body);
	ck_assert_msg(under >= 1, "leader %d of %s [0] reports %g under-replicated partitions",
	              (int)ps.leader, rf3, under);
	fjord_destroy(admin);
	test_cluster_destroy(c);
}
END_TEST

void test_0069(TCase *tc)
{
	tcase_add_test(tc, t0069_describe_offline);
}
