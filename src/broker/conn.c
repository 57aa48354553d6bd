/*
 * conn.c — one client connection (see conn.h for the model).
 *
 * Reading: the input evbuffer is inspected with frame_parse(); a frame is
 * processed only when it has fully arrived. The read watermarks do the
 * pacing: the low one is what is missing (so a 100 MB produce does not
 * wake us per packet), the high one stops libevent from reading more than
 * the frame being received, or CONN_READ_AHEAD bytes while small frames
 * are being handled. An oversized or garbage prefix, or an undecodable
 * header, logs one line naming the peer and closes this connection only.
 *
 * Large frames: libevent 2.1 reads at most 4 KiB per read into chains it
 * sizes itself, and evbuffer_pullup() then copies a frame spread over
 * chains into a new one: a 60 MB frame held ~60 MB of 8 KiB heap chunks
 * plus a 64 MB copy at once, and part of the heap stayed resident after
 * the frame was gone (9 MiB after eight such frames). So once the prefix
 * of a frame larger than CONN_READ_AHEAD is read (and its memory claimed),
 * conn_frame_size() moves the few bytes already read into a single chain
 * with room for the whole frame (evbuffer_expand on the emptied buffer);
 * every later read lands in that chain (evbuffer_read fills the last
 * chain's free space first), and evbuffer_pullup() of a frame held by its
 * first chain returns it in place. The chain is one malloc of the frame's
 * size, above the fixed mmap threshold main.c sets, so freeing it after the
 * frame is handled unmaps it at once.
 *
 * Thread: loop thread only. Ownership: the broker owns connections through
 * its list; a conn owns its bufferevent, slots and request-memory claim.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <event2/event.h>

#include "broker/api.h"
#include "broker/broker.h"
#include "broker/broker_tls.h"
#include "broker/conn.h"
#include "broker/kafka/kafka.h"
#include "broker/sasl_server.h"
#include "common/bytes.h"
#include "common/flog.h"
#include "common/frame.h"

static void conn_list_remove(conn_t **list, conn_t *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		*list = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
}

static void conn_list_push(conn_t **list, conn_t *c)
{
	c->prev = NULL;
	c->next = *list;
	if (*list)
		(*list)->prev = c;
	*list = c;
}

int conn_ratelog(conn_ratelog_t *rl, int64_t now_mono_ms, uint64_t *suppressed)
{
	if (rl->last_ms && now_mono_ms - rl->last_ms < CONN_RATELOG_INTERVAL_MS) {
		rl->suppressed++;
		return 0;
	}
	*suppressed = rl->suppressed;
	rl->suppressed = 0;
	rl->last_ms = now_mono_ms;
	return 1;
}

int conn_ratelog_flush(conn_ratelog_t *rl, int64_t now_mono_ms, uint64_t *suppressed)
{
	if (!rl->suppressed || now_mono_ms - rl->last_ms < CONN_RATELOG_INTERVAL_MS)
		return 0;
	*suppressed = rl->suppressed;
	rl->suppressed = 0;
	rl->last_ms = now_mono_ms;
	return 1;
}

/* Turns reading on or off as the connection's state asks: off while
 * closing or waiting for request memory; off while paused for
 * back-pressure, unless a frame holding a memory claim is still arriving
 * (it completes, so the claim returns). When reading is (or stays) on and
 * it was just turned on or `kick` is set (a pause ended), the read
 * callback runs again — deferred, never nested in the current callback —
 * since the input may already hold whole requests. */
static void conn_update_reading(conn_t *c, int kick)
{
	int want = !c->closing && !c->mem.waiting && (!c->read_paused || c->mem.held > 0);

	if (want != c->reading) {
		c->reading = want;
		if (!want) {
			bufferevent_disable(c->bev, EV_READ);
			return;
		}
		bufferevent_enable(c->bev, EV_READ);
		kick = 1;
	}
	if (want && kick)
		bufferevent_trigger(c->bev, EV_READ,
		                    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
}

/* Response bytes waiting for the socket: its output buffer (file ranges
 * count with their length) and answered slots behind an unanswered one. */
static size_t conn_queued_bytes(const conn_t *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev)) + c->ready_len;
}

