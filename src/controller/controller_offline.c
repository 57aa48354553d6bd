/*
 * controller_offline.c — replicas on failed log dirs.
 *
 * A broker whose log dir fails keeps running with its other dirs and puts
 * the ephemeral /brokers/offline_replicas/<id> listing the partitions it can
 * no longer host (docs/zookeeper.md). For those partitions the controller
 * treats that broker as dead: it is not eligible to lead, and the ISR
 * filter of controller_next_state drops it, so a leader on the failed dir
 * is replaced by an in-sync replica on another broker (leader_epoch + 1),
 * exactly as when a broker stops. The znode goes with the broker's process
 * (a restart reopens the dir), and the replicas then catch up and rejoin
 * the ISR through their leader, as any returning follower does.
 *
 * Threads: zk_broker's worker thread only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "controller/controller_int.h"
#include "common/flog.h"
#include "common/numparse.h"
#include "common/zkutil.h"

int controller_offline_read(controller_t *c, controller_offline_t *off)
{
	struct String_vector sv = { 0, NULL };
	char path[ZKPATH_MAX], err[256];
	int rc, i, attempt;

	memset(off, 0, sizeof(*off));
	for (attempt = 0; attempt < 3; attempt++) {
		rc = zkutil_children(c->zh, ZKPATH_OFFLINE_REPLICAS, c->watcher, c->watcher_ctx,
		                     &sv);
		if (rc != ZNONODE)
			break;
		/* Created so that the watch has something to watch. */
		rc = zkutil_create_recursive(c->zh, ZKPATH_OFFLINE_REPLICAS, NULL, -1);
		if (rc != ZOK)
			return rc;
	}
	if (rc != ZOK)
		return rc;
	if (sv.count > 0 && !(off->recs = calloc((size_t)sv.count, sizeof(*off->recs)))) {
		deallocate_String_vector(&sv);
		return ZSYSTEMERROR;
	}
	for (i = 0; i < sv.count; i++) {
		zkjson_offline_t *o = &off->recs[off->cnt];
		struct Stat st;
		char *buf = NULL;
		int32_t id;
		int len;

		zkpath_child(path, ZKPATH_OFFLINE_REPLICAS, sv.data[i]);
		if (num_parse_i32(sv.data[i], 0, INT32_MAX, &id) < 0) {
			flog(LOG_WARNING, "controller", "ignoring %s: not a broker id", path);
			continue;
		}
		rc = zkutil_get(c->zh, path, c->watcher, c->watcher_ctx, &buf, &len, &st);
		if (rc == ZNONODE)
			continue; /* the broker has gone; the children watch fires */
		if (rc != ZOK) {
			deallocate_String_vector(&sv);
			controller_offline_clear(off);
			return rc;
		}
		if (zkjson_offline_decode(buf, (size_t)len, o, err, sizeof(err)) < 0) {
			controller_warn_once(c, path, st.mzxid, err);
		} else if (o->broker != id) {
			controller_warn_once(c, path, st.mzxid,
			                     "its \"broker\" differs from its name");
			zkjson_offline_clear(o);
		} else {
			controller_marker_clear(c, path);
			off->cnt++;
		}
		free(buf);
	}
	deallocate_String_vector(&sv);
	return ZOK;
}

void controller_offline_clear(controller_offline_t *off)
{
	for (int i = 0; i < off->cnt; i++)
		zkjson_offline_clear(&off->recs[i]);
	free(off->recs);
	memset(off, 0, sizeof(*off));
}

int controller_offline_filter(const controller_offline_t *off, const controller_ids_t *live,
                              const char *topic, int32_t p, controller_ids_t *out)
{
	int i, any = 0;

	for (i = 0; i < off->cnt && !any; i++)
		any = zkjson_offline_has(&off->recs[i], topic, p);
	if (!any)
		return 0;
	out->cnt = 0;
	out->ids = calloc(live->cnt > 0 ? (size_t)live->cnt : 1, sizeof(int32_t));
	if (!out->ids)
		return -1;
	for (i = 0; i < live->cnt; i++) {
		int j, gone = 0;
		for (j = 0; j < off->cnt && !gone; j++)
			gone = off->recs[j].broker == live->ids[i] &&
			       zkjson_offline_has(&off->recs[j], topic, p);
		if (!gone)
			out->ids[out->cnt++] = live->ids[i];
	}
	return 1;
}
