import EchoEmbedding
import EchoImaging
import EchoStore

/// An error from the Reference Extractor, carrying the failure of the layer it came from
/// (image decoding, embedding, or the store), each with its own code and message.
public enum ReferenceExtractorError: Error, Equatable, Sendable, CustomStringConvertible {
    case image(ImagingError)
    case embedding(EmbeddingError)
    case store(StoreError)
    /// The category cannot serve the request: no golden samples, none with patch
    /// features, or too few to calibrate. The message says what to do.
    case references(String)
    /// The input holds nothing to work on (paths without a PNG or JPEG file): what was
    /// searched and what to give instead.
    case noInput(String)
    /// An argument out of range (a coreset ratio outside (0, 1]): what is allowed.
    case invalidArgument(String)
    /// Writing an output the caller asked for (an HTML report) failed; the cause is kept.
    case output(String, cause: OutputFailure)

    public var description: String {
        switch self {
        case .invalidArgument(let message): message
        case .noInput(let message): message
        case .output(let message, let cause): "\(message): \(cause.description)"
        case .image(let error): error.description
        case .embedding(let error): error.description
        case .store(let error): error.description
        case .references(let message): message
        }
    }
}

/// The underlying error of a failed output write, kept (as its type and description) so
/// it can be logged and compared; Swift's `any Error` is neither `Equatable` nor always
/// `Sendable`.
public struct OutputFailure: Error, Equatable, Sendable, CustomStringConvertible {
    /// The underlying error's type, e.g. "CocoaError".
    public let type: String
    /// The underlying error's own description.
    public let description: String

    /// Keeps `error`'s type and description.
    public init(_ error: any Error) {
        type = String(reflecting: Swift.type(of: error))
        description = String(describing: error)
    }
}
