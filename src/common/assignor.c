/*
 * assignor.c — the consumer group assignment strategies (see assignor.h for
 * the contract, docs/groups.md for examples).
 *
 * Model: members are sorted by id and topics by name; every partition of
 * every topic gets a flat index (topics in name order, partitions in number
 * order), so "sorted by topic then partition" is simply index order. A
 * subscription matrix sub[member][topic] answers "may this member own that
 * partition". Each strategy fills owner[index] (a sorted member index, or -1
 * when nobody subscribes to the topic); asg_emit() turns that into the
 * zkjson_group_assignment_t the group leader writes to ZooKeeper.
 *
 *   range       per topic, its subscribers in id order take contiguous
 *               ranges; the first (partitions % subscribers) take one more.
 *   roundrobin  partitions in index order are dealt around the circle of
 *               members in id order, skipping members not subscribed to the
 *               partition's topic (the circle continues after the taker).
 *   sticky      1. keep each partition with its previous owner when that
 *               owner is still a member and subscribed; 2. give every other
 *               partition (index order) to the least loaded subscribed member
 *               (ties: lowest id); 3. while some member owns a partition that
 *               a subscribed member with at least two fewer partitions could
 *               take, move one (from the most loaded member, a partition it
 *               did not own before if it has one). Step 3 ends because every
 *               move lowers the sum of squared counts; when it ends, two
 *               members with the same subscription differ by at most one. It
 *               only moves partitions off members above their share, which is
 *               the least movement that balance allows.
 *
 * Pure computation, any thread; all memory is released before returning
 * except what is handed to the caller in `out`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/assignor.h"

const char *const assignor_strategies[] = { "range", "roundrobin", "sticky", NULL };

typedef struct asg {
	int mcnt, tcnt, pcnt;
	const assignor_member_t **mem; /* sorted by member id */
	const assignor_topic_t **top;  /* sorted by topic name */
	unsigned char *sub;            /* mcnt * tcnt: member subscribes to topic */
	int *tbase;                    /* tcnt + 1: first flat index of each topic */
	int *ptopic;                   /* pcnt: topic index of each flat partition */
	int *owner;                    /* pcnt: member index, -1 unassigned */
	int *count;                    /* mcnt: partitions owned */
} asg_t;

static void asg_err(char *errstr, size_t n, const char *msg, const char *arg)
{
	if (errstr && n)
		snprintf(errstr, n, "assignor: %s%s%s%s", msg, arg ? " '" : "", arg ? arg : "",
		         arg ? "'" : "");
}

static int asg_cmp_member(const void *a, const void *b)
{
	const assignor_member_t *const *x = a, *const *y = b;
	return strcmp((*x)->member_id, (*y)->member_id);
}

static int asg_cmp_topic(const void *a, const void *b)
{
	const assignor_topic_t *const *x = a, *const *y = b;
	return strcmp((*x)->topic, (*y)->topic);
}

static int asg_key_topic(const void *key, const void *elem)
{
	return strcmp(key, (*(const assignor_topic_t *const *)elem)->topic);
}

static int asg_key_member(const void *key, const void *elem)
{
	return strcmp(key, (*(const assignor_member_t *const *)elem)->member_id);
}

/* Index of topic `name` in the sorted topics, or -1. */
static int asg_topic_index(const asg_t *a, const char *name)
{
	const assignor_topic_t **t =
	    bsearch(name, a->top, (size_t)a->tcnt, sizeof(*a->top), asg_key_topic);
	return t ? (int)(t - a->top) : -1;
}

/* Index of member `id` in the sorted members, or -1. */
static int asg_member_index(const asg_t *a, const char *id)
{
	const assignor_member_t **m =
	    bsearch(id, a->mem, (size_t)a->mcnt, sizeof(*a->mem), asg_key_member);
	return m ? (int)(m - a->mem) : -1;
}

