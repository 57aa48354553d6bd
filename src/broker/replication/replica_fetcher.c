/*
 * replica_fetcher.c — follower-side replication (see replica_fetcher.h).
 *
 * One rfetch_conn per leader broker. Its life: DOWN --connect--> UP, at
 * most one request in flight; a response is processed in the read
 * callback and the next request goes out at once (the leader long-polls
 * Fetch for up to replica.fetch.wait.max.ms, so an idle follower costs two
 * requests a second). Any transport or framing error closes the
 * bufferevent and arms the back-off timer, which reconnects. A connection
 * is freed only by replica_fetcher_sync() or replica_fetcher_free(), never
 * inside its own callbacks.
 *
 * Requests name one topic entry per partition (the protocol allows a topic
 * to repeat); the response lists partitions, and the payload carries their
 * record bytes, in the same order.
 *
 * Leaders are reached at their inter.broker.listener.name endpoint: the
 * broker's snapshots select that listener (zk_broker.c asks zkmeta for it),
 * so a broker's cview host/port are already the right address. When that
 * listener is SASL_PLAINTEXT or SASL_SSL, a new connection first logs in
 * (SaslHandshake with sasl.mechanism.inter.broker.protocol, then
 * SaslAuthenticate as inter.broker.sasl.username, common/sasl_client.c)
 * and counts as up only once the leader accepted it; a refused login is a
 * connection error (logged, retried after the back-off).
 * listener is SSL the connection is TLS (broker_tls.c): the leader's
 * certificate is verified against ssl.ca.location and, with
 * ssl.endpoint.identification.algorithm=https, its host; this broker
 * presents its own certificate, so ssl.client.auth=required works between
 * brokers.
 *
 * Thread: loop thread only.
 */
#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>

#include "broker/broker.h"
#include "broker/broker_tls.h"
#include "broker/replication/partition.h"
#include "broker/replication/replica_fetcher.h"
#include "common/bytes.h"
#include "common/flog.h"
#include "common/frame.h"
#include "common/pbuild.h"
#include "common/record_batch.h"
#include "common/sasl_client.h"
#include "fjord.pb-c.h"

#define RFETCH_BACKOFF_MS 1000    /* reconnecting after an error */
#define RFETCH_PART_RETRY_MS 200  /* a partition error: wait for a snapshot */
#define RFETCH_PART_ERROR_MS 1000 /* a storage or data error */
#define RFETCH_SOCKET_TIMEOUT_MS 30000
#define RFETCH_MAX_FRAME (64u * 1024 * 1024)

typedef struct rfetch_conn {
	struct rfetch_conn *next;
	replica_fetcher_t *rf;
	int32_t leader;
	char *host;
	int port;
	struct bufferevent *bev;
	int up;                 /* connected */
	Fjord__ApiKey inflight; /* API_UNSPECIFIED: nothing in flight */
	int32_t corr;
	struct event *timer; /* back-off reconnect, or partition retry */
	int seen;            /* mark used by sync */
	sasl_client_t *sasl; /* SASL inter-broker listener: the login in progress */
} rfetch_conn_t;

struct replica_fetcher {
	broker_t *b;
	rfetch_conn_t *conns;
	struct evdns_base *dns; /* NULL: resolve with getaddrinfo */
};

static void rfetch_send_next(rfetch_conn_t *fc);

/* ------------------------------------------------------------ connection */

static void rfetch_close(rfetch_conn_t *fc)
{
	if (fc->bev)
		bufferevent_free(fc->bev);
	fc->bev = NULL;
	fc->up = 0;
	fc->inflight = FJORD__API_KEY__API_UNSPECIFIED;
	sasl_client_free(fc->sasl);
	fc->sasl = NULL;
}

static void rfetch_arm(rfetch_conn_t *fc, int64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000) };

	evtimer_add(fc->timer, &tv);
}

/* A transport or protocol error: close, reconnect after the back-off. */
static void rfetch_fail(rfetch_conn_t *fc, const char *why)
{
	flog(LOG_WARNING, "replica",
	     "fetching from broker %d (%s:%d, listener %s): %s; reconnecting in %d ms",
	     (int)fc->leader, fc->host, fc->port, fc->rf->b->conf.lsn[fc->rf->b->conf.ibl].name,
	     why, RFETCH_BACKOFF_MS);
	rfetch_close(fc);
	rfetch_arm(fc, RFETCH_BACKOFF_MS);
}

static int rfetch_owns(const rfetch_conn_t *fc, const partition_t *p)
{
	return partition_is_follower(fc->rf->b, p) && p->leader == fc->leader;
}

