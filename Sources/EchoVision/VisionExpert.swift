import EchoEmbedding
import EchoImaging
import EchoIndex
import EchoReferences
import EchoStore
import Foundation

/// The vision expert: scores a query image against its nearest golden samples patch by
/// patch, giving an anomaly score, a map and a verdict with no MLLM at all. It is Echo's
/// embedded default and the evidence the Decision Maker hands an MLLM.
public struct VisionExpert: Sendable {
    /// How the expert scores and decides.
    public struct Configuration: Sendable {
        /// Nearest normals whose patches each query is compared with.
        public var neighbours: Int = 3
        /// Smoothing of the patch map, in patches (PatchCore smooths its map too).
        public var smoothingSigma: Float = 1
        /// The uncertainty band around the threshold, as a fraction of it: scores in
        /// [(1 − b)·t, (1 + b)·t) are `uncertain`.
        public var uncertaintyBand: Float = 0.1
        /// The quantile of the golden samples' leave-one-out scores used as threshold. 0.95
        /// measured best on ELPV: FPR 0.02, TPR 0.96 on mono cells, against 0.00 and 0.70
        /// at 0.99 (golden sets hold a few imperfect cells that inflate the top scores).
        public var thresholdQuantile: Double = 0.95
        /// Whether to compare with the category's memory bank too, when it has a current
        /// one (`buildMemoryBank`). Calibration and inspection must agree on this.
        public var useMemoryBank: Bool = true

        public init() {}
    }

    public let extractor: ReferenceExtractor
    public let configuration: Configuration
    let banks = MemoryBankCache()
    public var store: ReferenceStore { extractor.store }

    public init(store: ReferenceStore, embedder: ImageEmbedder, configuration: Configuration = Configuration()) {
        extractor = ReferenceExtractor(store: store, embedder: embedder)
        self.configuration = configuration
    }

    /// Inspects one image.
    /// - Throws: `.embedding` or `.image` for an unusable image; `.references` for a
    ///   category without golden samples or patch features; `.store` otherwise.
    public func inspect(_ image: Image, category: String) throws(ReferenceExtractorError) -> InspectionResult {
        let set = try extractor.nearestNormals(to: image, category: category, k: configuration.neighbours)
        guard !set.matches.isEmpty else {
            throw .references("category \"\(category)\" has no golden samples; ingest some with `echoctl ingest --category \(category) ...`")
        }
        let bank = try currentBank(category)
        let map = try score(set.query.patches, against: set.matches.map(\.reference.id), category: category, bank: bank, excluding: nil)
        let bankRows = bank?.stamp.rows
        let calibration: Calibration?
        let current: Category
        do {
            calibration = try store.calibration(of: category)
            current = try store.category(named: category)
        } catch {
            throw .store(error)
        }
        let threshold = calibration.map { Float($0.threshold) }
        let stale = calibration.map { $0.referenceSetVersion != current.referenceSetVersion } ?? false
        let score = map.maximum
        let verdict = decide(score: score, threshold: threshold)
        let references = set.matches.map { ReferenceUsed(id: $0.reference.id, path: $0.reference.sourcePath, similarity: $0.similarity) }
        return InspectionResult(
            category: category, score: score, threshold: threshold, verdict: verdict, references: references, anomalyMap: map,
            region: map.peakRegion, explanation: explain(verdict: verdict, score: score, threshold: threshold, region: map.peakRegion,
                                                         references: references.count, bankRows: bankRows, stale: stale),
            thresholdIsStale: stale, memoryBankPatches: bankRows)
    }

    /// The smoothed anomaly map of `query` patches against the stored patch features of
    /// the references `ids` (the scoring step of `inspect`, exposed for benchmarks and
    /// for callers that pick their own references).
    /// - Throws: `.references` when none of the references has patch features.
    /// - Parameter excluded: a golden sample whose memory-bank rows are left out (its own
    ///   leave-one-out calibration score).
    public func score(_ query: PatchFeatures, against ids: [Int64], category: String, excluding excluded: Int64? = nil) throws(ReferenceExtractorError) -> AnomalyMap {
        try score(query, against: ids, category: category, bank: try currentBank(category), excluding: excluded)
    }

    /// The category's current memory bank when the configuration uses one.
    func currentBank(_ category: String) throws(ReferenceExtractorError) -> MemoryBankIndex? {
        configuration.useMemoryBank ? try banks.bank(of: category, in: store) : nil
    }

    /// `score` with the bank already resolved (once per inspection or calibration).
    func score(_ query: PatchFeatures, against ids: [Int64], category: String, bank: MemoryBankIndex?,
               excluding excluded: Int64?) throws(ReferenceExtractorError) -> AnomalyMap {
        var references: [PatchFeatures] = []
        for id in ids {
            do {
                if let patches = try store.patchFeatures(of: id) { references.append(patches) }
            } catch {
                throw .store(error)
            }
        }
        guard !references.isEmpty || bank != nil else {
            throw .references("the golden samples of \"\(category)\" have no patch features (they were added as bare vectors); re-ingest the images")
        }
        do {
            return try PatchScorer.score(query, against: references, bank: bank, excluding: excluded).smoothed(sigma: configuration.smoothingSigma)
        } catch {
            throw .store(StoreError(.index, "patch search failed: \(error.message)"))
        }
    }

    func decide(score: Float, threshold: Float?) -> Verdict {
        guard let threshold else { return .uncalibrated }
        if score >= threshold * (1 + configuration.uncertaintyBand) { return .anomalous }
        if score < threshold * (1 - configuration.uncertaintyBand) { return .normal }
        return .uncertain
    }

    private func explain(verdict: Verdict, score: Float, threshold: Float?, region: String, references: Int, bankRows: Int?, stale: Bool) -> String {
        let compared = "compared patch by patch with its \(references) most similar golden sample\(references == 1 ? "" : "s")"
            + (bankRows.map { " and the category's memory bank of \($0) patches" } ?? "")
        let staleNote = stale ? " (the threshold predates the latest reference changes; run `echoctl calibrate`)" : ""
        switch verdict {
        case .uncalibrated:
            return "Score \(format(score)), \(compared); strongest difference at the \(region). No threshold yet: run `echoctl calibrate`."
        case .normal:
            return "Normal: score \(format(score)) is below the threshold \(format(threshold!)), \(compared)\(staleNote)."
        case .anomalous:
            return "Anomalous: score \(format(score)) exceeds the threshold \(format(threshold!)), \(compared); the strongest difference is at the \(region)\(staleNote)."
        case .uncertain:
            return "Uncertain: score \(format(score)) is within \(Int(configuration.uncertaintyBand * 100)) % of the threshold \(format(threshold!)), \(compared); look at the \(region)\(staleNote)."
        }
    }

    private func format(_ value: Float) -> String { String(format: "%.3f", value) }
}
