import EchoStore
@_exported import EchoTestSupport
import Foundation
import Synchronization
import Testing

/// One behaviour every `StoreBackend` must have, runnable against any backend.
public struct BackendCase: Sendable, CustomStringConvertible {
    public let description: String
    let run: @Sendable (any StoreBackend) throws -> Void

    /// Checks the behaviour against `backend` (a new, empty one), recording issues with
    /// Swift Testing's `#expect`.
    public func check(_ backend: any StoreBackend) throws { try run(backend) }
}

/// The conformance suite of the storage seam: the contract of `StoreBackend`, written
/// once against the protocol. A backend's test target runs every case on a new, empty
/// backend of its kind (`@Test(arguments: StoreBackendConformance.cases)`), so the next
/// backend runs the same suite unchanged.
public enum StoreBackendConformance {
    public static let cases: [BackendCase] = [
        BackendCase(description: "categories: created once, found by name, listed by name", run: categories),
        BackendCase(description: "rename moves the category and its knowledge, and refuses a taken name", run: rename),
        BackendCase(description: "add: new bytes are added, the same bytes again are duplicates, vectors and patches round-trip", run: add),
        BackendCase(description: "remove tombstones all or nothing, and ids are never reused", run: remove),
        BackendCase(description: "the change log replays every add and delete after a head exactly once", run: changeLog),
        BackendCase(description: "live rows are read with the head in one snapshot; metadata filters match exactly", run: snapshot),
        BackendCase(description: "concurrent writers: a reader replaying from each head it saw gets every acknowledged add exactly once", run: concurrentWriters),
        BackendCase(description: "the same bytes added by concurrent writers become one reference; the rest are told it is present", run: concurrentDuplicates),
        BackendCase(description: "patch features are replaced for exactly the live references, with the recipe", run: patches),
        BackendCase(description: "calibrations and exclusions round-trip and follow the live references", run: calibrations),
        BackendCase(description: "memory banks round-trip (float16 rows), stamp and remove", run: memoryBanks),
        BackendCase(description: "a calibration or memory bank of an older reference set never replaces a newer one (stale)", run: fencedSaves),
        BackendCase(description: "knowledge is added or replaced by key and searched with key and title first", run: knowledge),
        BackendCase(description: "runs record results in order, drift, and recent scores newest first", run: runs),
        BackendCase(description: "runs are listed newest first, by category, a page at a time, with their status", run: runListing),
        BackendCase(description: "a sound backend reports no integrity problems", run: integrity),
    ]

    // MARK: fixtures

    static let embedder = EmbedderIdentity(id: "conformance/test", weightsSHA256: "00", globalDimension: 4, patchDimension: 3, inputSize: 8)

    static func reference(_ n: Int, metadata: [String: String] = [:], patches: Bool = true) throws -> NewReference {
        let vector: [Float] = [Float(n), 1, 0.5, -Float(n)]
        let features = patches ? try PatchFeatures(height: 2, width: 2, dimension: 3, values: (0..<12).map { Float($0) * 0.25 + Float(n) }) : nil
        return NewReference(sha256: "sha-\(n)", sourcePath: "golden/\(n).png", width: 8, height: 8, metadata: metadata, vector: vector, patches: features)
    }

    static func category(_ backend: any StoreBackend, _ name: String = "bottle") throws -> Category {
        if let existing = try backend.category(named: name) { return existing }
        try backend.insertCategory(name, embedder: embedder, indexSpecification: "Flat", createdAt: "2026-12-02T00:00:00Z")
        return try #require(try backend.category(named: name))
    }

    static func ids(_ outcomes: [AddOutcome]) -> [Int64] {
        outcomes.compactMap { if case .added(let id) = $0 { id } else { nil } }
    }

    static func code<T>(_ body: () throws -> T) -> String? {
        do {
            _ = try body()
            return nil
        } catch let error as StoreError {
            return error.code.description
        } catch {
            return "\(error)"
        }
    }

    // MARK: cases

