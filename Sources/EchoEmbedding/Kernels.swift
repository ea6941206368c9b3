import CEchoBLAS

/// The numeric kernels of the backbone, on channels-last (HWC) float buffers.
/// Callers pass buffers of the right sizes; these loops do no bounds checks.
enum Kernels {
    /// `output[m × n] = input[m × k] · weights[n × k]ᵀ + bias`, then ReLU6 if `clamp`.
    /// A 1×1 convolution over `m` pixels.
    static func pointwise(
        _ input: UnsafePointer<Float>, pixels m: Int, inputChannels k: Int,
        weights: UnsafePointer<Float>, bias: UnsafePointer<Float>, outputChannels n: Int,
        output: UnsafeMutablePointer<Float>, relu6 clamp: Bool
    ) {
        echo_sgemm_abt(Int32(m), Int32(n), Int32(k), input, weights, 0, output)
        addBias(output, pixels: m, channels: n, bias: bias, relu6: clamp)
    }

    /// Adds a per-channel bias to every pixel, then clamps to [0, 6] if `relu6`.
    static func addBias(_ buffer: UnsafeMutablePointer<Float>, pixels: Int, channels: Int, bias: UnsafePointer<Float>, relu6: Bool) {
        let lower = SIMD8<Float>(repeating: 0), upper = SIMD8<Float>(repeating: 6)
        let vectorChannels = channels & ~7
        for p in 0..<pixels {
            let row = buffer + p * channels
            var c = 0
            while c < vectorChannels {
                var v = load8(row + c) + load8(bias + c)
                if relu6 { v = v.clamped(lowerBound: lower, upperBound: upper) }
                store8(v, row + c)
                c += 8
            }
            while c < channels {
                let v = row[c] + bias[c]
                row[c] = relu6 ? min(max(v, 0), 6) : v
                c += 1
            }
        }
    }

    /// Depthwise k×k convolution with stride `s` and SAME padding, plus bias and ReLU6.
    /// `weights` are tap-major: `k·k × channels`. `channels` must be a multiple of 8.
    static func depthwise(
        _ input: UnsafePointer<Float>, height: Int, width: Int, channels c: Int,
        kernel k: Int, stride s: Int, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        output: UnsafeMutablePointer<Float>
    ) {
        let (outHeight, padTop) = Architecture.samePadding(size: height, kernel: k, stride: s)
        let (outWidth, padLeft) = Architecture.samePadding(size: width, kernel: k, stride: s)
        let lower = SIMD8<Float>(repeating: 0), upper = SIMD8<Float>(repeating: 6)
        for oy in 0..<outHeight {
            let y0 = oy * s - padTop
            let kyStart = max(0, -y0), kyEnd = min(k, height - y0)
            for ox in 0..<outWidth {
                let x0 = ox * s - padLeft
                let kxStart = max(0, -x0), kxEnd = min(k, width - x0)
                let out = output + (oy * outWidth + ox) * c
                var channel = 0
                while channel < c {
                    var accumulator = load8(bias + channel)
                    for ky in kyStart..<kyEnd {
                        let row = input + ((y0 + ky) * width + x0) * c + channel
                        let tapRow = weights + (ky * k) * c + channel
                        for kx in kxStart..<kxEnd {
                            // Multiply then add (not fused): a fused multiply-add on SIMD
                            // types becomes a libm call per lane on baseline x86-64.
                            accumulator += load8(row + kx * c) * load8(tapRow + kx * c)
                        }
                    }
                    store8(accumulator.clamped(lowerBound: lower, upperBound: upper), out + channel)
                    channel += 8
                }
            }
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

    @inline(__always)
    static func load8(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func load8(_ pointer: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func store8(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
    }
}

