/*
 * zkmeta_update.c — the incremental pass: the previous snapshot with only
 * the znodes whose watches fired read again.
 *
 * Why: a full pass reads every topic, state and config znode, O(topics +
 * partitions) synchronous ZooKeeper reads, in every broker and every SDK
 * client using zookeeper.connect, for each change anywhere. A leader
 * election on one partition of a 1,000-partition cluster then cost each
 * reader over a thousand reads; here it costs one (bench/zkmeta).
 *
 * How: ZooKeeper watches are one-shot and name the znode they fired for.
 * zkmeta's watcher collects those paths (zkmeta.c, the dirty set); this
 * pass starts from a deep copy of the last snapshot and, per path:
 *
 *   /cluster/id, /controller, /controller_epoch   that field
 *   /brokers/ids, /brokers/ids/<id>               the broker list (a few znodes)
 *   /admin/controlled_shutdown                    the shutting-down list
 *   /brokers/topics                               the topic list: new topics are
 *                                                 read whole, gone ones dropped
 *   /brokers/topics/<t>                           topic t whole (assignment,
 *                                                 states, config)
 *   /brokers/topics/<t>/partitions/<p>/state      that partition's state
 *   /config/topics/<t>                            t's config
 *   /admin/delete_topics                          every topic's `deleting` mark
 *
 * Each read re-arms the watch of what it read; a znode that did not change
 * keeps the watch it has. Any other path (not one fjord watches), a dirty
 * set that overflowed, a session event, zkmeta_sync/refresh, or a failed
 * pass make the next pass a full one (ZKMETA_NEED_FULL or d->full): the
 * incremental pass is an optimisation of the full one, never a different
 * answer. Test 0086 compares the two after every kind of change.
 *
 * Thread: zkmeta's thread only.
 */
#include <stdlib.h>
#include <string.h>

#include "common/numparse.h"
#include "common/zkmeta_int.h"
#include "common/zkpath.h"

zkmeta_change_t zkmeta_classify(const char *path, const char **topic, size_t *topic_len,
                                int32_t *partition)
{
	static const char topics[] = ZKPATH_TOPICS "/", configs[] = ZKPATH_CONFIG_TOPICS "/",
	                  brokers[] = ZKPATH_BROKER_IDS "/", parts[] = "/partitions/";
	const char *rest, *slash;

	if (!strcmp(path, ZKPATH_CLUSTER_ID) || !strcmp(path, ZKPATH_CONTROLLER) ||
	    !strcmp(path, ZKPATH_CONTROLLER_EPOCH))
		return ZKMETA_CH_HEAD;
	if (!strcmp(path, ZKPATH_BROKER_IDS) || !strncmp(path, brokers, sizeof(brokers) - 1))
		return ZKMETA_CH_BROKERS;
	if (!strcmp(path, ZKPATH_CONTROLLED_SHUTDOWN))
		return ZKMETA_CH_SHUTDOWN;
	if (!strcmp(path, ZKPATH_TOPICS))
		return ZKMETA_CH_TOPICS;
	if (!strcmp(path, ZKPATH_DELETE_TOPICS))
		return ZKMETA_CH_DELETES;
	if (!strncmp(path, configs, sizeof(configs) - 1)) {
		*topic = path + sizeof(configs) - 1;
		*topic_len = strlen(*topic);
		return *topic_len && !strchr(*topic, '/') ? ZKMETA_CH_CONFIG : ZKMETA_CH_UNKNOWN;
	}
	if (strncmp(path, topics, sizeof(topics) - 1) != 0)
		return ZKMETA_CH_UNKNOWN;
	*topic = path + sizeof(topics) - 1;
	slash = strchr(*topic, '/');
	*topic_len = slash ? (size_t)(slash - *topic) : strlen(*topic);
	if (*topic_len == 0)
		return ZKMETA_CH_UNKNOWN;
	if (!slash)
		return ZKMETA_CH_TOPIC;
	if (strncmp(slash, parts, sizeof(parts) - 1) != 0)
		return ZKMETA_CH_UNKNOWN;
	rest = slash + sizeof(parts) - 1;
	slash = strchr(rest, '/');
	if (!slash || strcmp(slash, "/state") != 0 || slash - rest >= 12)
		return ZKMETA_CH_UNKNOWN;
	char num[12];
	memcpy(num, rest, (size_t)(slash - rest));
	num[slash - rest] = '\0';
	/* Only the spelling zkpath_state() writes: "07", "+7" or "-0" name no
	 * znode fjord watches. */
	if (num[0] == '+' || num[0] == '-' || (num[0] == '0' && num[1]))
		return ZKMETA_CH_UNKNOWN;
	return num_parse_i32(num, 0, INT32_MAX, partition) == 0 ? ZKMETA_CH_STATE
	                                                        : ZKMETA_CH_UNKNOWN;
}

