/*
 * zkpath.c — fjord's ZooKeeper paths (zkpath.h, docs/zookeeper.md).
 */
#include "common/zkpath.h"

#include <stdarg.h>
#include <stdio.h>

/* Formats into buf; a path that does not fit becomes "". */
__attribute__((format(printf, 2, 3))) static char *zkpath_fmt(char *buf, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(buf, ZKPATH_MAX, fmt, ap);
	va_end(ap);
	if (len < 0 || len >= ZKPATH_MAX)
		buf[0] = '\0';
	return buf;
}

char *zkpath_child(char *buf, const char *parent, const char *name)
{
	return zkpath_fmt(buf, "%s/%s", parent, name);
}

char *zkpath_broker(char *buf, int32_t id)
{
	return zkpath_fmt(buf, ZKPATH_BROKER_IDS "/%d", (int)id);
}

char *zkpath_topic(char *buf, const char *topic)
{
	return zkpath_fmt(buf, ZKPATH_TOPICS "/%s", topic);
}

char *zkpath_partitions(char *buf, const char *topic)
{
	return zkpath_fmt(buf, ZKPATH_TOPICS "/%s/partitions", topic);
}

char *zkpath_partition(char *buf, const char *topic, int32_t partition)
{
	return zkpath_fmt(buf, ZKPATH_TOPICS "/%s/partitions/%d", topic, (int)partition);
}

char *zkpath_state(char *buf, const char *topic, int32_t partition)
{
	return zkpath_fmt(buf, ZKPATH_TOPICS "/%s/partitions/%d/state", topic, (int)partition);
}

char *zkpath_topic_config(char *buf, const char *topic)
{
	return zkpath_fmt(buf, ZKPATH_CONFIG_TOPICS "/%s", topic);
}

char *zkpath_user_config(char *buf, const char *user)
{
	return zkpath_fmt(buf, ZKPATH_CONFIG_USERS "/%s", user);
}

char *zkpath_delete_topic(char *buf, const char *topic)
{
	return zkpath_fmt(buf, ZKPATH_DELETE_TOPICS "/%s", topic);
}

char *zkpath_controlled_shutdown(char *buf, int32_t id)
{
	return zkpath_fmt(buf, ZKPATH_CONTROLLED_SHUTDOWN "/%d", (int)id);
}

char *zkpath_offline_replicas(char *buf, int32_t id)
{
	return zkpath_fmt(buf, ZKPATH_OFFLINE_REPLICAS "/%d", (int)id);
}

char *zkpath_error_marker(char *buf, const char *path)
{
	return zkpath_fmt(buf, ZKPATH_ERRORS "%s", path);
}

char *zkpath_group(char *buf, const char *group)
{
	return zkpath_fmt(buf, ZKPATH_CONSUMERS "/%s", group);
}

char *zkpath_group_sub(char *buf, const char *group, const char *what)
{
	return zkpath_fmt(buf, ZKPATH_CONSUMERS "/%s/%s", group, what);
}

char *zkpath_member(char *buf, const char *group, const char *member)
{
	return zkpath_fmt(buf, ZKPATH_CONSUMERS "/%s/ids/%s", group, member);
}

char *zkpath_group_topic(char *buf, const char *group, const char *what, const char *topic)
{
	return zkpath_fmt(buf, ZKPATH_CONSUMERS "/%s/%s/%s", group, what, topic);
}

char *zkpath_owner(char *buf, const char *group, const char *topic, int32_t partition)
{
	return zkpath_fmt(buf, ZKPATH_CONSUMERS "/%s/owners/%s/%d", group, topic, (int)partition);
}

char *zkpath_offset(char *buf, const char *group, const char *topic, int32_t partition)
{
	return zkpath_fmt(buf, ZKPATH_CONSUMERS "/%s/offsets/%s/%d", group, topic, (int)partition);
}
