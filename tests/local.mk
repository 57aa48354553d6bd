# tests: one Check runner (tests/fjord-tests) holding every numbered test.
# `make check` runs it through automake's test driver (its output lands in
# tests/fjord-tests.log; scripts/check prints the table and Check's closing
# line from there). Every test file in tests/tests.def is listed here.
check_PROGRAMS += tests/fjord-tests
TESTS += tests/fjord-tests
EXTRA_DIST += tests/kafka/group_client.py tests/kafka/judge_common.py \
	tests/kafka/confluent_roundtrip.py tests/kafka/kafkapython_roundtrip.py \
	tests/kafka/confluent_resume.py
# LeakSanitizer suppressions (scripts/check --sanitizers; docs/testing.md).
EXTRA_DIST += tests/lsan.supp
tests_fjord_tests_SOURCES = tests/test.h tests/tests.def \
	tests/main.c \
	tests/harness_int.h tests/harness.c tests/harness_proc.c \
	tests/zk_server.c tests/zk_proxy.c tests/cluster.c tests/sdk_helpers.c tests/msgver.c \
	tests/rawproto.h tests/rawproto.c \
	tests/kproto.h tests/kproto.c \
	tests/kgroup_helpers.h tests/kgroup_helpers.c \
	tests/0000-unit-crc32c-murmur2.c \
	tests/0001-unit-record-batch.c \
	tests/0002-unit-frame.c \
	tests/0003-unit-props.c \
	tests/0004-unit-zkjson.c \
	tests/0005-config-docs.c \
	tests/0010-unit-segment-index.c \
	tests/0011-unit-log-roll-retention.c \
	tests/0012-unit-log-recovery.c \
	tests/0013-unit-epoch-checkpoint.c \
	tests/0014-unit-zkpath.c \
	tests/0015-unit-storage-faults.c \
	tests/0016-unit-producer-state.c \
	tests/0150-unit-log-cleaner.c \
	tests/0151-log-compaction.c \
	tests/0152-compaction-tombstones.c \
	tests/0153-compaction-crash-broker.c \
	tests/0154-compaction-max-lag.c \
	tests/0020-broker-config-and-registration.c \
	tests/0021-bad-frames.c \
	tests/0022-slow-readers.c \
	tests/0023-request-memory.c \
	tests/0024-connection-limits.c \
	tests/0025-poison-batches.c \
	tests/0026-poison-limits-consumer.c \
	tests/0030-produce-consume.c \
	tests/0031-partitioner.c \
	tests/0032-compression.c \
	tests/0033-long-poll.c \
	tests/0034-errors.c \
	tests/0035-list-offsets.c \
	tests/0036-admin-topics.c \
	tests/0040-kill9-recovery.c \
	tests/0041-retention.c \
	tests/corrupt_util.h tests/corrupt_util.c \
	tests/0042-corrupt-segment-recovery.c \
	tests/0043-corrupt-clean-shutdown.c \
	tests/0044-corrupt-follower-repair.c \
	tests/0045-disk-full.c \
	tests/0046-log-dir-failure.c \
	tests/0050-cli.c \
	tests/0051-metrics-health.c
# Replication and failover tests (0060-0069, 1001):
tests_fjord_tests_SOURCES += tests/0006-unit-zkjson-admin.c tests/0007-unit-arena.c tests/0008-unit-deadline.c \
	tests/0009-unit-numparse.c
tests_fjord_tests_SOURCES += tests/0064-controller-failover.c tests/0065-preferred-election.c
tests_fjord_tests_SOURCES += tests/repl_logs.h tests/repl_logs.c tests/0060-replica-fetch.c \
	tests/0061-isr-shrink-expand.c tests/0062-diverged-log-truncation.c \
	tests/0063-controlled-shutdown.c
tests_fjord_tests_SOURCES += tests/repl_util.h tests/repl_roles.c tests/repl_track.c \
	tests/0066-rf3-kill-leaders.c tests/0067-min-insync.c tests/0068-zk-session-expiry.c \
	tests/0069-cli-describe-offline.c tests/1001-soak-chaos.c
