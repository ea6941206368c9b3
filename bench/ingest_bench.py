#!/usr/bin/env python3
"""`echoctl ingest` of real photos end to end against a PIL + onnxruntime + numpy +
faiss-cpu + sqlite3 peer doing the same work (bench/ort_ingest_peer.py: SHA-256, decode,
224² squeeze, the same network from Echo's weights, the global vector and the 28×28×152
patch grid, one SQLite transaction, an atomically written index file), both as whole
programs on a new store, both using every core, in the same run. Data: ELPV cells.

    make bench-ingest    (or: python3 bench/ingest_bench.py --echoctl .build/release/echoctl)
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def timed(command):
    start = time.perf_counter()
    run = subprocess.run(command, check=True, capture_output=True, text=True)
    return time.perf_counter() - start, run.stdout


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--echoctl", required=True)
    p.add_argument("--images", type=int, default=200)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--weights", default=None)
    args = p.parse_args()
    sys.path.insert(0, HERE)
    import ort_peer
    import onnxruntime
    weights = args.weights or ort_peer.default_weights()
    files = subprocess.run([sys.executable, os.path.join(HERE, "..", "scripts", "elpv_split.py"), "golden", str(args.images)],
                           check=True, capture_output=True, text=True).stdout.split()
    echo, peer, peer_inside = [], [], []
    with tempfile.TemporaryDirectory() as work:
        model = ort_peer.model_path(weights, work)
        for round in range(args.rounds):
            seconds, _ = timed([args.echoctl, "ingest", *files, "-c", "cells", "--store", os.path.join(work, f"echo-{round}"), "--json"])
            echo.append(seconds)
            seconds, out = timed([sys.executable, os.path.join(HERE, "ort_ingest_peer.py"), "--directory", os.path.join(work, f"peer-{round}"),
                                  "--model", model, *files])
            peer.append(seconds)
            result = json.loads(out.strip().splitlines()[-1])
            assert result["images"] == len(files), result
            peer_inside.append(result["seconds"])
    e, t, inside = float(np.median(echo)), float(np.median(peer)), float(np.median(peer_inside))
    print(f"ingest of {len(files)} ELPV cells (300×300 PNG) into a new store, {os.cpu_count()} cores, medians of {args.rounds} rounds; "
          f"onnxruntime {onnxruntime.__version__}")
    print(f"{'what':<40} {'echoctl ingest':>15} {'onnxruntime peer':>17} {'ratio':>7}")
    print(f"{'seconds, whole program':<40} {e:>15.2f} {t:>17.2f} {t / e:>6.2f}x")
    print(f"{'images/s, whole program':<40} {len(files) / e:>15.1f} {len(files) / t:>17.1f}")
    print(f"(the peer's own work, without Python's start-up and imports: {inside:.2f} s, ratio {inside / e:.2f}x)")


if __name__ == "__main__":
    main()
