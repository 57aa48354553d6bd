/*
 * repl_track.c — the acknowledged-record tracker of the replication tests.
 *
 * What it proves: with acks=all, a record whose delivery report said
 * PERSISTED at offset O is in the partition's log at O after any failover,
 * in production order with the other acknowledged records of its partition,
 * and is never stored twice unless the application had to produce it again
 * (its first report was an error) — or, when the SDK itself retries
 * (allow_acked_dups), at least never lost.
 *
 * How: one producer thread writes records round-robin over the partitions
 * with keys "testid=NNNN, partition=P, msg=SEQ" (SEQ counts per partition)
 * and the record's (P, SEQ) packed into the message opaque. The delivery
 * report callback (the SDK's callback thread) stores per record its first
 * outcome and its acknowledged offset; a record reported as failed is put
 * on a resend queue and produced again, same key, after a short backoff.
 * At most `window` records are outstanding, so the load follows what the
 * cluster acknowledges and the logs stay small. The verifier reads every
 * partition back from offset 0 to its high watermark.
 *
 * Threads: the test thread, the tracker's producer thread and the SDK's
 * callback thread share the state under rt->lock. The tracker owns its
 * producer handle; repl_track_verify() frees the tracker.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_int.h"
#include "repl_util.h"

#define REPL_SEQ_BITS 24
#define REPL_RESEND_BACKOFF_MS 100
#define REPL_ERR_KINDS 8

enum { REPL_FIRST_NONE = 0, REPL_FIRST_OK, REPL_FIRST_NOT_PERSISTED, REPL_FIRST_POSSIBLY };

typedef struct repl_rec {
	int64_t acked_offset; /* -1 until acknowledged */
	int first;            /* REPL_FIRST_* */
	fjord_err_t first_err;
} repl_rec_t;

typedef struct repl_part {
	repl_rec_t *recs;
	int cnt, cap;
} repl_part_t;

typedef struct repl_resend {
	int32_t partition;
	int seq;
	int64_t at_ms;
} repl_resend_t;

struct repl_track {
	char topic[256];
	int partitions;
	int window;
	fjord_t *p;
	pthread_t thr;
	int started;
	pthread_mutex_t lock;
	repl_part_t *parts;
	int next_part;
	int outstanding; /* produced, no report yet */
	int acked;
	int failed_reports;
	int produce_errs; /* fjord_produce() refused a record */
	int stop_new;
	int stop_all;
	repl_resend_t *rs; /* FIFO ring */
	int rs_head, rs_cnt, rs_cap;
	fjord_err_t err_kind[REPL_ERR_KINDS];
	int err_kind_cnt[REPL_ERR_KINDS];
};

/* Under rt->lock. */
static void repl_resend_push(repl_track_t *rt, int32_t partition, int seq)
{
	if (rt->rs_cnt == rt->rs_cap) {
		int cap = rt->rs_cap ? rt->rs_cap * 2 : 1024;
		repl_resend_t *n = malloc(sizeof(*n) * (size_t)cap);
		ck_assert_ptr_nonnull(n);
		for (int i = 0; i < rt->rs_cnt; i++)
			n[i] = rt->rs[(rt->rs_head + i) % rt->rs_cap];
		free(rt->rs);
		rt->rs = n;
		rt->rs_head = 0;
		rt->rs_cap = cap;
	}
	repl_resend_t *e = &rt->rs[(rt->rs_head + rt->rs_cnt) % rt->rs_cap];
	e->partition = partition;
	e->seq = seq;
	e->at_ms = test_now_ms() + REPL_RESEND_BACKOFF_MS;
	rt->rs_cnt++;
}

/* Under rt->lock. */
static void repl_err_count(repl_track_t *rt, fjord_err_t err)
{
	for (int i = 0; i < REPL_ERR_KINDS; i++) {
		if (rt->err_kind_cnt[i] && rt->err_kind[i] != err)
			continue;
		rt->err_kind[i] = err;
		rt->err_kind_cnt[i]++;
		return;
	}
}