# Consumer group tests (0070-0079):
tests_fjord_tests_SOURCES += tests/cgrp_helpers.h tests/cgrp_helpers.c
tests_fjord_tests_SOURCES += tests/0070-group-membership.c
tests_fjord_tests_SOURCES += tests/0071-group-churn.c
tests_fjord_tests_SOURCES += tests/0072-group-fenced-commit.c
tests_fjord_tests_SOURCES += tests/0073-group-resume.c
tests_fjord_tests_SOURCES += tests/0074-group-zkcli-offsets.c
tests_fjord_tests_SOURCES += tests/0075-group-patterns.c
tests_fjord_tests_SOURCES += tests/0076-unit-assignor.c
tests_fjord_tests_SOURCES += tests/0077-group-cli.c
tests_fjord_tests_SOURCES += tests/0078-group-new-partitions.c
tests_fjord_tests_SOURCES += tests/0080-named-listeners.c
tests_fjord_tests_SOURCES += tests/0081-reassign.c
tests_fjord_tests_SOURCES += tests/0082-topic-config-live.c
tests_fjord_tests_SOURCES += tests/0083-admin-refused.c
tests_fjord_tests_SOURCES += tests/0084-zkcli-topic-lifecycle.c
tests_fjord_tests_SOURCES += tests/0085-sdk-zk-down.c
tests_fjord_tests_SOURCES += tests/0086-zkmeta-incremental.c
tests_fjord_tests_SOURCES += tests/0087-sdk-log-path.c
tests_fjord_tests_SOURCES += tests/tls_helpers.c tests/tls_helpers.h tests/0090-tls.c
tests_fjord_tests_SOURCES += tests/0091-mtls.c
tests_fjord_tests_SOURCES += tests/0092-tls-replication.c
# SASL (0093-0095):
tests_fjord_tests_SOURCES += tests/0093-unit-scram.c
tests_fjord_tests_SOURCES += tests/0094-sasl-scram.c
tests_fjord_tests_SOURCES += tests/0095-sasl-replication.c
tests_fjord_tests_SOURCES += tests/0096-acl-topic.c
tests_fjord_tests_SOURCES += tests/0097-acl-cli.c
tests_fjord_tests_SOURCES += tests/0098-create-delete-topics-api.c
tests_fjord_tests_SOURCES += tests/0099-unit-acl.c
tests_fjord_tests_SOURCES += tests/0100-zk-acl.c
tests_fjord_tests_SOURCES += tests/0101-zk-auth-errors.c
tests_fjord_tests_SOURCES += tests/0102-http-listener-default.c
tests_fjord_tests_SOURCES += tests/0103-sasl-ssl-acl.c
tests_fjord_tests_SOURCES += tests/0110-unit-pid-block.c
tests_fjord_tests_SOURCES += tests/0111-init-producer-id.c
tests_fjord_tests_SOURCES += tests/0112-init-producer-id-acl.c
tests_fjord_tests_SOURCES += tests/0113-idempotent-produce-raw.c
tests_fjord_tests_SOURCES += tests/0114-idempotent-recovery.c
tests_fjord_tests_SOURCES += tests/0115-idempotent-failover.c
tests_fjord_tests_SOURCES += tests/0116-idempotent-expiry.c
tests_fjord_tests_SOURCES += tests/0117-idempotent-producer.c
tests_fjord_tests_SOURCES += tests/0118-idempotent-fenced-expired.c
tests_fjord_tests_SOURCES += tests/0120-kafka-listener.c
tests_fjord_tests_SOURCES += tests/0121-kafka-kcat.c
tests_fjord_tests_SOURCES += tests/0122-kafka-confluent.c
tests_fjord_tests_SOURCES += tests/0123-create-partitions.c
tests_fjord_tests_SOURCES += tests/0125-kafka-group-raw.c
tests_fjord_tests_SOURCES += tests/0126-kafka-group-kcat.c
tests_fjord_tests_SOURCES += tests/0127-kafka-group-python.c
# The CLI's consume and times (issue 13, 0130-0133); 0130 compiles the CLI's
# time parser into the runner (it uses only libc).
tests_fjord_tests_SOURCES += tests/0130-unit-timeparse.c src/cli/timeparse.c
tests_fjord_tests_SOURCES += tests/consume_cli_helpers.h tests/consume_cli_helpers.c \
	tests/0131-consume-cli.c tests/0132-consume-cli-group.c tests/0133-consume-exit-live.c
# Issue 13, H3: log dump/dirs, group options, perf (0138-0141).
tests_fjord_tests_SOURCES += tests/0138-perf-cli.c
tests_fjord_tests_SOURCES += tests/0139-log-dump.c
tests_fjord_tests_SOURCES += tests/0140-group-cli-all.c
tests_fjord_tests_SOURCES += tests/0141-log-dirs.c
tests_fjord_tests_SOURCES += tests/0142-pkgconfig.c
tests_fjord_tests_SOURCES += tests/0143-pause-resume.c
tests_fjord_tests_SOURCES += tests/0144-headers-debug.c
tests_fjord_tests_SOURCES += tests/0145-statistics.c
tests_fjord_tests_SOURCES += tests/0134-produce-cli.c
tests_fjord_tests_SOURCES += tests/0135-topic-cli.c
tests_fjord_tests_SOURCES += tests/0136-offsets-cli.c
tests_fjord_tests_SOURCES += tests/0137-leader-election-cli.c
tests_fjord_tests_SOURCES += tests/0146-cli-first-minute.c
tests_fjord_tests_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) \
	-DFJORD_SRCDIR='"$(abs_top_srcdir)"' -DFJORD_BUILDDIR='"$(abs_top_builddir)"'
tests_fjord_tests_LDFLAGS = $(AM_LDFLAGS) -no-install
tests_fjord_tests_LDADD = src/storage/libfjordstorage.la src/client/libfjord.la \
	src/common/libfjordcommon.la proto/libfjordproto.la \
	$(FJORD_EXT_LIBS) $(CHECK_LIBS)
# The runner finds fjordd and fjord in the build tree (src/broker/fjordd,
# src/cli/fjord), which `make check` builds first (check depends on all).
