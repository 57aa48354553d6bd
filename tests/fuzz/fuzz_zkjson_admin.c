/*
 * fuzz_zkjson_admin — the decoders of the /admin request znodes
 * (src/common/zkjson_admin.c: controlled-shutdown marker, preferred replica
 * election plan, partition reassignment plan) over arbitrary bytes, and
 * the round trip of what decodes, as in fuzz_zkjson: decode, encode,
 * decode, encode; the decoded values equal, the encodings identical.
 *
 * The first input byte names the kind: 'd' shutdown marker, 'p' preferred
 * election, 'r' reassignment (another byte picks one by its value).
 *
 * FUZZ_OPTIONS: -max_len=16384
 * FUZZ_SOURCES: src/common/zkjson_admin.c
 */
#include <stdlib.h>
#include <string.h>

#include "common/zkjson_admin.h"
#include "support.h"

#define ERRSZ 512

static void fuzz_same_json(const char *kind, char *e1, char *e2)
{
	FUZZ_CHECK(e1 && e2, "%s: an encoder failed", kind);
	FUZZ_CHECK(strcmp(e1, e2) == 0, "%s: encodings differ:\n  %s\n  %s", kind, e1, e2);
	free(e1);
	free(e2);
}

static void fuzz_shutdown(const char *buf, size_t len)
{
	char errstr[ERRSZ];
	int32_t id = -1, id2 = -1;
	int64_t ts = -1, ts2 = -1;

	if (zkjson_admin_shutdown_decode(buf, len, &id, &ts, errstr, sizeof(errstr)) < 0) {
		FUZZ_CHECK(errstr[0], "refused without a message");
		return;
	}
	FUZZ_CHECK(id >= 0 && ts >= 0, "shutdown marker: broker %d timestamp %lld", (int)id,
	           (long long)ts);
	char *e1 = zkjson_admin_shutdown_encode(id, ts);
	FUZZ_CHECK(e1 != NULL, "encode failed");
	FUZZ_CHECK(
	    zkjson_admin_shutdown_decode(e1, strlen(e1), &id2, &ts2, errstr, sizeof(errstr)) == 0,
	    "our own encoding is refused: %s", errstr);
	FUZZ_CHECK(id == id2 && ts == ts2, "shutdown marker changed: %s", e1);
	fuzz_same_json("shutdown marker", e1, zkjson_admin_shutdown_encode(id2, ts2));
}

static void fuzz_plan(const char *buf, size_t len)
{
	char errstr[ERRSZ];
	zkjson_admin_plan_t p, p2;

	if (zkjson_admin_plan_decode(buf, len, &p, errstr, sizeof(errstr)) < 0) {
		FUZZ_CHECK(!p.topics && errstr[0], "refused without a message");
		return;
	}
	FUZZ_CHECK(p.cnt >= 1, "an empty plan accepted");
	char *e1 = zkjson_admin_plan_encode(&p);
	FUZZ_CHECK(e1 != NULL, "encode failed");
	FUZZ_CHECK(zkjson_admin_plan_decode(e1, strlen(e1), &p2, errstr, sizeof(errstr)) == 0,
	           "our own encoding is refused: %s", errstr);
	FUZZ_CHECK(p.cnt == p2.cnt, "entry count changed");
	for (int i = 0; i < p.cnt; i++)
		FUZZ_CHECK(strcmp(p.topics[i], p2.topics[i]) == 0 &&
		               p.partitions[i] == p2.partitions[i],
		           "entry %d changed", i);
	fuzz_same_json("preferred election", e1, zkjson_admin_plan_encode(&p2));
	zkjson_admin_plan_clear(&p);
	zkjson_admin_plan_clear(&p2);
}

static void fuzz_reassign(const char *buf, size_t len)
{
	char errstr[ERRSZ];
	zkjson_reassign_t r, r2;

	if (zkjson_reassign_decode(buf, len, &r, errstr, sizeof(errstr)) < 0) {
		FUZZ_CHECK(!r.entries && errstr[0], "refused without a message");
		return;
	}
	FUZZ_CHECK(r.cnt >= 1, "an empty plan accepted");
	char *e1 = zkjson_reassign_encode(&r);
	FUZZ_CHECK(e1 != NULL, "encode failed");
	FUZZ_CHECK(zkjson_reassign_decode(e1, strlen(e1), &r2, errstr, sizeof(errstr)) == 0,
	           "our own encoding is refused: %s", errstr);
	FUZZ_CHECK(r.cnt == r2.cnt, "entry count changed");
	for (int i = 0; i < r.cnt; i++) {
		const zkjson_reassign_entry_t *a = &r.entries[i], *b = &r2.entries[i];
		FUZZ_CHECK(strcmp(a->topic, b->topic) == 0 && a->partition == b->partition &&
		               a->replica_cnt == b->replica_cnt && a->replica_cnt >= 1 &&
		               memcmp(a->replicas, b->replicas,
		                      (size_t)a->replica_cnt * sizeof(int32_t)) == 0,
		           "entry %d changed", i);
	}
	fuzz_same_json("reassignment", e1, zkjson_reassign_encode(&r2));
	zkjson_reassign_clear(&r);
	zkjson_reassign_clear(&r2);
}

static const struct {
	char tag;
	void (*fn)(const char *buf, size_t len);
} fuzz_kinds[] = {
	{ 'd', fuzz_shutdown },
	{ 'p', fuzz_plan },
	{ 'r', fuzz_reassign },
};
#define FUZZ_KIND_CNT (sizeof(fuzz_kinds) / sizeof(fuzz_kinds[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t k;

	fuzz_init();
	if (size == 0)
		return 0;
	for (k = 0; k < FUZZ_KIND_CNT && fuzz_kinds[k].tag != (char)data[0]; k++)
		;
	if (k == FUZZ_KIND_CNT)
		k = data[0] % FUZZ_KIND_CNT;
	char *copy = (char *)fuzz_memdup(data + 1, size - 1);
	fuzz_kinds[k].fn(copy, size - 1);
	free(copy);
	return 0;
}
