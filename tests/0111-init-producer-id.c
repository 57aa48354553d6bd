/*
 * 0111-init-producer-id — InitProducerId on two brokers with
 * producer.id.block.size=3 (a private cluster), raw protocol:
 *  - ids: each broker asked for 10 new ids, alternately: all 20 distinct,
 *    epoch 0, and no block of 3 ids is shared by the two brokers;
 *    /latest_producer_id_block (read with the ZooKeeper API, and once with
 *    zkCli.sh as an operator would) is Kafka's JSON, names one of the
 *    brokers and lies past every id handed out;
 *  - waiting: 25 requests pipelined on one connection to each broker at
 *    once (so requests arrive while blocks are being fetched, and both
 *    brokers race for the znode): every one answered, all 50 ids new and
 *    distinct;
 *  - epochs: (id, e) gives (id, e + 1); (id, 32766) and (id, 32767) give a
 *    new id with epoch 0; every other combination is INVALID_REQUEST with a
 *    message;
 *  - restart: a restarted broker takes a new block, so never hands out an
 *    id it (or anyone) handed out before;
 *  - a znode that does not decode: UNKNOWN_SERVER_ERROR naming the znode;
 *    once fixed, ids continue after the block it names;
 *  - config: producer.id.block.size below 1 (or not a number) stops
 *    start-up with a message naming the key.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/pid_block.h"
#include "common/zkpath.h"
#include "common/zkutil.h"
#include "harness_int.h"
#include "rawproto.h"
#include "test.h"

#define T0111_BLOCK 3
#define T0111_MAX_IDS 256

typedef struct t0111_ids {
	int64_t id[T0111_MAX_IDS];
	int broker[T0111_MAX_IDS]; /* index of the broker that handed it out */
	int cnt;
} t0111_ids_t;

/* Records an id handed out by broker bi; fails on a repeat. */
static void t0111_add(t0111_ids_t *ids, int64_t id, int bi)
{
	ck_assert_msg(id >= 0, "no id (%lld)", (long long)id);
	for (int i = 0; i < ids->cnt; i++)
		ck_assert_msg(ids->id[i] != id,
		              "id %lld handed out twice (by broker index %d, then %d)",
		              (long long)id, ids->broker[i], bi);
	ck_assert_int_lt(ids->cnt, T0111_MAX_IDS);
	ids->id[ids->cnt] = id;
	ids->broker[ids->cnt++] = bi;
}

static int64_t t0111_new_id(test_cluster_t *c, int bi)
{
	int64_t pid;
	int32_t epoch;
	int err = raw_init_producer_id(c->brokers[bi].port, -1, -1, &pid, &epoch);

	ck_assert_msg(err == 0, "broker index %d: InitProducerId(-1, -1): error %d", bi, err);
	ck_assert_int_eq(epoch, 0);
	return pid;
}

/* The znode, decoded (fails the test when it does not decode). */
static pid_block_t t0111_znode(zhandle_t *zh)
{
	char *buf = NULL, errstr[256];
	int len = 0;
	pid_block_t blk;
	int rc = zkutil_get(zh, ZKPATH_LATEST_PRODUCER_ID_BLOCK, NULL, NULL, &buf, &len, NULL);

	ck_assert_msg(rc == ZOK, "get %s: %s", ZKPATH_LATEST_PRODUCER_ID_BLOCK, zkutil_err2str(rc));
	test_say("%s = %.*s", ZKPATH_LATEST_PRODUCER_ID_BLOCK, len, buf ? buf : "");
	ck_assert_msg(pid_block_decode(buf, buf ? (size_t)len : 0, &blk, errstr, sizeof(errstr)) ==
	                  0,
	              "%s", errstr);
	free(buf);
	return blk;
}

/* No block of T0111_BLOCK ids (they start at 0) holds ids of two brokers,
 * and the znode lies past every id. */
static void t0111_check_blocks(const t0111_ids_t *ids, const pid_block_t *last,
                               const test_cluster_t *c)
{
	int known = 0;

	for (int i = 0; i < c->broker_cnt; i++)
		known |= last->broker == c->brokers[i].id;
	ck_assert_msg(known, "the znode names broker %d", (int)last->broker);
	ck_assert(last->block_end - last->block_start + 1 == T0111_BLOCK);
	ck_assert(last->block_start % T0111_BLOCK == 0);
	for (int i = 0; i < ids->cnt; i++) {
		ck_assert_msg(ids->id[i] <= last->block_end, "id %lld is past the znode's block",
		              (long long)ids->id[i]);
		for (int j = 0; j < ids->cnt; j++)
			ck_assert_msg(ids->id[i] / T0111_BLOCK != ids->id[j] / T0111_BLOCK ||
			                  ids->broker[i] == ids->broker[j],
			              "ids %lld and %lld share a block but came from two brokers",
			              (long long)ids->id[i], (long long)ids->id[j]);
	}
}

