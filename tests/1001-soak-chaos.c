/*
 * 1001-soak-chaos — random broker failures under acks=all load lose no
 * acknowledged record. Manual: runs only when named in TEST_ONLY.
 *
 *   TEST_ONLY=1001 FJORD_SOAK_SECONDS=600 tests/fjord-tests
 *
 * A private 3-broker cluster (min.insync.replicas=2) holds an RF=3 topic of
 * three partitions. The acknowledged-record tracker (repl_track.c) produces
 * with acks=all and the SDK's own retries for FJORD_SOAK_SECONDS (default
 * 120) while the test, driven by a seeded PRNG (FJORD_SOAK_SEED to replay;
 * the seed is printed), repeatedly picks a broker and SIGKILLs it or stops
 * it with SIGTERM (controlled shutdown), waits for a random amount of
 * acknowledged progress, and restarts it. At most one broker is down at a
 * time, so acks=all can always make progress; every step must see progress
 * within a minute. At the end every broker runs again, the ISRs are whole,
 * every record has been acknowledged, and every partition is read back:
 * each acknowledged record is at its acknowledged offset, in order. The
 * SDK's retries may store a record twice (a request whose answer was lost
 * with its broker): such duplicates are counted and printed, not failed.
 * T_CLUSTER | T_MANUAL.
 */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "repl_util.h"

#define T1001_PARTITIONS 3

static int t1001_seconds(void)
{
	const char *s = getenv("FJORD_SOAK_SECONDS");
	int v = s ? atoi(s) : 120;
	return v > 0 ? v : 120;
}

START_TEST(t1001_soak)
{
	test_cluster_t *c = test_cluster_new(3, REPL_BROKER_PROPS "min.insync.replicas=2\n");
	const char *topic = test_topic_name("soak");
	static const char *const props[] = { "message.timeout.ms", "120000", "request.timeout.ms",
		                             "15000", NULL };
	const char *seed_env = getenv("FJORD_SOAK_SEED");
	unsigned seed = seed_env ? (unsigned)strtoul(seed_env, NULL, 0)
	                         : (unsigned)(test_now_ms() ^ (int64_t)getpid());
	int seconds = t1001_seconds();
	int kills = 0, terms = 0;

	test_say("soak for %d s, FJORD_SOAK_SEED=%u", seconds, seed);
	repl_create_topic(c, topic, T1001_PARTITIONS, 3, NULL);
	fjord_t *admin = repl_admin_new(c);
	repl_track_t *rt = repl_track_new(c, topic, T1001_PARTITIONS, 1000, props);
	repl_track_start(rt);
	int64_t end = test_now_ms() + (int64_t)seconds * 1000;
	while (test_now_ms() < end) {
		int idx = (int)(rand_r(&seed) % (unsigned)c->broker_cnt);
		int sig = rand_r(&seed) % 2 ? SIGKILL : SIGTERM;
		ck_assert_msg(repl_track_wait_progress(rt, 50 + (int)(rand_r(&seed) % 500), 60000),
		              "no acknowledged progress with every broker up (%d acknowledged)",
		              repl_track_acked(rt));
		test_say("chaos: %s broker %d (%d acknowledged)",
		         sig == SIGKILL ? "SIGKILL" : "SIGTERM", c->brokers[idx].id,
		         repl_track_acked(rt));
		test_broker_kill(c, idx, sig);
		if (sig == SIGKILL)
			kills++;
		else
			terms++;
		ck_assert_msg(repl_track_wait_progress(rt, 50 + (int)(rand_r(&seed) % 500), 60000),
		              "no acknowledged progress with broker %d down (%d acknowledged)",
		              c->brokers[idx].id, repl_track_acked(rt));
		test_broker_restart(c, idx);
	}
	test_say("chaos done: %d SIGKILL, %d SIGTERM", kills, terms);
	ck_assert_msg(repl_wait_isr_full(admin, topic, T1001_PARTITIONS, 120000),
	              "ISR of %s not whole after the chaos", topic);
	repl_track_stop(rt, 180000);
	fjord_destroy(admin);
	repl_track_verify(rt, c, 1);
	test_cluster_destroy(c);
}
END_TEST

void test_1001(TCase *tc)
{
	/* The registry's timeout is for the default duration; follow the env. */
	tcase_set_timeout(tc, (double)(t1001_seconds() + 600) * test_timeout_multiplier());
	tcase_add_test(tc, t1001_soak);
}
