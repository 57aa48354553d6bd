/*
 * offsets.c — ListOffsets: resolving BEGINNING/END for the consumer, and the
 * public fjord_query_watermark_offsets() / fjord_offsets_for_times().
 *
 * What: offsets_list_one() sends a ListOffsets request for one partition to
 * its leader (from the current metadata) and calls back with the offset.
 * Timestamp -2 asks for the log start offset, -1 for the high watermark,
 * anything else for the first offset whose timestamp is >= it (-1: none).
 * The public calls hand the lookups to the I/O thread and wait (bounded by
 * timeout_ms); retriable failures (no leader yet, NOT_LEADER, transport)
 * are retried after retry.backoff.ms within the timeout.
 * Threads: offsets_list_one on the I/O thread; the public calls on app
 * threads. Ownership: osync_t is shared by the waiting app thread and the
 * I/O thread through a reference count.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/client_int.h"
#include "common/bytes.h"

typedef struct olookup {
	offsets_cb *cb;
	void *opaque;
	char *topic;
	int32_t partition;
} olookup_t;

static void offsets_on_response(fjord_t *h, breq_t *req, fjord_err_t err, Fjord__Response *resp,
                                const uint8_t *payload, size_t len)
{
	olookup_t *ol = req->opaque;
	int64_t offset = -1;
	size_t a, b;
	int found = 0;
	(void)payload;
	(void)len;
	if (!err && resp->error != FJORD__ERROR_CODE__NONE)
		err = (fjord_err_t)resp->error;
	if (!err && (resp->body_case != FJORD__RESPONSE__BODY_LIST_OFFSETS || !resp->list_offsets))
		err = FJORD_ERR__BAD_MSG;
	for (a = 0; !err && a < resp->list_offsets->n_topics; a++) {
		Fjord__ListOffsetsTopicResponse *tr = resp->list_offsets->topics[a];
		if (!tr->topic || strcmp(tr->topic, ol->topic))
			continue;
		for (b = 0; b < tr->n_partitions; b++) {
			if (tr->partitions[b]->partition != ol->partition)
				continue;
			found = 1;
			err = (fjord_err_t)tr->partitions[b]->error;
			offset = tr->partitions[b]->offset;
		}
	}
	if (!err && !found)
		err = FJORD_ERR__BAD_MSG;
	if (err == FJORD_ERR_NOT_LEADER || err == FJORD_ERR_LEADER_NOT_AVAILABLE)
		metadata_refresh(h, "ListOffsets: not leader");
	ol->cb(h, err, err ? -1 : offset, ol->opaque);
	free(ol->topic);
	free(ol);
}

int offsets_list_one(fjord_t *h, const char *topic, int32_t partition, int64_t ts, offsets_cb *cb,
                     void *opaque)
{
	cview_t *cv = metadata_snapshot(h);
	const cview_partition_t *p = cv ? cview_partition(cv, topic, partition) : NULL;
	Fjord__Request rq = FJORD__REQUEST__INIT;
	Fjord__ListOffsetsRequest lr = FJORD__LIST_OFFSETS_REQUEST__INIT;
	Fjord__ListOffsetsTopic lt = FJORD__LIST_OFFSETS_TOPIC__INIT;
	Fjord__ListOffsetsPartition lp = FJORD__LIST_OFFSETS_PARTITION__INIT;
	Fjord__ListOffsetsTopic *ltp[1] = { &lt };
	Fjord__ListOffsetsPartition *lpp[1] = { &lp };
	olookup_t *ol = NULL;
	bconn_t *bc;
	int rc = -1;

	if (!p || !p->has_state || p->leader < 0)
		goto out;
	bc = metadata_broker_conn(h, cv, p->leader);
	if (!bc)
		goto out;
	ol = calloc(1, sizeof(*ol));
	if (!ol || !(ol->topic = strdup(topic)))
		goto out;
	ol->cb = cb;
	ol->opaque = opaque;
	ol->partition = partition;
	lp.partition = partition;
	lp.timestamp = ts;
	lp.current_leader_epoch = -1;
	lt.topic = (char *)topic;
	lt.n_partitions = 1;
	lt.partitions = lpp;
	lr.replica_id = -1;
	lr.n_topics = 1;
	lr.topics = ltp;
	rq.api = FJORD__API_KEY__LIST_OFFSETS;
	rq.body_case = FJORD__REQUEST__BODY_LIST_OFFSETS;
	rq.list_offsets = &lr;
	if (bconn_send(bc, &rq, NULL, 0, 1, h->cv_conf->socket_timeout_ms, offsets_on_response,
	               ol) < 0)
		goto out;
	ol = NULL;
	rc = 0;
out:
	if (ol) {
		free(ol->topic);
		free(ol);
	}
	if (rc < 0 && !p)
		metadata_refresh(h, "ListOffsets: partition not in metadata");
	cview_unref(cv);
	return rc;
}

/* ------------------------------------------------------------ sync API */

