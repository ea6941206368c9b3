import EchoReferences
import EchoVision
import Foundation
import Logging

/// `echoctl inspect --mllm`: the vision expert inspects every image (scores, references,
/// overlays), then the expert panel reviews each one, and the run is recorded with both
/// (the panel's verdict decides; the vision expert's stands, flagged, when the MLLM is
/// missing or fails).
public struct ExpertInspectionRunner: Sendable {
    public let runner: InspectionRunner
    public let panel: ExpertPanel

    public init(runner: InspectionRunner, panel: ExpertPanel) {
        self.runner = runner
        self.panel = panel
    }

    /// Inspects, reviews (`concurrency` MLLM reviews in flight) and records.
    /// - Throws: `.references` when the vision stage or recording fails (unknown
    ///   category, store errors). Per-image problems are reported in the run.
    public func run(_ paths: [String], category: String, reportDirectory: String?, concurrency: Int, reviewConcurrency: Int = 4,
                    progress: @escaping @Sendable (String, Int, Int) -> Void = { _, _, _ in }) async throws(ExpertError) -> RunReport {
        var batch: InspectionBatch
        do {
            batch = try runner.inspect(paths, category: category, keepImages: reportDirectory != nil, concurrency: concurrency) { done, total in
                progress("inspect", done, total)
            }
        } catch {
            throw .references(error)
        }
        let reviewed = batch.images.indices.filter { batch.images[$0].result != nil }
        let done = ProgressCounter()
        let reviews = await withTaskGroup(of: (Int, Review).self) { group -> [Int: Review] in
            var next = 0
            func launch() {
                guard next < reviewed.count else { return }
                let index = reviewed[next]
                next += 1
                let image = batch.images[index]
                group.addTask {
                    let review = await review(image, category: category)
                    progress("review", done.increment(), reviewed.count)
                    return (index, review)
                }
            }
            for _ in 0..<max(1, reviewConcurrency) { launch() }
            var all: [Int: Review] = [:]
            for await (index, review) in group {
                all[index] = review
                launch()
            }
            return all
        }
        for (index, review) in reviews { batch.images[index].review = review }
        do {
            return try runner.record(batch, reportDirectory: reportDirectory)
        } catch {
            throw .references(error)
        }
    }

    private func review(_ image: InspectedImage, category: String) async -> Review {
        await panel.review(image.result!, category: category, store: runner.expert.store) { () throws(ExpertError) in
            try ImageAttachment.load(path: image.path, label: "The image to inspect")
        }
    }
}
