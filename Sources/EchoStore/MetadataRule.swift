/// The one rule for reference metadata, applied by the store on every write and filter
/// and by the CLI and the HTTP service before any work: at most 64 entries; keys are
/// 1–64 ASCII letters, digits, `_`, `-` or `.` (safe in a query parameter, a header and a
/// JSON path); values are text of at most 1024 characters.
public enum MetadataRule {
    public static let maximumEntries = 64
    public static let maximumKeyLength = 64
    public static let maximumValueLength = 1024

    /// Whether `key` may name a metadata entry.
    public static func isValidKey(_ key: String) -> Bool {
        (1...maximumKeyLength).contains(key.count)
            && key.unicodeScalars.allSatisfy(SafeName.allows)
    }

    /// Checks metadata to be stored.
    /// - Throws: `.invalidMetadata` naming the first bad key or value and the rule.
    public static func validate(_ metadata: [String: String]) throws(StoreError) {
        guard metadata.count <= maximumEntries else {
            throw StoreError(.invalidMetadata, "\(metadata.count) metadata entries; at most \(maximumEntries) are kept per reference")
        }
        try validateKeys(metadata.keys)
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) where value.count > maximumValueLength {
            throw StoreError(.invalidMetadata, "the metadata value of \"\(key)\" is \(value.count) characters; at most \(maximumValueLength) are allowed")
        }
    }

    /// Checks keys (of metadata or of a filter).
    /// - Throws: `.invalidMetadata` naming the first bad key and the rule.
    public static func validateKeys(_ keys: some Collection<String>) throws(StoreError) {
        for key in keys.sorted() where !isValidKey(key) {
            let shown = key.count > 80 ? String(key.prefix(80)) + "…" : key
            throw StoreError(.invalidMetadata, "the metadata key \"\(shown)\" is not allowed: keys are 1–\(maximumKeyLength) ASCII letters, digits, '_', '-' or '.'")
        }
    }
}