static int rfetch_send(rfetch_conn_t *fc, Fjord__Request *req)
{
	uint8_t prefix[FRAME_PREFIX_SIZE];
	size_t hlen;
	uint8_t *hdr;
	struct evbuffer *out = bufferevent_get_output(fc->bev);

	req->correlation_id = ++fc->corr;
	req->client_id = "fjordd-replica-fetcher";
	hlen = fjord__request__get_packed_size(req);
	hdr = malloc(hlen ? hlen : 1);
	if (!hdr)
		return -1;
	fjord__request__pack(req, hdr);
	frame_write_prefix(prefix, hlen, 0);
	if (evbuffer_add(out, prefix, sizeof(prefix)) != 0 || evbuffer_add(out, hdr, hlen) != 0) {
		free(hdr);
		return -1;
	}
	free(hdr);
	fc->inflight = req->api;
	return 0;
}

/* ------------------------------------------------------------ requests */

typedef struct rfetch_build {
	rfetch_conn_t *fc;
	int want; /* PARTITION_FETCH_* to collect */
	int64_t now;
	int64_t next_retry; /* earliest retry among held-back partitions */
	size_t n, cap;
	partition_t **v;
} rfetch_build_t;

static void rfetch_collect(partition_t *p, void *arg)
{
	rfetch_build_t *bd = arg;

	/* A log on a failed log dir takes nothing more: it is not fetched for
	 * (the controller takes it out of the ISR, docs/operations.md). */
	if (!rfetch_owns(bd->fc, p) || p->fetch_state != bd->want || plog_is_offline(p->log))
		return;
	if (p->fetch_retry_ms > bd->now) {
		if (bd->next_retry == 0 || p->fetch_retry_ms < bd->next_retry)
			bd->next_retry = p->fetch_retry_ms;
		return;
	}
	if (bd->n == bd->cap) {
		size_t cap = bd->cap ? bd->cap * 2 : 16;
		partition_t **v = realloc(bd->v, cap * sizeof(*v));
		if (!v)
			return;
		bd->v = v;
		bd->cap = cap;
	}
	bd->v[bd->n++] = p;
}

/* Partitions with no epoch history have nothing to compare with the
 * leader: keep what is below our HW (Kafka's fallback) and fetch. */
static int rfetch_truncate_without_epochs(broker_t *b, partition_t *p)
{
	int64_t hw = plog_high_watermark(p->log);

	(void)b;
	if (epoch_cache_latest_epoch(plog_epoch_cache(p->log)) != EPOCH_UNDEFINED)
		return 0;
	if (hw < plog_log_end_offset(p->log)) {
		flog(LOG_INFO, "replica",
		     "%s-%d: no leader-epoch history: truncating to the high "
		     "watermark %lld",
		     p->topic, p->id, (long long)hw);
		if (plog_truncate_to(p->log, hw) != 0)
			flog(LOG_ERR, "replica", "%s-%d: truncation failed", p->topic, p->id);
	}
	p->fetch_state = PARTITION_FETCH_READY;
	return 1;
}

/* Both requests list one topic entry per partition (a partition's topic
 * can repeat); the messages live in an arena until the request is packed. */
static int rfetch_send_epochs(rfetch_conn_t *fc, rfetch_build_t *bd)
{
	Fjord__Request req = FJORD__REQUEST__INIT;
	Fjord__OffsetForLeaderEpochRequest body = FJORD__OFFSET_FOR_LEADER_EPOCH_REQUEST__INIT;
	arena_t ar;
	int rc = -1;

	arena_init(&ar, 0);
	body.topics =
	    pbuild_topics(&ar, &fjord__offset_for_leader_epoch_topic__descriptor, bd->n, 1);
	if (!body.topics)
		goto out;
	for (size_t i = 0; i < bd->n; i++) {
		partition_t *p = bd->v[i];
		Fjord__OffsetForLeaderEpochPartition *ep = body.topics[i]->partitions[0];
		body.topics[i]->topic = p->topic;
		ep->partition = p->id;
		ep->current_leader_epoch = p->leader_epoch;
		ep->leader_epoch = epoch_cache_latest_epoch(plog_epoch_cache(p->log));
		p->fetch_sent_epoch = p->leader_epoch;
	}
	body.replica_id = fc->rf->b->conf.broker_id;
	body.n_topics = bd->n;
	req.api = FJORD__API_KEY__OFFSET_FOR_LEADER_EPOCH;
	req.body_case = FJORD__REQUEST__BODY_OFFSET_FOR_LEADER_EPOCH;
	req.offset_for_leader_epoch = &body;
	rc = rfetch_send(fc, &req);
out:
	arena_free(&ar);
	return rc;
}

