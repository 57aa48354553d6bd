/*
 * bconn.c — the SDK's connection to one broker.
 *
 * What: a non-blocking TCP connection driven by the handle's event_base:
 * requests are framed (frame.h prefix + protobuf Request header + raw
 * payload) into an output evbuffer and written with send(MSG_NOSIGNAL), so a
 * peer that goes away never raises SIGPIPE. Requests are pipelined; the
 * broker answers in request order, so the in-flight queue is a FIFO matched
 * by correlation id. A request's callback fires exactly once: with the
 * response, or with an error when the connection fails or the request
 * times out (then the connection is closed: later responses could not be
 * matched any more). Requests without a response (acks=0) complete once
 * their last byte is written. A failed connection reconnects when a request
 * needs it, no sooner than reconnect.backoff.ms (doubling up to 10x) after
 * the last failure.
 *
 * TLS (security.protocol=ssl): the socket is wrapped by bconn_tls.c. The
 * connection stays CONNECTING until its handshake completes, driven by
 * whichever socket event OpenSSL waits for; reads and writes then go
 * through it. A handshake or verification failure fails the connection
 * with OpenSSL's reason and is reported once per outage to the error
 * callback, naming the broker.
 *
 * Thread: the handle's I/O thread only. Owns: the socket, both evbuffers and
 * every queued breq_t (freed after its callback).
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "client/client_int.h"
#include "common/bytes.h"
#include "common/frame.h"

/* BCONN_AUTH: connected, the SASL login (bsasl.c) runs; requests queued
 * meanwhile wait in `held`, and only the login's frames are written. */
enum { BCONN_DOWN = 0, BCONN_CONNECTING = 1, BCONN_UP = 2, BCONN_AUTH = 3 };

#define BCONN_MAX_FRAME ((size_t)1 << 30)
#define BCONN_RTT_WIN 512

struct bconn {
	TAILQ_ENTRY(bconn) link;
	fjord_t *h;
	int32_t id;
	char *host;
	int port;
	char *listener; /* listener name host:port was chosen for; NULL: unknown */
	int fd;
	int state;
	bconn_tls_t *tls; /* security.protocol ssl: set once the TCP connect completes */
	int answered;     /* a response arrived since the last connect */
	int err_told;     /* a setup error went to the error callback; reset by a response */
	struct event *ev_r, *ev_w;
	struct evbuffer *in, *out;
	uint64_t out_pos;  /* bytes ever appended to out */
	uint64_t sent_pos; /* bytes ever written to the socket */
	TAILQ_HEAD(, breq) reqs;
	int inflight;
	int64_t next_connect_ms;
	int backoff_ms;
	int fails;
	bsasl_t *sasl;          /* AUTH: the login in progress */
	struct evbuffer *held;  /* AUTH: queued requests, written once logged in */
	uint64_t held_sent_pos; /* sent_pos when the login began */
	/* statistics.interval.ms (stats.c): totals, and the round-trip times
	 * of the newest BCONN_RTT_WIN responses (a ring; st_rtt_n counts all) */
	uint64_t st_tx, st_rx, st_txbytes, st_rxbytes;
	int64_t st_rtt_us[BCONN_RTT_WIN];
	uint64_t st_rtt_n;
};

static void bconn_on_read(evutil_socket_t fd, short what, void *arg);
static void bconn_on_write(evutil_socket_t fd, short what, void *arg);
static int bconn_auth_begin(bconn_t *bc);

int bconn_is_up(const bconn_t *bc)
{
	return bc->state == BCONN_UP;
}

int32_t bconn_id(const bconn_t *bc)
{
	return bc->id;
}

int bconn_inflight(const bconn_t *bc)
{
	return bc->inflight;
}

bconn_t *bconn_find(fjord_t *h, int32_t id)
{
	bconn_t *bc;
	TAILQ_FOREACH (bc, &h->conns, link)
		if (bc->id == id)
			return bc;
	return NULL;
}

