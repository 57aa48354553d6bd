/*
 * 0080-named-listeners — Kafka-style named listeners against real
 * ZooKeeper and real brokers.
 *
 * t0080_listeners: three brokers, each with INTERNAL://127.0.0.1:0 and
 * EXTERNAL://127.0.0.2:0 (Linux routes all of 127/8 to lo), replicating
 * over inter.broker.listener.name=INTERNAL. The znode lists both endpoints
 * and the protocol map (read with zkCli); an RF=3 topic gets its whole ISR
 * and the followers' fetch connections go to INTERNAL addresses only;
 * a client with client.listener=EXTERNAL produces and consumes and sees
 * 127.0.0.2 addresses in fjord_metadata(), INTERNAL sees 127.0.0.1; NOPE
 * gets an error naming the broker, the listener and the listeners it has;
 * bootstrap.servers through an EXTERNAL address answers with EXTERNAL
 * addresses (and through INTERNAL with INTERNAL ones).
 * t0080_config_errors: each listener misconfiguration exits (status 2)
 * with a message naming the problem, including an inter-broker listener
 * whose advertised host does not resolve.
 * t0080_unresolved_external: an EXTERNAL host that does not resolve is
 * named in the log and the broker starts anyway.
 * t0080_wait_for_zookeeper: a broker started while its ZooKeeper is down
 * keeps retrying (log line, /health 503) and registers once ZooKeeper is
 * reachable (a TCP relay to the shared ZooKeeper opened late); a second one
 * stops cleanly on SIGTERM while waiting.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness_int.h"
#include "test.h"

#define T0080_MSGS 200
#define T0080_EXTRA                                                                                \
	"listeners=INTERNAL://127.0.0.1:0,EXTERNAL://127.0.0.2:0\n"                                \
	"advertised.listeners=EXTERNAL://127.0.0.2:0\n"                                            \
	"inter.broker.listener.name=INTERNAL\n"

/* The JSON line of zkCli's `get` output. */
static json_t *t0080_zk_get_json(test_cluster_t *c, const char *path)
{
	char cmd[300];
	int st = -1;
	json_error_t jerr;

	snprintf(cmd, sizeof(cmd), "get %s", path);
	char *out = test_zkcli(c, cmd, &st);
	ck_assert_ptr_nonnull(out);
	char *line = NULL;
	for (char *p = strtok(out, "\n"); p; p = strtok(NULL, "\n"))
		if (*p == '{')
			line = p;
	ck_assert_msg(line, "zkCli get %s: no JSON in its output (exit %d)", path, st);
	json_t *js = json_loads(line, 0, &jerr);
	ck_assert_msg(js, "zkCli get %s: unreadable JSON '%s': %s", path, line, jerr.text);
	free(out);
	return js;
}

/* Every broker of md is at want_host on the port of listener name. */
static void t0080_check_hosts(test_cluster_t *c, const fjord_metadata_t *md, const char *want_host,
                              const char *name, const char *how)
{
	ck_assert_int_eq(md->broker_cnt, c->broker_cnt);
	for (int i = 0; i < md->broker_cnt; i++) {
		int k;
		for (k = 0; k < c->broker_cnt && c->brokers[k].id != md->brokers[i].id; k++)
			;
		ck_assert_int_lt(k, c->broker_cnt);
		test_say("%s: broker %d at %s:%d", how, (int)md->brokers[i].id, md->brokers[i].host,
		         md->brokers[i].port);
		ck_assert_str_eq(md->brokers[i].host, want_host);
		ck_assert_int_eq(md->brokers[i].port, test_listener_port(c, k, name));
	}
}

static fjord_metadata_t *t0080_metadata(fjord_t *fj, const char *topic)
{
	fjord_metadata_t *md = NULL;
	fjord_err_t err = fjord_metadata(fj, topic, &md, 20000);

	ck_assert_msg(err == FJORD_ERR_NO_ERROR, "fjord_metadata: %s", fjord_err2name(err));
	return md;
}

typedef struct t0080_isr {
	test_cluster_t *c;
	const char *topic;
} t0080_isr_t;

/* Every partition has all three replicas in its ISR. */
static int t0080_full_isr(void *arg)
{
	t0080_isr_t *w = arg;
	fjord_t *fj = test_producer_new(w->c, NULL);
	fjord_metadata_t *md = NULL;
	int ok = 0;

	if (fjord_metadata(fj, w->topic, &md, 10000) == FJORD_ERR_NO_ERROR && md->topic_cnt == 1) {
		ok = md->topics[0].partition_cnt > 0;
		for (int p = 0; p < md->topics[0].partition_cnt; p++)
			if (md->topics[0].partitions[p].isr_cnt != 3)
				ok = 0;
	}
	if (md)
		fjord_metadata_destroy(md);
	fjord_destroy(fj);
	return ok;
}

