@_exported import EchoTestSupport
import Foundation
@testable import EchoImaging

enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    // The formulas of make_fixtures.py.
    static let width = 16, height = 12
    static func gray(_ x: Int, _ y: Int) -> UInt8 { UInt8((x * 16 + y * 3) % 256) }
    static func rgb(_ x: Int, _ y: Int) -> [UInt8] { [UInt8(x * 16 % 256), UInt8(y * 20 % 256), UInt8((x + y) * 8 % 256)] }
    static func alpha(_ x: Int, _ y: Int) -> UInt8 { UInt8((x * 7 + y * 11) % 256) }
    /// libpng's 16→8 scaling: round(v × 255 / 65535).
    static func scale16(_ v: Int) -> UInt8 { UInt8((v * 255 + 32767) / 65535) }
    static let quadrants: [[UInt8]] = [[220, 30, 30], [30, 200, 40], [40, 40, 210], [235, 235, 235]]
}


/// CRC-32 as PNG chunks use it, for crafting PNG headers in tests.
func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
    }
    return ~crc
}

func bigEndian(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
}

/// A well-formed PNG chunk: length, type, data, CRC.
func pngChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
    let body = Array(type.utf8) + data
    return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
}

/// A PNG that declares `width × height` RGB pixels but carries only a few bytes of
/// image data: what a decompression bomb looks like before inflation.
func pngDeclaring(width: UInt32, height: UInt32) -> [UInt8] {
    [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        + pngChunk("IHDR", bigEndian(width) + bigEndian(height) + [8, 2, 0, 0, 0])
        + pngChunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])
        + pngChunk("IEND", [])
}
