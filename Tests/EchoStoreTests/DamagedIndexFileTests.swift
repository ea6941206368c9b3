import Foundation
import Testing
@testable import EchoStore

/// Index cache files that were damaged or edited never reach FAISS's reader (which trusts
/// its input): each is rebuilt from the store, the answer unchanged. The first case is the
/// attack from the hardening issue, which used to end `echoctl query` with SIGSEGV.
@Suite("Damaged index files are rebuilt, never read by FAISS")
struct DamagedIndexFileTests {
    enum Damage: String, CaseIterable, CustomStringConvertible {
        case hugeHeaderCount = "the 8 bytes after the IxM2 header set to 2^40"
        case flippedByte = "one byte in the middle flipped"
        case noTrailer = "the checksum trailer cut off (an older file)"
        case truncated = "cut in half"
        case garbage = "replaced by random bytes"
        var description: String { rawValue }
    }

    static func damage(_ path: String, _ damage: Damage) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        switch damage {
        case .hugeHeaderCount:
            #expect(Array(bytes[0..<4]) == Array("IxM2".utf8))
            withUnsafeBytes(of: Int64(1 << 40).littleEndian) { for (i, byte) in $0.enumerated() { bytes[4 + i] = byte } }
        case .flippedByte:
            bytes[bytes.count / 2] ^= 0x5A
        case .noTrailer:
            bytes.removeLast(40)
        case .truncated:
            bytes.removeLast(bytes.count / 2)
        case .garbage:
            var generator = SeededGenerator(seed: 15)
            bytes = (0..<bytes.count).map { _ in UInt8.random(in: 0...255, using: &generator) }
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test(arguments: Damage.allCases)
    func rebuilt(_ damage: Damage) throws {
        let directory = try TemporaryDirectory()
        let expected: [Int64]
        do {
            let store = try StoreFixture.open(directory)
            _ = try store.ensureCategory("bottle", embedder: StoreFixture.identity)
            _ = try store.add((0..<20).map { StoreFixture.reference($0) }, to: "bottle")
            expected = try store.nearest(to: StoreFixture.vector(7), in: "bottle", k: 3).map(\.reference.id)
            try store.saveIndexes()
        }
        let files = IndexFiles.files(in: directory.path + "/indexes", category: 1)
        let file = try #require(files.first)
        try Self.damage(file.path, damage)

        let recorder = LogRecorder()
        let store = try StoreFixture.open(directory, recorder: recorder)
        #expect(try store.nearest(to: StoreFixture.vector(7), in: "bottle", k: 3).map(\.reference.id) == expected)
        #expect(recorder.messages.contains { $0.contains("index file unusable") }, "the rebuild is logged: \(recorder.messages)")
        #expect(try store.verify().isConsistent, "the rebuilt file replaced the damaged one")
    }

    @Test("a file Echo wrote reads back; its trailer is checked, not trusted to the reader")
    func intactFileLoads() throws {
        let directory = try TemporaryDirectory()
        do {
            let store = try StoreFixture.open(directory)
            _ = try store.ensureCategory("bottle", embedder: StoreFixture.identity)
            _ = try store.add((0..<5).map { StoreFixture.reference($0) }, to: "bottle")
            try store.saveIndexes()
        }
        let recorder = LogRecorder()
        let store = try StoreFixture.open(directory, recorder: recorder)
        #expect(try store.nearest(to: StoreFixture.vector(2), in: "bottle", k: 1).count == 1)
        #expect(!recorder.messages.contains { $0.contains("unusable") || $0.contains("rebuil") }, "\(recorder.messages)")
    }
}
