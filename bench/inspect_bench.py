#!/usr/bin/env python3
"""Speed of the vision expert per inspected image on one thread: embedding, retrieval
and patch scoring in Echo (Swift), beside a Python numpy + faiss-cpu implementation of
the same patch scoring (exact L2 1-NN of every query patch among the reference patches,
the maximum of those raw distances as the image score) on the very same features, in one run. Also
checks that both give the same image scores. Data: ELPV cells (200 golden, 50 test).

    make bench-inspect   (or: python3 bench/inspect_bench.py --echoctl .build/release/echoctl --bench-binary .build/release/echo-bench)
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


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--echoctl", required=True)
    p.add_argument("--bench-binary", required=True)
    p.add_argument("--golden", type=int, default=200)
    p.add_argument("--test", type=int, default=50)
    args = p.parse_args()
    import faiss
    faiss.omp_set_num_threads(1)
    split = lambda kind, n: subprocess.run([sys.executable, os.path.join(HERE, "..", "scripts", "elpv_split.py"), kind, str(n)],
                                           check=True, capture_output=True, text=True).stdout.split()
    with tempfile.TemporaryDirectory() as work:
        store, dump = os.path.join(work, "store"), os.path.join(work, "dump")
        subprocess.run([args.echoctl, "ingest", *split("golden", args.golden), "-c", "cells", "--store", store], check=True, capture_output=True)
        files = split("normal", args.test // 2) + split("defective", args.test - args.test // 2)
        run = subprocess.run([args.bench_binary, "inspect-speed", "--store", store, "--category", "cells", "--dump", dump, *files],
                             check=True, capture_output=True, text=True)
        swift = json.loads(run.stdout.strip().splitlines()[-1])
        swift_scores = np.fromfile(os.path.join(dump, "scores.f32"), dtype=np.float32)
        peer_scores, elapsed = [], 0.0
        for i in range(len(files)):
            query = np.fromfile(os.path.join(dump, f"{i}-query.f32"), dtype=np.float32).reshape(-1, 152)
            references = np.fromfile(os.path.join(dump, f"{i}-references.f32"), dtype=np.float32).reshape(-1, 152)
            start = time.perf_counter()
            index = faiss.IndexFlatL2(152)
            index.add(references)
            distances, _ = index.search(query, 1)
            grid = np.sqrt(np.maximum(distances[:, 0], 0)).reshape(28, 28)
            peer_scores.append(grid.max())
            elapsed += time.perf_counter() - start
        peer_ms = elapsed * 1000 / len(files)
    difference = float(np.max(np.abs(np.asarray(peer_scores) - swift_scores) / np.maximum(np.abs(swift_scores), 1e-6)))
    print(f"vision expert per inspected image, 1 thread, {len(files)} ELPV cells against {args.golden} golden cells, "
          f"3 nearest normals (3 × 784 reference patches of 152-d)")
    print(f"{'step':<34} {'Echo (Swift)':>13} {'numpy+faiss-cpu':>16} {'ratio':>7}")
    print(f"{'patch scoring ms':<34} {swift['patchScoreMilliseconds']:>13.2f} {peer_ms:>16.2f} {peer_ms / swift['patchScoreMilliseconds']:>6.2f}x")
    print(f"{'embedding ms':<34} {swift['embedMilliseconds']:>13.2f}")
    print(f"{'retrieval (top-3 + metadata) ms':<34} {swift['retrieveMilliseconds']:>13.2f}")
    print(f"{'total ms (embed + retrieve + score)':<34} {swift['totalMilliseconds']:>13.2f}")
    print(f"largest relative difference between the two implementations' image scores: {difference:.2e}")


if __name__ == "__main__":
    main()
