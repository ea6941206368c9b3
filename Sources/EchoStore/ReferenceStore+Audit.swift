import Foundation
import GRDB

/// A golden sample set aside from calibration, and why.
public struct CalibrationExclusion: Sendable, Codable, Equatable {
    public let referenceID: Int64
    /// What the audit measured ("leave-one-out score 2.41, robust z 6.3").
    public let reason: String
    public let excludedAt: String

    public init(referenceID: Int64, reason: String, excludedAt: String) {
        self.referenceID = referenceID
        self.reason = reason
        self.excludedAt = excludedAt
    }
}

extension ReferenceStore {
    /// Leaves golden samples of `category` out of calibration (their leave-one-out scores
    /// no longer enter the threshold) without deleting them: they stay references. An id
    /// already excluded gets the new reason. Nothing is written when any id is not a live
    /// reference of the category.
    /// - Throws: `.invalidArgument` naming the ids that are not live references of the
    ///   category; `.unknownCategory`; `.readOnly`; `.database`.
    public func excludeFromCalibration(_ reasons: [Int64: String], in categoryName: String) throws(StoreError) {
        try requireWritable()
        try requireLiveReferences(Array(reasons.keys), of: categoryName)
        let now = Self.timestamp()
        try write { db in
            for (id, reason) in reasons.sorted(by: { $0.key < $1.key }) {
                try db.execute(sql: "INSERT OR REPLACE INTO calibration_exclusions (reference_id, reason, excluded_at) VALUES (?, ?, ?)",
                               arguments: [id, reason, now])
            }
        }
    }

    /// Returns golden samples to calibration.
    /// - Returns: the ids that were excluded (the others were already included).
    /// - Throws: `.invalidArgument` for ids that are not live references of the category.
    @discardableResult
    public func readmitToCalibration(_ ids: [Int64], in categoryName: String) throws(StoreError) -> [Int64] {
        try requireWritable()
        try requireLiveReferences(ids, of: categoryName)
        return try write { db in
            var readmitted: [Int64] = []
            for id in Set(ids).sorted() {
                try db.execute(sql: "DELETE FROM calibration_exclusions WHERE reference_id = ?", arguments: [id])
                if db.changesCount > 0 { readmitted.append(id) }
            }
            return readmitted
        }
    }

    /// The live golden samples of `category` left out of calibration, by id.
    public func calibrationExclusions(in categoryName: String) throws(StoreError) -> [Int64: CalibrationExclusion] {
        let category = try category(named: categoryName)
        let rows = try read { db in
            try Row.fetchAll(db, sql: """
                SELECT e.reference_id, e.reason, e.excluded_at FROM calibration_exclusions e
                JOIN reference_images r ON r.id = e.reference_id
                WHERE r.category_id = ? AND r.deleted_seq IS NULL
                """, arguments: [category.id])
        }
        return Dictionary(uniqueKeysWithValues: rows.map {
            ($0["reference_id"], CalibrationExclusion(referenceID: $0["reference_id"], reason: $0["reason"], excludedAt: $0["excluded_at"]))
        })
    }

    private func requireLiveReferences(_ ids: [Int64], of categoryName: String) throws(StoreError) {
        let category = try category(named: categoryName)
        let live = Set(try references(ids: Array(Set(ids))).filter { $0.category == category.name }.map(\.id))
        let missing = Set(ids).subtracting(live)
        guard missing.isEmpty else {
            throw StoreError(.invalidArgument, "no live golden sample of \"\(categoryName)\" with id "
                + missing.sorted().map(String.init).joined(separator: ", ") + "; nothing was changed (see `echoctl list --category \(categoryName)`)")
        }
    }
}