/* n requests pipelined on one connection to each broker, then every answer
 * read. */
static void t0111_pipelined(test_cluster_t *c, t0111_ids_t *ids, int n)
{
	int fd[2];
	Fjord__Request req = FJORD__REQUEST__INIT;
	Fjord__InitProducerIdRequest ir = FJORD__INIT_PRODUCER_ID_REQUEST__INIT;

	ir.producer_id = -1;
	ir.producer_epoch = -1;
	req.api = FJORD__API_KEY__INIT_PRODUCER_ID;
	req.client_id = "t0111";
	req.body_case = FJORD__REQUEST__BODY_INIT_PRODUCER_ID;
	req.init_producer_id = &ir;
	for (int b = 0; b < 2; b++)
		ck_assert_int_ge(fd[b] = raw_connect(c->brokers[b].port), 0);
	for (int k = 0; k < n; k++)
		for (int b = 0; b < 2; b++) {
			req.correlation_id = 1000 + k;
			ck_assert_int_eq(raw_send_request(fd[b], &req, NULL, 0), 0);
		}
	for (int b = 0; b < 2; b++) {
		for (int k = 0; k < n; k++) {
			Fjord__Response *resp =
			    raw_recv_response(fd[b], (int)(30000 * test_timeout_multiplier()));
			ck_assert_msg(resp, "broker index %d: no answer to request %d of %d", b, k,
			              n);
			ck_assert_int_eq(resp->correlation_id, 1000 + k);
			ck_assert_int_eq(resp->error, 0);
			ck_assert_int_eq(resp->body_case, FJORD__RESPONSE__BODY_INIT_PRODUCER_ID);
			ck_assert_msg(resp->init_producer_id->error == 0, "error %d: %s",
			              resp->init_producer_id->error,
			              resp->init_producer_id->error_message);
			ck_assert_int_eq(resp->init_producer_id->producer_epoch, 0);
			t0111_add(ids, resp->init_producer_id->producer_id, b);
			fjord__response__free_unpacked(resp, NULL);
		}
		close(fd[b]);
	}
}

