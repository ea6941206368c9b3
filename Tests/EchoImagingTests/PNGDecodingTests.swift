import Testing
@testable import EchoImaging

@Suite("PNG decoding (fixtures written by pypng)")
struct PNGDecodingTests {
    let decoder = ImageDecoder()

    func decode(_ name: String) throws -> Image { try decoder.decode(Fixtures.bytes(name)) }

    @Test("8-bit gray decodes to the exact values")
    func gray8() throws {
        let image = try decode("gray8.png")
        #expect(image.format == .gray && image.width == 16 && image.height == 12)
        for y in 0..<12 { for x in 0..<16 { #expect(image[x, y, 0] == Fixtures.gray(x, y)) } }
    }

    @Test("16-bit gray is scaled to 8 bits with rounding, not gamma-converted")
    func gray16() throws {
        let image = try decode("gray16.png")
        #expect(image.format == .gray)
        for y in 0..<12 { for x in 0..<16 { #expect(image[x, y, 0] == Fixtures.scale16(x * 4096 + y * 100)) } }
    }

    @Test("1-bit gray expands to 0 and 255")
    func gray1() throws {
        let image = try decode("gray1.png")
        for y in 0..<12 { for x in 0..<16 { #expect(image[x, y, 0] == ((x + y) % 2 == 1 ? 255 : 0)) } }
    }

    @Test("gray with alpha becomes RGBA with the gray replicated")
    func grayAlpha() throws {
        let image = try decode("gray-alpha.png")
        #expect(image.format == .rgba)
        for y in 0..<12 {
            for x in 0..<16 {
                #expect([image[x, y, 0], image[x, y, 1], image[x, y, 2]] == Array(repeating: Fixtures.gray(x, y), count: 3))
                #expect(image[x, y, 3] == Fixtures.alpha(x, y))
            }
        }
    }

    @Test("RGB, interlaced RGB and RGBA decode to the exact values", arguments: ["rgb.png", "rgb-interlaced.png", "rgba.png"])
    func rgbVariants(name: String) throws {
        let image = try decode(name)
        #expect(image.format == (name == "rgba.png" ? .rgba : .rgb))
        for y in 0..<12 {
            for x in 0..<16 {
                #expect([image[x, y, 0], image[x, y, 1], image[x, y, 2]] == Fixtures.rgb(x, y))
                if image.format == .rgba { #expect(image[x, y, 3] == Fixtures.alpha(x, y)) }
            }
        }
    }

    @Test("16-bit RGB is scaled per channel")
    func rgb16() throws {
        let image = try decode("rgb16.png")
        #expect(image.format == .rgb)
        for y in 0..<12 {
            for x in 0..<16 {
                #expect(image[x, y, 0] == Fixtures.scale16(x * 4096))
                #expect(image[x, y, 1] == Fixtures.scale16(y * 5000))
                #expect(image[x, y, 2] == Fixtures.scale16(65535 - x * 4096))
            }
        }
    }

    @Test("a palette image expands to RGB; with transparency to RGBA")
    func palette() throws {
        let colours: [[UInt8]] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [250, 250, 250]]
        let opaque = try decode("palette.png")
        let transparent = try decode("palette-transparent.png")
        #expect(opaque.format == .rgb)
        #expect(transparent.format == .rgba)
        let alphas: [UInt8] = [0, 128, 255, 255]
        for y in 0..<12 {
            for x in 0..<16 {
                let entry = (x / 4 + y) % 4
                #expect([opaque[x, y, 0], opaque[x, y, 1], opaque[x, y, 2]] == colours[entry])
                #expect([transparent[x, y, 0], transparent[x, y, 1], transparent[x, y, 2], transparent[x, y, 3]] == colours[entry] + [alphas[entry]])
            }
        }
    }

    @Test("decodeFile reads from disk and names the file in errors")
    func decodeFileNamesPath() throws {
        #expect(try decoder.decodeFile(atPath: Fixtures.path("rgb.png")).width == 16)
        let missing = Fixtures.path("no-such-file.png")
        #expect(performing: { _ = try decoder.decodeFile(atPath: missing) },
                throws: { ($0 as? ImagingError)?.code == .io && ($0 as? ImagingError)?.message.contains(missing) == true })
    }
}
