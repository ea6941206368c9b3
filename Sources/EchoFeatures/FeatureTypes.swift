/// The patch recipe this build of Echo makes and scores: how patch features are
/// aggregated from the network's taps. Stored with every category's embedder identity.
public enum PatchRecipe {
    /// The recipe of this build ("echo-2").
    public static let current = "echo-2"
}

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
    /// How patch features are aggregated from the network's taps (`PatchRecipe.current`).
    /// Global vectors do not depend on it: a category whose patch features were made by an
    /// older recipe still answers queries, but its patches must be re-extracted
    /// (`echoctl reembed`) before the vision expert scores against them.
    public let patchRecipe: String

    public init(id: String, weightsSHA256: String, globalDimension: Int, patchDimension: Int, inputSize: Int,
                patchRecipe: String = PatchRecipe.current) {
        self.id = id
        self.weightsSHA256 = weightsSHA256
        self.globalDimension = globalDimension
        self.patchDimension = patchDimension
        self.inputSize = inputSize
        self.patchRecipe = patchRecipe
    }

    /// Checks that patch features made by `other` can be compared with this embedder's.
    /// - Throws: `EmbeddingError.embedderMismatch` naming both recipes and the command
    ///   that re-extracts the features.
    public func requirePatchCompatible(with other: EmbedderIdentity, category: String) throws(EmbeddingError) {
        try requireCompatible(with: other, context: "category \"\(category)\"")
        guard patchRecipe != other.patchRecipe else { return }
        throw EmbeddingError(
            .embedderMismatch,
            "the patch features of category \"\(category)\" were made by patch recipe \(other.patchRecipe), but this Echo scores "
                + "\(patchRecipe) features; re-extract them from the stored images with `echoctl reembed --category \(category)`")
    }

    public var description: String { "\(id) (weights \(weightsSHA256.prefix(12)), \(globalDimension)-d)" }

    /// Checks that global vectors made by `other` can be compared with vectors made by this
    /// one (the patch recipe does not matter for them; see `requirePatchCompatible`).
    /// - Throws: `EmbeddingError.embedderMismatch` saying what differs.
    public func requireCompatible(with other: EmbedderIdentity, context: String) throws(EmbeddingError) {
        guard id != other.id || weightsSHA256 != other.weightsSHA256 || globalDimension != other.globalDimension
            || patchDimension != other.patchDimension || inputSize != other.inputSize else { return }
        throw EmbeddingError(
            .embedderMismatch,
            "\(context) was embedded with \(other), but this embedder is \(self); re-embed it (rebuild) rather than mixing vectors")
    }
}