bconn_t *bconn_any(fjord_t *h)
{
	bconn_t *bc, *best = NULL;
	TAILQ_FOREACH (bc, &h->conns, link) {
		if (bc->state == BCONN_UP && (!best || bc->inflight < best->inflight))
			best = bc;
	}
	if (best)
		return best;
	/* Nothing up: the one whose reconnect is due first. */
	TAILQ_FOREACH (bc, &h->conns, link)
		if (!best || bc->next_connect_ms < best->next_connect_ms)
			best = bc;
	return best;
}

static void bconn_free(bconn_t *bc)
{
	bconn_tls_free(bc->tls);
	if (bc->ev_r)
		event_free(bc->ev_r);
	if (bc->ev_w)
		event_free(bc->ev_w);
	if (bc->fd >= 0)
		close(bc->fd);
	if (bc->in)
		evbuffer_free(bc->in);
	if (bc->out)
		evbuffer_free(bc->out);
	if (bc->held)
		evbuffer_free(bc->held);
	bsasl_free(bc->sasl);
	free(bc->host);
	free(bc->listener);
	free(bc);
}

bconn_t *bconn_get(fjord_t *h, int32_t id, const char *host, int port, const char *listener)
{
	bconn_t *bc = bconn_find(h, id);
	if (bc && strcmp(bc->host, host) == 0 && bc->port == port)
		return bc;
	if (bc) {
		/* The broker moved: forget the old address. */
		/* The broker moved: the old connection becomes an orphan that
		 * the next tick fails and frees (never re-entrantly here). */
		bc->id = INT32_MIN;
	}
	bc = calloc(1, sizeof(*bc));
	if (!bc)
		return NULL;
	bc->h = h;
	bc->id = id;
	bc->fd = -1;
	bc->port = port;
	bc->host = fj_strdup(host);
	bc->listener = listener ? fj_strdup(listener) : NULL;
	bc->in = evbuffer_new();
	bc->out = evbuffer_new();
	bc->held = evbuffer_new();
	bc->backoff_ms = h->cv_conf->reconnect_backoff_ms;
	TAILQ_INIT(&bc->reqs);
	if (!bc->host || (listener && !bc->listener) || !bc->in || !bc->out || !bc->held) {
		bconn_free(bc);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&h->conns, bc, link);
	return bc;
}

/* Takes every request off the connection, resets it to DOWN and fails the
 * requests with err (the head one with head_err if that is not 0). */
static void bconn_fail(bconn_t *bc, fjord_err_t err, fjord_err_t head_err, const char *why)
{
	fjord_t *h = bc->h;
	TAILQ_HEAD(, breq) reqs = TAILQ_HEAD_INITIALIZER(reqs);
	breq_t *r;
	int first = 1;

	/* Warn once per outage; repeated reconnect failures are debug noise. */
	if (bc->state != BCONN_DOWN && err != FJORD_ERR__DESTROY)
		handle_log(h, bc->fails == 0 ? FJ_LOG_WARNING : FJ_LOG_DEBUG, "BROKER",
		           "%s:%d/%d%s%s%s: connection closed: %s", bc->host, bc->port, bc->id,
		           bc->listener ? " (listener " : "", bc->listener ? bc->listener : "",
		           bc->listener ? ")" : "", why);
	if (bc->ev_r) {
		event_free(bc->ev_r);
		bc->ev_r = NULL;
	}
	if (bc->ev_w) {
		event_free(bc->ev_w);
		bc->ev_w = NULL;
	}
	bconn_tls_free(bc->tls);
	bc->tls = NULL;
	if (bc->fd >= 0) {
		close(bc->fd);
		bc->fd = -1;
	}
	bc->state = BCONN_DOWN;
	bc->fails++;
	bc->next_connect_ms = fj_mono_ms() + bc->backoff_ms;
	if (bc->backoff_ms < h->cv_conf->reconnect_backoff_ms * 10)
		bc->backoff_ms *= 2;
	evbuffer_drain(bc->in, evbuffer_get_length(bc->in));
	evbuffer_drain(bc->out, evbuffer_get_length(bc->out));
	evbuffer_drain(bc->held, evbuffer_get_length(bc->held));
	bsasl_free(bc->sasl);
	bc->sasl = NULL;
	bc->out_pos = bc->sent_pos = 0;
	bc->inflight = 0;
	while ((r = TAILQ_FIRST(&bc->reqs))) {
		TAILQ_REMOVE(&bc->reqs, r, link);
		TAILQ_INSERT_TAIL(&reqs, r, link);
	}
	while ((r = TAILQ_FIRST(&reqs))) {
		TAILQ_REMOVE(&reqs, r, link);
		r->cb(h, r, first && head_err ? head_err : err, NULL, NULL, 0);
		first = 0;
		free(r);
	}
}

