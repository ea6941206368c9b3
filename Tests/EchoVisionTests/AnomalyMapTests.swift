import Testing
@testable import EchoVision

@Suite("Anomaly maps")
struct AnomalyMapTests {
    func spike(x: Int, y: Int) -> AnomalyMap {
        var values = [Float](repeating: 0, count: 28 * 28)
        values[y * 28 + x] = 10
        return AnomalyMap(width: 28, height: 28, values: values)
    }

    @Test("the peak's region is named the way a person would", arguments: [
        (2, 2, "top left"), (14, 2, "top"), (26, 2, "top right"), (2, 14, "middle left"),
        (14, 14, "center"), (26, 14, "middle right"), (2, 26, "bottom left"), (14, 26, "bottom"), (26, 26, "bottom right"),
    ])
    func regionNames(x: Int, y: Int, name: String) {
        #expect(spike(x: x, y: y).peakRegion == name)
    }

    @Test("smoothing keeps the total and the peak's place, and lowers the peak")
    func smoothing() {
        let map = spike(x: 10, y: 12)
        let smooth = map.smoothed(sigma: 1)
        #expect(abs(smooth.values.reduce(0, +) - 10) < 1e-3)
        #expect(smooth.peak == (10, 12))
        #expect(smooth.maximum < 10 && smooth.maximum > 1)
    }

    @Test("upsampling a constant map is constant; a ramp stays ordered")
    func upsampling() {
        let constant = AnomalyMap(width: 2, height: 2, values: [3, 3, 3, 3]).upsampled(toWidth: 7, height: 5)
        #expect(constant.allSatisfy { abs($0 - 3) < 1e-6 })
        let ramp = AnomalyMap(width: 2, height: 1, values: [0, 1]).upsampled(toWidth: 8, height: 1)
        #expect(zip(ramp, ramp.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(ramp.first == 0 && ramp.last == 1)
    }

    @Test("quantiles interpolate between order statistics")
    func quantiles() {
        #expect(VisionExpert.quantile([4, 1, 3, 2], 0.5) == 2.5)
        #expect(VisionExpert.quantile([1, 2, 3, 4, 5], 1) == 5)
        #expect(VisionExpert.quantile([7], 0.99) == 7)
    }
}
