"""judge_common — what the Kafka-client judges of tests/kafka/ share.

A judge is a real Kafka client (confluent-kafka, kafka-python) driven
against fjord's Kafka listener: it creates a topic, produces N keyed records
with acks=all, consumes them back in a consumer group, commits, and compares
what the broker acknowledged with what it read back and what it committed.
This module holds the command line, the watchdog that bounds the whole run,
the check and the one-line JSON result, so each judge is only its client's
calls.

Run with Debian's /usr/bin/python3 (the client modules are Debian packages;
a pyenv python3 first on PATH does not have them). Exit status: 0 all
records acknowledged, read back once each and committed; 1 a mismatch or a
client error; 2 bad arguments; 3 the watchdog fired (a client call hung).
The judge runs on the main thread; the clients have their own threads; the
watchdog is a daemon thread (not SIGALRM: Python runs signal handlers only
between bytecodes, never while a client's C call blocks).
"""

import argparse
import json
import os
import sys
import threading
import time

EXIT_MISMATCH = 1
EXIT_USAGE = 2
EXIT_HUNG = 3


def parse_args(prog, description):
    """The judges' shared command line: BOOTSTRAP TOPIC N [GROUP]."""
    p = argparse.ArgumentParser(prog=prog, description=description)
    p.add_argument("bootstrap", help="host:port[,host:port...] of Kafka listeners")
    p.add_argument("topic", help="topic to create (an existing one is used; it must be empty)")
    p.add_argument("n", type=int, help="records to produce and read back (>= 1)")
    p.add_argument("group", nargs="?", default=None,
                   help="consumer group id (default: <prog>-<topic>)")
    p.add_argument("--partitions", type=int, default=3,
                   help="partitions when the topic is created (default 3)")
    p.add_argument("--replication-factor", type=int, default=1,
                   help="replication factor when the topic is created (default 1)")
    p.add_argument("--timeout", type=float, default=30.0,
                   help="seconds each phase (create, produce, consume, commit) may take (default 30)")
    args = p.parse_args()
    if args.n < 1:
        p.error("N must be at least 1")
    if args.partitions < 1 or args.replication_factor < 1 or args.timeout <= 0:
        p.error("--partitions and --replication-factor must be >= 1, --timeout > 0")
    if args.group is None:
        args.group = "%s-%s" % (prog, args.topic)
    return args


class Judge:
    """Logs progress to stderr, bounds the run, checks and prints the result."""

    def __init__(self, prog, args):
        self.prog = prog
        self.args = args
        self.phase = "start"
        self.t0 = time.monotonic()
        # Each phase is bounded by the client calls' own timeouts; the
        # watchdog catches a call that ignores them (kafka-python's commit
        # waits for a coordinator forever, a close may wait for a group).
        # It is re-armed by enter(): --timeout plus 15 s a phase.
        # os._exit: a hung client thread must not keep the process alive.
        self.limit = args.timeout + 15
        self.phase_end = time.monotonic() + self.limit
        threading.Thread(target=self._watchdog, name="judge-watchdog", daemon=True).start()

    def _watchdog(self):
        while time.monotonic() < self.phase_end:
            time.sleep(0.2)
        sys.stderr.write("%s: TIMEOUT: phase '%s' took more than %.0fs (a client call did not return)\n"
                         % (self.prog, self.phase, self.limit))
        sys.stderr.flush()
        os._exit(EXIT_HUNG)

    def enter(self, phase):
        self.phase = phase
        self.phase_end = time.monotonic() + self.limit
        self.log("%s" % phase)

    def log(self, msg):
        sys.stderr.write("%s: [%6.2fs] %s\n" % (self.prog, time.monotonic() - self.t0, msg))
        sys.stderr.flush()

    def fail(self, msg):
        """A clear reason and exit 1, without waiting for client threads."""
        sys.stderr.write("%s: FAILED in phase '%s': %s\n" % (self.prog, self.phase, msg))
        sys.stderr.flush()
        os._exit(EXIT_MISMATCH)

    def deadline(self):
        return time.monotonic() + self.args.timeout

    @staticmethod
    def key(i):
        return "k%06d" % i

    @staticmethod
    def value(i):
        return "v%06d-%s" % (i, "x" * (i % 17))

    def finish(self, acked, consumed_keys, committed, errors):
        """Compares and prints {"acked","consumed","committed"}; exits."""
        n = self.args.n
        problems = list(errors)
        if acked != n:
            problems.append("%d of %d records acknowledged" % (acked, n))
        seen = {}
        for k, v in consumed_keys:
            seen[k] = seen.get(k, 0) + 1
            if k.startswith("k") and k[1:].isdigit() and v != self.value(int(k[1:])):
                problems.append("record %s read back with value %r" % (k, v[:40]))
        want = set(self.key(i) for i in range(n))
        missing = sorted(want - set(seen))
        dups = sorted(k for k, c in seen.items() if c > 1)
        extra = sorted(set(seen) - want)
        if missing:
            problems.append("%d acknowledged record(s) not read back (first %s)" % (len(missing), missing[0]))
        if dups:
            problems.append("%d record(s) read back more than once (first %s)" % (len(dups), dups[0]))
        if extra:
            problems.append("%d unexpected record(s) read back (first %s)" % (len(extra), extra[0]))
        total = sum(committed.values())
        if total != n:
            problems.append("committed offsets sum to %d, want %d (one past each partition's last record)"
                            % (total, n))
        out = {"acked": acked, "consumed": len(consumed_keys),
               "committed": {str(p): o for p, o in sorted(committed.items())}}
        print(json.dumps(out, sort_keys=True))
        sys.stdout.flush()
        if problems:
            for p in problems[:10]:
                sys.stderr.write("%s: MISMATCH: %s\n" % (self.prog, p))
            sys.stderr.flush()
            os._exit(EXIT_MISMATCH)
        self.log("ok: %d acknowledged, %d read back once each, committed %s"
                 % (acked, len(consumed_keys), out["committed"]))
        sys.stdout.flush()
        os._exit(0)
