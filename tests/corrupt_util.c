/*
 * corrupt_util.c — see corrupt_util.h. Runs in test children.
 */
#include "corrupt_util.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/record_batch.h"
#include "harness_int.h"

int corrupt_segments(test_cluster_t *c, int i, const char *topic, int partition, char ***pathsp)
{
	char cmd[1200], line[1024];
	char **paths = calloc(CORRUPT_MAX_SEGS, sizeof(*paths));
	int n = 0;
	FILE *f;

	ck_assert_ptr_nonnull(paths);
	snprintf(cmd, sizeof(cmd), "ls %s/%s-%d/*.log 2>/dev/null | sort", c->brokers[i].logdir,
	         topic, partition);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	while (n < CORRUPT_MAX_SEGS && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		paths[n] = strdup(line);
		ck_assert_ptr_nonnull(paths[n]);
		n++;
	}
	pclose(f);
	*pathsp = paths;
	return n;
}

void corrupt_free_paths(char **paths, int cnt)
{
	for (int i = 0; i < cnt; i++)
		free(paths[i]);
	free(paths);
}

/* Walks the batches of log: fills b for batch k (k < 0: count only).
 * Returns the number of whole batches walked. */
static int corrupt_walk(const char *log, int k, corrupt_batch_t *b)
{
	int fd = open(log, O_RDONLY);
	uint8_t hdr[RB_HEADER_SIZE];
	off_t pos = 0, size;
	int n = 0;

	ck_assert_msg(fd >= 0, "open %s", log);
	size = lseek(fd, 0, SEEK_END);
	while (pos + RB_HEADER_SIZE <= size &&
	       pread(fd, hdr, sizeof(hdr), pos) == (ssize_t)sizeof(hdr)) {
		size_t total = rb_total_size(hdr);
		if (total < RB_HEADER_SIZE || pos + (off_t)total > size)
			break;
		if (n == k) {
			b->pos = pos;
			b->size = total;
			b->base = rb_base_offset(hdr);
			b->last = rb_last_offset(hdr);
		}
		n++;
		pos += (off_t)total;
	}
	close(fd);
	return n;
}

void corrupt_batch(const char *log, int k, corrupt_batch_t *b)
{
	int n = corrupt_walk(log, k, b);
	ck_assert_msg(n > k, "%s has %d batches, not %d", log, n, k + 1);
}

int corrupt_batch_count(const char *log)
{
	return corrupt_walk(log, -1, NULL);
}

void corrupt_flip(const char *path, off_t pos, uint8_t mask)
{
	int fd = open(path, O_RDWR);
	uint8_t ch;

	ck_assert_msg(fd >= 0, "open %s", path);
	ck_assert_int_eq(pread(fd, &ch, 1, pos), 1);
	ch ^= mask;
	ck_assert_int_eq(pwrite(fd, &ch, 1, pos), 1);
	close(fd);
}

long long corrupt_metric(test_cluster_t *c, int i, const char *line)
{
	char *body = NULL, *at;
	long long v = -1;
	int st = harness_http_get(c->brokers[i].http_port, "/metrics", &body, 5000);

	if (st == 200 && body) {
		for (at = body; at && *at; at = strchr(at, '\n'), at = at ? at + 1 : NULL) {
			if (strncmp(at, line, strlen(line)) == 0) {
				v = strtoll(at + strlen(line), NULL, 10);
				break;
			}
		}
	}
	free(body);
	return v;
}

char *corrupt_health(test_cluster_t *c, int i)
{
	char *body = NULL;
	int st = harness_http_get(c->brokers[i].http_port, "/health", &body, 5000);

	ck_assert_msg(st == 200, "/health of broker %d: %d", c->brokers[i].id, st);
	ck_assert_ptr_nonnull(body);
	return body;
}

int corrupt_log_has(test_cluster_t *c, int i, ...)
{
	char path[700];
	char *text, *line, *save = NULL;
	int found = 0;

	snprintf(path, sizeof(path), "%s/broker-%d/broker.log", c->dir, c->brokers[i].id);
	text = harness_read_file(path, NULL);
	if (!text)
		return 0;
	for (line = strtok_r(text, "\n", &save); line && !found;
	     line = strtok_r(NULL, "\n", &save)) {
		va_list ap;
		const char *s;
		found = 1;
		va_start(ap, i);
		while ((s = va_arg(ap, const char *)) != NULL)
			if (!strstr(line, s))
				found = 0;
		va_end(ap);
	}
	free(text);
	return found;
}

int corrupt_read(test_cluster_t *c, const char *topic, int partition, int64_t hi, int64_t bad_first,
                 int64_t bad_last, test_msgver_t *mv, char *errbuf, size_t errsize)
{
	fjord_t *cons = test_consumer_new(c, NULL);
	fjord_topic_partition_list_t *parts = fjord_topic_partition_list_new(1);
	int64_t pos = 0, deadline;
	int events = 0;

	fjord_topic_partition_list_add(parts, topic, partition)->offset = FJORD_OFFSET_BEGINNING;
	ck_assert_int_eq(fjord_assign(cons, parts), FJORD_ERR_NO_ERROR);
	fjord_topic_partition_list_destroy(parts);
	if (errbuf && errsize)
		errbuf[0] = '\0';
	deadline = test_now_ms() + (int64_t)(60000 * test_timeout_multiplier());
	while (pos < hi && test_now_ms() < deadline) {
		fjord_message_t *m = fjord_consumer_poll(cons, 200);
		if (!m)
			continue;
		if (m->err == FJORD_ERR_CORRUPT_MESSAGE) {
			test_say("consumer: %s [%d] offset %lld: %s", topic, (int)m->partition,
			         (long long)m->offset, m->errstr ? m->errstr : "");
			ck_assert_msg(bad_first >= 0 && m->offset == bad_first,
			              "CORRUPT_MESSAGE at offset %lld (expected %lld)",
			              (long long)m->offset, (long long)bad_first);
			if (errbuf && errsize)
				snprintf(errbuf, errsize, "%s", m->errstr ? m->errstr : "");
			events++;
			pos = bad_last + 1;
			ck_assert_int_eq(fjord_seek(cons, topic, partition, pos, 5000),
			                 FJORD_ERR_NO_ERROR);
		} else if (m->err) {
			test_say("consumer event: %s", fjord_err2name(m->err));
		} else {
			ck_assert_msg(bad_first < 0 || m->offset < bad_first ||
			                  m->offset > bad_last,
			              "record delivered from the corrupt range at offset %lld",
			              (long long)m->offset);
			test_msgver_add(mv, m);
			pos = m->offset + 1;
		}
		fjord_message_destroy(m);
	}
	fjord_destroy(cons);
	ck_assert_msg(pos >= hi, "read up to offset %lld of %lld", (long long)pos, (long long)hi);
	return events;
}
