/*
 * 0015-unit-storage-faults — what storage does when its disk fails it, with
 * faults injected through the storage_io wrappers (storage_io.h):
 * - the fault-rule parser takes the documented format and refuses the rest
 *   with the line named; error kinds sort ENOSPC/EDQUOT, the transient
 *   errnos and disk errors;
 * - no space: an append is refused with STORAGE_ERROR and undone (the file
 *   keeps its size, the log end offset stays), reads of what is there go on,
 *   the dir reads "full"; once space returns the next append succeeds and
 *   the dir is "online" again, with no restart;
 * - a disk error (EIO) in one of two log dirs: that dir goes offline once
 *   (the owner's callback runs once), its logs refuse reads and appends, the
 *   other dir's logs carry on, a new log is created in the good dir, the
 *   checkpoints and the clean-shutdown marker skip the failed dir, and a
 *   reopen recovers it with every appended record intact;
 * - a failed fsync takes the dir offline whatever its errno (ENOSPC too).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/record_batch.h"
#include "storage/logmgr.h"
#include "storage/storage_io.h"
#include "test.h"

static char *t15_dir(const char *name)
{
	static char paths[4][600];
	static int next;
	char *path = paths[next++ % 4];

	snprintf(path, sizeof(paths[0]), "%s/%s-XXXXXX", test_tmpdir(), name);
	ck_assert_ptr_nonnull(mkdtemp(path));
	return path;
}

static void t15_arm(const char *text)
{
	sio_fault_rule_t rules[SIO_FAULT_MAX];
	char errstr[256];
	int n = sio_fault_parse(text, strlen(text), rules, SIO_FAULT_MAX, errstr, sizeof(errstr));

	ck_assert_msg(n >= 0, "%s", errstr);
	sio_fault_set(rules, (size_t)n);
}

/* Appends one batch of 3 records; returns the error. */
static fjord_err_t t15_append(plog_t *plog)
{
	rb_builder_t b;
	const uint8_t *batch;
	size_t len;
	uint8_t *copy;
	fjord_err_t err;

	rb_builder_init(&b, RB_CODEC_NONE, -1);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(rb_builder_add(&b, 1000 + i, "k", 1, "value", 5, NULL, 0), 0);
	ck_assert_int_eq(rb_builder_finish(&b, &batch, &len), 0);
	copy = malloc(len);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, batch, len);
	rb_builder_destroy(&b);
	err = plog_append(plog, copy, len, 1, 1, NULL);
	free(copy);
	return err;
}

/* Reads from offset 0 up to the LEO; returns the error. */
static fjord_err_t t15_read_all(plog_t *plog, size_t *lenp)
{
	plog_read_t rd;
	fjord_err_t err = plog_read(plog, 0, 1 << 20, plog_log_end_offset(plog), &rd);

	if (lenp)
		*lenp = rd.length;
	return err;
}

static int t15_offline_calls;
static const log_dir_t *t15_offline_dir;

static void t15_on_offline(const log_dir_t *ld, void *arg)
{
	(void)arg;
	t15_offline_calls++;
	t15_offline_dir = ld;
}