static int bconn_connect(bconn_t *bc)
{
	struct addrinfo hints, *res = NULL, *ai;
	char port[16];
	int fd = -1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", bc->port);
	/* Name resolution blocks the I/O thread; brokers are usually given by
	 * address or resolvable locally (documented in docs/sdk.md). */
	rc = getaddrinfo(bc->host, port, &hints, &res);
	if (rc != 0) {
		char why[300];
		snprintf(why, sizeof(why), "cannot resolve %s:%d%s%s%s: %s", bc->host, bc->port,
		         bc->listener ? " (listener " : "", bc->listener ? bc->listener : "",
		         bc->listener ? ")" : "", gai_strerror(rc));
		bconn_fail(bc, FJORD_ERR__TRANSPORT, 0, why);
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		            ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		bconn_fail(bc, FJORD_ERR__TRANSPORT, 0, strerror(errno));
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	bc->fd = fd;
	bc->state = BCONN_CONNECTING;
	bc->answered = 0;
	bc->ev_r = event_new(bc->h->base, fd, EV_READ | EV_PERSIST, bconn_on_read, bc);
	bc->ev_w = event_new(bc->h->base, fd, EV_WRITE | EV_PERSIST, bconn_on_write, bc);
	if (!bc->ev_r || !bc->ev_w) {
		bconn_fail(bc, FJORD_ERR__TRANSPORT, 0, "out of memory");
		return -1;
	}
	event_add(bc->ev_w, NULL);
	return 0;
}

/* Completes fire-and-forget requests whose bytes are all written. */
static void bconn_complete_sent(bconn_t *bc)
{
	breq_t *r, *tmp;
	if (bc->state == BCONN_AUTH)
		return; /* only the login's frames are being written */
	TAILQ_FOREACH_SAFE (r, &bc->reqs, link, tmp) {
		if (r->start_pos < bc->sent_pos)
			r->sent = 1;
		if (r->start_pos >= bc->sent_pos)
			break;
		if (!r->expect_response && r->end_pos <= bc->sent_pos) {
			TAILQ_REMOVE(&bc->reqs, r, link);
			bc->inflight--;
			r->cb(bc->h, r, FJORD_ERR_NO_ERROR, NULL, NULL, 0);
			free(r);
		}
	}
}

/* TLS: the broker ended the connection before answering anything. With
 * TLS 1.3 a refused client certificate (or none where one is required)
 * arrives as an alert after our side of the handshake completed, so on a
 * failed write the alert is read first when it is there. Tells the error
 * callback (once until a response arrives) and fails the connection. */
static void bconn_tls_refused(bconn_t *bc, const char *why, int try_read)
{
	char alert[300], msg[512];

	if (try_read && bconn_tls_read(bc->tls, bc->in, alert, sizeof(alert)) < 0 && errno == EIO)
		why = alert;
	snprintf(msg, sizeof(msg), "TLS with %s:%d/%d failed: %s", bc->host, bc->port, bc->id, why);
	if (!bc->err_told++)
		cbq_push_error(bc->h, FJORD_ERR__TRANSPORT, msg);
	bconn_fail(bc, FJORD_ERR__TRANSPORT, 0, msg);
}

static void bconn_flush(bconn_t *bc)
{
	struct evbuffer_iovec v[16];
	char why[300];
	while (evbuffer_get_length(bc->out) > 0) {
		ssize_t w;
		if (bc->tls) {
			w = bconn_tls_write(bc->tls, bc->out, why, sizeof(why));
		} else {
			int n = evbuffer_peek(bc->out, -1, NULL, v, 16);
			struct msghdr mh;
			memset(&mh, 0, sizeof(mh));
			mh.msg_iov = (struct iovec *)v;
			mh.msg_iovlen = (size_t)(n > 16 ? 16 : n);
			w = sendmsg(bc->fd, &mh, MSG_NOSIGNAL);
			if (w < 0)
				snprintf(why, sizeof(why), "%s", strerror(errno));
		}
		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				break;
			if (bc->tls && !bc->answered)
				bconn_tls_refused(bc, why, 1);
			else
				bconn_fail(bc, FJORD_ERR__TRANSPORT, 0, why);
			return;
		}
		evbuffer_drain(bc->out, (size_t)w);
		bc->sent_pos += (uint64_t)w;
	}
	if (evbuffer_get_length(bc->out) > 0)
		event_add(bc->ev_w, NULL);
	else
		event_del(bc->ev_w);
	bconn_complete_sent(bc);
}

