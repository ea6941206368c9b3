"""The onnxruntime peer of Echo's embedder for the benchmarks: the same EfficientNet-Lite0
graph (bench/onnx_lite0.py, built from Echo's weights file), the same preprocessing (RGB
squeezed to 224×224 by area averaging — PIL's BOX filter — then (x − 127) / 128) and the
same features: the pooled head channels L2-normalised, and the patch grid of Echo's
recipe (block 4's 40 channels at 28×28 and block 10's 112 channels at 14×14, each
3×3-average-pooled with zero padding, the coarse one bilinearly upsampled with half-pixel
centres, concatenated to 152 channels per patch).
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def default_weights():
    if os.environ.get("ECHO_WEIGHTS"):
        return os.environ["ECHO_WEIGHTS"]
    data = os.environ.get("ECHO_DATA_DIR") or os.path.join(os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share"), "echo")
    return os.path.join(data, "efficientnet-lite0.echow")


def model_path(weights, out):
    """Writes the graph built from `weights` into `out` (afresh: a graph from other
    weights must never be timed) and returns its path."""
    import onnx
    sys.path.insert(0, HERE)
    import onnx_lite0
    path = os.path.join(out, "efficientnet-lite0-echo.onnx")
    onnx.save(onnx_lite0.build(weights), path)
    return path


def session(path, threads=1):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def preprocess(path_or_image):
    """An image file (or PIL image) → the 1×3×224×224 network input."""
    from PIL import Image
    image = path_or_image if hasattr(path_or_image, "convert") else Image.open(path_or_image)
    rgb = np.asarray(image.convert("RGB").resize((224, 224), Image.BOX), dtype=np.float32)
    return ((rgb - 127) / 128).transpose(2, 0, 1)[None].copy()


def _pool3x3(x):
    """C×H×W → 3×3 average with zero padding (divided by 9 everywhere)."""
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    h, w = x.shape[1:]
    return sum(padded[:, dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3)) / 9


def _upsample(x, size):
    """C×h×w → C×size×size, bilinear, half-pixel centres, edges clamped."""
    def taps(n):
        source = np.clip((np.arange(size) + 0.5) * n / size - 0.5, 0, n - 1)
        low = np.floor(source).astype(int)
        return low, np.minimum(low + 1, n - 1), (source - low).astype(np.float32)
    y0, y1, fy = taps(x.shape[1])
    x0, x1, fx = taps(x.shape[2])
    top = x[:, y0][:, :, x0] * (1 - fx) + x[:, y0][:, :, x1] * fx
    bottom = x[:, y1][:, :, x0] * (1 - fx) + x[:, y1][:, :, x1] * fx
    return top * (1 - fy)[None, :, None] + bottom * fy[None, :, None]


def features(run, tensor):
    """One network input → (global 1280, patches 784×152), as Echo computes them."""
    pooled, fine, coarse = run.run(["pooled", "fine", "coarse"], {"input": tensor})
    glob = pooled[0] / np.linalg.norm(pooled[0])
    fine = _pool3x3(fine[0])
    coarse = _upsample(_pool3x3(coarse[0]), fine.shape[1])
    patches = np.concatenate([fine, coarse]).reshape(152, -1).T.astype(np.float32)
    return glob.astype(np.float32), np.ascontiguousarray(patches)
