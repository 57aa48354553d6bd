/*
 * server.c — the client listeners (one evconnlistener per entry of
 * `listeners`, all on the loop) and who may connect.
 *
 * Binds each listener's host:port (empty host: all interfaces; port 0: the
 * kernel picks one and bound[i].port reports it), then hands each accepted
 * socket to conn_new() with the listener's index, so a request knows which
 * listener it arrived on (Metadata answers with that listener's endpoints,
 * as Kafka does). Accepted sockets get TCP_NODELAY: a response is
 * often a small header followed by a sendfile()d payload, and with Nagle the
 * second part would wait for the peer's delayed ACK (tens of ms) — that
 * alone would throttle acks=all, whose answer waits on follower round
 * trips.
 *
 * Who may connect (docs/operations.md, "Limits and faults"):
 *   - max.connections.per.ip: a peer address at its quota has the new
 *     connection accepted and closed at once (conn_quota.h).
 *   - max.connections: at the limit every listener stops accepting, so new
 *     connections wait in the kernel's listen backlog, except the
 *     inter-broker listener when there are several listeners (Kafka's
 *     "protected" listener): replication can always connect, and a
 *     connection it brings past the limit closes the least recently active
 *     connection of another listener. With a single listener nothing is
 *     exempt, as in Kafka.
 *   - the process's descriptor limit: accept() failing with EMFILE or
 *     ENFILE used to leave the listening socket readable, so the loop woke
 *     at once, failed again and logged again, at full CPU. Now the broker
 *     keeps one spare descriptor (on /dev/null); on EMFILE/ENFILE it closes
 *     the spare, accepts the pending connection and closes it (so a client
 *     is told at once instead of waiting in the backlog), reopens the spare,
 *     and stops accepting on every listener, the HTTP one included, for a
 *     back-off of 100 ms doubling to 1 s while the errors go on (reset by
 *     an accept that works). Accept errors are logged at most once per
 *     CONN_RATELOG_INTERVAL_MS with a count of the ones not logged, and
 *     counted in /metrics.
 *
 * server_update_accepting() is the one place that turns listeners on and
 * off; it combines the start-up pause (server_set_accepting), the back-off
 * and max.connections, and is called whenever one of them may change.
 *
 * Thread: loop thread only. Ownership: b->bound is the broker's, freed by
 * broker_free(); the back-off timer and the spare descriptor are freed by
 * server_stop().
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "broker/broker.h"
#include "broker/conn.h"
#include "common/bytes.h"
#include "common/flog.h"

#define SERVER_BACKOFF_MIN_MS 100
#define SERVER_BACKOFF_MAX_MS 1000

/* The broker whose HTTP listener server_watch_http() guards: evhttp's
 * listener passes its own pointer to callbacks, not ours (one broker per
 * process). */
static broker_t *server_http_broker;

/* Kafka's protected listener: the inter-broker one, when there are
 * several. */
static int server_listener_protected(const broker_t *b, int idx)
{
	return idx == b->conf.ibl && b->conf.lsn_cnt > 1;
}

void server_update_accepting(broker_t *b)
{
	int full = b->conn_cnt >= b->conf.max_connections;
	uint64_t suppressed;
	int i;

	if (full && !b->accept_full) {
		b->metrics.listener_pauses_max_connections++;
		if (conn_ratelog(&b->refuse_log, fj_mono_ms(), &suppressed))
			flog(LOG_WARNING, "server",
			     "%d connections: max.connections reached, not accepting until one "
			     "closes (%llu more refusals since the last line)",
			     b->conn_cnt, (unsigned long long)suppressed);
	}
	b->accept_full = full;
	for (i = 0; i < b->bound_cnt; i++) {
		broker_bound_t *bb = &b->bound[i];
		int want = !b->shutting_down && !b->accept_held && !b->accept_backoff &&
		           (!full || server_listener_protected(b, i));

		if (!bb->evl || want == bb->enabled)
			continue;
		bb->enabled = want;
		if (want)
			evconnlistener_enable(bb->evl);
		else
			evconnlistener_disable(bb->evl);
	}
	if (b->http_evl && b->http_enabled != !b->accept_backoff) {
		b->http_enabled = !b->accept_backoff;
		if (b->http_enabled)
			evconnlistener_enable(b->http_evl);
		else
			evconnlistener_disable(b->http_evl);
	}
}

