/*
 * 0125-kafka-group-raw — the Kafka group coordinator spoken by hand: kwire
 * built requests over TCP to real brokers (two, each with a KAFKA
 * listener) and real ZooKeeper.
 *
 * t0125_state_machine: FindCoordinator on both brokers names the same
 * broker at its KAFKA port; the other broker answers NOT_COORDINATOR;
 * member A joins with JoinGroup v5 (MEMBER_ID_REQUIRED first, then
 * generation N as leader), syncs its own assignment, heartbeats; member B
 * joins (v3) and waits while A's heartbeat says REBALANCE_IN_PROGRESS; A
 * rejoins and both get generation N+1 (A the leader with both members'
 * metadata, B none); B's SyncGroup waits for the leader's, then each gets
 * its own assignment; a wrong generation is ILLEGAL_GENERATION, an unknown
 * member UNKNOWN_MEMBER_ID; OffsetCommit of 3 partitions is read back by
 * OffsetFetch and by zkCli (/consumers/<g>/offsets/<t>/<p>), and the
 * coordinator znode's JSON names the broker, the generation and the
 * members' assignments (ConsumerProtocol decoded); B leaves, A rejoins
 * alone (N+2). Then the coordinator broker is killed (SIGKILL): once its
 * session expires the other broker is named by FindCoordinator, a new
 * join there gets a generation above N+2, and the committed offsets are
 * still read back. ListGroups and DescribeGroups show the group.
 * t0125_versions: every advertised version of each API answers in its
 * layout: FindCoordinator 0-2, OffsetCommit 0-7 (simple commits, each read
 * back by OffsetFetch 1-5, and v2's null topics lists it), JoinGroup 0-5
 * with SyncGroup, Heartbeat and LeaveGroup at every version.
 * t0125_acl: with the AclAuthorizer and no ACLs, FindCoordinator and
 * JoinGroup get GROUP_AUTHORIZATION_FAILED; Describe on the group opens
 * FindCoordinator only, Read opens JoinGroup, and an OffsetCommit needs
 * Read on the topic too (TOPIC_AUTHORIZATION_FAILED before).
 * t0125_session_loss: the coordinator is frozen (SIGSTOP) until its
 * ZooKeeper session expires; the other broker is named by FindCoordinator
 * and a join there gets a higher generation; thawed, the deposed broker
 * refuses the old member's OffsetCommit (NOT_COORDINATOR: its version
 * check fails; or COORDINATOR_NOT_AVAILABLE while its ZooKeeper session is
 * being re-made) — nothing lands — and answers its heartbeats
 * NOT_COORDINATOR once it dropped its groups.
 * t0125_limits: group.min.session.timeout.ms / group.max.session.timeout.ms
 * give INVALID_SESSION_TIMEOUT, group.max.size=2 gives the third member
 * GROUP_MAX_SIZE_REACHED; FindCoordinator for transactions is
 * COORDINATOR_NOT_AVAILABLE; a JoinGroup for a group with fjord SDK members
 * (/consumers/<g>/ids children) is INCONSISTENT_GROUP_PROTOCOL.
 *
 * Without the coordinator (main before it) the first FindCoordinator
 * closes the connection, and the test fails there.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/kwire.h"
#include "harness_int.h"
#include "kproto.h"
#include "rawproto.h"
#include "test.h"

#define T0125_KAFKA                                                                                \
	"listeners=PLAINTEXT://127.0.0.1:0,KAFKA://127.0.0.1:0\n"                                  \
	"listener.security.protocol.map=PLAINTEXT:PLAINTEXT,KAFKA:PLAINTEXT\n"                     \
	"kafka.listener.names=KAFKA\n"                                                             \
	"zookeeper.session.timeout.ms=4000\n"                                                      \
	"group.min.session.timeout.ms=1000\n"                                                      \
	"group.max.session.timeout.ms=60000\n"

/* ------------------------------------------------------------ Kafka by hand */

/* Sends one request (tests/kproto.h: header v1, client id "fjord-test"). */
static void t0125_send(int fd, int16_t api, int16_t ver, int32_t corr, const kw_writer_t *body)
{
	ck_assert_msg(kp_send(fd, api, ver, corr, body) == 0, "send api %d: connection closed",
	              api);
}

typedef struct t0125_resp {
	uint8_t *buf;
	kw_reader_t r;
} t0125_resp_t;

/* Reads one response (its correlation id checked); the body in out->r. */
static void t0125_recv(int fd, int32_t corr, t0125_resp_t *out, const char *what)
{
	size_t n = 0;

	out->buf = kp_recv(fd, corr, &n, 30000);
	ck_assert_msg(out->buf, "%s: no answer (the broker closed the connection or timed out)",
	              what);
	kwr_init(&out->r, out->buf, n);
}

static void t0125_done(t0125_resp_t *rs)
{
	ck_assert_msg(!rs->r.err && kwr_left(&rs->r) == 0, "response does not decode whole");
	free(rs->buf);
}

/* FindCoordinator v2 → error; *node, *port. */
static int16_t t0125_find(int fd, const char *group, int8_t key_type, int32_t *node, int32_t *port)
{
	static int32_t corr = 1000;
	kw_writer_t b;
	t0125_resp_t rs;
	arena_t ar;
	int16_t err;

	kww_init(&b);
	kww_str(&b, group);
	kww_i8(&b, key_type);
	t0125_send(fd, 10, 2, ++corr, &b);
	kww_free(&b);
	t0125_recv(fd, corr, &rs, "FindCoordinator");
	arena_init(&ar, 0);
	(void)kwr_i32(&rs.r);
	err = kwr_i16(&rs.r);
	(void)kwr_str(&rs.r, &ar, 1);
	*node = kwr_i32(&rs.r);
	(void)kwr_str(&rs.r, &ar, 0);
	*port = kwr_i32(&rs.r);
	arena_free(&ar);
	t0125_done(&rs);
	return err;
}