/* Errors reported through error_cb, collected for the NOPE check. */
typedef struct t0080_errs {
	pthread_mutex_t lock;
	char text[4096];
	int dr_cnt;
	fjord_err_t dr_err;
} t0080_errs_t;

static void t0080_on_dr(fjord_t *fj, const fjord_message_t *msg, void *opaque)
{
	t0080_errs_t *e = opaque;

	(void)fj;
	pthread_mutex_lock(&e->lock);
	e->dr_cnt++;
	e->dr_err = msg->err;
	pthread_mutex_unlock(&e->lock);
}

static void t0080_on_error(fjord_t *fj, fjord_err_t err, const char *reason, void *opaque)
{
	t0080_errs_t *e = opaque;
	size_t n;

	(void)fj;
	pthread_mutex_lock(&e->lock);
	n = strlen(e->text);
	snprintf(e->text + n, sizeof(e->text) - n, "%s: %s\n", fjord_err2name(err), reason);
	pthread_mutex_unlock(&e->lock);
}

static int t0080_errs_have(void *arg)
{
	t0080_errs_t *e = arg;
	int yes;

	pthread_mutex_lock(&e->lock);
	yes = strstr(e->text, "has no listener NOPE") != NULL;
	pthread_mutex_unlock(&e->lock);
	return yes;
}

