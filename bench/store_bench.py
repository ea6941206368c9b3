#!/usr/bin/env python3
"""Reference store: ingest rate and query latency at 1k, 10k and 100k references of one
category, Echo (SQLite via GRDB + FAISS through the Swift bridge, with its durability
work: one transaction per batch, change sequence, atomic index file) beside Python
sqlite3 + faiss-cpu doing the same index and metadata work on the same vectors, in one
run. Also end-to-end ingest of real image files (decode + embed + commit) in images/s.

    make bench-store    (or: python3 bench/store_bench.py --bench-binary .build/release/echo-bench)
"""
import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def vectors(rng, n, d, basis):
    x = rng.standard_normal((n, basis.shape[0]), dtype=np.float32) @ basis
    x += 0.5 * rng.standard_normal((n, d), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32)


def python_peer(base, queries, directory, batch, k):
    import faiss
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    db = sqlite3.connect(os.path.join(directory, "peer.sqlite"), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("""CREATE TABLE reference_images (id INTEGER PRIMARY KEY, category_id INTEGER, sha256 TEXT, source_path TEXT,
                  width INTEGER, height INTEGER, metadata TEXT, created_at TEXT, seq INTEGER UNIQUE, deleted_seq INTEGER)""")
    db.execute("CREATE UNIQUE INDEX live_hash ON reference_images(category_id, sha256) WHERE deleted_seq IS NULL")
    db.execute("CREATE TABLE reference_vectors (reference_id INTEGER PRIMARY KEY, vector BLOB)")
    index = faiss.IndexIDMap2(faiss.IndexFlatIP(base.shape[1]))
    start = time.perf_counter()
    for s in range(0, len(base), batch):
        e = min(s + batch, len(base))
        db.execute("BEGIN")
        for i in range(s, e):
            if db.execute("SELECT id FROM reference_images WHERE category_id = 1 AND sha256 = ? AND deleted_seq IS NULL",
                          (f"vector-{i}",)).fetchone():
                continue
            db.execute("INSERT INTO reference_images VALUES (?, 1, ?, ?, 300, 300, ?, ?, ?, NULL)",
                       (i + 1, f"vector-{i}", f"/golden/{i}.png", json.dumps({"line": str(i % 4)}), "now", i + 1))
            db.execute("INSERT INTO reference_vectors VALUES (?, ?)", (i + 1, base[i].tobytes()))
        db.execute("COMMIT")
        index.add_with_ids(base[s:e], np.arange(s + 1, e + 1, dtype=np.int64))
    path = os.path.join(directory, "peer.faiss")
    faiss.write_index(index, path + ".tmp")
    with open(path + ".tmp", "rb") as f:
        os.fsync(f.fileno())
    os.replace(path + ".tmp", path)
    ingest = len(base) / (time.perf_counter() - start)
    start = time.perf_counter()
    index = faiss.read_index(path)
    index.search(queries[:1], k)
    reopen = time.perf_counter() - start
    latencies = []
    for q in queries:
        t = time.perf_counter()
        _, ids = index.search(q[None, :], k)
        found = [int(i) for i in ids[0] if i >= 0]
        rows = db.execute(f"SELECT id, source_path, metadata FROM reference_images WHERE deleted_seq IS NULL AND id IN "
                          f"({','.join('?' * len(found))})", found).fetchall()
        _ = [json.loads(r[2]) for r in rows]
        latencies.append((time.perf_counter() - t) * 1000)
    latencies.sort()
    return {"ingestVectorsPerSecond": ingest, "queryP50Milliseconds": latencies[len(latencies) // 2],
            "queryP99Milliseconds": latencies[min(len(latencies) - 1, len(latencies) * 99 // 100)], "reopenSeconds": reopen}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bench-binary", required=True)
    p.add_argument("--sizes", default="1000,10000,100000")
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--dimension", type=int, default=1280)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--images", type=int, default=300, help="ELPV cells for the end-to-end ingest figure (0 to skip)")
    p.add_argument("--out", default="bench/out")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(7)
    basis = rng.standard_normal((64, args.dimension), dtype=np.float32)
    queries = vectors(rng, args.queries, args.dimension, basis)
    query_path = os.path.join(args.out, "store-queries.f32")
    queries.tofile(query_path)
    print(f"reference store, one category, Flat index, {args.dimension}-d, batches of {args.batch}, "
          f"{args.queries} queries of top-10, {os.cpu_count()} cores")
    print(f"{'refs':>7} {'what':<22} {'Echo (Swift)':>13} {'sqlite3+faiss-cpu':>18} {'ratio':>7}")
    for n in [int(s) for s in args.sizes.split(",")]:
        base = vectors(rng, n, args.dimension, basis)
        base_path = os.path.join(args.out, "store-base.f32")
        base.tofile(base_path)
        with tempfile.TemporaryDirectory(dir=args.out) as swift_dir, tempfile.TemporaryDirectory(dir=args.out) as peer_dir:
            run = subprocess.run([args.bench_binary, "store", "--vectors", base_path, "--queries", query_path,
                                  "--dimension", str(args.dimension), "--directory", swift_dir, "--batch", str(args.batch)],
                                 check=True, capture_output=True, text=True)
            swift = json.loads(run.stdout.strip().splitlines()[-1])
            peer = python_peer(base, queries, peer_dir, args.batch, 10)
        for label, key, higher in [("ingest vectors/s", "ingestVectorsPerSecond", True), ("query p50 ms", "queryP50Milliseconds", False),
                                   ("query p99 ms", "queryP99Milliseconds", False), ("reopen + first query s", "reopenSeconds", False)]:
            s, t = swift[key], peer[key]
            print(f"{n:>7} {label:<22} {s:>13.3f} {t:>18.3f} {(s / t if higher else t / s):>6.2f}x")
    if args.images:
        files = subprocess.run(["python3", os.path.join(HERE, "..", "scripts", "elpv_split.py"), "golden", str(args.images)],
                               check=True, capture_output=True, text=True).stdout.split()
        with tempfile.TemporaryDirectory(dir=args.out) as directory:
            run = subprocess.run([args.bench_binary, "ingest-images", "--directory", directory] + files,
                                 check=True, capture_output=True, text=True)
            result = json.loads(run.stdout.strip().splitlines()[-1])
        print(f"end-to-end ingest of {result['images']} ELPV cells (read, SHA-256, PNG decode, embed, commit): "
              f"{result['imagesPerSecond']:.1f} images/s")


if __name__ == "__main__":
    main()
