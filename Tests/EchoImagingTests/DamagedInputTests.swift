import Testing
@testable import EchoImaging

@Suite("Damaged and hostile input is a typed error, and the process survives")
struct DamagedInputTests {
    let decoder = ImageDecoder()

    func code(of bytes: [UInt8], decoder: ImageDecoder? = nil) -> ImagingError.Code? {
        do {
            _ = try (decoder ?? self.decoder).decode(bytes)
            return nil
        } catch {
            return error.code
        }
    }

    @Test("zero bytes are .empty")
    func zeroBytes() { #expect(code(of: []) == .empty) }

    @Test("text, a GIF header and a BMP header are .unsupportedFormat with the bytes shown")
    func nonImages() throws {
        for bytes in [Array("hello, world".utf8), Array("GIF89a....".utf8), [0x42, 0x4D, 0, 0, 0, 0]] {
            #expect(code(of: bytes) == .unsupportedFormat)
        }
        #expect(performing: { _ = try decoder.decode(Array("GIF89a".utf8)) },
                throws: { ($0 as? ImagingError)?.message.contains("47 49 46") == true })
    }

    @Test("a PNG truncated anywhere is .corrupt", arguments: ["rgb.png", "rgb-interlaced.png", "palette.png", "gray16.png"])
    func truncatedPNG(name: String) throws {
        let bytes = try Fixtures.bytes(name)
        for cut in stride(from: 8, to: bytes.count - 1, by: 7) {
            #expect(code(of: Array(bytes.prefix(cut))) == .corrupt, "cut at \(cut) of \(bytes.count)")
        }
    }

    @Test("a JPEG truncated after its header is .corrupt in strict mode and padded otherwise")
    func truncatedJPEG() throws {
        var generator = SeededGenerator(seed: 11)
        let noise = (0..<128 * 128 * 3).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let bytes = try ImageEncoder.jpeg(pixels: noise, width: 128, height: 128, channels: 3, quality: 90)
        #expect(bytes.count > 10_000) // so that three quarters is well past the headers
        let cut = Array(bytes.prefix(bytes.count * 3 / 4))
        #expect(code(of: cut) == .corrupt)
        #expect(performing: { _ = try decoder.decode(cut) },
                throws: { ($0 as? ImagingError)?.message.contains("Premature end of JPEG file") == true })
        let lenient = try ImageDecoder(strictJPEG: false).decode(cut)
        #expect(lenient.width == 128)
        // Cut inside the headers: an error even when lenient.
        #expect(code(of: Array(bytes.prefix(40)), decoder: ImageDecoder(strictJPEG: false)) == .corrupt)
    }

    @Test("a flipped byte in PNG image data fails its CRC")
    func corruptPNGData() throws {
        var bytes = try Fixtures.bytes("rgb.png")
        let idat = try #require(bytes.indices.first { bytes[$0..<min($0 + 4, bytes.count)].elementsEqual(Array("IDAT".utf8)) })
        bytes[idat + 10] ^= 0xFF
        #expect(code(of: bytes) == .corrupt)
    }

    @Test("a PNG declaring 50000×50000 pixels is refused as .tooLarge before allocating")
    func pngBomb() {
        // The same construction at a small size is a real (if short) PNG: corrupt, not too large.
        #expect(code(of: pngDeclaring(width: 4, height: 4)) == .corrupt)
        #expect(code(of: pngDeclaring(width: 50_000, height: 50_000)) == .tooLarge)
    }

    @Test("a JPEG declaring 60000×60000 pixels is refused as .tooLarge")
    func jpegBomb() throws {
        var bytes = try Fixtures.bytes("rgb-baseline.jpg")
        let sof = try #require(bytes.indices.first { bytes[$0] == 0xFF && $0 + 1 < bytes.count && bytes[$0 + 1] == 0xC0 })
        bytes[sof + 5] = 0xEA; bytes[sof + 6] = 0x60 // height 60000
        bytes[sof + 7] = 0xEA; bytes[sof + 8] = 0x60 // width 60000
        #expect(code(of: bytes) == .tooLarge)
    }

    @Test("the pixel limit is configurable")
    func configurableLimit() throws {
        let bytes = try Fixtures.bytes("rgb.png") // 16×12 = 192 pixels
        #expect(code(of: bytes, decoder: ImageDecoder(maxPixels: 191)) == .tooLarge)
        #expect(code(of: bytes, decoder: ImageDecoder(maxPixels: 192)) == nil)
    }

    @Test("thousands of random mutations of real files never crash the decoder")
    func randomMutationsAreSurvived() throws {
        var generator = SeededGenerator(seed: 7)
        var outcomes: [String: Int] = [:]
        for name in ["rgb.png", "rgba.png", "rgb-interlaced.png", "rgb-baseline.jpg", "rgb-progressive.jpg", "cmyk.jpg"] {
            let original = try Fixtures.bytes(name)
            for _ in 0..<300 {
                var bytes = original
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    let position = Int.random(in: 2..<bytes.count, using: &generator)
                    bytes[position] = UInt8.random(in: 0...255, using: &generator)
                }
                if Bool.random(using: &generator) { bytes = Array(bytes.prefix(Int.random(in: 3..<bytes.count, using: &generator))) }
                let outcome = code(of: bytes).map(\.description) ?? "decoded"
                outcomes[outcome, default: 0] += 1
            }
        }
        // Reaching here means no crash; most mutations must have been caught as errors.
        #expect((outcomes["corrupt"] ?? 0) > 900, "\(outcomes)")
    }
}
