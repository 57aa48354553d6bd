/*
 * sdk_helpers.c — test helpers built on the public SDK (include/fjord.h):
 * configurations, producers and consumers, topic creation that waits for
 * leaders on every broker, and producing numbered records.
 *
 * Used only inside test children (never in the runner before the fork: SDK
 * handles start threads). Every handle created here is owned by the caller,
 * except the short-lived ones these helpers destroy themselves. Failures are
 * Check assertions.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_int.h"
#include "test.h"

/* Sets NULL-terminated name/value pairs from ap on conf. */
static void sdk_conf_set_va(fjord_conf_t *conf, va_list ap)
{
	const char *name;
	char errstr[512];
	while ((name = va_arg(ap, const char *))) {
		const char *value = va_arg(ap, const char *);
		ck_assert_msg(value, "property %s given without a value", name);
		fjord_conf_res_t r = fjord_conf_set(conf, name, value, errstr, sizeof(errstr));
		ck_assert_msg(r == FJORD_CONF_OK, "fjord_conf_set(%s=%s): %s", name, value, errstr);
	}
}

static fjord_conf_t *sdk_conf_base(test_cluster_t *c)
{
	char errstr[512];
	fjord_conf_t *conf = fjord_conf_new();
	ck_assert_ptr_nonnull(conf);
	ck_assert_msg(fjord_conf_set(conf, "zookeeper.connect", c->zk_connect, errstr,
	                             sizeof(errstr)) == FJORD_CONF_OK,
	              "zookeeper.connect: %s", errstr);
	return conf;
}

fjord_conf_t *test_conf(test_cluster_t *c, ...)
{
	fjord_conf_t *conf = sdk_conf_base(c);
	va_list ap;
	va_start(ap, c);
	sdk_conf_set_va(conf, ap);
	va_end(ap);
	return conf;
}

static fjord_t *sdk_new(fjord_type_t type, fjord_conf_t *conf)
{
	char errstr[512] = "";
	fjord_t *fj = fjord_new(type, conf, errstr, sizeof(errstr));
	if (!fj)
		fjord_conf_destroy(conf);
	ck_assert_msg(fj != NULL, "fjord_new(%d): %s", (int)type, errstr);
	return fj;
}

fjord_t *test_producer_new(test_cluster_t *c, ...)
{
	fjord_conf_t *conf = sdk_conf_base(c);
	va_list ap;
	va_start(ap, c);
	sdk_conf_set_va(conf, ap);
	va_end(ap);
	return sdk_new(FJORD_PRODUCER, conf);
}

fjord_t *test_consumer_new(test_cluster_t *c, ...)
{
	fjord_conf_t *conf = sdk_conf_base(c);
	va_list ap;
	va_start(ap, c);
	sdk_conf_set_va(conf, ap);
	va_end(ap);
	return sdk_new(FJORD_CONSUMER, conf);
}

/* Does broker b (asked directly) know a leader for every partition? */
static int sdk_broker_knows_leaders(const test_broker_t *b, const char *topic, int partitions)
{
	char bootstrap[64], errstr[512];
	fjord_metadata_t *md = NULL;
	int ok = 0;
	fjord_conf_t *conf = fjord_conf_new();

	snprintf(bootstrap, sizeof(bootstrap), "127.0.0.1:%d", b->port);
	if (fjord_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof(errstr)) !=
	    FJORD_CONF_OK) {
		fjord_conf_destroy(conf);
		return 0;
	}
	fjord_t *fj = fjord_new(FJORD_ADMIN, conf, errstr, sizeof(errstr));
	if (!fj) {
		fjord_conf_destroy(conf);
		return 0;
	}
	if (fjord_metadata(fj, topic, &md, 5000) == FJORD_ERR_NO_ERROR && md->topic_cnt == 1 &&
	    md->topics[0].err == FJORD_ERR_NO_ERROR && md->topics[0].partition_cnt == partitions) {
		ok = 1;
		for (int i = 0; i < partitions; i++)
			if (md->topics[0].partitions[i].leader < 0)
				ok = 0;
	}
	if (md)
		fjord_metadata_destroy(md);
	fjord_destroy(fj);
	return ok;
}

