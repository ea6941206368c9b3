#!/usr/bin/env python3
"""Vision expert on synthetic defects painted onto real textures (scikit-image's CC0
brick, gravel and grass photos), where every defect has an exact mask: scratches,
spots, foreign patches and missing regions. Per texture: golden samples are random crops,
test images other crops, half of them with a painted defect. Prints image AUROC (with a
95 % bootstrap interval) and pixel AUROC (the anomaly map upsampled to the image, against
the masks) per texture, for Echo and for a plain PatchCore baseline on the same weights
and images (bench/patchcore_baseline.py), with the paired-bootstrap difference. Runs
`echoctl` itself (ingest, calibrate, inspect --json).

    make bench-texture   (or: python3 bench/texture_bench.py --echoctl .build/release/echoctl)
"""
import argparse
import json
import os
import subprocess
import tempfile

import sys

import numpy as np
from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from accuracy_stats import auroc, ci, interval, paired_difference  # noqa: E402
from patchcore_baseline import PatchCoreBaseline  # noqa: E402

SIZE = 256


def crop(texture, rng):
    y, x = rng.integers(0, texture.shape[0] - SIZE), rng.integers(0, texture.shape[1] - SIZE)
    return texture[y:y + SIZE, x:x + SIZE].copy()


def paint(image, kind, rng, other):
    """Paints one defect; returns the image and its mask."""
    mask = Image.new("L", (SIZE, SIZE), 0)
    canvas = Image.fromarray(image)
    draw, mask_draw = ImageDraw.Draw(canvas), ImageDraw.Draw(mask)
    cx, cy = rng.integers(50, SIZE - 50, size=2)
    if kind == "scratch":
        angle = rng.uniform(0, np.pi)
        length = rng.integers(50, 110)
        end = (int(cx + np.cos(angle) * length), int(cy + np.sin(angle) * length))
        shade = 20 if image.mean() > 110 else 235
        draw.line([(int(cx), int(cy)), end], fill=shade, width=4)
        mask_draw.line([(int(cx), int(cy)), end], fill=255, width=4)
    elif kind == "spot":
        r = rng.integers(9, 18)
        shade = 15 if image.mean() > 110 else 240
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=shade)
        mask_draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=255)
    elif kind == "foreign":
        w = rng.integers(30, 50)
        patch = Image.fromarray(other[:w, :w])
        canvas.paste(patch, (int(cx), int(cy)))
        mask_draw.rectangle([cx, cy, cx + w - 1, cy + w - 1], fill=255)
    else:  # missing region: flat fill
        w, h = rng.integers(25, 45, size=2)
        draw.rectangle([cx, cy, cx + w, cy + h], fill=int(image.mean()))
        mask_draw.rectangle([cx, cy, cx + w, cy + h], fill=255)
    return np.asarray(canvas), np.asarray(mask) > 0


