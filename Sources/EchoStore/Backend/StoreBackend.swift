import EchoFeatures

/// The source of truth under `ReferenceStore`: categories, references with their vectors
/// and patch features, the change log that index caches replay from, tombstones,
/// calibrations and exclusions, memory banks, knowledge, runs, and integrity checks.
/// `ReferenceStore` keeps the caches (FAISS indexes) and the rules on top; a backend
/// keeps the rows. SQLite (`SQLiteBackend`) is the first; every backend passes the same
/// conformance suite (`Tests/EchoStoreConformance`).
///
/// Contract, for every backend:
/// - Each method is one transaction: it commits entirely or not at all, and a write that
///   returns has committed (a crash after it loses nothing).
/// - The change log is ordered by commit: `changes(ofCategory:after:)` with the `head` of
///   an earlier call returns every change committed since, and never one twice. A
///   reference's id never changes and is never reused.
/// - A deleted reference is a tombstone (its delete has a log position), so caches can
///   replay deletions; no read returns it once its delete has committed.
/// - Errors are `StoreError`: `.database` for the backend's own failures (saying nothing
///   about SQL to whoever shows it to a client: `ReferenceStore`'s callers wrap it),
///   `.invalidArgument` for requests the data refuses (a taken name).
public protocol StoreBackend: AnyObject, Sendable {
    /// Where the data lives, for messages and logs (a file path, a URL without password).
    var location: String { get }

    // MARK: categories

    /// All categories, by name.
    func categories() throws(StoreError) -> [Category]
    /// The category called `name`, or nil.
    func category(named name: String) throws(StoreError) -> Category?
    /// Creates a category (the caller has checked the rules).
    /// - Throws: `.invalidArgument` when the name is taken.
    func insertCategory(_ name: String, embedder: EmbedderIdentity, indexSpecification: String, createdAt: String) throws(StoreError)
    /// Renames a category and the knowledge filed under its name, in one transaction.
    /// - Throws: `.invalidArgument` when knowledge for `new` exists already.
    func renameCategory(id: Int64, from old: String, to new: String) throws(StoreError)

    // MARK: references

    /// Adds references to a category in one transaction: a reference whose file hash is a
    /// live reference of the category already is a duplicate, not added. Bumps the
    /// category's reference-set version when anything is added.
    func addReferences(_ references: [NewReference], to category: Category, createdAt: String) throws(StoreError) -> AddedReferences
    /// Tombstones live references and bumps their categories' reference-set versions.
    /// - Returns: how each touched category's log head moved, by category name.
    /// - Throws: `.invalidArgument` naming ids that are not live (nothing is deleted).
    func removeReferences(ids: [Int64]) throws(StoreError) -> [String: LogAdvance]
    /// The live references with these ids, in id order, optionally only those whose
    /// metadata has every key of `filter` with that exact value.
    func liveReferences(ids: [Int64], filter: [String: String]) throws(StoreError) -> [ReferenceRecord]
    /// `liveReferences(ids:filter:)` read in one snapshot with the category's log head:
    /// nil when the head is past `known` (the caller's cache is behind and must catch up),
    /// so a query never returns a deleted reference and never misses an acknowledged one.
    func liveReferences(ids: [Int64], filter: [String: String], ofCategory categoryID: Int64,
                        ifHeadAtMost known: Int64) throws(StoreError) -> [ReferenceRecord]?
    /// A page of a category's live references in id order.
    func listReferences(categoryID: Int64, limit: Int, offset: Int) throws(StoreError) -> [ReferenceRecord]
    /// The live reference of the category (by name) with this file hash.
    func liveReference(sha256: String, categoryName: String) throws(StoreError) -> ReferenceRecord?
    /// The ids of a category's live references, ascending.
    func liveIDs(categoryID: Int64) throws(StoreError) -> [Int64]
    /// The global vector of a reference (live or not).
    func vector(of id: Int64) throws(StoreError) -> [Float]?
    /// The patch features of a reference, or nil when none were stored.
    /// - Throws: `.database` when they are damaged.
    func patchFeatures(of id: Int64) throws(StoreError) -> PatchFeatures?
    /// Every live reference's patch features in a category, by id.
    func allPatchFeatures(categoryID: Int64) throws(StoreError) -> [(id: Int64, values: [Float])]
    /// Replaces the patch features of every live reference of a category and records the
    /// recipe, bumping the reference-set version.
    /// - Throws: `.invalidArgument` when `features` does not cover exactly the live references.
    func replacePatchFeatures(_ features: [Int64: PatchFeatures], categoryID: Int64, categoryName: String, recipe: String) throws(StoreError)
    /// Counts for statistics and verification.
    func referenceCounts(categoryID: Int64, vectorDimension: Int) throws(StoreError) -> ReferenceCounts

