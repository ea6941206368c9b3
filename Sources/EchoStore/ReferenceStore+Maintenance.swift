import EchoIndex
import Foundation

/// What `verify()` found.
public struct VerificationReport: Sendable, Codable {
    /// One line per problem; empty when the store is consistent.
    public var problems: [String]
    /// Categories checked.
    public var categories: Int
    /// Live references checked.
    public var references: Int
    public var isConsistent: Bool { problems.isEmpty }
}

/// Figures of one category for `stats`.
public struct CategoryStatistics: Sendable, Codable {
    public var name: String
    public var embedder: String
    public var indexSpecification: String
    public var liveReferences: Int
    public var deletedReferences: Int
    public var referencesWithPatches: Int
    public var indexedVectors: Int
    public var indexFileBytes: Int?
    public var indexFileSequence: Int64?
    public var referenceSetVersion: Int64
    /// Recall@10 of the index against exact search, on up to 200 stored vectors as
    /// queries; nil for exact (Flat) indexes, which are exact by construction, and when
    /// not measured.
    public var recallAt10: Double?
    /// The calibrated anomaly threshold, if any.
    public var threshold: Double?
    /// True when the threshold was computed on an older reference set (`echoctl calibrate`).
    public var thresholdIsStale: Bool?
    /// Rows of the memory bank, if the category has one.
    public var memoryBankPatches: Int?
    /// True when the memory bank was built from an older reference set (it is not used).
    public var memoryBankIsStale: Bool?
    /// Golden samples left out of calibration by an audit (`echoctl audit --exclude`).
    public var excludedFromCalibration: Int = 0
    /// The score drift of recent normal verdicts against the calibration. The store does
    /// not measure it (the vision expert's `ScoreDrift.recent` does); nil here.
    public var scoreDrift: ScoreDrift?
}

extension ReferenceStore {
    /// Checks the backend's integrity (SQLite's `PRAGMA integrity_check`), every stored vector, patch grid and memory bank against
    /// its checksum, that every category's index holds exactly its live references, and that the newest index file on disk loads
    /// and agrees after replay.
    public func verify() throws(StoreError) -> VerificationReport {
        var problems = try backend.integrityProblems()
        if !problems.isEmpty {
            // The indexes are only as good as the database they are rebuilt from: say what
            // to do about the database first, and read nothing more out of it.
            if backend is SQLiteBackend {
                return Self.damagedDatabaseReport(problems, database: backend.location)
            }
            problems.append("the database is inconsistent: restore the last good dump (pg_restore) or base backup")
            return VerificationReport(problems: problems, categories: 0, references: 0)
        }
        let damage = try backend.damagedContent()
        problems += damage.map(\.problem)
        var referenceCount = 0
        let all = try categories()
        for category in all {
            let liveIDs = try backend.liveIDs(categoryID: category.id)
            let badVectors = try backend.referenceCounts(categoryID: category.id, vectorDimension: category.embedder.globalDimension).badVectors
            referenceCount += liveIDs.count
            if badVectors > 0 { problems.append("\(category.name): \(badVectors) live references without a valid \(category.embedder.globalDimension)-d vector") }
            // An index cannot be rebuilt from damaged vectors: the damage is reported above.
            if damage.contains(where: { $0.category == category.name && $0.kind == .vector }) { continue }
            let index = try currentIndex(for: category).index
            if index.count != liveIDs.count {
                problems.append("\(category.name): the index holds \(index.count) vectors but \(liveIDs.count) references are live")
            }
            let missing = liveIDs.filter { !index.contains($0) }
            if !missing.isEmpty { problems.append("\(category.name): \(missing.count) live references are missing from the index (first: \(missing[0]))") }
            if let file = IndexFiles.files(in: indexDirectory, category: category.id).first {
                do {
                    let onDisk = CategoryIndex(categoryID: category.id, index: try VectorIndex.read(from: file.path), appliedSequence: file.sequence)
                    try IndexLoader(store: self, category: category).replay(into: onDisk)
                    if onDisk.index.count != liveIDs.count {
                        problems.append("\(category.name): the index file \(file.path) disagrees with SQLite after replay (\(onDisk.index.count) vs \(liveIDs.count)); run rebuild-index")
                    }
                } catch let error as IndexError {
                    problems.append("\(category.name): the index file \(file.path) is unreadable (\(error.message)); it will be rebuilt, or run rebuild-index")
                } catch {
                    problems.append("\(category.name): \(error)")
                }
            }
        }
        return VerificationReport(problems: problems, categories: all.count, references: referenceCount)
    }