static int rfetch_send_fetch(rfetch_conn_t *fc, rfetch_build_t *bd)
{
	Fjord__Request req = FJORD__REQUEST__INIT;
	Fjord__FetchRequest body = FJORD__FETCH_REQUEST__INIT;
	arena_t ar;
	int rc = -1;

	arena_init(&ar, 0);
	body.topics = pbuild_topics(&ar, &fjord__fetch_topic__descriptor, bd->n, 1);
	if (!body.topics)
		goto out;
	for (size_t i = 0; i < bd->n; i++) {
		partition_t *p = bd->v[i];
		Fjord__FetchPartition *fp = body.topics[i]->partitions[0];
		body.topics[i]->topic = p->topic;
		fp->partition = p->id;
		fp->fetch_offset = plog_log_end_offset(p->log);
		fp->partition_max_bytes = fc->rf->b->conf.replica_fetch_max_bytes;
		fp->current_leader_epoch = p->leader_epoch;
		fp->log_start_offset = plog_log_start_offset(p->log);
		p->fetch_sent_epoch = p->leader_epoch;
	}
	body.replica_id = fc->rf->b->conf.broker_id;
	body.max_wait_ms = fc->rf->b->conf.replica_fetch_wait_max_ms;
	body.min_bytes = 1;
	body.max_bytes = fc->rf->b->conf.replica_fetch_response_max_bytes;
	body.n_topics = bd->n;
	req.api = FJORD__API_KEY__FETCH;
	req.body_case = FJORD__REQUEST__BODY_FETCH;
	req.fetch = &body;
	rc = rfetch_send(fc, &req);
out:
	arena_free(&ar);
	return rc;
}

/* Sends the next request when the connection is up and idle: truncation
 * queries first, then a fetch. Nothing to do: stays idle (a partition
 * held back re-arms the timer). */
static void rfetch_send_next(rfetch_conn_t *fc)
{
	broker_t *b = fc->rf->b;
	rfetch_build_t bd;
	size_t i, k = 0;
	int rc = 0;

	if (!fc->up || fc->inflight != FJORD__API_KEY__API_UNSPECIFIED || b->shutting_down)
		return;
	memset(&bd, 0, sizeof(bd));
	bd.fc = fc;
	bd.now = fj_mono_ms();
	bd.want = PARTITION_FETCH_TRUNCATE;
	partition_foreach(b, rfetch_collect, &bd);
	for (i = 0; i < bd.n; i++)
		if (!rfetch_truncate_without_epochs(b, bd.v[i]))
			bd.v[k++] = bd.v[i];
	bd.n = k;
	if (bd.n > 0) {
		rc = rfetch_send_epochs(fc, &bd);
	} else {
		bd.want = PARTITION_FETCH_READY;
		partition_foreach(b, rfetch_collect, &bd);
		if (bd.n > 0)
			rc = rfetch_send_fetch(fc, &bd);
	}
	if (bd.n == 0 && bd.next_retry > 0)
		rfetch_arm(fc, bd.next_retry - bd.now > 0 ? bd.next_retry - bd.now : 1);
	free(bd.v);
	if (rc != 0)
		rfetch_fail(fc, "out of memory building a request");
}

/* ------------------------------------------------------------ SASL login */

/* Sends the login's next SaslAuthenticate (in: the leader's last
 * auth_bytes, NULL at first). 0 sent, 1 logged in, -1 failed (why). */
static int rfetch_sasl_step(rfetch_conn_t *fc, const ProtobufCBinaryData *in, char *why,
                            size_t whysz)
{
	Fjord__Request req = FJORD__REQUEST__INIT;
	Fjord__SaslAuthenticateRequest body = FJORD__SASL_AUTHENTICATE_REQUEST__INIT;
	uint8_t *out = NULL;
	size_t outlen = 0;
	int rc = sasl_client_step(fc->sasl, in ? in->data : NULL, in ? in->len : 0, &out, &outlen,
	                          why, whysz);

	if (rc == 0) {
		body.auth_bytes.data = out;
		body.auth_bytes.len = outlen;
		req.api = FJORD__API_KEY__SASL_AUTHENTICATE;
		req.body_case = FJORD__REQUEST__BODY_SASL_AUTHENTICATE;
		req.sasl_authenticate = &body;
		if (rfetch_send(fc, &req) != 0) {
			snprintf(why, whysz, "out of memory");
			rc = -1;
		}
	}
	free(out);
	return rc;
}

