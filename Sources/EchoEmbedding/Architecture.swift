/// The shape of EfficientNet-Lite0: a 3×3 stride-2 stem to 32 channels, 16 inverted
/// residual blocks (1×1 expand, k×k depthwise, 1×1 project; no squeeze-excite), a 1×1
/// head to 1280 channels, global average pooling and a 1000-way ImageNet classifier.
/// ReLU6 everywhere; TensorFlow "SAME" padding; BatchNorm folded into the convolutions.
enum Architecture {
    struct Block {
        let expansion: Int
        let kernel: Int
        let stride: Int
        let input: Int
        let output: Int
        var expanded: Int { input * expansion }
        var hasResidual: Bool { stride == 1 && input == output }
    }

    static let stemChannels = 32
    static let headChannels = 1280
    static let classes = 1000

    static let blocks: [Block] = [
        Block(expansion: 1, kernel: 3, stride: 1, input: 32, output: 16),
        Block(expansion: 6, kernel: 3, stride: 2, input: 16, output: 24),
        Block(expansion: 6, kernel: 3, stride: 1, input: 24, output: 24),
        Block(expansion: 6, kernel: 5, stride: 2, input: 24, output: 40),
        Block(expansion: 6, kernel: 5, stride: 1, input: 40, output: 40),
        Block(expansion: 6, kernel: 3, stride: 2, input: 40, output: 80),
        Block(expansion: 6, kernel: 3, stride: 1, input: 80, output: 80),
        Block(expansion: 6, kernel: 3, stride: 1, input: 80, output: 80),
        Block(expansion: 6, kernel: 5, stride: 1, input: 80, output: 112),
        Block(expansion: 6, kernel: 5, stride: 1, input: 112, output: 112),
        Block(expansion: 6, kernel: 5, stride: 1, input: 112, output: 112),
        Block(expansion: 6, kernel: 5, stride: 2, input: 112, output: 192),
        Block(expansion: 6, kernel: 5, stride: 1, input: 192, output: 192),
        Block(expansion: 6, kernel: 5, stride: 1, input: 192, output: 192),
        Block(expansion: 6, kernel: 5, stride: 1, input: 192, output: 192),
        Block(expansion: 6, kernel: 3, stride: 1, input: 192, output: 320),
    ]

    /// The block whose output is the fine patch tap (40 channels, stride 8).
    static let fineTap = 4
    /// The block whose output is the coarse patch tap (112 channels, stride 16).
    static let coarseTap = 10

    /// TensorFlow "SAME" padding along one axis: output size ⌈n / s⌉, and the padding
    /// before the first input (the smaller half when the total is odd).
    static func samePadding(size n: Int, kernel k: Int, stride s: Int) -> (output: Int, before: Int) {
        let output = (n + s - 1) / s
        let total = max((output - 1) * s + k - n, 0)
        return (output, total / 2)
    }
}