START_TEST(t0080_listeners)
{
	test_cluster_t *c = test_cluster_new(3, T0080_EXTRA);
	const char *topic = test_topic_name("listeners");
	char path[64], bootstrap[64], errstr[512];

	/* The znodes: both endpoints, in advertised order, plus the map. */
	for (int i = 0; i < c->broker_cnt; i++) {
		char want_int[64], want_ext[64];
		snprintf(path, sizeof(path), "/brokers/ids/%d", c->brokers[i].id);
		json_t *js = t0080_zk_get_json(c, path);
		char *dump = json_dumps(js, JSON_COMPACT);
		test_say("%s = %s", path, dump);
		free(dump);
		snprintf(want_int, sizeof(want_int), "INTERNAL://127.0.0.1:%d",
		         test_listener_port(c, i, "INTERNAL"));
		snprintf(want_ext, sizeof(want_ext), "EXTERNAL://127.0.0.2:%d",
		         test_listener_port(c, i, "EXTERNAL"));
		json_t *eps = json_object_get(js, "endpoints");
		ck_assert_int_eq(json_array_size(eps), 2);
		ck_assert_str_eq(json_string_value(json_array_get(eps, 0)), want_int);
		ck_assert_str_eq(json_string_value(json_array_get(eps, 1)), want_ext);
		/* host/port are the inter-broker listener's. */
		ck_assert_str_eq(json_string_value(json_object_get(js, "host")), "127.0.0.1");
		ck_assert_int_eq(json_integer_value(json_object_get(js, "port")),
		                 test_listener_port(c, i, "INTERNAL"));
		json_t *map = json_object_get(js, "listener_security_protocol_map");
		ck_assert_str_eq(json_string_value(json_object_get(map, "INTERNAL")), "PLAINTEXT");
		ck_assert_str_eq(json_string_value(json_object_get(map, "EXTERNAL")), "PLAINTEXT");
		json_decref(js);
	}

	/* Replication over INTERNAL: an RF=3 topic gets all three in ISR once
	 * records flow, produced and consumed through EXTERNAL. */
	test_create_topic(c, topic, 2, 3);
	test_produce_msgs_conf(c, topic, -1, T0080_MSGS, 50, "client.listener", "EXTERNAL", "acks",
	                       "all", NULL);
	t0080_isr_t w = { c, topic };
	ck_assert_msg(test_wait_until(t0080_full_isr, &w, 60000),
	              "the ISR of %s never reached 3 replicas", topic);

	/* Followers fetched from the leaders' INTERNAL address, never EXTERNAL. */
	int internal_fetchers = 0;
	for (int i = 0; i < c->broker_cnt; i++) {
		char logpath[700];
		ck_assert(harness_path(logpath, sizeof(logpath), "%s/broker-%d/broker.log", c->dir,
		                       c->brokers[i].id) == 0);
		char *text = harness_read_file(logpath, NULL);
		ck_assert_ptr_nonnull(text);
		for (char *p = text; (p = strstr(p, "connected to leader broker")) != NULL; p++) {
			char *eol = strchr(p, '\n');
			ck_assert_msg(
			    !memmem(p, eol ? (size_t)(eol - p) : strlen(p), "127.0.0.2", 9),
			    "broker %d replicates through EXTERNAL: %.120s", c->brokers[i].id, p);
			internal_fetchers++;
		}
		free(text);
	}
	ck_assert_int_gt(internal_fetchers, 0);

	fjord_t *cons = test_consumer_new(c, "client.listener", "EXTERNAL", "auto.offset.reset",
	                                  "earliest", NULL);
	fjord_topic_partition_list_t *parts = fjord_topic_partition_list_new(2);
	fjord_topic_partition_list_add(parts, topic, 0)->offset = FJORD_OFFSET_BEGINNING;
	fjord_topic_partition_list_add(parts, topic, 1)->offset = FJORD_OFFSET_BEGINNING;
	ck_assert_int_eq(fjord_assign(cons, parts), FJORD_ERR_NO_ERROR);
	fjord_topic_partition_list_destroy(parts);
	test_msgver_t *mv = test_msgver_new(2);
	int64_t deadline = test_now_ms() + (int64_t)(60000 * test_timeout_multiplier());
	while (test_msgver_cnt(mv) < T0080_MSGS && test_now_ms() < deadline) {
		fjord_message_t *m = fjord_consumer_poll(cons, 200);
		if (!m)
			continue;
		if (m->err == FJORD_ERR_NO_ERROR)
			test_msgver_add(mv, m);
		fjord_message_destroy(m);
	}
	test_msgver_verify(mv, "consumed through EXTERNAL", T0080_MSGS);
	fjord_metadata_t *md = t0080_metadata(cons, topic);
	t0080_check_hosts(c, md, "127.0.0.2", "EXTERNAL", "client.listener=EXTERNAL");
	fjord_metadata_destroy(md);
	fjord_destroy(cons);

	fjord_t *fj = test_producer_new(c, "client.listener", "internal", NULL);
	md = t0080_metadata(fj, topic);
	t0080_check_hosts(c, md, "127.0.0.1", "INTERNAL", "client.listener=internal");
	fjord_metadata_destroy(md);
	fjord_destroy(fj);

	/* A listener no broker has: a clear error, records cannot go out. */
	t0080_errs_t errs;
	memset(&errs, 0, sizeof(errs));
	pthread_mutex_init(&errs.lock, NULL);
	fjord_conf_t *conf =
	    test_conf(c, "client.listener", "NOPE", "message.timeout.ms", "3000", NULL);
	fjord_conf_set_error_cb(conf, t0080_on_error);
	fjord_conf_set_dr_msg_cb(conf, t0080_on_dr);
	fjord_conf_set_opaque(conf, &errs);
	fj = fjord_new(FJORD_PRODUCER, conf, errstr, sizeof(errstr));
	ck_assert_msg(fj, "fjord_new: %s", errstr);
	ck_assert_int_eq(fjord_produce(fj, topic, 0, "k", 1, "v", 1, NULL, 0, 0, NULL),
	                 FJORD_ERR_NO_ERROR);
	ck_assert_msg(test_wait_until(t0080_errs_have, &errs, 30000),
	              "no error about the missing listener; got: %s", errs.text);
	pthread_mutex_lock(&errs.lock);
	test_say("client.listener=NOPE: %s", errs.text);
	ck_assert_msg(strstr(errs.text, "it advertises: INTERNAL, EXTERNAL"),
	              "the error does not list the broker's listeners: %s", errs.text);
	pthread_mutex_unlock(&errs.lock);
	fjord_flush(fj, 20000);
	pthread_mutex_lock(&errs.lock);
	ck_assert_int_eq(errs.dr_cnt, 1);
	test_say("delivery report through NOPE: %s", fjord_err2name(errs.dr_err));
	ck_assert_int_ne(errs.dr_err, FJORD_ERR_NO_ERROR);
	pthread_mutex_unlock(&errs.lock);
	fjord_destroy(fj);
	pthread_mutex_destroy(&errs.lock);

	/* bootstrap.servers: the broker answers for the listener reached. */
	const char *how[2] = { "EXTERNAL", "INTERNAL" };
	const char *host[2] = { "127.0.0.2", "127.0.0.1" };
	for (int k = 0; k < 2; k++) {
		conf = fjord_conf_new();
		snprintf(bootstrap, sizeof(bootstrap), "%s:%d", host[k],
		         test_listener_port(c, 1, how[k]));
		ck_assert(fjord_conf_set(conf, "bootstrap.servers", bootstrap, errstr,
		                         sizeof(errstr)) == FJORD_CONF_OK);
		fj = fjord_new(FJORD_PRODUCER, conf, errstr, sizeof(errstr));
		ck_assert_msg(fj, "fjord_new: %s", errstr);
		md = t0080_metadata(fj, topic);
		t0080_check_hosts(c, md, host[k], how[k], bootstrap);
		fjord_metadata_destroy(md);
		fjord_destroy(fj);
	}
	test_cluster_destroy(c);
}
END_TEST

