/*
 * repl_logs.c — see repl_logs.h. Segment files are read while the brokers
 * run: callers first wait until no more appends happen (every replica at
 * the same LEO), so the page cache holds the final bytes.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_int.h"
#include "repl_logs.h"
#include "repl_util.h"

static int repl_logs_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

uint8_t *repl_logs_read(const test_cluster_t *c, int i, const char *topic, int32_t partition,
                        size_t *lenp)
{
	char dir[1024], path[1400];
	char *names[4096];
	int cnt = 0;
	struct dirent *de;
	uint8_t *all = NULL;
	size_t len = 0;

	snprintf(dir, sizeof(dir), "%s/%s-%d", c->brokers[i].logdir, topic, (int)partition);
	DIR *d = opendir(dir);
	ck_assert_msg(d, "cannot open %s", dir);
	while ((de = readdir(d)) != NULL && cnt < 4096) {
		size_t n = strlen(de->d_name);
		if (n == 24 && strcmp(de->d_name + 20, ".log") == 0)
			names[cnt++] = strdup(de->d_name);
	}
	closedir(d);
	/* %020llu names: lexical order is offset order. */
	qsort(names, (size_t)cnt, sizeof(names[0]), repl_logs_cmp);
	for (int k = 0; k < cnt; k++) {
		size_t n = 0;
		snprintf(path, sizeof(path), "%s/%s", dir, names[k]);
		uint8_t *buf = (uint8_t *)harness_read_file(path, &n);
		ck_assert_msg(buf, "cannot read %s", path);
		all = realloc(all, len + n + 1);
		ck_assert_ptr_nonnull(all);
		memcpy(all + len, buf, n);
		len += n;
		free(buf);
		free(names[k]);
	}
	*lenp = len;
	return all ? all : calloc(1, 1);
}

size_t repl_logs_assert_identical(const test_cluster_t *c, const int *idx, int n, const char *topic,
                                  int32_t partition)
{
	size_t len0 = 0;
	uint8_t *first = repl_logs_read(c, idx[0], topic, partition, &len0);

	for (int k = 1; k < n; k++) {
		size_t len = 0;
		uint8_t *other = repl_logs_read(c, idx[k], topic, partition, &len);
		size_t diff = 0;
		while (diff < len && diff < len0 && other[diff] == first[diff])
			diff++;
		ck_assert_msg(
		    len == len0 && diff == len0,
		    "replica on broker %d differs from broker %d: %zu vs %zu bytes, first "
		    "difference at byte %zu",
		    c->brokers[idx[k]].id, c->brokers[idx[0]].id, len, len0, diff);
		free(other);
	}
	free(first);
	test_say("%s-%d: %d replicas byte-identical (%zu bytes)", topic, (int)partition, n, len0);
	return len0;
}

typedef struct repl_logs_wait {
	const test_cluster_t *c;
	const int *idx;
	int n;
	int64_t leo;
	char last[256];
} repl_logs_wait_t;

static int repl_logs_synced(void *arg)
{
	repl_logs_wait_t *w = arg;
	size_t off = 0;
	int ok = 1;

	w->last[0] = '\0';
	for (int k = 0; k < w->n; k++) {
		char *body = repl_http_body(w->c, w->idx[k], "/metrics");
		double leo = repl_metric(body, "fjord_log_end_offset{");
		double hw = repl_metric(body, "fjord_high_watermark{");
		free(body);
		if ((int64_t)leo != w->leo || (int64_t)hw != w->leo)
			ok = 0;
		if (off < sizeof(w->last))
			off += (size_t)snprintf(w->last + off, sizeof(w->last) - off,
			                        " broker %d: LEO %.0f HW %.0f;",
			                        w->c->brokers[w->idx[k]].id, leo, hw);
	}
	return ok;
}

int repl_logs_wait_synced(const test_cluster_t *c, const int *idx, int n, int64_t leo,
                          int timeout_ms)
{
	repl_logs_wait_t w = { c, idx, n, leo, "" };
	int ok = test_wait_until(repl_logs_synced, &w, timeout_ms);

	test_say("waiting for LEO = HW = %lld: %s:%s", (long long)leo, ok ? "reached" : "TIMEOUT",
	         w.last);
	return ok;
}

void repl_logs_broker_log(const test_cluster_t *c, int i, char *buf, size_t size)
{
	char props[sizeof(c->brokers[i].props)];

	snprintf(props, sizeof(props), "%s", c->brokers[i].props);
	snprintf(buf, size, "%s/broker.log", dirname(props));
}
