/*
 * 0074-group-zkcli-offsets — an operator resets a committed offset with the
 * real zkCli.sh (`set /consumers/<g>/offsets/<t>/<p> 42`, relative to the
 * cluster's chroot) while the group is down; the group's next start
 * consumes from offset 42, and a value that is not an offset falls back to
 * auto.offset.reset instead of failing.
 */
#include <stdlib.h>
#include <string.h>

#include "cgrp_helpers.h"

START_TEST(t0074_zkcli_offsets)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("zkcli");
	char group[200], cmd[512], *out;
	test_msgver_t *mv = test_msgver_new(1), *mv2 = test_msgver_new(1);
	int status = -1, got, events = 0;
	int64_t first_offset = -1, deadline;
	fjord_t *a;

	snprintf(group, sizeof(group), "%s", tg_group_name("g"));
	test_create_topic(c, topic, 1, 1);
	tg_produce(c, topic, 1, 100);
	/* The group consumes everything and commits 100. */
	a = tg_member_new(c, group, topic, NULL);
	got = tg_poll(a, mv, 100, 30000, NULL);
	ck_assert_int_eq(got, 100);
	ck_assert_int_eq(fjord_commit(a, NULL, 0), FJORD_ERR_NO_ERROR);
	fjord_destroy(a);
	test_msgver_verify(mv, "first run", 100);
	ck_assert_int_eq(tg_committed(c, group, topic, 0), 100);

	/* The operator rewinds it to 42 with zkCli. */
	snprintf(cmd, sizeof(cmd), "set /consumers/%s/offsets/%s/0 42", group, topic);
	out = test_zkcli(c, cmd, &status);
	ck_assert_msg(status == 0, "zkCli %s: exit %d: %s", cmd, status, out);
	free(out);
	ck_assert_int_eq(tg_committed(c, group, topic, 0), 42);

	a = tg_member_new(c, group, topic, NULL);
	deadline = test_now_ms() + (int64_t)(30000 * test_timeout_multiplier());
	got = 0;
	while (got < 58 && test_now_ms() < deadline) {
		fjord_message_t *m = fjord_consumer_poll(a, 100);
		if (!m)
			continue;
		if (!m->err) {
			if (first_offset < 0)
				first_offset = m->offset;
			got++;
		} else {
			events++;
		}
		fjord_message_destroy(m);
	}
	ck_assert_msg(first_offset == 42, "restarted at offset %lld, expected 42",
	              (long long)first_offset);
	ck_assert_int_eq(got, 58);
	fjord_destroy(a);

	/* A malformed value: the member logs it and applies auto.offset.reset
	 * (earliest here), it does not crash or stall. */
	snprintf(cmd, sizeof(cmd), "set /consumers/%s/offsets/%s/0 not-a-number", group, topic);
	out = test_zkcli(c, cmd, &status);
	ck_assert_msg(status == 0, "zkCli %s: exit %d", cmd, status);
	free(out);
	a = tg_member_new(c, group, topic, NULL);
	got = tg_poll(a, mv2, 100, 30000, &events);
	ck_assert_int_eq(got, 100);
	fjord_destroy(a);
	test_msgver_verify(mv2, "after a malformed offset", 100);
}
END_TEST

void test_0074(TCase *tc)
{
	tcase_add_test(tc, t0074_zkcli_offsets);
}
