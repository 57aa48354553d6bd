/*
 * bench_groups.c — fjord-bench-groups: consumer group benchmarks, members as
 * threads of one process (each thread owns one consumer handle of its own,
 * i.e. one member with its own ZooKeeper sessions). Run by bench/groups,
 * which starts the cluster; results go to bench/RESULTS.md.
 *
 *   fjord-bench-groups rebalance ZK TOPIC MEMBERS [STRATEGY]
 *     A producer thread writes a steady trickle to every partition of TOPIC;
 *     MEMBERS-1 members join and settle; then one more member joins and the
 *     program measures the rebalance latency: the time from that join until
 *     every partition is owned again and has delivered a record to its owner
 *     since its last assignment, with every member holding its balanced
 *     share (the whole group consuming again).
 *
 *   fjord-bench-groups throughput ZK TOPIC RECORDS MEMBERS
 *     MEMBERS members of a fresh group join TOPIC, which already holds
 *     RECORDS records; once the group has settled (every partition in some
 *     member's assignment, shares balanced; the members do not poll until
 *     then, and their prefetch is capped at 1 MB each) they all read from the
 *     beginning. Reports records/s from that start to the last record, and
 *     how long joining took.
 *
 * Output: one JSON object on stdout; progress and errors on stderr; exit 0,
 * 1 (failure or timeout), 2 (usage). Ownership is tracked from the rebalance
 * events that fjord_consumer_poll() returns (no rebalance callback), in one
 * table under one mutex shared by the member threads.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fjord.h"

#define BG_MAX_MEMBERS 256
#define BG_MAX_PARTS 4096
#define BG_DEADLINE_MS 180000

typedef struct bg_member {
	int idx;
	fjord_t *fj;
	pthread_t thr;
	int started;
} bg_member_t;

static struct {
	const char *zk;
	const char *topic;
	const char *strategy;
	char group[128];
	int partition_cnt;
	pthread_mutex_t lock;
	int owner[BG_MAX_PARTS]; /* member idx, -1: none */
	int64_t assigned_ms[BG_MAX_PARTS];
	int64_t delivered_ms[BG_MAX_PARTS];
	atomic_llong consumed;
	atomic_llong first_ms; /* first record polled, 0: none yet */
	atomic_llong last_ms;
	atomic_int stop;
	atomic_int go; /* members poll only once this is set */
} bg;

static int64_t bg_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int bg_set(fjord_conf_t *conf, const char *name, const char *value)
{
	char errstr[256];
	if (fjord_conf_set(conf, name, value, errstr, sizeof(errstr)) != FJORD_CONF_OK) {
		fprintf(stderr, "bench-groups: %s=%s: %s\n", name, value, errstr);
		return -1;
	}
	return 0;
}

static fjord_t *bg_handle(fjord_type_t type, int idx, const char *reset)
{
	fjord_conf_t *conf = fjord_conf_new();
	char errstr[256], id[64];
	fjord_t *fj;

	snprintf(id, sizeof(id), "bench-%d", idx);
	if (!conf || bg_set(conf, "zookeeper.connect", bg.zk) || bg_set(conf, "client.id", id))
		goto fail;
	if (type == FJORD_CONSUMER &&
	    (bg_set(conf, "group.id", bg.group) || bg_set(conf, "auto.offset.reset", reset) ||
	     bg_set(conf, "partition.assignment.strategy", bg.strategy) ||
	     bg_set(conf, "queued.max.messages.kbytes", "1024")))
		goto fail;
	if (type == FJORD_PRODUCER && bg_set(conf, "linger.ms", "5"))
		goto fail;
	fj = fjord_new(type, conf, errstr, sizeof(errstr));
	if (fj)
		return fj;
	fprintf(stderr, "bench-groups: cannot create client: %s\n", errstr);
fail:
	if (conf)
		fjord_conf_destroy(conf);
	return NULL;
}

static void *bg_member_main(void *arg)
{
	bg_member_t *m = arg;

	while (!atomic_load(&bg.go) && !atomic_load(&bg.stop))
		usleep(1000);
	while (!atomic_load(&bg.stop)) {
		fjord_message_t *msg = fjord_consumer_poll(m->fj, 100);
		int64_t now = bg_now_ms();
		int p;

		if (!msg)
			continue;
		p = msg->partition;
		if (p >= 0 && p < bg.partition_cnt) {
			pthread_mutex_lock(&bg.lock);
			if (msg->err == FJORD_ERR__ASSIGN_PARTITIONS) {
				bg.owner[p] = m->idx;
				bg.assigned_ms[p] = now;
			} else if (msg->err == FJORD_ERR__REVOKE_PARTITIONS ||
			           msg->err == FJORD_ERR__ASSIGNMENT_LOST) {
				if (bg.owner[p] == m->idx)
					bg.owner[p] = -1;
			} else if (!msg->err && bg.owner[p] == m->idx) {
				bg.delivered_ms[p] = now;
			}
			pthread_mutex_unlock(&bg.lock);
		}
		if (!msg->err) {
			long long expected = 0;
			atomic_fetch_add(&bg.consumed, 1);
			atomic_compare_exchange_strong(&bg.first_ms, &expected, (long long)now);
			atomic_store(&bg.last_ms, (long long)now);
		}
		fjord_message_destroy(msg);
	}
	return NULL;
}

