/*
 * 0070-group-membership — membership and cooperative rebalancing of one
 * topic with 6 partitions: one member gets all 6; a second joins and they
 * split 3/3 while the first member's unmoved partitions stay assigned (and
 * keep delivering) throughout, and no partition is ever assigned to two
 * members at once; with 7 members exactly one idles; a member killed with
 * SIGKILL (a forked process) loses its partition after the session timeout
 * and the idle member gets work.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgrp_helpers.h"

#define T70_PARTS 6
#define T70_MEMBERS 7

/* Asserts no partition is in two members' assignments; returns the total
 * assigned and fills per-partition presence of member 0 in *m0mask. */
static int t0070_sample(fjord_t **m, int n, unsigned *m0mask)
{
	int seen[T70_PARTS] = { 0 }, i, j, total = 0;
	*m0mask = 0;
	for (i = 0; i < n; i++) {
		fjord_topic_partition_list_t *l = NULL;
		if (!m[i])
			continue;
		ck_assert_int_eq(fjord_assignment(m[i], &l), FJORD_ERR_NO_ERROR);
		for (j = 0; j < l->cnt; j++) {
			int p = l->elems[j].partition;
			ck_assert(p >= 0 && p < T70_PARTS);
			ck_assert_msg(!seen[p], "partition %d assigned to two members at once", p);
			seen[p] = 1;
			total++;
			if (i == 0)
				*m0mask |= 1u << p;
		}
		fjord_topic_partition_list_destroy(l);
	}
	return total;
}

static int t0070_max_assigned(fjord_t **m, int n)
{
	int i, max = 0;
	for (i = 0; i < n; i++)
		if (m[i] && tg_assigned_cnt(m[i]) > max)
			max = tg_assigned_cnt(m[i]);
	return max;
}

/* Polls every member a little (keeps them live and delivering). */
static void t0070_pump(fjord_t **m, int n, test_msgver_t *mv, int *delivered0)
{
	int i;
	for (i = 0; i < n; i++)
		if (m[i]) {
			int got = tg_poll(m[i], mv, 0, 20, NULL);
			if (i == 0 && delivered0)
				*delivered0 += got;
		}
}

