/*
 * 0141-log-dirs — `fjord log dirs` through the real binary against the
 * shared cluster's brokers' /metrics (issue 13).
 *
 *   1. A topic of 3 partitions, RF 2, gets 20 records per partition. `log
 *      dirs --metrics <the 3 brokers' http.listener> --format json` lists 3
 *      brokers with their broker.id, each with its one log dir (path as
 *      configured, online); the topic appears 6 times (3 partitions x RF 2),
 *      each replica on a broker whose dir holds <topic>-<p>, with the size
 *      the .log files there have on disk; every dir's size is the sum of its
 *      partitions'.
 *   2. --broker ID keeps one broker; the text output has both tables and 6
 *      rows of the topic.
 *   3. An endpoint nobody listens on: exit 1, its error in the JSON, the
 *      other brokers still listed.
 *   4. Usage errors (no --metrics, not host:port, a stray argument) exit 2;
 *      --broker of an id not among the endpoints exits 1.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"

static char *t0141_run(int *exitp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *t0141_run(int *exitp, const char *fmt, ...)
{
	char *args = NULL, *full = NULL, *out;
	va_list ap;

	va_start(ap, fmt);
	ck_assert(vasprintf(&args, fmt, ap) > 0);
	va_end(ap);
	ck_assert(asprintf(&full, "%s --timeout 10000 %s", test_cli_path(), args) > 0);
	out = test_run(full, exitp);
	ck_assert_ptr_nonnull(out);
	test_say("$ %s\n=> exit %d\n%.4000s\n", full, *exitp, out);
	free(args);
	free(full);
	return out;
}

/* Bytes of the .log files in dir/topic-p; -1 when the dir does not exist. */
static long long t0141_disk_size(const char *dir, const char *topic, int p)
{
	char path[1024], f[1400];
	long long sum = 0;
	struct dirent *de;
	struct stat st;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s-%d", dir, topic, p);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);

		if (n < 4 || strcmp(de->d_name + n - 4, ".log"))
			continue;
		snprintf(f, sizeof(f), "%s/%s", path, de->d_name);
		ck_assert_int_eq(stat(f, &st), 0);
		sum += st.st_size;
	}
	closedir(d);
	return sum;
}

