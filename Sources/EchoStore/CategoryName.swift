/// The one rule for category names, applied wherever a category is created or named from
/// outside (the store, knowledge import, the CLI, the HTTP service): 1–100 ASCII letters,
/// digits, `-`, `_` and `.`, and not `.` or `..`. Such a name needs no escaping in a URL
/// path, a file name or a shell, so a category made anywhere can be addressed everywhere.
///
/// Categories created before the rule may have other names; they keep working from the
/// CLI and `echoctl rename-category OLD NEW` gives them a conforming one.
public enum CategoryName {
    public static let maximumLength = 100

    /// Whether `name` follows the rule.
    public static func isValid(_ name: String) -> Bool {
        (1...maximumLength).contains(name.count) && name != "." && name != ".."
            && name.unicodeScalars.allSatisfy(SafeName.allows)
    }

    /// Checks `name`.
    /// - Throws: `.invalidCategoryName` saying the rule and suggesting a conforming name.
    public static func validate(_ name: String) throws(StoreError) {
        guard !isValid(name) else { return }
        let shown = name.count > 120 ? String(name.prefix(120)) + "…" : name
        var message = "the category name \"\(shown)\" is not allowed: a category name is 1–\(maximumLength) ASCII letters, digits, '-', '_' or '.' (not \".\" or \"..\")"
        if let suggestion = suggestion(for: name) { message += "; for example \"\(suggestion)\"" }
        throw StoreError(.invalidCategoryName, message)
    }

    /// A conforming name close to `name` (other characters become `-`), if there is one.
    public static func suggestion(for name: String) -> String? {
        var out = ""
        for scalar in name.unicodeScalars {
            if SafeName.allows(scalar) { out.unicodeScalars.append(scalar) } else if !out.hasSuffix("-") { out += "-" }
        }
        let trimmed = String(out.drop { $0 == "-" }.reversed().drop { $0 == "-" }.reversed().prefix(maximumLength))
        return isValid(trimmed) ? trimmed : nil
    }
}

/// The characters of names that need no escaping in a URL path, a query parameter, a
/// header, a file name or a shell: ASCII letters and digits, `-`, `_` and `.`. Category
/// names and metadata keys are made of them.
enum SafeName {
    static func allows(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "_" || scalar == "."
    }
}
