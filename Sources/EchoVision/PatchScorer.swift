import EchoEmbedding
import EchoIndex
internal import CEchoBLAS

/// Scores every patch of a query by its distance to the nearest normal patch (PatchCore's
/// nearest-neighbour distance): among the patches of the retrieved golden samples, exact
/// L2 by one tiled GEMM with a fused row minimum per golden sample (`echo_nearest_squared_l2`),
/// and, when the category has one, among its memory bank (a FAISS search).
enum PatchScorer {
    /// The anomaly map of `query`: for each patch, the Euclidean distance to its nearest
    /// patch among `references` and `bank` (leaving out the bank rows of `excluded`, the
    /// golden sample being calibrated).
    /// - Throws: `IndexError` `.dimensionMismatch` when a reference's patches are not the
    ///   query's width; `.outOfMemory` when scratch memory runs out; the bank's search errors.
    static func score(_ query: PatchFeatures, against references: [PatchFeatures], bank: MemoryBankIndex? = nil,
                      excluding excluded: Int64? = nil) throws(IndexError) -> AnomalyMap {
        var squared = [Float](repeating: .infinity, count: query.count)
        var scratch = [Float](repeating: 0, count: query.count)
        for reference in references where reference.count > 0 {
            guard reference.dimension == query.dimension else {
                throw IndexError(.dimensionMismatch, "reference patches are \(reference.dimension)-d, the query's \(query.dimension)-d")
            }
            let status = query.values.withUnsafeBufferPointer { q in
                reference.values.withUnsafeBufferPointer { r in
                    scratch.withUnsafeMutableBufferPointer { out in
                        echo_nearest_squared_l2(q.baseAddress!, Int64(query.count), r.baseAddress!, Int64(reference.count),
                                                Int32(query.dimension), out.baseAddress!)
                    }
                }
            }
            guard status == 0 else { throw IndexError(.outOfMemory, "the patch distances could not get scratch memory (256 KiB per call); free memory and retry") }
            for i in squared.indices where scratch[i] < squared[i] { squared[i] = scratch[i] }
        }
        var distances = squared.map { $0.squareRoot() }
        if let bank {
            let fromBank = try bank.nearestDistances(query, excluding: excluded)
            for i in distances.indices { distances[i] = min(distances[i], fromBank[i]) }
        }
        return AnomalyMap(width: query.width, height: query.height, values: distances)
    }
}
