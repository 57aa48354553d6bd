/*
 * 0064-controller-failover — the controller is SIGKILLed in a private
 * 3-broker cluster: another broker takes over within the ZooKeeper session
 * timeout with a higher controller epoch (read through the SDK's metadata,
 * which comes from /controller and /controller_epoch), and works from
 * ZooKeeper state alone:
 *  - the dead controller's own leaderships move (leader_epoch + 1, the dead
 *    broker leaves the ISRs);
 *  - a topic deletion requested while no controller was running (the
 *    marker is written right after the kill) is carried out;
 *  - a subsequent broker loss is still handled: every partition the victim
 *    led moves to the one broker left (it was in their ISR).
 * T_CLUSTER: it kills its own brokers.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "repl_util.h"
#include "test.h"

#define T0064_PARTS 3

typedef struct t0064_ctl {
	fjord_t *admin;
	int32_t old_id, old_epoch;
	int32_t id, epoch; /* filled when a new controller is seen */
} t0064_ctl_t;

static int t0064_controller(fjord_t *admin, int32_t *idp, int32_t *epochp)
{
	fjord_metadata_t *md = NULL;

	if (fjord_metadata(admin, NULL, &md, 5000) != FJORD_ERR_NO_ERROR || !md)
		return -1;
	*idp = md->controller_id;
	*epochp = md->controller_epoch;
	fjord_metadata_destroy(md);
	return 0;
}

static int t0064_new_controller_pred(void *arg)
{
	t0064_ctl_t *a = arg;
	int32_t id, epoch;

	if (t0064_controller(a->admin, &id, &epoch) < 0 || id < 0 || id == a->old_id ||
	    epoch <= a->old_epoch)
		return 0;
	a->id = id;
	a->epoch = epoch;
	return 1;
}

typedef struct t0064_moved {
	fjord_t *admin;
	const char *topic;
	int32_t victim;
	int32_t want_leader; /* -1: any leader but the victim */
	repl_pstate_t before[T0064_PARTS];
} t0064_moved_t;

/* Every partition the victim led has a new leader (want_leader if set), a
 * bumped leader_epoch, and the victim out of its ISR. */
static int t0064_moved_pred(void *arg)
{
	t0064_moved_t *a = arg;

	for (int p = 0; p < T0064_PARTS; p++) {
		repl_pstate_t ps;

		if (a->before[p].leader != a->victim)
			continue;
		if (repl_pstate_get(a->admin, a->topic, p, &ps) < 0 || ps.leader < 0 ||
		    ps.leader == a->victim ||
		    (a->want_leader >= 0 && ps.leader != a->want_leader) ||
		    ps.leader_epoch <= a->before[p].leader_epoch ||
		    repl_ids_have(ps.isr, ps.isr_cnt, a->victim))
			return 0;
	}
	return 1;
}

static void t0064_snapshot(t0064_moved_t *m)
{
	for (int p = 0; p < T0064_PARTS; p++)
		ck_assert_msg(repl_pstate_get(m->admin, m->topic, p, &m->before[p]) == 0,
		              "%s-%d: no state", m->topic, p);
}

static int t0064_led_by(const t0064_moved_t *m, int32_t id)
{
	int n = 0;

	for (int p = 0; p < T0064_PARTS; p++)
		n += m->before[p].leader == id;
	return n;
}