/* Connected on a SASL inter-broker listener: SaslHandshake. 0 or -1. */
static int rfetch_sasl_start(rfetch_conn_t *fc)
{
	const broker_conf_t *conf = &fc->rf->b->conf;
	Fjord__Request req = FJORD__REQUEST__INIT;
	Fjord__SaslHandshakeRequest body = FJORD__SASL_HANDSHAKE_REQUEST__INIT;

	fc->sasl =
	    sasl_client_new((sasl_mech_t)conf->sasl_ibp_mech, conf->inter_broker_sasl_username,
	                    conf->inter_broker_sasl_password);
	if (!fc->sasl)
		return -1;
	body.mechanism = (char *)sasl_mech_name((sasl_mech_t)conf->sasl_ibp_mech);
	req.api = FJORD__API_KEY__SASL_HANDSHAKE;
	req.body_case = FJORD__REQUEST__BODY_SASL_HANDSHAKE;
	req.sasl_handshake = &body;
	return rfetch_send(fc, &req);
}

/* An answer during the login. 0 (the next step sent, or logged in: up),
 * -1 refused or malformed (why). */
static int rfetch_sasl_on_response(rfetch_conn_t *fc, Fjord__ApiKey api,
                                   const Fjord__Response *resp, char *why, size_t whysz)
{
	int rc;

	if (api == FJORD__API_KEY__SASL_HANDSHAKE) {
		if (resp->body_case != FJORD__RESPONSE__BODY_SASL_HANDSHAKE)
			return snprintf(why, whysz, "unexpected answer to SaslHandshake"), -1;
		if (resp->sasl_handshake->error != FJORD__ERROR_CODE__NONE)
			return snprintf(why, whysz, "SASL mechanism %s: %s",
			                sasl_mech_name((sasl_mech_t)fc->rf->b->conf.sasl_ibp_mech),
			                fjord_err2str((fjord_err_t)resp->sasl_handshake->error)),
			       -1;
		rc = rfetch_sasl_step(fc, NULL, why, whysz);
	} else {
		const Fjord__SaslAuthenticateResponse *ar = resp->sasl_authenticate;
		if (resp->body_case != FJORD__RESPONSE__BODY_SASL_AUTHENTICATE)
			return snprintf(why, whysz, "unexpected answer to SaslAuthenticate"), -1;
		if (ar->error != FJORD__ERROR_CODE__NONE)
			return snprintf(why, whysz, "SASL login as %s refused: %s",
			                fc->rf->b->conf.inter_broker_sasl_username,
			                ar->error_message && *ar->error_message
			                    ? ar->error_message
			                    : fjord_err2str((fjord_err_t)ar->error)),
			       -1;
		rc = rfetch_sasl_step(fc, &ar->auth_bytes, why, whysz);
	}
	if (rc == 1) {
		flog(LOG_INFO, "replica", "logged in to leader broker %d as %s (%s)",
		     (int)fc->leader, fc->rf->b->conf.inter_broker_sasl_username,
		     sasl_mech_name((sasl_mech_t)fc->rf->b->conf.sasl_ibp_mech));
		sasl_client_free(fc->sasl);
		fc->sasl = NULL;
		fc->up = 1;
	}
	return rc < 0 ? -1 : 0;
}

/* ------------------------------------------------------------ responses */

static partition_t *rfetch_lookup(rfetch_conn_t *fc, const char *topic, int32_t id, int state)
{
	partition_t *p = partition_find(fc->rf->b, topic, id);

	if (!p || !rfetch_owns(fc, p) || p->fetch_state != state ||
	    p->fetch_sent_epoch != p->leader_epoch)
		return NULL; /* moved on since the request: ignore the answer */
	return p;
}

static void rfetch_hold(partition_t *p, int ms)
{
	p->fetch_retry_ms = fj_mono_ms() + ms;
}

static void rfetch_on_epoch(rfetch_conn_t *fc, const char *topic, const Fjord__EpochEndOffset *e)
{
	partition_t *p = rfetch_lookup(fc, topic, e->partition, PARTITION_FETCH_TRUNCATE);
	epoch_cache_t *ec;
	int64_t leo, target, own_end;
	int32_t own_epoch;

	if (!p)
		return;
	if (e->error != FJORD__ERROR_CODE__NONE) {
		flog(LOG_DEBUG, "replica", "%s-%d: OffsetForLeaderEpoch from broker %d: %s", topic,
		     e->partition, (int)fc->leader, fjord_err2str((fjord_err_t)e->error));
		rfetch_hold(p, RFETCH_PART_RETRY_MS);
		return;
	}
	ec = plog_epoch_cache(p->log);
	leo = plog_log_end_offset(p->log);
	if (e->leader_epoch == EPOCH_UNDEFINED || e->end_offset < 0) {
		/* The leader knows no epoch at or below ours: keep the HW. */
		target = plog_high_watermark(p->log);
	} else {
		/* Where that epoch ends on both logs; the smaller is common. */
		target = e->end_offset;
		epoch_cache_end_offset_for(ec, e->leader_epoch, leo, &own_epoch, &own_end);
		if (own_epoch != EPOCH_UNDEFINED && own_end >= 0 && own_end < target)
			target = own_end;
	}
	if (target < leo) {
		flog(LOG_NOTICE, "replica",
		     "%s-%d: truncating from log end offset %lld to %lld "
		     "(leader %d: epoch %d ends at %lld)",
		     p->topic, p->id, (long long)leo, (long long)target, (int)fc->leader,
		     (int)e->leader_epoch, (long long)e->end_offset);
		if (plog_truncate_to(p->log, target) != 0) {
			flog(LOG_ERR, "replica", "%s-%d: truncation failed; the log is offline",
			     p->topic, p->id);
			rfetch_hold(p, RFETCH_PART_ERROR_MS);
			return;
		}
	}
	p->fetch_state = PARTITION_FETCH_READY;
	p->fetch_retry_ms = 0;
}

