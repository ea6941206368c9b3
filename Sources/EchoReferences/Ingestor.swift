import Dispatch
import EchoEmbedding
import EchoImaging
import EchoStore
import Foundation
import Logging

/// What to ingest and how.
public struct IngestOptions: Sendable {
    /// The product the golden samples belong to (created on first use).
    public var category: String
    /// Metadata stored with every reference of this run (line, camera, lot, ...).
    public var metadata: [String: String]
    /// The FAISS index of a new category ("Flat", "HNSW32", "IVF64,Flat").
    public var indexSpecification: String
    /// References committed per transaction.
    public var batchSize: Int
    /// Images decoded and embedded at once.
    public var concurrency: Int
    /// Largest image accepted, in pixels.
    public var maxPixels: Int

    public init(category: String, metadata: [String: String] = [:], indexSpecification: String = "Flat", batchSize: Int = 32,
                concurrency: Int = ProcessInfo.processInfo.activeProcessorCount, maxPixels: Int = ImageDecoder.defaultMaxPixels) {
        self.category = category
        self.metadata = metadata
        self.indexSpecification = indexSpecification
        self.batchSize = max(1, batchSize)
        self.concurrency = max(1, concurrency)
        self.maxPixels = maxPixels
    }
}

/// The outcome of one file.
public struct IngestedFile: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        case added, duplicate, failed
    }
    public var path: String
    public var status: Status
    /// The reference id (added, or the existing one for a duplicate).
    public var id: Int64?
    /// Why it failed.
    public var reason: String?
}

/// The outcome of an ingest run.
public struct IngestReport: Sendable, Codable {
    public var category: String
    public var files: [IngestedFile]
    public var added: Int { files.filter { $0.status == .added }.count }
    public var duplicates: Int { files.filter { $0.status == .duplicate }.count }
    public var failed: Int { files.filter { $0.status == .failed }.count }
}

/// Progress of an ingest run, after each committed batch.
public struct IngestProgress: Sendable {
    public var done: Int
    public var total: Int
    public var added: Int
    public var duplicates: Int
    public var failed: Int
}

/// Ingests golden samples: hashes each file (re-ingesting the same bytes is a no-op),
/// decodes and embeds new ones in parallel, and commits them in batches, one transaction
/// each. A bad file is reported with its reason and skipped; the rest go in.
public struct Ingestor: Sendable {
    public let store: ReferenceStore
    public let embedder: ImageEmbedder
    public let logger: Logger

    public init(store: ReferenceStore, embedder: ImageEmbedder, logger: Logger) {
        self.store = store
        self.embedder = embedder
        self.logger = logger
    }

