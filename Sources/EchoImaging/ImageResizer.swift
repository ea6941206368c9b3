internal import CEchoImaging

/// How `resized(toWidth:height:method:)` samples the source.
public enum ResizeMethod: String, Sendable, Codable, CaseIterable {
    /// Each output pixel is the average of the source area it covers, weighted by
    /// overlap (like OpenCV's INTER_AREA when shrinking). Alias-free for downscaling;
    /// the right choice for feeding a network from a large camera frame.
    case area
    /// Linear interpolation between the two nearest source pixels along each axis, with
    /// pixel centres at half-integers (OpenCV's INTER_LINEAR convention), no antialiasing.
    case bilinear
}

extension Image {
    /// The image resampled to `width × height`, same pixel format.
    /// - Throws: `ImagingError.invalidArgument` for a non-positive target size,
    ///   `.outOfMemory` when the intermediate rows cannot be allocated.
    public func resized(toWidth targetWidth: Int, height targetHeight: Int, method: ResizeMethod = .area) throws(ImagingError) -> Image {
        guard targetWidth > 0, targetHeight > 0 else {
            throw ImagingError(.invalidArgument, "resize target must be positive, got \(targetWidth)x\(targetHeight)")
        }
        if targetWidth == width, targetHeight == height { return self }
        let columns = ResamplingTaps(source: width, target: targetWidth, method: method)
        let rows = ResamplingTaps(source: height, target: targetHeight, method: method)
        let c = channels

        // Horizontal pass to floats, then the rows combined, rounded and clamped, in C
        // (`echo_resample`), on the taps computed here.
        var result = [UInt8](repeating: 0, count: targetHeight * targetWidth * c)
        let status = pixels.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { out in
                columns.withPointers { columnStarts, columnIndices, columnWeights in
                    rows.withPointers { rowStarts, rowIndices, rowWeights in
                        echo_resample(source.baseAddress!, Int32(width), Int32(height), Int32(c), Int32(targetWidth), Int32(targetHeight),
                                      columnStarts, columnIndices, columnWeights, rowStarts, rowIndices, rowWeights, out.baseAddress!)
                    }
                }
            }
        }
        guard status == 0 else {
            throw ImagingError(.outOfMemory, "no memory to resize a \(width)x\(height) image to \(targetWidth)x\(targetHeight)")
        }
        return try Image(width: targetWidth, height: targetHeight, format: format, pixels: result)
    }
}

/// For each output position along one axis, the source positions it reads and their
/// weights (summing to 1), stored flat.
struct ResamplingTaps {
    private(set) var starts: [Int] = []
    private(set) var indices: [Int] = []
    private(set) var weights: [Float] = []

    init(source: Int, target: Int, method: ResizeMethod) {
        let scale = Double(source) / Double(target)
        starts.reserveCapacity(target + 1)
        for position in 0..<target {
            starts.append(indices.count)
            switch method {
            case .area:
                let from = Double(position) * scale, to = Double(position + 1) * scale
                var index = Int(from.rounded(.down))
                while Double(index) < to, index < source {
                    let overlap = min(to, Double(index + 1)) - max(from, Double(index))
                    if overlap > 1e-9 { append(index, overlap / scale) }
                    index += 1
                }
            case .bilinear:
                let centre = min(max((Double(position) + 0.5) * scale - 0.5, 0), Double(source - 1))
                let low = Int(centre.rounded(.down)), high = min(low + 1, source - 1)
                let fraction = centre - Double(low)
                append(low, 1 - fraction)
                if high != low, fraction > 0 { append(high, fraction) }
            }
        }
        starts.append(indices.count)
    }

    private mutating func append(_ index: Int, _ weight: Double) {
        indices.append(index)
        weights.append(Float(weight))
    }

    /// The taps of output position `position`.
    func range(of position: Int) -> Range<Int> { starts[position]..<starts[position + 1] }

    /// The starts, indices (as the C side's int64) and weights, for `echo_resample`.
    func withPointers<T>(_ body: (UnsafePointer<Int64>, UnsafePointer<Int64>, UnsafePointer<Float>) -> T) -> T {
        let starts64 = starts.map(Int64.init), indices64 = indices.map(Int64.init)
        return starts64.withUnsafeBufferPointer { s in
            indices64.withUnsafeBufferPointer { i in
                weights.withUnsafeBufferPointer { w in body(s.baseAddress!, i.baseAddress!, w.baseAddress!) }
            }
        }
    }
}
