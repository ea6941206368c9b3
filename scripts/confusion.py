#!/usr/bin/env python3
"""Reads `echoctl inspect --json` on standard input and prints a confusion table against
ground truth: paths listed in the file DEFECTIVE are defective, all others normal.
Uncertain verdicts are shown in their own column.

    echoctl inspect ... --json | confusion.py DEFECTIVE
"""
import json
import os
import sys

defective = {os.path.realpath(line.strip()) for line in open(sys.argv[1]) if line.strip()}
report = json.load(sys.stdin)
table = {truth: {"normal": 0, "uncertain": 0, "anomalous": 0, "failed": 0} for truth in ("normal", "defective")}
for image in report["images"]:
    truth = "defective" if os.path.realpath(image["path"]) in defective else "normal"
    verdict = image["result"]["verdict"] if image.get("result") else "failed"
    table[truth][verdict if verdict in table[truth] else "failed"] += 1
header = "truth / verdict"
for image in report["images"]:
    result = image.get("result") or {}
    truth = "defective" if os.path.realpath(image["path"]) in defective else "normal"
    print(f"{os.path.basename(image['path']):<14} {truth:<10} {result.get('verdict', 'failed'):<10} "
          f"{result.get('score', float('nan')):>8.3f}  {result.get('region', image.get('error', ''))}")
print()
print(f"{header:<16} {'normal':>8} {'uncertain':>10} {'anomalous':>10} {'failed':>7}")
for truth, row in table.items():
    print(f"{truth:<16} {row['normal']:>8} {row['uncertain']:>10} {row['anomalous']:>10} {row['failed']:>7}")
decided = [(t, v) for t, row in table.items() for v, n in row.items() for _ in range(n) if v in ("normal", "anomalous")]
correct = sum((t == "defective") == (v == "anomalous") for t, v in decided)
print(f"accuracy on decided images: {correct}/{len(decided)}; threshold {report.get('threshold')}; run {report['runID']}")
if report.get("reportPath"):
    print(f"HTML report: {report['reportPath']}")
