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
        /// How the image score is read off the raw (unsmoothed) patch distances. Nil: as
        /// the category was calibrated, else the maximum. Calibration records it.
        public var imageScore: ImageScore?
        /// Smoothing of the anomaly map that is shown and localises defects, in patches.
        /// The image score never sees it: smoothing before taking the peak flattens small
        /// defects (PatchCore, too, takes the maximum of the raw distances and smooths only
        /// the pixel map). 0.5 patch is PatchCore's σ = 4 px at 224 and measured best for
        /// pixel AUROC on the texture benchmark's tuning split (brick / gravel / grass
        /// 0.996 / 0.980 / 0.997 against 0.995 / 0.975 / 0.996 at σ = 1).
        public var smoothingSigma: Float = 0.5
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

        /// Names the scoring a threshold belongs to: the patch recipe and the image score.
        /// A calibration made by other scoring is never used (`Calibration.scoring`).
        public static func scoringID(_ imageScore: ImageScore) -> String { "\(ImageEmbedder.patchRecipe)/\(imageScore.id)" }

        /// The image score a calibration's scoring id names, if it is of the current recipe.
        static func imageScore(ofScoring id: String) -> ImageScore? {
            let prefix = "\(ImageEmbedder.patchRecipe)/"
            guard id.hasPrefix(prefix) else { return nil }
            return ImageScore(id: String(id.dropFirst(prefix.count)))
        }
    }

    /// How a patch map becomes one image score.
    public enum ImageScore: Sendable, Equatable {
        /// The largest patch distance (PatchCore).
        case maximum
        /// The mean of the `n` largest patch distances: less sensitive to one noisy patch.
        case topMean(Int)

        /// A short stable name ("max", "top5").
        public var id: String {
            switch self {
            case .maximum: "max"
            case .topMean(let n): "top\(n)"
            }
        }

        /// Parses `id` back ("max", "topN" with N ≥ 1); nil for anything else.
        public init?(id: String) {
            if id == "max" { self = .maximum; return }
            guard id.hasPrefix("top"), let n = Int(id.dropFirst(3)), n >= 1 else { return nil }
            self = n == 1 ? .maximum : .topMean(n)
        }

        /// The score of a raw patch map.
        func score(_ values: [Float]) -> Float {
            switch self {
            case .maximum:
                return values.max() ?? 0
            case .topMean(let n):
                let top = values.sorted(by: >).prefix(n)
                return top.isEmpty ? 0 : top.reduce(0, +) / Float(top.count)
            }
        }
    }

    public let extractor: ReferenceExtractor
    public let configuration: Configuration
    let banks: MemoryBankCache
    public var store: ReferenceStore { extractor.store }

    public init(store: ReferenceStore, embedder: ImageEmbedder, configuration: Configuration = Configuration()) {
        extractor = ReferenceExtractor(store: store, embedder: embedder)
        self.configuration = configuration
        banks = MemoryBankCache()
    }

    private init(extractor: ReferenceExtractor, configuration: Configuration, banks: MemoryBankCache) {
        self.extractor = extractor
        self.configuration = configuration
        self.banks = banks
    }

    /// This expert with other settings, sharing its loaded memory banks (so a long-lived
    /// owner, like a service, loads each bank once whatever settings each request uses).
    public func configured(_ configuration: Configuration) -> VisionExpert {
        VisionExpert(extractor: extractor, configuration: configuration, banks: banks)
    }

    /// This expert scoring as `calibration` did (its neighbours and image score), when it
    /// is of the current scoring; else this expert unchanged. Sharing the bank cache.
    public func scoring(as calibration: Calibration?) -> VisionExpert {
        guard let calibration, let imageScore = Configuration.imageScore(ofScoring: calibration.scoring) else { return self }
        var settings = configuration
        settings.neighbours = calibration.neighbours
        settings.imageScore = imageScore
        return VisionExpert(extractor: extractor, configuration: settings, banks: banks)
    }

    /// Inspects one image.
    /// - Throws: `.embedding` or `.image` for an unusable image; `.references` for a
    ///   category without golden samples or patch features; `.store` otherwise.
    public func inspect(_ image: Image, category: String) throws(ReferenceExtractorError) -> InspectionResult {
        let set = try extractor.nearestNormals(to: image, category: category, k: configuration.neighbours)
        guard !set.matches.isEmpty else {
            throw .references("category \"\(category)\" has no golden samples; ingest some with `echoctl ingest --category \(category) ...`")
        }
        let stored: Calibration?
        let current: Category
        do {
            stored = try store.calibration(of: category)
            current = try store.category(named: category)
        } catch {
            throw .store(error)
        }
        try requireCurrentPatchRecipe(current)
        let bank = try currentBank(category)
        let raw = try rawScore(set.query.patches, against: set.matches.map(\.reference.id), category: category, bank: bank, excluding: nil)
        let map = raw.smoothed(sigma: configuration.smoothingSigma)
        let bankRows = bank?.stamp.rows
        let imageScore = configuration.imageScore ?? stored.flatMap { Configuration.imageScore(ofScoring: $0.scoring) } ?? .maximum
        let scoringID = Configuration.scoringID(imageScore)
        // A threshold from other scoring is in other units: never use it, say so.
        let otherScoring = stored.map { $0.scoring != scoringID } ?? false
        let calibration = otherScoring ? nil : stored
        let threshold = calibration.map { Float($0.threshold) }
        let stale = calibration.map { $0.referenceSetVersion != current.referenceSetVersion } ?? false
        let score = imageScore.score(raw.values)
        let verdict = decide(score: score, threshold: threshold)
        let references = set.matches.map { ReferenceUsed(id: $0.reference.id, path: $0.reference.sourcePath, similarity: $0.similarity) }
        return InspectionResult(
            category: category, score: score, background: raw.median, threshold: threshold, verdict: verdict, references: references, anomalyMap: map,
            region: map.peakRegion, explanation: explain(verdict: verdict, score: score, threshold: threshold, region: map.peakRegion,
                                                         references: references.count, bankRows: bankRows, stale: stale,
                                                         otherScoring: otherScoring ? stored.map { ($0.scoring, scoringID) } : nil),
            thresholdIsStale: stale, memoryBankPatches: bankRows)
    }

    /// The raw (unsmoothed) anomaly map of `query` patches against the stored patch
    /// features of the references `ids`: each patch's distance to its nearest normal patch
    /// (the scoring step of `inspect`, exposed for benchmarks and for callers that pick
    /// their own references). The image score is read off this map; `smoothed(sigma:)`
    /// gives the map `inspect` shows.
    /// - Throws: `.references` when none of the references has patch features, or when
    ///   they were made by another patch recipe (the message names `echoctl reembed`).
    /// - Parameter excluded: a golden sample whose memory-bank rows are left out (its own
    ///   leave-one-out calibration score).
    public func rawScore(_ query: PatchFeatures, against ids: [Int64], category: String, excluding excluded: Int64? = nil) throws(ReferenceExtractorError) -> AnomalyMap {
        let stored: Category
        do {
            stored = try store.category(named: category)
        } catch {
            throw .store(error)
        }
        try requireCurrentPatchRecipe(stored)
        return try rawScore(query, against: ids, category: category, bank: try currentBank(category), excluding: excluded)
    }

    /// The category's current memory bank when the configuration uses one.
    func currentBank(_ category: String) throws(ReferenceExtractorError) -> MemoryBankIndex? {
        configuration.useMemoryBank ? try banks.bank(of: category, in: store) : nil
    }

    /// `rawScore` with the bank already resolved and the patch recipe already checked
    /// (once per inspection or calibration, not once per scored image).
    func rawScore(_ query: PatchFeatures, against ids: [Int64], category: String, bank: MemoryBankIndex?,
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
            return try PatchScorer.score(query, against: references, bank: bank, excluding: excluded)
        } catch {
            throw .store(StoreError(.index, "patch search failed: \(error.message)"))
        }
    }

    /// Refuses to compare with patch features made by another recipe.
    func requireCurrentPatchRecipe(_ category: Category) throws(ReferenceExtractorError) {
        do {
            try extractor.embedder.identity.requirePatchCompatible(with: category.embedder, category: category.name)
        } catch {
            throw .references(error.message)
        }
    }

    func decide(score: Float, threshold: Float?) -> Verdict {
        guard let threshold else { return .uncalibrated }
        if score >= threshold * (1 + configuration.uncertaintyBand) { return .anomalous }
        if score < threshold * (1 - configuration.uncertaintyBand) { return .normal }
        return .uncertain
    }

    private func explain(verdict: Verdict, score: Float, threshold: Float?, region: String, references: Int, bankRows: Int?, stale: Bool,
                         otherScoring: (stored: String, current: String)?) -> String {
        let compared = "compared patch by patch with its \(references) most similar golden sample\(references == 1 ? "" : "s")"
            + (bankRows.map { " and the category's memory bank of \($0) patches" } ?? "")
        let staleNote = stale ? " (the threshold predates the latest reference changes; run `echoctl calibrate`)" : ""
        switch verdict {
        case .uncalibrated where otherScoring != nil:
            return "Score \(format(score)), \(compared); strongest difference at the \(region). The stored threshold was made by older "
                + "scoring (\(otherScoring!.stored), now \(otherScoring!.current)) and is not comparable: run `echoctl calibrate`."
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
