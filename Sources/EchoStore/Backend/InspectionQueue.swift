/// A backend that can hold a queue of inspection jobs for workers on any machine
/// (PostgreSQL). A queued run's images are stored content-addressed by SHA-256 beside the
/// jobs, so a worker needs nothing but the database; each job is claimed under a lease
/// (`FOR UPDATE SKIP LOCKED`), and its result is recorded at most once, by the worker
/// that holds the lease, in the transaction that marks the job done.
public protocol InspectionQueue: Sendable {
    /// Starts a queued run. Workers take none of its jobs until `sealQueuedRun` (so a
    /// run whose enqueuer stopped half-way is never inspected half).
    /// - Returns: the run's id.
    func beginQueuedRun(categoryID: Int64, referenceSetVersion: Int64, threshold: Double?, settings: QueuedRunSettings,
                        at time: String) throws(StoreError) -> Int64
    /// Stores the images' bytes (once per SHA-256) and one job per image, numbered after
    /// the run's jobs so far, in one transaction.
    /// - Throws: `.invalidArgument` when the run is not a queued run being enqueued.
    func enqueueImages(_ images: [QueuedImage], run: Int64, at time: String) throws(StoreError)
    /// Opens a queued run's jobs to workers.
    func sealQueuedRun(_ run: Int64) throws(StoreError)

    /// Claims up to `limit` jobs that are waiting or whose lease lapsed, oldest first,
    /// leasing them to `worker` for `leaseSeconds` (and counting the attempt).
    func claimJobs(worker: String, limit: Int, leaseSeconds: Double) throws(StoreError) -> [ClaimedJob]

    /// Extends the leases `worker` still holds on `jobIDs` by `leaseSeconds` from now.
    /// - Returns: the ids whose lease was extended (a job reclaimed by another worker is not).
    func renewLeases(_ jobIDs: [Int64], worker: String, leaseSeconds: Double) throws(StoreError) -> Set<Int64>

    /// Records a job's result and marks the job done, in one transaction, when `worker`
    /// still holds its lease and nobody recorded it first.
    func completeJob(_ jobID: Int64, worker: String, result: RunResultRecord) throws(StoreError) -> JobCompletion

    /// Marks a queued run finished with its summary and drift, unless it is already:
    /// whether this call finished it (two workers finishing at once: one does).
    func finishQueuedRun(_ run: Int64, summary: [String: Int], drift: ScoreDrift?, at time: String) throws(StoreError) -> Bool

    /// Queued runs whose every job is done but which are not marked finished (their last
    /// worker stopped before finishing them).
    func completeUnfinishedRuns() throws(StoreError) -> [Int64]

    /// Jobs not yet done (waiting or leased), over all runs.
    func pendingJobCount() throws(StoreError) -> Int
}

/// How a queued run is inspected (fixed when it is enqueued).
public struct QueuedRunSettings: Sendable, Codable, Equatable {
    /// Nearest normals each image is compared with.
    public var neighbours: Int
    /// Whether the MLLM experts review each image.
    public var review: Bool

    public init(neighbours: Int, review: Bool) {
        self.neighbours = neighbours
        self.review = review
    }
}

/// One image of a run to enqueue: the name it is reported under and its file's bytes.
public struct QueuedImage: Sendable {
    public let name: String
    /// SHA-256 (lower-case hex) of `bytes`.
    public let sha256: String
    public let bytes: [UInt8]

    public init(name: String, sha256: String, bytes: [UInt8]) {
        self.name = name
        self.sha256 = sha256
        self.bytes = bytes
    }
}

/// A job a worker holds a lease on.
public struct ClaimedJob: Sendable, Equatable {
    public let id: Int64
    public let runID: Int64
    public let category: String
    /// The image's name in the run (its path where it was enqueued).
    public let imageName: String
    public let sha256: String
    /// Claims of this job so far, this one included.
    public let attempts: Int
    public let settings: QueuedRunSettings

    public init(id: Int64, runID: Int64, category: String, imageName: String, sha256: String, attempts: Int, settings: QueuedRunSettings) {
        self.id = id
        self.runID = runID
        self.category = category
        self.imageName = imageName
        self.sha256 = sha256
        self.attempts = attempts
        self.settings = settings
    }
}

/// What completing a job did.
public struct JobCompletion: Sendable, Equatable {
    /// Whether this call recorded the result (false: the lease was lost to another worker,
    /// or the job was done already; nothing was written).
    public let recorded: Bool
    /// The run's jobs not yet done after this call.
    public let remaining: Int

    public init(recorded: Bool, remaining: Int) {
        self.recorded = recorded
        self.remaining = remaining
    }
}

/// A run and how far it got.
public struct RunStatus: Sendable, Codable, Equatable {
    public let id: Int64
    public let category: String
    public let referenceSetVersion: Int64
    public let threshold: Double?
    public let startedAt: String
    public let finishedAt: String?
    /// Final verdict counts, once finished.
    public let summary: [String: Int]
    /// Whether workers inspect it from the queue.
    public let queued: Bool
    public let state: RunState
    /// The images of the run (for a queued run, its jobs).
    public let images: Int
    /// Results recorded so far.
    public let recorded: Int
    /// Jobs a worker holds a live lease on now.
    public let inProgress: Int

    public init(id: Int64, category: String, referenceSetVersion: Int64, threshold: Double?, startedAt: String, finishedAt: String?,
                summary: [String: Int], queued: Bool, state: RunState, images: Int, recorded: Int, inProgress: Int) {
        self.id = id
        self.category = category
        self.referenceSetVersion = referenceSetVersion
        self.threshold = threshold
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.summary = summary
        self.queued = queued
        self.state = state
        self.images = images
        self.recorded = recorded
        self.inProgress = inProgress
    }
}

/// Where a run is in its life.
public enum RunState: String, Sendable, Codable, Equatable {
    /// A queued run still being enqueued (or whose enqueuer stopped before it was done):
    /// workers take none of its jobs.
    case enqueuing
    /// Being inspected (by workers, for a queued run).
    case running
    /// Every image recorded and the summary written.
    case finished
}