    static func categories(_ backend: any StoreBackend) throws {
        #expect(try backend.categories().isEmpty)
        #expect(try backend.category(named: "bottle") == nil)
        let bottle = try category(backend, "bottle")
        _ = try category(backend, "aaa-first")
        #expect(bottle.name == "bottle" && bottle.embedder == embedder && bottle.indexSpecification == "Flat" && bottle.referenceSetVersion == 0)
        #expect(try backend.categories().map(\.name) == ["aaa-first", "bottle"])
        #expect(code { try backend.insertCategory("bottle", embedder: embedder, indexSpecification: "Flat", createdAt: "t") } == StoreError.Code.invalidArgument.description)
        #expect(try backend.category(named: "bottle")?.id == bottle.id)
    }

    static func rename(_ backend: any StoreBackend) throws {
        let cups = try category(backend, "cups")
        _ = try category(backend, "taken")
        _ = try backend.importKnowledge([KnowledgeEntry(category: "cups", key: "good", kind: .normal, title: "Good", description: "a clean cup")], at: "t")
        try backend.renameCategory(id: cups.id, from: "cups", to: "coffee-cups")
        #expect(try backend.category(named: "cups") == nil)
        #expect(try backend.category(named: "coffee-cups")?.id == cups.id)
        let moved = try backend.knowledge(of: "coffee-cups").map(\.key), left = try backend.knowledge(of: "cups")
        #expect(moved == ["good"] && left.isEmpty)
        #expect(code { try backend.renameCategory(id: cups.id, from: "coffee-cups", to: "taken") } == StoreError.Code.invalidArgument.description)
        _ = try backend.importKnowledge([KnowledgeEntry(category: "mugs", key: "good", kind: .normal, title: "Good", description: "a mug")], at: "t")
        #expect(code { try backend.renameCategory(id: cups.id, from: "coffee-cups", to: "mugs") } == StoreError.Code.invalidArgument.description)
        #expect(try backend.category(named: "coffee-cups") != nil, "a refused rename changes nothing")
    }

    static func add(_ backend: any StoreBackend) throws {
        let bottle = try category(backend)
        let other = try category(backend, "other")
        let before = try backend.head(ofCategory: bottle.id)
        let first = try backend.addReferences([try reference(1, metadata: ["line": "3"]), try reference(2)], to: bottle, createdAt: "t1")
        let added = ids(first.outcomes)
        #expect(added.count == 2 && added[0] < added[1])
        #expect(first.added.map(\.id) == added && first.added[0].vector == [1, 1, 0.5, -1])
        let headNow = try backend.head(ofCategory: bottle.id)
        #expect(first.head > before && headNow >= first.head && first.advance.before >= before)
        #expect(try backend.category(named: "bottle")?.referenceSetVersion == 1)
        let again = try backend.addReferences([try reference(1), try reference(3)], to: bottle, createdAt: "t2")
        #expect(again.outcomes.first == .duplicate(existingID: added[0]))
        #expect(ids(again.outcomes).count == 1 && again.added.count == 1)
        let onlyDuplicates = try backend.addReferences([try reference(2)], to: bottle, createdAt: "t3")
        #expect(onlyDuplicates.outcomes == [.duplicate(existingID: added[1])] && onlyDuplicates.added.isEmpty)
        #expect(try backend.category(named: "bottle")?.referenceSetVersion == 2, "only a batch that adds bumps the version")
        #expect(ids(try backend.addReferences([try reference(1)], to: other, createdAt: "t").outcomes).count == 1, "the same bytes in another category are new there")

        let records = try backend.liveReferences(ids: added, filter: [:])
        #expect(records.map(\.id) == added && records[0].metadata == ["line": "3"] && records[0].category == "bottle")
        #expect(records[0].sha256 == "sha-1" && records[0].sourcePath == "golden/1.png" && records[0].width == 8)
        #expect(try backend.vector(of: added[0]) == [1, 1, 0.5, -1])
        let patches = try #require(try backend.patchFeatures(of: added[0]))
        #expect(patches.height == 2 && patches.width == 2 && patches.dimension == 3)
        #expect(zip(patches.values, (0..<12).map { Float($0) * 0.25 + 1 }).allSatisfy { abs($0 - $1) < 1e-2 }, "float16 storage keeps ~3 digits")
        #expect(try backend.listReferences(categoryID: bottle.id, limit: 2, offset: 1).map(\.sha256) == ["sha-2", "sha-3"])
        #expect(try backend.liveReference(sha256: "sha-3", categoryName: "bottle")?.id == ids(again.outcomes)[0])
        #expect(try backend.liveReference(sha256: "sha-9", categoryName: "bottle") == nil)
        let withPatches = try backend.allPatchFeatures(categoryID: bottle.id).map(\.id), liveIDs = try backend.liveIDs(categoryID: bottle.id)
        #expect(withPatches == liveIDs)
        let counts = try backend.referenceCounts(categoryID: bottle.id, vectorDimension: 4)
        #expect(counts == ReferenceCounts(live: 3, deleted: 0, withPatches: 3, badVectors: 0))
        #expect(try backend.referenceCounts(categoryID: bottle.id, vectorDimension: 5).badVectors == 3)
    }