static int asg_subscribed(const asg_t *a, int m, int t)
{
	return a->sub[(size_t)m * (size_t)a->tcnt + (size_t)t];
}

static void asg_free(asg_t *a)
{
	free(a->mem);
	free(a->top);
	free(a->sub);
	free(a->tbase);
	free(a->ptopic);
	free(a->owner);
	free(a->count);
}

/* Validates and indexes the inputs. Returns 0 or -1 with errstr. */
static int asg_init(asg_t *a, const assignor_member_t *members, int member_cnt,
                    const assignor_topic_t *topics, int topic_cnt, char *errstr, size_t n)
{
	int i, j;

	memset(a, 0, sizeof(*a));
	if (member_cnt < 0 || topic_cnt < 0 || (member_cnt > 0 && !members) ||
	    (topic_cnt > 0 && !topics)) {
		asg_err(errstr, n, "invalid member or topic list", NULL);
		return -1;
	}
	a->mcnt = member_cnt;
	a->tcnt = topic_cnt;
	a->mem = calloc((size_t)member_cnt + 1, sizeof(*a->mem));
	a->top = calloc((size_t)topic_cnt + 1, sizeof(*a->top));
	a->sub = calloc((size_t)member_cnt * (size_t)topic_cnt + 1, 1);
	a->tbase = calloc((size_t)topic_cnt + 1, sizeof(*a->tbase));
	a->count = calloc((size_t)member_cnt + 1, sizeof(*a->count));
	if (!a->mem || !a->top || !a->sub || !a->tbase || !a->count)
		goto nomem;
	for (i = 0; i < member_cnt; i++) {
		if (!members[i].member_id || members[i].topic_cnt < 0 ||
		    (members[i].topic_cnt > 0 && !members[i].topics)) {
			asg_err(errstr, n, "member without id or with an invalid topic list", NULL);
			return -1;
		}
		a->mem[i] = &members[i];
	}
	for (i = 0; i < topic_cnt; i++) {
		if (!topics[i].topic || topics[i].partition_cnt < 0) {
			asg_err(errstr, n, "topic without name or with a negative partition count",
			        topics[i].topic);
			return -1;
		}
		a->top[i] = &topics[i];
	}
	qsort(a->mem, (size_t)member_cnt, sizeof(*a->mem), asg_cmp_member);
	qsort(a->top, (size_t)topic_cnt, sizeof(*a->top), asg_cmp_topic);
	for (i = 1; i < member_cnt; i++)
		if (!strcmp(a->mem[i]->member_id, a->mem[i - 1]->member_id)) {
			asg_err(errstr, n, "duplicate member id", a->mem[i]->member_id);
			return -1;
		}
	for (i = 1; i < topic_cnt; i++)
		if (!strcmp(a->top[i]->topic, a->top[i - 1]->topic)) {
			asg_err(errstr, n, "duplicate topic", a->top[i]->topic);
			return -1;
		}
	for (i = 0; i < topic_cnt; i++) {
		if ((int64_t)a->tbase[i] + a->top[i]->partition_cnt > 1000000) {
			asg_err(errstr, n, "too many partitions (over 1000000)", NULL);
			return -1;
		}
		a->tbase[i + 1] = a->tbase[i] + a->top[i]->partition_cnt;
	}
	a->pcnt = a->tbase[topic_cnt];
	a->ptopic = calloc((size_t)a->pcnt + 1, sizeof(*a->ptopic));
	a->owner = calloc((size_t)a->pcnt + 1, sizeof(*a->owner));
	if (!a->ptopic || !a->owner)
		goto nomem;
	for (i = 0; i < topic_cnt; i++)
		for (j = a->tbase[i]; j < a->tbase[i + 1]; j++)
			a->ptopic[j] = i;
	for (j = 0; j < a->pcnt; j++)
		a->owner[j] = -1;
	for (i = 0; i < member_cnt; i++)
		for (j = 0; j < a->mem[i]->topic_cnt; j++) {
			int t;
			if (!a->mem[i]->topics[j])
				continue;
			t = asg_topic_index(a, a->mem[i]->topics[j]);
			if (t >= 0)
				a->sub[(size_t)i * (size_t)topic_cnt + (size_t)t] = 1;
		}
	return 0;
nomem:
	asg_err(errstr, n, "out of memory", NULL);
	return -1;
}

