#!/usr/bin/env python3
"""Crash safety at scale: kills `echo-test-writer` (the tests' store writer) (one reference per
transaction, index saved every few adds) with SIGKILL at random moments, N times (500
by default) on one store, and after every kill checks that each reference the child
reported committed is present, and that `echoctl verify` passes (SQLite integrity, index
count = live rows, index file consistent after replay). Prints the tally.

    make bench-crash    (or: python3 bench/crash_bench.py --echoctl .build/release/echoctl --writer .build/release/echo-test-writer)
"""
import argparse
import json
import os
import random
import signal
import subprocess
import tempfile
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--echoctl", required=True)
    p.add_argument("--writer", required=True, help="the echo-test-writer binary")
    p.add_argument("--trials", type=int, default=500)
    p.add_argument("--seed", type=int, default=2026)
    args = p.parse_args()
    rng = random.Random(args.seed)
    committed = set()
    failures = 0
    start = time.time()
    with tempfile.TemporaryDirectory() as store:
        for trial in range(args.trials):
            child = subprocess.Popen([args.writer, "--store", store, "--count", "1000000",
                                      "--seed", str(trial + 1), "--save-every", str(rng.randint(1, 20)), "--threads", "1"],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            time.sleep(rng.uniform(0.02, 0.6))
            child.send_signal(signal.SIGKILL)
            out, _ = child.communicate()
            committed.update(int(line.split()[1]) for line in out.splitlines() if line.startswith("committed "))
            verify = subprocess.run([args.echoctl, "verify", "--store", store, "--json"], capture_output=True, text=True)
            listed = subprocess.run([args.echoctl, "list", "-c", "synthetic", "--store", store, "--json", "--limit", "100000000"],
                                    capture_output=True, text=True)
            present = {row["id"] for row in json.loads(listed.stdout)} if listed.returncode == 0 else set()
            lost = committed - present
            if (trial + 1) % 50 == 0:
                print(f"{trial + 1} trials, {len(committed)} committed, {failures} failures", flush=True)
            if verify.returncode != 0 or lost:
                failures += 1
                print(f"trial {trial}: verify exit {verify.returncode}, {len(lost)} committed references lost: {verify.stdout[:300]}")
    print(f"{args.trials} SIGKILLs, {len(committed)} references committed in all, {failures} trials with a lost reference "
          f"or a failed verify ({time.time() - start:.0f} s)")


if __name__ == "__main__":
    main()
