/*
 * checkpoint.c — reading and atomically writing Kafka-style checkpoint
 * files (format in checkpoint.h). Any thread; no shared state.
 */
#include "storage/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "storage/storage_io.h"

/* fsync of the directory holding path, so a rename is durable. */
static int checkpoint_sync_dir(const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	int ret = 0;
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		ret = -errno;
	if (fd >= 0)
		close(fd);
	free(copy);
	return ret;
}

int checkpoint_write_atomic(const char *path, const void *buf, size_t len)
{
	int ret = 0, fd = -1;
	size_t n = strlen(path) + 5;
	char *tmp = malloc(n);
	if (!tmp)
		return -ENOMEM;
	snprintf(tmp, n, "%s.tmp", path);
	fd = sio_open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	ret = sio_pwrite_all(fd, buf, len, 0, tmp);
	if (ret == 0)
		ret = sio_fsync(fd, tmp);
	if (ret < 0)
		goto out;
	close(fd);
	fd = -1;
	ret = sio_rename(tmp, path);
	if (ret < 0)
		goto out;
	ret = checkpoint_sync_dir(path);
out:
	if (fd >= 0)
		close(fd);
	if (ret < 0)
		unlink(tmp);
	free(tmp);
	return ret;
}

/* A growable text buffer for building a file. */
typedef struct checkpoint_buf {
	char *p;
	size_t len, cap;
	int oom;
} checkpoint_buf_t;

