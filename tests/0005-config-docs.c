/*
 * 0005-config-docs — docs/configuration.md holds, verbatim, the property
 * tables the code generates (`fjordd --help-config` and fjord-conf-doc), so
 * the configuration document cannot drift from what fjordd and the SDK
 * accept. Fix a failure with scripts/gen-config-doc.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

static char *t0005_read_file(const char *path)
{
	FILE *fp = fopen(path, "r");
	ck_assert_msg(fp, "cannot open %s", path);
	char *buf = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&buf, &size);
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		fwrite(chunk, 1, n, mem);
	fclose(fp);
	fclose(mem);
	return buf;
}

/* Runs a generator and checks its whole output stands in the document. */
static void t0005_check(const char *doc, const char *cmd, const char *what)
{
	int rc = -1;
	char *out = test_run(cmd, &rc);
	ck_assert_msg(rc == 0, "%s exited %d: %s", cmd, rc, out ? out : "");
	ck_assert_msg(out && strlen(out) > 200, "%s printed too little", cmd);
	ck_assert_msg(strstr(doc, out) != NULL,
	              "docs/configuration.md does not match the %s table: "
	              "run scripts/gen-config-doc",
	              what);
	test_say("%s table: %zu bytes, in step with docs/configuration.md", what, strlen(out));
	free(out);
}

START_TEST(t0005_tables_in_docs)
{
	char *doc = t0005_read_file(FJORD_SRCDIR "/docs/configuration.md");
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "'%s' --help-config", test_fjordd_path());
	t0005_check(doc, cmd, "broker");
	snprintf(cmd, sizeof(cmd), "'%s/src/client/fjord-conf-doc'", FJORD_BUILDDIR);
	t0005_check(doc, cmd, "SDK");
	free(doc);
}
END_TEST

void test_0005(TCase *tc)
{
	tcase_add_test(tc, t0005_tables_in_docs);
}
