import Foundation
import Testing
@testable import EchoStore

/// The stored float16 blobs, converted by the CPU's instructions, against Swift's own
/// `Float16` (an independent implementation of the same IEEE rounding).
@Suite("Vector coding")
struct VectorCodingTests {
    @Test("every one of the 65,536 float16 patterns reads back as Swift's Float16 gives it")
    func everyHalfReadsExactly() {
        let patterns = (0...UInt16.max).map { $0 }
        var blob = Data(count: patterns.count * 2)
        blob.withUnsafeMutableBytes { raw in
            for (i, p) in patterns.enumerated() { raw.storeBytes(of: p.littleEndian, toByteOffset: i * 2, as: UInt16.self) }
        }
        let values = VectorCoding.float16Values(blob)
        #expect(values.count == patterns.count)
        var wrong = 0
        for (p, v) in zip(patterns, values) {
            let expected = Float(Float16(bitPattern: p))
            if expected.isNaN ? !v.isNaN : v.bitPattern != expected.bitPattern { wrong += 1 }
        }
        #expect(wrong == 0, "\(wrong) patterns read differently")
    }

    @Test("floats are written as Swift's Float16 rounds them: ties to even, subnormals, overflow, odd lengths")
    func floatsRoundAsSwiftDoes() {
        var generator = SystemRandomNumberGenerator()
        var values: [Float] = [0, -0, 1, -1, 65504, 65520, 65519.99, 1e6, -1e6, .infinity, -.infinity, 5.96e-8, 2.98e-8, 1e-10,
                               6.1035156e-5, 6.1e-5, 1.0009765625, 1.00048828125, 1.00146484375, .leastNonzeroMagnitude]
        // Exactly halfway between neighbouring halves, both ways, and plenty of random ones.
        for bits in stride(from: UInt16(0x3C00), to: 0x3C40, by: 1) {
            let low = Float(Float16(bitPattern: bits)), high = Float(Float16(bitPattern: bits + 1))
            values.append((low + high) / 2)
        }
        for _ in 0..<20_001 { values.append(Float.random(in: -70_000...70_000, using: &generator) * (Bool.random() ? 1 : 1e-4)) }
        let blob = VectorCoding.float16Blob(values)
        #expect(blob.count == values.count * 2)
        var wrong: [Float] = []
        blob.withUnsafeBytes { raw in
            for (i, v) in values.enumerated() {
                let stored = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
                if stored != Float16(v).bitPattern { wrong.append(v) }
            }
        }
        #expect(wrong.isEmpty, "rounded differently: \(wrong.prefix(5))")
        #expect(VectorCoding.float16Blob([]).isEmpty && VectorCoding.float16Values(Data()).isEmpty)
    }
}
