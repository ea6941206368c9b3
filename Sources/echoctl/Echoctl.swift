import ArgumentParser
import EchoApplication
import Foundation

/// `echoctl`: the command line of Echo, a reference-image database and inspection
/// pipeline for industrial anomaly detection. Commands parse their arguments, call one
/// use case of `EchoApp`, and render its answer; a use case's error is printed as
/// `Error: CODE: message` and exits with the code's status (`CommandExit`).
@main
struct Echoctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "echoctl",
        abstract: "Echo: reference images and inspection for industrial anomaly detection.",
        discussion: CommandExit.help,
        version: "0.1.0",
        subcommands: [
            Ingest.self, Query.self, Calibrate.self, Audit.self, Inspect.self, Reembed.self, Categories.self, List.self, Remove.self, RenameCategory.self, Verify.self, RebuildIndex.self, Stats.self, Backup.self, Restore.self,
            Worker.self, Runs.self, StoreGroup.self, Knowledge.self, Eval.self, Serve.self, Embed.self, ImageCommand.self, Doctor.self,
        ]
    )

    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as EchoError {
            printError("Error: \(error.code): \(error.message)")
            Foundation.exit(CommandExit.status(of: error.code))
        } catch {
            exit(withError: error)
        }
    }
}

/// The exit status of each use-case error code (sysexits.h, so scripts can tell the
/// caller's mistakes from Echo's failures and from a retry that may help). 0 is success,
/// 1 a run where some files failed, 3 a run that found anomalies, 64 a usage error.
enum CommandExit {
    static func status(of code: EchoError.Code) -> Int32 {
        switch code {
        case .unknownCategory, .unknownReference, .unknownRun, .imageNotKept, .noKnowledge, .noStore, .noReferences: 66  // EX_NOINPUT
        case .readOnly: 77  // EX_NOPERM
        case .unsupported: 69  // EX_UNAVAILABLE
        case .storeBusy, .databaseUnavailable, .mllmFailed: 75  // EX_TEMPFAIL
        case .storeFailed, .outputFailed, .diskFull: 74  // EX_IOERR
        case .weightsUnusable: 78  // EX_CONFIG
        case .internal: 70  // EX_SOFTWARE
        default: 65  // EX_DATAERR: the input is not what Echo takes
        }
    }

    static let help = """
        Exit status: 0 success; 1 some files failed (ingest, inspect, verify); 3 anomalies or outliers found; \
        64 bad usage; 65 bad input (invalid_*, bad_image, image_too_large, bad_request, nothing_to_do, incompatible); \
        66 not found (unknown_*, no_store, no_references, no_knowledge); 74 store or output failed; 75 busy or MLLM \
        failed, retry; 69 not supported by the store's backend; 77 read-only; 78 weights unusable; 70 internal error.
        """
}