    /// Ingests the image files under `paths` (files, or folders searched recursively).
    /// - Throws: `.store(.invalidMetadata)` for metadata `MetadataRule` refuses, before any
    ///   work; `.noInput` when the paths exist but hold no
    ///   PNG or JPEG file (nothing is created); `.store` when the store itself fails (a
    ///   batch that fails to commit is not partly written); bad files never throw.
    public func ingest(_ paths: [String], options: IngestOptions, progress: (IngestProgress) -> Void = { _ in }) throws(ReferenceExtractorError) -> IngestReport {
        do {
            try MetadataRule.validate(options.metadata)
        } catch {
            throw .store(error)
        }
        let (files, missing) = ImageFiles.collect(paths)
        if files.isEmpty, missing.isEmpty {
            throw .noInput("no PNG or JPEG files (.png, .jpg, .jpeg) in \(paths.joined(separator: ", ")); nothing was ingested")
        }
        var outcomes = missing.map { IngestedFile(path: $0, status: .failed, id: nil, reason: "no such file or directory") }
        do {
            _ = try store.ensureCategory(options.category, embedder: embedder.identity, indexSpecification: options.indexSpecification)
        } catch {
            throw .store(error)
        }
        var tally = IngestProgress(done: 0, total: files.count, added: 0, duplicates: 0, failed: outcomes.count)
        var start = 0
        while start < files.count {
            let batch = Array(files[start..<min(start + options.batchSize, files.count)])
            let prepared = prepare(batch, options: options)
            var references: [NewReference] = []
            var referencePaths: [String] = []
            for (path, result) in zip(batch, prepared) {
                switch result {
                case .new(let reference):
                    references.append(reference)
                    referencePaths.append(path)
                case .alreadyStored(let id):
                    outcomes.append(IngestedFile(path: path, status: .duplicate, id: id, reason: nil))
                    tally.duplicates += 1
                case .failed(let reason):
                    outcomes.append(IngestedFile(path: path, status: .failed, id: nil, reason: reason.message))
                    tally.failed += 1
                    logger.warning("skipped a file", metadata: ["ingest.file": "\(path)", "ingest.reason": "\(reason.message)"])
                }
            }
            let added: [AddOutcome]
            do {
                added = try store.add(references, to: options.category)
            } catch {
                throw .store(Self.stopped(by: error, saved: tally.added))
            }
            for (path, outcome) in zip(referencePaths, added) {
                switch outcome {
                case .added(let id):
                    outcomes.append(IngestedFile(path: path, status: .added, id: id, reason: nil))
                    tally.added += 1
                case .duplicate(let id):
                    outcomes.append(IngestedFile(path: path, status: .duplicate, id: id, reason: nil))
                    tally.duplicates += 1
                }
            }
            start += batch.count
            tally.done = start
            progress(tally)
        }
        do {
            try store.saveIndexes()
        } catch {
            throw .store(StoreError(error.code, "all \(tally.added) new images of this run are saved in the database, but the index cache could not be written (\(error.message)); it is rebuilt from the database when the store is next opened"))
        }
        return IngestReport(category: options.category, files: outcomes)
    }

    /// A store failure mid-run, saying what of the run is saved: the batches committed
    /// before it stay, and ingest being idempotent, running it again adds the rest.
    static func stopped(by error: StoreError, saved: Int) -> StoreError {
        guard saved > 0 else { return StoreError(error.code, "\(error.message); nothing of this run was saved") }
        return StoreError(error.code, "\(error.message); the \(saved) new images of this run committed before it stopped are saved (run again, they show as already present)")
    }

    struct Failure: Error, Sendable {
        let message: String
    }

    /// What reading one file produced.
    enum Prepared: Sendable {
        /// A new reference to add (`add` still reports it as a duplicate if the same
        /// bytes arrive twice in one batch).
        case new(NewReference)
        /// The same bytes are already a live reference: neither decoded nor embedded.
        case alreadyStored(id: Int64)
        case failed(Failure)
    }

    /// Reads, hashes, decodes and embeds a batch in parallel; already stored files are
    /// not decoded at all.
    private func prepare(_ paths: [String], options: IngestOptions) -> [Prepared] {
        let decoder = ImageDecoder(maxPixels: options.maxPixels)
        return parallelMap(count: paths.count, concurrency: options.concurrency) { index in
            prepareOne(paths[index], decoder: decoder, options: options)
        }
    }

    private func prepareOne(_ path: String, decoder: ImageDecoder, options: IngestOptions) -> Prepared {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            return .failed(Failure(message: "cannot read: \(error.localizedDescription)"))
        }
        let sha256 = ImageDigest.hex(data)
        if let existing = try? store.liveReference(withSHA256: sha256, in: options.category) {
            return .alreadyStored(id: existing.id)
        }
        do {
            let image = try decoder.decode([UInt8](data))
            let embedding = try embedder.embed(image)
            return .new(NewReference(sha256: sha256, sourcePath: path, width: image.width, height: image.height,
                                     metadata: options.metadata, vector: embedding.global, patches: embedding.patches,
                                     imageBytes: store.keepsImageBytes ? [UInt8](data) : nil))
        } catch let error as ImagingError {
            return .failed(Failure(message: error.description))
        } catch let error as EmbeddingError {
            return .failed(Failure(message: error.description))
        } catch {
            return .failed(Failure(message: "\(error)"))
        }
    }
}
