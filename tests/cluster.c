/*
 * cluster.c — ZooKeeper + fjordd clusters for the tests.
 *
 * The shared cluster is started by the runner before Check forks any test:
 * one ZooKeeper (zk_server.c) and three brokers under the chroot
 * /fjord-shared. Tests must not kill its brokers (shared = 1).
 * A private cluster (test_cluster_new) is started inside a test child under
 * its own chroot of the shared ZooKeeper (or its own ZooKeeper when the
 * runner has none, e.g. under TEST_ONLY of a T_CLUSTER test with CK_FORK=no).
 *
 * A broker i of cluster c lives in c->dir/broker-<id>/: server.properties,
 * data/ (log.dirs), ports (the --ports-file fjordd writes atomically as
 * "port=N\nhttp.port=M\n") and broker.log (its stdout and stderr; the runner
 * prints the tails of every *.log when a test fails). It is ready when the
 * ports file exists, /ready answers 200 and, in a test child, its
 * /brokers/ids/<id> znode exists (read with a ZooKeeper C handle, which is
 * never opened in the runner before the fork).
 *
 * Ownership: the shared cluster is a static of this file; private clusters
 * are malloc'd by test_cluster_new and freed by test_cluster_destroy.
 *
 * Leaks: in a sanitizer build LeakSanitizer checks a broker when it exits
 * normally (after SIGTERM; never after SIGKILL) and makes it exit with
 * HARNESS_SANITIZER_EXITCODE, its report in broker.log. Every SIGTERM stop
 * here looks for that status: test_broker_kill and test_cluster_destroy fail
 * the test, harness_shared_stop makes the runner fail.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#define THREADED 1 /* the synchronous API of libzookeeper_mt */
#include <zookeeper/zookeeper.h>

#include "harness_int.h"
#include "test.h"

#define CLUSTER_BROKER_READY_MS 60000

static test_cluster_t cluster_shared;
static harness_zk_t cluster_zk; /* the runner's ZooKeeper */
static int cluster_shared_up;
static unsigned cluster_private_seq;

test_cluster_t *test_shared_cluster(void)
{
	ck_assert_msg(cluster_shared_up && cluster_shared.broker_cnt > 0,
	              "no shared cluster (is this test wrongly flagged T_LOCAL/T_CLUSTER?)");
	return &cluster_shared;
}

static void cluster_broker_paths(test_cluster_t *c, int i, char *dir, size_t size)
{
	snprintf(dir, size, "%s/broker-%d", c->dir, c->brokers[i].id);
}

/* Parses fjordd's ports file. 0 when both ports were found. */
static int cluster_read_ports(const char *path, int *portp, int *httpp)
{
	char *text = harness_read_file(path, NULL);
	int rc = -1;
	*portp = *httpp = 0;
	if (!text)
		return -1;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int v = 0;
		if (sscanf(line, "http.port=%d", &v) == 1)
			*httpp = v;
		else if (sscanf(line, "port=%d", &v) == 1)
			*portp = v;
	}
	if (*portp > 0 && *httpp > 0)
		rc = 0;
	free(text);
	return rc;
}

/* In a test child only: does path exist under c's chroot? 1 yes, 0 no,
 * -1 could not ask. */
static int cluster_zk_exists(test_cluster_t *c, const char *path)
{
	zhandle_t *zh;
	int rc = -1;
	int64_t deadline = test_now_ms() + 10000;

	zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
	zh = zookeeper_init(c->zk_connect, NULL, 10000, NULL, NULL, 0);
	if (!zh)
		return -1;
	while (zoo_state(zh) != ZOO_CONNECTED_STATE && test_now_ms() < deadline)
		harness_sleep_ms(10);
	if (zoo_state(zh) == ZOO_CONNECTED_STATE) {
		struct Stat st;
		int r = zoo_exists(zh, path, 0, &st);
		rc = r == ZOK ? 1 : r == ZNONODE ? 0 : -1;
	}
	zookeeper_close(zh);
	return rc;
}

/* Registered in ZooKeeper? Asked only where a ZooKeeper handle is allowed;
 * in the runner /ready (registered + first snapshot) stands for it. */
static int cluster_broker_registered(test_cluster_t *c, const test_broker_t *b)
{
	char path[64];
	if (!harness_clients_allowed())
		return 1;
	snprintf(path, sizeof(path), "/brokers/ids/%d", b->id);
	return cluster_zk_exists(c, path) == 1;
}

