import EchoImaging
import Testing
@testable import EchoEmbedding

@Suite("Features match an independent numpy forward pass")
struct GoldenOutputTests {
    @Test("the global embedding of the committed photo matches the reference to 1e-3 and has unit length")
    func globalEmbeddingMatches() throws {
        let golden = try Fixtures.golden()
        let image = try ImageDecoder().decodeFile(atPath: Fixtures.path(golden.image))
        let embedding = try SharedEmbedder.get().embed(image)
        #expect(embedding.global.count == 1280)
        #expect(maxAbsDifference(embedding.global, golden.globalEmbedding) < 1e-3)
        let norm = embedding.global.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(norm - 1) < 1e-5)
    }

    @Test("patch features match the reference at sampled positions and on average")
    func patchFeaturesMatch() throws {
        let golden = try Fixtures.golden()
        let image = try ImageDecoder().decodeFile(atPath: Fixtures.path(golden.image))
        let patches = try SharedEmbedder.get().embed(image).patches
        #expect([patches.height, patches.width, patches.dimension] == golden.patchGrid)
        for (position, expected) in zip(golden.patchPositions, golden.patchFeatures) {
            let difference = maxAbsDifference(patches.feature(y: position[0], x: position[1]), expected)
            #expect(difference < 1e-3, "patch \(position): max difference \(difference)")
        }
        var mean = [Float](repeating: 0, count: patches.dimension)
        for y in 0..<patches.height { for x in 0..<patches.width {
            for (c, v) in patches.feature(y: y, x: x).enumerated() { mean[c] += v / Float(patches.count) }
        } }
        #expect(maxAbsDifference(mean, golden.patchMean) < 1e-3)
    }
}

@Suite("The weights are the trained ones")
struct SemanticTests {
    @Test("the committed coffee photo's top-5 ImageNet classes match the reference (espresso, cup, coffee mug first)")
    func coffeeClassified() throws {
        let golden = try Fixtures.golden()
        let image = try ImageDecoder().decodeFile(atPath: Fixtures.path("coffee-224.png"))
        let logits = try SharedEmbedder.get().imageNetLogits(image)
        let top5 = logits.indices.sorted { logits[$0] > logits[$1] }.prefix(5)
        #expect(Array(top5) == golden.top5)
        #expect(Array(top5.prefix(3)) == [967, 968, 504]) // espresso, cup, coffee mug
    }

    @Test("a full-size JPEG of a cat, decoded and resized by Echo, is a cat (ImageNet 281–285)")
    func catClassifiedThroughFullPipeline() throws {
        let image = try ImageDecoder().decodeFile(atPath: Fixtures.path("chelsea.jpg"))
        #expect(image.width == 451 && image.height == 300)
        let logits = try SharedEmbedder.get().imageNetLogits(image)
        let top = logits.indices.max { logits[$0] < logits[$1] }!
        #expect((281...285).contains(top), "top class \(top)")
    }

    @Test("similar photos are nearer than different ones in the global embedding")
    func similarityOrdersSensibly() throws {
        let embedder = try SharedEmbedder.get()
        let coffee = try ImageDecoder().decodeFile(atPath: Fixtures.path("coffee-224.png"))
        let cat = try ImageDecoder().decodeFile(atPath: Fixtures.path("chelsea.jpg"))
        // The same photo, slightly shifted and dimmed, must stay closer than the cat.
        var shifted = coffee.pixels
        for i in shifted.indices { shifted[i] = UInt8(Double(shifted[i]) * 0.9) }
        let dimmed = try Image(width: coffee.width, height: coffee.height, format: coffee.format, pixels: shifted)
        let a = try embedder.embed(coffee).global, b = try embedder.embed(dimmed).global, c = try embedder.embed(cat).global
        let near = zip(a, b).map(*).reduce(0, +), far = zip(a, c).map(*).reduce(0, +)
        #expect(near > 0.9)
        #expect(near > far + 0.3, "near \(near), far \(far)")
    }
}
