/*
 * zk_proxy.c — a TCP proxy in front of a cluster's ZooKeeper, so a test can
 * take ZooKeeper away from the SDK handles it points at the proxy
 * (test_zkproxy_connect()) while the brokers keep their own sessions.
 *
 * Modes (test_zkproxy_set_mode):
 *   PASS        forwards every connection;
 *   CUT         closes every proxied connection and accepts-and-closes new
 *               ones: ZooKeeper is unreachable, the server expires the
 *               sessions after their timeout;
 *   REFUSE_NEW  forwards a connection only when its ConnectRequest resumes
 *               a session (sessionId != 0): a client learns that its
 *               session expired, but every new session it tries is refused
 *               (counted by test_zkproxy_refused()).
 * ZooKeeper's framing: every packet is a 4-byte big-endian length and a
 * body. The client's first body is a ConnectRequest (protocolVersion:4,
 * lastZxidSeen:8, timeOut:4, sessionId:8, ...), so the session id is at
 * stream offset 20; the server's first is a ConnectResponse
 * (protocolVersion:4, timeOut:4, sessionId:8, ...): the timeout at offset
 * 8, the session id at 12. The proxy remembers every session the server
 * granted, so test_zkproxy_sessions_gone() can ask the server (`dump`)
 * whether it expired them.
 *
 * One thread polls every socket (20 ms ticks pick up mode changes);
 * forwarding writes block (ZooKeeper traffic of a test is small).
 * Ownership: the caller destroys the proxy (joins the thread, closes all).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/bytes.h"
#include "harness_int.h"
#include "rawproto.h"

#define ZKPROXY_MAX_CONNS 64
#define ZKPROXY_MAX_SESSIONS 64
#define ZKPROXY_CREQ_HEAD 28  /* through the ConnectRequest's sessionId */
#define ZKPROXY_CRESP_HEAD 20 /* through the ConnectResponse's sessionId */

typedef struct zkproxy_conn {
	int cfd, sfd;
	int forwarding;                        /* the ConnectRequest was let through */
	unsigned char creq[ZKPROXY_CREQ_HEAD]; /* its head while deciding */
	size_t creq_len;
	unsigned char cresp[ZKPROXY_CRESP_HEAD]; /* the server's first bytes */
	size_t cresp_len;
} zkproxy_conn_t;

struct test_zkproxy {
	int lfd;
	int port;
	int zk_port;
	char connect[256];
	pthread_t thread;
	atomic_int stop;
	atomic_int mode;
	atomic_int refused;
	pthread_mutex_t lock; /* sessions */
	int64_t sessions[ZKPROXY_MAX_SESSIONS];
	int session_cnt;
	zkproxy_conn_t conns[ZKPROXY_MAX_CONNS]; /* proxy thread only */
	int conn_cnt;
};

static void zkproxy_drop(test_zkproxy_t *p, int i)
{
	close(p->conns[i].cfd);
	if (p->conns[i].sfd >= 0)
		close(p->conns[i].sfd);
	p->conns[i] = p->conns[--p->conn_cnt];
}

static void zkproxy_note_session(test_zkproxy_t *p, zkproxy_conn_t *cn)
{
	int64_t sid = be64_read_i(cn->cresp + 12);
	if (be32_read_i(cn->cresp + 8) <= 0 || sid == 0)
		return; /* the server said "expired" */
	pthread_mutex_lock(&p->lock);
	int known = 0;
	for (int i = 0; i < p->session_cnt; i++)
		known |= p->sessions[i] == sid;
	if (!known && p->session_cnt < ZKPROXY_MAX_SESSIONS)
		p->sessions[p->session_cnt++] = sid;
	pthread_mutex_unlock(&p->lock);
}

/* Client bytes arrived: decide on the ConnectRequest, then forward. */
static int zkproxy_from_client(test_zkproxy_t *p, zkproxy_conn_t *cn)
{
	unsigned char buf[16384];
	ssize_t r = read(cn->cfd, buf, sizeof(buf));
	size_t off = 0;
	if (r <= 0)
		return -1;
	if (!cn->forwarding) {
		size_t take = ZKPROXY_CREQ_HEAD - cn->creq_len;
		if (take > (size_t)r)
			take = (size_t)r;
		memcpy(cn->creq + cn->creq_len, buf, take);
		cn->creq_len += take;
		off = take;
		if (cn->creq_len < ZKPROXY_CREQ_HEAD)
			return 0;
		if (atomic_load(&p->mode) == TEST_ZKPROXY_REFUSE_NEW &&
		    be64_read_i(cn->creq + 20) == 0) {
			atomic_fetch_add(&p->refused, 1);
			return -1;
		}
		if (raw_send(cn->sfd, cn->creq, cn->creq_len) < 0)
			return -1;
		cn->forwarding = 1;
	}
	return raw_send(cn->sfd, buf + off, (size_t)r - off);
}