/* Writes a props file on c's chroot with the given listener lines. */
static const char *t0080_props(test_cluster_t *c, const char *name, const char *extra)
{
	static char path[700];
	char *text = NULL;

	ck_assert(harness_path(path, sizeof(path), "%s/%s.properties", test_tmpdir(), name) == 0);
	ck_assert(asprintf(&text,
	                   "broker.id=41\nlog.dirs=%s/%s-data\nzookeeper.connect=%s\n"
	                   "http.listener=127.0.0.1:0\n%s",
	                   test_tmpdir(), name, c->zk_connect, extra) > 0);
	ck_assert(harness_write_file(path, text) == 0);
	free(text);
	return path;
}

START_TEST(t0080_config_errors)
{
	static const struct {
		const char *name, *extra, *want;
	} cases[] = {
		{ "unknown-adv",
		  "listeners=INTERNAL://127.0.0.1:0\nadvertised.listeners=EXTERNAL://h:1\n",
		  "listener EXTERNAL is not in listeners (INTERNAL)" },
		{ "duplicate", "listeners=A://127.0.0.1:0,a://127.0.0.1:0\n",
		  "listener name A is used twice" },
		{ "same-port", "listeners=A://127.0.0.1:19999,B://127.0.0.2:19999\n",
		  "A and B both use port 19999" },
		{ "unknown-protocol",
		  "listeners=INTERNAL://127.0.0.1:0,EXTERNAL://127.0.0.2:0\n"
		  "listener.security.protocol.map=INTERNAL:PLAINTEXT,EXTERNAL:TLS\n",
		  "listener EXTERNAL maps to \"TLS\" (expected PLAINTEXT, SSL, SASL_PLAINTEXT or "
		  "SASL_SSL)" },
		{ "map-unknown",
		  "listeners=INTERNAL://127.0.0.1:0\n"
		  "listener.security.protocol.map=INTERNAL:PLAINTEXT,OTHER:PLAINTEXT\n",
		  "\"OTHER:PLAINTEXT\" names no listener" },
		{ "ibl", "listeners=INTERNAL://127.0.0.1:0\ninter.broker.listener.name=NOPE\n",
		  "inter.broker.listener.name: \"NOPE\" is not a listener (listeners: INTERNAL)" },
		{ "wildcard-adv",
		  "listeners=INTERNAL://127.0.0.1:0\nadvertised.listeners=INTERNAL://0.0.0.0:0\n",
		  "must name a host clients can reach" },
		{ "syntax", "listeners=127.0.0.1:9092\n", "listeners: \"127.0.0.1:9092\"" },
		/* After binding: the inter-broker host is retried for 10 s. */
		{ "ibl-unresolved",
		  "listeners=INTERNAL://127.0.0.1:0\n"
		  "advertised.listeners=INTERNAL://nonexistent.invalid:9092\n",
		  "host \"nonexistent.invalid\" does not resolve here" },
	};
	test_cluster_t *c = test_cluster_new(0, NULL);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = NULL;
		const char *props = t0080_props(c, cases[i].name, cases[i].extra);
		int rc = test_fjordd_run_expect_exit(props, NULL, &out, 60000);
		test_say("%s: exit %d: %s", cases[i].name, rc, out ? out : "");
		ck_assert_msg(rc == 2, "%s: exit %d, expected 2 (a configuration error)",
		              cases[i].name, rc);
		ck_assert_msg(out && strstr(out, cases[i].want), "%s: the error lacks \"%s\": %s",
		              cases[i].name, cases[i].want, out ? out : "");
		free(out);
	}
	test_cluster_destroy(c);
}
END_TEST

