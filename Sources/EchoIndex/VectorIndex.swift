internal import CEchoFaiss
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A FAISS vector index with caller-chosen 64-bit ids.
///
/// Created from a FAISS `index_factory` description: `"Flat"` (exact), `"HNSW32"`,
/// `"IVF64,Flat"`, ... Vectors travel as flat `[Float]` buffers of `count × dimension`
/// values. Searches may run concurrently from any thread; mutations (train, add,
/// remove, set a parameter) are serialised and wait for running searches.
///
/// The FAISS index is owned by this object alone and freed in its `deinit`.
public final class VectorIndex: @unchecked Sendable {
    /// Length of every vector in the index.
    public let dimension: Int
    /// How vectors are compared.
    public let metric: Metric

    private let handle: OpaquePointer
    private let lock = ReadWriteLock()

    private init(handle: OpaquePointer) {
        self.handle = handle
        self.dimension = Int(echo_faiss_dimension(handle))
        self.metric = Metric(cValue: echo_faiss_metric(handle))
    }

    deinit {
        echo_faiss_free(handle)
    }

    /// Creates an empty index.
    /// - Parameters:
    ///   - dimension: vector length, positive.
    ///   - description: a FAISS `index_factory` string; `"Flat"` is exact search.
    ///   - metric: inner product (cosine on normalised vectors) or L2.
    /// - Throws: `IndexError` `.invalidArgument` for a non-positive dimension,
    ///   `.invalidSpecification` when FAISS rejects the description.
    public convenience init(dimension: Int, description: String = "Flat", metric: Metric = .innerProduct) throws(IndexError) {
        guard dimension > 0, dimension <= Int(Int32.max) else {
            throw IndexError(.invalidArgument, "dimension must be positive, got \(dimension)")
        }
        var created: OpaquePointer?
        try Self.check { error, capacity in
            echo_faiss_create(Int32(dimension), description, metric.cValue, &created, error, capacity)
        } context: { "could not create a \"\(description)\" index of dimension \(dimension)" }
        self.init(handle: created!)
    }

