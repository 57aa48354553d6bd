/*
 * storage_io.c — storage's system calls through one door: the error kinds
 * and the test-only fault rules (see storage_io.h for both).
 *
 * Fault rules live in a small array under a mutex; sio_armed says whether
 * any is set, so the wrappers skip the lock entirely in production.
 */
#include "storage/storage_io.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

sio_err_kind_t sio_err_kind(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		return SIO_ERR_NONE;
	case ENOSPC:
	case EDQUOT:
		return SIO_ERR_SPACE;
	case EINTR:
	case EAGAIN:
	case ENOMEM:
	case EMFILE:
	case ENFILE:
		return SIO_ERR_TRANSIENT;
	default:
		return SIO_ERR_DISK;
	}
}

const char *sio_err_kind_name(sio_err_kind_t kind)
{
	switch (kind) {
	case SIO_ERR_SPACE:
		return "no space";
	case SIO_ERR_TRANSIENT:
		return "transient";
	case SIO_ERR_DISK:
		return "disk";
	default:
		return "none";
	}
}

/* ------------------------------------------------------------ fault rules */

static pthread_mutex_t sio_lock = PTHREAD_MUTEX_INITIALIZER;
static sio_fault_rule_t sio_rules[SIO_FAULT_MAX];
static size_t sio_rule_cnt;
static atomic_int sio_armed;

static const struct {
	const char *name;
	int err;
} sio_errnos[] = { { "EIO", EIO }, { "ENOSPC", ENOSPC }, { "EROFS", EROFS }, { "EDQUOT", EDQUOT } };

static const struct {
	const char *name;
	int op;
} sio_ops[] = { { "read", SIO_OP_READ },
	        { "write", SIO_OP_WRITE },
	        { "sync", SIO_OP_SYNC },
	        { "open", SIO_OP_OPEN },
	        { "all", SIO_OP_ALL } };

/* The next whitespace-separated word of [*p, end): its start and length;
 * 0 when the line has no more words. */
static size_t sio_word(const char **p, const char *end, const char **wordp)
{
	const char *s = *p;

	while (s < end && (*s == ' ' || *s == '\t' || *s == '\r'))
		s++;
	*wordp = s;
	while (s < end && *s != ' ' && *s != '\t' && *s != '\r')
		s++;
	*p = s;
	return (size_t)(s - *wordp);
}

static int sio_word_is(const char *w, size_t n, const char *name)
{
	return strlen(name) == n && strncmp(w, name, n) == 0;
}

/* "read,write" -> mask; 0 when a name is unknown or the list is empty. */
static int sio_parse_ops(const char *w, size_t n)
{
	int mask = 0;
	size_t i = 0;

	while (i <= n) {
		size_t j = i;
		int op = 0;

		while (j < n && w[j] != ',')
			j++;
		for (size_t k = 0; k < sizeof(sio_ops) / sizeof(sio_ops[0]); k++)
			if (sio_word_is(w + i, j - i, sio_ops[k].name))
				op = sio_ops[k].op;
		if (!op)
			return 0;
		mask |= op;
		i = j + 1;
	}
	return mask;
}

