/*
 * tplist.c — fjord_topic_partition_list_t, a growable array of
 * (topic, partition, offset, err, opaque). The list owns its topic strings;
 * the caller owns the list. Any thread (one at a time per list).
 */
#include <stdlib.h>
#include <string.h>

#include "client/client_int.h"

fjord_topic_partition_list_t *fjord_topic_partition_list_new(int size)
{
	fjord_topic_partition_list_t *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->size = size > 0 ? size : 8;
	l->elems = calloc((size_t)l->size, sizeof(*l->elems));
	if (!l->elems) {
		free(l);
		return NULL;
	}
	return l;
}

fjord_topic_partition_t *fjord_topic_partition_list_add(fjord_topic_partition_list_t *list,
                                                        const char *topic, int32_t partition)
{
	fjord_topic_partition_t *e;
	char *t;
	if (!list || !topic)
		return NULL;
	if (list->cnt == list->size) {
		int size = list->size ? list->size * 2 : 8;
		fjord_topic_partition_t *ne = realloc(list->elems, (size_t)size * sizeof(*ne));
		if (!ne)
			return NULL;
		list->elems = ne;
		list->size = size;
	}
	t = strdup(topic);
	if (!t)
		return NULL;
	e = &list->elems[list->cnt++];
	memset(e, 0, sizeof(*e));
	e->topic = t;
	e->partition = partition;
	e->offset = FJORD_OFFSET_INVALID;
	return e;
}

fjord_topic_partition_t *fjord_topic_partition_list_find(const fjord_topic_partition_list_t *list,
                                                         const char *topic, int32_t partition)
{
	int i;
	if (!list || !topic)
		return NULL;
	for (i = 0; i < list->cnt; i++)
		if (list->elems[i].partition == partition && !strcmp(list->elems[i].topic, topic))
			return &list->elems[i];
	return NULL;
}

void fjord_topic_partition_list_destroy(fjord_topic_partition_list_t *list)
{
	int i;
	if (!list)
		return;
	for (i = 0; i < list->cnt; i++)
		free(list->elems[i].topic);
	free(list->elems);
	free(list);
}