typedef struct osync_ent {
	char *topic;
	int32_t partition;
	int64_t ts;
	int64_t offset;
	fjord_err_t err;
} osync_ent_t;

typedef struct osync {
	hop_t op;
	atomic_int refcnt;
	hwait_t *w;
	int pending; /* I/O thread only */
	int cnt;
	osync_ent_t ents[];
} osync_t;

static void osync_unref(osync_t *os)
{
	int i;
	if (atomic_fetch_sub(&os->refcnt, 1) != 1)
		return;
	for (i = 0; i < os->cnt; i++)
		free(os->ents[i].topic);
	hwait_unref(os->w);
	hwait_unref(os->w); /* both sides' references */
	free(os);
}

typedef struct osync_cb {
	osync_t *os;
	int idx;
} osync_cb_t;

static void osync_on_offset(fjord_t *h, fjord_err_t err, int64_t offset, void *opaque)
{
	osync_cb_t *oc = opaque;
	osync_t *os = oc->os;
	(void)h;
	os->ents[oc->idx].err = err;
	os->ents[oc->idx].offset = offset;
	free(oc);
	if (--os->pending == 0) {
		hwait_done(os->w, 0);
		osync_unref(os);
	}
}

static void osync_run(fjord_t *h, hop_t *op)
{
	osync_t *os = (osync_t *)op;
	int i;
	os->pending = os->cnt + 1; /* +1 until every lookup is sent */
	for (i = 0; i < os->cnt; i++) {
		osync_cb_t *oc;
		if (atomic_load(&h->io_stop)) {
			os->ents[i].err = FJORD_ERR__DESTROY;
			os->pending--;
			continue;
		}
		oc = calloc(1, sizeof(*oc));
		if (!oc) {
			os->ents[i].err = FJORD_ERR__FAIL;
			os->pending--;
			continue;
		}
		oc->os = os;
		oc->idx = i;
		if (offsets_list_one(h, os->ents[i].topic, os->ents[i].partition, os->ents[i].ts,
		                     osync_on_offset, oc) < 0) {
			cview_t *cv = metadata_snapshot(h);
			const cview_topic_t *t = cv ? cview_topic(cv, os->ents[i].topic) : NULL;
			os->ents[i].err = !cv  ? FJORD_ERR__TRANSPORT
			                  : !t ? FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION
			                  : os->ents[i].partition >= t->partition_cnt
			                      ? FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION
			                      : FJORD_ERR_LEADER_NOT_AVAILABLE;
			cview_unref(cv);
			free(oc);
			os->pending--;
		}
	}
	if (--os->pending == 0) {
		hwait_done(os->w, 0);
		osync_unref(os);
	}
}

