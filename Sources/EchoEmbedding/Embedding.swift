/// Patch features on a grid: `height × width` positions of `dimension` floats,
/// row-major, channels last.
public struct PatchFeatures: Sendable, Equatable, Codable {
    public let height: Int
    public let width: Int
    public let dimension: Int
    public let values: [Float]

    /// Creates patch features.
    /// - Throws: `EmbeddingError.invalidInput` when `values` does not hold
    ///   `height × width × dimension` floats.
    public init(height: Int, width: Int, dimension: Int, values: [Float]) throws(EmbeddingError) {
        guard height > 0, width > 0, dimension > 0, values.count == height * width * dimension else {
            throw EmbeddingError(.invalidInput, "\(values.count) floats are not a \(height)x\(width) grid of \(dimension)-d patches")
        }
        self.height = height
        self.width = width
        self.dimension = dimension
        self.values = values
    }

    /// How many patches there are.
    public var count: Int { height * width }

    /// The feature vector of the patch at row `y`, column `x`.
    public func feature(y: Int, x: Int) -> ArraySlice<Float> {
        let start = (y * width + x) * dimension
        return values[start..<start + dimension]
    }
}

/// What the embedder computes for one image.
public struct Embedding: Sendable, Equatable {
    /// The global embedding: unit length, so inner product is cosine similarity.
    public let global: [Float]
    /// Local features for patch-level comparison (the vision expert).
    public let patches: PatchFeatures
}

/// Names the embedder and weights that made a vector: vectors from different embedders
/// must never be compared.
public struct EmbedderIdentity: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    /// The network and feature recipe, e.g. "efficientnet-lite0/echo-1".
    public let id: String
    /// SHA-256 of the weights file.
    public let weightsSHA256: String
    /// Length of the global embedding.
    public let globalDimension: Int
    /// Length of one patch feature.
    public let patchDimension: Int
    /// The square input size images are resized to.
    public let inputSize: Int

    public init(id: String, weightsSHA256: String, globalDimension: Int, patchDimension: Int, inputSize: Int) {
        self.id = id
        self.weightsSHA256 = weightsSHA256
        self.globalDimension = globalDimension
        self.patchDimension = patchDimension
        self.inputSize = inputSize
    }

    public var description: String { "\(id) (weights \(weightsSHA256.prefix(12)), \(globalDimension)-d)" }

    /// Checks that vectors made by `other` can be compared with vectors made by this one.
    /// - Throws: `EmbeddingError.embedderMismatch` saying what differs.
    public func requireCompatible(with other: EmbedderIdentity, context: String) throws(EmbeddingError) {
        guard self != other else { return }
        throw EmbeddingError(
            .embedderMismatch,
            "\(context) was embedded with \(other), but this embedder is \(self); re-embed it (rebuild) rather than mixing vectors")
    }
}