static int bg_member_start(bg_member_t *m, int idx, const char *reset)
{
	fjord_topic_partition_list_t *sub;
	fjord_err_t err;

	m->idx = idx;
	m->fj = bg_handle(FJORD_CONSUMER, idx, reset);
	if (!m->fj)
		return -1;
	sub = fjord_topic_partition_list_new(1);
	fjord_topic_partition_list_add(sub, bg.topic, -1);
	err = fjord_subscribe(m->fj, sub);
	fjord_topic_partition_list_destroy(sub);
	if (err) {
		fprintf(stderr, "bench-groups: subscribe: %s\n", fjord_err2str(err));
		return -1;
	}
	if (pthread_create(&m->thr, NULL, bg_member_main, m))
		return -1;
	m->started = 1;
	return 0;
}

static void bg_members_stop(bg_member_t *ms, int cnt)
{
	int i;
	atomic_store(&bg.stop, 1);
	for (i = 0; i < cnt; i++)
		if (ms[i].started)
			pthread_join(ms[i].thr, NULL);
	for (i = 0; i < cnt; i++)
		if (ms[i].fj) {
			fjord_close(ms[i].fj, 10000, NULL);
			fjord_destroy(ms[i].fj);
		}
}

/* The group of `members` members consumes everywhere again: every
 * partition is owned and has delivered to its owner since both its
 * assignment and `since`, and every member holds its balanced share
 * (floor or ceil of partitions/members; every strategy balances a single
 * topic so). The share check is what tells the settled new generation
 * from the moment before the leader even noticed the join. */
static int bg_settled(int64_t since, int members)
{
	int count[BG_MAX_MEMBERS] = { 0 };
	int p, m, ok = 1, lo = bg.partition_cnt / members;
	int hi = lo + (bg.partition_cnt % members ? 1 : 0);

	pthread_mutex_lock(&bg.lock);
	for (p = 0; p < bg.partition_cnt && ok; p++) {
		ok = bg.owner[p] >= 0 && bg.delivered_ms[p] >= bg.assigned_ms[p] &&
		     bg.delivered_ms[p] >= since;
		if (ok)
			count[bg.owner[p]]++;
	}
	pthread_mutex_unlock(&bg.lock);
	for (m = 0; m < members && ok; m++)
		ok = count[m] >= lo && count[m] <= hi;
	return ok;
}

static int bg_wait_settled(int64_t since, int members)
{
	int64_t deadline = bg_now_ms() + BG_DEADLINE_MS;
	while (!bg_settled(since, members)) {
		if (bg_now_ms() > deadline)
			return -1;
		usleep(2000);
	}
	return 0;
}

static void *bg_producer_main(void *arg)
{
	fjord_t *fj = arg;
	char value[64];
	int p;

	memset(value, 'g', sizeof(value));
	while (!atomic_load(&bg.stop)) {
		for (p = 0; p < bg.partition_cnt; p++)
			fjord_produce(fj, bg.topic, p, NULL, 0, value, sizeof(value), NULL, 0, 0,
			              NULL);
		usleep(20000);
	}
	return NULL;
}

static int bg_partitions(void)
{
	fjord_t *fj = bg_handle(FJORD_ADMIN, 0, NULL);
	fjord_metadata_t *md = NULL;
	int n = -1;

	if (!fj)
		return -1;
	if (fjord_metadata(fj, bg.topic, &md, 10000) == FJORD_ERR_NO_ERROR && md->topic_cnt == 1 &&
	    !md->topics[0].err)
		n = md->topics[0].partition_cnt;
	if (md)
		fjord_metadata_destroy(md);
	fjord_destroy(fj);
	if (n < 1 || n > BG_MAX_PARTS)
		fprintf(stderr, "bench-groups: topic %s not found or too many partitions\n",
		        bg.topic);
	return n >= 1 && n <= BG_MAX_PARTS ? n : -1;
}