    static func remove(_ backend: any StoreBackend) throws {
        let bottle = try category(backend)
        let added = ids(try backend.addReferences([try reference(1), try reference(2), try reference(3)], to: bottle, createdAt: "t").outcomes)
        let version = try #require(try backend.category(named: "bottle")).referenceSetVersion
        #expect(code { try backend.removeReferences(ids: [added[0], 999_999]) } == StoreError.Code.invalidArgument.description)
        #expect(try backend.liveIDs(categoryID: bottle.id) == added, "all or nothing")
        let heads = try backend.removeReferences(ids: [added[0]])
        let headNow = try backend.head(ofCategory: bottle.id)
        #expect(Array(heads.keys) == ["bottle"] && heads["bottle"]?.after == headNow && headNow > 0)
        #expect(try backend.liveIDs(categoryID: bottle.id) == Array(added.dropFirst()))
        #expect(try backend.liveReferences(ids: added, filter: [:]).map(\.id) == Array(added.dropFirst()))
        #expect(try backend.liveReference(sha256: "sha-1", categoryName: "bottle") == nil)
        #expect(try backend.category(named: "bottle")?.referenceSetVersion == version + 1)
        #expect(code { try backend.removeReferences(ids: [added[0]]) } == StoreError.Code.invalidArgument.description, "a tombstone is not live")
        let readded = ids(try backend.addReferences([try reference(1)], to: bottle, createdAt: "t").outcomes)
        #expect(readded.count == 1 && readded[0] > added.max()!, "the same bytes come back under a new id, never a reused one")
        #expect(try backend.referenceCounts(categoryID: bottle.id, vectorDimension: 4).deleted == 1)
    }

