/*
 * main.c — fjord's test runner: one Check suite, one TCase per numbered test.
 *
 * tests/tests.def is included three times: to declare each test_NNNN(), to
 * generate a pair of per-test fixture functions, and to build the registry
 * table. The fixtures are Check "unchecked" fixtures, which Check runs in
 * this (the runner) process around each TCase even in fork mode: the begin
 * hook marks the test as current (the forked child inherits that, so
 * test_say() and test_tmpdir() know their test), creates its scratch dir and
 * starts the clock; the end hook stops the clock and, when the test failed,
 * prints the tails of the broker logs.
 *
 * Selection (environment): TEST_ONLY=0020,0030 (numbers or name parts; the
 * only way to run T_MANUAL tests), TESTS_SKIP=..., TEST_QUICK=1 (T_QUICK
 * only), TEST_LOCAL_ONLY=1 (T_LOCAL only). Numbers >= 1000 run only when
 * named. TEST_TIMEOUT_MULTIPLIER scales each test's timeout (default 1, or 3
 * in an AddressSanitizer build). CK_FORK, CK_VERBOSITY etc. keep Check's
 * meaning.
 *
 * The shared cluster (ZooKeeper + 3 brokers) is started before Check forks
 * anything, unless every selected test is T_LOCAL; when the selected tests
 * are only T_LOCAL and T_CLUSTER tests, only ZooKeeper is started (private
 * clusters put their brokers on it). The run dir (<builddir>/tests/run-PID)
 * is removed after a passing run and kept, with its path printed, otherwise.
 *
 * Exit status: 0 when every test passed, 1 otherwise (also when the shared
 * cluster could not start, or one of its brokers exited after SIGTERM with
 * a sanitizer report such as a leak), 77 (automake's "skip") when nothing
 * was selected.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harness_int.h"
#include "test.h"

#define TEST(num, name, flags, secs) void test_##num(TCase *tc);
#include "tests.def"
#undef TEST

typedef struct runner_test {
	const char *num;
	const char *name;
	int flags;
	int timeout_s;
	void (*add)(TCase *tc);
	int selected;
	char tcname[160];
	double seconds;
	int ran;
	int failed_before; /* srunner_ntests_failed() when it began */
	int64_t start_ms;
} runner_test_t;

static void runner_tcase_begin(const char *num);
static void runner_tcase_end(const char *num);

