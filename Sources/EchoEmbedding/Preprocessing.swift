import EchoImaging

/// Turns a decoded image into the network's input.
///
/// Gray becomes three equal channels; alpha is dropped. The whole image is resized
/// (area averaging) to `size × size` without keeping the aspect ratio: an inspection
/// must see every part of the frame, and cropping to a square would cut off the edges
/// where defects also occur. Golden samples and queries from the same camera share an
/// aspect ratio, so the squeeze is the same for both. Pixels are scaled as (x − 127) / 128.
public struct Preprocessing: Sendable, Equatable {
    /// The square input side, 224 for EfficientNet-Lite0.
    public let size: Int

    public init(size: Int = 224) {
        self.size = size
    }

    /// The network input for `image`: `size × size × 3` floats, channels last.
    /// - Throws: `EmbeddingError.invalidInput` if resizing fails.
    public func tensor(from image: Image) throws(EmbeddingError) -> [Float] {
        // Gray is resized before it becomes three equal channels (a third of the work, the
        // same numbers: the resize treats channels alike); colour drops alpha first.
        let source = image.format == .gray ? image : image.converted(to: .rgb)
        let resized: Image
        do {
            resized = try source.resized(toWidth: size, height: size, method: .area).converted(to: .rgb)
        } catch {
            throw EmbeddingError(.invalidInput, "cannot resize a \(image.width)x\(image.height) image: \(error.message)")
        }
        return resized.pixels.map { (Float($0) - 127) / 128 }
    }
}
