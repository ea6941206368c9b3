import Foundation

/// Patch-level anomaly scores on a grid (row-major), with the operations the vision
/// expert needs: smoothing, the peak and where it is, and upsampling to the image.
public struct AnomalyMap: Sendable, Codable, Equatable {
    public let width: Int
    public let height: Int
    public let values: [Float]

    public init(width: Int, height: Int, values: [Float]) {
        precondition(values.count == width * height, "an anomaly map needs width × height values")
        self.width = width
        self.height = height
        self.values = values
    }

    /// The median value (the mean of the two middle ones for an even count).
    public var median: Float {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// A separable Gaussian blur with standard deviation `sigma` (in grid cells),
    /// edges clamped.
    public func smoothed(sigma: Float) -> AnomalyMap {
        guard sigma > 0 else { return self }
        let radius = max(1, Int((3 * sigma).rounded(.up)))
        var kernel: [Float] = []
        for offset in -radius...radius {
            let distance = Float(offset)
            kernel.append(Float(exp(Double(-0.5 * distance * distance / (sigma * sigma)))))
        }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        func blur(_ input: [Float], alongRows: Bool) -> [Float] {
            var output = [Float](repeating: 0, count: input.count)
            for y in 0..<height {
                for x in 0..<width {
                    var sum: Float = 0
                    for (offset, weight) in zip(-radius...radius, kernel) {
                        let sx = alongRows ? min(max(x + offset, 0), width - 1) : x
                        let sy = alongRows ? y : min(max(y + offset, 0), height - 1)
                        sum += weight * input[sy * width + sx]
                    }
                    output[y * width + x] = sum
                }
            }
            return output
        }
        return AnomalyMap(width: width, height: height, values: blur(blur(values, alongRows: true), alongRows: false))
    }

    /// The largest score.
    public var maximum: Float { values.max() ?? 0 }

    /// The grid cell of the largest score.
    public var peak: (x: Int, y: Int) {
        let index = values.indices.max { values[$0] < values[$1] } ?? 0
        return (index % width, index / width)
    }

    /// Where the peak is, in words a person uses: "top left", "center", "bottom", ...
    public var peakRegion: String {
        let (x, y) = peak
        let column = ["left", "center", "right"][min(2, 3 * x / width)]
        let row = ["top", "middle", "bottom"][min(2, 3 * y / height)]
        switch (row, column) {
        case ("middle", "center"): return "center"
        case ("middle", _): return "middle \(column)"
        case (_, "center"): return row
        default: return "\(row) \(column)"
        }
    }

    /// Bilinear upsampling to `targetWidth × targetHeight` (cell centres at half-integers).
    public func upsampled(toWidth targetWidth: Int, height targetHeight: Int) -> [Float] {
        func taps(_ n: Int, _ target: Int) -> [(Int, Int, Float)] {
            (0..<target).map { i in
                let source = min(max((Float(i) + 0.5) * Float(n) / Float(target) - 0.5, 0), Float(n - 1))
                let low = Int(source)
                return (low, min(low + 1, n - 1), source - Float(low))
            }
        }
        let rows = taps(height, targetHeight), columns = taps(width, targetWidth)
        var out = [Float](repeating: 0, count: targetWidth * targetHeight)
        for (y, (y0, y1, fy)) in rows.enumerated() {
            for (x, (x0, x1, fx)) in columns.enumerated() {
                let top = values[y0 * width + x0] * (1 - fx) + values[y0 * width + x1] * fx
                let bottom = values[y1 * width + x0] * (1 - fx) + values[y1 * width + x1] * fx
                out[y * targetWidth + x] = top * (1 - fy) + bottom * fy
            }
        }
        return out
    }
}