static void repl_dr_cb(fjord_t *fj, const fjord_message_t *msg, void *opaque)
{
	repl_track_t *rt = opaque;
	uintptr_t id = (uintptr_t)msg->opaque;
	int32_t partition = (int32_t)(id >> REPL_SEQ_BITS);
	int seq = (int)(id & ((1u << REPL_SEQ_BITS) - 1));
	(void)fj;

	pthread_mutex_lock(&rt->lock);
	repl_rec_t *rec = &rt->parts[partition].recs[seq];
	rt->outstanding--;
	if (msg->err == FJORD_ERR_NO_ERROR && msg->status == FJORD_MSG_STATUS_PERSISTED) {
		rec->acked_offset = msg->offset;
		if (rec->first == REPL_FIRST_NONE)
			rec->first = REPL_FIRST_OK;
		rt->acked++;
	} else {
		if (rec->first == REPL_FIRST_NONE) {
			rec->first = msg->status == FJORD_MSG_STATUS_NOT_PERSISTED
			                 ? REPL_FIRST_NOT_PERSISTED
			                 : REPL_FIRST_POSSIBLY;
			rec->first_err = msg->err;
		}
		rt->failed_reports++;
		repl_err_count(rt, msg->err);
		if (!rt->stop_all)
			repl_resend_push(rt, partition, seq);
	}
	pthread_mutex_unlock(&rt->lock);
}

repl_track_t *repl_track_new(test_cluster_t *c, const char *topic, int partitions, int window,
                             const char *const *props)
{
	char errstr[512] = "";
	repl_track_t *rt = calloc(1, sizeof(*rt));
	ck_assert_ptr_nonnull(rt);
	snprintf(rt->topic, sizeof(rt->topic), "%s", topic);
	rt->partitions = partitions;
	rt->window = window;
	pthread_mutex_init(&rt->lock, NULL);
	rt->parts = calloc((size_t)partitions, sizeof(*rt->parts));
	ck_assert_ptr_nonnull(rt->parts);

	fjord_conf_t *conf = test_conf(c, "acks", "all", "linger.ms", "5", NULL);
	for (int i = 0; props && props[i]; i += 2) {
		ck_assert_msg(props[i + 1], "tracker property %s without a value", props[i]);
		ck_assert_msg(fjord_conf_set(conf, props[i], props[i + 1], errstr,
		                             sizeof(errstr)) == FJORD_CONF_OK,
		              "%s=%s: %s", props[i], props[i + 1], errstr);
	}
	fjord_conf_set_dr_msg_cb(conf, repl_dr_cb);
	fjord_conf_set_opaque(conf, rt);
	rt->p = fjord_new(FJORD_PRODUCER, conf, errstr, sizeof(errstr));
	if (!rt->p)
		fjord_conf_destroy(conf);
	ck_assert_msg(rt->p, "tracker producer: %s", errstr);
	return rt;
}

/* Picks the next record to produce (a due resend first, else a new one when
 * the window allows). 1 with *partp and *seqp set, 0 when there is none now. */
static int repl_track_pick(repl_track_t *rt, int32_t *partp, int *seqp)
{
	int got = 0;
	pthread_mutex_lock(&rt->lock);
	if (rt->outstanding < rt->window) {
		if (rt->rs_cnt && rt->rs[rt->rs_head].at_ms <= test_now_ms()) {
			*partp = rt->rs[rt->rs_head].partition;
			*seqp = rt->rs[rt->rs_head].seq;
			rt->rs_head = (rt->rs_head + 1) % rt->rs_cap;
			rt->rs_cnt--;
			got = 1;
		} else if (!rt->stop_new) {
			repl_part_t *pp = &rt->parts[rt->next_part];
			if (pp->cnt == pp->cap) {
				int cap = pp->cap ? pp->cap * 2 : 4096;
				repl_rec_t *n = realloc(pp->recs, sizeof(*n) * (size_t)cap);
				ck_assert_ptr_nonnull(n);
				pp->recs = n;
				pp->cap = cap;
			}
			ck_assert_msg(pp->cnt < (1 << REPL_SEQ_BITS), "tracker: too many records");
			pp->recs[pp->cnt] = (repl_rec_t){ .acked_offset = -1 };
			*partp = rt->next_part;
			*seqp = pp->cnt++;
			rt->next_part = (rt->next_part + 1) % rt->partitions;
			got = 1;
		}
		if (got)
			rt->outstanding++;
	}
	pthread_mutex_unlock(&rt->lock);
	return got;
}

