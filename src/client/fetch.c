/*
 * fetch.c — the consumer's Fetch requests and the decoding of their answers.
 *
 * What: fetch_send() builds one Fetch request (long-poll: fetch.wait.max.ms,
 * fetch.min.bytes) for the partitions a leader serves; the answer's payload
 * holds, per partition in response order, `records_len` bytes of whole
 * batches (the last one may be cut short: a clean end). Each partition's
 * bytes are copied once into a refcounted chunk; records are decoded with
 * rb_reader straight into the chunk's message array, records below the
 * fetch position are skipped (a batch may start before it), control batches
 * are skipped, and compressed batches keep their decompressed buffer in the
 * chunk. check.crcs=true (the default) validates every batch's CRC-32C.
 * Data it cannot read (a malformed record or batch, a CRC mismatch,
 * undecodable compression): the records before the bad one are returned
 * once, then the partition stops (CP_STOPPED) with one event carrying the
 * error and the first offset not returned, until fjord_seek(). A range the
 * broker reports corrupt (CORRUPT_MESSAGE) is one event naming topic,
 * partition and offset; the partition keeps retrying quietly (a new leader
 * may hold an intact copy) until the application seeks past it. Never a
 * wrong record.
 * Errors: OFFSET_OUT_OF_RANGE applies auto.offset.reset (error: an event);
 * NOT_LEADER, LEADER_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION and transport
 * failures refresh metadata and back off retry.backoff.ms; other errors are
 * reported as events and backed off. Results for a partition whose
 * generation changed (seek, re-assign) while in flight are dropped.
 * Thread: the I/O thread. Ownership: the request context (fctx_t) is freed
 * by the response callback.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/consumer_int.h"
#include "common/bytes.h"
#include "common/record_batch.h"
#include "common/pbuild.h"

typedef struct fctx_part {
	char *topic;
	int32_t partition;
	uint64_t gen;
	int64_t fetch_pos;
} fctx_part_t;

typedef struct fctx {
	int32_t leader;
	int cnt;
	fctx_part_t parts[];
} fctx_t;

static int fetch_part_cmp(const void *a, const void *b)
{
	const cpart_t *x = *(cpart_t *const *)a, *y = *(cpart_t *const *)b;
	int c = strcmp(x->topic, y->topic);
	return c ? c : (x->partition > y->partition) - (x->partition < y->partition);
}

static void fetch_on_response(fjord_t *h, breq_t *req, fjord_err_t err, Fjord__Response *resp,
                              const uint8_t *payload, size_t len);

int fetch_send(fjord_t *h, bconn_t *bc, cpart_t **parts, int cnt)
{
	const fj_conf_values_t *v = h->cv_conf;
	Fjord__Request rq = FJORD__REQUEST__INIT;
	Fjord__FetchRequest fr = FJORD__FETCH_REQUEST__INIT;
	fctx_t *fc = calloc(1, sizeof(*fc) + (size_t)cnt * sizeof(fctx_part_t));
	const char **names;
	Fjord__FetchPartition **fps;
	arena_t ar;
	int i, rc = -1;

	arena_init(&ar, 0);
	names = arena_calloc(&ar, (size_t)cnt, sizeof(*names));
	fps = arena_calloc(&ar, (size_t)cnt, sizeof(*fps));
	if (!fc || !names || !fps)
		goto out;
	qsort(parts, (size_t)cnt, sizeof(*parts), fetch_part_cmp);
	fc->leader = bconn_id(bc);
	for (i = 0; i < cnt; i++) {
		cpart_t *cp = parts[i];
		fc->parts[i].topic = strdup(cp->topic);
		if (!fc->parts[i].topic)
			goto out;
		fc->cnt++;
		fc->parts[i].partition = cp->partition;
		fc->parts[i].gen = cp->gen;
		fc->parts[i].fetch_pos = cp->fetch_pos;
		names[i] = cp->topic;
	}
	fr.topics = pbuild_grouped(&ar, &fjord__fetch_topic__descriptor, names, (size_t)cnt,
	                           &fr.n_topics, (ProtobufCMessage **)fps);
	if (!fr.topics)
		goto out;
	for (i = 0; i < cnt; i++) {
		fps[i]->partition = parts[i]->partition;
		fps[i]->fetch_offset = parts[i]->fetch_pos;
		fps[i]->partition_max_bytes = v->max_partition_fetch_bytes;
		fps[i]->current_leader_epoch = -1;
		fps[i]->log_start_offset = -1;
	}
	fr.replica_id = -1;
	fr.max_wait_ms = v->fetch_wait_max_ms;
	fr.min_bytes = v->fetch_min_bytes;
	fr.max_bytes = v->fetch_max_bytes;
	rq.api = FJORD__API_KEY__FETCH;
	rq.body_case = FJORD__REQUEST__BODY_FETCH;
	rq.fetch = &fr;
	if (bconn_send(bc, &rq, NULL, 0, 1, v->fetch_wait_max_ms + v->socket_timeout_ms,
	               fetch_on_response, fc) < 0)
		goto out;
	for (i = 0; i < cnt; i++)
		parts[i]->fetching = 1;
	fc = NULL;
	rc = 0;
out:
	if (fc) {
		for (i = 0; i < fc->cnt; i++)
			free(fc->parts[i].topic);
		free(fc);
	}
	arena_free(&ar);
	return rc;
}

static int fetch_chunk_keep_dbuf(cchunk_t *ck, rb_reader_t *r)
{
	if (!r->dbuf)
		return 0;
	if (ck->dbuf_cnt == ck->dbuf_cap) {
		int cap = ck->dbuf_cap ? ck->dbuf_cap * 2 : 4;
		void **nd = realloc(ck->dbufs, (size_t)cap * sizeof(*nd));
		if (!nd)
			return -1;
		ck->dbufs = nd;
		ck->dbuf_cap = cap;
	}
	ck->dbufs[ck->dbuf_cnt++] = r->dbuf;
	r->dbuf = NULL;
	r->dbuf_cap = 0;
	return 0;
}

static fjord_header_t *fetch_copy_headers(const rb_record_t *rec)
{
	size_t i, sz = rec->header_cnt * sizeof(fjord_header_t);
	fjord_header_t *hv;
	char *p;
	for (i = 0; i < rec->header_cnt; i++)
		sz += strlen(rec->headers[i].name) + 1;
	hv = malloc(sz);
	if (!hv)
		return NULL;
	p = (char *)(hv + rec->header_cnt);
	for (i = 0; i < rec->header_cnt; i++) {
		size_t nl = strlen(rec->headers[i].name) + 1;
		memcpy(p, rec->headers[i].name, nl);
		hv[i] = rec->headers[i];
		hv[i].name = p;
		p += nl;
	}
	return hv;
}

/* Words for a batch the consumer cannot read: where it stopped and how to
 * go on. last < 0: the batch's extent is unknown (its header is bad). */