#define TEST(num, name, flags, secs)                                                               \
	static void runner_begin_##num(void)                                                       \
	{                                                                                          \
		runner_tcase_begin(#num);                                                          \
	}                                                                                          \
	static void runner_end_##num(void)                                                         \
	{                                                                                          \
		runner_tcase_end(#num);                                                            \
	}
#include "tests.def"
#undef TEST

typedef struct runner_hooks {
	void (*begin)(void);
	void (*end)(void);
} runner_hooks_t;

static runner_test_t runner_tests[] = {
#define TEST(num, name, flags, secs) { #num, name, flags, secs, test_##num, 0, "", 0, 0, 0, 0 },
#include "tests.def"
#undef TEST
};

static const runner_hooks_t runner_hooks[] = {
#define TEST(num, name, flags, secs) { runner_begin_##num, runner_end_##num },
#include "tests.def"
#undef TEST
};

#define RUNNER_TEST_CNT ((int)(sizeof(runner_tests) / sizeof(runner_tests[0])))

static SRunner *runner_sr;

static runner_test_t *runner_find(const char *num)
{
	for (int i = 0; i < RUNNER_TEST_CNT; i++)
		if (!strcmp(runner_tests[i].num, num))
			return &runner_tests[i];
	return NULL;
}

static runner_test_t *runner_find_tcname(const char *tcname)
{
	for (int i = 0; i < RUNNER_TEST_CNT; i++)
		if (!strcmp(runner_tests[i].tcname, tcname))
			return &runner_tests[i];
	return NULL;
}

/* Does the comma/space separated list name test t (by number, with or
 * without leading zeros, or by a part of its name)? */
static int runner_list_has(const char *list, const runner_test_t *t)
{
	char buf[1024];
	char *save = NULL;
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		char *end = NULL;
		long n = strtol(tok, &end, 10);
		if (end != tok && *end == '\0') {
			if (n == strtol(t->num, NULL, 10))
				return 1;
		} else if (strstr(t->tcname, tok)) {
			return 1;
		}
	}
	return 0;
}

static int runner_env_true(const char *name)
{
	const char *v = getenv(name);
	return v && *v && strcmp(v, "0") && strcasecmp(v, "no") && strcasecmp(v, "false");
}

static void runner_select(void)
{
	const char *only = getenv("TEST_ONLY");
	const char *skip = getenv("TESTS_SKIP");
	int quick = runner_env_true("TEST_QUICK");
	int local_only = runner_env_true("TEST_LOCAL_ONLY");

	if (only && !*only)
		only = NULL;
	for (int i = 0; i < RUNNER_TEST_CNT; i++) {
		runner_test_t *t = &runner_tests[i];
		snprintf(t->tcname, sizeof(t->tcname), "%s-%s", t->num, t->name);
		int named = only && runner_list_has(only, t);
		t->selected = 1;
		if (only && !named)
			t->selected = 0;
		if (!named && ((t->flags & T_MANUAL) || strtol(t->num, NULL, 10) >= 1000))
			t->selected = 0;
		if (skip && *skip && runner_list_has(skip, t))
			t->selected = 0;
		if (quick && !(t->flags & T_QUICK))
			t->selected = 0;
		if (local_only && !(t->flags & T_LOCAL))
			t->selected = 0;
	}
}

static void runner_tcase_begin(const char *num)
{
	runner_test_t *t = runner_find(num);
	if (!t)
		return;
	harness_current.num = t->num;
	harness_current.name = t->name;
	harness_current.flags = t->flags;
	snprintf(harness_current.tmpdir, sizeof(harness_current.tmpdir), "%s/%s-XXXXXX",
	         harness_run_dir(), t->tcname);
	if (!mkdtemp(harness_current.tmpdir)) {
		fprintf(stderr, "runner: mkdtemp %s: %s\n", harness_current.tmpdir,
		        strerror(errno));
		harness_current.tmpdir[0] = '\0';
	}
	t->failed_before = srunner_ntests_failed(runner_sr);
	t->start_ms = test_now_ms();
	harness_current.start_ms = t->start_ms;
	t->ran = 1;
	fprintf(stderr, "=== %s: starting (timeout %.0fs)\n", t->tcname,
	        t->timeout_s * test_timeout_multiplier());
	fflush(NULL);
}

static void runner_tcase_end(const char *num)
{
	runner_test_t *t = runner_find(num);
	if (!t)
		return;
	t->seconds = (double)(test_now_ms() - t->start_ms) / 1000.0;
	int failed = srunner_ntests_failed(runner_sr) > t->failed_before;
	fprintf(stderr, "=== %s: %s (%.2fs)\n", t->tcname, failed ? "FAILED" : "passed",
	        t->seconds);
	if (failed) {
		if (!(t->flags & (T_LOCAL | T_CLUSTER)))
			harness_shared_print_logs(40);
		if (harness_current.tmpdir[0])
			harness_print_logs_below(harness_current.tmpdir, 40);
	}
	harness_current.num = NULL;
	harness_current.name = NULL;
	harness_current.tmpdir[0] = '\0';
	fflush(NULL);
}

static const char *runner_rtype_str(int rtype)
{
	switch (rtype) {
	case CK_PASS:
		return "PASS";
	case CK_FAILURE:
		return "FAIL";
	case CK_ERROR:
		return "ERROR";
	default:
		return "?";
	}
}

/* The closing table: one row per selected test with its worst result and
 * its first failure message. */
static void runner_print_table(int shared_failed)
{
	int n = srunner_ntests_run(runner_sr);
	TestResult **trs = srunner_results(runner_sr);

	printf("\n%-44s %-6s %8s  %s\n", "TEST", "RESULT", "SECONDS", "FIRST FAILURE");
	for (int i = 0; i < RUNNER_TEST_CNT; i++) {
		runner_test_t *t = &runner_tests[i];
		if (!t->selected)
			continue;
		int worst = CK_PASS;
		int cnt = 0;
		char first[512] = "";
		for (int j = 0; trs && j < n; j++) {
			if (runner_find_tcname(tr_tcname(trs[j])) != t)
				continue;
			cnt++;
			int rt = tr_rtype(trs[j]);
			if (rt != CK_PASS) {
				if (worst == CK_PASS)
					snprintf(first, sizeof(first), "%s:%d: %s",
					         tr_lfile(trs[j]), tr_lno(trs[j]), tr_msg(trs[j]));
				if (rt == CK_ERROR || worst == CK_PASS)
					worst = rt;
			}
		}
		const char *res = cnt             ? runner_rtype_str(worst)
		                  : shared_failed ? "NOTRUN"
		                  : t->ran        ? "EMPTY"
		                                  : "NOTRUN";
		/* Keep the table one line per test. */
		for (char *p = first; *p; p++)
			if (*p == '\n')
				*p = ' ';
		printf("%-44s %-6s %8.2f  %s\n", t->tcname, res, t->seconds, first);
	}
	free(trs);
	printf("\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	int selected = 0;
	int need_zk = 0;
	int need_brokers = 0;
	int rc = 1;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: %s\n  environment: TEST_ONLY=NNNN,... TESTS_SKIP=... TEST_QUICK=1 "
		       "TEST_LOCAL_ONLY=1 TEST_TIMEOUT_MULTIPLIER=N CK_FORK=no\n",
		       argv[0]);
		printf("tests:\n");
		for (int i = 0; i < RUNNER_TEST_CNT; i++)
			printf("  %s-%s%s%s%s%s\n", runner_tests[i].num, runner_tests[i].name,
			       runner_tests[i].flags & T_LOCAL ? " LOCAL" : "",
			       runner_tests[i].flags & T_QUICK ? " QUICK" : "",
			       runner_tests[i].flags & T_CLUSTER ? " CLUSTER" : "",
			       runner_tests[i].flags & T_MANUAL ? " MANUAL" : "");
		return 0;
	}

	runner_select();
	Suite *s = suite_create("fjord");
	for (int i = 0; i < RUNNER_TEST_CNT; i++) {
		runner_test_t *t = &runner_tests[i];
		if (!t->selected)
			continue;
		selected++;
		if (!(t->flags & T_LOCAL)) {
			need_zk = 1;
			if (!(t->flags & T_CLUSTER))
				need_brokers = 1;
		}
		TCase *tc = tcase_create(t->tcname);
		tcase_set_timeout(tc, t->timeout_s * test_timeout_multiplier());
		tcase_add_unchecked_fixture(tc, runner_hooks[i].begin, runner_hooks[i].end);
		t->add(tc);
		suite_add_tcase(s, tc);
	}
	if (!selected) {
		fprintf(stderr, "runner: no test selected (TEST_ONLY/TESTS_SKIP/TEST_QUICK/"
		                "TEST_LOCAL_ONLY)\n");
		return 77;
	}
	if (harness_init() < 0)
		return 1;

	runner_sr = srunner_create(s);
	if (need_zk) {
		int r = harness_shared_start(need_brokers ? 3 : 0);
		if (r == -2 && !runner_env_true("CI")) {
			/* No java or ZooKeeper on a developer machine: the tests that
			 * need a cluster cannot run; say so loudly. Under CI=true
			 * this is a hard failure instead. */
			fprintf(stderr,
			        "runner: ZooKeeper/Java not installed (scripts/install-deps): "
			        "only T_LOCAL tests can run; failing\n");
		}
		if (r < 0) {
			fprintf(stderr,
			        "runner: the shared cluster did not start; not running tests "
			        "(logs kept in %s)\n",
			        harness_run_dir());
			harness_shared_print_logs(60);
			for (int i = 0; i < RUNNER_TEST_CNT; i++)
				if (runner_tests[i].selected)
					runner_tests[i].ran = 0;
			runner_print_table(1);
			printf("0%%: Checks: 0, Failures: 0, Errors: 1 (shared cluster failed to "
			       "start)\n");
			goto out;
		}
	}

	fflush(NULL);
	harness_nofork = srunner_fork_status(runner_sr) == CK_NOFORK;
	srunner_run_all(runner_sr, getenv("CK_VERBOSITY") ? CK_ENV : CK_SILENT);

	runner_print_table(0);
	srunner_print(runner_sr, CK_NORMAL);
	fflush(NULL);
	rc = srunner_ntests_failed(runner_sr) == 0 ? 0 : 1;

out:
	if (harness_shared_stop() > 0) {
		printf("runner: FAIL: a shared-cluster broker exited with a sanitizer report "
		       "(leaks: see its broker.log under %s/shared)\n",
		       harness_run_dir());
		harness_shared_print_logs(60);
		rc = 1;
	}
	if (rc == 0)
		harness_rmtree(harness_run_dir());
	else
		fprintf(stderr, "runner: run directory kept: %s\n", harness_run_dir());
	srunner_free(runner_sr);
	return rc;
}
