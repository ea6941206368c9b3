import Foundation

/// A category's anomaly threshold and how it was obtained.
public struct Calibration: Sendable, Codable, Equatable {
    public let category: String
    /// The reference-set version it was computed on.
    public let referenceSetVersion: Int64
    public let threshold: Double
    /// How the threshold was derived from the scores (for people reading `stats`).
    public let method: String
    /// Nearest normals each score used.
    public let neighbours: Int
    /// The leave-one-out scores of the golden samples.
    public let scores: [Double]
    public let computedAt: String
    /// The scoring the scores were made by (the vision expert's `scoringID`); a threshold
    /// from other scoring is not comparable and is never used.
    public let scoring: String
    /// The background level (median raw patch distance) of each leave-one-out map, in the
    /// order of `scores`; empty for calibrations made before it was recorded.
    public let backgrounds: [Double]

    public init(category: String, referenceSetVersion: Int64, threshold: Double, method: String, neighbours: Int,
                scores: [Double], computedAt: String, scoring: String, backgrounds: [Double] = []) {
        self.scoring = scoring
        self.backgrounds = backgrounds
        self.category = category
        self.referenceSetVersion = referenceSetVersion
        self.threshold = threshold
        self.method = method
        self.neighbours = neighbours
        self.scores = scores
        self.computedAt = computedAt
    }
}

/// One recorded inspection result.
public struct RunResultRecord: Sendable, Codable {
    public let imagePath: String
    public let verdict: String
    public let score: Double?
    /// The median raw patch distance (the image's background level), when scored.
    public let background: Double?
    /// JSON with the details (references used, region, explanation, error).
    public let details: String

    public init(imagePath: String, verdict: String, score: Double?, background: Double? = nil, details: String) {
        self.imagePath = imagePath
        self.verdict = verdict
        self.score = score
        self.background = background
        self.details = details
    }
}

extension ReferenceStore {
    /// Stores a category's calibration, replacing the previous one.
    public func saveCalibration(_ calibration: Calibration) throws(StoreError) {
        try requireWritable()
        let category = try category(named: calibration.category)
        try backend.saveCalibration(calibration, categoryID: category.id)
    }

    /// The category's latest calibration, if any (check `referenceSetVersion` against the
    /// category's to know whether it is stale).
    public func calibration(of categoryName: String) throws(StoreError) -> Calibration? {
        let category = try category(named: categoryName)
        return try backend.calibration(categoryID: category.id, categoryName: category.name)
    }

    /// Starts a run; returns its id.
    public func beginRun(category categoryName: String, threshold: Double?) throws(StoreError) -> Int64 {
        try requireWritable()
        let category = try category(named: categoryName)
        return try backend.beginRun(categoryID: category.id, referenceSetVersion: category.referenceSetVersion, threshold: threshold,
                                    at: Self.timestamp())
    }

    /// Records results of a run (one transaction).
    public func recordResults(_ results: [RunResultRecord], run: Int64) throws(StoreError) {
        try requireWritable()
        try backend.recordResults(results, run: run)
    }

    /// Marks a run finished with a JSON summary and, when measured, its score drift.
    public func finishRun(_ run: Int64, summary: [String: Int], drift: ScoreDrift? = nil) throws(StoreError) {
        try requireWritable()
        try backend.finishRun(run, summary: summary, drift: drift, at: Self.timestamp())
    }

    /// The score drift recorded with a run; nil when none was measured.
    /// - Throws: `.invalidArgument` for an unknown run.
    public func drift(ofRun run: Int64) throws(StoreError) -> ScoreDrift? {
        try backend.drift(ofRun: run)
    }

    /// The newest `limit` scored results (score and background level) recorded in
    /// `category`'s runs started at or after `since` (an ISO 8601 time, such as a
    /// calibration's `computedAt`), newest first: the sample score drift is measured on
    /// across runs.
    public func recentScores(of categoryName: String, since: String, limit: Int = 500) throws(StoreError) -> [(score: Double, background: Double?)] {
        let category = try category(named: categoryName)
        return try backend.recentScores(categoryID: category.id, since: since, limit: limit)
    }

    /// The results recorded for a run.
    public func results(ofRun run: Int64) throws(StoreError) -> [RunResultRecord] {
        try backend.results(ofRun: run)
    }

    /// Recorded runs, newest first: all of them, or those of `categoryName`; `limit` from `offset`.
    /// - Throws: `.invalidArgument` for an unknown category or a limit < 1 or offset < 0.
    public func runs(category categoryName: String?, limit: Int, offset: Int) throws(StoreError) -> [RunStatus] {
        guard limit >= 1, offset >= 0 else { throw StoreError(.invalidArgument, "limit must be at least 1 and offset at least 0") }
        let categoryID = try categoryName.map { name throws(StoreError) in try category(named: name).id }
        return try backend.runs(categoryID: categoryID, limit: limit, offset: offset)
    }
}

extension JSONEncoder {
    func encodeOrThrow<T: Encodable>(_ value: T) throws(StoreError) -> Data {
        do {
            return try encode(value)
        } catch {
            throw StoreError(.invalidArgument, "cannot encode \(T.self): \(error)")
        }
    }
}
