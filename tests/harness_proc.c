/*
 * harness_proc.c — child processes and raw sockets for the harness.
 *
 * Children are started with fork+exec, stdin from /dev/null, output appended
 * to a log file, and PR_SET_PDEATHSIG(SIGKILL) so they die with the process
 * that started them (the runner for the shared cluster, a test child for a
 * private cluster). They are reaped only by pid: never waitpid(-1), never
 * SIGCHLD tricks (Check forks and reaps its own children).
 *
 * The socket helpers talk to 127.0.0.1 only and use poll() deadlines; sends
 * use MSG_NOSIGNAL.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "harness_int.h"

pid_t harness_spawn(char *const argv[], const char *logfile)
{
	pid_t parent = getpid();

	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "harness: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid > 0)
		return pid;

	/* Child. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	int null = open("/dev/null", O_RDONLY);
	if (null >= 0) {
		dup2(null, 0);
		close(null);
	}
	if (logfile) {
		int fd = open(logfile, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
	}
	setpgid(0, 0);
	execvp(argv[0], argv);
	fprintf(stderr, "harness: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int harness_child_alive(pid_t pid, int *statusp)
{
	int st = 0;
	if (pid <= 0)
		return 0;
	pid_t r = waitpid(pid, &st, WNOHANG);
	if (r == 0)
		return 1;
	if (r == pid && statusp)
		*statusp = st;
	return 0;
}

int harness_child_stop(pid_t pid, int sig, int timeout_ms)
{
	int st = 0;
	if (pid <= 0)
		return 0;
	if (kill(pid, sig) < 0 && errno == ESRCH) {
		waitpid(pid, &st, WNOHANG);
		return st;
	}
	int64_t deadline = test_now_ms() + (int64_t)(timeout_ms * test_timeout_multiplier());
	while (test_now_ms() < deadline) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid || (r < 0 && errno == ECHILD))
			return st;
		harness_sleep_ms(10);
	}
	fprintf(stderr, "harness: pid %d did not exit on signal %d within %d ms: SIGKILL\n",
	        (int)pid, sig, timeout_ms);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return st;
}

void harness_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int harness_proc_fd_count(pid_t pid)
{
	char path[64];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

long harness_proc_rss_kb(pid_t pid)
{
	char path[64], *text, *at;
	long kb = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	text = harness_read_file(path, NULL);
	if (!text)
		return -1;
	at = strstr(text, "\nVmRSS:");
	if (at)
		kb = strtol(at + 8, NULL, 10);
	free(text);
	return kb;
}

long harness_proc_cpu_ms(pid_t pid)
{
	char path[64], *text, *p;
	unsigned long utime = 0, stime = 0;
	long hz = sysconf(_SC_CLK_TCK);

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	text = harness_read_file(path, NULL);
	if (!text)
		return -1;
	/* Fields after "(comm)": state is the 3rd field; utime and stime are
	 * the 14th and 15th. comm may hold spaces, so start after the last
	 * ')'. */
	p = strrchr(text, ')');
	if (!p ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) !=
	        2 ||
	    hz <= 0) {
		free(text);
		return -1;
	}
	free(text);
	return (long)((utime + stime) * 1000 / (unsigned long)hz);
}

int harness_free_port(void)
{
	struct sockaddr_in sa = { 0 };
	socklen_t sl = sizeof(sa);
	int port = -1;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = 0;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* Connects to 127.0.0.1:port with a deadline; returns the fd or -1. */
static int harness_connect(int port, int timeout_ms)
{
	struct sockaddr_in sa = { 0 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno != EINPROGRESS)
			goto fail;
		struct pollfd pfd = { fd, POLLOUT, 0 };
		if (poll(&pfd, 1, timeout_ms) <= 0)
			goto fail;
		int err = 0;
		socklen_t el = sizeof(err);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err)
			goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

char *harness_tcp_exchange(int port, const char *req, size_t req_len, int timeout_ms)
{
	int64_t deadline = test_now_ms() + timeout_ms;
	char *buf = NULL;
	size_t len = 0;
	size_t cap = 0;
	size_t off = 0;
	int fd = harness_connect(port, timeout_ms);

	if (fd < 0)
		return NULL;
	while (off < req_len) {
		struct pollfd pfd = { fd, POLLOUT, 0 };
		int left = (int)(deadline - test_now_ms());
		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			goto fail;
		ssize_t w = send(fd, req + off, req_len - off, MSG_NOSIGNAL);
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			goto fail;
		if (w > 0)
			off += (size_t)w;
	}
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			char *n = realloc(buf, cap);
			if (!n)
				goto fail;
			buf = n;
		}
		struct pollfd pfd = { fd, POLLIN, 0 };
		int left = (int)(deadline - test_now_ms());
		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			break; /* deadline: return what arrived */
		ssize_t r = recv(fd, buf + len, cap - len - 1, 0);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (!buf)
		buf = malloc(1);
	if (buf)
		buf[len] = '\0';
	return buf;
fail:
	close(fd);
	free(buf);
	return NULL;
}

int harness_http_get(int port, const char *path, char **bodyp, int timeout_ms)
{
	char req[512];
	int status = -1;

	if (bodyp)
		*bodyp = NULL;
	snprintf(req, sizeof(req),
	         "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
	char *resp = harness_tcp_exchange(port, req, strlen(req), timeout_ms);
	if (!resp)
		return -1;
	if (sscanf(resp, "HTTP/1.%*d %d", &status) != 1)
		status = -1;
	char *body = strstr(resp, "\r\n\r\n");
	if (bodyp && body)
		*bodyp = strdup(body + 4);
	free(resp);
	return status;
}
