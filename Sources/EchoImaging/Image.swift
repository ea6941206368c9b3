/// How an image's channels are laid out.
public enum PixelFormat: Int, Sendable, Codable, CaseIterable {
    /// One channel.
    case gray = 1
    /// Red, green, blue.
    case rgb = 3
    /// Red, green, blue, alpha (not premultiplied).
    case rgba = 4

    /// Channels per pixel.
    public var channels: Int { rawValue }
}

/// An 8-bit image: `height` rows of `width` pixels, channels interleaved, row-major.
public struct Image: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let format: PixelFormat
    /// `width × height × format.channels` bytes.
    public private(set) var pixels: [UInt8]

    /// Channels per pixel.
    public var channels: Int { format.channels }

    /// Creates an image from its pixels.
    /// - Throws: `ImagingError.invalidArgument` when a dimension is not positive or the
    ///   buffer length is not `width × height × channels`.
    public init(width: Int, height: Int, format: PixelFormat, pixels: [UInt8]) throws(ImagingError) {
        guard width > 0, height > 0 else {
            throw ImagingError(.invalidArgument, "image dimensions must be positive, got \(width)x\(height)")
        }
        let (area, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, area.multipliedReportingOverflow(by: format.channels) == (pixels.count, false) else {
            throw ImagingError(
                .invalidArgument,
                "\(pixels.count) bytes do not make a \(width)x\(height) \(format) image (\(format.channels) channels)")
        }
        self.width = width
        self.height = height
        self.format = format
        self.pixels = pixels
    }

    /// An image filled with one value per channel.
    /// - Throws: `ImagingError.invalidArgument` for bad dimensions or a `value` whose
    ///   length is not the format's channel count.
    public init(width: Int, height: Int, format: PixelFormat, filledWith value: [UInt8]) throws(ImagingError) {
        guard value.count == format.channels else {
            throw ImagingError(.invalidArgument, "fill value has \(value.count) channels, \(format) needs \(format.channels)")
        }
        guard width > 0, height > 0 else {
            throw ImagingError(.invalidArgument, "image dimensions must be positive, got \(width)x\(height)")
        }
        var pixels = [UInt8](repeating: 0, count: width * height * format.channels)
        for i in stride(from: 0, to: pixels.count, by: format.channels) {
            for c in 0..<format.channels { pixels[i + c] = value[c] }
        }
        try self.init(width: width, height: height, format: format, pixels: pixels)
    }

    /// The value of channel `channel` of the pixel at column `x`, row `y`.
    public subscript(x: Int, y: Int, channel: Int) -> UInt8 {
        get { pixels[(y * width + x) * format.channels + channel] }
        set { pixels[(y * width + x) * format.channels + channel] = newValue }
    }

    /// The same image in another pixel format: gray is replicated to RGB; RGB becomes
    /// gray by ITU-R BT.601 luma (0.299 R + 0.587 G + 0.114 B); alpha is dropped, or
    /// added as opaque.
    public func converted(to target: PixelFormat) -> Image {
        if target == format { return self }
        let count = width * height
        var out = [UInt8](repeating: 255, count: count * target.channels)
        pixels.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { destination in
                for i in 0..<count {
                    let s = i * format.channels, d = i * target.channels
                    switch (format, target) {
                    case (.gray, _):
                        for c in 0..<3 { destination[d + c] = source[s] }
                    case (_, .gray):
                        let luma = 299 * Int(source[s]) + 587 * Int(source[s + 1]) + 114 * Int(source[s + 2])
                        destination[d] = UInt8((luma + 500) / 1000)
                    default:
                        for c in 0..<3 { destination[d + c] = source[s + c] }
                    }
                }
            }
        }
        // The buffer length matches by construction.
        return try! Image(width: width, height: height, format: target, pixels: out)
    }
}
