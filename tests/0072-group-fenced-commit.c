/*
 * 0072-group-fenced-commit — a member whose group session expired cannot
 * commit. A forked member X consumes a 1-partition topic, is frozen with
 * SIGSTOP beyond session.timeout.ms; ZooKeeper expires its session and
 * member Y takes the partition over, consumes and commits. X is thawed:
 * it learns from poll that it lost its partition (_ASSIGNMENT_LOST), its
 * commit of that partition is refused (_FENCED or _ASSIGNMENT_LOST), and
 * Y's committed offset is untouched.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgrp_helpers.h"

/* The forked member: reports "R" when it has consumed, then the commit's
 * error code (as text) once it saw the loss. */
static void t0072_member_x(test_cluster_t *c, const char *group, const char *topic, int wfd)
{
	fjord_t *x = tg_member_new(c, group, topic, "enable.auto.commit", "false", NULL);
	int64_t deadline = test_now_ms() + 120000;
	int consumed = 0, ready = 0;
	while (test_now_ms() < deadline) {
		fjord_message_t *m = fjord_consumer_poll(x, 100);
		if (!m)
			continue;
		if (!m->err) {
			consumed++;
		} else if (m->err == FJORD_ERR__ASSIGNMENT_LOST) {
			fjord_topic_partition_list_t *l = fjord_topic_partition_list_new(1);
			char buf[32];
			fjord_err_t err;
			fjord_topic_partition_list_add(l, topic, 0)->offset = 1;
			err = fjord_commit(x, l, 0);
			snprintf(buf, sizeof(buf), "E%d\n", (int)err);
			if (write(wfd, buf, strlen(buf)) < 0)
				_exit(3);
			fjord_topic_partition_list_destroy(l);
			fjord_message_destroy(m);
			fjord_destroy(x);
			_exit(0);
		}
		fjord_message_destroy(m);
		if (consumed >= 50 && !ready) {
			ready = 1;
			if (fjord_commit(x, NULL, 0) != FJORD_ERR_NO_ERROR ||
			    write(wfd, "R\n", 2) < 0)
				_exit(4);
		}
	}
	_exit(5);
}

static int t0072_read_line(int fd, char *buf, size_t n, int ms)
{
	size_t len = 0;
	int64_t deadline = test_now_ms() + (int64_t)(ms * test_timeout_multiplier());
	while (len + 1 < n && test_now_ms() < deadline) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if (read(fd, buf + len, 1) != 1)
			break;
		if (buf[len++] == '\n')
			break;
	}
	buf[len] = '\0';
	return (int)len;
}

START_TEST(t0072_fenced_commit)
{
	test_cluster_t *c = test_shared_cluster();
	char topic[200], group[200], line[64];
	int fds[2], status = 0, xerr;
	pid_t pid;
	test_msgver_t *mv = test_msgver_new(1);
	fjord_t *y;
	int64_t y_committed, deadline;

	snprintf(topic, sizeof(topic), "%s", test_topic_name("fence"));
	snprintf(group, sizeof(group), "%s", tg_group_name("g"));
	ck_assert_int_eq(pipe(fds), 0);
	fflush(NULL);
	/* Fork before this process creates any client (threads do not fork). */
	pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		/* Wait for the topic: the parent creates it right after fork. */
		for (deadline = test_now_ms() + 60000; test_now_ms() < deadline; usleep(100000)) {
			int64_t lo, hi;
			fjord_t *probe = test_consumer_new(c, NULL);
			fjord_err_t e =
			    fjord_query_watermark_offsets(probe, topic, 0, &lo, &hi, 2000);
			fjord_destroy(probe);
			if (!e && hi >= 100)
				break;
		}
		t0072_member_x(c, group, topic, fds[1]);
	}
	close(fds[1]);
	test_create_topic(c, topic, 1, 1);
	test_produce_msgs(c, topic, 0, 100, 16);
	ck_assert_msg(t0072_read_line(fds[0], line, sizeof(line), 60000) > 0 && line[0] == 'R',
	              "member X did not start consuming");
	test_say("member X consumed and committed; freezing it");
	kill(pid, SIGSTOP);

	/* Y takes over once X's session expired (session.timeout.ms=4000). */
	y = tg_member_new(c, group, topic, "enable.auto.commit", "false", NULL);
	deadline = test_now_ms() + (int64_t)(40000 * test_timeout_multiplier());
	while (test_msgver_cnt(mv) < 50 && test_now_ms() < deadline)
		tg_poll(y, mv, 50, 200, NULL);
	ck_assert_msg(test_msgver_cnt(mv) == 50, "Y consumed %d of the 50 uncommitted records",
	              test_msgver_cnt(mv));
	ck_assert_int_eq(fjord_commit(y, NULL, 0), FJORD_ERR_NO_ERROR);
	y_committed = tg_committed(c, group, topic, 0);
	ck_assert_int_eq(y_committed, 100);

	kill(pid, SIGCONT);
	ck_assert_msg(t0072_read_line(fds[0], line, sizeof(line), 60000) > 0 && line[0] == 'E',
	              "member X never reported the loss of its partition");
	xerr = atoi(line + 1);
	test_say("member X's commit after the loss: %s", fjord_err2name((fjord_err_t)xerr));
	ck_assert_msg(xerr == FJORD_ERR__FENCED || xerr == FJORD_ERR__ASSIGNMENT_LOST,
	              "a fenced member's commit returned %s", fjord_err2name((fjord_err_t)xerr));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "member X exit status %d",
	              status);
	ck_assert_int_eq(tg_committed(c, group, topic, 0), 100);
	ck_assert_int_eq(tg_assigned_cnt(y), 1);
	fjord_destroy(y);
	test_msgver_verify(mv, "successor", 50);
	close(fds[0]);
}
END_TEST

void test_0072(TCase *tc)
{
	tcase_add_test(tc, t0072_fenced_commit);
}
