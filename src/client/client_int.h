/*
 * client_int.h — libfjord's internal types, shared by the files of src/client.
 *
 * Threads of one handle (docs/sdk.md has the whole picture):
 *   - application threads call the public API; they never touch I/O-thread
 *     state directly: they post an hop_t to the handle's op queue
 *     (handle_post) which wakes the I/O thread with event_active();
 *   - the I/O thread (handle.c) runs the handle's libevent event_base and
 *     owns the broker connections (bconn.c), the producer's partition queues
 *     (producer.c) and the consumer's fetch state (consumer.c);
 *   - the callback thread (cbq.c) serves delivery reports, error and log
 *     callbacks (or fjord_poll() does, with callback.mode=poll);
 *   - ZooKeeper's own threads run zkmeta's snapshot callback, which only
 *     swaps the published cview under md_lock and wakes the I/O thread;
 *   - the session worker (metadata_zk.c, zookeeper.connect mode) opens the
 *     replacement of an expired session and closes the old one; results
 *     come back to the I/O thread through handle_post.
 * Locks: op_lock (op queue), md_lock (published cview), cbq.lock, the
 * consumer's c_lock (fetched-message queue and positions). None is held
 * while calling application callbacks.
 */
#ifndef FJORD_CLIENT_INT_H
#define FJORD_CLIENT_INT_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/queue.h>

/* glibc's sys/queue.h lacks the _SAFE iterators (BSD has them). */
#ifndef TAILQ_FOREACH_SAFE
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)                                                 \
	for ((var) = TAILQ_FIRST(head); (var) && ((tvar) = TAILQ_NEXT(var, field), 1);             \
	     (var) = (tvar))
#endif
#ifndef LIST_FOREACH_SAFE
#define LIST_FOREACH_SAFE(var, head, field, tvar)                                                  \
	for ((var) = LIST_FIRST(head); (var) && ((tvar) = LIST_NEXT(var, field), 1); (var) = (tvar))
#endif

#include <event2/event.h>
#include <zookeeper/zookeeper.h>

#include "fjord.h"
#include "fjord.pb-c.h"
#include "common/cview.h"
#include "common/zkacl.h"
#include "common/zkmeta.h"
#include "common/flog.h"

#define FJ_LOG_ERR 3
#define FJ_LOG_WARNING 4
#define FJ_LOG_NOTICE 5
#define FJ_LOG_INFO 6
#define FJ_LOG_DEBUG 7

/* ------------------------------------------------------------------ conf */

enum { CB_MODE_BACKGROUND = 0, CB_MODE_POLL = 1 };
enum { PARTITIONER_MURMUR2_RANDOM = 0, PARTITIONER_CONSISTENT_RANDOM = 1, PARTITIONER_RANDOM = 2 };
enum { RESET_EARLIEST = 0, RESET_LATEST = 1, RESET_ERROR = 2 };
/* security.protocol (conf.c's conf_security_protocols order). */
enum {
	CONF_SEC_PLAINTEXT = 0,
	CONF_SEC_SSL = 1,
	CONF_SEC_SASL_PLAINTEXT = 2,
	CONF_SEC_SASL_SSL = 3
};