static const char *fetch_bad_data(char *buf, size_t size, int64_t offset, int64_t base,
                                  int64_t last, const char *why)
{
	if (last >= 0)
		snprintf(buf, size,
		         "cannot read the record at offset %lld (batch %lld..%lld): %s; this "
		         "partition stops here until fjord_seek() (to %lld skips the batch)",
		         (long long)offset, (long long)base, (long long)last,
		         why ? why : "malformed", (long long)(last + 1));
	else
		snprintf(buf, size,
		         "cannot read the batch at offset %lld: %s; this partition stops here "
		         "until fjord_seek()",
		         (long long)offset, why ? why : "malformed");
	return buf;
}

/* Decodes one partition's bytes into out. *next_pos advances past every
 * record returned and every complete batch seen. Returns 0 or an error
 * (BAD_MSG, CORRUPT_MESSAGE, BAD_COMPRESSION: data this consumer cannot
 * read, *errmsg in errbuf naming the offset; FJORD_ERR__FAIL: out of
 * memory) with what was decoded before it still in out: the records of a
 * batch before its first malformed one are returned, once. */
static fjord_err_t fetch_decode(fjord_t *h, const char *topic, int32_t partition, uint64_t gen,
                                const uint8_t *data, size_t len, struct cmsg_q *out,
                                int64_t *next_pos, const char **errmsg, char *errbuf,
                                size_t errbuf_size)
{
	rb_iter_t it;
	rb_reader_t r;
	const uint8_t *batch;
	size_t blen, tl = strlen(topic) + 1;
	int64_t from = *next_pos;
	int n = 0, rc;
	cchunk_t *ck;
	fjord_err_t err = FJORD_ERR_NO_ERROR;

	rb_iter_init(&it, data, len, h->cv_conf->check_crcs, 1);
	while ((rc = rb_iter_next(&it, &batch, &blen)) == 1)
		if (rb_last_offset(batch) >= from)
			n += rb_records_count(batch);
	if (n <= 0) {
		/* Nothing to return, but step over batches wholly below `from`. */
		rb_iter_init(&it, data, len, 0, 1);
		while (rb_iter_next(&it, &batch, &blen) == 1)
			if (rb_last_offset(batch) + 1 > *next_pos)
				*next_pos = rb_last_offset(batch) + 1;
		if (rc < 0) {
			*errmsg = fetch_bad_data(errbuf, errbuf_size, *next_pos, -1, -1, it.errmsg);
			return it.err ? it.err : FJORD_ERR__BAD_MSG;
		}
		return FJORD_ERR_NO_ERROR;
	}
	ck = calloc(1, sizeof(*ck) + tl);
	if (!ck)
		return FJORD_ERR__FAIL;
	memcpy(ck->topic, topic, tl);
	ck->payload = malloc(len);
	ck->msgs = calloc((size_t)n, sizeof(*ck->msgs));
	if (!ck->payload || !ck->msgs) {
		free(ck->payload);
		free(ck->msgs);
		free(ck);
		return FJORD_ERR__FAIL;
	}
	memcpy(ck->payload, data, len);
	rb_reader_init(&r);
	rb_iter_init(&it, ck->payload, len, h->cv_conf->check_crcs, 1);
	while (!err && (rc = rb_iter_next(&it, &batch, &blen)) == 1) {
		rb_record_t rec;
		int more;
		int64_t last = rb_last_offset(batch);
		if (last < from)
			continue;
		if (rb_attributes(batch) & RB_ATTR_CONTROL) {
			*next_pos = last + 1;
			continue;
		}
		err = rb_reader_open(&r, batch, blen);
		if (err) {
			*errmsg = err == FJORD_ERR__FAIL
			              ? r.errmsg
			              : fetch_bad_data(errbuf, errbuf_size,
			                               *next_pos > rb_base_offset(batch)
			                                   ? *next_pos
			                                   : rb_base_offset(batch),
			                               rb_base_offset(batch), last, r.errmsg);
			break;
		}
		while ((more = rb_reader_next(&r, &rec)) == 1 && ck->msg_cnt < n) {
			cmsg_t *cm;
			if (rec.offset < from)
				continue;
			cm = &ck->msgs[ck->msg_cnt];
			if (rec.header_cnt) {
				cm->hdrs = fetch_copy_headers(&rec);
				if (!cm->hdrs) {
					err = FJORD_ERR__FAIL;
					break;
				}
			}
			ck->msg_cnt++;
			cm->ck = ck;
			cm->gen = gen;
			cm->bytes = (size_t)(rec.key_len > 0 ? rec.key_len : 0) +
			            (size_t)(rec.value_len > 0 ? rec.value_len : 0) + 64;
			cm->m.topic = ck->topic;
			cm->m.partition = partition;
			cm->m.offset = rec.offset;
			cm->m.timestamp = rec.timestamp;
			cm->m.timestamp_type = r.log_append_time ? FJORD_TIMESTAMP_LOG_APPEND_TIME
			                                         : FJORD_TIMESTAMP_CREATE_TIME;
			cm->m.key = rec.key;
			cm->m.key_len = rec.key ? (size_t)rec.key_len : 0;
			cm->m.value = rec.value;
			cm->m.value_len = rec.value ? (size_t)rec.value_len : 0;
			cm->m.headers = cm->hdrs;
			cm->m.header_cnt = cm->hdrs ? rec.header_cnt : 0;
			cm->m.offset = rec.offset;
			TAILQ_INSERT_TAIL(out, cm, link);
			/* A batch that turns out malformed further on resumes
			 * (after a seek) behind what it already returned. */
			if (rec.offset + 1 > *next_pos)
				*next_pos = rec.offset + 1;
		}
		if (more < 0) {
			err = r.err ? r.err : FJORD_ERR__BAD_MSG;
			*errmsg = err == FJORD_ERR__FAIL
			              ? r.errmsg
			              : fetch_bad_data(errbuf, errbuf_size,
			                               *next_pos > rb_base_offset(batch)
			                                   ? *next_pos
			                                   : rb_base_offset(batch),
			                               rb_base_offset(batch), last, r.errmsg);
		}
		if ((rb_attributes(batch) & RB_ATTR_CODEC_MASK) != RB_CODEC_NONE &&
		    fetch_chunk_keep_dbuf(ck, &r) < 0)
			err = FJORD_ERR__FAIL;
		if (!err)
			*next_pos = last + 1;
	}
	if (!err && rc < 0) {
		err = it.err ? it.err : FJORD_ERR__BAD_MSG;
		*errmsg = fetch_bad_data(errbuf, errbuf_size, *next_pos, -1, -1, it.errmsg);
	}
	rb_reader_destroy(&r);
	if (ck->msg_cnt == 0) {
		cchunk_unref(ck);
		return err;
	}
	atomic_store(&ck->refcnt, ck->msg_cnt);
	return err;
}

