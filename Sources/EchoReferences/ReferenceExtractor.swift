import EchoEmbedding
import EchoImaging
import EchoStore
import Foundation

/// The nearest normals of one query image, and the query's own embedding (which the
/// vision expert reuses).
public struct ReferenceSet: Sendable {
    public let category: String
    public let query: Embedding
    /// Most similar first.
    public let matches: [ReferenceMatch]
}

/// The Reference Extractor: for a query image, the top-k most similar golden samples of
/// the same product, through the store and the embedder. The other experts call this.
public struct ReferenceExtractor: Sendable {
    public let store: ReferenceStore
    public let embedder: ImageEmbedder

    public init(store: ReferenceStore, embedder: ImageEmbedder) {
        self.store = store
        self.embedder = embedder
    }

    /// The `k` nearest normals of `image` in `category`.
    /// - Throws: `.embedding` if the image cannot be embedded; `.store` for an unknown
    ///   category, an embedder mismatch (the category was built with other weights), k ≤ 0.
    public func nearestNormals(to image: Image, category: String, k: Int, filter: [String: String] = [:]) throws(ReferenceExtractorError) -> ReferenceSet {
        let embedding: Embedding
        do {
            embedding = try embedder.embed(image)
        } catch {
            throw .embedding(error)
        }
        do {
            let matches = try store.nearest(to: embedding.global, in: category, k: k, embedder: embedder.identity, filter: filter)
            return ReferenceSet(category: category, query: embedding, matches: matches)
        } catch {
            throw .store(error)
        }
    }

    /// The `k` nearest normals of the image file at `path`.
    /// - Throws: `.image` when the file cannot be read or decoded; otherwise as above.
    public func nearestNormals(toImageAt path: String, category: String, k: Int, filter: [String: String] = [:]) throws(ReferenceExtractorError) -> ReferenceSet {
        let image: Image
        do {
            image = try ImageDecoder().decodeFile(atPath: path)
        } catch {
            throw .image(error)
        }
        return try nearestNormals(to: image, category: category, k: k, filter: filter)
    }
}
