/*
 * 0076-unit-assignor — the consumer group assignment strategies
 * (src/common/assignor.c), without a cluster.
 *
 * range and roundrobin against Kafka's documented examples (the javadoc of
 * RangeAssignor and RoundRobinAssignor), then varied member and partition
 * counts, several topics, unequal subscriptions, more members than
 * partitions, and independence from input order. For sticky: balance
 * (counts within one among members with the same subscription) and, over
 * many generated joins and leaves, exactly the minimum number of moved
 * partitions, compared with a lower bound computed here independently:
 * with quotas floor/ceil(P/M) and the ceil quotas given to the members that
 * held the most, every partition a surviving member holds beyond its quota
 * must move, and nothing else needs to.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/assignor.h"
#include "test.h"

#define A_MAX_MEMBERS 40
#define A_MAX_TOPICS 4

typedef struct a_case {
	int mcnt, tcnt;
	assignor_member_t members[A_MAX_MEMBERS];
	const char *subs[A_MAX_MEMBERS][A_MAX_TOPICS];
	char ids[A_MAX_MEMBERS][32];
	assignor_topic_t topics[A_MAX_TOPICS];
} a_case_t;

/* Adds member `id` subscribed to a NULL-terminated list of topics. */
static void a_member(a_case_t *c, const char *id, ...)
{
	va_list ap;
	const char *t;
	int i = c->mcnt++;

	ck_assert_int_lt(i, A_MAX_MEMBERS);
	snprintf(c->ids[i], sizeof(c->ids[i]), "%s", id);
	c->members[i].member_id = c->ids[i];
	c->members[i].topics = c->subs[i];
	c->members[i].topic_cnt = 0;
	va_start(ap, id);
	while ((t = va_arg(ap, const char *)) != NULL)
		c->subs[i][c->members[i].topic_cnt++] = t;
	va_end(ap);
}

static void a_topic(a_case_t *c, const char *name, int32_t partitions)
{
	ck_assert_int_lt(c->tcnt, A_MAX_TOPICS);
	c->topics[c->tcnt].topic = name;
	c->topics[c->tcnt].partition_cnt = partitions;
	c->tcnt++;
}

static int a_subscribed(const assignor_member_t *m, const char *topic)
{
	int i;
	for (i = 0; i < m->topic_cnt; i++)
		if (!strcmp(m->topics[i], topic))
			return 1;
	return 0;
}

/* Runs a strategy and checks the universal guarantees: every partition of a
 * topic somebody subscribes to appears exactly once, sorted, owned by a
 * subscribed member. */
static void a_run(const a_case_t *c, const char *strategy, const zkjson_group_assignment_t *prev,
                  zkjson_group_assignment_t *out)
{
	char err[256];
	int t, p, k = 0, m;

	ck_assert_msg(assignor_assign(strategy, c->members, c->mcnt, c->topics, c->tcnt, prev, out,
	                              err, sizeof(err)) == 0,
	              "%s: %s", strategy, err);
	for (t = 0; t < c->tcnt; t++) {
		const char *name = c->topics[t].topic;
		int subscribed = 0;
		for (m = 0; m < c->mcnt; m++)
			subscribed |= a_subscribed(&c->members[m], name);
		if (!subscribed)
			continue;
		for (p = 0; p < c->topics[t].partition_cnt; p++) {
			int found = 0, i;
			for (i = 0; i < out->cnt; i++) {
				if (strcmp(out->topics[i], name) || out->partitions[i] != p)
					continue;
				found++;
				for (m = 0; m < c->mcnt; m++)
					if (!strcmp(c->members[m].member_id, out->members[i]))
						break;
				ck_assert_msg(m < c->mcnt && a_subscribed(&c->members[m], name),
				              "%s: %s-%d given to %s, not a subscriber", strategy,
				              name, p, out->members[i]);
			}
			ck_assert_msg(found == 1, "%s: %s-%d assigned %d times", strategy, name, p,
			              found);
			k++;
		}
	}
	ck_assert_int_eq(out->cnt, k);
	for (p = 1; p < out->cnt; p++) {
		int cmp = strcmp(out->topics[p - 1], out->topics[p]);
		ck_assert(cmp < 0 || (cmp == 0 && out->partitions[p - 1] < out->partitions[p]));
	}
}

