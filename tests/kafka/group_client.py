#!/usr/bin/python3
"""group_client.py -- a kafka-python (2.0.2) client for fjord's tests of
the Kafka group coordinator (tests/0127-kafka-group-python.c).

  group_client.py produce BOOTSTRAP TOPIC FIRST COUNT
      sends values "msg=N" for N in FIRST..FIRST+COUNT-1, waits for every
      acknowledgement; prints "acked K"; exit 0 when all were acked, 1 if not.
  group_client.py consume BOOTSTRAP TOPIC GROUP OUTFILE MAX_SECONDS
      a group member (subscribe, auto_offset_reset=earliest, commits after
      every batch it wrote); appends "partition offset value" lines to OUTFILE
      (flushed per batch) until SIGTERM or MAX_SECONDS pass; exit 0 then,
      2 on a client error.

Bounded: every loop ends by its deadline. Uses Debian's python3-kafka.
"""
import signal
import sys
import time

from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError

stop = False


def on_term(_sig, _frm):
    global stop
    stop = True


def produce(bootstrap, topic, first, count):
    p = KafkaProducer(bootstrap_servers=bootstrap.split(","), acks="all", retries=10,
                      request_timeout_ms=20000)
    futs = [p.send(topic, value=("msg=%d" % n).encode()) for n in range(first, first + count)]
    acked = 0
    for f in futs:
        try:
            f.get(timeout=60)
            acked += 1
        except KafkaError as e:
            print("send failed: %s" % e, file=sys.stderr)
    p.close(timeout=10)
    print("acked %d" % acked)
    return 0 if acked == count else 1


def consume(bootstrap, topic, group, outfile, max_seconds):
    signal.signal(signal.SIGTERM, on_term)
    c = KafkaConsumer(topic, bootstrap_servers=bootstrap.split(","), group_id=group,
                      auto_offset_reset="earliest", enable_auto_commit=False,
                      session_timeout_ms=6000, heartbeat_interval_ms=500,
                      metadata_max_age_ms=2000, client_id="pyconsumer")
    deadline = time.monotonic() + max_seconds
    with open(outfile, "a") as out:
        while not stop and time.monotonic() < deadline:
            batch = c.poll(timeout_ms=200)
            n = 0
            for tp, recs in batch.items():
                for r in recs:
                    out.write("%d %d %s\n" % (tp.partition, r.offset, r.value.decode()))
                    n += 1
            if n:
                out.flush()
                try:
                    c.commit()
                except KafkaError as e:  # a rebalance: the next owner reads again
                    print("commit failed: %s" % e, file=sys.stderr)
    c.close(autocommit=False)
    return 0


def main(argv):
    try:
        if len(argv) == 6 and argv[1] == "produce":
            return produce(argv[2], argv[3], int(argv[4]), int(argv[5]))
        if len(argv) == 7 and argv[1] == "consume":
            return consume(argv[2], argv[3], argv[4], argv[5], float(argv[6]))
    except KafkaError as e:
        print("kafka error: %s" % e, file=sys.stderr)
        return 2
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))
