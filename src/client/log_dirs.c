/*
 * log_dirs.c — fjord_broker_log_dirs(): one broker's log dirs and the size
 * of each partition in them, read from the broker's HTTP /metrics endpoint
 * (docs/operations.md, "HTTP: /metrics, /health, /ready"), for
 * `fjord log dirs` (kafka-log-dirs.sh --describe).
 *
 * Why /metrics and not a broker API: the broker already publishes every
 * number needed (fjord_broker_info{broker_id}, fjord_log_dir_offline{dir},
 * fjord_log_dir_full{dir}, fjord_log_dir_partition_bytes{dir,topic,
 * partition}), and a scrape is what operators' tools do anyway; no new
 * request type is needed on the fjord or Kafka listener. The endpoint is the
 * broker's `http.listener`, which brokers do not register in ZooKeeper, so
 * the caller names it.
 *
 * How: one blocking HTTP/1.0 GET with Connection: close on the calling
 * thread, bounded by timeout_ms as a whole (connect, send, read: poll on a
 * non-blocking socket), a body of at most FJORD_LOG_DIRS_MAX_BODY bytes;
 * then the Prometheus text is read line by line, only the four metric names
 * above, labels unescaped as the exposition format says (\\ \" \n).
 *
 * Guarantees: nothing is returned unless the answer was a 200 with a
 * fjord_broker_info line (FJORD_ERR__BAD_MSG otherwise: not a fjord broker,
 * or a broker that is not serving). Dirs come in the order the broker lists
 * them, partitions sorted by topic and partition. Memory: the result and all
 * its strings are one caller-owned tree freed by
 * fjord_broker_log_dirs_destroy(). Any thread; no handle involved.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "client/client_int.h"
#include "common/numparse.h"

#define FJORD_LOG_DIRS_MAX_BODY (64u * 1024 * 1024)

static int64_t ld_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on fd until deadline; 1 ready, 0 timed out, -1 error. */
static int ld_wait(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int64_t left;
	int rc;

	for (;;) {
		left = deadline - ld_now_ms();
		if (left <= 0)
			return 0;
		rc = poll(&pfd, 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		return rc < 0 ? -1 : rc > 0;
	}
}

/* Splits "host:port" or "[v6]:port". Returns 0 or -1. */
static int ld_split(const char *ep, char *host, size_t hn, char *port, size_t pn)
{
	const char *colon = strrchr(ep, ':');
	const char *h = ep;
	size_t hl;
	int32_t p;

	if (!colon || colon == ep || num_parse_i32(colon + 1, 1, 65535, &p) < 0)
		return -1;
	hl = (size_t)(colon - ep);
	if (*h == '[' && hl >= 2 && h[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	if (!hl || hl >= hn || strlen(colon + 1) >= pn)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	snprintf(port, pn, "%s", colon + 1);
	return 0;
}

/* Connects to host:port by deadline; the socket (non-blocking) or -1. */
static int ld_connect(const char *host, const char *port, int64_t deadline, fjord_err_t *errp,
                      char *errstr, size_t n)
{
	struct addrinfo hints, *res = NULL, *ai;
	int fd = -1, rc, soerr = 0;
	socklen_t sl = sizeof(soerr);

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc) {
		fj_errstr(errstr, n, "cannot resolve '%s': %s", host, gai_strerror(rc));
		*errp = FJORD_ERR__TRANSPORT;
		return -1;
	}
	*errp = FJORD_ERR__TRANSPORT;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		            ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS) {
			rc = ld_wait(fd, POLLOUT, deadline);
			if (rc > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 &&
			    soerr == 0)
				break;
			if (rc == 0) {
				*errp = FJORD_ERR__TIMED_OUT;
				fj_errstr(errstr, n, "connect to %s:%s timed out", host, port);
			} else {
				fj_errstr(errstr, n, "connect to %s:%s: %s", host, port,
				          strerror(soerr ? soerr : errno));
			}
		} else {
			fj_errstr(errstr, n, "connect to %s:%s: %s", host, port, strerror(errno));
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* GET /metrics; the malloc'd body (NUL-terminated) or NULL with *errp. */
static char *ld_fetch(const char *endpoint, int timeout_ms, fjord_err_t *errp, char *errstr,
                      size_t n)
{
	int64_t deadline = ld_now_ms() + (timeout_ms > 0 ? timeout_ms : 1);
	char host[256], port[16], req[400], *buf = NULL, *body;
	size_t len = 0, cap = 0, off = 0, reqlen;
	int fd, status = 0;
	ssize_t r;

	if (ld_split(endpoint, host, sizeof(host), port, sizeof(port)) < 0) {
		fj_errstr(errstr, n, "'%s' is not host:port", endpoint);
		*errp = FJORD_ERR__INVALID_ARG;
		return NULL;
	}
	fd = ld_connect(host, port, deadline, errp, errstr, n);
	if (fd < 0)
		return NULL;
	reqlen = (size_t)snprintf(req, sizeof(req),
	                          "GET /metrics HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n",
	                          endpoint);
	*errp = FJORD_ERR__TRANSPORT;
	while (off < reqlen) {
		r = send(fd, req + off, reqlen - off, MSG_NOSIGNAL);
		if (r > 0) {
			off += (size_t)r;
			continue;
		}
		if (r < 0 && errno != EAGAIN && errno != EINTR) {
			fj_errstr(errstr, n, "send to %s: %s", endpoint, strerror(errno));
			goto fail;
		}
		if (ld_wait(fd, POLLOUT, deadline) <= 0)
			goto timed_out;
	}
	for (;;) {
		if (len + 65536 + 1 > cap) {
			size_t ncap = cap ? cap * 2 : 131072;
			char *nb;

			if (ncap > FJORD_LOG_DIRS_MAX_BODY + 65536 + 1) {
				fj_errstr(errstr, n, "answer of %s larger than %u bytes", endpoint,
				          FJORD_LOG_DIRS_MAX_BODY);
				*errp = FJORD_ERR__BAD_MSG;
				goto fail;
			}
			nb = realloc(buf, ncap);
			if (!nb) {
				fj_errstr(errstr, n, "out of memory");
				*errp = FJORD_ERR__FAIL;
				goto fail;
			}
			buf = nb;
			cap = ncap;
		}
		r = recv(fd, buf + len, cap - len - 1, 0);
		if (r > 0) {
			len += (size_t)r;
			continue;
		}
		if (r == 0)
			break;
		if (errno != EAGAIN && errno != EINTR) {
			fj_errstr(errstr, n, "read from %s: %s", endpoint, strerror(errno));
			goto fail;
		}
		if (ld_wait(fd, POLLIN, deadline) <= 0)
			goto timed_out;
	}
	close(fd);
	if (!buf) {
		fj_errstr(errstr, n, "%s closed the connection without an answer", endpoint);
		return NULL;
	}
	buf[len] = '\0';
	body = strstr(buf, "\r\n\r\n");
	if (sscanf(buf, "HTTP/%*d.%*d %d", &status) != 1 || !body || status != 200) {
		fj_errstr(errstr, n, "%s/metrics answered %s%d, not 200", endpoint,
		          status ? "HTTP " : "with something other than HTTP ", status);
		*errp = FJORD_ERR__BAD_MSG;
		free(buf);
		return NULL;
	}
	body += 4;
	memmove(buf, body, strlen(body) + 1);
	*errp = FJORD_ERR_NO_ERROR;
	return buf;
timed_out:
	fj_errstr(errstr, n, "%s did not answer within %d ms", endpoint, timeout_ms);
	*errp = FJORD_ERR__TIMED_OUT;
fail:
	close(fd);
	free(buf);
	return NULL;
}

/* The value of label `name` in "{a="x",b="y"}" at labels (up to '}'),
 * unescaped into out. Returns 0 or -1 (missing, malformed, too long). */
static int ld_label(const char *labels, const char *name, char *out, size_t n)
{
	const char *p = labels;
	size_t nl = strlen(name);

	while (*p && *p != '}') {
		int match;
		size_t o = 0;

		if (*p == '{' || *p == ',')
			p++;
		match = !strncmp(p, name, nl) && p[nl] == '=';
		p = strchr(p, '=');
		if (!p || p[1] != '"')
			return -1;
		for (p += 2; *p && *p != '"'; p++) {
			char ch = *p;

			if (ch == '\\' && p[1]) {
				p++;
				ch = *p == 'n' ? '\n' : *p;
			}
			if (match) {
				if (o + 1 >= n)
					return -1;
				out[o++] = ch;
			}
		}
		if (*p != '"')
			return -1;
		p++;
		if (match) {
			out[o] = '\0';
			return 0;
		}
	}
	return -1;
}

/* The dir named path, added when new. NULL when out of memory. */
static fjord_log_dir_t *ld_dir(fjord_broker_log_dirs_t *b, const char *path)
{
	fjord_log_dir_t *v;
	int i;

	for (i = 0; i < b->dir_cnt; i++)
		if (!strcmp(b->dirs[i].path, path))
			return &b->dirs[i];
	v = realloc(b->dirs, ((size_t)b->dir_cnt + 1) * sizeof(*v));
	if (!v)
		return NULL;
	b->dirs = v;
	memset(&v[b->dir_cnt], 0, sizeof(*v));
	v[b->dir_cnt].path = strdup(path);
	if (!v[b->dir_cnt].path)
		return NULL;
	return &b->dirs[b->dir_cnt++];
}

static int ld_part_cmp(const void *a, const void *c)
{
	const fjord_log_dir_partition_t *pa = a, *pc = c;
	int r = strcmp(pa->topic, pc->topic);

	return r ? r : (pa->partition > pc->partition) - (pa->partition < pc->partition);
}

/* Takes one metric line. Returns 0, or -1 when out of memory. */
static int ld_line(fjord_broker_log_dirs_t *b, const char *line, int *seen_info)
{
	static const char *const names[] = { "fjord_broker_info{", "fjord_log_dir_offline{",
		                             "fjord_log_dir_full{",
		                             "fjord_log_dir_partition_bytes{" };
	char dir[4096], topic[512], part[16], idbuf[16];
	const char *labels, *val;
	fjord_log_dir_t *d;
	int64_t v;
	int k;

	for (k = 0; k < 4; k++)
		if (!strncmp(line, names[k], strlen(names[k])))
			break;
	if (k == 4)
		return 0;
	labels = line + strlen(names[k]) - 1;
	val = strrchr(line, '}');
	if (!val || num_parse_i64_blanks(val + 1, INT64_MIN, INT64_MAX, &v) < 0)
		return 0; /* not a line of ours after all */
	if (k == 0) {
		int32_t id;

		if (ld_label(labels, "broker_id", idbuf, sizeof(idbuf)) == 0 &&
		    num_parse_i32(idbuf, 0, INT32_MAX, &id) == 0) {
			b->broker_id = id;
			*seen_info = 1;
		}
		return 0;
	}
	if (ld_label(labels, "dir", dir, sizeof(dir)) < 0)
		return 0;
	d = ld_dir(b, dir);
	if (!d)
		return -1;
	if (k == 1) {
		d->offline = v != 0;
	} else if (k == 2) {
		d->full = v != 0;
	} else {
		fjord_log_dir_partition_t *pv;
		int32_t p;

		if (ld_label(labels, "topic", topic, sizeof(topic)) < 0 ||
		    ld_label(labels, "partition", part, sizeof(part)) < 0 ||
		    num_parse_i32(part, 0, INT32_MAX, &p) < 0)
			return 0;
		pv = realloc(d->partitions, ((size_t)d->partition_cnt + 1) * sizeof(*pv));
		if (!pv)
			return -1;
		d->partitions = pv;
		pv[d->partition_cnt].topic = strdup(topic);
		if (!pv[d->partition_cnt].topic)
			return -1;
		pv[d->partition_cnt].partition = p;
		pv[d->partition_cnt].size_bytes = v;
		d->partition_cnt++;
		d->size_bytes += v;
		b->size_bytes += v;
	}
	return 0;
}

fjord_err_t fjord_broker_log_dirs(const char *http_endpoint, int timeout_ms,
                                  fjord_broker_log_dirs_t **outp, char *errstr, size_t errstr_size)
{
	fjord_broker_log_dirs_t *b;
	char *body, *line, *save = NULL;
	int seen_info = 0, i;
	fjord_err_t err;

	*outp = NULL;
	if (!http_endpoint || !*http_endpoint) {
		fj_errstr(errstr, errstr_size, "no endpoint");
		return FJORD_ERR__INVALID_ARG;
	}
	body = ld_fetch(http_endpoint, timeout_ms, &err, errstr, errstr_size);
	if (!body)
		return err;
	b = calloc(1, sizeof(*b));
	if (!b) {
		free(body);
		fj_errstr(errstr, errstr_size, "out of memory");
		return FJORD_ERR__FAIL;
	}
	b->broker_id = -1;
	for (line = strtok_r(body, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (ld_line(b, line, &seen_info) < 0) {
			fj_errstr(errstr, errstr_size, "out of memory");
			err = FJORD_ERR__FAIL;
			goto fail;
		}
	}
	if (!seen_info) {
		fj_errstr(errstr, errstr_size,
		          "%s/metrics has no fjord_broker_info line: not a fjord broker's "
		          "http.listener",
		          http_endpoint);
		err = FJORD_ERR__BAD_MSG;
		goto fail;
	}
	for (i = 0; i < b->dir_cnt; i++)
		if (b->dirs[i].partition_cnt > 1)
			qsort(b->dirs[i].partitions, (size_t)b->dirs[i].partition_cnt,
			      sizeof(*b->dirs[i].partitions), ld_part_cmp);
	free(body);
	*outp = b;
	return FJORD_ERR_NO_ERROR;
fail:
	free(body);
	fjord_broker_log_dirs_destroy(b);
	return err;
}

void fjord_broker_log_dirs_destroy(fjord_broker_log_dirs_t *b)
{
	int i, k;

	if (!b)
		return;
	for (i = 0; i < b->dir_cnt; i++) {
		for (k = 0; k < b->dirs[i].partition_cnt; k++)
			free(b->dirs[i].partitions[k].topic);
		free(b->dirs[i].partitions);
		free(b->dirs[i].path);
	}
	free(b->dirs);
	free(b);
}
