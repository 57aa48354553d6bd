/*
 * 0082-topic-config-live — topic config overrides written to
 * /config/topics/<t> while the brokers run take effect without a restart,
 * whether an operator writes them with the real zkCli.sh or with
 * `fjord topic alter`. Private cluster of 3 brokers whose retention check
 * runs every 200 ms; every topic has RF=3, so "every replica" is every
 * broker's log dir.
 *
 *  a. zkCli `set` adds retention.ms=1 to a topic with many small segments:
 *     every replica deletes all but its active segment, the log start
 *     offset moves.
 *  b. zkCli lowers segment.bytes of a topic still in its first segment:
 *     later appends roll at the new size (leader segments after the first
 *     are no larger than it; followers roll too).
 *  d. zkCli adds retention.bytes: every replica keeps only a few segments.
 *  e. `fjord topic alter --config` sets segment.bytes and then retention.ms
 *     (segments roll, then get deleted on every replica); `--delete-config`
 *     brings back the broker defaults (the active segment grows past the old
 *     segment.bytes); --format json; a bad key, a bad value and an unknown
 *     topic exit 1 with a message naming them and leave the znode unchanged;
 *     a missing argument exits 2; an invalid config written by hand with
 *     zkCli is refused by an alter that would keep it and repaired by one
 *     that replaces and deletes its keys.
 *  c. With one broker stopped (ISR 2 of 3), zkCli raises min.insync.replicas
 *     to 3: acks=all produce fails with NOT_ENOUGH_REPLICAS; lowered to 2
 *     it succeeds again.
 * Every change is followed by a wait for its effect (no fixed sleeps): a
 * broker applies it when its watch on the config znode fires.
 * T_CLUSTER: it stops a broker.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness_int.h"
#include "repl_util.h"
#include "test.h"

#define T0082_MAX_SEGS 512

/* The segment files of one replica, in base-offset order. */
typedef struct t0082_segs {
	int cnt; /* -1: no partition directory (yet) */
	int64_t size[T0082_MAX_SEGS];
	int64_t total;
} t0082_segs_t;

static int t0082_is_log(const struct dirent *e)
{
	return strlen(e->d_name) == 24 && !strcmp(e->d_name + 20, ".log");
}

static void t0082_segments(const test_cluster_t *c, int i, const char *topic, t0082_segs_t *s)
{
	struct dirent **ents = NULL;
	char dir[1024], path[1400];
	struct stat st;
	int n, k;

	memset(s, 0, sizeof(*s));
	ck_assert(harness_path(dir, sizeof(dir), "%s/%s-0", c->brokers[i].logdir, topic) == 0);
	n = scandir(dir, &ents, t0082_is_log, alphasort);
	if (n < 0) {
		s->cnt = -1;
		return;
	}
	for (k = 0; k < n; k++) {
		if (s->cnt < T0082_MAX_SEGS) {
			snprintf(path, sizeof(path), "%s/%s", dir, ents[k]->d_name);
			s->size[s->cnt] = stat(path, &st) == 0 ? (int64_t)st.st_size : 0;
			s->total += s->size[s->cnt];
			s->cnt++;
		}
		free(ents[k]);
	}
	free(ents);
}

/* Predicate argument: every running broker's replica of topic has between
 * min and max segment files. */
typedef struct t0082_cnt_arg {
	test_cluster_t *c;
	const char *topic;
	int min, max;
} t0082_cnt_arg_t;

static int t0082_cnt_pred(void *arg)
{
	t0082_cnt_arg_t *a = arg;
	t0082_segs_t s;

	for (int i = 0; i < a->c->broker_cnt; i++) {
		if (!a->c->brokers[i].pid)
			continue;
		t0082_segments(a->c, i, a->topic, &s);
		if (s.cnt < a->min || s.cnt > a->max)
			return 0;
	}
	return 1;
}

static void t0082_wait_segments(test_cluster_t *c, const char *topic, int min, int max,
                                const char *why)
{
	t0082_cnt_arg_t a = { c, topic, min, max };
	t0082_segs_t s;

	if (test_wait_until(t0082_cnt_pred, &a, 30000))
		return;
	for (int i = 0; i < c->broker_cnt; i++) {
		t0082_segments(c, i, topic, &s);
		test_say("broker %d: %s-0 has %d segment(s), %lld bytes", c->brokers[i].id, topic,
		         s.cnt, (long long)s.total);
	}
	ck_abort_msg("%s: not every replica of %s-0 came to %d..%d segments", why, topic, min, max);
}

