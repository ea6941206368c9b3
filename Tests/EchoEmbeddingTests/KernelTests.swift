import Foundation
import Testing
@testable import EchoEmbedding

/// The backbone's C kernels against direct loops written from the definitions.
@Suite("Backbone kernels")
struct KernelTests {
    /// A depthwise convolution straight from its definition (double accumulation, every
    /// tap bounds-checked), SAME padding, bias, ReLU6.
    static func directDepthwise(_ input: [Float], height: Int, width: Int, channels: Int, kernel k: Int, stride s: Int,
                                weights: [Float], bias: [Float]) -> [Float] {
        let (outHeight, top) = Architecture.samePadding(size: height, kernel: k, stride: s)
        let (outWidth, left) = Architecture.samePadding(size: width, kernel: k, stride: s)
        var output = [Float](repeating: 0, count: outHeight * outWidth * channels)
        for oy in 0..<outHeight { for ox in 0..<outWidth { for c in 0..<channels {
            var sum = Double(bias[c])
            for ky in 0..<k { for kx in 0..<k {
                let y = oy * s - top + ky, x = ox * s - left + kx
                guard y >= 0, y < height, x >= 0, x < width else { continue }
                sum += Double(input[(y * width + x) * channels + c]) * Double(weights[(ky * k + kx) * channels + c])
            } }
            output[(oy * outWidth + ox) * channels + c] = Float(min(max(sum, 0), 6))
        } } }
        return output
    }

    /// Lite0's own shapes, and odd ones: channel counts that are no multiple of a vector,
    /// images narrower than four pixels or than the kernel, one pixel.
    static let shapes: [(height: Int, width: Int, channels: Int, kernel: Int)] = [
        (28, 28, 144, 3), (14, 14, 240, 5), (7, 7, 1152, 5), (9, 13, 20, 3), (5, 6, 37, 5), (3, 3, 16, 5), (1, 1, 8, 3), (2, 7, 33, 5),
    ]

