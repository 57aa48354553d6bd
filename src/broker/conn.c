/*
 * conn.c — one client connection (see conn.h for the model).
 *
 * Reading: the input evbuffer is inspected with frame_parse(); a frame is
 * processed only when it has fully arrived (the read low-watermark is set
 * to the missing size, so a 100 MB produce does not wake us per packet).
 * An oversized or garbage prefix, or an undecodable header, logs one line
 * naming the peer and closes this connection only.
 *
 * Thread: loop thread only. Ownership: the broker owns connections through
 * its list; a conn owns its bufferevent and slots.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "broker/api.h"
#include "broker/broker.h"
#include "broker/conn.h"
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
 * closing or paused for back-pressure. When reading is (or stays) on and
 * it was just turned on or `kick` is set (a pause ended), the read
 * callback runs again — deferred, never nested in the current callback —
 * since the input may already hold whole requests. */
static void conn_update_reading(conn_t *c, int kick)
{
	int want = !c->closing && !c->read_paused;

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

/* Handles every complete frame in the input (not while paused for
 * back-pressure); sets the read watermark for what is missing. */
static void conn_process_input(conn_t *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t max_frame = (size_t)c->b->conf.socket_request_max_bytes;

	while (!c->closing && !c->read_paused) {
		size_t avail = evbuffer_get_length(in);
		uint8_t prefix[FRAME_PREFIX_SIZE];
		const char *errmsg = NULL;
		frame_t f;
		uint8_t *buf;
		size_t need;
		Fjord__Request *req;
		int rc;

		if (avail < FRAME_PREFIX_SIZE) {
			bufferevent_setwatermark(c->bev, EV_READ, FRAME_PREFIX_SIZE, 0);
			return;
		}
		evbuffer_copyout(in, prefix, sizeof(prefix));
		if (frame_parse(prefix, sizeof(prefix), max_frame, &f, &errmsg) == FRAME_ERROR) {
			flog(LOG_WARNING, "conn", "closing connection from %s: bad frame (%s)",
			     c->peer, errmsg ? errmsg : "invalid prefix");
			conn_close(c, "bad frame");
			return;
		}
		need = 4 + (size_t)be32_read(prefix);
		if (avail < need) {
			bufferevent_setwatermark(c->bev, EV_READ, need, 0);
			return;
		}
		buf = evbuffer_pullup(in, (ssize_t)need);
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
		evbuffer_drain(in, need);
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
	if (what & BEV_EVENT_EOF)
		conn_close(c, "peer closed");
	else if (what & BEV_EVENT_ERROR)
		conn_close(c, evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
}

static void conn_slot_free(conn_slot_t *slot)
{
	if (slot->out)
		evbuffer_free(slot->out);
	free(slot);
}

/* Output buffer callback: bytes written to the socket. */
static void conn_on_output_change(struct evbuffer *buf, const struct evbuffer_cb_info *info,
                                  void *arg)
{
	conn_t *c = arg;

	(void)buf;
	if (!info->n_deleted)
		return;
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

static void conn_format_peer(char *out, size_t outsz, const struct sockaddr *sa)
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
	conn_format_peer(c->peer, sizeof(c->peer), sa);
	c->bev = bufferevent_socket_new(loop_base(b->loop), fd, BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev) {
		evutil_closesocket(fd);
		free(c);
		return NULL;
	}
	if (!evbuffer_add_cb(bufferevent_get_output(c->bev), conn_on_output_change, c)) {
		bufferevent_free(c->bev);
		free(c);
		return NULL;
	}
	bufferevent_setcb(c->bev, conn_on_read, conn_on_write, conn_on_event, c);
	bufferevent_setwatermark(c->bev, EV_READ, FRAME_PREFIX_SIZE, 0);
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
	conn_list_remove(&b->conns, c);
	conn_list_push(&b->reap, c);
	b->conn_cnt--;
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
	if (c->tail)
		c->tail->next = slot;
	else
		c->head = slot;
	c->tail = slot;
	c->slot_cnt++;
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
	conn_t *c = slot->conn;
	size_t hlen, plen = payload ? evbuffer_get_length(payload) : 0;
	uint8_t prefix[FRAME_PREFIX_SIZE];
	uint8_t *hbuf;
	int rc = 0;

	resp->correlation_id = slot->correlation_id;
	resp->api = slot->api;
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
	metrics_observe_request(&c->b->metrics, slot->api, fj_mono_us() - slot->start_us,
	                        resp->error != FJORD__ERROR_CODE__NONE);
	slot->ready = 1;
	slot->cancel = NULL;
	slot->out_len = evbuffer_get_length(slot->out);
	c->ready_len += slot->out_len;
	if (rc != 0)
		conn_close(c, "out of memory building a response");
	conn_flush(c);
	return rc;
}

int conn_slot_respond_error(conn_slot_t *slot, Fjord__ErrorCode err, const char *msg)
{
	Fjord__Response resp = FJORD__RESPONSE__INIT;

	resp.error = err;
	resp.error_message = (char *)(msg ? msg : "");
	return conn_slot_respond(slot, &resp, NULL);
}
