#!/usr/bin/env python3
"""Checks `echoctl eval dataset` against independent metric code on the same maps.

Builds an MVTec AD folder from scikit-image's real textures with painted defects and
exact masks (as bench/texture_bench.py paints them), runs `echoctl eval dataset --format
mvtec --save-maps DIR --json`, reads the saved float32 maps back and recomputes image and
pixel AUROC with scikit-learn's `roc_auc_score`, and AUPRO up to FPR 0.3 with an
independent implementation (thresholds swept over the score quantiles, regions labelled
by scipy, the curve integrated with numpy's trapezoid), then prints both side by side and
fails when they differ by more than 1e-3 (AUPRO: 2e-3, the threshold grid's resolution).

    make bench-eval   (or: python3 bench/eval_metrics_check.py --echoctl .build/release/echoctl)
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image
from scipy import ndimage
from sklearn.metrics import roc_auc_score

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from texture_bench import SIZE, crop, paint  # noqa: E402


def independent_aupro(maps, masks, limit=0.3, steps=4000):
    """MVTec's recipe on a threshold grid: PRO averaged over 8-connected regions, FPR over normal pixels."""
    scores = np.concatenate([m.ravel() for m in maps])
    thresholds = np.unique(np.quantile(scores, np.linspace(0, 1, steps)))[::-1]
    regions = []
    for mask in masks:
        labelled, count = ndimage.label(mask, structure=np.ones((3, 3)))
        regions.append([labelled == k for k in range(1, count + 1)])
    normal = np.concatenate([(~m).ravel() for m in masks])
    pros, fprs = [], []
    for t in thresholds:
        above = scores >= t
        fprs.append(above[normal].mean())
        overlaps = [(m >= t)[r].mean() for m, rs in zip(maps, regions) for r in rs]
        pros.append(np.mean(overlaps))
    fprs, pros = np.r_[0, fprs], np.r_[0, pros]
    keep = fprs <= limit
    f, p = fprs[keep], pros[keep]
    p_limit = np.interp(limit, fprs, pros)
    return (np.trapezoid(np.r_[p, p_limit], np.r_[f, limit])) / limit


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--echoctl", required=True)
    ap.add_argument("--golden", type=int, default=30)
    ap.add_argument("--test", type=int, default=20)
    args = ap.parse_args()
    import skimage.data as data
    textures = {"brick": data.brick(), "gravel": data.gravel()}
    kinds = ["scratch", "spot", "foreign", "missing"]
    failures = 0
    with tempfile.TemporaryDirectory() as work:
        root = os.path.join(work, "mvtec")
        for index, (name, texture) in enumerate(textures.items()):
            rng = np.random.default_rng(7 + index)
            other = list(textures.values())[(index + 1) % 2]
            for folder in ["train/good", "test/good"] + [f"test/{k}" for k in kinds] + [f"ground_truth/{k}" for k in kinds]:
                os.makedirs(os.path.join(root, name, folder))
            for i in range(args.golden):
                Image.fromarray(crop(texture, rng)).save(os.path.join(root, name, "train/good", f"{i:03d}.png"))
            for i in range(args.test):
                Image.fromarray(crop(texture, rng)).save(os.path.join(root, name, "test/good", f"{i:03d}.png"))
                kind = kinds[i % 4]
                image, mask = paint(crop(texture, rng), kind, rng, other)
                Image.fromarray(image).save(os.path.join(root, name, "test", kind, f"{i:03d}.png"))
                Image.fromarray((mask * 255).astype(np.uint8)).save(os.path.join(root, name, "ground_truth", kind, f"{i:03d}_mask.png"))
        maps_dir = os.path.join(work, "maps")
        run = subprocess.run([args.echoctl, "eval", "dataset", root, "--format", "mvtec", "--save-maps", maps_dir, "--json"],
                             capture_output=True, text=True, check=True)
        result = json.loads(run.stdout)
        print(f"{'category':<8} {'metric':<12} {'Echo':>8} {'independent':>12} {'|diff|':>8}")
        for metrics in result["evaluation"]["categories"]:
            name = metrics["category"]
            samples = [s for s in result["evaluation"]["samples"] if s["category"] == name]
            maps, masks, labels, scores = [], [], [], []
            for s in samples:
                maps.append(np.load(s["mapPath"]))
                if s["isAnomalous"]:
                    stem = os.path.splitext(os.path.basename(s["path"]))[0]
                    masks.append(np.asarray(Image.open(os.path.join(root, name, "ground_truth", s["defectType"], f"{stem}_mask.png"))) > 0)
                else:
                    masks.append(np.zeros(maps[-1].shape, bool))
                labels.append(s["isAnomalous"])
                scores.append(s["score"])
            checks = [("image AUROC", metrics["imageAUROC"], roc_auc_score(labels, scores), 1e-3),
                      ("pixel AUROC", metrics["pixelAUROC"],
                       roc_auc_score(np.concatenate([m.ravel() for m in masks]), np.concatenate([m.ravel() for m in maps])), 1e-3),
                      ("AUPRO@0.3", metrics["aupro"], independent_aupro(maps, masks), 2e-3)]
            for metric, echo, independent, tolerance in checks:
                diff = abs(echo - independent)
                failures += diff > tolerance
                print(f"{name:<8} {metric:<12} {echo:>8.4f} {independent:>12.4f} {diff:>8.5f}{'  MISMATCH' if diff > tolerance else ''}")
    if failures:
        sys.exit(f"{failures} metric(s) differ from the independent implementation")
    print("all metrics agree with scikit-learn and the independent AUPRO")


if __name__ == "__main__":
    main()
