/*
 * handle_fetch.c — Fetch: consumers (replica_id -1) read below the high
 * watermark, followers (replica_id = their broker id) read up to the log
 * end offset and report their own LEO through fetch_offset.
 *
 * Per partition: the partition must be led here (NOT_LEADER, or
 * UNKNOWN_TOPIC_OR_PARTITION when the cluster does not know it), the
 * request's current_leader_epoch (unless -1) must equal ours
 * (FENCED_LEADER_EPOCH when older, UNKNOWN_LEADER_EPOCH when newer), and
 * fetch_offset must lie in [log start, LEO] (OFFSET_OUT_OF_RANGE).
 *
 * Authorization (authz.h), decided when the request arrives: a follower's
 * fetch needs ClusterAction on the cluster (else the whole request answers
 * CLUSTER_AUTHORIZATION_FAILED and moves no HW); a consumer's needs Read on
 * each topic. A consumer fetch naming a topic it may not read is answered
 * at once, without waiting: TOPIC_AUTHORIZATION_FAILED for that topic's
 * partitions, what is there for the others.
 *
 * Answering: a first pass measures what is available (plog_read locates
 * whole batches, nothing is read); with min_bytes reached, an error, or
 * max_wait_ms over, the second pass builds the response: the header lists
 * records_len per partition, and the payload is a sequence of file ranges.
 * max_bytes bounds the total across partitions, except that the first
 * non-empty partition always returns its first batch whole.
 *
 * File ranges: each is an evbuffer_file_segment over the segment's shared
 * descriptor (storage/segment_fd.h), holding one reference to it that its
 * cleanup callback drops once libevent has sent the range (or the
 * connection went away). So a pending answer costs no descriptor of its own
 * however many a client leaves unread, and a roll, retention or truncation
 * that closes the segment cannot pull the file away. The payload buffer is
 * marked EVBUFFER_FLAG_DRAINS_TO_FD (as the socket's output buffer is):
 * without it libevent maps or reads the range into memory when it is added
 * instead of keeping it for sendfile(2).
 *
 * Over TLS (a connection of an SSL listener) sendfile(2) cannot help: the
 * bytes must pass through the encryption. There each range is read with
 * one pread(2) into one contiguous chunk of the payload (fetch_read_range),
 * so the cost is one copy per range, never one per record, and the
 * encryption reads that chunk in place. A read error answers the partition
 * with KAFKA_STORAGE_ERROR instead of failing the connection later.
 *
 * Thread: loop thread only.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "broker/api.h"
#include "broker/broker.h"
#include "broker/fetch_wait.h"
#include "broker/replication/partition.h"
#include "common/flog.h"
#include "common/pbuild.h"

/* The second pass's state: the response over an arena, the payload, and
 * what is left of max_bytes. */
typedef struct fetch_build {
	broker_t *b;
	const Fjord__FetchRequest *req;
	arena_t ar;
	Fjord__FetchResponse body;
	struct evbuffer *payload;
	int64_t budget;
	int any;   /* something was returned already */
	conn_t *c; /* set: check Read per topic (a consumer naming a denied topic) */
	int copy;  /* TLS connection: read ranges instead of sendfile ranges */
} fetch_build_t;

/* Checks one partition and locates its data. Returns the error for it. */
static fjord_err_t fetch_partition(broker_t *b, const Fjord__FetchRequest *req, const char *topic,
                                   const Fjord__FetchPartition *fp, int32_t max_bytes,
                                   partition_t **pp, plog_read_t *rd)
{
	fjord_err_t err =
	    partition_leader_check(b, topic, fp->partition, fp->current_leader_epoch, pp);
	partition_t *p = *pp;
	int64_t max_offset;

	memset(rd, 0, sizeof(*rd));
	rd->fd = -1;
	if (p) { /* a follower reports its offsets too */
		rd->high_watermark = plog_high_watermark(p->log);
		rd->log_start_offset = plog_log_start_offset(p->log);
		rd->log_end_offset = plog_log_end_offset(p->log);
	}
	if (err != FJORD_ERR_NO_ERROR)
		return err;
	max_offset = req->replica_id >= 0 ? rd->log_end_offset : rd->high_watermark;
	if (max_bytes <= 0 || fp->fetch_offset == max_offset) {
		if (fp->fetch_offset < rd->log_start_offset ||
		    fp->fetch_offset > rd->log_end_offset)
			return FJORD_ERR_OFFSET_OUT_OF_RANGE;
		return FJORD_ERR_NO_ERROR;
	}
	return plog_read(p->log, fp->fetch_offset, max_bytes, max_offset, rd);
}