/* TLS: one handshake step after the TCP connect. 1: done; 0: waiting for
 * the socket event it asked for; -1: failed (the connection is failed and
 * the error callback told, once per outage). */
static int bconn_handshake(bconn_t *bc)
{
	char why[300], msg[512];
	int want_write = 0, rc;

	if (!bc->tls && !(bc->tls = bconn_tls_new(bc->h, bc->fd, bc->host))) {
		bconn_fail(bc, FJORD_ERR__TRANSPORT, 0, "out of memory");
		return -1;
	}
	rc = bconn_tls_handshake(bc->tls, &want_write, why, sizeof(why));
	if (rc == 0) {
		event_del(want_write ? bc->ev_r : bc->ev_w);
		event_add(want_write ? bc->ev_w : bc->ev_r, NULL);
		return 0;
	}
	if (rc < 0) {
		snprintf(msg, sizeof(msg), "TLS handshake with %s:%d/%d%s%s%s failed: %s", bc->host,
		         bc->port, bc->id, bc->listener ? " (listener " : "",
		         bc->listener ? bc->listener : "", bc->listener ? ")" : "", why);
		if (!bc->err_told++)
			cbq_push_error(bc->h, FJORD_ERR__TRANSPORT, msg);
		bconn_fail(bc, FJORD_ERR__TRANSPORT, 0, msg);
		return -1;
	}
	event_del(bc->ev_w);
	return 1;
}

static void bconn_on_write(evutil_socket_t fd, short what, void *arg)
{
	bconn_t *bc = arg;
	(void)what;
	if (bc->state == BCONN_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);
		if (!bc->tls && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			char why[300];
			snprintf(why, sizeof(why), "connect to %s:%d%s%s%s failed: %s", bc->host,
			         bc->port, bc->listener ? " (listener " : "",
			         bc->listener ? bc->listener : "", bc->listener ? ")" : "",
			         strerror(err));
			bconn_fail(bc, FJORD_ERR__TRANSPORT, 0, why);
			return;
		}
		if (bc->h->tls_ctx && bconn_handshake(bc) <= 0)
			return;
		bc->state = BCONN_UP;
		bc->fails = 0;
		bc->backoff_ms = bc->h->cv_conf->reconnect_backoff_ms;
		bc->h->all_down_reported = 0;
		event_add(bc->ev_r, NULL);
		handle_log(bc->h, FJ_LOG_DEBUG, "BROKER", "%s:%d/%d: connected%s%s", bc->host,
		           bc->port, bc->id, bc->tls ? " with " : "",
		           bc->tls ? bconn_tls_version(bc->tls) : "");
		if (bsasl_wanted(bc->h) && bconn_auth_begin(bc) < 0)
			return;
	}
	bconn_flush(bc);
}

/* ------------------------------------------------------------ SASL login */

fjord_t *bconn_handle(bconn_t *bc)
{
	return bc->h;
}

/* The connection is up: hold what is queued and start the login. 0, or -1
 * when the connection was failed. */
static int bconn_auth_begin(bconn_t *bc)
{
	bc->state = BCONN_AUTH;
	bc->held_sent_pos = bc->sent_pos;
	if (evbuffer_add_buffer(bc->held, bc->out) < 0 || !(bc->sasl = bsasl_start(bc))) {
		bconn_fail(bc, FJORD_ERR__TRANSPORT, 0, "out of memory starting the SASL login");
		return -1;
	}
	return 0;
}

