import EchoConcurrency
import EchoIndex
import Foundation
import Logging

/// The FAISS index of one category: a cache of the live vectors in SQLite, saved as
/// `category-<id>.<seq>.faiss`, where `seq` is the last store change it reflects. The
/// sequence lives in the file name, so the file and its sequence are published by one
/// atomic rename.
final class CategoryIndex: Sendable {
    let categoryID: Int64
    private let state: Protected<State>

    private struct State {
        var current: VectorIndex
        var appliedSequence: Int64
        var unsavedChanges = 0
        var rebuiltSinceSave: Bool
    }

    init(categoryID: Int64, index: VectorIndex, appliedSequence: Int64, rebuilt: Bool = false) {
        self.categoryID = categoryID
        state = Protected(State(current: index, appliedSequence: appliedSequence, rebuiltSinceSave: rebuilt))
    }

    var index: VectorIndex { state.withLock { $0.current } }
    var sequence: Int64 { state.withLock { $0.appliedSequence } }
    var pendingChanges: Int { state.withLock { $0.unsavedChanges } }
    var needsSave: Bool { state.withLock { $0.rebuiltSinceSave || $0.unsavedChanges > 0 } }

    func apply(adding vectors: [Float], ids: [Int64], dimension: Int, upTo sequence: Int64) throws(IndexError) {
        try state.withLock { (state) throws(IndexError) in
            var keptVectors: [Float] = []
            var keptIDs: [Int64] = []
            for (row, id) in ids.enumerated() where !state.current.contains(id) {
                keptIDs.append(id)
                keptVectors.append(contentsOf: vectors[row * dimension..<(row + 1) * dimension])
            }
            if !keptIDs.isEmpty { try state.current.add(keptVectors, ids: keptIDs) }
            state.appliedSequence = max(state.appliedSequence, sequence)
            state.unsavedChanges += keptIDs.count
        }
    }

    func apply(removing ids: [Int64], upTo sequence: Int64) throws(IndexError) {
        try state.withLock { (state) throws(IndexError) in
            let present = ids.filter { state.current.contains($0) }
            if !present.isEmpty { try state.current.remove(ids: present) }
            state.appliedSequence = max(state.appliedSequence, sequence)
            state.unsavedChanges += present.count
        }
    }

    func replace(with index: VectorIndex, sequence: Int64) {
        state.withLock { state in
            state.current = index
            state.appliedSequence = sequence
            state.rebuiltSinceSave = true
        }
    }

    func save(in directory: String, logger: Logger) throws(IndexError) {
        let categoryID = categoryID
        try state.withLock { (state) throws(IndexError) in
            let path = IndexFiles.path(in: directory, category: categoryID, sequence: state.appliedSequence)
            try state.current.write(to: path)
            state.unsavedChanges = 0
            state.rebuiltSinceSave = false
            for old in IndexFiles.files(in: directory, category: categoryID) where old.path != path {
                try? FileManager.default.removeItem(atPath: old.path)
            }
            logger.debug("saved index", metadata: ["store.category": "\(categoryID)", "store.sequence": "\(state.appliedSequence)"])
        }
    }
}

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
