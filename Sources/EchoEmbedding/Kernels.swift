internal import CEchoBLAS

/// The numeric kernels of the backbone, on channels-last (HWC) float buffers.
/// Callers pass buffers of the right sizes; these loops do no bounds checks.
enum Kernels {
    /// Pixels per GEMM call: small enough that a tile's output is still in cache when
    /// the bias and clamp pass runs over it.
    static let pointwiseTile = 256

    /// `output[m × n] = input[m × k] · weights[n × k]ᵀ + bias`, then ReLU6 if `clamp`.
    /// A 1×1 convolution over `m` pixels.
    static func pointwise(
        _ input: UnsafePointer<Float>, pixels m: Int, inputChannels k: Int,
        weights: UnsafePointer<Float>, bias: UnsafePointer<Float>, outputChannels n: Int,
        output: UnsafeMutablePointer<Float>, relu6 clamp: Bool
    ) {
        var start = 0
        while start < m {
            let rows = min(pointwiseTile, m - start)
            echo_sgemm_abt(Int32(rows), Int32(n), Int32(k), input + start * k, weights, 0, output + start * n)
            addBias(output + start * n, pixels: rows, channels: n, bias: bias, relu6: clamp)
            start += rows
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
    /// One output row at a time: the row starts as the bias, each tap adds its shifted
    /// input row times its weights (a contiguous multiply-add over channels that the
    /// compiler vectorises; the row stays in L1), then the row is clamped. Border taps
    /// are handled by narrowing the range of output columns, never inside the loop.
    static func depthwise(
        _ input: UnsafePointer<Float>, height: Int, width: Int, channels c: Int,
        kernel k: Int, stride s: Int, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        output: UnsafeMutablePointer<Float>
    ) {
        let (outHeight, padTop) = Architecture.samePadding(size: height, kernel: k, stride: s)
        let (outWidth, padLeft) = Architecture.samePadding(size: width, kernel: k, stride: s)
        // For each kx, the output columns whose input column ox·s − padLeft + kx is inside.
        var columnRanges: [(start: Int, end: Int)] = []
        for kx in 0..<k {
            let start = max(0, (padLeft - kx + s - 1) / s)
            let end = min(outWidth, (width - 1 + padLeft - kx) / s + 1)
            columnRanges.append((start, max(start, end)))
        }
        for oy in 0..<outHeight {
            let outRow = output + oy * outWidth * c
            for ox in 0..<outWidth { (outRow + ox * c).update(from: bias, count: c) }
            let y0 = oy * s - padTop
            for ky in max(0, -y0)..<min(k, height - y0) {
                let inRow = input + (y0 + ky) * width * c
                for kx in 0..<k {
                    let tap = weights + (ky * k + kx) * c
                    let (start, end) = columnRanges[kx]
                    for ox in start..<end {
                        let source = inRow + (ox * s - padLeft + kx) * c
                        let destination = outRow + ox * c
                        for channel in 0..<c { destination[channel] += source[channel] * tap[channel] }
                    }
                }
            }
            let count = outWidth * c
            for i in 0..<count { outRow[i] = min(max(outRow[i], 0), 6) }
        }
    }

    /// Lays out the k×k patches of a `channels`-channel image as rows of
    /// `k·k·channels` values (ky, kx, channel order), with SAME padding, for a dense
    /// convolution by GEMM. Returns the output height and width.
    static func im2col(
        _ input: UnsafePointer<Float>, height: Int, width: Int, channels: Int, kernel k: Int, stride s: Int,
        output: UnsafeMutablePointer<Float>
    ) -> (height: Int, width: Int) {
        let (outHeight, padTop) = Architecture.samePadding(size: height, kernel: k, stride: s)
        let (outWidth, padLeft) = Architecture.samePadding(size: width, kernel: k, stride: s)
        let rowLength = k * k * channels
        for oy in 0..<outHeight {
            for ox in 0..<outWidth {
                let row = output + (oy * outWidth + ox) * rowLength
                for ky in 0..<k {
                    let y = oy * s - padTop + ky
                    for kx in 0..<k {
                        let x = ox * s - padLeft + kx
                        let destination = row + (ky * k + kx) * channels
                        if y >= 0, y < height, x >= 0, x < width {
                            destination.update(from: input + (y * width + x) * channels, count: channels)
                        } else {
                            destination.update(repeating: 0, count: channels)
                        }
                    }
                }
            }
        }
        return (outHeight, outWidth)
    }
}
