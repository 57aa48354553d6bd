/*
 * 0022-slow-readers — clients that leave their answers unread, and a
 * flood of connections past the broker's descriptor limit. Private
 * one-broker clusters with the default limits.
 *
 * t0022_slow_readers: a partition holds ~64 KB of records. T0022_ATTACKERS
 * raw connections (receive buffers shrunk, so answers pile up in the
 * broker, not in our kernel) each pipeline T0022_FETCHES Fetch requests for
 * it and never read. Every answer is a range of the segment file waiting
 * for sendfile. The broker's open descriptors (/proc/<pid>/fd) must stay
 * within what it had before, plus one socket per attacker, plus
 * T0022_FD_SLACK — independent of the number of answers pending, which is
 * checked to be large (fjord_requests_total{api="fetch"}); the attackers
 * must be paused by back-pressure (queued.max.requests.per.connection /
 * queued.max.bytes.per.connection, fjord_connections_paused). Meanwhile an
 * SDK producer and consumer use another topic: every acknowledged record
 * is read back once, in order. The old code dup()ed the segment fd per
 * answer: thousands of descriptors.
 *
 * t0022_fd_limit: the broker's soft RLIMIT_NOFILE is lowered (prlimit(2)
 * on the running process) to what it uses plus T0022_FD_ROOM, and
 * T0022_FLOOD connections are opened and held. Over T0022_CPU_WINDOW_MS
 * its CPU time (/proc/<pid>/stat) must stay under half a core (generous:
 * a behaviour, not a timing guarantee; the old code spun at a full core
 * logging every failed accept()), it must log few accept lines, and count
 * the errors (fjord_accept_errors_total{error="EMFILE"}) and the pending
 * connections it closed (fjord_connections_refused_total{reason=
 * "fd_limit"}). Once the flood closes it serves new clients again:
 * ApiVersions is answered, and records acknowledged before the flood and
 * after it are all read back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness_int.h"
#include "rawproto.h"
#include "repl_util.h"
#include "test.h"

#define T0022_ATTACKERS 8
#define T0022_FETCHES 1500
#define T0022_RECORDS 64
#define T0022_VALUE 1000
#define T0022_MSGS 500
/* Descriptors the broker may open during the attack besides the
 * attackers' sockets: the SDK client's connections, a segment roll, a
 * checkpoint being written, an HTTP scrape. */
#define T0022_FD_SLACK 24
#define T0022_FD_ROOM 24
#define T0022_FLOOD 300
#define T0022_CPU_WINDOW_MS 4000
#define T0022_MAX_ACCEPT_LINES 10

static double t0022_metric(test_cluster_t *c, const char *name)
{
	char *body = repl_http_body(c, 0, "/metrics");
	double v = repl_metric(body, name);

	free(body);
	return v;
}

/* A connection to port whose receive buffer is as small as the kernel
 * allows, so unread answers stay in the broker. */
static int t0022_connect_small_rcvbuf(int port)
{
	struct sockaddr_in sa = { 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0), small = 4096;

	ck_assert_msg(fd >= 0, "socket: %s", strerror(errno));
	ck_assert(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) == 0);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "connect: %s",
	              strerror(errno));
	return fd;
}

/* Sends as much of buf as the socket takes within timeout_ms; the broker
 * may stop reading (back-pressure), so this must not block. Returns the
 * bytes sent. */
static size_t t0022_send_nb(int fd, const uint8_t *buf, size_t len, int timeout_ms)
{
	int64_t deadline = test_now_ms() + timeout_ms;
	size_t done = 0;

	while (done < len && test_now_ms() < deadline) {
		struct pollfd pfd = { fd, POLLOUT, 0 };
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		ssize_t w = send(fd, buf + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w > 0)
			done += (size_t)w;
		else if (w < 0 && errno != EAGAIN && errno != EINTR)
			break;
	}
	return done;
}

typedef struct t0022_stable {
	pid_t pid;
	int last;
	int64_t since;
} t0022_stable_t;

/* test_wait_until predicate: the broker's fd count has not changed for
 * 2 s. */
static int t0022_fds_stable(void *arg)
{
	t0022_stable_t *st = arg;
	int n = harness_proc_fd_count(st->pid);

	if (n != st->last) {
		st->last = n;
		st->since = test_now_ms();
		return 0;
	}
	return test_now_ms() - st->since >= 2000;
}

typedef struct t0022_rss {
	pid_t pid;
	long limit_kb;
} t0022_rss_t;

static int t0022_rss_below(void *arg)
{
	t0022_rss_t *r = arg;

	return harness_proc_rss_kb(r->pid) <= r->limit_kb;
}

typedef struct t0022_paused {
	test_cluster_t *c;
	double want;
} t0022_paused_t;

static int t0022_all_paused(void *arg)
{
	t0022_paused_t *p = arg;

	return t0022_metric(p->c, "fjord_connections_paused{reason=\"backpressure\"}") >= p->want;
}