int bconn_auth_send(bconn_t *bc, Fjord__Request *req)
{
	uint8_t prefix[FRAME_PREFIX_SIZE];
	size_t hlen;
	uint8_t *hbuf;
	int rc = -1;

	req->correlation_id = ++bc->h->next_corr_id;
	req->client_id = bc->h->cv_conf->client_id;
	hlen = fjord__request__get_packed_size(req);
	hbuf = malloc(hlen ? hlen : 1);
	if (!hbuf)
		return -1;
	fjord__request__pack(req, hbuf);
	frame_write_prefix(prefix, hlen, 0);
	if (evbuffer_add(bc->out, prefix, sizeof(prefix)) == 0 &&
	    evbuffer_add(bc->out, hbuf, hlen) == 0) {
		event_add(bc->ev_w, NULL);
		rc = 0;
	}
	OPENSSL_cleanse(hbuf, hlen);
	free(hbuf);
	return rc;
}

/* One response during the login (resp may be NULL: undecodable). 0 go on,
 * -1 the connection was failed. */
static int bconn_auth_response(bconn_t *bc, Fjord__Response *resp)
{
	fjord_t *h = bc->h;
	fjord_err_t err = FJORD_ERR__BAD_MSG;
	char why[512] = "undecodable response header during the SASL login";
	int rc = -1;

	if (resp)
		rc = bsasl_on_response(bc, bc->sasl, resp, &err, why, sizeof(why));
	if (resp)
		fjord__response__free_unpacked(resp, NULL);
	if (rc < 0) {
		char msg[700];
		snprintf(msg, sizeof(msg), "%s:%d/%d: SASL login as \"%s\" failed: %s", bc->host,
		         bc->port, bc->id, h->cv_conf->sasl_username, why);
		if (err > 0)
			atomic_store(&h->auth_err, (int)err);
		cbq_push_error(h, err, msg);
		bconn_fail(bc, err, 0, msg);
		return -1;
	}
	if (rc == 1) {
		bsasl_free(bc->sasl);
		bc->sasl = NULL;
		bc->state = BCONN_UP;
		bc->sent_pos = bc->held_sent_pos;
		atomic_store(&h->auth_err, 0);
		handle_log(h, FJ_LOG_DEBUG, "SASL", "%s:%d/%d: authenticated as %s", bc->host,
		           bc->port, bc->id, h->cv_conf->sasl_username);
		if (evbuffer_add_buffer(bc->out, bc->held) < 0) {
			bconn_fail(bc, FJORD_ERR__TRANSPORT, 0, "out of memory");
			return -1;
		}
		event_add(bc->ev_w, NULL);
	}
	return 0;
}

/* Handles every complete frame in bc->in. Returns -1 if the connection was
 * failed. */
static int bconn_parse(bconn_t *bc)
{
	for (;;) {
		size_t avail = evbuffer_get_length(bc->in);
		frame_t f;
		const char *errmsg = NULL;
		uint8_t *p;
		if (avail < FRAME_PREFIX_SIZE)
			return 0;
		p = evbuffer_pullup(bc->in, FRAME_PREFIX_SIZE);
		if (frame_parse(p, FRAME_PREFIX_SIZE, BCONN_MAX_FRAME, &f, &errmsg) ==
		    FRAME_ERROR) {
			bconn_fail(bc, FJORD_ERR__BAD_MSG, 0, errmsg ? errmsg : "bad frame");
			return -1;
		}
		if (avail < f.total_len)
			return 0;
		p = evbuffer_pullup(bc->in, (ssize_t)f.total_len);
		if (!p) {
			bconn_fail(bc, FJORD_ERR__TRANSPORT, 0, "out of memory");
			return -1;
		}
		Fjord__Response *resp =
		    fjord__response__unpack(NULL, f.header_len, p + f.header_off);
		if (bc->state == BCONN_AUTH) {
			if (bconn_auth_response(bc, resp) < 0)
				return -1;
			evbuffer_drain(bc->in, f.total_len);
			continue;
		}
		breq_t *r = TAILQ_FIRST(&bc->reqs);
		while (r && !r->expect_response)
			r = TAILQ_NEXT(r, link);
		if (!resp || !r || resp->correlation_id != r->corr_id) {
			if (resp)
				fjord__response__free_unpacked(resp, NULL);
			bconn_fail(bc, FJORD_ERR__BAD_MSG, 0,
			           resp ? "response does not match the oldest request"
			                : "undecodable response header");
			return -1;
		}
		TAILQ_REMOVE(&bc->reqs, r, link);
		bc->st_rx++;
		bc->st_rxbytes += f.total_len;
		bc->st_rtt_us[bc->st_rtt_n++ % BCONN_RTT_WIN] = fj_mono_us() - r->sent_us;
		handle_log(bc->h, FJ_LOG_DEBUG, "PROTOCOL",
		           "%s:%d/%d: received correlation id %d, %zu bytes", bc->host, bc->port,
		           (int)bc->id, (int)r->corr_id, (size_t)f.total_len);
		bc->inflight--;
		bc->answered = 1;
		bc->err_told = 0;
		r->cb(bc->h, r, FJORD_ERR_NO_ERROR, resp, p + f.payload_off, f.payload_len);
		free(r);
		fjord__response__free_unpacked(resp, NULL);
		evbuffer_drain(bc->in, f.total_len);
	}
}

