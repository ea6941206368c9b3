internal import CEchoFaiss

/// How an index compares vectors.
public enum Metric: String, Sendable, CaseIterable, Codable {
    /// Inner product: larger is nearer. On L2-normalised vectors this is cosine similarity.
    case innerProduct = "ip"
    /// Squared Euclidean distance: smaller is nearer.
    case l2

    var cValue: Int32 {
        switch self {
        case .innerProduct: Int32(ECHO_FAISS_METRIC_INNER_PRODUCT.rawValue)
        case .l2: Int32(ECHO_FAISS_METRIC_L2.rawValue)
        }
    }

    init(cValue: Int32) {
        self = cValue == Int32(ECHO_FAISS_METRIC_L2.rawValue) ? .l2 : .innerProduct
    }

    /// True when `a` ranks nearer than `b` under this metric.
    public func ranksBefore(_ a: Float, _ b: Float) -> Bool {
        switch self {
        case .innerProduct: a > b
        case .l2: a < b
        }
    }
}
