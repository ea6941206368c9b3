internal import CEchoImaging
import Foundation

/// Encodes `Image`s as PNG (lossless; heatmaps and reports) or JPEG.
public enum ImageEncoder {
    /// PNG bytes of `image`.
    /// - Throws: `ImagingError.outOfMemory` or `.invalidArgument` from libpng.
    public static func png(_ image: Image) throws(ImagingError) -> [UInt8] {
        try encode { out, size, text, capacity in
            image.pixels.withUnsafeBufferPointer {
                echo_png_encode($0.baseAddress, UInt32(image.width), UInt32(image.height), UInt32(image.channels), out, size, text, capacity)
            }
        }
    }

    /// JPEG bytes of `image` (gray or RGB; alpha is dropped).
    /// - Parameters:
    ///   - quality: 1–100.
    ///   - progressive: write a progressive rather than a baseline file.
    /// - Throws: `ImagingError.invalidArgument` for a quality outside 1–100.
    public static func jpeg(_ image: Image, quality: Int = 90, progressive: Bool = false) throws(ImagingError) -> [UInt8] {
        let source = image.format == .rgba ? image.converted(to: .rgb) : image
        return try jpeg(pixels: source.pixels, width: source.width, height: source.height, channels: source.channels,
                        quality: quality, progressive: progressive)
    }

    /// JPEG bytes of raw 8-bit pixels with 1 (gray), 3 (RGB) or 4 (CMYK, written with an
    /// Adobe marker and stored as given) channels. CMYK is for producing test files.
    /// - Throws: `ImagingError.invalidArgument` when sizes or quality do not fit.
    public static func jpeg(pixels: [UInt8], width: Int, height: Int, channels: Int, quality: Int = 90, progressive: Bool = false) throws(ImagingError) -> [UInt8] {
        guard width > 0, height > 0, [1, 3, 4].contains(channels), pixels.count == width * height * channels else {
            throw ImagingError(.invalidArgument, "\(pixels.count) bytes are not a \(width)x\(height) image with \(channels) channels")
        }
        return try encode { out, size, text, capacity in
            pixels.withUnsafeBufferPointer {
                echo_jpeg_encode($0.baseAddress, UInt32(width), UInt32(height), UInt32(channels), Int32(clamping: quality),
                                 progressive ? 1 : 0, out, size, text, capacity)
            }
        }
    }

    /// Writes PNG bytes of `image` to `path`, atomically (temporary file, then rename).
    /// - Throws: `ImagingError.io` naming the path when writing fails.
    public static func writePNG(_ image: Image, toPath path: String) throws(ImagingError) {
        let bytes = try png(image)
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ImagingError(.io, "cannot write \(path): \(error.localizedDescription)")
        }
    }

    private static func encode(
        _ call: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, UnsafeMutablePointer<Int>, UnsafeMutablePointer<CChar>, Int) -> Int32
    ) throws(ImagingError) -> [UInt8] {
        var buffer: UnsafeMutablePointer<UInt8>?
        var size = 0
        let capacity = 512
        var message = [CChar](repeating: 0, count: capacity)
        let status = message.withUnsafeMutableBufferPointer { call(&buffer, &size, $0.baseAddress!, capacity) }
        defer { echo_image_free(buffer) }
        guard status == Int32(ECHO_IMAGE_OK.rawValue), let buffer else {
            let detail = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw ImagingError(ImagingStatus.code(for: status), detail)
        }
        return Array(UnsafeBufferPointer(start: buffer, count: size))
    }
}
