import EchoEmbedding
import EchoIndex

/// Scores every patch of a query by its distance to the nearest patch of the reference
/// images (PatchCore's nearest-neighbour distance, against the retrieved normals rather
/// than a fixed memory bank). One batched FAISS search: the query's patches against all
/// reference patches, exact L2.
enum PatchScorer {
    /// The anomaly map of `query`: for each patch, the Euclidean distance to its nearest
    /// reference patch.
    static func score(_ query: PatchFeatures, against references: [PatchFeatures]) throws(IndexError) -> AnomalyMap {
        let index = try VectorIndex(dimension: query.dimension, description: "Flat", metric: .l2)
        var nextID: Int64 = 0
        for reference in references {
            guard reference.dimension == query.dimension else {
                throw IndexError(.dimensionMismatch, "reference patches are \(reference.dimension)-d, the query's \(query.dimension)-d")
            }
            try index.add(reference.values, ids: (nextID..<nextID + Int64(reference.count)).map { $0 })
            nextID += Int64(reference.count)
        }
        let results = try index.search(query.values, k: 1)
        return AnomalyMap(width: query.width, height: query.height, values: results.scores.map { max(0, $0).squareRoot() })
    }
}