/* Runs zkCli.sh and asserts it succeeded; returns its output (caller frees). */
static char *t0082_zkcli(test_cluster_t *c, const char *cmd)
{
	int status = -1;
	char *out = test_zkcli(c, cmd, &status);

	ck_assert_msg(out && status == 0, "zkCli.sh %s: exit %d: %s", cmd, status,
	              out ? out : "(no output)");
	return out;
}

/* `set /config/topics/<t> '{"version":1,"config":{<inner>}}'` with zkCli. */
static void t0082_zk_set_config(test_cluster_t *c, const char *topic, const char *inner)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "set /config/topics/%s '{\"version\":1,\"config\":{%s}}'", topic,
	         inner);
	test_say("zkCli.sh %s", cmd);
	free(t0082_zkcli(c, cmd));
}

/* The config znode's JSON line as zkCli `get` prints it (malloc'd). */
static char *t0082_zk_get_config(test_cluster_t *c, const char *topic)
{
	char cmd[512], *out, *line, *end;

	snprintf(cmd, sizeof(cmd), "get /config/topics/%s", topic);
	out = t0082_zkcli(c, cmd);
	line = strstr(out, "{\"version\"");
	ck_assert_msg(line, "zkCli %s printed no config: %s", cmd, out);
	end = strchr(line, '\n');
	line = strndup(line, end ? (size_t)(end - line) : strlen(line));
	free(out);
	return line;
}

/* Runs `fjord -z <cluster> <args>`; returns its output, exit code in *exitp. */
static char *t0082_cli(test_cluster_t *c, const char *args, int *exitp)
{
	char *cmd = NULL, *out;

	ck_assert(asprintf(&cmd, "%s -z %s %s", test_cli_path(), c->zk_connect, args) > 0);
	out = test_run(cmd, exitp);
	test_say("fjord %s -> exit %d: %s", args, *exitp, out ? out : "");
	free(cmd);
	ck_assert(out);
	return out;
}

static void t0082_produce(test_cluster_t *c, const char *topic, int cnt)
{
	/* ~150-byte records in batches of at most 1 KiB: many small appends. */
	test_produce_msgs_conf(c, topic, 0, cnt, 100, "linger.ms", "1", "batch.size", "1024", NULL);
}

static int64_t t0082_log_start(fjord_t *admin, const char *topic)
{
	int64_t lo = -1, hi = -1;

	ck_assert_int_eq(fjord_query_watermark_offsets(admin, topic, 0, &lo, &hi, 5000), 0);
	return lo;
}

/* ------------------------------------------------------------ a, b, d */

static void t0082_retention_ms(test_cluster_t *c, fjord_t *admin)
{
	const char *topic = test_topic_name("ret-ms");
	const char *const configs[] = { "segment.bytes", "4096", NULL };

	repl_create_topic(c, topic, 1, 3, configs);
	t0082_produce(c, topic, 300);
	t0082_wait_segments(c, topic, 4, T0082_MAX_SEGS, "(a) before retention.ms");
	ck_assert_int_eq(t0082_log_start(admin, topic), 0);
	t0082_zk_set_config(c, topic, "\"segment.bytes\":\"4096\",\"retention.ms\":\"1\"");
	t0082_wait_segments(c, topic, 1, 1, "(a) retention.ms=1");
	ck_assert_msg(t0082_log_start(admin, topic) > 0, "(a) the log start offset did not move");
	test_say("(a) retention.ms applied live: one segment left on every replica, log start %lld",
	         (long long)t0082_log_start(admin, topic));
}

/* Predicate for b: the leader's replica has at least want segments. */
typedef struct t0082_roll_arg {
	test_cluster_t *c;
	const char *topic;
	int leader_idx;
	int want;
} t0082_roll_arg_t;

static int t0082_roll_pred(void *arg)
{
	t0082_roll_arg_t *a = arg;
	t0082_segs_t s;

	t0082_segments(a->c, a->leader_idx, a->topic, &s);
	if (s.cnt >= a->want)
		return 1;
	t0082_produce(a->c, a->topic, 20);
	return 0;
}

