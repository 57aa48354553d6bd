#!/usr/bin/python3
"""kafkapython_roundtrip — kafka-python (pure Python) judges fjord's Kafka listener.

    /usr/bin/python3 tests/kafka/kafkapython_roundtrip.py BOOTSTRAP TOPIC N [GROUP]
        [--partitions 3] [--replication-factor 1] [--timeout 30]

The same round trip as confluent_roundtrip.py with an independent client
implementation: KafkaAdminClient creates TOPIC (an existing empty topic is
fine), KafkaProducer(acks='all') sends N keyed records and waits for each
acknowledgement, KafkaConsumer(group_id=GROUP, auto_offset_reset='earliest')
reads them back, commits synchronously and reads the committed offsets back
from the coordinator. Prints one JSON line {"acked": .., "consumed": ..,
"committed": {partition: offset}}; exits non-zero on any mismatch or error
(judge_common.py). kafka-python learns the broker's API versions with
ApiVersions at connect. Every wait is bounded by --timeout and a watchdog.
Run with Debian's /usr/bin/python3 (python3-kafka).
"""

import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from judge_common import Judge, parse_args  # noqa: E402

PROG = "kafkapython_roundtrip"

try:
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import KafkaError, TopicAlreadyExistsError
except ImportError as e:
    sys.stderr.write("%s: %s: install python3-kafka (scripts/install-deps --kafka-clients) "
                     "and run with /usr/bin/python3\n" % (PROG, e))
    sys.exit(2)


def ms(seconds):
    return int(seconds * 1000)


def create_topic(judge, args):
    judge.enter("create topic %s (%d partitions, RF %d)" % (args.topic, args.partitions,
                                                            args.replication_factor))
    try:
        admin = KafkaAdminClient(bootstrap_servers=args.bootstrap, client_id=PROG,
                                 request_timeout_ms=ms(args.timeout),
                                 api_version_auto_timeout_ms=ms(min(args.timeout, 10)))
    except KafkaError as e:
        judge.fail("cannot reach %s: %s" % (args.bootstrap, e))
    try:
        admin.create_topics([NewTopic(args.topic, args.partitions, args.replication_factor)],
                            timeout_ms=ms(args.timeout))
    except TopicAlreadyExistsError:
        judge.log("topic exists: using it")
    except KafkaError as e:
        judge.fail("CreateTopics: %s" % e)
    finally:
        admin.close()


def produce(judge, args):
    judge.enter("produce %d records, acks=all" % args.n)
    try:
        p = KafkaProducer(bootstrap_servers=args.bootstrap, client_id=PROG, acks="all",
                          request_timeout_ms=ms(args.timeout), max_block_ms=ms(args.timeout),
                          api_version_auto_timeout_ms=ms(min(args.timeout, 10)))
    except KafkaError as e:
        judge.fail("cannot reach %s: %s" % (args.bootstrap, e))
    futures = []
    errors = []
    for i in range(args.n):
        try:
            futures.append(p.send(args.topic, key=judge.key(i).encode(), value=judge.value(i).encode()))
        except KafkaError as e:  # metadata not available within max_block_ms
            judge.fail("send of record %d: %s" % (i, e))
    p.flush(timeout=args.timeout)
    ok = 0
    deadline = judge.deadline()
    for f in futures:
        try:
            f.get(timeout=max(0.1, deadline - time.monotonic()))
            ok += 1
        except KafkaError as e:
            errors.append(str(e))
    p.close(timeout=5)
    judge.log("%d acknowledged, %d failed" % (ok, len(errors)))
    return ok, (["delivery failed: %s (%d record(s))" % (errors[0], len(errors))] if errors else [])


def consume(judge, args):
    judge.enter("consume in group %s" % args.group)
    try:
        c = KafkaConsumer(bootstrap_servers=args.bootstrap, client_id=PROG, group_id=args.group,
                          auto_offset_reset="earliest", enable_auto_commit=False,
                          session_timeout_ms=10000, heartbeat_interval_ms=3000,
                          api_version_auto_timeout_ms=ms(min(args.timeout, 10)))
    except KafkaError as e:
        judge.fail("cannot reach %s: %s" % (args.bootstrap, e))
    c.subscribe([args.topic])
    got = []
    errors = []
    deadline = judge.deadline()
    while len(got) < args.n and time.monotonic() < deadline:
        try:
            batches = c.poll(timeout_ms=500)
        except KafkaError as e:
            errors.append("consume: %s" % e)
            break
        for records in batches.values():
            for r in records:
                got.append((r.key.decode(), r.value.decode()))
    if len(got) < args.n:
        judge.log("read %d of %d records within %.0fs" % (len(got), args.n, args.timeout))

    judge.enter("commit")
    committed = {}
    try:
        c.commit()  # the positions of the assigned partitions, synchronously
    except KafkaError as e:
        errors.append("commit: %s" % e)
    # Read back what the coordinator holds, not what we asked for.
    parts = c.assignment() or set(TopicPartition(args.topic, p) for p in range(args.partitions))
    for tp in parts:
        try:
            off = c.committed(tp)
        except KafkaError as e:
            errors.append("committed: partition %d: %s" % (tp.partition, e))
            continue
        if off is not None:
            committed[tp.partition] = off
    judge.enter("close consumer")
    c.close(autocommit=False)
    return got, committed, errors


def main():
    args = parse_args(PROG, "kafka-python round trip against a Kafka listener")
    judge = Judge(PROG, args)
    create_topic(judge, args)
    acked, errors = produce(judge, args)
    got, committed, cerrors = consume(judge, args)
    judge.finish(acked, got, committed, errors + cerrors)


if __name__ == "__main__":
    main()
