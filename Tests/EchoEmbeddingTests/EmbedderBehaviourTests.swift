import EchoImaging
import Testing
@testable import EchoEmbedding

@Suite("Embedder behaviour")
struct EmbedderBehaviourTests {
    @Test("embedding many images concurrently gives the same vectors as one at a time")
    func concurrentEqualsSequential() throws {
        let embedder = try SharedEmbedder.get()
        let base = try ImageDecoder().decodeFile(atPath: Fixtures.path("chelsea.jpg"))
        let images = try (0..<4).map { shift in
            try base.resized(toWidth: 300 + shift * 20, height: 200 + shift * 10)
        }
        let sequential = try images.map { try embedder.embed($0) }
        let concurrent = embedder.embed(images, concurrency: 3)
        for (one, other) in zip(sequential, concurrent) {
            let embedding = try other.get()
            #expect(embedding.global == one.global)
            #expect(embedding.patches == one.patches)
        }
    }

    @Test("a gray image embeds as its RGB replica, and alpha is ignored")
    func grayAndAlphaHandled() throws {
        let embedder = try SharedEmbedder.get()
        let rgb = try ImageDecoder().decodeFile(atPath: Fixtures.path("coffee-224.png"))
        let gray = rgb.converted(to: .gray)
        #expect(try embedder.embed(gray).global == embedder.embed(gray.converted(to: .rgb)).global)
        var rgbaPixels = rgb.converted(to: .rgba).pixels
        for i in stride(from: 3, to: rgbaPixels.count, by: 4) { rgbaPixels[i] = 7 }
        let rgba = try Image(width: rgb.width, height: rgb.height, format: .rgba, pixels: rgbaPixels)
        #expect(try embedder.embed(rgba).global == embedder.embed(rgb).global)
    }

    @Test("a gray image of any size gives the tensor of its RGB replica (gray is resized before it is replicated)")
    func grayResizesLikeItsReplica() throws {
        let rgb = try ImageDecoder().decodeFile(atPath: Fixtures.path("coffee-224.png"))
        let gray = try rgb.converted(to: .gray).resized(toWidth: 301, height: 187, method: .bilinear)
        let preprocessing = Preprocessing()
        #expect(try preprocessing.tensor(from: gray) == preprocessing.tensor(from: gray.converted(to: .rgb)))
    }

    @Test("preprocessing squeezes any aspect ratio to 224×224×3 in [-1, 1]")
    func preprocessingShape() throws {
        let image = try Image(width: 640, height: 120, format: .rgb, filledWith: [0, 127, 255])
        let tensor = try Preprocessing().tensor(from: image)
        #expect(tensor.count == 224 * 224 * 3)
        #expect(Array(tensor.prefix(3)) == [-127.0 / 128, 0, 1])
    }

    @Test("vectors from another embedder or weights are refused with a clear error")
    func identityMismatchRefused() throws {
        let mine = try SharedEmbedder.get().identity
        let other = EmbedderIdentity(id: mine.id, weightsSHA256: String(repeating: "0", count: 64),
                                     globalDimension: mine.globalDimension, patchDimension: mine.patchDimension, inputSize: 224)
        #expect(performing: { try mine.requireCompatible(with: other, context: "category bottle") },
                throws: { ($0 as? EmbeddingError)?.code == .embedderMismatch && ($0 as? EmbeddingError)?.message.contains("bottle") == true })
        try mine.requireCompatible(with: mine, context: "same")
    }
}
