import Foundation

/// Keeping a node's loaded indexes current without waiting for a query: a hint (a
/// notification from another node), a poll, and reconciliation after a reconnect or a
/// failover. Queries stay correct without any of this (each checks the head in the same
/// snapshot as its rows); this only takes the catching-up off their path.
extension ReferenceStore {
    /// The log head a loaded index of `categoryID` has applied; nil when none is loaded.
    public func cachedHead(ofCategoryID categoryID: Int64) -> Int64? {
        loadedIndexes.first { $0.categoryID == categoryID }?.sequence
    }

    /// The ids of the categories whose indexes are loaded.
    public var loadedCategoryIDs: [Int64] { loadedIndexes.map(\.categoryID).sorted() }

    /// Brings the loaded index of a category (or every loaded index) up to its head.
    /// - Parameter knownHead: a head a notification announced; nothing is read when the
    ///   index has it already.
    /// - Returns: the categories that caught up.
    /// - Throws: `.unavailable`, `.database`, `.index`.
    @discardableResult
    public func refreshLoadedIndexes(categoryID: Int64? = nil, knownHead: Int64? = nil) throws(StoreError) -> [Int64] {
        var caughtUp: [Int64] = []
        let stale = loadedIndexes.filter { index in
            (categoryID == nil || index.categoryID == categoryID) && knownHead.map { index.sequence < $0 } != false
        }
        guard !stale.isEmpty else { return [] }
        let categories = try backend.categories()
        for index in stale {
            guard let category = categories.first(where: { $0.id == index.categoryID }) else { continue }
            let before = index.sequence
            if try currentIndex(for: category).sequence > before { caughtUp.append(category.id) }
        }
        return caughtUp
    }

    /// Checks every loaded index against its category after a reconnect or a failover:
    /// caught up to the head, then its vector count against the live references. An index
    /// ahead of the database (a failover lost commits it had applied) or disagreeing with
    /// it is rebuilt from the database.
    /// - Returns: the categories rebuilt.
    /// - Throws: `.unavailable`, `.database`, `.index`.
    @discardableResult
    public func reconcileLoadedIndexes() throws(StoreError) -> [String] {
        var rebuilt: [String] = []
        let categories = try backend.categories()
        for index in loadedIndexes {
            guard let category = categories.first(where: { $0.id == index.categoryID }) else {
                forgetIndex(of: index.categoryID)
                continue
            }
            let head = try backend.head(ofCategory: category.id)
            var sound = index.sequence <= head
            if sound {
                let current = try currentIndex(for: category)
                let live = try backend.referenceCounts(categoryID: category.id, vectorDimension: category.embedder.globalDimension).live
                sound = current.index.count == live
            }
            if !sound {
                logger.warning("an index disagreed with the database after a reconnect; rebuilding it",
                               metadata: ["store.category": "\(category.name)", "store.cached_head": "\(index.sequence)", "store.head": "\(head)"])
                if mode == .readWrite {
                    _ = try rebuildIndex(category: category.name)
                } else {
                    forgetIndex(of: category.id)
                }
                rebuilt.append(category.name)
            }
        }
        return rebuilt
    }
}
