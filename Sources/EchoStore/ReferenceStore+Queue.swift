/// Queued inspection (backends that are an `InspectionQueue`) and run progress.
extension ReferenceStore {
    /// The backend's inspection queue, or nil when it has none (SQLite: one machine,
    /// inspect directly).
    public var queue: (any InspectionQueue)? { backend as? any InspectionQueue }

    /// A run and how far it got, or nil when no run has that id.
    public func runStatus(_ run: Int64) throws(StoreError) -> RunStatus? {
        try backend.runStatus(run)
    }

    /// Starts a queued run of `category` at its current reference set, with `threshold`.
    /// - Throws: `.unknownCategory`; `.readOnly`; `.invalidArgument` when the backend has no queue.
    public func beginQueuedRun(category categoryName: String, threshold: Double?, settings: QueuedRunSettings) throws(StoreError) -> Int64 {
        try requireWritable()
        let queue = try requireQueue()
        let category = try category(named: categoryName)
        return try queue.beginQueuedRun(categoryID: category.id, referenceSetVersion: category.referenceSetVersion, threshold: threshold,
                                        settings: settings, at: Self.timestamp())
    }

    /// Adds images (their bytes stored content-addressed) to a queued run being enqueued.
    public func enqueueImages(_ images: [QueuedImage], run: Int64) throws(StoreError) {
        try requireWritable()
        try requireQueue().enqueueImages(images, run: run, at: Self.timestamp())
    }

    /// Opens a queued run's jobs to workers.
    public func sealQueuedRun(_ run: Int64) throws(StoreError) {
        try requireWritable()
        try requireQueue().sealQueuedRun(run)
    }

    /// Finishes a queued run unless another worker did first: whether this call did.
    public func finishQueuedRun(_ run: Int64, summary: [String: Int], drift: ScoreDrift?) throws(StoreError) -> Bool {
        try requireWritable()
        return try requireQueue().finishQueuedRun(run, summary: summary, drift: drift, at: Self.timestamp())
    }

    func requireQueue() throws(StoreError) -> any InspectionQueue {
        guard let queue else {
            throw StoreError(.invalidArgument, "the store at \(backend.location) has no job queue; queued inspection needs a PostgreSQL store")
        }
        return queue
    }
}

extension ReferenceStore {
    /// Runs a long job on a category (calibration, memory bank, patch re-extraction) under
    /// the category's job lock, so no other node runs one on it at the same time.
    /// - Throws: `.unknownCategory`; `.busy` when another node holds the lock; what `body` throws.
    public func withCategoryJob<T>(_ categoryName: String, _ what: String, _ body: () throws -> T) throws -> T {
        let category = try category(named: categoryName)
        let lock = try backend.lockCategoryJob(categoryID: category.id, categoryName: category.name, what: what)
        defer { lock?.release() }
        return try body()
    }
}
