import EchoEmbedding
import EchoImaging
import EchoReferences
import EchoStore
import Foundation
import Logging

/// The metrics of one category (nil where the data cannot give them: pixel metrics need
/// a mask for every defective test image).
public struct CategoryMetrics: Sendable, Codable, Equatable {
    public let category: String
    public let trainingImages: Int
    public let testNormal: Int
    public let testAnomalous: Int
    public let imageAUROC: Double?
    public let pixelAUROC: Double?
    /// Normalised area under the PRO curve for FPR ∈ [0, 0.3] (MVTec AD's definition).
    public let aupro: Double?
    /// The best image-level F1 over all thresholds.
    public let imageF1Max: Double?
    /// The calibrated threshold and the rates at it (score ≥ threshold is anomalous).
    public let threshold: Double
    public let falsePositiveRate: Double?
    public let truePositiveRate: Double?
}

/// Per test image: what the evaluation saw.
public struct EvaluatedSample: Sendable, Codable, Equatable {
    public let category: String
    public let path: String
    public let isAnomalous: Bool
    public let defectType: String
    public let score: Double
    public let verdict: String
    /// The saved map (`--save-maps`), if any.
    public let mapPath: String?
}

/// The outcome of `DatasetEvaluator.evaluate`.
public struct DatasetEvaluation: Sendable, Codable, Equatable {
    public let layout: String
    public let root: String
    public let categories: [CategoryMetrics]
    public let samples: [EvaluatedSample]

    /// The mean of each metric over the categories that have it.
    public var mean: [String: Double] {
        func average(_ values: [Double?]) -> Double? {
            let present = values.compactMap { $0 }
            return present.isEmpty ? nil : present.reduce(0, +) / Double(present.count)
        }
        var result: [String: Double] = [:]
        result["imageAUROC"] = average(categories.map(\.imageAUROC))
        result["pixelAUROC"] = average(categories.map(\.pixelAUROC))
        result["aupro"] = average(categories.map(\.aupro))
        result["imageF1Max"] = average(categories.map(\.imageF1Max))
        result["falsePositiveRate"] = average(categories.map(\.falsePositiveRate))
        result["truePositiveRate"] = average(categories.map(\.truePositiveRate))
        return result
    }
}

/// Progress of an evaluation, after each step.
public struct EvaluationProgress: Sendable {
    public let category: String
    /// "ingest", "calibrate" or "inspect".
    public let stage: String
    public let done: Int
    public let total: Int
}

/// The evaluation anomaly-detection users expect, on a dataset in a standard layout: for
/// each category, ingest the training normals as golden samples (already stored images
/// are reused), calibrate from them alone, inspect every test image, and score image
/// AUROC, pixel AUROC and AUPRO on the maps at each image's own size, F1-max, and the
/// false- and true-positive rates at the calibrated threshold.
public struct DatasetEvaluator: Sendable {
    public let expert: VisionExpert
    public let logger: Logger

    public init(expert: VisionExpert, logger: Logger) {
        self.expert = expert
        self.logger = logger
    }

    /// Evaluates `categories` (from `DatasetLayout.categories`).
    /// - Parameter saveMaps: a folder for each test image's anomaly map, float32 `.npy` at
    ///   the image's size, as `CATEGORY/DEFECTTYPE/NAME.npy`.
    /// - Throws: `DatasetError` `.pipeline` when ingest, calibration or an inspection fails
    ///   (with the cause), `.unusableFile` for an unreadable test image or mask, or one
    ///   whose size differs from its image, `.output` when a map cannot be written.
    public func evaluate(_ categories: [DatasetCategory], layout: DatasetLayout, root: String, saveMaps: String? = nil,
                         concurrency: Int = ProcessInfo.processInfo.activeProcessorCount,
                         progress: @Sendable (EvaluationProgress) -> Void = { _ in }) throws(DatasetError) -> DatasetEvaluation {
        var metrics: [CategoryMetrics] = []
        var samples: [EvaluatedSample] = []
        for category in categories {
            let (categoryMetrics, categorySamples) = try evaluate(category, saveMaps: saveMaps, concurrency: concurrency, progress: progress)
            metrics.append(categoryMetrics)
            samples += categorySamples
        }
        return DatasetEvaluation(layout: layout.rawValue, root: root, categories: metrics, samples: samples)
    }

    private struct Inspected: Sendable {
        let score: Float
        let verdict: Verdict
        let map: [Float]
        let mask: [Bool]?
        let width: Int
        let mapPath: String?
    }

