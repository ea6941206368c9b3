import Foundation
import Hummingbird

extension Request {
    /// Whether the client already holds the representation tagged `tag` (a quoted entity
    /// tag): `If-None-Match` names it, weakly (`W/` ignored, as RFC 9110 compares for GET)
    /// or as `*`. Then the answer is 304 with no body.
    func holds(entityTag tag: String) -> Bool {
        guard let header = headers[.ifNoneMatch] else { return false }
        return header.split(separator: ",").contains { candidate in
            let trimmed = candidate.trimmingCharacters(in: .whitespaces)
            return trimmed == "*" || (trimmed.hasPrefix("W/") ? String(trimmed.dropFirst(2)) : trimmed) == tag
        }
    }
}
