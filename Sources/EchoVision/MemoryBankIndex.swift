import EchoConcurrency
import EchoEmbedding
import EchoIndex
import EchoReferences
import EchoStore
import Foundation

/// A category's memory bank in an exact L2 FAISS index, searchable with one golden
/// sample's own rows left out (for leave-one-out calibration).
final class MemoryBankIndex: Sendable {
    /// What the index was loaded from: a rebuilt or stale bank has another stamp.
    let stamp: MemoryBankStamp
    private let index: VectorIndex
    private let origins: [Int64]
    /// The most rows any one golden sample contributed: searching that many plus one
    /// always finds a row of another sample.
    private let largestShare: Int

    init(_ bank: MemoryBank, stamp: MemoryBankStamp) throws(IndexError) {
        self.stamp = stamp
        index = try VectorIndex(dimension: bank.dimension, description: "Flat", metric: .l2)
        try index.add(bank.vectors, ids: (0..<Int64(bank.count)).map { $0 })
        origins = bank.origins
        largestShare = Dictionary(grouping: bank.origins, by: { $0 }).values.map(\.count).max() ?? 0
    }

    /// For each patch of `query`, the Euclidean distance to its nearest bank row, leaving
    /// out rows that came from the golden sample `excluded`. Infinity where the bank has
    /// no other row.
    func nearestDistances(_ query: PatchFeatures, excluding excluded: Int64?) throws(IndexError) -> [Float] {
        guard query.dimension == index.dimension else {
            throw IndexError(.dimensionMismatch, "the memory bank is \(index.dimension)-d, the query's patches \(query.dimension)-d")
        }
        guard let excluded else {
            return try index.search(query.values, k: 1).scores.map { max(0, $0).squareRoot() }
        }
        let k = min(index.count, largestShare + 1)
        let results = try index.search(query.values, k: k)
        return (0..<results.queryCount).map { q in
            let other = results.neighbours(ofQuery: q).first { origins[Int($0.id)] != excluded }
            return other.map { max(0, $0.score).squareRoot() } ?? .infinity
        }
    }
}

/// Loaded memory banks by category, reloaded when the stored bank changes (rebuilt, or
/// built by another process) and dropped when it goes stale.
final class MemoryBankCache: Sendable {
    private let loaded = Protected<[String: MemoryBankIndex]>([:])

    /// The category's current bank, or nil when it has none or it is stale (built from
    /// an older reference set).
    /// - Throws: `.store` when the store cannot be read or the bank cannot be indexed.
    func bank(of category: String, in store: ReferenceStore) throws(ReferenceExtractorError) -> MemoryBankIndex? {
        let stamp: MemoryBankStamp
        do {
            let current = try store.category(named: category)
            guard let stored = try store.memoryBankStamp(of: category), stored.referenceSetVersion == current.referenceSetVersion else {
                invalidate(category)
                return nil
            }
            stamp = stored
        } catch {
            throw .store(error)
        }
        if let cached = loaded.withLock({ $0[category] }), cached.stamp == stamp { return cached }
        let bank: MemoryBank?
        do {
            bank = try store.memoryBank(of: category)
        } catch {
            throw .store(error)
        }
        guard let bank else { return nil }
        do {
            // The stamp of what was read, not of the earlier check: a bank rebuilt in between
            // is then seen as changed on the next call.
            let index = try MemoryBankIndex(bank, stamp: MemoryBankStamp(bank))
            loaded.withLock { $0[category] = index }
            return index
        } catch {
            throw .store(StoreError(.index, "indexing the memory bank of \"\(category)\": \(error.message)"))
        }
    }

    func invalidate(_ category: String) {
        loaded.withLock { $0[category] = nil }
    }
}