    private func evaluate(_ category: DatasetCategory, saveMaps: String?, concurrency: Int,
                          progress: @Sendable (EvaluationProgress) -> Void) throws(DatasetError) -> (CategoryMetrics, [EvaluatedSample]) {
        let ingestor = Ingestor(store: expert.store, embedder: expert.extractor.embedder, logger: logger)
        let report: IngestReport
        do {
            report = try ingestor.ingest(category.training, options: IngestOptions(category: category.name, concurrency: concurrency)) { step in
                progress(EvaluationProgress(category: category.name, stage: "ingest", done: step.done, total: step.total))
            }
        } catch {
            throw DatasetError(.pipeline, "ingesting the training images of \(category.name): \(error)")
        }
        if let failed = report.files.first(where: { $0.status == .failed }) {
            throw DatasetError(.unusableFile, "training image \(failed.path) of \(category.name): \(failed.reason ?? "failed"); fix or remove it")
        }
        progress(EvaluationProgress(category: category.name, stage: "calibrate", done: 0, total: 1))
        let calibration: Calibration
        do {
            calibration = try expert.calibrate(category: category.name, concurrency: concurrency)
        } catch {
            throw DatasetError(.pipeline, "calibrating \(category.name): \(error)")
        }
        let counter = ProgressCounter()
        let outcomes = parallelMap(count: category.test.count, concurrency: concurrency) { index -> Result<Inspected, DatasetError> in
            defer { progress(EvaluationProgress(category: category.name, stage: "inspect", done: counter.increment(), total: category.test.count)) }
            return Result { () throws(DatasetError) in try inspect(category.test[index], category: category.name, saveMaps: saveMaps) }
        }
        var inspected: [Inspected] = []
        for outcome in outcomes {
            switch outcome {
            case .success(let value): inspected.append(value)
            case .failure(let error): throw error
            }
        }
        let labels = category.test.map(\.isAnomalous)
        let scores = inspected.map(\.score)
        let withMasks = zip(category.test, inspected).allSatisfy { !$0.0.isAnomalous || $0.1.mask != nil }
        var pixelAUROC: Double?
        var aupro: Double?
        if withMasks, labels.contains(true) {
            let masks = inspected.map { $0.mask ?? [Bool](repeating: false, count: $0.map.count) }
            pixelAUROC = DetectionMetrics.auroc(labels: masks.flatMap { $0 }, scores: inspected.flatMap(\.map))
            aupro = DetectionMetrics.aupro(maps: inspected.map(\.map), masks: masks, widths: inspected.map(\.width))
        }
        let threshold = Float(calibration.threshold)
        let normals = zip(labels, scores).filter { !$0.0 }.map(\.1), anomalies = zip(labels, scores).filter { $0.0 }.map(\.1)
        let metrics = CategoryMetrics(
            category: category.name, trainingImages: category.training.count, testNormal: normals.count, testAnomalous: anomalies.count,
            imageAUROC: DetectionMetrics.auroc(labels: labels, scores: scores), pixelAUROC: pixelAUROC, aupro: aupro,
            imageF1Max: DetectionMetrics.f1Max(labels: labels, scores: scores)?.f1, threshold: calibration.threshold,
            falsePositiveRate: normals.isEmpty ? nil : Double(normals.filter { $0 >= threshold }.count) / Double(normals.count),
            truePositiveRate: anomalies.isEmpty ? nil : Double(anomalies.filter { $0 >= threshold }.count) / Double(anomalies.count))
        let evaluated = zip(category.test, inspected).map { sample, result in
            EvaluatedSample(category: category.name, path: sample.path, isAnomalous: sample.isAnomalous, defectType: sample.defectType,
                            score: Double(result.score), verdict: result.verdict.rawValue, mapPath: result.mapPath)
        }
        return (metrics, evaluated)
    }

    private func inspect(_ sample: DatasetSample, category: String, saveMaps: String?) throws(DatasetError) -> Inspected {
        let image: Image
        do {
            image = try ImageDecoder().decodeFile(atPath: sample.path)
        } catch {
            throw DatasetError(.unusableFile, "test image \(sample.path): \(error.message)")
        }
        let result: InspectionResult
        do {
            result = try expert.inspect(image, category: category)
        } catch {
            throw DatasetError(.pipeline, "inspecting \(sample.path): \(error)")
        }
        let map = result.anomalyMap.upsampled(toWidth: image.width, height: image.height)
        var mask: [Bool]?
        if let maskPath = sample.maskPath {
            let decoded: Image
            do {
                decoded = try ImageDecoder().decodeFile(atPath: maskPath).converted(to: .gray)
            } catch {
                throw DatasetError(.unusableFile, "mask \(maskPath): \(error.message)")
            }
            guard decoded.width == image.width, decoded.height == image.height else {
                throw DatasetError(.unusableFile, "mask \(maskPath) is \(decoded.width)x\(decoded.height), its image \(image.width)x\(image.height)")
            }
            mask = decoded.pixels.map { $0 > 0 }
        }
        var mapPath: String?
        if let saveMaps {
            let stem = ((sample.path as NSString).lastPathComponent as NSString).deletingPathExtension
            let folder = "\(saveMaps)/\(category)/\(sample.defectType)"
            let path = "\(folder)/\(stem).npy"
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                try NumpyArray.float32(map, shape: [image.height, image.width]).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                throw DatasetError(.output, "cannot write the map \(path): \(error.localizedDescription)")
            }
            mapPath = path
        }
        return Inspected(score: result.score, verdict: result.verdict, map: map, mask: mask, width: image.width, mapPath: mapPath)
    }
}