/* The changes of one pass, sorted out of the dirty set. Topic names point
 * into the dirty set's paths (with their length). */
typedef struct zkmeta_changes {
	int head[3]; /* cluster id, controller, controller epoch */
	int brokers, shutdown, topics, deletes;
	int n; /* entries in kind/name/len/partition */
	zkmeta_change_t *kind;
	const char **name;
	size_t *len;
	int32_t *partition;
} zkmeta_changes_t;

static void zkmeta_changes_free(zkmeta_changes_t *ch)
{
	free(ch->kind);
	free(ch->name);
	free(ch->len);
	free(ch->partition);
}

/* ZOK, ZKMETA_NEED_FULL (a path it cannot read alone) or ZSYSTEMERROR. */
static int zkmeta_changes_sort(const zkmeta_dirty_t *d, zkmeta_changes_t *ch)
{
	size_t n = d->cnt > 0 ? (size_t)d->cnt : 1;

	memset(ch, 0, sizeof(*ch));
	ch->kind = calloc(n, sizeof(*ch->kind));
	ch->name = calloc(n, sizeof(*ch->name));
	ch->len = calloc(n, sizeof(*ch->len));
	ch->partition = calloc(n, sizeof(*ch->partition));
	if (!ch->kind || !ch->name || !ch->len || !ch->partition)
		return ZSYSTEMERROR;
	for (int i = 0; i < d->cnt; i++) {
		const char *topic = NULL;
		size_t len = 0;
		int32_t p = -1;

		switch (zkmeta_classify(d->paths[i], &topic, &len, &p)) {
		case ZKMETA_CH_HEAD:
			ch->head[!strcmp(d->paths[i], ZKPATH_CONTROLLER)         ? 1
			         : !strcmp(d->paths[i], ZKPATH_CONTROLLER_EPOCH) ? 2
			                                                         : 0] = 1;
			break;
		case ZKMETA_CH_BROKERS:
			ch->brokers = 1;
			break;
		case ZKMETA_CH_SHUTDOWN:
			ch->shutdown = 1;
			break;
		case ZKMETA_CH_TOPICS:
			ch->topics = 1;
			break;
		case ZKMETA_CH_DELETES:
			ch->deletes = 1;
			break;
		case ZKMETA_CH_TOPIC:
		case ZKMETA_CH_STATE:
		case ZKMETA_CH_CONFIG:
			ch->kind[ch->n] = zkmeta_classify(d->paths[i], &topic, &len, &p);
			ch->name[ch->n] = topic;
			ch->len[ch->n] = len;
			ch->partition[ch->n] = p;
			ch->n++;
			break;
		default:
			return ZKMETA_NEED_FULL;
		}
	}
	return ZOK;
}

static int zkmeta_name_is(const char *name, const char *s, size_t len)
{
	return strlen(name) == len && !strncmp(name, s, len);
}

/* 1 when topic name is to be read whole in this pass. */
static int zkmeta_changes_topic(const zkmeta_changes_t *ch, const char *name)
{
	for (int i = 0; i < ch->n; i++)
		if (ch->kind[i] == ZKMETA_CH_TOPIC && zkmeta_name_is(name, ch->name[i], ch->len[i]))
			return 1;
	return 0;
}

