/// One neighbour found by a search: the stored id and its score under the index metric
/// (a similarity for inner product, a squared distance for L2).
public struct Neighbour: Equatable, Sendable {
    public let id: Int64
    public let score: Float

    public init(id: Int64, score: Float) {
        self.id = id
        self.score = score
    }
}

/// The results of searching a batch of queries: `k` ranks per query, flat, nearest first.
/// Ranks the index could not fill (fewer stored vectors than `k`, or an approximate
/// index that found fewer) have no neighbour.
public struct SearchResults: Sendable {
    /// How many queries were searched.
    public let queryCount: Int
    /// How many ranks each query has.
    public let k: Int
    /// `queryCount × k` scores, row-major.
    public let scores: [Float]
    /// `queryCount × k` ids, row-major; -1 where a rank has no neighbour.
    public let ids: [Int64]

    /// The neighbours of query `query`, nearest first, without the empty ranks.
    public func neighbours(ofQuery query: Int) -> [Neighbour] {
        precondition(query >= 0 && query < queryCount, "query \(query) out of 0..<\(queryCount)")
        var found: [Neighbour] = []
        found.reserveCapacity(k)
        for rank in 0..<k {
            let id = ids[query * k + rank]
            if id >= 0 { found.append(Neighbour(id: id, score: scores[query * k + rank])) }
        }
        return found
    }
}