/* Field values are written by the property table in conf.c. */
typedef struct fj_conf_values {
	char *bootstrap_servers;
	char *zookeeper_connect;
	char *client_listener; /* client.listener; NULL: the default rule (metadata.c) */
	int zk_session_timeout_ms;
	char *zookeeper_auth;      /* zookeeper.auth; NULL: none (common/zkacl.h) */
	int zookeeper_set_acl;     /* zookeeper.set.acl */
	char *zookeeper_admin_acl; /* zookeeper.admin.acl; NULL: none */
	int security_protocol;     /* CONF_SEC_* */
	int sasl_mechanism;        /* sasl.mechanism: a sasl_mech_t (common/sasl.h) */
	char *sasl_username;
	char *sasl_password;
	/* TLS (bconn_tls.c) */
	char *ssl_ca_location;
	char *ssl_certificate_location;
	char *ssl_key_location;
	char *ssl_key_password;
	int ssl_endpoint_identification; /* 0: https, 1: none */
	char *client_id;
	int socket_timeout_ms;
	int reconnect_backoff_ms;
	int metadata_max_age_ms;
	int callback_mode;
	int log_level;
	int statistics_interval_ms; /* stats.c; 0: off */
	char *debug;                /* debug contexts (debug.c) */
	unsigned debug_mask;        /* derived by conf_finish: FJ_DBG_* bits of debug */
	/* producer */
	int acks_idx; /* index into conf_acks_values */
	int acks;     /* derived by conf_finish: -1, 0 or 1 */
	int linger_ms;
	int batch_size;
	int compression_idx;  /* index into conf_compression_values */
	int compression_type; /* derived: rb_codec_t */
	int compression_level;
	int retries;
	int retry_backoff_ms;
	int message_timeout_ms;
	int request_timeout_ms;
	int queue_buffering_max_messages;
	int queue_buffering_max_kbytes;
	int message_max_bytes;
	int max_in_flight;
	int partitioner;
	int enable_idempotence;
	int idempotence;          /* derived by conf_finish: enable.idempotence in effect */
	int idempotence_explicit; /* derived: enable.idempotence=true was set */
	/* consumer */
	char *group_id;
	int auto_offset_reset;
	int enable_partition_eof;
	int fetch_wait_max_ms;
	int fetch_min_bytes;
	int fetch_max_bytes;
	int max_partition_fetch_bytes;
	int queued_max_messages_kbytes;
	int check_crcs;
	/* consumer groups (cgrp*.c) */
	int assignment_strategy; /* index into conf_strategies */
	int enable_auto_commit;
	int auto_commit_interval_ms;
	int session_timeout_ms;
} fj_conf_values_t;

/* Names of partition.assignment.strategy's values, NULL-terminated. */
extern const char *const conf_strategies[];

struct fjord_conf_s {
	fj_conf_values_t v;
	unsigned char *set_flags; /* one per table entry: set explicitly */
	void (*dr_msg_cb)(fjord_t *fj, const fjord_message_t *msg, void *opaque);
	void (*error_cb)(fjord_t *fj, fjord_err_t err, const char *reason, void *opaque);
	void (*log_cb)(const fjord_t *fj, int level, const char *fac, const char *buf);
	void (*rebalance_cb)(fjord_t *fj, fjord_rebalance_event_t ev,
	                     const fjord_topic_partition_list_t *parts, void *opaque);
	void (*commit_cb)(fjord_t *fj, fjord_err_t err, const fjord_topic_partition_list_t *offsets,
	                  void *opaque);
	void (*stats_cb)(fjord_t *fj, const char *json, size_t json_len, void *opaque);
	void *opaque;
};

/* Checks that every explicitly set property applies to handle type `type`.
 * 0, or -1 with errstr naming the property. */
int conf_check_scope(const fjord_conf_t *conf, fjord_type_t type, char *errstr, size_t n);
/* The security settings are complete and served by this build; -1 with errstr. */
int conf_check_security(const fjord_conf_t *conf, char *errstr, size_t n);
/* enable.idempotence=true set explicitly on a producer with a conflicting
 * acks, retries or max.in.flight: -1 with errstr. */
int conf_check_idempotence(const fjord_conf_t *conf, fjord_type_t type, char *errstr, size_t n);
/* Writes the property table as Markdown (docs). */
void conf_write_markdown(FILE *fp);
/* Fills the derived fields (acks, compression_type). */
void conf_finish(fjord_conf_t *conf);

/* stats.c (I/O thread): emits a statistics document when one is due. The
 * parts of it each module fills (I/O thread; they take their own locks): */
