#!/usr/bin/env python3
"""The onnxruntime peer of `echoctl ingest`, as a whole program: for every image file,
read it, SHA-256 it (duplicates skipped), decode it with PIL, squeeze it to 224×224, run
EfficientNet-Lite0 in onnxruntime (one single-threaded session per core, images in
parallel), assemble Echo's global vector and 28×28×152 patch grid in numpy
(bench/ort_peer.py), then commit every row — metadata, vector, patches — to SQLite in
one transaction and write the faiss-cpu index file atomically (temporary file, fsync,
rename), as Echo does.

    python3 bench/ort_ingest_peer.py --directory DIR --model MODEL.onnx FILE...
"""
import argparse
import hashlib
import json
import os
import sqlite3
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import faiss
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ort_peer  # noqa: E402


def main():
    started = time.perf_counter()
    p = argparse.ArgumentParser()
    p.add_argument("--directory", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("files", nargs="+")
    args = p.parse_args()
    faiss.omp_set_num_threads(1)
    cores = os.cpu_count() or 1
    sessions = [ort_peer.session(args.model, threads=1) for _ in range(cores)]

    def embed(job):
        worker, paths = job
        out = []
        for path in paths:
            with open(path, "rb") as f:
                data = f.read()
            digest = hashlib.sha256(data).hexdigest()
            glob, patches = ort_peer.features(sessions[worker], ort_peer.preprocess(path))
            out.append((path, digest, glob, patches))
        return out

    shares = [(w, args.files[w::cores]) for w in range(cores)]
    with ThreadPoolExecutor(cores) as pool:
        rows = [row for share in pool.map(embed, shares) for row in share]

    os.makedirs(args.directory, exist_ok=True)
    db = sqlite3.connect(os.path.join(args.directory, "peer.sqlite"))
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE IF NOT EXISTS refs (id INTEGER PRIMARY KEY, sha256 TEXT UNIQUE, path TEXT, metadata TEXT, "
               "vector BLOB, patches BLOB, vector_sha256 TEXT, patches_sha256 TEXT)")
    index = faiss.IndexIDMap(faiss.IndexFlatIP(1280))
    added = 0
    with db:
        for path, digest, glob, patches in rows:
            vector, grid = glob.tobytes(), patches.tobytes()
            cursor = db.execute("INSERT OR IGNORE INTO refs (sha256, path, metadata, vector, patches, vector_sha256, patches_sha256) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                                (digest, path, json.dumps({"filename": os.path.basename(path)}), vector, grid,
                                 hashlib.sha256(vector).hexdigest(), hashlib.sha256(grid).hexdigest()))
            if cursor.rowcount:
                index.add_with_ids(glob[None], np.array([cursor.lastrowid], dtype=np.int64))
                added += 1
    db.close()
    temporary = os.path.join(args.directory, "index.faiss.tmp")
    faiss.write_index(index, temporary)
    with open(temporary, "rb") as f:
        os.fsync(f.fileno())
    os.replace(temporary, os.path.join(args.directory, "index.faiss"))
    print(json.dumps({"images": added, "seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    main()