static void t0082_segment_bytes(test_cluster_t *c, fjord_t *admin)
{
	const char *topic = test_topic_name("seg-bytes");
	repl_pstate_t ps;
	t0082_segs_t s;

	repl_create_topic(c, topic, 1, 3, NULL);
	t0082_produce(c, topic, 50);
	ck_assert_int_eq(repl_pstate_get(admin, topic, 0, &ps), 0);
	t0082_roll_arg_t a = { c, topic, repl_broker_index(c, ps.leader), 5 };
	t0082_segments(c, a.leader_idx, topic, &s);
	ck_assert_msg(s.cnt == 1 && s.total > 2048, "(b) %s-0 has %d segments of %lld bytes", topic,
	              s.cnt, (long long)s.total);

	t0082_zk_set_config(c, topic, "\"segment.bytes\":\"2048\"");
	/* Produces small batches until the leader has rolled 4 times. */
	ck_assert_msg(test_wait_until(t0082_roll_pred, &a, 60000),
	              "(b) the leader never rolled at segment.bytes=2048");
	t0082_segments(c, a.leader_idx, topic, &s);
	/* The first segment predates the change; every later one was rolled at
	 * 2048 bytes (a segment holds at least one batch, and batches are <= 1 KiB
	 * plus overhead, so a full one stays under 2048 + 1 batch). */
	for (int k = 1; k < s.cnt - 1; k++)
		ck_assert_msg(s.size[k] <= 2048, "(b) leader segment %d is %lld bytes", k,
		              (long long)s.size[k]);
	/* Followers append what they fetch in chunks; they roll too. */
	t0082_wait_segments(c, topic, 2, T0082_MAX_SEGS, "(b) followers roll");
	test_say("(b) segment.bytes applied live: the leader has %d segments", s.cnt);
}

static void t0082_retention_bytes(test_cluster_t *c, fjord_t *admin)
{
	const char *topic = test_topic_name("ret-bytes");
	const char *const configs[] = { "segment.bytes", "4096", NULL };

	repl_create_topic(c, topic, 1, 3, configs);
	t0082_produce(c, topic, 400);
	t0082_wait_segments(c, topic, 8, T0082_MAX_SEGS, "(d) before retention.bytes");
	t0082_zk_set_config(c, topic, "\"segment.bytes\":\"4096\",\"retention.bytes\":\"8192\"");
	/* The oldest segment goes while the others hold >= 8192 bytes: of
	 * segments of at most 4096 bytes (plus a batch on followers) three or
	 * four stay, down from eight or more. */
	t0082_wait_segments(c, topic, 1, 4, "(d) retention.bytes=8192");
	ck_assert_msg(t0082_log_start(admin, topic) > 0, "(d) the log start offset did not move");
	test_say("(d) retention.bytes applied live, log start %lld",
	         (long long)t0082_log_start(admin, topic));
}

/* ------------------------------------------------------------ e: the CLI */

typedef struct t0082_grow_arg {
	test_cluster_t *c;
	const char *topic;
	int leader_idx;
} t0082_grow_arg_t;

/* The leader's active segment grew past 8192 bytes: segment.bytes=4096 no
 * longer applies. Produces a little more each time it is not yet true. */
static int t0082_grow_pred(void *arg)
{
	t0082_grow_arg_t *a = arg;
	t0082_segs_t s;

	t0082_segments(a->c, a->leader_idx, a->topic, &s);
	if (s.cnt > 0 && s.size[s.cnt - 1] > 8192)
		return 1;
	t0082_produce(a->c, a->topic, 20);
	return 0;
}