START_TEST(t0022_slow_readers)
{
	test_cluster_t *c = test_cluster_new(1, NULL);
	const char *topic = test_topic_name("slow");
	const char *verify = test_topic_name("verify");
	pid_t pid = c->brokers[0].pid;
	int port = c->brokers[0].port;
	int fds[T0022_ATTACKERS];
	uint8_t *reqs = NULL;
	size_t reqs_len = 0;

	test_create_topic(c, topic, 1, 1);
	test_create_topic(c, verify, 1, 1);
	test_produce_msgs(c, topic, 0, T0022_RECORDS, T0022_VALUE);

	int base_fds = harness_proc_fd_count(pid);
	long base_rss = harness_proc_rss_kb(pid);
	double fetches0 = t0022_metric(c, "fjord_requests_total{api=\"fetch\"}");
	ck_assert_int_gt(base_fds, 0);
	test_say("before: %d open fds, VmRSS %ld KiB", base_fds, base_rss);

	for (int i = 0; i < T0022_FETCHES; i++)
		ck_assert(raw_append_fetch(&reqs, &reqs_len, i, topic, 0, 0, 1 << 20, 0, 0) == 0);
	for (int k = 0; k < T0022_ATTACKERS; k++) {
		fds[k] = t0022_connect_small_rcvbuf(port);
		size_t sent = t0022_send_nb(fds[k], reqs, reqs_len, 10000);
		test_say("attacker %d: %zu of %zu request bytes sent, reading nothing", k, sent,
		         reqs_len);
	}
	free(reqs);

	/* Let the broker answer what it will and settle. */
	t0022_stable_t st = { pid, -1, test_now_ms() };
	if (!test_wait_until(t0022_fds_stable, &st, 60000))
		test_say("WARNING: the broker's fd count was still moving after 60 s");
	int attack_fds = harness_proc_fd_count(pid);
	long attack_rss = harness_proc_rss_kb(pid);
	double pending = t0022_metric(c, "fjord_requests_total{api=\"fetch\"}") - fetches0;
	test_say("under attack: %d open fds (%+d), VmRSS %ld KiB (%+ld), %.0f fetches read",
	         attack_fds, attack_fds - base_fds, attack_rss, attack_rss - base_rss, pending);
	ck_assert_msg(pending >= T0022_ATTACKERS * 50,
	              "only %.0f fetches were read: the attack did not take place", pending);
	ck_assert_msg(attack_fds <= base_fds + T0022_ATTACKERS + T0022_FD_SLACK,
	              "%d fds open under attack, %d before: descriptors grow with pending "
	              "fetch answers",
	              attack_fds, base_fds);

	/* Back-pressure stopped reading every attacker. */
	t0022_paused_t pz = { c, T0022_ATTACKERS };
	ck_assert_msg(test_wait_until(t0022_all_paused, &pz, 30000),
	              "fjord_connections_paused{reason=\"backpressure\"} = %g, want %d",
	              t0022_metric(c, "fjord_connections_paused{reason=\"backpressure\"}"),
	              T0022_ATTACKERS);

	/* Another client works meanwhile: all acknowledged, all read back. */
	test_produce_msgs(c, verify, 0, T0022_MSGS, 100);
	test_msgver_t *mv = test_msgver_new(1);
	int got = test_consume_msgs(c, verify, 1, FJORD_OFFSET_BEGINNING, T0022_MSGS, mv, 60000);
	test_say("another client: %d acknowledged, %d read back while attacked", T0022_MSGS, got);
	test_msgver_verify(mv, "consumed during the slow-reader attack", T0022_MSGS);
	ck_assert_int_le(harness_proc_fd_count(pid), base_fds + T0022_ATTACKERS + T0022_FD_SLACK);

	for (int k = 0; k < T0022_ATTACKERS; k++)
		close(fds[k]);
	t0022_stable_t st2 = { pid, -1, test_now_ms() };
	test_wait_until(t0022_fds_stable, &st2, 30000);
	t0022_rss_t rb = { pid, base_rss + 4096 };
	if (!test_wait_until(t0022_rss_below, &rb, 5000))
		test_say("WARNING: VmRSS still %ld KiB, %ld before the attack",
		         harness_proc_rss_kb(pid), base_rss);
	test_say("after the attackers closed: %d open fds, VmRSS %ld KiB",
	         harness_proc_fd_count(pid), harness_proc_rss_kb(pid));
	ck_assert_int_le(harness_proc_fd_count(pid), base_fds + T0022_FD_SLACK);
	test_cluster_destroy(c);
}
END_TEST

/* Lines of the broker's log that mention accept(). */
static int t0022_accept_lines(test_cluster_t *c)
{
	char path[700];
	int n = 0;

	ck_assert(harness_path(path, sizeof(path), "%s/broker-%d/broker.log", c->dir,
	                       c->brokers[0].id) == 0);
	char *text = harness_read_file(path, NULL);
	ck_assert_msg(text, "cannot read %s", path);
	for (char *l = text; l && *l;) {
		char *nl = strchr(l, '\n');
		if (nl)
			*nl = '\0';
		if (strstr(l, "accept"))
			n++;
		l = nl ? nl + 1 : NULL;
	}
	free(text);
	return n;
}

