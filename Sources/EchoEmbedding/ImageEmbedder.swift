import Dispatch
import EchoImaging
import Foundation
internal import CEchoKernels

/// Turns images into Echo's embeddings with the pretrained EfficientNet-Lite0:
/// a 1280-d global vector (the head averaged over space, L2-normalised) and a 28×28 grid
/// of 152-d patch features (block 4 and block 10 — stride 8 and 16 — each 3×3
/// average-pooled, block 10 upsampled bilinearly to block 4's grid, concatenated).
///
/// Thread-safe: `embed` may be called from many threads at once; each call borrows a
/// scratch workspace from a pool. For throughput, embed several images concurrently with
/// one BLAS thread each (`embed(_:concurrency:)`).
public final class ImageEmbedder: Sendable {
    /// The identity recorded beside every vector this embedder makes.
    public let identity: EmbedderIdentity
    /// How images are turned into the network input.
    public let preprocessing: Preprocessing

    private let network: EfficientNetLite0
    private let pool = WorkspacePool()

    /// The id of the network and feature recipe. Changing the recipe changes the id.
    public static let embedderID = "efficientnet-lite0/echo-1"
    /// The patch-feature recipe: "echo-2" pools each tap 3×3 with zero padding (border
    /// patches damped, as PatchCore); "echo-1" averaged only the neighbours that exist.
    public static let patchRecipe = PatchRecipe.current
    /// Length of the global embedding.
    public static let globalDimension = 1280
    /// Length of one patch feature (40 + 112 channels).
    public static let patchDimension = 152

    /// Loads the weights file and builds the network.
    /// - Parameters:
    ///   - weightsPath: the weights file; the executable finds it with `WeightsLocation.resolve(environment:)`.
    ///   - verifyChecksum: check the file's SHA-256 against the pinned value (on by default).
    /// - Throws: `EmbeddingError` `.weightsMissing` (with the install command),
    ///   `.weightsDamaged`, `.weightsMismatch`.
    public init(weightsPath: String, verifyChecksum: Bool = true) throws(EmbeddingError) {
        let weights = try WeightsFile.load(path: weightsPath, expectedSHA256: verifyChecksum ? WeightsFile.pinnedSHA256 : nil)
        network = try EfficientNetLite0(weights: weights)
        preprocessing = Preprocessing(size: 224)
        identity = EmbedderIdentity(
            id: Self.embedderID, weightsSHA256: weights.sha256, globalDimension: Self.globalDimension,
            patchDimension: Self.patchDimension, inputSize: preprocessing.size)
    }

    /// Embeds one image.
    /// - Throws: `EmbeddingError.invalidInput` if the image cannot be preprocessed.
    public func embed(_ image: Image) throws(EmbeddingError) -> Embedding {
        let input = try preprocessing.tensor(from: image)
        return pool.withWorkspace { workspace in
            let output = network.forward(input, height: preprocessing.size, width: preprocessing.size, workspace: workspace)
            return Self.features(from: output)
        }
    }

    /// Embeds images concurrently, `concurrency` at a time (default: every core). Results
    /// come back in input order, each a success or the error for that image.
    public func embed(_ images: [Image], concurrency: Int = ProcessInfo.processInfo.activeProcessorCount) -> [Result<Embedding, EmbeddingError>] {
        parallelMap(count: images.count, concurrency: concurrency) { index in
            Result { () throws(EmbeddingError) in try embed(images[index]) }
        }
    }

    /// The network's 1000 ImageNet logits for `image` (for checking the weights).
    /// - Throws: `EmbeddingError.invalidInput` if the image cannot be preprocessed.
    public func imageNetLogits(_ image: Image) throws(EmbeddingError) -> [Float] {
        let input = try preprocessing.tensor(from: image)
        return pool.withWorkspace { workspace in
            network.forward(input, height: preprocessing.size, width: preprocessing.size, workspace: workspace, logits: true).logits!
        }
    }

    /// Which build of the depthwise kernel this CPU runs ("avx512f", "avx2+fma", "portable").
    package var depthwiseKernelVariant: String { Kernels.depthwiseVariant }

    /// Runs the network `rounds` times on `image` (one thread, this thread) with every
    /// layer timed; for benchmarks.
    /// - Throws: `EmbeddingError.invalidInput` if the image cannot be preprocessed.
    package func profile(_ image: Image, rounds: Int) throws(EmbeddingError) -> LayerProfile {
        let input = try preprocessing.tensor(from: image)
        let profile = LayerProfile()
        pool.withWorkspace { workspace in
            for _ in 0..<rounds {
                let output = network.forward(input, height: preprocessing.size, width: preprocessing.size, workspace: workspace, profile: profile)
                _ = profile.measure(.features, multiplyAdds: 0) { Self.features(from: output) }
                profile.finishPass()
            }
        }
        return profile
    }

    /// Embeds an already preprocessed `size × size × 3` tensor.
    func embed(tensor: [Float]) -> Embedding {
        pool.withWorkspace { workspace in
            Self.features(from: network.forward(tensor, height: preprocessing.size, width: preprocessing.size, workspace: workspace))
        }
    }

    static func features(from output: EfficientNetLite0.Output) -> Embedding {
        var global = output.pooled
        let norm = global.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm > 0 { for i in global.indices { global[i] /= norm } }
        let fine = output.fine, coarse = output.coarse
        let values = Self.patchGrid(fine: fine, coarse: coarse)
        // The sizes agree by construction.
        let patches = try! PatchFeatures(height: fine.height, width: fine.width, dimension: fine.channels + coarse.channels, values: values)
        return Embedding(global: global, patches: patches)
    }

    /// The patch recipe's grid from the two taps (`echo_patch_grid`): each fine position's
    /// 3×3 zero-padded mean (÷ 9 everywhere, as PyTorch's `avg_pool2d(3, 1, 1)`: border
    /// patches, whose neighbourhood runs off the map, are damped; they differ most between
    /// two crops of the same product, and damping them measured better than averaging only
    /// what exists), then the coarse tap's 3×3 mean bilinearly upsampled to the fine grid
    /// (half-pixel centres, edges clamped; PyTorch's `align_corners=False`).
    static func patchGrid(fine: FeatureMap, coarse: FeatureMap) -> [Float] {
        var values = [Float](repeating: 0, count: fine.height * fine.width * (fine.channels + coarse.channels))
        let status = fine.values.withUnsafeBufferPointer { f in
            coarse.values.withUnsafeBufferPointer { c in
                values.withUnsafeMutableBufferPointer { out in
                    echo_patch_grid(f.baseAddress!, Int32(fine.height), Int32(fine.width), Int32(fine.channels), c.baseAddress!,
                                    Int32(coarse.height), Int32(coarse.width), Int32(coarse.channels), out.baseAddress!)
                }
            }
        }
        // Only fails for empty maps (never: the taps are the network's) or no memory for
        // 14 × 14 × 112 floats.
        precondition(status == 0, "echo_patch_grid could not assemble the patch grid")
        return values
    }
}

/// A pool of reusable workspaces: a thread takes one (or makes a new one) and puts it back.
final class WorkspacePool: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [Workspace] = []

    func withWorkspace<T>(_ body: (Workspace) -> T) -> T {
        let workspace = lock.withLock { idle.popLast() } ?? Workspace()
        defer { lock.withLock { idle.append(workspace) } }
        return body(workspace)
    }
}