START_TEST(t0070_membership)
{
	test_cluster_t *c = test_shared_cluster();
	char topic[200], group[200];
	fjord_t *m[T70_MEMBERS] = { 0 };
	test_msgver_t *mv = test_msgver_new(T70_PARTS);
	int go[2], i, delivered0 = 0, idle;
	unsigned mask, first_mask;
	pid_t child;
	int64_t deadline;

	snprintf(topic, sizeof(topic), "%s", test_topic_name("members"));
	snprintf(group, sizeof(group), "%s", tg_group_name("g"));
	ck_assert_int_eq(pipe(go), 0);
	fflush(NULL);
	/* The member to be killed: forked before this process has clients. */
	child = fork();
	ck_assert(child >= 0);
	if (child == 0) {
		char b;
		fjord_t *x;
		close(go[1]);
		if (read(go[0], &b, 1) != 1)
			_exit(1);
		x = tg_member_new(c, group, topic, NULL);
		for (deadline = test_now_ms() + 120000; test_now_ms() < deadline;) {
			fjord_message_t *msg = fjord_consumer_poll(x, 100);
			if (msg)
				fjord_message_destroy(msg);
		}
		_exit(0);
	}
	close(go[0]);
	test_create_topic(c, topic, T70_PARTS, 1);
	tg_produce(c, topic, T70_PARTS, 20);

	/* One member: all six partitions. */
	m[0] = tg_member_new(c, group, topic, NULL);
	deadline = test_now_ms() + (int64_t)(20000 * test_timeout_multiplier());
	while (t0070_sample(m, 1, &mask) < T70_PARTS && test_now_ms() < deadline)
		t0070_pump(m, 1, mv, &delivered0);
	ck_assert_int_eq(t0070_sample(m, 1, &mask), T70_PARTS);

	/* A second member: 3/3; member 0 never loses the partitions it keeps. */
	m[1] = tg_member_new(c, group, topic, NULL);
	first_mask = 0x3f;
	deadline = test_now_ms() + (int64_t)(20000 * test_timeout_multiplier());
	for (;;) {
		t0070_sample(m, 2, &mask);
		first_mask &= mask; /* partitions member 0 held at every sample */
		if ((tg_assigned_cnt(m[0]) == 3 && tg_assigned_cnt(m[1]) == 3) ||
		    test_now_ms() > deadline)
			break;
		t0070_pump(m, 2, mv, &delivered0);
	}
	ck_assert_msg(tg_assigned_cnt(m[0]) == 3 && tg_assigned_cnt(m[1]) == 3,
	              "split %d/%d, expected 3/3", tg_assigned_cnt(m[0]), tg_assigned_cnt(m[1]));
	ck_assert_msg(__builtin_popcount(first_mask) == 3,
	              "member 0 kept only %d partitions through the rebalance",
	              __builtin_popcount(first_mask));
	/* New records on member 0's kept partitions are delivered to it. */
	delivered0 = 0;
	for (i = 0; i < T70_PARTS; i++)
		if (first_mask & (1u << i))
			test_produce_msgs(c, topic, i, 5, 16);
	deadline = test_now_ms() + (int64_t)(20000 * test_timeout_multiplier());
	while (delivered0 < 15 && test_now_ms() < deadline)
		t0070_pump(m, 2, mv, &delivered0);
	ck_assert_msg(delivered0 >= 15, "member 0 delivered %d of 15 new records", delivered0);

	/* The forked member joins third (it will own a partition), then four
	 * more: seven members for six partitions, exactly one idle. */
	ck_assert_int_eq(write(go[1], "g", 1), 1);
	deadline = test_now_ms() + (int64_t)(20000 * test_timeout_multiplier());
	while (t0070_sample(m, 2, &mask) > 4 && test_now_ms() < deadline)
		t0070_pump(m, 2, mv, NULL);
	ck_assert_msg(t0070_sample(m, 2, &mask) <= 4, "the forked member got nothing");
	for (i = 2; i < T70_MEMBERS - 1; i++)
		m[i] = tg_member_new(c, group, topic, NULL);
	deadline = test_now_ms() + (int64_t)(30000 * test_timeout_multiplier());
	while ((t0070_sample(m, T70_MEMBERS - 1, &mask) != T70_PARTS - 1 ||
	        t0070_max_assigned(m, T70_MEMBERS - 1) > 1) &&
	       test_now_ms() < deadline)
		t0070_pump(m, T70_MEMBERS - 1, mv, NULL);
	ck_assert_int_eq(t0070_sample(m, T70_MEMBERS - 1, &mask), T70_PARTS - 1);
	for (i = 0, idle = 0; i < T70_MEMBERS - 1; i++) {
		int n = tg_assigned_cnt(m[i]);
		ck_assert_msg(n <= 1, "member %d has %d partitions", i, n);
		idle += n == 0;
	}
	ck_assert_int_eq(idle, 1);

	/* SIGKILL the forked member: after its session times out its
	 * partition moves, and the idle member gets it. */
	kill(child, SIGKILL);
	ck_assert_int_eq(waitpid(child, NULL, 0), child);
	deadline = test_now_ms() + (int64_t)(40000 * test_timeout_multiplier());
	while ((t0070_sample(m, T70_MEMBERS - 1, &mask) != T70_PARTS ||
	        t0070_max_assigned(m, T70_MEMBERS - 1) > 1) &&
	       test_now_ms() < deadline)
		t0070_pump(m, T70_MEMBERS - 1, mv, NULL);
	ck_assert_int_eq(t0070_sample(m, T70_MEMBERS - 1, &mask), T70_PARTS);
	for (i = 0; i < T70_MEMBERS - 1; i++)
		ck_assert_int_eq(tg_assigned_cnt(m[i]), 1);
	for (i = 0; i < T70_MEMBERS - 1; i++)
		fjord_destroy(m[i]);
	close(go[1]);
	test_msgver_destroy(mv);
}
END_TEST

void test_0070(TCase *tc)
{
	tcase_add_test(tc, t0070_membership);
}
