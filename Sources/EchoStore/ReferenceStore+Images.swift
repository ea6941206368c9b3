import Foundation

/// A golden image's file, as served to people and the MLLM.
public struct ReferenceImage: Sendable {
    public let reference: ReferenceRecord
    public let bytes: [UInt8]
}

extension ReferenceStore {
    /// Whether ingest should hand the store each image's bytes (its backend keeps them).
    public var keepsImageBytes: Bool { backend.keepsImageBytes }

    /// The image file of a live reference: from the backend when it keeps image bytes,
    /// else read from the reference's source path and checked against its SHA-256.
    /// - Throws: `.invalidArgument` when no live reference has the id, or its file is gone
    ///   or changed since it was ingested (saying which); `.database`, `.unavailable`.
    public func referenceImage(id: Int64) throws(StoreError) -> ReferenceImage {
        guard let reference = try backend.liveReferences(ids: [id], filter: [:]).first else {
            throw StoreError(.invalidArgument, "no live reference has id \(id)")
        }
        if let bytes = try backend.imageBytes(sha256: reference.sha256) {
            return ReferenceImage(reference: reference, bytes: bytes)
        }
        guard let data = FileManager.default.contents(atPath: reference.sourcePath) else {
            throw StoreError(.invalidArgument, "the image of reference \(id) is no longer at \(reference.sourcePath); the store keeps only its features")
        }
        let digest = ImageDigest.hex(data)
        guard digest == reference.sha256 else {
            throw StoreError(.invalidArgument, "the file at \(reference.sourcePath) changed since reference \(id) was ingested")
        }
        return ReferenceImage(reference: reference, bytes: [UInt8](data))
    }
}
