import EchoImaging

/// PNG and JPEG decoding as every entrance does it: format detection, the pixel limit
/// checked against the declared size before any pixel memory, then the codec (libpng or
/// libjpeg behind the shim that contains their longjmp). The limit is lowered to 4
/// megapixels so that the fuzzer reaches the refusal path cheaply and a decoded input stays small.
enum ImageHarnesses {
    static let decoder = ImageDecoder(maxPixels: 4_000_000)

    static let png = FuzzHarness(name: "png", summary: "PNG decoding (libpng through the shim)") { bytes in
        decode(bytes)
    }

    static let jpeg = FuzzHarness(name: "jpeg", summary: "JPEG decoding (libjpeg through the shim), strict and lenient") { bytes in
        let lenient = ImageDecoder(maxPixels: 4_000_000, strictJPEG: false)
        _ = try? lenient.decode(bytes)
        return decode(bytes)
    }

    private static func decode(_ bytes: [UInt8]) -> FuzzOutcome {
        do {
            let image = try decoder.decode(bytes)
            precondition(image.pixels.count == image.width * image.height * image.format.channels, "decoded pixel count disagrees with the size")
            return .accepted
        } catch {
            return .rejected(error.code.description)
        }
    }
}
