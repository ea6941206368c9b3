import Testing
@testable import EchoVision

@Suite("Detection metrics")
struct DetectionMetricsTests {
    @Test("AUROC counts ties as half and is nil for one class")
    func aurocWithTies() {
        // Positives 0.8, 0.4; negatives 0.4, 0.1: pairs (0.8>0.4) (0.8>0.1) (0.4=0.4 → ½) (0.4>0.1) → 3.5 / 4.
        #expect(DetectionMetrics.auroc(labels: [true, true, false, false], scores: [0.8, 0.4, 0.4, 0.1]) == 0.875)
        #expect(DetectionMetrics.auroc(labels: [true, false], scores: [0.1, 0.9]) == 0)
        #expect(DetectionMetrics.auroc(labels: [false, false], scores: [0.1, 0.9]) == nil)
    }

    @Test("F1-max finds the best threshold")
    func f1Max() throws {
        // Thresholds: 0.9 → P 1, R ⅓ (F1 .5); 0.7 → 2 TP of 2 (F1 .8); 0.5 → 2 TP, 1 FP (F1 ≈ .667); 0.3 → 3 TP, 1 FP (F1 .857).
        let best = try #require(DetectionMetrics.f1Max(labels: [true, true, false, true, false], scores: [0.9, 0.7, 0.5, 0.3, 0.1]))
        #expect(abs(best.f1 - 6.0 / 7.0) < 1e-12)
        #expect(best.threshold == 0.3)
        #expect(DetectionMetrics.f1Max(labels: [false], scores: [1]) == nil)
    }

    @Test("AUPRO of a perfect map is 1, of an inverted map 0, and regions weigh equally")
    func aupro() throws {
        // A 4×4 image: a 1-pixel region at (0,0) and a 3-pixel region at the right edge.
        var mask = [Bool](repeating: false, count: 16)
        mask[0] = true
        for y in 1...3 { mask[y * 4 + 3] = true }
        let perfect = mask.map { $0 ? Float(1) : 0 }
        #expect(abs(try #require(DetectionMetrics.aupro(maps: [perfect], masks: [mask], widths: [4])) - 1) < 1e-12)
        let inverted = mask.map { $0 ? Float(0) : 1 }
        #expect(abs(try #require(DetectionMetrics.aupro(maps: [inverted], masks: [mask], widths: [4]))) < 1e-12)
        // Only the small region scores high: PRO is ½ from FPR 0 on (the other region is
        // found only after every normal pixel), so the normalised area is ½.
        var half = [Float](repeating: 0.5, count: 16)
        half[0] = 1
        for y in 1...3 { half[y * 4 + 3] = 0 }
        let value = try #require(DetectionMetrics.aupro(maps: [half], masks: [mask], widths: [4]))
        #expect(abs(value - 0.5) < 1e-12)
        #expect(DetectionMetrics.aupro(maps: [perfect], masks: [[Bool](repeating: false, count: 16)], widths: [4]) == nil)
    }

    @Test("regions are 8-connected")
    func eightConnected() {
        // Diagonal neighbours join one region; a separate pixel is another.
        let mask = [true, false, false,
                    false, true, false,
                    false, false, false,
                    true, false, false]
        let regions = DetectionMetrics.connectedRegions(mask, width: 3, firstLabel: 0)
        #expect(regions.sizes == [2, 1])
        #expect(regions.labels[0] == regions.labels[4])
    }

    @Test(".npy files carry NumPy's header and little-endian float32")
    func numpyHeader() {
        let data = NumpyArray.float32([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let bytes = [UInt8](data)
        #expect(bytes.prefix(8) == [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        let header = String(decoding: bytes[10..<10 + headerLength], as: UTF8.self)
        #expect(header.contains("'descr': '<f4'") && header.contains("'shape': (2, 3)") && header.hasSuffix("\n"))
        #expect(bytes.count == 10 + headerLength + 24)
        #expect(Array(bytes[(10 + headerLength)...].prefix(4)) == [0, 0, 0x80, 0x3F])  // 1.0f
    }
}