struct json_t;
void stats_tick(fjord_t *h, int64_t now);
/* brokers.<name>; adds tx, txbytes, rx, rxbytes into totals[0..3]. */
void bconn_stats_add(fjord_t *h, struct json_t *brokers, uint64_t totals[4]);
/* topics.<t>.partitions.<p> of the consumer's assigned partitions. */
void consumer_stats_add(fjord_t *h, struct json_t *topics);
int consumer_part_cnt(fjord_t *h);
/* the document's "cgrp" object (group consumers). */
void cgrp_stats_add(fjord_t *h, struct json_t *doc);

/* debug.c: the `debug` property's contexts. */
#define FJ_DBG_GENERIC 0x001u
#define FJ_DBG_BROKER 0x002u
#define FJ_DBG_TOPIC 0x004u
#define FJ_DBG_METADATA 0x008u
#define FJ_DBG_PRODUCER 0x010u
#define FJ_DBG_MSG 0x020u
#define FJ_DBG_CONSUMER 0x040u
#define FJ_DBG_CGRP 0x080u
#define FJ_DBG_FETCH 0x100u
#define FJ_DBG_PROTOCOL 0x200u
#define FJ_DBG_SECURITY 0x400u
#define FJ_DBG_ALL 0x7ffu
/* Parses a comma list of contexts into *maskp; -1 with errstr naming the
 * valid contexts on an unknown one. */
int debug_parse(const char *value, unsigned *maskp, char *errstr, size_t errstr_size);
/* The context of a log facility (FJ_DBG_GENERIC for one not listed). */
unsigned debug_fac_ctx(const char *fac);

/* ------------------------------------------------------------------ ops */

typedef struct hop hop_t;
struct hop {
	TAILQ_ENTRY(hop) link;
	void (*run)(fjord_t *h, hop_t *op); /* on the I/O thread; owns op */
};
TAILQ_HEAD(hop_q, hop);

/* A refcounted rendezvous for an app thread waiting on the I/O thread. */
typedef struct hwait {
	int refcnt; /* under lock */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int done;
	fjord_err_t err;
} hwait_t;

hwait_t *hwait_new(void);
void hwait_unref(hwait_t *w);
void hwait_done(hwait_t *w, fjord_err_t err);
/* 1 done, 0 timed out. */
int hwait_wait(hwait_t *w, int timeout_ms);

/* admin.c: the handle can do ZooKeeper-side administration (not NULL, not
 * closed, zookeeper.connect set); else the error, with errstr saying
 * "<what> needs zookeeper.connect ...". */
fjord_err_t admin_zk_ready(fjord_t *fj, const char *what, char *errstr, size_t n);
/* admin_broker.c: fjord_admin_create_topic / delete_topic through a
 * broker's CreateTopics / DeleteTopics (handles without zookeeper.connect).
 * App thread. */
fjord_err_t admin_broker_topic(fjord_t *fj, int is_delete, const char *topic, int32_t partitions,
                               int32_t replication_factor, const char *const *configs,
                               int timeout_ms, char *errstr, size_t errstr_size);

/* ------------------------------------------------------------------ cbq */

typedef struct prec prec_t;
typedef struct cbq_item cbq_item_t;
typedef struct cbq {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	STAILQ_HEAD(, cbq_item) items;
	int stop;
	int busy; /* the callback thread is serving an item */
} cbq_t;

int cbq_init(cbq_t *q);
void cbq_destroy(fjord_t *h, cbq_t *q);
/* Queues delivery reports for a chain of records linked by prec->next
 * (each record carries its outcome). */
void cbq_push_error(fjord_t *h, fjord_err_t err, const char *reason);
void cbq_push_log(fjord_t *h, int level, const char *fac, const char *buf);
/* Queues a call of fn(h, arg) on the callback thread (or fjord_poll). fn owns
 * arg and must free it; it is also called (to free arg) when the queue is
 * destroyed. Returns 0, or -1 when out of memory (fn not called). */
int cbq_push_call(fjord_t *h, void (*fn)(fjord_t *h, void *arg), void *arg);
/* Serves items for up to timeout_ms (0: what is queued now); returns the
 * number served. */
