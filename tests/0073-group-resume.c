/*
 * 0073-group-resume — committed offsets carry a group across restarts:
 * a group consumes part of a topic and closes (close commits); a restarted
 * group resumes from the committed offsets (nothing lost, nothing twice);
 * auto.offset.reset applies to a group without offsets (latest: nothing
 * old is delivered); two groups on one topic each see every record.
 */
#include <string.h>

#include "cgrp_helpers.h"

#define T73_PARTS 3
#define T73_PER_PART 300

START_TEST(t0073_resume_and_reset)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("resume");
	char g1[200], g2[200], g3[200];
	test_msgver_t *mv = test_msgver_new(T73_PARTS), *mv2 = test_msgver_new(T73_PARTS);
	test_msgver_t *mv3 = test_msgver_new(T73_PARTS);
	int total = T73_PARTS * T73_PER_PART, first, second;
	fjord_t *a;
	int64_t committed = 0;
	int p;

	snprintf(g1, sizeof(g1), "%s", tg_group_name("g1"));
	snprintf(g2, sizeof(g2), "%s", tg_group_name("g2"));
	snprintf(g3, sizeof(g3), "%s", tg_group_name("g3"));
	test_create_topic(c, topic, T73_PARTS, 1);
	tg_produce(c, topic, T73_PARTS, T73_PER_PART);

	/* First run: stop part-way (commit on close, auto-commit off so only
	 * close commits and the resume point is exactly what poll returned). */
	a = tg_member_new(c, g1, topic, "enable.auto.commit", "false", NULL);
	first = tg_poll(a, mv, total / 2, 30000, NULL);
	ck_assert_msg(first >= total / 2, "first run consumed only %d records", first);
	ck_assert_int_eq(fjord_commit(a, NULL, 0), FJORD_ERR_NO_ERROR);
	fjord_close(a, 5000, NULL);
	fjord_destroy(a);
	for (p = 0; p < T73_PARTS; p++) {
		/* A partition nothing was polled from has no position: no offset. */
		int64_t off = tg_committed(c, g1, topic, p);
		if (off > 0)
			committed += off;
	}
	ck_assert_msg(committed == first, "committed offsets sum to %lld, consumed %d",
	              (long long)committed, first);

	/* Restart: resumes where the first run stopped. */
	a = tg_member_new(c, g1, topic, NULL);
	second = tg_poll(a, mv, total, 30000, NULL);
	test_say("group %s: %d records, then %d after the restart", g1, first, second);
	fjord_destroy(a); /* destroy without close still leaves cleanly */
	test_msgver_verify(mv, "resumed group", total);

	/* A second group on the same topic sees every record. */
	a = tg_member_new(c, g2, topic, NULL);
	tg_poll(a, mv2, total, 30000, NULL);
	fjord_destroy(a);
	test_msgver_verify(mv2, "second group", total);

	/* A new group with auto.offset.reset=latest starts at the end. */
	a = tg_member_new(c, g3, topic, "auto.offset.reset", "latest", NULL);
	{
		int64_t deadline = test_now_ms() + (int64_t)(20000 * test_timeout_multiplier());
		while (tg_assigned_cnt(a) < T73_PARTS && test_now_ms() < deadline)
			tg_poll(a, mv3, 0, 200, NULL);
		ck_assert_int_eq(tg_assigned_cnt(a), T73_PARTS);
		tg_poll(a, mv3, 0, 1500, NULL);
	}
	ck_assert_msg(test_msgver_cnt(mv3) == 0, "latest: %d old records delivered",
	              test_msgver_cnt(mv3));
	fjord_destroy(a);
	test_msgver_verify(mv3, "latest group", 0);
}
END_TEST

void test_0073(TCase *tc)
{
	tcase_add_test(tc, t0073_resume_and_reset);
}
