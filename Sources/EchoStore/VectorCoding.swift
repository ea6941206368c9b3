import Foundation
internal import CEchoKernels

/// How vectors are stored in SQLite BLOBs: little-endian float32 for global embeddings,
/// little-endian float16 for patch features and memory banks, little-endian int64 for id lists (half the space; the vision expert's
/// nearest-neighbour distances do not need more precision).
package enum VectorCoding {
    package static func float32Blob(_ values: [Float]) -> Data {
        var data = Data(count: values.count * 4)
        data.withUnsafeMutableBytes { raw in
            for (i, v) in values.enumerated() { raw.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self) }
        }
        return data
    }

    package static func float32Values(_ data: Data) -> [Float] {
        data.withUnsafeBytes { raw in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    // The C conversions read and write the host's byte order, which is the stored
    // little-endian one on every platform Echo builds for.
    #if _endian(big)
    #error("Echo's float16 blobs are little-endian and converted in place: big-endian hosts are not supported")
    #endif

    /// Little-endian float16, converted by the CPU's conversion instructions (16 at a
    /// time with AVX-512, 8 with F16C), rounding to nearest, ties to even — as `Float16(_:)`.
    package static func float16Blob(_ values: [Float]) -> Data {
        var data = Data(count: values.count * 2)
        data.withUnsafeMutableBytes { raw in
            values.withUnsafeBufferPointer { source in
                guard let base = source.baseAddress else { return }
                echo_float_to_half(base, raw.baseAddress!, Int64(values.count))
            }
        }
        return data
    }

    package static func float16Values(_ data: Data) -> [Float] {
        let count = data.count / 2
        var values = [Float](repeating: 0, count: count)
        guard count > 0 else { return values }
        data.withUnsafeBytes { raw in
            values.withUnsafeMutableBufferPointer { echo_half_to_float(raw.baseAddress!, $0.baseAddress!, Int64(count)) }
        }
        return values
    }

    package static func int64Blob(_ values: [Int64]) -> Data {
        var data = Data(count: values.count * 8)
        data.withUnsafeMutableBytes { raw in
            for (i, v) in values.enumerated() { raw.storeBytes(of: v.littleEndian, toByteOffset: i * 8, as: Int64.self) }
        }
        return data
    }

    package static func int64Values(_ data: Data) -> [Int64] {
        data.withUnsafeBytes { raw in
            (0..<data.count / 8).map { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) }
        }
    }
}