static void server_on_backoff_done(evutil_socket_t fd, short what, void *arg)
{
	broker_t *b = arg;

	(void)fd;
	(void)what;
	b->accept_backoff = 0;
	server_update_accepting(b);
}

static int server_errno_slot(int err)
{
	switch (err) {
	case EMFILE:
		return METRICS_ACCEPT_EMFILE;
	case ENFILE:
		return METRICS_ACCEPT_ENFILE;
	case ENOBUFS:
		return METRICS_ACCEPT_ENOBUFS;
	case ENOMEM:
		return METRICS_ACCEPT_ENOMEM;
	default:
		return METRICS_ACCEPT_OTHER;
	}
}

/* accept() on lev failed with err (not a retriable error: libevent
 * filters EAGAIN, EINTR and ECONNABORTED). See the file comment. */
static void server_accept_failed(broker_t *b, struct evconnlistener *lev, int err, const char *name)
{
	int delay = b->accept_backoff_next_ms, refused = 0;
	uint64_t suppressed;

	b->metrics.accept_errors[server_errno_slot(err)]++;
	if ((err == EMFILE || err == ENFILE) && b->accept_reserve_fd >= 0) {
		int fd;

		close(b->accept_reserve_fd);
		fd = accept(evconnlistener_get_fd(lev), NULL, NULL);
		if (fd >= 0) {
			close(fd);
			b->metrics.conn_refused_fd_limit++;
			refused = 1;
		}
		b->accept_reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	}
	if (!b->accept_backoff && b->accept_backoff_ev) {
		struct timeval tv = { delay / 1000, (delay % 1000) * 1000 };

		b->accept_backoff = 1;
		b->metrics.listener_pauses_accept_error++;
		b->accept_backoff_next_ms =
		    delay * 2 > SERVER_BACKOFF_MAX_MS ? SERVER_BACKOFF_MAX_MS : delay * 2;
		evtimer_add(b->accept_backoff_ev, &tv);
		server_update_accepting(b);
	}
	if (conn_ratelog(&b->accept_log, fj_mono_ms(), &suppressed))
		flog(LOG_ERR, "server",
		     "listener %s: accept failed: %s%s; not accepting for %d ms (%llu more "
		     "accept errors since the last line)",
		     name, evutil_socket_error_to_string(err),
		     refused ? " (a pending connection was closed)" : "", delay,
		     (unsigned long long)suppressed);
}