static void checkpoint_printf(checkpoint_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void checkpoint_printf(checkpoint_buf_t *b, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if (b->p && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 256;
		while (cap <= b->len + (size_t)n)
			cap *= 2;
		char *np = realloc(b->p, cap);
		if (!np) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
}

static int checkpoint_finish(const char *path, checkpoint_buf_t *b, char *errstr,
                             size_t errstr_size)
{
	int ret = b->oom ? -ENOMEM : checkpoint_write_atomic(path, b->p, b->len);
	free(b->p);
	if (ret < 0) {
		snprintf(errstr, errstr_size, "cannot write %s: %s", path, strerror(-ret));
		return ret;
	}
	return 0;
}

int checkpoint_write(const char *path, const checkpoint_entry_t *entries, size_t cnt, char *errstr,
                     size_t errstr_size)
{
	checkpoint_buf_t b = { 0 };
	checkpoint_printf(&b, "%d\n%zu\n", CHECKPOINT_VERSION, cnt);
	for (size_t i = 0; i < cnt; i++)
		checkpoint_printf(&b, "%s %" PRId32 " %" PRId64 "\n", entries[i].topic,
		                  entries[i].partition, entries[i].value);
	return checkpoint_finish(path, &b, errstr, errstr_size);
}

int checkpoint_write_pairs(const char *path, const int64_t (*pairs)[2], size_t cnt, char *errstr,
                           size_t errstr_size)
{
	checkpoint_buf_t b = { 0 };
	checkpoint_printf(&b, "%d\n%zu\n", CHECKPOINT_VERSION, cnt);
	for (size_t i = 0; i < cnt; i++)
		checkpoint_printf(&b, "%" PRId64 " %" PRId64 "\n", pairs[i][0], pairs[i][1]);
	return checkpoint_finish(path, &b, errstr, errstr_size);
}

/* Reads the version and count lines. Returns 1 when the file is absent, 0
 * with *cntp, -1 with errstr. */
static int checkpoint_open(const char *path, FILE **fp, size_t *cntp, char *errstr,
                           size_t errstr_size)
{
	char line[512];
	*fp = fopen(path, "re");
	if (!*fp) {
		if (errno == ENOENT)
			return 1;
		snprintf(errstr, errstr_size, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	long long version, cnt;
	char extra;
	if (!fgets(line, sizeof(line), *fp) || sscanf(line, "%lld %c", &version, &extra) != 1 ||
	    version != CHECKPOINT_VERSION) {
		snprintf(errstr, errstr_size, "%s: line 1: expected version %d", path,
		         CHECKPOINT_VERSION);
		goto fail;
	}
	if (!fgets(line, sizeof(line), *fp) || sscanf(line, "%lld %c", &cnt, &extra) != 1 ||
	    cnt < 0 || cnt > 10000000) {
		snprintf(errstr, errstr_size, "%s: line 2: expected an entry count", path);
		goto fail;
	}
	*cntp = (size_t)cnt;
	return 0;
fail:
	fclose(*fp);
	*fp = NULL;
	return -1;
}

/* After the entries: nothing but the end of file. */
static int checkpoint_check_end(FILE *f, const char *path, size_t cnt, char *errstr,
                                size_t errstr_size)
{
	char line[8];
	if (fgets(line, sizeof(line), f)) {
		snprintf(errstr, errstr_size, "%s: more lines than the count %zu", path, cnt);
		return -1;
	}
	return 0;
}

int checkpoint_read(const char *path, checkpoint_entry_t **entriesp, size_t *cntp, char *errstr,
                    size_t errstr_size)
{
	FILE *f = NULL;
	size_t cnt = 0, got = 0;
	checkpoint_entry_t *e = NULL;
	int ret = checkpoint_open(path, &f, &cnt, errstr, errstr_size);
	*entriesp = NULL;
	*cntp = 0;
	if (ret != 0)
		return ret > 0 ? 0 : -1;
	ret = -1;
	if (cnt > 0) {
		e = calloc(cnt, sizeof(*e));
		if (!e) {
			snprintf(errstr, errstr_size, "out of memory");
			goto out;
		}
	}
	char line[512];
	for (got = 0; got < cnt; got++) {
		char topic[256], extra;
		long long part, value;
		if (!fgets(line, sizeof(line), f) ||
		    sscanf(line, "%255s %lld %lld %c", topic, &part, &value, &extra) != 3 ||
		    part < 0 || part > INT32_MAX) {
			snprintf(errstr, errstr_size,
			         "%s: line %zu: expected \"topic partition value\"", path, got + 3);
			goto out;
		}
		e[got].topic = strdup(topic);
		if (!e[got].topic) {
			snprintf(errstr, errstr_size, "out of memory");
			goto out;
		}
		e[got].partition = (int32_t)part;
		e[got].value = value;
	}
	if (checkpoint_check_end(f, path, cnt, errstr, errstr_size) < 0)
		goto out;
	*entriesp = e;
	*cntp = cnt;
	e = NULL;
	ret = 0;
out:
	if (e)
		checkpoint_free(e, got);
	fclose(f);
	return ret;
}

void checkpoint_free(checkpoint_entry_t *entries, size_t cnt)
{
	for (size_t i = 0; entries && i < cnt; i++)
		free(entries[i].topic);
	free(entries);
}

int checkpoint_read_pairs(const char *path, int64_t (**pairsp)[2], size_t *cntp, char *errstr,
                          size_t errstr_size)
{
	FILE *f = NULL;
	size_t cnt = 0;
	int64_t(*p)[2] = NULL;
	int ret = checkpoint_open(path, &f, &cnt, errstr, errstr_size);
	*pairsp = NULL;
	*cntp = 0;
	if (ret != 0)
		return ret > 0 ? 0 : -1;
	ret = -1;
	if (cnt > 0) {
		p = calloc(cnt, sizeof(*p));
		if (!p) {
			snprintf(errstr, errstr_size, "out of memory");
			goto out;
		}
	}
	char line[512];
	for (size_t i = 0; i < cnt; i++) {
		long long a, b;
		char extra;
		if (!fgets(line, sizeof(line), f) ||
		    sscanf(line, "%lld %lld %c", &a, &b, &extra) != 2) {
			snprintf(errstr, errstr_size, "%s: line %zu: expected two integers", path,
			         i + 3);
			goto out;
		}
		p[i][0] = a;
		p[i][1] = b;
	}
	if (checkpoint_check_end(f, path, cnt, errstr, errstr_size) < 0)
		goto out;
	*pairsp = p;
	*cntp = cnt;
	p = NULL;
	ret = 0;
out:
	free(p);
	fclose(f);
	return ret;
}
