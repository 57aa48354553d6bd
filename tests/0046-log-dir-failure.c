/*
 * 0046-log-dir-failure — a disk error in one log dir of a broker with two
 * (JBOD), injected through the storage fault rules (FJORD_FAULT_FILE,
 * storage_io.h): every read and write under the dir fails with EIO.
 *
 * A private 3-broker cluster (min.insync.replicas=2) holds an RF=3 topic of
 * 6 partitions; broker 1 spreads its replicas over data-a and data-b. The
 * acknowledged-record tracker produces with acks=all throughout. When
 * data-a fails:
 *   - broker 1 lists exactly the data-a partitions under
 *     /brokers/offline_replicas/1 and its /health says data-a is offline;
 *   - the controller moves their leadership to other brokers and takes
 *     broker 1 out of their ISR, while the data-b partitions keep broker 1
 *     in their ISR (it still replicates them);
 *   - production goes on (before, broker 1 kept leading the failed
 *     partitions and answered every produce with KAFKA_STORAGE_ERROR).
 * Broker 1 restarts with the fault lifted: the dir is recovered, its
 * replicas catch up and every ISR is whole again. Every acknowledged record
 * is read back at its acknowledged offset. T_CLUSTER.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness_int.h"
#include "repl_util.h"

#define T0046_PARTITIONS 6
#define T0046_PROGRESS 300

typedef struct t0046_parts {
	int cnt;
	int32_t ids[T0046_PARTITIONS];
} t0046_parts_t;

/* The partitions of topic whose log lives in dir. */
static void t0046_parts_in(const char *dir, const char *topic, t0046_parts_t *out)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = strlen(topic);

	ck_assert_msg(d != NULL, "opendir %s", dir);
	out->cnt = 0;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, topic, n) == 0 && de->d_name[n] == '-' &&
		    out->cnt < T0046_PARTITIONS)
			out->ids[out->cnt++] = atoi(de->d_name + n + 1);
	}
	closedir(d);
}

typedef struct t0046_moved {
	fjord_t *admin;
	const char *topic;
	const t0046_parts_t *failed;
} t0046_moved_t;

/* Every failed partition is led elsewhere, without broker 1 in its ISR. */
static int t0046_moved(void *arg)
{
	t0046_moved_t *m = arg;

	for (int i = 0; i < m->failed->cnt; i++) {
		repl_pstate_t ps;
		if (repl_pstate_get(m->admin, m->topic, m->failed->ids[i], &ps) != 0 ||
		    ps.leader < 0 || ps.leader == 1 || repl_ids_have(ps.isr, ps.isr_cnt, 1))
			return 0;
	}
	return 1;
}

