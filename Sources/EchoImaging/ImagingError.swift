@_exported import EchoErrors

/// An error from decoding, encoding or transforming an image: what kind, and a message
/// that carries the codec's own words and says what to do.
public typealias ImagingError = CodedError<ImagingErrors>

/// The domain of `ImagingError`.
public enum ImagingErrors: ErrorDomain {}

extension CodedError.Code where Domain == ImagingErrors {
    /// The data is empty (a zero-byte file).
    public static var empty: Self { Self(name: "empty") }

    /// Neither PNG nor JPEG (by the file's first bytes).
    public static var unsupportedFormat: Self { Self(name: "unsupported format") }

    /// The codec rejected the data: truncated, corrupt, or not what it claims to be.
    public static var corrupt: Self { Self(name: "corrupt") }

    /// More pixels than the configured limit (a decompression bomb, or a limit to raise).
    public static var tooLarge: Self { Self(name: "too large") }

    /// Out of memory while decoding or encoding.
    public static var outOfMemory: Self { Self(name: "out of memory") }

    /// Dimensions, channel counts or buffer sizes that do not fit together.
    public static var invalidArgument: Self { Self(name: "invalid argument") }

    /// The file could not be read or written.
    public static var io: Self { Self(name: "i/o") }
}
