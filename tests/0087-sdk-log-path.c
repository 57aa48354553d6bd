/*
 * 0087-sdk-log-path — warnings of the common code inside an SDK handle
 * (zkmeta, reading ZooKeeper for zookeeper.connect) reach the
 * application's log_cb and obey its log_level, as fjord.h promises, instead
 * of going to stderr behind the application's back.
 *
 * A malformed broker znode is written into a private cluster's ZooKeeper;
 * a producer with a log_cb must be told about it (facility "zkmeta",
 * level WARNING, naming the znode). A second producer with log_level=3
 * (errors only) must not be. Before this, zkmeta wrote the warning to
 * stderr with flog() and the log_cb saw nothing: the first half fails.
 */
#include <pthread.h>
#include <string.h>

#include <zookeeper/zookeeper.h>

#include "common/zkutil.h"
#include "test.h"

static pthread_mutex_t t0087_lock = PTHREAD_MUTEX_INITIALIZER;
static int t0087_zkmeta_lines, t0087_level = -1;
static char t0087_line[512];

static void t0087_log_cb(const fjord_t *fj, int level, const char *fac, const char *buf)
{
	(void)fj;
	if (strcmp(fac, "zkmeta") != 0 || !strstr(buf, "/brokers/ids/77"))
		return;
	pthread_mutex_lock(&t0087_lock);
	t0087_zkmeta_lines++;
	t0087_level = level;
	snprintf(t0087_line, sizeof(t0087_line), "%s", buf);
	pthread_mutex_unlock(&t0087_lock);
}

static int t0087_seen(void *arg)
{
	int n;
	(void)arg;
	pthread_mutex_lock(&t0087_lock);
	n = t0087_zkmeta_lines;
	pthread_mutex_unlock(&t0087_lock);
	return n > 0;
}

static fjord_t *t0087_producer(test_cluster_t *c, const char *log_level)
{
	char errstr[512];
	fjord_conf_t *conf = test_conf(c, "log_level", log_level, NULL);
	fjord_t *fj;

	fjord_conf_set_log_cb(conf, t0087_log_cb);
	fj = fjord_new(FJORD_PRODUCER, conf, errstr, sizeof(errstr));
	if (!fj)
		fjord_conf_destroy(conf);
	ck_assert_msg(fj, "fjord_new: %s", errstr);
	return fj;
}

START_TEST(t0087_sdk_log_path)
{
	test_cluster_t *c = test_cluster_new(1, NULL);
	char err[256];
	zhandle_t *zh =
	    zkutil_connect(c->zk_connect, 10000, 10000, 0, NULL, NULL, err, sizeof(err));
	const char *bad = "{\"version\":1,\"host\":";
	fjord_t *fj;
	int n;

	ck_assert_msg(zh, "ZooKeeper: %s", err);
	ck_assert_int_eq(zoo_create(zh, "/brokers/ids/77", bad, (int)strlen(bad),
	                            &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0),
	                 ZOK);

	/* log_level 7: the warning reaches log_cb. */
	fj = t0087_producer(c, "7");
	ck_assert_msg(test_wait_until(t0087_seen, NULL, 15000),
	              "the SDK's log_cb never saw zkmeta's warning about /brokers/ids/77");
	pthread_mutex_lock(&t0087_lock);
	test_say("log_cb got [zkmeta] level %d: %s", t0087_level, t0087_line);
	ck_assert_int_eq(t0087_level, 4); /* syslog LOG_WARNING */
	t0087_zkmeta_lines = 0;
	pthread_mutex_unlock(&t0087_lock);
	fjord_destroy(fj);

	/* log_level 3: a warning is below the handle's level and is dropped. Its
	 * zkmeta warns (or not) while fjord_new reads the first snapshot; what
	 * was queued is delivered by the time fjord_destroy returns. */
	fj = t0087_producer(c, "3");
	fjord_destroy(fj);
	pthread_mutex_lock(&t0087_lock);
	n = t0087_zkmeta_lines;
	pthread_mutex_unlock(&t0087_lock);
	ck_assert_msg(n == 0, "a handle with log_level=3 got %d zkmeta warning(s)", n);

	zoo_delete(zh, "/brokers/ids/77", -1);
	zookeeper_close(zh);
	test_cluster_destroy(c);
}
END_TEST

void test_0087(TCase *tc)
{
	tcase_add_test(tc, t0087_sdk_log_path);
}
