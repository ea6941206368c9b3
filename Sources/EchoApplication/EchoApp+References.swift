import EchoImaging
import EchoReferences
import EchoStore
import EchoVision

extension EchoApp {
    /// Creates a category for this embedder (or returns the existing one).
    /// - Throws: `invalid_category`, `invalid_index`; `incompatible` when it exists with
    ///   another embedder; `read_only`, `store_busy`, `store_failed`.
    public func createCategory(_ name: String, indexSpecification: String = "Flat") throws(EchoError) -> Category {
        try checkName(name)
        let embedder = try requireEmbedder()
        return try classified { try store.ensureCategory(name, embedder: embedder.identity, indexSpecification: indexSpecification) }
    }

    /// Figures per category (or one), optionally with score drift since calibration.
    /// - Throws: `unknown_category` for a named category that does not exist; `store_failed`.
    public func statistics(category: String? = nil, drift: Bool = false) throws(EchoError) -> [CategoryStatistics] {
        try classified {
            let figures = try store.statistics(category: category)
            return drift ? try ScoreDrift.annotating(figures, in: store) : figures
        }
    }

    /// Whether the store can serve requests now: its source of truth answers.
    /// - Throws: `database_unavailable` (PostgreSQL down or restarting), `store_failed`.
    public func checkReady() throws(EchoError) {
        try classified { _ = try store.categories() }
    }

    /// A page of a category's live references, oldest first.
    /// - Throws: `invalid_parameter` for a page outside the limits; `unknown_category`; `store_failed`.
    public func listReferences(category: String, limit: Int, offset: Int) throws(EchoError) -> [ReferenceRecord] {
        try limits.checkPage(limit: limit, offset: offset)
        return try classified { try store.list(category: category, limit: limit, offset: offset) }
    }

    /// Deletes references by id, all or none.
    /// - Throws: `unknown_reference` naming the ids that are not live (nothing is removed);
    ///   `read_only`, `store_busy`, `store_failed`.
    public func removeReferences(ids: [Int64]) throws(EchoError) -> [ReferenceRecord] {
        guard !ids.isEmpty else { throw EchoError(.invalidParameter, "name at least one reference id (see `echoctl list`)") }
        let live = try classified { try store.references(ids: ids) }
        let missing = Set(ids).subtracting(live.map(\.id))
        guard missing.isEmpty else {
            throw EchoError(.unknownReference, "no live reference has id \(missing.sorted().map(String.init).joined(separator: ", ")); nothing was removed")
        }
        return try classified { try store.remove(ids: ids) }
    }

    /// A live reference's image file (from the database for PostgreSQL, from its source
    /// path for SQLite), with its format judged by its bytes.
    /// - Throws: `unknown_reference` when no live reference has the id, or its file is gone
    ///   or changed (SQLite); `database_unavailable`, `store_failed`.
    public func referenceImage(id: Int64) throws(EchoError) -> (image: ReferenceImage, format: ImageFormat) {
        do {
            let image = try store.referenceImage(id: id)
            return (image, try ImageFormat.detect(image.bytes))
        } catch let error as StoreError where error.code == .invalidArgument {
            throw EchoError(.unknownReference, error.message, cause: error)
        } catch {
            throw EchoError(classifying: error)
        }
    }

    /// Gives a category a new name; everything of it goes along.
    /// - Throws: `invalid_category` for a new name that breaks the rule;
    ///   `unknown_category`; `invalid_parameter` when the new name is taken; `read_only`,
    ///   `store_busy`, `store_failed`.
    public func renameCategory(_ old: String, to new: String) throws(EchoError) {
        try classified { try store.renameCategory(old, to: new) }
    }

    /// The `k` nearest normals of an encoded image (PNG or JPEG bytes).
    /// - Throws: `invalid_parameter` for k outside the limits, `invalid_metadata` for a bad
    ///   filter, before decoding; `image_too_large`, `bad_image`; `unknown_category`,
    ///   `incompatible`; `store_failed`.
    public func nearestNormals(toImage bytes: [UInt8], category: String, k: Int, filter: [String: String] = [:]) throws(EchoError) -> ReferenceSet {
        try checkQuery(k: k, filter: filter)
        return try query({ try ImageDecoder(maxPixels: limits.maxPixels).decode(bytes) }, category: category, k: k, filter: filter)
    }

    /// The `k` nearest normals of the image file at `path`.
    /// - Throws: as `nearestNormals(toImage:)`, and `bad_request` when the file cannot be read.
    public func nearestNormals(toImageAt path: String, category: String, k: Int, filter: [String: String] = [:]) throws(EchoError) -> ReferenceSet {
        try checkQuery(k: k, filter: filter)
        return try query({ try ImageDecoder(maxPixels: limits.maxPixels).decodeFile(atPath: path) }, category: category, k: k, filter: filter)
    }

    /// Checks a query's k and metadata filter; the query use cases do so first, and an
    /// adapter may too, before it opens anything.
    /// - Throws: `invalid_parameter`, `invalid_metadata`.
    public static func checkQuery(k: Int, filter: [String: String], limits: InputLimits) throws(EchoError) {
        try limits.checkK(k)
        try classified { try MetadataRule.validate(filter) }
    }

    private func checkQuery(k: Int, filter: [String: String]) throws(EchoError) {
        try Self.checkQuery(k: k, filter: filter, limits: limits)
    }

    private func nearestNormals(to image: Image, category: String, k: Int, filter: [String: String]) throws(EchoError) -> ReferenceSet {
        let embedder = try requireEmbedder()
        return try classified { try ReferenceExtractor(store: store, embedder: embedder).nearestNormals(to: image, category: category, k: k, filter: filter) }
    }

    /// Decodes with the pixel limit and answers the query, timed as one query.
    private func query(_ decode: () throws -> Image, category: String, k: Int, filter: [String: String]) throws(EchoError) -> ReferenceSet {
        try timed(UseCaseMetrics.query) { () throws(EchoError) in
            let image = try classified { try decode() }
            return try nearestNormals(to: image, category: category, k: k, filter: filter)
        }
    }
}
