import EchoEmbedding
import GRDB
import Testing
@testable import EchoStore

@Suite("One rule for category names, and renaming a category made before it")
struct CategoryNameTests {
    @Test("names are 1–100 ASCII letters, digits, '-', '_' or '.'; a bad one says the rule and suggests a good one")
    func rule() {
        for good in ["bottle", "elpv-mono", "MVTec_AD.bottle", "pcb1", String(repeating: "a", count: 100)] { #expect(CategoryName.isValid(good), "\(good)") }
        for bad in ["", ".", "..", "bottle caps", "a/b", "ä", "x%20y", "tab\t", String(repeating: "a", count: 101)] { #expect(!CategoryName.isValid(bad), "\(bad)") }
        #expect(CategoryName.suggestion(for: "bottle caps") == "bottle-caps")
        #expect(CategoryName.suggestion(for: " /Kaffeetasse (weiß)/ ") == "Kaffeetasse-wei")
        #expect(CategoryName.suggestion(for: "..") == nil)
        do {
            try CategoryName.validate("bottle caps")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidCategoryName && error.message.contains("for example \"bottle-caps\""), "\(error)")
        }
    }

    @Test("the store refuses to create a category with a bad name, and knowledge for one, but keeps serving an existing one")
    func storeApplies() throws {
        let directory = try TemporaryDirectory()
        let store = try StoreFixture.open(directory)
        #expect(performing: { _ = try store.ensureCategory("bottle caps", embedder: StoreFixture.identity) },
                throws: { ($0 as? StoreError)?.code == .invalidCategoryName })
        #expect(try store.categories().isEmpty, "nothing created")
        #expect(performing: { _ = try store.importKnowledge([KnowledgeEntry(category: "bottle caps", key: "good", kind: .normal, title: "N", description: "d")]) },
                throws: { ($0 as? StoreError)?.code == .invalidCategoryName })
        // A category from before the rule.
        _ = try store.ensureCategory("legacy", embedder: StoreFixture.identity)
        try store.database.write { db in try db.execute(sql: "UPDATE categories SET name = 'bottle caps' WHERE name = 'legacy'") }
        #expect(try store.ensureCategory("bottle caps", embedder: StoreFixture.identity).name == "bottle caps", "an existing name still works")
        _ = try store.add([StoreFixture.reference(1)], to: "bottle caps")
        #expect(try store.importKnowledge([KnowledgeEntry(category: "bottle caps", key: "good", kind: .normal, title: "N", description: "d")]).added == 1)
    }

    @Test("rename-category moves the references and knowledge of a category to a conforming name, and refuses what would clash")
    func rename() throws {
        let directory = try TemporaryDirectory()
        let store = try StoreFixture.open(directory)
        _ = try store.ensureCategory("legacy", embedder: StoreFixture.identity)
        try store.database.write { db in try db.execute(sql: "UPDATE categories SET name = 'bottle caps' WHERE name = 'legacy'") }
        let ids = StoreFixture.addedIDs(try store.add([StoreFixture.reference(1), StoreFixture.reference(2)], to: "bottle caps"))
        _ = try store.importKnowledge([KnowledgeEntry(category: "bottle caps", key: "good", kind: .normal, title: "N", description: "d")])
        _ = try store.ensureCategory("cups", embedder: StoreFixture.identity)

        #expect(performing: { try store.renameCategory("bottle caps", to: "cups") }, throws: { ($0 as? StoreError)?.code == .invalidArgument })
        #expect(performing: { try store.renameCategory("bottle caps", to: "still bad") }, throws: { ($0 as? StoreError)?.code == .invalidCategoryName })
        #expect(performing: { try store.renameCategory("nothing", to: "x") }, throws: { ($0 as? StoreError)?.code == .unknownCategory })
        try store.renameCategory("bottle caps", to: "bottle-caps")
        #expect(try store.categories().map(\.name) == ["bottle-caps", "cups"])
        let found = try store.nearest(to: StoreFixture.vector(1), in: "bottle-caps", k: 2, embedder: StoreFixture.identity)
        #expect(Set(found.map(\.reference.id)) == Set(ids))
        #expect(try store.knowledge(of: "bottle-caps").map(\.key) == ["good"] && (try store.knowledge(of: "bottle caps")).isEmpty)
        #expect(try store.verify().isConsistent)
    }
}