typedef struct sdk_leaders_arg {
	test_cluster_t *c;
	const char *topic;
	int partitions;
} sdk_leaders_arg_t;

static int sdk_all_brokers_know(void *arg)
{
	sdk_leaders_arg_t *a = arg;
	for (int i = 0; i < a->c->broker_cnt; i++)
		if (a->c->brokers[i].pid > 0 &&
		    !sdk_broker_knows_leaders(&a->c->brokers[i], a->topic, a->partitions))
			return 0;
	return 1;
}

/* test_create_topic with the admin's conf (taken). */
static void sdk_create_topic_conf(test_cluster_t *c, const char *topic, int partitions, int rf,
                                  fjord_conf_t *conf)
{
	char errstr[512] = "";
	fjord_t *admin = sdk_new(FJORD_ADMIN, conf);
	int64_t t0 = test_now_ms();
	fjord_err_t err = fjord_admin_create_topic(admin, topic, partitions, rf, NULL,
	                                           (int)(30000 * test_timeout_multiplier()), errstr,
	                                           sizeof(errstr));
	fjord_destroy(admin);
	ck_assert_msg(err == FJORD_ERR_NO_ERROR, "create topic %s (%d partitions, rf %d): %s: %s",
	              topic, partitions, rf, fjord_err2name(err), errstr);
	sdk_leaders_arg_t arg = { c, topic, partitions };
	ck_assert_msg(test_wait_until(sdk_all_brokers_know, &arg, 30000),
	              "topic %s: not every broker knows a leader for every partition", topic);
	test_say("created topic %s (%d partitions, rf %d) in %d ms", topic, partitions, rf,
	         (int)(test_now_ms() - t0));
}

void test_create_topic(test_cluster_t *c, const char *topic, int partitions, int rf)
{
	sdk_create_topic_conf(c, topic, partitions, rf, sdk_conf_base(c));
}

void test_create_topic_conf(test_cluster_t *c, const char *topic, int partitions, int rf, ...)
{
	fjord_conf_t *conf = sdk_conf_base(c);
	va_list ap;
	va_start(ap, rf);
	sdk_conf_set_va(conf, ap);
	va_end(ap);
	sdk_create_topic_conf(c, topic, partitions, rf, conf);
}

typedef struct sdk_dr_state {
	atomic_int ok;
	atomic_int failed;
	atomic_int first_err; /* 0 until the first failure */
} sdk_dr_state_t;

static void sdk_dr_cb(fjord_t *fj, const fjord_message_t *msg, void *opaque)
{
	sdk_dr_state_t *st = opaque;
	(void)fj;
	if (msg->err == FJORD_ERR_NO_ERROR) {
		atomic_fetch_add(&st->ok, 1);
	} else {
		int zero = 0;
		atomic_fetch_add(&st->failed, 1);
		atomic_compare_exchange_strong(&st->first_err, &zero, (int)msg->err);
	}
}

/* Produces records first..first+cnt-1 and waits for every report. With
 * all_ok, asserts each was acknowledged; otherwise returns how many were,
 * with the failures in *failedp and the first error in *first_errp. */
