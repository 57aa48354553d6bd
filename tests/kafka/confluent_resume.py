#!/usr/bin/python3
"""confluent_resume — a confluent-kafka group member picks up where its group left off.

    /usr/bin/python3 tests/kafka/confluent_resume.py BOOTSTRAP TOPIC GROUP PREFIX N [--timeout 30]

Joins GROUP (auto.offset.reset=earliest, no auto-commit), subscribes to TOPIC
and reads until N records whose key starts with PREFIX have arrived (or the
timeout), then commits synchronously and reads the commits back. Every record
read is counted: one whose key does not start with PREFIX was read again
although its group had committed past it. Prints one JSON line
{"read": .., "wanted": .., "reread": .., "committed": {partition: offset}} and
exits 0 only when exactly the N wanted records (each once) and nothing else
were read and the commit succeeded; 1 on a mismatch, 2 on usage, 3 when a
client call hung past the timeout (judge_common.py).
Run with Debian's /usr/bin/python3 (python3-confluent-kafka).
"""

import argparse
import json
import os
import sys
import threading
import time

sys.dont_write_bytecode = True

try:
    from confluent_kafka import Consumer, KafkaError, KafkaException
except ImportError as e:
    sys.stderr.write("confluent_resume: %s: run with /usr/bin/python3 (python3-confluent-kafka)\n" % e)
    sys.exit(2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bootstrap")
    ap.add_argument("topic")
    ap.add_argument("group")
    ap.add_argument("prefix")
    ap.add_argument("n", type=int)
    ap.add_argument("--timeout", type=float, default=30.0)
    args = ap.parse_args()
    if args.n < 1:
        sys.stderr.write("confluent_resume: N must be at least 1\n")
        sys.exit(2)
    # A client call that never returns must not hang the test.
    threading.Timer(args.timeout * 2 + 10, lambda: os._exit(3)).start()
    c = Consumer({"bootstrap.servers": args.bootstrap, "group.id": args.group,
                  "auto.offset.reset": "earliest", "enable.auto.commit": False,
                  "session.timeout.ms": 10000})
    c.subscribe([args.topic])
    wanted, reread, errors = {}, 0, []
    deadline = time.monotonic() + args.timeout
    while len(wanted) < args.n and time.monotonic() < deadline:
        msg = c.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() != KafkaError._PARTITION_EOF:
                errors.append(str(msg.error()))
            continue
        key = (msg.key() or b"").decode()
        if key.startswith(args.prefix):
            wanted[key] = wanted.get(key, 0) + 1
        else:
            reread += 1
    committed = {}
    try:
        c.commit(asynchronous=False)
        for tp in c.committed(c.assignment(), timeout=args.timeout):
            if tp.offset >= 0:
                committed[str(tp.partition)] = tp.offset
    except KafkaException as e:
        errors.append("commit: %s" % e.args[0])
    c.close()
    dups = sum(1 for v in wanted.values() if v > 1)
    print(json.dumps({"read": sum(wanted.values()) + reread, "wanted": len(wanted),
                      "reread": reread, "duplicates": dups, "committed": committed,
                      "errors": errors[:5]}, sort_keys=True))
    sys.stdout.flush()
    ok = len(wanted) == args.n and reread == 0 and dups == 0 and not any(
        e.startswith("commit") for e in errors)
    os._exit(0 if ok else 1)


if __name__ == "__main__":
    main()
