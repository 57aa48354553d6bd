/*
 * http.c — /metrics, /health and /ready over libevent's evhttp, on the
 * broker's own loop (so handlers read loop-owned state directly).
 *
 *   /metrics  Prometheus text format (metrics.c)
 *   /health   liveness: 200 while the process serves; JSON with broker id,
 *             ZooKeeper session state, controller flag, readiness, each
 *             log dir's state (online, full, offline: logdirs.c) and
 *             "corrupt_partitions": every partition whose log holds corrupt
 *             ranges (segment file, byte range, offset range). Corruption
 *             and a full or failed log dir do not make the broker unhealthy
 *             or unready: it still serves everything else
 *             (docs/operations.md, "Limits and faults").
 *   /ready    readiness: 200 once registered in ZooKeeper and the first
 *             cluster snapshot is applied (partition roles known), else 503
 *
 * Thread: loop thread only.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>

#include "broker/broker.h"
#include "broker/logdirs.h"
#include "broker/replication/partition.h"
#include "common/flog.h"

static void http_send(struct evhttp_request *req, int code, const char *reason, const char *ctype,
                      struct evbuffer *body)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", ctype);
	evhttp_send_reply(req, code, reason, body);
}

static void http_on_metrics(struct evhttp_request *req, void *arg)
{
	struct evbuffer *body = evbuffer_new();

	if (!body) {
		evhttp_send_error(req, HTTP_INTERNAL, "out of memory");
		return;
	}
	metrics_render(arg, body);
	http_send(req, HTTP_OK, "OK", "text/plain; version=0.0.4; charset=utf-8", body);
	evbuffer_free(body);
}

/* partition_foreach callback: appends p to the JSON array when its log
 * holds corrupt ranges. */
static void http_corrupt_partition(partition_t *p, void *arg)
{
	json_t *arr = arg, *ranges, *o;
	plog_corrupt_range_t cr[16];
	size_t n = plog_corrupt_ranges(p->log, cr, 16), i;

	if (n == 0)
		return;
	ranges = json_array();
	for (i = 0; i < n && i < 16; i++)
		json_array_append_new(
		    ranges,
		    json_pack("{s:s,s:[I,I],s:[I,I]}", "segment", cr[i].segment_path, "bytes",
		              (json_int_t)cr[i].pos, (json_int_t)cr[i].end - 1, "offsets",
		              (json_int_t)cr[i].first_offset, (json_int_t)cr[i].last_offset));
	o = json_pack("{s:s,s:i,s:b,s:I,s:o}", "topic", p->topic, "partition", (int)p->id, "leader",
	              p->is_leader, "range_count", (json_int_t)n, "ranges", ranges);
	if (o)
		json_array_append_new(arr, o);
}

/* ,"corrupt_partitions":[...] (empty when none). */
static void http_add_corrupt(broker_t *b, struct evbuffer *body)
{
	json_t *arr = json_array();
	char *s = NULL;

	if (arr) {
		partition_foreach(b, http_corrupt_partition, arr);
		s = json_dumps(arr, JSON_COMPACT);
	}
	evbuffer_add_printf(body, ",\"corrupt_partitions\":%s", s ? s : "[]");
	free(s);
	json_decref(arr);
}

static void http_on_health(struct evhttp_request *req, void *arg)
{
	broker_t *b = arg;
	struct evbuffer *body = evbuffer_new();

	if (!body) {
		evhttp_send_error(req, HTTP_INTERNAL, "out of memory");
		return;
	}
	/* Waiting for ZooKeeper at start-up is not healthy: 503, so container
	 * health checks and orchestrators see it. */
	evbuffer_add_printf(body,
	                    "{\"status\":\"%s\",\"broker_id\":%d,\"zookeeper\":\"%s\","
	                    "\"controller\":%s,\"ready\":%s",
	                    b->shutting_down ? "stopping"
	                    : b->zk_waiting  ? "waiting_for_zookeeper"
	                                     : "ok",
	                    b->conf.broker_id, broker_zk_state_name(b->zk_state),
	                    b->is_controller ? "true" : "false",
	                    broker_ready(b) ? "true" : "false");
	http_add_corrupt(b, body);
	logdirs_health_json(b, body);
	evbuffer_add(body, "}\n", 2);
	if (b->zk_waiting && !b->shutting_down)
		http_send(req, 503, "Service Unavailable", "application/json", body);
	else
		http_send(req, HTTP_OK, "OK", "application/json", body);
	evbuffer_free(body);
}

static void http_on_ready(struct evhttp_request *req, void *arg)
{
	broker_t *b = arg;
	struct evbuffer *body = evbuffer_new();
	int ready = broker_ready(b);

	if (!body) {
		evhttp_send_error(req, HTTP_INTERNAL, "out of memory");
		return;
	}
	evbuffer_add_printf(body, "{\"ready\":%s,\"zookeeper\":\"%s\",\"snapshot_applied\":%s}\n",
	                    ready ? "true" : "false", broker_zk_state_name(b->zk_state),
	                    b->snapshot_applied ? "true" : "false");
	http_send(req, ready ? HTTP_OK : 503, ready ? "OK" : "Service Unavailable",
	          "application/json", body);
	evbuffer_free(body);
}

int http_start(broker_t *b, char *errstr, size_t errstr_size)
{
	const char *host = b->conf.http_host && *b->conf.http_host ? b->conf.http_host : "0.0.0.0";
	struct evhttp_bound_socket *sock;
	struct sockaddr_storage ss;
	ev_socklen_t sl = sizeof(ss);

	b->http = evhttp_new(loop_base(b->loop));
	if (!b->http) {
		snprintf(errstr, errstr_size, "http: cannot create the server");
		return -1;
	}
	evhttp_set_allowed_methods(b->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_timeout(b->http, 30); /* an idle scraper cannot pin a socket */
	evhttp_set_cb(b->http, "/metrics", http_on_metrics, b);
	evhttp_set_cb(b->http, "/health", http_on_health, b);
	evhttp_set_cb(b->http, "/ready", http_on_ready, b);
	sock = evhttp_bind_socket_with_handle(b->http, host, (ev_uint16_t)b->conf.http_port);
	if (!sock) {
		snprintf(errstr, errstr_size, "http.listener: cannot listen on %s:%d: %s", host,
		         b->conf.http_port, strerror(errno));
		return -1;
	}
	if (getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET)
			b->http_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			b->http_port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	b->http_host = strdup(host);
	/* An accept error (EMFILE) backs off like the client listeners'
	 * (server.c) instead of spinning the loop. */
	server_watch_http(b, evhttp_bound_socket_get_listener(sock));
	return 0;
}

void http_stop(broker_t *b)
{
	if (b->http) {
		b->http_evl = NULL;
		evhttp_free(b->http);
		b->http = NULL;
	}
}
