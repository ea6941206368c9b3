import Testing
@testable import EchoImaging

@Suite("The Image value and resizing")
struct ImageTests {
    @Test("a buffer of the wrong length or a non-positive size is rejected")
    func invalidConstruction() {
        #expect(throws: ImagingError.self) { _ = try Image(width: 2, height: 2, format: .rgb, pixels: [0, 0, 0]) }
        #expect(throws: ImagingError.self) { _ = try Image(width: 0, height: 2, format: .gray, pixels: []) }
        #expect(throws: ImagingError.self) { _ = try Image(width: 1, height: 1, format: .gray, filledWith: [1, 2]) }
    }

    @Test("gray → RGB replicates; RGB → gray uses BT.601 luma; RGBA → RGB drops alpha")
    func conversions() throws {
        let gray = try Image(width: 2, height: 1, format: .gray, pixels: [10, 200])
        #expect(gray.converted(to: .rgb).pixels == [10, 10, 10, 200, 200, 200])
        let rgb = try Image(width: 2, height: 1, format: .rgb, pixels: [255, 0, 0, 0, 0, 255])
        #expect(rgb.converted(to: .gray).pixels == [76, 29])
        let rgba = try Image(width: 1, height: 1, format: .rgba, pixels: [1, 2, 3, 4])
        #expect(rgba.converted(to: .rgb).pixels == [1, 2, 3])
        #expect(gray.converted(to: .rgba).pixels == [10, 10, 10, 255, 200, 200, 200, 255])
    }

    @Test("area downscaling by a whole factor is the exact block mean")
    func areaBlockMean() throws {
        var generator = SeededGenerator(seed: 3)
        let pixels = (0..<12 * 8 * 3).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let image = try Image(width: 12, height: 8, format: .rgb, pixels: pixels)
        let small = try image.resized(toWidth: 3, height: 2, method: .area)
        for y in 0..<2 {
            for x in 0..<3 {
                for c in 0..<3 {
                    var sum = 0
                    for dy in 0..<4 { for dx in 0..<4 { sum += Int(image[x * 4 + dx, y * 4 + dy, c]) } }
                    #expect(Int(small[x, y, c]) == Int((Double(sum) / 16).rounded()))
                }
            }
        }
    }

    @Test("area downscaling by a fractional factor keeps the mean brightness")
    func areaFractionalKeepsMean() throws {
        var pixels: [UInt8] = []
        for y in 0..<300 { for x in 0..<300 { pixels.append(UInt8((x * 3 + y) % 256)) } }
        let image = try Image(width: 300, height: 300, format: .gray, pixels: pixels)
        let small = try image.resized(toWidth: 224, height: 224)
        let meanBefore = Double(image.pixels.reduce(0) { $0 + Int($1) }) / Double(image.pixels.count)
        let meanAfter = Double(small.pixels.reduce(0) { $0 + Int($1) }) / Double(small.pixels.count)
        #expect(abs(meanBefore - meanAfter) < 1.0)
    }

    @Test("a constant image stays constant under both methods", arguments: ResizeMethod.allCases)
    func constantStaysConstant(method: ResizeMethod) throws {
        let image = try Image(width: 31, height: 17, format: .rgb, filledWith: [12, 130, 250])
        for (w, h) in [(7, 5), (64, 40), (31, 3)] {
            let resized = try image.resized(toWidth: w, height: h, method: method)
            #expect(resized.width == w && resized.height == h)
            #expect(Set(stride(from: 0, to: resized.pixels.count, by: 3).map { resized.pixels[$0..<$0 + 3] }).count == 1)
            #expect(Array(resized.pixels.prefix(3)) == [12, 130, 250])
        }
    }

    @Test("bilinear upscaling interpolates between pixel centres")
    func bilinearInterpolates() throws {
        let image = try Image(width: 2, height: 1, format: .gray, pixels: [0, 200])
        let wide = try image.resized(toWidth: 4, height: 1, method: .bilinear)
        // Centres at 0.25, 0.75 in source pixels → clamp, 0.25, 0.75, clamp.
        #expect(wide.pixels == [0, 50, 150, 200])
    }

    /// Separable resampling straight from its definition: each source row to the target
    /// width in floats, the rows combined, rounded half away from zero, clamped.
    static func directResize(_ image: Image, width targetWidth: Int, height targetHeight: Int, method: ResizeMethod) -> [UInt8] {
        let columns = ResamplingTaps(source: image.width, target: targetWidth, method: method)
        let rows = ResamplingTaps(source: image.height, target: targetHeight, method: method)
        let c = image.channels
        var horizontal = [Float](repeating: 0, count: image.height * targetWidth * c)
        for y in 0..<image.height { for x in 0..<targetWidth { for tap in columns.range(of: x) { for k in 0..<c {
            horizontal[(y * targetWidth + x) * c + k] += columns.weights[tap] * Float(image.pixels[(y * image.width + columns.indices[tap]) * c + k])
        } } } }
        var out: [UInt8] = []
        for y in 0..<targetHeight {
            var row = [Float](repeating: 0, count: targetWidth * c)
            for tap in rows.range(of: y) { for i in row.indices { row[i] += rows.weights[tap] * horizontal[rows.indices[tap] * targetWidth * c + i] } }
            out += row.map { UInt8(min(255, max(0, $0.rounded()))) }
        }
        return out
    }

    @Test("resizing equals its definition pixel for pixel, shrinking and enlarging, gray to RGBA, both methods",
          arguments: ResizeMethod.allCases)
    func resizeMatchesTheDefinition(method: ResizeMethod) throws {
        var state: UInt32 = 99
        for (format, width, height, targetWidth, targetHeight) in [(PixelFormat.gray, 300, 300, 224, 224), (.rgb, 37, 11, 224, 224),
                                                                   (.rgba, 64, 48, 13, 7), (.rgb, 448, 448, 224, 224)] {
            let pixels = (0..<width * height * format.channels).map { _ -> UInt8 in
                state = state &* 1_664_525 &+ 1_013_904_223
                return UInt8(truncatingIfNeeded: state >> 24)
            }
            let image = try Image(width: width, height: height, format: format, pixels: pixels)
            let resized = try image.resized(toWidth: targetWidth, height: targetHeight, method: method)
            #expect(resized.pixels == Self.directResize(image, width: targetWidth, height: targetHeight, method: method),
                    "\(format) \(width)x\(height) → \(targetWidth)x\(targetHeight)")
        }
    }

    @Test("a non-positive target size is .invalidArgument")
    func badTarget() throws {
        let image = try Image(width: 2, height: 2, format: .gray, filledWith: [0])
        #expect(performing: { _ = try image.resized(toWidth: 0, height: 2) },
                throws: { ($0 as? ImagingError)?.code == .invalidArgument })
    }
}
