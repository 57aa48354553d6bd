/*
 * 0083-admin-refused — malformed or impossible znodes written by an
 * operator with the real zkCli.sh are refused with a log line and a marker
 * under /admin/errors, never a crash and never a half-applied change
 * (docs/zookeeper.md "/admin/errors", docs/operations.md "When the cluster
 * refuses what you wrote"). Private cluster of 3 brokers; topic of 2
 * partitions, RF 2, with records.
 *
 *  1. `set /brokers/topics/<t> 'notjson'`: marker with the reason, the
 *     controller's log line, every broker alive (/health), the records
 *     still consumable (through the brokers), every log dir still there.
 *     Then an assignment listing only partition 0: same ("cannot be
 *     removed"). A replica restarted while the assignment is malformed (it
 *     has no good version) keeps its logs. The original assignment written
 *     back: marker gone, full ISRs again.
 *  2. `set /config/topics/<t>` with segment.bytes=1024 (good) and
 *     retention.ms=abc (bad): marker; records appended afterwards stay in
 *     one segment on both replicas (the good key is not applied either).
 *     Malformed JSON: marker says so. Only the good key: marker gone and
 *     appends roll segments at 1024 bytes.
 *  3. A preferred replica election plan with an empty partition list: the
 *     plan is removed, its marker stays, no leader or epoch changes.
 *  4. `create /brokers/topics/<x> 'garbage'`: marker, no partition state
 *     znodes are written; `delete` of it removes the marker.
 *  5. `fjord cluster describe` (text and --format json) lists the markers
 *     still there (the preferred election one), exit code 0; and
 *     fjord_admin_refused_total counts the refusals on the controller.
 *  5b. The controller is killed: the next one (which read the markers at
 *     its first pass) removes the plan's marker when it accepts a valid
 *     plan.
 *  6. A topic deleted (admin API) while its config is refused: its marker
 *     goes, and no empty parent is left under /admin/errors.
 * Every wait is for the effect (no fixed sleeps); the "nothing happened"
 * checks are made after a later change by the same controller was seen.
 * T_CLUSTER: private cluster only; it restarts one broker and kills another.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zookeeper/zookeeper.h>

#include "common/zkutil.h"
#include "harness_int.h"
#include "repl_util.h"
#include "test.h"

/* ------------------------------------------------------------ helpers */

