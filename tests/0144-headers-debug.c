/*
 * 0144-headers-debug — record header helpers and the `debug` property
 * (issue 13), against the shared cluster.
 *
 *  1. (t0144_headers) Records are produced with a header list built with
 *     fjord_headers_new/add (a repeated name, a binary value with a NUL
 *     byte, a null value), the list destroyed before the flush (produce
 *     copied it). Every record consumed carries the 4 headers in order, and
 *     fjord_headers_get_last() returns the LAST value of a repeated name,
 *     the binary value whole, NULL/0 for the null value, and _NOENT for a
 *     name that is absent or differs in case. Bad arguments are refused.
 *  2. (t0144_debug) `debug` refuses an unknown context with a message that
 *     names it and lists the valid ones; with debug=fetch,protocol (and the
 *     default log_level 6) a consumer's log callback gets debug lines of
 *     FETCH and PROTOCOL and none of other facilities (BROKER, MSG...);
 *     without `debug` it gets no debug line at all.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#define T0144_CNT 10

static int t0144_dr_ok, t0144_dr_cnt;

static void t0144_dr_cb(fjord_t *fj, const fjord_message_t *m, void *opaque)
{
	(void)fj;
	(void)opaque;
	__atomic_add_fetch(&t0144_dr_cnt, 1, __ATOMIC_SEQ_CST);
	if (!m->err)
		__atomic_add_fetch(&t0144_dr_ok, 1, __ATOMIC_SEQ_CST);
}

START_TEST(t0144_headers)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("hdr");
	static const char bin[3] = { 'x', '\0', 'y' };
	char errstr[512];
	const void *val;
	size_t len, cnt;
	int i, got = 0;

	test_create_topic(c, topic, 1, 1);
	fjord_conf_t *conf = test_conf(c, NULL);
	fjord_conf_set_dr_msg_cb(conf, t0144_dr_cb);
	fjord_t *p = fjord_new(FJORD_PRODUCER, conf, errstr, sizeof(errstr));
	ck_assert_msg(p != NULL, "producer: %s", errstr);

	fjord_headers_t *hs = fjord_headers_new(1); /* grows past its first size */
	ck_assert_ptr_nonnull(hs);
	ck_assert_int_eq(fjord_headers_add(hs, "trace", "a", 1), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(fjord_headers_add(hs, "k", bin, sizeof(bin)), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(fjord_headers_add(hs, "trace", "bb", 2), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(fjord_headers_add(hs, "nullv", NULL, 0), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(fjord_headers_add(hs, NULL, "v", 1), FJORD_ERR__INVALID_ARG);
	ck_assert_int_eq(fjord_headers_add(hs, "v", NULL, 3), FJORD_ERR__INVALID_ARG);
	ck_assert_uint_eq(fjord_headers_cnt(hs), 4);
	const fjord_header_t *arr = fjord_headers_array(hs, &cnt);
	ck_assert_uint_eq(cnt, 4);
	for (i = 0; i < T0144_CNT; i++) {
		char v[32];
		snprintf(v, sizeof(v), "value-%d", i);
		ck_assert_int_eq(
		    fjord_produce(p, topic, 0, NULL, 0, v, strlen(v), arr, cnt, 0, NULL),
		    FJORD_ERR_NO_ERROR);
	}
	fjord_headers_destroy(hs); /* produce copied the headers */
	ck_assert_int_eq(fjord_flush(p, (int)(30000 * test_timeout_multiplier())),
	                 FJORD_ERR_NO_ERROR);
	fjord_destroy(p);
	ck_assert_int_eq(t0144_dr_cnt, T0144_CNT);
	ck_assert_int_eq(t0144_dr_ok, T0144_CNT);

	fjord_t *fj = test_consumer_new(c, NULL);
	fjord_topic_partition_list_t *l = fjord_topic_partition_list_new(1);
	fjord_topic_partition_list_add(l, topic, 0)->offset = FJORD_OFFSET_BEGINNING;
	ck_assert_int_eq(fjord_assign(fj, l), FJORD_ERR_NO_ERROR);
	fjord_topic_partition_list_destroy(l);
	int64_t deadline = test_now_ms() + (int64_t)(30000 * test_timeout_multiplier());
	while (got < T0144_CNT && test_now_ms() < deadline) {
		fjord_message_t *m = fjord_consumer_poll(fj, 100);
		if (!m)
			continue;
		ck_assert_msg(!m->err, "poll: %s", fjord_err2name(m->err));
		ck_assert_int_eq(m->offset, got);
		ck_assert_uint_eq(m->header_cnt, 4);
		ck_assert_str_eq(m->headers[0].name, "trace");
		ck_assert_str_eq(m->headers[3].name, "nullv");

		ck_assert_int_eq(fjord_headers_get_last(m, "trace", &val, &len),
		                 FJORD_ERR_NO_ERROR);
		ck_assert_uint_eq(len, 2);
		ck_assert(memcmp(val, "bb", 2) == 0);
		ck_assert_int_eq(fjord_headers_get_last(m, "k", &val, &len), FJORD_ERR_NO_ERROR);
		ck_assert_uint_eq(len, 3);
		ck_assert(memcmp(val, bin, 3) == 0);
		val = "x";
		len = 9;
		ck_assert_int_eq(fjord_headers_get_last(m, "nullv", &val, &len),
		                 FJORD_ERR_NO_ERROR);
		ck_assert_ptr_null(val);
		ck_assert_uint_eq(len, 0);
		ck_assert_int_eq(fjord_headers_get_last(m, "missing", &val, &len),
		                 FJORD_ERR__NOENT);
		ck_assert_int_eq(fjord_headers_get_last(m, "Trace", NULL, NULL), FJORD_ERR__NOENT);
		ck_assert_int_eq(fjord_headers_get_last(m, NULL, &val, &len),
		                 FJORD_ERR__INVALID_ARG);
		ck_assert_str_eq(fjord_err2name(FJORD_ERR__NOENT), "_NOENT");
		got++;
		fjord_message_destroy(m);
	}
	ck_assert_msg(got == T0144_CNT, "consumed %d of %d", got, T0144_CNT);
	fjord_destroy(fj);
}
END_TEST

/* Debug lines (level 7) seen by the log callback, by facility. */
static pthread_mutex_t t0144_lock = PTHREAD_MUTEX_INITIALIZER;
static int t0144_fetch, t0144_protocol, t0144_other;
static char t0144_other_fac[64];

static void t0144_log_cb(const fjord_t *fj, int level, const char *fac, const char *buf)
{
	(void)fj;
	(void)buf;
	if (level != 7)
		return;
	pthread_mutex_lock(&t0144_lock);
	if (!strcmp(fac, "FETCH"))
		t0144_fetch++;
	else if (!strcmp(fac, "PROTOCOL"))
		t0144_protocol++;
	else {
		t0144_other++;
		snprintf(t0144_other_fac, sizeof(t0144_other_fac), "%s", fac);
	}
	pthread_mutex_unlock(&t0144_lock);
}

/* Consumes the topic's 5 records with a consumer logging through
 * t0144_log_cb, with the given debug value (NULL: not set). */
static void t0144_consume(test_cluster_t *c, const char *topic, const char *debug)
{
	char errstr[512];
	fjord_conf_t *conf = test_conf(c, "enable.partition.eof", "false", NULL);
	int got = 0;
	if (debug)
		ck_assert_int_eq(fjord_conf_set(conf, "debug", debug, errstr, sizeof(errstr)),
		                 FJORD_CONF_OK);
	fjord_conf_set_log_cb(conf, t0144_log_cb);
	fjord_t *fj = fjord_new(FJORD_CONSUMER, conf, errstr, sizeof(errstr));
	ck_assert_msg(fj != NULL, "consumer: %s", errstr);
	fjord_topic_partition_list_t *l = fjord_topic_partition_list_new(1);
	fjord_topic_partition_list_add(l, topic, 0)->offset = FJORD_OFFSET_BEGINNING;
	ck_assert_int_eq(fjord_assign(fj, l), FJORD_ERR_NO_ERROR);
	fjord_topic_partition_list_destroy(l);
	int64_t deadline = test_now_ms() + (int64_t)(30000 * test_timeout_multiplier());
	while (got < 5 && test_now_ms() < deadline) {
		fjord_message_t *m = fjord_consumer_poll(fj, 100);
		if (m && !m->err)
			got++;
		if (m)
			fjord_message_destroy(m);
	}
	ck_assert_int_eq(got, 5);
	fjord_destroy(fj); /* serves the queued log lines */
}

START_TEST(t0144_debug)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("dbg");
	char errstr[512];
	fjord_conf_t *conf = fjord_conf_new();

	ck_assert_int_eq(fjord_conf_set(conf, "debug", "fetch,nosuch", errstr, sizeof(errstr)),
	                 FJORD_CONF_INVALID);
	test_say("refused: %s", errstr);
	ck_assert_msg(strstr(errstr, "\"nosuch\"") && strstr(errstr, "valid: all, generic") &&
	                  strstr(errstr, "security"),
	              "unclear error: %s", errstr);
	ck_assert_int_eq(fjord_conf_set(conf, "debug", " all , cgrp ", errstr, sizeof(errstr)),
	                 FJORD_CONF_OK);
	ck_assert_int_eq(fjord_conf_set(conf, "debug", "", errstr, sizeof(errstr)), FJORD_CONF_OK);
	fjord_conf_destroy(conf);

	test_create_topic(c, topic, 1, 1);
	test_produce_msgs(c, topic, 0, 5, 16);

	t0144_consume(c, topic, NULL);
	ck_assert_msg(t0144_fetch + t0144_protocol + t0144_other == 0,
	              "debug lines without debug: fetch %d, protocol %d, other %d (%s)",
	              t0144_fetch, t0144_protocol, t0144_other, t0144_other_fac);

	t0144_consume(c, topic, "fetch,protocol");
	test_say("debug=fetch,protocol: %d FETCH and %d PROTOCOL debug lines, %d other",
	         t0144_fetch, t0144_protocol, t0144_other);
	ck_assert_msg(t0144_fetch > 0 && t0144_protocol > 0,
	              "debug=fetch,protocol: fetch %d, protocol %d debug lines", t0144_fetch,
	              t0144_protocol);
	ck_assert_msg(t0144_other == 0, "%d debug lines of other contexts (e.g. %s)", t0144_other,
	              t0144_other_fac);
}
END_TEST

void test_0144(TCase *tc)
{
	tcase_add_test(tc, t0144_headers);
	tcase_add_test(tc, t0144_debug);
}
