/*
 * kgroup_helpers.c — shared by the real-client tests of the Kafka group
 * coordinator (kgroup_helpers.h).
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kgroup_helpers.h"

pid_t test_kg_spawn(const char *cmd)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	return pid;
}

int test_kg_stop(pid_t pid)
{
	int st = 0;

	kill(pid, SIGTERM);
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void test_kg_bootstrap(test_cluster_t *c, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < c->broker_cnt && len < n; i++) {
		if (!c->brokers[i].pid)
			continue;
		len += (size_t)snprintf(buf + len, n - len, "%s127.0.0.1:%d", len ? "," : "",
		                        test_listener_port(c, i, "KAFKA"));
	}
}

int test_kg_distinct(char files[][600], int nfiles, int max, int *per)
{
	char *seen = calloc((size_t)max + 1, 1), line[512];
	int cnt = 0;

	ck_assert_ptr_nonnull(seen);
	for (int k = 0; k < nfiles; k++) {
		FILE *f = fopen(files[k], "r");
		per[k] = 0;
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			const char *m = strstr(line, "msg=");
			int v;
			if (!m || sscanf(m + 4, "%d", &v) != 1 || v < 0 || v >= max)
				continue;
			per[k]++;
			if (!seen[v]) {
				seen[v] = 1;
				cnt++;
			}
		}
		fclose(f);
	}
	free(seen);
	return cnt;
}

/* The last line of zkCli's output that is a decimal number, or -1. */
static long long test_kg_zk_num(test_cluster_t *c, const char *path)
{
	char cmd[600], *out;
	int st = -1;
	long long v = -1;

	snprintf(cmd, sizeof(cmd), "get %s", path);
	out = test_zkcli(c, cmd, &st);
	for (char *l = out ? strtok(out, "\n") : NULL; l; l = strtok(NULL, "\n")) {
		char *end;
		long long x = strtoll(l, &end, 10);
		if (end != l && *end == '\0')
			v = x;
	}
	free(out);
	return v;
}

long long test_kg_committed(test_cluster_t *c, const char *group, const char *topic, int parts)
{
	long long sum = 0;

	for (int p = 0; p < parts; p++) {
		char path[500];
		long long v;
		snprintf(path, sizeof(path), "/consumers/%s/offsets/%s/%d", group, topic, p);
		if ((v = test_kg_zk_num(c, path)) < 0)
			return -1;
		sum += v;
	}
	return sum;
}

int test_kg_coordinator(test_cluster_t *c, const char *group)
{
	char cmd[400], *out, *line = NULL;
	int st = -1, id = -1;

	snprintf(cmd, sizeof(cmd), "get /consumers/%s/coordinator", group);
	out = test_zkcli(c, cmd, &st);
	ck_assert_ptr_nonnull(out);
	for (char *p = strtok(out, "\n"); p; p = strtok(NULL, "\n"))
		if (*p == '{')
			line = p;
	if (line) {
		json_t *js = json_loads(line, 0, NULL);
		if (js) {
			id = (int)json_integer_value(json_object_get(js, "broker"));
			json_decref(js);
		}
	}
	free(out);
	return id;
}
