import Foundation
import Testing
@testable import EchoIndex

@Suite("Writing and reading index files")
struct PersistenceTests {
    @Test("write then read gives identical search results", arguments: ["Flat", "HNSW16", "IVF8,Flat"])
    func roundTripGivesIdenticalResults(description: String) throws {
        let directory = try TemporaryDirectory()
        let d = 32
        let base = TestData.lowRank(count: 400, dimension: d, rank: 6, seed: 21)
        let ids = (0..<400).map { Int64($0) + 5_000 }
        let index = try VectorIndex(dimension: d, description: description)
        if !index.isTrained { try index.train(base) }
        try index.add(base, ids: ids)
        let queries = TestData.lowRank(count: 30, dimension: d, rank: 6, seed: 22)
        let before = try index.search(queries, k: 7)

        let path = directory.file("category.faiss")
        try index.write(to: path)
        let loaded = try VectorIndex.read(from: path)
        let after = try loaded.search(queries, k: 7)

        #expect(loaded.count == 400)
        #expect(loaded.dimension == d)
        #expect(loaded.metric == .innerProduct)
        #expect(after.ids == before.ids)
        #expect(after.scores == before.scores)
        #expect(loaded.contains(5_123))
        // Duplicate detection survives the round trip.
        #expect(throws: IndexError.self) { try loaded.add(Array(base[0..<d]), ids: [5_000]) }
    }

    @Test("writing leaves no temporary file and replaces the previous file")
    func writeReplacesAtomically() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("a.faiss")
        let index = try VectorIndex(dimension: 4)
        try index.add(TestData.vectors(count: 1, dimension: 4, seed: 23), ids: [1])
        try index.write(to: path)
        try index.add(TestData.vectors(count: 1, dimension: 4, seed: 24), ids: [2])
        try index.write(to: path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["a.faiss"])
        #expect(try VectorIndex.read(from: path).count == 2)
    }

    @Test("a truncated, garbage, empty or edited file is refused as corrupt before FAISS reads it; a missing one is an i/o error")
    func damagedFilesAreTypedErrors() throws {
        let directory = try TemporaryDirectory()
        let good = directory.file("good.faiss")
        let index = try VectorIndex(dimension: 8)
        try index.add(TestData.vectors(count: 20, dimension: 8, seed: 25), ids: (0..<20).map(Int64.init))
        try index.write(to: good)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))

        let truncated = directory.file("truncated.faiss")
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: truncated))
        let garbage = directory.file("garbage.faiss")
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(to: URL(fileURLWithPath: garbage))
        let empty = directory.file("empty.faiss")
        try Data().write(to: URL(fileURLWithPath: empty))

        // The header edit that used to crash FAISS's reader (a huge count after "IxM2").
        var edited = [UInt8](bytes)
        withUnsafeBytes(of: Int64(1 << 40).littleEndian) { for (i, byte) in $0.enumerated() { edited[4 + i] = byte } }
        let hostile = directory.file("hostile.faiss")
        try Data(edited).write(to: URL(fileURLWithPath: hostile))

        for path in [truncated, garbage, empty, hostile] {
            #expect(performing: { _ = try VectorIndex.read(from: path) },
                    throws: { ($0 as? IndexError)?.code == .corrupt })
        }
        #expect(performing: { _ = try VectorIndex.read(from: directory.file("missing.faiss")) },
                throws: { ($0 as? IndexError)?.code == .io })
        #expect(try VectorIndex.read(from: good).count == 20)
    }

    @Test("writing into a missing directory is an i/o error that names the path")
    func writeToMissingDirectoryFails() throws {
        let directory = try TemporaryDirectory()
        let index = try VectorIndex(dimension: 4)
        let path = directory.file("no/such/dir/x.faiss")
        #expect(performing: { try index.write(to: path) },
                throws: { error in
                    guard let error = error as? IndexError else { return false }
                    return error.code == .io && error.message.contains(path)
                })
    }
}