/* Pauses reading when too many responses are queued (count or bytes);
 * resumes when a slot is free again and the bytes are below an eighth of
 * their limit. */
static void conn_update_backpressure(conn_t *c)
{
	broker_t *b = c->b;
	size_t queued = conn_queued_bytes(c);
	size_t max_bytes = (size_t)b->conf.queued_max_bytes_per_connection;
	int max_slots = b->conf.queued_max_requests_per_connection;

	if (c->closing)
		return;
	if (!c->read_paused && (queued > max_bytes || c->slot_cnt >= max_slots)) {
		c->read_paused = 1;
		b->conn_paused_cnt++;
		b->metrics.conn_pauses_backpressure++;
		flog(LOG_DEBUG, "conn",
		     "connection %llu from %s: %d responses / %zu bytes queued, not reading",
		     (unsigned long long)c->id, c->peer, c->slot_cnt, queued);
		conn_update_reading(c, 0);
	} else if (c->read_paused && queued <= max_bytes / 8 && c->slot_cnt < max_slots) {
		c->read_paused = 0;
		b->conn_paused_cnt--;
		conn_update_reading(c, 1);
	}
}

/* reqmem_granted_fn: the frame's memory claim was granted. */
static void conn_on_mem_granted(reqmem_claim_t *claim)
{
	conn_t *c = (conn_t *)(void *)((char *)claim - offsetof(conn_t, mem));

	c->last_active_us = fj_mono_us(); /* it waited for us, not idled */
	conn_update_reading(c, 1);
}

/* Claims frame_len bytes for the frame being received. 1: held (now or
 * earlier), go on reading it; 0: waiting, reading is off until granted. */
static int conn_frame_claim(conn_t *c, uint32_t frame_len)
{
	broker_t *b = c->b;

	if (c->mem.held > 0)
		return 1;
	if (reqmem_reserve(&b->reqmem, &c->mem, frame_len))
		return 1;
	b->metrics.conn_pauses_memory++;
	flog(LOG_DEBUG, "conn",
	     "connection %llu from %s: waiting for %u bytes of request memory (%lld of %lld in "
	     "use)",
	     (unsigned long long)c->id, c->peer, frame_len, (long long)b->reqmem.in_use,
	     (long long)b->reqmem.limit);
	conn_update_reading(c, 0);
	return 0;
}

/* Gives the frame of `need` bytes, of which `avail` (< need, at most the
 * read-ahead) have arrived, one chain with room for all of it (see the
 * file comment). 0, or -1 out of memory. */
static int conn_frame_size(conn_t *c, struct evbuffer *in, size_t avail, size_t need)
{
	uint8_t *head;
	int rc = -1;

	if (c->frame_sized || need <= CONN_READ_AHEAD)
		return 0;
	head = malloc(avail);
	if (!head)
		return -1;
	if (evbuffer_remove(in, head, avail) != (int)avail)
		goto out;
	/* The buffer is empty now, so this adds one chain of at least need
	 * bytes and the next add and reads fill it. A socket bufferevent
	 * keeps its input's end frozen except while it reads: thaw it as it
	 * does (a TLS one never freezes it). */
	if (!c->tls)
		evbuffer_unfreeze(in, 0);
	if (evbuffer_expand(in, need) == 0 && evbuffer_add(in, head, avail) == 0)
		rc = 0;
	if (!c->tls)
		evbuffer_freeze(in, 0);
	if (rc == 0)
		c->frame_sized = 1;
out:
	free(head);
	return rc;
}

/* A fjord-protocol listener refused a frame's prefix: if its bytes are what
 * another kind of client sends first, logs the likely cause in one line and
 * returns 1 (the caller closes the connection without its own line).
 * Recognised: an Apache Kafka request (size, api_key 0..99, api_version
 * 0..20: a Kafka client pointed at a fjord port) and a TLS ClientHello
 * (a TLS client on a plaintext listener). */
