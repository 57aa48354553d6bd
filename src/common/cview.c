/*
 * cview.c — immutable, reference-counted cluster metadata snapshots
 * (see cview.h for the model).
 *
 * Guarantees: after cview_finish() a snapshot is never modified, so any
 * thread holding a reference may read it without locks. The reference count
 * is atomic. Lookups are binary searches over the sorted arrays.
 *
 * Memory: a cview owns every string and array it points to; cview_unref()
 * at zero frees it all. Out of memory in cview_new/cview_copy returns NULL.
 */
#include <stdlib.h>
#include <string.h>

#include "common/cview.h"

cview_t *cview_new(void)
{
	cview_t *cv = calloc(1, sizeof(*cv));

	if (!cv)
		return NULL;
	cv->refcnt = 1;
	cv->controller_id = -1;
	cv->controller_epoch = -1;
	return cv;
}

cview_t *cview_ref(cview_t *cv)
{
	__atomic_add_fetch(&cv->refcnt, 1, __ATOMIC_RELAXED);
	return cv;
}

void cview_topic_clear(cview_topic_t *t)
{
	int i;

	for (i = 0; t->partitions && i < t->partition_cnt; i++) {
		free(t->partitions[i].replicas);
		free(t->partitions[i].isr);
	}
	free(t->partitions);
	for (i = 0; i < t->config_cnt; i++) {
		free(t->config_names[i]);
		free(t->config_values[i]);
	}
	free(t->config_names);
	free(t->config_values);
	free(t->name);
	memset(t, 0, sizeof(*t));
}

void cview_brokers_clear(cview_t *cv)
{
	for (int i = 0; i < cv->broker_cnt; i++) {
		free(cv->brokers[i].host);
		free(cv->brokers[i].rack);
		free(cv->brokers[i].listener);
		endpoint_list_free(cv->brokers[i].endpoints, cv->brokers[i].endpoint_cnt);
	}
	free(cv->brokers);
	cv->brokers = NULL;
	cv->broker_cnt = 0;
}

static void cview_free(cview_t *cv)
{
	int i;

	cview_brokers_clear(cv);
	for (i = 0; i < cv->topic_cnt; i++)
		cview_topic_clear(&cv->topics[i]);
	free(cv->topics);
	free(cv->shutting_down);
	for (i = 0; i < cv->held_cnt; i++)
		free(cv->held_topics[i]);
	free(cv->held_topics);
	free(cv->cluster_id);
	free(cv);
}

void cview_unref(cview_t *cv)
{
	if (cv && __atomic_sub_fetch(&cv->refcnt, 1, __ATOMIC_ACQ_REL) == 0)
		cview_free(cv);
}

static int32_t *cview_dup_ids(const int32_t *ids, int cnt, int *failp)
{
	int32_t *d;

	if (cnt <= 0 || !ids)
		return NULL;
	d = malloc((size_t)cnt * sizeof(*d));
	if (!d) {
		*failp = 1;
		return NULL;
	}
	memcpy(d, ids, (size_t)cnt * sizeof(*d));
	return d;
}

static char *cview_dup_str(const char *s, int *failp)
{
	char *d;

	if (!s)
		return NULL;
	if (!(d = strdup(s)))
		*failp = 1;
	return d;
}

static void cview_copy_topic(cview_topic_t *d, const cview_topic_t *s, int *failp)
{
	int i;

	memset(d, 0, sizeof(*d));
	d->name = cview_dup_str(s->name, failp);
	d->deleting = s->deleting;
	if (s->partition_cnt > 0) {
		d->partitions = calloc((size_t)s->partition_cnt, sizeof(*d->partitions));
		if (!d->partitions) {
			*failp = 1;
			return;
		}
		d->partition_cnt = s->partition_cnt;
		for (i = 0; i < s->partition_cnt; i++) {
			const cview_partition_t *sp = &s->partitions[i];
			cview_partition_t *dp = &d->partitions[i];

			*dp = *sp;
			dp->replicas = cview_dup_ids(sp->replicas, sp->replica_cnt, failp);
			dp->isr = cview_dup_ids(sp->isr, sp->isr_cnt, failp);
		}
	}
	if (s->config_cnt > 0) {
		d->config_names = calloc((size_t)s->config_cnt, sizeof(char *));
		d->config_values = calloc((size_t)s->config_cnt, sizeof(char *));
		if (!d->config_names || !d->config_values) {
			*failp = 1;
			return;
		}
		d->config_cnt = s->config_cnt;
		for (i = 0; i < s->config_cnt; i++) {
			d->config_names[i] = cview_dup_str(s->config_names[i], failp);
			d->config_values[i] = cview_dup_str(s->config_values[i], failp);
		}
	}
}

