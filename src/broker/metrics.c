/*
 * metrics.c — counters and the /metrics exposition (Prometheus text format
 * 0.0.4). See metrics.h. Loop thread only.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "broker/api.h"
#include "broker/broker.h"
#include "controller/controller.h"
#include "broker/fetch_wait.h"
#include "broker/logdirs.h"
#include "broker/metrics.h"
#include "broker/cleaner.h"
#include "broker/replication/partition.h"
#include "common/bytes.h"
#include "fjord.h"

static const double metrics_bounds[METRICS_HIST_BUCKETS] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};

void metrics_init(metrics_t *m)
{
	memset(m, 0, sizeof(*m));
	m->start_ms = fj_now_ms();
}

static int metrics_slot(Fjord__ApiKey api)
{
	return api > 0 && api < METRICS_API_SLOTS ? (int)api : 0;
}

void metrics_count_request(metrics_t *m, Fjord__ApiKey api)
{
	m->requests[metrics_slot(api)]++;
}

/* The data errors a produce partition can be refused with, slot by slot. */
static const fjord_err_t metrics_produce_refused_codes[METRICS_REFUSED_SLOTS] = {
	FJORD_ERR_CORRUPT_MESSAGE,
	FJORD_ERR_INVALID_RECORD,
	FJORD_ERR_INVALID_TIMESTAMP,
	FJORD_ERR_MESSAGE_TOO_LARGE,
	FJORD_ERR_UNSUPPORTED_COMPRESSION_TYPE,
	FJORD_ERR_RECORD_LIST_TOO_LARGE,
};

void metrics_count_produce_refused(metrics_t *m, int err)
{
	for (int i = 0; i < METRICS_REFUSED_SLOTS; i++)
		if ((int)metrics_produce_refused_codes[i] == err)
			m->produce_refused[i]++;
}

void metrics_observe_request(metrics_t *m, Fjord__ApiKey api, int64_t latency_us, int is_error)
{
	int s = metrics_slot(api), i;
	double secs = (double)latency_us / 1e6;
	metrics_hist_t *h = &m->latency[s];

	if (is_error)
		m->request_errors[s]++;
	for (i = 0; i < METRICS_HIST_BUCKETS; i++)
		if (secs <= metrics_bounds[i]) {
			h->buckets[i]++;
			break;
		}
	h->count++;
	h->sum_s += secs;
}

/* Label value escaping: backslash, double quote and newline. */
static void metrics_label(struct evbuffer *out, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			evbuffer_add_printf(out, "\\%c", *s);
		else if (*s == '\n')
			evbuffer_add(out, "\\n", 2);
		else
			evbuffer_add(out, s, 1);
	}
}

