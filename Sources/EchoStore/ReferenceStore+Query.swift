import EchoFeatures
import EchoIndex
import Foundation

extension ReferenceStore {
    /// The `k` live references of `categoryName` nearest to `vector`, most similar first.
    /// This is the in-process API the other experts use.
    /// - Parameters:
    ///   - vector: a global embedding from the category's embedder.
    ///   - filter: metadata that every match must have (exact string equality per key).
    /// - Throws: `.invalidArgument` for k ≤ 0; `.invalidMetadata` for a filter key `MetadataRule` refuses; `.incompatible` for a
    ///   vector of the wrong length or from another embedder; `.unknownCategory`.
    public func nearest(to vector: [Float], in categoryName: String, k: Int, embedder: EmbedderIdentity? = nil,
                        filter: [String: String] = [:]) throws(StoreError) -> [ReferenceMatch] {
        guard k > 0 else { throw StoreError(.invalidArgument, "k must be at least 1, got \(k)") }
        try MetadataRule.validateKeys(filter.keys)
        let category = try searchCategory(named: categoryName)
        if let embedder {
            do {
                try category.embedder.requireCompatible(with: embedder, context: "category \"\(categoryName)\"")
            } catch {
                throw StoreError(.incompatible, error.message)
            }
        }
        guard vector.count == category.embedder.globalDimension else {
            throw StoreError(.incompatible, "a \(vector.count)-d query for category \"\(categoryName)\", whose vectors are \(category.embedder.globalDimension)-d (\(category.embedder.id))")
        }
        let index = try loadedIndex(for: category)
        while true {
            // Each read of the matches checks, in the same snapshot, that the index is
            // current, and keeps only rows live then (a delete commits before the index hears of it).
            if let matches = try search(index, for: vector, k: k, filter: filter, category: category) { return matches }
            // Another process (or a failed update) committed changes: catch up, then search.
            _ = try currentIndex(for: category)
        }
    }

    /// Searches `index` for `k` live matches, widening the search while filtered or
    /// deleted rows leave fewer than `k`.
    /// - Returns: nil when the backend has changes the index lacks.
    private func search(_ cached: CategoryIndex, for vector: [Float], k: Int, filter: [String: String],
                        category: Category) throws(StoreError) -> [ReferenceMatch]? {
        let index = cached.index
        let categoryName = category.name
        let stored = index.count
        guard stored > 0 else {
            return try backend.head(ofCategory: category.id) <= cached.sequence ? [] : nil
        }
        var candidates = min(stored, filter.isEmpty ? k : k * 4)
        while true {
            let results: SearchResults
            do {
                results = try index.search(vector, k: candidates)
            } catch {
                throw StoreError(.index, "searching category \"\(categoryName)\": \(error.message)")
            }
            let neighbours = results.neighbours(ofQuery: 0)
            guard let records = try backend.liveReferences(ids: neighbours.map(\.id), filter: filter, ofCategory: category.id,
                                                           ifHeadAtMost: cached.sequence) else { return nil }
            let byID = Dictionary(uniqueKeysWithValues: records.map { ($0.id, $0) })
            let matches = neighbours.compactMap { n in byID[n.id].map { ReferenceMatch(reference: $0, similarity: n.score) } }
            if matches.count >= k || candidates >= stored {
                return Array(matches.prefix(k))
            }
            candidates = min(stored, candidates * 4)
        }
    }

    /// The live references with these ids (in id order), optionally only those whose
    /// metadata matches `filter`.
    public func references(ids: [Int64], filter: [String: String] = [:]) throws(StoreError) -> [ReferenceRecord] {
        try backend.liveReferences(ids: ids, filter: filter)
    }

    /// The live references of a category in id order, `limit` from `offset`.
    public func list(category categoryName: String, limit: Int = 1000, offset: Int = 0) throws(StoreError) -> [ReferenceRecord] {
        let category = try category(named: categoryName)
        return try backend.listReferences(categoryID: category.id, limit: limit, offset: offset)
    }

    /// The stored patch features of a reference, or nil if none were stored.
    public func patchFeatures(of id: Int64) throws(StoreError) -> PatchFeatures? {
        try backend.patchFeatures(of: id)
    }

    /// The stored global vector of a reference.
    public func vector(of id: Int64) throws(StoreError) -> [Float]? {
        try backend.vector(of: id)
    }

    /// The category's index, first brought up to date with changes another process (or
    /// a failed update) committed since it was loaded.
    func currentIndex(for category: Category) throws(StoreError) -> CategoryIndex {
        let index = try loadedIndex(for: category)
        if try backend.head(ofCategory: category.id) > index.sequence {
            try writeLock.locked { () throws(StoreError) in
                try IndexLoader(store: self, category: category).replay(into: index)
            }
        }
        return index
    }
}

extension ReferenceStore {
    /// The live reference of `categoryName` whose file hash is `sha256`, if any.
    public func liveReference(withSHA256 sha256: String, in categoryName: String) throws(StoreError) -> ReferenceRecord? {
        try backend.liveReference(sha256: sha256, categoryName: categoryName)
    }
}