def upsample(grid, size):
    """Bilinear, half-pixel centres, edges clamped: as Echo's AnomalyMap.upsampled."""
    h, w = grid.shape
    def axis(n):
        src = np.clip((np.arange(size) + 0.5) * n / size - 0.5, 0, n - 1)
        lo = np.floor(src).astype(int)
        return lo, np.minimum(lo + 1, n - 1), src - lo
    ylo, yhi, fy = axis(h)
    xlo, xhi, fx = axis(w)
    rows = grid[ylo] * (1 - fy)[:, None] + grid[yhi] * fy[:, None]
    return rows[:, xlo] * (1 - fx) + rows[:, xhi] * fx


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--echoctl", required=True)
    p.add_argument("--golden", type=int, default=40)
    p.add_argument("--test", type=int, default=60, help="normal and defective test images per texture")
    p.add_argument("--neighbours", type=int, default=3)
    p.add_argument("--seed", type=int, default=100, help="crops and defects; change it for a tuning split")
    args = p.parse_args()
    # PIL's BOX resize and exact area averaging (Echo's own input): see patchcore_baseline.py.
    baselines = {resize: PatchCoreBaseline(neighbours=args.neighbours, resize=resize) for resize in ("box", "area")}
    import skimage.data as data
    textures = {"brick": data.brick(), "gravel": data.gravel(), "grass": data.grass()}
    print(f"synthetic defects on scikit-image textures: {args.golden} golden crops, {args.test} normal + {args.test} "
          f"defective test crops per texture ({SIZE}×{SIZE}), {args.neighbours} nearest normals; defects: scratch, spot, foreign patch, missing region")
    print(f"{'texture':<8} {'Echo image [95% CI]':>22} {'baseline image, box':>22} {'Echo − baseline':>22} "
          f"{'baseline image, area':>22} {'Echo − baseline':>22} {'Echo pixel':>10} {'base px, box':>12} {'base px, area':>13}")
    kinds = ["scratch", "spot", "foreign", "missing"]
    with tempfile.TemporaryDirectory() as work:
        store = os.path.join(work, "store")
        for index, (name, texture) in enumerate(textures.items()):
            rng = np.random.default_rng(args.seed + index)
            other = list(textures.values())[(index + 1) % 3]
            golden_dir, test_dir = os.path.join(work, name, "golden"), os.path.join(work, name, "test")
            os.makedirs(golden_dir)
            os.makedirs(test_dir)
            for i in range(args.golden):
                Image.fromarray(crop(texture, rng)).save(os.path.join(golden_dir, f"{i:03d}.png"))
            masks = {}
            for i in range(2 * args.test):
                image = crop(texture, rng)
                path = os.path.join(test_dir, f"{i:03d}.png")
                if i >= args.test:
                    image, mask = paint(image, kinds[i % 4], rng, other)
                    masks[path] = mask
                Image.fromarray(image).save(path)
            subprocess.run([args.echoctl, "ingest", golden_dir, "-c", name, "--store", store], check=True, capture_output=True)
            subprocess.run([args.echoctl, "calibrate", "-c", name, "--store", store, "--neighbours", str(args.neighbours)],
                           check=True, capture_output=True)
            run = subprocess.run([args.echoctl, "inspect", test_dir, "-c", name, "--store", store, "--json",
                                  "--neighbours", str(args.neighbours)], capture_output=True, text=True)
            report = json.loads(run.stdout)
            image_labels, image_scores, pixel_labels, pixel_scores = [], [], [], []
            base_scores, base_pixels = {r: [] for r in baselines}, {r: [] for r in baselines}
            for resize, baseline in baselines.items():
                baseline.fit(sorted(os.path.join(golden_dir, f) for f in os.listdir(golden_dir)))
            for entry in report["images"]:
                for resize, baseline in baselines.items():
                    score, base_grid = baseline.score(entry["path"])
                    base_scores[resize].append(score)
                    base_pixels[resize].append(baseline.pixel_map(base_grid, SIZE, SIZE).ravel())
                result = entry["result"]
                grid = np.asarray(result["anomalyMap"]["values"], dtype=np.float64).reshape(
                    result["anomalyMap"]["height"], result["anomalyMap"]["width"])
                mask = masks.get(os.path.realpath(entry["path"]), np.zeros((SIZE, SIZE), dtype=bool))
                image_labels.append(mask.any())
                image_scores.append(result["score"])
                pixel_labels.append(mask.ravel())
                pixel_scores.append(upsample(grid, SIZE).ravel())
            pixels = np.concatenate(pixel_labels)
            row = f"{name:<8} {ci(*interval(image_labels, image_scores)[:3]):>22}"
            for resize in baselines:
                row += (f" {ci(*interval(image_labels, base_scores[resize])[:3]):>22}"
                        f" {ci(*paired_difference(image_labels, image_scores, base_scores[resize])):>22}")
            row += f" {auroc(pixels, np.concatenate(pixel_scores)):>10.3f}"
            row += f" {auroc(pixels, np.concatenate(base_pixels['box'])):>12.3f} {auroc(pixels, np.concatenate(base_pixels['area'])):>13.3f}"
            print(row, flush=True)
    print("(1000 stratified bootstrap rounds over images; pixel AUROC over every pixel of every test image)")


if __name__ == "__main__":
    main()
