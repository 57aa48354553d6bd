/*
 * bench_zkmeta.c — what one partition-state change costs a metadata reader
 * (fjordd and every SDK client with zookeeper.connect run one zkmeta).
 *
 *   fjord-bench-zkmeta CONNECT PARTITIONS CHANGES MODE
 *
 * Writes a topic of PARTITIONS partitions (assignment and state znodes)
 * under CONNECT (host:port/chroot), starts a zkmeta on its own session,
 * then CHANGES times moves the leader of one partition (a version-less
 * zoo_set of its state znode, as the controller's election does) and
 * waits until the zkmeta's snapshot shows it. MODE "incremental" is
 * zkmeta as it is; "full" asks for a full re-read with each change
 * (zkmeta_refresh), which is what every change cost before the
 * incremental passes. Prints one JSON line: reads per change (ZooKeeper
 * get/get_children/exists calls, zkmeta_reads) and the time from the write
 * to the new snapshot (median and max, ms). bench/zkmeta runs it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zookeeper/zookeeper.h>

#include "common/bytes.h"
#include "common/cview.h"
#include "common/zkmeta.h"
#include "common/zkpath.h"
#include "common/zkutil.h"

typedef struct leader_want {
	int32_t partition, leader;
} leader_want_t;

static int leader_is(const cview_t *cv, void *arg)
{
	const leader_want_t *w = arg;
	const cview_partition_t *p = cview_partition(cv, "bench", w->partition);
	return p && p->leader == w->leader;
}

static int put(zhandle_t *zh, const char *path, const char *v)
{
	int rc = zoo_set(zh, path, v, (int)strlen(v), -1);
	if (rc == ZNONODE)
		rc = zkutil_create_recursive(zh, path, v, (int)strlen(v));
	if (rc != ZOK)
		fprintf(stderr, "fjord-bench-zkmeta: %s: %s\n", path, zkutil_err2str(rc));
	return rc == ZOK ? 0 : -1;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	char err[256], path[ZKPATH_MAX], state[160];
	zhandle_t *wz, *rz;
	zkmeta_t *zm;
	int parts, changes, full;
	int64_t *us;
	uint64_t reads = 0;

	if (argc != 5 || (strcmp(argv[4], "incremental") && strcmp(argv[4], "full"))) {
		fprintf(stderr,
		        "usage: fjord-bench-zkmeta CONNECT PARTITIONS CHANGES incremental|full\n");
		return 2;
	}
	parts = atoi(argv[2]);
	changes = atoi(argv[3]);
	full = !strcmp(argv[4], "full");
	if (parts < 1 || changes < 1 || !(us = calloc((size_t)changes, sizeof(*us))))
		return 2;
	zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
	wz = zkutil_connect(argv[1], 30000, 10000, 1, NULL, NULL, err, sizeof(err));
	rz = wz ? zkutil_connect(argv[1], 30000, 10000, 1, NULL, NULL, err, sizeof(err)) : NULL;
	if (!wz || !rz) {
		fprintf(stderr, "fjord-bench-zkmeta: %s\n", err);
		return 1;
	}
	/* The topic: replicas [1,2] everywhere, leader 1. */
	size_t cap = 64 + (size_t)parts * 20, off = 0;
	char *assign = malloc(cap);
	if (!assign)
		return 1;
	off += (size_t)snprintf(assign + off, cap - off, "{\"version\":1,\"partitions\":{");
	for (int p = 0; p < parts; p++)
		off += (size_t)snprintf(assign + off, cap - off, "%s\"%d\":[1,2]", p ? "," : "", p);
	snprintf(assign + off, cap - off, "}}");
	if (put(wz, ZKPATH_BROKER_IDS "/1",
	        "{\"version\":1,\"host\":\"127.0.0.1\",\"port\":9092,\"rack\":null,"
	        "\"timestamp\":\"1\"}") < 0 ||
	    put(wz, zkpath_topic(path, "bench"), assign) < 0)
		return 1;
	free(assign);
	for (int p = 0; p < parts; p++)
		if (put(wz, zkpath_state(path, "bench", p),
		        "{\"version\":1,\"leader\":1,\"leader_epoch\":0,\"isr\":[1,2],"
		        "\"controller_epoch\":1}") < 0)
			return 1;
	zm = zkmeta_new(rz, NULL, NULL, err, sizeof(err));
	if (!zm) {
		fprintf(stderr, "fjord-bench-zkmeta: %s\n", err);
		return 1;
	}
	for (int i = 0; i < changes; i++) {
		leader_want_t w = { (int32_t)((i * 7919) % parts), i % 2 ? 1 : 2 };
		uint64_t r0 = zkmeta_reads(zm);
		int64_t t0 = fj_mono_us();

		snprintf(state, sizeof(state),
		         "{\"version\":1,\"leader\":%d,\"leader_epoch\":%d,\"isr\":[%d],"
		         "\"controller_epoch\":1}",
		         (int)w.leader, i + 1, (int)w.leader);
		if (put(wz, zkpath_state(path, "bench", w.partition), state) < 0)
			return 1;
		if (full)
			zkmeta_refresh(zm);
		if (!zkmeta_wait(zm, leader_is, &w, 30000)) {
			fprintf(stderr, "fjord-bench-zkmeta: change %d never showed\n", i);
			return 1;
		}
		us[i] = fj_mono_us() - t0;
		/* A pass the change's own watch started after the refresh counts
		 * too: wait until no read has happened for 100 ms (passes start
		 * 20 ms after their event). */
		for (uint64_t last = zkmeta_reads(zm);;) {
			nanosleep(&(struct timespec){ 0, 100 * 1000000 }, NULL);
			uint64_t now = zkmeta_reads(zm);
			if (now == last)
				break;
			last = now;
		}
		reads += zkmeta_reads(zm) - r0;
	}
	qsort(us, (size_t)changes, sizeof(*us), cmp_i64);
	printf("{\"mode\":\"%s\",\"partitions\":%d,\"changes\":%d,\"reads_per_change\":%.1f,"
	       "\"snapshot_ms_median\":%.2f,\"snapshot_ms_max\":%.2f}\n",
	       argv[4], parts, changes, (double)reads / changes, us[changes / 2] / 1000.0,
	       us[changes - 1] / 1000.0);
	zkmeta_destroy(zm);
	zookeeper_close(rz);
	zookeeper_close(wz);
	free(us);
	return 0;
}
