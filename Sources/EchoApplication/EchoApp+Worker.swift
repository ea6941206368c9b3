import EchoExperts
import EchoImaging
import EchoStore
import EchoVision
import Foundation
import Synchronization

/// How a worker takes jobs from the queue.
public struct WorkerOptions: Sendable {
    /// The worker's name in leases and logs (unique per process: host and pid by default).
    public var name: String
    /// Jobs claimed (and inspected at once) per round.
    public var batch = 2
    /// How long a claim holds a job; renewed every third of it while the job runs, so a
    /// job is reclaimed this long after its worker dies.
    public var leaseSeconds = 60.0
    /// How long an idle worker waits before looking again.
    public var pollSeconds = 1.0
    /// Stop once no job is waiting or leased (instead of waiting for more).
    public var exitWhenIdle = false
    /// A job claimed this many times without a result (its workers died on it) is recorded
    /// as failed instead of being tried again.
    public var maxAttempts = 3

    public init(name: String = WorkerOptions.defaultName) {
        self.name = name
    }

    /// "host:pid".
    public static var defaultName: String { "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)" }

    /// - Throws: `invalid_parameter` naming the value out of range.
    public func validate() throws(EchoError) {
        guard batch > 0 else { throw EchoError(.invalidParameter, "the batch must be at least 1 (got \(batch))") }
        guard leaseSeconds >= 1 else { throw EchoError(.invalidParameter, "the lease must be at least 1 second (got \(leaseSeconds))") }
        guard pollSeconds > 0 else { throw EchoError(.invalidParameter, "the poll interval must be positive (got \(pollSeconds))") }
        guard maxAttempts > 0 else { throw EchoError(.invalidParameter, "the attempts must be at least 1 (got \(maxAttempts))") }
        guard !name.isEmpty else { throw EchoError(.invalidParameter, "the worker needs a name") }
    }
}

/// What a worker did.
public struct WorkerSummary: Sendable, Encodable {
    /// Results this worker recorded.
    public var recorded = 0
    /// Jobs it inspected whose lease another worker had taken over first (nothing written).
    public var lost = 0
    /// Jobs recorded as failed after too many attempts.
    public var gaveUp = 0
    /// Runs it finished (their last job was its).
    public var runsFinished: [Int64] = []
}

/// What a worker reports as it goes.
public enum WorkerEvent: Sendable {
    case recorded(job: ClaimedJob, verdict: String)
    case lost(job: ClaimedJob)
    case finishedRun(Int64)
    /// The database is unavailable; the worker waits and tries again.
    case waiting(String)
}

extension EchoApp {
    /// Takes jobs from the queue until `shouldStop` says so (or, with `exitWhenIdle`, the
    /// queue is empty): each claimed job's image is read from the database, inspected (and
    /// reviewed when its run asks and an MLLM is configured), and its result recorded in the
    /// transaction that marks the job done — only while this worker holds its lease, so an
    /// image is recorded once however many workers die or race. The worker that records a
    /// run's last job finishes the run (summary, drift); one that finds a run whose last
    /// worker stopped before finishing it finishes it. A database that goes away is waited
    /// out, not fatal.
    /// - Throws: `invalid_parameter`; `unsupported` when the store has no queue;
    ///   `weights_unusable`; `read_only`; `store_failed` for a failure retrying cannot help.
    public func work(_ options: WorkerOptions, shouldStop: @escaping @Sendable () -> Bool = { false },
                     events: @escaping @Sendable (WorkerEvent) -> Void = { _ in }) async throws(EchoError) -> WorkerSummary {
        try options.validate()
        let queue = try requireQueue()
        guard store.mode == .readWrite else { throw EchoError(.readOnly, "a worker records results: open the store read-write") }
        _ = try requireEmbedder()
        var summary = WorkerSummary()
        logger.info("worker started", metadata: ["worker": "\(options.name)", "batch": "\(options.batch)", "lease": "\(options.leaseSeconds)"])
        while !shouldStop() {
            do throws(EchoError) {
                let jobs = try await BlockingWork.run { try queue.claimJobs(worker: options.name, limit: options.batch, leaseSeconds: options.leaseSeconds) }
                if jobs.isEmpty {
                    // Idle: finish runs whose last worker stopped before finishing them.
                    try await finishAbandonedRuns(queue, &summary, events: events)
                    if options.exitWhenIdle, try await BlockingWork.run({ try queue.pendingJobCount() }) == 0 { break }
                    try? await Task.sleep(for: .seconds(options.pollSeconds))
                    continue
                }
                try await process(jobs, queue: queue, options: options, summary: &summary, events: events)
            } catch where error.code.isRetryable {
                logger.warning("worker waiting for the store", metadata: ["worker": "\(options.name)", "error": "\(error)"])
                events(.waiting(error.message))
                try? await Task.sleep(for: .seconds(max(1, options.pollSeconds)))
            }
        }
        logger.info("worker stopped", metadata: ["worker": "\(options.name)", "recorded": "\(summary.recorded)", "lost": "\(summary.lost)"])
        return summary
    }