/* A member's protocol metadata: ConsumerProtocol subscription v0 to topic. */
static void t0125_subscription(kw_writer_t *w, const char *topic)
{
	kw_writer_t m;
	kww_init(&m);
	kww_i16(&m, 0);
	kww_i32(&m, 1);
	kww_str(&m, topic);
	kww_bytes(&m, NULL, -1);
	kww_bytes(w, m.buf, (int32_t)m.len);
	kww_free(&m);
}

/* ConsumerProtocol assignment v0: topic, partitions. */
static void t0125_assignment(kw_writer_t *w, const char *topic, const int32_t *parts, int n)
{
	kw_writer_t m;
	kww_init(&m);
	kww_i16(&m, 0);
	kww_i32(&m, 1);
	kww_str(&m, topic);
	kww_i32(&m, n);
	for (int i = 0; i < n; i++)
		kww_i32(&m, parts[i]);
	kww_bytes(&m, NULL, -1);
	kww_bytes(w, m.buf, (int32_t)m.len);
	kww_free(&m);
}

static void t0125_join_send(int fd, int32_t corr, int16_t ver, const char *group,
                            const char *member, int32_t session_ms, const char *topic)
{
	kw_writer_t b;

	kww_init(&b);
	kww_str(&b, group);
	kww_i32(&b, session_ms);
	if (ver >= 1)
		kww_i32(&b, 20000); /* rebalance timeout */
	kww_str(&b, member);
	if (ver >= 5)
		kww_str(&b, NULL);
	kww_str(&b, "consumer");
	kww_i32(&b, 1);
	kww_str(&b, "range");
	t0125_subscription(&b, topic);
	t0125_send(fd, 11, ver, corr, &b);
	kww_free(&b);
}

typedef struct t0125_join {
	int16_t err;
	int32_t generation;
	char protocol[64], leader[256], member[256];
	int members;
} t0125_join_t;

static void t0125_join_recv(int fd, int32_t corr, int16_t ver, t0125_join_t *j)
{
	t0125_resp_t rs;
	arena_t ar;
	char *s;

	memset(j, 0, sizeof(*j));
	t0125_recv(fd, corr, &rs, "JoinGroup");
	arena_init(&ar, 0);
	if (ver >= 2)
		(void)kwr_i32(&rs.r);
	j->err = kwr_i16(&rs.r);
	j->generation = kwr_i32(&rs.r);
	s = kwr_str(&rs.r, &ar, 0);
	snprintf(j->protocol, sizeof(j->protocol), "%s", s ? s : "");
	s = kwr_str(&rs.r, &ar, 0);
	snprintf(j->leader, sizeof(j->leader), "%s", s ? s : "");
	s = kwr_str(&rs.r, &ar, 0);
	snprintf(j->member, sizeof(j->member), "%s", s ? s : "");
	j->members = kwr_array(&rs.r, 6, 0);
	for (int i = 0; i < j->members; i++) {
		int32_t len;
		(void)kwr_str(&rs.r, &ar, 0);
		if (ver >= 5)
			(void)kwr_str(&rs.r, &ar, 1);
		(void)kwr_bytes(&rs.r, &len, 0);
	}
	arena_free(&ar);
	t0125_done(&rs);
}

static void t0125_join(int fd, int16_t ver, const char *group, const char *member,
                       int32_t session_ms, const char *topic, t0125_join_t *j)
{
	static int32_t corr = 2000;
	t0125_join_send(fd, ++corr, ver, group, member, session_ms, topic);
	t0125_join_recv(fd, corr, ver, j);
}

/* SyncGroup v1 send: the leader gives assignments (a_member/b_member may be NULL). */
static void t0125_sync_send(int fd, int32_t corr, const char *group, int32_t gen,
                            const char *member, const char *topic, const char *a_member,
                            const int32_t *a_parts, int a_n, const char *b_member,
                            const int32_t *b_parts, int b_n)
{
	kw_writer_t b;

	kww_init(&b);
	kww_str(&b, group);
	kww_i32(&b, gen);
	kww_str(&b, member);
	kww_i32(&b, (a_member ? 1 : 0) + (b_member ? 1 : 0));
	if (a_member) {
		kww_str(&b, a_member);
		t0125_assignment(&b, topic, a_parts, a_n);
	}
	if (b_member) {
		kww_str(&b, b_member);
		t0125_assignment(&b, topic, b_parts, b_n);
	}
	t0125_send(fd, 14, 1, corr, &b);
	kww_free(&b);
}

/* SyncGroup v1 answer: error; *nparts partitions of the assignment. */
static int16_t t0125_sync_recv(int fd, int32_t corr, int *nparts)
{
	t0125_resp_t rs;
	int32_t len;
	const uint8_t *a;
	int16_t err;

	t0125_recv(fd, corr, &rs, "SyncGroup");
	(void)kwr_i32(&rs.r);
	err = kwr_i16(&rs.r);
	a = kwr_bytes(&rs.r, &len, 0);
	*nparts = -1;
	if (a && len > 0) {
		kw_reader_t r;
		arena_t ar;
		arena_init(&ar, 0);
		kwr_init(&r, a, (size_t)len);
		(void)kwr_i16(&r);
		ck_assert_int_eq(kwr_array(&r, 6, 0), 1);
		(void)kwr_str(&r, &ar, 0);
		*nparts = kwr_array(&r, 4, 0);
		arena_free(&ar);
	}
	t0125_done(&rs);
	return err;
}

/* Heartbeat v1 (or LeaveGroup v1 with gen < -1000). */
static int16_t t0125_simple(int fd, int16_t api, const char *group, int32_t gen, const char *member)
{
	static int32_t corr = 3000;
	kw_writer_t b;
	t0125_resp_t rs;
	int16_t err;

	kww_init(&b);
	kww_str(&b, group);
	if (api == 12)
		kww_i32(&b, gen);
	kww_str(&b, member);
	t0125_send(fd, api, 1, ++corr, &b);
	kww_free(&b);
	t0125_recv(fd, corr, &rs, api == 12 ? "Heartbeat" : "LeaveGroup");
	(void)kwr_i32(&rs.r);
	err = kwr_i16(&rs.r);
	t0125_done(&rs);
	return err;
}