cview_t *cview_copy(const cview_t *cv)
{
	cview_t *d = cview_new();
	int fail = 0, i;

	if (!d)
		return NULL;
	d->version = cv->version;
	d->cluster_id = cview_dup_str(cv->cluster_id, &fail);
	d->controller_id = cv->controller_id;
	d->controller_epoch = cv->controller_epoch;
	if (cv->broker_cnt > 0) {
		d->brokers = calloc((size_t)cv->broker_cnt, sizeof(*d->brokers));
		if (!d->brokers)
			goto fail;
		d->broker_cnt = cv->broker_cnt;
		for (i = 0; i < cv->broker_cnt; i++) {
			d->brokers[i].id = cv->brokers[i].id;
			d->brokers[i].port = cv->brokers[i].port;
			d->brokers[i].host = cview_dup_str(cv->brokers[i].host, &fail);
			d->brokers[i].rack = cview_dup_str(cv->brokers[i].rack, &fail);
			d->brokers[i].listener = cview_dup_str(cv->brokers[i].listener, &fail);
			if (endpoint_list_copy(cv->brokers[i].endpoints,
			                       cv->brokers[i].endpoint_cnt,
			                       &d->brokers[i].endpoints) < 0)
				fail = 1;
			else
				d->brokers[i].endpoint_cnt = cv->brokers[i].endpoint_cnt;
		}
	}
	if (cv->topic_cnt > 0) {
		d->topics = calloc((size_t)cv->topic_cnt, sizeof(*d->topics));
		if (!d->topics)
			goto fail;
		d->topic_cnt = cv->topic_cnt;
		for (i = 0; i < cv->topic_cnt; i++)
			cview_copy_topic(&d->topics[i], &cv->topics[i], &fail);
	}
	d->shutting_down = cview_dup_ids(cv->shutting_down, cv->shutting_down_cnt, &fail);
	d->shutting_down_cnt = d->shutting_down ? cv->shutting_down_cnt : 0;
	if (cv->held_cnt > 0) {
		if (!(d->held_topics = calloc((size_t)cv->held_cnt, sizeof(char *))))
			goto fail;
		for (i = 0; i < cv->held_cnt; i++)
			if ((d->held_topics[i] = cview_dup_str(cv->held_topics[i], &fail)))
				d->held_cnt++;
	}
	if (fail)
		goto fail;
	return d;
fail:
	cview_free(d);
	return NULL;
}

static int cview_broker_cmp(const void *a, const void *b)
{
	const cview_broker_t *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static int cview_id_cmp(const void *a, const void *b)
{
	const int32_t *x = a, *y = b;

	return (*x > *y) - (*x < *y);
}

static int cview_topic_cmp(const void *a, const void *b)
{
	const cview_topic_t *x = a, *y = b;

	return strcmp(x->name, y->name);
}

void cview_finish(cview_t *cv)
{
	if (cv->broker_cnt > 1)
		qsort(cv->brokers, (size_t)cv->broker_cnt, sizeof(*cv->brokers), cview_broker_cmp);
	if (cv->topic_cnt > 1)
		qsort(cv->topics, (size_t)cv->topic_cnt, sizeof(*cv->topics), cview_topic_cmp);
	if (cv->shutting_down_cnt > 1) {
		int i, n = 1;

		qsort(cv->shutting_down, (size_t)cv->shutting_down_cnt, sizeof(int32_t),
		      cview_id_cmp);
		for (i = 1; i < cv->shutting_down_cnt; i++)
			if (cv->shutting_down[i] != cv->shutting_down[n - 1])
				cv->shutting_down[n++] = cv->shutting_down[i];
		cv->shutting_down_cnt = n;
	}
}

const cview_topic_t *cview_topic(const cview_t *cv, const char *name)
{
	cview_topic_t key;

	if (!cv || !name || cv->topic_cnt == 0)
		return NULL;
	key.name = (char *)name;
	return bsearch(&key, cv->topics, (size_t)cv->topic_cnt, sizeof(*cv->topics),
	               cview_topic_cmp);
}

const cview_partition_t *cview_partition(const cview_t *cv, const char *topic, int32_t partition)
{
	const cview_topic_t *t = cview_topic(cv, topic);

	if (!t || partition < 0 || partition >= t->partition_cnt)
		return NULL;
	return &t->partitions[partition];
}

const cview_broker_t *cview_broker(const cview_t *cv, int32_t id)
{
	cview_broker_t key;

	if (!cv || cv->broker_cnt == 0)
		return NULL;
	key.id = id;
	return bsearch(&key, cv->brokers, (size_t)cv->broker_cnt, sizeof(*cv->brokers),
	               cview_broker_cmp);
}

const char *cview_topic_config(const cview_topic_t *t, const char *name)
{
	int i;

	for (i = 0; t && i < t->config_cnt; i++)
		if (!strcmp(t->config_names[i], name))
			return t->config_values[i];
	return NULL;
}

int cview_is_replica(const cview_partition_t *p, int32_t broker_id)
{
	int i;

	for (i = 0; p && i < p->replica_cnt; i++)
		if (p->replicas[i] == broker_id)
			return 1;
	return 0;
}

int cview_in_isr(const cview_partition_t *p, int32_t broker_id)
{
	int i;

	for (i = 0; p && p->has_state && i < p->isr_cnt; i++)
		if (p->isr[i] == broker_id)
			return 1;
	return 0;
}

int cview_is_shutting_down(const cview_t *cv, int32_t broker_id)
{
	if (!cv || cv->shutting_down_cnt == 0)
		return 0;
	return bsearch(&broker_id, cv->shutting_down, (size_t)cv->shutting_down_cnt,
	               sizeof(int32_t), cview_id_cmp) != NULL;
}

int cview_broker_select(cview_broker_t *b, const char *listener, int prefer_loopback)
{
	const endpoint_t *ep = NULL;
	char *host, *name;
	int i;

	if (b->endpoint_cnt == 0)
		return 0;
	if (listener) {
		ep = endpoint_find(b->endpoints, b->endpoint_cnt, listener);
	} else {
		for (i = 0; prefer_loopback && !ep && i < b->endpoint_cnt; i++)
			if (endpoint_host_is_loopback(b->endpoints[i].host))
				ep = &b->endpoints[i];
		if (!ep)
			ep = &b->endpoints[0];
	}
	host = strdup(ep ? ep->host : "");
	name = ep ? strdup(ep->name) : NULL;
	if (!host || (ep && !name)) {
		free(host);
		free(name);
		return -1;
	}
	free(b->host);
	free(b->listener);
	b->host = host;
	b->listener = name;
	b->port = ep ? ep->port : 0;
	return ep ? 0 : 1;
}
