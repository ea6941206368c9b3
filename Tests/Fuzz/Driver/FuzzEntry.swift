import EchoFuzzHarnesses
import Foundation
#if ECHO_LIBFUZZER
import CEchoFuzzDriver
#endif

// `echo-fuzz` has two builds. `make fuzz` (scripts/fuzz.sh) builds it with ECHO_FUZZ_BUILD
// set: main hands over to libFuzzer's driver, everything instrumented with AddressSanitizer
// and UndefinedBehaviorSanitizer, and `ECHO_FUZZ_HARNESS` names the harness. The plain
// build (which `swift build --build-tests` makes) replays files instead:
// `echo-fuzz HARNESS FILE...` prints each file's outcome.

nonisolated(unsafe) private var selected: FuzzHarness?

#if ECHO_LIBFUZZER
/// One input, for libFuzzer (which also links against this name).
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = size == 0 || data == nil ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    _ = selected!.run(bytes)
    return 0
}
#endif

@main
enum FuzzCommand {
    static func main() {
        #if ECHO_LIBFUZZER
        let name = ProcessInfo.processInfo.environment["ECHO_FUZZ_HARNESS"] ?? ""
        guard let harness = FuzzHarnesses.named(name) else { fail("set ECHO_FUZZ_HARNESS to one of: \(names)", status: 64) }
        selected = harness
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
        #else
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let name = arguments.first, let harness = FuzzHarnesses.named(name), arguments.count > 1 else {
            fail("usage: echo-fuzz HARNESS FILE...  (harnesses: \(names))", status: 64)
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)", status: 66) }
            print("\(path): \(harness.run([UInt8](data)))")
        }
        #endif
    }

    static var names: String { FuzzHarnesses.all.map(\.name).joined(separator: ", ") }

    static func fail(_ message: String, status: Int32) -> Never {
        FileHandle.standardError.write(Data("echo-fuzz: \(message)\n".utf8))
        exit(status)
    }
}