/* "t0p0,t0p2,t1p1": what member id owns, in output order. */
static void a_owned(const zkjson_group_assignment_t *a, const char *id, char *buf, size_t n)
{
	int i;
	buf[0] = '\0';
	for (i = 0; i < a->cnt; i++)
		if (!strcmp(a->members[i], id))
			snprintf(buf + strlen(buf), n - strlen(buf), "%s%sp%d", buf[0] ? "," : "",
			         a->topics[i], (int)a->partitions[i]);
}

#define A_OWNS(a, id, want)                                                                        \
	do {                                                                                       \
		char got_[512];                                                                    \
		a_owned(a, id, got_, sizeof(got_));                                                \
		ck_assert_msg(!strcmp(got_, want), "%s owns \"%s\", expected \"%s\"", id, got_,    \
		              want);                                                               \
	} while (0)

static int a_count(const zkjson_group_assignment_t *a, const char *id)
{
	int i, n = 0;
	for (i = 0; i < a->cnt; i++)
		n += !strcmp(a->members[i], id);
	return n;
}

START_TEST(assignor_kafka_examples)
{
	zkjson_group_assignment_t out;
	a_case_t c;

	/* Both javadoc examples: C0 and C1 subscribe to t0 and t1, 3 partitions each. */
	memset(&c, 0, sizeof(c));
	a_member(&c, "C1", "t0", "t1", NULL);
	a_member(&c, "C0", "t1", "t0", NULL);
	a_topic(&c, "t1", 3);
	a_topic(&c, "t0", 3);
	a_run(&c, "range", NULL, &out);
	A_OWNS(&out, "C0", "t0p0,t0p1,t1p0,t1p1");
	A_OWNS(&out, "C1", "t0p2,t1p2");
	zkjson_group_assignment_clear(&out);
	a_run(&c, "roundrobin", NULL, &out);
	A_OWNS(&out, "C0", "t0p0,t0p2,t1p1");
	A_OWNS(&out, "C1", "t0p1,t1p0,t1p2");
	zkjson_group_assignment_clear(&out);

	/* RoundRobinAssignor's unequal-subscription example. */
	memset(&c, 0, sizeof(c));
	a_member(&c, "C0", "t0", NULL);
	a_member(&c, "C1", "t0", "t1", NULL);
	a_member(&c, "C2", "t0", "t1", "t2", NULL);
	a_topic(&c, "t0", 1);
	a_topic(&c, "t1", 2);
	a_topic(&c, "t2", 3);
	a_run(&c, "roundrobin", NULL, &out);
	A_OWNS(&out, "C0", "t0p0");
	A_OWNS(&out, "C1", "t1p0");
	A_OWNS(&out, "C2", "t1p1,t2p0,t2p1,t2p2");
	zkjson_group_assignment_clear(&out);
	/* Range on the same: each topic among its own subscribers. */
	a_run(&c, "range", NULL, &out);
	A_OWNS(&out, "C0", "t0p0");
	A_OWNS(&out, "C1", "t1p0");
	A_OWNS(&out, "C2", "t1p1,t2p0,t2p1,t2p2");
	zkjson_group_assignment_clear(&out);
}
END_TEST