static int16_t t0125_heartbeat(int fd, const char *group, int32_t gen, const char *member)
{
	return t0125_simple(fd, 12, group, gen, member);
}

/* OffsetCommit v2 of offsets[p] for partitions 0..n-1; returns the first
 * partition error (and checks every partition answered). */
static int16_t t0125_commit(int fd, const char *group, int32_t gen, const char *member,
                            const char *topic, const int64_t *offsets, int n)
{
	static int32_t corr = 4000;
	kw_writer_t b;
	t0125_resp_t rs;
	arena_t ar;
	int16_t first = 0;

	kww_init(&b);
	kww_str(&b, group);
	kww_i32(&b, gen);
	kww_str(&b, member);
	kww_i64(&b, -1);
	kww_i32(&b, 1);
	kww_str(&b, topic);
	kww_i32(&b, n);
	for (int i = 0; i < n; i++) {
		kww_i32(&b, i);
		kww_i64(&b, offsets[i]);
		kww_str(&b, "meta");
	}
	t0125_send(fd, 8, 2, ++corr, &b);
	kww_free(&b);
	t0125_recv(fd, corr, &rs, "OffsetCommit");
	arena_init(&ar, 0);
	ck_assert_int_eq(kwr_array(&rs.r, 6, 0), 1);
	(void)kwr_str(&rs.r, &ar, 0);
	ck_assert_int_eq(kwr_array(&rs.r, 6, 0), n);
	for (int i = 0; i < n; i++) {
		ck_assert_int_eq(kwr_i32(&rs.r), i);
		int16_t e = kwr_i16(&rs.r);
		if (e && !first)
			first = e;
	}
	arena_free(&ar);
	t0125_done(&rs);
	return first;
}

/* OffsetFetch v3 of partitions 0..n-1 into offsets[]. */
static void t0125_fetch(int fd, const char *group, const char *topic, int64_t *offsets, int n)
{
	static int32_t corr = 5000;
	kw_writer_t b;
	t0125_resp_t rs;
	arena_t ar;

	kww_init(&b);
	kww_str(&b, group);
	kww_i32(&b, 1);
	kww_str(&b, topic);
	kww_i32(&b, n);
	for (int i = 0; i < n; i++)
		kww_i32(&b, i);
	t0125_send(fd, 9, 3, ++corr, &b);
	kww_free(&b);
	t0125_recv(fd, corr, &rs, "OffsetFetch");
	arena_init(&ar, 0);
	(void)kwr_i32(&rs.r);
	ck_assert_int_eq(kwr_array(&rs.r, 6, 0), 1);
	(void)kwr_str(&rs.r, &ar, 0);
	ck_assert_int_eq(kwr_array(&rs.r, 6, 0), n);
	for (int i = 0; i < n; i++) {
		ck_assert_int_eq(kwr_i32(&rs.r), i);
		offsets[i] = kwr_i64(&rs.r);
		(void)kwr_str(&rs.r, &ar, 1);
		ck_assert_int_eq(kwr_i16(&rs.r), 0);
	}
	ck_assert_int_eq(kwr_i16(&rs.r), 0);
	arena_free(&ar);
	t0125_done(&rs);
}

/* ------------------------------------------------------------ cluster helpers */

static int t0125_index_of(test_cluster_t *c, int32_t id)
{
	for (int i = 0; i < c->broker_cnt; i++)
		if (c->brokers[i].id == id)
			return i;
	ck_abort_msg("broker id %d is not in the cluster", (int)id);
	return -1;
}

static json_t *t0125_zk_json(test_cluster_t *c, const char *path)
{
	char cmd[400], *out, *line = NULL;
	int st = -1;
	json_t *js;

	snprintf(cmd, sizeof(cmd), "get %s", path);
	out = test_zkcli(c, cmd, &st);
	ck_assert_ptr_nonnull(out);
	for (char *p = strtok(out, "\n"); p; p = strtok(NULL, "\n"))
		if (*p == '{')
			line = p;
	ck_assert_msg(line, "zkCli get %s: no JSON (exit %d)", path, st);
	js = json_loads(line, 0, NULL);
	ck_assert_msg(js, "zkCli get %s: unreadable JSON %s", path, line);
	free(out);
	return js;
}

/* The decimal value of a znode, read with zkCli. */
static long long t0125_zk_num(test_cluster_t *c, const char *path)
{
	char cmd[400], *out, *p;
	int st = -1;
	long long v = -1;

	snprintf(cmd, sizeof(cmd), "get %s", path);
	out = test_zkcli(c, cmd, &st);
	ck_assert_ptr_nonnull(out);
	for (p = strtok(out, "\n"); p; p = strtok(NULL, "\n")) {
		char *end;
		long long x = strtoll(p, &end, 10);
		if (end != p && *end == '\0')
			v = x;
	}
	free(out);
	return v;
}

typedef struct t0125_wait {
	test_cluster_t *c;
	int port;
	const char *group;
	int32_t want;
} t0125_wait_t;

static int t0125_coordinator_is(void *arg)
{
	t0125_wait_t *w = arg;
	int32_t node = -1, port = -1;
	int fd = raw_connect(w->port);
	int16_t err;

	if (fd < 0)
		return 0;
	err = t0125_find(fd, w->group, 0, &node, &port);
	close(fd);
	return err == 0 && node == w->want;
}

/* ------------------------------------------------------------ tests */

