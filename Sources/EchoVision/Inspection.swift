import EchoEmbedding
import EchoStore

/// What the vision expert concluded about one image.
public enum Verdict: String, Sendable, Codable {
    /// Below the uncertainty band under the threshold.
    case normal
    /// Above the uncertainty band over the threshold.
    case anomalous
    /// Within the band around the threshold: a person (or the MLLM experts) should look.
    case uncertain
    /// The category has no threshold yet (`echoctl calibrate`): only the score is known.
    case uncalibrated
}

/// A normal image the verdict was compared against.
public struct ReferenceUsed: Sendable, Codable, Equatable {
    public let id: Int64
    public let path: String
    public let similarity: Float
}

/// The vision expert's result for one image: the same fields every detector returns
/// (score, label, map, explanation), plus the references it compared against.
public struct InspectionResult: Sendable, Codable {
    public let category: String
    /// The image score, read off the raw patch distances (their maximum by default; see
    /// `VisionExpert.ImageScore`), never off the smoothed map.
    public let score: Float
    /// The image's background level: the median of its raw patch distances. A global
    /// change (light, focus, camera) raises it; a local defect barely moves it.
    public let background: Float
    /// The category's calibrated threshold, if any.
    public let threshold: Float?
    public let verdict: Verdict
    /// The nearest normals used, most similar first.
    public let references: [ReferenceUsed]
    /// The anomaly map on the patch grid (28×28 at 224×224 input), smoothed for display
    /// and localisation (`Configuration.smoothingSigma`).
    public let anomalyMap: AnomalyMap
    /// Where the highest anomaly is, in words ("bottom right").
    public let region: String
    /// One sentence a person can read.
    public let explanation: String
    /// True when the threshold was computed on an older reference set.
    public let thresholdIsStale: Bool
    /// Rows of the category's memory bank the patches were also compared with; nil when
    /// no (current) bank was used.
    public let memoryBankPatches: Int?
}
