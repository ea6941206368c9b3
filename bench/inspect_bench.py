#!/usr/bin/env python3
"""Speed of the vision expert per inspected image on one thread: embedding, retrieval
and patch scoring in Echo (Swift), beside a Python numpy + faiss-cpu implementation of
the same patch scoring (exact L2 1-NN of every query patch among the reference patches,
the maximum of those raw distances as the image score) on the very same features, in one run. Also
checks that both give the same image scores. Data: ELPV cells (200 golden, 50 test).

A second peer does the whole inspection the way a performance-minded Python user would:
PIL resize, onnxruntime (one thread) on the same network from Echo's weights, numpy for
the patch features (bench/ort_peer.py), faiss-cpu for the top-3 golden samples and the
patch distances, against golden features it computed the same way.

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
    p.add_argument("--weights", default=None, help="Echo's weights file, for the onnxruntime peer's graph")
    args = p.parse_args()
    sys.path.insert(0, HERE)
    import ort_peer
    args.weights = args.weights or ort_peer.default_weights()
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
        ort = onnxruntime_inspection(files, split("golden", args.golden), args.weights, work, dump)
    difference = float(np.max(np.abs(np.asarray(peer_scores) - swift_scores) / np.maximum(np.abs(swift_scores), 1e-6)))
    print(f"vision expert per inspected image, 1 thread, {len(files)} ELPV cells against {args.golden} golden cells, "
          f"3 nearest normals (3 × 784 reference patches of 152-d)")
    print(f"{'step':<34} {'Echo (Swift)':>13} {'numpy+faiss-cpu':>16} {'ratio':>7}")
    print(f"{'patch scoring ms':<34} {swift['patchScoreMilliseconds']:>13.2f} {peer_ms:>16.2f} {peer_ms / swift['patchScoreMilliseconds']:>6.2f}x")
    print(f"{'embedding ms':<34} {swift['embedMilliseconds']:>13.2f}")
    print(f"{'retrieval (top-3 + metadata) ms':<34} {swift['retrieveMilliseconds']:>13.2f}")
    print(f"{'total ms (embed + retrieve + score)':<34} {swift['totalMilliseconds']:>13.2f}")
    print(f"largest relative difference between the two implementations' image scores: {difference:.2e}")
    print()
    print(f"whole inspection against the onnxruntime {ort['version']} peer (PIL + onnxruntime + numpy + faiss-cpu, 1 thread; "
          f"decoding excluded on both sides)")
    print(f"{'step':<34} {'Echo (Swift)':>13} {'onnxruntime':>16} {'ratio':>7}")
    for label, ours, theirs in [("embedding ms", swift["embedMilliseconds"], ort["embed"]),
                                ("retrieval ms", swift["retrieveMilliseconds"], ort["retrieve"]),
                                ("patch scoring ms", swift["patchScoreMilliseconds"], ort["score"]),
                                ("total ms", swift["totalMilliseconds"], ort["embed"] + ort["retrieve"] + ort["score"])]:
        print(f"{label:<34} {ours:>13.2f} {theirs:>16.2f} {theirs / ours:>6.2f}x")
    print(f"largest |Echo − peer| over query patch features: {ort['patchDifference']:.2e} "
          f"(PIL's BOX resize against Echo's area resize; both are area averages)")


def onnxruntime_inspection(files, golden, weights, work, dump):
    """Per-image milliseconds of the onnxruntime peer: embed (resize, network, features),
    retrieve (top-3 golden by cosine), score (patch 1-NN among the 3 golden grids)."""
    import faiss
    import onnxruntime
    from PIL import Image
    sys.path.insert(0, HERE)
    import ort_peer
    run = ort_peer.session(ort_peer.model_path(weights, work), threads=1)
    golden_features = [ort_peer.features(run, ort_peer.preprocess(path)) for path in golden]
    globals_index = faiss.IndexFlatIP(1280)
    globals_index.add(np.stack([g for g, _ in golden_features]))
    decoded = []
    for path in files:
        image = Image.open(path)
        image.load()
        decoded.append(image)
    embed = retrieve = score = 0.0
    worst = 0.0
    ort_peer.features(run, ort_peer.preprocess(decoded[0]))  # warm up
    for i, image in enumerate(decoded):
        start = time.perf_counter()
        glob, patches = ort_peer.features(run, ort_peer.preprocess(image))
        embedded = time.perf_counter()
        _, nearest = globals_index.search(glob[None], 3)
        retrieved = time.perf_counter()
        index = faiss.IndexFlatL2(152)
        index.add(np.concatenate([golden_features[j][1] for j in nearest[0]]))
        distances, _ = index.search(patches, 1)
        np.sqrt(np.maximum(distances[:, 0], 0)).max()
        scored = time.perf_counter()
        embed += embedded - start
        retrieve += retrieved - embedded
        score += scored - retrieved
        ours = np.fromfile(os.path.join(dump, f"{i}-query.f32"), dtype=np.float32).reshape(-1, 152)
        worst = max(worst, float(np.abs(ours - patches).max()))
    n = len(files)
    return {"embed": embed * 1000 / n, "retrieve": retrieve * 1000 / n, "score": score * 1000 / n,
            "patchDifference": worst, "version": onnxruntime.__version__}


if __name__ == "__main__":
    main()
