import EchoApplication
import EchoExperts
import EchoImaging
import EchoMLLM
import EchoReferences
import EchoStore
import Testing

@Suite("One error model")
struct ErrorClassificationTests {
    @Test("each library error becomes its stable code and stays reachable as the cause")
    func libraryErrorsKeepTheirCause() throws {
        let cases: [(any Error, EchoError.Code)] = [
            (StoreError(.unknownCategory, "no category \"x\""), .unknownCategory),
            (StoreError(.invalidCategoryName, "bad name"), .invalidCategory),
            (StoreError(.database, "SQLite error 13: database or disk is full - while executing `INSERT INTO reference_images`"), .storeFailed),
            (StoreError(.busy, "pid 4"), .storeBusy),
            (StoreError(.notFound, "no store"), .noStore),
            (ImagingError(.tooLarge, "50000x50000"), .imageTooLarge),
            (ImagingError(.corrupt, "bad huffman"), .badImage),
            (ImagingError(.io, "cannot open x.png"), .badRequest),
            (EmbeddingError(.weightsDamaged, "checksum"), .weightsUnusable),
            (EmbeddingError(.embedderMismatch, "other weights"), .incompatible),
            (ReferenceExtractorError.references("no golden samples"), .noReferences),
            (ReferenceExtractorError.invalidArgument("ratio 2"), .invalidParameter),
            (ReferenceExtractorError.noInput("no PNG or JPEG files"), .nothingToDo),
            (ReferenceExtractorError.output("writing the report", cause: OutputFailure(CocoaLikeError())), .outputFailed),
            (ReferenceExtractorError.store(StoreError(.readOnly, "read-only")), .readOnly),
            (ExpertError.input("bad JSON"), .badRequest),
            (ExpertError.references(.image(ImagingError(.empty, "empty"))), .badImage),
            (MLLMError(.timeout, "no answer in 120 s"), .mllmFailed),
            (CocoaLikeError(), .internal),
        ]
        for (error, expected) in cases {
            let classified = EchoError(classifying: error)
            #expect(classified.code == expected, "\(error)")
            #expect(classified.cause != nil, "\(error) keeps a cause")
        }
        let store = StoreError(.database, "SQLite error 13 - while executing `INSERT`")
        let cause = try #require(EchoError(classifying: store).cause as? StoreError, "the cause is the StoreError itself, not text")
        #expect(cause == store)
        let nested = EchoError(classifying: ExpertError.references(.store(store)))
        #expect((nested.cause as? StoreError) == store, "nested errors keep the innermost library error as the cause")
    }

    @Test("codes are unique, snake_case, and only Echo's own failures are internal")
    func codesAreStable() {
        let raw = EchoError.Code.allCases.map(\.rawValue)
        #expect(Set(raw).count == raw.count)
        #expect(raw.allSatisfy { $0.allSatisfy { $0.isLowercase || $0 == "_" } })
        #expect(EchoError.Code.allCases.filter(\.isInternal) == [.storeFailed, .weightsUnusable, .outputFailed, .internal])
        #expect(EchoError.Code.storeBusy.isRetryable && !EchoError.Code.invalidCategory.isRetryable)
    }
}

private struct CocoaLikeError: Error, CustomStringConvertible {
    var description: String { "The file could not be written" }
}
