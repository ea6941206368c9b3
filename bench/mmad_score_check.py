#!/usr/bin/env python3
"""Echo's MMAD table against MMAD's own scorer, cell by cell, on the same answers files.

MMAD's scorer is `evaluation/examples/helper/summary.py` of jam-cc/MMAD (fetched at bench
time, never committed: pass a checkout with --mmad-repo or $MMAD_REPO, else this clones
https://github.com/jam-cc/MMAD into a temporary directory). For each generated answers
file this runs summary.py's `caculate_accuracy_mmad(path, show_overkill_miss=True)` and
`echoctl eval mmad-score path --csv`, then compares every cell summary.py writes.

The answers files are MMAD-shaped and built to hit summary.py's rules: four datasets
with MMAD's names, every question type (Object Structure and Object Details pooled),
answers in Echo's format (question as MMAD's dict, echo_* fields) and in MMAD's older
one (question as text), letters that are not A-E (free text, "", "F", null) that
summary.py drops together with the answer after each, a dataset without normal images,
one without some question types, and a file whose only answers are unparseable.

    make bench-mmad-score     (or: python3 bench/mmad_score_check.py --echoctl .build/release/echoctl)
"""
import argparse
import contextlib
import csv
import importlib.util
import json
import os
import random
import subprocess
import sys
import tempfile

TYPES = ["Anomaly Detection", "Defect Classification", "Defect Localization", "Defect Description", "Defect Analysis",
         "Object Classification", "Object Structure", "Object Details"]
DATASETS = {"DS-MVTec": ["bottle", "cable", "screw"], "MVTec-LOCO": ["breakfast_box", "juice_bottle"],
            "VisA": ["candle", "pcb1"], "GoodsAD": ["cigarette_box", "drink_bottle"]}


def answers_file(seed, invalid_rate, echo_format=True, drop_types=(), no_normal=()):
    rng = random.Random(seed)
    out = []
    for dataset, classes in DATASETS.items():
        for name in classes:
            for index in range(rng.randint(15, 40)):
                normal = dataset not in no_normal and rng.random() < 0.4
                folder = "good" if normal else rng.choice(["crack", "scratch", "logical_anomalies", "bad"])
                image = f"{dataset}/{name}/test/{folder}/{index:03d}.png"
                types = ["Anomaly Detection"] + ([] if normal else rng.sample(TYPES[1:6], rng.randint(1, 4))) + rng.sample(TYPES[5:], 2)
                for number, kind in enumerate(types):
                    if dataset in drop_types and kind in drop_types[dataset]:
                        continue
                    letters = "AB" if kind == "Anomaly Detection" else "ABCD"
                    correct = ("B" if normal else "A") if kind == "Anomaly Detection" else rng.choice(letters)
                    given = correct if rng.random() < 0.65 else rng.choice(letters)
                    if rng.random() < invalid_rate:
                        given = rng.choice(["I cannot tell.", "", "F", None, "The answer is unclear"])
                    text = f"Question {number + 1}: What about {kind}? \n" + "".join(f"{c}. option {c}\n" for c in letters)
                    question = {"type": "text", "text": text, "options": {c: f"option {c}" for c in letters}} if echo_format else text
                    record = {"image": image, "question": question, "question_type": kind, "correct_answer": correct, "gpt_answer": given}
                    if echo_format:
                        record.update({"echo_index": number, "echo_problem": None, "echo_match": "standalone", "echo_protocol": "mmad"})
                    out.append(record)
    return out


def mmad_summary(repo):
    path = os.path.join(repo, "evaluation", "examples", "helper", "summary.py")
    if not os.path.exists(path):
        sys.exit(f"no {path}: pass --mmad-repo with a checkout of https://github.com/jam-cc/MMAD")
    os.environ.setdefault("MPLBACKEND", "Agg")
    spec = importlib.util.spec_from_file_location("mmad_summary", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_csv(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    header = rows[0][1:]
    return {row[0]: {column: float(value) if value else float("nan") for column, value in zip(header, row[1:])} for row in rows[1:]}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--echoctl", required=True)
    p.add_argument("--mmad-repo", default=os.environ.get("MMAD_REPO"))
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as work:
        repo = args.mmad_repo
        if not repo:
            repo = os.path.join(work, "MMAD")
            subprocess.run(["git", "clone", "--quiet", "--depth", "1", "https://github.com/jam-cc/MMAD", repo], check=True)
        revision = subprocess.run(["git", "-C", repo, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip() or repo
        summary = mmad_summary(repo)
        cases = {
            "clean (no invalid letters)": answers_file(1, 0.0),
            "3 % invalid letters, Echo's format": answers_file(2, 0.03),
            "10 % invalid letters, MMAD's older format": answers_file(3, 0.10, echo_format=False),
            "LOCO without normal images, VisA without Object types": answers_file(
                4, 0.05, drop_types={"VisA": ("Object Classification", "Object Structure", "Object Details")}, no_normal=("MVTec-LOCO",)),
            "GoodsAD answers all unparseable": [dict(a, gpt_answer="no idea") if a["image"].startswith("GoodsAD") else a
                                                for a in answers_file(5, 0.02)],
        }
        print(f"MMAD's summary.py (jam-cc/MMAD {revision}) against `echoctl eval mmad-score`, every cell summary.py writes")
        print(f"{'answers file':<56} {'answers':>8} {'cells':>6} {'max |Δ|':>10} {'MMAD avg':>9} {'Echo avg':>9} {'dropped':>8}")
        worst = 0.0
        for index, (label, answers) in enumerate(cases.items()):
            path = os.path.join(work, f"answers_{index}.json")
            with open(path, "w") as f:
                json.dump(answers, f)
            with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
                summary.caculate_accuracy_mmad(path, show_overkill_miss=True)
            theirs = read_csv(path.replace(".json", "_accuracy.csv"))
            echo_csv = os.path.join(work, f"echo_{index}.csv")
            run = subprocess.run([args.echoctl, "eval", "mmad-score", path, "--csv", echo_csv, "--json"], capture_output=True, text=True)
            if run.returncode != 0:
                sys.exit(f"echoctl failed on {label}: {run.stderr}")
            report = json.loads(run.stdout)
            ours = read_csv(echo_csv)
            cells, largest = 0, 0.0
            if list(theirs) != list(ours):
                sys.exit(f"{label}: rows differ: summary.py {list(theirs)}, Echo {list(ours)}")
            for row, values in theirs.items():
                for column, value in values.items():
                    mine = ours[row].get(column)
                    if mine is None:
                        sys.exit(f"{label}: Echo has no column {column}")
                    cells += 1
                    if value != value and mine != mine:
                        continue
                    largest = max(largest, abs(value - mine))
            worst = max(worst, largest)
            print(f"{label:<56} {len(answers):>8} {cells:>6} {largest:>10.2e} {theirs['Average']['Average']:>9.3f} "
                  f"{report['mmadAverage']:>9.3f} {report['dropped']:>8}")
        print(f"largest difference over every cell: {worst:.2e} (the goal: ≤ 0.01)")
        if worst > 0.01:
            sys.exit(1)


if __name__ == "__main__":
    main()
