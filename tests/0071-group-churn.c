/*
 * 0071-group-churn — 200,000 records produced (in slices, between polls)
 * while group members join and leave every second or so: every record is
 * consumed at least once. Members leave with fjord_destroy(), which commits
 * what they delivered before releasing, so a handover re-delivers nothing;
 * duplicates are counted and must stay within what uncommitted positions
 * at reassignment allow (zero for these graceful handovers).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgrp_helpers.h"

#define T71_PARTS 4
#define T71_PER_PART 50000
#define T71_MAX_MEMBERS 4

typedef struct t71_seen {
	unsigned char *seen[T71_PARTS];
	int uniq, dups;
} t71_seen_t;

static void t0071_count(t71_seen_t *s, const fjord_message_t *m)
{
	int p, seq;
	char key[128];
	size_t n = m->key_len < sizeof(key) - 1 ? m->key_len : sizeof(key) - 1;
	memcpy(key, m->key, n);
	key[n] = '\0';
	ck_assert_msg(m->key && sscanf(key, "testid=%*[^,], partition=%d, msg=%d", &p, &seq) == 2 &&
	                  p >= 0 && p < T71_PARTS && seq >= 0 && seq < T71_PER_PART,
	              "foreign record \"%s\"", key);
	ck_assert_int_eq(p, m->partition);
	if (s->seen[p][seq])
		s->dups++;
	else
		s->uniq++;
	s->seen[p][seq] = 1;
}

static void t0071_pump(fjord_t **m, t71_seen_t *s)
{
	int i;
	for (i = 0; i < T71_MAX_MEMBERS; i++) {
		int64_t until = test_now_ms() + 50;
		if (!m[i])
			continue;
		while (test_now_ms() < until) {
			fjord_message_t *msg = fjord_consumer_poll(m[i], 10);
			if (!msg)
				continue;
			if (!msg->err)
				t0071_count(s, msg);
			fjord_message_destroy(msg);
		}
	}
}

START_TEST(t0071_churn)
{
	test_cluster_t *c = test_shared_cluster();
	char topic[200], group[200];
	fjord_t *m[T71_MAX_MEMBERS] = { 0 };
	t71_seen_t s;
	fjord_t *prod;
	int produced = 0;
	int i, step = 0, joins = 1, leaves = 0, total = T71_PARTS * T71_PER_PART;
	int64_t deadline, next_change;

	memset(&s, 0, sizeof(s));
	for (i = 0; i < T71_PARTS; i++)
		ck_assert_ptr_nonnull(s.seen[i] = calloc(T71_PER_PART, 1));
	snprintf(topic, sizeof(topic), "%s", test_topic_name("churn"));
	snprintf(group, sizeof(group), "%s", tg_group_name("g"));
	test_create_topic(c, topic, T71_PARTS, 1);
	prod = test_producer_new(c, NULL);
	m[0] = tg_member_new(c, group, topic, NULL);
	deadline = test_now_ms() + (int64_t)(240000 * test_timeout_multiplier());
	next_change = test_now_ms() + 1000;
	while (s.uniq < total && test_now_ms() < deadline) {
		/* A slice of records (keys in test_produce_msgs' shape). */
		for (i = 0; i < 4000 && produced < total; i++) {
			char key[96];
			int p = produced % T71_PARTS, klen;
			fjord_err_t err;
			klen = snprintf(key, sizeof(key), "testid=0071, partition=%d, msg=%d", p,
			                produced / T71_PARTS);
			err = fjord_produce(prod, topic, p, key, (size_t)klen, "v", 1, NULL, 0, 0,
			                    NULL);
			if (err == FJORD_ERR__QUEUE_FULL)
				break;
			ck_assert_msg(!err, "produce: %s", fjord_err2name(err));
			produced++;
		}
		t0071_pump(m, &s);
		if (test_now_ms() < next_change || step >= 12)
			continue;
		/* Alternate: join a member, join another, let one leave. */
		if (step % 3 == 2) {
			for (i = T71_MAX_MEMBERS - 1; i >= 0 && !m[i]; i--)
				;
			if (i > 0) {
				fjord_destroy(m[i]);
				m[i] = NULL;
				leaves++;
			}
		} else {
			for (i = 0; i < T71_MAX_MEMBERS && m[i]; i++)
				;
			if (i < T71_MAX_MEMBERS) {
				m[i] = tg_member_new(c, group, topic, NULL);
				joins++;
			}
		}
		step++;
		next_change = test_now_ms() + 1000;
	}
	ck_assert_int_eq(fjord_flush(prod, 10000), FJORD_ERR_NO_ERROR);
	fjord_destroy(prod);
	test_say("%d joins, %d leaves: %d distinct records, %d duplicates", joins, leaves, s.uniq,
	         s.dups);
	ck_assert_msg(s.uniq == total, "consumed %d of %d records", s.uniq, total);
	ck_assert_msg(s.dups == 0, "%d duplicates despite committing on every handover", s.dups);
	for (i = 0; i < T71_MAX_MEMBERS; i++)
		fjord_destroy(m[i]);
	for (i = 0; i < T71_PARTS; i++)
		free(s.seen[i]);
}
END_TEST

void test_0071(TCase *tc)
{
	tcase_add_test(tc, t0071_churn);
}