    // MARK: change log

    /// The position of the category's newest committed change (0 for none). Positions
    /// are per category for a backend with many writers; a backend may share one
    /// sequence across categories (SQLite does), as long as it is commit-ordered.
    func head(ofCategory categoryID: Int64) throws(StoreError) -> Int64
    /// The changes of a category after log position `after`: live references added (with
    /// their vectors) and references deleted, and the head they bring a cache to.
    func changes(ofCategory categoryID: Int64, after: Int64) throws(StoreError) -> ChangeSet
    /// Every live vector of a category, in id order, with the head it reflects.
    func liveVectors(ofCategory categoryID: Int64) throws(StoreError) -> (vectors: [(id: Int64, vector: [Float])], head: Int64)

    // MARK: calibrations and exclusions

    func saveCalibration(_ calibration: Calibration, categoryID: Int64) throws(StoreError)
    func calibration(categoryID: Int64, categoryName: String) throws(StoreError) -> Calibration?
    /// Leaves live references out of calibration, with reasons (replacing earlier ones).
    func excludeFromCalibration(_ reasons: [Int64: String], at time: String) throws(StoreError)
    /// Returns references to calibration; the ids that were excluded.
    func readmitToCalibration(_ ids: [Int64]) throws(StoreError) -> [Int64]
    /// The exclusions of a category's live references.
    func calibrationExclusions(categoryID: Int64) throws(StoreError) -> [Int64: CalibrationExclusion]

    // MARK: memory banks

    func saveMemoryBank(_ bank: MemoryBank, categoryID: Int64) throws(StoreError)
    /// - Throws: `.database` when the stored bank is damaged.
    func memoryBank(categoryID: Int64, categoryName: String) throws(StoreError) -> MemoryBank?
    /// Whether there was one to remove.
    func removeMemoryBank(categoryID: Int64) throws(StoreError) -> Bool
    func memoryBankStamp(categoryID: Int64) throws(StoreError) -> MemoryBankStamp?

    // MARK: knowledge

    /// Adds or replaces entries by (category, key); the counts of each.
    func importKnowledge(_ entries: [KnowledgeEntry], at time: String) throws(StoreError) -> (added: Int, replaced: Int)
    /// A category's entries: normal ones first, then by key.
    func knowledge(of category: String) throws(StoreError) -> [KnowledgeEntry]
    func knowledgeCategories() throws(StoreError) -> [(category: String, dataset: String?, entries: Int)]
    /// Full-text search of a category's entries for any of `words`, entries naming a word
    /// in their key or title first, then those mentioning it; at most `limit`.
    func searchKnowledge(category: String, words: [String], kind: KnowledgeEntry.Kind?, limit: Int) throws(StoreError) -> [RankedKnowledge]

    // MARK: runs

    func beginRun(categoryID: Int64, referenceSetVersion: Int64, threshold: Double?, at time: String) throws(StoreError) -> Int64
    func recordResults(_ results: [RunResultRecord], run: Int64) throws(StoreError)
    func finishRun(_ run: Int64, summary: [String: Int], drift: ScoreDrift?, at time: String) throws(StoreError)
    /// - Throws: `.invalidArgument` when no run has that id.
    func drift(ofRun run: Int64) throws(StoreError) -> ScoreDrift?
    /// The newest scores of a category's runs started at or after `since`, newest first.
    func recentScores(categoryID: Int64, since: String, limit: Int) throws(StoreError) -> [(score: Double, background: Double?)]
    func results(ofRun run: Int64) throws(StoreError) -> [RunResultRecord]
    /// A run and its progress, or nil when no run has that id.
    func runStatus(_ run: Int64) throws(StoreError) -> RunStatus?
    /// Runs newest first (of one category when `categoryID` is given), `limit` from `offset`.
    func runs(categoryID: Int64?, limit: Int, offset: Int) throws(StoreError) -> [RunStatus]

