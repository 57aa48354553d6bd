/*
 * 0142-pkgconfig — libfjord as a user installs and builds against it
 * (issue 13), against the shared cluster.
 *
 * `make install`'s SDK targets (install-libLTLIBRARIES, -includeHEADERS,
 * -pkgconfigDATA) with DESTDIR=<tmp> from this build tree must install
 * fjord.h, libfjord.so, libfjord.a and libfjord.pc. With PKG_CONFIG_PATH on the
 * installed .pc (its prefix moved under DESTDIR with --define-variable):
 *  - examples/producer.c is compiled with
 *    `cc $(pkg-config --cflags --libs libfjord)` and run (LD_LIBRARY_PATH on
 *    the installed lib): 3 records acknowledged;
 *  - examples/producer.c and examples/consumer.c are linked statically
 *    against libfjord.a with `pkg-config --static --libs libfjord`; the
 *    binaries do not need libfjord.so (readelf) and run without
 *    LD_LIBRARY_PATH: 2 more records acknowledged, then the static consumer
 *    reads back all 5, in order, offsets 0..4.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

/* The sanitizer build's objects need the sanitizer runtime in what links
 * them. */
#if defined(__SANITIZE_ADDRESS__)
#define T0142_SAN " -fsanitize=address,undefined"
#else
#define T0142_SAN ""
#endif

/* Runs cmd; asserts exit 0; returns its output (caller frees). */
static char *t0142_run(const char *what, const char *cmd)
{
	int rc = -1;
	char *out = test_run(cmd, &rc);
	ck_assert_msg(rc == 0, "%s: exit %d\n$ %s\n%s", what, rc, cmd, out ? out : "");
	return out;
}

START_TEST(t0142_pkgconfig)
{
	test_cluster_t *c = test_shared_cluster();
	const char *topic = test_topic_name("pc");
	char dir[600], env[1600], cmd[4096], bs[64];
	char *out;

	test_create_topic(c, topic, 1, 1);
	snprintf(bs, sizeof(bs), "127.0.0.1:%d", c->brokers[0].port);
	snprintf(dir, sizeof(dir), "%s/t0142", test_tmpdir());

	/* The SDK's part of make install (libraries, headers, .pc), into a
	 * DESTDIR: a whole `make install` would also relink the programs in
	 * this build tree while other tests run them. The outer make's
	 * jobserver is not ours. */
	snprintf(
	    cmd, sizeof(cmd),
	    "rm -rf '%s' && mkdir -p '%s' && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "
	    "make -s -C '%s' install-libLTLIBRARIES install-includeHEADERS install-pkgconfigDATA "
	    "DESTDIR='%s/dest' >'%s/install.log' 2>&1 || "
	    "{ tail -20 '%s/install.log'; exit 1; }",
	    dir, dir, FJORD_BUILDDIR, dir, dir, dir);
	free(t0142_run("make install", cmd));
	snprintf(
	    cmd, sizeof(cmd),
	    "cd '%s/dest' && pc=$(find . -name libfjord.pc) && echo \"$pc\" && "
	    "ls $(dirname $(dirname \"$pc\"))/libfjord.a $(dirname $(dirname \"$pc\"))/libfjord.so "
	    "&& find . -name fjord.h | grep -q include/fjord.h",
	    dir);
	out = t0142_run("installed files", cmd);
	test_say("installed: %s", out);
	free(out);

	/* pkg-config on the installed .pc, its prefix moved under DESTDIR. */
	snprintf(env, sizeof(env),
	         "cd '%s' && pcdir=$(dirname $(find \"$PWD/dest\" -name libfjord.pc)) && "
	         "export PKG_CONFIG_PATH=\"$pcdir\" && "
	         "prefix=\"$PWD/dest$(pkg-config --variable=prefix libfjord)\" && "
	         "pc() { pkg-config --define-variable=prefix=\"$prefix\" \"$@\" libfjord; } && "
	         "libdir=$(pc --variable=libdir)",
	         dir);
	snprintf(cmd, sizeof(cmd),
	         "%s && echo cflags: $(pc --cflags) && echo libs: $(pc --libs) && "
	         "echo static: $(pc --static --libs)",
	         env);
	out = t0142_run("pkg-config", cmd);
	test_say("%s", out);
	ck_assert_msg(strstr(out, "-lfjord") && strstr(out, "-lzookeeper_mt") &&
	                  strstr(out, "-lsnappy") && strstr(out, "/include"),
	              "pkg-config output lacks flags: %s", out);
	free(out);

	/* Dynamic: cc app.c $(pkg-config --cflags --libs libfjord). */
	snprintf(cmd, sizeof(cmd),
	         "%s && cc -o prod-dyn '%s/examples/producer.c'" T0142_SAN
	         " $(pc --cflags --libs) && "
	         "LD_LIBRARY_PATH=\"$libdir\" ./prod-dyn %s %s one two three",
	         env, FJORD_SRCDIR, bs, topic);
	out = t0142_run("dynamic producer", cmd);
	ck_assert_msg(strstr(out, "at offset 0") && strstr(out, "at offset 2") &&
	                  !strstr(out, "failed"),
	              "dynamic producer: %s", out);
	free(out);

	/* Static: libfjord.a, its dependencies from --static. */
	snprintf(cmd, sizeof(cmd),
	         "%s && for ex in producer consumer; do cc -o $ex-st '%s/examples/'$ex.c" T0142_SAN
	         " $(pc --cflags) -Wl,-Bstatic -lfjord -Wl,-Bdynamic -Wl,--as-needed "
	         "$(pc --static --libs) || exit 1; "
	         "if readelf -d $ex-st | grep NEEDED | grep libfjord; then exit 1; fi; done && "
	         "./producer-st %s %s four five && ./consumer-st %s %s 0 5",
	         env, FJORD_SRCDIR, bs, topic, bs, topic);
	out = t0142_run("static producer and consumer", cmd);
	test_say("%s", out);
	ck_assert_msg(strstr(out, "at offset 3") && strstr(out, "at offset 4"),
	              "static producer: %s", out);
	ck_assert_msg(strstr(out, "0: one\n1: two\n2: three\n3: four\n4: five\n"),
	              "static consumer did not read back the 5 records in order: %s", out);
	free(out);
}
END_TEST

void test_0142(TCase *tc)
{
	tcase_add_test(tc, t0142_pkgconfig);
}
