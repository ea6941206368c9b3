import EchoImaging

/// The limits every entrance applies to what a caller asks for: the same rule whether the
/// request came from `echoctl`, HTTP or a library call. Deployments may set other values
/// (the service bounds list pages; a local CLI may list a whole store), never other rules.
public struct InputLimits: Sendable, Equatable {
    /// Images with more pixels are refused before decoding (`image_too_large`).
    public var maxPixels: Int = ImageDecoder.defaultMaxPixels
    /// The most nearest normals one query may ask for.
    public var maxK: Int = 100
    /// The most references one list page may hold.
    public var maxPage: Int = 10_000
    /// The largest image file a queued run stores in the database (64 MiB); larger files
    /// are recorded as failed (`image_too_large`).
    public var maxImageBytes: Int = 64 << 20

    /// The default limits (40 MP, k ≤ 100, pages of ≤ 10,000).
    public init() {}

    /// Checks a query's k.
    /// - Throws: `invalid_parameter` naming the allowed range.
    public func checkK(_ k: Int) throws(EchoError) {
        guard (1...maxK).contains(k) else {
            throw EchoError(.invalidParameter, "k must be an integer in 1…\(maxK) (got \(k))")
        }
    }

    /// Checks a list page.
    /// - Throws: `invalid_parameter` naming the allowed ranges.
    public func checkPage(limit: Int, offset: Int) throws(EchoError) {
        guard (1...maxPage).contains(limit) else {
            throw EchoError(.invalidParameter, "limit must be an integer in 1…\(maxPage) (got \(limit))")
        }
        guard offset >= 0 else { throw EchoError(.invalidParameter, "offset cannot be negative (got \(offset))") }
    }

    /// Checks the limits themselves before a service or command starts.
    /// - Throws: `invalid_parameter` when one is not positive.
    public func validate() throws(EchoError) {
        guard maxPixels > 0, maxK > 0, maxPage > 0 else {
            throw EchoError(.invalidParameter, "the pixel, k and page limits must be positive")
        }
    }
}