static void bconn_on_read(evutil_socket_t fd, short what, void *arg)
{
	bconn_t *bc = arg;
	char why[300];
	(void)what;
	if (bc->state == BCONN_CONNECTING) { /* the TLS handshake waits to read */
		bconn_on_write(fd, what, arg);
		return;
	}
	for (;;) {
		int n;
		if (bc->tls) {
			n = bconn_tls_read(bc->tls, bc->in, why, sizeof(why));
		} else {
			n = evbuffer_read(bc->in, fd, 256 * 1024);
			if (n < 0)
				snprintf(why, sizeof(why), "%s", strerror(errno));
		}
		if ((n == 0 || (n < 0 && errno == ECONNRESET)) && !bc->answered && !bc->tls) {
			/* What a TLS listener does to a plaintext request (a
			 * SASL login's first frame included). */
			snprintf(why, sizeof(why),
			         "%s:%d/%d closed the connection before answering anything: is "
			         "the listener SSL (TLS)? security.protocol is %s",
			         bc->host, bc->port, bc->id,
			         bsasl_wanted(bc->h) ? "sasl_plaintext" : "plaintext");
			if (!bc->err_told++)
				cbq_push_error(bc->h, FJORD_ERR__TRANSPORT, why);
			bconn_fail(bc, FJORD_ERR__TRANSPORT, 0, why);
			return;
		}
		if (n == 0 && bc->tls && !bc->answered) {
			n = -1;
			errno = EIO;
			snprintf(why, sizeof(why),
			         "closed by the broker before answering anything (is a client "
			         "certificate required?)");
		}
		if (n == 0) {
			bconn_fail(bc, FJORD_ERR__TRANSPORT, 0, "closed by broker");
			return;
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				break;
			if (bc->tls && !bc->answered) {
				bconn_tls_refused(bc, why, 0);
				return;
			}
			bconn_fail(bc, FJORD_ERR__TRANSPORT, 0, why);
			return;
		}
		if (bconn_parse(bc) < 0)
			return;
		/* TLS reads until OpenSSL wants the socket: decrypted bytes it
		 * holds would not wake the loop again. */
		if (!bc->tls && n < 256 * 1024)
			break;
	}
}

