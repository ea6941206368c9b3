/// The standard anomaly-detection metrics, exact (no binning): image and pixel AUROC,
/// AUPRO up to a false-positive rate (MVTec AD's definition) and F1-max.
public enum DetectionMetrics {
    /// Area under the ROC curve: the probability that a random positive scores above a
    /// random negative, ties counting half (Mann–Whitney U; equals scikit-learn's
    /// `roc_auc_score`). Nil when either class is empty.
    public static func auroc(labels: [Bool], scores: [Float]) -> Double? {
        precondition(labels.count == scores.count, "one label per score")
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var positives = 0.0, rankSum = 0.0
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count, scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for k in i...j where labels[order[k]] {
                rankSum += rank
                positives += 1
            }
            i = j + 1
        }
        let negatives = Double(labels.count) - positives
        guard positives > 0, negatives > 0 else { return nil }
        return (rankSum - positives * (positives + 1) / 2) / (positives * negatives)
    }

    /// The best F1 over every threshold (a score ≥ threshold is predicted anomalous), and
    /// the threshold that reaches it. Nil without positives.
    public static func f1Max(labels: [Bool], scores: [Float]) -> (f1: Double, threshold: Float)? {
        let positives = labels.filter { $0 }.count
        guard positives > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var truePositives = 0, predicted = 0
        var best: (f1: Double, threshold: Float) = (0, scores[order[0]])
        var i = 0
        while i < order.count {
            let threshold = scores[order[i]]
            while i < order.count, scores[order[i]] == threshold {
                if labels[order[i]] { truePositives += 1 }
                predicted += 1
                i += 1
            }
            let f1 = 2 * Double(truePositives) / Double(predicted + positives)
            if f1 > best.f1 { best = (f1, threshold) }
        }
        return best
    }

    /// The normalised area under the per-region-overlap curve up to `maximumFPR` (MVTec
    /// AD: PRO is the mean, over every connected defect region of every image, of the
    /// fraction of the region at or above a threshold; FPR is the fraction of defect-free
    /// pixels at or above it; the area over FPR ∈ [0, maximumFPR], divided by maximumFPR).
    /// Regions are 8-connected. Nil when there is no defect region or no defect-free pixel.
    /// - Parameters:
    ///   - maps: per image, its anomaly map at the mask's size (row-major).
    ///   - masks: per image, its ground truth (row-major, same size as its map).
    ///   - widths: per image, the width of its map and mask.
    public static func aupro(maps: [[Float]], masks: [[Bool]], widths: [Int], maximumFPR: Double = 0.3) -> Double? {
        precondition(maps.count == masks.count && maps.count == widths.count, "one mask and width per map")
        // Each pixel's weight: a defect pixel adds 1 / (regions · its region's size) to PRO,
        // a defect-free pixel adds 1 / (defect-free pixels) to FPR.
        var regionSizes: [Int] = []
        var regionOfPixel: [[Int32]] = []
        var negatives = 0
        for (mask, width) in zip(masks, widths) {
            let labels = connectedRegions(mask, width: width, firstLabel: regionSizes.count)
            regionSizes += labels.sizes
            regionOfPixel.append(labels.labels)
            negatives += mask.lazy.filter { !$0 }.count
        }
        guard !regionSizes.isEmpty, negatives > 0 else { return nil }
        let regions = Double(regionSizes.count)
        // (score, region or −1): 8 bytes a pixel, so a whole dataset's maps fit.
        var entries: [(score: Float, region: Int32)] = []
        entries.reserveCapacity(maps.reduce(0) { $0 + $1.count })
        for (map, labels) in zip(maps, regionOfPixel) {
            for (score, label) in zip(map, labels) { entries.append((score, label)) }
        }
        entries.sort { $0.score > $1.score }
        let regionWeights = regionSizes.map { 1 / (regions * Double($0)) }
        let negativeWeight = 1 / Double(negatives)
        var area = 0.0, pro = 0.0, fpr = 0.0
        var i = 0
        while i < entries.count {
            let threshold = entries[i].score
            var nextPRO = pro, nextFPR = fpr
            while i < entries.count, entries[i].score == threshold {
                if entries[i].region >= 0 { nextPRO += regionWeights[Int(entries[i].region)] } else { nextFPR += negativeWeight }
                i += 1
            }
            if nextFPR >= maximumFPR {
                // Interpolate PRO at exactly maximumFPR on this segment.
                let t = nextFPR > fpr ? (maximumFPR - fpr) / (nextFPR - fpr) : 0
                let proAtLimit = pro + t * (nextPRO - pro)
                area += (maximumFPR - fpr) * (pro + proAtLimit) / 2
                return area / maximumFPR
            }
            area += (nextFPR - fpr) * (pro + nextPRO) / 2
            pro = nextPRO
            fpr = nextFPR
        }
        return area / maximumFPR
    }

    /// 8-connected regions of `mask`: per pixel its region's label (from `firstLabel`) or
    /// −1 outside the mask, and each region's size.
    static func connectedRegions(_ mask: [Bool], width: Int, firstLabel: Int) -> (labels: [Int32], sizes: [Int]) {
        let height = width > 0 ? mask.count / width : 0
        var labels = [Int32](repeating: -1, count: mask.count)
        var sizes: [Int] = []
        var stack: [Int] = []
        for start in mask.indices where mask[start] && labels[start] < 0 {
            let label = Int32(firstLabel + sizes.count)
            var size = 0
            labels[start] = label
            stack.append(start)
            while let p = stack.popLast() {
                size += 1
                let y = p / width, x = p % width
                for dy in -1...1 {
                    for dx in -1...1 where dy != 0 || dx != 0 {
                        let ny = y + dy, nx = x + dx
                        guard ny >= 0, ny < height, nx >= 0, nx < width else { continue }
                        let q = ny * width + nx
                        if mask[q] && labels[q] < 0 {
                            labels[q] = label
                            stack.append(q)
                        }
                    }
                }
            }
            sizes.append(size)
        }
        return (labels, sizes)
    }
}
