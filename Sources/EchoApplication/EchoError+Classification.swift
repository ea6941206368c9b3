import Foundation
import EchoExperts
import EchoImaging
import EchoIndex
import EchoMLLM
import EchoReferences
import EchoStore
import EchoVision

extension EchoError {
    /// The Echo error for any library error, keeping it as the cause: the one place where
    /// the libraries' own error types meet the stable codes.
    public init(classifying error: any Error) {
        switch error {
        case let error as EchoError:
            self = error
        case let error as StoreError:
            self = EchoError(Self.code(of: error), error.message, cause: error)
        case let error as ImagingError:
            self = EchoError(Self.code(of: error), error.message, cause: error)
        case let error as EmbeddingError:
            self = EchoError(Self.code(of: error), error.message, cause: error)
        case let error as DatasetError:
            self = EchoError(Self.code(of: error), error.message, cause: error)
        case let error as IndexError:
            self = EchoError(error.code == .noSpace ? .diskFull : .storeFailed, error.message, cause: error)
        case let error as MLLMError:
            self = EchoError(.mllmFailed, error.description, cause: error)
        case let error as ReferenceExtractorError:
            switch error {
            case .image(let inner): self = EchoError(classifying: inner)
            case .embedding(let inner): self = EchoError(classifying: inner)
            case .store(let inner): self = EchoError(classifying: inner)
            case .references(let message): self = EchoError(.noReferences, message, cause: error)
            case .invalidArgument(let message): self = EchoError(.invalidParameter, message, cause: error)
            case .noInput(let message): self = EchoError(.nothingToDo, message, cause: error)
            case .output(let message, let cause): self = EchoError(.outputFailed, "\(message) failed: \(cause.description)", cause: error)
            }
        case let error as ExpertError:
            switch error {
            case .input(let message): self = EchoError(.badRequest, message, cause: error)
            case .store(let inner): self = EchoError(classifying: inner)
            case .references(let inner): self = EchoError(classifying: inner)
            case .mllm(let inner): self = EchoError(classifying: inner)
            }
        default:
            self = EchoError(.internal, "an unexpected error: \(error)", cause: error)
        }
    }

    static func code(of error: StoreError) -> Code {
        switch error.code {
        case .unknownCategory: .unknownCategory
        case .invalidArgument: .invalidParameter
        case .invalidCategoryName: .invalidCategory
        case .invalidMetadata: .invalidMetadata
        case .invalidIndex: .invalidIndex
        case .incompatible: .incompatible
        case .readOnly: .readOnly
        case .busy, .stale: .storeBusy
        case .unavailable: .databaseUnavailable
        case .diskFull: .diskFull
        case .notFound: .noStore
        default: .storeFailed
        }
    }

    static func code(of error: ImagingError) -> Code {
        switch error.code {
        case .tooLarge: .imageTooLarge
        case .io: .badRequest
        default: .badImage
        }
    }

    static func code(of error: DatasetError) -> Code {
        switch error.code {
        case .layout, .unusableFile: .badRequest
        case .output: .outputFailed
        default: .internal
        }
    }

    static func code(of error: EmbeddingError) -> Code {
        switch error.code {
        case .embedderMismatch: .incompatible
        case .invalidInput: .badImage
        default: .weightsUnusable
        }
    }
}

/// Runs `body`, turning whatever it throws into an `EchoError` (see
/// `EchoError(classifying:)`).
func classified<T>(_ body: () throws -> T) throws(EchoError) -> T {
    do {
        return try body()
    } catch {
        throw EchoError(classifying: error)
    }
}

/// The async form of `classified`.
func classified<T>(_ body: () async throws -> T) async throws(EchoError) -> T {
    do {
        return try await body()
    } catch {
        throw EchoError(classifying: error)
    }
}

extension EchoError {
    /// The error for a file the use case failed to write: `disk_full` when the disk (or
    /// quota) is full, else `store_failed`; `what` says which write.
    init(classifyingWrite error: any Error, _ what: String) {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        let full = [error as NSError, underlying].compactMap { $0 }.contains { error in
            (error.domain == NSPOSIXErrorDomain && [Int(ENOSPC), Int(EDQUOT)].contains(error.code))
                || (error.domain == NSCocoaErrorDomain && error.code == NSFileWriteOutOfSpaceError)
        }
        self = EchoError(full ? .diskFull : .storeFailed, "\(what): \(error.localizedDescription)", cause: error)
    }
}