int bconn_sendv(bconn_t *bc, Fjord__Request *req_hdr, const struct iovec *iov, int iovcnt,
                int expect_response, int timeout_ms, breq_cb *cb, void *opaque)
{
	fjord_t *h = bc->h;
	uint8_t prefix[FRAME_PREFIX_SIZE];
	size_t hlen, plen = 0;
	uint8_t *hbuf = NULL;
	breq_t *r = calloc(1, sizeof(*r));
	/* While the login runs, requests wait behind it. */
	struct evbuffer *q = bc->state == BCONN_AUTH ? bc->held : bc->out;
	int rc = -1, i;

	if (!r)
		goto out;
	req_hdr->correlation_id = ++h->next_corr_id;
	req_hdr->client_id = h->cv_conf->client_id;
	hlen = fjord__request__get_packed_size(req_hdr);
	hbuf = malloc(hlen ? hlen : 1);
	if (!hbuf)
		goto out;
	fjord__request__pack(req_hdr, hbuf);
	for (i = 0; i < iovcnt; i++)
		plen += iov[i].iov_len;
	frame_write_prefix(prefix, hlen, plen);
	r->corr_id = req_hdr->correlation_id;
	r->expect_response = expect_response;
	r->cb = cb;
	r->opaque = opaque;
	r->broker_id = bc->id;
	r->deadline_ms = fj_mono_ms() + timeout_ms;
	r->start_pos = bc->out_pos;
	if (evbuffer_add(q, prefix, sizeof(prefix)) < 0 || evbuffer_add(q, hbuf, hlen) < 0)
		goto out;
	for (i = 0; i < iovcnt; i++)
		if (iov[i].iov_len && evbuffer_add(q, iov[i].iov_base, iov[i].iov_len) < 0)
			goto out;
	bc->out_pos += sizeof(prefix) + hlen + plen;
	r->end_pos = bc->out_pos;
	r->sent_us = fj_mono_us();
	bc->st_tx++;
	bc->st_txbytes += sizeof(prefix) + hlen + plen;
	handle_log(h, FJ_LOG_DEBUG, "PROTOCOL",
	           "%s:%d/%d: sent api %d, correlation id %d, %zu bytes", bc->host, bc->port,
	           (int)bc->id, (int)req_hdr->api, (int)r->corr_id, sizeof(prefix) + hlen + plen);
	TAILQ_INSERT_TAIL(&bc->reqs, r, link);
	bc->inflight++;
	r = NULL;
	rc = 0;
	/* Written from the loop, never re-entrantly; a DOWN connection is
	 * (re)connected by the next tick once its backoff has passed. */
	if (bc->state == BCONN_UP)
		event_add(bc->ev_w, NULL);
out:
	free(hbuf);
	free(r);
	return rc;
}

int bconn_send(bconn_t *bc, Fjord__Request *req_hdr, const uint8_t *payload, size_t payload_len,
               int expect_response, int timeout_ms, breq_cb *cb, void *opaque)
{
	struct iovec iov = { (void *)payload, payload_len };
	return bconn_sendv(bc, req_hdr, &iov, payload ? 1 : 0, expect_response, timeout_ms, cb,
	                   opaque);
}

void bconn_tick_all(fjord_t *h, int64_t now)
{
	bconn_t *bc, *tmp;
	int any_up = 0, any = 0;
	TAILQ_FOREACH_SAFE (bc, &h->conns, link, tmp) {
		breq_t *r;
		if (bc->id == INT32_MIN) {
			bconn_fail(bc, FJORD_ERR__TRANSPORT, 0, "broker address changed");
			TAILQ_REMOVE(&h->conns, bc, link);
			bconn_free(bc);
			continue;
		}
		any++;
		if (bc->state == BCONN_UP)
			any_up = 1;
		if (bc->state == BCONN_DOWN && !TAILQ_EMPTY(&bc->reqs) &&
		    now >= bc->next_connect_ms) {
			if (bconn_connect(bc) < 0)
				continue;
		}
		TAILQ_FOREACH (r, &bc->reqs, link) {
			if (r->deadline_ms <= now) {
				char why[96];
				snprintf(why, sizeof(why), "request %d timed out", r->corr_id);
				/* Later responses can no longer be matched: fail the
				 * connection; the timed-out request gets its own error. */
				if (r == TAILQ_FIRST(&bc->reqs))
					bconn_fail(bc, FJORD_ERR__TRANSPORT,
					           FJORD_ERR_REQUEST_TIMED_OUT, why);
				else
					bconn_fail(bc, FJORD_ERR__TRANSPORT, 0, why);
				break;
			}
		}
	}
	if (any && !any_up) {
		int failing = 1;
		TAILQ_FOREACH (bc, &h->conns, link)
			if (bc->fails == 0)
				failing = 0;
		if (failing && !h->all_down_reported) {
			h->all_down_reported = 1;
			cbq_push_error(h, FJORD_ERR__ALL_BROKERS_DOWN,
			               "all broker connections are down");
		}
	}
}

