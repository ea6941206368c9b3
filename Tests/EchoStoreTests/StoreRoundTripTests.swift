import EchoEmbedding
import Foundation
import Testing
@testable import EchoStore

@Suite("Adding and querying references")
struct StoreRoundTripTests {
    @Test("a query returns the nearest live references, most similar first, with their metadata")
    func nearestInOrder() throws {
        let directory = try TemporaryDirectory()
        let store = try StoreFixture.open(directory)
        _ = try store.ensureCategory("bottle", embedder: StoreFixture.identity)
        let outcomes = try store.add((0..<50).map { StoreFixture.reference($0, metadata: ["line": $0 % 2 == 0 ? "a" : "b"]) }, to: "bottle")
        #expect(StoreFixture.addedIDs(outcomes).count == 50)
        let matches = try store.nearest(to: StoreFixture.vector(7), in: "bottle", k: 5)
        #expect(matches.count == 5)
        #expect(matches[0].reference.sourcePath == "/golden/7.png")
        #expect(abs(matches[0].similarity - 1) < 1e-5)
        #expect(matches[0].reference.metadata == ["line": "b"])
        #expect(zip(matches, matches.dropFirst()).allSatisfy { $0.similarity >= $1.similarity })
        // Exactly the brute-force order.
        let exact = (0..<50).map { seed in (seed, zip(StoreFixture.vector(seed), StoreFixture.vector(7)).map(*).reduce(0, +)) }
            .sorted { $0.1 > $1.1 }.prefix(5).map { "/golden/\($0.0).png" }
        #expect(matches.map(\.reference.sourcePath) == Array(exact))
    }

    @Test("re-adding the same bytes is reported as a duplicate and stores nothing")
    func duplicatesAreNoOps() throws {
        let directory = try TemporaryDirectory()
        let store = try StoreFixture.open(directory)
        _ = try store.ensureCategory("bottle", embedder: StoreFixture.identity)
        let first = try store.add([StoreFixture.reference(1)], to: "bottle")
        let again = try store.add([StoreFixture.reference(1), StoreFixture.reference(2), StoreFixture.reference(2)], to: "bottle")
        guard case .added(let id) = first[0] else { Issue.record("not added"); return }
        #expect(again[0] == .duplicate(existingID: id))
        guard case .added(let second) = again[1] else { Issue.record("not added"); return }
        #expect(again[2] == .duplicate(existingID: second))
        #expect(try store.list(category: "bottle").count == 2)
        #expect(try store.statistics(category: "bottle")[0].indexedVectors == 2)
    }

    @Test("a metadata filter keeps only matching references and still returns k of them")
    func metadataFilter() throws {
        let directory = try TemporaryDirectory()
        let store = try StoreFixture.open(directory)
        _ = try store.ensureCategory("bottle", embedder: StoreFixture.identity)
        _ = try store.add((0..<60).map { StoreFixture.reference($0, metadata: ["camera": $0 % 10 == 0 ? "top" : "side"]) }, to: "bottle")
        let matches = try store.nearest(to: StoreFixture.vector(3), in: "bottle", k: 4, filter: ["camera": "top"])
        #expect(matches.count == 4)
        #expect(matches.allSatisfy { $0.reference.metadata["camera"] == "top" })
        #expect(try store.nearest(to: StoreFixture.vector(3), in: "bottle", k: 4, filter: ["camera": "none"]).isEmpty)
        #expect(performing: { _ = try store.nearest(to: StoreFixture.vector(3), in: "bottle", k: 4, filter: ["bad key'": "x"]) },
                throws: { ($0 as? StoreError)?.code == .invalidMetadata })
    }

    @Test("patch features round-trip through float16 storage")
    func patchFeaturesRoundTrip() throws {
        let directory = try TemporaryDirectory()
        let store = try StoreFixture.open(directory)
        _ = try store.ensureCategory("bottle", embedder: StoreFixture.identity)
        let values = (0..<(3 * 2 * 4)).map { Float($0) * 0.37 - 2 }
        let patches = try PatchFeatures(height: 3, width: 2, dimension: 4, values: values)
        let id = StoreFixture.addedIDs(try store.add([StoreFixture.reference(1, patches: patches)], to: "bottle"))[0]
        let loaded = try #require(try store.patchFeatures(of: id))
        #expect(loaded.height == 3 && loaded.width == 2 && loaded.dimension == 4)
        for (a, b) in zip(loaded.values, values) { #expect(abs(a - b) <= abs(b) * 1e-3 + 1e-3) }
        #expect(try store.vector(of: id) == StoreFixture.vector(1))
    }

    @Test("the migration is recorded and the schema has its tables")
    func schemaMigrated() throws {
        let directory = try TemporaryDirectory()
        let store = try StoreFixture.open(directory)
        let tables = try store.database.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        }
        #expect(Set(tables).isSuperset(of: ["categories", "reference_images", "reference_vectors", "reference_patches", "store_sequence",
                                            "calibrations", "runs", "run_results", "memory_banks", "knowledge_entries", "knowledge_search",
                                            "calibration_exclusions"]))
        let applied = try store.database.read { db in try StoreSchema.migrator.appliedMigrations(db) }
        #expect(applied == ["0001_reference_store", "0002_calibration_and_runs", "0003_memory_banks", "0004_knowledge",
                            "0005_patch_recipe_and_scoring", "0006_audit_and_drift", "0007_drift_background_levels",
                            "0008_content_checksums"])
        let journal = try store.database.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(journal == "wal")
    }
}

import GRDB

