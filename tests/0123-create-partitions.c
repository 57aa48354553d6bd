/*
 * 0123-create-partitions — adding partitions to a topic: Kafka's
 * CreatePartitions (api 37) on the Kafka listener spoken by hand
 * (tests/kproto.h), the CLI's `topic alter --partitions` (the SDK's
 * fjord_admin_create_partitions), against real ZooKeeper and real brokers.
 *
 * t0123_kafka (three brokers with a KAFKA listener):
 *   - a topic of 2 partitions, RF 2, with 20 records in partition 0;
 *   - CreatePartitions v0 grows it to 5 (error 0): the controller gives
 *     partitions 2-4 leaders, each has 2 distinct replicas, partitions 0
 *     and 1 keep theirs;
 *   - 5 -> 3 and 5 -> 5 answer INVALID_PARTITIONS with a message, an
 *     unknown topic UNKNOWN_TOPIC_OR_PARTITION, a manual assignment and
 *     validate_only INVALID_REQUEST with a message; a topic named twice
 *     INVALID_REQUEST; the count stays 5 through all of them;
 *   - v1 (same layout) grows it to 6 next to an unknown topic in the same
 *     request: one result each, in order;
 *   - 40 records produced through the SDK to partition 4 and 10 to
 *     partition 5 are all read back with the 20 of partition 0 (counted
 *     against what was acknowledged, offsets contiguous);
 *   - kcat -L sees 6 partitions, all with leaders;
 *   - the CLI: `topic alter --partitions 4` grows a 2-partition topic
 *     (prints PARTITIONS: 4), 3 is refused (exit 1, "cannot shrink",
 *     INVALID_PARTITIONS), 4 again is refused ("already has"), 0 is a usage
 *     error (exit 2), --help lists --partitions.
 * t0123_acl (one broker, AclAuthorizer, User:ANONYMOUS not a super user):
 *   CreatePartitions answers TOPIC_AUTHORIZATION_FAILED and adds nothing;
 *   once Allow Alter on the topic is added (admin API) it grows the topic.
 * t0123_refusals (ZooKeeper alone, no broker, so no controller acts on what
 *   zkCli.sh writes): the CLI refuses a topic whose replication factor is
 *   above the live brokers (INVALID_REPLICATION_FACTOR), a malformed
 *   assignment znode (INVALID_PARTITIONS), any change while
 *   /admin/reassign_partitions exists (REASSIGNMENT_IN_PROGRESS) and a topic
 *   queued for deletion (INVALID_TOPIC); the assignment is unchanged after.
 * Private clusters.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness_int.h"
#include "kproto.h"
#include "rawproto.h"
#include "test.h"

#define T0123_KAFKA                                                                                \
	"listeners=PLAINTEXT://127.0.0.1:0,KAFKA://127.0.0.1:0\n"                                  \
	"kafka.listener.names=KAFKA\n"

#define T0123_CREATE_PARTITIONS 37
#define T0123_INVALID_PARTITIONS 37
#define T0123_INVALID_REQUEST 42
#define T0123_UNKNOWN_TOPIC 3
#define T0123_TOPIC_AUTHZ 29

/* One topic of a CreatePartitions request. */
typedef struct t0123_req {
	const char *topic;
	int32_t count;
	int manual; /* one assignment entry: [first broker] per new partition */
} t0123_req_t;

/* One result of a CreatePartitions answer. */
typedef struct t0123_res {
	char name[256];
	int16_t err;
	char msg[512];
	int has_msg;
} t0123_res_t;

/* CreatePartitions v on fd for n topics; fills res (n entries, checked
 * by name and order). */
