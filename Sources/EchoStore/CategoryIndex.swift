import EchoIndex
import Foundation
import Logging

/// The FAISS index of one category: a cache of the live vectors in SQLite, saved as
/// `category-<id>.<seq>.faiss`, where `seq` is the last store change it reflects. The
/// sequence lives in the file name, so the file and its sequence are published by one
/// atomic rename.
final class CategoryIndex: @unchecked Sendable {
    let categoryID: Int64
    private let lock = NSLock()
    private var current: VectorIndex
    /// The last store sequence whose changes to this category the index reflects.
    private var appliedSequence: Int64
    /// Changes applied since the file was last saved.
    private var unsavedChanges = 0
    /// The whole index was rebuilt and has never been written.
    private var rebuiltSinceSave = false

    /// - Parameter rebuilt: true for an index built from SQLite rather than read from its
    ///   file, which must be saved.
    init(categoryID: Int64, index: VectorIndex, appliedSequence: Int64, rebuilt: Bool = false) {
        self.categoryID = categoryID
        self.current = index
        self.appliedSequence = appliedSequence
        self.rebuiltSinceSave = rebuilt
    }

    /// The index to search (searches are safe during writes).
    var index: VectorIndex { lock.withLock { current } }
    var sequence: Int64 { lock.withLock { appliedSequence } }
    var pendingChanges: Int { lock.withLock { unsavedChanges } }
    /// Whether the file on disk is behind this index.
    var needsSave: Bool { lock.withLock { rebuiltSinceSave || unsavedChanges > 0 } }

    /// Adds vectors already committed in SQLite. Ids already present are skipped (replay
    /// is idempotent).
    func apply(adding vectors: [Float], ids: [Int64], dimension: Int, upTo sequence: Int64) throws(IndexError) {
        try lock.locked { () throws(IndexError) in
            var keptVectors: [Float] = []
            var keptIDs: [Int64] = []
            for (row, id) in ids.enumerated() where !current.contains(id) {
                keptIDs.append(id)
                keptVectors.append(contentsOf: vectors[row * dimension..<(row + 1) * dimension])
            }
            if !keptIDs.isEmpty { try current.add(keptVectors, ids: keptIDs) }
            appliedSequence = max(appliedSequence, sequence)
            unsavedChanges += keptIDs.count
        }
    }

    /// Removes ids whose deletion is committed in SQLite.
    func apply(removing ids: [Int64], upTo sequence: Int64) throws(IndexError) {
        try lock.locked { () throws(IndexError) in
            let present = ids.filter { current.contains($0) }
            if !present.isEmpty { try current.remove(ids: present) }
            appliedSequence = max(appliedSequence, sequence)
            unsavedChanges += present.count
        }
    }

    /// Replaces the whole index (after a rebuild).
    func replace(with index: VectorIndex, sequence: Int64) {
        lock.withLock {
            current = index
            appliedSequence = sequence
            rebuiltSinceSave = true
        }
    }

    /// Saves the index atomically into `directory`, then deletes older files of this
    /// category.
    func save(in directory: String, logger: Logger) throws(IndexError) {
        try lock.locked { () throws(IndexError) in
            let path = IndexFiles.path(in: directory, category: categoryID, sequence: appliedSequence)
            try current.write(to: path)
            unsavedChanges = 0
            rebuiltSinceSave = false
            for old in IndexFiles.files(in: directory, category: categoryID) where old.path != path {
                try? FileManager.default.removeItem(atPath: old.path)
            }
            logger.debug("saved index", metadata: ["store.category": "\(categoryID)", "store.sequence": "\(appliedSequence)"])
        }
    }
}

/// Names and finds the index files of a store.
enum IndexFiles {
    struct File {
        let path: String
        let sequence: Int64
    }

    static func path(in directory: String, category: Int64, sequence: Int64) -> String {
        "\(directory)/category-\(category).\(sequence).faiss"
    }

    /// The category's index files, newest first.
    static func files(in directory: String, category: Int64) -> [File] {
        let prefix = "category-\(category)."
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { name -> File? in
            guard name.hasPrefix(prefix), name.hasSuffix(".faiss") else { return nil }
            let middle = name.dropFirst(prefix.count).dropLast(".faiss".count)
            guard let sequence = Int64(middle) else { return nil }
            return File(path: "\(directory)/\(name)", sequence: sequence)
        }.sorted { $0.sequence > $1.sequence }
    }
}
