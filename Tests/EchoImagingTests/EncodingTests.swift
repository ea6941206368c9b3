import Foundation
import Testing
@testable import EchoImaging

@Suite("Encoding and round trips")
struct EncodingTests {
    func pattern(_ format: PixelFormat, width: Int = 37, height: Int = 23) throws -> Image {
        var generator = SeededGenerator(seed: UInt64(format.rawValue))
        let pixels = (0..<width * height * format.channels).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return try Image(width: width, height: height, format: format, pixels: pixels)
    }

    @Test("PNG encode → decode is lossless for every pixel format", arguments: PixelFormat.allCases)
    func pngRoundTrip(format: PixelFormat) throws {
        let image = try pattern(format)
        let bytes = try ImageEncoder.png(image)
        #expect(try ImageFormat.detect(bytes) == .png)
        #expect(try ImageDecoder().decode(bytes) == image)
    }

    @Test("JPEG encode → decode stays close at high quality, baseline and progressive", arguments: [false, true])
    func jpegRoundTrip(progressive: Bool) throws {
        // A smooth image: JPEG's error on it is small and bounded.
        var pixels: [UInt8] = []
        for y in 0..<40 { for x in 0..<48 { pixels += [UInt8(x * 5), UInt8(y * 6), UInt8((x + y) * 2)] } }
        let image = try Image(width: 48, height: 40, format: .rgb, pixels: pixels)
        let decoded = try ImageDecoder().decode(try ImageEncoder.jpeg(image, quality: 98, progressive: progressive))
        #expect(decoded.format == .rgb && decoded.width == 48 && decoded.height == 40)
        let meanError = zip(decoded.pixels, image.pixels).map { abs(Int($0) - Int($1)) }.reduce(0, +) / image.pixels.count
        #expect(meanError <= 2)
    }

    @Test("writePNG writes a file that decodes back")
    func writePNGFile() throws {
        let image = try pattern(.rgb)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("echo-imaging-\(UUID().uuidString).png").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ImageEncoder.writePNG(image, toPath: path)
        #expect(try ImageDecoder().decodeFile(atPath: path) == image)
    }

    @Test("bad encoder arguments are .invalidArgument")
    func badEncoderArguments() {
        #expect(performing: { _ = try ImageEncoder.jpeg(pixels: [0, 0, 0], width: 2, height: 1, channels: 3) },
                throws: { ($0 as? ImagingError)?.code == .invalidArgument })
        #expect(performing: { _ = try ImageEncoder.jpeg(pixels: [0], width: 1, height: 1, channels: 1, quality: 0) },
                throws: { ($0 as? ImagingError)?.code == .invalidArgument })
    }
}
