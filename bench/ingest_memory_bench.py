#!/usr/bin/env python3
"""Peak memory of one `echoctl ingest` over a directory of many images: memory must stay
bounded (batches of 32 are committed and dropped; only file paths are held for the whole
run), so 10,000 images should peak about where 1,000 do. Writes distinct 64x64 noise PNGs
(seeded, with Pillow) into a temporary directory, ingests 1,000 and then 10,000 of them
into fresh stores with GNU time measuring the maximum resident set size, and prints both
beside the peak of ingesting 32 (one batch: the floor of the weights and the runtime).

    make bench-ingest-memory    (or: python3 bench/ingest_memory_bench.py --echoctl .build/release/echoctl)
"""
import argparse
import json
import os
import random
import subprocess
import tempfile
import time

from PIL import Image


def write_images(directory, count, seed):
    rng = random.Random(seed)
    for index in range(count):
        pixels = rng.randbytes(64 * 64 * 3)
        Image.frombytes("RGB", (64, 64), pixels).save(os.path.join(directory, f"part-{index:05d}.png"))


def ingest(echoctl, images, count, store):
    listing = sorted(os.listdir(images))[:count]
    folder = tempfile.mkdtemp(prefix="echo-ingest-subset-")
    for name in listing:
        os.symlink(os.path.join(images, name), os.path.join(folder, name))
    start = time.time()
    result = subprocess.run(["/usr/bin/time", "-f", "%M", echoctl, "ingest", folder, "-c", "parts", "--no-screen",
                             "--store", store, "--json"], capture_output=True, text=True)
    seconds = time.time() - start
    if result.returncode != 0:
        raise SystemExit(f"ingest of {count} failed ({result.returncode}): {result.stderr[-2000:]}")
    peak_kib = int(result.stderr.strip().splitlines()[-1])
    added = sum(1 for f in json.loads(result.stdout)["files"] if f["status"] == "added")
    return {"images": count, "added": added, "peak_rss_mib": round(peak_kib / 1024, 1), "seconds": round(seconds, 1)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--echoctl", required=True)
    p.add_argument("--counts", default="32,1000,10000")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    with tempfile.TemporaryDirectory() as work:
        images = os.path.join(work, "images")
        os.mkdir(images)
        write_images(images, max(counts), seed=2026)
        rows = [ingest(args.echoctl, images, count, os.path.join(work, f"store-{count}")) for count in counts]
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"{'images':>8} {'added':>8} {'peak RSS MiB':>13} {'seconds':>8}")
    for row in rows:
        print(f"{row['images']:>8} {row['added']:>8} {row['peak_rss_mib']:>13} {row['seconds']:>8}")
    floor, largest = rows[0]["peak_rss_mib"], rows[-1]["peak_rss_mib"]
    print(f"peak at {rows[-1]['images']} images is {largest / floor:.2f}x the one-batch floor ({floor} MiB)")


if __name__ == "__main__":
    main()