/* Runs zkCli.sh and asserts it succeeded. */
static void t0083_zkcli(test_cluster_t *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void t0083_zkcli(test_cluster_t *c, const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int status = -1;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	char *out = test_zkcli(c, cmd, &status);
	test_say("zkCli.sh %s: exit %d", cmd, status);
	ck_assert_msg(out && status == 0, "zkCli.sh %s: exit %d: %s", cmd, status,
	              out ? out : "(no output)");
	free(out);
}

/* The value of path (malloc'd), or NULL when it does not exist. */
static char *t0083_get(zhandle_t *zh, const char *path)
{
	char *buf = NULL;
	int len = 0;
	int rc = zkutil_get(zh, path, NULL, NULL, &buf, &len, NULL);

	if (rc == ZNONODE)
		return NULL;
	ck_assert_msg(rc == ZOK, "get %s: %s", path, zkutil_err2str(rc));
	return buf ? buf : strdup("");
}

typedef struct t0083_wait {
	zhandle_t *zh;
	const char *path;
	const char *want; /* substring of the marker; NULL: any */
	test_cluster_t *c;
} t0083_wait_t;

static int t0083_marker_pred(void *arg)
{
	t0083_wait_t *w = arg;
	char *v = t0083_get(w->zh, w->path);
	int ok = v && (!w->want || strstr(v, w->want));

	free(v);
	return ok;
}

static int t0083_gone_pred(void *arg)
{
	t0083_wait_t *w = arg;
	struct Stat st;

	return zoo_exists(w->zh, w->path, 0, &st) == ZNONODE;
}

/* Waits for the marker of znode src containing want; returns its value. */
static char *t0083_wait_marker(zhandle_t *zh, const char *src, const char *want)
{
	char path[600];
	t0083_wait_t w = { zh, path, want, NULL };

	snprintf(path, sizeof(path), "/admin/errors%s", src);
	ck_assert_msg(test_wait_until(t0083_marker_pred, &w, 30000),
	              "no marker %s mentioning \"%s\"", path, want ? want : "");
	char *v = t0083_get(zh, path);
	test_say("%s = %s", path, v ? v : "(none)");
	ck_assert_ptr_nonnull(v);
	ck_assert_msg(strstr(v, "\"znode\":\"") && strstr(v, src) && strstr(v, "\"error\":") &&
	                  strstr(v, "\"refused_version\":") && strstr(v, "\"timestamp\":"),
	              "marker %s lacks a field: %s", path, v);
	return v;
}

static void t0083_wait_gone(zhandle_t *zh, const char *src)
{
	char path[600];
	t0083_wait_t w = { zh, path, NULL, NULL };

	snprintf(path, sizeof(path), "/admin/errors%s", src);
	ck_assert_msg(test_wait_until(t0083_gone_pred, &w, 30000), "marker %s stayed", path);
}

/* Concatenated logs of every broker, or of broker index only (>= 0)
 * (malloc'd). */
static char *t0083_logs(test_cluster_t *c, int only)
{
	size_t total = 0;
	char *all = strdup("");

	for (int i = 0; i < c->broker_cnt; i++) {
		if (only >= 0 && i != only)
			continue;
		char path[600];
		snprintf(path, sizeof(path), "%s", c->brokers[i].logdir);
		char *slash = strrchr(path, '/');
		ck_assert_ptr_nonnull(slash);
		snprintf(slash, sizeof(path) - (size_t)(slash - path), "/broker.log");
		size_t len = 0;
		char *log = harness_read_file(path, &len);
		if (!log)
			continue;
		char *n = realloc(all, total + len + 1);
		ck_assert_ptr_nonnull(n);
		all = n;
		memcpy(all + total, log, len);
		total += len;
		all[total] = '\0';
		free(log);
	}
	return all;
}

typedef struct t0083_log_wait {
	test_cluster_t *c;
	const char *a, *b;
	int only;
} t0083_log_wait_t;

static int t0083_log_pred(void *arg)
{
	t0083_log_wait_t *w = arg;
	char *log = t0083_logs(w->c, w->only);
	const char *at = strstr(log, w->a);
	int ok = at && (!w->b || strstr(at, w->b));

	free(log);
	return ok;
}

/* The log of broker index only (-1: of some broker) has a line with a
 * followed (later on) by b. */
static void t0083_wait_log_of(test_cluster_t *c, int only, const char *a, const char *b)
{
	t0083_log_wait_t w = { c, a, b, only };

	ck_assert_msg(test_wait_until(t0083_log_pred, &w, 30000),
	              "broker index %d did not log \"%s\" ... \"%s\"", only, a, b ? b : "");
}

static void t0083_wait_log(test_cluster_t *c, const char *a, const char *b)
{
	t0083_wait_log_of(c, -1, a, b);
}

static int t0083_is_log(const struct dirent *e)
{
	return strlen(e->d_name) == 24 && !strcmp(e->d_name + 20, ".log");
}

/* Segment files of topic-p on broker index i; -1 without a directory. */
static int t0083_segments(const test_cluster_t *c, int i, const char *topic, int p)
{
	struct dirent **ents = NULL;
	char dir[1024];
	int n;

	ck_assert(harness_path(dir, sizeof(dir), "%s/%s-%d", c->brokers[i].logdir, topic, p) == 0);
	n = scandir(dir, &ents, t0083_is_log, alphasort);
	for (int k = 0; k < n; k++)
		free(ents[k]);
	free(ents);
	return n;
}

/* Every replica of topic-p (per the assignment in ps) has a log dir. */
static void t0083_dirs_there(test_cluster_t *c, const char *topic, int p, const repl_pstate_t *ps)
{
	for (int r = 0; r < ps->replica_cnt; r++) {
		int i = repl_broker_index(c, ps->replicas[r]);
		ck_assert_msg(t0083_segments(c, i, topic, p) >= 1,
		              "broker %d lost its log dir of %s-%d", (int)ps->replicas[r], topic,
		              p);
	}
}

static void t0083_all_alive(test_cluster_t *c)
{
	for (int i = 0; i < c->broker_cnt; i++) {
		ck_assert_msg(c->brokers[i].pid > 0 && kill(c->brokers[i].pid, 0) == 0,
		              "broker %d is gone", c->brokers[i].id);
		char *body = repl_http_body(c, i, "/health");
		free(body);
	}
}

/* Consumes every partition from the beginning through the brokers
 * (bootstrap.servers: the brokers' metadata, not a fresh ZooKeeper read),
 * asking every broker but index skip (-1: none) for metadata: a broker
 * started while the assignment is refused does not know the topic. */
static void t0083_consume_all(test_cluster_t *c, const char *topic, int parts, int expected,
                              int skip)
{
	char bootstrap[256] = "", errstr[512];
	size_t off = 0;

	for (int i = 0; i < c->broker_cnt; i++)
		if (i != skip)
			off +=
			    (size_t)snprintf(bootstrap + off, sizeof(bootstrap) - off,
			                     "%s127.0.0.1:%d", off ? "," : "", c->brokers[i].port);
	fjord_conf_t *conf = fjord_conf_new();
	ck_assert(fjord_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof(errstr)) ==
	          FJORD_CONF_OK);
	ck_assert(fjord_conf_set(conf, "auto.offset.reset", "earliest", errstr, sizeof(errstr)) ==
	          FJORD_CONF_OK);
	fjord_t *fj = fjord_new(FJORD_CONSUMER, conf, errstr, sizeof(errstr));
	ck_assert_msg(fj, "consumer: %s", errstr);
	fjord_topic_partition_list_t *tp = fjord_topic_partition_list_new(parts);
	for (int p = 0; p < parts; p++)
		fjord_topic_partition_list_add(tp, topic, p)->offset = FJORD_OFFSET_BEGINNING;
	ck_assert_int_eq(fjord_assign(fj, tp), FJORD_ERR_NO_ERROR);
	fjord_topic_partition_list_destroy(tp);
	test_msgver_t *mv = test_msgver_new(parts);
	int got = 0;
	int64_t deadline = test_now_ms() + (int64_t)(30000 * test_timeout_multiplier());
	while (got < expected && test_now_ms() < deadline) {
		fjord_message_t *m = fjord_consumer_poll(fj, 200);
		if (!m)
			continue;
		if (m->err == FJORD_ERR_NO_ERROR) {
			test_msgver_add(mv, m);
			got++;
		}
		fjord_message_destroy(m);
	}
	fjord_destroy(fj);
	test_msgver_verify(mv, "records while the assignment is refused", expected);
}