int cbq_serve(fjord_t *h, int timeout_ms);
int cbq_start_thread(fjord_t *h);
void cbq_stop_thread(fjord_t *h);
/* Waits until the queue is empty and not being served; 1 ok, 0 timed out. */
int cbq_wait_empty(fjord_t *h, int timeout_ms);

/* ------------------------------------------------------------------ handle */

typedef struct bconn bconn_t;
typedef struct mdzk mdzk_t;
TAILQ_HEAD(bconn_list, bconn);
typedef struct producer producer_t;
typedef struct consumer consumer_t;

struct fjord_s {
	fjord_type_t type;
	fjord_conf_t *conf;
	const fj_conf_values_t *cv_conf; /* &conf->v */
	char name[96];

	/* I/O thread */
	pthread_t io_thr;
	int io_started;
	struct event_base *base;
	struct event *wake_ev;
	struct event *tick_ev;
	pthread_mutex_t op_lock;
	struct hop_q ops;
	atomic_int io_stop;

	/* callbacks */
	cbq_t cbq;
	pthread_t cb_thr;
	int cb_started;

	/* metadata (metadata.c) */
	pthread_mutex_t md_lock;
	cview_t *md_cv; /* published snapshot, under md_lock */
	zhandle_t *zh;  /* current session; swapped under zk_lock */
	zkmeta_t *zm;
	zkacl_t *zkacl; /* zookeeper.auth and ACL policy of every session of h (metadata_zk.c
	                 * builds it; handle_free frees it after the group's session) */
	flog_target_t log_target; /* common code's lines (zkmeta) -> handle_log_line */
	pthread_rwlock_t zk_lock; /* readers: admin, fjord_metadata; writer: reconnect */
	int zk_mode;              /* zookeeper.connect is the metadata source */
	mdzk_t *zkw;              /* the session worker and reconnect state (metadata_zk.c) */
	int zk_live;              /* h is in zkutil's live set (session watchers) */
	int md_req_inflight;      /* I/O thread: a Metadata request is out */
	int64_t stats_next_ms;    /* I/O thread: when the next statistics document is due */
	int64_t md_next_refresh_ms;
	int64_t md_last_ok_ms;
	int md_refresh_wanted;
	int all_down_reported;
	int zk_prefer_loopback;        /* client.listener unset, zookeeper.connect all loopback */
	int64_t lsn_missing_version;   /* I/O thread: snapshot of the bits below */
	uint64_t lsn_missing_reported; /* bit id%64: "broker lacks client.listener" said */

	/* connections (bconn.c), I/O thread only */
	struct bconn_list conns;
	struct ssl_ctx_st *tls_ctx; /* security.protocol ssl: bconn_tls.c; else NULL */
	int32_t next_corr_id;
	int32_t next_bootstrap_id; /* bootstrap connections use ids < 0 */

	producer_t *p;
	consumer_t *c;
	struct cgrp *cg; /* consumer group (cgrp.c); NULL without group.id */

	atomic_int closed;
	int destroyed;
	/* The last SASL login's refusal (SASL_AUTHENTICATION_FAILED, ...), 0
	 * after a login succeeds: fjord_produce() refuses with it (bsasl.c). */
	atomic_int auth_err;
};

/* Posts an op to the I/O thread (any thread). If the I/O thread is gone
 * the op is freed by calling its run with h->io_stop set: ops must check. */
void handle_post(fjord_t *h, hop_t *op);
void handle_log(fjord_t *h, int level, const char *fac, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* One formatted line to the handle's log path: log_cb (through the callback
 * queue) or stderr with the handle's name; level already checked. Any thread. */
void handle_log_line(fjord_t *h, int level, const char *fac, const char *line);

/* ------------------------------------------------------------------ bconn */