static int32_t fetch_min32(int32_t a, int32_t c)
{
	return a < c ? a : c;
}

/* Pass 1: bytes available, or -1 when some partition has an error (the
 * request is then answered at once, as Kafka does). */
static int64_t fetch_measure(broker_t *b, const Fjord__FetchRequest *req)
{
	int64_t total = 0;
	size_t i, j;

	for (i = 0; i < req->n_topics; i++) {
		const Fjord__FetchTopic *ft = req->topics[i];
		for (j = 0; j < ft->n_partitions; j++) {
			const Fjord__FetchPartition *fp = ft->partitions[j];
			partition_t *p;
			plog_read_t rd;
			if (fetch_partition(b, req, ft->topic, fp, fp->partition_max_bytes, &p,
			                    &rd) != FJORD_ERR_NO_ERROR)
				return -1;
			total += (int64_t)rd.length;
		}
	}
	return total;
}

static void fetch_build_free(fetch_build_t *fb)
{
	arena_free(&fb->ar);
	if (fb->payload)
		evbuffer_free(fb->payload);
}

/* evbuffer_file_segment cleanup: the range was sent or dropped. */
static void fetch_range_done(const struct evbuffer_file_segment *seg, int flags, void *arg)
{
	(void)seg;
	(void)flags;
	segment_fd_unref(arg);
}

/* Queues rd's file range on payload with its own reference to the segment's
 * descriptor. 0, or -1 (out of memory; nothing queued, no reference kept). */
static int fetch_add_range(struct evbuffer *payload, const plog_read_t *rd)
{
	struct evbuffer_file_segment *seg = evbuffer_file_segment_new(
	    segment_fd_get(rd->sfd), rd->position, (ev_off_t)rd->length, EVBUF_FS_DISABLE_LOCKING);
	int rc;

	if (!seg)
		return -1;
	segment_fd_ref(rd->sfd);
	evbuffer_file_segment_add_cleanup_cb(seg, fetch_range_done, rd->sfd);
	/* On success the chain holds its own reference to seg and ours goes
	 * now, so the cleanup runs when the chain is freed; on failure libevent
	 * has already dropped ours (and run the cleanup), as evbuffer_add_file
	 * relies on. */
	rc = evbuffer_add_file_segment(payload, seg, 0, (ev_off_t)rd->length);
	if (rc == 0)
		evbuffer_file_segment_free(seg);
	return rc;
}

/* Reads rd's range into payload (TLS connections). 0; -1 out of memory;
 * -2 a read error or a short file (errno set; nothing queued). */
