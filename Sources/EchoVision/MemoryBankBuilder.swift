import EchoReferences
import EchoStore
import Foundation

extension VisionExpert {
    /// Builds the category's memory bank: a greedy coreset of `ratio` of all its golden
    /// samples' patches (PatchCore's subsampling; 0.01–0.1 is usual), stored in SQLite with
    /// the reference-set version, replacing any earlier bank. Inspection and calibration
    /// then compare each patch with the bank as well as with the nearest golden samples;
    /// recalibrate after building one. Selection cost grows with ratio × patches²: about
    /// a second per 10⁹ patch pairs on one core.
    /// - Throws: `.invalidArgument` for a ratio outside (0, 1]; `.references` for a category
    ///   without patch features; `.store` when the store cannot be read or written.
    @discardableResult
    public func buildMemoryBank(category: String, ratio: Double) throws(ReferenceExtractorError) -> MemoryBank {
        guard ratio > 0, ratio <= 1 else {
            throw .invalidArgument("a memory bank keeps a fraction of the patches: the ratio must be in (0, 1], not \(ratio)")
        }
        let current: Category
        let sources: [(id: Int64, values: [Float])]
        do {
            current = try store.category(named: category)
            sources = try store.allPatchFeatures(category: category)
        } catch {
            throw .store(error)
        }
        let dimension = current.embedder.patchDimension
        guard !sources.isEmpty else {
            throw .references("category \"\(category)\" has no golden samples with patch features; ingest images first")
        }
        var rows: [Float] = []
        var origins: [Int64] = []
        for source in sources {
            rows += source.values
            origins += [Int64](repeating: source.id, count: source.values.count / dimension)
        }
        let keep = max(1, Int((Double(origins.count) * ratio).rounded()))
        let picked = CoresetSampler.select(rows, dimension: dimension, count: keep)
        var vectors: [Float] = []
        vectors.reserveCapacity(picked.count * dimension)
        for row in picked { vectors += rows[row * dimension..<(row + 1) * dimension] }
        let bank = MemoryBank(
            category: category, referenceSetVersion: current.referenceSetVersion, ratio: Double(picked.count) / Double(origins.count),
            sourcePatches: origins.count, dimension: dimension, vectors: vectors, origins: picked.map { origins[$0] },
            builtAt: Date().formatted(.iso8601.time(includingFractionalSeconds: true).year().month().day()))
        do {
            try store.saveMemoryBank(bank)
        } catch {
            throw .store(error)
        }
        banks.invalidate(category)
        return bank
    }

    /// Removes the category's memory bank; returns whether it had one. Recalibrate after.
    /// - Throws: `.store` when the store cannot be written.
    @discardableResult
    public func removeMemoryBank(category: String) throws(ReferenceExtractorError) -> Bool {
        do {
            defer { banks.invalidate(category) }
            return try store.removeMemoryBank(of: category)
        } catch {
            throw .store(error)
        }
    }
}
