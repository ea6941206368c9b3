/// Scratch buffers for one forward pass at a time. Reused across images to avoid
/// allocating megabytes per image; each thread embedding concurrently needs its own.
/// The buffers are owned by this object and freed in its `deinit`.
final class Workspace {
    private(set) var a: UnsafeMutablePointer<Float>
    private(set) var b: UnsafeMutablePointer<Float>
    private(set) var c: UnsafeMutablePointer<Float>
    private(set) var d: UnsafeMutablePointer<Float>
    private var capacity = 0
    private var size: (height: Int, width: Int) = (0, 0)

    init() {
        a = .allocate(capacity: 1)
        b = .allocate(capacity: 1)
        c = .allocate(capacity: 1)
        d = .allocate(capacity: 1)
        capacity = 1
    }

    deinit {
        for buffer in [a, b, c, d] { buffer.deallocate() }
    }

    /// Makes every buffer large enough for an input of `height × width`: the largest
    /// activation is the first expanded block at half resolution (96 channels), and the
    /// stem's im2col rows (27 values) at the same resolution.
    func reserve(height: Int, width: Int) {
        guard size != (height, width) else { return }
        size = (height, width)
        let half = ((height + 1) / 2) * ((width + 1) / 2)
        let needed = half * 96
        guard needed > capacity else { return }
        for buffer in [a, b, c, d] { buffer.deallocate() }
        a = .allocate(capacity: needed)
        b = .allocate(capacity: needed)
        c = .allocate(capacity: needed)
        d = .allocate(capacity: needed)
        capacity = needed
    }
}