static void *repl_track_run(void *arg)
{
	repl_track_t *rt = arg;
	char key[96];
	for (;;) {
		int32_t partition;
		int seq;
		pthread_mutex_lock(&rt->lock);
		int stop = rt->stop_all;
		pthread_mutex_unlock(&rt->lock);
		if (stop)
			break;
		if (!repl_track_pick(rt, &partition, &seq)) {
			harness_sleep_ms(1);
			continue;
		}
		int klen = snprintf(key, sizeof(key), "testid=%s, partition=%d, msg=%d",
		                    harness_current.num ? harness_current.num : "0000",
		                    (int)partition, seq);
		void *id = (void *)(((uintptr_t)partition << REPL_SEQ_BITS) | (uintptr_t)seq);
		fjord_err_t err;
		while ((err = fjord_produce(rt->p, rt->topic, partition, key, (size_t)klen, "value",
		                            5, NULL, 0, 0, id)) == FJORD_ERR__QUEUE_FULL)
			harness_sleep_ms(1);
		if (err != FJORD_ERR_NO_ERROR) {
			pthread_mutex_lock(&rt->lock);
			rt->outstanding--;
			rt->produce_errs++;
			repl_err_count(rt, err);
			repl_resend_push(rt, partition, seq);
			pthread_mutex_unlock(&rt->lock);
		}
	}
	return NULL;
}

void repl_track_start(repl_track_t *rt)
{
	ck_assert_int_eq(pthread_create(&rt->thr, NULL, repl_track_run, rt), 0);
	rt->started = 1;
}

int repl_track_acked(repl_track_t *rt)
{
	pthread_mutex_lock(&rt->lock);
	int n = rt->acked;
	pthread_mutex_unlock(&rt->lock);
	return n;
}

typedef struct repl_progress_arg {
	repl_track_t *rt;
	int target;
} repl_progress_arg_t;

static int repl_progress_pred(void *arg)
{
	repl_progress_arg_t *a = arg;
	return repl_track_acked(a->rt) >= a->target;
}

int repl_track_wait_progress(repl_track_t *rt, int more, int timeout_ms)
{
	repl_progress_arg_t a = { rt, repl_track_acked(rt) + more };
	return test_wait_until(repl_progress_pred, &a, timeout_ms);
}

/* Records not acknowledged yet (all partitions). */
static int repl_track_unacked(repl_track_t *rt)
{
	int n = 0;
	pthread_mutex_lock(&rt->lock);
	for (int p = 0; p < rt->partitions; p++)
		for (int s = 0; s < rt->parts[p].cnt; s++)
			n += rt->parts[p].recs[s].acked_offset < 0;
	pthread_mutex_unlock(&rt->lock);
	return n;
}

static int repl_all_acked_pred(void *arg)
{
	return repl_track_unacked(arg) == 0;
}

static void repl_track_say_errors(repl_track_t *rt)
{
	char buf[512] = "";
	size_t off = 0;
	pthread_mutex_lock(&rt->lock);
	for (int i = 0; i < REPL_ERR_KINDS && rt->err_kind_cnt[i] && off < sizeof(buf); i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, " %s x%d",
		                        fjord_err2name(rt->err_kind[i]), rt->err_kind_cnt[i]);
	test_say("tracker %s: %d acknowledged, %d failed delivery reports, %d refused produce "
	         "calls; errors:%s",
	         rt->topic, rt->acked, rt->failed_reports, rt->produce_errs, off ? buf : " none");
	pthread_mutex_unlock(&rt->lock);
}

