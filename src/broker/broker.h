/*
 * broker.h — the fjordd broker object: what one running broker owns, and
 * its lifecycle (start-up order, periodic cron, clean shutdown).
 *
 * Thread: every field is owned by the loop thread unless marked. Other
 * threads reach the broker only through loop_post() (ZooKeeper callbacks,
 * bg completions) — see docs/threads.md.
 *
 * Start-up order (broker_start): config is already loaded → logmgr_open
 * (recovery) → bind listeners (client + HTTP) → advertised endpoints and
 * their resolution check → zkb_start, retried while ZooKeeper is
 * unreachable (cluster id check, registration) → write meta.properties when the dirs had none →
 * serve. The first cview snapshot applied makes the broker ready.
 */
#ifndef FJORD_BROKER_BROKER_H
#define FJORD_BROKER_BROKER_H

#include <stdint.h>

#include <event2/event.h>

#include "broker/authz.h"
#include "broker/bg.h"
#include "broker/broker_conf.h"
#include "broker/conn.h"
#include "broker/conn_quota.h"
#include "broker/loop.h"
#include "broker/metrics.h"
#include "broker/producer_ids.h"
#include "broker/reqmem.h"
#include "broker/zk_broker.h"
#include "common/cview.h"
#include "common/endpoint.h"
#include "common/record_validate.h"
#include "common/zkutil.h"

struct conn;
struct partition;
struct fetch_wait;
struct logmgr;
struct evconnlistener;
struct evhttp;
struct replica_fetcher;
struct sasl_users;
struct logdirs;

#define BROKER_PART_BUCKETS 1024

typedef struct broker {
	broker_conf_t conf;
	loop_t *loop;
	bg_t *bg;
	struct cleaner_pool *cleaner; /* log.cleaner.enable (cleaner.h); NULL when off */
	struct logmgr *lm;
	struct logdirs *logdirs; /* full and failed log dirs (logdirs.c) */
	zkb_t *zkb;
	char *cluster_id;

	/* Listeners: bound[i] and adv[i] belong to conf.lsn[i]. */
	struct broker_bound *bound;
	int bound_cnt;
	char *host;      /* first listener's bind host (start-up line) */
	int port;        /* first listener's bound port ("port=" of --ports-file) */
	endpoint_t *adv; /* what each listener advertises (registered in ZooKeeper) */
	int adv_cnt;
	int zk_waiting; /* start-up: ZooKeeper not reached yet (/health not ok) */
	struct evhttp *http;
	char *http_host;
	int http_port;

	/* Accepting (server.c): listeners are on unless held by start-up,
	 * backing off after an accept error, or at max.connections. */
	int accept_held;                 /* server_set_accepting(b, 0) */
	int accept_backoff;              /* paused after EMFILE & co */
	uint64_t fault_produce_cnt;      /* test.fault.produce.drop.response.every */
	int accept_backoff_next_ms;      /* the next pause's length */
	struct event *accept_backoff_ev; /* ends the pause */
	int accept_reserve_fd;           /* spare descriptor for EMFILE; -1 */
	int accept_full;                 /* conn_cnt >= max.connections */
	conn_ratelog_t accept_log;       /* accept errors */
	conn_ratelog_t refuse_log;       /* refused, evicted, held back */
	struct evconnlistener *http_evl; /* evhttp's listener (error back-off) */
	int http_enabled;

	/* Connections (doubly linked) and the ones waiting to be freed. */
	struct conn *conns;
	struct conn *reap;
	struct event *reap_ev;
	int conn_cnt;
	int conn_paused_cnt;     /* paused for back-pressure */
	reqmem_t reqmem;         /* queued.max.request.bytes */
	conn_quota_t quota;      /* connections per address */
	conn_ratelog_t idle_log; /* idle closes */
	conn_ratelog_t tls_log;  /* failed TLS handshakes */
	/* TLS contexts (broker_tls.c): SSL listeners; replication to an SSL
	 * inter-broker listener. NULL when not needed. */
	struct ssl_ctx_st *tls_server, *tls_client;

	/* Partitions this broker replicates, hashed by topic + id. */
	struct partition *parts[BROKER_PART_BUCKETS];
	int part_cnt;

	/* Follower side of replication (replica_fetcher.c). */
	struct replica_fetcher *rf;

	/* Parked long-poll fetches. */
	struct fetch_wait *waits;

	/* Cluster view. */
	cview_t *cv;                  /* latest applied snapshot (one ref) */
	int snapshot_applied;         /* first snapshot applied: ready */
	int orphans_checked;          /* stale logs removed after first snapshot */
	zkutil_seen_t config_refused; /* refused topic configs already logged (loop) */
	zkb_session_state_t zk_state;
	struct sasl_users *sasl_users; /* SASL credentials (one ref); NULL: none read yet */
	int is_controller;
	int32_t controller_epoch;

	/* Cron. */
	struct event *cron_ev;
	int64_t next_retention_ms;
	int64_t next_checkpoint_ms;
	int64_t next_recovery_ckpt_ms;
	struct event *sig_ev[2];
	int shutting_down;
	int exit_status; /* what broker_run returns (0; LOGDIRS_EXIT_ALL_OFFLINE) */
	/* Controlled shutdown (SIGTERM): waiting for leadership to move. */
	int cs_waiting;
	int64_t cs_deadline_ms; /* monotonic */

	metrics_t metrics;
	authz_t authz;              /* authorizer.class.name and the ACL snapshot (authz.c) */
	producer_ids_t pids;        /* InitProducerId's block of ids (producer_ids.c) */
	struct kgroup_mgr *kgroups; /* Kafka clients' groups coordinated here (kafka/kgroup.h) */

	/* Produce: the record validator's decompression buffer, one for all
	 * partitions (loop thread; common/record_validate.h). */
	record_scratch_t produce_scratch;
} broker_t;