/* TLS under a broker connection (bconn_tls.c). */
struct evbuffer;
typedef struct bconn_tls bconn_tls_t;
/* Builds h->tls_ctx when security.protocol needs TLS. 0, or -1 with errstr. */
int bconn_tls_init(fjord_t *h, char *errstr, size_t n);
void bconn_tls_term(fjord_t *h);
/* TLS client state over the connected socket fd (not owned), verifying
 * host; NULL when out of memory. */
bconn_tls_t *bconn_tls_new(fjord_t *h, int fd, const char *host);
void bconn_tls_free(bconn_tls_t *t);
/* One handshake step: 1 done; 0 in progress (*want_write: wait for the
 * socket to be writable, else readable); -1 failed with why. */
int bconn_tls_handshake(bconn_tls_t *t, int *want_write, char *why, size_t n);
const char *bconn_tls_version(const bconn_tls_t *t);
/* Like recv: bytes appended to in, 0 at the broker's end of stream, -1 with
 * errno EAGAIN (wait for the socket) or another errno and why. */
int bconn_tls_read(bconn_tls_t *t, struct evbuffer *in, char *why, size_t n);
/* Like send, from the head of out (not drained): bytes written, or -1 with
 * errno EAGAIN or another errno and why. */
ssize_t bconn_tls_write(bconn_tls_t *t, struct evbuffer *out, char *why, size_t n);

typedef struct breq breq_t;
/* Response callback: err 0 with resp (decoded header, owned by bconn, valid
 * for the call) and the frame payload; or err != 0 (resp NULL) when the
 * connection failed or the request timed out. req->sent says whether any
 * byte of the request reached the socket. For requests without a response
 * (acks=0) the callback fires once the request is written (resp NULL). */
typedef void(breq_cb)(fjord_t *h, breq_t *req, fjord_err_t err, Fjord__Response *resp,
                      const uint8_t *payload, size_t payload_len);
struct breq {
	TAILQ_ENTRY(breq) link;
	int32_t corr_id;
	int expect_response;
	uint64_t start_pos, end_pos; /* byte positions in the output stream */
	int sent;
	int64_t deadline_ms;
	int64_t sent_us; /* fj_mono_us() when queued (stats: round-trip time) */
	breq_cb *cb;
	void *opaque;
	int32_t broker_id;
};

/* The connection to broker id at host:port, made for the named listener
 * (NULL: bootstrap or unknown; named in connection error messages). */
bconn_t *bconn_get(fjord_t *h, int32_t id, const char *host, int port, const char *listener);
bconn_t *bconn_find(fjord_t *h, int32_t id);
/* Any connection that is up, else any connection (bootstrap first). */
bconn_t *bconn_any(fjord_t *h);
int bconn_is_up(const bconn_t *bc);
int32_t bconn_id(const bconn_t *bc);
int bconn_inflight(const bconn_t *bc);
/* Frames and queues a request (body already set in req_hdr except the
 * correlation id and client id). payload may be NULL. The callback always
 * fires exactly once, later (never inside bconn_send). Returns 0, or -1 on
 * allocation failure (callback not fired). */
/* ------------------------------------------------------------------ bsasl */

/* The SASL login on a connection (bsasl.c), I/O thread. */
typedef struct bsasl bsasl_t;
/* security.protocol is sasl_plaintext or sasl_ssl. */
int bsasl_wanted(const fjord_t *h);
/* Sends SaslHandshake (through bconn_auth_send); NULL on failure. */
bsasl_t *bsasl_start(bconn_t *bc);
void bsasl_free(bsasl_t *s);
/* One response of the login: 0 go on (the next message was sent), 1
 * authenticated, -1 failed with *errp and why (a sentence for the
 * application). */
int bsasl_on_response(bconn_t *bc, bsasl_t *s, const Fjord__Response *resp, fjord_err_t *errp,
                      char *why, size_t whysz);
/* bconn.c for bsasl: the connection's handle, and a login frame written
 * ahead of every held request (not on the request queue). 0 or -1. */
fjord_t *bconn_handle(bconn_t *bc);
int bconn_auth_send(bconn_t *bc, Fjord__Request *req);