    /// Inspects claimed jobs at once (their leases renewed meanwhile) and records each.
    private func process(_ jobs: [ClaimedJob], queue: any InspectionQueue, options: WorkerOptions, summary: inout WorkerSummary,
                         events: @escaping @Sendable (WorkerEvent) -> Void) async throws(EchoError) {
        let renewal = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(options.leaseSeconds / 3))
                if Task.isCancelled { break }
                _ = try? await BlockingWork.run { try queue.renewLeases(jobs.map(\.id), worker: options.name, leaseSeconds: options.leaseSeconds) }
            }
        }
        defer { renewal.cancel() }
        let inspected = await withTaskGroup(of: (Int, InspectedImage).self) { group in
            for (index, job) in jobs.enumerated() {
                group.addTask { (index, await self.inspect(job, maxAttempts: options.maxAttempts)) }
            }
            var images = [InspectedImage?](repeating: nil, count: jobs.count)
            for await (index, image) in group { images[index] = image }
            return images.map { $0! }
        }
        for (job, image) in zip(jobs, inspected) {
            let record = InspectionRunner.resultRecord(image)
            let completion = try await BlockingWork.run { try queue.completeJob(job.id, worker: options.name, result: record) }
            if completion.recorded {
                summary.recorded += 1
                if job.attempts > options.maxAttempts { summary.gaveUp += 1 }
                count(UseCaseMetrics.workerJobs, [("outcome", job.attempts > options.maxAttempts ? "gave_up" : "recorded")])
                count(UseCaseMetrics.inspectedImages, [("verdict", record.verdict)])
                events(.recorded(job: job, verdict: record.verdict))
                if completion.remaining == 0 { try await finishRun(job.runID, &summary, events: events) }
            } else {
                summary.lost += 1
                count(UseCaseMetrics.workerJobs, [("outcome", "lost")])
                logger.notice("a job's lease went to another worker first; its result was not recorded here",
                              metadata: ["job": "\(job.id)", "run": "\(job.runID)"])
                events(.lost(job: job))
            }
        }
    }

    /// One job's image inspected: never throws (a failure is the image's result).
    private func inspect(_ job: ClaimedJob, maxAttempts: Int) async -> InspectedImage {
        guard job.attempts <= maxAttempts else {
            return InspectedImage(path: job.imageName, result: nil,
                                  error: "gave up after \(maxAttempts) attempts: each worker that took this image stopped before recording it")
        }
        do throws(EchoError) {
            var settings = VisionExpert.Configuration()
            settings.neighbours = job.settings.neighbours
            let expert = try visionExpert(settings)
            let maxPixels = limits.maxPixels
            let store = self.store
            let (bytes, image, result) = try await BlockingWork.run { () throws -> ([UInt8], Image, InspectionResult) in
                guard let bytes = try store.backend.imageBytes(sha256: job.sha256) else {
                    throw EchoError(.storeFailed, "the queued image \(job.sha256) is missing from the database")
                }
                let image = try ImageDecoder(maxPixels: maxPixels).decode(bytes)
                return (bytes, image, try expert.inspect(image, category: job.category))
            }
            var review: Review?
            if job.settings.review {
                review = await reviewPanel.review(result, category: job.category, store: store) { () throws(ExpertError) in
                    try ImageAttachment.from(bytes: bytes, decoded: image, label: "The image to inspect")
                }
            }
            return InspectedImage(path: job.imageName, result: result, error: nil, review: review)
        } catch {
            return InspectedImage(path: job.imageName, result: nil, error: "\(error.code): \(error.message)")
        }
    }

    private func finishRun(_ run: Int64, _ summary: inout WorkerSummary, events: @Sendable (WorkerEvent) -> Void) async throws(EchoError) {
        let store = self.store
        guard let status = try await BlockingWork.run({ try store.runStatus(run) }) else { return }
        let runner = InspectionRunner(expert: try visionExpert(), logger: logger, maxPixels: limits.maxPixels)
        let finished = try await BlockingWork.run { () throws -> Bool in
            let outcome = try runner.recordedRunOutcome(status)
            return try store.finishQueuedRun(run, summary: outcome.summary, drift: outcome.drift)
        }
        guard finished else { return }
        summary.runsFinished.append(run)
        logger.info("finished a queued run", metadata: ["run": "\(run)", "images": "\(status.images)"])
        events(.finishedRun(run))
    }

    /// Finishes runs whose every job is done but whose last worker stopped before
    /// finishing them.
    private func finishAbandonedRuns(_ queue: any InspectionQueue, _ summary: inout WorkerSummary,
                                     events: @escaping @Sendable (WorkerEvent) -> Void) async throws(EchoError) {
        for run in try await BlockingWork.run({ try queue.completeUnfinishedRuns() }) {
            try await finishRun(run, &summary, events: events)
        }
    }
}
