import Foundation

/// What `StoreCopier` copied, per category, and what it checked afterwards.
public struct StoreCopyReport: Sendable, Codable {
    public struct CategoryCopy: Sendable, Codable {
        public let name: String
        public let references: Int
        public let withPatches: Int
        /// Image files carried over (into the database, or the destination's uploads).
        public let images: Int
        /// References whose image was not available in the source (features only).
        public let imagesMissing: Int
        public let exclusions: Int
        public let calibration: Bool
        public let memoryBank: Bool
    }

    public let categories: [CategoryCopy]
    public let knowledgeEntries: Int
    /// Differences found by reading the destination back (empty when it matches).
    public let mismatches: [String]
}

/// Copies a store's golden sets from one backend into another (SQLite ↔ PostgreSQL)
/// without re-embedding: categories, live references with their metadata, vectors, patch
/// features and image bytes, exclusions, calibrations and memory banks (both still
/// current, or still stale, as in the source), and knowledge; then reads the destination
/// back and compares. Runs and tombstones stay in the source (history, not golden sets).
/// Reference ids are the destination's own; their order is kept.
public struct StoreCopier {
    let source: any StoreBackend
    let destination: any StoreBackend
    /// Where image bytes go for a destination that does not keep them (its uploads folder).
    let uploadsDirectory: String?
    static let page = 128

    public init(source: any StoreBackend, destination: any StoreBackend, uploadsDirectory: String?) {
        self.source = source
        self.destination = destination
        self.uploadsDirectory = uploadsDirectory
    }

    /// Copies everything; `progress` receives the category and references copied so far.
    /// - Throws: `.invalidArgument` when the destination has categories or knowledge
    ///   already (nothing is copied); `.io` when an image cannot be written to the
    ///   destination's uploads; the backends' errors. A copy that fails part-way leaves a
    ///   partial destination: remove it and copy again.
    public func copy(progress: (String, Int) -> Void = { _, _ in }) throws(StoreError) -> StoreCopyReport {
        let existing = try destination.categories()
        guard existing.isEmpty, try destination.knowledgeCategories().isEmpty else {
            throw StoreError(.invalidArgument, "the destination \(destination.location) is not empty (\(existing.count) categories); copy into a new store")
        }
        var copies: [StoreCopyReport.CategoryCopy] = []
        var mismatches: [String] = []
        for category in try source.categories() {
            let (copy, problems) = try copyCategory(category, progress: progress)
            copies.append(copy)
            mismatches += problems
        }
        var entries = 0
        for listed in try source.knowledgeCategories() {
            let knowledge = try source.knowledge(of: listed.category)
            _ = try destination.importKnowledge(knowledge, at: ReferenceStore.timestamp())
            entries += knowledge.count
            let copied = try destination.knowledge(of: listed.category).count
            if copied != knowledge.count { mismatches.append("knowledge of \(listed.category): \(copied) entries copied of \(knowledge.count)") }
        }
        return StoreCopyReport(categories: copies, knowledgeEntries: entries, mismatches: mismatches)
    }

    private func copyCategory(_ category: Category, progress: (String, Int) -> Void) throws(StoreError) -> (StoreCopyReport.CategoryCopy, [String]) {
        try destination.insertCategory(category.name, embedder: category.embedder, indexSpecification: category.indexSpecification, createdAt: category.createdAt)
        guard let target = try destination.category(named: category.name) else {
            throw StoreError(.database, "the category \(category.name) vanished from \(destination.location) while it was copied")
        }
        var idMap: [Int64: Int64] = [:]
        var sourceVectors: [[Float]] = []
        var withPatches = 0, images = 0, missing = 0, offset = 0
        while true {
            let page = try source.listReferences(categoryID: category.id, limit: Self.page, offset: offset)
            if page.isEmpty { break }
            offset += page.count
            var batch: [NewReference] = []
            for record in page {
                guard let vector = try source.vector(of: record.id) else {
                    throw StoreError(.database, "reference \(record.id) of \(category.name) has no vector in \(source.location); run `echoctl verify` there")
                }
                let patches = try source.patchFeatures(of: record.id)
                if patches != nil { withPatches += 1 }
                var path = record.sourcePath
                var bytes = try imageBytes(of: record)
                if let found = bytes {
                    images += 1
                    if !destination.keepsImageBytes {
                        path = try keptCopy(found, of: record)
                        bytes = nil
                    }
                } else {
                    missing += 1
                }
                sourceVectors.append(vector)
                batch.append(NewReference(sha256: record.sha256, sourcePath: path, width: record.width, height: record.height, metadata: record.metadata,
                                          vector: vector, patches: patches, imageBytes: bytes))
            }
            let added = try destination.addReferences(batch, to: target, createdAt: page[0].createdAt)
            for (record, outcome) in zip(page, added.outcomes) {
                switch outcome {
                case .added(let id): idMap[record.id] = id
                case .duplicate(let id): idMap[record.id] = id
                }
            }
            progress(category.name, offset)
        }

        let exclusions = try source.calibrationExclusions(categoryID: category.id)
        var reasons: [Int64: String] = [:]
        for (id, exclusion) in exclusions { if let mapped = idMap[id] { reasons[mapped] = exclusion.reason } }
        if !reasons.isEmpty { try destination.excludeFromCalibration(reasons, at: exclusions.values.map(\.excludedAt).max() ?? ReferenceStore.timestamp()) }

        // A calibration or bank current in the source is current in the destination (the
        // same reference set under the destination's version); a stale one stays stale.
        guard let copied = try destination.category(named: category.name) else {
            throw StoreError(.database, "the category \(category.name) vanished from \(destination.location) while it was copied")
        }
        func version(_ sourceVersion: Int64) -> Int64 {
            sourceVersion == category.referenceSetVersion ? copied.referenceSetVersion : max(0, copied.referenceSetVersion - 1)
        }
        let calibration = try source.calibration(categoryID: category.id, categoryName: category.name)
        if let calibration {
            try destination.saveCalibration(Calibration(category: category.name, referenceSetVersion: version(calibration.referenceSetVersion),
                                                        threshold: calibration.threshold, method: calibration.method, neighbours: calibration.neighbours,
                                                        scores: calibration.scores, computedAt: calibration.computedAt, scoring: calibration.scoring,
                                                        backgrounds: calibration.backgrounds), categoryID: copied.id)
        }
        let bank = try source.memoryBank(categoryID: category.id, categoryName: category.name)
        if let bank {
            try destination.saveMemoryBank(MemoryBank(category: category.name, referenceSetVersion: version(bank.referenceSetVersion), ratio: bank.ratio,
                                                      sourcePatches: bank.sourcePatches, dimension: bank.dimension, vectors: bank.vectors,
                                                      origins: bank.origins.map { idMap[$0] ?? -1 }, builtAt: bank.builtAt), categoryID: copied.id)
        }
        let problems = try compare(category, copied, sourceVectors: sourceVectors, calibration: calibration, bank: bank, exclusions: reasons.count)
        return (StoreCopyReport.CategoryCopy(name: category.name, references: idMap.count, withPatches: withPatches, images: images, imagesMissing: missing,
                                             exclusions: reasons.count, calibration: calibration != nil, memoryBank: bank != nil), problems)
    }