/* Appends the fetched bytes (whole batches from somewhere at or before our
 * LEO). Batches we already have are skipped; one that straddles our LEO
 * means our tail differs from the leader's batching: cut back to it. */
static void rfetch_append(rfetch_conn_t *fc, partition_t *p, uint8_t *buf, size_t len)
{
	int64_t leo = plog_log_end_offset(p->log);
	plog_append_info_t info;
	fjord_err_t err;
	size_t off = 0;

	while (off + RB_HEADER_SIZE <= len) {
		const uint8_t *batch = buf + off;
		size_t sz = rb_total_size(batch);
		if (sz < RB_HEADER_SIZE || off + sz > len || rb_last_offset(batch) >= leo)
			break;
		off += sz;
	}
	if (off >= len)
		return;
	if (off + RB_HEADER_SIZE <= len && rb_base_offset(buf + off) < leo) {
		int64_t base = rb_base_offset(buf + off);
		flog(LOG_NOTICE, "replica",
		     "%s-%d: leader batch at %lld straddles our log end offset "
		     "%lld: truncating to %lld",
		     p->topic, p->id, (long long)base, (long long)leo, (long long)base);
		if (plog_truncate_to(p->log, base) != 0) {
			rfetch_hold(p, RFETCH_PART_ERROR_MS);
			return;
		}
	}
	err = plog_append(p->log, buf + off, len - off, -1, 0, &info);
	if (err != FJORD_ERR_NO_ERROR) {
		flog(LOG_ERR, "replica",
		     "%s-%d: cannot append %zu bytes fetched from broker %d at "
		     "offset %lld: %s",
		     p->topic, p->id, len - off, (int)fc->leader, (long long)leo,
		     fjord_err2str(err));
		rfetch_hold(p, RFETCH_PART_ERROR_MS);
	}
}

/*
 * Follower repair of corrupt ranges (log_corrupt.c): recovery kept them,
 * and the leader has those offsets. Once the leader answers a fetch (so it
 * leads this epoch and its log is known), our log is truncated to the first
 * corrupt offset and fetched again from there like any lagging follower;
 * the batches after the range are re-fetched too (they are the leader's
 * own, byte for byte). Returns 1 when it truncated: the response's data,
 * fetched at the old log end, is dropped.
 */
static int rfetch_repair_corrupt(rfetch_conn_t *fc, partition_t *p,
                                 const Fjord__FetchPartitionResponse *pr)
{
	int64_t first = plog_corrupt_first_offset(p->log);

	if (first < 0)
		return 0;
	flog(LOG_WARNING, "replica",
	     "%s-%d: our log holds corrupt ranges from offset %lld (%lld ranges): truncating "
	     "to %lld and fetching them again from leader %d (its log: %lld-%lld)",
	     p->topic, p->id, (long long)first, (long long)plog_corrupt_range_count(p->log),
	     (long long)first, (int)fc->leader, (long long)pr->log_start_offset,
	     (long long)pr->log_end_offset);
	if (plog_truncate_to(p->log, first) != 0) {
		flog(LOG_ERR, "replica", "%s-%d: truncation failed; the log is offline", p->topic,
		     p->id);
		rfetch_hold(p, RFETCH_PART_ERROR_MS);
	}
	return 1;
}

