import EchoErrors
import Foundation

/// One test image of an evaluation dataset: its file, whether it is defective, its
/// ground-truth mask file if it has one, and the defect type (the folder name).
public struct DatasetSample: Sendable, Equatable, Codable {
    public let path: String
    public let isAnomalous: Bool
    /// A mask image, non-zero where the defect is; nil for normal images and for
    /// datasets without masks (then pixel metrics are not computed).
    public let maskPath: String?
    public let defectType: String
}

/// One category of an evaluation dataset: training normals and test samples.
public struct DatasetCategory: Sendable, Equatable, Codable {
    public let name: String
    public let training: [String]
    public let test: [DatasetSample]
}

/// Reads the layouts anomaly-detection users have, into categories.
public enum DatasetLayout: String, Sendable, CaseIterable, Codable {
    /// MVTec AD: `CAT/train/good/*`, `CAT/test/<type>/*` (`good` is normal),
    /// `CAT/ground_truth/<type>/<name>_mask.png`. ROOT is the dataset (every folder with a
    /// `train/good` is a category) or one category.
    case mvtec
    /// VisA: `split_csv/1cls.csv` with `object,split,label,image,mask` (paths relative to
    /// ROOT, label `normal` or `anomaly`, split `train` or `test`).
    case visa
    /// A plain folder pair: `ROOT/good` and `ROOT/bad` (optional `ROOT/masks/<name>.png`
    /// for a bad image's mask). Training normals are `ROOT/train` when it exists, else
    /// every other good image in name order (the rest are test normals). One category,
    /// named after ROOT.
    case folder

    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg"]