START_TEST(t0125_state_machine)
{
	test_cluster_t *c = test_cluster_new(2, T0125_KAFKA);
	const char *topic = test_topic_name("t");
	const char *group = test_topic_name("g");
	int kport[2], coord, other, fa, fb, fo, nparts;
	int32_t node = -1, port = -1, gen;
	t0125_join_t ja, jb;
	char a_id[256], b_id[256], path[300];
	const int32_t a_parts[] = { 0, 1 }, b_parts[] = { 2 };
	const int64_t offs[3] = { 11, 22, 33 };
	int64_t back[3];

	test_create_topic(c, topic, 3, 1);
	for (int i = 0; i < 2; i++)
		kport[i] = test_listener_port(c, i, "KAFKA");

	/* Both brokers name the same coordinator, at its KAFKA port. */
	fa = raw_connect(kport[0]);
	ck_assert_int_ge(fa, 0);
	ck_assert_int_eq(t0125_find(fa, group, 0, &node, &port), 0);
	coord = t0125_index_of(c, node);
	ck_assert_int_eq(port, kport[coord]);
	close(fa);
	fo = raw_connect(kport[1 - coord]);
	ck_assert_int_eq(t0125_find(fo, group, 0, &node, &port), 0);
	ck_assert_int_eq(node, c->brokers[coord].id);
	other = 1 - coord;
	test_say("group %s: coordinator broker %d, the other %d", group, c->brokers[coord].id,
	         c->brokers[other].id);

	/* The other broker is not the coordinator. */
	t0125_join(fo, 5, group, "", 10000, topic, &ja);
	ck_assert_int_eq(ja.err, 16 /* NOT_COORDINATOR */);

	/* A: the member id first (v5), then generation N as the leader. */
	fa = raw_connect(kport[coord]);
	fb = raw_connect(kport[coord]);
	ck_assert(fa >= 0 && fb >= 0);
	t0125_join(fa, 5, group, "", 10000, topic, &ja);
	ck_assert_int_eq(ja.err, 79 /* MEMBER_ID_REQUIRED */);
	ck_assert_msg(!strncmp(ja.member, "fjord-test-", 11), "member id %s", ja.member);
	snprintf(a_id, sizeof(a_id), "%s", ja.member);
	t0125_join(fa, 5, group, a_id, 10000, topic, &ja);
	ck_assert_int_eq(ja.err, 0);
	ck_assert_str_eq(ja.leader, a_id);
	ck_assert_str_eq(ja.protocol, "range");
	ck_assert_int_eq(ja.members, 1);
	gen = ja.generation;
	ck_assert_int_ge(gen, 1);
	t0125_sync_send(fa, 6001, group, gen, a_id, topic, a_id, (const int32_t[]){ 0, 1, 2 }, 3,
	                NULL, NULL, 0);
	ck_assert_int_eq(t0125_sync_recv(fa, 6001, &nparts), 0);
	ck_assert_int_eq(nparts, 3);
	ck_assert_int_eq(t0125_heartbeat(fa, group, gen, a_id), 0);

	/* B joins (v3: no member id handshake) and waits; A learns of it. */
	t0125_join_send(fb, 7001, 3, group, "", 10000, topic);
	{
		/* B's join is on another connection: A's heartbeats say NONE until
		 * the broker has read it, then REBALANCE_IN_PROGRESS. */
		int16_t e = 0;
		for (int i = 0; i < 200 && (e = t0125_heartbeat(fa, group, gen, a_id)) == 0; i++)
			usleep(20000);
		ck_assert_int_eq(e, 27 /* REBALANCE_IN_PROGRESS */);
	}
	t0125_join(fa, 5, group, a_id, 10000, topic, &ja);
	t0125_join_recv(fb, 7001, 3, &jb);
	ck_assert_int_eq(ja.err, 0);
	ck_assert_int_eq(jb.err, 0);
	ck_assert_int_eq(ja.generation, gen + 1);
	ck_assert_int_eq(jb.generation, gen + 1);
	ck_assert_str_eq(ja.leader, a_id);
	ck_assert_str_eq(jb.leader, a_id);
	ck_assert_int_eq(ja.members, 2);
	ck_assert_int_eq(jb.members, 0);
	snprintf(b_id, sizeof(b_id), "%s", jb.member);
	gen++;

	/* B's SyncGroup waits for the leader's. */
	t0125_sync_send(fb, 7002, group, gen, b_id, topic, NULL, NULL, 0, NULL, NULL, 0);
	t0125_sync_send(fa, 6002, group, gen, a_id, topic, a_id, a_parts, 2, b_id, b_parts, 1);
	ck_assert_int_eq(t0125_sync_recv(fa, 6002, &nparts), 0);
	ck_assert_int_eq(nparts, 2);
	ck_assert_int_eq(t0125_sync_recv(fb, 7002, &nparts), 0);
	ck_assert_int_eq(nparts, 1);
	ck_assert_int_eq(t0125_heartbeat(fb, group, gen, b_id), 0);
	ck_assert_int_eq(t0125_heartbeat(fb, group, gen - 1, b_id), 22 /* ILLEGAL_GENERATION */);
	ck_assert_int_eq(t0125_heartbeat(fb, group, gen, "nobody"), 25 /* UNKNOWN_MEMBER_ID */);

	/* Offsets: committed, read back by OffsetFetch and zkCli. */
	ck_assert_int_eq(t0125_commit(fa, group, gen - 1, a_id, topic, offs, 3), 22);
	ck_assert_int_eq(t0125_commit(fa, group, gen, a_id, topic, offs, 3), 0);
	t0125_fetch(fb, group, topic, back, 3);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(back[i], offs[i]);
		snprintf(path, sizeof(path), "/consumers/%s/offsets/%s/%d", group, topic, i);
		ck_assert_int_eq(t0125_zk_num(c, path), offs[i]);
	}
	test_say("3 offsets committed, 3 read back by OffsetFetch and by zkCli");
	{
		json_t *js;
		snprintf(path, sizeof(path), "/consumers/%s/coordinator", group);
		js = t0125_zk_json(c, path);
		ck_assert_int_eq(json_integer_value(json_object_get(js, "broker")),
		                 c->brokers[coord].id);
		ck_assert_int_eq(json_integer_value(json_object_get(js, "generation")), gen);
		ck_assert_str_eq(json_string_value(json_object_get(js, "leader")), a_id);
		json_t *ms = json_object_get(js, "members");
		ck_assert_int_eq(json_array_size(ms), 2);
		for (size_t i = 0; i < 2; i++) {
			json_t *m = json_array_get(ms, i);
			json_t *as = json_object_get(json_object_get(m, "assignment"), topic);
			int mine = !strcmp(json_string_value(json_object_get(m, "id")), a_id);
			ck_assert_msg(as, "member %zu has no assignment in the znode", i);
			ck_assert_int_eq(json_array_size(as), mine ? 2 : 1);
		}
		json_decref(js);
		snprintf(path, sizeof(path), "/consumers/%s/generation", group);
		ck_assert_int_eq(t0125_zk_num(c, path), gen);
	}

	/* B leaves; A rejoins alone. */
	ck_assert_int_eq(t0125_simple(fb, 13, group, 0, b_id), 0);
	ck_assert_int_eq(t0125_heartbeat(fa, group, gen, a_id), 27);
	t0125_join(fa, 5, group, a_id, 10000, topic, &ja);
	ck_assert_int_eq(ja.err, 0);
	ck_assert_int_eq(ja.generation, gen + 1);
	ck_assert_int_eq(ja.members, 1);
	gen++;
	close(fa);
	close(fb);
	close(fo);

	/* The coordinator dies; the other broker takes the group over above
	 * the last generation, with the offsets. */
	test_broker_kill(c, coord, SIGKILL);
	{
		t0125_wait_t w = { c, kport[other], group, c->brokers[other].id };
		ck_assert_msg(test_wait_until(t0125_coordinator_is, &w, 60000),
		              "FindCoordinator never named the surviving broker");
	}
	fo = raw_connect(kport[other]);
	t0125_join(fo, 3, group, "", 10000, topic, &ja);
	ck_assert_int_eq(ja.err, 0);
	test_say("after failover: generation %d (was %d)", ja.generation, gen);
	ck_assert_int_gt(ja.generation, gen);
	t0125_fetch(fo, group, topic, back, 3);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(back[i], offs[i]);

	/* ListGroups and DescribeGroups there. */
	{
		kw_writer_t b;
		t0125_resp_t rs;
		arena_t ar;
		int found = 0;
		int32_t n;
		kww_init(&b);
		t0125_send(fo, 16, 0, 8001, &b);
		t0125_recv(fo, 8001, &rs, "ListGroups");
		arena_init(&ar, 0);
		ck_assert_int_eq(kwr_i16(&rs.r), 0);
		n = kwr_array(&rs.r, 4, 0);
		for (int32_t i = 0; i < n; i++) {
			char *g = kwr_str(&rs.r, &ar, 0), *pt = kwr_str(&rs.r, &ar, 0);
			if (g && !strcmp(g, group)) {
				found = 1;
				ck_assert_str_eq(pt, "consumer");
			}
		}
		t0125_done(&rs);
		ck_assert_msg(found, "ListGroups does not list %s", group);
		kww_reset(&b);
		kww_i32(&b, 1);
		kww_str(&b, group);
		t0125_send(fo, 15, 0, 8002, &b);
		t0125_recv(fo, 8002, &rs, "DescribeGroups");
		ck_assert_int_eq(kwr_array(&rs.r, 4, 0), 1);
		ck_assert_int_eq(kwr_i16(&rs.r), 0);
		ck_assert_str_eq(kwr_str(&rs.r, &ar, 0), group);
		ck_assert_str_eq(kwr_str(&rs.r, &ar, 0), "CompletingRebalance");
		ck_assert_str_eq(kwr_str(&rs.r, &ar, 0), "consumer");
		(void)kwr_str(&rs.r, &ar, 0);
		ck_assert_int_eq(kwr_array(&rs.r, 4, 0), 1);
		ck_assert_str_eq(kwr_str(&rs.r, &ar, 0), ja.member);
		ck_assert_str_eq(kwr_str(&rs.r, &ar, 0), "fjord-test");
		(void)kwr_str(&rs.r, &ar, 0);
		{
			int32_t len;
			(void)kwr_bytes(&rs.r, &len, 0);
			ck_assert_int_gt(len, 0);
			(void)kwr_bytes(&rs.r, &len, 0);
		}
		t0125_done(&rs);
		arena_free(&ar);
		kww_free(&b);
	}
	close(fo);
	test_cluster_destroy(c);
}
END_TEST

