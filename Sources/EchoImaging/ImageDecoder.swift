internal import CEchoImaging
import Foundation

/// Decodes PNG and JPEG data into `Image`s.
///
/// Decoding is safe on hostile input: a truncated, corrupt or oversized file is an
/// `ImagingError`, never a crash, and a declared size over `maxPixels` is refused before
/// any pixel memory is allocated.
public struct ImageDecoder: Sendable {
    /// The largest `width × height` accepted (default `defaultMaxPixels`).
    public var maxPixels: Int
    /// Treat libjpeg warnings (a truncated stream that libjpeg pads with gray, bad
    /// Huffman data it skips) as errors. On by default: a damaged golden sample must not
    /// slip into a reference set.
    public var strictJPEG: Bool

    /// The one pixel limit of every entrance (CLI, HTTP, library) unless configured:
    /// 40 megapixels, well above any inspection camera, far below what would exhaust memory.
    public static let defaultMaxPixels = 40_000_000

    /// Creates a decoder with the given limits.
    public init(maxPixels: Int = ImageDecoder.defaultMaxPixels, strictJPEG: Bool = true) {
        self.maxPixels = maxPixels
        self.strictJPEG = strictJPEG
    }

    /// Decodes encoded PNG or JPEG bytes.
    /// - Throws: `ImagingError` — `.empty`, `.unsupportedFormat`, `.corrupt` (with the
    ///   codec's message), `.tooLarge`, `.outOfMemory`.
    public func decode(_ data: [UInt8]) throws(ImagingError) -> Image {
        let format = try ImageFormat.detect(data)
        var decoded = EchoDecodedImage()
        let capacity = 512
        var message = [CChar](repeating: 0, count: capacity)
        let limit = UInt64(max(0, maxPixels))
        let status = data.withUnsafeBufferPointer { bytes in
            message.withUnsafeMutableBufferPointer { text in
                switch format {
                case .png:
                    echo_png_decode(bytes.baseAddress, bytes.count, limit, &decoded, text.baseAddress, capacity)
                case .jpeg:
                    echo_jpeg_decode(bytes.baseAddress, bytes.count, limit, strictJPEG ? 1 : 0, &decoded, text.baseAddress, capacity)
                }
            }
        }
        guard status == Int32(ECHO_IMAGE_OK.rawValue) else {
            let detail = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw ImagingError(ImagingStatus.code(for: status), ImagingStatus.advice(for: status, detail))
        }
        defer { echo_image_free(decoded.pixels) }
        let width = Int(decoded.width), height = Int(decoded.height)
        guard let pixelFormat = PixelFormat(rawValue: Int(decoded.channels)) else {
            throw ImagingError(.corrupt, "decoder returned \(decoded.channels) channels")
        }
        let pixels = Array(UnsafeBufferPointer(start: decoded.pixels, count: width * height * pixelFormat.channels))
        return try Image(width: width, height: height, format: pixelFormat, pixels: pixels)
    }

    /// Reads and decodes the image file at `path`.
    /// - Throws: `ImagingError.io` when the file cannot be read; otherwise as `decode(_:)`,
    ///   with the path in the message.
    public func decodeFile(atPath path: String) throws(ImagingError) -> Image {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw ImagingError(.io, "cannot read \(path): \(error.localizedDescription)")
        }
        do {
            return try decode([UInt8](data))
        } catch {
            throw ImagingError(error.code, "\(path): \(error.message)")
        }
    }
}

/// Maps the shim's status codes to error codes and advice.
enum ImagingStatus {
    static func code(for status: Int32) -> ImagingError.Code {
        switch UInt32(status) {
        case ECHO_IMAGE_TOO_LARGE.rawValue: .tooLarge
        case ECHO_IMAGE_UNSUPPORTED.rawValue: .unsupportedFormat
        case ECHO_IMAGE_OUT_OF_MEMORY.rawValue: .outOfMemory
        case ECHO_IMAGE_INVALID_ARGUMENT.rawValue: .invalidArgument
        default: .corrupt
        }
    }

    static func advice(for status: Int32, _ detail: String) -> String {
        switch UInt32(status) {
        case ECHO_IMAGE_TOO_LARGE.rawValue: "\(detail); raise the pixel limit if the image is genuine"
        case ECHO_IMAGE_CORRUPT.rawValue: "\(detail); the file is damaged — re-export or re-capture it"
        default: detail
        }
    }

    /// The libpng and libjpeg versions linked in.
    static var libraryVersions: String { String(cString: echo_imaging_versions()) }
}

/// The native image libraries Echo is linked with.
public enum ImagingLibraries {
    /// For example "libpng 1.6.39, libjpeg-turbo 2.1.5".
    public static var versions: String { ImagingStatus.libraryVersions }
}
