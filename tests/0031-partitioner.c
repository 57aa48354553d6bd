/*
 * 0031-partitioner — keyed records land on Kafka's partition. Checks the
 * public fjord_partition_for_key() against Kafka's published murmur2 vectors,
 * then produces keyed records with FJORD_PARTITION_UA and reads them back:
 * every record must be stored in partition fjord_partition_for_key(key), as
 * the delivery report also says.
 */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_int.h"
#include "test.h"

#define T0031_PARTITIONS 5
#define T0031_KEYS 2000

typedef struct t0031_dr {
	atomic_int ok;
	atomic_int bad;
} t0031_dr_t;

static void t0031_dr_cb(fjord_t *fj, const fjord_message_t *msg, void *opaque)
{
	t0031_dr_t *st = opaque;
	(void)fj;
	if (msg->err == FJORD_ERR_NO_ERROR && msg->key &&
	    msg->partition == fjord_partition_for_key(msg->key, msg->key_len, T0031_PARTITIONS))
		atomic_fetch_add(&st->ok, 1);
	else
		atomic_fetch_add(&st->bad, 1);
}

START_TEST(t0031_vectors)
{
	/* Kafka: murmur2("21") = -973932308, "foobar" = -790332482,
	 * "abc" = 479470107; partition = (h & 0x7fffffff) % n. */
	ck_assert_int_eq(fjord_partition_for_key("21", 2, 5), 0);
	ck_assert_int_eq(fjord_partition_for_key("foobar", 6, 5), 1);
	ck_assert_int_eq(fjord_partition_for_key("abc", 3, 5), 2);
	ck_assert_int_eq(fjord_partition_for_key("21", 2, 7), 3);
	ck_assert_int_eq(fjord_partition_for_key("foobar", 6, 7), 0);
	ck_assert_int_eq(fjord_partition_for_key("abc", 3, 7), 4);
}
END_TEST

START_TEST(t0031_keys_land)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("keys");
	t0031_dr_t st;
	char key[64];
	int per_partition[T0031_PARTITIONS] = { 0 };

	atomic_init(&st.ok, 0);
	atomic_init(&st.bad, 0);
	test_create_topic(c, topic, T0031_PARTITIONS, 1);
	fjord_conf_t *conf = test_conf(c, "linger.ms", "5", NULL);
	fjord_conf_set_dr_msg_cb(conf, t0031_dr_cb);
	fjord_conf_set_opaque(conf, &st);
	char errstr[256];
	fjord_t *p = fjord_new(FJORD_PRODUCER, conf, errstr, sizeof(errstr));
	ck_assert_msg(p, "producer: %s", errstr);
	for (int i = 0; i < T0031_KEYS; i++) {
		int klen = snprintf(key, sizeof(key), "user-%d", i * 7919);
		fjord_err_t err = fjord_produce(p, topic, FJORD_PARTITION_UA, key, (size_t)klen,
		                                "v", 1, NULL, 0, 0, NULL);
		ck_assert_msg(err == FJORD_ERR_NO_ERROR, "produce %s: %s", key,
		              fjord_err2name(err));
		per_partition[fjord_partition_for_key(key, (size_t)klen, T0031_PARTITIONS)]++;
	}
	ck_assert_int_eq(fjord_flush(p, (int)(30000 * test_timeout_multiplier())),
	                 FJORD_ERR_NO_ERROR);
	fjord_destroy(p);
	test_say("delivery reports: %d on the expected partition, %d not", atomic_load(&st.ok),
	         atomic_load(&st.bad));
	ck_assert_int_eq(atomic_load(&st.bad), 0);
	ck_assert_int_eq(atomic_load(&st.ok), T0031_KEYS);

	/* Read every partition back and check where each key is stored. */
	fjord_t *cons = test_consumer_new(c, NULL);
	fjord_topic_partition_list_t *parts = fjord_topic_partition_list_new(T0031_PARTITIONS);
	for (int i = 0; i < T0031_PARTITIONS; i++)
		fjord_topic_partition_list_add(parts, topic, i)->offset = FJORD_OFFSET_BEGINNING;
	ck_assert_int_eq(fjord_assign(cons, parts), FJORD_ERR_NO_ERROR);
	fjord_topic_partition_list_destroy(parts);
	int got = 0, misplaced = 0;
	int64_t deadline = test_now_ms() + (int64_t)(60000 * test_timeout_multiplier());
	while (got < T0031_KEYS && test_now_ms() < deadline) {
		fjord_message_t *m = fjord_consumer_poll(cons, 200);
		if (!m)
			continue;
		if (!m->err) {
			got++;
			int want = fjord_partition_for_key(m->key, m->key_len, T0031_PARTITIONS);
			if (m->partition != want) {
				if (misplaced++ < 5)
					test_say("key %.*s stored in partition %d, Kafka's is %d",
					         (int)m->key_len, (const char *)m->key,
					         (int)m->partition, want);
			}
			per_partition[m->partition]--;
		}
		fjord_message_destroy(m);
	}
	fjord_destroy(cons);
	ck_assert_int_eq(got, T0031_KEYS);
	ck_assert_int_eq(misplaced, 0);
	for (int i = 0; i < T0031_PARTITIONS; i++)
		ck_assert_msg(per_partition[i] == 0, "partition %d count off by %d", i,
		              per_partition[i]);
}
END_TEST

void test_0031(TCase *tc)
{
	tcase_add_test(tc, t0031_vectors);
	tcase_add_test(tc, t0031_keys_land);
}
