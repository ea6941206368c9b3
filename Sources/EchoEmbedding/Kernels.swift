internal import CEchoBLAS
internal import CEchoKernels

/// The numeric kernels of the backbone, on channels-last (HWC) float buffers.
/// Callers pass buffers of the right sizes; these loops do no bounds checks.
enum Kernels {
    /// Pixels per BLAS GEMM call: small enough that a tile's output is still in cache when
    /// the bias and clamp pass runs over it. (64 to the whole image measured within noise
    /// of each other on one thread here; 256 was as fast as any.)
    static let pointwiseTile = 256

    /// Whether 1×1 convolutions run on Echo's own AVX-512 GEMM (else BLAS).
    static let ownPointwise = echo_pointwise_available() != 0

    /// `output[m × n] = input[m × k] · Wᵀ + bias (+ residual)`, then ReLU6 if `clamp`:
    /// a 1×1 convolution over `m` pixels. On Echo's own kernel everything after the
    /// products happens as each tile is stored; on BLAS, in one pass over each tile while
    /// it is still in cache.
    static func pointwise(
        _ input: UnsafePointer<Float>, pixels m: Int, inputChannels k: Int,
        weights: PointwiseWeights, bias: UnsafePointer<Float>, outputChannels n: Int,
        output: UnsafeMutablePointer<Float>, relu6 clamp: Bool, residual: UnsafePointer<Float>? = nil
    ) {
        switch weights {
        case .panels(let packed):
            let scratchCount = Int(echo_pointwise_scratch_count(Int32(k), Int32(n)))
            withUnsafeTemporaryAllocation(of: Float.self, capacity: scratchCount) { scratch in
                packed.withUnsafeBufferPointer { panels in
                    // Only fails without AVX-512F, which `ownPointwise` ruled out when packing.
                    let status = echo_pointwise(input, Int64(m), Int32(k), panels.baseAddress!, bias, Int32(n), residual,
                                                clamp ? 1 : 0, output, scratch.baseAddress!)
                    precondition(status == 0, "echo_pointwise refused weights it packed")
                }
            }
        case .rows(let rows):
            rows.withUnsafeBufferPointer { weights in
                var start = 0
                while start < m {
                    let count = min(pointwiseTile, m - start)
                    echo_sgemm_abt(Int32(count), Int32(n), Int32(k), input + start * k, weights.baseAddress!, 0, output + start * n)
                    if let residual {
                        for p in start..<start + count {
                            let row = output + p * n, added = residual + p * n
                            for c in 0..<n { row[c] += bias[c] + added[c] }
                        }
                        if clamp { for i in start * n..<(start + count) * n { output[i] = min(max(output[i], 0), 6) } }
                    } else {
                        addBias(output + start * n, pixels: count, channels: n, bias: bias, relu6: clamp)
                    }
                    start += count
                }
            }
        }
    }

    /// Adds a per-channel bias to every pixel, then clamps to [0, 6] if `relu6`.
    /// Plain loops over contiguous floats, which the compiler vectorises.
    static func addBias(_ buffer: UnsafeMutablePointer<Float>, pixels: Int, channels: Int, bias: UnsafePointer<Float>, relu6: Bool) {
        for p in 0..<pixels {
            let row = buffer + p * channels
            if relu6 {
                for c in 0..<channels { row[c] = min(max(row[c] + bias[c], 0), 6) }
            } else {
                for c in 0..<channels { row[c] += bias[c] }
            }
        }
    }

    /// Depthwise k×k convolution with stride `s` and SAME padding, plus bias and ReLU6.
    /// `weights` are tap-major: `k·k × channels`.
    ///
    /// In C (`echo_depthwise_relu6`): four output pixels × one vector of channels gather
    /// every tap in registers and are written once, the bias and the clamp fused; the
    /// AVX-512, AVX2+FMA or portable build of it is chosen at the first call.
    static func depthwise(
        _ input: UnsafePointer<Float>, height: Int, width: Int, channels c: Int,
        kernel k: Int, stride s: Int, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        output: UnsafeMutablePointer<Float>
    ) {
        let (outHeight, padTop) = Architecture.samePadding(size: height, kernel: k, stride: s)
        let (outWidth, padLeft) = Architecture.samePadding(size: width, kernel: k, stride: s)
        echo_depthwise_relu6(input, Int32(height), Int32(width), Int32(c), Int32(k), Int32(s), Int32(padTop), Int32(padLeft),
                             Int32(outHeight), Int32(outWidth), weights, bias, output)
    }