@Suite("Schema upgrades")
struct SchemaUpgradeTests {
    @Test("a store created by an older release (only migration 0001) is upgraded on open, keeping its data")
    func olderStoreUpgraded() throws {
        let directory = try TemporaryDirectory()
        do {
            let pool = try DatabasePool(path: directory.path + "/echo.sqlite")
            try StoreSchema.migrator.migrate(pool, upTo: "0001_reference_store")
            try pool.write { db in
                try db.execute(sql: """
                    INSERT INTO categories (name, embedder_id, weights_sha256, dimension, patch_dimension, input_size, created_at)
                    VALUES ('old', 'test/embedder', 'abc', 16, 4, 0, 'then')
                    """)
            }
        }
        let store = try StoreFixture.open(directory)
        #expect(try store.category(named: "old").embedder.globalDimension == 16)
        #expect(try store.calibration(of: "old") == nil)
        #expect(try store.memoryBank(of: "old") == nil)
        #expect(try store.knowledge(of: "old").isEmpty)
        let applied = try store.database.read { db in try StoreSchema.migrator.appliedMigrations(db) }
        #expect(applied.last == EmbeddedMigrations.all.last?.name)
        // Its patch features predate recipe echo-2: marked so, never silently scored.
        #expect(try store.category(named: "old").embedder.patchRecipe == "echo-1")
    }

    @Test("0008 gives the vectors, patches and memory banks of a store at 0007 the checksums of what they hold, and reads check them")
    func checksumsBackfilled() throws {
        let directory = try TemporaryDirectory()
        let vector = VectorCoding.float32Blob([0.6, 0.8])
        let patches = VectorCoding.float16Blob([1, 2, 3, 4])
        do {
            let pool = try DatabasePool(path: directory.path + "/echo.sqlite")
            try StoreSchema.migrator.migrate(pool, upTo: "0007_drift_background_levels")
            try pool.write { db in
                try db.execute(sql: """
                    INSERT INTO categories (id, name, embedder_id, weights_sha256, dimension, patch_dimension, input_size, created_at)
                    VALUES (1, 'old', 'test/embedder', 'abc', 2, 4, 0, 'then');
                    INSERT INTO reference_images (id, category_id, sha256, source_path, width, height, created_at, seq)
                    VALUES (1, 1, 'aa', 'a.png', 1, 1, 'then', 1);
                    UPDATE store_sequence SET value = 1;
                    """)
                try db.execute(sql: "INSERT INTO reference_vectors (reference_id, vector) VALUES (1, ?)", arguments: [vector])
                try db.execute(sql: "INSERT INTO reference_patches (reference_id, height, width, dimension, features) VALUES (1, 1, 1, 4, ?)",
                               arguments: [patches])
                try db.execute(sql: """
                    INSERT INTO memory_banks (category_id, reference_set_version, ratio, source_patches, dimension, vectors, origins, built_at)
                    VALUES (1, 0, 1, 1, 4, ?, ?, 'then')
                    """, arguments: [patches, VectorCoding.int64Blob([1])])
            }
        }
        let store = try StoreFixture.open(directory)
        let checksums = try store.database.read { db in
            try Row.fetchOne(db, sql: """
                SELECT v.checksum AS v, p.checksum AS p, m.checksum AS m FROM reference_vectors v, reference_patches p, memory_banks m
                """)
        }
        #expect(checksums?["v"] == ContentChecksum.of(vector))
        #expect(checksums?["p"] == ContentChecksum.of(patches))
        #expect(checksums?["m"] == ContentChecksum.of(patches, VectorCoding.int64Blob([1])))
        #expect(try store.verify().isConsistent)
        #expect(try store.nearest(to: [0.6, 0.8], in: "old", k: 1).first?.reference.sha256 == "aa")
        #expect(try store.patchFeatures(of: 1)?.values == [1, 2, 3, 4])
        #expect(try store.memoryBank(of: "old")?.origins == [1])
    }

    @Test("0007 adds the background columns to a store at 0006, and is only recorded on one whose 0006 already added them")
    func backgroundColumns() throws {
        func columns(_ store: ReferenceStore) throws -> (Bool, Bool) {
            try store.database.read { db in
                (try db.columns(in: "run_results").contains { $0.name == "background" },
                 try db.columns(in: "calibrations").contains { $0.name == "backgrounds" })
            }
        }
        // A store at 0006 as first committed.
        let plain = try TemporaryDirectory()
        do {
            let pool = try DatabasePool(path: plain.path + "/echo.sqlite")
            try StoreSchema.migrator.migrate(pool, upTo: "0006_audit_and_drift")
            #expect(try pool.read { db in try db.columns(in: "run_results").contains { $0.name == "background" } } == false)
        }
        let upgraded = try StoreFixture.open(plain)
        #expect(try columns(upgraded) == (true, true))
        // A store made by the build whose 0006 also added both columns (and recorded only 0006).
        let shipped = try TemporaryDirectory()
        do {
            let pool = try DatabasePool(path: shipped.path + "/echo.sqlite")
            try StoreSchema.migrator.migrate(pool, upTo: "0006_audit_and_drift")
            try pool.write { db in
                try db.execute(sql: "ALTER TABLE run_results ADD COLUMN background REAL")
                try db.execute(sql: "ALTER TABLE calibrations ADD COLUMN backgrounds TEXT NOT NULL DEFAULT '[]'")
            }
        }
        let reopened = try StoreFixture.open(shipped)
        #expect(try columns(reopened) == (true, true))
        let applied = try reopened.database.read { db in try StoreSchema.migrator.appliedMigrations(db) }
        #expect(applied.last == EmbeddedMigrations.all.last?.name)
    }
}