static void server_on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
                             int salen, void *arg)
{
	broker_bound_t *bb = arg;
	broker_t *b = bb->b;
	int protected = server_listener_protected(b, bb->idx);
	conn_quota_key_t key;
	uint64_t suppressed;
	conn_t *victim;

	(void)l;
	if (b->shutting_down) {
		evutil_closesocket(fd);
		return;
	}
	b->accept_backoff_next_ms = SERVER_BACKOFF_MIN_MS;
	conn_quota_key(sa, &key);
	if (conn_quota_count(&b->quota, &key) >= b->conf.max_connections_per_ip) {
		char peer[64];

		evutil_closesocket(fd);
		b->metrics.conn_refused_per_ip++;
		if (conn_ratelog(&b->refuse_log, fj_mono_ms(), &suppressed)) {
			conn_quota_format(&key, peer, sizeof(peer));
			flog(LOG_WARNING, "server",
			     "listener %s: refused a connection from %s: it has %d "
			     "(max.connections.per.ip; %llu more refusals since the last line)",
			     b->conf.lsn[bb->idx].name, peer, b->conf.max_connections_per_ip,
			     (unsigned long long)suppressed);
		}
		return;
	}
	if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6) {
		int one = 1;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
			flog(LOG_WARNING, "server", "TCP_NODELAY: %s", strerror(errno));
	}
	if (!conn_new(b, fd, sa, salen, bb->idx)) {
		flog(LOG_ERR, "server", "cannot set up an accepted connection (out of memory)");
		return;
	}
	/* Only the protected listener accepts past the limit: make room. */
	if (protected && b->conn_cnt > b->conf.max_connections &&
	    (victim = conn_least_active(b, bb->idx)) != NULL) {
		b->metrics.conn_evicted++;
		if (conn_ratelog(&b->refuse_log, fj_mono_ms(), &suppressed))
			flog(LOG_WARNING, "server",
			     "max.connections: closing the least recently active connection (%s) "
			     "for one on inter-broker listener %s (%llu more refusals since the "
			     "last line)",
			     victim->peer, b->conf.lsn[bb->idx].name,
			     (unsigned long long)suppressed);
		conn_close(victim, "max.connections: room for an inter-broker connection");
	}
	server_update_accepting(b);
}

static void server_on_error(struct evconnlistener *l, void *arg)
{
	broker_bound_t *bb = arg;
	int err = EVUTIL_SOCKET_ERROR();

	server_accept_failed(bb->b, l, err, bb->b->conf.lsn[bb->idx].name);
}

static void server_on_http_error(struct evconnlistener *l, void *arg)
{
	int err = EVUTIL_SOCKET_ERROR();

	(void)arg; /* evhttp's */
	if (server_http_broker)
		server_accept_failed(server_http_broker, l, err, "http");
	else
		evconnlistener_disable(l);
}

void server_watch_http(broker_t *b, struct evconnlistener *lev)
{
	server_http_broker = b;
	b->http_evl = lev;
	b->http_enabled = 1;
	evconnlistener_set_error_cb(lev, server_on_http_error);
	server_update_accepting(b);
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
	bb->enabled = 1; /* evconnlistener_new_bind enables it */
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

	b->accept_backoff_next_ms = SERVER_BACKOFF_MIN_MS;
	b->accept_reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (b->accept_reserve_fd < 0)
		flog(LOG_WARNING, "server",
		     "cannot open /dev/null for the spare descriptor (%s): at the descriptor limit "
		     "pending connections will wait in the backlog instead of being closed",
		     strerror(errno));
	b->accept_backoff_ev = evtimer_new(loop_base(b->loop), server_on_backoff_done, b);
	b->bound = calloc((size_t)b->conf.lsn_cnt, sizeof(*b->bound));
	if (!b->bound || !b->accept_backoff_ev) {
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
	if (b->accept_backoff_ev) {
		event_free(b->accept_backoff_ev);
		b->accept_backoff_ev = NULL;
	}
	b->accept_backoff = 0;
	if (b->accept_reserve_fd >= 0) {
		close(b->accept_reserve_fd);
		b->accept_reserve_fd = -1;
	}
}

void server_set_accepting(broker_t *b, int on)
{
	b->accept_held = !on;
	server_update_accepting(b);
}

void server_cron(broker_t *b, int64_t now_mono_ms)
{
	uint64_t suppressed;

	if (conn_ratelog_flush(&b->accept_log, now_mono_ms, &suppressed))
		flog(LOG_ERR, "server",
		     "%llu more accept errors not logged (fjord_accept_errors_total)",
		     (unsigned long long)suppressed);
	if (conn_ratelog_flush(&b->refuse_log, now_mono_ms, &suppressed))
		flog(LOG_WARNING, "server",
		     "%llu more refused, evicted or held-back connections not logged "
		     "(fjord_connections_refused_total, fjord_connections_evicted_total, "
		     "fjord_listener_pauses_total)",
		     (unsigned long long)suppressed);
}
