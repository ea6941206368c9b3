import Foundation
import Testing
import EchoIndex

/// Saving an index on a disk without room: `noSpace`, naming the disk, and the previous
/// file stays readable and unchanged; nothing half-written is left beside it.
@Suite("Index saves on a full disk")
struct FullDiskWriteTests {
    @Test("a save that does not fit is noSpace and leaves the previous file as it was")
    func saveOnAFullDisk() throws {
        let disk: SmallFilesystem
        do {
            disk = try SmallFilesystem(megabytes: 4)
        } catch let unavailable as SmallFilesystem.Unavailable where unavailable.maySkip {
            print("⚠️ SKIPPED the full-disk index save: \(unavailable); run the tests as root (as CI does)")
            return
        }
        let d = 64
        let small = try VectorIndex(dimension: d)
        try small.add(TestData.lowRank(count: 100, dimension: d, rank: 6, seed: 3), ids: (0..<100).map { Int64($0) })
        let path = disk.path + "/category-1.faiss"
        try small.write(to: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        // 20,000 × 64 floats = 5 MB: more than the whole disk.
        let large = try VectorIndex(dimension: d)
        try large.add(TestData.lowRank(count: 20_000, dimension: d, rank: 6, seed: 4), ids: (0..<20_000).map { Int64($0) })
        #expect {
            try large.write(to: path)
        } throws: { error in
            guard let error = error as? IndexError else { return false }
            return error.code == .noSpace && error.message.contains(disk.path) && error.message.contains("previous index file is unchanged")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(try VectorIndex.read(from: path).count == 100)
        #expect(try FileManager.default.contentsOfDirectory(atPath: disk.path) == ["category-1.faiss"])
    }
}