int sio_fault_parse(const char *text, size_t len, sio_fault_rule_t *rules, size_t max, char *errstr,
                    size_t errstr_size)
{
	const char *p = text, *end = text + len;
	size_t cnt = 0;
	int line = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *lend = eol ? eol : end, *w[4];
		size_t wn[4];
		int words = 0;
		sio_fault_rule_t r;

		line++;
		if (memchr(p, '\0', (size_t)(lend - p))) {
			snprintf(errstr, errstr_size, "fault rules line %d: a NUL byte", line);
			return -1;
		}
		for (int i = 0; i < 4; i++) {
			wn[i] = sio_word(&p, lend, &w[i]);
			if (wn[i] == 0)
				break;
			words++;
		}
		p = eol ? eol + 1 : end;
		if (words == 0 || w[0][0] == '#')
			continue;
		if (words != 3) {
			snprintf(errstr, errstr_size,
			         "fault rules line %d: expected \"<errno> <ops> <path-prefix>\"",
			         line);
			return -1;
		}
		memset(&r, 0, sizeof(r));
		for (size_t k = 0; k < sizeof(sio_errnos) / sizeof(sio_errnos[0]); k++)
			if (sio_word_is(w[0], wn[0], sio_errnos[k].name))
				r.err = sio_errnos[k].err;
		if (!r.err) {
			snprintf(errstr, errstr_size,
			         "fault rules line %d: unknown errno (EIO, ENOSPC, EROFS, EDQUOT)",
			         line);
			return -1;
		}
		r.ops = sio_parse_ops(w[1], wn[1]);
		if (!r.ops) {
			snprintf(errstr, errstr_size,
			         "fault rules line %d: unknown operation (read, write, sync, open, "
			         "all)",
			         line);
			return -1;
		}
		if (w[2][0] != '/' || wn[2] >= sizeof(r.prefix)) {
			snprintf(
			    errstr, errstr_size,
			    "fault rules line %d: the path prefix must be absolute and shorter "
			    "than %d bytes",
			    line, SIO_FAULT_PREFIX_MAX);
			return -1;
		}
		memcpy(r.prefix, w[2], wn[2]);
		while (wn[2] > 1 && r.prefix[wn[2] - 1] == '/')
			r.prefix[--wn[2]] = '\0';
		if (cnt == max) {
			snprintf(errstr, errstr_size, "fault rules line %d: more than %zu rules",
			         line, max);
			return -1;
		}
		rules[cnt++] = r;
	}
	return (int)cnt;
}

void sio_fault_set(const sio_fault_rule_t *rules, size_t cnt)
{
	if (cnt > SIO_FAULT_MAX)
		cnt = SIO_FAULT_MAX;
	pthread_mutex_lock(&sio_lock);
	if (cnt)
		memcpy(sio_rules, rules, cnt * sizeof(*rules));
	sio_rule_cnt = cnt;
	atomic_store_explicit(&sio_armed, cnt > 0, memory_order_relaxed);
	pthread_mutex_unlock(&sio_lock);
}

/* Does prefix (no trailing slash, or "/") cover path? */
static int sio_under(const char *prefix, const char *path)
{
	size_t n = strlen(prefix);

	if (n == 1 && prefix[0] == '/')
		return path[0] == '/';
	return strncmp(prefix, path, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int sio_fault_check(int op, const char *path)
{
	int err = 0;

	if (!atomic_load_explicit(&sio_armed, memory_order_relaxed) || !path)
		return 0;
	pthread_mutex_lock(&sio_lock);
	for (size_t i = 0; i < sio_rule_cnt && !err; i++)
		if ((sio_rules[i].ops & op) && sio_under(sio_rules[i].prefix, path))
			err = -sio_rules[i].err;
	pthread_mutex_unlock(&sio_lock);
	return err;
}

/* ------------------------------------------------------------ wrappers */

int sio_pwrite_all(int fd, const void *buf, size_t len, int64_t off, const char *path)
{
	size_t done = 0;
	int err = sio_fault_check(SIO_OP_WRITE, path);

	if (err)
		return err;
	while (done < len) {
		ssize_t n =
		    pwrite(fd, (const char *)buf + done, len - done, (off_t)off + (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

ssize_t sio_pread(int fd, void *buf, size_t len, int64_t off, const char *path)
{
	int err = sio_fault_check(SIO_OP_READ, path);

	if (err)
		return err;
	for (;;) {
		ssize_t n = pread(fd, buf, len, (off_t)off);
		if (n >= 0)
			return n;
		if (errno != EINTR)
			return -errno;
	}
}

int sio_ftruncate(int fd, int64_t len, const char *path)
{
	int err = sio_fault_check(SIO_OP_WRITE, path);

	if (err)
		return err;
	return ftruncate(fd, (off_t)len) < 0 ? -errno : 0;
}

int sio_fsync(int fd, const char *path)
{
	int err = sio_fault_check(SIO_OP_SYNC, path);

	if (err)
		return err;
	return fsync(fd) < 0 ? -errno : 0;
}

int sio_open(const char *path, int flags, mode_t mode)
{
	int err = sio_fault_check(SIO_OP_OPEN, path), fd;

	if (err)
		return err;
	do
		fd = open(path, flags, mode);
	while (fd < 0 && errno == EINTR);
	return fd < 0 ? -errno : fd;
}

int sio_rename(const char *from, const char *to)
{
	int err = sio_fault_check(SIO_OP_OPEN, from);

	if (err)
		return err;
	return rename(from, to) < 0 ? -errno : 0;
}
