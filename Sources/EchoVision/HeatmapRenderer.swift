import EchoImaging
import Foundation

/// Draws an anomaly map over its image for people: blue where patches match the
/// golden samples, through green and yellow (at the threshold) to red (half again above).
public enum HeatmapRenderer {
    /// The overlay at most `maxSide` pixels on its longer side.
    /// - Parameter scale: the score drawn as yellow (the threshold; the map's peak when
    ///   there is none).
    public static func overlay(_ image: Image, map: AnomalyMap, scale: Float, maxSide: Int = 320) throws(ImagingError) -> Image {
        let base = try thumbnail(image, maxSide: maxSide)
        let heat = map.upsampled(toWidth: base.width, height: base.height)
        var pixels = [UInt8](repeating: 0, count: base.width * base.height * 3)
        let reference = max(scale, 1e-6)
        for i in 0..<base.width * base.height {
            let level = min(max(heat[i] / (1.5 * reference), 0), 1) // threshold at 2/3 of the scale
            let colour = colourMap(level)
            let alpha = 0.25 + 0.45 * level
            for c in 0..<3 {
                let mixed = (1 - alpha) * Float(base.pixels[i * 3 + c]) + alpha * colour[c]
                pixels[i * 3 + c] = UInt8(min(255, max(0, mixed.rounded())))
            }
        }
        return try Image(width: base.width, height: base.height, format: .rgb, pixels: pixels)
    }

    /// The image as RGB, scaled down (area) so its longer side is at most `maxSide`.
    public static func thumbnail(_ image: Image, maxSide: Int) throws(ImagingError) -> Image {
        let rgb = image.converted(to: .rgb)
        let longer = max(rgb.width, rgb.height)
        guard longer > maxSide else { return rgb }
        let width = max(1, rgb.width * maxSide / longer), height = max(1, rgb.height * maxSide / longer)
        return try rgb.resized(toWidth: width, height: height, method: .area)
    }

    /// Blue → cyan → green → yellow → red for `level` in [0, 1].
    static func colourMap(_ level: Float) -> [Float] {
        let stops: [[Float]] = [[30, 60, 220], [0, 200, 230], [40, 200, 60], [250, 220, 0], [230, 20, 20]]
        let position = level * Float(stops.count - 1)
        let low = min(Int(position), stops.count - 2)
        let t = position - Float(low)
        return (0..<3).map { stops[low][$0] * (1 - t) + stops[low + 1][$0] * t }
    }
}
