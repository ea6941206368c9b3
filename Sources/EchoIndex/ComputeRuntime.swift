internal import CEchoFaiss

/// Process-wide facts and knobs of the native compute libraries behind Echo.
public enum ComputeRuntime {
    /// The FAISS version Echo was built against, e.g. "1.7.3".
    public static var faissVersion: String { String(cString: echo_faiss_version()) }

    /// Which BLAS library is loaded, and whether it is OpenBLAS (the reference BLAS makes
    /// batched search and the backbone many times slower).
    public static var blas: (isOpenBLAS: Bool, description: String) {
        var buffer = [CChar](repeating: 0, count: 512)
        let isOpenBLAS = buffer.withUnsafeMutableBufferPointer { echo_blas_describe($0.baseAddress!, $0.count) }
        let text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return (isOpenBLAS != 0, text)
    }

    /// Gives Echo's native compute `threads` threads the way that measured fastest on
    /// small machines:
    /// - work runs in parallel across images (the caller's concurrency), so each BLAS call
    ///   (a backbone layer, a batched search) gets `blasThreadsPerCall` threads, 1 by
    ///   default: on 2 cores the backbone ran 62 images/s with one BLAS thread per image
    ///   against 34 with two BLAS threads on one image at a time;
    /// - an exact single-query scan splits a large index over `threads` threads;
    /// - FAISS's own OpenMP loops run on one thread: idle OpenMP workers busy-wait and
    ///   starved OpenBLAS's threads (a batched 100k × 1280 search ran 35 % slower).
    /// A program that mostly runs large batched searches passes `blasThreadsPerCall: threads`.
    public static func configureThreads(_ threads: Int, blasThreadsPerCall: Int = 1) {
        let count = max(1, threads)
        setBLASThreadCount(max(1, blasThreadsPerCall))
        setScanThreadCount(count)
        setFaissThreadCount(1)
    }

    /// Threads one exact single-query scan may split a large index over.
    public static var scanThreadCount: Int { Int(echo_faiss_scan_thread_count()) }

    /// Sets the threads one exact single-query scan may use (at least 1).
    public static func setScanThreadCount(_ threads: Int) {
        echo_faiss_set_scan_thread_count(Int32(clamping: max(1, threads)))
    }

    /// OpenMP threads FAISS uses for batched work.
    public static var faissThreadCount: Int { Int(echo_faiss_thread_count()) }

    /// Sets the OpenMP threads FAISS uses for batched work (at least 1).
    public static func setFaissThreadCount(_ threads: Int) {
        echo_faiss_set_thread_count(Int32(clamping: max(1, threads)))
    }

    /// Sets OpenBLAS's threads per call. Returns false when OpenBLAS is not loaded.
    @discardableResult
    public static func setBLASThreadCount(_ threads: Int) -> Bool {
        echo_blas_set_thread_count(Int32(clamping: max(1, threads))) != 0
    }
}