START_TEST(t0111_init_producer_id)
{
	test_cluster_t *c = test_cluster_new(2, "producer.id.block.size=3\n");
	static t0111_ids_t ids;
	char err[512], msg[512];
	int64_t pid, max_id = -1;
	int32_t epoch;
	int status;

	zhandle_t *zh =
	    zkutil_connect(c->zk_connect, 10000, 10000, 0, NULL, NULL, err, sizeof(err));
	ck_assert_msg(zh, "%s", err);

	/* 10 ids from each broker, alternately. */
	for (int k = 0; k < 10; k++)
		for (int b = 0; b < 2; b++)
			t0111_add(&ids, t0111_new_id(c, b), b);
	ck_assert_int_eq(ids.cnt, 20);
	pid_block_t last = t0111_znode(zh);
	t0111_check_blocks(&ids, &last, c);
	char *out = test_zkcli(c, "get " ZKPATH_LATEST_PRODUCER_ID_BLOCK, &status);
	test_say("zkCli get: %s", out);
	ck_assert_msg(status == 0 && strstr(out, "\"block_start\":\"") &&
	                  strstr(out, "\"block_end\":\"") && strstr(out, "\"version\":1"),
	              "zkCli get %s: exit %d: %s", ZKPATH_LATEST_PRODUCER_ID_BLOCK, status, out);
	free(out);

	/* Requests that wait for a block, on both brokers at once. */
	t0111_pipelined(c, &ids, 25);
	ck_assert_int_eq(ids.cnt, 70);
	last = t0111_znode(zh);
	t0111_check_blocks(&ids, &last, c);

	/* Epochs. */
	int64_t mine = ids.id[0];
	ck_assert_int_eq(raw_init_producer_id(c->brokers[1].port, mine, 0, &pid, &epoch), 0);
	ck_assert(pid == mine && epoch == 1);
	ck_assert_int_eq(raw_init_producer_id(c->brokers[0].port, mine, 41, &pid, &epoch), 0);
	ck_assert(pid == mine && epoch == 42);
	ck_assert_int_eq(raw_init_producer_id(c->brokers[0].port, mine, 32765, &pid, &epoch), 0);
	ck_assert(pid == mine && epoch == 32766);
	for (int32_t e = 32766; e <= 32767; e++) {
		ck_assert_int_eq(raw_init_producer_id(c->brokers[0].port, mine, e, &pid, &epoch),
		                 0);
		test_say("(%lld, %d) -> (%lld, %d)", (long long)mine, e, (long long)pid, epoch);
		ck_assert_int_eq(epoch, 0);
		t0111_add(&ids, pid, 0);
	}
	static const struct {
		int64_t pid;
		int32_t epoch;
	} bad[] = {
		{ -1, 0 }, { -1, 5 }, { 3, -1 }, { -2, -1 }, { -5, 3 }, { 3, 32768 }, { 3, -7 }
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int fd = raw_connect(c->brokers[i % 2].port);
		ck_assert_int_ge(fd, 0);
		int e = raw_init_producer_id_fd(fd, bad[i].pid, bad[i].epoch, &pid, &epoch, msg,
		                                sizeof(msg));
		test_say("(%lld, %d) -> %d %s", (long long)bad[i].pid, bad[i].epoch, e, msg);
		ck_assert_int_eq(e, FJORD_ERR_INVALID_REQUEST);
		ck_assert_msg(msg[0], "INVALID_REQUEST without a message");
		ck_assert(pid == -1 && epoch == -1);
		/* The connection stays usable. */
		ck_assert_int_eq(
		    raw_init_producer_id_fd(fd, mine, 1, &pid, &epoch, msg, sizeof(msg)), 0);
		ck_assert(pid == mine && epoch == 2);
		close(fd);
	}

	/* A restarted broker takes a new block. */
	for (int i = 0; i < ids.cnt; i++)
		max_id = ids.id[i] > max_id ? ids.id[i] : max_id;
	last = t0111_znode(zh);
	test_broker_restart(c, 0);
	for (int k = 0; k < 4; k++) {
		pid = t0111_new_id(c, 0);
		ck_assert_msg(pid > last.block_end,
		              "restarted broker handed out %lld, not past %lld", (long long)pid,
		              (long long)last.block_end);
		t0111_add(&ids, pid, 0);
	}

	/* A znode that does not decode: an error, nothing handed out; once it
	 * is fixed, ids continue after the block it names. */
	last = t0111_znode(zh);
	test_broker_restart(c, 1);
	ck_assert_int_eq(zoo_set(zh, ZKPATH_LATEST_PRODUCER_ID_BLOCK, "{\"version\":1}", 13, -1),
	                 ZOK);
	int fd = raw_connect(c->brokers[1].port);
	ck_assert_int_ge(fd, 0);
	int e = raw_init_producer_id_fd(fd, -1, -1, &pid, &epoch, msg, sizeof(msg));
	test_say("with a broken znode: %d %s", e, msg);
	ck_assert_int_eq(e, FJORD_ERR_UNKNOWN);
	ck_assert_msg(strstr(msg, ZKPATH_LATEST_PRODUCER_ID_BLOCK) || strstr(msg, "producer id"),
	              "the message names neither the znode nor the block: %s", msg);
	char *fixed = pid_block_encode(&last);
	ck_assert_ptr_nonnull(fixed);
	ck_assert_int_eq(
	    zoo_set(zh, ZKPATH_LATEST_PRODUCER_ID_BLOCK, fixed, (int)strlen(fixed), -1), ZOK);
	free(fixed);
	e = raw_init_producer_id_fd(fd, -1, -1, &pid, &epoch, msg, sizeof(msg));
	ck_assert_msg(e == 0, "after the fix: %d %s", e, msg);
	ck_assert(pid == last.block_end + 1 && epoch == 0);
	t0111_add(&ids, pid, 1);
	close(fd);

	zookeeper_close(zh);
	test_cluster_destroy(c);
}
END_TEST

/* producer.id.block.size below 1 stops start-up with a message naming it. */
START_TEST(t0111_block_size_config)
{
	test_cluster_t *c = test_cluster_new(0, NULL);
	static const char *const bad[] = { "0", "-3", "many" };
	char path[700], *text = NULL, *out = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert(harness_path(path, sizeof(path), "%s/bad%zu.properties", test_tmpdir(),
		                       i) == 0);
		ck_assert(
		    asprintf(&text,
		             "broker.id=7\nlisteners=PLAINTEXT://127.0.0.1:0\nlog.dirs=%s/bad%zu\n"
		             "zookeeper.connect=%s\nhttp.listener=127.0.0.1:0\n"
		             "producer.id.block.size=%s\n",
		             test_tmpdir(), i, c->zk_connect, bad[i]) > 0);
		ck_assert(harness_write_file(path, text) == 0);
		free(text);
		int rc = test_fjordd_run_expect_exit(path, NULL, &out, 30000);
		test_say("fjordd with producer.id.block.size=%s: exit %d: %s", bad[i], rc, out);
		ck_assert_msg(rc > 0, "fjordd accepted producer.id.block.size=%s", bad[i]);
		ck_assert_msg(strstr(out, "producer.id.block.size"),
		              "the error does not name the key: %s", out);
		free(out);
	}
	test_cluster_destroy(c);
}
END_TEST

void test_0111(TCase *tc);

void test_0111(TCase *tc)
{
	tcase_add_test(tc, t0111_init_producer_id);
	tcase_add_test(tc, t0111_block_size_config);
}