START_TEST(t0046_log_dir_failure)
{
	char fault[700], dir_a[400], dir_b[400], rule[800], path[64];
	const char *topic = test_topic_name("jbod");
	static const char *const props[] = {
		"retries", "0", "message.timeout.ms", "30000", "request.timeout.ms", "15000", NULL
	};
	t0046_parts_t pa, pb;
	int st;

	/* Every broker reads the rules file; the rules name broker 1's dir. */
	ck_assert(harness_path(fault, sizeof(fault), "%s/faults", test_tmpdir()) == 0);
	ck_assert(setenv("FJORD_FAULT_FILE", fault, 1) == 0);
	test_cluster_t *c = test_cluster_new(0, NULL);
	ck_assert(harness_path(dir_a, sizeof(dir_a), "%s/broker-1/data-a", c->dir) == 0);
	ck_assert(harness_path(dir_b, sizeof(dir_b), "%s/broker-1/data-b", c->dir) == 0);
	c->broker_cnt = 3;
	for (int i = 0; i < 3; i++) {
		c->brokers[i].id = i + 1;
		snprintf(c->brokers[i].extra, sizeof(c->brokers[i].extra),
		         REPL_BROKER_PROPS "min.insync.replicas=2\n%s%s%s%s",
		         i == 0 ? "log.dirs=" : "", i == 0 ? dir_a : "", i == 0 ? "," : "",
		         i == 0 ? dir_b : "");
		ck_assert_msg(harness_broker_start(c, i) == 0, "broker %d did not start", i + 1);
	}

	repl_create_topic(c, topic, T0046_PARTITIONS, 3, NULL);
	t0046_parts_in(dir_a, topic, &pa);
	t0046_parts_in(dir_b, topic, &pb);
	test_say("broker 1 holds %d partition(s) in data-a, %d in data-b", pa.cnt, pb.cnt);
	ck_assert_msg(pa.cnt > 0 && pb.cnt > 0 && pa.cnt + pb.cnt == T0046_PARTITIONS,
	              "broker 1 should spread its %d replicas over both dirs", T0046_PARTITIONS);

	fjord_t *admin = repl_admin_new(c);
	repl_track_t *rt = repl_track_new(c, topic, T0046_PARTITIONS, 500, props);
	repl_track_start(rt);
	ck_assert_msg(repl_track_wait_progress(rt, T0046_PROGRESS, 60000),
	              "no acks=all production on the healthy cluster");

	/* data-a fails: every read and write under it answers EIO. */
	snprintf(rule, sizeof(rule), "EIO all %s\n", dir_a);
	ck_assert(harness_write_file(fault, rule) == 0);
	test_say("armed: %s", rule);

	t0046_moved_t m = { admin, topic, &pa };
	ck_assert_msg(test_wait_until(t0046_moved, &m, 60000),
	              "the data-a partitions are still led by, or in sync on, broker 1");
	test_say("the %d data-a partition(s) moved away from broker 1", pa.cnt);
	ck_assert_msg(repl_track_wait_progress(rt, T0046_PROGRESS, 60000),
	              "production did not go on after broker 1's data-a failed");

	/* What broker 1 told the controller, and what it tells operators. */
	char *out = test_zkcli(c, "get /brokers/offline_replicas/1", &st);
	test_say("/brokers/offline_replicas/1: %s", out ? out : "(none)");
	ck_assert_msg(st == 0 && out && strstr(out, dir_a), "no offline replicas znode for 1");
	for (int i = 0; i < pa.cnt; i++) {
		snprintf(path, sizeof(path), "%d", (int)pa.ids[i]);
		ck_assert_msg(strstr(out, path), "partition %d missing from the znode", pa.ids[i]);
	}
	free(out);
	char *health = repl_http_body(c, 0, "/health");
	test_say("broker 1 /health: %s", health);
	ck_assert_msg(strstr(health, "\"state\":\"offline\""), "/health: %s", health);
	free(health);
	/* data-b still replicates: broker 1 stays in (or rejoins) those ISRs. */
	for (int i = 0; i < pb.cnt; i++) {
		repl_pstate_t ps;
		ck_assert_int_eq(repl_pstate_get(admin, topic, pb.ids[i], &ps), 0);
		ck_assert_msg(repl_ids_have(ps.isr, ps.isr_cnt, 1),
		              "partition %d (data-b) lost broker 1 from its ISR", pb.ids[i]);
	}

	/* The disk is replaced: a restart brings data-a back. */
	ck_assert(unlink(fault) == 0);
	test_broker_kill(c, 0, SIGTERM);
	test_broker_restart(c, 0);
	ck_assert_msg(repl_wait_isr_full(admin, topic, T0046_PARTITIONS, 90000),
	              "the ISR of %s is not whole after broker 1 came back", topic);
	ck_assert_msg(repl_track_wait_progress(rt, T0046_PROGRESS, 60000),
	              "production stalled after broker 1 came back");
	repl_track_stop(rt, 60000);
	ck_assert_msg(repl_wait_isr_full(admin, topic, T0046_PARTITIONS, 60000),
	              "ISR of %s not whole before reading back", topic);
	fjord_destroy(admin);
	repl_track_verify(rt, c, 0);
	test_cluster_destroy(c);
}
END_TEST

typedef struct t0046_exit {
	pid_t pid;
	int status;
} t0046_exit_t;

static int t0046_exited(void *arg)
{
	t0046_exit_t *e = arg;

	return !harness_child_alive(e->pid, &e->status);
}

/* A broker whose only log dir fails stops (exit status 3), so its
 * partitions move to replicas elsewhere when its session ends. */
START_TEST(t0046_all_dirs_failed)
{
	char fault[700], rule[800];
	const char *topic = test_topic_name("alone");

	ck_assert(harness_path(fault, sizeof(fault), "%s/faults-all", test_tmpdir()) == 0);
	ck_assert(setenv("FJORD_FAULT_FILE", fault, 1) == 0);
	test_cluster_t *c = test_cluster_new(1, REPL_BROKER_PROPS);
	test_create_topic(c, topic, 1, 1);
	test_produce_msgs(c, topic, 0, 100, 100);
	snprintf(rule, sizeof(rule), "EIO all %s\n", c->brokers[0].logdir);
	ck_assert(harness_write_file(fault, rule) == 0);
	/* The next write of the dir trips it: an append, or at the latest the
	 * next checkpoint. */
	test_produce_range(c, topic, 0, 100, 10, 100, NULL, NULL, "message.timeout.ms", "3000",
	                   NULL);
	t0046_exit_t e = { c->brokers[0].pid, 0 };
	ck_assert_msg(test_wait_until(t0046_exited, &e, 30000),
	              "the broker kept running with every log dir offline");
	test_say("broker exited: %s %d", WIFEXITED(e.status) ? "status" : "signal",
	         WIFEXITED(e.status) ? WEXITSTATUS(e.status) : WTERMSIG(e.status));
	ck_assert_msg(WIFEXITED(e.status) && WEXITSTATUS(e.status) == 3, "expected exit status 3");
	c->brokers[0].pid = 0;
	unlink(fault);
	test_cluster_destroy(c);
}
END_TEST

void test_0046(TCase *tc)
{
	tcase_add_test(tc, t0046_log_dir_failure);
	tcase_add_test(tc, t0046_all_dirs_failed);
}