    /// Reads an index written by `write(to:)`: the file is read once into memory, its
    /// SHA-256 trailer checked, and only then are the bytes handed to FAISS (whose reader
    /// trusts its input: a damaged or edited file must never reach it).
    /// - Throws: `IndexError.io` when the file is missing or unreadable; `.corrupt` when
    ///   it has no valid trailer (damaged, edited, or not written by this Echo).
    public static func read(from path: String) throws(IndexError) -> VectorIndex {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw IndexError(.io, "could not read the index file \(path)")
        }
        return try read(bytes: [UInt8](data), source: path)
    }

    /// Reads an index from the bytes of a file written by `write(to:)`, as `read(from:)`
    /// does: trailer first, then FAISS's reader, then the structural checks of the bridge
    /// (counts, dimensions, graph and list tables agree), so that a file whose checksum an
    /// attacker recomputed still cannot make a search read out of bounds.
    /// - Parameter source: names the bytes in error messages (the path).
    /// - Throws: `.corrupt` for a missing or wrong trailer, bytes FAISS cannot read, or an
    ///   index whose parts disagree; `.outOfMemory`.
    public static func read(bytes: [UInt8], source path: String) throws(IndexError) -> VectorIndex {
        let body = try IndexFileTrailer.verified(bytes, path: path)
        var loaded: OpaquePointer?
        try check { error, capacity in
            bytes.withUnsafeBufferPointer { buffer in
                echo_faiss_read_memory(buffer.baseAddress, body, &loaded, error, capacity)
            }
        } context: { "could not read the index file \(path)" }
        return VectorIndex(handle: loaded!)
    }

    /// How many vectors are stored.
    public var count: Int {
        lock.reading { Int(echo_faiss_count(handle)) }
    }

    /// Whether vectors can be added (IVF indexes need `train` first).
    public var isTrained: Bool {
        lock.reading { echo_faiss_is_trained(handle) != 0 }
    }

    /// Whether `remove(ids:)` works for this index type (Flat and IVF; not HNSW).
    public var supportsRemoval: Bool {
        echo_faiss_supports_removal(handle) != 0
    }

    /// Whether `id` is stored.
    public func contains(_ id: Int64) -> Bool {
        lock.reading { echo_faiss_contains(handle, id) != 0 }
    }

    /// Trains the index (IVF clustering) on `vectors`, `count × dimension` floats.
    /// - Throws: `.dimensionMismatch` for a ragged buffer; `.internalFailure` with
    ///   FAISS's message (for example, fewer training vectors than IVF lists).
    public func train(_ vectors: [Float]) throws(IndexError) {
        let count = try rows(in: vectors, what: "training vectors")
        try lock.writing { () throws(IndexError) in
            try Self.check { error, capacity in
                echo_faiss_train(handle, Int64(count), vectors, error, capacity)
            } context: { "training on \(count) vectors failed" }
        }
    }

    /// Adds vectors with their ids. Either all are added or none.
    /// - Throws: `.dimensionMismatch` when the buffer is ragged or the counts differ;
    ///   `.invalidArgument` for a negative id; `.duplicateID` for an id already stored
    ///   or repeated; `.notTrained` for an untrained IVF index.
    public func add(_ vectors: [Float], ids: [Int64]) throws(IndexError) {
        let count = try rows(in: vectors, what: "vectors")
        guard count == ids.count else {
            throw IndexError(.dimensionMismatch, "\(count) vectors but \(ids.count) ids")
        }
        try lock.writing { () throws(IndexError) in
            try Self.check { error, capacity in
                echo_faiss_add_with_ids(handle, Int64(count), vectors, ids, error, capacity)
            } context: { "adding \(count) vectors failed" }
        }
    }

    /// Finds the `k` nearest stored vectors of each query.
    /// - Parameters:
    ///   - queries: `queryCount × dimension` floats.
    ///   - k: ranks per query, positive. Ranks beyond the stored count are empty.
    /// - Throws: `.invalidArgument` for k ≤ 0; `.dimensionMismatch` for a ragged buffer.
    public func search(_ queries: [Float], k: Int) throws(IndexError) -> SearchResults {
        guard k > 0 else { throw IndexError(.invalidArgument, "k must be positive, got \(k)") }
        let queryCount = try rows(in: queries, what: "queries")
        let (total, overflow) = queryCount.multipliedReportingOverflow(by: k)
        guard !overflow, total <= 1 << 32 else {
            throw IndexError(.invalidArgument, "\(queryCount) queries × k \(k) is too many results")
        }
        var scores = [Float](repeating: 0, count: total)
        var ids = [Int64](repeating: -1, count: total)
        try lock.reading { () throws(IndexError) in
            try Self.check { error, capacity in
                echo_faiss_search(handle, Int64(queryCount), queries, Int64(k), &scores, &ids, error, capacity)
            } context: { "searching \(queryCount) queries failed" }
        }
        return SearchResults(queryCount: queryCount, k: k, scores: scores, ids: ids)
    }

    /// Removes the given ids; ids not stored are ignored.
    /// - Returns: how many vectors were removed.
    /// - Throws: `.unsupported` for index types that cannot remove (HNSW).
    @discardableResult
    public func remove(ids: [Int64]) throws(IndexError) -> Int {
        var removed: Int64 = 0
        try lock.writing { () throws(IndexError) in
            try Self.check { error, capacity in
                echo_faiss_remove_ids(handle, Int64(ids.count), ids, &removed, error, capacity)
            } context: { "removing \(ids.count) ids failed" }
        }
        return Int(removed)
    }

    /// Sets a FAISS runtime search parameter, such as `efSearch` (HNSW) or `nprobe` (IVF).
    /// - Throws: `.invalidArgument` when the index has no such parameter.
    public func setParameter(_ name: String, to value: Double) throws(IndexError) {
        try lock.writing { () throws(IndexError) in
            try Self.check { error, capacity in
                echo_faiss_set_parameter(handle, name, value, error, capacity)
            } context: { "could not set \(name) = \(value)" }
        }
    }

    /// Writes the index to `path` atomically: serialised in memory, written with its
    /// checksum trailer to a temporary file in the same directory, flushed to disk, renamed
    /// over `path`, then the directory flushed. A crash or a full disk leaves the previous
    /// file or the new one, never a partial file.
    /// - Throws: `.noSpace` when the disk has no room (the previous file stays); `.io`
    ///   naming the step that failed and the system's reason; `.outOfMemory`.
    public func write(to path: String) throws(IndexError) {
        var serialised: OpaquePointer?
        var bytes: UnsafePointer<UInt8>?
        var count = 0
        try lock.reading { () throws(IndexError) in
            try Self.check { error, capacity in
                echo_faiss_serialize(handle, &serialised, &bytes, &count, error, capacity)
            } context: { "could not serialise the index for \(path)" }
        }
        defer { echo_faiss_free_bytes(serialised) }
        let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do {
            try IndexFileWriter.write(UnsafeRawBufferPointer(start: bytes, count: count), to: temporary, for: path)
            try DurableRename.publish(temporary, as: path)
        } catch {
            unlink(temporary)
            throw error
        }
    }

    // MARK: - Helpers

    private func rows(in buffer: [Float], what: String) throws(IndexError) -> Int {
        guard buffer.count % dimension == 0 else {
            throw IndexError(
                .dimensionMismatch,
                "\(buffer.count) floats of \(what) is not a whole number of \(dimension)-d vectors")
        }
        return buffer.count / dimension
    }

    /// Calls the bridge with an error buffer and turns a failure into an `IndexError`
    /// whose message starts with `context` and ends with FAISS's own message.
    private static func check(
        _ call: (UnsafeMutablePointer<CChar>, Int) -> Int32,
        context: () -> String
    ) throws(IndexError) {
        let capacity = 1024
        var buffer = [CChar](repeating: 0, count: capacity)
        let status = buffer.withUnsafeMutableBufferPointer { call($0.baseAddress!, capacity) }
        guard status != Int32(ECHO_FAISS_OK.rawValue) else { return }
        let detail = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        throw IndexError(code(for: status), "\(context()): \(detail)")
    }

    private static func code(for status: Int32) -> IndexError.Code {
        switch UInt32(status) {
        case ECHO_FAISS_INVALID_ARGUMENT.rawValue: .invalidArgument
        case ECHO_FAISS_BAD_SPECIFICATION.rawValue: .invalidSpecification
        case ECHO_FAISS_NOT_TRAINED.rawValue: .notTrained
        case ECHO_FAISS_DUPLICATE_ID.rawValue: .duplicateID
        case ECHO_FAISS_UNSUPPORTED.rawValue: .unsupported
        case ECHO_FAISS_IO.rawValue: .io
        case ECHO_FAISS_OUT_OF_MEMORY.rawValue: .outOfMemory
        case ECHO_FAISS_CORRUPT.rawValue: .corrupt
        default: .internalFailure
        }
    }
}
