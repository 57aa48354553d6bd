/*
 * harness.c — the test harness's basics: logging, time, timeouts, the run
 * directory, paths to the built binaries, unique names, wait-until, and
 * running shell commands.
 *
 * The run directory is <builddir>/tests/run-<runner pid>; the build dir is
 * found from /proc/self/exe (the runner is tests/fjord-tests in it, linked
 * with -no-install so there is no libtool wrapper). FJORDD and FJORD_CLI in
 * the environment override the binary paths.
 *
 * Runs in the runner and in every forked test child; state set by the
 * runner before a fork (harness_current) is read-only in the child.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness_int.h"
#include "test.h"

harness_test_t harness_current;
pid_t harness_runner_pid;
int harness_nofork;

static char harness_build_dir[PATH_MAX];
static char harness_run_dir_path[PATH_MAX];

int harness_clients_allowed(void)
{
	return getpid() != harness_runner_pid || harness_nofork;
}

int64_t test_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double test_timeout_multiplier(void)
{
	const char *env = getenv("TEST_TIMEOUT_MULTIPLIER");
	double m = 1.0;

#if defined(__SANITIZE_ADDRESS__)
	m = 3.0;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	m = 3.0;
#endif
#endif
	if (env && *env) {
		char *end = NULL;
		double v = strtod(env, &end);
		if (end != env && v > 0)
			m = v;
	}
	return m < 1.0 ? 1.0 : m;
}

void test_say(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	double el =
	    harness_current.start_ms ? (test_now_ms() - harness_current.start_ms) / 1000.0 : 0.0;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	size_t len = strlen(msg);
	while (len > 0 && msg[len - 1] == '\n')
		msg[--len] = '\0';
	fprintf(stderr, "[%s %7.3fs] %s\n", harness_current.num ? harness_current.num : "----", el,
	        msg);
	fflush(NULL);
}

int harness_path(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		fprintf(stderr, "harness: path too long: %s...\n", buf);
		return -1;
	}
	return 0;
}

int harness_init(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	harness_runner_pid = getpid();
	if (n <= 0) {
		fprintf(stderr, "harness: readlink /proc/self/exe: %s\n", strerror(errno));
		return -1;
	}
	exe[n] = '\0';
	/* <builddir>/tests/fjord-tests (or tests/.libs/fjord-tests). */
	char *slash = strrchr(exe, '/');
	*slash = '\0';
	if (strlen(exe) >= 6 && !strcmp(exe + strlen(exe) - 6, "/.libs"))
		exe[strlen(exe) - 6] = '\0';
	if (harness_path(harness_run_dir_path, sizeof(harness_run_dir_path), "%s/run-%d", exe,
	                 (int)harness_runner_pid) < 0)
		return -1;
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	snprintf(harness_build_dir, sizeof(harness_build_dir), "%s", exe);
	if (mkdir(harness_run_dir_path, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "harness: mkdir %s: %s\n", harness_run_dir_path, strerror(errno));
		return -1;
	}
	return 0;
}

const char *harness_run_dir(void)
{
	return harness_run_dir_path;
}

const char *test_tmpdir(void)
{
	if (!harness_current.tmpdir[0]) {
		/* Outside a TCase (or mkdtemp failed in the runner): make one. */
		if (harness_path(harness_current.tmpdir, sizeof(harness_current.tmpdir),
		                 "%s/tmp-XXXXXX",
		                 harness_run_dir_path[0] ? harness_run_dir_path : "/tmp") < 0 ||
		    !mkdtemp(harness_current.tmpdir))
			ck_abort_msg("mkdtemp %s: %s", harness_current.tmpdir, strerror(errno));
	}
	return harness_current.tmpdir;
}

static int harness_rmtree_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) < 0 && errno != ENOENT)
		fprintf(stderr, "harness: remove %s: %s\n", path, strerror(errno));
	return 0;
}

int harness_rmtree(const char *path)
{
	if (!path || !*path)
		return -1;
	return nftw(path, harness_rmtree_cb, 16, FTW_DEPTH | FTW_PHYS);
}

void harness_print_tail(const char *path, int lines)
{
	size_t len = 0;
	char *data = harness_read_file(path, &len);
	if (!data)
		return;
	const char *p = data + len;
	int seen = 0;
	while (p > data) {
		p--;
		if (*p == '\n' && p != data + len - 1 && ++seen >= lines) {
			p++;
			break;
		}
	}
	fprintf(stderr, "----- last %d lines of %s -----\n%s%s----- end of %s -----\n", lines, path,
	        p, (len && data[len - 1] != '\n') ? "\n" : "", path);
	free(data);
}

static int harness_tail_lines = 40;

static int harness_logs_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	size_t len = strlen(path);
	if (flag == FTW_F && len > 4 && !strcmp(path + len - 4, ".log"))
		harness_print_tail(path, harness_tail_lines);
	return 0;
}

void harness_print_logs_below(const char *dir, int lines)
{
	harness_tail_lines = lines;
	nftw(dir, harness_logs_cb, 16, FTW_PHYS);
}