    /// The categories under `root`, sorted by name; `only` keeps those named.
    /// - Throws: `DatasetError` saying what is missing or malformed, with the path.
    public func categories(at root: String, only: [String] = []) throws(DatasetError) -> [DatasetCategory] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DatasetError(.layout, "no dataset folder at \(root)")
        }
        let all: [DatasetCategory]
        switch self {
        case .mvtec: all = try Self.mvtec(root)
        case .visa: all = try Self.visa(root)
        case .folder: all = try [Self.folder(root)]
        }
        let selected = only.isEmpty ? all : all.filter { only.contains($0.name) }
        let missing = Set(only).subtracting(selected.map(\.name))
        guard missing.isEmpty else {
            throw DatasetError(.layout, "no category \(missing.sorted().joined(separator: ", ")) in \(root); it has \(all.map(\.name).joined(separator: ", "))")
        }
        for category in selected {
            guard !category.training.isEmpty else { throw DatasetError(.layout, "category \(category.name) has no training images") }
            guard !category.test.isEmpty else { throw DatasetError(.layout, "category \(category.name) has no test images") }
        }
        return selected
    }

    static func images(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { imageExtensions.contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
            .map { (directory as NSString).appendingPathComponent($0) }
    }

    static func subdirectories(of directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.sorted().filter { name in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent(name), isDirectory: &isDirectory)
                && isDirectory.boolValue
        }
    }

    private static func mvtec(_ root: String) throws(DatasetError) -> [DatasetCategory] {
        func isCategory(_ path: String) -> Bool { FileManager.default.fileExists(atPath: "\(path)/train/good") }
        let folders = isCategory(root) ? [root] : subdirectories(of: root).map { "\(root)/\($0)" }.filter(isCategory)
        guard !folders.isEmpty else {
            throw DatasetError(.layout, "\(root) is not in MVTec AD layout: no CAT/train/good folder (expected CAT/train/good, CAT/test/<type>, CAT/ground_truth/<type>)")
        }
        return try folders.map { (folder) throws(DatasetError) -> DatasetCategory in
            var test: [DatasetSample] = []
            for type in subdirectories(of: "\(folder)/test") {
                for path in images(in: "\(folder)/test/\(type)") {
                    guard type != "good" else {
                        test.append(DatasetSample(path: path, isAnomalous: false, maskPath: nil, defectType: type))
                        continue
                    }
                    let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
                    let mask = "\(folder)/ground_truth/\(type)/\(stem)_mask.png"
                    test.append(DatasetSample(path: path, isAnomalous: true,
                                              maskPath: FileManager.default.fileExists(atPath: mask) ? mask : nil, defectType: type))
                }
            }
            return DatasetCategory(name: (folder as NSString).lastPathComponent, training: images(in: "\(folder)/train/good"), test: test)
        }
    }

    private static func visa(_ root: String) throws(DatasetError) -> [DatasetCategory] {
        let csvPath = "\(root)/split_csv/1cls.csv"
        guard let text = try? String(contentsOfFile: csvPath, encoding: .utf8) else {
            throw DatasetError(.layout, "\(root) is not in VisA layout: cannot read \(csvPath)")
        }
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        guard let header = lines.first?.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) else {
            throw DatasetError(.layout, "\(csvPath) is empty")
        }
        lines.removeFirst()
        let required = ["object", "split", "label", "image", "mask"]
        var column: [String: Int] = [:]
        for name in required {
            guard let index = header.firstIndex(of: name) else {
                throw DatasetError(.layout, "\(csvPath) has no \"\(name)\" column (it needs \(required.joined(separator: ",")))")
            }
            column[name] = index
        }
        var training: [String: [String]] = [:]
        var test: [String: [DatasetSample]] = [:]
        for (number, line) in lines.enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count >= header.count else {
                throw DatasetError(.layout, "\(csvPath) line \(number + 2): \(fields.count) fields, the header has \(header.count)")
            }
            let object = fields[column["object"]!], split = fields[column["split"]!], label = fields[column["label"]!]
            let image = "\(root)/\(fields[column["image"]!])"
            let mask = fields[column["mask"]!]
            guard label == "normal" || label == "anomaly" else {
                throw DatasetError(.layout, "\(csvPath) line \(number + 2): label \"\(label)\" is neither normal nor anomaly")
            }
            switch split {
            case "train":
                // VisA trains on normals only; an anomalous training row would poison the golden set.
                if label == "normal" { training[object, default: []].append(image) }
            case "test":
                test[object, default: []].append(DatasetSample(path: image, isAnomalous: label == "anomaly",
                                                               maskPath: label == "anomaly" && !mask.isEmpty ? "\(root)/\(mask)" : nil,
                                                               defectType: label == "anomaly" ? "bad" : "good"))
            default:
                throw DatasetError(.layout, "\(csvPath) line \(number + 2): split \"\(split)\" is neither train nor test")
            }
        }
        return Set(training.keys).union(test.keys).sorted().map {
            DatasetCategory(name: $0, training: training[$0] ?? [], test: test[$0] ?? [])
        }
    }

    private static func folder(_ root: String) throws(DatasetError) -> DatasetCategory {
        let good = images(in: "\(root)/good"), bad = images(in: "\(root)/bad")
        guard !good.isEmpty, !bad.isEmpty else {
            throw DatasetError(.layout, "\(root) is not a good/bad folder pair: it needs images in \(root)/good and \(root)/bad")
        }
        let explicitTraining = images(in: "\(root)/train")
        let training = explicitTraining.isEmpty ? good.enumerated().filter { $0.offset % 2 == 0 }.map(\.element) : explicitTraining
        let testGood = explicitTraining.isEmpty ? good.enumerated().filter { $0.offset % 2 == 1 }.map(\.element) : good
        let samples = testGood.map { DatasetSample(path: $0, isAnomalous: false, maskPath: nil, defectType: "good") }
            + bad.map { path in
                let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
                let mask = "\(root)/masks/\(stem).png"
                return DatasetSample(path: path, isAnomalous: true, maskPath: FileManager.default.fileExists(atPath: mask) ? mask : nil,
                                     defectType: "bad")
            }
        let name = ((root as NSString).standardizingPath as NSString).lastPathComponent
        return DatasetCategory(name: name, training: training, test: samples)
    }
}

/// An error reading or evaluating a dataset: what kind, and what to do.
public typealias DatasetError = CodedError<DatasetErrors>

/// The domain of `DatasetError`.
public enum DatasetErrors: ErrorDomain {}

extension CodedError.Code where Domain == DatasetErrors {
    /// The folder is not in the layout it was said to be in, or misses a part.
    public static var layout: Self { Self(name: "dataset layout") }
    /// An image or mask of the dataset cannot be used.
    public static var unusableFile: Self { Self(name: "unusable file") }
    /// Ingest, calibration or inspection failed.
    public static var pipeline: Self { Self(name: "pipeline") }
    /// Results could not be written.
    public static var output: Self { Self(name: "output") }
}