START_TEST(t0125_limits)
{
	test_cluster_t *c = test_cluster_new(1, T0125_KAFKA "group.max.size=2\n");
	const char *topic = test_topic_name("t");
	const char *group = test_topic_name("g");
	const char *mixed = test_topic_name("m");
	int kport, fd, f2, f3;
	int32_t node, port;
	t0125_join_t j;
	char cmd[1024];
	int st;

	test_create_topic(c, topic, 1, 1);
	kport = test_listener_port(c, 0, "KAFKA");
	fd = raw_connect(kport);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(t0125_find(fd, group, 1, &node, &port),
	                 15 /* COORDINATOR_NOT_AVAILABLE */);
	t0125_join(fd, 3, group, "", 500, topic, &j);
	ck_assert_int_eq(j.err, 26 /* INVALID_SESSION_TIMEOUT */);
	t0125_join(fd, 3, group, "", 70000, topic, &j);
	ck_assert_int_eq(j.err, 26);

	/* Two members fit; the third does not. */
	f2 = raw_connect(kport);
	f3 = raw_connect(kport);
	t0125_join(fd, 3, group, "", 10000, topic, &j);
	ck_assert_int_eq(j.err, 0);
	t0125_join_send(f2, 9001, 3, group, "", 10000, topic);
	/* Once f2's join is in, the first member's heartbeat says so. */
	for (int i = 0; i < 200 && t0125_heartbeat(fd, group, j.generation, j.member) == 0; i++)
		usleep(20000);
	t0125_join(f3, 3, group, "", 10000, topic, &j);
	ck_assert_int_eq(j.err, 81 /* GROUP_MAX_SIZE_REACHED */);
	close(f2);
	close(f3);

	/* A group with fjord SDK members is not joined by a Kafka client. */
	snprintf(cmd, sizeof(cmd), "create /consumers/%s \"\"", mixed);
	free(test_zkcli(c, cmd, &st));
	snprintf(cmd, sizeof(cmd), "create /consumers/%s/ids \"\"", mixed);
	free(test_zkcli(c, cmd, &st));
	snprintf(cmd, sizeof(cmd), "create /consumers/%s/ids/app-0000000001 \"{}\"", mixed);
	free(test_zkcli(c, cmd, &st));
	t0125_join(fd, 3, mixed, "", 10000, topic, &j);
	ck_assert_int_eq(j.err, 23 /* INCONSISTENT_GROUP_PROTOCOL */);
	close(fd);
	test_cluster_destroy(c);
}
END_TEST