static int t15_exists(const char *dir, const char *name)
{
	char path[800];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

START_TEST(t0015_rules)
{
	sio_fault_rule_t r[SIO_FAULT_MAX];
	char errstr[256];
	const char *ok = "# comment\n\nEIO write,sync /a/b/\n  ENOSPC all /c\nEROFS open /\n";

	ck_assert_int_eq(sio_fault_parse(ok, strlen(ok), r, SIO_FAULT_MAX, errstr, sizeof(errstr)),
	                 3);
	ck_assert_int_eq(r[0].err, EIO);
	ck_assert_int_eq(r[0].ops, SIO_OP_WRITE | SIO_OP_SYNC);
	ck_assert_str_eq(r[0].prefix, "/a/b");
	ck_assert_int_eq(r[1].ops, SIO_OP_ALL);
	ck_assert_str_eq(r[2].prefix, "/");
	ck_assert_int_eq(
	    sio_fault_parse("EIO write\n", 10, r, SIO_FAULT_MAX, errstr, sizeof(errstr)), -1);
	ck_assert_msg(strstr(errstr, "line 1"), "%s", errstr);
	ck_assert_int_eq(
	    sio_fault_parse("EBUSY write /x", 14, r, SIO_FAULT_MAX, errstr, sizeof(errstr)), -1);
	ck_assert_int_eq(
	    sio_fault_parse("\nEIO wrote /x", 13, r, SIO_FAULT_MAX, errstr, sizeof(errstr)), -1);
	ck_assert_msg(strstr(errstr, "line 2"), "%s", errstr);
	ck_assert_int_eq(
	    sio_fault_parse("EIO write rel", 13, r, SIO_FAULT_MAX, errstr, sizeof(errstr)), -1);
	ck_assert_int_eq(
	    sio_fault_parse("EIO write, /x", 13, r, SIO_FAULT_MAX, errstr, sizeof(errstr)), -1);
	ck_assert_int_eq(
	    sio_fault_parse("EIO all /x y", 12, r, SIO_FAULT_MAX, errstr, sizeof(errstr)), -1);
	ck_assert_int_eq(
	    sio_fault_parse("EIO all /x\nEIO all /y", 21, r, 1, errstr, sizeof(errstr)), -1);
	ck_assert_int_eq(
	    sio_fault_parse("EIO all /a\0b", 12, r, SIO_FAULT_MAX, errstr, sizeof(errstr)), -1);
	ck_assert_msg(strstr(errstr, "NUL"), "%s", errstr);

	/* Prefixes match whole path components. */
	t15_arm("EIO read /a/b");
	ck_assert_int_eq(sio_fault_check(SIO_OP_READ, "/a/b"), -EIO);
	ck_assert_int_eq(sio_fault_check(SIO_OP_READ, "/a/b/c.log"), -EIO);
	ck_assert_int_eq(sio_fault_check(SIO_OP_READ, "/a/bc"), 0);
	ck_assert_int_eq(sio_fault_check(SIO_OP_WRITE, "/a/b/c.log"), 0);
	sio_fault_set(NULL, 0);
	ck_assert_int_eq(sio_fault_check(SIO_OP_READ, "/a/b/c.log"), 0);

	ck_assert_int_eq(sio_err_kind(-ENOSPC), SIO_ERR_SPACE);
	ck_assert_int_eq(sio_err_kind(EDQUOT), SIO_ERR_SPACE);
	ck_assert_int_eq(sio_err_kind(-EMFILE), SIO_ERR_TRANSIENT);
	ck_assert_int_eq(sio_err_kind(-ENOMEM), SIO_ERR_TRANSIENT);
	ck_assert_int_eq(sio_err_kind(-EIO), SIO_ERR_DISK);
	ck_assert_int_eq(sio_err_kind(-EROFS), SIO_ERR_DISK);
	ck_assert_int_eq(sio_err_kind(0), SIO_ERR_NONE);
}
END_TEST

START_TEST(t0015_no_space)
{
	char errstr[512], rule[800];
	const char *dir = t15_dir("s15-full");
	const char *dirs[1] = { dir };
	log_config_t cfg;
	logmgr_t *mgr = NULL;
	plog_t *plog = NULL;
	size_t len;

	log_config_defaults(&cfg);
	ck_assert_msg(logmgr_open(dirs, 1, &cfg, 1, &mgr, errstr, sizeof(errstr)) == 0, "%s",
	              errstr);
	ck_assert_int_eq(logmgr_get_or_create(mgr, "full", 0, NULL, &plog, errstr, sizeof(errstr)),
	                 0);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(t15_append(plog), FJORD_ERR_NO_ERROR);
	int64_t leo = plog_log_end_offset(plog), size = plog_size_bytes(plog);

	snprintf(rule, sizeof(rule), "ENOSPC write %s", dir);
	t15_arm(rule);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(t15_append(plog), FJORD_ERR_STORAGE_ERROR);
	ck_assert_int_eq(plog_log_end_offset(plog), leo);
	ck_assert_int_eq(plog_size_bytes(plog), size);
	ck_assert_str_eq(log_dir_state_name(logmgr_dir(mgr, 0)), "full");
	ck_assert_int_eq(logmgr_dir(mgr, 0)->space_errors, 3);
	ck_assert(!plog_is_offline(plog));
	/* What was acknowledged stays readable. */
	ck_assert_int_eq(t15_read_all(plog, &len), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq((int64_t)len, size);

	/* Space is back: the very next append works, no restart. */
	sio_fault_set(NULL, 0);
	ck_assert_int_eq(t15_append(plog), FJORD_ERR_NO_ERROR);
	ck_assert_str_eq(log_dir_state_name(logmgr_dir(mgr, 0)), "online");
	ck_assert_int_eq(plog_log_end_offset(plog), leo + 3);
	logmgr_close(mgr, 1);
	ck_assert(t15_exists(dir, ".clean-shutdown"));
}
END_TEST

START_TEST(t0015_disk_error)
{
	char errstr[512], rule[800];
	const char *a = t15_dir("s15-a"), *b = t15_dir("s15-b");
	const char *dirs[2] = { a, b };
	log_config_t cfg;
	logmgr_t *mgr = NULL;
	plog_t *pa = NULL, *pb = NULL, *pc = NULL;

	log_config_defaults(&cfg);
	ck_assert_msg(logmgr_open(dirs, 2, &cfg, 1, &mgr, errstr, sizeof(errstr)) == 0, "%s",
	              errstr);
	logmgr_set_offline_cb(mgr, t15_on_offline, NULL);
	/* Two logs: one per dir (the dir with fewer partitions wins). */
	ck_assert_int_eq(logmgr_get_or_create(mgr, "eio", 0, NULL, &pa, errstr, sizeof(errstr)), 0);
	ck_assert_int_eq(logmgr_get_or_create(mgr, "eio", 1, NULL, &pb, errstr, sizeof(errstr)), 0);
	ck_assert_msg(strncmp(plog_dir(pa), a, strlen(a)) == 0, "%s", plog_dir(pa));
	ck_assert_msg(strncmp(plog_dir(pb), b, strlen(b)) == 0, "%s", plog_dir(pb));
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(t15_append(pa), FJORD_ERR_NO_ERROR);
		ck_assert_int_eq(t15_append(pb), FJORD_ERR_NO_ERROR);
	}

	snprintf(rule, sizeof(rule), "EIO write %s", a);
	t15_arm(rule);
	ck_assert_int_eq(t15_append(pa), FJORD_ERR_STORAGE_ERROR);
	ck_assert_int_eq(t15_offline_calls, 1);
	ck_assert_ptr_eq(t15_offline_dir, logmgr_dir(mgr, 0));
	ck_assert_str_eq(log_dir_state_name(logmgr_dir(mgr, 0)), "offline");
	ck_assert_int_eq(logmgr_dir(mgr, 0)->err, EIO);
	ck_assert(plog_is_offline(pa));
	/* Offline for reads too, and for good (the rule is lifted). */
	sio_fault_set(NULL, 0);
	ck_assert_int_eq(t15_read_all(pa, NULL), FJORD_ERR_STORAGE_ERROR);
	ck_assert_int_eq(t15_append(pa), FJORD_ERR_STORAGE_ERROR);
	ck_assert_int_eq(t15_offline_calls, 1);
	ck_assert_uint_eq(logmgr_online_dir_count(mgr), 1);
	/* The other dir carries on, and takes the new logs. */
	ck_assert(!plog_is_offline(pb));
	ck_assert_int_eq(t15_append(pb), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(t15_read_all(pb, NULL), FJORD_ERR_NO_ERROR);
	ck_assert_int_eq(logmgr_get_or_create(mgr, "eio", 2, NULL, &pc, errstr, sizeof(errstr)), 0);
	ck_assert_msg(strncmp(plog_dir(pc), b, strlen(b)) == 0, "%s", plog_dir(pc));
	ck_assert_int_eq(logmgr_checkpoint(mgr, errstr, sizeof(errstr)), 0);
	logmgr_close(mgr, 1);
	ck_assert(!t15_exists(a, ".clean-shutdown"));
	ck_assert(t15_exists(b, ".clean-shutdown"));

	/* A restart reopens the failed dir, recovers it, and nothing acknowledged
	 * is lost. */
	mgr = NULL;
	ck_assert_msg(logmgr_open(dirs, 2, &cfg, 1, &mgr, errstr, sizeof(errstr)) == 0, "%s",
	              errstr);
	pa = logmgr_get(mgr, "eio", 0);
	ck_assert_ptr_nonnull(pa);
	ck_assert_int_eq(plog_log_end_offset(pa), 6);
	ck_assert_int_eq(plog_log_end_offset(logmgr_get(mgr, "eio", 1)), 9);
	ck_assert_int_eq(t15_append(pa), FJORD_ERR_NO_ERROR);
	logmgr_close(mgr, 1);
}
END_TEST

START_TEST(t0015_fsync_error)
{
	char errstr[512], rule[800];
	const char *dir = t15_dir("s15-sync");
	const char *dirs[1] = { dir };
	log_config_t cfg;
	logmgr_t *mgr = NULL;
	plog_t *plog = NULL;

	log_config_defaults(&cfg);
	ck_assert_msg(logmgr_open(dirs, 1, &cfg, 1, &mgr, errstr, sizeof(errstr)) == 0, "%s",
	              errstr);
	ck_assert_int_eq(logmgr_get_or_create(mgr, "sync", 0, NULL, &plog, errstr, sizeof(errstr)),
	                 0);
	ck_assert_int_eq(t15_append(plog), FJORD_ERR_NO_ERROR);
	/* Even "no space" from fsync means the kernel may have dropped data. */
	snprintf(rule, sizeof(rule), "ENOSPC sync %s", dir);
	t15_arm(rule);
	ck_assert_int_lt(plog_flush_sync(plog), 0);
	sio_fault_set(NULL, 0);
	ck_assert_str_eq(log_dir_state_name(logmgr_dir(mgr, 0)), "offline");
	ck_assert_uint_eq(logmgr_online_dir_count(mgr), 0);
	ck_assert_int_eq(t15_append(plog), FJORD_ERR_STORAGE_ERROR);
	logmgr_close(mgr, 1);
	ck_assert(!t15_exists(dir, ".clean-shutdown"));
}
END_TEST

void test_0015(TCase *tc)
{
	tcase_add_test(tc, t0015_rules);
	tcase_add_test(tc, t0015_no_space);
	tcase_add_test(tc, t0015_disk_error);
	tcase_add_test(tc, t0015_fsync_error);
}
