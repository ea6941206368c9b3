import ArgumentParser
import EchoApplication
import EchoExperts
import EchoStore
import Foundation
import Synchronization

/// `echoctl worker`: takes queued inspection jobs from a PostgreSQL store until stopped.
struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect queued images (from `echoctl inspect --queue`) until stopped; any number, on any machine.",
        discussion: """
            Each job is claimed under a lease, inspected (and reviewed by the MLLM experts when its run asked and an MLLM \
            is configured here), and its result recorded exactly once. A worker that dies leaves its jobs to be reclaimed \
            when their leases lapse. SIGINT or SIGTERM stops it after the jobs in hand are recorded.
            """)

    @Option(help: "The worker's name in leases and logs (default: host:pid).") var name: String = WorkerOptions.defaultName
    @Option(help: "Jobs claimed and inspected at once.") var batch = 2
    @Option(help: "Seconds a claim holds a job (renewed while it runs); a dead worker's jobs return after this long.") var lease = 60.0
    @Option(help: "Seconds an idle worker waits before looking again.") var poll = 1.0
    @Option(help: "Claims of one job without a result before it is recorded as failed.") var maxAttempts = 3
    @Flag(help: "Stop once no job is waiting or in progress.") var exitWhenIdle = false
    @OptionGroup var moduleOptions: ModuleOptions
    @OptionGroup var mllmOptions: MLLMOptions
    @OptionGroup var embedderOptions: EmbedderOptions
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        var options = WorkerOptions(name: name)
        options.batch = batch
        options.leaseSeconds = lease
        options.pollSeconds = poll
        options.maxAttempts = maxAttempts
        options.exitWhenIdle = exitWhenIdle
        try options.validate()
        let modules = moduleOptions.parsed
        let app = try storeOptions.app(.readWrite, runtime: runtime, label: "worker", embedder: embedderOptions) { store, logger in
            guard let model = try mllmOptions.client(logger: logger) else { return nil }
            return ExpertPanel(model: model, knowledge: modules.knowledge ? KnowledgeGuide(store: store) : nil, modules: modules, logger: logger)
        }
        let stop = StopSignal()
        let freshness = CacheFreshness(store: app.store, logger: app.logger)
        freshness.start()
        defer { freshness.stop() }
        let json = output.json
        let summary = try await app.work(options, shouldStop: { stop.requested }) { event in
            guard !json else { return }
            switch event {
            case .recorded(let job, let verdict): print("run \(job.runID): \(job.imageName) \(verdict)")
            case .lost(let job): printError("run \(job.runID): \(job.imageName) was taken over by another worker; not recorded here")
            case .finishedRun(let run): print("run \(run) finished")
            case .waiting(let message): printError("waiting: \(message)")
            }
        }
        try? app.saveIndexes()
        if json {
            try printJSON(summary)
        } else {
            print("worker \(options.name): \(summary.recorded) recorded, \(summary.lost) taken over by others, \(summary.gaveUp) given up; runs finished: "
                  + (summary.runsFinished.isEmpty ? "none" : summary.runsFinished.map(String.init).joined(separator: ", ")))
        }
    }
}

/// Set by SIGINT or SIGTERM: the worker stops after the jobs in hand.
final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)
    /// Kept alive for as long as the signal is watched (set once, in init).
    private nonisolated(unsafe) var sources: [any DispatchSourceSignal] = []

    init() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in flag.store(true, ordering: .relaxed) }
            source.resume()
            sources.append(source)
        }
    }

    var requested: Bool { flag.load(ordering: .relaxed) }
}

/// `echoctl runs`: recorded runs.
struct Runs: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Recorded inspection runs.", subcommands: [ShowRun.self])
}

/// `echoctl runs show ID`: a run's progress and results.
struct ShowRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "A run's progress (queued runs: images recorded of all) and each image's result.",
        discussion: "Exit code: 0 finished, 2 still enqueuing or running, 3 finished with anomalous or uncertain images, 1 with failed ones.")

    @Argument(help: "The run's id.") var id: Int64
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let progress = try storeOptions.app(.readOnly, runtime: runtime, label: "runs").runProgress(id)
        let status = progress.status
        if output.json {
            try printJSON(RunView(progress))
        } else {
            print("run \(status.id) of \(status.category): \(status.state.rawValue), \(status.recorded) of \(status.images) recorded"
                  + (status.inProgress > 0 ? ", \(status.inProgress) in progress" : "")
                  + "; threshold \(status.threshold.map { String(format: "%.3f", $0) } ?? "none"); started \(status.startedAt)"
                  + (status.finishedAt.map { ", finished \($0)" } ?? ""))
            if !progress.results.isEmpty {
                print(Table(headers: ["image", "verdict", "score"], rows: progress.results.map { result in
                    [result.imagePath, result.verdict, result.score.map { String(format: "%.3f", $0) } ?? "-"]
                }).rendered)
            }
        }
        guard status.state == .finished else { throw ExitCode(2) }
        if progress.results.contains(where: { $0.verdict == "failed" }) { throw ExitCode(1) }
        if progress.results.contains(where: { $0.verdict == "anomalous" || $0.verdict == "uncertain" }) { throw ExitCode(3) }
    }
}

/// A run as JSON: its status and results (details parsed).
struct RunView: Encodable {
    let status: RunStatus
    let results: [RunResultRecord]

    init(_ progress: RunProgress) {
        status = progress.status
        results = progress.results
    }
}
