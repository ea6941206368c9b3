import EchoImaging
import EchoStore
import EchoVision
import Foundation

/// An image rendered for people (a thumbnail, a run's inspected image): PNG bytes and a
/// tag that changes whenever the bytes would (for HTTP caching).
public struct RenderedImage: Sendable {
    public let png: [UInt8]
    public let width: Int
    public let height: Int
    public let tag: String
}

extension EchoApp {
    /// The sides a rendered image may be scaled to.
    public static let renderedSides = 16...1024

    /// A golden sample's image scaled down to at most `maxSide` pixels on its longer side,
    /// as PNG; its tag is the image's SHA-256 and the side.
    /// - Throws: `invalid_parameter` for a side outside `renderedSides`; `unknown_reference`;
    ///   `bad_image` when the stored image no longer decodes; `database_unavailable`,
    ///   `store_failed`.
    public func referenceThumbnail(id: Int64, maxSide: Int) throws(EchoError) -> RenderedImage {
        try checkSide(maxSide)
        let (image, _) = try referenceImage(id: id)
        return try render(image.bytes, maxSide: maxSide, tag: "\(image.reference.sha256)-\(maxSide)")
    }

    /// The image behind result `index` (from 0, in recorded order) of run `run`, scaled to
    /// at most `maxSide` pixels, as PNG: an upload inspected with `keep` from the store's
    /// uploads, an image file inspected by path from where it was inspected.
    /// - Throws: `invalid_parameter` for a side outside `renderedSides` or a negative index;
    ///   `unknown_run` for no such run or result; `image_not_kept` when the image was not
    ///   kept or has moved; `bad_image` when it no longer decodes; `store_failed`.
    public func runResultImage(run: Int64, index: Int, maxSide: Int) throws(EchoError) -> RenderedImage {
        try checkSide(maxSide)
        guard index >= 0 else { throw EchoError(.invalidParameter, "a result index cannot be negative (got \(index))") }
        let results = try runResults(run)
        guard index < results.count else { throw EchoError(.unknownRun, "run \(run) has \(results.count) result(s); there is no result \(index)") }
        let name = results[index].imagePath
        guard let path = keptImagePath(forResultNamed: name) else {
            throw EchoError(.imageNotKept, name.hasPrefix("upload:")
                ? "the image of result \(index) of run \(run) was inspected without keep=true, so only its scores were recorded"
                : "the image of result \(index) of run \(run) is no longer at the path it was inspected from")
        }
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw EchoError(.imageNotKept, "the image of result \(index) of run \(run) cannot be read where it was kept", cause: error)
        }
        return try render(bytes, maxSide: maxSide, tag: "\(ImageDigest.hex(bytes))-\(maxSide)")
    }

    /// Where an inspected upload is kept: `uploads/inspected/` under the digest it is
    /// recorded by.
    func inspectedUploadPath(digest: String, format: ImageFormat) -> String {
        "\(uploadsDirectory)/inspected/\(digest).\(format == .png ? "png" : "jpg")"
    }

    private func keptImagePath(forResultNamed name: String) -> String? {
        let files = FileManager.default
        if name.hasPrefix("upload:") {
            let digest = name.dropFirst("upload:".count)
            // Recorded names are Echo's own (16 hex digits); anything else is not a kept upload.
            guard digest.count == 16, digest.allSatisfy(\.isHexDigit) else { return nil }
            return [ImageFormat.png, .jpeg].map { inspectedUploadPath(digest: String(digest), format: $0) }.first { files.fileExists(atPath: $0) }
        }
        var isDirectory: ObjCBool = false
        return name.hasPrefix("/") && files.fileExists(atPath: name, isDirectory: &isDirectory) && !isDirectory.boolValue ? name : nil
    }

    private func checkSide(_ side: Int) throws(EchoError) {
        guard Self.renderedSides.contains(side) else {
            throw EchoError(.invalidParameter, "size must be an integer in \(Self.renderedSides.lowerBound)…\(Self.renderedSides.upperBound) (got \(side))")
        }
    }

    private func render(_ bytes: [UInt8], maxSide: Int, tag: String) throws(EchoError) -> RenderedImage {
        let maxPixels = limits.maxPixels
        return try classified {
            let image = try ImageDecoder(maxPixels: maxPixels).decode(bytes)
            let scaled = try HeatmapRenderer.thumbnail(image, maxSide: maxSide)
            return RenderedImage(png: try ImageEncoder.png(scaled), width: scaled.width, height: scaled.height, tag: tag)
        }
    }
}