    static func changeLog(_ backend: any StoreBackend) throws {
        let bottle = try category(backend)
        let other = try category(backend, "other")
        let start = try backend.changes(ofCategory: bottle.id, after: 0)
        #expect(start.added.isEmpty && start.removed.isEmpty)
        let batch = try backend.addReferences([try reference(1), try reference(2)], to: bottle, createdAt: "t")
        let first = ids(batch.outcomes)
        let own = try backend.changes(ofCategory: bottle.id, after: batch.head)
        #expect(own.added.isEmpty && own.removed.isEmpty, "a batch's own head replays nothing of it again")
        _ = try backend.addReferences([try reference(7)], to: other, createdAt: "t")
        let afterAdds = try backend.changes(ofCategory: bottle.id, after: start.head)
        #expect(afterAdds.added.map(\.id) == first && afterAdds.removed.isEmpty, "only this category's changes")
        #expect(afterAdds.added[1].vector == [2, 1, 0.5, -2])
        let quiet = try backend.changes(ofCategory: bottle.id, after: afterAdds.head)
        #expect(quiet.added.isEmpty && quiet.removed.isEmpty && quiet.head >= afterAdds.head, "nothing twice")
        _ = try backend.removeReferences(ids: [first[0]])
        let second = ids(try backend.addReferences([try reference(3)], to: bottle, createdAt: "t").outcomes)
        let afterMixed = try backend.changes(ofCategory: bottle.id, after: afterAdds.head)
        #expect(afterMixed.removed == [first[0]] && afterMixed.added.map(\.id) == second)
        #expect(afterMixed.head > afterAdds.head)
        let replayed = try backend.changes(ofCategory: bottle.id, after: start.head)
        #expect(replayed.added.map(\.id) == [first[1]] + second && replayed.removed == [first[0]],
                "a replay from the start skips what was added and deleted since")
        let live = try backend.liveVectors(ofCategory: bottle.id)
        let headNow = try backend.head(ofCategory: bottle.id)
        #expect(live.vectors.map(\.id) == [first[1]] + second && live.head == headNow)
    }

    static func snapshot(_ backend: any StoreBackend) throws {
        let bottle = try category(backend)
        let added = ids(try backend.addReferences([try reference(1, metadata: ["line": "3", "camera": "top"]), try reference(2, metadata: ["line": "4"]),
                                                  try reference(3, metadata: ["line": "3"])], to: bottle, createdAt: "t").outcomes)
        let head = try backend.head(ofCategory: bottle.id)
        let rows = try backend.liveReferences(ids: added, filter: ["line": "3"], ofCategory: bottle.id, ifHeadAtMost: head)
        #expect(rows?.map(\.id) == [added[0], added[2]])
        #expect(try backend.liveReferences(ids: added, filter: [:], ofCategory: bottle.id, ifHeadAtMost: head - 1) == nil,
                "a reader behind the head is told to catch up")
        #expect(try backend.liveReferences(ids: [999_999], filter: [:], ofCategory: bottle.id, ifHeadAtMost: head) == [])
        #expect(try backend.liveReferences(ids: added, filter: ["line": "3", "camera": "top"]).map(\.id) == [added[0]])
        #expect(try backend.liveReferences(ids: added, filter: ["line": "33"]).isEmpty, "exact equality, not a prefix")
        #expect(try backend.liveReferences(ids: [], filter: [:]).isEmpty)
        _ = try backend.removeReferences(ids: [added[0]])
        #expect(try backend.liveReferences(ids: added, filter: [:], ofCategory: bottle.id, ifHeadAtMost: head) == nil,
                "after a delete, the old head is behind: the deleted row is never returned with it")
    }

    static func concurrentWriters(_ backend: any StoreBackend) throws {
        let bottle = try category(backend)
        let writers = 4, perWriter = 12
        let acknowledged = Locked<[Int64]>([])
        let failures = Locked<[String]>([])
        let done = Locked(false)
        let group = DispatchGroup()
        for writer in 0..<writers {
            DispatchQueue.global().async(group: group) {
                for n in 0..<perWriter {
                    do {
                        let batch = try backend.addReferences([try reference(1000 * (writer + 1) + n)], to: bottle, createdAt: "t")
                        acknowledged.update { $0 += ids(batch.outcomes) }
                    } catch {
                        failures.update { $0.append("\(error)") }
                    }
                }
            }
        }
        // A cache replaying while the writers commit: from each head it reached, it must
        // get every change committed since, never one twice.
        var seen: [Int64] = []
        var head: Int64 = 0
        let reader = DispatchGroup()
        reader.enter()
        DispatchQueue.global().async {
            group.wait()
            done.update { $0 = true }
            reader.leave()
        }
        while true {
            let finished = done.value
            let changes = try backend.changes(ofCategory: bottle.id, after: head)
            seen += changes.added.map(\.id)
            head = changes.head
            if finished { break }
        }
        reader.wait()
        let final = try backend.changes(ofCategory: bottle.id, after: head)
        seen += final.added.map(\.id)
        #expect(failures.value.isEmpty, "\(failures.value)")
        #expect(acknowledged.value.count == writers * perWriter)
        #expect(seen.count == Set(seen).count, "no change replayed twice")
        #expect(Set(seen) == Set(acknowledged.value), "every acknowledged add replayed")
        #expect(try backend.liveIDs(categoryID: bottle.id).count == writers * perWriter)
    }

    static func concurrentDuplicates(_ backend: any StoreBackend) throws {
        let bottle = try category(backend)
        let outcomes = Locked<[AddOutcome]>([])
        let failures = Locked<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            do {
                let batch = try backend.addReferences([try reference(1), try reference(2), try reference(3)], to: bottle, createdAt: "t")
                outcomes.update { $0 += batch.outcomes }
            } catch {
                failures.update { $0.append("\(error)") }
            }
        }
        #expect(failures.value.isEmpty, "\(failures.value)")
        let added = ids(outcomes.value)
        #expect(added.count == 3, "each image stored once")
        let live = try backend.liveIDs(categoryID: bottle.id)
        #expect(live.sorted() == added.sorted())
        let duplicates = outcomes.value.compactMap { if case .duplicate(let id) = $0 { id } else { nil } }
        #expect(duplicates.count == 15 && Set(duplicates).isSubset(of: Set(live)), "the others are told which reference holds the bytes")
    }

    static func patches(_ backend: any StoreBackend) throws {
        let bottle = try category(backend)
        let added = ids(try backend.addReferences([try reference(1), try reference(2)], to: bottle, createdAt: "t").outcomes)
        let version = try #require(try backend.category(named: "bottle")).referenceSetVersion
        let new = try PatchFeatures(height: 1, width: 1, dimension: 3, values: [9, 8, 7])
        #expect(code { try backend.replacePatchFeatures([added[0]: new], categoryID: bottle.id, categoryName: "bottle", recipe: "echo-9") }
                == StoreError.Code.invalidArgument.description, "every live reference or none")
        #expect(try backend.category(named: "bottle")?.embedder.patchRecipe == embedder.patchRecipe)
        try backend.replacePatchFeatures([added[0]: new, added[1]: new], categoryID: bottle.id, categoryName: "bottle", recipe: "echo-9")
        let after = try #require(try backend.category(named: "bottle"))
        #expect(after.embedder.patchRecipe == "echo-9" && after.referenceSetVersion == version + 1)
        #expect(try backend.patchFeatures(of: added[1])?.values == [9, 8, 7])
    }

    static func calibrations(_ backend: any StoreBackend) throws {
        let bottle = try category(backend)
        #expect(try backend.calibration(categoryID: bottle.id, categoryName: "bottle") == nil)
        let calibration = Calibration(category: "bottle", referenceSetVersion: 3, threshold: 1.25, method: "quantile 0.95", neighbours: 3,
                                      scores: [0.5, 1.0, 1.5], computedAt: "t", scoring: "echo-2/max", backgrounds: [0.1, 0.2])
        try backend.saveCalibration(calibration, categoryID: bottle.id)
        #expect(try backend.calibration(categoryID: bottle.id, categoryName: "bottle") == calibration)
        let newer = Calibration(category: "bottle", referenceSetVersion: 4, threshold: 2, method: "m", neighbours: 1, scores: [2], computedAt: "u", scoring: "s")
        try backend.saveCalibration(newer, categoryID: bottle.id)
        #expect(try backend.calibration(categoryID: bottle.id, categoryName: "bottle") == newer, "one calibration per category, replaced")

        let added = ids(try backend.addReferences([try reference(1), try reference(2), try reference(3)], to: bottle, createdAt: "t").outcomes)
        try backend.excludeFromCalibration([added[0]: "robust z 6.1", added[1]: "robust z 4.0"], at: "t")
        #expect(try backend.calibrationExclusions(categoryID: bottle.id)[added[0]]?.reason == "robust z 6.1")
        _ = try backend.removeReferences(ids: [added[1]])
        #expect(Set(try backend.calibrationExclusions(categoryID: bottle.id).keys) == [added[0]], "only live references")
        #expect(try backend.readmitToCalibration([added[0], added[2]]) == [added[0]], "the ids that were excluded")
        #expect(try backend.calibrationExclusions(categoryID: bottle.id).isEmpty)
    }

    static func memoryBanks(_ backend: any StoreBackend) throws {
        let bottle = try category(backend)
        let none = try backend.memoryBank(categoryID: bottle.id, categoryName: "bottle"), noStamp = try backend.memoryBankStamp(categoryID: bottle.id)
        #expect(none == nil && noStamp == nil)
        let bank = MemoryBank(category: "bottle", referenceSetVersion: 2, ratio: 0.5, sourcePatches: 4, dimension: 3,
                              vectors: [0.5, 1, 1.5, 2, 2.5, 3], origins: [11, 12], builtAt: "t")
        try backend.saveMemoryBank(bank, categoryID: bottle.id)
        #expect(try backend.memoryBank(categoryID: bottle.id, categoryName: "bottle") == bank)
        #expect(try backend.memoryBankStamp(categoryID: bottle.id) == MemoryBankStamp(referenceSetVersion: 2, rows: 2, builtAt: "t"))
        #expect(try backend.removeMemoryBank(categoryID: bottle.id))
        #expect(try !backend.removeMemoryBank(categoryID: bottle.id))
        #expect(try backend.memoryBank(categoryID: bottle.id, categoryName: "bottle") == nil)
    }

    static func fencedSaves(_ backend: any StoreBackend) throws {
        let bottle = try category(backend)
        let current = Calibration(category: "bottle", referenceSetVersion: 5, threshold: 2, method: "m", neighbours: 3, scores: [2], computedAt: "u", scoring: "s")
        try backend.saveCalibration(current, categoryID: bottle.id)
        let stale = Calibration(category: "bottle", referenceSetVersion: 4, threshold: 9, method: "m", neighbours: 3, scores: [9], computedAt: "v", scoring: "s")
        #expect(code { try backend.saveCalibration(stale, categoryID: bottle.id) } == "stale result")
        #expect(try backend.calibration(categoryID: bottle.id, categoryName: "bottle") == current, "the newer one stays")
        let again = Calibration(category: "bottle", referenceSetVersion: 5, threshold: 3, method: "m2", neighbours: 1, scores: [3], computedAt: "w", scoring: "s")
        try backend.saveCalibration(again, categoryID: bottle.id)
        #expect(try backend.calibration(categoryID: bottle.id, categoryName: "bottle") == again, "the same reference set may be calibrated again")

        let bank = MemoryBank(category: "bottle", referenceSetVersion: 5, ratio: 0.5, sourcePatches: 2, dimension: 1, vectors: [1], origins: [1], builtAt: "t")
        try backend.saveMemoryBank(bank, categoryID: bottle.id)
        let staleBank = MemoryBank(category: "bottle", referenceSetVersion: 3, ratio: 0.1, sourcePatches: 2, dimension: 1, vectors: [7], origins: [1], builtAt: "u")
        #expect(code { try backend.saveMemoryBank(staleBank, categoryID: bottle.id) } == "stale result")
        #expect(try backend.memoryBank(categoryID: bottle.id, categoryName: "bottle") == bank)
    }

    static func knowledge(_ backend: any StoreBackend) throws {
        let entries = [
            KnowledgeEntry(category: "bottle", dataset: "MVTec", key: "good", kind: .normal, title: "Good", description: "a round rim, no marks"),
            KnowledgeEntry(category: "bottle", dataset: "MVTec", key: "contamination", kind: .defect, title: "Contamination", description: "foreign matter inside"),
            KnowledgeEntry(category: "bottle", dataset: "MVTec", key: "broken_large", kind: .defect, title: "Broken large", description: "a large piece missing; contamination may follow"),
            KnowledgeEntry(category: "cable", key: "good", kind: .normal, title: "Good", description: "three wires"),
        ]
        let imported = try backend.importKnowledge(entries, at: "t")
        #expect(imported.added == 4 && imported.replaced == 0)
        let replaced = KnowledgeEntry(category: "bottle", dataset: "MVTec", key: "good", kind: .normal, title: "Good", description: "a clean, round rim")
        let again = try backend.importKnowledge([replaced], at: "u")
        #expect(again.added == 0 && again.replaced == 1)
        let bottle = try backend.knowledge(of: "bottle")
        #expect(bottle.map(\.key) == ["good", "broken_large", "contamination"], "normal first, then defects by key")
        #expect(bottle[0].description == "a clean, round rim")
        let listed = try backend.knowledgeCategories()
        #expect(listed.map(\.category) == ["bottle", "cable"] && listed[0].entries == 3 && listed[0].dataset == "MVTec" && listed[1].dataset == nil)
        let found = try backend.searchKnowledge(category: "bottle", words: ["contamination"], kind: .defect, limit: 5)
        #expect(found.map(\.entry.key) == ["contamination", "broken_large"], "named in key or title first, then mentioned")
        #expect(try backend.searchKnowledge(category: "bottle", words: ["contamination"], kind: .defect, limit: 1).count == 1)
        #expect(try backend.searchKnowledge(category: "cable", words: ["contamination"], kind: nil, limit: 5).isEmpty)
        #expect(try backend.searchKnowledge(category: "bottle", words: [], kind: nil, limit: 5).isEmpty)
    }

    static func runs(_ backend: any StoreBackend) throws {
        let bottle = try category(backend)
        let run = try backend.beginRun(categoryID: bottle.id, referenceSetVersion: 1, threshold: 2.5, at: "2026-12-02T10:00:00Z")
        try backend.recordResults([RunResultRecord(imagePath: "a.png", verdict: "normal", score: 1, background: 0.5, details: "{}"),
                                   RunResultRecord(imagePath: "b.png", verdict: "anomalous", score: 3, details: "{\"x\":1}"),
                                   RunResultRecord(imagePath: "c.png", verdict: "failed", score: nil, details: "{}")], run: run)
        #expect(try backend.drift(ofRun: run) == nil)
        try backend.finishRun(run, summary: ["normal": 1, "anomalous": 1], drift: nil, at: "t")
        let results = try backend.results(ofRun: run)
        #expect(results.map(\.imagePath) == ["a.png", "b.png", "c.png"] && results[1].details == "{\"x\":1}" && results[0].background == 0.5)
        #expect(try backend.results(ofRun: run + 100).isEmpty)
        #expect(code { try backend.drift(ofRun: run + 100) } == StoreError.Code.invalidArgument.description)
        let later = try backend.beginRun(categoryID: bottle.id, referenceSetVersion: 1, threshold: nil, at: "2026-12-02T11:00:00Z")
        #expect(later > run)
        try backend.recordResults([RunResultRecord(imagePath: "d.png", verdict: "normal", score: 4, details: "{}")], run: later)
        #expect(try backend.recentScores(categoryID: bottle.id, since: "2026-12-02T00:00:00Z", limit: 10).map(\.score) == [4, 3, 1], "newest first, scored only")
        #expect(try backend.recentScores(categoryID: bottle.id, since: "2026-12-02T10:30:00Z", limit: 10).map(\.score) == [4])
        #expect(try backend.recentScores(categoryID: bottle.id, since: "2026-12-02T00:00:00Z", limit: 2).count == 2)
    }

    static func runListing(_ backend: any StoreBackend) throws {
        let bottle = try category(backend), cable = try category(backend, "cable")
        #expect(try backend.runs(categoryID: nil, limit: 10, offset: 0).isEmpty)
        var started: [Int64] = []
        for (i, category) in [bottle, cable, bottle].enumerated() {
            let run = try backend.beginRun(categoryID: category.id, referenceSetVersion: 1, threshold: Double(i), at: "2026-12-02T1\(i):00:00Z")
            try backend.recordResults((0...i).map { RunResultRecord(imagePath: "\($0).png", verdict: "normal", score: 1, details: "{}") }, run: run)
            started.append(run)
        }
        try backend.finishRun(started[0], summary: ["normal": 1], drift: nil, at: "2026-12-02T10:01:00Z")
        let all = try backend.runs(categoryID: nil, limit: 10, offset: 0)
        #expect(all.map(\.id) == started.reversed(), "newest first")
        #expect(all.map(\.category) == ["bottle", "cable", "bottle"] && all.map(\.recorded) == [3, 2, 1])
        #expect(all[2].state == .finished && all[2].summary == ["normal": 1] && all[2].threshold == 0 && all[0].state == .running)
        #expect(all[2] == (try backend.runStatus(started[0])), "a listed run is its status")
        #expect(try backend.runs(categoryID: bottle.id, limit: 10, offset: 0).map(\.id) == [started[2], started[0]])
        #expect(try backend.runs(categoryID: nil, limit: 1, offset: 1).map(\.id) == [started[1]])
        #expect(try backend.runs(categoryID: nil, limit: 5, offset: 3).isEmpty)
    }

    static func integrity(_ backend: any StoreBackend) throws {
        let bottle = try category(backend)
        _ = try backend.addReferences([try reference(1)], to: bottle, createdAt: "t")
        #expect(try backend.integrityProblems().isEmpty)
        #expect(try backend.damagedContent().isEmpty)
    }

    // MARK: damage

    /// Changes one byte of a stored value behind the backend's back, as damage on disk
    /// would: `flip(table, column, keyColumn, key)` inverts a byte inside `column` of the
    /// row of `table` whose `keyColumn` is `key`, without touching anything else.
    public typealias ByteFlip = @Sendable (_ table: String, _ column: String, _ keyColumn: String, _ key: Int64) throws -> Void

    /// A stored vector, patch grid or memory bank whose bytes changed is never returned:
    /// each read of it throws `.corrupt` naming it, `damagedContent` lists exactly the
    /// damaged live values, and writing the value again repairs it.
    public static func damagedValuesAreRefused(_ backend: any StoreBackend, flip: ByteFlip) throws {
        let bottle = try category(backend)
        let ids = Self.ids(try backend.addReferences([try reference(1), try reference(2), try reference(3)], to: bottle, createdAt: "t").outcomes)
        try #require(ids.count == 3)
        let bank = MemoryBank(category: "bottle", referenceSetVersion: 1, ratio: 0.5, sourcePatches: 4, dimension: 3,
                              vectors: [0.5, 1, 1.5, 2, 2.5, 3], origins: [ids[0], ids[1]], builtAt: "t")
        try backend.saveMemoryBank(bank, categoryID: bottle.id)
        #expect(try backend.damagedContent().isEmpty)

        try flip("reference_vectors", "vector", "reference_id", ids[0])
        try flip("reference_patches", "features", "reference_id", ids[1])
        try flip("memory_banks", "vectors", "category_id", bottle.id)

        func expectDamaged(_ what: String, naming repair: String = "echoctl restore", _ body: () throws -> Void) {
            do {
                try body()
                Issue.record("\(what) was returned although its bytes changed")
            } catch let error as StoreError {
                #expect(error.code == .corrupt, "\(what): \(error)")
                #expect(error.message.contains("damaged") && error.message.contains("echoctl restore") && error.message.contains(repair),
                        "\(what): \(error.message)")
            } catch {
                Issue.record("\(what): \(error)")
            }
        }
        expectDamaged("the vector", naming: "echoctl remove \(ids[0])") { _ = try backend.vector(of: ids[0]) }
        expectDamaged("the live vectors") { _ = try backend.liveVectors(ofCategory: bottle.id) }
        expectDamaged("the change log") { _ = try backend.changes(ofCategory: bottle.id, after: 0) }
        expectDamaged("the patch features", naming: "echoctl reembed -c bottle --force") { _ = try backend.patchFeatures(of: ids[1]) }
        expectDamaged("all patch features", naming: "echoctl reembed -c bottle --force") { _ = try backend.allPatchFeatures(categoryID: bottle.id) }
        expectDamaged("the memory bank") { _ = try backend.memoryBank(categoryID: bottle.id, categoryName: "bottle") }
        // The sound values of the same rows' neighbours still read.
        #expect(try backend.vector(of: ids[1]) == [2, 1, 0.5, -2])
        #expect(try backend.patchFeatures(of: ids[0])?.values.count == 12)
        #expect(try backend.integrityProblems().isEmpty, "the structure is sound; only the values changed")
        #expect(try backend.damagedContent() == [
            ContentDamage(kind: .vector, category: "bottle", referenceID: ids[0]),
            ContentDamage(kind: .patches, category: "bottle", referenceID: ids[1]),
            ContentDamage(kind: .memoryBank, category: "bottle", referenceID: nil),
        ])

        // Repairs: the damaged reference removed, the patches and the bank written again.
        _ = try backend.removeReferences(ids: [ids[0]])
        var replacement: [Int64: PatchFeatures] = [:]
        for id in ids.dropFirst() { replacement[id] = try PatchFeatures(height: 2, width: 2, dimension: 3, values: (0..<12).map { Float($0) }) }
        try backend.replacePatchFeatures(replacement, categoryID: bottle.id, categoryName: "bottle", recipe: "r2")
        let current = try #require(try backend.category(named: "bottle"))
        try backend.saveMemoryBank(MemoryBank(category: "bottle", referenceSetVersion: current.referenceSetVersion, ratio: 0.5, sourcePatches: 4,
                                              dimension: 3, vectors: [1, 2, 3], origins: [ids[1]], builtAt: "u"), categoryID: bottle.id)
        #expect(try backend.damagedContent().isEmpty)
        #expect(try backend.liveVectors(ofCategory: bottle.id).vectors.map(\.id) == Array(ids.dropFirst()))
        #expect(try backend.allPatchFeatures(categoryID: bottle.id).count == 2)
        #expect(try backend.memoryBank(categoryID: bottle.id, categoryName: "bottle")?.origins == [ids[1]])
    }
}
