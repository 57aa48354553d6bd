/*
 * zkjson_admin.c — jansson codecs for the /admin request znodes that carry
 * a body: the controlled-shutdown marker, the preferred replica election
 * plan and the partition reassignment plan (see zkjson_admin.h for the
 * shapes).
 *
 * Why a separate file from zkjson.c: these values are requests to the
 * controller rather than cluster state, and an operator types the plan by
 * hand with zkCli.sh, so its decoder reports exactly which entry is wrong
 * ("preferred replica election: partitions[2]: \"partition\" must be an
 * integer"). Decoding is strict (types, ranges, duplicates) and never aborts
 * on bad input; encoders emit compact JSON with keys in a fixed order.
 *
 * Threads: none of its own; pure functions. Ownership: see zkjson_admin.h.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/zkjson_admin.h"
#include "common/zkjson_int.h"

#define ZKJSON_ADMIN_SHUTDOWN "controlled shutdown marker"
#define ZKJSON_ADMIN_PLAN "preferred replica election"
#define ZKJSON_ADMIN_REASSIGN "partition reassignment"

/* An id field in 0..INT32_MAX; where names the object for errors. */
static int zkjson_admin_get_id(json_t *obj, const char *key, const char *where, int32_t *out,
                               char *errstr, size_t n)
{
	int64_t v;

	if (zkjson_get_int(obj, key, 0, INT32_MAX, where, &v, errstr, n) < 0)
		return -1;
	*out = (int32_t)v;
	return 0;
}

/* ------------------------------------------------- controlled shutdown */

/* Loads a plan's JSON and finds its non-empty "partitions" array: the root
 * (caller releases it with json_decref) and the array's size in *cntp, or
 * NULL with errstr naming what is wrong. */
static json_t *zkjson_admin_plan_load(const char *buf, size_t len, const char *kind, json_t **arrp,
                                      size_t *cntp, char *errstr, size_t n)
{
	json_t *root = zkjson_load(buf, len, kind, errstr, n);
	json_t *arr;

	if (!root)
		return NULL;
	arr = json_object_get(root, "partitions");
	if (!arr)
		snprintf(errstr, n, "%s: missing \"partitions\"", kind);
	else if (!json_is_array(arr))
		snprintf(errstr, n, "%s: \"partitions\" must be an array", kind);
	else if (json_array_size(arr) == 0 || json_array_size(arr) > INT32_MAX)
		snprintf(errstr, n, "%s: \"partitions\" lists no partition", kind);
	else {
		*arrp = arr;
		*cntp = json_array_size(arr);
		return root;
	}
	json_decref(root);
	return NULL;
}

char *zkjson_admin_shutdown_encode(int32_t broker_id, int64_t timestamp)
{
	return zkjson_dump(json_pack("{s:i, s:i, s:o}", "version", 1, "broker",
	                             (json_int_t)broker_id, "timestamp",
	                             zkjson_timestamp_string(timestamp)));
}