    @Test("every build of the depthwise kernel the CPU runs equals the definition at stride 1 and 2 on every shape",
          arguments: [1, 2], [Int32(0), 1, 2])
    func depthwiseMatchesTheDefinition(stride: Int, variant: Int32) throws {
        var generator = SeededGenerator(seed: 7)
        for shape in Self.shapes {
            let input = (0..<shape.height * shape.width * shape.channels).map { _ in Float.random(in: 0...3, using: &generator) }
            let weights = (0..<shape.kernel * shape.kernel * shape.channels).map { _ in Float.random(in: -0.5...0.5, using: &generator) }
            let bias = (0..<shape.channels).map { _ in Float.random(in: -0.5...0.5, using: &generator) }
            let expected = Self.directDepthwise(input, height: shape.height, width: shape.width, channels: shape.channels,
                                                kernel: shape.kernel, stride: stride, weights: weights, bias: bias)
            var output = [Float](repeating: .nan, count: expected.count)
            var ran = false
            input.withUnsafeBufferPointer { i in weights.withUnsafeBufferPointer { w in bias.withUnsafeBufferPointer { b in
                output.withUnsafeMutableBufferPointer { o in
                    ran = Kernels.depthwise(variant: variant, i.baseAddress!, height: shape.height, width: shape.width, channels: shape.channels,
                                            kernel: shape.kernel, stride: stride, weights: w.baseAddress!, bias: b.baseAddress!, output: o.baseAddress!)
                }
            } } }
            // The portable build runs everywhere; the others wherever /proc/cpuinfo lists
            // what they need (a refusal on such a CPU is a failure, not a skip).
            guard ran else {
                #expect(!Self.cpuHas(variant: variant), "variant \(variant) refused on a CPU that has its instructions")
                return
            }
            let worst = zip(output, expected).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-4, "\(shape) stride \(stride): largest difference \(worst)")
            #expect(output.allSatisfy { (0...6).contains($0) }, "\(shape): every output written and clamped")
        }
    }

    /// Both layouts of a 1×1 convolution's weights: BLAS rows, and Echo's AVX-512 panels
    /// wherever the CPU has AVX-512F.
    static func layouts(_ weights: [Float], inputs: Int, outputs: Int) -> [PointwiseWeights] {
        var layouts: [PointwiseWeights] = [.rows(weights)]
        if Kernels.ownPointwise { layouts.append(PointwiseWeights(weights, inputs: inputs, outputs: outputs)) }
        return layouts
    }

    @Test("a 1×1 convolution equals its definition with and without ReLU6 and a residual, on both kernels",
          arguments: [(301, 24, 40), (300, 16, 96), (7, 37, 5), (1, 1280, 1000), (49, 320, 1280)])
    func pointwiseMatchesTheDefinition(pixels: Int, inputs: Int, outputs: Int) {
        var generator = SeededGenerator(seed: 11)
        let input = (0..<pixels * inputs).map { _ in Float.random(in: -1...1, using: &generator) }
        let weights = (0..<outputs * inputs).map { _ in Float.random(in: -0.5...0.5, using: &generator) }
        let bias = (0..<outputs).map { _ in Float.random(in: -1...1, using: &generator) }
        let residual = (0..<pixels * outputs).map { _ in Float.random(in: -1...1, using: &generator) }
        #expect(Kernels.ownPointwise == Self.cpuHas(variant: 2), "Echo's GEMM runs exactly where AVX-512F is")
        for layout in Self.layouts(weights, inputs: inputs, outputs: outputs) {
            for (clamp, withResidual) in [(false, false), (true, false), (false, true), (true, true)] {
                var output = [Float](repeating: .nan, count: pixels * outputs)
                input.withUnsafeBufferPointer { i in bias.withUnsafeBufferPointer { b in residual.withUnsafeBufferPointer { r in
                    output.withUnsafeMutableBufferPointer { o in
                        Kernels.pointwise(i.baseAddress!, pixels: pixels, inputChannels: inputs, weights: layout, bias: b.baseAddress!,
                                          outputChannels: outputs, output: o.baseAddress!, relu6: clamp,
                                          residual: withResidual ? r.baseAddress! : nil)
                    }
                } } }
                var worst: Float = 0
                for p in 0..<pixels { for o in 0..<outputs {
                    var sum = Double(bias[o]) + (withResidual ? Double(residual[p * outputs + o]) : 0)
                    for i in 0..<inputs { sum += Double(input[p * inputs + i]) * Double(weights[o * inputs + i]) }
                    if clamp { sum = min(max(sum, 0), 6) }
                    worst = max(worst, abs(output[p * outputs + o] - Float(sum)))
                } }
                #expect(worst <= 1e-4, "\(layout.name) relu6 \(clamp) residual \(withResidual): largest difference \(worst)")
            }
        }
    }

    @Test("im2col lays out every k×k patch in (ky, kx, channel) order with zeros outside", arguments: [1, 2])
    func im2colMatchesTheDefinition(stride: Int) {
        let height = 5, width = 7, channels = 3, k = 3
        let input = (0..<height * width * channels).map { Float($0 + 1) }
        let (outHeight, top) = Architecture.samePadding(size: height, kernel: k, stride: stride)
        let (outWidth, left) = Architecture.samePadding(size: width, kernel: k, stride: stride)
        var output = [Float](repeating: .nan, count: outHeight * outWidth * k * k * channels)
        let shape = input.withUnsafeBufferPointer { i in
            output.withUnsafeMutableBufferPointer { o in
                Kernels.im2col(i.baseAddress!, height: height, width: width, channels: channels, kernel: k, stride: stride, output: o.baseAddress!)
            }
        }
        #expect(shape.height == outHeight && shape.width == outWidth)
        var expected: [Float] = []
        for oy in 0..<outHeight { for ox in 0..<outWidth { for ky in 0..<k { for kx in 0..<k { for c in 0..<channels {
            let y = oy * stride - top + ky, x = ox * stride - left + kx
            expected.append(y >= 0 && y < height && x >= 0 && x < width ? input[(y * width + x) * channels + c] : 0)
        } } } } }
        #expect(output == expected)
    }

    /// The patch recipe straight from its definition, in the definition's order of
    /// arithmetic: 3×3 means with zero padding (÷ 9), bilinear upsampling with half-pixel
    /// centres and clamped edges, concatenation.
    static func directPatchGrid(fine: FeatureMap, coarse: FeatureMap) -> [Float] {
        func pooled(_ map: FeatureMap) -> [Float] {
            var out = [Float](repeating: 0, count: map.values.count)
            for y in 0..<map.height { for x in 0..<map.width {
                for ny in max(0, y - 1)...min(map.height - 1, y + 1) { for nx in max(0, x - 1)...min(map.width - 1, x + 1) {
                    for c in 0..<map.channels { out[(y * map.width + x) * map.channels + c] += map.values[(ny * map.width + nx) * map.channels + c] }
                } }
                for c in 0..<map.channels { out[(y * map.width + x) * map.channels + c] *= 1 / 9 }
            } }
            return out
        }
        func taps(_ n: Int, _ target: Int, _ i: Int) -> (Int, Int, Float) {
            let source = min(max((Float(i) + 0.5) * Float(n) / Float(target) - 0.5, 0), Float(n - 1))
            let low = Int(source)
            return (low, min(low + 1, n - 1), source - Float(low))
        }
        let f = pooled(fine), c = pooled(coarse)
        var out: [Float] = []
        for y in 0..<fine.height { for x in 0..<fine.width {
            out += f[(y * fine.width + x) * fine.channels..<(y * fine.width + x + 1) * fine.channels]
            let (y0, y1, fy) = taps(coarse.height, fine.height, y), (x0, x1, fx) = taps(coarse.width, fine.width, x)
            for ch in 0..<coarse.channels {
                let at = { (yy: Int, xx: Int) in c[(yy * coarse.width + xx) * coarse.channels + ch] }
                let top = at(y0, x0) * (1 - fx) + at(y0, x1) * fx
                let bottom = at(y1, x0) * (1 - fx) + at(y1, x1) * fx
                out.append(top * (1 - fy) + bottom * fy)
            }
        } }
        return out
    }

    @Test("the patch grid is the recipe's definition, bit for bit, at Lite0's shapes and odd ones",
          arguments: [(28, 28, 40, 14, 14, 112), (5, 7, 3, 3, 4, 5), (1, 1, 2, 1, 1, 3)])
    func patchGridMatchesTheDefinition(fh: Int, fw: Int, fc: Int, ch: Int, cw: Int, cc: Int) {
        var generator = SeededGenerator(seed: 5)
        let fine = FeatureMap(height: fh, width: fw, channels: fc, values: (0..<fh * fw * fc).map { _ in Float.random(in: 0...6, using: &generator) })
        let coarse = FeatureMap(height: ch, width: cw, channels: cc, values: (0..<ch * cw * cc).map { _ in Float.random(in: -3...3, using: &generator) })
        #expect(ImageEmbedder.patchGrid(fine: fine, coarse: coarse) == Self.directPatchGrid(fine: fine, coarse: coarse))
    }

    /// Whether /proc/cpuinfo lists the instructions a build needs (read independently of
    /// the kernel's own detection).
    static func cpuHas(variant: Int32) -> Bool {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
        let flags = Set(line.split(separator: " ").map(String.init))
        switch variant {
        case 0: return true
        case 1: return flags.contains("avx2") && flags.contains("fma")
        case 2: return flags.contains("avx512f")
        default: return false
        }
    }

    @Test("the depthwise kernel names the build it runs")
    func variantIsNamed() {
        #expect(["avx512f", "avx2+fma", "portable"].contains(Kernels.depthwiseVariant))
    }
}

extension PointwiseWeights {
    var name: String {
        switch self {
        case .panels: "panels (Echo's AVX-512 GEMM)"
        case .rows: "rows (BLAS)"
        }
    }
}