void repl_track_stop(repl_track_t *rt, int timeout_ms)
{
	pthread_mutex_lock(&rt->lock);
	rt->stop_new = 1;
	pthread_mutex_unlock(&rt->lock);
	int all = test_wait_until(repl_all_acked_pred, rt, timeout_ms);
	pthread_mutex_lock(&rt->lock);
	rt->stop_all = 1;
	pthread_mutex_unlock(&rt->lock);
	if (rt->started)
		pthread_join(rt->thr, NULL);
	rt->started = 0;
	fjord_flush(rt->p, (int)(30000 * test_timeout_multiplier()));
	fjord_destroy(rt->p);
	rt->p = NULL;
	repl_track_say_errors(rt);
	int unacked = repl_track_unacked(rt);
	ck_assert_msg(all && unacked == 0,
	              "%d record(s) of %s were never acknowledged although the cluster was whole "
	              "again",
	              unacked, rt->topic);
}

/* Reads partition p from 0 to hi into at[] (offset -> SEQ, -1 foreign or
 * missing). Returns the number of records read. */
static int64_t repl_read_partition(repl_track_t *rt, test_cluster_t *c, int32_t p, int64_t hi,
                                   int *at, int *foreign)
{
	fjord_t *cons = test_consumer_new(c, NULL);
	fjord_topic_partition_list_t *parts = fjord_topic_partition_list_new(1);
	int64_t got = 0, next = 0;
	int64_t deadline = test_now_ms() + (int64_t)(120000 * test_timeout_multiplier());
	char kbuf[128], testid[16];

	fjord_topic_partition_list_add(parts, rt->topic, p)->offset = 0;
	ck_assert_int_eq(fjord_assign(cons, parts), FJORD_ERR_NO_ERROR);
	fjord_topic_partition_list_destroy(parts);
	while (next < hi && test_now_ms() < deadline) {
		fjord_message_t *m = fjord_consumer_poll(cons, 200);
		if (!m)
			continue;
		if (m->err == FJORD_ERR_NO_ERROR && m->offset >= 0 && m->offset < hi) {
			int kp = -1, seq = -1;
			at[m->offset] = -1;
			if (m->key && m->key_len < sizeof(kbuf)) {
				memcpy(kbuf, m->key, m->key_len);
				kbuf[m->key_len] = '\0';
				if (sscanf(kbuf, "testid=%15[^,], partition=%d, msg=%d", testid,
				           &kp, &seq) == 3 &&
				    !strcmp(testid,
				            harness_current.num ? harness_current.num : "0000") &&
				    kp == p && seq >= 0 && seq < rt->parts[p].cnt)
					at[m->offset] = seq;
			}
			if (at[m->offset] < 0)
				(*foreign)++;
			got++;
			next = m->offset + 1;
		} else if (m->err && m->err != FJORD_ERR__PARTITION_EOF) {
			test_say("reading %s [%d]: %s", rt->topic, (int)p, fjord_err2name(m->err));
		}
		fjord_message_destroy(m);
	}
	fjord_destroy(cons);
	return got;
}

/* repl_track_verify's checks; with allow_acked_dups 2 no duplicate fails
 * (the caller judges *dupsp); totals over the partitions in *dupsp (copies
 * beyond the first) and *first_errp (records whose first report was an
 * error). */