START_TEST(assignor_varied_counts)
{
	zkjson_group_assignment_t out;
	a_case_t c;

	/* 7 partitions over 3 members: ranges 3,2,2; round-robin 3,2,2 dealt. */
	memset(&c, 0, sizeof(c));
	a_member(&c, "b", "orders", NULL);
	a_member(&c, "c", "orders", NULL);
	a_member(&c, "a", "orders", NULL);
	a_topic(&c, "orders", 7);
	a_run(&c, "range", NULL, &out);
	A_OWNS(&out, "a", "ordersp0,ordersp1,ordersp2");
	A_OWNS(&out, "b", "ordersp3,ordersp4");
	A_OWNS(&out, "c", "ordersp5,ordersp6");
	zkjson_group_assignment_clear(&out);
	a_run(&c, "roundrobin", NULL, &out);
	A_OWNS(&out, "a", "ordersp0,ordersp3,ordersp6");
	A_OWNS(&out, "b", "ordersp1,ordersp4");
	A_OWNS(&out, "c", "ordersp2,ordersp5");
	zkjson_group_assignment_clear(&out);
	a_run(&c, "sticky", NULL, &out);
	ck_assert_int_eq(a_count(&out, "a"), 3);
	ck_assert_int_eq(a_count(&out, "b"), 2);
	ck_assert_int_eq(a_count(&out, "c"), 2);
	zkjson_group_assignment_clear(&out);

	/* More members than partitions: the extras idle, in every strategy. */
	memset(&c, 0, sizeof(c));
	a_member(&c, "m1", "x", NULL);
	a_member(&c, "m2", "x", NULL);
	a_member(&c, "m3", "x", NULL);
	a_member(&c, "m4", "x", NULL);
	a_member(&c, "m5", "x", NULL);
	a_topic(&c, "x", 2);
	a_run(&c, "range", NULL, &out);
	A_OWNS(&out, "m1", "xp0");
	A_OWNS(&out, "m2", "xp1");
	A_OWNS(&out, "m3", "");
	zkjson_group_assignment_clear(&out);
	a_run(&c, "roundrobin", NULL, &out);
	A_OWNS(&out, "m1", "xp0");
	A_OWNS(&out, "m2", "xp1");
	A_OWNS(&out, "m5", "");
	zkjson_group_assignment_clear(&out);
	a_run(&c, "sticky", NULL, &out);
	ck_assert_int_eq(out.cnt, 2);
	ck_assert(strcmp(out.members[0], out.members[1]) != 0);
	zkjson_group_assignment_clear(&out);

	/* Range across two topics piles the extras on the first member (Kafka's
	 * known imbalance); round-robin does not. A topic nobody subscribes to
	 * and a subscribed topic that does not exist are left out. */
	memset(&c, 0, sizeof(c));
	a_member(&c, "m1", "p", "q", "ghost", NULL);
	a_member(&c, "m2", "p", "q", NULL);
	a_topic(&c, "p", 3);
	a_topic(&c, "q", 3);
	a_topic(&c, "unread", 4);
	a_run(&c, "range", NULL, &out);
	ck_assert_int_eq(a_count(&out, "m1"), 4);
	ck_assert_int_eq(a_count(&out, "m2"), 2);
	ck_assert_int_eq(out.cnt, 6);
	zkjson_group_assignment_clear(&out);
	a_run(&c, "roundrobin", NULL, &out);
	ck_assert_int_eq(a_count(&out, "m1"), 3);
	ck_assert_int_eq(a_count(&out, "m2"), 3);
	zkjson_group_assignment_clear(&out);

	/* No members, no topics, zero partitions: empty and valid. */
	memset(&c, 0, sizeof(c));
	a_topic(&c, "x", 0);
	a_run(&c, "sticky", NULL, &out);
	ck_assert_int_eq(out.cnt, 0);
	zkjson_group_assignment_clear(&out);
}
END_TEST

START_TEST(assignor_bad_input)
{
	zkjson_group_assignment_t out;
	char err[256];
	a_case_t c;

	memset(&c, 0, sizeof(c));
	a_member(&c, "m1", "x", NULL);
	a_member(&c, "m1", "x", NULL);
	a_topic(&c, "x", 2);
	ck_assert_int_eq(
	    assignor_assign("cooperative", c.members, 1, c.topics, 1, NULL, &out, err, sizeof(err)),
	    -1);
	ck_assert_msg(strstr(err, "unknown") && strstr(err, "cooperative"), "%s", err);
	ck_assert_int_eq(out.cnt, 0);
	ck_assert_int_eq(
	    assignor_assign(NULL, c.members, 1, c.topics, 1, NULL, &out, err, sizeof(err)), -1);
	ck_assert_int_eq(
	    assignor_assign("range", c.members, 2, c.topics, 1, NULL, &out, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "duplicate member") != NULL, "%s", err);
	ck_assert_int_eq(
	    assignor_assign("range", NULL, 3, c.topics, 1, NULL, &out, err, sizeof(err)), -1);
	c.topics[0].partition_cnt = -1;
	ck_assert_int_eq(
	    assignor_assign("range", c.members, 1, c.topics, 1, NULL, &out, err, sizeof(err)), -1);
	ck_assert(assignor_strategy_valid("sticky") && !assignor_strategy_valid("Range"));
}
END_TEST