static int fetch_read_range(struct evbuffer *payload, const plog_read_t *rd)
{
	struct evbuffer_iovec v;
	size_t got = 0;

	if (evbuffer_reserve_space(payload, (ev_ssize_t)rd->length, &v, 1) < 1)
		return -1;
	while (got < rd->length) {
		ssize_t n = pread(segment_fd_get(rd->sfd), (char *)v.iov_base + got,
		                  rd->length - got, (off_t)(rd->position + (int64_t)got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -2;
		}
		got += (size_t)n;
	}
	v.iov_len = rd->length;
	return evbuffer_commit_space(payload, &v, 1) == 0 ? 0 : -1;
}

/* pbuild_fill_fn of pass 2: one partition's answer and its file range. */
static int fetch_fill(void *arg, const char *topic, const ProtobufCMessage *req_part,
                      ProtobufCMessage *resp_part)
{
	fetch_build_t *fb = arg;
	const Fjord__FetchPartition *fp = (const Fjord__FetchPartition *)req_part;
	Fjord__FetchPartitionResponse *pr = (Fjord__FetchPartitionResponse *)resp_part;
	int32_t limit = fetch_min32(fp->partition_max_bytes,
	                            fb->budget > INT32_MAX ? INT32_MAX : (int32_t)fb->budget);
	partition_t *p;
	plog_read_t rd;
	fjord_err_t err;

	/* Once something was returned, a spent budget returns nothing more;
	 * before that, the first batch goes out whole. */
	if (!fb->any && limit <= 0)
		limit = 1;
	if (fb->c && !authz_allowed(fb->c, ACL_RES_TOPIC, topic, ACL_OP_READ, 1)) {
		pr->high_watermark = pr->log_start_offset = pr->log_end_offset = -1;
		pr->error_message = (char *)fjord_err2str(FJORD_ERR_TOPIC_AUTHORIZATION_FAILED);
		return FJORD_ERR_TOPIC_AUTHORIZATION_FAILED;
	}
	err = fetch_partition(fb->b, fb->req, topic, fp, limit, &p, &rd);
	pr->high_watermark = p ? rd.high_watermark : -1;
	pr->log_start_offset = p ? rd.log_start_offset : -1;
	pr->log_end_offset = p ? rd.log_end_offset : -1;
	if (err != FJORD_ERR_NO_ERROR) {
		pr->error_message = (char *)fjord_err2str(err);
		if (err == FJORD_ERR_CORRUPT_MESSAGE && p) {
			char *m = partition_corrupt_message(p, fb->b->conf.broker_id,
			                                    fp->fetch_offset, &fb->ar);
			if (m)
				pr->error_message = m;
		}
		return err;
	}
	if (rd.length > 0 && fb->copy) {
		int rc = fetch_read_range(fb->payload, &rd);
		if (rc == -2) {
			flog(LOG_ERR, "fetch", "%s-%d: cannot read %zu bytes at %lld: %s", topic,
			     fp->partition, rd.length, (long long)rd.position, strerror(errno));
			return FJORD__ERROR_CODE__KAFKA_STORAGE_ERROR;
		}
		if (rc != 0) {
			flog(LOG_ERR, "fetch", "%s-%d: cannot queue segment data (out of memory)",
			     topic, fp->partition);
			return FJORD__ERROR_CODE__KAFKA_STORAGE_ERROR;
		}
	} else if (rd.length > 0) {
		if (fetch_add_range(fb->payload, &rd) != 0) {
			flog(LOG_ERR, "fetch", "%s-%d: cannot queue segment data (out of memory)",
			     topic, fp->partition);
			return FJORD__ERROR_CODE__KAFKA_STORAGE_ERROR;
		}
	}
	if (rd.length > 0) {
		pr->records_len = (uint32_t)rd.length;
		fb->budget -= (int64_t)rd.length;
		fb->any = 1;
		p->bytes_out += rd.length;
		if (rd.next_offset > rd.first_offset)
			p->records_out += (uint64_t)(rd.next_offset - rd.first_offset);
	}
	return FJORD_ERR_NO_ERROR;
}

/* Pass 2: builds header + payload. Returns 0 or -1 (out of memory). */
static int fetch_build(broker_t *b, const Fjord__FetchRequest *req, conn_t *c, int copy,
                       fetch_build_t *fb)
{
	fb->b = b;
	fb->c = c;
	fb->copy = copy;
	fb->req = req;
	fb->budget = req->max_bytes > 0 ? req->max_bytes : INT32_MAX;
	fb->any = 0;
	arena_init(&fb->ar, 0);
	fjord__fetch_response__init(&fb->body);
	fb->payload = evbuffer_new();
	if (!fb->payload)
		return -1;
	evbuffer_set_flags(fb->payload, EVBUFFER_FLAG_DRAINS_TO_FD);
	fb->body.topics =
	    pbuild_answer(&fb->ar, (ProtobufCMessage *const *)req->topics, req->n_topics,
	                  &fjord__fetch_topic_response__descriptor, fetch_fill, fb);
	if (!fb->body.topics)
		return -1;
	fb->body.n_topics = req->n_topics;
	return 0;
}

/* Builds and sends the answer; c as in fetch_build_t. */
static void fetch_respond(broker_t *b, conn_slot_t *slot, const Fjord__FetchRequest *req, conn_t *c)
{
	Fjord__Response resp = FJORD__RESPONSE__INIT;
	fetch_build_t fb;

	memset(&fb, 0, sizeof(fb));
	if (fetch_build(b, req, c, slot->conn->tls, &fb) != 0) {
		fetch_build_free(&fb);
		conn_slot_respond_error(slot, FJORD__ERROR_CODE__UNKNOWN_SERVER_ERROR,
		                        "out of memory");
		return;
	}
	resp.body_case = FJORD__RESPONSE__BODY_FETCH;
	resp.fetch = &fb.body;
	conn_slot_respond(slot, &resp, fb.payload);
	fetch_build_free(&fb);
}

/* fetch_wait_try_fn: answer now when possible or when expired. */
static int fetch_try(broker_t *b, conn_slot_t *slot, const Fjord__FetchRequest *req, int expired)
{
	if (!expired && !b->shutting_down) {
		int64_t avail = fetch_measure(b, req);
		if (avail >= 0 && avail < (req->min_bytes > 0 ? req->min_bytes : 1))
			return 0;
	}
	fetch_respond(b, slot, req, NULL);
	return 1;
}

int handle_fetch(conn_t *c, const Fjord__Request *req, const uint8_t *payload, size_t payload_len)
{
	broker_t *b = c->b;
	const Fjord__FetchRequest *fr = req->fetch;
	conn_slot_t *slot = conn_slot_new(c, req->correlation_id, req->api);
	size_t i, j;

	(void)payload, (void)payload_len; /* no payload */
	if (!slot)
		return -1;
	if (fr->max_wait_ms < 0 || fr->min_bytes < 0 ||
	    (fr->replica_id >= 0 && fr->replica_id == b->conf.broker_id) || fr->replica_id < -1)
		return conn_slot_respond_error(slot, FJORD__ERROR_CODE__INVALID_REQUEST,
		                               "bad max_wait_ms, min_bytes or replica_id");
	if (fr->replica_id >= 0 && !authz_cluster(c, ACL_OP_CLUSTER_ACTION))
		return conn_slot_respond_error(slot,
		                               FJORD__ERROR_CODE__CLUSTER_AUTHORIZATION_FAILED,
		                               "ClusterAction on the cluster is required");
	if (fr->replica_id < 0) {
		int denied = 0;
		for (i = 0; i < fr->n_topics; i++)
			if (!authz_topic(c, fr->topics[i]->topic, ACL_OP_READ))
				denied = 1;
		if (denied) {
			fetch_respond(b, slot, fr, c);
			return 0;
		}
	}
	/* A follower's fetch_offset is its LEO: it may move our HW. */
	if (fr->replica_id >= 0) {
		for (i = 0; i < fr->n_topics; i++)
			for (j = 0; j < fr->topics[i]->n_partitions; j++) {
				const Fjord__FetchPartition *fp = fr->topics[i]->partitions[j];
				partition_t *p =
				    partition_find(b, fr->topics[i]->topic, fp->partition);
				/* A fetch past our LEO is a diverged follower that will
				 * truncate first: it does not count as caught up. */
				if (p && p->is_leader &&
				    (fp->current_leader_epoch < 0 ||
				     fp->current_leader_epoch == p->leader_epoch) &&
				    fp->fetch_offset <= plog_log_end_offset(p->log))
					partition_follower_fetched(b, p, fr->replica_id,
					                           fp->fetch_offset);
			}
	}
	if (fetch_try(b, slot, fr, fr->max_wait_ms == 0))
		return 0;
	if (fetch_wait_park(b, slot, fr, fr->max_wait_ms, fetch_try) != 0)
		fetch_try(b, slot, fr, 1);
	return 0;
}