static void metrics_head(struct evbuffer *out, const char *name, const char *type, const char *help)
{
	evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Per log dir: state and error counters (storage/log_dir.h). */
static void metrics_log_dirs(broker_t *b, struct evbuffer *out)
{
	static const struct {
		const char *name, *type, *help;
	} m[] = {
		{ "fjord_log_dir_offline", "gauge",
		  "1 when the log dir failed (a disk error): its partitions are offline here "
		  "until a restart." },
		{ "fjord_log_dir_full", "gauge",
		  "1 while the log dir refuses appends for lack of space." },
		{ "fjord_log_dir_space_errors_total", "counter",
		  "Appends refused because the log dir was full." },
		{ "fjord_log_dir_disk_errors_total", "counter",
		  "Disk errors seen in the log dir (the first one took it offline)." },
	};
	size_t i, k, n = b->lm ? logmgr_dir_count(b->lm) : 0;

	for (k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
		metrics_head(out, m[k].name, m[k].type, m[k].help);
		for (i = 0; i < n; i++) {
			const log_dir_t *ld = logmgr_dir(b->lm, i);
			unsigned long long v = k == 0 ? (unsigned long long)ld->offline
			                       : k == 1
			                           ? (unsigned long long)(ld->full_since_ms >= 0)
			                       : k == 2 ? (unsigned long long)ld->space_errors
			                                : (unsigned long long)ld->disk_errors;
			evbuffer_add_printf(out, "%s{dir=\"", m[k].name);
			metrics_label(out, ld->path);
			evbuffer_add_printf(out, "\"} %llu\n", v);
		}
	}
	metrics_head(out, "fjord_offline_replicas", "gauge",
	             "Partitions this broker cannot host because their log dir failed (as "
	             "written to /brokers/offline_replicas).");
	evbuffer_add_printf(out, "fjord_offline_replicas %d\n", logdirs_offline_replicas(b));
}

typedef struct metrics_parts {
	partition_t **v;
	size_t n, cap;
} metrics_parts_t;

static void metrics_collect(partition_t *p, void *arg)
{
	metrics_parts_t *mp = arg;

	if (mp->n == mp->cap) {
		size_t cap = mp->cap ? mp->cap * 2 : 64;
		partition_t **v = realloc(mp->v, cap * sizeof(*v));
		if (!v)
			return;
		mp->v = v;
		mp->cap = cap;
	}
	mp->v[mp->n++] = p;
}

static int metrics_cmp(const void *a, const void *c)
{
	const partition_t *pa = *(partition_t *const *)a, *pc = *(partition_t *const *)c;
	int r = strcmp(pa->topic, pc->topic);

	return r ? r : (pa->id > pc->id) - (pa->id < pc->id);
}

static void metrics_topic_counter(struct evbuffer *out, const metrics_parts_t *mp, const char *name,
                                  const char *help, size_t field_off)
{
	size_t i = 0;

	metrics_head(out, name, "counter", help);
	while (i < mp->n) {
		const char *topic = mp->v[i]->topic;
		uint64_t sum = 0;
		for (; i < mp->n && strcmp(mp->v[i]->topic, topic) == 0; i++)
			sum += *(const uint64_t *)((const char *)mp->v[i] + field_off);
		evbuffer_add_printf(out, "%s{topic=\"%s\"} %llu\n", name, topic,
		                    (unsigned long long)sum);
	}
}

static void metrics_partition_gauge(struct evbuffer *out, const metrics_parts_t *mp,
                                    const char *name, const char *help,
                                    int64_t (*get)(const plog_t *))
{
	size_t i;

	metrics_head(out, name, "gauge", help);
	for (i = 0; i < mp->n; i++)
		evbuffer_add_printf(out, "%s{topic=\"%s\",partition=\"%d\"} %lld\n", name,
		                    mp->v[i]->topic, mp->v[i]->id, (long long)get(mp->v[i]->log));
}

/* fjord_log_dir_partition_bytes{dir,topic,partition}: each partition's size
 * labelled with the log dir holding it (the parent of its directory), so a
 * scraper (`fjord log dirs`) can add up sizes per dir and per broker. */
static void metrics_partition_dir_bytes(struct evbuffer *out, const metrics_parts_t *mp)
{
	size_t i;

	metrics_head(out, "fjord_log_dir_partition_bytes", "gauge",
	             "Bytes of all segments of a partition, labelled with the log dir holding it.");
	for (i = 0; i < mp->n; i++) {
		const char *pdir = plog_dir(mp->v[i]->log);
		const char *slash = pdir ? strrchr(pdir, '/') : NULL;
		char dir[4096];

		if (!slash)
			continue;
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - pdir), pdir);
		evbuffer_add_printf(out, "fjord_log_dir_partition_bytes{dir=\"");
		metrics_label(out, dir);
		evbuffer_add_printf(out, "\",topic=\"%s\",partition=\"%d\"} %lld\n",
		                    mp->v[i]->topic, mp->v[i]->id,
		                    (long long)plog_size_bytes(mp->v[i]->log));
	}
}

/* The log cleaner (broker/cleaner.h): its counters and each compacted
 * partition's dirty ratio. */
