/*
 * cview.h — an immutable, reference-counted snapshot of cluster metadata:
 * brokers, topics, partition assignments and states, controller, brokers in
 * controlled shutdown.
 *
 * Owner: common core (ZooKeeper side). Built by zkmeta (from ZooKeeper,
 * kept fresh by watches) or by the SDK from a Metadata response. A snapshot
 * never changes after it is published: readers take a reference
 * (cview_ref) and may use it from any thread; writers build a new one and
 * swap it in. That is how ZooKeeper threads hand metadata to the broker's
 * event loop and to SDK threads without sharing mutable state.
 */
#ifndef FJORD_CVIEW_H
#define FJORD_CVIEW_H

#include <stdint.h>

#include "common/endpoint.h"

/* host/port are the endpoint chosen for this snapshot's reader (see
 * cview_broker_select: the broker's inter-broker listener, the SDK's
 * client.listener, ...); "" and 0 when the broker lacks the wanted listener
 * (listener is then NULL). endpoints lists every registered endpoint in the
 * broker's advertised order (empty in snapshots built from a Metadata
 * response: the broker already answered for the listener we reached). */
typedef struct cview_broker {
	int32_t id;
	char *host;
	int port;
	char *rack;     /* NULL: none */
	char *listener; /* name of the endpoint host/port came from */
	int endpoint_cnt;
	endpoint_t *endpoints;
} cview_broker_t;

typedef struct cview_partition {
	int32_t id;
	int replica_cnt;
	int32_t *replicas; /* assignment order; first = preferred leader */
	int has_state;     /* 0: no state znode yet (leader unknown) */
	int32_t leader;    /* -1: none/offline */
	int32_t leader_epoch;
	int isr_cnt;
	int32_t *isr;
	int32_t controller_epoch;
	int32_t state_version; /* ZooKeeper stat version of the state znode */
} cview_partition_t;

typedef struct cview_topic {
	char *name;
	int partition_cnt;
	cview_partition_t *partitions; /* index == partition id */
	int config_cnt;
	char **config_names; /* /config/topics/<t> overrides */
	char **config_values;
	int deleting; /* listed under /admin/delete_topics */
} cview_topic_t;

typedef struct cview {
	int refcnt;               /* atomic */
	int64_t version;          /* increases with every snapshot of a source */
	char *cluster_id;         /* NULL: not known */
	int32_t controller_id;    /* -1: none */
	int32_t controller_epoch; /* -1: not known */
	int broker_cnt;
	cview_broker_t *brokers; /* sorted by id */
	int topic_cnt;
	cview_topic_t *topics; /* sorted by name */
	/* Brokers in controlled shutdown (/admin/controlled_shutdown/<id>):
	 * not eligible as leaders; sorted ascending, no duplicates. */
	int shutting_down_cnt;
	int32_t *shutting_down;
	/* Topics left out because their assignment is refused (malformed, or
	 * removes partitions) and no good version of it was seen: their
	 * partitions are unknown, and a broker must keep their logs. */
	int held_cnt;
	char **held_topics;
} cview_t;

/* An empty snapshot with refcnt 1. */
cview_t *cview_new(void);
cview_t *cview_ref(cview_t *cv); /* atomic increment, returns cv */
void cview_unref(cview_t *cv);   /* frees at zero; NULL is fine */
/* Deep copy with refcnt 1 (to build the next snapshot from the last). */
cview_t *cview_copy(const cview_t *cv);
/* Sorts brokers, topics and the shutting-down list (dropping duplicate ids);
 * call once after building, before publishing. */
void cview_finish(cview_t *cv);
/* Frees what a topic entry holds (not the entry) and zeroes it: for a
 * snapshot under construction that drops a topic it was filling in. */
void cview_topic_clear(cview_topic_t *t);
/* Frees the broker list of a snapshot under construction (empty again). */
void cview_brokers_clear(cview_t *cv);

const cview_topic_t *cview_topic(const cview_t *cv, const char *name);
const cview_partition_t *cview_partition(const cview_t *cv, const char *topic, int32_t partition);
const cview_broker_t *cview_broker(const cview_t *cv, int32_t id);
/* A topic config override, or NULL. */
const char *cview_topic_config(const cview_topic_t *t, const char *name);
int cview_is_replica(const cview_partition_t *p, int32_t broker_id);
int cview_in_isr(const cview_partition_t *p, int32_t broker_id);
/* 1 when broker_id is listed under /admin/controlled_shutdown. */
int cview_is_shutting_down(const cview_t *cv, int32_t broker_id);

/* Fills b->host/port/listener from b->endpoints: the endpoint named
 * listener when listener is non-NULL (none: host "", port 0, listener NULL,
 * returns 1); else, with prefer_loopback, the first endpoint whose host is
 * loopback; else the first endpoint. A broker without endpoints keeps its
 * host/port. Returns 0, 1 (wanted listener missing) or -1 (out of memory).
 * For snapshot builders, before cview_finish(). */
int cview_broker_select(cview_broker_t *b, const char *listener, int prefer_loopback);

#endif /* FJORD_CVIEW_H */
