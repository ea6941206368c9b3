/// An error from decoding, encoding or transforming an image: what kind, and a message
/// that carries the codec's own words and says what to do.
public struct ImagingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The kind of failure. Extensible: new codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String

        /// The data is empty (a zero-byte file).
        public static let empty = Code(name: "empty")
        /// Neither PNG nor JPEG (by the file's first bytes).
        public static let unsupportedFormat = Code(name: "unsupported format")
        /// The codec rejected the data: truncated, corrupt, or not what it claims to be.
        public static let corrupt = Code(name: "corrupt")
        /// More pixels than the configured limit (a decompression bomb, or a limit to raise).
        public static let tooLarge = Code(name: "too large")
        /// Out of memory while decoding or encoding.
        public static let outOfMemory = Code(name: "out of memory")
        /// Dimensions, channel counts or buffer sizes that do not fit together.
        public static let invalidArgument = Code(name: "invalid argument")
        /// The file could not be read or written.
        public static let io = Code(name: "i/o")

        public var description: String { name }
    }

    /// What kind of failure this is.
    public let code: Code
    /// What went wrong and, where it helps, what to do about it.
    public let message: String

    /// Creates an error with a code and a message.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