static int conn_foreign_client(const conn_t *c, const uint8_t *prefix)
{
	const broker_listener_t *l = &c->b->conf.lsn[c->listener];
	uint16_t api = (uint16_t)(prefix[4] << 8 | prefix[5]);
	uint16_t ver = (uint16_t)(prefix[6] << 8 | prefix[7]);
	const char *kname = NULL;
	int i, kport = -1;

	if (prefix[0] == 0x16 && prefix[1] == 0x03 && prefix[2] <= 0x04) {
		flog(LOG_WARNING, "conn",
		     "closing connection from %s: it began a TLS handshake on listener %s, "
		     "which is not SSL (the client wants security.protocol=ssl: use an SSL "
		     "listener, or plaintext on this one)",
		     c->peer, l->name);
		return 1;
	}
	if (api > 99 || ver > 20 || be32_read(prefix) < 8)
		return 0;
	for (i = 0; i < c->b->conf.lsn_cnt && !kname; i++)
		if (c->b->conf.lsn[i].kafka) {
			kname = c->b->conf.lsn[i].name;
			kport = i < c->b->bound_cnt ? c->b->bound[i].port : c->b->conf.lsn[i].port;
		}
	if (kname)
		flog(LOG_WARNING, "conn",
		     "closing connection from %s: an Apache Kafka client (request api_key %u, "
		     "version %u) on listener %s, which speaks fjord's protocol; Kafka clients "
		     "use listener %s (port %d, kafka.listener.names)",
		     c->peer, api, ver, l->name, kname, kport);
	else
		flog(LOG_WARNING, "conn",
		     "closing connection from %s: an Apache Kafka client (request api_key %u, "
		     "version %u) on listener %s, which speaks fjord's protocol; this broker "
		     "has no Kafka listener (name one in kafka.listener.names)",
		     c->peer, api, ver, l->name);
	return 1;
}

/* A Kafka request's size field: at least the header's fixed part (api
 * key, version, correlation id, client id length), at most max_frame. */
static int conn_kafka_prefix(uint32_t frame_len, size_t max_frame, const char **errmsg)
{
	if (frame_len > max_frame) {
		*errmsg = "frame too large (socket.request.max.bytes)";
		return -1;
	}
	if (frame_len < 10) {
		*errmsg = "request shorter than a Kafka request header";
		return -1;
	}
	return 0;
}

/* Handles every complete frame in the input (not while paused for
 * back-pressure); sets the watermarks for what is missing. */
