import Testing
@testable import EchoImaging

@Suite("JPEG decoding (fixtures written by Pillow)")
struct JPEGDecodingTests {
    let decoder = ImageDecoder()

    /// Checks the centre of each 16×16 quadrant against its colour, within a JPEG tolerance.
    func expectQuadrants(_ image: Image, gray: Bool = false, tolerance: Int = 6) {
        for (q, colour) in Fixtures.quadrants.enumerated() {
            let x = (q % 2) * 16 + 8, y = (q / 2) * 16 + 8
            if gray {
                let luma = (299 * Int(colour[0]) + 587 * Int(colour[1]) + 114 * Int(colour[2])) / 1000
                #expect(abs(Int(image[x, y, 0]) - luma) <= tolerance, "quadrant \(q)")
            } else {
                for c in 0..<3 { #expect(abs(Int(image[x, y, c]) - Int(colour[c])) <= tolerance, "quadrant \(q) channel \(c)") }
            }
        }
    }

    @Test("baseline and progressive RGB JPEGs decode to the right colours", arguments: ["rgb-baseline.jpg", "rgb-progressive.jpg"])
    func rgb(name: String) throws {
        let image = try decoder.decode(Fixtures.bytes(name))
        #expect(image.format == .rgb && image.width == 32 && image.height == 32)
        expectQuadrants(image)
    }

    @Test("a grayscale JPEG decodes to one channel")
    func gray() throws {
        let image = try decoder.decode(Fixtures.bytes("gray.jpg"))
        #expect(image.format == .gray)
        expectQuadrants(image, gray: true)
    }

    @Test("an Adobe CMYK JPEG is converted to the right RGB")
    func cmyk() throws {
        let image = try decoder.decode(Fixtures.bytes("cmyk.jpg"))
        #expect(image.format == .rgb)
        expectQuadrants(image, tolerance: 8)
    }

    @Test("a CMYK JPEG with black ink darkens by K")
    func cmykBlackInk() throws {
        // Adobe convention: stored = 255 − ink. C,M,Y no ink; K at 50% ink → mid gray.
        let pixels = [UInt8](repeating: 0, count: 8 * 8 * 4).enumerated().map { $0.offset % 4 == 3 ? UInt8(128) : 255 }
        let bytes = try ImageEncoder.jpeg(pixels: pixels, width: 8, height: 8, channels: 4, quality: 100)
        let image = try decoder.decode(bytes)
        #expect(image.format == .rgb)
        for c in 0..<3 { #expect(abs(Int(image[4, 4, c]) - 128) <= 3) }
    }
}