int bconn_send(bconn_t *bc, Fjord__Request *req_hdr, const uint8_t *payload, size_t payload_len,
               int expect_response, int timeout_ms, breq_cb *cb, void *opaque);
/* Same for a payload made of several pieces. */
int bconn_sendv(bconn_t *bc, Fjord__Request *req_hdr, const struct iovec *iov, int iovcnt,
                int expect_response, int timeout_ms, breq_cb *cb, void *opaque);
/* Periodic work: connect when due, expire timed-out requests. */
void bconn_tick_all(fjord_t *h, int64_t now);
/* Closes every connection, failing requests with FJORD_ERR__DESTROY. */
void bconn_destroy_all(fjord_t *h);
/* Drops connections to brokers no longer in cv (not bootstrap ones). */
void bconn_prune(fjord_t *h, const cview_t *cv);

/* ------------------------------------------------------------------ metadata */

int metadata_init(fjord_t *h, char *errstr, size_t n); /* app thread, in fjord_new */
void metadata_start(fjord_t *h);                       /* I/O thread */
void metadata_term(fjord_t *h);
/* metadata_zk.c (zookeeper.connect mode): the first session and zkmeta
 * (blocks the caller of fjord_new) and the session worker; the I/O
 * thread's reconnect step (never blocks); stop the worker (cancelling an
 * open in flight) and close every session (after the I/O thread stopped). */
int metadata_zk_open(fjord_t *h, char *errstr, size_t n);
void metadata_zk_tick(fjord_t *h, int64_t now);
void metadata_zk_close(fjord_t *h);
/* zkmeta's snapshot callback (any thread): publishes cv, wakes the I/O thread. */
void metadata_zk_snapshot(cview_t *cv, void *opaque);
/* A reference to the current snapshot (any thread; caller unrefs). */
cview_t *metadata_snapshot(fjord_t *h);
/* I/O thread: ask for fresher metadata soon (after NOT_LEADER, etc.). */
void metadata_refresh(fjord_t *h, const char *reason);
void metadata_tick(fjord_t *h, int64_t now);
/* The bconn of broker `id` in the current snapshot, or NULL. I/O thread. */
bconn_t *metadata_broker_conn(fjord_t *h, const cview_t *cv, int32_t id);
/* I/O thread: checks whether topic exists by a Metadata request; calls
 * cb(h, topic, exists(1/0/-1 unknown, METADATA_TOPIC_DENIED), opaque) later. */
#define METADATA_TOPIC_DENIED (-2) /* TOPIC_AUTHORIZATION_FAILED: may not Describe it */
typedef void(metadata_exists_cb)(fjord_t *h, const char *topic, int exists, void *opaque);
int metadata_check_topic(fjord_t *h, const char *topic, metadata_exists_cb *cb, void *opaque);
/* metadata_conv.c: a cview from a Metadata response; a public deep copy of
 * a cview (one topic, or all when topic is NULL). NULL: out of memory. */
cview_t *metadata_cview_from_response(const Fjord__MetadataResponse *mr);
fjord_metadata_t *metadata_convert(const cview_t *cv, const char *topic);

/* ------------------------------------------------------------------ producer */

/* A broker's error_message, shared by the records of the batch it refused:
 * each record holds one reference until its delivery report is served. */
typedef struct perrtext {
	atomic_int refs;
	char text[];
} perrtext_t;

struct prec {
	prec_t *next;
	char *topic; /* points into this allocation */
	int32_t partition;
	int64_t timestamp;
	void *key;
	size_t key_len;
	void *value;
	size_t value_len;
	fjord_header_t *headers;
	size_t header_cnt;
	void *opaque;
	size_t size;         /* approximate encoded size */
	int64_t enq_us;      /* fj_mono_us() at produce() */
	int64_t deadline_ms; /* message.timeout.ms */
	int retries;
	int possibly; /* was sent at least once */
	/* Idempotence (producer_idem.c): the sequence of the first record of a
	 * batch (-1 until it is first sent) and, on that first record, how many
	 * records the batch has: a retry resends exactly those. */
	int64_t seq;
	int batch_cnt;
	/* outcome */
	fjord_err_t err;
	const char *errstr;  /* static, or errtext->text */
	perrtext_t *errtext; /* a reference, or NULL */
	int64_t offset;
	int64_t ack_timestamp;
	int status;
	int64_t latency_us;
};

