/*
 * fuzz_zkmeta_classify — zkmeta's watch-path classifier (zkmeta_classify,
 * src/common/zkmeta_update.c), which sorts the paths of fired watches into
 * what the incremental pass reads again; a path it does not know must make
 * a full pass (ZKMETA_CH_UNKNOWN), never a read of another znode.
 *
 * Both ways, with the paths fjord watches spelled by src/common/zkpath.c:
 *   - the input as a path: a per-topic kind names a topic (and partition)
 *     whose path, written by zkpath, is the input itself, byte for byte;
 *     the fixed znodes classify as their kinds;
 *   - the input as a topic name (any bytes but '/' and NUL) and a
 *     partition: the topic's, its config's and each state's path classify
 *     back to that topic and partition.
 *
 * FUZZ_OPTIONS: -max_len=1100
 * FUZZ_SOURCES: src/common/zkmeta_update.c src/common/zkpath.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/zkmeta_int.h"
#include "common/zkpath.h"
#include "support.h"

static zkmeta_change_t fuzz_classify(const char *path, const char **topic, size_t *len,
                                     int32_t *part)
{
	*topic = NULL;
	*len = 0;
	*part = -1;
	zkmeta_change_t k = zkmeta_classify(path, topic, len, part);
	FUZZ_CHECK(k >= ZKMETA_CH_HEAD && k <= ZKMETA_CH_UNKNOWN, "kind %d", (int)k);
	if (k == ZKMETA_CH_TOPIC || k == ZKMETA_CH_STATE || k == ZKMETA_CH_CONFIG)
		FUZZ_CHECK(*topic && *topic >= path && *topic + *len <= path + strlen(path) &&
		               *len > 0 && !memchr(*topic, '/', *len),
		           "kind %d of \"%s\" with a bad topic", (int)k, path);
	return k;
}

/* Direction one: the input is the path. */
static void fuzz_path(const char *path)
{
	const char *topic;
	size_t len;
	int32_t part;
	char buf[ZKPATH_MAX], name[ZKPATH_MAX];
	zkmeta_change_t k = fuzz_classify(path, &topic, &len, &part);

	if (len >= sizeof(name))
		return;
	if (topic)
		memcpy(name, topic, len);
	name[len] = '\0';
	switch (k) {
	case ZKMETA_CH_TOPIC:
		FUZZ_CHECK(strcmp(zkpath_topic(buf, name), path) == 0,
		           "\"%s\" read as the topic znode of \"%s\"", path, name);
		break;
	case ZKMETA_CH_CONFIG:
		FUZZ_CHECK(strcmp(zkpath_topic_config(buf, name), path) == 0,
		           "\"%s\" read as the config of \"%s\"", path, name);
		break;
	case ZKMETA_CH_STATE:
		FUZZ_CHECK(part >= 0 && strcmp(zkpath_state(buf, name, part), path) == 0,
		           "\"%s\" read as the state of \"%s\" partition %d", path, name,
		           (int)part);
		break;
	case ZKMETA_CH_HEAD:
		FUZZ_CHECK(!strcmp(path, ZKPATH_CLUSTER_ID) || !strcmp(path, ZKPATH_CONTROLLER) ||
		               !strcmp(path, ZKPATH_CONTROLLER_EPOCH),
		           "\"%s\" read as a head znode", path);
		break;
	case ZKMETA_CH_BROKERS:
		FUZZ_CHECK(!strcmp(path, ZKPATH_BROKER_IDS) ||
		               !strncmp(path, ZKPATH_BROKER_IDS "/", strlen(ZKPATH_BROKER_IDS "/")),
		           "\"%s\" read as the broker list", path);
		break;
	case ZKMETA_CH_SHUTDOWN:
		FUZZ_CHECK(!strcmp(path, ZKPATH_CONTROLLED_SHUTDOWN), "\"%s\" as shutdown", path);
		break;
	case ZKMETA_CH_TOPICS:
		FUZZ_CHECK(!strcmp(path, ZKPATH_TOPICS), "\"%s\" as the topic list", path);
		break;
	case ZKMETA_CH_DELETES:
		FUZZ_CHECK(!strcmp(path, ZKPATH_DELETE_TOPICS), "\"%s\" as deletions", path);
		break;
	case ZKMETA_CH_UNKNOWN:
		break;
	}
}

/* Direction two: the input is a topic name. */
static void fuzz_topic(const char *name, int32_t part)
{
	const char *topic;
	size_t len;
	int32_t p;
	char buf[ZKPATH_MAX];

	if (!*name || strchr(name, '/'))
		return;
	if (*zkpath_state(buf, name, part) == '\0')
		return; /* too long for any path: zkpath writes "" */
	FUZZ_CHECK(fuzz_classify(buf, &topic, &len, &p) == ZKMETA_CH_STATE && p == part &&
	               len == strlen(name) && !memcmp(topic, name, len),
	           "state path \"%s\" not read as partition %d of its topic", buf, (int)part);
	FUZZ_CHECK(fuzz_classify(zkpath_topic(buf, name), &topic, &len, &p) == ZKMETA_CH_TOPIC &&
	               len == strlen(name) && !memcmp(topic, name, len),
	           "topic path \"%s\" not read as its topic", buf);
	FUZZ_CHECK(fuzz_classify(zkpath_topic_config(buf, name), &topic, &len, &p) ==
	                   ZKMETA_CH_CONFIG &&
	               len == strlen(name) && !memcmp(topic, name, len),
	           "config path \"%s\" not read as its topic's", buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_init();
	char *s = fuzz_strndup(data, size);
	fuzz_path(s);
	/* A partition from the input's last bytes: small ones and the largest. */
	int32_t part = 0;
	for (size_t i = size > 4 ? size - 4 : 0; i < size; i++)
		part = (int32_t)(((uint32_t)part << 8) | data[i]);
	fuzz_topic(s, part < 0 ? -(part + 1) : part);
	fuzz_topic(s, 0);
	free(s);
	return 0;
}
