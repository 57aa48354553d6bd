/*
 * zk_server.c — a real, private ZooKeeper server for the tests.
 *
 * Started directly with Debian's jars (never the system zookeeper service):
 *   java -cp /etc/zookeeper/conf:/usr/share/java/zookeeper.jar \
 *        org.apache.zookeeper.server.ZooKeeperServerMain <dir>/zoo.cfg
 * zoo.cfg: a port found by binding to 0 on 127.0.0.1, clientPortAddress=
 * 127.0.0.1, admin.enableServer=false, forceSync=no, tickTime=200, all
 * four-letter words allowed, and a mkdtemp data dir. Ready when `srvr`
 * answers with a "Mode:" line. When the port was taken between our probe and
 * ZooKeeper's bind, it starts again on another port (a few tries).
 * The server's log goes to <dir>/zookeeper.log.
 *
 * Called by the runner (shared ZooKeeper) or, when the runner has none, by a
 * test child for its private cluster. The caller owns the process and stops
 * it with harness_zk_stop().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness_int.h"

#define ZK_JAR "/usr/share/java/zookeeper.jar"
#define ZK_CONF_DIR "/etc/zookeeper/conf"
#define ZK_START_TRIES 4

char *harness_zk_4lw(int port, const char *word)
{
	return harness_tcp_exchange(port, word, strlen(word), 2000);
}

static int zk_java_present(void)
{
	char *out;
	int ex = -1;

	if (access(ZK_JAR, R_OK) != 0) {
		fprintf(stderr, "harness: %s missing: install Debian's zookeeper package\n",
		        ZK_JAR);
		return 0;
	}
	out = test_run("command -v java", &ex);
	free(out);
	if (ex != 0) {
		fprintf(stderr, "harness: java not found: install default-jre-headless\n");
		return 0;
	}
	return 1;
}

/* One attempt on one port: 0 ready, -1 failed, -3 the port was taken. */
static int zk_start_once(harness_zk_t *zk)
{
	char cfg[700], data[700], log[700], logdir_arg[720], text[2048];
	int64_t deadline;

	snprintf(cfg, sizeof(cfg), "%s/zoo.cfg", zk->dir);
	snprintf(data, sizeof(data), "%s/data", zk->dir);
	snprintf(log, sizeof(log), "%s/zookeeper.log", zk->dir);
	snprintf(logdir_arg, sizeof(logdir_arg), "-Dzookeeper.log.dir=%s", zk->dir);
	snprintf(text, sizeof(text),
	         "tickTime=200\ninitLimit=10\nsyncLimit=5\ndataDir=%s\nclientPort=%d\n"
	         "clientPortAddress=127.0.0.1\nadmin.enableServer=false\nforceSync=no\n"
	         "4lw.commands.whitelist=*\nmaxClientCnxns=0\n",
	         data, zk->port);
	if (harness_write_file(cfg, text) < 0) {
		fprintf(stderr, "harness: cannot write %s\n", cfg);
		return -1;
	}
	char *argv[] = { "java",
		         "-Xms32m",
		         "-Xmx256m",
		         "-XX:+UseSerialGC",
		         "-XX:TieredStopAtLevel=1",
		         "-Dzookeeper.root.logger=INFO,CONSOLE",
		         logdir_arg,
		         "-cp",
		         ZK_CONF_DIR ":" ZK_JAR,
		         "org.apache.zookeeper.server.ZooKeeperServerMain",
		         cfg,
		         NULL };
	zk->pid = harness_spawn(argv, log);
	if (zk->pid < 0)
		return -1;

	deadline = test_now_ms() + (int64_t)(60000 * test_timeout_multiplier());
	while (test_now_ms() < deadline) {
		int st = 0;
		if (!harness_child_alive(zk->pid, &st)) {
			zk->pid = 0;
			char *l = harness_read_file(log, NULL);
			int clash = l && strstr(l, "Address already in use");
			free(l);
			if (clash)
				return -3;
			fprintf(stderr, "harness: ZooKeeper exited during start-up (status %d)\n",
			        st);
			harness_print_tail(log, 30);
			return -1;
		}
		char *r = harness_zk_4lw(zk->port, "srvr");
		int ready = r && strstr(r, "Mode:");
		free(r);
		if (ready)
			return 0;
		harness_sleep_ms(100);
	}
	fprintf(stderr, "harness: ZooKeeper did not answer srvr on port %d in time\n", zk->port);
	harness_print_tail(log, 30);
	harness_child_stop(zk->pid, SIGKILL, 5000);
	zk->pid = 0;
	return -1;
}

int harness_zk_start(harness_zk_t *zk, const char *parent_dir)
{
	memset(zk, 0, sizeof(*zk));
	if (!zk_java_present())
		return -2;
	snprintf(zk->dir, sizeof(zk->dir), "%s/zk-XXXXXX", parent_dir);
	if (!mkdtemp(zk->dir)) {
		fprintf(stderr, "harness: mkdtemp %s: %s\n", zk->dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < ZK_START_TRIES; i++) {
		zk->port = harness_free_port();
		if (zk->port <= 0)
			return -1;
		int r = zk_start_once(zk);
		if (r == 0) {
			fprintf(stderr,
			        "harness: ZooKeeper ready on 127.0.0.1:%d (pid %d, dir %s)\n",
			        zk->port, (int)zk->pid, zk->dir);
			return 0;
		}
		if (r != -3)
			return -1;
		fprintf(stderr, "harness: ZooKeeper port %d was taken; retrying\n", zk->port);
	}
	return -1;
}

void harness_zk_stop(harness_zk_t *zk)
{
	if (zk->pid > 0)
		harness_child_stop(zk->pid, SIGKILL, 10000);
	zk->pid = 0;
}