static void t0082_cli_alter(test_cluster_t *c, fjord_t *admin)
{
	const char *topic = test_topic_name("cli");
	char args[1024], *out, *before, *after;
	repl_pstate_t ps;
	int ex = -1;

	repl_create_topic(c, topic, 1, 3, NULL);

	snprintf(args, sizeof(args), "topic alter %s --config segment.bytes=4096", topic);
	out = t0082_cli(c, args, &ex);
	ck_assert_msg(ex == 0 && strstr(out, "CONFIGS: segment.bytes=4096"), "(e) %s", out);
	free(out);
	before = t0082_zk_get_config(c, topic);
	ck_assert_msg(strstr(before, "\"segment.bytes\":\"4096\""), "(e) znode: %s", before);
	t0082_produce(c, topic, 300);
	t0082_wait_segments(c, topic, 4, T0082_MAX_SEGS, "(e) segment.bytes via the CLI");

	snprintf(args, sizeof(args), "topic alter %s --config retention.ms=1", topic);
	out = t0082_cli(c, args, &ex);
	ck_assert_msg(ex == 0 && strstr(out, "retention.ms=1") && strstr(out, "segment.bytes=4096"),
	              "(e) %s", out);
	free(out);
	t0082_wait_segments(c, topic, 1, 1, "(e) retention.ms via the CLI");
	free(before);
	before = t0082_zk_get_config(c, topic);

	/* Refused changes: exit 1, the message names what is wrong, nothing
	 * written (a good key given beside a bad one is not written either). */
	snprintf(args, sizeof(args), "topic alter %s --config flush.ms=10 --config no.such.key=1",
	         topic);
	out = t0082_cli(c, args, &ex);
	ck_assert_msg(ex == 1 && strstr(out, "no.such.key"), "(e) bad key: exit %d: %s", ex, out);
	free(out);
	snprintf(args, sizeof(args), "topic alter %s --config retention.ms=soon", topic);
	out = t0082_cli(c, args, &ex);
	ck_assert_msg(ex == 1 && strstr(out, "retention.ms") && strstr(out, "soon"),
	              "(e) bad value: exit %d: %s", ex, out);
	free(out);
	snprintf(args, sizeof(args), "topic alter %s --delete-config retention.minutes", topic);
	out = t0082_cli(c, args, &ex);
	ck_assert_msg(ex == 1 && strstr(out, "retention.minutes"), "(e) bad delete: exit %d: %s",
	              ex, out);
	free(out);
	after = t0082_zk_get_config(c, topic);
	ck_assert_msg(!strcmp(before, after), "(e) a refused change was written: %s -> %s", before,
	              after);
	free(after);
	out = t0082_cli(c, "topic alter no-such-topic-0082 --config retention.ms=1", &ex);
	ck_assert_msg(ex == 1 && strstr(out, "no-such-topic-0082") && strstr(out, "does not exist"),
	              "(e) unknown topic: exit %d: %s", ex, out);
	free(out);
	snprintf(args, sizeof(args), "topic alter %s", topic);
	out = t0082_cli(c, args, &ex);
	ck_assert_msg(ex == 2, "(e) no change given: exit %d: %s", ex, out);
	free(out);

	/* JSON output. */
	snprintf(args, sizeof(args), "topic alter %s --config max.message.bytes=200000 -f json",
	         topic);
	out = t0082_cli(c, args, &ex);
	ck_assert_msg(ex == 0 && strstr(out, "\"max.message.bytes\": \"200000\"") &&
	                  strstr(out, "\"retention.ms\": \"1\""),
	              "(e) json: %s", out);
	free(out);

	/* Back to the broker defaults (1 GiB segments, 168 h retention). */
	snprintf(args, sizeof(args),
	         "topic alter %s --delete-config retention.ms --delete-config segment.bytes "
	         "--delete-config max.message.bytes",
	         topic);
	out = t0082_cli(c, args, &ex);
	ck_assert_msg(ex == 0 && strstr(out, "CONFIGS: (none)"), "(e) delete-config: %s", out);
	free(out);
	after = t0082_zk_get_config(c, topic);
	ck_assert_msg(strstr(after, "\"config\":{}") || strstr(after, "\"config\": {}"),
	              "(e) znode after --delete-config: %s", after);
	free(after);
	free(before);
	ck_assert_int_eq(repl_pstate_get(admin, topic, 0, &ps), 0);
	t0082_grow_arg_t g = { c, topic, repl_broker_index(c, ps.leader) };
	ck_assert_msg(test_wait_until(t0082_grow_pred, &g, 60000),
	              "(e) segment.bytes=4096 still applies after --delete-config");

	/* An invalid config written by hand is not carried along by an alter
	 * that leaves it in place; one that replaces and deletes it repairs it. */
	t0082_zk_set_config(c, topic, "\"retention.ms\":\"soon\",\"no.such.key\":\"1\"");
	snprintf(args, sizeof(args), "topic alter %s --config flush.ms=1000", topic);
	out = t0082_cli(c, args, &ex);
	ck_assert_msg(ex == 1 && strstr(out, "current config") &&
	                  (strstr(out, "retention.ms") || strstr(out, "no.such.key")),
	              "(e) alter over an invalid config: exit %d: %s", ex, out);
	free(out);
	snprintf(args, sizeof(args),
	         "topic alter %s --config retention.ms=86400000 --delete-config no.such.key",
	         topic);
	out = t0082_cli(c, args, &ex);
	ck_assert_msg(ex == 0 && strstr(out, "CONFIGS: retention.ms=86400000\n"),
	              "(e) repairing alter: exit %d: %s", ex, out);
	free(out);
	test_say("(e) fjord topic alter: set, refused, json and delete-config all behave");
}

/* ------------------------------------------------------------ c: min.insync */

typedef struct t0082_prod {
	atomic_int reports;
	atomic_int last_err;
} t0082_prod_t;

static void t0082_dr_cb(fjord_t *fj, const fjord_message_t *msg, void *opaque)
{
	t0082_prod_t *st = opaque;

	(void)fj;
	atomic_store(&st->last_err, (int)msg->err);
	atomic_fetch_add(&st->reports, 1);
}

typedef struct t0082_want_arg {
	fjord_t *p;
	t0082_prod_t *st;
	const char *topic;
	fjord_err_t want;
	int seq;
} t0082_want_arg_t;