typedef struct t0083_ctl {
	fjord_t *admin;
	int32_t old;
} t0083_ctl_t;

static int t0083_new_controller_pred(void *arg)
{
	t0083_ctl_t *w = arg;
	fjord_metadata_t *md = NULL;
	int ok;

	if (fjord_metadata(w->admin, NULL, &md, 5000) != FJORD_ERR_NO_ERROR)
		return 0;
	ok = md->controller_id >= 0 && md->controller_id != w->old;
	fjord_metadata_destroy(md);
	return ok;
}

/* The controller's fjord_admin_refused_total. */
static double t0083_refused_metric(test_cluster_t *c, fjord_t *admin)
{
	fjord_metadata_t *md = NULL;

	ck_assert_int_eq(fjord_metadata(admin, NULL, &md, 5000), FJORD_ERR_NO_ERROR);
	int i = repl_broker_index(c, md->controller_id);
	fjord_metadata_destroy(md);
	char *body = repl_http_body(c, i, "/metrics");
	double v = repl_metric(body, "fjord_admin_refused_total");
	free(body);
	return v;
}

/* Produces 5 records of 200 bytes to partition 0 until every replica of
 * topic-0 has more than one segment (the new segment.bytes applied). */
typedef struct t0083_roll {
	test_cluster_t *c;
	const char *topic;
	const repl_pstate_t *ps;
} t0083_roll_t;

