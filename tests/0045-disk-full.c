/*
 * 0045-disk-full — a broker whose log dir fills up, on a real tmpfs of 8 MiB
 * mounted in a private mount namespace (so it disappears with the test,
 * whatever happens; the test needs root, as CI has).
 *
 * A filler file leaves about 3 MiB. 1,000 records go in; then 3,000 more
 * only partly fit: some are acknowledged, the rest fail (KAFKA_STORAGE_ERROR,
 * retried until message.timeout.ms). A retried small batch may still fit
 * in a tail page and flip the dir back to "online" (it is: an append
 * succeeded), so a second filler then takes every free page and one 16 KiB
 * record, which cannot fit, is refused. While the dir is full:
 *   - every acknowledged record is read back (reads of acknowledged data
 *     keep working; before, the log went offline on the first ENOSPC);
 *   - /health says the dir is "full" and fjord_log_dir_full is 1.
 * Then the filler goes, and without any restart 1,000 more records are all
 * acknowledged, the dir is "online" again, and the whole log reads back:
 * exactly the acknowledged records, in order, no gaps in offsets.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness_int.h"
#include "repl_util.h"
#include "test.h"

#define T0045_VALUE 1000

/* Writes size bytes of zeros to path (tmpfs allocates them). */
static void t0045_fill(const char *path, size_t size)
{
	char buf[65536];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	memset(buf, 0, sizeof(buf));
	for (size_t done = 0; done < size; done += sizeof(buf))
		ck_assert_msg(write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf), "write %s: %s",
		              path, strerror(errno));
	close(fd);
}

/* Writes zeros to path until the file system has no page left. */
static void t0045_fill_up(const char *path)
{
	char buf[4096];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n;

	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	memset(buf, 0, sizeof(buf));
	while ((n = write(fd, buf, sizeof(buf))) > 0)
		;
	ck_assert_msg(n < 0 && errno == ENOSPC, "filling %s stopped without ENOSPC: %s", path,
	              strerror(errno));
	close(fd);
}

static char *t0045_health(test_cluster_t *c)
{
	char *body = NULL;
	int code = harness_http_get(c->brokers[0].http_port, "/health", &body, 5000);

	ck_assert_msg(code == 200, "/health answered %d", code);
	return body;
}

/* Consumes the whole partition and checks it holds exactly `expect`
 * records, in order, with contiguous offsets. */
static void t0045_read_all(test_cluster_t *c, const char *topic, int expect, const char *what)
{
	test_msgver_t *mv = test_msgver_new(1);
	int got = test_consume_msgs(c, topic, 1, FJORD_OFFSET_BEGINNING, expect, mv, 60000);

	test_say("%s: read %d of %d acknowledged records", what, got, expect);
	test_msgver_verify(mv, what, expect);
}

START_TEST(t0045_disk_full)
{
	char mnt[600], filler[700], filler2[700], props[1400], *body;
	test_cluster_t *c;
	const char *topic = test_topic_name("full");
	int failed = 0, acked;
	fjord_err_t first_err = FJORD_ERR_NO_ERROR;

	/* A tmpfs only this test (and the brokers it starts) can see. */
	ck_assert_msg(unshare(CLONE_NEWNS) == 0,
	              "unshare(CLONE_NEWNS): %s (0045 mounts a tmpfs: run the tests as root)",
	              strerror(errno));
	ck_assert_msg(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0,
	              "making / private: %s", strerror(errno));
	ck_assert(harness_path(mnt, sizeof(mnt), "%s/tmpfs", test_tmpdir()) == 0);
	ck_assert_msg(mkdir(mnt, 0755) == 0, "mkdir %s: %s", mnt, strerror(errno));
	ck_assert_msg(mount("tmpfs", mnt, "tmpfs", 0, "size=8m") == 0, "mount tmpfs on %s: %s", mnt,
	              strerror(errno));
	ck_assert(harness_path(filler, sizeof(filler), "%s/filler", mnt) == 0);
	t0045_fill(filler, 5u << 20);
	ck_assert(harness_path(filler2, sizeof(filler2), "%s/filler2", mnt) == 0);

	snprintf(props, sizeof(props),
	         "log.dirs=%s/data\nlog.segment.bytes=1048576\n"
	         "replica.high.watermark.checkpoint.interval.ms=1000\n",
	         mnt);
	c = test_cluster_new(1, props);
	test_create_topic(c, topic, 1, 1);

	acked = test_produce_range(c, topic, 0, 0, 1000, T0045_VALUE, &failed, NULL, NULL);
	ck_assert_msg(acked == 1000 && failed == 0, "before the disk filled: %d acked, %d failed",
	              acked, failed);

	/* ~3.3 MB into ~2 MB of room. */
	int acked2 =
	    test_produce_range(c, topic, 0, 1000, 3000, T0045_VALUE, &failed, &first_err,
	                       "message.timeout.ms", "4000", "retry.backoff.ms", "200", NULL);
	test_say("into a full disk: %d acknowledged, %d failed (first error %s)", acked2, failed,
	         fjord_err2name(first_err));
	ck_assert_msg(acked2 > 0 && failed > 0,
	              "expected the disk to fill part way: %d acknowledged, %d failed", acked2,
	              failed);
	acked += acked2;

	/* No page left: a record larger than a page cannot be appended. */
	t0045_fill_up(filler2);
	int acked_probe = test_produce_range(c, topic, 0, 5000, 1, 16384, &failed, &first_err,
	                                     "message.timeout.ms", "2000", NULL);
	ck_assert_msg(acked_probe == 0 && failed == 1,
	              "a 16 KiB record into a full tmpfs: %d acknowledged, %d failed", acked_probe,
	              failed);

	body = t0045_health(c);
	test_say("/health while full: %s", body);
	ck_assert_msg(strstr(body, "\"state\":\"full\""), "/health: %s", body);
	free(body);
	body = repl_http_body(c, 0, "/metrics");
	ck_assert_msg(repl_metric(body, "fjord_log_dir_full{") == 1,
	              "fjord_log_dir_full is not 1 while full");
	ck_assert_msg(repl_metric(body, "fjord_log_dir_offline{") == 0,
	              "a full dir must not be offline");
	free(body);

	/* Everything acknowledged is still served. */
	t0045_read_all(c, topic, acked, "while the disk is full");

	/* Space comes back: no restart. */
	ck_assert_msg(unlink(filler) == 0, "unlink %s: %s", filler, strerror(errno));
	ck_assert_msg(unlink(filler2) == 0, "unlink %s: %s", filler2, strerror(errno));
	int acked3 =
	    test_produce_range(c, topic, 0, 4000, 1000, T0045_VALUE, &failed, &first_err, NULL);
	ck_assert_msg(acked3 == 1000 && failed == 0,
	              "after space returned: %d acknowledged, %d failed (first error %s)", acked3,
	              failed, fjord_err2name(first_err));
	acked += acked3;
	body = t0045_health(c);
	test_say("/health after space returned: %s", body);
	ck_assert_msg(strstr(body, "\"state\":\"online\""), "/health: %s", body);
	free(body);
	t0045_read_all(c, topic, acked, "after space returned");

	test_cluster_destroy(c);
}
END_TEST

void test_0045(TCase *tc)
{
	tcase_add_test(tc, t0045_disk_full);
}
