import Foundation
import Testing

/// A store whose files were damaged on disk: each damage gives a clear error (or a logged
/// rebuild), never a crash, and `verify` says what is wrong and what to do.
@Suite("Damaged store files")
struct DamagedStoreTests {
    let fixtures = Paths.fixture("Tests/EchoEmbeddingTests/Fixtures")
    let imagingFixtures = Paths.fixture("Tests/EchoImagingTests/Fixtures")

    /// A store with 16 golden samples, its WAL folded into the database file and closed.
    func makeStore() throws -> TemporaryDirectory {
        let store = try TemporaryDirectory()
        let ingest = try CommandRunner.run(["ingest", fixtures, imagingFixtures, "-c", "parts", "--no-screen", "--store", store.path])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        try checkpoint(store.file("echo.sqlite"))
        return store
    }

    func checkpoint(_ database: String) throws {
        let result = try CommandRunner.runTool("/usr/bin/sqlite3", [database, "PRAGMA wal_checkpoint(TRUNCATE);"])
        #expect(result.status == 0, "\(result.stderr)")
    }

    /// Overwrites `count` bytes at `offset` of `path` with `byte`.
    func overwrite(_ path: String, at offset: Int, count: Int, with byte: UInt8) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        try handle.write(contentsOf: Data(repeating: byte, count: count))
    }

    /// A query on the damaged store either still answers or fails saying the database is damaged.
    func expectQueryAnswersOrSaysDamaged(_ store: TemporaryDirectory) throws {
        let query = try CommandRunner.run(["query", fixtures + "/chelsea.jpg", "-c", "parts", "-k", "3", "--store", store.path])
        if query.status != 0 {
            expectNoCrash(query, "query")
            #expect(query.stderr.contains("is damaged"), "\(query.stderr)")
        }
    }

    func expectNoCrash(_ output: CommandRunner.Output, _ what: String) {
        #expect(output.status != 0 && output.status < 128, "\(what) exited with \(output.status) (a signal above 128): \(output.stderr)")
        #expect(!output.stderr.contains("Fatal error") && !output.stderr.contains("SIGSEGV"), "\(what): \(output.stderr)")
    }

    @Test("a zeroed page in echo.sqlite: verify reports SQLite's integrity failure with what to do, queries fail clearly")
    func zeroedPage() throws {
        let store = try makeStore()
        let database = store.file("echo.sqlite")
        let size = try #require(FileManager.default.attributesOfItem(atPath: database)[.size] as? Int)
        #expect(size > 16 * 4096, "the store is smaller than expected (\(size) bytes)")
        // Page 3 onward holds the tables' b-trees; zero one page in the first quarter.
        try overwrite(database, at: 4096 * 3, count: 4096, with: 0)

        let verify = try CommandRunner.run(["verify", "--store", store.path])
        #expect(verify.status == 1, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("SQLite integrity"), "\(verify.stdout)")
        #expect(verify.stdout.contains("echoctl restore BACKUP"), "\(verify.stdout)")

        try expectQueryAnswersOrSaysDamaged(store)
    }

    @Test("a damaged header in echo.sqlite: every command says the database is damaged and how to restore it")
    func damagedHeader() throws {
        let store = try makeStore()
        try overwrite(store.file("echo.sqlite"), at: 0, count: 100, with: 0x5A)
        for arguments in [["list", "-c", "parts"], ["query", fixtures + "/chelsea.jpg", "-c", "parts"], ["ingest", fixtures, "-c", "parts"]] {
            let output = try CommandRunner.run(arguments + ["--store", store.path])
            expectNoCrash(output, arguments[0])
            #expect(output.status == 74, "\(arguments[0]): exit \(output.status)")
            #expect(output.stderr.contains("is damaged") && output.stderr.contains("echoctl restore"), "\(arguments[0]): \(output.stderr)")
            #expect(!output.stderr.contains("SELECT") && !output.stderr.contains("while executing"), "\(output.stderr)")
        }
        // verify still reports, with SQLite's finding and what to do.
        let verify = try CommandRunner.run(["verify", "--store", store.path])
        #expect(verify.status == 1, "verify: exit \(verify.status) \(verify.stderr)")
        #expect(verify.stdout.contains("SQLite integrity") && verify.stdout.contains("echoctl restore BACKUP"), "\(verify.stdout)")
    }

    @Test("a flipped byte in the b-tree of each table: verify reports the damage with what to do, queries never crash")
    func flippedBytes() throws {
        let store = try makeStore()
        let database = store.file("echo.sqlite")
        // The first leaf page of each of Echo's tables (SQLite's dbstat), found before the damage.
        let pages = try CommandRunner.runTool("/usr/bin/sqlite3", [database,
            "SELECT min(pageno) FROM dbstat WHERE pagetype = 'leaf' AND name IN ('categories', 'reference_images', 'reference_vectors', 'store_sequence') GROUP BY name;"])
        let leaves = pages.stdout.split(separator: "\n").compactMap { Int($0) }
        #expect(leaves.count == 4, "\(pages.stdout)\(pages.stderr)")
        // Flip the low byte of each page's first cell pointer (offset 9 of a leaf page).
        for page in leaves { try overwrite(database, at: (page - 1) * 4096 + 9, count: 1, with: 0xFF) }

        let verify = try CommandRunner.run(["verify", "--store", store.path])
        #expect(verify.status == 1, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("SQLite integrity") && verify.stdout.contains("echoctl restore BACKUP"), "\(verify.stdout)")
        try expectQueryAnswersOrSaysDamaged(store)
    }

    /// Inverts one byte inside the stored blob `column` of `table`'s row for `id`, in the
    /// database file itself (found by its bytes), where SQLite's structural checks cannot see it.
    func flipByteInside(_ database: String, table: String, column: String, id: Int64) throws {
        let hex = try CommandRunner.runTool("/usr/bin/sqlite3", [database, "SELECT hex(substr(\(column), 65, 32)) FROM \(table) WHERE reference_id = \(id);"])
        let needle = try #require(Self.bytes(hex: hex.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "\(hex.stdout)\(hex.stderr)")
        try #require(needle.count == 32, "\(table).\(column) of \(id) is shorter than expected")
        var file = try Data(contentsOf: URL(fileURLWithPath: database))
        let found = try #require(file.range(of: needle), "the blob's bytes are not in \(database) (a WAL not folded in?)")
        #expect(file.range(of: needle, in: found.upperBound..<file.endIndex) == nil, "the bytes occur twice; the test would be ambiguous")
        file[found.lowerBound + 8] ^= 0x40
        try file.write(to: URL(fileURLWithPath: database))
    }

    static func bytes(hex: String) -> Data? {
        var data = Data()
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) ?? hex.endIndex
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            data.append(byte)
            index = next
        }
        return data.isEmpty ? nil : data
    }

    func firstReferenceID(_ database: String) throws -> Int64 {
        let output = try CommandRunner.runTool("/usr/bin/sqlite3", [database, "SELECT min(reference_id) FROM reference_patches;"])
        return try #require(Int64(output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "\(output.stdout)\(output.stderr)")
    }

    /// A store whose first reference has one byte flipped inside `column` of `table`, which
    /// SQLite's own check still passes, and `verify`'s output on it (exit 1 expected).
    func storeWithFlippedByte(table: String, column: String) throws -> (store: TemporaryDirectory, id: Int64, verify: CommandRunner.Output) {
        let store = try makeStore()
        let database = store.file("echo.sqlite")
        let id = try firstReferenceID(database)
        try flipByteInside(database, table: table, column: column, id: id)
        let integrity = try CommandRunner.runTool("/usr/bin/sqlite3", [database, "PRAGMA integrity_check;"])
        #expect(integrity.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "ok", "the damage was meant to be invisible to SQLite: \(integrity.stdout)")
        let verify = try CommandRunner.run(["verify", "--store", store.path])
        #expect(verify.status == 1, "\(verify.stdout)\(verify.stderr)")
        return (store, id, verify)
    }

    @Test("a flipped byte inside a stored vector: SQLite sees nothing, verify names the reference and the repair, a query refuses to answer from it")
    func flippedVectorByte() throws {
        let (store, id, verify) = try storeWithFlippedByte(table: "reference_vectors", column: "vector")
        #expect(verify.stdout.contains("the vector of reference \(id) is damaged") && verify.stdout.contains("echoctl remove \(id)"), "\(verify.stdout)")

        // The index cache still holds the sound vector; without it the index must be rebuilt
        // from the database, and is not built from the damaged one.
        try FileManager.default.removeItem(atPath: store.file("indexes"))
        let query = try CommandRunner.run(["query", fixtures + "/chelsea.jpg", "-c", "parts", "-k", "3", "--store", store.path])
        expectNoCrash(query, "query")
        #expect(query.status == 74, "exit \(query.status): \(query.stderr)")
        #expect(query.stderr.contains("the vector of reference \(id) is damaged on disk") && query.stderr.contains("echoctl restore"), "\(query.stderr)")

        // The repair verify names: remove it (and ingest its image again).
        let remove = try CommandRunner.run(["remove", String(id), "--store", store.path])
        #expect(remove.status == 0, "\(remove.stderr)")
        let again = try CommandRunner.run(["ingest", fixtures, imagingFixtures, "-c", "parts", "--no-screen", "--store", store.path])
        #expect(again.status == 0, "\(again.stderr)")
        let clean = try CommandRunner.run(["verify", "--store", store.path])
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
        let answered = try CommandRunner.run(["query", fixtures + "/chelsea.jpg", "-c", "parts", "-k", "3", "--store", store.path])
        #expect(answered.status == 0, "\(answered.stderr)")
    }

    @Test("a flipped byte inside stored patch features: verify names them and reembed, calibration refuses them, reembed repairs")
    func flippedPatchByte() throws {
        let (store, id, verify) = try storeWithFlippedByte(table: "reference_patches", column: "features")
        #expect(verify.stdout.contains("the patch features of reference \(id) are damaged") && verify.stdout.contains("echoctl reembed -c parts --force"),
                "\(verify.stdout)")

        let calibrate = try CommandRunner.run(["calibrate", "-c", "parts", "--store", store.path])
        expectNoCrash(calibrate, "calibrate")
        #expect(calibrate.stderr.contains("the patch features of reference \(id) are damaged on disk"), "\(calibrate.stderr)")

        let reembed = try CommandRunner.run(["reembed", "-c", "parts", "--force", "--store", store.path])
        #expect(reembed.status == 0, "\(reembed.stdout)\(reembed.stderr)")
        let clean = try CommandRunner.run(["verify", "--store", store.path])
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
        let calibrated = try CommandRunner.run(["calibrate", "-c", "parts", "--store", store.path])
        #expect(calibrated.status == 0, "\(calibrated.stderr)")
    }

    @Test("a store whose database is not a readable file: a clear error naming it")
    func unreadableDatabase() throws {
        let store = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: store.file("echo.sqlite"), withIntermediateDirectories: true)
        let output = try CommandRunner.run(["list", "-c", "parts", "--store", store.path])
        expectNoCrash(output, "list")
        #expect(output.stderr.contains(store.file("echo.sqlite")), "\(output.stderr)")
    }

    @Test("a truncated weights file: weights_unusable with the reinstall command, nothing written")
    func truncatedWeights() throws {
        let store = try TemporaryDirectory()
        let weights = try TemporaryDirectory()
        let real = try #require(Self.installedWeights(), "no weights installed (make weights)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: real))
        try bytes.prefix(bytes.count / 3).write(to: URL(fileURLWithPath: weights.file("cut.echow")))
        let output = try CommandRunner.run(["ingest", fixtures, "-c", "parts", "--store", store.path], environment: ["ECHO_WEIGHTS": weights.file("cut.echow")])
        expectNoCrash(output, "ingest")
        #expect(output.status == 78, "exit \(output.status): \(output.stderr)")
        #expect(output.stderr.contains("weights_unusable") && output.stderr.contains("reinstall"), "\(output.stderr)")
    }

    /// Where echoctl finds its weights (WeightsLocation's order).
    static func installedWeights() -> String? {
        let environment = ProcessInfo.processInfo.environment
        let name = "efficientnet-lite0.echow"
        var candidates: [String] = []
        if let explicit = environment["ECHO_WEIGHTS"], !explicit.isEmpty { candidates.append(explicit) }
        if let data = environment["ECHO_DATA_DIR"], !data.isEmpty { candidates.append(data + "/" + name) }
        let home = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.local/share")
        candidates.append(home + "/echo/" + name)
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }
}
