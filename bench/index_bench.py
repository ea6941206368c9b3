#!/usr/bin/env python3
"""Flat inner-product top-10 over 100,000 × 1,280 L2-normalised vectors: Echo's Swift
FAISS bridge against Python faiss-cpu (PyPI), on the same vectors, in the same run.

Prints queries/s for single-query calls and for one batched call, at 1 thread and at all
cores, and the ratio Swift / faiss-cpu (≥ 1.0 means Echo is at least as fast). Also
checks that both return the same neighbours.

    make bench-index        (or: python3 bench/index_bench.py --bench-binary .build/release/echo-bench)
"""
import argparse
import json
import os
import subprocess
import time

import numpy as np


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--bench-binary", required=True)
    p.add_argument("--count", type=int, default=100_000)
    p.add_argument("--dimension", type=int, default=1280)
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--single", type=int, default=100)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--rounds", type=int, default=3, help="interleaved repetitions; medians are printed")
    p.add_argument("--out", default="bench/out")
    return p.parse_args()


def normalised(rng, n, d):
    x = rng.standard_normal((n, d), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def faiss_cpu(base, queries, k, single, threads):
    import faiss

    faiss.omp_set_num_threads(threads)
    index = faiss.IndexFlatIP(base.shape[1])
    start = time.perf_counter()
    index.add(base)
    add = time.perf_counter() - start
    index.search(queries[:1], k)
    start = time.perf_counter()
    for q in range(single):
        index.search(queries[q : q + 1], k)
    single_time = time.perf_counter() - start
    start = time.perf_counter()
    _, ids = index.search(queries, k)
    batch_time = time.perf_counter() - start
    return {
        "addSeconds": add,
        "singleQPS": single / single_time,
        "singleMillisecondsPerQuery": single_time * 1000 / single,
        "batchQPS": len(queries) / batch_time,
    }, ids


def main():
    args = parse()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(1280)
    # Low-rank plus noise, like real embeddings; normalised so inner product is cosine.
    basis = rng.standard_normal((64, args.dimension), dtype=np.float32)
    base = (rng.standard_normal((args.count, 64), dtype=np.float32) @ basis
            + 0.5 * rng.standard_normal((args.count, args.dimension), dtype=np.float32))
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    queries = (rng.standard_normal((args.queries, 64), dtype=np.float32) @ basis
               + 0.5 * rng.standard_normal((args.queries, args.dimension), dtype=np.float32))
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    base_path, query_path = f"{args.out}/base.f32", f"{args.out}/queries.f32"
    base.astype(np.float32).tofile(base_path)
    queries.astype(np.float32).tofile(query_path)

    import faiss
    print(f"Flat IP top-{args.k}, {args.count:,} × {args.dimension} vectors, "
          f"{args.single} single queries, {args.queries} batched; faiss-cpu {faiss.__version__}, "
          f"{os.cpu_count()} cores")
    print(f"medians of {args.rounds} interleaved rounds; Echo: configureThreads(N, blasThreadsPerCall: N) "
          "(OpenBLAS and scan threads N, OpenMP 1); faiss-cpu: omp_set_num_threads(N)")
    print(f"{'threads':>7} {'what':<16} {'Echo (Swift)':>14} {'faiss-cpu':>12} {'ratio':>7}")
    for threads in sorted({1, os.cpu_count() or 1}):
        ids_path = f"{args.out}/swift-ids-{threads}.i64"
        swift_runs, peer_runs = [], []
        for _ in range(args.rounds):
            run = subprocess.run(
                [args.bench_binary, "index-search", "--base", base_path, "--queries", query_path,
                 "--dimension", str(args.dimension), "--k", str(args.k), "--single", str(args.single),
                 "--threads", str(threads), "--ids-out", ids_path],
                check=True, capture_output=True, text=True)
            swift_runs.append(json.loads(run.stdout.strip().splitlines()[-1]))
            peer, peer_ids = faiss_cpu(base, queries, args.k, args.single, threads)
            peer_runs.append(peer)
        swift = {key: float(np.median([r[key] for r in swift_runs])) for key in peer_runs[0]}
        peer = {key: float(np.median([r[key] for r in peer_runs])) for key in peer_runs[0]}
        swift_ids = np.fromfile(ids_path, dtype=np.int64).reshape(peer_ids.shape)
        agreement = np.mean([len(set(a) & set(b)) / args.k for a, b in zip(swift_ids, peer_ids)])
        for label, key, unit in [("single q/s", "singleQPS", ""), ("single ms/query", "singleMillisecondsPerQuery", "ms"),
                                 ("batched q/s", "batchQPS", "")]:
            s, p = swift[key], peer[key]
            ratio = (p / s) if unit == "ms" else (s / p)
            print(f"{threads:>7} {label:<16} {s:>14.2f} {p:>12.2f} {ratio:>6.2f}x")
        print(f"{threads:>7} {'add seconds':<16} {swift['addSeconds']:>14.2f} {peer['addSeconds']:>12.2f}")
        print(f"{threads:>7} {'top-k agreement':<16} {agreement:>14.4f}")

if __name__ == "__main__":
    main()