/* A new client is served: ApiVersions answered. */
static int t0022_served(void *arg)
{
	return raw_api_versions_ok(*(int *)arg, 2000);
}

START_TEST(t0022_fd_limit)
{
	test_cluster_t *c = test_cluster_new(1, NULL);
	const char *topic = test_topic_name("fdlimit");
	pid_t pid = c->brokers[0].pid;
	int port = c->brokers[0].port;
	int flood[T0022_FLOOD];
	struct rlimit old, low;
	int opened = 0;

	test_create_topic(c, topic, 2, 1);
	test_produce_msgs(c, topic, 0, T0022_MSGS, 100);
	int base_fds = harness_proc_fd_count(pid);
	ck_assert_int_gt(base_fds, 0);
	ck_assert_msg(prlimit(pid, RLIMIT_NOFILE, NULL, &old) == 0, "prlimit: %s", strerror(errno));
	low = old;
	low.rlim_cur = (rlim_t)(base_fds + T0022_FD_ROOM);
	ck_assert_msg(prlimit(pid, RLIMIT_NOFILE, &low, NULL) == 0, "prlimit: %s", strerror(errno));
	test_say("broker uses %d fds; its soft RLIMIT_NOFILE is now %llu (was %llu)", base_fds,
	         (unsigned long long)low.rlim_cur, (unsigned long long)old.rlim_cur);
	int lines0 = t0022_accept_lines(c);

	/* The flood: connections that stay open (the kernel completes them
	 * into the listen backlog whether or not the broker accepts). */
	for (int i = 0; i < T0022_FLOOD; i++) {
		flood[i] = raw_connect(port);
		if (flood[i] >= 0)
			opened++;
	}
	test_say("flood: %d of %d connections opened", opened, T0022_FLOOD);
	ck_assert_int_gt(opened, T0022_FD_ROOM * 2);

	/* A measurement window, not a wait for a condition: CPU time spent
	 * by the broker while the flood holds. */
	long cpu0 = harness_proc_cpu_ms(pid);
	int64_t t0 = test_now_ms();
	harness_sleep_ms(T0022_CPU_WINDOW_MS);
	long cpu1 = harness_proc_cpu_ms(pid);
	int64_t t1 = test_now_ms();
	double share = (double)(cpu1 - cpu0) / (double)(t1 - t0);
	int lines = t0022_accept_lines(c) - lines0;
	test_say("at the fd limit: %ld ms of CPU in %lld ms (%.0f%% of a core), %d accept log "
	         "lines, %d fds open",
	         cpu1 - cpu0, (long long)(t1 - t0), share * 100, lines, harness_proc_fd_count(pid));
	ck_assert_msg(share < 0.5, "the broker used %.0f%% of a core at the fd limit", share * 100);
	ck_assert_msg(lines <= T0022_MAX_ACCEPT_LINES,
	              "%d accept lines logged in %lld ms at the fd limit", lines,
	              (long long)(t1 - t0));

	for (int i = 0; i < T0022_FLOOD; i++)
		if (flood[i] >= 0)
			close(flood[i]);
	ck_assert_msg(test_wait_until(t0022_served, &port, 30000),
	              "the broker does not serve a new client after the flood closed");

	double emfile = t0022_metric(c, "fjord_accept_errors_total{error=\"EMFILE\"}");
	double refused = t0022_metric(c, "fjord_connections_refused_total{reason=\"fd_limit\"}");
	test_say("metrics: %g EMFILE accept errors, %g pending connections closed", emfile,
	         refused);
	ck_assert_msg(emfile >= 1, "fjord_accept_errors_total{error=\"EMFILE\"} = %g", emfile);
	ck_assert_msg(refused >= 1, "fjord_connections_refused_total{reason=\"fd_limit\"} = %g",
	              refused);

	/* Records acknowledged before the flood and after it (partitions 0
	 * and 1) are all read back. */
	test_produce_msgs(c, topic, 1, T0022_MSGS, 100);
	test_msgver_t *mv = test_msgver_new(2);
	int got = test_consume_msgs(c, topic, 2, FJORD_OFFSET_BEGINNING, 2 * T0022_MSGS, mv, 60000);
	test_say("read back %d of %d acknowledged records", got, 2 * T0022_MSGS);
	test_msgver_verify(mv, "before and after the flood", 2 * T0022_MSGS);

	ck_assert(prlimit(pid, RLIMIT_NOFILE, &old, NULL) == 0);
	test_cluster_destroy(c);
}
END_TEST

void test_0022(TCase *tc)
{
	tcase_add_test(tc, t0022_slow_readers);
	tcase_add_test(tc, t0022_fd_limit);
}
