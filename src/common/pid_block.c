/*
 * pid_block.c — the JSON of /latest_producer_id_block and the conditional
 * allocation of producer-id blocks (see pid_block.h).
 *
 * Threads: the codec is pure; pid_block_allocate makes synchronous
 * ZooKeeper calls on the caller's thread (the broker's zkb worker).
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/numparse.h"
#include "common/pid_block.h"
#include "common/zkacl.h"
#include "common/zkjson_int.h"
#include "common/zkpath.h"
#include "common/zkutil.h"

#define PID_BLOCK_KIND "producer id block"

char *pid_block_encode(const pid_block_t *blk)
{
	char start[24], end[24];
	json_t *root = json_object();

	snprintf(start, sizeof(start), "%" PRId64, blk->block_start);
	snprintf(end, sizeof(end), "%" PRId64, blk->block_end);
	if (!root || json_object_set_new(root, "version", json_integer(1)) < 0 ||
	    json_object_set_new(root, "broker", json_integer(blk->broker)) < 0 ||
	    json_object_set_new(root, "block_start", json_string(start)) < 0 ||
	    json_object_set_new(root, "block_end", json_string(end)) < 0) {
		json_decref(root);
		return NULL;
	}
	return zkjson_dump(root);
}

/* A non-negative id written as a decimal string (Kafka's form). */
static int pid_block_get_id(json_t *root, const char *key, int64_t *out, char *errstr, size_t n)
{
	json_t *v = json_object_get(root, key);
	const char *s = json_string_value(v);

	if (!v) {
		snprintf(errstr, n, PID_BLOCK_KIND ": missing \"%s\"", key);
		return -1;
	}
	/* num_parse_i64 takes a sign; an id is written without one. */
	if (!s || !*s || *s == '-' || *s == '+' || num_parse_i64(s, 0, INT64_MAX, out) < 0) {
		snprintf(errstr, n,
		         PID_BLOCK_KIND ": \"%s\" must be a string of a decimal id 0..%" PRId64,
		         key, INT64_MAX);
		return -1;
	}
	return 0;
}

int pid_block_decode(const char *buf, size_t len, pid_block_t *blk, char *errstr, size_t n)
{
	json_t *root;
	int64_t broker;
	int rc = -1;

	memset(blk, 0, sizeof(*blk));
	root = zkjson_load(buf, len, PID_BLOCK_KIND, errstr, n);
	if (!root)
		return -1;
	/* zkjson_load checks a "version" that is there; this znode must say it. */
	if (!json_object_get(root, "version")) {
		snprintf(errstr, n, PID_BLOCK_KIND ": missing \"version\"");
		goto out;
	}
	if (zkjson_get_int(root, "broker", 0, INT32_MAX, PID_BLOCK_KIND, &broker, errstr, n) < 0 ||
	    pid_block_get_id(root, "block_start", &blk->block_start, errstr, n) < 0 ||
	    pid_block_get_id(root, "block_end", &blk->block_end, errstr, n) < 0)
		goto out;
	if (blk->block_end < blk->block_start) {
		snprintf(errstr, n,
		         PID_BLOCK_KIND ": \"block_end\" %" PRId64
		                        " is before \"block_start\" %" PRId64,
		         blk->block_end, blk->block_start);
		goto out;
	}
	blk->broker = (int32_t)broker;
	rc = 0;
out:
	if (rc < 0)
		memset(blk, 0, sizeof(*blk));
	json_decref(root);
	return rc;
}

/* One try: read, compute the block after the one there, write it if
 * nobody did meanwhile. ZOK, ZBADVERSION / ZNODEEXISTS (lost the race),
 * or another code with errstr. */
static int pid_block_try(zhandle_t *zh, int32_t broker_id, int64_t size, pid_block_t *blk,
                         char *errstr, size_t n)
{
	const char *path = ZKPATH_LATEST_PRODUCER_ID_BLOCK;
	struct Stat st;
	pid_block_t last;
	char *buf = NULL, *val = NULL;
	int len = 0, rc;
	int64_t start = 0;

	rc = zkutil_get(zh, path, NULL, NULL, &buf, &len, &st);
	if (rc == ZOK) {
		if (pid_block_decode(buf, buf ? (size_t)len : 0, &last, errstr, n) < 0) {
			rc = ZAPIERROR;
			goto out;
		}
		if (last.block_end == INT64_MAX) {
			snprintf(errstr, n, "%s: every producer id is handed out", path);
			rc = ZAPIERROR;
			goto out;
		}
		start = last.block_end + 1;
	} else if (rc != ZNONODE) {
		snprintf(errstr, n, "reading %s: %s", path, zkutil_err2str(rc));
		goto out;
	}
	blk->broker = broker_id;
	blk->block_start = start;
	/* The last block may be shorter than size: ids end at INT64_MAX. */
	blk->block_end = start > INT64_MAX - (size - 1) ? INT64_MAX : start + (size - 1);
	if (!(val = pid_block_encode(blk))) {
		snprintf(errstr, n, "out of memory");
		rc = ZSYSTEMERROR;
		goto out;
	}
	if (rc == ZNONODE)
		rc = zoo_create(zh, path, val, (int)strlen(val), zkacl_of(zh, path), 0, NULL, 0);
	else
		rc = zoo_set(zh, path, val, (int)strlen(val), st.version);
	if (rc != ZOK && rc != ZBADVERSION && rc != ZNODEEXISTS)
		snprintf(errstr, n, "writing %s: %s", path, zkutil_err2str(rc));
out:
	free(buf);
	free(val);
	return rc;
}

int pid_block_allocate(zhandle_t *zh, int32_t broker_id, int64_t size, pid_block_t *blk,
                       char *errstr, size_t n)
{
	pid_block_t got;
	int rc = ZBADVERSION;

	if (size < 1) {
		snprintf(errstr, n, "producer id block size %" PRId64 " is below 1", size);
		return ZBADARGUMENTS;
	}
	for (int i = 0; i < PID_BLOCK_RETRIES; i++) {
		rc = pid_block_try(zh, broker_id, size, &got, errstr, n);
		if (rc == ZOK) {
			*blk = got;
			return ZOK;
		}
		if (rc != ZBADVERSION && rc != ZNODEEXISTS)
			return rc;
	}
	snprintf(errstr, n,
	         "%s: another broker wrote it first %d times in a row (too much contention)",
	         ZKPATH_LATEST_PRODUCER_ID_BLOCK, PID_BLOCK_RETRIES);
	return rc;
}
