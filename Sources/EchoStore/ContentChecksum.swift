import Crypto
import Foundation

/// The SHA-256 every stored vector, patch grid and memory bank carries beside its bytes
/// (SQLite migration 0008, PostgreSQL 0003). A backend writes it with the blob and checks
/// it whenever it reads the blob back, so a byte changed on disk (which SQLite's structural
/// checks do not see) is an error naming the row, never a wrong answer.
package enum ContentChecksum {
    /// The SHA-256 of `parts`' bytes, concatenated.
    package static func of(_ parts: Data...) -> Data { of(parts) }

    /// The SHA-256 of `parts`' bytes, concatenated.
    package static func of(_ parts: [Data]) -> Data {
        var hasher = SHA256()
        for part in parts { hasher.update(data: part) }
        return Data(hasher.finalize())
    }

    /// Whether `stored` is the checksum of `parts` (a missing one never is).
    package static func matches(_ stored: Data?, _ parts: Data...) -> Bool {
        guard let stored else { return false }
        return of(parts) == stored
    }

    /// The error for a stored value whose bytes no longer match their checksum.
    /// - Parameters:
    ///   - what: the value, as a user names it ("the vector of reference 17")
    ///   - plural: whether `what` takes "are"
    ///   - repair: the command or step that replaces it
    package static func damaged(_ what: String, plural: Bool = false, repair: String) -> StoreError {
        StoreError(.corrupt, "\(what) \(plural ? "are" : "is") damaged on disk (its bytes no longer match the SHA-256 stored with them); nothing was computed from it. Run `echoctl verify` for every damaged row, then restore the last good backup (`echoctl restore BACKUP`) or \(repair)")
    }

    /// The repair of a reference's damaged vector.
    package static func vectorRepair(_ id: Int64) -> String {
        "remove the reference (`echoctl remove \(id)`) and ingest its image again"
    }

    /// The repair of a reference's damaged patch features.
    package static func patchRepair(category: String?) -> String {
        "re-extract the category's patch features from its golden images (`echoctl reembed\(category.map { " -c \($0)" } ?? "") --force`)"
    }

    /// The repair of a damaged stored image (PostgreSQL keeps golden and queued images).
    package static let imageRepair = "remove the references to it and ingest the original file again (which replaces the stored copy)"

    /// The repair of a damaged memory bank.
    package static func memoryBankRepair(category: String) -> String {
        "rebuild it (`echoctl calibrate -c \(category) --coreset RATIO`)"
    }
}

/// A stored value whose bytes no longer match their checksum, as `verify` lists it.
public struct ContentDamage: Sendable, Hashable {
    /// Which kind of stored value.
    public enum Kind: String, Sendable, Hashable {
        case vector, patches, memoryBank = "memory bank", image
    }

    public var kind: Kind
    /// The category it belongs to.
    public var category: String
    /// The reference it belongs to (nil for a memory bank).
    public var referenceID: Int64?

    public init(kind: Kind, category: String, referenceID: Int64?) {
        self.kind = kind
        self.category = category
        self.referenceID = referenceID
    }

    /// The order `damagedContent` lists damage in: by category, then reference id (memory
    /// banks last), then kind.
    public static func reportOrder(_ a: ContentDamage, _ b: ContentDamage) -> Bool {
        (a.category, a.referenceID ?? .max, a.kind.rawValue) < (b.category, b.referenceID ?? .max, b.kind.rawValue)
    }

    /// What is damaged and how to repair it, for `verify`'s report.
    public var problem: String {
        switch kind {
        case .vector:
            "\(category): the vector of reference \(referenceID ?? 0) is damaged (checksum mismatch); restore the last good backup or \(ContentChecksum.vectorRepair(referenceID ?? 0))"
        case .patches:
            "\(category): the patch features of reference \(referenceID ?? 0) are damaged (checksum mismatch); restore the last good backup or \(ContentChecksum.patchRepair(category: category))"
        case .image:
            "\(category): the stored image of reference \(referenceID ?? 0) is damaged (it no longer hashes to its SHA-256); restore the last good dump or \(ContentChecksum.imageRepair)"
        case .memoryBank:
            "\(category): the memory bank is damaged (checksum mismatch); \(ContentChecksum.memoryBankRepair(category: category))"
        }
    }
}