/* Input order must not matter: reversed members and topics, same output. */
START_TEST(assignor_deterministic)
{
	static const char *const strategies[] = { "range", "roundrobin", "sticky" };
	zkjson_group_assignment_t a, b;
	a_case_t c, r;
	int s, i;

	memset(&c, 0, sizeof(c));
	a_member(&c, "m-03", "t1", "t2", NULL);
	a_member(&c, "m-01", "t1", NULL);
	a_member(&c, "m-02", "t2", "t1", "t3", NULL);
	a_member(&c, "m-10", "t3", NULL);
	a_topic(&c, "t2", 5);
	a_topic(&c, "t1", 4);
	a_topic(&c, "t3", 3);
	memset(&r, 0, sizeof(r));
	for (i = c.mcnt - 1; i >= 0; i--) {
		int k = r.mcnt++;
		snprintf(r.ids[k], sizeof(r.ids[k]), "%s", c.ids[i]);
		memcpy(r.subs[k], c.subs[i], sizeof(r.subs[k]));
		r.members[k].member_id = r.ids[k];
		r.members[k].topics = r.subs[k];
		r.members[k].topic_cnt = c.members[i].topic_cnt;
	}
	for (i = c.tcnt - 1; i >= 0; i--)
		r.topics[r.tcnt++] = c.topics[i];
	for (s = 0; s < 3; s++) {
		a_run(&c, strategies[s], NULL, &a);
		a_run(&r, strategies[s], NULL, &b);
		ck_assert_int_eq(a.cnt, b.cnt);
		for (i = 0; i < a.cnt; i++)
			ck_assert_str_eq(a.members[i], b.members[i]);
		zkjson_group_assignment_clear(&a);
		zkjson_group_assignment_clear(&b);
	}
}
END_TEST

/* Sticky with identical subscriptions: build members m0..m(n-1) on topics a
 * (pa partitions) and b (pb). */
static void a_sticky_case(a_case_t *c, const int *present, int n, int pa, int pb)
{
	int i;
	memset(c, 0, sizeof(*c));
	for (i = 0; i < n; i++) {
		char id[16];
		if (!present[i])
			continue;
		snprintf(id, sizeof(id), "m%02d", i);
		a_member(c, id, "a", "b", NULL);
	}
	a_topic(c, "a", pa);
	a_topic(c, "b", pb);
}

/* Checks balance and that the moves equal the lower bound. */
static void a_sticky_check(const a_case_t *c, const zkjson_group_assignment_t *prev,
                           const zkjson_group_assignment_t *cur, const char *what)
{
	int held[A_MAX_MEMBERS], quota[A_MAX_MEMBERS], order[A_MAX_MEMBERS];
	int m, i, j, total = cur->cnt, q, r, lb = 0, moves = 0, mn = 1 << 30, mx = 0;

	if (c->mcnt == 0)
		return;
	for (m = 0; m < c->mcnt; m++) {
		int n = a_count(cur, c->members[m].member_id);
		mn = n < mn ? n : mn;
		mx = n > mx ? n : mx;
		held[m] = prev ? a_count(prev, c->members[m].member_id) : 0;
		order[m] = m;
	}
	ck_assert_msg(mx - mn <= 1, "%s: unbalanced (%d..%d)", what, mn, mx);
	/* Quotas: the ceil ones go to the members that held the most. */
	for (i = 1; i < c->mcnt; i++)
		for (j = i; j > 0 && held[order[j - 1]] < held[order[j]]; j--) {
			int t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	q = total / c->mcnt;
	r = total % c->mcnt;
	for (i = 0; i < c->mcnt; i++)
		quota[order[i]] = q + (i < r ? 1 : 0);
	for (m = 0; m < c->mcnt; m++)
		lb += held[m] > quota[m] ? held[m] - quota[m] : 0;
	for (i = 0; prev && i < prev->cnt; i++) {
		for (m = 0; m < c->mcnt; m++)
			if (!strcmp(c->members[m].member_id, prev->members[i]))
				break;
		if (m == c->mcnt)
			continue; /* its owner left: it had to move */
		for (j = 0; j < cur->cnt; j++)
			if (!strcmp(cur->topics[j], prev->topics[i]) &&
			    cur->partitions[j] == prev->partitions[i])
				break;
		ck_assert(j < cur->cnt);
		moves += strcmp(cur->members[j], prev->members[i]) != 0;
	}
	ck_assert_msg(moves == lb, "%s: %d partitions moved, the minimum is %d", what, moves, lb);
}

START_TEST(assignor_sticky_join_leave)
{
	zkjson_group_assignment_t prev, cur;
	int present[A_MAX_MEMBERS];
	uint32_t seed = 12345;
	char what[128];
	a_case_t c;
	int round, i;

	/* A plain join: 3 members with 4 partitions each, a 4th joins: 3 move
	 * (one from each), and a leave of one of 4 moves only its 3. */
	memset(present, 0, sizeof(present));
	present[0] = present[1] = present[2] = 1;
	a_sticky_case(&c, present, 4, 12, 0);
	a_run(&c, "sticky", NULL, &prev);
	present[3] = 1;
	a_sticky_case(&c, present, 4, 12, 0);
	a_run(&c, "sticky", &prev, &cur);
	a_sticky_check(&c, &prev, &cur, "join");
	ck_assert_int_eq(a_count(&cur, "m03"), 3);
	zkjson_group_assignment_clear(&prev);
	prev = cur;
	present[1] = 0;
	a_sticky_case(&c, present, 4, 12, 0);
	a_run(&c, "sticky", &prev, &cur);
	a_sticky_check(&c, &prev, &cur, "leave");
	for (i = 0; i < prev.cnt; i++)
		if (strcmp(prev.members[i], "m01"))
			ck_assert_str_eq(cur.members[i], prev.members[i]);
	zkjson_group_assignment_clear(&prev);
	zkjson_group_assignment_clear(&cur);

	/* Generated histories: each round one member joins or leaves (sometimes
	 * two at once), partitions sometimes added; every step is checked. */
	memset(present, 0, sizeof(present));
	present[0] = 1;
	{
		int pa = 5, pb = 3;
		a_sticky_case(&c, present, 24, pa, pb);
		a_run(&c, "sticky", NULL, &prev);
		for (round = 0; round < 300; round++) {
			int k, changes;
			seed = seed * 1103515245u + 12345u;
			changes = 1 + (int)((seed >> 16) % 2);
			for (k = 0; k < changes; k++) {
				seed = seed * 1103515245u + 12345u;
				i = (int)((seed >> 16) % 24);
				present[i] = !present[i];
			}
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) % 10 == 0 && pa < 60)
				pa += 1 + (int)((seed >> 20) % 4);
			a_sticky_case(&c, present, 24, pa, pb);
			a_run(&c, "sticky", &prev, &cur);
			snprintf(what, sizeof(what), "round %d (%d members, %d partitions)", round,
			         c.mcnt, pa + pb);
			a_sticky_check(&c, &prev, &cur, what);
			zkjson_group_assignment_clear(&prev);
			prev = cur;
		}
		zkjson_group_assignment_clear(&prev);
	}
}
END_TEST

