import EchoEmbedding
import EchoReferences
import EchoStore
import Foundation

extension VisionExpert {
    /// Sets a category's threshold from its golden samples alone: each is scored
    /// leave-one-out (against its nearest *other* golden samples, exactly as a query
    /// would be, and against the category's memory bank without its own patches when it
    /// has one), and the threshold is the configured quantile (0.95 by default, linear
    /// interpolation) of those scores. Deterministic for a given reference set. Stored
    /// with the reference-set version it was computed on.
    /// - Throws: `.references` when the category has fewer than two golden samples with
    ///   patch features (nothing to leave one out against).
    public func calibrate(category: String, concurrency: Int = ProcessInfo.processInfo.activeProcessorCount) throws(ReferenceExtractorError) -> Calibration {
        let references: [ReferenceRecord]
        let current: Category
        do {
            current = try store.category(named: category)
            references = try store.list(category: category, limit: Int.max)
        } catch {
            throw .store(error)
        }
        guard references.count >= 2 else {
            throw .references("calibrating \"\(category)\" needs at least 2 golden samples (it has \(references.count)); ingest more")
        }
        try requireCurrentPatchRecipe(current)
        let neighbours = configuration.neighbours
        let imageScore = configuration.imageScore ?? .maximum
        let bank = try currentBank(category)
        let outcomes = parallelMap(count: references.count, concurrency: concurrency) { index -> Result<Float, ReferenceExtractorError> in
            Result { () throws(ReferenceExtractorError) in
                try leaveOneOutScore(of: references[index], category: category, neighbours: neighbours, bank: bank, imageScore: imageScore)
            }
        }
        var scores: [Double] = []
        for outcome in outcomes {
            switch outcome {
            case .success(let score): scores.append(Double(score))
            case .failure(let error): throw error
            }
        }
        let calibration = Calibration(
            category: category, referenceSetVersion: current.referenceSetVersion,
            threshold: Self.quantile(scores, configuration.thresholdQuantile),
            method: "\(imageScore.id) patch distance, quantile \(configuration.thresholdQuantile) of \(scores.count) leave-one-out scores"
                + (bank.map { ", with a memory bank of \($0.stamp.rows) patches" } ?? ""),
            neighbours: neighbours, scores: scores, computedAt: Date().formatted(.iso8601),
            scoring: Configuration.scoringID(imageScore))
        do {
            try store.saveCalibration(calibration)
        } catch {
            throw .store(error)
        }
        return calibration
    }

    private func leaveOneOutScore(of reference: ReferenceRecord, category: String, neighbours: Int,
                                  bank: MemoryBankIndex?, imageScore: ImageScore) throws(ReferenceExtractorError) -> Float {
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
        let raw = try rawScore(patches, against: others, category: category, bank: bank, excluding: reference.id)
        return imageScore.score(raw.values)
    }

    /// The `q` quantile of `values` with linear interpolation between order statistics.
    static func quantile(_ values: [Double], _ q: Double) -> Double {
        let sorted = values.sorted()
        guard sorted.count > 1 else { return sorted.first ?? 0 }
        let position = q * Double(sorted.count - 1)
        let low = Int(position.rounded(.down)), high = min(low + 1, sorted.count - 1)
        return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
    }
}