START_TEST(t0064_failover)
{
	test_cluster_t *c = test_cluster_new(3, REPL_BROKER_PROPS);
	const char *topic = test_topic_name("fo");
	const char *doomed = test_topic_name("doomed");
	fjord_t *admin = repl_admin_new(c);
	t0064_ctl_t ctl = { admin, -1, -1, -1, -1 };
	t0064_moved_t m = { admin, topic, -1, -1, { { 0 } } };
	char errstr[512] = "";

	repl_create_topic(c, topic, T0064_PARTS, 3, NULL);
	repl_create_topic(c, doomed, 1, 2, NULL);
	ck_assert_int_eq(t0064_controller(admin, &ctl.old_id, &ctl.old_epoch), 0);
	ck_assert_msg(ctl.old_id >= 0 && ctl.old_epoch >= 1, "no controller (id %d, epoch %d)",
	              (int)ctl.old_id, (int)ctl.old_epoch);
	t0064_snapshot(&m);
	test_say("controller is broker %d (epoch %d); it leads %d of %d partitions",
	         (int)ctl.old_id, (int)ctl.old_epoch, t0064_led_by(&m, ctl.old_id), T0064_PARTS);

	/* Kill the controller; ask for a deletion while no controller runs. */
	int64_t t0 = test_now_ms();
	test_broker_kill(c, repl_broker_index(c, ctl.old_id), SIGKILL);
	fjord_err_t err = fjord_admin_delete_topic(
	    admin, doomed, (int)(60000 * test_timeout_multiplier()), errstr, sizeof(errstr));
	ck_assert_msg(err == FJORD_ERR_NO_ERROR, "deleting %s across the failover: %s: %s", doomed,
	              fjord_err2name(err), errstr);
	test_say("topic %s deleted %d ms after the kill", doomed, (int)(test_now_ms() - t0));

	ck_assert_msg(test_wait_until(t0064_new_controller_pred, &ctl, 60000),
	              "no new controller with an epoch above %d after killing broker %d",
	              (int)ctl.old_epoch, (int)ctl.old_id);
	int64_t took = test_now_ms() - t0;
	test_say("broker %d took over with epoch %d, %d ms after the kill", (int)ctl.id,
	         (int)ctl.epoch, (int)took);
	if (took > 3000 + 10000)
		test_say("WARNING: the takeover took longer than the session timeout + 10 s");

	/* The dead controller's leaderships moved. */
	m.victim = ctl.old_id;
	ck_assert_msg(test_wait_until(t0064_moved_pred, &m, 30000),
	              "partitions led by the killed controller %d did not move", (int)ctl.old_id);
	for (int p = 0; p < T0064_PARTS; p++) {
		repl_pstate_t ps;
		ck_assert_int_eq(repl_pstate_get(admin, topic, p, &ps), 0);
		test_say("%s-%d: leader %d epoch %d isr %d", topic, p, (int)ps.leader,
		         (int)ps.leader_epoch, ps.isr_cnt);
	}

	/* A later broker loss: kill the other survivor. Its partitions must
	 * move to the new controller, which is in their ISR. */
	int32_t other = -1;
	for (int i = 0; i < c->broker_cnt; i++)
		if (c->brokers[i].id != ctl.old_id && c->brokers[i].id != ctl.id)
			other = c->brokers[i].id;
	ck_assert(other >= 0);
	t0064_snapshot(&m);
	for (int p = 0; p < T0064_PARTS; p++)
		ck_assert_msg(repl_ids_have(m.before[p].isr, m.before[p].isr_cnt, ctl.id),
		              "%s-%d: the new controller %d is not in the ISR", topic, p,
		              (int)ctl.id);
	test_say("killing broker %d, which leads %d partition(s)", (int)other,
	         t0064_led_by(&m, other));
	test_broker_kill(c, repl_broker_index(c, other), SIGKILL);
	m.victim = other;
	m.want_leader = ctl.id;
	ck_assert_msg(test_wait_until(t0064_moved_pred, &m, 30000),
	              "partitions led by broker %d did not move to broker %d", (int)other,
	              (int)ctl.id);
	for (int p = 0; p < T0064_PARTS; p++) {
		repl_pstate_t ps;
		ck_assert_int_eq(repl_pstate_get(admin, topic, p, &ps), 0);
		ck_assert_msg(ps.leader == ctl.id && ps.isr_cnt == 1 && ps.isr[0] == ctl.id,
		              "%s-%d: leader %d with %d ISR members, expected broker %d alone",
		              topic, p, (int)ps.leader, ps.isr_cnt, (int)ctl.id);
	}
	int32_t id, epoch;
	ck_assert_int_eq(t0064_controller(admin, &id, &epoch), 0);
	ck_assert_msg(id == ctl.id && epoch == ctl.epoch, "controller changed again: %d epoch %d",
	              (int)id, (int)epoch);
	fjord_destroy(admin);
	test_cluster_destroy(c);
}
END_TEST

void test_0064(TCase *tc)
{
	tcase_add_test(tc, t0064_failover);
}