    /// The report on an SQLite store that cannot be opened (its database is damaged):
    /// SQLite's integrity findings, and what to do.
    public static func verifyDamagedDatabase(inDirectory directory: String) -> VerificationReport {
        let database = directory + "/echo.sqlite"
        let findings = SQLiteBackend.integrityFindings(atPath: database).map { "SQLite integrity: \($0)" }
        return damagedDatabaseReport(findings.isEmpty ? ["SQLite integrity: ok, but the store could not be opened"] : findings, database: database)
    }

    static func damagedDatabaseReport(_ findings: [String], database: String) -> VerificationReport {
        let advice = "the database \(database) is damaged: restore the last good backup with `echoctl restore BACKUP` (make backups with `echoctl backup FILE`); without one, `sqlite3 \(database) .recover | sqlite3 recovered.sqlite` salvages what it can"
        return VerificationReport(problems: findings + [advice], categories: 0, references: 0)
    }

    /// Rebuilds a category's index from SQLite and saves it.
    /// - Returns: how many vectors the new index holds.
    public func rebuildIndex(category categoryName: String) throws(StoreError) -> Int {
        try requireWritable()
        let category = try category(named: categoryName)
        return try writeLock.locked { () throws(StoreError) -> Int in
            let rebuilt = try IndexLoader(store: self, category: category).rebuild()
            let index = try loadedIndex(for: category)
            index.replace(with: rebuilt.index, sequence: rebuilt.sequence)
            do throws(IndexError) {
                try index.save(in: indexDirectory, logger: logger)
            } catch {
                throw StoreError.index(error, "saving the rebuilt index of \"\(categoryName)\"")
            }
            return rebuilt.index.count
        }
    }

    /// Figures for every category (or one), with its threshold and memory bank.
    /// `measuringRecall` searches up to 200 stored vectors against an exact copy of each
    /// HNSW/IVF index; leave it off where the figures are read often (metrics scrapes).
    public func statistics(category only: String? = nil, measuringRecall: Bool = true) throws(StoreError) -> [CategoryStatistics] {
        let selected: [Category]
        if let only {
            selected = [try category(named: only)]
        } else {
            selected = try categories()
        }
        var result: [CategoryStatistics] = []
        for category in selected {
            let counts = try backend.referenceCounts(categoryID: category.id, vectorDimension: category.embedder.globalDimension)
            let index = try currentIndex(for: category).index
            let file = IndexFiles.files(in: indexDirectory, category: category.id).first
            let bytes = file.flatMap { (try? FileManager.default.attributesOfItem(atPath: $0.path))?[.size] as? Int }
            result.append(CategoryStatistics(
                name: category.name, embedder: category.embedder.description, indexSpecification: category.indexSpecification,
                liveReferences: counts.live, deletedReferences: counts.deleted, referencesWithPatches: counts.withPatches, indexedVectors: index.count,
                indexFileBytes: bytes, indexFileSequence: file?.sequence, referenceSetVersion: category.referenceSetVersion,
                recallAt10: measuringRecall ? try recall(of: index, category: category) : nil))
            if let calibration = try calibration(of: category.name) {
                result[result.count - 1].threshold = calibration.threshold
                result[result.count - 1].thresholdIsStale = calibration.referenceSetVersion != category.referenceSetVersion
            }
            result[result.count - 1].excludedFromCalibration = try calibrationExclusions(in: category.name).count
            if let bank = try memoryBankStamp(of: category.name) {
                result[result.count - 1].memoryBankPatches = bank.rows
                result[result.count - 1].memoryBankIsStale = bank.referenceSetVersion != category.referenceSetVersion
            }
        }
        return result
    }

    /// Recall@10 of an approximate index against exact search over the same vectors.
    private func recall(of index: VectorIndex, category: Category) throws(StoreError) -> Double? {
        guard category.indexSpecification.uppercased() != "FLAT", index.count > 0 else { return nil }
        let rows = try backend.liveVectors(ofCategory: category.id).vectors.map { ($0.id, $0.vector) }
        let dimension = category.embedder.globalDimension
        do {
            let exact = try VectorIndex(dimension: dimension, description: "Flat")
            try exact.add(rows.flatMap(\.1), ids: rows.map(\.0))
            let step = max(1, rows.count / 200)
            let queries = stride(from: 0, to: rows.count, by: step).flatMap { rows[$0].1 }
            let k = min(10, rows.count)
            let truth = try exact.search(queries, k: k)
            let found = try index.search(queries, k: k)
            var hits = 0
            for q in 0..<truth.queryCount {
                let expected = Set(truth.neighbours(ofQuery: q).map(\.id))
                hits += found.neighbours(ofQuery: q).filter { expected.contains($0.id) }.count
            }
            return Double(hits) / Double(truth.queryCount * k)
        } catch {
            throw StoreError(.index, "measuring recall of \"\(category.name)\": \(error.message)")
        }
    }
}