    // MARK: long jobs

    /// Takes the category's long-job lock (calibration, memory bank, patch re-extraction)
    /// for the caller until it releases it, so two nodes never run one category's job at
    /// once; nil when the backend needs none (SQLite: one writer process). A holder that
    /// dies releases it with its connection.
    /// - Throws: `.busy` when another holder has it; `.unavailable`.
    func lockCategoryJob(categoryID: Int64, categoryName: String, what: String) throws(StoreError) -> (any CategoryJobLock)?

    // MARK: image bytes

    /// Whether the backend keeps golden images' bytes (content-addressed by SHA-256), so
    /// that any node can show them; when false, a reference's image is read from its
    /// source path.
    var keepsImageBytes: Bool { get }
    /// The stored bytes of the image with this SHA-256, or nil.
    /// - Throws: `.corrupt` when the stored bytes no longer hash to it.
    func imageBytes(sha256: String) throws(StoreError) -> [UInt8]?

    // MARK: integrity

    /// What the backend's own integrity checks find (empty when sound).
    func integrityProblems() throws(StoreError) -> [String]
    /// Every live reference's vector, patch features or stored image and every memory bank whose bytes
    /// no longer match the checksum stored with them, in `ContentDamage.reportOrder` (empty when sound).
    /// Reads of such a value throw `.corrupt` instead of returning it.
    func damagedContent() throws(StoreError) -> [ContentDamage]
}

/// A held long-job lock; `release` (or deinit) gives it up.
public protocol CategoryJobLock: AnyObject, Sendable {
    func release()
}

extension StoreBackend {
    /// The default: no lock needed (one writer process).
    public func lockCategoryJob(categoryID: Int64, categoryName: String, what: String) throws(StoreError) -> (any CategoryJobLock)? { nil }

    /// The default: no image bytes kept (references point at their files).
    public var keepsImageBytes: Bool { false }
    public func imageBytes(sha256: String) throws(StoreError) -> [UInt8]? { nil }
}

/// What `addReferences` did: one outcome per reference, the ones added with their
/// vectors, and how the category's log head moved (`head` is the position of the last
/// one added).
public struct AddedReferences: Sendable {
    public let outcomes: [AddOutcome]
    public let added: [(id: Int64, vector: [Float])]
    public let advance: LogAdvance
    public var head: Int64 { advance.after }

    public init(outcomes: [AddOutcome], added: [(id: Int64, vector: [Float])], advance: LogAdvance) {
        self.outcomes = outcomes
        self.added = added
        self.advance = advance
    }
}

/// How one write moved a category's log head: from `before` (the head just before the
/// write, in its transaction) to `after`. A cache at `before` or later may apply the
/// write directly and move to `after`; one behind `before` missed other writers' changes
/// and must replay from the log instead.
public struct LogAdvance: Sendable, Equatable {
    public let before: Int64
    public let after: Int64

    public init(before: Int64, after: Int64) {
        self.before = before
        self.after = after
    }
}

/// A category's changes after a log position.
public struct ChangeSet: Sendable {
    public let added: [(id: Int64, vector: [Float])]
    public let removed: [Int64]
    public let head: Int64

    public init(added: [(id: Int64, vector: [Float])], removed: [Int64], head: Int64) {
        self.added = added
        self.removed = removed
        self.head = head
    }
}

/// A category's reference counts.
public struct ReferenceCounts: Sendable, Equatable {
    public let live: Int
    public let deleted: Int
    public let withPatches: Int
    /// Live references without a vector of the category's dimension.
    public let badVectors: Int

    public init(live: Int, deleted: Int, withPatches: Int, badVectors: Int) {
        self.live = live
        self.deleted = deleted
        self.withPatches = withPatches
        self.badVectors = badVectors
    }
}