static void t0123_cp(int fd, int16_t v, const t0123_req_t *req, int n, int validate_only,
                     t0123_res_t *res)
{
	kw_writer_t w;
	kw_reader_t r;
	arena_t ar;
	uint8_t *body;
	int32_t cnt;

	arena_init(&ar, 0);
	kww_init(&w);
	kww_i32(&w, n);
	for (int i = 0; i < n; i++) {
		kww_str(&w, req[i].topic);
		kww_i32(&w, req[i].count);
		if (req[i].manual) {
			kww_i32(&w, 1);
			kww_i32(&w, 1);
			kww_i32(&w, 1);
		} else {
			kww_i32(&w, -1);
		}
	}
	kww_i32(&w, 30000);
	kww_i8(&w, (int8_t)validate_only);
	body = kp_call(fd, T0123_CREATE_PARTITIONS, v, &w, &r);
	ck_assert_int_eq(kwr_i32(&r), 0); /* throttle_time_ms */
	cnt = kwr_array(&r, 6, 0);
	ck_assert_int_eq(cnt, n);
	for (int i = 0; i < n; i++) {
		const char *name = kwr_str(&r, &ar, 0), *msg;
		res[i].err = kwr_i16(&r);
		msg = kwr_str(&r, &ar, 1);
		ck_assert_msg(name && !strcmp(name, req[i].topic), "result %d names %s, not %s", i,
		              name ? name : "(null)", req[i].topic);
		snprintf(res[i].name, sizeof(res[i].name), "%s", name);
		snprintf(res[i].msg, sizeof(res[i].msg), "%s", msg ? msg : "");
		res[i].has_msg = msg != NULL;
		test_say("CreatePartitions v%d %s -> %d: error %d %s", v, req[i].topic,
		         (int)req[i].count, res[i].err, res[i].msg);
	}
	ck_assert_msg(!r.err && kwr_left(&r) == 0, "CreatePartitions v%d answer does not decode",
	              v);
	free(body);
	kww_free(&w);
	arena_free(&ar);
}

/* One topic, v0 unless told: its error; the message in msg. */
static int16_t t0123_cp1(int fd, int16_t v, const char *topic, int32_t count, int manual,
                         int validate_only, char *msg, size_t msg_size)
{
	t0123_req_t req = { topic, count, manual };
	t0123_res_t res;

	t0123_cp(fd, v, &req, 1, validate_only, &res);
	if (msg)
		snprintf(msg, msg_size, "%s", res.msg);
	return res.err;
}