static void conn_process_input(conn_t *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t max_frame = (size_t)c->b->conf.socket_request_max_bytes;

	while (!c->closing && !c->mem.waiting) {
		size_t avail = evbuffer_get_length(in);
		uint8_t prefix[FRAME_PREFIX_SIZE];
		const char *errmsg = NULL;
		frame_t f;
		uint8_t *buf;
		uint32_t frame_len;
		size_t need;
		Fjord__Request *req;
		int rc;

		/* Kafka's framing is the size field alone (conn_kafka_prefix). */
		size_t psize = c->kafka ? 4 : FRAME_PREFIX_SIZE;

		if (avail < psize) {
			bufferevent_setwatermark(c->bev, EV_READ, psize, CONN_READ_AHEAD);
			return;
		}
		evbuffer_copyout(in, prefix, psize);
		if (sasl_server_frame_refused(c, be32_read(prefix))) {
			conn_close(c, "frame too large before the SASL login");
			return;
		}
		if (c->kafka ? conn_kafka_prefix(be32_read(prefix), max_frame, &errmsg) != 0
		             : frame_parse(prefix, sizeof(prefix), max_frame, &f, &errmsg) ==
		                   FRAME_ERROR) {
			if (c->kafka || !conn_foreign_client(c, prefix))
				flog(LOG_WARNING, "conn",
				     "closing connection from %s: bad frame (%s)", c->peer,
				     errmsg ? errmsg : "invalid prefix");
			conn_close(c, "bad frame");
			return;
		}
		frame_len = be32_read(prefix);
		need = 4 + (size_t)frame_len;
		if (avail < need) {
			/* Paused: no new frame is started; one already holding
			 * its claim goes on arriving. */
			if (c->read_paused && c->mem.held == 0)
				return;
			if (!conn_frame_claim(c, frame_len))
				return;
			if (conn_frame_size(c, in, avail, need) != 0) {
				flog(LOG_ERR, "conn",
				     "closing connection from %s: out of memory for a %zu-byte "
				     "frame",
				     c->peer, need);
				conn_close(c, "out of memory");
				return;
			}
			bufferevent_setwatermark(c->bev, EV_READ, need,
			                         need > CONN_READ_AHEAD ? need : CONN_READ_AHEAD);
			return;
		}
		if (c->read_paused)
			return; /* handled when the pause ends */
		buf = evbuffer_pullup(in, (ssize_t)need);
		if (buf && c->kafka) {
			rc = kafka_dispatch(c, buf + 4, frame_len);
			goto handled;
		}
		if (!buf || frame_parse(buf, need, max_frame, &f, &errmsg) != FRAME_OK) {
			flog(LOG_WARNING, "conn", "closing connection from %s: bad frame (%s)",
			     c->peer, errmsg ? errmsg : "incomplete");
			conn_close(c, "bad frame");
			return;
		}
		req = fjord__request__unpack(NULL, f.header_len, buf + f.header_off);
		if (!req) {
			flog(LOG_WARNING, "conn",
			     "closing connection from %s: undecodable request header (%u bytes)",
			     c->peer, f.header_len);
			conn_close(c, "bad header");
			return;
		}
		rc = api_dispatch(c, req, buf + f.payload_off, f.payload_len);
		fjord__request__free_unpacked(req, NULL);
	handled:
		evbuffer_drain(in, need);
		c->frame_sized = 0;
		/* May grant other connections' claims (their reading resumes
		 * from a deferred callback, never inside this one). Without
		 * the claim a connection paused meanwhile stops reading. */
		reqmem_release(&c->b->reqmem, &c->mem);
		conn_update_reading(c, 0);
		if (rc != 0) {
			conn_close(c, "request failed");
			return;
		}
		conn_update_backpressure(c);
	}
}

static void conn_on_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	conn_process_input(arg);
}

static void conn_on_write(struct bufferevent *bev, void *arg)
{
	conn_t *c = arg;

	(void)bev;
	if (c->read_paused)
		conn_update_backpressure(c);
}

static void conn_on_event(struct bufferevent *bev, short what, void *arg)
{
	conn_t *c = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) { /* a TLS handshake completed */
		broker_tls_established(c);
		return;
	}
	if (c->handshaking) {
		broker_tls_failed(c, what);
		conn_close(c, "TLS handshake failed");
	} else if (what & BEV_EVENT_EOF)
		conn_close(c, "peer closed");
	else if (c->tls && (what & BEV_EVENT_ERROR))
		conn_close(c, "TLS error");
	else if (what & BEV_EVENT_ERROR)
		conn_close(c, evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
}

static void conn_slot_free(conn_slot_t *slot)
{
	if (slot->out)
		evbuffer_free(slot->out);
	free(slot);
}

/* Input and output buffer callbacks: bytes read from or written to the
 * socket are activity (connections.max.idle.ms). Our own drains of the
 * input and adds to the output are not. */
static void conn_on_input_change(struct evbuffer *buf, const struct evbuffer_cb_info *info,
                                 void *arg)
{
	(void)buf;
	if (info->n_added)
		((conn_t *)arg)->last_active_us = fj_mono_us();
}