static int t0082_reported_pred(void *arg)
{
	t0082_want_arg_t *a = arg;
	return atomic_load(&a->st->reports) >= a->seq;
}

/* Produces one record with acks=all and no retries and waits for its
 * delivery report: true when it carries the wanted error. */
static int t0082_produce_is(void *arg)
{
	t0082_want_arg_t *a = arg;
	char key[96];
	int klen = snprintf(key, sizeof(key), "testid=0082, partition=0, msg=%d", a->seq);

	ck_assert_int_eq(
	    fjord_produce(a->p, a->topic, 0, key, (size_t)klen, "v", 1, NULL, 0, 0, NULL),
	    FJORD_ERR_NO_ERROR);
	a->seq++;
	ck_assert_msg(test_wait_until(t0082_reported_pred, a, 20000), "(c) no delivery report");
	return atomic_load(&a->st->last_err) == (int)a->want;
}

static void t0082_min_insync(test_cluster_t *c, fjord_t *admin)
{
	const char *topic = test_topic_name("min-isr");
	char errstr[512] = "";
	t0082_prod_t st;
	repl_pstate_t ps;
	int32_t victim = -1;

	repl_create_topic(c, topic, 1, 3, NULL);
	ck_assert_int_eq(repl_pstate_get(admin, topic, 0, &ps), 0);
	for (int k = 0; k < ps.replica_cnt; k++)
		if (ps.replicas[k] != ps.leader)
			victim = ps.replicas[k];
	test_broker_kill(c, repl_broker_index(c, victim), SIGTERM);
	int64_t deadline = test_now_ms() + (int64_t)(30000 * test_timeout_multiplier());
	while ((repl_pstate_get(admin, topic, 0, &ps) < 0 || ps.isr_cnt != 2) &&
	       test_now_ms() < deadline)
		harness_sleep_ms(100);
	ck_assert_msg(ps.isr_cnt == 2, "(c) the ISR did not shrink to 2 after stopping broker %d",
	              (int)victim);

	atomic_init(&st.reports, 0);
	atomic_init(&st.last_err, 0);
	fjord_conf_t *conf = test_conf(c, "acks", "all", "retries", "0", "linger.ms", "0",
	                               "message.timeout.ms", "15000", NULL);
	fjord_conf_set_dr_msg_cb(conf, t0082_dr_cb);
	fjord_conf_set_opaque(conf, &st);
	fjord_t *p = fjord_new(FJORD_PRODUCER, conf, errstr, sizeof(errstr));
	ck_assert_msg(p, "producer: %s", errstr);
	t0082_want_arg_t a = { p, &st, topic, FJORD_ERR_NO_ERROR, 0 };
	ck_assert_msg(t0082_produce_is(&a),
	              "(c) acks=all with ISR 2 and the default min.insync: %s",
	              fjord_err2name((fjord_err_t)atomic_load(&st.last_err)));

	t0082_zk_set_config(c, topic, "\"min.insync.replicas\":\"3\"");
	a.want = FJORD_ERR_NOT_ENOUGH_REPLICAS;
	ck_assert_msg(test_wait_until(t0082_produce_is, &a, 30000),
	              "(c) min.insync.replicas=3 with ISR 2: produce never got NOT_ENOUGH_REPLICAS "
	              "(last: %s)",
	              fjord_err2name((fjord_err_t)atomic_load(&st.last_err)));
	test_say("(c) min.insync.replicas=3 applied live: NOT_ENOUGH_REPLICAS");

	t0082_zk_set_config(c, topic, "\"min.insync.replicas\":\"2\"");
	a.want = FJORD_ERR_NO_ERROR;
	ck_assert_msg(test_wait_until(t0082_produce_is, &a, 30000),
	              "(c) min.insync.replicas=2 with ISR 2: produce never succeeded (last: %s)",
	              fjord_err2name((fjord_err_t)atomic_load(&st.last_err)));
	test_say("(c) min.insync.replicas=2 applied live: acks=all produce succeeds");
	fjord_destroy(p);
}

START_TEST(t0082_config_live)
{
	test_cluster_t *c =
	    test_cluster_new(3, REPL_BROKER_PROPS "log.retention.check.interval.ms=200\n");
	fjord_t *admin = repl_admin_new(c);

	t0082_retention_ms(c, admin);
	t0082_segment_bytes(c, admin);
	t0082_retention_bytes(c, admin);
	t0082_cli_alter(c, admin);
	t0082_min_insync(c, admin);
	fjord_destroy(admin);
	test_cluster_destroy(c);
}
END_TEST

void test_0082(TCase *tc)
{
	tcase_add_test(tc, t0082_config_live);
}