static int bg_rebalance(int members)
{
	static bg_member_t ms[BG_MAX_MEMBERS];
	pthread_t prod_thr;
	fjord_t *prod;
	int64_t t0, settle_ms;
	int i, rc = 1;

	prod = bg_handle(FJORD_PRODUCER, 0, NULL);
	if (!prod || pthread_create(&prod_thr, NULL, bg_producer_main, prod))
		return 1;
	t0 = bg_now_ms();
	for (i = 0; i < members - 1; i++)
		if (bg_member_start(&ms[i], i, "latest") < 0)
			goto out;
	if (bg_wait_settled(t0, members - 1) < 0) {
		fprintf(stderr, "bench-groups: %d members did not settle\n", members - 1);
		goto out;
	}
	settle_ms = bg_now_ms() - t0;
	fprintf(stderr, "bench-groups: %d member(s) settled in %lld ms; adding one\n", members - 1,
	        (long long)settle_ms);
	t0 = bg_now_ms();
	if (bg_member_start(&ms[members - 1], members - 1, "latest") < 0)
		goto out;
	if (bg_wait_settled(t0, members) < 0) {
		fprintf(stderr, "bench-groups: no rebalance within %d ms\n", BG_DEADLINE_MS);
		goto out;
	}
	printf("{\"mode\":\"rebalance\",\"members\":%d,\"partitions\":%d,\"strategy\":\"%s\","
	       "\"rebalance_ms\":%lld,\"initial_settle_ms\":%lld}\n",
	       members, bg.partition_cnt, bg.strategy, (long long)(bg_now_ms() - t0),
	       (long long)settle_ms);
	rc = 0;
out:
	bg_members_stop(ms, members);
	pthread_join(prod_thr, NULL);
	fjord_flush(prod, 10000);
	fjord_destroy(prod);
	return rc;
}

/* Every partition is in some member's assignment, shares balanced. */
static int bg_assigned(bg_member_t *ms, int members)
{
	int lo = bg.partition_cnt / members, hi = lo + (bg.partition_cnt % members ? 1 : 0);
	int i, total = 0, ok = 1;

	for (i = 0; i < members && ok; i++) {
		fjord_topic_partition_list_t *a = NULL;
		if (fjord_assignment(ms[i].fj, &a) != FJORD_ERR_NO_ERROR || !a)
			return 0;
		ok = a->cnt >= lo && a->cnt <= hi;
		total += a->cnt;
		fjord_topic_partition_list_destroy(a);
	}
	return ok && total == bg.partition_cnt;
}

static int bg_throughput(long long records, int members)
{
	static bg_member_t ms[BG_MAX_MEMBERS];
	int64_t t0, deadline, join_ms;
	int i, rc = 1;

	t0 = bg_now_ms();
	deadline = t0 + BG_DEADLINE_MS;
	for (i = 0; i < members; i++)
		if (bg_member_start(&ms[i], i, "earliest") < 0)
			goto out;
	while (!bg_assigned(ms, members)) {
		if (bg_now_ms() > deadline) {
			fprintf(stderr, "bench-groups: the group never settled\n");
			goto out;
		}
		usleep(2000);
	}
	join_ms = bg_now_ms() - t0;
	t0 = bg_now_ms();
	atomic_store(&bg.go, 1);
	while (atomic_load(&bg.consumed) < records) {
		if (bg_now_ms() > deadline) {
			fprintf(stderr, "bench-groups: only %lld of %lld records consumed\n",
			        (long long)atomic_load(&bg.consumed), records);
			goto out;
		}
		usleep(5000);
	}
	{
		long long last = atomic_load(&bg.last_ms);
		double secs = (double)(last - t0) / 1000.0;
		printf("{\"mode\":\"throughput\",\"members\":%d,\"partitions\":%d,\"records\":%lld,"
		       "\"seconds\":%.3f,\"records_per_sec\":%.0f,\"join_ms\":%lld}\n",
		       members, bg.partition_cnt, (long long)atomic_load(&bg.consumed), secs,
		       secs > 0 ? (double)atomic_load(&bg.consumed) / secs : 0.0,
		       (long long)join_ms);
	}
	rc = 0;
out:
	bg_members_stop(ms, members);
	return rc;
}

static void bg_usage(void)
{
	fprintf(stderr, "Usage: fjord-bench-groups rebalance ZK TOPIC MEMBERS [STRATEGY]\n"
	                "       fjord-bench-groups throughput ZK TOPIC RECORDS MEMBERS\n");
}

int main(int argc, char **argv)
{
	long long records = 0;
	int members, i;

	if (argc < 5 || (strcmp(argv[1], "rebalance") && strcmp(argv[1], "throughput"))) {
		bg_usage();
		return 2;
	}
	bg.zk = argv[2];
	bg.topic = argv[3];
	bg.strategy = "range";
	if (!strcmp(argv[1], "rebalance")) {
		members = atoi(argv[4]);
		if (argc > 5)
			bg.strategy = argv[5];
	} else {
		if (argc < 6) {
			bg_usage();
			return 2;
		}
		records = atoll(argv[4]);
		members = atoi(argv[5]);
	}
	if (members < 1 || members > BG_MAX_MEMBERS || (argv[1][0] == 't' && records < 1) ||
	    (argv[1][0] == 'r' && members < 2)) {
		bg_usage();
		return 2;
	}
	snprintf(bg.group, sizeof(bg.group), "bench-%s-%d-%ld", argv[1], members, (long)getpid());
	pthread_mutex_init(&bg.lock, NULL);
	for (i = 0; i < BG_MAX_PARTS; i++)
		bg.owner[i] = -1;
	atomic_store(&bg.go, argv[1][0] == 'r'); /* throughput starts them itself */
	bg.partition_cnt = bg_partitions();
	if (bg.partition_cnt < 0)
		return 1;
	return argv[1][0] == 'r' ? bg_rebalance(members) : bg_throughput(records, members);
}
