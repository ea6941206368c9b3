import EchoEmbedding

/// The weights file (`.echow`) as `ImageEmbedder` reads it: the directory of tensors with
/// every offset and count checked against the file's length, then the network built from it
/// with every tensor's shape checked. The digest check is off here (the fuzzer could never
/// match it), so the parser behind it is what gets tried.
enum WeightsHarness {
    static let harness = FuzzHarness(name: "weights", summary: "weights file directory and the network's shape checks") { bytes in
        do throws(EmbeddingError) {
            let weights = try WeightsFile.parse(bytes, path: "fuzz.echow", expectedSHA256: nil)
            _ = try EfficientNetLite0(weights: weights)
            return .accepted
        } catch {
            return .rejected(error.code.description)
        }
    }
}