static int cluster_write_props(test_cluster_t *c, int i)
{
	test_broker_t *b = &c->brokers[i];
	char dir[600];
	char *text = NULL;
	int rc = -1;

	cluster_broker_paths(c, i, dir, sizeof(dir));
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -1;
	if (harness_path(b->logdir, sizeof(b->logdir), "%s/data", dir) < 0 ||
	    harness_path(b->props, sizeof(b->props), "%s/server.properties", dir) < 0)
		return -1;
	if (asprintf(&text,
	             "# written by the fjord test harness\n"
	             "broker.id=%d\nlisteners=PLAINTEXT://127.0.0.1:0\nlog.dirs=%s\n"
	             "zookeeper.connect=%s\nhttp.listener=127.0.0.1:0\n"
	             "zookeeper.session.timeout.ms=6000\n%s%s",
	             b->id, b->logdir, c->zk_connect, b->extra,
	             (b->extra[0] && b->extra[strlen(b->extra) - 1] != '\n') ? "\n" : "") < 0)
		return -1;
	rc = harness_write_file(b->props, text);
	free(text);
	return rc;
}

int harness_broker_start(test_cluster_t *c, int i)
{
	test_broker_t *b = &c->brokers[i];
	char dir[600], ports[700], log[700];
	int64_t deadline;
	int st = 0;

	cluster_broker_paths(c, i, dir, sizeof(dir));
	if (cluster_write_props(c, i) < 0) {
		fprintf(stderr, "harness: cannot write %s\n", b->props);
		return -1;
	}
	snprintf(ports, sizeof(ports), "%s/ports", dir);
	snprintf(log, sizeof(log), "%s/broker.log", dir);
	unlink(ports);
	char *argv[] = { (char *)test_fjordd_path(), b->props, "--ports-file", ports, NULL };
	b->pid = harness_spawn(argv, log);
	if (b->pid < 0) {
		b->pid = 0;
		return -1;
	}
	deadline = test_now_ms() + (int64_t)(CLUSTER_BROKER_READY_MS * test_timeout_multiplier());
	while (test_now_ms() < deadline) {
		if (!harness_child_alive(b->pid, &st)) {
			fprintf(stderr, "harness: broker %d exited during start-up (%s %d)\n",
			        b->id, WIFSIGNALED(st) ? "signal" : "status",
			        WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
			harness_print_tail(log, 30);
			b->pid = 0;
			return -1;
		}
		if (cluster_read_ports(ports, &b->port, &b->http_port) == 0 &&
		    harness_http_get(b->http_port, "/ready", NULL, 2000) == 200 &&
		    cluster_broker_registered(c, b))
			return 0;
		harness_sleep_ms(50);
	}
	fprintf(stderr, "harness: broker %d not ready in time (ports file %s)\n", b->id, ports);
	harness_print_tail(log, 30);
	harness_child_stop(b->pid, SIGKILL, 5000);
	b->pid = 0;
	return -1;
}

/* Fills c's ZooKeeper fields for chroot on the ZooKeeper at zk_port. */
static void cluster_set_zk(test_cluster_t *c, pid_t zk_pid, int zk_port, const char *chroot)
{
	c->zk_pid = zk_pid;
	c->zk_port = zk_port;
	snprintf(c->chroot, sizeof(c->chroot), "%s", chroot);
	snprintf(c->zk_hosts, sizeof(c->zk_hosts), "127.0.0.1:%d", zk_port);
	snprintf(c->zk_connect, sizeof(c->zk_connect), "127.0.0.1:%d%s", zk_port, chroot);
}

/* 1 (and says so on stderr) when wait status st of broker i of c is the
 * sanitizers' exit status: a leak at exit (or an ASan/UBSan error). */
static int cluster_broker_leaked(const test_cluster_t *c, int i, int st)
{
	if (!WIFEXITED(st) || WEXITSTATUS(st) != HARNESS_SANITIZER_EXITCODE)
		return 0;
	fprintf(stderr,
	        "harness: broker %d exited with status %d: a sanitizer report, e.g. "
	        "leaks (in %s/broker-%d/broker.log)\n",
	        c->brokers[i].id, HARNESS_SANITIZER_EXITCODE, c->dir, c->brokers[i].id);
	return 1;
}

/* SIGTERMs every running broker of c; returns how many of them leaked. */
static int cluster_stop_brokers(test_cluster_t *c)
{
	int leaked = 0;
	for (int i = 0; i < c->broker_cnt; i++) {
		if (c->brokers[i].pid > 0)
			leaked += cluster_broker_leaked(
			    c, i, harness_child_stop(c->brokers[i].pid, SIGTERM, 15000));
		c->brokers[i].pid = 0;
	}
	return leaked;
}

int harness_shared_start(int broker_cnt)
{
	test_cluster_t *c = &cluster_shared;
	int r = harness_zk_start(&cluster_zk, harness_run_dir());
	if (r < 0)
		return r;
	memset(c, 0, sizeof(*c));
	c->shared = 1;
	cluster_set_zk(c, cluster_zk.pid, cluster_zk.port, "/fjord-shared");
	snprintf(c->dir, sizeof(c->dir), "%s/shared", harness_run_dir());
	if (mkdir(c->dir, 0755) < 0 && errno != EEXIST)
		return -1;
	cluster_shared_up = 1;
	for (int i = 0; i < broker_cnt && i < TEST_MAX_BROKERS; i++) {
		c->brokers[i].id = i + 1;
		c->broker_cnt = i + 1;
		if (harness_broker_start(c, i) < 0)
			return -1;
	}
	if (broker_cnt > 0)
		fprintf(stderr,
		        "harness: shared cluster ready: zookeeper.connect=%s, brokers "
		        "127.0.0.1:%d,127.0.0.1:%d,127.0.0.1:%d\n",
		        c->zk_connect, c->brokers[0].port, broker_cnt > 1 ? c->brokers[1].port : 0,
		        broker_cnt > 2 ? c->brokers[2].port : 0);
	return 0;
}

int harness_shared_zk_port(void)
{
	return cluster_zk.pid > 0 ? cluster_zk.port : -1;
}

int harness_shared_stop(void)
{
	int leaked = cluster_stop_brokers(&cluster_shared);
	harness_zk_stop(&cluster_zk);
	cluster_shared_up = 0;
	return leaked;
}

void harness_shared_print_logs(int lines)
{
	if (cluster_shared.dir[0])
		harness_print_logs_below(cluster_shared.dir, lines);
}

test_cluster_t *test_cluster_new(int broker_cnt, const char *extra_props)
{
	test_cluster_t *c = calloc(1, sizeof(*c));
	char chroot[64];

	ck_assert_ptr_nonnull(c);
	ck_assert_msg(broker_cnt >= 0 && broker_cnt <= TEST_MAX_BROKERS,
	              "test_cluster_new: broker_cnt %d out of range", broker_cnt);
	snprintf(chroot, sizeof(chroot), "/t%s_%d_%u",
	         harness_current.num ? harness_current.num : "0000", (int)getpid(),
	         cluster_private_seq++);
	ck_assert(
	    harness_path(c->dir, sizeof(c->dir), "%s/cluster-%s", test_tmpdir(), chroot + 1) == 0);
	ck_assert_msg(mkdir(c->dir, 0755) == 0, "mkdir %s: %s", c->dir, strerror(errno));
	if (cluster_shared_up) {
		cluster_set_zk(c, 0, cluster_zk.port, chroot); /* zk_pid 0: not ours */
	} else {
		harness_zk_t zk;
		int r = harness_zk_start(&zk, c->dir);
		ck_assert_msg(r == 0, "cannot start a ZooKeeper for the private cluster");
		cluster_set_zk(c, zk.pid, zk.port, chroot);
	}
	c->broker_cnt = broker_cnt;
	for (int i = 0; i < broker_cnt; i++) {
		c->brokers[i].id = i + 1;
		if (extra_props)
			snprintf(c->brokers[i].extra, sizeof(c->brokers[i].extra), "%s",
			         extra_props);
		int r = harness_broker_start(c, i);
		ck_assert_msg(r == 0,
		              "broker %d of the private cluster did not start (log: %s/broker-%d/"
		              "broker.log)",
		              c->brokers[i].id, c->dir, c->brokers[i].id);
	}
	test_say("private cluster %s: %d broker(s) ready", c->zk_connect, broker_cnt);
	return c;
}

void test_cluster_destroy(test_cluster_t *c)
{
	if (!c || c->shared)
		return;
	int leaked = cluster_stop_brokers(c);
	if (c->zk_pid > 0) {
		harness_zk_t zk = { .pid = c->zk_pid, .port = c->zk_port };
		harness_zk_stop(&zk);
	}
	free(c);
	ck_assert_msg(leaked == 0,
	              "%d broker(s) of the private cluster leaked memory "
	              "(LeakSanitizer report in their broker.log)",
	              leaked);
}

void test_broker_kill(test_cluster_t *c, int i, int sig)
{
	ck_assert_msg(!c->shared, "tests must not kill the shared cluster's brokers");
	ck_assert_msg(i >= 0 && i < c->broker_cnt, "no broker index %d", i);
	test_broker_t *b = &c->brokers[i];
	ck_assert_msg(b->pid > 0, "broker %d is not running", b->id);
	if (sig == SIGKILL || sig == SIGTERM || sig == SIGINT) {
		int st = harness_child_stop(b->pid, sig, 30000);
		test_say("broker %d stopped by signal %d (%s %d)", b->id, sig,
		         WIFSIGNALED(st) ? "signal" : "exit",
		         WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
		b->pid = 0;
		ck_assert_msg(!cluster_broker_leaked(c, i, st),
		              "broker %d leaked memory "
		              "(LeakSanitizer report in its broker.log)",
		              b->id);
	} else {
		ck_assert_msg(kill(b->pid, sig) == 0, "kill %d: %s", (int)b->pid, strerror(errno));
	}
}

void test_broker_restart(test_cluster_t *c, int i)
{
	ck_assert_msg(!c->shared, "tests must not restart the shared cluster's brokers");
	ck_assert_msg(i >= 0 && i < c->broker_cnt, "no broker index %d", i);
	if (c->brokers[i].pid > 0)
		test_broker_kill(c, i, SIGTERM);
	ck_assert_msg(harness_broker_start(c, i) == 0, "broker %d did not restart",
	              c->brokers[i].id);
	test_say("broker %d restarted on port %d", c->brokers[i].id, c->brokers[i].port);
}

char *test_zkcli(test_cluster_t *c, const char *cmd, int *statusp)
{
	char *shell = NULL;
	char *out;
	/* stdout only: ZooKeeperMain's log lines go to stderr. The command is
	 * spliced into a shell line, so quote JSON arguments in it. */
	if (asprintf(&shell,
	             "CLIENT_JVMFLAGS='-XX:TieredStopAtLevel=1 -XX:+UseSerialGC' "
	             "ZOO_LOG4J_PROP=ERROR,CONSOLE /usr/share/zookeeper/bin/zkCli.sh -server %s %s "
	             "2>/dev/null",
	             c->zk_connect, cmd) < 0)
		return NULL;
	out = test_run(shell, statusp);
	free(shell);
	return out;
}

int test_fjordd_run_expect_exit(const char *props_path, const char *const *args, char **outputp,
                                int timeout_ms)
{
	char log[700];
	const char *argv[16];
	int n = 0;
	int st = 0;
	int rc = -1;
	int64_t deadline;

	snprintf(log, sizeof(log), "%s/fjordd-run-%d-%lld.out", test_tmpdir(), (int)getpid(),
	         (long long)test_now_ms());
	argv[n++] = test_fjordd_path();
	argv[n++] = props_path;
	for (int i = 0; args && args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	pid_t pid = harness_spawn((char *const *)argv, log);
	ck_assert_msg(pid > 0, "cannot start %s", test_fjordd_path());
	deadline = test_now_ms() + (int64_t)(timeout_ms * test_timeout_multiplier());
	while (test_now_ms() < deadline) {
		if (!harness_child_alive(pid, &st)) {
			rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			break;
		}
		harness_sleep_ms(20);
	}
	if (rc < 0) {
		test_say("fjordd %s still running after %d ms: killing it", props_path, timeout_ms);
		harness_child_stop(pid, SIGKILL, 5000);
	}
	if (outputp) {
		*outputp = harness_read_file(log, NULL);
		if (!*outputp)
			*outputp = strdup("");
	}
	return rc;
}

int test_listener_port(test_cluster_t *c, int i, const char *name)
{
	char path[700], key[80];
	int port;

	ck_assert(
	    harness_path(path, sizeof(path), "%s/broker-%d/ports", c->dir, c->brokers[i].id) == 0);
	char *text = harness_read_file(path, NULL);
	ck_assert_msg(text, "no ports file %s", path);
	snprintf(key, sizeof(key), "listener.%s.port=", name);
	char *at = strstr(text, key);
	ck_assert_msg(at, "%s lacks %s: %s", path, key, text);
	port = atoi(at + strlen(key));
	free(text);
	ck_assert_int_gt(port, 0);
	return port;
}
