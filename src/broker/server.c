/*
 * server.c — the client listener (evconnlistener on the loop).
 *
 * Binds listeners' host:port (empty host: all interfaces; port 0: the
 * kernel picks one and b->port reports it), then hands each accepted
 * socket to conn_new(). Accepted sockets get TCP_NODELAY: a response is
 * often a small header followed by a sendfile()d payload, and with Nagle the
 * second part would wait for the peer's delayed ACK (tens of ms) — that
 * alone would throttle acks=all, whose answer waits on follower round
 * trips. Accept errors (EMFILE, ...) are logged and the listener keeps
 * going. Thread: loop thread only.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/listener.h>

#include "broker/broker.h"
#include "broker/conn.h"
#include "common/flog.h"

static void server_on_accept(struct evconnlistener *l, evutil_socket_t fd,
                             struct sockaddr *sa, int salen, void *arg)
{
	broker_t *b = arg;

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
	if (!conn_new(b, fd, sa, salen))
		flog(LOG_ERR, "server", "cannot set up an accepted connection (out of memory)");
}

static void server_on_error(struct evconnlistener *l, void *arg)
{
	int err = EVUTIL_SOCKET_ERROR();

	(void)l;
	(void)arg;
	flog(LOG_WARNING, "server", "accept failed: %s", evutil_socket_error_to_string(err));
}

int server_start(broker_t *b, char *errstr, size_t errstr_size)
{
	const char *host = b->conf.listen_host && *b->conf.listen_host ? b->conf.listen_host : NULL;
	struct addrinfo hints, *ai = NULL;
	char portstr[16];
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	snprintf(portstr, sizeof(portstr), "%d", b->conf.listen_port);
	rc = getaddrinfo(host, portstr, &hints, &ai);
	if (rc != 0 || !ai) {
		snprintf(errstr, errstr_size, "listeners: cannot resolve \"%s\": %s",
		         host ? host : "", gai_strerror(rc));
		return -1;
	}
	b->listener = evconnlistener_new_bind(loop_base(b->loop), server_on_accept, b,
	                                      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
	                                          LEV_OPT_CLOSE_ON_EXEC,
	                                      512, ai->ai_addr, (int)ai->ai_addrlen);
	freeaddrinfo(ai);
	if (!b->listener) {
		snprintf(errstr, errstr_size, "listeners: cannot listen on %s:%d: %s",
		         host ? host : "0.0.0.0", b->conf.listen_port, strerror(errno));
		return -1;
	}
	evconnlistener_set_error_cb(b->listener, server_on_error);
	if (getsockname(evconnlistener_get_fd(b->listener), (struct sockaddr *)&ss, &sl) != 0) {
		snprintf(errstr, errstr_size, "listeners: getsockname: %s", strerror(errno));
		return -1;
	}
	b->port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
	                                   : ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return 0;
}

void server_stop(broker_t *b)
{
	if (b->listener) {
		evconnlistener_free(b->listener);
		b->listener = NULL;
	}
}
