import Crypto
import Foundation

/// What a bearer token may do.
public enum Access: String, Sendable, Comparable {
    case readOnly = "read-only"
    case readWrite = "read-write"

    public static func < (a: Access, b: Access) -> Bool { a == .readOnly && b == .readWrite }
}

/// The service's bearer tokens. Only their SHA-256 digests are kept, and a presented
/// token is compared with every one of them in constant time, so neither a token nor its
/// length leaks through timing.
public struct APITokens: Sendable {
    private let entries: [(digest: [UInt8], access: Access)]

    /// Tokens with their access. Empty tokens are ignored.
    public init(readWrite: [String], readOnly: [String] = []) {
        entries = readWrite.filter { !$0.isEmpty }.map { (Self.digest($0), .readWrite) }
            + readOnly.filter { !$0.isEmpty }.map { (Self.digest($0), .readOnly) }
    }

    /// From the environment: `ECHO_API_TOKENS` (read-write) and `ECHO_API_READONLY_TOKENS`
    /// (read-only), each comma-separated.
    public static func fromEnvironment(_ environment: [String: String]) -> APITokens {
        func list(_ name: String) -> [String] {
            (environment[name] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        return APITokens(readWrite: list("ECHO_API_TOKENS"), readOnly: list("ECHO_API_READONLY_TOKENS"))
    }

    /// From a token file: one token per line as `rw TOKEN` or `ro TOKEN`; `#` comments and
    /// blank lines are skipped.
    /// - Throws: `ServiceError` (as a configuration error) for an unreadable file or a
    ///   line of another form, naming the line (never the token).
    public static func fromFile(_ path: String) throws -> APITokens {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ServiceError(.internalServerError, "configuration", "cannot read the token file \(path): \(error.localizedDescription)")
        }
        var readWrite: [String] = [], readOnly: [String] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let parts = trimmed.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2, ["rw", "ro"].contains(parts[0]), !parts[1].trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ServiceError(.internalServerError, "configuration", "\(path) line \(number + 1) is not `rw TOKEN` or `ro TOKEN`")
            }
            let token = parts[1].trimmingCharacters(in: .whitespaces)
            if parts[0] == "rw" { readWrite.append(token) } else { readOnly.append(token) }
        }
        return APITokens(readWrite: readWrite, readOnly: readOnly)
    }

    /// Merged tokens of both.
    public func merging(_ other: APITokens) -> APITokens { APITokens(entries: entries + other.entries) }

    private init(entries: [(digest: [UInt8], access: Access)]) { self.entries = entries }

    public var isEmpty: Bool { entries.isEmpty }
    public var count: Int { entries.count }

    /// The access of `token`, or nil. Every stored digest is compared, whole, each time.
    public func access(of token: String) -> Access? {
        let presented = Self.digest(token)
        var found: Access?
        for entry in entries {
            var difference: UInt8 = 0
            for i in 0..<presented.count { difference |= presented[i] ^ entry.digest[i] }
            if difference == 0 { found = max(found ?? entry.access, entry.access) }
        }
        return found
    }

    private static func digest(_ token: String) -> [UInt8] { Array(SHA256.hash(data: Data(token.utf8))) }
}