/* Unequal subscriptions: counts within one among members that share a
 * subscription; a member that drops a topic gives up exactly its partitions
 * of that topic. */
START_TEST(assignor_sticky_unequal)
{
	zkjson_group_assignment_t prev, cur;
	a_case_t c;
	int i;

	memset(&c, 0, sizeof(c));
	a_member(&c, "a1", "x", NULL);
	a_member(&c, "a2", "x", NULL);
	a_member(&c, "b1", "x", "y", NULL);
	a_member(&c, "b2", "x", "y", NULL);
	a_member(&c, "c1", "y", NULL);
	a_topic(&c, "x", 9);
	a_topic(&c, "y", 7);
	a_run(&c, "sticky", NULL, &prev);
	ck_assert_int_le(abs(a_count(&prev, "a1") - a_count(&prev, "a2")), 1);
	ck_assert_int_le(abs(a_count(&prev, "b1") - a_count(&prev, "b2")), 1);
	/* b2 stops reading y: only its y partitions may move, plus what
	 * rebalancing x among the x readers needs. */
	c.members[3].topic_cnt = 1;
	a_run(&c, "sticky", &prev, &cur);
	for (i = 0; i < prev.cnt; i++)
		if (!strcmp(prev.topics[i], "y") && !strcmp(prev.members[i], "b2"))
			ck_assert_str_ne(cur.members[i], "b2");
	ck_assert_int_le(abs(a_count(&cur, "a1") - a_count(&cur, "a2")), 1);
	for (i = 0; i < prev.cnt; i++)
		if (!strcmp(prev.topics[i], "y") && strcmp(prev.members[i], "b2"))
			ck_assert_str_eq(cur.members[i], prev.members[i]);
	zkjson_group_assignment_clear(&prev);
	zkjson_group_assignment_clear(&cur);
}
END_TEST

void test_0076(TCase *tc)
{
	tcase_add_test(tc, assignor_kafka_examples);
	tcase_add_test(tc, assignor_varied_counts);
	tcase_add_test(tc, assignor_bad_input);
	tcase_add_test(tc, assignor_deterministic);
	tcase_add_test(tc, assignor_sticky_join_leave);
	tcase_add_test(tc, assignor_sticky_unequal);
}