static void rfetch_on_partition(rfetch_conn_t *fc, const char *topic,
                                const Fjord__FetchPartitionResponse *pr, uint8_t *data)
{
	partition_t *p = rfetch_lookup(fc, topic, pr->partition, PARTITION_FETCH_READY);
	broker_t *b = fc->rf->b;
	int64_t leo;

	if (!p)
		return;
	leo = plog_log_end_offset(p->log);
	switch (pr->error) {
	case FJORD__ERROR_CODE__NONE:
		break;
	case FJORD__ERROR_CODE__OFFSET_OUT_OF_RANGE:
		if (pr->log_end_offset >= 0 && leo > pr->log_end_offset) {
			/* Our log is longer than the leader's: find the common point. */
			p->fetch_state = PARTITION_FETCH_TRUNCATE;
		} else if (pr->log_start_offset > leo) {
			flog(LOG_NOTICE, "replica",
			     "%s-%d: the leader's log starts at %lld, after our log "
			     "end offset %lld: starting our log there",
			     p->topic, p->id, (long long)pr->log_start_offset, (long long)leo);
			if (plog_truncate_fully_and_start_at(p->log, pr->log_start_offset) != 0)
				rfetch_hold(p, RFETCH_PART_ERROR_MS);
		} else {
			rfetch_hold(p, RFETCH_PART_RETRY_MS);
		}
		return;
	case FJORD__ERROR_CODE__CORRUPT_MESSAGE:
		/* The leader's own copy of these offsets is corrupt: nothing to
		 * fetch until an operator acts (docs/operations.md). */
		flog(LOG_WARNING, "replica", "%s-%d: leader %d cannot serve offset %lld: %s",
		     p->topic, p->id, (int)fc->leader, (long long)leo,
		     pr->error_message ? pr->error_message : "corrupt");
		rfetch_hold(p, RFETCH_PART_ERROR_MS);
		return;
	case FJORD__ERROR_CODE__KAFKA_STORAGE_ERROR:
	case FJORD__ERROR_CODE__UNKNOWN_SERVER_ERROR:
		rfetch_hold(p, RFETCH_PART_ERROR_MS);
		return;
	default: /* NOT_LEADER, fenced/unknown epoch, unknown partition */
		rfetch_hold(p, RFETCH_PART_RETRY_MS);
		return;
	}
	if (rfetch_repair_corrupt(fc, p, pr))
		return;
	if (pr->records_len > 0)
		rfetch_append(fc, p, data, pr->records_len);
	leo = plog_log_end_offset(p->log);
	p->fetch_lag = pr->log_end_offset > leo ? pr->log_end_offset - leo : 0;
	partition_follower_set_hw(b, p, pr->high_watermark);
}

/* One whole response frame. Returns 0, or -1 when it does not fit what we
 * asked (the connection is then reset). */
static int rfetch_on_frame(rfetch_conn_t *fc, uint8_t *buf, const frame_t *f)
{
	Fjord__Response *resp = fjord__response__unpack(NULL, f->header_len, buf + f->header_off);
	Fjord__ApiKey api = fc->inflight;
	size_t i, j, off = 0;
	int rc = -1;

	fc->inflight = FJORD__API_KEY__API_UNSPECIFIED;
	if (!resp || resp->correlation_id != fc->corr)
		goto out;
	if (api == FJORD__API_KEY__SASL_HANDSHAKE || api == FJORD__API_KEY__SASL_AUTHENTICATE) {
		char why[400] = "";
		if (resp->error != FJORD__ERROR_CODE__NONE)
			snprintf(why, sizeof(why), "the leader refused the SASL login: %s",
			         fjord_err2str((fjord_err_t)resp->error));
		else if (rfetch_sasl_on_response(fc, api, resp, why, sizeof(why)) == 0)
			rc = 0;
		if (rc != 0)
			flog(LOG_WARNING, "replica", "broker %d: %s", (int)fc->leader, why);
		goto out;
	}
	if (resp->error != FJORD__ERROR_CODE__NONE) {
		flog(LOG_WARNING, "replica", "broker %d refused our %s request: %s",
		     (int)fc->leader,
		     api == FJORD__API_KEY__FETCH ? "Fetch" : "OffsetForLeaderEpoch",
		     resp->error_message && *resp->error_message
		         ? resp->error_message
		         : fjord_err2str((fjord_err_t)resp->error));
		goto out;
	}
	if (api == FJORD__API_KEY__OFFSET_FOR_LEADER_EPOCH &&
	    resp->body_case == FJORD__RESPONSE__BODY_OFFSET_FOR_LEADER_EPOCH) {
		const Fjord__OffsetForLeaderEpochResponse *er = resp->offset_for_leader_epoch;
		for (i = 0; i < er->n_topics; i++)
			for (j = 0; j < er->topics[i]->n_partitions; j++)
				rfetch_on_epoch(fc, er->topics[i]->topic,
				                er->topics[i]->partitions[j]);
		rc = 0;
	} else if (api == FJORD__API_KEY__FETCH && resp->body_case == FJORD__RESPONSE__BODY_FETCH) {
		const Fjord__FetchResponse *fr = resp->fetch;
		uint8_t *payload = buf + f->payload_off;
		for (i = 0; i < fr->n_topics; i++)
			for (j = 0; j < fr->topics[i]->n_partitions; j++) {
				const Fjord__FetchPartitionResponse *pr =
				    fr->topics[i]->partitions[j];
				if (pr->records_len > f->payload_len - off)
					goto out;
				rfetch_on_partition(fc, fr->topics[i]->topic, pr, payload + off);
				off += pr->records_len;
			}
		rc = off == f->payload_len ? 0 : -1;
	}
out:
	if (resp)
		fjord__response__free_unpacked(resp, NULL);
	return rc;
}

