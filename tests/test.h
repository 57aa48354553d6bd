/*
 * test.h — fjord's librdkafka-style test harness on Check.
 *
 * Owner: tests/. Every numbered test is one file tests/NNNN-name.c that
 * defines   void test_NNNN(TCase *tc)   which adds its Check test functions
 * to the TCase it is given (one TCase per numbered test, named after it).
 * tests/tests.def is the one registry: TEST(NNNN, "name", FLAGS, timeout_s).
 *
 * Flags: T_LOCAL (needs no cluster), T_QUICK, T_CLUSTER (starts a private
 * cluster it may kill), T_MANUAL (only when named in TEST_ONLY).
 * Filters from the environment: TEST_ONLY=0001,0012 TESTS_SKIP=...
 * TEST_QUICK=1 TEST_LOCAL_ONLY=1; TEST_TIMEOUT_MULTIPLIER scales timeouts
 * (raised automatically under sanitizers).
 *
 * The runner's main() starts one shared cluster (a real ZooKeeper and three
 * real fjordd) before Check forks the tests, unless every selected test is
 * T_LOCAL. No ZooKeeper handle or SDK client may exist in the runner process
 * before the fork: create clients inside the test.
 */
#ifndef FJORD_TEST_H
#define FJORD_TEST_H

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "fjord.h"

#define T_LOCAL 0x1
#define T_QUICK 0x2
#define T_CLUSTER 0x4
#define T_MANUAL 0x8

/* Logs to stderr with the test name and elapsed time; flushes. */
void test_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Timeout multiplier (>= 1). Scale every deadline with it. */
double test_timeout_multiplier(void);
int64_t test_now_ms(void); /* monotonic */

/* Directory for this test's scratch files (mkdtemp under the run dir;
 * removed at the end of a passing run). */
const char *test_tmpdir(void);

/* ------------------------------------------------------------ clusters */

#define TEST_MAX_BROKERS 5

typedef struct test_broker {
	int id;        /* broker.id */
	pid_t pid;     /* 0 when not running */
	int port;      /* bound client port */
	int http_port; /* bound /metrics and /health port */
	char logdir[512];
	char props[512];  /* its server.properties */
	char extra[1024]; /* extra "key=value\n" lines given at start */
} test_broker_t;

typedef struct test_cluster {
	pid_t zk_pid;
	int zk_port;
	char zk_connect[256]; /* "127.0.0.1:PORT/chroot" — what clients use */
	char zk_hosts[128];   /* "127.0.0.1:PORT" without chroot */
	char chroot[64];
	char dir[512];
	int broker_cnt;
	test_broker_t brokers[TEST_MAX_BROKERS];
	int shared; /* 1: the runner's shared cluster (do not kill) */
} test_cluster_t;

/* The shared cluster (ZooKeeper + 3 brokers), started by the runner. */
test_cluster_t *test_shared_cluster(void);
/* A private cluster under its own chroot of the shared ZooKeeper (or its own
 * ZooKeeper when the runner has none): n brokers, each started with the
 * extra properties (may be NULL, "key=value\n..." lines). Waits until all
 * are registered. broker_cnt 0: only the chroot and dir (for tests that start
 * fjordd themselves). Stopped and removed by test_cluster_destroy(). */
test_cluster_t *test_cluster_new(int broker_cnt, const char *extra_props);
void test_cluster_destroy(test_cluster_t *c);
/* The bound port of listener `name` of broker i (from its ports file,
 * "listener.<NAME>.port=N"); a Check failure when it has none. */
int test_listener_port(test_cluster_t *c, int i, const char *name);
/* Kill broker i (index into brokers[]) with sig, and reap it when the
 * signal is fatal (SIGKILL, SIGTERM: waits for exit). */
void test_broker_kill(test_cluster_t *c, int i, int sig);
/* Restart broker i with the same log dir and config; waits until it is
 * registered in ZooKeeper again. */
void test_broker_restart(test_cluster_t *c, int i);
/* Runs fjordd once in the foreground on the props file at props_path (plus
 * args, a NULL-terminated list, may be NULL) and expects it to exit by
 * itself within timeout_ms (scaled): returns its exit code and its output
 * (stdout+stderr, malloc'd) in *outputp. A broker still running at the
 * deadline is killed and -1 returned. For start-up failure tests. */
int test_fjordd_run_expect_exit(const char *props_path, const char *const *args, char **outputp,
                                int timeout_ms);

/* ------------------------------------------------------------ helpers */

/* Unique per test and call: "t<NNNN>_<pid>_<counter>_<suffix>". */
const char *test_topic_name(const char *suffix);
/* A conf with zookeeper.connect of cluster c and the given extra
 * "name=value" pairs (NULL-terminated); asserts on bad properties. */
fjord_conf_t *test_conf(test_cluster_t *c, ...);
/* Creates a topic through the admin API and waits until every partition has
 * a leader known to every broker. */
void test_create_topic(test_cluster_t *c, const char *topic, int partitions, int rf);
/* test_create_topic() through an admin with extra "name", "value" pairs
 * (NULL-terminated), e.g. zookeeper.auth. */
void test_create_topic_conf(test_cluster_t *c, const char *topic, int partitions, int rf, ...);
/* Produces cnt records to each of the partitions (partition -1: let the
 * partitioner choose) with keys "testid=NNNN, partition=P, msg=SEQ" and
 * waits for all delivery reports; asserts every record was acknowledged. */
void test_produce_msgs(test_cluster_t *c, const char *topic, int32_t partition, int cnt,
                       size_t value_size);
/* Creates a producer (extra "name", "value" pairs, NULL-terminated) on
 * cluster c; asserts it was created. */