/* The topic's metadata from ZooKeeper (SDK): caller frees. */
static fjord_metadata_t *t0123_md(test_cluster_t *c, const char *topic)
{
	fjord_t *fj = test_producer_new(c, NULL);
	fjord_metadata_t *md = NULL;

	ck_assert_int_eq(fjord_metadata(fj, topic, &md, 10000), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(md->topic_cnt, 1);
	fjord_destroy(fj);
	return md;
}

static int t0123_count(test_cluster_t *c, const char *topic)
{
	fjord_metadata_t *md = t0123_md(c, topic);
	int n = md->topics[0].partition_cnt;

	fjord_metadata_destroy(md);
	return n;
}

typedef struct t0123_wait {
	test_cluster_t *c;
	const char *topic;
	int want;
} t0123_wait_t;

/* want partitions, every one with a leader. */
static int t0123_grown(void *arg)
{
	t0123_wait_t *w = arg;
	fjord_metadata_t *md = t0123_md(w->c, w->topic);
	int ok = md->topics[0].partition_cnt == w->want;

	for (int i = 0; ok && i < w->want; i++)
		ok = md->topics[0].partitions[i].leader >= 0;
	fjord_metadata_destroy(md);
	return ok;
}

static void t0123_wait_grown(test_cluster_t *c, const char *topic, int want)
{
	t0123_wait_t w = { c, topic, want };
	ck_assert_msg(test_wait_until(t0123_grown, &w, 30000),
	              "%s did not get %d partitions with leaders", topic, want);
}

/* The CLI with -z of c: its output (caller frees) and exit code. */
static char *t0123_cli(test_cluster_t *c, const char *args, int *exitp)
{
	char *cmd = NULL, *out;

	ck_assert(asprintf(&cmd, "%s -z %s %s", test_cli_path(), c->zk_connect, args) > 0);
	out = test_run(cmd, exitp);
	test_say("fjord %s: exit %d: %s", args, *exitp, out ? out : "");
	free(cmd);
	return out ? out : strdup("");
}

START_TEST(t0123_kafka)
{
	test_cluster_t *c = test_cluster_new(3, T0123_KAFKA);
	const char *topic = test_topic_name("grow");
	const char *unknown = test_topic_name("nosuch");
	char msg[512], *cmd = NULL, *out, args[512], bs[200];
	int32_t old_replicas[2][2];
	fjord_metadata_t *md;
	t0123_res_t res[2];
	int fd, st = -1;

	test_create_topic(c, topic, 2, 2);
	test_produce_msgs(c, topic, 0, 20, 16);
	md = t0123_md(c, topic);
	for (int p = 0; p < 2; p++) {
		ck_assert_int_eq(md->topics[0].partitions[p].replica_cnt, 2);
		memcpy(old_replicas[p], md->topics[0].partitions[p].replicas,
		       sizeof(old_replicas[p]));
	}
	fjord_metadata_destroy(md);
	fd = raw_connect(test_listener_port(c, 0, "KAFKA"));
	ck_assert_int_ge(fd, 0);

	/* v0: 2 -> 5. */
	ck_assert_int_eq(t0123_cp1(fd, 0, topic, 5, 0, 0, msg, sizeof(msg)), 0);
	t0123_wait_grown(c, topic, 5);
	md = t0123_md(c, topic);
	for (int p = 0; p < 5; p++) {
		const fjord_metadata_partition_t *mp = &md->topics[0].partitions[p];
		ck_assert_int_eq(mp->replica_cnt, 2);
		ck_assert_int_ne(mp->replicas[0], mp->replicas[1]);
		if (p < 2)
			ck_assert_msg(mp->replicas[0] == old_replicas[p][0] &&
			                  mp->replicas[1] == old_replicas[p][1],
			              "partition %d's replicas changed", p);
	}
	fjord_metadata_destroy(md);

	/* Refusals: nothing changes. */
	ck_assert_int_eq(t0123_cp1(fd, 0, topic, 3, 0, 0, msg, sizeof(msg)),
	                 T0123_INVALID_PARTITIONS);
	ck_assert_msg(strstr(msg, "has 5 partitions") && strstr(msg, "cannot shrink"), "%s", msg);
	ck_assert_int_eq(t0123_cp1(fd, 0, topic, 5, 0, 0, msg, sizeof(msg)),
	                 T0123_INVALID_PARTITIONS);
	ck_assert_msg(strstr(msg, "already has 5 partitions"), "%s", msg);
	ck_assert_int_eq(t0123_cp1(fd, 0, unknown, 3, 0, 0, msg, sizeof(msg)), T0123_UNKNOWN_TOPIC);
	ck_assert_msg(strstr(msg, "does not exist"), "%s", msg);
	ck_assert_int_eq(t0123_cp1(fd, 0, topic, 6, 1, 0, msg, sizeof(msg)), T0123_INVALID_REQUEST);
	ck_assert_msg(strstr(msg, "manual replica assignments are not supported"), "%s", msg);
	ck_assert_int_eq(t0123_cp1(fd, 0, topic, 6, 0, 1, msg, sizeof(msg)), T0123_INVALID_REQUEST);
	ck_assert_msg(strstr(msg, "validate_only"), "%s", msg);
	{
		t0123_req_t twice[2] = { { topic, 6, 0 }, { topic, 7, 0 } };
		t0123_cp(fd, 0, twice, 2, 0, res);
		ck_assert_int_eq(res[0].err, T0123_INVALID_REQUEST);
		ck_assert_int_eq(res[1].err, T0123_INVALID_REQUEST);
	}
	ck_assert_int_eq(t0123_count(c, topic), 5);

	/* v1: 5 -> 6 next to an unknown topic. */
	{
		t0123_req_t two[2] = { { unknown, 2, 0 }, { topic, 6, 0 } };
		t0123_cp(fd, 1, two, 2, 0, res);
		ck_assert_int_eq(res[0].err, T0123_UNKNOWN_TOPIC);
		ck_assert_int_eq(res[1].err, 0);
		ck_assert_int_eq(res[1].has_msg, 0);
	}
	t0123_wait_grown(c, topic, 6);
	close(fd);

	/* The new partitions take records; all are read back. */
	test_produce_msgs(c, topic, 4, 40, 16);
	test_produce_msgs(c, topic, 5, 10, 16);
	{
		test_msgver_t *mv = test_msgver_new(6);
		int got = test_consume_msgs(c, topic, 6, FJORD_OFFSET_BEGINNING, 70, mv, 30000);
		test_say("read %d of the 70 acknowledged records", got);
		test_msgver_verify(mv, "grown topic", 70);
	}

	/* kcat (librdkafka) sees the new count. */
	snprintf(bs, sizeof(bs), "127.0.0.1:%d", test_listener_port(c, 0, "KAFKA"));
	ck_assert(asprintf(&cmd, "timeout 60 kcat -b %s -L -t %s", bs, topic) > 0);
	out = test_run(cmd, &st);
	test_say("kcat -L: %s", out ? out : "");
	ck_assert_int_eq(st, 0);
	ck_assert_msg(out && strstr(out, "with 6 partitions"), "kcat -L: %s", out ? out : "");
	ck_assert_ptr_null(strstr(out, "leader -1"));
	free(out);
	free(cmd);

	/* The CLI. */
	{
		const char *t2 = test_topic_name("cli");
		test_create_topic(c, t2, 2, 1);
		snprintf(args, sizeof(args), "topic alter %s --partitions 4", t2);
		out = t0123_cli(c, args, &st);
		ck_assert_msg(st == 0 && strstr(out, "PARTITIONS: 4"), "%s", out);
		free(out);
		t0123_wait_grown(c, t2, 4);
		snprintf(args, sizeof(args), "topic alter %s --partitions 3", t2);
		out = t0123_cli(c, args, &st);
		ck_assert_msg(st == 1 && strstr(out, "cannot shrink") &&
		                  strstr(out, "INVALID_PARTITIONS"),
		              "%s", out);
		free(out);
		snprintf(args, sizeof(args), "topic alter %s -p 4", t2);
		out = t0123_cli(c, args, &st);
		ck_assert_msg(st == 1 && strstr(out, "already has 4 partitions"), "%s", out);
		free(out);
		snprintf(args, sizeof(args), "topic alter %s --partitions 0", t2);
		out = t0123_cli(c, args, &st);
		ck_assert_msg(st == 2 && strstr(out, "--partitions"), "%s", out);
		free(out);
		out = t0123_cli(c, "topic alter --help", &st);
		ck_assert_msg(st == 0 && strstr(out, "--partitions N"), "%s", out);
		free(out);
		ck_assert_int_eq(t0123_count(c, t2), 4);
	}
	test_cluster_destroy(c);
}
END_TEST

typedef struct t0123_authz_wait {
	int fd;
	const char *topic;
	int16_t err;
} t0123_authz_wait_t;

static int t0123_allowed(void *arg)
{
	t0123_authz_wait_t *aw = arg;
	aw->err = t0123_cp1(aw->fd, 0, aw->topic, 3, 0, 0, NULL, 0);
	return aw->err != T0123_TOPIC_AUTHZ;
}

START_TEST(t0123_acl)
{
	test_cluster_t *c = test_cluster_new(
	    1, T0123_KAFKA "authorizer.class.name=kafka.security.authorizer.AclAuthorizer\n"
	                   "super.users=User:admin\n");
	const char *topic = test_topic_name("acl");
	char msg[512], errstr[512] = "";
	t0123_authz_wait_t aw;
	int fd, changed = -1;

	/* Through ZooKeeper (test_create_topic asks brokers, which would need
	 * Describe). */
	{
		fjord_t *admin = fjord_new(FJORD_ADMIN, test_conf(c, NULL), errstr, sizeof(errstr));
		ck_assert_msg(admin, "%s", errstr);
		ck_assert_int_eq(fjord_admin_create_topic(admin, topic, 1, 1, NULL,
		                                          (int)(30000 * test_timeout_multiplier()),
		                                          errstr, sizeof(errstr)),
		                 FJORD_ERR_NO_ERROR);
		fjord_destroy(admin);
	}
	fd = raw_connect(test_listener_port(c, 0, "KAFKA"));
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(t0123_cp1(fd, 0, topic, 3, 0, 0, msg, sizeof(msg)), T0123_TOPIC_AUTHZ);
	ck_assert_msg(strstr(msg, "Alter"), "%s", msg);
	ck_assert_int_eq(t0123_count(c, topic), 1);

	{
		fjord_acl_t a = { FJORD_ACL_TOPIC,
			          (char *)topic,
			          (char *)"User:ANONYMOUS",
			          (char *)"*",
			          (char *)"Alter",
			          0,
			          NULL };
		fjord_t *admin = fjord_new(FJORD_ADMIN, test_conf(c, NULL), errstr, sizeof(errstr));
		ck_assert_msg(admin, "%s", errstr);
		ck_assert_int_eq(
		    fjord_admin_acl_add(admin, &a, 1, &changed, errstr, sizeof(errstr)),
		    FJORD_ERR_NO_ERROR);
		ck_assert_int_eq(changed, 1);
		fjord_destroy(admin);
	}
	aw.fd = fd;
	aw.topic = topic;
	aw.err = -1;
	ck_assert_msg(test_wait_until(t0123_allowed, &aw, 20000),
	              "still TOPIC_AUTHORIZATION_FAILED after Allow Alter");
	ck_assert_int_eq(aw.err, 0);
	t0123_wait_grown(c, topic, 3);
	close(fd);
	test_cluster_destroy(c);
}
END_TEST

/* zkCli.sh one command on c; asserts it succeeded. */
static void t0123_zk(test_cluster_t *c, const char *cmd)
{
	int st = -1;

	free(test_zkcli(c, cmd, &st));
	ck_assert_msg(st == 0, "zkCli.sh %s: exit %d", cmd, st);
}

/* `topic alter NAME --partitions N` must exit 1 with want in its message. */
static void t0123_cli_refused(test_cluster_t *c, const char *topic, int n, const char *want)
{
	char args[400], *out;
	int st = -1;

	snprintf(args, sizeof(args), "topic alter %s --partitions %d", topic, n);
	out = t0123_cli(c, args, &st);
	ck_assert_msg(st == 1 && strstr(out, want), "wanted exit 1 and \"%s\": %s", want, out);
	free(out);
}

START_TEST(t0123_refusals)
{
	test_cluster_t *c = test_cluster_new(0, NULL);
	const char *topic = test_topic_name("zk"), *bad = test_topic_name("bad");
	test_cluster_t *root = malloc(sizeof(*root));
	char cmd[600], *out;
	int st = -1;

	/* A cluster without brokers has no chroot yet: made from the root. */
	ck_assert_ptr_nonnull(root);
	*root = *c;
	snprintf(root->zk_connect, sizeof(root->zk_connect), "%s", c->zk_hosts);
	snprintf(cmd, sizeof(cmd), "create %s ''", c->chroot);
	t0123_zk(root, cmd);
	free(root);
	t0123_zk(c, "create /brokers ''");
	t0123_zk(c, "create /brokers/topics ''");
	snprintf(cmd, sizeof(cmd),
	         "create /brokers/topics/%s '{\"version\":1,\"partitions\":{\"0\":[1]}}'", topic);
	t0123_zk(c, cmd);
	snprintf(cmd, sizeof(cmd), "create /brokers/topics/%s notjson", bad);
	t0123_zk(c, cmd);
	t0123_cli_refused(c, topic, 2, "live brokers (0) (INVALID_REPLICATION_FACTOR)");
	t0123_cli_refused(c, bad, 2, "is malformed");
	t0123_zk(c, "create /admin ''");
	t0123_zk(c, "create /admin/reassign_partitions '{\"version\":1,\"partitions\":[]}'");
	t0123_cli_refused(c, topic, 2, "REASSIGNMENT_IN_PROGRESS");
	t0123_zk(c, "delete /admin/reassign_partitions");
	t0123_zk(c, "create /admin/delete_topics ''");
	snprintf(cmd, sizeof(cmd), "create /admin/delete_topics/%s ''", topic);
	t0123_zk(c, cmd);
	t0123_cli_refused(c, topic, 2, "is queued for deletion (INVALID_TOPIC)");
	/* Nothing was written. */
	snprintf(cmd, sizeof(cmd), "get /brokers/topics/%s", topic);
	out = test_zkcli(c, cmd, &st);
	ck_assert_msg(st == 0 && out && strstr(out, "{\"version\":1,\"partitions\":{\"0\":[1]}}"),
	              "%s", out ? out : "");
	free(out);
	test_cluster_destroy(c);
}
END_TEST

void test_0123(TCase *tc)
{
	tcase_add_test(tc, t0123_kafka);
	tcase_add_test(tc, t0123_acl);
	tcase_add_test(tc, t0123_refusals);
}
