/*
 * cgrp_helpers.c — see cgrp_helpers.h.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cgrp_helpers.h"

fjord_t *tg_member_new(test_cluster_t *c, const char *group, const char *topic, ...)
{
	static const char *const defaults[][2] = { { "auto.offset.reset", "earliest" },
		                                   { "session.timeout.ms", "4000" },
		                                   { "auto.commit.interval.ms", "500" },
		                                   { "client.id", "tg" } };
	fjord_conf_t *conf = test_conf(c, "group.id", group, NULL);
	char errstr[512];
	const char *name;
	fjord_topic_partition_list_t *l;
	fjord_t *fj;
	va_list ap;
	size_t i;
	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		ck_assert(fjord_conf_set(conf, defaults[i][0], defaults[i][1], errstr,
		                         sizeof(errstr)) == FJORD_CONF_OK);
	va_start(ap, topic);
	while ((name = va_arg(ap, const char *))) {
		const char *value = va_arg(ap, const char *);
		ck_assert_msg(fjord_conf_set(conf, name, value, errstr, sizeof(errstr)) ==
		                  FJORD_CONF_OK,
		              "%s: %s", name, errstr);
	}
	va_end(ap);
	fj = fjord_new(FJORD_CONSUMER, conf, errstr, sizeof(errstr));
	ck_assert_msg(fj != NULL, "consumer: %s", errstr);
	l = fjord_topic_partition_list_new(1);
	fjord_topic_partition_list_add(l, topic, -1);
	ck_assert_int_eq(fjord_subscribe(fj, l), FJORD_ERR_NO_ERROR);
	fjord_topic_partition_list_destroy(l);
	return fj;
}

int tg_poll(fjord_t *fj, test_msgver_t *mv, int until, int ms, int *eventsp)
{
	int64_t deadline = test_now_ms() + (int64_t)(ms * test_timeout_multiplier());
	int got = 0;
	while (test_now_ms() < deadline && (until <= 0 || test_msgver_cnt(mv) < until)) {
		fjord_message_t *m = fjord_consumer_poll(fj, 100);
		if (!m)
			continue;
		if (m->err) {
			if (eventsp)
				(*eventsp)++;
		} else {
			test_msgver_add(mv, m);
			got++;
		}
		fjord_message_destroy(m);
	}
	return got;
}

int tg_assigned_cnt(fjord_t *fj)
{
	fjord_topic_partition_list_t *l = NULL;
	int n;
	ck_assert_int_eq(fjord_assignment(fj, &l), FJORD_ERR_NO_ERROR);
	n = l->cnt;
	fjord_topic_partition_list_destroy(l);
	return n;
}

void tg_produce(test_cluster_t *c, const char *topic, int partitions, int cnt)
{
	int p;
	for (p = 0; p < partitions; p++)
		test_produce_msgs(c, topic, p, cnt, 16);
}

int64_t tg_committed(test_cluster_t *c, const char *group, const char *topic, int32_t p)
{
	char cmd[512], *out, *line;
	int status = 0;
	int64_t v = -1;
	snprintf(cmd, sizeof(cmd), "get /consumers/%s/offsets/%s/%d", group, topic, (int)p);
	out = test_zkcli(c, cmd, &status);
	/* zkCli prints the value on a line of its own: the last all-digit line. */
	for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		char *end;
		long long x;
		if (!*line || *line < '0' || *line > '9')
			continue;
		x = strtoll(line, &end, 10);
		if (*end == '\0' || *end == '\r')
			v = x;
	}
	free(out);
	return v;
}

const char *tg_group_name(const char *suffix)
{
	return test_topic_name(suffix); /* same uniqueness rules */
}