static int t0083_rolled_pred(void *arg)
{
	t0083_roll_t *r = arg;

	test_produce_msgs(r->c, r->topic, 0, 5, 200);
	for (int k = 0; k < r->ps->replica_cnt; k++)
		if (t0083_segments(r->c, repl_broker_index(r->c, r->ps->replicas[k]), r->topic, 0) <
		    2)
			return 0;
	return 1;
}

/* ------------------------------------------------------------ the test */

START_TEST(t0083_refused)
{
	test_cluster_t *c = test_cluster_new(3, REPL_BROKER_PROPS);
	const char *topic = test_topic_name("refused");
	const char *bad = test_topic_name("garbage");
	fjord_t *admin = repl_admin_new(c);
	char err[512] = "", tpath[300], cpath[300], xpath[300];
	zhandle_t *zh =
	    zkutil_connect(c->zk_connect, 10000, 10000, 0, NULL, NULL, err, sizeof(err));
	ck_assert_msg(zh, "%s", err);
	repl_pstate_t ps0, ps1, after;

	snprintf(tpath, sizeof(tpath), "/brokers/topics/%s", topic);
	snprintf(cpath, sizeof(cpath), "/config/topics/%s", topic);
	snprintf(xpath, sizeof(xpath), "/brokers/topics/%s", bad);
	repl_create_topic(c, topic, 2, 2, NULL);
	test_produce_msgs(c, topic, 0, 10, 100);
	test_produce_msgs(c, topic, 1, 10, 100);
	ck_assert_int_eq(repl_pstate_get(admin, topic, 0, &ps0), 0);
	ck_assert_int_eq(repl_pstate_get(admin, topic, 1, &ps1), 0);
	char *good = t0083_get(zh, tpath);
	ck_assert_ptr_nonnull(good);
	test_say("%s = %s", tpath, good);
	double refused0 = t0083_refused_metric(c, admin);
	ck_assert_msg(refused0 >= 0, "no fjord_admin_refused_total on the controller");

	/* 1a. Malformed assignment. */
	t0083_zkcli(c, "set %s 'notjson'", tpath);
	free(t0083_wait_marker(zh, tpath, "topic assignment"));
	t0083_wait_log(c, "refusing /brokers/topics/", "(see /admin/errors/brokers/topics/");
	t0083_all_alive(c);
	t0083_consume_all(c, topic, 2, 20, -1);
	t0083_dirs_there(c, topic, 0, &ps0);
	t0083_dirs_there(c, topic, 1, &ps1);

	/* 1a'. A follower restarted meanwhile has no good version of the
	 * assignment: it must keep its logs (not delete them as orphans). It
	 * leads nothing of the topic: while the assignment is refused the
	 * controller elects no leader for it either. */
	int32_t victim = -1;
	for (int k = 0; k < ps0.replica_cnt && victim < 0; k++)
		if (ps0.replicas[k] != ps0.leader && ps0.replicas[k] != ps1.leader)
			victim = ps0.replicas[k];
	for (int k = 0; k < ps1.replica_cnt && victim < 0; k++)
		if (ps1.replicas[k] != ps0.leader && ps1.replicas[k] != ps1.leader)
			victim = ps1.replicas[k];
	ck_assert_msg(victim >= 0, "no broker follows without leading (leaders %d and %d)",
	              (int)ps0.leader, (int)ps1.leader);
	int vi = repl_broker_index(c, victim);
	int vp = repl_ids_have(ps0.replicas, ps0.replica_cnt, victim) ? 0 : 1;
	test_broker_kill(c, vi, SIGKILL);
	test_broker_restart(c, vi);
	char keep[400];
	snprintf(keep, sizeof(keep), "keeping log %s-%d", topic, vp);
	t0083_wait_log(c, keep, "is refused");
	ck_assert_msg(t0083_segments(c, vi, topic, vp) >= 1,
	              "restarted broker %d deleted its log of %s-%d", (int)victim, topic, vp);
	t0083_all_alive(c);

	/* 1b. An assignment that drops partition 1. */
	char shrunk[300];
	snprintf(shrunk, sizeof(shrunk), "{\"version\":1,\"partitions\":{\"0\":[%d,%d]}}",
	         (int)ps0.replicas[0], (int)ps0.replicas[1]);
	t0083_zkcli(c, "set %s '%s'", tpath, shrunk);
	free(t0083_wait_marker(zh, tpath, "cannot be removed"));
	t0083_all_alive(c);
	t0083_consume_all(c, topic, 2, 20, vi);
	t0083_dirs_there(c, topic, 0, &ps0);
	t0083_dirs_there(c, topic, 1, &ps1);

	/* 1c. Fixed: the marker goes. */
	t0083_zkcli(c, "set %s '%s'", tpath, good);
	t0083_wait_gone(zh, tpath);
	ck_assert_msg(repl_wait_isr_full(admin, topic, 2, 30000),
	              "%s: the restarted replica did not rejoin the ISRs after the fix", topic);

	/* 2a. One good key and one bad: nothing applied. */
	t0083_zkcli(c,
	            "set %s '{\"version\":1,\"config\":{\"segment.bytes\":\"1024\","
	            "\"retention.ms\":\"abc\"}}'",
	            cpath);
	free(t0083_wait_marker(zh, cpath, "retention.ms"));
	char line[400];
	snprintf(line, sizeof(line), "topic %s: refusing its config", topic);
	for (int k = 0; k < ps0.replica_cnt; k++) /* the brokers refuse it too */
		t0083_wait_log_of(c, repl_broker_index(c, ps0.replicas[k]), line, "retention.ms");
	test_produce_msgs(c, topic, 0, 20, 200); /* 4 KB: rolls at 1024 bytes if applied */
	for (int k = 0; k < ps0.replica_cnt; k++) {
		int n = t0083_segments(c, repl_broker_index(c, ps0.replicas[k]), topic, 0);
		ck_assert_msg(n == 1,
		              "broker %d: %s-0 has %d segments: part of a refused config "
		              "was applied",
		              (int)ps0.replicas[k], topic, n);
	}

	/* 2b. Malformed JSON. */
	t0083_zkcli(c, "set %s '{\"version\":1,\"config\":'", cpath);
	free(t0083_wait_marker(zh, cpath, "topic config"));

	/* 2c. Fixed: marker gone, segment.bytes applied. */
	t0083_zkcli(c, "set %s '{\"version\":1,\"config\":{\"segment.bytes\":\"1024\"}}'", cpath);
	t0083_wait_gone(zh, cpath);
	t0083_roll_t roll = { c, topic, &ps0 };
	ck_assert_msg(test_wait_until(t0083_rolled_pred, &roll, 30000),
	              "segment.bytes=1024 was not applied after the config was fixed");

	/* 3. A refused preferred replica election plan. */
	repl_pstate_t before;
	ck_assert_int_eq(repl_pstate_get(admin, topic, 0, &before), 0);
	t0083_zkcli(c, "create /admin/preferred_replica_election '{\"version\":1,"
	               "\"partitions\":[]}'");
	{
		t0083_wait_t w = { zh, "/admin/preferred_replica_election", NULL, c };
		ck_assert_msg(test_wait_until(t0083_gone_pred, &w, 30000),
		              "the refused plan was not removed");
	}
	free(t0083_wait_marker(zh, "/admin/preferred_replica_election", "preferred"));

	/* 4. A malformed new topic. */
	t0083_zkcli(c, "create %s 'garbage'", xpath);
	free(t0083_wait_marker(zh, xpath, "topic assignment"));
	/* The controller's pass that wrote the marker skipped the topic; a
	 * later pass (the deletion below is seen by one) does too. */
	char ppath[400];
	snprintf(ppath, sizeof(ppath), "%s/partitions", xpath);
	char *pv = t0083_get(zh, ppath);
	ck_assert_msg(!pv, "the controller wrote %s for a refused topic", ppath);
	t0083_zkcli(c, "delete %s", xpath);
	t0083_wait_gone(zh, xpath);
	pv = t0083_get(zh, ppath);
	ck_assert_msg(!pv, "the controller wrote %s for a refused topic", ppath);
	t0083_all_alive(c);

	/* The leader of the topic did not move because of the refused plan. */
	ck_assert_int_eq(repl_pstate_get(admin, topic, 0, &after), 0);
	ck_assert_msg(after.leader == before.leader && after.leader_epoch == before.leader_epoch,
	              "a refused plan changed %s-0: leader %d epoch %d (was %d epoch %d)", topic,
	              (int)after.leader, (int)after.leader_epoch, (int)before.leader,
	              (int)before.leader_epoch);

	/* 5. The CLI lists the marker that stays; the metric counted. */
	char *cmd = NULL, *out;
	int ex = -1;
	ck_assert(asprintf(&cmd, "%s -z %s cluster describe", test_cli_path(), c->zk_connect) > 0);
	out = test_run(cmd, &ex);
	test_say("$ %s\n=> exit %d\n%s", cmd, ex, out ? out : "");
	ck_assert_msg(out && ex == 0, "`%s` exited %d", cmd, ex);
	ck_assert_msg(strstr(out, "REFUSED") && strstr(out, "/admin/preferred_replica_election") &&
	                  !strstr(out, tpath),
	              "`fjord cluster describe` does not list exactly the markers in place");
	free(out);
	free(cmd);
	ck_assert(asprintf(&cmd, "%s -z %s cluster describe --format json", test_cli_path(),
	                   c->zk_connect) > 0);
	out = test_run(cmd, &ex);
	test_say("$ %s\n=> exit %d\n%s", cmd, ex, out ? out : "");
	ck_assert_msg(out && ex == 0, "`%s` exited %d", cmd, ex);
	ck_assert_msg(strstr(out, "\"refused\"") &&
	                  strstr(out, "\"znode\": \"/admin/preferred_replica_election\""),
	              "JSON output lacks the refused list");
	free(out);
	free(cmd);
	double refused1 = t0083_refused_metric(c, admin);
	test_say("fjord_admin_refused_total %.0f -> %.0f", refused0, refused1);
	ck_assert_msg(refused1 >= refused0 + 6,
	              "fjord_admin_refused_total counted %.0f refusals, expected at least 6",
	              refused1 - refused0);

	/* 5b. Markers survive a controller failover: the next controller knows
	 * the plan's marker (read at its first pass) and removes it when it
	 * accepts the next plan. */
	fjord_metadata_t *md = NULL;
	ck_assert_int_eq(fjord_metadata(admin, NULL, &md, 5000), FJORD_ERR_NO_ERROR);
	t0083_ctl_t ctl = { admin, md->controller_id };
	fjord_metadata_destroy(md);
	test_broker_kill(c, repl_broker_index(c, ctl.old), SIGKILL);
	ck_assert_msg(test_wait_until(t0083_new_controller_pred, &ctl, 30000),
	              "no new controller after broker %d was killed", (int)ctl.old);
	t0083_zkcli(c,
	            "create /admin/preferred_replica_election '{\"version\":1,"
	            "\"partitions\":[{\"topic\":\"%s\",\"partition\":0}]}'",
	            topic);
	{
		t0083_wait_t w = { zh, "/admin/preferred_replica_election", NULL, c };
		ck_assert_msg(test_wait_until(t0083_gone_pred, &w, 30000),
		              "the new controller did not carry out the plan");
	}
	t0083_wait_gone(zh, "/admin/preferred_replica_election");
	t0083_wait_log(c, "refusal marker /admin/errors/admin/preferred_replica_election",
	               "is in place");

	/* 6. A topic deleted while its config is refused takes its marker along. */
	t0083_zkcli(c, "set %s '{\"version\":1,\"config\":{\"no.such.key\":\"1\"}}'", cpath);
	free(t0083_wait_marker(zh, cpath, "no.such.key"));
	ck_assert_int_eq(fjord_admin_delete_topic(admin, topic, 30000, err, sizeof(err)),
	                 FJORD_ERR_NO_ERROR);
	t0083_wait_gone(zh, cpath);
	t0083_wait_gone(zh, "/config/topics"); /* the empty parents go too */
	t0083_wait_gone(zh, "/config");

	free(good);
	zookeeper_close(zh);
	fjord_destroy(admin);
	test_cluster_destroy(c);
}
END_TEST

void test_0083(TCase *tc)
{
	tcase_add_test(tc, t0083_refused);
}
