import Foundation

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
        try backend.excludeFromCalibration(reasons, at: Self.timestamp())
    }

    /// Returns golden samples to calibration.
    /// - Returns: the ids that were excluded (the others were already included).
    /// - Throws: `.invalidArgument` for ids that are not live references of the category.
    @discardableResult
    public func readmitToCalibration(_ ids: [Int64], in categoryName: String) throws(StoreError) -> [Int64] {
        try requireWritable()
        try requireLiveReferences(ids, of: categoryName)
        return try backend.readmitToCalibration(ids)
    }

    /// The live golden samples of `category` left out of calibration, by id.
    public func calibrationExclusions(in categoryName: String) throws(StoreError) -> [Int64: CalibrationExclusion] {
        let category = try category(named: categoryName)
        return try backend.calibrationExclusions(categoryID: category.id)
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
