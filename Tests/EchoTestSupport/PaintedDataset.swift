import EchoImaging
import Foundation

/// Real-photo test data with painted defects and exact masks, shared by the vision and
/// command-line tests: crops of the committed cat photo (a fixed camera's slightly
/// shifted views of one scene) and dark diagonal scratches.
public enum PaintedDataset {
    /// The committed real photo (`Tests/EchoEmbeddingTests/Fixtures/chelsea.jpg`).
    public static let photo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../EchoEmbeddingTests/Fixtures/chelsea.jpg").standardized.path

    /// A 200×200 crop of the photo at an offset.
    public static func crop(dx: Int, dy: Int) throws -> Image {
        let source = try ImageDecoder().decodeFile(atPath: photo)
        var pixels: [UInt8] = []
        pixels.reserveCapacity(200 * 200 * 3)
        for y in 0..<200 { for x in 0..<200 { for c in 0..<3 { pixels.append(source[120 + dx + x, 40 + dy + y, c]) } } }
        return try Image(width: 200, height: 200, format: .rgb, pixels: pixels)
    }

    /// Whether pixel (x, y) is on the scratch painted in `box`.
    public static func onScratch(x: Int, y: Int, box: (x0: Int, y0: Int, x1: Int, y1: Int)) -> Bool {
        x >= box.x0 && x < box.x1 && y >= box.y0 && y < box.y1 && abs((x - box.x0) - (y - box.y0)) <= 3
    }

    /// `image` with a dark scratch painted inside the box (x0..<x1, y0..<y1).
    public static func scratched(_ image: Image, box: (x0: Int, y0: Int, x1: Int, y1: Int)) throws -> Image {
        var copy = image
        for y in box.y0..<box.y1 {
            for x in box.x0..<box.x1 where onScratch(x: x, y: y, box: box) {
                for c in 0..<3 { copy[x, y, c] = c == 0 ? 250 : 10 }
            }
        }
        return copy
    }

    /// An MVTec AD folder at `root` with one category, `widget`: 8 training normals, 4 test
    /// normals, 4 test images with a painted scratch and its exact mask.
    public static func makeMVTec(_ root: String) throws {
        let category = "\(root)/widget"
        for folder in ["train/good", "test/good", "test/scratch", "ground_truth/scratch"] {
            try FileManager.default.createDirectory(atPath: "\(category)/\(folder)", withIntermediateDirectories: true)
        }
        for i in 0..<8 {
            try ImageEncoder.writePNG(try crop(dx: (i % 4) * 3, dy: (i / 4) * 3), toPath: "\(category)/train/good/\(i).png")
        }
        for i in 0..<4 {
            try ImageEncoder.writePNG(try crop(dx: 1 + i * 3, dy: 4), toPath: "\(category)/test/good/\(i).png")
            let box = (x0: 30 + i * 25, y0: 40 + i * 20, x1: 90 + i * 25, y1: 100 + i * 20)
            try ImageEncoder.writePNG(try scratched(try crop(dx: 2 + i * 3, dy: 5), box: box), toPath: "\(category)/test/scratch/\(i).png")
            var mask = try Image(width: 200, height: 200, format: .gray, filledWith: [0])
            for y in box.y0..<box.y1 { for x in box.x0..<box.x1 where onScratch(x: x, y: y, box: box) { mask[x, y, 0] = 255 } }
            try ImageEncoder.writePNG(mask, toPath: "\(category)/ground_truth/scratch/\(i)_mask.png")
        }
    }
}