fjord_t *test_producer_new(test_cluster_t *c, ...);
/* Creates a consumer with enable.partition.eof=false plus the extra pairs;
 * asserts it was created. */
fjord_t *test_consumer_new(test_cluster_t *c, ...);

/* Message verifier: collects consumed records whose keys have the
 * test_produce_msgs() shape and checks count, order per partition (the
 * sequence numbers written to a partition arrive in increasing order),
 * duplicates and contiguous offsets. */
typedef struct test_msgver test_msgver_t;
test_msgver_t *test_msgver_new(int partition_cnt);
/* Adds one record; records that are not this test's are counted as foreign
 * (a failure in verify). */
void test_msgver_add(test_msgver_t *mv, const fjord_message_t *msg);
int test_msgver_cnt(const test_msgver_t *mv);
/* Offsets [from, to] of partition are known to be unreadable (a corrupt
 * range the test seeks past): a jump over exactly them is not a gap. */
void test_msgver_expect_gap(test_msgver_t *mv, int partition, int64_t from, int64_t to);
/* Asserts (ck_assert) that exactly expected_cnt records were seen, none
 * twice, in order per partition with contiguous offsets. Frees mv. */
void test_msgver_verify(test_msgver_t *mv, const char *what, int expected_cnt);
/* Frees mv without verifying (a test that only counts records). NULL is a
 * no-op. */
void test_msgver_destroy(test_msgver_t *mv);
/* Assigns all partition_cnt partitions of topic starting at start_offset
 * (FJORD_OFFSET_BEGINNING, ...) on a new consumer and polls until
 * expected_cnt records were added to mv or timeout_ms (scaled) passed;
 * returns how many records were consumed. */
int test_consume_msgs(test_cluster_t *c, const char *topic, int partition_cnt, int64_t start_offset,
                      int expected_cnt, test_msgver_t *mv, int timeout_ms);

/* Produces the records numbered first..first+cnt-1 (keys as
 * test_produce_msgs(), so a verifier sees one increasing sequence across
 * calls) with extra producer properties ("name", "value" pairs,
 * NULL-terminated) and waits for every delivery report. Returns how many
 * were acknowledged; the failures in *failedp and the first failure's error
 * in *first_errp (either may be NULL). Does not assert on failures. */
int test_produce_range(test_cluster_t *c, const char *topic, int32_t partition, int first, int cnt,
                       size_t value_size, int *failedp, fjord_err_t *first_errp, ...);

/* test_produce_msgs() with extra producer properties ("name", "value" pairs,
 * NULL-terminated), e.g. "compression.type", "zstd". */
void test_produce_msgs_conf(test_cluster_t *c, const char *topic, int32_t partition, int cnt,
                            size_t value_size, ...);

/* Waits until pred(arg) returns nonzero or the (scaled) deadline passes.
 * Returns 1 when it held, 0 on timeout. */
int test_wait_until(int (*pred)(void *arg), void *arg, int timeout_ms);
/* Runs zkCli.sh against cluster c with one command; returns its stdout
 * (malloc'd, caller frees) and exit status in *statusp. */
char *test_zkcli(test_cluster_t *c, const char *cmd, int *statusp);
/* Runs a shell command (e.g. the CLI); captures stdout+stderr (malloc'd) and
 * the exit code. */
char *test_run(const char *cmd, int *exitp);
/* The fjord CLI against cluster c, output (stdout+stderr, malloc'd) and exit
 * code as test_run, the command logged with test_say. test_cli runs
 * `fjord -z ZK --timeout 15000 ARGS`; test_cli_sh runs a shell line in which
 * $F is `fjord --timeout 15000` and FJORD_ZOOKEEPER names c (for pipelines:
 * "printf 'a\\n' | $F produce t"). Both assert the command could be run. */
char *test_cli(test_cluster_t *c, int *exitp, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
char *test_cli_sh(test_cluster_t *c, int *exitp, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Paths to the built binaries (absolute). */
const char *test_fjordd_path(void);
const char *test_cli_path(void);

/* A TCP proxy in front of cluster c's ZooKeeper (tests/zk_proxy.c): SDK
 * handles given test_zkproxy_connect() as zookeeper.connect lose ZooKeeper
 * when the test says so, the brokers keep theirs. Modes: PASS; CUT (every
 * connection closed, new ones refused); REFUSE_NEW (only reconnects of an
 * existing session pass, so a client learns its session expired but cannot
 * open a new one). */
enum { TEST_ZKPROXY_PASS = 0, TEST_ZKPROXY_CUT = 1, TEST_ZKPROXY_REFUSE_NEW = 2 };
typedef struct test_zkproxy test_zkproxy_t;
test_zkproxy_t *test_zkproxy_new(test_cluster_t *c);
/* "127.0.0.1:PORT/chroot": the proxy with c's chroot. */
const char *test_zkproxy_connect(const test_zkproxy_t *p);
void test_zkproxy_set_mode(test_zkproxy_t *p, int mode);
/* New sessions refused so far (REFUSE_NEW). */
int test_zkproxy_refused(test_zkproxy_t *p);
/* 1 when the server (`dump`) lists none of the sessions it granted
 * through the proxy: they expired. */
int test_zkproxy_sessions_gone(test_zkproxy_t *p);
void test_zkproxy_destroy(test_zkproxy_t *p);

/* Every numbered test's entry point, declared from the registry, so each
 * test file's test_NNNN() has its prototype. */
#define TEST(num, name, flags, secs) void test_##num(TCase *tc);
#include "tests.def"
#undef TEST

#endif /* FJORD_TEST_H */
