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

    public var description: String {
        switch self {
        case .image(let error): error.description
        case .embedding(let error): error.description
        case .store(let error): error.description
        case .references(let message): message
        }
    }
}