void bconn_prune(fjord_t *h, const cview_t *cv)
{
	bconn_t *bc, *tmp;
	TAILQ_FOREACH_SAFE (bc, &h->conns, link, tmp) {
		if (bc->id < 0 && bc->id != INT32_MIN)
			continue; /* bootstrap connection */
		if (cv && bc->id != INT32_MIN && cview_broker(cv, bc->id))
			continue;
		if (!TAILQ_EMPTY(&bc->reqs) && bc->id != INT32_MIN)
			continue; /* let its requests finish or fail first */
		bconn_fail(bc, FJORD_ERR__TRANSPORT, 0, "broker left the cluster");
		TAILQ_REMOVE(&h->conns, bc, link);
		bconn_free(bc);
	}
}

void bconn_destroy_all(fjord_t *h)
{
	bconn_t *bc;
	while ((bc = TAILQ_FIRST(&h->conns))) {
		bconn_fail(bc, FJORD_ERR__DESTROY, 0, "handle destroyed");
		TAILQ_REMOVE(&h->conns, bc, link);
		bconn_free(bc);
	}
}

/* ------------------------------------------------------------ statistics */

static int bconn_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

void bconn_stats_add(fjord_t *h, json_t *brokers, uint64_t totals[4])
{
	static const char *const states[] = { "DOWN", "CONNECT", "UP", "AUTH" };
	bconn_t *bc;
	TAILQ_FOREACH (bc, &h->conns, link) {
		int64_t s[BCONN_RTT_WIN], sum = 0;
		int n = bc->st_rtt_n < BCONN_RTT_WIN ? (int)bc->st_rtt_n : BCONN_RTT_WIN, i,
		    outbuf = 0;
		char name[300];
		breq_t *r;
		json_t *b = json_object(), *rtt = json_object();
		if (!b || !rtt) {
			json_decref(b);
			json_decref(rtt);
			return;
		}
		memcpy(s, bc->st_rtt_us, (size_t)n * sizeof(s[0]));
		qsort(s, (size_t)n, sizeof(s[0]), bconn_cmp_i64);
		for (i = 0; i < n; i++)
			sum += s[i];
		json_object_set_new(rtt, "min", json_integer(n ? s[0] : 0));
		json_object_set_new(rtt, "avg", json_integer(n ? sum / n : 0));
		json_object_set_new(rtt, "max", json_integer(n ? s[n - 1] : 0));
		/* p99: the smallest sample >= 99% of them (nearest rank). */
		json_object_set_new(rtt, "p99", json_integer(n ? s[(n * 99 + 99) / 100 - 1] : 0));
		json_object_set_new(rtt, "cnt", json_integer(n));
		TAILQ_FOREACH (r, &bc->reqs, link)
			if (r->end_pos > bc->sent_pos)
				outbuf++;
		snprintf(name, sizeof(name), "%s:%d/%d", bc->host, bc->port, (int)bc->id);
		json_object_set_new(b, "name", json_string(name));
		json_object_set_new(b, "nodeid", json_integer(bc->id));
		json_object_set_new(b, "state", json_string(states[bc->state & 3]));
		json_object_set_new(b, "outbuf_cnt", json_integer(outbuf));
		json_object_set_new(
		    b, "waitresp_cnt",
		    json_integer(bc->inflight > outbuf ? bc->inflight - outbuf : 0));
		json_object_set_new(b, "tx", json_integer((json_int_t)bc->st_tx));
		json_object_set_new(b, "txbytes", json_integer((json_int_t)bc->st_txbytes));
		json_object_set_new(b, "rx", json_integer((json_int_t)bc->st_rx));
		json_object_set_new(b, "rxbytes", json_integer((json_int_t)bc->st_rxbytes));
		json_object_set_new(b, "rtt", rtt);
		json_object_set_new(brokers, name, b);
		totals[0] += bc->st_tx;
		totals[1] += bc->st_txbytes;
		totals[2] += bc->st_rx;
		totals[3] += bc->st_rxbytes;
	}
}