static void metrics_render_cleaner(broker_t *b, struct evbuffer *out, const metrics_parts_t *mp)
{
	const cleaner_pool_stats_t *st = cleaner_pool_stats(b->cleaner);
	int64_t now = fj_now_ms();
	size_t i;

	metrics_head(out, "fjord_log_cleaner_runs_total", "counter",
	             "Compaction passes installed (a pass whose log changed meanwhile is dropped "
	             "and counted in fjord_log_cleaner_runs_dropped_total).");
	evbuffer_add_printf(out, "fjord_log_cleaner_runs_total %llu\n",
	                    (unsigned long long)st->runs);
	metrics_head(out, "fjord_log_cleaner_runs_dropped_total", "counter",
	             "Compaction passes dropped because their log was truncated, shrunk by "
	             "retention or deleted meanwhile.");
	evbuffer_add_printf(out, "fjord_log_cleaner_runs_dropped_total %llu\n",
	                    (unsigned long long)st->runs_dropped);
	metrics_head(out, "fjord_log_cleaner_failures_total", "counter",
	             "Compaction passes that failed (logged; the log is left as it was).");
	evbuffer_add_printf(out, "fjord_log_cleaner_failures_total %llu\n",
	                    (unsigned long long)st->failures);
	metrics_head(out, "fjord_log_cleaner_bytes_read_total", "counter",
	             "Segment bytes the log cleaner read.");
	evbuffer_add_printf(out, "fjord_log_cleaner_bytes_read_total %llu\n",
	                    (unsigned long long)st->bytes_read);
	metrics_head(out, "fjord_log_cleaner_bytes_written_total", "counter",
	             "Cleaned segment bytes the log cleaner wrote.");
	evbuffer_add_printf(out, "fjord_log_cleaner_bytes_written_total %llu\n",
	                    (unsigned long long)st->bytes_written);
	metrics_head(out, "fjord_log_cleaner_records_removed_total", "counter",
	             "Records compaction removed (superseded by a later record of their key, or "
	             "tombstones past delete.retention.ms).");
	evbuffer_add_printf(out, "fjord_log_cleaner_records_removed_total %llu\n",
	                    (unsigned long long)st->records_removed);
	metrics_head(out, "fjord_log_cleaner_dirty_ratio", "gauge",
	             "Compacted partitions: bytes not compacted yet over cleanable bytes; the "
	             "cleaner takes a partition at min.cleanable.dirty.ratio.");
	for (i = 0; i < mp->n; i++) {
		const log_config_t *cfg = plog_config(mp->v[i]->log);
		if (!(cfg->cleanup_policy & LOG_CLEANUP_COMPACT))
			continue;
		evbuffer_add_printf(
		    out, "fjord_log_cleaner_dirty_ratio{topic=\"%s\",partition=\"%d\"} %.4f\n",
		    mp->v[i]->topic, mp->v[i]->id, cleaner_dirty_ratio(mp->v[i]->log, now));
	}
}

/* The connection and request limits (docs/operations.md, "Limits and
 * faults"). */
