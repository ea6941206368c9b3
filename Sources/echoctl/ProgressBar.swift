import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Progress on standard error: a redrawn bar on a terminal, a plain line per update
/// otherwise (logs, CI).
struct ProgressBar {
    let label: String
    let interactive = isatty(STDERR_FILENO) != 0

    func update(done: Int, total: Int, detail: String) {
        if interactive {
            let width = 30
            let filled = total > 0 ? width * done / total : width
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            printError("\r\(label) [\(bar)] \(done)/\(total) \(detail)\u{1B}[K", newline: false)
            if done >= total { printError("") }
        } else {
            printError("\(label): \(done)/\(total) \(detail)")
        }
    }
}
