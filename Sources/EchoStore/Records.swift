import EchoFeatures
import Foundation

/// A product whose golden samples the store holds.
public struct Category: Sendable, Equatable, Codable {
    public let id: Int64
    public let name: String
    /// Which embedder made every vector of this category.
    public let embedder: EmbedderIdentity
    /// The FAISS index description ("Flat", "HNSW32", "IVF64,Flat").
    public let indexSpecification: String
    /// Bumped whenever the live reference set changes (thresholds computed on an older
    /// version are stale).
    public let referenceSetVersion: Int64
    public let createdAt: String

    /// A category as a backend read it.
    package init(id: Int64, name: String, embedder: EmbedderIdentity, indexSpecification: String, referenceSetVersion: Int64, createdAt: String) {
        self.id = id
        self.name = name
        self.embedder = embedder
        self.indexSpecification = indexSpecification
        self.referenceSetVersion = referenceSetVersion
        self.createdAt = createdAt
    }
}

/// A golden sample to add: its provenance, metadata and vectors.
public struct NewReference: Sendable {
    /// SHA-256 (hex) of the image file's bytes; re-adding the same bytes is a no-op.
    public var sha256: String
    public var sourcePath: String
    public var width: Int
    public var height: Int
    /// Free-form string metadata (line, camera, lot, ...).
    public var metadata: [String: String]
    /// The global embedding.
    public var vector: [Float]
    /// Patch features for the vision expert (optional).
    public var patches: PatchFeatures?
    /// The image file's bytes, stored content-addressed when the backend keeps them
    /// (`StoreBackend.keepsImageBytes`); nil otherwise.
    public var imageBytes: [UInt8]?

    public init(sha256: String, sourcePath: String, width: Int, height: Int, metadata: [String: String] = [:],
                vector: [Float], patches: PatchFeatures? = nil, imageBytes: [UInt8]? = nil) {
        self.imageBytes = imageBytes
        self.sha256 = sha256
        self.sourcePath = sourcePath
        self.width = width
        self.height = height
        self.metadata = metadata
        self.vector = vector
        self.patches = patches
    }
}

/// What happened to one reference of an `add` call.
public enum AddOutcome: Sendable, Equatable {
    /// Stored under this id.
    case added(id: Int64)
    /// The same bytes were already a live reference of the category, under this id.
    case duplicate(existingID: Int64)
}

/// A stored golden sample.
public struct ReferenceRecord: Sendable, Equatable, Codable {
    public let id: Int64
    public let category: String
    public let sha256: String
    public let sourcePath: String
    public let width: Int
    public let height: Int
    public let metadata: [String: String]
    public let createdAt: String

    /// A reference as a backend read it.
    package init(id: Int64, category: String, sha256: String, sourcePath: String, width: Int, height: Int,
                 metadata: [String: String], createdAt: String) {
        self.id = id
        self.category = category
        self.sha256 = sha256
        self.sourcePath = sourcePath
        self.width = width
        self.height = height
        self.metadata = metadata
        self.createdAt = createdAt
    }
}

/// One nearest normal found by a query.
public struct ReferenceMatch: Sendable, Equatable, Codable {
    public let reference: ReferenceRecord
    /// Cosine similarity to the query (inner product of unit vectors), in [-1, 1].
    public let similarity: Float
}
