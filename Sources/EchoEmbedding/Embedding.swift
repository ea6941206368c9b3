/// What the embedder computes for one image.
public struct Embedding: Sendable, Equatable {
    /// The global embedding: unit length, so inner product is cosine similarity.
    public let global: [Float]
    /// Local features for patch-level comparison (the vision expert).
    public let patches: PatchFeatures
}
