/*
 * 0050-cli — the real `fjord` binary against the shared cluster: topic
 * create / list / describe / delete, produce from stdin, consume -n with
 * --format json, binary data round trip with --encoding base64, and exit
 * codes (1 for an unknown topic, 2 for usage errors).
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_int.h"
#include "test.h"

/* Runs `fjord -z ZK <args>` (args is spliced into a shell line). */
static char *t0050_run(test_cluster_t *c, int *exitp, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static char *t0050_run(test_cluster_t *c, int *exitp, const char *fmt, ...)
{
	char *args = NULL;
	va_list ap;
	va_start(ap, fmt);
	ck_assert(vasprintf(&args, fmt, ap) > 0);
	va_end(ap);
	char *full = NULL;
	/* A leading "INPUT |" stays in front of the binary. */
	char *bar = strstr(args, " | ");
	if (bar) {
		*bar = '\0';
		ck_assert(asprintf(&full, "%s | %s -z %s %s", args, test_cli_path(), c->zk_connect,
		                   bar + 3) > 0);
	} else {
		ck_assert(asprintf(&full, "%s -z %s %s", test_cli_path(), c->zk_connect, args) > 0);
	}
	char *out = test_run(full, exitp);
	test_say("$ %s\n=> exit %d\n%s", full, *exitp, out);
	free(args);
	free(full);
	return out;
}

/* Parses JSON lines; returns how many objects were read into objs. */
static int t0050_json_lines(char *out, json_t **objs, int max)
{
	int n = 0;
	for (char *line = strtok(out, "\n"); line && n < max; line = strtok(NULL, "\n")) {
		if (*line != '{')
			continue;
		json_t *js = json_loads(line, 0, NULL);
		if (js)
			objs[n++] = js;
	}
	return n;
}

START_TEST(t0050_cli)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("cli");
	int ex = -1;
	char *out;

	out = t0050_run(c, &ex, "topic create %s -p 3 -r 1", topic);
	ck_assert_int_eq(ex, 0);
	free(out);
	out = t0050_run(c, &ex, "topic list");
	ck_assert_int_eq(ex, 0);
	ck_assert_msg(strstr(out, topic), "topic list does not show %s", topic);
	free(out);
	out = t0050_run(c, &ex, "topic describe %s --format json", topic);
	ck_assert_int_eq(ex, 0);
	ck_assert_msg(strstr(out, topic) && strstr(out, "partition"), "describe: %s", out);
	json_t *desc = json_loads(out, 0, NULL);
	ck_assert_msg(desc, "topic describe --format json is not one JSON document");
	json_decref(desc);
	free(out);
	out = t0050_run(c, &ex, "topic describe %s", topic);
	ck_assert_int_eq(ex, 0);
	ck_assert_msg(strstr(out, "LEADER"), "describe has no LEADER column: %s", out);
	free(out);

	/* Text in, JSON out. */
	out = t0050_run(c, &ex, "printf 'one\\ntwo\\nthree\\n' | produce %s -p 0", topic);
	ck_assert_int_eq(ex, 0);
	free(out);
	out = t0050_run(c, &ex, "consume %s -p 0 --from-beginning -n 3 --format json 2>/dev/null",
	                topic);
	ck_assert_int_eq(ex, 0);
	json_t *objs[8];
	int n = t0050_json_lines(out, objs, 8);
	ck_assert_int_eq(n, 3);
	const char *want[] = { "one", "two", "three" };
	for (int i = 0; i < 3; i++) {
		ck_assert_str_eq(json_string_value(json_object_get(objs[i], "value")), want[i]);
		ck_assert_int_eq(json_integer_value(json_object_get(objs[i], "offset")), i);
		ck_assert_int_eq(json_integer_value(json_object_get(objs[i], "partition")), 0);
		ck_assert_str_eq(json_string_value(json_object_get(objs[i], "topic")), topic);
		json_decref(objs[i]);
	}
	free(out);

	/* Binary values round trip through base64: 00 01 02 ff and "\n\r". */
	out = t0050_run(c, &ex, "printf 'AAEC/w==\\nCg0=\\n' | produce %s -p 1 --encoding base64",
	                topic);
	ck_assert_int_eq(ex, 0);
	free(out);
	out = t0050_run(c, &ex,
	                "consume %s -p 1 --from-beginning -n 2 --format json --encoding base64 "
	                "2>/dev/null",
	                topic);
	ck_assert_int_eq(ex, 0);
	n = t0050_json_lines(out, objs, 8);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(json_string_value(json_object_get(objs[0], "value")), "AAEC/w==");
	ck_assert_str_eq(json_string_value(json_object_get(objs[1], "value")), "Cg0=");
	json_decref(objs[0]);
	json_decref(objs[1]);
	free(out);

	/* Exit codes: unknown topic 1, usage 2. */
	const char *missing = test_topic_name("nosuch");
	out = t0050_run(c, &ex, "consume %s -n 1", missing);
	ck_assert_int_eq(ex, 1);
	ck_assert_msg(strstr(out, "does not exist"), "unknown topic message: %s", out);
	free(out);
	out = t0050_run(c, &ex, "topic describe %s", missing);
	ck_assert_int_eq(ex, 1);
	free(out);
	out = t0050_run(c, &ex, "topic create");
	ck_assert_int_eq(ex, 2);
	free(out);
	out = t0050_run(c, &ex, "no-such-subcommand");
	ck_assert_int_eq(ex, 2);
	free(out);
	out = t0050_run(c, &ex, "consume %s --no-such-flag", topic);
	ck_assert_int_eq(ex, 2);
	free(out);

	out = t0050_run(c, &ex, "topic delete %s", topic);
	ck_assert_int_eq(ex, 0);
	free(out);
	out = t0050_run(c, &ex, "topic list");
	ck_assert_int_eq(ex, 0);
	ck_assert_msg(!strstr(out, topic), "deleted topic %s still listed", topic);
	free(out);
}
END_TEST

void test_0050(TCase *tc)
{
	tcase_add_test(tc, t0050_cli);
}