static const char *harness_bin(const char *env, const char *rel, char *buf, size_t size)
{
	const char *v = getenv(env);
	if (v && *v)
		return v;
	if (!buf[0])
		snprintf(buf, size, "%s/%s", harness_build_dir, rel);
	return buf;
}

const char *test_fjordd_path(void)
{
	static char path[PATH_MAX + 32];
	return harness_bin("FJORDD", "src/broker/fjordd", path, sizeof(path));
}

const char *test_cli_path(void)
{
	static char path[PATH_MAX + 32];
	return harness_bin("FJORD_CLI", "src/cli/fjord", path, sizeof(path));
}

const char *test_topic_name(const char *suffix)
{
	/* Static buffers in rotation so a few names can be alive at once. */
	static char names[8][200];
	static unsigned counter;
	char *buf = names[counter % 8];

	snprintf(buf, sizeof(names[0]), "t%s_%d_%u_%s",
	         harness_current.num ? harness_current.num : "0000", (int)getpid(), counter,
	         suffix ? suffix : "x");
	counter++;
	return buf;
}

int test_wait_until(int (*pred)(void *arg), void *arg, int timeout_ms)
{
	int64_t deadline = test_now_ms() + (int64_t)(timeout_ms * test_timeout_multiplier());
	int interval = 5;

	for (;;) {
		if (pred(arg))
			return 1;
		if (test_now_ms() >= deadline)
			return 0;
		harness_sleep_ms(interval);
		if (interval < 100)
			interval *= 2;
	}
}

char *test_run(const char *cmd, int *exitp)
{
	char *full = NULL;
	char *out = NULL;
	size_t len = 0;
	size_t cap = 0;
	FILE *fp = NULL;

	if (exitp)
		*exitp = -1;
	if (asprintf(&full, "exec 2>&1; %s", cmd) < 0)
		return NULL;
	fflush(NULL);
	fp = popen(full, "r");
	if (!fp)
		goto out;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			char *n = realloc(out, cap);
			if (!n)
				break;
			out = n;
		}
		size_t r = fread(out + len, 1, cap - len - 1, fp);
		if (r == 0)
			break;
		len += r;
	}
	if (out)
		out[len] = '\0';
	int st = pclose(fp);
	if (exitp)
		*exitp = WIFEXITED(st)     ? WEXITSTATUS(st)
		         : WIFSIGNALED(st) ? 128 + WTERMSIG(st)
		                           : -1;
out:
	free(full);
	if (!out)
		out = strdup("");
	return out;
}

/* The body of test_cli (sh 0: `fjord -z ZK --timeout 15000 ARGS`) and of
 * test_cli_sh (sh 1: a shell line with $F and FJORD_ZOOKEEPER set). */
static char *harness_cli_v(test_cluster_t *c, int *exitp, int sh, const char *fmt, va_list ap)
{
	char *args = NULL, *full = NULL, *out;
	int n;

	ck_assert(vasprintf(&args, fmt, ap) > 0);
	if (sh)
		n = asprintf(&full, "export FJORD_ZOOKEEPER='%s'; F='%s --timeout 15000'; %s",
		             c->zk_connect, test_cli_path(), args);
	else
		n = asprintf(&full, "%s -z %s --timeout 15000 %s", test_cli_path(), c->zk_connect,
		             args);
	ck_assert(n > 0);
	out = test_run(full, exitp);
	ck_assert_ptr_nonnull(out);
	test_say("$ %s\n=> exit %d\n%s", sh ? args : full, *exitp, out);
	free(args);
	free(full);
	return out;
}

char *test_cli(test_cluster_t *c, int *exitp, const char *fmt, ...)
{
	va_list ap;
	char *out;

	va_start(ap, fmt);
	out = harness_cli_v(c, exitp, 0, fmt, ap);
	va_end(ap);
	return out;
}

char *test_cli_sh(test_cluster_t *c, int *exitp, const char *fmt, ...)
{
	va_list ap;
	char *out;

	va_start(ap, fmt);
	out = harness_cli_v(c, exitp, 1, fmt, ap);
	va_end(ap);
	return out;
}

char *harness_read_file(const char *path, size_t *lenp)
{
	FILE *fp = fopen(path, "rb");
	char *data = NULL;
	size_t len = 0;
	size_t cap = 0;

	if (!fp)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			char *n = realloc(data, cap);
			if (!n) {
				free(data);
				data = NULL;
				goto out;
			}
			data = n;
		}
		size_t r = fread(data + len, 1, cap - len - 1, fp);
		if (r == 0)
			break;
		len += r;
	}
	data[len] = '\0';
	if (lenp)
		*lenp = len;
out:
	fclose(fp);
	return data;
}

int harness_write_file(const char *path, const char *data)
{
	FILE *fp = fopen(path, "wb");
	int rc = -1;

	if (!fp)
		return -1;
	if (fputs(data, fp) >= 0)
		rc = 0;
	if (fclose(fp) != 0)
		rc = -1;
	return rc;
}