START_TEST(t0080_unresolved_external)
{
	test_cluster_t *c = test_cluster_new(1, "listeners=INTERNAL://127.0.0.1:0,"
	                                        "EXTERNAL://127.0.0.2:0\n"
	                                        "advertised.listeners=EXTERNAL://"
	                                        "nonexistent.invalid:19092\n");
	char path[700];

	ck_assert(harness_path(path, sizeof(path), "%s/broker-%d/broker.log", c->dir,
	                       c->brokers[0].id) == 0);
	char *log = harness_read_file(path, NULL);
	ck_assert_ptr_nonnull(log);
	ck_assert_msg(strstr(log, "advertised.listeners: EXTERNAL://nonexistent.invalid:19092: "
	                          "host \"nonexistent.invalid\" does not resolve here"),
	              "the log does not name the unresolved host:\n%s", log);
	free(log);
	test_cluster_destroy(c);
}
END_TEST

/* ------------------------------------------------------------ ZooKeeper later */

/* A TCP relay from 127.0.0.1:listen_port to 127.0.0.1:to_port, in a child
 * process (one grandchild per connection). Stands for "ZooKeeper starts
 * now": until it runs, nothing listens on listen_port. */
static void t0080_relay_conn(int a, int to_port)
{
	struct sockaddr_in sin;
	int b = socket(AF_INET, SOCK_STREAM, 0);
	char buf[16384];

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)to_port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (b < 0 || connect(b, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		_exit(1);
	for (;;) {
		struct pollfd pf[2] = { { a, POLLIN, 0 }, { b, POLLIN, 0 } };
		if (poll(pf, 2, -1) < 0)
			_exit(1);
		for (int k = 0; k < 2; k++) {
			if (!(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t n = read(pf[k].fd, buf, sizeof(buf));
			if (n <= 0)
				_exit(0);
			int dst = k == 0 ? b : a;
			for (ssize_t off = 0; off < n;) {
				ssize_t w = send(dst, buf + off, (size_t)(n - off), MSG_NOSIGNAL);
				if (w <= 0)
					_exit(0);
				off += w;
			}
		}
	}
}

static pid_t t0080_relay_start(int listen_port, int to_port)
{
	struct sockaddr_in sin;
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)listen_port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_msg(bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 && listen(fd, 16) == 0,
	              "cannot listen on 127.0.0.1:%d for the relay", listen_port);
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGCHLD, SIG_DFL);
		for (;;) {
			int a = accept(fd, NULL, NULL);
			if (a < 0)
				continue;
			pid_t k = fork();
			if (k == 0) {
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				close(fd);
				t0080_relay_conn(a, to_port);
				_exit(0);
			}
			close(a);
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
		}
	}
	close(fd);
	return pid;
}

typedef struct t0080_logwait {
	const char *path;
	const char *needle;
	int times;
} t0080_logwait_t;

/* The log holds needle at least `times` times. */
static int t0080_log_has(void *arg)
{
	t0080_logwait_t *w = arg;
	char *text = harness_read_file(w->path, NULL);
	int n = 0;

	for (char *p = text; p && (p = strstr(p, w->needle)) != NULL; p++)
		n++;
	free(text);
	return n >= w->times;
}

typedef struct t0080_registered {
	test_cluster_t *c;
	const char *ports;
} t0080_registered_t;

static int t0080_is_registered(void *arg)
{
	t0080_registered_t *r = arg;
	char *text = harness_read_file(r->ports, NULL);
	int st = -1, yes = 0;

	if (text) {
		char *out = test_zkcli(r->c, "stat /brokers/ids/42", &st);
		yes = st == 0 && out && strstr(out, "ephemeralOwner") != NULL;
		free(out);
	}
	free(text);
	return yes;
}

