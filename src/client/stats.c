/*
 * stats.c — statistics.interval.ms: a JSON document of a handle's counters
 * delivered to the statistics callback, as librdkafka's stats_cb.
 *
 * What: the I/O thread's tick calls stats_tick(); when the interval passed
 * it builds one document (jansson): the handle's name, type and clocks, the
 * producer's queue (msg_cnt, msg_size), request and byte totals, one object
 * per broker connection (bconn_stats_add: state, round-trip times of its
 * newest responses, requests waiting to be written or
 * answered, totals), the consumer's assigned partitions (consumer_stats_add:
 * fetch queue, positions, high watermark, lag) and the group
 * (cgrp_stats_add). The text is handed to the callback thread with
 * cbq_push_call(), so a slow callback never stalls I/O. docs/sdk.md lists
 * every field.
 * Guarantees: nothing is built without a callback or with the interval 0;
 * counters are totals since the handle was created (rtt: over the newest
 * 512 responses of the connection).
 * Threads: built on the I/O thread (bconn state is its own; the consumer and
 * group parts take their locks); delivered on the callback thread.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "client/client_int.h"
#include "client/producer_int.h"
#include "common/bytes.h"

typedef struct stats_doc {
	char *json;
	size_t len;
} stats_doc_t;

static void stats_serve(fjord_t *h, void *arg)
{
	stats_doc_t *d = arg;
	if (h->conf->stats_cb)
		h->conf->stats_cb(h, d->json, d->len, h->conf->opaque);
	free(d->json);
	free(d);
}

static json_t *stats_build(fjord_t *h)
{
	static const char *const types[] = { "producer", "consumer", "admin" };
	json_t *doc = json_object(), *brokers = json_object(), *topics = json_object();
	uint64_t totals[4] = { 0, 0, 0, 0 };
	if (!doc || !brokers || !topics) {
		json_decref(doc);
		json_decref(brokers);
		json_decref(topics);
		return NULL;
	}
	json_object_set_new(doc, "name", json_string(h->name));
	json_object_set_new(doc, "client_id",
	                    json_string(h->cv_conf->client_id ? h->cv_conf->client_id : ""));
	json_object_set_new(doc, "type", json_string(types[h->type]));
	json_object_set_new(doc, "ts", json_integer(fj_mono_us()));
	json_object_set_new(doc, "time", json_integer(fj_now_ms() / 1000));
	json_object_set_new(doc, "msg_cnt",
	                    json_integer(h->p ? (json_int_t)atomic_load(&h->p->outq_cnt) : 0));
	json_object_set_new(doc, "msg_size",
	                    json_integer(h->p ? (json_int_t)atomic_load(&h->p->outq_bytes) : 0));
	bconn_stats_add(h, brokers, totals);
	json_object_set_new(doc, "tx", json_integer((json_int_t)totals[0]));
	json_object_set_new(doc, "txbytes", json_integer((json_int_t)totals[1]));
	json_object_set_new(doc, "rx", json_integer((json_int_t)totals[2]));
	json_object_set_new(doc, "rxbytes", json_integer((json_int_t)totals[3]));
	json_object_set_new(doc, "brokers", brokers);
	consumer_stats_add(h, topics);
	json_object_set_new(doc, "topics", topics);
	cgrp_stats_add(h, doc);
	return doc;
}

void stats_tick(fjord_t *h, int64_t now)
{
	int iv = h->cv_conf->statistics_interval_ms;
	stats_doc_t *d;
	json_t *doc;
	if (iv <= 0 || !h->conf->stats_cb)
		return;
	if (h->stats_next_ms == 0)
		h->stats_next_ms = now + iv;
	if (now < h->stats_next_ms)
		return;
	h->stats_next_ms = now + iv;
	doc = stats_build(h);
	d = doc ? calloc(1, sizeof(*d)) : NULL;
	if (d)
		d->json = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (!d || !d->json) {
		free(d);
		handle_log(h, FJ_LOG_WARNING, "STATS",
		           "out of memory: a statistics document dropped");
		return;
	}
	d->len = strlen(d->json);
	if (cbq_push_call(h, stats_serve, d) != 0) {
		free(d->json);
		free(d);
	}
}