/* A TCP port on 127.0.0.1 that nobody listens on (bound, then closed). */
static int t0141_dead_port(void)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	ck_assert_int_ge(fd, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

START_TEST(t0141_log_dirs)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("dirs");
	char eps[512] = "", *out;
	json_t *js, *brokers;
	int i, p, ex, replicas = 0;

	ck_assert_int_eq(c->broker_cnt, 3);
	test_create_topic(c, topic, 3, 2);
	for (p = 0; p < 3; p++)
		test_produce_msgs(c, topic, p, 20, 100);
	for (i = 0; i < c->broker_cnt; i++)
		snprintf(eps + strlen(eps), sizeof(eps) - strlen(eps), "%s127.0.0.1:%d",
		         i ? "," : "", c->brokers[i].http_port);

	/* 1. Every broker, as JSON. */
	out = t0141_run(&ex, "log dirs --metrics %s --format json", eps);
	ck_assert_int_eq(ex, 0);
	js = json_loads(out, 0, NULL);
	ck_assert_ptr_nonnull(js);
	brokers = json_object_get(js, "brokers");
	ck_assert_int_eq((int)json_array_size(brokers), 3);
	for (i = 0; i < 3; i++) {
		json_t *b = json_array_get(brokers, i), *dirs = json_object_get(b, "log_dirs");
		json_t *d = json_array_get(dirs, 0), *parts = json_object_get(d, "partitions");
		long long sum = 0;

		ck_assert(json_is_null(json_object_get(b, "error")));
		ck_assert_int_eq(json_integer_value(json_object_get(b, "broker")),
		                 c->brokers[i].id);
		ck_assert_int_eq((int)json_array_size(dirs), 1);
		ck_assert_str_eq(json_string_value(json_object_get(d, "path")),
		                 c->brokers[i].logdir);
		ck_assert_str_eq(json_string_value(json_object_get(d, "state")), "online");
		for (size_t k = 0; k < json_array_size(parts); k++) {
			json_t *jp = json_array_get(parts, k);
			long long size = json_integer_value(json_object_get(jp, "size"));

			sum += size;
			if (strcmp(json_string_value(json_object_get(jp, "topic")), topic))
				continue;
			p = (int)json_integer_value(json_object_get(jp, "partition"));
			ck_assert_int_eq(size, t0141_disk_size(c->brokers[i].logdir, topic, p));
			ck_assert_int_gt(size, 20 * 100);
			replicas++;
		}
		ck_assert_int_eq(json_integer_value(json_object_get(d, "size")), sum);
		ck_assert_int_eq(json_integer_value(json_object_get(b, "size")), sum);
		for (p = 0; p < 3; p++) {
			/* A replica on disk here is listed, and only then. */
			int listed = 0;

			for (size_t k = 0; k < json_array_size(parts); k++) {
				json_t *jp = json_array_get(parts, k);
				if (!strcmp(json_string_value(json_object_get(jp, "topic")),
				            topic) &&
				    json_integer_value(json_object_get(jp, "partition")) == p)
					listed = 1;
			}
			ck_assert_int_eq(listed,
			                 t0141_disk_size(c->brokers[i].logdir, topic, p) >= 0);
		}
	}
	ck_assert_int_eq(replicas, 6);
	json_decref(js);
	free(out);

	/* 2. One broker; the text tables. */
	out = t0141_run(&ex, "log dirs --metrics %s --broker %d --format json", eps,
	                c->brokers[1].id);
	ck_assert_int_eq(ex, 0);
	js = json_loads(out, 0, NULL);
	ck_assert_ptr_nonnull(js);
	brokers = json_object_get(js, "brokers");
	ck_assert_int_eq((int)json_array_size(brokers), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(brokers, 0), "broker")),
	                 c->brokers[1].id);
	json_decref(js);
	free(out);
	out = t0141_run(&ex, "log dirs --metrics %s", eps);
	ck_assert_int_eq(ex, 0);
	ck_assert(strstr(out, "BROKER") && strstr(out, "STATE") && strstr(out, "PARTITION"));
	{
		int rows = 0;
		for (char *q = out; (q = strstr(q, topic)) != NULL; q += strlen(topic))
			rows++;
		ck_assert_int_eq(rows, 6);
	}
	free(out);

	/* 3. A dead endpoint among live ones. */
	out = t0141_run(&ex, "log dirs --metrics %s,127.0.0.1:%d --format json 2>/dev/null", eps,
	                t0141_dead_port());
	ck_assert_int_eq(ex, 1);
	js = json_loads(out, 0, NULL);
	ck_assert_ptr_nonnull(js);
	brokers = json_object_get(js, "brokers");
	ck_assert_int_eq((int)json_array_size(brokers), 4);
	ck_assert(json_is_string(json_object_get(json_array_get(brokers, 3), "error")));
	ck_assert(json_is_null(json_object_get(json_array_get(brokers, 0), "error")));
	json_decref(js);
	free(out);

	/* 4. Usage errors; an unknown broker id. */
	out = t0141_run(&ex, "log dirs");
	ck_assert_int_eq(ex, 2);
	ck_assert(strstr(out, "--metrics") != NULL);
	free(out);
	out = t0141_run(&ex, "log dirs --metrics nonsense");
	ck_assert_int_eq(ex, 2);
	free(out);
	out = t0141_run(&ex, "log dirs --metrics %s extra", eps);
	ck_assert_int_eq(ex, 2);
	free(out);
	out = t0141_run(&ex, "log dirs --metrics %s --broker 999", eps);
	ck_assert_int_eq(ex, 1);
	ck_assert(strstr(out, "no broker 999") != NULL);
	free(out);
}
END_TEST

void test_0141(TCase *tc)
{
	tcase_add_test(tc, t0141_log_dirs);
}
