#!/usr/bin/env python3
"""Prints ELPV image paths for the demo and benchmarks (PyPI elpv-dataset).

    elpv_split.py golden N [TYPE]     the first N defect-free cells (probability 0) of TYPE
    elpv_split.py normal N [TYPE]     N further defect-free cells, not among the golden ones
    elpv_split.py defective N [TYPE]  the first N cells with defect probability 1
    elpv_split.py tune-normal N [TYPE]     N defect-free cells in neither of the above (for tuning)
    elpv_split.py tune-defective N [TYPE]  N cells with defect probability 1 after the first 150

TYPE is mono (default) or poly. The golden set is every 3rd defect-free cell so that it
spans the whole dataset; "normal" takes cells between them.
"""
import os
import sys

import elpv_dataset

root = os.path.join(os.path.dirname(elpv_dataset.__file__), "data")
kind, count = sys.argv[1], int(sys.argv[2])
cell_type = sys.argv[3] if len(sys.argv) > 3 else "mono"
rows = []
with open(os.path.join(root, "labels.csv")) as f:
    for line in f:
        path, probability, kind_of_cell = line.split()
        rows.append((os.path.join(root, path), float(probability), kind_of_cell))
good = [p for p, prob, t in rows if prob == 0.0 and t == cell_type]
bad = [p for p, prob, t in rows if prob == 1.0 and t == cell_type]
selected = {"golden": good[::3], "normal": [p for i, p in enumerate(good) if i % 3 == 1], "defective": bad,
            "tune-normal": [p for i, p in enumerate(good) if i % 3 == 2], "tune-defective": bad[150:]}[kind]
print("\n".join(selected[:count]))
