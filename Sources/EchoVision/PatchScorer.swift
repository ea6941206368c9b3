import EchoEmbedding
import EchoIndex
internal import CEchoBLAS
internal import CEchoKernels

/// Scores every patch of a query by its distance to the nearest normal patch (PatchCore's
/// nearest-neighbour distance): among the patches of the retrieved golden samples, exact
/// L2 as ‖q‖² − 2q·r + ‖r‖² with the minimum taken as the products are made — on Echo's
/// AVX-512 kernel (`echo_nearest_packed`), else a tiled BLAS GEMM per golden sample
/// (`echo_nearest_squared_l2`) — and, when the category has one, among its memory bank
/// (a FAISS search).
enum PatchScorer {
    /// The anomaly map of `query`: for each patch, the Euclidean distance to its nearest
    /// patch among `references` and `bank` (leaving out the bank rows of `excluded`, the
    /// golden sample being calibrated).
    /// - Throws: `IndexError` `.dimensionMismatch` when a reference's patches are not the
    ///   query's width; `.outOfMemory` when scratch memory runs out; the bank's search errors.
    static func score(_ query: PatchFeatures, against references: [PatchFeatures], bank: MemoryBankIndex? = nil,
                      excluding excluded: Int64? = nil) throws(IndexError) -> AnomalyMap {
        for reference in references where reference.dimension != query.dimension {
            throw IndexError(.dimensionMismatch, "reference patches are \(reference.dimension)-d, the query's \(query.dimension)-d")
        }
        let squared = ownKernelAvailable
            ? try nearestOnOwnKernel(query, references)
            : try nearestByBLAS(query, references)
        var distances = squared.map { $0.squareRoot() }
        if let bank {
            let fromBank = try bank.nearestDistances(query, excluding: excluded)
            for i in distances.indices { distances[i] = min(distances[i], fromBank[i]) }
        }
        return AnomalyMap(width: query.width, height: query.height, values: distances)
    }

    /// Whether this CPU runs Echo's AVX-512 distance kernel (else BLAS).
    static let ownKernelAvailable = echo_pointwise_available() != 0

    /// Squared distances on Echo's AVX-512 kernel: every golden sample's patches packed
    /// into one set of panels, the minimum folded in registers.
    static func nearestOnOwnKernel(_ query: PatchFeatures, _ references: [PatchFeatures]) throws(IndexError) -> [Float] {
        let rows = references.reduce(0) { $0 + $1.count }
        guard rows > 0 else { return [Float](repeating: .infinity, count: query.count) }
        let dimension = query.dimension
        var all = [Float]()
        all.reserveCapacity(rows * dimension)
        for reference in references { all += reference.values }
        var panels = [Float](repeating: 0, count: Int(echo_nearest_panel_count(Int64(rows), Int32(dimension))))
        var norms = [Float](repeating: 0, count: (rows + 31) / 32 * 32)
        var nearest = [Float](repeating: 0, count: query.count)
        var scratch = [Float](repeating: 0, count: 6 * dimension)
        let status = all.withUnsafeBufferPointer { r in
            panels.withUnsafeMutableBufferPointer { p in
                norms.withUnsafeMutableBufferPointer { n in
                    echo_nearest_pack(r.baseAddress!, Int64(rows), Int32(dimension), p.baseAddress!, n.baseAddress!)
                    return query.values.withUnsafeBufferPointer { q in
                        nearest.withUnsafeMutableBufferPointer { out in
                            scratch.withUnsafeMutableBufferPointer { s in
                                echo_nearest_packed(q.baseAddress!, Int64(query.count), p.baseAddress!, n.baseAddress!, Int64(rows),
                                                    Int32(dimension), out.baseAddress!, s.baseAddress!)
                            }
                        }
                    }
                }
            }
        }
        guard status == 0 else { throw IndexError(.invalidArgument, "the patch distance kernel refused \(query.count) × \(rows) patches of \(dimension)-d") }
        return nearest
    }

    /// Squared distances by BLAS (CPUs without AVX-512): one tiled GEMM per golden sample
    /// with a fused row minimum.
    static func nearestByBLAS(_ query: PatchFeatures, _ references: [PatchFeatures]) throws(IndexError) -> [Float] {
        var squared = [Float](repeating: .infinity, count: query.count)
        var scratch = [Float](repeating: 0, count: query.count)
        for reference in references where reference.count > 0 {
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
        return squared
    }
}