    /// Reads the copied category back: counts, every vector in order, calibration, bank.
    private func compare(_ category: Category, _ copied: Category, sourceVectors: [[Float]], calibration: Calibration?, bank: MemoryBank?,
                         exclusions: Int) throws(StoreError) -> [String] {
        var problems: [String] = []
        let sourceCounts = try source.referenceCounts(categoryID: category.id, vectorDimension: category.embedder.globalDimension)
        let copiedCounts = try destination.referenceCounts(categoryID: copied.id, vectorDimension: copied.embedder.globalDimension)
        if sourceCounts.live != copiedCounts.live || sourceCounts.withPatches != copiedCounts.withPatches || copiedCounts.badVectors > 0 {
            problems.append("\(category.name): \(copiedCounts.live) references (\(copiedCounts.withPatches) with patches) copied of \(sourceCounts.live) (\(sourceCounts.withPatches))")
        }
        let ids = try destination.liveIDs(categoryID: copied.id)
        var differing = 0
        for (index, id) in ids.enumerated() {
            let vector = try destination.vector(of: id)
            if index >= sourceVectors.count || vector != sourceVectors[index] { differing += 1 }
        }
        if differing > 0 { problems.append("\(category.name): \(differing) vectors differ from the source's") }
        let copiedCalibration = try destination.calibration(categoryID: copied.id, categoryName: copied.name)
        if copiedCalibration?.threshold != calibration?.threshold || copiedCalibration?.scores != calibration?.scores {
            problems.append("\(category.name): the calibration differs from the source's")
        }
        let copiedBank = try destination.memoryBank(categoryID: copied.id, categoryName: copied.name)
        if copiedBank?.vectors != bank?.vectors { problems.append("\(category.name): the memory bank differs from the source's") }
        if try destination.calibrationExclusions(categoryID: copied.id).count != exclusions {
            problems.append("\(category.name): the calibration exclusions differ from the source's")
        }
        return problems
    }

    /// The image file of a reference: the source's stored bytes, else its file when it is
    /// still there unchanged; nil when neither.
    private func imageBytes(of record: ReferenceRecord) throws(StoreError) -> [UInt8]? {
        if let bytes = try source.imageBytes(sha256: record.sha256) { return bytes }
        guard let data = FileManager.default.contents(atPath: record.sourcePath),
              ImageDigest.hex(data) == record.sha256 else { return nil }
        return [UInt8](data)
    }

    /// Keeps an image in the destination's uploads (named by its hash) for a destination
    /// that references files; the path to record.
    private func keptCopy(_ bytes: [UInt8], of record: ReferenceRecord) throws(StoreError) -> String {
        if let data = FileManager.default.contents(atPath: record.sourcePath), data.elementsEqual(bytes) { return record.sourcePath }
        guard let uploadsDirectory else { return record.sourcePath }
        let isPNG = bytes.starts(with: [0x89, 0x50, 0x4E, 0x47])
        let path = "\(uploadsDirectory)/\(record.sha256).\(isPNG ? "png" : "jpg")"
        do {
            try FileManager.default.createDirectory(atPath: uploadsDirectory, withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: path) { try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic) }
        } catch {
            throw StoreError(.io, "cannot write the image of reference \(record.id) into \(uploadsDirectory): \(error.localizedDescription)")
        }
        return path
    }
}