/* One request of api/version with body b on fd; returns the response body
 * reader in rs (the caller reads, then t0125_done). */
static void t0125_call(int fd, int16_t api, int16_t ver, kw_writer_t *b, t0125_resp_t *rs,
                       const char *what)
{
	static int32_t corr = 9000;
	t0125_send(fd, api, ver, ++corr, b);
	t0125_recv(fd, corr, rs, what);
	kww_reset(b);
}

START_TEST(t0125_versions)
{
	test_cluster_t *c = test_cluster_new(1, T0125_KAFKA);
	const char *topic = test_topic_name("t");
	char group[200], member[256];
	int fd, kport;
	kw_writer_t b;
	t0125_resp_t rs;
	arena_t ar;

	test_create_topic(c, topic, 1, 1);
	kport = test_listener_port(c, 0, "KAFKA");
	fd = raw_connect(kport);
	ck_assert_int_ge(fd, 0);
	kww_init(&b);
	arena_init(&ar, 0);

	/* FindCoordinator v0-2. */
	for (int16_t v = 0; v <= 2; v++) {
		kww_str(&b, "vgroup");
		if (v >= 1)
			kww_i8(&b, 0);
		t0125_call(fd, 10, v, &b, &rs, "FindCoordinator");
		if (v >= 1)
			ck_assert_int_eq(kwr_i32(&rs.r), 0);
		ck_assert_int_eq(kwr_i16(&rs.r), 0);
		if (v >= 1)
			(void)kwr_str(&rs.r, &ar, 1);
		ck_assert_int_eq(kwr_i32(&rs.r), c->brokers[0].id);
		(void)kwr_str(&rs.r, &ar, 0);
		ck_assert_int_eq(kwr_i32(&rs.r), kport);
		t0125_done(&rs);
	}

	/* OffsetCommit v0-7 (simple commits to a group without members), each
	 * read back by OffsetFetch v1-5. */
	snprintf(group, sizeof(group), "%s", test_topic_name("simple"));
	for (int16_t v = 0; v <= 7; v++) {
		kww_str(&b, group);
		if (v >= 1) {
			kww_i32(&b, -1);
			kww_str(&b, "");
		}
		if (v >= 7)
			kww_str(&b, NULL);
		if (v >= 2 && v <= 4)
			kww_i64(&b, -1);
		kww_i32(&b, 1);
		kww_str(&b, topic);
		kww_i32(&b, 1);
		kww_i32(&b, 0);
		kww_i64(&b, 100 + v);
		if (v == 1)
			kww_i64(&b, -1);
		if (v >= 6)
			kww_i32(&b, -1);
		kww_str(&b, NULL);
		t0125_call(fd, 8, v, &b, &rs, "OffsetCommit");
		if (v >= 3)
			ck_assert_int_eq(kwr_i32(&rs.r), 0);
		ck_assert_int_eq(kwr_array(&rs.r, 6, 0), 1);
		ck_assert_str_eq(kwr_str(&rs.r, &ar, 0), topic);
		ck_assert_int_eq(kwr_array(&rs.r, 6, 0), 1);
		ck_assert_int_eq(kwr_i32(&rs.r), 0);
		ck_assert_msg(kwr_i16(&rs.r) == 0, "OffsetCommit v%d refused", v);
		t0125_done(&rs);
		for (int16_t fv = 1; fv <= 5; fv++) {
			kww_str(&b, group);
			kww_i32(&b, 1);
			kww_str(&b, topic);
			kww_i32(&b, 1);
			kww_i32(&b, 0);
			t0125_call(fd, 9, fv, &b, &rs, "OffsetFetch");
			if (fv >= 3)
				ck_assert_int_eq(kwr_i32(&rs.r), 0);
			ck_assert_int_eq(kwr_array(&rs.r, 6, 0), 1);
			ck_assert_str_eq(kwr_str(&rs.r, &ar, 0), topic);
			ck_assert_int_eq(kwr_array(&rs.r, 6, 0), 1);
			ck_assert_int_eq(kwr_i32(&rs.r), 0);
			ck_assert_int_eq(kwr_i64(&rs.r), 100 + v);
			if (fv >= 5)
				ck_assert_int_eq(kwr_i32(&rs.r), -1);
			(void)kwr_str(&rs.r, &ar, 1);
			ck_assert_int_eq(kwr_i16(&rs.r), 0);
			if (fv >= 2)
				ck_assert_int_eq(kwr_i16(&rs.r), 0);
			t0125_done(&rs);
		}
	}
	/* OffsetFetch v2+ with null topics: every committed partition. */
	kww_str(&b, group);
	kww_i32(&b, -1);
	t0125_call(fd, 9, 2, &b, &rs, "OffsetFetch all");
	ck_assert_int_eq(kwr_array(&rs.r, 6, 0), 1);
	ck_assert_str_eq(kwr_str(&rs.r, &ar, 0), topic);
	ck_assert_int_eq(kwr_array(&rs.r, 6, 0), 1);
	ck_assert_int_eq(kwr_i32(&rs.r), 0);
	ck_assert_int_eq(kwr_i64(&rs.r), 107);
	(void)kwr_str(&rs.r, &ar, 1);
	ck_assert_int_eq(kwr_i16(&rs.r), 0);
	ck_assert_int_eq(kwr_i16(&rs.r), 0);
	t0125_done(&rs);

	/* JoinGroup v0-5 (a group each, one member), then SyncGroup,
	 * Heartbeat and LeaveGroup at every version. */
	for (int16_t v = 0; v <= 5; v++) {
		t0125_join_t j;
		int16_t sv = v > 3 ? 3 : v, hv = v > 3 ? 3 : v, lv = v > 1 ? 1 : v;
		int32_t len;
		snprintf(group, sizeof(group), "%s", test_topic_name("jv"));
		t0125_join(fd, v, group, "", 10000, topic, &j);
		if (v >= 4) {
			ck_assert_int_eq(j.err, 79);
			snprintf(member, sizeof(member), "%s", j.member);
			t0125_join(fd, v, group, member, 10000, topic, &j);
		}
		ck_assert_msg(j.err == 0, "JoinGroup v%d: error %d", v, j.err);
		ck_assert_str_eq(j.leader, j.member);
		snprintf(member, sizeof(member), "%s", j.member);
		kww_str(&b, group);
		kww_i32(&b, j.generation);
		kww_str(&b, member);
		if (sv >= 3)
			kww_str(&b, NULL);
		kww_i32(&b, 1);
		kww_str(&b, member);
		t0125_assignment(&b, topic, (const int32_t[]){ 0 }, 1);
		t0125_call(fd, 14, sv, &b, &rs, "SyncGroup");
		if (sv >= 1)
			ck_assert_int_eq(kwr_i32(&rs.r), 0);
		ck_assert_int_eq(kwr_i16(&rs.r), 0);
		(void)kwr_bytes(&rs.r, &len, 0);
		ck_assert_int_gt(len, 0);
		t0125_done(&rs);
		kww_str(&b, group);
		kww_i32(&b, j.generation);
		kww_str(&b, member);
		if (hv >= 3)
			kww_str(&b, NULL);
		t0125_call(fd, 12, hv, &b, &rs, "Heartbeat");
		if (hv >= 1)
			ck_assert_int_eq(kwr_i32(&rs.r), 0);
		ck_assert_int_eq(kwr_i16(&rs.r), 0);
		t0125_done(&rs);
		kww_str(&b, group);
		kww_str(&b, member);
		t0125_call(fd, 13, lv, &b, &rs, "LeaveGroup");
		if (lv >= 1)
			ck_assert_int_eq(kwr_i32(&rs.r), 0);
		ck_assert_int_eq(kwr_i16(&rs.r), 0);
		t0125_done(&rs);
		test_say("JoinGroup v%d, SyncGroup v%d, Heartbeat v%d, LeaveGroup v%d: answered", v,
		         sv, hv, lv);
	}
	arena_free(&ar);
	kww_free(&b);
	close(fd);
	test_cluster_destroy(c);
}
END_TEST