static void repl_track_check(repl_track_t *rt, test_cluster_t *c, int allow_acked_dups, int *dupsp,
                             int *first_errp)
{
	int bad = 0;
	fjord_t *wm = test_consumer_new(c, NULL);

	for (int32_t p = 0; p < rt->partitions; p++) {
		repl_part_t *pp = &rt->parts[p];
		int64_t lo = -1, hi = -1;
		ck_assert_int_eq(fjord_query_watermark_offsets(wm, rt->topic, p, &lo, &hi, 10000),
		                 FJORD_ERR_NO_ERROR);
		ck_assert_msg(lo == 0, "%s [%d]: log starts at %lld", rt->topic, (int)p,
		              (long long)lo);
		int *at = malloc(sizeof(int) * (size_t)(hi > 0 ? hi : 1));
		int *copies = calloc((size_t)(pp->cnt > 0 ? pp->cnt : 1), sizeof(int));
		ck_assert(at && copies);
		for (int64_t o = 0; o < hi; o++)
			at[o] = -1;
		int foreign = 0;
		int64_t got = repl_read_partition(rt, c, p, hi, at, &foreign);

		int missing = 0, moved = 0, disorder = 0, dups_retried = 0, dups_acked = 0;
		int lied = 0, first_err = 0;
		int64_t prev = -1;
		for (int64_t o = 0; o < hi; o++)
			if (at[o] >= 0)
				copies[at[o]]++;
		for (int s = 0; s < pp->cnt; s++) {
			const repl_rec_t *r = &pp->recs[s];
			if (r->first != REPL_FIRST_OK)
				first_err++;
			if (r->acked_offset >= 0 &&
			    (r->acked_offset >= hi || at[r->acked_offset] != s)) {
				if (r->acked_offset >= hi)
					missing++;
				else
					moved++;
				if (missing + moved <= 5)
					test_say("%s [%d] msg=%d acknowledged at %lld: %s",
					         rt->topic, (int)p, s, (long long)r->acked_offset,
					         r->acked_offset >= hi ? "beyond the log end"
					                               : "another record is there");
			}
			if (r->first == REPL_FIRST_OK) {
				if (r->acked_offset <= prev)
					disorder++;
				prev = r->acked_offset;
			}
			if (copies[s] > 1) {
				if (r->first == REPL_FIRST_OK)
					dups_acked++;
				else
					dups_retried++;
			}
			if (r->first == REPL_FIRST_NOT_PERSISTED &&
			    copies[s] > (r->acked_offset >= 0))
				lied++;
		}
		test_say(
		    "%s [%d]: %lld records read of %lld, %d produced, %d with an error first "
		    "report; %d acknowledged missing, %d not at their offset, %d out of order, "
		    "%d foreign; duplicates: %d of records reported failed first, %d of "
		    "records acknowledged first; %d stored although reported NOT_PERSISTED",
		    rt->topic, (int)p, (long long)got, (long long)hi, pp->cnt, first_err, missing,
		    moved, disorder, foreign, dups_retried, dups_acked, lied);
		if (lied)
			test_say(
			    "WARNING %s [%d]: %d record(s) reported NOT_PERSISTED are in the log",
			    rt->topic, (int)p, lied);
		bad += got != hi || missing || moved || disorder || foreign ||
		       (!allow_acked_dups && dups_acked);
		for (int s = 0; s < pp->cnt; s++)
			*dupsp += copies[s] > 1 ? copies[s] - 1 : 0;
		*first_errp += first_err;
		free(at);
		free(copies);
	}
	fjord_destroy(wm);
	for (int p = 0; p < rt->partitions; p++)
		free(rt->parts[p].recs);
	free(rt->parts);
	free(rt->rs);
	pthread_mutex_destroy(&rt->lock);
	char topic[256];
	snprintf(topic, sizeof(topic), "%s", rt->topic);
	free(rt);
	ck_assert_msg(!bad, "%s: %d partition(s) failed verification (see the lines above)", topic,
	              bad);
}

void repl_track_verify(repl_track_t *rt, test_cluster_t *c, int allow_acked_dups)
{
	int dups = 0, first_err = 0;

	repl_track_check(rt, c, allow_acked_dups != 0, &dups, &first_err);
}

int repl_track_verify_dups(repl_track_t *rt, test_cluster_t *c, int *first_errp)
{
	int dups = 0, first_err = 0;

	repl_track_check(rt, c, 2, &dups, &first_err);
	if (first_errp)
		*first_errp = first_err;
	return dups;
}
