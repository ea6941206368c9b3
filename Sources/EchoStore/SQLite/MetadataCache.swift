import EchoConcurrency
import Foundation

/// Parsed metadata by its JSON text: golden samples of one run share their metadata, so
/// most rows hit the cache instead of the JSON parser.
final class MetadataCache: Sendable {
    private let parsed = Protected<[String: [String: String]]>([:])

    func decode(_ text: String) -> [String: String] {
        if let hit = parsed.withLock({ $0[text] }) { return hit }
        let metadata = Self.parse(text)
        parsed.withLock { parsed in
            if parsed.count >= 4096 { parsed.removeAll(keepingCapacity: true) }
            parsed[text] = metadata
        }
        return metadata
    }

    static func parse(_ text: String) -> [String: String] {
        let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
        return object.compactMapValues { $0 as? String }
    }
}
