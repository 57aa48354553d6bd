/*
 * 0014-unit-zkpath — every znode path of docs/zookeeper.md, spelled by
 * common/zkpath, and the rule that a path too long to fit becomes "" (so
 * ZooKeeper refuses it) instead of being cut short to another znode's name.
 */
#include <string.h>

#include "common/zkpath.h"
#include "test.h"

START_TEST(zkpath_spelling)
{
	char b[ZKPATH_MAX], d[ZKPATH_MAX];

	ck_assert_str_eq(zkpath_broker(b, 3), "/brokers/ids/3");
	ck_assert_str_eq(zkpath_child(b, ZKPATH_BROKER_IDS, "7"), "/brokers/ids/7");
	ck_assert_str_eq(zkpath_topic(b, "orders"), "/brokers/topics/orders");
	ck_assert_str_eq(zkpath_partitions(b, "orders"), "/brokers/topics/orders/partitions");
	ck_assert_str_eq(zkpath_partition(b, "orders", 2), "/brokers/topics/orders/partitions/2");
	ck_assert_str_eq(zkpath_state(b, "orders", 2), "/brokers/topics/orders/partitions/2/state");
	ck_assert_str_eq(zkpath_topic_config(b, "orders"), "/config/topics/orders");
	ck_assert_str_eq(zkpath_delete_topic(b, "orders"), "/admin/delete_topics/orders");
	ck_assert_str_eq(zkpath_controlled_shutdown(b, 1), "/admin/controlled_shutdown/1");
	ck_assert_str_eq(zkpath_offline_replicas(b, 3), "/brokers/offline_replicas/3");
	ck_assert_str_eq(zkpath_error_marker(b, "/config/topics/orders"),
	                 "/admin/errors/config/topics/orders");
	ck_assert_str_eq(zkpath_group(b, "app"), "/consumers/app");
	ck_assert_str_eq(zkpath_group_sub(b, "app", "assignment"), "/consumers/app/assignment");
	ck_assert_str_eq(zkpath_member(b, "app", "c-0000000001"),
	                 "/consumers/app/ids/c-0000000001");
	ck_assert_str_eq(zkpath_group_topic(b, "app", "offsets", "orders"),
	                 "/consumers/app/offsets/orders");
	ck_assert_str_eq(zkpath_owner(b, "app", "orders", 0), "/consumers/app/owners/orders/0");
	ck_assert_str_eq(zkpath_offset(b, "app", "orders", 5), "/consumers/app/offsets/orders/5");
	ck_assert_str_eq(zkpath_child(b, zkpath_group_topic(d, "app", "owners", "t"), "1"),
	                 "/consumers/app/owners/t/1");
	ck_assert_str_eq(ZKPATH_REASSIGN, "/admin/reassign_partitions");
	ck_assert_str_eq(ZKPATH_PREFERRED_ELECTION, "/admin/preferred_replica_election");
	ck_assert_str_eq(ZKPATH_CONTROLLER_EPOCH, "/controller_epoch");
}
END_TEST

START_TEST(zkpath_too_long)
{
	char b[ZKPATH_MAX], name[ZKPATH_MAX];

	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ck_assert_str_eq(zkpath_topic(b, name), "");
	ck_assert_str_eq(zkpath_offset(b, name, "t", 0), "");
	/* The longest that fits is written whole. */
	name[ZKPATH_MAX - 1 - strlen("/consumers/")] = '\0';
	ck_assert_uint_eq(strlen(zkpath_group(b, name)), ZKPATH_MAX - 1);
}
END_TEST

void test_0014(TCase *tc);

void test_0014(TCase *tc)
{
	tcase_add_test(tc, zkpath_spelling);
	tcase_add_test(tc, zkpath_too_long);
}
