import EchoEmbedding
import EchoReferences
import EchoStore
import Foundation

extension VisionExpert {
    /// What calibration and the golden-set audit score: every golden sample of a
    /// category, each against its nearest *other* golden samples (and the memory bank
    /// without its own patches), exactly as a query would be scored.
    struct LeaveOneOutRun {
        let category: Category
        let imageScore: ImageScore
        /// The category's current memory bank's rows, when one was used.
        let bankRows: Int?
        /// The references scored, with their raw patch maps, in `list` order.
        let scored: [(reference: ReferenceRecord, raw: AnomalyMap)]
    }

    /// A category, its live golden samples and those excluded from calibration: what
    /// calibration and the audit start from.
    func goldenSet(of category: String) throws(ReferenceExtractorError)
        -> (category: Category, references: [ReferenceRecord], exclusions: [Int64: CalibrationExclusion]) {
        do {
            return (try store.category(named: category), try store.list(category: category, limit: Int.max),
                    try store.calibrationExclusions(in: category))
        } catch {
            throw .store(error)
        }
    }

    /// Scores `references` of `category` leave-one-out, in parallel, each against its
    /// `neighbours` nearest others (the configuration's by default).
    /// - Throws: `.references` when a golden sample has no patch features or the patch
    ///   recipe is not current; `.store` otherwise.
    func leaveOneOut(_ references: [ReferenceRecord], of current: Category, neighbours: Int? = nil, imageScore: ImageScore? = nil,
                     concurrency: Int) throws(ReferenceExtractorError) -> LeaveOneOutRun {
        try requireCurrentPatchRecipe(current)
        let neighbours = neighbours ?? configuration.neighbours
        let bank = try currentBank(current.name)
        let outcomes = parallelMap(count: references.count, concurrency: concurrency) { index -> Result<AnomalyMap, ReferenceExtractorError> in
            Result { () throws(ReferenceExtractorError) in
                try leaveOneOutMap(of: references[index], category: current.name, neighbours: neighbours, bank: bank)
            }
        }
        var scored: [(reference: ReferenceRecord, raw: AnomalyMap)] = []
        for (reference, outcome) in zip(references, outcomes) {
            switch outcome {
            case .success(let raw): scored.append((reference, raw))
            case .failure(let error): throw error
            }
        }
        return LeaveOneOutRun(category: current, imageScore: imageScore ?? configuration.imageScore ?? .maximum, bankRows: bank?.stamp.rows, scored: scored)
    }

    /// One golden sample's raw map against its nearest other golden samples.
    func leaveOneOutMap(of reference: ReferenceRecord, category: String, neighbours: Int, bank: MemoryBankIndex?) throws(ReferenceExtractorError) -> AnomalyMap {
        let vector: [Float]?
        let patches: PatchFeatures?
        do {
            vector = try store.vector(of: reference.id)
            patches = try store.patchFeatures(of: reference.id)
        } catch {
            throw .store(error)
        }
        guard let vector, let patches else {
            throw .references("golden sample \(reference.id) (\(reference.sourcePath)) has no patch features; re-ingest it")
        }
        let others: [Int64]
        do {
            others = try store.nearest(to: vector, in: category, k: neighbours + 1)
                .map(\.reference.id).filter { $0 != reference.id }.prefix(neighbours).map { $0 }
        } catch {
            throw .store(error)
        }
        return try rawScore(patches, against: others, category: category, bank: bank, excluding: reference.id)
    }
}