static void metrics_render_limits(broker_t *b, struct evbuffer *out)
{
	static const char *const errnames[METRICS_ACCEPT_SLOTS] = {
		"EMFILE", "ENFILE", "ENOBUFS", "ENOMEM", "other",
	};
	const metrics_t *m = &b->metrics;
	int i;

	metrics_head(out, "fjord_connections_refused_total", "counter",
	             "Connections closed as soon as accepted, by reason: max_connections_per_ip, "
	             "fd_limit (the broker was out of file descriptors).");
	evbuffer_add_printf(
	    out,
	    "fjord_connections_refused_total{reason=\"max_connections_per_ip\"} %llu\n"
	    "fjord_connections_refused_total{reason=\"fd_limit\"} %llu\n",
	    (unsigned long long)m->conn_refused_per_ip,
	    (unsigned long long)m->conn_refused_fd_limit);
	metrics_head(out, "fjord_connections_evicted_total", "counter",
	             "Least recently active connections closed to make room under "
	             "max.connections for one on the inter-broker listener.");
	evbuffer_add_printf(out, "fjord_connections_evicted_total %llu\n",
	                    (unsigned long long)m->conn_evicted);
	metrics_head(out, "fjord_connections_idle_closed_total", "counter",
	             "Connections closed after connections.max.idle.ms without traffic.");
	evbuffer_add_printf(out, "fjord_connections_idle_closed_total %llu\n",
	                    (unsigned long long)m->conn_idle_closed);
	metrics_head(out, "fjord_sasl_authentications_total", "counter",
	             "SASL logins on SASL_PLAINTEXT/SASL_SSL listeners, by result.");
	evbuffer_add_printf(out,
	                    "fjord_sasl_authentications_total{result=\"ok\"} %llu\n"
	                    "fjord_sasl_authentications_total{result=\"failed\"} %llu\n",
	                    (unsigned long long)m->sasl_logins_ok,
	                    (unsigned long long)m->sasl_logins_failed);
	metrics_head(out, "fjord_sasl_unauthenticated_closed_total", "counter",
	             "Connections on SASL listeners closed before a login: another request "
	             "than ApiVersions/SaslHandshake/SaslAuthenticate, one after a failed "
	             "login, or a frame above sasl.server.max.receive.size.");
	evbuffer_add_printf(out, "fjord_sasl_unauthenticated_closed_total %llu\n",
	                    (unsigned long long)m->sasl_closed_unauthenticated);
	metrics_head(out, "fjord_authorization_denied_total", "counter",
	             "Requests (or topics of a request) the authorizer refused, by resource "
	             "type (authorizer.class.name; docs/security.md).");
	for (i = 0; i < ACL_RES_TYPE_CNT; i++)
		evbuffer_add_printf(out, "fjord_authorization_denied_total{resource=\"%s\"} %llu\n",
		                    acl_res_type_name((acl_res_type_t)i),
		                    (unsigned long long)b->authz.denied[i]);
	metrics_head(out, "fjord_acl_loads_total", "counter",
	             "ACL snapshots read from ZooKeeper's /kafka-acl and applied.");
	evbuffer_add_printf(out, "fjord_acl_loads_total %llu\n",
	                    (unsigned long long)b->authz.acl_loads);
	metrics_head(out, "fjord_tls_handshake_failures_total", "counter",
	             "Connections to an SSL listener closed because the TLS handshake failed.");
	evbuffer_add_printf(out, "fjord_tls_handshake_failures_total %llu\n",
	                    (unsigned long long)m->tls_handshake_failures);
	metrics_head(out, "fjord_connections_paused", "gauge",
	             "Connections not read now, by reason: backpressure (too many responses "
	             "queued), memory (waiting for queued.max.request.bytes).");
	evbuffer_add_printf(out,
	                    "fjord_connections_paused{reason=\"backpressure\"} %d\n"
	                    "fjord_connections_paused{reason=\"memory\"} %d\n",
	                    b->conn_paused_cnt, b->reqmem.wait_cnt);
	metrics_head(out, "fjord_connection_pauses_total", "counter",
	             "Times a connection stopped being read, by reason (as "
	             "fjord_connections_paused).");
	evbuffer_add_printf(out,
	                    "fjord_connection_pauses_total{reason=\"backpressure\"} %llu\n"
	                    "fjord_connection_pauses_total{reason=\"memory\"} %llu\n",
	                    (unsigned long long)m->conn_pauses_backpressure,
	                    (unsigned long long)m->conn_pauses_memory);
	metrics_head(out, "fjord_request_memory_bytes", "gauge",
	             "Bytes claimed by requests still arriving (queued.max.request.bytes).");
	evbuffer_add_printf(out, "fjord_request_memory_bytes %lld\n", (long long)b->reqmem.in_use);
	metrics_head(out, "fjord_request_memory_limit_bytes", "gauge", "queued.max.request.bytes.");
	evbuffer_add_printf(out, "fjord_request_memory_limit_bytes %lld\n",
	                    (long long)b->reqmem.limit);
	metrics_head(out, "fjord_listeners_paused", "gauge",
	             "1 while accepting is paused, by reason: max_connections (every listener "
	             "but a separate inter-broker one), accept_error (a back-off after EMFILE "
	             "and the like).");
	evbuffer_add_printf(out,
	                    "fjord_listeners_paused{reason=\"max_connections\"} %d\n"
	                    "fjord_listeners_paused{reason=\"accept_error\"} %d\n",
	                    b->accept_full, b->accept_backoff);
	metrics_head(out, "fjord_listener_pauses_total", "counter",
	             "Times accepting was paused, by reason (as fjord_listeners_paused).");
	evbuffer_add_printf(out,
	                    "fjord_listener_pauses_total{reason=\"max_connections\"} %llu\n"
	                    "fjord_listener_pauses_total{reason=\"accept_error\"} %llu\n",
	                    (unsigned long long)m->listener_pauses_max_connections,
	                    (unsigned long long)m->listener_pauses_accept_error);
	metrics_head(out, "fjord_accept_errors_total", "counter",
	             "accept() failures on any listener (HTTP included), by errno.");
	for (i = 0; i < METRICS_ACCEPT_SLOTS; i++)
		evbuffer_add_printf(out, "fjord_accept_errors_total{error=\"%s\"} %llu\n",
		                    errnames[i], (unsigned long long)m->accept_errors[i]);
}