static void asg_give(asg_t *a, int p, int m)
{
	if (a->owner[p] >= 0)
		a->count[a->owner[p]]--;
	a->owner[p] = m;
	if (m >= 0)
		a->count[m]++;
}

static void asg_range(asg_t *a)
{
	int t, m;

	for (t = 0; t < a->tcnt; t++) {
		int subs = 0, k = 0, per, extra, next;
		for (m = 0; m < a->mcnt; m++)
			subs += asg_subscribed(a, m, t);
		if (!subs)
			continue;
		per = a->top[t]->partition_cnt / subs;
		extra = a->top[t]->partition_cnt % subs;
		next = a->tbase[t];
		for (m = 0; m < a->mcnt; m++) {
			int len, i;
			if (!asg_subscribed(a, m, t))
				continue;
			len = per + (k < extra ? 1 : 0);
			for (i = 0; i < len; i++)
				asg_give(a, next++, m);
			k++;
		}
	}
}

static void asg_roundrobin(asg_t *a)
{
	int p, cur = 0;

	for (p = 0; p < a->pcnt; p++) {
		int t = a->ptopic[p], tries;
		for (tries = 0; tries < a->mcnt && !asg_subscribed(a, cur, t); tries++)
			cur = (cur + 1) % a->mcnt;
		if (tries == a->mcnt)
			continue; /* nobody subscribes to this topic */
		asg_give(a, p, cur);
		cur = (cur + 1) % a->mcnt;
	}
}

/* The least loaded member subscribed to topic t with at most `max` partitions
 * (lowest id on ties), or -1. */
static int asg_least_loaded(const asg_t *a, int t, int max)
{
	int m, best = -1;
	for (m = 0; m < a->mcnt; m++)
		if (asg_subscribed(a, m, t) && a->count[m] <= max &&
		    (best < 0 || a->count[m] < a->count[best]))
			best = m;
	return best;
}

/* One balancing move of the sticky strategy; returns 1 if a partition moved. */
static int asg_sticky_move(asg_t *a, const int *prev, int *order)
{
	int i, m, pass, p;

	/* Members by descending count, then id: try the most loaded first. */
	for (i = 0; i < a->mcnt; i++)
		order[i] = i;
	for (i = 1; i < a->mcnt; i++) {
		int v = order[i], j = i;
		while (j > 0 && a->count[order[j - 1]] < a->count[v]) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = v;
	}
	for (i = 0; i < a->mcnt; i++) {
		m = order[i];
		if (a->count[m] < 2)
			break;
		/* Pass 0: partitions m did not own before; pass 1: any. */
		for (pass = 0; pass < 2; pass++)
			for (p = a->pcnt - 1; p >= 0; p--) {
				int b;
				if (a->owner[p] != m || (pass == 0 && prev[p] == m))
					continue;
				b = asg_least_loaded(a, a->ptopic[p], a->count[m] - 2);
				if (b >= 0) {
					asg_give(a, p, b);
					return 1;
				}
			}
	}
	return 0;
}