/* broker_start() results besides 0 and -1. */
#define BROKER_START_STOPPED 1   /* a signal stopped it while waiting for ZooKeeper */
#define BROKER_START_CONFIG (-2) /* a configuration problem found at start-up */

/* Creates the broker from a loaded configuration (takes the conf's
 * contents). While ZooKeeper is unreachable it keeps retrying (backoff
 * 500 ms doubling to 10 s), serving /health (not ok) and /ready (503) and
 * honouring SIGTERM/SIGINT (then BROKER_START_STOPPED). Returns 0, or -1 /
 * BROKER_START_CONFIG with errstr filled; on failure the caller still calls
 * broker_free(). */
int broker_start(broker_t *b, char *errstr, size_t errstr_size);
/* Runs the loop until a signal asks for shutdown, then shuts down cleanly.
 * Returns the process exit status. */
int broker_run(broker_t *b);
void broker_free(broker_t *b);

/* Loop thread. Clean shutdown: stop fetching and accepting, flush,
 * deregister, stop the loop (logs are closed by broker_free). Idempotent. */
void broker_shutdown(broker_t *b);
/* Loop thread (SIGTERM/SIGINT). Controlled shutdown: when this broker leads
 * partitions another live ISR member could take over, it creates
 * /admin/controlled_shutdown/<id> and keeps serving until the snapshot
 * shows it leads none of them (the controller moves them) or
 * controlled.shutdown.timeout.ms passes; then broker_shutdown(). A second
 * signal shuts down at once. */
void broker_controlled_shutdown(broker_t *b);

/* Ready = registered and first snapshot applied. */
int broker_ready(const broker_t *b);

/* One bound listener (server.c); accepted connections remember idx. */
typedef struct broker_bound {
	struct broker *b;
	int idx; /* index in conf.lsn */
	struct evconnlistener *evl;
	int port;    /* bound port */
	int enabled; /* evl accepting now */
} broker_bound_t;

/* server.c: binds every listener of conf.lsn (bound[i].port gets the bound
 * port; b->host/b->port the first one's); accepting starts at once. 0 or
 * -1 with errstr naming the listener. */
int server_start(broker_t *b, char *errstr, size_t errstr_size);
/* Stops accepting (existing connections stay). */
void server_stop(broker_t *b);
/* Pauses (0) or resumes (1) accepting on every listener (bound sockets
 * stay: connections wait in the backlog); the back-off and
 * max.connections still apply once resumed. */
void server_set_accepting(broker_t *b, int on);
/* Turns each listener on or off from the state above (called when a
 * connection opens or closes, and by the back-off timer). */
void server_update_accepting(broker_t *b);
/* The HTTP listener gets the same accept-error back-off (http.c). */
void server_watch_http(broker_t *b, struct evconnlistener *lev);
/* Cron: logs the count of accept events whose lines were suppressed. */
void server_cron(broker_t *b, int64_t now_mono_ms);

/* http.c: binds http.listener and serves /metrics, /health, /ready on the
 * loop (b->http_port gets the bound port). 0 or -1 with errstr. */
int http_start(broker_t *b, char *errstr, size_t errstr_size);
void http_stop(broker_t *b);

/* The names used in /health and logs. */
const char *broker_zk_state_name(zkb_session_state_t st);

#endif /* FJORD_BROKER_BROKER_H */