/* Allows op on (type, name) for User:ANONYMOUS through the admin API. */
static void t0125_allow(test_cluster_t *c, fjord_acl_resource_type_t type, const char *name,
                        const char *op)
{
	char errstr[512] = "";
	fjord_acl_t a = { type, (char *)name, (char *)"User:ANONYMOUS", (char *)"*", (char *)op,
		          0,    NULL };
	fjord_t *admin = fjord_new(FJORD_ADMIN, test_conf(c, NULL), errstr, sizeof(errstr));
	int changed = -1;

	ck_assert_msg(admin, "%s", errstr);
	ck_assert_msg(fjord_admin_acl_add(admin, &a, 1, &changed, errstr, sizeof(errstr)) ==
	                  FJORD_ERR_NO_ERROR,
	              "acl add: %s", errstr);
	fjord_destroy(admin);
}

typedef struct t0125_acl_wait {
	int fd;
	const char *group, *topic;
	int what; /* 0: FindCoordinator, 1: JoinGroup, 2: OffsetCommit */
	int16_t err;
	int32_t gen;
	char member[256];
} t0125_acl_wait_t;

/* The request of w->what; true once it is no longer refused for
 * authorization. */
static int t0125_acl_ok(void *arg)
{
	t0125_acl_wait_t *w = arg;
	int32_t node, port;
	t0125_join_t j;
	const int64_t offs[1] = { 5 };

	if (w->what == 0) {
		w->err = t0125_find(w->fd, w->group, 0, &node, &port);
	} else if (w->what == 1) {
		t0125_join(w->fd, 3, w->group, "", 10000, w->topic, &j);
		w->err = j.err;
		w->gen = j.generation;
		snprintf(w->member, sizeof(w->member), "%s", j.member);
	} else {
		w->err = t0125_commit(w->fd, w->group, w->gen, w->member, w->topic, offs, 1);
	}
	return w->err != 30 && w->err != 29;
}