static void fetch_free_msgs(struct cmsg_q *q)
{
	cmsg_t *cm;
	while ((cm = TAILQ_FIRST(q))) {
		TAILQ_REMOVE(q, cm, link);
		cmsg_free(cm);
	}
}

/* Applies one partition's outcome (c->lock held). bad_data: err says the
 * fetched bytes cannot be read (fetch_decode), so the partition stops at
 * the first offset it could not return, with one event naming it, until the
 * application seeks: re-fetching would only fail again, and skipping would
 * lose records without a word. */
static void fetch_apply(fjord_t *h, const fctx_part_t *fp, fjord_err_t err, const char *errmsg,
                        int bad_data, const Fjord__FetchPartitionResponse *pr, struct cmsg_q *msgs,
                        int64_t next_pos)
{
	consumer_t *c = h->c;
	cpart_t *cp = consumer_find(c, fp->topic, fp->partition);
	int64_t now = fj_mono_ms();
	if (cp)
		cp->fetching = 0; /* at most one Fetch per partition, whatever its gen */
	if (!cp || cp->gen != fp->gen) {
		fetch_free_msgs(msgs);
		return;
	}
	if (pr)
		cp->hw = pr->high_watermark;
	handle_log(h, FJ_LOG_DEBUG, "FETCH",
	           "%s [%d]: fetched up to %lld (high watermark %lld): %s", cp->topic,
	           (int)cp->partition, (long long)next_pos, (long long)cp->hw, fjord_err2name(err));
	if (!TAILQ_EMPTY(msgs))
		cp->eof_reported = 0;
	consumer_enqueue(c, msgs);
	if (next_pos > cp->fetch_pos)
		cp->fetch_pos = next_pos;
	if (err && bad_data) {
		/* The event's text names topic and partition too: an application
		 * that only prints errstr says where the bad data is. */
		char msg[768];
		cp->state = CP_STOPPED;
		snprintf(msg, sizeof(msg), "%s [%d]: %s", cp->topic, (int)cp->partition,
		         errmsg ? errmsg : fjord_err2str(err));
		handle_log(h, FJ_LOG_ERR, "FETCH", "%s: %s", fjord_err2name(err), msg);
		consumer_event(c, cp->topic, cp->partition, cp->fetch_pos, err, msg);
		return;
	}
	switch ((int)err) {
	case FJORD_ERR_NO_ERROR:
		cp->denied_reported = 0;
		if (pr && h->cv_conf->enable_partition_eof && !cp->eof_reported &&
		    cp->fetch_pos >= pr->high_watermark && pr->records_len == 0) {
			cp->eof_reported = 1;
			consumer_event(c, cp->topic, cp->partition, cp->fetch_pos,
			               FJORD_ERR__PARTITION_EOF, "reached the high watermark");
		}
		return;
	case FJORD_ERR_OFFSET_OUT_OF_RANGE:
		if (h->cv_conf->auto_offset_reset == RESET_ERROR) {
			cp->state = CP_STOPPED;
			consumer_event(c, cp->topic, cp->partition, cp->fetch_pos,
			               FJORD_ERR_OFFSET_OUT_OF_RANGE,
			               "fetch offset out of range and auto.offset.reset=error");
		} else {
			handle_log(h, FJ_LOG_WARNING, "FETCH",
			           "%s [%d]: offset %lld out of range, resetting to %s", cp->topic,
			           cp->partition, (long long)cp->fetch_pos,
			           h->cv_conf->auto_offset_reset == RESET_EARLIEST ? "earliest"
			                                                           : "latest");
			cp->state = CP_NEED_OFFSET;
			cp->fetch_pos = h->cv_conf->auto_offset_reset == RESET_EARLIEST
			                    ? FJORD_OFFSET_BEGINNING
			                    : FJORD_OFFSET_END;
		}
		return;
	case FJORD_ERR_NOT_LEADER:
	case FJORD_ERR_LEADER_NOT_AVAILABLE:
	case FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION:
	case FJORD_ERR_FENCED_LEADER_EPOCH:
	case FJORD_ERR_UNKNOWN_LEADER_EPOCH:
	case FJORD_ERR_REPLICA_NOT_AVAILABLE:
	case FJORD_ERR__TRANSPORT:
	case FJORD_ERR_REQUEST_TIMED_OUT:
	case FJORD_ERR__DESTROY:
		cp->backoff_until = now + h->cv_conf->retry_backoff_ms;
		metadata_refresh(h, fjord_err2name(err));
		return;
	case FJORD_ERR_TOPIC_AUTHORIZATION_FAILED: {
		/* Reported once (an event naming the topic), then retried
		 * quietly at retry.backoff.ms so an ACL added later takes
		 * effect without the application doing anything. */
		char msg[320];
		cp->backoff_until = now + h->cv_conf->retry_backoff_ms;
		if (cp->denied_reported)
			return;
		cp->denied_reported = 1;
		snprintf(msg, sizeof(msg), "not authorized to read topic %s (partition %d)",
		         cp->topic, (int)cp->partition);
		handle_log(h, FJ_LOG_ERR, "FETCH", "%s", msg);
		consumer_event(c, cp->topic, cp->partition, cp->fetch_pos, err, msg);
		return;
	}
	case FJORD_ERR_CORRUPT_MESSAGE: {
		/* A batch that failed its CRC here (check.crcs) or that the
		 * broker knows is corrupt: records before it were delivered; the
		 * partition retries (a new leader may hold an intact copy) but
		 * reports the offset once, until the application seeks past it. */
		char msg[640];
		cp->backoff_until = now + h->cv_conf->retry_backoff_ms;
		if (cp->corrupt_reported == cp->fetch_pos + 1)
			return;
		cp->corrupt_reported = cp->fetch_pos + 1;
		snprintf(msg, sizeof(msg),
		         "corrupt record batch at %s [%d] offset %lld: %s; not delivered, seek "
		         "past it to go on",
		         cp->topic, (int)cp->partition, (long long)cp->fetch_pos,
		         errmsg ? errmsg : fjord_err2str(err));
		consumer_event(c, cp->topic, cp->partition, cp->fetch_pos, err, msg);
		return;
	}
	default:
		cp->backoff_until = now + h->cv_conf->retry_backoff_ms;
		consumer_event(c, cp->topic, cp->partition, cp->fetch_pos, err,
		               errmsg ? errmsg : fjord_err2str(err));
		return;
	}
}