int zkjson_admin_shutdown_decode(const char *buf, size_t len, int32_t *broker_idp,
                                 int64_t *timestampp, char *errstr, size_t n)
{
	json_t *root = zkjson_load(buf, len, ZKJSON_ADMIN_SHUTDOWN, errstr, n);
	int rc = -1;

	if (!root)
		return -1;
	if (zkjson_admin_get_id(root, "broker", ZKJSON_ADMIN_SHUTDOWN, broker_idp, errstr, n) < 0 ||
	    zkjson_get_timestamp(root, ZKJSON_ADMIN_SHUTDOWN, timestampp, errstr, n) < 0)
		goto out;
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* ------------------------------------------------- preferred election */

char *zkjson_admin_plan_encode(const zkjson_admin_plan_t *plan)
{
	json_t *root = json_pack("{s:i, s:[]}", "version", 1, "partitions");
	json_t *arr = root ? json_object_get(root, "partitions") : NULL;
	int i;

	for (i = 0; arr && i < plan->cnt; i++) {
		json_t *e = json_pack("{s:s, s:i}", "topic", plan->topics[i], "partition",
		                      (json_int_t)plan->partitions[i]);

		if (!e || json_array_append_new(arr, e) < 0) {
			json_decref(root);
			return NULL;
		}
	}
	return zkjson_dump(root);
}

void zkjson_admin_plan_clear(zkjson_admin_plan_t *plan)
{
	int i;

	for (i = 0; plan->topics && i < plan->cnt; i++)
		free(plan->topics[i]);
	free(plan->topics);
	free(plan->partitions);
	memset(plan, 0, sizeof(*plan));
}

/* The "topic" and "partition" of plan entry e (an object shaped as shape
 * says, for the error): the topic string (owned by e) with *partp, or NULL
 * with errstr. where names the entry. */
static const char *zkjson_admin_entry_head(json_t *e, const char *where, const char *shape,
                                           int32_t *partp, char *errstr, size_t n)
{
	json_t *t;

	if (!json_is_object(e)) {
		snprintf(errstr, n, "%s: expected an object %s", where, shape);
		return NULL;
	}
	t = json_object_get(e, "topic");
	if (!t) {
		snprintf(errstr, n, "%s: missing \"topic\"", where);
		return NULL;
	}
	if (!json_is_string(t) || json_string_length(t) == 0) {
		snprintf(errstr, n, "%s: \"topic\" must be a non-empty string", where);
		return NULL;
	}
	if (zkjson_admin_get_id(e, "partition", where, partp, errstr, n) < 0)
		return NULL;
	return json_string_value(t);
}

/* Decodes entry i of "partitions" into plan (slot i). */
static int zkjson_admin_plan_entry(json_t *e, size_t i, zkjson_admin_plan_t *plan, char *errstr,
                                   size_t n)
{
	char where[64];
	const char *topic;
	size_t j;

	snprintf(where, sizeof(where), "%s: partitions[%zu]", ZKJSON_ADMIN_PLAN, i);
	topic = zkjson_admin_entry_head(e, where, "{\"topic\":..,\"partition\":..}",
	                                &plan->partitions[i], errstr, n);
	if (!topic)
		return -1;
	for (j = 0; j < i; j++)
		if (plan->partitions[j] == plan->partitions[i] && !strcmp(plan->topics[j], topic)) {
			snprintf(errstr, n, "%s: %s-%d is listed twice", ZKJSON_ADMIN_PLAN, topic,
			         (int)plan->partitions[i]);
			return -1;
		}
	if (!(plan->topics[i] = strdup(topic))) {
		snprintf(errstr, n, "%s: out of memory", ZKJSON_ADMIN_PLAN);
		return -1;
	}
	return 0;
}

int zkjson_admin_plan_decode(const char *buf, size_t len, zkjson_admin_plan_t *plan, char *errstr,
                             size_t n)
{
	json_t *arr = NULL;
	size_t i, cnt = 0;
	json_t *root;

	memset(plan, 0, sizeof(*plan));
	root = zkjson_admin_plan_load(buf, len, ZKJSON_ADMIN_PLAN, &arr, &cnt, errstr, n);
	if (!root)
		return -1;
	plan->topics = calloc(cnt, sizeof(*plan->topics));
	plan->partitions = calloc(cnt, sizeof(*plan->partitions));
	if (!plan->topics || !plan->partitions) {
		snprintf(errstr, n, "%s: out of memory", ZKJSON_ADMIN_PLAN);
		goto fail;
	}
	for (i = 0; i < cnt; i++) {
		plan->cnt = (int)i; /* entries 0..i-1 are filled: clear frees them */
		if (zkjson_admin_plan_entry(json_array_get(arr, i), i, plan, errstr, n) < 0)
			goto fail;
	}
	plan->cnt = (int)cnt;
	json_decref(root);
	return 0;
fail:
	zkjson_admin_plan_clear(plan);
	json_decref(root);
	return -1;
}

/* ------------------------------------------------- reassignment */

char *zkjson_reassign_encode(const zkjson_reassign_t *plan)
{
	json_t *root = json_pack("{s:i, s:[]}", "version", 1, "partitions");
	json_t *arr = root ? json_object_get(root, "partitions") : NULL;
	int i, j;

	if (!arr) {
		json_decref(root);
		return NULL;
	}
	for (i = 0; i < plan->cnt; i++) {
		const zkjson_reassign_entry_t *en = &plan->entries[i];
		json_t *reps = json_array();
		json_t *e;

		for (j = 0; reps && j < en->replica_cnt; j++)
			if (json_array_append_new(reps, json_integer(en->replicas[j])) < 0) {
				json_decref(reps);
				reps = NULL;
			}
		e = reps ? json_pack("{s:s, s:i, s:o}", "topic", en->topic, "partition",
		                     (json_int_t)en->partition, "replicas", reps)
		         : NULL;
		if (!e || json_array_append_new(arr, e) < 0) {
			json_decref(root);
			return NULL;
		}
	}
	return zkjson_dump(root);
}

void zkjson_reassign_clear(zkjson_reassign_t *plan)
{
	int i;

	for (i = 0; plan->entries && i < plan->cnt; i++) {
		free(plan->entries[i].topic);
		free(plan->entries[i].replicas);
	}
	free(plan->entries);
	memset(plan, 0, sizeof(*plan));
}

/* Decodes the "replicas" list of entry en (where names it for errors). */
static int zkjson_reassign_replicas(json_t *e, const char *where, zkjson_reassign_entry_t *en,
                                    char *errstr, size_t n)
{
	json_t *r = json_object_get(e, "replicas");
	size_t i, j, cnt;

	if (!r) {
		snprintf(errstr, n, "%s: missing \"replicas\"", where);
		return -1;
	}
	if (!json_is_array(r) || json_array_size(r) == 0) {
		snprintf(errstr, n, "%s: \"replicas\" must be a non-empty array of broker ids",
		         where);
		return -1;
	}
	cnt = json_array_size(r);
	if (cnt > 100000) {
		snprintf(errstr, n, "%s: \"replicas\" lists %zu brokers", where, cnt);
		return -1;
	}
	if (!(en->replicas = calloc(cnt, sizeof(*en->replicas)))) {
		snprintf(errstr, n, "%s: out of memory", where);
		return -1;
	}
	for (i = 0; i < cnt; i++) {
		json_t *v = json_array_get(r, i);
		json_int_t id;

		if (!json_is_integer(v) || (id = json_integer_value(v)) < 0 || id > INT32_MAX) {
			snprintf(errstr, n,
			         "%s: replicas[%zu] must be a broker id (an integer >= 0)", where,
			         i);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (en->replicas[j] == (int32_t)id) {
				snprintf(errstr, n, "%s: \"replicas\" lists broker %d twice", where,
				         (int)id);
				return -1;
			}
		en->replicas[i] = (int32_t)id;
		en->replica_cnt = (int)i + 1;
	}
	return 0;
}

/* Decodes entry i of "partitions" into plan->entries[i]. */
static int zkjson_reassign_entry(json_t *e, size_t i, zkjson_reassign_t *plan, char *errstr,
                                 size_t n)
{
	zkjson_reassign_entry_t *en = &plan->entries[i];
	char where[64];
	const char *topic;
	size_t j;

	snprintf(where, sizeof(where), "%s: partitions[%zu]", ZKJSON_ADMIN_REASSIGN, i);
	topic =
	    zkjson_admin_entry_head(e, where, "{\"topic\":..,\"partition\":..,\"replicas\":[..]}",
	                            &en->partition, errstr, n);
	if (!topic)
		return -1;
	for (j = 0; j < i; j++)
		if (plan->entries[j].partition == en->partition &&
		    !strcmp(plan->entries[j].topic, topic)) {
			snprintf(errstr, n, "%s: %s-%d is listed twice", ZKJSON_ADMIN_REASSIGN,
			         topic, (int)en->partition);
			return -1;
		}
	if (!(en->topic = strdup(topic))) {
		snprintf(errstr, n, "%s: out of memory", ZKJSON_ADMIN_REASSIGN);
		return -1;
	}
	return zkjson_reassign_replicas(e, where, en, errstr, n);
}

int zkjson_reassign_decode(const char *buf, size_t len, zkjson_reassign_t *plan, char *errstr,
                           size_t n)
{
	json_t *arr = NULL;
	size_t i, cnt = 0;
	json_t *root;

	memset(plan, 0, sizeof(*plan));
	root = zkjson_admin_plan_load(buf, len, ZKJSON_ADMIN_REASSIGN, &arr, &cnt, errstr, n);
	if (!root)
		return -1;
	if (!(plan->entries = calloc(cnt, sizeof(*plan->entries)))) {
		snprintf(errstr, n, "%s: out of memory", ZKJSON_ADMIN_REASSIGN);
		goto fail;
	}
	/* Entries are zeroed, so clear frees 0..i whatever step failed. */
	plan->cnt = (int)cnt;
	for (i = 0; i < cnt; i++)
		if (zkjson_reassign_entry(json_array_get(arr, i), i, plan, errstr, n) < 0)
			goto fail;
	json_decref(root);
	return 0;
fail:
	zkjson_reassign_clear(plan);
	json_decref(root);
	return -1;
}
