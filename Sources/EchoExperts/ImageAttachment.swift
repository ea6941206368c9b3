import EchoImaging
import EchoMLLM
import Foundation

/// An image ready to send to the MLLM: PNG or JPEG bytes with a label saying what it is
/// ("the image to inspect", "normal reference 1").
public struct ImageAttachment: Sendable, Equatable {
    public let label: String
    public let data: Data
    public let mimeType: String

    /// The longest side sent; larger images are scaled down (area averaging) and sent as
    /// PNG. Qwen2-VL and most served MLLMs tile images into patches, so larger only costs
    /// tokens.
    public static let maximumSide = 1024

    public init(label: String, data: Data, mimeType: String) {
        self.label = label
        self.data = data
        self.mimeType = mimeType
    }

    /// The file at `path`, checked by decoding it: PNG and JPEG files within `largest`
    /// (default `maximumSide`; nil: any size, as MMAD's scripts send their files) are
    /// sent as they are, anything else is re-encoded as PNG.
    /// - Throws: `.input` for a missing, unreadable or corrupt image, naming the file.
    public static func load(path: String, label: String, largest: Int? = maximumSide) throws(ExpertError) -> ImageAttachment {
        let bytes = [UInt8](try ExpertError.readFile(path, what: "the image"))
        return try from(bytes: bytes, label: label, source: path, largest: largest)
    }

    /// The reference images at `paths`, labelled "Normal reference 1", "Normal reference 2", …
    /// - Throws: `.input` for the first that cannot be used, naming it.
    public static func references(_ paths: some Sequence<String>) throws(ExpertError) -> [ImageAttachment] {
        var attachments: [ImageAttachment] = []
        for (i, path) in paths.enumerated() {
            attachments.append(try load(path: path, label: "Normal reference \(i + 1)"))
        }
        return attachments
    }

    /// Encoded image bytes, checked by decoding them (unless the caller already did and
    /// passes `decoded`); sent as they are when within `maximumSide`, else scaled down and
    /// re-encoded as PNG.
    /// - Throws: `.input` for bytes that are not a usable PNG or JPEG image.
    public static func from(bytes: [UInt8], decoded: Image? = nil, label: String, source: String = "the image",
                            largest: Int? = maximumSide) throws(ExpertError) -> ImageAttachment {
        let image: Image
        let format: ImageFormat
        do {
            format = try ImageFormat.detect(bytes)
            if let decoded { image = decoded } else { image = try ImageDecoder().decode(bytes) }
        } catch {
            throw .input("\(source) is not a usable image: \(error.message)")
        }
        if max(image.width, image.height) <= largest ?? .max {
            return ImageAttachment(label: label, data: Data(bytes), mimeType: format == .png ? "image/png" : "image/jpeg")
        }
        return try encoded(image, label: label, source: source)
    }

    /// A decoded image, scaled to `maximumSide` when larger, as PNG.
    /// - Throws: `.input` when it cannot be encoded.
    public static func encoded(_ image: Image, label: String, source: String = "the image") throws(ExpertError) -> ImageAttachment {
        do {
            var sendable = image
            let longest = max(image.width, image.height)
            if longest > maximumSide {
                let scale = Double(maximumSide) / Double(longest)
                sendable = try image.resized(toWidth: max(1, Int(Double(image.width) * scale)), height: max(1, Int(Double(image.height) * scale)))
            }
            return ImageAttachment(label: label, data: Data(try ImageEncoder.png(sendable)), mimeType: "image/png")
        } catch {
            throw .input("cannot prepare \(source) for the MLLM: \(error.message)")
        }
    }

    /// The label as text followed by the image, for a user message.
    var parts: [ContentPart] { [.text(label + ":"), .image(data, mimeType: mimeType)] }
}
