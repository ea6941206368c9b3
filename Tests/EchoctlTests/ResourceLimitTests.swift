import Foundation
import Testing

/// The CLI's pixel limit before decoding: a small file that declares a huge image (a
/// decompression bomb) is refused for its declared size, before any pixel memory.
@Suite("Resource limits in the CLI")
struct ResourceLimitTests {
    static func bigEndian(_ value: UInt32) -> [UInt8] { [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        let crc = crc32(body)
        return bigEndian(UInt32(data.count)) + body + bigEndian(crc)
    }

    /// PNG's CRC-32 (ISO 3309), bit by bit: a few chunk headers need no table.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    /// A PNG declaring `side × side` RGB pixels whose data is a few bytes of zlib.
    static func bomb(side: UInt32) -> [UInt8] {
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            + chunk("IHDR", bigEndian(side) + bigEndian(side) + [8, 2, 0, 0, 0])
            + chunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])
            + chunk("IEND", [])
    }

    /// A baseline JPEG declaring `side × side` (SOF0) with a scan header (SOS) and no data.
    static func jpegBomb(side: UInt16) -> [UInt8] {
        let hi = UInt8(side >> 8), lo = UInt8(side & 0xFF)
        return [0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, hi, lo, hi, lo, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01,
                0xFF, 0xDA, 0x00, 0x0C, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3F, 0x00, 0xFF, 0xD9]
    }

    @Test("ingest refuses a PNG and a JPEG declaring billions of pixels by their declared size, and takes the good file beside them")
    func decompressionBombs() throws {
        let store = try TemporaryDirectory(), folder = try TemporaryDirectory()
        try Data(Self.bomb(side: 60_000)).write(to: URL(fileURLWithPath: folder.file("bomb.png")))
        try Data(Self.jpegBomb(side: 65_000)).write(to: URL(fileURLWithPath: folder.file("bomb.jpg")))
        try FileManager.default.copyItem(atPath: Paths.fixture("Tests/EchoEmbeddingTests/Fixtures/chelsea.jpg"), toPath: folder.file("good.jpg"))
        let started = Date()
        let ingest = try CommandRunner.run(["ingest", folder.path, "-c", "parts", "--no-screen", "--store", store.path])
        #expect(ingest.status == 1, "\(ingest.stdout)\(ingest.stderr)")
        for name in ["bomb.png", "bomb.jpg"] {
            let line = ingest.stdout.split(separator: "\n").first { $0.contains(name) }.map(String.init) ?? ""
            #expect(line.contains("too large") || line.contains("pixels"), "\(name): \(line)")
        }
        #expect(ingest.stdout.contains("1 added, 0 already present, 2 failed"), "\(ingest.stdout)")
        #expect(Date().timeIntervalSince(started) < 60)

        let query = try CommandRunner.run(["query", folder.file("bomb.png"), "-c", "parts", "--store", store.path])
        #expect(query.status == 65 && query.stderr.contains("image_too_large"), "\(query.stderr)")
    }
}
