/*
 * logdirs.c — the broker's half of log dir faults (see logdirs.h).
 *
 * A dir going offline is noticed inside the storage call that failed (a
 * produce, a follower append, a read, a background fsync's completion), so
 * the callback only marks work and activates an event; the event handler
 * then either stops the broker (no dir left) or writes the offline
 * replicas through the zkb worker. One write is in flight at a time; a
 * failed or superseded one is redone from the cron.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "broker/broker.h"
#include "broker/logdirs.h"
#include "common/bytes.h"
#include "common/flog.h"
#include "common/zkjson.h"
#include "storage/storage.h"

#define LOGDIRS_FAULT_FILE_MAX (64 * 1024)

typedef struct logdirs {
	struct event *ev; /* a dir went offline: act on the loop, outside storage */
	int pending;      /* the offline replicas need (re)writing */
	int inflight;     /* a write is on the zkb worker */
	int published;    /* partitions listed by the last successful write */
	uint64_t failures;
	/* Tests: FJORD_FAULT_FILE and what we last read of it. */
	char *fault_file;
	int fault_seen; /* fault_st is valid */
	struct stat fault_st;
} logdirs_t;

typedef struct logdirs_result {
	broker_t *b;
	int zrc;
	int cnt;
} logdirs_result_t;

/* ------------------------------------------------------------ offline replicas */

typedef struct logdirs_collect {
	zkjson_offline_t *o;
	int cap;
	int oom;
} logdirs_collect_t;

static void logdirs_collect_one(plog_t *log, void *arg)
{
	logdirs_collect_t *c = arg;
	zkjson_offline_t *o = c->o;

	if (!plog_is_offline(log) || c->oom)
		return;
	if (o->cnt == c->cap) {
		int cap = c->cap ? c->cap * 2 : 16;
		char **t = realloc(o->topics, (size_t)cap * sizeof(*t));
		if (t)
			o->topics = t;
		int32_t *p = t ? realloc(o->partitions, (size_t)cap * sizeof(*p)) : NULL;
		if (p)
			o->partitions = p;
		if (!t || !p) {
			c->oom = 1;
			return;
		}
		c->cap = cap;
	}
	o->topics[o->cnt] = strdup(plog_topic(log));
	if (!o->topics[o->cnt]) {
		c->oom = 1;
		return;
	}
	o->partitions[o->cnt++] = plog_partition(log);
}

/* Loop: the zkb write's result. */
static void logdirs_written(void *arg)
{
	logdirs_result_t *r = arg;
	broker_t *b = r->b;
	logdirs_t *l = b->logdirs;

	if (!loop_stopping(b->loop) && l) {
		l->inflight = 0;
		if (r->zrc != 0) {
			flog(LOG_ERR, "logdirs",
			     "cannot write this broker's offline replicas to ZooKeeper (error %d); "
			     "retrying",
			     r->zrc);
			l->pending = 1;
		} else {
			l->published = r->cnt;
			flog(LOG_NOTICE, "logdirs",
			     "told the controller that %d partition(s) are offline on this broker",
			     r->cnt);
		}
	}
	free(r);
}

/* zkb worker thread. */
static void logdirs_done(int zrc, int32_t version, void *arg)
{
	logdirs_result_t *r = arg;

	(void)version;
	r->zrc = zrc;
	if (loop_post(r->b->loop, logdirs_written, r) != 0) {
		flog(LOG_CRIT, "logdirs", "out of memory handing a ZooKeeper result to the loop");
		abort();
	}
}

/* Writes every offline log of this broker to ZooKeeper (loop). */
static void logdirs_publish(broker_t *b)
{
	logdirs_t *l = b->logdirs;
	zkjson_offline_t o;
	logdirs_collect_t c = { &o, 0, 0 };
	logdirs_result_t *r;
	size_t i, n = logmgr_dir_count(b->lm);

	if (!l->pending || l->inflight || !b->zkb)
		return;
	memset(&o, 0, sizeof(o));
	o.broker = b->conf.broker_id;
	o.timestamp = fj_now_ms();
	o.dirs = calloc(n ? n : 1, sizeof(char *));
	r = calloc(1, sizeof(*r));
	if (!o.dirs || !r)
		goto out;
	for (i = 0; i < n; i++) {
		const log_dir_t *ld = logmgr_dir(b->lm, i);
		if (ld->offline && !(o.dirs[o.dir_cnt++] = strdup(ld->path)))
			goto out;
	}
	logmgr_foreach(b->lm, logdirs_collect_one, &c);
	if (c.oom)
		goto out;
	r->b = b;
	r->cnt = o.cnt;
	if (zkb_submit_offline_replicas(b->zkb, &o, logdirs_done, r) != 0)
		goto out;
	r = NULL;
	l->pending = 0;
	l->inflight = 1;
out:
	free(r);
	zkjson_offline_clear(&o);
}

/* Loop, outside any storage call. */
static void logdirs_on_event(evutil_socket_t fd, short what, void *arg)
{
	broker_t *b = arg;

	(void)fd;
	(void)what;
	if (b->shutting_down || !b->lm)
		return;
	if (logmgr_online_dir_count(b->lm) == 0) {
		flog(LOG_CRIT, "logdirs",
		     "every log dir is offline: stopping the broker (exit status %d); its "
		     "partitions are led by other replicas once its ZooKeeper session ends",
		     LOGDIRS_EXIT_ALL_OFFLINE);
		b->exit_status = LOGDIRS_EXIT_ALL_OFFLINE;
		broker_shutdown(b);
		return;
	}
	logdirs_publish(b);
}

