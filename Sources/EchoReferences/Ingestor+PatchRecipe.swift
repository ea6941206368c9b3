import EchoEmbedding
import EchoImaging
import EchoStore
import Foundation
import Logging

/// What `Ingestor.reextractPatches` did.
public struct PatchReextraction: Sendable, Codable, Equatable {
    public let category: String
    /// The recipe the category's patch features were made by before.
    public let previousRecipe: String
    /// The recipe they are made by now (`ImageEmbedder.patchRecipe`).
    public let recipe: String
    /// References whose patch features were re-extracted (0 when already current).
    public let references: Int
}

extension Ingestor {
    /// Re-extracts a category's patch features from its stored golden images, for when the
    /// patch recipe changed (a new Echo version): each image is read again from its
    /// recorded path, checked against its recorded SHA-256 and embedded, and all of the
    /// category's patch features are replaced in one transaction. Nothing changes unless
    /// every image is found intact.
    /// - Parameter force: re-extract even when the recipe is already current.
    /// - Throws: `.references` listing the golden images that are missing, changed or
    ///   unreadable (nothing is changed then; restore them or `echoctl remove` them);
    ///   `.store` for an unknown category, another embedder or a failed write.
    public func reextractPatches(category: String, force: Bool = false,
                          concurrency: Int = ProcessInfo.processInfo.activeProcessorCount) throws(ReferenceExtractorError) -> PatchReextraction {
        let current: Category
        let references: [ReferenceRecord]
        do {
            current = try store.category(named: category)
            try current.embedder.requireCompatible(with: embedder.identity, context: "category \"\(category)\"")
            references = try store.list(category: category, limit: Int.max)
        } catch let error as StoreError {
            throw .store(error)
        } catch let error as EmbeddingError {
            throw .store(StoreError(.incompatible, error.message))
        } catch {
            throw .store(StoreError(.database, "\(error)"))
        }
        let previous = current.embedder.patchRecipe
        guard force || previous != embedder.identity.patchRecipe else {
            return PatchReextraction(category: category, previousRecipe: previous, recipe: previous, references: 0)
        }
        let decoder = ImageDecoder()
        let outcomes = parallelMap(count: references.count, concurrency: concurrency) { index -> Result<PatchFeatures, ReextractionFailure> in
            let reference = references[index]
            // The store's copy (PostgreSQL keeps golden images' bytes), else the file.
            let stored = (try? store.backend.imageBytes(sha256: reference.sha256)).flatMap { $0.map { Data($0) } }
            guard let data = stored ?? FileManager.default.contents(atPath: reference.sourcePath) else {
                return .failure(ReextractionFailure(reference: reference, reason: "missing"))
            }
            guard ImageDigest.hex(data) == reference.sha256 else { return .failure(ReextractionFailure(reference: reference, reason: "changed since ingest")) }
            do {
                return .success(try embedder.embed(try decoder.decode([UInt8](data))).patches)
            } catch let error as ImagingError {
                return .failure(ReextractionFailure(reference: reference, reason: error.message))
            } catch let error as EmbeddingError {
                return .failure(ReextractionFailure(reference: reference, reason: error.message))
            } catch {
                return .failure(ReextractionFailure(reference: reference, reason: "\(error)"))
            }
        }
        var features: [Int64: PatchFeatures] = [:]
        var failures: [ReextractionFailure] = []
        for (reference, outcome) in zip(references, outcomes) {
            switch outcome {
            case .success(let patches): features[reference.id] = patches
            case .failure(let failure): failures.append(failure)
            }
        }
        guard failures.isEmpty else {
            let listed = failures.prefix(5).map { "\($0.reference.id) \($0.reference.sourcePath) (\($0.reason))" }.joined(separator: "; ")
            throw .references("cannot re-extract the patch features of \"\(category)\": \(failures.count) of \(references.count) golden images "
                              + "cannot be used: \(listed)\(failures.count > 5 ? "; …" : ""). Nothing was changed; restore the files "
                              + "or remove those references (`echoctl remove ID`), then run this again")
        }
        do {
            try store.replacePatchFeatures(features, in: category, recipe: embedder.identity.patchRecipe)
        } catch {
            throw .store(error)
        }
        logger.info("re-extracted patch features", metadata: ["category": "\(category)", "from": "\(previous)", "to": "\(embedder.identity.patchRecipe)"])
        return PatchReextraction(category: category, previousRecipe: previous, recipe: embedder.identity.patchRecipe, references: features.count)
    }
}

/// A golden image that could not be re-extracted, and why.
private struct ReextractionFailure: Error {
    let reference: ReferenceRecord
    let reason: String
}
