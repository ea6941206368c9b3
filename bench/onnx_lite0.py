#!/usr/bin/env python3
"""EfficientNet-Lite0 as an ONNX graph built from Echo's own weights file (BatchNorm
already folded by scripts/convert_weights.py), for onnxruntime as a benchmark peer.

The graph is written with onnx.helper from the same tensors Echo loads, so both run the
same network on the same numbers: a 3×3 stride-2 stem, 16 inverted-residual blocks
(1×1 expand, k×k depthwise, 1×1 project), the 1×1 head, ReLU6 as Clip(0, 6), TensorFlow
SAME padding written out as explicit pads, and global average pooling. Its outputs are
the pooled 1280 channels (not normalised) and the two patch taps (block 4, 40 channels
at stride 8; block 10, 112 channels at stride 16), NCHW, for any batch size.

    python3 bench/onnx_lite0.py WEIGHTS.echow OUT.onnx
"""
import struct
import sys

import numpy as np

# (expansion, kernel, stride, input, output), as Sources/EchoEmbedding/Architecture.swift.
BLOCKS = [(1, 3, 1, 32, 16), (6, 3, 2, 16, 24), (6, 3, 1, 24, 24), (6, 5, 2, 24, 40), (6, 5, 1, 40, 40),
          (6, 3, 2, 40, 80), (6, 3, 1, 80, 80), (6, 3, 1, 80, 80), (6, 5, 1, 80, 112), (6, 5, 1, 112, 112),
          (6, 5, 1, 112, 112), (6, 5, 2, 112, 192), (6, 5, 1, 192, 192), (6, 5, 1, 192, 192), (6, 5, 1, 192, 192),
          (6, 3, 1, 192, 320)]
FINE_TAP, COARSE_TAP = 4, 10


def read_weights(path):
    """Echo's weights file (see scripts/convert_weights.py): name → float32 array."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"ECHOWTS\0" or struct.unpack_from("<I", data, 8)[0] != 1:
        raise SystemExit(f"{path} is not an Echo weights file (version 1)")
    count = struct.unpack_from("<I", data, 12)[0]
    at, tensors = 16, {}
    for _ in range(count):
        (length,) = struct.unpack_from("<I", data, at); at += 4
        name = data[at:at + length].decode(); at += length
        (rank,) = struct.unpack_from("<I", data, at); at += 4
        dims = struct.unpack_from(f"<{rank}I", data, at); at += 4 * rank
        offset, elements = struct.unpack_from("<QQ", data, at); at += 16
        tensors[name] = np.frombuffer(data, dtype="<f4", count=elements, offset=offset).reshape(dims).copy()
    return tensors


def same_pads(size, kernel, stride):
    """TensorFlow SAME padding along one axis: (before, after), the smaller half first."""
    out = (size + stride - 1) // stride
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2, out


def build(weights_path, size=224):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    w = read_weights(weights_path)
    nodes, inits = [], []

    def conv(x, name, kernel, stride, groups, relu6, spatial):
        weight, bias = w[name + ".weight"], w[name + ".bias"]
        inits.append(numpy_helper.from_array(weight, name + ".weight"))
        inits.append(numpy_helper.from_array(bias, name + ".bias"))
        top, bottom, out = same_pads(spatial, kernel, stride)
        y = name + ".out"
        nodes.append(helper.make_node("Conv", [x, name + ".weight", name + ".bias"], [y], kernel_shape=[kernel, kernel],
                                      strides=[stride, stride], pads=[top, top, bottom, bottom], group=groups))
        if relu6:
            nodes.append(helper.make_node("Clip", [y, "zero", "six"], [y + ".relu6"]))
            y += ".relu6"
        return y, out

    inits += [numpy_helper.from_array(np.array(0, np.float32), "zero"), numpy_helper.from_array(np.array(6, np.float32), "six")]
    x, spatial = conv("input", "_conv_stem", 3, 2, 1, True, size)
    outputs = {}
    for i, (expansion, kernel, stride, cin, cout) in enumerate(BLOCKS):
        prefix, inp = f"_blocks.{i}.", x
        if expansion != 1:
            x, _ = conv(x, prefix + "_expand_conv", 1, 1, 1, True, spatial)
        x, spatial = conv(x, prefix + "_depthwise_conv", kernel, stride, cin * expansion, True, spatial)
        x, _ = conv(x, prefix + "_project_conv", 1, 1, 1, False, spatial)
        if stride == 1 and cin == cout:
            nodes.append(helper.make_node("Add", [x, inp], [prefix + "sum"]))
            x = prefix + "sum"
        if i == FINE_TAP:
            outputs["fine"] = (x, cout)
        if i == COARSE_TAP:
            outputs["coarse"] = (x, cout)
    x, _ = conv(x, "_conv_head", 1, 1, 1, True, spatial)
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["pooled4"]))
    nodes.append(helper.make_node("Flatten", ["pooled4"], ["pooled"], axis=1))
    for name, (tensor, _) in outputs.items():
        nodes.append(helper.make_node("Identity", [tensor], [name]))
    graph = helper.make_graph(
        nodes, "efficientnet_lite0_echo",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, size, size])],
        [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["N", 1280])]
        + [helper.make_tensor_value_info(name, TensorProto.FLOAT, ["N", channels, None, None]) for name, (_, channels) in outputs.items()],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="echo-bench")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    import onnx
    onnx.save(build(sys.argv[1]), sys.argv[2])
    print(f"onnx_lite0: wrote {sys.argv[2]}")


if __name__ == "__main__":
    main()