static const fctx_part_t *fetch_ctx_find(const fctx_t *fc, const char *topic, int32_t partition,
                                         int *donep)
{
	int i;
	for (i = 0; i < fc->cnt; i++)
		if (fc->parts[i].partition == partition && !strcmp(fc->parts[i].topic, topic)) {
			donep[i] = 1;
			return &fc->parts[i];
		}
	return NULL;
}

static void fetch_on_response(fjord_t *h, breq_t *req, fjord_err_t err, Fjord__Response *resp,
                              const uint8_t *payload, size_t len)
{
	fctx_t *fc = req->opaque;
	consumer_t *c = h->c;
	int *done = calloc((size_t)fc->cnt + 1, sizeof(int));
	size_t pos = 0, a, b;
	int i;
	struct cmsg_q none = TAILQ_HEAD_INITIALIZER(none);

	if (!err && resp->error != FJORD__ERROR_CODE__NONE)
		err = (fjord_err_t)resp->error;
	if (!err && (resp->body_case != FJORD__RESPONSE__BODY_FETCH || !resp->fetch))
		err = FJORD_ERR__BAD_MSG;
	if (!done)
		err = err ? err : FJORD_ERR__FAIL;
	for (a = 0; !err && a < resp->fetch->n_topics; a++) {
		Fjord__FetchTopicResponse *tr = resp->fetch->topics[a];
		for (b = 0; b < tr->n_partitions; b++) {
			Fjord__FetchPartitionResponse *pr = tr->partitions[b];
			const fctx_part_t *fp;
			struct cmsg_q msgs = TAILQ_HEAD_INITIALIZER(msgs);
			fjord_err_t perr = (fjord_err_t)pr->error;
			const char *errmsg =
			    pr->error_message && *pr->error_message ? pr->error_message : NULL;
			int64_t next_pos;
			int bad_data = 0;
			char errbuf[512];
			if (pr->records_len > len - pos) {
				err = FJORD_ERR__BAD_MSG; /* lengths exceed the payload */
				break;
			}
			fp = tr->topic ? fetch_ctx_find(fc, tr->topic, pr->partition, done) : NULL;
			if (!fp) {
				pos += pr->records_len;
				continue;
			}
			next_pos = fp->fetch_pos;
			if (!perr && pr->records_len) {
				perr = fetch_decode(h, fp->topic, fp->partition, fp->gen,
				                    payload + pos, pr->records_len, &msgs,
				                    &next_pos, &errmsg, errbuf, sizeof(errbuf));
				bad_data = perr && perr != FJORD_ERR__FAIL;
			}
			pos += pr->records_len;
			pthread_mutex_lock(&c->lock);
			fetch_apply(h, fp, perr, errmsg, bad_data, pr, &msgs, next_pos);
			pthread_mutex_unlock(&c->lock);
		}
	}
	pthread_mutex_lock(&c->lock);
	for (i = 0; i < fc->cnt; i++) {
		if (done && done[i])
			continue;
		/* Not answered (or the whole request failed). */
		fetch_apply(h, &fc->parts[i], err ? err : FJORD_ERR__TRANSPORT, NULL, 0, NULL,
		            &none, -1);
	}
	consumer_fetch_done(c, fc->leader);
	pthread_mutex_unlock(&c->lock);
	for (i = 0; i < fc->cnt; i++)
		free(fc->parts[i].topic);
	free(fc);
	free(done);
	if (!atomic_load(&h->io_stop))
		consumer_serve(h);
}
