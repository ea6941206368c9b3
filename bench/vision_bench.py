#!/usr/bin/env python3
"""Vision expert accuracy on real industrial defects: ELPV electroluminescence images of
solar cells (PyPI elpv-dataset). Per cell type, the golden samples are defect-free cells
(every 3rd), the test set other defect-free cells against cells with defect probability
1.0. Prints image AUROC per cell type and overall, the false-positive and true-positive
rates at the calibrated threshold, and ms per inspected image. Runs `echoctl` itself
(ingest, calibrate, inspect --json), so it measures what users run.

    make bench-vision    (or: python3 bench/vision_bench.py --echoctl .build/release/echoctl)
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SPLIT = os.path.join(HERE, "..", "scripts", "elpv_split.py")


def split(kind, count, cell_type):
    return subprocess.run([sys.executable, SPLIT, kind, str(count), cell_type], check=True, capture_output=True,
                          text=True).stdout.split()


def auroc(negatives, positives):
    """Probability that a random positive scores above a random negative (ties count half)."""
    wins = 0.0
    for p in positives:
        for n in negatives:
            wins += 1.0 if p > n else 0.5 if p == n else 0.0
    return wins / (len(positives) * len(negatives))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--echoctl", required=True)
    p.add_argument("--golden", type=int, default=200)
    p.add_argument("--test", type=int, default=150, help="normal and defective test cells per type")
    p.add_argument("--neighbours", type=int, default=3)
    p.add_argument("--quantile", type=float, default=None, help="calibration quantile (default: echoctl's)")
    p.add_argument("--coreset", type=float, default=None, help="also build a memory bank of this fraction of all golden patches")
    args = p.parse_args()
    all_neg, all_pos = [], []
    print(f"ELPV, {args.golden} golden cells per type, {args.test} normal + {args.test} defective test cells per type, "
          f"{args.neighbours} nearest normals" + (f", memory bank {args.coreset}" if args.coreset else ""))
    print(f"{'type':<6} {'AUROC':>7} {'FPR@thr':>8} {'TPR@thr':>8} {'uncertain':>10} {'ms/image':>9}")
    with tempfile.TemporaryDirectory() as store:
        for cell_type in ["mono", "poly"]:
            category = f"elpv-{cell_type}"
            golden = split("golden", args.golden, cell_type)
            subprocess.run([args.echoctl, "ingest", *golden, "-c", category, "--store", store], check=True, capture_output=True)
            calibrate = [args.echoctl, "calibrate", "-c", category, "--store", store, "--neighbours", str(args.neighbours)]
            if args.quantile:
                calibrate += ["--quantile", str(args.quantile)]
            if args.coreset:
                calibrate += ["--coreset", str(args.coreset)]
            started = time.perf_counter()
            calibrated = subprocess.run(calibrate, check=True, capture_output=True, text=True)
            calibrate_seconds = time.perf_counter() - started
            bank_line = next((line for line in calibrated.stdout.splitlines() if "memory bank" in line), None)
            normal, defective = split("normal", args.test, cell_type), split("defective", args.test, cell_type)
            start = time.perf_counter()
            run = subprocess.run([args.echoctl, "inspect", *normal, *defective, "-c", category, "--store", store, "--json",
                                  "--neighbours", str(args.neighbours)], capture_output=True, text=True)
            elapsed = time.perf_counter() - start
            report = json.loads(run.stdout)
            by_path = {image["path"]: image["result"] for image in report["images"] if image.get("result")}
            threshold = report["threshold"]
            neg = [by_path[os.path.realpath(f)]["score"] for f in normal if os.path.realpath(f) in by_path]
            pos = [by_path[os.path.realpath(f)]["score"] for f in defective if os.path.realpath(f) in by_path]
            verdicts = [r["verdict"] for r in by_path.values()]
            all_neg += neg
            all_pos += pos
            fpr = sum(s >= threshold for s in neg) / len(neg)
            tpr = sum(s >= threshold for s in pos) / len(pos)
            print(f"{cell_type:<6} {auroc(neg, pos):>7.3f} {fpr:>8.3f} {tpr:>8.3f} {verdicts.count('uncertain'):>10} "
                  f"{elapsed * 1000 / (len(normal) + len(defective)):>9.1f}")
            if bank_line:
                print(f"       {bank_line}; calibration took {calibrate_seconds:.1f} s in all")
    print(f"{'all':<6} {auroc(all_neg, all_pos):>7.3f}")
    print("(ms/image includes process start, loading weights and the store: one echoctl inspect call per type)")


if __name__ == "__main__":
    main()