static void rfetch_on_read(struct bufferevent *bev, void *arg)
{
	rfetch_conn_t *fc = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	for (;;) {
		size_t avail = evbuffer_get_length(in);
		const char *why = NULL;
		uint8_t *buf;
		frame_t f;
		frame_status_t st;

		if (avail < FRAME_PREFIX_SIZE)
			break;
		buf = evbuffer_pullup(in, FRAME_PREFIX_SIZE);
		st = frame_parse(buf, FRAME_PREFIX_SIZE, RFETCH_MAX_FRAME, &f, &why);
		if (st == FRAME_ERROR) {
			rfetch_fail(fc, why ? why : "bad frame");
			return;
		}
		if (avail < f.total_len) {
			/* Wake up again only when the whole frame is there. */
			bufferevent_setwatermark(bev, EV_READ, f.total_len, 0);
			return;
		}
		bufferevent_setwatermark(bev, EV_READ, 0, 0);
		if (fc->inflight == FJORD__API_KEY__API_UNSPECIFIED) {
			rfetch_fail(fc, "unexpected response");
			return;
		}
		buf = evbuffer_pullup(in, (ev_ssize_t)f.total_len);
		if (!buf) {
			rfetch_fail(fc, "out of memory reading a response");
			return;
		}
		if (rfetch_on_frame(fc, buf, &f) != 0) {
			rfetch_fail(fc, "malformed or unexpected response");
			return;
		}
		evbuffer_drain(in, f.total_len);
	}
	rfetch_send_next(fc);
}

static void rfetch_on_event(struct bufferevent *bev, short what, void *arg)
{
	rfetch_conn_t *fc = arg;
	int one = 1;

	if (what & BEV_EVENT_CONNECTED) {
		setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		flog(LOG_INFO, "replica", "connected to leader broker %d at %s:%d", (int)fc->leader,
		     fc->host, fc->port);
		if (SEC_PROTO_IS_SASL(fc->rf->b->conf.lsn[fc->rf->b->conf.ibl].proto)) {
			if (rfetch_sasl_start(fc) != 0)
				rfetch_fail(fc, "out of memory starting the SASL login");
			return;
		}
		fc->up = 1;
		rfetch_send_next(fc);
		return;
	}
	if (fc->rf->b->tls_client && (what & BEV_EVENT_ERROR)) {
		char why[300], reason[256];
		broker_tls_reason(bev, reason, sizeof(reason));
		snprintf(why, sizeof(why), "TLS: %s", reason);
		rfetch_fail(fc, why);
		return;
	}
	rfetch_fail(fc, what & BEV_EVENT_EOF       ? "connection closed by the leader"
	                : what & BEV_EVENT_TIMEOUT ? "no response in time"
	                                           : "connection error");
}

static void rfetch_connect(rfetch_conn_t *fc)
{
	broker_t *b = fc->rf->b;
	struct timeval tmo = { RFETCH_SOCKET_TIMEOUT_MS / 1000, 0 };

	/* Over an SSL inter-broker listener the handshake follows the connect
	 * (BEV_EVENT_CONNECTED comes once it completed). */
	fc->bev = b->tls_client
	              ? broker_tls_connect(b, fc->host)
	              : bufferevent_socket_new(loop_base(b->loop), -1, BEV_OPT_CLOSE_ON_FREE);
	if (!fc->bev) {
		rfetch_arm(fc, RFETCH_BACKOFF_MS);
		return;
	}
	bufferevent_setcb(fc->bev, rfetch_on_read, NULL, rfetch_on_event, fc);
	bufferevent_set_timeouts(fc->bev, &tmo, &tmo);
	bufferevent_enable(fc->bev, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect_hostname(fc->bev, fc->rf->dns, AF_UNSPEC, fc->host,
	                                        fc->port) != 0)
		rfetch_fail(fc, "cannot start connecting");
}

