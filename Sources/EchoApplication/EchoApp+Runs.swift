import EchoStore
import Foundation

extension EchoApp {
    /// Recorded runs, newest first: every category's, or `category`'s; a page of `limit`
    /// from `offset` (at most 500 a page).
    /// - Throws: `invalid_category`, `invalid_parameter` for a page out of range before any
    ///   read; `unknown_category`; `database_unavailable`, `store_failed`.
    public func listRuns(category: String?, limit: Int, offset: Int) throws(EchoError) -> [RunStatus] {
        if let category { try checkName(category) }
        guard (1...500).contains(limit) else { throw EchoError(.invalidParameter, "limit must be an integer in 1…500 (got \(limit))") }
        guard offset >= 0 else { throw EchoError(.invalidParameter, "offset cannot be negative (got \(offset))") }
        return try classified { try store.runs(category: category, limit: limit, offset: offset) }
    }
}