static cview_topic_t *zkmeta_find_topic(cview_t *cv, const char *s, size_t len)
{
	for (int i = 0; i < cv->topic_cnt; i++)
		if (cv->topics[i].name && zkmeta_name_is(cv->topics[i].name, s, len))
			return &cv->topics[i];
	return NULL;
}

/* Re-reads one state and one config change each of a topic kept. */
static int zkmeta_update_parts(zkmeta_t *zm, cview_t *cv, const cview_t *prev,
                               const zkmeta_changes_t *ch)
{
	for (int i = 0; i < ch->n; i++) {
		cview_topic_t *t;
		int rc;

		if (ch->kind[i] == ZKMETA_CH_TOPIC)
			continue;
		t = zkmeta_find_topic(cv, ch->name[i], ch->len[i]);
		if (!t || zkmeta_changes_topic(ch, t->name))
			continue; /* not listed (yet), or read whole below */
		if (ch->kind[i] == ZKMETA_CH_STATE) {
			cview_partition_t *p;
			if (ch->partition[i] >= t->partition_cnt)
				continue; /* not assigned yet: the topic's own change brings it */
			p = &t->partitions[ch->partition[i]];
			free(p->isr);
			p->isr = NULL;
			p->isr_cnt = 0;
			p->has_state = 0;
			p->leader = -1;
			p->leader_epoch = 0;
			p->controller_epoch = -1;
			p->state_version = 0;
			rc = zkmeta_read_state(zm, t->name, p);
		} else {
			for (int k = 0; k < t->config_cnt; k++) {
				free(t->config_names[k]);
				free(t->config_values[k]);
			}
			free(t->config_names);
			free(t->config_values);
			t->config_names = t->config_values = NULL;
			t->config_cnt = 0;
			rc = zkmeta_read_config(zm, t, cview_topic(prev, t->name));
		}
		if (rc != ZOK)
			return rc;
	}
	return ZOK;
}

/* Rebuilds cv's topic list: from /brokers/topics when the list changed,
 * else from cv's own topics and held topics; topics the pass names are
 * read whole, the others moved over as they are. */
static int zkmeta_update_topics(zkmeta_t *zm, cview_t *cv, const cview_t *prev,
                                const zkmeta_changes_t *ch)
{
	struct String_vector sv = { 0, NULL };
	const char **names = NULL;
	cview_topic_t *topics = NULL;
	char **held = NULL;
	int n = 0, topic_cnt = 0, held_cnt = 0, rc = ZOK, i;

	if (ch->topics) {
		rc = zkmeta_children(zm, ZKPATH_TOPICS, &sv);
		if (rc == ZNONODE)
			rc = ZOK;
		if (rc != ZOK)
			return rc;
		n = sv.count;
	} else {
		n = cv->topic_cnt + cv->held_cnt;
	}
	if (n > 0) {
		names = calloc((size_t)n, sizeof(*names));
		topics = calloc((size_t)n, sizeof(*topics));
		held = calloc((size_t)n, sizeof(*held));
		if (!names || !topics || !held) {
			rc = ZSYSTEMERROR;
			goto out;
		}
	}
	for (i = 0; i < n; i++)
		names[i] = ch->topics          ? sv.data[i]
		           : i < cv->topic_cnt ? cv->topics[i].name
		                               : cv->held_topics[i - cv->topic_cnt];
	for (i = 0; i < n && rc == ZOK; i++) {
		cview_topic_t *old = zkmeta_find_topic(cv, names[i], strlen(names[i]));
		int was_held = 0, h;

		for (h = 0; h < cv->held_cnt; h++)
			if (cv->held_topics[h] && !strcmp(cv->held_topics[h], names[i]))
				was_held = 1;
		if (!zkmeta_changes_topic(ch, names[i]) && old) {
			topics[topic_cnt++] = *old; /* moved */
			memset(old, 0, sizeof(*old));
		} else if (!zkmeta_changes_topic(ch, names[i]) && was_held) {
			if (!(held[held_cnt] = strdup(names[i])))
				rc = ZSYSTEMERROR;
			else
				held_cnt++;
		} else {
			cview_topic_t *t = &topics[topic_cnt];
			int skip, isheld;

			if (!(t->name = strdup(names[i]))) {
				rc = ZSYSTEMERROR;
				break;
			}
			rc = zkmeta_read_topic(zm, t, cview_topic(prev, t->name), &skip, &isheld);
			if (rc == ZOK && isheld) {
				held[held_cnt++] = t->name; /* moved */
				t->name = NULL;
			}
			if (rc != ZOK || skip)
				cview_topic_clear(t);
			else
				topic_cnt++;
		}
	}
	if (rc != ZOK)
		goto out;
	/* Swap in the new lists; what was not moved goes. */
	for (i = 0; i < cv->topic_cnt; i++)
		cview_topic_clear(&cv->topics[i]);
	free(cv->topics);
	for (i = 0; i < cv->held_cnt; i++)
		free(cv->held_topics[i]);
	free(cv->held_topics);
	cv->topics = topics;
	cv->topic_cnt = topic_cnt;
	cv->held_topics = held;
	cv->held_cnt = held_cnt;
	topics = NULL;
	held = NULL;
out:
	if (topics) {
		for (i = 0; i < topic_cnt; i++)
			cview_topic_clear(&topics[i]);
		free(topics);
	}
	if (held) {
		for (i = 0; i < held_cnt; i++)
			free(held[i]);
		free(held);
	}
	free(names);
	deallocate_String_vector(&sv);
	return rc;
}