START_TEST(t0125_acl)
{
	test_cluster_t *c =
	    test_cluster_new(1, T0125_KAFKA "authorizer.class.name=kafka.security.authorizer."
	                                    "AclAuthorizer\nsuper.users=User:admin\n");
	const char *topic = test_topic_name("t");
	const char *group = test_topic_name("g");
	char errstr[512] = "";
	fjord_t *admin = fjord_new(FJORD_ADMIN, test_conf(c, NULL), errstr, sizeof(errstr));
	t0125_acl_wait_t w = { 0 };
	int32_t node, port;
	t0125_join_t j;
	const int64_t offs[1] = { 5 };

	ck_assert_msg(admin, "%s", errstr);
	ck_assert_msg(fjord_admin_create_topic(admin, topic, 1, 1, NULL,
	                                       (int)(30000 * test_timeout_multiplier()), errstr,
	                                       sizeof(errstr)) == FJORD_ERR_NO_ERROR,
	              "create: %s", errstr);
	fjord_destroy(admin);
	w.fd = raw_connect(test_listener_port(c, 0, "KAFKA"));
	ck_assert_int_ge(w.fd, 0);
	w.group = group;
	w.topic = topic;

	/* Nothing allowed: the group refuses. */
	ck_assert_int_eq(t0125_find(w.fd, group, 0, &node, &port), 30);
	t0125_join(w.fd, 3, group, "", 10000, topic, &j);
	ck_assert_int_eq(j.err, 30 /* GROUP_AUTHORIZATION_FAILED */);

	/* Describe on the group: FindCoordinator, not JoinGroup. */
	t0125_allow(c, FJORD_ACL_GROUP, group, "Describe");
	ck_assert_msg(test_wait_until(t0125_acl_ok, &w, 20000), "FindCoordinator still %d", w.err);
	ck_assert_int_eq(w.err, 0);
	t0125_join(w.fd, 3, group, "", 10000, topic, &j);
	ck_assert_int_eq(j.err, 30);

	/* Read on the group: the member joins; its commit needs Read on the topic. */
	t0125_allow(c, FJORD_ACL_GROUP, group, "Read");
	w.what = 1;
	ck_assert_msg(test_wait_until(t0125_acl_ok, &w, 20000), "JoinGroup still %d", w.err);
	ck_assert_int_eq(w.err, 0);
	{
		int nparts;
		t0125_sync_send(w.fd, 9901, group, w.gen, w.member, topic, w.member,
		                (const int32_t[]){ 0 }, 1, NULL, NULL, 0);
		ck_assert_int_eq(t0125_sync_recv(w.fd, 9901, &nparts), 0);
	}
	ck_assert_int_eq(t0125_commit(w.fd, group, w.gen, w.member, topic, offs, 1),
	                 29 /* TOPIC_AUTHORIZATION_FAILED */);
	t0125_allow(c, FJORD_ACL_TOPIC, topic, "Read");
	w.what = 2;
	ck_assert_msg(test_wait_until(t0125_acl_ok, &w, 20000), "OffsetCommit still %d", w.err);
	ck_assert_int_eq(w.err, 0);
	close(w.fd);
	test_cluster_destroy(c);
}
END_TEST

START_TEST(t0125_session_loss)
{
	test_cluster_t *c = test_cluster_new(2, T0125_KAFKA);
	const char *topic = test_topic_name("t");
	const char *group = test_topic_name("g");
	int kport[2], coord, other, fa, fb, nparts;
	int32_t node = -1, port = -1;
	t0125_join_t ja, jb;
	char a_id[256];
	const int64_t offs[1] = { 77 };
	int16_t e = 0;

	test_create_topic(c, topic, 1, 1);
	for (int i = 0; i < 2; i++)
		kport[i] = test_listener_port(c, i, "KAFKA");
	fa = raw_connect(kport[0]);
	ck_assert_int_eq(t0125_find(fa, group, 0, &node, &port), 0);
	close(fa);
	coord = t0125_index_of(c, node);
	other = 1 - coord;
	fa = raw_connect(kport[coord]);
	t0125_join(fa, 3, group, "", 30000, topic, &ja);
	ck_assert_int_eq(ja.err, 0);
	snprintf(a_id, sizeof(a_id), "%s", ja.member);
	t0125_sync_send(fa, 9501, group, ja.generation, a_id, topic, a_id, (const int32_t[]){ 0 },
	                1, NULL, NULL, 0);
	ck_assert_int_eq(t0125_sync_recv(fa, 9501, &nparts), 0);

	/* The coordinator freezes until its session expires; the other
	 * broker takes the group over above its generation. */
	ck_assert_int_eq(kill(c->brokers[coord].pid, SIGSTOP), 0);
	{
		t0125_wait_t w = { c, kport[other], group, c->brokers[other].id };
		ck_assert_msg(test_wait_until(t0125_coordinator_is, &w, 60000),
		              "FindCoordinator never named the other broker");
	}
	fb = raw_connect(kport[other]);
	t0125_join(fb, 3, group, "", 30000, topic, &jb);
	ck_assert_int_eq(jb.err, 0);
	ck_assert_int_gt(jb.generation, ja.generation);
	ck_assert_int_eq(kill(c->brokers[coord].pid, SIGCONT), 0);

	/* The deposed broker cannot commit for the group (its znode version
	 * check fails, or it already dropped the group), and once it saw its
	 * session expire it answers NOT_COORDINATOR. */
	e = t0125_commit(fa, group, ja.generation, a_id, topic, offs, 1);
	ck_assert_msg(e == 16 || e == 15, "the deposed coordinator answered a commit with %d", e);
	for (int i = 0; i < 300 && (e = t0125_heartbeat(fa, group, ja.generation, a_id)) != 16; i++)
		usleep(50000);
	ck_assert_int_eq(e, 16 /* NOT_COORDINATOR */);
	{
		int64_t back[1];
		t0125_fetch(fb, group, topic, back, 1);
		ck_assert_int_eq(back[0], -1); /* nothing of the deposed commit landed */
	}
	close(fa);
	close(fb);
	test_cluster_destroy(c);
}
END_TEST

void test_0125(TCase *tc);

void test_0125(TCase *tc)
{
	tcase_add_test(tc, t0125_state_machine);
	tcase_add_test(tc, t0125_limits);
	tcase_add_test(tc, t0125_versions);
	tcase_add_test(tc, t0125_acl);
	tcase_add_test(tc, t0125_session_loss);
}