    /// One output row of `depthwise` from the `kernel` input rows it reads (nil outside
    /// the image), each `width × channels`; writes `outWidth × channels` to `output`.
    static func depthwiseRow(
        _ rows: UnsafePointer<UnsafePointer<Float>?>, width: Int, channels c: Int, kernel k: Int, stride s: Int,
        padLeft: Int, outWidth: Int, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>
    ) {
        echo_depthwise_relu6_row(rows, Int32(width), Int32(c), Int32(k), Int32(s), Int32(padLeft), Int32(outWidth), weights, bias, output)
    }

    /// `depthwise` through one build of the kernel (0 portable, 1 AVX2+FMA, 2 AVX-512);
    /// false when this CPU cannot run it. For tests.
    static func depthwise(
        variant: Int32, _ input: UnsafePointer<Float>, height: Int, width: Int, channels c: Int,
        kernel k: Int, stride s: Int, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        output: UnsafeMutablePointer<Float>
    ) -> Bool {
        let (outHeight, padTop) = Architecture.samePadding(size: height, kernel: k, stride: s)
        let (outWidth, padLeft) = Architecture.samePadding(size: width, kernel: k, stride: s)
        return echo_depthwise_relu6_variant(variant, input, Int32(height), Int32(width), Int32(c), Int32(k), Int32(s), Int32(padTop),
                                            Int32(padLeft), Int32(outHeight), Int32(outWidth), weights, bias, output) == 0
    }

    /// The depthwise kernel's build this CPU runs ("avx512f", "avx2+fma" or "portable").
    static var depthwiseVariant: String { String(cString: echo_depthwise_variant()) }

    /// Lays out the k×k patches of a `channels`-channel image as rows of
    /// `k·k·channels` values (ky, kx, channel order), with SAME padding, for a dense
    /// convolution by GEMM. Returns the output height and width.
    static func im2col(
        _ input: UnsafePointer<Float>, height: Int, width: Int, channels: Int, kernel k: Int, stride s: Int,
        output: UnsafeMutablePointer<Float>
    ) -> (height: Int, width: Int) {
        let (outHeight, padTop) = Architecture.samePadding(size: height, kernel: k, stride: s)
        let (outWidth, padLeft) = Architecture.samePadding(size: width, kernel: k, stride: s)
        echo_im2col(input, Int32(height), Int32(width), Int32(channels), Int32(k), Int32(s), Int32(padTop), Int32(padLeft),
                    Int32(outHeight), Int32(outWidth), output)
        return (outHeight, outWidth)
    }

}

/// A 1×1 convolution's weights in the layout its kernel reads.
enum PointwiseWeights: Sendable {
    /// 32-channel panels for `echo_pointwise` (Echo's AVX-512 GEMM).
    case panels([Float])
    /// `outputs × inputs` rows for BLAS.
    case rows([Float])

    /// Packs `weight` (`outputs × inputs`) for the kernel this CPU runs.
    init(_ weight: [Float], inputs: Int, outputs: Int) {
        guard Kernels.ownPointwise else {
            self = .rows(weight)
            return
        }
        var packed = [Float](repeating: 0, count: Int(echo_pointwise_packed_count(Int32(inputs), Int32(outputs))))
        weight.withUnsafeBufferPointer { w in
            packed.withUnsafeMutableBufferPointer { echo_pointwise_pack(w.baseAddress!, Int32(inputs), Int32(outputs), $0.baseAddress!) }
        }
        self = .panels(packed)
    }
}