void metrics_render(broker_t *b, struct evbuffer *out)
{
	metrics_t *m = &b->metrics;
	metrics_parts_t mp = { NULL, 0, 0 };
	int leaders = 0, under = 0, offline = 0, corrupt = 0;
	size_t i;
	int s, k;

	partition_foreach(b, metrics_collect, &mp);
	if (mp.n)
		qsort(mp.v, mp.n, sizeof(*mp.v), metrics_cmp);
	for (i = 0; i < mp.n; i++) {
		const partition_t *p = mp.v[i];
		corrupt += plog_corrupt_range_count(p->log) > 0;
		if (p->is_leader) {
			leaders++;
			if (p->isr_cnt < p->replica_cnt)
				under++;
		}
	}
	/* Offline partitions are a cluster-wide fact: only the controller
	 * reports them (as Kafka does), from its snapshot, so summing the
	 * gauge over brokers does not count a partition more than once. */
	if (b->is_controller && b->cv) {
		int t, k2;
		for (t = 0; t < b->cv->topic_cnt; t++)
			for (k2 = 0; k2 < b->cv->topics[t].partition_cnt; k2++) {
				const cview_partition_t *cp = &b->cv->topics[t].partitions[k2];
				if (cp->has_state && cp->leader < 0)
					offline++;
			}
	}

	metrics_head(out, "fjord_broker_info", "gauge", "Broker identity (value is always 1).");
	evbuffer_add_printf(out, "fjord_broker_info{broker_id=\"%d\",version=\"%s\",cluster_id=\"",
	                    b->conf.broker_id, FJORD_VERSION_STR);
	metrics_label(out, b->cluster_id);
	evbuffer_add_printf(out, "\"} 1\n");
	metrics_head(out, "fjord_broker_start_time_seconds", "gauge", "Start time (Unix epoch).");
	evbuffer_add_printf(out, "fjord_broker_start_time_seconds %lld\n",
	                    (long long)(m->start_ms / 1000));
	metrics_head(out, "fjord_ready", "gauge",
	             "1 when registered and the first cluster "
	             "snapshot is applied.");
	evbuffer_add_printf(out, "fjord_ready %d\n", broker_ready(b));
	metrics_head(out, "fjord_zookeeper_session_state", "gauge",
	             "ZooKeeper session: 0 connecting, 1 connected, 2 expired, 3 closed.");
	evbuffer_add_printf(out, "fjord_zookeeper_session_state %d\n", (int)b->zk_state);
	metrics_head(out, "fjord_controller", "gauge", "1 while this broker is the controller.");
	evbuffer_add_printf(out, "fjord_controller %d\n", b->is_controller);
	metrics_head(out, "fjord_admin_refused_total", "counter",
	             "Modifications of znodes written by operators or tools that this broker "
	             "refused while controller (each has a marker under /admin/errors).");
	evbuffer_add_printf(out, "fjord_admin_refused_total %llu\n",
	                    (unsigned long long)controller_refused_total());
	metrics_head(out, "fjord_partitions", "gauge", "Partitions replicated on this broker.");
	evbuffer_add_printf(out, "fjord_partitions %zu\n", mp.n);
	metrics_head(out, "fjord_partition_leaders", "gauge", "Partitions led by this broker.");
	evbuffer_add_printf(out, "fjord_partition_leaders %d\n", leaders);
	metrics_head(out, "fjord_under_replicated_partitions", "gauge",
	             "Led partitions whose ISR is smaller than their replica set.");
	evbuffer_add_printf(out, "fjord_under_replicated_partitions %d\n", under);
	metrics_head(out, "fjord_offline_partitions", "gauge",
	             "Partitions of the cluster without a leader (reported by the controller "
	             "only; 0 elsewhere).");
	evbuffer_add_printf(out, "fjord_offline_partitions %d\n", offline);
	metrics_head(out, "fjord_log_corrupt_partitions", "gauge",
	             "Partitions of this broker whose log holds corrupt ranges "
	             "(fjord_log_corrupt_ranges, /health).");
	evbuffer_add_printf(out, "fjord_log_corrupt_partitions %d\n", corrupt);
	metrics_head(out, "fjord_isr_shrinks_total", "counter",
	             "ISR shrinks written by this broker as leader.");
	evbuffer_add_printf(out, "fjord_isr_shrinks_total %llu\n",
	                    (unsigned long long)m->isr_shrinks);
	metrics_head(out, "fjord_isr_expands_total", "counter",
	             "ISR expansions written by this broker as leader.");
	evbuffer_add_printf(out, "fjord_isr_expands_total %llu\n",
	                    (unsigned long long)m->isr_expands);
	metrics_head(out, "fjord_connections", "gauge", "Open client connections.");
	evbuffer_add_printf(out, "fjord_connections %d\n", b->conn_cnt);
	metrics_head(out, "fjord_connections_accepted_total", "counter", "Accepted connections.");
	evbuffer_add_printf(out, "fjord_connections_accepted_total %llu\n",
	                    (unsigned long long)m->connections_total);
	metrics_render_limits(b, out);
	metrics_head(out, "fjord_fetch_waits", "gauge", "Parked long-poll fetches.");
	evbuffer_add_printf(out, "fjord_fetch_waits %d\n", fetch_wait_count(b));
	metrics_head(out, "fjord_background_jobs", "gauge", "Queued fsync and deletion jobs.");
	evbuffer_add_printf(out, "fjord_background_jobs %d\n", b->bg ? bg_pending(b->bg) : 0);
	metrics_head(out, "fjord_fsyncs_total", "counter", "Partition fsyncs completed.");
	evbuffer_add_printf(out, "fjord_fsyncs_total %llu\n", (unsigned long long)m->fsyncs);
	metrics_head(out, "fjord_fsync_errors_total", "counter", "Partition fsyncs that failed.");
	evbuffer_add_printf(out, "fjord_fsync_errors_total %llu\n",
	                    (unsigned long long)m->fsync_errors);

	metrics_log_dirs(b, out);

	metrics_head(out, "fjord_requests_total", "counter", "Requests received per api.");
	for (s = 1; s < METRICS_API_SLOTS; s++)
		if (strcmp(api_name((Fjord__ApiKey)s), "unknown") != 0)
			evbuffer_add_printf(out, "fjord_requests_total{api=\"%s\"} %llu\n",
			                    api_name((Fjord__ApiKey)s),
			                    (unsigned long long)m->requests[s]);
	evbuffer_add_printf(out, "fjord_requests_total{api=\"unknown\"} %llu\n",
	                    (unsigned long long)m->requests[0]);
	metrics_head(out, "fjord_request_errors_total", "counter",
	             "Responses with a request-level error per api.");
	for (s = 0; s < METRICS_API_SLOTS; s++)
		if (s == 0 || strcmp(api_name((Fjord__ApiKey)s), "unknown") != 0)
			evbuffer_add_printf(out, "fjord_request_errors_total{api=\"%s\"} %llu\n",
			                    api_name((Fjord__ApiKey)s),
			                    (unsigned long long)m->request_errors[s]);
	metrics_head(out, "fjord_produce_refused_total", "counter",
	             "Produce partitions refused for their data, per error (nothing of such a "
	             "partition's records is appended).");
	for (s = 0; s < METRICS_REFUSED_SLOTS; s++)
		evbuffer_add_printf(out, "fjord_produce_refused_total{error=\"%s\"} %llu\n",
		                    fjord_err2name(metrics_produce_refused_codes[s]),
		                    (unsigned long long)m->produce_refused[s]);
	metrics_head(out, "fjord_produce_duplicates_total", "counter",
	             "Idempotent produce batches that repeated a stored batch: answered with the "
	             "original offsets, nothing appended.");
	evbuffer_add_printf(out, "fjord_produce_duplicates_total %llu\n",
	                    (unsigned long long)m->produce_duplicates);
	metrics_head(out, "fjord_producer_ids_expired_total", "counter",
	             "Idempotent producers a partition forgot after producer.id.expiration.ms "
	             "without a batch (counted per partition).");
	evbuffer_add_printf(out, "fjord_producer_ids_expired_total %llu\n",
	                    (unsigned long long)m->producer_ids_expired);
	metrics_head(out, "fjord_producer_ids_evicted_total", "counter",
	             "Idempotent producers a partition evicted to stay within "
	             "producer.id.max.per.partition (counted per partition at each retention "
	             "check).");
	evbuffer_add_printf(out, "fjord_producer_ids_evicted_total %llu\n",
	                    (unsigned long long)m->producer_ids_evicted);
	metrics_head(out, "fjord_request_latency_seconds", "histogram",
	             "Time from reading a request to queueing its response.");
	for (s = 0; s < METRICS_API_SLOTS; s++) {
		const metrics_hist_t *h = &m->latency[s];
		const char *name = api_name((Fjord__ApiKey)s);
		uint64_t cum = 0;
		if (s != 0 && strcmp(name, "unknown") == 0)
			continue;
		for (k = 0; k < METRICS_HIST_BUCKETS; k++) {
			cum += h->buckets[k];
			evbuffer_add_printf(
			    out,
			    "fjord_request_latency_seconds_bucket{api=\"%s\",le=\"%g\"} %llu\n",
			    name, metrics_bounds[k], (unsigned long long)cum);
		}
		evbuffer_add_printf(
		    out,
		    "fjord_request_latency_seconds_bucket{api=\"%s\",le=\"+Inf\"} %llu\n"
		    "fjord_request_latency_seconds_sum{api=\"%s\"} %.6f\n"
		    "fjord_request_latency_seconds_count{api=\"%s\"} %llu\n",
		    name, (unsigned long long)h->count, name, h->sum_s, name,
		    (unsigned long long)h->count);
	}

	metrics_topic_counter(out, &mp, "fjord_topic_bytes_in_total",
	                      "Record-batch bytes appended by producers per topic.",
	                      offsetof(partition_t, bytes_in));
	metrics_topic_counter(out, &mp, "fjord_topic_records_in_total",
	                      "Records appended by producers per topic.",
	                      offsetof(partition_t, records_in));
	metrics_topic_counter(out, &mp, "fjord_topic_bytes_out_total",
	                      "Record-batch bytes sent to fetchers per topic.",
	                      offsetof(partition_t, bytes_out));
	metrics_topic_counter(out, &mp, "fjord_topic_records_out_total",
	                      "Records (whole batches) sent to fetchers per topic.",
	                      offsetof(partition_t, records_out));
	metrics_partition_gauge(out, &mp, "fjord_log_size_bytes", "Bytes of all segments.",
	                        plog_size_bytes);
	metrics_partition_dir_bytes(out, &mp);
	metrics_partition_gauge(out, &mp, "fjord_log_end_offset", "Log end offset (LEO).",
	                        plog_log_end_offset);
	metrics_partition_gauge(out, &mp, "fjord_high_watermark", "High watermark (HW).",
	                        plog_high_watermark);
	metrics_partition_gauge(out, &mp, "fjord_log_start_offset", "First readable offset.",
	                        plog_log_start_offset);
	metrics_partition_gauge(out, &mp, "fjord_log_corrupt_ranges",
	                        "Corrupt ranges kept in the log (found by recovery; reads of their "
	                        "offsets get CORRUPT_MESSAGE, the data around them is served).",
	                        plog_corrupt_range_count);
	metrics_partition_gauge(out, &mp, "fjord_log_corrupt_bytes",
	                        "Bytes of the log's corrupt ranges.", plog_corrupt_bytes);
	metrics_render_cleaner(b, out, &mp);
	metrics_head(out, "fjord_replica_fetcher_lag", "gauge",
	             "Followed partitions: the leader's log end offset minus ours at the last "
	             "fetch (records).");
	for (i = 0; i < mp.n; i++)
		if (partition_is_follower(b, mp.v[i]) && mp.v[i]->fetch_lag >= 0)
			evbuffer_add_printf(
			    out, "fjord_replica_fetcher_lag{topic=\"%s\",partition=\"%d\"} %lld\n",
			    mp.v[i]->topic, mp.v[i]->id, (long long)mp.v[i]->fetch_lag);
	free(mp.v);
}
