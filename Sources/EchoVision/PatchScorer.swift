import EchoEmbedding
import EchoIndex

/// Scores every patch of a query by its distance to the nearest normal patch (PatchCore's
/// nearest-neighbour distance): among the patches of the retrieved golden samples, and,
/// when the category has one, among its memory bank. One batched FAISS search per source,
/// exact L2.
enum PatchScorer {
    /// The anomaly map of `query`: for each patch, the Euclidean distance to its nearest
    /// patch among `references` and `bank` (leaving out the bank rows of `excluded`, the
    /// golden sample being calibrated).
    static func score(_ query: PatchFeatures, against references: [PatchFeatures], bank: MemoryBankIndex? = nil,
                      excluding excluded: Int64? = nil) throws(IndexError) -> AnomalyMap {
        var distances = [Float](repeating: .infinity, count: query.count)
        if !references.isEmpty {
            let index = try VectorIndex(dimension: query.dimension, description: "Flat", metric: .l2)
            var nextID: Int64 = 0
            for reference in references {
                guard reference.dimension == query.dimension else {
                    throw IndexError(.dimensionMismatch, "reference patches are \(reference.dimension)-d, the query's \(query.dimension)-d")
                }
                try index.add(reference.values, ids: (nextID..<nextID + Int64(reference.count)).map { $0 })
                nextID += Int64(reference.count)
            }
            distances = try index.search(query.values, k: 1).scores.map { max(0, $0).squareRoot() }
        }
        if let bank {
            let fromBank = try bank.nearestDistances(query, excluding: excluded)
            for i in distances.indices { distances[i] = min(distances[i], fromBank[i]) }
        }
        return AnomalyMap(width: query.width, height: query.height, values: distances)
    }
}
