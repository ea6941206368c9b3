/// EfficientNet-Lite0 with BatchNorm folded into its convolutions, evaluated in
/// channels-last layout: 1×1 convolutions are GEMMs (Echo's own AVX-512 kernel with the
/// bias, ReLU6 and residual fused, else BLAS), the stem is im2col + GEMM, depthwise
/// convolutions a register-blocked C kernel (AVX-512, AVX2 or portable).
///
/// Immutable after loading, so one instance serves any number of threads, each with
/// its own `Workspace`.
package final class EfficientNetLite0: Sendable {
    /// A 1×1 convolution. Its weights are kept in the layout its kernel reads: 32-channel
    /// panels for Echo's own AVX-512 GEMM, or `output × input` rows for BLAS.
    struct Pointwise: Sendable {
        let input: Int, output: Int
        let weights: PointwiseWeights
        let bias: [Float]

        /// - Parameter weight: `output × input`, row-major.
        init(input: Int, output: Int, weight: [Float], bias: [Float]) {
            self.input = input
            self.output = output
            self.weights = PointwiseWeights(weight, inputs: input, outputs: output)
            self.bias = bias
        }

        /// `output = input · Wᵀ + bias (+ residual)`, clamped by ReLU6 if asked, over `pixels`.
        func run(_ source: UnsafePointer<Float>, pixels: Int, output destination: UnsafeMutablePointer<Float>,
                 relu6: Bool, residual: UnsafePointer<Float>? = nil) {
            bias.withUnsafeBufferPointer { bias in
                Kernels.pointwise(source, pixels: pixels, inputChannels: input, weights: weights, bias: bias.baseAddress!,
                                  outputChannels: output, output: destination, relu6: relu6, residual: residual)
            }
        }
    }

    struct Depthwise: Sendable {
        let channels: Int, kernel: Int, stride: Int
        let weight: [Float] // kernel·kernel × channels (tap-major)
        let bias: [Float]
    }

    struct Block: Sendable {
        let spec: Architecture.Block
        let expand: Pointwise?
        let depthwise: Depthwise
        let project: Pointwise
    }

    let stem: Pointwise // 32 × 27 over im2col rows in (ky, kx, channel) order
    let blocks: [Block]
    let head: Pointwise
    let classifier: Pointwise

    /// Builds the network from a weights file, checking every tensor's shape.
    /// - Throws: `EmbeddingError.weightsMismatch` naming a missing or misshapen tensor.
    package init(weights: WeightsFile) throws(EmbeddingError) {
        let stem = try weights.tensor("_conv_stem.weight", shape: [Architecture.stemChannels, 3, 3, 3])
        self.stem = Pointwise(input: 27, output: Architecture.stemChannels,
                              weight: Self.channelsLast(stem, outputs: Architecture.stemChannels, inputs: 3, kernel: 3),
                              bias: try weights.tensor("_conv_stem.bias", shape: [Architecture.stemChannels]))

        var blocks: [Block] = []
        for (index, spec) in Architecture.blocks.enumerated() {
            let prefix = "_blocks.\(index)."
            let expand = spec.expansion == 1 ? nil
                : try Self.pointwise(weights, prefix + "_expand_conv", input: spec.input, output: spec.expanded)
            let depthwiseWeight = try weights.tensor(prefix + "_depthwise_conv.weight", shape: [spec.expanded, 1, spec.kernel, spec.kernel])
            let depthwise = Depthwise(
                channels: spec.expanded, kernel: spec.kernel, stride: spec.stride,
                weight: Self.tapMajor(depthwiseWeight, channels: spec.expanded, kernel: spec.kernel),
                bias: try weights.tensor(prefix + "_depthwise_conv.bias", shape: [spec.expanded]))
            let project = try Self.pointwise(weights, prefix + "_project_conv", input: spec.expanded, output: spec.output)
            blocks.append(Block(spec: spec, expand: expand, depthwise: depthwise, project: project))
        }
        self.blocks = blocks
        head = try Self.pointwise(weights, "_conv_head", input: Architecture.blocks.last!.output, output: Architecture.headChannels)
        classifier = Pointwise(
            input: Architecture.headChannels, output: Architecture.classes,
            weight: try weights.tensor("_fc.weight", shape: [Architecture.classes, Architecture.headChannels]),
            bias: try weights.tensor("_fc.bias", shape: [Architecture.classes]))
    }

    private static func pointwise(_ weights: WeightsFile, _ name: String, input: Int, output: Int) throws(EmbeddingError) -> Pointwise {
        Pointwise(
            input: input, output: output,
            weight: try weights.tensor(name + ".weight", shape: [output, input, 1, 1]),
            bias: try weights.tensor(name + ".bias", shape: [output]))
    }

    /// [out, in, k, k] → [out, k, k, in], so each row matches an im2col row.
    private static func channelsLast(_ w: [Float], outputs: Int, inputs: Int, kernel k: Int) -> [Float] {
        var out = [Float](repeating: 0, count: w.count)
        for o in 0..<outputs { for i in 0..<inputs { for ky in 0..<k { for kx in 0..<k {
            out[((o * k + ky) * k + kx) * inputs + i] = w[((o * inputs + i) * k + ky) * k + kx]
        } } } }
        return out
    }

    /// [channels, 1, k, k] → [k, k, channels].
    private static func tapMajor(_ w: [Float], channels: Int, kernel k: Int) -> [Float] {
        var out = [Float](repeating: 0, count: w.count)
        for c in 0..<channels { for tap in 0..<k * k { out[tap * channels + c] = w[c * k * k + tap] } }
        return out
    }

    /// What one forward pass produces.
    struct Output {
        /// The head's 1280 channels averaged over space (not yet normalised).
        var pooled: [Float]
        /// Block 4's output: height × width × 40, stride 8.
        var fine: FeatureMap
        /// Block 10's output: height × width × 112, stride 16.
        var coarse: FeatureMap
        /// ImageNet logits, when asked for.
        var logits: [Float]?
    }

    /// Runs the network on a preprocessed `height × width × 3` input.
    func forward(_ input: [Float], height: Int, width: Int, workspace: Workspace, logits wantLogits: Bool = false,
                 profile: LayerProfile? = nil) -> Output {
        workspace.reserve(height: height, width: width)
        return input.withUnsafeBufferPointer { inputPointer in
            let a = workspace.a, b = workspace.b, c = workspace.c
            // Stem: im2col into `b`, GEMM into `a`.
            let (h0, w0) = profile.measure(.stem, multiplyAdds: 0) {
                Kernels.im2col(inputPointer.baseAddress!, height: height, width: width, channels: 3, kernel: 3, stride: 2, output: b)
            }
            profile.measure(.stem, multiplyAdds: h0 * w0 * 27 * Architecture.stemChannels) {
                stem.run(b, pixels: h0 * w0, output: a, relu6: true)
            }
            var current = a, spare = c
            var h = h0, w = w0
            var fine = FeatureMap.empty, coarse = FeatureMap.empty
            for (index, block) in blocks.enumerated() {
                let spec = block.spec
                let (outH, _) = Architecture.samePadding(size: h, kernel: spec.kernel, stride: spec.stride)
                let (outW, _) = Architecture.samePadding(size: w, kernel: spec.kernel, stride: spec.stride)
                if let expand = block.expand, h * w * spec.expanded * MemoryLayout<Float>.size > Self.rowFusionAbove {
                    // A large expansion never exists whole: its rows go through a ring of
                    // `kernel` rows in `b`, each made just before the depthwise rows need it.
                    expandAndDepthwiseByRows(block, expand: expand, input: current, height: h, width: w, ring: b,
                                             output: workspace.d, profile: profile)
                } else {
                    // Expand into `b` (or read `current` directly when there is no expansion).
                    var expanded = UnsafePointer(current)
                    if let expand = block.expand {
                        profile.measure(.expand, multiplyAdds: h * w * expand.input * expand.output) {
                            expand.run(current, pixels: h * w, output: b, relu6: true)
                        }
                        expanded = UnsafePointer(b)
                    }
                    profile.measure(.depthwise, multiplyAdds: outH * outW * spec.expanded * spec.kernel * spec.kernel) {
                        block.depthwise.weight.withUnsafeBufferPointer { weight in
                            block.depthwise.bias.withUnsafeBufferPointer { bias in
                                Kernels.depthwise(expanded, height: h, width: w, channels: spec.expanded, kernel: spec.kernel,
                                                  stride: spec.stride, weights: weight.baseAddress!, bias: bias.baseAddress!, output: workspace.d)
                            }
                        }
                    }
                }
                // Project into `spare`, the residual added with the bias.
                profile.measure(.project, multiplyAdds: outH * outW * block.project.input * block.project.output) {
                    block.project.run(workspace.d, pixels: outH * outW, output: spare, relu6: false,
                                      residual: spec.hasResidual ? UnsafePointer(current) : nil)
                }
                swap(&current, &spare)
                h = outH
                w = outW
                if index == Architecture.fineTap {
                    fine = profile.measure(.taps, multiplyAdds: 0) { FeatureMap(copying: current, height: h, width: w, channels: spec.output) }
                }
                if index == Architecture.coarseTap {
                    coarse = profile.measure(.taps, multiplyAdds: 0) { FeatureMap(copying: current, height: h, width: w, channels: spec.output) }
                }
            }
            // Head and global average pooling.
            let pooled = profile.measure(.head, multiplyAdds: h * w * head.input * head.output) {
                head.run(current, pixels: h * w, output: b, relu6: true)
                var pooled = [Float](repeating: 0, count: Architecture.headChannels)
                for p in 0..<h * w {
                    let row = b + p * Architecture.headChannels
                    for ch in 0..<Architecture.headChannels { pooled[ch] += row[ch] }
                }
                let scale = 1 / Float(h * w)
                for ch in 0..<Architecture.headChannels { pooled[ch] *= scale }
                return pooled
            }
            var logits: [Float]?
            if wantLogits {
                var out = [Float](repeating: 0, count: Architecture.classes)
                pooled.withUnsafeBufferPointer { p in
                    out.withUnsafeMutableBufferPointer { o in classifier.run(p.baseAddress!, pixels: 1, output: o.baseAddress!, relu6: false) }
                }
                logits = out
            }
            return Output(pooled: pooled, fine: fine, coarse: coarse, logits: logits)
        }
    }

    /// Expansions larger than this (bytes) are made row by row into a ring of `kernel`
    /// rows instead of whole: block 1's 112 × 112 × 96 floats (4.8 MB) would otherwise go
    /// out to L3 and back between the expansion and the depthwise convolution.
    static let rowFusionAbove = 512 * 1024

    /// Expand and depthwise of one block, a row at a time: output row `oy` reads input
    /// rows `oy·stride − padTop …+ kernel − 1`; each is expanded into ring slot
    /// `row mod kernel` just before the first output row that needs it (the slot's
    /// previous row is no longer needed by then). The slots are zero-padded rows (the
    /// SAME padding written out) and rows outside the image are a row of zeros, so every
    /// output pixel takes the depthwise kernel's unrolled path.
    private func expandAndDepthwiseByRows(_ block: Block, expand: Pointwise, input: UnsafeMutablePointer<Float>, height h: Int, width w: Int,
                                          ring: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, profile: LayerProfile?) {
        let spec = block.spec, k = spec.kernel, channels = spec.expanded
        let (outH, padTop) = Architecture.samePadding(size: h, kernel: k, stride: spec.stride)
        let (outW, padLeft) = Architecture.samePadding(size: w, kernel: k, stride: spec.stride)
        let padded = w + max((outW - 1) * spec.stride + k - w, 0)
        let rowFloats = padded * channels
        // k slots and one row of zeros; the pads are never written after this.
        ring.update(repeating: 0, count: (k + 1) * rowFloats)
        let zeros = UnsafePointer(ring + k * rowFloats)
        var made = -1
        var rows = [UnsafePointer<Float>?](repeating: nil, count: k)
        block.depthwise.weight.withUnsafeBufferPointer { weight in
            block.depthwise.bias.withUnsafeBufferPointer { bias in
                rows.withUnsafeMutableBufferPointer { rows in
                    for oy in 0..<outH {
                        let first = oy * spec.stride - padTop
                        let last = min(h - 1, first + k - 1)
                        if made < last {
                            profile.measure(.expand, multiplyAdds: (last - made) * w * expand.input * expand.output) {
                                while made < last {
                                    made += 1
                                    expand.run(input + made * w * expand.input, pixels: w,
                                               output: ring + (made % k) * rowFloats + padLeft * channels, relu6: true)
                                }
                            }
                        }
                        for ky in 0..<k {
                            let y = first + ky
                            rows[ky] = y >= 0 && y < h ? UnsafePointer(ring + (y % k) * rowFloats) : zeros
                        }
                        profile.measure(.depthwise, multiplyAdds: outW * channels * k * k) {
                            Kernels.depthwiseRow(rows.baseAddress!, width: padded, channels: channels, kernel: k, stride: spec.stride, padLeft: 0,
                                                 outWidth: outW, weights: weight.baseAddress!, bias: bias.baseAddress!, output: output + oy * outW * channels)
                        }
                    }
                }
            }
        }
    }
}
