import Foundation
import GRDB

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
        let scores = String(decoding: try JSONEncoder.sorted.encodeOrThrow(calibration.scores), as: UTF8.self)
        let backgrounds = String(decoding: try JSONEncoder.sorted.encodeOrThrow(calibration.backgrounds), as: UTF8.self)
        try write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO calibrations (category_id, reference_set_version, threshold, method, neighbours, scores, computed_at,
                                                     scoring, backgrounds)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [category.id, calibration.referenceSetVersion, calibration.threshold, calibration.method,
                                 calibration.neighbours, scores, calibration.computedAt, calibration.scoring, backgrounds])
        }
    }

    /// The category's latest calibration, if any (check `referenceSetVersion` against the
    /// category's to know whether it is stale).
    public func calibration(of categoryName: String) throws(StoreError) -> Calibration? {
        let category = try category(named: categoryName)
        let row = try read { db in try Row.fetchOne(db, sql: "SELECT * FROM calibrations WHERE category_id = ?", arguments: [category.id]) }
        guard let row else { return nil }
        let scoresText: String = row["scores"]
        let scores = (try? JSONDecoder().decode([Double].self, from: Data(scoresText.utf8))) ?? []
        let backgroundsText: String = row["backgrounds"]
        let backgrounds = (try? JSONDecoder().decode([Double].self, from: Data(backgroundsText.utf8))) ?? []
        return Calibration(category: categoryName, referenceSetVersion: row["reference_set_version"], threshold: row["threshold"],
                           method: row["method"], neighbours: row["neighbours"], scores: scores, computedAt: row["computed_at"],
                           scoring: row["scoring"], backgrounds: backgrounds)
    }

    /// Starts a run; returns its id.
    public func beginRun(category categoryName: String, threshold: Double?) throws(StoreError) -> Int64 {
        try requireWritable()
        let category = try category(named: categoryName)
        return try write { db in
            try db.execute(sql: "INSERT INTO runs (category_id, reference_set_version, threshold, started_at) VALUES (?, ?, ?, ?)",
                           arguments: [category.id, category.referenceSetVersion, threshold, Self.timestamp()])
            return db.lastInsertedRowID
        }
    }

    /// Records results of a run (one transaction).
    public func recordResults(_ results: [RunResultRecord], run: Int64) throws(StoreError) {
        try requireWritable()
        try write { db in
            let insert = try db.cachedStatement(sql: "INSERT INTO run_results (run_id, image_path, verdict, score, background, result) VALUES (?, ?, ?, ?, ?, ?)")
            for result in results {
                try insert.execute(arguments: [run, result.imagePath, result.verdict, result.score, result.background, result.details])
            }
        }
    }

    /// Marks a run finished with a JSON summary and, when measured, its score drift.
    public func finishRun(_ run: Int64, summary: [String: Int], drift: ScoreDrift? = nil) throws(StoreError) {
        try requireWritable()
        let text = String(decoding: try JSONEncoder.sorted.encodeOrThrow(summary), as: UTF8.self)
        let driftText = try drift.map { drift throws(StoreError) in String(decoding: try JSONEncoder.sorted.encodeOrThrow(drift), as: UTF8.self) }
        try write { db in
            try db.execute(sql: "UPDATE runs SET finished_at = ?, summary = ?, drift = ? WHERE id = ?",
                           arguments: [Self.timestamp(), text, driftText, run])
        }
    }

    /// The score drift recorded with a run; nil when none was measured.
    /// - Throws: `.invalidArgument` for an unknown run.
    public func drift(ofRun run: Int64) throws(StoreError) -> ScoreDrift? {
        let row = try read { db in try Row.fetchOne(db, sql: "SELECT drift FROM runs WHERE id = ?", arguments: [run]) }
        guard let row else { throw StoreError(.invalidArgument, "no run has id \(run)") }
        guard let text: String = row["drift"] else { return nil }
        return try? JSONDecoder().decode(ScoreDrift.self, from: Data(text.utf8))
    }

    /// The newest `limit` scored results (score and background level) recorded in
    /// `category`'s runs started at or after `since` (an ISO 8601 time, such as a
    /// calibration's `computedAt`), newest first: the sample score drift is measured on
    /// across runs.
    public func recentScores(of categoryName: String, since: String, limit: Int = 500) throws(StoreError) -> [(score: Double, background: Double?)] {
        let category = try category(named: categoryName)
        return try read { db in
            try Row.fetchAll(db, sql: """
                SELECT r.score, r.background FROM run_results r JOIN runs ON runs.id = r.run_id
                WHERE runs.category_id = ? AND runs.started_at >= ? AND r.score IS NOT NULL
                ORDER BY r.id DESC LIMIT ?
                """, arguments: [category.id, since, max(0, limit)]).map { (score: $0["score"], background: $0["background"]) }
        }
    }

    /// The results recorded for a run.
    public func results(ofRun run: Int64) throws(StoreError) -> [RunResultRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM run_results WHERE run_id = ? ORDER BY id", arguments: [run]).map {
                RunResultRecord(imagePath: $0["image_path"], verdict: $0["verdict"], score: $0["score"], background: $0["background"],
                                details: $0["result"])
            }
        }
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
