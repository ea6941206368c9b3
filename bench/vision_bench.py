#!/usr/bin/env python3
"""Vision expert accuracy on real industrial defects: ELPV electroluminescence images of
solar cells (PyPI elpv-dataset), beside a plain PatchCore baseline on the same weights
(bench/patchcore_baseline.py) on the same images in the same run.

Per cell type the golden samples are defect-free cells (every 3rd); the test split is
other defect-free cells against the first 150 cells of defect probability 1.0; the tune
split (`--split tune`, for choosing options) uses defect-free cells of neither set and
the defective cells after the first 150. Prints image AUROC with a 95 % bootstrap
interval for Echo and the baseline, the paired-bootstrap difference, the false- and
true-positive rates at Echo's calibrated threshold, and ms per inspected image. Echo runs
as users run it: `echoctl` ingest, calibrate, inspect --json.

    make bench-vision    (or: python3 bench/vision_bench.py --echoctl .build/release/echoctl)
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
sys.path.insert(0, HERE)
from accuracy_stats import ci, interval, paired_difference  # noqa: E402
from patchcore_baseline import PatchCoreBaseline  # noqa: E402

SPLIT = os.path.join(HERE, "..", "scripts", "elpv_split.py")


def split(kind, count, cell_type):
    return subprocess.run([sys.executable, SPLIT, kind, str(count), cell_type], check=True, capture_output=True,
                          text=True).stdout.split()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--echoctl", required=True)
    p.add_argument("--golden", type=int, default=200)
    p.add_argument("--test", type=int, default=150, help="normal and defective test cells per type")
    p.add_argument("--split", choices=["test", "tune"], default="test")
    p.add_argument("--neighbours", type=int, default=3)
    p.add_argument("--score", default=None, help="Echo's image score (calibrate --score); default: echoctl's")
    p.add_argument("--quantile", type=float, default=None, help="calibration quantile (default: echoctl's)")
    p.add_argument("--coreset", type=float, default=None, help="also build a memory bank of this fraction of all golden patches")
    p.add_argument("--no-baseline", action="store_true")
    p.add_argument("--dump", default=None, help="write every image's Echo and baseline score to this .npz")
    args = p.parse_args()
    # Two baselines: PIL's BOX resize (a Python pipeline's usual input) and exact area averaging (Echo's own input, so
    # that difference is the method's alone).
    baselines = {} if args.no_baseline else {resize: PatchCoreBaseline(neighbours=args.neighbours, resize=resize)
                                             for resize in ("box", "area")}
    print(f"ELPV {args.split} split, {args.golden} golden cells per type, {args.test} normal + {args.test} defective cells per "
          f"type, {args.neighbours} nearest normals" + (f", Echo with a memory bank of {args.coreset}" if args.coreset else ""))
    print(f"{'type':<6} {'Echo AUROC [95% CI]':>22} {'baseline, box input':>22} {'Echo − baseline':>22} "
          f"{'baseline, area input':>22} {'Echo − baseline':>22} {'FPR@thr':>8} {'TPR@thr':>8} {'ms/image':>9}")
    pooled = {"labels": [], "echo": [], "box": [], "area": []}
    with tempfile.TemporaryDirectory() as store:
        for cell_type in ["mono", "poly"]:
            category = f"elpv-{cell_type}"
            golden = split("golden", args.golden, cell_type)
            subprocess.run([args.echoctl, "ingest", *golden, "-c", category, "--store", store], check=True, capture_output=True)
            calibrate = [args.echoctl, "calibrate", "-c", category, "--store", store, "--neighbours", str(args.neighbours)]
            for flag, value in [("--quantile", args.quantile), ("--coreset", args.coreset), ("--score", args.score)]:
                if value:
                    calibrate += [flag, str(value)]
            subprocess.run(calibrate, check=True, capture_output=True, text=True)
            prefix = "tune-" if args.split == "tune" else ""
            normal, defective = split(prefix + "normal", args.test, cell_type), split(prefix + "defective", args.test, cell_type)
            start = time.perf_counter()
            run = subprocess.run([args.echoctl, "inspect", *normal, *defective, "-c", category, "--store", store, "--json",
                                  "--neighbours", str(args.neighbours)], capture_output=True, text=True)
            elapsed = time.perf_counter() - start
            report = json.loads(run.stdout)
            by_path = {image["path"]: image["result"] for image in report["images"] if image.get("result")}
            threshold = report["threshold"]
            files = normal + defective
            labels = np.r_[np.zeros(len(normal), bool), np.ones(len(defective), bool)]
            echo = np.array([by_path[os.path.realpath(f)]["score"] for f in files])
            fpr, tpr = (echo[~labels] >= threshold).mean(), (echo[labels] >= threshold).mean()
            row = f"{cell_type:<6} {ci(*interval(labels, echo)[:3]):>22}"
            for resize, baseline in baselines.items():
                baseline.fit(golden)
                base = np.array([baseline.score(f)[0] for f in files])
                row += f" {ci(*interval(labels, base)[:3]):>22} {ci(*paired_difference(labels, echo, base)):>22}"
                pooled[resize].append(base)
            if not baselines:
                row += f" {'-':>22} {'-':>22}" * 2
            pooled["labels"].append(labels)
            pooled["echo"].append(echo)
            print(row + f" {fpr:>8.3f} {tpr:>8.3f} {elapsed * 1000 / len(files):>9.1f}", flush=True)
    labels, echo = np.concatenate(pooled["labels"]), np.concatenate(pooled["echo"])
    if args.dump:
        np.savez(args.dump, labels=labels, echo=echo, **{f"baseline_{r}": np.concatenate(pooled[r]) for r in baselines})
    row = f"{'all':<6} {ci(*interval(labels, echo)[:3]):>22}"
    for resize in baselines:
        base = np.concatenate(pooled[resize])
        row += f" {ci(*interval(labels, base)[:3]):>22} {ci(*paired_difference(labels, echo, base)):>22}"
    print(row)
    print("(pooled over both types as before; 1000 stratified bootstrap rounds; ms/image includes process start, loading "
          "weights and the store: one echoctl inspect call per type)")


if __name__ == "__main__":
    main()
