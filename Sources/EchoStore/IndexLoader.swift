import EchoIndex
import Foundation
import Logging

/// Brings a category's index up to date with the backend: loads the newest readable index
/// file, replays the changes after its sequence, and rebuilds from the backend when there
/// is no usable file or the result disagrees with the live rows.
struct IndexLoader {
    let store: ReferenceStore
    let category: Category

    func load() throws(StoreError) -> CategoryIndex {
        for file in IndexFiles.files(in: store.indexDirectory, category: category.id) {
            let index: VectorIndex
            do {
                index = try VectorIndex.read(from: file.path)
            } catch {
                store.logger.warning("index file unusable; trying an older one or rebuilding",
                                     metadata: ["store.file": "\(file.path)", "store.error": "\(error)"])
                continue
            }
            guard index.dimension == category.embedder.globalDimension else {
                store.logger.warning("index file has the wrong dimension; ignoring it", metadata: ["store.file": "\(file.path)"])
                continue
            }
            let loaded = CategoryIndex(categoryID: category.id, index: index, appliedSequence: file.sequence)
            do {
                try replay(into: loaded)
            } catch where error.code == .index {
                store.logger.warning("cannot replay into the index file; rebuilding", metadata: ["store.error": "\(error)"])
                break
            }
            let live = try liveCount()
            if loaded.index.count == live { return loaded }
            store.logger.warning("index disagrees with SQLite after replay; rebuilding",
                                 metadata: ["store.category": "\(category.name)", "store.index_count": "\(loaded.index.count)", "store.live": "\(live)"])
            break
        }
        let rebuilt = try rebuild()
        if store.mode == .readWrite {
            // Replace the unusable file now, rather than rebuilding again on every open.
            do {
                try rebuilt.save(in: store.indexDirectory, logger: store.logger)
            } catch {
                store.logger.warning("could not save the rebuilt index", metadata: ["store.error": "\(error)"])
            }
        }
        return rebuilt
    }

    /// Applies every change after the index's sequence: adds live rows it lacks, removes
    /// references deleted since.
    func replay(into index: CategoryIndex) throws(StoreError) {
        let after = index.sequence
        let changes = try store.backend.changes(ofCategory: category.id, after: after)
        let (added, removed, now) = (changes.added, changes.removed, changes.head)
        guard now > after else { return }
        let dimension = category.embedder.globalDimension
        var vectors: [Float] = []
        vectors.reserveCapacity(added.count * dimension)
        for (_, vector) in added { vectors += vector }
        do {
            try index.apply(adding: vectors, ids: added.map(\.id), dimension: dimension, upTo: now)
            try index.apply(removing: removed, upTo: now)
        } catch {
            throw StoreError(.index, "replaying changes into category \"\(category.name)\": \(error.message)")
        }
        if !added.isEmpty || !removed.isEmpty {
            store.logger.info("replayed changes into the index",
                              metadata: ["store.category": "\(category.name)", "store.added": "\(added.count)", "store.removed": "\(removed.count)"])
        }
    }

    /// Builds the index from the live vectors in SQLite. An IVF index with too few
    /// vectors to train falls back to exact search until it has enough.
    func rebuild() throws(StoreError) -> CategoryIndex {
        let (rows, now) = try store.backend.liveVectors(ofCategory: category.id)
        let dimension = category.embedder.globalDimension
        var vectors: [Float] = []
        vectors.reserveCapacity(rows.count * dimension)
        for (_, vector) in rows { vectors += vector }
        let index = try Self.build(specification: category.indexSpecification, dimension: dimension, vectors: vectors,
                                   ids: rows.map(\.id), categoryName: category.name, logger: store.logger)
        store.logger.info("built the index from SQLite", metadata: ["store.category": "\(category.name)", "store.vectors": "\(rows.count)"])
        return CategoryIndex(categoryID: category.id, index: index, appliedSequence: now, rebuilt: true)
    }

    static func build(specification: String, dimension: Int, vectors: [Float], ids: [Int64], categoryName: String, logger: Logger) throws(StoreError) -> VectorIndex {
        do {
            var index = try VectorIndex(dimension: dimension, description: specification)
            if !index.isTrained {
                do throws(IndexError) {
                    guard !ids.isEmpty else { throw IndexError(.notTrained, "no vectors to train on") }
                    try index.train(vectors)
                } catch {
                    logger.warning("cannot train the index yet; using exact search until there are enough references",
                                   metadata: ["store.category": "\(categoryName)", "store.index": "\(specification)", "store.error": "\(error.message)"])
                    index = try VectorIndex(dimension: dimension, description: "Flat")
                }
            }
            if !ids.isEmpty { try index.add(vectors, ids: ids) }
            return index
        } catch {
            throw StoreError(.index, "building the \"\(specification)\" index of category \"\(categoryName)\": \(error.message)")
        }
    }

    func liveCount() throws(StoreError) -> Int {
        try store.backend.liveIDs(categoryID: category.id).count
    }
}
