import EchoExperts
import EchoStore
import Foundation
import Testing

@Suite("Knowledge import and selection")
struct KnowledgeTests {
    @Test("the real MMAD file imports every dataset and class, titles and descriptions split from their tags")
    func realFileImports() throws {
        let path = FileManager.default.fileExists(atPath: ExpertFixture.realKnowledge) ? ExpertFixture.realKnowledge : ExpertFixture.knowledgeExcerpt
        let entries = try KnowledgeImporter.entries(fromFile: path)
        let raw = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: [String: [String: String]]]
        #expect(entries.count == raw.values.flatMap(\.values).map(\.count).reduce(0, +))
        #expect(Set(entries.map(\.category)).count == raw.values.map(\.count).reduce(0, +))
        if path == ExpertFixture.realKnowledge { #expect(Set(entries.map(\.category)).count == 38) }
        let broken = try #require(entries.first { $0.category == "bottle" && $0.key == "broken_large" })
        #expect(broken.title == "Large Breakage")
        #expect(broken.dataset == "MVTec")
        #expect(broken.kind == .defect)
        #expect(broken.description.hasPrefix("The defect is characterized by significant breakages"))
        let good = try #require(entries.first { $0.category == "bottle" && $0.key == "good" })
        #expect(good.kind == .normal && good.title == "Normal Characteristics")
        #expect(entries.allSatisfy { !$0.description.hasPrefix("Description:") && !$0.description.hasPrefix("<") })

        let directory = try TemporaryDirectory()
        let store = try ReferenceStore(directory: directory.path, logger: ExpertFixture.logger)
        let first = try store.importKnowledge(entries)
        #expect(first.added == entries.count && first.replaced == 0)
        let again = try store.importKnowledge(entries)
        #expect(again.added == 0 && again.replaced == entries.count, "importing again replaces, never duplicates")
        #expect(try store.knowledge(of: "bottle").map(\.key) == ["good", "broken_large", "broken_small", "contamination"])
    }

    @Test("--dataset keeps one MMAD dataset; an unknown one is named with the ones that exist")
    func datasetFilter() throws {
        let visa = try KnowledgeImporter.entries(fromFile: ExpertFixture.knowledgeExcerpt, dataset: "VisA")
        #expect(Set(visa.map(\.category)) == ["candle"])
        #expect(throws: ExpertError.self) { try KnowledgeImporter.entries(fromFile: ExpertFixture.knowledgeExcerpt, dataset: "MVTec-AD") }
        do {
            _ = try KnowledgeImporter.entries(fromFile: ExpertFixture.knowledgeExcerpt, dataset: "Nope")
        } catch {
            #expect(error.description.contains("MVTec, VisA"))
        }
    }

    @Test("Echo's own format: one product or a list, with tolerances")
    func ownFormat() throws {
        let json = """
            [{"category": "bracket", "normal": "Bright zinc finish, two round holes.",
              "defects": [{"name": "scratch", "description": "A thin bright line across the face.", "tolerance": "Up to 2 mm on the back."},
                          {"name": "burr", "title": "Edge burr", "description": "A raised sharp edge."}]},
             {"category": "gasket", "defects": [{"name": "tear", "description": "A split in the rubber ring."}]}]
            """
        let entries = try KnowledgeImporter.entries(from: Data(json.utf8))
        #expect(entries.map(\.key) == ["good", "scratch", "burr", "tear"])
        #expect(entries[1].tolerance == "Up to 2 mm on the back.")
        #expect(entries[2].title == "Edge burr" && entries[1].title == "Scratch")
        #expect(entries[3].category == "gasket")
    }

    @Test("bad knowledge files are clear errors that say what is wrong", arguments: [
        ("{\"category\": ", "not valid JSON"),
        ("[1, 2]", "neither MMAD"),
        ("{\"category\": \"x\", \"defects\": [{\"name\": \"scratch\"}]}", "needs a \"name\" and a \"description\""),
        ("{\"category\": \"x\"}", "neither \"normal\" nor \"defects\""),
        ("{\"category\": \"x\", \"defects\": [{\"name\": \"good\", \"description\": \"d\"}]}", "reserved"),
        ("{\"category\": \"x\", \"defects\": \"scratch\"}", "must be a list"),
    ])
    func badFiles(json: String, expected: String) throws {
        do {
            _ = try KnowledgeImporter.entries(from: Data(json.utf8))
            Issue.record("expected an error for \(json)")
        } catch {
            #expect(error.description.contains(expected), "\(error)")
        }
    }

    @Test("the guide ranks the defect types a question names above the others, normal characteristics first")
    func relevanceSelection() throws {
        let directory = try TemporaryDirectory()
        let store = try ExpertFixture.knowledgeStore(directory)
        let guide = KnowledgeGuide(store: store, defectLimit: 1)
        let question = MultipleChoiceQuestion(text: "There is a defect in the object. What is the type of the defect?", options: [
            .init(letter: "A", text: "Contamination."), .init(letter: "B", text: "Color fading."),
        ])
        let selection = try guide.select(category: "bottle", question: question)
        #expect(selection.rankedByRelevance)
        #expect(selection.entries.map(\.key) == ["good", "contamination"])
        #expect(selection.available == 4)
        #expect(selection.promptText.contains("Defect type \"Contamination\" (contamination)"))
        let breakage = try guide.select(category: "bottle", question: MultipleChoiceQuestion(text: "Is the rim broken or chipped?", options: []))
        #expect(breakage.entries.last?.key.hasPrefix("broken") == true, "\(breakage.entries.map(\.key))")
    }

    @Test("a question with no telling words, or no question, gets the first defects by name; an unknown category none")
    func fallbackSelection() throws {
        let directory = try TemporaryDirectory()
        let store = try ExpertFixture.knowledgeStore(directory)
        let guide = KnowledgeGuide(store: store, defectLimit: 2)
        let generic = try guide.select(category: "bottle", question: MultipleChoiceQuestion(text: "Is there any defect in the object?", options: [
            .init(letter: "A", text: "Yes."), .init(letter: "B", text: "No."),
        ]))
        #expect(!generic.rankedByRelevance)
        #expect(generic.entries.map(\.key) == ["good", "broken_large", "broken_small"])
        #expect(try guide.select(category: "bottle", question: nil).entries.count == 3)
        let unknown = try guide.select(category: "gearbox", question: nil)
        #expect(unknown.entries.isEmpty && unknown.promptText.isEmpty)
    }

    @Test("re-importing changed text updates the search index; FTS syntax in a question is harmless")
    func searchFollowsUpdates() throws {
        let directory = try TemporaryDirectory()
        let store = try ReferenceStore(directory: directory.path, logger: ExpertFixture.logger)
        try store.importKnowledge([KnowledgeEntry(category: "c", key: "d1", kind: .defect, title: "Dent", description: "A shallow dent in the lid.")])
        #expect(try store.searchKnowledge(category: "c", matching: "dent", limit: 5).map(\.entry.key) == ["d1"])
        try store.importKnowledge([KnowledgeEntry(category: "c", key: "d1", kind: .defect, title: "Scuff", description: "A dull scuff mark.")])
        #expect(try store.searchKnowledge(category: "c", matching: "dent", limit: 5).isEmpty)
        #expect(try store.searchKnowledge(category: "c", matching: "scuffs", limit: 5).map(\.entry.key) == ["d1"], "porter stemming")
        #expect(try store.searchKnowledge(category: "c", matching: "\"scuff* OR NEAR( ) AND -", limit: 5).map(\.entry.key) == ["d1"])
    }
}
