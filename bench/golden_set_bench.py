#!/usr/bin/env python3
"""Golden-set audit and score drift on real defects: ELPV electroluminescence cells.

Audit. Per cell type, 200 defect-free golden cells are ingested with `--contaminants`
defective cells (defect probability 1.0, from the tune split, never tested on) slipped in
as "normals". `echoctl audit` must find them: recall and precision of its outliers. The
plain baseline is what a user has without the audit: calibrating on the contaminated set.
Beside it: the same set after `audit --exclude`, and a clean store of the 200 golden cells
alone. Each threshold is judged on the test split (150 other defect-free cells, 150
defective) by its false- and true-positive rate, with the binomial standard error.
Excluding changes only the threshold (the excluded cells stay references), so one
inspection of the test split serves both.

Drift. On the clean store, the test split's defect-free cells are inspected as they are,
then darkened (pixel values × `--darken`) and blurred (Gaussian, radius `--blur`), as a
changed lamp or a focus slip would. Each run's score drift (two-sample KS test of its
normal-verdict scores against the calibration's) must stay quiet on the unchanged cells
and speak on the changed ones.

    make bench-audit    (or: python3 bench/golden_set_bench.py --echoctl .build/release/echoctl)
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image, ImageFilter

HERE = os.path.dirname(os.path.abspath(__file__))
SPLIT = os.path.join(HERE, "..", "scripts", "elpv_split.py")


def split(kind, count, cell_type):
    return subprocess.run([sys.executable, SPLIT, kind, str(count), cell_type], check=True, capture_output=True,
                          text=True).stdout.split()


def echoctl(args, *arguments, ok=(0,)):
    run = subprocess.run([args.echoctl, *arguments], capture_output=True, text=True)
    if run.returncode not in ok:
        sys.exit(f"echoctl {' '.join(arguments[:3])} failed ({run.returncode}): {run.stderr.strip()}")
    return run


def rates(scores, labels, threshold):
    """FPR and TPR at `threshold`, each with its binomial standard error."""
    def rate(x):
        p = float(np.mean(x))
        return p, (p * (1 - p) / len(x)) ** 0.5
    return rate(scores[~labels] >= threshold), rate(scores[labels] >= threshold)


def fmt(rate):
    return f"{rate[0]:.3f} ± {rate[1]:.3f}"


def inspect(args, store, category, files):
    run = echoctl(args, "inspect", *files, "-c", category, "--store", store, "--json", ok=(0, 3))
    report = json.loads(run.stdout)
    by_path = {image["path"]: image["result"]["score"] for image in report["images"] if image.get("result")}
    return np.array([by_path[os.path.realpath(f)] for f in files]), report


def audit_section(args, cell_type, store, normal, defective):
    category = f"audit-{cell_type}"
    golden = split("golden", args.golden, cell_type)
    contaminants = split("tune-defective", args.contaminants, cell_type)
    echoctl(args, "ingest", *golden, *contaminants, "-c", category, "--store", store, "--no-screen")
    before = json.loads(echoctl(args, "calibrate", "-c", category, "--store", store, "--json").stdout)
    found = json.loads(echoctl(args, "audit", "-c", category, "--store", store, "--json", ok=(0, 3)).stdout)
    outliers = {entry["reference"]["sourcePath"] for entry in found["audit"]["entries"] if entry["isOutlier"]}
    planted = {os.path.realpath(p) for p in contaminants}
    hits = len(outliers & planted)
    ranks = [i for i, entry in enumerate(found["audit"]["entries"]) if entry["reference"]["sourcePath"] in planted]
    after = json.loads(echoctl(args, "audit", "-c", category, "--store", store, "--exclude", "--json").stdout)["calibration"]
    files = normal + defective
    labels = np.r_[np.zeros(len(normal), bool), np.ones(len(defective), bool)]
    scores, _ = inspect(args, store, category, files)

    clean_category = f"clean-{cell_type}"
    echoctl(args, "ingest", *golden, "-c", clean_category, "--store", store, "--no-screen")
    clean = json.loads(echoctl(args, "calibrate", "-c", clean_category, "--store", store, "--json").stdout)
    clean_scores, _ = inspect(args, store, clean_category, files)

    print(f"{cell_type}: {len(golden)} golden + {len(contaminants)} defective cells planted; audit found {len(outliers)} outliers, "
          f"{hits} of them planted: recall {hits / len(planted):.2f}, precision {hits / max(1, len(outliers)):.2f}; "
          f"planted cells' ranks by score (0 = highest): {sorted(ranks)}")
    for name, threshold, s in [("contaminated, no audit (baseline)", before["threshold"], scores),
                               ("contaminated, audit --exclude", after["threshold"], scores),
                               ("clean golden set", clean["threshold"], clean_scores)]:
        fpr, tpr = rates(s, labels, threshold)
        print(f"  {name:<36} threshold {threshold:>8.4f}   FPR {fmt(fpr)}   TPR {fmt(tpr)}")
    return clean_category


def perturbed(files, directory, darken, blur):
    os.makedirs(directory, exist_ok=True)
    out = []
    for f in files:
        image = Image.open(f)
        if darken != 1:
            image = Image.eval(image, lambda v: int(round(v * darken)))
        if blur:
            image = image.filter(ImageFilter.GaussianBlur(blur))
        path = os.path.join(directory, os.path.basename(f))
        image.save(path)
        out.append(path)
    return out


def drift_section(args, cell_type, store, category, normal, scratch):
    print(f"{cell_type} drift (clean store, {len(normal)} defect-free test cells per run):")
    for name, darken, blur in [("unchanged", 1, 0), (f"darkened ×{args.darken}", args.darken, 0), (f"blurred r={args.blur}", 1, args.blur)]:
        files = normal if (darken, blur) == (1, 0) else perturbed(normal, os.path.join(scratch, f"{cell_type}-{darken}-{blur}"), darken, blur)
        scores, report = inspect(args, store, category, files)
        drift = report.get("drift") or {}
        normal_share = np.mean(scores < report["threshold"] * 0.9)
        ks = drift.get("ksStatistic")
        p = drift.get("pValue")
        print(f"  {name:<16} normal verdicts {normal_share:.2f}   KS D {ks if ks is None else f'{ks:.3f}'}   "
              f"p {p if p is None else f'{p:.2g}'}   drift {'DETECTED' if drift.get('drifted') else 'not detected'}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--echoctl", required=True)
    p.add_argument("--golden", type=int, default=200)
    p.add_argument("--contaminants", type=int, default=10)
    p.add_argument("--test", type=int, default=150)
    p.add_argument("--darken", type=float, default=0.85)
    p.add_argument("--blur", type=float, default=1.0)
    p.add_argument("--types", default="mono,poly")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        store = os.path.join(scratch, "store")
        for cell_type in args.types.split(","):
            normal, defective = split("normal", args.test, cell_type), split("defective", args.test, cell_type)
            clean_category = audit_section(args, cell_type, store, normal, defective)
            drift_section(args, cell_type, store, clean_category, normal, scratch)
    print("(FPR/TPR ± binomial standard error on the test split; the audit uses echoctl's defaults: cutoff 3.5 robust z, "
          "calibration quantile 0.95)")


if __name__ == "__main__":
    main()