static int sdk_produce_range(test_cluster_t *c, const char *topic, int32_t partition, int first,
                             int cnt, size_t value_size, int all_ok, int *failedp,
                             fjord_err_t *first_errp, va_list ap)
{
	sdk_dr_state_t st;
	char key[128];
	char *value = malloc(value_size ? value_size : 1);
	fjord_conf_t *conf = sdk_conf_base(c);
	sdk_conf_set_va(conf, ap);

	ck_assert_ptr_nonnull(value);
	memset(value, 'v', value_size);
	atomic_init(&st.ok, 0);
	atomic_init(&st.failed, 0);
	atomic_init(&st.first_err, 0);
	fjord_conf_set_dr_msg_cb(conf, sdk_dr_cb);
	fjord_conf_set_opaque(conf, &st);
	fjord_t *p = sdk_new(FJORD_PRODUCER, conf);
	for (int i = first; i < first + cnt; i++) {
		int klen =
		    snprintf(key, sizeof(key), "testid=%s, partition=%d, msg=%d",
		             harness_current.num ? harness_current.num : "0000", (int)partition, i);
		fjord_err_t err;
		int64_t deadline = test_now_ms() + (int64_t)(30000 * test_timeout_multiplier());
		while ((err = fjord_produce(p, topic, partition, key, (size_t)klen, value,
		                            value_size, NULL, 0, 0, NULL)) ==
		           FJORD_ERR__QUEUE_FULL &&
		       test_now_ms() < deadline)
			harness_sleep_ms(5); /* back-pressure: let the queue drain */
		ck_assert_msg(err == FJORD_ERR_NO_ERROR, "produce #%d to %s [%d]: %s", i, topic,
		              (int)partition, fjord_err2name(err));
	}
	fjord_err_t ferr = fjord_flush(p, (int)(60000 * test_timeout_multiplier()));
	fjord_destroy(p);
	free(value);
	ck_assert_msg(ferr == FJORD_ERR_NO_ERROR, "flush: %s", fjord_err2name(ferr));
	ck_assert_msg(atomic_load(&st.ok) + atomic_load(&st.failed) == cnt,
	              "%d delivery reports for %d records",
	              atomic_load(&st.ok) + atomic_load(&st.failed), cnt);
	if (all_ok)
		ck_assert_msg(atomic_load(&st.failed) == 0,
		              "%d of %d records failed, first error %s", atomic_load(&st.failed),
		              cnt, fjord_err2name(atomic_load(&st.first_err)));
	if (failedp)
		*failedp = atomic_load(&st.failed);
	if (first_errp)
		*first_errp = (fjord_err_t)atomic_load(&st.first_err);
	test_say("produced records %d..%d of %zu bytes to %s [%d]: %d acknowledged, %d failed",
	         first, first + cnt - 1, value_size, topic, (int)partition, atomic_load(&st.ok),
	         atomic_load(&st.failed));
	return atomic_load(&st.ok);
}

static void sdk_produce_msgs(test_cluster_t *c, const char *topic, int32_t partition, int cnt,
                             size_t value_size, va_list ap)
{
	sdk_produce_range(c, topic, partition, 0, cnt, value_size, 1, NULL, NULL, ap);
}

int test_produce_range(test_cluster_t *c, const char *topic, int32_t partition, int first, int cnt,
                       size_t value_size, int *failedp, fjord_err_t *first_errp, ...)
{
	va_list ap;
	int ok;

	va_start(ap, first_errp);
	ok = sdk_produce_range(c, topic, partition, first, cnt, value_size, 0, failedp, first_errp,
	                       ap);
	va_end(ap);
	return ok;
}

/* An empty va_list for sdk_produce_msgs(). */
static void sdk_produce_msgs_plain(test_cluster_t *c, const char *topic, int32_t partition, int cnt,
                                   size_t value_size, ...)
{
	va_list ap;
	va_start(ap, value_size);
	sdk_produce_msgs(c, topic, partition, cnt, value_size, ap);
	va_end(ap);
}

void test_produce_msgs(test_cluster_t *c, const char *topic, int32_t partition, int cnt,
                       size_t value_size)
{
	sdk_produce_msgs_plain(c, topic, partition, cnt, value_size, NULL);
}

void test_produce_msgs_conf(test_cluster_t *c, const char *topic, int32_t partition, int cnt,
                            size_t value_size, ...)
{
	va_list ap;
	va_start(ap, value_size);
	sdk_produce_msgs(c, topic, partition, cnt, value_size, ap);
	va_end(ap);
}
