import EchoIndex

/// A FAISS index cache file as the store's loader reads it. Each input is tried twice: as
/// the file itself (the checksum trailer must refuse it unless it is one) and with a valid
/// trailer appended, as an attacker who recomputes the checksum would write it, so that
/// FAISS's reader and the bridge's structural checks behind the trailer are what get tried.
/// An index that loads is then searched, since a damaged index crashes at search, not at read.
enum IndexFileHarness {
    static let harness = FuzzHarness(name: "faiss-index", summary: "index cache files: trailer, FAISS's reader, structural checks, a search") { bytes in
        _ = load(bytes)
        return load(IndexFileTrailer.sealed(bytes))
    }

    private static func load(_ bytes: [UInt8]) -> FuzzOutcome {
        do {
            let index = try VectorIndex.read(bytes: bytes, source: "fuzz.faiss")
            let count = index.count
            if count > 0 {
                let query = [Float](repeating: 0.5, count: index.dimension)
                let results = try index.search(query, k: min(count, 4))
                precondition(results.ids.count == min(count, 4), "a search returned the wrong number of rows")
                precondition(results.ids.allSatisfy { $0 == -1 || index.contains($0) }, "a search returned an id the index does not hold")
            }
            _ = index.contains(0)
            return .accepted
        } catch {
            return .rejected(error.code.description)
        }
    }
}
