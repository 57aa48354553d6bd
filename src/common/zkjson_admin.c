/*
 * zkjson_admin.c — jansson codecs for the /admin request znodes that carry
 * a body: the controlled-shutdown marker and the preferred replica election
 * plan (see zkjson_admin.h for the shapes).
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

/* Decodes entry i of "partitions" into plan (slot i). */
static int zkjson_admin_plan_entry(json_t *e, size_t i, zkjson_admin_plan_t *plan,
                                   char *errstr, size_t n)
{
	char where[64];
	json_t *t;
	size_t j;

	snprintf(where, sizeof(where), "%s: partitions[%zu]", ZKJSON_ADMIN_PLAN, i);
	if (!json_is_object(e)) {
		snprintf(errstr, n, "%s: expected an object {\"topic\":..,\"partition\":..}", where);
		return -1;
	}
	t = json_object_get(e, "topic");
	if (!t) {
		snprintf(errstr, n, "%s: missing \"topic\"", where);
		return -1;
	}
	if (!json_is_string(t) || json_string_length(t) == 0) {
		snprintf(errstr, n, "%s: \"topic\" must be a non-empty string", where);
		return -1;
	}
	if (zkjson_admin_get_id(e, "partition", where, &plan->partitions[i], errstr, n) < 0)
		return -1;
	for (j = 0; j < i; j++)
		if (plan->partitions[j] == plan->partitions[i] &&
		    !strcmp(plan->topics[j], json_string_value(t))) {
			snprintf(errstr, n, "%s: %s-%d is listed twice", ZKJSON_ADMIN_PLAN,
			         json_string_value(t), (int)plan->partitions[i]);
			return -1;
		}
	if (!(plan->topics[i] = strdup(json_string_value(t)))) {
		snprintf(errstr, n, "%s: out of memory", ZKJSON_ADMIN_PLAN);
		return -1;
	}
	return 0;
}

int zkjson_admin_plan_decode(const char *buf, size_t len, zkjson_admin_plan_t *plan,
                             char *errstr, size_t n)
{
	json_t *root = zkjson_load(buf, len, ZKJSON_ADMIN_PLAN, errstr, n);
	json_t *arr;
	size_t i, cnt;

	memset(plan, 0, sizeof(*plan));
	if (!root)
		return -1;
	arr = json_object_get(root, "partitions");
	if (!arr) {
		snprintf(errstr, n, "%s: missing \"partitions\"", ZKJSON_ADMIN_PLAN);
		goto fail;
	}
	if (!json_is_array(arr)) {
		snprintf(errstr, n, "%s: \"partitions\" must be an array", ZKJSON_ADMIN_PLAN);
		goto fail;
	}
	cnt = json_array_size(arr);
	if (cnt == 0 || cnt > INT32_MAX) {
		snprintf(errstr, n, "%s: \"partitions\" lists no partition", ZKJSON_ADMIN_PLAN);
		goto fail;
	}
	plan->topics = calloc(cnt, sizeof(*plan->topics));
	plan->partitions = calloc(cnt, sizeof(*plan->partitions));
	if (!plan->topics || !plan->partitions) {
		snprintf(errstr, n, "%s: out of memory", ZKJSON_ADMIN_PLAN);
		goto fail;
	}
	for (i = 0; i < cnt; i++) {
		plan->cnt = (int)i;   /* entries 0..i-1 are filled: clear frees them */
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
