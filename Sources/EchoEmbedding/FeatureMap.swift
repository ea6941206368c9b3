/// A channels-last feature map: `height × width` positions of `channels` floats.
struct FeatureMap: Sendable {
    var height: Int
    var width: Int
    var channels: Int
    var values: [Float]

    static let empty = FeatureMap(height: 0, width: 0, channels: 0, values: [])

    init(height: Int, width: Int, channels: Int, values: [Float]) {
        self.height = height
        self.width = width
        self.channels = channels
        self.values = values
    }

    init(copying pointer: UnsafeMutablePointer<Float>, height: Int, width: Int, channels: Int) {
        self.init(height: height, width: width, channels: channels,
                  values: Array(UnsafeBufferPointer(start: pointer, count: height * width * channels)))
    }

    /// The mean over each 3×3 neighbourhood (stride 1) with zero padding: every position
    /// is divided by 9, so border positions, whose neighbourhood runs off the map, are
    /// damped (PyTorch's `avg_pool2d(3, 1, 1)` with its default `count_include_pad=True`,
    /// as PatchCore aggregates features). Border patches differ most between two crops of
    /// the same product; damping them measured better than averaging only what exists.
    func averagePooled3x3() -> FeatureMap {
        var out = [Float](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { destination in
                for y in 0..<height {
                    for x in 0..<width {
                        let target = (y * width + x) * channels
                        for ny in max(0, y - 1)...min(height - 1, y + 1) {
                            for nx in max(0, x - 1)...min(width - 1, x + 1) {
                                let from = (ny * width + nx) * channels
                                for c in 0..<channels { destination[target + c] += source[from + c] }
                            }
                        }
                        for c in 0..<channels { destination[target + c] *= 1 / 9 }
                    }
                }
            }
        }
        return FeatureMap(height: height, width: width, channels: channels, values: out)
    }

    /// Bilinear resampling to `height × width`, half-pixel centres, edges clamped
    /// (PyTorch's `align_corners=False`).
    func upsampled(toHeight targetHeight: Int, width targetWidth: Int) -> FeatureMap {
        func taps(_ n: Int, _ target: Int) -> [(Int, Int, Float)] {
            (0..<target).map { i in
                let source = min(max((Float(i) + 0.5) * Float(n) / Float(target) - 0.5, 0), Float(n - 1))
                let low = Int(source), high = min(low + 1, n - 1)
                return (low, high, source - Float(low))
            }
        }
        let rows = taps(height, targetHeight), columns = taps(width, targetWidth)
        var out = [Float](repeating: 0, count: targetHeight * targetWidth * channels)
        for (y, (y0, y1, fy)) in rows.enumerated() {
            for (x, (x0, x1, fx)) in columns.enumerated() {
                let target = (y * targetWidth + x) * channels
                let p00 = (y0 * width + x0) * channels, p01 = (y0 * width + x1) * channels
                let p10 = (y1 * width + x0) * channels, p11 = (y1 * width + x1) * channels
                for c in 0..<channels {
                    let top = values[p00 + c] * (1 - fx) + values[p01 + c] * fx
                    let bottom = values[p10 + c] * (1 - fx) + values[p11 + c] * fx
                    out[target + c] = top * (1 - fy) + bottom * fy
                }
            }
        }
        return FeatureMap(height: targetHeight, width: targetWidth, channels: channels, values: out)
    }
}
