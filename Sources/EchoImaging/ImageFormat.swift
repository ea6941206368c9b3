/// The encoded formats Echo reads and writes.
public enum ImageFormat: String, Sendable, Codable, CaseIterable {
    case png
    case jpeg

    /// The format of encoded `data`, judged by its first bytes (never by a file name).
    /// - Throws: `.empty` for no data; `.unsupportedFormat` for anything else, with the
    ///   bytes seen.
    public static func detect(_ data: some Collection<UInt8>) throws(ImagingError) -> ImageFormat {
        guard !data.isEmpty else { throw ImagingError(.empty, "no data (a zero-byte file)") }
        let head = Array(data.prefix(8))
        if head == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return .png }
        if head.count >= 3, head[0] == 0xFF, head[1] == 0xD8, head[2] == 0xFF { return .jpeg }
        let shown = head.map { String($0, radix: 16, uppercase: true) }.joined(separator: " ")
        throw ImagingError(.unsupportedFormat, "not a PNG or JPEG file (first bytes: \(shown)); Echo reads .png, .jpg and .jpeg")
    }
}