START_TEST(t0080_wait_for_zookeeper)
{
	test_cluster_t *c = test_cluster_new(0, NULL);
	int zk_port = c->zk_port, dead_port = harness_free_port(), http_port = harness_free_port();
	char props[700], log[700], ports[700], *text = NULL, *body = NULL;
	t0080_logwait_t lw = { log, "not reachable (attempt", 2 };

	ck_assert_int_gt(dead_port, 0);
	ck_assert_int_gt(http_port, 0);
	ck_assert(harness_path(props, sizeof(props), "%s/zkwait.properties", test_tmpdir()) == 0);
	ck_assert(harness_path(log, sizeof(log), "%s/zkwait.log", test_tmpdir()) == 0);
	ck_assert(harness_path(ports, sizeof(ports), "%s/zkwait.ports", test_tmpdir()) == 0);
	ck_assert(
	    asprintf(&text,
	             "broker.id=42\nlisteners=PLAINTEXT://127.0.0.1:0\nlog.dirs=%s/zkwait-data\n"
	             "zookeeper.connect=127.0.0.1:%d%s\nhttp.listener=127.0.0.1:%d\n"
	             "zookeeper.connection.timeout.ms=1000\n"
	             "zookeeper.session.timeout.ms=6000\n",
	             test_tmpdir(), dead_port, c->chroot, http_port) > 0);
	ck_assert(harness_write_file(props, text) == 0);
	free(text);

	char *argv[] = { (char *)test_fjordd_path(), props, "--ports-file", ports, NULL };
	pid_t pid = harness_spawn(argv, log);
	ck_assert_int_gt(pid, 0);
	ck_assert_msg(test_wait_until(t0080_log_has, &lw, 60000),
	              "no repeated \"not reachable\" line in %s", log);
	int st = 0;
	ck_assert_msg(harness_child_alive(pid, &st), "fjordd exited while ZooKeeper was down");
	int code = harness_http_get(http_port, "/health", &body, 5000);
	test_say("/health while waiting: %d %s", code, body ? body : "");
	ck_assert_int_eq(code, 503);
	ck_assert_msg(body && strstr(body, "waiting_for_zookeeper"), "/health: %s", body);
	free(body);
	body = NULL;
	ck_assert_int_eq(harness_http_get(http_port, "/ready", NULL, 5000), 503);

	/* "ZooKeeper starts": the dead port now leads to the real one. */
	pid_t relay = t0080_relay_start(dead_port, zk_port);
	t0080_registered_t reg = { c, ports };
	ck_assert_msg(test_wait_until(t0080_is_registered, &reg, 90000),
	              "the broker did not register after ZooKeeper came up");
	ck_assert_msg(
	    test_wait_until(t0080_log_has, &(t0080_logwait_t){ log, "reached after", 1 }, 10000),
	    "no \"reached after\" line");
	/* The chroot did not exist (no broker of c ever ran): the broker
	 * created it and said so. */
	ck_assert_msg(t0080_log_has(&(t0080_logwait_t){ log, "created the missing chroot", 1 }),
	              "no \"created the missing chroot\" line in %s", log);
	code = harness_http_get(http_port, "/health", &body, 5000);
	test_say("/health once registered: %d %s", code, body ? body : "");
	ck_assert_int_eq(code, 200);
	free(body);
	st = harness_child_stop(pid, SIGTERM, 30000);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "fjordd did not exit cleanly (%d)",
	              st);

	/* SIGTERM while waiting: a clean exit. With a connection timeout of
	 * ten minutes, the first "not reachable" line still comes at once: the
	 * first attempts wait 1 s, 2 s, ... (an attempt used to wait the whole
	 * timeout before saying anything). */
	ck_assert(harness_path(log, sizeof(log), "%s/zkwait2.log", test_tmpdir()) == 0);
	ck_assert(
	    asprintf(&text,
	             "broker.id=43\nlisteners=PLAINTEXT://127.0.0.1:0\nlog.dirs=%s/zkwait2-data\n"
	             "zookeeper.connect=127.0.0.1:%d\nhttp.listener=127.0.0.1:0\n"
	             "zookeeper.connection.timeout.ms=600000\n",
	             test_tmpdir(), harness_free_port()) > 0);
	ck_assert(harness_write_file(props, text) == 0);
	free(text);
	char *argv2[] = { (char *)test_fjordd_path(), props, NULL };
	pid = harness_spawn(argv2, log);
	ck_assert_int_gt(pid, 0);
	lw.times = 1;
	ck_assert_msg(test_wait_until(t0080_log_has, &lw, 30000),
	              "no \"not reachable\" line within 30 s (connection timeout 600 s)");
	st = harness_child_stop(pid, SIGTERM, 30000);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	              "fjordd waiting for ZooKeeper did not exit cleanly on SIGTERM (%d)", st);

	kill(relay, SIGKILL);
	waitpid(relay, NULL, 0);
	test_cluster_destroy(c);
}
END_TEST

void test_0080(TCase *tc)
{
	tcase_add_test(tc, t0080_listeners);
	tcase_add_test(tc, t0080_config_errors);
	tcase_add_test(tc, t0080_unresolved_external);
	tcase_add_test(tc, t0080_wait_for_zookeeper);
}
