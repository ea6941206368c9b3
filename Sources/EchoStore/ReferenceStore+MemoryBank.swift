import Foundation

/// A category's memory bank: a subsample of all its golden samples' patch features
/// (greedy coreset), with the golden sample each row came from.
public struct MemoryBank: Sendable, Equatable {
    public let category: String
    /// The reference-set version it was built from; a later version makes it stale.
    public let referenceSetVersion: Int64
    /// Kept rows / source patches.
    public let ratio: Double
    /// Patches of all golden samples the rows were chosen from.
    public let sourcePatches: Int
    public let dimension: Int
    /// Row-major rows × dimension.
    public let vectors: [Float]
    /// For each row, the id of the golden sample it came from (so a golden sample can be
    /// scored against the bank without its own patches during calibration).
    public let origins: [Int64]
    public let builtAt: String

    public var count: Int { origins.count }

    public init(category: String, referenceSetVersion: Int64, ratio: Double, sourcePatches: Int, dimension: Int,
                vectors: [Float], origins: [Int64], builtAt: String) {
        self.category = category
        self.referenceSetVersion = referenceSetVersion
        self.ratio = ratio
        self.sourcePatches = sourcePatches
        self.dimension = dimension
        self.vectors = vectors
        self.origins = origins
        self.builtAt = builtAt
    }
}

extension ReferenceStore {
    /// Stores a category's memory bank, replacing the previous one (float16 rows).
    /// - Throws: `.invalidArgument` when rows and origins disagree; `.unknownCategory`;
    ///   `.readOnly`; `.database`.
    public func saveMemoryBank(_ bank: MemoryBank) throws(StoreError) {
        try requireWritable()
        guard bank.dimension > 0, bank.vectors.count == bank.origins.count * bank.dimension else {
            throw StoreError(.invalidArgument, "memory bank of \"\(bank.category)\": \(bank.vectors.count) values do not make \(bank.origins.count) rows of \(bank.dimension)")
        }
        let category = try category(named: bank.category)
        try backend.saveMemoryBank(bank, categoryID: category.id)
    }

    /// The category's memory bank, if one was built (compare `referenceSetVersion` with
    /// the category's to know whether it is stale).
    /// - Throws: `.unknownCategory`; `.database` for a damaged row; `.database`.
    public func memoryBank(of categoryName: String) throws(StoreError) -> MemoryBank? {
        let category = try category(named: categoryName)
        return try backend.memoryBank(categoryID: category.id, categoryName: category.name)
    }

    /// Removes the category's memory bank (the vision expert then compares with the
    /// nearest golden samples only). Returns whether there was one.
    @discardableResult
    public func removeMemoryBank(of categoryName: String) throws(StoreError) -> Bool {
        try requireWritable()
        let category = try category(named: categoryName)
        return try backend.removeMemoryBank(categoryID: category.id)
    }

    /// Every live golden sample of a category that has patch features, with them, in id
    /// order (the source of a memory bank).
    public func allPatchFeatures(category categoryName: String) throws(StoreError) -> [(id: Int64, values: [Float])] {
        let category = try category(named: categoryName)
        return try backend.allPatchFeatures(categoryID: category.id)
    }
}

/// What identifies one stored memory bank, cheap to read: compare with a loaded bank's
/// stamp to know whether it was rebuilt.
public struct MemoryBankStamp: Sendable, Equatable {
    public let referenceSetVersion: Int64
    public let rows: Int
    public let builtAt: String

    public init(referenceSetVersion: Int64, rows: Int, builtAt: String) {
        self.referenceSetVersion = referenceSetVersion
        self.rows = rows
        self.builtAt = builtAt
    }

    /// The stamp of a loaded bank.
    public init(_ bank: MemoryBank) {
        self.init(referenceSetVersion: bank.referenceSetVersion, rows: bank.count, builtAt: bank.builtAt)
    }
}

extension ReferenceStore {
    /// The stamp of the category's memory bank, without its vectors; nil when it has none.
    /// - Throws: `.unknownCategory`; `.database`.
    public func memoryBankStamp(of categoryName: String) throws(StoreError) -> MemoryBankStamp? {
        let category = try category(named: categoryName)
        return try backend.memoryBankStamp(categoryID: category.id)
    }
}