/* Every topic's `deleting` from /admin/delete_topics. */
static int zkmeta_update_deleting(zkmeta_t *zm, cview_t *cv)
{
	struct String_vector del = { 0, NULL };
	int rc = zkmeta_children(zm, ZKPATH_DELETE_TOPICS, &del);

	if (rc != ZOK && rc != ZNONODE)
		return rc;
	for (int i = 0; i < cv->topic_cnt; i++) {
		cv->topics[i].deleting = 0;
		for (int j = 0; j < del.count; j++)
			if (!strcmp(del.data[j], cv->topics[i].name))
				cv->topics[i].deleting = 1;
	}
	deallocate_String_vector(&del);
	return ZOK;
}

int zkmeta_update(zkmeta_t *zm, const cview_t *prev, const zkmeta_dirty_t *d, cview_t **cvp)
{
	static const char *const heads[3] = { ZKPATH_CLUSTER_ID, ZKPATH_CONTROLLER,
		                              ZKPATH_CONTROLLER_EPOCH };
	zkmeta_changes_t ch;
	cview_t *cv = NULL;
	int rc, i, topic_changes = 0;

	*cvp = NULL;
	rc = zkmeta_changes_sort(d, &ch);
	if (rc != ZOK)
		goto out;
	if (!(cv = cview_copy(prev))) {
		rc = ZSYSTEMERROR;
		goto out;
	}
	for (i = 0; i < 3 && rc == ZOK; i++)
		if (ch.head[i])
			rc = zkmeta_read_head(zm, cv, heads[i]);
	if (rc == ZOK && ch.brokers) {
		cview_brokers_clear(cv);
		rc = zkmeta_read_brokers(zm, cv);
	}
	if (rc == ZOK && ch.shutdown) {
		free(cv->shutting_down);
		cv->shutting_down = NULL;
		cv->shutting_down_cnt = 0;
		rc = zkmeta_read_shutting_down(zm, cv);
	}
	if (rc == ZOK)
		rc = zkmeta_update_parts(zm, cv, prev, &ch);
	for (i = 0; i < ch.n; i++)
		topic_changes |= ch.kind[i] == ZKMETA_CH_TOPIC;
	if (rc == ZOK && (ch.topics || topic_changes))
		rc = zkmeta_update_topics(zm, cv, prev, &ch);
	/* A topic read anew learns its mark here, as in a full pass. */
	if (rc == ZOK && (ch.deletes || ch.topics || topic_changes))
		rc = zkmeta_update_deleting(zm, cv);
	if (rc != ZOK)
		goto out;
	cview_finish(cv);
	cv->version = zkmeta_next_version();
	*cvp = cv;
	cv = NULL;
out:
	cview_unref(cv);
	zkmeta_changes_free(&ch);
	return rc;
}
