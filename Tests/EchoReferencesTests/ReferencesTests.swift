@_exported import EchoTestSupport
import EchoEmbedding
import EchoImaging
import EchoStore
import Foundation
import Logging
import Testing
@testable import EchoReferences

enum ReferencesFixture {
    static let photo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../EchoEmbeddingTests/Fixtures/chelsea.jpg").standardized.path
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    static let embedder = Result { () throws(EmbeddingError) in try ImageEmbedder(weightsPath: WeightsLocation.resolve(environment: ProcessInfo.processInfo.environment)) }
}

@Suite("Finding image files")
struct ImageFilesTests {
    @Test("folders are searched recursively for .png/.jpg/.jpeg in any case; other files and missing paths are told apart")
    func collect() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.file("a/b"), withIntermediateDirectories: true)
        for name in ["a/1.png", "a/b/2.JPG", "a/b/3.jpeg", "a/notes.txt", "a/b/4.gif"] {
            try Data().write(to: URL(fileURLWithPath: directory.file(name)))
        }
        let (files, missing) = ImageFiles.collect([directory.file("a"), directory.file("nothing")])
        #expect(files.map { ($0 as NSString).lastPathComponent } == ["1.png", "2.JPG", "3.jpeg"])
        #expect(missing == [directory.file("nothing")])
        // A file named directly is taken whatever its extension (ingest then reports it if it is not an image).
        #expect(ImageFiles.collect([directory.file("a/notes.txt")]).files.count == 1)
    }
}

@Suite("Ingest and nearest normals through the library")
struct IngestorTests {
    @Test("ingest adds new files, reports duplicates and bad files with reasons, and the extractor finds them")
    func ingestAndQuery() throws {
        let directory = try TemporaryDirectory()
        let embedder = try ReferencesFixture.embedder.get()
        let store = try ReferenceStore(directory: directory.file("store"), logger: ReferencesFixture.logger)
        let inbox = directory.file("inbox")
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        let photo = try ImageDecoder().decodeFile(atPath: ReferencesFixture.photo)
        try ImageEncoder.writePNG(try photo.resized(toWidth: 200, height: 150), toPath: inbox + "/small.png")
        try FileManager.default.copyItem(atPath: ReferencesFixture.photo, toPath: inbox + "/photo.jpg")
        try FileManager.default.copyItem(atPath: ReferencesFixture.photo, toPath: inbox + "/same-bytes.jpg")
        try Data([0x89, 0x50, 0x4E, 0x47]).write(to: URL(fileURLWithPath: inbox + "/broken.png"))
        let ingestor = Ingestor(store: store, embedder: embedder, logger: ReferencesFixture.logger)
        let report = try ingestor.ingest([inbox], options: IngestOptions(category: "cat", metadata: ["line": "7"], batchSize: 2))
        #expect(report.added == 2)
        #expect(report.duplicates == 1)
        #expect(report.failed == 1)
        #expect(report.files.first { $0.status == .failed }?.reason?.contains("PNG") == true)
        let again = try ingestor.ingest([inbox], options: IngestOptions(category: "cat"))
        #expect(again.added == 0 && again.duplicates == 3)

        let extractor = ReferenceExtractor(store: store, embedder: embedder)
        let set = try extractor.nearestNormals(toImageAt: ReferencesFixture.photo, category: "cat", k: 5)
        #expect(set.matches.count == 2)
        #expect(set.matches[0].reference.sourcePath.hasSuffix("photo.jpg"))
        #expect(set.matches[0].reference.metadata == ["line": "7"])
        #expect(set.query.global.count == 1280 && set.query.patches.count == 784)
    }

    @Test("the extractor reports an unreadable query image and an unknown category by their layer")
    func extractorErrors() throws {
        let directory = try TemporaryDirectory()
        let embedder = try ReferencesFixture.embedder.get()
        let store = try ReferenceStore(directory: directory.path, logger: ReferencesFixture.logger)
        let extractor = ReferenceExtractor(store: store, embedder: embedder)
        #expect(performing: { _ = try extractor.nearestNormals(toImageAt: directory.file("missing.png"), category: "x", k: 1) },
                throws: { error in if case .image(let e)? = error as? ReferenceExtractorError { e.code == .io } else { false } })
        #expect(performing: { _ = try extractor.nearestNormals(toImageAt: ReferencesFixture.photo, category: "x", k: 1) },
                throws: { error in if case .store(let e)? = error as? ReferenceExtractorError { e.code == .unknownCategory } else { false } })
    }
}