/* logmgr's callback, from inside the failing storage call. */
static void logdirs_on_offline(const log_dir_t *ld, void *arg)
{
	broker_t *b = arg;

	(void)ld;
	b->logdirs->failures++;
	b->logdirs->pending = 1;
	event_active(b->logdirs->ev, EV_TIMEOUT, 0);
}

/* ------------------------------------------------------------ fault file */

/* Re-reads FJORD_FAULT_FILE when it appeared, changed or went away. */
static void logdirs_fault_reload(logdirs_t *l)
{
	sio_fault_rule_t rules[SIO_FAULT_MAX];
	struct stat st;
	char errstr[256], *text = NULL;
	ssize_t n;
	int fd, cnt;

	if (stat(l->fault_file, &st) != 0) {
		if (l->fault_seen) {
			sio_fault_set(NULL, 0);
			l->fault_seen = 0;
			flog(LOG_NOTICE, "logdirs", "fault injection: %s is gone, no rule armed",
			     l->fault_file);
		}
		return;
	}
	if (l->fault_seen && st.st_ino == l->fault_st.st_ino && st.st_size == l->fault_st.st_size &&
	    st.st_mtim.tv_sec == l->fault_st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == l->fault_st.st_mtim.tv_nsec)
		return;
	l->fault_st = st;
	l->fault_seen = 1;
	fd = open(l->fault_file, O_RDONLY | O_CLOEXEC);
	text = malloc(LOGDIRS_FAULT_FILE_MAX);
	n = fd >= 0 && text ? read(fd, text, LOGDIRS_FAULT_FILE_MAX) : -1;
	if (fd >= 0)
		close(fd);
	if (n < 0) {
		flog(LOG_ERR, "logdirs", "fault injection: cannot read %s: %s", l->fault_file,
		     strerror(errno));
	} else if ((cnt = sio_fault_parse(text, (size_t)n, rules, SIO_FAULT_MAX, errstr,
	                                  sizeof(errstr))) < 0) {
		flog(LOG_ERR, "logdirs", "fault injection: %s: %s (rules unchanged)", l->fault_file,
		     errstr);
	} else {
		sio_fault_set(rules, (size_t)cnt);
		flog(LOG_WARNING, "logdirs", "fault injection: %d rule(s) armed from %s", cnt,
		     l->fault_file);
	}
	free(text);
}

/* ------------------------------------------------------------ lifecycle */

int logdirs_start(broker_t *b)
{
	const char *ff = getenv("FJORD_FAULT_FILE");
	logdirs_t *l = calloc(1, sizeof(*l));

	if (!l)
		return -1;
	l->ev = event_new(loop_base(b->loop), -1, 0, logdirs_on_event, b);
	if (!l->ev || (ff && *ff && !(l->fault_file = strdup(ff)))) {
		if (l->ev)
			event_free(l->ev);
		free(l);
		return -1;
	}
	b->logdirs = l;
	logmgr_set_offline_cb(b->lm, logdirs_on_offline, b);
	if (l->fault_file) {
		flog(LOG_WARNING, "logdirs",
		     "FJORD_FAULT_FILE is set: storage faults are injected from %s (tests only)",
		     l->fault_file);
		logdirs_fault_reload(l);
	}
	return 0;
}

void logdirs_cron(broker_t *b)
{
	logdirs_t *l = b->logdirs;

	if (!l)
		return;
	if (l->fault_file)
		logdirs_fault_reload(l);
	if (l->pending)
		logdirs_publish(b);
}

void logdirs_stop(broker_t *b)
{
	logdirs_t *l = b->logdirs;

	if (!l)
		return;
	if (b->lm)
		logmgr_set_offline_cb(b->lm, NULL, NULL);
	event_free(l->ev);
	free(l->fault_file);
	free(l);
	b->logdirs = NULL;
}

/* ------------------------------------------------------------ reporting */

void logdirs_health_json(broker_t *b, struct evbuffer *out)
{
	json_t *arr = json_array();
	char *s = NULL;
	size_t i, n = b->lm ? logmgr_dir_count(b->lm) : 0;

	for (i = 0; arr && i < n; i++) {
		const log_dir_t *ld = logmgr_dir(b->lm, i);
		json_t *o =
		    json_pack("{s:s, s:s}", "path", ld->path, "state", log_dir_state_name(ld));
		if (o && ld->offline)
			json_object_set_new(o, "error",
			                    json_sprintf("%s: %s",
			                                 ld->err_what ? ld->err_what : "?",
			                                 strerror(ld->err)));
		if (o && ld->full_since_ms >= 0)
			json_object_set_new(o, "full_since_ms", json_integer(ld->full_since_ms));
		if (!o || json_array_append_new(arr, o) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	if (arr)
		s = json_dumps(arr, JSON_COMPACT);
	evbuffer_add_printf(out, ",\"log_dirs\":%s", s ? s : "[]");
	free(s);
	json_decref(arr);
}

int logdirs_offline_replicas(const broker_t *b)
{
	return b->logdirs ? b->logdirs->published : 0;
}