static void conn_on_output_change(struct evbuffer *buf, const struct evbuffer_cb_info *info,
                                  void *arg)
{
	conn_t *c = arg;

	(void)buf;
	if (!info->n_deleted)
		return;
	c->last_active_us = fj_mono_us();
	/* Answers whose last byte left are done (the write callback then
	 * looks at back-pressure). */
	c->out_done += info->n_deleted;
	while (c->sent_head && c->sent_head->out_end <= c->out_done) {
		conn_slot_t *slot = c->sent_head;
		c->sent_head = slot->next;
		if (!c->sent_head)
			c->sent_tail = NULL;
		c->slot_cnt--;
		conn_slot_free(slot);
	}
}

/* "host:port" ("[host]:port" for IPv6) into out, and the bare host. */
static void conn_format_peer(char *out, size_t outsz, char *hostout, size_t hostsz,
                             const struct sockaddr *sa)
{
	char host[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		port = ntohs(sin->sin_port);
		snprintf(out, outsz, "%s:%d", host, port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		port = ntohs(sin6->sin6_port);
		snprintf(out, outsz, "[%s]:%d", host, port);
	} else {
		snprintf(out, outsz, "unknown");
	}
	snprintf(hostout, hostsz, "%s", host);
}

conn_t *conn_new(broker_t *b, evutil_socket_t fd, const struct sockaddr *sa, int salen,
                 int listener)
{
	static uint64_t next_id = 1;
	conn_t *c = calloc(1, sizeof(*c));

	(void)salen;
	if (!c) {
		evutil_closesocket(fd);
		return NULL;
	}
	c->b = b;
	c->id = next_id++;
	c->listener = listener;
	c->last_active_us = fj_mono_us();
	reqmem_claim_init(&c->mem, conn_on_mem_granted);
	conn_format_peer(c->peer, sizeof(c->peer), c->host, sizeof(c->host), sa);
	snprintf(c->principal, sizeof(c->principal), "%s", CONN_PRINCIPAL_ANONYMOUS);
	conn_quota_key(sa, &c->addr);
	c->kafka = b->conf.lsn[listener].kafka;
	c->tls = c->handshaking = broker_tls_listener(b, listener);
	c->bev = c->tls ? broker_tls_accept(b, fd)
	                : bufferevent_socket_new(loop_base(b->loop), fd, BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev) {
		evutil_closesocket(fd);
		free(c);
		return NULL;
	}
	if (!evbuffer_add_cb(bufferevent_get_input(c->bev), conn_on_input_change, c) ||
	    !evbuffer_add_cb(bufferevent_get_output(c->bev), conn_on_output_change, c) ||
	    conn_quota_add(&b->quota, &c->addr) != 0) {
		bufferevent_free(c->bev);
		free(c);
		return NULL;
	}
	bufferevent_setcb(c->bev, conn_on_read, conn_on_write, conn_on_event, c);
	bufferevent_setwatermark(c->bev, EV_READ, FRAME_PREFIX_SIZE, CONN_READ_AHEAD);
	bufferevent_setwatermark(c->bev, EV_WRITE,
	                         (size_t)b->conf.queued_max_bytes_per_connection / 8, 0);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	c->reading = 1;
	conn_list_push(&b->conns, c);
	b->conn_cnt++;
	b->metrics.connections_total++;
	flog(LOG_DEBUG, "conn", "connection %llu from %s on listener %s", (unsigned long long)c->id,
	     c->peer, b->conf.lsn[listener].name);
	return c;
}

void conn_close(conn_t *c, const char *why)
{
	broker_t *b = c->b;

	if (c->closing)
		return;
	c->closing = 1;
	flog(LOG_DEBUG, "conn", "closing connection %llu from %s: %s", (unsigned long long)c->id,
	     c->peer, why);
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	c->reading = 0;
	if (c->read_paused) {
		c->read_paused = 0;
		b->conn_paused_cnt--;
	}
	/* Its memory and its place in the quotas are free at once, not at
	 * reap time: waiting connections and listeners go on now. */
	reqmem_forget(&b->reqmem, &c->mem);
	conn_quota_remove(&b->quota, &c->addr);
	conn_list_remove(&b->conns, c);
	conn_list_push(&b->reap, c);
	b->conn_cnt--;
	server_update_accepting(b);
	if (b->reap_ev)
		event_active(b->reap_ev, EV_TIMEOUT, 0);
}

static void conn_free(conn_t *c)
{
	conn_slot_t *slot = c->head;

	while (slot) {
		conn_slot_t *next = slot->next;
		if (!slot->ready && slot->cancel)
			slot->cancel(slot->cancel_arg);
		conn_slot_free(slot);
		slot = next;
	}
	for (slot = c->sent_head; slot; slot = c->sent_head) {
		c->sent_head = slot->next;
		conn_slot_free(slot);
	}
	bufferevent_free(c->bev);
	sasl_conn_free(c->sasl);
	free(c);
}

void conn_reap_all(broker_t *b)
{
	while (b->reap) {
		conn_t *c = b->reap;
		conn_list_remove(&b->reap, c);
		conn_free(c);
	}
}

/* Bytes in the kernel's receive buffer that the loop has not read yet (a
 * busy loop may run the cron before the socket's read callback). What the
 * bufferevent already holds does not count: a half-sent frame sits there,
 * and that is exactly what the idle limit is for. */
static int conn_has_unread(conn_t *c)
{
	int n = 0;

	return ioctl(bufferevent_getfd(c->bev), FIONREAD, &n) == 0 && n > 0;
}

void conn_check_idle(broker_t *b, int64_t now_mono_ms)
{
	int64_t idle_ms = b->conf.connections_max_idle_ms;
	conn_t *c, *next;
	uint64_t suppressed;

	if (idle_ms < 0)
		return;
	for (c = b->conns; c; c = next) {
		next = c->next;
		int64_t idle_for = now_mono_ms - c->last_active_us / 1000;
		if (c->pending_cnt > 0 || c->mem.waiting || idle_for < idle_ms)
			continue;
		if (conn_has_unread(c)) {
			c->last_active_us = fj_mono_us();
			continue;
		}
		b->metrics.conn_idle_closed++;
		if (conn_ratelog(&b->idle_log, now_mono_ms, &suppressed))
			flog(LOG_INFO, "conn",
			     "closing connection from %s: idle for %lld ms "
			     "(connections.max.idle.ms; %llu more idle closes since the last "
			     "line)",
			     c->peer, (long long)idle_for, (unsigned long long)suppressed);
		conn_close(c, "idle");
	}
	if (conn_ratelog_flush(&b->idle_log, now_mono_ms, &suppressed))
		flog(LOG_INFO, "conn",
		     "%llu more idle connections closed (connections.max.idle.ms)",
		     (unsigned long long)suppressed);
}

conn_t *conn_least_active(broker_t *b, int except)
{
	conn_t *c, *best = NULL;

	for (c = b->conns; c; c = c->next)
		if (c->listener != except &&
		    (!best || c->last_active_us < best->last_active_us ||
		     (c->last_active_us == best->last_active_us && c->id < best->id)))
			best = c;
	return best;
}

conn_slot_t *conn_slot_new(conn_t *c, int32_t correlation_id, Fjord__ApiKey api)
{
	conn_slot_t *slot = calloc(1, sizeof(*slot));

	if (!slot)
		return NULL;
	slot->out = evbuffer_new();
	if (!slot->out) {
		free(slot);
		return NULL;
	}
	/* File ranges moved in must stay sendfile ranges (handle_fetch.c). */
	evbuffer_set_flags(slot->out, EVBUFFER_FLAG_DRAINS_TO_FD);
	slot->conn = c;
	slot->correlation_id = correlation_id;
	slot->api = api;
	slot->start_us = fj_mono_us();
	if (c->kafka && c->kcur) {
		slot->kafka = 1;
		slot->kafka_api = c->kcur->api_key;
		slot->kafka_version = c->kcur->api_version;
	}
	if (c->tail)
		c->tail->next = slot;
	else
		c->head = slot;
	c->tail = slot;
	c->slot_cnt++;
	c->pending_cnt++;
	return slot;
}

/* Moves every ready slot at the head into the socket's output; the slot
 * itself (without its buffer) stays on the sent list, and in slot_cnt,
 * until its last byte has been written (conn_on_output_change). */
static void conn_flush(conn_t *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	while (c->head && c->head->ready) {
		conn_slot_t *slot = c->head;
		c->head = slot->next;
		if (!c->head)
			c->tail = NULL;
		slot->next = NULL;
		c->ready_len -= slot->out_len;
		if (c->closing) {
			c->slot_cnt--;
			conn_slot_free(slot);
			continue;
		}
		evbuffer_add_buffer(out, slot->out);
		evbuffer_free(slot->out);
		slot->out = NULL;
		c->out_pos += slot->out_len;
		slot->out_end = c->out_pos;
		if (c->sent_tail)
			c->sent_tail->next = slot;
		else
			c->sent_head = slot;
		c->sent_tail = slot;
	}
	conn_update_backpressure(c);
}

int conn_slot_respond(conn_slot_t *slot, Fjord__Response *resp, struct evbuffer *payload)
{
	size_t hlen, plen = payload ? evbuffer_get_length(payload) : 0;
	uint8_t prefix[FRAME_PREFIX_SIZE];
	uint8_t *hbuf;
	int rc = 0;

	resp->correlation_id = slot->correlation_id;
	resp->api = slot->api;
	if (slot->kafka) {
		/* The same answer in Kafka's layout (broker/kafka/kafka.h). */
		if (kafka_encode(slot, resp, payload) != 0)
			rc = -1;
		goto done;
	}
	hlen = fjord__response__get_packed_size(resp);
	hbuf = malloc(hlen ? hlen : 1);
	if (!hbuf) {
		rc = -1;
		goto done;
	}
	fjord__response__pack(resp, hbuf);
	frame_write_prefix(prefix, hlen, plen);
	evbuffer_add(slot->out, prefix, sizeof(prefix));
	evbuffer_add(slot->out, hbuf, hlen);
	if (payload)
		evbuffer_add_buffer(slot->out, payload);
	free(hbuf);
done:
	return conn_slot_finish(slot, rc, resp->error != FJORD__ERROR_CODE__NONE);
}

int conn_slot_finish(conn_slot_t *slot, int rc, int is_error)
{
	conn_t *c = slot->conn;
	int fault = 0;

	metrics_observe_request(&c->b->metrics, slot->api, fj_mono_us() - slot->start_us, is_error);
	/* test.fault.produce.drop.response.every: the answer is lost with the
	 * connection, after the append (test-only). */
	if (rc == 0 && slot->api == FJORD__API_KEY__PRODUCE &&
	    c->b->conf.fault_produce_drop_every > 0 &&
	    ++c->b->fault_produce_cnt % (uint64_t)c->b->conf.fault_produce_drop_every == 0) {
		evbuffer_drain(slot->out, evbuffer_get_length(slot->out));
		rc = -1;
		fault = 1;
	}
	slot->ready = 1;
	slot->cancel = NULL;
	slot->out_len = evbuffer_get_length(slot->out);
	c->ready_len += slot->out_len;
	c->pending_cnt--;
	if (rc != 0)
		conn_close(c, fault ? "test fault: the Produce answer is dropped "
		                      "(test.fault.produce.drop.response.every)"
		                    : "out of memory building a response");
	conn_flush(c);
	return fault ? 0 : rc;
}

int conn_slot_respond_error(conn_slot_t *slot, Fjord__ErrorCode err, const char *msg)
{
	Fjord__Response resp = FJORD__RESPONSE__INIT;

	resp.error = err;
	resp.error_message = (char *)(msg ? msg : "");
	return conn_slot_respond(slot, &resp, NULL);
}
