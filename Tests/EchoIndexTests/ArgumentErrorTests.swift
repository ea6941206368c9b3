import Testing
@testable import EchoIndex

@Suite("Bad arguments are typed errors, never crashes")
struct ArgumentErrorTests {
    @Test("a description FAISS cannot parse is invalidSpecification with FAISS's message")
    func badFactoryString() {
        #expect(performing: { _ = try VectorIndex(dimension: 8, description: "NotAnIndex42") },
                throws: { error in
                    guard let error = error as? IndexError else { return false }
                    return error.code == .invalidSpecification && error.message.contains("NotAnIndex42")
                })
    }

    @Test("a non-positive dimension is rejected", arguments: [0, -3])
    func nonPositiveDimension(dimension: Int) {
        #expect(performing: { _ = try VectorIndex(dimension: dimension) },
                throws: { ($0 as? IndexError)?.code == .invalidArgument })
    }

    @Test("vectors of the wrong length are a dimensionMismatch")
    func wrongDimensionVectors() throws {
        let index = try VectorIndex(dimension: 8)
        #expect(performing: { try index.add([Float](repeating: 0, count: 12), ids: [1]) },
                throws: { ($0 as? IndexError)?.code == .dimensionMismatch })
        #expect(performing: { _ = try index.search([Float](repeating: 0, count: 7), k: 1) },
                throws: { ($0 as? IndexError)?.code == .dimensionMismatch })
        #expect(performing: { try index.add([Float](repeating: 0, count: 16), ids: [1]) },
                throws: { ($0 as? IndexError)?.code == .dimensionMismatch })
    }

    @Test("k ≤ 0 is an invalidArgument", arguments: [0, -1])
    func nonPositiveK(k: Int) throws {
        let index = try VectorIndex(dimension: 4)
        #expect(performing: { _ = try index.search([1, 0, 0, 0], k: k) },
                throws: { ($0 as? IndexError)?.code == .invalidArgument })
    }
}
