/*
 * server.c — the client listeners (one evconnlistener per entry of
 * `listeners`, all on the loop).
 *
 * Binds each listener's host:port (empty host: all interfaces; port 0: the
 * kernel picks one and bound[i].port reports it), then hands each accepted
 * socket to conn_new() with the listener's index, so a request knows which
 * listener it arrived on (Metadata answers with that listener's endpoints,
 * as Kafka does). Accepted sockets get TCP_NODELAY: a response is
 * often a small header followed by a sendfile()d payload, and with Nagle the
 * second part would wait for the peer's delayed ACK (tens of ms) — that
 * alone would throttle acks=all, whose answer waits on follower round
 * trips. Accept errors (EMFILE, ...) are logged and the listener keeps
 * going. Thread: loop thread only. Ownership: b->bound is the broker's,
 * freed by server_stop().
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/listener.h>

#include "broker/broker.h"
#include "broker/conn.h"
#include "common/flog.h"

static void server_on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
                             int salen, void *arg)
{
	broker_bound_t *bb = arg;
	broker_t *b = bb->b;

	(void)l;
	if (b->shutting_down) {
		evutil_closesocket(fd);
		return;
	}
	if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) {
		int one = 1;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
			flog(LOG_WARNING, "server", "TCP_NODELAY: %s", strerror(errno));
	}
	if (!conn_new(b, fd, sa, salen, bb->idx))
		flog(LOG_ERR, "server", "cannot set up an accepted connection (out of memory)");
}

static void server_on_error(struct evconnlistener *l, void *arg)
{
	broker_bound_t *bb = arg;
	int err = EVUTIL_SOCKET_ERROR();

	(void)l;
	flog(LOG_WARNING, "server", "listener %s: accept failed: %s", bb->b->conf.lsn[bb->idx].name,
	     evutil_socket_error_to_string(err));
}

static int server_bind_one(broker_t *b, broker_bound_t *bb, char *errstr, size_t errstr_size)
{
	const broker_listener_t *bl = &b->conf.lsn[bb->idx];
	const char *host = bl->host && *bl->host ? bl->host : NULL;
	struct addrinfo hints, *ai = NULL;
	char portstr[16];
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	snprintf(portstr, sizeof(portstr), "%d", bl->port);
	rc = getaddrinfo(host, portstr, &hints, &ai);
	if (rc != 0 || !ai) {
		snprintf(errstr, errstr_size, "listeners: %s: cannot resolve \"%s\": %s", bl->name,
		         host ? host : "", gai_strerror(rc));
		if (ai)
			freeaddrinfo(ai);
		return -1;
	}
	bb->evl = evconnlistener_new_bind(loop_base(b->loop), server_on_accept, bb,
	                                  LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
	                                      LEV_OPT_CLOSE_ON_EXEC,
	                                  512, ai->ai_addr, (int)ai->ai_addrlen);
	freeaddrinfo(ai);
	if (!bb->evl) {
		snprintf(errstr, errstr_size, "listeners: %s: cannot listen on %s:%d: %s", bl->name,
		         host ? host : "0.0.0.0", bl->port, strerror(errno));
		return -1;
	}
	evconnlistener_set_error_cb(bb->evl, server_on_error);
	if (getsockname(evconnlistener_get_fd(bb->evl), (struct sockaddr *)&ss, &sl) != 0) {
		snprintf(errstr, errstr_size, "listeners: %s: getsockname: %s", bl->name,
		         strerror(errno));
		return -1;
	}
	bb->port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
	                                    : ntohs(((struct sockaddr_in *)&ss)->sin_port);
	flog(LOG_INFO, "server", "listener %s bound to %s:%d", bl->name, host ? host : "0.0.0.0",
	     bb->port);
	return 0;
}

int server_start(broker_t *b, char *errstr, size_t errstr_size)
{
	int i;

	b->bound = calloc((size_t)b->conf.lsn_cnt, sizeof(*b->bound));
	if (!b->bound) {
		snprintf(errstr, errstr_size, "out of memory");
		return -1;
	}
	b->bound_cnt = b->conf.lsn_cnt;
	for (i = 0; i < b->bound_cnt; i++) {
		b->bound[i].b = b;
		b->bound[i].idx = i;
		if (server_bind_one(b, &b->bound[i], errstr, errstr_size) != 0)
			return -1;
	}
	b->port = b->bound[0].port;
	b->host = strdup(b->conf.lsn[0].host[0] ? b->conf.lsn[0].host : "0.0.0.0");
	if (!b->host) {
		snprintf(errstr, errstr_size, "out of memory");
		return -1;
	}
	return 0;
}

void server_stop(broker_t *b)
{
	int i;

	for (i = 0; i < b->bound_cnt; i++) {
		if (b->bound[i].evl) {
			evconnlistener_free(b->bound[i].evl);
			b->bound[i].evl = NULL;
		}
	}
}

void server_set_accepting(broker_t *b, int on)
{
	int i;

	for (i = 0; i < b->bound_cnt; i++) {
		if (!b->bound[i].evl)
			continue;
		if (on)
			evconnlistener_enable(b->bound[i].evl);
		else
			evconnlistener_disable(b->bound[i].evl);
	}
}
