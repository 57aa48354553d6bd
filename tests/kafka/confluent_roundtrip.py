#!/usr/bin/python3
"""confluent_roundtrip — confluent-kafka (librdkafka) judges fjord's Kafka listener.

    /usr/bin/python3 tests/kafka/confluent_roundtrip.py BOOTSTRAP TOPIC N [GROUP]
        [--partitions 3] [--replication-factor 1] [--timeout 30]

Creates TOPIC with the AdminClient (CreateTopics; an existing empty topic is
fine), produces N keyed records with acks=all (enable.idempotence left at
its default), flushes and counts the delivery reports that succeeded, then
consumes the topic from the beginning in consumer group GROUP, commits
synchronously and reads the committed offsets back from the coordinator.
Prints one JSON line {"acked": .., "consumed": .., "committed": {partition:
offset}} and exits non-zero on any mismatch or error (judge_common.py says
which status means what). Every wait is bounded by --timeout and a watchdog.
Run with Debian's /usr/bin/python3 (python3-confluent-kafka).
"""

import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from judge_common import Judge, parse_args  # noqa: E402

PROG = "confluent_roundtrip"

try:
    from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
    from confluent_kafka.admin import AdminClient, NewTopic
except ImportError as e:
    sys.stderr.write("%s: %s: install python3-confluent-kafka (scripts/install-deps --kafka-clients) "
                     "and run with /usr/bin/python3\n" % (PROG, e))
    sys.exit(2)


def log_cb_conf(judge):
    """librdkafka's own errors (connection refused, ...) as progress lines."""
    return {"error_cb": lambda err: judge.log("client error: %s" % err)}


def create_topic(judge, args):
    judge.enter("create topic %s (%d partitions, RF %d)" % (args.topic, args.partitions,
                                                            args.replication_factor))
    conf = {"bootstrap.servers": args.bootstrap, "socket.timeout.ms": int(args.timeout * 1000)}
    conf.update(log_cb_conf(judge))
    admin = AdminClient(conf)
    futs = admin.create_topics([NewTopic(args.topic, args.partitions, args.replication_factor)],
                               request_timeout=args.timeout, operation_timeout=args.timeout)
    try:
        futs[args.topic].result(timeout=args.timeout)
    except KafkaException as e:
        err = e.args[0]
        if err.code() != KafkaError.TOPIC_ALREADY_EXISTS:
            judge.fail("CreateTopics: %s" % err)
        judge.log("topic exists: using it")
    except Exception as e:  # concurrent.futures.TimeoutError and the like
        judge.fail("CreateTopics gave no answer within %.0fs (%s)" % (args.timeout, e or type(e).__name__))


def produce(judge, args):
    judge.enter("produce %d records, acks=all" % args.n)
    conf = {"bootstrap.servers": args.bootstrap, "acks": "all",
            "message.timeout.ms": int(args.timeout * 1000)}
    conf.update(log_cb_conf(judge))
    p = Producer(conf)
    state = {"ok": 0, "errors": []}

    def on_delivery(err, _msg):
        if err is None:
            state["ok"] += 1
        else:
            state["errors"].append(str(err))

    for i in range(args.n):
        while True:
            try:
                p.produce(args.topic, key=judge.key(i), value=judge.value(i), on_delivery=on_delivery)
                break
            except BufferError:
                p.poll(0.1)  # the local queue is full: serve delivery reports
        p.poll(0)
    left = p.flush(args.timeout + 5)
    if left:
        judge.fail("%d record(s) neither delivered nor failed within %.0fs (%d acknowledged)"
                   % (left, args.timeout + 5, state["ok"]))
    errors = ["delivery failed: %s (%d record(s))" % (state["errors"][0], len(state["errors"]))] \
        if state["errors"] else []
    judge.log("%d acknowledged, %d failed" % (state["ok"], len(state["errors"])))
    return state["ok"], errors


def consume(judge, args):
    judge.enter("consume in group %s" % args.group)
    conf = {"bootstrap.servers": args.bootstrap, "group.id": args.group,
            "auto.offset.reset": "earliest", "enable.auto.commit": False,
            "session.timeout.ms": 10000}
    conf.update(log_cb_conf(judge))
    c = Consumer(conf)
    c.subscribe([args.topic])
    got = []
    errors = []
    deadline = judge.deadline()
    while len(got) < args.n and time.monotonic() < deadline:
        msg = c.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() != KafkaError._PARTITION_EOF:
                errors.append("consume: %s" % msg.error())
                if msg.error().fatal() or len(errors) > 20:
                    break
            continue
        got.append((msg.key().decode(), msg.value().decode()))
    if len(got) < args.n:
        judge.log("read %d of %d records within %.0fs" % (len(got), args.n, args.timeout))

    judge.enter("commit")
    committed = {}
    try:
        parts = c.commit(asynchronous=False)
        bad = [tp for tp in (parts or []) if tp.error]
        if bad:
            errors.append("commit: partition %d: %s" % (bad[0].partition, bad[0].error))
    except KafkaException as e:
        errors.append("commit: %s" % e.args[0])
    # Read back what the coordinator holds, not what we asked for.
    try:
        assignment = c.assignment()
        for tp in c.committed(assignment or [TopicPartition(args.topic, p)
                                             for p in range(args.partitions)],
                              timeout=args.timeout):
            if tp.error:
                errors.append("committed: partition %d: %s" % (tp.partition, tp.error))
            elif tp.offset >= 0:
                committed[tp.partition] = tp.offset
    except KafkaException as e:
        errors.append("fetching committed offsets: %s" % e.args[0])
    judge.enter("close consumer")
    c.close()
    return got, committed, errors


def main():
    args = parse_args(PROG, "confluent-kafka round trip against a Kafka listener")
    judge = Judge(PROG, args)
    create_topic(judge, args)
    acked, errors = produce(judge, args)
    got, committed, cerrors = consume(judge, args)
    judge.finish(acked, got, committed, errors + cerrors)


if __name__ == "__main__":
    main()
