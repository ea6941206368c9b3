#!/usr/bin/env python3
"""Golden-set audit and score drift on real defects: ELPV electroluminescence cells.

Audit. Per cell type, 200 defect-free golden cells are ingested with `--contaminants`
defective cells (defect probability 1.0, the first of the tune split, never tested on)
slipped in as "normals". (The audit's default cutoff was chosen on the next 10 tune-split
defective cells, not these.) `echoctl audit` must find them: recall and precision of its outliers. The
plain baseline is what a user has without the audit: calibrating on the contaminated set.
Beside it: the same set after `audit --exclude`, and a clean store of the 200 golden cells
alone. Each threshold is judged on the test split (150 other defect-free cells, 150
defective) by its false- and true-positive rate, with the binomial standard error.
Excluding changes only the threshold (the excluded cells stay references), so one
inspection of the test split serves both. Ingest screening: the planted cells, then twice
as many further defect-free cells (tune split), are ingested into a calibrated clean copy;
how many of each draw a warning.

Drift. On the clean store, the test split's defect-free cells are inspected as they are,
then changed as a line changes: darker or brighter (pixel values × 0.7, 0.5, 1.3, as a
lamp ageing or replaced), blurred (Gaussian radius 2, a focus slip), shifted 8 px or
rotated 3° (a camera knocked), noisy (σ 12, a gain change). Each run's score drift
(two-sample KS tests of its normal-verdict scores and of every image's background level,
the median patch distance, against the calibration's) should stay quiet on the unchanged
cells and on the defective test cells, and speak on a change that moves scores, ideally
while most cells are still judged normal (before it causes false alarms or misses).

    make bench-audit    (or: python3 bench/golden_set_bench.py --echoctl .build/release/echoctl)
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image, ImageChops, ImageFilter

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
    screened = f"screen-{cell_type}"
    echoctl(args, "ingest", *golden, "-c", screened, "--store", store, "--no-screen")
    echoctl(args, "calibrate", "-c", screened, "--store", store)
    newcomers = split("tune-normal", args.contaminants * 2, cell_type)
    warned_bad = json.loads(echoctl(args, "ingest", *contaminants, "-c", screened, "--store", store, "--json").stdout)["screening"]
    warned_good = json.loads(echoctl(args, "ingest", *newcomers, "-c", screened, "--store", store, "--json").stdout)["screening"]
    print(f"  ingest screening against the clean calibration: {len(warned_bad['outliers'])} of {len(contaminants)} defective cells warned, "
          f"{len(warned_good['outliers'])} of {len(newcomers)} further defect-free cells warned")
    for name, threshold, s in [("contaminated, no audit (baseline)", before["threshold"], scores),
                               ("contaminated, audit --exclude", after["threshold"], scores),
                               ("clean golden set", clean["threshold"], clean_scores)]:
        fpr, tpr = rates(s, labels, threshold)
        print(f"  {name:<36} threshold {threshold:>8.4f}   FPR {fmt(fpr)}   TPR {fmt(tpr)}")
    return clean_category


def scaled(factor):
    return lambda image: Image.eval(image, lambda v: min(255, int(round(v * factor))))


def noisy(sigma):
    rng = np.random.default_rng(0)

    def change(image):
        pixels = np.asarray(image, dtype=float)
        return Image.fromarray(np.clip(pixels + rng.normal(0, sigma, pixels.shape), 0, 255).astype(np.uint8))
    return change


CHANGES = [
    ("unchanged", None),
    ("pixels × 0.7", scaled(0.7)),
    ("pixels × 0.5", scaled(0.5)),
    ("pixels × 1.3", scaled(1.3)),
    ("blur r=2", lambda image: image.filter(ImageFilter.GaussianBlur(2))),
    ("shift 8 px", lambda image: ImageChops.offset(image, 8, 0)),
    ("rotate 3°", lambda image: image.rotate(3)),
    ("noise σ 12", noisy(12)),
]


def changed(files, directory, change):
    os.makedirs(directory, exist_ok=True)
    out = []
    for f in files:
        path = os.path.join(directory, os.path.basename(f))
        change(Image.open(f)).save(path)
        out.append(path)
    return out


def drift_section(args, cell_type, store, category, normal, defective, scratch):
    print(f"{cell_type} drift (clean store, {len(normal)} test cells per run):")
    for number, (name, change) in enumerate(CHANGES + [("defective cells", "defective")]):
        if change == "defective":
            files = defective
        else:
            files = normal if change is None else changed(normal, os.path.join(scratch, f"{cell_type}-{number}"), change)
        scores, report = inspect(args, store, category, files)
        drift = report.get("drift") or {}
        threshold = report["threshold"]
        def pair(statistic, p):
            return f"D {'-' if statistic is None else f'{statistic:.3f}'} p {'-' if p is None else f'{p:.2g}':<7}"
        print(f"  {name:<14} verdicts normal {np.mean(scores < threshold * 0.9):.2f}, anomalous {np.mean(scores >= threshold * 1.1):.2f}"
              f"   normal scores {pair(drift.get('ksStatistic'), drift.get('pValue'))}"
              f"   background {pair(drift.get('backgroundKSStatistic'), drift.get('backgroundPValue'))}"
              f"   drift {'DETECTED' if drift.get('drifted') else 'not detected'}", flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--echoctl", required=True)
    p.add_argument("--golden", type=int, default=200)
    p.add_argument("--contaminants", type=int, default=10)
    p.add_argument("--test", type=int, default=150)
    p.add_argument("--types", default="mono,poly")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        store = os.path.join(scratch, "store")
        for cell_type in args.types.split(","):
            normal, defective = split("normal", args.test, cell_type), split("defective", args.test, cell_type)
            clean_category = audit_section(args, cell_type, store, normal, defective)
            drift_section(args, cell_type, store, clean_category, normal, defective, scratch)
    print("(FPR/TPR ± binomial standard error on the test split; echoctl's defaults: audit cutoff 2.0 robust z, "
          "calibration quantile 0.95; drift detected when either test gives p < 0.01 with at least 8 images)")


if __name__ == "__main__":
    main()