int producer_init(fjord_t *h);
void producer_term(fjord_t *h);
void producer_on_metadata(fjord_t *h); /* I/O thread */
void producer_tick(fjord_t *h, int64_t now);
/* I/O thread: fail everything still queued or in flight with err. */
void producer_purge(fjord_t *h, fjord_err_t err);
/* Accounting: a delivery report was served. */
void producer_dr_served(fjord_t *h, prec_t *r);
/* Queues the delivery reports of list (a record chain) for the callback
 * thread; takes the chain. Any thread. */
void producer_dr_push(fjord_t *h, prec_t *list);
size_t producer_outq(fjord_t *h);
/* Records failed with FJORD_ERR__DESTROY by producer_purge(). */
size_t producer_purged(fjord_t *h);
/* I/O thread. *sticky is the topic's sticky partition for null keys (-1:
 * choose a new one); the producer resets it when a batch for it is sent. */
int32_t partitioner_pick(fjord_t *h, int part_cnt, const void *key, size_t key_len,
                         int32_t *sticky);

/* ------------------------------------------------------------------ consumer */

int consumer_init(fjord_t *h);
void consumer_term(fjord_t *h);
void consumer_on_metadata(fjord_t *h);
void consumer_tick(fjord_t *h, int64_t now);
void consumer_stop(fjord_t *h); /* I/O thread */
/* For the consumer group (any thread; take c->lock themselves). */
int consumer_is_manual(fjord_t *h);
/* Starts fetching a partition at offset (absolute, or FJORD_OFFSET_INVALID
 * for auto.offset.reset); 0 or -1 (out of memory). */
int consumer_part_add(fjord_t *h, const char *topic, int32_t partition, int64_t offset);
/* Stops fetching a partition, drops its unpolled records and returns its
 * position (next offset poll would return; FJORD_OFFSET_INVALID if none). */
int64_t consumer_part_remove(fjord_t *h, const char *topic, int32_t partition);
int64_t consumer_part_position(fjord_t *h, const char *topic, int32_t partition);
/* Queues an event message (rebalance, lost) for fjord_consumer_poll(). */
void consumer_group_event(fjord_t *h, const char *topic, int32_t partition, fjord_err_t err,
                          const char *errstr);

/* ------------------------------------------------------------------ cgrp */

/* Consumer groups (cgrp*.c). cgrp_start: in fjord_new when group.id is set
 * (0, or -1 with errstr); cgrp_close: in fjord_close before the I/O thread
 * stops (leaves the group: commits, releases partitions, bounded by
 * timeout_ms); cgrp_term frees. cgrp_on_metadata (I/O thread) tells the
 * group that topics or partition counts may have changed. */
int cgrp_start(fjord_t *h, char *errstr, size_t n);
void cgrp_close(fjord_t *h, int timeout_ms);
void cgrp_term(fjord_t *h);
void cgrp_on_metadata(fjord_t *h);
int cgrp_is_subscribed(fjord_t *h);

/* ------------------------------------------------------------------ offsets */

/* I/O thread: ListOffsets for one partition to its leader; cb gets the
 * offset (or -1) and err. */
typedef void(offsets_cb)(fjord_t *h, fjord_err_t err, int64_t offset, void *opaque);
int offsets_list_one(fjord_t *h, const char *topic, int32_t partition, int64_t ts, offsets_cb *cb,
                     void *opaque);

/* ------------------------------------------------------------------ misc */

char *fj_strdup(const char *s);
void fj_errstr(char *errstr, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif /* FJORD_CLIENT_INT_H */
