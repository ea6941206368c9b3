import Foundation

/// Where a forward pass spends its time, by kind of layer: wall time and multiply-adds,
/// so a benchmark can report achieved GFLOP/s per kind (`echo-bench embed --profile`).
package final class LayerProfile: @unchecked Sendable {
    package enum Kind: String, CaseIterable, Sendable {
        case stem, expand, depthwise, project, head, taps, features
    }

    package private(set) var seconds: [Kind: Double] = [:]
    package private(set) var multiplyAdds: [Kind: Double] = [:]
    package private(set) var passes = 0

    package init() {}

    /// Times `body` as a layer of `kind` doing `multiplyAdds` multiply-adds.
    @inline(__always)
    func measure<T>(_ kind: Kind, multiplyAdds count: Int, _ body: () -> T) -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        let result = body()
        seconds[kind, default: 0] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        multiplyAdds[kind, default: 0] += Double(count)
        return result
    }

    func finishPass() { passes += 1 }
}

extension Optional where Wrapped == LayerProfile {
    /// Runs `body`, timed when there is a profile.
    @inline(__always)
    func measure<T>(_ kind: LayerProfile.Kind, multiplyAdds count: @autoclosure () -> Int, _ body: () -> T) -> T {
        switch self {
        case .none: body()
        case .some(let profile): profile.measure(kind, multiplyAdds: count(), body)
        }
    }
}