static int zkproxy_from_server(test_zkproxy_t *p, zkproxy_conn_t *cn)
{
	unsigned char buf[16384];
	ssize_t r = read(cn->sfd, buf, sizeof(buf));
	if (r <= 0)
		return -1;
	if (cn->cresp_len < ZKPROXY_CRESP_HEAD) {
		size_t take = ZKPROXY_CRESP_HEAD - cn->cresp_len;
		if (take > (size_t)r)
			take = (size_t)r;
		memcpy(cn->cresp + cn->cresp_len, buf, take);
		cn->cresp_len += take;
		if (cn->cresp_len == ZKPROXY_CRESP_HEAD)
			zkproxy_note_session(p, cn);
	}
	return raw_send(cn->cfd, buf, (size_t)r);
}

static void zkproxy_accept(test_zkproxy_t *p)
{
	int cfd = accept4(p->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (cfd < 0)
		return;
	if (atomic_load(&p->mode) == TEST_ZKPROXY_CUT || p->conn_cnt == ZKPROXY_MAX_CONNS) {
		close(cfd); /* unreachable: the client sees its connection lost */
		return;
	}
	zkproxy_conn_t *cn = &p->conns[p->conn_cnt];
	memset(cn, 0, sizeof(*cn));
	cn->cfd = cfd;
	cn->sfd = raw_connect(p->zk_port);
	if (cn->sfd < 0) {
		close(cfd);
		return;
	}
	p->conn_cnt++;
}

static void *zkproxy_main(void *arg)
{
	test_zkproxy_t *p = arg;
	struct pollfd pfd[1 + 2 * ZKPROXY_MAX_CONNS];
	while (!atomic_load(&p->stop)) {
		if (atomic_load(&p->mode) == TEST_ZKPROXY_CUT)
			while (p->conn_cnt > 0)
				zkproxy_drop(p, 0);
		int n = 0;
		pfd[n++] = (struct pollfd){ .fd = p->lfd, .events = POLLIN };
		for (int i = 0; i < p->conn_cnt; i++) {
			pfd[n++] = (struct pollfd){ .fd = p->conns[i].cfd, .events = POLLIN };
			pfd[n++] = (struct pollfd){ .fd = p->conns[i].sfd, .events = POLLIN };
		}
		if (poll(pfd, (nfds_t)n, 20) <= 0)
			continue;
		/* Back to front: dropping moves the last connection into slot i. */
		for (int i = p->conn_cnt - 1; i >= 0; i--) {
			short ce = pfd[1 + 2 * i].revents, se = pfd[2 + 2 * i].revents;
			int rc = 0;
			if (ce)
				rc = zkproxy_from_client(p, &p->conns[i]);
			if (rc == 0 && se)
				rc = zkproxy_from_server(p, &p->conns[i]);
			if (rc < 0)
				zkproxy_drop(p, i);
		}
		if (pfd[0].revents & POLLIN)
			zkproxy_accept(p);
	}
	while (p->conn_cnt > 0)
		zkproxy_drop(p, 0);
	return NULL;
}

test_zkproxy_t *test_zkproxy_new(test_cluster_t *c)
{
	test_zkproxy_t *p = calloc(1, sizeof(*p));
	struct sockaddr_in sa = { .sin_family = AF_INET,
		                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	ck_assert_ptr_nonnull(p);
	p->zk_port = c->zk_port;
	p->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_msg(p->lfd >= 0, "socket: %s", strerror(errno));
	ck_assert_msg(bind(p->lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	                  listen(p->lfd, 64) == 0 &&
	                  getsockname(p->lfd, (struct sockaddr *)&sa, &sl) == 0,
	              "ZooKeeper proxy: cannot listen: %s", strerror(errno));
	p->port = ntohs(sa.sin_port);
	snprintf(p->connect, sizeof(p->connect), "127.0.0.1:%d%s", p->port, c->chroot);
	atomic_init(&p->mode, TEST_ZKPROXY_PASS);
	pthread_mutex_init(&p->lock, NULL);
	ck_assert(pthread_create(&p->thread, NULL, zkproxy_main, p) == 0);
	test_say("ZooKeeper proxy %s -> 127.0.0.1:%d", p->connect, p->zk_port);
	return p;
}

const char *test_zkproxy_connect(const test_zkproxy_t *p)
{
	return p->connect;
}

void test_zkproxy_set_mode(test_zkproxy_t *p, int mode)
{
	static const char *const names[] = { "pass", "cut", "refuse new sessions" };
	atomic_store(&p->mode, mode);
	test_say("ZooKeeper proxy: %s", names[mode]);
}

int test_zkproxy_refused(test_zkproxy_t *p)
{
	return atomic_load(&p->refused);
}

int test_zkproxy_sessions_gone(test_zkproxy_t *p)
{
	char *dump = harness_zk_4lw(p->zk_port, "dump");
	int gone = dump != NULL;
	pthread_mutex_lock(&p->lock);
	for (int i = 0; gone && i < p->session_cnt; i++) {
		char hex[32];
		snprintf(hex, sizeof(hex), "0x%llx\n", (unsigned long long)p->sessions[i]);
		gone = !strstr(dump, hex);
	}
	pthread_mutex_unlock(&p->lock);
	free(dump);
	return gone;
}

void test_zkproxy_destroy(test_zkproxy_t *p)
{
	if (!p)
		return;
	atomic_store(&p->stop, 1);
	pthread_join(p->thread, NULL);
	close(p->lfd);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
