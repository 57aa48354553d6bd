/*
 * metadata_conv.c — conversions of cluster metadata: a Metadata response
 * into a cview snapshot (bootstrap.servers mode), and a cview into the
 * public, deep-copied fjord_metadata_t (fjord_metadata_destroy frees it).
 * Pure functions on their arguments; any thread. Out of memory returns
 * NULL after freeing what was built.
 */
#include <stdlib.h>
#include <string.h>

#include "client/client_int.h"

static char *metadata_strdup_nonempty(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

static int metadata_copy_ints(int32_t **dst, const int32_t *src, int cnt)
{
	*dst = calloc((size_t)cnt + 1, sizeof(int32_t));
	if (!*dst)
		return -1;
	if (cnt)
		memcpy(*dst, src, (size_t)cnt * sizeof(int32_t));
	return 0;
}

cview_t *metadata_cview_from_response(const Fjord__MetadataResponse *mr)
{
	cview_t *cv = cview_new();
	size_t i, j;
	if (!cv)
		return NULL;
	cv->cluster_id = metadata_strdup_nonempty(mr->cluster_id);
	cv->controller_id = mr->controller_id;
	cv->controller_epoch = -1;
	if (mr->n_brokers) {
		cv->brokers = calloc(mr->n_brokers, sizeof(*cv->brokers));
		if (!cv->brokers)
			goto fail;
		for (i = 0; i < mr->n_brokers; i++) {
			const Fjord__BrokerEndpoint *b = mr->brokers[i];
			cview_broker_t *cb = &cv->brokers[cv->broker_cnt++];
			cb->id = b->node_id;
			cb->host = strdup(b->host ? b->host : "");
			cb->port = b->port;
			cb->rack = metadata_strdup_nonempty(b->rack);
			if (!cb->host)
				goto fail;
		}
	}
	if (mr->n_topics) {
		cv->topics = calloc(mr->n_topics, sizeof(*cv->topics));
		if (!cv->topics)
			goto fail;
	}
	for (i = 0; i < mr->n_topics; i++) {
		const Fjord__TopicMetadata *tm = mr->topics[i];
		cview_topic_t *t;
		int32_t maxid = -1;
		if (tm->error != FJORD__ERROR_CODE__NONE || !tm->name)
			continue; /* absent topics are simply not in the view */
		t = &cv->topics[cv->topic_cnt++];
		t->name = strdup(tm->name);
		if (!t->name)
			goto fail;
		for (j = 0; j < tm->n_partitions; j++)
			if (tm->partitions[j]->partition > maxid)
				maxid = tm->partitions[j]->partition;
		if (maxid >= 100000)
			goto fail; /* nonsense from the wire */
		t->partition_cnt = maxid + 1;
		if (t->partition_cnt) {
			t->partitions = calloc((size_t)t->partition_cnt, sizeof(*t->partitions));
			if (!t->partitions)
				goto fail;
		}
		for (j = 0; j < (size_t)t->partition_cnt; j++) {
			t->partitions[j].id = (int32_t)j;
			t->partitions[j].leader = -1;
		}
		for (j = 0; j < tm->n_partitions; j++) {
			const Fjord__PartitionMetadata *pm = tm->partitions[j];
			cview_partition_t *p;
			if (pm->partition < 0)
				continue;
			p = &t->partitions[pm->partition];
			p->has_state = 1;
			p->leader = pm->leader;
			p->leader_epoch = pm->leader_epoch;
			p->replica_cnt = (int)pm->n_replicas;
			p->isr_cnt = (int)pm->n_isr;
			/* An empty list arrives as a NULL array (offline partition). */
			if (metadata_copy_ints(&p->replicas, pm->replicas, p->replica_cnt) < 0 ||
			    metadata_copy_ints(&p->isr, pm->isr, p->isr_cnt) < 0)
				goto fail;
		}
	}
	cview_finish(cv);
	return cv;
fail:
	cview_unref(cv);
	return NULL;
}

static int metadata_copy_topic(fjord_metadata_topic_t *dt, const cview_topic_t *t)
{
	int i;
	dt->topic = strdup(t->name);
	dt->partition_cnt = t->partition_cnt;
	dt->partitions = calloc((size_t)t->partition_cnt + 1, sizeof(*dt->partitions));
	if (!dt->topic || !dt->partitions)
		return -1;
	for (i = 0; i < t->partition_cnt; i++) {
		const cview_partition_t *p = &t->partitions[i];
		fjord_metadata_partition_t *dp = &dt->partitions[i];
		dp->id = p->id;
		dp->leader = p->has_state ? p->leader : -1;
		dp->leader_epoch = p->leader_epoch;
		dp->err = dp->leader < 0 ? FJORD_ERR_LEADER_NOT_AVAILABLE : FJORD_ERR_NO_ERROR;
		dp->replica_cnt = p->replica_cnt;
		dp->isr_cnt = p->isr_cnt;
		if (metadata_copy_ints(&dp->replicas, p->replicas, p->replica_cnt) < 0 ||
		    metadata_copy_ints(&dp->isrs, p->isr, p->isr_cnt) < 0)
			return -1;
	}
	dt->config_cnt = t->config_cnt;
	dt->config_names = calloc((size_t)t->config_cnt + 1, sizeof(char *));
	dt->config_values = calloc((size_t)t->config_cnt + 1, sizeof(char *));
	if (!dt->config_names || !dt->config_values)
		return -1;
	for (i = 0; i < t->config_cnt; i++) {
		dt->config_names[i] = strdup(t->config_names[i]);
		dt->config_values[i] = strdup(t->config_values[i] ? t->config_values[i] : "");
		if (!dt->config_names[i] || !dt->config_values[i])
			return -1;
	}
	return 0;
}

fjord_metadata_t *metadata_convert(const cview_t *cv, const char *topic)
{
	fjord_metadata_t *md = calloc(1, sizeof(*md));
	int i;
	if (!md)
		return NULL;
	md->controller_id = cv->controller_id;
	md->controller_epoch = cv->controller_epoch;
	md->cluster_id = cv->cluster_id ? strdup(cv->cluster_id) : NULL;
	md->brokers = calloc((size_t)cv->broker_cnt + 1, sizeof(*md->brokers));
	md->topics = calloc((size_t)(topic ? 1 : cv->topic_cnt) + 1, sizeof(*md->topics));
	if (!md->brokers || !md->topics)
		goto fail;
	for (i = 0; i < cv->broker_cnt; i++) {
		fjord_metadata_broker_t *b = &md->brokers[md->broker_cnt++];
		b->id = cv->brokers[i].id;
		b->host = strdup(cv->brokers[i].host);
		b->port = cv->brokers[i].port;
		b->rack = cv->brokers[i].rack ? strdup(cv->brokers[i].rack) : NULL;
		if (!b->host)
			goto fail;
	}
	for (i = 0; i < cv->topic_cnt; i++) {
		const cview_topic_t *t = &cv->topics[i];
		if (topic && strcmp(topic, t->name))
			continue;
		if (t->deleting && topic == NULL)
			continue;
		if (metadata_copy_topic(&md->topics[md->topic_cnt++], t) < 0)
			goto fail;
	}
	if (topic && md->topic_cnt == 0) {
		fjord_metadata_topic_t *dt = &md->topics[md->topic_cnt++];
		dt->topic = strdup(topic);
		dt->err = FJORD_ERR_UNKNOWN_TOPIC_OR_PARTITION;
		if (!dt->topic)
			goto fail;
	}
	return md;
fail:
	fjord_metadata_destroy(md);
	return NULL;
}

void fjord_metadata_destroy(fjord_metadata_t *md)
{
	int i, j;
	if (!md)
		return;
	for (i = 0; i < md->broker_cnt; i++) {
		free(md->brokers[i].host);
		free(md->brokers[i].rack);
	}
	free(md->brokers);
	for (i = 0; i < md->topic_cnt; i++) {
		fjord_metadata_topic_t *t = &md->topics[i];
		for (j = 0; t->partitions && j < t->partition_cnt; j++) {
			free(t->partitions[j].replicas);
			free(t->partitions[j].isrs);
		}
		free(t->partitions);
		for (j = 0; j < t->config_cnt; j++) {
			if (t->config_names)
				free(t->config_names[j]);
			if (t->config_values)
				free(t->config_values[j]);
		}
		free(t->config_names);
		free(t->config_values);
		free(t->topic);
	}
	free(md->topics);
	free(md->cluster_id);
	free(md);
}