/* Looks up every entry; retries retriable failures until the deadline. */
static fjord_err_t offsets_sync(fjord_t *h, osync_ent_t *ents, int cnt, int timeout_ms)
{
	int64_t deadline = fj_mono_ms() + (timeout_ms < 0 ? 0 : timeout_ms);
	for (;;) {
		osync_t *os = calloc(1, sizeof(*os) + (size_t)cnt * sizeof(osync_ent_t));
		int i, again = 0, done;
		int64_t left;
		if (!os || !(os->w = hwait_new())) {
			free(os);
			return FJORD_ERR__FAIL;
		}
		atomic_store(&os->refcnt, 2);
		os->cnt = cnt;
		os->op.run = osync_run;
		for (i = 0; i < cnt; i++) {
			os->ents[i] = ents[i];
			os->ents[i].topic = strdup(ents[i].topic);
			if (!os->ents[i].topic)
				os->ents[i].partition = -1; /* looked up as unknown */
		}
		handle_post(h, &os->op);
		left = deadline - fj_mono_ms();
		done = hwait_wait(os->w, left > 0 ? (int)left : 0);
		if (!done) {
			osync_unref(os);
			return FJORD_ERR__TIMED_OUT;
		}
		for (i = 0; i < cnt; i++) {
			ents[i].err = os->ents[i].err;
			ents[i].offset = os->ents[i].offset;
			if (ents[i].err && fjord_err_is_retriable(ents[i].err))
				again = 1;
		}
		osync_unref(os);
		if (!again || atomic_load(&h->closed))
			break;
		if (fj_mono_ms() + h->cv_conf->retry_backoff_ms >= deadline)
			break;
		usleep((useconds_t)h->cv_conf->retry_backoff_ms * 1000);
	}
	return FJORD_ERR_NO_ERROR;
}

fjord_err_t fjord_query_watermark_offsets(fjord_t *fj, const char *topic, int32_t partition,
                                          int64_t *lowp, int64_t *highp, int timeout_ms)
{
	osync_ent_t e[2];
	fjord_err_t err;
	if (!fj || !topic || partition < 0)
		return FJORD_ERR__INVALID_ARG;
	if (atomic_load(&fj->closed))
		return FJORD_ERR__STATE;
	memset(e, 0, sizeof(e));
	e[0].topic = e[1].topic = (char *)topic;
	e[0].partition = e[1].partition = partition;
	e[0].ts = FJORD_OFFSET_BEGINNING;
	e[1].ts = FJORD_OFFSET_END;
	err = offsets_sync(fj, e, 2, timeout_ms);
	if (err)
		return err;
	if (e[0].err || e[1].err)
		return e[0].err ? e[0].err : e[1].err;
	if (lowp)
		*lowp = e[0].offset;
	if (highp)
		*highp = e[1].offset;
	return FJORD_ERR_NO_ERROR;
}

fjord_err_t fjord_offsets_for_times(fjord_t *fj, fjord_topic_partition_list_t *parts,
                                    int timeout_ms)
{
	osync_ent_t *e;
	fjord_err_t err, first = FJORD_ERR_NO_ERROR;
	int i;
	if (!fj || !parts)
		return FJORD_ERR__INVALID_ARG;
	if (atomic_load(&fj->closed))
		return FJORD_ERR__STATE;
	if (parts->cnt == 0)
		return FJORD_ERR_NO_ERROR;
	e = calloc((size_t)parts->cnt, sizeof(*e));
	if (!e)
		return FJORD_ERR__FAIL;
	for (i = 0; i < parts->cnt; i++) {
		e[i].topic = parts->elems[i].topic;
		e[i].partition = parts->elems[i].partition;
		e[i].ts = parts->elems[i].offset;
		if (e[i].ts < 0) {
			free(e);
			return FJORD_ERR__INVALID_ARG; /* a timestamp in ms is expected */
		}
	}
	err = offsets_sync(fj, e, parts->cnt, timeout_ms);
	for (i = 0; !err && i < parts->cnt; i++) {
		parts->elems[i].err = e[i].err;
		parts->elems[i].offset = e[i].err ? FJORD_OFFSET_INVALID : e[i].offset;
		if (e[i].err && !first)
			first = e[i].err;
	}
	free(e);
	return err ? err : first;
}