/* Returns 0 or -1 (out of memory). */
static int asg_sticky(asg_t *a, const zkjson_group_assignment_t *previous)
{
	int *prev = malloc(((size_t)a->pcnt + 1) * sizeof(*prev));
	int *order = malloc(((size_t)a->mcnt + 1) * sizeof(*order));
	int i, p;

	if (!prev || !order) {
		free(prev);
		free(order);
		return -1;
	}
	for (p = 0; p < a->pcnt; p++)
		prev[p] = -1;
	for (i = 0; previous && i < previous->cnt; i++) {
		int t, m;
		if (!previous->topics || !previous->members || !previous->partitions ||
		    !previous->topics[i] || !previous->members[i])
			break;
		t = asg_topic_index(a, previous->topics[i]);
		m = asg_member_index(a, previous->members[i]);
		if (t < 0 || m < 0 || previous->partitions[i] < 0 ||
		    previous->partitions[i] >= a->top[t]->partition_cnt)
			continue;
		prev[a->tbase[t] + previous->partitions[i]] = m;
	}
	/* 1: stay with a previous owner that is still eligible. */
	for (p = 0; p < a->pcnt; p++)
		if (prev[p] >= 0 && asg_subscribed(a, prev[p], a->ptopic[p]))
			asg_give(a, p, prev[p]);
	/* 2: the rest to the least loaded eligible member. */
	for (p = 0; p < a->pcnt; p++)
		if (a->owner[p] < 0)
			asg_give(a, p, asg_least_loaded(a, a->ptopic[p], a->pcnt));
	/* 3: balance. */
	while (asg_sticky_move(a, prev, order))
		;
	free(prev);
	free(order);
	return 0;
}

/* Fills out from a->owner. Returns 0 or -1 (out of memory; out zeroed). */
static int asg_emit(const asg_t *a, zkjson_group_assignment_t *out)
{
	int p, k = 0, cnt = 0;

	for (p = 0; p < a->pcnt; p++)
		cnt += a->owner[p] >= 0;
	out->topics = calloc((size_t)cnt + 1, sizeof(*out->topics));
	out->members = calloc((size_t)cnt + 1, sizeof(*out->members));
	out->partitions = calloc((size_t)cnt + 1, sizeof(*out->partitions));
	if (!out->topics || !out->members || !out->partitions)
		goto nomem;
	for (p = 0; p < a->pcnt; p++) {
		int t = a->ptopic[p];
		if (a->owner[p] < 0)
			continue;
		out->topics[k] = strdup(a->top[t]->topic);
		out->members[k] = strdup(a->mem[a->owner[p]]->member_id);
		out->partitions[k] = p - a->tbase[t];
		out->cnt = ++k;
		if (!out->topics[k - 1] || !out->members[k - 1])
			goto nomem;
	}
	return 0;
nomem:
	zkjson_group_assignment_clear(out);
	return -1;
}

int assignor_strategy_valid(const char *strategy)
{
	int i;
	for (i = 0; strategy && assignor_strategies[i]; i++)
		if (!strcmp(strategy, assignor_strategies[i]))
			return 1;
	return 0;
}

int assignor_assign(const char *strategy, const assignor_member_t *members, int member_cnt,
                    const assignor_topic_t *topics, int topic_cnt,
                    const zkjson_group_assignment_t *previous, zkjson_group_assignment_t *out,
                    char *errstr, size_t n)
{
	asg_t a;
	int rc = -1;

	if (errstr && n)
		errstr[0] = '\0';
	if (!out) {
		asg_err(errstr, n, "no output assignment given", NULL);
		return -1;
	}
	memset(out, 0, sizeof(*out));
	if (!assignor_strategy_valid(strategy)) {
		asg_err(errstr, n,
		        "unknown partition assignment strategy (range, roundrobin or "
		        "sticky)",
		        strategy ? strategy : "(null)");
		return -1;
	}
	if (asg_init(&a, members, member_cnt, topics, topic_cnt, errstr, n) < 0)
		goto out;
	if (!strcmp(strategy, "range"))
		asg_range(&a);
	else if (!strcmp(strategy, "roundrobin"))
		asg_roundrobin(&a);
	else if (asg_sticky(&a, previous) < 0)
		goto nomem;
	if (asg_emit(&a, out) < 0)
		goto nomem;
	rc = 0;
	goto out;
nomem:
	asg_err(errstr, n, "out of memory", NULL);
out:
	asg_free(&a);
	return rc;
}