/* Back-off over (reconnect) or a held-back partition is due (send). */
static void rfetch_on_timer(evutil_socket_t fd, short what, void *arg)
{
	rfetch_conn_t *fc = arg;

	(void)fd;
	(void)what;
	if (fc->rf->b->shutting_down)
		return;
	if (!fc->bev)
		rfetch_connect(fc);
	else
		rfetch_send_next(fc);
}

static void rfetch_conn_free(rfetch_conn_t *fc)
{
	rfetch_close(fc);
	if (fc->timer)
		event_free(fc->timer);
	free(fc->host);
	free(fc);
}

/* ------------------------------------------------------------ public */

replica_fetcher_t *replica_fetcher_new(broker_t *b)
{
	replica_fetcher_t *rf = calloc(1, sizeof(*rf));

	if (!rf)
		return NULL;
	rf->b = b;
	/* Non-blocking name resolution; without it (no resolv.conf) libevent
	 * falls back to getaddrinfo, which is immediate for numeric hosts. */
	rf->dns = evdns_base_new(loop_base(b->loop), EVDNS_BASE_INITIALIZE_NAMESERVERS |
	                                                 EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	return rf;
}

typedef struct rfetch_sync {
	replica_fetcher_t *rf;
	int oom;
} rfetch_sync_t;

static rfetch_conn_t *rfetch_conn_find(replica_fetcher_t *rf, int32_t leader)
{
	rfetch_conn_t *fc;

	for (fc = rf->conns; fc; fc = fc->next)
		if (fc->leader == leader)
			return fc;
	return NULL;
}

static void rfetch_sync_partition(partition_t *p, void *arg)
{
	rfetch_sync_t *s = arg;
	replica_fetcher_t *rf = s->rf;
	const cview_broker_t *cb;
	rfetch_conn_t *fc;

	if (!partition_is_follower(rf->b, p))
		return;
	fc = rfetch_conn_find(rf, p->leader);
	if (fc) {
		fc->seen = 1;
		return;
	}
	cb = rf->b->cv ? cview_broker(rf->b->cv, p->leader) : NULL;
	/* Not registered (a new snapshot will follow), or without our
	 * inter.broker.listener.name (zkmeta logged it; host is ""). */
	if (!cb || !cb->host || !cb->host[0])
		return;
	fc = calloc(1, sizeof(*fc));
	if (!fc || !(fc->host = strdup(cb->host)) ||
	    !(fc->timer = evtimer_new(loop_base(rf->b->loop), rfetch_on_timer, fc))) {
		if (fc) {
			free(fc->host);
			free(fc);
		}
		s->oom = 1;
		return;
	}
	fc->rf = rf;
	fc->leader = p->leader;
	fc->port = cb->port;
	fc->seen = 1;
	fc->next = rf->conns;
	rf->conns = fc;
	rfetch_connect(fc);
}

void replica_fetcher_sync(replica_fetcher_t *rf)
{
	rfetch_sync_t s = { rf, 0 };
	rfetch_conn_t **pp, *fc;

	if (!rf)
		return;
	for (fc = rf->conns; fc; fc = fc->next)
		fc->seen = 0;
	partition_foreach(rf->b, rfetch_sync_partition, &s);
	if (s.oom)
		flog(LOG_ERR, "replica", "out of memory creating a fetcher connection");
	pp = &rf->conns;
	while ((fc = *pp) != NULL) {
		const cview_broker_t *cb = rf->b->cv ? cview_broker(rf->b->cv, fc->leader) : NULL;
		if (!fc->seen || !cb || !cb->host || !cb->host[0]) {
			*pp = fc->next;
			flog(LOG_INFO, "replica", "no longer fetching from broker %d",
			     (int)fc->leader);
			rfetch_conn_free(fc);
			continue;
		}
		if (strcmp(cb->host, fc->host) != 0 || cb->port != fc->port) {
			char *host = strdup(cb->host);
			if (host) {
				flog(LOG_INFO, "replica", "broker %d moved to %s:%d: reconnecting",
				     (int)fc->leader, cb->host, cb->port);
				free(fc->host);
				fc->host = host;
				fc->port = cb->port;
				rfetch_close(fc);
				evtimer_del(fc->timer);
				rfetch_connect(fc);
			}
		}
		rfetch_send_next(fc);
		pp = &fc->next;
	}
}

void replica_fetcher_free(replica_fetcher_t *rf)
{
	if (!rf)
		return;
	while (rf->conns) {
		rfetch_conn_t *fc = rf->conns;
		rf->conns = fc->next;
		rfetch_conn_free(fc);
	}
	if (rf->dns)
		evdns_base_free(rf->dns, 0);
	free(rf);
}
